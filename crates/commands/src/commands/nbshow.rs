//! `show` and `files` for notebooks in git: one commit — who, when, why — and what it did to
//! each notebook, cell by cell with code and outputs; or every file it changed, diffed.

use std::io::Write;
use std::path::Path;

use super::CommandError;
use super::cell::DiffLook;
use super::files::{FilesHead, FilesLook, print_changes};
use crate::diff::diff_text;
use crate::files::changes_of_commit;
use crate::nbhistory::{self, CellState, EntryCell};
use crate::notebook::{self, Cell, CellKind, Notebook, Parts};
use crate::render::highlight::Lang;
use crate::render::notebooks::{cell_heading, cell_states, change_phrase, kernel_lang, plural};
use crate::render::numbers::human_bytes;
use crate::render::sanitize;
use crate::repo::{NotebookChange, Project, RepoError, resolve_commit, short_id};
use crate::timefmt;

/// How `show` prints for notebooks.
#[derive(Debug, Clone, Copy)]
pub struct NbShowOptions<'a> {
    /// Only the notebook of this path (or path ending).
    pub notebook: Option<&'a str>,
    pub save_images: Option<&'a Path>,
    /// Every cell of each version, not only the changed ones.
    pub all_cells: bool,
    pub look: DiffLook,
}

fn commit_of<'r>(project: &'r Project, spec: &str) -> Result<git2::Commit<'r>, CommandError> {
    let id = resolve_commit(project.repo(), spec, &project.path)?;
    Ok(project.repo().find_commit(id).map_err(|e| RepoError::Git {
        doing: format!("reading commit {id}"),
        message: e.message().to_string(),
    })?)
}

/// `gtm-tui show COMMIT` on notebooks in git.
pub fn show(
    project: &Project,
    spec: &str,
    opts: NbShowOptions,
    out: &mut impl Write,
) -> Result<(), CommandError> {
    let commit = commit_of(project, spec)?;
    let ch = crate::repo::changes_of(project.repo(), &commit)?;
    writeln!(out, "commit   {}", ch.commit)?;
    if ch.parents.len() > 1 {
        let parents: Vec<String> = ch.parents.iter().map(|p| short_id(*p)).collect();
        writeln!(out, "merge    {}", parents.join(" "))?;
    }
    writeln!(
        out,
        "author   {} <{}>",
        sanitize::line(&ch.author),
        sanitize::line(&ch.email)
    )?;
    writeln!(
        out,
        "date     {}",
        timefmt::local_full(ch.time, ch.tz_minutes)
    )?;
    let mut lines = ch.message.trim_end().lines();
    writeln!(
        out,
        "message  {}",
        sanitize::line(lines.next().unwrap_or(""))
    )?;
    for l in lines {
        if l.trim().is_empty() {
            writeln!(out)?;
        } else {
            writeln!(out, "         {}", sanitize::line(l))?;
        }
    }
    let shown: Vec<&NotebookChange> = ch
        .notebooks
        .iter()
        .filter(|n| opts.notebook.is_none_or(|want| names(n, want)))
        .collect();
    if let Some(want) = opts.notebook
        && shown.is_empty()
    {
        let changed: Vec<String> = ch
            .notebooks
            .iter()
            .map(|n| sanitize::line(&n.path).into_owned())
            .collect();
        return Err(CommandError::Usage(format!(
            "commit {} did not change {}; it changed {}",
            short_id(ch.commit),
            sanitize::line(want),
            if changed.is_empty() {
                "no notebook".to_string()
            } else {
                changed.join(", ")
            }
        )));
    }
    if !ch.env_files.is_empty() {
        writeln!(out, "env      {}", listed(&ch.env_files))?;
    }
    if !ch.data_files.is_empty() {
        writeln!(out, "data     {}", listed(&ch.data_files))?;
    }
    if ch.other_files > 0 {
        writeln!(
            out,
            "other    {} other file{} (`gtm-tui files {}` lists them)",
            ch.other_files,
            if ch.other_files == 1 { "" } else { "s" },
            short_id(ch.commit)
        )?;
    }
    if ch.notebooks.is_empty() {
        writeln!(out, "\nno notebook changed")?;
    }
    let mut saved = 0usize;
    for nb in shown {
        writeln!(out)?;
        let mut images = Images {
            dir: opts.save_images,
            stem: format!("gtm-{}", short_id(ch.commit)),
            saved: &mut saved,
        };
        show_notebook(project, nb, &opts, &mut images, out)?;
        out.flush()?;
    }
    out.flush()?;
    Ok(())
}

