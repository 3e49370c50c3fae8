//! Two versions of a notebook cell compared, and what else changed in the repository between
//! them: the answer to "why did the output change?" for notebooks in git. `gtm-tui diff` and
//! the TUI's cell screen both read it from here, so they cannot tell two stories.

use git2::Oid;

use super::{CellState, NbHistory, UNNUMBERED};
use crate::activity::{Content, ImageInfo};
use crate::compare::{Comparison, Printed, image_pairs};
use crate::diff::diff_text;
use crate::notebook::Cell;

/// A file of another kind (environment, data) changed by a commit between two versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChanged {
    pub commit: Oid,
    pub path: String,
}

/// What changed after one version of a cell and up to (and with) a later one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NbBetween {
    /// Other cells of the notebook that changed (added, edited, moved) in the later version's
    /// commit or a commit between, by number, newest first, each once.
    pub other_cells: Vec<u32>,
    /// Versions of the notebook those cells come from: 1 when only the later version's commit
    /// touched the notebook.
    pub versions: usize,
    /// Environment files (requirements, lock files) changed, newest commit first.
    pub env_files: Vec<FileChanged>,
    /// Data files changed, newest commit first.
    pub data_files: Vec<FileChanged>,
}

impl NbBetween {
    /// Nothing else in the repository changed: the cell's output moved on its own.
    pub fn is_empty(&self) -> bool {
        self.other_cells.is_empty() && self.env_files.is_empty() && self.data_files.is_empty()
    }
}

/// The name a cell number is shown by (`c3`); `None` for a cell left unnumbered.
pub fn cell_name(number: u32) -> Option<String> {
    (number != UNNUMBERED).then(|| format!("c{number}"))
}

/// What happened from entry `older` (excluded) to entry `newer` (included) around cell `cell`;
/// `None` when either entry is not in the history. The order of the two does not matter.
pub fn between(h: &NbHistory, newer: usize, older: usize, cell: u32) -> Option<NbBetween> {
    // Entries are newest first: the later version has the smaller index.
    let (newer, older) = (newer.min(older), newer.max(older));
    let (e, p) = (h.entries.get(newer)?, h.entries.get(older)?);
    let mut out = NbBetween::default();
    for x in h.entries.get(newer..older).unwrap_or_default() {
        if x.notebook != e.notebook {
            continue;
        }
        out.versions += 1;
        for c in &x.cells {
            if c.cell != cell
                && c.state != CellState::Unchanged
                && !out.other_cells.contains(&c.cell)
            {
                out.other_cells.push(c.cell);
            }
        }
    }
    for c in h.commits.get(e.commit..p.commit).unwrap_or_default() {
        let files = |list: &[String]| {
            list.iter()
                .map(|f| FileChanged {
                    commit: c.id,
                    path: f.clone(),
                })
                .collect::<Vec<_>>()
        };
        out.env_files.extend(files(&c.env_files));
        out.data_files.extend(files(&c.data_files));
    }
    Some(out)
}

/// Text of a cell's outputs as compared: streams, plain results, errors by name and value.
pub fn output_text(c: &Cell) -> String {
    let mut s = String::new();
    for o in &c.outputs {
        if let Some(t) = &o.text {
            s.push_str(t);
        }
        for (mime, content) in &o.data {
            if mime == "text/plain" {
                s.push_str(content);
                s.push('\n');
            }
        }
        if let Some(e) = &o.ename {
            s.push_str(&format!("{e}: {}\n", o.evalue.as_deref().unwrap_or("")));
        }
    }
    s
}

/// What a cell printed, as the activity log's runs are compared: its text and its pictures,
/// decoded from the base64 the notebook keeps (by magic bytes, not by the MIME type's word).
/// A picture that does not decode is an error naming its output, not a panic.
pub fn printed(c: &Cell) -> Printed {
    let mut out = Printed {
        text: output_text(c),
        ..Printed::default()
    };
    for (k, o) in c.outputs.iter().enumerate() {
        for (mime, content) in &o.data {
            // SVG is text, drawn by nobody here: it is neither a picture nor an error.
            if !mime.starts_with("image/") || mime == "image/svg+xml" {
                continue;
            }
            match image_of(mime, content) {
                Ok(image) => out.images.push(image),
                Err(e) => out.errors.push(format!("output {} {mime}: {e}", k + 1)),
            }
        }
    }
    out
}

