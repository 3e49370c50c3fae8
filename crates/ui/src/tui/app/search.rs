//! Search: the prompt, its matches across records, stepping through them.

use git2::Oid;

use crate::repo::RowRef;
use crate::tui::filter::{contains_ci, names_commit};

use super::*;

/// Whether a record matches the search without its details: by its message, the start of
/// its hash, its author or its day as the timeline shows it (`2019-03-11`).
pub(super) fn row_hit(row: RowRef<'_>, day: &str, query: &str) -> bool {
    !query.is_empty()
        && (contains_ci(row.message(), query)
            || names_commit(query, row.commit(), row.author(), day))
}

impl App {
    pub fn search_hits(&mut self, generation: u64, hits: Vec<Oid>, done: bool) -> Vec<Effect> {
        if generation != self.search.generation {
            return Vec::new();
        }
        let here = self.current_commit().is_some_and(|c| hits.contains(&c));
        self.search.hits.extend(hits);
        if here && self.search.pane.is_none() && self.search.pane_jump.is_none() {
            // Found in the selected record's details: its pane goes to the first match.
            self.search.pane_jump = Some(true);
            self.settle_pane_jump();
        }
        if done {
            self.search.running = false;
        }
        if self.search.pending_jump && !self.search.hits.is_empty() {
            self.search.pending_jump = false;
            if !self.is_hit(self.selected) {
                let fx = self.step_match(true);
                self.flash = None;
                return fx;
            }
        }
        Vec::new()
    }

    /// Records the path filter's worker found: they join the view in place.
    pub fn path_hits(&mut self, generation: u64, hits: Vec<Oid>) -> Vec<Effect> {
        if generation != self.path_generation || self.filter.path.is_empty() {
            return Vec::new();
        }
        let keep = self.current_commit();
        for c in hits {
            let Some(i) = self.position(c) else {
                self.filter.path_hits.insert(c);
                continue;
            };
            let Some(row) = self.rows.get(i) else {
                self.filter.path_hits.insert(c);
                continue;
            };
            // A hidden record the path now keeps is one more that `.` would show.
            let was_hidden = self.filter.hides(row, self.day(i));
            self.filter.path_hits.insert(c);
            if !was_hidden && self.filter.hides(row, self.day(i)) {
                self.hidden += 1;
                self.hidden_saves += usize::from(crate::tui::folds::is_save(row));
            }
            if !self.filter.matches(row, self.day(i)) {
                continue;
            }
            if let Err(pos) = self.shown.binary_search(&i) {
                self.shown.insert(pos, i);
            }
        }
        // The same record stays selected.
        self.regroup_keeping(keep);
        self.scroll_into_view();
        self.visible_decodes()
    }

    /// The match the record pane is at, and how many its record has, while that record is
    /// the one selected.
    pub fn pane_match(&self) -> Option<(usize, usize)> {
        let (commit, at, of) = self.search.pane?;
        (!self.search.query.is_empty() && self.current_commit() == Some(commit)).then_some((at, of))
    }

    /// The selected record's matches in the record pane, once its details are in (before,
    /// the pane holds only its header), and the pane's width.
    fn pane_matches(&self) -> Option<(Arc<crate::tui::views::DetailView>, usize)> {
        let commit = self.current_commit()?;
        if !matches!(self.details.peek(&commit), Some(Details::Ready(_))) {
            return None;
        }
        crate::tui::views::current_view(self)
    }

    /// Scrolls the record pane to the match a search step asked for, if the selected
    /// record's details are in; else it waits for them (see `details_ready`).
    pub(super) fn settle_pane_jump(&mut self) {
        let Some(first) = self.search.pane_jump else {
            return;
        };
        let Some((view, width)) = self.pane_matches() else {
            return;
        };
        self.search.pane_jump = None;
        match view.matches.len() {
            0 => self.search.pane = None,
            n => self.show_pane_match(&view, width, if first { 0 } else { n - 1 }),
        }
    }

    /// Scrolls the record pane to match `at` of the view (sideways too, when lines are cut).
    fn show_pane_match(&mut self, view: &crate::tui::views::DetailView, width: usize, at: usize) {
        let (Some(&(line, col)), Some(commit)) = (view.matches.get(at), self.current_commit())
        else {
            return;
        };
        self.search.pane = Some((commit, at, view.matches.len()));
        self.detail_lines = view.lines.len();
        let h = self.detail_height.max(1);
        if line < self.detail_scroll || line >= self.detail_scroll + h {
            // A line or two above it, to read the match in its place.
            self.detail_scroll = line.saturating_sub((h / 4).min(2));
        }
        if !self.wrap {
            let half = (width / 2).max(1);
            let room = width.saturating_sub(8).max(1);
            if col < self.detail_hscroll || col >= self.detail_hscroll + room {
                self.detail_hscroll = col / half * half;
            }
        }
    }

