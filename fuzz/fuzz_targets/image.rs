//! Fuzzes the image path: an image entry's bytes through
//! `detail::decode_entry` (magic bytes or base64 text of an image, size from
//! the header), then what the TUI draws: `tui::render::image::decode` (with
//! its limits, at the record pane's picture size), half-blocks and the kitty,
//! iTerm2 and sixel escape sequences.
#![no_main]

use gtm_tui::activity::Content;
use gtm_tui::activity::detail::decode_entry;
use gtm_tui::tui::prepare::PICTURE_MAX;
use gtm_tui::tui::render::image::{Protocol, decode, escape_sequence, halfblocks};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Real logs hold JPEG bytes under image/png: the key is not trusted.
    let bytes = match decode_entry("image/png", data.to_vec()) {
        Ok(Content::Image { image, .. }) => image.data,
        // Bytes the entry decoder refused still go through the picture
        // decoder, which must refuse them on its own.
        _ => data.to_vec(),
    };
    let Ok(picture) = decode(&bytes, PICTURE_MAX.0, PICTURE_MAX.1) else {
        return;
    };
    assert!(picture.width <= PICTURE_MAX.0 && picture.height <= PICTURE_MAX.1);
    for depth256 in [false, true] {
        let _ = halfblocks(&picture, 80, 24, depth256);
    }
    for protocol in [Protocol::Kitty, Protocol::Iterm, Protocol::Sixel] {
        let _ = escape_sequence(&picture, protocol, 80, 24);
    }
});
