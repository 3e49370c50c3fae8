//! The lineage cache: whatever the file holds, or does not, the lineage
//! equals a cold build; the file is used when it covers the history, extended
//! when the ref moved forward, rebuilt otherwise; the repository is only read.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use git2::{Oid, Repository};
use gtm_tui::lineage::{self, CachePolicy, CacheReport, CacheStatus, Lineage, Miss};
use gtm_tui::repo::Project;
use gtm_tui::synth::{Workload, Written};

/// A linear history (one branch), so that any record commit cuts it in two.
fn project(dir: &Path, seed: u64, records: usize) -> Written {
    common::workload(
        dir,
        Workload {
            records,
            seed,
            branches: false,
            ..Workload::default()
        },
    )
}

/// Every field of every execution and cell: equal strings, equal lineages.
fn fields(l: &Lineage) -> String {
    format!(
        "{:?}\n{:?}\n{:?}\n{:?}",
        l.executions, l.cell, l.run, l.cells
    )
}

fn cold(p: &Project, only: Option<&str>) -> Lineage {
    let rows = p.records().unwrap();
    lineage::build(p, &rows, only)
}

fn cached(p: &Project, only: Option<&str>, cache: &Path) -> (Lineage, CacheReport) {
    let rows = p.records().unwrap();
    lineage::build_reporting(p, &rows, only, &CachePolicy::Dir(cache.to_path_buf()))
}

/// Builds through the cache, checks the result equals a cold build, and
/// says what the cache did.
fn check(p: &Project, only: Option<&str>, cache: &Path) -> CacheReport {
    let (l, report) = cached(p, only, cache);
    assert_eq!(fields(&l), fields(&cold(p, only)), "{report:?}");
    assert!(!l.executions.is_empty());
    report
}

/// The code records of a written project, oldest first.
fn code_records(w: &Written) -> Vec<Oid> {
    w.records
        .iter()
        .filter(|r| lineage::notebook_of(&r.message).is_some())
        .map(|r| r.activity)
        .collect()
}

#[test]
fn a_second_build_reads_the_cache_and_equals_a_cold_one() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    project(dir.path(), 5, 300);
    let p = Project::open(dir.path(), None).unwrap();

    let first = check(&p, None, cache.path());
    assert_eq!(first.status, CacheStatus::Built(Miss::Absent));
    assert!(first.written);
    let file = first.file.clone().unwrap();
    assert!(file.is_file());
    assert_eq!(
        common::files(cache.path()),
        vec![file.clone()],
        "no temporary left"
    );

    let second = check(&p, None, cache.path());
    assert_eq!(second.status, CacheStatus::Hit);
    assert!(!second.written);
    assert_eq!(second.file.as_ref(), Some(&file));

    // One notebook's lineage (the cell commands) has a file of its own.
    let nb = cold(&p, None).executions.first().unwrap().notebook.clone();
    let one = check(&p, Some(&nb), cache.path());
    assert_eq!(one.status, CacheStatus::Built(Miss::Absent));
    assert_ne!(one.file.as_ref(), Some(&file));
    assert_eq!(check(&p, Some(&nb), cache.path()).status, CacheStatus::Hit);
    assert_eq!(check(&p, None, cache.path()).status, CacheStatus::Hit);
}

#[test]
fn the_ref_moving_forward_extends_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let w = project(dir.path(), 11, 400);
    let code = code_records(&w);
    let nb = cold(&Project::open(dir.path(), None).unwrap(), None)
        .executions
        .last()
        .unwrap()
        .notebook
        .clone();
    // The history read at a third of it, two thirds, then all.
    let cuts = [code[code.len() / 3], code[code.len() * 2 / 3]];
    let at = |c: Oid| Project::open(dir.path(), Some(&c.to_string())).unwrap();
    assert_eq!(
        check(&at(cuts[0]), None, cache.path()).status,
        CacheStatus::Built(Miss::Absent)
    );
    check(&at(cuts[0]), Some(&nb), cache.path());
    let last = [false, true];
    // Some notebook ran no code in the new records: its cells were kept.
    let mut kept_some = false;
    for (p, last) in [at(cuts[1]), Project::open(dir.path(), None).unwrap()]
        .into_iter()
        .zip(last)
    {
        let report = check(&p, None, cache.path());
        let CacheStatus::Extended { records, notebooks } = report.status else {
            panic!("{report:?}")
        };
        assert!(records > 0 && notebooks > 0, "{report:?}");
        let all: std::collections::BTreeSet<String> = cold(&p, None)
            .cells
            .into_iter()
            .map(|c| c.notebook)
            .collect();
        kept_some |= notebooks < all.len();
        assert!(report.written);
        assert_eq!(check(&p, None, cache.path()).status, CacheStatus::Hit);
        // One notebook's file: extended when it ran since (it ran last).
        let one = check(&p, Some(&nb), cache.path());
        match one.status {
            CacheStatus::Extended { notebooks: 1, .. } => {}
            CacheStatus::Hit if !last => {}
            _ => panic!("{one:?}"),
        }
    }
    assert!(kept_some);

    // A record that ran no code: the file grows by a commit, nothing is
    // assigned again.
    common::push_record(
        dir.path(),
        "Added a note",
        ("Alice Example", "alice@example.com"),
    );
    let p = Project::open(dir.path(), None).unwrap();
    let report = check(&p, None, cache.path());
    assert_eq!(
        report.status,
        CacheStatus::Extended {
            records: 1,
            notebooks: 0
        }
    );
    assert_eq!(check(&p, None, cache.path()).status, CacheStatus::Hit);
}

