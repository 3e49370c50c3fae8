//! The on-disk activity format: pure parsing and encoding, no git.

pub mod blosc;
pub mod detail;
pub mod image;
pub mod key;
pub mod kinds;
pub mod record;

pub use detail::{Content, Detail, DetailError, ImageInfo};
pub use key::{DetailKey, KeyError, LineKey};
pub use kinds::{ActionKind, DetailKind, RecordKind};
pub use record::{DetailRef, Record, RecordMeta, parse_message};
