//! The walk cache: whatever the file holds, or does not, the records and
//! counts equal an uncached walk; the file is used when it was written for
//! this tip, extended when new single-parent commits came on top, walked
//! again otherwise; the repository is only read.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use git2::{Oid, Repository};
use gtm_tui::lineage::{CachePolicy, Miss};
use gtm_tui::repo::{Project, RecordRow, WalkReport, WalkStatus};
use gtm_tui::synth::{Workload, Written};

fn project(dir: &Path, seed: u64, records: usize, branches: bool) -> Written {
    common::workload(
        dir,
        Workload {
            records,
            seed,
            branches,
            ..Workload::default()
        },
    )
}

/// An uncached walk: every record and the counts.
fn uncached(p: &Project) -> (Vec<RecordRow>, usize, usize) {
    let (rows, stats) = p.records_with_stats().unwrap();
    assert!(stats.incomplete.is_none());
    (rows, stats.commits, stats.records)
}

/// Reads through the cache, checks the result equals an uncached walk,
/// and says what the cache did.
fn check(p: &Project, cache: &Path) -> WalkReport {
    let policy = CachePolicy::Dir(cache.to_path_buf());
    let (rows, stats, report) = p.packed_records_reporting(&policy).unwrap();
    let got: Vec<RecordRow> = rows.iter().map(|r| r.to_row()).collect();
    let (want, commits, records) = uncached(p);
    assert!(!want.is_empty());
    assert!(got == want, "records differ: {report:?}");
    assert_eq!(
        (stats.commits, stats.records),
        (commits, records),
        "{report:?}"
    );
    assert!(stats.incomplete.is_none());
    report
}

fn sig(time: i64) -> git2::Signature<'static> {
    git2::Signature::new(
        "Alice Example",
        "alice@example.com",
        &git2::Time::new(time, 0),
    )
    .unwrap()
}

/// A commit on HEAD with `parents` (HEAD first), the head's tree, the
/// message of the head's record, at `time`.
fn commit_on_head(dir: &Path, time: i64, others: &[Oid]) -> Oid {
    let repo = Repository::open(dir).unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    let mut parents = vec![head.clone()];
    for o in others {
        parents.push(repo.find_commit(*o).unwrap());
    }
    let parents: Vec<&git2::Commit> = parents.iter().collect();
    repo.commit(
        Some("HEAD"),
        &sig(time),
        &sig(time),
        head.message().unwrap(),
        &head.tree().unwrap(),
        &parents,
    )
    .unwrap()
}

#[test]
fn a_second_read_uses_the_file_and_equals_a_walk() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    project(dir.path(), 5, 300, true);
    let p = Project::open(dir.path(), None).unwrap();
    let first = check(&p, cache.path());
    assert_eq!(first.status, WalkStatus::Built(Miss::Absent));
    assert!(first.written);
    let file = first.file.clone().unwrap();
    assert!(file.extension().is_some_and(|e| e == "rows"));
    assert_eq!(
        common::files(cache.path()),
        vec![file.clone()],
        "no temporary left"
    );
    let second = check(&p, cache.path());
    assert_eq!((second.status, second.written), (WalkStatus::Hit, false));
    assert_eq!(second.file, Some(file.clone()));
    // Another rev of the same repository keeps a file of its own.
    let head = p.tip.to_string();
    let by_id = Project::open(dir.path(), Some(&head)).unwrap();
    let other = check(&by_id, cache.path());
    assert_eq!(other.status, WalkStatus::Built(Miss::Absent));
    assert_ne!(other.file, Some(file));
    assert_eq!(check(&p, cache.path()).status, WalkStatus::Hit);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(first.file.unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn new_commits_on_top_extend_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    project(dir.path(), 11, 300, false);
    let head = || Project::open(dir.path(), None).unwrap();
    assert_eq!(
        check(&head(), cache.path()).status,
        WalkStatus::Built(Miss::Absent)
    );
    // Two records, then a commit that is no record.
    for note in ["Added a note", "Added another note"] {
        common::push_record(dir.path(), note, ("Bob", "bob@example.com"));
    }
    let report = check(&head(), cache.path());
    assert_eq!(
        report.status,
        WalkStatus::Extended {
            commits: 2,
            records: 2
        }
    );
    assert!(report.written);
    assert_eq!(check(&head(), cache.path()).status, WalkStatus::Hit);
    let repo = Repository::open(dir.path()).unwrap();
    let tip = repo.head().unwrap().peel_to_commit().unwrap();
    let id = repo
        .commit(
            Some("HEAD"),
            &sig(4_000_000_000),
            &sig(4_000_000_000),
            "not a record\n",
            &tip.tree().unwrap(),
            &[&tip],
        )
        .unwrap();
    assert_ne!(id, tip.id());
    assert_eq!(
        check(&head(), cache.path()).status,
        WalkStatus::Extended {
            commits: 1,
            records: 0
        }
    );
    assert_eq!(check(&head(), cache.path()).status, WalkStatus::Hit);
}

