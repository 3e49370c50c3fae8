//! A list above a scrolling diff pane, as the cell history and file-change
//! screens show: which item is selected, which part takes the movement
//! keys, the keys both screens share, and the split of the screen.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::diffpane::{Build, DiffPane, PaneFocus};
use super::keymap::Action;
use super::views::{Look, pane_block, plain};

pub struct ListPane {
    /// Position in the list.
    pub selected: usize,
    pub focus: PaneFocus,
    pub pane: DiffPane,
}

/// Which way `]` goes in a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Down the list (files, in the order the change lists them).
    NextIsDown,
    /// Up the list (runs, listed newest first: `]` is the newer run).
    NextIsUp,
}

/// What a key did to the list and pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKey {
    /// A selection key: the screen shows what the selection is on now
    /// (it may not have moved).
    Selected,
    /// The pane switched between unified and side by side (`true`: unified).
    Unified(bool),
    /// The pane switched between folded and whole diffs (`true`: whole).
    Whole(bool),
    /// Focus or scroll changed; nothing to fetch.
    Done,
    /// Not a key of the list and pane.
    Ignored,
}

/// Where the list and the pane go.
pub struct Split {
    pub list: Rect,
    pub pane: Rect,
}

/// What the list part shows: a note in place of the items, or `len` items
/// drawn by `line` (position, whether it is the selected one).
pub enum ListBody<'a> {
    Note(Span<'static>),
    Items {
        len: usize,
        line: &'a dyn Fn(usize, bool) -> Option<Line<'static>>,
    },
}

impl Default for ListPane {
    fn default() -> Self {
        ListPane {
            selected: 0,
            focus: PaneFocus::List,
            pane: DiffPane {
                height: 10,
                ..DiffPane::default()
            },
        }
    }
}

impl ListPane {
    /// The list takes what its `items` need, up to a third of the screen
    /// (at least three items' worth), the pane the rest.
    pub fn split(body: Rect, items: usize) -> Split {
        let want = u16::try_from(items).unwrap_or(u16::MAX).saturating_add(2);
        let cap = (body.height / 3).max(5);
        let h = want.clamp(3, cap).min(body.height);
        Split {
            list: Rect::new(body.x, body.y, body.width, h),
            pane: Rect::new(
                body.x,
                body.y + h,
                body.width,
                body.height.saturating_sub(h),
            ),
        }
    }

    /// Sets the pane's height for a screen whose body is `body`.
    pub fn fit(&mut self, body: Rect, items: usize) {
        self.pane.height = Self::split(body, items).pane.height.saturating_sub(2) as usize;
    }

    /// Selects position `pos` of `len` (clamped); a new item starts at the
    /// top of the pane.
    pub fn select(&mut self, pos: usize, len: usize) {
        if len == 0 {
            return;
        }
        let pos = pos.min(len - 1);
        if pos != self.selected {
            self.selected = pos;
            self.pane.scroll = 0;
        }
    }

    /// The keys of a list over a pane: Tab and ←/→ move the focus, ↑/↓
    /// and Home/End move in the part with the focus, `[`/`]` through the
    /// list wherever the focus is, page keys scroll the pane.
    pub fn key(&mut self, action: Action, len: usize, order: Order) -> ListKey {
        let (next, prev) = match order {
            Order::NextIsDown => (1, -1),
            Order::NextIsUp => (-1, 1),
        };
        let step = |at: usize, by: isize| at.saturating_add_signed(by);
        match (action, self.focus) {
            (Action::FocusNext | Action::FocusPrev, _) => {
                self.focus = match self.focus {
                    PaneFocus::List => PaneFocus::Diff,
                    PaneFocus::Diff => PaneFocus::List,
                };
            }
            (Action::Right | Action::Open, _) => self.focus = PaneFocus::Diff,
            (Action::Left, _) => self.focus = PaneFocus::List,
            (Action::NextRun, _) => {
                self.select(step(self.selected, next), len);
                return ListKey::Selected;
            }
            (Action::PrevRun, _) => {
                self.select(step(self.selected, prev), len);
                return ListKey::Selected;
            }
            (Action::Down | Action::Up | Action::Top | Action::Bottom, PaneFocus::List) => {
                let pos = match action {
                    Action::Down => self.selected + 1,
                    Action::Up => self.selected.saturating_sub(1),
                    Action::Top => 0,
                    _ => usize::MAX,
                };
                self.select(pos, len);
                return ListKey::Selected;
            }
            (Action::Down | Action::Up | Action::Top | Action::Bottom, PaneFocus::Diff)
            | (Action::PageDown | Action::PageUp, _) => {
                self.pane.scroll_key(action);
            }
            (Action::ToggleUnified, _) => return ListKey::Unified(self.pane.toggle_unified()),
            (Action::ToggleFold, _) => return ListKey::Whole(self.pane.toggle_whole()),
            _ => return ListKey::Ignored,
        }
        ListKey::Done
    }

