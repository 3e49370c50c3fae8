//! Shared by the benchmarks: synth projects generated once and kept under target/.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(dead_code)]

pub mod timing;
pub mod tui;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use gtm_tui::synth::Workload;

/// Records in the benchmark project: GTM_BENCH_RECORDS, default 100,000.
pub fn records() -> usize {
    std::env::var("GTM_BENCH_RECORDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000)
}

/// The synth project of `records` records, generated on first use.
pub fn project(records: usize) -> PathBuf {
    kept(
        &format!("synth-{records}"),
        Workload {
            records,
            seed: 7,
            // Smaller rotation than the client's 8 MB keeps the generated repository small.
            rotate_bytes: 256 * 1024,
            ..Workload::default()
        },
    )
}

/// A project shaped like the one issue 17 measured: 40-cell notebooks, log
/// files rotated at 64 KB, a plot in about one new cell in ten, a large
/// output in one in twenty. Generated on first use, kept under target/.
pub fn shaped_project(records: usize) -> PathBuf {
    kept(
        &format!("shaped-{records}"),
        Workload {
            records,
            seed: 17,
            rotate_bytes: 64 * 1024,
            max_cells: 40,
            image_every: 10,
            large_every: 20,
            ..Workload::default()
        },
    )
}

/// `workload` generated into target/tmp/bench-data/`name` unless it is there.
fn kept(name: &str, workload: Workload) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("bench-data")
        .join(name);
    if !dir.join(".git").exists() {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("bench dir");
        let t = Instant::now();
        workload.generate(&dir).expect("synth project");
        eprintln!(
            "generated {} records in {:.1?}",
            workload.records,
            t.elapsed()
        );
    }
    dir
}

pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

// Not every benchmark times with it, as `dead_code` is allowed above for the rest.
#[allow(unused_imports)]
pub use timing::best;

/// Runs `cmd` with its output to /dev/null; its wall time and peak resident
/// memory (the kernel's count for that one child, through wait4).
// The child is waited for by wait4, which std's Child does not know of.
#[allow(clippy::zombie_processes)]
pub fn measured(cmd: &mut std::process::Command) -> (Duration, u64) {
    let t = Instant::now();
    let child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let pid = i32::try_from(child.id()).expect("pid");
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the pointers are to live locals; pid is our own child, not yet waited for.
    let got = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(got, pid, "wait4");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{cmd:?} failed: {status}"
    );
    // ru_maxrss is in kilobytes on Linux.
    (
        t.elapsed(),
        u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024,
    )
}
