//! Detail objects read on demand from the log files in the repository, each blob read once.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;

use git2::{Blob, Oid, Repository};

use super::LOG_DIR;
use crate::activity::detail::{DetailError, decode_value, value_at};
use crate::activity::{Detail, DetailKey, DetailRef};

/// Reads detail objects by key. Log blobs are looked up in the tree of the
/// ref's commit first (its log files hold every earlier append), then in the
/// activity commit's own tree (a record from another branch or a rotated-away
/// file); each blob is read once and kept.
pub struct DetailStore<'r> {
    repo: &'r Repository,
    tip: Oid,
    /// Log file name → blob id, per commit whose tree was listed.
    listings: RefCell<HashMap<Oid, Rc<HashMap<String, Oid>>>>,
    blobs: RefCell<HashMap<Oid, Rc<Blob<'r>>>>,
}

impl<'r> DetailStore<'r> {
    pub fn new(repo: &'r Repository, tip: Oid) -> Self {
        DetailStore {
            repo,
            tip,
            listings: RefCell::default(),
            blobs: RefCell::default(),
        }
    }

    /// Decodes one detail of the record in `activity_commit`. Never fails:
    /// problems become errors on the returned detail, naming where.
    pub fn detail(&self, activity_commit: Oid, line: &DetailRef) -> Detail {
        let mut detail = match DetailKey::parse(&line.key) {
            Err(e) => Detail::failed(DetailError::Key(e)),
            Ok(key) => self
                .with_value(activity_commit, &key, decode_value)
                .unwrap_or_else(Detail::failed),
        };
        if let Some(e) = &line.error {
            detail.errors.insert(0, e.clone());
        }
        detail
    }

    /// Every detail of a record, decoded, in line order.
    pub fn record_details(&self, row: &super::RecordRow) -> Vec<Detail> {
        row.record
            .details
            .iter()
            .map(|line| self.detail(row.commit, line))
            .collect()
    }

    /// The raw value bytes of a key.
    pub fn value(&self, activity_commit: Oid, key: &DetailKey) -> Result<Vec<u8>, DetailError> {
        self.with_value(activity_commit, key, <[u8]>::to_vec)
    }

    /// Calls `f` on the value bytes of a key, read in place from the cached blob.
    pub fn with_value<T>(
        &self,
        activity_commit: Oid,
        key: &DetailKey,
        f: impl FnOnce(&[u8]) -> T,
    ) -> Result<T, DetailError> {
        let name = key.file_name();
        let first = match self.file(self.tip, &name) {
            Some(blob) => match value_at(blob.content(), key) {
                Ok(v) => return Ok(f(v)),
                Err(e) => Some(e),
            },
            None => None,
        };
        if activity_commit != self.tip
            && let Some(blob) = self.file(activity_commit, &name)
        {
            return value_at(blob.content(), key).map(f);
        }
        Err(first.unwrap_or_else(|| {
            DetailError::MissingFile(format!(
                "{LOG_DIR}/{name} (looked in {} and in the record's commit {})",
                super::short_id(self.tip),
                super::short_id(activity_commit)
            ))
        }))
    }

    fn file(&self, commit: Oid, name: &str) -> Option<Rc<Blob<'r>>> {
        let listing = self.listing(commit)?;
        let id = *listing.get(name)?;
        if let Some(b) = self.blobs.borrow().get(&id) {
            return Some(Rc::clone(b));
        }
        let blob = Rc::new(self.repo.find_blob(id).ok()?);
        self.blobs.borrow_mut().insert(id, Rc::clone(&blob));
        Some(blob)
    }

    fn listing(&self, commit: Oid) -> Option<Rc<HashMap<String, Oid>>> {
        if let Some(l) = self.listings.borrow().get(&commit) {
            return Some(Rc::clone(l));
        }
        let tree = self.repo.find_commit(commit).ok()?.tree().ok()?;
        let mut files = HashMap::new();
        if let Ok(entry) = tree.get_path(Path::new(LOG_DIR))
            && let Ok(dir) = self.repo.find_tree(entry.id())
        {
            for e in dir.iter() {
                if let Ok(n) = e.name()
                    && e.kind() == Some(git2::ObjectType::Blob)
                {
                    files.insert(n.to_string(), e.id());
                }
            }
        }
        let files = Rc::new(files);
        self.listings.borrow_mut().insert(commit, Rc::clone(&files));
        Some(files)
    }
}
