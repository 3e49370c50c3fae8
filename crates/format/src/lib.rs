//! The Gigantum activity format: records in commit messages, detail lines,
//! activity log files and their Blosc chunks. Pure: this crate knows no git
//! and no terminal, and the compiler keeps it so (it has neither as a dependency).

pub mod activity;
pub mod contained;
