//! File changes behind file records: the list of changed files, text and notebook diffs, binary,
//! large and malformed files, the fallbacks for records without a linked commit, and the
//! `files` command's plain and JSON output. All on synth projects in temp dirs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::gtm;
use gtm_tui::files::{
    self, CellKind, CellStatus, ChangeSource, ChangeStatus, FileDiff, MAX_DIFF_BYTES,
};
use gtm_tui::repo::Project;
use gtm_tui::synth::{
    DetailSpec, Linked, ProjectWriter, RecordSpec, Workload, WriterOptions, Written,
};
use serde_json::{Value, json};

fn workload(dir: &std::path::Path, cell_ids: bool) -> Written {
    common::workload(
        dir,
        Workload {
            records: 500,
            seed: 7,
            cell_ids,
            ..Workload::default()
        },
    )
}

/// The file a type-4/5/1 detail names between backticks.
fn named_file(text: &str) -> Option<String> {
    let start = text.find('`')? + 1;
    let end = start + text.get(start..)?.find('`')?;
    text.get(start..end).map(str::to_string)
}

fn detail_files(rec: &gtm_tui::synth::WrittenRecord) -> Vec<String> {
    rec.details
        .iter()
        .flat_map(|d| &d.entries)
        .filter_map(|e| named_file(&String::from_utf8_lossy(&e.bytes)))
        .collect()
}

/// A notebook's cells by id: (cell_type, source, outputs without execution counts).
fn cells_by_id(bytes: &[u8]) -> BTreeMap<String, (String, String, Value)> {
    let doc: Value = serde_json::from_slice(bytes).unwrap();
    let mut out = BTreeMap::new();
    for c in doc["cells"].as_array().unwrap() {
        let source = match &c["source"] {
            Value::String(s) => s.clone(),
            Value::Array(a) => a.iter().map(|l| l.as_str().unwrap()).collect(),
            _ => String::new(),
        };
        let mut outputs = c.get("outputs").cloned().unwrap_or(json!([]));
        for o in outputs.as_array_mut().unwrap() {
            o.as_object_mut().unwrap().remove("execution_count");
        }
        out.insert(
            c["id"].as_str().unwrap().to_string(),
            (
                c["cell_type"].as_str().unwrap().to_string(),
                source,
                outputs,
            ),
        );
    }
    out
}

/// Checks a notebook's cell diff against the truth read from the two versions' cell ids;
/// returns the statuses seen.
fn check_against_ids(project: &Project, f: &files::FileChange) -> BTreeSet<CellStatus> {
    assert!(!f.binary && f.is_notebook());
    let old = f.old_blob.map_or(Vec::new(), |b| project.blob(b).unwrap());
    let new = project.blob(f.new_blob.unwrap()).unwrap();
    assert_eq!(f.new_size, Some(new.len() as u64));
    let FileDiff::Notebook(cells) = files::file_diff(project, f) else {
        panic!("not a notebook diff")
    };
    let before = if old.is_empty() {
        BTreeMap::new()
    } else {
        cells_by_id(&old)
    };
    let after = cells_by_id(&new);
    let mut got: BTreeMap<String, &files::CellChange> = BTreeMap::new();
    for c in &cells {
        assert!(
            got.insert(c.id.clone().unwrap(), c).is_none(),
            "one change per cell"
        );
    }
    assert_eq!(
        got.keys().collect::<BTreeSet<_>>(),
        before.keys().chain(after.keys()).collect::<BTreeSet<_>>()
    );
    let mut seen = BTreeSet::new();
    for (id, c) in &got {
        seen.insert(c.status);
        match (before.get(id), after.get(id)) {
            (None, Some((ty, src, _))) => {
                assert_eq!(c.status, CellStatus::Added);
                assert_eq!(files::new_text(&c.source), *src);
                assert_eq!(c.kind.name(), ty);
            }
            (Some((_, src, _)), None) => {
                assert_eq!(c.status, CellStatus::Removed);
                assert_eq!(files::old_text(&c.source), *src);
            }
            (Some((_, s0, o0)), Some((ty, s1, o1))) => {
                assert_eq!(files::old_text(&c.source), *s0);
                assert_eq!(files::new_text(&c.source), *s1);
                assert_eq!(c.source.stats.identical, s0 == s1);
                assert_eq!(c.outputs.changed(), o0 != o1, "{id}: {:?}", c.outputs);
                let want = if s0 == s1 && o0 == o1 {
                    CellStatus::Unchanged
                } else {
                    CellStatus::Modified
                };
                assert_eq!(c.status, want, "{id}");
                assert_eq!(c.kind == CellKind::Markdown, ty == "markdown");
                if ty == "markdown" {
                    assert!(c.outputs.new_types.is_empty());
                }
            }
            (None, None) => unreachable!(),
        }
    }
    // Cells come in the new notebook's order.
    let order: Vec<usize> = cells.iter().filter_map(|c| c.new_index).collect();
    assert_eq!(order, (0..after.len()).collect::<Vec<_>>());
    seen
}

