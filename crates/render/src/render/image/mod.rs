//! Plot images in the terminal: decoding hostile bytes with limits, Unicode
//! half-blocks, kitty / iTerm2 / sixel escape sequences, a memory-bounded
//! picture cache, saving to a file and opening in the system viewer.

mod decode;
mod detect;
mod halfblocks;
mod iterm;
mod kitty;
mod pixels;
mod save;
mod sixel;
#[cfg(test)]
mod test_util;

use std::fmt;

use ::image::codecs::png::{CompressionType, FilterType, PngEncoder};
use ::image::{ExtendedColorType, ImageEncoder};

use decode::fit;
use iterm::iterm;
use kitty::kitty;
use sixel::sixel;

pub use decode::{MAX_DECODE_BYTES, MAX_PIXELS, decode};
pub use detect::cell_pixels;
pub use halfblocks::halfblocks;
pub use kitty::KITTY_DELETE_ALL;
pub use pixels::{CHANGED, PIXEL_DIFF_SIDE, PIXEL_TOLERANCE, PixelDiff, compare, pixel_diff};
pub use save::{open_in_viewer, save};

/// How to draw images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// The kitty graphics protocol (kitty, Ghostty).
    Kitty,
    /// iTerm2 inline images (iTerm2, WezTerm).
    Iterm,
    /// DEC sixel graphics (foot, mlterm, contour, mintty, …).
    Sixel,
    /// Coloured Unicode half-blocks: works in any colour terminal.
    Halfblocks,
    /// No images; show a placeholder instead.
    Off,
}

impl Protocol {
    /// `--images auto|kitty|iterm|sixel|halfblocks|off` parsing (auto →
    /// `None`, meaning "detect"). Case and surrounding spaces are ignored.
    pub fn parse(s: &str) -> Result<Option<Protocol>, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(None),
            "kitty" => Ok(Some(Protocol::Kitty)),
            "iterm" => Ok(Some(Protocol::Iterm)),
            "sixel" => Ok(Some(Protocol::Sixel)),
            "halfblocks" => Ok(Some(Protocol::Halfblocks)),
            "off" => Ok(Some(Protocol::Off)),
            _ => Err(format!(
                "unknown image protocol {s:?}: expected auto, kitty, iterm, sixel, halfblocks or off"
            )),
        }
    }

    /// The name `parse` accepts for this protocol.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Kitty => "kitty",
            Protocol::Iterm => "iterm",
            Protocol::Sixel => "sixel",
            Protocol::Halfblocks => "halfblocks",
            Protocol::Off => "off",
        }
    }
}

/// A decoded image scaled for the terminal, kept in a cache.
///
/// Pixels are 8-bit RGB, row-major; transparency has been flattened onto
/// white, the background plots are drawn for.
#[derive(Clone, PartialEq, Eq)]
pub struct Picture {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    rgb: Vec<u8>,
}

impl Picture {
    /// A picture from raw RGB bytes (3 per pixel, row-major); `None` when
    /// the length does not match the size.
    pub fn from_rgb(width: u32, height: u32, rgb: Vec<u8>) -> Option<Picture> {
        let expected = u64::from(width) * u64::from(height) * 3;
        (u64::try_from(rgb.len()).ok() == Some(expected)).then_some(Picture { width, height, rgb })
    }

    /// The RGB bytes, 3 per pixel, row-major.
    pub fn rgb(&self) -> &[u8] {
        &self.rgb
    }

    /// The colour at `(x, y)`, `None` outside the picture.
    pub fn pixel(&self, x: u32, y: u32) -> Option<[u8; 3]> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let at = (usize::try_from(y).ok()? * usize::try_from(self.width).ok()?
            + usize::try_from(x).ok()?)
            * 3;
        match self.rgb.get(at..at + 3)? {
            &[r, g, b] => Some([r, g, b]),
            _ => None,
        }
    }

    /// Memory held by this picture, for the cache's accounting.
    pub fn heap_bytes(&self) -> usize {
        self.rgb.capacity() + std::mem::size_of::<Picture>()
    }
}

impl fmt::Debug for Picture {
    // The pixel bytes would drown any log or assertion message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Picture")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("rgb_bytes", &self.rgb.len())
            .finish()
    }
}

