//! The TUI's state and its one `update` function; views only read it.
//! The methods are grouped by concern in the files beside this one.

mod back;
mod folding;
pub mod jump;
mod opening;
mod prompts;
mod screens;
mod scroll;
mod search;

pub use back::Place;
pub use folding::{FoldMark, FoldOp, fold_mark};
pub use opening::Opening;
pub use scroll::lines_from;

use std::collections::HashMap;
use std::sync::Arc;

use git2::Oid;

use super::cache::SizedLru;
use super::config::Config;
use super::filter::Filter;
use super::keymap::Action;
use super::screen::Screen;
use super::theme::ColorDepth;
use crate::lineage::Lineage;
use crate::render::image::Protocol;
use crate::repo::{Positions, RecordRow, RowRef, Rows, WalkStats};
use crate::timefmt;

/// Which pane takes the movement keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Timeline,
    Detail,
}

/// How the two panes share the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// Side by side when wide enough, else stacked.
    Auto,
    Side,
    Stacked,
}

/// What is drawn over the panes, taking the keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help { scroll: usize },
    Filter(FilterEdit),
    Picker(super::picker::Picker),
}

pub use super::filterpanel::{FilterEdit, FilterField};

/// Incremental search over messages (here) and code and outputs (the search worker).
#[derive(Debug, Clone, Default)]
pub struct Search {
    /// The query being typed, while the prompt is open.
    pub typing: Option<String>,
    /// The active query.
    pub query: String,
    /// Record commits that match, by message or by detail content.
    pub hits: std::collections::HashSet<Oid>,
    /// Set while the worker is still searching details.
    pub running: bool,
    pub generation: u64,
    /// No match was on hand when the query was typed: jump to the first
    /// one the worker finds.
    pub pending_jump: bool,
    /// The match the record pane is at: the record, which match, of how many.
    pub pane: Option<(Oid, usize, usize)>,
    /// The record pane should scroll to the selected record's first match (`true`) or its
    /// last (`false`) once its details are in.
    pub pane_jump: Option<bool>,
}

/// Decoded details of one record, or the fact that they are on the way.
#[derive(Debug, Clone)]
pub enum Details {
    Loading,
    Ready(Arc<super::prepare::Prepared>),
}

impl super::cache::Weigh for Details {
    fn weight(&self) -> usize {
        match self {
            Details::Loading => 0,
            Details::Ready(p) => p.weight(),
        }
    }
}

/// Prepared records kept for the record pane; past this the least recently
/// viewed are dropped (and decoded again if visited), so that paging
/// through thousands of records with plots stays within memory.
pub const DETAILS_MAX_BYTES: usize = 256 << 20;

/// Requests the app makes of its workers; the event loop delivers them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Decode these records' details (most wanted first).
    Decode(Vec<Oid>),
    /// Search details for this query (generation cancels older ones).
    Search {
        query: String,
        generation: u64,
    },
    /// Find records whose details name this path (for the path filter).
    PathSearch {
        path: String,
        generation: u64,
    },
    /// Read the history again from the ref's current commit.
    Reload,
    /// Save the selected record's images: into the current directory when
    /// it is outside the project, else downloads or home.
    SaveImages,
    /// Open the selected record's first image in the system viewer.
    OpenImage,
    /// List the branches for the picker.
    ListBranches,
    /// Read this branch (or revision) instead.
    SwitchRev(String),
    /// Read the lineage of this notebook (for the cell history screen).
    Lineage {
        notebook: String,
        generation: u64,
    },
    /// Rebuild the notebook screen's notebook at its step.
    NotebookAt {
        generation: u64,
    },
    /// Read the environment at `at` (and the difference from `mark`).
    ReadEnv {
        at: Oid,
        mark: Option<Oid>,
        generation: u64,
    },
    /// Annotate the timeline's code runs and saves (off the UI thread,
    /// from the whole history's lineage).
    Annotate,
    /// Read the whole history's streaks and figures for the insights screen.
    ReadInsights {
        generation: u64,
    },
    /// Read what the change screen's record changed.
    ReadChanges {
        generation: u64,
    },
    /// Diff file `index` of the change screen.
    FileDiff {
        index: usize,
        generation: u64,
    },
    /// Compare these two executions of the cell screen's lineage.
    Compare {
        old: usize,
        new: usize,
        generation: u64,
    },
    /// Give the terminal back and stop like any job (Ctrl-Z); the shell's
    /// `fg` continues.
    Suspend,
    /// Take the terminal again and draw everything anew (continued after a
    /// stop the program did not ask for).
    Redraw,
    /// Ask the terminal to put this text on the clipboard (OSC 52).
    Copy(String),
    Quit,
}

