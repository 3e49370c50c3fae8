//! Notebooks in plain git, the second history source: per commit and notebook it changed,
//! every cell of that version, each named by the cell it is across the whole history.
//!
//! Consecutive versions of a notebook (the first parent's blob and the commit's) are paired
//! cell by cell with the pairing the notebook diff uses ([`crate::files::pair_cells`]): ids
//! where they can be trusted, order and content where not. A cell keeps its number through
//! every version it is paired into; an unpaired cell is a new one. Renames (git's sense: a
//! notebook deleted and one added in one commit with the same or mostly the same cells) keep
//! the notebook and its cells; a notebook deleted and added again later starts afresh.

pub mod between;
mod build;
pub mod insights;
mod stream;
#[cfg(test)]
mod tests;

use git2::Oid;
use serde::Serialize;

pub use crate::files::PairedBy;
pub use crate::notebook::CellKind;
use crate::repo::WalkStats;

pub use between::{NbBetween, cell_name};
pub use build::{Compared, Parsed, UNNUMBERED, build, build_from, build_one, compare};
pub use stream::{Streamed, entry_of, stream, stream_reading_on, stream_since};

/// A notebook version read whole from its blob with `parts` (the history itself is read with
/// the scanner); why not, when the blob is missing or not a notebook.
pub fn read_version(
    project: &crate::repo::Project,
    id: git2::Oid,
    parts: crate::notebook::Parts,
) -> Result<crate::notebook::Notebook, String> {
    let bytes = project
        .blob(id)
        .ok_or_else(|| format!("blob {id} cannot be read from the repository"))?;
    crate::notebook::read(&bytes, parts).map_err(|e| e.to_string())
}

/// The history of a repository's notebooks.
#[derive(Debug, Clone, Default)]
pub struct NbHistory {
    /// Every commit walked, newest first.
    pub commits: Vec<NbCommit>,
    /// One per commit and notebook it changed, newest first (a commit's in path order): the
    /// timeline's records.
    pub entries: Vec<NbEntry>,
    /// Each notebook followed through its renames, in the order first seen (oldest first).
    pub notebooks: Vec<NbTrack>,
    /// Each cell, by its number.
    pub cells: Vec<CellLife>,
    pub stats: WalkStats,
}

/// A commit, with what it changed besides notebooks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NbCommit {
    pub id: Oid,
    pub parents: Vec<Oid>,
    /// Commit time, unix seconds.
    pub time: i64,
    pub tz_minutes: i32,
    pub author: String,
    pub email: String,
    pub message: String,
    pub env_files: Vec<String>,
    pub data_files: Vec<String>,
    pub other_files: usize,
    /// Its entries: `entries[first..first + count]`.
    pub first_entry: usize,
    pub entry_count: usize,
}

impl NbCommit {
    /// A walked commit whose entries are `entries[first_entry..first_entry + entry_count]`.
    pub fn new(c: crate::repo::CommitChanges, first_entry: usize, entry_count: usize) -> Self {
        NbCommit {
            id: c.commit,
            parents: c.parents,
            time: c.time,
            tz_minutes: c.tz_minutes,
            author: c.author,
            email: c.email,
            message: c.message,
            env_files: c.env_files,
            data_files: c.data_files,
            other_files: c.other_files,
            first_entry,
            entry_count,
        }
    }

    /// The message's first line.
    pub fn summary(&self) -> &str {
        self.message.lines().next().unwrap_or("").trim_end()
    }
}

/// What a commit did to a notebook file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileChange {
    Added,
    Modified,
    Renamed,
    Deleted,
}

