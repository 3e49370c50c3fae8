//! Two versions of a Jupyter notebook compared cell by cell, never as raw JSON.
//!
//! Cells are paired first, then each pair's source is diffed and its outputs summarised:
//! - with nbformat 4.5 cell `id`s on every cell of both versions, cells pair by id (a cell that
//!   changed place pairs too, and is marked `moved`);
//! - otherwise, an LCS over (cell type, source) pairs the cells that did not change, and within
//!   each stretch between those, cells of the same type whose sources are similar
//!   ([`crate::notebook::similarity`] ≥ 0.5) pair in order, the most similar first; the rest are added or removed.
//!
//! Outputs are compared by count, output type and content (text, images, other data), never
//! shown in full: a notebook's outputs are mostly base64 pictures and long tables.

use std::hash::{DefaultHasher, Hash, Hasher};

use serde::Serialize;
use similar::{Algorithm, DiffTag};

use crate::bounded::Budget;
use crate::diff::{TextDiff, diff_text};
pub use crate::notebook::CellKind;
use crate::notebook::{self, Cell, Output, Parts, Source, normalize, similarity};

/// Two sources at least this similar (`similar`'s ratio) are taken for the same cell edited.
pub const MIN_CELL_SIMILARITY: f32 = 0.5;

/// Above this many candidate pairs in one stretch of changed cells, similarity is not tried:
/// every ratio costs a diff, and such a stretch is a rewrite anyway.
const MAX_PAIRINGS: usize = 10_000;

/// Steps (see [`crate::bounded`]) of exact similarity for the whole pairing of one notebook: a
/// size bound, not a clock, so that the machine's load cannot change how cells pair. 100 million
/// is 0.2 s at worst (README "Performance"); past it ratios are the coarse ones.
const PAIRING_STEPS: u64 = 100_000_000;

/// What happened to a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CellStatus {
    Added,
    Removed,
    /// Its source, type or outputs changed.
    Modified,
    /// Same source, type and outputs (its execution count may differ).
    Unchanged,
}

impl CellStatus {
    pub fn name(self) -> &'static str {
        match self {
            CellStatus::Added => "added",
            CellStatus::Removed => "removed",
            CellStatus::Modified => "modified",
            CellStatus::Unchanged => "unchanged",
        }
    }
}

/// How a cell's outputs changed, by count, type and content.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct OutputsSummary {
    /// `output_type` of each old output, in order ("stream", "execute_result", "display_data",
    /// "error").
    pub old_types: Vec<String>,
    pub new_types: Vec<String>,
    /// The text of the outputs differs (streams, `text/*` data, error messages).
    pub text_changed: bool,
    /// The pictures differ (`image/*` data).
    pub images_changed: bool,
    /// Other data differs (JSON, widgets, anything else).
    pub other_changed: bool,
    /// `ename` of the first error among the new outputs.
    pub new_error: Option<String>,
}

impl OutputsSummary {
    /// Anything about the outputs differs.
    pub fn changed(&self) -> bool {
        self.old_types != self.new_types
            || self.text_changed
            || self.images_changed
            || self.other_changed
    }

    /// "1 output → 2 outputs (stream → stream, display_data), image changed", "2 outputs,
    /// unchanged", "no outputs".
    pub fn describe(&self) -> String {
        let count = |n: usize| match n {
            0 => "no outputs".to_string(),
            1 => "1 output".to_string(),
            n => format!("{n} outputs"),
        };
        let (o, n) = (self.old_types.len(), self.new_types.len());
        if !self.changed() {
            return if n == 0 {
                count(0)
            } else {
                format!("{}, unchanged", count(n))
            };
        }
        if o == 0 || n == 0 {
            // Everything is new (or gone): name the outputs rather than list what "changed".
            let types = if n > 0 {
                &self.new_types
            } else {
                &self.old_types
            };
            let mut s = format!("{} → {} ({})", count(o), count(n), types.join(", "));
            if let Some(e) = &self.new_error {
                s.push_str(&format!(", raises {e}"));
            }
            return s;
        }
        let mut s = if o == n {
            count(n)
        } else {
            format!("{} → {}", count(o), count(n))
        };
        if self.old_types != self.new_types {
            s.push_str(&format!(
                " ({} → {})",
                self.old_types.join(", "),
                self.new_types.join(", ")
            ));
        }
        for (changed, what) in [
            (self.text_changed, "text changed"),
            (self.images_changed, "image changed"),
            (self.other_changed, "other data changed"),
        ] {
            if changed {
                s.push_str(", ");
                s.push_str(what);
            }
        }
        if let Some(e) = &self.new_error {
            s.push_str(&format!(", raises {e}"));
        }
        s
    }
}

