//! Tests of `theme.rs`, kept apart so the code file stays short.

use super::*;
use crate::activity::kinds::RecordKind;

fn table(text: &str) -> toml::Table {
    text.parse().unwrap()
}

fn all_styles(t: &Theme) -> Vec<Style> {
    let mut out = Vec::new();
    t.clone().map_styles(|s| {
        out.push(s);
        s
    });
    out
}

fn section(text: &str, name: &str) -> toml::Table {
    table(text)[name].as_table().unwrap().clone()
}

#[test]
fn detects_depth_from_environment_values() {
    use ColorDepth as D;
    let cases = [
        (
            (Some("1"), Some("truecolor"), Some("xterm-256color")),
            D::None,
        ),
        ((Some(""), Some("truecolor"), Some("xterm")), D::TrueColor),
        ((None, Some("24bit"), Some("xterm")), D::TrueColor),
        ((None, Some("TrueColor"), None), D::TrueColor),
        ((None, None, Some("xterm-256color")), D::Ansi256),
        ((None, Some("yes"), Some("screen-256color")), D::Ansi256),
        ((None, None, Some("dumb")), D::None),
        ((None, Some("truecolor"), Some("dumb")), D::None),
        ((None, None, Some("xterm")), D::Ansi16),
        ((None, None, None), D::Ansi16),
    ];
    for ((no_color, colorterm, term), want) in cases {
        assert_eq!(
            ColorDepth::from_vars(no_color, colorterm, term),
            want,
            "{no_color:?} {colorterm:?} {term:?}"
        );
    }
}

#[test]
fn depth_mapping() {
    let mut t = Theme::dark();
    t.error = Style::new()
        .fg(Color::Rgb(255, 0, 0))
        .add_modifier(Modifier::BOLD);
    t.warning = Style::new().fg(Color::Indexed(196));
    t.badge = Style::new().fg(Color::Indexed(3));

    let full = t.clone().for_depth(ColorDepth::TrueColor);
    assert_eq!(full, t);

    let c256 = t.clone().for_depth(ColorDepth::Ansi256);
    assert_eq!(c256.error.fg, Some(Color::Indexed(196)));
    assert!(c256.error.add_modifier.contains(Modifier::BOLD));
    assert_eq!(c256.badge.fg, Some(Color::Indexed(3)));
    assert!(c256.authors.iter().all(|c| matches!(c, Color::Indexed(_))));

    let c16 = t.clone().for_depth(ColorDepth::Ansi16);
    assert!(matches!(c16.error.fg, Some(Color::Red | Color::LightRed)));
    assert!(matches!(c16.warning.fg, Some(Color::Red | Color::LightRed)));
    assert_eq!(c16.badge.fg, Some(Color::Yellow));
    let named = |c: &Color| !matches!(c, Color::Rgb(..) | Color::Indexed(_));
    assert!(c16.authors.iter().all(named));

    let none = t.clone().for_depth(ColorDepth::None);
    assert!(none.selected.add_modifier.contains(Modifier::REVERSED));
    assert!(none.selected.add_modifier.contains(Modifier::BOLD));
    assert!(none.status.add_modifier.contains(Modifier::REVERSED));
    assert!(none.error.add_modifier.contains(Modifier::BOLD));
    assert!(!none.text.add_modifier.contains(Modifier::REVERSED));
    assert_eq!(all_styles(&none).len(), 18 + RECORD_TYPES);
    for s in all_styles(&none) {
        assert_eq!((s.fg, s.bg), (None, None));
    }
    assert!(none.authors.iter().all(|c| *c == Color::Reset));
    assert_eq!(none.author_color("anyone"), Color::Reset);
}

#[test]
fn selection_survives_every_depth() {
    for theme in [Theme::dark(), Theme::light()] {
        for depth in [
            ColorDepth::None,
            ColorDepth::Ansi16,
            ColorDepth::Ansi256,
            ColorDepth::TrueColor,
        ] {
            let t = theme.clone().for_depth(depth);
            for s in [t.selected, t.status, t.search_match] {
                let visible = s.bg.is_some() || s.add_modifier.contains(Modifier::REVERSED);
                assert!(visible, "{} at {depth:?}: {s:?}", theme.name);
            }
        }
    }
}

