//! Drawing the file-change screen: the changed files above, the selected
//! file's diff below.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::changes::{ChangesScreen, FileView};
use super::diffpane::{adapt_lines, diff_styles, key_of};
use super::listpane::{ListBody, ListPane};
use super::views::{Look, plain};
use crate::columns::truncate_mark;
use crate::diff::TextDiff;
use crate::files::notebook::CellStatus;
use crate::files::{ChangeStatus, FileDiff};
use crate::render::diff::{side_by_side, unified};
use crate::render::files::{cell_counts, cell_heading, line_counts, listed_path, sizes};
use crate::render::highlight::StyledLine;
use crate::render::numbers::human_bytes as human;

pub fn render(look: &Look<'_>, screen: &ChangesScreen, f: &mut Frame, body: Rect) {
    let t = &look.theme;
    let a = ListPane::split(body, screen.file_count().max(1));
    let title = match &screen.changes {
        Some(Ok(c)) => format!(
            " {} · {} file{} · {} {} ",
            truncate_mark(&screen.message, 50, look.ascii),
            c.files.len(),
            if c.files.len() == 1 { "" } else { "s" },
            c.source.name(),
            crate::repo::short_id(c.commit)
        ),
        _ => format!(" {} ", truncate_mark(&screen.message, 60, look.ascii)),
    };
    let line = |i: usize, selected: bool| {
        let Some(Ok(c)) = &screen.changes else {
            return None;
        };
        let file = c.files.get(i)?;
        let style = match file.status {
            ChangeStatus::Added => t.badge,
            ChangeStatus::Deleted => t.error,
            _ => t.text,
        };
        Some(Line::from(vec![
            Span::raw(if selected {
                if look.ascii { "> " } else { "▶ " }
            } else {
                "  "
            }),
            Span::styled(format!("{} ", file.status.letter()), style),
            Span::styled(plain(&listed_path(file), look.ascii), t.text),
            Span::styled(
                format!(
                    "  {}{}",
                    sizes(file.old_size, file.new_size),
                    if file.binary { " · binary" } else { "" }
                ),
                t.dim,
            ),
        ]))
    };
    let list = match &screen.changes {
        None => ListBody::Note(Span::styled(
            plain(" reading the change…", look.ascii),
            t.dim,
        )),
        Some(Err(e)) => ListBody::Note(Span::styled(format!(" {e}"), t.error)),
        Some(Ok(c)) if c.files.is_empty() => ListBody::Note(Span::styled(
            " no files changed (only the activity log)",
            t.dim,
        )),
        Some(Ok(c)) => ListBody::Items {
            len: c.files.len(),
            line: &line,
        },
    };
    screen.list.render_list(look, f, a.list, &title, list);
    let current = screen
        .shown
        .as_ref()
        .filter(|v| screen.wanted == Some(v.index));
    let file = match &screen.changes {
        Some(Ok(c)) => c.files.get(screen.list.selected),
        _ => None,
    };
    let (Some(view), Some(file)) = (current, file) else {
        let waiting = if screen.file_count() > 0 {
            " comparing…"
        } else {
            ""
        };
        screen
            .list
            .render_pane(look, f, a.pane, " Diff ", waiting, None);
        return;
    };
    let title = format!(" {} ", listed_path(file));
    let whole = screen.list.pane.whole;
    let build = |width: u16, unified: bool| file_lines(look, view, width, unified, whole);
    screen
        .list
        .render_pane(look, f, a.pane, &title, "", Some((key_of(view, 1), &build)));
}

fn file_lines(
    look: &Look<'_>,
    view: &FileView,
    width: u16,
    unified_mode: bool,
    whole: bool,
) -> Vec<Line<'static>> {
    let t = &look.theme;
    let styles = diff_styles(look);
    let draw = |d: &TextDiff, o: &[StyledLine], n: &[StyledLine]| {
        let (o, n) = (adapt_lines(o, look.depth), adapt_lines(n, look.depth));
        // One side only (added or deleted): one column says it all.
        let one_sided =
            d.rows.iter().all(|r| r.left.is_none()) || d.rows.iter().all(|r| r.right.is_none());
        // Folded to the changes as the CLI folds them, unless `z` asked for whole files; an
        // added or deleted file has no unchanged stretch to fold.
        let ctx = (!whole && !one_sided).then_some(3);
        if unified_mode || one_sided {
            unified(d, Some(&o), Some(&n), width, ctx, &styles, look.ascii)
        } else {
            side_by_side(d, Some(&o), Some(&n), width, ctx, &styles, look.ascii)
        }
    };
    let heading = |s: String| Line::from(Span::styled(plain(&s, look.ascii), t.title));
    let note = |s: String| Line::from(Span::styled(plain(&s, look.ascii), t.dim));
    let mut out = Vec::new();
    match &view.diff {
        FileDiff::Text(d) => {
            out.push(heading(line_counts(d)));
            if !d.stats.identical {
                out.extend(draw(d, &view.old_hl, &view.new_hl));
            }
        }
        FileDiff::NotebookAsText { diff, reason } => {
            out.push(Line::from(Span::styled(
                format!("not a notebook this can read ({reason}); compared as text"),
                t.warning,
            )));
            out.push(heading(line_counts(diff)));
            if !diff.stats.identical {
                out.extend(draw(diff, &[], &[]));
            }
        }
        FileDiff::Binary {
            old_size,
            new_size,
            kind,
        } => out.push(heading(format!("{kind}, {}", sizes(*old_size, *new_size)))),
        FileDiff::TooLarge {
            old_size,
            new_size,
            limit,
        } => out.push(heading(format!(
            "too large to compare here ({}; the limit is {} a side)",
            sizes(*old_size, *new_size),
            human(*limit)
        ))),
        FileDiff::Unreadable { reason } => out.push(Line::from(Span::styled(
            format!("cannot read it: {reason}"),
            t.error,
        ))),
        FileDiff::Notebook(cells) => {
            out.push(heading(format!("notebook: {}", cell_counts(cells))));
            let unchanged = cells
                .iter()
                .filter(|c| c.status == CellStatus::Unchanged)
                .count();
            for (k, c) in cells.iter().enumerate() {
                if c.status == CellStatus::Unchanged {
                    continue;
                }
                out.push(Line::raw(""));
                out.push(heading(cell_heading(c)));
                let has_outputs =
                    !c.outputs.old_types.is_empty() || !c.outputs.new_types.is_empty();
                if has_outputs {
                    out.push(note(format!("outputs: {}", c.outputs.describe())));
                }
                if c.source.stats.identical {
                    if c.status == CellStatus::Modified {
                        out.push(note("source unchanged".into()));
                    }
                    continue;
                }
                let (o, n) = view
                    .cells_hl
                    .get(k)
                    .map_or((&[][..], &[][..]), |(o, n)| (o.as_slice(), n.as_slice()));
                out.extend(draw(&c.source, o, n));
            }
            if unchanged > 0 {
                out.push(Line::raw(""));
                out.push(note(format!(
                    "{unchanged} cell{} unchanged",
                    if unchanged == 1 { "" } else { "s" }
                )));
            }
        }
    }
    out
}
