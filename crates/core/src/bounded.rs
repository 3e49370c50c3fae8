//! Diffs and similarity ratios whose work is bounded by the size of their input, never by a clock.
//!
//! similar's deadlines make a diff's result depend on how busy the machine is: the same two
//! files could pair a notebook's cells one way in one run and another way under load. Here
//! every exact diff is first priced by its worst case, Myers' O((N+M)·D) with D ≤ N+M, so
//! (N+M)² steps for the N+M items left after trimming the common prefix and suffix, and is run
//! (with no deadline) only while a [`Budget`] of such steps lasts. Past it the answer is a
//! coarser one computed in near-linear time: the same input always gives the same answer.
//!
//! Measured (release build, the 2-core development machine while other builds ran, README
//! "Performance"): at worst a step costs 1.6 ns for Myers, 3.6 ns for Patience (every line
//! different) and 1.9 ns for [`lcs_len`]'s word operations, so 40 million Patience steps are
//! ~140 ms.

use std::collections::HashMap;
use std::hash::Hash;
use std::ops::Range;

use similar::{Algorithm, DiffOp};

/// Steps (see the module comment) left for exact diffs; shared by the diffs of one task so that
/// their total, not only each one, stays bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget(u64);

impl Budget {
    /// A budget of `steps`.
    pub const fn new(steps: u64) -> Self {
        Budget(steps)
    }

    /// Takes `steps` if that many are left.
    pub fn take(&mut self, steps: u64) -> bool {
        match self.0.checked_sub(steps) {
            Some(rest) => {
                self.0 = rest;
                true
            }
            None => false,
        }
    }

    /// Steps left.
    pub fn left(&self) -> u64 {
        self.0
    }
}

/// A diff's operations and whether they are the coarse answer (over budget) rather than the
/// exact one.
#[derive(Debug, Clone, PartialEq)]
pub struct Ops {
    pub ops: Vec<DiffOp>,
    pub coarse: bool,
}

impl Ops {
    /// Items the two sides have in common (the equal ops' lengths).
    pub fn common(&self) -> usize {
        self.ops
            .iter()
            .map(|op| match *op {
                DiffOp::Equal { len, .. } => len,
                _ => 0,
            })
            .sum()
    }
}

/// The worst-case steps of an exact diff of `n` against `m` items.
pub fn cost(n: usize, m: usize) -> u64 {
    let s = n.saturating_add(m) as u64;
    s.saturating_mul(s)
}

fn prefix_len<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

fn suffix_len<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    a.iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

/// Pushes an op, joining it to the previous one when both are equal runs.
fn push(out: &mut Vec<DiffOp>, op: DiffOp) {
    if let (
        Some(DiffOp::Equal {
            old_index,
            new_index,
            len,
        }),
        DiffOp::Equal {
            old_index: oi,
            new_index: ni,
            len: l,
        },
    ) = (out.last_mut(), op)
        && *old_index + *len == oi
        && *new_index + *len == ni
    {
        *len += l;
        return;
    }
    match op {
        DiffOp::Equal { len: 0, .. }
        | DiffOp::Delete { old_len: 0, .. }
        | DiffOp::Insert { new_len: 0, .. } => {}
        op => out.push(op),
    }
}

/// The ops of `o` against `n` when one side is empty or both are, or a single replace.
fn replace(o: Range<usize>, n: Range<usize>) -> DiffOp {
    match (o.is_empty(), n.is_empty()) {
        (_, true) => DiffOp::Delete {
            old_index: o.start,
            old_len: o.len(),
            new_index: n.start,
        },
        (true, false) => DiffOp::Insert {
            old_index: o.start,
            new_index: n.start,
            new_len: n.len(),
        },
        (false, false) => DiffOp::Replace {
            old_index: o.start,
            old_len: o.len(),
            new_index: n.start,
            new_len: n.len(),
        },
    }
}

