//! A notebook as it stood at a point of the activity log, rebuilt from its
//! lineage and its last save: the saved cells in their order, each at its
//! newest run by then, then the cells run since the save that it does not
//! hold. The log stores no notebook per run, so this is the best reading of
//! what the user saw; both TUIs and the CLI share it.

use std::collections::HashMap;

use super::Lineage;

/// The notebook as last saved at or before the point in time.
#[derive(Debug, Clone, Default)]
pub struct Save {
    /// Executions before this index ran before the save (the ones from it
    /// on ran after it: the save is in their commits' trees).
    pub before: usize,
    /// The code cells' sources in notebook order, normalised as lineage's.
    pub sources: Vec<String>,
}

/// How a cell differs from the step before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Same,
    /// Not in the notebook at the step before.
    New,
    /// Run since, with other code.
    Changed,
    /// Run since with the same code.
    Rerun,
}

impl Mark {
    /// The word the screens show beside a marked cell (empty for `Same`).
    pub fn word(self) -> &'static str {
        match self {
            Mark::Same => "",
            Mark::New => "new",
            Mark::Changed => "changed",
            Mark::Rerun => "re-run",
        }
    }
}

/// One cell of the rebuilt notebook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtCell {
    /// Index into [`Lineage::cells`], when the log holds a run of it.
    pub cell: Option<usize>,
    /// Its newest run by then: index into [`Lineage::executions`].
    pub exec: Option<usize>,
    /// Its place among the save's cells, when the save holds it.
    pub saved: Option<usize>,
    /// Its code: the newest run's, or the save's for a cell never run.
    pub source: String,
    pub mark: Mark,
}

/// The notebook after the first `upto` executions of `lineage` (one
/// notebook's), with `save` the last save by then; marks are all `Same`
/// (see [`mark`]).
pub fn rebuild(lineage: &Lineage, save: Option<&Save>, upto: usize) -> Vec<AtCell> {
    let upto = upto.min(lineage.executions.len());
    // Per cell, its runs by then (oldest first).
    let mut runs: Vec<Vec<usize>> = vec![Vec::new(); lineage.cells.len()];
    for i in 0..upto {
        if let Some(list) = lineage.cell.get(i).and_then(|&c| runs.get_mut(c)) {
            list.push(i);
        }
    }
    let source_of = |i: usize| lineage.executions.get(i).map_or("", |e| e.source.as_str());
    let newest = |c: usize| runs.get(c).and_then(|r| r.last().copied());
    let mut out = Vec::new();
    let mut placed = vec![false; lineage.cells.len()];
    if let Some(save) = save {
        // The cells that ran each source, the one that ran it last before the save first.
        let mut by_source: HashMap<&str, Vec<(bool, usize, usize)>> = HashMap::new();
        for (c, list) in runs.iter().enumerate() {
            let at_save = list.iter().rev().find(|&&i| i < save.before).copied();
            for &i in list {
                by_source.entry(source_of(i)).or_default().push((
                    Some(i) != at_save,
                    usize::MAX - i,
                    c,
                ));
            }
        }
        for v in by_source.values_mut() {
            v.sort_unstable();
        }
        for (k, src) in save.sources.iter().enumerate() {
            let found = by_source.get(src.as_str()).and_then(|v| {
                v.iter()
                    .map(|&(_, _, c)| c)
                    .find(|&c| placed.get(c) == Some(&false))
            });
            let cell = match found {
                Some(c) => {
                    if let Some(p) = placed.get_mut(c) {
                        *p = true;
                    }
                    let exec = newest(c);
                    AtCell {
                        cell: Some(c),
                        exec,
                        saved: Some(k),
                        source: exec.map_or_else(|| src.clone(), |i| source_of(i).to_string()),
                        mark: Mark::Same,
                    }
                }
                None => AtCell {
                    cell: None,
                    exec: None,
                    saved: Some(k),
                    source: src.clone(),
                    mark: Mark::Same,
                },
            };
            out.push(cell);
        }
    }
    let after = save.map_or(0, |s| s.before);
    for (c, list) in runs.iter().enumerate() {
        // A cell the save does not hold and not run since was deleted in it.
        let since = list.last().is_some_and(|&i| i >= after);
        if placed.get(c) == Some(&true) || !since {
            continue;
        }
        let exec = newest(c);
        out.push(AtCell {
            cell: Some(c),
            exec,
            saved: None,
            source: exec.map(source_of).unwrap_or_default().to_string(),
            mark: Mark::Same,
        });
    }
    out
}

