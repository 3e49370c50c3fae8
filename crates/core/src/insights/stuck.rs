//! Stuck points: retry streaks, where one cell was run again and again
//! with small edits, minutes apart, until it did what its author wanted.
//!
//! Streaks are read off the cell lineage ([`crate::lineage`]); the rules
//! are in README ("`stuck`"). The Gigantum client recorded nothing for a
//! Jupyter run that raised an error, so a failed attempt shows only as an
//! execution count missing between two runs; an error shows in a recorded
//! output only when the code printed its traceback (or R printed one).

use std::collections::HashMap;

use git2::Oid;

use crate::activity::Content;
use crate::activity::kinds::DetailKind;
use crate::bounded;
use crate::lineage::{Execution, Lineage};
use crate::repo::{DetailStore, RecordView};

/// What counts as a retry streak.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StuckParams {
    /// The longest pause between two attempts, in seconds. Between two
    /// recorded runs with `k` unrecorded attempts (skipped execution
    /// counts) in between, `(k + 1) × max_gap` is allowed, `k` at most 3.
    pub max_gap: i64,
    /// The most lines an edit between two runs may change (a changed line
    /// counts once; see [`lines_changed`]) and still be small.
    pub max_lines: usize,
    /// The fewest recorded runs a streak has.
    pub min_runs: usize,
    /// Of the steps from one run to the next, how many at least changed
    /// the code, as a fraction (a streak of unchanged re-runs is someone
    /// waiting, not someone stuck). Steps with unrecorded attempts in
    /// between do not count either way: what ran in between is unknown.
    pub min_edit_share: f32,
    /// Runs of other cells of the same notebook allowed between two runs
    /// of the streak. Someone stuck on a cell runs that cell, nothing else.
    pub max_between: usize,
}

impl Default for StuckParams {
    fn default() -> Self {
        StuckParams {
            max_gap: 5 * 60,
            max_lines: 3,
            min_runs: 4,
            min_edit_share: 0.75,
            max_between: 0,
        }
    }
}

/// One retry streak.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Streak {
    /// The cell's lineage id (`<notebook>#<n>`).
    pub cell_id: String,
    pub notebook: String,
    /// The runs, oldest first: indices into [`Lineage::executions`].
    pub executions: Vec<usize>,
    /// Times of the first and last run (unix seconds).
    pub first: i64,
    pub last: i64,
    /// Attempts after the first: recorded runs after the first, plus
    /// unrecorded ones.
    pub retries: usize,
    /// Steps from one run to the next that changed the code.
    pub edits: usize,
    /// Lines changed over all those edits.
    pub lines_changed: usize,
    /// Steps whose output differs from the run before.
    pub output_changes: usize,
    /// Execution counts missing between runs of the streak: attempts the
    /// client did not record, most likely because they raised an error
    /// (a `# gtm:ignore` cell run in between uses up a count too).
    pub unrecorded: usize,
    /// Recorded runs whose output shows an error (a traceback); 0 until
    /// [`count_errors`] has looked.
    pub errors: usize,
    /// The activity commits of the first and last run, for `cell` and `diff`.
    pub first_commit: Oid,
    pub last_commit: Oid,
}

impl Streak {
    /// Recorded runs.
    pub fn runs(&self) -> usize {
        self.executions.len()
    }

    /// Seconds from the first run to the last.
    pub fn span(&self) -> i64 {
        self.last - self.first
    }
}

/// Steps of exact line diff for one [`lines_changed`] (2,000 changed
/// lines on the two sides, 10 ms at worst); past it the coarse diff's
/// count.
const LINES_CHANGED_STEPS: u64 = 4_000_000;

/// Lines an edit changed: a line replaced counts once, lines only added or
/// only removed count each (the larger of the two sides of each change).
pub fn lines_changed(old: &str, new: &str) -> usize {
    if old == new {
        return 0;
    }
    // Sources end without a newline; without one on both sides the last
    // line would differ from itself followed by more lines.
    let (old, new) = (format!("{old}\n"), format!("{new}\n"));
    // Bounded by size, not by a clock (see `bounded`), so a busy machine
    // cannot change the count.
    let (old, new): (Vec<&str>, Vec<&str>) = (
        old.split_inclusive('\n').collect(),
        new.split_inclusive('\n').collect(),
    );
    let diff = bounded::diff(
        similar::Algorithm::Myers,
        &old,
        &new,
        &mut bounded::Budget::new(LINES_CHANGED_STEPS),
    );
    diff.ops
        .iter()
        .map(|op| match op.as_tag_tuple() {
            (similar::DiffTag::Equal, _, _) => 0,
            (_, old_range, new_range) => old_range.len().max(new_range.len()),
        })
        .sum()
}

