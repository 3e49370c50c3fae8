//! Benchmark: `log` (first line, whole) and `export` against `git log` on a synth project.
//!
//! `cargo bench --bench log` (records: GTM_BENCH_RECORDS, default 100000).
//! The project is generated once and kept under target/bench-data.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::{median, ms, project};

/// Runs a command, returning (time to first line, time to end, bytes, lines).
fn run(cmd: &mut Command) -> (Duration, Duration, usize, usize) {
    let t = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::with_capacity(1 << 20, child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    let first_at = t.elapsed();
    let mut rest = Vec::new();
    out.read_to_end(&mut rest).unwrap();
    child.wait().unwrap();
    let lines = 1 + rest.iter().filter(|&&b| b == b'\n').count();
    (first_at, t.elapsed(), first.len() + rest.len(), lines)
}

fn main() {
    let records = common::records();
    let runs: usize = std::env::var("GTM_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let dir = project(records);
    let bin = env!("CARGO_BIN_EXE_gtm-tui");
    let git = || {
        let mut c = Command::new("git");
        c.arg("-C")
            .arg(&dir)
            .args(["log", "--format=%H%x00%an%x00%at%x00%B"]);
        c
    };
    let gtm = |args: &[&str]| {
        let mut c = Command::new(bin);
        c.args(args).arg(&dir);
        c
    };
    // Warm the page cache once.
    run(&mut git());
    let mut git_first = vec![];
    let mut git_all = vec![];
    let mut log_first = vec![];
    let mut log_all = vec![];
    let mut export_all = vec![];
    let mut log_lines = 0;
    let mut git_bytes = 0;
    for _ in 0..runs {
        let (f, a, b, _) = run(&mut git());
        git_first.push(f);
        git_all.push(a);
        git_bytes = b;
        let (f, a, _, l) = run(&mut gtm(&["log"]));
        log_first.push(f);
        log_all.push(a);
        log_lines = l;
    }
    let details = {
        let (_, _, _, lines) = run(&mut gtm(&["export"]));
        assert_eq!(lines, log_lines);
        count_details(bin, &dir)
    };
    // Export output goes to /dev/null: reading 100+ MB through a pipe here
    // would take a core from the two gtm-tui uses.
    for _ in 0..runs.min(5) {
        let t = Instant::now();
        gtm(&["export"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("export runs");
        export_all.push(t.elapsed());
    }
    let (gf, ga) = (median(git_first), median(git_all));
    let (lf, la, ea) = (median(log_first), median(log_all), median(export_all));
    println!(
        "synth project: {records} records, {log_lines} log lines, git log output {git_bytes} bytes"
    );
    println!("| measure | gtm-tui | git log --format=%H%x00%an%x00%at%x00%B |");
    println!("|---|---|---|");
    println!("| first line | {:.1} ms | {:.1} ms |", ms(lf), ms(gf));
    println!(
        "| whole log | {:.0} ms ({:.2}× git) | {:.0} ms |",
        ms(la),
        la.as_secs_f64() / ga.as_secs_f64(),
        ms(ga)
    );
    println!(
        "| export | {:.0} ms, {details} details, {:.0} details/s | |",
        ms(ea),
        details as f64 / ea.as_secs_f64()
    );
}

fn count_details(bin: &str, dir: &Path) -> usize {
    let out = Command::new(bin).arg("export").arg(dir).output().unwrap();
    out.stdout
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_slice(l).unwrap();
            v["details"].as_array().map_or(0, Vec::len)
        })
        .sum()
}
