//! Timeline filters: which records a reader wants to see. Pure data and matching; the
//! panel that edits them is `filterpanel`.

use std::collections::BTreeSet;

use crate::activity::kinds::RecordKind;
use crate::repo::RowRef;

/// Every filter the timeline supports; they combine (all must match).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Record types to keep; empty keeps all.
    pub types: BTreeSet<RecordKind>,
    /// Substring of a notebook or file path (or any part of the message).
    pub path: String,
    /// Substring of the author's name or email, case-insensitive.
    pub author: String,
    /// Inclusive day bounds, `YYYY-MM-DD` in local time.
    pub since: String,
    pub until: String,
    /// Only records with executed code.
    pub code_only: bool,
    /// Show records the client marked as not shown (`show: false`).
    pub show_hidden: bool,
    /// Only rows with an error (the notebook timeline's: a version that cannot be read or
    /// that brought a new error).
    pub errors_only: bool,
    /// Records whose details name `path` (found by the search worker):
    /// file records say which files only there.
    pub path_hits: std::collections::HashSet<git2::Oid>,
}

impl Filter {
    /// True when no filter narrows the timeline (showing hidden records widens it).
    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
            && self.path.is_empty()
            && self.author.is_empty()
            && self.since.is_empty()
            && self.until.is_empty()
            && !self.code_only
            && !self.errors_only
    }

    /// Does a record pass? `day` is its local date as `YYYY-MM-DD`.
    pub fn matches(&self, row: RowRef, day: &str) -> bool {
        if !self.show_hidden && !row.show() {
            return false;
        }
        self.matches_shown(row, day)
    }

    /// Is the record kept out only because it is hidden (`show: false`)
    /// and hidden records are not shown? What `.` would bring back, which
    /// the status bar counts.
    pub fn hides(&self, row: RowRef, day: &str) -> bool {
        !self.show_hidden && !row.show() && self.matches_shown(row, day)
    }

    /// Every filter but the hiding of hidden records.
    fn matches_shown(&self, row: RowRef, day: &str) -> bool {
        if !self.types.is_empty() && !self.types.contains(&row.kind()) {
            return false;
        }
        // Whether a record ran code (a detail of type `DetailKind::CodeExecuted`)
        // is kept in its packed head.
        if self.code_only && !row.ran_code() {
            return false;
        }
        if !self.path.is_empty()
            && !contains_ci(row.message(), &self.path)
            && !self.path_hits.contains(&row.commit())
        {
            return false;
        }
        if !self.author.is_empty()
            && !contains_ci(row.author(), &self.author)
            && !contains_ci(row.email(), &self.author)
        {
            return false;
        }
        if !self.since.is_empty() && day < self.since.as_str() {
            return false;
        }
        if !self.until.is_empty() && day > self.until.as_str() {
            return false;
        }
        true
    }

    /// A short description for the status bar, e.g. `code,note · path:analysis · since 2019-03-05`.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if !self.types.is_empty() {
            let names: Vec<_> = self.types.iter().map(|k| k.name()).collect();
            parts.push(names.join(","));
        }
        if !self.path.is_empty() {
            parts.push(format!("path:{}", self.path));
        }
        if !self.author.is_empty() {
            parts.push(format!("author:{}", self.author));
        }
        if !self.since.is_empty() {
            parts.push(format!("since {}", self.since));
        }
        if !self.until.is_empty() {
            parts.push(format!("until {}", self.until));
        }
        if self.code_only {
            parts.push("code runs".into());
        }
        if self.errors_only {
            parts.push("errors".into());
        }
        if self.show_hidden {
            parts.push("+hidden".into());
        }
        parts.join(" · ")
    }
}

