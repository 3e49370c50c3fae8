//! `show`: one record with every detail decoded.

use std::io::{self, Write};

use super::CommandError;
use crate::activity::Content;
use crate::activity::kinds::{DetailKind, RecordKind};
use crate::render::{sanitize, streams};
use crate::repo::Project;
use crate::timefmt;

/// `show`: one record with every detail decoded.
pub fn show(
    project: &Project,
    spec: &str,
    save_images: Option<&std::path::Path>,
    color: bool,
    out: &mut impl Write,
) -> Result<(), CommandError> {
    let mut saved = 0usize;
    let row = project.record(spec)?;
    let store = project.details();
    let details = store.record_details(&row);
    let r = &row.record;
    writeln!(out, "commit   {}", row.commit)?;
    writeln!(
        out,
        "author   {} <{}>",
        sanitize::line(&row.author),
        sanitize::line(&row.email)
    )?;
    writeln!(
        out,
        "date     {}",
        timefmt::local_full(row.time, row.tz_minutes)
    )?;
    writeln!(
        out,
        "type     {} ({})   {}   importance {}",
        r.meta.kind,
        r.meta.kind.id(),
        if r.meta.show { "shown" } else { "hidden" },
        r.meta.importance
    )?;
    if !r.meta.linked_commit.is_empty() {
        writeln!(out, "linked   {}", sanitize::line(&r.meta.linked_commit))?;
    }
    if !r.meta.tags.is_empty() {
        writeln!(out, "tags     {}", sanitize::line(&r.meta.tags.join(", ")))?;
    }
    writeln!(out, "message  {}", sanitize::line(&r.message))?;
    for e in &r.errors {
        writeln!(out, "error    {}", sanitize::line(e))?;
    }
    if r.details.is_empty() && r.meta.kind == RecordKind::Code {
        writeln!(
            out,
            "\nignored cell: nothing was recorded (its code had # gtm:ignore)"
        )?;
    }
    let total = r.details.len();
    // Consecutive stream chunks of one execution show as one block, as Jupyter shows them
    // (see `streams::activity_key`): the first chunk's heading names them all.
    let keys: Vec<_> = r
        .details
        .iter()
        .zip(&details)
        .map(|(line, d)| streams::activity_key(line, d))
        .collect();
    let runs: Vec<std::ops::Range<usize>> = streams::runs(&keys);
    for run in runs {
        let i = run.start;
        let (Some(line), Some(d)) = (r.details.get(i), details.get(i)) else {
            continue;
        };
        writeln!(out)?;
        let action = line.action.known_name().unwrap_or("?");
        let which = if run.len() > 1 {
            format!("details {}–{}/{total}", i + 1, run.end)
        } else {
            format!("detail {}/{total}", i + 1)
        };
        let mut head = format!(
            "── {which}: {} ({}) · {action} · {} · importance {}",
            line.kind,
            line.kind.id(),
            if line.show { "shown" } else { "hidden" },
            line.importance
        );
        if !d.tags.is_empty() {
            head.push_str(&format!(" · tags {}", sanitize::line(&d.tags.join(", "))));
        }
        if run.len() > 1 {
            head.push_str(&format!(" · {} stream outputs in one", run.len()));
        }
        writeln!(out, "{head}")?;
        if run.len() > 1 {
            let text = streams::join(
                details
                    .get(run.clone())
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|d| d.content.first().and_then(Content::text)),
            );
            writeln!(out, "text/plain:")?;
            write_output(&text, color, out)?;
            continue;
        }
        for e in &d.errors {
            writeln!(
                out,
                "error: {} (key {})",
                sanitize::line(e),
                sanitize::line(&line.key.to_string())
            )?;
        }
        let code = line.kind == DetailKind::CodeExecuted;
        for c in &d.content {
            match c {
                Content::Text { mime, text } => {
                    let text = if code && mime == "text/markdown" {
                        crate::activity::detail::code_in_fence(text)
                    } else {
                        text
                    };
                    writeln!(out, "{}:", sanitize::line(mime))?;
                    if code {
                        for l in text.lines() {
                            writeln!(out, "    {}", sanitize::text(l))?;
                        }
                    } else {
                        write_output(text, color, out)?;
                    }
                }
                Content::Image { mime, image } => {
                    writeln!(
                        out,
                        "{}: {} image {}×{}, {} bytes{}",
                        sanitize::line(mime),
                        image.format.name(),
                        image.width,
                        image.height,
                        image.data.len(),
                        if image.base64_text {
                            " (stored as base64 text)"
                        } else {
                            ""
                        }
                    )?;
                    if let Some(dir) = save_images {
                        saved += 1;
                        let stem = format!("gtm-{}-{saved}", crate::repo::short_id(row.commit));
                        let path = crate::render::image::save(&image.data, dir, &stem)?;
                        writeln!(
                            out,
                            "    saved to {}",
                            sanitize::line(&path.display().to_string())
                        )?;
                    }
                }
                Content::Binary { mime, len } => {
                    writeln!(out, "{}: {len} bytes", sanitize::line(mime))?
                }
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// A text output as a notebook shows it, indented; see
/// [`crate::render::text::output_for_terminal`].
fn write_output(text: &str, color: bool, out: &mut impl Write) -> io::Result<()> {
    out.write_all(crate::render::text::output_for_terminal(text, "    ", color).as_bytes())
}
