//! Drawing: reads the app state and paints a frame; never changes state.

use crate::render::numbers::human_bytes;
use crate::render::sanitize;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use unicode_width::UnicodeWidthStr;

use std::sync::Arc;

use super::app::{App, Details, FILTER_FIELDS, Focus, Overlay, Split};
use super::prepare::Body;
use super::prepare::Prepared;
use super::theme::{ColorDepth, adapt_style};
use crate::activity::kinds::{DetailKind, RecordKind};
use crate::activity::{Content, Detail, DetailRef};
use crate::columns::truncate_mark;
use crate::render::image::{Protocol, fit_cells, halfblocks};
use crate::render::markdown::{MdStyles, render_markdown};
use crate::render::text::fold_view;
use crate::repo::{RecordRow, RowRef, short_id};
use crate::timefmt;

/// Where each part of the screen goes.
#[derive(Debug, Clone, Copy)]
pub struct Areas {
    pub timeline: Rect,
    pub detail: Rect,
    pub status: Rect,
}

/// Side by side from this width in `Auto`; below it the detail goes under the timeline.
pub const SIDE_MIN_WIDTH: u16 = 110;

pub fn areas(size: Rect, split: Split) -> Areas {
    let [main, status] = Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(size);
    let side = match split {
        Split::Side => true,
        Split::Stacked => false,
        Split::Auto => size.width >= SIDE_MIN_WIDTH,
    };
    let [timeline, detail] = if side {
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(main)
    } else {
        Layout::vertical([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(main)
    };
    Areas {
        timeline,
        detail,
        status,
    }
}

pub use super::app::TimelineLine;

/// The timeline's lines from `app.top` for `height` lines (see
/// [`App::lines_from`]).
pub fn timeline_lines(app: &App, height: usize) -> Vec<TimelineLine> {
    app.lines_from(app.top, height)
}

/// A glyph per record type; ASCII letters with `--ascii`.
pub fn glyph(type_id: i64, ascii: bool) -> &'static str {
    let k = RecordKind::from_id(type_id);
    if ascii {
        return match k {
            Some(RecordKind::Note) => "N",
            Some(RecordKind::Environment) => "E",
            Some(RecordKind::Code) => ">",
            Some(RecordKind::InputData) => "I",
            Some(RecordKind::OutputData) => "O",
            Some(RecordKind::Milestone) => "*",
            Some(RecordKind::Branch) => "B",
            Some(RecordKind::Labbook) => "P",
            Some(RecordKind::Dataset) => "D",
            None => "?",
        };
    }
    match k {
        Some(RecordKind::Note) => "✎",
        Some(RecordKind::Environment) => "⚙",
        Some(RecordKind::Code) => "▶",
        Some(RecordKind::InputData) => "⇣",
        Some(RecordKind::OutputData) => "⇡",
        Some(RecordKind::Milestone) => "★",
        Some(RecordKind::Branch) => "⑂",
        Some(RecordKind::Labbook) => "◆",
        Some(RecordKind::Dataset) => "▤",
        None => "?",
    }
}

/// The short author name shown in the timeline: the first word, at most 8 columns.
pub fn short_author(name: &str, ascii: bool) -> String {
    let first = name.split_whitespace().next().unwrap_or(name);
    truncate_mark(first, 8, ascii)
}

/// A UI string with `…` and `·` spelled in ASCII when asked.
pub fn plain(s: &str, ascii: bool) -> String {
    if ascii {
        s.replace('…', "...").replace('·', "-").replace('→', "->")
    } else {
        s.to_string()
    }
}

/// A code record's timeline text once its details are read: where it ran
/// and the telling line of its code, which says more than the client's
/// "Executed cell in notebook …" that every such record shares.
fn code_line(message: &str, (gist, cells): &(String, usize), ascii: bool) -> String {
    let place = crate::lineage::notebook_of(message)
        .map(|nb| nb.rsplit('/').next().unwrap_or(&nb).to_string());
    let gist = sanitize::line(&gist.replace('\t', " ")).into_owned();
    // ASCII's code glyph is already `>`.
    let sep = if ascii { ": " } else { " ▸ " };
    let count = if *cells > 1 {
        format!(" ({cells} cells)")
    } else {
        String::new()
    };
    match place {
        Some(place) => format!("{place}{count}{sep}{gist}"),
        None => format!("{}{count}", gist.trim()),
    }
}

pub fn render(app: &App, f: &mut Frame) {
    let size = f.area();
    let a = areas(size, app.split);
    let body = Rect::new(
        size.x,
        size.y,
        size.width,
        a.status.y.saturating_sub(size.y),
    );
    if let Some(screen) = &app.cell {
        super::history_view::render(app, screen, f, body);
    } else if let Some(screen) = &app.changes {
        super::changes_view::render(app, screen, f, body);
    } else if let Some(screen) = &app.env {
        super::envscreen::render(app, screen, f, body);
    } else if let Some(screen) = &app.insights {
        super::insights::render(app, screen, f, body);
    } else {
        render_timeline(app, f, a.timeline);
        render_detail(app, f, a.detail);
    }
    render_status(app, f, a.status);
    match &app.overlay {
        Overlay::None => {}
        Overlay::Help { scroll } => render_help(app, f, size, *scroll),
        Overlay::Filter(edit) => render_filter(app, f, size, edit),
        Overlay::Picker(p) => super::picker::render(app, p, f, size),
    }
}

pub(crate) fn pane_block<'a>(app: &App, title: String, focused: bool) -> Block<'a> {
    let t = &app.config.theme;
    Block::default()
        .borders(Borders::ALL)
        .border_type(if app.ascii {
            ratatui::widgets::BorderType::Plain
        } else {
            ratatui::widgets::BorderType::Rounded
        })
        .border_set(if app.ascii {
            ascii_border()
        } else {
            ratatui::symbols::border::ROUNDED
        })
        .border_style(if focused { t.border_focused } else { t.border })
        .title(Span::styled(title, t.title))
}

fn ascii_border() -> ratatui::symbols::border::Set<'static> {
    ratatui::symbols::border::Set {
        top_left: "+",
        top_right: "+",
        bottom_left: "+",
        bottom_right: "+",
        vertical_left: "|",
        vertical_right: "|",
        horizontal_top: "-",
        horizontal_bottom: "-",
    }
}

