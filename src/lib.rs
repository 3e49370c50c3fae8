//! gtm-tui: read the activity history of Gigantum projects.
//!
//! `activity` is the on-disk format (pure, no git); `repo` reads it out of a
//! git repository; `export` shapes records as JSON; `commands` are the
//! non-interactive commands; `synth` writes projects the way the Gigantum
//! client did, for tests, benchmarks and the demo.

pub use gtm_commands::commands;
pub use gtm_core::{
    activity, between, bounded, columns, compare, contained, diff, env, export, files, insights,
    lineage, memory, nbhistory, notebook, repo, timefmt,
};
pub use gtm_render::render;
pub use gtm_synth::synth;
pub use gtm_ui::tui;

pub mod cli;
pub mod clone;
