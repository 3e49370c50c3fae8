//! The timeline says what happened: code lines name their cell once the
//! annotations arrive, runs of one cell fold (Enter, zo, zc), selection,
//! jumps and searches go through folds, saves read as saves, and the
//! counts say what is hidden and what the pickers' view shows.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use common::screens::{draw, loaded_app, settle};
use crossterm::event::{KeyCode, KeyEvent};
use gtm_tui::insights::annotate::Annotation;
use gtm_tui::lineage::CachePolicy;
use gtm_tui::repo::Project;
use gtm_tui::synth::Workload;
use gtm_tui::tui::app::{App, Effect, Focus, FoldMark, Overlay, TimelineLine};
use gtm_tui::tui::keymap::Action;

fn project(dir: &std::path::Path) -> Project {
    common::workload(
        dir,
        Workload {
            records: 260,
            seed: 11,
            notebooks: 2,
            streaks: 3,
            ..Workload::default()
        },
    );
    Project::open(dir, None).unwrap()
}

/// The app with the history loaded and the annotations in.
fn annotated(project: &Project) -> App {
    let mut app = loaded_app(project);
    settle(&mut app, project, vec![Effect::Annotate]);
    app
}

/// Selects line `pos` (as the keys would).
fn select(app: &mut App, pos: usize) {
    app.update(Action::Top);
    for _ in 0..pos {
        app.update(Action::Down);
    }
    assert_eq!(app.selected, pos);
}

/// The first closed fold of more than one run, and its line.
fn first_fold(app: &App) -> usize {
    (0..app.view.len())
        .find(|&p| app.fold_mark(p) == FoldMark::Closed && app.fold_at(p).unwrap().runs > 1)
        .expect("a fold of runs")
}

fn z(app: &mut App, c: char) -> Vec<Effect> {
    app.update(Action::ToggleFold);
    assert!(app.fold_prefix);
    app.fold_prefix_input(&KeyEvent::from(KeyCode::Char(c)))
        .expect("a fold key")
}

#[test]
fn code_lines_name_the_cell_once_the_annotations_arrive() {
    let dir = tempfile::tempdir().unwrap();
    let project = project(dir.path());
    let mut app = loaded_app(&project);
    // Before: as today, every record a line of its own.
    assert!(app.annotations.is_empty());
    assert_eq!(app.view, app.shown);
    let before = draw(&mut app, 120, 40);
    assert!(!before.contains("In ["), "{before}");

    settle(&mut app, &project, vec![Effect::Annotate]);
    assert!(!app.annotations.is_empty());
    // A code line shown unfolded says its notebook, cell and count.
    let (pos, note) = (0..app.view.len())
        .find_map(|p| {
            let c = app.rows.get(app.view[p]).unwrap().commit();
            match app.annotations.get(&c) {
                Some(Annotation::Run(n))
                    if app.fold_mark(p) == FoldMark::None && n.ex.is_some() =>
                {
                    Some((p, n.clone()))
                }
                _ => None,
            }
        })
        .expect("an annotated run on its own line");
    select(&mut app, pos);
    let screen = draw(&mut app, 120, 40);
    let file = note.notebook.rsplit('/').next().unwrap();
    let head = format!("{file} {} In [{}]", note.cell, note.ex.unwrap());
    assert!(screen.contains(&head), "{head} in\n{screen}");
    // The cell screen names the same cell.
    assert!(note.cell.starts_with('#'));
}

#[test]
fn runs_of_one_cell_fold_and_open_with_enter_and_zo_and_close_with_zc() {
    let dir = tempfile::tempdir().unwrap();
    let project = project(dir.path());
    let mut app = annotated(&project);
    assert!(
        app.view.len() < app.shown.len(),
        "some records are folded away"
    );
    let pos = first_fold(&app);
    let fold = app.fold_at(pos).unwrap().clone();
    select(&mut app, pos);
    let head = app.current_commit().unwrap();
    assert_eq!(app.position(head), Some(fold.head));

    // Folded: one line saying how many runs and when.
    let screen = draw(&mut app, 120, 40);
    assert!(screen.contains(&format!("×{}", fold.runs)), "{screen}");
    assert!(screen.contains('⊞'), "{screen}");

    // Enter opens it (the record pane does not take the keys).
    let lines = app.view.len();
    app.update(Action::Open);
    assert_eq!(app.focus, Focus::Timeline);
    assert_eq!(app.view.len(), lines + fold.rows.len() - 1);
    assert_eq!(app.current_commit(), Some(head), "still on its newest run");
    for r in &fold.rows {
        assert!(app.view.binary_search(r).is_ok());
    }
    let screen = draw(&mut app, 120, 40);
    assert!(screen.contains('⊟'), "{screen}");
    // Enter on an open fold's line opens the record.
    app.update(Action::Open);
    assert_eq!(app.focus, Focus::Detail);
    app.update(Action::Back);

    // zc closes it from any of its lines; zo opens it again; za toggles.
    app.update(Action::Down);
    z(&mut app, 'c');
    assert_eq!(app.view.len(), lines);
    assert_eq!(app.current_commit(), Some(head));
    z(&mut app, 'o');
    assert_eq!(app.view.len(), lines + fold.rows.len() - 1);
    z(&mut app, 'a');
    assert_eq!(app.view.len(), lines);
    // Another key after z is not taken.
    app.update(Action::ToggleFold);
    assert!(
        app.fold_prefix_input(&KeyEvent::from(KeyCode::Char('j')))
            .is_none()
    );
    assert!(!app.fold_prefix);
}

