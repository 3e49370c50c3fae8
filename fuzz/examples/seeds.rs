//! Writes the fuzzers' seed corpus, `corpus/<target>/seed-*`, from the real
//! records in `tests/data/real-records.json` and from projects written by
//! `gtm_tui::synth`. Run from the repository root:
//! `cargo run --manifest-path fuzz/Cargo.toml --example seeds`.
//! The output is the same on every run.

use std::collections::BTreeSet;
use std::error::Error;
use std::fs;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use gtm_tui::activity::detail::value_at;
use gtm_tui::activity::{DetailKey, blosc};
use gtm_tui::synth::workload::TINY_GIF;
use gtm_tui::synth::writer::LOG_DIR;
use gtm_tui::synth::{Workload, Written, sample_jpeg};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// Values and image files larger than this are left out: the corpus stays small.
const MAX_SEED: usize = 40 << 10;
/// The log file prefix a key seed carries (the header and value must end within it).
const MAX_KEY_FILE: usize = 12 << 10;

/// One target's seeds, named `seed-<source>-<nn>`.
#[derive(Default)]
struct Seeds {
    files: Vec<(String, Vec<u8>)>,
    seen: BTreeSet<Vec<u8>>,
}

impl Seeds {
    fn add(&mut self, source: &str, bytes: Vec<u8>) {
        if !self.seen.insert(bytes.clone()) {
            return;
        }
        let n = self
            .files
            .iter()
            .filter(|(s, _)| s.starts_with(&format!("seed-{source}-")))
            .count();
        self.files.push((format!("seed-{source}-{n:02}"), bytes));
    }

    fn write(&self, dir: &Path) -> Result<()> {
        fs::create_dir_all(dir)?;
        for entry in fs::read_dir(dir)? {
            let path = entry?.path();
            let old_seed = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("seed-"));
            if old_seed {
                fs::remove_file(path)?;
            }
        }
        for (name, bytes) in &self.files {
            fs::write(dir.join(name), bytes)?;
        }
        let total: usize = self.files.iter().map(|(_, b)| b.len()).sum();
        println!(
            "{}: {} seeds, {} bytes",
            dir.display(),
            self.files.len(),
            total
        );
        Ok(())
    }
}

#[derive(Default)]
struct Corpus {
    record: Seeds,
    key: Seeds,
    detail: Seeds,
    image: Seeds,
}

/// `key` + newline + `file`: the key target's input.
fn key_input(key: &str, file: &[u8]) -> Vec<u8> {
    let mut out = key.as_bytes().to_vec();
    out.push(b'\n');
    out.extend_from_slice(file);
    out
}

fn real(c: &mut Corpus, json: &Path) -> Result<()> {
    let doc: serde_json::Value = serde_json::from_slice(&fs::read(json)?)?;
    let records = doc["records"].as_array().ok_or("no records in samples")?;
    for r in records {
        let message = r["message"].as_str().ok_or("record without message")?;
        c.record.add("real", message.as_bytes().to_vec());
        for d in r["details"].as_array().ok_or("record without details")? {
            let line = d["detail_line"].as_str().ok_or("detail without line")?;
            let stored = STANDARD.decode(d["stored_bytes_b64"].as_str().ok_or("no bytes")?)?;
            let key_text = line.split(',').nth(3).ok_or("detail line without key")?;
            let key = DetailKey::parse(key_text)?;
            let value = stored
                .get(20..)
                .ok_or("stored bytes shorter than a header")?;
            c.detail.add("real", value.to_vec());
            // The same header and value, moved to the start of a log file.
            let moved = DetailKey { offset: 0, ..key };
            let mut file = moved.header().to_vec();
            file.extend_from_slice(value);
            if file.len() <= MAX_KEY_FILE {
                c.key.add("real", key_input(&moved.encode(), &file));
            }
            // The key alone, as the record holds it.
            c.key.add("real", key_text.as_bytes().to_vec());
            // Image entries, decoded down to the image file.
            let compressed = d["compressed"].as_bool().unwrap_or(false);
            let json: serde_json::Value =
                serde_json::from_slice(value.get(1..).ok_or("empty value")?)?;
            let entries = json["d"].as_object().ok_or("value without d")?;
            for (mime, b64) in entries {
                if !mime.starts_with("image/") {
                    continue;
                }
                let bytes = STANDARD.decode(b64.as_str().ok_or("entry not a string")?)?;
                let bytes = if compressed {
                    blosc::decompress(&bytes)?
                } else {
                    bytes
                };
                if bytes.len() <= MAX_SEED {
                    c.image.add("real", bytes);
                }
            }
        }
    }
    Ok(())
}

/// A small sample of one synth project: distinct kinds of records and
/// details, each kind once.
fn synth(c: &mut Corpus, name: &str, written: &Written) -> Result<()> {
    let mut record_kinds = BTreeSet::new();
    let mut detail_kinds = BTreeSet::new();
    let mut key_kinds = BTreeSet::new();
    let mut image_kinds = BTreeSet::new();
    for r in &written.records {
        let verb = r
            .message
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_string();
        let many = r.details.len().min(3);
        if record_kinds.insert((r.meta.kind.id(), verb, many)) {
            c.record.add(name, r.commit_message.as_bytes().to_vec());
        }
        for d in &r.details {
            let Some(key) = &d.key else { continue };
            let path = written
                .path
                .join(LOG_DIR)
                .join(format!("{}_{}", key.family, key.file_number));
            // Records on branches never merged have no log file in the work tree.
            let Ok(file) = fs::read(&path) else { continue };
            let Ok(value) = value_at(&file, key) else {
                continue;
            };
            let mimes: Vec<&str> = d.entries.iter().map(|e| e.mime.as_str()).collect();
            let kind = (d.type_id, d.compressed, mimes.join(","));
            if value.len() <= MAX_SEED && detail_kinds.insert(kind) {
                c.detail.add(name, value.to_vec());
            }
            let end = key.offset as usize + 20 + value.len();
            if end <= MAX_KEY_FILE && key_kinds.insert((key.file_number, d.compressed)) {
                let prefix = file.get(..end).ok_or("log file shorter than its value")?;
                c.key.add(name, key_input(&key.encode(), prefix));
            }
            // Every synth plot is the same JPEG: one of each MIME key, as raw
            // bytes or as base64 text.
            for e in &d.entries {
                if e.mime.starts_with("image/")
                    && e.bytes.len() <= MAX_SEED
                    && image_kinds.insert((e.mime.clone(), e.bytes.is_ascii()))
                {
                    c.image.add(name, e.bytes.clone());
                }
            }
        }
    }
    Ok(())
}

