//! Drawing the cell history screen: the runs list above, the diff of the
//! selected pair below.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::diffpane::{adapt_lines, diff_styles, key_of};
use super::history::{CellRuns, CellScreen, Decoded, PairView, PicturePair};
use super::listpane::{ListBody, ListPane};
use super::theme::ColorDepth;
use super::views::{Look, plain};
use crate::columns::truncate_mark;
use crate::compare::Comparison;
use crate::diff::TextDiff;
use crate::render::cell::{describe_image, why_lines};
use crate::render::diff::{side_by_side, unified};
use crate::render::highlight::StyledLine;
use crate::render::image::{PixelDiff, Protocol, halfblocks};
use crate::timefmt;

/// Context lines kept around changes once a diff is this long; shorter
/// ones are shown whole, which reads better for a notebook cell.
/// Unchanged lines kept around each change of a folded diff, as `gtm-tui diff` keeps.
const CONTEXT: usize = 3;
/// Rows a picture may take in the diff pane.
const PICTURE_ROWS: u16 = 12;

pub fn render(look: &Look<'_>, screen: &CellScreen, f: &mut Frame, body: Rect) {
    let t = &look.theme;
    let count = screen.runs.as_ref().map_or(0, |r| r.runs.len());
    let a = ListPane::split(body, count);
    let title = match &screen.runs {
        Some(r) => {
            let id = r
                .lineage
                .cells
                .get(r.cell)
                .map_or(screen.notebook.as_str(), |c| c.id.as_str());
            format!(
                " Cell {id} · {count} run{}{} ",
                if count == 1 { "" } else { "s" },
                if screen.partial {
                    " so far (history loading)"
                } else {
                    ""
                }
            )
        }
        None => format!(" Cell in {} ", screen.notebook),
    };
    let line = |pos: usize, selected: bool| {
        let runs = screen.runs.as_ref()?;
        run_line(look, screen, runs, pos, selected)
    };
    let body = match (&screen.runs, &screen.error) {
        (_, Some(e)) => ListBody::Note(Span::styled(format!(" {e}"), t.error)),
        (None, None) => ListBody::Note(Span::styled(
            plain(" reading the notebook's runs…", look.ascii),
            t.dim,
        )),
        (Some(_), None) => ListBody::Items {
            len: count,
            line: &line,
        },
    };
    screen.list.render_list(look, f, a.list, &title, body);
    render_diff(look, screen, f, a.pane);
}

/// The line of the run at list position `pos` (newest first).
fn run_line(
    look: &Look<'_>,
    screen: &CellScreen,
    runs: &CellRuns,
    pos: usize,
    selected: bool,
) -> Option<Line<'static>> {
    let t = &look.theme;
    let n = runs.runs.len();
    let at = n.checked_sub(pos + 1)?;
    let stat = runs.runs.get(at)?;
    let e = runs.lineage.executions.get(stat.exec)?;
    let marked = screen.mark == Some(stat.exec);
    let mut spans = vec![
        Span::raw(if selected {
            if look.ascii { ">" } else { "▶" }
        } else {
            " "
        }),
        Span::styled(
            if marked {
                if look.ascii { "* " } else { "● " }
            } else {
                "  "
            },
            t.warning,
        ),
        Span::styled(format!("run {:>3}  ", at + 1), t.title),
        Span::styled(timefmt::local_minutes(e.time), t.dim),
        Span::raw(format!(
            "  {:<8}",
            e.ex.map_or("-".to_string(), |c| format!("In [{c}]"))
        )),
    ];
    spans.extend(change_spans(
        look,
        stat.lines,
        stat.output_changed,
        &e.source,
        10,
    ));
    Some(Line::from(spans))
}

