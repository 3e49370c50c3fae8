//! Drawing the notebook timeline, the record pane, the cell history, the status bar and the
//! help: reads the [`NbApp`] and paints a frame; the only state it touches is the record
//! pane's layout, kept so that the keys know where each cell starts.

use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::decode::{Piece, RecordView, Tone, key_of};
use super::{Laid, NbApp, NbFocus, NbRow, NbScreen};
use crate::columns::truncate_mark;
use crate::diff::{TextDiff, diff_text};
use crate::render::diff::unified;
use crate::render::highlight::StyledLine;
use crate::render::image::{Picture, Protocol, halfblocks};
use crate::render::linewrap;
use crate::render::notebooks::{commit_line, entry_line};
use crate::render::numbers::human_bytes;
use crate::render::sanitize;
use crate::repo::short_id;
use crate::timefmt;
use crate::tui::diffpane::{adapt_lines, diff_styles};
use crate::tui::keymap::Action;
use crate::tui::theme::{ColorDepth, Theme};
use crate::tui::views::{Look, pane_block, plain, short_author};

/// Diffs longer than this fold their unchanged stretches.
const WHOLE_UP_TO: usize = 40;
const CONTEXT: usize = 3;

pub(super) fn look(app: &NbApp) -> Look<'_> {
    Look {
        theme: &app.config.theme,
        keys: &app.config.keys,
        ascii: app.ascii,
        depth: app.depth,
        protocol: app.protocol,
    }
}

/// A row's text after its time and author, as shown and searched.
pub fn row_text(row: &NbRow, ascii: bool) -> String {
    match &row.entry {
        Some(e) => entry_line(e, &row.commit, ascii),
        None => commit_line(&row.commit, ascii),
    }
}

pub fn render(app: &NbApp, f: &mut Frame) {
    let size = f.area();
    let l = look(app);
    let a = crate::tui::views::areas(size, crate::tui::app::Split::Auto);
    let body = Rect::new(0, 0, size.width, a.status.y);
    if let Some(s) = &app.cell {
        super::cellview::render(app, &l, s, f, body);
    } else if let Some(screen) = &app.screen {
        match screen {
            NbScreen::Env(s) => super::envview::render(&l, s, f, body),
            NbScreen::Insights(s) => super::insightsview::render(&l, s, f, body),
            NbScreen::Notebook(s) => super::atview::render(&l, s, f, body),
        }
    } else {
        render_timeline(app, &l, f, a.timeline);
        render_record(app, &l, f, a.detail);
    }
    render_status(app, &l, f, a.status);
    super::filter::render_overlays(app, &l, f, size);
    if app.help {
        render_help(app, &l, f, body);
    }
}

