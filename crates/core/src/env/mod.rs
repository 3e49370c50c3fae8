//! The project's environment at any point of its history, read from the
//! files the client kept under `.gigantum/env/` in a commit's tree: the base
//! (`base/*.yaml`), one file per package (`package_manager/<manager>_<name>.yaml`)
//! and custom Docker snippets (`custom/*.yaml`, `docker/*.yaml`). Also the
//! difference between two environments and a one-line summary of what an
//! environment record changed.
//!
//! Reading never fails on content: a file that is not what the client
//! wrote becomes an entry in [`Environment::errors`] naming it, and the
//! other files still count.

pub mod declared;
pub mod files;
pub mod yaml;

use std::collections::BTreeMap;
use std::path::Path;

use git2::{ObjectType, Oid, Repository, Tree};
use serde::Serialize;

use crate::activity::kinds::RecordKind;
use crate::repo::{Project, RecordView, RepoError};
use yaml::Yaml;

/// Where the client kept the environment.
pub const ENV_DIR: &str = ".gigantum/env";

/// Files larger than this are reported, not read: the client's biggest
/// (a base with its icon inlined) are about 100 kB.
const MAX_FILE_BYTES: usize = 4 << 20;

/// The base image the project was built on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Base {
    /// `id:` (else the file name without `.yaml`).
    pub id: String,
    pub name: Option<String>,
    pub revision: Option<u32>,
    pub image: Option<Image>,
    /// `os_class` and `os_release`, e.g. `ubuntu 18.04`.
    pub os: Option<String>,
    /// The managers the base offers (`pip`, `apt`, `conda3`…), in file order.
    pub package_managers: Vec<String>,
}

/// The Docker image of a base.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Image {
    pub namespace: String,
    pub repository: String,
    pub tag: String,
}

/// One installed package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Package {
    pub manager: String,
    pub name: String,
    /// As written: a version, `latest`, or `None` when the file has none.
    pub version: Option<String>,
    /// Installed by the base, not by the user.
    pub from_base: bool,
}

/// A custom Docker snippet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snippet {
    pub name: String,
    pub description: String,
    /// The Dockerfile lines, joined with newlines (no newline at the end).
    pub content: String,
}

/// Everything under `.gigantum/env/` at one commit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Environment {
    pub base: Option<Base>,
    /// Sorted by manager, then name.
    pub packages: Vec<Package>,
    /// Sorted by name.
    pub snippets: Vec<Snippet>,
    /// What could not be read, each naming its file.
    pub errors: Vec<String>,
}

impl Environment {
    /// No base, no packages, no snippets (errors aside).
    pub fn is_empty(&self) -> bool {
        self.base.is_none() && self.packages.is_empty() && self.snippets.is_empty()
    }

    /// The package `name` of `manager`.
    pub fn package(&self, manager: &str, name: &str) -> Option<&Package> {
        self.packages
            .iter()
            .find(|p| p.manager == manager && p.name == name)
    }

