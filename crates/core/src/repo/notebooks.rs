//! What each commit changed among a repository's notebooks, environment files and data files:
//! the second history source's walk. Trees are compared entry by entry against the first
//! parent, stepping over every subtree whose id did not change, so a commit costs the
//! directories it touched, never a full tree diff (libgit2's path-limited log diffs whole trees
//! and is many times slower).

use git2::{Commit, ObjectType, Oid, Repository, Tree};

use super::{Project, RepoError, WalkStats};

/// One notebook a commit added, changed, deleted or renamed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotebookChange {
    /// The path after the commit (before it, for a deletion).
    pub path: String,
    /// The path before, when the commit renamed the notebook.
    pub old_path: Option<String>,
    /// The blob in the first parent; `None` when added.
    pub old_blob: Option<Oid>,
    /// The blob after; `None` when deleted.
    pub new_blob: Option<Oid>,
}

/// A commit, with what it changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitChanges {
    pub commit: Oid,
    pub parents: Vec<Oid>,
    /// Commit time, unix seconds.
    pub time: i64,
    pub tz_minutes: i32,
    pub author: String,
    pub email: String,
    /// The whole message, as written (sanitised where shown).
    pub message: String,
    /// Notebooks, sorted by path.
    pub notebooks: Vec<NotebookChange>,
    /// Environment files (see [`is_env_file`]) added, changed or deleted, sorted.
    pub env_files: Vec<String>,
    /// Data files (see [`is_data_file`]) added, changed or deleted, sorted.
    pub data_files: Vec<String>,
    /// How many other files changed.
    pub other_files: usize,
}

/// Files that declare a project's environment, by name.
pub fn is_env_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    (lower.starts_with("requirements") && lower.ends_with(".txt"))
        || matches!(
            lower.as_str(),
            "environment.yml"
                | "environment.yaml"
                | "pyproject.toml"
                | "setup.py"
                | "setup.cfg"
                | "pipfile"
                | "pipfile.lock"
                | "poetry.lock"
                | "renv.lock"
                | "dockerfile"
        )
        || name == "DESCRIPTION"
}

/// Files that hold data a notebook reads: under a `data` directory, or of a data format.
pub fn is_data_file(path: &str) -> bool {
    const EXT: [&str; 20] = [
        "csv", "tsv", "parquet", "feather", "arrow", "xlsx", "xls", "h5", "hdf5", "hdf", "pkl",
        "pickle", "npy", "npz", "rds", "rdata", "sqlite", "db", "nc", "jsonl",
    ];
    let lower = path.to_ascii_lowercase();
    let in_data = lower.split('/').rev().skip(1).any(|d| d == "data");
    let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    in_data || EXT.contains(&ext)
}

/// A notebook by its path: `.ipynb`, outside Jupyter's `.ipynb_checkpoints` copies.
pub fn is_notebook(path: &str) -> bool {
    path.to_ascii_lowercase().ends_with(".ipynb")
        && !path.split('/').any(|d| d == ".ipynb_checkpoints")
}

/// A changed file: path, old blob, new blob.
type Changed = (String, Option<Oid>, Option<Oid>);

impl Project {
    /// Every commit of the ref's history newest first (as [`Project::walk`]), with the
    /// notebooks, environment and data files it changed against its first parent. `each`
    /// returns false to stop.
    pub fn walk_changes(
        &self,
        mut each: impl FnMut(CommitChanges) -> bool,
    ) -> Result<WalkStats, RepoError> {
        let repo = self.repo();
        let mut failed: Option<RepoError> = None;
        let mut stats = self.walk_commits(|commit| match changes_of(repo, commit) {
            Ok(c) => each(c),
            Err(e) => {
                failed = Some(e);
                false
            }
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
        stats.records = stats.commits;
        Ok(stats)
    }

    /// Whether the ref's tree holds a notebook anywhere (a first look for choosing the source;
    /// the history may hold notebooks the tip no longer does).
    pub fn has_notebooks_at_tip(&self) -> bool {
        let Ok(tree) = self.repo().find_commit(self.tip).and_then(|c| c.tree()) else {
            return false;
        };
        let mut found = false;
        let _ = tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
            let name = entry.name().unwrap_or("");
            if entry.kind() == Some(ObjectType::Blob) && is_notebook(&format!("{dir}{name}")) {
                found = true;
                return git2::TreeWalkResult::Abort;
            }
            git2::TreeWalkResult::Ok
        });
        found
    }
}