    /// `n`/`N` inside the selected record: the next (previous) match of its pane, if there is
    /// one this way.
    fn step_in_pane(&mut self, forward: bool) -> bool {
        // A record the search has not found (yet) is stepped over, as before.
        if !self.is_hit(self.selected) {
            return false;
        }
        let Some((view, width)) = self.pane_matches() else {
            return false;
        };
        let n = view.matches.len();
        let next = match (self.pane_match().map(|(at, _)| at), forward) {
            _ if n == 0 => None,
            (Some(at), true) => (at + 1 < n).then_some(at + 1),
            (Some(at), false) => at.checked_sub(1),
            (None, true) => Some(0),
            (None, false) => Some(n - 1),
        };
        let Some(at) = next else {
            return false;
        };
        self.show_pane_match(&view, width, at);
        true
    }

    /// Jump to the next (or previous) search match: inside the selected record's pane
    /// first, then to the next matching record (its first match; going back, its last),
    /// wrapping around.
    pub(super) fn step_match(&mut self, forward: bool) -> Vec<Effect> {
        if self.search.query.is_empty() {
            self.flash = Some("no search: press / to search".into());
            return Vec::new();
        }
        if self.step_in_pane(forward) {
            return Vec::new();
        }
        // Over every record shown, folded ones too: a hit in a closed
        // fold opens it.
        let n = self.shown.len();
        let at = self.shown_position();
        for k in 1..=n {
            let pos = if forward {
                (at + k) % n
            } else {
                (at + n - k % n) % n
            };
            let Some(&row) = self.shown.get(pos) else {
                continue;
            };
            if self.row_is_hit(row) {
                if (forward && pos <= at) || (!forward && pos >= at) {
                    self.flash = Some("search wrapped".into());
                }
                let Some(line) = self.reveal(row) else {
                    continue;
                };
                let fx = self.select(line);
                self.search.pane = None;
                self.search.pane_jump = Some(forward);
                self.settle_pane_jump();
                return fx;
            }
        }
        self.flash = Some(if self.search.running {
            format!("searching for '{}'…", self.search.query)
        } else {
            format!("'{}' not found", self.search.query)
        });
        Vec::new()
    }

    /// Does the record at a view position match the search?
    pub fn is_hit(&self, pos: usize) -> bool {
        self.view.get(pos).is_some_and(|&i| self.row_is_hit(i))
    }

    /// Does the loaded record at position `i` match the search?
    fn row_is_hit(&self, i: usize) -> bool {
        let Some(row) = self.rows.get(i) else {
            return false;
        };
        !self.search.query.is_empty() && self.search.hits.contains(&row.commit())
    }

    /// Number of records that match the search so far.
    pub fn hit_count(&self) -> usize {
        self.search.hits.len()
    }

    pub(super) fn start_search(&mut self, query: String) -> Vec<Effect> {
        self.search.generation += 1;
        self.search.hits.clear();
        self.search.query = query.clone();
        self.search.running = !query.is_empty();
        if query.is_empty() {
            return Vec::new();
        }
        // Messages, hashes, authors and days are matched here at once; details by the
        // search worker.
        let found: Vec<Oid> = (0..self.rows.len())
            .filter_map(|i| {
                let r = self.rows.get(i)?;
                row_hit(r, self.day(i), &query).then(|| r.commit())
            })
            .collect();
        self.search.hits.extend(found);
        self.search.pane = None;
        let mut fx = vec![Effect::Search {
            query,
            generation: self.search.generation,
        }];
        // Incremental: jump to the first message match from the selection on.
        self.search.pending_jump = false;
        if !self.is_hit(self.selected) {
            if self.search.hits.is_empty() {
                self.search.pending_jump = true;
            } else {
                fx.extend(self.step_match(true));
            }
            self.flash = None;
        } else {
            // The selected record matches: its pane goes to its first match.
            self.search.pane_jump = Some(true);
            self.settle_pane_jump();
        }
        fx
    }

    /// Whether a one-line prompt has the keys: the search prompt, a filter
    /// field being edited, a picker's query.
    pub fn in_prompt(&self) -> bool {
        self.search.typing.is_some()
            || self.jump.is_some()
            || match &self.overlay {
                Overlay::Filter(edit) => edit.editing.is_some(),
                Overlay::Picker(p) => p.typing,
                _ => false,
            }
    }

    /// Typing into the search prompt.
    pub fn search_input(&mut self, key: &crossterm::event::KeyEvent) -> Vec<Effect> {
        use crossterm::event::{KeyCode, KeyModifiers};
        let Some(mut text) = self.search.typing.take() else {
            return Vec::new();
        };
        match key.code {
            KeyCode::Esc => {
                return self.start_search(String::new());
            }
            KeyCode::Enter => {
                self.search.typing = None;
                return Vec::new();
            }
            KeyCode::Char('c')
                if key.modifiers.contains(KeyModifiers::CONTROL)
                    && !crate::tui::lineedit::is_altgr(key) =>
            {
                return vec![Effect::Quit];
            }
            _ => {
                if !crate::tui::lineedit::edit(&mut text, key) {
                    self.search.typing = Some(text);
                    return Vec::new();
                }
            }
        }
        self.search.typing = Some(text.clone());
        self.start_search(text)
    }
}
