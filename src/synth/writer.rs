//! `ProjectWriter`: a low-level builder of Gigantum projects (records, detail objects in rotating log files, auto-commits, branches, merges) written straight into one packfile.
//!
//! Every user action becomes, as with the Gigantum client, an optional
//! "Auto-commit from activity monitoring" holding the staged file changes,
//! then the activity commit whose message is the record
//! ([`Record::to_message`]) and whose tree also holds the log file with the
//! record's detail objects appended (20-byte [`DetailKey::header`] + the
//! value from [`encode_value`]). Tests use the writer to craft exact
//! situations, broken ones included ([`DetailSpec::RawLine`],
//! [`ProjectWriter::append_raw`], [`ProjectWriter::raw_commit`]).
//!
//! Objects go through [`PackWriter`]; nothing touches the disk until
//! [`ProjectWriter::finish`], which creates the repository, writes the pack,
//! the refs, `HEAD` and (non-bare) a checkout. Mistakes made while building
//! (an unknown branch, a bad path…) are remembered and reported by `finish`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use git2::{ObjectType, Oid, Repository};

use super::pack::{EntryMode, PackError, PackWriter};
use super::workload::Rng;
use crate::activity::detail::{EntryOut, encode_value};
use crate::activity::key::{DetailKey, HEADER_LEN};
use crate::activity::record::{DetailRef, END, Record, RecordMeta, SEP};

/// Message of the commit holding the user's file changes before a record.
pub const AUTO_COMMIT_MESSAGE: &str = "Auto-commit from activity monitoring";
/// The client started a new log file after about this many bytes.
pub const CLIENT_ROTATE_BYTES: u64 = 8 * 1024 * 1024;
/// Details whose entries serialize to at least this many bytes are Blosc-compressed.
pub const COMPRESS_THRESHOLD: usize = 4000;
/// Where the detail log files live.
pub const LOG_DIR: &str = ".gigantum/activity/log";
/// The branch `HEAD` points at.
pub const DEFAULT_BRANCH: &str = "master";

/// Why a project could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("git error: {0}")]
    Git(#[from] git2::Error),
    #[error("pack error: {0}")]
    Pack(#[from] PackError),
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    #[error("no branch named {0:?}")]
    UnknownBranch(String),
    #[error("branch {0:?} already exists")]
    BranchExists(String),
    #[error("cannot merge {from:?} into {into:?}: {why}")]
    Merge {
        from: String,
        into: String,
        why: String,
    },
    #[error("family index {index} is out of range ({count} families)")]
    Family { index: usize, count: usize },
    #[error(
        "bad path {0:?}: must be relative, without empty, `.` or `..` parts, and not under .git"
    )]
    BadPath(String),
}

/// How a project is set up.
#[derive(Debug, Clone)]
pub struct WriterOptions {
    /// Project name (`name` in project.yaml).
    pub name: String,
    pub description: String,
    /// Owner user name (only in the old labbook.yaml).
    pub owner: String,
    /// Write the old `.gigantum/labbook.yaml` instead of `project.yaml`.
    pub labbook_yaml: bool,
    /// Four-field detail lines and values without `a`/`n` (see [`ProjectWriter::set_legacy`]).
    pub legacy: bool,
    /// Start a new log file once the current one would grow past this (client: 8 MB).
    pub rotate_bytes: u64,
    /// Number of checkout families (`log_<32 hex>`), at least 1.
    pub families: usize,
    /// Seeds the family names, the project id and the uuids of `Linked::Uuid`.
    pub seed: u64,
    /// `git init --bare` instead of a repository with a checked-out work tree.
    pub bare: bool,
    /// Stage project.yaml (or labbook.yaml), `.gitignore` and the `.gitkeep`
    /// files of code/, input/, output/ so that the first commit holds them.
    pub skeleton: bool,
    /// Time of the first commit (unix seconds); `created_on` in project.yaml.
    pub start_time: i64,
    /// `build_info` in project.yaml.
    pub build_info: String,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            name: "synthetic-project".into(),
            description: "A synthetic Gigantum project written by gtm-tui".into(),
            owner: "alice".into(),
            labbook_yaml: false,
            legacy: false,
            rotate_bytes: CLIENT_ROTATE_BYTES,
            families: 1,
            seed: 1,
            bare: false,
            skeleton: true,
            start_time: 1_551_708_000, // 2019-03-04 14:00 UTC (9:00 in New York)
            build_info: "Gigantum Client :: 1.1.0 :: 2019-02-20 :: 8c1cf0b2".into(),
        }
    }
}

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

/// What [`ProjectWriter::record`] wrote.
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

/// What [`ProjectWriter::finish`] wrote: the repository and the truth about it.
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

/// A file of the work tree.
#[derive(Debug, Clone)]
struct FileEntry {
    /// Blob id; `None` while the content has changed since it was last hashed.
    id: Option<Oid>,
    /// The last blob written for this path (the delta base of the next log version).
    last: Option<Oid>,
    mode: EntryMode,
    /// Content; dropped for log files that were rotated away.
    data: Option<Arc<Vec<u8>>>,
    /// An append-only log file: stored as a delta of its previous version.
    log: bool,
}

impl FileEntry {
    fn new(log: bool) -> Self {
        FileEntry {
            id: None,
            last: None,
            mode: EntryMode::File,
            data: Some(Arc::new(Vec::new())),
            log,
        }
    }

