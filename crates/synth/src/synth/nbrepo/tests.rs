//! Checks of written repositories against their truth, read back through git2 and serde_json only.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use git2::{DiffFindOptions, Oid, Repository};
use serde_json::Value;

use super::{IdMode, NbRepo, NbTruth, TruthVersion};

fn full(ids: IdMode, seed: u64) -> NbRepo {
    NbRepo {
        seed,
        commits: 150,
        notebooks: 5,
        cells: 12,
        ids,
        stripped: 0.2,
        images: 0.15,
        renames: true,
        broken: true,
        env_files: true,
        old_formats: true,
        figure_px: (24, 16),
    }
}

fn write(cfg: &NbRepo) -> (tempfile::TempDir, Repository, NbTruth) {
    let dir = tempfile::tempdir().unwrap();
    let truth = cfg.write(dir.path()).unwrap();
    let repo = Repository::open(dir.path()).unwrap();
    (dir, repo, truth)
}

fn blob(repo: &Repository, commit: &str, path: &str) -> Option<Vec<u8>> {
    let tree = repo
        .find_commit(Oid::from_str(commit).unwrap())
        .unwrap()
        .tree()
        .unwrap();
    let entry = tree.get_path(std::path::Path::new(path)).ok()?;
    Some(repo.find_blob(entry.id()).unwrap().content().to_vec())
}

/// The cells of a notebook file, whatever its nbformat.
fn cells(doc: &Value) -> &Vec<Value> {
    if doc["nbformat"] == 3 {
        doc["worksheets"][0]["cells"].as_array().unwrap()
    } else {
        doc["cells"].as_array().unwrap()
    }
}

fn ids(doc: &Value) -> Vec<Option<String>> {
    cells(doc)
        .iter()
        .map(|c| c.get("id").and_then(Value::as_str).map(str::to_string))
        .collect()
}

/// Every good version with its parsed file, oldest first.
fn good_versions<'t>(
    repo: &Repository,
    truth: &'t NbTruth,
) -> Vec<(usize, &'t TruthVersion, Value)> {
    let mut out = Vec::new();
    for (ci, c) in truth.commits.iter().enumerate() {
        for v in &c.notebooks {
            if v.deleted || v.broken.is_some() {
                continue;
            }
            let bytes = blob(repo, &c.commit, &v.path).unwrap();
            out.push((ci, v, serde_json::from_slice(&bytes).unwrap()));
        }
    }
    out
}

#[test]
fn same_options_give_the_same_repository() {
    let cfg = full(IdMode::Churn, 7);
    let (_a, ra, ta) = write(&cfg);
    let (_b, rb, tb) = write(&cfg);
    assert_eq!(
        serde_json::to_string(&ta).unwrap(),
        serde_json::to_string(&tb).unwrap()
    );
    let head = |r: &Repository| r.head().unwrap().target().unwrap();
    assert_eq!(head(&ra), head(&rb));
    assert_eq!(ra.head().unwrap().name().unwrap(), "refs/heads/main");
    let other = NbRepo { seed: 8, ..cfg };
    let (_c, rc, _) = write(&other);
    assert_ne!(head(&ra), head(&rc));
}

#[test]
fn refuses_a_directory_that_is_not_empty() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x"), "x").unwrap();
    assert!(NbRepo::default().write(dir.path()).is_err());
}

