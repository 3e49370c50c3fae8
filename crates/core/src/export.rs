//! Records and their decoded details as JSON, the shape `export` writes and README documents.

use serde::Serialize;

use crate::activity::kinds::DetailKind;
use crate::activity::{Content, Detail, DetailRef, LineKey};
use crate::repo::RecordRow;
use crate::timefmt::rfc3339_utc;

#[derive(Serialize)]
pub struct Author<'a> {
    pub name: &'a str,
    pub email: &'a str,
}

/// One record with every detail decoded.
#[derive(Serialize)]
pub struct ExportRecord<'a> {
    pub commit: String,
    pub linked_commit: &'a str,
    pub time: String,
    pub author: Author<'a>,
    #[serde(rename = "type")]
    pub type_name: Option<&'static str>,
    pub type_id: i64,
    pub message: &'a str,
    pub show: bool,
    pub importance: i64,
    pub tags: &'a [String],
    pub error: Option<String>,
    pub details: Vec<ExportDetail<'a>>,
}

#[derive(Serialize)]
pub struct ExportDetail<'a> {
    #[serde(rename = "type")]
    pub type_name: Option<&'static str>,
    pub type_id: i64,
    pub action: Option<&'static str>,
    pub action_id: i64,
    pub show: bool,
    pub importance: i64,
    pub tags: &'a [String],
    pub key: &'a LineKey,
    pub error: Option<String>,
    pub content: Vec<ExportContent<'a>>,
    /// For the details of a code execution: the cell it ran (see README,
    /// "Cell lineage") and which run of that cell it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<u32>,
    /// The content was left out on request (`--no-outputs`, `--no-code`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub content_dropped: bool,
}

#[derive(Serialize)]
#[serde(untagged)]
pub enum ExportContent<'a> {
    Text {
        mime: &'a str,
        text: &'a str,
        /// For executed code: the code inside the markdown fence.
        #[serde(skip_serializing_if = "Option::is_none")]
        code: Option<&'a str>,
    },
    Image {
        mime: &'a str,
        image: ExportImage<'a>,
    },
    Binary {
        mime: &'a str,
        bytes: usize,
    },
}

#[derive(Serialize)]
pub struct ExportImage<'a> {
    pub format: &'static str,
    pub width: u32,
    pub height: u32,
    pub bytes: usize,
    pub sha256: &'a str,
}

fn joined(errors: &[String]) -> Option<String> {
    (!errors.is_empty()).then(|| errors.join("; "))
}

/// Builds the export shape of a record from its row and its decoded details (in line order).
pub fn record<'a>(row: &'a RecordRow, details: &'a [Detail]) -> ExportRecord<'a> {
    let r = &row.record;
    ExportRecord {
        commit: row.commit.to_string(),
        linked_commit: &r.meta.linked_commit,
        time: rfc3339_utc(row.time),
        author: Author {
            name: &row.author,
            email: &row.email,
        },
        type_name: r.meta.kind.known_name(),
        type_id: r.meta.kind.id(),
        message: &r.message,
        show: r.meta.show,
        importance: r.meta.importance,
        tags: &r.meta.tags,
        error: joined(&r.errors),
        details: r
            .details
            .iter()
            .zip(details)
            .map(|(line, d)| detail(line, d))
            .collect(),
    }
}

pub fn detail<'a>(line: &'a DetailRef, d: &'a Detail) -> ExportDetail<'a> {
    let code_executed = line.kind == DetailKind::CodeExecuted;
    ExportDetail {
        type_name: line.kind.known_name(),
        type_id: line.kind.id(),
        action: line.action.known_name(),
        action_id: line.action.id(),
        show: line.show,
        importance: line.importance,
        tags: &d.tags,
        key: &line.key,
        error: joined(&d.errors),
        content: d
            .content
            .iter()
            .map(|c| match c {
                Content::Text { mime, text } => ExportContent::Text {
                    mime,
                    text,
                    code: (code_executed && mime == "text/markdown")
                        .then(|| crate::activity::detail::code_in_fence(text)),
                },
                Content::Image { mime, image } => ExportContent::Image {
                    mime,
                    image: ExportImage {
                        format: image.format.name(),
                        width: image.width,
                        height: image.height,
                        bytes: image.data.len(),
                        sha256: &image.sha256,
                    },
                },
                Content::Binary { mime, len } => ExportContent::Binary { mime, bytes: *len },
            })
            .collect(),
        cell: None,
        run: None,
        content_dropped: false,
    }
}