#[test]
fn notebook_saves_diff_cell_by_cell_as_the_ids_say() {
    let dir = tempfile::tempdir().unwrap();
    let written = workload(dir.path(), true);
    let project = Project::open(dir.path(), None).unwrap();
    let (mut saves, mut runs) = (0, 0);
    let mut seen = BTreeSet::new();
    for rec in &written.records {
        let names = detail_files(rec);
        let is_save = rec.meta.tags == ["save"]
            && rec.meta.kind.id() == 2
            && names.len() == 1
            && names[0].ends_with(".ipynb");
        if is_save {
            // A save record: its linked commit holds the notebook and nothing else.
            let row = project.record(&rec.activity.to_string()).unwrap();
            assert!(files::is_file_record(&row.record));
            let ch = files::changes(&project, &row).unwrap();
            assert_eq!(ch.source, ChangeSource::LinkedCommit);
            assert_eq!(
                Some(ch.commit),
                rec.auto,
                "the linked commit is the auto-commit"
            );
            assert_eq!(ch.note, None);
            assert_eq!(ch.files.len(), 1, "{:?}", ch.files);
            let f = &ch.files[0];
            assert_eq!(
                (f.status, f.path()),
                (ChangeStatus::Modified, names[0].as_str())
            );
            seen.extend(check_against_ids(&project, f));
            saves += 1;
        } else if rec.message.contains("in notebook")
            && let Some(auto) = rec.auto
        {
            // Runs save the notebook too (unless Jupyter lagged): many more cases.
            for f in files::commit_changes(&project, auto).unwrap() {
                if f.is_notebook() {
                    seen.extend(check_against_ids(&project, &f));
                    runs += 1;
                }
            }
        }
    }
    assert!(
        saves >= 3 && runs >= 100,
        "{saves} notebook saves, {runs} runs"
    );
    assert_eq!(
        seen,
        BTreeSet::from([
            CellStatus::Added,
            CellStatus::Removed,
            CellStatus::Modified,
            CellStatus::Unchanged
        ])
    );
}

#[test]
fn without_ids_cells_align_by_content_much_as_ids_would() {
    let with = tempfile::tempdir().unwrap();
    let without = tempfile::tempdir().unwrap();
    let a = workload(with.path(), true);
    let b = workload(without.path(), false);
    assert_eq!(a.records.len(), b.records.len());
    let (pa, pb) = (
        Project::open(with.path(), None).unwrap(),
        Project::open(without.path(), None).unwrap(),
    );
    let statuses = |p: &Project, auto| {
        let mut out = Vec::new();
        for f in files::commit_changes(p, auto).unwrap() {
            if !f.is_notebook() {
                continue;
            }
            let FileDiff::Notebook(cells) = files::file_diff(p, &f) else {
                panic!("not a notebook diff")
            };
            // Without ids a move is seen only for a cell found elsewhere as it was, or nearly.
            assert!(cells.iter().all(|c| !c.moved
                || c.id.is_some()
                || c.source.stats.identical
                || c.status == CellStatus::Modified));
            out.push(
                cells
                    .iter()
                    .map(|c| (c.status, c.old_index, c.new_index))
                    .collect::<Vec<_>>(),
            );
        }
        out
    };
    let (mut same, mut total) = (0, 0);
    for (ra, rb) in a.records.iter().zip(&b.records) {
        assert_eq!(ra.message, rb.message, "the same history either way");
        let (Some(x), Some(y)) = (ra.auto, rb.auto) else {
            continue;
        };
        let (sa, sb) = (statuses(&pa, x), statuses(&pb, y));
        if sa.is_empty() {
            continue;
        }
        total += 1;
        if sa == sb {
            same += 1;
        }
    }
    eprintln!("content alignment agreed with ids on {same} of {total} notebook changes");
    assert!(total >= 100);
    assert!(
        same * 100 >= total * 90,
        "content alignment agreed with ids on {same} of {total} notebook changes"
    );
}