/// Cells covered by `p` fitted into `cols`×`rows` cells of `cell` pixels.
fn fit_cells_px(p: &Picture, cols: u16, rows: u16, cell: (u32, u32)) -> (u16, u16) {
    let (cw, ch) = (cell.0.max(1), cell.1.max(1));
    let (w, h) = fit(
        p.width,
        p.height,
        u32::from(cols).saturating_mul(cw),
        u32::from(rows).saturating_mul(ch),
    );
    let c = u16::try_from(w.div_ceil(cw))
        .unwrap_or(cols)
        .clamp(1, cols.max(1));
    let r = u16::try_from(h.div_ceil(ch))
        .unwrap_or(rows)
        .clamp(1, rows.max(1));
    (c, r)
}

/// The cells (columns, rows) the picture occupies when drawn into a
/// `cols`×`rows` area with `proto`, for centring it or placing text below.
/// Half-blocks: exactly what [`halfblocks`] returns. Graphics protocols:
/// from the terminal's cell size in pixels when it reports one, else
/// assuming cells twice as tall as wide. `Off` → (0, 0).
pub fn fit_cells(p: &Picture, proto: Protocol, cols: u16, rows: u16) -> (u16, u16) {
    if p.width == 0 || p.height == 0 || cols == 0 || rows == 0 {
        return (0, 0);
    }
    match proto {
        Protocol::Off => (0, 0),
        Protocol::Halfblocks => fit_cells_px(p, cols, rows, (1, 2)),
        Protocol::Kitty | Protocol::Iterm | Protocol::Sixel => {
            fit_cells_px(p, cols, rows, cell_pixels())
        }
    }
}

/// The picture as a PNG file (fast compression: it is made on every
/// first draw, and plots compress well anyway).
fn png_bytes(p: &Picture) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Adaptive)
        .write_image(&p.rgb, p.width, p.height, ExtendedColorType::Rgb8)
        .ok()?;
    Some(out)
}

/// The escape sequence drawing the picture at the cursor, scaled to fit
/// `cols`×`rows` cells keeping the aspect; `None` for `Halfblocks` and
/// `Off` (use [`halfblocks`]), or for an empty picture or area.
///
/// - kitty: `a=T,f=100` (PNG; `f=24` raw RGB if encoding failed),
///   `q=2` (no replies to read back), `C=1` (cursor stays put, as the TUI
///   positions it itself), `c`/`r` the fitted cells of [`fit_cells`]
///   (kitty stretches to both if given, so they must keep the aspect),
///   base64 in chunks of at most 4096 bytes with `m=1` and a final `m=0`.
///   Kitty images outlive redraws: see [`KITTY_DELETE_ALL`].
/// - iTerm2: `OSC 1337;File=inline=1;width=cols;height=rows;preserveAspectRatio=1:<base64 PNG> BEL`.
/// - sixel: `DCS 0;1 q "1;1;W;H` with a median-cut palette of at most
///   256 colours, run-length encoded, ending in `ST`; sized from the
///   terminal's cell pixels (see [`fit_cells`]).
pub fn escape_sequence(p: &Picture, proto: Protocol, cols: u16, rows: u16) -> Option<String> {
    if p.width == 0 || p.height == 0 || cols == 0 || rows == 0 {
        return None;
    }
    match proto {
        Protocol::Kitty => {
            let (c, r) = fit_cells_px(p, cols, rows, cell_pixels());
            Some(kitty(p, c, r))
        }
        Protocol::Iterm => iterm(p, cols, rows),
        Protocol::Sixel => Some(sixel(p, cols, rows, cell_pixels())),
        Protocol::Halfblocks | Protocol::Off => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use test_util::red_over_blue;

    #[test]
    fn text_only_protocols_have_no_sequence() {
        let p = red_over_blue();
        assert_eq!(escape_sequence(&p, Protocol::Halfblocks, 10, 10), None);
        assert_eq!(escape_sequence(&p, Protocol::Off, 10, 10), None);
        assert_eq!(escape_sequence(&p, Protocol::Kitty, 0, 10), None);
    }

    #[test]
    fn parses_protocol_names() {
        assert_eq!(Protocol::parse("auto"), Ok(None));
        for p in [
            Protocol::Kitty,
            Protocol::Iterm,
            Protocol::Sixel,
            Protocol::Halfblocks,
            Protocol::Off,
        ] {
            assert_eq!(Protocol::parse(p.name()), Ok(Some(p)));
        }
        assert_eq!(Protocol::parse(" Kitty "), Ok(Some(Protocol::Kitty)));
        let e = Protocol::parse("ascii").unwrap_err();
        assert!(e.contains("\"ascii\"") && e.contains("halfblocks"), "{e}");
    }
}
