//! Off the UI thread: a record's details decoded and made ready to draw
//! (code highlighted, outputs' escape codes turned into styles, images decoded).

use crate::render::palette::SyntaxTheme;
use std::sync::Arc;

use ratatui::style::Style;

use super::cache::Weigh;
use crate::activity::detail::code_in_fence;
use crate::activity::kinds::DetailKind;
use crate::activity::{Content, Detail, DetailRef};
use crate::render::highlight::{Highlighter, Lang};
use crate::render::image::{Picture, decode};
use crate::render::streams;
use crate::render::text::{StyledLine, render_output, split_truncated};
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

/// How one detail shows in the record pane: consecutive stream chunks of one execution
/// (see [`streams::activity_key`]) show as one block,
/// as Jupyter shows them, under the first chunk's heading.
#[derive(Debug, Clone)]
pub enum Stream {
    /// Drawn with its own heading and bodies.
    Alone,
    /// The first of `count` chunks (`count` ≥ 2): drawn under its heading with `body`, the
    /// chunks' text joined, in place of its own bodies.
    Head { count: usize, body: Body },
    /// A later chunk of a run: drawn in its head's block, not again.
    Member,
}

/// Everything the record pane needs for one record.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub details: Vec<Detail>,
    /// Per detail, per content entry.
    pub bodies: Vec<Vec<Body>>,
    /// Per detail, whether it is drawn on its own or in a run of stream chunks
    /// (see [`Stream`]).
    pub streams: Vec<Stream>,
    pub lang: Lang,
    /// Each detail's kind, from the record's detail lines.
    kinds: Vec<DetailKind>,
    /// The theme's colours for code.
    syntax: SyntaxTheme,
    /// For an environment record: what it changed, in one line (read from
    /// `.gigantum/env/` of its linked commit and that commit's parent).
    pub env_summary: Option<String>,
    /// For a code record: the telling line of its first executed cell, and
    /// how many cells it ran (the timeline shows it in place of the
    /// client's boilerplate message).
    pub code_gist: Option<(String, usize)>,
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

/// Code lines highlighted in the first pass over a record; the rest of a
/// longer cell shows plain until the second pass (~5 ms of Python).
pub const QUICK_LINES: usize = 200;

/// Decodes and prepares a record. `syntax` colours the code.
pub fn prepare(
    project: &Project,
    store: &DetailStore,
    row: &RecordRow,
    syntax: impl Into<SyntaxTheme>,
) -> Prepared {
    let syntax: SyntaxTheme = syntax.into();
    prepare_upto(project, store, row, syntax, usize::MAX).0
}

/// Like [`prepare`], highlighting at most `upto` lines of each code cell;
/// true when some cell was longer (and so needs [`Prepared::finish`]).
pub fn prepare_upto(
    project: &Project,
    store: &DetailStore,
    row: &RecordRow,
    syntax: impl Into<SyntaxTheme>,
    upto: usize,
) -> (Prepared, bool) {
    let syntax: SyntaxTheme = syntax.into();
    let details = store.record_details(row);
    let lang = language(project, row);
    let kinds: Vec<DetailKind> = row.record.details.iter().map(|l| l.kind).collect();
    let mut partial = false;
    let bodies = kinds
        .iter()
        .zip(&details)
        .map(|(kind, d)| {
            d.content
                .iter()
                .map(|c| body(*kind, c, lang, syntax, upto, &mut partial))
                .collect()
        })
        .collect();
    let code_gist = code_gist(&kinds, &details);
    let streams = stream_runs(&row.record.details, &details);
    let p = Prepared {
        details,
        bodies,
        streams,
        lang,
        kinds,
        syntax,
        env_summary: crate::env::record_change_summary(project, row),
        code_gist,
    };
    (p, partial)
}

impl Prepared {
    /// The same record with every code line highlighted: the second pass
    /// after [`prepare_upto`], redoing only the code.
    pub fn finish(&self) -> Prepared {
        let mut partial = false;
        let bodies = self
            .kinds
            .iter()
            .zip(&self.details)
            .zip(&self.bodies)
            .map(|((kind, d), old)| {
                d.content
                    .iter()
                    .zip(old)
                    .map(|(c, b)| match b {
                        Body::Code(_) => {
                            body(*kind, c, self.lang, self.syntax, usize::MAX, &mut partial)
                        }
                        other => other.clone(),
                    })
                    .collect()
            })
            .collect();
        Prepared {
            details: self.details.clone(),
            bodies,
            streams: self.streams.clone(),
            lang: self.lang,
            kinds: self.kinds.clone(),
            env_summary: self.env_summary.clone(),
            code_gist: self.code_gist.clone(),
            syntax: self.syntax,
        }
    }
}

