//! Streaming walk over a ref's history, newest first, yielding activity records.

use git2::{Commit, Oid, Sort};

use super::{Project, RepoError};
use crate::activity::{Record, parse_message};

/// One activity record with its commit's facts.
#[derive(Debug, Clone)]
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
    let record = parse_message(commit.message_raw_bytes())?;
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

impl Project {
    /// Walks the history of the ref, newest first (commit time order, as
    /// `git log` shows it), calling `each` for every activity record as soon
    /// as it is read. `each` returns false to stop early.
    pub fn walk(&self, mut each: impl FnMut(RecordRow) -> bool) -> Result<WalkStats, RepoError> {
        let repo = self.repo();
        let mut walk = repo
            .revwalk()
            .map_err(|e| RepoError::git("starting the walk", e))?;
        walk.set_sorting(Sort::TIME)
            .map_err(|e| RepoError::git("sorting the walk", e))?;
        walk.push(self.tip)
            .map_err(|e| RepoError::git(format!("walking from {}", self.tip), e))?;
        let mut stats = WalkStats::default();
        for oid in walk {
            // A shallow or damaged clone can miss parents: stop there, keep what was read.
            let oid = match oid {
                Ok(oid) => oid,
                Err(e) => {
                    stats.incomplete = Some(e.message().to_string());
                    break;
                }
            };
            stats.commits += 1;
            let commit = match repo.find_commit(oid) {
                Ok(c) => c,
                Err(e) => {
                    stats.incomplete = Some(format!("commit {oid}: {}", e.message()));
                    continue;
                }
            };
            if let Some(row) = row_of(&commit) {
                stats.records += 1;
                if !each(row) {
                    break;
                }
            }
        }
        Ok(stats)
    }

    /// Every record, newest first.
    pub fn records(&self) -> Result<Vec<RecordRow>, RepoError> {
        let mut rows = Vec::new();
        self.walk(|r| {
            rows.push(r);
            true
        })?;
        Ok(rows)
    }
}

/// The first seven hex digits of an id.
pub fn short(oid: Oid) -> String {
    let mut s = oid.to_string();
    s.truncate(7);
    s
}
