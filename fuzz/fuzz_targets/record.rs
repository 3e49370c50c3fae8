//! Fuzzes the record parser: a commit message → `Record`
//! (`activity::parse_message`, as the walk reads every commit, parsing each
//! detail line's key once into a `LineKey`), and that each key shows as the
//! text it was read from.
#![no_main]

use gtm_tui::activity::record::is_record;
use gtm_tui::activity::{LineKey, parse_message};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(record) = parse_message(data) else {
        assert!(!is_record(data), "a record-like message gave no record");
        return;
    };
    for line in &record.details {
        let text = line.key.to_string();
        assert_eq!(
            LineKey::parse(&text),
            line.key,
            "a key does not show as read"
        );
    }
    // A record read without a complaint is written back as the client
    // would, and that reads as the same record.
    if record.errors.is_empty() && record.details.iter().all(|d| d.error.is_none()) {
        let again = parse_message(record.to_message().as_bytes());
        assert_eq!(again.as_ref(), Some(&record), "record does not round-trip");
    }
});
