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
use crate::notebook::{self, Cell, Output, Parts, Source, head_lines, normalize, similarity};

/// Two sources at least this similar (`similar`'s ratio) are taken for the same cell edited.
pub const MIN_CELL_SIMILARITY: f32 = 0.5;

/// A cell moved and edited in one version pairs from this similarity on.
pub const MOVED_SIMILARITY: f32 = 0.8;

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
    let Pairing { pairs, moved, .. } = pair_cells(old, new);
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

/// What told two versions' cells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PairedBy {
    /// nbformat 4.5 ids, trusted.
    Ids,
    /// Order and content: the notebook has no ids, or its ids were not trusted.
    Content,
}

/// Which cell of one version is which cell of the next.
#[derive(Debug, Clone, PartialEq)]
pub struct Pairing {
    /// `(old index, new index)`, sorted by old index.
    pub pairs: Vec<(usize, usize)>,
    /// Per pair: out of order relative to the others (the cell was moved).
    pub moved: Vec<bool>,
    pub by: PairedBy,
}

/// Pairs the cells of two versions of a notebook: by nbformat 4.5 ids when they can be
/// trusted, else by order and content. The one pairing of the project: the notebook diff and
/// the cell histories of notebooks in git both use it.
pub fn pair_cells(old: &[Cell], new: &[Cell]) -> Pairing {
    let (pairs, by) = match pair_by_id(old, new) {
        Some(p) => (p, PairedBy::Ids),
        None => (pair_by_content(old, new), PairedBy::Content),
    };
    let moved = out_of_order(&pairs);
    Pairing { pairs, moved, by }
}

/// Pairs by nbformat 4.5 ids when every cell on both sides has one, unique within its side,
/// the sides share at least one (ids regenerated wholesale say nothing), the ids are not just
/// positions (nbstripout renumbers them `0`, `1`, … on every save), and the ids agree with the
/// cells that are plainly the same (a source found once on each side): ids regenerated on a
/// save (JupyterLab 3.0) or made up by a converter are caught there. `None` otherwise.
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
    let positional = |cells: &[Cell]| {
        cells.len() > 1
            && cells
                .iter()
                .enumerate()
                .all(|(i, c)| c.id.as_deref().and_then(|s| s.parse::<usize>().ok()) == Some(i))
    };
    if positional(old) && positional(new) {
        return None;
    }
    pairs.sort_unstable();
    let plain = plainly_same(old, new);
    if plain.len() >= 2 {
        let agree = plain
            .iter()
            .filter(|p| pairs.binary_search(p).is_ok())
            .count();
        if agree * 2 < plain.len() {
            return None;
        }
    }
    Some(pairs)
}

/// Pairs of cells whose (type, source) is found exactly once on each side and is not blank:
/// whatever the ids say, these are the same cell.
fn plainly_same(old: &[Cell], new: &[Cell]) -> Vec<(usize, usize)> {
    use std::collections::BTreeMap;
    // (type, source) → how many cells have it, and where on each side.
    type Seen = BTreeMap<(CellKind, String), (usize, Option<usize>, Option<usize>)>;
    let mut seen = Seen::new();
    for (side, cells) in [(0, old), (1, new)] {
        for (i, c) in cells.iter().enumerate() {
            let src = normalize(&c.source);
            if src.is_empty() {
                continue;
            }
            let e = seen.entry((c.kind, src)).or_insert((0, None, None));
            e.0 += 1;
            if side == 0 {
                e.1 = Some(i);
            } else {
                e.2 = Some(i);
            }
        }
    }
    let mut out: Vec<(usize, usize)> = seen
        .into_values()
        .filter_map(|(n, o, w)| (n == 2).then_some((o?, w?)))
        .collect();
    out.sort_unstable();
    out
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
    pair_moved(old, new, &mut pairs);
    pairs.sort_unstable();
    pairs
}

fn mark(flags: &mut [bool], i: usize) {
    if let Some(f) = flags.get_mut(i) {
        *f = true;
    }
}

