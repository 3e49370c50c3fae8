//! The TUI's state and its one `update` function; views only read it.

use std::collections::HashMap;
use std::sync::Arc;

use git2::Oid;

use super::cache::SizedLru;
use super::config::Config;
use super::filter::{Filter, contains_ci, valid_day};
use super::history::{CellScreen, Outcome};
use super::keymap::Action;
use super::theme::ColorDepth;
use crate::activity::kinds::RecordKind;
use crate::lineage::{Lineage, notebook_of};
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

/// The filter panel: which field is selected and, while typing, the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterEdit {
    pub field: usize,
    pub editing: Option<String>,
    pub error: Option<String>,
}

/// Fields of the filter panel, in order.
pub const FILTER_FIELDS: [&str; 7] = [
    "Types",
    "Path or notebook",
    "Author",
    "Since (YYYY-MM-DD)",
    "Until (YYYY-MM-DD)",
    "Code runs only",
    "Show hidden records",
];

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
    /// Read the environment at `at` (and the difference from `mark`).
    ReadEnv {
        at: Oid,
        mark: Option<Oid>,
        generation: u64,
    },
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
    Quit,
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
    /// Which load of the history this is: messages from older walks are ignored.
    pub load: u64,
    /// Record to select again once a reload brings it back.
    pub reselect: Option<Oid>,
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
    pub view: Vec<usize>,
    /// Position in `view`.
    pub selected: usize,
    /// First record of `view` drawn at the top of the timeline.
    pub top: usize,
    pub focus: Focus,
    pub split: Split,
    pub detail_scroll: usize,
    pub show_hidden_details: bool,
    /// Long outputs shown whole instead of folded.
    pub expanded: bool,
    /// How pictures under image outputs are drawn (`Off`: not at all).
    pub protocol: Protocol,
    /// The terminal takes 24-bit colour (else pictures use the 256 palette).
    pub truecolor: bool,
    pub details: SizedLru<Oid, Details>,
    pub search: Search,
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
    /// Rows the timeline has room for, set by the event loop from the terminal size.
    pub list_height: usize,
    /// Lines the detail pane has room for.
    pub detail_height: usize,
    /// Lines of the current detail text, set after rendering it once.
    pub detail_lines: usize,
    /// The record pane as last built, reused while still current (a cache
    /// the drawing code fills; see `views::detail_view`).
    pub detail_view: std::cell::RefCell<Option<Arc<super::views::DetailView>>>,
    /// The cell history screen, when open (it covers the panes).
    pub cell: Option<CellScreen>,
    /// The file-change screen, when open.
    pub changes: Option<super::changes::ChangesScreen>,
    /// The environment screen, when open.
    pub env: Option<super::envscreen::EnvScreen>,
    /// The insights screen, when open, and its figures for this load.
    pub insights: Option<super::insights::InsightsScreen>,
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
    pub fn new(project: &str, rev: &str, config: Config, ascii: bool) -> Self {
        App {
            project: project.to_string(),
            rev: rev.to_string(),
            load: 0,
            reselect: None,
            config,
            ascii,
            rows: Rows::new(),
            index: Positions::default(),
            days: Vec::new(),
            day_names: Vec::new(),
            loading: true,
            load_error: None,
            incomplete: None,
            view: Vec::new(),
            selected: 0,
            top: 0,
            focus: Focus::Timeline,
            split: Split::Auto,
            detail_scroll: 0,
            show_hidden_details: false,
            expanded: false,
            protocol: Protocol::Halfblocks,
            truecolor: true,
            details: SizedLru::new(DETAILS_MAX_BYTES),
            search: Search::default(),
            filter: Filter::default(),
            path_generation: 0,
            overlay: Overlay::None,
            flash: None,
            job_control: true,
            loading_note: None,
            list_height: 20,
            detail_height: 20,
            detail_lines: 0,
            detail_view: std::cell::RefCell::new(None),
            cell: None,
            changes: None,
            env: None,
            insights: None,
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
        self.days
            .get(i)
            .and_then(|&d| self.day_names.get(d as usize))
            .map_or("", String::as_str)
    }

    /// The number of a local day in `day_names`, adding it when new.
    fn day_id(&mut self, day: String) -> u32 {
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
        self.view.clear();
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

    fn note_while_loading(&mut self, note: String) {
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
            if !self.search.query.is_empty() && contains_ci(row.message(), &self.search.query) {
                self.search.hits.insert(commit);
            }
            if shown {
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
            }
            if !self.search.query.is_empty() && contains_ci(row.message(), &self.search.query) {
                self.search.hits.insert(row.commit());
            }
        }
        let added = view.len();
        let had = !self.view.is_empty();
        view.extend(self.view.iter().map(|i| i + n));
        self.view = view;
        if had {
            self.selected += added;
            // At the top of the timeline the new records show above the
            // selection; scrolled down, the screen stays where it was.
            if self.top > 0 {
                self.top += added;
            }
            self.scroll_into_view();
        }
        self.new_records += added;
        // Lineages read before miss the new runs.
        self.lineages.clear();
        self.insights_data = None;
        self.load_error = None;
        self.visible_decodes()
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
    }

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
        for c in hits {
            self.filter.path_hits.insert(c);
            let Some(i) = self.position(c) else {
                continue;
            };
            let Some(row) = self.rows.get(i) else {
                continue;
            };
            if !self.filter.matches(row, self.day(i)) {
                continue;
            }
            if let Err(pos) = self.view.binary_search(&i) {
                self.view.insert(pos, i);
                // Keep the same record selected.
                if pos <= self.selected && self.view.len() > 1 {
                    self.selected += 1;
                }
            }
        }
        self.scroll_into_view();
        self.visible_decodes()
    }

    fn refilter(&mut self) {
        let keep = self.current_commit().and_then(|c| self.position(c));
        self.view = self
            .rows
            .iter()
            .enumerate()
            .filter(|&(i, r)| self.filter.matches(r, self.day(i)))
            .map(|(i, _)| i)
            .collect();
        self.selected = keep
            .and_then(|k| self.view.binary_search(&k).ok())
            .unwrap_or(0);
        self.top = self.selected.saturating_sub(self.list_height / 2);
        self.scroll_into_view();
        self.detail_scroll = 0;
    }

    /// Records whose details should be decoded now: the selected one first,
    /// then those on screen (for their badges).
    pub fn visible_decodes(&mut self) -> Vec<Effect> {
        let mut want = Vec::new();
        let end = (self.top + self.list_height).min(self.view.len());
        let sel = self.current_commit();
        if let Some(c) = sel {
            // Viewing a record makes it the last its cache would drop.
            let _ = self.details.get(&c);
        }
        let others = self.view.get(self.top..end).unwrap_or(&[]);
        for c in sel.into_iter().chain(
            others
                .iter()
                .filter_map(|&i| self.rows.get(i).map(|r| r.commit())),
        ) {
            if !self.details.contains(&c) && !want.contains(&c) {
                want.push(c);
            }
        }
        if want.is_empty() {
            return Vec::new();
        }
        for c in &want {
            self.details.insert(*c, Details::Loading);
        }
        vec![Effect::Decode(want)]
    }

    fn select(&mut self, pos: usize) -> Vec<Effect> {
        if self.view.is_empty() {
            return Vec::new();
        }
        let pos = pos.min(self.view.len() - 1);
        if pos != self.selected {
            self.detail_scroll = 0;
        }
        self.selected = pos;
        if pos == 0 {
            self.new_records = 0;
        }
        self.scroll_into_view();
        self.visible_decodes()
    }

    /// The timeline's lines from view position `top` for `height` lines: a
    /// day separator before each record that starts a new day (and before
    /// the first shown), but never as the last line, where it would push
    /// its record out (on a one-line timeline only the record shows).
    pub fn lines_from(&self, top: usize, height: usize) -> Vec<TimelineLine> {
        let mut out = Vec::with_capacity(height);
        let mut pos = top;
        let mut last_day: Option<&str> = None;
        while out.len() < height {
            let Some(&i) = self.view.get(pos) else { break };
            let day = self.day(i);
            if last_day != Some(day) {
                if out.len() + 1 >= height && !out.is_empty() {
                    break;
                }
                if out.len() + 1 < height {
                    out.push(TimelineLine::Day(pos));
                }
            }
            last_day = Some(day);
            out.push(TimelineLine::Record(pos));
            pos += 1;
        }
        out
    }

    /// Is the record at view position `pos` drawn when the timeline starts at `top`?
    fn drawn_from(&self, top: usize, pos: usize) -> bool {
        pos >= top
            && self
                .lines_from(top, self.list_height.max(1))
                .contains(&TimelineLine::Record(pos))
    }

    /// Keeps the selection on screen with a little context below it, like
    /// tig. Day separators take lines too, so what fits is counted from the
    /// lines the timeline would draw.
    pub fn scroll_into_view(&mut self) {
        let h = self.list_height.max(1);
        let last = self.view.len().saturating_sub(1);
        self.selected = self.selected.min(last);
        if self.selected < self.top {
            self.top = self.selected;
        }
        // A record takes at least a line: anything further up cannot fit.
        let want = (self.selected + h / 6).min(last);
        self.top = self.top.max(want.saturating_sub(h.saturating_sub(1)));
        // Lines are contiguous: with `want` drawn, so is the selection; on
        // a timeline too short for the context the selection goes on top.
        while self.top < self.selected && !self.drawn_from(self.top, want) {
            self.top += 1;
        }
    }

    fn move_by(&mut self, delta: isize) -> Vec<Effect> {
        self.search.pending_jump = false;
        let pos = self.selected.saturating_add_signed(delta);
        self.select(pos)
    }

    fn scroll_detail(&mut self, delta: isize) {
        let max = self
            .detail_lines
            .saturating_sub(self.detail_height.max(1) / 2);
        self.detail_scroll = self.detail_scroll.saturating_add_signed(delta).min(max);
    }

    /// Jump to the next (or previous) search hit, wrapping around.
    fn step_match(&mut self, forward: bool) -> Vec<Effect> {
        if self.search.query.is_empty() {
            self.flash = Some("no search: press / to search".into());
            return Vec::new();
        }
        let n = self.view.len();
        for k in 1..=n {
            let pos = if forward {
                (self.selected + k) % n
            } else {
                (self.selected + n - k % n) % n
            };
            if self.is_hit(pos) {
                if (forward && pos <= self.selected) || (!forward && pos >= self.selected) {
                    self.flash = Some("search wrapped".into());
                }
                return self.select(pos);
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
        let Some(row) = self.view.get(pos).and_then(|&i| self.rows.get(i)) else {
            return false;
        };
        !self.search.query.is_empty() && self.search.hits.contains(&row.commit())
    }

    /// Number of records that match the search so far.
    pub fn hit_count(&self) -> usize {
        self.search.hits.len()
    }

    fn start_search(&mut self, query: String) -> Vec<Effect> {
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
                    && !super::lineedit::is_altgr(key) =>
            {
                return vec![Effect::Quit];
            }
            _ => {
                if !super::lineedit::edit(&mut text, key) {
                    self.search.typing = Some(text);
                    return Vec::new();
                }
            }
        }
        self.search.typing = Some(text.clone());
        self.start_search(text)
    }

    /// Keys while the filter panel is open.
    pub fn filter_input(&mut self, key: &crossterm::event::KeyEvent) -> Vec<Effect> {
        use crossterm::event::KeyCode;
        let Overlay::Filter(mut edit) = std::mem::replace(&mut self.overlay, Overlay::None) else {
            return Vec::new();
        };
        if let Some(mut text) = edit.editing.take() {
            match key.code {
                KeyCode::Esc => {}
                KeyCode::Enter => {
                    let field = edit.field;
                    edit.error = self.set_filter_text(field, text);
                    if edit.error.is_some() {
                        self.overlay = Overlay::Filter(edit);
                        return Vec::new();
                    }
                    self.refilter();
                    self.overlay = Overlay::Filter(edit);
                    let mut fx = self.visible_decodes();
                    if field == 1 && !self.filter.path.is_empty() {
                        fx.push(Effect::PathSearch {
                            path: self.filter.path.clone(),
                            generation: self.path_generation,
                        });
                    }
                    return fx;
                }
                _ => {
                    super::lineedit::edit(&mut text, key);
                    edit.editing = Some(text);
                }
            }
            self.overlay = Overlay::Filter(edit);
            return self.visible_decodes();
        }
        edit.error = None;
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('f') => {
                return self.visible_decodes();
            }
            KeyCode::Down | KeyCode::Char('j') | KeyCode::Tab => {
                edit.field = (edit.field + 1) % FILTER_FIELDS.len();
            }
            KeyCode::Up | KeyCode::Char('k') | KeyCode::BackTab => {
                edit.field = (edit.field + FILTER_FIELDS.len() - 1) % FILTER_FIELDS.len();
            }
            KeyCode::Char('F') | KeyCode::Char('x') => {
                self.filter = Filter::default();
                self.refilter();
            }
            KeyCode::Char(c @ '1'..='9') if edit.field == 0 => {
                let id = i64::from(c as u8 - b'1');
                if let Some(k) = RecordKind::from_id(id) {
                    if !self.filter.types.remove(&k) {
                        self.filter.types.insert(k);
                    }
                    self.refilter();
                }
            }
            KeyCode::Char('0') if edit.field == 0 => {
                self.filter.types.clear();
                self.refilter();
            }
            KeyCode::Enter | KeyCode::Char(' ') => match edit.field {
                5 => {
                    self.filter.code_only = !self.filter.code_only;
                    self.refilter();
                }
                6 => {
                    self.filter.show_hidden = !self.filter.show_hidden;
                    self.refilter();
                }
                0 => {}
                f => edit.editing = Some(self.filter_text(f)),
            },
            _ => {}
        }
        self.overlay = Overlay::Filter(edit);
        self.visible_decodes()
    }

    /// The text of a text field of the filter panel.
    pub fn filter_text(&self, field: usize) -> String {
        match field {
            1 => self.filter.path.clone(),
            2 => self.filter.author.clone(),
            3 => self.filter.since.clone(),
            4 => self.filter.until.clone(),
            _ => String::new(),
        }
    }

    fn set_filter_text(&mut self, field: usize, text: String) -> Option<String> {
        let text = text.trim().to_string();
        if (field == 3 || field == 4) && !valid_day(&text) {
            return Some(format!("'{text}' is not a date like 2019-03-04"));
        }
        match field {
            1 => {
                self.filter.path = text;
                self.filter.path_hits.clear();
                self.path_generation += 1;
            }
            2 => self.filter.author = text,
            3 => self.filter.since = text,
            4 => self.filter.until = text,
            _ => {}
        }
        None
    }

    /// Applies one action from the keymap (or the mouse).
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        self.flash = None;
        if let Overlay::Help { scroll } = &mut self.overlay {
            match action {
                Action::Down => *scroll += 1,
                Action::Up => *scroll = scroll.saturating_sub(1),
                Action::PageDown => *scroll += 10,
                Action::PageUp => *scroll = scroll.saturating_sub(10),
                Action::Top => *scroll = 0,
                _ => self.overlay = Overlay::None,
            }
            return Vec::new();
        }
        if self.cell.is_some() && action != Action::Help {
            return self.cell_update(action);
        }
        if self.changes.is_some() && action != Action::Help {
            return self.changes_update(action);
        }
        if self.env.is_some() && action != Action::Help {
            return self.env_update(action);
        }
        if self.insights.is_some() && action != Action::Help {
            return self.insights_update(action);
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
            (Action::Help, _) => self.overlay = Overlay::Help { scroll: 0 },
            (
                Action::FocusNext | Action::FocusPrev | Action::Open | Action::Right,
                Focus::Timeline,
            ) if self.current_ref().is_some() => self.focus = Focus::Detail,
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
            (Action::Bottom, Focus::Detail) => self.scroll_detail(isize::MAX / 2),
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
            (Action::NextMatch, _) => return self.step_match(true),
            (Action::PrevMatch, _) => return self.step_match(false),
            (Action::Filter, _) => {
                self.overlay = Overlay::Filter(FilterEdit {
                    field: 0,
                    editing: None,
                    error: None,
                })
            }
            (Action::ClearFilter, _) => {
                self.filter = Filter::default();
                self.refilter();
                self.flash = Some("filters cleared".into());
                return self.visible_decodes();
            }
            (Action::Refresh, _) => return vec![Effect::Reload],
            (Action::ToggleFold, _) => {
                self.expanded = !self.expanded;
                self.flash = Some(if self.expanded {
                    "long outputs expanded".into()
                } else {
                    "long outputs folded".into()
                });
            }
            (Action::CellHistory, _) => return self.open_cell(),
            (Action::Changes, _) => return self.open_changes(),
            (Action::Environment, _) => return self.open_env(),
            (Action::Insights, _) => return self.open_insights(),
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

    /// The author picker: everyone who recorded something, with what they
    /// did, most active first.
    fn open_authors(&mut self) {
        use super::picker::{Item, PickKind, Picker};
        let mut by: Vec<(String, String, usize, [usize; 9])> = Vec::new();
        for r in self.rows.iter() {
            let at = match by.iter().position(|(_, e, ..)| *e == r.email()) {
                Some(at) => at,
                None => {
                    by.push((r.author().to_string(), r.email().to_string(), 0, [0; 9]));
                    by.len() - 1
                }
            };
            if let Some(entry) = by.get_mut(at) {
                entry.2 += 1;
                if let Some(c) = usize::try_from(r.type_id())
                    .ok()
                    .and_then(|t| entry.3.get_mut(t))
                {
                    *c += 1;
                }
            }
        }
        by.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        let mut items = vec![Item {
            value: String::new(),
            label: "everyone".into(),
            detail: format!("{} records", self.rows.len()),
            current: self.filter.author.is_empty(),
        }];
        for (name, email, n, kinds) in by {
            let what: Vec<String> = RecordKind::ALL
                .iter()
                .filter_map(|k| {
                    let c = *kinds.get(k.id() as usize)?;
                    (c > 0).then(|| format!("{c} {}", k.name()))
                })
                .collect();
            items.push(Item {
                current: !self.filter.author.is_empty() && self.filter.author == email,
                value: email.clone(),
                label: format!("{name} <{email}>"),
                detail: format!("{n} records: {}", what.join(", ")),
            });
        }
        self.overlay = Overlay::Picker(Picker::new(PickKind::Author, items));
    }

    /// Keys while a picker is open.
    pub fn picker_input(&mut self, key: &crossterm::event::KeyEvent) -> Vec<Effect> {
        use super::picker::{PickKind, Picked};
        let Overlay::Picker(p) = &mut self.overlay else {
            return Vec::new();
        };
        let kind = p.kind;
        match p.key(key) {
            Picked::Nothing => Vec::new(),
            Picked::Close => {
                self.overlay = Overlay::None;
                Vec::new()
            }
            Picked::Chose(value) => {
                self.overlay = Overlay::None;
                match kind {
                    PickKind::Branch if value == self.rev => Vec::new(),
                    PickKind::Branch => vec![Effect::SwitchRev(value)],
                    PickKind::Author => {
                        self.filter.author = value;
                        self.refilter();
                        self.flash = Some(if self.filter.author.is_empty() {
                            "showing everyone's records".into()
                        } else {
                            format!("only {}'s records (F clears)", self.filter.author)
                        });
                        self.visible_decodes()
                    }
                }
            }
        }
    }

    /// What the selected record changed: a file record's files; a code
    /// record's cell history; an environment record's environment.
    fn open_changes(&mut self) -> Vec<Effect> {
        let Some(row) = self.current() else {
            return Vec::new();
        };
        if crate::files::is_file_record(&row.record) {
            self.cell_generation += 1;
            let mut screen = super::changes::ChangesScreen::new(&row, self.cell_generation);
            screen.pane.height = self.detail_height.max(self.list_height);
            self.changes = Some(screen);
            return vec![Effect::ReadChanges {
                generation: self.cell_generation,
            }];
        }
        match RecordKind::from_id(row.record.meta.type_id) {
            Some(RecordKind::Code) => return self.open_cell(),
            Some(RecordKind::Environment) => return self.open_env(),
            _ => {}
        }
        self.flash = Some("d shows what file, code and environment records changed".into());
        Vec::new()
    }

    /// Where people got stuck and what they did, over the whole history.
    fn open_insights(&mut self) -> Vec<Effect> {
        self.cell_generation += 1;
        let mut screen = super::insights::InsightsScreen::new(self.cell_generation);
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
    pub fn insights_ready(&mut self, generation: u64, data: Arc<super::insights::InsightsData>) {
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

    fn insights_update(&mut self, action: Action) -> Vec<Effect> {
        use super::insights::InsightsOutcome;
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
    fn view_pos(&self, commit: Oid) -> Option<usize> {
        let i = self.position(commit)?;
        self.view.binary_search(&i).ok()
    }

    /// Selects record `commit` in the timeline, or says why it cannot.
    fn go_to(&mut self, commit: Oid) -> Vec<Effect> {
        match self.view_pos(commit) {
            Some(p) => self.select(p),
            None => {
                self.flash = Some("that record is hidden by the filter".into());
                Vec::new()
            }
        }
    }

    /// The environment as of the selected record.
    fn open_env(&mut self) -> Vec<Effect> {
        let Some(at) = self.current_commit() else {
            return Vec::new();
        };
        self.cell_generation += 1;
        let mut screen = super::envscreen::EnvScreen::new(at, self.cell_generation);
        screen.pane.height = self.detail_height.max(self.list_height);
        self.env = Some(screen);
        vec![Effect::ReadEnv {
            at,
            mark: None,
            generation: self.cell_generation,
        }]
    }

    /// An environment arrived from the worker.
    pub fn env_ready(&mut self, generation: u64, view: Arc<super::envscreen::EnvView>) {
        if let Some(screen) = self.env.as_mut()
            && screen.generation == generation
            && screen.wanted == (view.at, view.against.as_ref().map(|a| a.0))
        {
            screen.pane.reset();
            screen.shown = Some(view);
        }
    }

    /// The environment record before (older) or after `at`, in history order.
    fn env_neighbour(&self, at: Oid, older: bool) -> Option<Oid> {
        let i = self.position(at)?;
        let is_env = |r: &RowRef| RecordKind::from_id(r.type_id()) == Some(RecordKind::Environment);
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

    fn env_update(&mut self, action: Action) -> Vec<Effect> {
        use super::envscreen::EnvOutcome;
        let Some(outcome) = self.env.as_mut().map(|s| s.update(action)) else {
            return Vec::new();
        };
        let read = |s: &mut super::envscreen::EnvScreen| {
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
    pub fn file_ready(&mut self, generation: u64, view: Arc<super::changes::FileView>) {
        if let Some(screen) = self.changes.as_mut()
            && screen.generation == generation
            && screen.wanted == Some(view.index)
        {
            screen.pane.reset();
            screen.shown = Some(view);
        }
    }

    fn changes_update(&mut self, action: Action) -> Vec<Effect> {
        use super::changes::ChangesOutcome;
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
    fn open_cell(&mut self) -> Vec<Effect> {
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
        let code = RecordKind::from_id(row.record.meta.type_id) == Some(RecordKind::Code);
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
    fn compare(&mut self, pair: Option<(usize, usize)>) -> Vec<Effect> {
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
    pub fn compared(&mut self, generation: u64, view: Arc<super::history::PairView>) {
        if let Some(screen) = self.cell.as_mut()
            && screen.generation == generation
            && screen.wanted == Some((view.cmp.old, view.cmp.new))
        {
            screen.pane.reset();
            screen.shown = Some(view);
        }
    }

    /// A key on the cell history screen.
    fn cell_update(&mut self, action: Action) -> Vec<Effect> {
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

    /// Mouse wheel over a pane.
    pub fn wheel(&mut self, down: bool, over_detail: bool) -> Vec<Effect> {
        let step = if down { 3 } else { -3 };
        if let Some(screen) = self.cell.as_mut() {
            screen.pane.scroll_by(step);
            return Vec::new();
        }
        if let Some(screen) = self.changes.as_mut() {
            screen.pane.scroll_by(step);
            return Vec::new();
        }
        if let Some(screen) = self.env.as_mut() {
            screen.pane.scroll_by(step);
            return Vec::new();
        }
        if let Some(screen) = self.insights.as_mut() {
            screen.pane.scroll_by(step);
            return Vec::new();
        }
        if over_detail {
            self.scroll_detail(step);
            Vec::new()
        } else {
            self.move_by(step)
        }
    }

    /// A click on the timeline at a view position.
    pub fn click_record(&mut self, pos: usize) -> Vec<Effect> {
        if self.cell.is_some()
            || self.changes.is_some()
            || self.env.is_some()
            || self.insights.is_some()
        {
            return Vec::new();
        }
        self.focus = Focus::Timeline;
        self.select(pos)
    }
}
