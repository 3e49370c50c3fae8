//! Background threads: the history walk, detail decoding (newest request first),
//! detail search, the screens' jobs, opening the project anew, terminal
//! input and signals, all feeding one channel.

use crate::render::palette::SyntaxTheme;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};

use git2::Oid;

use super::filter::contains_ci;
use crate::activity::{Content, Detail};
use crate::lineage::CachePolicy;
use crate::repo::{Project, RecordRow, Rows, WalkMsg};

/// Everything the event loop waits for.
#[derive(Debug)]
pub enum Msg {
    Input(crossterm::event::Event),
    /// From the walk of load number `.0` (a reload starts a new one).
    Walk(u64, WalkMsg),
    Details(u64, Oid, super::prepare::Prepared),
    SearchHits {
        kind: SearchKind,
        generation: u64,
        hits: Vec<Oid>,
        done: bool,
    },
    /// A picture encoded for the terminal's graphics protocol (or why not).
    Encoded {
        key: String,
        result: Result<String, String>,
    },
    /// A notebook's lineage, for cell screen request `generation`.
    Lineage {
        load: u64,
        generation: u64,
        notebook: String,
        lineage: Arc<crate::lineage::Lineage>,
        /// Built while the history was still loading.
        partial: bool,
    },
    /// The notebook screen's notebook at one step.
    NotebookAt {
        load: u64,
        generation: u64,
        view: Arc<super::nbtime::NbAtView>,
    },
    /// Two runs compared for the cell screen.
    Compared {
        load: u64,
        generation: u64,
        view: Arc<super::history::PairView>,
    },
    /// Records committed to the ref since the history was read (newest
    /// first), and the ref's new commit.
    NewRows {
        load: u64,
        rows: Vec<RecordRow>,
    },
    /// The ref moved somewhere that does not contain what was read (a
    /// reset or rebase): read it all again.
    Rewritten {
        load: u64,
    },
    /// What a file record changed, for the change screen.
    Changes {
        load: u64,
        generation: u64,
        result: Result<Arc<crate::files::Changes>, String>,
    },
    /// What the timeline says of each code run and save, by commit.
    Annotations {
        load: u64,
        notes: Arc<std::collections::HashMap<Oid, crate::insights::annotate::Annotation>>,
    },
    /// Streaks and figures for the insights screen.
    Insights {
        load: u64,
        generation: u64,
        data: Arc<super::insights::InsightsData>,
    },
    /// The branches and the checked-out one, for the branch picker.
    Branches {
        load: u64,
        result: Result<(Vec<crate::repo::BranchInfo>, Option<String>), String>,
    },
    /// An environment, for the environment screen.
    Env {
        load: u64,
        generation: u64,
        view: Arc<super::envscreen::EnvView>,
    },
    /// One file's diff, for the change screen.
    FileDiff {
        load: u64,
        generation: u64,
        view: Arc<super::changes::FileView>,
    },
    /// The project opened again for load `load` (see [`open`]); the
    /// event loop takes these, for the workers they carry.
    Opened(Box<Opened>),
    /// A signal arrived (see [`spawn_signals`]).
    Signal(i32),
    /// The input thread could not read the terminal.
    InputGone(String),
}

/// What a detail search is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchKind {
    /// The `/` query.
    Query = 0,
    /// The path filter: file and notebook names inside file-change details.
    Path = 1,
}

/// A search of detail contents.
pub struct SearchJob {
    pub kind: SearchKind,
    pub query: String,
    pub generation: u64,
    pub rows: Rows,
    /// Positions in `rows` to search, in order; all when `None`.
    pub only: Option<Vec<usize>>,
}

