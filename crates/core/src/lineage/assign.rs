//! Executions assigned to cells, notebook by notebook, on every core.

use super::*;

/// Each notebook's cells, the notebooks spread over `threads` threads
/// (largest first, each to the least loaded).
pub(super) fn assign_parallel(
    project: &Project,
    executions: &[Execution],
    notebooks: &[(&str, Vec<usize>)],
    threads: usize,
) -> Vec<Vec<Cell>> {
    let total: usize = notebooks.iter().map(|n| n.1.len()).sum();
    if threads < 2 || notebooks.len() < 2 || total < PARALLEL_FROM {
        let mut snaps = RepoSnapshots::new(project);
        return notebooks
            .iter()
            .map(|(nb, order)| assign_notebook(nb, executions, order, &mut snaps))
            .collect();
    }
    // Jupyter notebooks cost their saved versions read; other files only
    // their sources compared.
    let weight = |n: usize| {
        notebooks.get(n).map_or(0, |(nb, order)| {
            order.len() * if nb.ends_with(".ipynb") { 4 } else { 1 }
        })
    };
    let mut bins: Vec<(usize, Vec<usize>)> = vec![(0, Vec::new()); threads];
    let mut by_size: Vec<usize> = (0..notebooks.len()).collect();
    by_size.sort_by_key(|&n| std::cmp::Reverse(weight(n)));
    for n in by_size {
        if let Some(bin) = bins.iter_mut().min_by_key(|b| b.0) {
            bin.0 += weight(n);
            bin.1.push(n);
        }
    }
    let mut out: Vec<Option<Vec<Cell>>> = vec![None; notebooks.len()];
    std::thread::scope(|s| {
        let handles: Vec<_> = bins
            .into_iter()
            .filter(|b| !b.1.is_empty())
            .map(|(_, mine)| {
                let own = project.reopen().ok();
                s.spawn(move || {
                    let own = own?;
                    let mut snaps = RepoSnapshots::new(&own);
                    Some(
                        mine.into_iter()
                            .filter_map(|n| {
                                let (nb, order) = notebooks.get(n)?;
                                Some((n, assign_notebook(nb, executions, order, &mut snaps)))
                            })
                            .collect::<Vec<_>>(),
                    )
                })
            })
            .collect();
        for h in handles {
            for (n, cells) in h.join().ok().flatten().unwrap_or_default() {
                if let Some(slot) = out.get_mut(n) {
                    *slot = Some(cells);
                }
            }
        }
    });
    // A thread that could not open the repository leaves its notebooks
    // to this one.
    let mut snaps = RepoSnapshots::new(project);
    out.into_iter()
        .zip(notebooks)
        .map(|(done, (nb, order))| {
            done.unwrap_or_else(|| assign_notebook(nb, executions, order, &mut snaps))
        })
        .collect()
}

/// A cell still in play while assigning, with what the next run is compared to.
pub(super) struct Live {
    /// Its latest source, kept ready for the comparisons with every new run.
    source: Source<'static>,
    /// Its virtual id in the notebook's saved versions, once one showed it.
    vid: Option<Vid>,
    /// Its latest run (index into the executions).
    last: usize,
}

/// A notebook's cells while assigning, indexed for the questions asked of
/// them on every execution.
#[derive(Default)]
pub(super) struct LiveSet {
    cells: Vec<Live>,
    /// Indices into `cells`, most recently run first; only as many as are
    /// compared by similarity.
    recent: Vec<usize>,
    /// Indices into `cells` by their current source.
    by_source: QuickMap<String, Vec<usize>>,
    by_vid: QuickMap<Vid, usize>,
}

impl LiveSet {
    fn add(&mut self, source: &str, last: usize) -> usize {
        let k = self.cells.len();
        self.by_source
            .entry(source.to_string())
            .or_default()
            .push(k);
        self.cells.push(Live {
            source: Source::new(source.to_string()),
            vid: None,
            last,
        });
        self.touch(k);
        k
    }

