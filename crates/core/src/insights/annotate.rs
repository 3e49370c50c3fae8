//! What a timeline line says of a record beyond its message: for a code
//! run, its cell (numbered as the cell screen and `stuck` name it), its
//! execution count, the line that changed since the cell's previous run
//! and whether an output shows an error; for a save, the files it saved.

use std::collections::{HashMap, HashSet};

use git2::Oid;

use crate::lineage::Lineage;

use super::Streak;

/// A code run as the timeline tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunNote {
    /// The cell's number in its notebook, `#11` of lineage id `nb.ipynb#11`:
    /// the id the cell screen's title and `stuck` show.
    pub cell: String,
    /// The cell, as an index into the lineage's cells: runs of one cell
    /// share it.
    pub cell_index: usize,
    /// The notebook the cell is in.
    pub notebook: String,
    /// The execution count (`In [14]`), when the client recorded one.
    pub ex: Option<u32>,
    /// The line that tells this run from the cell's previous one (see
    /// [`changed_line`]).
    pub line: String,
    pub change: Change,
    /// An output of the run shows a traceback or an error.
    pub error: bool,
    /// The run is one of a retry streak (see [`super::stuck`]).
    pub streak: bool,
    /// Executions the record holds (most hold one).
    pub cells: usize,
}

/// How a run's code differs from its cell's previous run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The cell's first run: the line is its telling line.
    First,
    /// The line is the first one the previous run did not have.
    Edited,
    /// Only lines were removed: the line is the first removed one.
    Removed,
    /// The same code ran again: the line is its telling line.
    Same,
}

/// A record's annotation, by kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Annotation {
    Run(RunNote),
    /// A save, and the files it names (`code/33_warps.ipynb`).
    Save(Vec<String>),
}

/// The line that says what changed from `old` (the cell's previous run,
/// `None` on a first run) to `new`: the first non-blank line of `new` that
/// `old` does not have (compared trimmed, so re-indenting is no change; a
/// code line before a comment line);
/// when nothing was added, the first line removed; when nothing changed,
/// or on a first run, the telling line ([`crate::columns::gist`]).
pub fn changed_line(old: Option<&str>, new: &str) -> (String, Change) {
    let Some(old) = old else {
        return (crate::columns::gist(new).to_string(), Change::First);
    };
    let lines = |s: &str| -> Vec<String> {
        s.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    };
    let (was, now) = (lines(old), lines(new));
    let had: HashSet<&str> = was.iter().map(String::as_str).collect();
    // Code says more than a comment added beside it.
    let added = || now.iter().filter(|l| !had.contains(l.as_str()));
    if let Some(added) = added()
        .find(|l| !l.starts_with('#'))
        .or_else(|| added().next())
    {
        return (added.clone(), Change::Edited);
    }
    let has: HashSet<&str> = now.iter().map(String::as_str).collect();
    if let Some(removed) = was.iter().find(|l| !has.contains(l.as_str())) {
        return (removed.clone(), Change::Removed);
    }
    (crate::columns::gist(new).to_string(), Change::Same)
}

/// The cell's number as its lineage id ends (`nb.ipynb#11` → `#11`).
pub fn cell_number(id: &str) -> &str {
    id.rfind('#').and_then(|at| id.get(at..)).unwrap_or(id)
}

/// The annotation of every code record of `lineage`, by commit: a record
/// is told by its first execution (the one its line shows), its error
/// flag by any. `error(i)` says whether execution `i` printed an error.
pub fn annotate_runs(
    lineage: &Lineage,
    streaks: &[Streak],
    mut error: impl FnMut(usize) -> bool,
) -> HashMap<Oid, RunNote> {
    let in_streak: HashSet<usize> = streaks
        .iter()
        .flat_map(|s| s.executions.iter().copied())
        .collect();
    let mut out: HashMap<Oid, RunNote> = HashMap::new();
    for (i, e) in lineage.executions.iter().enumerate() {
        let failed = error(i);
        let streak = in_streak.contains(&i);
        if let Some(note) = out.get_mut(&e.commit) {
            note.cells += 1;
            note.error |= failed;
            note.streak |= streak;
            continue;
        }
        let (Some(&cell_index), Some(cell)) = (lineage.cell.get(i), lineage.cell_of(i)) else {
            continue;
        };
        let previous = lineage
            .previous(i)
            .and_then(|p| lineage.executions.get(p))
            .map(|p| p.source.as_str());
        let (line, change) = changed_line(previous, &e.source);
        out.insert(
            e.commit,
            RunNote {
                cell: cell_number(&cell.id).to_string(),
                cell_index,
                notebook: cell.notebook.clone(),
                ex: e.ex,
                line,
                change,
                error: failed,
                streak,
                cells: 1,
            },
        );
    }
    out
}

/// The file a file-change detail names: ``Modified Code file `code/x.ipynb` ``
/// → `code/x.ipynb`.
pub fn named_file(text: &str) -> Option<&str> {
    let (_, rest) = text.split_once('`')?;
    let (name, _) = rest.split_once('`')?;
    (!name.trim().is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_changed_line_is_the_first_one_added() {
        assert_eq!(
            changed_line(None, "# load\ndf = read()\n"),
            ("df = read()".into(), Change::First)
        );
        assert_eq!(
            changed_line(
                Some("df = read()\nplot(df)"),
                "df = read()\n  plot(df, bins=20)"
            ),
            ("plot(df, bins=20)".into(), Change::Edited)
        );
        // Re-indenting changes nothing.
        assert_eq!(
            changed_line(Some("x = 1\ny = 2"), "x = 1\n    y = 2"),
            ("x = 1".into(), Change::Same)
        );
        assert_eq!(
            changed_line(Some("x = 1\nprint(x)"), "x = 1"),
            ("print(x)".into(), Change::Removed)
        );
        assert_eq!(
            changed_line(Some("a\n\nb"), "a\n\n\nb"),
            ("a".into(), Change::Same)
        );
        // A code line added says more than a comment added before it.
        assert_eq!(
            changed_line(Some("fit(x)"), "# try again\nfit(x, k=3)"),
            ("fit(x, k=3)".into(), Change::Edited)
        );
        assert_eq!(
            changed_line(Some("fit(x)"), "# checked\nfit(x)"),
            ("# checked".into(), Change::Edited)
        );
    }

    #[test]
    fn cells_and_files_are_named_as_elsewhere() {
        assert_eq!(cell_number("code/a#b.ipynb#11"), "#11");
        assert_eq!(cell_number("console"), "console");
        assert_eq!(
            named_file("Modified Code file `code/33_warps.ipynb`"),
            Some("code/33_warps.ipynb")
        );
        assert_eq!(named_file("1 modified file(s)."), None);
        assert_eq!(named_file("odd `` pair"), None);
    }
}
