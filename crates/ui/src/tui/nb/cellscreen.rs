//! The notebook timeline's cell screen: one cell's committed versions, newest first, over the
//! comparison of the selected version with the one before it (or with a marked one). The keys
//! and the list-over-pane are the activity log's cell screen's ([`ListPane`]), so the two
//! screens answer the same keys the same way.

use std::sync::Arc;

use git2::Oid;
use ratatui::layout::Rect;

use super::decode::CellHist;
use super::pair::NbPair;
use super::{NbApp, NbEffect, NbFocus};
use crate::tui::diffpane::PaneFocus;
use crate::tui::history::unified_note;
use crate::tui::keymap::Action;
use crate::tui::listpane::{ListKey, ListPane, Order};

/// The history of one cell, over the timeline.
pub struct CellScreen {
    /// The version it was opened from: commit, path, index of the cell there.
    pub origin: (Oid, String, usize),
    pub generation: u64,
    /// `None` until the whole history is built; `Some(Err)` when it could not be.
    pub hist: Option<Result<Arc<CellHist>, String>>,
    /// The versions (newest first) over the comparison.
    pub list: ListPane,
    /// A marked version (its position): the comparison is with it instead of the one before.
    pub mark: Option<usize>,
    /// The pair last asked for (older, newer positions), and the one prepared for it.
    pub wanted: Option<(usize, usize)>,
    pub shown: Option<Arc<NbPair>>,
    /// Why the pair wanted could not be compared (a version that reads without its outputs
    /// but not with them), said in the pane instead of waiting for ever.
    pub error: Option<((usize, usize), String)>,
}

/// What a key on the screen asks of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Stay; prepare this pair if it is `Some`.
    Stay(Option<(usize, usize)>),
    /// Stay with a note in the status bar.
    Flash(String, Option<(usize, usize)>),
    Close,
    /// Back to the timeline, on this commit's row of this notebook.
    GoTo(Oid, String),
}

impl CellScreen {
    pub fn new(origin: (Oid, String, usize), generation: u64) -> Self {
        CellScreen {
            origin,
            generation,
            hist: None,
            list: ListPane::default(),
            mark: None,
            wanted: None,
            shown: None,
            error: None,
        }
    }

    fn count(&self) -> usize {
        match &self.hist {
            Some(Ok(h)) => h.versions.len(),
            _ => 0,
        }
    }

    /// The versions arrived: the one opened on is selected (the newest when it is not among
    /// them, as a version where the cell did not change is not); the pair to prepare.
    pub fn set_hist(&mut self, result: Result<Arc<CellHist>, String>) -> Option<(usize, usize)> {
        let at = result.as_ref().ok().and_then(|h| {
            h.versions
                .iter()
                .position(|v| v.commit == self.origin.0 && v.path == self.origin.1)
        });
        self.hist = Some(result);
        self.list.selected = at.unwrap_or(0);
        self.list.pane.scroll = 0;
        self.mark = None;
        self.wanted = None;
        self.shown = None;
        self.error = None;
        self.ask(self.pair())
    }

    /// The pair to show: the marked version against the selected one, else the selected one
    /// against the version before it (itself, for the first).
    pub fn pair(&self) -> Option<(usize, usize)> {
        let n = self.count();
        let sel = self.list.selected;
        if sel >= n {
            return None;
        }
        if let Some(m) = self.mark.filter(|&m| m != sel && m < n) {
            return Some((m.max(sel), m.min(sel)));
        }
        let older = if sel + 1 < n { sel + 1 } else { sel };
        Some((older, sel))
    }

    /// `pair`, unless it is the one already asked for.
    fn ask(&mut self, pair: Option<(usize, usize)>) -> Option<(usize, usize)> {
        let pair = pair?;
        if self.wanted == Some(pair) {
            return None;
        }
        self.wanted = Some(pair);
        Some(pair)
    }

    /// The prepared pair on screen, if it is the one wanted.
    pub fn current(&self) -> Option<&Arc<NbPair>> {
        self.shown.as_ref().filter(|p| Some(p.at) == self.wanted)
    }

    /// A pair arrived for request `generation`; shown if it is the one last asked for.
    pub fn paired(&mut self, generation: u64, pair: Arc<NbPair>) {
        if generation == self.generation && Some(pair.at) == self.wanted {
            self.list.pane.reset();
            self.shown = Some(pair);
        }
    }