/// Text must not come out in the terminal's own background colour when
/// only 16 colours are available.
#[test]
fn sixteen_colour_text_stays_legible() {
    for (theme, invisible) in [
        (Theme::dark(), &[Color::Black][..]),
        (Theme::light(), &[Color::White, Color::Gray][..]),
    ] {
        let name = theme.name.clone();
        let t = theme.for_depth(ColorDepth::Ansi16);
        for s in all_styles(&t) {
            if s.bg.is_none() && !s.add_modifier.contains(Modifier::REVERSED) {
                assert!(
                    !s.fg.is_some_and(|c| invisible.contains(&c)),
                    "{name}: {s:?}"
                );
            }
        }
        assert!(
            t.authors.iter().all(|c| !invisible.contains(c)),
            "{name}: {:?}",
            t.authors
        );
    }
}

#[test]
fn author_colours_are_stable_and_spread() {
    let t = Theme::dark();
    assert_eq!(t.author_color("alice"), t.author_color("alice"));
    let names = [
        "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
    ];
    let mut used: Vec<Color> = names.iter().map(|n| t.author_color(n)).collect();
    assert!(used.iter().all(|c| t.authors.contains(c)));
    used.sort_by_key(|c| format!("{c:?}"));
    used.dedup();
    assert!(used.len() >= 4, "{used:?}");
    // Pinned so a change of hash (which would recolour everyone's
    // history) is a deliberate decision.
    assert_eq!(
        t.author_color(""),
        t.authors[(0xcbf2_9ce4_8422_2325u64 % 8) as usize]
    );
    let mut empty = t.clone();
    empty.authors.clear();
    assert_eq!(empty.author_color("alice"), Color::Reset);
}

#[test]
fn record_type_styles() {
    let t = Theme::dark();
    let kind = RecordKind::from_id;
    assert_eq!(t.record_type(kind(0)), t.record_types[0]);
    assert_eq!(t.record_type(kind(8)), t.record_types[8]);
    assert_eq!(t.record_type(kind(9)), t.text);
    assert_eq!(t.record_type(kind(-1)), t.text);
}

#[test]
fn named_themes() {
    assert_eq!(Theme::named("dark"), Some(Theme::dark()));
    assert_eq!(Theme::named("light"), Some(Theme::light()));
    assert_eq!(Theme::named("solarized"), None);
    assert_ne!(Theme::dark(), Theme::light());
    let mut t = Theme::dark();
    let names: Vec<&str> = t.named_styles_mut().iter().map(|(n, _)| *n).collect();
    let documented: Vec<&str> = STYLE_FIELDS.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, documented);
}

#[test]
fn to_toml_patches_back_to_the_same_theme() {
    for theme in [Theme::dark(), Theme::light()] {
        let t = section(&theme.to_toml(), "theme");
        let mut other = Theme::named(if theme.name == "dark" {
            "light"
        } else {
            "dark"
        })
        .unwrap();
        other.patch(&t).unwrap();
        assert_eq!(other, theme);
    }
    let mut odd = Theme::dark();
    odd.text = Style::new()
        .fg(Color::Indexed(200))
        .bg(Color::Reset)
        .add_modifier(Modifier::UNDERLINED | Modifier::CROSSED_OUT | Modifier::HIDDEN);
    odd.authors = vec![Color::LightCyan, Color::DarkGray, Color::Indexed(7)];
    let mut back = Theme::light();
    back.patch(&section(&odd.to_toml(), "theme")).unwrap();
    assert_eq!(back, odd);
}

#[test]
fn patch_fields() {
    let mut t = Theme::dark();
    t.patch(&table(
        r##"
base = "light"
selected = { fg = "#ffffff", bg = "blue", bold = true }
title = "light-red"
dim = 245
authors = ["red", "#00ff00", 33]
record_types = { milestone = { fg = "magenta", underline = true } }
"##,
    ))
    .unwrap();
    assert_eq!(t.name, "light");
    assert_eq!(
        t.selected,
        Style::new()
            .fg(Color::Rgb(255, 255, 255))
            .bg(Color::Blue)
            .add_modifier(Modifier::BOLD)
    );
    assert_eq!(t.title, Style::new().fg(Color::LightRed));
    assert_eq!(t.dim, Style::new().fg(Color::Indexed(245)));
    assert_eq!(
        t.authors,
        [Color::Red, Color::Rgb(0, 255, 0), Color::Indexed(33)]
    );
    assert_eq!(
        t.record_type(RecordKind::Milestone),
        Style::new()
            .fg(Color::Magenta)
            .add_modifier(Modifier::UNDERLINED)
    );
    assert_eq!(t.border, Theme::light().border);
}

