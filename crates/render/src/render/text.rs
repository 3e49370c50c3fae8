//! Text outputs of notebook cells (stdout, stderr, tracebacks, plain-text
//! results) as styled lines, the way a notebook or terminal would show them.
//!
//! The text comes from repositories and may be anything: it is read as a
//! tiny terminal. ANSI SGR sequences become [`Style`]s; every other escape
//! sequence is swallowed; carriage returns and backspaces move a cursor over
//! the current line so progress bars collapse to their last state; tabs
//! expand to 8-column stops; any other control character is shown as a
//! marker (see [`control_marker`]) so that nothing reaching the real terminal
//! can drive it. The work is linear in the input.

use crate::render::numbers::thousands;
use ratatui::style::{Color, Modifier, Style};
use unicode_width::UnicodeWidthChar;

/// One displayable line of output: styled runs.
pub type StyledLine = Vec<(Style, String)>;

pub use crate::activity::detail::TRUNCATED_MARK;

/// How many lines of a long output [`fold`] keeps when folded.
pub const FOLD_AT: usize = 24;

/// Columns between tab stops, as in a terminal.
const TAB_STOP: usize = 8;

/// Longest CSI parameter string kept. Real sequences are a few bytes; the
/// cap keeps a hostile endless one from growing a buffer, and the sequence
/// is then dropped rather than applied.
const MAX_CSI_PARAMS: usize = 256;

/// SGR 30–37 / 40–47.
const NORMAL_COLORS: [Color; 8] = [
    Color::Black,
    Color::Red,
    Color::Green,
    Color::Yellow,
    Color::Blue,
    Color::Magenta,
    Color::Cyan,
    Color::Gray,
];

/// SGR 90–97 / 100–107.
const BRIGHT_COLORS: [Color; 8] = [
    Color::DarkGray,
    Color::LightRed,
    Color::LightGreen,
    Color::LightYellow,
    Color::LightBlue,
    Color::LightMagenta,
    Color::LightCyan,
    Color::White,
];

/// The visible stand-in for a control character: the one sanitiser's
/// notation ([`crate::render::sanitize::marker`]), so the TUI and the command line
/// show a stray byte the same way.
pub use crate::render::sanitize::marker as control_marker;

/// Text output as a notebook would show it.
///
/// - SGR sequences (`ESC [ … m`, also with `:` sub-parameters) set colours
///   and attributes: the 8/16 colours, 256 colours (`38;5;n`), truecolour
///   (`38;2;r;g;b`), background colours, bold, dim, italic, underline,
///   reverse, crossed-out and their resets. Blink and conceal are ignored
///   (blinking is noise in a viewer; hidden text is still output worth
///   reading). Attributes are laid over `base`, the style of uncoloured
///   text, and the resets fall back to it.
/// - Erase-in-line (`ESC [ K`, `ESC [ 2 K`) clears like a terminal, because
///   progress bars use it; `2K` also returns to column 0, which is how it is
///   used (`\r\x1b[2K`) and keeps repeated clears linear. Every other escape
///   sequence (cursor movement, OSC titles and hyperlinks, DCS, charset
///   selection) is dropped. An unterminated OSC/DCS string ends at the end
///   of its line, so a cut sequence cannot swallow the rest of the output.
/// - `\r` returns to column 0 and later text overwrites the line from its
///   start, so `"10%\r50%\r100%\n"` shows `100%` and `"hello\rab"` shows
///   `abllo`; `\r\n` is a plain newline. Backspace moves one character
///   left without erasing, as in a terminal (`"ab\x08c"` shows `ac`).
/// - Tabs move to the next 8-column stop, filling with spaces at the end of
///   the line.
/// - Other control characters are shown as [`control_marker`]s, dimmed.
///
/// Lines are split at `\n`; a final line without one is kept if it is not
/// empty, and empty input gives no lines. An empty line is an empty `Vec`.
pub fn render_output(text: &str, base: Style) -> Vec<StyledLine> {
    let mut term = Term::new(base);
    for c in text.chars() {
        term.feed(c);
    }
    term.finish()
}

