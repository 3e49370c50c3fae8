//! The screens over the timeline (files, insights, environment, a cell's
//! history): opening and closing them, the keys they pass back, their
//! answers from the workers handed to the screen that asked.

use std::sync::Arc;

use git2::Oid;

use crate::activity::kinds::RecordKind;
use crate::lineage::{Lineage, notebook_of};
use crate::tui::changes::ChangesScreen;
use crate::tui::envscreen::EnvScreen;
use crate::tui::history::CellScreen;
use crate::tui::insights::InsightsScreen;
use crate::tui::keymap::Action;
use crate::tui::nbtime::NotebookScreen;
use crate::tui::screen::{Loaded, Outcome, Screen};

use super::*;

impl App {
    /// The history the screens read.
    pub fn loaded(&self) -> Loaded<'_> {
        Loaded {
            project: &self.project,
            rows: &self.rows,
            index: &self.index,
        }
    }

    /// The topmost cell history screen, if one is open.
    pub fn cell(&self) -> Option<&CellScreen> {
        self.screens.iter().rev().find_map(Screen::as_cell)
    }

    /// The topmost file-change screen, if one is open.
    pub fn changes(&self) -> Option<&ChangesScreen> {
        self.screens.iter().rev().find_map(Screen::as_changes)
    }

    /// The topmost environment screen, if one is open.
    pub fn env(&self) -> Option<&EnvScreen> {
        self.screens.iter().rev().find_map(Screen::as_env)
    }

    /// The topmost notebook-at-a-time screen, if one is open.
    pub fn notebook_at(&self) -> Option<&NotebookScreen> {
        self.screens.iter().rev().find_map(Screen::as_notebook)
    }

    /// The notebook of the selected code record as it stood then (`t`).
    pub(super) fn open_notebook(&mut self) -> Vec<Effect> {
        let Some(row) = self.current() else {
            return Vec::new();
        };
        let code = row.record.meta.kind == RecordKind::Code;
        let Some(notebook) = notebook_of(&row.record.message).filter(|_| code) else {
            self.flash = Some("t needs a code record that ran a notebook".into());
            return Vec::new();
        };
        let origin = row.commit;
        self.cell_generation += 1;
        let screen = NotebookScreen::new(notebook.clone(), origin, self.cell_generation);
        self.open_screen(Screen::Notebook(screen));
        match self.lineages.get(&notebook).cloned() {
            Some(l) => self.lineage_ready(self.cell_generation, &notebook, l, false),
            None => vec![Effect::Lineage {
                notebook,
                generation: self.cell_generation,
            }],
        }
    }

    /// A step of the notebook screen arrived from the worker.
    pub fn notebook_ready(&mut self, generation: u64, view: Arc<crate::tui::nbtime::NbAtView>) {
        for s in &mut self.screens {
            if let Screen::Notebook(s) = s {
                s.ready(generation, Arc::clone(&view));
            }
        }
    }

    /// The topmost insights screen, if one is open.
    pub fn insights(&self) -> Option<&InsightsScreen> {
        self.screens.iter().rev().find_map(Screen::as_insights)
    }

    /// Opens a screen over what is shown, its pane as tall as the
    /// timeline's panes until the next fit.
    fn open_screen(&mut self, mut screen: Screen) {
        self.trail.forget_forward();
        screen.set_height(self.detail_height.max(self.list_height));
        self.screens.push(screen);
    }

    /// A key on the screen on top.
    pub(super) fn screen_update(&mut self, action: Action) -> Vec<Effect> {
        let loaded = Loaded {
            project: &self.project,
            rows: &self.rows,
            index: &self.index,
        };
        let Some(top) = self.screens.last_mut() else {
            return Vec::new();
        };
        match top.update(action, loaded) {
            Outcome::Stay(fx) => fx,
            Outcome::Flash(text, fx) => {
                self.flash = Some(text);
                fx
            }
            Outcome::Close => {
                if let Some(top) = self.screens.pop() {
                    self.trail.push_forward(super::Place::Closed(Box::new(top)));
                }
                Vec::new()
            }
            Outcome::GoTo(commit) => {
                if self.view_pos(commit).is_none() {
                    // Stay: on the timeline the record would not be there to see.
                    return self.go_to(commit);
                }
                // To the timeline; the screens wait on the trail for Esc to bring them back.
                self.leave_here();
                self.go_to(commit)
            }
            Outcome::OpenCell(commit, ex, mark) => {
                // The cell's screen goes over this one: Esc from it comes back here
                // (insights → a streak's cell → back to the streak list).
                if let Some(pos) = self.view_pos(commit) {
                    self.selected = pos;
                    self.scroll_into_view();
                }
                self.open_cell_marked(commit, ex, mark)
            }
        }
    }

    /// What the selected record changed: a file record's files; a code
    /// record's cell history; an environment record's environment.
    pub(super) fn open_changes(&mut self) -> Vec<Effect> {
        let Some(row) = self.current() else {
            return Vec::new();
        };
        if crate::files::is_file_record(&row.record) {
            self.cell_generation += 1;
            let screen = ChangesScreen::new(&row, self.cell_generation);
            self.open_screen(Screen::Changes(screen));
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
        let mut screen = InsightsScreen::new(self.cell_generation);
        screen.data = self.insights_data.clone();
        let need = screen.data.is_none();
        self.open_screen(Screen::Insights(screen));
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

    /// The insights arrived from the worker: kept for this load once the
    /// history is whole, shown by the screen that asked.
    pub fn insights_ready(
        &mut self,
        generation: u64,
        data: Arc<crate::tui::insights::InsightsData>,
    ) {
        if !self.loading {
            self.insights_data = Some(Arc::clone(&data));
        }
        for s in self.all_screens_mut() {
            if let Screen::Insights(s) = s {
                s.insights_ready(generation, Arc::clone(&data));
            }
        }
    }

    /// Where record `commit` is in the filtered timeline, if it passes
    /// (opening the fold it is folded in).
    pub(super) fn view_pos(&mut self, commit: Oid) -> Option<usize> {
        let i = self.position(commit)?;
        self.reveal(i)
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
        let screen = EnvScreen::new(at, self.cell_generation);
        self.open_screen(Screen::Env(screen));
        vec![Effect::ReadEnv {
            at,
            mark: None,
            generation: self.cell_generation,
        }]
    }

    /// An environment arrived from the worker.
    pub fn env_ready(&mut self, generation: u64, view: Arc<crate::tui::envscreen::EnvView>) {
        for s in self.all_screens_mut() {
            if let Screen::Env(s) = s {
                s.env_ready(generation, Arc::clone(&view));
            }
        }
    }

    /// A file record's changes arrived from the worker.
    pub fn changes_ready(
        &mut self,
        generation: u64,
        result: Result<Arc<crate::files::Changes>, String>,
    ) -> Vec<Effect> {
        let mut fx = Vec::new();
        for s in self.all_screens_mut() {
            if let Screen::Changes(s) = s {
                fx.extend(s.changes_ready(generation, result.clone()));
            }
        }
        fx
    }

    /// A file's diff arrived from the worker.
    pub fn file_ready(&mut self, generation: u64, view: Arc<crate::tui::changes::FileView>) {
        for s in self.all_screens_mut() {
            if let Screen::Changes(s) = s {
                s.file_ready(generation, Arc::clone(&view));
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
        self.open_cell_marked(commit, ex, None)
    }

    /// [`App::open_cell_at`], with another run marked (a streak's first attempt), so the
    /// screen opens on the two compared.
    pub fn open_cell_marked(
        &mut self,
        commit: Oid,
        ex: Option<u32>,
        mark: Option<(Oid, Option<u32>)>,
    ) -> Vec<Effect> {
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
        screen.mark_on = mark;
        self.open_screen(Screen::Cell(screen));
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
        let mut fx = Vec::new();
        for s in self.all_screens_mut() {
            match s {
                Screen::Cell(s) => {
                    fx.extend(s.lineage_ready(generation, notebook, Arc::clone(&lineage), partial))
                }
                Screen::Notebook(s) => {
                    fx.extend(s.lineage_ready(generation, notebook, Arc::clone(&lineage), partial))
                }
                _ => {}
            }
        }
        fx
    }

    /// A comparison arrived from the worker.
    pub fn compared(&mut self, generation: u64, view: Arc<crate::tui::history::PairView>) {
        for s in self.all_screens_mut() {
            if let Screen::Cell(s) = s {
                s.compared(generation, Arc::clone(&view));
            }
        }
    }

    /// The branches read by the worker: the picker, or why there is none.
    pub fn branches_ready(
        &mut self,
        result: Result<(Vec<crate::repo::BranchInfo>, Option<String>), String>,
    ) {
        match crate::tui::picker::branch_choice(result, &self.rev) {
            Ok(picker) => self.overlay = Overlay::Picker(picker),
            Err(say) => self.flash = Some(say),
        }
    }
}
