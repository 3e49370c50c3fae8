//! The notebook history as it is walked, newest first, for what can show a commit before the
//! rest is read (`log`, the timeline's first screen): each version compared with its first
//! parent's, cells not yet numbered across the history. [`stream_since`] reads only the
//! commits made since a known one, for the timeline's live updates.

use std::collections::{HashMap, HashSet};

use git2::Oid;

use super::build::{Parsed, UNNUMBERED, compare, read};
use super::{NbCommit, NbEntry};
use crate::notebook::Cell;
use crate::repo::{CommitChanges, Project, RepoError, WalkStats, changes_of};

/// Walks the history newest first, calling `each` with every commit and its entries (cells
/// [`UNNUMBERED`], `notebook` 0); `each` returns false to stop.
pub fn stream(
    project: &Project,
    each: impl FnMut(NbCommit, Vec<NbEntry>) -> bool,
) -> Result<WalkStats, RepoError> {
    stream_reading_on(project, 4, each)
}

/// [`stream`], reading ahead on at most `threads` threads (1: everything on this one). The
/// answer is the same for any number.
pub fn stream_reading_on(
    project: &Project,
    threads: usize,
    mut each: impl FnMut(NbCommit, Vec<NbEntry>) -> bool,
) -> Result<WalkStats, RepoError> {
    let mut workers = super::build::readers(project);
    workers.truncate(threads);
    let mut s = Streamer {
        project,
        kept: HashMap::new(),
        tick: 0,
        workers,
        ready: HashMap::new(),
    };
    let mut pending = Vec::new();
    // The first commit goes alone, so the first line is out before any batch is read; then
    // batches double up to their size, to keep every core reading.
    let mut batch = 1usize;
    let mut going = true;
    let stats = project.walk_changes(|c| {
        pending.push(c);
        if pending.len() >= batch {
            going = s.flush(std::mem::take(&mut pending), &mut each);
            batch = (batch * 2).min(STREAM_BATCH);
        }
        going
    })?;
    if going {
        s.flush(pending, &mut each);
    }
    Ok(stats)
}

/// A commit and its entries, as [`stream`] gives them.
pub type Streamed = (NbCommit, Vec<NbEntry>);

/// The commits reachable from `new` but not from `old`, newest first, with their entries as
/// [`stream`] gives them; `None` when `old` is not an ancestor of `new` (a reset or a rebase:
/// what was read from `old` may be gone). Reads only those commits, however long the history.
pub fn stream_since(
    project: &Project,
    new: Oid,
    old: Oid,
) -> Result<Option<Vec<Streamed>>, RepoError> {
    let Some(commits) = project.commits_since(new, old)? else {
        return Ok(None);
    };
    // A few commits: read on this thread.
    let mut s = Streamer {
        project,
        kept: HashMap::new(),
        tick: 0,
        workers: Vec::new(),
        ready: HashMap::new(),
    };
    let mut out = Vec::with_capacity(commits.len());
    for commit in &commits {
        out.push(s.one(changes_of(project.repo(), commit)?));
    }
    Ok(Some(out))
}

/// Commits whose versions are read ahead together, across the cores.
const STREAM_BATCH: usize = 64;

type Kept = HashMap<String, (Oid, Parsed, u64)>;

struct Streamer<'p> {
    project: &'p Project,
    // Walking newest first, a commit's base is the version the next older commit touching
    // that notebook wrote: the base read for each path is kept until then, so each blob is
    // read once (a bounded number of paths, the least recently used dropped first).
    kept: Kept,
    tick: u64,
    workers: Vec<Project>,
    /// Versions read ahead for the batch being handed out.
    ready: HashMap<Oid, Option<Parsed>>,
}