/// One cell's change.
#[derive(Debug, Clone, PartialEq)]
pub struct CellChange {
    pub status: CellStatus,
    /// The cell's type (the new one when it changed).
    pub kind: CellKind,
    /// The old type, when it differs from `kind`.
    pub old_kind: Option<CellKind>,
    /// nbformat 4.5 id (the new one, else the old one).
    pub id: Option<String>,
    /// 0-based position among all cells of the old and of the new notebook.
    pub old_index: Option<usize>,
    pub new_index: Option<usize>,
    /// Execution counts (`In [n]`) of code cells.
    pub old_count: Option<u64>,
    pub new_count: Option<u64>,
    /// Paired by id but out of order relative to the other cells: the cell was moved.
    pub moved: bool,
    /// Old source → new source (an added cell's old side is empty, and so on).
    pub source: TextDiff,
    pub outputs: OutputsSummary,
}

/// Compares two versions of a notebook (`None`: the file did not exist on that side). Fails,
/// with the reason, when a present side is not a readable notebook.
pub fn diff_notebooks(old: Option<&[u8]>, new: Option<&[u8]>) -> Result<Vec<CellChange>, String> {
    let side = |b: Option<&[u8]>, which: &str| {
        b.map_or(Ok(Vec::new()), |b| {
            notebook::read(b, Parts::All).map(|nb| nb.cells)
        })
        .map_err(|e| format!("{which} notebook: {e}"))
    };
    let old = side(old, "old")?;
    let new = side(new, "new")?;
    let aligned = align(&old, &new);
    Ok(aligned
        .into_iter()
        .map(|(o, n, moved)| {
            let oc = o.and_then(|i| old.get(i));
            let nc = n.and_then(|i| new.get(i));
            change(o.zip(oc), n.zip(nc), moved)
        })
        .collect())
}

fn change(old: Option<(usize, &Cell)>, new: Option<(usize, &Cell)>, moved: bool) -> CellChange {
    fn src(c: Option<(usize, &Cell)>) -> &str {
        c.map_or("", |(_, c)| c.source.as_str())
    }
    fn outs(c: Option<(usize, &Cell)>) -> &[Output] {
        c.map_or(&[], |(_, c)| c.outputs.as_slice())
    }
    let source = diff_text(src(old), src(new));
    let outputs = summarize(outs(old), outs(new));
    let kind_of = |c: Option<(usize, &Cell)>| c.map(|(_, c)| c.kind);
    let kind = kind_of(new).or(kind_of(old)).unwrap_or(CellKind::Unknown);
    let old_kind = kind_of(old).filter(|k| *k != kind);
    let status = match (old, new) {
        (None, _) => CellStatus::Added,
        (_, None) => CellStatus::Removed,
        _ if source.stats.identical && old_kind.is_none() && !outputs.changed() => {
            CellStatus::Unchanged
        }
        _ => CellStatus::Modified,
    };
    CellChange {
        status,
        kind,
        old_kind,
        id: new
            .and_then(|(_, c)| c.id.clone())
            .or_else(|| old.and_then(|(_, c)| c.id.clone())),
        old_index: old.map(|(i, _)| i),
        new_index: new.map(|(i, _)| i),
        old_count: old.and_then(|(_, c)| c.execution_count),
        new_count: new.and_then(|(_, c)| c.execution_count),
        moved,
        source,
        outputs,
    }
}

