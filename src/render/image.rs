//! Plot images in the terminal: decoding hostile bytes with limits, Unicode
//! half-blocks, kitty / iTerm2 / sixel escape sequences, a memory-bounded
//! picture cache, saving to a file and opening in the system viewer.

use std::fmt::{self, Write as _};
use std::fs::OpenOptions;
use std::io::{self, Cursor, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use ::image::codecs::png::{CompressionType, FilterType, PngEncoder};
use ::image::error::LimitErrorKind;
use ::image::{
    DynamicImage, ExtendedColorType, ImageDecoder, ImageEncoder, ImageError, ImageFormat,
    ImageReader, Limits,
};
use base64::Engine as _;

use crate::activity::image::{ImageFormat as Format, sniff};
use crate::render::palette::nearest_256;
use base64::engine::general_purpose::STANDARD;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};

/// Images whose header claims more pixels than this are refused before
/// any pixel is decoded: a few bytes of header can otherwise ask for
/// gigabytes.
pub const MAX_PIXELS: u64 = 50_000_000;

/// The most memory a decoder may ask for (the decoded pixels included).
pub const MAX_DECODE_BYTES: u64 = 256 << 20;

/// Deletes every kitty image placement on screen and frees its data.
///
/// Kitty images are not part of the text grid, so a redraw does not erase
/// them: send this before redrawing a screen that showed one.
pub const KITTY_DELETE_ALL: &str = "\x1b_Ga=d,d=A,q=2\x1b\\";

/// A terminal cell in pixels when the terminal does not say: the usual
/// 1:2 shape, which is also what the half-blocks assume.
const FALLBACK_CELL: (u32, u32) = (10, 20);

