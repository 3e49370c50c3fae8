//! Detail objects: locating the value in a log file, then options byte, JSON, base64, Blosc and MIME.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{MapAccess, SeqAccess, Visitor};
use sha2::{Digest, Sha256};

use super::image::{self, ImageFormat};
use super::key::{DetailKey, HEADER_LEN, KeyError, parse_header};

/// What went wrong finding a detail's value in its log file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DetailError {
    #[error("bad key: {0}")]
    Key(#[from] KeyError),
    #[error("log file {0} is missing")]
    MissingFile(String),
    /// The commit lists the log file, but the repository cannot give its blob.
    #[error("log file {file}: its blob {id} {why}")]
    UnreadableBlob {
        file: String,
        id: String,
        /// "is missing from the repository", or what the object store said.
        why: String,
    },
    #[error("offset {offset} is past the end of {file} ({len} bytes)")]
    OffsetPastEnd {
        file: String,
        offset: u32,
        len: usize,
    },
    #[error("header at offset {offset} of {file} does not match the key: {what}")]
    HeaderMismatch {
        file: String,
        offset: u32,
        what: String,
    },
    #[error("value of {length} bytes at offset {offset} runs past the end of {file} ({len} bytes)")]
    Truncated {
        file: String,
        offset: u32,
        length: u32,
        len: usize,
    },
    #[error(
        "log file {0} is a Git LFS pointer, not the log itself (fetch the real files with `git lfs pull`)"
    )]
    LfsPointer(String),
    #[error("{0}")]
    Read(String),
}

/// How a Git LFS pointer file starts (<https://git-lfs.com/spec/v1>).
const LFS_POINTER: &[u8] = b"version https://git-lfs.github.com/spec/v1";

/// Returns the value bytes (options byte + JSON) the key points at, after
/// checking the header stored in front of them against the key.
pub fn value_at<'a>(file: &'a [u8], key: &DetailKey) -> Result<&'a [u8], DetailError> {
    let name = key.file_name();
    if file.starts_with(LFS_POINTER) {
        return Err(DetailError::LfsPointer(name));
    }
    let start = key.offset as usize;
    let header: &[u8; HEADER_LEN] = file
        .get(start..start.saturating_add(HEADER_LEN))
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| DetailError::OffsetPastEnd {
            file: name.clone(),
            offset: key.offset,
            len: file.len(),
        })?;
    if header != &key.header() {
        let what = match parse_header(header) {
            Err(_) => "no __g__lsn magic there".to_string(),
            Ok((n, o, l)) => {
                let mut diffs = Vec::new();
                if n != key.file_number {
                    diffs.push(format!("file number {n} vs {}", key.file_number));
                }
                if o != key.offset {
                    diffs.push(format!("offset {o} vs {}", key.offset));
                }
                if l != key.length {
                    diffs.push(format!("length {l} vs {}", key.length));
                }
                diffs.join(", ")
            }
        };
        return Err(DetailError::HeaderMismatch {
            file: name,
            offset: key.offset,
            what,
        });
    }
    let body = start + HEADER_LEN;
    file.get(body..body.saturating_add(key.length as usize))
        .ok_or(DetailError::Truncated {
            file: name,
            offset: key.offset,
            length: key.length,
            len: file.len(),
        })
}

/// A decoded image: what it is and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageInfo {
    pub format: ImageFormat,
    pub width: u32,
    pub height: u32,
    /// SHA-256 of the decoded image file, lowercase hex.
    pub sha256: String,
    /// Stored as base64 text of the image (old projects, and every GIF).
    pub base64_text: bool,
    pub data: Vec<u8>,
}

/// One entry of a detail's `d` map, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    Text {
        mime: String,
        text: String,
    },
    Image {
        mime: String,
        image: ImageInfo,
    },
    /// Bytes under a MIME type that is neither text nor an image we know.
    Binary {
        mime: String,
        len: usize,
    },
}

impl Content {
    pub fn mime(&self) -> &str {
        match self {
            Content::Text { mime, .. }
            | Content::Image { mime, .. }
            | Content::Binary { mime, .. } => mime,
        }
    }

    pub fn text(&self) -> Option<&str> {
        match self {
            Content::Text { text, .. } => Some(text),
            _ => None,
        }
    }
}