#[test]
fn uploads_add_files_code_saves_diff_and_output_pictures_are_summarised() {
    let dir = tempfile::tempdir().unwrap();
    let written = workload(dir.path(), true);
    let project = Project::open(dir.path(), None).unwrap();
    let (mut uploads, mut pictures, mut code_saves) = (0, 0, 0);
    for rec in &written.records {
        let row = project.record(&rec.activity.to_string()).unwrap();
        if rec.message.starts_with("Uploaded ") {
            uploads += 1;
            let ch = files::changes(&project, &row).unwrap();
            assert_eq!(ch.source, ChangeSource::LinkedCommit);
            let paths: Vec<&str> = ch.files.iter().map(|f| f.path()).collect();
            let mut want = detail_files(rec);
            want.sort();
            assert_eq!(paths, want);
            for f in &ch.files {
                assert_eq!(f.status, ChangeStatus::Added);
                assert!(!f.binary && f.old_blob.is_none() && f.old_path.is_none());
                let FileDiff::Text(t) = files::file_diff(&project, f) else {
                    panic!("a CSV is text")
                };
                let csv = project.blob(f.new_blob.unwrap()).unwrap();
                assert_eq!(t.stats.added, csv.iter().filter(|&&b| b == b'\n').count());
                assert_eq!(t.stats.removed, 0);
            }
        }
        if detail_files(rec) == ["code/utils.py"] {
            // Each save of the helpers file appends four-line functions (more than one when
            // the branch saved last before other branches' saves were merged in).
            code_saves += 1;
            let ch = files::changes(&project, &row).unwrap();
            assert_eq!(ch.files.len(), 1);
            let f = &ch.files[0];
            let want = if rec.message == "1 new file(s)." {
                ChangeStatus::Added
            } else {
                ChangeStatus::Modified
            };
            assert_eq!((f.path(), f.status), ("code/utils.py", want));
            let FileDiff::Text(t) = files::file_diff(&project, f) else {
                panic!("python is text")
            };
            assert_eq!(t.stats.removed, 0);
            assert!(t.stats.added > 0 && t.stats.added % 4 == 0, "{:?}", t.stats);
            let text = files::new_text(&t);
            assert_eq!(
                text.matches("def helper_").count() * 4,
                text.lines().count()
            );
        }
        if rec.meta.kind.id() == 4 {
            pictures += 1;
            let ch = files::changes(&project, &row).unwrap();
            assert_eq!(ch.files.len(), 1);
            let f = &ch.files[0];
            assert!(f.path().starts_with("output/figure_") && f.binary);
            let want_old = (rec.message == "1 modified file(s).").then_some(());
            assert_eq!(f.old_blob.map(|_| ()), want_old);
            let size = project.blob(f.new_blob.unwrap()).unwrap().len() as u64;
            match files::file_diff(&project, f) {
                FileDiff::Binary {
                    old_size,
                    new_size,
                    kind,
                } => {
                    assert_eq!(kind, "JPEG image");
                    assert_eq!(new_size, Some(size));
                    assert_eq!(old_size, f.old_size);
                }
                other => panic!("{other:?}"),
            }
        }
    }
    assert!(
        uploads >= 3 && pictures >= 2 && code_saves >= 2,
        "{uploads} uploads, {pictures} pictures, {code_saves} code saves"
    );
}

// ---------------------------------------------------------------- a crafted project

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

fn notebook(cells: Value) -> Vec<u8> {
    serde_json::to_vec_pretty(&json!({
        "cells": cells,
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5
    }))
    .unwrap()
}

fn code(id: &str, count: u32, source: &[&str], outputs: Value) -> Value {
    json!({"cell_type": "code", "id": id, "execution_count": count, "metadata": {},
           "source": source, "outputs": outputs})
}

fn stream(text: &str) -> Value {
    json!({"output_type": "stream", "name": "stdout", "text": [text]})
}

fn image(b64: &str) -> Value {
    json!({"output_type": "display_data", "metadata": {},
           "data": {"image/png": b64, "text/plain": ["<Figure size 432x288 with 1 Axes>"]}})
}

fn save(w: &mut ProjectWriter, type_id: i64, msg: &str, tags: &[&str], linked: Linked) -> String {
    let mut spec = RecordSpec::new(type_id, msg);
    spec.tags = tags.iter().map(|t| t.to_string()).collect();
    spec.linked = linked;
    spec.details.push(DetailSpec::text(
        4,
        2,
        "text/plain",
        "Modified a file".as_bytes().to_vec(),
    ));
    w.advance(60);
    w.record(spec).activity.to_string()
}

