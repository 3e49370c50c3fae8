//! The cell commands: `cell` (every run of a record's cell) and `diff` (a
//! run against the cell's previous run), both built on [`crate::lineage`].

use std::io::Write;

use serde::Serialize;

use crate::commands::CommandError;
use crate::compare::compare;
use crate::diff::{TextDiff, diff_text};
use crate::lineage::{self, CachePolicy, Execution, Lineage, notebook_of};
use crate::render::cell::{describe_image, why_lines};
use crate::render::diff::{DiffStyles, side_by_side, to_ansi, to_plain, unified};
use crate::render::highlight::{Highlighter, Lang};
use crate::render::palette::Palette;
use crate::repo::{Project, RecordRow, short_id};
use crate::timefmt;

/// The lineage of the notebook a record ran code in, and which execution
/// of it the user means.
pub struct Found {
    pub lineage: Lineage,
    pub at: usize,
    pub row: RecordRow,
    /// The whole history, newest first.
    pub rows: Vec<RecordRow>,
}

/// Finds the execution `ex` (else the record's last) of record `spec`;
/// the notebook's lineage through the lineage cache `cache` names.
pub fn find(
    project: &Project,
    spec: &str,
    ex: Option<u32>,
    cache: &CachePolicy,
) -> Result<Found, CommandError> {
    let row = project.record(spec)?;
    let notebook = notebook_of(&row.record.message).ok_or_else(|| {
        CommandError::Usage(format!(
            "{} is not a code record: \"{}\"",
            short_id(row.commit),
            row.record.message
        ))
    })?;
    let (rows, walk) = project.records_with_stats()?;
    crate::commands::warn_incomplete(&walk);
    let lineage = lineage::build_cached(project, &rows, Some(&notebook), cache);
    let at = lineage.find(row.commit, ex).ok_or_else(|| {
        CommandError::Usage(match ex {
            Some(n) => format!("{} has no execution In [{n}]", short_id(row.commit)),
            None => format!("{} recorded no code", short_id(row.commit)),
        })
    })?;
    Ok(Found {
        lineage,
        at,
        row,
        rows,
    })
}

/// One run in `cell --json`.
#[derive(Serialize)]
struct RunOut<'a> {
    run: u32,
    commit: String,
    time: String,
    ex: Option<u32>,
    /// Lines added and removed against the previous run (0 for the first).
    added: usize,
    removed: usize,
    code_changed: bool,
    /// `null` for the first run.
    output_changed: Option<bool>,
    source: &'a str,
}

#[derive(Serialize)]
struct CellOut<'a> {
    cell: &'a str,
    notebook: &'a str,
    runs: Vec<RunOut<'a>>,
}

/// `gtm-tui cell COMMIT`: every run of the cell, newest first.
pub fn cell(
    project: &Project,
    spec: &str,
    ex: Option<u32>,
    json: bool,
    cache: &CachePolicy,
    out: &mut impl Write,
) -> Result<(), CommandError> {
    let found = find(project, spec, ex, cache)?;
    let l = &found.lineage;
    let Some(cell) = l.cell_of(found.at) else {
        return Err(CommandError::Usage("the execution has no cell".into()));
    };
    let mut runs = Vec::new();
    for (k, &i) in cell.runs.iter().enumerate().rev() {
        let Some(e) = l.executions.get(i) else {
            continue;
        };
        let prev = k
            .checked_sub(1)
            .and_then(|p| cell.runs.get(p))
            .and_then(|&p| l.executions.get(p));
        let d = prev.map(|p| diff_text(&p.source, &e.source));
        runs.push((i, e, prev, d, k + 1));
    }
    if json {
        let doc = CellOut {
            cell: &cell.id,
            notebook: &cell.notebook,
            runs: runs
                .iter()
                .map(|(_, e, prev, d, n)| RunOut {
                    run: u32::try_from(*n).unwrap_or(u32::MAX),
                    commit: e.commit.to_string(),
                    time: timefmt::rfc3339_utc(e.time),
                    ex: e.ex,
                    added: d.as_ref().map_or(0, |d| d.stats.added),
                    removed: d.as_ref().map_or(0, |d| d.stats.removed),
                    code_changed: d.as_ref().is_some_and(|d| !d.stats.identical),
                    output_changed: prev.map(|p| p.outputs != e.outputs),
                    source: &e.source,
                })
                .collect(),
        };
        out.write_all(&crate::render::sanitize::json_pretty(&doc)?)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "{} · {} run{} (newest first)",
        crate::render::sanitize::line(&cell.id),
        cell.runs.len(),
        if cell.runs.len() == 1 { "" } else { "s" }
    )?;
    writeln!(
        out,
        "   run  commit   time              in      code      output"
    )?;
    for (i, e, prev, d, n) in &runs {
        let mark = if *i == found.at { ">" } else { " " };
        let code = match d {
            None => "first".to_string(),
            Some(d) if d.stats.identical => "same".to_string(),
            Some(d) => format!("+{} -{}", d.stats.added, d.stats.removed),
        };
        let output = match prev {
            None => "-",
            Some(p) if p.outputs == e.outputs => "same",
            Some(_) => "changed",
        };
        writeln!(
            out,
            "{mark} {n:>4}  {}  {}  {:<6}  {code:<8}  {output}",
            short_id(e.commit),
            timefmt::local_minutes(e.time),
            e.ex.map_or("-".to_string(), |n| format!("[{n}]")),
        )?;
    }
    Ok(())
}

