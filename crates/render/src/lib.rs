//! The presentation layer shared by the commands and the TUI. It depends on
//! the model and on neither of its users, so neither can reach the other
//! through it.

use gtm_core::{activity, between, columns, diff, files, insights, lineage, repo, timefmt};

pub mod render;