/// Records of the crafted project, by what they hold.
struct Crafted {
    _dir: tempfile::TempDir,
    path: String,
    notebook_edit: String,
    large: String,
    broken: String,
    moved: String,
    uuid_linked: String,
    empty_linked: String,
    directory: String,
    note: String,
}

fn crafted() -> Crafted {
    let dir = tempfile::tempdir().unwrap();
    let mut w = ProjectWriter::new(WriterOptions::default());
    let mut created = RecordSpec::new(7, "Created new Project: synthetic-project");
    created.details.push(DetailSpec::text(
        6,
        1,
        "text/markdown",
        "Created new Project",
    ));
    w.record(created);

    w.write_file(
        "code/analysis.ipynb",
        &notebook(json!([
            code(
                "c1",
                1,
                &["import pandas as pd\n", "df = pd.read_csv('input/a.csv')"],
                json!([])
            ),
            code("c2", 2, &["df.plot()"], json!([image("AAAA")])),
            code("c3", 3, &["print(len(df))"], json!([stream("150\n")])),
        ])),
    );
    w.write_file("input/small.csv", b"a,b\n1,2\n");
    save(&mut w, 2, "1 new file(s).", &["save"], Linked::AutoCommit);

    // c1 unchanged, c2 re-run with a new picture, c3 edited, c4 gone, a markdown cell added.
    w.write_file(
        "code/analysis.ipynb",
        &notebook(json!([
            code("c1", 1, &["import pandas as pd\n", "df = pd.read_csv('input/a.csv')"], json!([])),
            {"cell_type": "markdown", "id": "m1", "metadata": {}, "source": ["## Size"]},
            code("c2", 5, &["df.plot()"], json!([image("BBBB")])),
            code("c3", 6, &["print(len(df), 'rows')\n", "print(df.shape)"], json!([stream("150\n"), stream("(150, 2)\n")])),
        ])),
    );
    let notebook_edit = save(
        &mut w,
        2,
        "1 modified file(s).",
        &["save"],
        Linked::AutoCommit,
    );

    let mut big = String::from("x,y\n");
    while (big.len() as u64) <= MAX_DIFF_BYTES {
        big.push_str("12345.678,98765.4321\n");
    }
    w.write_file("input/big.csv", big.as_bytes());
    let mut blob = vec![0u8; (MAX_DIFF_BYTES + 10) as usize];
    blob[..4].copy_from_slice(b"PAR1");
    w.write_file("output/model.parquet", &blob);
    let large = save(
        &mut w,
        3,
        "Uploaded 2 new file(s).",
        &["save", "upload"],
        Linked::AutoCommit,
    );

    w.write_file(
        "code/broken.ipynb",
        &notebook(json!([code("b1", 1, &["x = 1"], json!([]))])),
    );
    save(&mut w, 2, "1 new file(s).", &["save"], Linked::AutoCommit);
    // Jupyter killed mid-write: the JSON is cut off.
    w.write_file(
        "code/broken.ipynb",
        b"{\n \"cells\": [\n  {\"cell_type\": \"code\", \"source\": [\"x = 2\"",
    );
    let broken = save(
        &mut w,
        2,
        "1 modified file(s).",
        &["save"],
        Linked::AutoCommit,
    );

    w.remove_file("input/small.csv");
    w.write_file("input/renamed.csv", b"a,b\n1,2\n");
    let moved = save(
        &mut w,
        3,
        "Moved 1 file(s).",
        &["file-move"],
        Linked::AutoCommit,
    );

    w.write_file("output/plot.png", PNG);
    let uuid_linked = save(&mut w, 4, "1 new file(s).", &["save"], Linked::Uuid);

    let empty_linked = save(&mut w, 3, "1 modified file(s).", &["save"], Linked::Empty);

    w.write_file("input/raw/.gitkeep", b"");
    let directory = save(
        &mut w,
        3,
        "Created new directory input/raw",
        &["directory-create"],
        Linked::AutoCommit,
    );

    let mut note = RecordSpec::new(0, "Thoughts");
    note.linked = Linked::Uuid;
    note.details
        .push(DetailSpec::text(7, 1, "text/markdown", "# Thoughts"));
    w.advance(60);
    let note = w.record(note).activity.to_string();

    w.finish(dir.path()).unwrap();
    Crafted {
        path: dir.path().to_str().unwrap().to_string(),
        _dir: dir,
        notebook_edit,
        large,
        broken,
        moved,
        uuid_linked,
        empty_linked,
        directory,
        note,
    }
}

