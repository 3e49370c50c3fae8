//! Notebooks in plain git, through the real binary: `log`, `export`, `cell`, `diff`, `stats`,
//! `stuck`, source detection, and repositories that hold neither kind of history.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "common/nbrepo.rs"]
mod nbrepo;

use std::path::Path;

use common::gtm;
use serde_json::{Value, json};

/// Writes commits with git2: each step a list of (path, content or None to delete) and a
/// message; times a minute apart from a fixed start so that outputs do not depend on the clock.
/// A file to write (`None`: delete it).
type File<'a> = (&'a str, Option<Vec<u8>>);

fn repo(dir: &Path, steps: &[(&[File], &str)]) -> Vec<git2::Oid> {
    let repo = git2::Repository::init(dir).unwrap();
    let mut index = repo.index().unwrap();
    let mut parent: Option<git2::Oid> = None;
    let mut ids = Vec::new();
    for (k, (files, message)) in steps.iter().enumerate() {
        for (path, content) in files.iter() {
            let full = dir.join(path);
            match content {
                Some(c) => {
                    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
                    std::fs::write(&full, c).unwrap();
                    index.add_path(Path::new(path)).unwrap();
                }
                None => {
                    std::fs::remove_file(&full).unwrap();
                    index.remove_path(Path::new(path)).unwrap();
                }
            }
        }
        index.write().unwrap();
        let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
        let when = git2::Time::new(1_700_000_000 + 60 * k as i64, 0);
        let who = git2::Signature::new("Ann Lee", "ann@example.org", &when).unwrap();
        let parents: Vec<git2::Commit> = parent
            .iter()
            .map(|p| repo.find_commit(*p).unwrap())
            .collect();
        let refs: Vec<&git2::Commit> = parents.iter().collect();
        let id = repo
            .commit(Some("HEAD"), &who, &who, message, &tree, &refs)
            .unwrap();
        parent = Some(id);
        ids.push(id);
    }
    ids
}

/// A notebook of code cells (source, execution count, outputs), nbformat 4.4.
fn nb(cells: &[(&str, Option<u64>, Value)]) -> Option<Vec<u8>> {
    let cells: Vec<Value> = cells
        .iter()
        .map(|(src, count, outputs)| {
            json!({"cell_type": "code", "execution_count": count, "metadata": {},
                   "outputs": outputs, "source": src})
        })
        .collect();
    let doc = json!({"cells": cells, "metadata": {"kernelspec": {"name": "python3",
        "language": "python"}}, "nbformat": 4, "nbformat_minor": 4});
    Some(serde_json::to_vec_pretty(&doc).unwrap())
}

fn text(s: &str) -> Value {
    json!([{"output_type": "stream", "name": "stdout", "text": s}])
}

/// Three commits on one notebook, one on requirements.txt, one rename.
fn project(dir: &Path) -> Vec<git2::Oid> {
    repo(
        dir,
        &[
            (
                &[(
                    "eda.ipynb",
                    nb(&[
                        ("import pandas as pd", Some(1), json!([])),
                        ("df = pd.read_csv('a.csv')", Some(2), json!([])),
                        ("print(df.shape)", Some(3), text("(10, 2)\n")),
                    ]),
                )],
                "First look",
            ),
            (
                &[("requirements.txt", Some(b"pandas==2.0\n".to_vec()))],
                "Pin pandas",
            ),
            (
                &[(
                    "eda.ipynb",
                    nb(&[
                        ("import pandas as pd", Some(1), json!([])),
                        ("df = pd.read_csv('b.csv')", Some(2), json!([])),
                        ("print(df.shape)", Some(3), text("(12, 2)\n")),
                        ("df.describe()", Some(4), json!([])),
                    ]),
                )],
                "Read b.csv\n\nThe new export.",
            ),
            (
                &[
                    ("eda.ipynb", None),
                    (
                        "notebooks/eda.ipynb",
                        nb(&[
                            ("import pandas as pd", Some(1), json!([])),
                            ("df = pd.read_csv('b.csv')", Some(2), json!([])),
                            ("print(df.shape)", Some(3), text("(12, 2)\n")),
                            ("df.describe()", Some(4), json!([])),
                        ]),
                    ),
                ],
                "Move into notebooks/",
            ),
        ],
    )
}