/// The retry streaks in a lineage, most retries first (then the longest
/// in time, then the earliest).
pub fn streaks(lineage: &Lineage, params: &StuckParams) -> Vec<Streak> {
    let execs = &lineage.executions;
    // Each execution's place among its notebook's runs, to count what ran
    // in the notebook between two runs of one cell.
    let mut place = vec![0usize; execs.len()];
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, e) in execs.iter().enumerate() {
        let n = seen.entry(e.notebook.as_str()).or_insert(0);
        if let Some(p) = place.get_mut(i) {
            *p = *n;
        }
        *n += 1;
    }
    let mut out = Vec::new();
    for cell in &lineage.cells {
        let mut current: Vec<usize> = Vec::new();
        for &i in &cell.runs {
            let Some(e) = execs.get(i) else { continue };
            if e.output_count == 0 {
                // A run with nothing to show ends a streak and cannot start one.
                finish(lineage, &place, &cell.id, &current, params, &mut out);
                current.clear();
                continue;
            }
            let joins = current.last().is_some_and(|&prev| {
                let (Some(a), Some(&pa), Some(&pb)) =
                    (execs.get(prev), place.get(prev), place.get(i))
                else {
                    return false;
                };
                let between = pb.saturating_sub(pa + 1);
                let attempts = 1 + skipped(a, e, between).min(MAX_SKIPPED_ALLOWANCE) as i64;
                a.commit != e.commit
                    && e.time - a.time <= params.max_gap.saturating_mul(attempts)
                    && e.time >= a.time
                    && between <= params.max_between
                    && lines_changed(&a.source, &e.source) <= params.max_lines
            });
            if !joins {
                finish(lineage, &place, &cell.id, &current, params, &mut out);
                current.clear();
            }
            current.push(i);
        }
        finish(lineage, &place, &cell.id, &current, params, &mut out);
    }
    out.sort_by(|a, b| {
        b.retries
            .cmp(&a.retries)
            .then(b.span().cmp(&a.span()))
            .then(a.first.cmp(&b.first))
            .then(a.cell_id.cmp(&b.cell_id))
    });
    out
}

/// Unrecorded attempts that stretch the allowed pause, at most.
const MAX_SKIPPED_ALLOWANCE: usize = 3;

/// Execution counts skipped from run `a` to the next run `b` of its cell,
/// less the `between` runs of other cells recorded in the notebook between
/// them: each is a run the client dropped. A count that went down is a
/// kernel restart, which says nothing.
fn skipped(a: &Execution, b: &Execution, between: usize) -> usize {
    match (a.ex, b.ex) {
        (Some(x), Some(y)) if y > x => ((y - x - 1) as usize).saturating_sub(between),
        _ => 0,
    }
}

/// Keeps `runs` as a streak when it is one.
fn finish(
    lineage: &Lineage,
    place: &[usize],
    cell_id: &str,
    runs: &[usize],
    params: &StuckParams,
    out: &mut Vec<Streak>,
) {
    let mut execs: Vec<(&Execution, usize)> = runs
        .iter()
        .filter_map(|&i| Some((lineage.executions.get(i)?, *place.get(i)?)))
        .collect();
    // A streak ends with its last edit: re-running the fixed cell once
    // more is not another retry.
    while let [.., (a, pa), (b, pb)] = execs.as_slice() {
        if a.source != b.source || skipped(a, b, pb.saturating_sub(pa + 1)) > 0 {
            break;
        }
        execs.pop();
    }
    if execs.len() < params.min_runs.max(2) {
        return;
    }
    let runs: Vec<usize> = runs.iter().take(execs.len()).copied().collect();
    let (Some(&(first, _)), Some(&(last, _))) = (execs.first(), execs.last()) else {
        return;
    };
    let (mut edits, mut lines, mut output_changes, mut unrecorded) = (0, 0, 0, 0);
    let (mut seen_steps, mut seen_edits) = (0, 0);
    for pair in execs.windows(2) {
        let [(a, pa), (b, pb)] = pair else { continue };
        let changed = lines_changed(&a.source, &b.source);
        if a.source != b.source {
            edits += 1;
            lines += changed;
        }
        if a.outputs != b.outputs {
            output_changes += 1;
        }
        let skips = skipped(a, b, pb.saturating_sub(pa + 1));
        unrecorded += skips;
        if skips == 0 {
            seen_steps += 1;
            seen_edits += usize::from(a.source != b.source);
        }
    }
    let steps = execs.len() - 1;
    if (seen_edits as f32) < params.min_edit_share * seen_steps as f32 {
        return;
    }
    out.push(Streak {
        cell_id: cell_id.to_string(),
        notebook: first.notebook.clone(),
        executions: runs,
        first: first.time,
        last: last.time,
        retries: steps + unrecorded,
        edits,
        lines_changed: lines,
        output_changes,
        unrecorded,
        errors: 0,
        first_commit: first.commit,
        last_commit: last.commit,
    });
}

