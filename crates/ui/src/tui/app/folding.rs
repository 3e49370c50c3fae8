//! The timeline's folds in the app: the annotations arriving, the folds
//! found again when what is shown changes, `zo`/`zc`/`za` and Enter, and
//! opening the fold a jump or a search lands in.

use super::*;
use crate::insights::annotate::Annotation;
use crate::tui::folds::{Fold, Folds, Item, group};

/// What `z` and the key after it do to the selected record's fold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoldOp {
    Open,
    Close,
    Toggle,
}

/// How one timeline line stands to its fold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoldMark {
    /// Not in a fold.
    None,
    /// A closed fold, shown as its newest run.
    Closed,
    /// The first (newest) line of an open fold.
    OpenFirst,
    /// A further line of an open fold.
    OpenMember,
}

impl App {
    /// The annotations of the whole history, from the worker: the lines
    /// say more, and runs of one cell fold.
    pub fn annotations_ready(&mut self, notes: Arc<HashMap<Oid, Annotation>>) -> Vec<Effect> {
        self.annotations = notes;
        self.regroup_keeping(None);
        self.scroll_into_view();
        self.visible_decodes()
    }

    /// Finds the folds of `shown` again and rebuilds the lines. The record
    /// `keep` (else the one selected) stays selected, its fold opened when
    /// it is not the fold's head; the top line stays on its record, or on
    /// the closed fold that now holds it.
    pub(super) fn regroup_keeping(&mut self, keep: Option<Oid>) {
        let keep = keep.or_else(|| self.current_commit());
        let top = self.view.get(self.top).copied();
        let notes = Arc::clone(&self.annotations);
        let mut folds = Vec::new();
        if !notes.is_empty() {
            let items: Vec<Item<'_>> = self
                .shown
                .iter()
                .map(|&i| {
                    let note = self.rows.get(i).and_then(|r| notes.get(&r.commit()));
                    match note {
                        Some(Annotation::Run(n)) if n.cells == 1 => Item::Run {
                            cell: n.cell_index,
                            notebook: &n.notebook,
                        },
                        Some(Annotation::Save(files)) => Item::Save { files },
                        _ => Item::Other,
                    }
                })
                .collect();
            for span in group(&items) {
                let rows: Vec<usize> = self
                    .shown
                    .get(span.start..span.end)
                    .unwrap_or_default()
                    .to_vec();
                let (Some(&head), Some(key)) = (
                    self.shown.get(span.head),
                    rows.last()
                        .and_then(|&i| self.rows.get(i))
                        .map(|r| r.commit()),
                ) else {
                    continue;
                };
                let streak = rows.iter().any(|&i| {
                    let note = self.rows.get(i).and_then(|r| notes.get(&r.commit()));
                    matches!(note, Some(Annotation::Run(n)) if n.streak)
                });
                folds.push(Fold {
                    rows,
                    head,
                    runs: span.runs,
                    saves: span.saves,
                    streak,
                    key,
                });
            }
        }
        self.folds = Folds::new(folds);
        let keep = keep.and_then(|c| self.position(c));
        // The selected record does not vanish into a fold that just formed
        // (annotations arriving, saves shown, a reload reselecting it).
        if let Some(f) = keep.and_then(|row| self.folds.of(row).filter(|f| f.head != row)) {
            self.open_folds.insert(f.key);
        }
        self.rebuild_lines();
        self.selected = keep.map_or(0, |row| self.line_of(row));
        if let Some(row) = top {
            self.top = self.line_of(row).min(self.selected);
        }
    }

    /// The lines from `shown`: a closed fold's records but its head left out.
    fn rebuild_lines(&mut self) {
        let (folds, open) = (&self.folds, &self.open_folds);
        self.view = self
            .shown
            .iter()
            .copied()
            .filter(|&r| match folds.of(r) {
                Some(f) if !open.contains(&f.key) => r == f.head,
                _ => true,
            })
            .collect();
    }