/// The local day of each loaded record, as a number into the days' names.
#[derive(Debug, Clone, Copy)]
pub struct Days<'a> {
    pub of: &'a [u32],
    pub names: &'a [String],
}

impl<'a> Days<'a> {
    /// The local day (`YYYY-MM-DD`) of the record at position `i`.
    pub fn day(&self, i: usize) -> &'a str {
        self.of
            .get(i)
            .and_then(|&d| self.names.get(d as usize))
            .map_or("", String::as_str)
    }
}

/// What one line of the timeline shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimelineLine {
    Day(usize),
    Record(usize),
}

/// Everything the screen shows.
pub struct App {
    pub project: String,
    pub rev: String,
    /// The repository's git directory, work tree and project directory,
    /// which `s` never saves into (read once when the project is opened).
    pub repo_dirs: Vec<std::path::PathBuf>,
    /// Which load of the history this is: messages from older walks are ignored.
    pub load: u64,
    /// Record to select again once a reload brings it back.
    pub reselect: Option<Oid>,
    /// The project being opened anew (a branch switch or a reload), while
    /// the history read before stays on screen.
    pub opening: Option<Opening>,
    pub config: Config,
    pub ascii: bool,
    /// The loaded history, packed (see `repo::Rows`).
    pub rows: Rows,
    /// Position in `rows` by commit.
    pub index: Positions,
    /// Local day of each row, computed once, as a number in `day_names`.
    pub days: Vec<u32>,
    /// The local days (`YYYY-MM-DD`) seen, by number.
    pub day_names: Vec<String>,
    pub loading: bool,
    pub load_error: Option<String>,
    pub incomplete: Option<String>,
    /// Indices into `rows` that pass the filter, newest first.
    pub shown: Vec<usize>,
    /// The timeline's lines: `shown` less the records folded away (a
    /// closed fold is its newest run's line), newest first.
    pub view: Vec<usize>,
    /// What the timeline says of code runs and saves, by commit, once the
    /// worker has walked the whole history (empty until then).
    pub annotations: Arc<HashMap<Oid, crate::insights::annotate::Annotation>>,
    /// The folds of `shown`.
    pub folds: super::folds::Folds,
    /// Folds the user opened, by their oldest record.
    pub open_folds: std::collections::HashSet<Oid>,
    /// `z` was pressed on the timeline: the next key says what to do
    /// with the fold (`zo`, `zc`, `za`).
    pub fold_prefix: bool,
    /// Loaded records that pass every filter but are hidden (`show:
    /// false`, the client's saves mostly) while `.` is off: what the
    /// status bar says is hidden and what `.` would bring back.
    pub hidden: usize,
    /// Of those, how many are saves (the status bar names the kind when
    /// all are).
    pub hidden_saves: usize,
    /// Position in `view`.
    pub selected: usize,
    /// First record of `view` drawn at the top of the timeline.
    pub top: usize,
    pub focus: Focus,
    pub split: Split,
    pub detail_scroll: usize,
    /// Long lines of the record pane wrap; else they are cut and `w`'s sideways mode
    /// scrolls them by `detail_hscroll` columns.
    pub wrap: bool,
    pub detail_hscroll: usize,
    pub show_hidden_details: bool,
    /// Long outputs shown whole instead of folded.
    pub expanded: bool,
    /// How pictures under image outputs are drawn (`Off`: not at all).
    pub protocol: Protocol,
    /// The terminal takes 24-bit colour (else pictures use the 256 palette).
    pub truecolor: bool,
    pub details: SizedLru<Oid, Details>,
    pub search: Search,
    /// What is typed after `:`, while that prompt is open.
    pub jump: Option<String>,
    pub filter: Filter,
    /// Generation of the path filter's detail search.
    pub path_generation: u64,
    pub overlay: Overlay,
    /// A one-line note in the status bar (cleared on the next key).
    pub flash: Option<String>,
    /// Whether Ctrl-Z may stop the program: false when it started with
    /// SIGTSTP ignored.
    pub job_control: bool,
    /// The flash that says the history is being read (`reloading…`): it
    /// goes when the walk ends, unless something else was said meanwhile.
    pub loading_note: Option<String>,
    /// The terminal's height, set by the event loop: how much of help shows.
    pub screen_height: u16,
    /// Its width: where help's long lines wrap.
    pub screen_width: u16,
    /// Rows the timeline has room for, set by the event loop from the terminal size.
    pub list_height: usize,
    /// Lines the detail pane has room for.
    pub detail_height: usize,
    /// Lines of the current detail text, set after rendering it once.
    pub detail_lines: usize,
    /// The record pane as last built, reused while still current (a cache
    /// the drawing code fills; see `views::detail_view`).
    pub detail_view: std::cell::RefCell<Option<Arc<super::views::DetailView>>>,
    /// The screens open over the timeline (they cover its panes), the
    /// one drawn and given the keys last; empty: the timeline.
    pub screens: Vec<Screen>,
    /// Places left by jumps and screens closed by going back, for Esc, `Ctrl-O` and
    /// `Ctrl-I`.
    pub trail: super::trail::Trail<Place>,
    /// The insights screen's figures for this load.
    pub insights_data: Option<Arc<super::insights::InsightsData>>,
    /// Counts cell screen requests, so late answers to old ones are dropped.
    pub cell_generation: u64,
    /// Lineages read for this load of the history, by notebook.
    pub lineages: HashMap<String, Arc<Lineage>>,
    /// How many colours the terminal shows.
    pub depth: ColorDepth,
    /// Records that arrived above the selection since the user last looked
    /// at the top of the timeline.
    pub new_records: usize,
}

