//! The binary as a user runs it: opening projects, refs, exit codes, log/show/export output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::gtm;
use gtm_tui::synth::{DetailSpec, ProjectWriter, RecordSpec, Workload, WriterOptions};

fn small(dir: &std::path::Path, w: Workload) -> gtm_tui::synth::Written {
    common::workload(dir, Workload { records: 60, ..w })
}

#[test]
fn clear_errors_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().to_str().unwrap();
    let (code, out, err) = gtm(&["log", p]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert_eq!(err.lines().count(), 1);
    assert!(
        err.contains(p) && err.contains("not inside a git repository"),
        "{err}"
    );

    git2::Repository::init(dir.path()).unwrap();
    let (code, _, err) = gtm(&["log", p]);
    assert_eq!(code, 2);
    assert!(err.contains("has no commits"), "{err}");

    // A repository whose commits are not activity records.
    let mut w = ProjectWriter::new(WriterOptions::default());
    w.write_file("code/x.py", b"print(1)\n");
    w.raw_commit(b"Auto-commit from activity monitoring");
    let plain = tempfile::tempdir().unwrap();
    w.finish(plain.path()).unwrap();
    let pp = plain.path().to_str().unwrap();
    let (code, _, err) = gtm(&["log", pp]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no Gigantum activity records") && err.contains("HEAD"),
        "{err}"
    );

    let proj = tempfile::tempdir().unwrap();
    small(proj.path(), Workload::default());
    let pp = proj.path().to_str().unwrap();
    let (code, _, err) = gtm(&["log", "--rev", "no-such-branch", pp]);
    assert_eq!(code, 2);
    assert!(err.contains("'no-such-branch'"), "{err}");
    let (code, _, err) = gtm(&["show", "deadbeef", pp]);
    assert_eq!(code, 2);
    assert!(err.contains("deadbeef"), "{err}");
}

#[test]
fn finds_the_repository_like_git_and_reads_bare_and_worktree_less_clones() {
    let dir = tempfile::tempdir().unwrap();
    let written = small(
        dir.path(),
        Workload {
            branches: false,
            ..Workload::default()
        },
    );
    let n = written.records.len();
    let root = dir.path().to_str().unwrap();
    let (code, out, _) = gtm(&["log", root]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), n);

    let sub = dir.path().join("code");
    assert!(sub.is_dir());
    let (_, from_sub, _) = gtm(&["log", sub.to_str().unwrap()]);
    assert_eq!(from_sub, out, "walks up from a subdirectory");

    // The work tree gone, only .git left.
    for e in std::fs::read_dir(dir.path()).unwrap() {
        let e = e.unwrap();
        if e.file_name() != ".git" {
            let p = e.path();
            if p.is_dir() {
                std::fs::remove_dir_all(p).unwrap()
            } else {
                std::fs::remove_file(p).unwrap()
            }
        }
    }
    let (code, without, _) = gtm(&["log", root]);
    assert_eq!(code, 0);
    assert_eq!(without, out);

    let bare = tempfile::tempdir().unwrap();
    let wb = small(
        bare.path(),
        Workload {
            bare: true,
            branches: false,
            ..Workload::default()
        },
    );
    let (code, out, err) = gtm(&["log", bare.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), wb.records.len());
}

