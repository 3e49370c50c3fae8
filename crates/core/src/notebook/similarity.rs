//! How alike two cell sources are, 0 to 1: one rule for lineage (which runs are one cell) and
//! the notebook diff (which cells pair), bounded by a budget of steps ([`crate::bounded`]),
//! never by a clock, so that the same sources always get the same answer.
//!
//! The ratio is `similar`'s: twice what the two have in common over their total length, in
//! characters for short sources (bytes of unrelated non-ASCII text share lead and continuation
//! bytes, their characters do not), in lines for long ones (one long line replaced leaves most
//! lines in common and few characters).

use std::borrow::Cow;
use std::cell::OnceCell;

use crate::bounded::{self, Budget, Chars};

/// Past this many bytes on either side, sources compare by lines.
pub const SHORT_SOURCE: usize = 2_000;

/// Steps (see [`crate::bounded`]) one pair of long sources may take for its line diff: 2,000
/// changed lines on the two sides, 10 ms at worst; past it the ratio is the coarse diff's.
pub const PAIR_STEPS: u64 = 4_000_000;

/// A cell's source as [`similarity`] reads it, with what comparing it to many others needs
/// (its length in characters, its character counts) worked out once, when first needed.
#[derive(Debug, Clone)]
pub struct Source<'a> {
    text: Cow<'a, str>,
    ascii: bool,
    /// Characters.
    len: usize,
    /// ASCII sources: how often each byte occurs.
    bytes: OnceCell<[u32; 128]>,
    /// Other sources: the characters numbered.
    chars: OnceCell<Chars>,
}

