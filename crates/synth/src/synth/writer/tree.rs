//! The in-memory work tree (files, directories, cached tree ids) and the three-way merge of two of them.

use std::collections::BTreeMap;
use std::sync::Arc;

use git2::Oid;

use crate::synth::pack::{EntryMode, PackWriter};

/// A file of the work tree.
#[derive(Debug, Clone)]
pub(super) struct FileEntry {
    /// Blob id; `None` while the content has changed since it was last hashed.
    pub(super) id: Option<Oid>,
    /// The last blob written for this path (the delta base of the next log version).
    pub(super) last: Option<Oid>,
    pub(super) mode: EntryMode,
    /// Content; dropped for log files that were rotated away.
    pub(super) data: Option<Arc<Vec<u8>>>,
    /// An append-only log file: stored as a delta of its previous version.
    pub(super) log: bool,
}

impl FileEntry {
    pub(super) fn new(log: bool) -> Self {
        FileEntry {
            id: None,
            last: None,
            mode: EntryMode::File,
            data: Some(Arc::new(Vec::new())),
            log,
        }
    }

    pub(super) fn blob(&mut self, pack: &mut PackWriter) -> Oid {
        if let Some(id) = self.id {
            return id;
        }
        let empty = Vec::new();
        let data = self.data.as_deref().unwrap_or(&empty);
        let base = if self.log { self.last } else { None };
        let id = pack.blob(data, base);
        self.id = Some(id);
        self.last = Some(id);
        id
    }

    pub(super) fn len(&self) -> Option<usize> {
        self.data.as_ref().map(|d| d.len())
    }

    pub(super) fn append(&mut self, bytes: &[u8]) {
        Arc::make_mut(self.data.get_or_insert_with(Default::default)).extend_from_slice(bytes);
        self.id = None;
    }
}

#[derive(Debug, Clone)]
pub(super) enum Node {
    File(FileEntry),
    Dir(Dir),
}

/// A directory of the work tree with its tree id cached until something below changes.
#[derive(Debug, Clone, Default)]
pub(super) struct Dir {
    pub(super) entries: BTreeMap<String, Node>,
    pub(super) id: Option<Oid>,
    /// The tree this directory was last written as: the next version is
    /// stored as a delta against it (or its base) where that pays.
    pub(super) last: Option<Oid>,
    /// The entries as last written, reused so that rewriting a large
    /// directory (the log directory) allocates nothing.
    pub(super) listing: Vec<(String, EntryMode, Oid)>,
}

impl Dir {
    pub(super) fn file(&self, path: &str) -> Option<&FileEntry> {
        match path.split_once('/') {
            Some((head, rest)) => match self.entries.get(head)? {
                Node::Dir(d) => d.file(rest),
                Node::File(_) => None,
            },
            None => match self.entries.get(path)? {
                Node::File(f) => Some(f),
                Node::Dir(_) => None,
            },
        }
    }

    pub(super) fn dir(&self, path: &str) -> Option<&Dir> {
        let mut d = self;
        for part in path.split('/') {
            match d.entries.get(part)? {
                Node::Dir(sub) => d = sub,
                Node::File(_) => return None,
            }
        }
        Some(d)
    }

    /// The file at `path` for changing it (creating it, and its directories,
    /// when `create`); drops the cached ids on the way.
    pub(super) fn file_mut(&mut self, path: &str, create: Option<bool>) -> Option<&mut FileEntry> {
        self.id = None;
        match path.split_once('/') {
            Some((head, rest)) => {
                if create.is_some() && !self.entries.contains_key(head) {
                    self.entries
                        .insert(head.to_string(), Node::Dir(Dir::default()));
                }
                match self.entries.get_mut(head)? {
                    Node::Dir(d) => d.file_mut(rest, create),
                    Node::File(_) => None,
                }
            }
            None => {
                if let Some(log) = create
                    && !self.entries.contains_key(path)
                {
                    self.entries
                        .insert(path.to_string(), Node::File(FileEntry::new(log)));
                }
                match self.entries.get_mut(path)? {
                    Node::File(f) => Some(f),
                    Node::Dir(_) => None,
                }
            }
        }
    }

