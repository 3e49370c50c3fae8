//! Planted retry streaks: one new cell run again and again within minutes, with tracebacks or unrecorded errors.

use super::Sim;
use super::catalogue::DATASETS;
use super::notebook::{Cell, Marker, Out, Py, Template, render_source};
use crate::synth::writer::{CellRef, PlantedStreak};

impl Sim<'_> {
    /// Whether a planted retry streak is due now: they are spread evenly
    /// over the records. Draws no random numbers.
    pub(super) fn streak_due(&self) -> bool {
        let n = self.cfg.streaks;
        if n == 0 || self.cfg.notebooks == 0 || self.streaks_begun >= n {
            return false;
        }
        // Room for the longest streak and the cells it needs first.
        if self.left < 16 {
            return false;
        }
        let done = self.total - self.left;
        done * (n + 1) >= (self.streaks_begun + 1) * self.total
    }

    /// A user stuck on one cell: a new cell fitting a curve, run 4–10 times
    /// a few seconds to two minutes apart, edited a little before each run.
    /// When the fit is wrapped in try/except, the early runs print a
    /// traceback (recorded as output); otherwise some attempts raise, and
    /// the client, which dropped runs that raised, recorded nothing for
    /// them: only their execution counts are missing from the history.
    pub(super) fn plant_streak(&mut self, slot: usize) {
        self.streaks_begun += 1;
        let nb = match (0..self.notebooks.len())
            .rev()
            .find(|i| self.notebooks[*i].writer == slot)
        {
            Some(nb) => nb,
            None => {
                let index = self.notebooks.len();
                self.open_notebook(slot, index)
            }
        };
        // The fit needs the imports and the data loaded first.
        while self.notebooks[nb].code_cells() < 2 && self.left > 12 {
            let idx = self.new_cell(nb, None);
            self.run_cells(nb, &[idx]);
            self.w.advance(self.rng.range(8, 60));
        }
        if self.notebooks[nb].code_cells() >= self.cfg.max_cells {
            self.drop_old_cell(nb);
        }
        let runs = 4 + self.rng.below(7) as usize;
        let wrapped = self.rng.chance(0.5);
        // Attempts in order: `Some(error)` is a recorded run (with a
        // traceback when `error`), `None` one that raised unrecorded.
        let mut attempts: Vec<Option<bool>> = vec![Some(false); runs];
        if wrapped {
            let failing = 1 + self.rng.below(runs as u64 - 1) as usize;
            for a in attempts.iter_mut().take(failing) {
                *a = Some(true);
            }
        } else {
            for _ in 0..1 + self.rng.below(3) {
                let at = 1 + self.rng.below(attempts.len() as u64 - 1) as usize;
                attempts.insert(at, None);
            }
        }
        let mut params = self.params();
        // An even third parameter wraps the fit in try/except; edits never touch it.
        params[2] = params[2] - params[2] % 2 + u32::from(!wrapped);
        let id = self.cell_id();
        let mut cell = Cell {
            id,
            template: Template::Py(Py::Fit),
            params,
            marker: Marker::None,
            source: String::new(),
            count: None,
            outputs: Vec::new(),
            json: None,
        };
        cell.source = render_source(&cell, self.notebooks[nb].dataset);
        self.notebooks[nb].cells.push(cell);
        let idx = self.notebooks[nb].cells.len() - 1;
        let mut truth = PlantedStreak {
            cell: CellRef {
                notebook: self.notebooks[nb].path.clone(),
                cell: id,
            },
            runs: Vec::new(),
            unrecorded: 0,
            errors: 0,
            first: 0,
            last: 0,
        };
        for (k, attempt) in attempts.into_iter().enumerate() {
            if k > 0 {
                self.w.advance(self.rng.range(10, 120));
                self.edit_fit(nb, idx);
            }
            let Some(error) = attempt else {
                self.raise_in(nb, idx);
                truth.unrecorded += 1;
                continue;
            };
            if self.left == 0 {
                break;
            }
            if error {
                let count = self.notebooks[nb].kernel + 1;
                let text = self.traceback(nb, idx, count);
                self.forced = Some(vec![Out::Stderr(text)]);
                truth.errors += 1;
            }
            self.run_cells(nb, &[idx]);
            let (Some(rec), Some(count)) =
                (self.w.records().last(), self.notebooks[nb].cells[idx].count)
            else {
                break;
            };
            if truth.runs.is_empty() {
                truth.first = rec.time;
            }
            truth.last = rec.time;
            truth.runs.push((rec.activity, format!("ex:{count}")));
        }
        self.forced = None;
        if truth.runs.len() >= 4 {
            self.planted.push(truth);
        }
    }

    /// A small edit of a planted fit: another column or degree.
    fn edit_fit(&mut self, nb: usize, idx: usize) {
        let which = self.rng.below(2) as usize;
        let bump = 1 + self.rng.below(3) as u32;
        let ds = self.notebooks[nb].dataset;
        let cell = &mut self.notebooks[nb].cells[idx];
        let before = cell.source.clone();
        cell.params[which] = (cell.params[which] + bump) % 1000;
        cell.source = render_source(cell, ds);
        cell.json = None;
        if cell.source == before {
            cell.source.push_str("\n# retry");
        }
    }

    /// The cell raises in the kernel: the notebook shows the error, its
    /// count is used up, and no record is written.
    fn raise_in(&mut self, nb: usize, idx: usize) {
        let (ename, evalue) = self.fit_error(nb, idx);
        let notebook = &mut self.notebooks[nb];
        notebook.kernel += 1;
        let count = notebook.kernel;
        let cell = &mut notebook.cells[idx];
        cell.count = Some(count);
        cell.outputs = vec![Out::Error { ename, evalue }];
        cell.json = None;
        notebook.unsaved = true;
        notebook.focus = Some(notebook.cells[idx].id);
        if !self.rng.chance(self.cfg.notebook_lag) {
            self.save(nb);
        }
    }

    /// An exception a planted fit might raise.
    fn fit_error(&mut self, nb: usize, idx: usize) -> (String, String) {
        let ds = &DATASETS[self.notebooks[nb].dataset % DATASETS.len()];
        let p = self.notebooks[nb].cells[idx].params;
        match self.rng.below(3) {
            0 => (
                "KeyError".into(),
                format!("'{}_'", ds.nums[p[0] as usize % ds.nums.len()]),
            ),
            1 => (
                "LinAlgError".into(),
                "SVD did not converge in Linear Least Squares".into(),
            ),
            _ => ("TypeError".into(), "expected 1D vector for x".into()),
        }
    }

    /// The traceback `traceback.print_exc()` prints for a planted fit.
    pub(super) fn traceback(&mut self, nb: usize, idx: usize, count: u32) -> String {
        let (ename, evalue) = self.fit_error(nb, idx);
        let line = self.notebooks[nb].cells[idx]
            .source
            .lines()
            .find(|l| l.contains("polyfit"))
            .unwrap_or_default()
            .trim()
            .to_string();
        let qualified = if ename == "LinAlgError" {
            "numpy.linalg.LinAlgError".to_string()
        } else {
            ename
        };
        format!(
            "Traceback (most recent call last):\n  File \"<ipython-input-{count}-{:012x}>\", line 2, in <module>\n    {line}\n  File \"/usr/local/lib/python3.7/site-packages/numpy/lib/polynomial.py\", line 629, in polyfit\n    c, resids, rank, s = lstsq(lhs, rhs, rcond)\n{qualified}: {evalue}\n",
            self.rng.next_u64() >> 16
        )
    }
}
