//! Diffs between two runs of a cell as styled terminal lines: side by side or unified.
//!
//! Syntax colours (foreground, bold, italic) are kept and the diff's backgrounds laid over them,
//! so a changed line still reads as code. Long lines wrap within their column rather than being
//! cut, since the change may be at the far end. Tabs become four spaces and control characters
//! their caret markers, so nothing in the compared text can reach the terminal as a command.
//! Every line produced is at most the requested width (by display width, so wide CJK characters
//! count two) and is padded to it, so the background of a changed line runs to the column edge.

use crate::render::numbers::thousands;
use crate::render::palette::nearest_256;

pub use crate::render::ansi::{to_ansi, to_plain};

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::diff::{DiffLine, Eol, Row, RowKind, Segment, TextDiff};
use crate::render::highlight::StyledLine;
use crate::render::text::control_marker;

/// What a tab becomes: notebook code is indented in fours, and a fixed width keeps wrapped
/// continuation rows predictable.
const TAB: &str = "    ";

/// VARIATION SELECTOR-16: emoji presentation for the character before it.
const VS16: char = '\u{fe0f}';

/// Text columns narrower than this lose their line numbers first: two cells hold any character.
const MIN_TEXT: usize = 2;

/// Below this width two columns cannot each show a line number and a character, and the side by
/// side view falls back to [`unified`].
const MIN_SIDE_BY_SIDE: usize = 7;

/// Styles of a diff view. Colours are `Color::Rgb`; pass the styles through
/// [`DiffStyles::map`] with the app's colour-depth adapter, or use [`DiffStyles::to_indexed`],
/// for terminals without truecolour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiffStyles {
    /// Line numbers of equal lines.
    pub line_number: Style,
    /// Line numbers of deleted lines.
    pub line_number_deleted: Style,
    /// Line numbers of inserted lines.
    pub line_number_inserted: Style,
    /// The divider between the columns and the space between number and text.
    pub gutter: Style,
    /// Text of equal lines, under the syntax colours.
    pub equal: Style,
    /// A deleted line (its background, under the syntax colours).
    pub deleted: Style,
    /// An inserted line.
    pub inserted: Style,
    /// Changed words of a deleted line, laid over `deleted`.
    pub deleted_emph: Style,
    /// Changed words of an inserted line, laid over `inserted`.
    pub inserted_emph: Style,
    /// The `-` marker.
    pub deleted_marker: Style,
    /// The `+` marker.
    pub inserted_marker: Style,
    /// The side of a row that has no line (the right side of a deletion).
    pub empty: Style,
    /// The "⋯ 120 unchanged lines" row and the line-ending note.
    pub fold: Style,
    /// Caret markers standing in for control characters, laid over the text's style.
    pub control: Style,
    /// Whether side-by-side columns show `-`/`+` markers too (unified always does). Needed when
    /// colour cannot tell the sides' rows apart.
    pub markers: bool,
}

impl DiffStyles {
    /// For dark terminals: dim red and green line backgrounds, brighter ones for changed words
    /// (delta's defaults), which keep base16-ocean's syntax colours readable.
    pub fn dark() -> DiffStyles {
        let deleted = Style::new().bg(Color::Rgb(0x3f, 0x00, 0x01));
        let inserted = Style::new().bg(Color::Rgb(0x00, 0x28, 0x00));
        DiffStyles {
            line_number: Style::new().fg(Color::Rgb(0x6e, 0x76, 0x81)),
            line_number_deleted: deleted.fg(Color::Rgb(0xf0, 0x70, 0x70)),
            line_number_inserted: inserted.fg(Color::Rgb(0x70, 0xd0, 0x70)),
            gutter: Style::new().fg(Color::Rgb(0x48, 0x4f, 0x58)),
            equal: Style::new(),
            deleted,
            inserted,
            deleted_emph: Style::new().bg(Color::Rgb(0x90, 0x10, 0x11)),
            inserted_emph: Style::new().bg(Color::Rgb(0x00, 0x60, 0x00)),
            deleted_marker: deleted
                .fg(Color::Rgb(0xff, 0x70, 0x70))
                .add_modifier(Modifier::BOLD),
            inserted_marker: inserted
                .fg(Color::Rgb(0x70, 0xe0, 0x70))
                .add_modifier(Modifier::BOLD),
            empty: Style::new(),
            fold: Style::new()
                .fg(Color::Rgb(0x8c, 0xaa, 0xdc))
                .bg(Color::Rgb(0x19, 0x23, 0x37)),
            control: Style::new().add_modifier(Modifier::DIM),
            markers: false,
        }
    }