// ---------------------------------------------------------------- alignment

/// One aligned cell: old index, new index, moved.
type Aligned = (Option<usize>, Option<usize>, bool);

/// Pairs old and new cells: `(old index, new index, moved)`, in the new notebook's order, each
/// removed cell right after the new position of the old cell before it.
fn align(old: &[Cell], new: &[Cell]) -> Vec<Aligned> {
    let pairs = match pair_by_id(old, new) {
        Some(p) => p,
        None => pair_by_content(old, new),
    };
    let moved = out_of_order(&pairs);
    let mut new_partner: Vec<Option<usize>> = vec![None; old.len()];
    let mut old_paired = vec![false; old.len()];
    let mut new_paired = vec![false; new.len()];
    for &(o, n) in &pairs {
        if let Some(slot) = new_partner.get_mut(o) {
            *slot = Some(n);
        }
        if let Some(p) = old_paired.get_mut(o) {
            *p = true;
        }
        if let Some(p) = new_paired.get_mut(n) {
            *p = true;
        }
    }
    // Sort keys: (new position, tier, old index); a removed cell sorts after the new position
    // of its nearest paired predecessor (-1 when there is none).
    let mut items: Vec<((i64, u8, usize), Aligned)> = Vec::new();
    for (k, &(o, n)) in pairs.iter().enumerate() {
        let m = moved.get(k).copied().unwrap_or(false);
        items.push(((n as i64, 0, 0), (Some(o), Some(n), m)));
    }
    for (n, _) in new_paired.iter().enumerate().filter(|(_, p)| !**p) {
        items.push(((n as i64, 0, 0), (None, Some(n), false)));
    }
    let mut last_partner: i64 = -1;
    for (o, partner) in new_partner.iter().enumerate() {
        match partner {
            Some(n) => last_partner = *n as i64,
            None => items.push(((last_partner, 1, o), (Some(o), None, false))),
        }
    }
    items.sort_by_key(|(k, _)| *k);
    items.into_iter().map(|(_, v)| v).collect()
}

/// Pairs by nbformat 4.5 ids when every cell on both sides has one, unique within its side,
/// and the sides share at least one (ids regenerated wholesale say nothing). `None` otherwise.
fn pair_by_id(old: &[Cell], new: &[Cell]) -> Option<Vec<(usize, usize)>> {
    use std::collections::HashMap;
    let index = |cells: &[Cell]| -> Option<HashMap<String, usize>> {
        let mut m = HashMap::with_capacity(cells.len());
        for (i, c) in cells.iter().enumerate() {
            if m.insert(c.id.clone()?, i).is_some() {
                return None;
            }
        }
        Some(m)
    };
    let (oi, ni) = (index(old)?, index(new)?);
    let mut pairs: Vec<(usize, usize)> = oi
        .iter()
        .filter_map(|(id, &o)| ni.get(id).map(|&n| (o, n)))
        .collect();
    if pairs.is_empty() && !old.is_empty() && !new.is_empty() {
        return None;
    }
    pairs.sort_unstable();
    Some(pairs)
}

/// Which pairs (sorted by old index) fall outside the longest run that keeps both orders: the
/// cells that were moved.
fn out_of_order(pairs: &[(usize, usize)]) -> Vec<bool> {
    // Longest increasing subsequence of new indices, patience-sorting style.
    let mut tails: Vec<usize> = Vec::new(); // index into pairs of the smallest tail per length
    let mut prev: Vec<Option<usize>> = vec![None; pairs.len()];
    for (k, &(_, n)) in pairs.iter().enumerate() {
        let len = tails.partition_point(|&t| pairs.get(t).is_some_and(|p| p.1 < n));
        if let Some(p) = prev.get_mut(k) {
            *p = len.checked_sub(1).and_then(|l| tails.get(l).copied());
        }
        if len == tails.len() {
            tails.push(k);
        } else if let Some(t) = tails.get_mut(len) {
            *t = k;
        }
    }
    let mut moved = vec![true; pairs.len()];
    let mut at = tails.last().copied();
    while let Some(k) = at {
        if let Some(m) = moved.get_mut(k) {
            *m = false;
        }
        at = prev.get(k).copied().flatten();
    }
    moved
}

