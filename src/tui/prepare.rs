//! Off the UI thread: a record's details decoded and made ready to draw
//! (code highlighted, outputs' escape codes turned into styles, images decoded).

use std::sync::Arc;

use ratatui::style::Style;

use super::cache::Weigh;
use super::render::highlight::{Highlighter, Lang};
use super::render::image::{Picture, decode};
use super::render::text::{StyledLine, render_output, split_truncated};
use crate::activity::detail::code_in_fence;
use crate::activity::kinds::DetailKind;
use crate::activity::{Content, Detail};
use crate::repo::{DetailStore, Project, RecordRow};

/// Largest picture kept per image: enough for a wide pane in half-blocks.
pub const PICTURE_MAX: (u32, u32) = (400, 300);

/// One content entry of a detail, ready to draw.
#[derive(Debug, Clone)]
pub enum Body {
    /// Executed code, highlighted, one entry per line.
    Code(Vec<StyledLine>),
    /// A text output with escape codes rendered; `truncated` when the writer cut it.
    Output {
        lines: Vec<StyledLine>,
        truncated: bool,
    },
    /// Markdown (notes, file and package details), wrapped when drawn.
    Markdown(String),
    /// A decoded picture, or why it could not be decoded.
    Image(Result<Arc<Picture>, String>),
    /// Nothing to draw beyond the summary line.
    Other,
}

/// Everything the record pane needs for one record.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub details: Vec<Detail>,
    /// Per detail, per content entry.
    pub bodies: Vec<Vec<Body>>,
    pub lang: Lang,
}

/// The language of a record's code: the notebook's kernel at the linked
/// commit, else guessed from the message (console work is R).
pub fn language(project: &Project, row: &RecordRow) -> Lang {
    let msg = &row.record.message;
    let kernel = msg
        .split("notebook ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|path| project.notebook_language(&row.record.meta.linked_commit, path));
    match kernel {
        Some(k) => Lang::from_kernel(&k),
        None => Lang::from_message(msg),
    }
}

/// Decodes and prepares a record. `dark` picks the code colours.
pub fn prepare(project: &Project, store: &DetailStore, row: &RecordRow, dark: bool) -> Prepared {
    let details = store.record_details(row);
    let lang = language(project, row);
    let bodies = row
        .record
        .details
        .iter()
        .zip(&details)
        .map(|(line, d)| {
            let kind = DetailKind::from_id(line.type_id);
            d.content
                .iter()
                .map(|c| body(kind, c, lang, dark))
                .collect()
        })
        .collect();
    Prepared {
        details,
        bodies,
        lang,
    }
}

fn body(kind: Option<DetailKind>, c: &Content, lang: Lang, dark: bool) -> Body {
    match c {
        Content::Text { mime, text } => {
            if kind == Some(DetailKind::CodeExecuted) {
                let code = if mime == "text/markdown" {
                    code_in_fence(text)
                } else {
                    text.as_str()
                };
                Body::Code(Highlighter::get().highlight(code, lang, dark))
            } else if mime == "text/markdown" {
                Body::Markdown(text.clone())
            } else {
                let (text, truncated) = split_truncated(text);
                Body::Output {
                    lines: render_output(text, Style::default()),
                    truncated,
                }
            }
        }
        Content::Image { image, .. } => {
            Body::Image(decode(&image.data, PICTURE_MAX.0, PICTURE_MAX.1).map(Arc::new))
        }
        Content::Binary { .. } => Body::Other,
    }
}

impl Body {
    /// Bytes this body holds, roughly (strings and pixels; not allocator slack).
    fn weight(&self) -> usize {
        let runs = |lines: &[StyledLine]| -> usize {
            lines
                .iter()
                .map(|l| {
                    l.iter()
                        .map(|(_, s)| s.len() + std::mem::size_of::<(Style, String)>())
                        .sum::<usize>()
                        + std::mem::size_of::<StyledLine>()
                })
                .sum()
        };
        std::mem::size_of::<Body>()
            + match self {
                Body::Code(lines) => runs(lines),
                Body::Output { lines, .. } => runs(lines),
                Body::Markdown(s) => s.len(),
                Body::Image(Ok(p)) => p.heap_bytes(),
                Body::Image(Err(e)) => e.len(),
                Body::Other => 0,
            }
    }
}

impl Weigh for Prepared {
    fn weight(&self) -> usize {
        let content: usize = self
            .details
            .iter()
            .flat_map(|d| &d.content)
            .map(|c| match c {
                Content::Text { text, .. } => text.len(),
                Content::Image { image, .. } => image.data.len() + image.sha256.len(),
                Content::Binary { .. } => 0,
            } + std::mem::size_of::<Content>())
            .sum();
        let bodies: usize = self.bodies.iter().flatten().map(Body::weight).sum();
        std::mem::size_of::<Prepared>() + content + bodies
    }
}
