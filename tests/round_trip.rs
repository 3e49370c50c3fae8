//! What synth wrote is what the reader returns, byte for byte, on every branch.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use gtm_tui::activity::{Content, image};
use gtm_tui::repo::Project;
use gtm_tui::synth::{Workload, WrittenRecord};

fn check_branch(
    path: &std::path::Path,
    rev: &str,
    truth: &HashMap<git2::Oid, &WrittenRecord>,
) -> usize {
    let project = Project::open(path, Some(rev)).unwrap();
    let store = project.details();
    let rows = project.records().unwrap();
    let mut last_time = i64::MAX;
    for row in &rows {
        assert!(row.time <= last_time, "newest first");
        last_time = row.time;
        let t = truth[&row.commit];
        let r = &row.record;
        assert!(r.errors.is_empty(), "{}: {:?}", row.commit, r.errors);
        assert_eq!(r.to_message(), t.commit_message);
        assert_eq!(r.message, t.message);
        assert_eq!(r.meta, t.meta);
        assert_eq!(
            (row.author.as_str(), row.email.as_str()),
            (t.author.as_str(), t.email.as_str())
        );
        assert_eq!((row.time, row.tz_minutes), (t.time, t.tz_minutes));
        assert_eq!(r.details.len(), t.details.len());
        for (line, wd) in r.details.iter().zip(&t.details) {
            assert_eq!(line.to_line(), wd.line);
            let d = store.detail(row.commit, line);
            assert!(
                d.errors.is_empty(),
                "{} {}: {:?}",
                row.commit,
                wd.line,
                d.errors
            );
            assert_eq!(d.compressed, wd.compressed);
            assert_eq!(d.tags, if wd.legacy { vec![] } else { wd.tags.clone() });
            assert_eq!(d.content.len(), wd.entries.len());
            for (c, e) in d.content.iter().zip(&wd.entries) {
                assert_eq!(c.mime(), e.mime);
                match c {
                    Content::Text { text, .. } => assert_eq!(text.as_bytes(), e.bytes.as_slice()),
                    Content::Image { image: img, .. } => {
                        let raw = if img.base64_text {
                            STANDARD.decode(&e.bytes).unwrap()
                        } else {
                            e.bytes.clone()
                        };
                        assert_eq!(img.data, raw);
                        assert!(image::sniff(&raw).is_some());
                    }
                    Content::Binary { .. } => panic!("synth writes no binary entries"),
                }
            }
        }
    }
    rows.len()
}

#[test]
fn every_record_on_every_branch_reads_back_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let written = common::workload(
        dir.path(),
        Workload {
            records: 400,
            rotate_bytes: 48 * 1024,
            families: 2,
            large_every: 6,
            image_every: 5,
            ..Workload::default()
        },
    );
    let truth: HashMap<_, _> = written.records.iter().map(|r| (r.activity, r)).collect();
    // The data has what the format has: compression, rotation, families, merges, images.
    let all: Vec<_> = written.records.iter().flat_map(|r| &r.details).collect();
    assert!(all.iter().any(|d| d.compressed));
    assert!(
        all.iter()
            .any(|d| d.key.as_ref().is_some_and(|k| k.file_number >= 1))
    );
    let families: std::collections::HashSet<_> = all
        .iter()
        .filter_map(|d| d.key.as_ref().map(|k| &k.family))
        .collect();
    assert!(families.len() >= 2);
    assert!(written.branches.len() >= 2);

    let mut seen = 0;
    for (branch, _) in &written.branches {
        let n = check_branch(dir.path(), branch, &truth);
        assert!(
            n >= written.on_branch(branch).count(),
            "{branch}: every record of the branch"
        );
        seen += n;
    }
    assert!(seen >= written.records.len());
}

#[test]
fn legacy_projects_read_back_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let written = common::workload(
        dir.path(),
        Workload {
            records: 120,
            legacy: true,
            labbook_yaml: true,
            base64_images: true,
            image_every: 3,
            branches: false,
            ..Workload::default()
        },
    );
    let all: Vec<_> = written.records.iter().flat_map(|r| &r.details).collect();
    assert!(all.iter().all(|d| d.line.split(',').count() == 4));
    let truth: HashMap<_, _> = written.records.iter().map(|r| (r.activity, r)).collect();
    let n = check_branch(dir.path(), "HEAD", &truth);
    assert_eq!(n, written.records.len());
    let project = Project::open(dir.path(), None).unwrap();
    assert_eq!(project.name, "customer-analysis", "name from labbook.yaml");
}

