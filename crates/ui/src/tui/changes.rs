//! The file-change screen: what a file record changed (the files of its
//! linked commit), and the diff of the selected file — notebooks cell by
//! cell, text side by side, binary and large files summarised.

use std::sync::Arc;

use git2::Oid;

use super::diffpane::{DiffPane, PaneFocus};
use super::keymap::Action;
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
    pub selected: usize,
    pub focus: PaneFocus,
    /// The file asked for, and the one drawn.
    pub wanted: Option<usize>,
    pub shown: Option<Arc<FileView>>,
    pub pane: DiffPane,
    pub generation: u64,
}

/// What the app should do after a key here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangesOutcome {
    /// Prepare this file's diff (if any) next.
    Diff(Option<usize>),
    Flash(String),
    Close,
}

impl ChangesScreen {
    pub fn new(row: &RecordRow, generation: u64) -> Self {
        ChangesScreen {
            commit: row.commit,
            message: row.record.message.clone(),
            changes: None,
            selected: 0,
            focus: PaneFocus::List,
            wanted: None,
            shown: None,
            pane: DiffPane {
                height: 10,
                ..DiffPane::default()
            },
            generation,
        }
    }

    pub fn file_count(&self) -> usize {
        match &self.changes {
            Some(Ok(c)) => c.files.len(),
            _ => 0,
        }
    }

    /// The changes arrived: show the first file.
    pub fn set_changes(&mut self, result: Result<Arc<Changes>, String>) -> Option<usize> {
        self.changes = Some(result);
        self.selected = 0;
        self.wanted = None;
        self.shown = None;
        self.want()
    }

    fn want(&mut self) -> Option<usize> {
        if self.file_count() == 0 || self.wanted == Some(self.selected) {
            return None;
        }
        self.wanted = Some(self.selected);
        Some(self.selected)
    }

    fn select(&mut self, pos: usize) -> Option<usize> {
        let n = self.file_count();
        if n == 0 {
            return None;
        }
        let pos = pos.min(n - 1);
        if pos != self.selected {
            self.selected = pos;
            self.pane.scroll = 0;
        }
        self.want()
    }

    pub fn update(&mut self, action: Action) -> ChangesOutcome {
        let page = self.pane.height.saturating_sub(2).max(1) as isize;
        let mut want = None;
        match (action, self.focus) {
            (Action::Back | Action::Quit | Action::Changes, _) => return ChangesOutcome::Close,
            (Action::FocusNext | Action::FocusPrev, _) => {
                self.focus = match self.focus {
                    PaneFocus::List => PaneFocus::Diff,
                    PaneFocus::Diff => PaneFocus::List,
                }
            }
            (Action::Right | Action::Open, _) => self.focus = PaneFocus::Diff,
            (Action::Left, _) => self.focus = PaneFocus::List,
            (Action::NextRun, _) | (Action::Down, PaneFocus::List) => {
                want = self.select(self.selected + 1)
            }
            (Action::PrevRun, _) | (Action::Up, PaneFocus::List) => {
                want = self.select(self.selected.saturating_sub(1))
            }
            (Action::Top, PaneFocus::List) => want = self.select(0),
            (Action::Bottom, PaneFocus::List) => want = self.select(usize::MAX),
            (Action::Down, PaneFocus::Diff) => self.pane.scroll_by(1),
            (Action::Up, PaneFocus::Diff) => self.pane.scroll_by(-1),
            (Action::Top, PaneFocus::Diff) => self.pane.scroll = 0,
            (Action::Bottom, PaneFocus::Diff) => self.pane.scroll_by(isize::MAX / 2),
            (Action::PageDown, _) => self.pane.scroll_by(page),
            (Action::PageUp, _) => self.pane.scroll_by(-page),
            (Action::ToggleUnified, _) => {
                let now = self.pane.toggle_unified();
                return ChangesOutcome::Flash(
                    if now {
                        "unified diff"
                    } else {
                        "side-by-side diff"
                    }
                    .into(),
                );
            }
            _ => {}
        }
        ChangesOutcome::Diff(want)
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
    dark: bool,
) -> Option<FileView> {
    let change = changes.files.get(index)?;
    let diff = file_diff(project, change);
    let h = Highlighter::get();
    let mut lang = Lang::from_path(change.path());
    let mut old_hl = Vec::new();
    let mut new_hl = Vec::new();
    let mut cells_hl = Vec::new();
    match &diff {
        FileDiff::Text(d) => {
            old_hl = h.highlight(&crate::files::old_text(d), lang, dark);
            new_hl = h.highlight(&crate::files::new_text(d), lang, dark);
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
                    h.highlight(&crate::files::old_text(&c.source), cell_lang, dark),
                    h.highlight(&crate::files::new_text(&c.source), cell_lang, dark),
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
