//! Tests of `text`.

use super::*;
use proptest::prelude::*;

fn texts(lines: &[StyledLine]) -> Vec<String> {
    lines
        .iter()
        .map(|l| l.iter().map(|(_, t)| t.as_str()).collect())
        .collect()
}

fn plain(text: &str) -> Vec<String> {
    texts(&render_output(text, Style::default()))
}

/// The style of the run containing `needle` on the only line.
fn style_of(lines: &[StyledLine], needle: &str) -> Style {
    lines
        .iter()
        .flatten()
        .find(|(_, t)| t.contains(needle))
        .map(|(s, _)| *s)
        .unwrap_or_else(|| panic!("{needle:?} not in {lines:?}"))
}

#[test]
fn empty_input_has_no_lines() {
    assert!(render_output("", Style::default()).is_empty());
    assert_eq!(plain("\n"), vec![""]);
    assert_eq!(plain("a\n"), vec!["a"]);
    assert_eq!(plain("a\n\nb"), vec!["a", "", "b"]);
}

#[test]
fn sgr_colours_bold_and_reset() {
    let base = Style::default().fg(Color::White);
    let lines = render_output(
        "plain \x1b[1;31mred bold\x1b[0m back\x1b[32mgreen\x1b[m",
        base,
    );
    assert_eq!(texts(&lines), vec!["plain red bold backgreen"]);
    let line = &lines[0];
    assert_eq!(line.len(), 4);
    assert_eq!(line[0], (base, "plain ".to_string()));
    assert_eq!(
        line[1],
        (
            Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
            "red bold".to_string()
        )
    );
    assert_eq!(line[2], (base, " back".to_string()));
    assert_eq!(line[3].0, Style::default().fg(Color::Green));
}

#[test]
fn sgr_attributes_backgrounds_and_partial_resets() {
    let base = Style::default();
    let lines = render_output(
        "\x1b[2;3;4;7mA\x1b[22;23mB\x1b[24;27mC\x1b[44;93mD\x1b[49;39mE\x1b[101mF",
        base,
    );
    let all = Modifier::DIM | Modifier::ITALIC | Modifier::UNDERLINED | Modifier::REVERSED;
    assert_eq!(style_of(&lines, "A"), base.add_modifier(all));
    assert_eq!(
        style_of(&lines, "B"),
        base.add_modifier(Modifier::UNDERLINED | Modifier::REVERSED)
    );
    assert_eq!(style_of(&lines, "C"), base);
    assert_eq!(
        style_of(&lines, "D"),
        base.fg(Color::LightYellow).bg(Color::Blue)
    );
    assert_eq!(style_of(&lines, "E"), base);
    assert_eq!(style_of(&lines, "F"), base.bg(Color::LightRed));
}

#[test]
fn resets_fall_back_to_the_base_style() {
    let base = Style::default().fg(Color::Gray).bg(Color::Black);
    let lines = render_output("\x1b[31;42mx\x1b[39;49my\x1b[0mz", base);
    assert_eq!(
        style_of(&lines, "x"),
        Style::default().fg(Color::Red).bg(Color::Green)
    );
    // y and z merge into one run: same style.
    assert_eq!(lines[0][1], (base, "yz".to_string()));
}

#[test]
fn colours_256_and_truecolour() {
    let lines = render_output(
        "\x1b[38;5;208ma\x1b[48;5;17mb\x1b[0;38;2;10;20;30mc\x1b[48:2::1:2:3md\x1b[38:5:9me",
        Style::default(),
    );
    assert_eq!(
        style_of(&lines, "a"),
        Style::default().fg(Color::Indexed(208))
    );
    assert_eq!(
        style_of(&lines, "b"),
        Style::default()
            .fg(Color::Indexed(208))
            .bg(Color::Indexed(17))
    );
    assert_eq!(
        style_of(&lines, "c"),
        Style::default().fg(Color::Rgb(10, 20, 30))
    );
    assert_eq!(
        style_of(&lines, "d"),
        Style::default()
            .fg(Color::Rgb(10, 20, 30))
            .bg(Color::Rgb(1, 2, 3))
    );
    assert_eq!(
        style_of(&lines, "e"),
        Style::default()
            .fg(Color::Indexed(9))
            .bg(Color::Rgb(1, 2, 3))
    );
}

#[test]
fn extended_colour_arguments_are_consumed() {
    // The 1 after a complete 38;5;n is bold, not part of the colour; an
    // out-of-range value leaves the colour alone.
    let lines = render_output("\x1b[38;5;1;1ma\x1b[38;5;999mb", Style::default());
    let a = Style::default()
        .fg(Color::Indexed(1))
        .add_modifier(Modifier::BOLD);
    assert_eq!(style_of(&lines, "a"), a);
    assert_eq!(lines[0].len(), 1, "b keeps a's style: {lines:?}");
}