/// A text output for a terminal or a pipe, each line after `indent`: as a
/// notebook shows it (progress bars collapsed, escape sequences read, not
/// passed on), its colours as SGR sequences when `color`, else plain.
pub fn output_for_terminal(text: &str, indent: &str, color: bool) -> String {
    use ratatui::text::{Line, Span};
    let lines: Vec<Line<'static>> = render_output(text, Style::default())
        .into_iter()
        .map(|runs| {
            let mut spans = vec![Span::raw(indent.to_string())];
            spans.extend(runs.into_iter().map(|(style, t)| Span::styled(t, style)));
            Line::from(spans)
        })
        .collect();
    if color {
        crate::render::diff::to_ansi(&lines)
    } else {
        crate::render::diff::to_plain(&lines)
    }
}

/// Splits off [`TRUNCATED_MARK`] if the text ends with it (optionally after a
/// newline): (text without it, was_truncated).
pub fn split_truncated(text: &str) -> (&str, bool) {
    match text.strip_suffix(TRUNCATED_MARK) {
        Some(rest) => {
            let rest = rest.strip_suffix('\n').unwrap_or(rest);
            (rest.strip_suffix('\r').unwrap_or(rest), true)
        }
        None => (text, false),
    }
}

/// Folds a long output: unless `expanded`, an output of more than
/// `FOLD_AT + 1` lines keeps its first [`FOLD_AT`] and ends with a summary in
/// `dim` such as `… 1,234 more lines (z to expand)`, where `z` is
/// `key_label`. One more line than `FOLD_AT` is shown whole, since the
/// summary would take that line's place and save nothing.
pub fn fold(
    mut lines: Vec<StyledLine>,
    expanded: bool,
    key_label: &str,
    dim: Style,
) -> Vec<StyledLine> {
    let (shown, summary) = fold_view(&lines, expanded, key_label, dim);
    let keep = shown.len();
    lines.truncate(keep);
    lines.extend(summary);
    lines
}

/// What [`fold`] shows, without copying: the lines to draw and the summary
/// line, if folded. The record pane calls this on every frame, so a long
/// output is never cloned just to show its head.
pub fn fold_view<'a>(
    lines: &'a [StyledLine],
    expanded: bool,
    key_label: &str,
    dim: Style,
) -> (&'a [StyledLine], Option<StyledLine>) {
    if expanded || lines.len() <= FOLD_AT + 1 {
        return (lines, None);
    }
    let hidden = lines.len() - FOLD_AT;
    let noun = if hidden == 1 { "line" } else { "lines" };
    let summary = vec![(
        dim,
        format!(
            "\u{2026} {} more {noun} ({key_label} to expand)",
            thousands(hidden)
        ),
    )];
    (lines.get(..FOLD_AT).unwrap_or(lines), Some(summary))
}

/// Where the escape-sequence parser is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Plain text.
    Ground,
    /// After ESC.
    Esc,
    /// After ESC and intermediate bytes (`ESC ( B`): one final byte to go.
    EscIntermediate,
    /// Inside `ESC [`.
    Csi,
    /// Inside an OSC, DCS, SOS, PM or APC string, up to its terminator.
    Str,
}

/// SGR attributes set by the output itself, laid over the base style.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Sgr {
    fg: Option<Color>,
    bg: Option<Color>,
    add: Modifier,
}

/// One character on the line being built, with an index into the style
/// table (rather than a whole `Style`) to keep long lines small.
#[derive(Debug, Clone, Copy)]
struct Cell {
    ch: char,
    style: u32,
}

