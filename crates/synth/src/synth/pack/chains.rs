//! Chains of append-only blobs held back and written out as the newest version whole, earlier ones as prefix deltas against it.

use git2::Oid;

use super::delta::encode_prefix_delta;
use super::encode::{entry_header, ofs_delta_offset};
use super::{
    CHAIN_OVERHEAD, MAX_RESTARTS, OBJ_BLOB, OBJ_OFS_DELTA, PackWriter, RETIRED_LIMIT,
    VERSION_OVERHEAD,
};

impl PackWriter {
    /// Makes the new blob `id` the newest version of the chain of `base` if it
    /// extends it, else opens a chain of its own.
    pub(super) fn add_blob(&mut self, id: Oid, data: &[u8], base: Option<Oid>) {
        let extended = base
            .filter(|b| self.chains.get(b).is_some_and(|c| extends(&c.data, data)))
            .and_then(|b| self.take_chain(&b));
        let chain = match extended {
            Some(mut chain) => {
                chain.earlier.push((chain.tip, chain.data.len()));
                // Only the appended bytes are copied.
                let start = chain.data.len();
                chain.data.extend_from_slice(&data[start..]);
                chain.tip = id;
                chain
            }
            None => Chain {
                tip: id,
                data: data.to_vec(),
                earlier: Vec::new(),
                restarts: base
                    .and_then(|b| self.retired.get(&b))
                    .map_or(0, |r| r.saturating_add(1).min(MAX_RESTARTS)),
                slot: (0, 0),
            },
        };
        self.open_chain(chain);
    }

    /// Schedules `chain` (just extended or new) and writes out chains while
    /// the open ones hold more than the budget.
    pub(super) fn open_chain(&mut self, mut chain: Chain) {
        let idle = self.idle_calls.saturating_mul(1 << chain.restarts.min(63));
        chain.slot = (self.calls.saturating_add(idle), self.calls);
        let tip = chain.tip;
        let too_big = chain.data.len() > self.budget;
        self.pending_bytes += chain.cost();
        self.schedule.insert(chain.slot, tip);
        self.chains.insert(tip, chain);
        if too_big {
            // Would push out everything else; written out at once instead.
            if let Some(chain) = self.take_chain(&tip) {
                self.write_chain(chain);
            }
        }
        while self.pending_bytes > self.budget && self.write_next_chain() {}
    }

    /// Removes the open chain whose newest version is `tip`.
    pub(super) fn take_chain(&mut self, tip: &Oid) -> Option<Chain> {
        let chain = self.chains.remove(tip)?;
        self.schedule.remove(&chain.slot);
        self.pending_bytes -= chain.cost();
        Some(chain)
    }

    /// Writes out the chain due first; false if no chain is open.
    pub(super) fn write_next_chain(&mut self) -> bool {
        let Some((_, tip)) = self.schedule.pop_first() else {
            return false;
        };
        if let Some(chain) = self.chains.remove(&tip) {
            self.pending_bytes -= chain.cost();
            self.write_chain(chain);
        }
        true
    }

    /// Writes out every open chain, in schedule order (so the pack's bytes
    /// depend only on the calls made).
    pub(super) fn write_pending(&mut self) {
        while self.write_next_chain() {}
    }

    /// Writes the entries of a chain: its newest version whole, then the earlier
    /// versions, newest first, each as an OFS_DELTA against it that copies a
    /// prefix. The base precedes its deltas, as OFS_DELTA requires.
    pub(super) fn write_chain(&mut self, chain: Chain) {
        let Chain {
            tip,
            data,
            earlier,
            restarts,
            ..
        } = chain;
        let tip_offset = self.spool.position();
        let mut header = Vec::with_capacity(24);
        entry_header(&mut header, OBJ_BLOB, data.len() as u64);
        self.write_entry(tip, &header, &data);
        let mut delta = std::mem::take(&mut self.scratch);
        for &(id, len) in earlier.iter().rev() {
            let offset = self.spool.position();
            delta.clear();
            encode_prefix_delta(&mut delta, data.len(), len, &data[..len]);
            header.clear();
            entry_header(&mut header, OBJ_OFS_DELTA, delta.len() as u64);
            ofs_delta_offset(&mut header, offset - tip_offset);
            self.write_entry(id, &header, &delta);
        }
        self.scratch = delta;

        // Remembered to notice the chain being extended again.
        if self.retired.insert(tip, restarts).is_none() {
            self.retired_order.push_back(tip);
        }
        while self.retired_order.len() > RETIRED_LIMIT {
            if let Some(oldest) = self.retired_order.pop_front() {
                self.retired.remove(&oldest);
            }
        }
    }
}

