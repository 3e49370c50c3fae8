//! Writing the built project to disk: the repository, the pack, loose objects, refs, `HEAD` and the checkout.

use std::path::Path;

use git2::{ObjectType, Repository};

use super::{DEFAULT_BRANCH, ProjectWriter, SynthError, Written};

impl ProjectWriter {
    /// Creates the repository at `dir` (`git init`, or `--bare`), writes the
    /// pack, one ref per branch with commits, `HEAD` → `refs/heads/master`
    /// (or the current branch when master has no commit) and, non-bare, a
    /// forced checkout of it. Changes staged but never committed are dropped.
    pub fn finish(self, dir: &Path) -> Result<Written, SynthError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        std::fs::create_dir_all(dir)?;
        let repo = if self.opts.bare {
            Repository::init_bare(dir)?
        } else {
            Repository::init(dir)?
        };
        let objects = self.pack.len();
        self.pack.finish(&repo)?;
        if !self.loose.is_empty() {
            let odb = repo.odb()?;
            for body in &self.loose {
                odb.write(ObjectType::Commit, body)?;
            }
        }
        let mut branches = Vec::new();
        for (name, b) in &self.branches {
            if let Some(head) = b.head {
                repo.reference(&format!("refs/heads/{name}"), head, true, "gtm-tui synth")?;
                branches.push((name.clone(), head));
            }
        }
        let head_branch = if self
            .branches
            .get(DEFAULT_BRANCH)
            .and_then(|b| b.head)
            .is_some()
        {
            DEFAULT_BRANCH.to_string()
        } else {
            self.current.clone()
        };
        let head = self.branches.get(&head_branch).and_then(|b| b.head);
        repo.reference_symbolic(
            "HEAD",
            &format!("refs/heads/{head_branch}"),
            true,
            "gtm-tui synth",
        )?;
        if !self.opts.bare && head.is_some() {
            repo.checkout_head(Some(git2::build::CheckoutBuilder::new().force()))?;
        }
        Ok(Written {
            path: dir.to_path_buf(),
            bare: self.opts.bare,
            records: self.records,
            raw_commits: self.raw_commits,
            families: self.families,
            branches,
            head_branch,
            head,
            commits: self.commits,
            objects,
            streaks: Vec::new(),
        })
    }
}
