//! The screens over the timeline (files, insights, environment, a cell's
//! history): opening them, their answers from the workers, their keys.

use std::sync::Arc;

use git2::Oid;

use crate::activity::kinds::RecordKind;
use crate::lineage::{Lineage, notebook_of};
use crate::repo::RowRef;
use crate::tui::history::{CellScreen, Outcome};
use crate::tui::keymap::Action;

use super::*;

impl App {
    /// What the selected record changed: a file record's files; a code
    /// record's cell history; an environment record's environment.
    pub(super) fn open_changes(&mut self) -> Vec<Effect> {
        let Some(row) = self.current() else {
            return Vec::new();
        };
        if crate::files::is_file_record(&row.record) {
            self.cell_generation += 1;
            let mut screen = crate::tui::changes::ChangesScreen::new(&row, self.cell_generation);
            screen.pane.height = self.detail_height.max(self.list_height);
            self.changes = Some(screen);
            return vec![Effect::ReadChanges {
                generation: self.cell_generation,
            }];
        }
        match row.record.meta.kind {
            RecordKind::Code => return self.open_cell(),
            RecordKind::Environment => return self.open_env(),
            _ => {}
        }
        self.flash = Some("d shows what file, code and environment records changed".into());
        Vec::new()
    }

    /// Where people got stuck and what they did, over the whole history.
    pub(super) fn open_insights(&mut self) -> Vec<Effect> {
        self.cell_generation += 1;
        let mut screen = crate::tui::insights::InsightsScreen::new(self.cell_generation);
        screen.pane.height = self.detail_height.max(self.list_height);
        screen.data = self.insights_data.clone();
        let need = screen.data.is_none();
        self.insights = Some(screen);
        if self.loading {
            self.flash =
                Some("the history is still loading: figures cover what is read so far".into());
        }
        if need {
            vec![Effect::ReadInsights {
                generation: self.cell_generation,
            }]
        } else {
            Vec::new()
        }
    }

    /// The insights arrived from the worker.
    pub fn insights_ready(
        &mut self,
        generation: u64,
        data: Arc<crate::tui::insights::InsightsData>,
    ) {
        if !self.loading {
            self.insights_data = Some(Arc::clone(&data));
        }
        if let Some(s) = self.insights.as_mut()
            && s.generation == generation
        {
            s.pane.reset();
            s.data = Some(data);
        }
    }

    pub(super) fn insights_update(&mut self, action: Action) -> Vec<Effect> {
        use crate::tui::insights::InsightsOutcome;
        let Some(outcome) = self.insights.as_mut().map(|s| s.update(action)) else {
            return Vec::new();
        };
        match outcome {
            InsightsOutcome::Nothing => Vec::new(),
            InsightsOutcome::Close => {
                self.insights = None;
                Vec::new()
            }
            InsightsOutcome::OpenCell(commit, ex) => {
                self.insights = None;
                if let Some(pos) = self.view_pos(commit) {
                    self.selected = pos;
                    self.scroll_into_view();
                }
                self.open_cell_at(commit, ex)
            }
        }
    }

    /// Where record `commit` is in the filtered timeline, if it passes.
    pub(super) fn view_pos(&self, commit: Oid) -> Option<usize> {
        let i = self.position(commit)?;
        self.view.binary_search(&i).ok()
    }

    /// Selects record `commit` in the timeline, or says why it cannot.
    pub(super) fn go_to(&mut self, commit: Oid) -> Vec<Effect> {
        match self.view_pos(commit) {
            Some(p) => self.select(p),
            None => {
                self.flash = Some("that record is hidden by the filter".into());
                Vec::new()
            }
        }
    }

    /// The environment as of the selected record.
    pub(super) fn open_env(&mut self) -> Vec<Effect> {
        let Some(at) = self.current_commit() else {
            return Vec::new();
        };
        self.cell_generation += 1;
        let mut screen = crate::tui::envscreen::EnvScreen::new(at, self.cell_generation);
        screen.pane.height = self.detail_height.max(self.list_height);
        self.env = Some(screen);
        vec![Effect::ReadEnv {
            at,
            mark: None,
            generation: self.cell_generation,
        }]
    }