fn open(c: &Crafted) -> Project {
    Project::open(std::path::Path::new(&c.path), None).unwrap()
}

fn changes_of(p: &Project, commit: &str) -> files::Changes {
    files::changes(p, &p.record(commit).unwrap()).unwrap()
}

#[test]
fn crafted_notebook_edit_shows_each_cell() {
    let c = crafted();
    let p = open(&c);
    let ch = changes_of(&p, &c.notebook_edit);
    assert_eq!(ch.files.len(), 1);
    let FileDiff::Notebook(cells) = files::file_diff(&p, &ch.files[0]) else {
        panic!()
    };
    let got: Vec<(&str, CellStatus, CellKind)> = cells
        .iter()
        .map(|c| (c.id.as_deref().unwrap(), c.status, c.kind))
        .collect();
    use CellStatus::*;
    assert_eq!(
        got,
        vec![
            ("c1", Unchanged, CellKind::Code),
            ("m1", Added, CellKind::Markdown),
            ("c2", Modified, CellKind::Code),
            ("c3", Modified, CellKind::Code),
        ]
    );
    let c2 = &cells[2];
    assert!(c2.source.stats.identical);
    assert!(c2.outputs.images_changed && !c2.outputs.text_changed);
    assert_eq!(c2.outputs.describe(), "1 output, image changed");
    assert_eq!((c2.old_count, c2.new_count), (Some(2), Some(5)));
    let c3 = &cells[3];
    assert_eq!((c3.source.stats.added, c3.source.stats.removed), (2, 1));
    assert_eq!(
        c3.outputs.describe(),
        "1 output → 2 outputs (stream → stream, stream), text changed"
    );
}

#[test]
fn large_binary_malformed_moved_and_unlinked_files() {
    let c = crafted();
    let p = open(&c);

    let ch = changes_of(&p, &c.large);
    let by_path: BTreeMap<&str, &files::FileChange> =
        ch.files.iter().map(|f| (f.path(), f)).collect();
    let big = by_path["input/big.csv"];
    assert!(!big.binary && big.new_size.unwrap() > MAX_DIFF_BYTES);
    assert_eq!(
        files::file_diff(&p, big),
        FileDiff::TooLarge {
            old_size: None,
            new_size: big.new_size,
            limit: MAX_DIFF_BYTES,
        }
    );
    let parquet = by_path["output/model.parquet"];
    assert!(
        parquet.binary,
        "a large file with a binary extension is binary unread"
    );
    assert_eq!(
        files::file_diff(&p, parquet),
        FileDiff::Binary {
            old_size: None,
            new_size: Some(MAX_DIFF_BYTES + 10),
            kind: "Parquet data".into()
        }
    );

    let ch = changes_of(&p, &c.broken);
    match files::file_diff(&p, &ch.files[0]) {
        FileDiff::NotebookAsText { diff, reason } => {
            assert!(reason.starts_with("new notebook: not JSON"), "{reason}");
            assert!(diff.stats.added > 0 && diff.stats.removed > 0);
            assert!(files::new_text(&diff).ends_with("[\"x = 2\""));
        }
        other => panic!("{other:?}"),
    }

    let ch = changes_of(&p, &c.moved);
    assert_eq!(ch.files.len(), 1);
    let f = &ch.files[0];
    assert_eq!(f.status, ChangeStatus::Renamed);
    assert_eq!(f.old_path.as_deref(), Some("input/small.csv"));
    assert_eq!(f.new_path.as_deref(), Some("input/renamed.csv"));
    assert_eq!(f.old_blob, f.new_blob);
    match files::file_diff(&p, f) {
        FileDiff::Text(t) => assert!(t.stats.identical),
        other => panic!("{other:?}"),
    }

    // A uuid for a linked commit: the activity commit changed only the log, so the auto-commit
    // before it is the change.
    let row = p.record(&c.uuid_linked).unwrap();
    let ch = files::changes(&p, &row).unwrap();
    assert_eq!(ch.source, ChangeSource::ParentCommit);
    assert!(
        ch.note.as_deref().unwrap().contains("is a uuid"),
        "{:?}",
        ch.note
    );
    let parent = p
        .repo()
        .find_commit(row.commit)
        .unwrap()
        .parent_id(0)
        .unwrap();
    assert_eq!(ch.commit, parent);
    assert_eq!(ch.files.len(), 1);
    assert_eq!(
        files::file_diff(&p, &ch.files[0]),
        FileDiff::Binary {
            old_size: None,
            new_size: Some(PNG.len() as u64),
            kind: "PNG image".into()
        }
    );

    let ch = changes_of(&p, &c.empty_linked);
    assert_eq!(ch.source, ChangeSource::ActivityCommit);
    assert!(ch.files.is_empty());
    assert!(ch.note.unwrap().contains("no linked_commit"));

    // Two commits: from the first notebook save to the move.
    let first = p.record(&c.notebook_edit).unwrap();
    let last = p.record(&c.moved).unwrap();
    let between = files::changes_between(&p, first.commit, last.commit).unwrap();
    let paths: Vec<(&str, ChangeStatus)> = between.iter().map(|f| (f.path(), f.status)).collect();
    assert_eq!(
        paths,
        vec![
            ("code/broken.ipynb", ChangeStatus::Added),
            ("input/big.csv", ChangeStatus::Added),
            ("input/renamed.csv", ChangeStatus::Renamed),
            ("output/model.parquet", ChangeStatus::Added),
        ]
    );
    assert!(
        between
            .iter()
            .all(|f| !f.path().starts_with(".gigantum/activity/"))
    );
}

