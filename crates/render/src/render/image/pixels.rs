//! Two pictures compared pixel by pixel: how many pixels differ, the box
//! around them, and the new picture drawn with them marked, for the cell
//! screens' pixel view and `gtm-tui diff --pixels`.

use super::Picture;
use super::decode::{decode, fit, resample};
use crate::render::numbers::thousands;

/// A channel may move this much before the pixel counts as changed: JPEG
/// and resampling noise is not a change anyone sees.
pub const PIXEL_TOLERANCE: u8 = 8;

/// Each picture is decoded to at most this many pixels a side for the
/// comparison, which bounds the work to about 4 megapixels a picture
/// whatever the image claims; larger pictures are compared scaled down.
pub const PIXEL_DIFF_SIDE: u32 = 2048;

/// What marks a changed pixel: a red no plot uses for its background.
pub const CHANGED: [u8; 3] = [255, 0, 64];

/// Two pictures compared over the canvas both fit in.
#[derive(Clone, PartialEq, Eq)]
pub struct PixelDiff {
    /// Pixels that differ: changed where both pictures have them, and every
    /// pixel only one of them has.
    pub differ: u64,
    /// Pixels of the canvas either picture covers.
    pub total: u64,
    /// The smallest box holding every differing pixel: x, y, width, height.
    pub bbox: Option<(u32, u32, u32, u32)>,
    /// Size of each picture as compared (after any scaling down).
    pub old_size: (u32, u32),
    pub new_size: (u32, u32),
    /// The canvas with unchanged pixels greyed and faded, changed ones in
    /// [`CHANGED`], and what neither picture covers white.
    pub mask: Picture,
}

impl std::fmt::Debug for PixelDiff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PixelDiff")
            .field("differ", &self.differ)
            .field("total", &self.total)
            .field("bbox", &self.bbox)
            .field("old_size", &self.old_size)
            .field("new_size", &self.new_size)
            .finish_non_exhaustive()
    }
}

/// Decodes two image files and compares them (see [`compare`]); an error
/// names the side that could not be read.
pub fn pixel_diff(old: &[u8], new: &[u8]) -> Result<PixelDiff, String> {
    let read = |bytes: &[u8], side: &str| {
        decode(bytes, PIXEL_DIFF_SIDE, PIXEL_DIFF_SIDE).map_err(|e| format!("{side} picture: {e}"))
    };
    let old = read(old, "old")?;
    let new = read(new, "new")?;
    Ok(compare(&old, &new))
}

fn channel_close(a: u8, b: u8) -> bool {
    a.abs_diff(b) <= PIXEL_TOLERANCE
}

/// A faded grey of the pixel's lightness: the picture stays recognisable
/// while the changed pixels stand out.
fn faded([r, g, b]: [u8; 3]) -> [u8; 3] {
    let lum = (299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b)) / 1000;
    let v = u8::try_from(150 + lum * 100 / 255).unwrap_or(u8::MAX);
    [v, v, v]
}

/// Compares `old` with `new` over the overlap of the two (top-left
/// aligned); pixels only one of them has count as changed. Pictures are
/// bounded by how they were decoded, so the work is one pass over the
/// canvas.
pub fn compare(old: &Picture, new: &Picture) -> PixelDiff {
    let (w, h) = (old.width.max(new.width), old.height.max(new.height));
    let mut rgb = Vec::with_capacity(usize::try_from(u64::from(w) * u64::from(h) * 3).unwrap_or(0));
    let (mut differ, mut total) = (0u64, 0u64);
    let mut bbox: Option<(u32, u32, u32, u32)> = None;
    for y in 0..h {
        for x in 0..w {
            let (a, b) = (old.pixel(x, y), new.pixel(x, y));
            let (changed, shown) = match (a, b) {
                (Some(a), Some(b)) => {
                    let same = a.iter().zip(&b).all(|(&p, &q)| channel_close(p, q));
                    (!same, b)
                }
                (None, Some(b)) => (true, b),
                (Some(a), None) => (true, a),
                (None, None) => {
                    rgb.extend([255, 255, 255]);
                    continue;
                }
            };
            total += 1;
            if changed {
                differ += 1;
                bbox = Some(match bbox {
                    None => (x, y, x, y),
                    Some((x0, y0, x1, y1)) => (x0.min(x), y0.min(y), x1.max(x), y1.max(y)),
                });
                rgb.extend(CHANGED);
            } else {
                rgb.extend(faded(shown));
            }
        }
    }
    let mask = Picture::from_rgb(w, h, rgb).unwrap_or_else(|| Picture {
        width: 0,
        height: 0,
        rgb: Vec::new(),
    });
    PixelDiff {
        differ,
        total,
        bbox: bbox.map(|(x0, y0, x1, y1)| (x0, y0, x1 - x0 + 1, y1 - y0 + 1)),
        old_size: (old.width, old.height),
        new_size: (new.width, new.height),
        mask,
    }
}