/// A detail object decoded from its value. Errors name the part that failed;
/// entries that decoded are kept.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Detail {
    pub type_id: Option<i64>,
    pub importance: Option<i64>,
    pub show: Option<bool>,
    pub tags: Vec<String>,
    pub action_id: Option<i64>,
    pub compressed: bool,
    pub content: Vec<Content>,
    pub errors: Vec<String>,
}

impl Detail {
    /// A detail that could not be read at all.
    pub fn failed(error: impl fmt::Display) -> Self {
        Detail {
            errors: vec![error.to_string()],
            ..Detail::default()
        }
    }

    /// The first text entry, if any.
    pub fn text(&self) -> Option<&str> {
        self.content.iter().find_map(Content::text)
    }
}

/// A JSON value as a detail value holds it: a string (borrowed from the value when it has no
/// escapes), or anything else kept as its JSON text.
enum Field<'a> {
    Str(Cow<'a, str>),
    Other(String),
}

impl<'de: 'a, 'a> Deserialize<'de> for Field<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        fn json<E>(v: impl Into<serde_json::Value>) -> Result<Field<'static>, E> {
            Ok(Field::Other(v.into().to_string()))
        }
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Field<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Field::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Field::Str(Cow::Owned(v.to_string())))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
                json(v)
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                json(v)
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                json(v)
            }
            fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
                json(v)
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                json(serde_json::Value::Null)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, a: A) -> Result<Self::Value, A::Error> {
                json(serde_json::Value::deserialize(SeqAccessDeserializer::new(
                    a,
                ))?)
            }
            fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<Self::Value, A::Error> {
                json(serde_json::Value::deserialize(MapAccessDeserializer::new(
                    a,
                ))?)
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// The `d` map in the order the writer stored it.
struct Entries<'a>(Vec<(Cow<'a, str>, Field<'a>)>);

impl<'de: 'a, 'a> Deserialize<'de> for Entries<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Entries<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of MIME type to base64")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Entries<'a>, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = m.next_entry::<Field<'a>, Field<'a>>()? {
                    // JSON keys are strings.
                    if let Field::Str(k) = k {
                        out.push((k, v));
                    }
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_map(V(PhantomData))
    }
}

#[derive(Deserialize)]
struct RawValue<'a> {
    t: Option<i64>,
    i: Option<i64>,
    s: Option<serde_json::Value>,
    #[serde(borrow)]
    d: Option<Entries<'a>>,
    #[serde(borrow)]
    a: Option<Vec<Field<'a>>>,
    n: Option<i64>,
}

/// Only the tags and entries: what comparing values needs.
#[derive(Deserialize)]
struct RawStored<'a> {
    #[serde(borrow)]
    d: Option<Entries<'a>>,
    #[serde(borrow)]
    a: Option<Vec<Field<'a>>>,
}

/// A detail value read without decoding its entries: what tells two values apart cheaply.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StoredValue<'a> {
    /// The tags that are strings.
    pub tags: Vec<Cow<'a, str>>,
    /// Each entry's MIME type and its stored text (base64, of Blosc when compressed), `None`
    /// for an entry that is not a string, in stored order. Equal entries are stored alike.
    pub entries: Vec<(Cow<'a, str>, Option<Cow<'a, str>>)>,
}

/// Reads a value's tags and stored entries (options byte, then JSON) without base64, Blosc or
/// images, borrowing from `value`; `None` when it is not a value at all.
pub fn stored_value(value: &[u8]) -> Option<StoredValue<'_>> {
    let (_, json) = value.split_first()?;
    let raw: RawStored = serde_json::from_slice(json).ok()?;
    fn str_of(f: Field<'_>) -> Option<Cow<'_, str>> {
        match f {
            Field::Str(s) => Some(s),
            Field::Other(_) => None,
        }
    }
    Some(StoredValue {
        tags: raw
            .a
            .unwrap_or_default()
            .into_iter()
            .filter_map(str_of)
            .collect(),
        entries: raw
            .d
            .map(|e| e.0)
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, str_of(v)))
            .collect(),
    })
}

