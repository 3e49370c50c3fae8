//! The cell commands over a notebook history: `cell` (every committed version of one cell)
//! and `diff` (a version against the cell's previous one, with what else changed between).

use std::io::Write;

use serde::Serialize;

use super::CommandError;
use super::cell::{DiffLook, change_size};
use super::notebooks::cell_name;
use crate::nbhistory::{self, NbHistory};
use crate::notebook::{self, Cell, Parts};
use crate::render::highlight::Lang;
use crate::render::sanitize;
use crate::repo::{Project, resolve_commit, short_id};
use crate::timefmt;

/// Which cell the user means: the version a commit left of a notebook, and a cell in it.
#[derive(Debug, Clone, Copy)]
pub struct CellSpec<'a> {
    pub commit: &'a str,
    /// Needed when the commit changed several notebooks.
    pub notebook: Option<&'a str>,
    /// The cell's position in that version, from 1; default the first cell that changed.
    pub index: Option<usize>,
}

/// A cell found: the whole history, the entry, the cell's position in it and its number.
pub struct FoundCell {
    pub history: NbHistory,
    pub entry: usize,
    pub index: usize,
    pub cell: u32,
}

pub fn find(project: &Project, spec: CellSpec) -> Result<FoundCell, CommandError> {
    let id = resolve_commit(project.repo(), spec.commit, &project.path)?;
    // Only the notebook meant is read through the history, when the commit says which.
    let commit = project
        .repo()
        .find_commit(id)
        .map_err(|e| crate::repo::RepoError::Git {
            doing: format!("reading commit {id}"),
            message: e.message().to_string(),
        })?;
    let changed = crate::repo::changes_of(project.repo(), &commit)?;
    let meant: Vec<&str> = changed
        .notebooks
        .iter()
        .map(|n| n.path.as_str())
        .filter(|p| spec.notebook.is_none_or(|n| names(p, n)))
        .collect();
    let history = match meant.as_slice() {
        [one] => nbhistory::build_one(project, one)?,
        _ => nbhistory::build(project)?,
    };
    let usage = |m: String| Err(CommandError::Usage(m));
    let Some(commit) = history.commits.iter().find(|c| c.id == id) else {
        return usage(format!(
            "commit {} is not in the history of '{}'",
            short_id(id),
            project.rev
        ));
    };
    let entries: Vec<usize> = (commit.first_entry..commit.first_entry + commit.entry_count)
        .filter(|&i| {
            history
                .entries
                .get(i)
                .is_some_and(|e| spec.notebook.is_none_or(|n| names(&e.path, n)))
        })
        .collect();
    let entry = match entries.as_slice() {
        [] if commit.entry_count == 0 => {
            return usage(format!("commit {} changed no notebook", short_id(id)));
        }
        [] => {
            return usage(format!(
                "commit {} did not change {}; it changed: {}",
                short_id(id),
                sanitize::line(spec.notebook.unwrap_or("")),
                changed_list(&history, commit.first_entry, commit.entry_count)
            ));
        }
        [one] => *one,
        _ => {
            return usage(format!(
                "commit {} changed several notebooks; choose one with --notebook: {}",
                short_id(id),
                changed_list(&history, commit.first_entry, commit.entry_count)
            ));
        }
    };
    let Some(e) = history.entries.get(entry) else {
        return usage("no such version".into());
    };
    if let Some(err) = &e.error {
        return usage(format!(
            "{} at {} cannot be read: {}",
            sanitize::line(&e.path),
            short_id(id),
            sanitize::line(err)
        ));
    }
    let index = match spec.index {
        Some(0) => return usage("cells are counted from 1".into()),
        Some(n) if n > e.cells.len() => {
            return usage(format!(
                "{} has {} cells at {}",
                sanitize::line(&e.path),
                e.cells.len(),
                short_id(id)
            ));
        }
        Some(n) => n - 1,
        None => match e
            .cells
            .iter()
            .position(|c| c.state != nbhistory::CellState::Unchanged)
            .or_else(|| e.cells.iter().position(|c| c.changed()))
        {
            Some(i) => i,
            None => {
                return usage(format!(
                    "no cell changed in {} at {}; name one with --index",
                    sanitize::line(&e.path),
                    short_id(id)
                ));
            }
        },
    };
    let cell = e
        .cells
        .get(index)
        .map(|c| c.cell)
        .unwrap_or(nbhistory::UNNUMBERED);
    Ok(FoundCell {
        history,
        entry,
        index,
        cell,
    })
}

