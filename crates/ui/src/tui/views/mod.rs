//! Drawing: reads the app state and paints a frame; never changes state.
//! The layout and the small widgets every screen uses are here; the
//! timeline, the record pane, the status bar and the overlays have a file
//! each. Only this file reads the whole app: it hands each part a
//! [`Look`] and a small state of its own (`TimelineState`, `RecordPane`,
//! `StatusState`; a screen its own state and the loaded history).

mod overlays;
mod record;
mod status;
mod timeline;

use overlays::*;
use record::*;
use status::*;
use timeline::*;

pub use overlays::{help_lines, help_rows_shown};
pub use record::{
    DetailView, ImageSource, Placement, RecordPane, Slot, continuation_marker, current_view,
    detail_len, detail_lines, detail_view, placements, sideways_note,
};
pub use status::StatusState;
pub use timeline::{TimelineState, timeline_lines};

use crate::render::linewrap;
use crate::render::numbers::human_bytes;
use crate::render::sanitize;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use unicode_width::UnicodeWidthStr;

use std::sync::Arc;

use crate::activity::kinds::{DetailKind, RecordKind};
use crate::activity::{Content, Detail, DetailRef};
use crate::columns::truncate_mark;
use crate::render::image::{Protocol, fit_cells, halfblocks};
use crate::render::markdown::{MdStyles, render_markdown};
use crate::render::text::fold_view;
use crate::repo::{RecordRow, RowRef, Rows, short_id};
use crate::timefmt;
use crate::tui::app::{App, Days, Details, FilterField, Focus, Overlay, Split, lines_from};
use crate::tui::cache::SizedLru;
use crate::tui::keymap::Keymap;
use crate::tui::prepare::Body;
use crate::tui::prepare::Prepared;
use crate::tui::prepare::{Stream, order_details};
use crate::tui::theme::{ColorDepth, adapt_style};

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

/// A glyph per record type; ASCII letters with `--ascii`.
pub fn glyph(k: RecordKind, ascii: bool) -> &'static str {
    if ascii {
        return match k {
            RecordKind::Note => "N",
            RecordKind::Environment => "E",
            RecordKind::Code => ">",
            RecordKind::InputData => "I",
            RecordKind::OutputData => "O",
            RecordKind::Milestone => "*",
            RecordKind::Branch => "B",
            RecordKind::Labbook => "P",
            RecordKind::Dataset => "D",
            RecordKind::Unknown(_) => "?",
        };
    }
    match k {
        RecordKind::Note => "✎",
        RecordKind::Environment => "⚙",
        RecordKind::Code => "▶",
        RecordKind::InputData => "⇣",
        RecordKind::OutputData => "⇡",
        RecordKind::Milestone => "★",
        RecordKind::Branch => "⑂",
        RecordKind::Labbook => "◆",
        RecordKind::Dataset => "▤",
        RecordKind::Unknown(_) => "?",
    }
}

/// The short author name shown in the timeline: the first word, at most 8 columns.
pub fn short_author(name: &str, ascii: bool) -> String {
    let first = name.split_whitespace().next().unwrap_or(name);
    truncate_mark(first, 8, ascii)
}

/// The pane's position in its bottom border's right corner: `line 11/23`, the last line in
/// view of all of them. Labelled: a bare `11/23` in the corner reads as anything (a record
/// count, a page).
pub fn line_corner(look: &Look<'_>, f: &mut Frame, area: Rect, last: usize, total: usize) {
    let more = format!(" line {}/{} ", last.min(total), total);
    let w = u16::try_from(more.width()).unwrap_or(u16::MAX);
    let x = area.right().saturating_sub(w.saturating_add(2));
    let y = area.bottom().saturating_sub(1);
    f.render_widget(
        Paragraph::new(Span::styled(more, look.theme.dim)),
        Rect::new(x, y, area.right().saturating_sub(x).min(w), 1),
    );
}

/// A UI string with `…` and `·` spelled in ASCII when asked.
pub fn plain(s: &str, ascii: bool) -> String {
    if ascii {
        s.replace('…', "...").replace('·', "-").replace('→', "->")
    } else {
        s.to_string()
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
    if let Some(screen) = app.screens.last() {
        screen.render(&app.look(), app.loaded(), f, body);
    } else {
        render_timeline(&app.look(), &timeline_state(app), f, a.timeline);
        render_detail(&app.look(), &record_pane(app), f, a.detail);
    }
    render_status(&app.look(), &status_state(app), f, a.status);
    match &app.overlay {
        Overlay::None => {}
        Overlay::Help { scroll } => render_help(app, f, size, *scroll),
        Overlay::Filter(edit) => render_filter(app, f, size, edit),
        Overlay::Picker(p) => super::picker::render(&app.look(), p, f, size),
    }
}

/// What the timeline of `app` is drawn from.
pub(super) fn timeline_state(app: &App) -> TimelineState<'_> {
    TimelineState {
        rows: &app.rows,
        view: &app.view,
        days: app.day_table(),
        selected: app.selected,
        top: app.top,
        focused: app.focus == Focus::Timeline,
        loading: app.loading,
        load_error: app.load_error.as_deref(),
        details: &app.details,
        query: &app.search.query,
        filter: app.filter.summary(),
        filtered: !app.filter.is_empty(),
        hidden: app.hidden,
        hidden_saves: app.hidden_saves,
        shown: app.shown.len(),
        at: app.shown_position(),
        notes: &app.annotations,
        folds: &app.folds,
        open: &app.open_folds,
    }
}