#[test]
fn selection_steps_over_a_closed_fold_and_jumps_and_searches_open_it() {
    let dir = tempfile::tempdir().unwrap();
    let project = project(dir.path());
    let mut app = annotated(&project);
    let pos = first_fold(&app);
    let fold = app.fold_at(pos).unwrap().clone();
    let after = app.view.get(pos + 1).copied();
    select(&mut app, pos);
    app.update(Action::Down);
    // One line down from the fold is the record after all of it.
    assert_eq!(app.view.get(app.selected).copied(), after);
    assert!(app.view.get(app.selected).unwrap() > fold.rows.last().unwrap());

    // `:` with the hash of a run folded away opens its fold and selects it.
    let member = *fold.rows.iter().find(|&&r| r != fold.head).unwrap();
    let commit = app.rows.get(member).unwrap().commit();
    app.update(Action::Top);
    app.jump_to(&commit.to_string()[..10]);
    assert_eq!(app.current_commit(), Some(commit));
    assert!(app.open_folds.contains(&fold.key));
    assert!(
        app.lines_from(app.top, app.list_height)
            .contains(&TimelineLine::Record(app.selected)),
        "scrolled into view"
    );

    // A search hit inside a closed fold opens it too.
    z(&mut app, 'c');
    assert!(app.view.binary_search(&member).is_err());
    app.update(Action::Top);
    app.search.query = "whatever".into();
    app.search.hits.insert(commit);
    app.update(Action::NextMatch);
    assert_eq!(app.current_commit(), Some(commit));

    // Refiltering keeps the record selected, in its fold.
    app.update(Action::ToggleHidden);
    assert_eq!(app.current_commit(), Some(commit));
    app.update(Action::ToggleHidden);
    assert_eq!(app.current_commit(), Some(commit));
}

#[test]
fn saves_have_their_glyph_and_file_and_fold_under_the_run_before() {
    let dir = tempfile::tempdir().unwrap();
    let project = project(dir.path());
    // The generator's saves are shown (the client hid them; see the
    // status bar's snapshot test for hidden ones).
    let mut app = annotated(&project);
    // Some save folds under its run; open one and see it.
    let pos = (0..app.view.len())
        .find(|&p| app.fold_mark(p) == FoldMark::Closed && app.fold_at(p).unwrap().saves > 0)
        .expect("a run with its save folded under it");
    select(&mut app, pos);
    app.update(Action::Open);
    let fold = app.fold_at(app.selected).unwrap().clone();
    let save = *fold
        .rows
        .iter()
        .find(|&&r| {
            let c = app.rows.get(r).unwrap().commit();
            matches!(app.annotations.get(&c), Some(Annotation::Save(_)))
        })
        .unwrap();
    let Some(Annotation::Save(files)) = app
        .annotations
        .get(&app.rows.get(save).unwrap().commit())
        .cloned()
    else {
        panic!("a save")
    };
    let at = app.view.binary_search(&save).unwrap();
    select(&mut app, at);
    let screen = draw(&mut app, 120, 40);
    assert!(screen.contains(&format!("saved {}", files[0])), "{screen}");
    assert!(screen.contains('⤓'), "{screen}");
    // No save line says what every save said.
    let save_lines = screen.lines().filter(|l| l.contains('⤓'));
    for l in save_lines {
        assert!(!l.contains("modified file(s)"), "{l}");
    }
    // ASCII has its own glyph for them.
    app.ascii = true;
    let screen = draw(&mut app, 120, 40);
    assert!(
        screen
            .lines()
            .any(|l| l.contains(" S ") && l.contains("saved ")),
        "{screen}"
    );
}