#[test]
fn every_version_reads_as_the_truth_says() {
    for (k, ids) in [
        IdMode::None,
        IdMode::Stable,
        IdMode::Churn,
        IdMode::Renumber,
    ]
    .into_iter()
    .enumerate()
    {
        let cfg = full(ids, 11 + k as u64);
        let (_d, repo, truth) = write(&cfg);
        assert_eq!(truth.commits.len(), cfg.commits);
        let mut broken = BTreeSet::new();
        for c in &truth.commits {
            for v in &c.notebooks {
                let bytes = blob(&repo, &c.commit, &v.path);
                if v.deleted {
                    assert!(bytes.is_none(), "{} still there", v.path);
                    continue;
                }
                let bytes = bytes.unwrap();
                let parsed = serde_json::from_slice::<Value>(&bytes);
                if let Some(kind) = &v.broken {
                    assert!(parsed.is_err(), "broken {kind} version parses");
                    let text = String::from_utf8_lossy(&bytes);
                    match kind.as_str() {
                        "conflict" => {
                            for m in ["\n<<<<<<< HEAD\n", "\n=======\n", "\n>>>>>>> "] {
                                assert!(text.contains(m), "{m:?}");
                            }
                        }
                        "lfs" => assert!(text.starts_with(
                            "version https://git-lfs.github.com/spec/v1\noid sha256:"
                        )),
                        _ => assert!(text.starts_with('{') && !text.ends_with("}\n")),
                    }
                    assert!(v.cells.is_empty());
                    broken.insert(kind.clone());
                    continue;
                }
                let doc = parsed.unwrap();
                assert_eq!(
                    cells(&doc).len(),
                    v.cells.len(),
                    "{} in {}",
                    v.path,
                    c.commit
                );
                let unique: BTreeSet<u64> = v.cells.iter().copied().collect();
                assert_eq!(unique.len(), v.cells.len(), "identities repeat");
                // Byte for byte what a sorted, one-space pretty printer gives.
                let mut again = Vec::new();
                let fmt = serde_json::ser::PrettyFormatter::with_indent(b" ");
                let mut ser = serde_json::Serializer::with_formatter(&mut again, fmt);
                serde::Serialize::serialize(&doc, &mut ser).unwrap();
                again.push(b'\n');
                assert_eq!(
                    String::from_utf8_lossy(&again),
                    String::from_utf8_lossy(&bytes)
                );
                for cell in cells(&doc) {
                    let src = cell.get("source").or_else(|| cell.get("input")).unwrap();
                    let lines = src.as_array().unwrap();
                    for (i, l) in lines.iter().enumerate() {
                        let l = l.as_str().unwrap();
                        // Only the last line may lack its newline.
                        assert!(l.ends_with('\n') || i + 1 == lines.len(), "{l:?}");
                    }
                }
                let minor = doc["nbformat_minor"].as_u64().unwrap();
                if ids == IdMode::None {
                    assert!(doc["nbformat"] == 3 || minor <= 4);
                    assert!(ids_of(&doc).is_empty());
                }
            }
        }
        let want: BTreeSet<String> = ["conflict", "truncated", "lfs"].map(String::from).into();
        assert_eq!(broken, want);
    }
}

fn ids_of(doc: &Value) -> Vec<String> {
    ids(doc).into_iter().flatten().collect()
}

#[test]
fn each_commit_lists_exactly_what_git_says_it_changed() {
    let (_d, repo, truth) = write(&full(IdMode::Stable, 3));
    let mut saw_rename = 0;
    for c in &truth.commits {
        let commit = repo.find_commit(Oid::from_str(&c.commit).unwrap()).unwrap();
        let parent = commit.parent(0).ok().map(|p| p.tree().unwrap());
        assert_eq!(
            c.parents,
            commit
                .parent_ids()
                .map(|o| o.to_string())
                .collect::<Vec<_>>()
        );
        assert_eq!(commit.author().when().seconds(), c.time);
        assert_eq!(commit.message().unwrap(), c.message);
        let mut diff = repo
            .diff_tree_to_tree(parent.as_ref(), Some(&commit.tree().unwrap()), None)
            .unwrap();
        let mut find = DiffFindOptions::new();
        find.renames(true);
        diff.find_similar(Some(&mut find)).unwrap();
        let mut notebooks = BTreeSet::new();
        let mut other = BTreeSet::new();
        for d in diff.deltas() {
            let new = d.new_file().path().unwrap().to_str().unwrap().to_string();
            let old = d.old_file().path().unwrap().to_str().unwrap().to_string();
            if new.ends_with(".ipynb") {
                if d.status() == git2::Delta::Renamed {
                    let v = c.notebooks.iter().find(|v| v.path == new).unwrap();
                    assert_eq!(v.old_path.as_deref(), Some(old.as_str()));
                    saw_rename += 1;
                }
                notebooks.insert(new);
            } else {
                other.insert(new);
            }
        }
        let listed: BTreeSet<String> = c.notebooks.iter().map(|v| v.path.clone()).collect();
        assert_eq!(notebooks, listed, "notebooks of {}", c.commit);
        let listed: BTreeSet<String> = c.other_files.iter().cloned().collect();
        assert_eq!(other, listed, "other files of {}", c.commit);
    }
    let renames = truth
        .commits
        .iter()
        .flat_map(|c| &c.notebooks)
        .filter(|v| v.old_path.is_some())
        .count();
    assert!(renames >= 3);
    assert_eq!(saw_rename, renames, "every rename is one to git too");
}

