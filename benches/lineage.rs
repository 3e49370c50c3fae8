//! Benchmark: cell lineage over a synth project (whole history, and one
//! notebook as the `cell`/`diff` commands build it), with its parts timed
//! apart; then the commands that need the whole history's lineage, run as
//! the user runs them (the release binary, output to /dev/null), against
//! `git log` over the same history, with their peak memory, on projects
//! shaped like issue 17's (GTM_LINEAGE_SIZES, default "10000,100000";
//! "0" skips them): cold (`--no-cache`) and warm (the lineage and walk
//! caches written by a first run, then read) side by side.
//! `cargo bench --bench lineage`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

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
    if let Some(n) = std::env::var("GTM_LINEAGE_GENERATE")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        common::shaped_project(n);
        return;
    }
    let sizes: Vec<usize> = std::env::var("GTM_LINEAGE_SIZES")
        .unwrap_or_else(|_| "10000,100000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .filter(|&n| n > 0)
        .collect();
    // The commands first, while this process is small: a child's peak
    // memory as the kernel counts it starts from its parent's at the fork.
    for records in sizes {
        commands(records);
    }
    parts();
}

use common::measured as run;

/// The fastest of three runs, and the highest peak memory among them.
fn best_of_three(mut make: impl FnMut() -> Command) -> (Duration, u64) {
    let runs: Vec<_> = (0..3).map(|_| run(&mut make())).collect();
    let time = runs.iter().map(|r| r.0).min().unwrap_or_default();
    let peak = runs.iter().map(|r| r.1).max().unwrap_or(0);
    (time, peak)
}

