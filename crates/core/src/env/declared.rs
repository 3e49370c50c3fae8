//! The packages a plain repository declares in its ordinary environment files, read from
//! their bytes (no git here; [`super::files`] finds them in a commit's tree), and what changed
//! between two such readings.
//!
//! Each file becomes a [`DeclaredFile`]: its packages with the constraint as the file wrote it
//! and the exact version when it pins one, the base images a Dockerfile starts from, notes on
//! what was seen and deliberately not followed (`-r other.txt`, a local path without a name)
//! and errors for what could not be read, each naming the line where there is one. Reading
//! never fails as a whole and never panics: a file that is not what its name promises is an
//! entry with an error, and the other files still count.
//!
//! The formats, by file name: `requirements*.txt`, `environment.yml`/`.yaml`,
//! `pyproject.toml`, `Pipfile`, `Pipfile.lock`, `poetry.lock`, `setup.py`, `setup.cfg`,
//! `renv.lock`, `DESCRIPTION` and `Dockerfile`. None is executed or resolved: `setup.py` is
//! read as text, a Dockerfile's `RUN` lines are scanned for install commands, and included
//! files are named, not opened.

use std::collections::BTreeMap;

use serde::Serialize;

use super::yaml::{self, Yaml};

/// Files larger than this are named, not read.
pub const MAX_FILE_BYTES: usize = 4 << 20;

/// At most this many errors are kept per file; the rest are counted.
const MAX_ERRORS: usize = 50;

/// One declared package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Package {
    /// As written in the file.
    pub name: String,
    /// Who installs it: `pip`, `conda`, `poetry`, `pipenv`, `setuptools`, `renv`, `r`, `apt`.
    /// Usually the file's manager; an `environment.yml`'s `- pip:` list says `pip`, a
    /// Dockerfile's `RUN` lines say `pip`, `conda` or `apt`.
    pub manager: String,
    /// The version constraint as written, spaces removed: `==2.0.1`, `>=1.3,<2`, `^1.2`, or
    /// empty when there is none. A lock file's bare version is its spec (`1.2.3`).
    pub spec: String,
    /// The exact version when the spec pins one.
    pub version: Option<String>,
    /// Extras asked for (`pkg[extra]`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extras: Vec<String>,
    /// The optional or development group, when not the main dependencies (`dev`, `test`,
    /// `Suggests`…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

/// One environment file at one commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeclaredFile {
    /// The path in the repository.
    pub path: String,
    /// The format's manager: `pip`, `conda`, `poetry`, `pipenv`, `setuptools`, `renv`, `r`
    /// or `docker` (`pyproject.toml` is `pip` unless it is a Poetry project).
    pub manager: String,
    /// In file order.
    pub packages: Vec<Package>,
    /// A Dockerfile's `FROM` images, as written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub base_images: Vec<String>,
    /// What was seen and not followed (`-r other.txt`, `-e ./local`), each with its line.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// What could not be read, each naming the file and, where there is one, the line.
    pub errors: Vec<String>,
}

/// Every environment file of one commit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Declared {
    /// Sorted by path.
    pub files: Vec<DeclaredFile>,
    /// What stopped files from being read at all (too many files, an unreadable folder).
    pub errors: Vec<String>,
}

impl Declared {
    /// Reads files given as (path in the repository, bytes); the order does not matter.
    pub fn from_files(files: impl IntoIterator<Item = (String, Vec<u8>)>) -> Declared {
        let mut files: Vec<DeclaredFile> = files
            .into_iter()
            .map(|(path, bytes)| read_file(&path, &bytes))
            .collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Declared {
            files,
            errors: Vec::new(),
        }
    }

    /// No files at all (whatever the errors).
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// How many packages all files declare.
    pub fn package_count(&self) -> usize {
        self.files.iter().map(|f| f.packages.len()).sum()
    }

    /// Every error: the reading's own, then each file's.
    pub fn all_errors(&self) -> Vec<String> {
        self.errors
            .iter()
            .cloned()
            .chain(self.files.iter().flat_map(|f| f.errors.iter().cloned()))
            .collect()
    }
}

/// A name as its manager compares names: Python's managers lower-case and treat runs of
/// `-`, `_` and `.` as one `-` (as pip does); conda and apt lower-case; R is case-sensitive.
pub fn normalize_name(manager: &str, name: &str) -> String {
    match manager {
        "r" | "renv" => name.to_string(),
        "conda" | "apt" => name.to_ascii_lowercase(),
        _ => {
            let mut out = String::with_capacity(name.len());
            let mut sep = false;
            for c in name.chars() {
                if matches!(c, '-' | '_' | '.') {
                    sep = true;
                } else {
                    if sep && !out.is_empty() {
                        out.push('-');
                    }
                    sep = false;
                    out.extend(c.to_lowercase());
                }
            }
            out
        }
    }
}

/// The format a file's name says, and its manager; `None` for files that are not
/// environment files.
pub fn format_of(path: &str) -> Option<Format> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    Some(match lower.as_str() {
        _ if lower.starts_with("requirements") && lower.ends_with(".txt") => Format::Requirements,
        "environment.yml" | "environment.yaml" => Format::CondaEnv,
        "pyproject.toml" => Format::Pyproject,
        "pipfile" => Format::Pipfile,
        "pipfile.lock" => Format::PipfileLock,
        "poetry.lock" => Format::PoetryLock,
        "setup.py" => Format::SetupPy,
        "setup.cfg" => Format::SetupCfg,
        "renv.lock" => Format::RenvLock,
        "dockerfile" => Format::Dockerfile,
        _ if name == "DESCRIPTION" => Format::Description,
        _ => return None,
    })
}

