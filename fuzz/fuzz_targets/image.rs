//! Fuzzes the image path: an image entry's bytes through
//! `detail::decode_entry` (magic bytes or base64 text of an image, size from
//! the header), then what the TUI draws: `render::image::decode` (with
//! its limits) at the record pane's picture size for half-blocks, and at a
//! pane's size in pixels for the kitty, iTerm2 and sixel escape sequences.
#![no_main]

use gtm_tui::activity::Content;
use gtm_tui::activity::detail::decode_entry;
use gtm_tui::tui::prepare::PICTURE_MAX;
use gtm_tui::render::image::{Protocol, decode, escape_sequence, halfblocks};
use libfuzzer_sys::fuzz_target;

/// A small pane in cells, and a cell in pixels (what `cell_pixels` falls
/// back to): the encoders' work grows with the pane, their code paths do not.
const PANE: (u16, u16) = (12, 4);
const CELL: (u32, u32) = (10, 20);

fuzz_target!(|data: &[u8]| {
    // Real logs hold JPEG bytes under image/png: the key is not trusted.
    let bytes = match decode_entry("image/png", data.to_vec()) {
        Ok(Content::Image { image, .. }) => image.data,
        // Bytes the entry decoder refused still go through the picture
        // decoder, which must refuse them on its own.
        _ => data.to_vec(),
    };
    // The record pane (tui::prepare): half-blocks.
    let Ok(picture) = decode(&bytes, PICTURE_MAX.0, PICTURE_MAX.1) else {
        return;
    };
    assert!(picture.width <= PICTURE_MAX.0 && picture.height <= PICTURE_MAX.1);
    for depth256 in [false, true] {
        let _ = halfblocks(&picture, 80, 24, depth256);
    }
    // Graphics protocols (tui::graphics::encode): decoded at the pane's size.
    let (w, h) = (u32::from(PANE.0) * CELL.0, u32::from(PANE.1) * CELL.1);
    let Ok(picture) = decode(&bytes, w, h) else {
        panic!("decodes at one size but not at another");
    };
    for protocol in [Protocol::Kitty, Protocol::Iterm, Protocol::Sixel] {
        let _ = escape_sequence(&picture, protocol, PANE.0, PANE.1);
    }
});
