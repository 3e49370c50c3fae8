//! Benchmark: a notebook repository's history read as the user reads it (the release binary,
//! output to /dev/null) against `git log --raw` over the same history, with peak memory. The
//! repository is synth's (`NbRepo`): GTM_NB_COMMITS commits (default 10,000) over 20
//! notebooks of 200 cells, a plot in three code cells in ten, packed by `git repack` as a
//! clone would be. `cargo bench --bench notebooks`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use gtm_tui::synth::{IdMode, NbRepo};

fn commits() -> usize {
    std::env::var("GTM_NB_COMMITS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000)
}

/// The repository, generated and packed on first use, kept under target/.
fn repository(commits: usize) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("bench-data")
        .join(format!("nbrepo-{commits}"));
    if !dir.join(".git").join("packed").exists() {
        let _ = std::fs::remove_dir_all(&dir);
        let t = Instant::now();
        NbRepo {
            seed: 3,
            commits,
            notebooks: 20,
            cells: 200,
            ids: IdMode::Stable,
            images: 0.3,
            renames: true,
            env_files: true,
            ..NbRepo::default()
        }
        .write(&dir)
        .unwrap();
        eprintln!("generated {commits} commits in {:.1?}", t.elapsed());
        let t = Instant::now();
        let ok = Command::new("git")
            .args(["repack", "-adq"])
            .current_dir(&dir)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "git repack failed");
        eprintln!("packed in {:.1?}", t.elapsed());
        std::fs::write(dir.join(".git").join("packed"), b"").unwrap();
    }
    dir
}

/// One notebook of 200 cells with plots of a real plot's weight (180×135, about 10 KB of
/// base64 each; the notebook about 1.3 MB), committed about 100 times: the notebook a per-pair diff tool is timed on.
fn big_notebook() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("bench-data")
        .join("nbrepo-big");
    if !dir.join(".git").join("packed").exists() {
        let _ = std::fs::remove_dir_all(&dir);
        NbRepo {
            seed: 8,
            commits: 110,
            notebooks: 1,
            cells: 200,
            ids: IdMode::Stable,
            images: 0.3,
            figure_px: (180, 135),
            ..NbRepo::default()
        }
        .write(&dir)
        .unwrap();
        let ok = Command::new("git")
            .args(["repack", "-adq"])
            .current_dir(&dir)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "git repack failed");
        std::fs::write(dir.join(".git").join("packed"), b"").unwrap();
    }
    dir
}

fn git_out(dir: &Path, args: &[&str]) -> Vec<u8> {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
        .stdout
}

/// The big notebook: its whole cell history, and one pair of versions diffed by gtm-tui and,
/// when `nbdiff` is installed (`pip install nbdime`), by nbdime.
fn big(bin: &Path) {
    let dir = big_notebook();
    let log = String::from_utf8(git_out(&dir, &["log", "--format=%H", "--", "*.ipynb"])).unwrap();
    let commits: Vec<&str> = log.lines().collect();
    let path = String::from_utf8(git_out(&dir, &["ls-files", "*.ipynb"])).unwrap();
    let path = path.lines().next().unwrap_or_default().to_string();
    let sizes: Vec<usize> = commits
        .iter()
        .map(|c| git_out(&dir, &["cat-file", "blob", &format!("{c}:{path}")]).len())
        .collect();
    let mean = sizes.iter().sum::<usize>() as f64 / sizes.len().max(1) as f64;
    println!(
        "one notebook: {} versions of {path}, {:.2} MB on average",
        commits.len(),
        mean / 1e6
    );
    let (base, _) = run(
        3,
        Path::new("git"),
        &[
            "log",
            "--raw",
            "--no-abbrev",
            "--format=%H%x00%an%x00%at%x00%B",
        ],
        &dir,
    );
    println!(
        "  git log --raw                    {:>8.1} ms",
        common::ms(base)
    );
    let newest = commits.first().copied().unwrap_or("HEAD");
    let cases: [(&str, Vec<&str>); 3] = [
        ("gtm-tui cell (whole cell history)", vec!["cell", newest]),
        ("gtm-tui log (streamed)", vec!["log"]),
        ("gtm-tui files (one pair, diffed)", vec!["files", newest]),
    ];
    for (name, args) in cases {
        let (t, peak) = run(3, bin, &args, &dir);
        println!(
            "  {name:<34} {:>8.1} ms  peak {:>5.0} MB",
            common::ms(t),
            peak as f64 / 1e6
        );
    }
    let has_nbdiff = Command::new("nbdiff")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_nbdiff {
        println!("  nbdiff not installed: `pip install nbdime` to compare");
        return;
    }
    let pair = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("bench-data")
        .join("pair");
    std::fs::create_dir_all(&pair).unwrap();
    let (a, b) = (pair.join("old.ipynb"), pair.join("new.ipynb"));
    std::fs::write(&a, git_out(&dir, &["show", &format!("{newest}~1:{path}")])).unwrap();
    std::fs::write(&b, git_out(&dir, &["show", &format!("{newest}:{path}")])).unwrap();
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    for (name, args) in [
        ("nbdiff (whole notebooks)", vec![a, b]),
        ("nbdiff -s (sources only)", vec!["-s", a, b]),
    ] {
        let (t, peak) = run(3, Path::new("nbdiff"), &args, &pair);
        println!(
            "  {name:<34} {:>8.1} ms  peak {:>5.0} MB",
            common::ms(t),
            peak as f64 / 1e6
        );
    }
}