#[test]
fn files_command_plain_output() {
    let c = crafted();
    let (code, out, err) = gtm(&["files", &c.notebook_edit, &c.path]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains('\x1b'), "plain when not a terminal");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with(&format!("record  {}", &c.notebook_edit[..7])));
    assert!(
        lines[0].ends_with("code  1 modified file(s)."),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("change  linked commit "),
        "{}",
        lines[1]
    );
    assert!(out.contains("\nM  code/analysis.ipynb  "), "{out}");
    assert!(
        out.contains(
            "── M code/analysis.ipynb: notebook, 2 cells modified, 1 added, 1 unchanged\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("── cell 2 · markdown · added · id m1\n"),
        "{out}"
    );
    assert!(
        out.contains("── cell 3 · code · modified · In [2] → In [5] · id c2\n   outputs: 1 output, image changed\n   source unchanged\n"),
        "{out}"
    );
    assert!(
        out.contains("── cell 4 · code · modified · In [3] → In [6] · id c3\n"),
        "{out}"
    );
    assert!(!out.contains("id c1"), "unchanged cells are only counted");
    // The markdown cell's source and c3's new line, with the plain markers.
    assert!(out.contains("+ ## Size"), "{out}");
    assert!(out.contains("+ print(df.shape)"), "{out}");
    assert!(!out.contains("\"cell_type\""), "never the raw JSON");

    let (code, unified, _) = gtm(&["files", "--unified", &c.notebook_edit, &c.path]);
    assert_eq!(code, 0);
    assert_ne!(unified, out);
    assert!(
        unified.lines().any(|l| l.contains("- print(len(df))")),
        "{unified}"
    );

    let (code, out, _) = gtm(&["files", &c.large, &c.path]);
    assert_eq!(code, 0);
    assert!(out.contains("A  input/big.csv         2.0 MB\n"), "{out}");
    assert!(
        out.contains("A  output/model.parquet  2.0 MB  binary\n"),
        "{out}"
    );
    assert!(
        out.contains(
            "── A input/big.csv: too large to compare (2.0 MB; the limit is 2.0 MB a side)"
        ),
        "{out}"
    );
    assert!(
        out.contains("── A output/model.parquet: Parquet data, 2.0 MB"),
        "{out}"
    );

    let (code, out, _) = gtm(&["files", &c.broken, &c.path]);
    assert_eq!(code, 0);
    assert!(
        out.contains(
            "── M code/broken.ipynb: not a notebook this can read (new notebook: not JSON"
        ),
        "{out}"
    );

    let (code, out, _) = gtm(&["files", &c.moved, &c.path]);
    assert_eq!(code, 0);
    assert!(
        out.contains("R  input/small.csv → input/renamed.csv  8 B\n"),
        "{out}"
    );
    assert!(
        out.contains("── R input/small.csv → input/renamed.csv: same content\n"),
        "{out}"
    );

    let (code, out, _) = gtm(&["files", &c.directory, &c.path]);
    assert_eq!(code, 0);
    assert!(out.contains("\nA  input/raw/.gitkeep  0 B\n"), "{out}");
    assert!(
        out.ends_with("── A input/raw/.gitkeep: empty file\n"),
        "{out}"
    );

    let (code, out, _) = gtm(&["files", &c.uuid_linked, &c.path]);
    assert_eq!(code, 0);
    assert!(
        out.contains("change  the auto-commit before the record "),
        "{out}"
    );
    assert!(out.contains("note    linked_commit "), "{out}");
    assert!(
        out.contains("── A output/plot.png: PNG image, 33 B"),
        "{out}"
    );
}