fn render_timeline(app: &NbApp, look: &Look<'_>, f: &mut Frame, area: Rect) {
    let t = look.theme;
    let title = format!(
        " Timeline {}/{} ",
        if app.rows.is_empty() {
            0
        } else {
            app.selected + 1
        },
        app.rows.len()
    );
    let focused = app.focus == NbFocus::Timeline;
    let block = pane_block(look, title, focused);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let width = usize::from(inner.width);
    let mut lines = Vec::new();
    if app.rows.is_empty() {
        let text = match app.empty_note() {
            Some(note) => note,
            None if app.loading => "reading the history…".into(),
            None => "no commit changed a notebook".into(),
        };
        lines.push(Line::from(Span::styled(plain(&text, look.ascii), t.dim)));
    }
    for (i, row) in app
        .rows
        .iter()
        .enumerate()
        .skip(app.offset)
        .take(usize::from(inner.height))
    {
        lines.push(row_line(app, look, row, width, i == app.selected, focused));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

fn row_line(
    app: &NbApp,
    look: &Look<'_>,
    row: &NbRow,
    width: usize,
    selected: bool,
    focused: bool,
) -> Line<'static> {
    let t = look.theme;
    let c = &row.commit;
    let bad = row.bad();
    let mark = match (bad, look.ascii) {
        (true, true) => "!",
        (true, false) => "✗",
        (false, _) => " ",
    };
    let author = short_author(&sanitize::line(&c.author), look.ascii);
    let when = timefmt::local_minutes(c.time);
    // A narrow pane keeps the path and what changed: the year goes first.
    let when = if width < 100 {
        when.get(5..).map_or(when.clone(), str::to_string)
    } else {
        when
    };
    let head = format!("{} {when} {:<8} ", short_id(c.id), author);
    let rest_width = width.saturating_sub(head.width() + 2);
    let text = truncate_mark(&row_text(row, look.ascii), rest_width, look.ascii);
    let dimmed = row.entry.is_none();
    let body = if dimmed { t.dim } else { t.text };
    // `/` finds hashes, times and authors too: they are marked where they match.
    let mut spans = marked(&head, &app.query, t.dim, t.search_match);
    spans.push(Span::styled(
        format!("{mark} "),
        if bad { t.error } else { t.dim },
    ));
    spans.extend(marked(&text, &app.query, body, t.search_match));
    let mut line = Line::from(spans);
    if selected {
        let style = if focused {
            t.selected
        } else {
            t.selected_unfocused
        };
        let used: usize = line.spans.iter().map(|s| s.content.width()).sum();
        if used < width {
            line.spans.push(Span::raw(" ".repeat(width - used)));
        }
        line = line.patch_style(style);
    }
    line
}

/// `text` in spans, the matches of `query` (case aside) in `hit`.
fn marked(text: &str, query: &str, base: Style, hit: Style) -> Vec<Span<'static>> {
    let lower = text.to_lowercase();
    let q = query.to_lowercase();
    // Lowercasing can change byte lengths outside ASCII: then nothing is marked.
    if q.is_empty() || lower.len() != text.len() {
        return vec![Span::styled(text.to_string(), base)];
    }
    let mut spans = Vec::new();
    let mut at = 0;
    while let Some(found) = lower.get(at..).and_then(|rest| rest.find(&q)) {
        let start = at + found;
        let end = start + q.len();
        let (Some(before), Some(m)) = (text.get(at..start), text.get(start..end)) else {
            break;
        };
        spans.push(Span::styled(before.to_string(), base));
        spans.push(Span::styled(m.to_string(), hit));
        at = end;
    }
    spans.push(Span::styled(text.get(at..).unwrap_or("").to_string(), base));
    spans
}

/// The record pane's lines for the selected row at `width`, laid out anew unless the ones
/// kept are still current (the keys that scroll to a match go by them too). False when the
/// row has no version to show, or it is still being read.
pub fn ensure_laid(app: &NbApp, look: &Look<'_>, width: u16) -> bool {
    let Some(row) = app.current() else {
        return false;
    };
    let (Some(entry), Some(view)) = (&row.entry, app.current_view()) else {
        return false;
    };
    // The header is the commit's: the same version can come in two commits.
    let key = super::LaidKey {
        commit: row.commit.id,
        version: key_of(entry),
        width,
        wrap: app.wrap,
        query: app.query.clone(),
    };
    if app.laid.borrow().key.as_ref() == Some(&key) {
        return true;
    }
    let mut all = header_lines(look, row);
    let head = all.len();
    let VersionLines {
        lines: body,
        starts,
        gutters,
    } = record_lines(look, view, width);
    all.extend(body);
    let how = linewrap::Layout {
        width: usize::from(width),
        wrap: app.wrap,
        marker: Span::styled(
            crate::tui::views::continuation_marker(look.ascii),
            look.theme.dim,
        ),
        query: &app.query,
        hit: look.theme.search_match,
    };
    let gutter = |i: usize| {
        i.checked_sub(head)
            .and_then(|b| gutters.binary_search_by_key(&b, |&(l, _)| l).ok())
            .and_then(|at| gutters.get(at))
            .map_or(0, |&(_, spans)| spans)
    };
    let laid = linewrap::lay_out(all, gutter, &how);
    let starts = starts
        .into_iter()
        .map(|(l, c)| (laid.first.get(l + head).copied().unwrap_or(l + head), c))
        .collect();
    *app.laid.borrow_mut() = Laid {
        key: Some(key),
        lines: Arc::new(laid.lines),
        starts,
        gutters: laid.gutters,
        matches: laid.matches,
        widest: laid.widest,
    };
    true
}

