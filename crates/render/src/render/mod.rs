//! The presentation layer shared by the commands and the TUI: detail
//! contents as styled lines (highlighted code, ANSI text outputs, markdown,
//! images, diffs) and the one sanitiser for text from repositories. It
//! knows neither the commands nor the TUI's state.

pub mod ansi;
pub mod cell;
pub mod diff;
pub mod files;
pub mod highlight;
pub mod image;
pub mod insights;
pub mod linewrap;
pub mod markdown;
pub mod nbenv;
pub mod nbinsights;
pub mod notebooks;
pub mod numbers;
pub mod palette;
pub mod sanitize;
pub mod streams;
pub mod text;
