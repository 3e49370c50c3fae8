//! The cell history screen through ratatui's TestBackend: the runs list,
//! side-by-side and unified diffs at 80×24 and 160×40, stepping and marking
//! runs, and "why did the output change".
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::screens::{draw, press};

use git2::Oid;
use gtm_tui::lineage;
use gtm_tui::repo::Project;
use gtm_tui::synth::Workload;
use gtm_tui::tui::app::App;
use gtm_tui::tui::keymap::Action;

fn setup(dir: &std::path::Path) -> (Project, App) {
    common::workload(
        dir,
        Workload {
            records: 400,
            seed: 7,
            ..Workload::default()
        },
    );
    let project = Project::open(dir, None).unwrap();
    let app = common::screens::loaded_app(&project);
    (project, app)
}

fn check(name: &str, screen: &str) {
    insta::with_settings!({
        snapshot_path => "snapshots",
        prepend_module_to_snapshot => false,
        filters => vec![
            (r"\b[0-9a-f]{7,40}\b", "[hash]"),
            (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", "[time]"),
        ],
    }, {
        insta::assert_snapshot!(name, screen);
    });
}

/// A small notebook history written by hand, so the snapshots show the
/// same runs whatever refinements the lineage rules get: cell A is run,
/// another cell runs, A is edited and run, a package is added, and A runs
/// again with the same code and prints something else.
fn handmade(dir: &std::path::Path) -> (Project, App) {
    use gtm_tui::synth::{DetailSpec, ProjectWriter, RecordSpec, WriterOptions};
    let mut w = ProjectWriter::new(WriterOptions::default());
    w.set_author("Alice Example", "alice@example.com", 0);
    w.set_time(1_552_000_000);
    let tagged = |mut d: DetailSpec, ex: u32| {
        if let DetailSpec::Object { tags, .. } = &mut d {
            *tags = vec![format!("ex:{ex}")];
        }
        d
    };
    let run = |w: &mut ProjectWriter, ex: u32, code: &str, out: &str| {
        let mut r = RecordSpec::new(
            2,
            "Executed cell in notebook code/churn.ipynb and generated a result",
        );
        r.details = vec![
            tagged(DetailSpec::text(2, 1, "text/plain", out.to_string()), ex),
            tagged(
                DetailSpec::text(3, 4, "text/markdown", format!("```\n{code}\n```")),
                ex,
            ),
        ];
        w.record(r);
        w.advance(90);
    };
    let a = "import pandas as pd\ndf = pd.read_csv('../input/churn.csv')\ndf.shape";
    let a2 = "import pandas as pd\ndf = pd.read_csv('../input/churn.csv', nrows=4000)\ndf = df.dropna()\ndf.shape";
    run(&mut w, 1, a, "(5000, 12)");
    run(
        &mut w,
        2,
        "df.describe()",
        "       tenure  monthly\ncount  5000   5000\nmean   32.4   64.8",
    );
    run(&mut w, 3, a2, "(3875, 12)");
    let mut env = RecordSpec::new(1, "Added 1 pip package(s).");
    env.details = vec![DetailSpec::text(
        0,
        1,
        "text/plain",
        "Added pip managed package: pandas 1.2.2",
    )];
    w.record(env);
    w.advance(60);
    run(&mut w, 4, a2, "(3874, 12)");
    w.finish(dir).unwrap();
    let project = Project::open(dir, None).unwrap();
    let app = common::screens::loaded_app(&project);
    (project, app)
}

/// The record of execution `In [ex]` of the handmade history.
fn run_of(project: &Project, ex: u32) -> Oid {
    let rows = project.records().unwrap();
    let l = lineage::build(project, &rows, None);
    l.executions
        .iter()
        .find(|e| e.ex == Some(ex))
        .map(|e| e.commit)
        .unwrap()
}

/// Selects record `commit` in the timeline and opens its cell.
fn open(app: &mut App, project: &Project, commit: Oid) {
    let pos = app
        .view
        .iter()
        .position(|&i| app.rows.get(i).unwrap().commit() == commit)
        .unwrap();
    app.click_record(pos);
    press(app, project, Action::CellHistory);
}

#[test]
fn side_by_side_and_unified_at_80x24_and_160x40() {
    let dir = tempfile::tempdir().unwrap();
    let (project, mut app) = handmade(dir.path());
    let commit = run_of(&project, 3);
    open(&mut app, &project, commit);
    let s = app.cell().unwrap();
    assert_eq!(s.runs.as_ref().unwrap().runs.len(), 3, "A ran three times");

    let narrow = draw(&mut app, 80, 24);
    assert!(narrow.contains("Cell code/"), "{narrow}");
    // Below 100 columns the diff is unified: no column divider inside the pane.
    let inside = |s: &str| {
        s.lines().skip(9).filter(|l| l.starts_with("\"│")).any(|l| {
            // Between the quote and border at each end.
            let c: Vec<char> = l.chars().collect();
            c.get(2..c.len().saturating_sub(2))
                .is_some_and(|inner| inner.contains(&'│'))
        })
    };
    assert!(!inside(&narrow), "{narrow}");
    check("cell_unified_80x24", &narrow);
    press(&mut app, &project, Action::ToggleUnified);
    let narrow = draw(&mut app, 80, 24);
    assert!(inside(&narrow), "u switches to side by side: {narrow}");
    check("cell_side_by_side_80x24", &narrow);

    // A fresh screen at 160 columns starts side by side.
    press(&mut app, &project, Action::Back);
    press(&mut app, &project, Action::CellHistory);
    let wide = draw(&mut app, 160, 40);
    assert!(inside(&wide), "{wide}");
    check("cell_side_by_side_160x40", &wide);
    press(&mut app, &project, Action::ToggleUnified);
    let wide = draw(&mut app, 160, 40);
    assert!(!inside(&wide), "{wide}");
    check("cell_unified_160x40", &wide);
}

#[test]
fn stepping_and_marking_runs_changes_the_pair() {
    let dir = tempfile::tempdir().unwrap();
    let (project, mut app) = setup(dir.path());
    let rows = project.records().unwrap();
    let l = lineage::build(&project, &rows, Some("code/analysis.ipynb"));
    // A cell with at least four runs.
    let cell = l.cells.iter().find(|c| c.runs.len() >= 4).unwrap();
    let last = *cell.runs.last().unwrap();
    open(&mut app, &project, l.executions[last].commit);
    let pair = |app: &App| {
        let s = app.cell().unwrap();
        let v = s.shown.as_ref().unwrap();
        let e = &s.runs.as_ref().unwrap().lineage.executions;
        (e[v.cmp.old].commit, e[v.cmp.new].commit)
    };
    let n = cell.runs.len();
    let commit_of = |k: usize| l.executions[cell.runs[k]].commit;
    assert_eq!(pair(&app), (commit_of(n - 2), commit_of(n - 1)));
    let screen = draw(&mut app, 100, 30);
    assert!(screen.contains(&format!("{n} runs")), "{screen}");
    assert!(
        screen.contains(&format!("run {} → run {n}", n - 1)),
        "{screen}"
    );

    press(&mut app, &project, Action::PrevRun);
    assert_eq!(pair(&app), (commit_of(n - 3), commit_of(n - 2)));
    press(&mut app, &project, Action::NextRun);
    press(&mut app, &project, Action::NextRun); // already the newest: stays
    assert_eq!(pair(&app), (commit_of(n - 2), commit_of(n - 1)));

    // Mark the newest, step to the oldest: compares those two.
    press(&mut app, &project, Action::Mark);
    press(&mut app, &project, Action::Bottom);
    assert_eq!(pair(&app), (commit_of(0), commit_of(n - 1)));
    let screen = draw(&mut app, 100, 30);
    assert!(
        screen.contains(&format!("run 1 → run {n} (marked)")),
        "{screen}"
    );
    press(&mut app, &project, Action::Mark);
    let screen = draw(&mut app, 100, 30);
    assert!(screen.contains("the cell's first run"), "{screen}");

    // Enter goes to the run's record in the timeline.
    press(&mut app, &project, Action::Open);
    assert!(app.cell().is_none());
    assert_eq!(app.current().unwrap().commit, commit_of(0));
}

#[test]
fn same_code_new_output_says_what_happened_between() {
    let dir = tempfile::tempdir().unwrap();
    let (project, mut app) = handmade(dir.path());
    let commit = run_of(&project, 4);
    open(&mut app, &project, commit);
    let screen = draw(&mut app, 120, 40);
    assert!(screen.contains("same code · output changed"), "{screen}");
    assert!(screen.contains("Why did the output change?"), "{screen}");
    check("cell_why_120x40", &screen);
}

#[test]
fn a_record_without_code_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (project, mut app) = setup(dir.path());
    let pos = app
        .view
        .iter()
        .position(|&i| app.rows.get(i).unwrap().message().starts_with("Added"))
        .unwrap();
    app.click_record(pos);
    press(&mut app, &project, Action::CellHistory);
    assert!(app.cell().is_none());
    assert!(app.flash.as_deref().unwrap().contains("not a cell run"));
    // Esc and q close the screen again.
    let code = app
        .view
        .iter()
        .position(|&i| app.rows.get(i).unwrap().message().contains("in notebook"))
        .unwrap();
    app.click_record(code);
    press(&mut app, &project, Action::CellHistory);
    assert!(app.cell().is_some());
    press(&mut app, &project, Action::Back);
    assert!(app.cell().is_none());
}

