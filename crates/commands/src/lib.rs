//! The non-interactive commands. The TUI is not a dependency: a command
//! cannot name it.

use gtm_core::{
    activity, columns, compare, diff, env, export, files, insights, lineage, nbhistory, notebook,
    repo, timefmt,
};
use gtm_render::render;

pub mod commands;
