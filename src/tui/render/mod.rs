//! Detail contents as styled terminal lines: highlighted code, ANSI text outputs, markdown, images.

pub mod diff;
pub mod highlight;
pub mod image;
pub mod markdown;
pub mod text;
