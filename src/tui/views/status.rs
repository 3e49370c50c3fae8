//! The status bar: where the view is, what is hidden, the keys of the screen in view.

use super::*;

pub(super) fn render_status(app: &App, f: &mut Frame, area: Rect) {
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
    // Also while a project is opened anew, which can take a while.
    if app.loading || app.opening.is_some() {
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
        .keys_for(crate::tui::keymap::Action::Help)
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
pub(super) fn screen_hints(app: &App) -> Vec<String> {
    let key = |a, d: &str| key_label(app, a, d);
    app.screens.last().map_or_else(Vec::new, |s| s.hints(&key))
}