/// Work for the cell screen's thread.
pub enum CellJob {
    Lineage {
        notebook: String,
        rows: Rows,
        partial: bool,
        generation: u64,
    },
    Compare {
        lineage: Arc<crate::lineage::Lineage>,
        rows: Rows,
        old: usize,
        new: usize,
        generation: u64,
    },
    Changes {
        row: Arc<RecordRow>,
        generation: u64,
    },
    NotebookAt {
        lineage: Arc<crate::lineage::Lineage>,
        rows: Rows,
        notebook: String,
        steps: Vec<Oid>,
        step: usize,
        generation: u64,
    },
    /// The branches, read anew (a fetch may have moved them).
    Branches,
    Env {
        at: Arc<RecordRow>,
        mark: Option<Arc<RecordRow>>,
        generation: u64,
    },
    Insights {
        rows: Rows,
        /// Read while the history was still loading.
        partial: bool,
        generation: u64,
    },
    File {
        changes: Arc<crate::files::Changes>,
        index: usize,
        generation: u64,
    },
}

/// A project opened anew (a branch switch or a reload), or why it could not be.
#[derive(Debug)]
pub struct Opened {
    /// The load its workers and walk send as.
    pub load: u64,
    pub rev: String,
    pub result: Result<Reopened, String>,
}

/// What opening a project anew gave: its workers, running, its name and
/// the directories `s` never saves into.
#[derive(Debug)]
pub struct Reopened {
    pub workers: Workers,
    pub name: String,
    pub repo_dirs: Vec<std::path::PathBuf>,
}

/// Opens the project at `path` on `rev` on a thread of its own (libgit2
/// may take long to open a large repository, and the screen keeps being
/// drawn meanwhile), starts its workers for load `load`, and sends
/// [`Msg::Opened`]; the walk starts after that is sent, so the app knows
/// the new load before any of its records arrive.
pub fn open(
    path: std::path::PathBuf,
    rev: String,
    load: u64,
    syntax: impl Into<SyntaxTheme>,
    cache: CachePolicy,
    tx: Sender<Msg>,
) {
    let syntax: SyntaxTheme = syntax.into();
    std::thread::spawn(move || {
        let opened = Project::open(&path, Some(&rev))
            .and_then(|p| Ok((Workers::jobs(&p, &tx, load, syntax, cache)?, p)))
            .map_err(|e| e.to_string());
        let (result, project) = match opened {
            Ok((workers, project)) => {
                let reopened = Reopened {
                    workers,
                    name: project.name.clone(),
                    repo_dirs: super::effects::repo_dirs(&project),
                };
                (Ok(reopened), Some(project))
            }
            Err(e) => (Err(e), None),
        };
        let msg = Msg::Opened(Box::new(Opened { load, rev, result }));
        if tx.send(msg).is_err() {
            return;
        }
        if let Some(project) = project
            && let Err(e) = Workers::walk(&project, &tx, load)
        {
            let _ = tx.send(Msg::Walk(load, WalkMsg::Done(Err(e))));
        }
    });
}

/// Handles to the worker threads; dropping it lets them end.
pub struct Workers {
    decode: Sender<Vec<Arc<RecordRow>>>,
    cells: Sender<CellJob>,
    /// The history to annotate for the timeline (see [`super::annotations`]).
    annotate: Sender<Rows>,
    search: Sender<SearchJob>,
    /// The newest generation of each kind of search; older ones stop.
    search_generation: Arc<[AtomicU64; 2]>,
    /// Dropped with the workers, which ends the ref watcher.
    _watch: Sender<()>,
}

impl std::fmt::Debug for Workers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workers").finish_non_exhaustive()
    }
}

impl Workers {
    /// Starts the walk, the decoder and the searcher for `project`, sending to `tx`.
    pub fn start(
        project: &Project,
        tx: &Sender<Msg>,
        load: u64,
        syntax: impl Into<SyntaxTheme>,
        cache: CachePolicy,
    ) -> Result<Workers, crate::repo::RepoError> {
        let syntax: SyntaxTheme = syntax.into();
        Self::walk(project, tx, load)?;
        Self::jobs(project, tx, load, syntax, cache)
    }