    /// The pair `at` could not be prepared for request `generation`.
    pub fn failed(&mut self, generation: u64, at: (usize, usize), error: String) {
        if generation == self.generation && Some(at) == self.wanted {
            self.list.pane.reset();
            self.error = Some((at, crate::render::sanitize::line(&error).into_owned()));
        }
    }

    /// Why the pair wanted could not be compared, if it could not.
    pub fn current_error(&self) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(at, _)| Some(*at) == self.wanted)
            .map(|(_, e)| e.as_str())
    }

    /// Sizes the pane for a screen whose body (all but the status bar) is `body`.
    pub fn fit(&mut self, body: Rect) {
        self.list.fit(body, self.count());
    }

    /// A key on the screen.
    pub fn update(&mut self, action: Action) -> Outcome {
        match (action, self.list.focus) {
            (Action::Back | Action::Quit | Action::CellHistory, _) => return Outcome::Close,
            (Action::Open, PaneFocus::List) => {
                return match &self.hist {
                    Some(Ok(h)) => h
                        .versions
                        .get(self.list.selected)
                        .map_or(Outcome::Stay(None), |v| {
                            Outcome::GoTo(v.commit, v.path.clone())
                        }),
                    _ => Outcome::Stay(None),
                };
            }
            (Action::Mark, _) => {
                if self.count() == 0 {
                    return Outcome::Stay(None);
                }
                let sel = self.list.selected;
                self.mark = if self.mark == Some(sel) {
                    None
                } else {
                    Some(sel)
                };
                self.list.pane.scroll = 0;
                let ask = self.ask(self.pair());
                return Outcome::Flash(
                    if self.mark.is_some() {
                        "version marked: pick another version to compare with it (m again unmarks)"
                    } else {
                        "mark removed: comparing with the version before"
                    }
                    .into(),
                    ask,
                );
            }
            (Action::PixelDiff, _) => {
                let on = self.list.pane.pixels;
                let any = self
                    .current()
                    .is_some_and(|p| crate::tui::history::any_pixels(&p.pictures));
                if !on && !any {
                    return Outcome::Flash(crate::tui::history::NO_PIXELS.into(), None);
                }
                return Outcome::Flash(
                    crate::tui::history::pixels_note(self.list.pane.toggle_pixels()),
                    None,
                );
            }
            _ => {}
        }
        match self.list.key(action, self.count(), Order::NextIsUp) {
            ListKey::Selected => Outcome::Stay(self.ask(self.pair())),
            ListKey::Unified(now) => Outcome::Flash(unified_note(now), None),
            ListKey::Whole(now) => Outcome::Flash(crate::tui::history::whole_note(now), None),
            ListKey::Done | ListKey::Ignored => Outcome::Stay(None),
        }
    }
}

/// The cell screen's side of the app: what its keys and the worker's answers do there.
impl NbApp {
    /// The open cell's versions are read: the pair to compare first is asked for.
    pub fn cell_ready(
        &mut self,
        generation: u64,
        result: Result<Arc<CellHist>, String>,
    ) -> Vec<NbEffect> {
        let ask = match &mut self.cell {
            Some(s) if s.generation == generation => s.set_hist(result),
            _ => None,
        };
        self.ask_pair(ask)
    }

    /// A pair of the open cell's versions is prepared (or could not be).
    pub fn pair_ready(
        &mut self,
        generation: u64,
        at: (usize, usize),
        result: Result<Arc<NbPair>, String>,
    ) {
        if let Some(s) = &mut self.cell {
            match result {
                Ok(p) => s.paired(generation, p),
                Err(e) => s.failed(generation, at, e),
            }
        }
    }

    pub(super) fn ask_pair(&self, at: Option<(usize, usize)>) -> Vec<NbEffect> {
        let (Some(at), Some(s), Some(Ok(history))) = (at, &self.cell, &self.history) else {
            return Vec::new();
        };
        let Some(Ok(hist)) = &s.hist else {
            return Vec::new();
        };
        vec![NbEffect::CellPair {
            generation: s.generation,
            at,
            hist: Arc::clone(hist),
            history: Arc::clone(history),
        }]
    }

