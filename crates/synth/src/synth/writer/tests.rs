//! Whole-writer tests: records, rotation, raw data, branches and merges, read back through git.

use std::path::Path;

use git2::{Oid, Repository};

use super::*;
use crate::activity::key::DetailKey;
use crate::activity::{self, detail};

fn opts(rotate: u64) -> WriterOptions {
    WriterOptions {
        rotate_bytes: rotate,
        families: 2,
        bare: true,
        ..WriterOptions::default()
    }
}

fn blob_at(repo: &Repository, commit: Oid, path: &str) -> Option<Vec<u8>> {
    let tree = repo.find_commit(commit).ok()?.tree().ok()?;
    let entry = tree.get_path(Path::new(path)).ok()?;
    Some(repo.find_blob(entry.id()).ok()?.content().to_vec())
}

fn text(t: &str) -> DetailSpec {
    DetailSpec::text(2, 1, "text/plain", t.as_bytes().to_vec())
}

#[test]
fn records_auto_commits_and_links() {
    let dir = tempfile::TempDir::new().unwrap();
    let mut w = ProjectWriter::new(opts(CLIENT_ROTATE_BYTES));
    w.write_file("code/a.py", b"print(1)\n");
    let mut spec = RecordSpec::new(2, "1 modified file(s).");
    spec.details.push(text("one"));
    let first = w.record(spec.clone());
    assert!(first.auto.is_some(), "skeleton + file were staged");
    w.advance(10);
    let second = w.record(spec.clone());
    assert!(second.auto.is_none(), "nothing staged");
    w.write_file("code/a.py", b"print(1)\n");
    assert!(!w.has_staged(), "same content is no change");
    spec.linked = Linked::Uuid;
    w.record(spec.clone());
    spec.linked = Linked::Empty;
    spec.details = vec![DetailSpec::RawLine("garbage,line".into())];
    w.record(spec);
    let written = w.finish(dir.path()).unwrap();
    let repo = Repository::open(dir.path()).unwrap();
    let r = &written.records;
    assert_eq!(r[0].meta.linked_commit, first.auto.unwrap().to_string());
    assert_eq!(r[1].meta.linked_commit, first.activity.to_string());
    assert_eq!(r[2].meta.linked_commit.len(), 32);
    assert_eq!(r[3].meta.linked_commit, "");
    let c = repo.find_commit(first.activity).unwrap();
    assert_eq!(c.parent_id(0).unwrap(), first.auto.unwrap());
    let auto = repo.find_commit(first.auto.unwrap()).unwrap();
    assert_eq!(auto.message().ok(), Some(AUTO_COMMIT_MESSAGE));
    assert_eq!(auto.parent_count(), 0);
    assert!(blob_at(&repo, first.auto.unwrap(), ".gigantum/project.yaml").is_some());
    assert!(
        String::from_utf8(blob_at(&repo, first.auto.unwrap(), ".gitignore").unwrap())
            .unwrap()
            .contains(".gigantum/activity/log/.detaildb")
    );
    let raw = repo.find_commit(r[3].activity).unwrap();
    assert!(
        raw.message()
            .unwrap()
            .contains("details:**\ngarbage,line**\n_GTM_")
    );
    let parsed = activity::parse_message(raw.message_raw_bytes()).unwrap();
    assert!(parsed.details[0].error.is_some());
    for rec in &r[..3] {
        let m = repo.find_commit(rec.activity).unwrap();
        let p = activity::parse_message(m.message_raw_bytes()).unwrap();
        assert!(p.errors.is_empty());
        assert_eq!(p.to_message(), rec.commit_message);
    }
}

#[test]
fn rotation_compression_and_legacy() {
    let dir = tempfile::TempDir::new().unwrap();
    let mut w = ProjectWriter::new(opts(300));
    let mut keys = Vec::new();
    for i in 0..6 {
        let mut spec = RecordSpec::new(2, format!("r{i}"));
        spec.details.push(text(&"x".repeat(100)));
        if i == 3 {
            w.set_legacy(true);
            spec.details.push(text(&"big ".repeat(1500)));
        }
        let ids = w.record(spec);
        keys.extend(ids.keys.iter().map(|k| (ids.activity, k.clone())));
        w.advance(5);
    }
    let written = w.finish(dir.path()).unwrap();
    let repo = Repository::open(dir.path()).unwrap();
    let mut files = std::collections::BTreeSet::new();
    for (commit, key) in &keys {
        let k = DetailKey::parse(key).unwrap();
        files.insert(k.file_number);
        let blob = blob_at(&repo, *commit, &format!("{LOG_DIR}/{}", k.file_name())).unwrap();
        let value = detail::value_at(&blob, &k).unwrap();
        assert!(blob.len() <= 300 || k.offset == 0);
        let d = detail::decode_value(value);
        assert!(d.errors.is_empty(), "{:?}", d.errors);
    }
    assert!(files.len() >= 3, "rotated: {files:?}");
    let big = &written.records[3].details[1];
    assert!(big.compressed && big.legacy);
    assert_eq!(big.line.split(',').count(), 4);
    assert!(!written.records[2].details[0].legacy);
}

