//! The lineage cache: a whole history's lineage kept in a file outside the repository, so a second run reads it instead of building it again.
//!
//! Building lineage reads every code record's details and many notebook
//! versions (seconds at 100,000 records); the result depends only on the
//! records, which git names by commit id. So a file keeps the record
//! commits it covers (oldest first), every execution and every cell:
//!
//! - the same commits as now: the file is the lineage;
//! - the file's commits are where the current list starts (the ref moved
//!   forward): only the new records are decoded, only the notebooks they
//!   ran code in are assigned again (cells never cross notebooks), and the
//!   file is written anew;
//! - anything else (history rewritten, another branch, another repository
//!   at the same path), or a file that is damaged, truncated, from another
//!   version or another build of lineage: built from scratch and
//!   overwritten.
//!
//! Commit ids alone do not pin the executions down: the detail store reads
//! a record's details from the log files of the *tip*'s tree first (they
//! hold every earlier append). So the file also keeps those log files'
//! blob ids; the cached executions are used only while each of them is
//! still there, the same blob or one that starts with its bytes (appended
//! to, as the client does). A log file rewritten or removed since rebuilds.
//!
//! The format is our own and compact, with no new dependency: for the
//! lineage of 100,000 records (109,610 executions) it is 22 MB and read
//! back in about 55 ms, where the same content as JSON is 32 MB and
//! serde_json took 110 to 450 ms only to parse it into values. Little-endian
//! throughout, `v` a LEB128 varint, `s` a varint length and UTF-8 bytes:
//!
//! ```text
//! magic "GTMLNCH\n"  version u32
//! fingerprint u64    identity s
//! log files v, then each: name s, blob id 20 bytes (sorted by name)
//! commits v, then 20 bytes each (oldest first)
//! notebooks v, then s each (sorted: indices below point here)
//! executions v, then each: commit 20 bytes, time zigzag v, tz zigzag v,
//!     notebook v, ex v (0 = none, else n + 1), tag s, source s,
//!     details v + v each, outputs u64, output count v, linked commit s
//! cells v, then each: id s, notebook v, runs v + zigzag v deltas
//! checksum u64 of every byte before it
//! ```
//!
//! Nothing read from a file is trusted before the checksum matches, and
//! every read after is bounds-checked anyway: a bad file is rebuilt, never
//! a panic. The repository is only read.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::*;
use crate::bytes::{Reader, put_bytes, put_signed, put_var};

/// The first bytes of every cache file.
const MAGIC: &[u8; 8] = b"GTMLNCH\n";

/// Bumped whenever the layout above changes; a file of another version is
/// rebuilt.
pub const FORMAT_VERSION: u32 = 1;

/// Whether, and where, lineage is cached. The binary decides (the
/// `--no-cache` flag, `GTM_CACHE_DIR`, the platform's cache directory);
/// gtm-core only uses the directory it is given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CachePolicy {
    /// Neither read nor written.
    #[default]
    Off,
    /// Files are read from and written to this directory (created when
    /// missing; skipped silently when it cannot be).
    Dir(PathBuf),
}

/// Why a cache file was not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Miss {
    /// No file yet (or it could not be read).
    Absent,
    /// Not a cache file, truncated, or its checksum does not match.
    Damaged,
    /// Another format version, or another build of lineage.
    OtherFormat,
    /// Written for another repository or notebook filter.
    OtherRepository,
    /// Its records are not where the current history starts: rewritten
    /// history, another branch, another repository at the same path.
    OtherHistory,
    /// A log file its executions were read from was rewritten or removed
    /// at the tip since (not only appended to).
    LogsRewritten,
}

/// What the cache did for one build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheStatus {
    /// No cache asked for, or no records to keep.
    Off,
    /// The file covered exactly these records (and was written again when
    /// its log files had only been appended to since).
    Hit,
    /// The file covered the older records: `records` new ones decoded,
    /// `notebooks` assigned again.
    Extended { records: usize, notebooks: usize },
    /// Built from scratch, for this reason.
    Built(Miss),
}

/// [`CacheStatus`] and the file involved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheReport {
    pub status: CacheStatus,
    /// The cache file for this repository and filter (`None` when off).
    pub file: Option<PathBuf>,
    /// Whether the file was (re)written.
    pub written: bool,
}