/// The formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Requirements,
    CondaEnv,
    Pyproject,
    Pipfile,
    PipfileLock,
    PoetryLock,
    SetupPy,
    SetupCfg,
    RenvLock,
    Description,
    Dockerfile,
}

impl Format {
    /// The manager a file of this format is listed under.
    pub fn manager(self) -> &'static str {
        match self {
            Format::Requirements | Format::Pyproject => "pip",
            Format::CondaEnv => "conda",
            Format::Pipfile | Format::PipfileLock => "pipenv",
            Format::PoetryLock => "poetry",
            Format::SetupPy | Format::SetupCfg => "setuptools",
            Format::RenvLock => "renv",
            Format::Description => "r",
            Format::Dockerfile => "docker",
        }
    }
}

/// What a reader collects for one file.
struct Reading {
    file: DeclaredFile,
    dropped_errors: usize,
}

impl Reading {
    fn new(path: &str, manager: &str) -> Reading {
        Reading {
            file: DeclaredFile {
                path: path.to_string(),
                manager: manager.to_string(),
                packages: Vec::new(),
                base_images: Vec::new(),
                notes: Vec::new(),
                errors: Vec::new(),
            },
            dropped_errors: 0,
        }
    }

    fn error(&mut self, line: Option<usize>, message: impl std::fmt::Display) {
        if self.file.errors.len() >= MAX_ERRORS {
            self.dropped_errors += 1;
            return;
        }
        let path = &self.file.path;
        self.file.errors.push(match line {
            Some(l) => format!("{path}: line {l}: {message}"),
            None => format!("{path}: {message}"),
        });
    }

    fn note(&mut self, line: usize, message: impl std::fmt::Display) {
        if self.file.notes.len() < MAX_ERRORS {
            self.file.notes.push(format!("line {line}: {message}"));
        }
    }

    fn push(&mut self, manager: &str, req: Req, group: Option<&str>) {
        let version = exact_pin(manager, &req.spec);
        self.file.packages.push(Package {
            name: req.name,
            manager: manager.to_string(),
            spec: req.spec,
            version,
            extras: req.extras,
            group: group.map(str::to_string),
        });
    }

    fn finish(mut self) -> DeclaredFile {
        if self.dropped_errors > 0 {
            let n = self.dropped_errors;
            self.file
                .errors
                .push(format!("{}: {n} more errors not shown", self.file.path));
        }
        self.file
    }
}

/// Reads one environment file; a name that is no environment file is an entry with an error.
pub fn read_file(path: &str, bytes: &[u8]) -> DeclaredFile {
    let Some(format) = format_of(path) else {
        let mut r = Reading::new(path, "");
        r.error(None, "not an environment file this reader knows");
        return r.finish();
    };
    let mut r = Reading::new(path, format.manager());
    if bytes.len() > MAX_FILE_BYTES {
        r.error(
            None,
            format_args!(
                "{} bytes, more than the {} MB read for an environment file; not read",
                bytes.len(),
                MAX_FILE_BYTES >> 20
            ),
        );
        return r.finish();
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        r.error(None, "not UTF-8 text; not read");
        return r.finish();
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.contains('\0') {
        r.error(None, "holds NUL bytes (binary data); not read");
        return r.finish();
    }
    match format {
        Format::Requirements => read_requirements(&mut r, text),
        Format::CondaEnv => read_conda(&mut r, text),
        Format::Pyproject => read_pyproject(&mut r, text),
        Format::Pipfile => read_pipfile(&mut r, text),
        Format::PipfileLock => read_pipfile_lock(&mut r, text),
        Format::PoetryLock => read_poetry_lock(&mut r, text),
        Format::SetupPy => read_setup_py(&mut r, text),
        Format::SetupCfg => read_setup_cfg(&mut r, text),
        Format::RenvLock => read_renv_lock(&mut r, text),
        Format::Description => read_description(&mut r, text),
        Format::Dockerfile => read_dockerfile(&mut r, text),
    }
    r.finish()
}

// ---------------------------------------------------------------- requirements

/// A requirement's parts.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Req {
    name: String,
    extras: Vec<String>,
    spec: String,
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
}

/// A PEP 508 requirement (`name[extras] spec ; marker`, `name @ url`, or the older
/// `name (spec)`). The marker is dropped; the spec loses its spaces.
fn parse_requirement(text: &str) -> Result<Req, String> {
    let text = text.trim();
    let direct = text.contains('@');
    let body = if direct {
        // A URL may hold `;`: the marker after one starts at ` ;`.
        text.split_once(" ;").map_or(text, |(b, _)| b)
    } else {
        text.split_once(';').map_or(text, |(b, _)| b)
    }
    .trim();
    let name_end = body.find(|c: char| !is_name_char(c)).unwrap_or(body.len());
    let name = body.get(..name_end).unwrap_or("");
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric())
        || !name.ends_with(|c: char| c.is_ascii_alphanumeric())
    {
        return Err(format!("cannot read a package name in `{}`", clip(text)));
    }
    let mut rest = body.get(name_end..).unwrap_or("").trim_start();
    let mut extras = Vec::new();
    if let Some(after) = rest.strip_prefix('[') {
        let Some((inside, tail)) = after.split_once(']') else {
            return Err(format!("`[` without `]` in `{}`", clip(text)));
        };
        extras = inside
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(str::to_string)
            .collect();
        rest = tail.trim_start();
    }
    let spec = if let Some(url) = rest.strip_prefix('@') {
        let url = url.trim();
        if url.is_empty() {
            return Err(format!("`@` without a URL in `{}`", clip(text)));
        }
        format!("@ {url}")
    } else {
        let inner = rest
            .strip_prefix('(')
            .and_then(|r| r.strip_suffix(')'))
            .unwrap_or(rest);
        let spec: String = inner.chars().filter(|c| !c.is_whitespace()).collect();
        if !(spec.is_empty() || spec.starts_with(['=', '<', '>', '!', '~'])) {
            return Err(format!("cannot read the version in `{}`", clip(text)));
        }
        spec
    };
    Ok(Req {
        name: name.to_string(),
        extras,
        spec,
    })
}

