//! The back stack: a `:` jump or a screen's "go to this record" leaves the place it
//! started from (the selected record and the screens open over it) on the trail, so
//! Esc on the timeline, `Ctrl-O` / `Ctrl-I` (or Alt-←/→) go back and forth between them
//! (insights → a streak's cell → its record → back to the cell → the streak list).

use git2::Oid;

use super::*;

/// A place to come back to.
pub enum Place {
    /// The timeline with this record selected, under these screens (bottom first).
    At {
        commit: Option<Oid>,
        screens: Vec<Screen>,
    },
    /// A screen closed by going back: going forward opens it again over what is there.
    Closed(Box<Screen>),
}

impl Place {
    /// The screens this place keeps (answers from the workers still reach them).
    pub fn screens_mut(&mut self) -> &mut [Screen] {
        match self {
            Place::At { screens, .. } => screens,
            Place::Closed(s) => std::slice::from_mut(s.as_mut()),
        }
    }

    /// What a back step to this place returns to, for the status bar's hint.
    pub fn name(&self) -> &'static str {
        let top = match self {
            Place::At { screens, .. } => screens.last(),
            Place::Closed(s) => Some(s.as_ref()),
        };
        match top {
            Some(Screen::Cell(_)) => "cell history",
            Some(Screen::Changes(_)) => "changes",
            Some(Screen::Env(_)) => "environment",
            Some(Screen::Insights(_)) => "insights",
            Some(Screen::Notebook(_)) => "notebook",
            None => "where you jumped from",
        }
    }
}

impl App {
    /// The place in view, taken out of the app for the trail (the screens move with it).
    fn here(&mut self) -> Place {
        Place::At {
            commit: self.current_commit(),
            screens: std::mem::take(&mut self.screens),
        }
    }

    /// About to jump elsewhere (a `:` target, a record a screen points at): keep this
    /// place to come back to.
    pub(super) fn leave_here(&mut self) {
        let here = self.here();
        self.trail.leave(here);
    }

    /// Esc with nothing else to close, `Ctrl-O` anywhere: the screen on top closes (kept
    /// for going forward), else the place left by the last jump comes back.
    pub(super) fn go_back(&mut self) -> Vec<Effect> {
        if let Some(top) = self.screens.pop() {
            self.trail.push_forward(Place::Closed(Box::new(top)));
            return Vec::new();
        }
        match self.trail.pop_back() {
            Some(place) => {
                let here = self.here();
                self.trail.push_forward(here);
                self.arrive(place)
            }
            None => {
                self.flash = Some("nothing to go back to".into());
                Vec::new()
            }
        }
    }

    /// `Ctrl-I` / Alt-→: forward again to where a back step came from.
    pub(super) fn go_forward(&mut self) -> Vec<Effect> {
        match self.trail.pop_forward() {
            // Going back from a reopened screen closes it again: nothing to keep.
            Some(place @ Place::Closed(_)) => self.arrive(place),
            Some(place) => {
                let here = self.here();
                self.trail.push_back(here);
                self.arrive(place)
            }
            None => {
                self.flash = Some("nothing to go forward to".into());
                Vec::new()
            }
        }
    }

    /// Shows a place taken from the trail: its screens over the timeline, its record
    /// selected (or why it cannot be).
    fn arrive(&mut self, place: Place) -> Vec<Effect> {
        match place {
            Place::Closed(screen) => {
                self.open_screen_kept(*screen);
                Vec::new()
            }
            Place::At { commit, screens } => {
                let height = self.detail_height.max(self.list_height);
                self.screens = screens;
                for s in &mut self.screens {
                    s.set_height(height);
                }
                match commit {
                    Some(c) => match self.view_pos(c) {
                        Some(p) => self.select(p),
                        None => {
                            self.flash = Some(if self.position(c).is_some() {
                                "that record is hidden now (F clears the filter, . shows hidden)"
                                    .into()
                            } else {
                                "that record is no longer in the history read".into()
                            });
                            Vec::new()
                        }
                    },
                    None => Vec::new(),
                }
            }
        }
    }

    /// Puts back a screen kept on the trail, sized for the panes now.
    fn open_screen_kept(&mut self, mut screen: Screen) {
        screen.set_height(self.detail_height.max(self.list_height));
        self.screens.push(screen);
    }

    /// Every screen the app holds, open or kept on the trail: the workers' answers go to
    /// the one that asked wherever it is.
    pub(super) fn all_screens_mut(&mut self) -> impl Iterator<Item = &mut Screen> {
        self.screens.iter_mut().chain(
            self.trail
                .iter_mut()
                .flat_map(|p| p.screens_mut().iter_mut()),
        )
    }
}
