//! The `env` command for a repository of notebooks in plain git: the packages its ordinary
//! environment files declare at a commit, or what changed between two commits, as text or
//! JSON, in the manner of [`super::env`] for Gigantum projects.

use std::io::Write;

use git2::Oid;
use serde::Serialize;

use super::CommandError;
use super::env::EnvLook;
use crate::env::declared::{Declared, DeclaredDiff, diff};
use crate::env::files::declared_at;
use crate::env::resolve;
use crate::render::nbenv::{self, LOOKED_FOR};
use crate::render::sanitize;
use crate::repo::{Project, short_id};
use crate::timefmt;

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
    out.write_all(nbenv::text(&nbenv::declared_lines(declared)).as_bytes())?;
    Ok(())
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
        out.write_all(nbenv::text(&nbenv::diff_lines(&d, look.ascii)).as_bytes())?;
    }
    if !errors.is_empty() {
        writeln!(out)?;
        for e in &errors {
            writeln!(out, "error: {}", sanitize::line(e))?;
        }
    }
    Ok(())
}