/// At most 80 characters of a line, for messages.
fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(80).collect();
    if s.chars().nth(80).is_some() {
        out.push('…');
    }
    out
}

/// The exact version a spec pins, if it pins one.
fn exact_pin(manager: &str, spec: &str) -> Option<String> {
    let plain = |v: &str| {
        !v.is_empty()
            && v.starts_with(|c: char| c.is_ascii_alphanumeric())
            && !v.contains([',', '*', '|', ' ', '<', '>', '=', '!', '~', '^', '@'])
    };
    if let Some(v) = spec.strip_prefix("===").or_else(|| spec.strip_prefix("==")) {
        // conda's `==1.2=build` pins 1.2.
        let v = v.split('=').next().unwrap_or(v);
        return plain(v).then(|| v.to_string());
    }
    match manager {
        "conda" => {
            // `=1.2.3=build` pins; `=1.2` means 1.2.*.
            let (v, build) = spec.strip_prefix('=')?.split_once('=')?;
            (plain(v) && !build.is_empty()).then(|| v.to_string())
        }
        // A bare version is exact to Poetry and in lock files.
        "poetry" | "pipenv" | "renv" => plain(spec).then(|| spec.to_string()),
        "apt" => {
            let v = spec.strip_prefix('=')?;
            plain(v).then(|| v.to_string())
        }
        _ => None,
    }
}

/// Logical lines: comments cut, `\` continuations joined, each with its first line number.
fn logical_lines(text: &str, comments: bool) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let mut line = raw.to_string();
        if comments {
            line = strip_comment(&line).to_string();
        }
        let cont = line.trim_end().ends_with('\\');
        if cont {
            let t = line.trim_end();
            line = t.get(..t.len() - 1).unwrap_or("").to_string();
        }
        let (start, mut acc) = pending.take().unwrap_or((i + 1, String::new()));
        if !acc.is_empty() {
            acc.push(' ');
        }
        acc.push_str(line.trim());
        if cont {
            pending = Some((start, acc));
        } else {
            out.push((start, acc));
        }
    }
    if let Some(p) = pending {
        out.push(p);
    }
    out
}

/// A line without its `#` comment (one at the start, or after whitespace, as pip reads it).
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' && (i == 0 || bytes.get(i - 1).is_some_and(|p| p.is_ascii_whitespace())) {
            return line.get(..i).unwrap_or("");
        }
    }
    line
}

/// pip's options that take a value, and are not requirements.
const PIP_VALUE_OPTIONS: [&str; 12] = [
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--trusted-host",
    "--no-binary",
    "--only-binary",
    "--use-feature",
    "--global-option",
    "--config-settings",
    "--progress-bar",
];

fn read_requirements(r: &mut Reading, text: &str) {
    for (line, content) in logical_lines(text, true) {
        let content = content.trim();
        if content.is_empty() {
            continue;
        }
        read_requirement_line(r, "pip", line, content, None);
    }
}

/// One line of a requirements file (or a `- pip:` item).
fn read_requirement_line(
    r: &mut Reading,
    manager: &str,
    line: usize,
    content: &str,
    group: Option<&str>,
) {
    if content.starts_with('-') {
        let (opt, value) = match content.split_once(|c: char| c == '=' || c.is_whitespace()) {
            Some((o, v)) => (o, v.trim()),
            None => (content, ""),
        };
        match opt {
            "-r" | "--requirement" | "-c" | "--constraint" => {
                let what = if opt.contains('c') && opt != "--requirement" {
                    "constraints"
                } else {
                    "requirements"
                };
                r.note(line, format_args!("{what} from `{value}`, not followed"));
            }
            "-e" | "--editable" => read_reference(r, manager, line, value, true, group),
            _ if PIP_VALUE_OPTIONS.contains(&opt) || opt.starts_with("--") => {}
            _ => r.note(line, format_args!("option `{opt}` ignored")),
        }
        return;
    }
    // Hashes and per-requirement options trail the requirement.
    let req = match content.find(" --") {
        Some(at) => content.get(..at).unwrap_or(content),
        None => content,
    }
    .trim();
    let looks_like_reference = req.starts_with(['.', '/'])
        || req.contains("://")
        || (req.contains('/') && !req.contains('@'))
        || req.starts_with("file:");
    if looks_like_reference && req.split_whitespace().nth(1).is_none_or(|w| w != "@") {
        read_reference(r, manager, line, req, false, group);
        return;
    }
    match parse_requirement(req) {
        Ok(p) => r.push(manager, p, group),
        Err(e) => r.error(Some(line), e),
    }
}

/// A URL, VCS reference or local path: a package only when `#egg=` names it.
fn read_reference(
    r: &mut Reading,
    manager: &str,
    line: usize,
    target: &str,
    editable: bool,
    group: Option<&str>,
) {
    let egg = target
        .split(['#', '&'])
        .find_map(|part| part.strip_prefix("egg="))
        .map(|e| e.trim());
    let base = target.split('#').next().unwrap_or(target);
    match egg.and_then(|e| parse_requirement(e).ok()) {
        Some(mut p) => {
            if p.spec.is_empty() {
                p.spec = format!("@ {base}");
            }
            r.push(manager, p, group);
        }
        None if target.contains(" @ ") => match parse_requirement(target) {
            Ok(p) => r.push(manager, p, group),
            Err(e) => r.error(Some(line), e),
        },
        None => {
            let what = if editable {
                "editable install"
            } else {
                "install"
            };
            r.note(
                line,
                format_args!("{what} from `{}` names no package (no #egg=)", clip(target)),
            );
        }
    }
}

