//! A fast writer of git objects straight into one packfile (appended blobs become OFS_DELTA chains).

use std::collections::{HashMap, HashSet, VecDeque};
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

use flate2::{Compress, Compression, FlushCompress, Status};
use git2::{ObjectType, Oid};
use sha1::{Digest, Sha1};

/// Longest delta chain written; a blob whose base is already this deep is stored in full.
const MAX_DELTA_DEPTH: u8 = 50;
/// Upper bound on the bytes of blob content kept in memory as possible delta bases.
const BASE_CACHE_BUDGET: usize = 256 << 20;
/// Size of the pack header ("PACK", version, object count).
const PACK_HEADER_LEN: u64 = 12;
/// Largest size one delta copy instruction can encode.
const MAX_COPY: usize = 0x00FF_FFFF;
/// Largest size one delta insert instruction can encode.
const MAX_INSERT: usize = 0x7F;

const OBJ_COMMIT: u8 = 1;
const OBJ_TREE: u8 = 2;
const OBJ_BLOB: u8 = 3;
const OBJ_OFS_DELTA: u8 = 6;

/// An error while building or storing a pack.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    /// libgit2 failed (hashing, opening the object database or indexing the pack).
    #[error("git error: {0}")]
    Git(#[from] git2::Error),
    /// Reading or writing the temporary pack data failed.
    #[error("i/o error while writing the pack: {0}")]
    Io(#[from] io::Error),
    /// zlib compression of an object failed.
    #[error("compressing an object failed: {0}")]
    Compress(#[from] flate2::CompressError),
    /// The pack format stores the object count in 32 bits.
    #[error("too many objects for one pack: {0}")]
    TooManyObjects(usize),
}

/// The mode of a tree entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryMode {
    /// A regular file (`100644`).
    File,
    /// An executable file (`100755`).
    Executable,
    /// A subdirectory (`40000`).
    Tree,
}

impl EntryMode {
    fn octal(self) -> &'static [u8] {
        match self {
            EntryMode::File => b"100644",
            EntryMode::Executable => b"100755",
            EntryMode::Tree => b"40000",
        }
    }
}

/// Writes git objects into a single packfile, then hands it to libgit2's indexer.
///
/// The entries are spooled to an anonymous file in the system temp directory, so
/// memory holds only the object ids, the contents of recent blobs that may serve as
/// delta bases (at most 256 MiB) and some fixed-size buffers.
///
/// The adding methods never fail: they always return the id git would give the
/// object. Any I/O or libgit2 failure on the way is remembered and returned by
/// [`PackWriter::finish`], which then writes nothing.
pub struct PackWriter {
    /// Ids of all objects in the pack.
    ids: HashSet<Oid>,
    /// Blobs that can still serve as delta bases.
    bases: BaseCache,
    /// The pack entries (without the pack header).
    spool: Spool,
    /// The first error met; reported by `finish`.
    error: Option<PackError>,
    zlib: Compress,
    zbuf: Box<[u8]>,
    scratch: Vec<u8>,
}

impl Default for PackWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl PackWriter {
    /// Creates an empty writer. The temporary file is created on the first write.
    pub fn new() -> Self {
        PackWriter {
            ids: HashSet::new(),
            bases: BaseCache::default(),
            spool: Spool::default(),
            error: None,
            zlib: Compress::new(Compression::fast(), true),
            zbuf: vec![0; 64 << 10].into_boxed_slice(),
            scratch: Vec::new(),
        }
    }