/// A picture of a notebook output (`data[mime]`, base64 as nbformat keeps it) decoded: its
/// format by magic bytes, its size, its hash; why not, when it is not one.
pub fn image_of(mime: &str, content: &str) -> Result<ImageInfo, String> {
    match crate::activity::detail::decode_entry(mime, content.as_bytes().to_vec()) {
        Ok(Content::Image { image, .. }) => Ok(image),
        Ok(_) => Err("not an image".into()),
        Err((_, e)) => Err(e),
    }
}

/// Version `old` of a cell against version `new`, as the activity log's runs are compared.
/// `at` names them (`(old, new)`, positions in the caller's list of versions); `clean` turns
/// the repository's text into what the caller will show, before it is diffed, so that the
/// diff's columns are those of the text shown.
pub fn compare_cells(
    old: &Cell,
    new: &Cell,
    at: (usize, usize),
    clean: &dyn Fn(&str) -> String,
) -> Comparison {
    let mut old_output = printed(old);
    let mut new_output = printed(new);
    for p in [&mut old_output, &mut new_output] {
        p.text = clean(&p.text);
        p.errors = p.errors.iter().map(|e| clean(e)).collect();
    }
    let code = diff_text(&clean(&old.source), &clean(&new.source));
    let output = diff_text(&old_output.text, &new_output.text);
    let images = image_pairs(&old_output, &new_output);
    let output_changed = old.outputs_digest != new.outputs_digest
        || !output.stats.identical
        || images.iter().any(|p| !p.identical());
    Comparison {
        old: at.0,
        new: at.1,
        code,
        old_output,
        new_output,
        output,
        images,
        output_changed,
        // The activity log's account of what happened between runs; a notebook's is
        // [`between`], asked for by entry.
        between: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::ImagePair;
    use crate::notebook::{CellKind, Output};

    const PNG_1X1: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

    fn cell(source: &str, outputs: Vec<Output>, digest: u64) -> Cell {
        Cell {
            kind: CellKind::Code,
            id: None,
            source: source.into(),
            execution_count: Some(1),
            outputs,
            outputs_digest: digest,
            has_error: false,
        }
    }

    fn picture(base64: &str) -> Output {
        Output {
            output_type: Some("display_data".into()),
            text: None,
            name: None,
            ename: None,
            evalue: None,
            traceback: None,
            data: vec![
                ("image/png".into(), base64.into()),
                ("text/plain".into(), "<Figure>".into()),
            ],
        }
    }

    #[test]
    fn pictures_are_compared_by_hash_and_a_broken_one_is_an_error() {
        let good = cell("plot()", vec![picture(PNG_1X1)], 1);
        let broken = cell("plot()", vec![picture("iVBORw0KGgo%%%")], 2);
        let same = compare_cells(&good, &good, (1, 0), &|s| s.to_string());
        assert!(same.code.stats.identical && !same.output_changed);
        assert_eq!(same.images.len(), 1);
        assert!(same.images.iter().all(ImagePair::identical));
        let img = same.new_output.images.first().map(|i| (i.width, i.height));
        assert_eq!(img, Some((1, 1)));
        let cmp = compare_cells(&good, &broken, (1, 0), &|s| s.to_string());
        assert!(cmp.output_changed);
        assert!(cmp.new_output.images.is_empty());
        assert!(
            cmp.new_output
                .errors
                .first()
                .is_some_and(|e| e.starts_with("output 1 image/png: ")),
            "{:?}",
            cmp.new_output.errors
        );
        // The text shown is what is compared: `clean` runs before the diff.
        assert_eq!(cmp.old_output.text, "<Figure>\n");
        let loud = compare_cells(&good, &good, (1, 0), &|s| s.to_uppercase());
        assert_eq!(loud.new_output.text, "<FIGURE>\n");
    }
}
