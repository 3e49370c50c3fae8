//! File changes behind file records: which files a record's linked commit changed, and how each
//! one changed — text line by line, notebooks cell by cell ([`notebook`]), binary and very large
//! files summarised rather than diffed.
//!
//! A file record (a save, upload, move or new directory, or an input/output data record) names
//! its files only in its details; the change itself is the diff of the commit its
//! `linked_commit` points at (the client's auto-commit) against that commit's first parent. When
//! the record links to no commit of this repository, [`changes`] says so and falls back to the
//! activity commit's own change, or to its parent's when that parent is an auto-commit.
//!
//! Everything under `.gigantum/activity/` is left out: the client appended the log files there
//! with every record, and they are the record's bookkeeping, not the user's change.

pub mod notebook;

use git2::{Delta, FileMode, Oid, Repository};

use crate::activity::image::{ImageFormat, sniff};
use crate::activity::{Record, RecordKind};
use crate::diff::{TextDiff, diff_text};
use crate::repo::{Project, RecordView, RepoError};

pub use notebook::{
    CellChange, CellKind, CellStatus, OutputsSummary, PairedBy, Pairing, pair_cells,
};

/// Files larger than this on either side (2 MiB) are not read for a diff: a line diff of
/// megabytes of data is slow and unreadable, so [`FileDiff::TooLarge`] gives their sizes.
pub const MAX_DIFF_BYTES: u64 = 2 * 1024 * 1024;

/// Notebooks are compared cell by cell, sources diffed and outputs only fingerprinted, so one
/// with 50 MB of pictures costs what its code does: they are read up to this size a side.
pub const MAX_NOTEBOOK_DIFF_BYTES: u64 = 64 * 1024 * 1024;

/// The size past which a side of `change` is not read.
pub fn diff_limit(change: &FileChange) -> u64 {
    if change.is_notebook() {
        MAX_NOTEBOOK_DIFF_BYTES
    } else {
        MAX_DIFF_BYTES
    }
}

/// The client's activity log directory: changed with every record, never the user's change.
pub const ACTIVITY_DIR: &str = ".gigantum/activity/";

/// Tags of code records (type 2) that save files rather than run code.
pub const FILE_TAGS: [&str; 4] = ["save", "upload", "file-move", "directory-create"];

/// git looks for a NUL byte in this many leading bytes to call a file binary; so do we.
const SNIFF_BYTES: usize = 8000;

/// Why the changes could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error("commit {commit} is not in the repository")]
    MissingCommit { commit: String },
    #[error("git error while {doing}: {message}")]
    Git { doing: String, message: String },
}

impl FilesError {
    fn git(doing: impl Into<String>, e: git2::Error) -> Self {
        FilesError::Git {
            doing: doing.into(),
            message: e.message().to_string(),
        }
    }
}

/// What happened to a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeStatus {
    Added,
    Modified,
    Deleted,
    /// Moved with its content unchanged (how the client moved files).
    Renamed,
}

impl ChangeStatus {
    /// The one-letter code `git diff --name-status` uses.
    pub fn letter(self) -> char {
        match self {
            ChangeStatus::Added => 'A',
            ChangeStatus::Modified => 'M',
            ChangeStatus::Deleted => 'D',
            ChangeStatus::Renamed => 'R',
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ChangeStatus::Added => "added",
            ChangeStatus::Modified => "modified",
            ChangeStatus::Deleted => "deleted",
            ChangeStatus::Renamed => "renamed",
        }
    }
}

/// One changed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub status: ChangeStatus,
    /// The path before (`None` when added).
    pub old_path: Option<String>,
    /// The path after (`None` when deleted).
    pub new_path: Option<String>,
    pub old_blob: Option<Oid>,
    pub new_blob: Option<Oid>,
    /// Sizes in bytes; `None` for a side that does not exist or whose blob is missing.
    pub old_size: Option<u64>,
    pub new_size: Option<u64>,
    /// Either side is binary: a NUL byte in its first 8000 bytes, a known binary format by its
    /// magic bytes, or (for sides too large to read) a known binary extension.
    pub binary: bool,
}

