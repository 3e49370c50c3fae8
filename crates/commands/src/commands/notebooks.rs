//! The commands over a history of notebooks in plain git: `log` streams a line per commit
//! and notebook; `export` writes every version with its cells.

use std::io::Write;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{CommandError, warn_incomplete};
use crate::insights::Anonymizer;
use crate::nbhistory::{self, CellState, NbCommit, NbEntry};
use crate::notebook::{self, Cell, Output, Parts};
use crate::render::{notebooks as phrase, sanitize};
use crate::repo::{Project, RepoError};
use crate::timefmt;

/// How `log` prints a notebook history.
#[derive(Debug, Clone, Copy, Default)]
pub struct NbLogLook {
    pub json: bool,
    pub ascii: bool,
    /// Commits that changed no notebook get a line too.
    pub all_commits: bool,
}

#[derive(Serialize)]
struct LogLine<'a> {
    commit: String,
    time: String,
    author: &'a str,
    email: &'a str,
    message: &'a str,
    source: &'static str,
    notebook: Option<&'a str>,
    old_path: Option<&'a str>,
    change: Option<nbhistory::FileChange>,
    summary: Option<&'a nbhistory::Summary>,
    error: Option<&'a str>,
}

/// One line per commit and notebook it changed, newest first, streamed as the walk reads them.
pub fn log(
    project: &Project,
    limit: Option<usize>,
    look: NbLogLook,
    out: &mut impl Write,
) -> Result<usize, CommandError> {
    let mut printed = 0usize;
    if limit == Some(0) {
        return Ok(0);
    }
    let mut failure = None;
    let mut notebooks_seen = 0usize;
    let stats = nbhistory::stream(project, |commit, entries| {
        notebooks_seen += entries.len();
        let lines: Vec<Option<&NbEntry>> = if entries.is_empty() {
            if look.all_commits {
                vec![None]
            } else {
                Vec::new()
            }
        } else {
            entries.iter().map(Some).collect()
        };
        for entry in lines {
            if let Err(e) = write_line(&commit, entry, look, out) {
                failure = Some(e);
                return false;
            }
            printed += 1;
            if printed == 1 && out.flush().is_err() {
                return false;
            }
            if limit.is_some_and(|l| printed >= l) {
                return false;
            }
        }
        true
    })?;
    if let Some(e) = failure {
        return Err(e.into());
    }
    if notebooks_seen == 0 && printed == 0 {
        return Err(no_history(project));
    }
    warn_incomplete(&stats);
    out.flush()?;
    Ok(printed)
}

/// Neither kind of history: said as one sentence naming the ref and the directory.
pub fn no_history(project: &Project) -> CommandError {
    RepoError::NoHistory {
        rev: project.rev.clone(),
        path: project.path.clone(),
    }
    .into()
}

fn write_line(
    commit: &NbCommit,
    entry: Option<&NbEntry>,
    look: NbLogLook,
    out: &mut impl Write,
) -> std::io::Result<()> {
    if look.json {
        let line = LogLine {
            commit: commit.id.to_string(),
            time: timefmt::rfc3339_utc(commit.time),
            author: &commit.author,
            email: &commit.email,
            message: commit.message.trim_end(),
            source: "notebooks",
            notebook: entry.map(|e| e.path.as_str()),
            old_path: entry.and_then(|e| e.old_path.as_deref()),
            change: entry.map(|e| e.change),
            summary: entry.map(|e| &e.summary),
            error: entry.and_then(|e| e.error.as_deref()),
        };
        out.write_all(&sanitize::json(&line)?)?;
        return writeln!(out);
    }
    let what = match entry {
        Some(e) => phrase::entry_line(e, commit, look.ascii),
        None => phrase::commit_line(commit, look.ascii),
    };
    let flag = if entry.is_some_and(|e| e.error.is_some()) {
        "  !"
    } else {
        ""
    };
    writeln!(
        out,
        "{}  {}  {:<14} {what}{flag}",
        crate::repo::short_id(commit.id),
        timefmt::local_minutes(commit.time),
        crate::columns::truncate(&sanitize::line(&commit.author), 14),
    )
}

/// What `export` leaves out of a notebook history.
#[derive(Debug, Clone, Default)]
pub struct NbExportOptions {
    /// Cell numbers across the history (`cell`): the whole history is read first.
    pub cells: bool,
    pub no_outputs: bool,
    pub no_code: bool,
    /// One JSON array instead of a line per version.
    pub array: bool,
    /// Replace author names and emails by salted pseudonyms, in the author fields and in
    /// every text (messages, paths, code, outputs): the salt.
    pub anonymize: Option<String>,
}