/// How `diff` draws.
#[derive(Debug, Clone, Copy)]
pub struct DiffLook {
    pub unified: bool,
    pub color: bool,
    pub width: u16,
    /// The diff and code colours, from the config file's `[theme]` (the binary reads it).
    pub palette: Palette,
    /// `diff --pixels`: each changed pair of pictures compared pixel by pixel too.
    pub pixels: bool,
}

impl DiffLook {
    /// A diff as `diff` prints it: one column below 100 columns or with `--unified`, else side
    /// by side, with 3 lines of context; `lang` highlights code when colouring.
    pub fn render(&self, d: &TextDiff, old: &str, new: &str, lang: Option<Lang>) -> String {
        let styles = if self.color {
            DiffStyles::from_palette(&self.palette).to_indexed()
        } else {
            DiffStyles::no_color()
        };
        let (hl_old, hl_new) = match lang.filter(|_| self.color) {
            Some(lang) => {
                let h = Highlighter::get();
                (
                    Some(h.highlight(old, lang, self.palette.syntax)),
                    Some(h.highlight(new, lang, self.palette.syntax)),
                )
            }
            None => (None, None),
        };
        let args = (hl_old.as_deref(), hl_new.as_deref());
        let lines = if self.unified || self.width < 100 {
            unified(d, args.0, args.1, self.width, Some(3), &styles, false)
        } else {
            side_by_side(d, args.0, args.1, self.width, Some(3), &styles, false)
        };
        if self.color {
            to_ansi(&lines)
        } else {
            to_plain(&lines)
        }
    }
}

/// A diff's size as the section headers say it: `+3 -1` and the unit, or `same`.
pub fn change_size(d: &TextDiff, same: &str, unit: &str) -> String {
    if d.stats.identical {
        same.to_string()
    } else {
        format!("+{} -{}{unit}", d.stats.added, d.stats.removed)
    }
}

/// `gtm-tui diff COMMIT`: the run against the previous run of its cell.
pub fn diff(
    project: &Project,
    spec: &str,
    ex: Option<u32>,
    look: DiffLook,
    cache: &CachePolicy,
    out: &mut impl Write,
) -> Result<(), CommandError> {
    let found = find(project, spec, ex, cache)?;
    let l = &found.lineage;
    let (Some(e), Some(cell)) = (l.executions.get(found.at), l.cell_of(found.at)) else {
        return Err(CommandError::Usage("the execution has no cell".into()));
    };
    let run = l.run.get(found.at).copied().unwrap_or(1);
    let Some(prev) = l.previous(found.at).and_then(|p| l.executions.get(p)) else {
        writeln!(
            out,
            "{} run 1 ({}): the cell's first run, nothing to compare with",
            crate::render::sanitize::line(&cell.id),
            short_id(e.commit)
        )?;
        return Ok(());
    };
    let label = |x: &Execution, n: u32| {
        format!(
            "run {n} ({}, {}{})",
            short_id(x.commit),
            timefmt::local_minutes(x.time),
            x.ex.map_or(String::new(), |c| format!(", In [{c}]"))
        )
    };
    writeln!(
        out,
        "{}  {} → {}",
        crate::render::sanitize::line(&cell.id),
        label(prev, run.saturating_sub(1)),
        label(e, run)
    )?;
    let lang = Lang::from_path(&e.notebook);
    let lang = if lang == Lang::Plain {
        Lang::from_message(&found.row.record.message)
    } else {
        lang
    };
    let Some(prev_at) = l.previous(found.at) else {
        return Ok(());
    };
    let Some(cmp) = compare(&project.details(), l, &found.rows, prev_at, found.at) else {
        return Ok(());
    };
    let code = &cmp.code;
    writeln!(out, "── code: {}", change_size(code, "same", ""))?;
    if !code.stats.identical {
        write!(
            out,
            "{}",
            look.render(code, &prev.source, &e.source, Some(lang))
        )?;
    }
    let (before, after) = (&cmp.old_output, &cmp.new_output);
    let text = &cmp.output;
    writeln!(
        out,
        "── output: {}",
        change_size(text, "same text", " lines")
    )?;
    for err in before.errors.iter().chain(&after.errors) {
        writeln!(out, "   error: {}", crate::render::sanitize::line(err))?;
    }
    if !text.stats.identical {
        write!(
            out,
            "{}",
            look.render(text, &before.text, &after.text, None)
        )?;
    }
    for (k, pair) in cmp.images.iter().enumerate() {
        writeln!(
            out,
            "── image {}: {}  ({} → {})",
            k + 1,
            if pair.identical() {
                "identical"
            } else {
                "changed"
            },
            describe_image(pair.old.as_ref()),
            describe_image(pair.new.as_ref())
        )?;
        if let (true, false, Some(o), Some(n)) =
            (look.pixels, pair.identical(), &pair.old, &pair.new)
        {
            match crate::render::image::pixel_diff(&o.data, &n.data) {
                Ok(d) => writeln!(out, "   {}", d.summary())?,
                Err(e) => writeln!(
                    out,
                    "   cannot compare the pixels: {}",
                    crate::render::sanitize::line(&e)
                )?,
            }
        }
    }
    if let Some(b) = &cmp.between {
        for line in why_lines(l, b) {
            writeln!(out, "{}", crate::render::sanitize::line(&line))?;
        }
    }
    Ok(())
}
