//! A fast writer of git objects straight into one packfile (append-only blobs are
//! laid out the way `git repack` does: the newest version whole, earlier ones as
//! tiny OFS_DELTAs against it; a directory's trees as OFS_DELTAs against an
//! earlier version of it).

mod chains;
mod delta;
mod encode;
mod index;
mod spool;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
mod trees;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::io::{self, BufWriter};

use flate2::{Compress, Compression, Crc, FlushCompress, Status};
use git2::{ObjectType, Oid};
use sha1::{Digest, Sha1};

use chains::Chain;
use encode::{entry_header, push_signature};
use index::{IndexEntry, write_idx};
use spool::{Spool, TempFile, write_pack};
use trees::TreeBase;

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