#[derive(Serialize)]
struct ExportVersion<'a> {
    commit: String,
    time: String,
    author: Author<'a>,
    message: &'a str,
    source: &'static str,
    notebook: &'a str,
    old_path: Option<&'a str>,
    change: nbhistory::FileChange,
    error: Option<&'a str>,
    summary: &'a nbhistory::Summary,
    cells: Vec<ExportCell>,
}

#[derive(Serialize)]
struct Author<'a> {
    name: &'a str,
    email: &'a str,
}

#[derive(Serialize)]
struct ExportCell {
    /// The cell's number across the history, as text (`c12`); with `--cells` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    cell: Option<String>,
    cell_type: &'static str,
    index: usize,
    status: CellState,
    nbformat_id: Option<String>,
    execution_count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    outputs: Option<Vec<ExportOutput>>,
}

#[derive(Serialize)]
struct ExportOutput {
    output_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    images: Vec<ExportImage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ename: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    evalue: Option<String>,
}

#[derive(Serialize)]
struct ExportImage {
    mime: String,
    format: &'static str,
    bytes: usize,
    sha256: String,
}

/// The name a cell has in exports and on screen: `c` and its number (the TUI's too).
pub use crate::nbhistory::cell_name;

/// Every version of every notebook as JSON lines, newest first.
pub fn export(
    project: &Project,
    opts: NbExportOptions,
    out: &mut impl Write,
) -> Result<usize, CommandError> {
    let mut written = 0usize;
    if opts.array {
        out.write_all(b"[")?;
    }
    let result = export_each(project, &opts, out, &mut written);
    if opts.array && result.is_ok() {
        out.write_all(b"]\n")?;
    }
    result.map(|()| written)
}

fn export_each(
    project: &Project,
    opts: &NbExportOptions,
    out: &mut impl Write,
    written: &mut usize,
) -> Result<(), CommandError> {
    let sep = |out: &mut dyn Write, n: usize| -> std::io::Result<()> {
        if opts.array && n > 0 {
            out.write_all(b",")?;
        }
        Ok(())
    };
    // Pseudonyms need every identity first, so an anonymized export reads the whole history.
    if opts.cells || opts.anonymize.is_some() {
        let history = nbhistory::build(project)?;
        if history.entries.is_empty() {
            return Err(no_history(project));
        }
        let anon = opts.anonymize.as_deref().map(|salt| {
            let who: Vec<(&str, &str, &str)> = history
                .commits
                .iter()
                .map(|c| (c.author.as_str(), c.email.as_str(), c.message.as_str()))
                .collect();
            Anonymizer::of_identities(salt, &who)
        });
        for entry in &history.entries {
            let Some(commit) = history.commit_of(entry) else {
                continue;
            };
            sep(out, *written)?;
            write_version(project, commit, entry, opts, anon.as_ref(), out)?;
            *written += 1;
        }
        warn_incomplete(&history.stats);
        return Ok(());
    }
    let mut failure = None;
    let stats = nbhistory::stream(project, |commit, entries| {
        for entry in &entries {
            let done = sep(out, *written)
                .map_err(CommandError::from)
                .and_then(|()| write_version(project, &commit, entry, opts, None, out));
            if let Err(e) = done {
                failure = Some(e);
                return false;
            }
            *written += 1;
        }
        true
    })?;
    if let Some(e) = failure {
        return Err(e);
    }
    if *written == 0 {
        return Err(no_history(project));
    }
    warn_incomplete(&stats);
    Ok(())
}

