//! Tests of `diff`.

use super::*;

fn kinds(d: &TextDiff) -> Vec<RowKind> {
    d.rows.iter().map(|r| r.kind).collect()
}

fn rebuild(d: &TextDiff, left: bool) -> String {
    d.rows
        .iter()
        .filter_map(|r| {
            if left {
                r.left.as_ref()
            } else {
                r.right.as_ref()
            }
        })
        .map(|l| format!("{}{}", l.text, l.eol.as_str()))
        .collect()
}

#[test]
fn equal_texts() {
    let d = diff_text("a\nb\n", "a\nb\n");
    assert_eq!(kinds(&d), vec![RowKind::Equal, RowKind::Equal]);
    assert!(d.stats.identical);
    assert_eq!((d.stats.added, d.stats.removed), (0, 0));
    assert!(!d.line_endings_differ);
    let l = d.rows[1].left.as_ref().unwrap();
    assert_eq!((l.number, l.text.as_str()), (2, "b"));
}

#[test]
fn pure_insert() {
    let d = diff_text("a\nc\n", "a\nb\nc\n");
    assert_eq!(
        kinds(&d),
        vec![RowKind::Equal, RowKind::Insert, RowKind::Equal]
    );
    let row = &d.rows[1];
    assert!(row.left.is_none());
    let r = row.right.as_ref().unwrap();
    assert_eq!((r.number, r.text.as_str()), (2, "b"));
    assert_eq!(d.rows[2].left.as_ref().unwrap().number, 2);
    assert_eq!(d.rows[2].right.as_ref().unwrap().number, 3);
    assert_eq!((d.stats.added, d.stats.removed), (1, 0));
    assert!(!d.stats.identical);
}

#[test]
fn pure_delete() {
    let d = diff_text("a\nb\nc\n", "a\nc\n");
    assert_eq!(
        kinds(&d),
        vec![RowKind::Equal, RowKind::Delete, RowKind::Equal]
    );
    assert!(d.rows[1].right.is_none());
    assert_eq!((d.stats.added, d.stats.removed), (0, 1));
}

#[test]
fn changed_word_is_emphasised() {
    let d = diff_text(
        "x = 1\ny = df['price'] * 2\nz = 3\n",
        "x = 1\ny = df['cost'] * 2\nz = 3\n",
    );
    assert_eq!(
        kinds(&d),
        vec![RowKind::Equal, RowKind::Change, RowKind::Equal]
    );
    let row = &d.rows[1];
    let (l, r) = (row.left.as_ref().unwrap(), row.right.as_ref().unwrap());
    assert_eq!(l.emphasis, vec![8..13]);
    assert_eq!(&l.text[8..13], "price");
    assert_eq!(r.emphasis, vec![8..12]);
    assert_eq!(&r.text[8..12], "cost");
    assert_eq!((d.stats.added, d.stats.removed), (1, 1));
}

#[test]
fn replace_hunk_pairs_in_order() {
    let d = diff_text("a\nold1\nold2\nold3\nz\n", "a\nnew1\nnew2\nz\n");
    assert_eq!(
        kinds(&d),
        vec![
            RowKind::Equal,
            RowKind::Change,
            RowKind::Change,
            RowKind::Delete,
            RowKind::Equal
        ]
    );
    assert_eq!(d.rows[1].left.as_ref().unwrap().text, "old1");
    assert_eq!(d.rows[1].right.as_ref().unwrap().text, "new1");
    assert_eq!(d.rows[3].left.as_ref().unwrap().text, "old3");
    assert_eq!((d.stats.added, d.stats.removed), (2, 3));
}

#[test]
fn very_different_lines_get_no_emphasis() {
    let d = diff_text("print(total_sales)\n", "import numpy as np\n");
    assert_eq!(kinds(&d), vec![RowKind::Change]);
    assert!(d.rows[0].left.as_ref().unwrap().emphasis.is_empty());
    assert!(d.rows[0].right.as_ref().unwrap().emphasis.is_empty());
}

#[test]
fn long_lines_get_no_emphasis() {
    let a = format!("x = [{}]", "1, ".repeat(1000));
    let b = format!("y = [{}]", "1, ".repeat(1000));
    let d = diff_text(&a, &b);
    assert_eq!(kinds(&d), vec![RowKind::Change]);
    assert!(d.rows[0].left.as_ref().unwrap().emphasis.is_empty());
}