/// Counts shown as badges: results, images (once decoded), hidden details, errors.
fn badges(app: &App, row: &RecordRow) -> Vec<Span<'static>> {
    let t = &app.config.theme;
    let r = &row.record;
    let results = r
        .details
        .iter()
        .filter(|d| DetailKind::from_id(d.type_id) == Some(DetailKind::Result))
        .count();
    let hidden = r
        .details
        .iter()
        .filter(|d| !d.show && DetailKind::from_id(d.type_id) != Some(DetailKind::CodeExecuted))
        .count();
    let mut out = Vec::new();
    let (out_g, img_g, hid_g) = if app.ascii {
        ("o", "img", "h")
    } else {
        ("⇥", "▣", "◌")
    };
    if results > 0 {
        out.push(Span::styled(format!(" {out_g}{results}"), t.badge));
    }
    let mut errors = !r.errors.is_empty() || r.details.iter().any(|d| d.error.is_some());
    if let Some(Details::Ready(prep)) = app.details.peek(&row.commit) {
        let ds = &prep.details;
        let images = ds
            .iter()
            .flat_map(|d| &d.content)
            .filter(|c| matches!(c, Content::Image { .. }))
            .count();
        if images > 0 {
            out.push(Span::styled(format!(" {img_g}{images}"), t.badge));
        }
        errors |= ds.iter().any(|d| !d.errors.is_empty())
            || prep
                .bodies
                .iter()
                .flatten()
                .any(|b| matches!(b, Body::Image(Err(_))));
    }
    if hidden > 0 {
        out.push(Span::styled(format!(" {hid_g}{hidden}"), t.hidden));
    }
    if errors {
        out.push(Span::styled(" !".to_string(), t.error));
    }
    out
}

/// Splits `text` into spans, styling case-insensitive matches of `query`.
fn highlight(text: &str, query: &str, base: Style, hit: Style) -> Vec<Span<'static>> {
    if query.is_empty() {
        return vec![Span::styled(text.to_string(), base)];
    }
    let lower = text.to_lowercase();
    let q = query.to_lowercase();
    // Lowercasing can change byte lengths outside ASCII; then skip highlighting.
    if lower.len() != text.len() {
        return vec![Span::styled(text.to_string(), base)];
    }
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(found) = lower.get(at..).and_then(|s| s.find(&q)) {
        let start = at + found;
        let end = start + q.len();
        if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            break;
        }
        if start > at {
            out.push(Span::styled(text[at..start].to_string(), base));
        }
        out.push(Span::styled(text[start..end].to_string(), hit));
        at = end;
    }
    if at < text.len() {
        out.push(Span::styled(text[at..].to_string(), base));
    }
    out
}