    /// For light terminals: pale red and green backgrounds, stronger ones for changed words.
    pub fn light() -> DiffStyles {
        let deleted = Style::new().bg(Color::Rgb(0xff, 0xe0, 0xe0));
        let inserted = Style::new().bg(Color::Rgb(0xd0, 0xff, 0xd0));
        DiffStyles {
            line_number: Style::new().fg(Color::Rgb(0x8c, 0x95, 0x9f)),
            line_number_deleted: deleted.fg(Color::Rgb(0xcf, 0x22, 0x2e)),
            line_number_inserted: inserted.fg(Color::Rgb(0x1a, 0x7f, 0x37)),
            gutter: Style::new().fg(Color::Rgb(0xd0, 0xd7, 0xde)),
            equal: Style::new(),
            deleted,
            inserted,
            deleted_emph: Style::new().bg(Color::Rgb(0xff, 0xc0, 0xc0)),
            inserted_emph: Style::new().bg(Color::Rgb(0xa0, 0xef, 0xa0)),
            deleted_marker: deleted
                .fg(Color::Rgb(0xcf, 0x22, 0x2e))
                .add_modifier(Modifier::BOLD),
            inserted_marker: inserted
                .fg(Color::Rgb(0x1a, 0x7f, 0x37))
                .add_modifier(Modifier::BOLD),
            empty: Style::new(),
            fold: Style::new()
                .fg(Color::Rgb(0x57, 0x60, 0x6a))
                .bg(Color::Rgb(0xdd, 0xf4, 0xff)),
            control: Style::new().add_modifier(Modifier::DIM),
            markers: false,
        }
    }

    /// Without colour (`NO_COLOR`, or a terminal without any): `-`/`+` markers in both views,
    /// changed words reversed (and bold on the new side), line numbers dim.
    pub fn no_color() -> DiffStyles {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        DiffStyles {
            line_number: Style::new().add_modifier(Modifier::DIM),
            line_number_deleted: Style::new(),
            line_number_inserted: bold,
            gutter: Style::new().add_modifier(Modifier::DIM),
            equal: Style::new(),
            deleted: Style::new(),
            inserted: Style::new(),
            deleted_emph: Style::new().add_modifier(Modifier::REVERSED),
            inserted_emph: Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            deleted_marker: bold,
            inserted_marker: bold,
            empty: Style::new(),
            fold: Style::new().add_modifier(Modifier::ITALIC),
            control: Style::new().add_modifier(Modifier::DIM),
            markers: true,
        }
    }

    /// Every style passed through `f`, e.g. the app's adapter to the terminal's colour depth.
    pub fn map(self, f: impl Fn(Style) -> Style) -> DiffStyles {
        DiffStyles {
            line_number: f(self.line_number),
            line_number_deleted: f(self.line_number_deleted),
            line_number_inserted: f(self.line_number_inserted),
            gutter: f(self.gutter),
            equal: f(self.equal),
            deleted: f(self.deleted),
            inserted: f(self.inserted),
            deleted_emph: f(self.deleted_emph),
            inserted_emph: f(self.inserted_emph),
            deleted_marker: f(self.deleted_marker),
            inserted_marker: f(self.inserted_marker),
            empty: f(self.empty),
            fold: f(self.fold),
            control: f(self.control),
            markers: self.markers,
        }
    }