    /// Adds a blob and returns its id (same id git would give). Adding identical
    /// content twice stores it once.
    ///
    /// With `base` = `Some(id of a blob added earlier to this writer)` whose content
    /// is a prefix of `data`, it is stored as an OFS_DELTA (copy prefix, insert the
    /// rest); delta chains are cut at depth 50 (a full copy is stored then).
    /// If the base is not a prefix (or unknown), the blob is stored in full — never
    /// a wrong object.
    ///
    /// Only the latest version of a chain is kept in memory: once a blob has been
    /// used as a base, it cannot serve as a base again (a second blob extending it is
    /// stored in full). When more than 256 MiB of possible bases are held, the oldest
    /// are dropped from memory, which likewise only costs space.
    pub fn blob(&mut self, data: &[u8], base: Option<Oid>) -> Oid {
        let id = self.hash(ObjectType::Blob, data);
        if self.ids.contains(&id) {
            return id;
        }
        let delta_base = base
            .filter(|b| *b != id)
            .and_then(|b| self.bases.get(&b).map(|e| (b, e)))
            .filter(|(_, e)| {
                !e.data.is_empty()
                    && e.data.len() < data.len()
                    && u32::try_from(e.data.len()).is_ok()
                    && data.starts_with(&e.data)
            })
            .map(|(b, e)| (b, e.offset, e.depth, e.data.len()));

        let offset = self.spool.position();
        let depth = match delta_base {
            Some((_, base_offset, base_depth, prefix)) if base_depth < MAX_DELTA_DEPTH => {
                self.scratch.clear();
                encode_append_delta(&mut self.scratch, prefix, data);
                let delta = std::mem::take(&mut self.scratch);
                let mut header = Vec::with_capacity(24);
                entry_header(&mut header, OBJ_OFS_DELTA, delta.len() as u64);
                ofs_delta_offset(&mut header, offset - base_offset);
                self.write_entry(&header, &delta);
                self.scratch = delta;
                base_depth + 1
            }
            _ => {
                let mut header = Vec::with_capacity(16);
                entry_header(&mut header, OBJ_BLOB, data.len() as u64);
                self.write_entry(&header, data);
                0
            }
        };
        self.ids.insert(id);

        let entry = match delta_base.and_then(|(b, ..)| self.bases.take(&b)) {
            // Reuse the base's buffer: only the appended bytes are copied.
            Some(mut prev) => {
                let start = prev.len();
                prev.extend_from_slice(&data[start..]);
                prev
            }
            None => data.to_vec(),
        };
        self.bases.insert(id, entry, offset, depth);
        id
    }

    /// Adds a tree from `(name, mode, id)` entries in any order; sorts them the way
    /// git does (trees compare as if their name ends with `/`).
    ///
    /// Names are written as given; they should be non-empty, unique and free of
    /// `/` and NUL, or git will reject the tree.
    pub fn tree(&mut self, entries: &[(String, EntryMode, Oid)]) -> Oid {
        let mut sorted: Vec<&(String, EntryMode, Oid)> = entries.iter().collect();
        sorted.sort_by(|a, b| {
            tree_order(
                a.0.as_bytes(),
                a.1 == EntryMode::Tree,
                b.0.as_bytes(),
                b.1 == EntryMode::Tree,
            )
        });
        let mut body = Vec::with_capacity(entries.len() * 48);
        for (name, mode, id) in sorted {
            body.extend_from_slice(mode.octal());
            body.push(b' ');
            body.extend_from_slice(name.as_bytes());
            body.push(0);
            body.extend_from_slice(id.as_bytes());
        }
        self.full_object(OBJ_TREE, ObjectType::Tree, &body)
    }

    /// Adds a commit. `author`/`committer`: (name, email, unix seconds, offset
    /// minutes). The message is written verbatim (git usually ends it with `\n`).
    pub fn commit(
        &mut self,
        tree: Oid,
        parents: &[Oid],
        author: (&str, &str, i64, i32),
        committer: (&str, &str, i64, i32),
        message: &str,
    ) -> Oid {
        let mut body = String::with_capacity(256 + message.len());
        body.push_str("tree ");
        body.push_str(&tree.to_string());
        body.push('\n');
        for parent in parents {
            body.push_str("parent ");
            body.push_str(&parent.to_string());
            body.push('\n');
        }
        push_signature(&mut body, "author", author);
        push_signature(&mut body, "committer", committer);
        body.push('\n');
        body.push_str(message);
        self.full_object(OBJ_COMMIT, ObjectType::Commit, body.as_bytes())
    }

