//! Which code cell of a later notebook snapshot is which cell of an earlier
//! one, for notebooks saved without cell ids.
//!
//! Between two saves a user runs, edits, inserts and deletes cells, but
//! seldom moves them, so the cells are matched in order, most certain
//! first: cells with the same source (re-run, or not touched when the
//! execution count is the same too), then, in what is left, a similar
//! source in the same place (edited).

use super::notebook::NbCell;
use super::ratio;
use crate::notebook::head_lines;

/// Two cells between untouched neighbours are taken as one edited cell from
/// this similarity on. Lower than [`super::SIMILARITY`]: the place they hold
/// is evidence too.
pub const GAP_SIMILARITY: f32 = 0.5;

/// Dynamic programming is used up to this many cell pairs in one gap; larger
/// gaps (notebooks of thousands of cells rewritten at once) are matched
/// greedily, in order.
const DP_LIMIT: usize = 250_000;

/// For each cell of `new`, the index of the same cell in `old`, if any.
/// Matches never cross: `old` indices increase along `new`.
pub fn align(old: &[NbCell], new: &[NbCell]) -> Vec<Option<usize>> {
    let mut out = vec![None; new.len()];
    let untouched = |i: usize, j: usize| match (old.get(i), new.get(j)) {
        (Some(a), Some(b)) => a.count == b.count && a.source == b.source,
        _ => false,
    };
    // Most saves change a cell or two: the rest is a common head and tail.
    let mut head = 0;
    while head < old.len() && head < new.len() && untouched(head, head) {
        set(&mut out, head, head);
        head += 1;
    }
    let mut tail = 0;
    while tail < old.len() - head
        && tail < new.len() - head
        && untouched(old.len() - 1 - tail, new.len() - 1 - tail)
    {
        set(&mut out, new.len() - 1 - tail, old.len() - 1 - tail);
        tail += 1;
    }
    let (a, b) = ((head, old.len() - tail), (head, new.len() - tail));
    let same_source = |i: usize, j: usize| match (old.get(i), new.get(j)) {
        (Some(x), Some(y)) => x.source == y.source,
        _ => false,
    };
    // Same source, preferring same count too. Not anchored on the count
    // alone: after a restart a cell can get the count another had.
    let same = |i: usize, j: usize| {
        if untouched(i, j) {
            Some(1.5)
        } else {
            same_source(i, j).then_some(1.0)
        }
    };
    for (a, b) in gaps(&mut out, a, b, &same) {
        let one_each = a.1 - a.0 == 1 && b.1 - b.0 == 1;
        let edited = |i: usize, j: usize| {
            let (x, y) = (old.get(i)?, new.get(j)?);
            // A cell split in two keeps its top half, and one merged with
            // the cell below keeps its own code first: the part that is a
            // prefix of the whole is the cell that lives on.
            if head_lines(&x.source, &y.source) || head_lines(&y.source, &x.source) {
                return Some(1.0);
            }
            let r = ratio(&x.source, &y.source);
            // One cell gone and one come between the same neighbours is a
            // rewrite in place, however little of the code is left.
            let floor = if one_each { 0.0 } else { super::SIMILARITY };
            (r >= floor).then_some(r)
        };
        // What is left is matched and its own gaps stay unmatched.
        let _ = gaps(&mut out, a, b, &edited);
    }
    out
}

fn set(out: &mut [Option<usize>], new: usize, old: usize) {
    if let Some(slot) = out.get_mut(new) {
        *slot = Some(old);
    }
}

/// Half-open index ranges of `old` and `new`.
type Gap = ((usize, usize), (usize, usize));

/// Matches `old[a]` with `new[b]` in order, maximising the summed score, and
/// returns the unmatched stretches between the matches.
fn gaps(
    out: &mut [Option<usize>],
    a: (usize, usize),
    b: (usize, usize),
    score: &dyn Fn(usize, usize) -> Option<f32>,
) -> Vec<Gap> {
    let (n, m) = (a.1.saturating_sub(a.0), b.1.saturating_sub(b.0));
    if n == 0 || m == 0 {
        return if n + m == 0 { Vec::new() } else { vec![(a, b)] };
    }
    let pairs = if n.saturating_mul(m) <= DP_LIMIT {
        best_pairs(a, b, score)
    } else {
        greedy_pairs(a, b, score)
    };
    let mut left = Vec::new();
    let (mut i0, mut j0) = (a.0, b.0);
    for &(i, j) in &pairs {
        set(out, j, i);
        if i > i0 || j > j0 {
            left.push(((i0, i), (j0, j)));
        }
        (i0, j0) = (i + 1, j + 1);
    }
    if i0 < a.1 || j0 < b.1 {
        left.push(((i0, a.1), (j0, b.1)));
    }
    left
}

