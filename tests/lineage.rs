//! Cell lineage against the generator's truth: which runs are the same cell.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::HashMap;

use git2::Oid;
use gtm_tui::lineage::{self, Lineage};
use gtm_tui::repo::Project;
use gtm_tui::synth::{CellRef, Workload, Written};

/// The true cell of each execution, by (activity commit, tag).
fn truth(w: &Written) -> HashMap<(Oid, String), CellRef> {
    let mut out = HashMap::new();
    for r in &w.records {
        for d in &r.details {
            let (Some(cell), Some(tag)) = (
                &d.cell,
                d.tags
                    .iter()
                    .find(|t| t.starts_with("ex:") || *t == "console"),
            ) else {
                continue;
            };
            out.entry((r.activity, tag.clone()))
                .or_insert_with(|| cell.clone());
        }
    }
    out
}

/// Precision and recall of "same cell as its previous run", over
/// executions whose notebook passes `keep`.
fn score(
    l: &Lineage,
    truth: &HashMap<(Oid, String), CellRef>,
    keep: impl Fn(&str) -> bool,
) -> (f64, f64, usize) {
    let mut last_of: HashMap<&CellRef, usize> = HashMap::new();
    let (mut right, mut predicted, mut actual) = (0usize, 0usize, 0usize);
    for (i, e) in l.executions.iter().enumerate() {
        let Some(t) = truth.get(&(e.commit, e.tag.clone())) else {
            continue;
        };
        let true_prev = last_of.insert(t, i);
        if !keep(&e.notebook) {
            continue;
        }
        let pred_prev = l.previous(i);
        if pred_prev != true_prev && std::env::var("LINEAGE_DEBUG").is_ok() {
            let src = |k: Option<usize>| {
                k.and_then(|k| l.executions.get(k))
                    .map(|e| {
                        let cell = truth.get(&(e.commit, e.tag.clone())).map_or(0, |c| c.cell);
                        format!(
                            "[{:?} {} cell {cell}] {}",
                            e.ex,
                            e.commit.to_string().get(..7).unwrap_or(""),
                            e.source.replace('\n', " / ")
                        )
                    })
                    .unwrap_or_default()
            };
            eprintln!(
                "MISS {}:{:?} {}\n  this: {}\n  pred: {}\n  true: {}",
                e.notebook,
                e.ex,
                t.cell,
                src(Some(i)),
                src(pred_prev),
                src(true_prev)
            );
        }
        actual += usize::from(true_prev.is_some());
        predicted += usize::from(pred_prev.is_some());
        right += usize::from(pred_prev.is_some() && pred_prev == true_prev);
    }
    let p = right as f64 / predicted.max(1) as f64;
    let r = right as f64 / actual.max(1) as f64;
    (p, r, actual)
}

/// The goal, which lineage reaches with and without cell ids on
/// every seed measured (README "Cell lineage" has the figures and what still
/// fools it).
const MIN_SCORE: f64 = 0.98;
const MIN_SCORE_WITHOUT_IDS: f64 = 0.98;

fn run(w: Workload) -> (Lineage, HashMap<(Oid, String), CellRef>) {
    let dir = tempfile::tempdir().unwrap();
    let written = common::workload(dir.path(), w);
    let project = Project::open(dir.path(), None).unwrap();
    let rows = project.records().unwrap();
    let l = lineage::build(&project, &rows, None);
    (l, truth(&written))
}

/// Workload seeds measured: the first is the one README quotes. Set
/// `LINEAGE_SEEDS=1,2,3` to measure others.
const SEEDS: [u64; 3] = [11, 5, 2024];

#[test]
fn notebook_runs_are_tied_to_their_cells() {
    let seeds: Vec<u64> = std::env::var("LINEAGE_SEEDS")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| SEEDS.to_vec());
    let mut scores = Vec::new();
    for seed in seeds {
        for cell_ids in [false, true] {
            let (l, t) = run(Workload {
                records: 1500,
                seed,
                cell_ids,
                r_console: false,
                notebooks: 3,
                ..Workload::default()
            });
            let (p, r, n) = score(&l, &t, |nb| nb != "console");
            println!(
                "seed {seed}, cell ids {cell_ids}: precision {p:.4} recall {r:.4} over {n} re-runs"
            );
            assert!(n > 300, "enough re-runs to measure: {n}");
            scores.push((seed, cell_ids, p, r));
        }
    }
    for (seed, cell_ids, p, r) in scores {
        let min = if cell_ids {
            MIN_SCORE
        } else {
            MIN_SCORE_WITHOUT_IDS
        };
        assert!(
            p >= min && r >= min,
            "seed {seed}, cell ids {cell_ids}: precision {p:.4}, recall {r:.4}"
        );
    }
}