/// Trims the common prefix and suffix of the ranges, returning (prefix, suffix) lengths and
/// narrowing the ranges to what lies between.
fn trim<T: PartialEq>(
    old: &[T],
    o: &mut Range<usize>,
    new: &[T],
    n: &mut Range<usize>,
) -> (usize, usize) {
    let (Some(a), Some(b)) = (old.get(o.clone()), new.get(n.clone())) else {
        return (0, 0);
    };
    let p = prefix_len(a, b);
    let (a, b) = (
        a.get(p..).unwrap_or_default(),
        b.get(p..).unwrap_or_default(),
    );
    let s = suffix_len(a, b);
    o.start += p;
    n.start += p;
    o.end -= s;
    n.end -= s;
    (p, s)
}

/// The exact diff of `old` against `new` with `alg`, if its worst case fits in what is left of
/// `budget` (which it then uses up); `None` otherwise, leaving `budget` as it was.
pub fn exact<T: Hash + Eq + Ord>(
    alg: Algorithm,
    old: &[T],
    new: &[T],
    budget: &mut Budget,
) -> Option<Vec<DiffOp>> {
    let mut out = Vec::new();
    exact_into(alg, old, 0..old.len(), new, 0..new.len(), budget, &mut out).then_some(out)
}

fn exact_into<T: Hash + Eq + Ord>(
    alg: Algorithm,
    old: &[T],
    mut o: Range<usize>,
    new: &[T],
    mut n: Range<usize>,
    budget: &mut Budget,
    out: &mut Vec<DiffOp>,
) -> bool {
    let start = (o.start, n.start);
    let (p, s) = trim(old, &mut o, new, &mut n);
    let cheap = o.is_empty() || n.is_empty();
    if !cheap && !budget.take(cost(o.len(), n.len())) {
        return false;
    }
    push(
        out,
        DiffOp::Equal {
            old_index: start.0,
            new_index: start.1,
            len: p,
        },
    );
    if cheap {
        push(out, replace(o.clone(), n.clone()));
    } else {
        for op in similar::capture_diff(alg, old, o.clone(), new, n.clone()) {
            push(out, op);
        }
    }
    push(
        out,
        DiffOp::Equal {
            old_index: o.end,
            new_index: n.end,
            len: s,
        },
    );
    true
}

/// The diff of `old` against `new`: exact (with `alg`) while `budget` lasts; past it, anchored
/// on the items that occur once on each side (their longest run in the same order, as Patience
/// does), with each stretch between anchors diffed exactly while the budget lasts and replaced
/// whole after.
pub fn diff<T: Hash + Eq + Ord>(alg: Algorithm, old: &[T], new: &[T], budget: &mut Budget) -> Ops {
    let mut out = Vec::new();
    let (o, n) = (0..old.len(), 0..new.len());
    if exact_into(alg, old, o.clone(), new, n.clone(), budget, &mut out) {
        return Ops {
            ops: out,
            coarse: false,
        };
    }
    let (mut o, mut n) = (o, n);
    let (p, s) = trim(old, &mut o, new, &mut n);
    push(
        &mut out,
        DiffOp::Equal {
            old_index: 0,
            new_index: 0,
            len: p,
        },
    );
    let mut at = (o.start, n.start);
    let anchors = unique_anchors(old, o.clone(), new, n.clone());
    for (i, j) in anchors.into_iter().chain([(o.end, n.end)]) {
        let (go, gn) = (at.0..i, at.1..j);
        if !exact_into(alg, old, go.clone(), new, gn.clone(), budget, &mut out) {
            push(&mut out, replace(go, gn));
        }
        if i < o.end {
            push(
                &mut out,
                DiffOp::Equal {
                    old_index: i,
                    new_index: j,
                    len: 1,
                },
            );
        }
        at = (i + 1, j + 1);
    }
    push(
        &mut out,
        DiffOp::Equal {
            old_index: o.end,
            new_index: n.end,
            len: s,
        },
    );
    Ops {
        ops: out,
        coarse: true,
    }
}