// ---------------------------------------------------------------- conda

/// A conda match spec: `name`, `name=1.2`, `name==1.2`, `name>=1`, `name 1.2.*`,
/// `channel::name=1.2=build`.
fn parse_conda(item: &str) -> Result<Req, String> {
    let text = item.trim();
    let text = match text.rsplit_once("::") {
        Some((_, after)) => after,
        None => text,
    };
    let name_end = text.find(|c: char| !is_name_char(c)).unwrap_or(text.len());
    let name = text.get(..name_end).unwrap_or("");
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(format!("cannot read a package name in `{}`", clip(item)));
    }
    let rest = text.get(name_end..).unwrap_or("").trim();
    let words: Vec<&str> = rest.split_whitespace().collect();
    let spec = if words
        .first()
        .is_some_and(|w| w.starts_with(['=', '<', '>', '!', '~']))
    {
        words.concat()
    } else {
        words.join(" ")
    };
    if rest.starts_with(['[', '#', '{']) {
        return Err(format!("cannot read the version in `{}`", clip(item)));
    }
    Ok(Req {
        name: name.to_string(),
        extras: Vec::new(),
        spec,
    })
}

/// The first line at or after `from` that holds `needle`, for messages about YAML items.
fn line_of(text: &str, needle: &str, from: usize) -> Option<usize> {
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .find(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
}

fn read_conda(r: &mut Reading, text: &str) {
    let doc = match yaml::parse(text) {
        Ok(d) => d,
        Err(e) => {
            r.error(Some(e.line), e.message);
            return;
        }
    };
    let deps = match &doc {
        Yaml::Map(_) => doc.get("dependencies"),
        Yaml::Null => return,
        _ => {
            r.error(None, "not a map of `key: value` lines");
            return;
        }
    };
    let items = match deps {
        None | Some(Yaml::Null) => return,
        Some(Yaml::List(items)) => items,
        Some(_) => {
            r.error(
                line_of(text, "dependencies", 1),
                "`dependencies` is not a list",
            );
            return;
        }
    };
    let mut seen = line_of(text, "dependencies", 1).unwrap_or(1);
    for item in items {
        match item {
            Yaml::Str(s) => {
                let line = line_of(text, s, seen);
                if let Some(l) = line {
                    seen = l;
                }
                match parse_conda(s) {
                    Ok(p) => r.push("conda", p, None),
                    Err(e) => r.error(line, e),
                }
            }
            Yaml::Map(entries) => {
                for (key, value) in entries {
                    let line = line_of(text, key, seen);
                    if let Some(l) = line {
                        seen = l;
                    }
                    if key != "pip" {
                        r.error(line, format_args!("`{key}:` in `dependencies` is not read"));
                        continue;
                    }
                    let Yaml::List(pips) = value else {
                        if *value != Yaml::Null {
                            r.error(line, "`pip:` is not a list");
                        }
                        continue;
                    };
                    for p in pips {
                        let Some(s) = p.as_str() else {
                            r.error(line, "a `pip:` item is not text");
                            continue;
                        };
                        let l = line_of(text, s, seen).unwrap_or(seen);
                        seen = l;
                        read_requirement_line(r, "pip", l, strip_comment(s).trim(), None);
                    }
                }
            }
            Yaml::Null => {}
            Yaml::List(_) => r.error(Some(seen), "a list inside `dependencies` is not read"),
        }
    }
}

// ---------------------------------------------------------------- TOML

/// The line of a byte offset.
fn line_at(text: &str, offset: usize) -> usize {
    text.as_bytes()
        .iter()
        .take(offset)
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn parse_toml(r: &mut Reading, text: &str) -> Option<toml::Table> {
    match toml::from_str::<toml::Table>(text) {
        Ok(t) => Some(t),
        Err(e) => {
            let line = e.span().map(|s| line_at(text, s.start));
            r.error(line, format_args!("not TOML: {}", e.message().trim()));
            None
        }
    }
}

/// `table.a.b.c`, when every step is a table.
fn toml_path<'a>(table: &'a toml::Table, path: &[&str]) -> Option<&'a toml::Value> {
    let (first, rest) = path.split_first()?;
    let mut v = table.get(*first)?;
    for key in rest {
        v = v.as_table()?.get(*key)?;
    }
    Some(v)
}

/// A list of PEP 508 strings.
fn read_pep508_list(r: &mut Reading, value: &toml::Value, what: &str, group: Option<&str>) {
    let Some(items) = value.as_array() else {
        r.error(None, format_args!("`{what}` is not a list"));
        return;
    };
    for item in items {
        match item.as_str() {
            Some(s) => match parse_requirement(s) {
                Ok(p) => r.push("pip", p, group),
                Err(e) => r.error(None, format_args!("`{what}`: {e}")),
            },
            // PEP 735's `{include-group = "…"}`.
            None if item
                .as_table()
                .is_some_and(|t| t.contains_key("include-group")) => {}
            None => r.error(None, format_args!("`{what}`: an item is not text")),
        }
    }
}

/// A Poetry or Pipenv dependency table: `name = "spec"` or `name = {version = …}`.
fn read_dependency_table(
    r: &mut Reading,
    manager: &str,
    value: &toml::Value,
    what: &str,
    group: Option<&str>,
) {
    let Some(table) = value.as_table() else {
        r.error(None, format_args!("`{what}` is not a table"));
        return;
    };
    for (name, v) in table {
        if name.eq_ignore_ascii_case("python") {
            continue;
        }
        let (spec, extras) = match v {
            toml::Value::String(s) => (s.clone(), Vec::new()),
            toml::Value::Table(t) => table_spec(t),
            // Poetry's several constraints, one per environment.
            toml::Value::Array(items) => {
                let specs: Vec<String> = items
                    .iter()
                    .filter_map(|i| i.as_table().map(|t| table_spec(t).0))
                    .collect();
                (specs.join(" | "), Vec::new())
            }
            _ => {
                r.error(
                    None,
                    format_args!("`{what}`: `{name}` is not text or a table"),
                );
                continue;
            }
        };
        let spec: String = spec.chars().filter(|c| !c.is_whitespace()).collect();
        let spec = if spec == "*" { String::new() } else { spec };
        r.push(
            manager,
            Req {
                name: name.clone(),
                extras,
                spec,
            },
            group,
        );
    }
}