/// Cells left unpaired on both sides with the same type and source, found once among the
/// unpaired of each side: a cell cut and pasted elsewhere (which order-keeping pairing cannot
/// see).
fn pair_moved(old: &[Cell], new: &[Cell], pairs: &mut Vec<(usize, usize)>) {
    let mut old_paired = vec![false; old.len()];
    let mut new_paired = vec![false; new.len()];
    for &(o, n) in pairs.iter() {
        if let Some(p) = old_paired.get_mut(o) {
            *p = true;
        }
        if let Some(p) = new_paired.get_mut(n) {
            *p = true;
        }
    }
    let left = |cells: &[Cell], paired: &[bool]| -> Vec<(usize, Cell)> {
        cells
            .iter()
            .enumerate()
            .filter(|(i, _)| !paired.get(*i).copied().unwrap_or(true))
            .map(|(i, c)| (i, c.clone()))
            .collect()
    };
    let (lo, ln) = (left(old, &old_paired), left(new, &new_paired));
    if lo.is_empty() || ln.is_empty() {
        return;
    }
    let (oc, nc): (Vec<Cell>, Vec<Cell>) = (
        lo.iter().map(|(_, c)| c.clone()).collect(),
        ln.iter().map(|(_, c)| c.clone()).collect(),
    );
    let mut taken_o = vec![false; lo.len()];
    let mut taken_n = vec![false; ln.len()];
    for (a, b) in plainly_same(&oc, &nc) {
        if let (Some(&(o, _)), Some(&(n, _))) = (lo.get(a), ln.get(b)) {
            pairs.push((o, n));
            mark(&mut taken_o, a);
            mark(&mut taken_n, b);
        }
    }
    // Moved and edited at once: only a close likeness counts, the place being no evidence.
    if lo.len().saturating_mul(ln.len()) > MAX_PAIRINGS {
        return;
    }
    let mut budget = Budget::new(PAIRING_STEPS);
    let mut scored: Vec<(f32, usize, usize)> = Vec::new();
    for (a, (_, x)) in lo.iter().enumerate() {
        if taken_o.get(a).copied().unwrap_or(true) || x.source.trim().is_empty() {
            continue;
        }
        let sx = Source::new(&x.source);
        for (b, (_, y)) in ln.iter().enumerate() {
            if taken_n.get(b).copied().unwrap_or(true) || x.kind != y.kind {
                continue;
            }
            let r = similarity(&sx, &Source::new(&y.source), MOVED_SIMILARITY, &mut budget);
            if r >= MOVED_SIMILARITY {
                scored.push((r, a, b));
            }
        }
    }
    scored.sort_by(|p, q| q.0.total_cmp(&p.0).then((p.1, p.2).cmp(&(q.1, q.2))));
    for (_, a, b) in scored {
        if taken_o.get(a).copied().unwrap_or(true) || taken_n.get(b).copied().unwrap_or(true) {
            continue;
        }
        if let (Some(&(o, _)), Some(&(n, _))) = (lo.get(a), ln.get(b)) {
            pairs.push((o, n));
            mark(&mut taken_o, a);
            mark(&mut taken_n, b);
        }
    }
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
    // One cell gone and one come between the same neighbours is one cell rewritten in place,
    // however little of its code is left (as lineage takes it).
    let one_each = o.len() == 1 && n.len() == 1;
    let mut scored: Vec<(f32, usize, usize)> = Vec::new();
    for (i, sa) in o.clone().zip(&os) {
        for (j, sb) in n.clone().zip(&ns) {
            let (Some(a), Some(b)) = (old.get(i), new.get(j)) else {
                continue;
            };
            if a.kind != b.kind {
                continue;
            }
            // A cell split in two lives on as its top half; two merged, as the upper one.
            let (x, y) = (normalize(&a.source), normalize(&b.source));
            if head_lines(&x, &y) || head_lines(&y, &x) {
                scored.push((2.0, i, j));
                continue;
            }
            let r = similarity(sa, sb, MIN_CELL_SIMILARITY, budget);
            if r >= MIN_CELL_SIMILARITY || one_each {
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
mod tests;
