//! Our terminal-image code (gtm-render `render::image`) against ratatui-image
//! 11.1, on the same pictures in one run: time from image bytes to what is
//! written to the terminal, the bytes written, sixel palette and error, and
//! what each does with damaged input. `-- detect` times ratatui-image's
//! terminal query (run it in the terminal to be measured, or in a pty that
//! never answers). README: "Terminal images: ratatui-image or our own".
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use gtm_render::render::image::{
    Protocol, cell_pixels, decode, escape_sequence, fit_cells, halfblocks,
};
use image::codecs::png::PngEncoder;
use image::{DynamicImage, ImageEncoder, Rgb, RgbImage};
use ratatui::backend::{Backend, CrosstermBackend};
use ratatui::buffer::Buffer;
use ratatui::layout::{Rect, Size};
use ratatui::text::Text;
use ratatui::widgets::{Paragraph, Widget};
use ratatui_image::picker::{Picker, ProtocolType};
use ratatui_image::{Image, Resize};

/// The pane a picture is drawn into, in cells; cells are taken as 10×20 px
/// (ratatui-image's `Picker::halfblocks()` size and our fallback).
const COLS: u16 = 80;
const ROWS: u16 = 30;

fn best<T>(n: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut out = None;
    let mut best = Duration::MAX;
    for _ in 0..n {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed());
        out = Some(v);
    }
    (best, out.expect("n > 0"))
}

fn png(img: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    PngEncoder::new(&mut out)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::Rgb8,
        )
        .unwrap();
    out
}

/// A matplotlib-like figure: white, axes, grid, two anti-aliased curves
/// and bars, with the faint noise of a real plot's anti-aliasing.
fn plot(w: u32, h: u32) -> Vec<u8> {
    let mut img = RgbImage::from_pixel(w, h, Rgb([255, 255, 255]));
    let (x0, y0, x1, y1) = (w / 10, h / 10, w * 9 / 10, h * 9 / 10);
    for x in x0..x1 {
        for y in y0..y1 {
            if (x - x0) % (w / 10) == 0 || (y - y0) % (h / 8) == 0 {
                img.put_pixel(x, y, Rgb([235, 235, 235]));
            }
        }
    }
    for x in x0..x1 {
        img.put_pixel(x, y1, Rgb([0, 0, 0]));
    }
    for y in y0..=y1 {
        img.put_pixel(x0, y, Rgb([0, 0, 0]));
    }
    let bars = 12;
    let slot = (x1 - x0) / bars;
    for b in 0..bars {
        let top = y1 - (y1 - y0) * (3 + (b * 7) % 10) / 16;
        for x in x0 + b * slot + slot / 5..x0 + (b + 1) * slot - slot / 5 {
            for y in top..y1 {
                img.put_pixel(x, y, Rgb([255, 187, 120]));
            }
        }
    }
    let thick = f64::from(w) / 400.0 + 0.8;
    for (colour, phase) in [([31.0, 119.0, 180.0], 0.0), ([214.0, 39.0, 40.0], 1.7)] {
        for x in x0..x1 {
            let t = f64::from(x - x0) / f64::from(x1 - x0);
            let yc = f64::from(y0) + f64::from(y1 - y0) * (0.5 + 0.35 * (t * 9.0 + phase).sin());
            let lo = (yc - thick - 2.0).max(0.0) as u32;
            for y in lo..(yc + thick + 2.0) as u32 {
                let d = (f64::from(y) - yc).abs();
                let a = (thick + 0.5 - d).clamp(0.0, 1.0);
                if a > 0.0 && y < h {
                    let p = img.get_pixel_mut(x, y);
                    for c in 0..3 {
                        p[c] = (f64::from(p[c]) * (1.0 - a) + colour[c] * a) as u8;
                    }
                }
            }
        }
    }
    let mut seed = 0x2545_f491_u32;
    for p in img.pixels_mut() {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let d = (seed % 5) as u8;
        for c in &mut p.0 {
            *c = c.saturating_sub(d);
        }
    }
    png(&img)
}

/// Many colours (the quantisers' hard case): smooth gradients with noise.
fn photo(w: u32, h: u32) -> Vec<u8> {
    let mut seed = 7u32;
    let img = RgbImage::from_fn(w, h, |x, y| {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let n = (seed >> 28) as u8;
        Rgb([
            (x * 255 / w) as u8 ^ n,
            (y * 255 / h) as u8,
            ((x + y) * 255 / (w + h)) as u8 ^ (n << 1),
        ])
    });
    png(&img)
}

