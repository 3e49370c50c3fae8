//! The `files` command: a file record's changed files, then each file's difference, printed the
//! way `diff` prints a run (coloured side by side on a terminal, `-`/`+` plain text otherwise),
//! notebooks cell by cell; or all of it summarised as JSON.

use std::io::Write;

use serde::Serialize;

use crate::commands::CommandError;
use crate::diff::TextDiff;
use crate::files::{
    CellChange, CellKind, CellStatus, ChangeSource, Changes, FileChange, FileDiff, FilesError,
    OutputsSummary, changes, file_diff, is_file_record, new_text, old_text,
};
use crate::render::diff::{DiffStyles, side_by_side, to_ansi, to_plain, unified};
use crate::render::files::{
    cell_counts, cell_heading, line_counts, listed_path, notebook_lang, sizes,
};
use crate::render::highlight::{Highlighter, Lang};
use crate::render::numbers::human_bytes as human;
use crate::render::palette::Palette;
use crate::repo::{Project, RecordRow, RepoError, short_id};
use crate::timefmt;

/// Texts longer than this are drawn without syntax colours: highlighting costs about 10 µs a
/// line, and a file this long is read for its changes, not its colours.
const HIGHLIGHT_LIMIT: usize = 512 * 1024;

/// Lines of unchanged context kept around each change.
const CONTEXT: usize = 3;

/// How `files` draws.
#[derive(Debug, Clone, Copy)]
pub struct FilesLook {
    /// One column with `-`/`+` lines (also below 100 columns, and always for added and deleted
    /// files and cells, which have one side only).
    pub unified: bool,
    pub color: bool,
    pub width: u16,
    /// The diff and code colours, from the config file's `[theme]` (the binary reads it).
    pub palette: Palette,
}

impl From<FilesError> for CommandError {
    fn from(e: FilesError) -> Self {
        match e {
            FilesError::Repo(r) => CommandError::Repo(r),
            other => CommandError::Repo(RepoError::Git {
                doing: "reading the record's changes".into(),
                message: other.to_string(),
            }),
        }
    }
}

/// The record `spec` and its changes, or a usage error when it is not a file record or its
/// change holds no files.
pub fn find(project: &Project, spec: &str) -> Result<(RecordRow, Changes), CommandError> {
    let row = project.record(spec)?;
    let short = short_id(row.commit);
    let message = clean(&row.record.message);
    if !is_file_record(&row.record) {
        return Err(CommandError::Usage(format!(
            "{short} is not a file record ({} record: \"{message}\"); `files` reads saves, \
             uploads, moves and input or output data records",
            row.record.meta.kind
        )));
    }
    let ch = changes(project, &row)?;
    if ch.files.is_empty() {
        let why = match &ch.note {
            None => format!(
                "its linked commit {} changes no files outside .gigantum/activity/",
                short_id(ch.commit)
            ),
            Some(note) => format!(
                "{}, and the {} {} changes no files outside .gigantum/activity/",
                clean(note),
                ch.source.name(),
                short_id(ch.commit)
            ),
        };
        return Err(CommandError::Usage(format!(
            "{short} (\"{message}\") has no linked change: {why}"
        )));
    }
    Ok((row, ch))
}

/// What a `files` listing is of: a file record, or (notebooks in git) a commit.
pub struct FilesHead {
    pub commit: git2::Oid,
    pub time: i64,
    pub author: String,
    /// The record's type and its number; `None` for a plain commit.
    pub kind: Option<(String, i64)>,
    pub linked_commit: Option<String>,
    pub message: String,
}

impl FilesHead {
    fn of_record(row: &RecordRow) -> FilesHead {
        FilesHead {
            commit: row.commit,
            time: row.time,
            author: row.author.clone(),
            kind: Some((
                row.record.meta.kind.name().into_owned(),
                row.record.meta.kind.id(),
            )),
            linked_commit: Some(row.record.meta.linked_commit.clone()),
            message: row.record.message.clone(),
        }
    }
}

/// `gtm-tui files COMMIT`: the record's changed files, then each file's difference.
pub fn files(
    project: &Project,
    spec: &str,
    json: bool,
    look: FilesLook,
    out: &mut impl Write,
) -> Result<(), CommandError> {
    let (row, ch) = find(project, spec)?;
    print_changes(project, &FilesHead::of_record(&row), &ch, json, look, out)
}