/// Caps each side of a sixel image, so that a huge pane cannot make the
/// encoder allocate without bound.
const MAX_SIXEL_SIDE: u32 = 4096;

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

    /// [`Protocol::detect_from`] over the process environment.
    pub fn detect() -> Protocol {
        Protocol::detect_from(|name| {
            std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
        })
    }

    /// Detects the protocol from environment variables (read through
    /// `get`) without querying the terminal, first match wins:
    ///
    /// 1. `NO_COLOR` set and non-empty, or `TERM=dumb` → `Off`;
    /// 2. inside tmux (`TMUX`) or GNU screen (`TERM=screen*`/`tmux*`) →
    ///    `Halfblocks`;
    /// 3. `KITTY_WINDOW_ID`, `TERM=xterm-kitty`, or Ghostty → `Kitty`;
    /// 4. `TERM_PROGRAM` of `iTerm.app` or `WezTerm` → `Iterm`;
    /// 5. `TERM` containing `sixel`, or foot, mlterm, contour, mintty, yaft
    ///    → `Sixel`;
    /// 6. anything else → `Halfblocks`.
    pub fn detect_from(get: impl Fn(&str) -> Option<String>) -> Protocol {
        // An empty variable counts as unset, as NO_COLOR's convention has it.
        let var = |name: &str| get(name).filter(|v| !v.is_empty());
        let term = var("TERM").unwrap_or_default();
        let program = var("TERM_PROGRAM").unwrap_or_default();

        if var("NO_COLOR").is_some() || term == "dumb" {
            return Protocol::Off;
        }
        // Before the terminal checks: tmux and screen keep the outer
        // terminal's variables (KITTY_WINDOW_ID, TERM_PROGRAM, …) but
        // neither forwards graphics reliably, and what does get through
        // is not erased when tmux redraws its panes.
        if var("TMUX").is_some() || term.starts_with("screen") || term.starts_with("tmux") {
            return Protocol::Halfblocks;
        }
        if var("KITTY_WINDOW_ID").is_some()
            || term == "xterm-kitty"
            || term == "xterm-ghostty"
            || program == "ghostty"
        {
            return Protocol::Kitty;
        }
        if program == "iTerm.app" || program == "WezTerm" {
            return Protocol::Iterm;
        }
        let sixel_terms = ["foot", "mlterm", "contour", "yaft"];
        let sixel_programs = ["foot", "mlterm", "contour", "mintty"];
        if term.contains("sixel")
            || sixel_terms.iter().any(|t| term.starts_with(t))
            || sixel_programs.contains(&program.as_str())
        {
            return Protocol::Sixel;
        }
        Protocol::Halfblocks
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

/// The `image` crate's codec for a format we sniffed.
fn codec(f: Format) -> ImageFormat {
    match f {
        Format::Jpeg => ImageFormat::Jpeg,
        Format::Png => ImageFormat::Png,
        Format::Gif => ImageFormat::Gif,
        Format::Bmp => ImageFormat::Bmp,
    }
}

/// Whether a JPEG's end-of-image marker follows its first scan.
///
/// The decoder is lenient and fills what a truncated file lacks with
/// grey, which would show a half-drawn plot as if it were whole. Header
/// segments are walked by their lengths (an EXIF thumbnail holds its own
/// markers); after the first start-of-scan, `FF D9` can only be the end
/// marker, since scan data escapes every `FF` byte.
fn jpeg_has_end(b: &[u8]) -> bool {
    let mut at = 2;
    loop {
        let Some(&[0xFF, marker]) = b.get(at..at + 2) else {
            return false;
        };
        match marker {
            // Fill bytes before a marker.
            0xFF => at += 1,
            // Markers without a length.
            0x01 | 0xD0..=0xD7 => at += 2,
            0xD9 => return false,
            _ => {
                let Some(&[hi, lo]) = b.get(at + 2..at + 4) else {
                    return false;
                };
                let next = at + 2 + usize::from(u16::from_be_bytes([hi, lo]));
                if marker == 0xDA {
                    let scan = b.get(next..).unwrap_or(&[]);
                    return scan.windows(2).any(|w| w == [0xFF, 0xD9]);
                }
                at = next;
            }
        }
    }
}

fn not_an_image(b: &[u8]) -> String {
    if b.is_empty() {
        return "not an image: no bytes".to_string();
    }
    let head: Vec<String> = b.iter().take(8).map(|x| format!("{x:02x}")).collect();
    format!(
        "not an image: unrecognised magic bytes {} (expected JPEG, PNG, GIF or BMP)",
        head.join(" ")
    )
}

/// An `image` error as a short message led by the format name.
fn describe(name: &str, e: &ImageError) -> String {
    match e {
        ImageError::Limits(l) => match l.kind() {
            LimitErrorKind::InsufficientMemory => format!(
                "{name}: decoding needs more than {} MB",
                MAX_DECODE_BYTES >> 20
            ),
            _ => format!("{name}: {l}"),
        },
        ImageError::IoError(io) if io.kind() == io::ErrorKind::UnexpectedEof => {
            format!("{name}: premature end of data")
        }
        ImageError::Decoding(d) => {
            // The wrapper's own text repeats the format ("Format error
            // decoding Jpeg: …"); the underlying error is the news.
            match std::error::Error::source(d).map(|src| src.to_string()) {
                // Decoders word running out of bytes variously ("Unexpected
                // End of File", "unexpected EOF"); one wording reads better.
                Some(msg) if is_eof_message(&msg) => format!("{name}: premature end of data"),
                Some(msg) => format!("{name}: {msg}"),
                None => format!("{name}: corrupt data"),
            }
        }
        other => format!("{name}: {other}"),
    }
}

fn is_eof_message(msg: &str) -> bool {
    let lower = msg.to_ascii_lowercase();
    [
        "end of file",
        "unexpected eof",
        "no more bytes",
        "unexpected end",
    ]
    .iter()
    .any(|m| lower.contains(m))
}

/// The largest size within `max_w`×`max_h` with the aspect of `w`×`h`,
/// never larger than `w`×`h` (decoding only ever shrinks).
fn shrink_to(w: u32, h: u32, max_w: u32, max_h: u32) -> (u32, u32) {
    if w <= max_w && h <= max_h {
        return (w, h);
    }
    fit(w, h, max_w, max_h)
}

/// `w`×`h` scaled up or down to fit `box_w`×`box_h`, keeping the aspect,
/// at least 1×1.
fn fit(w: u32, h: u32, box_w: u32, box_h: u32) -> (u32, u32) {
    let (box_w, box_h) = (box_w.max(1), box_h.max(1));
    if w == 0 || h == 0 {
        return (1, 1);
    }
    let s = f64::min(
        f64::from(box_w) / f64::from(w),
        f64::from(box_h) / f64::from(h),
    );
    // `as` saturates on float → int, and the clamp keeps the box.
    let nw = ((f64::from(w) * s).round() as u32).clamp(1, box_w);
    let nh = ((f64::from(h) * s).round() as u32).clamp(1, box_h);
    (nw, nh)
}

/// Decodes image bytes (format sniffed from magic bytes, never trusting a
/// MIME key) with limits, and downscales to at most `max_w`×`max_h`
/// pixels keeping the aspect (never upscales; a zero maximum counts as 1).
///
/// Refuses images whose header claims more than [`MAX_PIXELS`] pixels and
/// decodes that would need more than [`MAX_DECODE_BYTES`]. Applies the
/// EXIF orientation of JPEGs; GIFs give their first frame; transparency is
/// flattened onto white. Errors are short messages naming the problem,
/// such as `"jpeg: premature end of data"` or
/// `"image claims 100000×100000 pixels, over the 50-megapixel limit"`.
pub fn decode(bytes: &[u8], max_w: u32, max_h: u32) -> Result<Picture, String> {
    // The MIME key a notebook stored is not trusted: magic bytes decide.
    let format = sniff(bytes).ok_or_else(|| not_an_image(bytes))?;
    let name = format.name();
    if format == Format::Jpeg && !jpeg_has_end(bytes) {
        return Err(format!("{name}: premature end of data"));
    }

    // `Limits` is non-exhaustive, so it is adjusted rather than built.
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), codec(format));
    reader.limits(limits);
    // Making the decoder reads only the header (JPEG's, PNG's up to the
    // first data chunk): the size is known before any pixel buffer exists.
    let mut decoder = reader.into_decoder().map_err(|e| describe(name, &e))?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(format!(
            "image claims {w}×{h} pixels, over the {}-megapixel limit",
            MAX_PIXELS / 1_000_000
        ));
    }
    if w == 0 || h == 0 {
        return Err(format!("{name}: image claims {w}×{h} pixels"));
    }
    // The decoder checks its own allocations only loosely; the output
    // buffer is checked here, as `ImageReader::decode` would.
    if decoder.total_bytes() > MAX_DECODE_BYTES {
        return Err(format!(
            "{name}: decoding {w}×{h} pixels needs {} MB, more than {} MB",
            decoder.total_bytes() >> 20,
            MAX_DECODE_BYTES >> 20
        ));
    }
    // Orientation is metadata: a broken EXIF block should not lose the
    // picture, so its errors are ignored.
    let orientation = decoder.orientation().ok();
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| describe(name, &e))?;
    if let Some(o) = orientation {
        img.apply_orientation(o);
    }

    let (tw, th) = shrink_to(img.width(), img.height(), max_w.max(1), max_h.max(1));
    if (tw, th) != (img.width(), img.height()) {
        // Scaled in the decoded colour type, before flattening, so that a
        // large image is never converted at full size.
        img = img.thumbnail_exact(tw, th);
    }
    let (width, height) = (img.width(), img.height());
    Ok(Picture {
        width,
        height,
        rgb: flatten(img),
    })
}