/// What the record pane of `app` is drawn from.
pub(super) fn record_pane(app: &App) -> RecordPane<'_> {
    RecordPane {
        row: app.current_ref(),
        details: &app.details,
        query: &app.search.query,
        expanded: app.expanded,
        show_hidden: app.show_hidden_details,
        height: app.detail_height,
        truecolor: app.truecolor,
        scroll: app.detail_scroll,
        wrap: app.wrap,
        hscroll: app.detail_hscroll,
        focused: app.focus == Focus::Detail,
        cache: &app.detail_view,
    }
}

/// What the status bar of `app` is drawn from.
/// What the status bar shows for the app as it is.
pub fn status_state(app: &App) -> StatusState<'_> {
    let key = |a, d: &str| key_label(&app.config.keys, a, d);
    StatusState {
        project: &app.project,
        rev: &app.rev,
        typing: app.search.typing.as_deref(),
        jump: app.jump.as_deref(),
        query: &app.search.query,
        searching: app.search.running,
        hits: app.hit_count(),
        pane_match: app.pane_match(),
        shown: app.shown.len(),
        total: app.rows.len(),
        hidden: app.hidden,
        hidden_saves: app.hidden_saves,
        // Among the records shown, folded ones counted.
        selected: app.shown_position(),
        new_records: app.new_records,
        // Also while a project is opened anew, which can take a while.
        loading: app.loading || app.opening.is_some(),
        incomplete: app.incomplete.as_deref(),
        filter: app.filter.summary(),
        flash: app.flash.as_deref(),
        hints: match app.screens.last() {
            Some(s) => s.hints(&key),
            None => {
                let mut hints = pane_hints(app.focus, &key);
                if let (Focus::Timeline, Some(place)) = (app.focus, app.trail.last_back()) {
                    let back = key(super::keymap::Action::Back, "Esc");
                    hints.insert(0, format!("{back} back to {}", place.name()));
                }
                hints
            }
        },
    }
}

/// The keys of the timeline or the record pane for the status bar, most
/// useful first (help has its own place at the right end).
fn pane_hints(focus: Focus, key: &dyn Fn(super::keymap::Action, &str) -> String) -> Vec<String> {
    use super::keymap::Action as A;
    match focus {
        Focus::Timeline => vec![
            format!("{} search", key(A::Search, "/")),
            format!("{} filter", key(A::Filter, "f")),
            format!("{} cell", key(A::CellHistory, "c")),
            format!("{} record", key(A::Open, "Enter")),
            format!("{} changes", key(A::Changes, "d")),
            format!("{} env", key(A::Environment, "e")),
            format!("{} insights", key(A::Insights, "i")),
        ],
        Focus::Detail => vec![
            format!("{}/{} scroll", key(A::Down, "j"), key(A::Up, "k")),
            format!("{} fold", key(A::ToggleFold, "z")),
            format!("{} cell", key(A::CellHistory, "c")),
            format!("{} open image", key(A::OpenImage, "o")),
            format!("{} save images", key(A::SaveImage, "s")),
            format!("{} timeline", key(A::Back, "Esc")),
        ],
    }
}

/// What drawing needs besides a screen's own state: colours, glyphs,
/// the key names, the colour depth and the picture protocol. Screens draw from this, not
/// from the whole app, so drawing cannot come to depend on app state.
#[derive(Clone, Copy)]
pub struct Look<'a> {
    pub theme: &'a crate::tui::theme::Theme,
    /// The key map, for naming the keys of what is shown.
    pub keys: &'a Keymap,
    pub ascii: bool,
    pub depth: ColorDepth,
    pub protocol: Protocol,
}

pub(crate) fn pane_block<'a>(look: &Look<'_>, title: String, focused: bool) -> Block<'a> {
    let t = look.theme;
    Block::default()
        .borders(Borders::ALL)
        .border_type(if look.ascii {
            ratatui::widgets::BorderType::Plain
        } else {
            ratatui::widgets::BorderType::Rounded
        })
        .border_set(if look.ascii {
            ascii_border()
        } else {
            ratatui::symbols::border::ROUNDED
        })
        .border_style(if focused { t.border_focused } else { t.border })
        .title(Span::styled(title, t.title))
}

pub(super) fn ascii_border() -> ratatui::symbols::border::Set<'static> {
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

/// Splits `text` into spans, styling case-insensitive matches of `query`.
pub(super) fn highlight(text: &str, query: &str, base: Style, hit: Style) -> Vec<Span<'static>> {
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

pub(crate) fn key_label(keys: &Keymap, action: super::keymap::Action, default: &str) -> String {
    keys.keys_for(action)
        .first()
        .map(|k| k.display())
        .unwrap_or_else(|| default.into())
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