#[test]
fn a_merge_or_an_older_commit_on_top_is_walked_whole() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    project(dir.path(), 12, 300, true);
    let head = || Project::open(dir.path(), None).unwrap();
    check(&head(), cache.path());
    // A merge of the head with one of its own ancestors, far back.
    let repo = Repository::open(dir.path()).unwrap();
    let mut walk = repo.revwalk().unwrap();
    walk.push_head().unwrap();
    let old = walk.nth(150).unwrap().unwrap();
    commit_on_head(dir.path(), 4_000_000_000, &[old]);
    assert_eq!(
        check(&head(), cache.path()).status,
        WalkStatus::Built(Miss::OtherHistory)
    );
    assert_eq!(check(&head(), cache.path()).status, WalkStatus::Hit);
    // A commit dated before the cached tip (a skewed clock): walked whole.
    commit_on_head(dir.path(), 1_000, &[]);
    assert_eq!(
        check(&head(), cache.path()).status,
        WalkStatus::Built(Miss::OtherHistory)
    );
    assert_eq!(check(&head(), cache.path()).status, WalkStatus::Hit);
}

#[test]
fn rewritten_history_is_walked_again() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    project(dir.path(), 13, 300, false);
    let head = || Project::open(dir.path(), None).unwrap();
    check(&head(), cache.path());
    // Reset to an older commit, then commit something new on it.
    let repo = Repository::open(dir.path()).unwrap();
    let mut walk = repo.revwalk().unwrap();
    walk.push_head().unwrap();
    let base = repo.find_commit(walk.nth(100).unwrap().unwrap()).unwrap();
    repo.reset(base.as_object(), git2::ResetType::Soft, None)
        .unwrap();
    assert_eq!(
        check(&head(), cache.path()).status,
        WalkStatus::Built(Miss::OtherHistory),
        "the history shrank"
    );
    common::push_record(dir.path(), "Redone", ("Bob", "bob@example.com"));
    assert_eq!(
        check(&head(), cache.path()).status,
        WalkStatus::Extended {
            commits: 1,
            records: 1
        }
    );
    // Reset again below it, a new commit: the cached tip is not reached.
    let mut walk = repo.revwalk().unwrap();
    walk.push_head().unwrap();
    let base = repo.find_commit(walk.nth(20).unwrap().unwrap()).unwrap();
    repo.reset(base.as_object(), git2::ResetType::Soft, None)
        .unwrap();
    common::push_record(dir.path(), "Redone again", ("Bob", "bob@example.com"));
    assert_eq!(
        check(&head(), cache.path()).status,
        WalkStatus::Built(Miss::OtherHistory)
    );
    assert_eq!(check(&head(), cache.path()).status, WalkStatus::Hit);
}

#[test]
fn another_repository_at_the_same_path_is_walked_again() {
    let root = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let dir = root.path().join("project");
    project(&dir, 21, 250, true);
    let first = check(&Project::open(&dir, None).unwrap(), cache.path());
    std::fs::remove_dir_all(&dir).unwrap();
    project(&dir, 22, 250, true);
    let second = check(&Project::open(&dir, None).unwrap(), cache.path());
    assert_eq!(second.file, first.file, "the same path, the same file");
    assert_eq!(second.status, WalkStatus::Built(Miss::OtherHistory));
    assert_eq!(
        check(&Project::open(&dir, None).unwrap(), cache.path()).status,
        WalkStatus::Hit
    );
}

#[test]
fn a_shallow_file_that_changed_is_walked_again() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    project(dir.path(), 23, 200, false);
    let p = Project::open(dir.path(), None).unwrap();
    check(&p, cache.path());
    // A shallow file naming no commit of the history: the walk is whole
    // and the same, but the file is not trusted for it.
    let shallow = p.repo().path().join("shallow");
    std::fs::write(&shallow, format!("{}\n", "1".repeat(40))).unwrap();
    let p = Project::open(dir.path(), None).unwrap();
    assert_eq!(
        check(&p, cache.path()).status,
        WalkStatus::Built(Miss::OtherHistory)
    );
    assert_eq!(check(&p, cache.path()).status, WalkStatus::Hit);
    std::fs::remove_file(&shallow).unwrap();
    assert_eq!(
        check(&p, cache.path()).status,
        WalkStatus::Built(Miss::OtherHistory)
    );
}

