//! What ordinary environment files declare, and what changed between two commits, as lines
//! with a tone: `gtm-tui env` over notebooks in git prints their text, the notebook TUI's
//! environment screen colours them by tone. Every name and spec is sanitised here.

use std::collections::BTreeMap;

use gtm_core::env::declared::{Declared, DeclaredDiff, DeclaredFile};

use super::sanitize;

/// The files looked for, for the message when there are none.
pub const LOOKED_FOR: &str = "requirements*.txt, environment.yml, pyproject.toml, setup.py, \
                              setup.cfg, Pipfile, Pipfile.lock, poetry.lock, renv.lock, \
                              DESCRIPTION, Dockerfile";

/// What a line is, for its colour on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvTone {
    Heading,
    Text,
    Dim,
    Added,
    Removed,
    Changed,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvLine {
    pub tone: EnvTone,
    pub text: String,
}

fn line(tone: EnvTone, text: impl Into<String>) -> EnvLine {
    EnvLine {
        tone,
        text: text.into(),
    }
}

fn blank() -> EnvLine {
    line(EnvTone::Text, "")
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The one line of a commit without environment files.
pub fn none_here() -> String {
    format!("no environment files at this commit (looked for {LOOKED_FOR})")
}

/// Everything `declared` holds, after a blank line: a count, then per file its packages with
/// their specs; errors last.
pub fn declared_lines(declared: &Declared) -> Vec<EnvLine> {
    let mut out = vec![blank()];
    if declared.is_empty() {
        out.push(line(EnvTone::Dim, none_here()));
    } else {
        let (n, p) = (declared.files.len(), declared.package_count());
        out.push(line(
            EnvTone::Text,
            format!(
                "{n} environment file{}, {p} package{}",
                plural(n),
                plural(p)
            ),
        ));
        for f in &declared.files {
            file_lines(f, &mut out);
        }
    }
    if !declared.errors.is_empty() {
        out.push(blank());
        for e in &declared.errors {
            out.push(line(
                EnvTone::Error,
                format!("error: {}", sanitize::line(e)),
            ));
        }
    }
    out
}

fn file_lines(f: &DeclaredFile, out: &mut Vec<EnvLine>) {
    let n = f.packages.len();
    out.push(blank());
    out.push(line(
        EnvTone::Heading,
        format!(
            "{}  {}  {n} package{}",
            sanitize::line(&f.path),
            sanitize::line(&f.manager),
            plural(n)
        ),
    ));
    for image in &f.base_images {
        out.push(line(
            EnvTone::Text,
            format!("  from  {}", sanitize::line(image)),
        ));
    }
    let shown: Vec<String> = f
        .packages
        .iter()
        .map(|p| shown_name(&p.name, &p.extras))
        .collect();
    let width = name_width(shown.iter().map(String::as_str));
    for (p, name) in f.packages.iter().zip(&shown) {
        let mut tags = Vec::new();
        if p.manager != f.manager {
            tags.push(sanitize::line(&p.manager).into_owned());
        }
        if let Some(g) = &p.group {
            tags.push(sanitize::line(g).into_owned());
        }
        let tags = if tags.is_empty() {
            String::new()
        } else {
            format!("  [{}]", tags.join(", "))
        };
        out.push(line(
            EnvTone::Text,
            format!("    {name:<width$}  {}{tags}", spec(&p.spec)),
        ));
    }
    for note in &f.notes {
        out.push(line(
            EnvTone::Dim,
            format!("  note: {}", sanitize::line(note)),
        ));
    }
    for e in &f.errors {
        out.push(line(
            EnvTone::Error,
            format!("  error: {}", sanitize::line(e)),
        ));
    }
}

/// A spec as shown: sanitised, or `(any version)`.
fn spec(s: &str) -> String {
    if s.is_empty() {
        "(any version)".to_string()
    } else {
        sanitize::line(s).into_owned()
    }
}

/// The name with its extras, sanitised.
fn shown_name(name: &str, extras: &[String]) -> String {
    if extras.is_empty() {
        sanitize::line(name).into_owned()
    } else {
        sanitize::line(&format!("{name}[{}]", extras.join(","))).into_owned()
    }
}

/// The widest name, at most 40 columns (longer names push the rest right).
fn name_width<'a>(names: impl Iterator<Item = &'a str>) -> usize {
    names.map(|n| n.chars().count()).max().unwrap_or(0).min(40)
}

/// A difference that is not empty, after a blank line: its summary, the files added and
/// removed, then per manager each package added (`+`), removed (`-`) or re-versioned (`~`).
pub fn diff_lines(d: &DeclaredDiff, ascii: bool) -> Vec<EnvLine> {
    let arrow = if ascii { "->" } else { "→" };
    let mut out = vec![blank(), line(EnvTone::Text, d.summary())];
    if !(d.files_added.is_empty() && d.files_removed.is_empty()) {
        out.push(blank());
        out.push(line(EnvTone::Heading, "files"));
        for f in &d.files_added {
            out.push(line(EnvTone::Added, format!("  + {}", sanitize::line(f))));
        }
        for f in &d.files_removed {
            out.push(line(EnvTone::Removed, format!("  - {}", sanitize::line(f))));
        }
    }
    // manager → (mark, name, what, file)
    let mut rows: BTreeMap<&str, Vec<(char, String, String, String)>> = BTreeMap::new();
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
        out.push(blank());
        out.push(line(EnvTone::Heading, "packages"));
        for (manager, items) in rows {
            out.push(line(
                EnvTone::Text,
                format!("  {}", sanitize::line(manager)),
            ));
            for (mark, name, what, file) in items {
                let tone = match mark {
                    '+' => EnvTone::Added,
                    '-' => EnvTone::Removed,
                    _ => EnvTone::Changed,
                };
                out.push(line(
                    tone,
                    format!("    {mark} {name:<width$}  {what:<what_width$}  {file}"),
                ));
            }
        }
    }
    out
}

/// The lines' text, a line each.
pub fn text(lines: &[EnvLine]) -> String {
    let mut s = String::new();
    for l in lines {
        s.push_str(&l.text);
        s.push('\n');
    }
    s
}