#[test]
fn log_says_what_each_commit_did_to_each_notebook() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path());
    let p = dir.path().to_str().unwrap();
    let (code, out, err) = gtm(&["log", p]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(
        lines[0].ends_with("notebooks/eda.ipynb ▸ renamed from eda.ipynb · Move into notebooks/"),
        "{out}"
    );
    assert!(
        lines[1].ends_with("eda.ipynb ▸ 1 edited, 1 added, 1 outputs changed · Read b.csv"),
        "{out}"
    );
    assert!(
        lines[2].ends_with("eda.ipynb ▸ added (3 cells) · First look"),
        "{out}"
    );
    let (_, all, _) = gtm(&["log", "--all-commits", "--ascii", p]);
    let all: Vec<&str> = all.lines().collect();
    assert_eq!(all.len(), 4);
    assert!(
        all[2].ends_with("1 environment file - Pin pandas"),
        "{all:?}"
    );
    let (_, json, _) = gtm(&["log", "--json", "--limit", "1", p]);
    let v: Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(v["source"], "notebooks");
    assert_eq!(v["old_path"], "eda.ipynb");
    assert_eq!(v["change"], "renamed");
}

#[test]
fn export_cells_follows_each_cell_through_edits_and_renames() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path());
    let p = dir.path().to_str().unwrap();
    let (code, out, err) = gtm(&["export", "--cells", p]);
    assert_eq!(code, 0, "{err}");
    let versions: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(versions.len(), 3);
    let cells = |v: &Value| -> Vec<(String, String)> {
        v["cells"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["cell"].as_str().unwrap().to_string(),
                    c["status"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let s = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        cells(&versions[2]),
        vec![s("c0", "added"), s("c1", "added"), s("c2", "added")]
    );
    assert_eq!(
        cells(&versions[1]),
        vec![
            s("c0", "unchanged"),
            s("c1", "modified"),
            s("c2", "unchanged"),
            s("c3", "added")
        ]
    );
    assert_eq!(versions[0]["notebook"], "notebooks/eda.ipynb");
    assert_eq!(versions[0]["old_path"], "eda.ipynb");
    assert_eq!(cells(&versions[0])[3], s("c3", "unchanged"));
    let out2 = &versions[1]["cells"][2]["outputs"][0];
    assert_eq!(out2["output_type"], "stream");
    assert_eq!(out2["text"], "(12, 2)\n");
    // Without --cells: the same versions, streamed, without cell numbers; as one array.
    let (_, plain, _) = gtm(&["export", "--format", "json", "--no-outputs", p]);
    let arr: Value = serde_json::from_str(&plain).unwrap();
    assert_eq!(arr.as_array().unwrap().len(), 3);
    assert!(arr[0]["cells"][0].get("cell").is_none());
    assert!(arr[0]["cells"][0].get("outputs").is_none());
}

#[test]
fn cell_and_diff_show_one_cell_through_the_history_and_why_its_output_changed() {
    let dir = tempfile::tempdir().unwrap();
    let ids = project(dir.path());
    let p = dir.path().to_str().unwrap();
    let third = ids[2].to_string();
    let (code, out, err) = gtm(&["cell", &third, "--index", "3", p]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("c2 · 2 versions"), "{out}");
    assert!(
        out.contains("eda.ipynb #3 [3]     unchanged, outputs changed · Read b.csv"),
        "{out}"
    );
    let (code, out, err) = gtm(&["diff", &third, "--index", "3", "--unified", p]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("── code: same"), "{out}");
    assert!(out.contains("── output: +1 -1 lines"), "{out}");
    assert!(
        out.contains("other cells changed in this commit: c1, c3"),
        "{out}"
    );
    assert!(
        out.contains("environment files changed: requirements.txt"),
        "{out}"
    );
    // The first changed cell by default; a cell past the end is a usage error.
    let (_, out, _) = gtm(&["diff", &third, "--unified", p]);
    assert!(out.contains("read_csv('b.csv')"), "{out}");
    let (code, _, err) = gtm(&["cell", &third, "--index", "9", p]);
    assert_eq!(code, 2);
    assert!(err.contains("has 4 cells"), "{err}");
}

#[test]
fn stats_and_stuck_read_the_notebook_history() {
    let dir = tempfile::tempdir().unwrap();
    // One cell revised in four commits a minute apart: a hot spot.
    let steps: Vec<(Vec<File>, String)> = (0..5)
        .map(|k| {
            (
                vec![(
                    "model.ipynb",
                    nb(&[
                        ("import numpy as np", Some(1), json!([])),
                        (
                            &*Box::leak(format!("fit(alpha={k})").into_boxed_str()),
                            Some(2),
                            json!([]),
                        ),
                    ]),
                )],
                format!("try alpha {k}"),
            )
        })
        .collect();
    let borrowed: Vec<(&[File], &str)> = steps
        .iter()
        .map(|(f, m)| (f.as_slice(), m.as_str()))
        .collect();
    repo(dir.path(), &borrowed);
    let p = dir.path().to_str().unwrap();
    let (code, out, err) = gtm(&["stuck", p]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("model.ipynb c1  4 revisions"), "{out}");
    let (_, json, _) = gtm(&["stuck", "--json", p]);
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v[0]["entries"].as_array().unwrap().len(), 4);
    let (code, out, _) = gtm(&["stats", p]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("5 commits, 5 changing notebooks; 5 notebook versions (0 unreadable)"),
        "{out}"
    );
    assert!(out.contains("     4×  model.ipynb c1"), "{out}");
}

