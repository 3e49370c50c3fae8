//! What happened between two runs of a cell: the answer to "why did the
//! output change when the code did not?".

use git2::Oid;

use crate::activity::kinds::RecordKind;
use crate::lineage::Lineage;
use crate::repo::RecordRow;

/// A record between the two runs, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub commit: Oid,
    pub time: i64,
    pub message: String,
}

/// Everything recorded after one run of a cell and up to a later one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Between {
    /// Executions (indices into the lineage) of other cells of the same
    /// notebook, oldest first.
    pub other_runs: Vec<usize>,
    /// How often the notebook's kernel restarted in between (its execution
    /// count went down): whatever the cells had computed was gone.
    pub restarts: usize,
    /// Package and environment records, oldest first.
    pub environment: Vec<Change>,
    /// File records: saves, uploads, moves, data changes, oldest first.
    pub files: Vec<Change>,
    /// Whether the older run's record was found among `rows`; when not,
    /// the lists cover only what was found before giving up.
    pub complete: bool,
}

impl Between {
    pub fn is_empty(&self) -> bool {
        self.other_runs.is_empty()
            && self.restarts == 0
            && self.environment.is_empty()
            && self.files.is_empty()
    }
}

/// What happened after execution `older` and before execution `newer` of
/// `lineage`; `rows` is the history newest first, as the walk gives it.
/// Records of the newer run itself count (a "run all" record runs other
/// cells before this one); the older run's record does not.
pub fn between<'a>(
    lineage: &Lineage,
    rows: impl IntoIterator<Item = &'a RecordRow>,
    older: usize,
    newer: usize,
) -> Between {
    let mut out = Between::default();
    // Executions are oldest first, so their order is time order.
    let (older, newer) = (older.min(newer), older.max(newer));
    let (Some(a), Some(b)) = (lineage.executions.get(older), lineage.executions.get(newer)) else {
        return out;
    };
    let cell = lineage.cell.get(newer).copied();
    out.other_runs = (older + 1..newer)
        .filter(|&i| lineage.cell.get(i).copied() != cell)
        .filter(|&i| {
            lineage
                .executions
                .get(i)
                .is_some_and(|e| e.notebook == b.notebook)
        })
        .collect();
    let mut last = a.ex;
    for i in older + 1..=newer {
        let Some(e) = lineage.executions.get(i) else {
            continue;
        };
        if e.notebook != b.notebook || e.ex.is_none() {
            continue;
        }
        if let (Some(prev), Some(now)) = (last, e.ex)
            && now < prev
        {
            out.restarts += 1;
        }
        last = e.ex;
    }
    let mut inside = false;
    for row in rows {
        if row.commit == b.commit {
            inside = true;
            continue;
        }
        if row.commit == a.commit {
            out.complete = true;
            break;
        }
        if !inside {
            continue;
        }
        let change = || Change {
            commit: row.commit,
            time: row.time,
            message: row.record.message.clone(),
        };
        if row.record.meta.kind == RecordKind::Environment {
            out.environment.push(change());
        } else if crate::files::is_file_record(&row.record) {
            out.files.push(change());
        }
    }
    out.environment.reverse();
    out.files.reverse();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lineage::{Cell, Execution};

    fn exec(n: u8, ex: u32, notebook: &str) -> Execution {
        Execution {
            commit: Oid::from_bytes(&[n; 20]).unwrap_or(Oid::ZERO_SHA1),
            time: i64::from(n) * 60,
            tz_minutes: 0,
            notebook: notebook.into(),
            ex: Some(ex),
            tag: format!("ex:{ex}"),
            source: format!("x = {n}"),
            details: Vec::new(),
            outputs: u64::from(n),
            output_count: 1,
            linked_commit: String::new(),
        }
    }

    #[test]
    fn other_cells_and_restarts_between_two_runs() {
        // Cell A runs at 0 and 4; B and C run between, the kernel restarts
        // before C; D is in another notebook.
        let executions = vec![
            exec(1, 5, "a.ipynb"),
            exec(2, 6, "a.ipynb"),
            exec(3, 1, "a.ipynb"),
            exec(4, 1, "b.ipynb"),
            exec(5, 2, "a.ipynb"),
        ];
        let l = Lineage {
            cell: vec![0, 1, 2, 3, 0],
            run: vec![1, 1, 1, 1, 2],
            cells: vec![Cell {
                id: "a.ipynb#1".into(),
                notebook: "a.ipynb".into(),
                runs: vec![0, 4],
            }],
            executions,
        };
        let b = between(&l, std::iter::empty(), 4, 0);
        assert_eq!(b.other_runs, vec![1, 2]);
        assert_eq!(b.restarts, 1);
        assert!(!b.complete, "no rows given: the older record was not found");
        assert!(!b.is_empty());
        let same = between(&l, std::iter::empty(), 0, 0);
        assert!(same.other_runs.is_empty() && same.restarts == 0);
    }
}
