//! Versions nobody can read: a merge conflict committed with its markers, a save cut off midway, a Git LFS pointer in place of the JSON.

use std::fmt::Write as _;

use crate::synth::workload::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Broken {
    Conflict,
    Truncated,
    Lfs,
}

impl Broken {
    pub(super) const ALL: [Broken; 3] = [Broken::Conflict, Broken::Truncated, Broken::Lfs];

    pub(super) fn name(self) -> &'static str {
        match self {
            Broken::Conflict => "conflict",
            Broken::Truncated => "truncated",
            Broken::Lfs => "lfs",
        }
    }
}

/// The unreadable file: `ours` is the save that would have been committed,
/// `theirs` the other side of the conflict (the last good version).
pub(super) fn make(kind: Broken, ours: &[u8], theirs: &[u8], rng: &mut Rng) -> Vec<u8> {
    match kind {
        Broken::Conflict => conflict(ours, theirs),
        Broken::Truncated => {
            let text = String::from_utf8_lossy(ours);
            let mut cut = (text.len() as f64 * (0.3 + 0.5 * rng.unit())) as usize;
            while cut > 1 && !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.as_bytes()[..cut.max(1)].to_vec()
        }
        Broken::Lfs => {
            let mut oid = String::new();
            for _ in 0..4 {
                let _ = write!(oid, "{:016x}", rng.next_u64());
            }
            format!(
                "version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {}\n",
                ours.len()
            )
            .into_bytes()
        }
    }
}

/// What git leaves after a conflicting merge: the common lines, then both
/// sides of the region that differs between markers.
fn conflict(ours: &[u8], theirs: &[u8]) -> Vec<u8> {
    let a: Vec<&[u8]> = ours.split_inclusive(|&b| b == b'\n').collect();
    let b: Vec<&[u8]> = theirs.split_inclusive(|&b| b == b'\n').collect();
    let mut pre = 0;
    while pre < a.len() && pre < b.len() && a[pre] == b[pre] {
        pre += 1;
    }
    let mut suf = 0;
    while suf < a.len() - pre && suf < b.len() - pre && a[a.len() - 1 - suf] == b[b.len() - 1 - suf]
    {
        suf += 1;
    }
    let (mut a_mid, mut b_mid) = (&a[pre..a.len() - suf], &b[pre..b.len() - suf]);
    // Identical sides still conflict when both touched the line: show one.
    let one = [a
        .get(pre.min(a.len().saturating_sub(1)))
        .copied()
        .unwrap_or_default()];
    if a_mid.is_empty() && b_mid.is_empty() {
        a_mid = &one;
        b_mid = &one;
    }
    let mut out = Vec::with_capacity(ours.len() + theirs.len() / 4);
    for l in &a[..pre] {
        out.extend_from_slice(l);
    }
    out.extend_from_slice(b"<<<<<<< HEAD\n");
    for l in a_mid {
        out.extend_from_slice(l);
    }
    out.extend_from_slice(b"=======\n");
    for l in b_mid {
        out.extend_from_slice(l);
    }
    out.extend_from_slice(b">>>>>>> origin/main\n");
    for l in &a[a.len() - suf..] {
        out.extend_from_slice(l);
    }
    out
}