fn render_timeline(app: &App, f: &mut Frame, area: Rect) {
    let t = &app.config.theme;
    let title = if app.view.is_empty() {
        " Timeline ".to_string()
    } else {
        format!(" Timeline {}/{} ", app.selected + 1, app.view.len())
    };
    let block = pane_block(app, title, app.focus == Focus::Timeline);
    let inner = block.inner(area);
    f.render_widget(block, area);
    if app.view.is_empty() {
        let msg = if let Some(e) = &app.load_error {
            Line::styled(e.clone(), t.error)
        } else if app.loading {
            Line::styled(plain("reading history…", app.ascii), t.dim)
        } else {
            Line::styled("no records match the filter (F clears it)", t.dim)
        };
        f.render_widget(Paragraph::new(msg), inner);
        return;
    }
    let width = inner.width as usize;
    let mut lines = Vec::new();
    for l in timeline_lines(app, inner.height as usize) {
        match l {
            TimelineLine::Day(pos) => {
                let row = app.view.get(pos).and_then(|&i| app.rows.get(i));
                let label = row
                    .map(|r| timefmt::local_weekday(r.time()))
                    .unwrap_or_default();
                let rule = if app.ascii { "-" } else { "─" };
                let head = format!("{rule}{rule} {label} ");
                let fill = width.saturating_sub(head.width());
                lines.push(Line::styled(
                    format!("{head}{}", rule.repeat(fill)),
                    t.day_separator,
                ));
            }
            TimelineLine::Record(pos) => {
                // Unpacked for drawing: a screenful of records at most.
                let Some(row) = app.view.get(pos).and_then(|&i| app.rows.get(i)) else {
                    continue;
                };
                let row = &row.to_row();
                let selected = pos == app.selected;
                let r = &row.record;
                let mut spans = vec![
                    Span::styled(format!("{} ", timefmt::local_hm(row.time)), t.dim),
                    Span::styled(
                        format!(
                            "{:<8} ",
                            short_author(&sanitize::line(&row.author), app.ascii)
                        ),
                        Style::default().fg(t.author_color(&row.author)),
                    ),
                    Span::styled(
                        format!("{} ", glyph(r.meta.type_id, app.ascii)),
                        t.record_type(r.meta.type_id),
                    ),
                ];
                let badges = badges(app, row);
                let used: usize = spans.iter().map(|s| s.content.width()).sum::<usize>()
                    + badges.iter().map(|s| s.content.width()).sum::<usize>();
                let prep = match app.details.peek(&row.commit) {
                    Some(Details::Ready(prep)) => Some(prep),
                    _ => None,
                };
                // Shown as the command line shows it: a control character is
                // a marker, not dropped without a trace.
                let said = prep.and_then(|p| p.code_gist.as_ref()).map_or_else(
                    || sanitize::line(&r.message).into_owned(),
                    |g| code_line(&sanitize::line(&r.message), g, app.ascii),
                );
                let msg = truncate_mark(&said, width.saturating_sub(used), app.ascii);
                let hit_style = t.search_match;
                let base = if r.meta.show { t.text } else { t.hidden };
                spans.extend(highlight(&msg, &app.search.query, base, hit_style));
                let mut msg_w = msg.width();
                // Environment records name what they changed once decoded.
                if let Some(sum) = prep.and_then(|p| p.env_summary.as_ref()) {
                    let room = width.saturating_sub(used + msg_w + 3);
                    if room > 8 {
                        let sum = truncate_mark(&plain(sum, app.ascii), room, app.ascii);
                        let sep = if app.ascii { " - " } else { " · " };
                        msg_w += sep.width() + sum.width();
                        spans.push(Span::styled(sep, t.dim));
                        spans.push(Span::styled(sum, t.badge));
                    }
                }
                let pad = width.saturating_sub(used + msg_w);
                spans.push(Span::raw(" ".repeat(pad)));
                spans.extend(badges);
                let mut line = Line::from(spans);
                if selected {
                    let sel = if app.focus == Focus::Timeline {
                        t.selected
                    } else {
                        t.selected_unfocused
                    };
                    line = line.patch_style(sel);
                }
                lines.push(line);
            }
        }
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// A picture drawn with a terminal graphics protocol over lines of the
/// record pane (which hold its half-block version underneath).
#[derive(Debug, Clone)]
pub struct Slot {
    /// First line of the pane text it covers.
    pub line: usize,
    pub cols: u16,
    pub rows: u16,
    /// Names the encoded picture: image hash, cell size and protocol.
    pub key: String,
    pub source: ImageSource,
}

/// Where an image's bytes are: content entry `content` of detail `detail`.
#[derive(Debug, Clone)]
pub struct ImageSource {
    pub prepared: Arc<Prepared>,
    pub detail: usize,
    pub content: usize,
}

impl ImageSource {
    pub fn bytes(&self) -> Option<&[u8]> {
        match self
            .prepared
            .details
            .get(self.detail)?
            .content
            .get(self.content)?
        {
            Content::Image { image, .. } => Some(&image.data),
            _ => None,
        }
    }
}

/// What the record pane shows for one record at one width: built once,
/// drawn from until something it depends on changes (a long cell has
/// thousands of styled lines; rebuilding them per key press cost more than
/// the rest of the frame).
pub struct DetailView {
    key: ViewKey,
    pub lines: Vec<Line<'static>>,
    pub slots: Vec<Slot>,
}

/// Everything a [`DetailView`] is built from besides the fixed settings.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ViewKey {
    commit: git2::Oid,
    width: usize,
    height: usize,
    /// Which preparation of the record's details (none yet: `None`).
    prepared: Option<usize>,
    expanded: bool,
    show_hidden: bool,
    query: String,
    protocol: Protocol,
}

fn view_key(app: &App, commit: git2::Oid, width: usize) -> ViewKey {
    let prepared = match app.details.peek(&commit) {
        Some(Details::Ready(p)) => Some(Arc::as_ptr(p) as usize),
        _ => None,
    };
    ViewKey {
        commit,
        width,
        height: app.detail_height,
        prepared,
        expanded: app.expanded,
        show_hidden: app.show_hidden_details,
        query: app.search.query.clone(),
        protocol: app.protocol,
    }
}

/// The record pane's view for `row` at `width`, from the app's cache when
/// it is still current (the record is unpacked only to build a new one).
pub fn detail_view(app: &App, row: RowRef, width: usize) -> Arc<DetailView> {
    let key = view_key(app, row.commit(), width);
    if let Some(v) = app.detail_view.borrow().as_ref()
        && v.key == key
    {
        return Arc::clone(v);
    }
    let mut sink = Sink::default();
    build_detail(app, &row.to_row(), width, &mut sink);
    let view = Arc::new(DetailView {
        key,
        lines: sink.lines,
        slots: sink.slots,
    });
    *app.detail_view.borrow_mut() = Some(Arc::clone(&view));
    view
}

/// The lines of the detail pane for a record (header, then its details).
pub fn detail_lines(app: &App, row: &RecordRow, width: usize) -> Vec<Line<'static>> {
    let mut sink = Sink::default();
    build_detail(app, row, width, &mut sink);
    sink.lines
}

