//! What a user does to a notebook between two commits, each step recorded as the truth's `ops` (positions are 0-based, in the cells as they stood when the step ran).

use std::collections::BTreeSet;

use super::model::{Cell, IdStyle, Kind, Nb};
use super::text;
use crate::synth::workload::{Py, Rng};

/// A new working session after this long: the kernel was restarted.
const SESSION_GAP: i64 = 6 * 3600;

/// The random source and the repository-wide counters every step draws on.
pub(super) struct Tools {
    pub(super) rng: Rng,
    next_ident: u64,
    used_ids: BTreeSet<String>,
    runs: u64,
    pub(super) images: f64,
    pub(super) figure_px: (u32, u32),
}

impl Tools {
    pub(super) fn new(seed: u64, images: f64) -> Self {
        Tools {
            rng: Rng::new(seed),
            next_ident: 1,
            used_ids: BTreeSet::new(),
            runs: 0,
            images,
            figure_px: (24, 16),
        }
    }

    pub(super) fn ident(&mut self) -> u64 {
        self.next_ident += 1;
        self.next_ident - 1
    }

    /// A cell id never used before in the repository, so that an id names
    /// one cell for the whole history (a clash of eight hex digits is
    /// otherwise likely in a big repository).
    fn new_id(&mut self, style: IdStyle) -> String {
        loop {
            let a = self.rng.next_u64();
            let id = match style {
                IdStyle::Hex8 => format!("{:08x}", a >> 32),
                IdStyle::Uuid => {
                    let b = self.rng.next_u64();
                    format!(
                        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
                        a >> 32,
                        (a >> 16) & 0xffff,
                        a & 0xfff,
                        0x8000 | ((b >> 48) & 0x3fff),
                        b & 0xffff_ffff_ffff
                    )
                }
            };
            if self.used_ids.insert(id.clone()) {
                return id;
            }
        }
    }

    fn run(&mut self, nb: &mut Nb, i: usize) {
        if !nb.cells[i].is_code() {
            return;
        }
        nb.counter += 1;
        self.runs += 1;
        text::run(
            &mut nb.cells[i],
            nb.counter,
            nb.dataset,
            self.runs,
            self.figure_px,
            &mut self.rng,
        );
    }

    /// A new cell unlike any in the notebook: people rarely type the same
    /// heading or code twice, and a copy is a step of its own.
    fn new_cell(&mut self, nb: &Nb) -> Cell {
        let ident = self.ident();
        let kind = self.rng.below(100);
        let mut cell = None;
        for _ in 0..6 {
            let c = match kind {
                0..=71 => {
                    text::analysis_cell(ident, &mut self.rng, nb.dataset, &nb.path, self.images)
                }
                72..=96 => text::markdown_cell(ident, &mut self.rng),
                _ => text::raw_cell(ident, &mut self.rng),
            };
            let taken = nb.cells.iter().any(|o| o.source == c.source);
            cell = Some(c);
            if !taken {
                break;
            }
        }
        cell.unwrap_or_else(|| text::markdown_cell(ident, &mut self.rng))
    }
}

/// Gives every cell without one an id, if the file carries ids.
pub(super) fn assign_ids(nb: &mut Nb, t: &mut Tools) {
    if !nb.has_ids() {
        return;
    }
    for i in 0..nb.cells.len() {
        if nb.cells[i].nbid.is_none() {
            nb.cells[i].nbid = Some(t.new_id(nb.id_style));
        }
    }
}

/// JupyterLab 3.0's bug: every id drawn anew on save.
pub(super) fn regenerate_ids(nb: &mut Nb, t: &mut Tools) {
    for c in &mut nb.cells {
        c.nbid = None;
    }
    assign_ids(nb, t);
}

/// "Clear all outputs".
pub(super) fn strip(nb: &mut Nb) {
    for c in nb.cells.iter_mut().filter(|c| c.is_code()) {
        c.outputs.clear();
        c.count = None;
    }
}

/// A fresh notebook: a title, imports, loading, then analysis; run top to bottom.
pub(super) fn new_notebook(nb: &mut Nb, t: &mut Tools, cells: usize, ops: &mut Vec<String>) {
    let cells = cells.max(2);
    if t.rng.chance(0.7) {
        let ident = t.ident();
        nb.cells.push(text::title_cell(ident, &mut t.rng));
    }
    for py in [Py::Imports, Py::Load] {
        let ident = t.ident();
        let c = text::code_cell(ident, py, &mut t.rng, nb.dataset, &nb.path, false);
        nb.cells.push(c);
    }
    while nb.cells.len() < cells {
        let c = t.new_cell(nb);
        nb.cells.push(c);
    }
    nb.cells.truncate(cells);
    nb.counter = 0;
    // Usually all of it ran once; sometimes only the top before saving.
    let upto = if t.rng.chance(0.8) {
        nb.cells.len()
    } else {
        t.rng.range(1, nb.cells.len() as i64 + 1) as usize
    };
    for i in 0..upto {
        t.run(nb, i);
    }
    ops.push("create".into());
}

