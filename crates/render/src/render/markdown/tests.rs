//! Tests of `markdown`.

use super::*;
use proptest::prelude::*;
use ratatui::style::Color;

fn styles() -> MdStyles {
    MdStyles {
        text: Style::default().fg(Color::White),
        heading: Style::default()
            .fg(Color::Yellow)
            .add_modifier(Modifier::BOLD),
        emphasis: Style::default().add_modifier(Modifier::ITALIC),
        strong: Style::default().add_modifier(Modifier::BOLD),
        code: Style::default().fg(Color::Cyan),
        link: Style::default()
            .fg(Color::Blue)
            .add_modifier(Modifier::UNDERLINED),
        quote: Style::default().fg(Color::Gray),
        rule: Style::default().fg(Color::DarkGray),
        bullet: Style::default().fg(Color::Magenta),
    }
}

fn md(text: &str, width: usize) -> Vec<Line> {
    render_markdown(text, width, &styles(), false)
}

fn texts(lines: &[Line]) -> Vec<String> {
    lines
        .iter()
        .map(|l| l.iter().map(|(_, t)| t.as_str()).collect())
        .collect()
}

fn plain(text: &str, width: usize) -> Vec<String> {
    texts(&md(text, width))
}

fn style_of(lines: &[Line], needle: &str) -> Style {
    lines
        .iter()
        .flatten()
        .find(|(_, t)| t.contains(needle))
        .map(|(s, _)| *s)
        .unwrap_or_else(|| panic!("{needle:?} not in {lines:?}"))
}

fn line_width(line: &Line) -> usize {
    line.iter().map(|(_, t)| t.width()).sum()
}

#[test]
fn empty_input_has_no_lines() {
    assert!(md("", 40).is_empty());
    assert!(md("  \n\n \n", 40).is_empty());
}

#[test]
fn gigantum_messages() {
    let lines = md("Modified Code file `code/x.ipynb`", 80);
    assert_eq!(texts(&lines), vec!["Modified Code file code/x.ipynb"]);
    assert_eq!(style_of(&lines, "Modified"), styles().text);
    assert_eq!(
        style_of(&lines, "code/x.ipynb"),
        styles().text.patch(styles().code)
    );
    assert_eq!(
        plain("Added pip managed package: pandas 1.2.3", 80),
        vec!["Added pip managed package: pandas 1.2.3"]
    );
}

#[test]
fn notes_with_heading_list_and_link() {
    let note = "# Findings\n\n- **outliers** in `price`\n- see https://example.com/a\n\nDone.";
    let lines = md(note, 60);
    assert_eq!(
        texts(&lines),
        vec![
            "# Findings",
            "",
            "\u{2022} outliers in price",
            "\u{2022} see https://example.com/a",
            "",
            "Done.",
        ]
    );
    let s = styles();
    assert_eq!(lines[0][0], (s.rule, "# ".to_string()));
    assert_eq!(
        lines[0][1],
        (s.text.patch(s.heading), "Findings".to_string())
    );
    assert_eq!(lines[2][0], (s.bullet, "\u{2022} ".to_string()));
    assert_eq!(style_of(&lines, "outliers"), s.text.patch(s.strong));
    assert_eq!(style_of(&lines, "price"), s.text.patch(s.code));
}

#[test]
fn heading_levels() {
    assert_eq!(
        plain("### Three\n\nSetext\n------", 40),
        vec!["### Three", "", "## Setext"]
    );
}

#[test]
fn emphasis_strong_and_strikethrough() {
    let lines = md("a *em* **st** ***both*** ~~gone~~", 40);
    assert_eq!(texts(&lines), vec!["a em st both gone"]);
    let s = styles();
    assert_eq!(style_of(&lines, "em"), s.text.patch(s.emphasis));
    assert_eq!(style_of(&lines, "st"), s.text.patch(s.strong));
    assert_eq!(
        style_of(&lines, "both"),
        s.text.add_modifier(Modifier::ITALIC | Modifier::BOLD)
    );
    assert_eq!(
        style_of(&lines, "gone"),
        s.text.add_modifier(Modifier::CROSSED_OUT)
    );
}

#[test]
fn nested_and_numbered_lists() {
    let text = "1. one\n2. two\n   - inner\n     - deeper\n3. three\n\n- [x] done\n- [ ] todo";
    assert_eq!(
        plain(text, 40),
        vec![
            "1. one",
            "2. two",
            "   \u{25e6} inner",
            "     \u{25aa} deeper",
            "3. three",
            "",
            "\u{2022} [x] done",
            "\u{2022} [ ] todo",
        ]
    );
    let ascii = render_markdown("- a\n  - b\n    - c", 40, &styles(), true);
    assert_eq!(texts(&ascii), vec!["- a", "  * b", "    + c"]);
    assert_eq!(
        plain("7. seven\n8. eight", 40),
        vec!["7. seven", "8. eight"]
    );
}

