//! The `env` command over a repository of notebooks in plain git: what its ordinary
//! environment files declare at a commit, and what changed between two commits, as text and
//! JSON, on a repository built here with git2.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use git2::{Oid, Repository, Signature, Time};
use gtm_tui::commands::env::EnvLook;
use gtm_tui::commands::nbenv;
use gtm_tui::env::files::{MAX_FILES, read_tree};
use gtm_tui::repo::Project;

/// Writes `files` (path, contents; `None` deletes) into the work tree and commits them all.
fn commit(repo: &Repository, files: &[(&str, Option<&[u8]>)], message: &str, when: i64) -> Oid {
    let root = repo.workdir().unwrap().to_path_buf();
    for (path, bytes) in files {
        let p = root.join(path);
        match bytes {
            Some(b) => {
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(&p, b).unwrap();
            }
            None => std::fs::remove_file(&p).unwrap(),
        }
    }
    let mut index = repo.index().unwrap();
    index
        .add_all(["*"], git2::IndexAddOption::FORCE, None)
        .unwrap();
    index.update_all(["*"], None).unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = Signature::new("Ada", "ada@example.org", &Time::new(when, 0)).unwrap();
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
        .unwrap()
}

const NOTEBOOK: &[u8] = br#"{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}"#;

/// Three commits: a notebook alone; then three environment files; then versions changed,
/// packages added and removed, a broken Pipfile and a file too large to read.
fn history(dir: &Path) -> (Oid, Oid, Oid) {
    let repo = Repository::init(dir).unwrap();
    let c0 = commit(
        &repo,
        &[("analysis.ipynb", Some(NOTEBOOK))],
        "a notebook",
        1_700_000_000,
    );
    let c1 = commit(
        &repo,
        &[
            (
                "requirements.txt",
                Some(b"numpy==1.24.0\npandas>=1.3,<2\nsix==1.16.0\n-r dev.txt\n"),
            ),
            (
                "environment.yml",
                Some(
                    b"name: demo\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.10\n  \
                      - scipy=1.10\n  - pip:\n    - flask==2.0.1\n",
                ),
            ),
            (
                "pyproject.toml",
                Some(
                    b"[project]\nname = \"demo\"\ndependencies = [\"requests>=2.28\", \"rich\"]\n",
                ),
            ),
            // Copies that are not the project's own.
            ("node_modules/x/requirements.txt", Some(b"leftpad==1\n")),
            (".ipynb_checkpoints/requirements.txt", Some(b"old==1\n")),
            ("venv/lib/site-packages/y/setup.py", Some(b"setup()\n")),
        ],
        "declare the environment",
        1_700_000_600,
    );
    let huge = vec![b'#'; 5 << 20];
    let c2 = commit(
        &repo,
        &[
            (
                "requirements.txt",
                Some(b"numpy==1.26.4\npandas>=1.3,<2\nmatplotlib>=3.8\n==oops\n"),
            ),
            (
                "environment.yml",
                Some(
                    b"name: demo\ndependencies:\n  - python=3.11\n  - scipy=1.10\n  - pip:\n    \
                      - flask==2.0.1\n",
                ),
            ),
            (
                "pyproject.toml",
                Some(
                    b"[project]\nname = \"demo\"\ndependencies = [\"requests>=2.28\", \
                      \"rich>=13\", \"httpx\"]\n",
                ),
            ),
            ("Pipfile", Some(b"[packages]\nnumpy = \"==1.26")),
            ("data/requirements-huge.txt", Some(&huge)),
        ],
        "upgrade numpy and python, add matplotlib, drop six",
        1_700_001_200,
    );
    (c0, c1, c2)
}

