//! What the simulated users work with: datasets, packages, bases, note titles, milestones, cell templates and sample images.

use std::fmt::Write as _;
use std::io::Write as _;

use super::notebook::{Py, Rt};
use super::rng::{Rng, fnv};

/// A CSV file the users analyse: numeric columns, one categorical column
/// with its levels, and how many rows the real file has.
pub(super) struct Dataset {
    pub(super) file: &'static str,
    pub(super) nums: &'static [&'static str],
    pub(super) cat: &'static str,
    pub(super) levels: &'static [&'static str],
    pub(super) rows: u32,
}

pub(super) const DATASETS: &[Dataset] = &[
    Dataset {
        file: "input/sales.csv",
        nums: &["units", "price", "revenue", "discount"],
        cat: "region",
        levels: &["north", "south", "east", "west"],
        rows: 5120,
    },
    Dataset {
        file: "input/iris.csv",
        nums: &["sepal_length", "sepal_width", "petal_length", "petal_width"],
        cat: "species",
        levels: &["setosa", "versicolor", "virginica"],
        rows: 150,
    },
    Dataset {
        file: "input/weather.csv",
        nums: &["temp", "humidity", "wind", "pressure"],
        cat: "station",
        levels: &["KBOS", "KJFK", "KSFO", "KORD", "KSEA"],
        rows: 8760,
    },
    Dataset {
        file: "input/survey.csv",
        nums: &["age", "income", "score", "hours"],
        cat: "country",
        levels: &["US", "DE", "IN", "BR", "JP", "NG"],
        rows: 2400,
    },
];

pub(super) const NOTEBOOK_STEMS: &[&str] = &[
    "analysis",
    "explore-data",
    "model",
    "plots",
    "cleaning",
    "report",
];

pub(super) const PIP: &[(&str, &str)] = &[
    ("pandas", "1.1.5"),
    ("numpy", "1.19.5"),
    ("matplotlib", "3.3.4"),
    ("seaborn", "0.11.1"),
    ("scikit-learn", "0.24.1"),
    ("scipy", "1.6.0"),
    ("statsmodels", "0.12.2"),
    ("plotly", "4.14.3"),
    ("requests", "2.25.1"),
    ("tqdm", "4.56.0"),
    ("xgboost", "1.3.3"),
    ("nltk", "3.5"),
];
pub(super) const APT: &[(&str, &str)] = &[
    ("r-cran-stm", "1.3.6-1cran1.1804.0"),
    ("libxml2-dev", "2.9.4+dfsg1-6.1ubuntu1.3"),
    ("graphviz", "2.40.1-2"),
    ("r-cran-tidytext", "0.2.6-1cran1.1804.0"),
    ("libgdal-dev", "2.2.3+dfsg-2"),
    ("htop", "2.1.0-3"),
];
pub(super) const CONDA: &[(&str, &str)] = &[
    ("pytorch", "1.7.1"),
    ("networkx", "2.5"),
    ("bokeh", "2.2.3"),
];

pub(super) const BASES: &[(&str, &str)] = &[
    ("python3-data-science", "Python 3 Data Science Quickstart"),
    ("r-tidyverse", "R Tidyverse in Jupyterlab"),
    ("python3-minimal", "Python 3 Minimal"),
];

pub(super) const NOTE_TITLES: &[&str] = &[
    "Outliers in the raw data",
    "Tried a log transform",
    "Meeting notes: next steps",
    "Data quality issues",
    "Why the model overfits",
    "Ideas for features",
    "Summary of results so far",
    "TODO before the review",
];
pub(super) const NOTE_TAGS: &[&str] = &[
    "exploration",
    "idea",
    "todo",
    "results",
    "data-quality",
    "meeting",
];
pub(super) const MILESTONES: &[&str] = &[
    "baseline model",
    "cleaned dataset",
    "first draft of figures",
    "results for review",
    "final report",
];

pub(super) const PY_ORDINARY: &[Py] = &[
    Py::Head,
    Py::Describe,
    Py::GroupBy,
    Py::ValueCounts,
    Py::Corr,
    Py::Assign,
    Py::Regress,
    Py::Loop,
    Py::Plain,
    Py::Head,
    Py::GroupBy,
];

pub(super) const R_ORDINARY: &[Rt] = &[
    Rt::Arith,
    Rt::Summary,
    Rt::Head,
    Rt::Mean,
    Rt::Lm,
    Rt::Table,
    Rt::Mean,
];

pub(super) fn col_scale(col: &str) -> f64 {
    1.0 + (fnv(col) % 900) as f64
}

pub(super) fn dataset_csv(ds: &Dataset, rows: usize, rng: &mut Rng) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{},{}", ds.nums.join(","), ds.cat);
    for _ in 0..rows {
        for c in ds.nums {
            let _ = write!(s, "{:.3},", col_scale(c) * (0.5 + rng.unit()));
        }
        let _ = writeln!(s, "{}", rng.pick(ds.levels));
    }
    s
}

/// A sample CSV for the notebook-repository writer: the dataset's file name
/// (without its directory) and `rows` rows of it.
pub(crate) fn sample_csv(dataset: usize, rows: usize, rng: &mut Rng) -> (&'static str, String) {
    let ds = &DATASETS[dataset % DATASETS.len()];
    let name = ds.file.rsplit('/').next().unwrap_or(ds.file);
    (name, dataset_csv(ds, rows, rng))
}

/// A small real JPEG (the client re-encoded every image output as JPEG).
pub fn sample_jpeg() -> &'static [u8] {
    include_bytes!("../../../../../assets/plot.jpg")
}

/// A valid 1×1 GIF.
pub const TINY_GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";

/// The sample JPEG with a comment segment naming `tag`, so different plots have different bytes.
pub fn jpeg_variant(tag: u64) -> Vec<u8> {
    let jpeg = sample_jpeg();
    let comment = format!("gtm-tui synth plot {tag:016x}");
    let len = (comment.len() + 2) as u16;
    let mut out = Vec::with_capacity(jpeg.len() + comment.len() + 4);
    out.extend_from_slice(&jpeg[..2]);
    out.extend_from_slice(&[0xFF, 0xFE]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(comment.as_bytes());
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// A tiny valid PNG (what the notebook itself holds for a plot).
pub(super) fn tiny_png() -> Vec<u8> {
    let (w, h) = (8u32, 6u32);
    let mut raw = Vec::new();
    for y in 0..h {
        raw.push(0);
        for x in 0..w {
            raw.extend_from_slice(&[(x * 32) as u8, (y * 40) as u8, 200]);
        }
    }
    rgb_png(w, h, &raw)
}

/// A PNG of `w`×`h` 8-bit RGB pixels, `raw` being its scanlines each led by a filter byte.
pub(crate) fn rgb_png(w: u32, h: u32, raw: &[u8]) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    let idat = match z.write_all(raw) {
        Ok(()) => z.finish().unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &idat);
    chunk(&mut png, b"IEND", &[]);
    png
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::image::ImageFormat;

    #[test]
    fn sample_images_are_valid() {
        let png = tiny_png();
        assert_eq!(
            crate::activity::image::dimensions(&png, ImageFormat::Png),
            Ok((8, 6))
        );
        let j = jpeg_variant(9);
        assert_eq!(crate::activity::image::sniff(&j), Some(ImageFormat::Jpeg));
        assert_eq!(
            crate::activity::image::sniff(TINY_GIF),
            Some(ImageFormat::Gif)
        );
    }
}