#[test]
fn stable_ids_name_one_cell_for_the_whole_history() {
    let (_d, repo, truth) = write(&full(IdMode::Stable, 5));
    let mut by_id = BTreeMap::new();
    let mut by_cell = BTreeMap::new();
    let mut seen = 0;
    for (_, v, doc) in good_versions(&repo, &truth) {
        for (id, &cell) in ids(&doc).iter().zip(&v.cells) {
            let Some(id) = id else { continue };
            seen += 1;
            assert_eq!(*by_id.entry(id.clone()).or_insert(cell), cell, "id {id}");
            assert_eq!(by_cell.entry(cell).or_insert(id.clone()), id, "cell {cell}");
        }
    }
    assert!(seen > 500);
}

#[test]
fn churned_saves_have_all_new_ids_and_renumbered_ids_are_positions() {
    let (_d, repo, truth) = write(&full(IdMode::Churn, 6));
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut churned = 0;
    for (_, v, doc) in good_versions(&repo, &truth) {
        let here = ids_of(&doc);
        if v.ids_regenerated {
            churned += 1;
            assert_eq!(here.len(), v.cells.len());
            assert!(here.iter().all(|i| !seen.contains(i)), "old id after churn");
        }
        seen.extend(here);
    }
    assert!(churned >= 10, "{churned} churned saves");

    let (_d, repo, truth) = write(&full(IdMode::Renumber, 6));
    let mut with_ids = 0;
    for (_, _, doc) in good_versions(&repo, &truth) {
        let here = ids_of(&doc);
        if !here.is_empty() {
            with_ids += 1;
            let want: Vec<String> = (0..here.len()).map(|i| i.to_string()).collect();
            assert_eq!(here, want);
        }
    }
    assert!(with_ids > 50);
}

#[test]
fn stripped_saves_have_no_outputs() {
    let cfg = NbRepo {
        stripped: 1.0,
        ..full(IdMode::Renumber, 2)
    };
    let (_d, repo, truth) = write(&cfg);
    let (_e, repo2, truth2) = write(&NbRepo {
        stripped: 0.3,
        ..cfg.clone()
    });
    let mut checked = 0;
    let mut outputs = 0;
    for (r, t, all) in [(&repo, &truth, true), (&repo2, &truth2, false)] {
        for (_, v, doc) in good_versions(r, t) {
            let pure_mv = v.ops == ["rename"];
            let stripped = v.ops.iter().any(|o| o == "strip");
            if all && !pure_mv && v.old_path.is_none() {
                assert!(stripped, "{:?}", v.ops);
            }
            for c in cells(&doc) {
                let code = c["cell_type"] == "code";
                let outs = c["outputs"].as_array().map_or(0, Vec::len);
                if stripped && code {
                    checked += 1;
                    assert_eq!(outs, 0);
                    assert!(c.get("execution_count").is_none_or(Value::is_null));
                    assert!(c.get("prompt_number").is_none());
                }
                outputs += outs;
            }
        }
    }
    assert!(checked > 100);
    assert!(outputs > 0, "the unstripped saves show outputs");
}

#[test]
fn outputs_look_like_jupyter_runs() {
    let (_d, repo, truth) = write(&NbRepo {
        images: 0.3,
        ..full(IdMode::Stable, 4)
    });
    let mut kinds = BTreeSet::new();
    for (_, _, doc) in good_versions(&repo, &truth) {
        for c in cells(&doc) {
            for o in c["outputs"].as_array().into_iter().flatten() {
                let kind = o["output_type"].as_str().unwrap().to_string();
                if kind == "display_data" {
                    let b64 = o["data"]["image/png"]
                        .as_str()
                        .or(o["png"].as_str())
                        .unwrap();
                    use base64::Engine;
                    let png = base64::engine::general_purpose::STANDARD
                        .decode(b64)
                        .unwrap();
                    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
                }
                if kind == "error" {
                    let tb = o["traceback"].as_array().unwrap();
                    assert!(tb[0].as_str().unwrap().contains('\u{1b}'));
                }
                kinds.insert(kind);
            }
        }
    }
    for k in ["stream", "execute_result", "display_data", "error"] {
        assert!(kinds.contains(k), "no {k} output in {kinds:?}");
    }
}