fn run(project: &Project, commit: Option<&str>, diff: Option<&str>, json: bool) -> String {
    let mut out = Vec::new();
    nbenv::env(
        project,
        commit,
        diff,
        EnvLook { json, ascii: false },
        &mut out,
    )
    .unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn the_declared_environment_at_commits_and_between_them() {
    let dir = tempfile::tempdir().unwrap();
    let (c0, c1, c2) = history(dir.path());
    let project = Project::open(dir.path(), None).unwrap();
    let (s0, s1, s2) = (c0.to_string(), c1.to_string(), c2.to_string());

    // No environment files yet.
    let text = run(&project, Some(&s0), None, false);
    assert!(
        text.contains("no environment files at this commit"),
        "{text}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&run(&project, Some(&s0), None, true)).unwrap();
    assert_eq!(json["files"], serde_json::json!([]));
    assert_eq!(json["commit"], s0.as_str());

    // The three files, and none of the copies under node_modules, checkpoints or venv.
    let text = run(&project, Some(&s1), None, false);
    assert!(text.contains("declare the environment"), "{text}");
    assert!(text.contains("3 environment files, 8 packages"), "{text}");
    assert!(
        text.contains("\nrequirements.txt  pip  3 packages\n"),
        "{text}"
    );
    assert!(text.contains("    numpy   ==1.24.0"), "{text}");
    assert!(text.contains("    pandas  >=1.3,<2"), "{text}");
    assert!(
        text.contains("  note: line 4: requirements from `dev.txt`, not followed"),
        "{text}"
    );
    assert!(
        text.contains("\nenvironment.yml  conda  3 packages\n"),
        "{text}"
    );
    assert!(text.contains("    flask   ==2.0.1  [pip]"), "{text}");
    assert!(text.contains("    rich      (any version)"), "{text}");
    for copy in [
        "leftpad",
        "old",
        "node_modules",
        "checkpoints",
        "site-packages",
    ] {
        assert!(!text.contains(copy), "{copy} in {text}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&run(&project, Some(&s1), None, true)).unwrap();
    assert_eq!(json["source"], "notebooks");
    let files = json["files"].as_array().unwrap();
    let paths: Vec<&str> = files.iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(
        paths,
        ["environment.yml", "pyproject.toml", "requirements.txt"]
    );
    let numpy = &files[2]["packages"][0];
    assert_eq!(numpy["name"], "numpy");
    assert_eq!(numpy["spec"], "==1.24.0");
    assert_eq!(numpy["version"], "1.24.0");
    assert_eq!(files[0]["packages"][2]["manager"], "pip");

    // The tip by default: the broken Pipfile and the huge file are errors, not panics.
    let text = run(&project, None, None, false);
    assert!(text.contains(&s2[..7]), "{text}");
    assert!(text.contains("error: Pipfile: line 2: not TOML"), "{text}");
    assert!(text.contains("error: requirements.txt: line 4:"), "{text}");
    assert!(
        text.contains("error: data/requirements-huge.txt: 5242880 bytes, more than the 4 MB"),
        "{text}"
    );

    // c1 → c2.
    let text = run(&project, Some(&s2), Some(&s1), false);
    assert!(
        text.starts_with(&format!("environment {} → {}\n", &s1[..7], &s2[..7])),
        "{text}"
    );
    assert!(
        text.contains("packages: 2 added, 1 removed, 3 changed; files: 2 added"),
        "{text}"
    );
    assert!(text.contains("  + Pipfile\n"), "{text}");
    assert!(text.contains("  + data/requirements-huge.txt\n"), "{text}");
    let line = |needle: &str| {
        text.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle} in {text}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(line("~ python"), "~ python =3.10 → =3.11 environment.yml");
    assert_eq!(
        line("~ numpy"),
        "~ numpy ==1.24.0 → ==1.26.4 requirements.txt"
    );
    assert_eq!(line("~ rich"), "~ rich (any version) → >=13 pyproject.toml");
    assert_eq!(line("+ matplotlib"), "+ matplotlib >=3.8 requirements.txt");
    assert_eq!(line("+ httpx"), "+ httpx (any version) pyproject.toml");
    assert_eq!(line("- six"), "- six ==1.16.0 requirements.txt");
    assert!(
        text.contains(&format!("error: at {}: Pipfile: line 2", &s2[..7])),
        "{text}"
    );
    // Grouped by manager: conda before pip.
    assert!(
        text.find("  conda\n").unwrap() < text.find("  pip\n").unwrap(),
        "{text}"
    );

    let json: serde_json::Value =
        serde_json::from_str(&run(&project, Some(&s2), Some(&s1), true)).unwrap();
    assert_eq!(json["from"], s1.as_str());
    assert_eq!(json["to"], s2.as_str());
    assert_eq!(
        json["files_added"],
        serde_json::json!(["Pipfile", "data/requirements-huge.txt"])
    );
    assert_eq!(json["files_removed"], serde_json::json!([]));
    let names = |k: &str| -> Vec<String> {
        json[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names("added"), ["httpx", "matplotlib"]);
    assert_eq!(names("removed"), ["six"]);
    assert_eq!(names("changed"), ["python", "numpy", "rich"]);
    let numpy = &json["changed"][1];
    assert_eq!(numpy["old_spec"], "==1.24.0");
    assert_eq!(numpy["new_spec"], "==1.26.4");
    assert_eq!(numpy["old_version"], "1.24.0");
    assert_eq!(numpy["new_version"], "1.26.4");
    assert_eq!(numpy["file"], "requirements.txt");
    let errors = json["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 3, "{errors:?}");

    // Same commit twice; a diff from a commit with nothing.
    let text = run(&project, Some(&s1), Some(&s1), false);
    assert!(text.contains("\nno differences\n"), "{text}");
    let text = run(&project, Some(&s1), Some(&s0), true);
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["files_added"].as_array().unwrap().len(), 3);
    assert_eq!(json["added"].as_array().unwrap().len(), 8);
}

#[test]
fn hostile_text_is_sanitised_and_unknown_commits_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    commit(
        &repo,
        &[(
            "requirements.txt",
            Some(b"evil\x1b]0;pwned\x07==1\nok==1 # \x1b[2J\nbad\x1b[31m\n"),
        )],
        "\x1b]52;c;aGk=\x07 message",
        1_700_000_000,
    );
    let project = Project::open(dir.path(), None).unwrap();
    for json in [false, true] {
        let out = run(&project, None, None, json);
        assert!(!out.contains('\x1b'), "{out:?}");
        assert!(!out.contains('\x07'), "{out:?}");
    }
    let mut out = Vec::new();
    let err = nbenv::env(
        &project,
        Some("no-such-commit"),
        None,
        EnvLook::default(),
        &mut out,
    );
    assert!(err.is_err());
}

#[test]
fn the_tree_walk_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    let paths: Vec<String> = (0..MAX_FILES + 5)
        .map(|i| format!("p{i:03}/requirements.txt"))
        .collect();
    let files: Vec<(&str, Option<&[u8]>)> = paths
        .iter()
        .map(|p| (p.as_str(), Some(&b"numpy\n"[..])))
        .collect();
    let c = commit(&repo, &files, "many", 1_700_000_000);
    let tree = repo.find_commit(c).unwrap().tree().unwrap();
    let declared = read_tree(&repo, &tree);
    assert_eq!(declared.files.len(), MAX_FILES);
    assert_eq!(declared.errors.len(), 1);
    assert!(
        declared.errors[0].contains("the first 200 are read, 5 are not"),
        "{:?}",
        declared.errors
    );
}
