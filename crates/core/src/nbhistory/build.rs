//! Reads a repository's notebook history: the walk's changes, then every version oldest first,
//! each paired with the version before it so that its cells get their numbers.

use std::collections::{BTreeMap, HashMap};

use git2::Oid;

use super::{CellLife, CellState, EntryCell, NbCommit, NbEntry, NbHistory, NbTrack, Summary};
use crate::files::{PairedBy, pair_cells};
use crate::notebook::{self, Cell, NotebookError, Parts};
use crate::repo::{CommitChanges, Project, RepoError};

/// What a Git LFS pointer file starts with.
const LFS_POINTER: &[u8] = b"version https://git-lfs.github.com/spec/";

/// Reads the whole notebook history of the project's ref.
pub fn build(project: &Project) -> Result<NbHistory, RepoError> {
    let mut changes = Vec::new();
    let stats = project.walk_changes(|c| {
        changes.push(c);
        true
    })?;
    let mut history = build_read_ahead(project, changes);
    history.stats = stats;
    Ok(history)
}

/// Builds with the versions read and scanned ahead on every core (reading and scanning are
/// most of the time, and each version's are independent of the others); the pairing, which
/// depends on the order, stays on this thread, so the result is the same as one thread's.
fn build_read_ahead(project: &Project, changes: Vec<CommitChanges>) -> NbHistory {
    let mut order = Vec::new();
    let mut at = HashMap::new();
    for c in changes.iter().rev() {
        for id in c.notebooks.iter().filter_map(|n| n.new_blob) {
            at.entry(id).or_insert_with(|| {
                order.push(id);
                order.len() - 1
            });
        }
    }
    let workers = readers(project);
    let mut ahead = ReadAhead {
        project,
        order,
        at,
        ready: HashMap::new(),
        filled: 0,
        workers,
    };
    build_with(changes, &mut |id| ahead.get(id))
}

/// Versions a chunk at a time, ahead of the pairing.
struct ReadAhead<'p> {
    project: &'p Project,
    /// Every new version's blob, in the order the pairing asks for them, once each.
    order: Vec<Oid>,
    at: HashMap<Oid, usize>,
    ready: HashMap<Oid, Option<Parsed>>,
    /// `order[..filled]` has been read.
    filled: usize,
    workers: Vec<Project>,
}

/// How many versions are read ahead at once (about 40 KB each once scanned).
const READ_AHEAD: usize = 128;

impl ReadAhead<'_> {
    fn get(&mut self, id: Oid) -> Option<Parsed> {
        if let Some(p) = self.ready.remove(&id) {
            return p;
        }
        if let Some(&i) = self.at.get(&id)
            && i >= self.filled
        {
            self.fill(i);
            if let Some(p) = self.ready.remove(&id) {
                return p;
            }
        }
        // A base asked for again, or a blob read ahead and used already.
        self.project.blob(id).map(|b| read(&b))
    }

    fn fill(&mut self, from: usize) {
        let end = (from + READ_AHEAD).min(self.order.len());
        let chunk = self.order.get(from..end).unwrap_or_default();
        self.filled = end;
        for (id, parsed) in read_parallel(&mut self.workers, chunk) {
            self.ready.insert(id, parsed);
        }
    }
}

/// The repositories reading ahead: one per thread (a repository serves one thread), up to 4.
pub(crate) fn readers(project: &Project) -> Vec<Project> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    (0..threads).filter_map(|_| project.reopen().ok()).collect()
}