/// RGB bytes of an image, alpha composited onto white: plots saved with a
/// transparent background have dark ink meant for a white page.
fn flatten(img: DynamicImage) -> Vec<u8> {
    if !img.color().has_alpha() {
        return img.into_rgb8().into_raw();
    }
    let rgba = img.into_rgba8();
    let mut out = Vec::with_capacity(rgba.as_raw().len() / 4 * 3);
    for p in rgba.as_raw().chunks_exact(4) {
        if let &[r, g, b, a] = p {
            let a = u32::from(a);
            for c in [r, g, b] {
                let v = (u32::from(c) * a + 255 * (255 - a) + 127) / 255;
                out.push(u8::try_from(v).unwrap_or(u8::MAX));
            }
        }
    }
    out
}

/// Box-filter resampling of RGB bytes to `dw`×`dh`: each output pixel is
/// the mean of the source pixels it covers (or the one nearest, when
/// enlarging), so thin plot lines fade rather than vanish.
fn resample(src: &[u8], sw: u32, sh: u32, dw: u32, dh: u32) -> Vec<u8> {
    let (Ok(sw), Ok(sh), Ok(dw), Ok(dh)) = (
        usize::try_from(sw),
        usize::try_from(sh),
        usize::try_from(dw),
        usize::try_from(dh),
    ) else {
        return Vec::new();
    };
    if sw == dw && sh == dh {
        return src.to_vec();
    }
    if sw == 0 || sh == 0 || dw == 0 || dh == 0 {
        return vec![0; dw.saturating_mul(dh).saturating_mul(3)];
    }
    let span = |i: usize, from: usize, to: usize| {
        let a = i * from / to;
        let b = ((i + 1) * from / to).clamp(a + 1, from);
        (a, b)
    };
    let xs: Vec<(usize, usize)> = (0..dw).map(|x| span(x, sw, dw)).collect();
    let mut out = Vec::with_capacity(dw * dh * 3);
    let mut sums = vec![[0u64; 4]; dw];
    for y in 0..dh {
        let (y0, y1) = span(y, sh, dh);
        sums.iter_mut().for_each(|s| *s = [0; 4]);
        for row in (y0..y1).filter_map(|yy| src.get(yy * sw * 3..(yy + 1) * sw * 3)) {
            for (s, &(x0, x1)) in sums.iter_mut().zip(&xs) {
                for px in row.get(x0 * 3..x1 * 3).unwrap_or(&[]).chunks_exact(3) {
                    if let &[r, g, b] = px {
                        s[0] += u64::from(r);
                        s[1] += u64::from(g);
                        s[2] += u64::from(b);
                        s[3] += 1;
                    }
                }
            }
        }
        for s in &sums {
            let n = s[3].max(1);
            for c in &s[..3] {
                out.push(u8::try_from((c + n / 2) / n).unwrap_or(u8::MAX));
            }
        }
    }
    out
}

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

