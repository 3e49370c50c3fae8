//! Tests of `diff`.

use super::*;
use crate::diff::diff_text;

fn text(line: &Line) -> String {
    line.spans.iter().map(|s| s.content.as_ref()).collect()
}

/// The cells `from..to` of a line, by display width (test text is ASCII there).
fn cols(line: &Line, from: usize, to: usize) -> String {
    let mut out = String::new();
    let mut col = 0;
    for c in text(line).chars() {
        let w = c.width().unwrap_or(0);
        if col >= from && col + w <= to {
            out.push(c);
        }
        col += w;
    }
    out
}

fn assert_widths(lines: &[Line], width: usize) {
    for l in lines {
        assert!(l.width() <= width, "{} > {width}: {:?}", l.width(), text(l));
    }
}

const OLD: &str = "import pandas as pd\ndf = load()\ny = df['price'] * 2\nprint(y)\n";
const NEW: &str = "import pandas as pd\ndf = load()\ny = df['cost'] * 2\nprint(y)\nsave(y)\n";

#[test]
fn side_by_side_numbers_and_emphasis() {
    let d = diff_text(OLD, NEW);
    let st = DiffStyles::dark();
    let lines = side_by_side(&d, None, None, 80, None, &st, false);
    assert_eq!(lines.len(), 5);
    assert_widths(&lines, 80);
    for l in &lines {
        assert_eq!(l.width(), 80);
    }
    let row = &lines[2];
    let t = text(row);
    assert!(t.starts_with("3 y = df['price'] * 2"), "{t:?}");
    assert!(t.contains("\u{2502}3 y = df['cost'] * 2"), "{t:?}");
    let price = row.spans.iter().find(|s| s.content == "price").unwrap();
    assert_eq!(price.style.bg, st.deleted_emph.bg);
    let cost = row.spans.iter().find(|s| s.content == "cost").unwrap();
    assert_eq!(cost.style.bg, st.inserted_emph.bg);
    // The rest of the changed line is on the line background, not the emphasis one.
    let rest = row.spans.iter().find(|s| s.content == "y = df['").unwrap();
    assert_eq!(rest.style.bg, st.deleted.bg);
    // The inserted line has nothing on the left.
    let t = text(&lines[4]);
    assert!(t.starts_with(&" ".repeat(39)), "{t:?}");
    assert!(t.contains("5 save(y)"));
    assert_eq!(lines[4].spans[0].style, st.empty);
}

#[test]
fn syntax_colours_survive_under_the_background() {
    let d = diff_text("x = 1\n", "x = 2\n");
    let red = Style::new().fg(Color::Red);
    let hl_old: Vec<StyledLine> = vec![vec![
        (red, "x".into()),
        (Style::new(), " = ".into()),
        (red, "1".into()),
    ]];
    let st = DiffStyles::dark();
    let lines = side_by_side(&d, Some(&hl_old), None, 40, None, &st, false);
    let x = lines[0].spans.iter().find(|s| s.content == "x").unwrap();
    assert_eq!(x.style.fg, Some(Color::Red));
    assert_eq!(x.style.bg, st.deleted.bg);
    // The first "1" is the line number.
    let one = lines[0]
        .spans
        .iter()
        .filter(|s| s.content == "1")
        .nth(1)
        .unwrap();
    assert_eq!(one.style.fg, Some(Color::Red));
    assert_eq!(one.style.bg, st.deleted_emph.bg);
    // Highlighting that does not spell the line is ignored rather than misplaced.
    let wrong: Vec<StyledLine> = vec![vec![(red, "y = 1".into())]];
    let lines = side_by_side(&d, Some(&wrong), None, 40, None, &st, false);
    assert!(
        lines[0]
            .spans
            .iter()
            .all(|s| s.style.fg != Some(Color::Red))
    );
}