/// `--notebook NAME` names a change: its path or the path before a rename (as `cell` names one).
fn names(nb: &NotebookChange, want: &str) -> bool {
    let ends = |p: &str| super::nbcell::names(p, want);
    ends(&nb.path) || nb.old_path.as_deref().is_some_and(ends)
}

fn listed(paths: &[String]) -> String {
    paths
        .iter()
        .map(|p| sanitize::line(p).into_owned())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where `--save-images` writes, and how many it has written.
struct Images<'a> {
    dir: Option<&'a Path>,
    stem: String,
    saved: &'a mut usize,
}

fn read_version(project: &Project, blob: Option<git2::Oid>) -> Option<Result<Notebook, String>> {
    Some(nbhistory::read_version(project, blob?, Parts::All))
}

fn show_notebook(
    project: &Project,
    nb: &NotebookChange,
    opts: &NbShowOptions,
    images: &mut Images,
    out: &mut impl Write,
) -> Result<(), CommandError> {
    // Both sides with the full reader, so their output fingerprints compare like with like.
    let new = read_version(project, nb.new_blob);
    let old = read_version(project, nb.old_blob);
    let cells_of = |v: &Option<Result<Notebook, String>>| {
        v.as_ref()
            .map(|r| r.as_ref().map(|n| n.cells.clone()).map_err(Clone::clone))
    };
    let (entry, pairs) = nbhistory::entry_of(nb, cells_of(&new).as_ref(), cells_of(&old).as_ref());
    writeln!(
        out,
        "── {} ▸ {}",
        sanitize::line(&nb.path),
        change_phrase(&entry)
    )?;
    let Some(Ok(new)) = new else {
        return Ok(());
    };
    let old = old.and_then(Result::ok);
    let lang = kernel_lang(&new);
    let mut old_of: Vec<Option<usize>> = vec![None; new.cells.len()];
    for (o, n) in pairs {
        if let Some(slot) = old_of.get_mut(n) {
            *slot = Some(o);
        }
    }
    let mut unchanged = 0usize;
    // Without a readable version before, nothing is known to be unchanged: every cell shows.
    let every = opts.all_cells || entry.base_unreadable;
    for (i, (cell, ec)) in new.cells.iter().zip(&entry.cells).enumerate() {
        if !ec.changed() && !every {
            unchanged += 1;
            continue;
        }
        let base = old_of
            .get(i)
            .copied()
            .flatten()
            .and_then(|o| old.as_ref()?.cells.get(o));
        show_cell(i, cell, ec, base, lang, opts, images, out)?;
    }
    let mut tail = Vec::new();
    if unchanged > 0 {
        tail.push(plural(unchanged, "unchanged cell"));
    }
    if !entry.removed.is_empty() {
        tail.push(format!("{} removed", plural(entry.removed.len(), "cell")));
    }
    if !tail.is_empty() {
        writeln!(out, "\n{}", tail.join(", "))?;
    }
    Ok(())
}

/// What happened to a cell, in words; a cell shown with `--all-cells` that nothing happened
/// to says `unchanged`.
fn states(c: &EntryCell) -> String {
    let s = cell_states(c);
    match (c.changed(), s.is_empty()) {
        (true, _) => s,
        (false, true) => "unchanged".into(),
        (false, false) => format!("unchanged, {s}"),
    }
}

