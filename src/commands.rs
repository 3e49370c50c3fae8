//! The non-interactive commands (`log`, `show`, `export`), writing to any `Write`.

use std::io::{self, Write};

use serde::Serialize;

use crate::activity::Content;
use crate::activity::kinds::{ActionKind, DetailKind, RecordKind, detail_name, record_name};
use crate::export;
use crate::render::sanitize;
use crate::repo::{Project, RecordRow, RepoError, WalkMsg, WalkStats};
use crate::timefmt;

/// What a command can fail with: the repository, or the output stream.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error("writing output: {0}")]
    Io(#[from] io::Error),
    /// The request makes no sense for this data (not a code record, …).
    #[error("{0}")]
    Usage(String),
}

impl CommandError {
    /// A problem with what the user asked for (path, ref, records): exit code 2.
    pub fn is_usage(&self) -> bool {
        matches!(self, CommandError::Repo(_) | CommandError::Usage(_))
    }

    /// The reader went away (`| head`): not a failure worth reporting.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, CommandError::Io(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

/// Runs a walk that writes as it goes; the first write error stops the walk.
fn walk_writing(
    project: &Project,
    mut each: impl FnMut(&RecordRow) -> io::Result<bool>,
) -> Result<usize, CommandError> {
    let mut failure = None;
    let stats = project.walk(|row| match each(&row) {
        Ok(more) => more,
        Err(e) => {
            failure = Some(e);
            false
        }
    })?;
    if let Some(e) = failure {
        return Err(e.into());
    }
    finish_walk(project, stats)
}

/// After a walk: no records is an error; an incomplete history is said on stderr.
fn finish_walk(project: &Project, stats: WalkStats) -> Result<usize, CommandError> {
    if stats.records == 0 {
        return Err(RepoError::NoRecords {
            rev: project.rev.clone(),
            path: project.path.clone(),
        }
        .into());
    }
    warn_incomplete(&stats);
    Ok(stats.records)
}

/// Says on stderr when a walk could not read the whole history, for every
/// command that reads it (`log`, `export`, `stats`, `stuck`, `cell`, `diff`).
pub fn warn_incomplete(stats: &WalkStats) {
    if let Some(why) = &stats.incomplete {
        crate::render::sanitize::warn(format_args!(
            "history is incomplete ({why}); showing what could be read"
        ));
    }
}

#[derive(Serialize)]
struct LogLine<'a> {
    commit: String,
    time: String,
    author: &'a str,
    email: &'a str,
    #[serde(rename = "type")]
    type_name: Option<&'static str>,
    type_id: i64,
    message: &'a str,
    details: usize,
    error: Option<String>,
}

/// The errors of a record and of its detail lines, as `log` shows them
/// (the details themselves are not read: `show` has their errors).
fn record_error(r: &crate::activity::Record) -> Option<String> {
    let all: Vec<&str> = r
        .errors
        .iter()
        .map(String::as_str)
        .chain(r.details.iter().filter_map(|d| d.error.as_deref()))
        .collect();
    (!all.is_empty()).then(|| all.join("; "))
}

/// `log`: one line per record, newest first, printed as the walk reads them.
pub fn log(
    project: &Project,
    limit: Option<usize>,
    json: bool,
    out: &mut impl Write,
) -> Result<usize, CommandError> {
    let mut printed = 0usize;
    if limit == Some(0) {
        return Ok(0);
    }
    walk_writing(project, |row| {
        let r = &row.record;
        if json {
            let line = LogLine {
                commit: row.commit.to_string(),
                time: timefmt::rfc3339_utc(row.time),
                author: &row.author,
                email: &row.email,
                type_name: RecordKind::from_id(r.meta.type_id).map(RecordKind::name),
                type_id: r.meta.type_id,
                message: &r.message,
                details: r.details.len(),
                error: record_error(r),
            };
            out.write_all(&sanitize::json(&line)?)?;
            writeln!(out)?;
        } else {
            let broken = !r.errors.is_empty() || r.details.iter().any(|d| d.error.is_some());
            let flag = if broken { "  !" } else { "" };
            writeln!(
                out,
                "{}  {}  {:<14} {:<11} {}  [{}]{flag}",
                crate::repo::short_id(row.commit),
                timefmt::local_minutes(row.time),
                crate::columns::truncate(&sanitize::line(&row.author), 14),
                record_name(r.meta.type_id),
                sanitize::line(&r.message),
                r.details.len(),
            )?;
        }
        printed += 1;
        // The first line goes out at once, so a pager shows something immediately.
        if printed == 1 {
            out.flush()?;
        }
        Ok(limit.is_none_or(|l| printed < l))
    })?;
    out.flush()?;
    Ok(printed)
}

