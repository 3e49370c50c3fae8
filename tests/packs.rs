//! Blobs read from pack files by gtm-tui's own reader (delta bases kept) are the bytes libgit2
//! reads, on a repository packed as a clone is; a damaged pack never gives wrong bytes or a
//! panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use gtm_tui::repo::Project;
use gtm_tui::repo::pack::Packs;

/// Every blob reachable from HEAD, with libgit2's bytes.
fn blobs(dir: &Path) -> BTreeMap<git2::Oid, Vec<u8>> {
    let repo = git2::Repository::open(dir).unwrap();
    let mut walk = repo.revwalk().unwrap();
    walk.push_head().unwrap();
    let mut out = BTreeMap::new();
    for id in walk {
        let tree = repo.find_commit(id.unwrap()).unwrap().tree().unwrap();
        tree.walk(git2::TreeWalkMode::PreOrder, |_, e| {
            if e.kind() == Some(git2::ObjectType::Blob) && !out.contains_key(&e.id()) {
                out.insert(e.id(), repo.find_blob(e.id()).unwrap().content().to_vec());
            }
            git2::TreeWalkResult::Ok
        })
        .unwrap();
    }
    out
}

/// A big file (1.5 MB of noise, as a notebook's pictures are), edited in a few places in each
/// of 30 commits beside a small one, packed as a clone is: deltas on deltas, over 1 MB.
fn packed_repo(dir: &Path) {
    let repo = git2::Repository::init(dir).unwrap();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut noise = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                    [(state % 64) as usize]
            })
            .collect()
    };
    let mut big: Vec<u8> = noise(1_500_000);
    let mut parent: Option<git2::Oid> = None;
    for k in 0..30usize {
        for j in 0..3 {
            let at = (k * 7919 + j * 104_729) * 13 % (big.len() - 100);
            let patch = noise(60);
            big[at..at + 60].copy_from_slice(&patch);
        }
        let mut tb = repo.treebuilder(None).unwrap();
        tb.insert("big.ipynb", repo.blob(&big).unwrap(), 0o100644)
            .unwrap();
        let small = format!("version {k}\n");
        tb.insert("notes.txt", repo.blob(small.as_bytes()).unwrap(), 0o100644)
            .unwrap();
        let tree = repo.find_tree(tb.write().unwrap()).unwrap();
        let who = git2::Signature::new(
            "A",
            "a@example.org",
            &git2::Time::new(1_700_000_000 + k as i64, 0),
        )
        .unwrap();
        let parents: Vec<git2::Commit> = parent
            .iter()
            .map(|p| repo.find_commit(*p).unwrap())
            .collect();
        let refs: Vec<&git2::Commit> = parents.iter().collect();
        parent = Some(
            repo.commit(Some("HEAD"), &who, &who, "edit", &tree, &refs)
                .unwrap(),
        );
    }
    let ok = Command::new("git")
        .args(["repack", "-adq", "--depth=50"])
        .current_dir(dir)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "git repack");
    // Everything is in the pack now: no loose object is left for libgit2 to read instead.
    let loose = std::fs::read_dir(dir.join(".git/objects"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().len() == 2)
        .count();
    assert_eq!(loose, 0);
}

#[test]
fn packed_blobs_read_as_libgit2_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    packed_repo(dir.path());
    let want = blobs(dir.path());
    assert_eq!(want.len(), 60);
    // Notebooks over 1 MB are what libgit2 rebuilds from the whole chain on every read.
    assert!(want.values().any(|b| b.len() > 1 << 20));
    // The pack reader itself, not libgit2 behind it, reads every one.
    let mut packs = Packs::open(&dir.path().join(".git")).unwrap();
    for (id, bytes) in &want {
        assert_eq!(packs.blob(*id).as_ref(), Some(bytes), "{id}");
    }
    let project = Project::open(dir.path(), None).unwrap();
    // Twice: the second time from the kept bases.
    for _ in 0..2 {
        for (id, bytes) in &want {
            assert_eq!(project.blob(*id).as_ref(), Some(bytes), "{id}");
        }
    }
    // Newest first, as the history is read, and an object that is not a blob.
    for (id, bytes) in want.iter().rev() {
        assert_eq!(project.blob(*id).as_ref(), Some(bytes), "{id}");
    }
    let head = project.repo().head().unwrap().peel_to_commit().unwrap();
    assert_eq!(project.blob(head.id()), None);
    assert_eq!(project.blob(head.tree_id()), None);
}

#[test]
fn a_damaged_pack_gives_no_wrong_bytes() {
    let dir = tempfile::tempdir().unwrap();
    packed_repo(dir.path());
    let want = blobs(dir.path());
    let packs = dir.path().join(".git/objects/pack");
    let pack = std::fs::read_dir(&packs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "pack"))
        .unwrap();
    let mut bytes = std::fs::read(&pack).unwrap();
    // Scribble over stretches past the commits and trees, which git writes first.
    let n = bytes.len();
    for at in [n / 3, n / 2, n - n / 5] {
        for b in &mut bytes[at..at + 2048] {
            *b = b.wrapping_mul(31).wrapping_add(7);
        }
    }
    std::fs::write(&pack, &bytes).unwrap();
    let project = Project::open(dir.path(), None).unwrap();
    let mut read = 0;
    for (id, good) in &want {
        if let Some(got) = project.blob(*id) {
            assert_eq!(&got, good, "{id}");
            read += 1;
        }
    }
    // The objects before the damage still read.
    assert!(read > 0);
}

#[test]
fn a_pack_that_is_not_its_index_s_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    packed_repo(dir.path());
    let git = dir.path().join(".git");
    assert!(Packs::open(&git).is_some());
    let pack = std::fs::read_dir(git.join("objects/pack"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "pack"))
        .unwrap();
    let good = std::fs::read(&pack).unwrap();
    // A pack rewritten beside a stale index: another trailing checksum, or another count.
    let mut other_sum = good.clone();
    let n = other_sum.len();
    other_sum[n - 1] ^= 0xff;
    std::fs::write(&pack, &other_sum).unwrap();
    assert!(Packs::open(&git).is_none());
    let mut other_count = good.clone();
    other_count[11] ^= 1;
    std::fs::write(&pack, &other_count).unwrap();
    assert!(Packs::open(&git).is_none());
    let mut not_a_pack = good;
    not_a_pack[0] = b'X';
    std::fs::write(&pack, &not_a_pack).unwrap();
    assert!(Packs::open(&git).is_none());
}