/// `--notebook NAME` names `path`: the whole path, or its last parts.
pub(crate) fn names(path: &str, name: &str) -> bool {
    path == name || path.ends_with(&format!("/{name}"))
}

fn changed_list(h: &NbHistory, first: usize, count: usize) -> String {
    h.entries
        .get(first..first + count)
        .unwrap_or_default()
        .iter()
        .map(|e| sanitize::line(&e.path).into_owned())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The cell at position `index` of the version an entry holds, with its outputs.
fn cell_at(project: &Project, h: &NbHistory, entry: usize, index: usize) -> Option<Cell> {
    let bytes = project.blob(h.entries.get(entry)?.blob?)?;
    notebook::read(&bytes, Parts::All)
        .ok()?
        .cells
        .into_iter()
        .nth(index)
}

#[derive(Serialize)]
struct VersionLine {
    commit: String,
    time: String,
    author: String,
    message: String,
    notebook: String,
    index: usize,
    status: nbhistory::CellState,
    execution_count: Option<u64>,
    rerun: bool,
    outputs_changed: bool,
    new_error: bool,
}

/// `cell`: every version of the cell, newest first.
pub fn cell(
    project: &Project,
    spec: CellSpec,
    json: bool,
    out: &mut impl Write,
) -> Result<(), CommandError> {
    let f = find(project, spec)?;
    let h = &f.history;
    let Some(life) = h.cells.get(f.cell as usize) else {
        return Err(CommandError::Usage("the cell has no history".into()));
    };
    let lines: Vec<VersionLine> = life
        .versions
        .iter()
        .filter_map(|&(e, i)| {
            let entry = h.entries.get(e)?;
            let c = entry.cells.get(i)?;
            let commit = h.commit_of(entry)?;
            Some(VersionLine {
                commit: commit.id.to_string(),
                time: timefmt::rfc3339_utc(commit.time),
                author: commit.author.clone(),
                message: commit.summary().to_string(),
                notebook: entry.path.clone(),
                index: i + 1,
                status: c.state,
                execution_count: c.count,
                rerun: c.rerun,
                outputs_changed: c.outputs_changed,
                new_error: c.new_error,
            })
        })
        .collect();
    if json {
        #[derive(Serialize)]
        struct Out<'a> {
            cell: Option<String>,
            removed_in: Option<String>,
            versions: &'a [VersionLine],
        }
        let removed_in = life
            .removed_in
            .and_then(|e| h.entries.get(e))
            .and_then(|e| h.commit_of(e))
            .map(|c| c.id.to_string());
        let o = Out {
            cell: cell_name(f.cell),
            removed_in,
            versions: &lines,
        };
        out.write_all(&sanitize::json_pretty(&o)?)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "{} · {} version{} that changed it, newest first",
        cell_name(f.cell).unwrap_or_default(),
        lines.len(),
        if lines.len() == 1 { "" } else { "s" }
    )?;
    if let Some(c) = life
        .removed_in
        .and_then(|e| h.entries.get(e))
        .and_then(|e| h.commit_of(e))
    {
        writeln!(
            out,
            "{}  {}  removed · {}",
            short_id(c.id),
            timefmt::local_minutes(c.time),
            sanitize::line(c.summary())
        )?;
    }
    for (k, &(e, i)) in life.versions.iter().enumerate() {
        let (Some(entry), Some(l)) = (h.entries.get(e), lines.get(k)) else {
            continue;
        };
        let Some(commit) = h.commit_of(entry) else {
            continue;
        };
        let mut what = vec![l.status.name().to_string()];
        if l.rerun {
            what.push("re-run".into());
        }
        if l.outputs_changed {
            what.push("outputs changed".into());
        }
        if l.new_error {
            what.push("new error".into());
        }
        writeln!(
            out,
            "{}  {}  {:<14} {} #{} {:<7} {} · {}",
            short_id(commit.id),
            timefmt::local_minutes(commit.time),
            crate::columns::truncate(&sanitize::line(&commit.author), 14),
            sanitize::line(&entry.path),
            i + 1,
            l.execution_count
                .map_or("[ ]".to_string(), |n| format!("[{n}]")),
            what.join(", "),
            sanitize::line(commit.summary())
        )?;
    }
    Ok(())
}