/// The terminal's cell size in pixels, from the tty's window size when it
/// reports pixels (many do not), else [`FALLBACK_CELL`].
pub fn cell_pixels() -> (u32, u32) {
    match crossterm::terminal::window_size() {
        Ok(ws)
            if ws.columns > 0 && ws.rows > 0 && ws.width >= ws.columns && ws.height >= ws.rows =>
        {
            (
                u32::from(ws.width / ws.columns),
                u32::from(ws.height / ws.rows),
            )
        }
        _ => FALLBACK_CELL,
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

fn kitty(p: &Picture, c: u16, r: u16) -> String {
    let (payload, head) = match png_bytes(p) {
        Some(png) => (png, format!("a=T,f=100,q=2,C=1,c={c},r={r}")),
        None => (
            p.rgb.clone(),
            format!("a=T,f=24,s={},v={},q=2,C=1,c={c},r={r}", p.width, p.height),
        ),
    };
    // 3072 raw bytes are exactly 4096 base64 bytes with no padding, so
    // every chunk but the last is a whole multiple of 4, as kitty needs.
    let chunks: Vec<&[u8]> = payload.chunks(3072).collect();
    let mut out = String::with_capacity(payload.len() / 3 * 4 + chunks.len() * 16 + 64);
    let last = chunks.len().saturating_sub(1);
    for (i, chunk) in chunks.iter().enumerate() {
        let more = u8::from(i != last);
        out.push_str("\x1b_G");
        if i == 0 {
            out.push_str(&head);
            out.push(',');
        }
        let _ = write!(out, "m={more};");
        STANDARD.encode_string(chunk, &mut out);
        out.push_str("\x1b\\");
    }
    out
}

fn iterm(p: &Picture, cols: u16, rows: u16) -> Option<String> {
    let png = png_bytes(p)?;
    let mut out =
        format!("\x1b]1337;File=inline=1;width={cols};height={rows};preserveAspectRatio=1:");
    STANDARD.encode_string(&png, &mut out);
    out.push('\x07');
    Some(out)
}

/// Index of a colour's cell in the 5-bit-per-channel histogram.
fn bucket(r: u8, g: u8, b: u8) -> usize {
    (usize::from(r >> 3) << 10) | (usize::from(g >> 3) << 5) | usize::from(b >> 3)
}

/// One occupied histogram cell: its 15-bit colour, pixel count and the
/// sum of the exact colours that fell in it (so palette entries are true
/// means, not cell corners: white stays 255, not 248).
#[derive(Clone, Copy)]
struct Cell {
    key: u16,
    count: u64,
    sum: [u64; 3],
}

impl Cell {
    fn channel(&self, ch: usize) -> u16 {
        (self.key >> (10 - 5 * ch.min(2))) & 31
    }
}

/// Median-cut quantisation to at most 256 colours: the palette and one
/// palette index per pixel.
fn quantize(px: &[u8]) -> (Vec<[u8; 3]>, Vec<u8>) {
    let mut hist = vec![(0u64, [0u64; 3]); 1 << 15];
    for c in px.chunks_exact(3) {
        if let &[r, g, b] = c
            && let Some(e) = hist.get_mut(bucket(r, g, b))
        {
            e.0 += 1;
            e.1[0] += u64::from(r);
            e.1[1] += u64::from(g);
            e.1[2] += u64::from(b);
        }
    }
    let mut cells: Vec<Cell> = hist
        .iter()
        .enumerate()
        .filter(|(_, e)| e.0 > 0)
        .map(|(k, e)| Cell {
            key: u16::try_from(k).unwrap_or(0),
            count: e.0,
            sum: e.1,
        })
        .collect();

    // Boxes are ranges of `cells`; each split sorts a box along its widest
    // channel and cuts it at the pixel-weighted median.
    let widest = |cells: &[Cell]| -> (usize, u16) {
        (0..3)
            .map(|ch| {
                let lo = cells.iter().map(|c| c.channel(ch)).min().unwrap_or(0);
                let hi = cells.iter().map(|c| c.channel(ch)).max().unwrap_or(0);
                (ch, hi - lo)
            })
            .max_by_key(|&(_, range)| range)
            .unwrap_or((0, 0))
    };
    let mut boxes: Vec<(usize, usize)> = vec![(0, cells.len())];
    while boxes.len() < 256 {
        let best = boxes
            .iter()
            .enumerate()
            .filter(|(_, (a, b))| b - a > 1)
            .filter_map(|(i, &(a, b))| {
                let (ch, range) = widest(cells.get(a..b)?);
                Some((i, ch, range))
            })
            .max_by_key(|&(_, _, range)| range);
        let Some((i, ch, _)) = best else { break };
        let Some(&(a, b)) = boxes.get(i) else { break };
        let Some(slice) = cells.get_mut(a..b) else {
            break;
        };
        slice.sort_unstable_by_key(|c| c.channel(ch));
        let total: u64 = slice.iter().map(|c| c.count).sum();
        let mut acc = 0;
        let mut cut = a + 1;
        for (j, c) in slice.iter().enumerate() {
            acc += c.count;
            if acc * 2 >= total {
                cut = a + j + 1;
                break;
            }
        }
        let cut = cut.clamp(a + 1, b - 1);
        if let Some(bx) = boxes.get_mut(i) {
            *bx = (a, cut);
        }
        boxes.push((cut, b));
    }

    let mut palette = Vec::with_capacity(boxes.len());
    let mut lut = vec![0u8; 1 << 15];
    for (pi, &(a, b)) in boxes.iter().enumerate() {
        let members = cells.get(a..b).unwrap_or(&[]);
        let n: u64 = members.iter().map(|c| c.count).sum::<u64>().max(1);
        let mean = |ch: usize| {
            let s: u64 = members
                .iter()
                .map(|c| c.sum.get(ch).copied().unwrap_or(0))
                .sum();
            u8::try_from((s + n / 2) / n).unwrap_or(u8::MAX)
        };
        palette.push([mean(0), mean(1), mean(2)]);
        let index = u8::try_from(pi).unwrap_or(u8::MAX);
        for c in members {
            if let Some(slot) = lut.get_mut(usize::from(c.key)) {
                *slot = index;
            }
        }
    }
    let indices = px
        .chunks_exact(3)
        .map(|c| match c {
            &[r, g, b] => lut.get(bucket(r, g, b)).copied().unwrap_or(0),
            _ => 0,
        })
        .collect();
    (palette, indices)
}

/// Appends one colour's sixel row, run-length encoded, trailing blanks
/// dropped (the next colour starts again from the left margin anyway).
fn push_sixel_row(out: &mut String, row: &[u8]) {
    let end = row.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    let mut rest = row.get(..end).unwrap_or(&[]);
    while let Some(&first) = rest.first() {
        let n = rest.iter().take_while(|&&b| b == first).count();
        let ch = char::from(63 + (first & 0x3F));
        if n >= 4 {
            let _ = write!(out, "!{n}{ch}");
        } else {
            out.extend(std::iter::repeat_n(ch, n));
        }
        rest = rest.get(n..).unwrap_or(&[]);
    }
}

fn sixel(p: &Picture, cols: u16, rows: u16, cell: (u32, u32)) -> String {
    let box_w = (u32::from(cols).saturating_mul(cell.0.max(1))).min(MAX_SIXEL_SIDE);
    let box_h = (u32::from(rows).saturating_mul(cell.1.max(1))).min(MAX_SIXEL_SIDE);
    let (w, h) = fit(p.width, p.height, box_w, box_h);
    let px = resample(&p.rgb, p.width, p.height, w, h);
    let (palette, idx) = quantize(&px);
    let (w, h) = (
        usize::try_from(w).unwrap_or(0),
        usize::try_from(h).unwrap_or(0),
    );

    let mut out = String::with_capacity(w * h / 2 + palette.len() * 20 + 32);
    // P2=1: pixels left at 0 keep the background. The raster attributes
    // declare square pixels and the size, so the terminal can reserve it.
    let _ = write!(out, "\x1bP0;1q\"1;1;{w};{h}");
    let pct = |v: u8| (u32::from(v) * 100 + 127) / 255;
    for (i, [r, g, b]) in palette.iter().enumerate() {
        let _ = write!(out, "#{i};2;{};{};{}", pct(*r), pct(*g), pct(*b));
    }

    // Each band is six pixel rows; per colour present in the band, one
    // pass left to right with that colour's bits set.
    let mut bits = vec![0u8; 256 * w];
    let mut used = [false; 256];
    for band in (0..h).step_by(6) {
        for k in 0..6 {
            let y = band + k;
            let Some(row) = idx.get(y * w..(y + 1) * w) else {
                break;
            };
            for (x, &c) in row.iter().enumerate() {
                let c = usize::from(c);
                if let Some(b) = bits.get_mut(c * w + x) {
                    *b |= 1 << k;
                }
                if let Some(u) = used.get_mut(c) {
                    *u = true;
                }
            }
        }
        let mut first = true;
        for (c, u) in used.iter_mut().enumerate() {
            if !std::mem::take(u) {
                continue;
            }
            if !first {
                out.push('$');
            }
            first = false;
            let _ = write!(out, "#{c}");
            if let Some(row) = bits.get_mut(c * w..(c + 1) * w) {
                push_sixel_row(&mut out, row);
                row.fill(0);
            }
        }
        // No new line after the last band: at the bottom of the screen it
        // would scroll the whole TUI up.
        if band + 6 < h {
            out.push('-');
        }
    }
    out.push_str("\x1b\\");
    out
}

/// A file name stem that stays inside the target directory: path
/// separators and control characters become `_`, leading dots go (no
/// hidden files, no `..`), and an empty result becomes `image`.
fn safe_stem(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c == ':' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .take(120)
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    if trimmed.is_empty() {
        "image".to_string()
    } else {
        trimmed.to_string()
    }
}

/// Writes image bytes to `dir/<name>.<ext>` with the extension from the
/// sniffed format (jpg/png/gif/bmp), never overwriting an existing file
/// (`name-1.ext`, `name-2.ext`, …); returns the path.
///
/// `name` is made safe for a file name first (see the source). Bytes that
/// are not a recognised image are refused with `InvalidData`. Files are
/// created with `create_new`, so a file appearing meanwhile is not
/// clobbered either; a failed write removes its partial file.
pub fn save(bytes: &[u8], dir: &Path, name: &str) -> io::Result<PathBuf> {
    let format = sniff(bytes).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}; not saved", not_an_image(bytes)),
        )
    })?;
    let ext = format.extension();
    let stem = safe_stem(name);
    for n in 0..10_000u32 {
        let file = if n == 0 {
            format!("{stem}.{ext}")
        } else {
            format!("{stem}-{n}.{ext}")
        };
        let path = dir.join(file);
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(mut f) => {
                if let Err(e) = f.write_all(bytes).and_then(|()| f.flush()) {
                    let _ = std::fs::remove_file(&path);
                    return Err(e);
                }
                return Ok(path);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!(
            "{stem}.{ext} and 9999 numbered variants already exist in {}",
            dir.display()
        ),
    ))
}

