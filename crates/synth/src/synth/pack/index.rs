//! The pack index (`.idx` version 2): what it records of each entry and how it is laid out.

use std::io::{self, Write};

use git2::Oid;
use sha1::{Digest, Sha1};

use super::IDX_LARGE_OFFSET;

/// What the index needs to know about one pack entry.
pub(super) struct IndexEntry {
    pub(super) id: Oid,
    /// Offset of the entry from the start of the pack.
    pub(super) offset: u64,
    /// CRC32 of the entry's bytes as stored (header, delta base offset, zlib data).
    pub(super) crc: u32,
}

/// Writes a version 2 pack index of `entries` (sorting them by id) for the pack
/// whose trailer is `pack_checksum`, then flushes `out`.
///
/// Layout: magic `\xfftOc`, version 2, 256 cumulative counts by first id byte,
/// the sorted ids, their CRC32s, their 4-byte offsets (offsets from 2^31 on are
/// stored as MSB | index into a following table of 8-byte offsets), the pack's
/// SHA-1 and finally the SHA-1 of everything before it.
pub(super) fn write_idx<W: Write>(
    entries: &mut [IndexEntry],
    pack_checksum: &[u8; 20],
    out: W,
) -> io::Result<()> {
    if u32::try_from(entries.len()).is_err() {
        return Err(io::Error::other("too many objects for one pack index"));
    }
    entries.sort_unstable_by(|a, b| a.id.as_bytes().cmp(b.id.as_bytes()));
    let mut out = HashWriter {
        inner: out,
        hasher: Sha1::new(),
    };
    out.write_all(b"\xfftOc")?;
    out.write_all(&2u32.to_be_bytes())?;

    let mut fanout = [0u32; 256];
    for entry in entries.iter() {
        let first = entry.id.as_bytes().first().copied().unwrap_or(0);
        fanout[usize::from(first)] += 1;
    }
    let mut total = 0u32;
    for n in fanout {
        total += n;
        out.write_all(&total.to_be_bytes())?;
    }
    for entry in entries.iter() {
        out.write_all(entry.id.as_bytes())?;
    }
    for entry in entries.iter() {
        out.write_all(&entry.crc.to_be_bytes())?;
    }
    let mut large: Vec<u64> = Vec::new();
    for entry in entries.iter() {
        let word = match u32::try_from(entry.offset) {
            Ok(small) if entry.offset < IDX_LARGE_OFFSET => small,
            _ => {
                let index = u32::try_from(large.len())
                    .ok()
                    .filter(|i| i & 0x8000_0000 == 0)
                    .ok_or_else(|| io::Error::other("too many large offsets for a pack index"))?;
                large.push(entry.offset);
                0x8000_0000 | index
            }
        };
        out.write_all(&word.to_be_bytes())?;
    }
    for offset in large {
        out.write_all(&offset.to_be_bytes())?;
    }
    out.write_all(pack_checksum)?;
    let checksum = std::mem::take(&mut out.hasher).finalize();
    out.inner.write_all(&checksum)?;
    out.inner.flush()
}

/// Passes writes through to `inner` while hashing them.
pub(super) struct HashWriter<W> {
    pub(super) inner: W,
    pub(super) hasher: Sha1,
}