fn render_record(app: &NbApp, look: &Look<'_>, f: &mut Frame, area: Rect) {
    let t = look.theme;
    let row = app.current();
    let width = area.width.saturating_sub(2);
    let laid_now = ensure_laid(app, look, width);
    let mut title = match row {
        Some(NbRow {
            entry: Some(e),
            commit,
        }) => format!(
            " {} @ {} ",
            truncate_mark(
                &sanitize::line(&e.path),
                usize::from(area.width.saturating_sub(16)),
                look.ascii
            ),
            short_id(commit.id)
        ),
        _ => " Record ".to_string(),
    };
    if laid_now && !app.wrap {
        let widest = app.laid.borrow().widest;
        title = plain(
            &format!(
                "{} · {} ",
                title.trim_end(),
                crate::tui::views::sideways_note(app.pane_hscroll, widest, look.ascii)
            ),
            look.ascii,
        );
    }
    let focused = app.focus == NbFocus::Record;
    let block = pane_block(look, title, focused);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(row) = row else {
        return;
    };
    if !laid_now {
        let mut lines = header_lines(look, row);
        if row.entry.is_some() {
            lines.push(Line::from(Span::styled(
                plain("reading this version…", look.ascii),
                t.dim,
            )));
        }
        f.render_widget(
            Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: false }),
            inner,
        );
        return;
    }
    // Only what is on screen is copied from the laid-out lines.
    let laid = app.laid.borrow();
    let len = laid.lines.len();
    let scroll = app.pane_scroll.min(len.saturating_sub(1));
    let shown: Vec<Line> = laid
        .lines
        .iter()
        .enumerate()
        .skip(scroll)
        .take(usize::from(inner.height))
        .map(|(i, l)| match app.wrap {
            true => l.clone(),
            false => {
                let g = laid.gutters.get(i).copied().unwrap_or(0);
                linewrap::cut(l, g, app.pane_hscroll, usize::from(inner.width))
            }
        })
        .collect();
    f.render_widget(Paragraph::new(shown), inner);
    if len > scroll + usize::from(inner.height) {
        crate::tui::views::line_corner(look, f, area, scroll + usize::from(inner.height), len);
    }
}

/// The commit: who, when, and the whole message (wrapped as the pane's other lines are).
fn header_lines(look: &Look<'_>, row: &NbRow) -> Vec<Line<'static>> {
    let t = look.theme;
    let c = &row.commit;
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "{}  {}  {} <{}>",
            short_id(c.id),
            timefmt::local_minutes(c.time),
            sanitize::line(&c.author),
            sanitize::line(&c.email)
        ),
        t.dim,
    ))];
    for l in c.message.trim_end().lines().take(6) {
        lines.push(Line::from(Span::styled(
            sanitize::line(l).into_owned(),
            t.text,
        )));
    }
    if let Some(e) = &row.entry {
        lines.push(Line::from(Span::styled(
            crate::render::notebooks::change_phrase(e),
            t.badge,
        )));
    }
    lines.push(Line::default());
    lines
}

fn tone(t: &Theme, tone: Tone) -> Style {
    match tone {
        Tone::Title => t.title,
        Tone::Text => t.text,
        Tone::Dim => t.dim,
        Tone::Error => t.error,
        Tone::Badge => t.badge,
    }
}

fn styled(line: &StyledLine, base: Style, indent: &str) -> Line<'static> {
    let mut spans = vec![Span::raw(indent.to_string())];
    spans.extend(
        line.iter()
            .map(|(s, text)| Span::styled(text.clone(), base.patch(*s))),
    );
    Line::from(spans)
}

fn draw_diff(
    look: &Look<'_>,
    old: &str,
    new: &str,
    old_hl: &[StyledLine],
    new_hl: &[StyledLine],
    width: u16,
) -> Vec<Line<'static>> {
    let d: TextDiff = diff_text(old, new);
    let context = (d.rows.len() > WHOLE_UP_TO).then_some(CONTEXT);
    let (o, n) = (
        adapt_lines(old_hl, look.depth),
        adapt_lines(new_hl, look.depth),
    );
    unified(
        &d,
        Some(&o),
        Some(&n),
        width,
        context,
        &diff_styles(look),
        look.ascii,
    )
}

