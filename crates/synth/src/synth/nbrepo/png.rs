//! Small real PNG figures, different bytes for different plots, base64 as a notebook embeds them.

use std::io::Write as _;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::synth::workload::Rng;

fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_be_bytes());
}

/// A 24×16 RGB bar chart whose bars come from `seed`.
pub(super) fn figure(seed: u64) -> Vec<u8> {
    let (w, h) = (24u32, 16u32);
    let mut rng = Rng::new(seed);
    let bars: Vec<u32> = (0..6)
        .map(|_| 2 + rng.below(u64::from(h) - 2) as u32)
        .collect();
    let mut raw = Vec::with_capacity(((w * 3 + 1) * h) as usize);
    for y in 0..h {
        raw.push(0);
        for x in 0..w {
            let bar = bars[(x / 4) as usize];
            let px = if x % 4 != 3 && h - y <= bar {
                [31, 119, 180]
            } else {
                [255, 255, 255]
            };
            raw.extend_from_slice(&px);
        }
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    let idat = match z.write_all(&raw) {
        Ok(()) => z.finish().unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &idat);
    chunk(&mut png, b"IEND", &[]);
    png
}

pub(super) fn figure_b64(seed: u64) -> String {
    STANDARD.encode(figure(seed))
}
