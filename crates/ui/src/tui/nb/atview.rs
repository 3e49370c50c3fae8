//! The notebook at a commit (`t`): the version of the selected row's notebook that commit
//! left, every cell in order with its code and outputs, the cells it changed marked in the
//! gutter; `[`/`]` step through the commits that changed the notebook, Tab goes to the next
//! notebook the same commit changed, Enter opens the selected cell's history.

use std::cell::{Cell, RefCell};
use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::decode::{Piece, RecordView};
use super::view::record_lines;
use super::{NbApp, NbEffect, NbScreen};
use crate::nbhistory::{NbCommit, NbEntry};
use crate::render::sanitize;
use crate::timefmt;
use crate::tui::keymap::Action;
use crate::tui::views::{Look, pane_block};

/// The screen's lines as last laid out: for (step, width), the lines and where each cell
/// starts (line, index of the cell in the version).
#[derive(Default)]
pub struct AtLaid {
    pub key: Option<(usize, u16)>,
    pub lines: Arc<Vec<Line<'static>>>,
    pub starts: Vec<(usize, usize)>,
}

pub struct NotebookScreen {
    pub path: String,
    /// The commits that changed the notebook, oldest first, with what each left.
    pub steps: Vec<(Arc<NbCommit>, Arc<NbEntry>)>,
    pub step: usize,
    /// The notebooks the step's commit changed, in the timeline's order (Tab goes round).
    pub siblings: Vec<String>,
    /// The version decoded for a step.
    pub shown: Option<(usize, Arc<RecordView>)>,
    pub scroll: Cell<usize>,
    /// The selected cell is to be brought into view once the version is laid out.
    pub reveal: Cell<bool>,
    /// The selected cell: an index into the laid-out cell starts.
    pub selected: usize,
    pub height: usize,
    pub laid: RefCell<AtLaid>,
    pub generation: u64,
}

impl NotebookScreen {
    /// The version on screen, when its decoding is in.
    pub fn current(&self) -> Option<&Arc<RecordView>> {
        self.shown
            .as_ref()
            .filter(|(s, _)| *s == self.step)
            .map(|(_, v)| v)
    }

    /// The index in the version of the selected cell.
    pub fn selected_cell(&self) -> Option<usize> {
        let laid = self.laid.borrow();
        if laid.key.map(|k| k.0) != Some(self.step) {
            return None;
        }
        laid.starts.get(self.selected).map(|&(_, c)| c)
    }

    fn request(&self) -> Vec<NbEffect> {
        match self.steps.get(self.step) {
            Some((_, entry)) => vec![NbEffect::Whole {
                generation: self.generation,
                step: self.step,
                entry: Arc::clone(entry),
            }],
            None => Vec::new(),
        }
    }

    /// Scrolls so the selected cell's first line is in view.
    fn show_selected(&mut self) {
        let start = self.laid.borrow().starts.get(self.selected).map(|s| s.0);
        if let Some(start) = start
            && (start < self.scroll.get() || start >= self.scroll.get() + self.height.max(1))
        {
            self.scroll.set(start);
        }
    }
}

impl NbApp {
    /// The versions of `path`, oldest first, among every row read.
    fn versions_of(&self, path: &str) -> Vec<(Arc<NbCommit>, Arc<NbEntry>)> {
        self.narrow
            .all
            .iter()
            .rev()
            .filter_map(|r| {
                let e = r.entry.as_ref().filter(|e| e.path == path)?;
                Some((Arc::clone(&r.commit), Arc::clone(e)))
            })
            .collect()
    }

    /// The notebooks commit `id` changed, in the order the timeline lists them.
    fn notebooks_of(&self, id: git2::Oid) -> Vec<String> {
        self.narrow
            .all
            .iter()
            .filter(|r| r.commit.id == id)
            .filter_map(|r| r.entry.as_ref().map(|e| e.path.clone()))
            .collect()
    }

    /// Opens the notebook of the selected row as its commit left it.
    pub(super) fn open_notebook(&mut self) -> Vec<NbEffect> {
        let Some((id, path)) = self
            .current()
            .and_then(|r| Some((r.commit.id, r.entry.as_ref()?.path.clone())))
        else {
            self.flash =
                Some("t shows a notebook at a commit: select a row that changed one".into());
            return Vec::new();
        };
        self.generation += 1;
        let mut screen = NotebookScreen {
            path: String::new(),
            steps: Vec::new(),
            step: 0,
            siblings: self.notebooks_of(id),
            shown: None,
            scroll: Cell::new(0),
            reveal: Cell::new(false),
            selected: 0,
            height: self.pane_height.max(self.list_height),
            laid: RefCell::new(AtLaid::default()),
            generation: self.generation,
        };
        self.set_notebook(&mut screen, &path, id);
        let fx = screen.request();
        self.screen = Some(NbScreen::Notebook(screen));
        fx
    }

