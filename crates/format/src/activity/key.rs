//! Detail keys: `log_<32 hex>` plus the base64 of a 20-byte header naming file, offset and length.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// The magic that starts every stored detail header.
pub const MAGIC: &[u8; 8] = b"__g__lsn";
/// Length of the header in the key and in the log file.
pub const HEADER_LEN: usize = 20;
/// Length of the family name `log_` + 32 hex digits.
pub const FAMILY_LEN: usize = 36;

/// A parsed detail key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DetailKey {
    /// `log_<32 hex>`: the log file family.
    pub family: String,
    /// N in `log_<32 hex>_<N>`.
    pub file_number: u32,
    /// Where the 20 header bytes start inside that file.
    pub offset: u32,
    /// Length of the value after the header.
    pub length: u32,
}

/// Why a key could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("key is {0} characters, expected 64 (log_<32 hex> + 28 base64)")]
    Length(usize),
    #[error("key does not start with a log family name log_<32 hex>")]
    Family,
    #[error("key header is not valid base64: {0}")]
    Base64(String),
    #[error("key header decodes to {0} bytes, expected 20")]
    HeaderLength(usize),
    #[error("key header does not start with the magic __g__lsn")]
    Magic,
}

impl DetailKey {
    /// Parses a key as written in a detail line.
    pub fn parse(key: &str) -> Result<Self, KeyError> {
        let (family, header) = match (key.get(..FAMILY_LEN), key.get(FAMILY_LEN..)) {
            (Some(f), Some(h)) => (f, h),
            _ => return Err(KeyError::Length(key.len())),
        };
        let hex = family.strip_prefix("log_").ok_or(KeyError::Family)?;
        if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(KeyError::Family);
        }
        let bytes = STANDARD
            .decode(header)
            .map_err(|e| KeyError::Base64(e.to_string()))?;
        let header: [u8; HEADER_LEN] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| KeyError::HeaderLength(bytes.len()))?;
        let (file_number, offset, length) = parse_header(&header)?;
        Ok(DetailKey {
            family: family.to_string(),
            file_number,
            offset,
            length,
        })
    }

    /// The 20 header bytes this key stands for.
    pub fn header(&self) -> [u8; HEADER_LEN] {
        header_of(self.file_number, self.offset, self.length)
    }

    /// The key as it is written in a detail line.
    pub fn encode(&self) -> String {
        format!("{}{}", self.family, STANDARD.encode(self.header()))
    }

    /// The log file this key points into: `log_<32 hex>_<N>`.
    pub fn file_name(&self) -> String {
        format!("{}_{}", self.family, self.file_number)
    }
}

/// The key of a detail line, read once: parsed, or its text as written with
/// why it could not be parsed. Shown (`Display`) it is the text as written:
/// only canonical base64 parses, so a parsed key encodes back byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineKey {
    Parsed(DetailKey),
    Raw { text: String, error: KeyError },
}

impl LineKey {
    pub fn parse(text: &str) -> Self {
        match DetailKey::parse(text) {
            Ok(key) => LineKey::Parsed(key),
            Err(error) => LineKey::Raw {
                text: text.to_string(),
                error,
            },
        }
    }

    /// The parsed key, or why there is none.
    pub fn parsed(&self) -> Result<&DetailKey, &KeyError> {
        match self {
            LineKey::Parsed(key) => Ok(key),
            LineKey::Raw { error, .. } => Err(error),
        }
    }
}

impl Default for LineKey {
    fn default() -> Self {
        LineKey::parse("")
    }
}

/// As the text written in the detail line.
impl serde::Serialize for LineKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl std::fmt::Display for LineKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LineKey::Parsed(key) => {
                // 20 bytes are 28 characters of base64, written without a String.
                let mut header = [0u8; 28];
                let n = STANDARD
                    .encode_slice(key.header(), &mut header)
                    .map_err(|_| std::fmt::Error)?;
                let header = header.get(..n).ok_or(std::fmt::Error)?;
                f.write_str(&key.family)?;
                f.write_str(std::str::from_utf8(header).map_err(|_| std::fmt::Error)?)
            }
            LineKey::Raw { text, .. } => f.write_str(text),
        }
    }
}

