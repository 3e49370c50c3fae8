//! Drawing the notebook timeline's cell screen: the versions list above, the comparison below,
//! drawn by the activity log's cell screen's own [`comparison_lines`].

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::NbApp;
use super::cellscreen::CellScreen;
use super::decode::CellHist;
use super::pair::NbPair;
use crate::columns::truncate_mark;
use crate::render::sanitize;
use crate::repo::short_id;
use crate::timefmt;
use crate::tui::diffpane::key_of;
use crate::tui::history_view::{PairHead, comparison_lines};
use crate::tui::listpane::{ListBody, ListPane};
use crate::tui::views::{Look, plain, short_author};

pub fn render(app: &NbApp, look: &Look<'_>, s: &CellScreen, f: &mut Frame, body: Rect) {
    let t = look.theme;
    let (_, path, index) = &s.origin;
    let hist = match &s.hist {
        Some(Ok(h)) => Some(h),
        _ => None,
    };
    let rows = hist.map_or(0, |h| h.versions.len());
    let a = ListPane::split(body, rows);
    // The cell's removal is the newest thing in its history, said over the list.
    let count = hist.map_or(String::new(), |h| {
        let n = h.versions.len();
        let removed = h.removed.map_or(String::new(), |(id, time)| {
            format!(
                "· removed in {} {} ",
                short_id(id),
                timefmt::local_minutes(time)
            )
        });
        format!("· {n} version{} {removed}", if n == 1 { "" } else { "s" })
    });
    let title = format!(
        " Cell {} of {} {count}",
        index + 1,
        truncate_mark(
            &sanitize::line(path),
            usize::from(body.width.saturating_sub(32)),
            look.ascii
        )
    );
    let line = |pos: usize, selected: bool| version_line(look, s, hist?, pos, selected);
    let list = match &s.hist {
        Some(Err(e)) => ListBody::Note(Span::styled(format!(" {}", sanitize::line(e)), t.error)),
        None if app.history.is_none() => ListBody::Note(Span::styled(
            plain(" reading the whole history…", look.ascii),
            t.dim,
        )),
        None => ListBody::Note(Span::styled(
            plain(" reading this cell's versions…", look.ascii),
            t.dim,
        )),
        Some(Ok(_)) => ListBody::Items {
            len: rows,
            line: &line,
        },
    };
    s.list.render_list(look, f, a.list, &title, list);
    if let (Some(e), Some((old, new))) = (s.current_error(), s.wanted) {
        let build = |width: u16, _unified: bool| {
            vec![Line::from(Span::styled(
                truncate_mark(
                    &format!("cannot compare these versions: {e}"),
                    usize::from(width),
                    look.ascii,
                ),
                t.error,
            ))]
        };
        // Its own key: a number no pointer is, naming the pair.
        let key = (1u64 << 63) | ((old as u64) << 32) | new as u64;
        s.list
            .render_pane(look, f, a.pane, " Diff ", "", Some((key, &build)));
        return;
    }
    let (Some(hist), Some(pair)) = (hist, s.current()) else {
        let waiting = match hist {
            Some(h) if h.versions.is_empty() => " no readable version",
            Some(_) => " comparing…",
            None => "",
        };
        s.list.render_pane(look, f, a.pane, " Diff ", waiting, None);
        return;
    };
    let title = diff_title(s, hist, pair);
    let (whole, pixels) = (s.list.pane.whole, s.list.pane.pixels);
    let build = |width: u16, unified: bool| {
        let head = head(look, hist, pair);
        comparison_lines(
            look,
            &pair.cmp,
            (&pair.old_hl, &pair.new_hl),
            &pair.pictures,
            &head,
            width,
            (unified, whole, pixels),
        )
    };
    s.list
        .render_pane(look, f, a.pane, &title, "", Some((key_of(pair, 0), &build)));
}

/// The line of the version at list position `pos`.
fn version_line(
    look: &Look<'_>,
    s: &CellScreen,
    hist: &CellHist,
    pos: usize,
    selected: bool,
) -> Option<Line<'static>> {
    let t = look.theme;
    let v = hist.versions.get(pos)?;
    let marked = s.mark == Some(pos);
    let mut spans = vec![
        Span::raw(match (selected, look.ascii) {
            (false, _) => " ",
            (true, true) => ">",
            (true, false) => "▶",
        }),
        Span::styled(
            match (marked, look.ascii) {
                (false, _) => "  ",
                (true, true) => "* ",
                (true, false) => "● ",
            },
            t.warning,
        ),
        Span::styled(format!("{} ", short_id(v.commit)), t.title),
        Span::styled(timefmt::local_minutes(v.time), t.dim),
        Span::raw(format!(
            " {:<8} {:<8} ",
            short_author(&sanitize::line(&v.author), look.ascii),
            v.count
                .map_or("In [ ]".to_string(), |n| format!("In [{n}]"))
        )),
    ];
    spans.extend(crate::tui::history_view::change_spans(
        look,
        v.lines,
        v.output_changed,
        &v.source,
        9,
    ));
    Some(Line::from(spans))
}

/// When each side is from, and what else the drawing needs to know.
fn head(look: &Look<'_>, hist: &CellHist, pair: &NbPair) -> PairHead {
    let when = |i: usize| {
        hist.versions.get(i).map_or(String::new(), |v| {
            format!(
                "{}  {}  {}",
                timefmt::local_minutes(v.time),
                v.count
                    .map_or("In [ ]".to_string(), |n| format!("In [{n}]")),
                short_id(v.commit)
            )
        })
    };
    let (old, new) = pair.at;
    let first = pair.first();
    PairHead {
        when: if first {
            plain(
                &format!("{}  · first version, nothing earlier", when(new)),
                look.ascii,
            )
        } else {
            plain(&format!("{}  →  {}", when(old), when(new)), look.ascii)
        },
        first,
        first_lines: hist
            .versions
            .get(new)
            .map_or(0, |v| v.source.lines().count()),
        why: pair.why.clone(),
    }
}

/// The pane's title: which versions are compared.
fn diff_title(s: &CellScreen, hist: &CellHist, pair: &NbPair) -> String {
    let id = |i: usize| {
        hist.versions
            .get(i)
            .map_or(String::new(), |v| short_id(v.commit))
    };
    let (old, new) = pair.at;
    if pair.first() {
        return format!(" {} · first version ", id(new));
    }
    let marked = |i: usize| if s.mark == Some(i) { " (marked)" } else { "" };
    let cmp = &pair.cmp;
    let code = if cmp.code.stats.identical {
        "same code".to_string()
    } else {
        format!("code +{} -{}", cmp.code.stats.added, cmp.code.stats.removed)
    };
    format!(
        " {}{} → {}{} · {code} · {} ",
        id(old),
        marked(old),
        id(new),
        marked(new),
        if cmp.output_changed {
            "output changed"
        } else {
            "same output"
        }
    )
}
