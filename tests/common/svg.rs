//! A screen buffer as an SVG picture, for README's screenshots: the cells' text and colours
//! as a dark terminal would show them, the same bytes for the same buffer.

use std::fmt::Write;

use ratatui::buffer::{Buffer, Cell};
use ratatui::style::{Color, Modifier};

/// Width and height of one cell in pixels; 0.6 em is the advance of common monospace fonts.
const CELL_W: f64 = 8.4;
const CELL_H: f64 = 17.0;
const FONT_SIZE: f64 = 14.0;
/// Space around the screen, as a terminal window's margin.
const PAD: f64 = 12.0;
/// What `Color::Reset` stands for: the terminal's own colours, here a dark theme's.
const DEFAULT_FG: (u8, u8, u8) = (0xc0, 0xca, 0xf5);
const DEFAULT_BG: (u8, u8, u8) = (0x1a, 0x1b, 0x26);

/// The 16 ANSI colours, as a dark terminal theme draws them.
const ANSI: [(u8, u8, u8); 16] = [
    (0x15, 0x16, 0x1e),
    (0xf7, 0x76, 0x8e),
    (0x9e, 0xce, 0x6a),
    (0xe0, 0xaf, 0x68),
    (0x7a, 0xa2, 0xf7),
    (0xbb, 0x9a, 0xf7),
    (0x7d, 0xcf, 0xff),
    (0xa9, 0xb1, 0xd6),
    (0x41, 0x48, 0x68),
    (0xff, 0x89, 0x9d),
    (0xb9, 0xf2, 0x7c),
    (0xff, 0xc7, 0x77),
    (0x8d, 0xb0, 0xff),
    (0xc7, 0xa9, 0xff),
    (0xa4, 0xda, 0xff),
    (0xc0, 0xca, 0xf5),
];

/// The xterm 256-colour palette: 16 ANSI, a 6×6×6 cube, then 24 greys.
fn indexed(n: u8) -> (u8, u8, u8) {
    match n {
        0..=15 => ANSI[usize::from(n)],
        16..=231 => {
            let i = n - 16;
            let level = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            (level(i / 36), level((i / 6) % 6), level(i % 6))
        }
        _ => {
            let g = 8 + (n - 232) * 10;
            (g, g, g)
        }
    }
}

fn rgb(c: Color, default: (u8, u8, u8)) -> (u8, u8, u8) {
    match c {
        Color::Reset => default,
        Color::Black => ANSI[0],
        Color::Red => ANSI[1],
        Color::Green => ANSI[2],
        Color::Yellow => ANSI[3],
        Color::Blue => ANSI[4],
        Color::Magenta => ANSI[5],
        Color::Cyan => ANSI[6],
        Color::Gray => ANSI[7],
        Color::DarkGray => ANSI[8],
        Color::LightRed => ANSI[9],
        Color::LightGreen => ANSI[10],
        Color::LightYellow => ANSI[11],
        Color::LightBlue => ANSI[12],
        Color::LightMagenta => ANSI[13],
        Color::LightCyan => ANSI[14],
        Color::White => ANSI[15],
        Color::Rgb(r, g, b) => (r, g, b),
        Color::Indexed(n) => indexed(n),
    }
}

fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// What one cell looks like once reversal is applied: its text style and its background.
#[derive(Clone, PartialEq)]
struct Look {
    fg: (u8, u8, u8),
    bg: (u8, u8, u8),
    bold: bool,
    italic: bool,
    underline: bool,
    strike: bool,
    dim: bool,
    hidden: bool,
}

fn look(cell: &Cell) -> Look {
    let m = cell.modifier;
    let (mut fg, mut bg) = (rgb(cell.fg, DEFAULT_FG), rgb(cell.bg, DEFAULT_BG));
    if m.contains(Modifier::REVERSED) {
        std::mem::swap(&mut fg, &mut bg);
    }
    Look {
        fg,
        bg,
        bold: m.contains(Modifier::BOLD),
        italic: m.contains(Modifier::ITALIC),
        underline: m.contains(Modifier::UNDERLINED),
        strike: m.contains(Modifier::CROSSED_OUT),
        dim: m.contains(Modifier::DIM),
        hidden: m.contains(Modifier::HIDDEN),
    }
}

fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // XML allows no other control characters; the sanitiser has already replaced
            // anything from the repository, so this only guards the picture itself.
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
}

/// A run of cells on one row that share a look: its first column, its width in columns,
/// and its text.
struct Run {
    col: u16,
    cols: u16,
    text: String,
    look: Look,
}

fn runs(buf: &Buffer, y: u16) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    let area = buf.area;
    let mut x = area.x;
    while x < area.x + area.width {
        let cell = &buf[(x, y)];
        let sym = cell.symbol();
        // A wide character's symbol sits in its first cell; the cells it covers hold none.
        let width = unicode_width::UnicodeWidthStr::width(sym).clamp(1, 2) as u16;
        let l = look(cell);
        let text = if sym.is_empty() { " " } else { sym };
        match out.last_mut() {
            Some(r) if r.look == l && r.col + r.cols == x => {
                r.cols += width;
                r.text.push_str(text);
            }
            _ => out.push(Run {
                col: x,
                cols: width,
                text: text.to_string(),
                look: l,
            }),
        }
        x += width;
    }
    out
}

/// The whole buffer as an SVG document; `title` names it for screen readers.
pub fn render(buf: &Buffer, title: &str) -> String {
    let area = buf.area;
    let w = f64::from(area.width) * CELL_W + 2.0 * PAD;
    let h = f64::from(area.height) * CELL_H + 2.0 * PAD;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" \
         viewBox=\"0 0 {w:.1} {h:.1}\" role=\"img\" xml:space=\"preserve\">"
    );
    s.push_str("<title>");
    escape(title, &mut s);
    s.push_str("</title>\n");
    let _ = writeln!(
        s,
        "<rect width=\"100%\" height=\"100%\" rx=\"8\" fill=\"{}\"/>",
        hex(DEFAULT_BG)
    );
    let _ = writeln!(
        s,
        "<g font-family=\"ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', \
         'Liberation Mono', monospace\" font-size=\"{FONT_SIZE}\">"
    );
    for y in area.y..area.y + area.height {
        let top = PAD + f64::from(y - area.y) * CELL_H;
        let row = runs(buf, y);
        for r in row.iter().filter(|r| r.look.bg != DEFAULT_BG) {
            let _ = writeln!(
                s,
                "<rect x=\"{:.1}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{CELL_H:.1}\" fill=\"{}\"/>",
                PAD + f64::from(r.col - area.x) * CELL_W,
                f64::from(r.cols) * CELL_W,
                hex(r.look.bg)
            );
        }
        for r in &row {
            if r.look.hidden || r.text.trim().is_empty() {
                continue;
            }
            // Trailing spaces draw nothing; leaving them out keeps the file small.
            let text = r.text.trim_end();
            let cols = r.cols - (r.text.chars().count() - text.chars().count()) as u16;
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"{}\"",
                PAD + f64::from(r.col - area.x) * CELL_W,
                top + CELL_H * 0.75,
                hex(r.look.fg)
            );
            // Stretching each run to its columns keeps the grid whatever the font's advance.
            if text.chars().count() > 1 {
                let _ = write!(
                    s,
                    " textLength=\"{:.1}\" lengthAdjust=\"spacingAndGlyphs\"",
                    f64::from(cols) * CELL_W
                );
            }
            if r.look.bold {
                s.push_str(" font-weight=\"bold\"");
            }
            if r.look.italic {
                s.push_str(" font-style=\"italic\"");
            }
            if r.look.dim {
                s.push_str(" opacity=\"0.6\"");
            }
            match (r.look.underline, r.look.strike) {
                (true, true) => s.push_str(" text-decoration=\"underline line-through\""),
                (true, false) => s.push_str(" text-decoration=\"underline\""),
                (false, true) => s.push_str(" text-decoration=\"line-through\""),
                (false, false) => {}
            }
            s.push('>');
            escape(text, &mut s);
            s.push_str("</text>\n");
        }
    }
    s.push_str("</g>\n</svg>\n");
    s
}
