//! The git side: finding and opening a project, walking its records, reading log blobs.

mod branches;
mod idtable;
mod notebooks;
pub mod pack;
mod rows;
mod store;
mod view;
mod walk;
mod walk_cache;

use std::path::{Path, PathBuf};

use git2::{Oid, Repository};

pub use branches::BranchInfo;
pub use notebooks::{
    CommitChanges, NotebookChange, changes_of, is_data_file, is_env_file, is_notebook,
};
pub use rows::{Packer, Positions, RowRef, Rows};
pub use store::DetailStore;
pub use view::RecordView;
pub use walk::{RecordRow, WalkStats, short as short_id};
pub use walk_cache::{WALK_FORMAT_VERSION, WalkReport, WalkStatus};

/// Where the client kept the detail log files.
pub const LOG_DIR: &str = ".gigantum/activity/log";

/// Why a project could not be opened or read. Each names the path or ref involved.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error("{path} is not inside a git repository")]
    NotARepository { path: PathBuf },
    #[error("cannot open the git repository at {path}: {message}")]
    Open { path: PathBuf, message: String },
    #[error("cannot read {path}: permission denied")]
    NoPermission { path: PathBuf },
    #[error("unknown ref or commit '{rev}' in {path}")]
    UnknownRev { rev: String, path: PathBuf },
    #[error("'{rev}' points to a {kind}, not a commit, in {path}")]
    NotACommit {
        rev: String,
        kind: String,
        path: PathBuf,
    },
    #[error("cannot read '{rev}' in {path}: {message}")]
    Unreadable {
        rev: String,
        path: PathBuf,
        message: String,
    },
    #[error("'{rev}' in {path} has no commits")]
    Empty { rev: String, path: PathBuf },
    #[error("no Gigantum activity records in the history of '{rev}' in {path}")]
    NoRecords { rev: String, path: PathBuf },
    #[error(
        "no notebooks and no Gigantum activity records in the history of '{rev}' in {path}: \
         gtm-tui reads .ipynb files committed to git, or a Gigantum project's activity"
    )]
    NoHistory { rev: String, path: PathBuf },
    #[error("commit {commit} is not a Gigantum activity record")]
    NotARecord { commit: String },
    #[error("git error while {doing}: {message}")]
    Git { doing: String, message: String },
}

impl RepoError {
    pub(crate) fn git(doing: impl Into<String>, e: git2::Error) -> Self {
        RepoError::Git {
            doing: doing.into(),
            message: e.message().to_string(),
        }
    }
}

/// Which kind of history a repository is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistorySource {
    /// A Gigantum project's activity records.
    Gigantum,
    /// The `.ipynb` files committed to git, commit by commit.
    Notebooks,
}

impl HistorySource {
    pub fn name(self) -> &'static str {
        match self {
            HistorySource::Gigantum => "gigantum",
            HistorySource::Notebooks => "notebooks",
        }
    }
}

/// An opened project at one ref.
pub struct Project {
    repo: Repository,
    /// What the user gave (or `HEAD`).
    pub rev: String,
    /// The commit `rev` resolved to.
    pub tip: Oid,
    /// Project name from `.gigantum/project.yaml` (or `labbook.yaml`), else the folder name.
    pub name: String,
    /// The repository's directory (work tree, or the git dir when bare).
    pub path: PathBuf,
    /// The pack reader that keeps delta bases (see `pack.rs`), opened on the first blob read;
    /// `None` inside when there are no packs it reads.
    packs: std::sync::OnceLock<Option<std::sync::Mutex<pack::Packs>>>,
}

/// The records a background walk has read and not yet sent.
enum Batch {
    Rows(Vec<RecordRow>),
    Packed(Packer),
}

impl Batch {
    /// Adds a record; returns how many are held.
    fn push(&mut self, row: RecordRow) -> usize {
        match self {
            Batch::Rows(rows) => rows.push(row),
            Batch::Packed(packer) => packer.push(&row),
        }
        self.len()
    }

    fn len(&self) -> usize {
        match self {
            Batch::Rows(rows) => rows.len(),
            Batch::Packed(packer) => packer.len(),
        }
    }

    fn take(&mut self) -> WalkMsg {
        match self {
            Batch::Rows(rows) => WalkMsg::Rows(std::mem::take(rows)),
            Batch::Packed(packer) => WalkMsg::Packed(packer.take()),
        }
    }
}

/// What a background walk sends: batches of records, newest first, then the end.
#[derive(Debug)]
pub enum WalkMsg {
    Rows(Vec<RecordRow>),
    /// A batch packed as it was read (`walk_packed_in_background`).
    Packed(Rows),
    Done(Result<WalkStats, RepoError>),
}