fn encode(img: &DynamicImage, format: ImageFormat) -> Result<Vec<u8>> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format)?;
    Ok(out.into_inner())
}

/// Small images in each format and colour type the picture decoder handles.
fn images(c: &mut Corpus) -> Result<()> {
    let rgb = DynamicImage::ImageRgb8(RgbImage::from_fn(12, 8, |x, y| {
        Rgb([(x * 20) as u8, (y * 30) as u8, 200])
    }));
    let rgba = DynamicImage::ImageRgba8(RgbaImage::from_fn(9, 7, |x, y| {
        Rgba([200, (x * 25) as u8, 40, (y * 36) as u8])
    }));
    let gray = DynamicImage::ImageLuma8(rgb.to_luma8());
    let gray16 = DynamicImage::ImageLuma16(rgb.to_luma16());
    let gray_alpha = DynamicImage::ImageLumaA8(rgba.to_luma_alpha8());
    let rgb16 = DynamicImage::ImageRgb16(rgb.to_rgb16());
    for img in [&rgb, &rgba, &gray, &gray16, &gray_alpha, &rgb16] {
        c.image.add("png", encode(img, ImageFormat::Png)?);
    }
    for img in [&rgb, &gray] {
        c.image.add("jpeg", encode(img, ImageFormat::Jpeg)?);
    }
    for img in [&rgb, &rgba] {
        c.image.add("bmp", encode(img, ImageFormat::Bmp)?);
        c.image.add("gif", encode(img, ImageFormat::Gif)?);
    }
    c.image.add("gif", TINY_GIF.to_vec());
    // A JPEG with an EXIF orientation (6: turn right), as phones write them.
    let jpeg = encode(&rgb, ImageFormat::Jpeg)?;
    let exif: &[u8] = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x06\0\0\0\0\0\0";
    let mut turned = jpeg.get(..2).ok_or("short jpeg")?.to_vec();
    turned.extend_from_slice(&[0xFF, 0xE1]);
    turned.extend_from_slice(&u16::try_from(exif.len() + 2)?.to_be_bytes());
    turned.extend_from_slice(exif);
    turned.extend_from_slice(jpeg.get(2..).ok_or("short jpeg")?);
    c.image.add("jpeg", turned);
    c.image.add("jpeg", sample_jpeg().to_vec());
    // Old projects stored base64 text of the image (every GIF, as a data URL at times).
    c.image.add("text", STANDARD.encode(TINY_GIF).into_bytes());
    let url = format!("data:image/jpeg;base64,{}", STANDARD.encode(&jpeg));
    let wrapped: Vec<String> = url
        .as_bytes()
        .chunks(76)
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect();
    c.image.add("text", wrapped.join("\n").into_bytes());
    Ok(())
}

/// Blosc chunks as the client wrote them, for the detail target's second reading.
fn blosc_chunks(c: &mut Corpus) {
    let text: Vec<u8> = (0..600)
        .flat_map(|i| format!("{i:>5} {:>9.4}\n", f64::from(i) * 0.37).into_bytes())
        .collect();
    let floats: Vec<u8> = (0..2000u32)
        .flat_map(|i| (f64::from(i).sin()).to_le_bytes())
        .collect();
    for data in [
        &b"x"[..],
        &b"[1] 3\n"[..],
        &text,
        &floats,
        &vec![0u8; 100_000],
    ] {
        c.detail.add("blosc", blosc::compress(data));
    }
}

fn main() -> Result<()> {
    let fuzz = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let root = fuzz.parent().ok_or("fuzz/ has no parent")?;
    let mut c = Corpus::default();
    real(&mut c, &root.join("tests/data/real-records.json"))?;

    let tmp = tempfile::tempdir()?;
    let current = Workload {
        records: 80,
        seed: 8,
        image_every: 3,
        large_every: 4,
        truncated_every: 3,
        rotate_bytes: 32 << 10,
        streaks: 1,
        ..Workload::default()
    };
    synth(
        &mut c,
        "synth",
        &current.generate(&tmp.path().join("current"))?,
    )?;
    let old = Workload {
        records: 40,
        seed: 9,
        legacy: true,
        labbook_yaml: true,
        base64_images: true,
        cell_ids: false,
        image_every: 3,
        large_every: 4,
        ..Workload::default()
    };
    synth(&mut c, "legacy", &old.generate(&tmp.path().join("legacy"))?)?;

    images(&mut c)?;
    blosc_chunks(&mut c);

    let dir = fuzz.join("corpus");
    c.record.write(&dir.join("record"))?;
    c.key.write(&dir.join("key"))?;
    c.detail.write(&dir.join("detail"))?;
    c.image.write(&dir.join("image"))?;
    Ok(())
}
