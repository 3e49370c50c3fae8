//! `export`: every record with every detail decoded, as JSON lines or one array.

use std::io::Write;

use super::{CommandError, finish_walk};
use crate::activity::kinds::DetailKind;
use crate::export;
use crate::render::sanitize;
use crate::repo::{DetailStore, Project, RecordRow, Rows, WalkMsg};

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
    /// Where `cells` and `anonymize` keep the walked records, and `cells`
    /// the lineage, between runs (default: nowhere).
    pub lineage_cache: crate::lineage::CachePolicy,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            format: ExportFormat::Jsonl,
            cells: false,
            anonymize: None,
            no_outputs: false,
            no_code: false,
            lineage_cache: crate::lineage::CachePolicy::Off,
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
    let mut n = 0usize;
    let mut stats = None;
    let mut write = |row: &RecordRow, out: &mut dyn Write| -> Result<(), CommandError> {
        let json = encode(&store, opts, row, &|_| None, None)?;
        out.write_all(&frame(format, n, json))?;
        n += 1;
        Ok(())
    };
    if format == ExportFormat::Json {
        out.write_all(b"[\n")?;
    }
    if opts.cells || opts.anonymize.is_some() {
        // The whole history is held packed (read through the walk cache,
        // which shares the lineage cache's directory) and each record
        // unpacked only to be written.
        let (rows, walk) = project.packed_records_cached(&opts.lineage_cache)?;
        stats = Some(walk);
        let mut by_detail: std::collections::HashMap<(git2::Oid, usize), (String, u32)> =
            std::collections::HashMap::new();
        if opts.cells {
            let lineage =
                crate::lineage::build_cached(project, rows.iter(), None, &opts.lineage_cache);
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
            .map(|salt| crate::insights::Anonymizer::new(salt, rows.iter()));
        n = write_in_parallel(project, opts, &rows, &by_detail, anonymizer.as_ref(), out)?;
    } else {
        let rx = project.walk_in_background(256)?;
        for msg in rx {
            match msg {
                WalkMsg::Rows(rows) => {
                    for row in &rows {
                        write(row, out)?;
                    }
                }
                WalkMsg::Packed(rows) => {
                    for row in rows.iter() {
                        write(&row.to_row(), out)?;
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

/// One record as `export` writes it (without the framing): its details
/// decoded from `store`, contents left out as `opts` asks, `cell_of` a
/// detail's cell and run, names replaced by `anonymizer`.
fn encode(
    store: &DetailStore,
    opts: &ExportOptions,
    row: &RecordRow,
    cell_of: &dyn Fn(usize) -> Option<(String, u32)>,
    anonymizer: Option<&crate::insights::Anonymizer>,
) -> Result<Vec<u8>, CommandError> {
    let dropped = |kind: DetailKind| {
        (opts.no_outputs && kind == DetailKind::Result)
            || (opts.no_code && kind == DetailKind::CodeExecuted)
    };
    let mut details = store.record_details(row);
    for (line, d) in row.record.details.iter().zip(details.iter_mut()) {
        if dropped(line.kind) {
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
    for (k, (d, line)) in rec.details.iter_mut().zip(&row.record.details).enumerate() {
        if let Some((cell, run)) = cell_of(k) {
            d.cell = Some(cell);
            d.run = Some(run);
        }
        d.content_dropped = dropped(line.kind);
    }
    Ok(sanitize::json(&rec)?)
}

/// Record number `n`'s JSON as it goes in the output: after a comma for
/// every record but the first of an array, before a newline in JSON lines.
fn frame(format: ExportFormat, n: usize, mut json: Vec<u8>) -> Vec<u8> {
    match format {
        ExportFormat::Json if n > 0 => {
            json.splice(0..0, *b",\n");
        }
        ExportFormat::Json => {}
        ExportFormat::Jsonl => json.push(b'\n'),
    }
    json
}

/// Records per batch a thread encodes before handing it over.
const BATCH: usize = 256;

/// Writes every record of `rows` (a history read whole) in order,
/// encoded on a few threads (each with its own repository handle and
/// detail store) in batches taken in turn: with no walk to wait for, the
/// encoding is all the work left. How many were written.
fn write_in_parallel(
    project: &Project,
    opts: &ExportOptions,
    rows: &Rows,
    by_detail: &std::collections::HashMap<(git2::Oid, usize), (String, u32)>,
    anonymizer: Option<&crate::insights::Anonymizer>,
    out: &mut impl Write,
) -> Result<usize, CommandError> {
    let total = rows.len();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4)
        .min(total.div_ceil(BATCH).max(1));
    let mut projects = Vec::with_capacity(threads);
    for _ in 0..threads {
        projects.push(project.reopen()?);
    }
    std::thread::scope(|s| -> Result<usize, CommandError> {
        let mut from = Vec::with_capacity(threads);
        for (t, p) in projects.into_iter().enumerate() {
            // Two batches ahead at most per thread: the output is not held whole.
            let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Vec<u8>, CommandError>>(2);
            from.push(rx);
            s.spawn(move || {
                let store = p.details();
                for b in (t..).step_by(threads) {
                    let start = b * BATCH;
                    if start >= total {
                        break;
                    }
                    let batch = (start..(start + BATCH).min(total)).try_fold(
                        Vec::new(),
                        |mut buf, i| -> Result<Vec<u8>, CommandError> {
                            if let Some(row) = rows.get(i) {
                                let commit = row.commit();
                                let cell_of = |k| by_detail.get(&(commit, k)).cloned();
                                let json =
                                    encode(&store, opts, &row.to_row(), &cell_of, anonymizer)?;
                                buf.extend_from_slice(&frame(opts.format, i, json));
                            }
                            Ok(buf)
                        },
                    );
                    let failed = batch.is_err();
                    // The writer stopped (an error of its own): so do we.
                    if tx.send(batch).is_err() || failed {
                        break;
                    }
                }
            });
        }
        for b in 0..total.div_ceil(BATCH) {
            let Some(rx) = from.get(b % threads) else {
                break;
            };
            match rx.recv() {
                Ok(batch) => out.write_all(&batch?)?,
                Err(_) => break,
            }
        }
        Ok(total)
    })
}
