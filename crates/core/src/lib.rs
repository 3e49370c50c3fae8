//! The model: a project's git history read into records, and what is worked
//! out of it (cell lineage, file and environment changes, insights, export).
//! It knows no terminal: neither ratatui nor crossterm is a dependency.

pub use gtm_format::{activity, contained};

pub mod between;
pub mod bounded;
mod bytes;
pub mod columns;
pub mod compare;
pub mod diff;
pub mod env;
pub mod export;
pub mod files;
pub mod insights;
pub mod lineage;
pub mod memory;
pub mod nbhistory;
pub mod notebook;
pub mod repo;
pub mod timefmt;
