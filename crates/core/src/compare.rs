//! Two runs of a cell compared as data: code, text output and images, and
//! what happened between them when only the output changed.

use std::borrow::Borrow;

use crate::activity::kinds::DetailKind;
use crate::activity::{Content, ImageInfo};
use crate::between::{Between, between};
use crate::diff::{TextDiff, diff_text};
use crate::lineage::{Execution, Lineage};
use crate::repo::{DetailStore, RecordRow};

/// What one execution printed: its text outputs joined, and its images.
#[derive(Debug, Clone, Default)]
pub struct Printed {
    pub text: String,
    pub images: Vec<ImageInfo>,
    /// Outputs that could not be read, named by detail.
    pub errors: Vec<String>,
}

/// The outputs of execution `e` of record `row`.
pub fn printed(store: &DetailStore, row: &RecordRow, e: &Execution) -> Printed {
    let mut out = Printed::default();
    for &i in &e.details {
        let Some(line) = row.record.details.get(i) else {
            continue;
        };
        if line.kind != DetailKind::Result {
            continue;
        }
        let d = store.detail(row.commit, line);
        for err in &d.errors {
            out.errors.push(format!("output detail {}: {err}", i + 1));
        }
        for c in d.content {
            match c {
                Content::Text { text, .. } => {
                    if !out.text.is_empty() && !out.text.ends_with('\n') {
                        out.text.push('\n');
                    }
                    out.text.push_str(&text);
                }
                Content::Image { image, .. } => out.images.push(image),
                Content::Binary { .. } => {}
            }
        }
    }
    out
}

/// The n-th image of each run.
#[derive(Debug, Clone)]
pub struct ImagePair {
    pub old: Option<ImageInfo>,
    pub new: Option<ImageInfo>,
}

/// The pictures of two outputs paired by position, the longer side's extras alone.
pub fn image_pairs(old: &Printed, new: &Printed) -> Vec<ImagePair> {
    let n = old.images.len().max(new.images.len());
    (0..n)
        .map(|k| ImagePair {
            old: old.images.get(k).cloned(),
            new: new.images.get(k).cloned(),
        })
        .collect()
}

impl ImagePair {
    /// Same picture, by content hash.
    pub fn identical(&self) -> bool {
        matches!((&self.old, &self.new), (Some(a), Some(b)) if a.sha256 == b.sha256)
    }
}

/// Execution `old` against execution `new` of one lineage.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Indices into the lineage's executions; `old` is the earlier run.
    pub old: usize,
    pub new: usize,
    pub code: TextDiff,
    pub old_output: Printed,
    pub new_output: Printed,
    pub output: TextDiff,
    pub images: Vec<ImagePair>,
    /// Whether anything printed differs (text or image), by the hashes the
    /// lineage took.
    pub output_changed: bool,
    /// What happened between the runs, when the code is the same and the
    /// output is not.
    pub between: Option<Between>,
}

/// Compares two executions of `lineage`; `rows` is the history newest
/// first (the records of both runs must be among them to read outputs).
pub fn compare<R: Borrow<RecordRow>>(
    store: &DetailStore,
    lineage: &Lineage,
    rows: &[R],
    a: usize,
    b: usize,
) -> Option<Comparison> {
    let (old, new) = (a.min(b), a.max(b));
    let eo = lineage.executions.get(old)?;
    let en = lineage.executions.get(new)?;
    let row_of = |e: &Execution| {
        rows.iter()
            .map(Borrow::borrow)
            .find(|r: &&RecordRow| r.commit == e.commit)
    };
    let outputs = |e: &Execution| row_of(e).map(|r| printed(store, r, e)).unwrap_or_default();
    let old_output = outputs(eo);
    let new_output = outputs(en);
    let code = diff_text(&eo.source, &en.source);
    let output = diff_text(&old_output.text, &new_output.text);
    let images = image_pairs(&old_output, &new_output);
    let output_changed = eo.outputs != en.outputs
        || !output.stats.identical
        || images.iter().any(|p| !p.identical());
    let between = (code.stats.identical && output_changed)
        .then(|| between(lineage, rows.iter().map(Borrow::borrow), old, new));
    Some(Comparison {
        old,
        new,
        code,
        old_output,
        new_output,
        output,
        images,
        output_changed,
        between,
    })
}