    /// Reads an environment from files given as (path in the repository,
    /// bytes). Paths outside `.gigantum/env/base`, `package_manager`,
    /// `custom` and `docker` are ignored (`entrypoint.sh`, the Dockerfile).
    pub fn from_files(files: impl IntoIterator<Item = (String, Vec<u8>)>) -> Environment {
        let mut env = Environment::default();
        let mut files: Vec<(String, Vec<u8>)> = files.into_iter().collect();
        files.sort_by(|a, b| a.0.cmp(&b.0));
        let mut bases: Vec<(String, Base)> = Vec::new();
        let mut packages: BTreeMap<(String, String), (String, Package)> = BTreeMap::new();
        for (path, bytes) in files {
            let Some(rest) = path.strip_prefix(ENV_DIR).and_then(|r| r.strip_prefix('/')) else {
                continue;
            };
            let Some((dir, file)) = rest.split_once('/') else {
                continue;
            };
            if !matches!(dir, "base" | "package_manager" | "custom" | "docker") {
                continue;
            }
            // Placeholders such as .gitkeep keep empty folders in git.
            if file.starts_with('.') {
                continue;
            }
            if file.contains('/') {
                env.errors
                    .push(format!("{path}: unexpected file in a subfolder, skipped"));
                continue;
            }
            let Some(stem) = file
                .strip_suffix(".yaml")
                .or_else(|| file.strip_suffix(".yml"))
            else {
                env.errors
                    .push(format!("{path}: not a .yaml file, skipped"));
                continue;
            };
            let Ok(text) = std::str::from_utf8(&bytes) else {
                env.errors.push(format!("{path}: not UTF-8 text"));
                continue;
            };
            let doc = match yaml::parse(text) {
                Ok(d @ Yaml::Map(_)) => d,
                Ok(_) => {
                    env.errors
                        .push(format!("{path}: not a map of `key: value` lines"));
                    continue;
                }
                Err(e) => {
                    env.errors.push(format!("{path}: {e}"));
                    continue;
                }
            };
            match dir {
                "base" => match read_base(&doc, stem) {
                    Ok(b) => bases.push((path, b)),
                    Err(e) => env.errors.push(format!("{path}: {e}")),
                },
                "package_manager" => match read_package(&doc, stem) {
                    Ok((p, warning)) => {
                        if let Some(w) = warning {
                            env.errors.push(format!("{path}: {w}"));
                        }
                        let key = (p.manager.clone(), p.name.clone());
                        if let Some((first, _)) = packages.get(&key) {
                            env.errors.push(format!(
                                "{path}: {} package {} is also in {first}; this one is kept",
                                p.manager, p.name
                            ));
                        }
                        packages.insert(key, (path, p));
                    }
                    Err(e) => env.errors.push(format!("{path}: {e}")),
                },
                _ => env.snippets.push(read_snippet(&doc, stem)),
            }
        }
        if bases.len() > 1 {
            let names: Vec<&str> = bases.iter().map(|(p, _)| p.as_str()).collect();
            env.errors.push(format!(
                "{} base files ({}); the first is shown",
                bases.len(),
                names.join(", ")
            ));
        }
        env.base = bases.into_iter().next().map(|(_, b)| b);
        env.packages = packages.into_values().map(|(_, p)| p).collect();
        env.snippets.sort_by(|a, b| a.name.cmp(&b.name));
        env
    }
}

