//! Blosc 1 chunks as the client wrote them (blosclz, typesize 8, byte shuffle), through `blusc`.

/// The largest decompressed size we accept. The client never stored values
/// near this; a header claiming more is corrupt, and allocating it could
/// exhaust memory.
pub const MAX_DECOMPRESSED: usize = 256 << 20;
const HEADER: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BloscError {
    #[error("Blosc chunk is {0} bytes, shorter than its 16-byte header")]
    Short(usize),
    #[error("Blosc chunk has format version {0}, expected a Blosc 1 chunk (1 or 2)")]
    Version(u8),
    #[error("Blosc header says the chunk is {declared} bytes, but it is {actual}")]
    CompressedSize { declared: usize, actual: usize },
    #[error("Blosc header claims {0} decompressed bytes, more than the 256 MiB accepted")]
    TooLarge(usize),
    #[error("Blosc chunk does not decompress: {0}")]
    Corrupt(String),
}

/// Decompresses one Blosc 1 chunk, checking its header before trusting it.
pub fn decompress(chunk: &[u8]) -> Result<Vec<u8>, BloscError> {
    let header = chunk.get(..HEADER).ok_or(BloscError::Short(chunk.len()))?;
    let word = |i: usize| {
        u32::from_le_bytes([header[i], header[i + 1], header[i + 2], header[i + 3]]) as usize
    };
    let version = header[0];
    if !(1..=2).contains(&version) {
        return Err(BloscError::Version(version));
    }
    let (nbytes, cbytes) = (word(4), word(12));
    if cbytes != chunk.len() {
        return Err(BloscError::CompressedSize {
            declared: cbytes,
            actual: chunk.len(),
        });
    }
    if nbytes > MAX_DECOMPRESSED {
        return Err(BloscError::TooLarge(nbytes));
    }
    check_runs(chunk)?;
    let mut out = vec![0u8; nbytes];
    // blusc is young; a panic inside it on hostile bytes must stay an error on this detail.
    let result = crate::contained::catch(|| blusc::api::blosc1_decompress(chunk, &mut out));
    match result {
        Ok(n) if n >= 0 && n as usize == nbytes => Ok(out),
        Ok(n) => Err(BloscError::Corrupt(format!(
            "decoder returned {n}, expected {nbytes} bytes"
        ))),
        Err(_) => Err(BloscError::Corrupt(
            "decoder failed on malformed blocks".into(),
        )),
    }
}

/// Header flag: the data is stored after the header as it is, without blocks.
const MEMCPYED: u8 = 0x02;
/// Header flag: each block is one stream, not one per byte of the type.
const DONT_SPLIT: u8 = 0x10;

/// Walks the streams of every block as the decoder will, and refuses a
/// run-length stream whose size is `i32::MIN`: a run of byte `b` is stored
/// as size `-b`, and `blusc` negates the size, which overflows there (a
/// panic in builds with overflow checks, found by fuzzing). Anything else
/// the walk cannot follow is left to the decoder, which reports it.
fn check_runs(chunk: &[u8]) -> Result<(), BloscError> {
    let word = |i: usize| {
        chunk
            .get(i..i + 4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes)
    };
    let (Some(&flags), Some(&typesize)) = (chunk.get(2), chunk.get(3)) else {
        return Ok(());
    };
    let (Some(nbytes), Some(blocksize)) = (word(4), word(8)) else {
        return Ok(());
    };
    let (nbytes, blocksize) = (nbytes as usize, blocksize as usize);
    if flags & MEMCPYED != 0 || nbytes == 0 || blocksize == 0 || typesize == 0 {
        return Ok(());
    }
    let nblocks = nbytes.div_ceil(blocksize);
    // The decoder refuses a chunk too short for its block starts.
    if chunk.len() < HEADER.saturating_add(nblocks.saturating_mul(4)) {
        return Ok(());
    }
    for block in 0..nblocks {
        let Some(start) = word(HEADER + block * 4) else {
            return Ok(());
        };
        let leftover = block == nblocks - 1 && nbytes % blocksize != 0;
        let streams = if flags & DONT_SPLIT == 0 && !leftover {
            usize::from(typesize)
        } else {
            1
        };
        let mut at = start as usize;
        for _ in 0..streams {
            let Some(size) = word(at).map(|w| w as i32) else {
                break;
            };
            at += 4;
            if size == i32::MIN {
                return Err(BloscError::Corrupt(format!(
                    "block {block} has a stream of size {size}"
                )));
            }
            if size < 0 {
                // A run: one token byte follows.
                at += 1;
            } else {
                at = at.saturating_add(size as usize);
            }
        }
    }
    Ok(())
}

/// Compresses bytes the way the Gigantum client did: blosclz, level 9, typesize 8, byte shuffle.
pub fn compress(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; data.len() + HEADER];
    let n = blusc::api::blosc1_compress(9, i32::from(blusc::BLOSC_SHUFFLE), 8, data, &mut out);
    out.truncate(usize::try_from(n).unwrap_or(0));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_client_settings() {
        let data: Vec<u8> = (0..20_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        let c = compress(&data);
        assert!(c.len() < data.len() / 2, "compresses: {}", c.len());
        assert_eq!(c[0], 2, "Blosc 1 format version");
        assert_eq!(c[2] & 0x01, 0x01, "byte shuffle flag");
        assert_eq!(c[2] >> 5, 0, "blosclz codec");
        assert_eq!(c[3], 8, "typesize 8");
        assert_eq!(decompress(&c).unwrap(), data);
    }

    #[test]
    fn corrupt_chunks_are_errors() {
        assert_eq!(decompress(&[2, 1]), Err(BloscError::Short(2)));
        let data = vec![7u8; 10_000];
        let mut c = compress(&data);
        c.truncate(c.len() - 1);
        assert!(matches!(
            decompress(&c),
            Err(BloscError::CompressedSize { .. })
        ));
        let mut c = compress(&data);
        c[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(decompress(&c), Err(BloscError::TooLarge(_))));
        let mut c = compress(
            &(0..9_000u32)
                .map(|i| (i * 7 % 13) as u8)
                .collect::<Vec<_>>(),
        );
        let n = c.len();
        for b in &mut c[20..n] {
            *b = b.wrapping_mul(31).wrapping_add(3);
        }
        assert!(decompress(&c).is_err());
    }
}
