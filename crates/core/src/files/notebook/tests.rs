//! Tests of `notebook`.

use super::*;
use crate::bounded;
use serde_json::{Value, json};

/// The outputs as the reader gives them, from their JSON.
fn summarize(old: &[Value], new: &[Value]) -> OutputsSummary {
    let read = |o: &[Value]| o.iter().map(Output::from_json).collect::<Vec<_>>();
    super::summarize(&read(old), &read(new))
}

fn ratio(a: &str, b: &str, budget: &mut Budget) -> f32 {
    similarity(
        &Source::new(a),
        &Source::new(b),
        MIN_CELL_SIMILARITY,
        budget,
    )
}

fn nb(cells: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
        .unwrap()
}

fn code(id: Option<&str>, src: &str, outputs: Value) -> Value {
    let mut c = json!({"cell_type": "code", "source": src, "metadata": {}, "execution_count": 1, "outputs": outputs});
    if let Some(id) = id {
        c["id"] = json!(id);
    }
    c
}

fn md(id: Option<&str>, src: &str) -> Value {
    let mut c = json!({"cell_type": "markdown", "source": [src], "metadata": {}});
    if let Some(id) = id {
        c["id"] = json!(id);
    }
    c
}

#[test]
fn ratio_is_exact_within_budget_and_the_byte_count_bound_past_it() {
    // Similar by byte counts (same letters), much less by order: the exact ratio says
    // no pair, the coarse one past the budget yes, and each says so every time.
    let a: String = "abcd".repeat(400);
    let b: String = "dcba".repeat(400);
    let exact = ratio(&a, &b, &mut Budget::new(u64::MAX));
    let coarse = ratio(&a, &b, &mut Budget::new(0));
    assert_eq!(
        exact,
        bounded::ratio_of(bounded::lcs_len(a.as_bytes(), b.as_bytes()), 1600, 1600)
    );
    assert_eq!(coarse, 1.0);
    assert!(exact < 0.6);
    // The pairing's budget is spent in cell order: the first pair is priced exactly.
    let mut budget = Budget::new(bounded::lcs_cost(1600, 1600));
    assert_eq!(ratio(&a, &b, &mut budget), exact);
    assert_eq!(budget.left(), 0);
    assert_eq!(ratio(&a, &b, &mut budget), coarse);
}

/// 30 import lines, then one long data line that differs in every byte.
fn imports_and_data(data: &str) -> String {
    let imports: String = (0..30).map(|i| format!("import module_{i:02}\n")).collect();
    format!("{imports}data = '{}'\n", data.repeat(320))
}

#[test]
fn long_sources_pair_by_lines_whatever_their_bytes() {
    let (a, b) = (
        imports_and_data("0123456789"),
        imports_and_data("abcdefghij"),
    );
    assert!(a.len() > 2_000);
    // Their byte counts are far apart, their lines are not: 30 of 31 in common.
    assert!(bounded::byte_histogram_ratio(a.as_bytes(), b.as_bytes()) < 0.2);
    let r = ratio(&a, &b, &mut Budget::new(PAIRING_STEPS));
    assert!((r - 60.0 / 62.0).abs() < 1e-6, "{r}");
    let d = diff_notebooks(
        Some(&nb(json!([code(None, &a, json!([]))]))),
        Some(&nb(json!([code(None, &b, json!([]))]))),
    )
    .unwrap();
    assert_eq!(statuses(&d), vec![(CellStatus::Modified, Some(0), Some(0))]);
    // Long sources with no line in common cost nothing to tell apart.
    let c: String = (0..300).map(|i| format!("y_{i} = {i}\n")).collect();
    let mut budget = Budget::new(PAIRING_STEPS);
    assert_eq!(ratio(&a, &c, &mut budget), 0.0);
    assert_eq!(budget.left(), PAIRING_STEPS);
}

