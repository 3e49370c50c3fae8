//! Overlays drawn over the frame: help and the filter panel (drawn by `filterpanel`).

use super::*;

/// What the timeline's glyphs and badges mean, in the form drawn (`--ascii`
/// spells them as the timeline does). Nothing else in the tool says it.
fn legend(ascii: bool, dot: &str) -> Vec<(String, String)> {
    let kinds = [
        (RecordKind::Code, "code run (a cell or the console)"),
        (RecordKind::Labbook, "project change: a save, a file edit"),
        (
            RecordKind::Environment,
            "environment: base, packages, snippets",
        ),
        (RecordKind::InputData, "input data files"),
        (RecordKind::OutputData, "output data files"),
        (RecordKind::Dataset, "dataset"),
        (RecordKind::Note, "note"),
        (RecordKind::Milestone, "milestone"),
        (RecordKind::Branch, "branch"),
    ];
    let mut out: Vec<(String, String)> = kinds
        .into_iter()
        .map(|(k, what)| (glyph(k, ascii).to_string(), what.to_string()))
        .collect();
    out.push((
        super::timeline::save_glyph(ascii).to_string(),
        "save: the file the client saved".to_string(),
    ));
    let (sep, out_g, img_g, hid_g) = if ascii {
        (":", "o", "img", "h")
    } else {
        ("▸", "⇥", "▣", "◌")
    };
    let (err, closed, open, member, times, retry) = if ascii {
        ("X", "+", "-", "|", "x13", "retry")
    } else {
        ("✗", "⊞", "⊟", "│", "×13", "↻")
    };
    out.extend([
        (
            sep.to_string(),
            "then the line changed since the cell's last run".to_string(),
        ),
        (err.to_string(), "an output shows an error".to_string()),
        (
            format!("{closed} {times} {retry}"),
            format!("13 runs of one cell folded; {retry}: a retry streak"),
        ),
        (
            format!("{open} {member}"),
            "a fold: Enter or zo opens it, zc closes it".to_string(),
        ),
        (
            format!("{out_g}2"),
            "badge: the record has 2 outputs (results)".to_string(),
        ),
        (
            format!("{img_g}1"),
            "badge: 1 picture among the outputs".to_string(),
        ),
        (
            format!("{hid_g}1"),
            format!("badge: 1 hidden detail ({dot} shows it)"),
        ),
        (
            "!".to_string(),
            "badge: an error, or something unreadable".to_string(),
        ),
        (
            continuation_marker(ascii).trim_end().to_string(),
            "record pane: a long line goes on (w cuts instead)".to_string(),
        ),
    ]);
    out
}

/// `text` in pieces of at most `avail` columns, broken at spaces (a word
/// longer than that is a piece of its own).
fn wrap_words(text: &str, avail: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in text.split(' ') {
        if !cur.is_empty() && cur.width() + 1 + word.width() > avail {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    out.push(cur);
    out
}

/// The help overlay's lines on a screen `width` columns wide: the keys by
/// group from the keymap, then the glyphs and badges; a description too
/// long for the screen goes on under itself rather than being cut off.
/// Their number is what the overlay scrolls over.
pub fn help_lines(app: &App, width: u16) -> Vec<Line<'static>> {
    let t = &app.config.theme;
    let rows = app.config.keys.help_rows(app.ascii);
    let dot = key_label(
        &app.config.keys,
        crate::tui::keymap::Action::ToggleHidden,
        ".",
    );
    let legend = legend(app.ascii, &dot);
    let key_w = rows
        .iter()
        .map(|(_, k, _)| k.width())
        .chain(legend.iter().map(|(g, _)| g.width()))
        .max()
        .unwrap_or(8)
        .min(24);
    let mut lines = Vec::new();
    let mut group = "";
    let indent = key_w + 4;
    // Inside the border; a screen too narrow for any sense is not wrapped.
    let avail = usize::from(width).saturating_sub(2 + indent).max(20);
    let row = |lines: &mut Vec<Line<'static>>, keys: &str, what: &str| {
        let what = plain(what, app.ascii);
        for (i, piece) in wrap_words(&what, avail).into_iter().enumerate() {
            let head = if i == 0 {
                format!("  {:<key_w$}  ", truncate_mark(keys, key_w, app.ascii))
            } else {
                " ".repeat(indent)
            };
            lines.push(Line::from(vec![
                Span::styled(head, t.status_key),
                Span::styled(piece, t.text),
            ]));
        }
    };
    for (g, keys, what) in &rows {
        if *g != group {
            if !group.is_empty() {
                lines.push(Line::raw(""));
            }
            lines.push(Line::styled(g.to_string(), t.title));
            group = g;
        }
        row(&mut lines, keys, what);
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("Timeline glyphs and badges", t.title));
    for (g, what) in &legend {
        row(&mut lines, g, what);
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "Mouse: wheel scrolls, click selects. Ctrl-Z suspends. Keys: gtm-tui config",
        t.dim,
    ));
    lines
}

/// How the help overlay says it closes, with the keys bound now.
fn help_title(app: &App) -> String {
    let k = |a, d: &str| {
        app.config
            .keys
            .keys_for(a)
            .first()
            .map(|k| {
                if app.ascii {
                    k.display_ascii()
                } else {
                    k.display()
                }
            })
            .unwrap_or_else(|| d.into())
    };
    plain(
        &format!(
            " Help · {} or {} closes ",
            k(crate::tui::keymap::Action::Back, "Esc"),
            k(crate::tui::keymap::Action::Help, "?")
        ),
        app.ascii,
    )
}

/// The help overlay's height on a screen `height` rows high, and the
/// lines of it that show.
pub fn help_rows_shown(lines: usize, height: u16) -> (u16, usize) {
    let h = u16::try_from(lines + 2).unwrap_or(u16::MAX).min(height);
    (h, usize::from(h.saturating_sub(2)))
}

pub(super) fn render_help(app: &App, f: &mut Frame, size: Rect, scroll: usize) {
    let t = &app.config.theme;
    let lines = help_lines(app, size.width);
    let n = lines.len();
    // Wide enough for the longest line where the screen allows.
    let widest = lines.iter().map(Line::width).max().unwrap_or(70);
    let w = u16::try_from(widest + 2).unwrap_or(u16::MAX).max(72);
    let (h, shown) = help_rows_shown(n, size.height);
    let area = centered(size, w, h);
    // Drawing never scrolls past the end, whatever the state says.
    let scroll = scroll.min(n.saturating_sub(shown));
    f.render_widget(Clear, area);
    let mut block = pane_block(&app.look(), help_title(app), true);
    if shown < n {
        // Where in the help one is, and how to see the rest: at 80×24 it
        // does not all fit.
        let key = |a, d: &str| key_label(&app.config.keys, a, d);
        use crate::tui::keymap::Action as A;
        let more = if scroll + shown < n {
            if app.ascii { " v more" } else { " ↓ more" }
        } else {
            " end"
        };
        let note = format!(
            "{more} · lines {}-{} of {n} · {}/{} {} {} scroll ",
            scroll + 1,
            scroll + shown,
            key(A::Down, "j"),
            key(A::Up, "k"),
            key(A::PageDown, "PgDn"),
            key(A::PageUp, "PgUp"),
        );
        let note = plain(&note, app.ascii);
        block = block.title_bottom(Line::styled(note, t.title).right_aligned());
    }
    let p = Paragraph::new(lines)
        .block(block)
        .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0));
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
