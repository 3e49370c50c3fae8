//! The notebook timeline's slow work, done on a worker thread: a version's changed cells read
//! from its blob (and its base's, for the source diffs), and one cell's versions across the
//! history. What comes out is sanitised and highlighted but not yet laid out, so a resize
//! needs no new read.

use crate::render::palette::SyntaxTheme;
use std::collections::HashMap;

use git2::Oid;
use ratatui::style::Style;

use crate::nbhistory::{CellState, NbEntry, NbHistory, between, read_version};
use crate::notebook::{Cell, CellKind, Notebook, Output, Parts};
use crate::render::highlight::{Highlighter, Lang, StyledLine};
use crate::render::image::Picture;
use crate::render::notebooks::{cell_heading, cell_states, kernel_lang, plural};
use crate::render::numbers::human_bytes;
use crate::render::text::render_output;
use crate::render::{sanitize, streams};
use crate::repo::Project;
use crate::tui::prepare::PICTURE_MAX;

/// Outputs longer than this are cut: the pane is for seeing what changed, not for reading logs.
const OUTPUT_LINES: usize = 40;

/// How a line of the record pane is coloured, decided when it is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Title,
    Text,
    Dim,
    Error,
    Badge,
}

/// One part of a decoded version, in reading order.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    /// Where the cell at this index of the version begins (for `c`).
    Cell(usize),
    Line(String, Tone),
    /// Highlighted code, or another cell's text.
    Code(Vec<StyledLine>),
    /// Output lines; unstyled spans take the theme's output colour.
    Output(Vec<StyledLine>),
    /// A picture, decoded for drawing (on the worker, as the version is read), under a line
    /// saying what it is; a broken one says why in its place.
    Image {
        mime: String,
        /// Format, width, height, bytes, when it decoded that far.
        info: Option<(&'static str, u32, u32, u64)>,
        picture: Result<Picture, String>,
    },
    /// A modified cell's source against its base's.
    Diff {
        old: String,
        new: String,
        old_hl: Vec<StyledLine>,
        new_hl: Vec<StyledLine>,
    },
}

/// A version's changed cells, ready to lay out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordView {
    pub pieces: Vec<Piece>,
}

/// The cache key of a decoded version: the same blob compared with the same base reads the
/// same, whichever commit it came in.
pub type DecodeKey = (Option<Oid>, Option<Oid>);

pub fn key_of(entry: &NbEntry) -> DecodeKey {
    (entry.blob, entry.base)
}

/// Text from the repository as the screen may show it: control characters as markers, tabs
/// as spaces (a tab's width is the terminal's to decide, and the layout's widths would be off).
pub(super) fn clean(s: &str) -> String {
    sanitize::text(s).replace('\t', "    ")
}

pub(super) fn highlight(
    source: &str,
    kind: CellKind,
    lang: Lang,
    syntax: SyntaxTheme,
) -> Vec<StyledLine> {
    match kind {
        CellKind::Code => Highlighter::get().highlight(source, lang, syntax),
        CellKind::Markdown => Highlighter::get().highlight(source, Lang::Markdown, syntax),
        _ => source
            .lines()
            .map(|l| vec![(Style::default(), l.to_string())])
            .collect(),
    }
}

/// The version an entry left, read whole; else the one line that says why there is none
/// (unreadable, or `deleted` for a notebook the commit removed).
fn open_version(
    project: &Project,
    entry: &NbEntry,
    deleted: String,
) -> Result<Notebook, RecordView> {
    let said = |text: String, tone: Tone| RecordView {
        pieces: vec![Piece::Line(text, tone)],
    };
    let unreadable = |e: &str| {
        said(
            format!("This version cannot be read: {}", sanitize::line(e)),
            Tone::Error,
        )
    };
    if let Some(e) = &entry.error {
        return Err(unreadable(e));
    }
    let Some(blob) = entry.blob else {
        return Err(said(deleted, Tone::Dim));
    };
    read_version(project, blob, Parts::All).map_err(|e| unreadable(&e))
}