/// Versions of an append-only blob whose entries are not written yet.
pub(super) struct Chain {
    /// Id of the newest version.
    pub(super) tip: Oid,
    /// Content of the newest version; every earlier version is a prefix of it.
    pub(super) data: Vec<u8>,
    /// The earlier versions, oldest first: id and length.
    pub(super) earlier: Vec<(Oid, usize)>,
    /// How often the chain was written out and then extended again.
    pub(super) restarts: u8,
    /// Key in [`PackWriter::schedule`].
    pub(super) slot: (u64, u64),
}

impl Chain {
    /// Memory counted for the chain.
    pub(super) fn cost(&self) -> usize {
        CHAIN_OVERHEAD + self.data.capacity() + VERSION_OVERHEAD * self.earlier.len()
    }
}

/// Whether a chain whose newest content is `newest` can take `data` as its next
/// version: `newest` is a non-empty proper prefix of it, short enough for the
/// 32-bit copy offsets of the delta that will store it.
pub(super) fn extends(newest: &[u8], data: &[u8]) -> bool {
    !newest.is_empty()
        && newest.len() < data.len()
        && u32::try_from(newest.len()).is_ok()
        && data.starts_with(newest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::pack::test_support::*;
    use crate::synth::pack::*;
    use git2::Repository;
    use proptest::prelude::*;

    #[test]
    fn delta_against_base_larger_than_one_copy_op() {
        let dir = tempfile::TempDir::new().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let mut w = PackWriter::new();
        let mut data: Vec<u8> = b"0123456789abcdef".repeat((MAX_COPY + 40) / 16);
        assert!(data.len() > MAX_COPY);
        let v0 = w.blob(&data, None);
        data.extend_from_slice(b"appended after more than 16 MiB\n");
        let v1_len = data.len();
        let v1 = w.blob(&data, Some(v0));
        data.extend_from_slice(&noise(7, 300));
        let v2 = w.blob(&data, Some(v1));
        w.finish(&repo).unwrap();
        assert_eq!(repo.find_blob(v2).unwrap().content(), &data[..]);
        assert_eq!(repo.find_blob(v1).unwrap().content(), &data[..v1_len]);
        assert_eq!(v2, Oid::hash_object(ObjectType::Blob, &data).unwrap());
        // Both earlier versions copy more than one copy instruction can.
        assert_eq!(max_chain_length(dir.path()), 1);
        let packed = packed_objects(dir.path());
        assert_eq!(packed[&v2].base, None);
        assert_eq!(packed[&v1].base, Some(v2));
        assert_eq!(packed[&v0].base, Some(v2));
        assert_fsck_clean(dir.path());
    }

    /// The newest version of a long append-only chain is stored whole and reads
    /// without applying any delta; each earlier version is a depth-1 delta
    /// against it that only copies a prefix (a few bytes in the pack).
    #[test]
    fn newest_version_of_long_chain_is_stored_whole() {
        let dir = tempfile::TempDir::new().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let mut w = PackWriter::new();
        let mut log = Vec::new();
        let mut versions = Vec::new();
        let mut prev = None;
        for i in 0..300u64 {
            log.extend_from_slice(&noise(i, 100 + (i as usize * 13) % 400));
            let id = w.blob(&log, prev);
            versions.push((id, log.len()));
            prev = Some(id);
        }
        let newest = versions[299].0;
        let tree = w.tree(&[("log".to_string(), EntryMode::File, newest)]);
        let sig = ("N", "n@example.com", 1_600_000_000, 0);
        let commit = w.commit(tree, &[], sig, sig, "log\n");
        w.finish(&repo).unwrap();
        repo.reference("refs/heads/main", commit, true, "test")
            .unwrap();

        // Read the newest version the way a reader does: through the tip's tree.
        let fresh = Repository::open_bare(dir.path()).unwrap();
        let tip_tree = fresh.find_commit(commit).unwrap().tree().unwrap();
        let entry = tip_tree.get_name("log").unwrap();
        assert_eq!(entry.id(), newest);
        assert!(fresh.find_blob(newest).unwrap().content() == &log[..]);
        for (id, len) in &versions {
            assert!(fresh.find_blob(*id).unwrap().content() == &log[..*len]);
        }

        let packed = packed_objects(dir.path());
        assert_eq!(packed.len(), 302);
        assert!(packed[&newest].base.is_none(), "{:?}", packed[&newest]);
        assert!(packed[&newest].stored > log.len() as u64 / 2);
        for (id, _) in &versions[..299] {
            assert_eq!(packed[id].base, Some(newest));
            assert!(packed[id].stored < 40, "{:?}", packed[id]);
        }
        assert_eq!(max_chain_length(dir.path()), 1);
        assert_fsck_clean(dir.path());
    }

    /// A chain left alone for `IDLE_CALLS` blob calls is written out; extended
    /// later, it goes on in a new chain with twice the idle limit. Both chains
    /// have their newest version whole.
    #[test]
    fn idle_chains_are_written_out_and_restarted() {
        let dir = tempfile::TempDir::new().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let mut w = PackWriter::new();
        let mut log = Vec::new();
        let mut versions: Vec<(Oid, Vec<u8>)> = Vec::new();
        let mut append = |w: &mut PackWriter, versions: &mut Vec<(Oid, Vec<u8>)>, i: u64| {
            log.extend_from_slice(format!("line {i}\n").as_bytes());
            let id = w.blob(&log, versions.last().map(|v| v.0));
            versions.push((id, log.clone()));
        };
        for i in 0..10 {
            append(&mut w, &mut versions, i);
        }
        let first_newest = versions[9].0;
        let mut others = Vec::new();
        let mut unrelated = |w: &mut PackWriter, n: u64| {
            for k in 0..n {
                let data = format!("unrelated {} {k}\n", others.len());
                others.push((w.blob(data.as_bytes(), None), data));
            }
        };
        unrelated(&mut w, IDLE_CALLS - 1);
        assert!(w.chains.contains_key(&first_newest), "not idle long enough");
        unrelated(&mut w, 1);
        assert!(
            !w.chains.contains_key(&first_newest),
            "written out when idle"
        );
        assert!(w.chains.len() as u64 <= IDLE_CALLS);
        assert!(w.entries.iter().any(|e| e.id == versions[0].0));

        for i in 10..20 {
            append(&mut w, &mut versions, i);
        }
        let second_newest = versions[19].0;
        unrelated(&mut w, IDLE_CALLS + 100);
        assert!(
            w.chains.contains_key(&second_newest),
            "a restarted chain waits twice as long"
        );
        unrelated(&mut w, IDLE_CALLS);
        assert!(!w.chains.contains_key(&second_newest));
        w.finish(&repo).unwrap();

        for (id, data) in &versions {
            assert!(repo.find_blob(*id).unwrap().content() == &data[..]);
        }
        for (id, data) in &others {
            assert_eq!(repo.find_blob(*id).unwrap().content(), data.as_bytes());
        }
        let packed = packed_objects(dir.path());
        assert!(packed[&first_newest].base.is_none());
        assert!(packed[&second_newest].base.is_none());
        for (id, _) in &versions[..9] {
            assert_eq!(packed[id].base, Some(first_newest));
        }
        for (id, _) in &versions[10..19] {
            assert_eq!(packed[id].base, Some(second_newest));
        }
        assert_eq!(max_chain_length(dir.path()), 1);
        assert_fsck_clean(dir.path());
    }

    /// Open chains never hold more than the budget: the ones due first are
    /// written out, and a chain larger than the budget at once.
    #[test]
    fn budget_bounds_open_chains() {
        let dir = tempfile::TempDir::new().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let mut w = PackWriter::new();
        w.budget = 20_000;
        let mut logs: Vec<(Vec<u8>, Option<Oid>)> = vec![(Vec::new(), None); 5];
        let mut blobs = Vec::new();
        for i in 0..400u64 {
            let (log, prev) = &mut logs[(i % 5) as usize];
            log.extend_from_slice(&noise(i, 50 + (i as usize % 7) * 40));
            if i == 203 {
                log.extend_from_slice(&noise(i, 30_000)); // larger than the budget
            }
            let id = w.blob(log, *prev);
            *prev = Some(id);
            blobs.push((id, log.clone()));
            assert!(w.pending_bytes <= w.budget, "{} at {i}", w.pending_bytes);
            let counted: usize = w.chains.values().map(Chain::cost).sum();
            assert_eq!(w.pending_bytes, counted);
            assert_eq!(w.schedule.len(), w.chains.len());
        }
        let big = blobs[203].0;
        w.finish(&repo).unwrap();
        for (id, data) in &blobs {
            assert!(repo.find_blob(*id).unwrap().content() == &data[..]);
        }
        let packed = packed_objects(dir.path());
        assert!(packed[&big].base.is_none());
        for (_, prev) in &logs {
            assert!(packed[&prev.unwrap()].base.is_none());
        }
        assert_eq!(max_chain_length(dir.path()), 1);
        assert_fsck_clean(dir.path());
    }

    /// Adds random mixes of new blobs, appends (to the last blob for
    /// `op` 4, else to a random one), non-prefix and shortened "bases" with the
    /// given limits; checks the ids, the bookkeeping, that everything reads back
    /// exactly and that no delta chain is longer than 1.
    fn check_random_history(
        ops: Vec<(u8, Vec<u8>, usize)>,
        idle_calls: u64,
        budget: usize,
    ) -> Result<(), TestCaseError> {
        let dir = tempfile::TempDir::new().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let mut w = PackWriter::new();
        w.idle_calls = idle_calls;
        w.budget = budget;
        let mut blobs: Vec<(Oid, Vec<u8>)> = Vec::new();
        for (op, bytes, pick) in ops {
            let picked = match op {
                4 => blobs.last().cloned(),
                _ => (!blobs.is_empty()).then(|| blobs[pick % blobs.len()].clone()),
            };
            let (data, base) = match (op, picked) {
                (1 | 4, Some((id, mut data))) => {
                    data.extend_from_slice(&bytes);
                    (data, Some(id))
                }
                (2, Some((id, _))) => (bytes, Some(id)),
                (3, Some((id, data))) => (data[..data.len() / 2].to_vec(), Some(id)),
                _ => (bytes, None),
            };
            let id = w.blob(&data, base);
            prop_assert_eq!(id, Oid::hash_object(ObjectType::Blob, &data).unwrap());
            prop_assert!(w.pending_bytes <= w.budget);
            prop_assert_eq!(w.schedule.len(), w.chains.len());
            blobs.push((id, data));
        }
        w.finish(&repo).unwrap();
        for (id, data) in &blobs {
            let blob = repo.find_blob(*id).unwrap();
            prop_assert_eq!(blob.content(), &data[..]);
        }
        prop_assert!(max_chain_length(dir.path()) <= 1);
        assert_fsck_clean(dir.path());
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Random mixes of new blobs, appends, non-prefix and shortened "bases"
        /// always read back exactly.
        #[test]
        fn random_blob_histories_read_back(
            ops in prop::collection::vec(
                (0u8..4, prop::collection::vec(any::<u8>(), 0..200), any::<usize>()),
                1..60,
            )
        ) {
            check_random_history(ops, IDLE_CALLS, PENDING_BUDGET)?;
        }

        /// The same, mostly appending to the last blob, with chains written out
        /// after a few calls or a few hundred bytes.
        #[test]
        fn random_blob_histories_with_small_limits_read_back(
            ops in prop::collection::vec(
                (0u8..8, prop::collection::vec(any::<u8>(), 0..200), any::<usize>()),
                1..60,
            ),
            idle_calls in 1u64..8,
            budget in 0usize..3000,
        ) {
            let ops = ops.into_iter().map(|(op, b, p)| (op.min(4), b, p)).collect();
            check_random_history(ops, idle_calls, budget)?;
        }
    }
}