/// Opening the notebook again: after a long gap (or sometimes anyway) the
/// kernel is new, and people rerun the setup cells first.
pub(super) fn session(nb: &mut Nb, t: &mut Tools, time: i64, ops: &mut Vec<String>) {
    if time - nb.last_time > SESSION_GAP || t.rng.chance(0.3) {
        nb.counter = 0;
        if t.rng.chance(0.7) {
            let code = nb.code_indices();
            let k = (2 + t.rng.below(3) as usize).min(code.len());
            for &i in &code[..k] {
                t.run(nb, i);
                ops.push(format!("rerun {i}"));
            }
        }
    }
}

/// `n` steps of ordinary work, keeping the notebook near `target` cells.
pub(super) fn work(nb: &mut Nb, t: &mut Tools, n: usize, target: usize, ops: &mut Vec<String>) {
    for _ in 0..n {
        let len = nb.cells.len();
        // Notebooks grow while young and then hover around 1–1.5× their first size.
        let grow = if len < target {
            16
        } else if len * 2 < target * 3 {
            9
        } else {
            2
        };
        let shrink = if len <= 3 || len * 2 < target {
            0
        } else if len * 2 > target * 3 {
            14
        } else {
            7
        };
        let weights = [
            ("edit", 28),
            ("rewrite", 3),
            ("markdown", 7),
            ("rerun", 14),
            ("run-all", 4),
            ("restart-run-all", 4),
            ("insert", grow),
            ("delete", shrink),
            ("move", 5),
            ("copy", if len * 2 > target * 3 { 1 } else { 4 }),
            ("split", 3),
            ("merge", if len <= 3 { 0 } else { 3 }),
        ];
        let total: u64 = weights.iter().map(|w| w.1).sum();
        let mut roll = t.rng.below(total);
        let mut step = "edit";
        for (name, w) in weights {
            if roll < w {
                step = name;
                break;
            }
            roll -= w;
        }
        apply(nb, t, step, ops);
    }
}

/// Saves made by a buggy JupyterLab touch little else: a rerun, at most a tweak.
pub(super) fn quiet(nb: &mut Nb, t: &mut Tools, ops: &mut Vec<String>) {
    match t.rng.below(10) {
        0..=4 => {}
        5..=7 => apply(nb, t, "rerun", ops),
        _ => apply(nb, t, "edit", ops),
    }
}

/// One small edit of a code cell (or markdown when there is no code).
pub(super) fn small_edit(nb: &mut Nb, t: &mut Tools, ops: &mut Vec<String>) {
    apply(nb, t, "edit", ops);
}

fn pick_cell(nb: &Nb, t: &mut Tools, want_code: bool) -> Option<usize> {
    let matching: Vec<usize> = (0..nb.cells.len())
        .filter(|&i| nb.cells[i].is_code() == want_code)
        .collect();
    if matching.is_empty() {
        return None;
    }
    // Work happens lower down more often than in the setup at the top.
    let k = if t.rng.chance(0.5) {
        matching.len() - 1 - t.rng.below(matching.len().min(4) as u64) as usize
    } else {
        t.rng.below(matching.len() as u64) as usize
    };
    Some(matching[k])
}

