//! The code cells of a committed Jupyter notebook, as evidence for lineage:
//! each cell's source, execution count and (nbformat ≥ 4.5) id, read by
//! [`crate::notebook`] without the outputs.

use crate::notebook::{self, CellKind, NotebookError, Parts};

pub use crate::notebook::normalize;

/// One code cell of a notebook snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NbCell {
    /// nbformat 4.5 cell id, when the notebook has them.
    pub id: Option<String>,
    /// The source, normalised as [`normalize`] does.
    pub source: String,
    pub count: Option<u32>,
}

/// The code cells of a notebook file, `None` if it is no evidence: not
/// notebook JSON, or a blank file (created, never saved by Jupyter).
pub fn code_cells(bytes: &[u8]) -> Option<Vec<NbCell>> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let nb = match notebook::read(bytes, Parts::Sources) {
        Ok(nb) => nb,
        // An object without cells shows no code cell, as it always has here.
        Err(NotebookError::NoCells) => return Some(Vec::new()),
        Err(_) => return None,
    };
    Some(
        nb.cells
            .into_iter()
            .filter(|c| c.kind == CellKind::Code)
            .map(|c| NbCell {
                id: c.id,
                source: normalized(c.source),
                count: c.execution_count.and_then(|n| u32::try_from(n).ok()),
            })
            .collect(),
    )
}

/// [`normalize`] in place: most sources need only their end trimmed.
fn normalized(mut s: String) -> String {
    if s.contains('\r') {
        return normalize(&s);
    }
    s.truncate(s.trim_end().len());
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sources_counts_and_ids() {
        let nb = br##"{"cells": [
            {"cell_type": "markdown", "source": ["# Title"], "metadata": {}},
            {"cell_type": "code", "id": "a1", "execution_count": 3,
             "source": ["import pandas as pd\n", "x = 1\n"], "outputs": [{"data": {"image/png": "AAAA"}}]},
            {"cell_type": "code", "execution_count": null, "source": "y = 2"}
        ], "nbformat": 4, "nbformat_minor": 5}"##;
        let cells = code_cells(nb).unwrap();
        assert_eq!(cells.len(), 2);
        assert_eq!(cells[0].id.as_deref(), Some("a1"));
        assert_eq!(cells[0].source, "import pandas as pd\nx = 1");
        assert_eq!(cells[0].count, Some(3));
        assert_eq!(cells[1].id, None);
        assert_eq!(cells[1].count, None);
        assert_eq!(cells[1].source, "y = 2");
    }

    #[test]
    fn not_a_notebook_is_none_never_a_panic() {
        assert!(code_cells(b"").is_none());
        assert!(code_cells(b"[1,2]").is_none());
        assert!(code_cells(b"{\"cells\": 5}").is_none());
        assert_eq!(code_cells(b"{}"), Some(Vec::new()));
    }

    #[test]
    fn normalize_unifies_line_ends_and_trailing_space() {
        assert_eq!(normalize("a\r\nb\n\n  "), "a\nb");
        assert_eq!(normalize("  a"), "  a");
    }
}
