//! Branches: creating one from the current state, checking one out, and merging one into the current branch.

use std::collections::HashMap;

use git2::Oid;

use super::tree::{Dir, merge_dir};
use super::{LOG_DIR, ProjectWriter, SynthError};

#[derive(Debug, Clone, Default)]
pub(super) struct Branch {
    pub(super) head: Option<Oid>,
    pub(super) work: Dir,
    /// Files changed since the last commit on this branch.
    pub(super) dirty: bool,
    /// Current file number per family (a cache of the highest `_<N>` in `work`).
    pub(super) log_tip: HashMap<String, u32>,
}

impl Branch {
    pub(super) fn tip(&mut self, family: &str) -> u32 {
        if let Some(n) = self.log_tip.get(family) {
            return *n;
        }
        let prefix = format!("{family}_");
        let n = self
            .work
            .dir(LOG_DIR)
            .map(|d| {
                d.entries
                    .keys()
                    .filter_map(|k| k.strip_prefix(&prefix)?.parse::<u32>().ok())
                    .max()
                    .unwrap_or(0)
            })
            .unwrap_or(0);
        self.log_tip.insert(family.to_string(), n);
        n
    }
}

impl ProjectWriter {
    /// Creates branch `name` at the current commit with a copy of the current
    /// files (staged changes too); stays on the current branch.
    pub fn branch(&mut self, name: &str) {
        if self.branches.contains_key(name) {
            return self.fail(SynthError::BranchExists(name.to_string()));
        }
        let Some(cur) = self.branches.get_mut(&self.current) else {
            return self.fail(SynthError::UnknownBranch(self.current.clone()));
        };
        cur.work.write(&mut self.pack);
        let copy = cur.clone();
        let base = copy.work.snapshot();
        self.bases.insert(pair(&self.current, name), base);
        self.branches.insert(name.to_string(), copy);
    }

    /// Makes `name` the current branch. Staged changes stay with the branch they were made on.
    pub fn checkout(&mut self, name: &str) {
        if self.branches.contains_key(name) {
            self.current = name.to_string();
        } else {
            self.fail(SynthError::UnknownBranch(name.to_string()));
        }
    }

    /// Merges branch `from` into the current branch with a two-parent commit
    /// (current head first). Files are merged three-way against the branches'
    /// last common state: a side that changed a file wins; when both changed
    /// it, a log file that extends the other wins, otherwise `from`'s version.
    pub fn merge(&mut self, from: &str, message: &str) -> Oid {
        let into = self.current.clone();
        let why = if from == into {
            Some("a branch cannot be merged into itself")
        } else if !self.branches.contains_key(from) {
            Some("no such branch")
        } else if self.head_of(from).is_none() {
            Some("it has no commit")
        } else if self.head().is_none() {
            Some("the current branch has no commit")
        } else {
            None
        };
        if let Some(why) = why {
            self.fail(SynthError::Merge {
                from: from.to_string(),
                into,
                why: why.to_string(),
            });
            return Oid::ZERO_SHA1;
        }
        let mut theirs = Dir::default();
        let mut theirs_head = None;
        if let Some(b) = self.branches.get_mut(from) {
            b.work.write(&mut self.pack);
            theirs = b.work.clone();
            theirs_head = b.head;
        }
        let key = pair(&into, from);
        let base = self.bases.remove(&key);
        if let Some(b) = self.branches.get_mut(&into) {
            b.work.write(&mut self.pack);
            merge_dir(&mut b.work, &theirs, base.as_ref());
            b.log_tip.clear();
            b.dirty = true;
        }
        self.bases.insert(key, theirs.snapshot());
        let id = self.commit_work(message.as_bytes(), theirs_head);
        self.now += 1;
        id
    }
}

fn pair(a: &str, b: &str) -> (String, String) {
    if a <= b {
        (a.to_string(), b.to_string())
    } else {
        (b.to_string(), a.to_string())
    }
}