    /// The styles with every RGB colour replaced by the nearest of the xterm 256-colour palette
    /// (its colour cube and grey ramp, whose values do not depend on the terminal's theme).
    pub fn to_indexed(self) -> DiffStyles {
        let conv = |c: Option<Color>| match c {
            Some(Color::Rgb(r, g, b)) => Some(Color::Indexed(nearest_256((r, g, b)))),
            other => other,
        };
        self.map(|mut s| {
            s.fg = conv(s.fg);
            s.bg = conv(s.bg);
            s.underline_color = conv(s.underline_color);
            s
        })
    }
}

/// Which side of a change a line is on, for its styles and marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tone {
    Equal,
    Deleted,
    Inserted,
}

impl Tone {
    fn line(self, s: &DiffStyles) -> Style {
        match self {
            Tone::Equal => s.equal,
            Tone::Deleted => s.deleted,
            Tone::Inserted => s.inserted,
        }
    }

    fn emph(self, s: &DiffStyles) -> Style {
        match self {
            Tone::Equal => s.equal,
            Tone::Deleted => s.deleted_emph,
            Tone::Inserted => s.inserted_emph,
        }
    }

    fn number(self, s: &DiffStyles) -> Style {
        match self {
            Tone::Equal => s.line_number,
            Tone::Deleted => s.line_number_deleted,
            Tone::Inserted => s.line_number_inserted,
        }
    }

    fn marker(self, s: &DiffStyles) -> Span<'static> {
        match self {
            Tone::Equal => Span::styled(" ", s.equal),
            Tone::Deleted => Span::styled("-", s.deleted_marker),
            Tone::Inserted => Span::styled("+", s.inserted_marker),
        }
    }
}

/// How one column's width is shared: line number (with the space after it), marker (with its
/// space) and text.
#[derive(Debug, Clone, Copy)]
struct Layout {
    /// Width of each line-number field, without the space after; several fields for unified.
    num: usize,
    /// How many number fields (1 side by side, 2 unified).
    fields: usize,
    /// 0, 1 (marker alone) or 2 (marker and space).
    marker: usize,
    text: usize,
}

impl Layout {
    /// Fits numbers up to `max_number` and a marker into `width`, giving up numbers, then the
    /// marker's space, then the marker, before the text drops below [`MIN_TEXT`].
    fn new(width: usize, max_number: usize, fields: usize, marker: bool) -> Layout {
        let num = digits(max_number);
        let mut l = Layout {
            num,
            fields,
            marker: if marker { 2 } else { 0 },
            text: 0,
        };
        let fits = |l: &Layout| l.gutter() + MIN_TEXT <= width;
        if !fits(&l) {
            l.num = 0;
            l.fields = 0;
        }
        if !fits(&l) && l.marker == 2 {
            l.marker = 1;
        }
        if !fits(&l) {
            l.marker = 0;
        }
        l.text = width.saturating_sub(l.gutter());
        l
    }

    fn gutter(&self) -> usize {
        self.fields * (self.num + 1) + self.marker
    }

    fn width(&self) -> usize {
        self.gutter() + self.text
    }

    /// The gutter spans: `numbers` (one per field; `None` blank), then the marker.
    fn gutter_spans(
        &self,
        numbers: &[(Option<usize>, Style)],
        tone: Tone,
        styles: &DiffStyles,
        out: &mut Vec<Span<'static>>,
    ) {
        for &(n, style) in numbers.iter().take(self.fields) {
            let text = match n {
                Some(n) => format!("{n:>w$}", w = self.num),
                None => " ".repeat(self.num),
            };
            out.push(Span::styled(text, style));
            out.push(Span::styled(" ", tone.line(styles)));
        }
        if self.marker > 0 {
            out.push(tone.marker(styles));
            if self.marker > 1 {
                out.push(Span::styled(" ", tone.line(styles)));
            }
        }
    }
}

fn digits(n: usize) -> usize {
    n.max(1).ilog10() as usize + 1
}

