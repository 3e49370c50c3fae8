//! Usage figures and retry streaks as text a person reads at 80 columns:
//! `gtm-tui stats` and `stuck` and the TUI's insights screen say the same.

use crate::insights::stats::{DayCount, SITTING_GAP, Stats, day_number};
use crate::render::numbers::thousands;
use crate::timefmt;

/// How to print.
#[derive(Debug, Clone, Copy)]
pub struct InsightLook {
    pub json: bool,
    /// ASCII only: `#` bars, `.:-=+*#` sparklines, `-` for dashes.
    pub ascii: bool,
    /// Columns to fit (bars and the sparkline use them, up to 100).
    pub width: usize,
}

impl Default for InsightLook {
    fn default() -> Self {
        InsightLook {
            json: false,
            ascii: false,
            width: 80,
        }
    }
}

pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `1h 05m`, `9m 20s`, `45s`.
pub fn duration(secs: i64) -> String {
    let secs = secs.max(0);
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{h}h {m:02}m")
    } else if m > 0 {
        format!("{m}m {s:02}s")
    } else {
        format!("{s}s")
    }
}

/// Characters that have an ASCII stand-in.
pub struct Glyphs {
    pub dash: &'static str,
    pub arrow: &'static str,
    pub bar: char,
    pub spark: &'static [char],
}

impl Glyphs {
    pub fn new(ascii: bool) -> Self {
        if ascii {
            Glyphs {
                dash: "-",
                arrow: "->",
                bar: '#',
                spark: &[' ', '.', ':', '-', '=', '+', '*', '#', '@'],
            }
        } else {
            Glyphs {
                dash: "–",
                arrow: "→",
                bar: '█',
                spark: &[' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'],
            }
        }
    }
}

/// A bar of `value` out of `max` in `width` columns (at least one column
/// for any value above zero).
fn bar(value: usize, max: usize, width: usize, g: &Glyphs) -> String {
    if max == 0 || value == 0 {
        return String::new();
    }
    let n = (value * width).div_ceil(max).clamp(1, width);
    std::iter::repeat_n(g.bar, n).collect()
}

/// `values` as one line of block characters, scaled to the largest.
fn sparkline(values: &[usize], g: &Glyphs) -> String {
    let max = values.iter().copied().max().unwrap_or(0);
    let top = g.spark.len() - 1;
    values
        .iter()
        .map(|&v| {
            if v == 0 || max == 0 {
                g.spark.first().copied().unwrap_or(' ')
            } else {
                let level = (v * top).div_ceil(max).clamp(1, top);
                g.spark.get(level).copied().unwrap_or('#')
            }
        })
        .collect()
}

/// The span of `per_day` (`2019-03-04 – 2019-05-01: 59 days, 12 with activity`) and its
/// sparkline, headed with `title` and the busiest day in `noun`: the activity figures and the
/// notebook figures draw their days with it. `None` without a day.
pub fn day_lines(
    per_day: &[DayCount],
    title: &str,
    noun: &str,
    width: usize,
    g: &Glyphs,
) -> Option<(String, Vec<String>)> {
    let days: Vec<(i64, usize)> = per_day
        .iter()
        .filter_map(|d| Some((day_number(&d.day)?, d.records)))
        .collect();
    let (first, last) = (per_day.first()?, per_day.last()?);
    let span_days = match (days.first(), days.last()) {
        (Some(a), Some(b)) => (b.0 - a.0 + 1).max(1),
        _ => 1,
    };
    let span = format!(
        "{} {} {}: {} day{}, {} with activity",
        first.day,
        g.dash,
        last.day,
        span_days,
        plural(span_days as usize),
        per_day.len()
    );
    // One sparkline over the whole span, days summed per column.
    let cols = (width - 4).min(span_days as usize).max(1);
    let per_col = (span_days as usize).div_ceil(cols);
    let cols = (span_days as usize).div_ceil(per_col);
    let mut buckets = vec![0usize; cols];
    if let Some(&(start, _)) = days.first() {
        for &(d, n) in &days {
            let k = usize::try_from(d - start).unwrap_or(0) / per_col;
            if let Some(b) = buckets.get_mut(k) {
                *b += n;
            }
        }
    }
    let busiest = per_day
        .iter()
        .max_by(|a, b| a.records.cmp(&b.records).then(b.day.cmp(&a.day)));
    let unit = if per_col == 1 {
        "one column a day".to_string()
    } else {
        format!("one column = {per_col} days")
    };
    let mut lines = vec![
        format!(
            "{title} ({unit}; busiest {} with {} {noun})",
            busiest.map_or("", |d| d.day.as_str()),
            busiest.map_or(0, |d| d.records)
        ),
        format!("  {}", sparkline(&buckets, g)),
    ];
    let gap = cols.saturating_sub(first.day.len() + last.day.len());
    if cols > first.day.len() + last.day.len() {
        lines.push(format!("  {}{}{}", first.day, " ".repeat(gap), last.day));
    }
    Some((span, lines))
}