fn text(doc: &Yaml, key: &str) -> Option<String> {
    doc.get(key)
        .and_then(Yaml::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn read_base(doc: &Yaml, stem: &str) -> Result<Base, String> {
    let revision = match doc.get("revision") {
        None | Some(Yaml::Null) => None,
        Some(v) => Some(
            v.as_str()
                .and_then(|s| s.trim().parse::<u32>().ok())
                .ok_or_else(|| "`revision` is not a number".to_string())?,
        ),
    };
    let image = match doc.get("image") {
        Some(img @ Yaml::Map(_)) => Some(Image {
            namespace: text(img, "namespace").unwrap_or_default(),
            repository: text(img, "repository").unwrap_or_default(),
            tag: text(img, "tag").unwrap_or_default(),
        }),
        None | Some(Yaml::Null) => None,
        Some(_) => return Err("`image` is not a map".into()),
    };
    let os = match (text(doc, "os_class"), text(doc, "os_release")) {
        (Some(c), Some(r)) => Some(format!("{c} {r}")),
        (c, r) => c.or(r),
    };
    // `- pip` in some files, `- pip: null` or `- apt: [packages]` in the client's bases.
    let package_managers = match doc.get("package_managers") {
        Some(Yaml::List(items)) => items
            .iter()
            .flat_map(|i| match i {
                Yaml::Str(s) => vec![s.clone()],
                Yaml::Map(m) => m.iter().map(|(k, _)| k.clone()).collect(),
                _ => Vec::new(),
            })
            .collect(),
        None | Some(Yaml::Null) => Vec::new(),
        Some(_) => return Err("`package_managers` is not a list".into()),
    };
    Ok(Base {
        id: text(doc, "id").unwrap_or_else(|| stem.to_string()),
        name: text(doc, "name"),
        revision,
        image,
        os,
        package_managers,
    })
}

/// A package, and a warning when its file lacks what names it.
fn read_package(doc: &Yaml, stem: &str) -> Result<(Package, Option<String>), String> {
    let (file_manager, file_name) = match stem.split_once('_') {
        Some((m, n)) => (Some(m), Some(n)),
        None => (None, None),
    };
    let manager = text(doc, "manager");
    let name = text(doc, "package");
    let warning = match (&manager, &name) {
        (Some(_), Some(_)) => None,
        _ if file_manager.is_none() => {
            return Err(
                "no `manager` and `package`, and the file name is not <manager>_<package>.yaml"
                    .into(),
            );
        }
        _ => Some("no `manager` or `package`; taken from the file name".to_string()),
    };
    let from_base = match doc.get("from_base") {
        None | Some(Yaml::Null) => false,
        Some(v) => match v.as_str().map(|s| s.trim().to_ascii_lowercase()).as_deref() {
            Some("true" | "yes" | "on") => true,
            Some("false" | "no" | "off") => false,
            _ => return Err("`from_base` is not true or false".into()),
        },
    };
    Ok((
        Package {
            manager: manager
                .or(file_manager.map(str::to_string))
                .unwrap_or_default(),
            name: name.or(file_name.map(str::to_string)).unwrap_or_default(),
            version: text(doc, "version"),
            from_base,
        },
        warning,
    ))
}

fn read_snippet(doc: &Yaml, stem: &str) -> Snippet {
    // The client wrote a list of lines; a block scalar (`content: |`) is read too.
    let content = match doc.get("content") {
        Some(Yaml::Str(s)) => s.trim_end_matches('\n').to_string(),
        Some(Yaml::List(items)) => items
            .iter()
            .filter_map(Yaml::as_str)
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    };
    Snippet {
        name: text(doc, "name").unwrap_or_else(|| stem.to_string()),
        description: text(doc, "description").unwrap_or_default(),
        content,
    }
}

// ---------------------------------------------------------------- git

/// The environment in the tree of `commit`.
///
/// For a record, pass the record's own (activity) commit: that is the
/// environment "as of" the record. The change it describes is in its
/// `linked_commit`, which the activity commit comes after, so its tree has
/// the change too, whereas `linked_commit` can be a uuid or empty (no
/// commit to read) and, when nothing was staged, names an older commit.
pub fn env_at(project: &Project, commit: Oid) -> Result<Environment, RepoError> {
    let repo = project.repo();
    let tree = repo
        .find_commit(commit)
        .and_then(|c| c.tree())
        .map_err(|e| RepoError::git(format!("reading the tree of {commit}"), e))?;
    Ok(read_tree(repo, &tree))
}

/// The environment as of a record: the tree of its activity commit (see [`env_at`]).
pub fn env_of_record<'a>(
    project: &Project,
    row: impl RecordView<'a>,
) -> Result<Environment, RepoError> {
    env_at(project, row.commit())
}

/// Reads `.gigantum/env/` from `tree`; missing means an empty environment.
pub fn read_tree(repo: &Repository, tree: &Tree<'_>) -> Environment {
    let mut errors = Vec::new();
    let mut files = Vec::new();
    let env_tree = match tree.get_path(Path::new(ENV_DIR)) {
        Ok(entry) if entry.kind() == Some(ObjectType::Tree) => repo.find_tree(entry.id()),
        _ => return Environment::default(),
    };
    let env_tree = match env_tree {
        Ok(t) => t,
        Err(e) => {
            return Environment {
                errors: vec![format!("{ENV_DIR}: {}", e.message())],
                ..Environment::default()
            };
        }
    };
    let odb = repo.odb().ok();
    for dir in ["base", "package_manager", "custom", "docker"] {
        let Some(entry) = env_tree.get_name(dir) else {
            continue;
        };
        if entry.kind() != Some(ObjectType::Tree) {
            errors.push(format!("{ENV_DIR}/{dir}: not a folder"));
            continue;
        }
        let sub = match repo.find_tree(entry.id()) {
            Ok(t) => t,
            Err(e) => {
                errors.push(format!("{ENV_DIR}/{dir}: {}", e.message()));
                continue;
            }
        };
        for item in sub.iter() {
            let name = String::from_utf8_lossy(item.name_bytes()).into_owned();
            let path = format!("{ENV_DIR}/{dir}/{name}");
            match item.kind() {
                Some(ObjectType::Blob) => {}
                Some(ObjectType::Tree) if !name.starts_with('.') => {
                    errors.push(format!("{path}: unexpected folder, skipped"));
                    continue;
                }
                _ => continue,
            }
            let size = odb
                .as_ref()
                .and_then(|o| o.read_header(item.id()).ok())
                .map(|(size, _)| size);
            if size.is_some_and(|s| s > MAX_FILE_BYTES) {
                errors.push(format!(
                    "{path}: {} bytes, too large to be an environment file",
                    size.unwrap_or_default()
                ));
                continue;
            }
            match repo.find_blob(item.id()) {
                Ok(b) => files.push((path, b.content().to_vec())),
                Err(e) => errors.push(format!("{path}: {}", e.message())),
            }
        }
    }
    let mut env = Environment::from_files(files);
    errors.append(&mut env.errors);
    env.errors = errors;
    env
}

/// A commit named by the user: a record's (abbreviated) hash or any revision.
pub fn resolve(project: &Project, spec: &str) -> Result<Oid, RepoError> {
    crate::repo::resolve_commit(project.repo(), spec, &project.path)
}

// ---------------------------------------------------------------- diff

/// A package whose version differs between two environments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionChange {
    pub manager: String,
    pub name: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// The base before and after, when its id, name or revision differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BaseChange {
    pub old: Option<Base>,
    pub new: Option<Base>,
}