    /// Starts the walk of `project`'s history, sending as load `load`.
    pub fn walk(
        project: &Project,
        tx: &Sender<Msg>,
        load: u64,
    ) -> Result<(), crate::repo::RepoError> {
        let t = tx.clone();
        project.walk_into(512, true, move |m| t.send(Msg::Walk(load, m)).is_ok())
    }

    /// Starts the threads besides the walk: the decoder, the searcher, the
    /// screens' jobs (whose whole-history lineage goes through the lineage
    /// cache `cache` names) and the ref watcher.
    pub fn jobs(
        project: &Project,
        tx: &Sender<Msg>,
        load: u64,
        syntax: SyntaxTheme,
        cache: CachePolicy,
    ) -> Result<Workers, crate::repo::RepoError> {
        let (decode, decode_rx) = channel::<Vec<Arc<RecordRow>>>();
        let decoder = project.reopen()?;
        let t = tx.clone();
        std::thread::spawn(move || decode_loop(&decoder, &decode_rx, &t, load, syntax));

        let (search, search_rx) = channel::<SearchJob>();
        let searcher = project.reopen()?;
        let generation = Arc::new([AtomicU64::new(0), AtomicU64::new(0)]);
        let g = Arc::clone(&generation);
        let t = tx.clone();
        std::thread::spawn(move || search_loop(&searcher, &search_rx, &g, &t));

        let (cells, cells_rx) = channel::<CellJob>();
        let reader = project.reopen()?;
        let t = tx.clone();
        let c = cache.clone();
        std::thread::spawn(move || cell_loop(&reader, &cells_rx, &t, load, syntax, &c));

        // Its own thread: a whole-history walk must not hold up the screens' jobs.
        let (annotate, annotate_rx) = channel::<Rows>();
        let annotator = project.reopen()?;
        let t = tx.clone();
        std::thread::spawn(move || annotate_loop(&annotator, &annotate_rx, &t, load, &cache));

        let (watch, watch_rx) = channel::<()>();
        let watcher = project.reopen()?;
        let t = tx.clone();
        std::thread::spawn(move || watch_loop(&watcher, &watch_rx, &t, load));

        Ok(Workers {
            _watch: watch,
            annotate,
            decode,
            cells,
            search,
            search_generation: generation,
        })
    }

    pub fn decode(&self, rows: Vec<Arc<RecordRow>>) {
        let _ = self.decode.send(rows);
    }

    pub fn cells(&self, job: CellJob) {
        let _ = self.cells.send(job);
    }

    /// Annotates these rows for the timeline (a newer request replaces a waiting one).
    pub fn annotate(&self, rows: Rows) {
        let _ = self.annotate.send(rows);
    }

    /// Starts a search, abandoning any older one.
    pub fn search(&self, job: SearchJob) {
        if let Some(g) = self.search_generation.get(job.kind as usize) {
            g.store(job.generation, Ordering::SeqCst);
        }
        let _ = self.search.send(job);
    }
}

/// Work for the decoder: a record to decode, or one whose long code cells
/// were highlighted only in part and now get the rest.
enum DecodeJob {
    Record(Arc<RecordRow>),
    Finish(Oid, Box<super::prepare::Prepared>),
}

fn decode_loop(
    project: &Project,
    rx: &Receiver<Vec<Arc<RecordRow>>>,
    tx: &Sender<Msg>,
    load: u64,
    syntax: SyntaxTheme,
) {
    let store = project.details();
    // A stack: the newest request goes first, the user has moved on;
    // finishing long cells waits at the bottom.
    let mut stack: Vec<DecodeJob> = Vec::new();
    loop {
        if stack.is_empty() {
            match rx.recv() {
                Ok(batch) => stack.extend(batch.into_iter().rev().map(DecodeJob::Record)),
                Err(_) => return,
            }
        }
        while let Ok(batch) = rx.try_recv() {
            stack.extend(batch.into_iter().rev().map(DecodeJob::Record));
        }
        let Some(job) = stack.pop() else { continue };
        let (commit, prepared) = match job {
            DecodeJob::Record(row) => {
                let (p, partial) = super::prepare::prepare_upto(
                    project,
                    &store,
                    &row,
                    syntax,
                    super::prepare::QUICK_LINES,
                );
                if partial {
                    stack.insert(0, DecodeJob::Finish(row.commit, Box::new(p.clone())));
                }
                (row.commit, p)
            }
            DecodeJob::Finish(commit, p) => (commit, p.finish()),
        };
        if tx.send(Msg::Details(load, commit, prepared)).is_err() {
            return;
        }
    }
}