/// Rows a picture may take in the record pane: a plot should not push its cell's neighbours
/// off the screen.
const PICTURE_ROWS: u16 = 12;

/// A picture of the record pane: what it is, as the activity record pane says it, then the
/// picture in half-blocks (no picture with `--images off`), or why it cannot be drawn.
fn image_lines(
    look: &Look<'_>,
    mime: &str,
    info: Option<(&'static str, u32, u32, u64)>,
    picture: &Result<Picture, String>,
    width: u16,
) -> Vec<Line<'static>> {
    let t = look.theme;
    let w = usize::from(width);
    let label = match info {
        Some((format, iw, ih, bytes)) => format!(
            "  [{format} image {iw}{}{ih}, {}]",
            if look.ascii { "x" } else { "×" },
            human_bytes(bytes)
        ),
        None => format!("  [{mime}]"),
    };
    let mut out = vec![Line::from(Span::styled(
        truncate_mark(&label, w, look.ascii),
        t.badge,
    ))];
    match picture {
        Err(e) => out.push(Line::from(Span::styled(
            truncate_mark(&format!("  cannot draw: {e}"), w, look.ascii),
            t.error,
        ))),
        Ok(_) if look.protocol == Protocol::Off => {}
        Ok(p) => {
            // Small pictures keep their size: blowing up a thumbnail shows nothing new.
            let cols = width
                .saturating_sub(2)
                .min(64)
                .min(u16::try_from(p.width.max(1)).unwrap_or(u16::MAX));
            let rows = PICTURE_ROWS
                .min((cols / 3).max(4))
                .min(u16::try_from(p.height.div_ceil(2).max(1)).unwrap_or(u16::MAX));
            for l in halfblocks(p, cols, rows, look.depth != ColorDepth::TrueColor) {
                let mut spans = vec![Span::raw("  ")];
                spans.extend(l.spans);
                out.push(Line::from(spans));
            }
        }
    }
    out
}

/// A decoded version's lines, before `linewrap` wraps or cuts the long ones.
pub struct VersionLines {
    pub lines: Vec<Line<'static>>,
    /// `(line, index of the cell in the version)` where each cell begins, in order.
    pub starts: Vec<(usize, usize)>,
    /// `(line, spans)` of the lines that begin with a gutter, in order: the indent of code
    /// and outputs; all of a picture's spans, which keeps it whole.
    pub gutters: Vec<(usize, usize)>,
}

/// A decoded version laid out for `width` (see [`VersionLines`]).
pub fn record_lines(look: &Look<'_>, view: &RecordView, width: u16) -> VersionLines {
    let t = look.theme;
    let mut out = Vec::new();
    let mut starts = Vec::new();
    let mut gutters = Vec::new();
    for p in &view.pieces {
        match p {
            Piece::Cell(i) => starts.push((out.len(), *i)),
            Piece::Line(text, k) => out.push(Line::from(Span::styled(
                plain(text, look.ascii),
                tone(t, *k),
            ))),
            Piece::Code(lines) => {
                for l in adapt_lines(lines, look.depth) {
                    gutters.push((out.len(), 1));
                    out.push(styled(&l, t.code, "  "));
                }
            }
            Piece::Output(lines) => {
                for l in adapt_lines(lines, look.depth) {
                    gutters.push((out.len(), 1));
                    out.push(styled(&l, t.output, "  "));
                }
            }
            Piece::Diff {
                old,
                new,
                old_hl,
                new_hl,
            } => out.extend(draw_diff(look, old, new, old_hl, new_hl, width)),
            Piece::Image {
                mime,
                info,
                picture,
            } => {
                for (k, l) in image_lines(look, mime, *info, picture, width)
                    .into_iter()
                    .enumerate()
                {
                    // A picture's lines are kept whole: never wrapped nor moved sideways.
                    if k > 0 && picture.is_ok() {
                        gutters.push((out.len(), usize::MAX));
                    }
                    out.push(l);
                }
            }
        }
    }
    VersionLines {
        lines: out,
        starts,
        gutters,
    }
}

