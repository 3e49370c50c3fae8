//! Fuzzes the detail decoder: `detail::decode_value` on a stored value
//! (options byte, JSON, base64, Blosc, MIME type → text, image or binary),
//! and `blosc::decompress` on the same bytes taken as a Blosc chunk, a layer
//! the JSON and base64 around it make hard to reach.
#![no_main]

use gtm_tui::activity::blosc;
use gtm_tui::activity::detail::decode_value;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = decode_value(data);
    if let Ok(out) = blosc::decompress(data) {
        assert!(out.len() <= blosc::MAX_DECOMPRESSED);
    }
});
