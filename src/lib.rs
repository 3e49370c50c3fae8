//! gtm-tui: read the activity history of Gigantum projects.

pub mod activity;