fn inputs() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (
            "scatter.jpg 320×240",
            include_bytes!("../../../assets/scatter.jpg").to_vec(),
        ),
        (
            "hist.jpg 320×240",
            include_bytes!("../../../assets/hist.jpg").to_vec(),
        ),
        ("plot PNG 640×480", plot(640, 480)),
        ("plot PNG 1600×1200", plot(1600, 1200)),
        ("gradient PNG 640×480", photo(640, 480)),
    ]
}

/// What a frame holding only `buf` writes through crossterm.
fn frame_bytes(buf: &Buffer) -> usize {
    frame_text(buf).len()
}

/// The bytes a frame of `buf` writes (for pulling sequences out).
fn frame_text(buf: &Buffer) -> String {
    let empty = Buffer::empty(buf.area);
    let diff = empty.diff(buf);
    let mut out = Vec::<u8>::new();
    let mut backend = CrosstermBackend::new(&mut out);
    backend.draw(diff.into_iter()).unwrap();
    backend.flush().unwrap();
    drop(backend);
    String::from_utf8_lossy(&out).into_owned()
}

fn theirs_picker(p: ProtocolType) -> Picker {
    let mut picker = Picker::halfblocks();
    picker.set_protocol_type(p);
    picker
}

/// ratatui-image from bytes to the frame's buffer: decode with the `image`
/// crate's defaults (it takes a decoded image), scale to the pane, encode,
/// render into a buffer.
fn theirs(bytes: &[u8], p: ProtocolType) -> Result<Buffer, String> {
    let img = image::load_from_memory(bytes).map_err(|e| e.to_string())?;
    let picker = theirs_picker(p);
    let proto = picker
        .new_protocol(img, Size::new(COLS, ROWS), Resize::Scale(None))
        .map_err(|e| e.to_string())?;
    let mut buf = Buffer::empty(Rect::new(0, 0, COLS, ROWS));
    Image::new(&proto).render(buf.area, &mut buf);
    Ok(buf)
}

/// Ours from bytes to what is written: graphics as the TUI's encoder
/// thread does (decode at the pane's pixel size, then the sequence);
/// half-blocks as the record pane does (decode at most 400×300, lines).
fn ours(bytes: &[u8], p: Protocol) -> Result<(usize, String), String> {
    if p == Protocol::Halfblocks {
        let pic = decode(bytes, 400, 300)?;
        let lines = halfblocks(&pic, COLS, ROWS, false);
        let mut buf = Buffer::empty(Rect::new(0, 0, COLS, ROWS));
        Paragraph::new(Text::from(lines)).render(buf.area, &mut buf);
        return Ok((frame_bytes(&buf), String::new()));
    }
    let (cw, ch) = cell_pixels();
    let pic = decode(bytes, u32::from(COLS) * cw, u32::from(ROWS) * ch)?;
    let seq = escape_sequence(&pic, p, COLS, ROWS).ok_or("no sequence")?;
    // The cursor move the TUI writes before it.
    Ok((seq.len() + 8, seq))
}

/// A sixel sequence decoded: raster size, colours defined, pixels (RGB,
/// `None` where no sixel was set).
struct Sixel {
    w: usize,
    h: usize,
    colours: usize,
    px: Vec<Option<[u8; 3]>>,
}

