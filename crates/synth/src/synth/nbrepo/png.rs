//! Small real PNG figures, different bytes for different plots, base64 as a notebook embeds them.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::synth::workload::{Rng, rgb_png};

/// A `w`×`h` RGB bar chart of six bars whose heights come from `seed`; past 24×16, with a
/// faint noise over it (anti-aliasing, a textured style), which keeps zlib from shrinking it
/// far below a real plot's weight.
pub(super) fn figure(seed: u64, (w, h): (u32, u32)) -> Vec<u8> {
    let (w, h) = (w.max(6), h.max(3));
    let mut rng = Rng::new(seed);
    let bars: Vec<u32> = (0..6)
        .map(|_| 2 + rng.below(u64::from(h) - 2) as u32)
        .collect();
    let slot = w.div_ceil(6);
    let noisy = w * h > 24 * 16;
    let mut raw = Vec::with_capacity(((w * 3 + 1) * h) as usize);
    for y in 0..h {
        raw.push(0);
        for x in 0..w {
            let bar = bars.get((x / slot) as usize).copied().unwrap_or(0);
            let mut px = if x % slot != slot - 1 && h - y <= bar {
                [31u8, 119, 180]
            } else {
                [255u8, 255, 255]
            };
            if noisy {
                let d = rng.below(6) as u8;
                for c in &mut px {
                    *c = c.saturating_sub(d);
                }
            }
            raw.extend_from_slice(&px);
        }
    }
    rgb_png(w, h, &raw)
}

pub(super) fn figure_b64(seed: u64, size: (u32, u32)) -> String {
    STANDARD.encode(figure(seed, size))
}
