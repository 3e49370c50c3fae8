//! Cell lineage: which code executions are runs of the same notebook cell.
//!
//! Gigantum stored no cell id, so runs are tied together here from what the
//! history does hold: the notebook each record names, each execution's
//! source and execution count (`ex:<n>`), and the notebook as committed
//! around each run. The rules are in README ("Cell lineage").

mod align;
mod assign;
pub mod at;
mod cache;
mod executions;
pub mod notebook;
mod similarity;
mod snapshots;
mod timeline;

use self::assign::*;
use self::executions::*;

pub use self::assign::assign;
pub use self::cache::{CachePolicy, CacheReport, CacheStatus, Miss, build_cached, build_reporting};
pub(crate) use self::cache::{checksum, file_name, fingerprint_of, write_file};
pub use self::executions::executions_of;
pub use self::similarity::ratio;
pub use self::snapshots::{RepoSnapshots, Snapshots};

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use git2::Oid;

use self::notebook::{NbCell, code_cells, normalize};
use self::timeline::{Timeline, Vid};
use crate::activity::detail::code_in_fence;
use crate::activity::kinds::{DetailKind, RecordKind};
use crate::bounded::Budget;
use crate::notebook::Source;
use crate::notebook::similarity::PAIR_STEPS;
use crate::repo::{DetailStore, Project, RecordView};

/// A quick hasher for the maps consulted on every run (sources, counts,
/// ids): a viewer's own lookups need no defence against chosen collisions.
#[derive(Default, Clone, Copy)]
pub struct Quick(u64);

