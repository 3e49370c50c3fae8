//! Which records are in view: filtering, the selection, scrolling and
//! the records to decode as they come into view.

use super::*;

impl App {
    pub(super) fn refilter(&mut self) {
        let keep = self.current_commit();
        let mut shown = Vec::new();
        let (mut hidden, mut saves) = (0, 0);
        for (i, r) in self.rows.iter().enumerate() {
            if self.filter.matches(r, self.day(i)) {
                shown.push(i);
            } else if self.filter.hides(r, self.day(i)) {
                hidden += 1;
                saves += usize::from(crate::tui::folds::is_save(r));
            }
        }
        self.shown = shown;
        self.hidden = hidden;
        self.hidden_saves = saves;
        let kept = keep
            .and_then(|c| self.position(c))
            .is_some_and(|k| self.shown.binary_search(&k).is_ok());
        self.regroup_keeping(keep.filter(|_| kept));
        if !kept {
            self.selected = 0;
        }
        self.top = self.selected.saturating_sub(self.list_height / 2);
        self.scroll_into_view();
        self.detail_scroll = 0;
    }

    /// Records whose details should be decoded now: the selected one first,
    /// then those on screen (for their badges).
    pub fn visible_decodes(&mut self) -> Vec<Effect> {
        let mut want = Vec::new();
        let end = (self.top + self.list_height).min(self.view.len());
        let sel = self.current_commit();
        if let Some(c) = sel {
            // Viewing a record makes it the last its cache would drop.
            let _ = self.details.get(&c);
        }
        let others = self.view.get(self.top..end).unwrap_or(&[]);
        for c in sel.into_iter().chain(
            others
                .iter()
                .filter_map(|&i| self.rows.get(i).map(|r| r.commit())),
        ) {
            if !self.details.contains(&c) && !want.contains(&c) {
                want.push(c);
            }
        }
        if want.is_empty() {
            return Vec::new();
        }
        for c in &want {
            self.details.insert(*c, Details::Loading);
        }
        vec![Effect::Decode(want)]
    }

    pub(super) fn select(&mut self, pos: usize) -> Vec<Effect> {
        if self.view.is_empty() {
            return Vec::new();
        }
        let pos = pos.min(self.view.len() - 1);
        if pos != self.selected {
            self.detail_scroll = 0;
            self.detail_hscroll = 0;
            self.search.pane = None;
            self.search.pane_jump = None;
        }
        self.selected = pos;
        if pos == 0 {
            self.new_records = 0;
        }
        self.scroll_into_view();
        self.visible_decodes()
    }

    /// The timeline's lines from view position `top` for `height` lines
    /// (see [`lines_from`]).
    pub fn lines_from(&self, top: usize, height: usize) -> Vec<TimelineLine> {
        lines_from(&self.view, self.day_table(), top, height)
    }

    /// Is the record at view position `pos` drawn when the timeline starts at `top`?
    pub(super) fn drawn_from(&self, top: usize, pos: usize) -> bool {
        pos >= top
            && self
                .lines_from(top, self.list_height.max(1))
                .contains(&TimelineLine::Record(pos))
    }

    /// Keeps the selection on screen with a little context below it, like
    /// tig. Day separators take lines too, so what fits is counted from the
    /// lines the timeline would draw.
    pub fn scroll_into_view(&mut self) {
        let h = self.list_height.max(1);
        let last = self.view.len().saturating_sub(1);
        self.selected = self.selected.min(last);
        if self.selected < self.top {
            self.top = self.selected;
        }
        // A record takes at least a line: anything further up cannot fit.
        let want = (self.selected + h / 6).min(last);
        self.top = self.top.max(want.saturating_sub(h.saturating_sub(1)));
        // Lines are contiguous: with `want` drawn, so is the selection; on
        // a timeline too short for the context the selection goes on top.
        while self.top < self.selected && !self.drawn_from(self.top, want) {
            self.top += 1;
        }
    }

