//! The timeline: a line per record under a separator per day, with badges.

use super::*;

/// The timeline's lines from `app.top` for `height` lines (see
/// [`App::lines_from`]).
pub fn timeline_lines(app: &App, height: usize) -> Vec<TimelineLine> {
    app.lines_from(app.top, height)
}

/// What the timeline is drawn from: the loaded records, which of them
/// pass the filter, where the selection and the screen are, the details
/// decoded so far (for badges and code lines).
pub struct TimelineState<'a> {
    pub rows: &'a Rows,
    /// Positions in `rows` that pass the filter, newest first.
    pub view: &'a [usize],
    pub days: Days<'a>,
    /// Position in `view`.
    pub selected: usize,
    /// First position of `view` drawn.
    pub top: usize,
    pub focused: bool,
    pub loading: bool,
    pub load_error: Option<&'a str>,
    pub details: &'a SizedLru<git2::Oid, Details>,
    /// The search query, marked in messages.
    pub query: &'a str,
    /// The filter in words (empty: none), and whether it narrows the view.
    pub filter: String,
    pub filtered: bool,
    /// Records kept out only because they are hidden.
    pub hidden: usize,
}

/// What an empty timeline says, a line a point: which filter or hiding
/// emptied it, and the key that brings records back.
fn empty_note(look: &Look<'_>, st: &TimelineState<'_>) -> Vec<String> {
    use crate::render::numbers::thousands;
    use crate::tui::keymap::Action;
    let clear = key_label(look.keys, Action::ClearFilter, "F");
    let dot = key_label(look.keys, Action::ToggleHidden, ".");
    let n = thousands(st.hidden);
    let mut note = Vec::new();
    if st.filtered {
        let filter = sanitize::line(&st.filter).into_owned();
        note.push(format!(
            "no shown record matches the filter {filter} · {clear} clears it"
        ));
        match st.hidden {
            0 => {}
            1 => note.push(format!("1 hidden record matches it · {dot} shows it")),
            _ => note.push(format!("{n} hidden records match it · {dot} shows them")),
        }
    } else {
        match st.hidden {
            0 => note.push("no records to show".to_string()),
            1 => note.push(format!("its one record is hidden · {dot} shows it")),
            _ => note.push(format!("all {n} records are hidden · {dot} shows them")),
        }
    }
    note.into_iter().map(|l| plain(&l, look.ascii)).collect()
}