/// Replays each version's ops on the previous good version's identities:
/// the truth must say what the ops say.
#[test]
fn ops_explain_the_identities() {
    for ids in [IdMode::None, IdMode::Stable, IdMode::Churn] {
        let (_d, _repo, truth) = write(&full(ids, 9));
        // New cells stand as NEW until compared with the truth.
        const NEW: u64 = u64::MAX;
        let mut last: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        let mut gone: BTreeSet<String> = BTreeSet::new();
        let mut ever: BTreeSet<u64> = BTreeSet::new();
        let mut readded = 0;
        for c in &truth.commits {
            for v in &c.notebooks {
                if v.deleted {
                    last.remove(&v.path);
                    gone.insert(v.path.clone());
                    continue;
                }
                if v.broken.is_some() {
                    continue;
                }
                let prev = match &v.old_path {
                    Some(old) => last.remove(old),
                    None => last.get(&v.path).cloned(),
                };
                if v.ops.first().map(String::as_str) == Some("create") {
                    assert!(prev.is_none());
                    assert!(
                        v.cells.iter().all(|x| !ever.contains(x)),
                        "created with old cells"
                    );
                    readded += usize::from(gone.contains(&v.path));
                } else {
                    let mut cur = prev.expect("a version without a predecessor");
                    for op in &v.ops {
                        let (name, arg) = op.split_once(' ').unwrap_or((op, ""));
                        let num = |s: &str| s.parse::<usize>().unwrap();
                        match name {
                            "insert" => cur.insert(num(arg), NEW),
                            "delete" => {
                                cur.remove(num(arg));
                            }
                            "move" => {
                                let (a, b) = arg.split_once("->").unwrap();
                                let x = cur.remove(num(a));
                                cur.insert(num(b), x);
                            }
                            "copy" => {
                                let (a, b) = arg.split_once("->").unwrap();
                                assert!(cur[num(a)] != NEW || num(a) < cur.len());
                                cur.insert(num(b), NEW);
                            }
                            "split" => cur.insert(num(arg) + 1, NEW),
                            "merge" => {
                                let (a, b) = arg.split_once('+').unwrap();
                                assert_eq!(num(a) + 1, num(b));
                                cur.remove(num(b));
                            }
                            _ => {}
                        }
                    }
                    assert_eq!(cur.len(), v.cells.len(), "{:?}", v.ops);
                    for (want, got) in cur.iter().zip(&v.cells) {
                        if *want == NEW {
                            assert!(!ever.contains(got), "a new cell reuses {got}");
                        } else {
                            assert_eq!(want, got, "{:?}", v.ops);
                        }
                    }
                }
                ever.extend(v.cells.iter().copied());
                last.insert(v.path.clone(), v.cells.clone());
            }
        }
        assert_eq!(readded, 1, "one notebook deleted and added again");
    }
}

#[test]
fn broken_versions_are_followed_by_the_last_good_cells() {
    let (_d, _repo, truth) = write(&full(IdMode::Stable, 12));
    let mut last_good: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut pending: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut checked = 0;
    for c in &truth.commits {
        for v in &c.notebooks {
            if v.broken.is_some() {
                pending.insert(v.path.clone(), last_good[&v.path].clone());
                continue;
            }
            if let Some(before) = pending.remove(&v.path) {
                assert!(v.broken.is_none());
                let kept = v.cells.iter().filter(|x| before.contains(x)).count();
                assert!(
                    kept * 2 >= before.len(),
                    "the cells go on after a broken version"
                );
                checked += 1;
            }
            last_good.insert(v.path.clone(), v.cells.clone());
        }
    }
    assert!(checked >= 3);
}