/// Runs a command to /dev/null: the best wall time of `n` and the highest peak memory.
fn run(n: usize, program: &Path, args: &[&str], dir: &Path) -> (Duration, u64) {
    let runs: Vec<(Duration, u64)> = (0..n)
        .map(|_| {
            common::measured(
                Command::new(program)
                    .args(args)
                    .current_dir(dir)
                    .env("GTM_CACHE_DIR", dir.join(".git").join("no-cache-here")),
            )
        })
        .collect();
    let best = runs.iter().map(|r| r.0).min().unwrap_or_default();
    let peak = runs.iter().map(|r| r.1).max().unwrap_or(0);
    (best, peak)
}

/// The notebook timeline's first frame with rows: the real walk thread, the app, drawn into
/// ratatui's TestBackend at 100×30 (the app's own work, not a terminal's). Best of 5.
fn first_frame(dir: &Path) -> Duration {
    use gtm_tui::tui::config::Config;
    use gtm_tui::tui::nb::{self, NbApp};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::layout::Rect;
    (0..5)
        .map(|_| {
            let start = Instant::now();
            let project = gtm_tui::repo::Project::open(dir, None).unwrap();
            let (tx, rx) = std::sync::mpsc::channel();
            let mut app = NbApp::new(&project.name, Config::defaults(), false, false);
            nb::spawn_walk(project, tx, 0);
            let mut t = Terminal::new(TestBackend::new(100, 30)).unwrap();
            loop {
                let msg = rx.recv().unwrap();
                let _ = app.handle(msg, Some(Rect::new(0, 0, 100, 30)));
                if !app.rows.is_empty() {
                    t.draw(|f| nb::view::render(&app, f)).unwrap();
                    return start.elapsed();
                }
            }
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    let bin = Path::new(env!("CARGO_BIN_EXE_gtm-tui"));
    big(bin);
    if std::env::var_os("GTM_NB_BIG_ONLY").is_some() {
        return;
    }
    let n = commits();
    let dir = repository(n);
    let git = Path::new("git");
    let size: u64 = std::fs::read_dir(dir.join(".git/objects/pack"))
        .unwrap()
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum();
    println!(
        "notebook repository: {n} commits, 20 notebooks of ~200 cells, pack {:.0} MB",
        size as f64 / 1e6
    );
    let (base, _) = run(
        3,
        git,
        &[
            "log",
            "--raw",
            "--no-abbrev",
            "--format=%H%x00%an%x00%at%x00%B",
        ],
        &dir,
    );
    println!(
        "  git log --raw                    {:>8.0} ms",
        common::ms(base)
    );
    println!(
        "  TUI first frame with rows        {:>8.1} ms",
        common::ms(first_frame(&dir))
    );
    let newest = String::from_utf8(
        Command::new("git")
            .args(["log", "-1", "--format=%H", "--", "*.ipynb"])
            .current_dir(&dir)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let newest = newest.trim().to_string();
    let cases: [(&str, Vec<&str>); 5] = [
        ("gtm-tui log (streamed)", vec!["log"]),
        (
            "gtm-tui log --limit 1 (first line)",
            vec!["log", "--limit", "1"],
        ),
        ("gtm-tui stats (whole history)", vec!["stats"]),
        (
            "gtm-tui export --cells --no-outputs",
            vec!["export", "--cells", "--no-outputs"],
        ),
        ("gtm-tui cell (one notebook)", vec!["cell", &newest]),
    ];
    for (name, args) in cases {
        let (t, peak) = run(3, bin, &args, &dir);
        println!(
            "  {name:<34} {:>8.0} ms  {:>5.2}× git log --raw  peak {:>5.0} MB",
            common::ms(t),
            t.as_secs_f64() / base.as_secs_f64(),
            peak as f64 / 1e6
        );
    }
}
