//! The notebook timeline kept up to date and read anew, as the activity timeline is: `r` reads
//! the history again keeping the selection; `b` lists the branches and reads the chosen one in
//! place; while the timeline is open, the ref (one ref, not the history) is read once a second
//! with the activity timeline's watcher (`worker::watch_ref`), the commits made since are read
//! on their own and put on top (`▲ N new` until the top is visited, the selection on the same
//! row), and a ref moved to something that does not contain what was read (a reset, a rebase)
//! is read again, keeping the selection.
//!
//! Each read of the history is a load, numbered; whatever a thread sends carries its load, and
//! the app drops what is not for the load it shows, so what is shown never depends on which
//! thread answered first.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

use git2::Oid;
use ratatui::layout::Rect;
use ratatui::text::Span;

use super::{NbApp, NbEffect, NbMsg, NbRow};
use crate::nbhistory::{self, NbCommit, NbEntry, NbHistory};
use crate::repo::{BranchInfo, Project};
use crate::tui::app::Opening;
use crate::tui::keymap::Action;
use crate::tui::views::{Look, plain};

/// Which history is shown and how it is kept up to date.
#[derive(Debug, Clone, Default)]
pub struct Live {
    /// The load shown: messages for any other are dropped.
    pub load: u64,
    /// The revision read, as `--rev` takes it (`HEAD` by default).
    pub rev: String,
    /// The commit the rows were read up to (the walk's tip, then the newest commit put on top).
    pub tip: Option<Oid>,
    /// The commit this load's walk started from: its whole-history build is stale once newer
    /// commits came on top (a rebuild for those is on the way).
    pub walked: Option<Oid>,
    /// Rows put on top since the top of the timeline was last visited.
    pub new_rows: usize,
    /// The row to select again once a new read brings it back.
    pub reselect: Option<(Oid, Option<String>)>,
    /// The history being opened anew, while the rows read before stay on screen.
    pub opening: Option<Opening>,
    /// What the status bar says while it is read (`reloading…`): it goes when the walk ends,
    /// unless something else was said meanwhile.
    pub note: Option<String>,
}

impl Live {
    pub fn new(rev: &str, tip: Oid) -> Live {
        Live {
            rev: rev.to_string(),
            tip: Some(tip),
            walked: Some(tip),
            ..Live::default()
        }
    }
}

/// What the live threads tell the loop.
pub enum LiveMsg {
    /// A message of load `.0`'s walk.
    Walk(u64, Box<NbMsg>),
    /// The repository opened anew for `load` at `rev`: its name and the ref's commit.
    Opened {
        load: u64,
        result: Result<(String, Oid), String>,
    },
    /// Commits made on the ref since the rows were read, newest first, up to `tip`.
    NewCommits {
        load: u64,
        tip: Oid,
        batch: Vec<(NbCommit, Vec<NbEntry>)>,
    },
    /// The ref moved to something that does not contain what was read.
    Rewritten { load: u64 },
    /// The whole history built again up to `tip`, for the cell history.
    Rebuilt {
        load: u64,
        tip: Oid,
        result: Result<Arc<NbHistory>, String>,
    },
    /// The branches and the checked-out one, for the picker.
    Branches(Result<(Vec<BranchInfo>, Option<String>), String>),
}

/// What the loop must start for the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveEffect {
    /// Open the repository at `rev` and walk it as load `load`.
    Open {
        load: u64,
        rev: String,
    },
    /// Watch `rev`'s ref from `tip` for load `load` (the watcher before ends).
    Watch {
        load: u64,
        rev: String,
        tip: Oid,
    },
    /// Build the whole history up to `tip` again (commits came on top).
    Rebuild {
        load: u64,
        tip: Oid,
    },
    ListBranches,
}

/// Rows of commits as the walk gives them: a row per notebook changed, or (with
/// `--all-commits`) one for a commit that changed none; and the commits that changed an
/// environment file, each with where its rows start among all rows read (`first` is where
/// these go), for the environment screen's steps (such a commit may have no row).
pub(super) fn rows_of(
    batch: Vec<(NbCommit, Vec<NbEntry>)>,
    all_commits: bool,
    first: usize,
) -> (Vec<NbRow>, Vec<(usize, Arc<NbCommit>)>) {
    let mut rows = Vec::new();
    let mut envs = Vec::new();
    for (commit, entries) in batch {
        let commit = Arc::new(commit);
        if !commit.env_files.is_empty() {
            envs.push((first + rows.len(), Arc::clone(&commit)));
        }
        if entries.is_empty() {
            if all_commits {
                rows.push(NbRow {
                    commit,
                    entry: None,
                });
            }
            continue;
        }
        for e in entries {
            rows.push(NbRow {
                commit: Arc::clone(&commit),
                entry: Some(Arc::new(e)),
            });
        }
    }
    (rows, envs)
}