/// Decodes a value: options byte (bit 0: entries are Blosc-compressed), then JSON.
pub fn decode_value(value: &[u8]) -> Detail {
    let Some((&options, json)) = value.split_first() else {
        return Detail::failed("value is empty: no options byte");
    };
    let mut detail = Detail {
        compressed: options & 1 == 1,
        ..Detail::default()
    };
    let raw: RawValue = match serde_json::from_slice(json) {
        Ok(r) => r,
        Err(e) => {
            detail.errors.push(format!("value is not valid JSON: {e}"));
            return detail;
        }
    };
    detail.type_id = raw.t;
    detail.importance = raw.i;
    detail.show = match raw.s {
        Some(serde_json::Value::Bool(b)) => Some(b),
        Some(serde_json::Value::Number(n)) => Some(n.as_i64() != Some(0)),
        _ => None,
    };
    detail.action_id = raw.n;
    detail.tags = raw
        .a
        .unwrap_or_default()
        .into_iter()
        .map(|v| match v {
            Field::Str(s) => s.into_owned(),
            Field::Other(json) => json,
        })
        .collect();
    let Some(Entries(entries)) = raw.d else {
        detail.errors.push("value has no data map \"d\"".into());
        return detail;
    };
    for (mime, v) in entries {
        let Field::Str(b64) = v else {
            detail
                .errors
                .push(format!("{mime}: entry is not a base64 string"));
            continue;
        };
        let bytes = match STANDARD.decode(b64.as_bytes()) {
            Ok(b) => b,
            Err(e) => {
                detail.errors.push(format!("{mime}: bad base64: {e}"));
                continue;
            }
        };
        let bytes = if detail.compressed {
            match super::blosc::decompress(&bytes) {
                Ok(b) => b,
                Err(e) => {
                    detail.errors.push(format!("{mime}: {e}"));
                    continue;
                }
            }
        } else {
            bytes
        };
        match decode_entry(&mime, bytes) {
            Ok(c) => detail.content.push(c),
            Err((c, e)) => {
                detail.errors.push(format!("{mime}: {e}"));
                if let Some(c) = c {
                    detail.content.push(c);
                }
            }
        }
    }
    detail
}

type EntryResult = Result<Content, (Option<Content>, String)>;

/// Serialized bytes → content, by MIME type (and, for images, by magic bytes).
pub fn decode_entry(mime: &str, bytes: Vec<u8>) -> EntryResult {
    let lower = mime.to_ascii_lowercase();
    if lower.starts_with("image/") {
        return decode_image(mime, bytes);
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Content::Text {
            mime: mime.to_string(),
            text,
        }),
        Err(e) if lower.starts_with("text/") => {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            Err((
                Some(Content::Text {
                    mime: mime.to_string(),
                    text,
                }),
                format!("text is not valid UTF-8 at byte {at}; invalid bytes replaced"),
            ))
        }
        Err(e) => Ok(Content::Binary {
            mime: mime.to_string(),
            len: e.as_bytes().len(),
        }),
    }
}

fn decode_image(mime: &str, bytes: Vec<u8>) -> EntryResult {
    let (data, base64_text) = if image::sniff(&bytes).is_some() {
        (bytes, false)
    } else {
        // Old projects (and every GIF) stored the base64 text of the image.
        let text: Vec<u8> = bytes
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        let text = match std::str::from_utf8(&text) {
            Ok(t) => t.rsplit_once("base64,").map_or(t, |(_, b)| b),
            Err(_) => return Err((None, not_an_image(&bytes))),
        };
        match STANDARD.decode(text) {
            Ok(d) => (d, true),
            Err(e) => {
                return Err((
                    None,
                    format!("neither image bytes nor base64 text of one: {e}"),
                ));
            }
        }
    };
    let Some(format) = image::sniff(&data) else {
        return Err((None, not_an_image(&data)));
    };
    let (width, height) = image::dimensions(&data, format).map_err(|e| (None, e))?;
    let sha256 = hex(&Sha256::digest(&data));
    Ok(Content::Image {
        mime: mime.to_string(),
        image: ImageInfo {
            format,
            width,
            height,
            sha256,
            base64_text,
            data,
        },
    })
}

fn not_an_image(b: &[u8]) -> String {
    let head: Vec<String> = b.iter().take(4).map(|x| format!("{x:02x}")).collect();
    format!("not a known image format (starts with {})", head.join(" "))
}

/// Lowercase hex of some bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// The code inside a markdown fence, as executed-code details store it.
/// Text that is not fenced is returned as it is.
pub fn code_in_fence(md: &str) -> &str {
    let Some(rest) = md.strip_prefix("```") else {
        return md;
    };
    let Some((_, body)) = rest.split_once('\n') else {
        return "";
    };
    let body = body.strip_suffix("```").unwrap_or(body);
    body.strip_suffix('\n').unwrap_or(body)
}

