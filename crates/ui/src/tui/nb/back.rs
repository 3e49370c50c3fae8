//! The notebook timeline's back stack, as the activity log's (`app/back.rs`): a `:` jump
//! or a version's "go to its row" leaves the place it started from (the selected row
//! and the screens over it) on the trail; Esc on the timeline, `Ctrl-O` / `Ctrl-I` (or
//! Alt-←/→) go back and forth.

use git2::Oid;

use super::cellscreen::CellScreen;
use super::{NbApp, NbEffect, NbFocus, NbScreen};

/// A place to come back to: the row selected (its commit and notebook) and the screens
/// that were over it.
pub struct NbPlace {
    row: Option<(Oid, Option<String>)>,
    screen: Option<NbScreen>,
    cell: Option<CellScreen>,
}

impl NbApp {
    /// The place in view, taken out of the app for the trail (the screens move with it).
    fn here(&mut self) -> NbPlace {
        NbPlace {
            row: self
                .current()
                .map(|r| (r.commit.id, r.entry.as_ref().map(|e| e.path.clone()))),
            screen: self.screen.take(),
            cell: self.cell.take(),
        }
    }

    /// About to jump elsewhere: keep this place to come back to.
    pub(super) fn leave_here(&mut self) {
        let here = self.here();
        self.trail.leave(here);
    }

    /// Whether Esc on the timeline has somewhere to go back to (else it quits, as before).
    pub(super) fn can_go_back(&self) -> bool {
        self.trail.can_go_back()
    }

    /// `Ctrl-O`: the place left by the last jump (a screen open closes first, as Esc
    /// closes it).
    pub(super) fn go_back(&mut self) -> Vec<NbEffect> {
        if self.cell.is_some() {
            self.cell = None;
            return Vec::new();
        }
        if self.screen.is_some() {
            self.screen = None;
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
    pub(super) fn go_forward(&mut self) -> Vec<NbEffect> {
        match self.trail.pop_forward() {
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

    /// Shows a place from the trail: its row selected, its screens over it; a cell
    /// screen asks again for the comparison it shows, which may have come while it waited.
    fn arrive(&mut self, place: NbPlace) -> Vec<NbEffect> {
        let NbPlace { row, screen, cell } = place;
        let mut fx = Vec::new();
        if let Some((commit, path)) = row {
            let at = self.rows.iter().position(|r| {
                r.commit.id == commit && r.entry.as_ref().map(|e| &e.path) == path.as_ref()
            });
            match at {
                Some(i) => {
                    self.focus = NbFocus::Timeline;
                    fx = self.select(i);
                }
                None => self.flash = Some("that row is not in the timeline now".into()),
            }
        }
        self.screen = screen;
        if let Some(mut cell) = cell {
            let pair = cell.pair();
            if cell.current().is_none() {
                cell.wanted = pair;
            }
            let ask = pair.filter(|_| cell.current().is_none());
            self.cell = Some(cell);
            fx.extend(self.ask_pair(ask));
        }
        fx
    }
}