/// Case-insensitive substring test (ASCII folding is enough for paths and names).
/// Whether `query` names a commit by what the timelines show of it: the start of its hash
/// (four hex digits or more, as git abbreviates), part of its author's name, or part of its
/// time as shown (`2019-03-11`, or `2019-03-11 17:00` where the minutes are shown). Both
/// timelines' searches go by this.
pub fn names_commit(query: &str, id: git2::Oid, author: &str, when: &str) -> bool {
    let q = query.trim();
    if q.is_empty() {
        return false;
    }
    let hash = q.len() >= 4
        && q.chars().all(|c| c.is_ascii_hexdigit())
        && id.to_string().starts_with(&q.to_ascii_lowercase());
    hash || contains_ci(author, q) || contains_ci(when, q)
}

pub fn contains_ci(hay: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    if needle.is_ascii() {
        // No allocation: this runs over every message on each search step.
        let n = needle.as_bytes();
        return hay
            .as_bytes()
            .windows(n.len())
            .any(|w| w.eq_ignore_ascii_case(n));
    }
    hay.to_lowercase().contains(&needle.to_lowercase())
}

/// Is `s` a plausible `YYYY-MM-DD` (or empty)?
pub fn valid_day(s: &str) -> bool {
    s.is_empty()
        || (s.len() == 10
            && s.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::parse_message;
    use crate::repo::{RecordRow, Rows};

    fn row(msg: &str, type_id: i64, show: bool, author: &str, detail_types: &[i64]) -> RecordRow {
        let lines: String = detail_types
            .iter()
            .map(|t| format!("{t},1,0,log_x,1**\n"))
            .collect();
        let m = format!(
            "_GTM_ACTIVITY_START_**\nmsg:{msg}**\nmetadata:{{\"show\":{show},\"importance\":0,\"type\":{type_id},\"linked_commit\":\"\",\"tags\":[]}}**\ndetails:**\n{lines}_GTM_ACTIVITY_END_"
        );
        RecordRow {
            commit: git2::Oid::ZERO_SHA1,
            time: 0,
            tz_minutes: 0,
            author: author.into(),
            email: format!("{}@x.org", author.to_lowercase()),
            record: parse_message(m.as_bytes()).unwrap(),
        }
    }

    #[test]
    fn filters_combine() {
        let code = row(
            "Executed cell in notebook code/a.ipynb",
            2,
            true,
            "Alice",
            &[2, 3],
        );
        let note = row("A note", 0, true, "Bob", &[7]);
        let hidden = row("Hidden thing", 2, false, "Alice", &[]);
        let rows = Rows::from_rows([&code, &note, &hidden]);
        let (code, note, hidden) = (
            rows.get(0).unwrap(),
            rows.get(1).unwrap(),
            rows.get(2).unwrap(),
        );
        let mut f = Filter::default();
        assert!(f.is_empty());
        assert!(f.matches(code, "2019-03-04") && f.matches(note, "2019-03-04"));
        assert!(!f.matches(hidden, "2019-03-04"));
        f.show_hidden = true;
        assert!(f.matches(hidden, "2019-03-04"));
        f.types.insert(RecordKind::Code);
        assert!(f.matches(code, "2019-03-04") && !f.matches(note, "2019-03-04"));
        f.path = "A.IPYNB".into();
        assert!(f.matches(code, "2019-03-04"));
        f.author = "bob".into();
        assert!(!f.matches(code, "2019-03-04"));
        f.author = "alice@".into();
        assert!(f.matches(code, "2019-03-04"));
        f.since = "2019-03-05".into();
        assert!(!f.matches(code, "2019-03-04"));
        f.since.clear();
        f.until = "2019-03-03".into();
        assert!(!f.matches(code, "2019-03-04"));
        f.until.clear();
        f.types.clear();
        f.code_only = true;
        assert!(f.matches(code, "d") && !f.matches(note, "d"));
        assert!(f.summary().contains("code runs"));
        assert!(contains_ci("Executed Code", "code") && !contains_ci("a", "ab"));
        assert!(contains_ci("ÉTÉ", "été") && contains_ci("x", ""));
        assert!(valid_day("2019-03-04") && !valid_day("2019-3-4") && valid_day(""));
    }
}
