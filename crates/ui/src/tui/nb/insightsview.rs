//! The notebook timeline's insights screen (`i`), over the whole history once it is built:
//! the stuck tab lists hot spots (a cell revised in several consecutive commits close together,
//! most revisions first; Enter opens the cell's history), the usage tab the figures `stats`
//! prints. Computed on the decoding worker, on this machine only; drawn with the activity
//! insights screen's list and pane.

use std::collections::BTreeMap;
use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::{NbApp, NbEffect, NbScreen};
use crate::nbhistory::NbHistory;
use crate::nbhistory::insights::{
    CellGist, HOT_GAP_SECS, HOT_MIN_REVISIONS, HotSpot, NbStats, cell_gist, hot_spots, stats,
};
use crate::render::insights::{InsightLook, duration};
use crate::render::nbinsights::{cell_name, gist_text, stats_text};
use crate::render::sanitize;
use crate::repo::Project;
use crate::timefmt;
use crate::tui::diffpane::{DiffPane, key_of};
use crate::tui::insights::{StuckItem, StuckList, Tab, tabs_title};
use crate::tui::keymap::Action;
use crate::tui::views::Look;

/// Everything the screen shows, read once from the whole history.
#[derive(Debug)]
pub struct InsightsData {
    pub spots: Vec<HotSpot>,
    pub stats: NbStats,
    /// The gist of each cell a line names, by `(entry, cell)`: of each hot spot's newest
    /// revision and of the cells the figures list.
    pub gists: BTreeMap<(usize, u32), CellGist>,
}

impl InsightsData {
    pub fn gist(&self, entry: usize, cell: u32) -> CellGist {
        self.gists.get(&(entry, cell)).cloned().unwrap_or_default()
    }
}

/// A hot spot's newest revision (its entries are oldest first).
fn newest(s: &HotSpot) -> usize {
    s.entries.last().copied().unwrap_or(0)
}

/// The figures and hot spots of `history`, with the gists their lines show (worker thread).
pub fn prepare(project: &Project, history: &NbHistory) -> InsightsData {
    let spots = hot_spots(history);
    let stats = stats(history);
    let named = spots.iter().map(|s| (newest(s), s.cell)).chain(
        stats
            .most_revised
            .iter()
            .chain(&stats.output_only)
            .map(|c| (c.entry, c.cell)),
    );
    let mut gists = BTreeMap::new();
    for (entry, cell) in named {
        gists
            .entry((entry, cell))
            .or_insert_with(|| cell_gist(project, history, entry, cell));
    }
    InsightsData {
        spots,
        stats,
        gists,
    }
}

pub struct InsightsScreen {
    pub tab: Tab,
    pub data: Option<Arc<InsightsData>>,
    /// Why there is none: the history could not be built.
    pub failed: Option<String>,
    /// Whether the figures were asked of the worker.
    pub asked: bool,
    /// Position in the hot spots.
    pub selected: usize,
    /// The usage figures scroll.
    pub pane: DiffPane,
    pub generation: u64,
}

impl NbApp {
    /// `i`: the insights screen, its figures asked for now or once the history is built.
    pub(super) fn open_insights(&mut self) -> Vec<NbEffect> {
        self.generation += 1;
        self.screen = Some(NbScreen::Insights(InsightsScreen {
            tab: Tab::Stuck,
            data: None,
            failed: None,
            asked: false,
            selected: 0,
            pane: DiffPane {
                height: self.pane_height.max(self.list_height),
                ..DiffPane::default()
            },
            generation: self.generation,
        }));
        self.ask_insights()
    }

    /// The figures asked of the worker, if the screen waits for them and the history is in.
    pub(super) fn ask_insights(&mut self) -> Vec<NbEffect> {
        let Some(NbScreen::Insights(s)) = &mut self.screen else {
            return Vec::new();
        };
        if s.asked {
            return Vec::new();
        }
        match &self.history {
            Some(Ok(h)) => {
                s.asked = true;
                vec![NbEffect::Insights {
                    generation: s.generation,
                    history: Arc::clone(h),
                }]
            }
            Some(Err(e)) => {
                s.failed = Some(e.clone());
                Vec::new()
            }
            None => Vec::new(),
        }
    }

