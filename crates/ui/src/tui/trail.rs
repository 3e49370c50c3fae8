//! The way back and forth between places, as a browser's or vim's jump list: going
//! somewhere new leaves the place behind on the back list and forgets the way
//! forward; going back puts the place left on the forward list.

/// How many places each list keeps: a place may hold whole screens (a cell's lineage,
/// a comparison), so the oldest go first rather than growing with every jump.
pub const TRAIL_MAX: usize = 64;

/// Places behind and ahead of the one in view, the nearest last.
#[derive(Debug)]
pub struct Trail<T> {
    back: Vec<T>,
    forward: Vec<T>,
}

impl<T> Default for Trail<T> {
    fn default() -> Self {
        Trail {
            back: Vec::new(),
            forward: Vec::new(),
        }
    }
}

impl<T> Trail<T> {
    /// Leaving a place for somewhere new: kept to come back to, and the way forward
    /// is forgotten.
    pub fn leave(&mut self, here: T) {
        self.forward.clear();
        push_capped(&mut self.back, here);
    }

    /// Something new opened where the way forward led elsewhere: forget it.
    pub fn forget_forward(&mut self) {
        self.forward.clear();
    }

    /// The nearest place behind, taken off the list.
    pub fn pop_back(&mut self) -> Option<T> {
        self.back.pop()
    }

    /// The nearest place ahead, taken off the list.
    pub fn pop_forward(&mut self) -> Option<T> {
        self.forward.pop()
    }

    /// A place gone forward from, to come back to.
    pub fn push_back(&mut self, place: T) {
        push_capped(&mut self.back, place);
    }

    /// A place gone back from, to return to.
    pub fn push_forward(&mut self, place: T) {
        push_capped(&mut self.forward, place);
    }

    /// The place a back step would land on.
    pub fn last_back(&self) -> Option<&T> {
        self.back.last()
    }

    pub fn can_go_back(&self) -> bool {
        !self.back.is_empty()
    }

    pub fn can_go_forward(&self) -> bool {
        !self.forward.is_empty()
    }

    /// Every place kept, both ways (answers from workers reach screens kept here too).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.back.iter_mut().chain(self.forward.iter_mut())
    }

    pub fn clear(&mut self) {
        self.back.clear();
        self.forward.clear();
    }
}

fn push_capped<T>(list: &mut Vec<T>, item: T) {
    if list.len() >= TRAIL_MAX {
        list.remove(0);
    }
    list.push(item);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A browser's back and forward over numbered places, `here` the one in view.
    fn back(t: &mut Trail<usize>, here: &mut usize) -> bool {
        match t.pop_back() {
            Some(p) => {
                t.push_forward(*here);
                *here = p;
                true
            }
            None => false,
        }
    }

    fn forward(t: &mut Trail<usize>, here: &mut usize) -> bool {
        match t.pop_forward() {
            Some(p) => {
                t.push_back(*here);
                *here = p;
                true
            }
            None => false,
        }
    }

    #[test]
    fn back_and_forth_as_a_browser() {
        let mut t = Trail::default();
        let mut here = 1;
        for next in [2, 3] {
            t.leave(here);
            here = next;
        }
        assert!(back(&mut t, &mut here) && here == 2);
        assert!(back(&mut t, &mut here) && here == 1);
        assert!(!back(&mut t, &mut here), "nothing before the first place");
        assert!(forward(&mut t, &mut here) && here == 2);
        // Somewhere new from 2 forgets the way to 3.
        t.leave(here);
        here = 4;
        assert!(!t.can_go_forward());
        assert!(back(&mut t, &mut here) && here == 2);
    }

    #[test]
    fn lists_keep_the_newest_places() {
        let mut t = Trail::default();
        for i in 0..TRAIL_MAX + 10 {
            t.leave(i);
        }
        let mut here = usize::MAX;
        let mut n = 0;
        while back(&mut t, &mut here) {
            n += 1;
        }
        assert_eq!(n, TRAIL_MAX);
        assert_eq!(here, 10, "the oldest ten were dropped");
    }
}