#[test]
fn rewritten_history_is_built_again() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let w = project(dir.path(), 12, 300);
    let head = Project::open(dir.path(), None).unwrap();
    assert_eq!(
        check(&head, None, cache.path()).status,
        CacheStatus::Built(Miss::Absent)
    );

    // Reset to an older record and commit something else: a later code
    // record's message and tree again, at another time (so another id).
    let code = code_records(&w);
    let (base, later) = (code[code.len() / 2], code[code.len() * 3 / 4]);
    let repo = Repository::open(dir.path()).unwrap();
    let base = repo.find_commit(base).unwrap();
    let later = repo.find_commit(later).unwrap();
    let sig = git2::Signature::new(
        "Alice Example",
        "alice@example.com",
        &git2::Time::new(2_000_000_000, 0),
    )
    .unwrap();
    let redone = repo
        .commit(
            None,
            &sig,
            &sig,
            later.message().unwrap(),
            &later.tree().unwrap(),
            &[&base],
        )
        .unwrap();
    repo.branch("rewritten", &repo.find_commit(redone).unwrap(), false)
        .unwrap();
    let rewritten = Project::open(dir.path(), Some("rewritten")).unwrap();
    assert_eq!(
        check(&rewritten, None, cache.path()).status,
        CacheStatus::Built(Miss::OtherHistory)
    );
    assert_eq!(
        check(&rewritten, None, cache.path()).status,
        CacheStatus::Hit
    );

    // Back to the original branch, then to an older commit (the history
    // shrank): neither is the file's history, each is built anew.
    assert_eq!(
        check(&head, None, cache.path()).status,
        CacheStatus::Built(Miss::OtherHistory)
    );
    let older = Project::open(dir.path(), Some(&base.id().to_string())).unwrap();
    assert_eq!(
        check(&older, None, cache.path()).status,
        CacheStatus::Built(Miss::OtherHistory)
    );
}

#[test]
fn another_repository_at_the_same_path_is_built_again() {
    let root = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let dir = root.path().join("project");
    project(&dir, 21, 250);
    let first = check(&Project::open(&dir, None).unwrap(), None, cache.path());
    std::fs::remove_dir_all(&dir).unwrap();
    project(&dir, 22, 250);
    let second = check(&Project::open(&dir, None).unwrap(), None, cache.path());
    assert_eq!(second.file, first.file, "the same path, the same file");
    assert_eq!(second.status, CacheStatus::Built(Miss::OtherHistory));
    assert_eq!(
        check(&Project::open(&dir, None).unwrap(), None, cache.path()).status,
        CacheStatus::Hit
    );
}

#[test]
fn a_damaged_file_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    project(dir.path(), 31, 250);
    let p = Project::open(dir.path(), None).unwrap();
    let file = check(&p, None, cache.path()).file.unwrap();
    let good = std::fs::read(&file).unwrap();
    let n = good.len();

    let mut damages: Vec<(&str, Vec<u8>)> = Vec::new();
    for at in [0, 8, 12, 20, n / 3, n / 2, n - 9, n - 1] {
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
    // Another format version: the version field is covered by the checksum,
    // so a file of another version reads as damaged or foreign, never as ours.
    let mut other = good.clone();
    other[8] = other[8].wrapping_add(1);
    damages.push(("another version", other));

    for (what, bytes) in damages {
        std::fs::write(&file, &bytes).unwrap();
        let report = check(&p, None, cache.path());
        assert!(
            matches!(
                report.status,
                CacheStatus::Built(Miss::Damaged | Miss::OtherFormat)
            ),
            "{what}: {report:?}"
        );
        assert!(report.written, "{what}");
        assert_eq!(
            std::fs::read(&file).unwrap(),
            good,
            "{what}: rewritten whole"
        );
        assert_eq!(
            check(&p, None, cache.path()).status,
            CacheStatus::Hit,
            "{what}"
        );
    }

    // A directory where the file goes: not read, not written, still right.
    std::fs::remove_file(&file).unwrap();
    std::fs::create_dir(&file).unwrap();
    let report = check(&p, None, cache.path());
    assert_eq!(report.status, CacheStatus::Built(Miss::Absent));
    assert!(!report.written);
}

