//! Trees: adding them whole or as a delta against an earlier version of the same directory, and the whole trees kept as delta bases.

use git2::{ObjectType, Oid};

use super::delta::encode_tree_delta;
use super::encode::{entry_header, ofs_delta_offset, tree_order};
use super::{
    EntryMode, OBJ_OFS_DELTA, OBJ_TREE, PackWriter, TREE_BASE_BUDGET, TREE_BASE_OVERHEAD,
    TREE_DELTA_LIMIT,
};

impl PackWriter {
    /// Adds a tree from `(name, mode, id)` entries in any order; sorts them the way
    /// git does (trees compare as if their name ends with `/`). Stored whole.
    ///
    /// Names are written as given; they should be non-empty, unique and free of
    /// `/` and NUL, or git will reject the tree.
    pub fn tree(&mut self, entries: &[(String, EntryMode, Oid)]) -> Oid {
        self.tree_like(entries, None)
    }

    /// Adds a tree like [`tree`](Self::tree) does; with `like` = `Some(id)` of
    /// a tree added earlier that this one probably shares most entries with
    /// (the same directory's previous version), it may be stored as a delta
    /// (see [`PackWriter`]). Any `like` gives a correct pack: one that is not
    /// a tree of this writer, was stored too long ago (its base is no longer
    /// kept) or differs too much only means the tree is stored whole.
    pub fn tree_like(&mut self, entries: &[(String, EntryMode, Oid)], like: Option<Oid>) -> Oid {
        let mut sorted: Vec<&(String, EntryMode, Oid)> = entries.iter().collect();
        sorted.sort_by(|a, b| {
            tree_order(
                a.0.as_bytes(),
                a.1 == EntryMode::Tree,
                b.0.as_bytes(),
                b.1 == EntryMode::Tree,
            )
        });
        let mut body = Vec::with_capacity(entries.len() * 48);
        for (name, mode, id) in sorted {
            body.extend_from_slice(mode.octal());
            body.push(b' ');
            body.extend_from_slice(name.as_bytes());
            body.push(0);
            body.extend_from_slice(id.as_bytes());
        }
        let id = self.hash(ObjectType::Tree, &body);
        if !self.ids.insert(id) {
            return id;
        }
        // A tree stored as a delta leads to its base: every version is
        // stored against a whole one, so reading any takes one delta.
        let base = like.map(|l| self.tree_delta_base.get(&l).copied().unwrap_or(l));
        let mut delta = std::mem::take(&mut self.scratch);
        delta.clear();
        let against = base.and_then(|b| {
            let kept = self.tree_bases.get_mut(&b)?;
            // A directory drifts from its base, so its deltas grow; once they
            // add up to the base's size, storing this version whole and
            // making it the new base is cheaper from here on (the classic
            // rule that keeps the bytes a version costs near the least).
            let pays = encode_tree_delta(&mut delta, &kept.body, &body)
                && delta.len() < body.len()
                && kept.spent + delta.len() <= kept.body.len();
            if pays {
                kept.spent += delta.len();
            }
            pays.then_some((b, kept.offset))
        });
        match against {
            Some((base, base_offset)) => {
                let offset = self.spool.position();
                let mut header = Vec::with_capacity(24);
                entry_header(&mut header, OBJ_OFS_DELTA, delta.len() as u64);
                ofs_delta_offset(&mut header, offset - base_offset);
                self.write_entry(id, &header, &delta);
                self.remember_tree_delta(id, base);
            }
            None => {
                let offset = self.spool.position();
                let mut header = Vec::with_capacity(16);
                entry_header(&mut header, OBJ_TREE, body.len() as u64);
                self.write_entry(id, &header, &body);
                self.keep_tree_base(id, offset, body);
            }
        }
        self.scratch = delta;
        id
    }