impl PixelDiff {
    /// `1,204 of 24,300 pixels differ (5.0%)`, with the box of the change
    /// (`in 40×30 at 12,8`) and the sizes when they differ.
    pub fn summary(&self) -> String {
        let count = |n: u64| thousands(usize::try_from(n).unwrap_or(usize::MAX));
        let pct = if self.total == 0 {
            0.0
        } else {
            self.differ as f64 * 100.0 / self.total as f64
        };
        let mut s = if self.differ == 0 {
            format!("no pixel of {} differs", count(self.total))
        } else {
            // A few pixels of a large plot would read as "0.0%".
            let pct = if pct < 0.05 {
                "<0.1".to_string()
            } else {
                format!("{pct:.1}")
            };
            format!(
                "{} of {} pixels differ ({pct}%)",
                count(self.differ),
                count(self.total)
            )
        };
        if let Some((x, y, bw, bh)) = self.bbox {
            s.push_str(&format!(" · in {bw}×{bh} at {x},{y}"));
        }
        if self.old_size != self.new_size {
            let (ow, oh) = self.old_size;
            let (nw, nh) = self.new_size;
            s.push_str(&format!(" · size {ow}×{oh} → {nw}×{nh}"));
        }
        s
    }

    /// The same comparison with its mask scaled down to fit `max`×`max`
    /// (never up), for keeping on screen: a 2048-pixel mask is 12 MB.
    pub fn shrink_mask(mut self, max: u32) -> PixelDiff {
        let m = &self.mask;
        if m.width <= max && m.height <= max {
            return self;
        }
        let (w, h) = fit(m.width, m.height, max, max);
        self.mask = scaled_mask(m, w, h);
        self
    }

    /// The mask fitted to `cols`×`rows` half-block cells, as
    /// [`super::halfblocks`] would fit it, but keeping every change: a pixel
    /// of the result covering any changed pixel is the marking colour.
    pub fn mask_for_cells(&self, cols: u16, rows: u16) -> Picture {
        let m = &self.mask;
        let (w, h) = fit(m.width, m.height, u32::from(cols), 2 * u32::from(rows));
        if (w, h) == (m.width, m.height) || w > m.width || h > m.height {
            return m.clone();
        }
        scaled_mask(m, w, h)
    }
}