/// The text form of [`Stats`].
pub fn render_stats(s: &Stats, name: &str, look: InsightLook) -> String {
    let g = Glyphs::new(look.ascii);
    let width = look.width.clamp(40, 100);
    let mut o = String::new();
    let mut line = |text: String| {
        o.push_str(text.trim_end());
        o.push('\n');
    };
    let Some((span, activity)) = day_lines(&s.per_day, "Activity", "records", width, &g) else {
        line(format!("{name}: no records"));
        return o;
    };
    line(format!(
        "{name}: {} record{} by {} author{}",
        thousands(s.records),
        plural(s.records),
        s.authors.len(),
        plural(s.authors.len())
    ));
    line(span);
    line(String::new());
    for l in activity {
        line(l);
    }

    // Record types.
    line(String::new());
    line("Record types".into());
    let max = s.by_type.first().map_or(0, |t| t.records);
    let bar_w = width.saturating_sub(36).max(5);
    for t in &s.by_type {
        let pct = 100.0 * t.records as f64 / s.records.max(1) as f64;
        line(format!(
            "  {:<12} {:>7} {:>6.1}%  {}",
            t.type_name,
            thousands(t.records),
            pct,
            bar(t.records, max, bar_w, &g)
        ));
    }

    // Notebooks.
    if !s.per_notebook.is_empty() {
        line(String::new());
        let name_w = width.saturating_sub(40).max(16);
        line(format!(
            "  {:<name_w$} {:>7} {:>6} {:>6} {:>11}",
            "Notebooks", "records", "runs", "cells", "time spent"
        ));
        for n in &s.per_notebook {
            line(format!(
                "  {:<name_w$} {:>7} {:>6} {:>6} {:>11}",
                crate::columns::truncate_mark(&n.notebook, name_w, look.ascii),
                thousands(n.records),
                thousands(n.runs),
                thousands(n.cells),
                duration(n.time_spent)
            ));
        }
        line(format!(
            "  (time spent: the pauses between records on a notebook, up to {} each)",
            duration(SITTING_GAP)
        ));
    }

    // Packages, per month so that years of history stay short.
    line(String::new());
    if s.packages.is_empty() {
        line("Packages: no package was added or removed".into());
    } else {
        line("Packages added, removed and updated, per month".into());
        let mut months: Vec<(String, usize, usize, usize)> = Vec::new();
        for p in &s.packages {
            let month = p.day.get(..7).unwrap_or(&p.day).to_string();
            match months.last_mut() {
                Some(m) if m.0 == month => {
                    m.1 += p.added;
                    m.2 += p.removed;
                    m.3 += p.updated;
                }
                _ => months.push((month, p.added, p.removed, p.updated)),
            }
        }
        let max = months.iter().map(|m| m.1).max().unwrap_or(0);
        for (month, a, r, u) in &months {
            let upd = if *u > 0 {
                format!(" ~{u}")
            } else {
                String::new()
            };
            line(format!(
                "  {month}  {:>9}  {}",
                format!("+{a} -{r}{upd}"),
                bar(*a, max, width.saturating_sub(24).max(5), &g)
            ));
        }
    }

    // Most re-run cells.
    if !s.most_rerun.is_empty() {
        line(String::new());
        line("Most re-run cells".into());
        let name_w = width.saturating_sub(14).min(50);
        for c in &s.most_rerun {
            line(format!(
                "  {:<name_w$} {:>5} runs",
                crate::columns::truncate_mark(&c.cell, name_w, look.ascii),
                thousands(c.runs)
            ));
        }
    }

    // Authors.
    line(String::new());
    line("Authors".into());
    let who_w = width.saturating_sub(46).max(16);
    for a in &s.authors {
        let who = if a.email.is_empty() {
            a.name.clone()
        } else {
            format!("{} <{}>", a.name, a.email)
        };
        line(format!(
            "  {:<who_w$} {:>7} records  {} {} {}",
            crate::columns::truncate_mark(&who, who_w, look.ascii),
            thousands(a.records),
            timefmt::local_day(a.first),
            g.dash,
            timefmt::local_day(a.last)
        ));
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_bars_and_sparklines() {
        assert_eq!(duration(45), "45s");
        assert_eq!(duration(560), "9m 20s");
        assert_eq!(duration(3900), "1h 05m");
        let g = Glyphs::new(true);
        assert_eq!(bar(1, 100, 10, &g), "#");
        assert_eq!(bar(100, 100, 10, &g), "##########");
        assert_eq!(sparkline(&[0, 1, 8], &g), " .@");
        assert_eq!(thousands(1500), "1,500");
        assert_eq!(thousands(15), "15");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