    /// Number of objects so far.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether no object has been added yet.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Writes the pack into `repo` through libgit2's indexer
    /// (`repo.odb()?.packwriter()?`), so it gets a proper `.idx`.
    ///
    /// Returns the first error met while adding objects, if any (nothing is written
    /// then). An empty writer writes nothing.
    pub fn finish(mut self, repo: &git2::Repository) -> Result<(), PackError> {
        if let Some(err) = self.error.take() {
            return Err(err);
        }
        if self.ids.is_empty() {
            return Ok(());
        }
        let count =
            u32::try_from(self.ids.len()).map_err(|_| PackError::TooManyObjects(self.ids.len()))?;
        // Free the base contents before libgit2 starts resolving deltas.
        self.bases = BaseCache::default();

        let odb = repo.odb()?;
        let mut out = odb.packwriter()?;
        let mut hasher = Sha1::new();

        let mut header = [0u8; PACK_HEADER_LEN as usize];
        header[..4].copy_from_slice(b"PACK");
        header[4..8].copy_from_slice(&2u32.to_be_bytes());
        header[8..].copy_from_slice(&count.to_be_bytes());
        hasher.update(header);
        out.write_all(&header)?;

        let mut file = self.spool.rewind()?;
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            };
            hasher.update(&buf[..n]);
            out.write_all(&buf[..n])?;
        }
        out.write_all(&hasher.finalize())?;
        out.commit()?;
        Ok(())
    }

    /// The id git gives an object: SHA-1 of `"<type> <len>\0"` and the content.
    ///
    /// Same result as `Oid::hash_object`, but the `sha1` crate uses the CPU's SHA
    /// instructions and is several times faster than libgit2's collision-detecting
    /// SHA-1, which dominated the run time on large append-only files.
    /// On failure remembers the error and returns the zero id.
    fn hash(&mut self, kind: ObjectType, data: &[u8]) -> Oid {
        let mut hasher = Sha1::new();
        hasher.update(format!("{} {}\0", kind.str(), data.len()));
        hasher.update(data);
        match Oid::from_bytes(&hasher.finalize()) {
            Ok(id) => id,
            Err(e) => {
                self.fail(e.into());
                Oid::ZERO_SHA1
            }
        }
    }

    /// Stores a non-delta tree or commit unless it is already in the pack.
    fn full_object(&mut self, code: u8, kind: ObjectType, body: &[u8]) -> Oid {
        let id = self.hash(kind, body);
        if self.ids.insert(id) {
            let mut header = Vec::with_capacity(16);
            entry_header(&mut header, code, body.len() as u64);
            self.write_entry(&header, body);
        }
        id
    }

    /// Appends one pack entry: `header` as is, then `payload` zlib-compressed.
    fn write_entry(&mut self, header: &[u8], payload: &[u8]) {
        if self.error.is_some() {
            // The pack is lost anyway; `finish` reports the first error.
            return;
        }
        if let Err(e) = self.try_write_entry(header, payload) {
            self.fail(e);
        }
    }

    fn try_write_entry(&mut self, header: &[u8], payload: &[u8]) -> Result<(), PackError> {
        self.spool.write_all(header)?;
        self.zlib.reset();
        let mut consumed = 0usize;
        loop {
            let in_before = self.zlib.total_in();
            let out_before = self.zlib.total_out();
            let status =
                self.zlib
                    .compress(&payload[consumed..], &mut self.zbuf, FlushCompress::Finish)?;
            consumed += (self.zlib.total_in() - in_before) as usize;
            let produced = (self.zlib.total_out() - out_before) as usize;
            self.spool.write_all(&self.zbuf[..produced])?;
            if status == Status::StreamEnd {
                return Ok(());
            }
            if produced == 0 && self.zlib.total_in() == in_before {
                // Cannot happen with a non-empty output buffer; avoid looping forever.
                return Err(io::Error::other("zlib made no progress").into());
            }
        }
    }

    fn fail(&mut self, err: PackError) {
        if self.error.is_none() {
            self.error = Some(err);
        }
    }
}

/// A blob kept in memory as a possible delta base.
struct BaseEntry {
    data: Vec<u8>,
    /// Offset of the blob's pack entry from the start of the pack.
    offset: u64,
    /// Length of the delta chain leading to this blob (0 = stored in full).
    depth: u8,
}

/// Blob contents that may serve as delta bases, bounded by [`BASE_CACHE_BUDGET`];
/// the oldest entries are dropped first.
#[derive(Default)]
struct BaseCache {
    map: HashMap<Oid, BaseEntry>,
    /// Insertion order; may hold ids already taken out of `map`.
    order: VecDeque<Oid>,
    bytes: usize,
}