impl FileChange {
    /// The path to show: the new one, or the old one for a deleted file.
    pub fn path(&self) -> &str {
        self.new_path
            .as_deref()
            .or(self.old_path.as_deref())
            .unwrap_or_default()
    }

    /// A Jupyter notebook, by its extension (either side, for a rename).
    pub fn is_notebook(&self) -> bool {
        [&self.new_path, &self.old_path]
            .into_iter()
            .flatten()
            .any(|p| has_extension(p, "ipynb"))
    }
}

/// Which commit's diff a record's changes come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeSource {
    /// The record's `linked_commit`, as the client meant.
    LinkedCommit,
    /// The activity commit itself: the record links to no commit of this repository.
    ActivityCommit,
    /// The activity commit's parent, an auto-commit: the record links to no commit and the
    /// activity commit changed only the log.
    ParentCommit,
    /// Two commits given by the caller ([`changes_between`]).
    Commits,
    /// A plain commit against its first parent (notebooks in git: the commit is the change).
    Commit,
}

impl ChangeSource {
    pub fn name(self) -> &'static str {
        match self {
            ChangeSource::LinkedCommit => "linked commit",
            ChangeSource::ActivityCommit => "activity commit",
            ChangeSource::ParentCommit => "auto-commit before the record",
            ChangeSource::Commits => "commits",
            ChangeSource::Commit => "commit",
        }
    }
}

/// The files a record changed, and where that was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changes {
    pub source: ChangeSource,
    /// The commit whose change this is.
    pub commit: Oid,
    /// What it was compared with: its first parent, `None` for a root commit (everything added).
    pub parent: Option<Oid>,
    /// Why the linked commit was not used, when it was not ("linked_commit … is a uuid, not a
    /// commit"); `source` says what was used instead.
    pub note: Option<String>,
    /// Sorted by path.
    pub files: Vec<FileChange>,
}

/// A file record: a code record (type 2) tagged save, upload, file-move or directory-create,
/// or an input or output data record (types 3 and 4).
pub fn is_file_record(record: &Record) -> bool {
    match record.meta.kind {
        RecordKind::InputData | RecordKind::OutputData => true,
        RecordKind::Code => record
            .meta
            .tags
            .iter()
            .any(|t| FILE_TAGS.contains(&t.as_str())),
        _ => false,
    }
}

/// The files changed by `row`'s linked commit against its first parent, `.gigantum/activity/`
/// left out. When `linked_commit` is a uuid, empty, or a commit this repository lacks: the
/// activity commit's own change, or when that holds nothing but the log and the activity
/// commit's parent is an auto-commit (not a record, one parent), that parent's change;
/// [`Changes::source`] and [`Changes::note`] say which.
pub fn changes<'a>(project: &Project, row: impl RecordView<'a>) -> Result<Changes, FilesError> {
    let repo = project.repo();
    let linked = row.linked_commit();
    let linked = linked.trim();
    let why = match linked_commit(repo, linked) {
        Ok(oid) => {
            let (parent, files) = commit_diff(repo, oid)?;
            return Ok(Changes {
                source: ChangeSource::LinkedCommit,
                commit: oid,
                parent,
                note: None,
                files,
            });
        }
        Err(why) => why,
    };
    let (parent, files) = commit_diff(repo, row.commit())?;
    if files.is_empty()
        && let Some(p) = parent
        && let Some(files) = auto_commit_diff(repo, p)?
    {
        let commit = repo
            .find_commit(p)
            .map_err(|e| FilesError::git("reading the parent commit", e))?;
        return Ok(Changes {
            source: ChangeSource::ParentCommit,
            commit: p,
            parent: commit.parent_id(0).ok(),
            note: Some(why),
            files,
        });
    }
    Ok(Changes {
        source: ChangeSource::ActivityCommit,
        commit: row.commit(),
        parent,
        note: Some(why),
        files,
    })
}

