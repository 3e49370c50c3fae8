//! The file-change screen (`d` on a file record) and the environment
//! screen (`e`) through ratatui's TestBackend: the files of a record's
//! linked commit and each file's diff, notebooks cell by cell; the
//! environment at a record, stepping and comparing points.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::screens::{draw, press};

use gtm_tui::repo::Project;
use gtm_tui::synth::Workload;
use gtm_tui::tui::app::App;
use gtm_tui::tui::changes::read_changes;
use gtm_tui::tui::keymap::Action;

fn setup(dir: &std::path::Path) -> (Project, App) {
    common::workload(
        dir,
        Workload {
            records: 300,
            seed: 9,
            cell_ids: true,
            ..Workload::default()
        },
    );
    let project = Project::open(dir, None).unwrap();
    let app = common::screens::loaded_app(&project);
    (project, app)
}

fn open_first(app: &mut App, project: &Project, pick: impl Fn(&gtm_tui::repo::RecordRow) -> bool) {
    let pos = app
        .view
        .iter()
        .position(|&i| pick(&app.rows.get(i).unwrap().to_row()))
        .unwrap();
    app.click_record(pos);
    press(app, project, Action::Changes);
}

#[test]
fn a_notebook_save_shows_its_cells_and_an_upload_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let (project, mut app) = setup(dir.path());
    // A save of a notebook: cell-level changes, never JSON.
    let saves: Vec<git2::Oid> = app
        .rows
        .iter()
        .filter(|r| r.record().meta.tags.iter().any(|t| t == "save"))
        .map(|r| r.commit())
        .collect();
    let nb_save = saves
        .iter()
        .copied()
        .find(|c| {
            let row = app.row(*c).unwrap();
            read_changes(&project, &row)
                .is_ok_and(|ch| ch.files.iter().any(|f| f.path().ends_with(".ipynb")))
        })
        .expect("a notebook save");
    open_first(&mut app, &project, |r| r.commit == nb_save);
    let screen = draw(&mut app, 100, 30);
    assert!(screen.contains(".ipynb"), "{screen}");
    assert!(screen.contains("notebook:"), "{screen}");
    assert!(screen.contains("cell "), "{screen}");
    assert!(!screen.contains("\"cell_type\""), "no raw JSON: {screen}");
    press(&mut app, &project, Action::Back);
    assert!(app.changes().is_none());

    // An upload: every file added, `]` steps through them.
    open_first(&mut app, &project, |r| {
        r.record.message.starts_with("Uploaded") && r.record.message.contains(" 2 ")
            || r.record.message.starts_with("Uploaded 3")
    });
    let s = app.changes().unwrap();
    let Some(Ok(ch)) = &s.changes else {
        panic!("changes read")
    };
    assert!(ch.files.len() >= 2);
    assert!(
        ch.files
            .iter()
            .all(|f| f.status == gtm_tui::files::ChangeStatus::Added)
    );
    let first = app.changes().unwrap().shown.as_ref().unwrap().index;
    press(&mut app, &project, Action::NextRun);
    let second = app.changes().unwrap().shown.as_ref().unwrap().index;
    assert_eq!((first, second), (0, 1));
    let screen = draw(&mut app, 80, 24);
    insta::with_settings!({
        snapshot_path => "snapshots",
        prepend_module_to_snapshot => false,
        filters => vec![(r"\b[0-9a-f]{7,40}\b", "[hash]")],
    }, {
        insta::assert_snapshot!("changes_upload_80x24", screen);
    });
}

#[test]
fn d_on_other_records() {
    let dir = tempfile::tempdir().unwrap();
    let (project, mut app) = setup(dir.path());
    // A code run: d opens its cell's history.
    open_first(&mut app, &project, |r| {
        r.record.message.contains("in notebook")
    });
    assert!(app.cell().is_some() && app.changes().is_none());
    press(&mut app, &project, Action::Back);
    // An environment record: its environment and what it changed.
    open_first(&mut app, &project, |r| r.record.meta.kind.id() == 1);
    assert!(app.env().is_some());
    press(&mut app, &project, Action::Back);
    // A note: nothing to show, says so.
    open_first(&mut app, &project, |r| r.record.meta.kind.id() == 0);
    assert!(app.cell().is_none() && app.changes().is_none());
    assert!(app.flash.is_some());
}

#[test]
fn the_environment_at_a_record_and_between_two_points() {
    let dir = tempfile::tempdir().unwrap();
    common::workload(
        dir.path(),
        Workload {
            records: 300,
            seed: 4,
            upgrades: true,
            ..Workload::default()
        },
    );
    let project = Project::open(dir.path(), None).unwrap();
    let mut app = common::screens::loaded_app(&project);
    let env_records: Vec<usize> = app
        .view
        .iter()
        .copied()
        .filter(|&i| app.rows.get(i).unwrap().kind().id() == 1)
        .collect();
    assert!(env_records.len() >= 3);
    // The newest environment record: the screen names what it changed.
    let first = env_records[0];
    let pos = app.view.iter().position(|&i| i == first).unwrap();
    app.click_record(pos);
    press(&mut app, &project, Action::Environment);
    let screen = draw(&mut app, 100, 30);
    let summary =
        gtm_tui::env::record_summary(&project, &app.rows.get(first).unwrap().to_row()).unwrap();
    assert!(screen.contains("Environment as of"), "{screen}");
    assert!(screen.contains("this record changed"), "{screen}");
    assert!(
        screen.contains(&summary.chars().take(20).collect::<String>()),
        "{summary}\n{screen}"
    );
    // Mark it, step to the previous environment record: the difference shows.
    press(&mut app, &project, Action::Mark);
    press(&mut app, &project, Action::PrevRun);
    let s = app.env().unwrap();
    assert_eq!(s.at, app.rows.get(env_records[1]).unwrap().commit());
    let view = s.shown.as_ref().unwrap();
    let (mark, d) = view.against.as_ref().unwrap();
    assert_eq!(*mark, app.rows.get(first).unwrap().commit());
    assert!(
        !d.as_ref().unwrap().is_empty(),
        "the newer record changed something"
    );
    let screen = draw(&mut app, 100, 30);
    assert!(screen.contains("since the marked point"), "{screen}");
    // The timeline line of an environment record names the change once decoded.
    press(&mut app, &project, Action::Back);
    assert!(app.env().is_none());
    let row = app.rows.get(first).unwrap().to_row();
    let prepared = gtm_tui::tui::prepare::prepare(&project, &project.details(), &row, true);
    assert_eq!(prepared.env_summary.as_deref(), Some(summary.as_str()));
    app.details_ready(row.commit, prepared);
    app.click_record(pos);
    let screen = draw(&mut app, 160, 40);
    // The timeline is the left pane: the message starts in its half.
    let line = screen
        .lines()
        .find(|l| {
            l.find(&row.record.message)
                .is_some_and(|at| l[..at].chars().count() < 60)
        })
        .unwrap();
    assert!(
        line.contains(&summary.chars().take(12).collect::<String>()),
        "{line}"
    );
}
