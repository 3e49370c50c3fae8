//! A pane's lines laid out for its width: long lines wrapped at word boundaries with a
//! continuation marker, or kept whole to be cut sideways (`less -S`), and the matches of a
//! search marked and found, so the pane can scroll to them. Shared by the activity log's and
//! the notebooks' record panes.
//!
//! A line may begin with a gutter (the line numbers beside code, an indent): the first
//! `gutter` spans. It stays put: a continuation gets a blank gutter as wide, and a line cut
//! sideways keeps its gutter while the rest moves.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

/// The marker at the start of a continuation line, and in `--ascii`.
pub const MARKER: &str = "↪ ";
pub const MARKER_ASCII: &str = "\\ ";

/// How to lay the lines out.
#[derive(Debug, Clone)]
pub struct Layout<'a> {
    /// Columns the pane has.
    pub width: usize,
    /// Wrap long lines (else they are kept whole, to be [`cut`]).
    pub wrap: bool,
    /// What begins a continuation line (after its blank gutter).
    pub marker: Span<'static>,
    /// The search query (empty: none), matched case aside.
    pub query: &'a str,
    pub hit: Style,
}

/// The lines as laid out.
#[derive(Debug, Clone, Default)]
pub struct PaneLines {
    pub lines: Vec<Line<'static>>,
    /// The gutter of each line, in spans (for [`cut`]).
    pub gutters: Vec<usize>,
    /// The first laid-out line of each line given.
    pub first: Vec<usize>,
    /// Every match of the query, in order: the laid-out line and, for lines kept whole, the
    /// column (after the gutter) where it begins (wrapped: after the gutter and marker).
    pub matches: Vec<(usize, usize)>,
    /// Columns of the widest line after its gutter (how far sideways there is to go).
    pub widest: usize,
}

/// `lines` laid out as `how` says; `gutter(i)` is the gutter of line `i` in spans.
pub fn lay_out(
    lines: Vec<Line<'static>>,
    gutter: impl Fn(usize) -> usize,
    how: &Layout<'_>,
) -> PaneLines {
    let query: Vec<char> = how.query.chars().map(fold).collect();
    let mut out = PaneLines::default();
    for (i, line) in lines.into_iter().enumerate() {
        let g = gutter(i).min(line.spans.len());
        let (line, found) = mark(line, g, &query, how.hit);
        let base = out.lines.len();
        out.first.push(base);
        let (_, body) = widths(&line, g);
        out.widest = out.widest.max(body);
        if how.wrap {
            let parts = wrap(&line, g, how.width, &how.marker);
            let mut found = found.into_iter().peekable();
            for (k, (_, start)) in parts.iter().enumerate() {
                let end = parts.get(k + 1).map_or(usize::MAX, |(_, s)| *s);
                while let Some(&(at, _)) = found.peek() {
                    if at >= end {
                        break;
                    }
                    let col = column(&line, g, *start, at);
                    out.matches.push((base + k, col));
                    found.next();
                }
            }
            for (l, _) in parts {
                out.lines.push(l);
                out.gutters.push(0);
            }
        } else {
            out.matches
                .extend(found.into_iter().map(|(_, col)| (base, col)));
            out.lines.push(line);
            out.gutters.push(g);
        }
    }
    out
}

/// A character as the search compares it (case aside, one char for one).
fn fold(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// Columns of a line's gutter (its first `gutter` spans) and of the rest.
fn widths(line: &Line<'_>, gutter: usize) -> (usize, usize) {
    let mut w = (0, 0);
    for (i, s) in line.spans.iter().enumerate() {
        let n = width_of(&s.content);
        if i < gutter {
            w.0 += n;
        } else {
            w.1 += n;
        }
    }
    w
}

fn width_of(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

fn char_width(c: char) -> usize {
    c.width().unwrap_or(0)
}

/// The characters after the gutter, each with its style.
fn body_chars(line: &Line<'_>, gutter: usize) -> Vec<(char, Style)> {
    line.spans
        .iter()
        .skip(gutter)
        .flat_map(|s| s.content.chars().map(move |c| (c, s.style)))
        .collect()
}

/// Characters back into spans, one per run of a style.
fn spans_of(chars: &[(char, Style)]) -> Vec<Span<'static>> {
    let mut out: Vec<Span<'static>> = Vec::new();
    let mut text = String::new();
    let mut style = None;
    for &(c, st) in chars {
        if style.is_some_and(|s| s != st) {
            out.push(Span::styled(std::mem::take(&mut text), style.unwrap_or(st)));
        }
        style = Some(st);
        text.push(c);
    }
    if let Some(st) = style
        && !text.is_empty()
    {
        out.push(Span::styled(text, st));
    }
    out
}

fn with_body(line: &Line<'static>, gutter: usize, body: Vec<Span<'static>>) -> Line<'static> {
    let mut spans: Vec<Span<'static>> = line.spans.iter().take(gutter).cloned().collect();
    spans.extend(body);
    Line::from(spans).style(line.style)
}

