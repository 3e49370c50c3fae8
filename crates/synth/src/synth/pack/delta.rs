//! Git delta encoding: prefix deltas of append-only blobs and entry-by-entry deltas of trees.

use super::encode::tree_order;
use super::{MAX_COPY, MAX_INSERT};

/// Size varint used in delta headers (little-endian base-128).
pub(super) fn delta_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push(0x80 | (value & 0x7F) as u8);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Delta from a source of `source_len` bytes whose first `copied` bytes equal
/// `target[..copied]` to `target`: copy those bytes, insert the rest.
/// `copied` must fit the 32-bit copy offset.
pub(super) fn encode_prefix_delta(
    out: &mut Vec<u8>,
    source_len: usize,
    copied: usize,
    target: &[u8],
) {
    let tail = &target[copied..];
    out.reserve(20 + copied / MAX_COPY * 8 + tail.len() + tail.len() / MAX_INSERT + 1);
    delta_varint(out, source_len as u64);
    delta_varint(out, target.len() as u64);
    push_copy(out, 0, copied);
    push_insert(out, tail);
}

/// Delta copy instructions for `size` bytes of the source from `offset` on
/// (which must fit 32 bits).
pub(super) fn push_copy(out: &mut Vec<u8>, mut offset: usize, size: usize) {
    let end = offset + size;
    while offset < end {
        let size = (end - offset).min(MAX_COPY);
        let at = out.len();
        out.push(0x80);
        let mut cmd = 0x80u8;
        for (i, byte) in (offset as u32).to_le_bytes().into_iter().enumerate() {
            if byte != 0 {
                cmd |= 1 << i;
                out.push(byte);
            }
        }
        for (i, byte) in (size as u32).to_le_bytes().into_iter().take(3).enumerate() {
            if byte != 0 {
                cmd |= 0x10 << i;
                out.push(byte);
            }
        }
        out[at] = cmd;
        offset += size;
    }
}

/// Delta insert instructions for `bytes`.
pub(super) fn push_insert(out: &mut Vec<u8>, bytes: &[u8]) {
    for chunk in bytes.chunks(MAX_INSERT) {
        out.push(chunk.len() as u8);
        out.extend_from_slice(chunk);
    }
}

/// The entries of a tree body, each as (start, position of the NUL ending
/// its name, end); `None` when the body is not a well-formed tree.
pub(super) fn tree_entries(body: &[u8]) -> Option<Vec<(usize, usize, usize)>> {
    let mut entries = Vec::new();
    let mut start = 0;
    while start < body.len() {
        let nul = start + body[start..].iter().position(|&b| b == 0)?;
        body[start..nul].iter().position(|&b| b == b' ')?;
        let end = nul + 1 + 20;
        if end > body.len() {
            return None;
        }
        entries.push((start, nul, end));
        start = end;
    }
    Some(entries)
}

/// The name of the tree entry `body[start..nul]` and whether it is a subtree.
pub(super) fn entry_name(body: &[u8], start: usize, nul: usize) -> (&[u8], bool) {
    let entry = &body[start..nul];
    let space = entry.iter().position(|&b| b == b' ').unwrap_or(0);
    (&entry[space + 1..], entry.starts_with(b"40000 "))
}

/// Writes into `out` (cleared first) a git delta that turns tree body `base`
/// into tree body `target`, entry by entry: an entry found in `base` with the
/// same bytes is copied; one whose mode and name are there with another id
/// copies those and inserts the id; any other is inserted. Both bodies are in
/// git's order, so one pass over each finds the matches. False (and `out`
/// unusable) when either is not a well-formed tree or `base` is too long for
/// the 32-bit copy offsets.
pub(super) fn encode_tree_delta(out: &mut Vec<u8>, base: &[u8], target: &[u8]) -> bool {
    out.clear();
    if u32::try_from(base.len()).is_err() {
        return false;
    }
    let (Some(from), Some(to)) = (tree_entries(base), tree_entries(target)) else {
        return false;
    };
    delta_varint(out, base.len() as u64);
    delta_varint(out, target.len() as u64);
    let mut runs = DeltaRuns {
        out,
        target,
        run: None,
    };
    let mut i = 0;
    for &(ts, tn, te) in &to {
        let (name, tree) = entry_name(target, ts, tn);
        let mut found = None;
        while let Some(&(bs, bn, be)) = from.get(i) {
            let (base_name, base_tree) = entry_name(base, bs, bn);
            match tree_order(base_name, base_tree, name, tree) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Equal => {
                    found = Some((bs, bn, be));
                    i += 1;
                    break;
                }
                std::cmp::Ordering::Greater => break,
            }
        }
        match found {
            Some((bs, _, be)) if base[bs..be] == target[ts..te] => runs.copy(bs, be),
            Some((bs, bn, _)) if base[bs..bn] == target[ts..tn] => {
                runs.copy(bs, bn + 1);
                runs.insert(tn + 1, te);
            }
            _ => runs.insert(ts, te),
        }
    }
    runs.flush();
    true
}

/// A delta's instructions being written, the last run held back so that
/// neighbouring copies (or inserts) become one instruction.
pub(super) struct DeltaRuns<'a> {
    out: &'a mut Vec<u8>,
    target: &'a [u8],
    /// The open run: a copy of `base[start..end]` or an insert of
    /// `target[start..end]`.
    run: Option<Run>,
}

#[derive(Clone, Copy)]
pub(super) enum Run {
    Copy(usize, usize),
    Insert(usize, usize),
}