/// `{version = "^1", extras = […]}`, or where a `git`/`path`/`url` source points.
fn table_spec(t: &toml::Table) -> (String, Vec<String>) {
    let extras = t
        .get("extras")
        .and_then(|e| e.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if let Some(v) = t.get("version").and_then(|v| v.as_str()) {
        return (v.to_string(), extras);
    }
    for source in ["git", "path", "url", "file"] {
        if let Some(s) = t.get(source).and_then(|v| v.as_str()) {
            let at = ["tag", "rev", "ref", "branch"]
                .iter()
                .find_map(|k| t.get(*k).and_then(|v| v.as_str()))
                .map_or(String::new(), |r| format!("@{r}"));
            return (format!("@{source}:{s}{at}"), extras);
        }
    }
    (String::new(), extras)
}

fn read_pyproject(r: &mut Reading, text: &str) {
    let Some(doc) = parse_toml(r, text) else {
        return;
    };
    if toml_path(&doc, &["tool", "poetry"]).is_some() {
        r.file.manager = "poetry".into();
    }
    if let Some(v) = toml_path(&doc, &["project", "dependencies"]) {
        read_pep508_list(r, v, "project.dependencies", None);
    }
    if let Some(v) = toml_path(&doc, &["project", "optional-dependencies"]) {
        match v.as_table() {
            Some(groups) => {
                for (g, list) in groups {
                    read_pep508_list(
                        r,
                        list,
                        &format!("project.optional-dependencies.{g}"),
                        Some(g),
                    );
                }
            }
            None => r.error(None, "`project.optional-dependencies` is not a table"),
        }
    }
    if let Some(groups) = toml_path(&doc, &["dependency-groups"]).and_then(|v| v.as_table()) {
        for (g, list) in groups {
            read_pep508_list(r, list, &format!("dependency-groups.{g}"), Some(g));
        }
    }
    if let Some(v) = toml_path(&doc, &["tool", "poetry", "dependencies"]) {
        read_dependency_table(r, "poetry", v, "tool.poetry.dependencies", None);
    }
    if let Some(v) = toml_path(&doc, &["tool", "poetry", "dev-dependencies"]) {
        read_dependency_table(r, "poetry", v, "tool.poetry.dev-dependencies", Some("dev"));
    }
    if let Some(groups) = toml_path(&doc, &["tool", "poetry", "group"]).and_then(|v| v.as_table()) {
        for (g, body) in groups {
            if let Some(v) = body.as_table().and_then(|b| b.get("dependencies")) {
                let what = format!("tool.poetry.group.{g}.dependencies");
                read_dependency_table(r, "poetry", v, &what, Some(g));
            }
        }
    }
}

fn read_pipfile(r: &mut Reading, text: &str) {
    let Some(doc) = parse_toml(r, text) else {
        return;
    };
    if let Some(v) = doc.get("packages") {
        read_dependency_table(r, "pipenv", v, "packages", None);
    }
    if let Some(v) = doc.get("dev-packages") {
        read_dependency_table(r, "pipenv", v, "dev-packages", Some("dev"));
    }
}

fn read_poetry_lock(r: &mut Reading, text: &str) {
    let Some(doc) = parse_toml(r, text) else {
        return;
    };
    let Some(packages) = doc.get("package") else {
        return;
    };
    let Some(items) = packages.as_array() else {
        r.error(None, "`package` is not a list of tables");
        return;
    };
    for (i, item) in items.iter().enumerate() {
        let t = item.as_table();
        let name = t.and_then(|t| t.get("name")).and_then(|v| v.as_str());
        let version = t.and_then(|t| t.get("version")).and_then(|v| v.as_str());
        let Some(name) = name else {
            r.error(
                None,
                format_args!("[[package]] number {} has no name", i + 1),
            );
            continue;
        };
        let group = t
            .and_then(|t| t.get("category"))
            .and_then(|v| v.as_str())
            .filter(|c| *c != "main");
        r.push(
            "poetry",
            Req {
                name: name.to_string(),
                extras: Vec::new(),
                spec: version.unwrap_or("").to_string(),
            },
            group,
        );
    }
}

// ---------------------------------------------------------------- JSON

fn parse_json(r: &mut Reading, text: &str) -> Option<serde_json::Value> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(v) if v.is_object() => Some(v),
        Ok(_) => {
            r.error(None, "not a JSON object");
            None
        }
        Err(e) => {
            let msg = e.to_string();
            // serde_json ends its message with the place; the line is said first here.
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            r.error(Some(e.line()), format_args!("not JSON: {msg}"));
            None
        }
    }
}

fn read_pipfile_lock(r: &mut Reading, text: &str) {
    let Some(doc) = parse_json(r, text) else {
        return;
    };
    for (section, group) in [("default", None), ("develop", Some("dev"))] {
        let Some(v) = doc.get(section) else {
            continue;
        };
        let Some(map) = v.as_object() else {
            r.error(None, format_args!("`{section}` is not an object"));
            continue;
        };
        for (name, entry) in map {
            let spec = entry
                .get("version")
                .and_then(|v| v.as_str())
                .map(|s| s.chars().filter(|c| !c.is_whitespace()).collect::<String>())
                .or_else(|| {
                    let git = entry.get("git").and_then(|v| v.as_str())?;
                    let at = entry.get("ref").and_then(|v| v.as_str()).unwrap_or("");
                    Some(format!("@git:{git}@{at}"))
                })
                .unwrap_or_default();
            r.push(
                "pipenv",
                Req {
                    name: name.clone(),
                    extras: Vec::new(),
                    spec,
                },
                group,
            );
        }
    }
}