    /// Removes a file and the directories it leaves empty; false when it was not there.
    pub(super) fn remove(&mut self, path: &str) -> bool {
        let removed = match path.split_once('/') {
            Some((head, rest)) => {
                let Some(Node::Dir(d)) = self.entries.get_mut(head) else {
                    return false;
                };
                let removed = d.remove(rest);
                if d.entries.is_empty() {
                    self.entries.remove(head);
                }
                removed
            }
            None => {
                matches!(self.entries.get(path), Some(Node::File(_)))
                    && self.entries.remove(path).is_some()
            }
        };
        if removed {
            self.id = None;
        }
        removed
    }

    pub(super) fn write(&mut self, pack: &mut PackWriter) -> Oid {
        if let Some(id) = self.id {
            return id;
        }
        // Same names in the same order as last time: only the ids change.
        let mut same = self.listing.len() == self.entries.len();
        if same {
            for ((name, node), slot) in self.entries.iter_mut().zip(self.listing.iter_mut()) {
                if *name != slot.0 {
                    same = false;
                    break;
                }
                match node {
                    Node::File(f) => {
                        slot.1 = f.mode;
                        slot.2 = f.blob(pack);
                    }
                    Node::Dir(d) if d.entries.is_empty() => {
                        same = false;
                        break;
                    }
                    Node::Dir(d) => slot.2 = d.write(pack),
                }
            }
        }
        if !same {
            self.listing.clear();
            for (name, node) in &mut self.entries {
                match node {
                    Node::File(f) => self.listing.push((name.clone(), f.mode, f.blob(pack))),
                    Node::Dir(d) if d.entries.is_empty() => {}
                    Node::Dir(d) => {
                        self.listing
                            .push((name.clone(), EntryMode::Tree, d.write(pack)))
                    }
                }
            }
        }
        let id = pack.tree_like(&self.listing, self.last);
        self.id = Some(id);
        self.last = Some(id);
        id
    }

    /// A copy with ids only (no file contents), as a merge base.
    pub(super) fn snapshot(&self) -> Dir {
        let entries = self
            .entries
            .iter()
            .map(|(name, node)| {
                let node = match node {
                    Node::File(f) => Node::File(FileEntry {
                        data: None,
                        ..f.clone()
                    }),
                    Node::Dir(d) => Node::Dir(d.snapshot()),
                };
                (name.clone(), node)
            })
            .collect();
        Dir {
            entries,
            id: self.id,
            last: self.last,
            listing: Vec::new(),
        }
    }
}

/// Kind and id of a written node.
fn node_id(node: Option<&Node>) -> Option<(bool, Option<Oid>)> {
    node.map(|n| match n {
        Node::File(f) => (false, f.id),
        Node::Dir(d) => (true, d.id),
    })
}

/// Three-way merge of written directories into `ours`: a side that changed
/// a path wins; when both changed it, directories merge recursively, a log
/// file that extends the other wins, otherwise `theirs` wins.
pub(super) fn merge_dir(ours: &mut Dir, theirs: &Dir, base: Option<&Dir>) {
    let b = base.and_then(|b| b.id);
    if ours.id == theirs.id || theirs.id == b {
        return;
    }
    if ours.id == b {
        *ours = theirs.clone();
        return;
    }
    let mut names: Vec<String> = ours
        .entries
        .keys()
        .chain(theirs.entries.keys())
        .cloned()
        .collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        let bn = base.and_then(|b| b.entries.get(&name));
        let tn = theirs.entries.get(&name);
        let (o, t, b) = (node_id(ours.entries.get(&name)), node_id(tn), node_id(bn));
        if o == t || t == b {
            continue;
        }
        let take_theirs = if o == b {
            true
        } else {
            match (ours.entries.get_mut(&name), tn) {
                (Some(Node::Dir(od)), Some(Node::Dir(td))) => {
                    let bd = match bn {
                        Some(Node::Dir(bd)) => Some(bd),
                        _ => None,
                    };
                    merge_dir(od, td, bd);
                    false
                }
                (Some(Node::File(of)), Some(Node::File(tf))) => {
                    !matches!((of.data.as_deref(), tf.data.as_deref()),
                        (Some(od), Some(td)) if of.log && od.len() > td.len() && od.starts_with(td))
                }
                _ => true,
            }
        };
        if take_theirs {
            match tn {
                Some(node) => {
                    ours.entries.insert(name, node.clone());
                }
                None => {
                    ours.entries.remove(&name);
                }
            }
        }
    }
    ours.id = None;
}