/// What the Gigantum client appended to a text result it cut at 64 kB.
pub const TRUNCATED_MARK: &str = "<result truncated>";

/// Wraps code the way the client stored executed code.
pub fn fence_code(code: &str) -> String {
    format!("```\n{code}\n```")
}

/// What the writer stored for one entry before base64 (and before compression).
#[derive(Debug, Clone)]
pub struct EntryOut {
    pub mime: String,
    pub bytes: Vec<u8>,
}

/// Encodes a detail value as the client did: options byte, then compact JSON
/// with keys t, i, s, d, a, n (a and n left out for old projects).
pub fn encode_value(
    type_id: i64,
    importance: i64,
    show: bool,
    entries: &[EntryOut],
    tags: Option<&[String]>,
    action: Option<i64>,
    compress: bool,
) -> Vec<u8> {
    let mut out = vec![u8::from(compress)];
    let mut json = format!(
        "{{\"t\":{type_id},\"i\":{importance},\"s\":{},\"d\":{{",
        u8::from(show)
    );
    for (n, e) in entries.iter().enumerate() {
        if n > 0 {
            json.push(',');
        }
        let data = if compress {
            super::blosc::compress(&e.bytes)
        } else {
            e.bytes.clone()
        };
        json.push_str(&serde_json::Value::String(e.mime.clone()).to_string());
        json.push_str(":\"");
        json.push_str(&STANDARD.encode(data));
        json.push('"');
    }
    json.push('}');
    if let Some(tags) = tags {
        json.push_str(",\"a\":");
        json.push_str(&serde_json::to_string(tags).unwrap_or_else(|_| "[]".into()));
    }
    if let Some(n) = action {
        json.push_str(&format!(",\"n\":{n}"));
    }
    json.push('}');
    out.extend_from_slice(json.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(offset: u32, length: u32) -> DetailKey {
        DetailKey {
            family: format!("log_{}", "0".repeat(32)),
            file_number: 0,
            offset,
            length,
        }
    }

    #[test]
    fn value_at_checks_header_and_bounds() {
        let k = key(3, 4);
        let mut file = b"xyz".to_vec();
        file.extend_from_slice(&k.header());
        file.extend_from_slice(b"\0abc");
        assert_eq!(value_at(&file, &k).unwrap(), b"\0abc");
        assert!(matches!(
            value_at(&file, &key(100, 4)),
            Err(DetailError::OffsetPastEnd { .. })
        ));
        let err = value_at(&file, &key(3, 5)).unwrap_err();
        assert!(err.to_string().contains("length 4 vs 5"), "{err}");
        assert!(matches!(
            value_at(&file, &key(0, 4)),
            Err(DetailError::HeaderMismatch { .. })
        ));
        file.truncate(file.len() - 1);
        assert!(matches!(
            value_at(&file, &k),
            Err(DetailError::Truncated { .. })
        ));
    }

    #[test]
    fn encode_then_decode_round_trips() {
        let entries = vec![
            EntryOut {
                mime: "text/plain".into(),
                bytes: b"hello\n".to_vec(),
            },
            EntryOut {
                mime: "text/markdown".into(),
                bytes: fence_code("print(1)").into_bytes(),
            },
        ];
        for compress in [false, true] {
            let tags = vec!["ex:3".to_string()];
            let v = encode_value(2, 255, true, &entries, Some(&tags), Some(1), compress);
            let d = decode_value(&v);
            assert!(d.errors.is_empty(), "{:?}", d.errors);
            assert_eq!(d.compressed, compress);
            assert_eq!(d.tags, tags);
            assert_eq!(d.action_id, Some(1));
            assert_eq!(d.content[0].text(), Some("hello\n"));
            assert_eq!(d.content[1].mime(), "text/markdown");
            assert_eq!(code_in_fence(d.content[1].text().unwrap()), "print(1)");
        }
        let legacy = encode_value(7, 0, false, &entries, None, None, false);
        assert!(!String::from_utf8_lossy(&legacy).contains("\"a\""));
        assert_eq!(decode_value(&legacy).action_id, None);
    }

    #[test]
    fn stored_values_are_read_without_decoding_their_entries() {
        let entries = vec![
            EntryOut {
                mime: "text/plain".into(),
                bytes: b"hello\n".to_vec(),
            },
            EntryOut {
                mime: "image/png".into(),
                bytes: b"not decoded".to_vec(),
            },
        ];
        let tags = vec!["ex:3".to_string(), "x".to_string()];
        for compress in [false, true] {
            let v = encode_value(2, 255, true, &entries, Some(&tags), Some(1), compress);
            let stored = stored_value(&v).unwrap();
            assert_eq!(stored.tags, tags);
            let mimes: Vec<&str> = stored.entries.iter().map(|(m, _)| m.as_ref()).collect();
            assert_eq!(mimes, vec!["text/plain", "image/png"]);
            let first = stored.entries[0].1.as_deref().unwrap();
            let plain = if compress {
                crate::activity::blosc::decompress(&STANDARD.decode(first).unwrap()).unwrap()
            } else {
                STANDARD.decode(first).unwrap()
            };
            assert_eq!(plain, b"hello\n");
            // Borrowed from the value, not copied.
            assert!(matches!(stored.entries[1].1, Some(Cow::Borrowed(_))));
        }
        // Odd tags and entries are skipped, and the full decoder says the same of them.
        let odd = b"\0{\"a\":[5,\"ex:1\",{\"k\":1}],\"d\":{\"text/plain\":7},\"t\":\"x\"}";
        let stored = stored_value(odd).unwrap();
        assert_eq!(stored.tags, vec!["ex:1"]);
        assert_eq!(stored.entries, vec![(Cow::Borrowed("text/plain"), None)]);
        let d = decode_value(b"\0{\"a\":[5,\"ex:1\",{\"k\":1}],\"d\":{\"text/plain\":7}}");
        assert_eq!(d.tags, vec!["5", "ex:1", "{\"k\":1}"]);
        assert!(
            d.errors[0].contains("not a base64 string"),
            "{:?}",
            d.errors
        );
        assert!(stored_value(b"").is_none());
        assert!(stored_value(b"\0{").is_none());
        assert_eq!(stored_value(b"\0{}").unwrap(), StoredValue::default());
    }

    #[test]
    fn fences() {
        assert_eq!(code_in_fence("```\n1 + 2\n\n```"), "1 + 2\n");
        assert_eq!(code_in_fence("```python\nx\n```"), "x");
        assert_eq!(code_in_fence("plain"), "plain");
        assert_eq!(code_in_fence("```"), "");
        assert_eq!(code_in_fence(&fence_code("a\nb")), "a\nb");
    }

    #[test]
    fn bad_values_become_errors() {
        assert!(!decode_value(b"").errors.is_empty());
        assert!(decode_value(b"\0{").errors[0].starts_with("value is not valid JSON"));
        let d = decode_value(br#"{"t":2}"#);
        assert!(!d.errors.is_empty());
        let d = decode_value(b"\0{\"t\":2,\"d\":{\"text/plain\":\"!!\",\"text/html\":\"aGk=\"}}");
        assert!(
            d.errors[0].starts_with("text/plain: bad base64"),
            "{:?}",
            d.errors
        );
        assert_eq!(d.content.len(), 1, "the good entry survives");
        let d = decode_value(b"\x01{\"d\":{\"text/plain\":\"aGk=\"}}");
        assert!(d.errors[0].contains("Blosc"), "{:?}", d.errors);
        let d = decode_value(b"\0{\"d\":{\"text/plain\":\"/w==\"}}");
        assert!(d.errors[0].contains("UTF-8"), "{:?}", d.errors);
        assert_eq!(d.text(), Some("\u{fffd}"));
        let d = decode_value(b"\0{\"d\":{\"image/png\":\"aGVsbG8=\"}}");
        assert!(d.errors[0].contains("image/png"), "{:?}", d.errors);
    }

    #[test]
    fn images_are_sniffed_not_trusted() {
        let gif = b"GIF89a\x02\x00\x03\x00rest".to_vec();
        let Content::Image { image, .. } = decode_entry("image/png", gif.clone()).unwrap() else {
            panic!("not an image")
        };
        assert_eq!(
            (image.format, image.width, image.height),
            (ImageFormat::Gif, 2, 3)
        );
        assert!(!image.base64_text);
        let text = STANDARD.encode(&gif).into_bytes();
        let Content::Image { image, .. } = decode_entry("image/gif", text).unwrap() else {
            panic!("not an image")
        };
        assert!(image.base64_text);
        assert_eq!(image.data, gif);
        assert_eq!(image.sha256, hex(&Sha256::digest(&gif)));
    }
}