#[test]
fn a_damaged_file_is_walked_again() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    project(dir.path(), 31, 250, true);
    let p = Project::open(dir.path(), None).unwrap();
    let file = check(&p, cache.path()).file.unwrap();
    let good = std::fs::read(&file).unwrap();
    let n = good.len();
    let mut damages: Vec<(&str, Vec<u8>)> = Vec::new();
    for at in [0, 8, 12, 20, 40, n / 3, n / 2, n - 9, n - 1] {
        let mut bad = good.clone();
        bad[at] ^= 0x5a;
        damages.push(("a flipped byte", bad));
    }
    damages.push(("truncated", good[..n / 2].to_vec()));
    damages.push(("one byte short", good[..n - 1].to_vec()));
    damages.push(("empty", Vec::new()));
    damages.push(("header only", good[..12].to_vec()));
    damages.push(("garbage", (0..n).map(|i| (i * 7 + 3) as u8).collect()));
    damages.push(("text", b"not a cache file\n".to_vec()));
    let mut longer = good.clone();
    longer.extend_from_slice(b"trailing");
    damages.push(("bytes after the end", longer));
    for (what, bytes) in damages {
        std::fs::write(&file, &bytes).unwrap();
        let report = check(&p, cache.path());
        assert!(
            matches!(
                report.status,
                WalkStatus::Built(Miss::Damaged | Miss::OtherFormat)
            ),
            "{what}: {report:?}"
        );
        assert!(report.written, "{what}");
        assert_eq!(std::fs::read(&file).unwrap(), good, "{what}: rewritten");
        assert_eq!(check(&p, cache.path()).status, WalkStatus::Hit, "{what}");
    }
    // A lineage cache file in its place (another format): refused.
    let lineage = gtm_tui::lineage::build_reporting(
        &p,
        &p.records().unwrap(),
        None,
        &CachePolicy::Dir(cache.path().to_path_buf()),
    )
    .1
    .file
    .unwrap();
    std::fs::copy(&lineage, &file).unwrap();
    assert_eq!(
        check(&p, cache.path()).status,
        WalkStatus::Built(Miss::Damaged)
    );
    // A directory where the file goes: not read, not written, still right.
    std::fs::remove_file(&file).unwrap();
    std::fs::create_dir(&file).unwrap();
    let report = check(&p, cache.path());
    assert_eq!(report.status, WalkStatus::Built(Miss::Absent));
    assert!(!report.written);
}

#[test]
fn an_unwritable_cache_directory_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    project(dir.path(), 32, 200, false);
    let p = Project::open(dir.path(), None).unwrap();
    let blocker = cache.path().join("file");
    std::fs::write(&blocker, b"x").unwrap();
    let report = check(&p, &blocker.join("lineage"));
    assert_eq!(report.status, WalkStatus::Built(Miss::Absent));
    assert!(!report.written);
    assert_eq!(std::fs::read(&blocker).unwrap(), b"x");
}

#[test]
fn the_commands_read_through_it_and_no_cache_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    project(dir.path(), 41, 300, true);
    let before = common::snapshot(dir.path());
    let p = dir.path().to_str().unwrap();
    let runs: [&[&str]; 5] = [
        &["stats", "--json", p],
        &["stuck", "--json", p],
        &["export", "--cells", p],
        &["export", "--anonymize", "--salt", "s", p],
        &["export", p],
    ];
    let mut want = Vec::new();
    for args in runs {
        let mut args = args.to_vec();
        args.insert(0, "--no-cache");
        want.push(common::gtm_with_cache(cache.path(), &args));
    }
    assert!(
        common::files(cache.path()).is_empty(),
        "{:?}",
        common::files(cache.path())
    );
    for round in 0..3 {
        for (args, want) in runs.iter().zip(&want) {
            assert_eq!(
                &common::gtm_with_cache(cache.path(), args),
                want,
                "{args:?}"
            );
        }
        let lineage_dir = cache.path().join("lineage");
        let rows: Vec<PathBuf> = common::files(&lineage_dir)
            .into_iter()
            .filter(|f| f.extension().is_some_and(|e| e == "rows"))
            .collect();
        assert_eq!(
            rows.len(),
            1,
            "one walk file: {:?}",
            common::files(&lineage_dir)
        );
        if round == 1 {
            // Damaged between runs: the outputs stay the same.
            std::fs::write(&rows[0], b"GTMWALK\ndamaged").unwrap();
        }
    }
    assert!(
        common::snapshot(dir.path()) == before,
        "the repository changed"
    );

    // A new record on a history with merges: extended, still the same.
    common::push_record(dir.path(), "Added a note", ("Bob", "bob@example.com"));
    let binary_dir = cache.path().join("lineage");
    let extended = check(&Project::open(dir.path(), None).unwrap(), &binary_dir);
    assert_eq!(
        extended.status,
        WalkStatus::Extended {
            commits: 1,
            records: 1
        }
    );
    for args in runs {
        let mut cold = args.to_vec();
        cold.insert(0, "--no-cache");
        let want = common::gtm_with_cache(cache.path(), &cold);
        assert_eq!(common::gtm_with_cache(cache.path(), args), want, "{args:?}");
    }
}