    pub(super) fn cell_action(&mut self, action: Action) -> Vec<NbEffect> {
        if action == Action::Help {
            self.help = true;
            return Vec::new();
        }
        let Some(s) = &mut self.cell else {
            return Vec::new();
        };
        match s.update(action) {
            Outcome::Stay(ask) => self.ask_pair(ask),
            Outcome::Flash(note, ask) => {
                self.flash = Some(note);
                self.ask_pair(ask)
            }
            Outcome::Close => {
                self.cell = None;
                Vec::new()
            }
            Outcome::GoTo(commit, path) => {
                let at = self.rows.iter().position(|r| {
                    r.commit.id == commit && r.entry.as_ref().is_some_and(|e| e.path == path)
                });
                match at {
                    Some(i) => {
                        // The screens wait on the trail: Esc brings them back.
                        self.leave_here();
                        self.focus = NbFocus::Timeline;
                        self.select(i)
                    }
                    None => {
                        self.flash = Some("that version is not in the timeline".into());
                        Vec::new()
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::nb::decode::CellVersion;

    fn hist(n: usize) -> Arc<CellHist> {
        let v = |k: usize| CellVersion {
            commit: Oid::from_bytes(&[u8::try_from(k).unwrap_or(0) + 1; 20])
                .unwrap_or(Oid::ZERO_SHA1),
            time: 0,
            author: String::new(),
            path: "a.ipynb".into(),
            states: String::new(),
            count: None,
            source: String::new(),
            hl: Vec::new(),
            entry: k,
            index: 0,
            lines: None,
            output_changed: None,
        };
        Arc::new(CellHist {
            number: 1,
            versions: (0..n).map(v).collect(),
            removed: None,
        })
    }

    #[test]
    fn opens_on_its_version_and_pairs_with_the_one_before_or_the_marked_one() {
        let h = hist(4);
        let origin = (h.versions[1].commit, "a.ipynb".to_string(), 0);
        let mut s = CellScreen::new(origin, 1);
        assert_eq!(s.set_hist(Ok(h)), Some((2, 1)));
        // `[` goes to the older version, down the list; the last has nothing before it.
        assert_eq!(s.update(Action::PrevRun), Outcome::Stay(Some((3, 2))));
        assert_eq!(s.update(Action::PrevRun), Outcome::Stay(Some((3, 3))));
        // Marking the oldest changes nothing yet: it is compared with itself already.
        assert!(matches!(s.update(Action::Mark), Outcome::Flash(_, None)));
        assert_eq!(s.mark, Some(3));
        // Marked: the newest against the marked oldest, whichever is selected.
        assert_eq!(s.update(Action::Top), Outcome::Stay(Some((3, 0))));
        // `m` on another version marks that one instead, `m` again unmarks.
        assert!(matches!(
            s.update(Action::Mark),
            Outcome::Flash(_, Some((1, 0)))
        ));
        assert_eq!(s.mark, Some(0));
        assert!(matches!(s.update(Action::Mark), Outcome::Flash(_, None)));
        assert_eq!(s.mark, None);
        assert_eq!(s.update(Action::PrevRun), Outcome::Stay(Some((2, 1))));
        assert_eq!(s.update(Action::NextRun), Outcome::Stay(Some((1, 0))));
        // Enter on the list goes to the version's row; with the pane focused it does not.
        assert_eq!(
            s.update(Action::Open),
            Outcome::GoTo(
                s.hist
                    .clone()
                    .and_then(Result::ok)
                    .map_or(Oid::ZERO_SHA1, |h| h.versions[0].commit),
                "a.ipynb".into()
            )
        );
        s.update(Action::FocusNext);
        assert_eq!(s.list.focus, PaneFocus::Diff);
        assert_eq!(s.update(Action::Open), Outcome::Stay(None));
        assert_eq!(s.update(Action::Back), Outcome::Close);
    }

    #[test]
    fn an_answer_for_another_pair_or_request_is_dropped() {
        let mut s = CellScreen::new((Oid::ZERO_SHA1, "a.ipynb".into(), 0), 2);
        s.set_hist(Ok(hist(2)));
        assert_eq!(s.wanted, Some((1, 0)));
        assert!(s.current().is_none());
        assert_eq!(s.update(Action::Down), Outcome::Stay(Some((1, 1))));
        assert_eq!(s.update(Action::Down), Outcome::Stay(None), "asked already");
        // A failure is said for the pair it is about, and only for the current request.
        s.failed(1, (1, 1), "old request".into());
        s.failed(2, (1, 0), "another pair".into());
        assert_eq!(s.current_error(), None);
        s.failed(2, (1, 1), "not JSON \u{1b}[2J".into());
        assert_eq!(s.current_error(), Some("not JSON ^[[2J"));
        assert_eq!(s.update(Action::Up), Outcome::Stay(Some((1, 0))));
        assert_eq!(s.current_error(), None, "another pair is wanted now");
    }
}