/// The end of a version's line in a cell's history, both histories alike: lines added and
/// removed against the one before (`first`, `same`), whether the output changed, and the
/// telling line of the code. `code_width` is the first column's width.
pub fn change_spans(
    look: &Look<'_>,
    lines: Option<(usize, usize)>,
    output_changed: Option<bool>,
    source: &str,
    code_width: usize,
) -> Vec<Span<'static>> {
    let t = &look.theme;
    let (code, code_style) = match lines {
        None => ("first".to_string(), t.dim),
        Some((0, 0)) => ("same".to_string(), t.dim),
        Some((a, r)) => (format!("+{a} -{r}"), t.badge),
    };
    let (out, out_style) = match output_changed {
        None => ("", t.dim),
        Some(true) => ("output changed", t.warning),
        Some(false) => ("same output", t.dim),
    };
    vec![
        Span::styled(format!("{code:<code_width$}"), code_style),
        Span::styled(format!("{out:<16}"), out_style),
        Span::styled(crate::columns::gist(source).to_string(), t.code),
    ]
}

/// The diff pane's title: which runs are compared.
fn diff_title(screen: &CellScreen, runs: &CellRuns, view: &PairView) -> String {
    let run_no = |i: usize| {
        runs.runs
            .iter()
            .position(|r| r.exec == i)
            .map_or(0, |p| p + 1)
    };
    let (old, new) = (view.cmp.old, view.cmp.new);
    if old == new {
        return format!(" run {} · the cell's first run ", run_no(new));
    }
    let marked = |i: usize| {
        if screen.mark == Some(i) {
            " (marked)"
        } else {
            ""
        }
    };
    let code = if view.cmp.code.stats.identical {
        "same code".to_string()
    } else {
        format!(
            "code +{} -{}",
            view.cmp.code.stats.added, view.cmp.code.stats.removed
        )
    };
    format!(
        " run {}{} → run {}{} · {code} · {} ",
        run_no(old),
        marked(old),
        run_no(new),
        marked(new),
        if view.cmp.output_changed {
            "output changed"
        } else {
            "same output"
        }
    )
}

fn render_diff(look: &Look<'_>, screen: &CellScreen, f: &mut Frame, area: Rect) {
    let current = screen
        .shown
        .as_ref()
        .filter(|v| screen.wanted == Some((v.cmp.old, v.cmp.new)));
    let (Some(view), Some(runs)) = (current, &screen.runs) else {
        let waiting = if screen.runs.is_some() {
            " comparing…"
        } else {
            ""
        };
        screen
            .list
            .render_pane(look, f, area, " Diff ", waiting, None);
        return;
    };
    let title = diff_title(screen, runs, view);
    let modes = (screen.list.pane.whole, screen.list.pane.pixels);
    let build = |width: u16, unified: bool| build_lines(look, runs, view, width, unified, modes);
    screen
        .list
        .render_pane(look, f, area, &title, "", Some((key_of(view, 0), &build)));
}

fn build_lines(
    look: &Look<'_>,
    runs: &CellRuns,
    view: &PairView,
    width: u16,
    unified_mode: bool,
    (whole, pixels): (bool, bool),
) -> Vec<Line<'static>> {
    let cmp = &view.cmp;
    let first = cmp.old == cmp.new;
    let when = |i: usize| {
        runs.lineage.executions.get(i).map_or(String::new(), |e| {
            format!(
                "{}  {}  {}",
                timefmt::local_minutes(e.time),
                e.ex.map_or("-".to_string(), |c| format!("In [{c}]")),
                crate::repo::short_id(e.commit)
            )
        })
    };
    let head = PairHead {
        when: if first {
            format!("{}  · nothing earlier to compare with", when(cmp.new))
        } else {
            format!("{}  →  {}", when(cmp.old), when(cmp.new))
        },
        first,
        first_lines: runs
            .lineage
            .executions
            .get(cmp.new)
            .map_or(0, |e| e.source.lines().count()),
        why: cmp
            .between
            .as_ref()
            .map(|b| why_lines(&runs.lineage, b))
            .unwrap_or_default(),
    };
    comparison_lines(
        look,
        cmp,
        (&view.old_hl, &view.new_hl),
        &view.pictures,
        &head,
        width,
        (unified_mode, whole, pixels),
    )
}

/// What the comparison's lines say besides the comparison itself: both history sources (the
/// activity log's runs, a notebook's committed versions) fill it in their own words.
pub struct PairHead {
    /// The first line: when each side is from.
    pub when: String,
    /// Only one side: the first run or version, nothing earlier.
    pub first: bool,
    /// Lines of code of that one side.
    pub first_lines: usize,
    /// "Why did the output change?" as lines, the first a `── ` heading; empty for none.
    pub why: Vec<String>,
}