/// Reads the version an entry left and lays out its changed cells.
pub fn decode(project: &Project, entry: &NbEntry, syntax: impl Into<SyntaxTheme>) -> RecordView {
    let syntax: SyntaxTheme = syntax.into();
    let deleted = format!(
        "The notebook was deleted ({} cells).",
        entry.summary.removed
    );
    let nb = match open_version(project, entry, deleted) {
        Ok(nb) => nb,
        Err(said) => return said,
    };
    let mut pieces = Vec::new();
    // An unreadable base leaves the modified cells without a diff: their source is shown whole.
    let base = entry
        .base
        .and_then(|b| read_version(project, b, Parts::Sources).ok());
    let old_of: HashMap<usize, usize> = base
        .as_ref()
        .map(|b| {
            crate::files::pair_cells(&b.cells, &nb.cells)
                .pairs
                .into_iter()
                .map(|(o, n)| (n, o))
                .collect()
        })
        .unwrap_or_default();
    let lang = kernel_lang(&nb);
    let mut unchanged = 0usize;
    for (i, ec) in entry.cells.iter().enumerate() {
        if !ec.changed() {
            unchanged += 1;
            continue;
        }
        let Some(cell) = nb.cells.get(i) else {
            continue;
        };
        pieces.push(Piece::Cell(i));
        let head = cell_heading(i, cell, &cell_states(ec));
        pieces.push(Piece::Line(
            head,
            if ec.new_error {
                Tone::Error
            } else {
                Tone::Title
            },
        ));
        let old = old_of
            .get(&i)
            .and_then(|o| base.as_ref().and_then(|b| b.cells.get(*o)));
        match old {
            Some(old) if ec.state == CellState::Modified => {
                let (o, n) = (clean(&old.source), clean(&cell.source));
                pieces.push(Piece::Diff {
                    old_hl: highlight(&o, old.kind, lang, syntax),
                    new_hl: highlight(&n, cell.kind, lang, syntax),
                    old: o,
                    new: n,
                });
            }
            _ => {
                let src = clean(&cell.source);
                if !src.trim().is_empty() {
                    pieces.push(Piece::Code(highlight(&src, cell.kind, lang, syntax)));
                }
            }
        }
        outputs(cell, &mut pieces);
        pieces.push(Piece::Line(String::new(), Tone::Text));
    }
    let mut tail = Vec::new();
    if unchanged > 0 {
        tail.push(plural(unchanged, "unchanged cell"));
    }
    if !entry.removed.is_empty() {
        tail.push(plural(entry.removed.len(), "cell") + " removed");
    }
    if pieces.is_empty() && tail.is_empty() {
        tail.push("no cell changed".into());
    }
    if !tail.is_empty() {
        pieces.push(Piece::Line(tail.join(", "), Tone::Dim));
    }
    RecordView { pieces }
}

/// The short word beside a cell the version changed (`None` when it did not).
pub fn change_word(c: &crate::nbhistory::EntryCell) -> Option<&'static str> {
    Some(match c.state {
        CellState::Added => "new",
        CellState::Modified => "changed",
        CellState::Moved => "moved",
        CellState::Unchanged if c.rerun => "re-run",
        CellState::Unchanged if c.outputs_changed => "output changed",
        CellState::Unchanged if c.cleared => "outputs cleared",
        CellState::Unchanged => return None,
    })
}

/// Reads the version an entry left and lays out every cell, in notebook order, each with its
/// code and outputs; the cells the version changed say how in their heading.
pub fn decode_whole(
    project: &Project,
    entry: &NbEntry,
    syntax: impl Into<SyntaxTheme>,
) -> RecordView {
    let syntax: SyntaxTheme = syntax.into();
    let deleted = "The notebook was deleted in this commit.".to_string();
    let nb = match open_version(project, entry, deleted) {
        Ok(nb) => nb,
        Err(said) => return said,
    };
    let mut pieces = Vec::new();
    let lang = kernel_lang(&nb);
    for (i, cell) in nb.cells.iter().enumerate() {
        let ec = entry.cells.get(i);
        let word = ec.and_then(change_word);
        pieces.push(Piece::Cell(i));
        let head = cell_heading(i, cell, word.unwrap_or(""));
        let head = head.trim_end_matches([' ', '·']).to_string();
        let tone = match (ec.is_some_and(|c| c.new_error), word) {
            (true, _) => Tone::Error,
            (false, Some(_)) => Tone::Badge,
            (false, None) => Tone::Title,
        };
        pieces.push(Piece::Line(head, tone));
        let src = clean(&cell.source);
        if !src.trim().is_empty() {
            pieces.push(Piece::Code(highlight(&src, cell.kind, lang, syntax)));
        }
        outputs(cell, &mut pieces);
        pieces.push(Piece::Line(String::new(), Tone::Text));
    }
    let changed = entry.cells.iter().filter(|c| c.changed()).count();
    let mut tail = vec![
        plural(nb.cells.len(), "cell"),
        format!("{changed} changed in this commit"),
    ];
    if !entry.removed.is_empty() {
        tail.push(plural(entry.removed.len(), "cell") + " removed");
    }
    pieces.push(Piece::Line(tail.join(" · "), Tone::Dim));
    RecordView { pieces }
}

