use std::collections::HashMap;

use git2::Oid;
use serde_json::json;

use super::*;
use crate::repo::{CommitChanges, NotebookChange};

/// A notebook of code cells `(id, source, count)`.
fn nb(cells: &[(Option<&str>, &str, Option<u64>)]) -> Vec<u8> {
    let cells: Vec<_> = cells
        .iter()
        .map(|(id, src, count)| {
            let mut c = json!({"cell_type": "code", "source": src, "execution_count": count,
                "metadata": {}, "outputs": []});
            if let Some(id) = id {
                c["id"] = json!(id);
            }
            c
        })
        .collect();
    serde_json::to_vec(&json!({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
        .unwrap()
}

/// A linear history: each step is (path, old path, content or None for deleted), oldest first.
/// (path, old path, content or `None` when deleted).
type Step<'a> = (&'a str, Option<&'a str>, Option<Vec<u8>>);

fn history(steps: &[Step]) -> NbHistory {
    let mut blobs: HashMap<Oid, Vec<u8>> = HashMap::new();
    let mut at: HashMap<String, Oid> = HashMap::new();
    let mut changes = Vec::new();
    for (k, (path, old_path, content)) in steps.iter().enumerate() {
        let old_blob = at.get(old_path.unwrap_or(path)).copied();
        let new_blob = content.as_ref().map(|c| {
            let id = Oid::hash_object(git2::ObjectType::Blob, c).unwrap();
            blobs.insert(id, c.clone());
            id
        });
        if let Some(o) = old_path {
            at.remove(*o);
        }
        match new_blob {
            Some(id) => at.insert(path.to_string(), id),
            None => at.remove(*path),
        };
        changes.push(CommitChanges {
            commit: Oid::from_bytes(&[k as u8 + 1; 20]).unwrap(),
            parents: Vec::new(),
            time: 1000 + k as i64,
            tz_minutes: 0,
            author: "a".into(),
            email: "a@x".into(),
            message: format!("step {k}\n"),
            notebooks: vec![NotebookChange {
                path: path.to_string(),
                old_path: old_path.map(str::to_string),
                old_blob,
                new_blob,
            }],
            env_files: Vec::new(),
            data_files: Vec::new(),
            other_files: 0,
        });
    }
    changes.reverse();
    build_from(changes, |id| blobs.get(&id).cloned())
}

/// The cell numbers of each entry, oldest first.
fn numbers(h: &NbHistory) -> Vec<Vec<u32>> {
    h.entries
        .iter()
        .rev()
        .map(|e| e.cells.iter().map(|c| c.cell).collect())
        .collect()
}

#[test]
fn edits_inserts_deletes_and_moves_keep_each_cell_without_ids() {
    let h = history(&[
        (
            "a.ipynb",
            None,
            Some(nb(&[
                (None, "import pandas as pd", Some(1)),
                (None, "df = pd.read_csv('x.csv')", Some(2)),
                (None, "df.plot()", Some(3)),
            ])),
        ),
        // edited, inserted at the top, the plot moved above the read
        (
            "a.ipynb",
            None,
            Some(nb(&[
                (None, "# setup", None),
                (None, "import pandas as pd", Some(1)),
                (None, "df.plot()", Some(3)),
                (None, "df = pd.read_csv('y.csv')", Some(4)),
            ])),
        ),
        // one deleted; re-run of the rest
        (
            "a.ipynb",
            None,
            Some(nb(&[
                (None, "# setup", None),
                (None, "import pandas as pd", Some(5)),
                (None, "df = pd.read_csv('y.csv')", Some(6)),
            ])),
        ),
    ]);
    assert_eq!(
        numbers(&h),
        vec![vec![0, 1, 2], vec![3, 0, 2, 1], vec![3, 0, 1]]
    );
    let second = &h.entries[1];
    assert_eq!(
        second.summary,
        Summary {
            // Which of the two swapped cells moved is a matter of view: the edited one here.
            added: 1,
            edited: 1,
            unchanged: 2,
            ..Summary::default()
        }
    );
    let third = &h.entries[0];
    assert_eq!((third.summary.removed, third.summary.rerun), (1, 2));
    assert_eq!(third.removed, vec![2]);
    // The read cell changed twice: added, edited (re-run in the third).
    let life = &h.cells[1];
    assert_eq!(life.versions.len(), 3);
    assert_eq!(h.cells[2].removed_in, Some(0));
    assert_eq!(h.notebooks.len(), 1);
    assert_eq!(h.notebooks[0].entries, vec![0, 1, 2]);
}

#[test]
fn ids_win_when_they_hold_and_are_caught_when_regenerated_or_positional() {
    let v1 = nb(&[
        (Some("a1"), "x = 1", None),
        (Some("b2"), "y = 2", None),
        (Some("c3"), "z = 3", None),
    ]);
    // Ids kept while the middle cell is rewritten beyond recognition: ids pair it.
    let v2 = nb(&[
        (Some("a1"), "x = 1", None),
        (Some("b2"), "totally_else()\nmore()", None),
        (Some("c3"), "z = 3", None),
    ]);
    // Every id regenerated, sources the same (JupyterLab 3.0): content pairs them.
    let v3 = nb(&[
        (Some("q1"), "x = 1", None),
        (Some("q2"), "totally_else()\nmore()", None),
        (Some("q3"), "z = 3", None),
    ]);
    // Renumbered positions after an insert at the top (nbstripout).
    let v4 = nb(&[
        (Some("0"), "new_cell()", None),
        (Some("1"), "x = 1", None),
        (Some("2"), "totally_else()\nmore()", None),
        (Some("3"), "z = 3", None),
    ]);
    let v5 = nb(&[
        (Some("0"), "x = 1", None),
        (Some("1"), "totally_else()\nmore()", None),
        (Some("2"), "z = 3", None),
    ]);
    let h = history(&[
        ("n.ipynb", None, Some(v1)),
        ("n.ipynb", None, Some(v2)),
        ("n.ipynb", None, Some(v3)),
        ("n.ipynb", None, Some(v4)),
        ("n.ipynb", None, Some(v5)),
    ]);
    assert_eq!(
        numbers(&h),
        vec![
            vec![0, 1, 2],
            vec![0, 1, 2],
            vec![0, 1, 2],
            vec![3, 0, 1, 2],
            vec![0, 1, 2]
        ]
    );
    let by: Vec<_> = h.entries.iter().rev().map(|e| e.paired_by).collect();
    assert_eq!(
        by,
        vec![
            None,
            Some(PairedBy::Ids),
            Some(PairedBy::Content),
            Some(PairedBy::Content),
            Some(PairedBy::Content)
        ]
    );
}

#[test]
fn renames_keep_the_notebook_and_a_broken_version_is_an_error_on_its_own() {
    let v1 = nb(&[(None, "a = 1", Some(1)), (None, "b = 2", Some(2))]);
    let v2 = nb(&[(None, "a = 1", Some(1)), (None, "b = 3", Some(2))]);
    let mut cut = v2.clone();
    cut.truncate(cut.len() / 2);
    let conflict = b"{\n<<<<<<< HEAD\n \"cells\": []\n=======\n>>>>>>> other\n}".to_vec();
    let lfs = b"version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 12\n".to_vec();
    let v3 = nb(&[
        (None, "a = 1", Some(1)),
        (None, "b = 4", Some(2)),
        (None, "c = 5", Some(3)),
    ]);
    let h = history(&[
        ("old/a.ipynb", None, Some(v1)),
        ("new/a.ipynb", Some("old/a.ipynb"), Some(v2)),
        ("new/a.ipynb", None, Some(cut)),
        ("new/a.ipynb", None, Some(conflict)),
        ("new/a.ipynb", None, Some(lfs)),
        ("new/a.ipynb", None, Some(v3)),
        ("new/a.ipynb", None, None),
        ("new/a.ipynb", None, Some(nb(&[(None, "a = 1", Some(1))]))),
    ]);
    let e: Vec<&NbEntry> = h.entries.iter().rev().collect();
    assert_eq!(e[1].change, FileChange::Renamed);
    assert_eq!(e[1].old_path.as_deref(), Some("old/a.ipynb"));
    assert!(
        e[2].error.as_deref().unwrap().starts_with("cut off"),
        "{:?}",
        e[2].error
    );
    assert_eq!(
        e[3].error.as_deref(),
        Some("merge-conflict markers (<<<<<<<) at line 2")
    );
    assert!(e[4].error.as_deref().unwrap().contains("LFS"));
    // The version after the broken ones continues from the last readable one.
    assert_eq!(
        e[5].cells.iter().map(|c| c.cell).collect::<Vec<_>>(),
        vec![0, 1, 2]
    );
    assert_eq!(e[5].summary.edited, 1);
    assert_eq!(e[6].change, FileChange::Deleted);
    assert_eq!(e[6].removed, vec![0, 1, 2]);
    // Deleted and added again: a new notebook with new cells.
    assert_eq!(e[7].notebook, 1);
    assert_eq!(e[7].cells[0].cell, 3);
    assert_eq!(h.notebooks[0].paths, vec!["old/a.ipynb", "new/a.ipynb"]);
    assert_eq!(h.notebooks[0].entries.len(), 7);
}