    /// An environment arrived from the worker.
    pub fn env_ready(&mut self, generation: u64, view: Arc<crate::tui::envscreen::EnvView>) {
        if let Some(screen) = self.env.as_mut()
            && screen.generation == generation
            && screen.wanted == (view.at, view.against.as_ref().map(|a| a.0))
        {
            screen.pane.reset();
            screen.shown = Some(view);
        }
    }

    /// The environment record before (older) or after `at`, in history order.
    pub(super) fn env_neighbour(&self, at: Oid, older: bool) -> Option<Oid> {
        let i = self.position(at)?;
        let is_env = |r: &RowRef| r.kind() == RecordKind::Environment;
        if older {
            self.rows
                .iter()
                .skip(i + 1)
                .find(is_env)
                .map(|r| r.commit())
        } else {
            (0..i)
                .rev()
                .filter_map(|k| self.rows.get(k))
                .find(is_env)
                .map(|r| r.commit())
        }
    }

    pub(super) fn env_update(&mut self, action: Action) -> Vec<Effect> {
        use crate::tui::envscreen::EnvOutcome;
        let Some(outcome) = self.env.as_mut().map(|s| s.update(action)) else {
            return Vec::new();
        };
        let read = |s: &mut crate::tui::envscreen::EnvScreen| {
            s.wanted = (s.at, s.mark.filter(|m| *m != s.at));
            s.pane.scroll = 0;
            vec![Effect::ReadEnv {
                at: s.at,
                mark: s.wanted.1,
                generation: s.generation,
            }]
        };
        match outcome {
            EnvOutcome::Nothing => Vec::new(),
            EnvOutcome::Close => {
                self.env = None;
                Vec::new()
            }
            EnvOutcome::Flash(text) => {
                self.flash = Some(text);
                self.env.as_mut().map(read).unwrap_or_default()
            }
            EnvOutcome::Reload => self.env.as_mut().map(read).unwrap_or_default(),
            EnvOutcome::Step(older) => {
                let Some(at) = self.env.as_ref().map(|s| s.at) else {
                    return Vec::new();
                };
                match self.env_neighbour(at, older) {
                    Some(next) => {
                        let Some(s) = self.env.as_mut() else {
                            return Vec::new();
                        };
                        s.at = next;
                        read(s)
                    }
                    None => {
                        self.flash = Some(if older {
                            "no earlier environment record".into()
                        } else {
                            "no later environment record".into()
                        });
                        Vec::new()
                    }
                }
            }
            EnvOutcome::GoTo(commit) => {
                self.env = None;
                self.go_to(commit)
            }
        }
    }

    /// A file record's changes arrived from the worker.
    pub fn changes_ready(
        &mut self,
        generation: u64,
        result: Result<Arc<crate::files::Changes>, String>,
    ) -> Vec<Effect> {
        let Some(screen) = self.changes.as_mut() else {
            return Vec::new();
        };
        if screen.generation != generation {
            return Vec::new();
        }
        match screen.set_changes(result) {
            Some(index) => vec![Effect::FileDiff { index, generation }],
            None => Vec::new(),
        }
    }

    /// A file's diff arrived from the worker.
    pub fn file_ready(&mut self, generation: u64, view: Arc<crate::tui::changes::FileView>) {
        if let Some(screen) = self.changes.as_mut()
            && screen.generation == generation
            && screen.wanted == Some(view.index)
        {
            screen.pane.reset();
            screen.shown = Some(view);
        }
    }

    pub(super) fn changes_update(&mut self, action: Action) -> Vec<Effect> {
        use crate::tui::changes::ChangesOutcome;
        let Some(screen) = self.changes.as_mut() else {
            return Vec::new();
        };
        let generation = screen.generation;
        match screen.update(action) {
            ChangesOutcome::Diff(Some(index)) => vec![Effect::FileDiff { index, generation }],
            ChangesOutcome::Diff(None) => Vec::new(),
            ChangesOutcome::Flash(text) => {
                self.flash = Some(text);
                Vec::new()
            }
            ChangesOutcome::Close => {
                self.changes = None;
                Vec::new()
            }
        }
    }

