//! The gtm-tui binary.

fn main() {}