impl<'a> Source<'a> {
    pub fn new(text: impl Into<Cow<'a, str>>) -> Self {
        let text = text.into();
        let ascii = text.is_ascii();
        let len = if ascii {
            text.len()
        } else {
            text.chars().count()
        };
        Source {
            text,
            ascii,
            len,
            bytes: OnceCell::new(),
            chars: OnceCell::new(),
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    fn long(&self) -> bool {
        self.text.len() > SHORT_SOURCE
    }

    fn byte_counts(&self) -> &[u32; 128] {
        self.bytes.get_or_init(|| {
            let mut h = [0u32; 128];
            for &b in self.text.as_bytes() {
                if let Some(c) = h.get_mut(usize::from(b)) {
                    *c = c.saturating_add(1);
                }
            }
            h
        })
    }

    fn chars(&self) -> &Chars {
        self.chars.get_or_init(|| Chars::new(&self.text))
    }
}

/// How alike `a` and `b` are, 0 to 1 (1 for equal sources).
///
/// Exact while `budget` lasts, for any pair that may reach `at_least`; a pair that cannot
/// (by length, by character counts, by line counts) gets that upper bound, which is below
/// `at_least`, and costs nothing. So compare the result only with thresholds of `at_least` or
/// more. Past the budget, short sources get their character-count bound and long ones the
/// ratio of the coarse line diff ([`bounded::diff`]); a long pair's line diff takes at most
/// [`PAIR_STEPS`] of the budget.
pub fn similarity(a: &Source, b: &Source, at_least: f32, budget: &mut Budget) -> f32 {
    if a.text == b.text {
        return 1.0;
    }
    if a.long() || b.long() {
        let bound = bounded::line_multiset_ratio(&a.text, &b.text);
        if bound < at_least {
            return bound;
        }
        let mut one = Budget::new(PAIR_STEPS.min(budget.left()));
        let before = one.left();
        let r = bounded::line_ratio(&a.text, &b.text, &mut one);
        budget.take(before - one.left());
        return r;
    }
    let (la, lb) = (a.len, b.len);
    // No alignment can match more characters than the shorter source holds.
    let by_length = bounded::ratio_of(la.min(lb), la, lb);
    if by_length < at_least {
        return by_length;
    }
    if a.ascii && b.ascii {
        // Bytes are characters here, and cheaper to count.
        let (ha, hb) = (a.byte_counts(), b.byte_counts());
        // u32 lanes so that this vectorises; the sum is at most the shorter length.
        let common = ha
            .iter()
            .zip(hb)
            .fold(0u32, |s, (x, y)| s.wrapping_add(*x.min(y)));
        let bound = bounded::ratio_of(common as usize, la, lb);
        if bound >= at_least && budget.take(bounded::lcs_cost(la, lb)) {
            let common = bounded::lcs_len(a.text.as_bytes(), b.text.as_bytes());
            bounded::ratio_of(common, la, lb)
        } else {
            bound
        }
    } else {
        let (ac, bc) = (a.chars(), b.chars());
        let bound = bounded::char_histogram_ratio(ac, bc);
        if bound >= at_least && budget.take(bounded::lcs_cost(la, lb)) {
            bounded::ratio_of(bounded::lcs_chars(ac, bc), la, lb)
        } else {
            bound
        }
    }
}

/// [`similarity`] of two texts compared once, with a budget of its own ([`PAIR_STEPS`]: short
/// sources are always exact).
pub fn ratio(a: &str, b: &str, at_least: f32) -> f32 {
    similarity(
        &Source::new(a),
        &Source::new(b),
        at_least,
        &mut Budget::new(PAIR_STEPS),
    )
}

/// `part` is the first whole lines of `whole`: what a cell split in two keeps as its top half,
/// or a cell merged with the one below keeps first.
pub fn head_lines(part: &str, whole: &str) -> bool {
    !part.is_empty()
        && whole
            .strip_prefix(part)
            .is_some_and(|rest| rest.starts_with('\n'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars_ratio(a: &str, b: &str) -> f32 {
        similar::TextDiff::from_chars(a, b).ratio()
    }

    #[test]
    fn equal_is_one_and_unrelated_is_low() {
        assert_eq!(ratio("x = 1", "x = 1", 0.5), 1.0);
        assert_eq!(ratio("", "", 0.5), 1.0);
        assert!(ratio("df.plot(bins=20)", "df.plot(bins=25)", 0.5) > 0.8);
        assert!(ratio("import numpy as np", "z", 0.5) < 0.5);
        assert!(ratio("import numpy as np", "plt.show()", 0.0) < 0.5);
        assert_eq!(ratio("abc", "", 0.0), 0.0);
    }

    #[test]
    fn exact_from_the_threshold_up_and_a_bound_below_it() {
        let pairs = [
            ("df.head(5)", "df.head(10)"),
            ("x = compute(a, b)\nprint(x)", "y = compute(b, a)\nprint(y)"),
            ("kitten sitting", "sitting kitten"),
            ("a", "abcdefgh"),
        ];
        for (a, b) in pairs {
            let exact = chars_ratio(a, b);
            // With nothing to skip, it is similar's own ratio.
            assert_eq!(ratio(a, b, 0.0), exact, "{a} / {b}");
            for at_least in [0.3, 0.5, 0.6, 0.9] {
                let r = ratio(a, b, at_least);
                if exact >= at_least {
                    assert_eq!(r, exact, "{a} / {b} at {at_least}");
                } else {
                    assert!(r < at_least && r >= exact, "{a} / {b} at {at_least}: {r}");
                }
            }
        }
    }

    #[test]
    fn non_ascii_by_characters() {
        // Unrelated Japanese ("preprocess the data", "train the model"): their UTF-8 bytes
        // share lead and continuation bytes, their characters little.
        let (a, b) = ("データの前処理を行います", "モデルを学習させます");
        let by_bytes = bounded::ratio_of(
            bounded::lcs_len(a.as_bytes(), b.as_bytes()),
            a.len(),
            b.len(),
        );
        assert!(by_bytes >= 0.5, "{by_bytes}");
        assert_eq!(ratio(a, b, 0.0), chars_ratio(a, b));
        assert!(ratio(a, b, 0.0) < 0.5);
        let edited = "データの前処理を丁寧に行います";
        assert_eq!(ratio(a, edited, 0.5), chars_ratio(a, edited));
        // Lengths count characters: 3 against 3, not 9 against 3.
        assert_eq!(ratio("été", "ete", 0.0), chars_ratio("été", "ete"));
        assert!(ratio("ééé", "ééx", 0.6) > 0.6);
    }

    #[test]
    fn long_sources_by_lines() {
        let imports: String = (0..30).map(|i| format!("import module_{i:02}\n")).collect();
        let a = format!("{imports}data = '{}'\n", "0123456789".repeat(320));
        let b = format!("{imports}data = '{}'\n", "abcdefghij".repeat(320));
        assert!(a.len() > SHORT_SOURCE);
        let r = ratio(&a, &b, 0.5);
        assert!((r - 60.0 / 62.0).abs() < 1e-6, "{r}");
        // No line in common: nothing spent.
        let c: String = (0..300).map(|i| format!("y_{i} = {i}\n")).collect();
        let mut budget = Budget::new(1_000);
        let (sa, sc) = (Source::new(a.as_str()), Source::new(c.as_str()));
        assert_eq!(similarity(&sa, &sc, 0.5, &mut budget), 0.0);
        assert_eq!(budget.left(), 1_000);
    }

    #[test]
    fn within_budget_exact_past_it_the_bound_every_time() {
        // The same letters in another order: the exact ratio is low, the count bound is 1.
        let a = "abcd".repeat(400);
        let b = "dcba".repeat(400);
        let (sa, sb) = (Source::new(a.as_str()), Source::new(b.as_str()));
        let exact = ratio(&a, &b, 0.5);
        assert!(exact < 0.6);
        let mut budget = Budget::new(bounded::lcs_cost(1600, 1600));
        assert_eq!(similarity(&sa, &sb, 0.5, &mut budget), exact);
        assert_eq!(budget.left(), 0);
        for _ in 0..3 {
            assert_eq!(similarity(&sa, &sb, 0.5, &mut budget), 1.0);
        }
        // Repeated with fresh budgets, the same answers.
        for _ in 0..3 {
            assert_eq!(ratio(&a, &b, 0.5), exact);
        }
    }
}