/// The line with every match of `query` (folded) after the gutter in `hit`, and where each
/// match begins: its character and its column after the gutter.
pub fn mark(
    line: Line<'static>,
    gutter: usize,
    query: &[char],
    hit: Style,
) -> (Line<'static>, Vec<(usize, usize)>) {
    if query.is_empty() {
        return (line, Vec::new());
    }
    let mut chars = body_chars(&line, gutter);
    let folded: Vec<char> = chars.iter().map(|&(c, _)| fold(c)).collect();
    let mut found = Vec::new();
    let mut at = 0;
    let mut col = 0;
    let mut counted = 0;
    while at + query.len() <= folded.len() {
        if folded.get(at..at + query.len()) == Some(query) {
            col += chars
                .get(counted..at)
                .map_or(0, |cs| cs.iter().map(|&(c, _)| char_width(c)).sum());
            counted = at;
            found.push((at, col));
            for ch in chars.iter_mut().skip(at).take(query.len()) {
                ch.1 = hit;
            }
            at += query.len();
        } else {
            at += 1;
        }
    }
    if found.is_empty() {
        return (line, found);
    }
    let body = spans_of(&chars);
    (with_body(&line, gutter, body), found)
}

/// The column (after the gutter) of character `at` of the body in the wrapped part that
/// begins at character `start`.
fn column(line: &Line<'_>, gutter: usize, start: usize, at: usize) -> usize {
    line.spans
        .iter()
        .skip(gutter)
        .flat_map(|s| s.content.chars())
        .skip(start)
        .take(at.saturating_sub(start))
        .map(char_width)
        .sum()
}

/// The line in lines of at most `width` columns, broken after a space where there is one
/// (a word longer than the line is broken where the line ends), each with the character of
/// the body it begins at. A continuation has a blank gutter as wide as the line's, then
/// `marker`. A line that fits, or a pane too narrow to hold a character after the gutter
/// and marker, comes back whole.
pub fn wrap(
    line: &Line<'static>,
    gutter: usize,
    width: usize,
    marker: &Span<'static>,
) -> Vec<(Line<'static>, usize)> {
    let (gw, body) = widths(line, gutter);
    let mw = width_of(&marker.content);
    if gw + body <= width || gw + mw >= width {
        return vec![(line.clone(), 0)];
    }
    let chars = body_chars(line, gutter);
    let mut out = Vec::new();
    let mut start = 0;
    while start < chars.len() {
        let room = if out.is_empty() {
            width - gw
        } else {
            width - gw - mw
        };
        // The first character that does not fit.
        let mut used = 0;
        let mut end = start;
        while let Some(&(c, _)) = chars.get(end) {
            let w = char_width(c);
            if used + w > room {
                break;
            }
            used += w;
            end += 1;
        }
        let (cut, next) = if end >= chars.len() {
            (chars.len(), chars.len())
        } else if chars.get(end).is_some_and(|(c, _)| c.is_whitespace()) {
            // The space at the break goes: it would only push the next word in.
            (end, end + 1)
        } else {
            match (start + 1..=end)
                .rev()
                .find(|&k| chars.get(k - 1).is_some_and(|(c, _)| c.is_whitespace()))
            {
                Some(k) => (k, k),
                // A word longer than the line, or a character wider than the room left.
                None => (end.max(start + 1), end.max(start + 1)),
            }
        };
        let part = spans_of(chars.get(start..cut).unwrap_or(&[]));
        let l = if out.is_empty() {
            with_body(line, gutter, part)
        } else {
            let mut spans = vec![Span::raw(" ".repeat(gw)), marker.clone()];
            spans.extend(part);
            Line::from(spans).style(line.style)
        };
        out.push((l, start));
        start = next;
    }
    if out.is_empty() {
        out.push((line.clone(), 0));
    }
    out
}