/// Orders details for reading: each execution's code before its outputs
/// (the client stored outputs first), everything else as stored. Returns
/// indices into the record's details.
pub fn order_details(lines: &[DetailRef], details: &[Detail]) -> Vec<usize> {
    let n = lines.len().min(details.len());
    let is_code = |i: usize| lines.get(i).map(|l| l.kind) == Some(DetailKind::CodeExecuted);
    let mut out = Vec::with_capacity(n);
    let mut used = vec![false; n];
    for i in 0..n {
        if !is_code(i) || used.get(i).copied().unwrap_or(true) {
            continue;
        }
        if let Some(u) = used.get_mut(i) {
            *u = true;
        }
        out.push(i);
        if let Some(tag) = details.get(i).and_then(ex_tag) {
            for (j, u) in used.iter_mut().enumerate() {
                if !*u && !is_code(j) && details.get(j).and_then(ex_tag) == Some(tag) {
                    *u = true;
                    out.push(j);
                }
            }
        }
    }
    // Console work has no execution counts: code then outputs as stored.
    out.extend((0..n).filter(|&i| !used.get(i).copied().unwrap_or(true)));
    out
}

use streams::ex_tag;

/// Each detail's place in a run of stream chunks, runs taken in reading order.
fn stream_runs(lines: &[DetailRef], details: &[Detail]) -> Vec<Stream> {
    let mut out = vec![Stream::Alone; details.len()];
    let order = order_details(lines, details);
    let keys: Vec<Option<(&str, bool)>> = order
        .iter()
        .map(|&i| streams::activity_key(lines.get(i)?, details.get(i)?))
        .collect();
    for run in streams::runs(&keys) {
        let members = order.get(run.clone()).unwrap_or_default();
        let [first, rest @ ..] = members else {
            continue;
        };
        if rest.is_empty() {
            continue;
        }
        let text = streams::join(
            members
                .iter()
                .filter_map(|&i| details.get(i)?.content.first().and_then(Content::text)),
        );
        if let Some(s) = out.get_mut(*first) {
            *s = Stream::Head {
                count: members.len(),
                body: Body::Output {
                    lines: render_output(&text, Style::default()),
                    truncated: false,
                },
            };
        }
        for &i in rest {
            if let Some(s) = out.get_mut(i) {
                *s = Stream::Member;
            }
        }
    }
    out
}

/// The telling line of the first executed cell that has one, and how many
/// cells the record ran; `None` when it ran no code.
fn code_gist(kinds: &[DetailKind], details: &[Detail]) -> Option<(String, usize)> {
    let sources: Vec<&str> = kinds
        .iter()
        .zip(details)
        .filter(|(k, _)| **k == DetailKind::CodeExecuted)
        .flat_map(|(_, d)| &d.content)
        .filter_map(|c| match c {
            Content::Text { mime, text } if mime == "text/markdown" => Some(code_in_fence(text)),
            Content::Text { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    let first = sources
        .iter()
        .map(|s| crate::columns::gist(s))
        .find(|g| !g.is_empty())?;
    Some((first.to_string(), sources.len()))
}

fn body(
    kind: DetailKind,
    c: &Content,
    lang: Lang,
    syntax: SyntaxTheme,
    upto: usize,
    partial: &mut bool,
) -> Body {
    match c {
        Content::Text { mime, text } => {
            if kind == DetailKind::CodeExecuted {
                let code = if mime == "text/markdown" {
                    code_in_fence(text)
                } else {
                    text.as_str()
                };
                let mut lines = Highlighter::get().highlight_lines(code, lang, syntax, upto);
                let rest = code.lines().skip(lines.len());
                let before = lines.len();
                lines.extend(rest.map(|l| {
                    if l.is_empty() {
                        Vec::new()
                    } else {
                        vec![(Style::default(), l.to_string())]
                    }
                }));
                *partial |= lines.len() > before;
                Body::Code(lines)
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
        let streams: usize = self
            .streams
            .iter()
            .map(|s| match s {
                Stream::Head { body, .. } => body.weight(),
                _ => std::mem::size_of::<Stream>(),
            })
            .sum();
        std::mem::size_of::<Prepared>() + content + bodies + streams
    }
}
