//! Whole-writer tests: everything a writer adds reads back through git and libgit2.

use super::*;
use crate::synth::pack::test_support::*;
use git2::{Repository, Signature, Time};

type Sig<'a> = (&'a str, &'a str, i64, i32);

/// (id, tree, parents, author, committer, message) of a commit written in a test.
type CommitRecord = (Oid, Oid, Vec<Oid>, Sig<'static>, Sig<'static>, &'static str);

fn sig(s: Sig<'_>) -> Signature<'static> {
    Signature::new(s.0, s.1, &Time::new(s.2, s.3)).unwrap()
}

#[test]
fn roundtrip_blobs_trees_commits() {
    let dir = tempfile::TempDir::new().unwrap();
    let refdir = tempfile::TempDir::new().unwrap();
    let repo = Repository::init_bare(dir.path()).unwrap();
    // Reference repository written through libgit2's ordinary API.
    let reference = Repository::init_bare(refdir.path()).unwrap();

    let mut w = PackWriter::new();
    assert!(w.is_empty());
    let mut blobs: Vec<(Oid, Vec<u8>)> = Vec::new();
    let mut add = |w: &mut PackWriter, data: Vec<u8>, base: Option<Oid>| {
        let id = w.blob(&data, base);
        assert_eq!(id, reference.blob(&data).unwrap());
        blobs.push((id, data));
        id
    };

    let hello = add(&mut w, b"hello\n".to_vec(), None);
    let empty = add(&mut w, Vec::new(), None);
    let n = w.len();
    assert_eq!(add(&mut w, b"hello\n".to_vec(), None), hello);
    assert_eq!(w.len(), n, "identical content is stored once");

    // An append-only log: 200 versions, each delta'd against the previous one.
    let mut log = b"# activity log\n".to_vec();
    let mut prev = add(&mut w, log.clone(), None);
    let mut side = None;
    for i in 1..200 {
        if i == 120 {
            log.extend_from_slice(&noise(i, 70 * 1024)); // > 64 KiB appended at once
        } else {
            log.extend_from_slice(format!("entry {i}: did something useful\n").as_bytes());
        }
        prev = add(&mut w, log.clone(), Some(prev));
        if i == 100 {
            // A second child of version 100 (a branch), then the main chain goes on.
            let mut branched = log.clone();
            branched.extend_from_slice(b"on a side branch\n");
            side = Some(add(&mut w, branched, Some(prev)));
        }
    }
    let side = side.unwrap();
    let last_log = prev;

    // Bases that cannot be used: not a prefix, unknown, a tree, the blob itself.
    let not_prefix = add(&mut w, b"goodbye\n".to_vec(), Some(hello));
    let unknown = Oid::hash_object(ObjectType::Blob, b"never added").unwrap();
    let orphan = add(&mut w, b"orphan\n".to_vec(), Some(unknown));
    let shorter = add(&mut w, b"hell".to_vec(), Some(hello));
    let from_empty = add(&mut w, b"from empty\n".to_vec(), Some(empty));

    // Trees, given out of order; "foo" (a tree) sorts as "foo/".
    let add_tree = |w: &mut PackWriter, entries: Vec<(&str, EntryMode, Oid)>| {
        let owned: Vec<(String, EntryMode, Oid)> = entries
            .iter()
            .map(|(n, m, id)| (n.to_string(), *m, *id))
            .collect();
        let id = w.tree(&owned);
        let mut builder = reference.treebuilder(None).unwrap();
        for (name, mode, oid) in &entries {
            let mode = match mode {
                EntryMode::File => 0o100644,
                EntryMode::Executable => 0o100755,
                EntryMode::Tree => 0o040000,
            };
            builder.insert(name, *oid, mode).unwrap();
        }
        assert_eq!(id, builder.write().unwrap());
        id
    };
    let empty_tree = add_tree(&mut w, vec![]);
    assert_eq!(
        empty_tree.to_string(),
        "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
    );
    let deep = add_tree(
        &mut w,
        vec![
            ("z.txt", EntryMode::File, hello),
            ("run.sh", EntryMode::Executable, side),
        ],
    );
    let mid = add_tree(
        &mut w,
        vec![
            ("inner", EntryMode::Tree, deep),
            ("inner.txt", EntryMode::File, not_prefix),
            ("inner0", EntryMode::File, orphan),
            ("empty", EntryMode::Tree, empty_tree),
        ],
    );
    let root = add_tree(
        &mut w,
        vec![
            ("log.txt", EntryMode::File, last_log),
            ("foo0", EntryMode::File, shorter),
            ("foo", EntryMode::Tree, mid),
            ("foo.c", EntryMode::File, from_empty),
            ("foo-bar", EntryMode::Executable, empty),
            ("Zeta", EntryMode::File, hello),
            ("a", EntryMode::File, empty),
        ],
    );
    let n = w.len();
    let single = add_tree(&mut w, vec![("a", EntryMode::File, empty)]);
    assert_eq!(w.tree(&[("a".to_string(), EntryMode::File, empty)]), single);
    assert_eq!(w.len(), n + 1);

    // Commits with 0, 1 and 2 parents.
    let mut commits: Vec<CommitRecord> = Vec::new();
    let mut add_commit = |w: &mut PackWriter,
                          tree: Oid,
                          parents: Vec<Oid>,
                          author: Sig<'static>,
                          committer: Sig<'static>,
                          message: &'static str| {
        let id = w.commit(tree, &parents, author, committer, message);
        let tree_obj = reference.find_tree(tree).unwrap();
        let parent_objs: Vec<_> = parents
            .iter()
            .map(|p| reference.find_commit(*p).unwrap())
            .collect();
        let parent_refs: Vec<_> = parent_objs.iter().collect();
        let expected = reference
            .commit(
                None,
                &sig(author),
                &sig(committer),
                message,
                &tree_obj,
                &parent_refs,
            )
            .unwrap();
        assert_eq!(id, expected);
        commits.push((id, tree, parents, author, committer, message));
        id
    };
    let alice: Sig<'static> = ("Alice Example", "alice@example.com", 1_600_000_000, -300);
    let bob: Sig<'static> = ("Bob", "bob@example.org", 1_600_000_100, 90);
    let carol: Sig<'static> = ("Carol C.", "carol@example.net", 1_700_000_000, -210);
    let utc: Sig<'static> = ("Dan", "dan@example.com", 1_700_000_500, 0);
    let c0 = add_commit(&mut w, mid, vec![], alice, bob, "initial\n");
    let c1 = add_commit(
        &mut w,
        root,
        vec![c0],
        carol,
        utc,
        "second\n\nwith a body\n",
    );
    let c1b = add_commit(&mut w, empty_tree, vec![c0], utc, carol, "side");
    let c2 = add_commit(
        &mut w,
        root,
        vec![c1, c1b],
        bob,
        alice,
        "Merge branch 'side'\n",
    );
    let n = w.len();
    assert_eq!(
        w.commit(root, &[c1, c1b], bob, alice, "Merge branch 'side'\n"),
        c2
    );
    assert_eq!(w.len(), n);

    let count = w.len();
    w.finish(&repo).unwrap();

    // Exactly one pack with its index, and nothing loose.
    let files = pack_files(dir.path());
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(
        files
            .iter()
            .any(|p| p.extension().is_some_and(|e| e == "pack"))
    );
    let mut stored = 0;
    repo.odb()
        .unwrap()
        .foreach(|_| {
            stored += 1;
            true
        })
        .unwrap();
    assert_eq!(stored, count);

    // Read everything back.
    let odb = repo.odb().unwrap();
    let ref_odb = reference.odb().unwrap();
    for (id, data) in &blobs {
        assert_eq!(repo.find_blob(*id).unwrap().content(), &data[..]);
    }
    let mut all_ids = Vec::new();
    ref_odb
        .foreach(|id| {
            all_ids.push(*id);
            true
        })
        .unwrap();
    assert_eq!(all_ids.len(), count);
    for id in all_ids {
        let ours = odb.read(id).unwrap();
        let theirs = ref_odb.read(id).unwrap();
        assert_eq!(ours.kind(), theirs.kind());
        assert_eq!(ours.data(), theirs.data(), "object {id}");
    }
    for (id, tree, parents, author, committer, message) in &commits {
        let c = repo.find_commit(*id).unwrap();
        assert_eq!(c.tree_id(), *tree);
        assert_eq!(c.parent_ids().collect::<Vec<_>>(), *parents);
        assert_eq!(c.message_raw_bytes(), message.as_bytes());
        for (s, e) in [(c.author(), author), (c.committer(), committer)] {
            assert_eq!(s.name_bytes(), e.0.as_bytes());
            assert_eq!(s.email_bytes(), e.1.as_bytes());
            assert_eq!(s.when().seconds(), e.2);
            assert_eq!(s.when().offset_minutes(), e.3);
        }
    }
    let raw = odb.read(c0).unwrap();
    assert_eq!(
        std::str::from_utf8(raw.data()).unwrap(),
        format!(
            "tree {mid}\nauthor Alice Example <alice@example.com> 1600000000 -0500\n\
             committer Bob <bob@example.org> 1600000100 +0130\n\ninitial\n"
        )
    );
    let root_tree = repo.find_tree(root).unwrap();
    let names: Vec<_> = root_tree
        .iter()
        .map(|e| e.name().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        ["Zeta", "a", "foo-bar", "foo.c", "foo", "foo0", "log.txt"]
    );
    let foo = root_tree.get_name("foo").unwrap();
    assert_eq!(foo.filemode(), 0o040000);
    assert_eq!(root_tree.get_name("foo-bar").unwrap().filemode(), 0o100755);

    repo.reference("refs/heads/main", c2, true, "test").unwrap();
    repo.set_head("refs/heads/main").unwrap();
    assert_fsck_clean(dir.path());
    // The 200-version log was delta-compressed the way `git repack` does it:
    // the newest version of each chain whole, earlier ones depth-1 deltas
    // against it. The side branch took over the chain of version 100, so the
    // main line went on in a chain of its own.
    assert_eq!(max_chain_length(dir.path()), 1);
    let packed = packed_objects(dir.path());
    assert_eq!(packed[&last_log].base, None);
    assert_eq!(packed[&side].base, None);
    let log_bases: HashSet<Option<Oid>> = blobs
        .iter()
        .filter(|(_, d)| d.starts_with(b"# activity log\n"))
        .map(|(id, _)| packed[id].base)
        .collect();
    assert_eq!(log_bases, HashSet::from([None, Some(last_log), Some(side)]));
    let pack_len: u64 = files
        .iter()
        .map(|p| std::fs::metadata(p).unwrap().len())
        .sum();
    let log_total: usize = blobs.iter().map(|(_, d)| d.len()).sum();
    assert!(
        pack_len * 20 < log_total as u64,
        "pack {pack_len} vs content {log_total}"
    );
}

#[test]
fn empty_writer_writes_nothing() {
    let dir = tempfile::TempDir::new().unwrap();
    let repo = Repository::init_bare(dir.path()).unwrap();
    let w = PackWriter::default();
    assert_eq!(w.len(), 0);
    w.finish(&repo).unwrap();
    assert!(pack_files(dir.path()).is_empty());
}

#[test]
fn two_writers_into_one_repository() {
    let dir = tempfile::TempDir::new().unwrap();
    let repo = Repository::init_bare(dir.path()).unwrap();
    let mut first = PackWriter::new();
    let a = first.blob(b"first pack\n", None);
    first.finish(&repo).unwrap();
    let mut second = PackWriter::new();
    let b = second.blob(b"first pack\nsecond pack\n", Some(a)); // base from another pack
    second.finish(&repo).unwrap();
    assert_eq!(repo.find_blob(a).unwrap().content(), b"first pack\n");
    assert_eq!(
        repo.find_blob(b).unwrap().content(),
        b"first pack\nsecond pack\n"
    );
    assert_eq!(pack_files(dir.path()).len(), 4);
    assert_fsck_clean(dir.path());
}

/// Writing the same objects twice gives the same pack name; the existing files
/// are kept, nothing temporary is left behind, and a non-bare repository gets
/// its pack under `.git`.
#[test]
fn same_pack_twice_into_a_worktree_repository() {
    let dir = tempfile::TempDir::new().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    let write = || {
        let mut w = PackWriter::new();
        let a = w.blob(b"one\n", None);
        let b = w.blob(b"one\ntwo\n", Some(a));
        let tree = w.tree(&[("f".to_string(), EntryMode::File, b)]);
        let sig = ("N", "n@example.com", 1_600_000_000, 0);
        let c = w.commit(tree, &[], sig, sig, "msg\n");
        w.finish(&repo).unwrap();
        (a, b, c)
    };
    let (a, b, c) = write();
    let git_dir = dir.path().join(".git");
    let first = pack_files(&git_dir);
    assert_eq!(first.len(), 2, "{first:?}");
    assert_eq!(write(), (a, b, c));
    assert_eq!(pack_files(&git_dir), first, "no temporary files left");
    assert_eq!(repo.find_blob(b).unwrap().content(), b"one\ntwo\n");
    assert_eq!(repo.find_commit(c).unwrap().message_raw_bytes(), b"msg\n");
    #[cfg(unix)]
    for file in &first {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(file).unwrap().permissions().mode();
        assert_eq!(mode & 0o222, 0, "{} is read-only", file.display());
    }
    repo.reference("refs/heads/main", c, true, "test").unwrap();
    assert_fsck_clean(&git_dir);
}