#[test]
fn loose_lists_have_blank_lines() {
    assert_eq!(
        plain("- a\n\n- b\n\n  more b\n\nafter", 40),
        vec!["\u{2022} a", "", "\u{2022} b", "", "  more b", "", "after"]
    );
}

#[test]
fn list_items_wrap_under_their_text() {
    assert_eq!(
        plain("- alpha beta gamma delta", 12),
        vec!["\u{2022} alpha beta", "  gamma", "  delta"]
    );
    assert_eq!(plain("-\n- b", 12), vec!["\u{2022}", "\u{2022} b"]);
}

#[test]
fn code_blocks_are_verbatim() {
    let text = "Config:\n\n```yaml\nname: x\n  deps:\n\t- pandas  # a very long line that is not wrapped\n```\n\n    indented\n\nend";
    let lines = md(text, 20);
    assert_eq!(
        texts(&lines),
        vec![
            "Config:",
            "",
            "  name: x",
            "    deps:",
            "      - pandas  # a very long line that is not wrapped",
            "",
            "  indented",
            "",
            "end",
        ]
    );
    assert_eq!(style_of(&lines, "name"), styles().text.patch(styles().code));
    assert_eq!(
        plain("- a\n\n  ```\n  x\n  ```", 40),
        vec!["\u{2022} a", "", "    x"]
    );
}

#[test]
fn links() {
    let lines = md(
        "[docs](https://d.io) and <https://x.io> and [https://y.io](https://y.io) and <me@x.io>",
        200,
    );
    assert_eq!(
        texts(&lines),
        vec!["docs (https://d.io) and https://x.io and https://y.io and me@x.io"]
    );
    let s = styles();
    assert_eq!(style_of(&lines, "docs"), s.text.patch(s.link));
    assert_eq!(style_of(&lines, "(https://d.io)"), s.text.patch(s.link));
    assert_eq!(style_of(&lines, " and "), s.text);
    assert_eq!(
        plain("![a chart](plots/x.png)", 80),
        vec!["[image] a chart (plots/x.png)"]
    );
}

#[test]
fn link_text_is_compared_even_in_plain_style() {
    let flat = MdStyles {
        link: Style::default(),
        ..MdStyles::default()
    };
    let lines = render_markdown("see [https://a.io](https://a.io)", 80, &flat, false);
    assert_eq!(texts(&lines), vec!["see https://a.io"]);
}

#[test]
fn deep_nesting_is_quick() {
    let mut text = "> ".repeat(20_000);
    text.push_str(&"word ".repeat(20_000));
    text.push_str("\n\n");
    text.push_str(&"- ".repeat(5_000));
    text.push_str("item");
    let start = std::time::Instant::now();
    let lines = md(&text, 30);
    assert!(lines.len() > 1_000);
    for line in &lines {
        assert!(line_width(line) <= 30);
    }
    assert!(start.elapsed().as_secs() < 10, "{:?}", start.elapsed());
}

#[test]
fn block_quotes() {
    let lines = md("> quoted *text*\n>\n> second\n\nafter", 40);
    assert_eq!(
        texts(&lines),
        vec![
            "\u{2502} quoted text",
            "\u{2502}",
            "\u{2502} second",
            "",
            "after"
        ]
    );
    let s = styles();
    // The gutter may merge with text of the same style.
    assert_eq!(lines[0][0].0, s.quote);
    assert!(lines[0][0].1.starts_with("\u{2502} "));
    assert_eq!(style_of(&lines, "quoted"), s.text.patch(s.quote));
    assert_eq!(
        style_of(&lines, "text"),
        s.text.patch(s.quote).patch(s.emphasis)
    );
    let ascii = render_markdown("> a\n> > b", 40, &styles(), true);
    assert_eq!(texts(&ascii), vec!["| a", "|", "| | b"]);
}

#[test]
fn rules() {
    let lines = md("above\n\n---\n\nbelow", 10);
    assert_eq!(
        texts(&lines),
        vec!["above", "", &"\u{2500}".repeat(10), "", "below"]
    );
    assert_eq!(lines[2][0].0, styles().rule);
    let ascii = render_markdown("***", 5, &styles(), true);
    assert_eq!(texts(&ascii), vec!["-----"]);
}

#[test]
fn tables() {
    let lines = md("| a | bb |\n|---|----|\n| 1 | 2 |\n| x | y |", 40);
    assert_eq!(
        texts(&lines),
        vec!["a | bb", "\u{2500}".repeat(6).as_str(), "1 | 2", "x | y"]
    );
    assert_eq!(style_of(&lines, "bb"), styles().text.patch(styles().strong));
}