/// Pairs cells without ids: equal (type, source) by LCS, then similar sources in between.
fn pair_by_content(old: &[Cell], new: &[Cell]) -> Vec<(usize, usize)> {
    let key = |c: &Cell| (c.kind, normalize(&c.source));
    let ok: Vec<_> = old.iter().map(key).collect();
    let nk: Vec<_> = new.iter().map(key).collect();
    let ops = similar::capture_diff_slices(Algorithm::Myers, &ok, &nk);
    let mut pairs = Vec::new();
    let mut budget = Budget::new(PAIRING_STEPS);
    let mut pending: Option<(std::ops::Range<usize>, std::ops::Range<usize>)> = None;
    for op in &ops {
        let (tag, o, n) = op.as_tag_tuple();
        if tag == DiffTag::Equal {
            if let Some((po, pn)) = pending.take() {
                pair_similar(old, new, po, pn, &mut budget, &mut pairs);
            }
            pairs.extend(o.zip(n));
        } else {
            pending = Some(match pending.take() {
                Some((po, pn)) => (po.start..o.end.max(po.end), pn.start..n.end.max(pn.end)),
                None => (o, n),
            });
        }
    }
    if let Some((po, pn)) = pending {
        pair_similar(old, new, po, pn, &mut budget, &mut pairs);
    }
    pairs.sort_unstable();
    pairs
}

/// Within one stretch of changed cells, pairs cells of the same type with similar sources,
/// most similar first, keeping both orders (a pair never crosses another).
fn pair_similar(
    old: &[Cell],
    new: &[Cell],
    o: std::ops::Range<usize>,
    n: std::ops::Range<usize>,
    budget: &mut Budget,
    pairs: &mut Vec<(usize, usize)>,
) {
    if o.is_empty() || n.is_empty() || o.len().saturating_mul(n.len()) > MAX_PAIRINGS {
        return;
    }
    fn sources(cells: &[Cell], r: std::ops::Range<usize>) -> Vec<Source<'_>> {
        let cells = cells.get(r).unwrap_or_default();
        cells.iter().map(|c| Source::new(&c.source)).collect()
    }
    let (os, ns) = (sources(old, o.clone()), sources(new, n.clone()));
    let mut scored: Vec<(f32, usize, usize)> = Vec::new();
    for (i, sa) in o.clone().zip(&os) {
        for (j, sb) in n.clone().zip(&ns) {
            let (Some(a), Some(b)) = (old.get(i), new.get(j)) else {
                continue;
            };
            if a.kind != b.kind {
                continue;
            }
            let r = similarity(sa, sb, MIN_CELL_SIMILARITY, budget);
            if r >= MIN_CELL_SIMILARITY {
                scored.push((r, i, j));
            }
        }
    }
    // Most similar first; ties to the earlier cells, so the result does not depend on order.
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then((a.1, a.2).cmp(&(b.1, b.2))));
    let mut chosen: Vec<(usize, usize)> = Vec::new();
    for (_, i, j) in scored {
        let crosses = chosen
            .iter()
            .any(|&(ci, cj)| ci == i || cj == j || (ci < i) != (cj < j));
        if !crosses {
            chosen.push((i, j));
        }
    }
    pairs.extend(chosen);
}

// ---------------------------------------------------------------- outputs

/// Fingerprints of a list of outputs: their types, and per output a hash of its text, its
/// images and its other data (an output with none of a kind adds nothing to that list, so new
/// text is not reported as a changed image).
#[derive(Default)]
struct Prints {
    types: Vec<String>,
    text: Vec<(usize, u64)>,
    images: Vec<(usize, u64)>,
    other: Vec<(usize, u64)>,
    error: Option<String>,
}

