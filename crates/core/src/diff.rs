//! Line and word differences between two runs of a cell, as rows ready for side-by-side display.
//!
//! Lines are compared without their terminators, so a run saved with CRLF line endings does not
//! show every line as changed; [`TextDiff::line_endings_differ`] says when the terminators (or
//! the final newline) are all that differs. Each row keeps its line's terminator, so the rows
//! reconstruct both inputs byte for byte. Line `i` of a side is `text.lines().nth(i)`, the same
//! split the highlighter uses, so highlighted lines can be laid over the rows by number.
//!
//! The line diff is Patience (it anchors on unique lines, which keeps moved blocks of notebook
//! code readable) within a budget of steps priced by size (see [`crate::bounded`]), never a
//! clock: past it the diff is anchored on unique lines only, with stretches between them that do
//! not fit shown replaced whole, and word-level emphasis has a budget of its own, past which
//! changed rows get none. A pathological pair of inputs costs a bounded time rather than hanging
//! the UI, and the same pair always gives the same rows.

use std::ops::Range;

use similar::{Algorithm, DiffTag};

use crate::bounded::{self, Budget};

/// Steps of exact line diff in one [`diff_text`] call: 40 million is an exact diff of up to
/// ~6,300 changed lines on the two sides together, 140 ms at worst (every line different,
/// measured on the development machine's release build; README "Performance"). Past it the
/// anchored diff of [`bounded::diff`] uses what is left, so the whole stays within about that.
pub const DEFAULT_LINE_STEPS: u64 = 40_000_000;

/// Steps of word diffs for the emphasis of one [`diff_text`] call's changed rows, shared by all
/// of them (45 ms at worst); rows past it get no emphasis.
pub const DEFAULT_EMPHASIS_STEPS: u64 = 20_000_000;

/// Lines longer than this (in bytes) on either side of a change get no word emphasis: a long
/// line of data costs much to diff word by word and its emphasis is unreadable anyway.
pub const MAX_EMPHASIS_LINE: usize = 2_000;

/// Below this share of common (non-blank) text, a changed pair of lines gets no emphasis: the
/// emphasis would cover nearly everything, and the whole line already shows as changed.
pub const MIN_SIMILARITY: f32 = 0.4;

/// A folded stretch hides at least this many equal lines; hiding fewer saves no room, as the
/// marker takes a row itself.
const MIN_FOLD: usize = 2;

/// How a line ended in its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Eol {
    /// The last line of an input without a final newline.
    None,
    /// `\n`.
    Lf,
    /// `\r\n`.
    CrLf,
}

impl Eol {
    /// The terminator as text.
    pub fn as_str(self) -> &'static str {
        match self {
            Eol::None => "",
            Eol::Lf => "\n",
            Eol::CrLf => "\r\n",
        }
    }
}

/// One line of one side of a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    /// 1-based line number in its input.
    pub number: usize,
    /// The line without its terminator.
    pub text: String,
    /// How the line ended.
    pub eol: Eol,
    /// Byte ranges of `text` that differ from the paired line, ascending, disjoint, on char
    /// boundaries. Only [`RowKind::Change`] rows have any.
    pub emphasis: Vec<Range<usize>>,
}

/// What a row shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowKind {
    /// The same line on both sides.
    Equal,
    /// A line only on the left (old) side.
    Delete,
    /// A line only on the right (new) side.
    Insert,
    /// A deleted line paired with the inserted line that replaced it.
    Change,
}

/// One row of a side-by-side diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// What the row shows; decides which sides are present.
    pub kind: RowKind,
    /// The old line (present for Equal, Delete and Change).
    pub left: Option<DiffLine>,
    /// The new line (present for Equal, Insert and Change).
    pub right: Option<DiffLine>,
}

/// Counts for a summary line ("+12 −3").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DiffStats {
    /// Lines only in the new text; a Change row counts one.
    pub added: usize,
    /// Lines only in the old text; a Change row counts one.
    pub removed: usize,
    /// Whether the two inputs are byte-identical.
    pub identical: bool,
}