/// Lays one line's text, with its syntax runs and emphasis, into rows of exactly `width` cells.
struct Wrapper {
    width: usize,
    pad: Style,
    rows: Vec<Vec<Span<'static>>>,
    spans: Vec<Span<'static>>,
    buf: String,
    buf_style: Style,
    col: usize,
}

impl Wrapper {
    fn new(width: usize, pad: Style) -> Wrapper {
        Wrapper {
            width,
            pad,
            rows: Vec::new(),
            spans: Vec::new(),
            buf: String::new(),
            buf_style: Style::new(),
            col: 0,
        }
    }

    /// Adds `s`, `w` cells wide, wrapping first if it does not fit the row.
    fn push(&mut self, s: &str, w: usize, style: Style) {
        if self.col + w > self.width && self.col > 0 {
            self.break_row();
        }
        if style != self.buf_style {
            self.flush();
            self.buf_style = style;
        }
        self.buf.push_str(s);
        self.col += w;
    }

    fn flush(&mut self) {
        if !self.buf.is_empty() {
            let text = std::mem::take(&mut self.buf);
            self.spans.push(Span::styled(text, self.buf_style));
        }
    }

    fn break_row(&mut self) {
        self.flush();
        if self.col < self.width {
            self.spans
                .push(Span::styled(" ".repeat(self.width - self.col), self.pad));
        }
        self.rows.push(std::mem::take(&mut self.spans));
        self.col = 0;
    }

    fn finish(mut self) -> Vec<Vec<Span<'static>>> {
        self.break_row();
        self.rows
    }
}

/// The syntax runs of `line` if they spell exactly its text (a highlight of another version, or
/// one cut short, is not trusted: emphasis ranges index the text).
fn runs<'a>(line: &'a DiffLine, hl: Option<&'a [StyledLine]>) -> Vec<(Style, &'a str)> {
    let highlighted = line
        .number
        .checked_sub(1)
        .and_then(|i| hl.and_then(|h| h.get(i)));
    if let Some(runs) = highlighted {
        let mut at = 0;
        let matches = runs.iter().all(|(_, s)| {
            let ok = line.text.get(at..at + s.len()) == Some(s.as_str());
            at += s.len();
            ok
        });
        if matches && at == line.text.len() {
            return runs.iter().map(|(st, s)| (*st, s.as_str())).collect();
        }
    }
    vec![(Style::new(), line.text.as_str())]
}

/// `line` wrapped into rows of `width` cells in `tone`'s styles.
fn wrap(
    line: &DiffLine,
    hl: Option<&[StyledLine]>,
    width: usize,
    tone: Tone,
    styles: &DiffStyles,
    ascii: bool,
) -> Vec<Vec<Span<'static>>> {
    let line_style = tone.line(styles);
    let emph_style = line_style.patch(tone.emph(styles));
    let mut w = Wrapper::new(width, line_style);
    let mut emphasis = line.emphasis.iter().peekable();
    let mut at = 0;
    let mut utf8 = [0u8; 4];
    // The previous character, for the one zero-width character that widens it.
    let mut prev: Option<char> = None;
    for (syntax, text) in runs(line, hl) {
        let plain = syntax.patch(line_style);
        let emphasised = syntax.patch(emph_style);
        for c in text.chars() {
            while emphasis.next_if(|e| e.end <= at).is_some() {}
            let style = if emphasis.peek().is_some_and(|e| e.start <= at) {
                emphasised
            } else {
                plain
            };
            at += c.len_utf8();
            let before = prev.replace(c);
            if c == VS16 {
                // An emoji presentation selector makes the character before it two cells wide
                // (for unicode-width and so for ratatui); if the row has no room left for that,
                // it is dropped, which only changes how the character is drawn.
                let grown = before.map_or(0, |p| {
                    let pair: String = [p, c].iter().collect();
                    pair.width().saturating_sub(p.width().unwrap_or(0))
                });
                if w.col + grown <= width {
                    w.push(c.encode_utf8(&mut utf8), grown, style);
                }
            } else if c == '\t' {
                for _ in 0..TAB.len() {
                    w.push(" ", 1, style);
                }
            } else if let Some(marker) = control_marker(c) {
                // Marker characters are pushed one by one so they can wrap at width 1.
                let style = style.patch(styles.control);
                for m in marker.chars() {
                    w.push(m.encode_utf8(&mut utf8), m.width().unwrap_or(1), style);
                }
            } else {
                match c.width() {
                    Some(cw) if cw <= width => w.push(c.encode_utf8(&mut utf8), cw, style),
                    // Too wide for a one-cell column (or unknown width): a stand-in rather than
                    // overflowing the row.
                    _ => w.push(if ascii { "?" } else { "\u{2026}" }, 1, style),
                }
            }
        }
    }
    w.finish()
}

