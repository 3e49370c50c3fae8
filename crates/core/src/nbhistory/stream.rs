//! The notebook history as it is walked, newest first, for what can show a commit before the
//! rest is read (`log`, the timeline's first screen): each version compared with its first
//! parent's, cells not yet numbered across the history.

use std::collections::HashMap;

use git2::Oid;

use super::build::{UNNUMBERED, compare, read};
use super::{FileChange, NbCommit, NbEntry};
use crate::notebook::Cell;
use crate::repo::{CommitChanges, Project, RepoError, WalkStats};

/// Walks the history newest first, calling `each` with every commit and its entries (cells
/// [`UNNUMBERED`], `notebook` 0); `each` returns false to stop.
pub fn stream(
    project: &Project,
    mut each: impl FnMut(NbCommit, Vec<NbEntry>) -> bool,
) -> Result<WalkStats, RepoError> {
    // Walking newest first, a commit's base is the next commit's version: the blobs read as
    // bases are kept for one step, so most blobs are read once.
    let mut kept: HashMap<Oid, Result<Vec<Cell>, String>> = HashMap::new();
    project.walk_changes(|c| {
        let mut next: HashMap<Oid, Result<Vec<Cell>, String>> = HashMap::new();
        let read_blob = |id: Oid, kept: &mut HashMap<Oid, Result<Vec<Cell>, String>>| {
            kept.remove(&id).unwrap_or_else(|| match project.blob(id) {
                Some(b) => read(&b),
                None => Err(format!("blob {id} cannot be read from the repository")),
            })
        };
        let entries: Vec<NbEntry> = c
            .notebooks
            .iter()
            .map(|nb| {
                let new = nb.new_blob.map(|id| read_blob(id, &mut kept));
                let old = nb.old_blob.map(|id| read_blob(id, &mut kept));
                let entry = entry_of(nb, new.as_ref(), old.as_ref());
                if let (Some(id), Some(o)) = (nb.old_blob, old) {
                    next.insert(id, o);
                }
                entry
            })
            .collect();
        kept = next;
        each(commit_of(c, entries.len()), entries)
    })
}

fn entry_of(
    nb: &crate::repo::NotebookChange,
    new: Option<&Result<Vec<Cell>, String>>,
    old: Option<&Result<Vec<Cell>, String>>,
) -> NbEntry {
    let change = match (nb.old_blob, nb.new_blob, &nb.old_path) {
        (_, None, _) => FileChange::Deleted,
        (_, _, Some(_)) => FileChange::Renamed,
        (None, Some(_), _) => FileChange::Added,
        (Some(_), Some(_), _) => FileChange::Modified,
    };
    let mut entry = NbEntry {
        commit: 0,
        notebook: 0,
        path: nb.path.clone(),
        old_path: nb.old_path.clone(),
        change,
        blob: nb.new_blob,
        base: nb.old_blob,
        error: None,
        base_unreadable: false,
        cells: Vec::new(),
        removed: Vec::new(),
        summary: Default::default(),
        paired_by: None,
    };
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

fn commit_of(c: CommitChanges, entry_count: usize) -> NbCommit {
    NbCommit {
        id: c.commit,
        parents: c.parents,
        time: c.time,
        tz_minutes: c.tz_minutes,
        author: c.author,
        email: c.email,
        message: c.message,
        env_files: c.env_files,
        data_files: c.data_files,
        other_files: c.other_files,
        first_entry: 0,
        entry_count,
    }
}