/// Snippet names added, removed, and changed (content or description).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SnippetChanges {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
}

/// What changed from one environment to another. A package that only
/// moved in or out of the base (`from_base`) at the same version is not a change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EnvDiff {
    pub base: Option<BaseChange>,
    /// Sorted by manager, then name, like everything below.
    pub added: Vec<Package>,
    pub removed: Vec<Package>,
    pub changed: Vec<VersionChange>,
    pub snippets: SnippetChanges,
}

/// The difference `old` → `new`.
pub fn diff(old: &Environment, new: &Environment) -> EnvDiff {
    let key = |p: &Package| (p.manager.clone(), p.name.clone());
    let before: BTreeMap<_, _> = old.packages.iter().map(|p| (key(p), p)).collect();
    let after: BTreeMap<_, _> = new.packages.iter().map(|p| (key(p), p)).collect();
    let mut d = EnvDiff::default();
    for (k, p) in &after {
        match before.get(k) {
            None => d.added.push((*p).clone()),
            Some(o) if o.version != p.version => d.changed.push(VersionChange {
                manager: p.manager.clone(),
                name: p.name.clone(),
                old: o.version.clone(),
                new: p.version.clone(),
            }),
            Some(_) => {}
        }
    }
    d.removed = before
        .iter()
        .filter(|(k, _)| !after.contains_key(*k))
        .map(|(_, p)| (*p).clone())
        .collect();
    let same_base = match (&old.base, &new.base) {
        (None, None) => true,
        (Some(a), Some(b)) => a.id == b.id && a.name == b.name && a.revision == b.revision,
        _ => false,
    };
    if !same_base {
        d.base = Some(BaseChange {
            old: old.base.clone(),
            new: new.base.clone(),
        });
    }
    let snips = |e: &Environment| -> BTreeMap<String, (String, String)> {
        e.snippets
            .iter()
            .map(|s| (s.name.clone(), (s.description.clone(), s.content.clone())))
            .collect()
    };
    let (a, b) = (snips(old), snips(new));
    for (name, v) in &b {
        match a.get(name) {
            None => d.snippets.added.push(name.clone()),
            Some(o) if o != v => d.snippets.changed.push(name.clone()),
            Some(_) => {}
        }
    }
    d.snippets.removed = a.keys().filter(|n| !b.contains_key(*n)).cloned().collect();
    d
}

impl EnvDiff {
    pub fn is_empty(&self) -> bool {
        self.base.is_none()
            && self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
            && self.snippets.added.is_empty()
            && self.snippets.removed.is_empty()
            && self.snippets.changed.is_empty()
    }

    /// One line, e.g. `pip: +pandas 0.24.2, -numpy, scipy 1.6.0 → 1.6.1; base r3 → r4`;
    /// `no environment change` when nothing changed.
    pub fn summary(&self) -> String {
        self.summary_with("→")
    }

    /// [`EnvDiff::summary`] with `->` for terminals drawn in ASCII.
    pub fn summary_ascii(&self) -> String {
        self.summary_with("->")
    }

