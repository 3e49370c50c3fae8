//! Property tests: arbitrary bytes never panic any parser; they become errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use gtm_tui::activity::{self, DetailKey, blosc, detail, image};
use proptest::prelude::*;

fn record_like() -> impl Strategy<Value = Vec<u8>> {
    // Mostly well-formed prefixes with random tails, so the parser gets deep.
    let real = b"_GTM_ACTIVITY_START_**\nmsg:Executed cell**\nmetadata:{\"show\":true,\"importance\":0,\"type\":2,\"linked_commit\":\"\",\"tags\":[]}**\ndetails:**\n2,1,155,log_fe906ce312aafd63700df8aea2fc3aa6X19nX19sc24AAAAAhwMAAEoAAAA=,1**\n_GTM_ACTIVITY_END_".to_vec();
    (0..real.len(), proptest::collection::vec(any::<u8>(), 0..80)).prop_map(move |(cut, tail)| {
        let mut m = real[..cut].to_vec();
        m.extend(tail);
        m
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn record_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = activity::parse_message(&bytes);
        let mut prefixed = b"_GTM_ACTIVITY_START_".to_vec();
        prefixed.extend(&bytes);
        prop_assert!(activity::parse_message(&prefixed).is_some());
    }

    #[test]
    fn cut_records_are_errors_not_panics(bytes in record_like()) {
        if let Some(r) = activity::parse_message(&bytes) {
            let complete = bytes.ends_with(b"_GTM_ACTIVITY_END_");
            prop_assert!(complete || !r.errors.is_empty());
        }
    }

    #[test]
    fn key_parser_never_panics(s in "\\PC{0,80}") {
        let _ = DetailKey::parse(&s);
        let _ = activity::record::parse_detail_line(&s, 0);
    }

    #[test]
    fn value_lookup_never_panics(file in proptest::collection::vec(any::<u8>(), 0..200), off in any::<u32>(), len in any::<u32>()) {
        let key = DetailKey { family: format!("log_{}", "a".repeat(32)), file_number: 0, offset: off % 256, length: len };
        let _ = detail::value_at(&file, &key);
    }

    #[test]
    fn value_decoder_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = detail::decode_value(&bytes);
    }

    #[test]
    fn blosc_never_panics(mut bytes in proptest::collection::vec(any::<u8>(), 0..400), version in 1u8..3) {
        let _ = blosc::decompress(&bytes);
        // A header that looks right makes the decoder reach its block code.
        if bytes.len() >= 16 {
            let n = bytes.len() as u32;
            bytes[0] = version;
            bytes[3] = 8;
            bytes[4..8].copy_from_slice(&(n * 3).to_le_bytes());
            bytes[12..16].copy_from_slice(&n.to_le_bytes());
            let _ = blosc::decompress(&bytes);
        }
    }

    #[test]
    fn image_path_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200), which in 0usize..4) {
        let mut b = [&b"\xff\xd8\xff"[..], b"\x89PNG\r\n\x1a\n", b"GIF89a", b"BM"][which].to_vec();
        b.extend(&bytes);
        if let Some(f) = image::sniff(&b) {
            let _ = image::dimensions(&b, f);
        }
        let _ = detail::decode_entry("image/png", b.clone());
        let _ = detail::decode_entry("image/gif", bytes.clone());
        let _ = detail::decode_entry("text/plain", bytes);
    }
}

#[test]
fn corrupt_real_blosc_chunk_is_an_error() {
    // Every single-byte corruption of a valid chunk's body is an error or a
    // correct-length output, never a panic.
    let data: Vec<u8> = (0..6000u32).map(|i| (i % 97) as u8).collect();
    let chunk = blosc::compress(&data);
    for i in 16..chunk.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut c = chunk.clone();
            c[i] ^= flip;
            if let Ok(out) = blosc::decompress(&c) {
                assert_eq!(out.len(), data.len());
            }
        }
    }
}