#[test]
fn a_cache_directory_that_cannot_be_made_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    project(dir.path(), 32, 200);
    let p = Project::open(dir.path(), None).unwrap();
    // Below a plain file, no directory can be created.
    let blocker = cache.path().join("file");
    std::fs::write(&blocker, b"x").unwrap();
    let report = check(&p, None, &blocker.join("lineage"));
    assert_eq!(report.status, CacheStatus::Built(Miss::Absent));
    assert!(!report.written);
    assert_eq!(std::fs::read(&blocker).unwrap(), b"x");
}

#[test]
fn no_cache_writes_nothing_and_the_cache_changes_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let w = project(dir.path(), 41, 300);
    let p = dir.path().to_str().unwrap();
    let code = code_records(&w).last().unwrap().to_string();
    let runs: [&[&str]; 5] = [
        &["stats", "--json", p],
        &["stuck", "--json", p],
        &["export", "--cells", p],
        &["cell", &code, "--json", p],
        &["diff", &code, p],
    ];
    let mut uncached = Vec::new();
    for args in runs {
        let mut args = args.to_vec();
        args.insert(0, "--no-cache");
        uncached.push(common::gtm_with_cache(cache.path(), &args));
    }
    assert!(
        common::files(cache.path()).is_empty(),
        "{:?}",
        common::files(cache.path())
    );

    // With the cache: written by the first run, read by the second, and
    // every output the same as without.
    for _ in 0..2 {
        for (args, want) in runs.iter().zip(&uncached) {
            assert_eq!(
                &common::gtm_with_cache(cache.path(), args),
                want,
                "{args:?}"
            );
        }
    }
    let lineage_dir = cache.path().join("lineage");
    assert_eq!(common::files(cache.path()), vec![lineage_dir.clone()]);
    // The whole history's file, one notebook's (cell, diff), and the
    // walked records (stats, stuck, export --cells: see tests/walk_cache.rs).
    assert_eq!(
        common::files(&lineage_dir).len(),
        3,
        "{:?}",
        common::files(&lineage_dir)
    );
}

#[test]
fn the_repository_is_only_read() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let w = project(dir.path(), 51, 300);
    let code = code_records(&w);
    let before = common::snapshot(dir.path());
    // Built, extended, read, rebuilt after damage: in process and by the binary.
    let mid = Project::open(dir.path(), Some(&code[code.len() / 2].to_string())).unwrap();
    check(&mid, None, cache.path());
    let head = Project::open(dir.path(), None).unwrap();
    check(&head, None, cache.path());
    check(&head, None, cache.path());
    let file = cached(&head, None, cache.path()).1.file.unwrap();
    std::fs::write(&file, b"damaged").unwrap();
    check(&head, None, cache.path());
    let p = dir.path().to_str().unwrap();
    common::gtm_with_cache(cache.path(), &["stats", p]);
    common::gtm_with_cache(cache.path(), &["export", "--cells", p]);
    assert!(
        common::snapshot(dir.path()) == before,
        "the repository changed"
    );
}

#[test]
fn the_insights_and_cell_screens_read_through_the_cache() {
    use gtm_tui::repo::Rows;
    use gtm_tui::tui::{history, insights};
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    project(dir.path(), 61, 300);
    let p = Project::open(dir.path(), None).unwrap();
    let rows = Rows::from_rows(&p.records().unwrap());
    let policy = CachePolicy::Dir(cache.path().to_path_buf());
    let want = insights::prepare(&p, &rows, &CachePolicy::Off);
    for _ in 0..2 {
        let got = insights::prepare(&p, &rows, &policy);
        assert_eq!(got.streaks, want.streaks);
        assert_eq!(got.stats, want.stats);
    }
    assert_eq!(common::files(cache.path()).len(), 1);
    let nb = cold(&p, None).executions.first().unwrap().notebook.clone();
    let want = history::notebook_lineage(&p, &rows, &nb, &CachePolicy::Off);
    for _ in 0..2 {
        let got = history::notebook_lineage(&p, &rows, &nb, &policy);
        assert_eq!(fields(&got), fields(&want));
    }
    assert_eq!(common::files(cache.path()).len(), 2);
}