fn read_renv_lock(r: &mut Reading, text: &str) {
    let Some(doc) = parse_json(r, text) else {
        return;
    };
    let Some(v) = doc.get("Packages") else {
        return;
    };
    let Some(map) = v.as_object() else {
        r.error(None, "`Packages` is not an object");
        return;
    };
    for (key, entry) in map {
        let name = entry.get("Package").and_then(|v| v.as_str()).unwrap_or(key);
        let version = entry.get("Version").and_then(|v| v.as_str()).unwrap_or("");
        r.push(
            "renv",
            Req {
                name: name.to_string(),
                extras: Vec::new(),
                spec: version.trim().to_string(),
            },
            None,
        );
    }
}

// ---------------------------------------------------------------- setuptools

/// A Python string literal at the start of `s`: its value and the bytes it took.
fn python_string(s: &str) -> Option<(String, usize)> {
    let prefix = s.find(['\'', '"']).filter(|&i| {
        s.get(..i)
            .is_some_and(|p| p.len() <= 2 && p.chars().all(|c| "rRuUbB".contains(c)))
    })?;
    let body = s.get(prefix..)?;
    let q = body.chars().next()?;
    let triple: String = std::iter::repeat_n(q, 3).collect();
    let (delim, start) = if body.starts_with(&triple) {
        (triple.as_str(), 3)
    } else {
        (body.get(..1)?, 1)
    };
    let inner = body.get(start..)?;
    let mut value = String::new();
    let mut chars = inner.char_indices();
    while let Some((i, c)) = chars.next() {
        if inner.get(i..).is_some_and(|t| t.starts_with(delim)) {
            return Some((value, prefix + start + i + delim.len()));
        }
        if c == '\\' {
            if let Some((_, n)) = chars.next() {
                value.push(n);
            }
            continue;
        }
        if c == '\n' && delim.len() == 1 {
            return None;
        }
        value.push(c);
    }
    None
}

fn read_setup_py(r: &mut Reading, text: &str) {
    let Some(at) = text.find("install_requires") else {
        return;
    };
    let line = line_at(text, at);
    let mut rest = text.get(at + "install_requires".len()..).unwrap_or("");
    rest = rest.trim_start_matches(['\'', '"']).trim_start();
    let Some(after) = rest.strip_prefix(['=', ':']) else {
        r.note(
            line,
            "`install_requires` is not given a list here; not read",
        );
        return;
    };
    let after = after.trim_start();
    let Some(mut body) = after.strip_prefix(['[', '(']) else {
        r.note(
            line,
            "`install_requires` is not a literal list (a variable or a call); not read",
        );
        return;
    };
    loop {
        body = body.trim_start_matches(|c: char| c.is_whitespace() || c == ',');
        if body.starts_with('#') {
            body = body.split_once('\n').map_or("", |(_, b)| b);
            continue;
        }
        if body.is_empty() {
            r.error(Some(line), "`install_requires` list is not closed");
            return;
        }
        if body.starts_with([']', ')']) {
            return;
        }
        let offset = text.len() - body.len();
        match python_string(body) {
            Some((value, used)) => {
                let l = line_at(text, offset);
                match parse_requirement(&value) {
                    Ok(p) => r.push("setuptools", p, None),
                    Err(e) => r.error(Some(l), e),
                }
                body = body.get(used..).unwrap_or("");
            }
            None => {
                r.note(
                    line_at(text, offset),
                    "`install_requires` holds more than plain strings; read up to here",
                );
                return;
            }
        }
    }
}

fn read_setup_cfg(r: &mut Reading, text: &str) {
    let mut section = String::new();
    // The key being continued: (group, is install_requires or an extra).
    let mut open: Option<Option<String>> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let t = raw.trim();
        if t.is_empty() || t.starts_with(['#', ';']) {
            continue;
        }
        let indented = raw.starts_with([' ', '\t']);
        if indented {
            if let Some(group) = &open {
                let group = group.clone();
                cfg_requirement(r, line, t, group.as_deref());
            }
            continue;
        }
        open = None;
        if let Some(name) = t.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            section = name.trim().to_string();
            continue;
        }
        let Some((key, value)) = t.split_once(['=', ':']) else {
            continue;
        };
        let key = key.trim();
        let group = match section.as_str() {
            "options" if key == "install_requires" => None,
            "options.extras_require" => Some(key.to_string()),
            _ => continue,
        };
        let value = value.trim();
        if !value.is_empty() {
            cfg_requirement(r, line, value, group.as_deref());
        }
        open = Some(group);
    }
}

fn cfg_requirement(r: &mut Reading, line: usize, value: &str, group: Option<&str>) {
    let value = strip_comment(value).trim();
    if value.is_empty() {
        return;
    }
    if value.starts_with("file:") || value.starts_with("attr:") {
        r.note(line, format_args!("`{}` not followed", clip(value)));
        return;
    }
    match parse_requirement(value) {
        Ok(p) => r.push("setuptools", p, group),
        Err(e) => r.error(Some(line), e),
    }
}

// ---------------------------------------------------------------- R

