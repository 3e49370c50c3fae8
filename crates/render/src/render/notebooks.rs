//! How a notebook history's records read, the same in the commands and the TUI: what a commit
//! did to a notebook, cell by cell, in a phrase.

use gtm_core::nbhistory::{
    CellState, EntryCell, FileChange, NbBetween, NbCommit, NbEntry, Summary, cell_name,
};
use gtm_core::notebook::{Cell, CellKind, Notebook};
use gtm_core::repo::short_id;

use super::highlight::Lang;
use super::sanitize;

/// What a version changed, most telling first: `3 edited, 1 added, 12 re-run`. A version that
/// changed no cell (metadata, kernel, widths) says so.
pub fn change_phrase(entry: &NbEntry) -> String {
    if let Some(e) = &entry.error {
        return format!("unreadable: {}", sanitize::line(e));
    }
    let s = &entry.summary;
    let cells = entry.cells.len();
    if entry.base_unreadable {
        return format!(
            "{} (the version before could not be read)",
            plural(cells, "cell")
        );
    }
    match entry.change {
        FileChange::Deleted => return format!("deleted ({})", plural(s.removed, "cell")),
        FileChange::Added if entry.base.is_none() => {
            return format!("added ({})", plural(cells, "cell"));
        }
        _ => {}
    }
    let mut parts = counts(s);
    if entry.change == FileChange::Renamed
        && let Some(old) = &entry.old_path
    {
        parts.insert(0, format!("renamed from {}", sanitize::line(old)));
    }
    if parts.is_empty() {
        return "no cell changed".into();
    }
    parts.join(", ")
}

/// The counts of a summary that are not zero, in reading order.
pub fn counts(s: &Summary) -> Vec<String> {
    [
        (s.edited, "edited"),
        (s.added, "added"),
        (s.removed, "removed"),
        (s.moved, "moved"),
        (s.rerun, "re-run"),
        (s.outputs, "outputs changed"),
        (s.cleared, "outputs cleared"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .chain((s.new_errors > 0).then(|| plural(s.new_errors, "new error")))
    .collect()
}

/// A record's line without its time and author: `path ▸ what changed · message`.
pub fn entry_line(entry: &NbEntry, commit: &NbCommit, ascii: bool) -> String {
    let arrow = if ascii { ">" } else { "▸" };
    let dot = if ascii { "-" } else { "·" };
    format!(
        "{} {arrow} {} {dot} {}",
        sanitize::line(&entry.path),
        change_phrase(entry),
        sanitize::line(commit.summary())
    )
}

/// A commit that changed no notebook (shown with `--all-commits`): what it did change.
pub fn commit_line(commit: &NbCommit, ascii: bool) -> String {
    let dot = if ascii { "-" } else { "·" };
    let mut what = Vec::new();
    if !commit.env_files.is_empty() {
        what.push(plural(commit.env_files.len(), "environment file"));
    }
    if !commit.data_files.is_empty() {
        what.push(plural(commit.data_files.len(), "data file"));
    }
    if commit.other_files > 0 {
        what.push(plural(commit.other_files, "other file"));
    }
    if what.is_empty() {
        what.push("no file changed".into());
    }
    format!(
        "{} {dot} {}",
        what.join(", "),
        sanitize::line(commit.summary())
    )
}

/// "Why did the output change?" for a notebook cell, as lines: what else changed between the
/// two versions (`gtm-tui diff` prints them, the TUI's cell screen shows them).
pub fn why_lines(b: &NbBetween) -> Vec<String> {
    let mut lines = vec!["── why the output may have changed:".to_string()];
    let others: Vec<String> = b.other_cells.iter().filter_map(|&c| cell_name(c)).collect();
    if !others.is_empty() {
        lines.push(format!(
            "   other cells changed in {}: {}",
            if b.versions > 1 {
                "these commits"
            } else {
                "this commit"
            },
            others.join(", ")
        ));
    }
    let files = |list: &[gtm_core::nbhistory::between::FileChanged]| {
        list.iter()
            .map(|f| format!("{} ({})", sanitize::line(&f.path), short_id(f.commit)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !b.env_files.is_empty() {
        lines.push(format!(
            "   environment files changed: {}",
            files(&b.env_files)
        ));
    }
    if !b.data_files.is_empty() {
        lines.push(format!("   data files changed: {}", files(&b.data_files)));
    }
    if b.is_empty() {
        lines.push(
            "   nothing else in the repository changed: the cell itself (randomness, time, \
             data outside git)"
                .into(),
        );
    }
    lines
}

/// The language of a notebook's code, from its kernel (Python when it does not say).
pub fn kernel_lang(nb: &Notebook) -> Lang {
    nb.kernel_language
        .as_deref()
        .or(nb.language_info.as_deref())
        .or(nb.kernel_name.as_deref())
        .map_or(Lang::Python, Lang::from_kernel)
}

/// What happened to a cell, in words: `modified, re-run, outputs changed` (empty for a cell
/// nothing happened to).
pub fn cell_states(c: &EntryCell) -> String {
    let mut what: Vec<&str> = Vec::new();
    if c.state != CellState::Unchanged {
        what.push(c.state.name());
    }
    for (on, word) in [
        (c.rerun, "re-run"),
        (c.outputs_changed, "outputs changed"),
        (c.cleared, "outputs cleared"),
        (c.new_error, "new error"),
    ] {
        if on {
            what.push(word);
        }
    }
    what.join(", ")
}

/// A cell's heading in a version: `cell 4 · code · In [5] · modified, re-run` (position from
/// 1; `In [n]` for code cells only).
pub fn cell_heading(index: usize, cell: &Cell, states: &str) -> String {
    let kind = match cell.kind {
        CellKind::Code => "code",
        CellKind::Markdown => "markdown",
        CellKind::Raw => "raw",
        CellKind::Unknown => "other",
    };
    let mut head = format!("cell {} · {kind}", index + 1);
    if cell.kind == CellKind::Code {
        match cell.execution_count {
            Some(n) => head.push_str(&format!(" · In [{n}]")),
            None => head.push_str(" · In [ ]"),
        }
    }
    format!("{head} · {states}")
}

/// `1 cell`, `3 cells`.
pub fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_say_what_changed_most_telling_first() {
        let s = Summary {
            edited: 3,
            added: 1,
            rerun: 12,
            new_errors: 1,
            ..Summary::default()
        };
        assert_eq!(
            counts(&s),
            vec!["3 edited", "1 added", "12 re-run", "1 new error"]
        );
        assert!(counts(&Summary::default()).is_empty());
    }
}