/// [`build`], through the cache `policy` names: the same lineage, read
/// from the cache when it covers these records.
pub fn build_cached<'a, R: RecordView<'a> + Sync>(
    project: &Project,
    rows: impl IntoIterator<Item = R>,
    only: Option<&str>,
    policy: &CachePolicy,
) -> Lineage {
    build_reporting(project, rows, only, policy).0
}

/// [`build_cached`], saying what the cache did.
pub fn build_reporting<'a, R: RecordView<'a> + Sync>(
    project: &Project,
    rows: impl IntoIterator<Item = R>,
    only: Option<&str>,
    policy: &CachePolicy,
) -> (Lineage, CacheReport) {
    let off = |lineage| {
        let report = CacheReport {
            status: CacheStatus::Off,
            file: None,
            written: false,
        };
        (lineage, report)
    };
    let CachePolicy::Dir(dir) = policy else {
        return off(build(project, rows, only));
    };
    let mut rows: Vec<R> = rows
        .into_iter()
        .filter(|r| only.is_none_or(|nb| notebook_of(r.message()).as_deref() == Some(nb)))
        .collect();
    if rows.is_empty() {
        return off(Lineage::default());
    }
    rows.reverse();
    let commits: Vec<Oid> = rows.iter().map(|r| r.commit()).collect();
    let logs = log_files(project);
    let identity = identity(project, only);
    let file = dir.join(file_name(&identity, "lineage"));
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    let fingerprint = fingerprint();

    let cached = match std::fs::read(&file) {
        Ok(bytes) => decode_file(&bytes, fingerprint, &identity),
        Err(_) => Err(Miss::Absent),
    }
    .and_then(|c| {
        // Only the file's own history is worth comparing log files for.
        let same = c.commits == commits;
        let ahead = c.commits.len() < commits.len() && commits.starts_with(&c.commits);
        if !same && !ahead {
            Err(Miss::OtherHistory)
        } else if !appended_only(project, &c.logs, &logs, rows.get(..c.commits.len())) {
            Err(Miss::LogsRewritten)
        } else {
            Ok(c)
        }
    });
    let (lineage, status) = match cached {
        Ok(c) if c.commits == commits => {
            let moved = c.logs != logs;
            let lineage = finish(c.executions, vec![c.cells]);
            // Log files appended to since: the file names the new blobs, so
            // the next run need not compare them again.
            let written = moved
                && write_file(
                    dir,
                    &file,
                    &encode(fingerprint, &identity, &logs, &commits, &lineage),
                );
            let report = CacheReport {
                status: CacheStatus::Hit,
                file: Some(file),
                written,
            };
            return (lineage, report);
        }
        // The file's records and new ones after them (checked above).
        Ok(c) => {
            let new = rows.get(c.commits.len()..).unwrap_or_default();
            let (lineage, notebooks) = extend(project, c, new, threads);
            let status = CacheStatus::Extended {
                records: new.len(),
                notebooks,
            };
            (lineage, status)
        }
        Err(miss) => (cold(project, &rows, threads), CacheStatus::Built(miss)),
    };
    let written = write_file(
        dir,
        &file,
        &encode(fingerprint, &identity, &logs, &commits, &lineage),
    );
    let report = CacheReport {
        status,
        file: Some(file),
        written,
    };
    (lineage, report)
}

/// Lineage built from scratch, as [`build`] does (`rows` oldest first).
fn cold<'a, R: RecordView<'a> + Sync>(project: &Project, rows: &[R], threads: usize) -> Lineage {
    let executions = decode(project, rows, threads);
    let notebooks = by_notebook(&executions);
    let per_notebook = assign_parallel(project, &executions, &notebooks, threads);
    drop(notebooks);
    finish(executions, per_notebook)
}

