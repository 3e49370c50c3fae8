//! The walk cache: a whole history's records, packed as [`Rows`] holds
//! them, kept in a file beside the lineage cache so that a second
//! whole-history job reads them instead of walking every commit again.
//!
//! Walking 200,000 commits (100,000 records) takes about as long as
//! `git log` over them, a second or more; the records it yields depend
//! only on the commits reachable from the tip, which git names by id. A
//! file keeps the records of one complete walk and what it started from:
//!
//! - the same tip (and no change to `.git/shallow` or `.git/info/grafts`,
//!   which change what a commit's parents are read as): the file is the walk;
//! - a tip the cached one is reached from by single-parent commits only
//!   (new commits on top, as the client makes them): those few commits are
//!   walked and their records put before the file's. With one parent each,
//!   the walk's queue holds one commit at a time down to the cached tip,
//!   so the order is the one a whole walk gives. A merge, a commit older
//!   than the cached tip, or a chain that never reaches it: walked whole;
//! - anything else (another repository at the same path, history
//!   rewritten, a file that is damaged, truncated, or from another version
//!   or build of the walk): walked whole and overwritten.
//!
//! A walk that could not read the whole history (a shallow boundary, a
//! missing commit) is never stored. Little-endian, `v` a LEB128 varint, `s`
//! a varint length and the bytes:
//!
//! ```text
//! magic "GTMWALK\n"  version u32
//! fingerprint u64    identity s (repository, rev)
//! grafts s           (what .git/shallow and .git/info/grafts held)
//! tip 20 bytes       tip time i64
//! commits v          records v
//! rows               (Rows::write_to)
//! checksum u64 of every byte before it
//! ```
//!
//! The file is untrusted as the repository is: nothing is used before the
//! checksum matches, every read is bounds-checked, and a bad file is
//! walked again, never a panic. The repository is only read.

use std::path::PathBuf;

use git2::Oid;

use super::walk::row_of;
use super::{Packer, Project, RepoError, Rows, WalkStats};
use crate::bytes::{Reader, put_bytes, put_var};
use crate::lineage::{CachePolicy, Miss, checksum, file_name, fingerprint_of, write_file};

/// The first bytes of every walk cache file.
const MAGIC: &[u8; 8] = b"GTMWALK\n";

/// Bumped whenever the layout above changes.
pub const WALK_FORMAT_VERSION: u32 = 1;

/// What the walk cache did for one read of the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WalkStatus {
    /// No cache asked for.
    Off,
    /// The file held this walk.
    Hit,
    /// The file held the walk from an older tip: `commits` new commits
    /// walked, `records` of them records.
    Extended { commits: usize, records: usize },
    /// Walked whole, for this reason (`OtherHistory` also when the tip
    /// moved in a way that is not new single-parent commits on top).
    Built(Miss),
}

/// [`WalkStatus`] and the file involved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkReport {
    pub status: WalkStatus,
    /// The file for this repository and rev (`None` when off).
    pub file: Option<PathBuf>,
    /// Whether the file was (re)written.
    pub written: bool,
}

/// One file's content once read.
struct Cached {
    grafts: Vec<u8>,
    tip: Oid,
    tip_time: i64,
    commits: usize,
    records: usize,
    rows: Rows,
}

impl Project {
    /// [`Project::packed_records_with_stats`], through the walk cache
    /// `policy` names: the same records and counts.
    pub fn packed_records_cached(
        &self,
        policy: &CachePolicy,
    ) -> Result<(Rows, WalkStats), RepoError> {
        let (rows, stats, _) = self.packed_records_reporting(policy)?;
        Ok((rows, stats))
    }