/// Reads and scans `ids` split across `workers`, each on its own thread; `None` for a blob the
/// repository lacks. Nothing when there are no workers (the caller reads on its own thread).
pub(crate) fn read_parallel(workers: &mut [Project], ids: &[Oid]) -> Vec<(Oid, Option<Parsed>)> {
    if workers.is_empty() || ids.is_empty() {
        return Vec::new();
    }
    let per = ids.len().div_ceil(workers.len()).max(1);
    let parts: Vec<Vec<(Oid, Option<Parsed>)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = workers
            .iter_mut()
            .zip(ids.chunks(per))
            .map(|(p, ids)| {
                scope.spawn(move || {
                    ids.iter()
                        .map(|&id| (id, p.blob(id).map(|b| read(&b))))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    parts.into_iter().flatten().collect()
}

/// The history of one notebook only: the one at `path` at the ref's tip, or the last one that
/// had that path, followed back through its renames. Every commit is still walked (the tree
/// comparisons are cheap) but only that notebook's versions are read: what `cell` and `diff`
/// need, at a fraction of the whole history's cost.
pub fn build_one(project: &Project, path: &str) -> Result<NbHistory, RepoError> {
    let mut changes = Vec::new();
    let stats = project.walk_changes(|c| {
        changes.push(c);
        true
    })?;
    // Newest first, a rename's old path joins the paths the notebook had.
    let mut paths = std::collections::BTreeSet::from([path.to_string()]);
    for c in &changes {
        for nb in &c.notebooks {
            if let Some(old) = &nb.old_path
                && paths.contains(&nb.path)
            {
                paths.insert(old.clone());
            }
        }
    }
    for c in &mut changes {
        c.notebooks.retain(|nb| paths.contains(&nb.path));
    }
    let mut history = build_read_ahead(project, changes);
    history.stats = stats;
    Ok(history)
}

/// A readable version: its blob, cells, and the cells' numbers.
struct Version {
    blob: Oid,
    cells: Vec<Cell>,
    numbers: Vec<u32>,
}

/// A version's cells, or why it cannot be read.
pub type Parsed = Result<Vec<Cell>, String>;

/// Builds the history from the walk's changes (newest first, as walked) and a reader of blobs.
pub fn build_from(changes: Vec<CommitChanges>, blob: impl Fn(Oid) -> Option<Vec<u8>>) -> NbHistory {
    build_with(changes, &mut |id| blob(id).map(|b| read(&b)))
}

fn build_with(
    changes: Vec<CommitChanges>,
    parsed: &mut dyn FnMut(Oid) -> Option<Parsed>,
) -> NbHistory {
    let mut b = Builder {
        parsed,
        tracks: Vec::new(),
        last_good: Vec::new(),
        by_path: BTreeMap::new(),
        numbers_of: HashMap::new(),
        cells: Vec::new(),
        entries: Vec::new(),
        commits: Vec::new(),
    };
    // Oldest first, so that a version's base has its numbers already.
    for change in changes.into_iter().rev() {
        b.commit(change);
    }
    b.finish()
}

struct Builder<'a> {
    parsed: &'a mut dyn FnMut(Oid) -> Option<Parsed>,
    tracks: Vec<NbTrack>,
    /// Per track, its newest readable version.
    last_good: Vec<Option<Version>>,
    /// The track at each current path.
    by_path: BTreeMap<String, usize>,
    /// The cell numbers of every readable version seen, by blob: a version that is not the
    /// track's newest (a merge's parent, a reverted file) is read again and keeps its numbers.
    numbers_of: HashMap<Oid, Vec<u32>>,
    cells: Vec<CellLife>,
    /// Oldest first while building.
    entries: Vec<NbEntry>,
    commits: Vec<NbCommit>,
}

impl Builder<'_> {
    fn commit(&mut self, c: CommitChanges) {
        let index = self.commits.len();
        let first_entry = self.entries.len();
        for nb in &c.notebooks {
            self.version(index, nb);
        }
        let count = self.entries.len() - first_entry;
        self.commits.push(NbCommit::new(c, first_entry, count));
    }

    fn track_for(&mut self, nb: &crate::repo::NotebookChange) -> usize {
        let from = nb.old_path.as_deref().unwrap_or(&nb.path);
        if let Some(&t) = self.by_path.get(from) {
            if nb.old_path.is_some() {
                self.by_path.remove(from);
                self.by_path.insert(nb.path.clone(), t);
                if let Some(track) = self.tracks.get_mut(t) {
                    track.paths.push(nb.path.clone());
                    track.path = nb.path.clone();
                }
            }
            return t;
        }
        let t = self.tracks.len();
        self.tracks.push(NbTrack {
            path: nb.path.clone(),
            paths: vec![nb.path.clone()],
            entries: Vec::new(),
        });
        self.last_good.push(None);
        self.by_path.insert(nb.path.clone(), t);
        t
    }

    /// The version a new one is paired with: the base blob when it was readable, else the
    /// track's newest readable version (a version after an unreadable one continues from the
    /// last that could be read).
    fn base(&mut self, track: usize, old_blob: Option<Oid>) -> Option<Version> {
        let last = self.last_good.get_mut(track)?;
        match (old_blob, last.as_ref()) {
            (Some(o), Some(v)) if v.blob == o => last.take(),
            (Some(o), _) if self.numbers_of.contains_key(&o) => {
                let numbers = self.numbers_of.get(&o)?.clone();
                let cells = (self.parsed)(o).and_then(Result::ok)?;
                (cells.len() == numbers.len()).then_some(Version {
                    blob: o,
                    cells,
                    numbers,
                })
            }
            _ => last.take(),
        }
    }

    fn version(&mut self, commit: usize, nb: &crate::repo::NotebookChange) {
        let track = self.track_for(nb);
        let entry_index = self.entries.len();
        let mut entry = NbEntry::unread(nb, commit, track);
        let base = self.base(track, nb.old_blob);
        entry.base = base.as_ref().map(|v| v.blob);
        let Some(new_blob) = nb.new_blob else {
            // Deleted: every cell of the last version is gone, and the path is free for a new
            // notebook.
            if let Some(v) = &base {
                entry.removed = v.numbers.clone();
                for &n in &v.numbers {
                    if let Some(life) = self.cells.get_mut(n as usize) {
                        life.removed_in = Some(entry_index);
                    }
                }
            }
            entry.summary.removed = entry.removed.len();
            self.by_path.remove(&nb.path);
            self.push(track, entry);
            return;
        };
        let cells = match (self.parsed)(new_blob) {
            Some(Ok(cells)) => cells,
            Some(Err(e)) => {
                entry.error = Some(e);
                // The track goes on from its last readable version.
                if let (Some(v), Some(slot)) = (base, self.last_good.get_mut(track)) {
                    *slot = Some(v);
                }
                self.push(track, entry);
                return;
            }
            None => {
                entry.error = Some(format!(
                    "blob {new_blob} cannot be read from the repository"
                ));
                if let (Some(v), Some(slot)) = (base, self.last_good.get_mut(track)) {
                    *slot = Some(v);
                }
                self.push(track, entry);
                return;
            }
        };
        let mut numbers = vec![u32::MAX; cells.len()];
        let compared = compare(base.as_ref().map(|v| v.cells.as_slice()), &cells);
        entry.paired_by = compared.paired_by;
        entry.cells = compared.cells;
        if let Some(v) = &base {
            for &(o, n) in &compared.pairs {
                if let (Some(slot), Some(&num)) = (numbers.get_mut(n), v.numbers.get(o)) {
                    *slot = num;
                }
            }
            for &o in &compared.removed {
                if let Some(&num) = v.numbers.get(o) {
                    entry.removed.push(num);
                    if let Some(life) = self.cells.get_mut(num as usize) {
                        life.removed_in = Some(entry_index);
                    }
                }
            }
        }
        for (n, slot) in numbers.iter_mut().enumerate() {
            if *slot == u32::MAX {
                *slot = u32::try_from(self.cells.len()).unwrap_or(u32::MAX - 1);
                self.cells.push(CellLife {
                    notebook: track,
                    ..CellLife::default()
                });
            }
            if let Some(c) = entry.cells.get_mut(n) {
                c.cell = *slot;
            }
        }
        for (n, c) in entry.cells.iter().enumerate() {
            if c.changed()
                && let Some(life) = self.cells.get_mut(c.cell as usize)
            {
                life.versions.push((entry_index, n));
            }
        }
        entry.summary = compared.summary;
        self.numbers_of.insert(new_blob, numbers.clone());
        if let Some(slot) = self.last_good.get_mut(track) {
            *slot = Some(Version {
                blob: new_blob,
                cells,
                numbers,
            });
        }
        self.push(track, entry);
    }

    fn push(&mut self, track: usize, entry: NbEntry) {
        if let Some(t) = self.tracks.get_mut(track) {
            t.entries.push(self.entries.len());
        }
        self.entries.push(entry);
    }

    /// Turns the oldest-first lists newest first (a commit's entries stay in path order),
    /// renumbering the indices into them.
    fn finish(self) -> NbHistory {
        let ne = self.entries.len();
        let nc = self.commits.len();
        let mut at = vec![0usize; ne];
        let mut next = 0;
        let mut commits = self.commits;
        commits.reverse();
        for c in &mut commits {
            for (k, old) in (c.first_entry..c.first_entry + c.entry_count).enumerate() {
                if let Some(slot) = at.get_mut(old) {
                    *slot = next + k;
                }
            }
            c.first_entry = next;
            next += c.entry_count;
        }
        let map = |i: usize| at.get(i).copied().unwrap_or(i);
        let mut slots: Vec<Option<NbEntry>> = vec![None; ne];
        for (old, mut e) in self.entries.into_iter().enumerate() {
            e.commit = nc - 1 - e.commit;
            if let Some(slot) = slots.get_mut(map(old)) {
                *slot = Some(e);
            }
        }
        let entries: Vec<NbEntry> = slots.into_iter().flatten().collect();
        let mut notebooks = self.tracks;
        for t in &mut notebooks {
            t.entries = t.entries.iter().rev().map(|&i| map(i)).collect();
        }
        let mut cells = self.cells;
        for c in &mut cells {
            c.versions = c.versions.iter().rev().map(|&(e, n)| (map(e), n)).collect();
            c.removed_in = c.removed_in.map(map);
        }
        NbHistory {
            commits,
            entries,
            notebooks,
            cells,
            stats: Default::default(),
        }
    }
}

/// One version against the one before it, cell by cell.
pub struct Compared {
    /// `(base index, new index)` of the cells paired.
    pub pairs: Vec<(usize, usize)>,
    /// Base cells with no partner.
    pub removed: Vec<usize>,
    /// Every new cell, numbered [`UNNUMBERED`].
    pub cells: Vec<EntryCell>,
    pub summary: Summary,
    pub paired_by: Option<PairedBy>,
}

/// What a cell's number is before the whole history numbers it.
pub const UNNUMBERED: u32 = u32::MAX;

/// Compares a version's cells with its base's (`None`: the notebook is new).
pub fn compare(base: Option<&[Cell]>, cells: &[Cell]) -> Compared {
    let mut out = Compared {
        pairs: Vec::new(),
        removed: Vec::new(),
        cells: Vec::with_capacity(cells.len()),
        summary: Summary::default(),
        paired_by: None,
    };
    let Some(old) = base else {
        out.cells = cells
            .iter()
            .map(|c| describe(c, None, CellState::Added))
            .collect();
        out.summary = summarize(&out.cells, 0);
        return out;
    };
    let pairing = pair_cells(old, cells);
    out.paired_by = Some(pairing.by);
    let mut old_of: Vec<Option<(usize, bool)>> = vec![None; cells.len()];
    let mut base_paired = vec![false; old.len()];
    for (k, &(o, n)) in pairing.pairs.iter().enumerate() {
        let moved = pairing.moved.get(k).copied().unwrap_or(false);
        if let (Some(slot), Some(p)) = (old_of.get_mut(n), base_paired.get_mut(o)) {
            *slot = Some((o, moved));
            *p = true;
        }
    }
    out.removed = (0..old.len())
        .filter(|&o| !base_paired.get(o).copied().unwrap_or(true))
        .collect();
    for (n, cell) in cells.iter().enumerate() {
        let found = old_of
            .get(n)
            .copied()
            .flatten()
            .and_then(|(o, moved)| Some((old.get(o)?, moved)));
        let state = match found {
            None => CellState::Added,
            Some((o, moved)) => {
                let same = o.kind == cell.kind
                    && notebook::normalize(&o.source) == notebook::normalize(&cell.source);
                match (same, moved) {
                    (false, _) => CellState::Modified,
                    (true, true) => CellState::Moved,
                    (true, false) => CellState::Unchanged,
                }
            }
        };
        out.cells.push(describe(cell, found.map(|f| f.0), state));
    }
    out.pairs = pairing.pairs;
    out.summary = summarize(&out.cells, out.removed.len());
    out
}

/// A cell of a new version against its base cell.
fn describe(cell: &Cell, old: Option<&Cell>, state: CellState) -> EntryCell {
    let mut c = EntryCell {
        cell: UNNUMBERED,
        kind: cell.kind,
        state,
        count: cell.execution_count,
        rerun: false,
        outputs_changed: false,
        cleared: false,
        has_error: cell.has_error,
        new_error: cell.has_error,
    };
    if let Some(old) = old {
        c.new_error = cell.has_error && !old.has_error;
        let had = old.execution_count.is_some() || old.outputs_digest != 0;
        c.cleared = cell.execution_count.is_none() && cell.outputs_digest == 0 && had;
        if !c.cleared {
            c.outputs_changed = cell.outputs_digest != old.outputs_digest;
            c.rerun = state != CellState::Modified
                && cell.execution_count.is_some()
                && cell.execution_count != old.execution_count;
        }
    }
    c
}

fn summarize(cells: &[EntryCell], removed: usize) -> Summary {
    let mut s = Summary {
        removed,
        ..Summary::default()
    };
    for c in cells {
        match c.state {
            CellState::Added => s.added += 1,
            CellState::Modified => s.edited += 1,
            CellState::Moved => s.moved += 1,
            CellState::Unchanged => {}
        }
        if c.state != CellState::Modified && c.state != CellState::Added {
            s.rerun += usize::from(c.rerun);
            s.outputs += usize::from(c.outputs_changed);
        }
        s.cleared += usize::from(c.cleared);
        s.new_errors += usize::from(c.new_error);
        s.unchanged += usize::from(!c.changed());
    }
    s
}

/// A version's cells, or why it cannot be read, said for a person.
pub(crate) fn read(bytes: &[u8]) -> Result<Vec<Cell>, String> {
    if bytes.starts_with(LFS_POINTER) {
        return Err("a Git LFS pointer: the notebook itself is stored outside git".into());
    }
    match notebook::read(bytes, Parts::Sources) {
        Ok(nb) => Ok(nb.cells),
        Err(e) => {
            if let Some(line) = conflict_line(bytes) {
                return Err(format!("merge-conflict markers (<<<<<<<) at line {line}"));
            }
            Err(match e {
                NotebookError::NotJson(m) if m.contains("EOF") => {
                    format!("cut off: {m}")
                }
                e => e.to_string(),
            })
        }
    }
}

/// The line (from 1) of the first merge-conflict marker, if any.
fn conflict_line(bytes: &[u8]) -> Option<usize> {
    let mut line = 1;
    let mut start = true;
    for (i, &b) in bytes.iter().enumerate() {
        if start && bytes.get(i..i + 8) == Some(b"<<<<<<< ".as_slice()) {
            return Some(line);
        }
        start = b == b'\n';
        line += usize::from(start);
    }
    None
}