    /// Opens the history of the selected record's cell (its last execution).
    pub(super) fn open_cell(&mut self) -> Vec<Effect> {
        match self.current_commit() {
            Some(c) => self.open_cell_at(c, None),
            None => Vec::new(),
        }
    }

    /// Opens the history of the cell that record `commit` ran (execution
    /// `In [ex]`, else its last).
    pub fn open_cell_at(&mut self, commit: Oid, ex: Option<u32>) -> Vec<Effect> {
        let Some(row) = self.row(commit) else {
            return Vec::new();
        };
        let code = row.record.meta.kind == RecordKind::Code;
        let notebook = notebook_of(&row.record.message).filter(|_| code);
        let Some(notebook) = notebook else {
            self.flash =
                Some("not a cell run: select a code record to see its cell's history".into());
            return Vec::new();
        };
        let origin = row.commit;
        self.cell_generation += 1;
        let mut screen = CellScreen::new(notebook.clone(), origin, ex, self.cell_generation);
        screen.pane.height = self.detail_height.max(self.list_height);
        self.cell = Some(screen);
        match self.lineages.get(&notebook).cloned() {
            Some(l) => self.lineage_ready(self.cell_generation, &notebook, l, false),
            None => vec![Effect::Lineage {
                notebook,
                generation: self.cell_generation,
            }],
        }
    }

    /// A notebook's lineage arrived from the worker.
    pub fn lineage_ready(
        &mut self,
        generation: u64,
        notebook: &str,
        lineage: Arc<Lineage>,
        partial: bool,
    ) -> Vec<Effect> {
        if !partial {
            self.lineages
                .insert(notebook.to_string(), Arc::clone(&lineage));
        }
        let Some(screen) = self.cell.as_mut() else {
            return Vec::new();
        };
        if screen.generation != generation || screen.notebook != notebook {
            return Vec::new();
        }
        let pair = screen.set_lineage(lineage, partial);
        self.compare(pair)
    }

    /// Asks for a comparison unless it is the one already wanted.
    pub(super) fn compare(&mut self, pair: Option<(usize, usize)>) -> Vec<Effect> {
        let Some(screen) = self.cell.as_mut() else {
            return Vec::new();
        };
        let Some((old, new)) = pair else {
            return Vec::new();
        };
        if screen.wanted == Some((old, new)) {
            return Vec::new();
        }
        screen.wanted = Some((old, new));
        vec![Effect::Compare {
            old,
            new,
            generation: screen.generation,
        }]
    }

    /// A comparison arrived from the worker.
    pub fn compared(&mut self, generation: u64, view: Arc<crate::tui::history::PairView>) {
        if let Some(screen) = self.cell.as_mut()
            && screen.generation == generation
            && screen.wanted == Some((view.cmp.old, view.cmp.new))
        {
            screen.pane.reset();
            screen.shown = Some(view);
        }
    }

    /// A key on the cell history screen.
    pub(super) fn cell_update(&mut self, action: Action) -> Vec<Effect> {
        let Some(screen) = self.cell.as_mut() else {
            return Vec::new();
        };
        match screen.update(action) {
            Outcome::Compare(pair) => self.compare(pair),
            Outcome::Flash(text, pair) => {
                self.flash = Some(text);
                self.compare(pair)
            }
            Outcome::Close => {
                self.cell = None;
                Vec::new()
            }
            Outcome::GoTo(commit) => {
                self.cell = None;
                self.go_to(commit)
            }
        }
    }

    /// The branches read by the worker: the picker, or why there is none.
    pub fn branches_ready(
        &mut self,
        result: Result<(Vec<crate::repo::BranchInfo>, Option<String>), String>,
    ) {
        match result {
            Ok((list, _)) if list.is_empty() => {
                self.flash = Some("no branches: the history is read from a detached commit".into())
            }
            Ok((list, head)) => {
                let current = match head {
                    Some(h) if self.rev == "HEAD" => h,
                    _ => self.rev.clone(),
                };
                self.overlay = Overlay::Picker(crate::tui::picker::branch_picker(&list, &current));
            }
            Err(err) => self.flash = Some(format!("cannot list branches: {err}")),
        }
    }
}