/// `s` cut to `width` cells and padded to exactly that.
fn fit(s: &str, width: usize) -> String {
    let mut out = String::with_capacity(width);
    let mut col = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if col + cw > width {
            break;
        }
        col += cw;
        out.push(c);
    }
    out.extend(std::iter::repeat_n(' ', width - col));
    out
}

/// A full-width row of text in the fold style, starting under the text (after `indent` cells).
fn banner(text: &str, indent: usize, width: usize, styles: &DiffStyles) -> Line<'static> {
    let indent = indent.min(width.saturating_sub(text.width()));
    let body = format!("{}{text}", " ".repeat(indent));
    Line::from(Span::styled(fit(&body, width), styles.fold))
}

fn fold_text(hidden: usize, ascii: bool) -> String {
    let dots = if ascii { "..." } else { "\u{22ef}" };
    let noun = if hidden == 1 { "line" } else { "lines" };
    format!("{dots} {} unchanged {noun}", thousands(hidden))
}

/// What to say when the texts differ only in line endings, which no row shows.
fn eol_note(diff: &TextDiff, ascii: bool) -> Option<String> {
    if !diff.line_endings_differ {
        return None;
    }
    let last = |left: bool| {
        diff.rows
            .iter()
            .rev()
            .find_map(|r| {
                if left {
                    r.left.as_ref()
                } else {
                    r.right.as_ref()
                }
            })
            .map(|l| l.eol)
    };
    let (old, new) = (last(true), last(false));
    let dots = if ascii { "..." } else { "\u{22ef}" };
    let text = if old == Some(Eol::None) && new != Some(Eol::None) {
        "no newline at end of old text"
    } else if new == Some(Eol::None) && old != Some(Eol::None) {
        "no newline at end of new text"
    } else {
        "line endings differ (CRLF and LF)"
    };
    Some(format!("{dots} {text}"))
}

fn segments(diff: &TextDiff, context: Option<usize>) -> Vec<Segment> {
    match context {
        Some(n) => diff.fold(n),
        None if diff.rows.is_empty() => Vec::new(),
        None => vec![Segment::Shown(0..diff.rows.len())],
    }
}

fn max_number(diff: &TextDiff, left: bool) -> usize {
    diff.rows
        .iter()
        .rev()
        .find_map(|r| {
            if left {
                r.left.as_ref()
            } else {
                r.right.as_ref()
            }
        })
        .map_or(1, |l| l.number)
}