#[test]
fn long_line_wraps_without_loss() {
    let long: String = (0..200)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    let old = format!("a\n{long}\nb\n");
    let new = "a\nshort\nb\n";
    let d = diff_text(&old, new);
    let st = DiffStyles::dark();
    let lines = side_by_side(&d, None, None, 80, None, &st, false);
    assert_widths(&lines, 80);
    // Left column: 39 cells, 2 of them gutter ("2 "), so 37 of text per row.
    let rows: Vec<&Line> = lines[1..lines.len() - 1].iter().collect();
    assert_eq!(rows.len(), 200usize.div_ceil(37));
    let left: String = rows.iter().map(|l| cols(l, 2, 39)).collect();
    assert_eq!(left.trim_end(), long);
    // The right column holds the short line, then padding on the inserted background.
    assert_eq!(cols(rows[0], 40, 80).trim_end(), "2 short");
    for r in &rows[1..] {
        assert_eq!(cols(r, 40, 80).trim(), "");
        let last = r.spans.last().unwrap();
        assert_eq!(last.style.bg, st.inserted.bg);
    }
    // Continuation rows have no line number.
    assert!(cols(rows[1], 0, 2).trim().is_empty());
}

/// A long line of words breaks after a space: no word is cut in two, and nothing is lost.
#[test]
fn long_lines_wrap_at_words() {
    let words: Vec<String> = (0..30).map(|i| format!("word{i:02}")).collect();
    let long = words.join(" ");
    let d = diff_text(&format!("a\n{long}\n"), "a\nshort\n");
    let st = DiffStyles::dark();
    let lines = side_by_side(&d, None, None, 80, None, &st, false);
    assert_widths(&lines, 80);
    let rows: Vec<String> = lines[1..]
        .iter()
        .map(|l| cols(l, 2, 39).trim_end().to_string())
        .filter(|r| !r.is_empty())
        .collect();
    assert!(rows.len() > 1, "{rows:?}");
    for r in &rows {
        for w in r.split(' ').filter(|w| !w.is_empty()) {
            assert!(
                words.iter().any(|x| x == w),
                "a word cut: {w:?} in {rows:?}"
            );
        }
    }
    assert_eq!(rows.join(" ").split_whitespace().collect::<Vec<_>>(), words);
}

#[test]
fn unified_markers_and_numbers() {
    let d = diff_text(OLD, NEW);
    let st = DiffStyles::dark();
    let lines = unified(&d, None, None, 60, None, &st, false);
    let texts: Vec<String> = lines
        .iter()
        .map(|l| text(l).trim_end().to_string())
        .collect();
    assert_eq!(
        texts,
        vec![
            "1 1   import pandas as pd",
            "2 2   df = load()",
            "3   - y = df['price'] * 2",
            "  3 + y = df['cost'] * 2",
            "4 4   print(y)",
            "  5 + save(y)",
        ]
    );
    let price = lines[2]
        .spans
        .iter()
        .find(|s| s.content == "price")
        .unwrap();
    assert_eq!(price.style.bg, st.deleted_emph.bg);
    assert_widths(&lines, 60);
}

#[test]
fn folding_shows_the_count() {
    let old: String = (1..=300).map(|i| format!("x{i} = {i}\n")).collect();
    let new = old.replace("x150 = 150\n", "x150 = 0\n");
    let d = diff_text(&old, &new);
    let st = DiffStyles::dark();
    let lines = side_by_side(&d, None, None, 80, Some(3), &st, false);
    let texts: Vec<String> = lines.iter().map(|l| text(l)).collect();
    assert_eq!(lines.len(), 1 + 7 + 1);
    assert!(
        texts[0].contains("\u{22ef} 146 unchanged lines"),
        "{:?}",
        texts[0]
    );
    assert!(texts[8].contains("\u{22ef} 147 unchanged lines"));
    assert_eq!(lines[0].spans[0].style, st.fold);
    assert_widths(&lines, 80);
    let lines = unified(&d, None, None, 80, Some(3), &st, true);
    let texts: Vec<String> = lines.iter().map(|l| text(l)).collect();
    assert!(texts[0].contains("... 146 unchanged lines"));
    assert_eq!(lines.len(), 1 + 8 + 1);
    let big: String = (1..=5000).map(|i| format!("{i}\n")).collect();
    let d = diff_text(&big, &big);
    let lines = unified(&d, None, None, 80, Some(3), &st, false);
    assert_eq!(lines.len(), 1);
    assert!(text(&lines[0]).contains("5,000 unchanged lines"));
}