    /// Cell `k` ran: first in `recent`.
    fn touch(&mut self, k: usize) {
        if let Some(p) = self.recent.iter().position(|&x| x == k) {
            self.recent.remove(p);
        }
        self.recent.insert(0, k);
        self.recent.truncate(RECENT_CELLS);
    }

    fn set_vid(&mut self, k: usize, vid: Vid) {
        let Some(l) = self.cells.get_mut(k) else {
            return;
        };
        if let Some(old) = l.vid.replace(vid)
            && old != vid
            && self.by_vid.get(&old) == Some(&k)
        {
            self.by_vid.remove(&old);
        }
        self.by_vid.insert(vid, k);
    }

    /// Cell `k` ran execution `e` (index `i`).
    fn ran(&mut self, k: usize, e: &Execution, i: usize) {
        let Some(l) = self.cells.get_mut(k) else {
            return;
        };
        if l.source.text() != e.source {
            if let Some(v) = self.by_source.get_mut(l.source.text()) {
                v.retain(|&x| x != k);
            }
            self.by_source.entry(e.source.clone()).or_default().push(k);
            l.source = Source::new(e.source.clone());
        }
        l.last = i;
        self.touch(k);
    }

    /// The cells `source` may be a run of: those whose latest source is the
    /// same (most recently run first), then those whose latest source is
    /// similar (most similar first, among the most recently run).
    fn candidates(&self, source: &str) -> Vec<usize> {
        let mut out: Vec<usize> = self.by_source.get(source).cloned().unwrap_or_default();
        out.sort_by_key(|&k| std::cmp::Reverse(self.cells.get(k).map_or(0, |l| l.last)));
        // Each live source's lengths and character counts are worked out
        // once: they bound the ratio from above and spare most pairs the diff.
        let new = Source::new(source);
        let mut similar: Vec<(f32, usize)> = self
            .recent
            .iter()
            .take(RECENT_CELLS)
            .filter_map(|&k| {
                let l = self.cells.get(k)?;
                if l.source.text() == source {
                    return None;
                }
                let mut budget = Budget::new(PAIR_STEPS);
                let r = crate::notebook::similarity(&l.source, &new, SIMILARITY, &mut budget);
                (r >= SIMILARITY).then_some((r, k))
            })
            .collect();
        // Stable: equal scores keep the recent-first order.
        similar.sort_by(|a, b| b.0.total_cmp(&a.0));
        out.extend(similar.into_iter().map(|(_, k)| k));
        out
    }
}

/// Assigns executions (oldest first) to cells.
pub fn assign(executions: Vec<Execution>, snaps: &mut dyn Snapshots) -> Lineage {
    let notebooks = by_notebook(&executions);
    let per_notebook: Vec<Vec<Cell>> = notebooks
        .iter()
        .map(|(notebook, order)| assign_notebook(notebook, &executions, order, snaps))
        .collect();
    finish(executions, per_notebook)
}

/// The executions of each notebook (indices, oldest first), notebooks by name.
pub(super) fn by_notebook(executions: &[Execution]) -> Vec<(&str, Vec<usize>)> {
    let mut by: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, e) in executions.iter().enumerate() {
        by.entry(e.notebook.as_str()).or_default().push(i);
    }
    let mut notebooks: Vec<(&str, Vec<usize>)> = by.into_iter().collect();
    notebooks.sort();
    notebooks
}

/// One notebook's cells (cells never cross notebooks), in order of first run.
pub(super) fn assign_notebook(
    notebook: &str,
    executions: &[Execution],
    order: &[usize],
    snaps: &mut dyn Snapshots,
) -> Vec<Cell> {
    let mut a = Assigner {
        notebook,
        executions,
        order,
        cells: Vec::new(),
        cell_at: vec![usize::MAX; order.len()],
        live: LiveSet::default(),
    };
    a.run(snaps);
    a.cells
}