#[test]
fn files_command_json_and_errors() {
    let c = crafted();
    let (code, out, err) = gtm(&["files", "--json", &c.notebook_edit, &c.path]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 1);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["commit"], json!(c.notebook_edit));
    assert_eq!(doc["source"], "linked_commit");
    assert_eq!(doc["type"], "code");
    let f = &doc["files"][0];
    assert_eq!(f["status"], "modified");
    assert_eq!(f["path"], "code/analysis.ipynb");
    assert_eq!(f["binary"], false);
    let d = &f["diff"];
    assert_eq!(d["kind"], "notebook");
    assert_eq!(
        (&d["added"], &d["removed"], &d["modified"], &d["unchanged"]),
        (&json!(1), &json!(0), &json!(2), &json!(1))
    );
    let c3 = &d["cells"][3];
    assert_eq!(c3["id"], "c3");
    assert_eq!(c3["status"], "modified");
    assert_eq!(c3["cell_type"], "code");
    assert_eq!((&c3["added"], &c3["removed"]), (&json!(2), &json!(1)));
    assert_eq!(c3["outputs"]["old_types"], json!(["stream"]));
    assert_eq!(c3["outputs"]["text_changed"], true);
    assert_eq!(c3["outputs"]["changed"], true);
    assert_eq!(d["cells"][1]["cell_type"], "markdown");

    let (_, out, _) = gtm(&["files", "--json", &c.large, &c.path]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    let kinds: Vec<&Value> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["diff"])
        .collect();
    assert_eq!(
        *kinds[0],
        json!({"kind": "too_large", "limit": MAX_DIFF_BYTES})
    );
    assert_eq!(*kinds[1], json!({"kind": "binary", "type": "Parquet data"}));

    let (_, out, _) = gtm(&["files", "--json", &c.moved, &c.path]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["files"][0]["status"], "renamed");
    assert_eq!(doc["files"][0]["old_path"], "input/small.csv");
    assert_eq!(
        doc["files"][0]["diff"],
        json!({"kind": "text", "added": 0, "removed": 0, "identical": true, "line_endings_differ": false})
    );

    let (_, out, _) = gtm(&["files", "--json", &c.uuid_linked, &c.path]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["source"], "parent_commit");
    assert!(doc["note"].as_str().unwrap().contains("uuid"));

    let (code, out, err) = gtm(&["files", &c.note, &c.path]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.contains("is not a file record (note record"), "{err}");
    let (code, _, err) = gtm(&["files", &c.empty_linked, &c.path]);
    assert_eq!(code, 2);
    assert!(
        err.contains("has no linked change") && err.contains("no linked_commit"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);
    let (code, _, err) = gtm(&["files", "deadbeef", &c.path]);
    assert_eq!(code, 2);
    assert!(err.contains("deadbeef"), "{err}");
}

/// A notebook without cell ids (so cells pair by content) whose edited cells sit each alone
/// between unchanged ones, and cost more and more to compare: sources of 60 to 1,932 bytes,
/// a third of each one's characters replaced, so their similarity is about 0.7 but takes a
/// long diff to find.
fn expensive_pairing_project(dir: &std::path::Path) -> String {
    let mut seed: u64 = 15;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    let (mut old_cells, mut new_cells) = (Vec::new(), Vec::new());
    for k in 0..40 {
        let anchor = json!({"cell_type": "code", "execution_count": null, "metadata": {},
                            "source": [format!("step_{k} = {k}")], "outputs": []});
        old_cells.push(anchor.clone());
        new_cells.push(anchor);
        let len = 60 + k * 48;
        let old: String = (0..len).map(|_| b"abcd"[next() % 4] as char).collect();
        let new: String = old
            .chars()
            .enumerate()
            .map(|(i, c)| if i % 3 == 1 { 'x' } else { c })
            .collect();
        for src in [(&mut old_cells, old), (&mut new_cells, new)] {
            src.0.push(
                json!({"cell_type": "code", "execution_count": null, "metadata": {},
                              "source": [src.1], "outputs": []}),
            );
        }
    }
    let nb = |cells: Vec<Value>| {
        serde_json::to_vec_pretty(&json!({"cells": cells, "metadata": {},
                                          "nbformat": 4, "nbformat_minor": 4}))
        .unwrap()
    };
    let mut w = ProjectWriter::new(WriterOptions::default());
    w.record(RecordSpec::new(7, "Created new Project: synthetic-project"));
    w.write_file("code/heavy.ipynb", &nb(old_cells));
    save(&mut w, 2, "1 new file(s).", &["save"], Linked::AutoCommit);
    w.write_file("code/heavy.ipynb", &nb(new_cells));
    let edit = save(
        &mut w,
        2,
        "1 modified file(s).",
        &["save"],
        Linked::AutoCommit,
    );
    w.finish(dir).unwrap();
    edit
}