    /// A key on the insights screen.
    pub(super) fn insights_action(&mut self, action: Action) -> Vec<NbEffect> {
        let Some(NbScreen::Insights(s)) = &mut self.screen else {
            return Vec::new();
        };
        let n = s.data.as_ref().map_or(0, |d| d.spots.len());
        let last = n.saturating_sub(1);
        let page = (s.pane.height / 2).saturating_sub(1).max(1);
        match (action, s.tab) {
            (Action::Back | Action::Quit | Action::Insights, _) => self.screen = None,
            (Action::FocusNext | Action::FocusPrev | Action::Left | Action::Right, _) => {
                s.tab = match s.tab {
                    Tab::Stuck => Tab::Usage,
                    Tab::Usage => Tab::Stuck,
                };
            }
            (Action::Help, _) => self.help = true,
            (Action::Down, Tab::Stuck) => s.selected = (s.selected + 1).min(last),
            (Action::Up, Tab::Stuck) => s.selected = s.selected.saturating_sub(1),
            (Action::PageDown, Tab::Stuck) => s.selected = (s.selected + page).min(last),
            (Action::PageUp, Tab::Stuck) => s.selected = s.selected.saturating_sub(page),
            (Action::Top, Tab::Stuck) => s.selected = 0,
            (Action::Bottom, Tab::Stuck) => s.selected = last,
            (Action::Open | Action::CellHistory, Tab::Stuck) => return self.open_hot_spot(),
            (a, Tab::Usage) => {
                s.pane.scroll_key(a);
            }
            _ => {}
        }
        Vec::new()
    }

    /// The selected hot spot's cell, in the cell history, at its newest revision.
    fn open_hot_spot(&mut self) -> Vec<NbEffect> {
        let Some(NbScreen::Insights(s)) = &self.screen else {
            return Vec::new();
        };
        let (Some(d), Some(Ok(h))) = (&s.data, &self.history) else {
            return Vec::new();
        };
        let origin = d.spots.get(s.selected).and_then(|spot| {
            let entry = h.entries.get(newest(spot))?;
            let index = entry.cells.iter().position(|c| c.cell == spot.cell)?;
            Some((h.commit_of(entry)?.id, entry.path.clone(), index))
        });
        match origin {
            Some(origin) => self.open_cell_at(origin),
            None => {
                self.flash = Some("this cell is not in the history as built".into());
                Vec::new()
            }
        }
    }

    /// The figures arrived: kept if they are for the screen open now.
    pub fn insights_ready(&mut self, generation: u64, data: Result<Arc<InsightsData>, String>) {
        if let Some(NbScreen::Insights(s)) = &mut self.screen
            && s.generation == generation
        {
            s.pane.reset();
            match data {
                Ok(d) => s.data = Some(d),
                Err(e) => s.failed = Some(e),
            }
        }
    }
}

/// Draws the screen in `body`.
pub fn render(look: &Look<'_>, s: &InsightsScreen, f: &mut Frame, body: Rect) {
    let t = look.theme;
    let tabs = tabs_title(s.tab);
    let Some(data) = &s.data else {
        let waiting = match &s.failed {
            Some(e) => format!(" cannot read the whole history: {}", sanitize::line(e)),
            None => " reading the whole history (this stays on this machine)…".into(),
        };
        s.pane.render(look, f, body, tabs, true, &waiting, None);
        return;
    };
    match s.tab {
        Tab::Usage => {
            let build = |width: u16, _unified: bool| -> Vec<Line<'static>> {
                let il = InsightLook {
                    json: false,
                    ascii: look.ascii,
                    width: usize::from(width),
                };
                stats_text(&data.stats, &|e, c| data.gist(e, c), il)
                    .lines()
                    .map(|l| Line::styled(l.to_string(), t.text))
                    .collect()
            };
            s.pane.render(
                look,
                f,
                body,
                tabs,
                true,
                "",
                Some((key_of(data, 7), &build)),
            );
        }
        Tab::Stuck => {
            let n = data.spots.len();
            let header = format!(
                "{n} hot spot{} (a cell revised in {HOT_MIN_REVISIONS}+ commits, each within {}h) · \
                 Enter: history",
                if n == 1 { "" } else { "s" },
                HOT_GAP_SECS / 3600
            );
            let item = |k: usize| {
                let Some(spot) = data.spots.get(k) else {
                    return StuckItem::default();
                };
                let (hash, code) = gist_text(&data.gist(newest(spot), spot.cell));
                StuckItem {
                    head: format!(
                        "{} {} · {} revisions · {}",
                        sanitize::line(&spot.notebook),
                        cell_name(spot.cell).unwrap_or_default(),
                        spot.entries.len(),
                        duration(spot.last - spot.first)
                    ),
                    when: format!("{} · last {hash}", timefmt::local_minutes(spot.first)),
                    code,
                }
            };
            StuckList {
                header: &header,
                empty: "nobody got stuck here",
                count: n,
                selected: s.selected,
                item: &item,
            }
            .render(look, f, body, tabs);
        }
    }
}