impl BaseCache {
    fn get(&self, id: &Oid) -> Option<&BaseEntry> {
        self.map.get(id)
    }

    /// Removes an entry and returns its content.
    fn take(&mut self, id: &Oid) -> Option<Vec<u8>> {
        let entry = self.map.remove(id)?;
        self.bytes -= entry.data.len();
        Some(entry.data)
    }

    fn insert(&mut self, id: Oid, data: Vec<u8>, offset: u64, depth: u8) {
        if data.len() > BASE_CACHE_BUDGET {
            return;
        }
        self.bytes += data.len();
        if let Some(old) = self.map.insert(
            id,
            BaseEntry {
                data,
                offset,
                depth,
            },
        ) {
            self.bytes -= old.data.len();
        }
        self.order.push_back(id);
        while self.bytes > BASE_CACHE_BUDGET {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            if oldest == id {
                self.order.push_front(oldest);
                break;
            }
            self.take(&oldest);
        }
        if self.order.len() > 2 * self.map.len() + 1024 {
            let map = &self.map;
            self.order.retain(|k| map.contains_key(k));
        }
    }
}

/// Counter making temp file names unique within the process.
static SPOOL_COUNTER: AtomicU64 = AtomicU64::new(0);

/// The pack entries, buffered into a temporary file created on first use.
#[derive(Default)]
struct Spool {
    file: Option<BufWriter<File>>,
    /// Path to remove on drop (on Unix the file is unlinked right after creation).
    path: Option<PathBuf>,
    /// Bytes written so far.
    len: u64,
}

impl Spool {
    /// Offset of the next entry from the start of the pack.
    fn position(&self) -> u64 {
        PACK_HEADER_LEN + self.len
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.file.is_none() {
            self.file = Some(BufWriter::with_capacity(1 << 20, self.create()?));
        }
        if let Some(file) = self.file.as_mut() {
            file.write_all(bytes)?;
        }
        self.len += bytes.len() as u64;
        Ok(())
    }