/// Whether a text output shows an error: a Python traceback, an exception
/// line (`ValueError: …`, `numpy.linalg.LinAlgError: …`) or R's `Error in …`
/// / `Error: …` at the start of a line.
pub fn looks_like_error(text: &str) -> bool {
    if text.contains("Traceback (most recent call last)") {
        return true;
    }
    text.lines().any(|l| {
        let l = l.trim_start();
        if l.starts_with("Error in ") || l.starts_with("Error: ") {
            return true;
        }
        let Some((head, _)) = l.split_once(": ") else {
            return false;
        };
        let name = head.rsplit('.').next().unwrap_or(head);
        !head.is_empty()
            && head
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            && (name.ends_with("Error") || name.ends_with("Exception"))
            && name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
    })
}

/// Whether execution `e` of record `row` recorded an error in an output.
pub fn execution_error<'a>(e: &Execution, row: impl RecordView<'a>, store: &DetailStore) -> bool {
    e.details.iter().any(|&d| {
        let Some(line) = row.detail(d) else {
            return false;
        };
        if line.kind != DetailKind::Result {
            return false;
        }
        store
            .detail(e.commit, &line)
            .content
            .iter()
            .any(|c| match c {
                Content::Text { text, .. } => looks_like_error(text),
                _ => false,
            })
    })
}