/// The listing and each file's difference, after a header naming what they are of.
pub fn print_changes(
    project: &Project,
    head: &FilesHead,
    ch: &Changes,
    json: bool,
    look: FilesLook,
    out: &mut impl Write,
) -> Result<(), CommandError> {
    let diffs: Vec<FileDiff> = ch.files.iter().map(|f| file_diff(project, f)).collect();
    if json {
        let doc = json_doc(head, ch, &diffs);
        out.write_all(&crate::render::sanitize::json(&doc)?)?;
        writeln!(out)?;
        out.flush()?;
        return Ok(());
    }
    let (short, time, author) = (
        short_id(head.commit),
        timefmt::local_minutes(head.time),
        clean(&head.author),
    );
    match &head.kind {
        Some((kind, _)) => writeln!(
            out,
            "record  {short}  {time}  {author}  {kind}  {}",
            clean(&head.message)
        )?,
        // A commit's message may run to paragraphs; its subject names it.
        None => writeln!(
            out,
            "commit  {short}  {time}  {author}  {}",
            clean(head.message.lines().next().unwrap_or(""))
        )?,
    }
    writeln!(out, "change  {}", change_line(ch))?;
    if let Some(note) = &ch.note {
        writeln!(out, "note    {}", clean(note))?;
    }
    writeln!(out)?;
    let width = ch
        .files
        .iter()
        .map(|f| listed_path(f).chars().count())
        .max()
        .unwrap_or(0)
        .min(60);
    for f in &ch.files {
        let path = listed_path(f);
        let pad = width.saturating_sub(path.chars().count());
        writeln!(
            out,
            "{}  {path}{}  {}{}",
            f.status.letter(),
            " ".repeat(pad),
            sizes(f.old_size, f.new_size),
            if f.binary { "  binary" } else { "" }
        )?;
    }
    out.flush()?;
    let styles = if look.color {
        DiffStyles::from_palette(&look.palette).to_indexed()
    } else {
        DiffStyles::no_color()
    };
    let draw = Draw {
        look,
        styles: &styles,
    };
    for (f, d) in ch.files.iter().zip(&diffs) {
        writeln!(out)?;
        print_file(project, ch, f, d, &draw, out)?;
        out.flush()?;
    }
    Ok(())
}

/// "linked commit 1a2b3c4 against 0f9e8d7".
fn change_line(ch: &Changes) -> String {
    let against = match ch.parent {
        Some(p) => format!("against {}", short_id(p)),
        None => "(a root commit: against nothing)".into(),
    };
    let how = match ch.source {
        ChangeSource::LinkedCommit => "linked commit",
        ChangeSource::ActivityCommit => "the activity commit itself",
        ChangeSource::ParentCommit => "the auto-commit before the record",
        ChangeSource::Commits | ChangeSource::Commit => "commit",
    };
    format!("{how} {} {against}", short_id(ch.commit))
}

/// A file name, message or note with its control characters shown as
/// markers (the one sanitiser's), so nothing from the repository reaches
/// the terminal as a command.
fn clean(s: &str) -> String {
    crate::render::sanitize::line(s).into_owned()
}

struct Draw<'a> {
    look: FilesLook,
    styles: &'a DiffStyles,
}

impl Draw<'_> {
    /// A text diff, highlighted in `lang` when colour is on; `one_sided` (an added or removed
    /// file or cell) is drawn in one column, the other side being empty.
    fn text(&self, d: &TextDiff, lang: Lang, one_sided: bool) -> String {
        let look = self.look;
        let (old, new) = (old_text(d), new_text(d));
        let highlight =
            look.color && lang != Lang::Plain && old.len().max(new.len()) <= HIGHLIGHT_LIMIT;
        let (ho, hn) = if highlight {
            let h = Highlighter::get();
            (
                Some(h.highlight(&old, lang, look.palette.syntax)),
                Some(h.highlight(&new, lang, look.palette.syntax)),
            )
        } else {
            (None, None)
        };
        let lines = if one_sided || look.unified || look.width < 100 {
            unified(
                d,
                ho.as_deref(),
                hn.as_deref(),
                look.width,
                Some(CONTEXT),
                self.styles,
                false,
            )
        } else {
            side_by_side(
                d,
                ho.as_deref(),
                hn.as_deref(),
                look.width,
                Some(CONTEXT),
                self.styles,
                false,
            )
        };
        if look.color {
            to_ansi(&lines)
        } else {
            to_plain(&lines)
        }
    }
}