#[test]
fn trailing_newline_difference() {
    let d = diff_text("a\nb", "a\nb\n");
    assert_eq!(kinds(&d), vec![RowKind::Equal, RowKind::Equal]);
    assert!(!d.stats.identical);
    assert!(d.line_endings_differ);
    assert_eq!(d.rows[1].left.as_ref().unwrap().eol, Eol::None);
    assert_eq!(d.rows[1].right.as_ref().unwrap().eol, Eol::Lf);
    assert_eq!(rebuild(&d, true), "a\nb");
    assert_eq!(rebuild(&d, false), "a\nb\n");
    // An extra empty line at the end is a real line.
    let d = diff_text("a\n", "a\n\n");
    assert_eq!(kinds(&d), vec![RowKind::Equal, RowKind::Insert]);
}

#[test]
fn empty_against_non_empty() {
    let d = diff_text("", "a\nb");
    assert_eq!(kinds(&d), vec![RowKind::Insert, RowKind::Insert]);
    assert_eq!((d.stats.added, d.stats.removed), (2, 0));
    let d = diff_text("a\n", "");
    assert_eq!(kinds(&d), vec![RowKind::Delete]);
    let d = diff_text("", "");
    assert!(d.rows.is_empty());
    assert!(d.stats.identical);
    assert!(d.fold(3).is_empty());
}

#[test]
fn crlf_compares_by_content() {
    let d = diff_text("a\r\nb\r\n", "a\nb\n");
    assert_eq!(kinds(&d), vec![RowKind::Equal, RowKind::Equal]);
    assert!(d.line_endings_differ);
    assert_eq!(rebuild(&d, true), "a\r\nb\r\n");
    let d = diff_text("a\r\nb\r\n", "a\r\nc\r\n");
    assert_eq!(kinds(&d), vec![RowKind::Equal, RowKind::Change]);
    assert_eq!(d.rows[1].right.as_ref().unwrap().text, "c");
    assert!(!d.line_endings_differ);
}

#[test]
fn unicode_ranges_on_char_boundaries() {
    let d = diff_text("naïve = «café»\n", "naïve = «thé»\n");
    let row = &d.rows[0];
    let (l, r) = (row.left.as_ref().unwrap(), row.right.as_ref().unwrap());
    assert_eq!(l.emphasis.len(), 1);
    assert_eq!(l.text.get(l.emphasis[0].clone()), Some("café"));
    assert_eq!(r.text.get(r.emphasis[0].clone()), Some("thé"));
    let d = diff_text("价格 = 1\n", "成本 = 1\n");
    let l = d.rows[0].left.as_ref().unwrap();
    for e in &l.emphasis {
        assert!(l.text.is_char_boundary(e.start) && l.text.is_char_boundary(e.end));
    }
}

#[test]
fn adjacent_changed_words_join() {
    let d = diff_text("a = foo bar + 1\n", "a = baz qux + 1\n");
    let l = d.rows[0].left.as_ref().unwrap();
    assert_eq!(l.emphasis, vec![4..11]);
}

#[test]
fn folding() {
    let old: String = (0..100).map(|i| format!("line {i}\n")).collect();
    let new = old.replace("line 50\n", "line fifty\n");
    let d = diff_text(&old, &new);
    let segs = d.fold(3);
    assert_eq!(
        segs,
        vec![
            Segment::Folded(0..47),
            Segment::Shown(47..54),
            Segment::Folded(54..100),
        ]
    );
    // Context large enough to meet: nothing folded.
    assert_eq!(d.fold(60), vec![Segment::Shown(0..100)]);
    // A one-line gap is not worth a marker.
    let d2 = diff_text("a\nb\nc\nd\ne\n", "A\nb\nc\nd\nE\n");
    assert_eq!(d2.fold(1), vec![Segment::Shown(0..5)]);
    let same = diff_text(&old, &old);
    assert_eq!(same.fold(3), vec![Segment::Folded(0..100)]);
}