#[derive(Default)]
struct Sink {
    lines: Vec<Line<'static>>,
    slots: Vec<Slot>,
}

impl std::ops::Deref for Sink {
    type Target = Vec<Line<'static>>;
    fn deref(&self) -> &Self::Target {
        &self.lines
    }
}

impl std::ops::DerefMut for Sink {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.lines
    }
}

fn build_detail(app: &App, row: &RecordRow, width: usize, out: &mut Sink) {
    let t = &app.config.theme;
    let r = &row.record;
    let q = &app.search.query;
    let kind = RecordKind::from_id(r.meta.type_id).map_or("unknown", RecordKind::name);
    let mut head = vec![Span::styled(
        format!("{} {kind}  ", glyph(r.meta.type_id, app.ascii)),
        t.record_type(r.meta.type_id).add_modifier(Modifier::BOLD),
    )];
    head.extend(highlight(
        &sanitize::line(&r.message),
        q,
        t.title,
        t.search_match,
    ));
    out.push(Line::from(head));
    out.push(Line::from(vec![
        Span::styled(
            format!(
                "{} <{}>",
                sanitize::line(&row.author),
                sanitize::line(&row.email)
            ),
            Style::default().fg(t.author_color(&row.author)),
        ),
        Span::styled(
            format!("  {}", timefmt::local_full(row.time, row.tz_minutes)),
            t.dim,
        ),
    ]));
    let mut facts = format!("commit {}", short_id(row.commit));
    if !r.meta.linked_commit.is_empty() {
        facts.push_str(&format!(
            "  linked {}",
            truncate_mark(&sanitize::line(&r.meta.linked_commit), 12, app.ascii)
        ));
    }
    if !r.meta.tags.is_empty() {
        facts.push_str(&format!(
            "  tags {}",
            sanitize::line(&r.meta.tags.join(", "))
        ));
    }
    if !r.meta.show {
        facts.push_str("  (hidden record)");
    }
    out.push(Line::styled(facts, t.dim));
    if let Some(Details::Ready(prep)) = app.details.peek(&row.commit)
        && let Some(sum) = &prep.env_summary
    {
        out.push(Line::from(vec![
            Span::styled("changed  ", t.dim),
            Span::styled(plain(sum, app.ascii), t.badge),
        ]));
    }
    for e in &r.errors {
        out.push(Line::styled(format!("error: {e}"), t.error));
    }
    if r.details.is_empty() && RecordKind::from_id(r.meta.type_id) == Some(RecordKind::Code) {
        out.push(Line::raw(""));
        out.push(Line::styled(
            "ignored cell: nothing was recorded (its code had # gtm:ignore)",
            t.hidden,
        ));
        return;
    }
    let prep = match app.details.peek(&row.commit) {
        Some(Details::Ready(p)) => Arc::clone(p),
        _ => {
            out.push(Line::raw(""));
            out.push(Line::styled(plain("decoding details…", app.ascii), t.dim));
            return;
        }
    };
    let mut hidden = 0;
    for idx in order_details(&r.details, &prep.details) {
        let (Some(line), Some(d)) = (r.details.get(idx), prep.details.get(idx)) else {
            continue;
        };
        let code = DetailKind::from_id(line.type_id) == Some(DetailKind::CodeExecuted);
        if !line.show && !code && !app.show_hidden_details {
            hidden += 1;
            continue;
        }
        out.push(Line::raw(""));
        out.push(detail_heading(app, line, d));
        for e in &d.errors {
            out.push(Line::styled(format!("error: {e}"), t.error));
        }
        let bodies = prep.bodies.get(idx).map(Vec::as_slice).unwrap_or(&[]);
        for (j, (c, body)) in d.content.iter().zip(bodies).enumerate() {
            let source = ImageSource {
                prepared: Arc::clone(&prep),
                detail: idx,
                content: j,
            };
            push_body(app, out, c, body, width, source);
        }
    }
    if hidden > 0 {
        out.push(Line::raw(""));
        let key = app
            .config
            .keys
            .keys_for(super::keymap::Action::ToggleHidden)
            .first()
            .map(|k| k.display())
            .unwrap_or_else(|| ".".into());
        out.push(Line::styled(
            format!("{hidden} hidden detail(s): press {key} to show"),
            t.hidden,
        ));
    }
}