impl NbApp {
    /// `r` and `b`, from either pane.
    pub(super) fn live_action(&mut self, action: Action) -> Option<Vec<NbEffect>> {
        match action {
            Action::Refresh => Some(self.begin_open(&self.live.rev.clone(), true)),
            Action::Branches => Some(vec![NbEffect::Live(LiveEffect::ListBranches)]),
            _ => None,
        }
    }

    /// Asks for `rev` to be read anew (`reload`: the one shown, else a switch to it). The rows
    /// read before stay until it is open; the latest request wins.
    pub fn begin_open(&mut self, rev: &str, reload: bool) -> Vec<NbEffect> {
        let load = self
            .live
            .opening
            .as_ref()
            .map_or(self.live.load, |o| o.load.max(self.live.load))
            + 1;
        self.live.opening = Some(Opening {
            load,
            rev: rev.to_string(),
            reload,
        });
        let note = if reload {
            "reloading…".to_string()
        } else {
            format!("reading {}", crate::render::sanitize::line(rev))
        };
        self.flash = Some(note.clone());
        self.live.note = Some(note);
        vec![NbEffect::Live(LiveEffect::Open {
            load,
            rev: rev.to_string(),
        })]
    }

    /// The branch chosen in the picker.
    pub(super) fn switch_to(&mut self, rev: String) -> Vec<NbEffect> {
        if rev == self.live.rev {
            return Vec::new();
        }
        self.begin_open(&rev, false)
    }

    /// Forgets the rows read, for load `load`, keeping the filter, the search and the selected
    /// row (selected again when it comes back). Decoded versions stay: they are kept by blob.
    fn reset(&mut self, load: u64) {
        self.live.reselect = self
            .current()
            .map(|r| (r.commit.id, r.entry.as_ref().map(|e| e.path.clone())));
        self.live.load = load;
        self.live.new_rows = 0;
        self.rows.clear();
        self.narrow.all.clear();
        self.env_commits.clear();
        self.selected = 0;
        self.offset = 0;
        self.pane_scroll = 0;
        self.commits_seen = 0;
        self.loading = true;
        self.stats = None;
        self.load_error = None;
        self.history = None;
        self.asked.clear();
    }

    /// After rows from `from` on were added: the row to select again, if it is among them.
    pub(super) fn reselect_in(&mut self, from: usize) -> bool {
        let Some((id, path)) = &self.live.reselect else {
            return false;
        };
        let want = (*id, path.as_deref());
        let Some(at) = self
            .rows
            .iter()
            .skip(from)
            .position(|r| r.id() == want)
            .map(|k| k + from)
        else {
            return false;
        };
        self.live.reselect = None;
        self.selected = at;
        self.fit_offset();
        true
    }

    /// Commits made since the rows were read, newest first: they go on top, the selection and
    /// the screen stay on the same rows.
    pub fn put_on_top(&mut self, batch: Vec<(NbCommit, Vec<NbEntry>)>) -> Vec<NbEffect> {
        self.commits_seen += batch.len();
        let (new, mut envs) = rows_of(batch, self.all_commits, 0);
        // The rows read before move down by the new ones.
        for e in &mut self.env_commits {
            e.0 += new.len();
        }
        envs.append(&mut self.env_commits);
        self.env_commits = envs;
        let shown: Vec<NbRow> = new
            .iter()
            .filter(|r| super::filter::passes(&self.narrow.filter, r))
            .cloned()
            .collect();
        let added = shown.len();
        let had = !self.rows.is_empty();
        let mut all = new;
        all.append(&mut self.narrow.all);
        self.narrow.all = all;
        let mut rows = shown;
        rows.append(&mut self.rows);
        self.rows = rows;
        if had {
            self.selected += added;
            // At the top of the timeline the new rows show above the selection; scrolled
            // down, the screen stays where it was.
            if self.offset > 0 {
                self.offset += added;
            }
        }
        self.fit_offset();
        self.live.new_rows += added;
        self.wanted()
    }