/// The order-keeping matching of highest total score (a weighted longest
/// common subsequence).
fn best_pairs(
    a: (usize, usize),
    b: (usize, usize),
    score: &dyn Fn(usize, usize) -> Option<f32>,
) -> Vec<(usize, usize)> {
    let (n, m) = (a.1 - a.0, b.1 - b.0);
    let w = m + 1;
    // best[i][j]: the best total over old[a.0 + i..] and new[b.0 + j..].
    let mut best = vec![0f32; (n + 1) * w];
    let mut take = vec![f32::NAN; n * m];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            let at = |i: usize, j: usize| best.get(i * w + j).copied().unwrap_or(0.0);
            let mut v = at(i + 1, j).max(at(i, j + 1));
            if let Some(s) = score(a.0 + i, b.0 + j) {
                if let Some(t) = take.get_mut(i * m + j) {
                    *t = s;
                }
                v = v.max(s + at(i + 1, j + 1));
            }
            if let Some(slot) = best.get_mut(i * w + j) {
                *slot = v;
            }
        }
    }
    let mut pairs = Vec::new();
    let (mut i, mut j) = (0, 0);
    let at = |i: usize, j: usize| best.get(i * w + j).copied().unwrap_or(0.0);
    while i < n && j < m {
        let s = take.get(i * m + j).copied().unwrap_or(f32::NAN);
        // Matching here is preferred on ties: a pasted copy sits below its
        // original, so the upper of two equal cells is the older one.
        if !s.is_nan() && at(i, j) <= s + at(i + 1, j + 1) {
            pairs.push((a.0 + i, b.0 + j));
            i += 1;
            j += 1;
        } else if at(i + 1, j) >= at(i, j + 1) {
            i += 1;
        } else {
            j += 1;
        }
    }
    pairs
}

/// In-order first matches, for gaps too large for [`best_pairs`].
fn greedy_pairs(
    a: (usize, usize),
    b: (usize, usize),
    score: &dyn Fn(usize, usize) -> Option<f32>,
) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    let mut i0 = a.0;
    for j in b.0..b.1 {
        if let Some(i) = (i0..a.1).find(|&i| score(i, j).is_some()) {
            pairs.push((i, j));
            i0 = i + 1;
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(source: &str, count: Option<u32>) -> NbCell {
        NbCell {
            id: None,
            source: source.into(),
            count,
        }
    }

    #[test]
    fn re_run_edit_insert_and_delete() {
        let old = vec![
            c("import pandas as pd", Some(1)),
            c("df = pd.read_csv('a.csv')", Some(2)),
            c("df.head(5)", Some(3)),
            c("df.describe()", Some(4)),
            c("df.plot(kind='bar')", Some(5)),
        ];
        let new = vec![
            c("import pandas as pd", Some(1)),
            c("df = pd.read_csv('a.csv')", Some(2)),
            // Inserted.
            c("df.groupby('region').sum()", Some(8)),
            // Edited and re-run.
            c("df.head(10)", Some(6)),
            // describe() deleted; plot re-run.
            c("df.plot(kind='bar')", Some(7)),
        ];
        assert_eq!(
            align(&old, &new),
            vec![Some(0), Some(1), None, Some(2), Some(4)]
        );
    }

    #[test]
    fn a_pasted_copy_is_new_and_its_original_stays() {
        let old = vec![c("x = 1", Some(1)), c("y = x + 1", Some(2))];
        // Copied, then the copy ran.
        let new = vec![
            c("x = 1", Some(1)),
            c("y = x + 1", Some(2)),
            c("y = x + 1", Some(3)),
        ];
        assert_eq!(align(&old, &new), vec![Some(0), Some(1), None]);
        // Copied, then the original ran again: the upper one is the original.
        let new = vec![
            c("x = 1", Some(1)),
            c("y = x + 1", Some(3)),
            c("y = x + 1", None),
        ];
        assert_eq!(align(&old, &new), vec![Some(0), Some(1), None]);
    }

    #[test]
    fn run_all_after_a_restart_keeps_cells_by_source() {
        let old = vec![
            c("a = 1", Some(7)),
            c("a = 1", Some(9)),
            c("b = 2", Some(8)),
        ];
        let new = vec![
            c("a = 1", Some(1)),
            c("a = 1", Some(2)),
            c("b = 2", Some(3)),
        ];
        assert_eq!(align(&old, &new), vec![Some(0), Some(1), Some(2)]);
    }

    #[test]
    fn one_cell_replaced_in_place_is_rewritten_but_two_unrelated_are_not_matched() {
        let old = vec![
            c("a = 1", Some(1)),
            c("import os", Some(2)),
            c("z", Some(3)),
        ];
        let new = vec![
            c("a = 1", Some(1)),
            c("print(open('f').read())", Some(4)),
            c("z", Some(3)),
        ];
        assert_eq!(align(&old, &new), vec![Some(0), Some(1), Some(2)]);
        // Two cells where one was: the unrelated one is new.
        let new = vec![
            c("a = 1", Some(1)),
            c("import os\nimport sys", Some(4)),
            c("print(open('f').read())", Some(5)),
            c("z", Some(3)),
        ];
        assert_eq!(align(&old, &new), vec![Some(0), Some(1), None, Some(2)]);
        assert!(align(&[], &new).iter().all(Option::is_none));
        assert!(align(&old, &[]).is_empty());
    }

    #[test]
    fn a_split_keeps_its_top_half_and_a_merge_its_upper_cell() {
        let old = vec![
            c("a = 1", Some(1)),
            c("x = load()\ny = x * 2\nprint(y.describe())", Some(2)),
            c("z", Some(3)),
        ];
        let split = vec![
            c("a = 1", Some(1)),
            c("x = load()", Some(4)),
            c("y = x * 2\nprint(y.describe())", Some(5)),
            c("z", Some(3)),
        ];
        assert_eq!(align(&old, &split), vec![Some(0), Some(1), None, Some(2)]);
        // Merged with a longer cell below: the upper one lives on.
        let old = vec![
            c("a = 1", Some(1)),
            c("x = 2", Some(2)),
            c("for i in range(10):\n    print(i, x * i, x ** i)", Some(3)),
        ];
        let merged = vec![
            c("a = 1", Some(1)),
            c(
                "x = 2\nfor i in range(10):\n    print(i, x * i, x ** i)",
                Some(4),
            ),
        ];
        assert_eq!(align(&old, &merged), vec![Some(0), Some(1)]);
    }
}