fn apply(nb: &mut Nb, t: &mut Tools, step: &str, ops: &mut Vec<String>) {
    let len = nb.cells.len();
    if len == 0 {
        let c = t.new_cell(nb);
        nb.cells.push(c);
        t.run(nb, 0);
        ops.push("insert 0".into());
        return;
    }
    match step {
        "edit" | "rewrite" => {
            let Some(i) = pick_cell(nb, t, true) else {
                return apply(nb, t, "markdown", ops);
            };
            if step == "rewrite" {
                text::rewrite_code(&mut nb.cells[i], &mut t.rng, nb.dataset, &nb.path);
                ops.push(format!("rewrite {i}"));
            } else {
                nb.cells[i].source = text::tweak_code(&nb.cells[i].source, &mut t.rng);
                ops.push(format!("edit {i}"));
            }
            if t.rng.chance(0.8) {
                t.run(nb, i);
                ops.push(format!("rerun {i}"));
            }
        }
        "markdown" => {
            let Some(i) = pick_cell(nb, t, false) else {
                return apply(nb, t, "insert", ops);
            };
            nb.cells[i].source = text::tweak_markdown(&nb.cells[i].source, &mut t.rng);
            ops.push(format!("edit {i}"));
        }
        "rerun" => {
            let code = nb.code_indices();
            if code.is_empty() {
                return apply(nb, t, "insert", ops);
            }
            let n = (1 + t.rng.below(3) as usize).min(code.len());
            let start = t.rng.below((code.len() - n + 1) as u64) as usize;
            for &i in &code[start..start + n] {
                t.run(nb, i);
                ops.push(format!("rerun {i}"));
            }
        }
        "run-all" | "restart-run-all" => {
            if step == "restart-run-all" {
                nb.counter = 0;
            }
            for i in 0..len {
                t.run(nb, i);
            }
            ops.push(step.into());
        }
        "insert" => {
            let at = if t.rng.chance(0.45) {
                len
            } else {
                1 + t.rng.below(len as u64) as usize
            };
            let c = t.new_cell(nb);
            nb.cells.insert(at, c);
            ops.push(format!("insert {at}"));
            if t.rng.chance(0.9) {
                t.run(nb, at);
            }
        }
        "delete" => {
            if len <= 2 {
                return apply(nb, t, "edit", ops);
            }
            let i = t.rng.range(1, len as i64) as usize;
            nb.cells.remove(i);
            ops.push(format!("delete {i}"));
        }
        "move" => {
            if len < 2 {
                return apply(nb, t, "edit", ops);
            }
            let a = t.rng.below(len as u64) as usize;
            let d = t.rng.range(1, 5);
            let b = if t.rng.chance(0.5) {
                a as i64 + d
            } else {
                a as i64 - d
            };
            let b = b.clamp(0, len as i64 - 1) as usize;
            if a == b {
                return apply(nb, t, "edit", ops);
            }
            let c = nb.cells.remove(a);
            nb.cells.insert(b, c);
            ops.push(format!("move {a}->{b}"));
        }
        "copy" => {
            let want_code = t.rng.chance(0.8);
            let a = match pick_cell(nb, t, want_code) {
                Some(a) => a,
                None => t.rng.below(len as u64) as usize,
            };
            let b = if t.rng.chance(0.7) {
                a + 1
            } else {
                (a + t.rng.range(2, 5) as usize).min(len)
            };
            // The paste keeps source, outputs and metadata; only the id is new.
            let mut c = nb.cells[a].clone();
            c.ident = t.ident();
            c.nbid = None;
            nb.cells.insert(b, c);
            ops.push(format!("copy {a}->{b}"));
            if nb.cells[b].is_code() && t.rng.chance(0.65) {
                nb.cells[b].source = text::tweak_code(&nb.cells[b].source, &mut t.rng);
                ops.push(format!("edit {b}"));
                t.run(nb, b);
                ops.push(format!("rerun {b}"));
            }
        }
        "split" => {
            let long: Vec<usize> = (0..len)
                .filter(|&i| {
                    nb.cells[i].kind != Kind::Raw && nb.cells[i].source.lines().count() >= 2
                })
                .collect();
            if long.is_empty() {
                return apply(nb, t, "insert", ops);
            }
            let i = *t.rng.pick(&long);
            let lines: Vec<&str> = nb.cells[i].source.lines().collect();
            let mid = lines.len() / 2;
            // The blank line at the cut goes with neither half.
            let top = lines[..mid].join("\n").trim_end_matches('\n').to_string();
            let bottom = lines[mid..].join("\n").trim_start_matches('\n').to_string();
            let mut below = nb.cells[i].clone();
            below.ident = t.ident();
            below.nbid = None;
            below.source = bottom;
            let cell = &mut nb.cells[i];
            cell.source = top;
            // The figure comes from the `plt.show()` at the end.
            cell.plot = false;
            for c in [&mut *cell, &mut below] {
                c.tpl = None;
                c.outputs.clear();
                c.count = None;
            }
            nb.cells.insert(i + 1, below);
            ops.push(format!("split {i}"));
            if nb.cells[i].is_code() && t.rng.chance(0.7) {
                t.run(nb, i);
                t.run(nb, i + 1);
                ops.push(format!("rerun {i}"));
                ops.push(format!("rerun {}", i + 1));
            }
        }
        "merge" => {
            let pairs: Vec<usize> = (0..len.saturating_sub(1))
                .filter(|&i| {
                    nb.cells[i].kind == nb.cells[i + 1].kind && nb.cells[i].kind != Kind::Raw
                })
                .collect();
            if pairs.is_empty() {
                return apply(nb, t, "edit", ops);
            }
            let i = *t.rng.pick(&pairs);
            let lower = nb.cells.remove(i + 1);
            let upper = &mut nb.cells[i];
            upper.source = format!("{}\n{}", upper.source, lower.source);
            upper.plot |= lower.plot;
            upper.noisy |= lower.noisy;
            upper.tpl = None;
            upper.outputs.clear();
            upper.count = None;
            ops.push(format!("merge {i}+{}", i + 1));
            if nb.cells[i].is_code() && t.rng.chance(0.7) {
                t.run(nb, i);
                ops.push(format!("rerun {i}"));
            }
        }
        _ => {}
    }
}
