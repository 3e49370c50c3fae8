//! A fast writer of git objects straight into one packfile (append-only blobs are
//! laid out the way `git repack` does: the newest version whole, earlier ones as
//! tiny OFS_DELTAs against it; a directory's trees as OFS_DELTAs against an
//! earlier version of it).

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

use flate2::{Compress, Compression, Crc, FlushCompress, Status};
use git2::{ObjectType, Oid};
use sha1::{Digest, Sha1};

/// Upper bound on the memory held by open chains (mostly their newest content).
const PENDING_BUDGET: usize = 256 << 20;
/// A chain not extended within this many `blob` calls is written out.
const IDLE_CALLS: u64 = 4096;
/// Each time a written-out chain is extended again, its idle limit doubles, up
/// to `IDLE_CALLS << MAX_RESTARTS`.
const MAX_RESTARTS: u8 = 6;
/// How many newest versions of written-out chains are remembered (to notice a
/// chain extended again).
const RETIRED_LIMIT: usize = 1 << 16;
/// Memory counted for an open chain besides its content.
const CHAIN_OVERHEAD: usize = 128;
/// Memory counted for each earlier version of an open chain.
const VERSION_OVERHEAD: usize = 32;
/// Upper bound on the memory held by trees kept as delta bases (their bodies).
const TREE_BASE_BUDGET: usize = 64 << 20;
/// Memory counted for a kept delta base besides its body.
const TREE_BASE_OVERHEAD: usize = 64;
/// How many trees stored as deltas are remembered with their base (so that
/// the next version of the directory is stored against the same base).
const TREE_DELTA_LIMIT: usize = 1 << 16;
/// Size of the pack header ("PACK", version, object count).
const PACK_HEADER_LEN: u64 = 12;
/// Offsets from this one on go to the idx's table of 8-byte offsets.
const IDX_LARGE_OFFSET: u64 = 0x8000_0000;
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
    /// libgit2 failed (making an object id or refreshing the object database).
    #[error("git error: {0}")]
    Git(#[from] git2::Error),
    /// Reading or writing the temporary pack data, or the `.pack`/`.idx` files, failed.
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

/// Writes git objects into a single packfile and its index (`.idx` version 2).
///
/// Commits are written at once, and so are trees: whole, or, when given the
/// tree they probably resemble ([`PackWriter::tree_like`]: the directory's
/// previous version), as an OFS_DELTA against the whole tree that one is
/// stored as or against, while the deltas stored against that whole tree add
/// up to no more than its size. So a directory's versions are deltas of depth
/// 1 against one whole version until they have drifted far enough from it
/// that storing one whole is cheaper, and that one becomes their base. A large directory that changes in every commit
/// (the activity log directory, one entry per log file) then costs tens of
/// bytes a commit instead of all its entries again.
///
/// Blobs are held back in *chains*, the
/// versions of one append-only file: a blob added with the newest version of a
/// chain as its base, whose content that version is a prefix of, becomes the
/// chain's newest version. A chain is written out when it has not been extended
/// within 4096 `blob` calls (twice as long each time a chain written out turns
/// out to be extended again, up to 64 times as long), when open chains would
/// hold more than 256 MiB (the one due first goes first), or at
/// [`PackWriter::finish`]: its newest version as a whole blob, then each earlier
/// version as an OFS_DELTA against it that copies a prefix (depth 1, a few
/// bytes). That is how `git repack` lays out such files, and it makes the newest
/// version — the one a reader of the tip commit needs — the cheapest to read.
///
/// The entries are spooled to an anonymous file in the system temp directory, so
/// memory holds only the object ids (with each entry's offset and CRC32), the
/// open chains (at most 256 MiB, mostly the newest content of each), the
/// trees kept as delta bases (at most 64 MiB, the oldest dropped first) and
/// some fixed-size buffers.
///
/// The adding methods never fail: they always return the id git would give the
/// object. Any I/O or libgit2 failure on the way is remembered and returned by
/// [`PackWriter::finish`], which then writes nothing.
pub struct PackWriter {
    /// Ids of all objects in the pack, those of blobs not written yet included.
    ids: HashSet<Oid>,
    /// Id, offset and CRC32 of every entry written, in pack order.
    entries: Vec<IndexEntry>,
    /// Open chains (blobs not written yet), by the id of their newest version.
    chains: HashMap<Oid, Chain>,
    /// The open chains by (deadline, `blob` call that last extended them): the
    /// order they are written out in.
    schedule: BTreeMap<(u64, u64), Oid>,
    /// Memory counted for the open chains (see [`Chain::cost`]).
    pending_bytes: usize,
    /// Newest versions of written-out chains, with the chains' restart counts.
    retired: HashMap<Oid, u8>,
    /// The keys of `retired`, oldest first.
    retired_order: VecDeque<Oid>,
    /// Trees stored whole that later trees may be stored as deltas against.
    tree_bases: HashMap<Oid, TreeBase>,
    /// The keys of `tree_bases`, oldest first.
    tree_base_order: VecDeque<Oid>,
    /// Memory counted for `tree_bases`.
    tree_base_bytes: usize,
    /// Recent trees stored as deltas, with the base each was stored against.
    tree_delta_base: HashMap<Oid, Oid>,
    /// The keys of `tree_delta_base`, oldest first.
    tree_delta_order: VecDeque<Oid>,
    /// Number of `blob` calls so far: the clock of the idle deadlines.
    calls: u64,
    /// Idle limit of a chain never restarted ([`IDLE_CALLS`]; tests lower it).
    idle_calls: u64,
    /// Memory allowed to open chains ([`PENDING_BUDGET`]; tests lower it).
    budget: usize,
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
            entries: Vec::new(),
            chains: HashMap::new(),
            schedule: BTreeMap::new(),
            pending_bytes: 0,
            retired: HashMap::new(),
            retired_order: VecDeque::new(),
            tree_bases: HashMap::new(),
            tree_base_order: VecDeque::new(),
            tree_base_bytes: 0,
            tree_delta_base: HashMap::new(),
            tree_delta_order: VecDeque::new(),
            calls: 0,
            idle_calls: IDLE_CALLS,
            budget: PENDING_BUDGET,
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
    /// With `base` = `Some(id)` of the newest version of an open chain (see
    /// [`PackWriter`]) whose content is a non-empty proper prefix of `data`, the
    /// blob becomes that chain's newest version, and the base is stored later as
    /// a tiny delta against it. Any other blob starts a chain of its own and is
    /// stored whole: when the base is not a prefix, unknown, already extended by
    /// another blob (a branch: only the first extension continues the chain), or
    /// its chain was written out already (that only costs space). Never a wrong
    /// object.
    pub fn blob(&mut self, data: &[u8], base: Option<Oid>) -> Oid {
        self.calls += 1;
        let id = self.hash(ObjectType::Blob, data);
        if self.ids.insert(id) {
            self.add_blob(id, data, base);
        }
        while self
            .schedule
            .first_key_value()
            .is_some_and(|(&(deadline, _), _)| deadline <= self.calls)
        {
            self.write_next_chain();
        }
        id
    }

    /// Adds a tree from `(name, mode, id)` entries in any order; sorts them the way
    /// git does (trees compare as if their name ends with `/`). Stored whole.
    ///
    /// Names are written as given; they should be non-empty, unique and free of
    /// `/` and NUL, or git will reject the tree.
    pub fn tree(&mut self, entries: &[(String, EntryMode, Oid)]) -> Oid {
        self.tree_like(entries, None)
    }

    /// Adds a tree like [`tree`](Self::tree) does; with `like` = `Some(id)` of
    /// a tree added earlier that this one probably shares most entries with
    /// (the same directory's previous version), it may be stored as a delta
    /// (see [`PackWriter`]). Any `like` gives a correct pack: one that is not
    /// a tree of this writer, was stored too long ago (its base is no longer
    /// kept) or differs too much only means the tree is stored whole.
    pub fn tree_like(&mut self, entries: &[(String, EntryMode, Oid)], like: Option<Oid>) -> Oid {
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
        let id = self.hash(ObjectType::Tree, &body);
        if !self.ids.insert(id) {
            return id;
        }
        // A tree stored as a delta leads to its base: every version is
        // stored against a whole one, so reading any takes one delta.
        let base = like.map(|l| self.tree_delta_base.get(&l).copied().unwrap_or(l));
        let mut delta = std::mem::take(&mut self.scratch);
        delta.clear();
        let against = base.and_then(|b| {
            let kept = self.tree_bases.get_mut(&b)?;
            // A directory drifts from its base, so its deltas grow; once they
            // add up to the base's size, storing this version whole and
            // making it the new base is cheaper from here on (the classic
            // rule that keeps the bytes a version costs near the least).
            let pays = encode_tree_delta(&mut delta, &kept.body, &body)
                && delta.len() < body.len()
                && kept.spent + delta.len() <= kept.body.len();
            if pays {
                kept.spent += delta.len();
            }
            pays.then_some((b, kept.offset))
        });
        match against {
            Some((base, base_offset)) => {
                let offset = self.spool.position();
                let mut header = Vec::with_capacity(24);
                entry_header(&mut header, OBJ_OFS_DELTA, delta.len() as u64);
                ofs_delta_offset(&mut header, offset - base_offset);
                self.write_entry(id, &header, &delta);
                self.remember_tree_delta(id, base);
            }
            None => {
                let offset = self.spool.position();
                let mut header = Vec::with_capacity(16);
                entry_header(&mut header, OBJ_TREE, body.len() as u64);
                self.write_entry(id, &header, &body);
                self.keep_tree_base(id, offset, body);
            }
        }
        self.scratch = delta;
        id
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

    /// Writes the pack and its index into `repo`'s object database, as
    /// `objects/pack/pack-<checksum>.pack` and `.idx` (version 2), where `<checksum>`
    /// is the SHA-1 trailer of the pack.
    ///
    /// Both files are written under temporary names in that directory and renamed
    /// into place, the pack first and the index last, so readers (which find packs
    /// through their index) never see a partial pack. If a pack with the same name
    /// already exists, it holds the same objects and is kept as is.
    ///
    /// Returns the first error met while adding objects, if any (nothing is written
    /// then). An empty writer writes nothing.
    pub fn finish(mut self, repo: &git2::Repository) -> Result<(), PackError> {
        self.write_pending();
        if let Some(err) = self.error.take() {
            return Err(err);
        }
        if self.entries.is_empty() {
            return Ok(());
        }
        // Every object has its entry now, so this is the count for the header.
        let count = u32::try_from(self.entries.len())
            .map_err(|_| PackError::TooManyObjects(self.entries.len()))?;
        self.retired = HashMap::new();
        self.retired_order = VecDeque::new();
        self.tree_bases = HashMap::new();
        self.tree_base_order = VecDeque::new();
        self.tree_delta_base = HashMap::new();
        self.tree_delta_order = VecDeque::new();

        let dir = repo.commondir().join("objects").join("pack");
        std::fs::create_dir_all(&dir)?;

        let mut spool = self.spool.rewind()?;
        let mut pack = TempFile::create(&dir, "tmp_pack_")?;
        let checksum = write_pack(&mut spool, count, self.spool.len, pack.file()?)?;
        drop(spool);
        let mut idx = TempFile::create(&dir, "tmp_idx_")?;
        write_idx(
            &mut self.entries,
            &checksum,
            BufWriter::with_capacity(1 << 20, idx.file()?),
        )?;

        let name: String = checksum.iter().map(|b| format!("{b:02x}")).collect();
        pack.persist(&dir.join(format!("pack-{name}.pack")))?;
        idx.persist(&dir.join(format!("pack-{name}.idx")))?;
        // libgit2 would also rescan on a miss; this makes the new pack visible at once
        // (to `Odb::foreach` too).
        repo.odb()?.refresh()?;
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

    /// Makes the new blob `id` the newest version of the chain of `base` if it
    /// extends it, else opens a chain of its own.
    fn add_blob(&mut self, id: Oid, data: &[u8], base: Option<Oid>) {
        let extended = base
            .filter(|b| self.chains.get(b).is_some_and(|c| extends(&c.data, data)))
            .and_then(|b| self.take_chain(&b));
        let chain = match extended {
            Some(mut chain) => {
                chain.earlier.push((chain.tip, chain.data.len()));
                // Only the appended bytes are copied.
                let start = chain.data.len();
                chain.data.extend_from_slice(&data[start..]);
                chain.tip = id;
                chain
            }
            None => Chain {
                tip: id,
                data: data.to_vec(),
                earlier: Vec::new(),
                restarts: base
                    .and_then(|b| self.retired.get(&b))
                    .map_or(0, |r| r.saturating_add(1).min(MAX_RESTARTS)),
                slot: (0, 0),
            },
        };
        self.open_chain(chain);
    }

    /// Schedules `chain` (just extended or new) and writes out chains while
    /// the open ones hold more than the budget.
    fn open_chain(&mut self, mut chain: Chain) {
        let idle = self.idle_calls.saturating_mul(1 << chain.restarts.min(63));
        chain.slot = (self.calls.saturating_add(idle), self.calls);
        let tip = chain.tip;
        let too_big = chain.data.len() > self.budget;
        self.pending_bytes += chain.cost();
        self.schedule.insert(chain.slot, tip);
        self.chains.insert(tip, chain);
        if too_big {
            // Would push out everything else; written out at once instead.
            if let Some(chain) = self.take_chain(&tip) {
                self.write_chain(chain);
            }
        }
        while self.pending_bytes > self.budget && self.write_next_chain() {}
    }

    /// Removes the open chain whose newest version is `tip`.
    fn take_chain(&mut self, tip: &Oid) -> Option<Chain> {
        let chain = self.chains.remove(tip)?;
        self.schedule.remove(&chain.slot);
        self.pending_bytes -= chain.cost();
        Some(chain)
    }

    /// Writes out the chain due first; false if no chain is open.
    fn write_next_chain(&mut self) -> bool {
        let Some((_, tip)) = self.schedule.pop_first() else {
            return false;
        };
        if let Some(chain) = self.chains.remove(&tip) {
            self.pending_bytes -= chain.cost();
            self.write_chain(chain);
        }
        true
    }

    /// Writes out every open chain, in schedule order (so the pack's bytes
    /// depend only on the calls made).
    fn write_pending(&mut self) {
        while self.write_next_chain() {}
    }

    /// Writes the entries of a chain: its newest version whole, then the earlier
    /// versions, newest first, each as an OFS_DELTA against it that copies a
    /// prefix. The base precedes its deltas, as OFS_DELTA requires.
    fn write_chain(&mut self, chain: Chain) {
        let Chain {
            tip,
            data,
            earlier,
            restarts,
            ..
        } = chain;
        let tip_offset = self.spool.position();
        let mut header = Vec::with_capacity(24);
        entry_header(&mut header, OBJ_BLOB, data.len() as u64);
        self.write_entry(tip, &header, &data);
        let mut delta = std::mem::take(&mut self.scratch);
        for &(id, len) in earlier.iter().rev() {
            let offset = self.spool.position();
            delta.clear();
            encode_prefix_delta(&mut delta, data.len(), len, &data[..len]);
            header.clear();
            entry_header(&mut header, OBJ_OFS_DELTA, delta.len() as u64);
            ofs_delta_offset(&mut header, offset - tip_offset);
            self.write_entry(id, &header, &delta);
        }
        self.scratch = delta;

        // Remembered to notice the chain being extended again.
        if self.retired.insert(tip, restarts).is_none() {
            self.retired_order.push_back(tip);
        }
        while self.retired_order.len() > RETIRED_LIMIT {
            if let Some(oldest) = self.retired_order.pop_front() {
                self.retired.remove(&oldest);
            }
        }
    }

    /// Keeps a tree just stored whole at `offset` as a base for later
    /// versions, dropping the oldest kept ones beyond the budget.
    fn keep_tree_base(&mut self, id: Oid, offset: u64, body: Vec<u8>) {
        if self.error.is_some() {
            // Nothing was written: `offset` holds no entry.
            return;
        }
        self.tree_base_bytes += TREE_BASE_OVERHEAD + body.len();
        self.tree_bases.insert(
            id,
            TreeBase {
                offset,
                body,
                spent: 0,
            },
        );
        self.tree_base_order.push_back(id);
        while self.tree_base_bytes > TREE_BASE_BUDGET {
            let Some(oldest) = self.tree_base_order.pop_front() else {
                break;
            };
            if let Some(gone) = self.tree_bases.remove(&oldest) {
                self.tree_base_bytes -= TREE_BASE_OVERHEAD + gone.body.len();
            }
        }
    }

    /// Remembers the base a tree was stored against, for the next version.
    fn remember_tree_delta(&mut self, id: Oid, base: Oid) {
        self.tree_delta_base.insert(id, base);
        self.tree_delta_order.push_back(id);
        while self.tree_delta_order.len() > TREE_DELTA_LIMIT {
            if let Some(oldest) = self.tree_delta_order.pop_front() {
                self.tree_delta_base.remove(&oldest);
            }
        }
    }

    /// Stores a non-delta commit unless it is already in the pack.
    fn full_object(&mut self, code: u8, kind: ObjectType, body: &[u8]) -> Oid {
        let id = self.hash(kind, body);
        if self.ids.insert(id) {
            let mut header = Vec::with_capacity(16);
            entry_header(&mut header, code, body.len() as u64);
            self.write_entry(id, &header, body);
        }
        id
    }

    /// Appends the pack entry of object `id`: `header` as is, then `payload`
    /// zlib-compressed; records its offset and CRC32 for the index.
    fn write_entry(&mut self, id: Oid, header: &[u8], payload: &[u8]) {
        if self.error.is_some() {
            // The pack is lost anyway; `finish` reports the first error.
            return;
        }
        let offset = self.spool.position();
        match self.try_write_entry(header, payload) {
            Ok(crc) => self.entries.push(IndexEntry { id, offset, crc }),
            Err(e) => self.fail(e),
        }
    }

    /// Writes one entry to the spool; returns the CRC32 of its bytes as stored.
    fn try_write_entry(&mut self, header: &[u8], payload: &[u8]) -> Result<u32, PackError> {
        let mut crc = Crc::new();
        crc.update(header);
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
            crc.update(&self.zbuf[..produced]);
            self.spool.write_all(&self.zbuf[..produced])?;
            if status == Status::StreamEnd {
                return Ok(crc.sum());
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

/// Versions of an append-only blob whose entries are not written yet.
struct Chain {
    /// Id of the newest version.
    tip: Oid,
    /// Content of the newest version; every earlier version is a prefix of it.
    data: Vec<u8>,
    /// The earlier versions, oldest first: id and length.
    earlier: Vec<(Oid, usize)>,
    /// How often the chain was written out and then extended again.
    restarts: u8,
    /// Key in [`PackWriter::schedule`].
    slot: (u64, u64),
}

impl Chain {
    /// Memory counted for the chain.
    fn cost(&self) -> usize {
        CHAIN_OVERHEAD + self.data.capacity() + VERSION_OVERHEAD * self.earlier.len()
    }
}

/// Whether a chain whose newest content is `newest` can take `data` as its next
/// version: `newest` is a non-empty proper prefix of it, short enough for the
/// 32-bit copy offsets of the delta that will store it.
fn extends(newest: &[u8], data: &[u8]) -> bool {
    !newest.is_empty()
        && newest.len() < data.len()
        && u32::try_from(newest.len()).is_ok()
        && data.starts_with(newest)
}

/// A tree stored whole, kept as a delta base.
struct TreeBase {
    /// Offset of its entry from the start of the pack.
    offset: u64,
    /// Its body (what its id is the hash of, less the header).
    body: Vec<u8>,
    /// Bytes of the deltas stored against it so far.
    spent: usize,
}

/// What the index needs to know about one pack entry.
struct IndexEntry {
    id: Oid,
    /// Offset of the entry from the start of the pack.
    offset: u64,
    /// CRC32 of the entry's bytes as stored (header, delta base offset, zlib data).
    crc: u32,
}

/// Writes the pack: the header, the `len` entry bytes read from `spool`, and the
/// SHA-1 of all that. Returns the SHA-1 (which also names the pack).
fn write_pack(spool: &mut File, count: u32, len: u64, out: &mut File) -> io::Result<[u8; 20]> {
    let mut hasher = Sha1::new();
    let mut header = [0u8; PACK_HEADER_LEN as usize];
    header[..4].copy_from_slice(b"PACK");
    header[4..8].copy_from_slice(&2u32.to_be_bytes());
    header[8..].copy_from_slice(&count.to_be_bytes());
    hasher.update(header);
    out.write_all(&header)?;

    let mut buf = vec![0u8; 1 << 20];
    let mut copied = 0u64;
    loop {
        let n = match spool.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n])?;
        copied += n as u64;
    }
    if copied != len {
        // The recorded offsets would not match the pack.
        return Err(io::Error::other(format!(
            "pack spool holds {copied} bytes, {len} were written"
        )));
    }
    let checksum: [u8; 20] = hasher.finalize().into();
    out.write_all(&checksum)?;
    Ok(checksum)
}

/// Writes a version 2 pack index of `entries` (sorting them by id) for the pack
/// whose trailer is `pack_checksum`, then flushes `out`.
///
/// Layout: magic `\xfftOc`, version 2, 256 cumulative counts by first id byte,
/// the sorted ids, their CRC32s, their 4-byte offsets (offsets from 2^31 on are
/// stored as MSB | index into a following table of 8-byte offsets), the pack's
/// SHA-1 and finally the SHA-1 of everything before it.
fn write_idx<W: Write>(
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
struct HashWriter<W> {
    inner: W,
    hasher: Sha1,
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

/// A file in the pack directory under a temporary name (`tmp_pack_*`/`tmp_idx_*`,
/// which `git prune` cleans up if left behind); removed on drop unless persisted.
struct TempFile {
    file: Option<File>,
    path: Option<PathBuf>,
}

impl TempFile {
    fn create(dir: &Path, prefix: &str) -> io::Result<Self> {
        let path = dir.join(unique_name(prefix));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        Ok(TempFile {
            file: Some(file),
            path: Some(path),
        })
    }

    fn file(&mut self) -> io::Result<&mut File> {
        self.file
            .as_mut()
            .ok_or_else(|| io::Error::other("temporary pack file already closed"))
    }

    /// Syncs the data, makes the file read-only (as git does) and renames it to
    /// `target`, unless `target` exists already: files there are named by their
    /// content's checksum, so it is kept and the temporary file removed.
    fn persist(mut self, target: &Path) -> io::Result<()> {
        let file = self
            .file
            .take()
            .ok_or_else(|| io::Error::other("temporary pack file already closed"))?;
        if target.try_exists()? {
            return Ok(());
        }
        file.sync_all()?;
        let mut permissions = file.metadata()?.permissions();
        permissions.set_readonly(true);
        file.set_permissions(permissions)?;
        drop(file);
        if let Some(path) = &self.path {
            std::fs::rename(path, target)?;
            self.path = None;
        }
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        self.file = None;
        if let Some(path) = self.path.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Counter making temp file names unique within the process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// `<prefix><pid>-<counter>-<nanoseconds>`: unique among this process's files and
/// unlikely to collide with another's (files are created with `create_new` anyway).
fn unique_name(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{prefix}{}-{}-{nanos}",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, AtomicOrdering::Relaxed),
    )
}

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
        let path = std::env::temp_dir().join(format!("{}.tmp", unique_name("gtm-tui-pack-")));
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

/// Delta from a source of `source_len` bytes whose first `copied` bytes equal
/// `target[..copied]` to `target`: copy those bytes, insert the rest.
/// `copied` must fit the 32-bit copy offset.
fn encode_prefix_delta(out: &mut Vec<u8>, source_len: usize, copied: usize, target: &[u8]) {
    let tail = &target[copied..];
    out.reserve(20 + copied / MAX_COPY * 8 + tail.len() + tail.len() / MAX_INSERT + 1);
    delta_varint(out, source_len as u64);
    delta_varint(out, target.len() as u64);
    push_copy(out, 0, copied);
    push_insert(out, tail);
}

/// Delta copy instructions for `size` bytes of the source from `offset` on
/// (which must fit 32 bits).
fn push_copy(out: &mut Vec<u8>, mut offset: usize, size: usize) {
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
fn push_insert(out: &mut Vec<u8>, bytes: &[u8]) {
    for chunk in bytes.chunks(MAX_INSERT) {
        out.push(chunk.len() as u8);
        out.extend_from_slice(chunk);
    }
}

/// The entries of a tree body, each as (start, position of the NUL ending
/// its name, end); `None` when the body is not a well-formed tree.
fn tree_entries(body: &[u8]) -> Option<Vec<(usize, usize, usize)>> {
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
fn entry_name(body: &[u8], start: usize, nul: usize) -> (&[u8], bool) {
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
fn encode_tree_delta(out: &mut Vec<u8>, base: &[u8], target: &[u8]) -> bool {
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
struct DeltaRuns<'a> {
    out: &'a mut Vec<u8>,
    target: &'a [u8],
    /// The open run: a copy of `base[start..end]` or an insert of
    /// `target[start..end]`.
    run: Option<Run>,
}

#[derive(Clone, Copy)]
enum Run {
    Copy(usize, usize),
    Insert(usize, usize),
}

impl DeltaRuns<'_> {
    fn copy(&mut self, start: usize, end: usize) {
        match &mut self.run {
            Some(Run::Copy(_, e)) if *e == start => *e = end,
            _ => {
                self.flush();
                self.run = Some(Run::Copy(start, end));
            }
        }
    }

    fn insert(&mut self, start: usize, end: usize) {
        match &mut self.run {
            Some(Run::Insert(_, e)) if *e == start => *e = end,
            _ => {
                self.flush();
                self.run = Some(Run::Insert(start, end));
            }
        }
    }

    fn flush(&mut self) {
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

    /// How `git verify-pack -v` lists an object.
    #[derive(Debug)]
    struct Packed {
        /// Bytes of its entry in the pack.
        stored: u64,
        /// Its delta base, if it is stored as a delta.
        base: Option<Oid>,
    }

    /// Every object in the repository's packs, per `git verify-pack -v`.
    fn packed_objects(path: &Path) -> HashMap<Oid, Packed> {
        let mut objects = HashMap::new();
        for idx in pack_files(path)
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "idx"))
        {
            let out = Command::new("git")
                .arg("--git-dir")
                .arg(path)
                .args(["verify-pack", "-v"])
                .arg(&idx)
                .output()
                .expect("run git verify-pack");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            for line in String::from_utf8_lossy(&out.stdout).lines() {
                let fields: Vec<&str> = line.split_whitespace().collect();
                if fields.first().is_some_and(|f| f.len() == 40) {
                    let packed = Packed {
                        stored: fields[3].parse().unwrap(),
                        base: fields.get(6).map(|b| Oid::from_str(b).unwrap()),
                    };
                    objects.insert(Oid::from_str(fields[0]).unwrap(), packed);
                }
            }
        }
        objects
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
        // The 200-version log was delta-compressed the way `git repack` does it:
        // the newest version of each chain whole, earlier ones depth-1 deltas
        // against it. The side branch took over the chain of version 100, so the
        // main line went on in a chain of its own.
        assert_eq!(max_chain_length(dir.path()), 1);
        let packed = packed_objects(dir.path());
        assert_eq!(packed[&last_log].base, None);
        assert_eq!(packed[&side].base, None);
        let log_bases: HashSet<Option<Oid>> = blobs
            .iter()
            .filter(|(_, d)| d.starts_with(b"# activity log\n"))
            .map(|(id, _)| packed[id].base)
            .collect();
        assert_eq!(log_bases, HashSet::from([None, Some(last_log), Some(side)]));
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
        // Both earlier versions copy more than one copy instruction can.
        assert_eq!(max_chain_length(dir.path()), 1);
        let packed = packed_objects(dir.path());
        assert_eq!(packed[&v2].base, None);
        assert_eq!(packed[&v1].base, Some(v2));
        assert_eq!(packed[&v0].base, Some(v2));
        assert_fsck_clean(dir.path());
    }

    /// The newest version of a long append-only chain is stored whole and reads
    /// without applying any delta; each earlier version is a depth-1 delta
    /// against it that only copies a prefix (a few bytes in the pack).
    #[test]
    fn newest_version_of_long_chain_is_stored_whole() {
        let dir = tempfile::TempDir::new().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let mut w = PackWriter::new();
        let mut log = Vec::new();
        let mut versions = Vec::new();
        let mut prev = None;
        for i in 0..300u64 {
            log.extend_from_slice(&noise(i, 100 + (i as usize * 13) % 400));
            let id = w.blob(&log, prev);
            versions.push((id, log.len()));
            prev = Some(id);
        }
        let newest = versions[299].0;
        let tree = w.tree(&[("log".to_string(), EntryMode::File, newest)]);
        let sig = ("N", "n@example.com", 1_600_000_000, 0);
        let commit = w.commit(tree, &[], sig, sig, "log\n");
        w.finish(&repo).unwrap();
        repo.reference("refs/heads/main", commit, true, "test")
            .unwrap();

        // Read the newest version the way a reader does: through the tip's tree.
        let fresh = Repository::open_bare(dir.path()).unwrap();
        let tip_tree = fresh.find_commit(commit).unwrap().tree().unwrap();
        let entry = tip_tree.get_name("log").unwrap();
        assert_eq!(entry.id(), newest);
        assert!(fresh.find_blob(newest).unwrap().content() == &log[..]);
        for (id, len) in &versions {
            assert!(fresh.find_blob(*id).unwrap().content() == &log[..*len]);
        }

        let packed = packed_objects(dir.path());
        assert_eq!(packed.len(), 302);
        assert!(packed[&newest].base.is_none(), "{:?}", packed[&newest]);
        assert!(packed[&newest].stored > log.len() as u64 / 2);
        for (id, _) in &versions[..299] {
            assert_eq!(packed[id].base, Some(newest));
            assert!(packed[id].stored < 40, "{:?}", packed[id]);
        }
        assert_eq!(max_chain_length(dir.path()), 1);
        assert_fsck_clean(dir.path());
    }

    /// A chain left alone for `IDLE_CALLS` blob calls is written out; extended
    /// later, it goes on in a new chain with twice the idle limit. Both chains
    /// have their newest version whole.
    #[test]
    fn idle_chains_are_written_out_and_restarted() {
        let dir = tempfile::TempDir::new().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let mut w = PackWriter::new();
        let mut log = Vec::new();
        let mut versions: Vec<(Oid, Vec<u8>)> = Vec::new();
        let mut append = |w: &mut PackWriter, versions: &mut Vec<(Oid, Vec<u8>)>, i: u64| {
            log.extend_from_slice(format!("line {i}\n").as_bytes());
            let id = w.blob(&log, versions.last().map(|v| v.0));
            versions.push((id, log.clone()));
        };
        for i in 0..10 {
            append(&mut w, &mut versions, i);
        }
        let first_newest = versions[9].0;
        let mut others = Vec::new();
        let mut unrelated = |w: &mut PackWriter, n: u64| {
            for k in 0..n {
                let data = format!("unrelated {} {k}\n", others.len());
                others.push((w.blob(data.as_bytes(), None), data));
            }
        };
        unrelated(&mut w, IDLE_CALLS - 1);
        assert!(w.chains.contains_key(&first_newest), "not idle long enough");
        unrelated(&mut w, 1);
        assert!(
            !w.chains.contains_key(&first_newest),
            "written out when idle"
        );
        assert!(w.chains.len() as u64 <= IDLE_CALLS);
        assert!(w.entries.iter().any(|e| e.id == versions[0].0));

        for i in 10..20 {
            append(&mut w, &mut versions, i);
        }
        let second_newest = versions[19].0;
        unrelated(&mut w, IDLE_CALLS + 100);
        assert!(
            w.chains.contains_key(&second_newest),
            "a restarted chain waits twice as long"
        );
        unrelated(&mut w, IDLE_CALLS);
        assert!(!w.chains.contains_key(&second_newest));
        w.finish(&repo).unwrap();

        for (id, data) in &versions {
            assert!(repo.find_blob(*id).unwrap().content() == &data[..]);
        }
        for (id, data) in &others {
            assert_eq!(repo.find_blob(*id).unwrap().content(), data.as_bytes());
        }
        let packed = packed_objects(dir.path());
        assert!(packed[&first_newest].base.is_none());
        assert!(packed[&second_newest].base.is_none());
        for (id, _) in &versions[..9] {
            assert_eq!(packed[id].base, Some(first_newest));
        }
        for (id, _) in &versions[10..19] {
            assert_eq!(packed[id].base, Some(second_newest));
        }
        assert_eq!(max_chain_length(dir.path()), 1);
        assert_fsck_clean(dir.path());
    }

    /// Open chains never hold more than the budget: the ones due first are
    /// written out, and a chain larger than the budget at once.
    #[test]
    fn budget_bounds_open_chains() {
        let dir = tempfile::TempDir::new().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let mut w = PackWriter::new();
        w.budget = 20_000;
        let mut logs: Vec<(Vec<u8>, Option<Oid>)> = vec![(Vec::new(), None); 5];
        let mut blobs = Vec::new();
        for i in 0..400u64 {
            let (log, prev) = &mut logs[(i % 5) as usize];
            log.extend_from_slice(&noise(i, 50 + (i as usize % 7) * 40));
            if i == 203 {
                log.extend_from_slice(&noise(i, 30_000)); // larger than the budget
            }
            let id = w.blob(log, *prev);
            *prev = Some(id);
            blobs.push((id, log.clone()));
            assert!(w.pending_bytes <= w.budget, "{} at {i}", w.pending_bytes);
            let counted: usize = w.chains.values().map(Chain::cost).sum();
            assert_eq!(w.pending_bytes, counted);
            assert_eq!(w.schedule.len(), w.chains.len());
        }
        let big = blobs[203].0;
        w.finish(&repo).unwrap();
        for (id, data) in &blobs {
            assert!(repo.find_blob(*id).unwrap().content() == &data[..]);
        }
        let packed = packed_objects(dir.path());
        assert!(packed[&big].base.is_none());
        for (_, prev) in &logs {
            assert!(packed[&prev.unwrap()].base.is_none());
        }
        assert_eq!(max_chain_length(dir.path()), 1);
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

    /// Writing the same objects twice gives the same pack name; the existing files
    /// are kept, nothing temporary is left behind, and a non-bare repository gets
    /// its pack under `.git`.
    #[test]
    fn same_pack_twice_into_a_worktree_repository() {
        let dir = tempfile::TempDir::new().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let write = || {
            let mut w = PackWriter::new();
            let a = w.blob(b"one\n", None);
            let b = w.blob(b"one\ntwo\n", Some(a));
            let tree = w.tree(&[("f".to_string(), EntryMode::File, b)]);
            let sig = ("N", "n@example.com", 1_600_000_000, 0);
            let c = w.commit(tree, &[], sig, sig, "msg\n");
            w.finish(&repo).unwrap();
            (a, b, c)
        };
        let (a, b, c) = write();
        let git_dir = dir.path().join(".git");
        let first = pack_files(&git_dir);
        assert_eq!(first.len(), 2, "{first:?}");
        assert_eq!(write(), (a, b, c));
        assert_eq!(pack_files(&git_dir), first, "no temporary files left");
        assert_eq!(repo.find_blob(b).unwrap().content(), b"one\ntwo\n");
        assert_eq!(repo.find_commit(c).unwrap().message_raw_bytes(), b"msg\n");
        #[cfg(unix)]
        for file in &first {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(file).unwrap().permissions().mode();
            assert_eq!(mode & 0o222, 0, "{} is read-only", file.display());
        }
        repo.reference("refs/heads/main", c, true, "test").unwrap();
        assert_fsck_clean(&git_dir);
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

    /// A directory rewritten commit after commit (one entry changing, one
    /// added now and then, one removed) is stored as deltas of depth 1
    /// against whole versions, every tree reads back, and git accepts the
    /// pack; a `like` that is unknown, a blob or unrelated costs only space.
    #[test]
    fn directory_versions_are_stored_as_deltas_of_depth_one() {
        let dir = tempfile::TempDir::new().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let mut w = PackWriter::new();
        let mut files: Vec<(String, EntryMode, Oid)> = Vec::new();
        let mut trees = Vec::new();
        let mut last = None;
        let mut parent: Vec<Oid> = Vec::new();
        for i in 0..400u32 {
            if i % 40 == 0 {
                files.push((format!("log_{}", i / 40), EntryMode::File, Oid::ZERO_SHA1));
            }
            if i == 250 {
                files.remove(3);
            }
            let current = files.len() - 1;
            files[current].2 = w.blob(format!("version {i}\n").as_bytes(), None);
            let tree = w.tree_like(&files, last);
            last = Some(tree);
            let sig = ("N", "n@example.com", 1_600_000_000 + i64::from(i), 0);
            parent = vec![w.commit(tree, &parent, sig, sig, "msg\n")];
            trees.push((tree, files.clone()));
        }
        let blob = w.blob(b"not a tree\n", None);
        files[0].2 = blob;
        let unknown = Oid::hash_object(ObjectType::Blob, b"?").unwrap();
        let odd = [
            w.tree_like(&files, Some(blob)),
            w.tree_like(&files[1..], Some(unknown)),
            w.tree_like(&[("x".into(), EntryMode::File, blob)], last),
        ];
        w.finish(&repo).unwrap();
        repo.reference("refs/heads/main", parent[0], true, "test")
            .unwrap();
        assert_fsck_clean(dir.path());
        assert!(max_chain_length(dir.path()) <= 1);
        let packed = packed_objects(dir.path());
        let deltas = trees
            .iter()
            .filter(|(t, _)| packed[t].base.is_some())
            .count();
        // A few versions are stored whole again as the directory drifts.
        assert!(deltas >= 300, "{deltas} of 400 trees stored as deltas");
        for (tree, files) in &trees {
            let read = repo.find_tree(*tree).unwrap();
            let listed: Vec<(String, Oid)> = read
                .iter()
                .map(|e| (e.name().unwrap().to_string(), e.id()))
                .collect();
            let mut expected: Vec<(String, Oid)> =
                files.iter().map(|(n, _, id)| (n.clone(), *id)).collect();
            expected.sort();
            assert_eq!(listed, expected);
        }
        for id in odd {
            assert_eq!(packed[&id].base, None);
            repo.find_tree(id).unwrap();
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

    /// Adds random mixes of new blobs, appends (to the last blob for
    /// `op` 4, else to a random one), non-prefix and shortened "bases" with the
    /// given limits; checks the ids, the bookkeeping, that everything reads back
    /// exactly and that no delta chain is longer than 1.
    fn check_random_history(
        ops: Vec<(u8, Vec<u8>, usize)>,
        idle_calls: u64,
        budget: usize,
    ) -> Result<(), TestCaseError> {
        let dir = tempfile::TempDir::new().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let mut w = PackWriter::new();
        w.idle_calls = idle_calls;
        w.budget = budget;
        let mut blobs: Vec<(Oid, Vec<u8>)> = Vec::new();
        for (op, bytes, pick) in ops {
            let picked = match op {
                4 => blobs.last().cloned(),
                _ => (!blobs.is_empty()).then(|| blobs[pick % blobs.len()].clone()),
            };
            let (data, base) = match (op, picked) {
                (1 | 4, Some((id, mut data))) => {
                    data.extend_from_slice(&bytes);
                    (data, Some(id))
                }
                (2, Some((id, _))) => (bytes, Some(id)),
                (3, Some((id, data))) => (data[..data.len() / 2].to_vec(), Some(id)),
                _ => (bytes, None),
            };
            let id = w.blob(&data, base);
            prop_assert_eq!(id, Oid::hash_object(ObjectType::Blob, &data).unwrap());
            prop_assert!(w.pending_bytes <= w.budget);
            prop_assert_eq!(w.schedule.len(), w.chains.len());
            blobs.push((id, data));
        }
        w.finish(&repo).unwrap();
        for (id, data) in &blobs {
            let blob = repo.find_blob(*id).unwrap();
            prop_assert_eq!(blob.content(), &data[..]);
        }
        prop_assert!(max_chain_length(dir.path()) <= 1);
        assert_fsck_clean(dir.path());
        Ok(())
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
            check_random_history(ops, IDLE_CALLS, PENDING_BUDGET)?;
        }

        /// The same, mostly appending to the last blob, with chains written out
        /// after a few calls or a few hundred bytes.
        #[test]
        fn random_blob_histories_with_small_limits_read_back(
            ops in prop::collection::vec(
                (0u8..8, prop::collection::vec(any::<u8>(), 0..200), any::<usize>()),
                1..60,
            ),
            idle_calls in 1u64..8,
            budget in 0usize..3000,
        ) {
            let ops = ops.into_iter().map(|(op, b, p)| (op.min(4), b, p)).collect();
            check_random_history(ops, idle_calls, budget)?;
        }
    }
}
