//! The `env` command for a repository of notebooks in plain git: the packages its ordinary
//! environment files declare at a commit, or what changed between two commits, as text or
//! JSON, in the manner of [`super::env`] for Gigantum projects.

use std::collections::BTreeMap;
use std::io::Write;

use git2::Oid;
use serde::Serialize;

use super::CommandError;
use super::env::EnvLook;
use crate::env::declared::{Declared, DeclaredDiff, DeclaredFile, diff};
use crate::env::files::declared_at;
use crate::env::resolve;
use crate::render::sanitize;
use crate::repo::{Project, short_id};
use crate::timefmt;

/// The files looked for, for the message when there are none.
const LOOKED_FOR: &str = "requirements*.txt, environment.yml, pyproject.toml, setup.py, \
                          setup.cfg, Pipfile, Pipfile.lock, poetry.lock, renv.lock, \
                          DESCRIPTION, Dockerfile";

/// `env --json` at one commit.
#[derive(Serialize)]
struct AtOut<'a> {
    commit: String,
    /// The commit message's first line.
    message: String,
    source: &'static str,
    #[serde(flatten)]
    declared: &'a Declared,
}

/// `env --json --diff OTHER`.
#[derive(Serialize)]
struct DiffOut<'a> {
    from: String,
    to: String,
    source: &'static str,
    #[serde(flatten)]
    diff: &'a DeclaredDiff,
    summary: String,
    /// Both sides' errors, each prefixed with its commit.
    errors: Vec<String>,
}

/// `gtm-tui env [COMMIT] [--diff OTHER]` over notebooks in git: what the environment files
/// declare at `commit` (default the ref's tip), or the difference `diff` → `commit`.
pub fn env(
    project: &Project,
    commit: Option<&str>,
    diff: Option<&str>,
    look: EnvLook,
    out: &mut impl Write,
) -> Result<(), CommandError> {
    let at = match commit {
        Some(spec) => resolve(project, spec)?,
        None => project.tip,
    };
    let declared = declared_at(project, at)?;
    match diff {
        None => print_at(project, at, &declared, look, out)?,
        Some(spec) => {
            let from = resolve(project, spec)?;
            let old = declared_at(project, from)?;
            print_diff(from, &old, at, &declared, look, out)?;
        }
    }
    out.flush()?;
    Ok(())
}

fn summary_line(project: &Project, at: Oid) -> (String, String) {
    match project.repo().find_commit(at) {
        Ok(c) => (
            timefmt::local_minutes(c.time().seconds()),
            String::from_utf8_lossy(c.message_raw_bytes())
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_string(),
        ),
        Err(_) => (String::new(), String::new()),
    }
}

fn print_at(
    project: &Project,
    at: Oid,
    declared: &Declared,
    look: EnvLook,
    out: &mut impl Write,
) -> Result<(), CommandError> {
    let (time, message) = summary_line(project, at);
    if look.json {
        let doc = AtOut {
            commit: at.to_string(),
            message,
            source: "notebooks",
            declared,
        };
        out.write_all(&sanitize::json_pretty(&doc)?)?;
        writeln!(out)?;
        return Ok(());
    }
    if message.is_empty() {
        writeln!(out, "environment at {}  {time}", short_id(at))?;
    } else {
        writeln!(
            out,
            "environment at {}  {time}  {}",
            short_id(at),
            sanitize::line(&message)
        )?;
    }
    if declared.is_empty() {
        writeln!(
            out,
            "\nno environment files at this commit (looked for {LOOKED_FOR})"
        )?;
    } else {
        let (n, p) = (declared.files.len(), declared.package_count());
        writeln!(
            out,
            "\n{n} environment file{}, {p} package{}",
            if n == 1 { "" } else { "s" },
            if p == 1 { "" } else { "s" }
        )?;
        for f in &declared.files {
            print_file(f, out)?;
        }
    }
    if !declared.errors.is_empty() {
        writeln!(out)?;
        for e in &declared.errors {
            writeln!(out, "error: {}", sanitize::line(e))?;
        }
    }
    Ok(())
}