/// Orders details for reading: each execution's code before its outputs
/// (the client stored outputs first), everything else as stored. Returns
/// indices into the record's details.
fn order_details(lines: &[DetailRef], details: &[Detail]) -> Vec<usize> {
    let n = lines.len().min(details.len());
    let ex_tag = |i: usize| {
        details
            .get(i)
            .and_then(|d| d.tags.iter().find(|t| t.starts_with("ex:")).cloned())
    };
    let is_code = |i: usize| {
        lines.get(i).and_then(|l| DetailKind::from_id(l.type_id)) == Some(DetailKind::CodeExecuted)
    };
    let mut out = Vec::with_capacity(n);
    let mut used = vec![false; n];
    for i in 0..n {
        if !is_code(i) || used[i] {
            continue;
        }
        used[i] = true;
        out.push(i);
        if let Some(tag) = ex_tag(i) {
            for (j, u) in used.iter_mut().enumerate() {
                if !*u && !is_code(j) && ex_tag(j).as_deref() == Some(tag.as_str()) {
                    *u = true;
                    out.push(j);
                }
            }
        }
    }
    // Console work has no execution counts: code then outputs as stored.
    out.extend((0..n).filter(|&i| !used[i]));
    out
}

/// Turns styled runs into a line, or, when the search query is in it, the
/// plain text with the matches marked (search wins over syntax colour).
/// The runs' colours (24-bit from the highlighter and from outputs' escape
/// codes) are brought down to `depth`, as the theme's already are.
fn runs_line(
    runs: &[(Style, String)],
    (base, depth): (Style, ColorDepth),
    q: &str,
    hit: Style,
    prefix: Vec<Span<'static>>,
) -> Line<'static> {
    let mut spans = prefix;
    let text: String = runs.iter().map(|(_, s)| s.as_str()).collect();
    if !q.is_empty() && super::filter::contains_ci(&text, q) {
        spans.extend(highlight(&expand_tabs(&text), q, base, hit));
    } else {
        spans.extend(runs.iter().map(|(st, s)| {
            let st = if depth == ColorDepth::TrueColor {
                *st
            } else {
                adapt_style(*st, depth)
            };
            Span::styled(expand_tabs(s), base.patch(st))
        }));
    }
    Line::from(spans)
}

/// The lines of one content entry.
fn push_body(
    app: &App,
    out: &mut Sink,
    c: &Content,
    body: &Body,
    width: usize,
    source: ImageSource,
) {
    let t = &app.config.theme;
    let q = app.search.query.as_str();
    match body {
        Body::Code(lines) => {
            let w = lines.len().max(1).to_string().len();
            let bar = if app.ascii { "|" } else { "│" };
            for (i, runs) in lines.iter().enumerate() {
                let prefix = vec![Span::styled(format!("{:>w$} {bar} ", i + 1), t.line_number)];
                out.push(runs_line(
                    runs,
                    (t.code, app.depth),
                    q,
                    t.search_match,
                    prefix,
                ));
            }
        }
        Body::Output { lines, truncated } => {
            let key = key_label(app, super::keymap::Action::ToggleFold, "z");
            let (shown, summary) = fold_view(lines, app.expanded, &key, t.dim);
            for runs in shown.iter().chain(&summary) {
                out.push(runs_line(
                    runs,
                    (t.output, app.depth),
                    q,
                    t.search_match,
                    Vec::new(),
                ));
            }
            if *truncated {
                out.push(Line::styled(
                    plain(
                        "⋯ <result truncated>: Gigantum kept only the first 64 kB",
                        app.ascii,
                    ),
                    t.warning,
                ));
            }
        }
        Body::Markdown(md) => {
            let styles = MdStyles {
                text: t.text,
                heading: t.title,
                emphasis: t.text.add_modifier(Modifier::ITALIC),
                strong: t.text.add_modifier(Modifier::BOLD),
                code: t.code,
                link: t.badge,
                quote: t.dim,
                rule: t.dim,
                bullet: t.badge,
            };
            for runs in render_markdown(md, width.max(10), &styles, app.ascii) {
                out.push(runs_line(
                    &runs,
                    (t.text, app.depth),
                    q,
                    t.search_match,
                    Vec::new(),
                ));
            }
        }
        Body::Image(result) => {
            if let Content::Image { image, .. } = c {
                out.push(Line::styled(
                    format!(
                        "[{} image {}{}{}, {}]",
                        image.format.name(),
                        image.width,
                        if app.ascii { "x" } else { "×" },
                        image.height,
                        human_bytes(image.data.len() as u64)
                    ),
                    t.badge,
                ));
            }
            match result {
                Ok(p) => {
                    let cols = u16::try_from(width.min(64)).unwrap_or(64);
                    // No taller than the pane, so that it can be seen whole.
                    let pane = u16::try_from(app.detail_height).unwrap_or(u16::MAX);
                    let rows = (cols / 3).min(pane).max(4);
                    match app.protocol {
                        Protocol::Off => {}
                        Protocol::Halfblocks => {
                            out.extend(halfblocks(p, cols, rows, !app.truecolor));
                        }
                        proto @ (Protocol::Kitty | Protocol::Iterm | Protocol::Sixel) => {
                            // The half-blocks stay underneath: they show while the
                            // picture is being encoded or only partly scrolled in.
                            let (w, h) = fit_cells(p, proto, cols, rows);
                            let mut base = halfblocks(p, w, h, !app.truecolor);
                            base.resize(usize::from(h), Line::raw(""));
                            if let Content::Image { image, .. } = c {
                                out.slots.push(Slot {
                                    line: out.lines.len(),
                                    cols: w,
                                    rows: h,
                                    key: format!("{}@{w}x{h}:{}", image.sha256, proto.name()),
                                    source,
                                });
                            }
                            out.extend(base);
                        }
                    }
                }
                Err(e) => out.push(Line::styled(format!("error: image: {e}"), t.error)),
            }
        }
        Body::Other => {
            if let Content::Binary { mime, len } = c {
                out.push(Line::styled(
                    format!("[{mime}: {}]", human_bytes(*len as u64)),
                    t.dim,
                ));
            }
        }
    }
}

