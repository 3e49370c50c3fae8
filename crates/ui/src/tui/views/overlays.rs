//! Overlays drawn over the frame: help and the filter panel.

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
    let t = &app.config.theme;
    let mut lines = Vec::new();
    for field in FilterField::ALL {
        let name = field.label();
        let value = match field {
            FilterField::Types => {
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
            FilterField::CodeOnly => on_off(app.filter.code_only),
            FilterField::ShowHidden => on_off(app.filter.show_hidden),
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
        let style = if edit.field == field {
            t.selected
        } else {
            t.text
        };
        lines.push(Line::from(vec![
            Span::styled(format!(" {name:<22}"), style),
            Span::styled(format!(" {value}"), style),
        ]));
        if field == FilterField::Types {
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
        .block(pane_block(&app.look(), " Filter ".into(), true));
    f.render_widget(p, area);
}

pub(super) fn on_off(b: bool) -> String {
    if b { "on".into() } else { "off".into() }
}