    fn blob(&mut self, pack: &mut PackWriter) -> Oid {
        if let Some(id) = self.id {
            return id;
        }
        let empty = Vec::new();
        let data = self.data.as_deref().unwrap_or(&empty);
        let base = if self.log { self.last } else { None };
        let id = pack.blob(data, base);
        self.id = Some(id);
        self.last = Some(id);
        id
    }

    fn len(&self) -> Option<usize> {
        self.data.as_ref().map(|d| d.len())
    }

    fn append(&mut self, bytes: &[u8]) {
        Arc::make_mut(self.data.get_or_insert_with(Default::default)).extend_from_slice(bytes);
        self.id = None;
    }
}

#[derive(Debug, Clone)]
enum Node {
    File(FileEntry),
    Dir(Dir),
}

/// A directory of the work tree with its tree id cached until something below changes.
#[derive(Debug, Clone, Default)]
struct Dir {
    entries: BTreeMap<String, Node>,
    id: Option<Oid>,
    /// The tree this directory was last written as: the next version is
    /// stored as a delta against it (or its base) where that pays.
    last: Option<Oid>,
    /// The entries as last written, reused so that rewriting a large
    /// directory (the log directory) allocates nothing.
    listing: Vec<(String, EntryMode, Oid)>,
}

impl Dir {
    fn file(&self, path: &str) -> Option<&FileEntry> {
        match path.split_once('/') {
            Some((head, rest)) => match self.entries.get(head)? {
                Node::Dir(d) => d.file(rest),
                Node::File(_) => None,
            },
            None => match self.entries.get(path)? {
                Node::File(f) => Some(f),
                Node::Dir(_) => None,
            },
        }
    }

    fn dir(&self, path: &str) -> Option<&Dir> {
        let mut d = self;
        for part in path.split('/') {
            match d.entries.get(part)? {
                Node::Dir(sub) => d = sub,
                Node::File(_) => return None,
            }
        }
        Some(d)
    }

    /// The file at `path` for changing it (creating it, and its directories,
    /// when `create`); drops the cached ids on the way.
    fn file_mut(&mut self, path: &str, create: Option<bool>) -> Option<&mut FileEntry> {
        self.id = None;
        match path.split_once('/') {
            Some((head, rest)) => {
                if create.is_some() && !self.entries.contains_key(head) {
                    self.entries
                        .insert(head.to_string(), Node::Dir(Dir::default()));
                }
                match self.entries.get_mut(head)? {
                    Node::Dir(d) => d.file_mut(rest, create),
                    Node::File(_) => None,
                }
            }
            None => {
                if let Some(log) = create
                    && !self.entries.contains_key(path)
                {
                    self.entries
                        .insert(path.to_string(), Node::File(FileEntry::new(log)));
                }
                match self.entries.get_mut(path)? {
                    Node::File(f) => Some(f),
                    Node::Dir(_) => None,
                }
            }
        }
    }

    /// Removes a file and the directories it leaves empty; false when it was not there.
    fn remove(&mut self, path: &str) -> bool {
        let removed = match path.split_once('/') {
            Some((head, rest)) => {
                let Some(Node::Dir(d)) = self.entries.get_mut(head) else {
                    return false;
                };
                let removed = d.remove(rest);
                if d.entries.is_empty() {
                    self.entries.remove(head);
                }
                removed
            }
            None => {
                matches!(self.entries.get(path), Some(Node::File(_)))
                    && self.entries.remove(path).is_some()
            }
        };
        if removed {
            self.id = None;
        }
        removed
    }

    fn write(&mut self, pack: &mut PackWriter) -> Oid {
        if let Some(id) = self.id {
            return id;
        }
        // Same names in the same order as last time: only the ids change.
        let mut same = self.listing.len() == self.entries.len();
        if same {
            for ((name, node), slot) in self.entries.iter_mut().zip(self.listing.iter_mut()) {
                if *name != slot.0 {
                    same = false;
                    break;
                }
                match node {
                    Node::File(f) => {
                        slot.1 = f.mode;
                        slot.2 = f.blob(pack);
                    }
                    Node::Dir(d) if d.entries.is_empty() => {
                        same = false;
                        break;
                    }
                    Node::Dir(d) => slot.2 = d.write(pack),
                }
            }
        }
        if !same {
            self.listing.clear();
            for (name, node) in &mut self.entries {
                match node {
                    Node::File(f) => self.listing.push((name.clone(), f.mode, f.blob(pack))),
                    Node::Dir(d) if d.entries.is_empty() => {}
                    Node::Dir(d) => {
                        self.listing
                            .push((name.clone(), EntryMode::Tree, d.write(pack)))
                    }
                }
            }
        }
        let id = pack.tree_like(&self.listing, self.last);
        self.id = Some(id);
        self.last = Some(id);
        id
    }

    /// A copy with ids only (no file contents), as a merge base.
    fn snapshot(&self) -> Dir {
        let entries = self
            .entries
            .iter()
            .map(|(name, node)| {
                let node = match node {
                    Node::File(f) => Node::File(FileEntry {
                        data: None,
                        ..f.clone()
                    }),
                    Node::Dir(d) => Node::Dir(d.snapshot()),
                };
                (name.clone(), node)
            })
            .collect();
        Dir {
            entries,
            id: self.id,
            last: self.last,
            listing: Vec::new(),
        }
    }
}

