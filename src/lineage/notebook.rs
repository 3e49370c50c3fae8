//! The code cells of a committed Jupyter notebook, as evidence for lineage:
//! each cell's source, execution count and (nbformat ≥ 4.5) id.

use serde::Deserialize;
use serde::de::IgnoredAny;

/// One code cell of a notebook snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NbCell {
    /// nbformat 4.5 cell id, when the notebook has them.
    pub id: Option<String>,
    /// The source, normalised as [`normalize`] does.
    pub source: String,
    pub count: Option<u32>,
}

#[derive(Deserialize)]
struct Doc {
    #[serde(default)]
    cells: Vec<RawCell>,
}

#[derive(Deserialize)]
struct RawCell {
    #[serde(default)]
    cell_type: String,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    source: Source,
    #[serde(default)]
    execution_count: Option<u32>,
    // Outputs can be megabytes of base64 pictures: skipped, not kept.
    #[serde(default)]
    #[allow(dead_code)]
    outputs: IgnoredAny,
}

/// nbformat allows the source as one string or a list of lines.
#[derive(Deserialize, Default)]
#[serde(untagged)]
enum Source {
    One(String),
    Lines(Vec<String>),
    #[default]
    Missing,
}

impl Source {
    fn joined(self) -> String {
        match self {
            Source::One(s) => s,
            Source::Lines(l) => l.concat(),
            Source::Missing => String::new(),
        }
    }
}

/// The code cells of a notebook file, `None` if it is not notebook JSON.
pub fn code_cells(bytes: &[u8]) -> Option<Vec<NbCell>> {
    let doc: Doc = serde_json::from_slice(bytes).ok()?;
    Some(
        doc.cells
            .into_iter()
            .filter(|c| c.cell_type == "code")
            .map(|c| NbCell {
                id: c.id,
                source: normalize(&c.source.joined()),
                count: c.execution_count,
            })
            .collect(),
    )
}

/// Source text compared the same way everywhere: line endings unified and
/// trailing blank space dropped (the client's fence and the notebook's
/// last line differ there).
pub fn normalize(src: &str) -> String {
    let s = if src.contains('\r') {
        src.replace("\r\n", "\n")
    } else {
        src.to_string()
    };
    s.trim_end().to_string()
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