/// A stretch of rows after context folding, see [`TextDiff::fold`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Rows to show (indices into [`TextDiff::rows`]).
    Shown(Range<usize>),
    /// Equal rows folded away; the range's length is the count for the marker.
    Folded(Range<usize>),
}

impl Segment {
    /// The rows this segment covers.
    pub fn rows(&self) -> Range<usize> {
        match self {
            Segment::Shown(r) | Segment::Folded(r) => r.clone(),
        }
    }
}

/// The difference between two texts, as rows for side-by-side display.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TextDiff {
    /// Every line of both inputs, in order.
    pub rows: Vec<Row>,
    /// Counts of added and removed lines.
    pub stats: DiffStats,
    /// The inputs differ, but only in line terminators (CRLF against LF, or a final newline),
    /// so every row is Equal; a viewer should say so rather than show "no changes".
    pub line_endings_differ: bool,
    /// A budget of steps ran out: the line diff may be coarser than the best one and some
    /// changed rows may lack word emphasis. The same inputs always give the same answer.
    pub coarse: bool,
}

/// Tuning for [`diff_text_with`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DiffOptions {
    /// See [`DEFAULT_LINE_STEPS`].
    pub line_steps: u64,
    /// See [`DEFAULT_EMPHASIS_STEPS`].
    pub emphasis_steps: u64,
    /// See [`MAX_EMPHASIS_LINE`].
    pub max_emphasis_line: usize,
    /// See [`MIN_SIMILARITY`].
    pub min_similarity: f32,
}

impl Default for DiffOptions {
    fn default() -> Self {
        DiffOptions {
            line_steps: DEFAULT_LINE_STEPS,
            emphasis_steps: DEFAULT_EMPHASIS_STEPS,
            max_emphasis_line: MAX_EMPHASIS_LINE,
            min_similarity: MIN_SIMILARITY,
        }
    }
}

/// The line diff of `old` against `new`, with word-level emphasis on changed lines, under the
/// default [`DiffOptions`].
pub fn diff_text(old: &str, new: &str) -> TextDiff {
    diff_text_with(old, new, &DiffOptions::default())
}