/// Kind and id of a written node.
fn node_id(node: Option<&Node>) -> Option<(bool, Option<Oid>)> {
    node.map(|n| match n {
        Node::File(f) => (false, f.id),
        Node::Dir(d) => (true, d.id),
    })
}

/// Three-way merge of written directories into `ours`: a side that changed
/// a path wins; when both changed it, directories merge recursively, a log
/// file that extends the other wins, otherwise `theirs` wins.
fn merge_dir(ours: &mut Dir, theirs: &Dir, base: Option<&Dir>) {
    let b = base.and_then(|b| b.id);
    if ours.id == theirs.id || theirs.id == b {
        return;
    }
    if ours.id == b {
        *ours = theirs.clone();
        return;
    }
    let mut names: Vec<String> = ours
        .entries
        .keys()
        .chain(theirs.entries.keys())
        .cloned()
        .collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        let bn = base.and_then(|b| b.entries.get(&name));
        let tn = theirs.entries.get(&name);
        let (o, t, b) = (node_id(ours.entries.get(&name)), node_id(tn), node_id(bn));
        if o == t || t == b {
            continue;
        }
        let take_theirs = if o == b {
            true
        } else {
            match (ours.entries.get_mut(&name), tn) {
                (Some(Node::Dir(od)), Some(Node::Dir(td))) => {
                    let bd = match bn {
                        Some(Node::Dir(bd)) => Some(bd),
                        _ => None,
                    };
                    merge_dir(od, td, bd);
                    false
                }
                (Some(Node::File(of)), Some(Node::File(tf))) => {
                    !matches!((of.data.as_deref(), tf.data.as_deref()),
                        (Some(od), Some(td)) if of.log && od.len() > td.len() && od.starts_with(td))
                }
                _ => true,
            }
        };
        if take_theirs {
            match tn {
                Some(node) => {
                    ours.entries.insert(name, node.clone());
                }
                None => {
                    ours.entries.remove(&name);
                }
            }
        }
    }
    ours.id = None;
}

#[derive(Debug, Clone, Default)]
struct Branch {
    head: Option<Oid>,
    work: Dir,
    /// Files changed since the last commit on this branch.
    dirty: bool,
    /// Current file number per family (a cache of the highest `_<N>` in `work`).
    log_tip: HashMap<String, u32>,
}

impl Branch {
    fn tip(&mut self, family: &str) -> u32 {
        if let Some(n) = self.log_tip.get(family) {
            return *n;
        }
        let prefix = format!("{family}_");
        let n = self
            .work
            .dir(LOG_DIR)
            .map(|d| {
                d.entries
                    .keys()
                    .filter_map(|k| k.strip_prefix(&prefix)?.parse::<u32>().ok())
                    .max()
                    .unwrap_or(0)
            })
            .unwrap_or(0);
        self.log_tip.insert(family.to_string(), n);
        n
    }
}

/// Builds a Gigantum project in memory (objects in a pack spool) and writes it with [`finish`](Self::finish).
pub struct ProjectWriter {
    opts: WriterOptions,
    pack: PackWriter,
    rng: Rng,
    families: Vec<String>,
    family: usize,
    legacy: bool,
    author: (String, String, i32),
    now: i64,
    branches: BTreeMap<String, Branch>,
    current: String,
    /// Files (path → blob id) of the last common state of two branches, by (smaller, larger) name.
    bases: HashMap<(String, String), Dir>,
    records: Vec<WrittenRecord>,
    raw_commits: Vec<Oid>,
    /// Commit objects whose message is not UTF-8 (the pack writer takes `&str`): written loose.
    loose: Vec<Vec<u8>>,
    commits: usize,
    error: Option<SynthError>,
}

impl ProjectWriter {
    /// A writer on branch `master` with no commit yet, author "Alice Example"
    /// (UTC-5) at `opts.start_time`; with `opts.skeleton` the project files
    /// are staged for the first commit.
    pub fn new(opts: WriterOptions) -> Self {
        let mut rng = Rng::new(opts.seed ^ 0x6774_6d2d_7475_6921);
        let families = (0..opts.families.max(1))
            .map(|_| format!("log_{}", rng.hex32()))
            .collect();
        let mut branches = BTreeMap::new();
        branches.insert(DEFAULT_BRANCH.to_string(), Branch::default());
        let mut w = ProjectWriter {
            legacy: opts.legacy,
            now: opts.start_time,
            pack: PackWriter::new(),
            families,
            family: 0,
            author: ("Alice Example".into(), "alice@example.com".into(), -300),
            branches,
            current: DEFAULT_BRANCH.to_string(),
            bases: HashMap::new(),
            records: Vec::new(),
            raw_commits: Vec::new(),
            loose: Vec::new(),
            commits: 0,
            error: None,
            rng,
            opts,
        };
        if w.opts.skeleton {
            w.stage_skeleton();
        }
        w
    }