/// A comparison of two runs (or versions) of a cell drawn for `width`: code and text output
/// diffed unified or side by side, the pictures side by side with their verdicts (or, with
/// `pixels`, the new one with the pixels that differ marked), and why the output changed. The one drawing of it, for the activity log's cell screen and the
/// notebook timeline's alike.
pub fn comparison_lines(
    look: &Look<'_>,
    cmp: &Comparison,
    hl: (&[StyledLine], &[StyledLine]),
    pictures_of: &[PicturePair],
    head: &PairHead,
    width: u16,
    (unified_mode, whole, pixels): (bool, bool, bool),
) -> Vec<Line<'static>> {
    let t = &look.theme;
    let styles = diff_styles(look);
    let (old_hl, new_hl) = (adapt_lines(hl.0, look.depth), adapt_lines(hl.1, look.depth));
    let first = head.first;
    // Folded as the CLI folds, unless `z` asked for whole texts; a first run has nothing
    // to compare with and the same code twice has no change to fold around, so those are
    // shown whole.
    let context = |d: &TextDiff| (!whole && !first && !d.stats.identical).then_some(CONTEXT);
    let draw = |d: &TextDiff, hl: Option<(&[StyledLine], &[StyledLine])>, ctx: Option<usize>| {
        let (o, n) = hl.map_or((None, None), |(o, n)| (Some(o), Some(n)));
        if unified_mode || d.stats.identical {
            unified(d, o, n, width, ctx, &styles, look.ascii)
        } else {
            side_by_side(d, o, n, width, ctx, &styles, look.ascii)
        }
    };
    let heading = |text: String| Line::from(Span::styled(plain(&text, look.ascii), t.title));
    let mut out = Vec::new();
    out.push(Line::from(Span::styled(
        truncate_mark(
            &plain(&head.when, look.ascii),
            usize::from(width),
            look.ascii,
        ),
        t.dim,
    )));
    out.push(Line::raw(""));
    out.push(heading(if first {
        let n = head.first_lines;
        format!("Code · {n} line{}", if n == 1 { "" } else { "s" })
    } else if cmp.code.stats.identical {
        "Code · same".to_string()
    } else {
        format!(
            "Code · +{} -{}",
            cmp.code.stats.added, cmp.code.stats.removed
        )
    }));
    out.extend(draw(
        &cmp.code,
        Some((&old_hl, &new_hl)),
        context(&cmp.code),
    ));
    out.push(Line::raw(""));
    let text_empty = cmp.old_output.text.is_empty() && cmp.new_output.text.is_empty();
    out.push(heading(if text_empty {
        "Output · no text".to_string()
    } else if first {
        "Output".to_string()
    } else if cmp.output.stats.identical {
        "Output · same text".to_string()
    } else {
        format!(
            "Output · +{} -{} lines",
            cmp.output.stats.added, cmp.output.stats.removed
        )
    }));
    // A first version was compared with itself: its errors once.
    let old_errors: &[String] = if first { &[] } else { &cmp.old_output.errors };
    for err in old_errors.iter().chain(&cmp.new_output.errors) {
        out.push(Line::from(Span::styled(format!("error: {err}"), t.error)));
    }
    if !text_empty {
        // The same long output twice says nothing: fold it (first run: show it).
        let ctx = if cmp.output.stats.identical && !first && !whole {
            Some(CONTEXT)
        } else {
            context(&cmp.output)
        };
        out.extend(draw(&cmp.output, None, ctx));
    }
    for (k, pair) in cmp.images.iter().enumerate() {
        out.push(Line::raw(""));
        let verdict = if first {
            String::new()
        } else if pair.identical() {
            " · identical".into()
        } else {
            " · changed".into()
        };
        let sizes = if first {
            describe_image(pair.new.as_ref())
        } else {
            format!(
                "{} → {}",
                describe_image(pair.old.as_ref()),
                describe_image(pair.new.as_ref())
            )
        };
        out.push(heading(
            format!("Image {}{verdict} · {sizes}", k + 1)
                .replace('×', if look.ascii { "x" } else { "×" }),
        ));
        if let Some(pics) = pictures_of.get(k) {
            match (&pics.pixels, pixels && !first) {
                (Some(diff), true) => out.extend(pixel_lines(look, diff, width)),
                _ => out.extend(pictures(look, pics, width, first)),
            }
        }
    }
    if !head.why.is_empty() {
        out.push(Line::raw(""));
        for (k, l) in head.why.iter().enumerate() {
            let l = l.trim_start_matches("── ").to_string();
            out.push(if k == 0 {
                heading(capitalize(&l))
            } else {
                Line::from(Span::styled(plain(&l, look.ascii), t.text))
            });
        }
    }
    out
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The pixel view of a pair: how many pixels differ and where, over the new picture with them
/// marked; an error in place of both when a picture could not be read for it.
fn pixel_lines(
    look: &Look<'_>,
    diff: &Result<PixelDiff, String>,
    width: u16,
) -> Vec<Line<'static>> {
    let t = &look.theme;
    let fit = |s: String| truncate_mark(&plain(&s, look.ascii), usize::from(width), look.ascii);
    let d = match diff {
        Err(e) => {
            return vec![Line::from(Span::styled(
                fit(format!("cannot compare the pixels: {e}")),
                t.error,
            ))];
        }
        Ok(d) => d,
    };
    let summary = d.summary().replace('×', if look.ascii { "x" } else { "×" });
    let mut out = vec![Line::from(Span::styled(fit(summary), t.warning))];
    if look.protocol != Protocol::Off {
        let p = &d.mask;
        let cols = width.min(u16::try_from(p.width.max(1)).unwrap_or(u16::MAX));
        let rows = PICTURE_ROWS.min(u16::try_from(p.height.div_ceil(2).max(1)).unwrap_or(u16::MAX));
        // Fitted keeping every change: half-blocks would average a few red pixels away.
        let fitted = d.mask_for_cells(cols, rows);
        out.extend(halfblocks(
            &fitted,
            cols,
            rows,
            look.depth != ColorDepth::TrueColor,
        ));
    }
    out
}

