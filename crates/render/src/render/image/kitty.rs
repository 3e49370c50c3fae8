//! The kitty graphics protocol: a PNG (or raw RGB) in base64 chunks.

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::{Picture, png_bytes};

/// Deletes every kitty image placement on screen and frees its data.
///
/// Kitty images are not part of the text grid, so a redraw does not erase
/// them: send this before redrawing a screen that showed one.
pub const KITTY_DELETE_ALL: &str = "\x1b_Ga=d,d=A,q=2\x1b\\";

pub(super) fn kitty(p: &Picture, c: u16, r: u16) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::image::test_util::{asset, solid};
    use crate::render::image::{Protocol, decode, escape_sequence};

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
}