fn commands(records: usize) {
    // Generated in a child, so that the generator's memory is not ours.
    let status = Command::new(std::env::current_exe().expect("bench binary"))
        .env("GTM_LINEAGE_GENERATE", records.to_string())
        .status()
        .expect("generate");
    assert!(status.success(), "generating {records} records");
    let dir = common::shaped_project(records);
    let bin = env!("CARGO_BIN_EXE_gtm-tui");
    // The lineage cache of the warm runs, emptied first; cold runs bypass it.
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("bench-cache-{records}"));
    let _ = std::fs::remove_dir_all(&cache);
    let gtm = |args: &[&'static str], dir: &Path, warm: bool| {
        let dir = dir.to_path_buf();
        let cache = cache.clone();
        let mut args = args.to_vec();
        if !warm {
            args.insert(0, "--no-cache");
        }
        move || {
            let mut c = Command::new(bin);
            c.args(&args)
                .arg(&dir)
                .env("NO_COLOR", "1")
                .env("GTM_CACHE_DIR", &cache);
            c
        }
    };
    let (git, git_peak) = best_of_three(|| {
        let mut c = Command::new("git");
        c.arg("-C")
            .arg(&dir)
            .args(["log", "--format=%H%x00%an%x00%at%x00%B"]);
        c
    });
    println!();
    println!(
        "| {records} records, shaped as issue 17's | cold (`--no-cache`) | ÷ `git log` | peak resident | per record | warm (cache read) | ÷ `git log` | ÷ `export` | peak resident |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let secs = |d: Duration| d.as_secs_f64();
    let per_record = |peak: u64| peak as f64 / 1024.0 / records.max(1) as f64;
    println!(
        "| `git log --format=%H%x00%an%x00%at%x00%B` | {:.2} s | 1.00× | {} MiB | {:.1} KB | | | | |",
        secs(git),
        git_peak >> 20,
        per_record(git_peak)
    );
    let (export, export_peak) = best_of_three(gtm(&["export"], &dir, false));
    println!(
        "| `export` (no lineage) | {:.2} s | {:.2}× | {} MiB | {:.1} KB | | | 1.00× | |",
        secs(export),
        secs(export) / secs(git).max(1e-9),
        export_peak >> 20,
        per_record(export_peak)
    );
    let commands: [(&str, &[&'static str]); 3] = [
        ("`export --cells`", &["export", "--cells"]),
        ("`stats`", &["stats"]),
        ("`stuck`", &["stuck"]),
    ];
    for (name, args) in commands {
        let (cold, cold_peak) = best_of_three(gtm(args, &dir, false));
        // The first cached run writes the file; the three timed ones read it.
        run(&mut gtm(args, &dir, true)());
        let (warm, warm_peak) = best_of_three(gtm(args, &dir, true));
        println!(
            "| {name} | {:.2} s | {:.2}× | {} MiB | {:.1} KB | {:.2} s | {:.2}× | {:.2}× | {} MiB |",
            secs(cold),
            secs(cold) / secs(git).max(1e-9),
            cold_peak >> 20,
            per_record(cold_peak),
            secs(warm),
            secs(warm) / secs(git).max(1e-9),
            secs(warm) / secs(export).max(1e-9),
            warm_peak >> 20
        );
    }
    // The lineage files and the walk's (`.rows`), apart.
    let size = |ext: &str| -> u64 {
        std::fs::read_dir(cache.join("lineage"))
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .filter(|e| e.path().extension().is_some_and(|x| x == ext))
                    .filter_map(|e| e.metadata().ok())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0)
    };
    for (what, ext) in [("lineage", "lineage"), ("walk", "rows")] {
        let size = size(ext);
        println!(
            "{what} cache file: {:.1} MB ({:.0} bytes a record)",
            size as f64 / 1e6,
            size as f64 / records.max(1) as f64
        );
    }
}

/// Lineage in process on the benchmark project, its parts timed apart.
fn parts() {
    let records = common::records();
    let dir = common::project(records);
    let project = Project::open(&dir, None).expect("project");
    let t = Instant::now();
    let rows = project.records().expect("records");
    let walk = t.elapsed();
    let t = Instant::now();
    let all = lineage::build(&project, &rows, None);
    let whole = t.elapsed();
    // The same through the lineage cache: built and written, then read.
    let cache_dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("bench-cache-parts-{records}"));
    let _ = std::fs::remove_dir_all(&cache_dir);
    let policy = lineage::CachePolicy::Dir(cache_dir.clone());
    let t = Instant::now();
    let (_, written) = lineage::build_reporting(&project, &rows, None, &policy);
    let through_cold = t.elapsed();
    let t = Instant::now();
    let (_, read) = lineage::build_reporting(&project, &rows, None, &policy);
    let through_warm = t.elapsed();
    assert_eq!(
        read.status,
        lineage::CacheStatus::Hit,
        "{written:?} {read:?}"
    );
    // The ref moved forward by 1,000 records since the file was written.
    let _ = std::fs::remove_dir_all(&cache_dir);
    let behind = rows.get(1000).map(|r| r.commit).expect("1,001 records");
    let older = Project::open(&dir, Some(&behind.to_string())).expect("older");
    let older_rows = older.records().expect("records");
    let _ = lineage::build_reporting(&older, &older_rows, None, &policy);
    drop(older_rows);
    let t = Instant::now();
    let (_, extended) = lineage::build_reporting(&project, &rows, None, &policy);
    let through_extended = t.elapsed();
    let lineage::CacheStatus::Extended {
        records: new_records,
        notebooks: reassigned,
    } = extended.status
    else {
        panic!("{extended:?}")
    };
    // The insights screen (`i`) once the history is loaded, the file there:
    // lineage, streaks and figures.
    let packed = gtm_tui::repo::Rows::from_rows(&rows);
    let screen = common::best(3, || {
        let _ = gtm_tui::tui::insights::prepare(&project, &packed, &policy);
    });
    drop(packed);
    let _ = std::fs::remove_dir_all(&cache_dir);
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
        "| lineage through the cache, none yet (built, file written) | {:.2} s |",
        through_cold.as_secs_f64()
    );
    println!(
        "| lineage through the cache, file read | {:.3} s |",
        through_warm.as_secs_f64()
    );
    println!(
        "| lineage through the cache, file {new_records} records behind ({reassigned} notebooks assigned again) | {:.2} s |",
        through_extended.as_secs_f64()
    );
    println!(
        "| insights screen's data (lineage, streaks, figures), cache file read | {:.3} s |",
        screen.as_secs_f64()
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