#[test]
fn html_is_text() {
    assert_eq!(
        plain("<div>\n<b>hi</b>\n</div>\n\ninline <i>x</i>", 40),
        vec!["<div>", "<b>hi</b>", "</div>", "", "inline <i>x</i>"]
    );
}

#[test]
fn hard_breaks() {
    assert_eq!(plain("a  \nb\\\nc\nd", 40), vec!["a", "b", "c d"]);
}

#[test]
fn wrapping_keeps_words_whole() {
    let text = "the quick brown fox jumps over the lazy dog";
    assert_eq!(
        plain(text, 10),
        vec!["the quick", "brown fox", "jumps over", "the lazy", "dog"]
    );
    // Too long for a line: broken.
    assert_eq!(plain("abcdefghijkl mn", 5), vec!["abcde", "fghij", "kl mn"]);
    // A word across styles stays whole.
    assert_eq!(plain("aaaa **bb**cc", 6), vec!["aaaa", "bbcc"]);
}

#[test]
fn wrapping_counts_display_width() {
    let lines = md("数据 科学 项目 笔记 😀😀 ok", 7);
    for line in &lines {
        assert!(line_width(line) <= 7, "{lines:?}");
    }
    assert_eq!(
        texts(&lines),
        vec!["数据", "科学", "项目", "笔记", "😀😀 ok"]
    );
    let long = md("数据科学项目笔记", 5);
    assert_eq!(texts(&long), vec!["数据", "科学", "项目", "笔记"]);
}

#[test]
fn deep_prefixes_are_cut() {
    let text = "> > > > > > > > > > deep text here";
    for width in [2, 3, 6, 10] {
        let lines = md(text, width);
        assert!(!lines.is_empty());
        for line in &lines {
            assert!(line_width(line) <= width, "{width}: {lines:?}");
        }
    }
}

#[test]
fn controls_become_markers() {
    let lines = md("a\x1b[31mb `c\x07` \u{9b}\n\n```\nx\x1b]0;t\x07\r\n```", 40);
    assert_eq!(
        texts(&lines),
        vec!["a^[[31mb c^G \\u{9b}", "", "  x^[]0;t^G"]
    );
}

fn any_markdown() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("\n".to_string()),
        Just("\n\n".to_string()),
        Just(" ".to_string()),
        Just("    ".to_string()),
        Just("\t".to_string()),
        Just("# ".to_string()),
        Just("- ".to_string()),
        Just("1. ".to_string()),
        Just("> ".to_string()),
        Just("*".to_string()),
        Just("**".to_string()),
        Just("`".to_string()),
        Just("```".to_string()),
        Just("|".to_string()),
        Just("---".to_string()),
        Just("[x](y)".to_string()),
        Just("![".to_string()),
        Just("<b>".to_string()),
        Just("[ ] ".to_string()),
        Just("\x1b[31m".to_string()),
        Just("数据".to_string()),
        "[a-z]{1,20}",
        any::<char>().prop_map(String::from),
        proptest::collection::vec(any::<u8>(), 0..16)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ];
    proptest::collection::vec(piece, 0..120).prop_map(|v| v.concat())
}

/// Markdown without code blocks: words, inline markup and containers.
fn prose() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[a-z]{1,30}",
        Just("数据科学".to_string()),
        Just("😀".to_string()),
        Just("**b**".to_string()),
        Just("*i*".to_string()),
        Just("`code span`".to_string()),
        Just("[link](https://example.com/some/long/path)".to_string()),
        Just("\n".to_string()),
        Just("\n\n".to_string()),
        Just("\n\n- ".to_string()),
        Just("\n\n  - ".to_string()),
        Just("\n\n1. ".to_string()),
        Just("\n\n> ".to_string()),
        Just("\n\n# ".to_string()),
        Just("\n\n---\n\n".to_string()),
        Just("\n\n| a | b |\n|---|---|\n| c | d |\n\n".to_string()),
    ];
    proptest::collection::vec(piece, 0..60).prop_map(|v| v.join(" "))
}

proptest! {
    #[test]
    fn never_panics_nor_leaks_controls(text in any_markdown(), width in 0usize..100, ascii: bool) {
        let lines = render_markdown(&text, width, &MdStyles::default(), ascii);
        for (_, run) in lines.iter().flatten() {
            prop_assert!(
                run.chars().all(|c| control_marker(c).is_none()),
                "control character in {run:?}"
            );
        }
    }

    #[test]
    fn prose_fits_the_width(text in prose(), width in 2usize..80, ascii: bool) {
        let lines = render_markdown(&text, width, &MdStyles::default(), ascii);
        for line in &lines {
            prop_assert!(line_width(line) <= width, "{width}: {line:?} in {lines:?}");
        }
    }
}