#[test]
fn over_budget_is_coarse_and_does_not_depend_on_time() {
    // 20,000 lines, every one different: far over the line budget, with no unique line in
    // common to anchor on, so one replace block of Change rows, every time.
    let old: String = (0..20_000).map(|i| format!("a{i} {}\n", i * 7)).collect();
    let new: String = (0..20_000).map(|i| format!("b{} {i}\n", i * 3)).collect();
    let d = diff_text(&old, &new);
    assert!(d.coarse);
    assert_eq!(kinds(&d), vec![RowKind::Change; 20_000]);
    assert_eq!(d, diff_text(&old, &new));
    assert_eq!(rebuild(&d, true), old);
    assert_eq!(rebuild(&d, false), new);
    // A small edit in a large text stays exact.
    let big: String = (0..20_000).map(|i| format!("line {i}\n")).collect();
    let d = diff_text(&big, &big.replace("line 9999\n", "line nine\n"));
    assert!(!d.coarse);
    assert_eq!((d.stats.added, d.stats.removed), (1, 1));
}

#[test]
fn over_budget_anchors_on_unique_lines() {
    // Unique lines kept, the stretches between them all different and too dear: the
    // stretches show replaced whole, the unique lines equal.
    let old: String = (0..300)
        .map(|i| {
            if i % 100 == 50 {
                format!("keep {i}\n")
            } else {
                format!("a{i}\n")
            }
        })
        .collect();
    let new: String = (0..300)
        .map(|i| {
            if i % 100 == 50 {
                format!("keep {i}\n")
            } else {
                format!("b{i}\n")
            }
        })
        .collect();
    let opts = DiffOptions {
        line_steps: 1_000,
        ..DiffOptions::default()
    };
    let d = diff_text_with(&old, &new, &opts);
    assert!(d.coarse);
    let equal: Vec<usize> = (0..d.rows.len())
        .filter(|&k| d.rows[k].kind == RowKind::Equal)
        .collect();
    assert_eq!(equal, vec![50, 150, 250]);
    assert_eq!(d, diff_text_with(&old, &new, &opts));
}

#[test]
fn emphasis_budget_is_spent_in_row_order() {
    // Each row's word diff is one token against one after trimming: 4 steps.
    let old = "a = f(price)\nb = f(price)\nc = f(price)\n";
    let new = old.replace("price", "cost");
    let opts = DiffOptions {
        emphasis_steps: 8,
        ..DiffOptions::default()
    };
    let d = diff_text_with(old, &new, &opts);
    let emphasised: Vec<bool> = d
        .rows
        .iter()
        .map(|r| !r.left.as_ref().unwrap().emphasis.is_empty())
        .collect();
    assert_eq!(emphasised, vec![true, true, false]);
    assert!(d.coarse);
    assert!(!diff_text(old, &new).coarse);
}

mod prop {
    use super::*;
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("a".to_string()),
                Just("b c".to_string()),
                Just("é".to_string()),
                Just("价".to_string()),
                Just("x = f(y)".to_string()),
                Just("\n".to_string()),
                Just("\r\n".to_string()),
                Just("\r".to_string()),
                Just(" ".to_string()),
                Just("🦀".to_string()),
                "\\PC{0,3}",
            ],
            0..40,
        )
        .prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn rows_rebuild_inputs_and_ranges_are_valid(old in text(), new in text()) {
            let d = diff_text(&old, &new);
            prop_assert_eq!(rebuild(&d, true), old.clone());
            prop_assert_eq!(rebuild(&d, false), new.clone());
            let mut added = 0;
            let mut removed = 0;
            for row in &d.rows {
                added += usize::from(row.right.is_some() && row.kind != RowKind::Equal);
                removed += usize::from(row.left.is_some() && row.kind != RowKind::Equal);
                for line in row.left.iter().chain(row.right.iter()) {
                    let mut end = 0;
                    for e in &line.emphasis {
                        prop_assert!(e.start >= end && e.start < e.end);
                        prop_assert!(e.end <= line.text.len());
                        prop_assert!(line.text.is_char_boundary(e.start));
                        prop_assert!(line.text.is_char_boundary(e.end));
                        end = e.end;
                    }
                    if row.kind != RowKind::Change {
                        prop_assert!(line.emphasis.is_empty());
                    }
                }
                if row.kind == RowKind::Equal {
                    prop_assert_eq!(
                        row.left.as_ref().map(|l| &l.text),
                        row.right.as_ref().map(|l| &l.text)
                    );
                }
            }
            prop_assert_eq!(added, d.stats.added);
            prop_assert_eq!(removed, d.stats.removed);
            prop_assert_eq!(d.stats.identical, old == new);
            let folded: usize = d.fold(2).iter().map(|s| s.rows().len()).sum();
            prop_assert_eq!(folded, d.rows.len());
        }
    }
}
