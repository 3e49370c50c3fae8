//! The notebook timeline's screens through ratatui's TestBackend, on a small repository of
//! notebooks in plain git, hashes and dates masked.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "common/nbrepo.rs"]
mod nbrepo;

use std::sync::Arc;

use gtm_tui::nbhistory;
use gtm_tui::repo::Project;
use gtm_tui::tui::config::Config;
use gtm_tui::tui::keymap::Action;
use gtm_tui::tui::nb::decode::{self, key_of};
use gtm_tui::tui::nb::{NbApp, NbEffect, NbFocus, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

/// An app with the walk read in, as the walk thread would send it.
fn loaded(project: &Project, all_commits: bool) -> (NbApp, Vec<NbEffect>) {
    let mut app = NbApp::new("notebooks", Config::defaults(), false, all_commits);
    let mut batch = Vec::new();
    let stats = nbhistory::stream(project, |c, es| {
        batch.push((c, es));
        true
    })
    .unwrap();
    let fx = app.add_commits(batch);
    app.walk_done(Ok(stats));
    (app, fx)
}

/// Does what the decoding worker would for the app's requests.
fn settle(app: &mut NbApp, project: &Project, mut fx: Vec<NbEffect>) {
    while let Some(e) = fx.pop() {
        match e {
            NbEffect::Decode(entry) => {
                let v = decode::decode(project, &entry, true);
                app.decoded_ready(key_of(&entry), Arc::new(v));
            }
            NbEffect::CellHistory {
                generation,
                number,
                history,
            } => {
                let r = decode::cell_history(project, &history, number, true).map(Arc::new);
                app.cell_ready(generation, r);
            }
            NbEffect::Quit | NbEffect::Suspend => {}
        }
    }
}

fn press(app: &mut NbApp, project: &Project, a: Action) {
    let fx = app.action(a);
    settle(app, project, fx);
}

fn draw(app: &mut NbApp, w: u16, h: u16) -> String {
    app.fit(Rect::new(0, 0, w, h));
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view::render(app, f)).unwrap();
    t.backend().to_string()
}

fn check(name: &str, screen: &str) {
    insta::with_settings!({
        snapshot_path => "snapshots",
        prepend_module_to_snapshot => false,
        filters => vec![
            (r"\b[0-9a-f]{7,40}\b", "[hash]"),
            (r"(\d{4}-)?\d{2}-\d{2} \d{2}:\d{2}", "[date]"),
        ],
    }, {
        insta::assert_snapshot!(name, screen);
    });
}

#[test]
fn nb_timeline_and_record_pane_at_80x24_and_120x40() {
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write(dir.path());
    let project = Project::open(dir.path(), None).unwrap();
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let (mut app, fx) = loaded(&project, false);
        settle(&mut app, &project, fx);
        let top = draw(&mut app, w, h);
        assert!(top.contains("Timeline 1/3"), "{top}");
        assert!(top.contains("plots/figures.ipynb"), "{top}");
        check(&format!("nb_timeline_{w}x{h}"), &top);

        // The edit: a diff, a re-run, a new error, a picture.
        press(&mut app, &project, Action::Down);
        press(&mut app, &project, Action::Open);
        assert_eq!(app.focus, NbFocus::Record);
        let record = draw(&mut app, w, h);
        assert!(
            record.contains("2 edited") || record.contains("edited"),
            "{record}"
        );
        assert!(record.contains("x = 2"), "{record}");
        check(&format!("nb_record_{w}x{h}"), &record);

        // Scrolled down to the error and the picture.
        for _ in 0..12 {
            press(&mut app, &project, Action::Down);
        }
        let scrolled = draw(&mut app, w, h);
        check(&format!("nb_record_scrolled_{w}x{h}"), &scrolled);
    }
}

#[test]
fn nb_record_pane_shows_outputs_errors_and_pictures() {
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write(dir.path());
    let project = Project::open(dir.path(), None).unwrap();
    let (mut app, fx) = loaded(&project, false);
    settle(&mut app, &project, fx);
    press(&mut app, &project, Action::Down);
    draw(&mut app, 120, 80);
    let lines = app.laid.borrow().lines.clone();
    let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let all = text.join("\n");
    assert!(all.contains("ZeroDivisionError: division by zero"), "{all}");
    assert!(all.contains("[image/png "), "{all}");
    assert!(all.contains("re-run"), "{all}");
    assert!(all.contains("1 unchanged cell"), "{all}");
    // The traceback's colour codes are read, never shown.
    assert!(!all.contains('\u{1b}'), "{all}");
    assert!(!all.contains("[0;31m"), "{all}");
}

#[test]
fn nb_all_commits_adds_commits_without_notebooks() {
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write(dir.path());
    let project = Project::open(dir.path(), None).unwrap();
    let (mut app, fx) = loaded(&project, true);
    settle(&mut app, &project, fx);
    assert_eq!(app.rows.len(), 4);
    let screen = draw(&mut app, 80, 24);
    assert!(screen.contains("1 data file"), "{screen}");
    assert!(screen.contains("Describe the data"), "{screen}");
}