    /// The line showing row `row`: its own, its closed fold's, or the
    /// nearest one when it is not shown.
    fn line_of(&self, row: usize) -> usize {
        let row = match self.folds.of(row) {
            Some(f) if !self.open_folds.contains(&f.key) => f.head,
            _ => row,
        };
        let at = self.view.binary_search(&row).unwrap_or_else(|at| at);
        at.min(self.view.len().saturating_sub(1))
    }

    /// The line of shown record `row`, opening the fold it is folded in
    /// (a jump or a search landing there); `None` when it is not shown.
    pub(super) fn reveal(&mut self, row: usize) -> Option<usize> {
        if let Ok(pos) = self.view.binary_search(&row) {
            return Some(pos);
        }
        let key = self.folds.of(row)?.key;
        let keep = self.current_commit();
        self.open_folds.insert(key);
        self.regroup_keeping(keep);
        self.view.binary_search(&row).ok()
    }

    /// The selected record's place among those shown (folded ones counted).
    pub fn shown_position(&self) -> usize {
        self.view
            .get(self.selected)
            .and_then(|r| self.shown.binary_search(r).ok())
            .unwrap_or(0)
    }

    /// The fold the record at line `pos` is in.
    pub fn fold_at(&self, pos: usize) -> Option<&Fold> {
        self.folds.of(*self.view.get(pos)?)
    }

    /// How the line at `pos` stands to its fold.
    pub fn fold_mark(&self, pos: usize) -> FoldMark {
        let Some(&row) = self.view.get(pos) else {
            return FoldMark::None;
        };
        fold_mark(&self.folds, &self.open_folds, row)
    }

    /// `zo`, `zc`, `za` on the selected line.
    pub fn fold(&mut self, op: FoldOp) -> Vec<Effect> {
        let Some(fold) = self.fold_at(self.selected).cloned() else {
            self.flash = Some("no fold here: runs of one cell one after another fold".into());
            return Vec::new();
        };
        let open = self.open_folds.contains(&fold.key);
        let keep = self.current_commit();
        match (op, open) {
            (FoldOp::Open | FoldOp::Toggle, false) => {
                self.open_folds.insert(fold.key);
                self.regroup_keeping(keep);
            }
            (FoldOp::Close | FoldOp::Toggle, true) => {
                self.open_folds.remove(&fold.key);
                let head = self.rows.get(fold.head).map(|r| r.commit());
                self.regroup_keeping(head);
            }
            _ => return Vec::new(),
        }
        self.scroll_into_view();
        self.visible_decodes()
    }

    /// Enter on the timeline: a closed fold opens; any other line goes to
    /// the record pane.
    pub(super) fn open_line(&mut self) -> Vec<Effect> {
        if self.fold_mark(self.selected) == FoldMark::Closed {
            return self.fold(FoldOp::Open);
        }
        if self.current_ref().is_some() {
            self.focus = Focus::Detail;
        }
        Vec::new()
    }

    /// The key after `z` on the timeline; `None` when it is not one of
    /// the fold keys (it then does what it does alone).
    pub fn fold_prefix_input(&mut self, key: &crossterm::event::KeyEvent) -> Option<Vec<Effect>> {
        use crossterm::event::{KeyCode, KeyModifiers};
        if !std::mem::take(&mut self.fold_prefix) {
            return None;
        }
        if key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            return None;
        }
        let op = match key.code {
            KeyCode::Char('o') => FoldOp::Open,
            KeyCode::Char('c') => FoldOp::Close,
            KeyCode::Char('a' | 'z') => FoldOp::Toggle,
            KeyCode::Esc => return Some(Vec::new()),
            _ => return None,
        };
        self.flash = None;
        Some(self.fold(op))
    }
}

/// How record `row` stands to its fold.
pub fn fold_mark(folds: &Folds, open: &std::collections::HashSet<Oid>, row: usize) -> FoldMark {
    match folds.of(row) {
        None => FoldMark::None,
        Some(f) if !open.contains(&f.key) => FoldMark::Closed,
        Some(f) if f.rows.first() == Some(&row) => FoldMark::OpenFirst,
        Some(_) => FoldMark::OpenMember,
    }
}