    /// Keeps a tree just stored whole at `offset` as a base for later
    /// versions, dropping the oldest kept ones beyond the budget.
    pub(super) fn keep_tree_base(&mut self, id: Oid, offset: u64, body: Vec<u8>) {
        if self.error.is_some() {
            // Nothing was written: `offset` holds no entry.
            return;
        }
        self.tree_base_bytes += TREE_BASE_OVERHEAD + body.len();
        self.tree_bases.insert(
            id,
            TreeBase {
                offset,
                body,
                spent: 0,
            },
        );
        self.tree_base_order.push_back(id);
        while self.tree_base_bytes > TREE_BASE_BUDGET {
            let Some(oldest) = self.tree_base_order.pop_front() else {
                break;
            };
            if let Some(gone) = self.tree_bases.remove(&oldest) {
                self.tree_base_bytes -= TREE_BASE_OVERHEAD + gone.body.len();
            }
        }
    }

    /// Remembers the base a tree was stored against, for the next version.
    pub(super) fn remember_tree_delta(&mut self, id: Oid, base: Oid) {
        self.tree_delta_base.insert(id, base);
        self.tree_delta_order.push_back(id);
        while self.tree_delta_order.len() > TREE_DELTA_LIMIT {
            if let Some(oldest) = self.tree_delta_order.pop_front() {
                self.tree_delta_base.remove(&oldest);
            }
        }
    }
}

/// A tree stored whole, kept as a delta base.
pub(super) struct TreeBase {
    /// Offset of its entry from the start of the pack.
    pub(super) offset: u64,
    /// Its body (what its id is the hash of, less the header).
    pub(super) body: Vec<u8>,
    /// Bytes of the deltas stored against it so far.
    pub(super) spent: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::pack::test_support::*;
    use crate::synth::pack::*;
    use git2::Repository;

    /// A directory rewritten commit after commit (one entry changing, one
    /// added now and then, one removed) is stored as deltas of depth 1
    /// against whole versions, every tree reads back, and git accepts the
    /// pack; a `like` that is unknown, a blob or unrelated costs only space.
    #[test]
    fn directory_versions_are_stored_as_deltas_of_depth_one() {
        let dir = tempfile::TempDir::new().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let mut w = PackWriter::new();
        let mut files: Vec<(String, EntryMode, Oid)> = Vec::new();
        let mut trees = Vec::new();
        let mut last = None;
        let mut parent: Vec<Oid> = Vec::new();
        for i in 0..400u32 {
            if i % 40 == 0 {
                files.push((format!("log_{}", i / 40), EntryMode::File, Oid::ZERO_SHA1));
            }
            if i == 250 {
                files.remove(3);
            }
            let current = files.len() - 1;
            files[current].2 = w.blob(format!("version {i}\n").as_bytes(), None);
            let tree = w.tree_like(&files, last);
            last = Some(tree);
            let sig = ("N", "n@example.com", 1_600_000_000 + i64::from(i), 0);
            parent = vec![w.commit(tree, &parent, sig, sig, "msg\n")];
            trees.push((tree, files.clone()));
        }
        let blob = w.blob(b"not a tree\n", None);
        files[0].2 = blob;
        let unknown = Oid::hash_object(ObjectType::Blob, b"?").unwrap();
        let odd = [
            w.tree_like(&files, Some(blob)),
            w.tree_like(&files[1..], Some(unknown)),
            w.tree_like(&[("x".into(), EntryMode::File, blob)], last),
        ];
        w.finish(&repo).unwrap();
        repo.reference("refs/heads/main", parent[0], true, "test")
            .unwrap();
        assert_fsck_clean(dir.path());
        assert!(max_chain_length(dir.path()) <= 1);
        let packed = packed_objects(dir.path());
        let deltas = trees
            .iter()
            .filter(|(t, _)| packed[t].base.is_some())
            .count();
        // A few versions are stored whole again as the directory drifts.
        assert!(deltas >= 300, "{deltas} of 400 trees stored as deltas");
        for (tree, files) in &trees {
            let read = repo.find_tree(*tree).unwrap();
            let listed: Vec<(String, Oid)> = read
                .iter()
                .map(|e| (e.name().unwrap().to_string(), e.id()))
                .collect();
            let mut expected: Vec<(String, Oid)> =
                files.iter().map(|(n, _, id)| (n.clone(), *id)).collect();
            expected.sort();
            assert_eq!(listed, expected);
        }
        for id in odd {
            assert_eq!(packed[&id].base, None);
            repo.find_tree(id).unwrap();
        }
    }
}
