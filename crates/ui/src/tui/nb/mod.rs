//! The TUI for notebooks in plain git: a timeline of what each commit did to each notebook,
//! the changed cells of the selected version beside it, and one cell's versions across the
//! history. The walk streams in on a thread, so the first rows show before the history is
//! read; versions are decoded on a worker and kept by blob; the whole history, cells numbered
//! across versions, is built after the walk, for the cell history.
//!
//! State changes in [`NbApp::handle`] (what tests drive), the threads and the terminal in
//! [`run`], drawing in [`view`]; filters and pickers in [`filter`], reading anew, branches and
//! live updates in [`live`].

pub mod atview;
mod back;
pub mod cellscreen;
pub mod cellview;
pub mod decode;
pub mod envview;
pub mod filter;
pub mod insightsview;
pub mod live;
pub mod pair;
pub mod view;

use crate::render::palette::SyntaxTheme;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::io;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEventKind};
use git2::Oid;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;

pub use self::cellscreen::CellScreen;
use self::decode::{CellHist, DecodeKey, RecordView, key_of};
use self::pair::NbPair;
use super::config::Config;
use super::keymap::Action;
use super::theme::ColorDepth;
use super::worker::{self, Msg};
use super::{TuiError, TuiOptions, lineedit};
use crate::nbhistory::{self, NbCommit, NbEntry, NbHistory};
use crate::render::image::Protocol;
use crate::repo::{Project, WalkStats};

/// Commits sent as soon as each is read: about a screen of rows.
const FIRST_ONE_BY_ONE: usize = 60;

/// Decoded versions kept; each is a few screens of lines at most.
const DECODED_KEPT: usize = 256;

/// One row of the timeline: a commit and a notebook it changed, or (with `--all-commits`) a
/// commit that changed none.
#[derive(Debug, Clone)]
pub struct NbRow {
    pub commit: Arc<NbCommit>,
    pub entry: Option<Arc<NbEntry>>,
}

/// Which pane takes the movement keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NbFocus {
    Timeline,
    Record,
}

/// A screen over the timeline (the cell history opens over either).
pub enum NbScreen {
    Env(envview::EnvScreen),
    Insights(insightsview::InsightsScreen),
    /// The notebook as a commit left it (`t`).
    Notebook(atview::NotebookScreen),
}

/// Lines of the record pane as last laid out, with where each cell starts.
#[derive(Debug, Clone, Default)]
pub struct Laid {
    pub key: Option<LaidKey>,
    pub lines: Arc<Vec<ratatui::text::Line<'static>>>,
    /// `(line, index of the cell in the version)`, in order.
    pub starts: Vec<(usize, usize)>,
    /// Each line's gutter in spans (for cutting it sideways).
    pub gutters: Vec<usize>,
    /// Where the search query is: line, and column when lines are kept whole.
    pub matches: Vec<(usize, usize)>,
    /// Columns of the widest line after its gutter.
    pub widest: usize,
}

/// What the record pane's lines were laid out from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaidKey {
    pub commit: Oid,
    pub version: DecodeKey,
    pub width: u16,
    pub wrap: bool,
    pub query: String,
}

/// What the loop must do for the app.
#[derive(Debug, Clone)]
pub enum NbEffect {
    Decode(Arc<NbEntry>),
    /// Every cell of the version `entry` left, for step `step` of the notebook screen.
    Whole {
        generation: u64,
        step: usize,
        entry: Arc<NbEntry>,
    },
    CellHistory {
        generation: u64,
        number: u32,
        history: Arc<NbHistory>,
    },
    Env(envview::EnvRequest),
    Insights {
        generation: u64,
        history: Arc<NbHistory>,
    },
    /// Two versions of the open cell to compare (older, newer positions in its list).
    CellPair {
        generation: u64,
        at: (usize, usize),
        hist: Arc<CellHist>,
        history: Arc<NbHistory>,
    },
    Quit,
    Suspend,
    /// Ask the terminal to put this text on the clipboard (OSC 52).
    Copy(String),
    /// Read anew, watch the ref, rebuild, list branches (see [`live`]).
    Live(live::LiveEffect),
}

/// What the threads tell the loop.
pub enum NbMsg {
    Ui(Msg),
    Commits(Vec<(NbCommit, Vec<NbEntry>)>),
    WalkDone(Result<WalkStats, String>),
    Decoded(DecodeKey, Arc<RecordView>),
    Whole {
        generation: u64,
        step: usize,
        view: Arc<RecordView>,
    },
    Built(Result<Arc<NbHistory>, String>),
    CellHist {
        generation: u64,
        result: Result<Arc<CellHist>, String>,
    },
    Env(u64, Arc<envview::EnvView>),
    Insights(u64, Result<Arc<insightsview::InsightsData>, String>),
    /// A walk's messages by load, new commits, branches (see [`live`]).
    Live(live::LiveMsg),
    CellPair {
        generation: u64,
        at: (usize, usize),
        result: Result<Arc<NbPair>, String>,
    },
}