#[test]
fn non_ascii_sources_compare_by_characters() {
    // Unrelated Japanese ("preprocess the data", "train the model"): their UTF-8 bytes share
    // lead and continuation bytes, their characters little.
    let (a, b) = ("データの前処理を行います", "モデルを学習させます");
    let bytes = bounded::ratio_of(
        bounded::lcs_len(a.as_bytes(), b.as_bytes()),
        a.len(),
        b.len(),
    );
    assert!(bytes >= MIN_CELL_SIMILARITY, "{bytes}");
    let chars = similar::TextDiff::from_chars(a, b).ratio();
    assert!(chars < MIN_CELL_SIMILARITY, "{chars}");
    assert_eq!(ratio(a, b, &mut Budget::new(PAIRING_STEPS)), chars);
    // Between two cells that stay (one gone and one come between the same neighbours would
    // be a rewrite in place, whatever the ratio).
    let d = diff_notebooks(
        Some(&nb(json!([md(None, "# top"), md(None, a), md(None, "x")]))),
        Some(&nb(json!([
            md(None, "# top"),
            md(None, b),
            md(None, "注"),
            md(None, "x")
        ]))),
    )
    .unwrap();
    use CellStatus::*;
    assert_eq!(
        statuses(&d),
        vec![
            (Unchanged, Some(0), Some(0)),
            (Removed, Some(1), None),
            (Added, None, Some(1)),
            (Added, None, Some(2)),
            (Unchanged, Some(2), Some(3)),
        ]
    );
    // An edit of one of them still pairs, at its character ratio.
    let edited = "データの前処理を丁寧に行います";
    let r = ratio(a, edited, &mut Budget::new(PAIRING_STEPS));
    assert_eq!(r, similar::TextDiff::from_chars(a, edited).ratio());
    assert!(r > 0.8, "{r}");
    // The budget is spent by characters, and past it the character-count bound answers:
    // the same characters, reordered.
    let moved = "行いますデータの前処理を";
    let mut budget = Budget::new(bounded::lcs_cost(12, 12));
    let exact = ratio(a, moved, &mut budget);
    assert_eq!(exact, similar::TextDiff::from_chars(a, moved).ratio());
    assert_eq!(budget.left(), 0);
    assert_eq!(ratio(a, moved, &mut budget), 1.0);
    assert!(exact < 0.7, "{exact}");
}

fn statuses(c: &[CellChange]) -> Vec<(CellStatus, Option<usize>, Option<usize>)> {
    c.iter()
        .map(|c| (c.status, c.old_index, c.new_index))
        .collect()
}

#[test]
fn pairs_by_id_and_marks_moves() {
    let old = nb(json!([
        code(Some("a"), "import pandas as pd", json!([])),
        code(Some("b"), "df = pd.read_csv('x')", json!([])),
        code(Some("e"), "df.describe()", json!([])),
        code(Some("c"), "df.head()", json!([])),
    ]));
    let new = nb(json!([
        code(Some("c"), "df.head(10)", json!([])),
        code(Some("a"), "import pandas as pd", json!([])),
        code(Some("e"), "df.describe()", json!([])),
        md(Some("d"), "# Notes"),
    ]));
    let d = diff_notebooks(Some(&old), Some(&new)).unwrap();
    use CellStatus::*;
    assert_eq!(
        statuses(&d),
        vec![
            (Modified, Some(3), Some(0)),
            (Unchanged, Some(0), Some(1)),
            (Removed, Some(1), None),
            (Unchanged, Some(2), Some(2)),
            (Added, None, Some(3)),
        ]
    );
    let moved: Vec<bool> = d.iter().map(|c| c.moved).collect();
    assert_eq!(moved, vec![true, false, false, false, false]);
    assert_eq!(d[4].kind, CellKind::Markdown);
    assert_eq!(d[0].id.as_deref(), Some("c"));
    assert_eq!((d[0].source.stats.added, d[0].source.stats.removed), (1, 1));
}

#[test]
fn pairs_by_content_without_ids() {
    let old = nb(json!([
        code(None, "import numpy as np", json!([])),
        code(None, "x = np.arange(10)\nprint(x.mean())", json!([])),
        code(None, "y = 2", json!([])),
    ]));
    let new = nb(json!([
        code(None, "import numpy as np", json!([])),
        md(None, "## Mean"),
        code(None, "x = np.arange(20)\nprint(x.mean())", json!([])),
        code(None, "z = totally_different_thing()", json!([])),
    ]));
    let d = diff_notebooks(Some(&old), Some(&new)).unwrap();
    use CellStatus::*;
    assert_eq!(
        statuses(&d),
        vec![
            (Unchanged, Some(0), Some(0)),
            (Added, None, Some(1)),
            (Modified, Some(1), Some(2)),
            (Removed, Some(2), None),
            (Added, None, Some(3)),
        ]
    );
}

#[test]
fn outputs_by_count_type_and_content() {
    let img = |d: &str| json!({"output_type": "display_data", "data": {"image/png": d, "text/plain": ["<Figure>"]}, "metadata": {}});
    let st = |t: &str| json!({"output_type": "stream", "name": "stdout", "text": [t]});
    let s = summarize(
        &[st("1\n"), img("AAAA")],
        &[st("1\n"), img("BBBB"), st("2\n")],
    );
    assert!(s.changed() && s.images_changed && s.text_changed && !s.other_changed);
    assert_eq!(
        s.describe(),
        "2 outputs → 3 outputs (stream, display_data → stream, display_data, stream), text changed, image changed"
    );
    let same = summarize(
        &[st("1\n")],
        &[json!({"output_type": "stream", "name": "stdout", "text": "1\n"})],
    );
    assert!(!same.changed());
    assert_eq!(same.describe(), "1 output, unchanged");
    assert_eq!(summarize(&[], &[]).describe(), "no outputs");
    assert_eq!(
        summarize(&[], &[st("x\n")]).describe(),
        "no outputs → 1 output (stream)"
    );
    let pic = summarize(&[img("AAAA")], &[img("BBBB")]);
    assert!(!pic.text_changed && pic.images_changed);
    assert_eq!(pic.describe(), "1 output, image changed");
    let err = json!({"output_type": "error", "ename": "NameError", "evalue": "x", "traceback": []});
    let e = summarize(&[st("ok\n")], &[err]);
    assert_eq!(
        e.describe(),
        "1 output (stream → error), text changed, raises NameError"
    );
    // A re-run's execution count in execute_result is not a content change.
    let r = |n: u32| json!({"output_type": "execute_result", "execution_count": n, "data": {"text/plain": "3"}, "metadata": {}});
    assert!(!summarize(&[r(1)], &[r(7)]).changed());
}

