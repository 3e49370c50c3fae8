//! Streaming walk over a ref's history, newest first, yielding activity records.

use std::collections::{BinaryHeap, HashSet};

use git2::{Commit, Oid};

use super::{Project, RepoError};
use crate::activity::{Record, parse_message};

/// One activity record with its commit's facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRow {
    pub commit: Oid,
    /// Commit time, unix seconds.
    pub time: i64,
    /// The author's offset from UTC in minutes.
    pub tz_minutes: i32,
    pub author: String,
    pub email: String,
    pub record: Record,
}

/// Counts from a finished walk.
#[derive(Debug, Clone, Default)]
pub struct WalkStats {
    pub commits: usize,
    pub records: usize,
    /// Set when the walk could not reach the whole history (a shallow or damaged clone).
    pub incomplete: Option<String>,
}

/// The record in a commit, if the commit is an activity commit.
pub(crate) fn row_of(commit: &Commit) -> Option<RecordRow> {
    let mut record = parse_message(commit.message_raw_bytes())?;
    // The details were pushed one by one, so the vector has room for about
    // twice as many; rows are kept for the whole session (the TUI holds
    // every one), and the spare room was a fifth of their memory.
    record.details.shrink_to_fit();
    let author = commit.author();
    let time = commit.time();
    Some(RecordRow {
        commit: commit.id(),
        time: time.seconds(),
        tz_minutes: time.offset_minutes(),
        author: String::from_utf8_lossy(author.name_bytes()).into_owned(),
        email: String::from_utf8_lossy(author.email_bytes()).into_owned(),
        record,
    })
}

/// A commit waiting in the walk's queue: newest commit time first, and among
/// equal times the one queued first.
struct Queued<'r> {
    time: i64,
    seq: u64,
    commit: Commit<'r>,
}

impl PartialEq for Queued<'_> {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}
impl Eq for Queued<'_> {}
impl PartialOrd for Queued<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Queued<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.time
            .cmp(&other.time)
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

impl Project {
    /// Walks the history of the ref newest first, calling `each` for every
    /// activity record as soon as it is read; `each` returns false to stop.
    ///
    /// The order is git log's default: a queue by commit time. Unlike
    /// libgit2's sorted revwalk, which reads the whole history before
    /// yielding anything, this yields the first record at once; and each
    /// commit is read only once.
    pub fn walk(&self, mut each: impl FnMut(RecordRow) -> bool) -> Result<WalkStats, RepoError> {
        let mut records = 0;
        let mut stats = self.walk_commits(|commit| match row_of(commit) {
            Some(row) => {
                records += 1;
                each(row)
            }
            None => true,
        })?;
        stats.records = records;
        Ok(stats)
    }

    /// Every commit of the ref's history in the order of [`Project::walk`], each read once;
    /// `each` returns false to stop. `records` in the counts is left 0.
    pub fn walk_commits(
        &self,
        mut each: impl FnMut(&Commit) -> bool,
    ) -> Result<WalkStats, RepoError> {
        let repo = self.repo();
        let tip = repo
            .find_commit(self.tip)
            .map_err(|e| RepoError::git(format!("reading commit {}", self.tip), e))?;
        let mut stats = WalkStats::default();
        // A shallow clone's boundary commits: libgit2 reads them without parents.
        let shallow: HashSet<Oid> = std::fs::read_to_string(repo.path().join("shallow"))
            .map(|s| {
                s.lines()
                    .filter_map(|l| Oid::from_str(l.trim()).ok())
                    .collect()
            })
            .unwrap_or_default();
        // Kept as ids in an array with a table of 32-bit slots: 25 to 31 bytes
        // a commit, where a HashSet<Oid> took 24 to 48 and half as much again
        // while doubling.
        let mut seen = super::idtable::IdSet::default();
        seen.insert(self.tip);
        let mut queue = BinaryHeap::new();
        let mut seq = 0u64;
        queue.push(Queued {
            time: tip.time().seconds(),
            seq,
            commit: tip,
        });
        while let Some(Queued { commit, .. }) = queue.pop() {
            stats.commits += 1;
            if shallow.contains(&commit.id()) {
                stats.incomplete.get_or_insert_with(|| {
                    format!(
                        "shallow clone: the parents of {} were not fetched",
                        commit.id()
                    )
                });
            }
            // With nothing else queued, a single parent is reached by this
            // one path only: every later commit is its ancestor. Not keeping
            // it in `seen` keeps a linear history's walk from holding the id
            // of every commit (44 bytes a record at 500,000 records).
            let only_path = queue.is_empty() && commit.parent_count() == 1;
            for parent in commit.parent_ids() {
                let first = if only_path {
                    !seen.contains(parent)
                } else {
                    seen.insert(parent)
                };
                if !first {
                    continue;
                }
                match repo.find_commit(parent) {
                    Ok(c) => {
                        seq += 1;
                        queue.push(Queued {
                            time: c.time().seconds(),
                            seq,
                            commit: c,
                        });
                    }
                    // A shallow or damaged clone misses parents: keep what can be read.
                    Err(e) => {
                        stats.incomplete.get_or_insert_with(|| {
                            // libgit2 skips a pack that does not match its index and
                            // says only "not found": name the pack, as git would.
                            let cause = super::damaged_pack(repo)
                                .map_or(String::new(), |c| format!(" ({c})"));
                            format!("parent {parent} of {}: {}{cause}", commit.id(), e.message())
                        });
                    }
                }
            }
            if !each(&commit) {
                break;
            }
        }
        Ok(stats)
    }