fn key_name(look: &Look<'_>, a: Action) -> String {
    look.keys
        .keys_for(a)
        .first()
        .map(|k| {
            if look.ascii {
                k.display_ascii()
            } else {
                k.display()
            }
        })
        .unwrap_or_default()
}

fn render_status(app: &NbApp, look: &Look<'_>, f: &mut Frame, area: Rect) {
    let t = look.theme;
    let mut spans = Vec::new();
    if let Some(q) = &app.jump {
        spans.push(Span::styled(
            format!(":{}", sanitize::line(q)),
            t.status_key,
        ));
        spans.push(Span::styled(
            "_",
            t.status.add_modifier(Modifier::SLOW_BLINK),
        ));
        spans.push(Span::styled(
            "   a commit hash, a date (2019-04, 2019-04-22 17:00) or a run (In [14]) · Enter jumps",
            t.status,
        ));
        f.render_widget(Paragraph::new(Line::from(spans)).style(t.status), area);
        return;
    }
    if let Some(q) = &app.typing {
        spans.push(Span::styled(
            format!("/{}", sanitize::line(q)),
            t.status_key,
        ));
        spans.push(Span::styled(
            "_",
            t.status.add_modifier(Modifier::SLOW_BLINK),
        ));
        f.render_widget(Paragraph::new(Line::from(spans)).style(t.status), area);
        return;
    }
    spans.push(Span::styled(
        format!(" {} ", sanitize::line(&app.name)),
        t.status_key,
    ));
    let pos = if app.rows.is_empty() {
        0
    } else {
        app.selected + 1
    };
    spans.push(Span::styled(
        format!(" {pos}/{} ", app.rows.len()),
        t.status,
    ));
    spans.extend(super::live::status_spans(app, look));
    if app.loading {
        spans.push(Span::styled(
            plain(
                &format!(" reading… {} commits ", app.commits_seen),
                look.ascii,
            ),
            t.warning,
        ));
    } else if let Some(e) = &app.load_error {
        spans.push(Span::styled(format!(" {} ", sanitize::line(e)), t.error));
    } else if let Some(why) = app.stats.as_ref().and_then(|s| s.incomplete.as_deref()) {
        spans.push(Span::styled(
            format!(" incomplete: {} ", sanitize::line(why)),
            t.warning,
        ));
    }
    if let Some((at, of)) = app.pane_match.filter(|_| !app.query.is_empty()) {
        spans.push(Span::styled(
            format!(" match {}/{of} ", at + 1),
            t.status_key,
        ));
    }
    if let Some(msg) = &app.flash {
        spans.push(Span::styled(format!(" {msg} "), t.warning));
    }
    let help = format!(" {} help ", key_name(look, Action::Help));
    let used: usize = spans.iter().map(|s| s.content.width()).sum();
    let room = usize::from(area.width).saturating_sub(used + help.width());
    spans.push(Span::styled(" ".repeat(room), t.status));
    spans.push(Span::styled(help, t.status_key));
    f.render_widget(Paragraph::new(Line::from(spans)).style(t.status), area);
}

/// The keys this timeline answers to, in the help's order; a pair shares a line (`f`, `F`),
/// so the list fits a 24-line terminal.
const HELP: [&[Action]; 21] = [
    &[Action::Down, Action::Up],
    &[Action::PageDown, Action::PageUp],
    &[Action::Top, Action::Bottom],
    &[Action::Open, Action::Wrap],
    &[Action::FocusNext],
    &[Action::Back],
    &[Action::GoBack, Action::GoForward],
    &[Action::CellHistory],
    &[Action::PrevRun, Action::NextRun],
    &[Action::Environment],
    &[Action::Insights, Action::Notebook],
    &[Action::Mark, Action::ToggleUnified, Action::PixelDiff],
    &[Action::Search],
    &[Action::Jump, Action::CopyHash],
    &[Action::NextMatch, Action::PrevMatch],
    &[Action::Filter, Action::ClearFilter],
    &[Action::Authors],
    &[Action::Branches],
    &[Action::Refresh],
    &[Action::Help],
    &[Action::Quit],
];

