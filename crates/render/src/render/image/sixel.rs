//! DEC sixel graphics: median-cut palette and run-length encoded bands.

use std::fmt::Write as _;

use super::Picture;
use super::decode::{fit, resample};

/// Caps each side of a sixel image, so that a huge pane cannot make the
/// encoder allocate without bound.
const MAX_SIXEL_SIDE: u32 = 4096;

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

pub(super) fn sixel(p: &Picture, cols: u16, rows: u16, cell: (u32, u32)) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::image::test_util::{asset, gradient, red_over_blue};
    use crate::render::image::{Protocol, decode, escape_sequence};
    use std::collections::HashMap;

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
}
