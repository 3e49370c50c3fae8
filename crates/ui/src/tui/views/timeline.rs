//! The timeline: a line per record under a separator per day, with badges.

use super::*;
use crate::insights::annotate::{Annotation, Change, RunNote};
use crate::tui::app::{FoldMark, fold_mark};
use crate::tui::folds::{Fold, Folds};

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
    /// Of those, the saves.
    pub hidden_saves: usize,
    /// Records shown (folded ones too), and the selected one's place among them.
    pub shown: usize,
    pub at: usize,
    /// What the worker found each code run and save to be, by commit.
    pub notes: &'a std::collections::HashMap<git2::Oid, Annotation>,
    pub folds: &'a Folds,
    /// The folds opened, by their oldest record.
    pub open: &'a std::collections::HashSet<git2::Oid>,
}

/// The glyph of a save: its own, not the code or file records' glyph.
pub(super) fn save_glyph(ascii: bool) -> &'static str {
    if ascii { "S" } else { "⤓" }
}

/// The notebook's file name, as the timeline shows it.
fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// An annotated code run: its notebook, cell and execution count, `✗`
/// when an output shows an error, and the line that changed since the
/// cell's previous run.
pub(super) fn run_line(note: &RunNote, ascii: bool) -> String {
    let mut head = format!(
        "{} {}",
        sanitize::line(file_name(&note.notebook)),
        sanitize::line(&note.cell)
    );
    if let Some(ex) = note.ex {
        head.push_str(&format!(" In [{ex}]"));
    }
    if note.cells > 1 {
        let more = note.cells - 1;
        head.push_str(&format!(
            " (+{more} {})",
            if more == 1 { "cell" } else { "cells" }
        ));
    }
    if note.error {
        head.push_str(if ascii { " X" } else { " ✗" });
    }
    head + &told_line(note, ascii)
}

/// ` ▸ <line>`: the changed line, a removed one marked as such.
fn told_line(note: &RunNote, ascii: bool) -> String {
    let sep = if ascii { ": " } else { " ▸ " };
    let line = sanitize::line(&note.line.replace('\t', " ")).into_owned();
    match note.change {
        Change::Removed => format!("{sep}removed {line}"),
        // The same code run again: the line is not a change.
        Change::Same => format!("{sep}again: {line}"),
        _ => format!("{sep}{line}"),
    }
}

/// A closed fold: the cell, how many runs, a retry streak's marker, the
/// saves folded with them, the time it spans and the newest run's line.
pub(super) fn fold_line(
    note: &RunNote,
    fold: &Fold,
    (first, last): (i64, i64),
    error: bool,
    ascii: bool,
) -> String {
    let mut head = format!(
        "{} {}",
        sanitize::line(file_name(&note.notebook)),
        sanitize::line(&note.cell)
    );
    if fold.runs > 1 {
        head.push_str(&format!(" {}{}", if ascii { "x" } else { "×" }, fold.runs));
    } else if let Some(ex) = note.ex {
        head.push_str(&format!(" In [{ex}]"));
    }
    if fold.streak {
        head.push_str(if ascii { " retry" } else { " ↻" });
    }
    match fold.saves {
        0 => {}
        1 => head.push_str(" +1 save"),
        n => head.push_str(&format!(" +{n} saves")),
    }
    let (a, b) = (timefmt::local_hm(first), timefmt::local_hm(last));
    if a == b {
        head.push_str(&format!(" {a}"));
    } else {
        head.push_str(&format!(" {a}{}{b}", if ascii { "-" } else { "–" }));
    }
    if error {
        head.push_str(if ascii { " X" } else { " ✗" });
    }
    head + &told_line(note, ascii)
}

/// A save: the file it saved (and how many more).
pub(super) fn save_line(files: &[String]) -> String {
    let Some(first) = files.first() else {
        return "saved".into();
    };
    let more = match files.len() {
        1 => String::new(),
        n => format!(" +{} more", n - 1),
    };
    format!("saved {}{more}", sanitize::line(first))
}