/// The linked commit as an id, or why it is none.
fn linked_commit(repo: &Repository, linked: &str) -> Result<Oid, String> {
    if linked.is_empty() {
        return Err("the record has no linked_commit".into());
    }
    let hex = linked.bytes().all(|b| b.is_ascii_hexdigit());
    if hex && linked.len() == 32 {
        return Err(format!("linked_commit {linked} is a uuid, not a commit"));
    }
    let found = Oid::from_str(linked)
        .ok()
        .filter(|_| hex && linked.len() == 40)
        .and_then(|oid| repo.find_commit(oid).ok())
        .map(|c| c.id());
    found.ok_or_else(|| format!("linked_commit {linked} is not a commit in this repository"))
}

/// The change of `parent` when it is an auto-commit: not a record, not a merge. `None` otherwise.
fn auto_commit_diff(repo: &Repository, parent: Oid) -> Result<Option<Vec<FileChange>>, FilesError> {
    let Ok(commit) = repo.find_commit(parent) else {
        return Ok(None);
    };
    if commit.parent_count() > 1 || crate::activity::record::is_record(commit.message_raw_bytes()) {
        return Ok(None);
    }
    let (_, files) = commit_diff(repo, parent)?;
    Ok((!files.is_empty()).then_some(files))
}

/// The files changed by `commit` against its first parent (everything, for a root commit),
/// `.gigantum/activity/` left out.
pub fn commit_changes(project: &Project, commit: Oid) -> Result<Vec<FileChange>, FilesError> {
    Ok(commit_diff(project.repo(), commit)?.1)
}

/// A plain commit's change against its first parent, as [`Changes`].
pub fn changes_of_commit(project: &Project, commit: Oid) -> Result<Changes, FilesError> {
    let (parent, files) = commit_diff(project.repo(), commit)?;
    Ok(Changes {
        source: ChangeSource::Commit,
        commit,
        parent,
        note: None,
        files,
    })
}

/// The files that differ between commits `old` and `new`, `.gigantum/activity/` left out.
pub fn changes_between(
    project: &Project,
    old: Oid,
    new: Oid,
) -> Result<Vec<FileChange>, FilesError> {
    let repo = project.repo();
    let old_tree = tree_of(repo, old)?;
    let new_tree = tree_of(repo, new)?;
    tree_diff(repo, Some(&old_tree), &new_tree)
}

fn tree_of(repo: &Repository, commit: Oid) -> Result<git2::Tree<'_>, FilesError> {
    repo.find_commit(commit)
        .map_err(|_| FilesError::MissingCommit {
            commit: commit.to_string(),
        })?
        .tree()
        .map_err(|e| FilesError::git(format!("reading the tree of {commit}"), e))
}

fn commit_diff(
    repo: &Repository,
    commit: Oid,
) -> Result<(Option<Oid>, Vec<FileChange>), FilesError> {
    let c = repo
        .find_commit(commit)
        .map_err(|_| FilesError::MissingCommit {
            commit: commit.to_string(),
        })?;
    let tree = c
        .tree()
        .map_err(|e| FilesError::git(format!("reading the tree of {commit}"), e))?;
    let parent = c.parent_id(0).ok();
    let parent_tree = match parent {
        Some(p) => Some(tree_of(repo, p)?),
        None => None,
    };
    Ok((parent, tree_diff(repo, parent_tree.as_ref(), &tree)?))
}