fn help_text(a: &[Action]) -> &'static str {
    match a {
        [Action::Down, Action::Up] => "Move down / up a row; in the cells, scroll",
        [Action::PageDown, Action::PageUp] => "Page down / up",
        [Action::Top, Action::Bottom] => "First / last row",
        [Action::Open, Action::Wrap] => "Read the version's cells / wrap or cut long lines",
        [Action::FocusNext] => "Switch panes (insights: switch tabs)",
        [Action::Back] => "Go back / quit from the timeline",
        [Action::GoBack, Action::GoForward] => "Back / forward to where a jump started",
        [Action::CellHistory] => "Every version of the cell (first changed one)",
        [Action::PrevRun, Action::NextRun] => "Older / newer version (cell) or change (env)",
        [Action::Environment] => "Environment files at the commit, what changed",
        [Action::Insights, Action::Notebook] => "Hot spots and usage / the notebook at the commit",
        [Action::Mark, Action::ToggleUnified, Action::PixelDiff] => {
            "Mark to compare / unified or side by side / pixels"
        }
        [Action::Search] => "Search: the cells, notebook, message, hash, author, date",
        [Action::NextMatch, Action::PrevMatch] => "Next / previous match (in the version first)",
        [Action::Jump, Action::CopyHash] => "Jump to a hash, date or In [n] / copy the hash",
        [Action::Filter, Action::ClearFilter] => "Filter: notebook, author, dates, errors / clear",
        [Action::Authors] => "Authors with their rows; Enter shows only theirs",
        [Action::Branches] => "Branches: Enter reads one in place",
        [Action::Refresh] => "Read the history again (keeps the selection)",
        [other, ..] => other.describe(),
        [] => "",
    }
}

fn render_help(app: &NbApp, look: &Look<'_>, f: &mut Frame, body: Rect) {
    let t = look.theme;
    let rows: Vec<(String, &str)> = HELP
        .iter()
        .map(|&pair| {
            let names = |a: Action, most: usize| -> String {
                let keys: Vec<String> = app
                    .config
                    .keys
                    .keys_for(a)
                    .iter()
                    .take(most)
                    .map(|k| {
                        if look.ascii {
                            k.display_ascii()
                        } else {
                            k.display()
                        }
                    })
                    .collect();
                keys.join(", ")
            };
            let line = |most: usize| -> Vec<String> {
                pair.iter()
                    .map(|&a| names(a, most))
                    .filter(|k| !k.is_empty())
                    .collect()
            };
            // A pair's line names two keys of each, or one when that is too long to fit.
            let mut keys = line(if pair.len() > 1 { 2 } else { usize::MAX });
            if pair.len() > 1 && keys.join(" / ").width() > 24 {
                keys = line(1);
            }
            (keys.join(" / "), help_text(pair))
        })
        .filter(|(k, _)| !k.is_empty())
        .collect();
    let key_w = rows
        .iter()
        .map(|(k, _)| k.width())
        .max()
        .unwrap_or(0)
        .min(24);
    let text_w = rows.iter().map(|(_, d)| d.width()).max().unwrap_or(0);
    let w = ((key_w + text_w + 7) as u16).min(body.width);
    let h = (rows.len() as u16 + 3).min(body.height);
    let area = Rect::new(
        body.x + (body.width - w) / 2,
        body.y + (body.height - h) / 2,
        w,
        h,
    );
    f.render_widget(Clear, area);
    // The title says how help closes, which is how it does (see `NbApp::key`).
    let block = pane_block(look, " Keys · any key closes ".into(), true);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let mut lines: Vec<Line> = rows
        .into_iter()
        .map(|(k, d)| {
            Line::from(vec![
                Span::styled(
                    format!(" {:<key_w$}  ", truncate_mark(&k, key_w, look.ascii)),
                    t.status_key,
                ),
                Span::styled(d.to_string(), t.text),
            ])
        })
        .collect();
    // The timeline's one mark, explained where the keys are.
    let bad = if look.ascii { "!" } else { "✗" };
    lines.push(Line::from(vec![
        Span::styled(format!(" {bad:<key_w$}  "), t.error),
        Span::styled("a version that cannot be read, or a new error", t.dim),
    ]));
    f.render_widget(Paragraph::new(lines), inner);
}