impl Project {
    /// Finds the repository by walking up from `path` like git does, and resolves `rev`.
    pub fn open(path: &Path, rev: Option<&str>) -> Result<Self, RepoError> {
        // libgit2 re-hashes every object it reads by default; that doubles the
        // cost of reading a history and guards only against disk corruption,
        // which git fsck is for.
        git2::opts::strict_hash_verification(false);
        // Each commit is read once per walk; libgit2's object cache would only
        // hold on to memory (and cost time filling it).
        git2::opts::enable_caching(false);
        let repo = match Repository::discover(path) {
            Ok(r) => r,
            Err(e) if e.code() == git2::ErrorCode::NotFound => {
                // libgit2 says "not found" for a directory it may not read.
                let denied = [path.to_path_buf(), path.join(".git")]
                    .into_iter()
                    .find(|p| {
                        std::fs::read_dir(p)
                            .is_err_and(|e| e.kind() == std::io::ErrorKind::PermissionDenied)
                    });
                return Err(match denied {
                    Some(path) => RepoError::NoPermission { path },
                    None => RepoError::NotARepository {
                        path: path.to_path_buf(),
                    },
                });
            }
            Err(e) => {
                return Err(RepoError::Open {
                    path: path.to_path_buf(),
                    message: e.message().to_string(),
                });
            }
        };
        let root = repo
            .workdir()
            .unwrap_or_else(|| repo.path())
            .components()
            .collect::<PathBuf>();
        let rev_name = rev.unwrap_or("HEAD").to_string();
        let tip = match resolve_commit(&repo, &rev_name, &root) {
            Ok(id) => id,
            Err(RepoError::UnknownRev { rev: r, path })
                if rev.is_none() && repo.head().is_err() && damaged_pack(&repo).is_none() =>
            {
                // No commit on HEAD yet (and no pack that would explain it).
                return Err(RepoError::Empty { rev: r, path });
            }
            Err(e) => return Err(e),
        };
        let name = project_name(&repo, tip).unwrap_or_else(|| {
            root.file_name()
                .map(|n| n.to_string_lossy().trim_end_matches(".git").to_string())
                .unwrap_or_else(|| "project".into())
        });
        Ok(Project {
            repo,
            rev: rev_name,
            tip,
            name,
            path: root,
            packs: std::sync::OnceLock::new(),
        })
    }

    pub fn repo(&self) -> &Repository {
        &self.repo
    }

    /// The history a user most likely means: the activity log of a Gigantum project (its tree
    /// at the ref holds `.gigantum/`), else the notebooks in git.
    pub fn likely_source(&self) -> HistorySource {
        let gigantum = self
            .repo
            .find_commit(self.tip)
            .and_then(|c| c.tree())
            .is_ok_and(|t| {
                t.get_name(".gigantum")
                    .is_some_and(|e| e.kind() == Some(git2::ObjectType::Tree))
            });
        if gigantum {
            HistorySource::Gigantum
        } else {
            HistorySource::Notebooks
        }
    }

    /// The same repository and commit, opened again (a `Repository` serves one thread).
    pub fn reopen(&self) -> Result<Project, RepoError> {
        let repo = Repository::open(self.repo.path()).map_err(|e| RepoError::Open {
            path: self.path.clone(),
            message: e.message().to_string(),
        })?;
        Ok(Project {
            repo,
            rev: self.rev.clone(),
            tip: self.tip,
            name: self.name.clone(),
            path: self.path.clone(),
            packs: std::sync::OnceLock::new(),
        })
    }

    /// Walks on another thread, sending records in batches of `batch` as they
    /// are read; the receiver sees the first batch before the walk ends.
    pub fn walk_in_background(
        &self,
        batch: usize,
    ) -> Result<std::sync::mpsc::Receiver<WalkMsg>, RepoError> {
        self.background_walk(batch, false)
    }

    /// Like `walk_in_background`, but each record is packed the moment it
    /// is read and batches arrive as `WalkMsg::Packed`: what the timeline
    /// keeps, without a batch of full records ever waiting unpacked.
    pub fn walk_packed_in_background(
        &self,
        batch: usize,
    ) -> Result<std::sync::mpsc::Receiver<WalkMsg>, RepoError> {
        self.background_walk(batch, true)
    }

    fn background_walk(
        &self,
        batch: usize,
        packed: bool,
    ) -> Result<std::sync::mpsc::Receiver<WalkMsg>, RepoError> {
        // A few batches ahead at most: unread batches are memory held twice.
        let (tx, rx) = std::sync::mpsc::sync_channel(4);
        self.walk_into(batch, packed, move |m| tx.send(m).is_ok())?;
        Ok(rx)
    }