/// The cached lineage with the records `new` (oldest first) after it:
/// their executions appended (so every cached index still holds), the
/// notebooks they ran in assigned again over all their executions, the
/// others' cells kept. Equal to a cold build, since a notebook's cells
/// depend on its own executions only. Also how many notebooks were assigned.
fn extend<'a, R: RecordView<'a> + Sync>(
    project: &Project,
    cached: Cached,
    new: &[R],
    threads: usize,
) -> (Lineage, usize) {
    let mut executions = cached.executions;
    let old = executions.len();
    executions.extend(decode(project, new, threads));
    let touched: BTreeSet<String> = executions
        .get(old..)
        .unwrap_or_default()
        .iter()
        .map(|e| e.notebook.clone())
        .collect();
    let mut kept: BTreeMap<String, Vec<Cell>> = BTreeMap::new();
    for cell in cached.cells {
        kept.entry(cell.notebook.clone()).or_default().push(cell);
    }
    let notebooks = by_notebook(&executions);
    // A notebook the file has no cells for is assigned too: the result
    // must not depend on what the file held.
    let again: Vec<(&str, Vec<usize>)> = notebooks
        .iter()
        .filter(|(nb, _)| touched.contains(*nb) || !kept.contains_key(*nb))
        .cloned()
        .collect();
    let mut assigned = assign_parallel(project, &executions, &again, threads).into_iter();
    let count = again.len();
    let per_notebook: Vec<Vec<Cell>> = notebooks
        .iter()
        .map(|(nb, _)| {
            if touched.contains(*nb) || !kept.contains_key(*nb) {
                assigned.next().unwrap_or_default()
            } else {
                kept.remove(*nb).unwrap_or_default()
            }
        })
        .collect();
    drop(again);
    drop(notebooks);
    (finish(executions, per_notebook), count)
}

/// The log files of the tip's tree, name and blob, as the detail store
/// lists them (it reads every record's details there first), by name.
fn log_files(project: &Project) -> Vec<(String, Oid)> {
    let repo = project.repo();
    let mut out = Vec::new();
    if let Ok(commit) = repo.find_commit(project.tip)
        && let Ok(tree) = commit.tree()
        && let Ok(entry) = tree.get_path(Path::new(crate::repo::LOG_DIR))
        && let Ok(dir) = repo.find_tree(entry.id())
    {
        for e in dir.iter() {
            if let Ok(name) = e.name()
                && e.kind() == Some(git2::ObjectType::Blob)
            {
                out.push((name.to_string(), e.id()));
            }
        }
    }
    out.sort();
    out
}

/// Whether the details of the records `cached` (oldest first), read when
/// the tip held the log files `then`, read the same now that it holds
/// `now`: every file still there, the same blob or one starting with the
/// old one's bytes (a blob that cannot be read counts as changed), and no
/// file the tip has gained named by one of them (its details came from its
/// own commit's version, which is no longer looked at first).
fn appended_only<'a, R: RecordView<'a>>(
    project: &Project,
    then: &[(String, Oid)],
    now: &[(String, Oid)],
    cached: Option<&[R]>,
) -> bool {
    if then == now {
        return true;
    }
    let now: BTreeMap<&str, Oid> = now.iter().map(|(n, id)| (n.as_str(), *id)).collect();
    let repo = project.repo();
    let kept = then.iter().all(|(name, old)| match now.get(name.as_str()) {
        Some(new) if new == old => true,
        Some(new) => match (repo.find_blob(*old), repo.find_blob(*new)) {
            (Ok(a), Ok(b)) => b.content().starts_with(a.content()),
            _ => false,
        },
        None => false,
    });
    let before: BTreeSet<&str> = then.iter().map(|(n, _)| n.as_str()).collect();
    let gained: BTreeSet<&str> = now
        .keys()
        .copied()
        .filter(|n| !before.contains(n))
        .collect();
    let Some(cached) = cached else {
        return false;
    };
    kept && (gained.is_empty()
        || !cached.iter().any(|&r| {
            r.kind() == RecordKind::Code
                && r.details().any(|d| {
                    d.key
                        .parsed()
                        .is_ok_and(|k| gained.contains(k.file_name().as_str()))
                })
        }))
}

/// What a cache file holds once read.
pub(super) struct Cached {
    /// The tip's log files when it was written.
    logs: Vec<(String, Oid)>,
    commits: Vec<Oid>,
    executions: Vec<Execution>,
    /// Every notebook's cells, notebooks by name (as `finish` lays them).
    cells: Vec<Cell>,
}

