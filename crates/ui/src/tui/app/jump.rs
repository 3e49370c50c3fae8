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
}

impl JumpTarget {
    /// Whether the commit `id`, made at `time`, is one the jump may land on.
    pub fn matches(&self, id: git2::Oid, time: i64) -> bool {
        match self {
            JumpTarget::Hash(h) => id.to_string().starts_with(h.as_str()),
            JumpTarget::Before(end) => time < *end,
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
            "':{shown}' is neither a commit hash (4+ hex digits) nor a date \
             (2019-04, 2019-04-22, 2019-04-22 17:00)"
        )),
    }
}

/// Reads what was typed after `:`; `None` when it is neither a hash nor a date.
pub fn parse_target(text: &str) -> Option<JumpTarget> {
    let t = text.trim();
    let hex = t.len() >= 4 && t.len() <= 40 && t.bytes().all(|b| b.is_ascii_hexdigit());
    // A year alone is all digits too: four digits from 1970 to 2100 read as a year.
    let year = t.len() == 4 && t.parse::<i32>().is_ok_and(|y| (1970..=2100).contains(&y));
    if hex && !year {
        return Some(JumpTarget::Hash(t.to_ascii_lowercase()));
    }
    crate::timefmt::period_end(t).map(JumpTarget::Before)
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
        // Among every record shown: one in a closed fold opens it.
        let found = self.shown.iter().copied().find(|&i| {
            self.rows
                .get(i)
                .is_some_and(|r| target.matches(r.commit(), r.time()))
        });
        match (found.and_then(|row| self.reveal(row)), &target) {
            (Some(pos), _) => {
                self.flash = None;
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
    }
}