/// What one commit changed.
pub fn changes_of(repo: &Repository, commit: &Commit) -> Result<CommitChanges, RepoError> {
    let tree = commit
        .tree()
        .map_err(|e| RepoError::git(format!("reading the tree of {}", commit.id()), e))?;
    // A parent that cannot be read (a shallow clone's edge) counts as none: its files all
    // show as added, as `git log` shows them.
    let parent_tree = commit.parent(0).ok().and_then(|p| p.tree().ok());
    let mut changed: Vec<Changed> = Vec::new();
    compare(repo, parent_tree.as_ref(), Some(&tree), "", &mut changed, 0);
    changed.sort();
    let mut out = CommitChanges {
        commit: commit.id(),
        parents: commit.parent_ids().collect(),
        time: commit.time().seconds(),
        tz_minutes: commit.time().offset_minutes(),
        author: String::from_utf8_lossy(commit.author().name_bytes()).into_owned(),
        email: String::from_utf8_lossy(commit.author().email_bytes()).into_owned(),
        message: String::from_utf8_lossy(commit.message_raw_bytes()).into_owned(),
        notebooks: Vec::new(),
        env_files: Vec::new(),
        data_files: Vec::new(),
        other_files: 0,
    };
    let (mut gone, mut come) = (Vec::new(), Vec::new());
    for (path, old, new) in changed {
        if is_notebook(&path) {
            match (old, new) {
                (Some(o), None) => gone.push((path, o)),
                (None, Some(n)) => come.push((path, n)),
                _ => out.notebooks.push(NotebookChange {
                    path,
                    old_path: None,
                    old_blob: old,
                    new_blob: new,
                }),
            }
        } else if is_env_file(&path) {
            out.env_files.push(path);
        } else if is_data_file(&path) {
            out.data_files.push(path);
        } else {
            out.other_files += 1;
        }
    }
    pair_renames(repo, gone, come, &mut out.notebooks);
    out.notebooks.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Subtrees deeper than this are not followed (a tree nested thousands deep is an attack, not
/// a project).
const MAX_DEPTH: usize = 64;

/// Collects the blobs that differ between two trees, stepping over equal subtrees.
fn compare(
    repo: &Repository,
    old: Option<&Tree>,
    new: Option<&Tree>,
    prefix: &str,
    out: &mut Vec<Changed>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    // Both trees' entries are sorted the same way (git's order), so one merge pass pairs them.
    let entries = |t: Option<&Tree>| -> Vec<(Vec<u8>, Oid, Option<ObjectType>, i32)> {
        t.map(|t| {
            t.iter()
                .map(|e| (e.name_bytes().to_vec(), e.id(), e.kind(), e.filemode()))
                .collect()
        })
        .unwrap_or_default()
    };
    let (mut a, mut b) = (entries(old), entries(new));
    a.sort_by(|x, y| x.0.cmp(&y.0));
    b.sort_by(|x, y| x.0.cmp(&y.0));
    let (mut i, mut j) = (0, 0);
    loop {
        let (x, y) = (a.get(i), b.get(j));
        let (old_e, new_e) = match (x, y) {
            (None, None) => break,
            (Some(x), None) => {
                i += 1;
                (Some(x), None)
            }
            (None, Some(y)) => {
                j += 1;
                (None, Some(y))
            }
            (Some(x), Some(y)) => match x.0.cmp(&y.0) {
                std::cmp::Ordering::Less => {
                    i += 1;
                    (Some(x), None)
                }
                std::cmp::Ordering::Greater => {
                    j += 1;
                    (None, Some(y))
                }
                std::cmp::Ordering::Equal => {
                    i += 1;
                    j += 1;
                    (Some(x), Some(y))
                }
            },
        };
        if let (Some(x), Some(y)) = (old_e, new_e)
            && x.1 == y.1
            && x.2 == y.2
        {
            continue;
        }
        let name = String::from_utf8_lossy(
            old_e
                .map(|e| e.0.as_slice())
                .or(new_e.map(|e| e.0.as_slice()))
                .unwrap_or_default(),
        )
        .into_owned();
        let path = format!("{prefix}{name}");
        let tree_of = |e: Option<&(Vec<u8>, Oid, Option<ObjectType>, i32)>| {
            e.filter(|e| e.2 == Some(ObjectType::Tree))
                .and_then(|e| repo.find_tree(e.1).ok())
        };
        // Gitlinks (submodules, mode 160000) are commits of another repository: not files.
        let blob_of = |e: Option<&(Vec<u8>, Oid, Option<ObjectType>, i32)>| {
            e.filter(|e| e.2 == Some(ObjectType::Blob) && e.3 != 0o160000)
                .map(|e| e.1)
        };
        let (ot, nt) = (tree_of(old_e), tree_of(new_e));
        if ot.is_some() || nt.is_some() {
            compare(
                repo,
                ot.as_ref(),
                nt.as_ref(),
                &format!("{path}/"),
                out,
                depth + 1,
            );
        }
        let (ob, nb) = (blob_of(old_e), blob_of(new_e));
        if ob.is_some() || nb.is_some() {
            out.push((path, ob, nb));
        }
    }
}

/// Notebooks deleted and added in one commit that are one notebook moved: the same blob, else
/// most of the added one's cell sources found in the deleted one. The rest stay deletions and
/// additions.
fn pair_renames(
    repo: &Repository,
    mut gone: Vec<(String, Oid)>,
    come: Vec<(String, Oid)>,
    out: &mut Vec<NotebookChange>,
) {
    let mut unpaired = Vec::new();
    for (path, new) in come {
        let same = gone.iter().position(|(_, o)| *o == new);
        match same {
            Some(k) => {
                let (old_path, old) = gone.remove(k);
                out.push(NotebookChange {
                    path,
                    old_path: Some(old_path),
                    old_blob: Some(old),
                    new_blob: Some(new),
                });
            }
            None => unpaired.push((path, new)),
        }
    }
    // Content: only when both sides are left, and a few of each (a commit moving a folder of
    // notebooks while editing them); each candidate costs reading two blobs' sources.
    if !gone.is_empty() && !unpaired.is_empty() && gone.len() * unpaired.len() <= 400 {
        let sources = |id: Oid| -> Vec<String> {
            repo.find_blob(id)
                .ok()
                .and_then(|b| {
                    crate::notebook::read(b.content(), crate::notebook::Parts::Sources).ok()
                })
                .map(|nb| {
                    nb.cells
                        .into_iter()
                        .map(|c| crate::notebook::normalize(&c.source))
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default()
        };
        let olds: Vec<Vec<String>> = gone.iter().map(|(_, o)| sources(*o)).collect();
        let mut scored: Vec<(usize, usize, usize)> = Vec::new();
        for (k, (_, new)) in unpaired.iter().enumerate() {
            let ns = sources(*new);
            if ns.is_empty() {
                continue;
            }
            for (g, os) in olds.iter().enumerate() {
                let shared = ns.iter().filter(|s| os.contains(s)).count();
                if shared * 2 >= ns.len().max(os.len()) && shared > 0 {
                    scored.push((shared, g, k));
                }
            }
        }
        scored.sort_by(|a, b| b.0.cmp(&a.0).then((a.1, a.2).cmp(&(b.1, b.2))));
        let (mut used_g, mut used_k) = (vec![false; gone.len()], vec![false; unpaired.len()]);
        for (_, g, k) in scored {
            if used_g.get(g).copied().unwrap_or(true) || used_k.get(k).copied().unwrap_or(true) {
                continue;
            }
            if let (Some((op, ob)), Some((np, nb))) = (gone.get(g), unpaired.get(k)) {
                out.push(NotebookChange {
                    path: np.clone(),
                    old_path: Some(op.clone()),
                    old_blob: Some(*ob),
                    new_blob: Some(*nb),
                });
                if let Some(u) = used_g.get_mut(g) {
                    *u = true;
                }
                if let Some(u) = used_k.get_mut(k) {
                    *u = true;
                }
            }
        }
        let gone_left: Vec<_> = gone
            .into_iter()
            .zip(&used_g)
            .filter(|(_, u)| !**u)
            .map(|(g, _)| g)
            .collect();
        let come_left: Vec<_> = unpaired
            .into_iter()
            .zip(&used_k)
            .filter(|(_, u)| !**u)
            .map(|(c, _)| c)
            .collect();
        gone = gone_left;
        unpaired = come_left;
    }
    for (path, old) in gone {
        out.push(NotebookChange {
            path,
            old_path: None,
            old_blob: Some(old),
            new_blob: None,
        });
    }
    for (path, new) in unpaired {
        out.push(NotebookChange {
            path,
            old_path: None,
            old_blob: None,
            new_blob: Some(new),
        });
    }
}