/// The line cut sideways: its gutter, then the body from column `skip` on, at most `width`
/// columns in all. A wide character cut in two shows as a space.
pub fn cut(line: &Line<'static>, gutter: usize, skip: usize, width: usize) -> Line<'static> {
    if skip == 0 {
        return line.clone();
    }
    let (gw, _) = widths(line, gutter);
    let room = width.saturating_sub(gw);
    let mut kept = Vec::new();
    let (mut col, mut used) = (0, 0);
    for (c, st) in body_chars(line, gutter) {
        let w = char_width(c);
        let from = col;
        col += w;
        if col <= skip {
            continue;
        }
        // Straddling the left edge, only its right half would show.
        let (c, w) = if from < skip {
            (' ', col - skip)
        } else {
            (c, w)
        };
        if used + w > room {
            break;
        }
        used += w;
        kept.push((c, st));
    }
    with_body(line, gutter, spans_of(&kept))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::{Color, Modifier};

    fn text(l: &Line<'_>) -> String {
        l.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    fn marker() -> Span<'static> {
        Span::raw(MARKER)
    }

    fn wrapped(line: Line<'static>, gutter: usize, width: usize) -> Vec<String> {
        wrap(&line, gutter, width, &marker())
            .iter()
            .map(|(l, _)| text(l))
            .collect()
    }

    #[test]
    fn breaks_after_a_space_and_marks_the_continuation() {
        let got = wrapped(Line::raw("the quick brown fox jumps"), 0, 12);
        assert_eq!(got, ["the quick ", "↪ brown fox ", "↪ jumps"]);
        for l in &got {
            assert!(l.chars().map(char_width).sum::<usize>() <= 12, "{l:?}");
        }
    }

    #[test]
    fn a_line_that_fits_is_left_alone() {
        assert_eq!(wrapped(Line::raw("short"), 0, 5), ["short"]);
    }

    #[test]
    fn a_word_longer_than_the_line_is_broken_where_the_line_ends() {
        let long = "x".repeat(25);
        let got = wrapped(Line::raw(long.clone()), 0, 10);
        assert_eq!(got, ["xxxxxxxxxx", "↪ xxxxxxxx", "↪ xxxxxxx"]);
        // Nothing is lost: the parts put together are the line.
        let joined: String = got.iter().map(|l| l.trim_start_matches(MARKER)).collect();
        assert_eq!(joined, long);
    }

    #[test]
    fn a_very_long_single_line_is_wrapped_whole() {
        let json = format!(
            "{{{}}}",
            (0..400)
                .map(|i| format!("\"key{i}\": {i}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        assert!(json.len() > 5000);
        let parts = wrap(&Line::raw(json.clone()), 0, 80, &marker());
        assert!(parts.len() > 60);
        for (l, _) in &parts {
            assert!(width_of(&text(l)) <= 80);
        }
        let last = parts.last().map(|(l, _)| text(l)).unwrap_or_default();
        assert!(last.ends_with("\"key399\": 399}"), "{last}");
    }

    #[test]
    fn wide_characters_are_never_split_and_never_overflow() {
        // Each 日 takes two columns: five fit in 11, the sixth goes on.
        let got = wrapped(Line::raw("日本語日本語日本語"), 0, 11);
        assert_eq!(got[0], "日本語日本");
        assert!(got[1].starts_with("↪ "));
        for l in &got {
            assert!(width_of(l) <= 11, "{l:?}");
        }
        let joined: String = got.iter().map(|l| l.trim_start_matches(MARKER)).collect();
        assert_eq!(joined, "日本語日本語日本語");
    }

    #[test]
    fn the_gutter_stays_and_continuations_get_a_blank_one() {
        let num = Style::default().fg(Color::Blue);
        let line = Line::from(vec![
            Span::styled(" 7 │ ", num),
            Span::raw("print(alpha, beta, gamma)"),
        ]);
        let parts = wrap(&line, 1, 20, &marker());
        let got: Vec<String> = parts.iter().map(|(l, _)| text(l)).collect();
        assert_eq!(got, [" 7 │ print(alpha, ", "     ↪ beta, gamma)"]);
        assert_eq!(
            parts[0].0.spans[0].style, num,
            "the number keeps its colour"
        );
        assert_eq!(parts[1].0.spans[0].content, "     ");
        assert_eq!(parts[1].1, "print(alpha, ".chars().count());
    }

    #[test]
    fn styles_survive_the_break() {
        let bold = Style::default().add_modifier(Modifier::BOLD);
        let line = Line::from(vec![Span::raw("aaaa "), Span::styled("bbbb cccc", bold)]);
        let parts = wrap(&line, 0, 8, &marker());
        let second = &parts[1].0;
        assert_eq!(text(second), "↪ bbbb ");
        assert_eq!(second.spans.last().map(|s| s.style), Some(bold));
    }

    #[test]
    fn matches_are_marked_and_found_on_the_wrapped_line_they_begin() {
        let hit = Style::default().bg(Color::Yellow);
        let how = Layout {
            width: 12,
            wrap: true,
            marker: marker(),
            query: "FOX",
            hit,
        };
        let laid = lay_out(
            vec![
                Line::raw("no match"),
                Line::raw("the quick brown fox jumps over a fox"),
            ],
            |_| 0,
            &how,
        );
        let texts: Vec<String> = laid.lines.iter().map(text).collect();
        assert_eq!(laid.first, [0, 1]);
        assert_eq!(laid.matches.len(), 2);
        for &(l, _) in &laid.matches {
            let shown: String = laid.lines[l]
                .spans
                .iter()
                .filter(|s| s.style == hit)
                .map(|s| s.content.as_ref())
                .collect();
            assert_eq!(shown, "fox", "{texts:?}");
        }
        assert_eq!(laid.matches[0].0, 2, "{texts:?}");
        assert_eq!(laid.matches[1].0, 4, "{texts:?}");
        // Kept whole, a match's column is where it is in the line.
        let whole = lay_out(
            vec![Line::raw("the quick brown fox")],
            |_| 0,
            &Layout { wrap: false, ..how },
        );
        assert_eq!(whole.matches, [(0, 16)]);
    }

    #[test]
    fn a_line_all_gutter_is_kept_whole() {
        // A picture's half-blocks: wider than the pane, never wrapped nor moved.
        let picture = Line::from(vec![Span::raw("▀".repeat(30))]);
        let how = Layout {
            width: 10,
            wrap: true,
            marker: marker(),
            query: "▀",
            hit: Style::default().bg(Color::Red),
        };
        let laid = lay_out(vec![picture.clone()], |_| usize::MAX, &how);
        assert_eq!(laid.lines, std::slice::from_ref(&picture));
        assert!(laid.matches.is_empty());
        assert_eq!(laid.widest, 0);
        assert_eq!(cut(&picture, 1, 5, 10), picture);
    }

    #[test]
    fn sideways_keeps_the_lines_and_cuts_them_past_the_gutter() {
        let how = Layout {
            width: 10,
            wrap: false,
            marker: marker(),
            query: "",
            hit: Style::default(),
        };
        let line = Line::from(vec![Span::raw("1 | "), Span::raw("abcdefghijklmnop")]);
        let laid = lay_out(vec![line], |_| 1, &how);
        assert_eq!(laid.lines.len(), 1);
        assert_eq!(laid.widest, 16);
        let l = &laid.lines[0];
        assert_eq!(text(&cut(l, laid.gutters[0], 5, 10)), "1 | fghijk");
        assert_eq!(
            text(&cut(l, laid.gutters[0], 0, 10)),
            "1 | abcdefghijklmnop"
        );
        // A wide character cut at the left edge shows as a space.
        let wide = Line::raw("日本語");
        assert_eq!(text(&cut(&wide, 0, 1, 10)), " 本語");
    }
}
