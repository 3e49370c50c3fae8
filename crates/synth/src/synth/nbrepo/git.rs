//! The repository on disk: the tracked files as a path → blob map, nested trees built from it on every commit, commits on `refs/heads/main`.

use std::collections::BTreeMap;
use std::path::Path;

use git2::{Oid, Repository, RepositoryInitOptions, Signature, Time};

use crate::synth::writer::SynthError;

pub(super) const BRANCH: &str = "refs/heads/main";

pub(super) struct Git {
    repo: Repository,
    files: BTreeMap<String, Oid>,
    head: Option<Oid>,
}

impl Git {
    pub(super) fn init(dir: &Path) -> Result<Self, SynthError> {
        let mut opts = RepositoryInitOptions::new();
        opts.initial_head("main");
        let repo = Repository::init_opts(dir, &opts)?;
        Ok(Git {
            repo,
            files: BTreeMap::new(),
            head: None,
        })
    }

    pub(super) fn put(&mut self, path: &str, bytes: &[u8]) -> Result<Oid, SynthError> {
        let oid = self.repo.blob(bytes)?;
        self.files.insert(path.to_string(), oid);
        Ok(oid)
    }

    /// `git mv`: the same blob under the new name.
    pub(super) fn rename(&mut self, from: &str, to: &str) {
        if let Some(oid) = self.files.remove(from) {
            self.files.insert(to.to_string(), oid);
        }
    }

    pub(super) fn remove(&mut self, path: &str) {
        self.files.remove(path);
    }

    pub(super) fn has(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }

    /// Leaves the last commit checked out, so that the directory looks like
    /// a clone (the objects alone decide what a reader sees).
    pub(super) fn checkout(&self) -> Result<(), SynthError> {
        if self.head.is_some() {
            let mut opts = git2::build::CheckoutBuilder::new();
            opts.force();
            self.repo.checkout_head(Some(&mut opts))?;
        }
        Ok(())
    }

    /// Commits the tracked files; returns the commit and its parents.
    pub(super) fn commit(
        &mut self,
        name: &str,
        email: &str,
        time: i64,
        offset_minutes: i32,
        message: &str,
    ) -> Result<(Oid, Vec<Oid>), SynthError> {
        let entries: Vec<(&str, Oid)> = self.files.iter().map(|(p, o)| (p.as_str(), *o)).collect();
        let tree = self.repo.find_tree(self.tree(&entries)?)?;
        let when = Time::new(time, offset_minutes);
        let author = Signature::new(name, email, &when)?;
        // Committed a few seconds after the edit was done, as `git commit` is.
        let committer = Signature::new(name, email, &Time::new(time + 7, offset_minutes))?;
        let parents: Vec<git2::Commit<'_>> = match self.head {
            Some(h) => vec![self.repo.find_commit(h)?],
            None => Vec::new(),
        };
        let refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
        let oid = self
            .repo
            .commit(Some(BRANCH), &author, &committer, message, &tree, &refs)?;
        let parent_ids = parents.iter().map(git2::Commit::id).collect();
        self.head = Some(oid);
        Ok((oid, parent_ids))
    }

    /// A tree of sorted `(path, blob)` entries, subdirectories first built
    /// from the entries that share their first component.
    fn tree(&self, entries: &[(&str, Oid)]) -> Result<Oid, SynthError> {
        let mut b = self.repo.treebuilder(None)?;
        let mut i = 0;
        while i < entries.len() {
            let (path, oid) = entries[i];
            match path.split_once('/') {
                None => {
                    b.insert(path, oid, 0o100_644)?;
                    i += 1;
                }
                Some((dir, _)) => {
                    let mut sub = Vec::new();
                    while i < entries.len() {
                        match entries[i].0.split_once('/') {
                            Some((d, rest)) if d == dir => sub.push((rest, entries[i].1)),
                            _ => break,
                        }
                        i += 1;
                    }
                    let t = self.tree(&sub)?;
                    b.insert(dir, t, 0o040_000)?;
                }
            }
        }
        Ok(b.write()?)
    }
}
