//! Benchmark: how the TUI's index scales — time to the first frame, time to
//! the whole history loaded against `git log` with messages, and memory —
//! on synth projects of each size in GTM_BENCH_SIZES (default
//! "10000,100000,500000").
//!
//! `cargo bench --bench scale`. Projects are generated once and kept under
//! target/ (500,000 records: about 2 GB of pack). Times are medians of
//! GTM_BENCH_RUNS runs (default 5), memory the highest of 5 runs; everything
//! is printed as one Markdown table row per size.
//!
//! Memory is measured in a child process (this benchmark run again with
//! GTM_SCALE_CHILD set), which loads the whole history as the timing runs do
//! but without decoding the first screen's details, and then reports from
//! /proc/self/status: VmHWM (peak resident memory) and the peak of RssAnon,
//! sampled every 2 ms while loading. It then decodes the first screen and
//! reports what that added, apart: it reads whole log files, whose size
//! depends on the project, not on the length of its history.
//! Resident memory also counts the pages of the pack that libgit2 maps to
//! read commits (RssFile): those are the git objects themselves, shared with
//! the page cache and given back under pressure. The anonymous part is what
//! the process itself allocates, and what is left after subtracting a
//! project of 100 records (the program, libgit2, the threads) is charged to
//! the records: the bytes/record column.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::tui::{open, open_with};
use common::{median, ms, project};
use gtm_tui::activity::record::DetailRef;
use gtm_tui::repo::RecordRow;
use gtm_tui::tui::app::Effect;
use gtm_tui::tui::handle;
use ratatui::layout::Rect;

/// Records in the project whose memory is subtracted as the fixed part.
const BASELINE_RECORDS: usize = 100;
/// Memory runs per size (the highest counts: see `highest_memory`).
const MEMORY_RUNS: usize = 5;

fn main() {
    if let Ok(dir) = std::env::var("GTM_SCALE_CHILD") {
        child(Path::new(&dir));
        return;
    }
    let sizes: Vec<usize> = std::env::var("GTM_BENCH_SIZES")
        .unwrap_or_else(|_| "10000,100000,500000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let runs: usize = std::env::var("GTM_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5)
        .max(1);
    // Generated first, so that no size is measured while another is written.
    let base_dir = project(BASELINE_RECORDS);
    let dirs: Vec<_> = sizes.iter().map(|&n| (n, project(n))).collect();
    let base = highest_memory(&base_dir);
    println!(
        "baseline ({BASELINE_RECORDS} records): peak RSS {:.1} MiB, peak anonymous {:.1} MiB",
        mib(base.hwm),
        mib(base.anon)
    );
    println!(
        "| records | commits | pack | first frame | full index | git log | ratio | peak RSS (anonymous) | bytes/record |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut notes = Vec::new();
    for (records, dir) in dirs {
        let commits = commit_count(&dir);
        let pack = pack_bytes(&dir);
        // Warm the page cache, so that every run reads from memory.
        git_log(&dir);
        let mut firsts = Vec::new();
        let mut fulls = Vec::new();
        let mut gits = Vec::new();
        for _ in 0..runs {
            gits.push(git_log(&dir));
            let (first, full, app, workers) = open(&dir);
            assert!(
                app.rows.len() >= records * 9 / 10,
                "the whole history loads"
            );
            drop((app, workers));
            firsts.push(first);
            fulls.push(full);
        }
        let mem = highest_memory(&dir);
        let (first, full, git) = (median(firsts), median(fulls), median(gits));
        let per_record = mem.anon.saturating_sub(base.anon) as f64 / records as f64;
        println!(
            "| {records} | {commits} | {:.0} MB | {:.1} ms | {:.2} s | {:.2} s | {:.2}× | {:.0} MiB ({:.0} MiB) | {per_record:.0} |",
            pack as f64 / 1e6,
            ms(first),
            full.as_secs_f64(),
            git.as_secs_f64(),
            full.as_secs_f64() / git.as_secs_f64(),
            mib(mem.hwm),
            mib(mem.anon),
        );
        let per = |bytes: u64, less: u64| bytes.saturating_sub(less) as f64 / records as f64;
        notes.push(format!(
            "{records} records: anonymous memory once loaded {:.0} B/record beyond the baseline; the records' own fields {:.0} B/record ({}); then decoding the first screen's details added {:.1} MiB (baseline {:.1} MiB)",
            per(mem.after, base.after),
            per(mem.held, 0),
            mem.parts,
            mib(mem.decoded),
            mib(base.decoded),
        ));
    }
    for note in notes {
        println!("{note}");
    }
    println!(
        "sizes: RecordRow {} B, Record {} B, DetailRef {} B",
        std::mem::size_of::<RecordRow>(),
        std::mem::size_of::<gtm_tui::activity::record::Record>(),
        std::mem::size_of::<DetailRef>()
    );
}

/// Peak memory of one load of the whole history, in bytes.
#[derive(Debug, Clone)]
struct Memory {
    /// VmHWM: peak resident memory, mapped pack pages included.
    hwm: u64,
    /// Highest RssAnon seen: memory the process allocated.
    anon: u64,
    /// RssAnon once the whole history is loaded: what the index keeps.
    after: u64,
    /// What the records' own fields hold (see [`held_by_rows`]).
    held: u64,
    /// What decoding the first screen's details added afterwards.
    decoded: u64,
    /// The same in B/record by part, as text.
    parts: String,
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / f64::from(1 << 20)
}

/// The highest of [`MEMORY_RUNS`] child runs on `dir`, each figure on its
/// own: sampling can miss a peak but never invent one, and a 100-record
/// load is over in a few milliseconds, so its peak is often missed.
fn highest_memory(dir: &Path) -> Memory {
    (0..MEMORY_RUNS)
        .map(|_| memory(dir))
        .reduce(|a, b| Memory {
            hwm: a.hwm.max(b.hwm),
            anon: a.anon.max(b.anon),
            after: a.after.max(b.after),
            held: a.held.max(b.held),
            decoded: a.decoded.max(b.decoded),
            parts: b.parts,
        })
        .expect("at least one run")
}

/// Runs this benchmark as a child that loads `dir` and reports its memory.
fn memory(dir: &Path) -> Memory {
    let out = Command::new(std::env::current_exe().expect("own path"))
        .env("GTM_SCALE_CHILD", dir)
        .stderr(Stdio::inherit())
        .output()
        .expect("child runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "child failed: {text}");
    let parts = text
        .lines()
        .find_map(|l| l.strip_prefix("parts "))
        .unwrap_or_default()
        .to_string();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse::<u64>().ok())
            .unwrap_or_else(|| panic!("child reported no {name}: {text}"))
    };
    Memory {
        hwm: field("hwm"),
        anon: field("anon"),
        after: field("after"),
        held: field("held"),
        decoded: field("decoded"),
        parts,
    }
}

