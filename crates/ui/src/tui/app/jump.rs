//! `:` jumps: to a record by its commit hash (any prefix of four or more digits) or to a
//! date (`2019`, `2019-04`, `2019-04-22`, `2019-04-22 17:00`, local time); and `y`, the
//! selected record's hash to the clipboard.

use super::*;

/// Where a `:` target points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JumpTarget {
    /// A commit hash prefix, lowercase.
    Hash(String),
    /// Records before this moment (unix seconds): the end of the period typed.
    Before(i64),
    /// The run numbered `In [n]`: the nearest one older than the selection, going round.
    Exec(u64),
}

impl JumpTarget {
    /// Whether the commit `id`, made at `time`, is one the jump may land on.
    pub fn matches(&self, id: git2::Oid, time: i64) -> bool {
        match self {
            JumpTarget::Hash(h) => id.to_string().starts_with(h.as_str()),
            JumpTarget::Before(end) => time < *end,
            // Runs are told by what the record ran, not by its commit: see `exec_hits`.
            JumpTarget::Exec(_) => false,
        }
    }
}

/// What was typed after `:`, as a target and as the status line may show it; `Ok(None)` for
/// nothing typed, `Err` saying why for something that is neither a hash nor a date.
pub fn read_typed(text: &str) -> Result<Option<(JumpTarget, String)>, String> {
    let shown = crate::render::sanitize::line(text.trim()).into_owned();
    if shown.is_empty() {
        return Ok(None);
    }
    match parse_target(text) {
        Some(target) => Ok(Some((target, shown))),
        None => Err(format!(
            "':{shown}' is neither a commit hash (4+ hex digits), a date \
             (2019-04, 2019-04-22, 2019-04-22 17:00) nor a run (In [14])"
        )),
    }
}

/// Reads what was typed after `:`; `None` when it is neither a hash nor a date.
pub fn parse_target(text: &str) -> Option<JumpTarget> {
    let t = text.trim();
    if let Some(n) = exec_number(t) {
        return Some(JumpTarget::Exec(n));
    }
    let hex = t.len() >= 4 && t.len() <= 40 && t.bytes().all(|b| b.is_ascii_hexdigit());
    // A year alone is all digits too: four digits from 1970 to 2100 read as a year.
    let year = t.len() == 4 && t.parse::<i32>().is_ok_and(|y| (1970..=2100).contains(&y));
    if hex && !year {
        return Some(JumpTarget::Hash(t.to_ascii_lowercase()));
    }
    crate::timefmt::period_end(t).map(JumpTarget::Before)
}

/// `In [14]`, `in[14]`, `In 14`, `[14]` or `14`: the execution count typed.
fn exec_number(t: &str) -> Option<u64> {
    let rest = match t.get(..2) {
        Some(p) if p.eq_ignore_ascii_case("in") => t.get(2..)?.trim_start(),
        _ => t,
    };
    let inner = match rest.strip_prefix('[') {
        Some(r) => r.strip_suffix(']')?.trim(),
        None if rest.len() < t.len() => rest,
        // Four digits or more are a year or a hash prefix; fewer, a count.
        None if t.len() <= 3 => t,
        None => return None,
    };
    if inner.is_empty() || !inner.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    inner.parse().ok()
}

/// The first position from `from` on (the selection itself last), going round, that
/// `hit` holds: where `n` would land for a run, older first.
pub fn next_round(len: usize, from: usize, hit: impl Fn(usize) -> bool) -> Option<usize> {
    (1..=len).map(|k| (from + k) % len).find(|&p| hit(p))
}

impl App {
    /// Typing after `:`.
    pub fn jump_input(&mut self, key: &crossterm::event::KeyEvent) -> Vec<Effect> {
        use crossterm::event::KeyCode;
        let Some(mut text) = self.jump.take() else {
            return Vec::new();
        };
        match key.code {
            KeyCode::Esc => Vec::new(),
            KeyCode::Enter => self.jump_to(&text),
            _ => {
                crate::tui::lineedit::edit(&mut text, key);
                self.jump = Some(text);
                Vec::new()
            }
        }
    }