/// How often the ref is looked at for new commits.
pub const WATCH_EVERY: std::time::Duration = std::time::Duration::from_millis(1000);

/// Looks at the ref once a second (reading one ref, not the history) and
/// sends the records of any new commits; ends when the workers are dropped.
fn watch_loop(project: &Project, stop: &Receiver<()>, tx: &Sender<Msg>, load: u64) {
    watch_ref(project, project.tip, stop, |known, now| {
        let msg = match project.records_since(now, known) {
            Ok(Some(rows)) => Msg::NewRows { load, rows },
            Ok(None) => Msg::Rewritten { load },
            Err(_) => return None,
        };
        Some(tx.send(msg).is_ok())
    });
}

/// Both timelines' live updates: reads `project`'s ref every [`WATCH_EVERY`] (one ref, not
/// the history) and, when it moved from `known`, calls `moved(known, now)` to read and send
/// what changed. `moved` answers `Some(true)` to go on watching from `now`, `Some(false)` to
/// stop (nobody listens), `None` to try again next time (the ref may be mid-update). Ends
/// when `stop`'s sender is dropped.
pub fn watch_ref(
    project: &Project,
    mut known: Oid,
    stop: &Receiver<()>,
    mut moved: impl FnMut(Oid, Oid) -> Option<bool>,
) {
    loop {
        match stop.recv_timeout(WATCH_EVERY) {
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            _ => return,
        }
        let Some(now) = project.current_tip() else {
            continue;
        };
        if now == known {
            continue;
        }
        match moved(known, now) {
            Some(true) => known = now,
            Some(false) => return,
            None => {}
        }
    }
}

/// Kinds of [`CellJob`], in the order waiting ones are done.
const CELL_JOB_KINDS: usize = 8;

impl CellJob {
    /// Its kind's place in that order: a screen's overview before its
    /// details, as the user opened them.
    fn slot(&self) -> usize {
        match self {
            CellJob::Insights { .. } => 0,
            CellJob::Env { .. } => 1,
            CellJob::Changes { .. } => 2,
            CellJob::File { .. } => 3,
            CellJob::Lineage { .. } => 4,
            CellJob::Compare { .. } => 5,
            CellJob::Branches => 6,
            CellJob::NotebookAt { .. } => 7,
        }
    }
}

/// The screens' work, latest wins: of several waiting jobs of a kind only
/// the newest is done (the user moved on), and the app drops an answer
/// whose generation is not its newest request's.
fn cell_loop(
    project: &Project,
    rx: &Receiver<CellJob>,
    tx: &Sender<Msg>,
    load: u64,
    syntax: SyntaxTheme,
    cache: &CachePolicy,
) {
    let store = project.details();
    loop {
        let Ok(first) = rx.recv() else { return };
        let mut newest: [Option<CellJob>; CELL_JOB_KINDS] = Default::default();
        for job in std::iter::once(first).chain(std::iter::from_fn(|| rx.try_recv().ok())) {
            if let Some(slot) = newest.get_mut(job.slot()) {
                *slot = Some(job);
            }
        }
        for job in newest.into_iter().flatten() {
            let Some(msg) = run_cell_job(project, &store, job, load, syntax, cache) else {
                continue;
            };
            if tx.send(msg).is_err() {
                return;
            }
        }
    }
}