/// `show`: one record with every detail decoded.
pub fn show(
    project: &Project,
    spec: &str,
    save_images: Option<&std::path::Path>,
    color: bool,
    out: &mut impl Write,
) -> Result<(), CommandError> {
    let mut saved = 0usize;
    let row = project.record(spec)?;
    let store = project.details();
    let details = store.record_details(&row);
    let r = &row.record;
    writeln!(out, "commit   {}", row.commit)?;
    writeln!(
        out,
        "author   {} <{}>",
        sanitize::line(&row.author),
        sanitize::line(&row.email)
    )?;
    writeln!(
        out,
        "date     {}",
        timefmt::local_full(row.time, row.tz_minutes)
    )?;
    writeln!(
        out,
        "type     {} ({})   {}   importance {}",
        record_name(r.meta.type_id),
        r.meta.type_id,
        if r.meta.show { "shown" } else { "hidden" },
        r.meta.importance
    )?;
    if !r.meta.linked_commit.is_empty() {
        writeln!(out, "linked   {}", sanitize::line(&r.meta.linked_commit))?;
    }
    if !r.meta.tags.is_empty() {
        writeln!(out, "tags     {}", sanitize::line(&r.meta.tags.join(", ")))?;
    }
    writeln!(out, "message  {}", sanitize::line(&r.message))?;
    for e in &r.errors {
        writeln!(out, "error    {}", sanitize::line(e))?;
    }
    if r.details.is_empty() && RecordKind::from_id(r.meta.type_id) == Some(RecordKind::Code) {
        writeln!(
            out,
            "\nignored cell: nothing was recorded (its code had # gtm:ignore)"
        )?;
    }
    let total = r.details.len();
    for (i, (line, d)) in r.details.iter().zip(&details).enumerate() {
        writeln!(out)?;
        let action = ActionKind::from_id(line.action_id).map_or("?", ActionKind::name);
        let mut head = format!(
            "── detail {}/{total}: {} ({}) · {action} · {} · importance {}",
            i + 1,
            detail_name(line.type_id),
            line.type_id,
            if line.show { "shown" } else { "hidden" },
            line.importance
        );
        if !d.tags.is_empty() {
            head.push_str(&format!(" · tags {}", sanitize::line(&d.tags.join(", "))));
        }
        if d.compressed {
            head.push_str(" · blosc");
        }
        writeln!(out, "{head}")?;
        for e in &d.errors {
            writeln!(
                out,
                "error: {} (key {})",
                sanitize::line(e),
                sanitize::line(&line.key)
            )?;
        }
        let code = DetailKind::from_id(line.type_id) == Some(DetailKind::CodeExecuted);
        for c in &d.content {
            match c {
                Content::Text { mime, text } => {
                    let text = if code && mime == "text/markdown" {
                        crate::activity::detail::code_in_fence(text)
                    } else {
                        text
                    };
                    writeln!(out, "{}:", sanitize::line(mime))?;
                    if code {
                        for l in text.lines() {
                            writeln!(out, "    {}", sanitize::text(l))?;
                        }
                    } else {
                        write_output(text, color, out)?;
                    }
                }
                Content::Image { mime, image } => {
                    writeln!(
                        out,
                        "{}: {} image {}×{}, {} bytes{}",
                        sanitize::line(mime),
                        image.format.name(),
                        image.width,
                        image.height,
                        image.data.len(),
                        if image.base64_text {
                            " (stored as base64 text)"
                        } else {
                            ""
                        }
                    )?;
                    if let Some(dir) = save_images {
                        saved += 1;
                        let stem = format!("gtm-{}-{saved}", crate::repo::short_id(row.commit));
                        let path = crate::render::image::save(&image.data, dir, &stem)?;
                        writeln!(
                            out,
                            "    saved to {}",
                            sanitize::line(&path.display().to_string())
                        )?;
                    }
                }
                Content::Binary { mime, len } => {
                    writeln!(out, "{}: {len} bytes", sanitize::line(mime))?
                }
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// A text output as a notebook shows it, indented; see
/// [`crate::render::text::output_for_terminal`].
fn write_output(text: &str, color: bool, out: &mut impl Write) -> io::Result<()> {
    out.write_all(crate::render::text::output_for_terminal(text, "    ", color).as_bytes())
}

/// Output shape of `export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// One JSON object per line.
    Jsonl,
    /// One JSON array.
    Json,
}

/// What `export` writes and what it leaves out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportOptions {
    pub format: ExportFormat,
    /// Add `cell` and `run` to code details (reads the whole history first).
    pub cells: bool,
    /// Replace author names, emails and user names by pseudonyms salted
    /// with this (see [`crate::insights::anonymize`]); reads the whole
    /// history first, to know every name before the first record is written.
    pub anonymize: Option<String>,
    /// Leave out the content of cell outputs (result details).
    pub no_outputs: bool,
    /// Leave out the content of executed code (code-executed details).
    pub no_code: bool,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            format: ExportFormat::Jsonl,
            cells: false,
            anonymize: None,
            no_outputs: false,
            no_code: false,
        }
    }
}