fn print_file(f: &DeclaredFile, out: &mut impl Write) -> Result<(), CommandError> {
    let n = f.packages.len();
    writeln!(
        out,
        "\n{}  {}  {n} package{}",
        sanitize::line(&f.path),
        f.manager,
        if n == 1 { "" } else { "s" }
    )?;
    for image in &f.base_images {
        writeln!(out, "  from  {}", sanitize::line(image))?;
    }
    let shown: Vec<String> = f
        .packages
        .iter()
        .map(|p| shown_name(&p.name, &p.extras))
        .collect();
    let width = name_width(shown.iter().map(String::as_str));
    for (p, name) in f.packages.iter().zip(&shown) {
        let spec = if p.spec.is_empty() {
            "(any version)".to_string()
        } else {
            sanitize::line(&p.spec).into_owned()
        };
        let mut tags = Vec::new();
        if p.manager != f.manager {
            tags.push(p.manager.clone());
        }
        if let Some(g) = &p.group {
            tags.push(sanitize::line(g).into_owned());
        }
        let tags = if tags.is_empty() {
            String::new()
        } else {
            format!("  [{}]", tags.join(", "))
        };
        writeln!(out, "    {name:<width$}  {spec}{tags}")?;
    }
    for note in &f.notes {
        writeln!(out, "  note: {}", sanitize::line(note))?;
    }
    for e in &f.errors {
        writeln!(out, "  error: {}", sanitize::line(e))?;
    }
    Ok(())
}

/// The name with its extras, sanitised.
fn shown_name(name: &str, extras: &[String]) -> String {
    if extras.is_empty() {
        sanitize::line(name).into_owned()
    } else {
        sanitize::line(&format!("{name}[{}]", extras.join(","))).into_owned()
    }
}

fn print_diff(
    from: Oid,
    old: &Declared,
    to: Oid,
    new: &Declared,
    look: EnvLook,
    out: &mut impl Write,
) -> Result<(), CommandError> {
    let d = diff(old, new);
    let errors: Vec<String> = (old.all_errors().into_iter().map(|e| (from, e)))
        .chain(new.all_errors().into_iter().map(|e| (to, e)))
        .map(|(c, e)| format!("at {}: {e}", short_id(c)))
        .collect();
    let arrow = if look.ascii { "->" } else { "→" };
    if look.json {
        let doc = DiffOut {
            from: from.to_string(),
            to: to.to_string(),
            source: "notebooks",
            diff: &d,
            summary: d.summary(),
            errors,
        };
        out.write_all(&sanitize::json_pretty(&doc)?)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "environment {} {arrow} {}",
        short_id(from),
        short_id(to)
    )?;
    if old.is_empty() && new.is_empty() {
        writeln!(
            out,
            "\nno environment files at either commit (looked for {LOOKED_FOR})"
        )?;
    } else if d.is_empty() {
        writeln!(out, "\nno differences")?;
    } else {
        writeln!(out, "\n{}", d.summary())?;
        if !(d.files_added.is_empty() && d.files_removed.is_empty()) {
            writeln!(out, "\nfiles")?;
            for f in &d.files_added {
                writeln!(out, "  + {}", sanitize::line(f))?;
            }
            for f in &d.files_removed {
                writeln!(out, "  - {}", sanitize::line(f))?;
            }
        }
        // manager → (mark, name, what, file)
        let mut rows: BTreeMap<&str, Vec<(char, String, String, String)>> = BTreeMap::new();
        let spec = |s: &str| {
            if s.is_empty() {
                "(any version)".to_string()
            } else {
                sanitize::line(s).into_owned()
            }
        };
        for p in &d.added {
            rows.entry(&p.manager).or_default().push((
                '+',
                sanitize::line(&p.name).into_owned(),
                spec(&p.spec),
                sanitize::line(&p.file).into_owned(),
            ));
        }
        for p in &d.removed {
            rows.entry(&p.manager).or_default().push((
                '-',
                sanitize::line(&p.name).into_owned(),
                spec(&p.spec),
                sanitize::line(&p.file).into_owned(),
            ));
        }
        for c in &d.changed {
            rows.entry(&c.manager).or_default().push((
                '~',
                sanitize::line(&c.name).into_owned(),
                format!("{} {arrow} {}", spec(&c.old_spec), spec(&c.new_spec)),
                sanitize::line(&c.file).into_owned(),
            ));
        }
        if !rows.is_empty() {
            let width = name_width(rows.values().flatten().map(|(_, n, _, _)| n.as_str()));
            let what_width = rows
                .values()
                .flatten()
                .map(|(_, _, w, _)| w.chars().count())
                .max()
                .unwrap_or(0)
                .min(40);
            writeln!(out, "\npackages")?;
            for (manager, items) in rows {
                writeln!(out, "  {manager}")?;
                for (mark, name, what, file) in items {
                    writeln!(
                        out,
                        "    {mark} {name:<width$}  {what:<what_width$}  {file}"
                    )?;
                }
            }
        }
    }
    if !errors.is_empty() {
        writeln!(out)?;
        for e in &errors {
            writeln!(out, "error: {}", sanitize::line(e))?;
        }
    }
    Ok(())
}

/// The widest name, at most 40 columns (longer names push the rest right).
fn name_width<'a>(names: impl Iterator<Item = &'a str>) -> usize {
    names.map(|n| n.chars().count()).max().unwrap_or(0).min(40)
}