#[test]
fn old_formats_and_upgrades_appear() {
    let (_d, repo, truth) = write(&full(IdMode::Stable, 13));
    let mut formats = BTreeSet::new();
    for (_, v, doc) in good_versions(&repo, &truth) {
        formats.insert((
            doc["nbformat"].as_u64().unwrap(),
            doc.get("nbformat_minor")
                .and_then(Value::as_u64)
                .unwrap_or(0),
        ));
        if doc["nbformat"] == 3 {
            assert!(
                cells(&doc)
                    .iter()
                    .all(|c| c.get("source").is_some() || c.get("input").is_some())
            );
        }
        let _ = v;
    }
    assert!(formats.contains(&(3, 0)), "{formats:?}");
    assert!(formats.contains(&(4, 5)), "{formats:?}");
    assert!(formats.iter().any(|&(m, n)| m == 4 && n < 5), "{formats:?}");
    let upgrades = truth
        .commits
        .iter()
        .flat_map(|c| &c.notebooks)
        .filter(|v| v.ops.iter().any(|o| o == "upgrade"))
        .count();
    assert!(upgrades >= 1);
}

#[test]
fn a_big_repository_writes_quickly() {
    let cfg = NbRepo {
        commits: 2000,
        notebooks: 12,
        ..full(IdMode::Stable, 21)
    };
    let dir = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let truth = cfg.write(dir.path()).unwrap();
    let versions: usize = truth.commits.iter().map(|c| c.notebooks.len()).sum();
    println!(
        "2000 commits, {versions} notebook versions written in {:.2?}",
        start.elapsed()
    );
    assert_eq!(truth.commits.len(), 2000);
}

#[test]
fn odd_sizes_still_write() {
    for (commits, notebooks, size) in [(0, 3, 12), (1, 0, 12), (3, 8, 0), (40, 1, 1), (25, 2, 60)] {
        let cfg = NbRepo {
            commits,
            notebooks,
            cells: size,
            ..full(IdMode::Renumber, 1)
        };
        let dir = tempfile::tempdir().unwrap();
        let truth = cfg.write(dir.path()).unwrap();
        assert_eq!(truth.commits.len(), commits);
        let repo = Repository::open(dir.path()).unwrap();
        for (_, v, doc) in good_versions(&repo, &truth) {
            assert_eq!(cells(&doc).len(), v.cells.len());
        }
    }
}

#[test]
fn execution_counts_follow_the_kernel() {
    let (_d, repo, truth) = write(&NbRepo {
        stripped: 0.0,
        ..full(IdMode::Stable, 14)
    });
    let mut restarts = 0;
    for (_, v, doc) in good_versions(&repo, &truth) {
        if doc["nbformat"] == 3 {
            continue;
        }
        let counts: Vec<Option<u64>> = cells(&doc)
            .iter()
            .filter(|c| c["cell_type"] == "code")
            .map(|c| c["execution_count"].as_u64())
            .collect();
        // Counts may repeat: a pasted copy keeps its original's, and counts
        // left from before a restart meet the new kernel's.
        // An execute_result carries its cell's count.
        for c in cells(&doc) {
            for o in c["outputs"].as_array().into_iter().flatten() {
                if o["output_type"] == "execute_result" {
                    assert_eq!(o["execution_count"], c["execution_count"]);
                }
            }
        }
        if v.ops.last().map(String::as_str) == Some("restart-run-all") {
            restarts += 1;
            let want: Vec<Option<u64>> = (1..=counts.len() as u64).map(Some).collect();
            assert_eq!(counts, want, "restart and run all numbers from 1");
        }
    }
    assert!(restarts >= 3, "{restarts}");
}

#[test]
fn figures_past_the_default_size_weigh_what_real_plots_do() {
    use crate::activity::image::{ImageFormat, dimensions};
    let small = super::png::figure(7, (24, 16));
    let big = super::png::figure(7, (180, 135));
    assert_eq!(dimensions(&small, ImageFormat::Png), Ok((24, 16)));
    assert_eq!(dimensions(&big, ImageFormat::Png), Ok((180, 135)));
    // The noise keeps zlib from shrinking it to a few hundred bytes, as flat bars would.
    assert!(big.len() > 8_000, "{}", big.len());
    assert_eq!(big, super::png::figure(7, (180, 135)));
}
