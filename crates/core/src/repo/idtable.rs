//! Open-addressed tables of 32-bit numbers that stand for commit ids kept
//! elsewhere: 5 to 11 bytes an id, where a hash map holding the ids takes
//! 24 to 48 and half as much again while it grows.

use git2::Oid;

/// Numbers (0-based) keyed by the id each stands for; the ids themselves
/// are looked up through the `id_of` a caller passes.
#[derive(Debug, Clone, Default)]
pub(crate) struct IdTable {
    /// Number + 1, or 0 for an empty slot; the length is a power of two.
    slots: Vec<u32>,
    len: usize,
}

impl IdTable {
    /// Adds number `n` for `id` (nothing when `n` does not fit 32 bits).
    pub fn insert(&mut self, id: &[u8; 20], n: usize, id_of: &impl Fn(usize) -> Option<[u8; 20]>) {
        // Filled to three quarters at most, so that probing stays short.
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            let want = ((self.len + 1) * 4 / 3 + 1).next_power_of_two().max(64);
            let old = std::mem::replace(&mut self.slots, vec![0; want]);
            self.len = 0;
            for v in old.into_iter().filter(|&v| v != 0) {
                let k = v as usize - 1;
                if let Some(old_id) = id_of(k) {
                    self.place(&old_id, v);
                }
            }
        }
        if let Ok(v) = u32::try_from(n + 1) {
            self.place(id, v);
        }
    }

    fn place(&mut self, id: &[u8; 20], value: u32) {
        let mask = self.slots.len() - 1;
        let mut s = slot_of(id) & mask;
        loop {
            match self.slots.get_mut(s) {
                Some(slot) if *slot == 0 => {
                    *slot = value;
                    self.len += 1;
                    return;
                }
                Some(slot) if *slot == value => return,
                Some(_) => s = (s + 1) & mask,
                None => return,
            }
        }
    }

    /// The number standing for `id`, if any.
    pub fn find(&self, id: &[u8; 20], id_of: &impl Fn(usize) -> Option<[u8; 20]>) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut s = slot_of(id) & mask;
        loop {
            let v = *self.slots.get(s)?;
            if v == 0 {
                return None;
            }
            let k = v as usize - 1;
            if id_of(k).as_ref() == Some(id) {
                return Some(k);
            }
            s = (s + 1) & mask;
        }
    }

    /// Bytes held, for the benchmarks' account of memory.
    pub fn heap_bytes(&self) -> usize {
        self.slots.capacity() * 4
    }
}

/// Commit ids are SHA-1 hashes, so their first bytes are already well spread.
fn slot_of(id: &[u8; 20]) -> usize {
    u32::from_le_bytes([id[0], id[1], id[2], id[3]]) as usize
}

/// The 20 bytes of an id (zeros for an id of another length).
pub(crate) fn bytes_of(id: Oid) -> [u8; 20] {
    id.as_bytes().try_into().unwrap_or([0; 20])
}

/// A set of commit ids: the ids in one array, found through an `IdTable`.
#[derive(Debug, Default)]
pub(crate) struct IdSet {
    ids: Vec<[u8; 20]>,
    table: IdTable,
}

impl IdSet {
    pub fn contains(&self, id: Oid) -> bool {
        let ids = &self.ids;
        self.table
            .find(&bytes_of(id), &|k| ids.get(k).copied())
            .is_some()
    }

    /// Adds `id`; false when it was there already.
    pub fn insert(&mut self, id: Oid) -> bool {
        if self.contains(id) {
            return false;
        }
        let key = bytes_of(id);
        self.ids.push(key);
        let ids = &self.ids;
        self.table
            .insert(&key, ids.len() - 1, &|k| ids.get(k).copied());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_found_exactly_across_growth() {
        // Ids sharing their first four bytes land on one slot and must probe.
        let id = |n: u32, salt: u8| {
            let mut b = [salt; 20];
            b[..4].copy_from_slice(&(n % 50).to_le_bytes());
            b[4..8].copy_from_slice(&n.to_le_bytes());
            Oid::from_bytes(&b).unwrap()
        };
        let mut set = IdSet::default();
        for n in 0..5000 {
            assert!(set.insert(id(n, 1)), "{n} is new");
        }
        for n in 0..5000 {
            assert!(!set.insert(id(n, 1)), "{n} again");
            assert!(set.contains(id(n, 1)));
            assert!(!set.contains(id(n, 2)), "{n} with other bytes");
        }
        assert_eq!(set.table.len, 5000);
        assert!(
            set.table.heap_bytes() <= 8192 * 4,
            "at most three quarters full"
        );
    }
}
