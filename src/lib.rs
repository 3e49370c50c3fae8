//! gtm-tui: read the activity history of Gigantum projects.
//!
//! `activity` is the on-disk format (pure, no git); `repo` reads it out of a
//! git repository; `export` shapes records as JSON; `commands` are the
//! non-interactive commands; `synth` writes projects the way the Gigantum
//! client did, for tests, benchmarks and the demo.

pub mod activity;
pub mod between;
pub mod bounded;
pub mod cli;
pub mod clone;
pub mod columns;
pub mod commands;
pub mod compare;
pub mod contained;
pub mod diff;
pub mod env;
pub mod export;
pub mod files;
pub mod insights;
pub mod lineage;
pub mod memory;
pub mod notebook;
pub mod render;
pub mod repo;
pub mod synth;
pub mod timefmt;
pub mod tui;
