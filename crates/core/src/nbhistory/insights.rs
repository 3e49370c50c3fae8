//! What a notebook history says about the work: per notebook commits, authors and churn; the
//! cells revised most; cells whose outputs changed while their code did not; and hot spots,
//! the commit-level form of a retry streak.

use std::collections::BTreeMap;

use git2::Oid;
use serde::Serialize;

use super::{CellState, NbHistory};
use crate::insights::stats::{DayCount, day_of};
use crate::notebook::{self, Parts};
use crate::repo::Project;

/// A hot spot needs this many consecutive revisions of one cell…
pub const HOT_MIN_REVISIONS: usize = 3;
/// …each within this many seconds of the one before (commits are minutes to days apart; an
/// afternoon of commits on one cell is someone stuck on it).
pub const HOT_GAP_SECS: i64 = 3 * 3600;

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct NbStats {
    pub commits: usize,
    /// Commits that changed at least one notebook.
    pub notebook_commits: usize,
    pub versions: usize,
    pub unreadable_versions: usize,
    /// Author and commits, most first.
    pub authors: Vec<(String, usize)>,
    /// Commits per day (on the committer's clock), on days with any, oldest first: `records`
    /// counts commits here, so that the activity figures' sparkline draws both.
    pub per_day: Vec<DayCount>,
    pub notebooks: Vec<NotebookStats>,
    /// Cells by edits, most first (at most 10).
    pub most_revised: Vec<CellStats>,
    /// Cells whose outputs changed in versions where their code did not, most first (at most
    /// 10): non-deterministic cells, or data that changed under them.
    pub output_only: Vec<CellStats>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct NotebookStats {
    pub path: String,
    /// Earlier paths, oldest first.
    pub renamed_from: Vec<String>,
    pub versions: usize,
    pub authors: usize,
    pub cells_added: usize,
    pub cells_removed: usize,
    pub cells_edited: usize,
    /// Unix seconds of its oldest and newest version.
    pub first: i64,
    pub last: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellStats {
    pub cell: u32,
    pub notebook: String,
    /// How many versions changed its source, or its outputs alone (for `output_only`).
    pub count: usize,
    /// Its newest version's entry.
    pub entry: usize,
}

/// One cell revised in consecutive commits close together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HotSpot {
    pub cell: u32,
    pub notebook: String,
    /// The entries of the revisions, oldest first.
    pub entries: Vec<usize>,
    pub first: i64,
    pub last: i64,
}

pub fn stats(h: &NbHistory) -> NbStats {
    let mut out = NbStats {
        commits: h.commits.len(),
        notebook_commits: h.commits.iter().filter(|c| c.entry_count > 0).count(),
        versions: h.entries.len(),
        unreadable_versions: h.entries.iter().filter(|e| e.error.is_some()).count(),
        ..NbStats::default()
    };
    let mut authors: BTreeMap<&str, usize> = BTreeMap::new();
    let mut per_day: BTreeMap<String, usize> = BTreeMap::new();
    for c in &h.commits {
        *authors.entry(c.author.as_str()).or_default() += 1;
        *per_day.entry(day_of(c.time, c.tz_minutes)).or_default() += 1;
    }
    out.per_day = per_day
        .into_iter()
        .map(|(day, records)| DayCount { day, records })
        .collect();
    out.authors = authors
        .into_iter()
        .map(|(a, n)| (a.to_string(), n))
        .collect();
    out.authors
        .sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for t in &h.notebooks {
        let mut s = NotebookStats {
            path: t.path.clone(),
            renamed_from: t.paths.iter().filter(|p| **p != t.path).cloned().collect(),
            versions: t.entries.len(),
            ..NotebookStats::default()
        };
        let mut who: Vec<&str> = Vec::new();
        for e in t.entries.iter().filter_map(|&i| h.entries.get(i)) {
            s.cells_added += e.summary.added;
            s.cells_removed += e.summary.removed;
            s.cells_edited += e.summary.edited;
            if let Some(c) = h.commit_of(e) {
                who.push(&c.author);
                s.first = if s.first == 0 {
                    c.time
                } else {
                    s.first.min(c.time)
                };
                s.last = s.last.max(c.time);
            }
        }
        who.sort_unstable();
        who.dedup();
        s.authors = who.len();
        out.notebooks.push(s);
    }
    out.notebooks
        .sort_by(|a, b| b.versions.cmp(&a.versions).then(a.path.cmp(&b.path)));
    let count = |pick: &dyn Fn(&super::EntryCell) -> bool| -> Vec<CellStats> {
        let mut v: Vec<CellStats> = h
            .cells
            .iter()
            .enumerate()
            .filter_map(|(n, life)| {
                let hits = life
                    .versions
                    .iter()
                    .filter(|&&(e, i)| {
                        h.entries
                            .get(e)
                            .and_then(|e| e.cells.get(i))
                            .is_some_and(pick)
                    })
                    .count();
                let &(entry, _) = life.versions.first()?;
                let notebook = h.notebooks.get(life.notebook)?.path.clone();
                (hits > 0).then(|| CellStats {
                    cell: u32::try_from(n).unwrap_or(u32::MAX),
                    notebook,
                    count: hits,
                    entry,
                })
            })
            .collect();
        v.sort_by(|a, b| b.count.cmp(&a.count).then(a.cell.cmp(&b.cell)));
        v.truncate(10);
        v
    };
    out.most_revised = count(&|c| c.state == CellState::Modified);
    out.output_only = count(&|c| c.state != CellState::Modified && c.outputs_changed);
    out
}

/// A cell as one version has it, for a line about it: that version's commit and the first
/// line of the cell's source that is not blank (raw: the reader sanitises it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CellGist {
    pub commit: Option<Oid>,
    pub first_line: String,
}

