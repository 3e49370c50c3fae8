//! Small real PNG figures, different bytes for different plots, base64 as a notebook embeds them.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::synth::workload::{Rng, rgb_png};

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
    rgb_png(w, h, &raw)
}

pub(super) fn figure_b64(seed: u64) -> String {
    STANDARD.encode(figure(seed))
}
