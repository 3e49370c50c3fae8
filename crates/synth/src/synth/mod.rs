//! Writes Gigantum-format projects exactly as the client did: tests, benchmarks and the demo use it.
//!
//! - [`pack`]: a fast writer of git objects straight into one packfile.
//! - [`writer`]: [`ProjectWriter`], the low-level builder (records, detail
//!   objects, log rotation, families, branches, merges, broken data).
//! - [`workload`]: [`Workload`], realistic seeded data-science sessions
//!   written through the builder.
//! - [`nbrepo`]: [`NbRepo`], plain git repositories of Jupyter notebooks
//!   with the true identity of every cell in every version.

pub mod demo;
pub mod nbrepo;
pub mod pack;
pub mod workload;
pub mod writer;

pub use nbrepo::{IdMode, NbRepo, NbTruth, TruthCommit, TruthVersion};
pub use workload::{Author, Rng, Workload, sample_jpeg};
pub use writer::{
    CellRef, DetailSpec, Linked, PlantedStreak, ProjectWriter, RecordIds, RecordSpec, SynthError,
    WriterOptions, Written, WrittenDetail, WrittenRecord,
};