/// A cell's outputs as the pane shows them: text as a notebook would, errors with their
/// traceback, pictures and other rich data by type and size.
fn outputs(cell: &Cell, pieces: &mut Vec<Piece>) {
    // Consecutive chunks of one stream show as one block, as Jupyter shows them.
    let keys: Vec<Option<&str>> = cell.outputs.iter().map(streams::notebook_key).collect();
    for run in streams::runs(&keys) {
        let chunks = cell.outputs.get(run).unwrap_or_default();
        if let [_, _, ..] = chunks {
            let text = streams::join(chunks.iter().filter_map(|o| o.text.as_deref()));
            pieces.push(Piece::Output(text_lines(&text)));
            continue;
        }
        for o in chunks {
            output(o, pieces);
        }
    }
}

/// One output on its own.
fn output(o: &Output, pieces: &mut Vec<Piece>) {
    match o.output_type.as_deref() {
        Some("error") => {
            pieces.push(Piece::Line(
                format!(
                    "{}: {}",
                    sanitize::line(o.ename.as_deref().unwrap_or("Error")),
                    sanitize::line(o.evalue.as_deref().unwrap_or(""))
                ),
                Tone::Error,
            ));
            if let Some(tb) = &o.traceback {
                pieces.push(Piece::Output(text_lines(tb)));
            }
        }
        _ => {
            if let Some(text) = &o.text {
                pieces.push(Piece::Output(text_lines(text)));
            }
            rich(o, pieces);
        }
    }
}

/// `text/plain` unless a picture says more; every other type as a one-line mention.
fn rich(o: &Output, pieces: &mut Vec<Piece>) {
    let has_image = o.data.iter().any(|(m, _)| m.starts_with("image/"));
    for (mime, content) in &o.data {
        if mime == "text/plain" {
            if !has_image {
                pieces.push(Piece::Output(text_lines(content)));
            }
            continue;
        }
        if mime.starts_with("image/") && mime != "image/svg+xml" {
            let image = between::image_of(mime, content);
            let info = image
                .as_ref()
                .ok()
                .map(|i| (i.format.name(), i.width, i.height, i.data.len() as u64));
            let picture = image
                .and_then(|i| crate::render::image::decode(&i.data, PICTURE_MAX.0, PICTURE_MAX.1));
            pieces.push(Piece::Image {
                mime: sanitize::line(mime).into_owned(),
                info,
                picture: picture.map_err(|e| sanitize::line(&e).into_owned()),
            });
            continue;
        }
        let size = content.len() as u64;
        pieces.push(Piece::Line(
            format!("[{} {}]", sanitize::line(mime), human_bytes(size)),
            Tone::Badge,
        ));
    }
}

fn text_lines(text: &str) -> Vec<StyledLine> {
    let mut lines = render_output(text, Style::default());
    if lines.len() > OUTPUT_LINES {
        let more = lines.len() - OUTPUT_LINES;
        lines.truncate(OUTPUT_LINES);
        lines.push(vec![(
            Style::default(),
            format!("… {}", plural(more, "more line")),
        )]);
    }
    lines
}

/// One version of a cell in its history.
#[derive(Debug, Clone, PartialEq)]
pub struct CellVersion {
    pub commit: Oid,
    pub time: i64,
    pub author: String,
    pub path: String,
    pub states: String,
    pub count: Option<u64>,
    /// Its source, sanitised, and highlighted.
    pub source: String,
    pub hl: Vec<StyledLine>,
    /// Where it is: index into the history's entries, and the cell's index in that version.
    pub entry: usize,
    pub index: usize,
    /// Lines added and removed against the version before; `None` for the first.
    pub lines: Option<(usize, usize)>,
    /// Whether its outputs changed (or were cleared) against the version before; `None` for
    /// the first.
    pub output_changed: Option<bool>,
}

/// Every version of one cell, newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CellHist {
    /// The cell's number across the history.
    pub number: u32,
    pub versions: Vec<CellVersion>,
    /// When the cell was removed, if it was: the commit and its time.
    pub removed: Option<(Oid, i64)>,
}

/// The cell at `index` of the version `(commit, path)` left, by its number across the history.
pub fn cell_number(history: &NbHistory, commit: Oid, path: &str, index: usize) -> Option<u32> {
    let entry = history
        .entries
        .iter()
        .find(|e| e.path == path && history.commit_of(e).is_some_and(|c| c.id == commit))?;
    entry.cells.get(index).map(|c| c.cell)
}