#[test]
fn non_utf8_raw_commits_and_append_raw() {
    let dir = tempfile::TempDir::new().unwrap();
    let mut bad = ProjectWriter::new(WriterOptions::default());
    bad.write_file("../evil", b"x");
    bad.write_file("fine.txt", b"x");
    assert!(matches!(bad.finish(dir.path()), Err(SynthError::BadPath(p)) if p == "../evil"));
    let mut bad = ProjectWriter::new(WriterOptions::default());
    bad.use_family(5);
    assert!(matches!(
        bad.finish(dir.path()),
        Err(SynthError::Family { index: 5, count: 1 })
    ));

    let mut w = ProjectWriter::new(WriterOptions::default());
    let (name, offset) = w.append_raw(b"\xffjunk");
    assert_eq!(offset, 0);
    assert_eq!(name, format!("{}_0", w.families()[0]));
    assert_eq!(w.append_raw(b"more").1, 5);
    let id = w.raw_commit(b"_GTM_ACTIVITY_START_**\nmsg:\xff\xfe**\n");
    w.write_file("a/b/c.txt", b"x");
    let ok = w.raw_commit(b"plain");
    let written = w.finish(dir.path()).unwrap();
    let repo = Repository::open(dir.path()).unwrap();
    let c = repo.find_commit(id).unwrap();
    assert_eq!(
        c.message_raw_bytes(),
        b"_GTM_ACTIVITY_START_**\nmsg:\xff\xfe**\n"
    );
    assert_eq!(written.raw_commits, vec![id, ok]);
    assert_eq!(
        std::fs::read(dir.path().join("a/b/c.txt")).unwrap(),
        b"x",
        "work tree checked out"
    );
    let status = std::process::Command::new("git")
        .args(["fsck", "--strict", "--no-dangling"])
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn branches_merge_three_way() {
    let dir = tempfile::TempDir::new().unwrap();
    let mut w = ProjectWriter::new(opts(CLIENT_ROTATE_BYTES));
    w.write_file("shared.txt", b"base");
    w.write_file("gone.txt", b"bye");
    w.record(RecordSpec::new(7, "Created"));
    w.branch("gm.workspace-bob");
    w.checkout("gm.workspace-bob");
    w.use_family(1);
    w.write_file("bob.txt", b"bob");
    w.remove_file("gone.txt");
    let mut spec = RecordSpec::new(2, "bob");
    spec.details.push(text("bob's"));
    w.record(spec);
    w.checkout("master");
    w.use_family(0);
    w.write_file("shared.txt", b"alice");
    let mut spec = RecordSpec::new(2, "alice");
    spec.details.push(text("alice's"));
    w.record(spec);
    let m = w.merge("gm.workspace-bob", "Merged gm.workspace-bob into master");
    // Second round: bob works on, syncs from master, master merges again.
    w.checkout("gm.workspace-bob");
    w.use_family(1);
    let mut spec = RecordSpec::new(2, "bob again");
    spec.details.push(text("more"));
    w.record(spec);
    let sync = w.merge("master", "Merged master into gm.workspace-bob");
    w.checkout("master");
    let m2 = w.merge("gm.workspace-bob", "Merged gm.workspace-bob into master");
    w.merge("nope", "x");
    assert!(w.error.is_some());
    w.error = None;
    let written = w.finish(dir.path()).unwrap();
    let repo = Repository::open(dir.path()).unwrap();
    for id in [m, sync, m2] {
        assert_eq!(repo.find_commit(id).unwrap().parent_count(), 2);
    }
    assert_eq!(blob_at(&repo, m, "shared.txt").unwrap(), b"alice");
    assert_eq!(blob_at(&repo, m, "bob.txt").unwrap(), b"bob");
    assert!(blob_at(&repo, m, "gone.txt").is_none());
    assert_eq!(blob_at(&repo, sync, "shared.txt").unwrap(), b"alice");
    // Every key resolves at the final master head.
    let head = written.head.unwrap();
    assert_eq!(head, m2);
    for rec in &written.records {
        for d in &rec.details {
            let k = d.key.as_ref().unwrap();
            let blob = blob_at(&repo, head, &format!("{LOG_DIR}/{}", k.file_name())).unwrap();
            assert!(detail::value_at(&blob, k).is_ok());
        }
    }
    assert_eq!(written.branches.len(), 2);
}