/// Pairs (old index, new index) of items occurring exactly once in each range, the longest
/// chain of them increasing on both sides. O(k log k) for k such items.
fn unique_anchors<T: Hash + Eq>(
    old: &[T],
    o: Range<usize>,
    new: &[T],
    n: Range<usize>,
) -> Vec<(usize, usize)> {
    // Per item: count in old, count in new, its index in new.
    let mut seen: HashMap<&T, (u32, u32, usize)> = HashMap::new();
    for x in old.get(o.clone()).unwrap_or_default() {
        seen.entry(x).or_default().0 += 1;
    }
    for (j, x) in new.get(n.clone()).unwrap_or_default().iter().enumerate() {
        if let Some(e) = seen.get_mut(x) {
            e.1 += 1;
            e.2 = n.start + j;
        }
    }
    let cands: Vec<(usize, usize)> = old
        .get(o.clone())
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter_map(|(i, x)| match seen.get(x) {
            Some(&(1, 1, j)) => Some((o.start + i, j)),
            _ => None,
        })
        .collect();
    // Longest increasing subsequence of the new indices (old ones increase already).
    let mut tails: Vec<usize> = Vec::new();
    let mut prev: Vec<Option<usize>> = vec![None; cands.len()];
    for (k, &(_, j)) in cands.iter().enumerate() {
        let len = tails.partition_point(|&t| cands.get(t).is_some_and(|c| c.1 < j));
        if let Some(p) = prev.get_mut(k) {
            *p = len.checked_sub(1).and_then(|l| tails.get(l).copied());
        }
        if len == tails.len() {
            tails.push(k);
        } else if let Some(t) = tails.get_mut(len) {
            *t = k;
        }
    }
    let mut chain = Vec::with_capacity(tails.len());
    let mut at = tails.last().copied();
    while let Some(k) = at {
        chain.extend(cands.get(k).copied());
        at = prev.get(k).copied().flatten();
    }
    chain.reverse();
    chain
}

/// Similarity in 0..=1 as similar's `ratio` computes it: twice the items in common over both
/// lengths (1 for two empty inputs).
pub fn ratio_of(common: usize, n: usize, m: usize) -> f32 {
    if n + m == 0 {
        1.0
    } else {
        (2 * common) as f32 / (n + m) as f32
    }
}

/// The similarity of two texts by lines: exact while `budget` lasts, from the coarse diff past
/// it (which can only find less in common than the exact one).
pub fn line_ratio(a: &str, b: &str, budget: &mut Budget) -> f32 {
    let (la, lb): (Vec<&str>, Vec<&str>) = (
        a.split_inclusive('\n').collect(),
        b.split_inclusive('\n').collect(),
    );
    let d = diff(Algorithm::Myers, &la, &lb, budget);
    ratio_of(d.common(), la.len(), lb.len())
}

/// Length of the longest common subsequence of two byte strings, 64 positions of the shorter
/// one at a time (Hyyrö's bit-parallel form of Allison and Dix): a few word operations per byte
/// of the longer, so [`lcs_cost`] steps.
pub fn lcs_len(a: &[u8], b: &[u8]) -> usize {
    let (a, b) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    bit_lcs(
        a.iter().map(|&c| usize::from(c)),
        a.len(),
        256,
        b.iter().map(|&c| Some(usize::from(c))),
    )
}

/// A text's characters as small ids, their places among its distinct characters sorted. Made
/// once per text, so that comparing two texts needs no hashing, only a merge of the two sorted
/// alphabets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chars {
    alphabet: Vec<char>,
    ids: Vec<u32>,
}

impl Chars {
    pub fn new(s: &str) -> Self {
        let mut alphabet: Vec<char> = s.chars().collect();
        alphabet.sort_unstable();
        alphabet.dedup();
        let ids = s
            .chars()
            .map(|c| alphabet.binary_search(&c).unwrap_or(0) as u32)
            .collect();
        Chars { alphabet, ids }
    }