    /// Points the screen at `path`, on the version commit `id` left (else its newest).
    fn set_notebook(&self, s: &mut NotebookScreen, path: &str, id: git2::Oid) {
        s.path = path.to_string();
        s.steps = self.versions_of(path);
        s.step = s
            .steps
            .iter()
            .position(|(c, _)| c.id == id)
            .unwrap_or(s.steps.len().saturating_sub(1));
        s.scroll.set(0);
        s.selected = 0;
    }

    /// A key on the notebook screen.
    pub(super) fn notebook_action(&mut self, action: Action) -> Vec<NbEffect> {
        let Some(NbScreen::Notebook(mut s)) = self.screen.take() else {
            return Vec::new();
        };
        let page = s.height.saturating_sub(2).max(1);
        let len = s.laid.borrow().lines.len();
        let cells = s.laid.borrow().starts.len();
        let mut fx = Vec::new();
        match action {
            Action::Back | Action::Quit | Action::Notebook => return Vec::new(),
            Action::Help => self.help = true,
            Action::PrevRun | Action::NextRun => {
                let older = action == Action::PrevRun;
                let to = if older {
                    s.step.checked_sub(1)
                } else {
                    Some(s.step + 1).filter(|&k| k < s.steps.len())
                };
                match to {
                    Some(k) => {
                        s.step = k;
                        s.siblings = s
                            .steps
                            .get(k)
                            .map(|(c, _)| self.notebooks_of(c.id))
                            .unwrap_or_default();
                        fx = s.request();
                    }
                    None => {
                        self.flash = Some(if older {
                            "the first commit of this notebook".into()
                        } else {
                            "the last commit of this notebook".into()
                        });
                    }
                }
            }
            Action::FocusNext | Action::FocusPrev => {
                let n = s.siblings.len();
                let at = s.siblings.iter().position(|p| *p == s.path).unwrap_or(0);
                let next = if action == Action::FocusNext {
                    (at + 1) % n.max(1)
                } else {
                    (at + n.max(1) - 1) % n.max(1)
                };
                match (s.siblings.get(next).cloned(), s.steps.get(s.step)) {
                    (Some(path), Some((c, _))) if n > 1 => {
                        let id = c.id;
                        self.set_notebook(&mut s, &path, id);
                        fx = s.request();
                    }
                    _ => self.flash = Some("this commit changed no other notebook".into()),
                }
            }
            Action::Down | Action::Up => {
                s.selected = if action == Action::Down {
                    (s.selected + 1).min(cells.saturating_sub(1))
                } else {
                    s.selected.saturating_sub(1)
                };
                s.show_selected();
            }
            Action::PageDown => s
                .scroll
                .set((s.scroll.get() + page).min(len.saturating_sub(1))),
            Action::PageUp => s.scroll.set(s.scroll.get().saturating_sub(page)),
            Action::Top => s.scroll.set(0),
            Action::Bottom => s.scroll.set(len.saturating_sub(s.height.max(1))),
            Action::Open | Action::CellHistory => {
                let origin = s
                    .selected_cell()
                    .zip(s.steps.get(s.step))
                    .map(|(cell, (c, e))| (c.id, e.path.clone(), cell));
                self.screen = Some(NbScreen::Notebook(s));
                return match origin {
                    Some(origin) => self.open_cell_at(origin),
                    None => {
                        self.flash = Some("no cell here".into());
                        Vec::new()
                    }
                };
            }
            _ => {}
        }
        self.screen = Some(NbScreen::Notebook(s));
        fx
    }

    /// A version decoded for the notebook screen.
    pub fn whole_ready(&mut self, generation: u64, step: usize, view: Arc<RecordView>) {
        if let Some(NbScreen::Notebook(s)) = &mut self.screen
            && s.generation == generation
            && s.step == step
        {
            s.shown = Some((step, view));
            // Another notebook's version can have the same step and width: lay it out anew.
            s.laid.replace(AtLaid::default());
            s.scroll.set(0);
            // Each step opens on the first cell it changed, so stepping shows what moved.
            let first_changed = s
                .steps
                .get(step)
                .and_then(|(_, e)| e.cells.iter().position(|c| c.changed()));
            let cells = view_cells(s.current());
            s.selected = first_changed
                .unwrap_or(s.selected)
                .min(cells.saturating_sub(1));
            s.reveal.set(true);
        }
    }
}

