//! One notebook's saved versions, read as lineage needs them.
//!
//! Every record names a commit (`linked_commit`) holding the notebook as it
//! was last saved. The versions read are kept in history order; each code
//! cell in them gets a *virtual id* that stays with the cell from one
//! version to the next (the nbformat id when there is one, else the cell of
//! the previous version that [`align`](super::align) matches it with), and
//! each cell with an execution count is traced back to the run that gave
//! it that count and source.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use git2::Oid;

use super::align::align;
use super::notebook::NbCell;
use super::{Execution, Quick, QuickMap, Snapshots};

/// A virtual cell id, unique within one notebook.
pub type Vid = u32;

/// Records of the notebook looked at for a version saved after a run.
const LOOK_AHEAD: usize = 16;

/// What tells two versions apart without comparing them cell by cell.
#[derive(Clone)]
enum Version {
    Blob(Oid),
    /// The store gave no blob id: the cells themselves.
    Cells(Arc<Vec<NbCell>>),
}

impl Version {
    fn same(&self, other: &Version) -> bool {
        match (self, other) {
            (Version::Blob(a), Version::Blob(b)) => a == b,
            (Version::Cells(a), Version::Cells(b)) => Arc::ptr_eq(a, b) || a == b,
            _ => false,
        }
    }
}

/// A version that was read.
pub struct Snap {
    version: Version,
    /// The first record (of this notebook) whose commit holds it.
    pub record: usize,
    pub cells: Arc<Vec<NbCell>>,
    pub vids: Vec<Vid>,
    /// Per cell: the position (in the notebook's run order) of the run
    /// whose count and source the cell shows.
    pub shows: Vec<Option<usize>>,
    /// Whether every cell has a distinct nbformat id.
    ided: bool,
    /// The latest record with a run that ran since the previous version
    /// read and is shown here.
    latest: Option<usize>,
}

pub struct Timeline<'a> {
    notebook: &'a str,
    /// Per record, oldest first: its linked commit and its first position.
    records: Vec<(&'a str, usize)>,
    /// Per position: its record.
    record_of: Vec<usize>,
    /// Per record: its version, once looked up (`Some(None)`: no notebook there).
    versions: Vec<Option<Option<Version>>>,
    /// Per record: the read version at its commit.
    snap_at: Vec<Option<usize>>,
    /// Per record: the first read version saved after its runs, once looked for.
    after: Vec<Option<Option<usize>>>,
    /// Versions read, in history order.
    pub chain: Vec<Snap>,
    /// Per position: the virtual id of the cell first showing the run.
    pub shown: Vec<Option<Vid>>,
    /// Runs shown since [`Timeline::take_fresh`] was last called.
    fresh: Vec<(usize, Vid)>,
    /// (count, hash of source) → positions of runs with them, ascending.
    runs: QuickMap<(u32, u64), Vec<usize>>,
    sources: Vec<&'a str>,
    ids: QuickMap<String, Vid>,
    next_vid: Vid,
}

fn fresh(next: &mut Vid) -> Vid {
    *next += 1;
    *next
}

fn source_hash(s: &str) -> u64 {
    let mut h = Quick::default();
    s.hash(&mut h);
    h.finish()
}

