//! iTerm2 inline images: one base64 PNG in an OSC 1337 sequence.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::{Picture, png_bytes};

pub(super) fn iterm(p: &Picture, cols: u16, rows: u16) -> Option<String> {
    let png = png_bytes(p)?;
    let mut out =
        format!("\x1b]1337;File=inline=1;width={cols};height={rows};preserveAspectRatio=1:");
    STANDARD.encode_string(&png, &mut out);
    out.push('\x07');
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::image::test_util::red_over_blue;
    use crate::render::image::{Protocol, decode, escape_sequence};

    #[test]
    fn iterm_sequence_shape() {
        let p = red_over_blue();
        let seq = escape_sequence(&p, Protocol::Iterm, 30, 10).unwrap();
        let prefix = "\x1b]1337;File=inline=1;width=30;height=10;preserveAspectRatio=1:";
        assert!(seq.starts_with(prefix), "{seq:?}");
        let data = seq
            .strip_prefix(prefix)
            .unwrap()
            .strip_suffix('\x07')
            .unwrap();
        let back = decode(&STANDARD.decode(data).unwrap(), 10, 10).unwrap();
        assert_eq!(back, p);
    }
}