/// The lineage from every notebook's cells (notebooks by name).
pub(super) fn finish(executions: Vec<Execution>, per_notebook: Vec<Vec<Cell>>) -> Lineage {
    let cells: Vec<Cell> = per_notebook.into_iter().flatten().collect();
    let mut cell_of = vec![usize::MAX; executions.len()];
    let mut run = vec![0u32; executions.len()];
    for (n, c) in cells.iter().enumerate() {
        for (k, &r) in c.runs.iter().enumerate() {
            if let Some(slot) = cell_of.get_mut(r) {
                *slot = n;
            }
            if let Some(slot) = run.get_mut(r) {
                *slot = u32::try_from(k + 1).unwrap_or(u32::MAX);
            }
        }
    }
    Lineage {
        executions,
        cell: cell_of,
        run,
        cells,
    }
}

/// The assignment of one notebook's executions.
pub(super) struct Assigner<'a> {
    notebook: &'a str,
    executions: &'a [Execution],
    /// The notebook's executions, oldest first.
    order: &'a [usize],
    /// The notebook's cells, each one the live cell of the same index.
    cells: Vec<Cell>,
    /// Per position in `order`: its cell, once placed.
    cell_at: Vec<usize>,
    live: LiveSet,
}

impl Assigner<'_> {
    fn run(&mut self, snaps: &mut dyn Snapshots) {
        if !self.notebook.ends_with(".ipynb") {
            for (pos, &i) in self.order.iter().enumerate() {
                let Some(e) = self.executions.get(i) else {
                    continue;
                };
                let at = self.live.candidates(&e.source).first().copied();
                self.place(pos, at, None);
            }
            return;
        }
        let mut tl = Timeline::new(self.notebook, self.executions, self.order);
        // Runs no save shows, each with the first save after it: placed
        // once every run that save could show is.
        let mut pending: Vec<(usize, usize)> = Vec::new();
        for r in 0..tl.len() {
            let positions = tl.positions(r);
            let cands: Vec<Vec<usize>> = positions
                .clone()
                .map(|pos| {
                    let e = self.order.get(pos).and_then(|&i| self.executions.get(i));
                    e.map(|e| self.live.candidates(&e.source))
                        .unwrap_or_default()
                })
                .collect();
            // Every run reads the save after it, even one with no
            // candidate: that save may know the cell it made by id, and a
            // save with no counts is traced through the sources it shows.
            let after = tl.after(r, snaps);
            for (p, vid) in tl.take_fresh() {
                self.learn(p, vid);
            }
            for (pos, cands) in positions.zip(cands) {
                let shown = tl.shown.get(pos).copied().flatten();
                if shown.is_none()
                    && let Some(a) = after
                {
                    pending.push((pos, a));
                    continue;
                }
                let at = self.choose(&cands, shown);
                self.place(pos, at, shown);
            }
            let mut due = Vec::new();
            pending.retain(|&(pos, a)| {
                let ready = tl.chain.get(a).is_none_or(|s| s.record <= r);
                if ready {
                    due.push((pos, a));
                }
                !ready
            });
            for (pos, a) in due.into_iter().rev() {
                self.settle(pos, a, &tl);
            }
        }
        for (pos, a) in std::mem::take(&mut pending).into_iter().rev() {
            self.settle(pos, a, &tl);
        }
    }

    /// A saved version shows run `pos` (already assigned) under `vid`: its
    /// cell, if that is still the cell's latest run, is known by it now.
    fn learn(&mut self, pos: usize, vid: Vid) {
        let (Some(&i), Some(&k)) = (self.order.get(pos), self.cell_at.get(pos)) else {
            return;
        };
        if self.live.cells.get(k).is_some_and(|l| l.last == i) {
            self.live.set_vid(k, vid);
        }
    }

    /// Which live cell a run belongs to, `None` for a new cell, from the
    /// virtual id of the saved cell that shows it (if one does) and the
    /// candidates its source gives.
    fn choose(&self, cands: &[usize], vid: Option<Vid>) -> Option<usize> {
        let live = &self.live;
        let Some(vid) = vid else {
            return cands.first().copied();
        };
        if let Some(&k) = live.by_vid.get(&vid) {
            return Some(k);
        }
        // Shown under an id no cell has yet: a cell never shown before (a
        // known cell shows under its own id, or was deleted).
        cands
            .iter()
            .copied()
            .find(|&k| live.cells.get(k).is_some_and(|l| l.vid.is_none()))
    }

    /// Places run `pos`, which the save `snap` (the first after it) does
    /// not show: its cell ran again before that save. Of the cells with a
    /// run between the two, the one whose next run is most like this one
    /// gets it (then the one whose run before is most like it); none of
    /// them when no next run is similar enough.
    fn settle(&mut self, pos: usize, snap: usize, tl: &Timeline) {
        let Some(&i) = self.order.get(pos) else {
            return;
        };
        let Some(e) = self.executions.get(i) else {
            return;
        };
        let end = tl
            .chain
            .get(snap)
            .map_or(pos + 1, |s| tl.positions(s.record).end);
        let cell_at = |q: usize| self.cell_at.get(q).copied().filter(|&c| c != usize::MAX);
        let source_at = |q: usize| {
            self.order
                .get(q)
                .and_then(|&j| self.executions.get(j))
                .map_or("", |x| x.source.as_str())
        };
        // One record runs a cell once: cells of its other runs are out.
        let mut seen: std::collections::HashSet<usize> = tl
            .positions(tl.record_of(pos))
            .filter(|&q| q != pos)
            .filter_map(cell_at)
            .collect();
        let mut best: Option<((f32, f32), usize)> = None;
        for q in pos + 1..end {
            let Some(cell) = cell_at(q) else { continue };
            if !seen.insert(cell) {
                continue;
            }
            let next = ratio(source_at(q), &e.source);
            let before = self.cells.get(cell).and_then(|c| {
                let at = c.runs.partition_point(|&r| r < i);
                c.runs.get(at.checked_sub(1)?).copied()
            });
            let before = before
                .and_then(|b| self.executions.get(b))
                .map_or(0.0, |b| ratio(&b.source, &e.source));
            if next.max(before) < SIMILARITY {
                continue;
            }
            let key = (next.max(before), next);
            // Ties go to the later next run: runs of one record follow the
            // notebook top to bottom, and so do those of a later "run all".
            if best.is_none_or(|b| key >= b.0) {
                best = Some((key, cell));
            }
        }
        match best {
            Some((_, cell)) => {
                if let Some(c) = self.cell_at.get_mut(pos) {
                    *c = cell;
                }
                if let Some(c) = self.cells.get_mut(cell) {
                    let at = c.runs.partition_point(|&r| r < i);
                    c.runs.insert(at, i);
                }
            }
            None => self.place(pos, None, None),
        }
    }

    /// A new live cell whose first run is `pos`.
    fn new_cell(&mut self, pos: usize) -> usize {
        let i = self.order.get(pos).copied().unwrap_or(usize::MAX);
        let source = self.executions.get(i).map_or("", |e| e.source.as_str());
        let n = self.cells.len() + 1;
        self.cells.push(Cell {
            id: format!("{}#{n}", self.notebook),
            notebook: self.notebook.to_string(),
            runs: Vec::new(),
        });
        self.live.add(source, i)
    }

    /// Run `pos` goes to live cell `at` (a new one when `None`).
    fn place(&mut self, pos: usize, at: Option<usize>, vid: Option<Vid>) {
        let Some(&i) = self.order.get(pos) else {
            return;
        };
        let Some(e) = self.executions.get(i) else {
            return;
        };
        let at = match at {
            Some(at) => at,
            None => self.new_cell(pos),
        };
        self.live.ran(at, e, i);
        if let Some(vid) = vid {
            self.live.set_vid(at, vid);
        }
        if let Some(c) = self.cell_at.get_mut(pos) {
            *c = at;
        }
        if let Some(c) = self.cells.get_mut(at) {
            c.runs.push(i);
        }
    }
}