/// One notebook as one commit left it.
#[derive(Debug, Clone, PartialEq)]
pub struct NbEntry {
    /// Index into [`NbHistory::commits`].
    pub commit: usize,
    /// Index into [`NbHistory::notebooks`].
    pub notebook: usize,
    pub path: String,
    /// The path before, when this commit renamed it.
    pub old_path: Option<String>,
    pub change: FileChange,
    /// The version's blob (`None` when deleted).
    pub blob: Option<Oid>,
    /// The version its cells were paired with (the last readable one before it).
    pub base: Option<Oid>,
    /// Why this version could not be read (its cells are empty then).
    pub error: Option<String>,
    /// The version before could not be read, and none older was known (a streamed entry):
    /// its cells are shown as they are, not as added.
    pub base_unreadable: bool,
    /// Every cell of the version, in order.
    pub cells: Vec<EntryCell>,
    /// Cells of the base that are gone.
    pub removed: Vec<u32>,
    pub summary: Summary,
    /// How the cells were paired with the base's (`None`: no base, or unreadable).
    pub paired_by: Option<PairedBy>,
}

/// What happened to a cell in one version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CellState {
    Added,
    /// Its source or type changed.
    Modified,
    /// Same source, another place among the cells.
    Moved,
    Unchanged,
}

impl CellState {
    pub fn name(self) -> &'static str {
        match self {
            CellState::Added => "added",
            CellState::Modified => "modified",
            CellState::Moved => "moved",
            CellState::Unchanged => "unchanged",
        }
    }
}

/// One cell of one version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryCell {
    /// The cell's number across the history (index into [`NbHistory::cells`]).
    pub cell: u32,
    pub kind: CellKind,
    pub state: CellState,
    pub count: Option<u64>,
    /// Run again: the execution count changed, the source did not.
    pub rerun: bool,
    /// The outputs differ from the base's (not counting outputs cleared).
    pub outputs_changed: bool,
    /// The outputs were cleared (no count, no outputs, where the base had them): a stripped save.
    pub cleared: bool,
    /// An output is an error.
    pub has_error: bool,
    /// An error output the base's cell did not have.
    pub new_error: bool,
}

impl EntryCell {
    /// Anything about the cell differs from the base.
    pub fn changed(&self) -> bool {
        self.state != CellState::Unchanged || self.rerun || self.outputs_changed || self.cleared
    }
}

/// Counts of what a version changed, cell by cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Summary {
    pub added: usize,
    pub removed: usize,
    pub edited: usize,
    pub moved: usize,
    /// Run again with the same source.
    pub rerun: usize,
    /// Outputs changed while the source did not.
    pub outputs: usize,
    pub cleared: usize,
    pub new_errors: usize,
    pub unchanged: usize,
}

/// A notebook followed through its renames.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NbTrack {
    /// Its path at the newest version.
    pub path: String,
    /// Every path it had, oldest first.
    pub paths: Vec<String>,
    /// Its entries, newest first.
    pub entries: Vec<usize>,
}

/// One cell through the history.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CellLife {
    pub notebook: usize,
    /// `(entry, index of the cell in it)` for every version where the cell changed (added,
    /// edited, moved, re-run, outputs changed or cleared), newest first.
    pub versions: Vec<(usize, usize)>,
    /// The entry where it was removed, if it was.
    pub removed_in: Option<usize>,
}

impl NbEntry {
    /// The entry a change names before any version is read: no cells, no base, no error.
    pub fn unread(nb: &crate::repo::NotebookChange, commit: usize, notebook: usize) -> Self {
        let change = match (nb.old_blob, nb.new_blob, &nb.old_path) {
            (_, None, _) => FileChange::Deleted,
            (_, _, Some(_)) => FileChange::Renamed,
            (None, Some(_), _) => FileChange::Added,
            (Some(_), Some(_), _) => FileChange::Modified,
        };
        NbEntry {
            commit,
            notebook,
            path: nb.path.clone(),
            old_path: nb.old_path.clone(),
            change,
            blob: nb.new_blob,
            base: None,
            error: None,
            base_unreadable: false,
            cells: Vec::new(),
            removed: Vec::new(),
            summary: Summary::default(),
            paired_by: None,
        }
    }
}

impl NbHistory {
    pub fn commit_of(&self, entry: &NbEntry) -> Option<&NbCommit> {
        self.commits.get(entry.commit)
    }

    /// The entries of one commit.
    pub fn entries_of(&self, commit: &NbCommit) -> &[NbEntry] {
        self.entries
            .get(commit.first_entry..commit.first_entry + commit.entry_count)
            .unwrap_or_default()
    }
}
