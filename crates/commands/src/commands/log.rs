//! `log`: one line per record, newest first, streamed as the walk reads them.

use std::io::Write;

use serde::Serialize;

use super::{CommandError, walk_writing};
use crate::render::sanitize;
use crate::repo::Project;
use crate::timefmt;

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
    let all: Vec<&str> = errors(r).collect();
    (!all.is_empty()).then(|| all.join("; "))
}

/// The record's own errors, then its detail lines'.
fn errors(r: &crate::activity::Record) -> impl Iterator<Item = &str> {
    r.errors
        .iter()
        .map(String::as_str)
        .chain(r.details.iter().filter_map(|d| d.error.as_deref()))
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
                type_name: r.meta.kind.known_name(),
                type_id: r.meta.kind.id(),
                message: &r.message,
                details: r.details.len(),
                error: record_error(r),
            };
            out.write_all(&sanitize::json(&line)?)?;
            writeln!(out)?;
        } else {
            let flag = if errors(r).next().is_some() {
                "  !"
            } else {
                ""
            };
            writeln!(
                out,
                "{}  {}  {:<14} {:<11} {}  [{}]{flag}",
                crate::repo::short_id(row.commit),
                timefmt::local_minutes(row.time),
                crate::columns::truncate(&sanitize::line(&row.author), 14),
                r.meta.kind,
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
