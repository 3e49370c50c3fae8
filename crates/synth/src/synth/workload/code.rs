//! Code work: Jupyter cells added, copied, edited and run (alone, in ranges, "Run all"), notebooks saved, and RStudio console runs.

use std::fmt::Write as _;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::catalogue::{NOTE_TITLES, PY_ORDINARY, R_ORDINARY, jpeg_variant};
use super::notebook::{
    Cell, Marker, Out, Py, Rt, SaveAs, Template, notebook_json, render_source, run_outputs,
    truncate_result,
};
use super::{INSERT_CHANCE, MAX_NOTEBOOKS, MAX_RUN_ALL, Sim, WORLD_MIX, client_order, record};
use crate::activity::detail::{EntryOut, fence_code};
use crate::activity::kinds::{ActionKind, DetailKind, RecordKind};
use crate::synth::writer::{CellRef, DetailSpec};

impl Sim<'_> {
    pub(super) fn code_step(&mut self, slot: usize) {
        let use_r = self.cfg.r_console && (self.cfg.notebooks == 0 || self.rng.chance(0.25));
        if use_r {
            return self.console_step(slot);
        }
        let mine: Vec<usize> = (0..self.notebooks.len())
            .filter(|i| self.notebooks[*i].writer == slot)
            .collect();
        let nb = match mine.last() {
            None => {
                let index = self.notebooks.len();
                self.open_notebook(slot, index)
            }
            Some(&last) if mine.len() == 1 || self.rng.chance(0.7) => last,
            Some(_) => *self.rng.pick(&mine),
        };
        let code = self.notebooks[nb].code_cells();
        if self.cfg.reshapes > 0.0 && code >= 4 && self.rng.chance(self.cfg.reshapes) {
            return self.reshape(nb);
        }
        // Per mille of notebook code steps. Copies, duplicates and "Run all"
        // are rare but each defeats a naive matching of executions to cells.
        let action = self.rng.below(1000);
        if code < 2 || action < 400 {
            let nb = if code < self.cfg.max_cells {
                nb
            } else if mine.len() < MAX_NOTEBOOKS {
                let index = self.notebooks.len();
                self.open_notebook(slot, index)
            } else {
                self.drop_old_cell(nb);
                nb
            };
            let at = if self.rng.chance(INSERT_CHANCE) {
                self.insert_position(nb)
            } else {
                None
            };
            let idx = self.new_cell(nb, at);
            self.run_cells(nb, &[idx]);
        } else if action < 450 {
            let idx = self.copy_cell(nb);
            self.edit_cell(nb, idx);
            self.run_cells(nb, &[idx]);
        } else if action < 470 {
            let idx = self.copy_cell(nb);
            self.run_cells(nb, &[idx]);
        } else if action < 490 {
            self.run_all(nb);
        } else if action < 690 {
            let idx = self.recent_code_cell(nb);
            self.w.advance(self.rng.range(0, 30));
            self.run_cells(nb, &[idx]);
        } else if action < 920 {
            let idx = self.recent_code_cell(nb);
            self.edit_cell(nb, idx);
            self.run_cells(nb, &[idx]);
        } else {
            let code_idx = self.notebooks[nb].code_indices();
            let n = (2 + self.rng.below(4) as usize).min(code_idx.len());
            let start = self.rng.below((code_idx.len() - n + 1) as u64) as usize;
            self.run_cells(nb, &code_idx[start..start + n]);
        }
    }

    /// A rewrite, split or merge of the cell in focus, then its run.
    fn reshape(&mut self, nb: usize) {
        let idx = self.recent_code_cell(nb);
        let lines = self.notebooks[nb].cells[idx].source.lines().count();
        match self.rng.below(3) {
            1 if lines >= 2 => self.split_cell(nb, idx),
            2 => self.merge_cells(nb, idx),
            _ => self.rewrite_cell(nb, idx),
        }
    }

    /// Most of a cell rewritten: another template in its place.
    fn rewrite_cell(&mut self, nb: usize, idx: usize) {
        let before = self.notebooks[nb].cells[idx].source.clone();
        let t = *self.rng.pick(PY_ORDINARY);
        let params = self.params();
        let ds = self.notebooks[nb].dataset;
        let cell = &mut self.notebooks[nb].cells[idx];
        cell.template = Template::Py(t);
        cell.params = params;
        cell.source = render_source(cell, ds);
        cell.json = None;
        if cell.source == before {
            cell.source.push_str("\n# rewritten");
        }
        self.run_cells(nb, &[idx]);
    }

    /// "Split cell" at the middle line: the top half keeps the cell (and
    /// its id, as Jupyter does), the bottom half is a new cell below; both run.
    fn split_cell(&mut self, nb: usize, idx: usize) {
        let id = self.cell_id();
        let cell = &mut self.notebooks[nb].cells[idx];
        let lines: Vec<&str> = cell.source.lines().collect();
        let mid = lines.len() / 2;
        let (top, bottom) = (lines[..mid].join("\n"), lines[mid..].join("\n"));
        cell.template = Template::Py(Py::Text);
        cell.source = top;
        cell.json = None;
        let below = Cell {
            id,
            template: Template::Py(Py::Text),
            params: cell.params,
            marker: Marker::None,
            source: bottom,
            count: None,
            outputs: Vec::new(),
            json: None,
        };
        self.notebooks[nb].cells.insert(idx + 1, below);
        self.run_cells(nb, &[idx, idx + 1]);
    }

    /// "Merge cell below": the next code cell's code joins this one's, and
    /// that cell is gone. A cell with none below merges into the one above.
    fn merge_cells(&mut self, nb: usize, idx: usize) {
        let code = self.notebooks[nb].code_indices();
        let Some(k) = code.iter().position(|&i| i == idx) else {
            return self.rewrite_cell(nb, idx);
        };
        let (upper, lower) = match (code.get(k + 1), k.checked_sub(1).map(|j| code[j])) {
            (Some(&below), _) => (idx, below),
            (None, Some(above)) => (above, idx),
            (None, None) => return self.rewrite_cell(nb, idx),
        };
        let gone = self.notebooks[nb].cells.remove(lower);
        let cell = &mut self.notebooks[nb].cells[upper];
        cell.source = format!("{}\n{}", cell.source, gone.source);
        cell.template = Template::Py(Py::Text);
        cell.json = None;
        self.run_cells(nb, &[upper]);
    }

    /// "Run all" (sometimes after a kernel restart): every code cell, top to
    /// bottom, in one record.
    fn run_all(&mut self, nb: usize) {
        if self.rng.chance(0.5) {
            self.notebooks[nb].kernel = 0;
        }
        let mut code_idx = self.notebooks[nb].code_indices();
        code_idx.truncate(MAX_RUN_ALL);
        self.w.advance(self.rng.range(5, 60));
        self.run_cells(nb, &code_idx);
    }

    /// Copies a code cell near the one the user works on and pastes it right
    /// below the original (Jupyter gives the paste a new id); returns the
    /// copy's index. The copy has not run yet.
    fn copy_cell(&mut self, nb: usize) -> usize {
        if self.notebooks[nb].code_cells() >= self.cfg.max_cells {
            self.drop_old_cell(nb);
        }
        let orig = self.recent_code_cell(nb);
        let id = self.cell_id();
        let mut copy = self.notebooks[nb].cells[orig].clone();
        copy.id = id;
        copy.count = None;
        copy.outputs = Vec::new();
        copy.json = None;
        self.notebooks[nb].cells.insert(orig + 1, copy);
        orig + 1
    }

    /// Where to insert a new cell between existing ones: above a code cell
    /// after the setup (imports, loading), and above its markdown heading so
    /// that the heading stays with its cell. `None` when there is no such place.
    fn insert_position(&mut self, nb: usize) -> Option<usize> {
        let code_idx = self.notebooks[nb].code_indices();
        if code_idx.len() < 3 {
            return None;
        }
        let k = 2 + self.rng.below(code_idx.len() as u64 - 2) as usize;
        let pos = code_idx[k];
        let cells = &self.notebooks[nb].cells;
        Some(if pos > 0 && !cells[pos - 1].is_code() {
            pos - 1
        } else {
            pos
        })
    }

    /// The user tidies a long notebook: the oldest cell after the setup
    /// (imports, loading) goes, with a markdown cell right before it.
    pub(super) fn drop_old_cell(&mut self, nb: usize) {
        let cells = &mut self.notebooks[nb].cells;
        let Some(victim) = cells
            .iter()
            .enumerate()
            .filter(|(_, c)| c.is_code())
            .nth(2)
            .map(|(i, _)| i)
        else {
            return;
        };
        cells.remove(victim);
        if victim > 0 && !cells[victim - 1].is_code() {
            cells.remove(victim - 1);
        }
    }

    /// A code cell at or a little above the one the user last worked on
    /// (the last cell when that one is gone).
    fn recent_code_cell(&mut self, nb: usize) -> usize {
        let notebook = &self.notebooks[nb];
        let code = notebook.code_indices();
        let mut top = code.len() - 1;
        if let Some(focus) = notebook.focus
            && let Some(k) = code.iter().position(|&i| notebook.cells[i].id == focus)
        {
            top = k;
        }
        let mut back = 0;
        while back < top && self.rng.chance(0.45) {
            back += 1;
        }
        code[top - back]
    }

    pub(super) fn params(&mut self) -> [u32; 3] {
        [
            self.rng.next_u64() as u32 % 1000,
            self.rng.next_u64() as u32 % 1000,
            self.rng.next_u64() as u32 % 1000,
        ]
    }

    /// Adds a code cell (sometimes with a markdown heading) at `at`, or at the
    /// end; returns its index.
    pub(super) fn new_cell(&mut self, nb: usize, at: Option<usize>) -> usize {
        let mut at = at.unwrap_or(self.notebooks[nb].cells.len());
        let code = self.notebooks[nb].code_cells();
        let t = if code == 0 {
            Py::Imports
        } else if code == 1 {
            Py::Load
        } else if self.rng.one_in(self.cfg.image_every) {
            if self.rng.one_in(12) {
                Py::Animate
            } else if self.rng.chance(0.5) {
                Py::Hist
            } else {
                Py::Scatter
            }
        } else if self.rng.one_in(self.cfg.large_every) {
            if self.rng.one_in(self.cfg.truncated_every) {
                Py::PrintAll
            } else {
                Py::PrintRows
            }
        } else {
            *self.rng.pick(PY_ORDINARY)
        };
        let marker = match self.rng.below(1000) {
            0..=14 if code >= 2 => Marker::Ignore,
            15..=44 if code >= 2 => Marker::Hide,
            45..=64 if code >= 2 => Marker::Show,
            _ => Marker::None,
        };
        if code >= 2 && self.rng.chance(0.1) {
            let id = self.cell_id();
            let params = self.params();
            let title = *self.rng.pick(NOTE_TITLES);
            self.notebooks[nb].cells.insert(
                at,
                Cell {
                    id,
                    template: Template::Markdown,
                    params,
                    marker: Marker::None,
                    source: format!("## {title}"),
                    count: None,
                    outputs: Vec::new(),
                    json: None,
                },
            );
            at += 1;
        }
        let id = self.cell_id();
        let params = self.params();
        let mut cell = Cell {
            id,
            template: Template::Py(t),
            params,
            marker,
            source: String::new(),
            count: None,
            outputs: Vec::new(),
            json: None,
        };
        cell.source = render_source(&cell, self.notebooks[nb].dataset);
        self.notebooks[nb].cells.insert(at, cell);
        at
    }

    pub(super) fn cell_id(&mut self) -> u64 {
        self.next_cell += 1;
        self.next_cell - 1
    }

    fn edit_cell(&mut self, nb: usize, idx: usize) {
        let which = self.rng.below(3) as usize;
        let bump = 1 + self.rng.below(7) as u32;
        let ds = self.notebooks[nb].dataset;
        let cell = &mut self.notebooks[nb].cells[idx];
        let before = cell.source.clone();
        cell.params[which] = (cell.params[which] + bump) % 1000;
        cell.source = render_source(cell, ds);
        cell.json = None;
        if cell.source == before {
            // Templates that ignore this parameter: a small edit by hand.
            cell.source.push_str("\n# checked");
        }
    }

    /// Runs cells in the kernel and writes their record.
    pub(super) fn run_cells(&mut self, nb: usize, cells: &[usize]) {
        let mut details = Vec::new();
        let mut results = 0;
        let path = self.notebooks[nb].path.clone();
        for &idx in cells {
            let ds = self.notebooks[nb].dataset;
            self.notebooks[nb].kernel += 1;
            let count = self.notebooks[nb].kernel;
            let cell = &self.notebooks[nb].cells[idx];
            let (outs, full) = match self.forced.take() {
                Some(forced) => (forced.clone(), forced),
                None => run_outputs(cell, ds, self.cfg.seed ^ self.world.wrapping_mul(WORLD_MIX)),
            };
            let cell_ref = CellRef {
                notebook: path.clone(),
                cell: cell.id,
            };
            let marker = cell.marker;
            let source = cell.source.clone();
            let cell = &mut self.notebooks[nb].cells[idx];
            cell.count = Some(count);
            cell.outputs = outs;
            cell.json = None;
            if marker == Marker::Ignore {
                continue;
            }
            let tags = vec![format!("ex:{count}")];
            for out in &full {
                results += 1;
                details.push(DetailSpec::Object {
                    type_id: DetailKind::Result.id(),
                    show: marker != Marker::Hide,
                    importance: 255,
                    action: ActionKind::Create.id(),
                    tags: tags.clone(),
                    entries: self.result_entries(out),
                    compress: None,
                    cell: Some(cell_ref.clone()),
                });
            }
            details.push(DetailSpec::Object {
                type_id: DetailKind::CodeExecuted.id(),
                show: marker == Marker::Show,
                importance: 255,
                action: ActionKind::Execute.id(),
                tags,
                entries: vec![EntryOut {
                    mime: "text/markdown".into(),
                    bytes: fence_code(&source).into_bytes(),
                }],
                compress: None,
                cell: Some(cell_ref),
            });
        }
        self.notebooks[nb].unsaved = true;
        self.notebooks[nb].focus = cells.last().map(|&i| self.notebooks[nb].cells[i].id);
        if !self.rng.chance(self.cfg.notebook_lag) {
            self.save(nb);
        }
        let mut message = if cells.len() == 1 {
            format!("Executed cell in notebook {path}")
        } else {
            format!("Executed {} cells in notebook {path}", cells.len())
        };
        match results {
            0 => {}
            1 => message.push_str(" and generated a result"),
            n => {
                let _ = write!(message, " and generated {n} results");
            }
        }
        let mut spec = record(RecordKind::Code, message);
        spec.details = client_order(details);
        self.write(spec);
    }

    fn result_entries(&self, out: &Out) -> Vec<EntryOut> {
        match out {
            Out::Stream(t) | Out::Result(t) | Out::Stderr(t) => vec![EntryOut {
                mime: "text/plain".into(),
                bytes: truncate_result(t).into_bytes(),
            }],
            Out::Image(tag) => {
                let jpeg = jpeg_variant(*tag);
                let bytes = if self.cfg.base64_images {
                    STANDARD.encode(&jpeg).into_bytes()
                } else {
                    jpeg
                };
                vec![EntryOut {
                    mime: "image/png".into(),
                    bytes,
                }]
            }
            Out::Gif => vec![EntryOut {
                mime: "image/gif".into(),
                bytes: self.gif_b64.clone().into_bytes(),
            }],
            Out::Error { .. } => Vec::new(),
        }
    }

    pub(super) fn save(&mut self, nb: usize) {
        // Each draws a random number only when switched on, so that other
        // workloads keep their exact history.
        let strip = self.cfg.strip_saves > 0.0 && self.rng.chance(self.cfg.strip_saves);
        let new_ids = self.cfg.regenerate_ids.then(|| {
            self.saves += 1;
            self.saves
        });
        let json = notebook_json(
            &mut self.notebooks[nb],
            self.cfg.cell_ids,
            SaveAs { strip, new_ids },
            &self.png_b64,
            &self.gif_b64,
        );
        let path = self.notebooks[nb].path.clone();
        self.w.write_file(&path, &json);
        self.notebooks[nb].unsaved = false;
    }

    fn console_step(&mut self, slot: usize) {
        let chunks = if self.rng.chance(0.2) {
            2 + self.rng.below(2) as usize
        } else {
            1
        };
        let mut details = Vec::new();
        for _ in 0..chunks {
            let len = self.slots[slot].console.len();
            let action = self.rng.below(100);
            let idx = if len < 2 || action < 50 {
                let t = if len == 0 {
                    Rt::Libs
                } else if len == 1 {
                    Rt::Read
                } else if self.rng.one_in(self.cfg.image_every) {
                    Rt::Ggplot
                } else {
                    *self.rng.pick(R_ORDINARY)
                };
                let id = self.cell_id();
                let params = self.params();
                let mut cell = Cell {
                    id,
                    template: Template::R(t),
                    params,
                    marker: Marker::None,
                    source: String::new(),
                    count: None,
                    outputs: Vec::new(),
                    json: None,
                };
                cell.source = render_source(&cell, 0);
                self.slots[slot].console.push(cell);
                len
            } else {
                let back = self.rng.below(len.min(4) as u64) as usize;
                let idx = len - 1 - back;
                if action >= 75 {
                    let which = self.rng.below(3) as usize;
                    let bump = 1 + self.rng.below(7) as u32;
                    let cell = &mut self.slots[slot].console[idx];
                    let before = cell.source.clone();
                    cell.params[which] = (cell.params[which] + bump) % 1000;
                    cell.source = render_source(cell, 0);
                    if cell.source == before {
                        cell.source.push_str("\n# again");
                    }
                }
                idx
            };
            let cell = &self.slots[slot].console[idx];
            let (_, full) =
                run_outputs(cell, 0, self.cfg.seed ^ self.world.wrapping_mul(WORLD_MIX));
            let cell_ref = CellRef {
                notebook: "console".into(),
                cell: cell.id,
            };
            let tags = vec!["console".to_string()];
            let source = cell.source.clone();
            for out in &full {
                details.push(DetailSpec::Object {
                    type_id: DetailKind::Result.id(),
                    show: true,
                    importance: 155,
                    action: ActionKind::Create.id(),
                    tags: tags.clone(),
                    entries: self.result_entries(out),
                    compress: None,
                    cell: Some(cell_ref.clone()),
                });
            }
            details.push(DetailSpec::Object {
                type_id: DetailKind::CodeExecuted.id(),
                show: false,
                importance: 254,
                action: ActionKind::Execute.id(),
                tags,
                entries: vec![EntryOut {
                    mime: "text/markdown".into(),
                    bytes: fence_code(&format!("{source}\n")).into_bytes(),
                }],
                compress: None,
                cell: Some(cell_ref),
            });
        }
        let mut spec = record(RecordKind::Code, "Executed code in console");
        spec.details = client_order(details);
        self.write(spec);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use git2::{Oid, Repository};

    use super::super::Workload;
    use super::super::rng::fnv;
    use super::*;
    use crate::synth::writer::{Written, WrittenDetail};

    /// A cell of a notebook as saved in a commit.
    struct SavedCell {
        /// The true cell id, recovered from the nbformat 4.5 `id`.
        id: u64,
        code: bool,
        /// Fenced like the executed code in a detail, to compare the two.
        fenced: String,
        count: Option<u64>,
    }

    fn saved_cells(
        repo: &Repository,
        commit: Oid,
        path: &str,
        ids: &std::collections::HashMap<String, u64>,
    ) -> Option<Vec<SavedCell>> {
        let tree = repo.find_commit(commit).unwrap().tree().unwrap();
        let entry = tree.get_path(Path::new(path)).ok()?;
        let blob = repo.find_blob(entry.id()).unwrap();
        let v: serde_json::Value = serde_json::from_slice(blob.content()).unwrap();
        let cells = v["cells"].as_array().unwrap();
        Some(
            cells
                .iter()
                .map(|c| {
                    let source: String = c["source"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|l| l.as_str().unwrap())
                        .collect();
                    SavedCell {
                        id: ids[c["id"].as_str().unwrap()],
                        code: c["cell_type"] == "code",
                        fenced: fence_code(&source),
                        count: c["execution_count"].as_u64(),
                    }
                })
                .collect(),
        )
    }

    /// Different, but at most a third of the longer text edited away.
    fn similar_text(a: &str, b: &str) -> bool {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.iter().enumerate() {
            let mut diag = row[0];
            row[0] = i + 1;
            for (j, cb) in b.iter().enumerate() {
                let next = (diag + usize::from(ca != cb))
                    .min(row[j] + 1)
                    .min(row[j + 1] + 1);
                diag = row[j + 1];
                row[j + 1] = next;
            }
        }
        let distance = row[b.len()];
        distance > 0 && distance * 3 <= a.len().max(b.len())
    }

    /// How often each situation that defeats naive cell matching shows up,
    /// judged from the records and the notebooks saved with them.
    #[derive(Default, Debug)]
    struct Lineage {
        /// A new cell, pasted right below a live cell whose source differs a little.
        copies: usize,
        /// A new cell, pasted right below a live cell with the very same source.
        duplicates: usize,
        /// Duplicated pairs where one of the two ran again later.
        duplicate_reruns: usize,
        /// A new cell above older cells, unlike the cell above it.
        insertions: usize,
        /// A record running every code cell of the saved notebook in order.
        run_all: usize,
        /// Cells one run-all record executed, at most.
        run_all_max: usize,
    }

    fn lineage_situations(written: &Written) -> Lineage {
        let repo = Repository::open(&written.path).unwrap();
        // Markdown cells take ids too: look a little past the last executed one.
        let max = written
            .records
            .iter()
            .flat_map(|r| r.cells())
            .map(|c| c.cell)
            .max()
            .unwrap_or(0);
        let ids: std::collections::HashMap<String, u64> = (1..=max + 500)
            .map(|i| (format!("{:08x}", fnv(&i.to_string()) as u32), i))
            .collect();
        let mut found = Lineage::default();
        let mut last_source: std::collections::HashMap<u64, String> = Default::default();
        let mut pairs: Vec<(u64, u64, bool)> = Vec::new();
        for rec in &written.records {
            let code: Vec<&WrittenDetail> = rec
                .details
                .iter()
                .filter(|d| {
                    d.type_id == DetailKind::CodeExecuted.id()
                        && d.cell.as_ref().is_some_and(|c| c.notebook != "console")
                })
                .collect();
            let Some(first) = code.first() else { continue };
            let path = &first.cell.as_ref().unwrap().notebook;
            let saved = saved_cells(&repo, rec.activity, path, &ids);
            let ran: Vec<u64> = code.iter().map(|d| d.cell.as_ref().unwrap().cell).collect();
            for pair in &mut pairs {
                if ran.contains(&pair.0) || ran.contains(&pair.1) {
                    pair.2 = true;
                }
            }
            let n: usize = rec
                .message
                .strip_prefix("Executed ")
                .and_then(|m| m.split_once(" cells in notebook "))
                .and_then(|(n, _)| n.parse().ok())
                .unwrap_or(1);
            if n > 5 {
                // Range runs take at most five cells: this is "Run all".
                found.run_all_max = found.run_all_max.max(n);
                // Details are in the client's order (shown ones first): the
                // execution counts give the order the cells ran in.
                let mut runs: Vec<(u64, u64)> = code
                    .iter()
                    .zip(&ran)
                    .map(|(d, id)| {
                        let ex = d.tags[0].strip_prefix("ex:").unwrap().parse().unwrap();
                        (ex, *id)
                    })
                    .collect();
                runs.sort_unstable();
                assert!(runs.windows(2).all(|w| w[0].0 < w[1].0), "{runs:?}");
                if let Some(saved) = &saved {
                    let live: Vec<(u64, u64)> = saved
                        .iter()
                        .filter(|c| c.code && !c.fenced.starts_with("```\n# gtm:ignore"))
                        .map(|c| (c.count.unwrap(), c.id))
                        .collect();
                    let all = saved.iter().filter(|c| c.code).count();
                    if all == n && live == runs {
                        found.run_all += 1;
                    }
                }
            }
            if let ([d], [id], Some(saved)) = (&code[..], &ran[..], &saved)
                && !last_source.contains_key(id)
                && let Some(pos) = saved.iter().position(|c| c.id == *id)
                && let Some(above) = saved[..pos].iter().rev().find(|c| c.code)
            {
                let src = String::from_utf8(d.entries[0].bytes.clone()).unwrap();
                assert_eq!(saved[pos].fenced, src);
                let older_below = saved[pos + 1..].iter().any(|c| c.code && c.id < *id);
                let original = last_source.get(&above.id) == Some(&above.fenced);
                if original && saved[pos - 1].id == above.id && above.fenced == src {
                    found.duplicates += 1;
                    pairs.push((above.id, *id, false));
                } else if original
                    && saved[pos - 1].id == above.id
                    && similar_text(&above.fenced, &src)
                {
                    found.copies += 1;
                } else if older_below && !similar_text(&above.fenced, &src) && above.fenced != src {
                    found.insertions += 1;
                }
            }
            for (d, id) in code.iter().zip(&ran) {
                last_source.insert(*id, String::from_utf8(d.entries[0].bytes.clone()).unwrap());
            }
        }
        found.duplicate_reruns = pairs.iter().filter(|p| p.2).count();
        found
    }

    #[test]
    fn copies_duplicates_insertions_and_run_all_appear() {
        let dir = tempfile::TempDir::new().unwrap();
        let written = Workload {
            records: 400,
            bare: true,
            ..Workload::default()
        }
        .generate(dir.path())
        .unwrap();
        let found = lineage_situations(&written);
        assert!(found.copies > 0, "{found:?}");
        assert!(found.duplicates > 0, "{found:?}");
        assert!(found.duplicate_reruns > 0, "{found:?}");
        assert!(found.insertions > 0, "{found:?}");
        assert!(found.run_all > 0, "{found:?}");
        assert!(found.run_all_max <= MAX_RUN_ALL, "{found:?}");
        // Identical source, different true cells.
        let mut by_source: std::collections::HashMap<Vec<u8>, BTreeSet<u64>> = Default::default();
        for d in written.records.iter().flat_map(|r| &r.details) {
            if d.type_id == DetailKind::CodeExecuted.id()
                && let Some(c) = &d.cell
            {
                by_source
                    .entry(d.entries[0].bytes.clone())
                    .or_default()
                    .insert(c.cell);
            }
        }
        assert!(by_source.values().any(|ids| ids.len() > 1));
    }

    #[test]
    fn the_demo_has_every_lineage_situation() {
        let dir = tempfile::TempDir::new().unwrap();
        let written = Workload {
            bare: true,
            ..crate::synth::demo::workload()
        }
        .generate(dir.path())
        .unwrap();
        let found = lineage_situations(&written);
        assert!(
            found.copies > 0
                && found.duplicates > 0
                && found.duplicate_reruns > 0
                && found.insertions > 0
                && found.run_all > 0,
            "{found:?}"
        );
    }

    #[test]
    fn cells_keep_their_identity_over_reruns_and_edits() {
        let dir = tempfile::TempDir::new().unwrap();
        let written = Workload {
            records: 300,
            bare: true,
            ..Workload::default()
        }
        .generate(dir.path())
        .unwrap();
        let mut sources: std::collections::HashMap<u64, BTreeSet<String>> = Default::default();
        let mut runs: std::collections::HashMap<u64, usize> = Default::default();
        for r in &written.records {
            for d in r
                .details
                .iter()
                .filter(|d| d.type_id == DetailKind::CodeExecuted.id())
            {
                let cell = d.cell.as_ref().unwrap().cell;
                *runs.entry(cell).or_default() += 1;
                let src = String::from_utf8(d.entries[0].bytes.clone()).unwrap();
                sources.entry(cell).or_default().insert(src);
            }
        }
        assert!(runs.values().any(|n| *n > 2), "cells are re-run");
        assert!(sources.values().any(|s| s.len() > 1), "cells are edited");
        // Same seed, same project.
        let dir2 = tempfile::TempDir::new().unwrap();
        let again = Workload {
            records: 300,
            bare: true,
            ..Workload::default()
        }
        .generate(dir2.path())
        .unwrap();
        assert_eq!(again.head, written.head);
    }
}
