//! The insights screen (`i`): where people got stuck (retry streaks, most
//! retries first; Enter opens the cell's history) and the usage figures of
//! the whole history. Computed on the worker thread, on this machine only.

use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::diffpane::{DiffPane, key_of};
use super::keymap::Action;
use super::screen::Outcome;
use super::views::{Look, pane_block, plain};
use crate::columns::truncate_mark;
use crate::insights::find_streaks;
use crate::insights::{Stats, Streak, StuckParams, stats};
use crate::lineage;
use crate::render::insights::{InsightLook, duration, render_stats};
use crate::repo::{Project, Rows};
use crate::timefmt;

/// Everything the screen shows, read once per load of the history.
pub struct InsightsData {
    pub streaks: Vec<Streak>,
    /// Of each streak's last run: its execution count and the telling line
    /// of its code. The whole history's lineage they come from is not kept
    /// (at 100,000 records it held about 300 MB).
    pub last_runs: Vec<LastRun>,
    pub stats: Stats,
}

/// What the stuck tab shows of a streak's last run.
#[derive(Debug, Clone, Default)]
pub struct LastRun {
    pub ex: Option<u32>,
    pub gist: String,
    /// The streak's first run's execution count, for opening the two compared.
    pub first_ex: Option<u32>,
}

impl std::fmt::Debug for InsightsData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InsightsData")
            .field("streaks", &self.streaks.len())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Stuck,
    Usage,
}

pub struct InsightsScreen {
    pub tab: Tab,
    pub data: Option<Arc<InsightsData>>,
    /// Position in the streaks.
    pub selected: usize,
    /// The usage figures scroll.
    pub pane: DiffPane,
    pub generation: u64,
}

impl InsightsScreen {
    pub fn new(generation: u64) -> Self {
        InsightsScreen {
            tab: Tab::Stuck,
            data: None,
            selected: 0,
            pane: DiffPane {
                height: 10,
                ..DiffPane::default()
            },
            generation,
        }
    }

    fn streak_count(&self) -> usize {
        self.data.as_ref().map_or(0, |d| d.streaks.len())
    }

    /// A key on the screen.
    pub fn update(&mut self, action: Action) -> Outcome {
        let page = self.pane.height.saturating_sub(2).max(1);
        let n = self.streak_count();
        match (action, self.tab) {
            (Action::Back | Action::Quit | Action::Insights, _) => return Outcome::Close,
            (Action::FocusNext | Action::FocusPrev | Action::Left | Action::Right, _) => {
                self.tab = match self.tab {
                    Tab::Stuck => Tab::Usage,
                    Tab::Usage => Tab::Stuck,
                };
            }
            (Action::Down, Tab::Stuck) => {
                self.selected = (self.selected + 1).min(n.saturating_sub(1))
            }
            (Action::Up, Tab::Stuck) => self.selected = self.selected.saturating_sub(1),
            (Action::PageDown, Tab::Stuck) => {
                self.selected = (self.selected + page).min(n.saturating_sub(1))
            }
            (Action::PageUp, Tab::Stuck) => self.selected = self.selected.saturating_sub(page),
            (Action::Top, Tab::Stuck) => self.selected = 0,
            (Action::Bottom, Tab::Stuck) => self.selected = n.saturating_sub(1),
            (Action::Open | Action::CellHistory, Tab::Stuck) => {
                let Some(d) = &self.data else {
                    return Outcome::nothing();
                };
                let Some(s) = d.streaks.get(self.selected) else {
                    return Outcome::nothing();
                };
                let run = d.last_runs.get(self.selected);
                let ex = run.and_then(|r| r.ex);
                let first = (s.first_commit, run.and_then(|r| r.first_ex));
                return Outcome::OpenCell(s.last_commit, ex, Some(first));
            }
            (a, Tab::Usage) => {
                self.pane.scroll_key(a);
            }
            _ => {}
        }
        Outcome::nothing()
    }

    /// The figures arrived; shown if they answer this screen's request.
    pub fn insights_ready(&mut self, generation: u64, data: Arc<InsightsData>) {
        if self.generation == generation {
            self.pane.reset();
            self.data = Some(data);
        }
    }
}

/// Reads the lineage of the whole history (through the lineage cache
/// `cache` names), its streaks and figures (worker thread). `rows` newest first.
pub fn prepare(project: &Project, rows: &Rows, cache: &lineage::CachePolicy) -> InsightsData {
    // Read where they are packed: no record of the history is unpacked whole.
    let lineage = lineage::build_cached(project, rows.iter(), None, cache);
    let streaks = find_streaks(project, rows.iter(), &lineage, &StuckParams::default());
    let stats = stats(rows.iter(), &lineage);
    let last_runs = streaks
        .iter()
        .map(|s| {
            s.executions
                .last()
                .and_then(|&i| lineage.executions.get(i))
                .map(|e| LastRun {
                    ex: e.ex,
                    gist: crate::columns::gist(&e.source).to_string(),
                    first_ex: s
                        .executions
                        .first()
                        .and_then(|&i| lineage.executions.get(i))
                        .and_then(|f| f.ex),
                })
                .unwrap_or_default()
        })
        .collect();
    InsightsData {
        streaks,
        last_runs,
        stats,
    }
}