    /// [`Project::packed_records_cached`], saying what the cache did.
    pub fn packed_records_reporting(
        &self,
        policy: &CachePolicy,
    ) -> Result<(Rows, WalkStats, WalkReport), RepoError> {
        let CachePolicy::Dir(dir) = policy else {
            let (rows, stats) = self.packed_records_with_stats()?;
            let report = WalkReport {
                status: WalkStatus::Off,
                file: None,
                written: false,
            };
            return Ok((rows, stats, report));
        };
        let identity = self.walk_identity();
        let file = dir.join(file_name(&identity, "rows"));
        let grafts = self.grafts();
        let fingerprint = walk_fingerprint();
        let cached = match std::fs::read(&file) {
            Ok(bytes) => decode(&bytes, fingerprint, &identity),
            Err(_) => Err(Miss::Absent),
        }
        .and_then(|c| {
            if c.grafts == grafts {
                Ok(c)
            } else {
                Err(Miss::OtherHistory)
            }
        });
        let (rows, stats, status) = match cached {
            Ok(c) if c.tip == self.tip => {
                let stats = WalkStats {
                    commits: c.commits,
                    records: c.records,
                    incomplete: None,
                };
                let report = WalkReport {
                    status: WalkStatus::Hit,
                    file: Some(file),
                    written: false,
                };
                return Ok((c.rows, stats, report));
            }
            Ok(c) => match self.chain_down_to(c.tip, c.tip_time, &grafts) {
                Some((mut rows, commits)) => {
                    let records = rows.len();
                    let stats = WalkStats {
                        commits: c.commits.saturating_add(commits),
                        records: c.records.saturating_add(records),
                        incomplete: None,
                    };
                    rows.append(c.rows);
                    (rows, stats, WalkStatus::Extended { commits, records })
                }
                None => {
                    drop(c);
                    let (rows, stats) = self.packed_records_with_stats()?;
                    (rows, stats, WalkStatus::Built(Miss::OtherHistory))
                }
            },
            Err(miss) => {
                let (rows, stats) = self.packed_records_with_stats()?;
                (rows, stats, WalkStatus::Built(miss))
            }
        };
        // Only a whole history is worth keeping (and only a whole one is
        // what a later walk would read).
        let written = stats.incomplete.is_none()
            && self.tip_time().is_some_and(|tip_time| {
                let bytes = encode(
                    fingerprint,
                    &identity,
                    &grafts,
                    (self.tip, tip_time),
                    &stats,
                    &rows,
                );
                write_file(dir, &file, &bytes)
            });
        let report = WalkReport {
            status,
            file: Some(file),
            written,
        };
        Ok((rows, stats, report))
    }

    /// The records of the commits from the tip down to `old` (not
    /// included), packed newest first, and how many commits that was, when
    /// every one of them has a single parent and is no older than `old`
    /// (`old_time`); `None` otherwise, and when a grafts or shallow file is
    /// there at all (either can cut a commit from its parents).
    fn chain_down_to(&self, old: Oid, old_time: i64, grafts: &[u8]) -> Option<(Rows, usize)> {
        if grafts != NO_GRAFTS {
            return None;
        }
        let repo = self.repo();
        let mut packer = Packer::default();
        let mut commits = 0usize;
        let mut id = self.tip;
        while id != old {
            let commit = repo.find_commit(id).ok()?;
            if commit.parent_count() != 1 || commit.time().seconds() < old_time {
                return None;
            }
            commits += 1;
            if let Some(row) = row_of(&commit) {
                packer.push(&row);
            }
            id = commit.parent_id(0).ok()?;
        }
        Some((packer.take(), commits))
    }

    fn tip_time(&self) -> Option<i64> {
        let commit = self.repo().find_commit(self.tip).ok()?;
        Some(commit.time().seconds())
    }

    /// Which walk a file is for: the repository's git directory (as
    /// canonical a path as the system gives) and the rev asked for. The
    /// file is named by its hash and holds it whole, checked on load.
    fn walk_identity(&self) -> Vec<u8> {
        let git_dir = self.repo().path();
        let git_dir = std::fs::canonicalize(git_dir).unwrap_or_else(|_| git_dir.to_path_buf());
        let mut id = b"walk\0repository\0".to_vec();
        id.extend_from_slice(git_dir.as_os_str().as_encoded_bytes());
        id.extend_from_slice(b"\0rev\0");
        id.extend_from_slice(self.rev.as_bytes());
        id
    }