/// `export`: every record with every detail decoded, newest first. The walk
/// runs on its own thread while this one decodes and writes. With `cells`,
/// the whole history is read first to tie executions to cells (see
/// [`crate::lineage`]), and their details gain `cell` and `run`.
pub fn export(
    project: &Project,
    format: ExportFormat,
    cells: bool,
    out: &mut impl Write,
) -> Result<usize, CommandError> {
    let opts = ExportOptions {
        format,
        cells,
        ..ExportOptions::default()
    };
    export_with(project, &opts, out)
}

/// [`export`] with everything `export` can be asked for: cells, pseudonyms,
/// outputs and code left out.
pub fn export_with(
    project: &Project,
    opts: &ExportOptions,
    out: &mut impl Write,
) -> Result<usize, CommandError> {
    let format = opts.format;
    let store = project.details();
    let rx = project.walk_in_background(256)?;
    let mut n = 0usize;
    let mut stats = None;
    let dropped = |type_id: i64| {
        let kind = DetailKind::from_id(type_id);
        (opts.no_outputs && kind == Some(DetailKind::Result))
            || (opts.no_code && kind == Some(DetailKind::CodeExecuted))
    };
    let mut write = |row: &RecordRow,
                     cell_of: &dyn Fn(usize) -> Option<(String, u32)>,
                     anonymizer: Option<&crate::insights::Anonymizer>,
                     out: &mut dyn Write|
     -> Result<(), CommandError> {
        let mut details = store.record_details(row);
        for (line, d) in row.record.details.iter().zip(details.iter_mut()) {
            if dropped(line.type_id) {
                d.content.clear();
            }
        }
        let scrubbed;
        let row = match anonymizer {
            Some(a) => {
                a.details(&mut details);
                scrubbed = a.row(row);
                &scrubbed
            }
            None => row,
        };
        let mut rec = export::record(row, &details);
        for (k, d) in rec.details.iter_mut().enumerate() {
            if let Some((cell, run)) = cell_of(k) {
                d.cell = Some(cell);
                d.run = Some(run);
            }
            d.content_dropped = dropped(d.type_id);
        }
        if format == ExportFormat::Json && n > 0 {
            out.write_all(b",\n")?;
        }
        out.write_all(&sanitize::json(&rec)?)?;
        if format == ExportFormat::Jsonl {
            out.write_all(b"\n")?;
        }
        n += 1;
        Ok(())
    };
    if format == ExportFormat::Json {
        out.write_all(b"[\n")?;
    }
    if opts.cells || opts.anonymize.is_some() {
        let mut rows = Vec::new();
        for msg in rx {
            match msg {
                WalkMsg::Rows(r) => rows.extend(r),
                WalkMsg::Packed(r) => rows.extend(r.iter().map(|x| x.to_row())),
                WalkMsg::Done(result) => stats = Some(result?),
            }
        }
        let mut by_detail: std::collections::HashMap<(git2::Oid, usize), (String, u32)> =
            std::collections::HashMap::new();
        if opts.cells {
            let lineage = crate::lineage::build(project, &rows, None);
            for (i, e) in lineage.executions.iter().enumerate() {
                let (Some(cell), Some(&run)) = (lineage.cell_of(i), lineage.run.get(i)) else {
                    continue;
                };
                for &d in &e.details {
                    by_detail.insert((e.commit, d), (cell.id.clone(), run));
                }
            }
        }
        let anonymizer = opts
            .anonymize
            .as_ref()
            .map(|salt| crate::insights::Anonymizer::new(salt, &rows));
        for row in &rows {
            let commit = row.commit;
            write(
                row,
                &|k| by_detail.get(&(commit, k)).cloned(),
                anonymizer.as_ref(),
                out,
            )?;
        }
    } else {
        for msg in rx {
            match msg {
                WalkMsg::Rows(rows) => {
                    for row in &rows {
                        write(row, &|_| None, None, out)?;
                    }
                }
                WalkMsg::Packed(rows) => {
                    for row in rows.iter() {
                        write(&row.to_row(), &|_| None, None, out)?;
                    }
                }
                WalkMsg::Done(result) => stats = Some(result?),
            }
        }
    }
    if format == ExportFormat::Json {
        out.write_all(b"\n]\n")?;
    }
    out.flush()?;
    finish_walk(project, stats.unwrap_or_default())?;
    Ok(n)
}
