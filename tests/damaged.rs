//! Damaged repositories, one case per test: each gives a clear message and a
//! working CLI — exit 0 with the error on the affected record or detail, or
//! exit 2 with one clear sentence on stderr when the input is unusable.
//!
//! Covered elsewhere, not repeated here:
//! - a truncated log file (value or offset past the end) and a missing log
//!   family: `tests/bad_data.rs` (`bad_data_is_reported_where_it_is`);
//! - an empty repository (no commits), an unknown `--rev` and a path that is
//!   not a repository: `tests/cli.rs` (`clear_errors_and_exit_code_2`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::Command;

use common::gtm;
use gtm_tui::activity::DetailKey;
use gtm_tui::synth::{DetailSpec, ProjectWriter, RecordSpec, Workload, WriterOptions};

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn lfs_pointer_in_place_of_a_log_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = ProjectWriter::new(WriterOptions::default());
    // As in a project whose log files went through Git LFS without `git lfs
    // pull`: every commit holds the pointer, never the log itself.
    let pointer = format!(
        "version https://git-lfs.github.com/spec/v1\noid sha256:{}\nsize 123456\n",
        "ab".repeat(32)
    );
    let (file, _) = w.append_raw(pointer.as_bytes());
    let (family, n) = file.rsplit_once('_').unwrap();
    let key = DetailKey {
        family: family.to_string(),
        file_number: n.parse().unwrap(),
        offset: 4096,
        length: 300,
    }
    .encode();
    let mut r = RecordSpec::new(2, "Executed cell in notebook code/a.ipynb");
    r.details = vec![DetailSpec::RawLine(format!("2,1,0,{key},1"))];
    let rec = w.record(r);
    w.finish(dir.path()).unwrap();
    let p = dir.path().to_str().unwrap();

    let (code, out, err) = gtm(&["show", &rec.activity.to_string(), p]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Git LFS pointer"), "{out}");
    assert!(out.contains(&file), "the error names the file: {out}");
    let (code, out, err) = gtm(&["export", p]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Git LFS pointer"), "{out}");
    let (code, _, err) = gtm(&["log", p]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn shallow_clone_with_missing_parents() {
    let src = tempfile::tempdir().unwrap();
    common::workload(
        src.path(),
        Workload {
            records: 40,
            ..Workload::default()
        },
    );
    let dst = tempfile::tempdir().unwrap();
    let url = format!("file://{}", src.path().display());
    git(
        dst.path(),
        &["clone", "--quiet", "--depth", "5", &url, "shallow"],
    );
    let p = dst.path().join("shallow");
    let p = p.to_str().unwrap();

    let (code, out, err) = gtm(&["log", p]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.is_empty(), "the records that are there are listed");
    assert!(err.contains("history is incomplete"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// A project with one record holding `details`, written by hand.
fn one_record(dir: &Path, details: Vec<DetailSpec>) -> String {
    let mut w = ProjectWriter::new(WriterOptions::default());
    let mut r = RecordSpec::new(2, "Executed cell in notebook code/big.ipynb");
    r.details = details;
    let rec = w.record(r);
    w.finish(dir).unwrap();
    rec.activity.to_string()
}

#[test]
fn a_record_with_ten_thousand_details() {
    let dir = tempfile::tempdir().unwrap();
    let details = (0..10_000)
        .map(|i| DetailSpec::text(2, 1, "text/plain", format!("output {i}\n")))
        .collect();
    let commit = one_record(dir.path(), details);
    let p = dir.path().to_str().unwrap();

    let (code, out, err) = gtm(&["log", p]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 1, "{out}");
    let (code, out, err) = gtm(&["show", &commit, p]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("── detail 10000/10000"),
        "every detail is shown"
    );
    assert!(out.contains("    output 9999\n"));
    assert!(!out.contains("error"), "no detail fails");
    let (code, out, err) = gtm(&["export", p]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 1);
    assert!(out.contains("output 0") && out.contains("output 9999"));
}

#[test]
fn a_fifty_megabyte_text_output() {
    let dir = tempfile::tempdir().unwrap();
    let line = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-=+*/\n";
    let mut text = line.repeat(50_000_000 / line.len() + 1);
    text.push_str("the very end\n");
    let commit = one_record(
        dir.path(),
        vec![DetailSpec::text(2, 1, "text/plain", text.as_bytes())],
    );
    let p = dir.path().to_str().unwrap();

    let (code, out, err) = gtm(&["show", &commit, p]);
    assert_eq!(code, 0, "{err}");
    assert!(out.len() > 50_000_000, "the whole text is shown");
    assert!(out.contains("    the very end\n"));
    assert!(!out.contains("error"));
    let (code, out, err) = gtm(&["export", p]);
    assert_eq!(code, 0, "{err}");
    assert!(out.len() > 50_000_000);
    assert!(out.contains("the very end"));
}

#[test]
fn a_project_directory_without_read_permission() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    // Searchable by everyone, so that an unprivileged user gets as far as the
    // project and is refused there, not at the temp directory above it.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let proj = dir.path().join("project");
    common::workload(
        &proj,
        Workload {
            records: 20,
            ..Workload::default()
        },
    );
    let p = proj.to_str().unwrap();
    std::fs::set_permissions(&proj, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Root (as in CI) reads whatever the mode says, so there the binary runs
    // as `nobody` through util-linux's setpriv.
    let readable = std::fs::read_dir(&proj).is_ok();
    let result = if readable {
        as_nobody(&["log", p])
    } else {
        Some(gtm(&["log", p]))
    };
    std::fs::set_permissions(&proj, std::fs::Permissions::from_mode(0o755)).unwrap();
    let Some((code, out, err)) = result else {
        // Without setpriv nothing here can drop root's rights; `log` must
        // still work on the (readable to root) project.
        println!("note: running as root without a usable setpriv; only checked that log works");
        let (code, _, err) = gtm(&["log", p]);
        assert_eq!(code, 0, "{err}");
        return;
    };
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert_eq!(err.lines().count(), 1, "one sentence: {err}");
    assert!(err.contains(p), "{err}");
    assert!(err.to_lowercase().contains("permission"), "{err}");
}

/// Runs the binary as user and group 65534 (`nobody`) with no supplementary
/// groups, as `gtm(args)` would; `None` when that cannot be done here
/// (setpriv missing, or the binary out of that user's reach).
fn as_nobody(args: &[&str]) -> Option<(i32, String, String)> {
    let bin = env!("CARGO_BIN_EXE_gtm-tui");
    let run = |program: &str, args: &[&str]| {
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(program)
            .args(args)
            .env("TZ", "UTC")
            // Root's home is out of reach too; nothing should be read from it.
            .env("HOME", "/nonexistent")
            .output()
            .ok()
    };
    // The same user must be able to start the binary at all, or its refusal
    // would say nothing about the project directory.
    let probe = run(bin, &["--version"])?;
    if !probe.status.success() {
        return None;
    }
    let out = run(bin, args)?;
    Some((
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

/// Runs the binary in `dir` (for arguments relative to it).
fn gtm_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gtm-tui"))
        .args(args)
        .current_dir(dir)
        .env("TZ", "UTC")
        .env("GTM_CACHE_DIR", common::test_cache_dir())
        .output()
        .expect("binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The synth project's pack file.
fn pack_file(dir: &Path) -> std::path::PathBuf {
    std::fs::read_dir(dir.join(".git/objects/pack"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "pack"))
        .expect("synth writes a pack")
}

/// Turns the project's pack into loose objects, so that single objects can be removed.
fn unpack(dir: &Path) {
    let pack = pack_file(dir);
    let moved = dir.join("all.pack");
    std::fs::rename(&pack, &moved).unwrap();
    std::fs::remove_file(pack.with_extension("idx")).unwrap();
    let status = Command::new("git")
        .args(["unpack-objects", "-q"])
        .current_dir(dir)
        .stdin(std::fs::File::open(&moved).unwrap())
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::remove_file(moved).unwrap();
}

/// Removes one loose object.
fn remove_object(dir: &Path, id: &str) {
    let id = id.trim();
    std::fs::remove_file(dir.join(".git/objects").join(&id[..2]).join(&id[2..])).unwrap();
}

#[test]
fn a_truncated_pack_file() {
    let dir = tempfile::tempdir().unwrap();
    common::workload(
        dir.path(),
        Workload {
            records: 20,
            ..Workload::default()
        },
    );
    let pack = pack_file(dir.path());
    let len = std::fs::metadata(&pack).unwrap().len();
    let f = std::fs::OpenOptions::new().write(true).open(&pack).unwrap();
    f.set_len(len / 2).unwrap();
    let p = dir.path().to_str().unwrap();

    let (code, out, err) = gtm(&["log", p]);
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert_eq!(err.lines().count(), 1, "one sentence: {err}");
    assert!(!err.contains("unknown ref"), "{err}");
    assert!(
        err.contains("does not match its index"),
        "what git reports: {err}"
    );
}

#[test]
fn env_of_a_file_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("somefile.txt"), "hello\n").unwrap();
    // Outside a repository, and inside one.
    let (code, _, err) = gtm_in(dir.path(), &["env", "somefile.txt"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("somefile.txt is a file, not a project directory or a revision"),
        "{err}"
    );
    let proj = dir.path().join("project");
    common::workload(
        &proj,
        Workload {
            records: 10,
            ..Workload::default()
        },
    );
    std::fs::write(proj.join("somefile.txt"), "hello\n").unwrap();
    let (code, _, err) = gtm_in(&proj, &["env", "somefile.txt"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("somefile.txt is a file"), "{err}");
    // A directory is still the project, a revision still a revision.
    let (code, _, err) = gtm_in(dir.path(), &["env", "project"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = gtm_in(&proj, &["env", "HEAD"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_tag_pointing_to_a_tree_or_a_blob() {
    let dir = tempfile::tempdir().unwrap();
    common::workload(
        dir.path(),
        Workload {
            records: 10,
            ..Workload::default()
        },
    );
    let blob = git(dir.path(), &["rev-parse", "HEAD:.gigantum/project.yaml"]);
    git(dir.path(), &["tag", "treetag", "HEAD^{tree}"]);
    git(
        dir.path(),
        &["tag", "-a", "-m", "a blob", "blobtag", blob.trim()],
    );
    let p = dir.path().to_str().unwrap();
    for (tag, kind) in [("treetag", "tree"), ("blobtag", "blob")] {
        let (code, _, err) = gtm(&["log", "--rev", tag, p]);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains(&format!("'{tag}' points to a {kind}, not a commit")),
            "{err}"
        );
        let (code, _, err) = gtm(&["show", tag, p]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(&format!("points to a {kind}")), "{err}");
    }
}

#[test]
fn a_log_file_blob_missing_from_the_repository() {
    let dir = tempfile::tempdir().unwrap();
    let commit = one_record(
        dir.path(),
        vec![DetailSpec::text(2, 1, "text/plain", "42\n")],
    );
    unpack(dir.path());
    let listing = git(dir.path(), &["ls-tree", "HEAD", ".gigantum/activity/log/"]);
    let (meta, name) = listing.lines().next().unwrap().split_once('\t').unwrap();
    let id = meta.split_whitespace().nth(2).unwrap().to_string();
    remove_object(dir.path(), &id);
    let p = dir.path().to_str().unwrap();

    let (code, out, err) = gtm(&["show", &commit, p]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!(
            "{name}: its blob {id} is missing from the repository"
        )),
        "names the file and the object: {out}"
    );
}

/// What `stats`, `stuck`, `cell` and `diff` print on stderr for the project at `p`.
fn insight_warnings(p: &str, code_record: &str) -> Vec<String> {
    let mut errs = Vec::new();
    for args in [
        vec!["stats", p],
        vec!["stuck", p],
        vec!["cell", code_record, p],
        vec!["diff", code_record, p],
    ] {
        let (code, out, err) = gtm(&args);
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(!out.is_empty(), "{args:?}");
        errs.push(err);
    }
    errs
}

/// The newest code record of the project at `p` (full hash).
fn newest_code_record(p: &str) -> String {
    let (_, out, _) = gtm(&["log", "--json", p]);
    out.lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|r| {
            r["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("Executed cell in notebook"))
        })
        .map(|r| r["commit"].as_str().unwrap().to_string())
        .expect("a code record")
}

#[test]
fn insights_say_when_the_history_is_incomplete() {
    let src = tempfile::tempdir().unwrap();
    common::workload(
        src.path(),
        Workload {
            records: 60,
            ..Workload::default()
        },
    );
    // A shallow clone.
    let dst = tempfile::tempdir().unwrap();
    let url = format!("file://{}", src.path().display());
    git(
        dst.path(),
        &["clone", "--quiet", "--depth", "30", &url, "shallow"],
    );
    let p = dst.path().join("shallow");
    let p = p.to_str().unwrap();
    let code_record = newest_code_record(p);
    for err in insight_warnings(p, &code_record) {
        assert!(err.contains("history is incomplete"), "{err}");
        assert!(err.contains("shallow clone"), "{err}");
    }

    // A commit object that cannot be read, halfway down the history.
    unpack(src.path());
    let p = src.path().to_str().unwrap();
    let code_record = newest_code_record(p);
    let gone = git(src.path(), &["rev-parse", "HEAD~40"]);
    remove_object(src.path(), &gone);
    for err in insight_warnings(p, &code_record) {
        assert!(err.contains("history is incomplete"), "{err}");
        assert!(err.contains(gone.trim()), "names the object: {err}");
    }
}

#[test]
fn log_marks_a_record_whose_detail_line_is_broken() {
    let dir = tempfile::tempdir().unwrap();
    one_record(dir.path(), vec![DetailSpec::RawLine("2,1,0".to_string())]);
    let p = dir.path().to_str().unwrap();
    let (code, out, err) = gtm(&["log", p]);
    assert_eq!(code, 0, "{err}");
    assert!(out.trim_end().ends_with("!"), "{out}");
    let (_, out, _) = gtm(&["log", "--json", p]);
    let line: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert!(
        line["error"].as_str().unwrap().contains("3 fields"),
        "{line}"
    );
}