fn key_label(app: &App, action: super::keymap::Action, default: &str) -> String {
    app.config
        .keys
        .keys_for(action)
        .first()
        .map(|k| k.display())
        .unwrap_or_else(|| default.into())
}

fn detail_heading(app: &App, line: &DetailRef, d: &Detail) -> Line<'static> {
    let t = &app.config.theme;
    let ex = d
        .tags
        .iter()
        .find_map(|t| t.strip_prefix("ex:"))
        .map(str::to_string);
    let label = match (DetailKind::from_id(line.type_id), ex) {
        (Some(DetailKind::CodeExecuted), Some(n)) => format!("In [{n}]"),
        (Some(DetailKind::CodeExecuted), None) => "Code".into(),
        (Some(DetailKind::Result), Some(n)) => format!("Out [{n}]"),
        (Some(DetailKind::Result), None) => "Output".into(),
        (Some(k), _) => k.name().replace('_', " "),
        (None, _) => format!("detail type {}", line.type_id),
    };
    let rule = if app.ascii { "-" } else { "─" };
    let mut s = format!("{rule}{rule} {label}");
    if !line.show && DetailKind::from_id(line.type_id) != Some(DetailKind::CodeExecuted) {
        s.push_str(" (hidden)");
    }
    if d.compressed {
        s.push_str(if app.ascii { " - blosc" } else { " · blosc" });
    }
    s.push(' ');
    Line::styled(s, t.title)
}

fn expand_tabs(s: &str) -> String {
    if s.contains('\t') {
        s.replace('\t', "    ")
    } else {
        s.to_string()
    }
}

fn render_detail(app: &App, f: &mut Frame, area: Rect) {
    let t = &app.config.theme;
    let block = pane_block(app, " Record ".into(), app.focus == Focus::Detail);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(row) = app.current_ref() else {
        return;
    };
    let view = detail_view(app, row, inner.width as usize);
    let total = view.lines.len();
    let scroll = app.detail_scroll.min(total.saturating_sub(1));
    let shown = view
        .lines
        .iter()
        .skip(scroll)
        .take(inner.height as usize)
        .cloned()
        .collect::<Vec<_>>();
    f.render_widget(Paragraph::new(shown), inner);
    if total > inner.height as usize && inner.height > 0 {
        let more = format!(
            " {}/{} ",
            (scroll + inner.height as usize).min(total),
            total
        );
        let x = area.right().saturating_sub(more.width() as u16 + 2);
        let y = area.bottom().saturating_sub(1);
        f.render_widget(
            Paragraph::new(Span::styled(more, t.dim)),
            Rect::new(x, y, (area.right() - x).min(12), 1),
        );
    }
}

/// A picture to draw with the terminal's graphics protocol, and where.
#[derive(Debug, Clone)]
pub struct Placement {
    pub key: String,
    pub area: Rect,
    pub source: ImageSource,
}

/// The record pane's inner area (inside its border) on a screen of `size`.
fn detail_inner(app: &App, size: Rect) -> Rect {
    pane_block(app, String::new(), false).inner(areas(size, app.split).detail)
}

/// The pictures the last frame left room for that are wholly on screen
/// (a picture half scrolled out keeps its half-blocks). None while a popup
/// covers the screen. Reads the view cached by the last [`render`].
pub fn placements(app: &App, size: Rect) -> Vec<Placement> {
    if !matches!(
        app.protocol,
        Protocol::Kitty | Protocol::Iterm | Protocol::Sixel
    ) || !matches!(app.overlay, Overlay::None)
        || app.cell.is_some()
        || app.changes.is_some()
        || app.env.is_some()
        || app.insights.is_some()
    {
        return Vec::new();
    }
    let Some(commit) = app.current_commit() else {
        return Vec::new();
    };
    let inner = detail_inner(app, size);
    let cache = app.detail_view.borrow();
    let Some(view) = cache.as_ref() else {
        return Vec::new();
    };
    if view.key != view_key(app, commit, inner.width as usize) {
        return Vec::new();
    }
    let scroll = app.detail_scroll.min(view.lines.len().saturating_sub(1));
    let height = inner.height as usize;
    view.slots
        .iter()
        .filter(|s| {
            s.line >= scroll
                && s.line + usize::from(s.rows) <= scroll + height
                && s.cols <= inner.width
        })
        .filter_map(|s| {
            let y = inner.y.checked_add(u16::try_from(s.line - scroll).ok()?)?;
            Some(Placement {
                key: s.key.clone(),
                area: Rect::new(inner.x, y, s.cols, s.rows),
                source: s.source.clone(),
            })
        })
        .collect()
}