/// Reads every version of cell `number`.
pub fn cell_history(
    project: &Project,
    history: &NbHistory,
    number: u32,
    syntax: impl Into<SyntaxTheme>,
) -> Result<CellHist, String> {
    let syntax: SyntaxTheme = syntax.into();
    let life = history
        .cells
        .get(number as usize)
        .ok_or_else(|| format!("no cell {number} in the history"))?;
    let mut read: HashMap<Oid, Result<Notebook, String>> = HashMap::new();
    let mut versions = Vec::new();
    for &(e, ci) in &life.versions {
        let Some(entry) = history.entries.get(e) else {
            continue;
        };
        let Some(commit) = history.commit_of(entry) else {
            continue;
        };
        let Some(blob) = entry.blob else { continue };
        let nb = read
            .entry(blob)
            .or_insert_with(|| read_version(project, blob, Parts::Sources));
        let Ok(nb) = nb else { continue };
        let Some(cell) = nb.cells.get(ci) else {
            continue;
        };
        let source = clean(&cell.source);
        let ec = entry.cells.get(ci);
        let states = ec.map(cell_states).unwrap_or_default();
        versions.push(CellVersion {
            commit: commit.id,
            time: commit.time,
            author: commit.author.clone(),
            path: entry.path.clone(),
            states,
            count: cell.execution_count,
            hl: highlight(&source, cell.kind, kernel_lang(nb), syntax),
            source,
            entry: e,
            index: ci,
            lines: None,
            output_changed: ec.map(|c| c.outputs_changed || c.cleared),
        });
    }
    // Each against the next older one listed: the versions are those where the cell changed,
    // so that is the cell as the version before left it.
    for k in 0..versions.len() {
        let older = versions.get(k + 1).map(|o| o.source.clone());
        if let Some(v) = versions.get_mut(k) {
            match older {
                Some(o) => {
                    let d = crate::diff::diff_text(&o, &v.source);
                    v.lines = Some((d.stats.added, d.stats.removed));
                }
                None => v.output_changed = None,
            }
        }
    }
    let removed = life
        .removed_in
        .and_then(|e| history.entries.get(e))
        .and_then(|e| history.commit_of(e))
        .map(|c| (c.id, c.time));
    Ok(CellHist {
        number,
        versions,
        removed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text of every output block `outputs` draws for the first cell of `outputs_json`.
    fn blocks(outputs_json: &str) -> Vec<String> {
        let nb = format!(
            r#"{{"nbformat": 4, "nbformat_minor": 5, "metadata": {{}}, "cells": [
            {{"cell_type": "code", "id": "a", "metadata": {{}}, "source": "print(1)",
              "execution_count": 6, "outputs": {outputs_json}}}]}}"#
        );
        let nb = crate::notebook::read(nb.as_bytes(), Parts::All).expect("notebook reads");
        let cell = nb.cells.first().expect("one cell");
        let mut pieces = Vec::new();
        outputs(cell, &mut pieces);
        pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Output(lines) => Some(
                    lines
                        .iter()
                        .map(|l| l.iter().map(|(_, s)| s.as_str()).collect::<String>())
                        .collect::<Vec<_>>()
                        .join("\n"),
                ),
                Piece::Line(s, _) => Some(format!("line: {s}")),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn consecutive_chunks_of_one_stream_are_one_block() {
        let got = blocks(
            r#"[{"output_type": "stream", "name": "stdout", "text": "a\n"},
                {"output_type": "stream", "name": "stdout", "text": "progress: "},
                {"output_type": "stream", "name": "stdout", "text": "done\n"},
                {"output_type": "stream", "name": "stderr", "text": "warn\n"},
                {"output_type": "stream", "name": "stderr", "text": "warn 2\n"},
                {"output_type": "execute_result", "execution_count": 6, "metadata": {},
                 "data": {"text/plain": "42"}},
                {"output_type": "stream", "name": "stdout", "text": "after\n"}]"#,
        );
        assert_eq!(
            got,
            vec!["a\nprogress: done", "warn\nwarn 2", "42", "after"],
            "{got:?}"
        );
    }

    #[test]
    fn a_lone_chunk_and_errors_stay_as_they_were() {
        let got = blocks(
            r#"[{"output_type": "stream", "name": "stdout", "text": "only\n"},
                {"output_type": "error", "ename": "ValueError", "evalue": "bad",
                 "traceback": ["tb"]},
                {"output_type": "stream", "name": "stdout", "text": "x\n"}]"#,
        );
        assert_eq!(
            got,
            vec!["only", "line: ValueError: bad", "tb", "x"],
            "{got:?}"
        );
    }
}