pub struct NbApp {
    pub name: String,
    pub config: Config,
    pub ascii: bool,
    pub depth: ColorDepth,
    /// How pictures are drawn; anything but `Off` draws half-blocks here.
    pub protocol: Protocol,
    pub all_commits: bool,
    /// Whether Ctrl-Z may stop the program (see `worker::ignored`).
    pub job_control: bool,
    pub rows: Vec<NbRow>,
    pub selected: usize,
    /// The first row shown.
    pub offset: usize,
    pub list_height: usize,
    pub pane_height: usize,
    pub pane_scroll: usize,
    /// Long lines of the record pane wrap; else they are cut, scrolled by `pane_hscroll`.
    pub wrap: bool,
    pub pane_hscroll: usize,
    /// Columns inside the record pane (set by `fit`).
    pub pane_width: u16,
    /// The match the record pane is at, and how many the row's version has.
    pub pane_match: Option<(usize, usize)>,
    /// Scroll to the selected row's first match (`true`) or last once it is read.
    pane_jump: Option<bool>,
    pub focus: NbFocus,
    /// Commits walked so far.
    pub commits_seen: usize,
    pub loading: bool,
    pub stats: Option<WalkStats>,
    pub load_error: Option<String>,
    pub decoded: HashMap<DecodeKey, Arc<RecordView>>,
    asked: HashSet<DecodeKey>,
    pub history: Option<Result<Arc<NbHistory>, String>>,
    pub cell: Option<CellScreen>,
    pub screen: Option<NbScreen>,
    /// Places left by jumps, for Esc, `Ctrl-O` and `Ctrl-I`.
    pub trail: crate::tui::trail::Trail<back::NbPlace>,
    /// The commits that changed an environment file, newest first, each with the number of
    /// rows before it (where it sits among the rows, for `[`/`]` from a row).
    pub env_commits: Vec<(usize, Arc<NbCommit>)>,
    generation: u64,
    pub help: bool,
    /// The search being typed, if it is.
    pub typing: Option<String>,
    /// What is typed after `:`, while that prompt is open.
    pub jump: Option<String>,
    pub query: String,
    pub flash: Option<String>,
    pub laid: RefCell<Laid>,
    /// The filter, the rows read, the panel and pickers (see [`filter`]).
    pub narrow: filter::Narrow,
    /// The revision read and its live updates (see [`live`]).
    pub live: live::Live,
}

impl NbApp {
    pub fn new(name: &str, config: Config, ascii: bool, all_commits: bool) -> NbApp {
        NbApp {
            name: name.to_string(),
            config,
            ascii,
            depth: ColorDepth::TrueColor,
            // `--ascii` promises no glyphs, and half-blocks are glyphs: pictures only when
            // `--images` asks.
            protocol: if ascii {
                Protocol::Off
            } else {
                Protocol::Halfblocks
            },
            all_commits,
            job_control: true,
            rows: Vec::new(),
            selected: 0,
            offset: 0,
            list_height: 10,
            pane_height: 10,
            pane_scroll: 0,
            wrap: true,
            pane_hscroll: 0,
            pane_width: 40,
            pane_match: None,
            pane_jump: None,
            focus: NbFocus::Timeline,
            commits_seen: 0,
            loading: true,
            stats: None,
            load_error: None,
            decoded: HashMap::new(),
            asked: HashSet::new(),
            history: None,
            cell: None,
            screen: None,
            trail: Default::default(),
            env_commits: Vec::new(),
            generation: 0,
            help: false,
            typing: None,
            jump: None,
            query: String::new(),
            flash: None,
            laid: RefCell::new(Laid::default()),
            narrow: filter::Narrow::default(),
            live: live::Live {
                rev: "HEAD".into(),
                ..live::Live::default()
            },
        }
    }

    pub fn current(&self) -> Option<&NbRow> {
        self.rows.get(self.selected)
    }

    /// Commits as the walk gives them, newest first.
    pub fn add_commits(&mut self, batch: Vec<(NbCommit, Vec<NbEntry>)>) -> Vec<NbEffect> {
        let was_empty = self.rows.is_empty();
        let from = self.rows.len();
        self.commits_seen += batch.len();
        let (rows, envs) = live::rows_of(batch, self.all_commits, self.narrow.all.len());
        self.env_commits.extend(envs);
        for row in rows {
            self.take_row(row);
        }
        // After `r` or a rewritten ref, the row selected before is selected again.
        if self.reselect_in(from) || was_empty {
            self.wanted()
        } else {
            Vec::new()
        }
    }

    pub fn walk_done(&mut self, result: Result<WalkStats, String>) {
        self.loading = false;
        match result {
            Ok(s) => self.stats = Some(s),
            Err(e) => self.load_error = Some(e),
        }
    }

    /// The whole history is built: a cell history or the insights waiting for it can be read.
    pub fn built(&mut self, result: Result<Arc<NbHistory>, String>) -> Vec<NbEffect> {
        self.history = Some(result);
        let mut fx = self.ask_insights();
        if let Some(s) = &self.cell
            && s.hist.is_none()
        {
            fx.extend(self.ask_cell_history());
        }
        fx
    }

