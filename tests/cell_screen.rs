//! The cell history screen through ratatui's TestBackend: the runs list,
//! side-by-side and unified diffs at 80×24 and 160×40, stepping and marking
//! runs, and "why did the output change".

mod common;

use std::sync::Arc;

use git2::Oid;
use gtm_tui::lineage::{self, Lineage};
use gtm_tui::repo::Project;
use gtm_tui::synth::Workload;
use gtm_tui::tui::app::{App, Effect};
use gtm_tui::tui::config::Config;
use gtm_tui::tui::history;
use gtm_tui::tui::keymap::Action;
use gtm_tui::tui::{fit, views};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

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
    let mut app = App::new(&project.name, &project.rev, Config::defaults(), false);
    app.add_rows(project.records().unwrap());
    app.walk_done(Ok(Default::default()));
    (project, app)
}

/// Does what the cell worker would for these effects, until none are left.
fn settle(app: &mut App, project: &Project, mut fx: Vec<Effect>) {
    let store = project.details();
    while let Some(e) = fx.pop() {
        match e {
            Effect::Lineage {
                notebook,
                generation,
            } => {
                let l = history::notebook_lineage(project, &app.rows, &notebook);
                fx.extend(app.lineage_ready(generation, &notebook, Arc::new(l), false));
            }
            Effect::Compare {
                old,
                new,
                generation,
            } => {
                let l = Arc::clone(&app.cell.as_ref().unwrap().runs.as_ref().unwrap().lineage);
                let view =
                    history::prepare_pair(project, &store, &l, &app.rows, old, new, true).unwrap();
                app.compared(generation, Arc::new(view));
            }
            _ => {}
        }
    }
}

fn press(app: &mut App, project: &Project, a: Action) {
    let fx = app.update(a);
    settle(app, project, fx);
}

fn draw(app: &mut App, w: u16, h: u16) -> String {
    fit(app, Rect::new(0, 0, w, h));
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| views::render(app, f)).unwrap();
    t.backend().to_string()
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

/// The newest execution whose cell has at least three runs and whose
/// code changed against the run before; with `same_code_new_output`, one
/// whose code is the same as before and whose output is not.
fn pick(l: &Lineage, same_code_new_output: bool) -> (Oid, usize) {
    (0..l.executions.len())
        .rev()
        .find(|&i| {
            let (Some(p), Some(c)) = (l.previous(i), l.cell_of(i)) else {
                return false;
            };
            let (e, pe) = (&l.executions[i], &l.executions[p]);
            if same_code_new_output {
                e.source == pe.source && e.outputs != pe.outputs && e.source.lines().count() < 6
            } else {
                c.runs.len() >= 3
                    && e.notebook.ends_with(".ipynb")
                    && e.source != pe.source
                    && e.output_count > 0
                    && e.source.lines().count() < 8
                    && (1..=3).contains(&l.run[i])
            }
        })
        .map(|i| (l.executions[i].commit, i))
        .expect("the workload has such a run")
}

/// Selects record `commit` in the timeline and opens its cell.
fn open(app: &mut App, project: &Project, commit: Oid) {
    let pos = app
        .view
        .iter()
        .position(|&i| app.rows[i].commit == commit)
        .unwrap();
    app.click_record(pos);
    press(app, project, Action::CellHistory);
}

#[test]
fn side_by_side_and_unified_at_80x24_and_160x40() {
    let dir = tempfile::tempdir().unwrap();
    let (project, mut app) = setup(dir.path());
    let rows = project.records().unwrap();
    let l = lineage::build(&project, &rows, None);
    let (commit, _) = pick(&l, false);
    open(&mut app, &project, commit);

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
        let s = app.cell.as_ref().unwrap();
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
    assert!(app.cell.is_none());
    assert_eq!(app.current().unwrap().commit, commit_of(0));
}

#[test]
fn same_code_new_output_says_what_happened_between() {
    let dir = tempfile::tempdir().unwrap();
    let (project, mut app) = setup(dir.path());
    let rows = project.records().unwrap();
    let l = lineage::build(&project, &rows, None);
    let (commit, _) = pick(&l, true);
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
        .position(|&i| app.rows[i].record.message.starts_with("Added"))
        .unwrap();
    app.click_record(pos);
    press(&mut app, &project, Action::CellHistory);
    assert!(app.cell.is_none());
    assert!(app.flash.as_deref().unwrap().contains("not a cell run"));
    // Esc and q close the screen again.
    let code = app
        .view
        .iter()
        .position(|&i| app.rows[i].record.message.contains("in notebook"))
        .unwrap();
    app.click_record(code);
    press(&mut app, &project, Action::CellHistory);
    assert!(app.cell.is_some());
    press(&mut app, &project, Action::Back);
    assert!(app.cell.is_none());
}