/// Which history a file is for: the repository's git directory (as
/// canonical a path as the system gives) and the notebook filter. The file
/// is named by its hash and holds it whole, checked on load.
fn identity(project: &Project, only: Option<&str>) -> Vec<u8> {
    let git_dir = project.repo().path();
    let git_dir = std::fs::canonicalize(git_dir).unwrap_or_else(|_| git_dir.to_path_buf());
    let mut id = b"repository\0".to_vec();
    id.extend_from_slice(git_dir.as_os_str().as_encoded_bytes());
    match only {
        Some(nb) => {
            id.extend_from_slice(b"\0notebook\0");
            id.extend_from_slice(nb.as_bytes());
        }
        None => id.extend_from_slice(b"\0all"),
    }
    id
}

/// The file for an identity, with extension `ext`: a hash, the same on
/// every run and platform.
pub(crate) fn file_name(identity: &[u8], ext: &str) -> String {
    let digest = Sha256::digest(identity);
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("{hex}.{ext}")
}

/// The lineage code this build runs, hashed: a file written by a build
/// whose lineage differs (a new version, or a developer's edit) is not
/// used, since its cells may differ from what this build finds.
fn fingerprint() -> u64 {
    const SOURCES: &[&[u8]] = &[
        // This file too: a layout changed without a new FORMAT_VERSION
        // still refuses the old files.
        include_bytes!("cache.rs"),
        include_bytes!("mod.rs"),
        include_bytes!("align.rs"),
        include_bytes!("assign.rs"),
        include_bytes!("executions.rs"),
        include_bytes!("notebook.rs"),
        include_bytes!("similarity.rs"),
        include_bytes!("snapshots.rs"),
        include_bytes!("timeline.rs"),
        include_bytes!("../notebook/mod.rs"),
        include_bytes!("../notebook/scan.rs"),
        include_bytes!("../notebook/similarity.rs"),
        include_bytes!("../bounded.rs"),
        include_bytes!("../bytes.rs"),
    ];
    fingerprint_of(SOURCES)
}

/// The crate version and these source files, hashed: what a cache file
/// records of the build that wrote it.
pub(crate) fn fingerprint_of(sources: &[&[u8]]) -> u64 {
    let mut all = env!("CARGO_PKG_VERSION").as_bytes().to_vec();
    for s in sources {
        all.extend_from_slice(&(s.len() as u64).to_le_bytes());
        all.extend_from_slice(s);
    }
    checksum(&all)
}

/// A 64-bit hash for telling a damaged file from a whole one (not a
/// defence against someone who can write the cache directory: they could
/// write any lineage there). Each 8-byte word goes through a bijection of
/// the state, so a change confined to one word always shows.
pub(crate) fn checksum(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h: u64 = 0x243f_6a88_85a3_08d3 ^ (bytes.len() as u64).wrapping_mul(K);
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let mut b = [0u8; 8];
        b.copy_from_slice(w);
        h = (h ^ u64::from_le_bytes(b)).wrapping_mul(K).rotate_left(29);
    }
    let rest = words.remainder();
    let mut b = [0u8; 8];
    if let Some(dst) = b.get_mut(..rest.len()) {
        dst.copy_from_slice(rest);
    }
    h = (h ^ u64::from_le_bytes(b)).wrapping_mul(K).rotate_left(29);
    // A final mix (MurmurHash3's), so that every input bit reaches every output bit.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Writes `bytes` as `file` in `dir`: into a temporary file beside it,
/// renamed over it, so a reader sees the old file or the new one, never
/// half of one. Any failure leaves the cache as it was and says `false`.
pub(crate) fn write_file(dir: &Path, file: &Path, bytes: &[u8]) -> bool {
    if create_private_dir(dir).is_err() {
        return false;
    }
    // Per process and call: two runs writing at once each rename a whole file.
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let Some(name) = file.file_name() else {
        return false;
    };
    let mut tmp_name = name.to_os_string();
    tmp_name.push(format!(".{}-{seq}.tmp", std::process::id()));
    let tmp = dir.join(tmp_name);
    let done = (|| -> std::io::Result<()> {
        let mut f = private_file(&tmp)?;
        f.write_all(bytes)?;
        f.flush()?;
        drop(f);
        std::fs::rename(&tmp, file)
    })();
    if done.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    done.is_ok()
}

