//! The branches a project's history can be read from, for the branch picker.

use git2::{BranchType, Oid};

use super::{Project, RepoError};

/// A local or remote branch and its newest commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BranchInfo {
    /// As `--rev` takes it: `master`, `gm.workspace-alice`, `origin/master`.
    pub name: String,
    pub remote: bool,
    pub tip: Oid,
    /// Commit time of the tip, unix seconds.
    pub time: i64,
    pub author: String,
}

impl BranchInfo {
    /// Gigantum's per-user branches, `gm.workspace-<user>`.
    pub fn is_workspace(&self) -> bool {
        self.name
            .rsplit('/')
            .next()
            .is_some_and(|n| n.starts_with("gm.workspace"))
    }
}

impl Project {
    /// The branch `HEAD` names, when it names one.
    pub fn head_branch(&self) -> Option<String> {
        let head = self.repo().head().ok()?;
        if !head.is_branch() {
            return None;
        }
        head.shorthand().ok().map(str::to_string)
    }

    /// Local and remote branches: workspace branches first, then other
    /// local ones, then remote ones; newest first within each.
    pub fn branches(&self) -> Result<Vec<BranchInfo>, RepoError> {
        let repo = self.repo();
        let iter = repo
            .branches(None)
            .map_err(|e| RepoError::git("listing branches", e))?;
        let mut out = Vec::new();
        for b in iter {
            let Ok((branch, kind)) = b else { continue };
            let Ok(Some(name)) = branch.name() else {
                continue;
            };
            // `origin/HEAD` only points at another remote branch.
            if name.ends_with("/HEAD") {
                continue;
            }
            let Ok(commit) = branch.get().peel_to_commit() else {
                continue;
            };
            out.push(BranchInfo {
                name: name.to_string(),
                remote: kind == BranchType::Remote,
                tip: commit.id(),
                time: commit.time().seconds(),
                author: String::from_utf8_lossy(commit.author().name_bytes()).into_owned(),
            });
        }
        out.sort_by(|a, b| {
            (
                !a.is_workspace(),
                a.remote,
                std::cmp::Reverse(a.time),
                &a.name,
            )
                .cmp(&(
                    !b.is_workspace(),
                    b.remote,
                    std::cmp::Reverse(b.time),
                    &b.name,
                ))
        });
        Ok(out)
    }
}