/// One screen job done: the message to send, if there is anything to show.
fn run_cell_job(
    project: &Project,
    store: &crate::repo::DetailStore,
    job: CellJob,
    load: u64,
    syntax: SyntaxTheme,
    cache: &CachePolicy,
) -> Option<Msg> {
    // Lineage of a history still loading covers its newest records only:
    // no cache file would match it, and it must not replace one that does.
    let cache_for = |partial: bool| if partial { &CachePolicy::Off } else { cache };
    Some(match job {
        CellJob::Insights {
            rows,
            partial,
            generation,
        } => {
            let data = Arc::new(super::insights::prepare(project, &rows, cache_for(partial)));
            crate::memory::give_back();
            Msg::Insights {
                load,
                generation,
                data,
            }
        }
        CellJob::Branches => Msg::Branches {
            load,
            result: project
                .branches()
                .map(|list| (list, project.head_branch()))
                .map_err(|e| e.to_string()),
        },
        CellJob::Env {
            at,
            mark,
            generation,
        } => {
            let view = super::envscreen::prepare_env(project, &at, mark.as_deref());
            Msg::Env {
                load,
                generation,
                view: Arc::new(view),
            }
        }
        CellJob::Changes { row, generation } => Msg::Changes {
            load,
            generation,
            result: super::changes::read_changes(project, &row).map(Arc::new),
        },
        CellJob::File {
            changes,
            index,
            generation,
        } => Msg::FileDiff {
            load,
            generation,
            view: Arc::new(super::changes::prepare_file(
                project, &changes, index, syntax,
            )?),
        },
        CellJob::Lineage {
            notebook,
            rows,
            partial,
            generation,
        } => {
            let lineage = Arc::new(super::history::notebook_lineage(
                project,
                &rows,
                &notebook,
                cache_for(partial),
            ));
            crate::memory::give_back();
            Msg::Lineage {
                load,
                generation,
                notebook,
                lineage,
                partial,
            }
        }
        CellJob::NotebookAt {
            lineage,
            rows,
            notebook,
            steps,
            step,
            generation,
        } => {
            let view = super::nbtime::prepare(
                project, store, &lineage, &rows, &notebook, &steps, step, syntax,
            )?;
            Msg::NotebookAt {
                load,
                generation,
                view: Arc::new(view),
            }
        }
        CellJob::Compare {
            lineage,
            rows,
            old,
            new,
            generation,
        } => {
            let view =
                super::history::prepare_pair(project, store, &lineage, &rows, old, new, syntax)?;
            Msg::Compared {
                load,
                generation,
                view: Arc::new(view),
            }
        }
    })
}

/// The timeline's annotations, newest request only (records arriving
/// while one is worked out ask again).
fn annotate_loop(
    project: &Project,
    rx: &Receiver<Rows>,
    tx: &Sender<Msg>,
    load: u64,
    cache: &CachePolicy,
) {
    let store = project.details();
    while let Ok(mut rows) = rx.recv() {
        while let Ok(newer) = rx.try_recv() {
            rows = newer;
        }
        let notes = super::annotations::annotate(project, &store, &rows, cache);
        crate::memory::give_back();
        let msg = Msg::Annotations {
            load,
            notes: Arc::new(notes),
        };
        if tx.send(msg).is_err() {
            return;
        }
    }
}

/// Does any text of these details contain the query?
pub fn details_contain(details: &[Detail], query: &str) -> bool {
    details.iter().any(|d| {
        d.content.iter().any(|c| match c {
            Content::Text { text, .. } => contains_ci(text, query),
            _ => false,
        })
    })
}