    fn stage_skeleton(&mut self) {
        let id = self.rng.hex32();
        let created = chrono::DateTime::from_timestamp(self.opts.start_time, 0)
            .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string())
            .unwrap_or_default();
        let o = &self.opts;
        let yaml = if o.labbook_yaml {
            (
                ".gigantum/labbook.yaml",
                format!(
                    "labbook:\n  description: {}\n  id: {id}\n  name: {}\nowner:\n  username: {}\nschema: 1\n",
                    o.description, o.name, o.owner
                ),
            )
        } else {
            (
                ".gigantum/project.yaml",
                format!(
                    "build_info: {}\ncreated_on: '{created}'\ncuda_version: null\ndescription: {}\nid: {id}\nname: {}\nschema: 2\n",
                    o.build_info, o.description, o.name
                ),
            )
        };
        self.write_file(yaml.0, yaml.1.as_bytes());
        self.write_file(
            ".gitignore",
            b"# Gigantum ignores\n.ipynb_checkpoints\n__pycache__\n.DS_Store\n\n# Activity detail cache\n.gigantum/activity/log/.detaildb\n",
        );
        for keep in ["code/.gitkeep", "input/.gitkeep", "output/.gitkeep"] {
            self.write_file(keep, b"");
        }
    }

    /// Author and committer of the following commits (`tz_minutes` east of UTC).
    pub fn set_author(&mut self, name: &str, email: &str, tz_minutes: i32) {
        self.author = (name.to_string(), email.to_string(), tz_minutes);
    }

    /// Time of the next commit (unix seconds).
    pub fn set_time(&mut self, unix: i64) {
        self.now = unix;
    }

    pub fn advance(&mut self, secs: i64) {
        self.now += secs;
    }

    pub fn now(&self) -> i64 {
        self.now
    }

    /// Switches between five-field lines with `a`/`n` in values (false) and the old format (true).
    pub fn set_legacy(&mut self, legacy: bool) {
        self.legacy = legacy;
    }

    /// Which checkout family subsequent details go to.
    pub fn use_family(&mut self, index: usize) {
        if index < self.families.len() {
            self.family = index;
        } else {
            self.fail(SynthError::Family {
                index,
                count: self.families.len(),
            });
        }
    }

    /// The family names `log_<32 hex>`, by index.
    pub fn families(&self) -> &[String] {
        &self.families
    }

    pub fn current_branch(&self) -> &str {
        &self.current
    }

    /// The last commit on a branch.
    pub fn head_of(&self, branch: &str) -> Option<Oid> {
        self.branches.get(branch).and_then(|b| b.head)
    }

    pub fn head(&self) -> Option<Oid> {
        self.head_of(&self.current)
    }

    pub fn has_branch(&self, name: &str) -> bool {
        self.branches.contains_key(name)
    }

    /// True when files changed since the last commit on the current branch.
    pub fn has_staged(&self) -> bool {
        self.branches.get(&self.current).is_some_and(|b| b.dirty)
    }

    /// The content of a file on the current branch (staged changes included;
    /// `None` for log files that were rotated away).
    pub fn file(&self, path: &str) -> Option<&[u8]> {
        let b = self.branches.get(&self.current)?;
        b.work.file(path)?.data.as_deref().map(|d| d.as_slice())
    }

    /// Records written so far.
    pub fn records(&self) -> &[WrittenRecord] {
        &self.records
    }

    fn fail(&mut self, e: SynthError) {
        if self.error.is_none() {
            self.error = Some(e);
        }
    }

    fn branch_mut(&mut self) -> &mut Branch {
        self.branches.entry(self.current.clone()).or_default()
    }

    /// Stages a file (created or replaced) for the next commit. Writing the
    /// content a file already has changes nothing.
    pub fn write_file(&mut self, path: &str, bytes: &[u8]) {
        if !valid_path(path) {
            return self.fail(SynthError::BadPath(path.to_string()));
        }
        let branch = self.branch_mut();
        if branch
            .work
            .file(path)
            .and_then(|f| f.data.as_deref())
            .is_some_and(|d| d.as_slice() == bytes)
        {
            return;
        }
        let log = path
            .strip_prefix(LOG_DIR)
            .is_some_and(|rest| rest.starts_with("/log_"));
        match branch.work.file_mut(path, Some(log)) {
            Some(f) => {
                f.data = Some(Arc::new(bytes.to_vec()));
                f.id = None;
                branch.dirty = true;
                if log {
                    branch.log_tip.clear();
                }
            }
            None => self.fail(SynthError::BadPath(path.to_string())),
        }
    }

    /// Stages the removal of a file (nothing happens when it is not there).
    pub fn remove_file(&mut self, path: &str) {
        let branch = self.branch_mut();
        if branch.work.remove(path) {
            branch.dirty = true;
            branch.log_tip.clear();
        }
    }

    /// Writes a record: first, if any files are staged, an auto-commit of
    /// them (at the current time, then the clock moves on one second); then
    /// the detail objects are appended to the current family's log file
    /// (rotating it when it would grow past `rotate_bytes`) and the activity
    /// commit is made, its parent the auto-commit (or the previous head).
    pub fn record(&mut self, spec: RecordSpec) -> RecordIds {
        let auto = if self.has_staged() {
            let id = self.commit_work(AUTO_COMMIT_MESSAGE.as_bytes(), None);
            self.now += 1;
            Some(id)
        } else {
            None
        };
        let linked_commit = match spec.linked {
            Linked::AutoCommit => auto
                .or_else(|| self.head())
                .map(|id| id.to_string())
                .unwrap_or_default(),
            Linked::Uuid => self.rng.hex32(),
            Linked::Empty => String::new(),
            Linked::Hash(h) => h,
        };
        let legacy = self.legacy;
        let mut details = Vec::with_capacity(spec.details.len());
        let mut keys = Vec::new();
        for d in spec.details {
            match d {
                DetailSpec::Object {
                    type_id,
                    show,
                    importance,
                    action,
                    tags,
                    entries,
                    compress,
                    cell,
                } => {
                    let total: usize = entries.iter().map(|e| e.bytes.len()).sum();
                    let compressed = compress.unwrap_or(total >= COMPRESS_THRESHOLD);
                    let value = encode_value(
                        type_id,
                        importance,
                        show,
                        &entries,
                        (!legacy).then_some(tags.as_slice()),
                        (!legacy).then_some(action),
                        compressed,
                    );
                    let key = self.append_detail(&value);
                    let line = DetailRef {
                        type_id,
                        show,
                        importance,
                        key: key.encode(),
                        action_id: if legacy { 0 } else { action },
                        legacy,
                        error: None,
                    }
                    .to_line();
                    keys.push(key.encode());
                    details.push(WrittenDetail {
                        line,
                        key: Some(key),
                        type_id,
                        show,
                        importance,
                        action,
                        tags,
                        entries,
                        compressed,
                        legacy,
                        cell,
                    });
                }
                DetailSpec::RawLine(line) => details.push(WrittenDetail {
                    line,
                    key: None,
                    type_id: -1,
                    show: false,
                    importance: 0,
                    action: 0,
                    tags: Vec::new(),
                    entries: Vec::new(),
                    compressed: false,
                    legacy,
                    cell: None,
                }),
            }
        }
        let meta = RecordMeta {
            type_id: spec.type_id,
            show: spec.show,
            importance: spec.importance,
            linked_commit,
            tags: spec.tags,
        };
        let head = Record {
            message: spec.message,
            meta,
            details: Vec::new(),
            errors: Vec::new(),
        };
        let mut commit_message = head.to_message();
        commit_message.truncate(commit_message.len() - END.len());
        for d in &details {
            commit_message.push_str(&d.line);
            commit_message.push_str(SEP);
        }
        commit_message.push_str(END);
        let activity = self.commit_work(commit_message.as_bytes(), None);
        self.records.push(WrittenRecord {
            activity,
            auto,
            branch: self.current.clone(),
            author: self.author.0.clone(),
            email: self.author.1.clone(),
            time: self.now,
            tz_minutes: self.author.2,
            message: head.message,
            meta: head.meta,
            commit_message,
            details,
        });
        RecordIds {
            auto,
            activity,
            keys,
        }
    }

    /// Appends `header + value` to the current family's log file, rotating first if needed.
    fn append_detail(&mut self, value: &[u8]) -> DetailKey {
        let family = self.families[self.family].clone();
        let rotate = usize::try_from(self.opts.rotate_bytes.clamp(1, u64::from(u32::MAX)))
            .unwrap_or(usize::MAX);
        let total = HEADER_LEN + value.len();
        let branch = self.branches.entry(self.current.clone()).or_default();
        let mut n = branch.tip(&family);
        let mut path = log_path(&family, n);
        let len = match branch.work.file(&path) {
            None => Some(0),
            Some(f) => f.len(),
        };
        let offset = match len {
            Some(len) if len == 0 || len + total <= rotate => len,
            _ => {
                // The current file is full (or its content is gone): freeze it, start the next.
                if let Some(f) = branch.work.file_mut(&path, None) {
                    f.blob(&mut self.pack);
                    f.data = None;
                }
                n += 1;
                path = log_path(&family, n);
                branch.log_tip.insert(family.clone(), n);
                0
            }
        };
        let key = DetailKey {
            family,
            file_number: n,
            offset: u32::try_from(offset).unwrap_or(u32::MAX),
            length: u32::try_from(value.len()).unwrap_or(u32::MAX),
        };
        match branch.work.file_mut(&path, Some(true)) {
            Some(f) => {
                f.append(&key.header());
                f.append(value);
                branch.dirty = true;
            }
            None => self.fail(SynthError::BadPath(path)),
        }
        key
    }

    /// Appends raw bytes to the current family's current log file (no
    /// header, no rotation), staged for the next commit. Returns the file
    /// name `log_<32 hex>_<N>` and the offset the bytes start at.
    pub fn append_raw(&mut self, bytes: &[u8]) -> (String, u32) {
        let family = self.families[self.family].clone();
        let branch = self.branches.entry(self.current.clone()).or_default();
        let n = branch.tip(&family);
        let name = format!("{family}_{n}");
        let path = format!("{LOG_DIR}/{name}");
        match branch.work.file_mut(&path, Some(true)) {
            Some(f) => {
                let offset = f.len().unwrap_or(0);
                f.append(bytes);
                branch.dirty = true;
                (name, u32::try_from(offset).unwrap_or(u32::MAX))
            }
            None => {
                self.fail(SynthError::BadPath(path));
                (name, 0)
            }
        }
    }

    /// A commit of the current files (staged changes included) with any
    /// message bytes. A message that is not UTF-8 is written as a loose
    /// object (the pack writer takes `&str`).
    pub fn raw_commit(&mut self, message: &[u8]) -> Oid {
        let id = self.commit_work(message, None);
        self.raw_commits.push(id);
        id
    }

    /// Creates branch `name` at the current commit with a copy of the current
    /// files (staged changes too); stays on the current branch.
    pub fn branch(&mut self, name: &str) {
        if self.branches.contains_key(name) {
            return self.fail(SynthError::BranchExists(name.to_string()));
        }
        let Some(cur) = self.branches.get_mut(&self.current) else {
            return self.fail(SynthError::UnknownBranch(self.current.clone()));
        };
        cur.work.write(&mut self.pack);
        let copy = cur.clone();
        let base = copy.work.snapshot();
        self.bases.insert(pair(&self.current, name), base);
        self.branches.insert(name.to_string(), copy);
    }

    /// Makes `name` the current branch. Staged changes stay with the branch they were made on.
    pub fn checkout(&mut self, name: &str) {
        if self.branches.contains_key(name) {
            self.current = name.to_string();
        } else {
            self.fail(SynthError::UnknownBranch(name.to_string()));
        }
    }

    /// Merges branch `from` into the current branch with a two-parent commit
    /// (current head first). Files are merged three-way against the branches'
    /// last common state: a side that changed a file wins; when both changed
    /// it, a log file that extends the other wins, otherwise `from`'s version.
    pub fn merge(&mut self, from: &str, message: &str) -> Oid {
        let into = self.current.clone();
        let why = if from == into {
            Some("a branch cannot be merged into itself")
        } else if !self.branches.contains_key(from) {
            Some("no such branch")
        } else if self.head_of(from).is_none() {
            Some("it has no commit")
        } else if self.head().is_none() {
            Some("the current branch has no commit")
        } else {
            None
        };
        if let Some(why) = why {
            self.fail(SynthError::Merge {
                from: from.to_string(),
                into,
                why: why.to_string(),
            });
            return Oid::ZERO_SHA1;
        }
        let mut theirs = Dir::default();
        let mut theirs_head = None;
        if let Some(b) = self.branches.get_mut(from) {
            b.work.write(&mut self.pack);
            theirs = b.work.clone();
            theirs_head = b.head;
        }
        let key = pair(&into, from);
        let base = self.bases.remove(&key);
        if let Some(b) = self.branches.get_mut(&into) {
            b.work.write(&mut self.pack);
            merge_dir(&mut b.work, &theirs, base.as_ref());
            b.log_tip.clear();
            b.dirty = true;
        }
        self.bases.insert(key, theirs.snapshot());
        let id = self.commit_work(message.as_bytes(), theirs_head);
        self.now += 1;
        id
    }

    /// Writes the current tree and a commit on the current branch.
    fn commit_work(&mut self, message: &[u8], second_parent: Option<Oid>) -> Oid {
        let Some(branch) = self.branches.get_mut(&self.current) else {
            return Oid::ZERO_SHA1;
        };
        let tree = branch.work.write(&mut self.pack);
        let mut parents: Vec<Oid> = branch.head.into_iter().collect();
        parents.extend(second_parent);
        let sig = (
            self.author.0.as_str(),
            self.author.1.as_str(),
            self.now,
            self.author.2,
        );
        let id = match std::str::from_utf8(message) {
            Ok(m) => self.pack.commit(tree, &parents, sig, sig, m),
            Err(_) => {
                let body = commit_body(tree, &parents, sig, message);
                match Oid::hash_object(ObjectType::Commit, &body) {
                    Ok(id) => {
                        self.loose.push(body);
                        id
                    }
                    Err(e) => {
                        if self.error.is_none() {
                            self.error = Some(e.into());
                        }
                        Oid::ZERO_SHA1
                    }
                }
            }
        };
        branch.head = Some(id);
        branch.dirty = false;
        self.commits += 1;
        id
    }

    /// Creates the repository at `dir` (`git init`, or `--bare`), writes the
    /// pack, one ref per branch with commits, `HEAD` → `refs/heads/master`
    /// (or the current branch when master has no commit) and, non-bare, a
    /// forced checkout of it. Changes staged but never committed are dropped.
    pub fn finish(self, dir: &Path) -> Result<Written, SynthError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        std::fs::create_dir_all(dir)?;
        let repo = if self.opts.bare {
            Repository::init_bare(dir)?
        } else {
            Repository::init(dir)?
        };
        let objects = self.pack.len();
        self.pack.finish(&repo)?;
        if !self.loose.is_empty() {
            let odb = repo.odb()?;
            for body in &self.loose {
                odb.write(ObjectType::Commit, body)?;
            }
        }
        let mut branches = Vec::new();
        for (name, b) in &self.branches {
            if let Some(head) = b.head {
                repo.reference(&format!("refs/heads/{name}"), head, true, "gtm-tui synth")?;
                branches.push((name.clone(), head));
            }
        }
        let head_branch = if self
            .branches
            .get(DEFAULT_BRANCH)
            .and_then(|b| b.head)
            .is_some()
        {
            DEFAULT_BRANCH.to_string()
        } else {
            self.current.clone()
        };
        let head = self.branches.get(&head_branch).and_then(|b| b.head);
        repo.reference_symbolic(
            "HEAD",
            &format!("refs/heads/{head_branch}"),
            true,
            "gtm-tui synth",
        )?;
        if !self.opts.bare && head.is_some() {
            repo.checkout_head(Some(git2::build::CheckoutBuilder::new().force()))?;
        }
        Ok(Written {
            path: dir.to_path_buf(),
            bare: self.opts.bare,
            records: self.records,
            raw_commits: self.raw_commits,
            families: self.families,
            branches,
            head_branch,
            head,
            commits: self.commits,
            objects,
            streaks: Vec::new(),
        })
    }
}