#[test]
fn malformed_notebooks_say_why() {
    for (bytes, why) in [
        (&b"{not json"[..], "not JSON"),
        (b"[1,2]", "not a JSON object"),
        (b"{\"cells\": 3}", "`cells` is not a list"),
        (b"{\"worksheets\": []}", "nbformat 3"),
        (b"{\"nbformat\": 4}", "no `cells` list"),
        (b"{\"cells\": [5]}", "cell 1 is not an object"),
        (b"{\"cells\": [{\"source\": 5}]}", "cell 1: bad `source`"),
    ] {
        let e = diff_notebooks(Some(b"{\"cells\": []}"), Some(bytes)).unwrap_err();
        assert!(e.contains(why) && e.contains("new notebook"), "{e}");
    }
    assert_eq!(
        diff_notebooks(Some(b""), Some(b"  \n")).unwrap(),
        Vec::new()
    );
}

#[test]
fn cut_off_and_odd_notebooks_never_panic() {
    let full = nb(json!([
        md(Some("m"), "# T"),
        code(Some("a"), "x = 1", json!([{"output_type": "error", "ename": 5, "traceback": "no"}])),
        {"cell_type": 7, "source": null, "outputs": {"x": 1}, "id": 3},
    ]));
    for cut in 0..full.len() {
        let part = &full[..cut];
        let _ = diff_notebooks(Some(&full), Some(part));
        let _ = diff_notebooks(Some(part), None);
    }
    assert!(diff_notebooks(Some(&full), Some(&full)).is_ok());
}

#[test]
fn nbformat_3_notebooks_are_compared_cell_by_cell() {
    let v3 = |code: &str, out: &str| {
        serde_json::to_vec(&json!({"nbformat": 3, "nbformat_minor": 0, "metadata": {},
        "worksheets": [{"metadata": {}, "cells": [
            {"cell_type": "heading", "level": 1, "source": "Title"},
            {"cell_type": "code", "input": code, "language": "python", "prompt_number": 1,
             "outputs": [{"output_type": "pyout", "prompt_number": 1, "text": out}]}
        ]}]}))
        .unwrap()
    };
    let d = diff_notebooks(Some(&v3("x = 1", "1")), Some(&v3("x = 2", "2"))).unwrap();
    use CellStatus::*;
    assert_eq!(
        statuses(&d),
        vec![(Unchanged, Some(0), Some(0)), (Modified, Some(1), Some(1))]
    );
    assert_eq!(d[0].kind, CellKind::Markdown);
    assert_eq!(d[1].new_count, Some(1));
    assert_eq!(d[1].outputs.new_types, vec!["execute_result".to_string()]);
    assert!(d[1].outputs.text_changed);
}

#[test]
fn added_and_deleted_notebooks() {
    let n = nb(json!([md(None, "# T"), code(None, "1", json!([]))]));
    let added = diff_notebooks(None, Some(&n)).unwrap();
    assert!(added.iter().all(|c| c.status == CellStatus::Added));
    let gone = diff_notebooks(Some(&n), None).unwrap();
    assert!(gone.iter().all(|c| c.status == CellStatus::Removed));
    assert_eq!(gone.len(), 2);
}

#[test]
fn kind_change_is_a_modification() {
    let old = nb(json!([code(Some("a"), "# T", json!([]))]));
    let new = nb(json!([md(Some("a"), "# T")]));
    let d = diff_notebooks(Some(&old), Some(&new)).unwrap();
    assert_eq!(d[0].status, CellStatus::Modified);
    assert_eq!(
        (d[0].kind, d[0].old_kind),
        (CellKind::Markdown, Some(CellKind::Code))
    );
}

#[test]
fn lis_finds_moved_pairs() {
    assert_eq!(out_of_order(&[(0, 0), (1, 1), (2, 2)]), vec![false; 3]);
    assert_eq!(
        out_of_order(&[(0, 2), (1, 0), (2, 1)]),
        vec![true, false, false]
    );
    assert_eq!(out_of_order(&[]), Vec::<bool>::new());
}