fn search_loop(
    project: &Project,
    rx: &Receiver<SearchJob>,
    current: &[AtomicU64; 2],
    tx: &Sender<Msg>,
) {
    let store = project.details();
    let mut queue: Vec<SearchJob> = Vec::new();
    loop {
        if queue.is_empty() {
            match rx.recv() {
                Ok(job) => queue.push(job),
                Err(_) => return,
            }
        }
        // Only the newest job of each kind matters.
        while let Ok(newer) = rx.try_recv() {
            queue.retain(|j| j.kind != newer.kind);
            queue.push(newer);
        }
        let mut job = queue.remove(0);
        let Some(current) = current.get(job.kind as usize) else {
            continue;
        };
        let mut hits = Vec::new();
        let mut cancelled = false;
        let order = job
            .only
            .take()
            .unwrap_or_else(|| (0..job.rows.len()).collect());
        for (n, row) in order.iter().filter_map(|&i| job.rows.get(i)).enumerate() {
            if current.load(Ordering::SeqCst) != job.generation {
                cancelled = true;
                break;
            }
            let details = store.record_details(&row.to_row());
            if details_contain(&details, &job.query) {
                hits.push(row.commit());
            }
            if n % 256 == 255 && !hits.is_empty() {
                let batch = std::mem::take(&mut hits);
                let msg = Msg::SearchHits {
                    kind: job.kind,
                    generation: job.generation,
                    hits: batch,
                    done: false,
                };
                if tx.send(msg).is_err() {
                    return;
                }
            }
        }
        if !cancelled {
            let msg = Msg::SearchHits {
                kind: job.kind,
                generation: job.generation,
                hits,
                done: true,
            };
            if tx.send(msg).is_err() {
                return;
            }
        }
    }
}

/// Reads terminal events on their own thread so the loop waits on one channel.
pub fn spawn_input(tx: Sender<Msg>) {
    std::thread::spawn(move || {
        loop {
            match crossterm::event::read() {
                Ok(ev) => {
                    if tx.send(Msg::Input(ev)).is_err() {
                        return;
                    }
                }
                Err(e) => {
                    let _ = tx.send(Msg::InputGone(e.to_string()));
                    return;
                }
            }
        }
    });
}

/// Whether signal `sig` is ignored now; asked before any handler is set,
/// it says whether the program was started with it ignored (`nohup`, or
/// `&` in a shell without job control, leaves SIGHUP, SIGINT or SIGQUIT
/// ignored; a shell that does no job control may ignore SIGTSTP).
#[cfg(unix)]
pub fn ignored(sig: i32) -> bool {
    // SAFETY: a null new action only reads the current one into a local.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(sig, std::ptr::null(), &mut old) == 0 && old.sa_sigaction == libc::SIG_IGN
    }
}

#[cfg(not(unix))]
pub fn ignored(_sig: i32) -> bool {
    false
}

/// How many times the program has been continued (SIGCONT), counted in
/// the signal handler itself, so the count is up to date as soon as the
/// program runs again, before the message reaches the loop.
static CONTINUED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// See [`CONTINUED`].
pub fn continued() -> usize {
    CONTINUED.load(std::sync::atomic::Ordering::SeqCst)
}

/// Turns signals into messages: SIGTERM, SIGHUP, SIGINT and SIGQUIT end
/// the program with the terminal restored, SIGTSTP suspends it the same
/// way as Ctrl-Z, SIGCONT redraws. A signal the program was started with
/// ignored stays ignored, as the shell (or `nohup`) asked: call this before
/// anything else sets a handler.
pub fn spawn_signals(tx: Sender<Msg>) -> std::io::Result<()> {
    use signal_hook::consts::{SIGCONT, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGTSTP};
    let mut wanted: Vec<i32> = [SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGTSTP]
        .into_iter()
        .filter(|&s| !ignored(s))
        .collect();
    wanted.push(SIGCONT);
    // SAFETY: the handler only adds to an atomic, which is async-signal-safe.
    unsafe {
        signal_hook::low_level::register(SIGCONT, || {
            CONTINUED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        })?;
    }
    let mut signals = signal_hook::iterator::Signals::new(wanted)?;
    std::thread::spawn(move || {
        for sig in signals.forever() {
            if tx.send(Msg::Signal(sig)).is_err() {
                return;
            }
        }
    });
    Ok(())
}