    /// Characters in the text.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Per id of `self`, the id of the same character in `other`, if it has it.
    fn ids_in(&self, other: &Chars) -> Vec<Option<usize>> {
        let mut out = Vec::with_capacity(self.alphabet.len());
        let mut j = 0;
        for c in &self.alphabet {
            while other.alphabet.get(j).is_some_and(|d| d < c) {
                j += 1;
            }
            out.push((other.alphabet.get(j) == Some(c)).then_some(j));
        }
        out
    }

    /// How many times each id occurs.
    fn counts(&self) -> Vec<usize> {
        let mut n = vec![0; self.alphabet.len()];
        for &i in &self.ids {
            if let Some(x) = n.get_mut(i as usize) {
                *x += 1;
            }
        }
        n
    }
}

/// [`lcs_len`] over characters rather than bytes: the same [`lcs_cost`] steps, for the two
/// texts' lengths in characters. Unrelated texts in a script of several bytes a character
/// share most lead bytes and many continuation bytes; their characters they do not.
pub fn lcs_chars(a: &Chars, b: &Chars) -> usize {
    let (a, b) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let in_a = b.ids_in(a);
    bit_lcs(
        a.ids.iter().map(|&i| i as usize),
        a.len(),
        a.alphabet.len(),
        b.ids
            .iter()
            .map(|&i| in_a.get(i as usize).copied().flatten()),
    )
}

/// The bit-parallel LCS of `a` (`a_len` symbols below `rows`) against `b` (symbols of `a`'s,
/// or `None` for one that `a` lacks).
fn bit_lcs(
    a: impl Iterator<Item = usize>,
    a_len: usize,
    rows: usize,
    b: impl Iterator<Item = Option<usize>>,
) -> usize {
    if a_len == 0 {
        return 0;
    }
    let words = a_len.div_ceil(64);
    // Per symbol: where it occurs in `a`.
    let mut masks = vec![0u64; rows * words];
    for (i, c) in a.enumerate() {
        if let Some(m) = masks.get_mut(c * words + i / 64) {
            *m |= 1 << (i % 64);
        }
    }
    let mut v = vec![u64::MAX; words];
    for c in b {
        // A symbol absent from `a` matches nothing: its mask is all zeros.
        let row = c.map(|c| c * words);
        let mut carry = 0u64;
        for (w, vw) in v.iter_mut().enumerate() {
            let m = row.and_then(|r| masks.get(r + w)).copied().unwrap_or(0);
            let u = *vw & m;
            let (sum, c1) = vw.overflowing_add(u);
            let (sum, c2) = sum.overflowing_add(carry);
            carry = u64::from(c1 || c2);
            *vw = sum | (*vw & !m);
        }
    }
    // Zero bits within `a`'s length are matched positions.
    let tail = a_len % 64;
    v.iter()
        .enumerate()
        .map(|(w, &x)| {
            let x = if w + 1 == words && tail != 0 {
                x | (u64::MAX << tail)
            } else {
                x
            };
            x.count_zeros() as usize
        })
        .sum()
}

/// Steps of [`lcs_len`]: words of the shorter input times bytes of the longer.
pub fn lcs_cost(n: usize, m: usize) -> u64 {
    let (short, long) = (n.min(m), n.max(m));
    (short.div_ceil(64) as u64).saturating_mul(long as u64)
}

/// An upper bound of the byte similarity of two texts, from their byte counts alone: linear.
pub fn byte_histogram_ratio(a: &[u8], b: &[u8]) -> f32 {
    let mut ha = [0u32; 256];
    let mut hb = [0u32; 256];
    for &c in a {
        ha[usize::from(c)] += 1;
    }
    for &c in b {
        hb[usize::from(c)] += 1;
    }
    let common: u32 = ha.iter().zip(&hb).map(|(x, y)| *x.min(y)).sum();
    ratio_of(common as usize, a.len(), b.len())
}