fn print_file(
    project: &Project,
    ch: &Changes,
    f: &FileChange,
    d: &FileDiff,
    draw: &Draw<'_>,
    out: &mut impl Write,
) -> Result<(), CommandError> {
    let head = format!("── {} {}", f.status.letter(), listed_path(f));
    let one_sided = f.old_blob.is_none() || f.new_blob.is_none();
    match d {
        FileDiff::Text(t) if one_sided && t.rows.is_empty() => {
            writeln!(out, "{head}: empty file")?;
        }
        FileDiff::Text(t) => {
            writeln!(out, "{head}: {}", line_counts(t))?;
            if !t.stats.identical {
                write!(
                    out,
                    "{}",
                    draw.text(t, Lang::from_path(f.path()), one_sided)
                )?;
            }
        }
        FileDiff::NotebookAsText { diff, reason } => {
            writeln!(
                out,
                "{head}: not a notebook this can read ({}); compared as text: {}",
                clean(reason),
                line_counts(diff)
            )?;
            if !diff.stats.identical {
                write!(out, "{}", draw.text(diff, Lang::Plain, one_sided))?;
            }
        }
        FileDiff::Binary {
            old_size,
            new_size,
            kind,
        } => writeln!(out, "{head}: {kind}, {}", sizes(*old_size, *new_size))?,
        FileDiff::TooLarge {
            old_size,
            new_size,
            limit,
        } => writeln!(
            out,
            "{head}: too large to compare ({}; the limit is {} a side)",
            sizes(*old_size, *new_size),
            human(*limit)
        )?,
        FileDiff::Unreadable { reason } => {
            writeln!(out, "{head}: cannot read it: {}", clean(reason))?
        }
        FileDiff::Notebook(cells) => {
            writeln!(out, "{head}: notebook, {}", cell_counts(cells))?;
            let lang = notebook_lang(project, ch, f);
            print_cells(cells, lang, draw, out)?;
        }
    }
    Ok(())
}

fn print_cells(
    cells: &[CellChange],
    lang: Lang,
    draw: &Draw<'_>,
    out: &mut impl Write,
) -> Result<(), CommandError> {
    for c in cells.iter().filter(|c| c.status != CellStatus::Unchanged) {
        writeln!(out, "── {}", cell_heading(c))?;
        let has_outputs = !c.outputs.old_types.is_empty() || !c.outputs.new_types.is_empty();
        if c.kind == CellKind::Code || has_outputs {
            writeln!(out, "   outputs: {}", clean(&c.outputs.describe()))?;
        }
        if c.source.stats.identical {
            if c.status == CellStatus::Modified {
                writeln!(out, "   source unchanged")?;
            }
            continue;
        }
        let cell_lang = match c.kind {
            CellKind::Code => lang,
            CellKind::Markdown => Lang::Markdown,
            _ => Lang::Plain,
        };
        let one_sided = c.old_index.is_none() || c.new_index.is_none();
        write!(out, "{}", draw.text(&c.source, cell_lang, one_sided))?;
    }
    Ok(())
}

// ---------------------------------------------------------------- JSON

#[derive(Serialize)]
struct Doc<'a> {
    commit: String,
    message: &'a str,
    /// `null` for a plain commit (notebooks in git), as are `type_id` and `linked_commit`.
    #[serde(rename = "type")]
    type_name: Option<&'a str>,
    type_id: Option<i64>,
    linked_commit: Option<&'a str>,
    /// Which commit's change is listed: `linked_commit`, `activity_commit`, `parent_commit`,
    /// or `commit` (a plain commit against its first parent).
    source: ChangeSource,
    changed_commit: String,
    parent: Option<String>,
    note: Option<&'a str>,
    files: Vec<FileOut<'a>>,
}

#[derive(Serialize)]
struct FileOut<'a> {
    status: crate::files::ChangeStatus,
    path: &'a str,
    old_path: Option<&'a str>,
    new_path: Option<&'a str>,
    old_blob: Option<String>,
    new_blob: Option<String>,
    old_size: Option<u64>,
    new_size: Option<u64>,
    binary: bool,
    diff: DiffOut<'a>,
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum DiffOut<'a> {
    Text {
        added: usize,
        removed: usize,
        identical: bool,
        line_endings_differ: bool,
    },
    Notebook {
        added: usize,
        removed: usize,
        modified: usize,
        unchanged: usize,
        cells: Vec<CellOut<'a>>,
    },
    NotebookAsText {
        reason: &'a str,
        added: usize,
        removed: usize,
    },
    Binary {
        #[serde(rename = "type")]
        type_name: &'a str,
    },
    TooLarge {
        limit: u64,
    },
    Unreadable {
        reason: &'a str,
    },
}