#[allow(clippy::too_many_arguments)]
fn show_cell(
    index: usize,
    cell: &Cell,
    ec: &EntryCell,
    base: Option<&Cell>,
    lang: Lang,
    opts: &NbShowOptions,
    images: &mut Images,
    out: &mut impl Write,
) -> Result<(), CommandError> {
    writeln!(out, "\n{}", cell_heading(index, cell, &states(ec)))?;
    let cell_lang = match cell.kind {
        CellKind::Code => Some(lang),
        CellKind::Markdown => Some(Lang::Markdown),
        _ => None,
    };
    match base {
        Some(b) if ec.state == CellState::Modified => {
            let (o, n) = (sanitize::text(&b.source), sanitize::text(&cell.source));
            let d = diff_text(&o, &n);
            // One column: a cell is read down the page here, beside its outputs.
            let look = DiffLook {
                unified: true,
                ..opts.look
            };
            out.write_all(look.render(&d, &o, &n, cell_lang).as_bytes())?;
        }
        _ => {
            for l in cell.source.lines() {
                writeln!(out, "    {}", sanitize::text(l))?;
            }
        }
    }
    // Consecutive chunks of one stream print as one, as Jupyter shows them.
    let keys: Vec<Option<&str>> = cell
        .outputs
        .iter()
        .map(crate::render::streams::notebook_key)
        .collect();
    for run in crate::render::streams::runs(&keys) {
        let chunks = cell.outputs.get(run).unwrap_or_default();
        if let [_, _, ..] = chunks {
            let text =
                crate::render::streams::join(chunks.iter().filter_map(|o| o.text.as_deref()));
            writeln!(out, "  printed:")?;
            out.write_all(
                crate::render::text::output_for_terminal(&text, "    ", opts.look.color).as_bytes(),
            )?;
            continue;
        }
        for o in chunks {
            if let Some(name) = &o.ename {
                writeln!(
                    out,
                    "  error  {}: {}",
                    sanitize::line(name),
                    sanitize::line(o.evalue.as_deref().unwrap_or(""))
                )?;
                if let Some(tb) = &o.traceback {
                    out.write_all(
                        crate::render::text::output_for_terminal(tb, "    ", opts.look.color)
                            .as_bytes(),
                    )?;
                }
                continue;
            }
            let pictures = o.images();
            let mut text: Vec<&str> = o.text.iter().map(String::as_str).collect();
            if pictures.is_empty() {
                text.extend(
                    o.data
                        .iter()
                        .filter(|(m, _)| m == "text/plain")
                        .map(|(_, c)| c.as_str()),
                );
            }
            for t in text {
                // A label, so that a result is never read as more code.
                writeln!(
                    out,
                    "  {}:",
                    match (o.output_type.as_deref(), cell.execution_count) {
                        (Some("execute_result"), Some(n)) => format!("Out [{n}]"),
                        (Some("stream"), _) => "printed".to_string(),
                        _ => "output".to_string(),
                    }
                )?;
                out.write_all(
                    crate::render::text::output_for_terminal(t, "    ", opts.look.color).as_bytes(),
                )?;
            }
            for p in pictures {
                write_image(&p, images, out)?;
            }
            for (mime, content) in &o.data {
                let shown =
                    mime == "text/plain" || (mime.starts_with("image/") && mime != "image/svg+xml");
                if !shown {
                    writeln!(
                        out,
                        "  {} {}",
                        sanitize::line(mime),
                        human_bytes(content.len() as u64)
                    )?;
                }
            }
        }
    }
    Ok(())
}

fn write_image(
    p: &notebook::OutputImage,
    images: &mut Images,
    out: &mut impl Write,
) -> Result<(), CommandError> {
    let bytes = match &p.bytes {
        Ok(b) => b,
        Err(e) => {
            writeln!(out, "  image  {}", sanitize::line(e))?;
            return Ok(());
        }
    };
    let size = match crate::activity::image::sniff(bytes) {
        Some(f) => match crate::activity::image::dimensions(bytes, f) {
            Ok((w, h)) => format!("{} image {w}×{h}", f.name()),
            Err(e) => format!("{} image (damaged: {})", f.name(), sanitize::line(&e)),
        },
        None => "not an image format gtm-tui knows".into(),
    };
    writeln!(
        out,
        "  {}: {size}, {}",
        sanitize::line(&p.mime),
        human_bytes(bytes.len() as u64)
    )?;
    if let Some(dir) = images.dir {
        // One picture that cannot be saved (a format with no file type, a full disk) is said
        // on its line; the rest of the commit still prints.
        let stem = format!("{}-{}", images.stem, *images.saved + 1);
        match crate::render::image::save(bytes, dir, &stem) {
            Ok(path) => {
                *images.saved += 1;
                writeln!(
                    out,
                    "    saved to {}",
                    sanitize::line(&path.display().to_string())
                )?;
            }
            Err(e) => writeln!(out, "    not saved: {}", sanitize::line(&e.to_string()))?,
        }
    }
    Ok(())
}

/// `gtm-tui files COMMIT` on notebooks in git: every file the commit changed against its first
/// parent, each diffed (notebooks cell by cell).
pub fn files(
    project: &Project,
    spec: &str,
    json: bool,
    look: FilesLook,
    out: &mut impl Write,
) -> Result<(), CommandError> {
    let commit = commit_of(project, spec)?;
    let ch = changes_of_commit(project, commit.id())?;
    let head = FilesHead {
        commit: commit.id(),
        time: commit.time().seconds(),
        author: String::from_utf8_lossy(commit.author().name_bytes()).into_owned(),
        kind: None,
        linked_commit: None,
        message: String::from_utf8_lossy(commit.message_bytes()).into_owned(),
    };
    if ch.files.is_empty() && !json {
        return Err(CommandError::Usage(format!(
            "commit {} changes no files{}",
            short_id(commit.id()),
            if commit.parent_count() > 1 {
                " against its first parent"
            } else {
                ""
            }
        )));
    }
    print_changes(project, &head, &ch, json, look, out)
}