/// Lines of the record pane's text as last drawn for the selected record.
pub fn detail_len(app: &App) -> usize {
    app.detail_view
        .borrow()
        .as_ref()
        .filter(|v| app.current_commit() == Some(v.key.commit))
        .map_or(0, |v| v.lines.len())
}

fn render_status(app: &App, f: &mut Frame, area: Rect) {
    let t = &app.config.theme;
    if let Some(q) = &app.search.typing {
        let mut spans = vec![Span::styled("/", t.status_key), Span::raw(q.clone())];
        spans.push(Span::styled(
            if app.ascii { "_" } else { "▏" },
            t.status_key,
        ));
        let hits = app.hit_count();
        let text = format!(
            "   {hits} match(es){}   Enter keeps · Esc clears",
            if app.search.running {
                ", searching details…"
            } else {
                ""
            }
        );
        spans.push(Span::styled(plain(&text, app.ascii), t.dim));
        f.render_widget(Paragraph::new(Line::from(spans)), area);
        return;
    }
    let mut left = vec![
        Span::styled(format!(" {} ", app.project), t.status_key),
        Span::styled(format!(" {} ", app.rev), t.status),
    ];
    let count = if app.view.len() == app.rows.len() {
        format!(
            " {}/{} ",
            if app.view.is_empty() {
                0
            } else {
                app.selected + 1
            },
            app.rows.len()
        )
    } else {
        format!(
            " {}/{} of {} ",
            if app.view.is_empty() {
                0
            } else {
                app.selected + 1
            },
            app.view.len(),
            app.rows.len()
        )
    };
    left.push(Span::styled(count, t.status));
    if app.new_records > 0 {
        let up = if app.ascii { "^" } else { "▲" };
        left.push(Span::styled(
            format!(
                " {up} {} new record{} ",
                app.new_records,
                if app.new_records == 1 { "" } else { "s" }
            ),
            t.status_key,
        ));
    }
    if app.loading {
        let spin = if app.ascii { "..." } else { "⟳" };
        left.push(Span::styled(format!(" {spin} loading "), t.warning));
    }
    if let Some(why) = &app.incomplete {
        left.push(Span::styled(
            format!(
                " history incomplete: {} ",
                truncate_mark(why, 40, app.ascii)
            ),
            t.warning,
        ));
    }
    let summary = app.filter.summary();
    if !summary.is_empty() {
        left.push(Span::styled(
            plain(&format!(" filter: {summary} "), app.ascii),
            t.warning,
        ));
    }
    if !app.search.query.is_empty() {
        left.push(Span::styled(
            format!(
                " /{} {}{} ",
                app.search.query,
                app.hit_count(),
                if app.search.running { "..." } else { "" }
            ),
            t.status,
        ));
    }
    if let Some(msg) = &app.flash {
        left.push(Span::styled(
            plain(&format!(" {msg} "), app.ascii),
            t.warning,
        ));
    }
    let help_key = app
        .config
        .keys
        .keys_for(super::keymap::Action::Help)
        .first()
        .map(|k| k.display())
        .unwrap_or_else(|| "?".into());
    let right = Span::styled(format!(" {help_key} help "), t.status);
    if app.flash.is_none() {
        // The open screen's keys, as many as fit.
        let hints = screen_hints(app);
        let used: usize = left.iter().map(|s| s.content.width()).sum();
        let room = (area.width as usize).saturating_sub(used + right.content.width());
        let mut text = String::new();
        for h in hints {
            let next = if text.is_empty() {
                format!(" {h}")
            } else {
                format!("{text} · {h}")
            };
            if plain(&next, app.ascii).width() + 1 > room {
                break;
            }
            text = next;
        }
        if !text.is_empty() {
            left.push(Span::styled(plain(&format!("{text} "), app.ascii), t.dim));
        }
    }
    let used: usize = left.iter().map(|s| s.content.width()).sum();
    let pad = (area.width as usize).saturating_sub(used + right.content.width());
    left.push(Span::styled(" ".repeat(pad), t.status));
    left.push(right);
    f.render_widget(Paragraph::new(Line::from(left)), area);
}

/// The keys of the screen that is open (none for the timeline), most
/// useful first.
fn screen_hints(app: &App) -> Vec<String> {
    use super::keymap::Action as A;
    let k = |a: A, d: &str| key_label(app, a, d);
    let runs = |what: &str| format!("{} {} {what}", k(A::PrevRun, "["), k(A::NextRun, "]"));
    if app.cell.is_some() {
        vec![
            runs("runs"),
            format!("{} mark", k(A::Mark, "m")),
            format!("{} unified", k(A::ToggleUnified, "u")),
            format!("{} record", k(A::Open, "⏎")),
            format!("{} back", k(A::Back, "esc")),
        ]
    } else if app.changes.is_some() {
        vec![
            runs("files"),
            format!("{} unified", k(A::ToggleUnified, "u")),
            format!("{} back", k(A::Back, "esc")),
        ]
    } else if app.env.is_some() {
        vec![
            runs("environment records"),
            format!("{} mark", k(A::Mark, "m")),
            format!("{} record", k(A::Open, "⏎")),
            format!("{} back", k(A::Back, "esc")),
        ]
    } else if app.insights.is_some() {
        vec![
            format!("{} stuck/usage", k(A::FocusNext, "Tab")),
            format!("{} cell history", k(A::Open, "⏎")),
            format!("{} back", k(A::Back, "esc")),
        ]
    } else {
        Vec::new()
    }
}