/// The user's files that differ between two trees. Renames are found by identical content
/// only: that is what the client's move made, and it needs no blob to be read.
fn tree_diff(
    repo: &Repository,
    old: Option<&git2::Tree<'_>>,
    new: &git2::Tree<'_>,
) -> Result<Vec<FileChange>, FilesError> {
    let diff = repo
        .diff_tree_to_tree(old, Some(new), None)
        .map_err(|e| FilesError::git("comparing trees", e))?;
    let odb = repo
        .odb()
        .map_err(|e| FilesError::git("opening the object database", e))?;
    let size = |oid: Oid| odb.read_header(oid).ok().map(|(n, _)| n as u64);
    let mut added: Vec<(String, Oid)> = Vec::new();
    let mut deleted: Vec<(String, Oid)> = Vec::new();
    let mut out = Vec::new();
    for delta in diff.deltas() {
        let (o, n) = (delta.old_file(), delta.new_file());
        let path_of = |f: &git2::DiffFile<'_>| f.path().map(|p| p.to_string_lossy().into_owned());
        let (old_path, new_path) = (path_of(&o), path_of(&n));
        let noise = [&old_path, &new_path]
            .into_iter()
            .flatten()
            .all(|p| p.starts_with(ACTIVITY_DIR));
        // Submodules are commits, not files; Gigantum projects have none.
        let file = |f: &git2::DiffFile<'_>| f.exists() && f.mode() != FileMode::Commit;
        if noise || !(file(&o) || file(&n)) {
            continue;
        }
        match delta.status() {
            Delta::Added | Delta::Copied => {
                if let Some(p) = new_path {
                    added.push((p, n.id()));
                }
            }
            Delta::Deleted => {
                if let Some(p) = old_path {
                    deleted.push((p, o.id()));
                }
            }
            Delta::Modified | Delta::Typechange | Delta::Renamed => {
                out.push(FileChange {
                    status: ChangeStatus::Modified,
                    old_blob: Some(o.id()),
                    new_blob: Some(n.id()),
                    old_size: size(o.id()),
                    new_size: size(n.id()),
                    binary: false,
                    old_path,
                    new_path,
                });
            }
            _ => {}
        }
    }
    for (path, id) in deleted {
        let renamed_to = added.iter().position(|(_, a)| *a == id);
        let (status, new_path, new_blob) = match renamed_to {
            Some(k) => {
                let (p, a) = added.remove(k);
                (ChangeStatus::Renamed, Some(p), Some(a))
            }
            None => (ChangeStatus::Deleted, None, None),
        };
        out.push(FileChange {
            status,
            old_path: Some(path),
            new_path,
            old_blob: Some(id),
            new_blob,
            old_size: size(id),
            new_size: new_blob.and_then(size),
            binary: false,
        });
    }
    for (path, id) in added {
        out.push(FileChange {
            status: ChangeStatus::Added,
            old_path: None,
            new_path: Some(path),
            old_blob: None,
            new_blob: Some(id),
            old_size: None,
            new_size: size(id),
            binary: false,
        });
    }
    for c in &mut out {
        c.binary = [
            (c.old_blob, c.old_size, c.old_path.as_deref()),
            (c.new_blob, c.new_size, c.new_path.as_deref()),
        ]
        .into_iter()
        .any(|(blob, size, path)| side_is_binary(repo, blob, size, path));
    }
    out.sort_by(|a, b| {
        a.path()
            .cmp(b.path())
            .then(a.status.letter().cmp(&b.status.letter()))
    });
    Ok(out)
}

/// Whether one side of a change is binary: its leading bytes when it is small enough to read,
/// else its extension.
fn side_is_binary(
    repo: &Repository,
    blob: Option<Oid>,
    size: Option<u64>,
    path: Option<&str>,
) -> bool {
    let (Some(blob), Some(path)) = (blob, path) else {
        return false;
    };
    if size.is_none_or(|s| s > MAX_DIFF_BYTES) {
        return binary_extension(path).is_some();
    }
    match repo.find_blob(blob) {
        Ok(b) => is_binary(b.content(), path),
        Err(_) => binary_extension(path).is_some(),
    }
}

