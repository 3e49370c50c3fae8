//! The status bar: where the view is, what is hidden, the keys of the screen in view.

use super::*;
use crate::render::numbers::thousands;

/// What the status bar is drawn from.
pub struct StatusState<'a> {
    pub project: &'a str,
    pub rev: &'a str,
    /// The search query being typed, while the prompt is open.
    pub typing: Option<&'a str>,
    /// What is typed after `:`, while that prompt is open.
    pub jump: Option<&'a str>,
    pub query: &'a str,
    /// The search worker is still looking through details.
    pub searching: bool,
    pub hits: usize,
    /// The match the record pane is at, and how many the record has (`match 3/45`).
    pub pane_match: Option<(usize, usize)>,
    /// Records passing the filter, and loaded.
    pub shown: usize,
    pub total: usize,
    /// Records kept out only because they are hidden, while `.` is off.
    pub hidden: usize,
    /// Of those, the saves.
    pub hidden_saves: usize,
    /// Position of the selection among those shown.
    pub selected: usize,
    pub new_records: usize,
    pub loading: bool,
    pub incomplete: Option<&'a str>,
    /// The filter in words (empty: none).
    pub filter: String,
    pub flash: Option<&'a str>,
    /// The keys of the screen open, most useful first.
    pub hints: Vec<String>,
}

/// `1,093 hidden saves`: the kind named when all hidden are saves, how
/// many are otherwise.
pub(super) fn hidden_words(hidden: usize, saves: usize) -> String {
    let n = thousands(hidden);
    match (hidden, saves) {
        (1, 1) => "1 hidden save".into(),
        (h, s) if h == s => format!("{n} hidden saves"),
        (_, 0) => format!("{n} hidden"),
        (_, 1) => format!("{n} hidden (1 save)"),
        (_, s) => format!("{n} hidden ({} saves)", thousands(s)),
    }
}

pub(super) fn render_status(look: &Look<'_>, st: &StatusState<'_>, f: &mut Frame, area: Rect) {
    let t = look.theme;
    let ascii = look.ascii;
    if let Some(q) = st.jump {
        let spans = vec![
            Span::styled(":", t.status_key),
            Span::raw(crate::render::sanitize::line(q).into_owned()),
            Span::styled(if ascii { "_" } else { "▏" }, t.status_key),
            Span::styled(
                "   a commit hash, a date (2019-04, 2019-04-22 17:00) or a run (In [14]) · Enter jumps",
                t.dim,
            ),
        ];
        f.render_widget(Paragraph::new(Line::from(spans)), area);
        return;
    }
    if let Some(q) = st.typing {
        let mut spans = vec![Span::styled("/", t.status_key), Span::raw(q.to_string())];
        spans.push(Span::styled(if ascii { "_" } else { "▏" }, t.status_key));
        let hits = st.hits;
        let text = format!(
            "   {hits} match(es){}   Enter keeps · Esc clears",
            if st.searching {
                ", searching details…"
            } else {
                ""
            }
        );
        spans.push(Span::styled(plain(&text, ascii), t.dim));
        f.render_widget(Paragraph::new(Line::from(spans)), area);
        return;
    }
    let mut left = vec![
        Span::styled(format!(" {} ", st.project), t.status_key),
        Span::styled(format!(" {} ", st.rev), t.status),
    ];
    let at = if st.shown == 0 { 0 } else { st.selected + 1 };
    // Words for the numbers: a bare `1/193 of 1286` left readers guessing
    // where the other thousand went.
    // What is hidden is counted where it is hidden; the total only when
    // a filter keeps records out too.
    let count = if st.shown == st.total {
        format!(" {}/{} ", thousands(at), thousands(st.total))
    } else if st.shown + st.hidden == st.total {
        format!(" {}/{} shown ", thousands(at), thousands(st.shown))
    } else {
        format!(
            " {}/{} shown of {} ",
            thousands(at),
            thousands(st.shown),
            thousands(st.total)
        )
    };
    left.push(Span::styled(count, t.status));
    // The short form, used when the long one would push `? help` off.
    let mut hidden_short = None;
    if st.hidden > 0 {
        let dot = key_label(look.keys, crate::tui::keymap::Action::ToggleHidden, ".");
        let what = hidden_words(st.hidden, st.hidden_saves);
        hidden_short = Some((
            left.len(),
            plain(&format!("· {what} "), ascii),
            plain(&format!("· {} hidden ", thousands(st.hidden)), ascii),
        ));
        left.push(Span::styled(
            plain(&format!("· {what} · {dot} shows "), ascii),
            t.status,
        ));
    }
    if st.new_records > 0 {
        let up = if ascii { "^" } else { "▲" };
        left.push(Span::styled(
            format!(
                " {up} {} new record{} ",
                st.new_records,
                if st.new_records == 1 { "" } else { "s" }
            ),
            t.status_key,
        ));
    }
    if st.loading {
        let spin = if ascii { "..." } else { "⟳" };
        left.push(Span::styled(format!(" {spin} loading "), t.warning));
    }
    if let Some(why) = st.incomplete {
        left.push(Span::styled(
            format!(" history incomplete: {} ", truncate_mark(why, 40, ascii)),
            t.warning,
        ));
    }
    let summary = &st.filter;
    if !summary.is_empty() {
        left.push(Span::styled(
            plain(&format!(" filter: {summary} "), ascii),
            t.warning,
        ));
    }
    if !st.query.is_empty() {
        left.push(Span::styled(
            format!(
                " /{} {}{} ",
                st.query,
                st.hits,
                if st.searching { "..." } else { "" }
            ),
            t.status,
        ));
    }
    if let Some((at, of)) = st.pane_match {
        left.push(Span::styled(
            format!(" match {}/{of} ", at + 1),
            t.status_key,
        ));
    }
    if let Some(msg) = st.flash {
        left.push(Span::styled(plain(&format!(" {msg} "), ascii), t.warning));
    }
    let help_key = look
        .keys
        .keys_for(crate::tui::keymap::Action::Help)
        .first()
        .map(|k| k.display())
        .unwrap_or_else(|| "?".into());
    let right = Span::styled(format!(" {help_key} help "), t.status);
    // Shorter and shorter, until `? help` fits.
    if let Some((at, short, shortest)) = hidden_short {
        for text in [short, shortest] {
            let used: usize = left.iter().map(|s| s.content.width()).sum();
            if used + right.content.width() <= area.width as usize {
                break;
            }
            if let Some(span) = left.get_mut(at) {
                span.content = text.into();
            }
        }
    }
    if st.flash.is_none() {
        // The open screen's keys, as many as fit.
        let hints = &st.hints;
        let used: usize = left.iter().map(|s| s.content.width()).sum();
        let room = (area.width as usize).saturating_sub(used + right.content.width());
        let mut text = String::new();
        for h in hints {
            let next = if text.is_empty() {
                format!(" {h}")
            } else {
                format!("{text} · {h}")
            };
            if plain(&next, ascii).width() + 1 > room {
                break;
            }
            text = next;
        }
        if !text.is_empty() {
            left.push(Span::styled(plain(&format!("{text} "), ascii), t.dim));
        }
    }
    let used: usize = left.iter().map(|s| s.content.width()).sum();
    let pad = (area.width as usize).saturating_sub(used + right.content.width());
    left.push(Span::styled(" ".repeat(pad), t.status));
    left.push(right);
    f.render_widget(Paragraph::new(Line::from(left)), area);
}
