//! Search: the prompt, its matches across records, stepping through them.

use git2::Oid;

use crate::tui::filter::contains_ci;

use super::*;

impl App {
    pub fn search_hits(&mut self, generation: u64, hits: Vec<Oid>, done: bool) -> Vec<Effect> {
        if generation != self.search.generation {
            return Vec::new();
        }
        self.search.hits.extend(hits);
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

    /// Jump to the next (or previous) search hit, wrapping around.
    pub(super) fn step_match(&mut self, forward: bool) -> Vec<Effect> {
        if self.search.query.is_empty() {
            self.flash = Some("no search: press / to search".into());
            return Vec::new();
        }
        // Over every record shown, folded ones too: a hit in a closed
        // fold opens it.
        let n = self.shown.len();
        let at = self
            .current_commit()
            .and_then(|c| self.position(c))
            .and_then(|r| self.shown.binary_search(&r).ok())
            .unwrap_or(0);
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
                return self.select(line);
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
        // Messages are matched here at once; details by the search worker.
        for r in self.rows.iter() {
            if contains_ci(r.message(), &query) {
                self.search.hits.insert(r.commit());
            }
        }
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