fn parse_sixel(seq: &str) -> Option<Sixel> {
    let start = seq.find("\x1bP")?;
    let body = &seq[start + 2..];
    let q = body.find('q')?;
    let body = &body[q + 1..];
    let end = body.find("\x1b\\")?;
    let b: Vec<char> = body[..end].chars().collect();
    let mut i = 0;
    let num = |i: &mut usize| -> usize {
        let s = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        b[s..*i].iter().collect::<String>().parse().unwrap_or(0)
    };
    let params = |i: &mut usize| -> Vec<usize> {
        let mut v = vec![num(i)];
        while *i < b.len() && b[*i] == ';' {
            *i += 1;
            v.push(num(i));
        }
        v
    };
    let (mut w, mut h) = (0, 0);
    let mut px: Vec<Option<[u8; 3]>> = Vec::new();
    let mut palette = std::collections::HashMap::new();
    let (mut x, mut band, mut colour) = (0usize, 0usize, 0usize);
    let grow =
        |px: &mut Vec<Option<[u8; 3]>>, w: &mut usize, h: &mut usize, nw: usize, nh: usize| {
            if nw > *w || nh > *h {
                let (ow, oh) = (*w, *h);
                let (nw, nh) = (nw.max(ow), nh.max(oh));
                let mut n = vec![None; nw * nh];
                for y in 0..oh {
                    for x in 0..ow {
                        n[y * nw + x] = px[y * ow + x];
                    }
                }
                *px = n;
                *w = nw;
                *h = nh;
            }
        };
    while i < b.len() {
        match b[i] {
            '"' => {
                i += 1;
                let v = params(&mut i);
                if let [_, _, pw, ph] = v[..] {
                    grow(&mut px, &mut w, &mut h, pw, ph);
                }
            }
            '#' => {
                i += 1;
                let v = params(&mut i);
                colour = v[0];
                if let [_, 2, r, g, bl] = v[..] {
                    let c = |p: usize| ((p * 255 + 50) / 100) as u8;
                    palette.insert(colour, [c(r), c(g), c(bl)]);
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
                if b[i] == '!' {
                    i += 1;
                    n = num(&mut i);
                }
                let bits = b[i] as u32 - 63;
                grow(&mut px, &mut w, &mut h, x + n, band + 6);
                for _ in 0..n {
                    for k in 0..6 {
                        if bits & (1 << k) != 0 {
                            px[(band + k) * w + x] = palette.get(&colour).copied();
                        }
                    }
                    x += 1;
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    Some(Sixel {
        w,
        h,
        colours: palette.len(),
        px,
    })
}

/// Mean absolute error per channel (0–255) of the drawn pixels against the
/// source scaled to the same size, and the share of pixels left unset.
fn sixel_error(src: &[u8], s: &Sixel) -> (f64, f64) {
    let img = image::load_from_memory(src).unwrap().to_rgb8();
    // Compare the picture's own area only (theirs pads to whole cells).
    let (iw, ih) = (img.width() as f64, img.height() as f64);
    let scale = f64::min(s.w as f64 / iw, s.h as f64 / ih);
    let (rw, rh) = ((iw * scale).round() as u32, (ih * scale).round() as u32);
    let r = image::imageops::resize(&img, rw, rh, image::imageops::FilterType::Triangle);
    let (mut err, mut n, mut unset) = (0u64, 0u64, 0u64);
    for y in 0..rh.min(s.h as u32) {
        for x in 0..rw.min(s.w as u32) {
            match s.px[y as usize * s.w + x as usize] {
                Some(got) => {
                    let want = r.get_pixel(x, y).0;
                    for c in 0..3 {
                        err += u64::from(got[c].abs_diff(want[c]));
                    }
                    n += 1;
                }
                None => unset += 1,
            }
        }
    }
    (
        err as f64 / (n.max(1) * 3) as f64,
        unset as f64 / (n + unset).max(1) as f64,
    )
}

fn kb(n: usize) -> String {
    format!("{:.1} kB", n as f64 / 1000.0)
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn damaged() -> Vec<(&'static str, Vec<u8>)> {
    let good = plot(640, 480);
    let mut bad_header = good.clone();
    bad_header[1] = b'X';
    let mut huge = png(&RgbImage::from_pixel(1, 1, Rgb([9, 9, 9])));
    // IHDR width and height, CRC fixed so only the size is a lie.
    huge[16..20].copy_from_slice(&20_000u32.to_be_bytes());
    huge[20..24].copy_from_slice(&20_000u32.to_be_bytes());
    let crc = crc32(&huge[12..29]);
    huge[29..33].copy_from_slice(&crc.to_be_bytes());
    let jpeg = include_bytes!("../../../assets/plot.jpg");
    vec![
        (
            "truncated PNG (first half)",
            good[..good.len() / 2].to_vec(),
        ),
        ("bad header (PNG magic broken)", bad_header),
        (
            "1×1 PNG",
            png(&RgbImage::from_pixel(1, 1, Rgb([200, 30, 30]))),
        ),
        ("PNG claiming 20000×20000", huge),
        (
            "truncated JPEG (first 60%)",
            jpeg[..jpeg.len() * 6 / 10].to_vec(),
        ),
        ("empty", Vec::new()),
    ]
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0xEDB8_8320
            } else {
                c >> 1
            };
        }
    }
    !c
}

fn outcome<T>(f: impl FnOnce() -> Result<T, String>, took: &mut Duration) -> String {
    let t = Instant::now();
    let r = catch_unwind(AssertUnwindSafe(f));
    *took = t.elapsed();
    match r {
        Ok(Ok(_)) => "drawn".to_string(),
        Ok(Err(e)) => format!("error: {}", e.chars().take(70).collect::<String>()),
        Err(_) => "PANIC".to_string(),
    }
}

fn bench() {
    println!(
        "pane {COLS}×{ROWS} cells; our cell size {:?} px, theirs 10×20",
        cell_pixels()
    );
    let protos = [
        (Protocol::Sixel, ProtocolType::Sixel),
        (Protocol::Kitty, ProtocolType::Kitty),
        (Protocol::Iterm, ProtocolType::Iterm2),
        (Protocol::Halfblocks, ProtocolType::Halfblocks),
    ];
    println!("\n| picture | protocol | ours: time | ours: bytes | theirs: time | theirs: bytes |");
    println!("|---|---|---|---|---|---|");
    let mut quality = Vec::new();
    for (name, bytes) in inputs() {
        for (o, t) in protos {
            let n = if bytes.len() > 100_000 { 3 } else { 5 };
            let (to, ro) = best(n, || ours(&bytes, o).unwrap());
            let (tt, rt) = best(n, || theirs(&bytes, t).unwrap());
            println!(
                "| {name} | {} | {} | {} | {} | {} |",
                o.name(),
                ms(to),
                kb(ro.0),
                ms(tt),
                kb(frame_bytes(&rt))
            );
            if o == Protocol::Sixel {
                quality.push((name, bytes.clone(), ro.1, frame_text(&rt)));
            }
        }
    }
    println!("\n| picture | sixel | size px | colours | mean error /255 | unset |");
    println!("|---|---|---|---|---|---|");
    for (name, bytes, o, t) in &quality {
        for (who, seq) in [("ours", o), ("theirs", t)] {
            match parse_sixel(seq) {
                Some(s) => {
                    let (e, unset) = sixel_error(bytes, &s);
                    println!(
                        "| {name} | {who} | {}×{} | {} | {e:.1} | {:.1}% |",
                        s.w,
                        s.h,
                        s.colours,
                        unset * 100.0
                    );
                }
                None => println!("| {name} | {who} | no sixel found | | | |"),
            }
        }
    }

    println!("\n| damaged input | ours (decode + sixel) | theirs (image crate defaults + sixel) |");
    println!("|---|---|---|");
    for (name, bytes) in damaged() {
        let (mut a, mut b) = (Duration::ZERO, Duration::ZERO);
        let o = outcome(|| ours(&bytes, Protocol::Sixel), &mut a);
        let t = outcome(|| theirs(&bytes, ProtocolType::Sixel), &mut b);
        println!("| {name} | {o} ({}) | {t} ({}) |", ms(a), ms(b));
    }

    // Degenerate panes and pictures straight into each encoder.
    println!("\n| degenerate case | ours | theirs |");
    println!("|---|---|---|");
    let one = DynamicImage::ImageRgb8(RgbImage::from_pixel(1, 1, Rgb([1, 2, 3])));
    let tall = DynamicImage::ImageRgb8(RgbImage::from_pixel(1, 4000, Rgb([1, 2, 3])));
    for (label, img, cols, rows) in [
        ("1×1 picture, 1×1 pane", &one, 1u16, 1u16),
        ("1×4000 picture, 80×30 pane", &tall, 80, 30),
        ("1×1 picture, 0×0 pane", &one, 0, 0),
    ] {
        for (o, t) in protos {
            let mut d = Duration::ZERO;
            let rgb = img.to_rgb8();
            let pic = gtm_render::render::image::Picture::from_rgb(
                rgb.width(),
                rgb.height(),
                rgb.into_raw(),
            )
            .unwrap();
            let ro = outcome(
                || {
                    let _ = fit_cells(&pic, o, cols, rows);
                    if o == Protocol::Halfblocks {
                        let _ = halfblocks(&pic, cols, rows, false);
                        Ok(())
                    } else {
                        escape_sequence(&pic, o, cols, rows)
                            .map(|_| ())
                            .ok_or_else(|| "no sequence (nothing drawn)".to_string())
                    }
                },
                &mut d,
            );
            let rt = outcome(
                || {
                    theirs_picker(t)
                        .new_protocol(img.clone(), Size::new(cols, rows), Resize::Scale(None))
                        .map(|_| ())
                        .map_err(|e| e.to_string())
                },
                &mut d,
            );
            println!("| {label}, {} | {ro} | {rt} |", o.name());
        }
    }
}

/// ratatui-image's detection: the terminal query, timed. Then reads a line
/// from stdin, to show whether the query's reader thread (left blocked
/// when the terminal did not answer) takes the user's first keys.
fn detect() {
    let t = Instant::now();
    let ours = Protocol::detect();
    println!(
        "ours: {} in {:?} (environment only)",
        ours.name(),
        t.elapsed()
    );
    let t = Instant::now();
    let r = Picker::from_query_stdio();
    let took = t.elapsed();
    match r {
        Ok(p) => println!(
            "theirs: {:?}, font {}×{}, tmux {} in {:?}",
            p.protocol_type(),
            p.font_size().width,
            p.font_size().height,
            p.tmux_detected(),
            took
        ),
        Err(e) => println!("theirs: error {e} in {took:?}"),
    }
    println!("type a line:");
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    println!("read back: {line:?}");
}

fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("detect") => detect(),
        _ => bench(),
    }
}
