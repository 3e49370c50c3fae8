//! The screens over the timeline, kept on a stack whose base is the
//! timeline itself (an empty stack). Each screen's state, keys, answers
//! from the workers and drawing live in its own module; this is what they
//! share: one type to hold, one way to say what a key did, the read-only
//! history they look records up in.

use git2::Oid;
use ratatui::Frame;
use ratatui::layout::Rect;

use super::app::Effect;
use super::changes::ChangesScreen;
use super::diffpane::DiffPane;
use super::envscreen::EnvScreen;
use super::history::CellScreen;
use super::insights::InsightsScreen;
use super::keymap::Action;
use super::nbtime::NotebookScreen;
use super::views::Look;
use crate::repo::{Positions, RowRef, Rows};

/// One screen over the timeline.
pub enum Screen {
    /// A cell's runs and their diffs (`c`).
    Cell(CellScreen),
    /// The files a file record changed (`d`).
    Changes(ChangesScreen),
    /// The environment as of a record (`e`).
    Env(EnvScreen),
    /// Retry streaks and usage figures (`i`).
    Insights(InsightsScreen),
    /// The notebook as it stood at a record (`t`).
    Notebook(NotebookScreen),
}

/// What the app should do after a key on a screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Stay, and ask the workers for these.
    Stay(Vec<Effect>),
    /// Say this in the status bar, stay, and ask for these.
    Flash(String, Vec<Effect>),
    /// Back to what is under the screen.
    Close,
    /// Close, and select this record in the timeline.
    GoTo(Oid),
    /// Close, and open the history of the cell that this record ran
    /// (execution `In [n]`, else its last); with a second run marked, so the
    /// screen opens on the two compared (a retry streak's first and last).
    OpenCell(Oid, Option<u32>, Option<(Oid, Option<u32>)>),
}

impl Outcome {
    pub fn nothing() -> Outcome {
        Outcome::Stay(Vec::new())
    }
}

/// The loaded history, as screens read it: the project's name, its
/// records by commit, in history order (newest first).
#[derive(Clone, Copy)]
pub struct Loaded<'a> {
    pub project: &'a str,
    pub rows: &'a Rows,
    pub index: &'a Positions,
}

impl<'a> Loaded<'a> {
    /// Position of a loaded record.
    pub fn position(&self, commit: Oid) -> Option<usize> {
        self.index.get(self.rows, commit)
    }

    /// A loaded record by commit.
    pub fn row(&self, commit: Oid) -> Option<RowRef<'a>> {
        self.position(commit).and_then(|i| self.rows.get(i))
    }
}

impl Screen {
    /// A key on the screen.
    pub fn update(&mut self, action: Action, loaded: Loaded<'_>) -> Outcome {
        match self {
            Screen::Cell(s) => s.update(action),
            Screen::Changes(s) => s.update(action),
            Screen::Env(s) => s.update(action, loaded),
            Screen::Insights(s) => s.update(action),
            Screen::Notebook(s) => s.update(action),
        }
    }

    /// Draws the screen over `body` (all but the status bar).
    pub fn render(&self, look: &Look<'_>, loaded: Loaded<'_>, f: &mut Frame, body: Rect) {
        match self {
            Screen::Cell(s) => super::history_view::render(look, s, f, body),
            Screen::Changes(s) => super::changes_view::render(look, s, f, body),
            Screen::Env(s) => super::envscreen::render(look, s, loaded, f, body),
            Screen::Insights(s) => super::insights::render(look, s, loaded.project, f, body),
            Screen::Notebook(s) => super::nbtime::render(look, s, loaded, f, body),
        }
    }

    /// Sizes the screen's pane for a body of `body` (all but the status bar).
    pub fn fit(&mut self, body: Rect) {
        match self {
            Screen::Cell(s) => {
                let runs = s.runs.as_ref().map_or(0, |r| r.runs.len());
                s.list.fit(body, runs);
            }
            Screen::Changes(s) => {
                let files = s.file_count().max(1);
                s.list.fit(body, files);
            }
            Screen::Env(s) => s.pane.height = body.height.saturating_sub(2) as usize,
            Screen::Insights(s) => s.pane.height = body.height.saturating_sub(2) as usize,
            Screen::Notebook(s) => s.pane.height = body.height.saturating_sub(2) as usize,
        }
    }

    /// The pane the mouse wheel scrolls.
    pub fn pane_mut(&mut self) -> &mut DiffPane {
        match self {
            Screen::Cell(s) => &mut s.list.pane,
            Screen::Changes(s) => &mut s.list.pane,
            Screen::Env(s) => &mut s.pane,
            Screen::Insights(s) => &mut s.pane,
            Screen::Notebook(s) => &mut s.pane,
        }
    }

    /// Sets the height of the screen's pane before it is first fitted.
    pub fn set_height(&mut self, height: usize) {
        self.pane_mut().height = height;
    }

    /// The screen's keys for the status bar, most useful first; `key`
    /// names the key bound to an action (or the default given).
    pub fn hints(&self, key: &dyn Fn(Action, &str) -> String) -> Vec<String> {
        use Action as A;
        let k = key;
        let runs = |what: &str| format!("{} {} {what}", k(A::PrevRun, "["), k(A::NextRun, "]"));
        match self {
            Screen::Cell(_) => vec![
                runs("runs"),
                format!("{} mark", k(A::Mark, "m")),
                format!("{} unified", k(A::ToggleUnified, "u")),
                format!("{} record", k(A::Open, "⏎")),
                format!("{} back", k(A::Back, "esc")),
            ],
            Screen::Changes(_) => vec![
                runs("files"),
                format!("{} unified", k(A::ToggleUnified, "u")),
                format!("{} back", k(A::Back, "esc")),
            ],
            Screen::Env(_) => vec![
                runs("environment records"),
                format!("{} mark", k(A::Mark, "m")),
                format!("{} record", k(A::Open, "⏎")),
                format!("{} back", k(A::Back, "esc")),
            ],
            Screen::Insights(_) => vec![
                format!("{} stuck/usage", k(A::FocusNext, "Tab")),
                format!("{} cell history", k(A::Open, "⏎")),
                format!("{} back", k(A::Back, "esc")),
            ],
            Screen::Notebook(_) => vec![
                runs("steps"),
                format!("{} {} cells", k(A::Down, "j"), k(A::Up, "k")),
                format!("{} cell history", k(A::Open, "⏎")),
                format!("{} back", k(A::Back, "esc")),
            ],
        }
    }

    pub fn as_cell(&self) -> Option<&CellScreen> {
        match self {
            Screen::Cell(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_changes(&self) -> Option<&ChangesScreen> {
        match self {
            Screen::Changes(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_env(&self) -> Option<&EnvScreen> {
        match self {
            Screen::Env(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_notebook(&self) -> Option<&NotebookScreen> {
        match self {
            Screen::Notebook(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_insights(&self) -> Option<&InsightsScreen> {
        match self {
            Screen::Insights(s) => Some(s),
            _ => None,
        }
    }
}