    pub fn decoded_ready(&mut self, key: DecodeKey, view: Arc<RecordView>) {
        self.asked.remove(&key);
        if self.decoded.len() >= DECODED_KEPT {
            let current = self.current_key();
            self.decoded.retain(|k, _| Some(*k) == current);
        }
        self.decoded.insert(key, view);
        if self.current_key() == Some(key) {
            self.settle_pane_jump();
        }
    }

    fn current_key(&self) -> Option<DecodeKey> {
        self.current().and_then(|r| r.entry.as_deref()).map(key_of)
    }

    /// The decoded version of the selected row, if it is in.
    pub fn current_view(&self) -> Option<&Arc<RecordView>> {
        self.current_key().and_then(|k| self.decoded.get(&k))
    }

    /// Decodes asked for: the selected row's and the next one's, so stepping down is instant.
    pub fn wanted(&mut self) -> Vec<NbEffect> {
        let mut fx = Vec::new();
        for i in [self.selected, self.selected + 1] {
            let Some(entry) = self.rows.get(i).and_then(|r| r.entry.clone()) else {
                continue;
            };
            let key = key_of(&entry);
            if self.decoded.contains_key(&key) || !self.asked.insert(key) {
                continue;
            }
            fx.push(NbEffect::Decode(entry));
        }
        fx
    }

    /// Sizes the panes for a terminal of `size`.
    pub fn fit(&mut self, size: Rect) {
        let a = super::views::areas(size, super::app::Split::Auto);
        self.list_height = usize::from(a.timeline.height.saturating_sub(2)).max(1);
        self.pane_height = usize::from(a.detail.height.saturating_sub(2)).max(1);
        self.pane_width = a.detail.width.saturating_sub(2);
        // A screen takes all but the status bar, its pane's border aside.
        let screen = usize::from(size.height.saturating_sub(3)).max(1);
        match &mut self.screen {
            Some(NbScreen::Env(s)) => s.pane.height = screen,
            Some(NbScreen::Insights(s)) => s.pane.height = screen,
            Some(NbScreen::Notebook(s)) => s.height = screen,
            None => {}
        }
        self.scroll_into_view();
        if let Some(s) = &mut self.cell {
            s.fit(Rect::new(0, 0, size.width, a.status.y));
        }
    }

    fn scroll_into_view(&mut self) {
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + self.list_height {
            self.offset = self.selected + 1 - self.list_height;
        }
    }

    /// `:` — the row of a commit hash, or the newest row of a date; else why none.
    fn jump_to(&mut self, text: &str) -> Vec<NbEffect> {
        use crate::tui::app::jump::{JumpTarget, next_round, read_typed};
        let (target, shown) = match read_typed(text) {
            Ok(Some(t)) => t,
            Ok(None) => return Vec::new(),
            Err(why) => {
                self.flash = Some(why);
                return Vec::new();
            }
        };
        let at = |r: &NbRow| target.matches(r.commit.id, r.commit.time);
        let found = match target {
            // The version where a cell got that count: one that changed with it.
            JumpTarget::Exec(n) => next_round(self.rows.len(), self.selected, |p| {
                self.rows
                    .get(p)
                    .and_then(|r| r.entry.as_ref())
                    .is_some_and(|e| {
                        e.cells
                            .iter()
                            .any(|c| c.count == Some(n) && (c.changed() || c.rerun))
                    })
            }),
            _ => self.rows.iter().position(at),
        };
        if let Some(pos) = found {
            if pos != self.selected {
                self.leave_here();
            }
            return self.select(pos);
        }
        self.flash = Some(match target {
            JumpTarget::Hash(_) if self.narrow.all.iter().any(at) => {
                format!("{shown} is kept out by the filters (F clears)")
            }
            JumpTarget::Hash(_) => format!("no row's commit starts with {shown}"),
            JumpTarget::Before(_) => format!("no row shown is from {shown} or before"),
            JumpTarget::Exec(_) => format!("no version shown ran {shown}"),
        });
        Vec::new()
    }

    fn select(&mut self, to: usize) -> Vec<NbEffect> {
        let to = to.min(self.rows.len().saturating_sub(1));
        if to != self.selected {
            self.selected = to;
            self.pane_scroll = 0;
            self.pane_hscroll = 0;
            self.pane_match = None;
            self.pane_jump = None;
        }
        self.seen_top();
        self.scroll_into_view();
        self.wanted()
    }

    fn pane_len(&self) -> usize {
        self.laid_now().map_or(0, |l| l.lines.len())
    }