/// Marks the cells of `now` that differ from `before` (the step before;
/// `None` at the first step, where every cell is new). A cell is the same
/// cell across steps by its lineage cell, else (never run) by its code.
pub fn mark(before: Option<&[AtCell]>, now: &mut [AtCell]) {
    let Some(before) = before else {
        for c in now {
            c.mark = Mark::New;
        }
        return;
    };
    for c in now {
        let was = before.iter().find(|b| match (b.cell, c.cell) {
            (Some(x), Some(y)) => x == y,
            (None, None) => b.source == c.source,
            _ => false,
        });
        c.mark = match was {
            None => Mark::New,
            Some(b) if b.exec == c.exec => Mark::Same,
            Some(b) if b.source == c.source => Mark::Rerun,
            Some(_) => Mark::Changed,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Cell, Execution};
    use super::*;
    use git2::Oid;

    /// A lineage from runs of (cell, source), oldest first.
    fn lineage(runs: &[(usize, &str)]) -> Lineage {
        let mut l = Lineage::default();
        for (i, &(cell, source)) in runs.iter().enumerate() {
            while l.cells.len() <= cell {
                let n = l.cells.len();
                l.cells.push(Cell {
                    id: format!("nb.ipynb#{}", n + 1),
                    notebook: "nb.ipynb".into(),
                    runs: Vec::new(),
                });
            }
            l.cells[cell].runs.push(i);
            let run = l.cells[cell].runs.len() as u32;
            l.executions.push(Execution {
                commit: Oid::from_bytes(&[i as u8 + 1; 20]).unwrap(),
                time: i as i64,
                tz_minutes: 0,
                notebook: "nb.ipynb".into(),
                ex: Some(i as u32 + 1),
                tag: format!("ex:{}", i + 1),
                source: source.into(),
                details: Vec::new(),
                outputs: 0,
                output_count: 0,
                linked_commit: String::new(),
            });
            l.cell.push(cell);
            l.run.push(run);
        }
        l
    }

    fn save(before: usize, sources: &[&str]) -> Save {
        Save {
            before,
            sources: sources.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn shown(cells: &[AtCell]) -> Vec<(String, &'static str)> {
        cells
            .iter()
            .map(|c| (c.source.clone(), c.mark.word()))
            .collect()
    }

    #[test]
    fn cells_follow_the_save_and_show_their_newest_run_by_then() {
        // Cell 0 runs, cell 1 runs, the save puts cell 1 first; cell 0 is edited twice.
        let l = lineage(&[(0, "a = 1"), (1, "b = 2"), (0, "a = 10"), (0, "a = 100")]);
        let s = save(2, &["b = 2", "a = 1"]);
        let at3 = rebuild(&l, Some(&s), 3);
        assert_eq!(
            at3.iter().map(|c| c.source.as_str()).collect::<Vec<_>>(),
            vec!["b = 2", "a = 10"]
        );
        assert_eq!(at3[1].exec, Some(2));
        assert_eq!(at3[1].saved, Some(1));
        let at4 = rebuild(&l, Some(&s), 4);
        assert_eq!(at4[1].source, "a = 100");
        assert_eq!(at4[1].cell, Some(0));
    }

    #[test]
    fn a_cell_deleted_in_the_save_disappears_and_runs_after_it_appear() {
        let l = lineage(&[(0, "a = 1"), (1, "junk()"), (2, "c = 3")]);
        // Saved after two runs, without the junk cell; cell 2 ran after the save.
        let s = save(2, &["a = 1"]);
        let at = rebuild(&l, Some(&s), 3);
        assert_eq!(
            shown(&at),
            vec![("a = 1".to_string(), ""), ("c = 3".to_string(), "")]
        );
        assert_eq!(at[1].saved, None);
        // Without the save every cell run so far is there, in lineage order.
        let all = rebuild(&l, None, 3);
        assert_eq!(all.len(), 3);
    }

    #[test]
    fn a_saved_cell_never_run_keeps_its_place_and_code() {
        let l = lineage(&[(0, "a = 1")]);
        let s = save(1, &["# notes", "a = 1"]);
        let at = rebuild(&l, Some(&s), 1);
        assert_eq!(at[0].cell, None);
        assert_eq!(at[0].source, "# notes");
        assert_eq!(at[1].cell, Some(0));
    }

    #[test]
    fn two_cells_with_one_source_take_one_saved_cell_each() {
        let l = lineage(&[(0, "x"), (1, "x")]);
        let s = save(2, &["x", "x"]);
        let at = rebuild(&l, Some(&s), 2);
        let mut cells: Vec<_> = at.iter().map(|c| c.cell).collect();
        cells.sort();
        assert_eq!(cells, vec![Some(0), Some(1)]);
    }

    #[test]
    fn marks_say_new_changed_and_rerun_against_the_step_before() {
        let l = lineage(&[(0, "a = 1"), (1, "b = 2"), (0, "a = 2"), (1, "b = 2")]);
        let mut first = rebuild(&l, None, 1);
        mark(None, &mut first);
        assert_eq!(shown(&first), vec![("a = 1".to_string(), "new")]);
        let mut second = rebuild(&l, None, 2);
        mark(Some(&first), &mut second);
        assert_eq!(
            shown(&second),
            vec![("a = 1".to_string(), ""), ("b = 2".to_string(), "new")]
        );
        let mut third = rebuild(&l, None, 3);
        mark(Some(&second), &mut third);
        assert_eq!(
            shown(&third),
            vec![("a = 2".to_string(), "changed"), ("b = 2".to_string(), "")]
        );
        let mut fourth = rebuild(&l, None, 4);
        mark(Some(&third), &mut fourth);
        assert_eq!(
            shown(&fourth),
            vec![("a = 2".to_string(), ""), ("b = 2".to_string(), "re-run")]
        );
    }

    #[test]
    fn out_of_range_points_are_clamped() {
        let l = lineage(&[(0, "a")]);
        assert_eq!(rebuild(&l, None, 99).len(), 1);
        assert!(rebuild(&l, None, 0).is_empty());
        assert!(rebuild(&Lineage::default(), Some(&save(5, &[])), 3).is_empty());
    }
}
