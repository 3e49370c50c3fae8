//! Styled lines as text for a terminal or a pipe: SGR colour sequences, or
//! plain text with trailing padding removed; control characters as the
//! sanitiser's markers either way.

use std::fmt::Write as _;

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;

use crate::render::text::control_marker;

/// The lines as text with ANSI SGR escape sequences, one `\n`-terminated line each, for a CLI
/// writing to a terminal. Each change of style resets and sets the attributes anew, and every
/// line ends reset, so a cut pipe cannot leave the terminal coloured. Control characters in span
/// text become caret markers, in case the lines came from elsewhere than this module.
pub fn to_ansi(lines: &[Line<'static>]) -> String {
    let mut out = String::new();
    for line in lines {
        let mut current = Style::new();
        for span in &line.spans {
            let style = line.style.patch(span.style);
            if style != current {
                if current != Style::new() {
                    out.push_str("\x1b[0m");
                }
                push_sgr(&mut out, style);
                current = style;
            }
            push_clean(&mut out, &span.content);
        }
        if current != Style::new() {
            out.push_str("\x1b[0m");
        }
        out.push('\n');
    }
    out
}

/// The lines as plain text, one `\n`-terminated line each, trailing padding removed: for pipes
/// and files.
pub fn to_plain(lines: &[Line<'static>]) -> String {
    let mut out = String::new();
    let mut text = String::new();
    for line in lines {
        text.clear();
        for span in &line.spans {
            push_clean(&mut text, &span.content);
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
    out
}

fn push_clean(out: &mut String, s: &str) {
    for c in s.chars() {
        match control_marker(c) {
            Some(m) => out.push_str(m),
            None => out.push(c),
        }
    }
}

/// `ESC [ … m` for `style` (nothing for the default style).
fn push_sgr(out: &mut String, style: Style) {
    let mut params: Vec<String> = Vec::new();
    const MODS: [(Modifier, &str); 9] = [
        (Modifier::BOLD, "1"),
        (Modifier::DIM, "2"),
        (Modifier::ITALIC, "3"),
        (Modifier::UNDERLINED, "4"),
        (Modifier::SLOW_BLINK, "5"),
        (Modifier::RAPID_BLINK, "6"),
        (Modifier::REVERSED, "7"),
        (Modifier::HIDDEN, "8"),
        (Modifier::CROSSED_OUT, "9"),
    ];
    for (m, p) in MODS {
        if style.add_modifier.contains(m) {
            params.push(p.to_string());
        }
    }
    if let Some(c) = style.fg {
        params.push(color_param(c, false));
    }
    if let Some(c) = style.bg {
        params.push(color_param(c, true));
    }
    match style.underline_color {
        Some(Color::Rgb(r, g, b)) => params.push(format!("58;2;{r};{g};{b}")),
        Some(Color::Indexed(i)) => params.push(format!("58;5;{i}")),
        _ => {}
    }
    if params.is_empty() {
        return;
    }
    let _ = write!(out, "\x1b[{}m", params.join(";"));
}

fn color_param(c: Color, bg: bool) -> String {
    let base = if bg { 10 } else { 0 };
    let named = |n: u8| (n + base).to_string();
    match c {
        Color::Reset => named(39),
        Color::Black => named(30),
        Color::Red => named(31),
        Color::Green => named(32),
        Color::Yellow => named(33),
        Color::Blue => named(34),
        Color::Magenta => named(35),
        Color::Cyan => named(36),
        Color::Gray => named(37),
        Color::DarkGray => named(90),
        Color::LightRed => named(91),
        Color::LightGreen => named(92),
        Color::LightYellow => named(93),
        Color::LightBlue => named(94),
        Color::LightMagenta => named(95),
        Color::LightCyan => named(96),
        Color::White => named(97),
        Color::Indexed(i) => format!("{};5;{i}", 38 + base),
        Color::Rgb(r, g, b) => format!("{};2;{r};{g};{b}", 38 + base),
    }
}