/// [`diff_text`] with explicit options.
pub fn diff_text_with(old: &str, new: &str, opts: &DiffOptions) -> TextDiff {
    let old_lines = split_lines(old);
    let new_lines = split_lines(new);
    let old_texts: Vec<&str> = old_lines.iter().map(|l| l.0).collect();
    let new_texts: Vec<&str> = new_lines.iter().map(|l| l.0).collect();
    let lines = bounded::diff(
        Algorithm::Patience,
        &old_texts,
        &new_texts,
        &mut Budget::new(opts.line_steps),
    );
    let mut coarse = lines.coarse;
    let ops = lines.ops;

    let line = |lines: &[(&str, Eol)], i: usize| {
        lines.get(i).map(|&(text, eol)| DiffLine {
            number: i + 1,
            text: text.to_string(),
            eol,
            emphasis: Vec::new(),
        })
    };
    let mut rows = Vec::with_capacity(old_lines.len().max(new_lines.len()));
    let mut stats = DiffStats {
        identical: old == new,
        ..DiffStats::default()
    };
    // similar reports a replace as Delete + Insert at times (and a replace next to a delete), so
    // consecutive non-equal ops are gathered into one block before pairing.
    let mut pending: Option<(Range<usize>, Range<usize>)> = None;
    let mut flush = |block: (Range<usize>, Range<usize>), rows: &mut Vec<Row>| {
        let (o, n) = block;
        let paired = o.len().min(n.len());
        for k in 0..o.len().max(n.len()) {
            let left = (k < o.len())
                .then(|| line(&old_lines, o.start + k))
                .flatten();
            let right = (k < n.len())
                .then(|| line(&new_lines, n.start + k))
                .flatten();
            let kind = match (k < paired, left.is_some(), right.is_some()) {
                (true, true, true) => RowKind::Change,
                (_, true, false) => RowKind::Delete,
                (_, false, true) => RowKind::Insert,
                // Out-of-range indices from the diff cannot happen; skip rather than panic.
                _ => continue,
            };
            stats.removed += usize::from(left.is_some());
            stats.added += usize::from(right.is_some());
            rows.push(Row { kind, left, right });
        }
    };
    for op in &ops {
        let (tag, o, n) = op.as_tag_tuple();
        if tag == DiffTag::Equal {
            if let Some(block) = pending.take() {
                flush(block, &mut rows);
            }
            for (i, j) in o.zip(n) {
                rows.push(Row {
                    kind: RowKind::Equal,
                    left: line(&old_lines, i),
                    right: line(&new_lines, j),
                });
            }
        } else {
            pending = Some(match pending.take() {
                Some((po, pn)) => (po.start..o.end.max(po.end), pn.start..n.end.max(pn.end)),
                None => (o, n),
            });
        }
    }
    if let Some(block) = pending.take() {
        flush(block, &mut rows);
    }

    let mut budget = Budget::new(opts.emphasis_steps);
    for row in rows.iter_mut().filter(|r| r.kind == RowKind::Change) {
        if let (Some(l), Some(r)) = (row.left.as_mut(), row.right.as_mut()) {
            match word_emphasis(&l.text, &r.text, opts, &mut budget) {
                Emphasis::Some(le, re) => {
                    l.emphasis = le;
                    r.emphasis = re;
                }
                Emphasis::Unhelpful => {}
                Emphasis::OverBudget => coarse = true,
            }
        }
    }

    let line_endings_differ = !stats.identical && stats.added == 0 && stats.removed == 0;
    TextDiff {
        rows,
        stats,
        line_endings_differ,
        coarse,
    }
}

impl TextDiff {
    /// The rows split into stretches to show and equal stretches to fold, keeping `context`
    /// equal rows next to every change. Equal stretches at the start and end keep context only
    /// on their inner side; a stretch is folded only if that hides at least two rows. Identical
    /// texts fold into a single [`Segment::Folded`]; an empty diff gives no segments.
    pub fn fold(&self, context: usize) -> Vec<Segment> {
        let n = self.rows.len();
        let mut hidden: Vec<Range<usize>> = Vec::new();
        let mut i = 0;
        while i < n {
            if self.rows.get(i).is_some_and(|r| r.kind != RowKind::Equal) {
                i += 1;
                continue;
            }
            let s = i;
            while self.rows.get(i).is_some_and(|r| r.kind == RowKind::Equal) {
                i += 1;
            }
            let head = if s == 0 { 0 } else { context };
            let tail = if i == n { 0 } else { context };
            let from = s.saturating_add(head);
            let to = i.saturating_sub(tail);
            if to >= from.saturating_add(MIN_FOLD) {
                hidden.push(from..to);
            }
        }
        let mut out = Vec::with_capacity(hidden.len() * 2 + 1);
        let mut at = 0;
        for h in hidden {
            if h.start > at {
                out.push(Segment::Shown(at..h.start));
            }
            at = h.end;
            out.push(Segment::Folded(h));
        }
        if at < n {
            out.push(Segment::Shown(at..n));
        }
        out
    }
}

/// Lines as [`str::lines`] splits them, each with its terminator.
fn split_lines(s: &str) -> Vec<(&str, Eol)> {
    s.split_inclusive('\n')
        .map(|piece| {
            if let Some(t) = piece.strip_suffix("\r\n") {
                (t, Eol::CrLf)
            } else if let Some(t) = piece.strip_suffix('\n') {
                (t, Eol::Lf)
            } else {
                (piece, Eol::None)
            }
        })
        .collect()
}

/// Word, space or punctuation, for tokenizing.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Word,
    Space,
    Other,
}