    /// Walks on a thread of its own, handing each batch (packed when
    /// `packed`) and then `WalkMsg::Done` to `sink`, which says whether to
    /// go on: a caller with a channel of its own (the TUI's) gets the
    /// batches without a thread in between to re-wrap them.
    pub fn walk_into(
        &self,
        batch: usize,
        packed: bool,
        mut sink: impl FnMut(WalkMsg) -> bool + Send + 'static,
    ) -> Result<(), RepoError> {
        let project = self.reopen()?;
        let batch = batch.max(1);
        std::thread::Builder::new()
            .name("gtm-walk".into())
            .spawn(move || {
                let mut held = if packed {
                    Batch::Packed(Packer::default())
                } else {
                    Batch::Rows(Vec::new())
                };
                let result = project.walk(|row| {
                    if held.push(row) >= batch {
                        return sink(held.take());
                    }
                    true
                });
                if held.len() > 0 {
                    let _ = sink(held.take());
                }
                let _ = sink(WalkMsg::Done(result));
            })
            .map_err(|e| RepoError::Git {
                doing: "starting the walk thread".into(),
                message: e.to_string(),
            })?;
        Ok(())
    }

    /// A reader of detail objects for records of this ref.
    pub fn details(&self) -> DetailStore<'_> {
        DetailStore::new(&self.repo, self.tip)
    }

    /// The kernel language of a notebook as committed at `commit` (a record's
    /// `linked_commit`): `metadata.kernelspec.language`, else `.name`, else
    /// `metadata.language_info.name`. `None` when any of it is missing.
    pub fn notebook_language(&self, commit: &str, path: &str) -> Option<String> {
        let blob = self.repo.find_blob(self.blob_at(commit, path)?).ok()?;
        let nb = crate::notebook::read(blob.content(), crate::notebook::Parts::Metadata).ok()?;
        nb.language().map(str::to_string)
    }

    /// The blob of the file at `path` in the tree of `commit` (a full hash).
    pub fn blob_at(&self, commit: &str, path: &str) -> Option<Oid> {
        let oid = Oid::from_str(commit).ok()?;
        let tree = self.repo.find_commit(oid).ok()?.tree().ok()?;
        let entry = tree.get_path(Path::new(path)).ok()?;
        (entry.kind() == Some(git2::ObjectType::Blob)).then(|| entry.id())
    }

    /// A blob's bytes: from the packs with their delta bases kept, else (a loose object, an
    /// alternate, anything the pack reader does not know) from libgit2.
    pub fn blob(&self, id: Oid) -> Option<Vec<u8>> {
        let packs = self
            .packs
            .get_or_init(|| pack::Packs::open(self.repo.commondir()).map(std::sync::Mutex::new));
        if let Some(m) = packs
            && let Ok(mut packs) = m.lock()
            && let Some(b) = packs.blob(id)
        {
            return Some(b);
        }
        self.repo.find_blob(id).ok().map(|b| b.content().to_vec())
    }

    /// Resolves a commit given by the user (full or abbreviated hash, or any rev) to a record row.
    pub fn record(&self, spec: &str) -> Result<RecordRow, RepoError> {
        let id = resolve_commit(&self.repo, spec, &self.path)?;
        let commit = self
            .repo
            .find_commit(id)
            .map_err(|e| RepoError::git(format!("reading commit {id}"), e))?;
        walk::row_of(&commit).ok_or_else(|| RepoError::NotARecord {
            commit: commit.id().to_string(),
        })
    }
}

