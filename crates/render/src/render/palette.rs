//! The colours the command line and the TUI share: the diff colours and
//! the syntax theme ([`Palette`], built in for dark and light terminals and
//! overridden by the config file's `[theme]`), and the xterm palette with
//! the nearest colour in it to any RGB colour: one mapping for the theme,
//! the diff colours and the pictures, so a colour looks the same on the
//! command line and in the TUI.

use ratatui::style::{Color, Modifier, Style};

/// The syntect themes a palette can name for code, as syntect ships them.
pub const SYNTAX_THEMES: [&str; 7] = [
    "base16-ocean.dark",
    "base16-eighties.dark",
    "base16-mocha.dark",
    "base16-ocean.light",
    "InspiredGitHub",
    "Solarized (dark)",
    "Solarized (light)",
];

/// One of [`SYNTAX_THEMES`]: a copyable name for the highlighter, so the
/// choice travels to worker threads as cheaply as a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SyntaxTheme(usize);

impl SyntaxTheme {
    /// base16-ocean.dark, the dark palette's.
    pub const DARK: SyntaxTheme = SyntaxTheme(0);
    /// InspiredGitHub, the light palette's.
    pub const LIGHT: SyntaxTheme = SyntaxTheme(4);

    /// The theme syntect calls `name`, exactly as [`SYNTAX_THEMES`] spells it.
    pub fn named(name: &str) -> Option<SyntaxTheme> {
        SYNTAX_THEMES
            .iter()
            .position(|n| *n == name)
            .map(SyntaxTheme)
    }

    pub fn name(self) -> &'static str {
        SYNTAX_THEMES
            .get(self.0)
            .copied()
            .unwrap_or(SYNTAX_THEMES[0])
    }
}

/// `true` is the dark palette's theme, `false` the light one's.
impl From<bool> for SyntaxTheme {
    fn from(dark: bool) -> SyntaxTheme {
        if dark {
            SyntaxTheme::DARK
        } else {
            SyntaxTheme::LIGHT
        }
    }
}

/// The diff colours and the syntax theme, the same for `gtm-tui diff` /
/// `files` and the TUI's diff panes. Each side's style gives the line's
/// background (`bg`) and the colour of its `-`/`+` marker and line number
/// (`fg`); the word styles are laid over changed words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    /// An added line.
    pub added: Style,
    /// A removed line.
    pub removed: Style,
    /// Changed words of an added line.
    pub added_word: Style,
    /// Changed words of a removed line.
    pub removed_word: Style,
    /// The "⋯ 120 unchanged lines" fold marker between hunks.
    pub hunk: Style,
    /// Line numbers of unchanged lines.
    pub line_number: Style,
    /// The divider between the columns of a side-by-side diff.
    pub gutter: Style,
    /// Colours for code.
    pub syntax: SyntaxTheme,
}

const fn rgb(hex: u32) -> Color {
    Color::Rgb((hex >> 16) as u8, (hex >> 8) as u8, hex as u8)
}

impl Palette {
    /// For dark terminals: dim red and green line backgrounds, brighter ones
    /// for changed words (delta's defaults), which keep base16-ocean's
    /// syntax colours readable.
    pub fn dark() -> Palette {
        Palette {
            added: Style::new().fg(rgb(0x70e070)).bg(rgb(0x002800)),
            removed: Style::new().fg(rgb(0xff7070)).bg(rgb(0x3f0001)),
            added_word: Style::new().bg(rgb(0x006000)),
            removed_word: Style::new().bg(rgb(0x901011)),
            hunk: Style::new().fg(rgb(0x8caadc)).bg(rgb(0x192337)),
            line_number: Style::new().fg(rgb(0x6e7681)),
            gutter: Style::new().fg(rgb(0x484f58)),
            syntax: SyntaxTheme::DARK,
        }
    }

    /// For light terminals: pale red and green backgrounds, stronger ones
    /// for changed words.
    pub fn light() -> Palette {
        Palette {
            added: Style::new().fg(rgb(0x1a7f37)).bg(rgb(0xd0ffd0)),
            removed: Style::new().fg(rgb(0xcf222e)).bg(rgb(0xffe0e0)),
            added_word: Style::new().bg(rgb(0xa0efa0)),
            removed_word: Style::new().bg(rgb(0xffc0c0)),
            hunk: Style::new().fg(rgb(0x57606a)).bg(rgb(0xddf4ff)),
            line_number: Style::new().fg(rgb(0x8c959f)),
            gutter: Style::new().fg(rgb(0xd0d7de)),
            syntax: SyntaxTheme::LIGHT,
        }
    }

    /// The built-in palette for the theme called `name`: light for
    /// `light`, else dark.
    pub fn for_theme(name: &str) -> Palette {
        if name == "light" {
            Palette::light()
        } else {
            Palette::dark()
        }
    }