/// A one-line terminal: the line under construction, a cursor on it, and
/// the finished lines above.
struct Term {
    base: Style,
    state: State,
    params: String,
    /// The CSI seen so far cannot be an SGR or EL (intermediate bytes, or
    /// parameters past the cap).
    csi_odd: bool,
    sgr: Sgr,
    /// Styles of the current line's cells; reset at each line end.
    styles: Vec<Style>,
    /// Index in `styles` of the current style.
    current: u32,
    /// Index in `styles` of the dimmed style for control markers, if made
    /// since the last style change.
    marker: Option<u32>,
    cells: Vec<Cell>,
    /// Index in `cells`; at most `cells.len()`.
    cursor: usize,
    /// Display column of the cursor: the width of `cells[..cursor]`.
    col: usize,
    lines: Vec<StyledLine>,
}

impl Term {
    fn new(base: Style) -> Term {
        Term {
            base,
            state: State::Ground,
            params: String::new(),
            csi_odd: false,
            sgr: Sgr::default(),
            styles: vec![base],
            current: 0,
            marker: None,
            cells: Vec::new(),
            cursor: 0,
            col: 0,
            lines: Vec::new(),
        }
    }

    fn feed(&mut self, c: char) {
        match self.state {
            State::Ground => self.ground(c),
            State::Esc => match c {
                '[' => self.start_csi(),
                ']' | 'P' | 'X' | '^' | '_' => self.state = State::Str,
                ' '..='/' => self.state = State::EscIntermediate,
                '0'..='~' => self.state = State::Ground,
                // Not a sequence after all (a control, another ESC, text):
                // drop the lone ESC and treat `c` as if it came alone.
                _ => {
                    self.state = State::Ground;
                    self.ground(c);
                }
            },
            State::EscIntermediate => match c {
                ' '..='/' => {}
                '0'..='~' => self.state = State::Ground,
                _ => {
                    self.state = State::Ground;
                    self.ground(c);
                }
            },
            State::Csi => match c {
                '0'..='?' => {
                    if self.params.len() < MAX_CSI_PARAMS {
                        self.params.push(c);
                    } else {
                        self.csi_odd = true;
                    }
                }
                ' '..='/' => self.csi_odd = true,
                '@'..='~' => {
                    self.state = State::Ground;
                    self.dispatch_csi(c);
                }
                // Broken sequence (cut output, a newline inside): abandon it
                // and keep the character, so a newline is not lost.
                _ => {
                    self.state = State::Ground;
                    self.ground(c);
                }
            },
            State::Str => match c {
                '\x07' | '\u{9c}' | '\x18' | '\x1a' => self.state = State::Ground,
                // ESC ends the string; `ESC \` (ST) is then an ordinary
                // two-byte sequence that is dropped.
                '\x1b' => self.state = State::Esc,
                '\n' => {
                    self.state = State::Ground;
                    self.ground(c);
                }
                _ => {}
            },
        }
    }

    fn start_csi(&mut self) {
        self.params.clear();
        self.csi_odd = false;
        self.state = State::Csi;
    }

    fn ground(&mut self, c: char) {
        match c {
            '\x1b' => self.state = State::Esc,
            // The 8-bit forms of CSI and of the string introducers.
            '\u{9b}' => self.start_csi(),
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => self.state = State::Str,
            '\n' => self.end_line(),
            '\r' => {
                self.cursor = 0;
                self.col = 0;
            }
            '\x08' => self.backspace(),
            '\t' => self.tab(),
            _ => match control_marker(c) {
                Some(marker) => {
                    let style = self.marker_style();
                    for m in marker.chars() {
                        self.put(m, style);
                    }
                }
                None => self.put(c, self.current),
            },
        }
    }

    /// Writes at the cursor, overwriting what a `\r` or backspace went back
    /// over, and moves on.
    fn put(&mut self, ch: char, style: u32) {
        let cell = Cell { ch, style };
        match self.cells.get_mut(self.cursor) {
            Some(slot) => *slot = cell,
            None => self.cells.push(cell),
        }
        self.cursor += 1;
        self.col += ch.width().unwrap_or(0);
    }

    fn backspace(&mut self) {
        if let Some(prev) = self.cursor.checked_sub(1) {
            let w = self
                .cells
                .get(prev)
                .map_or(0, |c| c.ch.width().unwrap_or(0));
            self.cursor = prev;
            self.col = self.col.saturating_sub(w);
        }
    }