#[test]
fn the_source_is_chosen_and_a_repository_without_either_says_so() {
    let dir = tempfile::tempdir().unwrap();
    repo(
        dir.path(),
        &[(&[("README.md", Some(b"hi\n".to_vec()))], "init")],
    );
    let p = dir.path().to_str().unwrap();
    let (code, out, err) = gtm(&["log", p]);
    assert_eq!(code, 0);
    assert!(out.is_empty());
    assert!(
        err.contains("no notebooks and no Gigantum activity records"),
        "{err}"
    );
    // Asked for the activity log where there is none: that is a usage error, as before.
    let (code, _, err) = gtm(&["log", "--source", "gigantum", p]);
    assert_eq!(code, 2);
    assert!(err.contains("no Gigantum activity records"), "{err}");
    // A Gigantum project read as notebooks: its committed notebooks.
    let g = tempfile::tempdir().unwrap();
    common::workload(
        g.path(),
        gtm_tui::synth::Workload {
            records: 40,
            ..Default::default()
        },
    );
    let gp = g.path().to_str().unwrap();
    let (code, out, err) = gtm(&["log", "--source", "notebooks", gp]);
    assert_eq!(code, 0, "{err}");
    assert!(out.lines().any(|l| l.contains(".ipynb ▸ ")), "{out}");
    let (_, act, _) = gtm(&["log", gp]);
    assert!(
        !act.contains(".ipynb ▸ "),
        "the activity log by default: {act}"
    );
}

#[test]
fn unreadable_versions_are_errors_on_their_line_and_the_rest_reads() {
    let dir = tempfile::tempdir().unwrap();
    let conflict =
        b"{\n<<<<<<< HEAD\n \"cells\": [],\n=======\n \"cells\": [1],\n>>>>>>> b\n}\n".to_vec();
    let evil = nb(&[(
        "print('\u{1b}]52;c;aGk=\u{7}\u{1b}[2J')",
        Some(1),
        text("\u{1b}[31mred\u{1b}[0m\n"),
    )]);
    repo(
        dir.path(),
        &[
            (&[("a.ipynb", nb(&[("x = 1", Some(1), json!([]))]))], "one"),
            (&[("a.ipynb", Some(conflict))], "merge went wrong"),
            (
                &[(
                    "a.ipynb",
                    Some(
                        b"version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 3\n"
                            .to_vec(),
                    ),
                )],
                "lfs",
            ),
            (
                &[("a.ipynb", nb(&[("x = 2", Some(1), json!([]))]))],
                "fixed",
            ),
            (&[("b.ipynb", evil)], "\u{1b}[2Jclear"),
        ],
    );
    let p = dir.path().to_str().unwrap();
    let (code, out, err) = gtm(&["log", p]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[1].contains("a.ipynb ▸ 1 cell (the version before could not be read)"),
        "{out}"
    );
    assert!(
        lines[2].contains("unreadable: a Git LFS pointer") && lines[2].ends_with("  !"),
        "{out}"
    );
    assert!(
        lines[3].contains("unreadable: merge-conflict markers (<<<<<<<) at line 2"),
        "{out}"
    );
    let (_, exp, _) = gtm(&["export", "--cells", p]);
    assert!(!exp.contains('\u{1b}'), "{exp:?}");
    let fixed: Value = serde_json::from_str(exp.lines().nth(1).unwrap()).unwrap();
    assert_eq!(
        fixed["cells"][0]["cell"], "c0",
        "continues from the last readable version"
    );
    assert_eq!(fixed["cells"][0]["status"], "modified");
}