fn hash_of(parts: &[&str]) -> u64 {
    let mut h = DefaultHasher::new();
    parts.hash(&mut h);
    h.finish()
}

fn prints(outputs: &[Output]) -> Prints {
    let mut p = Prints::default();
    for (k, out) in outputs.iter().enumerate() {
        let ty = out.output_type.as_deref().unwrap_or("unknown");
        p.types.push(ty.to_string());
        let mut text: Vec<&str> = Vec::new();
        let (mut images, mut other): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
        text.extend(out.text.as_deref());
        if ty == "error" {
            text.extend(out.ename.as_deref());
            text.extend(out.evalue.as_deref());
            text.extend(out.traceback.as_deref());
            if p.error.is_none() {
                p.error = out.ename.clone();
            }
        }
        // The reader sorts the data by MIME type, so the order (and the hash) does not depend
        // on the file.
        for (mime, content) in &out.data {
            let list = if mime.starts_with("image/") {
                &mut images
            } else if mime.starts_with("text/") {
                &mut text
            } else {
                &mut other
            };
            list.push(mime);
            list.push(content);
        }
        for (parts, into) in [
            (text, &mut p.text),
            (images, &mut p.images),
            (other, &mut p.other),
        ] {
            if !parts.is_empty() {
                into.push((k, hash_of(&parts)));
            }
        }
    }
    p
}

