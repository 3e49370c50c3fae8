//! The notebook as the user's editor holds it between saves: cells with their true identity, the kernel's counter, the file's format.

use crate::synth::workload::Py;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Code,
    Markdown,
    Raw,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Output {
    Stdout(String),
    Result(String),
    /// A figure: the PNG already in base64, as the file holds it.
    Image(String),
    Error {
        ename: String,
        evalue: String,
        traceback: Vec<String>,
    },
}

/// Per-cell metadata a real editor leaves behind; it travels with the cell
/// on copy and move, so it is part of the cell, not of the save.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Meta {
    Plain,
    Tags,
    Scrolled,
}

#[derive(Debug, Clone)]
pub(super) struct Cell {
    /// The truth: unique across the repository, never reused.
    pub(super) ident: u64,
    pub(super) kind: Kind,
    pub(super) source: String,
    /// The template the code came from, which decides what a run prints;
    /// `None` once the text no longer follows one (split, merge, typed).
    pub(super) tpl: Option<(Py, [u32; 3])>,
    /// Draws a figure when run.
    pub(super) plot: bool,
    /// Prints different numbers on every run (random data, timings).
    pub(super) noisy: bool,
    pub(super) count: Option<u32>,
    pub(super) outputs: Vec<Output>,
    /// The nbformat id; `None` until a save that carries ids gives it one.
    pub(super) nbid: Option<String>,
    pub(super) meta: Meta,
}

impl Cell {
    pub(super) fn is_code(&self) -> bool {
        self.kind == Kind::Code
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    /// nbformat 3: one worksheet, `input` and `prompt_number`.
    V3,
    /// nbformat 4 with this minor; ids from 5 on.
    V4(u8),
}

/// How an editor spells a new cell id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum IdStyle {
    /// JupyterLab: a full uuid4.
    Uuid,
    /// nbformat's own upgrade and Notebook 7: eight hex digits.
    Hex8,
}

#[derive(Debug, Clone)]
pub(super) struct Nb {
    pub(super) path: String,
    pub(super) cells: Vec<Cell>,
    pub(super) format: Format,
    pub(super) id_style: IdStyle,
    /// Saved by Colab (nbformat 4.0 with Colab's metadata).
    pub(super) colab: bool,
    pub(super) python: &'static str,
    pub(super) dataset: usize,
    /// The kernel's last execution count; 0 right after a (re)start.
    pub(super) counter: u32,
    /// Time of the last save, to tell a new working session from the same one.
    pub(super) last_time: i64,
    /// What the repository holds for it now (a good or a broken version).
    pub(super) last_bytes: Vec<u8>,
    pub(super) last_broken: bool,
    pub(super) alive: bool,
    /// Signature salt of an nbformat 3 file.
    pub(super) salt: u64,
}

impl Nb {
    pub(super) fn code_indices(&self) -> Vec<usize> {
        (0..self.cells.len())
            .filter(|&i| self.cells[i].is_code())
            .collect()
    }

    pub(super) fn has_ids(&self) -> bool {
        matches!(self.format, Format::V4(m) if m >= 5)
    }
}
