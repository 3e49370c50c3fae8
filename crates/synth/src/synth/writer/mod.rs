//! `ProjectWriter`: a low-level builder of Gigantum projects (records, detail objects in rotating log files, auto-commits, branches, merges) written straight into one packfile.
//!
//! Every user action becomes, as with the Gigantum client, an optional
//! "Auto-commit from activity monitoring" holding the staged file changes,
//! then the activity commit whose message is the record
//! ([`Record::to_message`](crate::activity::Record::to_message)) and whose tree also holds the log file with the
//! record's detail objects appended (20-byte [`DetailKey::header`](crate::activity::DetailKey::header) + the
//! value from [`encode_value`](crate::activity::detail::encode_value)). Tests use the writer to craft exact
//! situations, broken ones included ([`DetailSpec::RawLine`],
//! [`ProjectWriter::append_raw`], [`ProjectWriter::raw_commit`]).
//!
//! Objects go through [`PackWriter`]; nothing touches the disk until
//! [`ProjectWriter::finish`], which creates the repository, writes the pack,
//! the refs, `HEAD` and (non-bare) a checkout. Mistakes made while building
//! (an unknown branch, a bad path…) are remembered and reported by `finish`.

mod branches;
mod commit;
mod finish;
mod log;
mod spec;
#[cfg(test)]
mod tests;
mod tree;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use git2::Oid;

use super::pack::{PackError, PackWriter};
use super::workload::Rng;
use branches::Branch;
use tree::Dir;

pub use spec::{
    CellRef, DetailSpec, Linked, PlantedStreak, RecordIds, RecordSpec, Written, WrittenDetail,
    WrittenRecord,
};

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
    #[error("{0} exists and is not empty")]
    NotEmpty(String),
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
}

fn valid_path(path: &str) -> bool {
    !path.is_empty()
        && !path.contains('\0')
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
        && path.split('/').next() != Some(".git")
}
