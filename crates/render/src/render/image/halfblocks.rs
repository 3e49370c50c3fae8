//! Unicode half-blocks: two pixels stacked in each terminal cell.

use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};

use super::Picture;
use super::decode::{fit, resample};
use crate::render::palette::nearest_256;

fn cell_color(px: Option<&[u8]>, depth256: bool) -> Color {
    match px {
        Some(&[r, g, b]) if depth256 => Color::Indexed(nearest_256((r, g, b))),
        Some(&[r, g, b]) => Color::Rgb(r, g, b),
        _ => Color::Reset,
    }
}

/// Unicode half-blocks: each terminal cell shows two pixels stacked (`▀`
/// with fg = top pixel, bg = bottom pixel), scaled up or down to fit
/// `cols`×`rows` cells keeping the aspect (a cell is taken as twice as
/// tall as wide, so each half is square).
///
/// Returns one line per row used, each of the same width ≤ `cols`; runs of
/// equal cells share a span. With `depth256` colours are mapped to the
/// xterm-256 palette, else `Color::Rgb`. An odd last pixel row leaves the
/// bottom halves on the default background.
pub fn halfblocks(p: &Picture, cols: u16, rows: u16, depth256: bool) -> Vec<Line<'static>> {
    if p.width == 0 || p.height == 0 || cols == 0 || rows == 0 {
        return Vec::new();
    }
    let (gw, gh) = fit(p.width, p.height, u32::from(cols), 2 * u32::from(rows));
    let px = resample(&p.rgb, p.width, p.height, gw, gh);
    let (Ok(w), Ok(h)) = (usize::try_from(gw), usize::try_from(gh)) else {
        return Vec::new();
    };
    let at = |x: usize, y: usize| {
        if y >= h {
            return None;
        }
        let i = (y * w + x) * 3;
        px.get(i..i + 3)
    };
    let mut lines = Vec::with_capacity(h.div_ceil(2));
    for cy in 0..h.div_ceil(2) {
        let mut spans = Vec::new();
        let mut run = String::new();
        let mut run_style = Style::default();
        for x in 0..w {
            let style = Style::default()
                .fg(cell_color(at(x, 2 * cy), depth256))
                .bg(cell_color(at(x, 2 * cy + 1), depth256));
            if style != run_style && !run.is_empty() {
                spans.push(Span::styled(std::mem::take(&mut run), run_style));
            }
            run_style = style;
            run.push('▀');
        }
        if !run.is_empty() {
            spans.push(Span::styled(run, run_style));
        }
        lines.push(Line::from(spans));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::image::test_util::{asset, red_over_blue, solid};
    use crate::render::image::{Protocol, decode, fit_cells};

    #[test]
    fn halfblocks_put_top_in_fg_and_bottom_in_bg() {
        let p = red_over_blue();
        let lines = halfblocks(&p, 2, 1, false);
        assert_eq!(lines.len(), 1);
        let line = &lines[0];
        assert_eq!(line.width(), 2);
        for span in &line.spans {
            assert!(span.content.chars().all(|c| c == '▀'));
            assert_eq!(span.style.fg, Some(Color::Rgb(255, 0, 0)));
            assert_eq!(span.style.bg, Some(Color::Rgb(0, 0, 255)));
        }
        let lines = halfblocks(&p, 2, 1, true);
        let span = &lines[0].spans[0];
        assert_eq!(span.style.fg, Some(Color::Indexed(196)));
        assert_eq!(span.style.bg, Some(Color::Indexed(21)));
    }

    #[test]
    fn halfblocks_fit_the_area() {
        let p = decode(&asset("scatter.jpg"), 1000, 1000).unwrap();
        let lines = halfblocks(&p, 80, 24, false);
        // 320×240 into 80×48 half-pixels: 64×48.
        assert_eq!(lines.len(), 24);
        assert!(lines.iter().all(|l| l.width() == 64));
        for (cols, rows) in [(1, 1), (3, 40), (200, 5), (17, 9), (500, 500)] {
            let lines = halfblocks(&p, cols, rows, true);
            assert!(
                !lines.is_empty() && lines.len() <= usize::from(rows),
                "{cols}×{rows}"
            );
            assert!(
                lines.iter().all(|l| l.width() <= usize::from(cols)),
                "{cols}×{rows}"
            );
            let (c, r) = fit_cells(&p, Protocol::Halfblocks, cols, rows);
            assert_eq!(
                (usize::from(c), usize::from(r)),
                (lines[0].width(), lines.len())
            );
        }
        assert!(halfblocks(&p, 0, 10, false).is_empty());
        // An odd number of pixel rows leaves the last bottom half unset.
        let lines = halfblocks(&solid(1, 3, [9, 9, 9]), 1, 2, false);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1].spans[0].style.bg, Some(Color::Reset));
    }

    #[test]
    fn xterm256_maps_to_nearby_entries() {
        assert_eq!(nearest_256((0, 0, 0)), 16);
        assert_eq!(nearest_256((255, 255, 255)), 231);
        assert_eq!(nearest_256((128, 128, 128)), 244);
        assert_eq!(nearest_256((0, 255, 0)), 46);
    }
}