fn write_version(
    project: &Project,
    commit: &NbCommit,
    entry: &NbEntry,
    opts: &NbExportOptions,
    anon: Option<&Anonymizer>,
    out: &mut impl Write,
) -> Result<(), CommandError> {
    let text =
        |s: &str| -> String { anon.map_or_else(|| s.to_string(), |a| a.text(s).into_owned()) };
    let parts = if opts.no_outputs {
        Parts::Sources
    } else {
        Parts::All
    };
    let cells: Vec<Cell> = match (entry.error.is_none(), entry.blob) {
        (true, Some(b)) => project
            .blob(b)
            .and_then(|bytes| notebook::read(&bytes, parts).ok())
            .map(|nb| nb.cells)
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let (name, email) = match anon {
        Some(a) => (a.name(&commit.author), a.email(&commit.email)),
        None => (commit.author.clone(), commit.email.clone()),
    };
    let (message, notebook) = (text(commit.message.trim_end()), text(&entry.path));
    let old_path = entry.old_path.as_deref().map(text);
    let error = entry.error.as_deref().map(text);
    let version = ExportVersion {
        commit: commit.id.to_string(),
        time: timefmt::rfc3339_utc(commit.time),
        author: Author {
            name: &name,
            email: &email,
        },
        message: &message,
        source: "notebooks",
        notebook: &notebook,
        old_path: old_path.as_deref(),
        change: entry.change,
        error: error.as_deref(),
        summary: &entry.summary,
        cells: entry
            .cells
            .iter()
            .zip(&cells)
            .enumerate()
            .map(|(index, (e, c))| ExportCell {
                cell: if opts.cells { cell_name(e.cell) } else { None },
                cell_type: c.kind.name(),
                index,
                status: e.state,
                nbformat_id: c.id.clone(),
                execution_count: c.execution_count,
                source: (!opts.no_code).then(|| text(&c.source)),
                outputs: (!opts.no_outputs).then(|| {
                    c.outputs
                        .iter()
                        .map(|o| {
                            let mut o = output(o);
                            o.text = o.text.as_deref().map(text);
                            o.evalue = o.evalue.as_deref().map(text);
                            o
                        })
                        .collect()
                }),
            })
            .collect(),
    };
    out.write_all(&sanitize::json(&version)?)?;
    if !opts.array {
        writeln!(out)?;
    }
    Ok(())
}

fn output(o: &Output) -> ExportOutput {
    let mut text: Vec<&str> = o.text.iter().map(String::as_str).collect();
    text.extend(
        o.data
            .iter()
            .filter(|(m, _)| m == "text/plain")
            .map(|(_, c)| c.as_str()),
    );
    let images = o
        .images()
        .into_iter()
        .map(|img| {
            // Undecodable base64 is an image of no bytes, of unknown format.
            let bytes = img.bytes.unwrap_or_default();
            ExportImage {
                format: crate::activity::image::sniff(&bytes).map_or("unknown", |f| f.name()),
                bytes: bytes.len(),
                sha256: crate::activity::detail::hex(&Sha256::digest(&bytes)),
                mime: img.mime,
            }
        })
        .collect();
    ExportOutput {
        output_type: o.output_type.clone(),
        text: (!text.is_empty()).then(|| text.concat()),
        images,
        ename: o.ename.clone(),
        evalue: o.evalue.clone(),
    }
}

/// How `stats` and `stuck` print.
#[derive(Debug, Clone, Copy, Default)]
pub struct NbInsightLook {
    pub json: bool,
    pub ascii: bool,
}

/// `stats` over a notebook history.
pub fn stats(
    project: &Project,
    look: NbInsightLook,
    out: &mut impl Write,
) -> Result<(), CommandError> {
    let history = nbhistory::build(project)?;
    if history.entries.is_empty() {
        return Err(no_history(project));
    }
    let s = nbhistory::insights::stats(&history);
    if look.json {
        out.write_all(&sanitize::json_pretty(&s)?)?;
        writeln!(out)?;
        warn_incomplete(&history.stats);
        return Ok(());
    }
    let gist = |entry, cell| nbhistory::insights::cell_gist(project, &history, entry, cell);
    let text = crate::render::nbinsights::stats_text(
        &s,
        &gist,
        crate::render::insights::InsightLook {
            json: false,
            ascii: look.ascii,
            width: 80,
        },
    );
    out.write_all(text.as_bytes())?;
    warn_incomplete(&history.stats);
    Ok(())
}

/// `stuck` over a notebook history: hot spots, longest first.
pub fn stuck(
    project: &Project,
    limit: Option<usize>,
    look: NbInsightLook,
    out: &mut impl Write,
) -> Result<(), CommandError> {
    let history = nbhistory::build(project)?;
    if history.entries.is_empty() {
        return Err(no_history(project));
    }
    let mut spots = nbhistory::insights::hot_spots(&history);
    if let Some(l) = limit {
        spots.truncate(l);
    }
    if look.json {
        out.write_all(&sanitize::json_pretty(&spots)?)?;
        writeln!(out)?;
        warn_incomplete(&history.stats);
        return Ok(());
    }
    if spots.is_empty() {
        writeln!(out, "{}", crate::render::nbinsights::no_hot_spots())?;
    }
    for s in &spots {
        // The entries are oldest first: the last is the newest revision.
        let newest = s.entries.last().copied().unwrap_or(0);
        let gist = nbhistory::insights::cell_gist(project, &history, newest, s.cell);
        writeln!(
            out,
            "{}",
            crate::render::nbinsights::hot_spot_line(s, &gist)
        )?;
    }
    warn_incomplete(&history.stats);
    Ok(())
}