    /// One key, whatever the state.
    pub fn key(&mut self, key: KeyEvent) -> Vec<NbEffect> {
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        if key.code == KeyCode::Char('z') && key.modifiers.contains(KeyModifiers::CONTROL) {
            if !self.job_control {
                self.flash = Some("cannot suspend: the shell ignores job control".into());
                return Vec::new();
            }
            return vec![NbEffect::Suspend];
        }
        if let KeyCode::Char(c) = key.code
            && super::panic_key() == Some(c)
        {
            // The one panic on purpose, as in the Gigantum timeline: the end-to-end tests
            // prove the terminal comes back from one.
            #[allow(clippy::panic)]
            {
                panic!(
                    "panic requested by {} for the terminal-restore tests",
                    super::PANIC_ENV
                );
            }
        }
        // Ctrl-C quits from anywhere, a search being typed included.
        if self.config.keys.action(&key) == Some(Action::Quit) && key.code != KeyCode::Char('q') {
            return vec![NbEffect::Quit];
        }
        if let Some(q) = &mut self.jump {
            match key.code {
                KeyCode::Esc => self.jump = None,
                KeyCode::Enter => {
                    let text = std::mem::take(q);
                    self.jump = None;
                    return self.jump_to(&text);
                }
                _ => {
                    lineedit::edit(q, &key);
                }
            }
            return Vec::new();
        }
        if let Some(q) = &mut self.typing {
            match key.code {
                KeyCode::Esc => self.typing = None,
                KeyCode::Enter => {
                    self.query = std::mem::take(q);
                    self.typing = None;
                    self.pane_match = None;
                    // The version shown is searched too: its pane goes to its first match.
                    if self.laid_now().is_some_and(|l| !l.matches.is_empty()) {
                        self.show_pane_match(0);
                        return Vec::new();
                    }
                    return self.find(true, true);
                }
                KeyCode::Backspace => {
                    q.pop();
                }
                KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                    q.push(c);
                }
                _ => {}
            }
            return Vec::new();
        }
        self.flash = None;
        if let Some(fx) = self.overlay_key(&key) {
            return fx;
        }
        let action = self.config.keys.action(&key);
        if self.help && (action != Some(Action::Quit) || key.code == KeyCode::Char('q')) {
            self.help = false;
            return Vec::new();
        }
        let Some(action) = action else {
            return Vec::new();
        };
        self.action(action)
    }

    /// An action, on the cell history when it is open.
    pub fn action(&mut self, action: Action) -> Vec<NbEffect> {
        match action {
            Action::GoBack => return self.go_back(),
            Action::GoForward => return self.go_forward(),
            _ => {}
        }
        if self.cell.is_some() {
            return self.cell_action(action);
        }
        match &self.screen {
            Some(NbScreen::Env(_)) => self.env_action(action),
            Some(NbScreen::Insights(_)) => self.insights_action(action),
            Some(NbScreen::Notebook(_)) => self.notebook_action(action),
            None => self.timeline_action(action),
        }
    }

    /// An action on the timeline or the record pane.
    fn timeline_action(&mut self, action: Action) -> Vec<NbEffect> {
        if let Some(fx) = self.filter_action(action) {
            return fx;
        }
        if let Some(fx) = self.live_action(action) {
            return fx;
        }
        let page = self.list_height.max(2) - 1;
        if self.focus == NbFocus::Record {
            let pane_page = self.pane_height.max(2) - 1;
            let max = self.pane_len().saturating_sub(self.pane_height / 2);
            let scroll = |s: usize, d: isize| s.saturating_add_signed(d).min(max);
            match action {
                Action::Down => self.pane_scroll = scroll(self.pane_scroll, 1),
                Action::Up => self.pane_scroll = scroll(self.pane_scroll, -1),
                Action::PageDown => self.pane_scroll = scroll(self.pane_scroll, pane_page as isize),
                Action::PageUp => {
                    self.pane_scroll = scroll(self.pane_scroll, -(pane_page as isize))
                }
                Action::Top => self.pane_scroll = 0,
                // The last full screen, as `less` shows it.
                Action::Bottom => {
                    self.pane_scroll = self.pane_len().saturating_sub(self.pane_height.max(1))
                }
                Action::Right if !self.wrap => self.scroll_sideways(true),
                Action::Left if !self.wrap => self.scroll_sideways(false),
                Action::FocusNext | Action::FocusPrev | Action::Left | Action::Back => {
                    self.focus = NbFocus::Timeline;
                }
                Action::Quit => self.focus = NbFocus::Timeline,
                Action::Wrap => self.toggle_wrap(),
                Action::Search => self.typing = Some(String::new()),
                Action::NextMatch => return self.step_match(true),
                Action::PrevMatch => return self.step_match(false),
                Action::CellHistory => return self.open_cell(),
                Action::Environment => return self.open_env(),
                Action::Insights => return self.open_insights(),
                Action::Notebook => return self.open_notebook(),
                Action::Help => self.help = true,
                _ => {}
            }
            return Vec::new();
        }
        match action {
            Action::Down => self.select(self.selected + 1),
            Action::Up => self.select(self.selected.saturating_sub(1)),
            Action::PageDown => self.select(self.selected + page),
            Action::PageUp => self.select(self.selected.saturating_sub(page)),
            Action::Top => self.select(0),
            Action::Bottom => self.select(usize::MAX),
            Action::Open | Action::Right | Action::FocusNext | Action::FocusPrev => {
                if self.current().is_some_and(|r| r.entry.is_some()) {
                    self.focus = NbFocus::Record;
                }
                Vec::new()
            }
            Action::CellHistory => self.open_cell(),
            Action::Environment => self.open_env(),
            Action::Insights => self.open_insights(),
            Action::Notebook => self.open_notebook(),
            Action::Help => {
                self.help = true;
                Vec::new()
            }
            Action::Search => {
                self.typing = Some(String::new());
                Vec::new()
            }
            Action::Jump => {
                self.jump = Some(String::new());
                Vec::new()
            }
            Action::CopyHash => match self.current() {
                Some(r) => vec![NbEffect::Copy(r.commit.id.to_string())],
                None => Vec::new(),
            },
            Action::NextMatch => self.step_match(true),
            Action::PrevMatch => self.step_match(false),
            Action::Wrap => {
                self.toggle_wrap();
                Vec::new()
            }
            Action::Back if self.can_go_back() => self.go_back(),
            Action::Quit | Action::Back => vec![NbEffect::Quit],
            _ => Vec::new(),
        }
    }

    /// The next row (or previous) whose line holds the query, case aside; `here`: the
    /// selected row counts.
    fn find(&mut self, forward: bool, here: bool) -> Vec<NbEffect> {
        if self.query.is_empty() {
            return Vec::new();
        }
        let n = self.rows.len();
        let start = if here { 0 } else { 1 };
        // Stepping on, the row itself comes last: its matches start over. Its version is
        // searched too (the only one read for certain).
        let in_pane = self.laid_now().is_some_and(|l| !l.matches.is_empty());
        let hit = (start..n + start).find_map(|k| {
            let i = if forward {
                (self.selected + k) % n
            } else {
                (self.selected + n - k % n) % n
            };
            let row = self.rows.get(i)?;
            ((i == self.selected && in_pane) || filter::search_hit(row, &self.query, self.ascii))
                .then_some(i)
        });
        match hit {
            Some(i) => {
                let fx = self.select(i);
                self.pane_match = None;
                self.pane_jump = Some(forward);
                self.settle_pane_jump();
                fx
            }
            None => {
                self.flash = Some(format!(
                    "not found: {}",
                    crate::render::sanitize::line(&self.query)
                ));
                Vec::new()
            }
        }
    }

    /// The record pane's lines for the selected row as the pane is now (laid out if they are
    /// not current), or none while its version is being read.
    fn laid_now(&self) -> Option<std::cell::Ref<'_, Laid>> {
        let look = view::look(self);
        view::ensure_laid(self, &look, self.pane_width).then(|| self.laid.borrow())
    }

    /// Scrolls the record pane to the match a search step asked for, once the row's version
    /// is read.
    fn settle_pane_jump(&mut self) {
        let Some(first) = self.pane_jump else {
            return;
        };
        let Some(n) = self.laid_now().map(|l| l.matches.len()) else {
            return;
        };
        self.pane_jump = None;
        match n {
            0 => self.pane_match = None,
            n => self.show_pane_match(if first { 0 } else { n - 1 }),
        }
    }

    /// Scrolls the record pane to match `at` (sideways too, when lines are cut).
    fn show_pane_match(&mut self, at: usize) {
        let Some((line, col, n)) = self.laid_now().and_then(|l| {
            let &(line, col) = l.matches.get(at)?;
            Some((line, col, l.matches.len()))
        }) else {
            return;
        };
        self.pane_match = Some((at, n));
        let h = self.pane_height.max(1);
        if line < self.pane_scroll || line >= self.pane_scroll + h {
            self.pane_scroll = line.saturating_sub((h / 4).min(2));
        }
        if !self.wrap {
            let width = usize::from(self.pane_width);
            let half = (width / 2).max(1);
            if col < self.pane_hscroll || col >= self.pane_hscroll + width.saturating_sub(8).max(1)
            {
                self.pane_hscroll = col / half * half;
            }
        }
    }

    /// `n`/`N`: the next (previous) match inside the selected row's version first, then the
    /// next matching row.
    fn step_match(&mut self, forward: bool) -> Vec<NbEffect> {
        if self.query.is_empty() {
            self.flash = Some("no search: press / to search".into());
            return Vec::new();
        }
        let n = self.laid_now().map_or(0, |l| l.matches.len());
        let next = match (self.pane_match.map(|(at, _)| at), forward) {
            _ if n == 0 => None,
            (Some(at), true) => (at + 1 < n).then_some(at + 1),
            (Some(at), false) => at.checked_sub(1),
            (None, true) => Some(0),
            (None, false) => Some(n - 1),
        };
        match next {
            Some(at) => {
                self.show_pane_match(at);
                Vec::new()
            }
            None => self.find(forward, false),
        }
    }

    /// `h`/`l` in sideways mode: half the pane's width, no further than the widest line
    /// has columns to show.
    fn scroll_sideways(&mut self, right: bool) {
        let half = usize::from(self.pane_width / 2).max(1);
        let widest = self.laid_now().map_or(0, |l| l.widest);
        if right {
            if self.pane_hscroll + half < widest {
                self.pane_hscroll += half;
            }
        } else {
            self.pane_hscroll = self.pane_hscroll.saturating_sub(half);
        }
    }

    /// `w`: wrap long lines, or cut them; the pane goes back to its top.
    fn toggle_wrap(&mut self) {
        self.wrap = !self.wrap;
        self.pane_hscroll = 0;
        self.pane_scroll = 0;
        self.pane_match = None;
        self.flash = Some(if self.wrap {
            "long lines wrap".into()
        } else {
            "long lines cut: h/l scroll sideways".into()
        });
    }

    /// The cell the pane is at (the one whose heading is at or above its top line), or the
    /// version's first changed cell from the timeline.
    fn chosen_cell(&self) -> Option<usize> {
        let laid = self.laid.borrow();
        let fresh = laid.key.as_ref().is_some_and(|k| {
            self.current().map(|r| r.commit.id) == Some(k.commit)
                && Some(k.version) == self.current_key()
        });
        if self.focus == NbFocus::Record && fresh {
            let at = laid
                .starts
                .iter()
                .take_while(|(line, _)| *line <= self.pane_scroll)
                .last()
                .or(laid.starts.first());
            if let Some((_, cell)) = at {
                return Some(*cell);
            }
        }
        let entry = self.current()?.entry.as_deref()?;
        entry.cells.iter().position(|c| c.changed())
    }

    fn open_cell(&mut self) -> Vec<NbEffect> {
        let Some(index) = self.chosen_cell() else {
            self.flash = Some("no changed cell here".into());
            return Vec::new();
        };
        let Some(origin) = self
            .current()
            .and_then(|row| Some((row.commit.id, row.entry.as_ref()?.path.clone(), index)))
        else {
            return Vec::new();
        };
        self.open_cell_at(origin)
    }

    /// The history of the cell at `origin` (commit, path, index of the cell there).
    fn open_cell_at(&mut self, origin: (Oid, String, usize)) -> Vec<NbEffect> {
        self.generation += 1;
        self.cell = Some(CellScreen::new(origin, self.generation));
        self.ask_cell_history()
    }

    fn ask_cell_history(&mut self) -> Vec<NbEffect> {
        let Some(s) = &mut self.cell else {
            return Vec::new();
        };
        let history = match &self.history {
            Some(Ok(h)) => Arc::clone(h),
            Some(Err(e)) => {
                s.hist = Some(Err(e.clone()));
                return Vec::new();
            }
            None => return Vec::new(),
        };
        let (commit, path, index) = &s.origin;
        match decode::cell_number(&history, *commit, path, *index) {
            Some(number) => vec![NbEffect::CellHistory {
                generation: s.generation,
                number,
                history,
            }],
            None => {
                s.hist = Some(Err("this cell is not in the history as built".into()));
                Vec::new()
            }
        }
    }

    /// One message from a thread.
    pub fn handle(&mut self, msg: NbMsg, size: Option<Rect>) -> Vec<NbEffect> {
        match msg {
            NbMsg::Ui(Msg::Input(Event::Key(key))) => {
                // AltGr on Windows arrives as Ctrl+Alt and the character it typed.
                let mut key = key;
                if lineedit::is_altgr(&key) {
                    key.modifiers
                        .remove(KeyModifiers::CONTROL | KeyModifiers::ALT);
                }
                self.key(key)
            }
            NbMsg::Ui(Msg::Input(Event::Mouse(m))) => match m.kind {
                MouseEventKind::ScrollDown => self.scroll_wheel(Action::Down),
                MouseEventKind::ScrollUp => self.scroll_wheel(Action::Up),
                _ => Vec::new(),
            },
            NbMsg::Ui(Msg::Input(Event::Resize(w, h))) => {
                self.fit(Rect::new(0, 0, w, h));
                Vec::new()
            }
            NbMsg::Ui(Msg::Signal(signal_hook::consts::SIGTSTP)) => vec![NbEffect::Suspend],
            NbMsg::Ui(Msg::Signal(signal_hook::consts::SIGCONT)) => Vec::new(),
            NbMsg::Ui(Msg::Signal(_)) => vec![NbEffect::Quit],
            NbMsg::Ui(Msg::InputGone(e)) => {
                self.load_error = Some(format!("terminal input failed: {e}"));
                vec![NbEffect::Quit]
            }
            NbMsg::Ui(_) => Vec::new(),
            NbMsg::Commits(batch) => {
                let fx = self.add_commits(batch);
                if let Some(size) = size {
                    self.fit(size);
                }
                fx
            }
            NbMsg::WalkDone(r) => {
                self.walk_done(r);
                Vec::new()
            }
            NbMsg::Decoded(key, view) => {
                self.decoded_ready(key, view);
                Vec::new()
            }
            NbMsg::Whole {
                generation,
                step,
                view,
            } => {
                self.whole_ready(generation, step, view);
                Vec::new()
            }
            NbMsg::Built(r) => self.built(r),
            NbMsg::CellHist { generation, result } => self.cell_ready(generation, result),
            NbMsg::CellPair {
                generation,
                at,
                result,
            } => {
                self.pair_ready(generation, at, result);
                Vec::new()
            }
            NbMsg::Env(generation, view) => {
                self.env_ready(generation, view);
                Vec::new()
            }
            NbMsg::Insights(generation, data) => {
                self.insights_ready(generation, data);
                Vec::new()
            }
            NbMsg::Live(m) => self.live_msg(m, size),
        }
    }

    fn scroll_wheel(&mut self, a: Action) -> Vec<NbEffect> {
        // On the cell screen the wheel scrolls the diff, as on the activity log's.
        if let Some(s) = &mut self.cell {
            s.list
                .pane
                .scroll_by(if a == Action::Down { 3 } else { -3 });
            return Vec::new();
        }
        self.action(a)
    }
}

