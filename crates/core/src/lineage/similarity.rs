//! How alike two sources are, within a budget of steps.

use super::*;

/// How often each byte occurs in a source.
pub(super) fn histogram(s: &str) -> Box<[u32; 256]> {
    let mut h = Box::new([0u32; 256]);
    for &b in s.as_bytes() {
        if let Some(c) = h.get_mut(usize::from(b)) {
            *c = c.saturating_add(1);
        }
    }
    h
}

/// An upper bound of [`ratio`] from byte counts alone: no alignment can
/// match more bytes than both texts hold.
pub(super) fn quick_bound(a: &[u32; 256], la: usize, b: &[u32; 256], lb: usize) -> f32 {
    if la + lb == 0 {
        return 1.0;
    }
    // u32 lanes so that this vectorises; the sum is at most the shorter length.
    let common = a
        .iter()
        .zip(b)
        .fold(0u32, |s, (x, y)| s.wrapping_add(*x.min(y)));
    2.0 * common as f32 / (la + lb) as f32
}

/// How alike two sources are, 0 to 1 (`similar`'s ratio: characters for
/// short sources, lines for long ones).
pub fn ratio(a: &str, b: &str) -> f32 {
    if a == b {
        return 1.0;
    }
    let (la, lb) = (a.len(), b.len());
    if la + lb == 0 {
        return 1.0;
    }
    // The ratio can be no higher than this; most pairs stop here.
    let bound = 2.0 * la.min(lb) as f32 / (la + lb) as f32;
    if bound < SIMILARITY {
        return 0.0;
    }
    if la + lb > 6000 {
        // Long sources by lines, within a budget of steps rather than a
        // deadline: a pathological pair must not hold up the history, nor
        // may the machine's load change which runs are tied together.
        bounded::line_ratio(a, b, &mut bounded::Budget::new(RATIO_STEPS))
    } else {
        // Bytes rather than chars: the same for code (mostly ASCII). The
        // ratio is that of a shortest edit script (what Myers' diff finds):
        // twice the longest common subsequence over both lengths.
        2.0 * bounded::lcs_len(a.as_bytes(), b.as_bytes()) as f32 / (la + lb) as f32
    }
}