pub(crate) fn centered(size: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(size.width);
    let h = h.min(size.height);
    Rect::new(
        size.x + (size.width - w) / 2,
        size.y + (size.height - h) / 2,
        w,
        h,
    )
}

fn render_help(app: &App, f: &mut Frame, size: Rect, scroll: usize) {
    let t = &app.config.theme;
    let rows = app.config.keys.help_rows(app.ascii);
    let key_w = rows
        .iter()
        .map(|(_, k, _)| k.width())
        .max()
        .unwrap_or(8)
        .min(24);
    let mut lines = Vec::new();
    let mut group = "";
    for (g, keys, what) in &rows {
        if *g != group {
            if !group.is_empty() {
                lines.push(Line::raw(""));
            }
            lines.push(Line::styled(g.to_string(), t.title));
            group = g;
        }
        lines.push(Line::from(vec![
            Span::styled(
                format!("  {:<key_w$}  ", truncate_mark(keys, key_w, app.ascii)),
                t.status_key,
            ),
            Span::styled(what.to_string(), t.text),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "Mouse: wheel scrolls, click selects. Ctrl-Z suspends. Keys: gtm-tui config",
        t.dim,
    ));
    // Wide enough for the longest line where the screen allows.
    let widest = lines.iter().map(Line::width).max().unwrap_or(70);
    let w = u16::try_from(widest + 2).unwrap_or(u16::MAX).max(72);
    let area = centered(size, w, (lines.len() as u16 + 2).min(size.height));
    f.render_widget(Clear, area);
    let block = pane_block(app, " Help: any other key closes ".into(), true);
    let p = Paragraph::new(lines)
        .block(block)
        .scroll((u16::try_from(scroll).unwrap_or(0), 0));
    f.render_widget(p, area);
}

fn render_filter(app: &App, f: &mut Frame, size: Rect, edit: &super::app::FilterEdit) {
    let t = &app.config.theme;
    let mut lines = Vec::new();
    for (i, name) in FILTER_FIELDS.iter().enumerate() {
        let value = match i {
            0 => {
                if app.filter.types.is_empty() {
                    "all".to_string()
                } else {
                    app.filter
                        .types
                        .iter()
                        .map(|k| k.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            }
            5 => on_off(app.filter.code_only),
            6 => on_off(app.filter.show_hidden),
            f => {
                if edit.field == f {
                    if let Some(text) = &edit.editing {
                        format!("{text}{}", if app.ascii { "_" } else { "▏" })
                    } else {
                        app.filter_text(f)
                    }
                } else {
                    app.filter_text(f)
                }
            }
        };
        let style = if edit.field == i { t.selected } else { t.text };
        lines.push(Line::from(vec![
            Span::styled(format!(" {name:<22}"), style),
            Span::styled(format!(" {value}"), style),
        ]));
        if i == 0 {
            // The legend in two short lines so it fits at 80 columns.
            for chunk in RecordKind::ALL.chunks(5) {
                let names: Vec<String> = chunk
                    .iter()
                    .map(|k| format!("{} {}", k.id() + 1, k.name()))
                    .collect();
                lines.push(Line::styled(format!("   {}", names.join("  ")), t.dim));
            }
        }
    }
    lines.push(Line::raw(""));
    if let Some(e) = &edit.error {
        lines.push(Line::styled(e.clone(), t.error));
    }
    lines.push(Line::styled(
        plain(
            "j/k move · 1-9 type, 0 all · Enter edit · x clear · Esc close",
            app.ascii,
        ),
        t.dim,
    ));
    let area = centered(size, 78, lines.len() as u16 + 2);
    f.render_widget(Clear, area);
    let p = Paragraph::new(lines)
        .wrap(ratatui::widgets::Wrap { trim: false })
        .block(pane_block(app, " Filter ".into(), true));
    f.render_widget(p, area);
}

fn on_off(b: bool) -> String {
    if b { "on".into() } else { "off".into() }
}

#[cfg(test)]
mod tests {
    use super::code_line;

    #[test]
    fn a_code_line_names_the_notebook_and_the_code() {
        let msg = "Executed cell in notebook code/sub/explore.ipynb and generated a result";
        assert_eq!(
            code_line(msg, &("df = load()".into(), 1), false),
            "explore.ipynb ▸ df = load()"
        );
        assert_eq!(
            code_line(msg, &("fit(x)\t# go".into(), 3), true),
            "explore.ipynb (3 cells): fit(x) # go"
        );
        assert_eq!(
            code_line("Executed code in console", &("head(df)".into(), 1), false),
            "console ▸ head(df)"
        );
        assert_eq!(
            code_line("Ran something", &("x <- 1".into(), 2), false),
            "x <- 1 (2 cells)"
        );
    }
}