/// Opens the project again for a thread: a repository handle is not shared between threads.
fn reopen(opts: &TuiOptions, tip: Oid) -> Result<Project, crate::repo::RepoError> {
    Project::open(&opts.path, Some(&tip.to_string()))
}

/// Walks the history, sending commits in batches (a message per commit would redraw per
/// commit), then builds the whole history for the cell view; all as load `load`. The first
/// commits go one by one, so the first screen shows as soon as its rows are read.
pub fn spawn_walk(project: Project, tx: Sender<NbMsg>, load: u64) {
    let tag = move |m: NbMsg| NbMsg::Live(live::LiveMsg::Walk(load, Box::new(m)));
    std::thread::spawn(move || {
        let mut batch = Vec::new();
        let mut sent = Instant::now();
        let mut gone = false;
        let mut first = FIRST_ONE_BY_ONE;
        let result = nbhistory::stream(&project, |c, es| {
            batch.push((c, es));
            first = first.saturating_sub(1);
            if first > 0 || batch.len() >= 256 || sent.elapsed() > Duration::from_millis(40) {
                gone = tx
                    .send(tag(NbMsg::Commits(std::mem::take(&mut batch))))
                    .is_err();
                sent = Instant::now();
            }
            !gone
        });
        if gone {
            return;
        }
        let _ = tx.send(tag(NbMsg::Commits(batch)));
        if tx
            .send(tag(NbMsg::WalkDone(result.map_err(|e| e.to_string()))))
            .is_err()
        {
            return;
        }
        let built = nbhistory::build(&project)
            .map(Arc::new)
            .map_err(|e| e.to_string());
        let _ = tx.send(tag(NbMsg::Built(built)));
    });
}