fn read_description(r: &mut Reading, text: &str) {
    // Fields with their first line; continuation lines start with whitespace.
    let mut fields: Vec<(usize, String, String)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        if raw.starts_with([' ', '\t']) {
            match fields.last_mut() {
                Some((_, _, v)) => {
                    v.push(' ');
                    v.push_str(raw.trim());
                }
                None => r.error(Some(i + 1), "a continuation line before any field"),
            }
            continue;
        }
        match raw.split_once(':') {
            Some((k, v)) if !k.trim().is_empty() && !k.contains(' ') => {
                fields.push((i + 1, k.to_string(), v.trim().to_string()))
            }
            _ => r.error(
                Some(i + 1),
                format_args!("not a `Field: value` line: `{}`", clip(raw)),
            ),
        }
    }
    for (line, key, value) in fields {
        let group = match key.as_str() {
            "Depends" | "Imports" => None,
            "Suggests" => Some("Suggests"),
            _ => continue,
        };
        for item in value.split(',') {
            let item = item.trim();
            if item.is_empty() {
                continue;
            }
            let (name, spec) = match item.split_once('(') {
                Some((n, s)) => match s.trim_end().strip_suffix(')') {
                    Some(inner) => (
                        n.trim(),
                        inner.chars().filter(|c| !c.is_whitespace()).collect(),
                    ),
                    None => {
                        r.error(
                            Some(line),
                            format_args!("`(` without `)` in `{}`", clip(item)),
                        );
                        continue;
                    }
                },
                None => (item, String::new()),
            };
            if name == "R" {
                continue;
            }
            if !name.starts_with(|c: char| c.is_ascii_alphabetic())
                || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
            {
                r.error(
                    Some(line),
                    format_args!("`{}` is not an R package name", clip(name)),
                );
                continue;
            }
            r.push(
                "r",
                Req {
                    name: name.to_string(),
                    extras: Vec::new(),
                    spec,
                },
                group,
            );
        }
    }
}

// ---------------------------------------------------------------- Dockerfile

fn read_dockerfile(r: &mut Reading, text: &str) {
    let mut stages: Vec<String> = Vec::new();
    let mut lines: Vec<(usize, String)> = Vec::new();
    // Comment lines may sit inside a continued instruction; they are dropped.
    let kept: String = text
        .lines()
        .map(|l| {
            if l.trim_start().starts_with('#') {
                ""
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    for (line, content) in logical_lines(&kept, false) {
        if !content.trim().is_empty() {
            lines.push((line, content));
        }
    }
    for (line, content) in lines {
        let (instr, args) = content
            .trim()
            .split_once(char::is_whitespace)
            .unwrap_or((content.trim(), ""));
        match instr.to_ascii_uppercase().as_str() {
            "FROM" => {
                let words: Vec<&str> = args
                    .split_whitespace()
                    .filter(|w| !w.starts_with("--"))
                    .collect();
                let Some(image) = words.first() else {
                    r.error(Some(line), "`FROM` without an image");
                    continue;
                };
                // `FROM builder` names an earlier stage, not an image.
                if !stages.contains(&image.to_ascii_lowercase()) {
                    r.file.base_images.push(image.to_string());
                }
                if let (Some(kw), Some(alias)) = (words.get(1), words.get(2))
                    && kw.eq_ignore_ascii_case("as")
                {
                    stages.push(alias.to_ascii_lowercase());
                }
            }
            "RUN" => read_run(r, line, args),
            _ => {}
        }
    }
}

/// The shell of a `RUN`, scanned for installs (the exec form `["a", "b"]` too).
fn read_run(r: &mut Reading, line: usize, args: &str) {
    let args = args.trim();
    let shell = if args.starts_with('[') {
        serde_json::from_str::<Vec<String>>(args)
            .map(|v| v.join(" "))
            .unwrap_or_default()
    } else {
        args.to_string()
    };
    let mut command = String::new();
    let mut commands = Vec::new();
    let mut chars = shell.chars().peekable();
    while let Some(c) = chars.next() {
        let split = match c {
            ';' | '\n' => true,
            '&' | '|' => {
                if chars.peek() == Some(&c) {
                    chars.next();
                }
                true
            }
            _ => false,
        };
        if split {
            commands.push(std::mem::take(&mut command));
        } else {
            command.push(c);
        }
    }
    commands.push(command);
    for c in commands {
        let words: Vec<String> = c
            .split_whitespace()
            .map(|w| w.trim_matches(['"', '\'']).to_string())
            .collect();
        read_install(r, line, &words);
    }
}

/// `pip install …`, `conda install …`, `apt-get install …` and their kin.
fn read_install(r: &mut Reading, line: usize, words: &[String]) {
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    // Skip `sudo`, `env X=1` and the like before the tool.
    let start = w
        .iter()
        .position(|x| !matches!(*x, "sudo" | "env" | "time" | "exec") && !x.contains('='))
        .unwrap_or(w.len());
    let w = w.get(start..).unwrap_or(&[]);
    let tool = w.first().map(|t| t.rsplit('/').next().unwrap_or(t));
    let (manager, rest, value_opts): (&str, &[&str], &[&str]) =
        match (tool, w.get(1), w.get(2), w.get(3)) {
            (Some("pip" | "pip3"), Some(&"install"), _, _) => {
                ("pip", w.get(2..).unwrap_or(&[]), &PIP_DOCKER_OPTS)
            }
            (Some(py), Some(&"-m"), Some(&"pip"), Some(&"install")) if py.starts_with("python") => {
                ("pip", w.get(4..).unwrap_or(&[]), &PIP_DOCKER_OPTS)
            }
            (Some("conda" | "mamba" | "micromamba"), Some(&"install"), _, _) => {
                ("conda", w.get(2..).unwrap_or(&[]), &CONDA_OPTS)
            }
            (Some("apt-get" | "apt"), Some(&"install"), _, _) => {
                ("apt", w.get(2..).unwrap_or(&[]), &APT_OPTS)
            }
            _ => return,
        };
    let mut words = rest.iter();
    while let Some(word) = words.next() {
        if word.starts_with('-') {
            let opt = word.split('=').next().unwrap_or(word);
            if matches!(opt, "-r" | "--requirement") && !word.contains('=') {
                if let Some(f) = words.next() {
                    r.note(line, format_args!("requirements from `{f}`, not followed"));
                }
            } else if value_opts.contains(&opt) && !word.contains('=') {
                words.next();
            }
            continue;
        }
        if word.contains('$') || word.starts_with('.') || word.contains('/') {
            continue;
        }
        let parsed = match manager {
            "pip" => parse_requirement(word),
            "conda" => parse_conda(word),
            _ => match word.split_once('=') {
                Some((n, v)) => Ok(Req {
                    name: n.to_string(),
                    extras: Vec::new(),
                    spec: format!("={v}"),
                }),
                None => Ok(Req {
                    name: word.to_string(),
                    extras: Vec::new(),
                    spec: String::new(),
                }),
            },
        };
        match parsed {
            Ok(p) => r.push(manager, p, None),
            Err(e) => r.error(Some(line), e),
        }
    }
}

const PIP_DOCKER_OPTS: [&str; 12] = [
    "-c",
    "--constraint",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "-t",
    "--target",
    "--prefix",
    "--root",
    "--trusted-host",
];
const CONDA_OPTS: [&str; 6] = ["-c", "--channel", "-n", "--name", "-p", "--prefix"];
const APT_OPTS: [&str; 2] = ["-o", "-t"];

// ---------------------------------------------------------------- diff

/// A package on one side of a difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageAt {
    pub manager: String,
    /// The file that declares it.
    pub file: String,
    pub name: String,
    pub spec: String,
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

/// A package declared on both sides with another spec or pinned version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpecChange {
    pub manager: String,
    pub file: String,
    /// As the newer side writes it.
    pub name: String,
    pub old_spec: String,
    pub new_spec: String,
    pub old_version: Option<String>,
    pub new_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

/// What changed from one commit's declarations to another's. A package is the same when
/// its file, manager, group and normalised name are ([`normalize_name`]); each list is sorted
/// by manager, then name, then file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeclaredDiff {
    pub files_added: Vec<String>,
    pub files_removed: Vec<String>,
    pub added: Vec<PackageAt>,
    pub removed: Vec<PackageAt>,
    pub changed: Vec<SpecChange>,
}

impl DeclaredDiff {
    pub fn is_empty(&self) -> bool {
        self.files_added.is_empty()
            && self.files_removed.is_empty()
            && self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
    }

    /// `2 added, 1 removed, 3 changed; 1 file added`, or `no differences`.
    pub fn summary(&self) -> String {
        if self.is_empty() {
            return "no differences".into();
        }
        let mut parts = Vec::new();
        let counts = [
            (self.added.len(), "added"),
            (self.removed.len(), "removed"),
            (self.changed.len(), "changed"),
        ];
        let pk: Vec<String> = counts
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, w)| format!("{n} {w}"))
            .collect();
        if !pk.is_empty() {
            parts.push(format!("packages: {}", pk.join(", ")));
        }
        let files: Vec<String> = [
            (self.files_added.len(), "added"),
            (self.files_removed.len(), "removed"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, w)| format!("{n} {w}"))
        .collect();
        if !files.is_empty() {
            parts.push(format!("files: {}", files.join(", ")));
        }
        parts.join("; ")
    }
}