/// Binary content: a NUL byte early on (git's test), or the magic bytes of a binary format.
pub fn is_binary(bytes: &[u8], path: &str) -> bool {
    let head = bytes.get(..SNIFF_BYTES).unwrap_or(bytes);
    head.contains(&0) || magic_kind(bytes, path).is_some()
}

/// How a file changed.
#[derive(Debug, Clone, PartialEq)]
pub enum FileDiff {
    /// A text file, line by line (also an added or deleted one: the other side is empty).
    Text(TextDiff),
    /// A Jupyter notebook, cell by cell in the new notebook's order, removed cells where they
    /// were; unchanged cells included.
    Notebook(Vec<CellChange>),
    /// A `.ipynb` that is not a notebook this can read (bad JSON, no cell list): its text.
    NotebookAsText { diff: TextDiff, reason: String },
    /// A binary file: its sizes and what it is ("PNG image", "Parquet data", "binary data").
    Binary {
        old_size: Option<u64>,
        new_size: Option<u64>,
        kind: String,
    },
    /// A side is larger than [`MAX_DIFF_BYTES`]; not read.
    TooLarge {
        old_size: Option<u64>,
        new_size: Option<u64>,
        /// The size a side may have ([`diff_limit`]).
        limit: u64,
    },
    /// A blob the change names is missing from the repository (a partial clone, damage).
    Unreadable { reason: String },
}

/// The difference of one changed file. Never fails: what cannot be diffed is summarised.
pub fn file_diff(project: &Project, change: &FileChange) -> FileDiff {
    let limit = diff_limit(change);
    let too_large = |s: Option<u64>| s.is_some_and(|s| s > limit);
    let large = too_large(change.old_size) || too_large(change.new_size);
    if large && !change.binary {
        return FileDiff::TooLarge {
            old_size: change.old_size,
            new_size: change.new_size,
            limit,
        };
    }
    let binary = |kind: String| FileDiff::Binary {
        old_size: change.old_size,
        new_size: change.new_size,
        kind,
    };
    if large {
        return binary(binary_kind(None, change.path()));
    }
    let read = |blob: Option<Oid>| -> Result<Vec<u8>, String> {
        match blob {
            None => Ok(Vec::new()),
            Some(id) => project
                .blob(id)
                .ok_or_else(|| format!("blob {id} is missing from the repository")),
        }
    };
    let (old, new) = match (read(change.old_blob), read(change.new_blob)) {
        (Ok(o), Ok(n)) => (o, n),
        (Err(reason), _) | (_, Err(reason)) => return FileDiff::Unreadable { reason },
    };
    let path = change.path();
    let old_path = change.old_path.as_deref().unwrap_or(path);
    if change.binary || is_binary(&old, old_path) || is_binary(&new, path) {
        let sample = if new.is_empty() { &old } else { &new };
        return binary(binary_kind(Some(sample), path));
    }
    if change.is_notebook() {
        let old_side = change.old_blob.is_some().then_some(old.as_slice());
        let new_side = change.new_blob.is_some().then_some(new.as_slice());
        match notebook::diff_notebooks(old_side, new_side) {
            Ok(cells) => return FileDiff::Notebook(cells),
            Err(reason) => {
                return FileDiff::NotebookAsText {
                    diff: diff_text(
                        &String::from_utf8_lossy(&old),
                        &String::from_utf8_lossy(&new),
                    ),
                    reason,
                };
            }
        }
    }
    // Text that is not UTF-8 (Latin-1 CSVs) still diffs; the odd bytes show as U+FFFD.
    FileDiff::Text(diff_text(
        &String::from_utf8_lossy(&old),
        &String::from_utf8_lossy(&new),
    ))
}

/// The old side of a diff as text (rows keep each line's terminator, so this is exact).
pub fn old_text(d: &TextDiff) -> String {
    side_text(d, true)
}

/// The new side of a diff as text.
pub fn new_text(d: &TextDiff) -> String {
    side_text(d, false)
}