/// The tabs as the title shows them, the chosen one in brackets.
pub fn tabs_title(tab: Tab) -> &'static str {
    match tab {
        Tab::Stuck => " [Stuck] · Usage ",
        Tab::Usage => " Stuck · [Usage] ",
    }
}

/// One entry of a stuck tab, drawn on two lines: what and how long, then when and the code.
#[derive(Debug, Clone, Default)]
pub struct StuckItem {
    pub head: String,
    pub when: String,
    /// The telling line of the cell's code.
    pub code: String,
}

/// A stuck tab: a header, then the entries (only those on screen are asked of `item`), the
/// selected one highlighted and kept in view. The activity and the notebook insights share it.
pub struct StuckList<'a> {
    pub header: &'a str,
    /// Said when there is no entry.
    pub empty: &'a str,
    pub count: usize,
    pub selected: usize,
    pub item: &'a dyn Fn(usize) -> StuckItem,
}

impl StuckList<'_> {
    pub fn render(&self, look: &Look<'_>, f: &mut Frame, body: Rect, title: &str) {
        let t = look.theme;
        let ascii = look.ascii;
        let block = pane_block(look, plain(title, ascii), true);
        let inner = block.inner(body);
        f.render_widget(block, body);
        let width = usize::from(inner.width);
        let mut lines = vec![
            Line::styled(
                truncate_mark(&plain(self.header, ascii), width, ascii),
                t.dim,
            ),
            Line::raw(""),
        ];
        if self.count == 0 {
            lines.push(Line::styled(plain(self.empty, ascii), t.dim));
        }
        let h = (usize::from(inner.height).saturating_sub(2) / 2).max(1);
        let top = self.selected.saturating_sub(h.saturating_sub(1));
        for k in (top..self.count).take(h) {
            let it = (self.item)(k);
            let head = format!("{:>3}. {}", k + 1, it.head);
            let when = format!("     {}  ", plain(&it.when, ascii));
            let rest = width.saturating_sub(unicode_width::UnicodeWidthStr::width(when.as_str()));
            let mut one = Line::styled(truncate_mark(&plain(&head, ascii), width, ascii), t.text);
            let mut two = Line::from(vec![
                Span::styled(when, t.dim),
                Span::styled(truncate_mark(&it.code, rest, ascii), t.code),
            ]);
            if k == self.selected {
                one = one.style(t.selected);
                two = two.style(t.selected);
            }
            lines.push(one);
            lines.push(two);
        }
        f.render_widget(Paragraph::new(lines), inner);
    }
}

/// Draws the screen; the usage figures are headed with `project`.
pub fn render(look: &Look<'_>, screen: &InsightsScreen, project: &str, f: &mut Frame, body: Rect) {
    let t = look.theme;
    let ascii = look.ascii;
    let tabs = tabs_title(screen.tab);
    let Some(data) = &screen.data else {
        screen.pane.render(
            look,
            f,
            body,
            tabs,
            true,
            " reading the whole history's runs (this stays on this machine)…",
            None,
        );
        return;
    };
    match screen.tab {
        Tab::Usage => {
            let name = project.to_string();
            let build = |width: u16, _unified: bool| -> Vec<Line<'static>> {
                let look = InsightLook {
                    json: false,
                    ascii,
                    width: usize::from(width),
                };
                render_stats(&data.stats, &name, look)
                    .lines()
                    .map(|l| Line::styled(l.to_string(), t.text))
                    .collect()
            };
            screen.pane.render(
                look,
                f,
                body,
                tabs,
                true,
                "",
                Some((key_of(data, 3), &build)),
            );
        }
        Tab::Stuck => {
            let header = format!(
                "{} retry streak{} (one cell re-run with small edits) · Enter: history",
                data.streaks.len(),
                if data.streaks.len() == 1 { "" } else { "s" }
            );
            let item = |k: usize| {
                let Some(s) = data.streaks.get(k) else {
                    return StuckItem::default();
                };
                let mut facts = format!(
                    "{} runs, {} edit{}",
                    s.runs(),
                    s.edits,
                    if s.edits == 1 { "" } else { "s" }
                );
                if s.errors > 0 {
                    facts.push_str(&format!(", {} with errors", s.errors));
                }
                if s.unrecorded > 0 {
                    facts.push_str(&format!(", {} unrecorded", s.unrecorded));
                }
                StuckItem {
                    head: format!("{} · {facts} · {}", s.cell_id, duration(s.span())),
                    when: timefmt::local_minutes(s.first),
                    code: data
                        .last_runs
                        .get(k)
                        .map_or("", |r| r.gist.as_str())
                        .to_string(),
                }
            };
            let list = StuckList {
                header: &header,
                empty: "nobody got stuck here",
                count: data.streaks.len(),
                selected: screen.selected,
                item: &item,
            };
            list.render(look, f, body, tabs);
        }
    }
}
