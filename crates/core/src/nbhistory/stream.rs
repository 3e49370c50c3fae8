//! The notebook history as it is walked, newest first, for what can show a commit before the
//! rest is read (`log`, the timeline's first screen): each version compared with its first
//! parent's, cells not yet numbered across the history. [`stream_since`] reads only the
//! commits made since a known one, for the timeline's live updates.

use std::collections::HashMap;

use git2::Oid;

use super::build::{Parsed, UNNUMBERED, compare, read};
use super::{NbCommit, NbEntry};
use crate::notebook::Cell;
use crate::repo::{CommitChanges, Project, RepoError, WalkStats, changes_of};

/// Walks the history newest first, calling `each` with every commit and its entries (cells
/// [`UNNUMBERED`], `notebook` 0); `each` returns false to stop.
pub fn stream(
    project: &Project,
    mut each: impl FnMut(NbCommit, Vec<NbEntry>) -> bool,
) -> Result<WalkStats, RepoError> {
    let mut reader = Reader::default();
    project.walk_changes(|c| {
        let entries = reader.entries(project, &c);
        let count = entries.len();
        each(NbCommit::new(c, 0, count), entries)
    })
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
    let repo = project.repo();
    if new == old {
        return Ok(Some(Vec::new()));
    }
    let descends = repo
        .graph_descendant_of(new, old)
        .map_err(|e| RepoError::git(format!("comparing {new} with {old}"), e))?;
    if !descends {
        return Ok(None);
    }
    // Hiding `old` stops the walk where the known history begins (a merge's other side
    // included), so only the new commits are read.
    let mut walk = repo
        .revwalk()
        .map_err(|e| RepoError::git("starting a walk".to_string(), e))?;
    walk.set_sorting(git2::Sort::TIME)
        .map_err(|e| RepoError::git("sorting a walk".to_string(), e))?;
    walk.push(new)
        .map_err(|e| RepoError::git(format!("walking from {new}"), e))?;
    walk.hide(old)
        .map_err(|e| RepoError::git(format!("hiding {old}"), e))?;
    let mut reader = Reader::default();
    let mut out = Vec::new();
    for id in walk {
        let id = id.map_err(|e| RepoError::git("walking new commits".to_string(), e))?;
        let commit = repo
            .find_commit(id)
            .map_err(|e| RepoError::git(format!("reading commit {id}"), e))?;
        let c = changes_of(repo, &commit)?;
        let entries = reader.entries(project, &c);
        let count = entries.len();
        out.push((NbCommit::new(c, 0, count), entries));
    }
    Ok(Some(out))
}

/// Reads each commit's notebook versions and their bases, newest first.
#[derive(Default)]
struct Reader {
    /// Walking newest first, a commit's base is the version the next older commit touching
    /// that notebook wrote: the base read for each path is kept until then, so each blob is
    /// read once (a bounded number of paths, the least recently used dropped first).
    kept: HashMap<String, (Oid, Parsed, u64)>,
    tick: u64,
}

impl Reader {
    fn entries(&mut self, project: &Project, c: &CommitChanges) -> Vec<NbEntry> {
        self.tick += 1;
        let tick = self.tick;
        let kept = &mut self.kept;
        let read_blob =
            |path: &str, id: Oid, kept: &mut HashMap<String, (Oid, Parsed, u64)>| match kept
                .remove(path)
            {
                Some((k, parsed, _)) if k == id => parsed,
                _ => match project.blob(id) {
                    Some(b) => read(&b),
                    None => Err(format!("blob {id} cannot be read from the repository")),
                },
            };
        let entries: Vec<NbEntry> = c
            .notebooks
            .iter()
            .map(|nb| {
                let new = nb.new_blob.map(|id| read_blob(&nb.path, id, kept));
                let before = nb.old_path.as_deref().unwrap_or(&nb.path);
                let old = nb.old_blob.map(|id| read_blob(before, id, kept));
                let entry = entry_of(nb, new.as_ref(), old.as_ref());
                if let (Some(id), Some(o)) = (nb.old_blob, old) {
                    kept.insert(before.to_string(), (id, o, tick));
                }
                entry
            })
            .collect();
        if kept.len() > KEPT_PATHS
            && let Some(oldest) = kept
                .iter()
                .min_by_key(|(p, v)| (v.2, (*p).clone()))
                .map(|(p, _)| p.clone())
        {
            kept.remove(&oldest);
        }
        entries
    }
}

/// How many notebooks' next versions are kept while walking (a repository of more notebooks
/// reads some blobs twice).
const KEPT_PATHS: usize = 512;

fn entry_of(
    nb: &crate::repo::NotebookChange,
    new: Option<&Parsed>,
    old: Option<&Parsed>,
) -> NbEntry {
    let mut entry = NbEntry::unread(nb, 0, 0);
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
        }
    }
    entry
}
