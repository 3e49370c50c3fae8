//! The built-in demo project: a small, fixed, realistic two-person history.

use std::path::Path;

use super::{SynthError, Workload, Written};

/// The demo's settings: two authors, Python notebooks and R console work,
/// plots, package changes and upgrades, uploads, notes, a workspace
/// branch, and two retry streaks.
pub fn workload() -> Workload {
    Workload {
        name: "customer-churn-demo".into(),
        records: 160,
        seed: 2221,
        image_every: 4,
        large_every: 15,
        // A couple of places where someone got stuck, and package
        // upgrades, so that the insights and environment screens have
        // something to show.
        streaks: 2,
        upgrades: true,
        ..Workload::default()
    }
}

/// Writes the demo project into `dir`.
pub fn write(dir: &Path) -> Result<Written, SynthError> {
    workload().generate(dir)
}