/// Two pictures side by side in half-blocks (one, for a first run).
fn pictures(look: &Look<'_>, pics: &PicturePair, width: u16, first: bool) -> Vec<Line<'static>> {
    let t = &look.theme;
    if look.protocol == Protocol::Off {
        return Vec::new();
    }
    let half = if first {
        width
    } else {
        width.saturating_sub(3) / 2
    };
    let render = |p: &Decoded| -> Vec<Line<'static>> {
        match p {
            None => vec![Line::from(Span::styled("(none)", t.dim))],
            Some(Err(e)) => vec![Line::from(Span::styled(
                truncate_mark(&format!("cannot draw: {e}"), usize::from(half), look.ascii),
                t.error,
            ))],
            Some(Ok(p)) => {
                // Small pictures keep their size: blowing up a thumbnail shows nothing new.
                let cols = half.min(u16::try_from(p.width.max(1)).unwrap_or(u16::MAX));
                let rows = PICTURE_ROWS
                    .min(u16::try_from(p.height.div_ceil(2).max(1)).unwrap_or(u16::MAX));
                halfblocks(p, cols, rows, look.depth != ColorDepth::TrueColor)
            }
        }
    };
    let right = render(&pics.new);
    if first {
        return right;
    }
    let left = render(&pics.old);
    let rows = left.len().max(right.len());
    (0..rows)
        .map(|i| {
            let mut spans: Vec<Span<'static>> = Vec::new();
            let l = left.get(i).cloned().unwrap_or_default();
            let used = l.width();
            spans.extend(l.spans);
            spans.push(Span::raw(
                " ".repeat(usize::from(half).saturating_sub(used)),
            ));
            spans.push(Span::styled(
                if look.ascii { " | " } else { " │ " },
                Style::new(),
            ));
            if let Some(r) = right.get(i) {
                spans.extend(r.spans.clone());
            }
            Line::from(spans)
        })
        .collect()
}
