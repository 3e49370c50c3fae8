//! Fuzzes the key and header decoder: `DetailKey::parse` on a detail line's
//! key, then `detail::value_at`, which finds the value in a log file by
//! checking the 20-byte header stored there against the key. Input: the key,
//! a newline, the log file's bytes.
#![no_main]

use gtm_tui::activity::DetailKey;
use gtm_tui::activity::detail::value_at;
use gtm_tui::activity::key::parse_header;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (key, file) = match data.iter().position(|&b| b == b'\n') {
        Some(at) => {
            let (key, rest) = data.split_at(at);
            (key, rest.get(1..).unwrap_or_default())
        }
        None => (data, &[][..]),
    };
    // Keys come out of a commit message read with invalid UTF-8 replaced.
    let key = String::from_utf8_lossy(key);
    let Ok(parsed) = DetailKey::parse(&key) else {
        return;
    };
    assert_eq!(parsed.encode(), key, "key does not round-trip");
    assert_eq!(
        parse_header(&parsed.header()),
        Ok((parsed.file_number, parsed.offset, parsed.length))
    );
    if let Ok(value) = value_at(file, &parsed) {
        assert_eq!(value.len() as u64, u64::from(parsed.length));
    }
});
