//! Detail objects read on demand from the log files in the repository, the
//! blobs read lately kept for the next detail.

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
/// file). Details of neighbouring records sit in the same few log files, so
/// the blobs used last are kept, up to `BLOBS_MAX_BYTES`: a search over
/// every detail of a large history once kept every log file it had read
/// (a gigabyte at 500,000 records).
pub struct DetailStore<'r> {
    repo: &'r Repository,
    tip: Oid,
    /// Log file name → blob id, per commit whose tree was listed (the tip's
    /// always, others' while recently used).
    listings: RefCell<Recent<Rc<HashMap<String, Oid>>>>,
    blobs: RefCell<Recent<Rc<Blob<'r>>>>,
}

/// Log blob bytes a store keeps.
const BLOBS_MAX_BYTES: usize = 64 << 20;
/// Tree listings a store keeps besides the tip's.
const LISTINGS_MAX: usize = 64;

/// Values by id, the least recently used dropped beyond a total size.
struct Recent<T> {
    entries: HashMap<Oid, (T, usize, u64)>,
    size: usize,
    max: usize,
    clock: u64,
}

impl<T: Clone> Recent<T> {
    fn new(max: usize) -> Self {
        Recent {
            entries: HashMap::new(),
            size: 0,
            max,
            clock: 0,
        }
    }

    fn get(&mut self, id: &Oid) -> Option<T> {
        self.clock += 1;
        let now = self.clock;
        self.entries.get_mut(id).map(|(v, _, used)| {
            *used = now;
            v.clone()
        })
    }

    /// Keeps `value` (of `size`), dropping the least recently used others
    /// while over the limit; `keep` is never dropped.
    fn insert(&mut self, id: Oid, value: T, size: usize, keep: Option<Oid>) {
        self.clock += 1;
        self.size += size;
        if let Some((_, old, _)) = self.entries.insert(id, (value, size, self.clock)) {
            self.size -= old;
        }
        while self.size > self.max {
            let oldest = self
                .entries
                .iter()
                .filter(|(k, _)| **k != id && Some(**k) != keep)
                .min_by_key(|(_, (_, _, used))| *used)
                .map(|(k, _)| *k);
            let Some(k) = oldest else { break };
            if let Some((_, s, _)) = self.entries.remove(&k) {
                self.size -= s;
            }
        }
    }
}

impl<'r> DetailStore<'r> {
    pub fn new(repo: &'r Repository, tip: Oid) -> Self {
        DetailStore {
            repo,
            tip,
            listings: RefCell::new(Recent::new(LISTINGS_MAX)),
            blobs: RefCell::new(Recent::new(BLOBS_MAX_BYTES)),
        }
    }

    /// Decodes one detail of the record in `activity_commit`. Never fails:
    /// problems become errors on the returned detail, naming where.
    pub fn detail(&self, activity_commit: Oid, line: &DetailRef) -> Detail {
        let mut detail = match line.key.parsed() {
            Err(e) => Detail::failed(DetailError::Key(e.clone())),
            Ok(key) => self
                .with_value(activity_commit, key, decode_value)
                .unwrap_or_else(Detail::failed),
        };
        if let Some(e) = &line.error {
            detail.errors.insert(0, e.clone());
        }
        detail
    }

    /// Every detail of a record, decoded, in line order.
    pub fn record_details<'a>(&self, row: impl super::RecordView<'a>) -> Vec<Detail> {
        let commit = row.commit();
        row.details()
            .map(|line| self.detail(commit, &line))
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
            Ok(Some(blob)) => match value_at(blob.content(), key) {
                Ok(v) => return Ok(f(v)),
                Err(e) => Some(e),
            },
            Ok(None) => None,
            Err(e) => Some(e),
        };
        if activity_commit != self.tip {
            match self.file(activity_commit, &name) {
                Ok(Some(blob)) => return value_at(blob.content(), key).map(f),
                Ok(None) => {}
                Err(e) => return Err(e),
            }
        }
        Err(first.unwrap_or_else(|| {
            DetailError::MissingFile(format!(
                "{LOG_DIR}/{name} (looked in {} and in the record's commit {})",
                super::short_id(self.tip),
                super::short_id(activity_commit)
            ))
        }))
    }

    /// The log file `name` as of `commit`: `None` when the commit does not list it, an error
    /// when it does but its blob cannot be read (naming the file and the object).
    fn file(&self, commit: Oid, name: &str) -> Result<Option<Rc<Blob<'r>>>, DetailError> {
        let Some(id) = self.listing(commit).and_then(|l| l.get(name).copied()) else {
            return Ok(None);
        };
        if let Some(b) = self.blobs.borrow_mut().get(&id) {
            return Ok(Some(b));
        }
        let blob = match self.repo.find_blob(id) {
            Ok(b) => Rc::new(b),
            Err(e) => {
                let why = if e.code() == git2::ErrorCode::NotFound {
                    "is missing from the repository".to_string()
                } else {
                    format!("cannot be read: {}", e.message())
                };
                return Err(DetailError::UnreadableBlob {
                    file: format!("{LOG_DIR}/{name}"),
                    id: id.to_string(),
                    why,
                });
            }
        };
        let size = blob.size();
        self.blobs
            .borrow_mut()
            .insert(id, Rc::clone(&blob), size, None);
        Ok(Some(blob))
    }

    fn listing(&self, commit: Oid) -> Option<Rc<HashMap<String, Oid>>> {
        if let Some(l) = self.listings.borrow_mut().get(&commit) {
            return Some(l);
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
        // Counted as one each: the tip's is looked at for every detail.
        self.listings
            .borrow_mut()
            .insert(commit, Rc::clone(&files), 1, Some(self.tip));
        Some(files)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_keeps_what_was_used_last_within_its_size() {
        let id = |n: u8| Oid::from_bytes(&[n; 20]).unwrap();
        let mut r: Recent<u8> = Recent::new(10);
        r.insert(id(1), 1, 4, Some(id(1)));
        r.insert(id(2), 2, 4, Some(id(1)));
        assert_eq!(r.get(&id(2)), Some(2));
        // Over the limit: the least recently used goes, but never the kept one.
        r.insert(id(3), 3, 4, Some(id(1)));
        assert_eq!(
            (r.get(&id(1)), r.get(&id(2)), r.get(&id(3))),
            (Some(1), None, Some(3))
        );
        assert_eq!(r.size, 8);
        // A value larger than the limit is still kept (it is in use).
        r.insert(id(4), 4, 20, None);
        assert_eq!(r.get(&id(4)), Some(4));
        assert_eq!(r.get(&id(3)), None);
        // Inserting again replaces the size.
        r.insert(id(4), 5, 2, None);
        assert_eq!(
            (r.get(&id(4)), r.size),
            (Some(5), 2 + r.entries.get(&id(1)).map_or(0, |e| e.1))
        );
    }
}
