//! Folds of the timeline: consecutive runs of one cell, and the saves of
//! its notebook right after them, drawn as one line until opened. Pure
//! grouping over the records shown, so it is tested without a terminal.

use std::collections::HashMap;

use git2::Oid;

/// What grouping needs of one shown record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item<'a> {
    /// A run of one cell (lineage cell index) of a notebook.
    Run { cell: usize, notebook: &'a str },
    /// A save of these files.
    Save { files: &'a [String] },
    /// Anything else: it ends a fold.
    Other,
}

/// A fold as positions in the list grouped (newest first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// First (newest) and one past the last (oldest) position.
    pub start: usize,
    pub end: usize,
    /// The newest run: the record the folded line shows.
    pub head: usize,
    pub runs: usize,
    pub saves: usize,
}

/// Is the record a save (the client's `save` tag; uploads are told apart)?
pub fn is_save(row: crate::repo::RowRef<'_>) -> bool {
    let mut save = false;
    for t in row.tags() {
        match t {
            "save" => save = true,
            "upload" => return false,
            _ => {}
        }
    }
    save
}

/// Does a save of `files` save `notebook`? (Lineage names notebooks as the
/// records do, by their path in the project.)
fn saves(files: &[String], notebook: &str) -> bool {
    files.iter().any(|f| f == notebook)
}

/// The folds of `items` (newest first, as the timeline lists them): runs
/// of one cell one after another, with saves of that cell's notebook
/// among and right after them, when that makes two records or more. A save
/// folds under the run before it; anything else between two runs of one
/// cell — another cell's run, a note — ends the fold.
pub fn group(items: &[Item<'_>]) -> Vec<Span> {
    struct Open<'a> {
        cell: usize,
        notebook: &'a str,
        span: Span,
    }
    let mut out = Vec::new();
    let mut cur: Option<Open<'_>> = None;
    let close = |cur: &mut Option<Open<'_>>, out: &mut Vec<Span>| {
        if let Some(o) = cur.take()
            && o.span.runs + o.span.saves >= 2
        {
            out.push(o.span);
        }
    };
    // Oldest first: a save belongs to the run before it in time.
    for (pos, item) in items.iter().enumerate().rev() {
        match *item {
            Item::Run { cell, notebook } => {
                if let Some(o) = cur.as_mut().filter(|o| o.cell == cell) {
                    o.span.start = pos;
                    o.span.head = pos;
                    o.span.runs += 1;
                    continue;
                }
                close(&mut cur, &mut out);
                cur = Some(Open {
                    cell,
                    notebook,
                    span: Span {
                        start: pos,
                        end: pos + 1,
                        head: pos,
                        runs: 1,
                        saves: 0,
                    },
                });
            }
            Item::Save { files } => {
                if let Some(o) = cur.as_mut().filter(|o| saves(files, o.notebook)) {
                    o.span.start = pos;
                    o.span.saves += 1;
                    continue;
                }
                close(&mut cur, &mut out);
            }
            Item::Other => close(&mut cur, &mut out),
        }
    }
    close(&mut cur, &mut out);
    out.reverse();
    out
}

/// One fold of the loaded history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fold {
    /// Its records, as positions in the loaded rows, newest first.
    pub rows: Vec<usize>,
    /// The record its folded line shows (the newest run).
    pub head: usize,
    pub runs: usize,
    pub saves: usize,
    /// Its runs are a retry streak (some of them, at least).
    pub streak: bool,
    /// What names it while open, surviving regrouping: its oldest record.
    pub key: Oid,
}

/// The folds of the records shown, and which fold each record is in.
#[derive(Debug, Clone, Default)]
pub struct Folds {
    pub folds: Vec<Fold>,
    of_row: HashMap<usize, usize>,
}

impl Folds {
    pub fn new(folds: Vec<Fold>) -> Folds {
        let mut of_row = HashMap::new();
        for (n, f) in folds.iter().enumerate() {
            for &r in &f.rows {
                of_row.insert(r, n);
            }
        }
        Folds { folds, of_row }
    }

    /// The fold record `row` (a position in the rows) is in.
    pub fn of(&self, row: usize) -> Option<&Fold> {
        self.folds.get(*self.of_row.get(&row)?)
    }

    pub fn is_empty(&self) -> bool {
        self.folds.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(cell: usize) -> Item<'static> {
        Item::Run {
            cell,
            notebook: "code/a.ipynb",
        }
    }

    #[test]
    fn runs_of_one_cell_fold_and_anything_else_ends_them() {
        // Newest first: #2 ran three times after a note, before that #1 twice.
        let items = [run(2), run(2), run(2), Item::Other, run(1), run(1), run(3)];
        let spans = group(&items);
        assert_eq!(
            spans,
            vec![
                Span {
                    start: 0,
                    end: 3,
                    head: 0,
                    runs: 3,
                    saves: 0
                },
                Span {
                    start: 4,
                    end: 6,
                    head: 4,
                    runs: 2,
                    saves: 0
                },
            ]
        );
        // Another cell in between splits a cell's runs.
        assert!(group(&[run(1), run(2), run(1)]).is_empty());
    }

    #[test]
    fn a_save_folds_under_the_run_before_it() {
        let a = ["code/a.ipynb".to_string()];
        let b = ["code/b.ipynb".to_string()];
        let save_a = Item::Save { files: &a };
        let save_b = Item::Save { files: &b };
        // Newest first: a save of a, the run of a's cell, then older saves.
        let spans = group(&[save_a, run(1), save_a, run(1), save_b]);
        assert_eq!(
            spans,
            vec![Span {
                start: 0,
                end: 4,
                head: 1,
                runs: 2,
                saves: 2
            }]
        );
        // One run and its save fold too; a save of another notebook does not.
        assert_eq!(group(&[save_a, run(1)]).len(), 1);
        assert!(group(&[save_b, run(1)]).is_empty());
        // A save before any run stays alone.
        assert!(group(&[run(1), save_a]).is_empty());
    }
}
