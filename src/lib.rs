//! gtm-tui: read the history of notebook projects — notebooks committed to git, or a Gigantum
//! project's activity log.
//!
//! `activity` is the Gigantum on-disk format (pure, no git); `repo` reads it and the notebooks
//! out of a git repository; `nbhistory` follows notebooks' cells through a git history;
//! `export` shapes records as JSON; `commands` are the non-interactive commands; `synth` writes
//! projects the way the Gigantum client did, and notebook repositories as Jupyter and friends
//! leave them, for tests, benchmarks and the demo.

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