#[test]
fn export_anonymize_scrubs_names_and_emails_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    repo(
        dir.path(),
        &[(
            &[(
                "users/ann/a.ipynb",
                nb(&[(
                    "# by Ann Lee, ann@example.org\nx = 1",
                    Some(1),
                    text("hi Ann\n"),
                )]),
            )],
            "Ann's first notebook",
        )],
    );
    let p = dir.path().to_str().unwrap();
    let (code, out, err) = gtm(&["export", "--anonymize", "--salt", "s1", p]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.to_lowercase().contains("ann"), "{out}");
    assert!(!out.contains("example.org"), "{out}");
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    assert!(v["cells"][0]["source"].as_str().unwrap().ends_with("x = 1"));
    assert!(
        v["cells"][0].get("cell").is_none(),
        "numbers only with --cells"
    );
    let (_, again, _) = gtm(&["export", "--anonymize", "--salt", "s1", p]);
    assert_eq!(out, again, "the same salt, the same pseudonyms");
}

#[test]
fn env_reads_the_environment_files_of_a_notebook_repository() {
    let dir = tempfile::tempdir().unwrap();
    let ids = project(dir.path());
    let p = dir.path().to_str().unwrap();
    let (code, out, err) = gtm(&["env", p]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1 environment file, 1 package\n"), "{out}");
    assert!(out.contains("pandas  ==2.0"), "{out}");
    let first = ids[0].to_string();
    let (code, out, _) = gtm(&["env", "--diff", &first, "HEAD", p]);
    assert_eq!(code, 0);
    assert!(out.contains("+ pandas  ==2.0  requirements.txt"), "{out}");
}

#[test]
fn show_prints_a_commit_cell_by_cell_with_outputs_and_pictures() {
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write(dir.path());
    let p = dir.path().to_str().unwrap();
    let (code, out, err) = gtm(&["show", "HEAD~1", p]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("commit   "), "{out}");
    assert!(
        out.contains("author   Grace Hopper <grace@example.org>"),
        "{out}"
    );
    // The whole message: the subject, then the body, indented.
    assert!(out.contains("message  Try a larger x\n\n"), "{out}");
    assert!(out.contains("         The ratio fails for now."), "{out}");
    assert!(
        out.contains(
            "── analysis.ipynb ▸ 1 edited, 2 added, 1 re-run, 1 outputs changed, 1 new error"
        ),
        "{out}"
    );
    // A modified cell as a diff against the version before; an added one whole.
    assert!(out.contains("cell 2 · code · In [3] · modified\n"), "{out}");
    assert!(out.contains("+ y = math.sqrt(x)"), "{out}");
    assert!(
        out.contains("cell 4 · code · In [5] · added, new error"),
        "{out}"
    );
    assert!(
        out.contains("  error  ZeroDivisionError: division by zero"),
        "{out}"
    );
    assert!(out.contains("  printed:\n    2\n"), "{out}");
    assert!(out.contains("  image/png: png image 1×1, 70 B"), "{out}");
    assert!(out.contains("1 unchanged cell"), "{out}");
    // The traceback's colour codes are not passed to a pipe.
    assert!(!out.contains('\u{1b}'), "{out:?}");
    // Pictures saved on request, never overwriting.
    let saved = tempfile::tempdir().unwrap();
    let s = saved.path().to_str().unwrap();
    let (code, out, err) = gtm(&["show", "HEAD~1", "--save-images", s, p]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("    saved to "), "{out}");
    assert_eq!(std::fs::read_dir(saved.path()).unwrap().count(), 1);
    // --all-cells shows the unchanged one too; --notebook picks one, and names what changed
    // when it is not there.
    let (_, all, _) = gtm(&["show", "HEAD~1", "--all-cells", p]);
    assert!(
        all.contains("cell 1 · markdown · unchanged\n    # Analysis"),
        "{all}"
    );
    let (code, _, err) = gtm(&["show", "HEAD", "--notebook", "analysis.ipynb", p]);
    assert_eq!(code, 2);
    assert!(err.contains("it changed plots/figures.ipynb"), "{err}");
    let (code, out, _) = gtm(&["show", "HEAD~2", p]);
    assert_eq!(code, 0);
    assert!(
        out.contains("data     data/readme.txt\n\nno notebook changed"),
        "{out}"
    );
}

#[test]
fn files_diffs_every_file_a_commit_changed() {
    let dir = tempfile::tempdir().unwrap();
    let ids = project(dir.path());
    let p = dir.path().to_str().unwrap();
    let (code, out, err) = gtm(&["files", &ids[2].to_string(), "--unified", p]);
    assert_eq!(code, 0, "{err}");
    let short = &ids[2].to_string()[..7];
    assert!(out.starts_with(&format!("commit  {short}  ")), "{out}");
    assert!(out.contains("Ann Lee  Read b.csv\n"), "{out}");
    assert!(
        out.contains(&format!(
            "change  commit {short} against {}",
            &ids[1].to_string()[..7]
        )),
        "{out}"
    );
    assert!(out.contains("M  eda.ipynb"), "{out}");
    assert!(out.contains("+ df = pd.read_csv('b.csv')"), "{out}");
    let (_, json, _) = gtm(&["files", &ids[1].to_string(), "--json", p]);
    let v: Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(v["source"], "commit");
    assert_eq!(v["type"], Value::Null);
    assert_eq!(v["files"][0]["path"], "requirements.txt");
    assert_eq!(v["files"][0]["diff"]["kind"], "text");
    // The rename, as git sees it.
    let (_, out, _) = gtm(&["files", &ids[3].to_string(), p]);
    assert!(out.contains("R  eda.ipynb → notebooks/eda.ipynb"), "{out}");
}

#[test]
fn a_notebook_of_megabytes_of_pictures_is_compared_cell_by_cell() {
    let dir = tempfile::tempdir().unwrap();
    let picture = |seed: u8| {
        let b64: String = (0..3_000_000u32)
            .map(|i| char::from(b"ABCDEFGHIJKLMNOP"[((i ^ u32::from(seed)) % 16) as usize]))
            .collect();
        json!([{"output_type": "display_data", "metadata": {}, "data": {"image/png": b64}}])
    };
    let ids = repo(
        dir.path(),
        &[
            (
                &[("plots.ipynb", nb(&[("plot(1)", Some(1), picture(1))]))],
                "Plot",
            ),
            (
                &[("plots.ipynb", nb(&[("plot(2)", Some(2), picture(2))]))],
                "Plot again",
            ),
        ],
    );
    let p = dir.path().to_str().unwrap();
    let (code, out, err) = gtm(&["files", &ids[1].to_string(), "--unified", p]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("notebook, 1 cell modified"), "{out}");
    assert!(out.contains("+ plot(2)"), "{out}");
    assert!(!out.contains("too large"), "{out}");
}

#[test]
fn show_after_an_unreadable_version_shows_every_cell() {
    let dir = tempfile::tempdir().unwrap();
    let ids = repo(
        dir.path(),
        &[
            (
                &[("a.ipynb", Some(b"<<<<<<< HEAD\n{\"cells\": [".to_vec()))],
                "Conflict committed",
            ),
            (
                &[(
                    "a.ipynb",
                    nb(&[("x = 1", Some(1), json!([])), ("y = 2", Some(2), json!([]))]),
                )],
                "Resolved",
            ),
        ],
    );
    let p = dir.path().to_str().unwrap();
    let (code, out, err) = gtm(&["show", &ids[1].to_string(), p]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("(the version before could not be read)"),
        "{out}"
    );
    assert!(out.contains("    x = 1\n"), "{out}");
    assert!(out.contains("    y = 2\n"), "{out}");
    assert!(!out.contains("unchanged cell"), "{out}");
}

#[test]
fn show_prints_consecutive_chunks_of_one_stream_as_one() {
    let dir = tempfile::tempdir().unwrap();
    let chunk = |name: &str, t: &str| json!({"output_type": "stream", "name": name, "text": t});
    let outputs = json!([
        chunk("stdout", "step 1\n"),
        chunk("stdout", "step 2\n"),
        chunk("stdout", "progress: "),
        chunk("stdout", "done\n"),
        chunk("stderr", "careful\n"),
    ]);
    let book = nb(&[("for i in range(2): print(i)", Some(6), outputs)]);
    repo(
        dir.path(),
        &[(&[("sim.ipynb", book)], "Run the simulation")],
    );
    let p = dir.path().to_str().unwrap();
    let (code, out, err) = gtm(&["show", "HEAD", p]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(
            "  printed:\n    step 1\n    step 2\n    progress: done\n  printed:\n    careful\n"
        ),
        "{out}"
    );
    assert_eq!(out.matches("printed:").count(), 2, "{out}");
}