impl<W: Write> Write for HashWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::pack::test_support::*;
    use crate::synth::pack::*;
    use git2::Repository;
    use std::process::Command;

    /// `git verify-pack -v` accepts the index (checksums and every entry's CRC32),
    /// lists exactly the objects written at the offsets recorded, the index is
    /// byte-identical to the one `git index-pack` builds for the same pack, and a
    /// freshly opened repository reads every object back.
    #[test]
    fn verify_pack_accepts_index_and_git2_reads_every_object() {
        let dir = tempfile::TempDir::new().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let mut w = PackWriter::new();
        let mut blobs: Vec<(Oid, Vec<u8>)> = Vec::new();
        let mut log = Vec::new();
        let mut prev = None;
        for i in 0..120u64 {
            if i % 40 == 0 {
                prev = None; // a new chain every 40 versions
            }
            log.extend_from_slice(&noise(i, 50 + (i as usize * 37) % 500));
            let id = w.blob(&log, prev);
            blobs.push((id, log.clone()));
            prev = Some(id);
        }
        let big = noise(99, 200 * 1024);
        let big_id = w.blob(&big, None);
        blobs.push((big_id, big));
        let mut parent = Vec::new();
        for (i, (id, _)) in blobs.iter().enumerate().step_by(7) {
            let tree = w.tree(&[
                ("log".to_string(), EntryMode::File, *id),
                ("big.bin".to_string(), EntryMode::Executable, big_id),
            ]);
            let root = w.tree(&[("dir".to_string(), EntryMode::Tree, tree)]);
            let t = 1_600_000_000 + i as i64;
            let sig = ("N", "n@example.com", t, 60);
            let c = w.commit(root, &parent, sig, sig, &format!("commit {i}\n"));
            parent = vec![c];
        }
        w.write_pending();
        let expected: HashMap<Oid, u64> = w.entries.iter().map(|e| (e.id, e.offset)).collect();
        assert_eq!(expected.len(), w.len());
        w.finish(&repo).unwrap();

        let files = pack_files(dir.path());
        assert_eq!(files.len(), 2, "{files:?}");
        let idx = files
            .iter()
            .find(|p| p.extension().is_some_and(|e| e == "idx"))
            .unwrap();
        let pack = idx.with_extension("pack");
        let pack_bytes = std::fs::read(&pack).unwrap();
        let idx_bytes = std::fs::read(idx).unwrap();
        // Named by the pack trailer, which the index repeats before its own SHA-1.
        let trailer = &pack_bytes[pack_bytes.len() - 20..];
        let name: String = trailer.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            pack.file_name().unwrap().to_str().unwrap(),
            format!("pack-{name}.pack")
        );
        assert_eq!(
            &idx_bytes[idx_bytes.len() - 40..idx_bytes.len() - 20],
            trailer
        );
        assert_eq!(
            &idx_bytes[idx_bytes.len() - 20..],
            &Sha1::digest(&idx_bytes[..idx_bytes.len() - 20])[..]
        );

        let out = Command::new("git")
            .arg("--git-dir")
            .arg(dir.path())
            .args(["verify-pack", "-v"])
            .arg(idx)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.trim_end().ends_with(": ok"), "{stdout}");
        let mut listed = HashMap::new();
        for line in stdout.lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.first().is_some_and(|f| f.len() == 40) {
                let id = Oid::from_str(fields[0]).unwrap();
                listed.insert(id, fields[4].parse::<u64>().unwrap());
            }
        }
        assert_eq!(listed, expected);

        // git's own indexer builds exactly the same index from the pack.
        let scratch = tempfile::TempDir::new().unwrap();
        let copy = scratch.path().join("copy.pack");
        std::fs::copy(&pack, &copy).unwrap();
        let status = Command::new("git")
            .args(["index-pack", "-o"])
            .arg(scratch.path().join("copy.idx"))
            .arg(&copy)
            .output()
            .unwrap();
        assert!(status.status.success(), "{status:?}");
        assert!(std::fs::read(scratch.path().join("copy.idx")).unwrap() == idx_bytes);

        // A fresh handle reads every object, and each hashes to its id.
        let fresh = Repository::open_bare(dir.path()).unwrap();
        let odb = fresh.odb().unwrap();
        for id in expected.keys() {
            let object = odb.read(*id).unwrap();
            assert_eq!(Oid::hash_object(object.kind(), object.data()).unwrap(), *id);
        }
        for (id, data) in &blobs {
            assert!(fresh.find_blob(*id).unwrap().content() == &data[..]);
        }
        let mut stored = 0;
        odb.foreach(|_| {
            stored += 1;
            true
        })
        .unwrap();
        assert_eq!(stored, expected.len());
        fresh
            .reference("refs/heads/main", parent[0], true, "test")
            .unwrap();
        assert_fsck_clean(dir.path());
    }

    /// Offsets from 2^31 on go to the 8-byte table, in index order; checked by
    /// decoding the index (a real pack that large would make a slow test).
    #[test]
    fn index_stores_large_offsets_in_their_own_table() {
        let offsets = [
            12,
            0x7FFF_FFFF,
            0x8000_0000,
            0x1_2345_6789,
            0xFFFF_FFFF,
            1 << 40,
            4096,
        ];
        let mut entries: Vec<IndexEntry> = offsets
            .iter()
            .enumerate()
            .map(|(i, &offset)| IndexEntry {
                id: Oid::hash_object(ObjectType::Blob, &[i as u8]).unwrap(),
                offset,
                crc: 0xC0DE_0000 + i as u32,
            })
            .collect();
        let pack_checksum = [0xAB; 20];
        let mut idx = Vec::new();
        write_idx(&mut entries, &pack_checksum, &mut idx).unwrap();

        let n = offsets.len();
        let word = |at: usize| u32::from_be_bytes(idx[at..at + 4].try_into().unwrap());
        assert_eq!(&idx[..4], b"\xfftOc");
        assert_eq!(word(4), 2);
        let fanout: Vec<u32> = (0..256).map(|b| word(8 + 4 * b)).collect();
        assert_eq!(fanout[255] as usize, n);
        let ids_at = 8 + 1024;
        let ids: Vec<&[u8]> = (0..n)
            .map(|i| &idx[ids_at + 20 * i..ids_at + 20 * (i + 1)])
            .collect();
        assert!(ids.windows(2).all(|p| p[0] < p[1]), "ids sorted");
        for (b, &count) in fanout.iter().enumerate() {
            let below = ids.iter().filter(|id| usize::from(id[0]) <= b).count();
            assert_eq!(count as usize, below);
        }
        let crc_at = ids_at + 20 * n;
        let ofs_at = crc_at + 4 * n;
        let large_at = ofs_at + 4 * n;
        let large_count = offsets.iter().filter(|&&o| o >= 1 << 31).count();
        assert_eq!(idx.len(), large_at + 8 * large_count + 40);
        let mut next_large = 0;
        for (i, id) in ids.iter().enumerate() {
            let source = (0..n)
                .find(|&k| {
                    Oid::hash_object(ObjectType::Blob, &[k as u8])
                        .unwrap()
                        .as_bytes()
                        == *id
                })
                .unwrap();
            assert_eq!(word(crc_at + 4 * i), 0xC0DE_0000 + source as u32);
            let w = word(ofs_at + 4 * i);
            let offset = if w & 0x8000_0000 == 0 {
                u64::from(w)
            } else {
                // git requires the table to be filled in index order.
                assert_eq!((w & 0x7FFF_FFFF) as usize, next_large);
                next_large += 1;
                let at = large_at + 8 * (w & 0x7FFF_FFFF) as usize;
                u64::from_be_bytes(idx[at..at + 8].try_into().unwrap())
            };
            assert_eq!(offset, offsets[source]);
        }
        assert_eq!(next_large, large_count);
        let end = idx.len();
        assert_eq!(&idx[end - 40..end - 20], &pack_checksum);
        assert_eq!(&idx[end - 20..], &Sha1::digest(&idx[..end - 20])[..]);
    }
}