fn side_text(d: &TextDiff, left: bool) -> String {
    let mut s = String::new();
    for row in &d.rows {
        if let Some(l) = if left { &row.left } else { &row.right } {
            s.push_str(&l.text);
            s.push_str(l.eol.as_str());
        }
    }
    s
}

fn has_extension(path: &str, ext: &str) -> bool {
    extension(path).is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

fn extension(path: &str) -> Option<&str> {
    let name = path.rsplit('/').next().unwrap_or(path);
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => Some(ext),
        _ => None,
    }
}

/// Names of binary formats by extension (lower case).
const BINARY_EXTENSIONS: &[(&str, &str)] = &[
    ("png", "PNG image"),
    ("jpg", "JPEG image"),
    ("jpeg", "JPEG image"),
    ("gif", "GIF image"),
    ("bmp", "BMP image"),
    ("tif", "TIFF image"),
    ("tiff", "TIFF image"),
    ("webp", "WebP image"),
    ("ico", "icon"),
    ("pdf", "PDF document"),
    ("zip", "ZIP archive"),
    ("gz", "gzip archive"),
    ("tgz", "gzip archive"),
    ("bz2", "bzip2 archive"),
    ("xz", "xz archive"),
    ("7z", "7-Zip archive"),
    ("tar", "tar archive"),
    ("parquet", "Parquet data"),
    ("feather", "Feather data"),
    ("arrow", "Arrow data"),
    ("avro", "Avro data"),
    ("orc", "ORC data"),
    ("h5", "HDF5 data"),
    ("hdf5", "HDF5 data"),
    ("hdf", "HDF5 data"),
    ("nc", "NetCDF data"),
    ("npy", "NumPy array"),
    ("npz", "NumPy archive"),
    ("pkl", "Python pickle"),
    ("pickle", "Python pickle"),
    ("joblib", "joblib dump"),
    ("pt", "PyTorch model"),
    ("pth", "PyTorch model"),
    ("onnx", "ONNX model"),
    ("rds", "R data"),
    ("rdata", "R data"),
    ("rda", "R data"),
    ("sav", "SPSS data"),
    ("dta", "Stata data"),
    ("sas7bdat", "SAS data"),
    ("xlsx", "Excel workbook"),
    ("xls", "Excel workbook"),
    ("docx", "Word document"),
    ("pptx", "PowerPoint deck"),
    ("sqlite", "SQLite database"),
    ("sqlite3", "SQLite database"),
    ("db", "database file"),
    ("mp3", "MP3 audio"),
    ("wav", "WAV audio"),
    ("mp4", "MP4 video"),
    ("whl", "Python wheel"),
    ("so", "shared library"),
    ("dll", "shared library"),
    ("exe", "executable"),
];

fn binary_extension(path: &str) -> Option<&'static str> {
    let ext = extension(path)?.to_ascii_lowercase();
    BINARY_EXTENSIONS
        .iter()
        .find(|(e, _)| *e == ext)
        .map(|&(_, name)| name)
}

