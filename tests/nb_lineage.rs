//! Cells followed through a notebook repository's history against synth's truth: for every two
//! consecutive readable versions of a notebook, the pairs of cells the history calls the same
//! cell against the pairs that are. Precision and recall, per kind of history, several seeds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet, HashMap};

use gtm_tui::nbhistory::{self, NbHistory};
use gtm_tui::repo::Project;
use gtm_tui::synth::{IdMode, NbRepo, NbTruth};

/// Pairs found, pairs true, pairs both.
#[derive(Default, Debug, Clone, Copy)]
struct Score {
    found: usize,
    truth: usize,
    right: usize,
}

impl Score {
    fn add(&mut self, o: Score) {
        self.found += o.found;
        self.truth += o.truth;
        self.right += o.right;
    }
    fn precision(&self) -> f64 {
        self.right as f64 / self.found.max(1) as f64
    }
    fn recall(&self) -> f64 {
        self.right as f64 / self.truth.max(1) as f64
    }
}

fn pairs(a: &[u64], b: &[u64]) -> BTreeSet<(usize, usize)> {
    let at: HashMap<u64, usize> = a.iter().enumerate().map(|(i, &x)| (x, i)).collect();
    b.iter()
        .enumerate()
        .filter_map(|(j, x)| at.get(x).map(|&i| (i, j)))
        .collect()
}

fn score(h: &NbHistory, truth: &NbTruth) -> Score {
    // Our versions by (commit, path): their cells' numbers.
    let mut ours: HashMap<(String, String), Vec<u64>> = HashMap::new();
    for e in &h.entries {
        if e.error.is_some() || e.blob.is_none() {
            continue;
        }
        let c = h.commit_of(e).unwrap().id.to_string();
        ours.insert(
            (c, e.path.clone()),
            e.cells.iter().map(|c| u64::from(c.cell)).collect(),
        );
    }
    let mut total = Score::default();
    // Each true notebook's last readable version, by its current path.
    let mut last: BTreeMap<String, (String, Vec<u64>)> = BTreeMap::new();
    for commit in &truth.commits {
        for v in &commit.notebooks {
            let from = v.old_path.clone().unwrap_or_else(|| v.path.clone());
            let prev = last.remove(&from);
            if v.deleted {
                continue;
            }
            if v.broken.is_some() {
                if let Some(p) = prev {
                    last.insert(v.path.clone(), p);
                }
                continue;
            }
            let key = (commit.commit.clone(), v.path.clone());
            let found = ours.get(&key);
            assert!(found.is_some(), "no version for {key:?}");
            let found = found.unwrap();
            assert_eq!(found.len(), v.cells.len(), "cell count of {key:?}");
            if let Some((pk, pcells)) = &prev
                && let Some(pfound) = ours.get(&(pk.clone(), from.clone()))
            {
                let t = pairs(pcells, &v.cells);
                let f = pairs(pfound, found);
                total.add(Score {
                    found: f.len(),
                    truth: t.len(),
                    right: f.intersection(&t).count(),
                });
            }
            last.insert(v.path.clone(), (commit.commit.clone(), v.cells.clone()));
        }
    }
    total
}

fn run(name: &str, repo: NbRepo, seeds: &[u64], floor: f64) {
    let mut all = Score::default();
    for &seed in seeds {
        let dir = tempfile::tempdir().unwrap();
        let truth = NbRepo {
            seed,
            ..repo.clone()
        }
        .write(dir.path())
        .unwrap();
        let project = Project::open(dir.path(), None).unwrap();
        let h = nbhistory::build(&project).unwrap();
        let s = score(&h, &truth);
        eprintln!(
            "{name} seed {seed}: precision {:.4} recall {:.4} ({} true pairs)",
            s.precision(),
            s.recall(),
            s.truth
        );
        assert!(
            s.truth > 500,
            "{name}: too few pairs to measure ({})",
            s.truth
        );
        assert!(
            s.precision() >= floor && s.recall() >= floor,
            "{name} seed {seed}: precision {:.4} recall {:.4} below {floor}",
            s.precision(),
            s.recall()
        );
        all.add(s);
    }
    eprintln!(
        "{name}: precision {:.4} recall {:.4} over {} seeds",
        all.precision(),
        all.recall(),
        seeds.len()
    );
}