    /// Moves to the next tab stop like a terminal: over existing text
    /// without erasing it, then with spaces past the end of the line.
    fn tab(&mut self) {
        let stop = (self.col / TAB_STOP + 1) * TAB_STOP;
        while self.col < stop {
            match self.cells.get(self.cursor) {
                Some(cell) => {
                    // A zero-width cell would not advance the column, but
                    // the cursor still moves, so this ends.
                    self.col += cell.ch.width().unwrap_or(0);
                    self.cursor += 1;
                }
                None => self.put(' ', self.current),
            }
        }
    }

    fn marker_style(&mut self) -> u32 {
        if let Some(id) = self.marker {
            return id;
        }
        let style = self.style(self.current).add_modifier(Modifier::DIM);
        let id = self.intern(style);
        self.marker = Some(id);
        id
    }

    fn style(&self, id: u32) -> Style {
        self.styles.get(id as usize).copied().unwrap_or(self.base)
    }

    /// Adds a style to the table. The table only lives for one line and
    /// only grows with sequences actually in the input, so no search.
    fn intern(&mut self, style: Style) -> u32 {
        if self.styles.last() == Some(&style) {
            return u32::try_from(self.styles.len() - 1).unwrap_or(u32::MAX);
        }
        self.styles.push(style);
        u32::try_from(self.styles.len() - 1).unwrap_or(u32::MAX)
    }

    fn dispatch_csi(&mut self, final_byte: char) {
        if self.csi_odd {
            return;
        }
        match final_byte {
            'm' => {
                let params = std::mem::take(&mut self.params);
                self.apply_sgr(&params);
                self.params = params;
            }
            'K' => match self.params.as_str() {
                "" | "0" => self.cells.truncate(self.cursor),
                "2" => {
                    self.cells.clear();
                    self.cursor = 0;
                    self.col = 0;
                }
                // `1K` (erase to the left) is rare, and blanking up to the
                // cursor on every repeat would be quadratic: ignored.
                _ => {}
            },
            _ => {}
        }
    }

    fn apply_sgr(&mut self, params: &str) {
        // (value, joined to the previous parameter by ':')
        let mut list: Vec<(u32, bool)> = Vec::new();
        let mut value: u32 = 0;
        let mut sub = false;
        for b in params.bytes() {
            match b {
                b'0'..=b'9' => {
                    value = value.saturating_mul(10).saturating_add(u32::from(b - b'0'));
                }
                b';' | b':' => {
                    list.push((value, sub));
                    value = 0;
                    sub = b == b':';
                }
                // Private sequences (`ESC [ > 4 ; 2 m`) are not SGR.
                _ => return,
            }
        }
        list.push((value, sub));

        let mut sgr = self.sgr;
        let mut i = 0;
        while let Some(&(code, _)) = list.get(i) {
            let mut next = i + 1;
            while list.get(next).is_some_and(|p| p.1) {
                next += 1;
            }
            let subs = list.get(i + 1..next).unwrap_or(&[]);
            i = next;
            match code {
                0 => sgr = Sgr::default(),
                1 => sgr.add |= Modifier::BOLD,
                2 => sgr.add |= Modifier::DIM,
                3 => sgr.add |= Modifier::ITALIC,
                // `4:0` is "no underline"; other `4:n` are underline styles.
                4 if subs.first().is_some_and(|s| s.0 == 0) => sgr.add -= Modifier::UNDERLINED,
                4 | 21 => sgr.add |= Modifier::UNDERLINED,
                7 => sgr.add |= Modifier::REVERSED,
                9 => sgr.add |= Modifier::CROSSED_OUT,
                22 => sgr.add -= Modifier::BOLD | Modifier::DIM,
                23 => sgr.add -= Modifier::ITALIC,
                24 => sgr.add -= Modifier::UNDERLINED,
                27 => sgr.add -= Modifier::REVERSED,
                29 => sgr.add -= Modifier::CROSSED_OUT,
                30..=37 => sgr.fg = NORMAL_COLORS.get((code - 30) as usize).copied(),
                39 => sgr.fg = None,
                40..=47 => sgr.bg = NORMAL_COLORS.get((code - 40) as usize).copied(),
                49 => sgr.bg = None,
                90..=97 => sgr.fg = BRIGHT_COLORS.get((code - 90) as usize).copied(),
                100..=107 => sgr.bg = BRIGHT_COLORS.get((code - 100) as usize).copied(),
                38 | 48 | 58 => {
                    let color = if subs.is_empty() {
                        let (color, used) = extended_color(list.get(i..).unwrap_or(&[]));
                        i += used;
                        color
                    } else {
                        extended_color_colon(subs)
                    };
                    // 58 (underline colour) is parsed only to skip its
                    // arguments: it is too rare to be worth showing.
                    match (code, color) {
                        (38, Some(c)) => sgr.fg = Some(c),
                        (48, Some(c)) => sgr.bg = Some(c),
                        _ => {}
                    }
                }
                // Blink, conceal, fonts, frames and the rest: ignored.
                _ => {}
            }
        }
        if sgr != self.sgr {
            self.sgr = sgr;
            let mut style = self.base;
            if let Some(fg) = sgr.fg {
                style = style.fg(fg);
            }
            if let Some(bg) = sgr.bg {
                style = style.bg(bg);
            }
            let style = style.add_modifier(sgr.add);
            self.current = self.intern(style);
            self.marker = None;
        }
    }