fn class(c: char) -> Class {
    if c.is_alphanumeric() || c == '_' {
        Class::Word
    } else if c.is_whitespace() {
        Class::Space
    } else {
        Class::Other
    }
}

/// Byte ranges of the tokens of `s`: runs of word characters (identifiers, numbers), runs of
/// whitespace, and every other character on its own, so `df['price']` changing to
/// `df['cost']` emphasises just the name.
fn tokenize(s: &str) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    let mut prev: Option<Class> = None;
    for (i, c) in s.char_indices() {
        let k = class(c);
        let end = i + c.len_utf8();
        match out.last_mut() {
            Some(last) if prev == Some(k) && k != Class::Other => last.end = end,
            _ => out.push(i..end),
        }
        prev = Some(k);
    }
    out
}

/// Byte ranges within one line.
type Ranges = Vec<Range<usize>>;

/// What the word diff of two changed lines gives.
enum Emphasis {
    /// The differing byte ranges of the old and the new line.
    Some(Ranges, Ranges),
    /// Emphasis would not help: the lines are too long or too different.
    Unhelpful,
    /// The word diff does not fit in what is left of the budget.
    OverBudget,
}

/// The differing byte ranges of two changed lines.
fn word_emphasis(old: &str, new: &str, opts: &DiffOptions, budget: &mut Budget) -> Emphasis {
    if old.len() > opts.max_emphasis_line || new.len() > opts.max_emphasis_line {
        return Emphasis::Unhelpful;
    }
    let ot = tokenize(old);
    let nt = tokenize(new);
    let os: Vec<&str> = ot.iter().filter_map(|r| old.get(r.clone())).collect();
    let ns: Vec<&str> = nt.iter().filter_map(|r| new.get(r.clone())).collect();
    // Myers rather than Patience: within a line the same tokens (spaces, brackets) repeat, and
    // Patience, anchoring only on unique ones, would mark far more than changed.
    let Some(ops) = bounded::exact(Algorithm::Myers, &os, &ns, budget) else {
        return Emphasis::OverBudget;
    };

    let solid_len = |ts: &[&str]| {
        ts.iter()
            .filter(|t| !t.chars().all(char::is_whitespace))
            .map(|t| t.len())
            .sum::<usize>()
    };
    let mut common = 0;
    let mut old_ranges = Vec::new();
    let mut new_ranges = Vec::new();
    for op in &ops {
        let (tag, o, n) = op.as_tag_tuple();
        if tag == DiffTag::Equal {
            common += os.get(o).map_or(0, solid_len);
            continue;
        }
        push_span(&mut old_ranges, &ot, o, old);
        push_span(&mut new_ranges, &nt, n, new);
    }
    let total = solid_len(&os) + solid_len(&ns);
    // Lines differing only in whitespace have no solid text: emphasise the whitespace.
    let similarity = if total == 0 {
        1.0
    } else {
        (2 * common) as f32 / total as f32
    };
    if similarity < opts.min_similarity {
        return Emphasis::Unhelpful;
    }
    Emphasis::Some(old_ranges, new_ranges)
}

/// Adds the bytes of tokens `toks` to `ranges`, joining it to the previous range when only
/// whitespace lies between them: "a b" → "x y" reads better as one changed stretch than two.
fn push_span(ranges: &mut Vec<Range<usize>>, tokens: &[Range<usize>], toks: Range<usize>, s: &str) {
    if toks.is_empty() {
        return;
    }
    let (Some(first), Some(last)) = (tokens.get(toks.start), tokens.get(toks.end - 1)) else {
        return;
    };
    let span = first.start..last.end;
    if let Some(prev) = ranges.last_mut()
        && s.get(prev.end..span.start)
            .is_some_and(|gap| gap.chars().all(char::is_whitespace))
    {
        prev.end = span.end;
        return;
    }
    ranges.push(span);
}

#[cfg(test)]
mod tests;