#[test]
fn python_traceback() {
    let tb = "\x1b[0;31m---------------------------------------------------------------------------\x1b[0m\n\
                  \x1b[0;31mZeroDivisionError\x1b[0m                         Traceback (most recent call last)\n\
                  Cell \x1b[0;32mIn[1], line 1\x1b[0m\n\
                  \x1b[0;32m----> 1\x1b[0m \x1b[38;5;241m1\x1b[39m\x1b[38;5;241m/\x1b[39m\x1b[38;5;241m0\x1b[39m\n\n\
                  \x1b[0;31mZeroDivisionError\x1b[0m: division by zero";
    let base = Style::default().fg(Color::Gray);
    let lines = render_output(tb, base);
    assert_eq!(
        texts(&lines),
        vec![
            "-".repeat(75),
            "ZeroDivisionError                         Traceback (most recent call last)"
                .to_string(),
            "Cell In[1], line 1".to_string(),
            "----> 1 1/0".to_string(),
            String::new(),
            "ZeroDivisionError: division by zero".to_string(),
        ]
    );
    assert_eq!(
        lines[1][0],
        (Style::default().fg(Color::Red), "ZeroDivisionError".into())
    );
    assert_eq!(lines[1][1].0, base);
    assert_eq!(
        style_of(&lines[2..3], "In[1]"),
        Style::default().fg(Color::Green)
    );
    assert_eq!(style_of(&lines[3..4], "/"), base.fg(Color::Indexed(241)));
}

#[test]
fn other_sequences_are_dropped() {
    assert_eq!(
        plain(
            "\x1b]0;title\x07a\x1b[2Ab\x1b[10;20Hc\x1b[?25ld\x1b]8;;http://x\x1b\\e\x1b]8;;\x1b\\f"
        ),
        vec!["abcdef"]
    );
    assert_eq!(
        plain("\x1b(Bx\x1b7y\x1b8\x1bPq#1\x1b\\z\u{9b}31mw"),
        vec!["xyzw"]
    );
    // A private "m" sequence is not SGR.
    let lines = render_output("\x1b[>4;2mq", Style::default());
    assert_eq!(lines, vec![vec![(Style::default(), "q".to_string())]]);
}

#[test]
fn unterminated_string_ends_at_the_line() {
    assert_eq!(plain("a\x1b]0;never ends\nnext"), vec!["a", "next"]);
}

#[test]
fn cut_or_broken_escapes_do_not_panic_or_leak() {
    for text in [
        "abc\x1b",
        "abc\x1b[",
        "abc\x1b[38;5",
        "abc\x1b[38;2;1;2",
        "abc\x1b[38;2;1;2m",
        "abc\x1b]0;ti",
        "abc\x1b(",
        "abc\u{9b}",
        "abc\x1b[99999999999999999999m",
        "abc\x1b[;;;;m",
        "abc\x1b[38m\x1b[48;5m\x1b[38:2m",
    ] {
        assert_eq!(plain(text), vec!["abc"], "{text:?}");
    }
    // A newline inside a CSI ends it and still counts.
    assert_eq!(plain("a\x1b[3\nb"), vec!["a", "b"]);
}

#[test]
fn long_parameter_strings_are_dropped() {
    let text = format!("\x1b[{}31mx", "1;".repeat(10_000));
    let lines = render_output(&text, Style::default());
    assert_eq!(lines, vec![vec![(Style::default(), "x".to_string())]]);
}

#[test]
fn progress_bars_collapse() {
    assert_eq!(plain("10%\r50%\r100%\n"), vec!["100%"]);
    assert_eq!(plain("hello\rab\n"), vec!["abllo"]);
    assert_eq!(plain("line\r\nnext\r\n"), vec!["line", "next"]);
    let tqdm = "  0%|          | 0/3 [00:00<?, ?it/s]\r 33%|###3      | 1/3 [00:01<00:02,  1.00it/s]\r\
                    100%|##########| 3/3 [00:03<00:00,  1.00it/s]\n";
    assert_eq!(
        plain(tqdm),
        vec!["100%|##########| 3/3 [00:03<00:00,  1.00it/s]"]
    );
    // pip/rich style: return, then erase the line.
    assert_eq!(plain("Downloading 10 MB\r\x1b[KDone\n"), vec!["Done"]);
    assert_eq!(plain("Downloading 10 MB\x1b[2KDone"), vec!["Done"]);
    // Overwriting keeps the new text's style.
    let lines = render_output("aaaa\r\x1b[31mbb", Style::default());
    assert_eq!(
        lines[0],
        vec![
            (Style::default().fg(Color::Red), "bb".to_string()),
            (Style::default(), "aa".to_string())
        ]
    );
}

#[test]
fn backspace() {
    assert_eq!(plain("ab\x08c"), vec!["ac"]);
    assert_eq!(plain("abc\x08\x08\x08xy"), vec!["xyc"]);
    assert_eq!(plain("\x08\x08a"), vec!["a"]);
    assert_eq!(plain("abc\x08 \x08"), vec!["ab "]);
    // Overstrike bold (man pages): the second letter wins.
    assert_eq!(plain("N\x08NA\x08AM\x08ME"), vec!["NAME"]);
}