/// The cache holds the projects' code: on unix its directory is the
/// user's alone when this creates it.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path)
}

/// The file's bytes for `lineage` over `commits` (oldest first).
pub(super) fn encode(
    fingerprint: u64,
    identity: &[u8],
    logs: &[(String, Oid)],
    commits: &[Oid],
    lineage: &Lineage,
) -> Vec<u8> {
    let mut names: BTreeMap<&str, u64> = BTreeMap::new();
    for e in &lineage.executions {
        names.insert(e.notebook.as_str(), 0);
    }
    for c in &lineage.cells {
        names.insert(c.notebook.as_str(), 0);
    }
    for (k, v) in names.values_mut().enumerate() {
        *v = k as u64;
    }
    let source_bytes: usize = lineage.executions.iter().map(|e| e.source.len()).sum();
    let mut w = Vec::with_capacity(
        64 + identity.len() + commits.len() * 20 + lineage.executions.len() * 96 + source_bytes,
    );
    w.extend_from_slice(MAGIC);
    w.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    w.extend_from_slice(&fingerprint.to_le_bytes());
    put_bytes(&mut w, identity);
    put_var(&mut w, logs.len() as u64);
    for (name, id) in logs {
        put_bytes(&mut w, name.as_bytes());
        w.extend_from_slice(id.as_bytes());
    }
    put_var(&mut w, commits.len() as u64);
    for c in commits {
        w.extend_from_slice(c.as_bytes());
    }
    put_var(&mut w, names.len() as u64);
    for name in names.keys() {
        put_bytes(&mut w, name.as_bytes());
    }
    let index = |nb: &str| names.get(nb).copied().unwrap_or(0);
    put_var(&mut w, lineage.executions.len() as u64);
    for e in &lineage.executions {
        w.extend_from_slice(e.commit.as_bytes());
        put_signed(&mut w, e.time);
        put_signed(&mut w, i64::from(e.tz_minutes));
        put_var(&mut w, index(&e.notebook));
        put_var(&mut w, e.ex.map_or(0, |n| u64::from(n) + 1));
        put_bytes(&mut w, e.tag.as_bytes());
        put_bytes(&mut w, e.source.as_bytes());
        put_var(&mut w, e.details.len() as u64);
        for &d in &e.details {
            put_var(&mut w, d as u64);
        }
        w.extend_from_slice(&e.outputs.to_le_bytes());
        put_var(&mut w, e.output_count as u64);
        put_bytes(&mut w, e.linked_commit.as_bytes());
    }
    put_var(&mut w, lineage.cells.len() as u64);
    for c in &lineage.cells {
        put_bytes(&mut w, c.id.as_bytes());
        put_var(&mut w, index(&c.notebook));
        put_var(&mut w, c.runs.len() as u64);
        let mut prev = 0i64;
        for &r in &c.runs {
            let r = r as i64;
            put_signed(&mut w, r.wrapping_sub(prev));
            prev = r;
        }
    }
    let sum = checksum(&w);
    w.extend_from_slice(&sum.to_le_bytes());
    w
}

/// A cache file's content, if it is whole, of this format and build, and
/// for this identity; why not otherwise.
pub(super) fn decode_file(bytes: &[u8], fingerprint: u64, identity: &[u8]) -> Result<Cached, Miss> {
    let body_len = bytes.len().checked_sub(8).ok_or(Miss::Damaged)?;
    let (body, sum) = bytes.split_at_checked(body_len).ok_or(Miss::Damaged)?;
    let mut r = Reader(body);
    if r.take(MAGIC.len()).ok_or(Miss::Damaged)? != MAGIC {
        return Err(Miss::Damaged);
    }
    let version = r.u32().ok_or(Miss::Damaged)?;
    let mut want = [0u8; 8];
    want.copy_from_slice(sum);
    if checksum(body) != u64::from_le_bytes(want) {
        return Err(Miss::Damaged);
    }
    if version != FORMAT_VERSION || r.u64().ok_or(Miss::Damaged)? != fingerprint {
        return Err(Miss::OtherFormat);
    }
    if r.bytes().ok_or(Miss::Damaged)? != identity {
        return Err(Miss::OtherRepository);
    }
    read_lineage(&mut r).ok_or(Miss::Damaged)
}