fn images(c: &Cell) -> Vec<String> {
    c.outputs
        .iter()
        .flat_map(|o| o.data.iter())
        .filter(|(m, _)| m.starts_with("image/"))
        .map(|(m, content)| format!("{m} {} bytes of base64", content.len()))
        .collect()
}

/// `diff`: the cell's version at the commit against its previous version.
pub fn diff(
    project: &Project,
    spec: CellSpec,
    look: DiffLook,
    out: &mut impl Write,
) -> Result<(), CommandError> {
    let f = find(project, spec)?;
    let h = &f.history;
    let Some(life) = h.cells.get(f.cell as usize) else {
        return Err(CommandError::Usage("the cell has no history".into()));
    };
    let name = cell_name(f.cell).unwrap_or_default();
    // The version before: the next older entry in the cell's list.
    let at = life.versions.iter().position(|&(e, _)| e == f.entry);
    let prev = match at {
        Some(k) => life.versions.get(k + 1).copied(),
        // Unchanged here: its last change before this commit.
        None => life.versions.iter().find(|&&(e, _)| e > f.entry).copied(),
    };
    let Some(entry) = h.entries.get(f.entry) else {
        return Ok(());
    };
    let Some(commit) = h.commit_of(entry) else {
        return Ok(());
    };
    let Some((pe, pi)) = prev else {
        writeln!(
            out,
            "{name} ({} #{}) at {}: its first version, nothing to compare with",
            sanitize::line(&entry.path),
            f.index + 1,
            short_id(commit.id)
        )?;
        return Ok(());
    };
    let (Some(pentry), Some(new)) = (h.entries.get(pe), cell_at(project, h, f.entry, f.index))
    else {
        return Ok(());
    };
    let Some(pcommit) = h.commit_of(pentry) else {
        return Ok(());
    };
    let old = cell_at(project, h, pe, pi).unwrap_or(Cell {
        kind: new.kind,
        id: None,
        source: String::new(),
        execution_count: None,
        outputs: Vec::new(),
        outputs_digest: 0,
        has_error: false,
    });
    let label = |c: &nbhistory::NbCommit, cell: &Cell, idx: usize| {
        format!(
            "{} #{} ({}, {}{})",
            sanitize::line(
                &h.entries
                    .get(if c.id == commit.id { f.entry } else { pe })
                    .map_or(String::new(), |e| e.path.clone())
            ),
            idx + 1,
            short_id(c.id),
            timefmt::local_minutes(c.time),
            cell.execution_count
                .map_or(String::new(), |n| format!(", In [{n}]"))
        )
    };
    writeln!(
        out,
        "{name}  {} → {}",
        label(pcommit, &old, pi),
        label(commit, &new, f.index)
    )?;
    let lang = Lang::from_path(&entry.path);
    // The output guard sanitises what is printed: the text is compared as it is.
    let cmp = nbhistory::between::compare_cells(&old, &new, (pi, f.index), &|s| s.to_string());
    let code = &cmp.code;
    writeln!(out, "── code: {}", change_size(code, "same", ""))?;
    if !code.stats.identical {
        write!(
            out,
            "{}",
            look.render(code, &old.source, &new.source, Some(lang))
        )?;
    }
    let (ot, nt) = (&cmp.old_output.text, &cmp.new_output.text);
    let text = &cmp.output;
    writeln!(
        out,
        "── output: {}",
        change_size(text, "same text", " lines")
    )?;
    if !text.stats.identical {
        write!(out, "{}", look.render(text, ot, nt, None))?;
    }
    let (oi, ni) = (images(&old), images(&new));
    if !oi.is_empty() || !ni.is_empty() {
        let same = old
            .outputs
            .iter()
            .flat_map(|o| o.data.iter().filter(|(m, _)| m.starts_with("image/")))
            .eq(new
                .outputs
                .iter()
                .flat_map(|o| o.data.iter().filter(|(m, _)| m.starts_with("image/"))));
        writeln!(
            out,
            "── images: {} ({} → {})",
            if same { "identical" } else { "changed" },
            oi.len(),
            ni.len()
        )?;
    }
    if cmp.output_changed
        && let Some(b) = nbhistory::between::between(h, f.entry, pe, f.cell)
    {
        for line in crate::render::notebooks::why_lines(&b) {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}