    /// The palette's styles by config name (`diff_added`, ...), for the
    /// config file's `[theme]` section, with the comment written above each.
    pub fn styles_mut(&mut self) -> [(&'static str, &'static str, &mut Style); 7] {
        [
            (
                "diff_added",
                "An added line: bg for the line, fg for its + and number.",
                &mut self.added,
            ),
            (
                "diff_removed",
                "A removed line: bg for the line, fg for its - and number.",
                &mut self.removed,
            ),
            (
                "diff_added_word",
                "Changed words of an added line.",
                &mut self.added_word,
            ),
            (
                "diff_removed_word",
                "Changed words of a removed line.",
                &mut self.removed_word,
            ),
            (
                "diff_hunk",
                "The fold marker between hunks (\"⋯ 12 unchanged lines\").",
                &mut self.hunk,
            ),
            (
                "diff_line_number",
                "Line numbers of unchanged lines in diffs.",
                &mut self.line_number,
            ),
            (
                "diff_gutter",
                "The divider between the sides of a side-by-side diff.",
                &mut self.gutter,
            ),
        ]
    }
}

/// A style's foreground and modifiers without its background.
pub fn fg_part(s: Style) -> Style {
    Style { bg: None, ..s }
}

/// A style's background alone.
pub fn bg_part(s: Style) -> Style {
    Style {
        bg: s.bg,
        ..Style::new()
    }
}

/// Bold on top of `s`.
pub fn bold(s: Style) -> Style {
    s.add_modifier(Modifier::BOLD)
}

/// xterm's default RGB for the 16 named colours, in ANSI index order, so
/// [`xterm_rgb`] covers the whole palette. Real terminals vary, which is
/// why nothing is ever mapped onto these by distance.
pub const ANSI16_RGB: [(u8, u8, u8); 16] = [
    (0, 0, 0),
    (205, 0, 0),
    (0, 205, 0),
    (205, 205, 0),
    (0, 0, 238),
    (205, 0, 205),
    (0, 205, 205),
    (229, 229, 229),
    (127, 127, 127),
    (255, 0, 0),
    (0, 255, 0),
    (255, 255, 0),
    (92, 92, 255),
    (255, 0, 255),
    (0, 255, 255),
    (255, 255, 255),
];

/// The RGB xterm shows for a 256-palette index.
pub fn xterm_rgb(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => ANSI16_RGB[usize::from(i)],
        16..=231 => {
            let n = i - 16;
            let level = |v: u8| if v == 0 { 0 } else { 55 + 40 * v };
            (level(n / 36), level((n / 6) % 6), level(n % 6))
        }
        _ => {
            let v = 8 + 10 * (i - 232);
            (v, v, v)
        }
    }
}

/// Perceptual distance between two colours ("redmean"): cheap, and closer
/// to what the eye sees than plain RGB distance.
fn distance(a: (u8, u8, u8), b: (u8, u8, u8)) -> i64 {
    let (r1, g1, b1) = (i64::from(a.0), i64::from(a.1), i64::from(a.2));
    let (r2, g2, b2) = (i64::from(b.0), i64::from(b.1), i64::from(b.2));
    let rmean = (r1 + r2) / 2;
    let (dr, dg, db) = (r1 - r2, g1 - g2, b1 - b2);
    (((512 + rmean) * dr * dr) >> 8) + 4 * dg * dg + (((767 - rmean) * db * db) >> 8)
}

/// Nearest xterm-256 index, from the colour cube and grey ramp only: the
/// first 16 are whatever the user's terminal theme made them.
///
/// Pictures map every pixel, so not all 240 entries are tried: the 27 cube
/// entries around each channel's nearest level and the 24 greys. That
/// finds the nearest entry of the whole palette for every colour of a grid
/// of 636,056 (a step of 3 in each channel; the test checks a coarser one).
/// Candidates are tried in ascending order and ties go to the lower index.
pub fn nearest_256(c: (u8, u8, u8)) -> u8 {
    const LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];
    let nearest = |v: u8| -> i32 {
        (0i32..)
            .zip(LEVELS)
            .min_by_key(|&(_, l)| v.abs_diff(l))
            .map_or(0, |(i, _)| i)
    };
    let (r, g, b) = (nearest(c.0), nearest(c.1), nearest(c.2));
    let mut candidates: Vec<u8> = Vec::with_capacity(32);
    for dr in -1..=1 {
        for dg in -1..=1 {
            for db in -1..=1 {
                let (ri, gi, bi) = (r + dr, g + dg, b + db);
                if [ri, gi, bi].iter().all(|x| (0..6).contains(x)) {
                    candidates.extend(u8::try_from(16 + 36 * ri + 6 * gi + bi).ok());
                }
            }
        }
    }
    // Every grey: the perceptual distance weighs green so much that the
    // best grey can lie several steps from the mean.
    candidates.extend(232..=255u8);
    candidates
        .into_iter()
        .min_by_key(|&i| distance(c, xterm_rgb(i)))
        .unwrap_or(16)
}