#[test]
fn same_files_same_json_under_load() {
    let dir = tempfile::tempdir().unwrap();
    let edit = expensive_pairing_project(dir.path());
    let path = dir.path().to_str().unwrap();
    // Both cores kept busy for the test's duration (and at most two minutes): a clock in the
    // pairing would pair differently from run to run.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let spinners: Vec<_> = (0..2)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let start = std::time::Instant::now();
                let mut x = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed)
                    && start.elapsed() < std::time::Duration::from_secs(120)
                {
                    x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
                }
            })
        })
        .collect();
    let outs: Vec<String> = (0..20)
        .map(|_| {
            let (code, out, err) = gtm(&["files", "--json", &edit, path]);
            assert_eq!(code, 0, "{err}");
            out
        })
        .collect();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for s in spinners {
        s.join().unwrap();
    }
    for (k, out) in outs.iter().enumerate() {
        assert!(out == &outs[0], "run {k} differs from run 0");
    }
    // And the answer is the exact one: every edited cell paired with its old self.
    let doc: Value = serde_json::from_str(&outs[0]).unwrap();
    let cells = doc["files"][0]["diff"]["cells"].as_array().unwrap();
    let statuses: Vec<&str> = cells.iter().filter_map(|c| c["status"].as_str()).collect();
    let modified = statuses.iter().filter(|s| **s == "modified").count();
    assert_eq!(modified, 40, "{statuses:?}");
}

/// A notebook without cell ids whose one long cell (30 import lines, then a 3,200-byte data
/// line) has its data line replaced: by bytes the versions have little in common, by lines
/// nearly everything.
#[test]
fn long_cell_with_a_new_data_line_is_modified() {
    let cell = |data: &str| {
        let mut lines: Vec<String> = (0..30).map(|i| format!("import module_{i:02}\n")).collect();
        lines.push(format!("data = '{}'\n", data.repeat(320)));
        json!({"cell_type": "code", "execution_count": null, "metadata": {},
               "source": lines, "outputs": []})
    };
    let nb = |cells: Vec<Value>| {
        serde_json::to_vec_pretty(&json!({"cells": cells, "metadata": {},
                                          "nbformat": 4, "nbformat_minor": 4}))
        .unwrap()
    };
    let anchor = json!({"cell_type": "markdown", "metadata": {}, "source": ["# Inputs"]});
    let dir = tempfile::tempdir().unwrap();
    let mut w = ProjectWriter::new(WriterOptions::default());
    w.record(RecordSpec::new(7, "Created new Project: synthetic-project"));
    w.write_file(
        "code/load.ipynb",
        &nb(vec![anchor.clone(), cell("0123456789")]),
    );
    save(&mut w, 2, "1 new file(s).", &["save"], Linked::AutoCommit);
    w.write_file("code/load.ipynb", &nb(vec![anchor, cell("abcdefghij")]));
    let edit = save(
        &mut w,
        2,
        "1 modified file(s).",
        &["save"],
        Linked::AutoCommit,
    );
    w.finish(dir.path()).unwrap();

    let (code, out, err) = gtm(&["files", "--json", &edit, dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    let d = &doc["files"][0]["diff"];
    assert_eq!(d["kind"], "notebook");
    assert_eq!(
        (&d["added"], &d["removed"], &d["modified"], &d["unchanged"]),
        (&json!(0), &json!(0), &json!(1), &json!(1))
    );
    let c = &d["cells"][1];
    assert_eq!((&c["old_index"], &c["new_index"]), (&json!(1), &json!(1)));
    assert_eq!((&c["added"], &c["removed"]), (&json!(1), &json!(1)));
}