/// The side-by-side view: old text on the left, new on the right, each with its line numbers;
/// changed lines on dim red/green, changed words on brighter ones. `old_hl`/`new_hl` are the
/// sides' highlighted lines ([`Highlighter::highlight`](super::highlight::Highlighter::highlight)
/// of each text; `None`, or lines that do not match, show plain). `context: Some(n)` folds equal
/// stretches longer than `2n` into one marker row. Below 7 columns this is [`unified`].
pub fn side_by_side(
    diff: &TextDiff,
    old_hl: Option<&[StyledLine]>,
    new_hl: Option<&[StyledLine]>,
    width: u16,
    context: Option<usize>,
    styles: &DiffStyles,
    ascii: bool,
) -> Vec<Line<'static>> {
    if usize::from(width) < MIN_SIDE_BY_SIDE {
        return unified(diff, old_hl, new_hl, width, context, styles, ascii);
    }
    let width = usize::from(width);
    let left_w = (width - 1) / 2;
    let right_w = width - 1 - left_w;
    let left = Layout::new(left_w, max_number(diff, true), 1, styles.markers);
    let right = Layout::new(right_w, max_number(diff, false), 1, styles.markers);
    let divider = Span::styled(if ascii { "|" } else { "\u{2502}" }, styles.gutter);
    let mut out = Vec::with_capacity(diff.rows.len() + 2);
    for seg in segments(diff, context) {
        match seg {
            Segment::Folded(r) => out.push(banner(
                &fold_text(r.len(), ascii),
                left.gutter(),
                width,
                styles,
            )),
            Segment::Shown(r) => {
                for row in diff.rows.get(r).unwrap_or_default() {
                    side_by_side_row(
                        row,
                        (old_hl, new_hl),
                        (&left, &right),
                        &divider,
                        styles,
                        ascii,
                        &mut out,
                    );
                }
            }
        }
    }
    if let Some(note) = eol_note(diff, ascii) {
        out.push(banner(&note, left.gutter(), width, styles));
    }
    out
}

/// One side of a row, wrapped: (gutter + text) spans per row, and its tone for padding rows.
struct Cell {
    rows: Vec<Vec<Span<'static>>>,
    tone: Tone,
}

fn cell(
    line: Option<&DiffLine>,
    hl: Option<&[StyledLine]>,
    layout: &Layout,
    tone: Tone,
    styles: &DiffStyles,
    ascii: bool,
) -> Option<Cell> {
    let line = line?;
    let text_rows = wrap(line, hl, layout.text, tone, styles, ascii);
    let rows = text_rows
        .into_iter()
        .enumerate()
        .map(|(i, text)| {
            let mut spans = Vec::with_capacity(text.len() + 4);
            let number = (i == 0).then_some(line.number);
            layout.gutter_spans(&[(number, tone.number(styles))], tone, styles, &mut spans);
            spans.extend(text);
            spans
        })
        .collect();
    Some(Cell { rows, tone })
}

fn side_by_side_row(
    row: &Row,
    (old_hl, new_hl): (Option<&[StyledLine]>, Option<&[StyledLine]>),
    (left, right): (&Layout, &Layout),
    divider: &Span<'static>,
    styles: &DiffStyles,
    ascii: bool,
    out: &mut Vec<Line<'static>>,
) {
    let (lt, rt) = match row.kind {
        RowKind::Equal => (Tone::Equal, Tone::Equal),
        _ => (Tone::Deleted, Tone::Inserted),
    };
    let l = cell(row.left.as_ref(), old_hl, left, lt, styles, ascii);
    let r = cell(row.right.as_ref(), new_hl, right, rt, styles, ascii);
    let n = l
        .as_ref()
        .map_or(0, |c| c.rows.len())
        .max(r.as_ref().map_or(0, |c| c.rows.len()));
    let mut l = l.map(Cell::into_rows);
    let mut r = r.map(Cell::into_rows);
    for _ in 0..n {
        let mut spans = Vec::with_capacity(16);
        side(&mut spans, l.as_mut(), left, styles);
        spans.push(divider.clone());
        side(&mut spans, r.as_mut(), right, styles);
        out.push(Line::from(spans));
    }
}

/// A [`Cell`] being taken apart row by row.
struct Rows {
    rows: std::vec::IntoIter<Vec<Span<'static>>>,
    tone: Tone,
}

impl Cell {
    fn into_rows(self) -> Rows {
        Rows {
            rows: self.rows.into_iter(),
            tone: self.tone,
        }
    }
}

