//! The file-change screen (`d` on a file record) through ratatui's
//! TestBackend: the files of the record's linked commit and each file's
//! diff, notebooks cell by cell.

mod common;

use std::sync::Arc;

use gtm_tui::repo::Project;
use gtm_tui::synth::Workload;
use gtm_tui::tui::app::{App, Effect};
use gtm_tui::tui::changes::{prepare_file, read_changes};
use gtm_tui::tui::config::Config;
use gtm_tui::tui::keymap::Action;
use gtm_tui::tui::{fit, views};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

fn settle(app: &mut App, project: &Project, mut fx: Vec<Effect>) {
    while let Some(e) = fx.pop() {
        match e {
            Effect::ReadChanges { generation } => {
                let commit = app.changes.as_ref().unwrap().commit;
                let row = app.row(commit).unwrap().clone();
                let result = read_changes(project, &row).map(Arc::new);
                fx.extend(app.changes_ready(generation, result));
            }
            Effect::FileDiff { index, generation } => {
                let Some(Ok(ch)) = app.changes.as_ref().unwrap().changes.clone() else {
                    panic!("changes first")
                };
                let view = prepare_file(project, &ch, index, true).unwrap();
                app.file_ready(generation, Arc::new(view));
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
    let mut app = App::new(&project.name, &project.rev, Config::defaults(), false);
    app.add_rows(project.records().unwrap());
    app.walk_done(Ok(Default::default()));
    (project, app)
}

fn open_first(app: &mut App, project: &Project, pick: impl Fn(&gtm_tui::repo::RecordRow) -> bool) {
    let pos = app.view.iter().position(|&i| pick(&app.rows[i])).unwrap();
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
        .filter(|r| r.record.meta.tags.iter().any(|t| t == "save"))
        .map(|r| r.commit)
        .collect();
    let nb_save = saves
        .iter()
        .copied()
        .find(|c| {
            let row = app.row(*c).unwrap();
            read_changes(&project, row)
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
    assert!(app.changes.is_none());

    // An upload: every file added, `]` steps through them.
    open_first(&mut app, &project, |r| {
        r.record.message.starts_with("Uploaded") && r.record.message.contains(" 2 ")
            || r.record.message.starts_with("Uploaded 3")
    });
    let s = app.changes.as_ref().unwrap();
    let Some(Ok(ch)) = &s.changes else {
        panic!("changes read")
    };
    assert!(ch.files.len() >= 2);
    assert!(
        ch.files
            .iter()
            .all(|f| f.status == gtm_tui::files::ChangeStatus::Added)
    );
    let first = app.changes.as_ref().unwrap().shown.as_ref().unwrap().index;
    press(&mut app, &project, Action::NextRun);
    let second = app.changes.as_ref().unwrap().shown.as_ref().unwrap().index;
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
    assert!(app.cell.is_some() && app.changes.is_none());
    press(&mut app, &project, Action::Back);
    // A note: nothing to show, says so.
    open_first(&mut app, &project, |r| r.record.meta.type_id == 0);
    assert!(app.cell.is_none() && app.changes.is_none());
    assert!(app.flash.is_some());
}
