//! The scrolling pane of the cell, file-change, environment and insights
//! screens: its scroll position, unified or side-by-side choice, and the
//! lines as last built (kept until what they were built from changes).

use std::cell::RefCell;
use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::keymap::Action;
use super::theme::{ColorDepth, adapt_style};
use super::views::{Look, pane_block, plain};
use crate::render::diff::DiffStyles;
use crate::render::highlight::StyledLine;

/// Lines of the pane as last drawn, with what they were built from.
pub struct Drawn {
    /// What the lines show (the caller's key), the width they fit, unified, whole, pixels.
    pub key: (u64, u16, bool, bool, bool),
    pub lines: Arc<Vec<Line<'static>>>,
}

/// Which part of a two-part screen takes the movement keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaneFocus {
    List,
    Diff,
}

/// Builds a pane's lines for a width, unified or side by side.
pub type Build<'a> = dyn Fn(u16, bool) -> Vec<Line<'static>> + 'a;

#[derive(Default)]
pub struct DiffPane {
    pub scroll: usize,
    /// Unified or side by side, when the user chose; else by width.
    pub unified: Option<bool>,
    pub drawn: RefCell<Option<Drawn>>,
    /// Lines the pane has room for, set from the terminal size.
    pub height: usize,
    /// Diffs drawn whole, not folded to a few lines around each change (`z`).
    pub whole: bool,
    /// Changed pictures drawn with the pixels that differ marked, not side by side (`p`).
    pub pixels: bool,
}

impl DiffPane {
    pub fn scroll_by(&mut self, delta: isize) {
        let len = self.drawn.borrow().as_ref().map_or(0, |d| d.lines.len());
        let max = len.saturating_sub(self.height.max(1) / 2);
        self.scroll = self.scroll.saturating_add_signed(delta).min(max);
    }

    /// The scrolling keys (a line, a page, either end); whether `action`
    /// was one of them.
    pub fn scroll_key(&mut self, action: Action) -> bool {
        let page = self.height.saturating_sub(2).max(1) as isize;
        match action {
            Action::Down => self.scroll_by(1),
            Action::Up => self.scroll_by(-1),
            Action::PageDown => self.scroll_by(page),
            Action::PageUp => self.scroll_by(-page),
            Action::Top => self.scroll = 0,
            // The last full screen, as `less` shows it.
            Action::Bottom => {
                let len = self.drawn.borrow().as_ref().map_or(0, |d| d.lines.len());
                self.scroll = len.saturating_sub(self.height.max(1));
            }
            _ => return false,
        }
        true
    }

    /// Unified on terminals narrower than 100 columns unless the user chose.
    pub fn is_unified(&self, width: u16) -> bool {
        self.unified.unwrap_or(width < 100)
    }

    /// Forgets the lines built: new content arrived. (Keys alone are not
    /// enough: a new value can land at the address of the one it replaced.)
    pub fn reset(&mut self) {
        self.drawn.replace(None);
    }

    /// Flips folded and whole diffs (`z`); returns whether they are whole now.
    pub fn toggle_whole(&mut self) -> bool {
        self.whole = !self.whole;
        self.whole
    }

    /// Flips side-by-side pictures and the pixel view (`p`); returns whether it is on now.
    pub fn toggle_pixels(&mut self) -> bool {
        self.pixels = !self.pixels;
        self.pixels
    }

    /// Flips unified and side by side; returns what it is now.
    pub fn toggle_unified(&mut self) -> bool {
        let width = self
            .drawn
            .borrow()
            .as_ref()
            .map_or(100, |d| d.key.1.saturating_add(2));
        let now = !self.is_unified(width);
        self.unified = Some(now);
        now
    }

    /// The lines for `key` at `width`, built by `build` unless the last
    /// ones are still current. The pane spans the terminal, so its outer
    /// width decides unified or side by side.
    pub fn lines(
        &self,
        key: u64,
        width: u16,
        build: impl FnOnce(bool) -> Vec<Line<'static>>,
    ) -> Arc<Vec<Line<'static>>> {
        let unified = self.is_unified(width.saturating_add(2));
        let full = (key, width, unified, self.whole, self.pixels);
        if let Some(d) = self.drawn.borrow().as_ref()
            && d.key == full
        {
            return Arc::clone(&d.lines);
        }
        let lines = Arc::new(build(unified));
        *self.drawn.borrow_mut() = Some(Drawn {
            key: full,
            lines: Arc::clone(&lines),
        });
        lines
    }

    /// Draws the pane in `area` with `title`; `content` is `None` while the
    /// content is on its way (then `waiting` is shown).
    #[allow(clippy::too_many_arguments)]
    pub fn render(
        &self,
        look: &Look<'_>,
        f: &mut Frame,
        area: Rect,
        title: &str,
        focused: bool,
        waiting: &str,
        content: Option<(u64, &Build<'_>)>,
    ) {
        let t = &look.theme;
        let block = pane_block(look, plain(title, look.ascii), focused);
        let inner = block.inner(area);
        f.render_widget(block, area);
        let Some((key, build)) = content else {
            if !waiting.is_empty() {
                f.render_widget(
                    Paragraph::new(Span::styled(plain(waiting, look.ascii), t.dim)),
                    inner,
                );
            }
            return;
        };
        let lines = self.lines(key, inner.width, |unified| build(inner.width, unified));
        let scroll = self.scroll.min(lines.len().saturating_sub(1));
        let shown: Vec<Line> = lines
            .iter()
            .skip(scroll)
            .take(usize::from(inner.height))
            .cloned()
            .collect();
        f.render_widget(Paragraph::new(shown), inner);
        if lines.len() > scroll + usize::from(inner.height) {
            super::views::line_corner(
                look,
                f,
                area,
                scroll + usize::from(inner.height),
                lines.len(),
            );
        }
    }
}

/// Diff colours of the theme's palette, brought down to the terminal's colours.
pub fn diff_styles(look: &Look<'_>) -> DiffStyles {
    let base = DiffStyles::from_palette(&look.theme.palette);
    match look.depth {
        ColorDepth::None => DiffStyles::no_color(),
        ColorDepth::TrueColor => base,
        depth => base.map(|s| adapt_style(s, depth)),
    }
}

/// Highlighted lines with their colours brought down to the terminal's.
pub fn adapt_lines(lines: &[StyledLine], depth: ColorDepth) -> Vec<StyledLine> {
    if depth == ColorDepth::TrueColor {
        return lines.to_vec();
    }
    lines
        .iter()
        .map(|l| {
            l.iter()
                .map(|(s, text)| (adapt_style(*s, depth), text.clone()))
                .collect()
        })
        .collect()
}

/// A stable number for a pointer-identified value, for [`DiffPane::lines`] keys.
pub fn key_of<T>(value: &Arc<T>, extra: u64) -> u64 {
    (Arc::as_ptr(value) as usize as u64)
        .wrapping_mul(31)
        .wrapping_add(extra)
}
