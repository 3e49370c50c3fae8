//! Shared helpers for integration tests: synth projects in temp dirs and the binary.

#![allow(dead_code)]
// Test helpers fail the test on purpose when their setup fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub mod longlines;
pub mod nbtime;
pub mod screens;

use gtm_tui::synth::{Workload, Written};

pub fn workload(dir: &Path, w: Workload) -> Written {
    w.generate(dir).expect("synth writes the project")
}

/// Where the binary run by the tests keeps its lineage cache: under
/// target/, so tests never write the user's cache directory.
pub fn test_cache_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("test-cache")
}

/// Runs the real binary with args; returns (exit code, stdout, stderr).
pub fn gtm(args: &[&str]) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(env!("CARGO_BIN_EXE_gtm-tui"))
        .args(args)
        .env("TZ", "UTC")
        // The lineage cache under target/, not the user's cache directory.
        .env("GTM_CACHE_DIR", test_cache_dir())
        .output()
        .expect("binary runs");
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

/// A new record (a note, linked to the head) committed on top of a
/// project's current branch, as the client would have done later.
pub fn push_record(project: &Path, message: &str, (name, email): (&str, &str)) {
    let repo = git2::Repository::open(project).expect("the project opens");
    let head = repo
        .head()
        .and_then(|h| h.peel_to_commit())
        .expect("a head commit");
    let record = gtm_tui::activity::Record {
        message: message.into(),
        meta: gtm_tui::activity::RecordMeta {
            show: true,
            linked_commit: head.id().to_string(),
            ..Default::default()
        },
        ..Default::default()
    };
    let sig = git2::Signature::now(name, email).expect("a signature");
    let tree = head.tree().expect("the head's tree");
    repo.commit(
        Some("HEAD"),
        &sig,
        &sig,
        &record.to_message(),
        &tree,
        &[&head],
    )
    .expect("the commit is written");
}

/// The entries of `dir`, sorted; none when it cannot be read.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(d) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = d.map(|e| e.unwrap().path()).collect();
    out.sort();
    out
}

/// Every file under `dir`, with its bytes (a directory with none).
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut all = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p.clone());
                all.insert(p, Vec::new());
            } else {
                all.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    all
}

/// Runs the binary with its caches in `cache`; its stdout, once it succeeded.
pub fn gtm_with_cache(cache: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_gtm-tui"))
        .args(args)
        .env("TZ", "UTC")
        .env("NO_COLOR", "1")
        .env("GTM_CACHE_DIR", cache)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