/// Appends one side's part of a screen row: its next wrapped row, or padding when its line is
/// shorter than the other side's (in the line's colours) or absent (in `empty`).
fn side(
    spans: &mut Vec<Span<'static>>,
    cell: Option<&mut Rows>,
    layout: &Layout,
    styles: &DiffStyles,
) {
    let Some(cell) = cell else {
        spans.push(Span::styled(" ".repeat(layout.width()), styles.empty));
        return;
    };
    match cell.rows.next() {
        Some(row) => spans.extend(row),
        None => {
            let tone = cell.tone;
            layout.gutter_spans(&[(None, tone.number(styles))], tone, styles, spans);
            spans.push(Span::styled(" ".repeat(layout.text), tone.line(styles)));
        }
    }
}

/// The unified view: one column, old and new line numbers, `-`/`+` markers; within a stretch of
/// changes all old lines come first, then all new ones, as in `diff -u`. Arguments as for
/// [`side_by_side`]; equal lines are drawn from the new side.
pub fn unified(
    diff: &TextDiff,
    old_hl: Option<&[StyledLine]>,
    new_hl: Option<&[StyledLine]>,
    width: u16,
    context: Option<usize>,
    styles: &DiffStyles,
    ascii: bool,
) -> Vec<Line<'static>> {
    let width = usize::from(width);
    if width == 0 {
        return Vec::new();
    }
    let max = max_number(diff, true).max(max_number(diff, false));
    let layout = Layout::new(width, max, 2, true);
    let ctx = Ctx {
        layout: &layout,
        styles,
        ascii,
    };
    let mut out = Vec::with_capacity(diff.rows.len() + 2);
    for seg in segments(diff, context) {
        let r = match seg {
            Segment::Folded(r) => {
                let text = fold_text(r.len(), ascii);
                out.push(banner(&text, layout.gutter(), width, styles));
                continue;
            }
            Segment::Shown(r) => r,
        };
        let rows = diff.rows.get(r).unwrap_or_default();
        let mut i = 0;
        while let Some(row) = rows.get(i) {
            if row.kind == RowKind::Equal {
                if let Some(l) = row.right.as_ref() {
                    let old = row.left.as_ref().map(|l| l.number);
                    ctx.unified_line(&mut out, l, new_hl, Tone::Equal, [old, Some(l.number)]);
                }
                i += 1;
                continue;
            }
            let end = rows
                .iter()
                .skip(i)
                .position(|r| r.kind == RowKind::Equal)
                .map_or(rows.len(), |p| i + p);
            let block = rows.get(i..end).unwrap_or_default();
            for l in block.iter().filter_map(|r| r.left.as_ref()) {
                ctx.unified_line(&mut out, l, old_hl, Tone::Deleted, [Some(l.number), None]);
            }
            for l in block.iter().filter_map(|r| r.right.as_ref()) {
                ctx.unified_line(&mut out, l, new_hl, Tone::Inserted, [None, Some(l.number)]);
            }
            i = end;
        }
    }
    if let Some(note) = eol_note(diff, ascii) {
        out.push(banner(&note, layout.gutter(), width, styles));
    }
    out
}

/// What every unified line needs besides its own content.
struct Ctx<'a> {
    layout: &'a Layout,
    styles: &'a DiffStyles,
    ascii: bool,
}

impl Ctx<'_> {
    /// Appends `line`'s wrapped rows, the numbers on the first.
    fn unified_line(
        &self,
        out: &mut Vec<Line<'static>>,
        line: &DiffLine,
        hl: Option<&[StyledLine]>,
        tone: Tone,
        numbers: [Option<usize>; 2],
    ) {
        let (layout, styles) = (self.layout, self.styles);
        let rows = wrap(line, hl, layout.text, tone, styles, self.ascii);
        for (i, text) in rows.into_iter().enumerate() {
            let mut spans = Vec::with_capacity(text.len() + 6);
            let style = tone.number(styles);
            let nums = if i == 0 { numbers } else { [None, None] };
            layout.gutter_spans(&nums.map(|n| (n, style)), tone, styles, &mut spans);
            spans.extend(text);
            out.push(Line::from(spans));
        }
    }
}

#[cfg(test)]
mod tests {
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
}
