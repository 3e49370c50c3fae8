//! The built-in demo project: a small, fixed, realistic two-person history.

use std::path::Path;

use super::{SynthError, Workload, Written};

/// The demo's settings: two authors, Python notebooks and R console work,
/// plots, package changes, uploads, notes, a workspace branch.
pub fn workload() -> Workload {
    Workload {
        name: "customer-churn-demo".into(),
        records: 160,
        seed: 2068,
        image_every: 4,
        large_every: 15,
        ..Workload::default()
    }
}

/// Writes the demo project into `dir`.
pub fn write(dir: &Path) -> Result<Written, SynthError> {
    workload().generate(dir)
}