/// Commits on HEAD a change to the tip's largest log file (`None` removes
/// it) under a message that is no record: the record commits stay as
/// they were, what the detail store reads first does not. The file's path
/// and its bytes before.
fn change_log(dir: &Path, change: impl Fn(&[u8]) -> Option<Vec<u8>>) -> (String, Vec<u8>) {
    let repo = Repository::open(dir).unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    let tree = head.tree().unwrap();
    let log_dir = tree.get_path(Path::new(gtm_tui::repo::LOG_DIR)).unwrap();
    let log_dir = repo.find_tree(log_dir.id()).unwrap();
    let entry = log_dir
        .iter()
        .max_by_key(|e| repo.find_blob(e.id()).unwrap().size())
        .unwrap();
    let path = format!("{}/{}", gtm_tui::repo::LOG_DIR, entry.name().unwrap());
    let old = repo.find_blob(entry.id()).unwrap();
    put_log(dir, &path, change(old.content()));
    (path, old.content().to_vec())
}

/// Commits on HEAD `path` with `bytes` (`None`: without it), under a
/// message that is no record.
fn put_log(dir: &Path, path: &str, bytes: Option<Vec<u8>>) {
    let repo = Repository::open(dir).unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    let tree = head.tree().unwrap();
    let mut update = git2::build::TreeUpdateBuilder::new();
    match bytes {
        Some(bytes) => {
            let id = repo.blob(&bytes).unwrap();
            update.upsert(path, id, git2::FileMode::Blob);
        }
        None => {
            update.remove(path);
        }
    }
    let new_tree = update.create_updated(&repo, &tree).unwrap();
    let sig = git2::Signature::new(
        "Alice Example",
        "alice@example.com",
        &git2::Time::new(2_000_000_000, 0),
    )
    .unwrap();
    repo.commit(
        Some("HEAD"),
        &sig,
        &sig,
        "an edit that is no record\n",
        &repo.find_tree(new_tree).unwrap(),
        &[&head],
    )
    .unwrap();
}

#[test]
fn log_files_rewritten_at_the_tip_are_noticed() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    project(dir.path(), 71, 300);
    let head = || Project::open(dir.path(), None).unwrap();
    assert_eq!(
        check(&head(), None, cache.path()).status,
        CacheStatus::Built(Miss::Absent)
    );

    // Appended to, as the client does: the file holds, and names the new blob.
    change_log(dir.path(), |b| Some([b, b"\n".as_slice()].concat()));
    let report = check(&head(), None, cache.path());
    assert_eq!(report.status, CacheStatus::Hit);
    assert!(report.written);
    let report = check(&head(), None, cache.path());
    assert_eq!((report.status, report.written), (CacheStatus::Hit, false));

    // A byte changed in the middle, then the file removed: rebuilt each time.
    change_log(dir.path(), |b| {
        let mut v = b.to_vec();
        let middle = v.len() / 2;
        v[middle] ^= 0x20;
        Some(v)
    });
    assert_eq!(
        check(&head(), None, cache.path()).status,
        CacheStatus::Built(Miss::LogsRewritten)
    );
    assert_eq!(check(&head(), None, cache.path()).status, CacheStatus::Hit);
    let (path, bytes) = change_log(dir.path(), |_| None);
    assert_eq!(
        check(&head(), None, cache.path()).status,
        CacheStatus::Built(Miss::LogsRewritten)
    );
    // Back again: the file was read from each record's own commit while
    // the tip lacked it, and is read from the tip first now.
    put_log(dir.path(), &path, Some(bytes));
    assert_eq!(
        check(&head(), None, cache.path()).status,
        CacheStatus::Built(Miss::LogsRewritten)
    );
    assert_eq!(check(&head(), None, cache.path()).status, CacheStatus::Hit);
}

#[test]
fn builds_at_once_leave_one_whole_file() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    project(dir.path(), 81, 250);
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| {
                let p = Project::open(dir.path(), None).unwrap();
                check(&p, None, cache.path());
            });
        }
    });
    let p = Project::open(dir.path(), None).unwrap();
    assert_eq!(check(&p, None, cache.path()).status, CacheStatus::Hit);
    assert_eq!(
        common::files(cache.path()).len(),
        1,
        "{:?}",
        common::files(cache.path())
    );
}
