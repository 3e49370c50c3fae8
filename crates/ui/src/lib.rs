//! The terminal UI. The commands are not a dependency: a screen cannot name
//! one, and what both need lives in the presentation layer.

use gtm_core::{
    activity, columns, compare, contained, diff, env, files, insights, lineage, memory, nbhistory,
    notebook, repo, timefmt,
};
use gtm_render::render;

pub mod tui;