/// The decoding worker: the effects that read the repository (decoding a version, a cell's
/// history, a pair, the environment, the insights), answered as messages.
fn spawn_decoder(
    project: Project,
    jobs: Receiver<NbEffect>,
    tx: Sender<NbMsg>,
    syntax: SyntaxTheme,
) {
    std::thread::spawn(move || {
        let mut pending = std::collections::VecDeque::new();
        loop {
            let Some(job) = pending.pop_front().or_else(|| jobs.recv().ok()) else {
                return;
            };
            pending.extend(jobs.try_iter());
            // Latest wins for the cell screen's pairs: one asked for again while this one
            // waited (`]` held down) makes this one's answer a screen nobody shows.
            if matches!(job, NbEffect::CellPair { .. })
                && pending
                    .iter()
                    .any(|j| matches!(j, NbEffect::CellPair { .. }))
            {
                continue;
            }
            let msg = match job {
                NbEffect::Decode(entry) => {
                    let view = crate::contained::catch(|| decode::decode(&project, &entry, syntax))
                        .unwrap_or_else(|_| RecordView {
                            pieces: vec![decode::Piece::Line(
                                "this version could not be shown".into(),
                                decode::Tone::Error,
                            )],
                        });
                    NbMsg::Decoded(key_of(&entry), Arc::new(view))
                }
                NbEffect::Whole {
                    generation,
                    step,
                    entry,
                } => {
                    let view =
                        crate::contained::catch(|| decode::decode_whole(&project, &entry, syntax))
                            .unwrap_or_else(|_| RecordView {
                                pieces: vec![decode::Piece::Line(
                                    "this version could not be shown".into(),
                                    decode::Tone::Error,
                                )],
                            });
                    NbMsg::Whole {
                        generation,
                        step,
                        view: Arc::new(view),
                    }
                }
                NbEffect::CellHistory {
                    generation,
                    number,
                    history,
                } => {
                    let result = crate::contained::catch(|| {
                        decode::cell_history(&project, &history, number, syntax)
                    })
                    .unwrap_or_else(|_| Err("this cell's history could not be read".into()))
                    .map(Arc::new);
                    NbMsg::CellHist { generation, result }
                }
                NbEffect::Env(req) => {
                    let view = crate::contained::catch(|| envview::prepare(&project, &req))
                        .unwrap_or_else(|_| envview::EnvView {
                            at: req.at,
                            mark: req.mark,
                            declared: Err("the environment files could not be read".into()),
                            changed: None,
                            against: None,
                        });
                    NbMsg::Env(req.generation, Arc::new(view))
                }
                NbEffect::Insights {
                    generation,
                    history,
                } => {
                    let data =
                        crate::contained::catch(|| insightsview::prepare(&project, &history))
                            .map(Arc::new)
                            .map_err(|_| "the figures could not be worked out".to_string());
                    NbMsg::Insights(generation, data)
                }
                NbEffect::CellPair {
                    generation,
                    at,
                    hist,
                    history,
                } => {
                    let result = crate::contained::catch(|| {
                        pair::prepare(&project, &history, &hist, at, syntax)
                    })
                    .unwrap_or_else(|_| Err("these versions could not be compared".into()))
                    .map(Arc::new);
                    NbMsg::CellPair {
                        generation,
                        at,
                        result,
                    }
                }
                // The loop's own effects never come here (see `do_effect`).
                NbEffect::Quit | NbEffect::Suspend | NbEffect::Copy(_) | NbEffect::Live(_) => {
                    continue;
                }
            };
            if tx.send(msg).is_err() {
                return;
            }
        }
    });
}