/// The log files, commits, executions and cells after the header.
fn read_lineage(r: &mut Reader) -> Option<Cached> {
    let n = r.count(21)?;
    let mut logs = Vec::with_capacity(n);
    for _ in 0..n {
        let name = r.string()?;
        logs.push((name, Oid::from_bytes(r.take(20)?).ok()?));
    }
    let n = r.count(20)?;
    let mut commits = Vec::with_capacity(n);
    for _ in 0..n {
        commits.push(Oid::from_bytes(r.take(20)?).ok()?);
    }
    let n = r.count(1)?;
    let mut names = Vec::with_capacity(n);
    for _ in 0..n {
        names.push(r.string()?);
    }
    let name = |k: u64| names.get(usize::try_from(k).ok()?).cloned();
    // The smallest execution takes 33 bytes.
    let n = r.count(33)?;
    let mut executions = Vec::with_capacity(n);
    for _ in 0..n {
        let commit = Oid::from_bytes(r.take(20)?).ok()?;
        let time = r.signed()?;
        let tz_minutes = i32::try_from(r.signed()?).ok()?;
        let notebook = name(r.var()?)?;
        let ex = match r.var()? {
            0 => None,
            n => Some(u32::try_from(n - 1).ok()?),
        };
        let tag = r.string()?;
        let source = r.string()?;
        let k = r.count(1)?;
        let mut details = Vec::with_capacity(k);
        for _ in 0..k {
            details.push(usize::try_from(r.var()?).ok()?);
        }
        let outputs = r.u64()?;
        let output_count = usize::try_from(r.var()?).ok()?;
        let linked_commit = r.string()?;
        executions.push(Execution {
            commit,
            time,
            tz_minutes,
            notebook,
            ex,
            tag,
            source,
            details,
            outputs,
            output_count,
            linked_commit,
        });
    }
    let n = r.count(3)?;
    let mut cells = Vec::with_capacity(n);
    for _ in 0..n {
        let id = r.string()?;
        let notebook = name(r.var()?)?;
        let k = r.count(1)?;
        let mut runs = Vec::with_capacity(k);
        let mut prev = 0i64;
        for _ in 0..k {
            prev = prev.checked_add(r.signed()?)?;
            let run = usize::try_from(prev).ok()?;
            // A run is an execution of the cell's own notebook.
            if executions.get(run)?.notebook != notebook {
                return None;
            }
            runs.push(run);
        }
        cells.push(Cell { id, notebook, runs });
    }
    // Cells come notebook by notebook, by name, as `finish` expects them.
    if cells.windows(2).any(|w| match w {
        [a, b] => a.notebook > b.notebook,
        _ => false,
    }) {
        return None;
    }
    r.0.is_empty().then_some(Cached {
        logs,
        commits,
        executions,
        cells,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oid(b: u8) -> Oid {
        Oid::from_bytes(&[b; 20]).unwrap()
    }

    fn logs() -> Vec<(String, Oid)> {
        vec![("log_a".into(), oid(9)), ("log_a_1".into(), oid(10))]
    }

    fn sample() -> (Vec<Oid>, Lineage) {
        let exec = |record: u8, nb: &str, ex: Option<u32>, source: &str| Execution {
            commit: oid(record),
            time: -(i64::from(record) * 1_000_000_007),
            tz_minutes: -330,
            notebook: nb.into(),
            ex,
            tag: ex.map_or_else(|| "detail:3".into(), |n| format!("ex:{n}")),
            source: source.into(),
            details: vec![0, 2, 300, usize::from(record)],
            outputs: u64::MAX - u64::from(record),
            output_count: 2,
            linked_commit: format!("{:040x}", record),
        };
        let executions = vec![
            exec(1, "b.ipynb", Some(1), "x = 1"),
            exec(1, "a.ipynb", Some(2), "print('é')\n"),
            exec(2, "b.ipynb", None, ""),
            exec(3, "a.ipynb", Some(u32::MAX), "y = x"),
        ];
        let per_notebook = vec![
            vec![
                Cell {
                    id: "a.ipynb#1".into(),
                    notebook: "a.ipynb".into(),
                    runs: vec![1],
                },
                Cell {
                    id: "a.ipynb#2".into(),
                    notebook: "a.ipynb".into(),
                    runs: vec![3],
                },
            ],
            vec![Cell {
                id: "b.ipynb#1".into(),
                notebook: "b.ipynb".into(),
                runs: vec![0, 2],
            }],
        ];
        (
            vec![oid(1), oid(2), oid(3), oid(4)],
            finish(executions, per_notebook),
        )
    }

    /// Every field of every execution and cell, for comparing lineages.
    fn fields(l: &Lineage) -> String {
        format!("{:?} {:?} {:?} {:?}", l.executions, l.cell, l.run, l.cells)
    }

    #[test]
    fn a_file_reads_back_as_written() {
        let (commits, lineage) = sample();
        let bytes = encode(7, b"repo", &logs(), &commits, &lineage);
        let back = decode_file(&bytes, 7, b"repo")
            .map_err(|m| format!("{m:?}"))
            .unwrap();
        assert_eq!(back.commits, commits);
        assert_eq!(back.logs, logs());
        assert_eq!(
            fields(&finish(back.executions, vec![back.cells])),
            fields(&lineage)
        );
    }

    #[test]
    fn another_build_or_identity_is_refused() {
        let (commits, lineage) = sample();
        let bytes = encode(7, b"repo", &logs(), &commits, &lineage);
        assert_eq!(
            decode_file(&bytes, 8, b"repo").err(),
            Some(Miss::OtherFormat)
        );
        assert_eq!(
            decode_file(&bytes, 7, b"other").err(),
            Some(Miss::OtherRepository)
        );
    }

    #[test]
    fn every_truncation_and_flipped_byte_is_refused() {
        let (commits, lineage) = sample();
        let bytes = encode(7, b"repo", &logs(), &commits, &lineage);
        for n in 0..bytes.len() {
            assert!(
                decode_file(bytes.get(..n).unwrap(), 7, b"repo").is_err(),
                "{n}"
            );
        }
        for i in 0..bytes.len() {
            for bit in [0x01u8, 0x80] {
                let mut bad = bytes.clone();
                bad[i] ^= bit;
                assert!(decode_file(&bad, 7, b"repo").is_err(), "byte {i}");
            }
        }
    }

    #[test]
    fn a_checksummed_but_inconsistent_body_is_refused_without_panicking() {
        // Bodies that pass the checksum (rewritten after the change) yet say
        // impossible things: runs out of range or in another notebook.
        let (commits, mut lineage) = sample();
        for bad in [usize::MAX >> 2, 4, 0] {
            if let Some(c) = lineage.cells.get_mut(0) {
                c.runs = vec![bad];
            }
            let bytes = encode(7, b"repo", &logs(), &commits, &lineage);
            assert!(decode_file(&bytes, 7, b"repo").is_err(), "{bad}");
        }
    }

    #[test]
    fn garbage_with_a_valid_checksum_is_refused() {
        // Random bodies behind the right magic and version, sealed with a
        // matching checksum: the reader must stop at every inconsistency.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let (commits, lineage) = sample();
        let good = encode(7, b"repo", &logs(), &commits, &lineage);
        for _ in 0..2000 {
            let mut body = good.get(..good.len() - 8).unwrap().to_vec();
            let cut = 16 + (next() as usize) % (body.len() - 16);
            body.truncate(cut);
            let extra = (next() % 64) as usize;
            body.extend((0..extra).map(|_| next() as u8));
            let sum = checksum(&body);
            body.extend_from_slice(&sum.to_le_bytes());
            let _ = decode_file(&body, 7, b"repo");
        }
    }

    #[test]
    fn file_names_are_stable_and_per_identity() {
        assert_eq!(file_name(b"a", "lineage"), file_name(b"a", "lineage"));
        assert_ne!(file_name(b"a", "lineage"), file_name(b"b", "lineage"));
        assert_eq!(file_name(b"a", "lineage").len(), 32 + ".lineage".len());
        assert_eq!(fingerprint(), fingerprint());
    }
}
