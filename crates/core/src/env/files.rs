//! Finding a commit's ordinary environment files (see [`crate::repo::is_env_file`]) in its
//! tree and reading them with [`super::declared`]. The walk goes into every folder except
//! those that hold installed or generated copies (`.git`, `node_modules`,
//! `.ipynb_checkpoints`, `site-packages`, `.venv`, `venv`), and is bounded: at most
//! [`MAX_FILES`] files are read, each at most [`MAX_FILE_BYTES`]; what is left out is said in
//! the result's errors.

use git2::{ObjectType, Oid, Repository, Tree};

use super::declared::{Declared, DeclaredFile};
use crate::repo::{Project, RepoError, is_env_file};

pub use super::declared::MAX_FILE_BYTES;

/// At most this many environment files are read from one commit.
pub const MAX_FILES: usize = 200;

/// Folders never entered.
pub const SKIPPED_DIRS: [&str; 6] = [
    ".git",
    "node_modules",
    ".ipynb_checkpoints",
    "site-packages",
    ".venv",
    "venv",
];

/// Folders nested deeper than this are not entered.
const MAX_DEPTH: usize = 32;

/// The declared environment in the tree of `commit`.
pub fn declared_at(project: &Project, commit: Oid) -> Result<Declared, RepoError> {
    let repo = project.repo();
    let tree = repo
        .find_commit(commit)
        .and_then(|c| c.tree())
        .map_err(|e| RepoError::git(format!("reading the tree of {commit}"), e))?;
    Ok(read_tree(repo, &tree))
}

/// Every environment file in `tree`, read; none found is an empty [`Declared`].
pub fn read_tree(repo: &Repository, tree: &Tree<'_>) -> Declared {
    let mut found: Vec<(String, Oid)> = Vec::new();
    let mut errors: Vec<String> = Vec::new();
    let mut over = 0usize;
    collect(repo, tree, "", 0, &mut found, &mut over, &mut errors);
    if over > 0 {
        errors.push(format!(
            "{} environment files; the first {MAX_FILES} are read, {over} are not",
            MAX_FILES + over
        ));
    }
    let odb = repo.odb().ok();
    let mut read: Vec<(String, Vec<u8>)> = Vec::new();
    let mut too_large: Vec<DeclaredFile> = Vec::new();
    for (path, id) in found {
        let size = odb
            .as_ref()
            .and_then(|o| o.read_header(id).ok())
            .map(|(size, _)| size);
        if let Some(size) = size.filter(|s| *s > MAX_FILE_BYTES) {
            too_large.push(DeclaredFile {
                manager: super::declared::format_of(&path)
                    .map(|f| f.manager().to_string())
                    .unwrap_or_default(),
                errors: vec![format!(
                    "{path}: {size} bytes, more than the {} MB read for an environment file; \
                     not read",
                    MAX_FILE_BYTES >> 20
                )],
                path,
                packages: Vec::new(),
                base_images: Vec::new(),
                notes: Vec::new(),
            });
            continue;
        }
        match repo.find_blob(id) {
            Ok(b) => read.push((path, b.content().to_vec())),
            Err(e) => errors.push(format!("{path}: {}", e.message())),
        }
    }
    let mut declared = Declared::from_files(read);
    declared.files.append(&mut too_large);
    declared.files.sort_by(|a, b| a.path.cmp(&b.path));
    declared.errors = errors;
    declared
}

fn collect(
    repo: &Repository,
    tree: &Tree<'_>,
    dir: &str,
    depth: usize,
    found: &mut Vec<(String, Oid)>,
    over: &mut usize,
    errors: &mut Vec<String>,
) {
    for entry in tree.iter() {
        let name = String::from_utf8_lossy(entry.name_bytes());
        let path = format!("{dir}{name}");
        match entry.kind() {
            Some(ObjectType::Blob) if is_env_file(&path) => {
                if found.len() < MAX_FILES {
                    found.push((path, entry.id()));
                } else {
                    *over += 1;
                }
            }
            Some(ObjectType::Tree) if !SKIPPED_DIRS.contains(&name.as_ref()) => {
                if depth >= MAX_DEPTH {
                    errors.push(format!(
                        "{path}/: nested more than {MAX_DEPTH} folders deep; not searched"
                    ));
                    continue;
                }
                match repo.find_tree(entry.id()) {
                    Ok(sub) => collect(
                        repo,
                        &sub,
                        &format!("{path}/"),
                        depth + 1,
                        found,
                        over,
                        errors,
                    ),
                    Err(e) => errors.push(format!("{path}/: {}", e.message())),
                }
            }
            _ => {}
        }
    }
}