/// The gist of cell `cell` in entry `entry` (an unreadable version gives an empty line).
pub fn cell_gist(project: &Project, h: &NbHistory, entry: usize, cell: u32) -> CellGist {
    let Some(e) = h.entries.get(entry) else {
        return CellGist::default();
    };
    let first_line = e
        .cells
        .iter()
        .position(|c| c.cell == cell)
        .and_then(|i| {
            let bytes = project.blob(e.blob?)?;
            let nb = notebook::read(&bytes, Parts::Sources).ok()?;
            nb.cells.into_iter().nth(i)
        })
        .and_then(|c| {
            c.source
                .lines()
                .find(|l| !l.trim().is_empty())
                .map(|l| l.trim().to_string())
        })
        .unwrap_or_default();
    CellGist {
        commit: h.commit_of(e).map(|c| c.id),
        first_line,
    }
}

/// Cells revised in at least [`HOT_MIN_REVISIONS`] consecutive versions of their notebook,
/// each within [`HOT_GAP_SECS`] of the one before; the longest first.
pub fn hot_spots(h: &NbHistory) -> Vec<HotSpot> {
    let mut out = Vec::new();
    for (n, life) in h.cells.iter().enumerate() {
        let Some(track) = h.notebooks.get(life.notebook) else {
            continue;
        };
        // The notebook's versions oldest first, and where each sits in that list.
        let order: Vec<usize> = track.entries.iter().rev().copied().collect();
        let pos: BTreeMap<usize, usize> = order.iter().enumerate().map(|(p, &e)| (e, p)).collect();
        let mut revised: Vec<(usize, usize, i64)> = life
            .versions
            .iter()
            .filter(|&&(e, i)| {
                h.entries
                    .get(e)
                    .and_then(|x| x.cells.get(i))
                    .is_some_and(|c| c.state == CellState::Modified)
            })
            .filter_map(|&(e, _)| {
                let time = h.commit_of(h.entries.get(e)?)?.time;
                Some((*pos.get(&e)?, e, time))
            })
            .collect();
        revised.sort_unstable();
        let mut run: Vec<(usize, usize, i64)> = Vec::new();
        let mut flush = |run: &mut Vec<(usize, usize, i64)>| {
            if run.len() >= HOT_MIN_REVISIONS
                && let (Some(f), Some(l)) = (run.first(), run.last())
            {
                out.push(HotSpot {
                    cell: u32::try_from(n).unwrap_or(u32::MAX),
                    notebook: track.path.clone(),
                    entries: run.iter().map(|r| r.1).collect(),
                    first: f.2,
                    last: l.2,
                });
            }
            run.clear();
        };
        for r in revised {
            let continues = run
                .last()
                .is_some_and(|p| r.0 == p.0 + 1 && r.2 - p.2 <= HOT_GAP_SECS && r.2 >= p.2);
            if !continues {
                flush(&mut run);
            }
            run.push(r);
        }
        flush(&mut run);
    }
    out.sort_by(|a, b| {
        b.entries
            .len()
            .cmp(&a.entries.len())
            .then(b.last.cmp(&a.last))
            .then(a.cell.cmp(&b.cell))
    });
    out
}