fn summarize(old: &[Output], new: &[Output]) -> OutputsSummary {
    let (o, n) = (prints(old), prints(new));
    OutputsSummary {
        text_changed: o.text != n.text,
        images_changed: o.images != n.images,
        other_changed: o.other != n.other,
        new_error: n.error,
        old_types: o.types,
        new_types: n.types,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bounded;
    use serde_json::{Value, json};

    /// The outputs as the reader gives them, from their JSON.
    fn summarize(old: &[Value], new: &[Value]) -> OutputsSummary {
        let read = |o: &[Value]| o.iter().map(Output::from_json).collect::<Vec<_>>();
        super::summarize(&read(old), &read(new))
    }

    fn ratio(a: &str, b: &str, budget: &mut Budget) -> f32 {
        similarity(
            &Source::new(a),
            &Source::new(b),
            MIN_CELL_SIMILARITY,
            budget,
        )
    }

    fn nb(cells: Value) -> Vec<u8> {
        serde_json::to_vec(
            &json!({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}),
        )
        .unwrap()
    }

    fn code(id: Option<&str>, src: &str, outputs: Value) -> Value {
        let mut c = json!({"cell_type": "code", "source": src, "metadata": {}, "execution_count": 1, "outputs": outputs});
        if let Some(id) = id {
            c["id"] = json!(id);
        }
        c
    }

    fn md(id: Option<&str>, src: &str) -> Value {
        let mut c = json!({"cell_type": "markdown", "source": [src], "metadata": {}});
        if let Some(id) = id {
            c["id"] = json!(id);
        }
        c
    }

    #[test]
    fn ratio_is_exact_within_budget_and_the_byte_count_bound_past_it() {
        // Similar by byte counts (same letters), much less by order: the exact ratio says
        // no pair, the coarse one past the budget yes, and each says so every time.
        let a: String = "abcd".repeat(400);
        let b: String = "dcba".repeat(400);
        let exact = ratio(&a, &b, &mut Budget::new(u64::MAX));
        let coarse = ratio(&a, &b, &mut Budget::new(0));
        assert_eq!(
            exact,
            bounded::ratio_of(bounded::lcs_len(a.as_bytes(), b.as_bytes()), 1600, 1600)
        );
        assert_eq!(coarse, 1.0);
        assert!(exact < 0.6);
        // The pairing's budget is spent in cell order: the first pair is priced exactly.
        let mut budget = Budget::new(bounded::lcs_cost(1600, 1600));
        assert_eq!(ratio(&a, &b, &mut budget), exact);
        assert_eq!(budget.left(), 0);
        assert_eq!(ratio(&a, &b, &mut budget), coarse);
    }

    /// 30 import lines, then one long data line that differs in every byte.
    fn imports_and_data(data: &str) -> String {
        let imports: String = (0..30).map(|i| format!("import module_{i:02}\n")).collect();
        format!("{imports}data = '{}'\n", data.repeat(320))
    }

    #[test]
    fn long_sources_pair_by_lines_whatever_their_bytes() {
        let (a, b) = (
            imports_and_data("0123456789"),
            imports_and_data("abcdefghij"),
        );
        assert!(a.len() > 2_000);
        // Their byte counts are far apart, their lines are not: 30 of 31 in common.
        assert!(bounded::byte_histogram_ratio(a.as_bytes(), b.as_bytes()) < 0.2);
        let r = ratio(&a, &b, &mut Budget::new(PAIRING_STEPS));
        assert!((r - 60.0 / 62.0).abs() < 1e-6, "{r}");
        let d = diff_notebooks(
            Some(&nb(json!([code(None, &a, json!([]))]))),
            Some(&nb(json!([code(None, &b, json!([]))]))),
        )
        .unwrap();
        assert_eq!(statuses(&d), vec![(CellStatus::Modified, Some(0), Some(0))]);
        // Long sources with no line in common cost nothing to tell apart.
        let c: String = (0..300).map(|i| format!("y_{i} = {i}\n")).collect();
        let mut budget = Budget::new(PAIRING_STEPS);
        assert_eq!(ratio(&a, &c, &mut budget), 0.0);
        assert_eq!(budget.left(), PAIRING_STEPS);
    }

    #[test]
    fn non_ascii_sources_compare_by_characters() {
        // Unrelated Japanese ("preprocess the data", "train the model"): their UTF-8 bytes share
        // lead and continuation bytes, their characters little.
        let (a, b) = ("データの前処理を行います", "モデルを学習させます");
        let bytes = bounded::ratio_of(
            bounded::lcs_len(a.as_bytes(), b.as_bytes()),
            a.len(),
            b.len(),
        );
        assert!(bytes >= MIN_CELL_SIMILARITY, "{bytes}");
        let chars = similar::TextDiff::from_chars(a, b).ratio();
        assert!(chars < MIN_CELL_SIMILARITY, "{chars}");
        assert_eq!(ratio(a, b, &mut Budget::new(PAIRING_STEPS)), chars);
        let d = diff_notebooks(
            Some(&nb(json!([md(None, a)]))),
            Some(&nb(json!([md(None, b)]))),
        )
        .unwrap();
        use CellStatus::*;
        assert_eq!(
            statuses(&d),
            vec![(Removed, Some(0), None), (Added, None, Some(0))]
        );
        // An edit of one of them still pairs, at its character ratio.
        let edited = "データの前処理を丁寧に行います";
        let r = ratio(a, edited, &mut Budget::new(PAIRING_STEPS));
        assert_eq!(r, similar::TextDiff::from_chars(a, edited).ratio());
        assert!(r > 0.8, "{r}");
        // The budget is spent by characters, and past it the character-count bound answers:
        // the same characters, reordered.
        let moved = "行いますデータの前処理を";
        let mut budget = Budget::new(bounded::lcs_cost(12, 12));
        let exact = ratio(a, moved, &mut budget);
        assert_eq!(exact, similar::TextDiff::from_chars(a, moved).ratio());
        assert_eq!(budget.left(), 0);
        assert_eq!(ratio(a, moved, &mut budget), 1.0);
        assert!(exact < 0.7, "{exact}");
    }

    fn statuses(c: &[CellChange]) -> Vec<(CellStatus, Option<usize>, Option<usize>)> {
        c.iter()
            .map(|c| (c.status, c.old_index, c.new_index))
            .collect()
    }

    #[test]
    fn pairs_by_id_and_marks_moves() {
        let old = nb(json!([
            code(Some("a"), "import pandas as pd", json!([])),
            code(Some("b"), "df = pd.read_csv('x')", json!([])),
            code(Some("e"), "df.describe()", json!([])),
            code(Some("c"), "df.head()", json!([])),
        ]));
        let new = nb(json!([
            code(Some("c"), "df.head(10)", json!([])),
            code(Some("a"), "import pandas as pd", json!([])),
            code(Some("e"), "df.describe()", json!([])),
            md(Some("d"), "# Notes"),
        ]));
        let d = diff_notebooks(Some(&old), Some(&new)).unwrap();
        use CellStatus::*;
        assert_eq!(
            statuses(&d),
            vec![
                (Modified, Some(3), Some(0)),
                (Unchanged, Some(0), Some(1)),
                (Removed, Some(1), None),
                (Unchanged, Some(2), Some(2)),
                (Added, None, Some(3)),
            ]
        );
        let moved: Vec<bool> = d.iter().map(|c| c.moved).collect();
        assert_eq!(moved, vec![true, false, false, false, false]);
        assert_eq!(d[4].kind, CellKind::Markdown);
        assert_eq!(d[0].id.as_deref(), Some("c"));
        assert_eq!((d[0].source.stats.added, d[0].source.stats.removed), (1, 1));
    }

    #[test]
    fn pairs_by_content_without_ids() {
        let old = nb(json!([
            code(None, "import numpy as np", json!([])),
            code(None, "x = np.arange(10)\nprint(x.mean())", json!([])),
            code(None, "y = 2", json!([])),
        ]));
        let new = nb(json!([
            code(None, "import numpy as np", json!([])),
            md(None, "## Mean"),
            code(None, "x = np.arange(20)\nprint(x.mean())", json!([])),
            code(None, "z = totally_different_thing()", json!([])),
        ]));
        let d = diff_notebooks(Some(&old), Some(&new)).unwrap();
        use CellStatus::*;
        assert_eq!(
            statuses(&d),
            vec![
                (Unchanged, Some(0), Some(0)),
                (Added, None, Some(1)),
                (Modified, Some(1), Some(2)),
                (Removed, Some(2), None),
                (Added, None, Some(3)),
            ]
        );
    }

    #[test]
    fn outputs_by_count_type_and_content() {
        let img = |d: &str| json!({"output_type": "display_data", "data": {"image/png": d, "text/plain": ["<Figure>"]}, "metadata": {}});
        let st = |t: &str| json!({"output_type": "stream", "name": "stdout", "text": [t]});
        let s = summarize(
            &[st("1\n"), img("AAAA")],
            &[st("1\n"), img("BBBB"), st("2\n")],
        );
        assert!(s.changed() && s.images_changed && s.text_changed && !s.other_changed);
        assert_eq!(
            s.describe(),
            "2 outputs → 3 outputs (stream, display_data → stream, display_data, stream), text changed, image changed"
        );
        let same = summarize(
            &[st("1\n")],
            &[json!({"output_type": "stream", "name": "stdout", "text": "1\n"})],
        );
        assert!(!same.changed());
        assert_eq!(same.describe(), "1 output, unchanged");
        assert_eq!(summarize(&[], &[]).describe(), "no outputs");
        assert_eq!(
            summarize(&[], &[st("x\n")]).describe(),
            "no outputs → 1 output (stream)"
        );
        let pic = summarize(&[img("AAAA")], &[img("BBBB")]);
        assert!(!pic.text_changed && pic.images_changed);
        assert_eq!(pic.describe(), "1 output, image changed");
        let err =
            json!({"output_type": "error", "ename": "NameError", "evalue": "x", "traceback": []});
        let e = summarize(&[st("ok\n")], &[err]);
        assert_eq!(
            e.describe(),
            "1 output (stream → error), text changed, raises NameError"
        );
        // A re-run's execution count in execute_result is not a content change.
        let r = |n: u32| json!({"output_type": "execute_result", "execution_count": n, "data": {"text/plain": "3"}, "metadata": {}});
        assert!(!summarize(&[r(1)], &[r(7)]).changed());
    }

    #[test]
    fn malformed_notebooks_say_why() {
        for (bytes, why) in [
            (&b"{not json"[..], "not JSON"),
            (b"[1,2]", "not a JSON object"),
            (b"{\"cells\": 3}", "`cells` is not a list"),
            (b"{\"worksheets\": []}", "nbformat 3"),
            (b"{\"nbformat\": 4}", "no `cells` list"),
            (b"{\"cells\": [5]}", "cell 1 is not an object"),
            (b"{\"cells\": [{\"source\": 5}]}", "cell 1: bad `source`"),
        ] {
            let e = diff_notebooks(Some(b"{\"cells\": []}"), Some(bytes)).unwrap_err();
            assert!(e.contains(why) && e.contains("new notebook"), "{e}");
        }
        assert_eq!(
            diff_notebooks(Some(b""), Some(b"  \n")).unwrap(),
            Vec::new()
        );
    }

    #[test]
    fn cut_off_and_odd_notebooks_never_panic() {
        let full = nb(json!([
            md(Some("m"), "# T"),
            code(Some("a"), "x = 1", json!([{"output_type": "error", "ename": 5, "traceback": "no"}])),
            {"cell_type": 7, "source": null, "outputs": {"x": 1}, "id": 3},
        ]));
        for cut in 0..full.len() {
            let part = &full[..cut];
            let _ = diff_notebooks(Some(&full), Some(part));
            let _ = diff_notebooks(Some(part), None);
        }
        assert!(diff_notebooks(Some(&full), Some(&full)).is_ok());
    }

    #[test]
    fn nbformat_3_notebooks_are_compared_cell_by_cell() {
        let v3 = |code: &str, out: &str| {
            serde_json::to_vec(&json!({"nbformat": 3, "nbformat_minor": 0, "metadata": {},
            "worksheets": [{"metadata": {}, "cells": [
                {"cell_type": "heading", "level": 1, "source": "Title"},
                {"cell_type": "code", "input": code, "language": "python", "prompt_number": 1,
                 "outputs": [{"output_type": "pyout", "prompt_number": 1, "text": out}]}
            ]}]}))
            .unwrap()
        };
        let d = diff_notebooks(Some(&v3("x = 1", "1")), Some(&v3("x = 2", "2"))).unwrap();
        use CellStatus::*;
        assert_eq!(
            statuses(&d),
            vec![(Unchanged, Some(0), Some(0)), (Modified, Some(1), Some(1))]
        );
        assert_eq!(d[0].kind, CellKind::Markdown);
        assert_eq!(d[1].new_count, Some(1));
        assert_eq!(d[1].outputs.new_types, vec!["execute_result".to_string()]);
        assert!(d[1].outputs.text_changed);
    }

    #[test]
    fn added_and_deleted_notebooks() {
        let n = nb(json!([md(None, "# T"), code(None, "1", json!([]))]));
        let added = diff_notebooks(None, Some(&n)).unwrap();
        assert!(added.iter().all(|c| c.status == CellStatus::Added));
        let gone = diff_notebooks(Some(&n), None).unwrap();
        assert!(gone.iter().all(|c| c.status == CellStatus::Removed));
        assert_eq!(gone.len(), 2);
    }

    #[test]
    fn kind_change_is_a_modification() {
        let old = nb(json!([code(Some("a"), "# T", json!([]))]));
        let new = nb(json!([md(Some("a"), "# T")]));
        let d = diff_notebooks(Some(&old), Some(&new)).unwrap();
        assert_eq!(d[0].status, CellStatus::Modified);
        assert_eq!(
            (d[0].kind, d[0].old_kind),
            (CellKind::Markdown, Some(CellKind::Code))
        );
    }

    #[test]
    fn lis_finds_moved_pairs() {
        assert_eq!(out_of_order(&[(0, 0), (1, 1), (2, 2)]), vec![false; 3]);
        assert_eq!(
            out_of_order(&[(0, 2), (1, 0), (2, 1)]),
            vec![true, false, false]
        );
        assert_eq!(out_of_order(&[]), Vec::<bool>::new());
    }
}