#[test]
fn rev_picks_a_workspace_branch() {
    let dir = tempfile::tempdir().unwrap();
    let written = common::workload(
        dir.path(),
        Workload {
            records: 150,
            merge_probability: 0.0,
            ..Workload::default()
        },
    );
    let p = dir.path().to_str().unwrap();
    let ws = written
        .branches
        .iter()
        .map(|(b, _)| b.as_str())
        .find(|b| b.starts_with("gm.workspace-"))
        .expect("a workspace branch");
    let (code, out, _) = gtm(&["log", "--json", "--rev", ws, p]);
    assert_eq!(code, 0);
    let commits: Vec<String> = out
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["commit"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    for r in written.on_branch(ws) {
        assert!(
            commits.contains(&r.activity.to_string()),
            "record on {ws} listed"
        );
    }
    let (_, master, _) = gtm(&["log", "--json", p]);
    let on_ws_only = written.on_branch(ws).next().unwrap().activity.to_string();
    assert!(
        !master.contains(&on_ws_only),
        "unmerged work is not on master"
    );
}

#[test]
fn log_show_and_export_output() {
    let dir = tempfile::tempdir().unwrap();
    let written = small(
        dir.path(),
        Workload {
            image_every: 2,
            ..Workload::default()
        },
    );
    let p = dir.path().to_str().unwrap();

    let (code, out, _) = gtm(&["log", "--limit", "3", p]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3);
    let (_, all, _) = gtm(&["log", "--json", p]);
    let all: Vec<serde_json::Value> = all
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let times: Vec<&str> = all.iter().map(|v| v["time"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let newest_id = all[0]["commit"].as_str().unwrap();
    let newest = written
        .records
        .iter()
        .find(|r| r.activity.to_string() == newest_id)
        .unwrap();
    let first = lines[0];
    assert!(
        first.starts_with(&newest.activity.to_string()[..7]),
        "{first}"
    );
    assert!(first.contains(&newest.message), "{first}");
    assert!(
        first.ends_with(&format!("[{}]", newest.details.len())),
        "{first}"
    );

    let (_, json, _) = gtm(&["log", "--json", "--limit", "1", p]);
    let v: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    for f in [
        "commit", "time", "author", "email", "type", "type_id", "message", "details", "error",
    ] {
        assert!(v.get(f).is_some(), "log --json has {f}");
    }

    let (code, jsonl, _) = gtm(&["export", p]);
    assert_eq!(code, 0);
    let (_, arr, _) = gtm(&["export", "--format", "json", p]);
    let arr: Vec<serde_json::Value> = serde_json::from_str(&arr).unwrap();
    let lines: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(arr, lines, "json and jsonl hold the same records");
    let rec_fields = [
        "commit",
        "linked_commit",
        "time",
        "author",
        "type",
        "type_id",
        "message",
        "show",
        "importance",
        "tags",
        "error",
        "details",
    ];
    let det_fields = [
        "type",
        "type_id",
        "action",
        "action_id",
        "show",
        "importance",
        "tags",
        "key",
        "error",
        "content",
    ];
    let mut image = None;
    for r in &lines {
        for f in rec_fields {
            assert!(r.get(f).is_some(), "record has {f}");
        }
        assert!(r["time"].as_str().unwrap().ends_with('Z'));
        for d in r["details"].as_array().unwrap() {
            for f in det_fields {
                assert!(d.get(f).is_some(), "detail has {f}");
            }
            for c in d["content"].as_array().unwrap() {
                if c.get("image").is_some() {
                    image = Some((
                        r["commit"].as_str().unwrap().to_string(),
                        c["image"].clone(),
                    ));
                }
            }
        }
    }
    let (commit, img) = image.expect("an image output");
    assert_eq!(img["format"], "jpeg");
    assert_eq!(img["sha256"].as_str().unwrap().len(), 64);

    let (code, show, _) = gtm(&["show", &commit[..10], p]);
    assert_eq!(code, 0);
    assert!(show.starts_with(&format!("commit   {commit}")));
    let dims = format!("jpeg image {}×{}", img["width"], img["height"]);
    assert!(show.contains(&dims), "{show}");
    assert!(show.contains("code_executed (3)"), "{show}");

    let auto = written.records.iter().find_map(|r| r.auto).unwrap();
    let (code, _, err) = gtm(&["show", &auto.to_string(), p]);
    assert_eq!(code, 2);
    assert!(err.contains("not a Gigantum activity record"), "{err}");
}

#[test]
fn details_fall_back_to_the_records_own_commit() {
    // The log file is deleted later in history: older details must still read.
    let dir = tempfile::tempdir().unwrap();
    let mut w = ProjectWriter::new(WriterOptions::default());
    let first = w.record({
        let mut r = RecordSpec::new(2, "Executed cell in notebook code/a.ipynb");
        r.details = vec![DetailSpec::text(2, 1, "text/plain", "early output")];
        r
    });
    let family = w.families()[0].clone();
    w.remove_file(&format!(".gigantum/activity/log/{family}_0"));
    w.raw_commit(b"Remove the old log");
    w.use_family(0);
    w.finish(dir.path()).unwrap();
    let (code, out, err) = gtm(&[
        "show",
        &first.activity.to_string(),
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("early output"), "{out}");
    assert!(!out.contains("error"), "{out}");
}

#[test]
fn config_prints_defaults_that_load_back() {
    let (code, out, _) = gtm(&["config"]);
    assert_eq!(code, 0);
    assert!(out.contains("[keys]") && out.contains("[theme]"), "{out}");
    assert!(out.contains("down = [\"j\", \"down\"]"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config.toml");
    std::fs::write(&file, &out).unwrap();
    let loaded = gtm_tui::tui::config::Config::load_from(&file).unwrap();
    assert!(loaded == gtm_tui::tui::config::Config::defaults());
}

#[test]
fn without_a_terminal_the_default_command_prints_the_log() {
    let dir = tempfile::tempdir().unwrap();
    small(dir.path(), Workload::default());
    let p = dir.path().to_str().unwrap();
    let (code, out, _) = gtm(&[p]);
    let (_, log, _) = gtm(&["log", p]);
    assert_eq!(code, 0);
    assert_eq!(out, log);
}

#[test]
fn show_saves_images_without_overwriting() {
    let dir = tempfile::tempdir().unwrap();
    let written = small(
        dir.path(),
        Workload {
            image_every: 2,
            ..Workload::default()
        },
    );
    let p = dir.path().to_str().unwrap();
    let rec = written
        .records
        .iter()
        .find(|r| {
            r.details
                .iter()
                .any(|d| d.entries.iter().any(|e| e.mime.starts_with("image/")))
        })
        .expect("a record with an image");
    let out_dir = tempfile::tempdir().unwrap();
    let target = out_dir.path().join("imgs");
    let t = target.to_str().unwrap();
    let commit = rec.activity.to_string();
    for _ in 0..2 {
        let (code, out, err) = gtm(&["show", &commit, "--save-images", t, p]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("saved to"), "{out}");
    }
    let mut files: Vec<_> = std::fs::read_dir(&target)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let images = rec
        .details
        .iter()
        .flat_map(|d| &d.entries)
        .filter(|e| e.mime.starts_with("image/"))
        .count();
    assert_eq!(
        files.len(),
        2 * images,
        "the second run wrote new names: {files:?}"
    );
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        assert!(
            gtm_tui::activity::image::sniff(&bytes).is_some(),
            "{f:?} is an image"
        );
    }
}

#[test]
fn cell_lists_runs_and_diff_compares_with_the_previous_one() {
    use gtm_tui::lineage;
    use gtm_tui::repo::Project;
    let dir = tempfile::tempdir().unwrap();
    small(
        dir.path(),
        Workload {
            records: 150,
            seed: 3,
            r_console: false,
            ..Workload::default()
        },
    );
    let p = dir.path().to_str().unwrap();
    let project = Project::open(dir.path(), None).unwrap();
    let rows = project.records().unwrap();
    let l = lineage::build(&project, &rows, None);
    // An edited re-run: a previous run with other code.
    let (i, prev) = (0..l.executions.len())
        .find_map(|i| {
            let prev = l.previous(i)?;
            (l.executions[prev].source != l.executions[i].source).then_some((i, prev))
        })
        .expect("the workload edits some cell");
    let e = &l.executions[i];
    let cell = l.cell_of(i).unwrap();
    let commit = e.commit.to_string();
    let ex = e.ex.unwrap().to_string();

    let (code, out, err) = gtm(&["cell", &commit, "--ex", &ex, "--json", p]);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["cell"], cell.id.as_str());
    let runs = doc["runs"].as_array().unwrap();
    assert_eq!(runs.len(), cell.runs.len());
    let nums: Vec<u64> = runs.iter().map(|r| r["run"].as_u64().unwrap()).collect();
    assert!(
        nums.windows(2).all(|w| w[0] > w[1]),
        "newest first: {nums:?}"
    );
    let this = runs
        .iter()
        .find(|r| r["commit"] == commit.as_str())
        .unwrap();
    assert_eq!(this["code_changed"], true);
    assert!(this["added"].as_u64().unwrap() + this["removed"].as_u64().unwrap() > 0);

    let (code, out, _) = gtm(&["cell", &commit, "--ex", &ex, p]);
    assert_eq!(code, 0);
    assert!(out.starts_with(&cell.id), "{out}");
    let marked = out.lines().find(|l| l.starts_with('>')).unwrap();
    assert!(
        marked.contains(&commit[..7]) && marked.contains(&format!("[{ex}]")),
        "{out}"
    );

    let (code, out, _) = gtm(&["diff", &commit, "--ex", &ex, p]);
    assert_eq!(code, 0);
    assert!(
        out.contains(&l.executions[prev].commit.to_string()[..7]),
        "{out}"
    );
    assert!(out.contains("── code: +"), "{out}");
    assert!(!out.contains('\x1b'), "plain when not a terminal");
    let (_, unified, _) = gtm(&["diff", &commit, "--ex", &ex, "--unified", p]);
    assert!(
        unified
            .lines()
            .any(|l| l.contains(" + ") || l.contains(" - ")),
        "{unified}"
    );

    // export puts the same cell and run on each detail of the execution.
    let (code, out, _) = gtm(&["export", "--cells", p]);
    assert_eq!(code, 0);
    let rec: serde_json::Value = out
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|r| r["commit"] == commit.as_str())
        .unwrap();
    let tagged: Vec<&serde_json::Value> = rec["details"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| {
            d["tags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| *t == format!("ex:{ex}").as_str())
        })
        .collect();
    assert!(!tagged.is_empty());
    for d in tagged {
        assert_eq!(d["cell"], cell.id.as_str());
        assert_eq!(d["run"], u64::from(l.run[i]));
    }
    let (_, plain, _) = gtm(&["export", p]);
    assert!(!plain.contains("\"cell\""));
    assert_eq!(plain.lines().count(), out.lines().count());

    // A record that ran no code says so, exit 2.
    let other = rows
        .iter()
        .find(|r| lineage::notebook_of(&r.record.message).is_none())
        .unwrap();
    let (code, _, err) = gtm(&["diff", &other.commit.to_string(), p]);
    assert_eq!(code, 2);
    assert!(err.contains("not a code record"), "{err}");
    let (code, _, err) = gtm(&["cell", &commit, "--ex", "9999", p]);
    assert_eq!(code, 2);
    assert!(err.contains("no execution In [9999]"), "{err}");
}

#[test]
fn diff_says_what_happened_when_only_the_output_changed() {
    use gtm_tui::between::between;
    use gtm_tui::lineage;
    use gtm_tui::repo::Project;
    let dir = tempfile::tempdir().unwrap();
    small(
        dir.path(),
        Workload {
            records: 400,
            seed: 7,
            r_console: false,
            ..Workload::default()
        },
    );
    let p = dir.path().to_str().unwrap();
    let project = Project::open(dir.path(), None).unwrap();
    let rows = project.records().unwrap();
    let l = lineage::build(&project, &rows, None);
    // Same code as the run before, other output, and something recorded in between.
    let (i, prev, b) = (0..l.executions.len())
        .find_map(|i| {
            let prev = l.previous(i)?;
            let (e, pe) = (&l.executions[i], &l.executions[prev]);
            if e.source != pe.source || e.outputs == pe.outputs {
                return None;
            }
            let b = between(&l, &rows, prev, i);
            (!b.environment.is_empty() || !b.files.is_empty()).then_some((i, prev, b))
        })
        .expect("a re-run whose output changed after an upload or package change");
    assert!(b.complete);
    // Everything listed lies between the two runs in time.
    let (t0, t1) = (l.executions[prev].time, l.executions[i].time);
    for c in b.environment.iter().chain(&b.files) {
        assert!(c.time >= t0 && c.time <= t1, "{c:?}");
    }
    for &k in &b.other_runs {
        assert!(k > prev && k < i && l.cell[k] != l.cell[i]);
    }
    let e = &l.executions[i];
    let (code, out, err) = gtm(&[
        "diff",
        &e.commit.to_string(),
        "--ex",
        &e.ex.unwrap().to_string(),
        p,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("── code: same"), "{out}");
    assert!(out.contains("why did the output change?"), "{out}");
    let first = b.environment.first().or(b.files.first()).unwrap();
    assert!(out.contains(&first.message), "{out}");

    // An edited run does not get the section.
    let edited = (0..l.executions.len())
        .find(|&k| {
            l.previous(k)
                .is_some_and(|p| l.executions[p].source != l.executions[k].source)
        })
        .unwrap();
    let e = &l.executions[edited];
    let (_, out, _) = gtm(&[
        "diff",
        &e.commit.to_string(),
        "--ex",
        &e.ex.unwrap().to_string(),
        p,
    ]);
    assert!(!out.contains("why did"), "{out}");
}

#[test]
fn a_url_is_cloned_into_the_cache_once_and_reused() {
    let src = tempfile::tempdir().unwrap();
    small(
        src.path(),
        Workload {
            records: 40,
            ..Workload::default()
        },
    );
    let cache = tempfile::tempdir().unwrap();
    let url = format!("file://{}", src.path().display());
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_gtm-tui"))
            .args(args)
            .env("TZ", "UTC")
            .env(gtm_tui::clone::CACHE_ENV, cache.path())
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, first, err) = run(&["log", &url]);
    assert_eq!(code, 0, "{err}");
    assert!(first.lines().count() >= 40, "{first}");
    let (_, local, _) = gtm(&["log", src.path().to_str().unwrap()]);
    assert_eq!(first, local, "the copy reads like the original");
    let copies: Vec<_> = std::fs::read_dir(cache.path()).unwrap().collect();
    assert_eq!(copies.len(), 1, "one folder per URL");

    // A new commit upstream arrives with the next open, in the same copy.
    common::push_record(
        src.path(),
        "Pushed later",
        ("Alice Example", "alice@example.com"),
    );
    let (code, second, _) = run(&["log", &url]);
    assert_eq!(code, 0);
    assert_eq!(second.lines().count(), first.lines().count() + 1);
    assert!(second.lines().next().unwrap().contains("Pushed later"));
    assert_eq!(std::fs::read_dir(cache.path()).unwrap().count(), 1);

    // A URL that cannot be cloned: one sentence, exit 2, nothing left behind.
    let (code, _, err) = run(&["log", "file:///nonexistent/gtm-tui-nothing-here"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cloning file:///nonexistent"), "{err}");
    assert_eq!(std::fs::read_dir(cache.path()).unwrap().count(), 1);
}

/// Global flags go before or after the command; a path before the command
/// is refused with the right order, not silently replaced by ".".
#[test]
fn global_flags_on_either_side_of_the_command() {
    let dir = tempfile::tempdir().unwrap();
    small(dir.path(), Workload::default());
    let p = dir.path().to_str().unwrap();
    let (code, after, _) = gtm(&["stats", "--ascii", p]);
    assert_eq!(code, 0);
    let (code, before, err) = gtm(&["--ascii", "stats", p]);
    assert_eq!((code, &before), (0, &after), "{err}");
    let (code, one, _) = gtm(&["--rev", "HEAD", "log", "--limit", "1", p]);
    assert_eq!((code, one.lines().count()), (0, 1));
    let (code, out, err) = gtm(&[p, "log"]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(
        err.contains("the path goes after the command") && err.contains(p),
        "{err}"
    );
}

#[test]
fn completions_for_every_shell_and_a_man_page_with_the_keys() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let (code, out, err) = common::gtm(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        assert!(out.contains("gtm-tui"), "{shell}: {out}");
    }
    // The bash script offers every subcommand.
    let (_, bash, _) = common::gtm(&["completions", "bash"]);
    for sub in [
        "log",
        "show",
        "cell",
        "diff",
        "files",
        "env",
        "demo",
        "config",
        "export",
        "stuck",
        "stats",
        "completions",
        "man",
    ] {
        assert!(
            bash.split_whitespace().any(|w| w == sub),
            "bash completion lacks {sub}"
        );
    }
    let (code, _, err) = common::gtm(&["completions", "tcsh"]);
    assert_eq!(code, 2, "an unknown shell is a usage error: {err}");
    assert!(err.contains("tcsh"), "{err}");

    let (code, man, err) = common::gtm(&["man"]);
    assert_eq!(code, 0, "{err}");
    assert!(man.contains(".TH gtm-tui 1"), "{man}");
    for section in [".SH SYNOPSIS", ".SH OPTIONS", ".SH SUBCOMMANDS", ".SH KEYS"] {
        assert!(man.contains(section), "{section} missing");
    }
    // The keys come from the key map, roff-escaped.
    assert!(man.contains("Move down one record"), "{man}");
    assert!(man.contains("Ctrl\\-O"), "{man}");
    assert!(
        !man.lines()
            .any(|l| l.starts_with(".k") || l.starts_with("'")),
        "no description starts a roff request"
    );
}

/// `demo` says where it wrote the project, reads it (the plain log: stdout is a pipe) and
/// removes it at the end unless `--keep`; a directory named with `--into` stays.
#[test]
fn demo_removes_its_project_on_exit_unless_kept() {
    let run = |tmp: &std::path::Path, args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_gtm-tui"))
            .args(args)
            .env("TMPDIR", tmp)
            .env("TZ", "UTC")
            .env("GTM_CACHE_DIR", common::test_cache_dir())
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let left = |tmp: &std::path::Path| std::fs::read_dir(tmp).unwrap().count();
    let tmp = tempfile::tempdir().unwrap();
    let (log, said) = run(tmp.path(), &["demo"]);
    assert!(log.lines().count() > 100, "the demo's log: {log}");
    assert!(said.contains("demo project written to"), "{said}");
    assert!(said.contains("removed on exit; --keep keeps it"), "{said}");
    assert_eq!(left(tmp.path()), 0, "removed");

    let (_, said) = run(tmp.path(), &["demo", "--keep"]);
    assert!(said.contains("try: gtm-tui show"), "{said}");
    assert_eq!(left(tmp.path()), 1, "kept");

    let named = tmp.path().join("mine");
    let (_, _) = run(tmp.path(), &["demo", "--into", named.to_str().unwrap()]);
    assert!(named.join(".git").exists(), "a directory named is kept");
}

#[test]
fn diff_pixels_counts_the_pixels_that_differ() {
    let dir = tempfile::tempdir().unwrap();
    let project = common::screens::picture_runs(dir.path());
    let rows = project.records().unwrap();
    let l = gtm_tui::lineage::build(&project, &rows, None);
    let second = l.executions.iter().find(|e| e.ex == Some(2)).unwrap();
    let (commit, p) = (second.commit.to_string(), dir.path().to_str().unwrap());
    let (code, out, err) = gtm(&["diff", &commit, "--ex", "2", "--pixels", p]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("── image 1: changed"), "{out}");
    assert!(
        out.contains("16 of 1,800 pixels differ (0.9%) · in 6×4 at 10,8"),
        "{out}"
    );
    let (_, without, _) = gtm(&["diff", &commit, "--ex", "2", p]);
    assert!(
        !without.contains("pixels differ"),
        "only when asked: {without}"
    );
}

/// `--color always|never` beat the environment; `auto` colours a pipe only with
/// `CLICOLOR_FORCE`, and never with `NO_COLOR` set.
#[test]
fn color_flag_and_the_environment_decide_colour() {
    let dir = tempfile::tempdir().unwrap();
    gtm_tui::synth::demo::write(dir.path()).unwrap();
    let p = dir.path().to_str().unwrap();
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_gtm-tui"));
        cmd.args(args)
            .env("TZ", "UTC")
            .env("GTM_CACHE_DIR", common::test_cache_dir())
            .env("GTM_TUI_CONFIG", "/nonexistent/gtm-tui-test.toml")
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // The newest record's second line is a run of a cell run before: a diff to colour.
    let log = run(&["log", "--limit", "2", p], &[]);
    let hash = log
        .lines()
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_string();
    let coloured = |s: &str| s.contains("\x1b[");
    let diff = |extra: &[&str], env: &[(&str, &str)]| {
        let mut args = vec!["diff", hash.as_str()];
        args.extend_from_slice(extra);
        args.push(p);
        run(&args, env)
    };
    assert!(!coloured(&diff(&[], &[])), "a pipe, auto: plain");
    assert!(coloured(&diff(&["--color", "always"], &[])));
    assert!(coloured(&diff(
        &["--color", "always"],
        &[("NO_COLOR", "1")]
    )));
    assert!(coloured(&diff(&[], &[("CLICOLOR_FORCE", "1")])));
    assert!(!coloured(&diff(&[], &[("CLICOLOR_FORCE", "0")])));
    assert!(!coloured(&diff(
        &[],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]
    )));
    assert!(!coloured(&diff(
        &["--color", "never"],
        &[("CLICOLOR_FORCE", "1")]
    )));
    // The flag goes before the command too, and only the three words are taken.
    let before = run(&["--color", "always", "diff", &hash, p], &[]);
    assert!(coloured(&before));
    let (code, _, err) = common::gtm(&["--color", "sometimes", "log", p]);
    assert_eq!(code, 2, "{err}");
}