#[test]
fn the_author_picker_counts_what_the_view_shows() {
    let dir = tempfile::tempdir().unwrap();
    let project = project(dir.path());
    let mut app = annotated(&project);
    // Code records only.
    app.update(Action::Filter);
    app.filter_input(&KeyEvent::from(KeyCode::Char('3')));
    app.filter_input(&KeyEvent::from(KeyCode::Esc));
    assert!(app.shown.len() < app.rows.len());
    app.update(Action::Authors);
    let Overlay::Picker(p) = &app.overlay else {
        panic!("the picker")
    };
    let items = p.visible();
    assert_eq!(
        items[0].detail,
        format!("{} records shown of {}", app.shown.len(), app.rows.len())
    );
    let per_author: usize = items[1..]
        .iter()
        .map(|i| {
            i.detail
                .split(' ')
                .next()
                .unwrap()
                .parse::<usize>()
                .unwrap_or(0)
        })
        .sum();
    assert_eq!(per_author, app.shown.len());
}

#[test]
fn new_records_keep_the_folds_and_ask_for_annotations_again() {
    let dir = tempfile::tempdir().unwrap();
    let project = project(dir.path());
    let mut app = annotated(&project);
    let pos = first_fold(&app);
    select(&mut app, pos);
    app.update(Action::Open);
    let open = app.open_folds.clone();
    let commit = app.current_commit();
    common::push_record(dir.path(), "a note", ("Ann", "ann@example.org"));
    let project = Project::open(dir.path(), None).unwrap();
    let newest = project.records().unwrap().into_iter().next().unwrap();
    let fx = app.prepend_rows(vec![newest]);
    assert!(fx.contains(&Effect::Annotate));
    assert_eq!(app.current_commit(), commit);
    assert_eq!(app.open_folds, open);
    assert!(app.fold_mark(app.selected) != FoldMark::Closed);
    // Annotations of the old history still apply to the moved rows.
    let notes = gtm_tui::tui::annotations::annotate(
        &project,
        &project.details(),
        &app.rows,
        &CachePolicy::Off,
    );
    app.annotations_ready(Arc::new(notes));
    assert_eq!(app.current_commit(), commit);
}

#[test]
fn the_selected_record_stays_selected_when_the_folds_form() {
    let dir = tempfile::tempdir().unwrap();
    let project = project(dir.path());
    // Where the folds will be, from an annotated copy.
    let other = annotated(&project);
    let pos = first_fold(&other);
    let fold = other.fold_at(pos).unwrap().clone();
    let member = *fold.rows.iter().find(|&&r| r != fold.head).unwrap();
    let commit = other.rows.get(member).unwrap().commit();

    let mut app = loaded_app(&project);
    let at = app.shown.binary_search(&member).unwrap();
    select(&mut app, at);
    settle(&mut app, &project, vec![Effect::Annotate]);
    assert_eq!(app.current_commit(), Some(commit));
    assert!(app.open_folds.contains(&fold.key), "its fold opened");
    // The others stay closed.
    assert!(app.view.len() < app.shown.len());
}

/// `:In [n]` finds runs by the annotations, so records never decoded count too, going
/// round from the selection, older first; a fold holding the run opens.
#[test]
fn colon_in_n_jumps_to_the_next_older_run_of_that_count() {
    let dir = tempfile::tempdir().unwrap();
    let project = project(dir.path());
    let mut app = annotated(&project);
    let ex_of = |app: &App, i: usize| match app.annotations.get(&app.rows.get(i).unwrap().commit())
    {
        Some(Annotation::Run(n)) => n.ex,
        _ => None,
    };
    // A count run at least twice among the records shown.
    let (n, rows): (u32, Vec<usize>) = (1..40)
        .map(|n| {
            let at: Vec<usize> = app
                .shown
                .iter()
                .copied()
                .filter(|&i| ex_of(&app, i) == Some(n))
                .collect();
            (n, at)
        })
        .find(|(_, at)| at.len() >= 2)
        .expect("a count run twice");
    let jump = |app: &mut App, text: &str| {
        app.update(Action::Jump);
        for c in text.chars() {
            app.jump_input(&KeyEvent::from(KeyCode::Char(c)));
        }
        app.jump_input(&KeyEvent::from(KeyCode::Enter));
    };
    // The next one older than `from` (rows are newest first), else round to the newest.
    let next = |from: usize| *rows.iter().find(|&&r| r > from).unwrap_or(&rows[0]);
    app.update(Action::Top);
    let top = app.current_commit().and_then(|c| app.position(c)).unwrap();
    jump(&mut app, &format!("In [{n}]"));
    let here = app.current_commit().and_then(|c| app.position(c));
    assert_eq!(here, Some(next(top)), "{:?}", app.flash);
    jump(&mut app, &format!("{n}"));
    let there = app.current_commit().and_then(|c| app.position(c));
    assert_eq!(there, Some(next(here.unwrap())), "the next older one");
    assert_ne!(there, here);
    jump(&mut app, "In [9999]");
    assert_eq!(app.flash.as_deref(), Some("no record shown ran In [9999]"));
}