/// Runs the notebook timeline on `project` until the user quits.
pub fn run(opts: &TuiOptions, project: Project, config: Config) -> Result<(), TuiError> {
    let (tx, rx) = channel::<NbMsg>();
    let syntax = super::app_syntax(&config);
    let walker = reopen(opts, project.tip)?;
    let decoder = reopen(opts, project.tip)?;
    let mut app = NbApp::new(&project.name, config, opts.ascii, opts.all_commits);
    app.depth = opts.depth();
    app.protocol = match opts.images {
        Some(p) => p,
        None if opts.ascii => Protocol::Off,
        None => Protocol::detect(),
    };
    app.job_control = !worker::ignored(signal_hook::consts::SIGTSTP);
    let rev = opts.rev.clone().unwrap_or_else(|| "HEAD".into());
    app.live = live::Live::new(&rev, project.tip);
    let mut threads = live::Threads::new(opts.path.clone(), tx.clone());
    threads.run(live::LiveEffect::Watch {
        load: 0,
        rev,
        tip: project.tip,
    });
    drop(project);
    spawn_walk(walker, tx.clone(), 0);
    let (jobs, job_rx) = channel();
    spawn_decoder(decoder, job_rx, tx.clone(), syntax);

    super::install_panic_hook();
    let guard = super::TerminalGuard::enter()?;
    // The input and signal threads speak the Gigantum TUI's messages; they are forwarded.
    let (ui_tx, ui_rx) = channel::<Msg>();
    worker::spawn_input(ui_tx.clone());
    worker::spawn_signals(ui_tx)?;
    let fwd = tx.clone();
    std::thread::spawn(move || {
        while let Ok(m) = ui_rx.recv() {
            if fwd.send(NbMsg::Ui(m)).is_err() {
                return;
            }
        }
    });
    drop(tx);
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    terminal.hide_cursor()?;
    let result = event_loop(&mut terminal, &mut app, &rx, &jobs, &mut threads);
    drop(terminal);
    drop(guard);
    result
}

