//! The `stuck` and `stats` commands: retry streaks and usage figures as
//! text (readable at 80 columns) or JSON.

use std::io::Write;

use serde::Serialize;

use crate::commands::CommandError;
use crate::insights::find_streaks;
use crate::insights::stats::{Stats, stats};
use crate::insights::stuck::StuckParams;
use crate::lineage::{self, CachePolicy, Lineage};
use crate::render::insights::{Glyphs, InsightLook, duration, plural, render_stats};
use crate::repo::{Project, RepoError, Rows, short_id};
use crate::timefmt;

/// The whole history (packed, and read where it is) and its lineage, which
/// both commands start from (through the walk and lineage caches `cache` names).
pub fn read(project: &Project, cache: &CachePolicy) -> Result<(Rows, Lineage), CommandError> {
    let (rows, walk) = project.packed_records_cached(cache)?;
    crate::commands::warn_incomplete(&walk);
    if rows.is_empty() {
        return Err(RepoError::NoRecords {
            rev: project.rev.clone(),
            path: project.path.clone(),
        }
        .into());
    }
    let lineage = lineage::build_cached(project, rows.iter(), None, cache);
    Ok((rows, lineage))
}

#[derive(Serialize)]
struct RunOut {
    commit: String,
    ex: Option<u32>,
    time: String,
}

#[derive(Serialize)]
struct StreakOut<'a> {
    rank: usize,
    cell: &'a str,
    notebook: &'a str,
    runs: usize,
    retries: usize,
    unrecorded: usize,
    errors: usize,
    edits: usize,
    lines_changed: usize,
    output_changes: usize,
    first: String,
    last: String,
    span_seconds: i64,
    first_commit: String,
    last_commit: String,
    executions: Vec<RunOut>,
}

#[derive(Serialize)]
struct StuckOut<'a> {
    /// Streaks found before `--limit`.
    total: usize,
    rules: RulesOut,
    streaks: Vec<StreakOut<'a>>,
}

#[derive(Serialize)]
struct RulesOut {
    max_gap_seconds: i64,
    max_lines: usize,
    min_runs: usize,
    min_edit_share: f32,
    max_between: usize,
}

/// `gtm-tui stuck`: retry streaks, most retries first. Returns how many
/// were found (before `limit`).
pub fn stuck(
    project: &Project,
    limit: Option<usize>,
    look: InsightLook,
    cache: &CachePolicy,
    out: &mut impl Write,
) -> Result<usize, CommandError> {
    let (rows, lineage) = read(project, cache)?;
    let params = StuckParams::default();
    let found = find_streaks(project, rows.iter(), &lineage, &params);
    let shown = &found[..limit.unwrap_or(found.len()).min(found.len())];
    if look.json {
        let doc = StuckOut {
            total: found.len(),
            rules: RulesOut {
                max_gap_seconds: params.max_gap,
                max_lines: params.max_lines,
                min_runs: params.min_runs,
                min_edit_share: params.min_edit_share,
                max_between: params.max_between,
            },
            streaks: shown
                .iter()
                .enumerate()
                .map(|(k, s)| StreakOut {
                    rank: k + 1,
                    cell: &s.cell_id,
                    notebook: &s.notebook,
                    runs: s.runs(),
                    retries: s.retries,
                    unrecorded: s.unrecorded,
                    errors: s.errors,
                    edits: s.edits,
                    lines_changed: s.lines_changed,
                    output_changes: s.output_changes,
                    first: timefmt::rfc3339_utc(s.first),
                    last: timefmt::rfc3339_utc(s.last),
                    span_seconds: s.span(),
                    first_commit: s.first_commit.to_string(),
                    last_commit: s.last_commit.to_string(),
                    executions: s
                        .executions
                        .iter()
                        .filter_map(|&i| lineage.executions.get(i))
                        .map(|e| RunOut {
                            commit: e.commit.to_string(),
                            ex: e.ex,
                            time: timefmt::rfc3339_utc(e.time),
                        })
                        .collect(),
                })
                .collect(),
        };
        out.write_all(&crate::render::sanitize::json_pretty(&doc)?)?;
        writeln!(out)?;
        out.flush()?;
        return Ok(found.len());
    }
    let g = Glyphs::new(look.ascii);
    if found.is_empty() {
        writeln!(
            out,
            "No retry streaks in {}: no cell was run {} or more times in a row,\n\
             at most {} apart, with small edits.",
            project.name,
            params.min_runs,
            duration(params.max_gap)
        )?;
        out.flush()?;
        return Ok(0);
    }
    let more = if shown.len() < found.len() {
        format!(", the first {} shown", shown.len())
    } else {
        String::new()
    };
    writeln!(
        out,
        "{} retry streak{} in {}{more}, most retries first.\n\
         A retry streak is a cell run again and again, minutes apart, with small edits.",
        found.len(),
        plural(found.len()),
        project.name,
    )?;
    for (k, s) in shown.iter().enumerate() {
        writeln!(out)?;
        let head = format!("{:>2}. ", k + 1);
        writeln!(
            out,
            "{head}{}",
            crate::columns::truncate_mark(&s.cell_id, look.width.saturating_sub(5), look.ascii)
        )?;
        let when = if timefmt::local_day(s.first) == timefmt::local_day(s.last) {
            format!(
                "{}{}{}",
                timefmt::local_minutes(s.first),
                g.dash,
                timefmt::local_hm(s.last)
            )
        } else {
            format!(
                "{}{}{}",
                timefmt::local_minutes(s.first),
                g.dash,
                timefmt::local_minutes(s.last)
            )
        };
        let mut runs = format!("{} runs", s.runs());
        if s.unrecorded > 0 {
            runs.push_str(&format!(
                " + {} unrecorded (raised an error?)",
                s.unrecorded
            ));
        }
        writeln!(out, "    {when} ({}), {runs}", duration(s.span()))?;
        let mut facts = vec![
            format!("{} retries", s.retries),
            format!(
                "{} edit{} ({} line{})",
                s.edits,
                plural(s.edits),
                s.lines_changed,
                plural(s.lines_changed)
            ),
            format!(
                "output changed {} time{}",
                s.output_changes,
                plural(s.output_changes)
            ),
        ];
        if s.errors > 0 {
            facts.push(format!("{} with an error", s.errors));
        }
        writeln!(out, "    {}", facts.join(", "))?;
        let last = short_id(s.last_commit);
        writeln!(
            out,
            "    first {}  last {last}  {} gtm-tui cell {last}, gtm-tui diff {last}",
            short_id(s.first_commit),
            g.arrow
        )?;
    }
    out.flush()?;
    Ok(found.len())
}

/// `stats --json`: the figures, times as RFC 3339.
#[derive(Serialize)]
struct StatsOut<'a> {
    project: &'a str,
    #[serde(flatten)]
    stats: &'a Stats,
}

/// `gtm-tui stats`: usage figures of the whole history.
pub fn stats_command(
    project: &Project,
    look: InsightLook,
    cache: &CachePolicy,
    out: &mut impl Write,
) -> Result<Stats, CommandError> {
    let (rows, lineage) = read(project, cache)?;
    let s = stats(rows.iter(), &lineage);
    if look.json {
        let doc = StatsOut {
            project: &project.name,
            stats: &s,
        };
        out.write_all(&crate::render::sanitize::json_pretty(&doc)?)?;
        writeln!(out)?;
    } else {
        out.write_all(render_stats(&s, &project.name, look).as_bytes())?;
    }
    out.flush()?;
    Ok(s)
}