/// A code record's timeline text once its details are read: where it ran
/// and the telling line of its code, which says more than the client's
/// "Executed cell in notebook …" that every such record shares.
pub(super) fn code_line(message: &str, (gist, cells): &(String, usize), ascii: bool) -> String {
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

/// Counts shown as badges: results, images (once decoded), hidden details, errors.
pub(super) fn badges(
    look: &Look<'_>,
    details: &SizedLru<git2::Oid, Details>,
    row: &RecordRow,
) -> Vec<Span<'static>> {
    let t = look.theme;
    let r = &row.record;
    let results = r
        .details
        .iter()
        .filter(|d| d.kind == DetailKind::Result)
        .count();
    // Once decoded, a run of stream chunks counts as the one output the pane shows.
    let merged = match details.peek(&row.commit) {
        Some(Details::Ready(prep)) => prep
            .streams
            .iter()
            .filter(|s| matches!(s, Stream::Member))
            .count(),
        _ => 0,
    };
    let results = results.saturating_sub(merged);
    let hidden = r
        .details
        .iter()
        .filter(|d| !d.show && d.kind != DetailKind::CodeExecuted)
        .count();
    let mut out = Vec::new();
    let (out_g, img_g, hid_g) = if look.ascii {
        ("o", "img", "h")
    } else {
        ("⇥", "▣", "◌")
    };
    if results > 0 {
        out.push(Span::styled(format!(" {out_g}{results}"), t.badge));
    }
    let mut errors = !r.errors.is_empty() || r.details.iter().any(|d| d.error.is_some());
    if let Some(Details::Ready(prep)) = details.peek(&row.commit) {
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

pub(super) fn render_timeline(look: &Look<'_>, st: &TimelineState<'_>, f: &mut Frame, area: Rect) {
    let t = look.theme;
    let ascii = look.ascii;
    let title = if st.view.is_empty() {
        " Timeline ".to_string()
    } else {
        format!(" Timeline {}/{} ", st.selected + 1, st.view.len())
    };
    let block = pane_block(look, title, st.focused);
    let inner = block.inner(area);
    f.render_widget(block, area);
    if st.view.is_empty() {
        let msg: Vec<Line> = if let Some(e) = st.load_error {
            vec![Line::styled(e.to_string(), t.error)]
        } else if st.loading {
            vec![Line::styled(plain("reading history…", ascii), t.dim)]
        } else {
            empty_note(look, st)
                .into_iter()
                .map(|l| Line::styled(l, t.dim))
                .collect()
        };
        f.render_widget(
            Paragraph::new(msg).wrap(ratatui::widgets::Wrap { trim: true }),
            inner,
        );
        return;
    }
    let width = inner.width as usize;
    let mut lines = Vec::new();
    for l in lines_from(st.view, st.days, st.top, inner.height as usize) {
        match l {
            TimelineLine::Day(pos) => {
                let row = st.view.get(pos).and_then(|&i| st.rows.get(i));
                let label = row
                    .map(|r| timefmt::local_weekday(r.time()))
                    .unwrap_or_default();
                let rule = if ascii { "-" } else { "─" };
                let head = format!("{rule}{rule} {label} ");
                let fill = width.saturating_sub(head.width());
                lines.push(Line::styled(
                    format!("{head}{}", rule.repeat(fill)),
                    t.day_separator,
                ));
            }
            TimelineLine::Record(pos) => {
                // Unpacked for drawing: a screenful of records at most.
                let Some(row) = st.view.get(pos).and_then(|&i| st.rows.get(i)) else {
                    continue;
                };
                let row = &row.to_row();
                let selected = pos == st.selected;
                let r = &row.record;
                let mut spans = vec![
                    Span::styled(format!("{} ", timefmt::local_hm(row.time)), t.dim),
                    Span::styled(
                        format!("{:<8} ", short_author(&sanitize::line(&row.author), ascii)),
                        Style::default().fg(t.author_color(&row.author)),
                    ),
                    Span::styled(
                        format!("{} ", glyph(r.meta.kind, ascii)),
                        t.record_type(r.meta.kind),
                    ),
                ];
                let badges = badges(look, st.details, row);
                let used: usize = spans.iter().map(|s| s.content.width()).sum::<usize>()
                    + badges.iter().map(|s| s.content.width()).sum::<usize>();
                let prep = match st.details.peek(&row.commit) {
                    Some(Details::Ready(prep)) => Some(prep),
                    _ => None,
                };
                // Shown as the command line shows it: a control character is
                // a marker, not dropped without a trace.
                let said = prep.and_then(|p| p.code_gist.as_ref()).map_or_else(
                    || sanitize::line(&r.message).into_owned(),
                    |g| code_line(&sanitize::line(&r.message), g, ascii),
                );
                let msg = truncate_mark(&said, width.saturating_sub(used), ascii);
                let hit_style = t.search_match;
                let base = if r.meta.show { t.text } else { t.hidden };
                spans.extend(highlight(&msg, st.query, base, hit_style));
                let mut msg_w = msg.width();
                // Environment records name what they changed once decoded.
                if let Some(sum) = prep.and_then(|p| p.env_summary.as_ref()) {
                    let room = width.saturating_sub(used + msg_w + 3);
                    if room > 8 {
                        let sum = truncate_mark(&plain(sum, ascii), room, ascii);
                        let sep = if ascii { " - " } else { " · " };
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
                    let sel = if st.focused {
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