impl Streamer<'_> {
    /// Reads the batch's versions ahead on the workers, then compares and hands out each
    /// commit in order on this thread (what is handed out does not depend on the threads).
    fn flush(
        &mut self,
        batch: Vec<CommitChanges>,
        each: &mut impl FnMut(NbCommit, Vec<NbEntry>) -> bool,
    ) -> bool {
        let mut wanted = Vec::new();
        let mut seen = HashSet::new();
        for c in &batch {
            for nb in &c.notebooks {
                let before = nb.old_path.as_deref().unwrap_or(&nb.path);
                for (path, id) in [(nb.path.as_str(), nb.new_blob), (before, nb.old_blob)] {
                    let Some(id) = id else { continue };
                    let known = self.kept.get(path).is_some_and(|k| k.0 == id);
                    if !known && seen.insert(id) {
                        wanted.push(id);
                    }
                }
            }
        }
        // With one core there is nothing to gain from reading ahead: read as asked.
        if self.workers.len() > 1 {
            self.ready = super::build::read_parallel(&mut self.workers, &wanted)
                .into_iter()
                .collect();
        }
        for c in batch {
            let (commit, entries) = self.one(c);
            if !each(commit, entries) {
                self.ready.clear();
                return false;
            }
        }
        self.ready.clear();
        true
    }

    fn read_blob(&mut self, path: &str, id: Oid) -> Parsed {
        match self.kept.remove(path) {
            Some((k, parsed, _)) if k == id => parsed,
            _ => match self.ready.remove(&id).flatten() {
                Some(parsed) => parsed,
                None => match self.project.blob(id) {
                    Some(b) => read(&b),
                    None => Err(format!("blob {id} cannot be read from the repository")),
                },
            },
        }
    }

    fn one(&mut self, c: CommitChanges) -> (NbCommit, Vec<NbEntry>) {
        self.tick += 1;
        let mut entries = Vec::with_capacity(c.notebooks.len());
        for nb in &c.notebooks {
            let new = nb.new_blob.map(|id| self.read_blob(&nb.path, id));
            let before = nb.old_path.as_deref().unwrap_or(&nb.path);
            let old = nb.old_blob.map(|id| self.read_blob(before, id));
            let (entry, _) = entry_of(nb, new.as_ref(), old.as_ref());
            if let (Some(id), Some(o)) = (nb.old_blob, old) {
                self.kept.insert(before.to_string(), (id, o, self.tick));
            }
            entries.push(entry);
        }
        if self.kept.len() > KEPT_PATHS
            && let Some(oldest) = self
                .kept
                .iter()
                .min_by_key(|(p, v)| (v.2, (*p).clone()))
                .map(|(p, _)| p.clone())
        {
            self.kept.remove(&oldest);
        }
        let count = entries.len();
        (NbCommit::new(c, 0, count), entries)
    }
}

/// How many notebooks' next versions are kept while walking (a repository of more notebooks
/// reads some blobs twice).
const KEPT_PATHS: usize = 512;

/// One notebook's change at a commit, its version compared with the one before (either may be
/// unreadable), and the `(base index, new index)` pairs of the cells (empty without a base).
/// Cells are [`UNNUMBERED`]: nothing here knows the rest of the history.
pub fn entry_of(
    nb: &crate::repo::NotebookChange,
    new: Option<&Parsed>,
    old: Option<&Parsed>,
) -> (NbEntry, Vec<(usize, usize)>) {
    let mut entry = NbEntry::unread(nb, 0, 0);
    let mut pairs = Vec::new();
    entry.base = nb.old_blob;
    // An unreadable base is no evidence: the version's cells are shown as they are.
    let base = old.and_then(|o| o.as_ref().ok()).map(Vec::as_slice);
    entry.base_unreadable = old.is_some_and(|o| o.is_err());
    match new {
        None => {
            let n = base.map_or(0, <[Cell]>::len);
            entry.removed = vec![UNNUMBERED; n];
            entry.summary.removed = n;
        }
        Some(Err(e)) => entry.error = Some(e.clone()),
        Some(Ok(cells)) if entry.base_unreadable => {
            entry.cells = compare(None, cells).cells;
            for c in &mut entry.cells {
                c.state = super::CellState::Unchanged;
            }
        }
        Some(Ok(cells)) => {
            let compared = compare(base, cells);
            entry.removed = vec![UNNUMBERED; compared.removed.len()];
            entry.cells = compared.cells;
            entry.summary = compared.summary;
            entry.paired_by = compared.paired_by;
            pairs = compared.pairs;
        }
    }
    (entry, pairs)
}
