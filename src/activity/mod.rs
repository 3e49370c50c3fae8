//! The on-disk activity format: pure parsing and encoding, no git.
