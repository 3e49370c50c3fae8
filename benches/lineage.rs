//! Benchmark: cell lineage over a synth project (whole history, and one
//! notebook as the `cell`/`diff` commands build it), with its parts timed
//! apart. `cargo bench --bench lineage`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::time::Instant;

use gtm_tui::lineage::notebook::NbCell;
use gtm_tui::lineage::{self, RepoSnapshots, Snapshots};
use gtm_tui::repo::Project;

/// Counts what lineage asks of the snapshots.
struct Counting<'p> {
    inner: RepoSnapshots<'p>,
    asked: usize,
    looked_up: usize,
    parsed: std::collections::HashSet<usize>,
}

impl Snapshots for Counting<'_> {
    fn cells(&mut self, commit: &str, notebook: &str) -> Option<Arc<Vec<NbCell>>> {
        self.asked += 1;
        let cells = self.inner.cells(commit, notebook);
        if let Some(c) = &cells {
            self.parsed.insert(Arc::as_ptr(c) as usize);
        }
        cells
    }

    fn blob_id(&mut self, commit: &str, notebook: &str) -> Option<git2::Oid> {
        self.looked_up += 1;
        self.inner.blob_id(commit, notebook)
    }
}

/// Snapshots already read, to time the assignment without the reading.
#[derive(Default)]
struct Cached {
    ids: std::collections::HashMap<(String, String), Option<git2::Oid>>,
    cells: std::collections::HashMap<(String, String), Option<Arc<Vec<NbCell>>>>,
}

/// Fills a [`Cached`] while asking the repository.
struct Filling<'p, 'c> {
    inner: RepoSnapshots<'p>,
    cache: &'c mut Cached,
}

impl Snapshots for Filling<'_, '_> {
    fn cells(&mut self, commit: &str, notebook: &str) -> Option<Arc<Vec<NbCell>>> {
        let cells = self.inner.cells(commit, notebook);
        self.cache
            .cells
            .insert((commit.into(), notebook.into()), cells.clone());
        cells
    }

    fn blob_id(&mut self, commit: &str, notebook: &str) -> Option<git2::Oid> {
        let id = self.inner.blob_id(commit, notebook);
        self.cache.ids.insert((commit.into(), notebook.into()), id);
        id
    }
}

impl Snapshots for Cached {
    fn cells(&mut self, commit: &str, notebook: &str) -> Option<Arc<Vec<NbCell>>> {
        self.cells
            .get(&(commit.to_string(), notebook.to_string()))
            .cloned()
            .flatten()
    }

    fn blob_id(&mut self, commit: &str, notebook: &str) -> Option<git2::Oid> {
        self.ids
            .get(&(commit.to_string(), notebook.to_string()))
            .copied()
            .flatten()
    }
}

fn main() {
    let records = common::records();
    let dir = common::project(records);
    let project = Project::open(&dir, None).expect("project");
    let t = Instant::now();
    let rows = project.records().expect("records");
    let walk = t.elapsed();
    let t = Instant::now();
    let all = lineage::build(&project, &rows, None);
    let whole = t.elapsed();
    let one = all
        .executions
        .first()
        .map(|e| e.notebook.clone())
        .unwrap_or_default();
    let t = Instant::now();
    let single = lineage::build(&project, &rows, Some(&one));
    let notebook = t.elapsed();

    // The parts, one after the other on this thread.
    let t = Instant::now();
    let store = project.details();
    let execs: Vec<_> = rows
        .iter()
        .rev()
        .flat_map(|r| lineage::executions_of(r, &store))
        .collect();
    let decode = t.elapsed();
    let mut snaps = Counting {
        inner: RepoSnapshots::new(&project),
        asked: 0,
        looked_up: 0,
        parsed: std::collections::HashSet::new(),
    };
    let t = Instant::now();
    let again = lineage::assign(execs.clone(), &mut snaps);
    let assign = t.elapsed();
    let mut cache = Cached::default();
    let _ = lineage::assign(
        execs.clone(),
        &mut Filling {
            inner: RepoSnapshots::new(&project),
            cache: &mut cache,
        },
    );
    let t = Instant::now();
    let _ = lineage::assign(execs, &mut cache);
    let logic = t.elapsed();

    let mut sizes: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for e in &all.executions {
        *sizes.entry(e.notebook.as_str()).or_default() += 1;
    }
    let largest = sizes.values().max().copied().unwrap_or(0);
    println!(
        "{} notebooks, the largest with {largest} executions; {} cores",
        sizes.len(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("| measure ({records} records) | time |");
    println!("|---|---|");
    println!("| walk (rows only) | {:.2} s |", walk.as_secs_f64());
    println!(
        "| lineage, whole history: {} executions, {} cells | {:.2} s |",
        all.executions.len(),
        all.cells.len(),
        whole.as_secs_f64()
    );
    println!(
        "| lineage, one notebook ({one}): {} executions | {:.2} s |",
        single.executions.len(),
        notebook.as_secs_f64()
    );
    println!(
        "| part: executions of every record, one thread | {:.2} s |",
        decode.as_secs_f64()
    );
    println!(
        "| part: assignment ({} notebook versions looked up, {} read), one thread | {:.2} s |",
        snaps.looked_up,
        snaps.parsed.len(),
        assign.as_secs_f64()
    );
    let _ = again;
    println!(
        "| part: of which the assignment alone (snapshots already read) | {:.2} s |",
        logic.as_secs_f64()
    );
}