/// Cells in a decoded version.
fn view_cells(view: Option<&Arc<RecordView>>) -> usize {
    view.map_or(0, |v| {
        v.pieces
            .iter()
            .filter(|p| matches!(p, Piece::Cell(_)))
            .count()
    })
}

/// Draws the screen over `body`.
pub fn render(look: &Look<'_>, s: &NotebookScreen, f: &mut Frame, body: Rect) {
    let t = look.theme;
    let when = s
        .steps
        .get(s.step)
        .map_or(String::new(), |(c, _)| timefmt::local_minutes(c.time));
    let others = if s.siblings.len() > 1 {
        let at = s.siblings.iter().position(|p| *p == s.path).unwrap_or(0);
        format!(" · notebook {}/{} (Tab)", at + 1, s.siblings.len())
    } else {
        String::new()
    };
    let title = format!(
        " Notebook {} at {when} · step {}/{}{others} ",
        sanitize::line(&s.path),
        s.step + 1,
        s.steps.len().max(1)
    );
    let block = pane_block(look, crate::tui::views::plain(&title, look.ascii), true);
    let inner = block.inner(body);
    f.render_widget(block, body);
    let Some(view) = s.current() else {
        f.render_widget(
            Paragraph::new(Span::styled(
                crate::tui::views::plain("reading this version…", look.ascii),
                t.dim,
            )),
            inner,
        );
        return;
    };
    let key = (s.step, inner.width);
    if s.laid.borrow().key != Some(key) {
        let width = inner.width.saturating_sub(1);
        let laid = record_lines(look, view, width);
        // Wrapped as the record pane wraps them, so nothing is cut off silently.
        let how = crate::render::linewrap::Layout {
            width: usize::from(width),
            wrap: true,
            marker: Span::styled(crate::tui::views::continuation_marker(look.ascii), t.dim),
            query: "",
            hit: t.search_match,
        };
        let gutters = laid.gutters;
        let gutter = |i: usize| {
            gutters
                .binary_search_by_key(&i, |&(l, _)| l)
                .ok()
                .and_then(|at| gutters.get(at))
                .map_or(0, |&(_, spans)| spans)
        };
        let wrapped = crate::render::linewrap::lay_out(laid.lines, gutter, &how);
        let starts = laid
            .starts
            .into_iter()
            .map(|(l, c)| (wrapped.first.get(l).copied().unwrap_or(l), c))
            .collect();
        *s.laid.borrow_mut() = AtLaid {
            key: Some(key),
            lines: Arc::new(wrapped.lines),
            starts,
        };
    }
    if s.reveal.replace(false) {
        // Laid out now, the selected cell can be scrolled to.
        let start = s.laid.borrow().starts.get(s.selected).map(|st| st.0);
        let height = usize::from(inner.height).max(1);
        if let Some(start) = start
            && (start < s.scroll.get() || start >= s.scroll.get() + height)
        {
            s.scroll.set(start);
        }
    }
    let laid = s.laid.borrow();
    let changed: Vec<bool> = s
        .steps
        .get(s.step)
        .map(|(_, e)| e.cells.iter().map(|c| c.changed()).collect())
        .unwrap_or_default();
    let bar = if look.ascii { "|" } else { "▌" };
    let selected_line = laid.starts.get(s.selected).map(|st| st.0);
    let scroll = s.scroll.get().min(laid.lines.len().saturating_sub(1));
    let shown: Vec<Line> = laid
        .lines
        .iter()
        .enumerate()
        .skip(scroll)
        .take(usize::from(inner.height))
        .map(|(n, l)| {
            // The cell this line belongs to: the last one starting at or above it.
            let cell = laid
                .starts
                .iter()
                .take_while(|(start, _)| *start <= n)
                .last()
                .map(|&(_, c)| c);
            // The version's closing line (its counts) is no cell's.
            let last = n + 1 == laid.lines.len();
            let marked = !last && cell.is_some_and(|c| changed.get(c) == Some(&true));
            let gutter = if Some(n) == selected_line {
                Span::styled(">", t.selected)
            } else if marked {
                Span::styled(bar, t.warning)
            } else {
                Span::raw(" ")
            };
            let mut spans = vec![gutter];
            if Some(n) == selected_line {
                spans.extend(l.spans.iter().cloned().map(|sp| sp.style(t.selected)));
            } else {
                spans.extend(l.spans.iter().cloned());
            }
            Line::from(spans)
        })
        .collect();
    f.render_widget(Paragraph::new(shown), inner);
    if laid.lines.len() > scroll + usize::from(inner.height) {
        crate::tui::views::line_corner(
            look,
            f,
            body,
            scroll + usize::from(inner.height),
            laid.lines.len(),
        );
    }
}
