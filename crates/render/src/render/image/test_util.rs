//! Pictures, asset files and environments shared by the image tests.

use std::io::Cursor;
use std::path::Path;

use ::image::{DynamicImage, ImageFormat};

use super::Picture;

pub(super) fn asset(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../assets")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub(super) fn solid(w: u32, h: u32, c: [u8; 3]) -> Picture {
    let rgb = (0..w * h).flat_map(|_| c).collect();
    Picture::from_rgb(w, h, rgb).unwrap()
}

pub(super) fn red_over_blue() -> Picture {
    Picture::from_rgb(2, 2, vec![255, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 255]).unwrap()
}

pub(super) fn encode(p: &Picture, format: ImageFormat) -> Vec<u8> {
    let img = ::image::RgbImage::from_raw(p.width, p.height, p.rgb.clone()).unwrap();
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(img)
        .write_to(&mut out, format)
        .unwrap();
    out.into_inner()
}

pub(super) fn gradient(w: u32, h: u32) -> Picture {
    let mut rgb = Vec::new();
    for y in 0..h {
        for x in 0..w {
            rgb.extend([(x * 255 / w) as u8, (y * 255 / h) as u8, 128]);
        }
    }
    Picture::from_rgb(w, h, rgb).unwrap()
}

pub(super) fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }
}
