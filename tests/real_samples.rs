//! The reader against real records from public Gigantum projects (stored bytes and expected decodes).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use gtm_tui::activity::{self, Content, DetailKey, detail};
use serde_json::Value;

fn samples() -> Vec<Value> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/real-records.json"
    ))
    .unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["records"].as_array().unwrap().clone()
}

#[test]
fn real_records_decode_exactly() {
    let mut details = 0;
    let mut images = 0;
    for rec in samples() {
        let msg = rec["message"].as_str().unwrap();
        let parsed = activity::parse_message(msg.as_bytes()).unwrap();
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_eq!(parsed.to_message(), msg, "written back byte for byte");
        for (line, sample) in parsed
            .details
            .iter()
            .zip(rec["details"].as_array().unwrap())
        {
            assert_eq!(line.to_line(), sample["detail_line"].as_str().unwrap());
            let key = DetailKey::parse(&line.key.to_string()).unwrap();
            let stored = STANDARD
                .decode(sample["stored_bytes_b64"].as_str().unwrap())
                .unwrap();
            // The stored bytes start at the key's offset; pad in front to place them there.
            let mut file = vec![0u8; key.offset as usize];
            file.extend_from_slice(&stored);
            let value = detail::value_at(&file, &key).unwrap();
            let d = detail::decode_value(value);
            assert!(d.errors.is_empty(), "{:?}", d.errors);
            assert_eq!(d.compressed, sample["compressed"].as_bool().unwrap());
            let expected = sample["expected"].as_object().unwrap();
            assert_eq!(d.content.len(), expected.len());
            for c in &d.content {
                let want = &expected[c.mime()];
                match c {
                    Content::Text { text, .. } => assert_eq!(text, want.as_str().unwrap()),
                    Content::Image { image, .. } => {
                        images += 1;
                        assert_eq!(image.data.len() as u64, want["bytes"].as_u64().unwrap());
                        assert_eq!(image.sha256, want["sha256"].as_str().unwrap());
                        let magic = detail::hex(&image.data[..4]);
                        assert_eq!(magic, want["magic_hex"].as_str().unwrap());
                        assert_eq!(image.format.name(), "jpeg", "JPEG under image/png");
                        assert!(image.width > 0 && image.height > 0);
                    }
                    Content::Binary { .. } => panic!("unexpected binary"),
                }
            }
            details += 1;
        }
    }
    assert!(details >= 5);
    assert_eq!(images, 1, "the Blosc-compressed JPEG is among the samples");
}