    fn end_line(&mut self) {
        let mut line: StyledLine = Vec::new();
        for cell in &self.cells {
            let style = self.style(cell.style);
            match line.last_mut() {
                Some((s, text)) if *s == style => text.push(cell.ch),
                _ => line.push((style, cell.ch.to_string())),
            }
        }
        self.lines.push(line);
        self.cells.clear();
        self.cursor = 0;
        self.col = 0;
        // No cell refers to the table any more: keep only the current
        // style so the table stays small however many lines there are.
        let current = self.style(self.current);
        self.styles.clear();
        self.styles.push(current);
        self.current = 0;
        self.marker = None;
    }

    fn finish(mut self) -> Vec<StyledLine> {
        if !self.cells.is_empty() {
            self.end_line();
        }
        self.lines
    }
}

/// The arguments of `38;5;n` / `38;2;r;g;b` in the `;` form, starting after
/// the 38: the colour if complete, and how many parameters it took.
fn extended_color(rest: &[(u32, bool)]) -> (Option<Color>, usize) {
    let value = |k: usize| rest.get(k).and_then(|p| u8::try_from(p.0).ok());
    match rest.first().map(|p| p.0) {
        Some(5) => (value(1).map(Color::Indexed), 2.min(rest.len())),
        Some(2) => {
            let rgb = match (value(1), value(2), value(3)) {
                (Some(r), Some(g), Some(b)) => Some(Color::Rgb(r, g, b)),
                _ => None,
            };
            (rgb, 4.min(rest.len()))
        }
        // Unknown colour space: take just the mode; what follows is read
        // as ordinary SGR codes, as terminals do.
        Some(_) => (None, 1),
        None => (None, 0),
    }
}

/// The sub-parameters of `38:5:n` / `38:2:[id]:r:g:b`.
fn extended_color_colon(subs: &[(u32, bool)]) -> Option<Color> {
    let value = |k: usize| subs.get(k).and_then(|p| u8::try_from(p.0).ok());
    match subs.first().map(|p| p.0) {
        Some(5) => value(1).map(Color::Indexed),
        Some(2) => {
            // With five sub-parameters the first after the 2 is a colour
            // space id (usually empty).
            let at = if subs.len() >= 5 { 2 } else { 1 };
            Some(Color::Rgb(value(at)?, value(at + 1)?, value(at + 2)?))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;