fn event_loop(
    terminal: &mut Terminal<CrosstermBackend<io::Stdout>>,
    app: &mut NbApp,
    rx: &Receiver<NbMsg>,
    jobs: &Sender<NbEffect>,
    threads: &mut live::Threads,
) -> Result<(), TuiError> {
    let size = terminal.size()?;
    app.fit(Rect::new(0, 0, size.width, size.height));
    for fx in app.wanted() {
        do_effect(fx, jobs, threads);
    }
    terminal.draw(|f| view::render(app, f))?;
    let mut drawn_for = worker::continued();
    loop {
        let Ok(first) = rx.recv() else {
            return Ok(());
        };
        let size = terminal.size()?;
        let size = Some(Rect::new(0, 0, size.width, size.height));
        let mut fx = app.handle(first, size);
        // Drain what else is waiting before drawing once.
        for _ in 0..256 {
            match rx.try_recv() {
                Ok(m) => fx.extend(app.handle(m, size)),
                Err(_) => break,
            }
        }
        let mut redraw = drawn_for != worker::continued();
        for e in fx {
            match e {
                NbEffect::Quit => return Ok(()),
                NbEffect::Suspend => {
                    super::restore_terminal();
                    super::terminal::stop_job();
                    redraw = true;
                }
                NbEffect::Copy(text) => app.flash = Some(super::terminal::copy(&text)),
                other => do_effect(other, jobs, threads),
            }
        }
        if redraw {
            crossterm::terminal::enable_raw_mode()?;
            super::terminal::take_terminal()?;
            crossterm::execute!(
                io::stdout(),
                crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
            )?;
            *terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
            terminal.hide_cursor()?;
            drawn_for = worker::continued();
        }
        if let Some(size) = size {
            app.fit(size);
        }
        for e in app.wanted() {
            do_effect(e, jobs, threads);
        }
        terminal.draw(|f| view::render(app, f))?;
    }
}

fn do_effect(fx: NbEffect, jobs: &Sender<NbEffect>, threads: &mut live::Threads) {
    match fx {
        NbEffect::Live(e) => threads.run(e),
        NbEffect::Quit | NbEffect::Suspend | NbEffect::Copy(_) => {}
        // The rest read the repository: the decoder's, which ends only with the program.
        job => {
            let _ = jobs.send(job);
        }
    }
}