    /// What the ref points at now, read again from disk (the user may still
    /// be working in the project); `None` when it no longer resolves.
    pub fn current_tip(&self) -> Option<Oid> {
        self.repo()
            .revparse_single(&self.rev)
            .and_then(|o| o.peel_to_commit())
            .ok()
            .map(|c| c.id())
    }

    /// The commits reachable from `new` but not from `old`, newest first;
    /// `None` when `old` is not an ancestor of `new` (the history was
    /// rewritten, so what was read from `old` may also have gone).
    pub fn commits_since<'r>(
        &'r self,
        new: Oid,
        old: Oid,
    ) -> Result<Option<Vec<git2::Commit<'r>>>, RepoError> {
        let repo = self.repo();
        if new == old {
            return Ok(Some(Vec::new()));
        }
        let descends = repo
            .graph_descendant_of(new, old)
            .map_err(|e| RepoError::git(format!("comparing {new} with {old}"), e))?;
        if !descends {
            return Ok(None);
        }
        // Hiding `old` stops the walk where the known history begins (a
        // merge's other side included), so only the few new commits are read.
        let mut walk = repo
            .revwalk()
            .map_err(|e| RepoError::git("starting a walk".to_string(), e))?;
        walk.set_sorting(git2::Sort::TIME)
            .map_err(|e| RepoError::git("sorting a walk".to_string(), e))?;
        walk.push(new)
            .map_err(|e| RepoError::git(format!("walking from {new}"), e))?;
        walk.hide(old)
            .map_err(|e| RepoError::git(format!("hiding {old}"), e))?;
        let mut commits = Vec::new();
        for id in walk {
            let id = id.map_err(|e| RepoError::git("walking new commits".to_string(), e))?;
            commits.push(
                repo.find_commit(id)
                    .map_err(|e| RepoError::git(format!("reading commit {id}"), e))?,
            );
        }
        Ok(Some(commits))
    }

    /// The records reachable from `new` but not from `old`, newest first;
    /// `None` when `old` is not an ancestor of `new` (see [`Project::commits_since`]).
    pub fn records_since(&self, new: Oid, old: Oid) -> Result<Option<Vec<RecordRow>>, RepoError> {
        Ok(self
            .commits_since(new, old)?
            .map(|commits| commits.iter().filter_map(row_of).collect()))
    }

    /// Every record, newest first.
    pub fn records(&self) -> Result<Vec<RecordRow>, RepoError> {
        Ok(self.records_with_stats()?.0)
    }

    /// Every record, newest first, packed as it is read (as the timeline
    /// keeps them: a few hundred bytes a record where a `RecordRow` takes
    /// about a kilobyte), with the walk's counts.
    pub fn packed_records_with_stats(&self) -> Result<(super::Rows, WalkStats), RepoError> {
        let mut packer = super::Packer::default();
        let stats = self.walk(|r| {
            packer.push(&r);
            true
        })?;
        Ok((packer.take(), stats))
    }

    /// Every record, newest first, with the walk's counts (which say when
    /// the history could not be read whole).
    pub fn records_with_stats(&self) -> Result<(Vec<RecordRow>, WalkStats), RepoError> {
        let mut rows = Vec::new();
        let stats = self.walk(|r| {
            rows.push(r);
            true
        })?;
        Ok((rows, stats))
    }
}

/// The first seven hex digits of an id.
pub fn short(oid: Oid) -> String {
    let mut s = oid.to_string();
    s.truncate(7);
    s
}
