//! Diffs between two runs of a cell as styled terminal lines: side by side or unified.
//!
//! Syntax colours (foreground, bold, italic) are kept and the diff's backgrounds laid over them,
//! so a changed line still reads as code. Long lines wrap within their column rather than being
//! cut, since the change may be at the far end. Tabs become four spaces and control characters
//! their caret markers, so nothing in the compared text can reach the terminal as a command.
//! Every line produced is at most the requested width (by display width, so wide CJK characters
//! count two) and is padded to it, so the background of a changed line runs to the column edge.

use crate::render::numbers::thousands;
use crate::render::palette::{Palette, bg_part, bold, fg_part, nearest_256};

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
    /// The dark palette's diff colours.
    pub fn dark() -> DiffStyles {
        DiffStyles::from_palette(&Palette::dark())
    }

    /// The light palette's diff colours.
    pub fn light() -> DiffStyles {
        DiffStyles::from_palette(&Palette::light())
    }

    /// A palette's diff colours: each side's background under its lines, its foreground on
    /// the `-`/`+` markers (bold) and line numbers.
    pub fn from_palette(p: &Palette) -> DiffStyles {
        let deleted = bg_part(p.removed);
        let inserted = bg_part(p.added);
        DiffStyles {
            line_number: p.line_number,
            line_number_deleted: deleted.patch(fg_part(p.removed)),
            line_number_inserted: inserted.patch(fg_part(p.added)),
            gutter: p.gutter,
            equal: Style::new(),
            deleted,
            inserted,
            deleted_emph: p.removed_word,
            inserted_emph: p.added_word,
            deleted_marker: bold(deleted.patch(fg_part(p.removed))),
            inserted_marker: bold(inserted.patch(fg_part(p.added))),
            empty: Style::new(),
            fold: p.hunk,
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

/// Lays one line's text, with its syntax runs and emphasis, into rows of exactly `width` cells,
/// breaking after a space where the row has one (as prose and code read), else at the edge.
struct Wrapper {
    width: usize,
    pad: Style,
    rows: Vec<Vec<Span<'static>>>,
    /// The row being filled: each character (or marker piece) with its width and style.
    cells: Vec<(String, usize, Style)>,
    col: usize,
}

impl Wrapper {
    fn new(width: usize, pad: Style) -> Wrapper {
        Wrapper {
            width,
            pad,
            rows: Vec::new(),
            cells: Vec::new(),
            col: 0,
        }
    }

    /// Adds `s`, `w` cells wide, wrapping first if it does not fit the row.
    fn push(&mut self, s: &str, w: usize, style: Style) {
        if self.col + w > self.width && self.col > 0 {
            self.wrap_row(s == " ");
        }
        self.cells.push((s.to_string(), w, style));
        self.col += w;
    }

    /// The row is full: it ends after its last space (the word being written moves down
    /// whole), unless that would leave more than half the row empty — a long token of code
    /// (a path, a call) breaks at the edge instead. `at_space`: what comes next is a space,
    /// so the row ends at a word's end already.
    fn wrap_row(&mut self, at_space: bool) {
        let cut = if at_space {
            None
        } else {
            self.cells
                .iter()
                .rposition(|(t, _, _)| t == " ")
                .filter(|&i| i > 0 && i + 1 < self.cells.len())
                .filter(|&i| {
                    let kept: usize = self.cells.iter().take(i + 1).map(|c| c.1).sum();
                    kept * 2 >= self.width
                })
        };
        let carry = match cut {
            Some(i) => self.cells.split_off(i + 1),
            None => Vec::new(),
        };
        self.break_row();
        for (t, w, st) in carry {
            self.col += w;
            self.cells.push((t, w, st));
        }
    }

    fn break_row(&mut self) {
        let mut spans: Vec<Span<'static>> = Vec::new();
        let mut col = 0;
        let mut text = String::new();
        let mut style = None;
        for (t, w, st) in self.cells.drain(..) {
            if style.is_some_and(|s| s != st) {
                spans.push(Span::styled(
                    std::mem::take(&mut text),
                    style.unwrap_or_default(),
                ));
            }
            style = Some(st);
            text.push_str(&t);
            col += w;
        }
        if !text.is_empty() {
            spans.push(Span::styled(text, style.unwrap_or_default()));
        }
        if col < self.width {
            spans.push(Span::styled(" ".repeat(self.width - col), self.pad));
        }
        self.rows.push(spans);
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
mod tests;