/// Ids that change on every save (JupyterLab 3.0, nbstripout) are noticed
/// and the cells followed by content, as if there were no ids: trusted, they
/// tied under one run in six to its cell.
#[test]
fn ids_new_on_every_save_are_not_trusted() {
    for seed in [11, 5] {
        let (l, t) = run(Workload {
            records: 1500,
            seed,
            cell_ids: true,
            regenerate_ids: true,
            r_console: false,
            notebooks: 3,
            ..Workload::default()
        });
        let (p, r, n) = score(&l, &t, |nb| nb != "console");
        assert!(n > 300, "enough re-runs to measure: {n}");
        assert!(
            p >= MIN_SCORE_WITHOUT_IDS && r >= MIN_SCORE_WITHOUT_IDS,
            "seed {seed}, ids regenerated: precision {p:.4}, recall {r:.4}"
        );
    }
}

/// How a hard workload differs from the plain one.
struct Hard {
    name: &'static str,
    strip_saves: f64,
    cell_ids: bool,
    regenerate_ids: bool,
    reshapes: f64,
    /// The lowest precision and recall measured over [`SEEDS`], rounded
    /// down: below the 0.99, and README says so and why.
    floor: f64,
}

const HARD: &[Hard] = &[
    Hard {
        name: "all saves stripped",
        strip_saves: 1.0,
        cell_ids: false,
        regenerate_ids: false,
        reshapes: 0.0,
        floor: 0.88,
    },
    Hard {
        name: "all saves stripped, ids",
        strip_saves: 1.0,
        cell_ids: true,
        regenerate_ids: false,
        reshapes: 0.0,
        floor: 0.88,
    },
    Hard {
        name: "half the saves stripped",
        strip_saves: 0.5,
        cell_ids: false,
        regenerate_ids: false,
        reshapes: 0.0,
        floor: 0.93,
    },
    Hard {
        name: "half the saves stripped, ids",
        strip_saves: 0.5,
        cell_ids: true,
        regenerate_ids: false,
        reshapes: 0.0,
        floor: 0.94,
    },
    Hard {
        name: "stripped, ids new on every save",
        strip_saves: 1.0,
        cell_ids: true,
        regenerate_ids: true,
        reshapes: 0.0,
        floor: 0.90,
    },
    Hard {
        name: "rewrites, splits, merges",
        strip_saves: 0.0,
        cell_ids: false,
        regenerate_ids: false,
        reshapes: 0.15,
        floor: 0.95,
    },
    Hard {
        name: "rewrites, splits, merges, ids",
        strip_saves: 0.0,
        cell_ids: true,
        regenerate_ids: false,
        reshapes: 0.15,
        floor: 0.96,
    },
    Hard {
        name: "reshaped and stripped",
        strip_saves: 1.0,
        cell_ids: false,
        regenerate_ids: false,
        reshapes: 0.15,
        floor: 0.85,
    },
    Hard {
        name: "reshaped and stripped, ids",
        strip_saves: 1.0,
        cell_ids: true,
        regenerate_ids: false,
        reshapes: 0.15,
        floor: 0.88,
    },
    Hard {
        name: "reshaped, half stripped",
        strip_saves: 0.5,
        cell_ids: false,
        regenerate_ids: false,
        reshapes: 0.15,
        floor: 0.90,
    },
];

/// Saves without counts (nbstripout, "Clear all outputs") are traced to
/// runs by their code; rewritten, split and merged cells are followed by
/// their place and by which part lives on. Each kind keeps the floor it
/// reached when measured, so a change that loses ground fails here.
#[test]
fn hard_saves_and_reshaped_cells_keep_their_measured_floor() {
    let only = std::env::var("LINEAGE_HARD").ok();
    for hard in HARD {
        if only.as_deref().is_some_and(|o| !hard.name.contains(o)) {
            continue;
        }
        for seed in SEEDS {
            let (l, t) = run(Workload {
                records: 1500,
                seed,
                cell_ids: hard.cell_ids,
                regenerate_ids: hard.regenerate_ids,
                strip_saves: hard.strip_saves,
                reshapes: hard.reshapes,
                r_console: false,
                notebooks: 3,
                ..Workload::default()
            });
            let (p, r, n) = score(&l, &t, |nb| nb != "console");
            println!(
                "{}, seed {seed}: precision {p:.4} recall {r:.4} over {n} re-runs",
                hard.name
            );
            assert!(n > 300, "enough re-runs to measure: {n}");
            assert!(
                p >= hard.floor && r >= hard.floor,
                "{}, seed {seed}: precision {p:.4}, recall {r:.4}, floor {}",
                hard.name,
                hard.floor
            );
        }
    }
}
