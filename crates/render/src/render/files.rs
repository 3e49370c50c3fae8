//! How a file record's changes read: paths, sizes, line and cell counts,
//! a cell's heading. `gtm-tui files` and the TUI's file screen say the same.

use crate::diff::TextDiff;
use crate::files::{CellChange, CellKind, CellStatus, Changes, FileChange};
use crate::render::highlight::Lang;
use crate::render::numbers::human_bytes as human;
use crate::render::sanitize;
use crate::repo::Project;

pub fn listed_path(f: &FileChange) -> String {
    match (&f.old_path, &f.new_path) {
        (Some(o), Some(n)) if o != n => format!("{} → {}", sanitize::line(o), sanitize::line(n)),
        _ => sanitize::line(f.path()).into_owned(),
    }
}

/// "14 KB → 15 KB", "9 KB" (added), "was 12 KB" (deleted).
pub fn sizes(old: Option<u64>, new: Option<u64>) -> String {
    match (old, new) {
        (Some(o), Some(n)) if o == n => human(n),
        (Some(o), Some(n)) => format!("{} → {}", human(o), human(n)),
        (None, Some(n)) => human(n),
        (Some(o), None) => format!("was {}", human(o)),
        (None, None) => "size unknown".into(),
    }
}

/// "+12 -3", "same content", "only line endings differ".
pub fn line_counts(t: &TextDiff) -> String {
    if t.stats.identical {
        "same content".into()
    } else if t.line_endings_differ {
        "only line endings differ".into()
    } else {
        format!("+{} -{}", t.stats.added, t.stats.removed)
    }
}

/// "2 cells modified, 1 added, 12 unchanged".
pub fn cell_counts(cells: &[CellChange]) -> String {
    let n = |s: CellStatus| cells.iter().filter(|c| c.status == s).count();
    let parts: Vec<String> = [
        CellStatus::Modified,
        CellStatus::Added,
        CellStatus::Removed,
        CellStatus::Unchanged,
    ]
    .into_iter()
    .filter(|&s| n(s) > 0)
    .map(|s| format!("{} {}", n(s), s.name()))
    .collect();
    if parts.is_empty() {
        return "no cells".into();
    }
    let mut s = parts.join(", ");
    let first = s.find(' ').unwrap_or(s.len());
    let cells_word = if parts.first().is_some_and(|p| p.starts_with("1 ")) {
        " cell"
    } else {
        " cells"
    };
    s.insert_str(first, cells_word);
    if cells.iter().all(|c| c.status == CellStatus::Unchanged) {
        s.push_str(" (the change is in the notebook's metadata or layout)");
    }
    s
}

/// "cell 3 · code · modified · In [4] → In [7] · id 1a2b3c4d".
pub fn cell_heading(c: &CellChange) -> String {
    let mut parts = vec![match (c.new_index, c.old_index) {
        (Some(n), _) => format!("cell {}", n + 1),
        (None, Some(o)) => format!("old cell {}", o + 1),
        (None, None) => "cell".into(),
    }];
    parts.push(match c.old_kind {
        Some(k) => format!("{} → {}", k.name(), c.kind.name()),
        None => c.kind.name().to_string(),
    });
    let mut status = c.status.name().to_string();
    if c.moved {
        status.push_str(", moved");
    }
    parts.push(status);
    let count = |n: Option<u64>| n.map_or("In [ ]".to_string(), |n| format!("In [{n}]"));
    if c.kind == CellKind::Code || c.old_kind == Some(CellKind::Code) {
        parts.push(match (c.old_index, c.new_index) {
            (Some(_), Some(_)) if c.old_count != c.new_count => {
                format!("{} → {}", count(c.old_count), count(c.new_count))
            }
            (Some(_), None) => count(c.old_count),
            _ => count(c.new_count),
        });
    }
    if let Some(id) = &c.id {
        parts.push(format!("id {}", sanitize::line(id)));
    }
    parts.join(" · ")
}

/// The notebook's kernel language at the change (the old side for a deleted notebook), else
/// Python, Jupyter's default.
pub fn notebook_lang(project: &Project, ch: &Changes, f: &FileChange) -> Lang {
    let at = |commit: Option<git2::Oid>, path: Option<&String>| {
        project.notebook_language(&commit?.to_string(), path?)
    };
    let kernel = if f.new_blob.is_some() {
        at(Some(ch.commit), f.new_path.as_ref())
    } else {
        at(ch.parent, f.old_path.as_ref())
    };
    match kernel.map(|k| Lang::from_kernel(&k)) {
        Some(l) if l != Lang::Plain => l,
        _ => Lang::Python,
    }
}