fn base(ids: IdMode) -> NbRepo {
    NbRepo {
        commits: 250,
        notebooks: 4,
        cells: 24,
        ids,
        images: 0.1,
        renames: true,
        broken: true,
        env_files: true,
        old_formats: ids == IdMode::None,
        ..NbRepo::default()
    }
}

const SEEDS: [u64; 3] = [11, 5, 2024];

#[test]
fn with_stable_ids_cells_pair_as_the_ids_say() {
    run("stable ids", base(IdMode::Stable), &SEEDS, 0.99);
}

#[test]
fn without_ids_cells_pair_by_order_and_content() {
    run("no ids", base(IdMode::None), &SEEDS, 0.99);
}

#[test]
fn regenerated_ids_are_caught_and_cells_pair_by_content() {
    run("ids regenerated", base(IdMode::Churn), &SEEDS, 0.99);
}

#[test]
fn renumbered_ids_are_caught_and_cells_pair_by_content() {
    run("ids renumbered", base(IdMode::Renumber), &SEEDS, 0.99);
}

#[test]
fn stripped_saves_pair_as_well() {
    let stripped = |ids| NbRepo {
        stripped: 0.5,
        ..base(ids)
    };
    run(
        "half stripped, no ids",
        stripped(IdMode::None),
        &SEEDS,
        0.99,
    );
    run(
        "half stripped, stable ids",
        stripped(IdMode::Stable),
        &SEEDS,
        0.99,
    );
    let all = NbRepo {
        stripped: 1.0,
        ..base(IdMode::Renumber)
    };
    run("all stripped, renumbered ids", all, &SEEDS, 0.99);
}

#[test]
fn reading_ahead_on_every_core_gives_the_one_thread_answer() {
    let dir = tempfile::tempdir().unwrap();
    base(IdMode::Churn).write(dir.path()).unwrap();
    let project = Project::open(dir.path(), None).unwrap();
    let ahead = nbhistory::build(&project).unwrap();
    let mut changes = Vec::new();
    project
        .walk_changes(|c| {
            changes.push(c);
            true
        })
        .unwrap();
    let plain = nbhistory::build_from(changes, |id| project.blob(id));
    assert!(ahead.entries.len() > 200);
    assert_eq!(ahead.entries, plain.entries);
    assert_eq!(ahead.cells, plain.cells);
    assert_eq!(ahead.commits, plain.commits);
}

#[test]
fn the_streamed_log_reads_the_same_on_every_core_as_on_one() {
    let dir = tempfile::tempdir().unwrap();
    base(IdMode::Renumber).write(dir.path()).unwrap();
    let project = Project::open(dir.path(), None).unwrap();
    let walk = |threads: usize| {
        let mut got = Vec::new();
        nbhistory::stream_reading_on(&project, threads, |c, e| {
            got.push((c, e));
            true
        })
        .unwrap();
        got
    };
    let (one, many) = (walk(1), walk(4));
    assert!(one.len() > 200);
    assert_eq!(one, many);
    // Stopping early stops in the same place.
    let mut first = Vec::new();
    nbhistory::stream(&project, |c, _| {
        first.push(c);
        first.len() < 3
    })
    .unwrap();
    assert_eq!(first.len(), 3);
    assert_eq!(first[2], one[2].0);
}

#[test]
fn the_commits_since_an_older_one_read_as_the_whole_walk_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let truth = NbRepo {
        commits: 90,
        renames: true,
        broken: true,
        env_files: true,
        ..NbRepo::default()
    }
    .write(dir.path())
    .unwrap();
    let project = Project::open(dir.path(), None).unwrap();
    let mut walked = Vec::new();
    nbhistory::stream(&project, |c, es| {
        walked.push((c, es));
        true
    })
    .unwrap();
    let old = git2::Oid::from_str(&truth.commits[60].commit).unwrap();
    let since = nbhistory::stream_since(&project, project.tip, old)
        .unwrap()
        .unwrap();
    // The live update's read of the newest 29 commits is the walk's, commit for commit.
    assert_eq!(since.len(), truth.commits.len() - 61);
    assert_eq!(since.as_slice(), &walked[..since.len()]);
    assert!(since.iter().any(|(_, es)| !es.is_empty()));
    // Nothing new: nothing read. Back in time (a reset): not a continuation.
    assert!(
        nbhistory::stream_since(&project, project.tip, project.tip)
            .unwrap()
            .unwrap()
            .is_empty()
    );
    assert!(
        nbhistory::stream_since(&project, old, project.tip)
            .unwrap()
            .is_none()
    );
}