impl<'a> Timeline<'a> {
    /// The runs of one notebook, `order` indexing `executions`, oldest first.
    pub fn new(notebook: &'a str, executions: &'a [Execution], order: &[usize]) -> Self {
        let mut records: Vec<(&str, usize)> = Vec::new();
        let mut record_of = Vec::with_capacity(order.len());
        let mut runs: QuickMap<(u32, u64), Vec<usize>> = QuickMap::default();
        let mut sources = Vec::with_capacity(order.len());
        let mut last_commit = None;
        for (pos, e) in order.iter().filter_map(|&i| executions.get(i)).enumerate() {
            if last_commit != Some(e.commit) {
                last_commit = Some(e.commit);
                records.push((e.linked_commit.as_str(), pos));
            }
            record_of.push(records.len().saturating_sub(1));
            sources.push(e.source.as_str());
            if let Some(ex) = e.ex {
                runs.entry((ex, source_hash(&e.source)))
                    .or_default()
                    .push(pos);
            }
        }
        let n = records.len();
        Timeline {
            notebook,
            records,
            shown: vec![None; record_of.len()],
            record_of,
            versions: vec![None; n],
            snap_at: vec![None; n],
            after: vec![None; n],
            chain: Vec::new(),
            fresh: Vec::new(),
            runs,
            sources,
            ids: QuickMap::default(),
            next_vid: 0,
        }
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// The positions of record `r`'s runs.
    pub fn positions(&self, r: usize) -> std::ops::Range<usize> {
        let start = self.records.get(r).map_or(0, |x| x.1);
        let end = self
            .records
            .get(r + 1)
            .map_or(self.record_of.len(), |x| x.1);
        start..end
    }

    /// The record of position `pos`.
    pub fn record_of(&self, pos: usize) -> usize {
        self.record_of.get(pos).copied().unwrap_or(usize::MAX)
    }

    /// Runs shown by versions read since the last call, with their virtual ids.
    pub fn take_fresh(&mut self) -> Vec<(usize, Vid)> {
        std::mem::take(&mut self.fresh)
    }

    fn version(&mut self, r: usize, snaps: &mut dyn Snapshots) -> Option<Version> {
        if let Some(v) = self.versions.get(r)?.clone() {
            return v;
        }
        let commit = self.records.get(r)?.0;
        let v = if commit.is_empty() {
            None
        } else if let Some(id) = snaps.blob_id(commit, self.notebook) {
            Some(Version::Blob(id))
        } else {
            snaps.cells(commit, self.notebook).map(Version::Cells)
        };
        if let Some(slot) = self.versions.get_mut(r) {
            *slot = Some(v.clone());
        }
        v
    }

    /// The read version at record `r`'s commit, reading it if need be.
    fn snap_for(&mut self, r: usize, snaps: &mut dyn Snapshots) -> Option<usize> {
        if let Some(i) = self.snap_at.get(r).copied().flatten() {
            return Some(i);
        }
        let version = self.version(r, snaps)?;
        let at = if let Some(last) = self.chain.last()
            && last.version.same(&version)
        {
            self.chain.len() - 1
        } else {
            // Versions are read oldest first; an older one found late is
            // of no use to the alignment of those already read.
            if self.chain.last().is_some_and(|l| l.record > r) {
                return None;
            }
            let cells = match &version {
                Version::Cells(c) => Arc::clone(c),
                Version::Blob(_) => snaps.cells(self.records.get(r)?.0, self.notebook)?,
            };
            self.push(r, version, cells)
        };
        if let Some(slot) = self.snap_at.get_mut(r) {
            *slot = Some(at);
        }
        Some(at)
    }

    fn push(&mut self, r: usize, version: Version, cells: Arc<Vec<NbCell>>) -> usize {
        let ided = {
            let mut seen = std::collections::HashSet::new();
            cells.iter().all(|c| {
                c.id.as_deref()
                    .is_some_and(|id| !id.is_empty() && seen.insert(id))
            })
        };
        let prev = self.chain.last();
        // Per cell: the cell of the previous version it is.
        let mut churned = false;
        let pred: Vec<Option<usize>> = match prev {
            None => vec![None; cells.len()],
            Some(p) if ided && p.ided => {
                let at: HashMap<&str, usize> = p
                    .cells
                    .iter()
                    .enumerate()
                    .filter_map(|(i, c)| Some((c.id.as_deref()?, i)))
                    .collect();
                let by_id: Vec<Option<usize>> = cells
                    .iter()
                    .map(|c| c.id.as_deref().and_then(|id| at.get(id).copied()))
                    .collect();
                // Tools that give cells new ids on every save (JupyterLab
                // 3.0, nbstripout's renumbering) make most ids new while the
                // sources stay: then the content says more than the ids.
                let matched = by_id.iter().flatten().count();
                if matched * 2 < cells.len().min(p.cells.len()) {
                    let by_content = align(&p.cells, &cells);
                    let same = by_content
                        .iter()
                        .zip(cells.iter())
                        .filter(|(i, c)| {
                            i.and_then(|i| p.cells.get(i))
                                .is_some_and(|b| b.source == c.source)
                        })
                        .count();
                    churned = same > matched;
                    if churned { by_content } else { by_id }
                } else {
                    by_id
                }
            }
            Some(p) => align(&p.cells, &cells),
        };
        let ided = ided && !churned;
        let mut vids = Vec::with_capacity(cells.len());
        let mut shows: Vec<Option<usize>> = vec![None; cells.len()];
        // Cells that ran since the previous version, to be traced to runs.
        let mut touched = Vec::new();
        for (c, (cell, pred)) in cells.iter().zip(&pred).enumerate() {
            let before = pred.and_then(|i| Some((i, prev?.cells.get(i)?)));
            let inherited = before.and_then(|(i, _)| prev?.vids.get(i).copied());
            let vid = match (ided, &cell.id) {
                (true, Some(id)) => match self.ids.get(id) {
                    Some(&v) => v,
                    None => {
                        let v = inherited.unwrap_or_else(|| fresh(&mut self.next_vid));
                        self.ids.insert(id.clone(), v);
                        v
                    }
                },
                _ => inherited.unwrap_or_else(|| fresh(&mut self.next_vid)),
            };
            vids.push(vid);
            match before {
                // Same source and count as before: the same run (a re-run
                // after a restart that gave it the same count is told apart
                // where runs are assigned).
                Some((i, b)) if b.count == cell.count && b.source == cell.source => {
                    if let Some(slot) = shows.get_mut(c) {
                        *slot = prev.and_then(|p| p.shows.get(i).copied().flatten());
                    }
                }
                _ => touched.push(c),
            }
        }
        // Bottom up: of two cells with the same source and count, the lower
        // is the later (a paste goes below its original).
        let mut latest = None;
        if cells.iter().all(|c| c.count.is_none()) {
            let latest = self.trace_by_source(r, prev, &cells, &pred, &mut shows);
            return self.finish_push(r, version, cells, vids, shows, ided, latest);
        }
        for &c in touched.iter().rev() {
            let Some(cell) = cells.get(c) else { continue };
            let Some(n) = cell.count else { continue };
            let pos = self.run_before(n, &cell.source, r, &shows);
            if let Some(slot) = shows.get_mut(c) {
                *slot = pos;
            }
            latest = latest.max(pos.and_then(|p| self.record_of.get(p).copied()));
        }
        // A cell that looks untouched may have run again after a restart
        // that gave it the same count: a run since the previous version
        // with its source and count, that no other cell shows, is its.
        if let Some(p) = prev {
            for c in (0..cells.len()).rev() {
                if touched.contains(&c) {
                    continue;
                }
                let Some(cell) = cells.get(c) else { continue };
                let Some(n) = cell.count else { continue };
                let since = |q: usize| {
                    self.record_of.get(q).is_some_and(|&qr| qr >= p.record)
                        && !p.shows.contains(&Some(q))
                };
                if let Some(q) = self.run_before(n, &cell.source, r, &shows)
                    && since(q)
                {
                    if let Some(slot) = shows.get_mut(c) {
                        *slot = Some(q);
                    }
                    latest = latest.max(self.record_of.get(q).copied());
                }
            }
        }
        self.finish_push(r, version, cells, vids, shows, ided, latest)
    }

    /// Records version `version` read at record `r` as the newest of the chain.
    #[allow(clippy::too_many_arguments)]
    fn finish_push(
        &mut self,
        r: usize,
        version: Version,
        cells: Arc<Vec<NbCell>>,
        vids: Vec<Vid>,
        shows: Vec<Option<usize>>,
        ided: bool,
        latest: Option<usize>,
    ) -> usize {
        let at = self.chain.len();
        for (&vid, &pos) in vids.iter().zip(&shows) {
            if let Some(p) = pos
                && let Some(slot) = self.shown.get_mut(p)
                && slot.is_none()
            {
                *slot = Some(vid);
                self.fresh.push((p, vid));
            }
        }
        self.chain.push(Snap {
            version,
            record: r,
            cells,
            vids,
            shows,
            ided,
            latest,
        });
        at
    }

    /// Traces the cells of a version saved without execution counts
    /// ("Clear all outputs", nbstripout) to runs by their source alone:
    /// a cell left as it was keeps its run, and each run from the previous
    /// version's record on (that version may lag behind its own record's
    /// runs) that no version has shown yet goes to a cell with its source,
    /// an edited or new cell before one left as it was; of several runs of
    /// one source, the latest are the ones shown, in notebook order.
    /// Returns the latest record shown.
    fn trace_by_source(
        &self,
        r: usize,
        prev: Option<&Snap>,
        cells: &[NbCell],
        pred: &[Option<usize>],
        shows: &mut [Option<usize>],
    ) -> Option<usize> {
        // A cell whose code is as it was still shows the run it showed,
        // unless a run since is traced to it.
        let mut unchanged = vec![false; cells.len()];
        for (c, cell) in cells.iter().enumerate() {
            let before = pred.get(c).copied().flatten().and_then(|i| {
                let p = prev?;
                Some((p.cells.get(i)?, p.shows.get(i).copied().flatten()))
            });
            let Some((_, shown)) = before.filter(|(b, _)| b.source == cell.source) else {
                continue;
            };
            if let Some(u) = unchanged.get_mut(c) {
                *u = true;
            }
            if let Some(slot) = shows.get_mut(c)
                && slot.is_none()
            {
                *slot = shown;
            }
        }
        let start = prev.map_or(0, |p| self.positions(p.record).start);
        let end = self.positions(r).end;
        let mut runs: QuickMap<&str, Vec<usize>> = QuickMap::default();
        for pos in start..end {
            if self.shown.get(pos).is_some_and(Option::is_none)
                && let Some(&source) = self.sources.get(pos)
            {
                runs.entry(source).or_default().push(pos);
            }
        }
        if runs.is_empty() {
            return None;
        }
        // Cells by source, edited or new ones first, each group in notebook order.
        let mut by_source: QuickMap<&str, (Vec<usize>, Vec<usize>)> = QuickMap::default();
        for (c, cell) in cells.iter().enumerate() {
            if !runs.contains_key(cell.source.as_str()) {
                continue;
            }
            let group = by_source.entry(cell.source.as_str()).or_default();
            if unchanged.get(c).copied().unwrap_or(false) {
                group.1.push(c);
            } else {
                group.0.push(c);
            }
        }
        let mut latest = None;
        for (source, (mut edited, mut left)) in by_source {
            let Some(list) = runs.get(source) else {
                continue;
            };
            // Of cells left as they were, the one run last is the likelier
            // to run again (work goes on around the cell in focus).
            left.sort_by_key(|&c| std::cmp::Reverse(shows.get(c).copied().flatten()));
            let k = list.len().min(edited.len() + left.len());
            edited.extend(left);
            edited.truncate(k);
            edited.sort_unstable();
            let shown = list.get(list.len() - k..).unwrap_or_default();
            for (&c, &pos) in edited.iter().zip(shown) {
                if let Some(slot) = shows.get_mut(c) {
                    *slot = Some(pos);
                }
                latest = latest.max(self.record_of.get(pos).copied());
            }
        }
        latest
    }

    /// The latest run up to record `r` with this count and source: the one
    /// a saved cell with them shows (counts only grow between restarts).
    fn run_before(
        &self,
        count: u32,
        source: &str,
        r: usize,
        taken: &[Option<usize>],
    ) -> Option<usize> {
        let list = self.runs.get(&(count, source_hash(source)))?;
        list.iter()
            .rev()
            .copied()
            .filter(|&p| self.sources.get(p) == Some(&source) && !taken.contains(&Some(p)))
            .find(|&p| self.record_of.get(p).is_some_and(|&pr| pr <= r))
    }

    /// The first version saved after record `r`'s runs: one that shows a run
    /// of `r` or of a later record.
    pub fn after(&mut self, r: usize, snaps: &mut dyn Snapshots) -> Option<usize> {
        if let Some(found) = self.after.get(r).copied().flatten() {
            return found;
        }
        let mut prev = r.checked_sub(1).and_then(|p| self.version(p, snaps));
        let mut found = None;
        for k in r..(r + LOOK_AHEAD).min(self.len()) {
            let Some(v) = self.version(k, snaps) else {
                continue;
            };
            // The file as it was before `r` ran cannot show its runs.
            if prev.as_ref().is_some_and(|p| p.same(&v)) {
                continue;
            }
            prev = Some(v);
            let Some(i) = self.snap_for(k, snaps) else {
                continue;
            };
            if self
                .chain
                .get(i)
                .and_then(|s| s.latest)
                .is_some_and(|l| l >= r)
            {
                found = Some(i);
                break;
            }
        }
        if let Some(slot) = self.after.get_mut(r) {
            *slot = Some(found);
        }
        found
    }
}