    /// What `.git/shallow` and `.git/info/grafts` hold, each marked as
    /// absent or present: they change which parents a commit is read with.
    fn grafts(&self) -> Vec<u8> {
        let git_dir = self.repo().path();
        let mut out = Vec::new();
        for name in ["shallow", "info/grafts"] {
            out.extend_from_slice(name.as_bytes());
            match std::fs::read(git_dir.join(name)) {
                Ok(bytes) => {
                    out.extend_from_slice(b"\0present\0");
                    out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
                    out.extend_from_slice(&bytes);
                }
                Err(_) => out.extend_from_slice(b"\0absent\0"),
            }
        }
        out
    }
}

/// [`Project::grafts`] of a repository with neither file.
const NO_GRAFTS: &[u8] = b"shallow\0absent\0info/grafts\0absent\0";

/// The walk and record-parsing code this build runs, hashed: a file
/// written by a build that reads records differently is not used.
fn walk_fingerprint() -> u64 {
    const SOURCES: &[&[u8]] = &[
        include_bytes!("walk_cache.rs"),
        include_bytes!("walk.rs"),
        include_bytes!("rows.rs"),
        include_bytes!("idtable.rs"),
        include_bytes!("mod.rs"),
        include_bytes!("../../../format/src/activity/mod.rs"),
        include_bytes!("../../../format/src/activity/record.rs"),
        include_bytes!("../../../format/src/activity/kinds.rs"),
        include_bytes!("../../../format/src/activity/key.rs"),
        include_bytes!("../../../format/src/activity/detail.rs"),
        include_bytes!("../bytes.rs"),
    ];
    fingerprint_of(SOURCES)
}

/// The file's bytes for the walk from `tip` (id, commit time).
fn encode(
    fingerprint: u64,
    identity: &[u8],
    grafts: &[u8],
    tip: (Oid, i64),
    stats: &WalkStats,
    rows: &Rows,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(rows.heap_bytes() + 256);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&WALK_FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&fingerprint.to_le_bytes());
    put_bytes(&mut out, identity);
    put_bytes(&mut out, grafts);
    out.extend_from_slice(tip.0.as_bytes());
    out.extend_from_slice(&tip.1.to_le_bytes());
    put_var(&mut out, stats.commits as u64);
    put_var(&mut out, stats.records as u64);
    rows.write_to(&mut out);
    let sum = checksum(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}

/// A file's content, if it is whole, of this format and build, and for
/// this identity; why not otherwise.
fn decode(bytes: &[u8], fingerprint: u64, identity: &[u8]) -> Result<Cached, Miss> {
    let body_len = bytes.len().checked_sub(8).ok_or(Miss::Damaged)?;
    let (body, sum) = bytes.split_at_checked(body_len).ok_or(Miss::Damaged)?;
    let mut r = Reader(body);
    if r.take(MAGIC.len()).ok_or(Miss::Damaged)? != MAGIC {
        return Err(Miss::Damaged);
    }
    let version = r.u32().ok_or(Miss::Damaged)?;
    let sum = <[u8; 8]>::try_from(sum).map_err(|_| Miss::Damaged)?;
    if checksum(body) != u64::from_le_bytes(sum) {
        return Err(Miss::Damaged);
    }
    let built = r.u64().ok_or(Miss::Damaged)?;
    if version != WALK_FORMAT_VERSION || built != fingerprint {
        return Err(Miss::OtherFormat);
    }
    if r.bytes().ok_or(Miss::Damaged)? != identity {
        return Err(Miss::OtherRepository);
    }
    read_walk(&mut r).ok_or(Miss::Damaged)
}

