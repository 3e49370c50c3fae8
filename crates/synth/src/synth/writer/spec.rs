//! What callers ask the writer for (records, details, links) and what it reports back (written records, the finished project).

use std::path::PathBuf;

use git2::Oid;

use crate::activity::detail::EntryOut;
use crate::activity::key::DetailKey;
use crate::activity::record::RecordMeta;

/// Where a record's `linked_commit` points.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Linked {
    /// The auto-commit made for this record; when nothing was staged, the
    /// current head (the activity commit's parent), or "" before any commit.
    #[default]
    AutoCommit,
    /// A fresh pseudo-random 32-hex uuid (notes did this).
    Uuid,
    /// `""`.
    Empty,
    /// This exact string.
    Hash(String),
}

/// The true identity of the cell (or console chunk) a code-execution detail came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CellRef {
    /// `code/x.ipynb`, or `console` for RStudio console work.
    pub notebook: String,
    /// Stable id of the cell over all its runs and edits.
    pub cell: u64,
}

/// A retry streak the workload planted (see `Workload::streaks`): one cell
/// run again and again within minutes, each time with a small edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlantedStreak {
    pub cell: CellRef,
    /// The recorded runs, oldest first, by (activity commit, `ex:<n>` tag).
    pub runs: Vec<(Oid, String)>,
    /// Attempts that raised an error the kernel did not catch: the client
    /// recorded nothing for them, only their execution counts are missing.
    pub unrecorded: usize,
    /// Recorded runs whose output holds a traceback.
    pub errors: usize,
    /// Times of the first and last recorded run.
    pub first: i64,
    pub last: i64,
}

/// One detail of a record to write.
#[derive(Debug, Clone)]
pub enum DetailSpec {
    /// A detail object appended to the current family's log file, and its line.
    Object {
        type_id: i64,
        show: bool,
        importance: i64,
        /// 0 none, 1 create, 2 edit, 3 delete, 4 execute (not written in legacy mode).
        action: i64,
        /// `a` in the value (not written in legacy mode).
        tags: Vec<String>,
        /// MIME type → serialized bytes (before compression and base64).
        entries: Vec<EntryOut>,
        /// `None`: the client rule (compress when the entries total ≥ 4000 bytes).
        compress: Option<bool>,
        /// Truth for code executions: which cell this came from (not written anywhere).
        cell: Option<CellRef>,
    },
    /// A detail line written verbatim into the message; nothing is appended to a log.
    RawLine(String),
}

impl DetailSpec {
    /// A shown, importance-0 object with one entry.
    pub fn text(type_id: i64, action: i64, mime: &str, bytes: impl Into<Vec<u8>>) -> Self {
        DetailSpec::Object {
            type_id,
            show: true,
            importance: 0,
            action,
            tags: Vec::new(),
            entries: vec![EntryOut {
                mime: mime.to_string(),
                bytes: bytes.into(),
            }],
            compress: None,
            cell: None,
        }
    }
}

/// One record to write.
#[derive(Debug, Clone)]
pub struct RecordSpec {
    pub message: String,
    pub type_id: i64,
    pub show: bool,
    pub importance: i64,
    pub tags: Vec<String>,
    pub linked: Linked,
    /// In this order both in the log file and in the message.
    pub details: Vec<DetailSpec>,
}

impl RecordSpec {
    /// A shown, importance-0 record without tags or details, linked to its auto-commit.
    pub fn new(type_id: i64, message: impl Into<String>) -> Self {
        RecordSpec {
            message: message.into(),
            type_id,
            show: true,
            importance: 0,
            tags: Vec::new(),
            linked: Linked::AutoCommit,
            details: Vec::new(),
        }
    }
}

/// What [`ProjectWriter::record`](super::ProjectWriter::record) wrote.
#[derive(Debug, Clone)]
pub struct RecordIds {
    /// The auto-commit, made only when files were staged.
    pub auto: Option<Oid>,
    pub activity: Oid,
    /// Keys of the `Object` details, in order (raw lines have none).
    pub keys: Vec<String>,
}

/// The truth about one detail line written.
#[derive(Debug, Clone)]
pub struct WrittenDetail {
    /// The line exactly as in the message.
    pub line: String,
    /// `None` for raw lines.
    pub key: Option<DetailKey>,
    pub type_id: i64,
    pub show: bool,
    pub importance: i64,
    /// Action as given (legacy values do not store it, their lines read as 0).
    pub action: i64,
    pub tags: Vec<String>,
    /// Serialized bytes per MIME type, before compression and base64.
    pub entries: Vec<EntryOut>,
    pub compressed: bool,
    pub legacy: bool,
    pub cell: Option<CellRef>,
}

/// The truth about one record written.
#[derive(Debug, Clone)]
pub struct WrittenRecord {
    pub activity: Oid,
    pub auto: Option<Oid>,
    /// Branch the activity commit was made on.
    pub branch: String,
    pub author: String,
    pub email: String,
    /// Commit time of the activity commit (unix seconds) and its offset in minutes.
    pub time: i64,
    pub tz_minutes: i32,
    /// The one-line `msg:`.
    pub message: String,
    /// Metadata as written (`linked_commit` resolved).
    pub meta: RecordMeta,
    /// The whole commit message.
    pub commit_message: String,
    pub details: Vec<WrittenDetail>,
}

impl WrittenRecord {
    /// The cells of the code executions in this record, in detail order, without repeats.
    pub fn cells(&self) -> Vec<&CellRef> {
        let mut out: Vec<&CellRef> = Vec::new();
        for c in self.details.iter().filter_map(|d| d.cell.as_ref()) {
            if !out.contains(&c) {
                out.push(c);
            }
        }
        out
    }
}

/// What [`ProjectWriter::finish`](super::ProjectWriter::finish) wrote: the repository and the truth about it.
#[derive(Debug, Clone)]
pub struct Written {
    pub path: PathBuf,
    pub bare: bool,
    /// Every record written by `record`, in the order written.
    pub records: Vec<WrittenRecord>,
    /// Commits made by `raw_commit`.
    pub raw_commits: Vec<Oid>,
    /// The family names `log_<32 hex>`, by index.
    pub families: Vec<String>,
    /// Branches with at least one commit, and their heads.
    pub branches: Vec<(String, Oid)>,
    /// The branch `HEAD` points at, and its commit.
    pub head_branch: String,
    pub head: Option<Oid>,
    pub commits: usize,
    /// Objects in the pack.
    pub objects: usize,
    /// Retry streaks the workload planted, in the order written (empty
    /// unless `Workload::streaks` asked for some).
    pub streaks: Vec<PlantedStreak>,
}

impl Written {
    /// The records written on one branch.
    pub fn on_branch<'a>(
        &'a self,
        branch: &'a str,
    ) -> impl Iterator<Item = &'a WrittenRecord> + 'a {
        self.records.iter().filter(move |r| r.branch == branch)
    }
}