#[test]
fn the_walk_streams_and_covers_every_linked_commit_form() {
    let dir = tempfile::tempdir().unwrap();
    let written = common::workload(
        dir.path(),
        Workload {
            records: 300,
            ..Workload::default()
        },
    );
    let project = Project::open(dir.path(), None).unwrap();
    // Stopping at the first record reads only the commits on the way to it.
    let mut first = None;
    let stats = project
        .walk(|row| {
            first = Some(row.commit);
            false
        })
        .unwrap();
    assert!(first.is_some());
    assert!(
        stats.commits <= 3,
        "read {} commits for the first record",
        stats.commits
    );

    // The background walks deliver batches before the end, then the stats;
    // packed or not, the same records.
    let all = project.records().unwrap();
    for packed in [false, true] {
        let rx = if packed {
            project.walk_packed_in_background(16).unwrap()
        } else {
            project.walk_in_background(16).unwrap()
        };
        let mut batches = 0;
        let mut rows = Vec::new();
        let mut done = false;
        for msg in rx {
            assert!(!done);
            match msg {
                gtm_tui::repo::WalkMsg::Rows(r) => {
                    assert!(!packed);
                    batches += 1;
                    rows.extend(r);
                }
                gtm_tui::repo::WalkMsg::Packed(r) => {
                    assert!(packed && r.len() <= 16);
                    batches += 1;
                    rows.extend(r.iter().map(|x| x.to_row()));
                }
                gtm_tui::repo::WalkMsg::Done(s) => {
                    done = true;
                    assert_eq!(s.unwrap().records, rows.len());
                }
            }
        }
        assert!(done && batches > 1);
        assert!(rows == all, "packed: {packed}");
    }

    let linked: Vec<&str> = written
        .records
        .iter()
        .map(|r| r.meta.linked_commit.as_str())
        .collect();
    assert!(linked.iter().any(|l| l.len() == 40), "a commit hash");
    assert!(linked.iter().any(|l| l.len() == 32), "a uuid");
    assert!(linked.iter().any(|l| l.is_empty()), "empty");
}

#[test]
fn workloads_cover_every_type_action_and_image_form() {
    let dir = tempfile::tempdir().unwrap();
    let written = common::workload(
        dir.path(),
        Workload {
            records: 1500,
            image_every: 4,
            large_every: 5,
            truncated_every: 3,
            ..Workload::default()
        },
    );
    let legacy_dir = tempfile::tempdir().unwrap();
    let legacy = common::workload(
        legacy_dir.path(),
        Workload {
            records: 300,
            legacy: true,
            base64_images: true,
            image_every: 3,
            ..Workload::default()
        },
    );
    let records: Vec<_> = written.records.iter().chain(&legacy.records).collect();
    let types: std::collections::BTreeSet<i64> = records.iter().map(|r| r.meta.kind.id()).collect();
    assert_eq!(types, (0..=8).collect(), "every record type");
    let details: Vec<_> = records.iter().flat_map(|r| &r.details).collect();
    let dtypes: std::collections::BTreeSet<i64> = details.iter().map(|d| d.type_id).collect();
    assert_eq!(dtypes, (0..=8).collect(), "every detail type");
    let actions: std::collections::BTreeSet<i64> = details
        .iter()
        .map(|d| if d.legacy { 0 } else { d.action })
        .collect();
    assert_eq!(
        actions,
        (0..=4).collect(),
        "every action (legacy lines read as none)"
    );
    let mimes: std::collections::BTreeSet<&str> = details
        .iter()
        .flat_map(|d| &d.entries)
        .map(|e| e.mime.as_str())
        .collect();
    for m in ["text/plain", "text/markdown", "image/png", "image/gif"] {
        assert!(mimes.contains(m), "{m} in {mimes:?}");
    }
    assert!(
        details
            .iter()
            .flat_map(|d| &d.entries)
            .any(|e| e.mime == "image/png" && e.bytes.starts_with(b"/9j/")),
        "an old base64-text JPEG"
    );
    assert!(
        details
            .iter()
            .flat_map(|d| &d.entries)
            .any(|e| String::from_utf8_lossy(&e.bytes).ends_with("<result truncated>")),
        "a truncated result"
    );
}

#[test]
fn notebook_language_comes_from_the_linked_commit() {
    let dir = tempfile::tempdir().unwrap();
    let written = common::workload(
        dir.path(),
        Workload {
            records: 80,
            ..Workload::default()
        },
    );
    let project = Project::open(dir.path(), None).unwrap();
    let runs: Vec<_> = written
        .records
        .iter()
        .filter(|r| r.message.contains(".ipynb") && r.meta.linked_commit.len() == 40)
        .collect();
    let path_of = |m: &str| {
        m.split("notebook ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .to_string()
    };
    let langs: Vec<Option<String>> = runs
        .iter()
        .map(|r| project.notebook_language(&r.meta.linked_commit, &path_of(&r.message)))
        .collect();
    // Before its first save a notebook is not in the linked commit yet.
    let found = langs.iter().flatten().count();
    assert!(found * 2 > runs.len(), "{found} of {}", runs.len());
    assert!(langs.iter().flatten().all(|l| l == "python"));
    let rec = runs[0];
    let path = path_of(&rec.message);
    let path = path.as_str();
    assert_eq!(
        project.notebook_language(&rec.meta.linked_commit, "code/none.ipynb"),
        None
    );
    assert_eq!(project.notebook_language("not-a-hash", path), None);
}

/// The walk reads each commit once and in `git log`'s order on a history
/// with workspace branches merged back (where a commit is reached by two
/// paths and the walk must remember it).
#[test]
fn walk_order_is_git_logs() {
    let dir = tempfile::tempdir().unwrap();
    common::workload(
        dir.path(),
        Workload {
            records: 300,
            merge_probability: 1.0,
            ..Workload::default()
        },
    );
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(
        git(&["rev-list", "--merges", "HEAD"]).lines().count() >= 2,
        "the history has merges"
    );
    let theirs: Vec<String> = git(&["log", "--format=%H %s"])
        .lines()
        .filter(|l| l.contains("_GTM_ACTIVITY_START_"))
        .filter_map(|l| l.get(..40).map(str::to_string))
        .collect();
    let project = Project::open(dir.path(), None).unwrap();
    let ours: Vec<String> = project
        .records()
        .unwrap()
        .iter()
        .map(|r| r.commit.to_string())
        .collect();
    assert!(ours.len() > 100);
    assert_eq!(ours, theirs);
}
