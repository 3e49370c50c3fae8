//! Overlays drawn over the frame: help and the filter panel (drawn by `filterpanel`).

use super::*;

pub(super) fn render_help(app: &App, f: &mut Frame, size: Rect, scroll: usize) {
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
    let block = pane_block(&app.look(), " Help: any other key closes ".into(), true);
    let p = Paragraph::new(lines)
        .block(block)
        .scroll((u16::try_from(scroll).unwrap_or(0), 0));
    f.render_widget(p, area);
}

pub(super) fn render_filter(
    app: &App,
    f: &mut Frame,
    size: Rect,
    edit: &crate::tui::app::FilterEdit,
) {
    crate::tui::filterpanel::render(
        &app.look(),
        &app.filter,
        edit,
        &FilterField::ALL,
        "j/k move · 1-9 type, 0 all · Enter edit · x clear · Esc close",
        f,
        size,
    );
}