type Key = (String, String, Option<String>, String);

fn keyed(d: &Declared) -> BTreeMap<Key, PackageAt> {
    let mut m = BTreeMap::new();
    for f in &d.files {
        for p in &f.packages {
            let key = (
                f.path.clone(),
                p.manager.clone(),
                p.group.clone(),
                normalize_name(&p.manager, &p.name),
            );
            m.entry(key).or_insert_with(|| PackageAt {
                manager: p.manager.clone(),
                file: f.path.clone(),
                name: p.name.clone(),
                spec: p.spec.clone(),
                version: p.version.clone(),
                group: p.group.clone(),
            });
        }
    }
    m
}

/// What changed from `old` to `new`.
pub fn diff(old: &Declared, new: &Declared) -> DeclaredDiff {
    let old_files: Vec<&str> = old.files.iter().map(|f| f.path.as_str()).collect();
    let new_files: Vec<&str> = new.files.iter().map(|f| f.path.as_str()).collect();
    let mut d = DeclaredDiff {
        files_added: new_files
            .iter()
            .filter(|p| !old_files.contains(p))
            .map(|p| p.to_string())
            .collect(),
        files_removed: old_files
            .iter()
            .filter(|p| !new_files.contains(p))
            .map(|p| p.to_string())
            .collect(),
        ..DeclaredDiff::default()
    };
    let a = keyed(old);
    let mut b = keyed(new);
    for (key, o) in a {
        match b.remove(&key) {
            None => d.removed.push(o),
            Some(n) => {
                if o.spec != n.spec || o.version != n.version {
                    d.changed.push(SpecChange {
                        manager: n.manager,
                        file: n.file,
                        name: n.name,
                        old_spec: o.spec,
                        new_spec: n.spec,
                        old_version: o.version,
                        new_version: n.version,
                        group: n.group,
                    });
                }
            }
        }
    }
    d.added = b.into_values().collect();
    let order = |m: &str, n: &str, f: &str| (m.to_string(), normalize_name(m, n), f.to_string());
    d.added.sort_by_key(|p| order(&p.manager, &p.name, &p.file));
    d.removed
        .sort_by_key(|p| order(&p.manager, &p.name, &p.file));
    d.changed
        .sort_by_key(|p| order(&p.manager, &p.name, &p.file));
    d
}

#[cfg(test)]
#[path = "declared_tests.rs"]
mod tests;
