//! Decoding untrusted image bytes under pixel and memory limits, and the
//! scaling shared by the encoders.

use std::io::{self, Cursor};

use ::image::error::LimitErrorKind;
use ::image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};

use super::Picture;
use crate::activity::image::{ImageFormat as Format, sniff};

/// Images whose header claims more pixels than this are refused before
/// any pixel is decoded: a few bytes of header can otherwise ask for
/// gigabytes.
pub const MAX_PIXELS: u64 = 50_000_000;

/// The most memory a decoder may ask for (the decoded pixels included).
pub const MAX_DECODE_BYTES: u64 = 256 << 20;

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

pub(super) fn not_an_image(b: &[u8]) -> String {
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
pub(super) fn fit(w: u32, h: u32, box_w: u32, box_h: u32) -> (u32, u32) {
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
pub(super) fn resample(src: &[u8], sw: u32, sh: u32, dw: u32, dh: u32) -> Vec<u8> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::image::halfblocks;
    use crate::render::image::sixel::sixel;
    use crate::render::image::test_util::{asset, encode, gradient};
    use proptest::prelude::*;
    use std::time::{Duration, Instant};

    const ASSETS: [&str; 3] = ["plot.jpg", "hist.jpg", "scatter.jpg"];

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