/// A cell of 40 lines run twice with one line changed in the middle.
fn long_cell(dir: &std::path::Path) -> (Project, App) {
    use gtm_tui::synth::{DetailSpec, ProjectWriter, RecordSpec, WriterOptions};
    let mut w = ProjectWriter::new(WriterOptions::default());
    w.set_author("Alice Example", "alice@example.com", 0);
    w.set_time(1_552_000_000);
    let lines = |changed: &str| {
        (0..40)
            .map(|i| {
                if i == 20 {
                    changed.to_string()
                } else {
                    format!("step_{i:02} = {i}")
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    for (ex, code) in [(1u32, lines("middle = 1")), (2, lines("middle = 2"))] {
        let mut r = RecordSpec::new(2, "Executed cell in notebook code/long.ipynb");
        let mut d = DetailSpec::text(3, 4, "text/markdown", format!("```\n{code}\n```"));
        if let DetailSpec::Object { tags, .. } = &mut d {
            *tags = vec![format!("ex:{ex}")];
        }
        r.details = vec![d];
        w.record(r);
        w.advance(60);
    }
    w.finish(dir).unwrap();
    let project = Project::open(dir, None).unwrap();
    let app = common::screens::loaded_app(&project);
    (project, app)
}

#[test]
fn unchanged_stretches_fold_and_z_shows_them_whole() {
    let dir = tempfile::tempdir().unwrap();
    let (project, mut app) = long_cell(dir.path());
    let commit = run_of(&project, 2);
    open(&mut app, &project, commit);
    let screen = draw(&mut app, 120, 40);
    // Three lines either side of the change, the rest folded, as `gtm-tui diff` folds.
    assert!(screen.contains("middle = 2"), "{screen}");
    assert!(screen.contains("step_17 = 17"), "{screen}");
    assert!(!screen.contains("step_16 = 16"), "{screen}");
    assert!(screen.contains("17 unchanged lines"), "{screen}");
    press(&mut app, &project, Action::ToggleFold);
    let whole = draw(&mut app, 120, 40);
    assert!(whole.contains("step_00 = 0"), "{whole}");
    assert!(whole.contains("step_16 = 16"), "{whole}");
    assert!(!whole.contains("unchanged lines"), "{whole}");
    press(&mut app, &project, Action::ToggleFold);
    assert!(draw(&mut app, 120, 40).contains("17 unchanged lines"));
}

#[test]
fn p_marks_the_pixels_that_differ_and_says_when_there_are_no_two_pictures() {
    let dir = tempfile::tempdir().unwrap();
    let project = common::screens::picture_runs(dir.path());
    let mut app = common::screens::loaded_app(&project);
    open(&mut app, &project, run_of(&project, 2));
    let side = draw(&mut app, 120, 40);
    assert!(side.contains("Image 1 · changed"), "{side}");
    assert!(side.contains(" │ "), "side by side first:\n{side}");
    press(&mut app, &project, Action::PixelDiff);
    assert!(
        app.flash
            .as_deref()
            .unwrap_or("")
            .starts_with("differing pixels marked"),
        "{:?}",
        app.flash
    );
    let marked = draw(&mut app, 120, 40);
    assert!(
        marked.contains("16 of 1,800 pixels differ (0.9%) · in 6×4 at 10,8"),
        "{marked}"
    );
    assert!(!marked.contains("▀ │ ▀"), "one picture, not two:\n{marked}");
    press(&mut app, &project, Action::PixelDiff);
    let back = draw(&mut app, 120, 40);
    assert!(!back.contains("pixels differ"), "{back}");
    // The first run has nothing to compare its picture with.
    press(&mut app, &project, Action::PrevRun);
    press(&mut app, &project, Action::PixelDiff);
    assert_eq!(
        app.flash.as_deref(),
        Some("no two pictures differ here to compare pixel by pixel")
    );
    assert!(!app.cell().unwrap().list.pane.pixels);
}