/// The commit a revision given by the user names. When it names none, the error says why as git
/// would: no such ref or commit, a tag or rev naming a tree or blob, or an object the repository
/// cannot read (a pack file that does not match its index, a missing object).
pub fn resolve_commit(repo: &Repository, rev: &str, path: &Path) -> Result<Oid, RepoError> {
    let unknown = || RepoError::UnknownRev {
        rev: rev.to_string(),
        path: path.to_path_buf(),
    };
    let object = match repo.revparse_single(rev) {
        Ok(o) => o,
        Err(e) => {
            if let Some(cause) = damaged_pack(repo) {
                return Err(RepoError::Unreadable {
                    rev: rev.to_string(),
                    path: path.to_path_buf(),
                    message: cause,
                });
            }
            // The ref is there but what it points to is not: a missing object, not a typo.
            let names_ref = repo.resolve_reference_from_short_name(rev).is_ok();
            if names_ref && e.class() == git2::ErrorClass::Odb {
                return Err(RepoError::Unreadable {
                    rev: rev.to_string(),
                    path: path.to_path_buf(),
                    message: e.message().to_string(),
                });
            }
            return Err(unknown());
        }
    };
    match object.peel_to_commit() {
        Ok(c) => Ok(c.id()),
        Err(e) => {
            // What the rev ends at once its tags are followed.
            let mut target = object;
            while let Some(next) = target.as_tag().and_then(|t| t.target().ok()) {
                target = next;
            }
            match target.kind() {
                Some(kind) if kind != git2::ObjectType::Commit && kind != git2::ObjectType::Tag => {
                    Err(RepoError::NotACommit {
                        rev: rev.to_string(),
                        kind: kind.str().to_string(),
                        path: path.to_path_buf(),
                    })
                }
                _ => Err(RepoError::Unreadable {
                    rev: rev.to_string(),
                    path: path.to_path_buf(),
                    message: e.message().to_string(),
                }),
            }
        }
    }
}

/// The first pack file that does not match its index, said as git says it: a pack's last 20
/// bytes are its checksum, which its index records too. libgit2 skips such a pack and reports
/// only that objects are missing. Reads 40 bytes a pack; `None` when every pack matches.
pub fn damaged_pack(repo: &Repository) -> Option<String> {
    use std::io::{Read, Seek, SeekFrom};
    let tail = |p: &Path, from_end: i64| -> Option<[u8; 20]> {
        let mut f = std::fs::File::open(p).ok()?;
        f.seek(SeekFrom::End(-from_end)).ok()?;
        let mut buf = [0u8; 20];
        f.read_exact(&mut buf).ok()?;
        Some(buf)
    };
    let dir = repo.path().join("objects/pack");
    let mut packs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pack"))
        .collect();
    packs.sort();
    packs.into_iter().find_map(|pack| {
        let idx = pack.with_extension("idx");
        if !idx.exists() {
            return None;
        }
        // The index ends with the pack's checksum, then its own.
        let matches = tail(&pack, 20).is_some_and(|sum| tail(&idx, 40) == Some(sum));
        (!matches).then(|| {
            format!(
                "packfile {} does not match its index (truncated or damaged)",
                pack.display()
            )
        })
    })
}

/// `name:` from the project's yaml at `tip`, read without a yaml parser: the
/// client wrote it as a plain top-level `name: value` line.
fn project_name(repo: &Repository, tip: Oid) -> Option<String> {
    let tree = repo.find_commit(tip).ok()?.tree().ok()?;
    for path in [".gigantum/project.yaml", ".gigantum/labbook.yaml"] {
        let Ok(entry) = tree.get_path(Path::new(path)) else {
            continue;
        };
        let Ok(blob) = repo.find_blob(entry.id()) else {
            continue;
        };
        let text = String::from_utf8_lossy(blob.content());
        // Old labbook.yaml files nest the name under `labbook:`.
        if let Some(name) =
            yaml_top_level(&text, "name").or_else(|| yaml_nested(&text, "labbook", "name"))
        {
            return Some(name);
        }
    }
    None
}

/// The value of a top-level scalar key in simple yaml, quotes removed.
pub fn yaml_top_level(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|line| scalar(line, key))
}

/// The value of `key` inside the top-level block `parent:`.
pub fn yaml_nested(text: &str, parent: &str, key: &str) -> Option<String> {
    let mut inside = false;
    for line in text.lines() {
        if !line.starts_with([' ', '\t']) {
            inside = line.trim_end() == format!("{parent}:");
        } else if inside && let Some(v) = scalar(line.trim_start(), key) {
            return Some(v);
        }
    }
    None
}

fn scalar(line: &str, key: &str) -> Option<String> {
    let v = line.strip_prefix(key)?.strip_prefix(':')?.trim();
    let v = v
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .or_else(|| v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
        .unwrap_or(v);
    (!v.is_empty()).then(|| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_names() {
        let y = "schema: 2\nname: my-project\ndescription: x\n  name: nested\n";
        assert_eq!(yaml_top_level(y, "name").as_deref(), Some("my-project"));
        assert_eq!(yaml_top_level("name: 'q'\n", "name").as_deref(), Some("q"));
        assert_eq!(yaml_top_level("names: x\n", "name"), None);
        let old = "labbook:\n  description: d\n  name: old-one\nowner:\n  name: bob\n";
        assert_eq!(yaml_top_level(old, "name"), None);
        assert_eq!(
            yaml_nested(old, "labbook", "name").as_deref(),
            Some("old-one")
        );
    }
}
