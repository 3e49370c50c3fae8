//! The timing every benchmark uses, shared also by the stand-alone bench
//! workspaces (`benches/yaml`, `benches/handwritten`) through `#[path]`.

use std::time::{Duration, Instant};

/// The fastest of `n` runs of `f`: on a shared machine the minimum is the
/// least disturbed figure.
pub fn best(n: usize, mut f: impl FnMut()) -> Duration {
    (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}