#[test]
fn no_color_still_marks_changes() {
    let d = diff_text(OLD, NEW);
    let st = DiffStyles::no_color();
    let lines = side_by_side(&d, None, None, 80, None, &st, false);
    for l in &lines {
        for s in &l.spans {
            assert!(s.style.fg.is_none() && s.style.bg.is_none(), "{s:?}");
        }
    }
    let t = text(&lines[2]);
    assert!(t.starts_with("3 - y = df['price']"), "{t:?}");
    assert!(t.contains("3 + y = df['cost']"), "{t:?}");
    let price = lines[2]
        .spans
        .iter()
        .find(|s| s.content == "price")
        .unwrap();
    assert!(price.style.add_modifier.contains(Modifier::REVERSED));
    let cost = lines[2].spans.iter().find(|s| s.content == "cost").unwrap();
    assert!(cost.style.add_modifier.contains(Modifier::REVERSED));
    assert!(text(&lines[0]).starts_with("1   import"));
    let plain = to_plain(&unified(&d, None, None, 80, None, &st, false));
    assert!(plain.contains("3   - y = df['price'] * 2\n"));
}

#[test]
fn ansi_and_plain() {
    let d = diff_text(OLD, NEW);
    let lines = side_by_side(&d, None, None, 80, None, &DiffStyles::dark(), false);
    let ansi = to_ansi(&lines);
    assert!(ansi.contains("\x1b[48;2;144;16;17mprice"), "{ansi:?}");
    assert!(ansi.contains("\x1b[0m"));
    assert_eq!(ansi.lines().count(), lines.len());
    let plain = to_plain(&lines);
    assert!(!plain.contains('\x1b'));
    assert!(plain.contains("y = df['price'] * 2"));
    assert_eq!(plain.lines().count(), lines.len());
    let indexed = to_ansi(&side_by_side(
        &d,
        None,
        None,
        80,
        None,
        &DiffStyles::dark().to_indexed(),
        false,
    ));
    assert!(indexed.contains("48;5;"));
    assert!(!indexed.contains("48;2;"));
}

#[test]
fn control_characters_and_tabs() {
    let d = diff_text("a\tb\n", "a\x1b[31mb\n");
    let lines = unified(&d, None, None, 40, None, &DiffStyles::dark(), false);
    let plain = to_plain(&lines);
    assert!(plain.contains("a    b"), "{plain:?}");
    assert!(plain.contains("a^[[31mb"), "{plain:?}");
    assert!(!to_ansi(&lines).contains("\x1b[31m"));
}

#[test]
fn widths_hold_at_tiny_widths_and_with_wide_characters() {
    let old = "价格 = 价格 * 汇率 # 人民币转换成美元\nx\ty = 1\n🦀🦀🦀🦀🦀🦀🦀🦀\n";
    let new = "成本 = 价格 * 汇率 # 人民币转换成美元\nx\ty = 2\n🦀🦀🦀\ne\u{301}\n";
    let d = diff_text(old, new);
    let styles = [
        DiffStyles::dark(),
        DiffStyles::light(),
        DiffStyles::no_color(),
    ];
    for st in &styles {
        for w in [0u16, 1, 2, 3, 5, 6, 7, 8, 11, 20, 21, 33, 80] {
            for ctx in [None, Some(0), Some(1)] {
                for ascii in [false, true] {
                    let s = side_by_side(&d, None, None, w, ctx, st, ascii);
                    assert_widths(&s, usize::from(w));
                    let u = unified(&d, None, None, w, ctx, st, ascii);
                    assert_widths(&u, usize::from(w));
                    if w > 0 {
                        assert!(!s.is_empty() && !u.is_empty());
                    }
                }
            }
        }
    }
    // At width 20 nothing is lost: every CJK character of the changed line shows.
    let lines = side_by_side(&d, None, None, 20, None, &DiffStyles::dark(), false);
    let all: String = lines.iter().map(text).collect();
    for c in "价格汇率人民币转换成美元成本".chars() {
        assert!(all.contains(c), "{c} missing");
    }
}

#[test]
fn line_ending_note() {
    let d = diff_text("a\nb", "a\nb\n");
    let lines = unified(&d, None, None, 40, Some(3), &DiffStyles::dark(), false);
    let plain = to_plain(&lines);
    assert!(plain.contains("no newline at end of old text"), "{plain:?}");
}

#[test]
fn nearest_256_picks_cube_and_grey() {
    assert_eq!(nearest_256((0, 0, 0)), 16);
    assert_eq!(nearest_256((255, 255, 255)), 231);
    assert_eq!(nearest_256((0x90, 0x10, 0x11)), 88);
    assert_eq!(nearest_256((128, 128, 128)), 244);
}