    fn summary_with(&self, arrow: &str) -> String {
        let mut by_manager: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for p in &self.added {
            let v = p
                .version
                .as_deref()
                .map_or(String::new(), |v| format!(" {v}"));
            by_manager
                .entry(&p.manager)
                .or_default()
                .push(format!("+{}{v}", p.name));
        }
        for p in &self.removed {
            by_manager
                .entry(&p.manager)
                .or_default()
                .push(format!("-{}", p.name));
        }
        for c in &self.changed {
            by_manager.entry(&c.manager).or_default().push(format!(
                "{} {} {arrow} {}",
                c.name,
                c.old.as_deref().unwrap_or("?"),
                c.new.as_deref().unwrap_or("?")
            ));
        }
        let mut parts: Vec<String> = by_manager
            .into_iter()
            .map(|(m, items)| format!("{m}: {}", items.join(", ")))
            .collect();
        if let Some(b) = &self.base {
            parts.push(base_summary(b, arrow));
        }
        let s = &self.snippets;
        let items: Vec<String> = (s.added.iter().map(|n| format!("+{n}")))
            .chain(s.removed.iter().map(|n| format!("-{n}")))
            .chain(s.changed.iter().map(|n| format!("~{n}")))
            .collect();
        if !items.is_empty() {
            parts.push(format!("docker: {}", items.join(", ")));
        }
        if parts.is_empty() {
            return "no environment change".into();
        }
        parts.join("; ")
    }
}

fn rev(b: &Base) -> String {
    b.revision.map_or(String::new(), |r| format!(" r{r}"))
}

fn base_summary(b: &BaseChange, arrow: &str) -> String {
    match (&b.old, &b.new) {
        (None, Some(n)) => format!("base +{}{}", n.id, rev(n)),
        (Some(o), None) => format!("base -{}{}", o.id, rev(o)),
        (Some(o), Some(n)) if o.id == n.id => {
            format!("base{} {arrow}{}", rev(o), rev(n))
        }
        (Some(o), Some(n)) => format!("base {}{} {arrow} {}{}", o.id, rev(o), n.id, rev(n)),
        (None, None) => "base unchanged".into(),
    }
}

/// What an environment record changed: the environment of its
/// `linked_commit` against that commit's first parent. When `linked_commit`
/// is not a commit of the repository (a uuid, empty), the record's own
/// commit against its first parent. A root commit is compared with an empty
/// environment.
pub fn record_change<'a>(
    project: &Project,
    row: impl RecordView<'a>,
) -> Result<EnvDiff, RepoError> {
    let repo = project.repo();
    let linked = Oid::from_str(&row.linked_commit())
        .ok()
        .filter(|id| repo.find_commit(*id).is_ok())
        .unwrap_or(row.commit());
    let commit = repo
        .find_commit(linked)
        .map_err(|e| RepoError::git(format!("reading commit {linked}"), e))?;
    let after = env_at(project, linked)?;
    let before = match commit.parent_id(0) {
        Ok(p) => env_at(project, p)?,
        Err(_) => Environment::default(),
    };
    Ok(diff(&before, &after))
}

/// A one-line summary of what an environment record (type 1) changed, e.g.
/// `pip: +pandas 0.24.2, -numpy; base r3 → r4`. `None` for other records
/// and when the commits cannot be read.
pub fn record_summary<'a>(project: &Project, row: impl RecordView<'a>) -> Option<String> {
    if row.kind() != RecordKind::Environment {
        return None;
    }
    record_change(project, row).ok().map(|d| d.summary())
}

/// [`record_summary`] for a line shown beside the record's own message (the timeline, the
/// record pane): `None` also when the linked commit shows no change. The message then says
/// what the client did (`Added base: r-tidyverse`) and a `no environment change` beside it
/// would contradict it; the change is in a commit the record does not point at.
pub fn record_change_summary<'a>(project: &Project, row: impl RecordView<'a>) -> Option<String> {
    if row.kind() != RecordKind::Environment {
        return None;
    }
    record_change(project, row)
        .ok()
        .filter(|d| !d.is_empty())
        .map(|d| d.summary())
}

#[cfg(test)]
mod tests;
