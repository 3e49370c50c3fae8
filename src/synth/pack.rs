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
/// delta bases (at most [`BASE_CACHE_BUDGET`] bytes) and some fixed-size buffers.
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
    /// stored in full). Blobs kept for too long may also be dropped from memory
    /// (see [`BASE_CACHE_BUDGET`]), which likewise only costs space.
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

    /// Hashes an object; on failure remembers the error and returns the zero id.
    fn hash(&mut self, kind: ObjectType, data: &[u8]) -> Oid {
        match Oid::hash_object(kind, data) {
            Ok(id) => id,
            Err(e) => {
                self.fail(e.into());
                Oid::zero()
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
        let end = |name: &[u8], tree: bool| {
            name.get(n)
                .copied()
                .unwrap_or(if tree { b'/' } else { 0 })
        };
        end(a, a_tree).cmp(&end(b, b_tree))
    })
}

/// Appends `role Name <email> secs +hhmm\n`.
fn push_signature(out: &mut String, role: &str, (name, email, secs, offset): (&str, &str, i64, i32)) {
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
