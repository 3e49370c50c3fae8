//! The file-change screen: what a file record changed (the files of its
//! linked commit), and the diff of the selected file — notebooks cell by
//! cell, text side by side, binary and large files summarised.

use crate::render::palette::SyntaxTheme;
use std::sync::Arc;

use git2::Oid;

use super::app::Effect;
use super::history::unified_note;
use super::keymap::Action;
use super::listpane::{ListKey, ListPane, Order};
use super::screen::Outcome;
use crate::files::notebook::CellKind;
use crate::files::{Changes, FileDiff, file_diff};
use crate::render::highlight::{Highlighter, Lang, StyledLine};
use crate::repo::{Project, RecordRow};

/// One file's diff, prepared for drawing on the worker thread.
pub struct FileView {
    /// Index into the screen's files.
    pub index: usize,
    pub diff: FileDiff,
    pub lang: Lang,
    /// Text files: both sides highlighted.
    pub old_hl: Vec<StyledLine>,
    pub new_hl: Vec<StyledLine>,
    /// Notebooks: each cell's sides highlighted (code cells only).
    pub cells_hl: Vec<(Vec<StyledLine>, Vec<StyledLine>)>,
}

impl std::fmt::Debug for FileView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileView")
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

pub struct ChangesScreen {
    /// The record whose change this is.
    pub commit: Oid,
    pub message: String,
    /// The files, once read (or why they could not be).
    pub changes: Option<Result<Arc<Changes>, String>>,
    /// The files over the selected one's diff.
    pub list: ListPane,
    /// The file asked for, and the one drawn.
    pub wanted: Option<usize>,
    pub shown: Option<Arc<FileView>>,
    pub generation: u64,
}

impl ChangesScreen {
    pub fn new(row: &RecordRow, generation: u64) -> Self {
        ChangesScreen {
            commit: row.commit,
            message: row.record.message.clone(),
            changes: None,
            list: ListPane::default(),
            wanted: None,
            shown: None,
            generation,
        }
    }

    pub fn file_count(&self) -> usize {
        match &self.changes {
            Some(Ok(c)) => c.files.len(),
            _ => 0,
        }
    }

    /// The changes arrived for request `generation`: show the first file.
    pub fn changes_ready(
        &mut self,
        generation: u64,
        result: Result<Arc<Changes>, String>,
    ) -> Vec<Effect> {
        if self.generation != generation {
            return Vec::new();
        }
        self.changes = Some(result);
        self.list.selected = 0;
        self.wanted = None;
        self.shown = None;
        self.want()
    }

    /// A file's diff arrived; shown if it is the one last asked for.
    pub fn file_ready(&mut self, generation: u64, view: Arc<FileView>) {
        if self.generation == generation && self.wanted == Some(view.index) {
            self.list.pane.reset();
            self.shown = Some(view);
        }
    }

    /// Asks for the selected file's diff unless it is the one wanted already.
    fn want(&mut self) -> Vec<Effect> {
        let index = self.list.selected;
        if self.file_count() == 0 || self.wanted == Some(index) {
            return Vec::new();
        }
        self.wanted = Some(index);
        vec![Effect::FileDiff {
            index,
            generation: self.generation,
        }]
    }

    /// A key on the screen.
    pub fn update(&mut self, action: Action) -> Outcome {
        if matches!(action, Action::Back | Action::Quit | Action::Changes) {
            return Outcome::Close;
        }
        match self.list.key(action, self.file_count(), Order::NextIsDown) {
            ListKey::Selected => Outcome::Stay(self.want()),
            ListKey::Unified(now) => Outcome::Flash(unified_note(now), Vec::new()),
            ListKey::Whole(now) => Outcome::Flash(super::history::whole_note(now), Vec::new()),
            ListKey::Done | ListKey::Ignored => Outcome::nothing(),
        }
    }
}

/// Reads what a record changed (worker thread).
pub fn read_changes(project: &Project, row: &RecordRow) -> Result<Changes, String> {
    crate::files::changes(project, row).map_err(|e| e.to_string())
}

/// Diffs one file and highlights both sides (worker thread).
pub fn prepare_file(
    project: &Project,
    changes: &Changes,
    index: usize,
    syntax: impl Into<SyntaxTheme>,
) -> Option<FileView> {
    let syntax: SyntaxTheme = syntax.into();
    let change = changes.files.get(index)?;
    let diff = file_diff(project, change);
    let h = Highlighter::get();
    let mut lang = Lang::from_path(change.path());
    let mut old_hl = Vec::new();
    let mut new_hl = Vec::new();
    let mut cells_hl = Vec::new();
    match &diff {
        FileDiff::Text(d) => {
            old_hl = h.highlight(&crate::files::old_text(d), lang, syntax);
            new_hl = h.highlight(&crate::files::new_text(d), lang, syntax);
        }
        FileDiff::Notebook(cells) => {
            lang = crate::render::files::notebook_lang(project, changes, change);
            for c in cells {
                let cell_lang = match c.kind {
                    CellKind::Code => lang,
                    CellKind::Markdown => Lang::Markdown,
                    _ => Lang::Plain,
                };
                let (o, n) = (
                    h.highlight(&crate::files::old_text(&c.source), cell_lang, syntax),
                    h.highlight(&crate::files::new_text(&c.source), cell_lang, syntax),
                );
                cells_hl.push((o, n));
            }
        }
        _ => {}
    }
    Some(FileView {
        index,
        diff,
        lang,
        old_hl,
        new_hl,
        cells_hl,
    })
}