/// The 20 header bytes for (file number, offset, length): the inverse of
/// [`parse_header`].
pub fn header_of(file_number: u32, offset: u32, length: u32) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[..8].copy_from_slice(MAGIC);
    h[8..12].copy_from_slice(&file_number.to_le_bytes());
    h[12..16].copy_from_slice(&offset.to_le_bytes());
    h[16..20].copy_from_slice(&length.to_le_bytes());
    h
}

/// Splits a 20-byte header into (file number, offset, length), checking the magic.
pub fn parse_header(h: &[u8; HEADER_LEN]) -> Result<(u32, u32, u32), KeyError> {
    if &h[..8] != MAGIC {
        return Err(KeyError::Magic);
    }
    let word = |i: usize| u32::from_le_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
    Ok((word(8), word(12), word(16)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_real_key() {
        let k =
            DetailKey::parse("log_fe906ce312aafd63700df8aea2fc3aa6X19nX19sc24AAAAA+UMCAGsAAAA=")
                .unwrap();
        assert_eq!(k.family, "log_fe906ce312aafd63700df8aea2fc3aa6");
        assert_eq!(k.file_number, 0);
        assert_eq!(k.offset, 0x0243f9);
        assert_eq!(k.length, 0x6b);
        assert_eq!(k.file_name(), "log_fe906ce312aafd63700df8aea2fc3aa6_0");
        assert_eq!(
            k.encode(),
            "log_fe906ce312aafd63700df8aea2fc3aa6X19nX19sc24AAAAA+UMCAGsAAAA="
        );
    }

    #[test]
    fn rejects_bad_keys_with_reasons() {
        assert_eq!(DetailKey::parse("short"), Err(KeyError::Length(5)));
        let good = "log_fe906ce312aafd63700df8aea2fc3aa6X19nX19sc24AAAAA+UMCAGsAAAA=";
        let bad_family = good.replacen("log_", "lag_", 1);
        assert_eq!(DetailKey::parse(&bad_family), Err(KeyError::Family));
        let bad_hex = good.replacen("fe90", "zz90", 1);
        assert_eq!(DetailKey::parse(&bad_hex), Err(KeyError::Family));
        let bad_b64 = good.replacen("X19n", "!!!!", 1);
        assert!(matches!(
            DetailKey::parse(&bad_b64),
            Err(KeyError::Base64(_))
        ));
        // "AAAA..." decodes to zero bytes: wrong magic.
        let zero = format!("{}{}", &good[..36], "AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
        assert_eq!(DetailKey::parse(&zero), Err(KeyError::Magic));
        // Multi-byte characters at the cut must not panic.
        assert!(DetailKey::parse("log_ééééééééééééééééééé").is_err());
    }

    #[test]
    fn a_line_key_shows_exactly_the_text_it_was_read_from() {
        let good = "log_fe906ce312aafd63700df8aea2fc3aa6X19nX19sc24AAAAA+UMCAGsAAAA=";
        let k = LineKey::parse(good);
        assert!(matches!(k, LineKey::Parsed(_)));
        assert_eq!(k.to_string(), good);
        assert_eq!(LineKey::parse("short").parsed(), Err(&KeyError::Length(5)));
        // Every one-character change either fails to parse or still shows as written.
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
        for i in 0..good.len() {
            for c in alphabet.chars() {
                let mut text = good.to_string();
                text.replace_range(i..=i, &c.to_string());
                let k = LineKey::parse(&text);
                assert_eq!(k.to_string(), text);
                if let LineKey::Raw { error, .. } = &k {
                    assert_eq!(DetailKey::parse(&text).as_ref().err(), Some(error));
                }
            }
        }
    }

    #[test]
    fn encode_parse_round_trip() {
        let k = DetailKey {
            family: format!("log_{}", "ab".repeat(16)),
            file_number: 7,
            offset: u32::MAX,
            length: 12345,
        };
        assert_eq!(DetailKey::parse(&k.encode()), Ok(k));
    }
}