#[test]
fn colour_spellings() {
    for (s, c) in [
        ("blue", Color::Blue),
        ("Light_Red", Color::LightRed),
        ("dark-grey", Color::DarkGray),
        ("darkgray", Color::DarkGray),
        ("default", Color::Reset),
        ("#7aa2F7", Color::Rgb(0x7a, 0xa2, 0xf7)),
        ("17", Color::Indexed(17)),
    ] {
        assert_eq!(parse_color_str(s), Some(c), "{s}");
    }
    for s in ["bleu", "#12345", "#1234567", "#gggggg", "256", ""] {
        assert_eq!(parse_color_str(s), None, "{s}");
    }
}

#[test]
fn patch_errors_name_the_entry() {
    let cases = [
        ("base = \"solarized\"", "theme.base", "solarized"),
        ("base = 1", "theme.base", "integer"),
        ("selectd = { bg = \"blue\" }", "theme.selectd", "selectd"),
        ("selected = { bg = \"bleu\" }", "theme.selected.bg", "bleu"),
        ("selected = { fg = 300 }", "theme.selected.fg", "300"),
        (
            "selected = { blink = true }",
            "theme.selected.blink",
            "blink",
        ),
        (
            "selected = { bold = \"yes\" }",
            "theme.selected.bold",
            "string",
        ),
        ("selected = true", "theme.selected", "boolean"),
        ("authors = []", "theme.authors", "at least one"),
        ("authors = [\"nope\"]", "theme.authors", "nope"),
        (
            "record_types = { notes = \"red\" }",
            "theme.record_types.notes",
            "notes",
        ),
    ];
    for (text, entry, mention) in cases {
        let mut t = Theme::dark();
        let err = t.patch(&table(text)).unwrap_err();
        assert_eq!(err.entry_name(), Some(entry), "{text}");
        let msg = err.to_string();
        assert!(msg.starts_with(&format!("{entry}: ")), "{msg}");
        assert!(msg.contains(mention), "{msg}");
        assert_eq!(t, Theme::dark(), "a failed patch changed the theme");
    }
}

#[test]
fn the_palette_has_dark_and_light_defaults_and_config_keys() {
    use crate::render::palette::{Palette, SyntaxTheme};
    assert_eq!(Theme::dark().palette, Palette::dark());
    assert_eq!(Theme::light().palette, Palette::light());
    assert_eq!(Theme::light().palette.syntax, SyntaxTheme::LIGHT);
    // `base` starts the palette over too, wherever it stands in the table.
    let mut t = Theme::dark();
    t.patch(&table(
        r##"
diff_hunk = { fg = "yellow", italic = true }
diff_line_number = 240
base = "light"
syntax = "base16-mocha.dark"
"##,
    ))
    .unwrap();
    assert_eq!(
        t.palette.hunk,
        Style::new()
            .fg(Color::Yellow)
            .add_modifier(Modifier::ITALIC)
    );
    assert_eq!(t.palette.line_number, Style::new().fg(Color::Indexed(240)));
    assert_eq!(t.palette.added, Palette::light().added);
    assert_eq!(t.palette.syntax.name(), "base16-mocha.dark");
    // Written out and read back, every diff key and the syntax theme survive.
    let text = t.to_toml();
    for key in [
        "diff_added =",
        "diff_removed =",
        "diff_added_word =",
        "diff_removed_word =",
        "diff_hunk =",
        "syntax = \"base16-mocha.dark\"",
    ] {
        assert!(text.contains(key), "{key} in\n{text}");
    }
    let mut back = Theme::dark();
    back.patch(&section(&text, "theme")).unwrap();
    assert_eq!(back, t);
    for (text, entry) in [
        ("diff_added = { bg = \"nope\" }", "theme.diff_added.bg"),
        ("syntax = 3", "theme.syntax"),
        ("syntax = \"monokai\"", "theme.syntax"),
        ("diff_addd = \"red\"", "theme.diff_addd"),
    ] {
        let mut t = Theme::dark();
        let err = t.patch(&table(text)).unwrap_err();
        assert_eq!(err.entry_name(), Some(entry), "{text}");
        assert_eq!(t, Theme::dark(), "a failed patch changed the theme");
    }
}