/// In the child: loads the whole history the way the timing runs do while a
/// thread samples RssAnon, then prints `hwm <bytes>` and `anon <bytes>`.
fn child(dir: &Path) {
    let stop = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (stop, peak) = (Arc::clone(&stop), Arc::clone(&peak));
        std::thread::spawn(move || {
            // Checked once more after the load, so the end state counts too.
            loop {
                let done = stop.load(Ordering::Acquire);
                peak.fetch_max(status_kib("RssAnon:") * 1024, Ordering::AcqRel);
                if done {
                    break;
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    // The history alone: the first screen's details are decoded after, and
    // measured apart (they read whole log files, whose size depends on the
    // project, not on the length of its history).
    let (_, _, mut app, workers, rx) = open_with(dir, false);
    stop.store(true, Ordering::Release);
    sampler.join().expect("sampler");
    println!("hwm {}", status_kib("VmHWM:") * 1024);
    println!("anon {}", peak.load(Ordering::Acquire));
    println!("after {}", status_kib("RssAnon:") * 1024);
    println!("rows {}", app.rows.len());
    let parts = held_by_rows(&app);
    println!("held {}", parts.iter().map(|p| p.1).sum::<usize>());
    let per = |bytes: usize| bytes as f64 / app.rows.len().max(1) as f64;
    let parts: Vec<String> = parts
        .iter()
        .map(|(name, bytes)| format!("{name} {:.0}", per(*bytes)))
        .collect();
    println!("parts {}", parts.join(", "));
    let before = status_kib("RssAnon:") * 1024;
    for e in app.visible_decodes() {
        if let Effect::Decode(c) = e {
            workers.decode(gtm_tui::tui::rows_for(&app, &c));
        }
    }
    let until = std::time::Instant::now() + Duration::from_secs(2);
    while let Ok(msg) = rx.recv_timeout(until.saturating_duration_since(std::time::Instant::now()))
    {
        handle(
            &mut app,
            msg,
            Some(Rect::new(0, 0, common::tui::W, common::tui::H)),
        );
    }
    println!(
        "decoded {}",
        (status_kib("RssAnon:") * 1024).saturating_sub(before)
    );
    drop((app, workers));
}

/// What the app holds for the loaded records, in bytes, by part: the
/// packed rows, the position index, the day of each record and the view
/// (the allocator's own overhead not included).
fn held_by_rows(app: &gtm_tui::tui::app::App) -> Vec<(&'static str, usize)> {
    vec![
        ("packed rows", app.rows.heap_bytes()),
        ("position index", app.index.heap_bytes()),
        (
            "days",
            app.days.capacity() * 4
                + app
                    .day_names
                    .iter()
                    .map(|d| d.capacity() + 24)
                    .sum::<usize>(),
        ),
        ("view", app.view.capacity() * std::mem::size_of::<usize>()),
    ]
}

/// A `kB` field of /proc/self/status.
fn status_kib(name: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix(name)?
                    .trim()
                    .strip_suffix("kB")?
                    .trim()
                    .parse()
                    .ok()
            })
        })
        .unwrap_or(0)
}

/// Time for `git log` with messages over the whole history, its output
/// going to /dev/null: the index is built without writing anything, and on
/// a 2-core machine a process reading git's output through a pipe would
/// take CPU from git (through a pipe it takes about 1.5 times as long here).
fn git_log(dir: &Path) -> Duration {
    let t = Instant::now();
    let status = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["log", "--format=%H%x00%an%x00%at%x00%B"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("git runs");
    assert!(status.success());
    t.elapsed()
}

/// Commits reachable from any branch.
fn commit_count(dir: &Path) -> usize {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-list", "--all", "--count"])
        .output()
        .expect("git runs");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}

/// Bytes of the project's packs.
fn pack_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir.join(".git/objects/pack"))
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "pack"))
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}