impl Quick {
    fn mix(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for Quick {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let mut b = [0u8; 8];
            b.copy_from_slice(w);
            self.mix(u64::from_le_bytes(b));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            if let Some(dst) = b.get_mut(..rest.len()) {
                dst.copy_from_slice(rest);
            }
            self.mix(u64::from_le_bytes(b) ^ ((rest.len() as u64) << 56));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.mix(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.mix(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.mix(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.mix(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) type QuickMap<K, V> = HashMap<K, V, BuildHasherDefault<Quick>>;

/// A source this similar to a live cell's latest source is taken as an
/// edit of it (unless the snapshots show both cells side by side).
pub const SIMILARITY: f32 = 0.6;

/// Live cells of a notebook compared by similarity, most recently run first.
pub(super) const RECENT_CELLS: usize = 32;

/// One execution of code: the details of one record sharing an `ex:<n>` tag
/// (RStudio: `console`).
#[derive(Debug, Clone)]
pub struct Execution {
    pub commit: Oid,
    pub time: i64,
    pub tz_minutes: i32,
    /// The notebook or file the record names; `console` for RStudio's console.
    pub notebook: String,
    /// The execution count, when the client recorded one.
    pub ex: Option<u32>,
    /// The grouping tag: `ex:12`, `console`, or `detail:<i>` when untagged.
    pub tag: String,
    /// The code, normalised (see [`notebook::normalize`]).
    pub source: String,
    /// Indices into the record's details that belong to this execution.
    pub details: Vec<usize>,
    /// Hash of the outputs' content (texts and image hashes), to tell
    /// whether two runs printed the same.
    pub outputs: u64,
    /// Output details (and how many are images).
    pub output_count: usize,
    pub linked_commit: String,
}

/// A cell: its notebook, a stable id and its runs.
#[derive(Debug, Clone)]
pub struct Cell {
    /// `<notebook>#<n>`, n counting cells of that notebook in order of first run.
    pub id: String,
    pub notebook: String,
    /// Indices into [`Lineage::executions`], oldest first.
    pub runs: Vec<usize>,
}

/// Every execution assigned to a cell.
#[derive(Debug, Clone, Default)]
pub struct Lineage {
    /// Oldest first.
    pub executions: Vec<Execution>,
    /// Per execution: index into `cells`.
    pub cell: Vec<usize>,
    /// Per execution: 1 for its cell's first run, counting up.
    pub run: Vec<u32>,
    pub cells: Vec<Cell>,
}

impl Lineage {
    /// The execution of record `commit` with count `ex` (any of the
    /// record's when `None`: the last one).
    pub fn find(&self, commit: Oid, ex: Option<u32>) -> Option<usize> {
        let mut found = None;
        for (i, e) in self.executions.iter().enumerate() {
            if e.commit == commit && (ex.is_none() || e.ex == ex) {
                found = Some(i);
            }
        }
        found
    }

    /// The run of the same cell before execution `i`.
    pub fn previous(&self, i: usize) -> Option<usize> {
        let cell = self.cells.get(*self.cell.get(i)?)?;
        let at = cell.runs.iter().position(|&r| r == i)?;
        cell.runs.get(at.checked_sub(1)?).copied()
    }

    /// The cell of execution `i`.
    pub fn cell_of(&self, i: usize) -> Option<&Cell> {
        self.cells.get(*self.cell.get(i)?)
    }

    /// Cell id and run number for each execution of a record, by tag.
    pub fn of_record(&self, commit: Oid) -> Vec<(&str, &str, u32)> {
        self.executions
            .iter()
            .enumerate()
            .filter(|(_, e)| e.commit == commit)
            .filter_map(|(i, e)| {
                let cell = self.cell_of(i)?;
                Some((e.tag.as_str(), cell.id.as_str(), *self.run.get(i)?))
            })
            .collect()
    }
}

/// The notebook (or file) a code record's message names; `console` for
/// RStudio console work; `None` for records that name nothing.
pub fn notebook_of(message: &str) -> Option<String> {
    if let Some(rest) = message.split_once(" in notebook ").map(|(_, r)| r) {
        let path = rest.split(" and generated").next().unwrap_or(rest).trim();
        return (!path.is_empty()).then(|| path.to_string());
    }
    if message.contains("in console") {
        return Some("console".into());
    }
    message
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| "\"'`()[]{}<>,;:".contains(c)))
        .find(|w| {
            let lower = w.to_ascii_lowercase();
            [".rmd", ".r", ".py", ".ipynb", ".jl"]
                .iter()
                .any(|ext| lower.ends_with(ext))
        })
        .map(str::to_string)
}

/// The tag that groups a run's details.
pub(super) fn run_tag(t: &str) -> bool {
    t.starts_with("ex:") || t == "console"
}

/// Lineage of the code records among `rows` (newest first, as the walk
/// gives them: `&RecordRow`s or the timeline's packed `RowRef`s, which are
/// read where they are); `only` keeps one notebook's. Records are decoded,
/// and notebooks assigned, on as many threads as there are cores, each
/// with its own handle on the repository.
pub fn build<'a, R: RecordView<'a> + Sync>(
    project: &Project,
    rows: impl IntoIterator<Item = R>,
    only: Option<&str>,
) -> Lineage {
    let mut rows: Vec<R> = rows
        .into_iter()
        .filter(|r| only.is_none_or(|nb| notebook_of(r.message()).as_deref() == Some(nb)))
        .collect();
    rows.reverse();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    let executions = decode(project, &rows, threads);
    let notebooks = by_notebook(&executions);
    let per_notebook = assign_parallel(project, &executions, &notebooks, threads);
    finish(executions, per_notebook)
}

/// Below this many records a second thread costs more than it saves.
pub(super) const PARALLEL_FROM: usize = 500;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bounded::lcs_len;

    const NB: &str = "code/nb.ipynb";

    /// The notebook as committed at each linked commit.
    #[derive(Default)]
    struct Fake(HashMap<String, Arc<Vec<NbCell>>>);

    impl Fake {
        fn save(&mut self, commit: &str, cells: &[(&str, Option<u32>)]) {
            let cells = cells
                .iter()
                .map(|(source, count)| NbCell {
                    id: None,
                    source: (*source).to_string(),
                    count: *count,
                })
                .collect();
            self.0.insert(commit.to_string(), Arc::new(cells));
        }
    }

    impl Snapshots for Fake {
        fn cells(&mut self, commit: &str, notebook: &str) -> Option<Arc<Vec<NbCell>>> {
            (notebook == NB)
                .then(|| self.0.get(commit).cloned())
                .flatten()
        }
    }

    /// Runs of records 1, 2, 3…: (record, count, source, linked commit).
    fn runs(list: &[(u8, u32, &str, &str)]) -> Vec<Execution> {
        list.iter()
            .map(|&(record, ex, source, linked)| Execution {
                commit: Oid::from_bytes(&[record; 20]).unwrap(),
                time: i64::from(record),
                tz_minutes: 0,
                notebook: NB.into(),
                ex: Some(ex),
                tag: format!("ex:{ex}"),
                source: source.into(),
                details: Vec::new(),
                outputs: 0,
                output_count: 0,
                linked_commit: linked.into(),
            })
            .collect()
    }

    /// For each run, the index of the run before it in the same cell.
    fn previous(l: &Lineage) -> Vec<Option<usize>> {
        (0..l.executions.len()).map(|i| l.previous(i)).collect()
    }

    #[test]
    fn a_copied_and_edited_cell_is_a_new_cell() {
        let mut s = Fake::default();
        s.save("c1", &[("x = 1", Some(1))]);
        s.save("c2", &[("x = 1", Some(1)), ("df.head(5)", Some(2))]);
        // The copy is pasted below, edited and run; then the original runs.
        s.save(
            "c3",
            &[
                ("x = 1", Some(1)),
                ("df.head(5)", Some(2)),
                ("df.head(6)", Some(3)),
            ],
        );
        s.save(
            "c4",
            &[
                ("x = 1", Some(1)),
                ("df.head(5)", Some(4)),
                ("df.head(6)", Some(3)),
            ],
        );
        let l = assign(
            runs(&[
                (1, 1, "x = 1", "c1"),
                (2, 2, "df.head(5)", "c2"),
                (3, 3, "df.head(6)", "c3"),
                (4, 4, "df.head(5)", "c4"),
            ]),
            &mut s,
        );
        assert_eq!(previous(&l), vec![None, None, None, Some(1)]);
        assert_eq!(l.cells.len(), 3);
    }

    #[test]
    fn an_edit_in_place_stays_with_its_cell_even_when_inserted_cells_look_alike() {
        let mut s = Fake::default();
        s.save("c1", &[("a = 1", Some(1)), ("df.head(5)", Some(2))]);
        // A new cell, much like the second, inserted above it.
        s.save(
            "c2",
            &[
                ("a = 1", Some(1)),
                ("df.head(6)", Some(3)),
                ("df.head(5)", Some(2)),
            ],
        );
        // The second is edited and run.
        s.save(
            "c3",
            &[
                ("a = 1", Some(1)),
                ("df.head(6)", Some(3)),
                ("df.head(7)", Some(4)),
            ],
        );
        let l = assign(
            runs(&[
                (1, 1, "a = 1", "c1"),
                (1, 2, "df.head(5)", "c1"),
                (2, 3, "df.head(6)", "c2"),
                (3, 4, "df.head(7)", "c3"),
            ]),
            &mut s,
        );
        assert_eq!(previous(&l), vec![None, None, None, Some(1)]);
    }

    #[test]
    fn run_all_after_a_restart_keeps_every_cell() {
        let mut s = Fake::default();
        s.save(
            "c1",
            &[("a = 1", Some(1)), ("b = 2", Some(2)), ("c = 3", Some(3))],
        );
        s.save(
            "c2",
            &[("a = 1", Some(1)), ("b = 2", Some(2)), ("c = 3", Some(4))],
        );
        // Restart and run all: the counts start over, the first two repeat.
        s.save(
            "c3",
            &[("a = 1", Some(1)), ("b = 2", Some(2)), ("c = 3", Some(3))],
        );
        let l = assign(
            runs(&[
                (1, 1, "a = 1", "c1"),
                (1, 2, "b = 2", "c1"),
                (1, 3, "c = 3", "c1"),
                (2, 4, "c = 3", "c2"),
                (3, 1, "a = 1", "c3"),
                (3, 2, "b = 2", "c3"),
                (3, 3, "c = 3", "c3"),
            ]),
            &mut s,
        );
        assert_eq!(
            previous(&l),
            vec![None, None, None, Some(2), Some(0), Some(1), Some(3)]
        );
    }

    #[test]
    fn two_cells_with_the_same_source_are_told_apart() {
        let mut s = Fake::default();
        s.save("c1", &[("df.describe()", Some(1))]);
        // Copied without an edit and the copy run.
        s.save(
            "c2",
            &[("df.describe()", Some(1)), ("df.describe()", Some(2))],
        );
        // The original runs again, then the copy.
        s.save(
            "c3",
            &[("df.describe()", Some(3)), ("df.describe()", Some(2))],
        );
        s.save(
            "c4",
            &[("df.describe()", Some(3)), ("df.describe()", Some(4))],
        );
        let l = assign(
            runs(&[
                (1, 1, "df.describe()", "c1"),
                (2, 2, "df.describe()", "c2"),
                (3, 3, "df.describe()", "c3"),
                (4, 4, "df.describe()", "c4"),
            ]),
            &mut s,
        );
        assert_eq!(previous(&l), vec![None, None, Some(0), Some(1)]);
    }

    #[test]
    fn a_lagging_save_and_an_overwritten_run() {
        let mut s = Fake::default();
        s.save("c1", &[("x = 1", Some(1))]);
        // Record 2 was not saved: its commit holds the notebook of record 1.
        // Record 3 copied the cell and edited the copy; the save after it
        // shows both, and record 4 re-ran the copy before any save, so
        // record 3's run of it is shown nowhere.
        s.save("c4", &[("x = 2", Some(2)), ("x = 12", Some(4))]);
        let l = assign(
            runs(&[
                (1, 1, "x = 1", "c1"),
                (2, 2, "x = 2", "c1"),
                (3, 3, "x = 12", "c1"),
                (4, 4, "x = 12", "c4"),
            ]),
            &mut s,
        );
        // Every run reads the save after it, so the first run's cell is
        // known by its place in c1 before c4 is aligned with it; there the
        // copy's code ("x = 12") is closer to the original's than the
        // edited original's is, and nothing but their order tells them
        // apart: the copy is taken for the original. Measured over whole
        // workloads, reading every save wins more than this loses
        // (README "Cell lineage").
        assert_eq!(previous(&l), vec![None, None, Some(0), Some(2)]);
    }

    #[test]
    fn cell_ids_tell_a_copy_from_its_original() {
        let mut s = Fake::default();
        let cell = |id: &str, source: &str, count| NbCell {
            id: Some(id.into()),
            source: source.into(),
            count: Some(count),
        };
        s.0.insert("c1".into(), Arc::new(vec![cell("a", "print(1)", 1)]));
        // Copied without an edit (a new id) and the copy run; then the
        // original edited and run.
        s.0.insert(
            "c2".into(),
            Arc::new(vec![cell("a", "print(1)", 1), cell("b", "print(1)", 2)]),
        );
        s.0.insert(
            "c3".into(),
            Arc::new(vec![cell("a", "print(10)", 3), cell("b", "print(1)", 2)]),
        );
        let l = assign(
            runs(&[
                (1, 1, "print(1)", "c1"),
                (2, 2, "print(1)", "c2"),
                (3, 3, "print(10)", "c3"),
            ]),
            &mut s,
        );
        assert_eq!(previous(&l), vec![None, None, Some(0)]);
    }

    #[test]
    fn without_snapshots_runs_go_by_source() {
        let mut none = Fake::default();
        let mut e = runs(&[
            (1, 1, "x <- 1", ""),
            (2, 2, "plot(x)", ""),
            (3, 3, "x <- 2", ""),
        ]);
        for r in &mut e {
            r.notebook = "console".into();
        }
        let l = assign(e, &mut none);
        assert_eq!(previous(&l), vec![None, None, Some(0)]);
        assert_eq!(l.cells.first().map(|c| c.id.as_str()), Some("console#1"));
    }

    #[test]
    fn notebook_names_from_messages() {
        assert_eq!(
            notebook_of("Executed cell in notebook code/a b.ipynb and generated 2 results")
                .as_deref(),
            Some("code/a b.ipynb")
        );
        assert_eq!(
            notebook_of("Executed 3 cells in notebook code/x.ipynb").as_deref(),
            Some("code/x.ipynb")
        );
        assert_eq!(
            notebook_of("Executed code in console").as_deref(),
            Some("console")
        );
        assert_eq!(
            notebook_of("Executed chunk in code/report.Rmd").as_deref(),
            Some("code/report.Rmd")
        );
        assert_eq!(notebook_of("Added 2 pip packages"), None);
    }

    #[test]
    fn lcs_matches_a_shortest_edit_script() {
        // A fixed pseudo-random mix of short and long, alike and unlike strings.
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..400 {
            let len = (next() % 300) as usize;
            let a: Vec<u8> = (0..len)
                .map(|_| b"abcde\n ()"[(next() % 9) as usize])
                .collect();
            let mut b = a.clone();
            for _ in 0..(next() % 20) {
                let at = (next() as usize) % (b.len() + 1);
                if next() % 2 == 0 && at < b.len() {
                    b.remove(at);
                } else {
                    b.insert(at, b"xyz("[(next() % 4) as usize]);
                }
            }
            let ops = similar::capture_diff_slices(similar::Algorithm::Myers, &a, &b);
            let same: usize = ops
                .iter()
                .filter_map(|o| match o {
                    similar::DiffOp::Equal { len, .. } => Some(*len),
                    _ => None,
                })
                .sum();
            assert_eq!(lcs_len(&a, &b), same, "{a:?} {b:?}");
        }
        assert_eq!(lcs_len(b"", b"abc"), 0);
        assert_eq!(lcs_len(b"abc", b"abc"), 3);
    }

    #[test]
    fn ratio_is_one_for_equal_and_low_for_unrelated() {
        assert_eq!(ratio("x = 1", "x = 1"), 1.0);
        assert!(ratio("df.plot(bins=20)", "df.plot(bins=25)") > 0.8);
        assert!(ratio("import numpy as np", "z") < SIMILARITY);
    }
}