/// A binary format told by its leading bytes. ZIP containers (xlsx, docx, wheels) take their
/// name from the extension when it names one.
fn magic_kind(b: &[u8], path: &str) -> Option<&'static str> {
    if let Some(f) = sniff(b) {
        return Some(match f {
            ImageFormat::Jpeg => "JPEG image",
            ImageFormat::Png => "PNG image",
            ImageFormat::Gif => "GIF image",
            ImageFormat::Bmp if has_extension(path, "bmp") => "BMP image",
            // "BM" starts many text files; only the extension makes it a bitmap.
            ImageFormat::Bmp => return None,
        });
    }
    const MAGIC: &[(&[u8], &str)] = &[
        (b"%PDF-", "PDF document"),
        (b"\x1f\x8b", "gzip archive"),
        (b"PAR1", "Parquet data"),
        (b"\x89HDF\r\n\x1a\n", "HDF5 data"),
        (b"\x93NUMPY", "NumPy array"),
        (b"SQLite format 3\0", "SQLite database"),
        (b"BZh", "bzip2 archive"),
        (b"\xfd7zXZ\0", "xz archive"),
        (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
        (b"II*\0", "TIFF image"),
        (b"MM\0*", "TIFF image"),
        (b"ARROW1", "Arrow data"),
    ];
    if let Some(&(_, name)) = MAGIC.iter().find(|(m, _)| b.starts_with(m)) {
        return Some(name);
    }
    if b.starts_with(b"PK\x03\x04") || b.starts_with(b"PK\x05\x06") {
        return Some(binary_extension(path).unwrap_or("ZIP archive"));
    }
    if b.starts_with(b"RIFF") && b.get(8..12) == Some(b"WEBP") {
        return Some("WebP image");
    }
    None
}

/// What a binary file is: by its bytes when read, else by its extension, else "binary data".
pub fn binary_kind(bytes: Option<&[u8]>, path: &str) -> String {
    bytes
        .and_then(|b| magic_kind(b, path))
        .or_else(|| binary_extension(path))
        .unwrap_or("binary data")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::RecordMeta;

    #[test]
    fn file_records_by_type_and_tags() {
        let rec = |type_id, tags: &[&str]| Record {
            meta: RecordMeta {
                kind: RecordKind::from_id(type_id),
                tags: tags.iter().map(|s| s.to_string()).collect(),
                ..RecordMeta::default()
            },
            ..Record::default()
        };
        assert!(is_file_record(&rec(2, &["save"])));
        assert!(is_file_record(&rec(2, &["save", "upload"])));
        assert!(is_file_record(&rec(2, &["file-move"])));
        assert!(is_file_record(&rec(3, &[])));
        assert!(is_file_record(&rec(4, &["save"])));
        assert!(!is_file_record(&rec(2, &[])));
        assert!(!is_file_record(&rec(1, &["environment"])));
        assert!(!is_file_record(&rec(0, &["save"])));
        assert!(!is_file_record(&rec(-1, &["save"])));
    }

    #[test]
    fn binary_by_bytes_and_names() {
        assert!(is_binary(b"abc\0def", "x.txt"));
        assert!(!is_binary(b"a,b\n1,2\n", "input/x.csv"));
        assert!(is_binary(b"\x89PNG\r\n\x1a\nrest", "output/a.png"));
        assert!(is_binary(b"%PDF-1.4 text only", "report.pdf"));
        assert!(!is_binary(b"BMI,height\n25,180\n", "bmi.csv"));
        assert_eq!(
            binary_kind(Some(b"\xff\xd8\xff\xe0"), "a.png"),
            "JPEG image"
        );
        assert_eq!(
            binary_kind(Some(b"PK\x03\x04"), "book.xlsx"),
            "Excel workbook"
        );
        assert_eq!(binary_kind(Some(b"PK\x03\x04"), "x.bin"), "ZIP archive");
        assert_eq!(binary_kind(None, "model.PKL"), "Python pickle");
        assert_eq!(binary_kind(Some(b"\0\0"), "x.bin"), "binary data");
        assert_eq!(binary_kind(None, ".png"), "binary data");
    }

    #[test]
    fn paths_and_extensions() {
        assert!(has_extension("code/a.IPYNB", "ipynb"));
        assert!(!has_extension("code/.ipynb", "ipynb"));
        assert!(!has_extension("code.ipynb/x", "ipynb"));
        assert_eq!(extension("a/b.c/d"), None);
    }

    #[test]
    fn sides_rebuild_the_texts() {
        let d = diff_text("a\r\nb\nc", "a\nc\nd\n");
        assert_eq!(old_text(&d), "a\r\nb\nc");
        assert_eq!(new_text(&d), "a\nc\nd\n");
    }
}