    /// Draws the list in its bordered box titled `title`, the selected
    /// item highlighted (dimmer while the pane has the focus).
    pub fn render_list(
        &self,
        look: &Look<'_>,
        f: &mut Frame,
        area: Rect,
        title: &str,
        body: ListBody<'_>,
    ) {
        let t = look.theme;
        let block = pane_block(
            look,
            plain(title, look.ascii),
            self.focus == PaneFocus::List,
        );
        let inner = block.inner(area);
        f.render_widget(block, area);
        let (len, line) = match body {
            ListBody::Note(note) => {
                f.render_widget(Paragraph::new(note), inner);
                return;
            }
            ListBody::Items { len, line } => (len, line),
        };
        let h = usize::from(inner.height).max(1);
        let top = self.selected.saturating_sub(h - 1);
        let style = if self.focus == PaneFocus::List {
            t.selected
        } else {
            t.selected_unfocused
        };
        let lines: Vec<Line> = (top..(top + h).min(len))
            .filter_map(|pos| {
                let selected = pos == self.selected;
                let l = line(pos, selected)?;
                Some(if selected { l.style(style) } else { l })
            })
            .collect();
        f.render_widget(Paragraph::new(lines), inner);
    }

    /// Draws the pane (see [`DiffPane::render`]), framed as focused when
    /// it has the focus.
    pub fn render_pane(
        &self,
        look: &Look<'_>,
        f: &mut Frame,
        area: Rect,
        title: &str,
        waiting: &str,
        content: Option<(u64, &Build<'_>)>,
    ) {
        let focused = self.focus == PaneFocus::Diff;
        self.pane
            .render(look, f, area, title, focused, waiting, content);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_keys_follow_the_order_and_stay_in_the_list() {
        let mut l = ListPane::default();
        assert_eq!(
            l.key(Action::NextRun, 3, Order::NextIsDown),
            ListKey::Selected
        );
        assert_eq!(l.selected, 1);
        l.key(Action::NextRun, 3, Order::NextIsUp);
        assert_eq!(l.selected, 0);
        l.key(Action::PrevRun, 3, Order::NextIsUp);
        l.key(Action::Bottom, 3, Order::NextIsUp);
        assert_eq!(l.selected, 2);
        l.key(Action::Down, 3, Order::NextIsUp);
        assert_eq!(l.selected, 2, "the last item stays selected");
        l.key(Action::Up, 0, Order::NextIsUp);
        assert_eq!(l.selected, 2, "an empty list moves nothing");
    }

    #[test]
    fn the_focus_decides_what_arrows_move() {
        let mut l = ListPane::default();
        l.pane.scroll = 4;
        assert_eq!(l.key(Action::Right, 3, Order::NextIsDown), ListKey::Done);
        assert_eq!(l.focus, PaneFocus::Diff);
        l.key(Action::Down, 3, Order::NextIsDown);
        assert_eq!(l.selected, 0, "the pane scrolls, not the list");
        l.key(Action::Top, 3, Order::NextIsDown);
        assert_eq!(l.pane.scroll, 0);
        // `]` moves the list from the pane too; a new item starts at its top.
        l.pane.scroll = 4;
        l.key(Action::NextRun, 3, Order::NextIsDown);
        assert_eq!((l.selected, l.pane.scroll), (1, 0));
        l.key(Action::FocusNext, 3, Order::NextIsDown);
        assert_eq!(l.focus, PaneFocus::List);
        assert_eq!(l.key(Action::Mark, 3, Order::NextIsDown), ListKey::Ignored);
    }
}