#[test]
fn tabs_expand_to_stops() {
    assert_eq!(plain("a\tb"), vec!["a       b"]);
    assert_eq!(plain("12345678\tx"), vec!["12345678        x"]);
    assert_eq!(plain("\t\tx"), vec![format!("{}x", " ".repeat(16))]);
    // Wide characters count two columns.
    assert_eq!(plain("表\tx"), vec!["表      x"]);
    // A tab moves over existing text without erasing it.
    assert_eq!(plain("abcdefghij\r\tX"), vec!["abcdefghXj"]);
}

#[test]
fn control_characters_become_markers() {
    let lines = render_output("a\x07b\x00c\x7fd\u{85}e", Style::default());
    assert_eq!(texts(&lines), vec!["a^Gb^@c^?d\\u{85}e"]);
    assert_eq!(
        style_of(&lines, "^G"),
        Style::default().add_modifier(Modifier::DIM)
    );
    assert_eq!(control_marker('a'), None);
    assert_eq!(control_marker('\x1b'), Some("^["));
}

#[test]
fn split_truncated_marker() {
    assert_eq!(split_truncated("abc\n<result truncated>"), ("abc", true));
    assert_eq!(split_truncated("abc<result truncated>"), ("abc", true));
    assert_eq!(split_truncated("abc\r\n<result truncated>"), ("abc", true));
    assert_eq!(split_truncated("<result truncated>"), ("", true));
    assert_eq!(split_truncated("abc"), ("abc", false));
    assert_eq!(
        split_truncated("<result truncated> and more"),
        ("<result truncated> and more", false)
    );
    assert_eq!(split_truncated(""), ("", false));
}

#[test]
fn fold_long_outputs() {
    let dim = Style::default().add_modifier(Modifier::DIM);
    let make = |n: usize| -> Vec<StyledLine> {
        (0..n)
            .map(|i| vec![(Style::default(), i.to_string())])
            .collect()
    };
    let folded = fold(make(1258), false, "z", dim);
    assert_eq!(folded.len(), FOLD_AT + 1);
    assert_eq!(texts(&folded[..FOLD_AT]), texts(&make(FOLD_AT)));
    assert_eq!(
        folded[FOLD_AT],
        vec![(dim, "\u{2026} 1,234 more lines (z to expand)".to_string())]
    );
    assert_eq!(fold(make(1258), true, "z", dim).len(), 1258);
    assert_eq!(fold(make(FOLD_AT + 1), false, "z", dim).len(), FOLD_AT + 1);
    let two = fold(make(FOLD_AT + 2), false, "Ctrl-E", dim);
    assert_eq!(
        texts(&two[FOLD_AT..]),
        vec!["\u{2026} 2 more lines (Ctrl-E to expand)"]
    );
    assert!(fold(Vec::new(), false, "z", dim).is_empty());
}

#[test]
fn thousands_separators() {
    assert_eq!(thousands(0), "0");
    assert_eq!(thousands(999), "999");
    assert_eq!(thousands(1000), "1,000");
    assert_eq!(thousands(1234567), "1,234,567");
}

#[test]
fn a_megabyte_is_quick() {
    // One long progress line rewritten many times, plus many short
    // coloured lines and a long line of escapes.
    let mut text = String::new();
    for i in 0..20_000 {
        text.push_str(&format!("\r{i:>5} \x1b[32m{}\x1b[0m", "#".repeat(i % 40)));
    }
    text.push('\n');
    while text.len() < 1_000_000 {
        text.push_str("\x1b[1;31mError\x1b[0m: something\tfailed\x08\x08!\n");
    }
    text.push_str(&"\x1b[2K\x1b]0;t\x07\x08".repeat(20_000));
    let start = std::time::Instant::now();
    let lines = render_output(&text, Style::default());
    assert!(lines.len() > 1_000);
    assert!(start.elapsed().as_secs() < 10, "{:?}", start.elapsed());
}

/// Pieces that stress the parser more than uniform random text would.
fn hostile_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("\x1b".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just(";".to_string()),
        Just(":".to_string()),
        Just("m".to_string()),
        Just("38;5;".to_string()),
        Just("48;2;".to_string()),
        Just("2K".to_string()),
        Just("\r".to_string()),
        Just("\n".to_string()),
        Just("\x08".to_string()),
        Just("\t".to_string()),
        Just("\x07".to_string()),
        Just("\u{9b}".to_string()),
        Just("表".to_string()),
        Just("e\u{301}".to_string()),
        "[0-9]{1,12}",
        any::<char>().prop_map(String::from),
        proptest::collection::vec(any::<u8>(), 0..16)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ];
    proptest::collection::vec(piece, 0..120).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn never_panics_nor_leaks_controls(text in hostile_text()) {
        let lines = render_output(&text, Style::default());
        for (_, run) in lines.iter().flatten() {
            prop_assert!(!run.is_empty());
            prop_assert!(
                run.chars().all(|c| control_marker(c).is_none()),
                "control character in {run:?}"
            );
        }
        let (rest, _) = split_truncated(&text);
        let _ = fold(render_output(rest, Style::default()), false, "z", Style::default());
    }
}
