//! Image formats told by their magic bytes, and their dimensions from the headers.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    Jpeg,
    Png,
    Gif,
    Bmp,
}

impl ImageFormat {
    pub fn name(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "jpeg",
            ImageFormat::Png => "png",
            ImageFormat::Gif => "gif",
            ImageFormat::Bmp => "bmp",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "jpg",
            other => other.name(),
        }
    }
}

/// The format by magic bytes; the MIME key the writer stored is not trusted.
pub fn sniff(b: &[u8]) -> Option<ImageFormat> {
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageFormat::Jpeg)
    } else if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageFormat::Png)
    } else if b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a") {
        Some(ImageFormat::Gif)
    } else if b.starts_with(b"BM") && b.len() >= 26 {
        Some(ImageFormat::Bmp)
    } else {
        None
    }
}

/// Width and height from the image's header.
pub fn dimensions(b: &[u8], format: ImageFormat) -> Result<(u32, u32), String> {
    let be16 = |i: usize| {
        b.get(i..i + 2)
            .map(|s| u32::from(u16::from_be_bytes([s[0], s[1]])))
    };
    let le16 = |i: usize| {
        b.get(i..i + 2)
            .map(|s| u32::from(u16::from_le_bytes([s[0], s[1]])))
    };
    let be32 = |i: usize| {
        b.get(i..i + 4)
            .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
    };
    let le32 = |i: usize| {
        b.get(i..i + 4)
            .map(|s| i32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    };
    let short = || format!("{} header is cut short", format.name());
    match format {
        ImageFormat::Png => {
            if b.get(12..16) != Some(b"IHDR") {
                return Err("png has no IHDR chunk first".into());
            }
            Ok((be32(16).ok_or_else(short)?, be32(20).ok_or_else(short)?))
        }
        ImageFormat::Gif => Ok((le16(6).ok_or_else(short)?, le16(8).ok_or_else(short)?)),
        ImageFormat::Bmp => {
            let w = le32(18).ok_or_else(short)?;
            let h = le32(22).ok_or_else(short)?;
            Ok((w.unsigned_abs(), h.unsigned_abs()))
        }
        ImageFormat::Jpeg => {
            let mut i = 2;
            loop {
                // Skip fill bytes before a marker.
                while b.get(i) == Some(&0xFF) && b.get(i + 1) == Some(&0xFF) {
                    i += 1;
                }
                let (Some(&0xFF), Some(&marker)) = (b.get(i), b.get(i + 1)) else {
                    return Err("jpeg has no frame header (SOF)".into());
                };
                i += 2;
                if marker == 0x01 || (0xD0..=0xD8).contains(&marker) {
                    continue;
                }
                let len = be16(i).ok_or_else(short)? as usize;
                let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
                if is_sof {
                    let h = be16(i + 3).ok_or_else(short)?;
                    let w = be16(i + 5).ok_or_else(short)?;
                    return Ok((w, h));
                }
                if marker == 0xD9 || marker == 0xDA || len < 2 {
                    return Err("jpeg has no frame header (SOF) before its data".into());
                }
                i += len;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_and_measures() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&640u32.to_be_bytes());
        png.extend_from_slice(&480u32.to_be_bytes());
        assert_eq!(sniff(&png), Some(ImageFormat::Png));
        assert_eq!(dimensions(&png, ImageFormat::Png), Ok((640, 480)));

        let gif = b"GIF89a\x0a\x00\x14\x00".to_vec();
        assert_eq!(sniff(&gif), Some(ImageFormat::Gif));
        assert_eq!(dimensions(&gif, ImageFormat::Gif), Ok((10, 20)));

        // SOI, APP0 (len 4), SOF0 with height 3 width 5.
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x00,
            0x03, 0x00, 0x05,
        ];
        assert_eq!(sniff(&jpeg), Some(ImageFormat::Jpeg));
        assert_eq!(dimensions(&jpeg, ImageFormat::Jpeg), Ok((5, 3)));
        assert!(dimensions(&jpeg[..12], ImageFormat::Jpeg).is_err());
        assert_eq!(sniff(b"hello"), None);
    }
}
