//! Encoding of object headers and fields: tree entry order, signatures, pack entry headers, OFS_DELTA distances.

/// git's tree entry order: byte-wise, with tree names compared as if they ended in `/`.
pub(super) fn tree_order(a: &[u8], a_tree: bool, b: &[u8], b_tree: bool) -> std::cmp::Ordering {
    let n = a.len().min(b.len());
    a[..n].cmp(&b[..n]).then_with(|| {
        let end =
            |name: &[u8], tree: bool| name.get(n).copied().unwrap_or(if tree { b'/' } else { 0 });
        end(a, a_tree).cmp(&end(b, b_tree))
    })
}

/// Appends `role Name <email> secs +hhmm\n`.
pub(super) fn push_signature(
    out: &mut String,
    role: &str,
    (name, email, secs, offset): (&str, &str, i64, i32),
) {
    let sign = if offset < 0 { '-' } else { '+' };
    let abs = offset.unsigned_abs();
    out.push_str(&format!(
        "{role} {name} <{email}> {secs} {sign}{:02}{:02}\n",
        abs / 60,
        abs % 60
    ));
}

/// Pack entry header: type and size, little-endian base-128 with 4 bits in the first byte.
pub(super) fn entry_header(out: &mut Vec<u8>, code: u8, size: u64) {
    let mut byte = (code << 4) | (size & 0x0F) as u8;
    let mut rest = size >> 4;
    while rest != 0 {
        out.push(byte | 0x80);
        byte = (rest & 0x7F) as u8;
        rest >>= 7;
    }
    out.push(byte);
}

/// git's OFS_DELTA distance encoding (big-endian base-128, each continuation adding one).
pub(super) fn ofs_delta_offset(out: &mut Vec<u8>, distance: u64) {
    let mut buf = [0u8; 10];
    let mut pos = buf.len() - 1;
    let mut rest = distance;
    buf[pos] = (rest & 0x7F) as u8;
    rest >>= 7;
    while rest != 0 {
        rest -= 1;
        pos -= 1;
        buf[pos] = 0x80 | (rest & 0x7F) as u8;
        rest >>= 7;
    }
    out.extend_from_slice(&buf[pos..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn signature_offsets_are_formatted_like_git() {
        for (offset, text) in [
            (-300, "-0500"),
            (90, "+0130"),
            (-210, "-0330"),
            (0, "+0000"),
            (840, "+1400"),
        ] {
            let mut s = String::new();
            push_signature(&mut s, "author", ("N", "e@x", 5, offset));
            assert_eq!(s, format!("author N <e@x> 5 {text}\n"));
        }
    }

    #[test]
    fn tree_order_matches_git() {
        use std::cmp::Ordering::*;
        assert_eq!(tree_order(b"foo", true, b"foo.c", false), Greater);
        assert_eq!(tree_order(b"foo", true, b"foo0", false), Less);
        assert_eq!(tree_order(b"foo", false, b"foo.c", false), Less);
        assert_eq!(tree_order(b"foo", true, b"foo", true), Equal);
        assert_eq!(tree_order(b"B", false, b"a", false), Less);
    }

    /// Decodes a pack entry header; returns (type, size, bytes used).
    fn decode_entry_header(bytes: &[u8]) -> (u8, u64, usize) {
        let mut c = bytes[0];
        let kind = (c >> 4) & 7;
        let mut size = u64::from(c & 15);
        let mut shift = 4;
        let mut used = 1;
        while c & 0x80 != 0 {
            c = bytes[used];
            used += 1;
            size |= u64::from(c & 0x7F) << shift;
            shift += 7;
        }
        (kind, size, used)
    }

    /// Decodes an OFS_DELTA distance like git's `get_delta_base`.
    fn decode_ofs(bytes: &[u8]) -> (u64, usize) {
        let mut used = 0;
        let mut c = bytes[used];
        used += 1;
        let mut ofs = u64::from(c & 0x7F);
        while c & 0x80 != 0 {
            c = bytes[used];
            used += 1;
            ofs = ((ofs + 1) << 7) | u64::from(c & 0x7F);
        }
        (ofs, used)
    }

    proptest! {
        #[test]
        fn entry_header_round_trips(kind in 1u8..8, size in any::<u64>()) {
            let mut out = Vec::new();
            entry_header(&mut out, kind, size);
            prop_assert_eq!(decode_entry_header(&out), (kind, size, out.len()));
        }

        #[test]
        fn ofs_delta_offset_round_trips(distance in 1u64..(1 << 62)) {
            let mut out = Vec::new();
            ofs_delta_offset(&mut out, distance);
            prop_assert_eq!(decode_ofs(&out), (distance, out.len()));
        }
    }
}