    /// The top was visited: the new rows are seen.
    pub(super) fn seen_top(&mut self) {
        if self.selected == 0 {
            self.live.new_rows = 0;
        }
    }

    /// One message of the live threads.
    pub fn live_msg(&mut self, msg: LiveMsg, size: Option<Rect>) -> Vec<NbEffect> {
        match msg {
            LiveMsg::Walk(load, _) if load != self.live.load => Vec::new(),
            LiveMsg::Walk(_, inner) => match *inner {
                // The walk's build is of the history it walked: stale when commits came on
                // top since (the rebuild asked for then answers instead).
                NbMsg::Built(_) if self.live.walked != self.live.tip => Vec::new(),
                NbMsg::WalkDone(r) => {
                    self.live.reselect = None;
                    if self
                        .live
                        .note
                        .take()
                        .is_some_and(|n| self.flash.as_ref() == Some(&n))
                    {
                        self.flash = None;
                    }
                    self.handle(NbMsg::WalkDone(r), size)
                }
                other => self.handle(other, size),
            },
            LiveMsg::Opened { load, result } => self.opened(load, result),
            LiveMsg::NewCommits { load, .. } | LiveMsg::Rewritten { load }
                if load != self.live.load =>
            {
                // Read anew already: the newer load has them.
                Vec::new()
            }
            // Being read anew already (or switched): that read sees the rewritten ref.
            LiveMsg::Rewritten { .. } if self.live.opening.is_some() => Vec::new(),
            LiveMsg::NewCommits { load, tip, batch } => {
                self.live.tip = Some(tip);
                let mut fx = self.put_on_top(batch);
                fx.push(NbEffect::Live(LiveEffect::Rebuild { load, tip }));
                fx
            }
            LiveMsg::Rewritten { .. } => {
                let fx = self.begin_open(&self.live.rev.clone(), true);
                let note = "the branch was rewritten: reading it again…".to_string();
                self.flash = Some(note.clone());
                self.live.note = Some(note);
                fx
            }
            LiveMsg::Rebuilt { load, tip, result } => {
                if load == self.live.load && self.live.tip == Some(tip) {
                    self.built(result)
                } else {
                    Vec::new()
                }
            }
            LiveMsg::Branches(result) => {
                match crate::tui::picker::branch_choice(result, &self.live.rev) {
                    Ok(p) => self.narrow.picker = Some(p),
                    Err(say) => self.flash = Some(say),
                }
                Vec::new()
            }
        }
    }

    /// The repository opened for load `load`, or why not. The latest request's answer takes
    /// over: the rows read before go, for the new walk's, and the watcher follows the new ref.
    fn opened(&mut self, load: u64, result: Result<(String, Oid), String>) -> Vec<NbEffect> {
        if self.live.opening.as_ref().map(|o| o.load) != Some(load) {
            return Vec::new();
        }
        let Some(o) = self.live.opening.take() else {
            return Vec::new();
        };
        match result {
            Ok((name, tip)) => {
                self.reset(load);
                self.live.tip = Some(tip);
                self.live.walked = Some(tip);
                if !o.reload {
                    self.live.rev = o.rev;
                    self.name = name;
                }
                vec![NbEffect::Live(LiveEffect::Watch {
                    load,
                    rev: self.live.rev.clone(),
                    tip,
                })]
            }
            Err(err) => {
                // The rows read before stay, and so does their watcher.
                self.live.note = None;
                self.flash = Some(if o.reload {
                    format!("reload failed: {}", crate::render::sanitize::line(&err))
                } else {
                    format!(
                        "cannot read {}: {}",
                        crate::render::sanitize::line(&o.rev),
                        crate::render::sanitize::line(&err)
                    )
                });
                Vec::new()
            }
        }
    }
}