/// Everything after the identity.
fn read_walk(r: &mut Reader) -> Option<Cached> {
    let grafts = r.bytes()?.to_vec();
    let tip = Oid::from_bytes(r.take(20)?).ok()?;
    let tip_time = i64::from_le_bytes(r.array::<8>()?);
    let commits = r.size()?;
    let records = r.size()?;
    let rows = Rows::read_from(&mut r.0)?;
    // The counts say what the rows hold; nothing may follow them.
    (rows.len() == records && records <= commits && r.0.is_empty()).then_some(Cached {
        grafts,
        tip,
        tip_time,
        commits,
        records,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::parse_message;
    use crate::repo::RecordRow;

    fn sample() -> (Rows, WalkStats) {
        let rows: Vec<RecordRow> = (0..300u16)
            .map(|n| RecordRow {
                commit: Oid::from_bytes(&[(n % 251) as u8; 20]).unwrap(),
                time: 1_550_000_000 - i64::from(n),
                tz_minutes: -330,
                author: format!("user{}", n % 3),
                email: format!("user{}@example.org", n % 3),
                record: parse_message(
                    format!(
                        "_GTM_ACTIVITY_START_**\nmsg:Executed cell in notebook code/a{n}.ipynb**\nmetadata:{{\"show\":true,\"importance\":255,\"type\":2,\"linked_commit\":\"abcd\",\"tags\":[\"ünï\"]}}**\ndetails:**\n3,1,0,log_short,4**\n_GTM_ACTIVITY_END_"
                    )
                    .as_bytes(),
                )
                .unwrap(),
            })
            .collect();
        let mut packed = Rows::new();
        // Chunks of several sizes, as an extended file has them.
        for part in rows.chunks(97) {
            packed.extend(part);
        }
        let stats = WalkStats {
            commits: 600,
            records: 300,
            incomplete: None,
        };
        (packed, stats)
    }

    fn file() -> Vec<u8> {
        let (rows, stats) = sample();
        let tip = (Oid::from_bytes(&[7; 20]).unwrap(), -5);
        encode(9, b"repo", NO_GRAFTS, tip, &stats, &rows)
    }

    fn rows_of(rows: &Rows) -> Vec<RecordRow> {
        rows.iter().map(|r| r.to_row()).collect()
    }

    #[test]
    fn a_file_reads_back_as_written() {
        let (rows, _) = sample();
        let c = decode(&file(), 9, b"repo")
            .map_err(|m| format!("{m:?}"))
            .unwrap();
        assert_eq!(rows_of(&c.rows), rows_of(&rows));
        assert_eq!((c.commits, c.records, c.tip_time), (600, 300, -5));
        assert_eq!(c.grafts, NO_GRAFTS);
        assert_eq!(decode(&file(), 8, b"repo").err(), Some(Miss::OtherFormat));
        assert_eq!(
            decode(&file(), 9, b"other").err(),
            Some(Miss::OtherRepository)
        );
    }

    #[test]
    fn every_truncation_and_some_flipped_bytes_are_refused() {
        let good = file();
        for n in 0..good.len() {
            assert!(decode(good.get(..n).unwrap(), 9, b"repo").is_err(), "{n}");
        }
        for i in (0..good.len()).step_by(7) {
            let mut bad = good.clone();
            bad[i] ^= 0x41;
            assert!(decode(&bad, 9, b"repo").is_err(), "byte {i}");
        }
    }

    #[test]
    fn garbage_with_a_valid_checksum_reads_without_panicking() {
        // Random bodies behind the right header, sealed with a matching
        // checksum: refused, or rows that read back without a panic.
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let good = file();
        let body = good.get(..good.len() - 8).unwrap();
        for round in 0..3000 {
            let mut bad = body.to_vec();
            if round % 2 == 0 {
                let cut = 16 + (next() as usize) % (bad.len() - 16);
                bad.truncate(cut);
                bad.extend((0..next() % 64).map(|_| next() as u8));
            } else {
                for _ in 0..1 + next() % 8 {
                    let i = 20 + (next() as usize) % (bad.len() - 20);
                    bad[i] = next() as u8;
                }
            }
            let sum = checksum(&bad);
            bad.extend_from_slice(&sum.to_le_bytes());
            if let Ok(c) = decode(&bad, 9, b"repo") {
                for r in c.rows.iter() {
                    let _ = (r.to_row(), r.kind(), r.tags().count(), r.details().count());
                }
                let _ = c.rows.get(c.rows.len());
            }
        }
    }

    #[test]
    fn file_names_are_stable_and_per_identity() {
        assert_eq!(file_name(b"a", "rows"), file_name(b"a", "rows"));
        assert_ne!(file_name(b"a", "rows"), file_name(b"b", "rows"));
        assert!(file_name(b"a", "rows").ends_with(".rows"));
        assert_eq!(walk_fingerprint(), walk_fingerprint());
    }
}