/// Which program opens files, or why none can.
fn viewer_program(
    macos: bool,
    get: impl Fn(&str) -> Option<String>,
) -> Result<&'static str, String> {
    if macos {
        return Ok("open");
    }
    let set = |name: &str| get(name).is_some_and(|v| !v.is_empty());
    if set("DISPLAY") || set("WAYLAND_DISPLAY") {
        Ok("xdg-open")
    } else {
        Err("no display: use s to save the image instead".to_string())
    }
}

/// Opens a file in the system viewer when a display is available
/// (`DISPLAY` or `WAYLAND_DISPLAY` set, or macOS): `xdg-open` / `open`,
/// spawned detached (own process group, stdio null, reaped by a
/// background thread) so it neither writes over the TUI nor gets the
/// TUI's Ctrl-C. Errors are messages for the status line, such as
/// `"no display: use s to save the image instead"`.
pub fn open_in_viewer(path: &Path) -> Result<(), String> {
    let program = viewer_program(cfg!(target_os = "macos"), |name| {
        std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
    })?;
    if !path.is_file() {
        return Err(format!("{}: no such file", path.display()));
    }
    let mut cmd = Command::new(program);
    cmd.arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt as _;
        cmd.process_group(0);
    }
    let mut child = cmd.spawn().map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            format!("{program} not found: use s to save the image instead")
        } else {
            format!("{program}: {e}")
        }
    })?;
    // Waited for so it leaves no zombie; if no thread can be started the
    // child is merely reaped when the TUI exits.
    let _ = std::thread::Builder::new()
        .name("image-viewer".to_string())
        .spawn(move || child.wait());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;
    use std::time::{Duration, Instant};

    const ASSETS: [&str; 3] = ["plot.jpg", "hist.jpg", "scatter.jpg"];

    fn asset(name: &str) -> Vec<u8> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets")
            .join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn solid(w: u32, h: u32, c: [u8; 3]) -> Picture {
        let rgb = (0..w * h).flat_map(|_| c).collect();
        Picture::from_rgb(w, h, rgb).unwrap()
    }

    fn red_over_blue() -> Picture {
        Picture::from_rgb(2, 2, vec![255, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 255]).unwrap()
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend(data);
        out.extend(&body);
        out.extend(crc32(&body).to_be_bytes());
    }

    /// A PNG whose header claims `w`×`h` and whose data is a few bytes.
    fn png_claiming(w: u32, h: u32) -> Vec<u8> {
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = w.to_be_bytes().to_vec();
        ihdr.extend(h.to_be_bytes());
        ihdr.extend([8, 2, 0, 0, 0]);
        png_chunk(&mut out, b"IHDR", &ihdr);
        png_chunk(
            &mut out,
            b"IDAT",
            &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
        );
        png_chunk(&mut out, b"IEND", &[]);
        out
    }

    fn encode(p: &Picture, format: ImageFormat) -> Vec<u8> {
        let img = ::image::RgbImage::from_raw(p.width, p.height, p.rgb.clone()).unwrap();
        let mut out = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(img)
            .write_to(&mut out, format)
            .unwrap();
        out.into_inner()
    }

    fn gradient(w: u32, h: u32) -> Picture {
        let mut rgb = Vec::new();
        for y in 0..h {
            for x in 0..w {
                rgb.extend([(x * 255 / w) as u8, (y * 255 / h) as u8, 128]);
            }
        }
        Picture::from_rgb(w, h, rgb).unwrap()
    }

    #[test]
    fn decodes_the_assets() {
        for name in ASSETS {
            let p = decode(&asset(name), 1000, 1000).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!((p.width, p.height), (320, 240), "{name}");
            assert_eq!(p.rgb().len(), 320 * 240 * 3);
            // Plots are mostly white paper: the picture is not all black.
            assert!(p.rgb().iter().map(|&b| u64::from(b)).sum::<u64>() > 320 * 240 * 3 * 100);
        }
    }

    #[test]
    fn downscales_within_the_maximum_keeping_aspect() {
        let bytes = asset("plot.jpg");
        for (mw, mh, want) in [
            (100, 100, (100, 75)),
            (1000, 30, (40, 30)),
            (160, 1000, (160, 120)),
            (2000, 2000, (320, 240)), // never enlarged
            (0, 0, (1, 1)),
        ] {
            let p = decode(&bytes, mw, mh).unwrap();
            assert_eq!((p.width, p.height), want, "max {mw}×{mh}");
            assert!(p.width <= mw.max(1) && p.height <= mh.max(1));
            assert_eq!(p.rgb().len() as u64, u64::from(p.width * p.height) * 3);
        }
        for (mw, mh) in [(77, 500), (500, 33), (13, 13)] {
            let p = decode(&bytes, mw, mh).unwrap();
            let aspect = f64::from(p.width) / f64::from(p.height);
            assert!(
                (aspect - 4.0 / 3.0).abs() < 0.1,
                "{mw}×{mh}: {}×{}",
                p.width,
                p.height
            );
        }
    }

    #[test]
    fn other_formats_decode_and_alpha_goes_onto_white() {
        let p = gradient(40, 30);
        for f in [ImageFormat::Png, ImageFormat::Gif, ImageFormat::Bmp] {
            let got = decode(&encode(&p, f), 100, 100).unwrap();
            assert_eq!((got.width, got.height), (40, 30), "{f:?}");
        }
        let clear = ::image::RgbaImage::from_pixel(3, 2, ::image::Rgba([0, 0, 0, 0]));
        let mut bytes = Cursor::new(Vec::new());
        DynamicImage::ImageRgba8(clear)
            .write_to(&mut bytes, ImageFormat::Png)
            .unwrap();
        let got = decode(bytes.get_ref(), 10, 10).unwrap();
        assert_eq!(got.pixel(0, 0), Some([255, 255, 255]));
    }

    #[test]
    fn truncated_and_random_bytes_are_errors() {
        let bytes = asset("plot.jpg");
        let e = decode(&bytes[..2000], 100, 100).unwrap_err();
        assert_eq!(e, "jpeg: premature end of data");
        let e = decode(&bytes[..bytes.len() - 2], 100, 100).unwrap_err();
        assert_eq!(e, "jpeg: premature end of data");
        // Bytes after the end marker are harmless.
        let mut padded = bytes.clone();
        padded.extend([0; 16]);
        assert!(decode(&padded, 100, 100).is_ok());
        let p = gradient(40, 30);
        for f in [ImageFormat::Png, ImageFormat::Gif, ImageFormat::Bmp] {
            let whole = encode(&p, f);
            let e = decode(&whole[..whole.len() / 2], 100, 100).unwrap_err();
            let name = format!("{f:?}").to_lowercase();
            assert!(e.starts_with(&name), "{f:?}: {e}");
        }
        let e = decode(&[0x12, 0x34, 0x56, 0x78, 0x9a], 100, 100).unwrap_err();
        assert!(
            e.starts_with("not an image: unrecognised magic bytes 12 34"),
            "{e}"
        );
        assert!(decode(&[], 10, 10).unwrap_err().contains("no bytes"));
        assert!(decode(&[0xFF, 0xD8, 0xFF, 0x00, 0x01], 10, 10).is_err());
        assert!(
            decode(b"\x89PNG\r\n\x1a\n", 10, 10)
                .unwrap_err()
                .starts_with("png: ")
        );
        assert!(decode(b"GIF89a", 10, 10).is_err());
    }

    #[test]
    fn huge_claimed_dimensions_are_refused_fast() {
        let bytes = png_claiming(100_000, 100_000);
        let start = Instant::now();
        let e = decode(&bytes, 100, 100).unwrap_err();
        assert!(start.elapsed() < Duration::from_secs(1));
        assert!(e.contains("claims 100000×100000 pixels"), "{e}");
        // Under the pixel limit but 16-bit RGBA: over the memory limit.
        let mut wide = png_claiming(7000, 7000);
        wide[24] = 16; // bit depth
        wide[25] = 6; // RGBA
        let crc = crc32(&wide[12..29]);
        wide[29..33].copy_from_slice(&crc.to_be_bytes());
        let e = decode(&wide, 100, 100).unwrap_err();
        assert!(e.contains("MB"), "{e}");
    }

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

    fn kitty_chunks(seq: &str) -> Vec<(&str, &str)> {
        seq.split("\x1b\\")
            .filter(|s| !s.is_empty())
            .map(|s| {
                let body = s.strip_prefix("\x1b_G").expect("chunk starts with APC G");
                body.split_once(';').expect("control;payload")
            })
            .collect()
    }

    #[test]
    fn kitty_sequence_is_chunked() {
        let p = decode(&asset("hist.jpg"), 1000, 1000).unwrap();
        let seq = escape_sequence(&p, Protocol::Kitty, 40, 20).unwrap();
        assert!(seq.starts_with("\x1b_Ga=T,f=100,"));
        let chunks = kitty_chunks(&seq);
        assert!(chunks.len() > 1, "a JPEG-sized PNG needs several chunks");
        let (first, _) = chunks[0];
        assert!(first.contains("q=2") && first.contains("c=") && first.contains("r="));
        let mut payload = String::new();
        for (i, (control, data)) in chunks.iter().enumerate() {
            assert!(data.len() <= 4096);
            let last = i + 1 == chunks.len();
            assert!(
                control.ends_with(if last { "m=0" } else { "m=1" }),
                "{control}"
            );
            if !last {
                assert_eq!(data.len() % 4, 0);
            }
            payload.push_str(data);
        }
        let png = STANDARD.decode(payload).unwrap();
        let back = decode(&png, 1000, 1000).unwrap();
        assert_eq!(back, p, "PNG is lossless");
        // Kitty stretches to c×r, so they keep the 4:3 aspect (2:1 cells).
        assert!(first.contains("c=40,r=15"), "{first}");
        // A tiny picture is one chunk.
        let seq = kitty(&solid(2, 2, [1, 2, 3]), 1, 1);
        let chunks = kitty_chunks(&seq);
        assert_eq!(chunks.len(), 1);
        assert!(chunks[0].0.ends_with("m=0"));
    }

    #[test]
    fn iterm_sequence_shape() {
        let p = red_over_blue();
        let seq = escape_sequence(&p, Protocol::Iterm, 30, 10).unwrap();
        let prefix = "\x1b]1337;File=inline=1;width=30;height=10;preserveAspectRatio=1:";
        assert!(seq.starts_with(prefix), "{seq:?}");
        let data = seq
            .strip_prefix(prefix)
            .unwrap()
            .strip_suffix('\x07')
            .unwrap();
        let back = decode(&STANDARD.decode(data).unwrap(), 10, 10).unwrap();
        assert_eq!(back, p);
    }

    /// A minimal sixel decoder: (width, height, pixels as palette RGB in %).
    fn parse_sixel(seq: &str) -> (usize, usize, Vec<Option<[u32; 3]>>) {
        let body = seq
            .strip_prefix("\x1bP0;1q")
            .unwrap()
            .strip_suffix("\x1b\\")
            .unwrap();
        let (raster, rest) = body.strip_prefix('"').unwrap().split_once('#').unwrap();
        let dims: Vec<usize> = raster.split(';').map(|v| v.parse().unwrap()).collect();
        let (w, h) = (dims[2], dims[3]);
        let mut px = vec![None; w * h];
        let mut palette = HashMap::new();
        let chars: Vec<char> = format!("#{rest}").chars().collect();
        let (mut i, mut x, mut band, mut colour) = (0, 0, 0, 0);
        let number = |i: &mut usize| {
            let start = *i;
            while chars[*i].is_ascii_digit() {
                *i += 1;
            }
            chars[start..*i]
                .iter()
                .collect::<String>()
                .parse::<u32>()
                .unwrap()
        };
        while i < chars.len() {
            match chars[i] {
                '#' => {
                    i += 1;
                    colour = number(&mut i);
                    if chars.get(i) == Some(&';') {
                        i += 3; // ";2;"
                        let r = number(&mut i);
                        i += 1;
                        let g = number(&mut i);
                        i += 1;
                        let b = number(&mut i);
                        palette.insert(colour, [r, g, b]);
                    }
                }
                '$' => {
                    x = 0;
                    i += 1;
                }
                '-' => {
                    x = 0;
                    band += 6;
                    i += 1;
                }
                '!' | '?'..='~' => {
                    let mut n = 1;
                    if chars[i] == '!' {
                        i += 1;
                        n = number(&mut i) as usize;
                    }
                    let bits = chars[i] as u32 - 63;
                    for _ in 0..n {
                        for k in 0..6 {
                            if bits & (1 << k) != 0 {
                                assert!(x < w && band + k < h, "sixel outside raster");
                                px[(band + k) * w + x] = Some(palette[&colour]);
                            }
                        }
                        x += 1;
                    }
                    i += 1;
                }
                c => panic!("unexpected {c:?} in sixel data"),
            }
        }
        assert!(palette.len() <= 256);
        (w, h, px)
    }

    #[test]
    fn sixel_sequence_draws_the_picture() {
        let p = red_over_blue();
        let seq = escape_sequence(&p, Protocol::Sixel, 4, 2).unwrap();
        assert!(seq.starts_with("\x1bP") && seq.ends_with("\x1b\\"));
        let seq = sixel(&p, 4, 2, (10, 20));
        let (w, h, px) = parse_sixel(&seq);
        assert_eq!((w, h), (40, 40));
        assert_eq!(px[0], Some([100, 0, 0]));
        assert_eq!(px[w * h - 1], Some([0, 0, 100]));
        assert!(px.iter().all(Option::is_some));

        // A real plot: every pixel set, within a quantisation step.
        let p = decode(&asset("scatter.jpg"), 1000, 1000).unwrap();
        let seq = sixel(&p, 32, 12, (10, 20));
        let (w, h, px) = parse_sixel(&seq);
        assert_eq!((w, h), (320, 240));
        let mut err = 0u64;
        for (i, got) in px.iter().enumerate() {
            let got = got.expect("every pixel drawn");
            for (c, have) in got.iter().enumerate() {
                let want = u32::from(p.rgb()[i * 3 + c]) * 100 / 255;
                err += u64::from(have.abs_diff(want));
            }
        }
        let mean = err as f64 / (w * h * 3) as f64;
        assert!(mean < 3.0, "mean error {mean}% per channel");
    }

    #[test]
    fn quantize_caps_the_palette() {
        let p = gradient(256, 256);
        let (palette, idx) = quantize(p.rgb());
        assert_eq!(palette.len(), 256);
        assert_eq!(idx.len(), 256 * 256);
        let (palette, _) = quantize(red_over_blue().rgb());
        let mut palette = palette;
        palette.sort_unstable();
        assert_eq!(palette, vec![[0, 0, 255], [255, 0, 0]]);
    }

    #[test]
    fn text_only_protocols_have_no_sequence() {
        let p = red_over_blue();
        assert_eq!(escape_sequence(&p, Protocol::Halfblocks, 10, 10), None);
        assert_eq!(escape_sequence(&p, Protocol::Off, 10, 10), None);
        assert_eq!(escape_sequence(&p, Protocol::Kitty, 0, 10), None);
    }

    #[test]
    fn save_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let jpg = asset("plot.jpg");
        let a = save(&jpg, dir.path(), "plot").unwrap();
        let b = save(&asset("hist.jpg"), dir.path(), "plot").unwrap();
        let c = save(&jpg, dir.path(), "plot").unwrap();
        assert_eq!(a, dir.path().join("plot.jpg"));
        assert_eq!(b, dir.path().join("plot-1.jpg"));
        assert_eq!(c, dir.path().join("plot-2.jpg"));
        assert_eq!(std::fs::read(&a).unwrap(), jpg);
        assert_eq!(std::fs::read(&b).unwrap(), asset("hist.jpg"));
        let png = encode(&red_over_blue(), ImageFormat::Png);
        let d = save(&png, dir.path(), "../../etc/x").unwrap();
        assert_eq!(d.parent(), Some(dir.path()));
        assert_eq!(d.extension().and_then(|e| e.to_str()), Some("png"));
        assert_eq!(
            save(&png, dir.path(), "").unwrap(),
            dir.path().join("image.png")
        );
        let e = save(b"hello", dir.path(), "text").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert!(!dir.path().join("text").exists());
    }

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn detects_protocols_from_the_environment() {
        use Protocol::*;
        let cases: &[(&[(&str, &str)], Protocol)] = &[
            (&[("TERM", "xterm-kitty")], Kitty),
            (
                &[("KITTY_WINDOW_ID", "1"), ("TERM", "xterm-256color")],
                Kitty,
            ),
            (&[("TERM_PROGRAM", "ghostty")], Kitty),
            (&[("TERM_PROGRAM", "iTerm.app")], Iterm),
            (
                &[("TERM_PROGRAM", "WezTerm"), ("TERM", "xterm-256color")],
                Iterm,
            ),
            (&[("TERM", "foot")], Sixel),
            (&[("TERM", "foot-extra")], Sixel),
            (&[("TERM", "mlterm")], Sixel),
            (&[("TERM", "xterm-sixel")], Sixel),
            (&[("TERM_PROGRAM", "mintty")], Sixel),
            (
                &[("TERM", "xterm-kitty"), ("TMUX", "/tmp/tmux-0/default,1,0")],
                Halfblocks,
            ),
            (
                &[("TERM", "screen-256color"), ("TERM_PROGRAM", "iTerm.app")],
                Halfblocks,
            ),
            (&[("TERM", "xterm-kitty"), ("NO_COLOR", "1")], Off),
            (&[("TERM", "xterm-kitty"), ("NO_COLOR", "")], Kitty),
            (&[("TERM", "dumb"), ("KITTY_WINDOW_ID", "3")], Off),
            (&[("TERM", "xterm-256color")], Halfblocks),
            (&[], Halfblocks),
        ];
        for (vars, want) in cases {
            assert_eq!(Protocol::detect_from(env(vars)), *want, "{vars:?}");
        }
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

    #[test]
    fn viewer_needs_a_display() {
        let e = viewer_program(false, env(&[])).unwrap_err();
        assert_eq!(e, "no display: use s to save the image instead");
        assert!(viewer_program(false, env(&[("DISPLAY", "")])).is_err());
        assert_eq!(
            viewer_program(false, env(&[("DISPLAY", ":0")])),
            Ok("xdg-open")
        );
        assert_eq!(
            viewer_program(false, env(&[("WAYLAND_DISPLAY", "wayland-0")])),
            Ok("xdg-open")
        );
        assert_eq!(viewer_program(true, env(&[])), Ok("open"));
    }

    fn corrupt(mut bytes: Vec<u8>, edits: &[(usize, u8)], cut: usize) -> Vec<u8> {
        let n = bytes.len();
        for &(at, v) in edits {
            bytes[at % n] = v;
        }
        bytes.truncate(cut % (n + 1));
        bytes
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        #[test]
        fn random_bytes_never_panic(
            magic in 0usize..5,
            tail in proptest::collection::vec(any::<u8>(), 0..2048),
        ) {
            // Behind a real signature, so that each decoder sees the noise.
            let signatures: [&[u8]; 5] =
                [b"", &[0xFF, 0xD8, 0xFF], b"\x89PNG\r\n\x1a\n", b"GIF89a", b"BM"];
            let mut bytes = signatures[magic].to_vec();
            bytes.extend(tail);
            let result = decode(&bytes, 64, 64);
            if sniff(&bytes).is_none() {
                prop_assert!(result.is_err());
            }
        }

        #[test]
        fn corrupted_images_never_panic(
            which in 0usize..4,
            edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..12),
            cut in any::<usize>(),
        ) {
            let base = match which {
                0 => asset("plot.jpg"),
                1 => encode(&gradient(24, 16), ImageFormat::Png),
                2 => encode(&gradient(24, 16), ImageFormat::Gif),
                _ => encode(&gradient(24, 16), ImageFormat::Bmp),
            };
            let bytes = corrupt(base, &edits, cut);
            if let Ok(p) = decode(&bytes, 64, 64) {
                prop_assert!(p.width <= 64 && p.height <= 64);
                prop_assert_eq!(p.rgb().len() as u64, u64::from(p.width * p.height) * 3);
                let _ = halfblocks(&p, 20, 10, true);
                let _ = sixel(&p, 4, 2, (10, 20));
            }
        }
    }
}