    fn create(&mut self) -> io::Result<File> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = std::env::temp_dir().join(format!(
            "gtm-tui-pack-{}-{}-{nanos}.tmp",
            std::process::id(),
            SPOOL_COUNTER.fetch_add(1, AtomicOrdering::Relaxed),
        ));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)?;
        // On Unix the open handle keeps the data alive, so nothing is left behind
        // even on a crash; elsewhere the file is removed on drop.
        let unlinked = cfg!(unix) && std::fs::remove_file(&path).is_ok();
        if !unlinked {
            self.path = Some(path);
        }
        Ok(file)
    }

    /// Flushes and returns the file positioned at its start.
    fn rewind(&mut self) -> io::Result<File> {
        let writer = self
            .file
            .take()
            .ok_or_else(|| io::Error::other("pack spool was never written"))?;
        let mut file = writer.into_inner().map_err(|e| e.into_error())?;
        file.seek(SeekFrom::Start(0))?;
        Ok(file)
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        self.file = None;
        if let Some(path) = self.path.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// git's tree entry order: byte-wise, with tree names compared as if they ended in `/`.
fn tree_order(a: &[u8], a_tree: bool, b: &[u8], b_tree: bool) -> std::cmp::Ordering {
    let n = a.len().min(b.len());
    a[..n].cmp(&b[..n]).then_with(|| {
        let end =
            |name: &[u8], tree: bool| name.get(n).copied().unwrap_or(if tree { b'/' } else { 0 });
        end(a, a_tree).cmp(&end(b, b_tree))
    })
}

/// Appends `role Name <email> secs +hhmm\n`.
fn push_signature(
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
fn entry_header(out: &mut Vec<u8>, code: u8, size: u64) {
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
fn ofs_delta_offset(out: &mut Vec<u8>, distance: u64) {
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

/// Size varint used in delta headers (little-endian base-128).
fn delta_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push(0x80 | (value & 0x7F) as u8);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Delta turning `target[..prefix]` into `target`: copy the prefix, insert the rest.
/// `prefix` must fit the 32-bit copy offset.
fn encode_append_delta(out: &mut Vec<u8>, prefix: usize, target: &[u8]) {
    let tail = &target[prefix..];
    out.reserve(20 + prefix / MAX_COPY * 8 + tail.len() + tail.len() / MAX_INSERT + 1);
    delta_varint(out, prefix as u64);
    delta_varint(out, target.len() as u64);
    let mut offset = 0usize;
    while offset < prefix {
        let size = (prefix - offset).min(MAX_COPY);
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
    for chunk in tail.chunks(MAX_INSERT) {
        out.push(chunk.len() as u8);
        out.extend_from_slice(chunk);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use git2::{Repository, Signature, Time};
    use proptest::prelude::*;
    use std::path::Path;
    use std::process::Command;

    type Sig<'a> = (&'a str, &'a str, i64, i32);
    /// (id, tree, parents, author, committer, message) of a commit written in a test.
    type CommitRecord = (Oid, Oid, Vec<Oid>, Sig<'static>, Sig<'static>, &'static str);

    /// Runs `git fsck --full --strict` on a bare repository and fails on any problem.
    fn assert_fsck_clean(path: &Path) {
        let out = Command::new("git")
            .arg("--git-dir")
            .arg(path)
            .args(["fsck", "--full", "--strict", "--no-progress"])
            .output()
            .expect("run git fsck");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "git fsck failed:\n{stdout}\n{stderr}");
        for line in stderr.lines().chain(stdout.lines()) {
            assert!(
                !(line.starts_with("error")
                    || line.starts_with("warning")
                    || line.starts_with("fatal")),
                "git fsck complained: {line}\n{stdout}\n{stderr}"
            );
        }
    }

    /// The longest delta chain in the repository's packs, per `git verify-pack -v`.
    fn max_chain_length(path: &Path) -> usize {
        let mut max = 0;
        for entry in std::fs::read_dir(path.join("objects/pack")).expect("pack dir") {
            let idx = entry.expect("dir entry").path();
            if idx.extension().is_some_and(|e| e == "idx") {
                let out = Command::new("git")
                    .arg("--git-dir")
                    .arg(path)
                    .arg("verify-pack")
                    .arg("-v")
                    .arg(&idx)
                    .output()
                    .expect("run git verify-pack");
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                for line in String::from_utf8_lossy(&out.stdout).lines() {
                    if let Some(rest) = line.strip_prefix("chain length = ") {
                        let n: usize = rest.split(':').next().unwrap().trim().parse().unwrap();
                        max = max.max(n);
                    }
                }
            }
        }
        max
    }

    fn pack_files(path: &Path) -> Vec<PathBuf> {
        let mut files: Vec<_> = std::fs::read_dir(path.join("objects/pack"))
            .expect("pack dir")
            .map(|e| e.expect("dir entry").path())
            .collect();
        files.sort();
        files
    }

    fn sig(s: Sig<'_>) -> Signature<'static> {
        Signature::new(s.0, s.1, &Time::new(s.2, s.3)).unwrap()
    }

    /// Deterministic pseudo-random bytes (incompressible enough to exercise big entries).
    fn noise(seed: u64, len: usize) -> Vec<u8> {
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect()
    }

    #[test]
    fn roundtrip_blobs_trees_commits() {
        let dir = tempfile::TempDir::new().unwrap();
        let refdir = tempfile::TempDir::new().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        // Reference repository written through libgit2's ordinary API.
        let reference = Repository::init_bare(refdir.path()).unwrap();

        let mut w = PackWriter::new();
        assert!(w.is_empty());
        let mut blobs: Vec<(Oid, Vec<u8>)> = Vec::new();
        let mut add = |w: &mut PackWriter, data: Vec<u8>, base: Option<Oid>| {
            let id = w.blob(&data, base);
            assert_eq!(id, reference.blob(&data).unwrap());
            blobs.push((id, data));
            id
        };

        let hello = add(&mut w, b"hello\n".to_vec(), None);
        let empty = add(&mut w, Vec::new(), None);
        let n = w.len();
        assert_eq!(add(&mut w, b"hello\n".to_vec(), None), hello);
        assert_eq!(w.len(), n, "identical content is stored once");

        // An append-only log: 200 versions, each delta'd against the previous one.
        let mut log = b"# activity log\n".to_vec();
        let mut prev = add(&mut w, log.clone(), None);
        let mut side = None;
        for i in 1..200 {
            if i == 120 {
                log.extend_from_slice(&noise(i, 70 * 1024)); // > 64 KiB appended at once
            } else {
                log.extend_from_slice(format!("entry {i}: did something useful\n").as_bytes());
            }
            prev = add(&mut w, log.clone(), Some(prev));
            if i == 100 {
                // A second child of version 100 (a branch), then the main chain goes on.
                let mut branched = log.clone();
                branched.extend_from_slice(b"on a side branch\n");
                side = Some(add(&mut w, branched, Some(prev)));
            }
        }
        let side = side.unwrap();
        let last_log = prev;

        // Bases that cannot be used: not a prefix, unknown, a tree, the blob itself.
        let not_prefix = add(&mut w, b"goodbye\n".to_vec(), Some(hello));
        let unknown = Oid::hash_object(ObjectType::Blob, b"never added").unwrap();
        let orphan = add(&mut w, b"orphan\n".to_vec(), Some(unknown));
        let shorter = add(&mut w, b"hell".to_vec(), Some(hello));
        let from_empty = add(&mut w, b"from empty\n".to_vec(), Some(empty));

        // Trees, given out of order; "foo" (a tree) sorts as "foo/".
        let add_tree = |w: &mut PackWriter, entries: Vec<(&str, EntryMode, Oid)>| {
            let owned: Vec<(String, EntryMode, Oid)> = entries
                .iter()
                .map(|(n, m, id)| (n.to_string(), *m, *id))
                .collect();
            let id = w.tree(&owned);
            let mut builder = reference.treebuilder(None).unwrap();
            for (name, mode, oid) in &entries {
                let mode = match mode {
                    EntryMode::File => 0o100644,
                    EntryMode::Executable => 0o100755,
                    EntryMode::Tree => 0o040000,
                };
                builder.insert(name, *oid, mode).unwrap();
            }
            assert_eq!(id, builder.write().unwrap());
            id
        };
        let empty_tree = add_tree(&mut w, vec![]);
        assert_eq!(
            empty_tree.to_string(),
            "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
        );
        let deep = add_tree(
            &mut w,
            vec![
                ("z.txt", EntryMode::File, hello),
                ("run.sh", EntryMode::Executable, side),
            ],
        );
        let mid = add_tree(
            &mut w,
            vec![
                ("inner", EntryMode::Tree, deep),
                ("inner.txt", EntryMode::File, not_prefix),
                ("inner0", EntryMode::File, orphan),
                ("empty", EntryMode::Tree, empty_tree),
            ],
        );
        let root = add_tree(
            &mut w,
            vec![
                ("log.txt", EntryMode::File, last_log),
                ("foo0", EntryMode::File, shorter),
                ("foo", EntryMode::Tree, mid),
                ("foo.c", EntryMode::File, from_empty),
                ("foo-bar", EntryMode::Executable, empty),
                ("Zeta", EntryMode::File, hello),
                ("a", EntryMode::File, empty),
            ],
        );
        let n = w.len();
        let single = add_tree(&mut w, vec![("a", EntryMode::File, empty)]);
        assert_eq!(w.tree(&[("a".to_string(), EntryMode::File, empty)]), single);
        assert_eq!(w.len(), n + 1);

        // Commits with 0, 1 and 2 parents.
        let mut commits: Vec<CommitRecord> = Vec::new();
        let mut add_commit = |w: &mut PackWriter,
                              tree: Oid,
                              parents: Vec<Oid>,
                              author: Sig<'static>,
                              committer: Sig<'static>,
                              message: &'static str| {
            let id = w.commit(tree, &parents, author, committer, message);
            let tree_obj = reference.find_tree(tree).unwrap();
            let parent_objs: Vec<_> = parents
                .iter()
                .map(|p| reference.find_commit(*p).unwrap())
                .collect();
            let parent_refs: Vec<_> = parent_objs.iter().collect();
            let expected = reference
                .commit(
                    None,
                    &sig(author),
                    &sig(committer),
                    message,
                    &tree_obj,
                    &parent_refs,
                )
                .unwrap();
            assert_eq!(id, expected);
            commits.push((id, tree, parents, author, committer, message));
            id
        };
        let alice: Sig<'static> = ("Alice Example", "alice@example.com", 1_600_000_000, -300);
        let bob: Sig<'static> = ("Bob", "bob@example.org", 1_600_000_100, 90);
        let carol: Sig<'static> = ("Carol C.", "carol@example.net", 1_700_000_000, -210);
        let utc: Sig<'static> = ("Dan", "dan@example.com", 1_700_000_500, 0);
        let c0 = add_commit(&mut w, mid, vec![], alice, bob, "initial\n");
        let c1 = add_commit(
            &mut w,
            root,
            vec![c0],
            carol,
            utc,
            "second\n\nwith a body\n",
        );
        let c1b = add_commit(&mut w, empty_tree, vec![c0], utc, carol, "side");
        let c2 = add_commit(
            &mut w,
            root,
            vec![c1, c1b],
            bob,
            alice,
            "Merge branch 'side'\n",
        );
        let n = w.len();
        assert_eq!(
            w.commit(root, &[c1, c1b], bob, alice, "Merge branch 'side'\n"),
            c2
        );
        assert_eq!(w.len(), n);

        let count = w.len();
        w.finish(&repo).unwrap();

        // Exactly one pack with its index, and nothing loose.
        let files = pack_files(dir.path());
        assert_eq!(files.len(), 2, "{files:?}");
        assert!(
            files
                .iter()
                .any(|p| p.extension().is_some_and(|e| e == "pack"))
        );
        let mut stored = 0;
        repo.odb()
            .unwrap()
            .foreach(|_| {
                stored += 1;
                true
            })
            .unwrap();
        assert_eq!(stored, count);

        // Read everything back.
        let odb = repo.odb().unwrap();
        let ref_odb = reference.odb().unwrap();
        for (id, data) in &blobs {
            assert_eq!(repo.find_blob(*id).unwrap().content(), &data[..]);
        }
        let mut all_ids = Vec::new();
        ref_odb
            .foreach(|id| {
                all_ids.push(*id);
                true
            })
            .unwrap();
        assert_eq!(all_ids.len(), count);
        for id in all_ids {
            let ours = odb.read(id).unwrap();
            let theirs = ref_odb.read(id).unwrap();
            assert_eq!(ours.kind(), theirs.kind());
            assert_eq!(ours.data(), theirs.data(), "object {id}");
        }
        for (id, tree, parents, author, committer, message) in &commits {
            let c = repo.find_commit(*id).unwrap();
            assert_eq!(c.tree_id(), *tree);
            assert_eq!(c.parent_ids().collect::<Vec<_>>(), *parents);
            assert_eq!(c.message_raw_bytes(), message.as_bytes());
            for (s, e) in [(c.author(), author), (c.committer(), committer)] {
                assert_eq!(s.name_bytes(), e.0.as_bytes());
                assert_eq!(s.email_bytes(), e.1.as_bytes());
                assert_eq!(s.when().seconds(), e.2);
                assert_eq!(s.when().offset_minutes(), e.3);
            }
        }
        let raw = odb.read(c0).unwrap();
        assert_eq!(
            std::str::from_utf8(raw.data()).unwrap(),
            format!(
                "tree {mid}\nauthor Alice Example <alice@example.com> 1600000000 -0500\n\
                 committer Bob <bob@example.org> 1600000100 +0130\n\ninitial\n"
            )
        );
        let root_tree = repo.find_tree(root).unwrap();
        let names: Vec<_> = root_tree
            .iter()
            .map(|e| e.name().unwrap().to_string())
            .collect();
        assert_eq!(
            names,
            ["Zeta", "a", "foo-bar", "foo.c", "foo", "foo0", "log.txt"]
        );
        let foo = root_tree.get_name("foo").unwrap();
        assert_eq!(foo.filemode(), 0o040000);
        assert_eq!(root_tree.get_name("foo-bar").unwrap().filemode(), 0o100755);

        repo.reference("refs/heads/main", c2, true, "test").unwrap();
        repo.set_head("refs/heads/main").unwrap();
        assert_fsck_clean(dir.path());
        // The 200-version log was delta-compressed, with chains cut at depth 50.
        assert_eq!(max_chain_length(dir.path()), MAX_DELTA_DEPTH as usize);
        let pack_len: u64 = files
            .iter()
            .map(|p| std::fs::metadata(p).unwrap().len())
            .sum();
        let log_total: usize = blobs.iter().map(|(_, d)| d.len()).sum();
        assert!(
            pack_len * 20 < log_total as u64,
            "pack {pack_len} vs content {log_total}"
        );
    }

    #[test]
    fn delta_against_base_larger_than_one_copy_op() {
        let dir = tempfile::TempDir::new().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let mut w = PackWriter::new();
        let mut data: Vec<u8> = b"0123456789abcdef".repeat((MAX_COPY + 40) / 16);
        assert!(data.len() > MAX_COPY);
        let v0 = w.blob(&data, None);
        data.extend_from_slice(b"appended after more than 16 MiB\n");
        let v1_len = data.len();
        let v1 = w.blob(&data, Some(v0));
        data.extend_from_slice(&noise(7, 300));
        let v2 = w.blob(&data, Some(v1));
        w.finish(&repo).unwrap();
        assert_eq!(repo.find_blob(v2).unwrap().content(), &data[..]);
        assert_eq!(repo.find_blob(v1).unwrap().content(), &data[..v1_len]);
        assert_eq!(v2, Oid::hash_object(ObjectType::Blob, &data).unwrap());
        assert_eq!(max_chain_length(dir.path()), 2);
        assert_fsck_clean(dir.path());
    }

    #[test]
    fn empty_writer_writes_nothing() {
        let dir = tempfile::TempDir::new().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let w = PackWriter::default();
        assert_eq!(w.len(), 0);
        w.finish(&repo).unwrap();
        assert!(pack_files(dir.path()).is_empty());
    }

    #[test]
    fn two_writers_into_one_repository() {
        let dir = tempfile::TempDir::new().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let mut first = PackWriter::new();
        let a = first.blob(b"first pack\n", None);
        first.finish(&repo).unwrap();
        let mut second = PackWriter::new();
        let b = second.blob(b"first pack\nsecond pack\n", Some(a)); // base from another pack
        second.finish(&repo).unwrap();
        assert_eq!(repo.find_blob(a).unwrap().content(), b"first pack\n");
        assert_eq!(
            repo.find_blob(b).unwrap().content(),
            b"first pack\nsecond pack\n"
        );
        assert_eq!(pack_files(dir.path()).len(), 4);
        assert_fsck_clean(dir.path());
    }

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
                encode_append_delta(&mut delta, prefix, &target);
                assert!(
                    apply_delta(&target[..prefix], &delta) == target,
                    "{prefix}+{tail}"
                );
            }
        }
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

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Random mixes of new blobs, appends, non-prefix and shortened "bases"
        /// always read back exactly.
        #[test]
        fn random_blob_histories_read_back(
            ops in prop::collection::vec(
                (0u8..4, prop::collection::vec(any::<u8>(), 0..200), any::<usize>()),
                1..60,
            )
        ) {
            let dir = tempfile::TempDir::new().unwrap();
            let repo = Repository::init_bare(dir.path()).unwrap();
            let mut w = PackWriter::new();
            let mut blobs: Vec<(Oid, Vec<u8>)> = Vec::new();
            for (op, bytes, pick) in ops {
                let picked = (!blobs.is_empty()).then(|| blobs[pick % blobs.len()].clone());
                let (data, base) = match (op, picked) {
                    (1, Some((id, mut data))) => {
                        data.extend_from_slice(&bytes);
                        (data, Some(id))
                    }
                    (2, Some((id, _))) => (bytes, Some(id)),
                    (3, Some((id, data))) => (data[..data.len() / 2].to_vec(), Some(id)),
                    _ => (bytes, None),
                };
                let id = w.blob(&data, base);
                prop_assert_eq!(id, Oid::hash_object(ObjectType::Blob, &data).unwrap());
                blobs.push((id, data));
            }
            w.finish(&repo).unwrap();
            for (id, data) in &blobs {
                let blob = repo.find_blob(*id).unwrap();
                prop_assert_eq!(blob.content(), &data[..]);
            }
            assert_fsck_clean(dir.path());
        }
    }
}