/// The status bar's part: the revision read, `▲ N new`, the filter and how many rows of how
/// many it lets through.
pub fn status_spans(app: &NbApp, look: &Look<'_>) -> Vec<Span<'static>> {
    let t = look.theme;
    let mut spans = Vec::new();
    if app.live.rev != "HEAD" {
        spans.push(Span::styled(
            format!(" {} ", crate::render::sanitize::line(&app.live.rev)),
            t.status,
        ));
    }
    if app.live.new_rows > 0 {
        let up = if look.ascii { "^" } else { "▲" };
        spans.push(Span::styled(
            format!(" {up} {} new ", app.live.new_rows),
            t.status_key,
        ));
    }
    let f = &app.narrow.filter;
    if !f.is_empty() {
        spans.push(Span::styled(
            plain(
                &format!(
                    " filter: {} · {} of {} ",
                    crate::render::sanitize::line(&f.summary()),
                    app.rows.len(),
                    app.narrow.all.len()
                ),
                look.ascii,
            ),
            t.warning,
        ));
    }
    spans
}

/// The live threads: opening anew, the ref watcher, the rebuild, the branch list.
pub struct Threads {
    path: PathBuf,
    tx: Sender<NbMsg>,
    /// Dropped to end the watcher.
    watch: Option<Sender<()>>,
    rebuild: Sender<(u64, Oid)>,
}

impl Threads {
    pub fn new(path: PathBuf, tx: Sender<NbMsg>) -> Threads {
        let (rebuild, jobs) = channel();
        let (p, t) = (path.clone(), tx.clone());
        std::thread::spawn(move || rebuild_loop(&p, &jobs, &t));
        Threads {
            path,
            tx,
            watch: None,
            rebuild,
        }
    }

    pub fn run(&mut self, e: LiveEffect) {
        let (path, tx) = (self.path.clone(), self.tx.clone());
        match e {
            LiveEffect::Open { load, rev } => {
                std::thread::spawn(move || {
                    let opened = Project::open(&path, Some(&rev)).map_err(|e| e.to_string());
                    let result = opened.as_ref().map(|p| (p.name.clone(), p.tip));
                    let msg = NbMsg::Live(LiveMsg::Opened {
                        load,
                        result: result.map_err(Clone::clone),
                    });
                    // The walk starts after the app knows the new load.
                    if tx.send(msg).is_ok()
                        && let Ok(project) = opened
                    {
                        super::spawn_walk(project, tx, load);
                    }
                });
            }
            LiveEffect::Watch { load, rev, tip } => {
                let (stop, stopped) = channel();
                // The watcher before sees its sender go, and ends.
                self.watch = Some(stop);
                std::thread::spawn(move || {
                    if let Ok(project) = Project::open(&path, Some(&rev)) {
                        watch(&project, tip, &stopped, &tx, load);
                    }
                });
            }
            LiveEffect::Rebuild { load, tip } => {
                let _ = self.rebuild.send((load, tip));
            }
            LiveEffect::ListBranches => {
                std::thread::spawn(move || {
                    let result = Project::open(&path, None)
                        .and_then(|p| Ok((p.branches()?, p.head_branch())))
                        .map_err(|e| e.to_string());
                    let _ = tx.send(NbMsg::Live(LiveMsg::Branches(result)));
                });
            }
        }
    }
}

/// The ref watched from `tip`: the commits since, or that it was rewritten.
fn watch(project: &Project, tip: Oid, stop: &Receiver<()>, tx: &Sender<NbMsg>, load: u64) {
    crate::tui::worker::watch_ref(project, tip, stop, |known, now| {
        let msg = match nbhistory::stream_since(project, now, known) {
            Ok(Some(batch)) => LiveMsg::NewCommits {
                load,
                tip: now,
                batch,
            },
            Ok(None) => LiveMsg::Rewritten { load },
            Err(_) => return None,
        };
        Some(tx.send(NbMsg::Live(msg)).is_ok())
    });
}

/// Builds the whole history again for the newest of the waiting requests (each takes as long
/// as the first build; requests made meanwhile are for newer tips).
fn rebuild_loop(path: &std::path::Path, jobs: &Receiver<(u64, Oid)>, tx: &Sender<NbMsg>) {
    while let Ok(mut job) = jobs.recv() {
        while let Ok(newer) = jobs.try_recv() {
            job = newer;
        }
        let (load, tip) = job;
        let result = Project::open(path, Some(&tip.to_string()))
            .map_err(|e| e.to_string())
            .and_then(|p| nbhistory::build(&p).map_err(|e| e.to_string()))
            .map(Arc::new);
        if tx
            .send(NbMsg::Live(LiveMsg::Rebuilt { load, tip, result }))
            .is_err()
        {
            return;
        }
    }
}