#[test]
fn nb_cell_history_steps_between_versions() {
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write(dir.path());
    let project = Project::open(dir.path(), None).unwrap();
    let (mut app, fx) = loaded(&project, false);
    settle(&mut app, &project, fx);
    press(&mut app, &project, Action::Down);
    // Before the whole history is built the screen says it is waiting.
    press(&mut app, &project, Action::CellHistory);
    assert!(app.cell.is_some());
    let waiting = draw(&mut app, 80, 24);
    assert!(waiting.contains("reading the whole history"), "{waiting}");
    let fx = app.built(
        nbhistory::build(&project)
            .map(Arc::new)
            .map_err(|e| e.to_string()),
    );
    settle(&mut app, &project, fx);
    let screen = draw(&mut app, 80, 24);
    assert!(screen.contains("2 versions"), "{screen}");
    assert!(screen.contains("x = 2"), "{screen}");
    check("nb_cell_80x24", &screen);
    press(&mut app, &project, Action::PrevRun);
    let first = draw(&mut app, 80, 24);
    assert!(first.contains("first version"), "{first}");
    press(&mut app, &project, Action::Back);
    assert!(app.cell.is_none());
}

#[test]
fn nb_search_finds_rows_and_help_lists_keys() {
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write(dir.path());
    let project = Project::open(dir.path(), None).unwrap();
    let (mut app, fx) = loaded(&project, false);
    settle(&mut app, &project, fx);
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let key = |c: KeyCode| KeyEvent::new(c, KeyModifiers::NONE);
    app.key(key(KeyCode::Char('/')));
    for c in "start".chars() {
        app.key(key(KeyCode::Char(c)));
    }
    let fx = app.key(key(KeyCode::Enter));
    settle(&mut app, &project, fx);
    assert_eq!(app.selected, 2);
    app.key(key(KeyCode::Char('?')));
    let help = draw(&mut app, 80, 24);
    assert!(help.contains(" Keys "), "{help}");
    assert!(help.contains("Every version of the cell"), "{help}");
    check("nb_help_80x24", &help);
    app.key(key(KeyCode::Char('x')));
    assert!(!app.help);
    let fx = app.key(key(KeyCode::Char('q')));
    assert!(matches!(fx.as_slice(), [NbEffect::Quit]));
}

#[test]
fn nb_first_rows_show_while_the_walk_is_still_reading() {
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write(dir.path());
    let project = Project::open(dir.path(), None).unwrap();
    let mut app = NbApp::new("notebooks", Config::defaults(), false, false);
    let mut first = None;
    nbhistory::stream(&project, |c, es| {
        first = Some((c, es));
        false
    })
    .unwrap();
    let fx = app.add_commits(first.into_iter().collect());
    // The first row is asked for at once, before the rest is read.
    assert!(matches!(fx.as_slice(), [NbEffect::Decode(_)]), "{fx:?}");
    settle(&mut app, &project, fx);
    let screen = draw(&mut app, 80, 24);
    assert!(screen.contains("Timeline 1/1"), "{screen}");
    assert!(screen.contains("reading… 1 commits"), "{screen}");
    assert!(screen.contains("import matplotlib"), "{screen}");
}

#[test]
fn nb_c_in_the_pane_opens_the_cell_at_its_top() {
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write(dir.path());
    let project = Project::open(dir.path(), None).unwrap();
    let (mut app, fx) = loaded(&project, false);
    settle(&mut app, &project, fx);
    let fx = app.built(
        nbhistory::build(&project)
            .map(Arc::new)
            .map_err(|e| e.to_string()),
    );
    settle(&mut app, &project, fx);
    press(&mut app, &project, Action::Down);
    press(&mut app, &project, Action::Open);
    draw(&mut app, 80, 24);
    let start = app
        .laid
        .borrow()
        .starts
        .iter()
        .find(|(_, cell)| *cell == 3)
        .map(|(line, _)| *line)
        .unwrap();
    while app.pane_scroll < start {
        press(&mut app, &project, Action::Down);
    }
    press(&mut app, &project, Action::CellHistory);
    let s = app.cell.as_ref().unwrap();
    assert_eq!(s.origin.2, 3);
    let screen = draw(&mut app, 80, 24);
    assert!(screen.contains("Cell 4 of analysis.ipynb"), "{screen}");
    assert!(screen.contains("x / 0"), "{screen}");
    assert!(screen.contains("first version"), "{screen}");
}

#[test]
fn nb_nothing_from_the_repository_reaches_the_terminal_raw() {
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write_hostile(dir.path());
    let project = Project::open(dir.path(), None).unwrap();
    let (mut app, fx) = loaded(&project, false);
    settle(&mut app, &project, fx);
    press(&mut app, &project, Action::Open);
    for (w, h) in [(80, 24), (120, 40)] {
        let screen = draw(&mut app, w, h);
        assert!(!screen.contains('\u{1b}'), "{screen}");
        assert!(!screen.contains('\u{7}'), "{screen}");
        assert!(screen.contains("^["), "{screen}");
    }
    let lines = app.laid.borrow().lines.clone();
    for l in lines.iter() {
        let text = l.to_string();
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\t'),
            "{text:?}"
        );
    }
}
