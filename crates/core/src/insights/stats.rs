//! Usage figures of a history: activity per day, record types, time and
//! runs per notebook, packages added and removed over time, the most re-run
//! cells and who recorded what. Counted from the records and the cell
//! lineage; nothing is decoded. README ("`stats`") says how each is counted.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;

use crate::activity::kinds::{ActionKind, DetailKind, RecordKind};
use crate::lineage::{Lineage, notebook_of};
use crate::repo::RecordView;

/// Two records on a notebook further apart than this are two sittings:
/// the pause is not counted as time spent on it.
pub const SITTING_GAP: i64 = 30 * 60;

/// How many cells [`Stats::most_rerun`] lists.
pub const MOST_RERUN: usize = 10;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub records: usize,
    /// Times of the oldest and newest record (unix seconds; RFC 3339 in JSON).
    #[serde(serialize_with = "rfc3339_opt")]
    pub first: Option<i64>,
    #[serde(serialize_with = "rfc3339_opt")]
    pub last: Option<i64>,
    /// Records per day, on days with any, oldest first. A record's day is
    /// the calendar day on its author's clock.
    pub per_day: Vec<DayCount>,
    /// Records per type, most first.
    pub by_type: Vec<TypeCount>,
    /// Per notebook (or script, or `console`), most time first.
    pub per_notebook: Vec<NotebookStats>,
    /// Package changes per day, on days with any, oldest first.
    pub packages: Vec<PackageDay>,
    /// The cells run most often (at least twice), most runs first.
    pub most_rerun: Vec<CellRuns>,
    /// Who recorded how much, most first.
    pub authors: Vec<AuthorCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayCount {
    /// `2019-03-04`.
    pub day: String,
    pub records: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TypeCount {
    /// The type's name, or `type <n>` for a number the format does not know.
    #[serde(rename = "type")]
    pub type_name: String,
    pub type_id: i64,
    pub records: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotebookStats {
    pub notebook: String,
    /// Code records naming it.
    pub records: usize,
    /// Code executions in it (a "run all" record holds many).
    pub runs: usize,
    /// Cells the lineage found in it.
    pub cells: usize,
    /// Seconds: the pauses between consecutive records on it, each at most
    /// [`SITTING_GAP`]; longer pauses count nothing.
    pub time_spent: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageDay {
    pub day: String,
    pub added: usize,
    pub removed: usize,
    /// Re-versioned packages.
    pub updated: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellRuns {
    pub cell: String,
    pub notebook: String,
    pub runs: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthorCount {
    pub name: String,
    pub email: String,
    pub records: usize,
    /// Their first and last record (unix seconds; RFC 3339 in JSON).
    #[serde(serialize_with = "rfc3339")]
    pub first: i64,
    #[serde(serialize_with = "rfc3339")]
    pub last: i64,
}

fn rfc3339<S: serde::Serializer>(t: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::timefmt::rfc3339_utc(*t))
}

fn rfc3339_opt<S: serde::Serializer>(t: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => rfc3339(t, s),
        None => s.serialize_none(),
    }
}

/// The calendar day of `time` on a clock `tz_minutes` east of UTC.
pub fn day_of(time: i64, tz_minutes: i32) -> String {
    let tz =
        FixedOffset::east_opt(tz_minutes.saturating_mul(60)).or_else(|| FixedOffset::east_opt(0));
    match (DateTime::from_timestamp(time, 0), tz) {
        (Some(t), Some(tz)) => t.with_timezone(&tz).format("%Y-%m-%d").to_string(),
        _ => format!("@{}", time.div_euclid(86_400)),
    }
}

/// Days since 1970-01-01 of a `day_of` string.
pub fn day_number(day: &str) -> Option<i64> {
    let d = NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)?;
    Some((d - epoch).num_days())
}

/// Packages a record added, removed and re-versioned.
///
/// An environment record about packages holds one detail per package; its
/// action says which (create, delete, edit). Old records without actions
/// fall back to the number in the message (`Added 2 pip package(s).`).
pub fn package_change<'a>(row: impl RecordView<'a>) -> (usize, usize, usize) {
    if row.kind() != RecordKind::Environment {
        return (0, 0, 0);
    }
    let about_packages = row.tags().any(|t| t == "package_manager")
        || row.message().to_ascii_lowercase().contains("package");
    if !about_packages {
        return (0, 0, 0);
    }
    let (mut added, mut removed, mut updated) = (0, 0, 0);
    for d in row.details() {
        if d.kind != DetailKind::Environment {
            continue;
        }
        match d.action {
            ActionKind::Create => added += 1,
            ActionKind::Delete => removed += 1,
            ActionKind::Edit => updated += 1,
            _ => {}
        }
    }
    if added + removed + updated > 0 {
        return (added, removed, updated);
    }
    let mut words = row.message().split_whitespace();
    let verb = words.next().unwrap_or("");
    let n = words.next().and_then(|w| w.parse().ok()).unwrap_or(0);
    match verb {
        "Added" => (n, 0, 0),
        "Removed" => (0, n, 0),
        "Updated" => (0, 0, n),
        _ => (0, 0, 0),
    }
}

/// The figures for `rows` (any order) and their lineage (built from the
/// same rows, every notebook).
pub fn stats<'a, R: RecordView<'a>>(rows: impl IntoIterator<Item = R>, lineage: &Lineage) -> Stats {
    let mut per_day: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_type: HashMap<RecordKind, usize> = HashMap::new();
    let mut packages: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    let mut authors: HashMap<(&str, &str), AuthorCount> = HashMap::new();
    let mut on_notebook: HashMap<String, Vec<i64>> = HashMap::new();
    let (mut first, mut last) = (None::<i64>, None::<i64>);
    let mut records = 0;
    for row in rows {
        records += 1;
        let time = row.time();
        let day = day_of(time, row.tz_minutes());
        first = Some(first.map_or(time, |f| f.min(time)));
        last = Some(last.map_or(time, |l| l.max(time)));
        *by_type.entry(row.kind()).or_default() += 1;
        let (a, r, u) = package_change(row);
        if a + r + u > 0 {
            let p = packages.entry(day.clone()).or_default();
            p.0 += a;
            p.1 += r;
            p.2 += u;
        }
        *per_day.entry(day).or_default() += 1;
        authors
            .entry((row.author(), row.email()))
            .and_modify(|c| {
                c.records += 1;
                c.first = c.first.min(time);
                c.last = c.last.max(time);
            })
            .or_insert_with(|| AuthorCount {
                name: row.author().to_string(),
                email: row.email().to_string(),
                records: 1,
                first: time,
                last: time,
            });
        if row.kind() == RecordKind::Code
            && let Some(nb) = notebook_of(row.message())
        {
            on_notebook.entry(nb).or_default().push(time);
        }
    }
    let mut runs: HashMap<&str, usize> = HashMap::new();
    for e in &lineage.executions {
        *runs.entry(e.notebook.as_str()).or_default() += 1;
    }
    let mut cells: HashMap<&str, usize> = HashMap::new();
    for c in &lineage.cells {
        *cells.entry(c.notebook.as_str()).or_default() += 1;
    }
    let mut per_notebook: Vec<NotebookStats> = on_notebook
        .into_iter()
        .map(|(notebook, mut times)| {
            times.sort_unstable();
            let time_spent = times
                .windows(2)
                .map(|w| match w {
                    [a, b] if b - a <= SITTING_GAP => b - a,
                    _ => 0,
                })
                .sum();
            NotebookStats {
                records: times.len(),
                runs: runs.get(notebook.as_str()).copied().unwrap_or(0),
                cells: cells.get(notebook.as_str()).copied().unwrap_or(0),
                time_spent,
                notebook,
            }
        })
        .collect();
    per_notebook.sort_by(|a, b| {
        b.time_spent
            .cmp(&a.time_spent)
            .then(b.runs.cmp(&a.runs))
            .then(a.notebook.cmp(&b.notebook))
    });
    let mut by_type: Vec<TypeCount> = by_type
        .into_iter()
        .map(|(kind, records)| TypeCount {
            type_name: kind
                .known_name()
                .map_or_else(|| format!("type {}", kind.id()), str::to_string),
            type_id: kind.id(),
            records,
        })
        .collect();
    by_type.sort_by(|a, b| b.records.cmp(&a.records).then(a.type_id.cmp(&b.type_id)));
    let mut most_rerun: Vec<CellRuns> = lineage
        .cells
        .iter()
        .filter(|c| c.runs.len() >= 2)
        .map(|c| CellRuns {
            cell: c.id.clone(),
            notebook: c.notebook.clone(),
            runs: c.runs.len(),
        })
        .collect();
    most_rerun.sort_by(|a, b| b.runs.cmp(&a.runs).then(a.cell.cmp(&b.cell)));
    most_rerun.truncate(MOST_RERUN);
    let mut authors: Vec<AuthorCount> = authors.into_values().collect();
    authors.sort_by(|a, b| {
        b.records
            .cmp(&a.records)
            .then(a.name.cmp(&b.name))
            .then(a.email.cmp(&b.email))
    });
    Stats {
        records,
        first,
        last,
        per_day: per_day
            .into_iter()
            .map(|(day, records)| DayCount { day, records })
            .collect(),
        by_type,
        per_notebook,
        packages: packages
            .into_iter()
            .map(|(day, (added, removed, updated))| PackageDay {
                day,
                added,
                removed,
                updated,
            })
            .collect(),
        most_rerun,
        authors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_on_the_authors_clock() {
        // 2019-03-04 23:30 UTC is already the 5th in Berlin, still the 4th in New York.
        let t = 1_551_742_200;
        assert_eq!(day_of(t, 60), "2019-03-05");
        assert_eq!(day_of(t, -300), "2019-03-04");
        assert_eq!(day_number("1970-01-02"), Some(1));
        assert_eq!(day_number("nonsense"), None);
    }
}