impl DeltaRuns<'_> {
    pub(super) fn copy(&mut self, start: usize, end: usize) {
        match &mut self.run {
            Some(Run::Copy(_, e)) if *e == start => *e = end,
            _ => {
                self.flush();
                self.run = Some(Run::Copy(start, end));
            }
        }
    }

    pub(super) fn insert(&mut self, start: usize, end: usize) {
        match &mut self.run {
            Some(Run::Insert(_, e)) if *e == start => *e = end,
            _ => {
                self.flush();
                self.run = Some(Run::Insert(start, end));
            }
        }
    }

    pub(super) fn flush(&mut self) {
        match self.run.take() {
            Some(Run::Copy(s, e)) => push_copy(self.out, s, e - s),
            Some(Run::Insert(s, e)) => push_insert(self.out, &self.target[s..e]),
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::pack::test_support::*;
    use crate::synth::pack::*;
    use proptest::prelude::*;

    /// Applies a git delta like `patch_delta`.
    fn apply_delta(base: &[u8], delta: &[u8]) -> Vec<u8> {
        let mut pos = 0;
        let mut varint = || {
            let (mut value, mut shift) = (0u64, 0);
            loop {
                let c = delta[pos];
                pos += 1;
                value |= u64::from(c & 0x7F) << shift;
                shift += 7;
                if c & 0x80 == 0 {
                    return value as usize;
                }
            }
        };
        assert_eq!(varint(), base.len());
        let target_len = varint();
        let mut out = Vec::new();
        while pos < delta.len() {
            let cmd = delta[pos];
            pos += 1;
            if cmd & 0x80 != 0 {
                let mut field = |bits: u8, shifts: &[u32]| {
                    let mut v = 0usize;
                    for (i, s) in shifts.iter().enumerate() {
                        if cmd & (bits << i) != 0 {
                            v |= usize::from(delta[pos]) << s;
                            pos += 1;
                        }
                    }
                    v
                };
                let off = field(0x01, &[0, 8, 16, 24]);
                let mut size = field(0x10, &[0, 8, 16]);
                if size == 0 {
                    size = 0x10000;
                }
                out.extend_from_slice(&base[off..off + size]);
            } else {
                assert_ne!(cmd, 0);
                let n = usize::from(cmd);
                out.extend_from_slice(&delta[pos..pos + n]);
                pos += n;
            }
        }
        assert_eq!(out.len(), target_len);
        out
    }

    #[test]
    fn append_delta_encoding_round_trips() {
        for prefix in [
            1,
            127,
            128,
            0xFFFF,
            0x10000,
            0x10001,
            MAX_COPY,
            MAX_COPY + 1,
            2 * MAX_COPY + 5,
        ] {
            for tail in [0, 1, 127, 128, 300] {
                let target = noise((prefix + tail) as u64, prefix + tail);
                let mut delta = Vec::new();
                encode_prefix_delta(&mut delta, prefix, prefix, &target);
                assert!(
                    apply_delta(&target[..prefix], &delta) == target,
                    "{prefix}+{tail}"
                );
                // The other way round: a prefix of the source, nothing inserted.
                delta.clear();
                encode_prefix_delta(&mut delta, prefix + tail, prefix, &target[..prefix]);
                assert!(
                    apply_delta(&target, &delta) == target[..prefix],
                    "{prefix}+{tail} reversed"
                );
            }
        }
    }

    /// A tree body from (name, is a subtree, id byte) with unique names, in any order.
    fn tree_body(entries: &[(String, bool, u8)]) -> Vec<u8> {
        let mut sorted: Vec<&(String, bool, u8)> = entries.iter().collect();
        sorted.sort_by(|a, b| tree_order(a.0.as_bytes(), a.1, b.0.as_bytes(), b.1));
        let mut body = Vec::new();
        for (name, tree, id) in sorted {
            body.extend_from_slice(if *tree { b"40000 " } else { b"100644 " });
            body.extend_from_slice(name.as_bytes());
            body.push(0);
            body.extend_from_slice(&[*id; 20]);
        }
        body
    }

    #[test]
    fn tree_delta_copies_unchanged_entries_and_names() {
        let names: Vec<(String, bool, u8)> = (0..300)
            .map(|i| (format!("log_0123456789abcdef_{i}"), false, (i % 7) as u8))
            .collect();
        let base = tree_body(&names);
        let mut changed = names.clone();
        changed[150].2 = 99; // the current log file grew
        changed.push(("log_0123456789abcdef_300".into(), false, 1)); // and the next began
        let target = tree_body(&changed);
        let mut delta = Vec::new();
        assert!(encode_tree_delta(&mut delta, &base, &target));
        assert!(apply_delta(&base, &delta) == target);
        // Two ids and one name inserted, the rest copied in a few instructions.
        assert!(delta.len() < 120, "{} bytes", delta.len());
        assert!(!encode_tree_delta(&mut delta, b"100644 no-nul", &target));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Any two trees: the delta turns one into the other.
        #[test]
        fn tree_delta_round_trips(
            base in prop::collection::btree_map("[a-e.-]{1,4}", (any::<bool>(), 0u8..3), 0..40),
            target in prop::collection::btree_map("[a-e.-]{1,4}", (any::<bool>(), 0u8..3), 0..40),
        ) {
            // Names unique within a tree, as git requires.
            let listed = |m: BTreeMap<String, (bool, u8)>| -> Vec<(String, bool, u8)> {
                m.into_iter().map(|(n, (t, id))| (n, t, id)).collect()
            };
            let (base, target) = (tree_body(&listed(base)), tree_body(&listed(target)));
            let mut delta = Vec::new();
            prop_assert!(encode_tree_delta(&mut delta, &base, &target));
            prop_assert!(apply_delta(&base, &delta) == target);
        }
    }
}