impl App {
    /// What drawing needs of the app (see [`crate::tui::views::Look`]).
    pub fn look(&self) -> crate::tui::views::Look<'_> {
        crate::tui::views::Look {
            theme: &self.config.theme,
            keys: &self.config.keys,
            ascii: self.ascii,
            depth: self.depth,
            protocol: self.protocol,
        }
    }

    pub fn new(project: &str, rev: &str, config: Config, ascii: bool) -> Self {
        App {
            project: project.to_string(),
            rev: rev.to_string(),
            repo_dirs: Vec::new(),
            load: 0,
            reselect: None,
            opening: None,
            config,
            ascii,
            rows: Rows::new(),
            index: Positions::default(),
            days: Vec::new(),
            day_names: Vec::new(),
            loading: true,
            load_error: None,
            incomplete: None,
            shown: Vec::new(),
            view: Vec::new(),
            annotations: Arc::new(HashMap::new()),
            folds: Default::default(),
            open_folds: Default::default(),
            fold_prefix: false,
            hidden: 0,
            hidden_saves: 0,
            selected: 0,
            top: 0,
            focus: Focus::Timeline,
            split: Split::Auto,
            detail_scroll: 0,
            wrap: true,
            detail_hscroll: 0,
            show_hidden_details: false,
            expanded: false,
            protocol: Protocol::Halfblocks,
            truecolor: true,
            details: SizedLru::new(DETAILS_MAX_BYTES),
            search: Search::default(),
            jump: None,
            filter: Filter::default(),
            path_generation: 0,
            overlay: Overlay::None,
            flash: None,
            job_control: true,
            loading_note: None,
            screen_height: 24,
            screen_width: 80,
            list_height: 20,
            detail_height: 20,
            detail_lines: 0,
            detail_view: std::cell::RefCell::new(None),
            screens: Vec::new(),
            trail: Default::default(),
            insights_data: None,
            cell_generation: 0,
            lineages: HashMap::new(),
            depth: ColorDepth::TrueColor,
            new_records: 0,
        }
    }

    /// A loaded record by commit, unpacked.
    pub fn row(&self, commit: Oid) -> Option<Arc<RecordRow>> {
        self.position(commit)
            .and_then(|i| self.rows.get(i))
            .map(|r| r.to_arc())
    }

    /// Position in `rows` of a loaded record.
    pub fn position(&self, commit: Oid) -> Option<usize> {
        self.index.get(&self.rows, commit)
    }

    /// The selected record, if any, unpacked.
    pub fn current(&self) -> Option<Arc<RecordRow>> {
        self.current_ref().map(|r| r.to_arc())
    }

    /// The selected record as packed.
    pub fn current_ref(&self) -> Option<RowRef<'_>> {
        self.view.get(self.selected).and_then(|&i| self.rows.get(i))
    }

    /// The selected record's commit.
    pub fn current_commit(&self) -> Option<Oid> {
        self.current_ref().map(|r| r.commit())
    }

    /// The local day (`YYYY-MM-DD`) of the record at position `i`.
    pub fn day(&self, i: usize) -> &str {
        self.day_table().day(i)
    }

    /// The local days of the loaded records.
    pub fn day_table(&self) -> Days<'_> {
        Days {
            of: &self.days,
            names: &self.day_names,
        }
    }

    /// The number of a local day in `day_names`, adding it when new.
    pub(super) fn day_id(&mut self, day: String) -> u32 {
        // Records come in time order, so the day is nearly always a recent one.
        if let Some(at) = self.day_names.iter().rev().take(8).position(|d| *d == day) {
            return (self.day_names.len() - 1 - at) as u32;
        }
        if let Some(at) = self.day_names.iter().position(|d| *d == day) {
            return at as u32;
        }
        self.day_names.push(day);
        (self.day_names.len() - 1) as u32
    }

    /// Forgets the loaded history for load number `load`, keeping filters,
    /// search and the selected record (selected again when it comes back).
    pub fn reset(&mut self, load: u64) {
        self.reselect = self.current_commit();
        self.load = load;
        self.rows.clear();
        self.index.clear();
        self.days.clear();
        self.day_names.clear();
        self.shown.clear();
        self.view.clear();
        self.annotations = Arc::new(HashMap::new());
        self.folds = Default::default();
        self.hidden = 0;
        self.hidden_saves = 0;
        self.details.clear();
        self.lineages.clear();
        self.insights_data = None;
        self.selected = 0;
        self.top = 0;
        self.loading = true;
        self.load_error = None;
        self.incomplete = None;
        self.search.generation += 1;
        self.search.hits.clear();
        self.note_while_loading("reloading…".into());
    }

    /// Says which branch (or revision) is being read, until it is.
    pub fn reading(&mut self, rev: &str) {
        self.note_while_loading(format!("reading {rev}"));
    }

    pub(super) fn note_while_loading(&mut self, note: String) {
        self.flash = Some(note.clone());
        self.loading_note = Some(note);
    }

    /// New records from the walk (older than those already there).
    pub fn add_rows(&mut self, rows: Vec<RecordRow>) -> Vec<Effect> {
        self.add_packed(Rows::from_rows(&rows))
    }

    /// New records from the walk, packed (older than those already there).
    pub fn add_packed(&mut self, rows: Rows) -> Vec<Effect> {
        let had_selection = self.current_ref().is_some();
        let mut fx = Vec::new();
        // Time-zone conversion is slow next to everything else here; records
        // come newest first, so consecutive ones mostly share a quarter hour
        // (every zone's offset is a multiple of 15 minutes).
        let mut last: Option<(i64, u32)> = None;
        let first = self.rows.len();
        self.rows.append(rows);
        for i in first..self.rows.len() {
            let Some(row) = self.rows.get(i) else {
                continue;
            };
            let (time, commit) = (row.time(), row.commit());
            let hour = time.div_euclid(900);
            let day = match last {
                Some((h, d)) if h == hour => d,
                _ => {
                    let d = self.day_id(timefmt::local_day(time));
                    last = Some((hour, d));
                    d
                }
            };
            self.days.push(day);
            self.index.insert(&self.rows, i);
            let Some(row) = self.rows.get(i) else {
                continue;
            };
            let shown = self.filter.matches(row, self.day(i));
            if search::row_hit(row, self.day(i), &self.search.query) {
                self.search.hits.insert(commit);
            }
            if !shown && self.filter.hides(row, self.day(i)) {
                self.hidden += 1;
                self.hidden_saves += usize::from(super::folds::is_save(row));
            }
            if shown {
                self.shown.push(i);
                self.view.push(i);
                if self.reselect == Some(commit) {
                    self.reselect = None;
                    self.selected = self.view.len() - 1;
                    self.scroll_into_view();
                    fx.push(());
                }
            }
        }
        if !had_selection || !fx.is_empty() {
            self.visible_decodes()
        } else {
            Vec::new()
        }
    }

    /// Records committed while the timeline is open (newest first): they go
    /// on top, and the selection and the screen stay on the same records.
    pub fn prepend_rows(&mut self, rows: Vec<RecordRow>) -> Vec<Effect> {
        if rows.is_empty() {
            return Vec::new();
        }
        let n = rows.len();
        let mut days: Vec<u32> = Vec::with_capacity(n + self.days.len());
        for r in &rows {
            let d = self.day_id(timefmt::local_day(r.time));
            days.push(d);
        }
        days.append(&mut self.days);
        self.days = days;
        self.rows.prepend(&rows);
        drop(rows);
        self.index = Positions::of(&self.rows);
        let mut view: Vec<usize> = Vec::new();
        for i in 0..n {
            let Some(row) = self.rows.get(i) else {
                continue;
            };
            if self.filter.matches(row, self.day(i)) {
                view.push(i);
            } else if self.filter.hides(row, self.day(i)) {
                self.hidden += 1;
                self.hidden_saves += usize::from(super::folds::is_save(row));
            }
            if search::row_hit(row, self.day(i), &self.search.query) {
                self.search.hits.insert(row.commit());
            }
        }
        let had = !self.view.is_empty();
        let new_shown = view.len();
        view.extend(self.shown.iter().map(|i| i + n));
        self.shown = view;
        // Row positions moved: the folds are found again (open ones stay
        // open, being named by commit), and the new runs wait for their
        // annotations.
        let lines: Vec<usize> = self.view.iter().map(|i| i + n).collect();
        self.view = lines;
        let at_top = self.top == 0;
        // The selection and the top line stay on their records (see
        // `regroup_keeping`).
        self.regroup_keeping(None);
        if had {
            // At the top of the timeline the new records show above the
            // selection; scrolled down, the screen stays where it was.
            if at_top {
                self.top = 0;
            }
            self.scroll_into_view();
        }
        self.new_records += new_shown;
        // Lineages read before miss the new runs.
        self.lineages.clear();
        self.insights_data = None;
        self.load_error = None;
        let mut fx = self.visible_decodes();
        fx.push(Effect::Annotate);
        fx
    }

    pub fn walk_done(&mut self, result: Result<WalkStats, String>) {
        self.loading = false;
        if self
            .loading_note
            .take()
            .is_some_and(|n| self.flash.as_ref() == Some(&n))
        {
            self.flash = None;
        }
        match result {
            Ok(stats) => self.incomplete = stats.incomplete,
            Err(e) => self.load_error = Some(e),
        }
        if self.rows.is_empty() && self.load_error.is_none() {
            self.load_error = Some(format!(
                "no Gigantum activity records in the history of '{}'",
                self.rev
            ));
        }
    }

    pub fn details_ready(&mut self, commit: Oid, prepared: super::prepare::Prepared) {
        self.details
            .insert(commit, Details::Ready(Arc::new(prepared)));
        if self.current_commit() == Some(commit) {
            self.settle_pane_jump();
        }
    }

    /// A key while help is open: the moving keys scroll it (never past its
    /// end), and it closes with the keys its title names (and `q`, which
    /// closes whatever is open); the rest do nothing, so a stray key does
    /// not close it unasked.
    fn help_key(&mut self, action: Action) {
        let len = crate::tui::views::help_lines(self, self.screen_width).len();
        let (_, shown) = crate::tui::views::help_rows_shown(len, self.screen_height);
        let most = len.saturating_sub(shown);
        let page = shown.saturating_sub(1).max(1);
        let Overlay::Help { scroll } = &mut self.overlay else {
            return;
        };
        *scroll = match action {
            Action::Down => *scroll + 1,
            Action::Up => scroll.saturating_sub(1),
            Action::PageDown => *scroll + page,
            Action::PageUp => scroll.saturating_sub(page),
            Action::Top => 0,
            Action::Bottom => most,
            Action::Back | Action::Help | Action::Quit => {
                self.overlay = Overlay::None;
                return;
            }
            _ => *scroll,
        }
        .min(most);
    }

    /// Applies one action from the keymap (or the mouse).
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        self.flash = None;
        self.fold_prefix = false;
        if let Overlay::Help { .. } = self.overlay {
            self.help_key(action);
            return Vec::new();
        }
        match action {
            Action::GoBack => return self.go_back(),
            Action::GoForward => return self.go_forward(),
            _ => {}
        }
        if !self.screens.is_empty() && action != Action::Help {
            return self.screen_update(action);
        }
        let page = match self.focus {
            Focus::Timeline => self.list_height.saturating_sub(2).max(1) as isize,
            Focus::Detail => self.detail_height.saturating_sub(2).max(1) as isize,
        };
        match (action, self.focus) {
            (Action::Quit, _) => return vec![Effect::Quit],
            (Action::Back, Focus::Detail) => self.focus = Focus::Timeline,
            (Action::Back, Focus::Timeline) if !self.search.query.is_empty() => {
                return self.start_search(String::new());
            }
            (Action::Back, Focus::Timeline) if self.trail.can_go_back() => return self.go_back(),
            (Action::Help, _) => self.overlay = Overlay::Help { scroll: 0 },
            (Action::Open, Focus::Timeline) => return self.open_line(),
            (Action::FocusNext | Action::FocusPrev | Action::Right, Focus::Timeline)
                if self.current_ref().is_some() =>
            {
                self.focus = Focus::Detail
            }
            // Sideways mode: the moving keys move the cut lines, half a pane at a time.
            (Action::Left, Focus::Detail) if !self.wrap => self.scroll_sideways(false),
            (Action::Right, Focus::Detail) if !self.wrap => self.scroll_sideways(true),
            (Action::FocusNext | Action::FocusPrev | Action::Left, Focus::Detail) => {
                self.focus = Focus::Timeline;
            }
            (Action::Down, Focus::Timeline) => return self.move_by(1),
            (Action::Up, Focus::Timeline) => return self.move_by(-1),
            (Action::PageDown, Focus::Timeline) => return self.move_by(page),
            (Action::PageUp, Focus::Timeline) => return self.move_by(-page),
            (Action::Top, Focus::Timeline) => return self.select(0),
            (Action::Bottom, Focus::Timeline) => return self.select(usize::MAX),
            (Action::Down, Focus::Detail) => self.scroll_detail(1),
            (Action::Up, Focus::Detail) => self.scroll_detail(-1),
            (Action::PageDown, Focus::Detail) => self.scroll_detail(page),
            (Action::PageUp, Focus::Detail) => self.scroll_detail(-page),
            (Action::Top, Focus::Detail) => self.detail_scroll = 0,
            // The last full screen, as `less` shows it (scrolling may go on to half a screen
            // past the end, so the last lines can be read at the top).
            // Counted in the lines drawn, wrapped ones each, from the view itself: the count
            // the last frame left may be of another width or mode.
            (Action::Bottom, Focus::Detail) => {
                if let Some((view, _)) = crate::tui::views::current_view(self) {
                    self.detail_lines = view.lines.len();
                }
                self.detail_scroll = self.detail_lines.saturating_sub(self.detail_height.max(1))
            }
            (Action::ToggleHidden, _) => {
                self.show_hidden_details = !self.show_hidden_details;
                self.filter.show_hidden = self.show_hidden_details;
                self.refilter();
                self.flash = Some(if self.show_hidden_details {
                    "showing hidden records and details".into()
                } else {
                    "hiding hidden records and details".into()
                });
                return self.visible_decodes();
            }
            (Action::Search, _) => {
                self.search.typing = Some(String::new());
            }
            (Action::Jump, _) => self.jump = Some(String::new()),
            (Action::CopyHash, _) => return self.copy_hash(),
            (Action::NextMatch, _) => return self.step_match(true),
            (Action::PrevMatch, _) => return self.step_match(false),
            (Action::Filter, _) => {
                self.overlay = Overlay::Filter(FilterEdit::open(&FilterField::ALL))
            }
            (Action::ClearFilter, _) => {
                self.filter = Filter::default();
                self.refilter();
                self.flash = Some("filters cleared".into());
                return self.visible_decodes();
            }
            (Action::Refresh, _) => return vec![Effect::Reload],
            // On the timeline `z` begins `zo`, `zc`, `za` (the key after
            // it goes to `fold_prefix_input`); in the record pane it
            // expands long outputs.
            (Action::ToggleFold, Focus::Timeline) => {
                self.fold_prefix = true;
                let z = crate::tui::views::key_label(&self.config.keys, Action::ToggleFold, "z");
                self.flash = Some(format!(
                    "{z}o opens the fold · {z}c closes it · {z}a toggles it"
                ));
            }
            (Action::ToggleFold, _) => {
                self.expanded = !self.expanded;
                self.flash = Some(if self.expanded {
                    "long outputs expanded".into()
                } else {
                    "long outputs folded".into()
                });
            }
            (Action::Wrap, _) => self.toggle_wrap(),
            (Action::CellHistory, _) => return self.open_cell(),
            (Action::Changes, _) => return self.open_changes(),
            (Action::Environment, _) => return self.open_env(),
            (Action::Insights, _) => return self.open_insights(),
            (Action::Notebook, _) => return self.open_notebook(),
            (Action::Branches, _) => return vec![Effect::ListBranches],
            (Action::Authors, _) => self.open_authors(),
            (Action::SaveImage, _) => return vec![Effect::SaveImages],
            (Action::OpenImage, _) => return vec![Effect::OpenImage],
            (Action::ToggleLayout, _) => {
                self.split = match self.split {
                    Split::Auto => Split::Side,
                    Split::Side => Split::Stacked,
                    Split::Stacked => Split::Auto,
                }
            }
            _ => {}
        }
        Vec::new()
    }
}