/// Fills in [`Streak::errors`]: decodes the outputs of the streaks' runs
/// (only theirs) from `rows`, the history the lineage was built from.
pub fn count_errors<'a, R: RecordView<'a>>(
    streaks: &mut [Streak],
    lineage: &Lineage,
    rows: impl IntoIterator<Item = R>,
    store: &DetailStore,
) {
    // Only the records of the streaks' runs are kept.
    let mut by_commit: HashMap<Oid, Option<R>> = streaks
        .iter()
        .flat_map(|s| &s.executions)
        .filter_map(|&i| lineage.executions.get(i))
        .map(|e| (e.commit, None))
        .collect();
    for r in rows {
        if let Some(slot) = by_commit.get_mut(&r.commit()) {
            *slot = Some(r);
        }
    }
    for s in streaks {
        s.errors = s
            .executions
            .iter()
            .filter_map(|&i| lineage.executions.get(i))
            .filter(|e| {
                by_commit
                    .get(&e.commit)
                    .and_then(|r| *r)
                    .is_some_and(|row| execution_error(e, row, store))
            })
            .count();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lineage::Cell;

    /// A run of `cell` at `time` with count `ex`.
    fn run(n: u8, time: i64, ex: u32, source: &str) -> Execution {
        Execution {
            commit: Oid::from_bytes(&[n; 20]).unwrap(),
            time,
            tz_minutes: 0,
            notebook: "code/a.ipynb".into(),
            ex: Some(ex),
            tag: format!("ex:{ex}"),
            source: source.into(),
            details: Vec::new(),
            outputs: u64::from(n),
            output_count: 1,
            linked_commit: String::new(),
        }
    }

    /// A lineage of one notebook: `runs` in order, each with its cell number.
    fn lineage(runs: Vec<(usize, Execution)>) -> Lineage {
        let mut l = Lineage::default();
        for (i, (cell, e)) in runs.into_iter().enumerate() {
            while l.cells.len() <= cell {
                l.cells.push(Cell {
                    id: format!("code/a.ipynb#{}", l.cells.len() + 1),
                    notebook: "code/a.ipynb".into(),
                    runs: Vec::new(),
                });
            }
            l.cells[cell].runs.push(i);
            l.cell.push(cell);
            l.run.push(l.cells[cell].runs.len() as u32);
            l.executions.push(e);
        }
        l
    }

    /// Runs of cell 0 at `times`, count going up by one, each a one-line edit.
    fn edited(times: &[i64]) -> Vec<(usize, Execution)> {
        times
            .iter()
            .enumerate()
            .map(|(k, &t)| {
                (
                    0,
                    run(k as u8 + 1, t, k as u32 + 1, &format!("x = {k}\nprint(x)")),
                )
            })
            .collect()
    }

    #[test]
    fn quick_small_edits_make_a_streak() {
        let l = lineage(edited(&[0, 60, 120, 180, 240]));
        let s = streaks(&l, &StuckParams::default());
        assert_eq!(s.len(), 1);
        let s = &s[0];
        assert_eq!(
            (s.runs(), s.retries, s.edits, s.lines_changed),
            (5, 4, 4, 4)
        );
        assert_eq!((s.first, s.last, s.span(), s.unrecorded), (0, 240, 240, 0));
        assert_eq!(s.cell_id, "code/a.ipynb#1");
        assert_eq!(s.executions, vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn a_streak_ends_with_its_last_edit() {
        let mut runs = edited(&[0, 60, 120, 180]);
        let mut again = run(9, 240, 5, "");
        again.source = runs[3].1.source.clone();
        runs.push((0, again));
        let s = streaks(&lineage(runs), &StuckParams::default());
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].runs(), s[0].last), (4, 180));
    }

    #[test]
    fn a_long_pause_splits_unless_counts_show_attempts_in_it() {
        let l = lineage(edited(&[0, 60, 460, 520, 580]));
        assert!(streaks(&l, &StuckParams::default()).is_empty());
        // Two counts skipped before the third run: two unrecorded attempts
        // in those 400 seconds.
        let mut runs = edited(&[0, 60, 460, 520, 580]);
        for (k, (_, e)) in runs.iter_mut().enumerate().skip(2) {
            e.ex = Some(k as u32 + 3);
        }
        let s = streaks(&lineage(runs), &StuckParams::default());
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].unrecorded, s[0].retries), (2, 6));
    }

    #[test]
    fn other_cells_unchanged_reruns_big_edits_and_silent_runs_break_streaks() {
        let mut runs = edited(&[0, 60, 120, 180, 240]);
        runs.insert(2, (1, run(9, 90, 3, "y = 2")));
        for (k, (_, e)) in runs.iter_mut().enumerate() {
            e.ex = Some(k as u32 + 1);
        }
        assert!(streaks(&lineage(runs), &StuckParams::default()).is_empty());

        let same: Vec<(usize, Execution)> = (0..6)
            .map(|k| (0, run(k + 1, i64::from(k) * 30, u32::from(k) + 1, "x = 1")))
            .collect();
        assert!(streaks(&lineage(same), &StuckParams::default()).is_empty());

        let mut big = edited(&[0, 60, 120, 180, 240]);
        big[2].1.source = "a\nb\nc\nd\ne".into();
        assert!(streaks(&lineage(big), &StuckParams::default()).is_empty());

        let mut silent = edited(&[0, 60, 120, 180, 240, 300, 360]);
        silent[3].1.output_count = 0;
        assert!(streaks(&lineage(silent), &StuckParams::default()).is_empty());
    }

    #[test]
    fn most_retries_first() {
        let mut runs = edited(&[0, 60, 120, 180]);
        runs.extend(
            edited(&[1000, 1060, 1120, 1180, 1240, 1300])
                .into_iter()
                .enumerate()
                .map(|(k, (_, mut e))| {
                    e.commit = Oid::from_bytes(&[k as u8 + 50; 20]).unwrap();
                    e.source = format!("z = {k}");
                    (1, e)
                }),
        );
        let s = streaks(&lineage(runs), &StuckParams::default());
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].cell_id.as_str(), s[0].retries), ("code/a.ipynb#2", 5));
        assert_eq!((s[1].cell_id.as_str(), s[1].retries), ("code/a.ipynb#1", 3));
    }

    #[test]
    fn lines_changed_counts_a_replaced_line_once() {
        assert_eq!(lines_changed("a\nb\nc", "a\nb\nc"), 0);
        assert_eq!(lines_changed("a\nb\nc", "a\nB\nc"), 1);
        assert_eq!(lines_changed("a\nb", "a\nb\nc\nd"), 2);
        assert_eq!(lines_changed("a\nb\nc", "a"), 2);
    }

    #[test]
    fn errors_are_told_from_ordinary_output() {
        assert!(looks_like_error(
            "Traceback (most recent call last):\n  File \"x\", line 1\nKeyError: 'a'\n"
        ));
        assert!(looks_like_error(
            "numpy.linalg.LinAlgError: SVD did not converge"
        ));
        assert!(looks_like_error(
            "Error in lm(y ~ x) : object 'y' not found"
        ));
        assert!(!looks_like_error("[1] 0.25\n"));
        assert!(!looks_like_error("mean squared error: 0.3"));
        assert!(!looks_like_error("note: Errors are fine"));
    }
}