/// `m` shrunk to `w`×`h` by averaging, then every pixel a change falls in
/// set to [`CHANGED`]: averaging alone fades a few changed pixels of a
/// large plot into the grey around them.
fn scaled_mask(m: &Picture, w: u32, h: u32) -> Picture {
    let mut rgb = resample(&m.rgb, m.width, m.height, w, h);
    let (sw, sh) = (u64::from(m.width.max(1)), u64::from(m.height.max(1)));
    for y in 0..m.height {
        for x in 0..m.width {
            if m.pixel(x, y) != Some(CHANGED) {
                continue;
            }
            let dx = u64::from(x) * u64::from(w) / sw;
            let dy = u64::from(y) * u64::from(h) / sh;
            let at = usize::try_from((dy * u64::from(w) + dx) * 3).unwrap_or(usize::MAX);
            if let Some(px) = rgb.get_mut(at..at.saturating_add(3)) {
                px.copy_from_slice(&CHANGED);
            }
        }
    }
    Picture::from_rgb(w, h, rgb).unwrap_or_else(|| m.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::image::test_util::{encode, gradient, solid};
    use ::image::ImageFormat;

    fn with_pixel(mut p: Picture, x: u32, y: u32, c: [u8; 3]) -> Picture {
        let at = ((y * p.width + x) * 3) as usize;
        p.rgb[at..at + 3].copy_from_slice(&c);
        p
    }

    #[test]
    fn identical_pictures_differ_nowhere() {
        let p = gradient(30, 20);
        let d = compare(&p, &p.clone());
        assert_eq!((d.differ, d.total, d.bbox), (0, 600, None));
        assert_eq!(d.summary(), "no pixel of 600 differs");
        assert_eq!(
            d.mask.pixel(3, 3).map(|c| c[0] == c[1]),
            Some(true),
            "greyed"
        );
    }

    #[test]
    fn one_changed_pixel_is_counted_boxed_and_marked() {
        let old = solid(150, 162, [255, 255, 255]);
        let new = with_pixel(old.clone(), 7, 9, [0, 0, 0]);
        let d = compare(&old, &new);
        assert_eq!((d.differ, d.total), (1, 24_300));
        assert_eq!(d.bbox, Some((7, 9, 1, 1)));
        assert_eq!(d.mask.pixel(7, 9), Some(CHANGED));
        assert_ne!(d.mask.pixel(8, 9), Some(CHANGED));
        assert_eq!(
            d.summary(),
            "1 of 24,300 pixels differ (<0.1%) · in 1×1 at 7,9"
        );
        // Within the tolerance is not a change.
        let close = with_pixel(old.clone(), 1, 1, [250, 250, 250]);
        assert_eq!(compare(&old, &close).differ, 0);
    }

    #[test]
    fn sizes_that_differ_compare_the_overlap_and_count_the_rest() {
        let old = solid(10, 10, [0, 0, 255]);
        let new = solid(12, 8, [0, 0, 255]);
        let d = compare(&old, &new);
        // Canvas 12×10: the overlap 10×8 is the same; old's 10×2 strip
        // below and new's 2×8 strip right are changed; the 2×2 corner
        // neither covers is not counted.
        assert_eq!(d.total, 80 + 20 + 16);
        assert_eq!(d.differ, 36);
        assert_eq!(d.bbox, Some((0, 0, 12, 10)));
        assert_eq!((d.mask.width, d.mask.height), (12, 10));
        assert_eq!(d.mask.pixel(11, 9), Some([255, 255, 255]));
        assert!(
            d.summary().ends_with("size 10×10 → 12×8"),
            "{}",
            d.summary()
        );
    }

    #[test]
    fn files_decode_and_a_damaged_one_is_an_error() {
        let a = gradient(40, 30);
        let b = with_pixel(
            with_pixel(a.clone(), 5, 5, [255, 0, 0]),
            20,
            25,
            [0, 255, 0],
        );
        let d = pixel_diff(&encode(&a, ImageFormat::Png), &encode(&b, ImageFormat::Png)).unwrap();
        assert_eq!(d.differ, 2);
        assert_eq!(d.bbox, Some((5, 5, 16, 21)));
        let png = encode(&a, ImageFormat::Png);
        let e = pixel_diff(&png, &png[..png.len() / 2]).unwrap_err();
        assert!(e.starts_with("new picture: "), "{e}");
        let e = pixel_diff(b"not an image", &png).unwrap_err();
        assert!(e.starts_with("old picture: "), "{e}");
    }

    #[test]
    fn large_pictures_are_compared_scaled_and_the_mask_kept_small() {
        let big = solid(5000, 100, [10, 10, 10]);
        let png = encode(&big, ImageFormat::Png);
        let d = pixel_diff(&png, &png).unwrap();
        assert_eq!(d.new_size.0, PIXEL_DIFF_SIDE);
        assert!(d.total <= u64::from(PIXEL_DIFF_SIDE) * u64::from(PIXEL_DIFF_SIDE));
        let small = d.shrink_mask(640);
        assert!(small.mask.width <= 640 && small.mask.height <= 640);
        assert_eq!(small.differ, 0);
    }

    #[test]
    fn a_scaled_mask_keeps_a_single_change_in_full() {
        let old = solid(400, 200, [255, 255, 255]);
        let new = with_pixel(old.clone(), 201, 99, [0, 0, 0]);
        let d = compare(&old, &new);
        let cells = d.mask_for_cells(40, 10);
        assert_eq!((cells.width, cells.height), (40, 20));
        let marked = (0..20)
            .flat_map(|y| (0..40).map(move |x| (x, y)))
            .filter(|&(x, y)| cells.pixel(x, y) == Some(CHANGED))
            .count();
        assert_eq!(marked, 1, "the one change, not faded away");
        let small = d.shrink_mask(100);
        assert_eq!(small.mask.pixel(50, 24), Some(CHANGED));
    }
}