/// The mark before a line of a fold (two columns; nothing elsewhere).
fn fold_prefix(mark: FoldMark, ascii: bool) -> &'static str {
    match (mark, ascii) {
        (FoldMark::None, _) => "",
        (FoldMark::Closed, false) => "⊞ ",
        (FoldMark::OpenFirst, false) => "⊟ ",
        (FoldMark::OpenMember, false) => "│ ",
        (FoldMark::Closed, true) => "+ ",
        (FoldMark::OpenFirst, true) => "- ",
        (FoldMark::OpenMember, true) => "| ",
    }
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
        // The kind named when every hidden record is a save.
        let saves = st.hidden_saves == st.hidden;
        match (st.hidden, saves) {
            (0, _) => {}
            (1, true) => note.push(format!("1 hidden save matches it · {dot} shows it")),
            (1, false) => note.push(format!("1 hidden record matches it · {dot} shows it")),
            (_, true) => note.push(format!("{n} hidden saves match it · {dot} shows them")),
            (_, false) => note.push(format!("{n} hidden records match it · {dot} shows them")),
        }
    } else {
        let saves = st.hidden_saves == st.hidden;
        match (st.hidden, saves) {
            (0, _) => note.push("no records to show".to_string()),
            (1, true) => note.push(format!("its one record is a hidden save · {dot} shows it")),
            (1, false) => note.push(format!("its one record is hidden · {dot} shows it")),
            (_, true) => note.push(format!(
                "all {n} records are hidden saves · {dot} shows them"
            )),
            (_, false) => note.push(format!("all {n} records are hidden · {dot} shows them")),
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
    // Records, as the status bar counts them: a closed fold is one line
    // but all its records.
    let title = if st.view.is_empty() {
        " Timeline ".to_string()
    } else {
        format!(" Timeline {}/{} ", st.at + 1, st.shown)
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
                let Some(&at) = st.view.get(pos) else {
                    continue;
                };
                let Some(row) = st.rows.get(at) else {
                    continue;
                };
                let row = &row.to_row();
                let selected = pos == st.selected;
                let r = &row.record;
                let note = st.notes.get(&row.commit);
                let mark = fold_mark(st.folds, st.open, at);
                let kind_glyph = match note {
                    Some(Annotation::Save(_)) => save_glyph(ascii),
                    _ => glyph(r.meta.kind, ascii),
                };
                let mut spans = vec![
                    Span::styled(format!("{} ", timefmt::local_hm(row.time)), t.dim),
                    Span::styled(
                        format!("{:<8} ", short_author(&sanitize::line(&row.author), ascii)),
                        Style::default().fg(t.author_color(&row.author)),
                    ),
                    Span::styled(format!("{kind_glyph} "), t.record_type(r.meta.kind)),
                ];
                let prefix = fold_prefix(mark, ascii);
                if !prefix.is_empty() {
                    spans.push(Span::styled(prefix, t.dim));
                }
                let badges = badges(look, st.details, row);
                let used: usize = spans.iter().map(|s| s.content.width()).sum::<usize>()
                    + badges.iter().map(|s| s.content.width()).sum::<usize>();
                let prep = match st.details.peek(&row.commit) {
                    Some(Details::Ready(prep)) => Some(prep),
                    _ => None,
                };
                // Shown as the command line shows it: a control character is
                // a marker, not dropped without a trace.
                let said = match (note, mark) {
                    (Some(Annotation::Run(n)), FoldMark::Closed) => {
                        let fold = st.folds.of(at);
                        let time = |i: Option<&usize>| {
                            i.and_then(|&i| st.rows.get(i))
                                .map_or(row.time, |r| r.time())
                        };
                        let span = fold.map_or((row.time, row.time), |f| {
                            (time(f.rows.last()), time(f.rows.first()))
                        });
                        let error = fold.is_some_and(|f| {
                            f.rows.iter().any(|i| {
                                st.rows.get(*i).is_some_and(|r| {
                                    matches!(
                                        st.notes.get(&r.commit()),
                                        Some(Annotation::Run(n)) if n.error
                                    )
                                })
                            })
                        });
                        match fold {
                            Some(f) => fold_line(n, f, span, error, ascii),
                            None => run_line(n, ascii),
                        }
                    }
                    (Some(Annotation::Run(n)), _) => run_line(n, ascii),
                    (Some(Annotation::Save(files)), _) => save_line(files),
                    _ => prep.and_then(|p| p.code_gist.as_ref()).map_or_else(
                        || sanitize::line(&r.message).into_owned(),
                        |g| code_line(&sanitize::line(&r.message), g, ascii),
                    ),
                };
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
    use super::*;

    fn note(change: Change, error: bool) -> RunNote {
        RunNote {
            cell: "#11".into(),
            cell_index: 3,
            notebook: "code/Untitled.ipynb".into(),
            ex: Some(14),
            line: "fit(x,\tk=3)".into(),
            change,
            error,
            streak: true,
            cells: 1,
        }
    }

    #[test]
    fn a_run_names_its_cell_count_error_and_changed_line() {
        assert_eq!(
            run_line(&note(Change::Edited, false), false),
            "Untitled.ipynb #11 In [14] ▸ fit(x, k=3)"
        );
        assert_eq!(
            run_line(&note(Change::Same, true), true),
            "Untitled.ipynb #11 In [14] X: again: fit(x, k=3)"
        );
        assert_eq!(
            run_line(&note(Change::Removed, true), false),
            "Untitled.ipynb #11 In [14] ✗ ▸ removed fit(x, k=3)"
        );
        let two = |cells| RunNote {
            cells,
            ..note(Change::Edited, false)
        };
        assert!(run_line(&two(2), false).contains("In [14] (+1 cell) ▸"));
        assert!(run_line(&two(3), false).contains("In [14] (+2 cells) ▸"));
    }

    #[test]
    fn a_fold_says_how_many_runs_and_a_save_what_it_saved() {
        let fold = Fold {
            rows: vec![4, 5, 6],
            head: 5,
            runs: 2,
            saves: 1,
            streak: true,
            key: git2::Oid::ZERO_SHA1,
        };
        let line = fold_line(&note(Change::Edited, false), &fold, (0, 0), true, true);
        assert!(
            line.starts_with("Untitled.ipynb #11 x2 retry +1 save "),
            "{line}"
        );
        assert!(line.ends_with(" X: fit(x, k=3)"), "{line}");
        assert_eq!(
            save_line(&["code/33_warps.ipynb".into()]),
            "saved code/33_warps.ipynb"
        );
        assert_eq!(
            save_line(&["a.py".into(), "b\x1b.py".into()]),
            "saved a.py +1 more"
        );
    }

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
