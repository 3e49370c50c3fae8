//! The `env` command: the environment at a commit, or how it differs from
//! another commit's, as text or JSON.

use std::collections::BTreeMap;
use std::io::Write;

use git2::Oid;
use serde::Serialize;

use crate::commands::CommandError;
use crate::env::{EnvDiff, Environment, Package, diff, env_at, resolve};
use crate::repo::{Project, short_id};
use crate::timefmt;

/// How to print.
#[derive(Debug, Clone, Copy, Default)]
pub struct EnvLook {
    pub json: bool,
    /// `->` instead of `→`.
    pub ascii: bool,
}

/// `env --json` at one commit.
#[derive(Serialize)]
struct EnvOut<'a> {
    commit: String,
    /// The record's message when the commit is an activity record.
    record: Option<String>,
    #[serde(flatten)]
    env: &'a Environment,
}

/// `env --json --diff OTHER`.
#[derive(Serialize)]
struct DiffOut<'a> {
    from: String,
    to: String,
    #[serde(flatten)]
    diff: &'a EnvDiff,
    summary: String,
    /// Both environments' errors, each prefixed with its commit.
    errors: Vec<String>,
}

/// `gtm-tui env [COMMIT] [--diff OTHER]`: the environment at `commit`
/// (default the ref's tip), or the difference `other` → `commit`.
pub fn env(
    project: &Project,
    commit: Option<&str>,
    other: Option<&str>,
    look: EnvLook,
    out: &mut impl Write,
) -> Result<(), CommandError> {
    let at = match commit {
        Some(spec) => resolve(project, spec)?,
        None => project.tip,
    };
    let env = env_at(project, at)?;
    match other {
        None => print_env(project, at, &env, look, out)?,
        Some(spec) => {
            let from = resolve(project, spec)?;
            let old = env_at(project, from)?;
            print_diff(from, &old, at, &env, look, out)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// The record's message, or `None` when `commit` is not a record.
fn record_message(project: &Project, commit: Oid) -> Option<String> {
    project
        .record(&commit.to_string())
        .ok()
        .map(|r| r.record.message)
}

fn print_env(
    project: &Project,
    at: Oid,
    env: &Environment,
    look: EnvLook,
    out: &mut impl Write,
) -> Result<(), CommandError> {
    let record = record_message(project, at);
    if look.json {
        let doc = EnvOut {
            commit: at.to_string(),
            record,
            env,
        };
        out.write_all(&crate::render::sanitize::json_pretty(&doc)?)?;
        writeln!(out)?;
        return Ok(());
    }
    let time = project
        .repo()
        .find_commit(at)
        .map(|c| timefmt::local_minutes(c.time().seconds()))
        .unwrap_or_default();
    match &record {
        Some(m) => writeln!(
            out,
            "environment at {}  {time}  {}",
            short_id(at),
            crate::render::sanitize::line(m)
        )?,
        None => writeln!(out, "environment at {}  {time}", short_id(at))?,
    }
    if env.is_empty() && env.errors.is_empty() {
        writeln!(out, "\nnothing under .gigantum/env/ at this commit")?;
        return Ok(());
    }
    writeln!(out)?;
    match &env.base {
        None => writeln!(out, "base      none")?,
        Some(b) => {
            let rev = b.revision.map_or(String::new(), |r| format!(" r{r}"));
            match &b.name {
                Some(n) => writeln!(out, "base      {n} ({}){rev}", b.id)?,
                None => writeln!(out, "base      {}{rev}", b.id)?,
            }
            if let Some(i) = &b.image {
                writeln!(out, "image     {}/{}:{}", i.namespace, i.repository, i.tag)?;
            }
            if let Some(os) = &b.os {
                writeln!(out, "os        {os}")?;
            }
            if !b.package_managers.is_empty() {
                writeln!(out, "managers  {}", b.package_managers.join(", "))?;
            }
        }
    }
    writeln!(out)?;
    if env.packages.is_empty() {
        writeln!(out, "packages  none")?;
    } else {
        writeln!(out, "packages  {}", env.packages.len())?;
        let width = name_width(env.packages.iter().map(|p| p.name.as_str()));
        for (manager, packages) in by_manager(&env.packages) {
            writeln!(out, "  {manager}")?;
            for p in packages {
                let v = p.version.as_deref().unwrap_or("(no version)");
                let from = if p.from_base { "  from base" } else { "" };
                writeln!(out, "    {:<width$}  {v}{from}", p.name)?;
            }
        }
    }
    if !env.snippets.is_empty() {
        writeln!(out, "\nsnippets  {}", env.snippets.len())?;
        for s in &env.snippets {
            if s.description.is_empty() {
                writeln!(out, "  {}", s.name)?;
            } else {
                writeln!(out, "  {}  {}", s.name, s.description)?;
            }
            for l in s.content.lines() {
                writeln!(out, "    {l}")?;
            }
        }
    }
    if !env.errors.is_empty() {
        writeln!(out)?;
        for e in &env.errors {
            writeln!(out, "error: {e}")?;
        }
    }
    Ok(())
}

fn print_diff(
    from: Oid,
    old: &Environment,
    to: Oid,
    new: &Environment,
    look: EnvLook,
    out: &mut impl Write,
) -> Result<(), CommandError> {
    let d = diff(old, new);
    let errors: Vec<String> = (old.errors.iter().map(|e| (from, e)))
        .chain(new.errors.iter().map(|e| (to, e)))
        .map(|(c, e)| format!("at {}: {e}", short_id(c)))
        .collect();
    let arrow = if look.ascii { "->" } else { "→" };
    if look.json {
        let doc = DiffOut {
            from: from.to_string(),
            to: to.to_string(),
            diff: &d,
            summary: if look.ascii {
                d.summary_ascii()
            } else {
                d.summary()
            },
            errors,
        };
        out.write_all(&crate::render::sanitize::json_pretty(&doc)?)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "environment {} {arrow} {}",
        short_id(from),
        short_id(to)
    )?;
    if d.is_empty() {
        writeln!(out, "\nno differences")?;
    } else {
        writeln!(out)?;
        let rev = |b: &crate::env::Base| b.revision.map_or(String::new(), |r| format!(" r{r}"));
        match d.base.as_ref().map(|b| (&b.old, &b.new)) {
            None => writeln!(out, "base      unchanged")?,
            Some((Some(o), Some(n))) if o.id == n.id => {
                writeln!(out, "base      {}{} {arrow}{}", o.id, rev(o), rev(n))?
            }
            Some((Some(o), Some(n))) => writeln!(
                out,
                "base      {}{} {arrow} {}{}",
                o.id,
                rev(o),
                n.id,
                rev(n)
            )?,
            Some((None, Some(n))) => writeln!(out, "base      + {}{}", n.id, rev(n))?,
            Some((Some(o), None)) => writeln!(out, "base      - {}{}", o.id, rev(o))?,
            Some((None, None)) => {}
        }
        let mut rows: BTreeMap<&str, Vec<(char, &str, String)>> = BTreeMap::new();
        for p in &d.added {
            rows.entry(&p.manager).or_default().push((
                '+',
                &p.name,
                p.version.clone().unwrap_or_default(),
            ));
        }
        for p in &d.removed {
            rows.entry(&p.manager).or_default().push((
                '-',
                &p.name,
                p.version.clone().unwrap_or_default(),
            ));
        }
        for c in &d.changed {
            rows.entry(&c.manager).or_default().push((
                '~',
                &c.name,
                format!(
                    "{} {arrow} {}",
                    c.old.as_deref().unwrap_or("?"),
                    c.new.as_deref().unwrap_or("?")
                ),
            ));
        }
        if !rows.is_empty() {
            let width = name_width(rows.values().flatten().map(|(_, n, _)| *n));
            writeln!(out, "packages")?;
            for (manager, mut items) in rows {
                items.sort_by(|a, b| a.1.cmp(b.1));
                writeln!(out, "  {manager}")?;
                for (mark, name, v) in items {
                    writeln!(out, "    {mark} {name:<width$}  {v}")?;
                }
            }
        }
        let s = &d.snippets;
        if !(s.added.is_empty() && s.removed.is_empty() && s.changed.is_empty()) {
            writeln!(out, "snippets")?;
            for (mark, names) in [('+', &s.added), ('-', &s.removed), ('~', &s.changed)] {
                for n in names {
                    writeln!(out, "  {mark} {n}")?;
                }
            }
        }
    }
    if !errors.is_empty() {
        writeln!(out)?;
        for e in &errors {
            writeln!(out, "error: {e}")?;
        }
    }
    Ok(())
}

fn by_manager(packages: &[Package]) -> BTreeMap<&str, Vec<&Package>> {
    let mut m: BTreeMap<&str, Vec<&Package>> = BTreeMap::new();
    for p in packages {
        m.entry(&p.manager).or_default().push(p);
    }
    m
}

/// The widest name, at most 40 columns (longer names push their version right).
fn name_width<'a>(names: impl Iterator<Item = &'a str>) -> usize {
    names.map(|n| n.chars().count()).max().unwrap_or(0).min(40)
}