    pub(super) fn move_by(&mut self, delta: isize) -> Vec<Effect> {
        self.search.pending_jump = false;
        let pos = self.selected.saturating_add_signed(delta);
        self.select(pos)
    }

    pub(super) fn scroll_detail(&mut self, delta: isize) {
        let max = self
            .detail_lines
            .saturating_sub(self.detail_height.max(1) / 2);
        self.detail_scroll = self.detail_scroll.saturating_add_signed(delta).min(max);
    }

    /// `h`/`l` in sideways mode: half a pane's width, no further than the widest line
    /// has columns to show.
    pub(super) fn scroll_sideways(&mut self, right: bool) {
        let Some((view, width)) = crate::tui::views::current_view(self) else {
            return;
        };
        let half = (width / 2).max(1);
        if right {
            if self.detail_hscroll + half < view.widest {
                self.detail_hscroll += half;
            }
        } else {
            self.detail_hscroll = self.detail_hscroll.saturating_sub(half);
        }
    }

    /// `w`: wrap long lines, or cut them. The line at the top of the pane stays there.
    pub(super) fn toggle_wrap(&mut self) {
        let top = crate::tui::views::current_view(self).map(|(v, _)| {
            v.first
                .partition_point(|&f| f <= self.detail_scroll)
                .saturating_sub(1)
        });
        self.wrap = !self.wrap;
        self.detail_hscroll = 0;
        if let (Some(top), Some((v, _))) = (top, crate::tui::views::current_view(self)) {
            self.detail_scroll = v.first.get(top).copied().unwrap_or(0);
            self.detail_lines = v.lines.len();
        }
        let key = |a, d: &str| {
            self.config
                .keys
                .keys_for(a)
                .first()
                .map_or_else(|| d.to_string(), |k| k.display())
        };
        self.flash = Some(if self.wrap {
            "long lines wrap".into()
        } else {
            format!(
                "long lines cut: {}/{} scroll sideways",
                key(Action::Left, "h"),
                key(Action::Right, "l")
            )
        });
    }

    /// Mouse wheel over a pane.
    pub fn wheel(&mut self, down: bool, over_detail: bool) -> Vec<Effect> {
        let step = if down { 3 } else { -3 };
        // Help over everything takes the wheel, as it takes the keys.
        if matches!(self.overlay, Overlay::Help { .. }) {
            for _ in 0..3 {
                self.update(if down { Action::Down } else { Action::Up });
            }
            return Vec::new();
        }
        if let Some(screen) = self.screens.last_mut() {
            screen.pane_mut().scroll_by(step);
            return Vec::new();
        }
        if over_detail {
            self.scroll_detail(step);
            Vec::new()
        } else {
            self.move_by(step)
        }
    }

    /// A click on the timeline at a view position.
    pub fn click_record(&mut self, pos: usize) -> Vec<Effect> {
        if !self.screens.is_empty() {
            return Vec::new();
        }
        self.focus = Focus::Timeline;
        self.select(pos)
    }
}

/// The timeline's lines from position `top` of `view` for `height` lines: a
/// day separator before each record that starts a new day (and before
/// the first shown), but never as the last line, where it would push
/// its record out (on a one-line timeline only the record shows).
pub fn lines_from(view: &[usize], days: Days<'_>, top: usize, height: usize) -> Vec<TimelineLine> {
    let mut out = Vec::with_capacity(height);
    let mut pos = top;
    let mut last_day: Option<&str> = None;
    while out.len() < height {
        let Some(&i) = view.get(pos) else { break };
        let day = days.day(i);
        if last_day != Some(day) {
            if out.len() + 1 >= height && !out.is_empty() {
                break;
            }
            if out.len() + 1 < height {
                out.push(TimelineLine::Day(pos));
            }
        }
        last_day = Some(day);
        out.push(TimelineLine::Record(pos));
        pos += 1;
    }
    out
}
