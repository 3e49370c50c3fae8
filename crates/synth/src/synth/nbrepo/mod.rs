//! `NbRepo`: plain git repositories of Jupyter notebooks, as people's editors and hooks leave them, each with the truth of which cell is which across the history.
//!
//! Nothing here is Gigantum: the repository is what a team gets from
//! committing notebooks to an ordinary git project on `main`. Every commit
//! saves one to three notebooks after a bit of work (cells edited a little or
//! rewritten, rerun, run all with or without a restart, inserted, deleted,
//! moved, copied, split, merged), or changes only other files (README,
//! scripts, and with `env_files` the requirements, conda and pyproject files
//! and CSVs under `data/`). Files are byte for byte what Jupyter writes:
//! sorted keys, one-space indent, sources as lists of lines, nbformat 4.5 with
//! ids, 4.0–4.4 without (4.0 with Colab's metadata), or nbformat 3 with
//! `worksheets` when `old_formats` (such a notebook is upgraded by a later
//! save, as opening it in a newer Jupyter does).
//!
//! The truth gives every cell a number that is unique in the repository and
//! follows the cell, not its id or position: an edit, a rerun, a move, a
//! strip, a rename of the file, regenerated or renumbered ids all keep it; a
//! copy, an inserted cell and the bottom half of a split get new numbers;
//! a merge keeps the upper cell's. Numbers of deleted cells never come back.
//!
//! Three cases need a rule of their own:
//! - a broken version (`conflict`, `truncated`, `lfs`) has no cells in the
//!   truth; the work done in it is thrown away, so the next version goes on
//!   from the last good one with the same numbers;
//! - a notebook deleted and later added again at the same path is a new
//!   notebook: new content, new numbers, new ids;
//! - the history is linear (no merge commits); a conflict is committed as
//!   people do after a botched `git pull`, as one ordinary commit.
//!
//! The same options always give the same bytes: one seeded [`Rng`], ordered
//! maps, fixed times.
//!
//! [`Rng`]: crate::synth::Rng

mod broken;
mod git;
mod history;
mod model;
mod ops;
mod other;
mod png;
mod render;
mod text;

#[cfg(test)]
mod tests;

use std::path::Path;

use super::writer::SynthError;

/// What to write.
#[derive(Clone, Debug)]
pub struct NbRepo {
    pub seed: u64,
    /// Commits to write; each touches one to three notebooks, some only other files.
    pub commits: usize,
    /// Notebooks created over the history.
    pub notebooks: usize,
    /// Cells of a new notebook.
    pub cells: usize,
    pub ids: IdMode,
    /// Share of commits whose notebook saves have no outputs and no counts.
    pub stripped: f32,
    /// Share of code cells that draw a PNG figure when run.
    pub images: f32,
    /// Notebooks renamed or moved, and one deleted and later added again.
    pub renames: bool,
    /// A few versions nobody can read (conflict markers, cut off, LFS pointer).
    pub broken: bool,
    /// Commits that change requirements.txt, environment.yml, pyproject.toml and data/*.csv.
    pub env_files: bool,
    /// Some notebooks in nbformat 3 or 4.0–4.4 (upgraded by a later save when ids are on).
    pub old_formats: bool,
    /// A figure's size in pixels. Past the default 24×16 the plot is drawn with a little
    /// noise, as anti-aliased plots have, so its PNG weighs what real ones do (a 320×240
    /// figure is about 30 KB of base64).
    pub figure_px: (u32, u32),
}

impl Default for NbRepo {
    fn default() -> Self {
        NbRepo {
            seed: 1,
            commits: 60,
            notebooks: 3,
            cells: 12,
            ids: IdMode::Stable,
            stripped: 0.0,
            images: 0.1,
            renames: false,
            broken: false,
            env_files: false,
            old_formats: false,
            figure_px: (24, 16),
        }
    }
}

/// What the saves do with nbformat cell ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdMode {
    /// nbformat 4.4 or lower: no ids (Colab writes 4.0).
    None,
    /// nbformat 4.5 ids as the spec means them: an id stays with its cell.
    Stable,
    /// Like `Stable`, but about a third of the commits regenerate every id of
    /// the notebooks they save (JupyterLab 3.0.x), changing little else.
    Churn,
    /// nbstripout's renumbering on every save: "0", "1", …; an id names a position.
    Renumber,
}

impl NbRepo {
    /// Writes the repository into `dir` (created if missing, else it must be
    /// empty) and returns the truth.
    pub fn write(&self, dir: &Path) -> Result<NbTruth, SynthError> {
        history::write(self, dir)
    }
}

/// The truth of a written repository.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct NbTruth {
    /// Oldest first.
    pub commits: Vec<TruthCommit>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct TruthCommit {
    /// Full hex id.
    pub commit: String,
    pub parents: Vec<String>,
    /// Author time, unix seconds.
    pub time: i64,
    /// `Name <email>`.
    pub author: String,
    /// Exactly as stored in the commit (ends with a newline, as `git commit` writes).
    pub message: String,
    /// Every notebook the commit added, changed, renamed or deleted, in the order saved.
    pub notebooks: Vec<TruthVersion>,
    /// Other paths it added or changed, sorted.
    pub other_files: Vec<String>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct TruthVersion {
    /// Path after the commit (the old path for a deletion).
    pub path: String,
    /// Set when renamed in this commit.
    pub old_path: Option<String>,
    /// Deleted here (no cells).
    pub deleted: bool,
    /// `conflict`, `truncated` or `lfs` when unreadable on purpose (no cells).
    pub broken: Option<String>,
    /// The true identity of each cell in file order, all cell types.
    pub cells: Vec<u64>,
    /// Every id of this save was drawn anew (`IdMode::Churn`).
    pub ids_regenerated: bool,
    /// What was done, in order: `create`, `edit 3`, `rewrite 3`, `rerun 3`,
    /// `run-all`, `restart-run-all`, `insert 5`, `delete 9`, `move 2->7`,
    /// `copy 1->2`, `split 4`, `merge 6+7`, `upgrade`, `regenerate ids`,
    /// `strip`, `rename`, `delete notebook`, or the broken kind.
    pub ops: Vec<String>,
}
