//! The byte layout shared by our own packed forms (the timeline's rows and
//! the cache files): LEB128 varints, zigzag for signed ones, lengths before
//! bytes; and a reader that checks every read against what is left.

pub(crate) fn put_var(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub(crate) fn put_signed(out: &mut Vec<u8>, v: i64) {
    put_var(out, ((v << 1) ^ (v >> 63)) as u64);
}

pub(crate) fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_var(out, b.len() as u64);
    out.extend_from_slice(b);
}

/// Bytes not yet read; `None` past the end or on bytes no writer here
/// could have written (the data may be damaged or foreign).
pub(crate) struct Reader<'a>(pub(crate) &'a [u8]);

impl<'a> Reader<'a> {
    #[inline]
    pub(crate) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }

    #[inline]
    pub(crate) fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_first_chunk::<N>()?;
        self.0 = rest;
        Some(*head)
    }

    pub(crate) fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_le_bytes)
    }

    pub(crate) fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_le_bytes)
    }

    #[inline]
    pub(crate) fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    #[inline]
    pub(crate) fn var(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            // The tenth byte holds the 64th bit alone; more is damage.
            if shift == 63 && b > 1 {
                return None;
            }
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }

    pub(crate) fn signed(&mut self) -> Option<i64> {
        let v = self.var()?;
        Some(((v >> 1) as i64) ^ -((v & 1) as i64))
    }

    /// A varint that fits a `usize`.
    #[inline]
    pub(crate) fn size(&mut self) -> Option<usize> {
        usize::try_from(self.var()?).ok()
    }

    /// A count of things at least `min` bytes each: no more than what is
    /// left could hold, so a damaged count cannot ask for a huge allocation.
    pub(crate) fn count(&mut self, min: usize) -> Option<usize> {
        let n = self.size()?;
        (n <= self.0.len() / min.max(1)).then_some(n)
    }

    /// Bytes after their length.
    pub(crate) fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.size()?;
        self.take(n)
    }

    pub(crate) fn text(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.bytes()?).ok()
    }

    pub(crate) fn string(&mut self) -> Option<String> {
        self.text().map(str::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_put_reads_back_and_a_cut_read_is_none() {
        let mut out = Vec::new();
        for v in [0u64, 1, 127, 128, 300, u64::MAX] {
            put_var(&mut out, v);
        }
        for v in [0i64, -1, 1, i64::MIN, i64::MAX] {
            put_signed(&mut out, v);
        }
        put_bytes(&mut out, "héllo".as_bytes());
        let mut r = Reader(&out);
        for v in [0u64, 1, 127, 128, 300, u64::MAX] {
            assert_eq!(r.var(), Some(v));
        }
        for v in [0i64, -1, 1, i64::MIN, i64::MAX] {
            assert_eq!(r.signed(), Some(v));
        }
        assert_eq!(r.text(), Some("héllo"));
        assert!(r.0.is_empty());
        assert_eq!(r.byte(), None);
        // Eleven continuation bytes are no varint; a length past the end
        // reads nothing; a count no bytes left could hold is refused.
        assert_eq!(Reader(&[0x80; 11]).var(), None);
        // A tenth byte carrying bits past the 64th is damage, not u64::MAX.
        let mut past = vec![0xff; 9];
        past.push(0x7f);
        assert_eq!(Reader(&past).var(), None);
        let mut max = vec![0xff; 9];
        max.push(0x01);
        assert_eq!(Reader(&max).var(), Some(u64::MAX));
        assert_eq!(Reader(&[5, b'a']).bytes(), None);
        assert_eq!(Reader(&[9, 0, 0]).count(1), None);
        assert_eq!(Reader(&[2, 0, 0]).count(1), Some(2));
    }
}
