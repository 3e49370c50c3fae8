//! The notebook history as it is walked, newest first, for what can show a commit before the
//! rest is read (`log`, the timeline's first screen): each version compared with its first
//! parent's, cells not yet numbered across the history.

use std::collections::HashMap;

use git2::Oid;

use super::build::{Parsed, UNNUMBERED, compare, read};
use super::{NbCommit, NbEntry};
use crate::notebook::Cell;
use crate::repo::{Project, RepoError, WalkStats};

/// Walks the history newest first, calling `each` with every commit and its entries (cells
/// [`UNNUMBERED`], `notebook` 0); `each` returns false to stop.
pub fn stream(
    project: &Project,
    mut each: impl FnMut(NbCommit, Vec<NbEntry>) -> bool,
) -> Result<WalkStats, RepoError> {
    // Walking newest first, a commit's base is the version the next older commit touching
    // that notebook wrote: the base read for each path is kept until then, so each blob is
    // read once (a bounded number of paths, the least recently used dropped first).
    let mut kept: HashMap<String, (Oid, Parsed, u64)> = HashMap::new();
    let mut tick = 0u64;
    project.walk_changes(|c| {
        tick += 1;
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
                let new = nb.new_blob.map(|id| read_blob(&nb.path, id, &mut kept));
                let before = nb.old_path.as_deref().unwrap_or(&nb.path);
                let old = nb.old_blob.map(|id| read_blob(before, id, &mut kept));
                let (entry, _) = entry_of(nb, new.as_ref(), old.as_ref());
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
        let count = entries.len();
        each(NbCommit::new(c, 0, count), entries)
    })
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