/// An upper bound of the character similarity of two texts ([`lcs_chars`]), from their
/// character counts alone.
pub fn char_histogram_ratio(a: &Chars, b: &Chars) -> f32 {
    let (ca, cb) = (a.counts(), b.counts());
    let common: usize = a
        .ids_in(b)
        .iter()
        .zip(&ca)
        .filter_map(|(j, &x)| j.and_then(|j| cb.get(j)).map(|&y| x.min(y)))
        .sum();
    ratio_of(common, a.len(), b.len())
}

/// An upper bound of [`line_ratio`] from the lines' counts alone (lines in common in order are
/// never more, of any one line, than either text has): linear. Byte counts do not bound the line
/// ratio: one long line replaced leaves most lines in common and few bytes.
pub fn line_multiset_ratio(a: &str, b: &str) -> f32 {
    let mut counts: HashMap<&str, (usize, usize)> = HashMap::new();
    let (mut n, mut m) = (0, 0);
    for l in a.split_inclusive('\n') {
        counts.entry(l).or_default().0 += 1;
        n += 1;
    }
    for l in b.split_inclusive('\n') {
        counts.entry(l).or_default().1 += 1;
        m += 1;
    }
    let common = counts.values().map(|&(x, y)| x.min(y)).sum();
    ratio_of(common, n, m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rebuild(ops: &[DiffOp], old: &[u32], new: &[u32]) -> (Vec<u32>, Vec<u32>) {
        let (mut o, mut n) = (Vec::new(), Vec::new());
        let (mut oi, mut ni) = (0, 0);
        for op in ops {
            let (_, a, b) = op.as_tag_tuple();
            assert_eq!((a.start, b.start), (oi, ni), "ops are contiguous");
            o.extend_from_slice(&old[a.clone()]);
            n.extend_from_slice(&new[b.clone()]);
            (oi, ni) = (a.end, b.end);
        }
        (o, n)
    }

    #[test]
    fn within_budget_is_exact_and_uses_it() {
        let old = [1, 2, 3, 4, 5, 6];
        let new = [1, 2, 9, 4, 5, 6];
        let mut b = Budget::new(100);
        let d = diff(Algorithm::Myers, &old, &new, &mut b);
        assert!(!d.coarse);
        assert_eq!(d.common(), 5);
        // Only the middle item on each side is priced: (1 + 1)².
        assert_eq!(b.left(), 96);
        assert_eq!(rebuild(&d.ops, &old, &new), (old.to_vec(), new.to_vec()));
    }

    #[test]
    fn over_budget_is_coarse_the_same_every_time() {
        // Unique lines common to both sides in order, between them all different: the coarse
        // diff keeps the unique ones and replaces what lies between.
        let old: Vec<u32> = (0..3000)
            .map(|i| if i % 100 == 0 { i } else { 10_000 + i })
            .collect();
        let new: Vec<u32> = (0..3000)
            .map(|i| if i % 100 == 0 { i } else { 20_000 + i })
            .collect();
        let run = || diff(Algorithm::Myers, &old, &new, &mut Budget::new(1_000));
        let d = run();
        assert!(d.coarse);
        assert_eq!(d.common(), 30);
        assert_eq!(d, run());
        assert_eq!(rebuild(&d.ops, &old, &new), (old.clone(), new.clone()));
        // With the budget, the exact diff finds the same here.
        let e = diff(Algorithm::Myers, &old, &new, &mut Budget::new(u64::MAX));
        assert!(!e.coarse);
        assert_eq!(e.common(), 30);
    }

    #[test]
    fn stretches_between_anchors_use_what_is_left() {
        // One item changed in each of eight places: each stretch between anchors is one item
        // against one, (1 + 1)² = 4 steps.
        let old: Vec<u32> = (0..400).collect();
        let mut new = old.clone();
        for k in (5..400).step_by(50) {
            new[k] = 1000 + k as u32;
        }
        let mut b = Budget::new(100);
        let d = diff(Algorithm::Myers, &old, &new, &mut b);
        assert!(d.coarse);
        assert_eq!(d.common(), 400 - 8);
        assert_eq!(b.left(), 100 - 8 * 4);
        assert_eq!(rebuild(&d.ops, &old, &new), (old.clone(), new.clone()));
    }

    #[test]
    fn exact_leaves_the_budget_when_it_does_not_fit() {
        let old: Vec<u32> = (0..50).collect();
        let new: Vec<u32> = (100..150).collect();
        let mut b = Budget::new(100);
        assert!(exact(Algorithm::Myers, &old, &new, &mut b).is_none());
        assert_eq!(b.left(), 100);
        assert!(exact(Algorithm::Myers, &old, &old, &mut b).is_some());
        assert_eq!(b.left(), 100);
    }

    #[test]
    fn lcs_matches_myers() {
        let pairs: [(&[u8], &[u8]); 4] = [
            (b"", b"abc"),
            (b"abc", b"abc"),
            (b"kitten sitting", b"sitting kitten"),
            (b"aaaa\nbb(b)\n", b"ab\n(b)a\n"),
        ];
        for (a, b) in pairs {
            let ops = similar::capture_diff_slices(Algorithm::Myers, a, b);
            let same: usize = ops
                .iter()
                .map(|o| match o {
                    DiffOp::Equal { len, .. } => *len,
                    _ => 0,
                })
                .sum();
            assert_eq!(lcs_len(a, b), same);
        }
    }

    #[test]
    fn lcs_chars_matches_myers_over_chars() {
        // Past 64 characters too: several words of the shorter side.
        let long: String = (0..300)
            .map(|i| char::from_u32(0x0430 + (i * 7 % 32)).unwrap())
            .collect();
        let edited: String = long
            .chars()
            .enumerate()
            .map(|(i, c)| if i % 5 == 0 { 'ж' } else { c })
            .collect();
        let pairs = [
            ("", "абв"),
            ("日本語", "日本語"),
            ("データの前処理を行います", "モデルを学習させます"),
            ("# Загружаем данные\n", "# Рисуем график\n"),
            ("naïve café", "naive cafe"),
            ("kitten 猫", "猫 sitting"),
            (long.as_str(), edited.as_str()),
        ];
        for (a, b) in pairs {
            let (ca, cb): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
            let ops = similar::capture_diff_slices(Algorithm::Myers, &ca, &cb);
            let same = Ops { ops, coarse: false }.common();
            let (xa, xb) = (Chars::new(a), Chars::new(b));
            assert_eq!(lcs_chars(&xa, &xb), same, "{a} / {b}");
            assert_eq!(lcs_chars(&xb, &xa), same, "{b} / {a}");
            assert!(char_histogram_ratio(&xa, &xb) >= ratio_of(same, ca.len(), cb.len()));
        }
    }

    #[test]
    fn line_counts_bound_the_line_ratio() {
        let a: String = (0..40).map(|i| format!("x_{} = {i}\n", i % 7)).collect();
        let b: String = (0..40)
            .rev()
            .map(|i| format!("x_{} = {i}\n", i % 5))
            .collect();
        for (a, b) in [(a.as_str(), b.as_str()), (&a, &a[10..]), ("", "x\n")] {
            let exact = line_ratio(a, b, &mut Budget::new(u64::MAX));
            assert!(line_multiset_ratio(a, b) >= exact, "{a} / {b}");
        }
        assert_eq!(line_multiset_ratio("a\nb\n", "b\na\n"), 1.0);
        assert_eq!(line_multiset_ratio("a\na\n", "a\nb\n"), 0.5);
    }

    #[test]
    fn line_ratio_is_exact_or_coarse_by_size() {
        let a: String = (0..300).map(|i| format!("a = {i}\n")).collect();
        let b = a.replace("a = 7\n", "b = 7\n");
        let exact = line_ratio(&a, &b, &mut Budget::new(u64::MAX));
        assert!((exact - 299.0 / 300.0).abs() < 1e-6);
        assert_eq!(line_ratio(&a, &b, &mut Budget::new(0)), exact);
    }
}