/// The 16-colour equivalent of an RGB colour: for nearly unsaturated
/// colours the grey (black, dark gray, gray, white) of the same lightness,
/// otherwise the ANSI hue family (red, yellow, green, cyan, blue, magenta),
/// light variant for light colours. Plain RGB distance would turn most of a
/// theme's soft colours into greys, because the ANSI colours are fully
/// saturated and a pastel is geometrically closer to grey than to any of
/// them.
pub fn nearest_16((r, g, b): (u8, u8, u8)) -> Color {
    let (r, g, b) = (i32::from(r), i32::from(g), i32::from(b));
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let chroma = max - min;
    let lightness = (max + min) / 2;
    // Grey when the spread is small or under 30% of the brightest channel.
    if chroma < 40 || chroma * 10 < max * 3 {
        return match lightness {
            ..40 => Color::Black,
            40..150 => Color::DarkGray,
            150..215 => Color::Gray,
            _ => Color::White,
        };
    }
    let hue = if max == r {
        (60 * (g - b) / chroma + 360) % 360
    } else if max == g {
        60 * (b - r) / chroma + 120
    } else {
        60 * (r - g) / chroma + 240
    };
    // Boundaries follow what the colours are called rather than even 60°
    // sectors: orange-red stays red, sky blue is cyan, violet is magenta.
    let (normal, light) = match hue {
        ..25 | 330.. => (Color::Red, Color::LightRed),
        25..75 => (Color::Yellow, Color::LightYellow),
        75..160 => (Color::Green, Color::LightGreen),
        160..210 => (Color::Cyan, Color::LightCyan),
        210..255 => (Color::Blue, Color::LightBlue),
        _ => (Color::Magenta, Color::LightMagenta),
    };
    if lightness >= 150 { light } else { normal }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn palettes_for_dark_and_light_and_syntax_names() {
        let (d, l) = (Palette::dark(), Palette::light());
        assert_eq!(d.syntax.name(), "base16-ocean.dark");
        assert_eq!(l.syntax.name(), "InspiredGitHub");
        assert_eq!(Palette::for_theme("light"), l);
        assert_eq!(Palette::for_theme("dark"), d);
        // Both bases colour every diff part, and differently.
        for (a, b) in [(d.added, l.added), (d.removed, l.removed), (d.hunk, l.hunk)] {
            assert!(a.bg.is_some() && a.fg.is_some() || a.fg.is_none());
            assert_ne!(a, b);
        }
        assert_eq!(
            SyntaxTheme::named("Solarized (dark)").map(SyntaxTheme::name),
            Some("Solarized (dark)")
        );
        assert_eq!(SyntaxTheme::named("monokai"), None);
        let mut p = d;
        let names: Vec<&str> = p.styles_mut().iter().map(|(n, _, _)| *n).collect();
        assert!(names.iter().all(|n| n.starts_with("diff_")), "{names:?}");
        assert_eq!(fg_part(d.added).bg, None);
        assert_eq!(bg_part(d.added).fg, None);
    }

    #[test]
    fn nearest_colours() {
        assert_eq!(nearest_256((255, 0, 0)), 196);
        assert_eq!(nearest_256((0, 0, 0)), 16);
        assert_eq!(nearest_256((255, 255, 255)), 231);
        assert_eq!(nearest_256((128, 128, 128)), 244);
        assert!(matches!(
            nearest_16((255, 0, 0)),
            Color::Red | Color::LightRed
        ));
        assert_eq!(nearest_16((0, 0, 0)), Color::Black);
        assert_eq!(nearest_16((250, 250, 250)), Color::White);
        // Soft theme colours keep their hue rather than turning grey.
        assert_eq!(nearest_16((0x9e, 0xce, 0x6a)), Color::LightGreen);
        assert_eq!(nearest_16((0x1a, 0x7f, 0x37)), Color::Green);
        assert_eq!(nearest_16((0x7d, 0xcf, 0xff)), Color::LightCyan);
        assert_eq!(nearest_16((0x7c, 0x4d, 0xd8)), Color::Magenta);
        assert_eq!(nearest_16((0x7f, 0x84, 0x9c)), Color::DarkGray);
        assert_eq!(nearest_16((0x1a, 0x1b, 0x26)), Color::Black);
        for i in 16..=255u8 {
            assert_eq!(nearest_256(xterm_rgb(i)), i, "index {i} maps to itself");
        }
        // The candidates never miss the nearest entry the whole palette has.
        let exhaustive = |c| {
            (16..=255u8)
                .min_by_key(|&i| distance(c, xterm_rgb(i)))
                .unwrap_or(16)
        };
        for r in (0..=255u8).step_by(17) {
            for g in (0..=255u8).step_by(15) {
                for b in (0..=255u8).step_by(51) {
                    let c = (r, g, b);
                    assert_eq!(
                        distance(c, xterm_rgb(nearest_256(c))),
                        distance(c, xterm_rgb(exhaustive(c))),
                        "{c:?}"
                    );
                }
            }
        }
    }
}