fn log_path(family: &str, n: u32) -> String {
    format!("{LOG_DIR}/{family}_{n}")
}

fn pair(a: &str, b: &str) -> (String, String) {
    if a <= b {
        (a.to_string(), b.to_string())
    } else {
        (b.to_string(), a.to_string())
    }
}

fn valid_path(path: &str) -> bool {
    !path.is_empty()
        && !path.contains('\0')
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
        && path.split('/').next() != Some(".git")
}

/// A commit object's bytes, as git writes them, with any message bytes.
fn commit_body(tree: Oid, parents: &[Oid], sig: (&str, &str, i64, i32), message: &[u8]) -> Vec<u8> {
    let (name, email, secs, offset) = sig;
    let sign = if offset < 0 { '-' } else { '+' };
    let abs = offset.unsigned_abs();
    let who = format!(
        "{name} <{email}> {secs} {sign}{:02}{:02}",
        abs / 60,
        abs % 60
    );
    let mut s = format!("tree {tree}\n");
    for p in parents {
        s.push_str(&format!("parent {p}\n"));
    }
    s.push_str(&format!("author {who}\ncommitter {who}\n\n"));
    let mut body = s.into_bytes();
    body.extend_from_slice(message);
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::{self, detail};

    fn opts(rotate: u64) -> WriterOptions {
        WriterOptions {
            rotate_bytes: rotate,
            families: 2,
            bare: true,
            ..WriterOptions::default()
        }
    }

    fn blob_at(repo: &Repository, commit: Oid, path: &str) -> Option<Vec<u8>> {
        let tree = repo.find_commit(commit).ok()?.tree().ok()?;
        let entry = tree.get_path(Path::new(path)).ok()?;
        Some(repo.find_blob(entry.id()).ok()?.content().to_vec())
    }

    fn text(t: &str) -> DetailSpec {
        DetailSpec::text(2, 1, "text/plain", t.as_bytes().to_vec())
    }

    #[test]
    fn records_auto_commits_and_links() {
        let dir = tempfile::TempDir::new().unwrap();
        let mut w = ProjectWriter::new(opts(CLIENT_ROTATE_BYTES));
        w.write_file("code/a.py", b"print(1)\n");
        let mut spec = RecordSpec::new(2, "1 modified file(s).");
        spec.details.push(text("one"));
        let first = w.record(spec.clone());
        assert!(first.auto.is_some(), "skeleton + file were staged");
        w.advance(10);
        let second = w.record(spec.clone());
        assert!(second.auto.is_none(), "nothing staged");
        w.write_file("code/a.py", b"print(1)\n");
        assert!(!w.has_staged(), "same content is no change");
        spec.linked = Linked::Uuid;
        w.record(spec.clone());
        spec.linked = Linked::Empty;
        spec.details = vec![DetailSpec::RawLine("garbage,line".into())];
        w.record(spec);
        let written = w.finish(dir.path()).unwrap();
        let repo = Repository::open(dir.path()).unwrap();
        let r = &written.records;
        assert_eq!(r[0].meta.linked_commit, first.auto.unwrap().to_string());
        assert_eq!(r[1].meta.linked_commit, first.activity.to_string());
        assert_eq!(r[2].meta.linked_commit.len(), 32);
        assert_eq!(r[3].meta.linked_commit, "");
        let c = repo.find_commit(first.activity).unwrap();
        assert_eq!(c.parent_id(0).unwrap(), first.auto.unwrap());
        let auto = repo.find_commit(first.auto.unwrap()).unwrap();
        assert_eq!(auto.message().ok(), Some(AUTO_COMMIT_MESSAGE));
        assert_eq!(auto.parent_count(), 0);
        assert!(blob_at(&repo, first.auto.unwrap(), ".gigantum/project.yaml").is_some());
        assert!(
            String::from_utf8(blob_at(&repo, first.auto.unwrap(), ".gitignore").unwrap())
                .unwrap()
                .contains(".gigantum/activity/log/.detaildb")
        );
        let raw = repo.find_commit(r[3].activity).unwrap();
        assert!(
            raw.message()
                .unwrap()
                .contains("details:**\ngarbage,line**\n_GTM_")
        );
        let parsed = activity::parse_message(raw.message_raw_bytes()).unwrap();
        assert!(parsed.details[0].error.is_some());
        for rec in &r[..3] {
            let m = repo.find_commit(rec.activity).unwrap();
            let p = activity::parse_message(m.message_raw_bytes()).unwrap();
            assert!(p.errors.is_empty());
            assert_eq!(p.to_message(), rec.commit_message);
        }
    }

    #[test]
    fn rotation_compression_and_legacy() {
        let dir = tempfile::TempDir::new().unwrap();
        let mut w = ProjectWriter::new(opts(300));
        let mut keys = Vec::new();
        for i in 0..6 {
            let mut spec = RecordSpec::new(2, format!("r{i}"));
            spec.details.push(text(&"x".repeat(100)));
            if i == 3 {
                w.set_legacy(true);
                spec.details.push(text(&"big ".repeat(1500)));
            }
            let ids = w.record(spec);
            keys.extend(ids.keys.iter().map(|k| (ids.activity, k.clone())));
            w.advance(5);
        }
        let written = w.finish(dir.path()).unwrap();
        let repo = Repository::open(dir.path()).unwrap();
        let mut files = std::collections::BTreeSet::new();
        for (commit, key) in &keys {
            let k = DetailKey::parse(key).unwrap();
            files.insert(k.file_number);
            let blob = blob_at(&repo, *commit, &format!("{LOG_DIR}/{}", k.file_name())).unwrap();
            let value = detail::value_at(&blob, &k).unwrap();
            assert!(blob.len() <= 300 || k.offset == 0);
            let d = detail::decode_value(value);
            assert!(d.errors.is_empty(), "{:?}", d.errors);
        }
        assert!(files.len() >= 3, "rotated: {files:?}");
        let big = &written.records[3].details[1];
        assert!(big.compressed && big.legacy);
        assert_eq!(big.line.split(',').count(), 4);
        assert!(!written.records[2].details[0].legacy);
    }

    #[test]
    fn non_utf8_raw_commits_and_append_raw() {
        let dir = tempfile::TempDir::new().unwrap();
        let mut bad = ProjectWriter::new(WriterOptions::default());
        bad.write_file("../evil", b"x");
        bad.write_file("fine.txt", b"x");
        assert!(matches!(bad.finish(dir.path()), Err(SynthError::BadPath(p)) if p == "../evil"));
        let mut bad = ProjectWriter::new(WriterOptions::default());
        bad.use_family(5);
        assert!(matches!(
            bad.finish(dir.path()),
            Err(SynthError::Family { index: 5, count: 1 })
        ));

        let mut w = ProjectWriter::new(WriterOptions::default());
        let (name, offset) = w.append_raw(b"\xffjunk");
        assert_eq!(offset, 0);
        assert_eq!(name, format!("{}_0", w.families()[0]));
        assert_eq!(w.append_raw(b"more").1, 5);
        let id = w.raw_commit(b"_GTM_ACTIVITY_START_**\nmsg:\xff\xfe**\n");
        w.write_file("a/b/c.txt", b"x");
        let ok = w.raw_commit(b"plain");
        let written = w.finish(dir.path()).unwrap();
        let repo = Repository::open(dir.path()).unwrap();
        let c = repo.find_commit(id).unwrap();
        assert_eq!(
            c.message_raw_bytes(),
            b"_GTM_ACTIVITY_START_**\nmsg:\xff\xfe**\n"
        );
        assert_eq!(written.raw_commits, vec![id, ok]);
        assert_eq!(
            std::fs::read(dir.path().join("a/b/c.txt")).unwrap(),
            b"x",
            "work tree checked out"
        );
        let status = std::process::Command::new("git")
            .args(["fsck", "--strict", "--no-dangling"])
            .current_dir(dir.path())
            .status()
            .unwrap();
        assert!(status.success());
    }

    #[test]
    fn branches_merge_three_way() {
        let dir = tempfile::TempDir::new().unwrap();
        let mut w = ProjectWriter::new(opts(CLIENT_ROTATE_BYTES));
        w.write_file("shared.txt", b"base");
        w.write_file("gone.txt", b"bye");
        w.record(RecordSpec::new(7, "Created"));
        w.branch("gm.workspace-bob");
        w.checkout("gm.workspace-bob");
        w.use_family(1);
        w.write_file("bob.txt", b"bob");
        w.remove_file("gone.txt");
        let mut spec = RecordSpec::new(2, "bob");
        spec.details.push(text("bob's"));
        w.record(spec);
        w.checkout("master");
        w.use_family(0);
        w.write_file("shared.txt", b"alice");
        let mut spec = RecordSpec::new(2, "alice");
        spec.details.push(text("alice's"));
        w.record(spec);
        let m = w.merge("gm.workspace-bob", "Merged gm.workspace-bob into master");
        // Second round: bob works on, syncs from master, master merges again.
        w.checkout("gm.workspace-bob");
        w.use_family(1);
        let mut spec = RecordSpec::new(2, "bob again");
        spec.details.push(text("more"));
        w.record(spec);
        let sync = w.merge("master", "Merged master into gm.workspace-bob");
        w.checkout("master");
        let m2 = w.merge("gm.workspace-bob", "Merged gm.workspace-bob into master");
        w.merge("nope", "x");
        assert!(w.error.is_some());
        w.error = None;
        let written = w.finish(dir.path()).unwrap();
        let repo = Repository::open(dir.path()).unwrap();
        for id in [m, sync, m2] {
            assert_eq!(repo.find_commit(id).unwrap().parent_count(), 2);
        }
        assert_eq!(blob_at(&repo, m, "shared.txt").unwrap(), b"alice");
        assert_eq!(blob_at(&repo, m, "bob.txt").unwrap(), b"bob");
        assert!(blob_at(&repo, m, "gone.txt").is_none());
        assert_eq!(blob_at(&repo, sync, "shared.txt").unwrap(), b"alice");
        // Every key resolves at the final master head.
        let head = written.head.unwrap();
        assert_eq!(head, m2);
        for rec in &written.records {
            for d in &rec.details {
                let k = d.key.as_ref().unwrap();
                let blob = blob_at(&repo, head, &format!("{LOG_DIR}/{}", k.file_name())).unwrap();
                assert!(detail::value_at(&blob, k).is_ok());
            }
        }
        assert_eq!(written.branches.len(), 2);
    }
}