#[derive(Serialize)]
struct CellOut<'a> {
    status: CellStatus,
    cell_type: CellKind,
    old_cell_type: Option<CellKind>,
    id: Option<&'a str>,
    old_index: Option<usize>,
    new_index: Option<usize>,
    old_count: Option<u64>,
    new_count: Option<u64>,
    moved: bool,
    /// Source lines added and removed.
    added: usize,
    removed: usize,
    outputs: OutputsOut<'a>,
}

#[derive(Serialize)]
struct OutputsOut<'a> {
    #[serde(flatten)]
    summary: &'a OutputsSummary,
    changed: bool,
    description: String,
}

fn json_doc<'a>(head: &'a FilesHead, ch: &'a Changes, diffs: &'a [FileDiff]) -> Doc<'a> {
    let files = ch
        .files
        .iter()
        .zip(diffs)
        .map(|(f, d)| FileOut {
            status: f.status,
            path: f.path(),
            old_path: f.old_path.as_deref(),
            new_path: f.new_path.as_deref(),
            old_blob: f.old_blob.map(|b| b.to_string()),
            new_blob: f.new_blob.map(|b| b.to_string()),
            old_size: f.old_size,
            new_size: f.new_size,
            binary: f.binary,
            diff: diff_out(d),
        })
        .collect();
    Doc {
        commit: head.commit.to_string(),
        message: &head.message,
        type_name: head.kind.as_ref().map(|k| k.0.as_str()),
        type_id: head.kind.as_ref().map(|k| k.1),
        linked_commit: head.linked_commit.as_deref(),
        source: ch.source,
        changed_commit: ch.commit.to_string(),
        parent: ch.parent.map(|p| p.to_string()),
        note: ch.note.as_deref(),
        files,
    }
}

fn diff_out(d: &FileDiff) -> DiffOut<'_> {
    match d {
        FileDiff::Text(t) => DiffOut::Text {
            added: t.stats.added,
            removed: t.stats.removed,
            identical: t.stats.identical,
            line_endings_differ: t.line_endings_differ,
        },
        FileDiff::NotebookAsText { diff, reason } => DiffOut::NotebookAsText {
            reason,
            added: diff.stats.added,
            removed: diff.stats.removed,
        },
        FileDiff::Binary { kind, .. } => DiffOut::Binary { type_name: kind },
        FileDiff::TooLarge { limit, .. } => DiffOut::TooLarge { limit: *limit },
        FileDiff::Unreadable { reason } => DiffOut::Unreadable { reason },
        FileDiff::Notebook(cells) => {
            let n = |s: CellStatus| cells.iter().filter(|c| c.status == s).count();
            DiffOut::Notebook {
                added: n(CellStatus::Added),
                removed: n(CellStatus::Removed),
                modified: n(CellStatus::Modified),
                unchanged: n(CellStatus::Unchanged),
                cells: cells
                    .iter()
                    .map(|c| CellOut {
                        status: c.status,
                        cell_type: c.kind,
                        old_cell_type: c.old_kind,
                        id: c.id.as_deref(),
                        old_index: c.old_index,
                        new_index: c.new_index,
                        old_count: c.old_count,
                        new_count: c.new_count,
                        moved: c.moved,
                        added: c.source.stats.added,
                        removed: c.source.stats.removed,
                        outputs: OutputsOut {
                            summary: &c.outputs,
                            changed: c.outputs.changed(),
                            description: c.outputs.describe(),
                        },
                    })
                    .collect(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_counts_read_well() {
        assert_eq!(sizes(Some(10), Some(2048)), "10 B → 2 KB");
        assert_eq!(sizes(None, Some(3 * 1024 * 1024)), "3.0 MB");
        assert_eq!(sizes(Some(5), None), "was 5 B");
        assert_eq!(clean("a\nb\x1b[31m"), "a^Jb^[[31m");
        let cell = |status| CellChange {
            status,
            kind: CellKind::Code,
            old_kind: None,
            id: None,
            old_index: Some(0),
            new_index: Some(0),
            old_count: None,
            new_count: None,
            moved: false,
            source: TextDiff::default(),
            outputs: OutputsSummary::default(),
        };
        assert_eq!(
            cell_counts(&[cell(CellStatus::Modified), cell(CellStatus::Unchanged)]),
            "1 cell modified, 1 unchanged"
        );
        assert_eq!(
            cell_counts(&[cell(CellStatus::Added), cell(CellStatus::Added)]),
            "2 cells added"
        );
        assert_eq!(cell_counts(&[]), "no cells");
    }
}