    /// Selects the record `text` names, or says why none is.
    pub fn jump_to(&mut self, text: &str) -> Vec<Effect> {
        let (target, shown) = match read_typed(text) {
            Ok(Some(t)) => t,
            Ok(None) => return Vec::new(),
            Err(why) => {
                self.flash = Some(why);
                return Vec::new();
            }
        };
        // Among every record shown: one in a closed fold opens it. A run is looked for
        // from the selection on, older first, going round.
        let found = match target {
            JumpTarget::Exec(n) => {
                let at = self.shown_position();
                next_round(self.shown.len(), at, |p| {
                    self.shown.get(p).is_some_and(|&i| self.ran(i, n))
                })
                .and_then(|p| self.shown.get(p).copied())
            }
            _ => self.shown.iter().copied().find(|&i| {
                self.rows
                    .get(i)
                    .is_some_and(|r| target.matches(r.commit(), r.time()))
            }),
        };
        match (found.and_then(|row| self.reveal(row)), &target) {
            (Some(pos), _) => {
                self.flash = None;
                // Esc or Ctrl-O comes back to where the jump started.
                if pos != self.selected {
                    self.leave_here();
                }
                self.select(pos)
            }
            (None, JumpTarget::Hash(_)) => {
                let loaded = self
                    .rows
                    .iter()
                    .any(|r| target.matches(r.commit(), r.time()));
                self.flash = Some(if loaded {
                    format!("{shown} is hidden by the filters or the hiding (F clears, . shows)")
                } else if self.loading {
                    format!("no record read so far has a commit starting {shown}")
                } else {
                    format!("no record's commit starts with {shown}")
                });
                Vec::new()
            }
            (None, JumpTarget::Before(_)) => {
                self.flash = Some(format!("no record shown is from {shown} or before"));
                Vec::new()
            }
            (None, JumpTarget::Exec(_)) => {
                self.flash = Some(format!("no record shown ran {shown}"));
                Vec::new()
            }
        }
    }

    /// Did record `i` (a position in `rows`) run execution `In [n]`? Told by the timeline's
    /// annotations once the history is read, and by the record's details once decoded (a
    /// record of several executions names each there).
    fn ran(&self, i: usize, n: u64) -> bool {
        use crate::insights::annotate::Annotation;
        let Some(row) = self.rows.get(i) else {
            return false;
        };
        let commit = row.commit();
        if let Some(Annotation::Run(note)) = self.annotations.get(&commit)
            && note.ex.map(u64::from) == Some(n)
        {
            return true;
        }
        let tag = format!("ex:{n}");
        match self.details.peek(&commit) {
            Some(Details::Ready(p)) => p.details.iter().any(|d| d.tags.contains(&tag)),
            _ => false,
        }
    }

    /// `y`: the selected record's hash, for the terminal's clipboard.
    pub(super) fn copy_hash(&mut self) -> Vec<Effect> {
        let Some(row) = self.current_ref() else {
            self.flash = Some("no record selected".into());
            return Vec::new();
        };
        vec![Effect::Copy(row.commit().to_string())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_are_found_going_round_from_the_selection() {
        let hits = [false, true, false, true];
        assert_eq!(next_round(4, 1, |p| hits[p]), Some(3));
        assert_eq!(next_round(4, 3, |p| hits[p]), Some(1), "round past the end");
        assert_eq!(next_round(4, 1, |p| p == 1), Some(1), "the selection last");
        assert_eq!(next_round(0, 0, |_| true), None);
    }

    #[test]
    fn targets_read_as_hashes_or_dates() {
        assert_eq!(
            parse_target("3F2A9c1"),
            Some(JumpTarget::Hash("3f2a9c1".into()))
        );
        assert_eq!(parse_target("abc"), None);
        let at = |s: &str| match parse_target(s) {
            Some(JumpTarget::Before(t)) => t,
            other => panic!("{s}: {other:?}"),
        };
        // Each period ends where the next begins.
        assert_eq!(at("2019"), at("2019-12-31"));
        assert_eq!(at("2019-04"), at("2019-04-30"));
        assert_eq!(at("2019-04-22") - at("2019-04-21"), 86_400);
        // A minute: up to 17:01, seven hours less a minute before the day's end.
        assert_eq!(at("2019-04-22") - at("2019-04-22 17:00"), 7 * 3600 - 60);
        assert_eq!(parse_target("2019-13"), None);
        assert_eq!(parse_target("2019-02-30"), None);
        assert_eq!(parse_target("tomorrow"), None);
        for run in ["In [14]", "in[14]", "IN 14", "[14]", " In [ 14 ] "] {
            assert_eq!(parse_target(run), Some(JumpTarget::Exec(14)), "{run}");
        }
        assert_eq!(parse_target("In []"), None);
        assert_eq!(parse_target("In [x]"), None);
        assert_eq!(parse_target("[14"), None);
        assert_eq!(parse_target("14"), Some(JumpTarget::Exec(14)));
        assert!(
            matches!(parse_target("2014"), Some(JumpTarget::Before(_))),
            "four digits are a year"
        );
    }
}
