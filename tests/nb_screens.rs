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
use gtm_tui::tui::nb::pair;
use gtm_tui::tui::nb::{NbApp, NbEffect, NbFocus, NbScreen, envview, insightsview, view};
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
            NbEffect::Whole {
                generation,
                step,
                entry,
            } => {
                let v = decode::decode_whole(project, &entry, true);
                app.whole_ready(generation, step, Arc::new(v));
            }
            NbEffect::CellHistory {
                generation,
                number,
                history,
            } => {
                let r = decode::cell_history(project, &history, number, true).map(Arc::new);
                fx.extend(app.cell_ready(generation, r));
            }
            NbEffect::CellPair {
                generation,
                at,
                hist,
                history,
            } => {
                let r = pair::prepare(project, &history, &hist, at, true).map(Arc::new);
                app.pair_ready(generation, at, r);
            }
            NbEffect::Env(req) => {
                let v = envview::prepare(project, &req);
                app.env_ready(req.generation, Arc::new(v));
            }
            NbEffect::Insights {
                generation,
                history,
            } => {
                let d = insightsview::prepare(project, &history);
                app.insights_ready(generation, Ok(Arc::new(d)));
            }
            NbEffect::Quit | NbEffect::Suspend | NbEffect::Live(_) | NbEffect::Copy(_) => {}
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
    assert!(all.contains("[png image 1×1, 70 B]"), "{all}");
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
    // The cell screen too: path, source, outputs and error of the cell's one version.
    let mut app = cell_screen(&project, 0);
    press(&mut app, &project, Action::Down);
    for (w, h) in [(80, 24), (120, 40)] {
        let screen = draw(&mut app, w, h);
        assert!(screen.contains("first version"), "{screen}");
        assert!(!screen.contains('\u{1b}'), "{screen}");
        assert!(!screen.contains('\u{7}'), "{screen}");
        assert!(!screen.contains('\u{9b}'), "{screen}");
        assert!(screen.contains("^["), "{screen}");
    }
}

/// A synth repository with environment files and one hot spot: one notebook of four cells
/// over twenty commits, six of which change requirements.txt, environment.yml or pyproject.toml.
fn synth(dir: &std::path::Path) -> Project {
    gtm_tui::synth::NbRepo {
        seed: 1,
        commits: 20,
        notebooks: 1,
        cells: 4,
        env_files: true,
        images: 0.0,
        ..Default::default()
    }
    .write(dir)
    .unwrap();
    Project::open(dir, None).unwrap()
}

fn built(app: &mut NbApp, project: &Project) {
    let fx = app.built(
        nbhistory::build(project)
            .map(Arc::new)
            .map_err(|e| e.to_string()),
    );
    settle(app, project, fx);
}

fn env_screen(app: &NbApp) -> &envview::EnvScreen {
    match &app.screen {
        Some(NbScreen::Env(s)) => s,
        _ => panic!("the environment screen is not open"),
    }
}

fn insights_screen(app: &NbApp) -> &insightsview::InsightsScreen {
    match &app.screen {
        Some(NbScreen::Insights(s)) => s,
        _ => panic!("the insights screen is not open"),
    }
}

#[test]
fn nb_env_screen_at_80x24_and_120x40() {
    let dir = tempfile::tempdir().unwrap();
    let project = synth(dir.path());
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let (mut app, fx) = loaded(&project, false);
        settle(&mut app, &project, fx);
        // The newest row whose commit changed an environment file as well as the notebook.
        let row = app
            .rows
            .iter()
            .position(|r| !r.commit.env_files.is_empty())
            .unwrap();
        for _ in 0..row {
            press(&mut app, &project, Action::Down);
        }
        press(&mut app, &project, Action::Environment);
        let screen = draw(&mut app, w, h);
        assert!(screen.contains("Environment as of"), "{screen}");
        assert!(screen.contains("this commit changed"), "{screen}");
        assert!(screen.contains("environment file"), "{screen}");
        check(&format!("nb_env_{w}x{h}"), &screen);
    }
}

#[test]
fn nb_env_steps_through_environment_commits_and_compares_with_a_mark() {
    let dir = tempfile::tempdir().unwrap();
    let project = synth(dir.path());
    let (mut app, fx) = loaded(&project, false);
    settle(&mut app, &project, fx);
    let env: Vec<_> = app.env_commits.iter().map(|(_, c)| c.id).collect();
    assert_eq!(env.len(), 6, "six commits change an environment file");
    // From the tip's row, `]` finds no newer change (or the tip is one), `[` the newest one.
    press(&mut app, &project, Action::Environment);
    let tip = app.rows[0].commit.id;
    assert_eq!(env_screen(&app).at.id, tip);
    let first = if env[0] == tip { 1 } else { 0 };
    press(&mut app, &project, Action::PrevRun);
    assert_eq!(env_screen(&app).at.id, env[first]);
    assert_eq!(env_screen(&app).pos, envview::EnvPos::Env(first));
    let screen = draw(&mut app, 100, 30);
    assert!(screen.contains("this commit changed"), "{screen}");
    // Mark it, step two older, and the screen says what changed since.
    press(&mut app, &project, Action::Mark);
    assert_eq!(
        env_screen(&app).mark.as_ref().map(|m| m.id),
        Some(env[first])
    );
    press(&mut app, &project, Action::PrevRun);
    press(&mut app, &project, Action::PrevRun);
    assert_eq!(env_screen(&app).at.id, env[first + 2]);
    let shown = env_screen(&app).shown.clone().unwrap();
    assert_eq!(shown.mark, Some(env[first]));
    assert!(shown.against.as_ref().unwrap().is_ok());
    let screen = draw(&mut app, 100, 30);
    assert!(screen.contains("since the marked point"), "{screen}");
    // m again marks the one shown instead; m on it unmarks.
    press(&mut app, &project, Action::Mark);
    assert_eq!(
        env_screen(&app).mark.as_ref().map(|m| m.id),
        Some(env[first + 2])
    );
    press(&mut app, &project, Action::Mark);
    assert!(env_screen(&app).mark.is_none());
    // `[` past the oldest says so and stays.
    for _ in 0..env.len() {
        press(&mut app, &project, Action::PrevRun);
    }
    assert_eq!(env_screen(&app).at.id, *env.last().unwrap());
    assert!(
        app.flash.as_deref().unwrap().contains("no earlier"),
        "{:?}",
        app.flash
    );
    press(&mut app, &project, Action::NextRun);
    assert_eq!(env_screen(&app).at.id, env[env.len() - 2]);
    // A view read for an older request is not shown.
    let stale = Arc::new(envview::prepare(
        &project,
        &envview::EnvRequest {
            generation: env_screen(&app).generation,
            at: env[0],
            parent: None,
            changed: false,
            mark: None,
        },
    ));
    app.env_ready(env_screen(&app).generation, stale);
    let screen = draw(&mut app, 100, 30);
    assert!(screen.contains("reading the environment files"), "{screen}");
    press(&mut app, &project, Action::Back);
    assert!(app.screen.is_none());
}

#[test]
fn nb_env_screen_without_environment_files_says_so_in_a_line() {
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write(dir.path());
    let project = Project::open(dir.path(), None).unwrap();
    let (mut app, fx) = loaded(&project, false);
    settle(&mut app, &project, fx);
    assert!(app.env_commits.is_empty());
    press(&mut app, &project, Action::Environment);
    let screen = draw(&mut app, 80, 24);
    let lines: Vec<&str> = screen
        .lines()
        .filter(|l| l.contains("no environment files at this commit"))
        .collect();
    assert_eq!(lines.len(), 1, "{screen}");
    press(&mut app, &project, Action::NextRun);
    assert!(
        app.flash.as_deref().unwrap().contains("no later"),
        "{:?}",
        app.flash
    );
    press(&mut app, &project, Action::Environment);
    assert!(app.screen.is_none());
}

#[test]
fn nb_insights_stuck_and_usage_at_80x24_and_120x40() {
    let dir = tempfile::tempdir().unwrap();
    let project = synth(dir.path());
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let (mut app, fx) = loaded(&project, false);
        settle(&mut app, &project, fx);
        // Before the whole history is built the screen waits for it.
        press(&mut app, &project, Action::Insights);
        let waiting = draw(&mut app, w, h);
        assert!(waiting.contains("reading the whole history"), "{waiting}");
        built(&mut app, &project);
        let stuck = draw(&mut app, w, h);
        assert!(stuck.contains("[Stuck]"), "{stuck}");
        assert!(stuck.contains("1 hot spot "), "{stuck}");
        assert!(stuck.contains("revisions"), "{stuck}");
        check(&format!("nb_insights_stuck_{w}x{h}"), &stuck);
        press(&mut app, &project, Action::FocusNext);
        let usage = draw(&mut app, w, h);
        assert!(usage.contains("[Usage]"), "{usage}");
        assert!(usage.contains("20 commits"), "{usage}");
        assert!(usage.contains("Commits ("), "{usage}");
        check(&format!("nb_insights_usage_{w}x{h}"), &usage);
    }
}

#[test]
fn nb_insights_tabs_and_enter_opens_the_hot_spots_cell() {
    let dir = tempfile::tempdir().unwrap();
    let project = synth(dir.path());
    let (mut app, fx) = loaded(&project, false);
    settle(&mut app, &project, fx);
    built(&mut app, &project);
    // Opened after the history is built: asked for at once.
    let fx = app.action(Action::Insights);
    assert!(
        matches!(fx.as_slice(), [NbEffect::Insights { .. }]),
        "{fx:?}"
    );
    settle(&mut app, &project, fx);
    let s = insights_screen(&app);
    let data = s.data.clone().unwrap();
    assert_eq!(
        data.spots,
        nbhistory::insights::hot_spots(&nbhistory::build(&project).unwrap())
    );
    press(&mut app, &project, Action::FocusNext);
    assert_eq!(
        insights_screen(&app).tab,
        gtm_tui::tui::insights::Tab::Usage
    );
    // Enter on the usage tab opens nothing.
    press(&mut app, &project, Action::Open);
    assert!(app.cell.is_none());
    press(&mut app, &project, Action::FocusPrev);
    assert_eq!(
        insights_screen(&app).tab,
        gtm_tui::tui::insights::Tab::Stuck
    );
    press(&mut app, &project, Action::Open);
    let cell = app.cell.as_ref().unwrap();
    let spot = &data.spots[0];
    assert_eq!(cell.origin.1, spot.notebook);
    let screen = draw(&mut app, 100, 30);
    assert!(screen.contains("versions"), "{screen}");
    // Back from the cell is back on the insights, and then on the timeline.
    press(&mut app, &project, Action::Back);
    assert!(app.cell.is_none());
    assert!(matches!(app.screen, Some(NbScreen::Insights(_))));
    press(&mut app, &project, Action::Quit);
    assert!(app.screen.is_none());
}

#[test]
fn nb_screens_show_nothing_from_the_repository_raw() {
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write_hostile(dir.path());
    let project = Project::open(dir.path(), None).unwrap();
    let (mut app, fx) = loaded(&project, false);
    settle(&mut app, &project, fx);
    built(&mut app, &project);
    let clean = |screen: &str| {
        assert!(!screen.contains('\u{1b}'), "{screen}");
        assert!(!screen.contains('\u{7}'), "{screen}");
        assert!(!screen.contains('\u{9b}'), "{screen}");
    };
    press(&mut app, &project, Action::Environment);
    for (w, h) in [(80, 24), (120, 40)] {
        let screen = draw(&mut app, w, h);
        assert!(screen.contains("requirements.txt"), "{screen}");
        assert!(screen.contains("numpy"), "{screen}");
        assert!(screen.contains("sci  ^[[8mpy"), "{screen}");
        assert!(screen.contains("^["), "{screen}");
        clean(&screen);
    }
    press(&mut app, &project, Action::Back);
    press(&mut app, &project, Action::Insights);
    for tab in [Action::Down, Action::FocusNext] {
        press(&mut app, &project, tab);
        for (w, h) in [(80, 24), (120, 40)] {
            let screen = draw(&mut app, w, h);
            clean(&screen);
        }
    }
}

#[test]
fn nb_env_steps_from_a_row_to_the_nearest_environment_commits() {
    let dir = tempfile::tempdir().unwrap();
    let project = synth(dir.path());
    let history = nbhistory::build(&project).unwrap();
    let (mut app, fx) = loaded(&project, false);
    settle(&mut app, &project, fx);
    // Every row whose commit changed no environment file, `[` and `]` from it.
    let plain: Vec<usize> = (0..app.rows.len())
        .filter(|&r| app.rows[r].commit.env_files.is_empty())
        .collect();
    assert!(plain.len() > 5);
    for r in plain {
        let id = app.rows[r].commit.id;
        let at = history.commits.iter().position(|c| c.id == id).unwrap();
        let is_env = |c: &&nbhistory::NbCommit| !c.env_files.is_empty();
        let older = history.commits[at..].iter().find(is_env).map(|c| c.id);
        let newer = history.commits[..at]
            .iter()
            .rev()
            .find(is_env)
            .map(|c| c.id);
        for (key, want) in [(Action::PrevRun, older), (Action::NextRun, newer)] {
            app.screen = None;
            while app.selected != r {
                let a = if app.selected < r {
                    Action::Down
                } else {
                    Action::Up
                };
                press(&mut app, &project, a);
            }
            press(&mut app, &project, Action::Environment);
            press(&mut app, &project, key);
            let shown = env_screen(&app).at.id;
            assert_eq!(shown, want.unwrap_or(id), "row {r}, {key:?}");
        }
    }
}

#[test]
fn nb_screens_in_ascii_draw_only_ascii_of_their_own() {
    let dir = tempfile::tempdir().unwrap();
    let project = synth(dir.path());
    let (mut app, fx) = loaded(&project, false);
    app.ascii = true;
    settle(&mut app, &project, fx);
    built(&mut app, &project);
    let row = app
        .rows
        .iter()
        .position(|r| !r.commit.env_files.is_empty())
        .unwrap();
    for _ in 0..row {
        press(&mut app, &project, Action::Down);
    }
    press(&mut app, &project, Action::Environment);
    let env = draw(&mut app, 80, 24);
    assert!(env.contains("this commit changed"), "{env}");
    assert!(env.is_ascii(), "{env}");
    press(&mut app, &project, Action::Back);
    press(&mut app, &project, Action::Insights);
    let stuck = draw(&mut app, 80, 24);
    assert!(stuck.contains("1 hot spot"), "{stuck}");
    assert!(stuck.is_ascii(), "{stuck}");
    press(&mut app, &project, Action::FocusNext);
    // The authors' names are the repository's; the rest is ASCII.
    let usage = draw(&mut app, 120, 40);
    assert!(usage.contains("Most revised cells"), "{usage}");
    for c in ['×', '·', '–', '→', '…', '▁', '█', '│'] {
        assert!(!usage.contains(c), "{c} in {usage}");
    }
    press(&mut app, &project, Action::Back);
    press(&mut app, &project, Action::Notebook);
    let at = draw(&mut app, 80, 24);
    assert!(at.contains("Notebook "), "{at}");
    assert!(at.is_ascii(), "{at}");
}

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use gtm_tui::tui::nb::NbMsg;
use gtm_tui::tui::nb::live::{LiveEffect, LiveMsg};

/// Types `text` (`\r` is Enter, `\x1b` Esc) and does what the workers would.
fn typed(app: &mut NbApp, project: &Project, text: &str) -> Vec<NbEffect> {
    let mut live = Vec::new();
    for c in text.chars() {
        let code = match c {
            '\r' => KeyCode::Enter,
            '\x1b' => KeyCode::Esc,
            c => KeyCode::Char(c),
        };
        let fx = app.key(KeyEvent::new(code, KeyModifiers::NONE));
        live.extend(
            fx.iter()
                .filter(|e| matches!(e, NbEffect::Live(_)))
                .cloned(),
        );
        settle(app, project, fx);
    }
    live
}

/// The rows shown, as `path@author`.
fn shown(app: &NbApp) -> Vec<String> {
    app.rows
        .iter()
        .map(|r| {
            format!(
                "{}@{}",
                r.entry.as_ref().map_or("-", |e| e.path.as_str()),
                r.commit.author.split(' ').next().unwrap_or("")
            )
        })
        .collect()
}

#[test]
fn nb_filters_combine_show_in_the_status_bar_and_say_what_emptied_the_timeline() {
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write(dir.path());
    let project = Project::open(dir.path(), None).unwrap();
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let (mut app, fx) = loaded(&project, false);
        settle(&mut app, &project, fx);
        typed(&mut app, &project, "f");
        assert!(app.narrow.panel.is_some());
        check(&format!("nb_filter_panel_{w}x{h}"), &draw(&mut app, w, h));
        // Author, typed: only Ada's rows.
        typed(&mut app, &project, "j\rada\r");
        assert_eq!(
            shown(&app),
            ["plots/figures.ipynb@Ada", "analysis.ipynb@Ada"]
        );
        // Errors only on top of it: Ada brought no error, and the timeline says which
        // filter left nothing.
        typed(&mut app, &project, "jjj\r");
        assert!(app.rows.is_empty());
        let screen = draw(&mut app, w, h);
        assert!(screen.contains("errors leaves none"), "{screen}");
        check(&format!("nb_filter_panel_emptied_{w}x{h}"), &screen);
        typed(&mut app, &project, "\x1b");
        assert!(app.narrow.panel.is_none());
        let screen = draw(&mut app, w, h);
        assert!(
            screen.contains("filter: author:ada · errors · 0 of 3"),
            "{screen}"
        );
        // F clears everything.
        typed(&mut app, &project, "F");
        assert_eq!(app.rows.len(), 3);
        assert!(app.narrow.filter.is_empty());
    }
}

#[test]
fn nb_filter_keeps_the_selection_and_dates_and_paths_narrow() {
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write(dir.path());
    let project = Project::open(dir.path(), None).unwrap();
    let (mut app, fx) = loaded(&project, false);
    settle(&mut app, &project, fx);
    // The oldest row selected; a path filter that keeps it keeps it selected.
    typed(&mut app, &project, "G");
    let oldest = app.current().unwrap().commit.id;
    typed(&mut app, &project, "f\rANALYSIS\r");
    assert_eq!(shown(&app), ["analysis.ipynb@Grace", "analysis.ipynb@Ada"]);
    assert_eq!(app.current().unwrap().commit.id, oldest);
    // Errors only drops the selected row: the selection goes to the next older row, here
    // none, so the last one.
    typed(&mut app, &project, "k\r");
    assert_eq!(shown(&app), ["analysis.ipynb@Grace"]);
    assert_eq!(app.selected, 0);
    typed(&mut app, &project, "x");
    assert_eq!(app.rows.len(), 3);
    // Since the newest row's day: the rows of that day and after, whatever the zone.
    let day = gtm_tui::timefmt::local_day(app.rows[0].commit.time);
    // From errors only, down to since.
    typed(&mut app, &project, &format!("jjj\r{day}\r"));
    let want = app
        .narrow
        .all
        .iter()
        .filter(|r| gtm_tui::timefmt::local_day(r.commit.time) >= day)
        .count();
    assert_eq!(app.rows.len(), want);
    assert!(want >= 1);
    // A date that is not one is refused, saying so.
    typed(&mut app, &project, "j\rsoon\r");
    let screen = draw(&mut app, 80, 24);
    assert!(screen.contains("'soon' is not a date"), "{screen}");
    assert!(app.narrow.filter.until.is_empty());
}

#[test]
fn nb_authors_picker_counts_and_filters() {
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write(dir.path());
    let project = Project::open(dir.path(), None).unwrap();
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let (mut app, fx) = loaded(&project, false);
        settle(&mut app, &project, fx);
        typed(&mut app, &project, "a");
        let p = app.narrow.picker.as_ref().unwrap();
        let labels: Vec<(&str, &str)> = p
            .items
            .iter()
            .map(|i| (i.label.as_str(), i.detail.as_str()))
            .collect();
        assert_eq!(
            labels,
            [
                ("everyone", "3 versions"),
                ("Ada Lovelace <ada@example.org>", "2 versions in 2 commits"),
                ("Grace Hopper <grace@example.org>", "1 version in 1 commit"),
            ]
        );
        check(&format!("nb_authors_{w}x{h}"), &draw(&mut app, w, h));
        typed(&mut app, &project, "jj\r");
        assert!(app.narrow.picker.is_none());
        assert_eq!(shown(&app), ["analysis.ipynb@Grace"]);
        assert_eq!(app.narrow.filter.author, "grace@example.org");
        // The picker marks the author filtered by; everyone undoes it.
        typed(&mut app, &project, "a");
        let p = app.narrow.picker.as_ref().unwrap();
        assert!(
            p.items
                .iter()
                .any(|i| i.current && i.label.starts_with("Grace"))
        );
        typed(&mut app, &project, "g\r");
        assert_eq!(app.rows.len(), 3);
    }
}

#[test]
fn nb_search_finds_hashes_authors_and_dates() {
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write(dir.path());
    let project = Project::open(dir.path(), None).unwrap();
    let (mut app, fx) = loaded(&project, false);
    settle(&mut app, &project, fx);
    let oldest = app.rows[2].commit.id.to_string();
    typed(&mut app, &project, &format!("/{}\r", &oldest[..9]));
    assert_eq!(app.selected, 2);
    typed(&mut app, &project, "/grace\r");
    assert_eq!(app.selected, 1);
    typed(&mut app, &project, "g");
    let when = gtm_tui::timefmt::local_minutes(app.rows[2].commit.time);
    typed(&mut app, &project, &format!("/{when}\r"));
    assert_eq!(app.selected, 2);
}

/// What the live threads would do for `e`, at once: open and walk, or list the branches.
fn run_live(app: &mut NbApp, project: &Project, e: LiveEffect) {
    match e {
        LiveEffect::Open { load, rev } => {
            let p = Project::open(&project.path, Some(&rev)).unwrap();
            let fx = app.live_msg(
                LiveMsg::Opened {
                    load,
                    result: Ok((p.name.clone(), p.tip)),
                },
                None,
            );
            assert!(
                matches!(fx.as_slice(), [NbEffect::Live(LiveEffect::Watch { .. })]),
                "{fx:?}"
            );
            let mut batch = Vec::new();
            let stats = nbhistory::stream(&p, |c, es| {
                batch.push((c, es));
                true
            })
            .unwrap();
            // Two batches, as the walk sends them: the selection comes back with the second.
            let rest = batch.split_off(1);
            for b in [batch, rest] {
                let fx = app.live_msg(LiveMsg::Walk(load, Box::new(NbMsg::Commits(b))), None);
                settle(app, project, fx);
            }
            app.live_msg(
                LiveMsg::Walk(load, Box::new(NbMsg::WalkDone(Ok(stats)))),
                None,
            );
        }
        LiveEffect::ListBranches => {
            let p = Project::open(&project.path, None).unwrap();
            let r = p
                .branches()
                .map(|l| (l, p.head_branch()))
                .map_err(|e| e.to_string());
            app.live_msg(LiveMsg::Branches(r), None);
        }
        other => panic!("not expected here: {other:?}"),
    }
}

fn one(fx: Vec<NbEffect>) -> LiveEffect {
    match fx.as_slice() {
        [NbEffect::Live(e)] => e.clone(),
        other => panic!("one live effect expected: {other:?}"),
    }
}

#[test]
fn nb_new_commits_go_on_top_keeping_the_selection() {
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write(dir.path());
    let project = Project::open(dir.path(), None).unwrap();
    let (mut app, fx) = loaded(&project, false);
    app.live = gtm_tui::tui::nb::live::Live::new("HEAD", project.tip);
    settle(&mut app, &project, fx);
    typed(&mut app, &project, "j");
    let before = app.current().unwrap().commit.id;
    let repo = git2::Repository::open(dir.path()).unwrap();
    let cells = vec![nbrepo::code(
        "n",
        "print('new')",
        Some(1),
        serde_json::json!([]),
    )];
    nbrepo::commit(
        &repo,
        &[("new.ipynb", Some(nbrepo::notebook(&cells)))],
        "Live work",
        20000,
    );
    let now = project.current_tip().unwrap();
    let batch = nbhistory::stream_since(&project, now, project.tip)
        .unwrap()
        .unwrap();
    assert_eq!(batch.len(), 1);
    let fx = app.live_msg(
        LiveMsg::NewCommits {
            load: 0,
            tip: now,
            batch,
        },
        None,
    );
    // The whole history is built again for the new tip.
    assert!(
        fx.iter()
            .any(|e| matches!(e, NbEffect::Live(LiveEffect::Rebuild { tip, .. }) if *tip == now))
    );
    settle(&mut app, &project, fx);
    assert_eq!(app.rows.len(), 4);
    assert_eq!(app.rows[0].entry.as_ref().unwrap().path, "new.ipynb");
    assert_eq!(app.current().unwrap().commit.id, before);
    assert_eq!(app.selected, 2);
    let screen = draw(&mut app, 80, 24);
    assert!(screen.contains("▲ 1 new"), "{screen}");
    // The walk's build, of the history before, no longer counts.
    let stale = nbhistory::build(&project)
        .map(Arc::new)
        .map_err(|e| e.to_string());
    app.live_msg(
        LiveMsg::Walk(0, Box::new(NbMsg::Built(stale.clone()))),
        None,
    );
    assert!(app.history.is_none());
    // Nor does a rebuild for another tip; the one for the new tip is taken.
    let rebuilt = |tip| LiveMsg::Rebuilt {
        load: 0,
        tip,
        result: stale.clone(),
    };
    app.live_msg(rebuilt(project.tip), None);
    assert!(app.history.is_none());
    let at_now = Project::open(dir.path(), Some(&now.to_string())).unwrap();
    let fresh = nbhistory::build(&at_now)
        .map(Arc::new)
        .map_err(|e| e.to_string());
    app.live_msg(
        LiveMsg::Rebuilt {
            load: 0,
            tip: now,
            result: fresh,
        },
        None,
    );
    let h = app.history.as_ref().unwrap().as_ref().unwrap();
    assert_eq!(h.commits.first().map(|c| c.id), Some(now));
    // Up to the top: seen.
    typed(&mut app, &project, "kk");
    assert_eq!(app.live.new_rows, 0);
    assert!(!draw(&mut app, 80, 24).contains("new "));
    // A filter applies to rows put on top too.
    typed(&mut app, &project, "f\rplots\r\x1b");
    nbrepo::commit(
        &repo,
        &[("new.ipynb", Some(nbrepo::notebook(&[])))],
        "Emptied",
        20001,
    );
    let newer = project.current_tip().unwrap();
    let batch = nbhistory::stream_since(&project, newer, now)
        .unwrap()
        .unwrap();
    app.live_msg(
        LiveMsg::NewCommits {
            load: 0,
            tip: newer,
            batch,
        },
        None,
    );
    assert_eq!(shown(&app), ["plots/figures.ipynb@Ada"]);
    assert_eq!(app.narrow.all.len(), 5);
    assert_eq!(app.live.new_rows, 0);
    // Messages of an older load are dropped.
    app.live.load = 7;
    app.live_msg(
        LiveMsg::NewCommits {
            load: 0,
            tip: newer,
            batch: Vec::new(),
        },
        None,
    );
    assert_eq!(app.live.tip, Some(newer));
}

#[test]
fn nb_a_rewritten_ref_and_r_read_again_keeping_the_selection() {
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write(dir.path());
    let project = Project::open(dir.path(), None).unwrap();
    let (mut app, fx) = loaded(&project, false);
    app.live = gtm_tui::tui::nb::live::Live::new("HEAD", project.tip);
    settle(&mut app, &project, fx);
    // r: the same rows read again, the selection where it was.
    typed(&mut app, &project, "j");
    let e = one(typed(&mut app, &project, "r"));
    assert!(
        matches!(&e, LiveEffect::Open { load: 1, rev } if rev == "HEAD"),
        "{e:?}"
    );
    run_live(&mut app, &project, e);
    assert_eq!(app.live.load, 1);
    assert_eq!(app.rows.len(), 3);
    assert_eq!(app.selected, 1);
    // A reset drops the newest commit: the ref no longer contains what was read.
    let repo = git2::Repository::open(dir.path()).unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    let parent = head.parent(0).unwrap();
    repo.reset(parent.as_object(), git2::ResetType::Hard, None)
        .unwrap();
    let now = project.current_tip().unwrap();
    assert!(
        nbhistory::stream_since(&project, now, project.tip)
            .unwrap()
            .is_none()
    );
    let e = one(app.live_msg(LiveMsg::Rewritten { load: 1 }, None));
    assert!(app.flash.as_deref().unwrap().contains("rewritten"));
    run_live(&mut app, &project, e);
    assert_eq!(app.live.load, 2);
    assert_eq!(shown(&app), ["analysis.ipynb@Grace", "analysis.ipynb@Ada"]);
    // The same row, now first.
    assert_eq!(app.selected, 0);
    assert_eq!(
        app.current().unwrap().commit.message.lines().next(),
        Some("Try a larger x")
    );
}

#[test]
fn nb_branches_picker_reads_the_chosen_branch_in_place() {
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write(dir.path());
    let repo = git2::Repository::open(dir.path()).unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    let first = head
        .parent(0)
        .unwrap()
        .parent(0)
        .unwrap()
        .parent(0)
        .unwrap();
    repo.branch("first-try", &first, false).unwrap();
    // The branch git made is named by the machine's init.defaultBranch: one name here.
    let made = repo.head().unwrap().shorthand().unwrap().to_string();
    let mut b = repo.find_branch(&made, git2::BranchType::Local).unwrap();
    b.rename("trunk", true).unwrap();
    let project = Project::open(dir.path(), None).unwrap();
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let (mut app, fx) = loaded(&project, false);
        app.live = gtm_tui::tui::nb::live::Live::new("HEAD", project.tip);
        settle(&mut app, &project, fx);
        let e = one(typed(&mut app, &project, "b"));
        assert_eq!(e, LiveEffect::ListBranches);
        run_live(&mut app, &project, e);
        let p = app.narrow.picker.as_ref().unwrap();
        let names: Vec<&str> = p.items.iter().map(|i| i.value.as_str()).collect();
        assert!(names.contains(&"first-try"), "{names:?}");
        check(&format!("nb_branches_{w}x{h}"), &draw(&mut app, w, h));
        let e = one(typed(&mut app, &project, "/first\r"));
        assert!(
            matches!(&e, LiveEffect::Open { rev, .. } if rev == "first-try"),
            "{e:?}"
        );
        run_live(&mut app, &project, e);
        assert_eq!(app.live.rev, "first-try");
        assert_eq!(shown(&app), ["analysis.ipynb@Ada"]);
        let screen = draw(&mut app, w, h);
        assert!(screen.contains(" first-try "), "{screen}");
    }
}

#[test]
fn nb_pickers_and_the_panel_show_repository_names_as_text() {
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write_hostile(dir.path());
    let repo = git2::Repository::open(dir.path()).unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    repo.branch("evil\u{9b}31m", &head, false).unwrap();
    let project = Project::open(dir.path(), None).unwrap();
    let (mut app, fx) = loaded(&project, false);
    settle(&mut app, &project, fx);
    run_live(&mut app, &project, LiveEffect::ListBranches);
    assert!(app.narrow.picker.is_some());
    let screen = draw(&mut app, 100, 30);
    assert!(!screen.contains('\u{9b}'), "{screen}");
    assert!(screen.contains("evil"), "{screen}");
    typed(&mut app, &project, "\x1bf\r");
    // Typed (or pasted) controls too.
    typed(&mut app, &project, "evil\u{9b}31m");
    let screen = draw(&mut app, 100, 30);
    assert!(app.narrow.panel.as_ref().unwrap().editing.is_some());
    assert!(!screen.contains('\u{9b}'), "{screen}");
}

#[test]
fn nb_esc_then_a_key_at_once_closes_the_picker_then_is_the_key() {
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write(dir.path());
    let project = Project::open(dir.path(), None).unwrap();
    let (mut app, fx) = loaded(&project, false);
    settle(&mut app, &project, fx);
    typed(&mut app, &project, "a");
    // What a terminal sends for Esc and `f` typed at once.
    let fx = app.key(KeyEvent::new(KeyCode::Char('f'), KeyModifiers::ALT));
    settle(&mut app, &project, fx);
    assert!(app.narrow.picker.is_none());
    assert!(app.narrow.panel.is_some());
    // In a field, Alt-Backspace deletes the word before.
    typed(&mut app, &project, "\rsome words");
    app.key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::ALT));
    assert_eq!(
        app.narrow.panel.as_ref().unwrap().editing.as_deref(),
        Some("some ")
    );
}

/// The app with the walk and the whole history read, row `row` selected and the history of
/// its first changed cell open.
fn cell_screen(project: &Project, row: usize) -> NbApp {
    let (mut app, fx) = loaded(project, false);
    settle(&mut app, project, fx);
    let fx = app.built(
        nbhistory::build(project)
            .map(Arc::new)
            .map_err(|e| e.to_string()),
    );
    settle(&mut app, project, fx);
    for _ in 0..row {
        press(&mut app, project, Action::Down);
    }
    press(&mut app, project, Action::CellHistory);
    assert!(app.cell.is_some());
    app
}

/// Whether some line of the screen holds both texts: the two sides of a side-by-side diff.
fn on_one_line(screen: &str, a: &str, b: &str) -> bool {
    screen.lines().any(|l| l.contains(a) && l.contains(b))
}

#[test]
fn nb_cell_screen_side_by_side_and_unified_at_80x24_and_120x40() {
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write(dir.path());
    let project = Project::open(dir.path(), None).unwrap();

    // Wide: side by side first, the old line beside the new one, with line numbers.
    let mut app = cell_screen(&project, 1);
    let wide = draw(&mut app, 120, 40);
    assert!(on_one_line(&wide, "x = 1", "x = 2"), "{wide}");
    assert!(wide.contains("code +2 -1 · same output"), "{wide}");
    check("nb_cell_side_by_side_120x40", &wide);
    press(&mut app, &project, Action::ToggleUnified);
    assert_eq!(app.flash.as_deref(), Some("unified diff"));
    let unified = draw(&mut app, 120, 40);
    assert!(!on_one_line(&unified, "x = 1", "x = 2"), "{unified}");
    assert!(
        unified.contains("- x = 1") && unified.contains("+ x = 2"),
        "{unified}"
    );
    check("nb_cell_unified_120x40", &unified);

    // Narrow: unified first; `u` gives side by side.
    let mut app = cell_screen(&project, 1);
    let narrow = draw(&mut app, 80, 24);
    assert!(!on_one_line(&narrow, "x = 1", "x = 2"), "{narrow}");
    press(&mut app, &project, Action::ToggleUnified);
    let sbs = draw(&mut app, 80, 24);
    assert!(on_one_line(&sbs, "x = 1", "x = 2"), "{sbs}");
    check("nb_cell_side_by_side_80x24", &sbs);
}

#[test]
fn nb_cell_screen_pictures_side_by_side_and_why_the_output_changed() {
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write_pictures(dir.path());
    let project = Project::open(dir.path(), None).unwrap();
    // The second version of the plot: same code, blue instead of red.
    let mut app = cell_screen(&project, 1);
    let s = app.cell.as_ref().unwrap();
    assert_eq!((s.list.selected, s.wanted), (1, Some((2, 1))));
    let wide = draw(&mut app, 120, 40);
    assert!(wide.contains("same code · output changed"), "{wide}");
    assert!(wide.contains("Image 1 · changed · png 8×4"), "{wide}");
    assert!(
        on_one_line(&wide, "▀", "│ ▀"),
        "the two pictures side by side:\n{wide}"
    );
    assert!(wide.contains("Why the output may have changed:"), "{wide}");
    assert!(
        wide.contains("other cells changed in this commit: c"),
        "{wide}"
    );
    assert!(
        wide.contains("environment files changed: requirements.txt"),
        "{wide}"
    );
    assert!(
        wide.contains("data files changed: data/values.csv"),
        "{wide}"
    );
    check("nb_cell_pictures_why_120x40", &wide);
    // At 80 columns the pane scrolls to the answer.
    let narrow = draw(&mut app, 80, 24);
    check("nb_cell_pictures_80x24", &narrow);
    press(&mut app, &project, Action::FocusNext);
    for _ in 0..8 {
        press(&mut app, &project, Action::Down);
    }
    let scrolled = draw(&mut app, 80, 24);
    assert!(scrolled.contains("data files changed"), "{scrolled}");
    assert_eq!(
        app.cell.as_ref().unwrap().list.selected,
        1,
        "j scrolled the diff"
    );
    check("nb_cell_why_scrolled_80x24", &scrolled);

    // `]`: the newer version, whose picture is broken: said, never drawn; nothing else in the
    // repository changed.
    press(&mut app, &project, Action::NextRun);
    let broken = draw(&mut app, 120, 40);
    assert!(broken.contains("error: output 1 image/png:"), "{broken}");
    assert!(
        broken.contains("png 8×4, 111 B → none") || broken.contains("→ none"),
        "{broken}"
    );
    assert!(
        broken.contains("nothing else in the repository changed"),
        "{broken}"
    );
    check("nb_cell_broken_picture_120x40", &broken);
}

#[test]
fn nb_cell_screen_compares_a_marked_version_and_enter_goes_to_a_row() {
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write_pictures(dir.path());
    let project = Project::open(dir.path(), None).unwrap();
    let mut app = cell_screen(&project, 0);
    assert_eq!(app.cell.as_ref().unwrap().wanted, Some((1, 0)));
    // The oldest version marked, the newest selected: those two are compared.
    press(&mut app, &project, Action::Bottom);
    let first = draw(&mut app, 120, 40);
    assert!(first.contains("first version"), "{first}");
    press(&mut app, &project, Action::Mark);
    assert!(
        app.flash
            .as_deref()
            .unwrap_or("")
            .starts_with("version marked")
    );
    press(&mut app, &project, Action::Top);
    assert_eq!(app.cell.as_ref().unwrap().wanted, Some((2, 0)));
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let marked = draw(&mut app, w, h);
        assert!(marked.contains("(marked)"), "{marked}");
        assert!(marked.contains('●'), "{marked}");
        check(&format!("nb_cell_marked_{w}x{h}"), &marked);
    }
    // `m` on the marked one unmarks it: back to the version before.
    press(&mut app, &project, Action::Bottom);
    press(&mut app, &project, Action::Mark);
    assert_eq!(app.cell.as_ref().unwrap().mark, None);
    // Enter: the selected version's row in the timeline.
    press(&mut app, &project, Action::Up);
    press(&mut app, &project, Action::Open);
    assert!(app.cell.is_none());
    assert_eq!(app.selected, 1);
    assert_eq!(app.focus, NbFocus::Timeline);
}

#[test]
fn nb_record_pane_draws_pictures_and_says_why_a_broken_one_is_not() {
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write_pictures(dir.path());
    let project = Project::open(dir.path(), None).unwrap();
    let (mut app, fx) = loaded(&project, false);
    settle(&mut app, &project, fx);
    let broken = draw(&mut app, 80, 24);
    assert!(broken.contains("cannot draw:"), "{broken}");
    check("nb_record_broken_picture_80x24", &broken);
    press(&mut app, &project, Action::Down);
    let drawn = draw(&mut app, 80, 24);
    assert!(drawn.contains("[png image 8×4,"), "{drawn}");
    assert!(drawn.contains('▀'), "{drawn}");
    check("nb_record_picture_80x24", &drawn);
    // `--images off`: what it is, without the picture.
    app.protocol = gtm_tui::render::image::Protocol::Off;
    app.laid.replace(Default::default());
    let off = draw(&mut app, 80, 24);
    assert!(
        off.contains("[png image 8×4,") && !off.contains('▀'),
        "{off}"
    );
}

#[test]
fn nb_cell_screen_mouse_wheel_scrolls_the_diff_not_the_list() {
    use crossterm::event::{Event, KeyModifiers, MouseEvent, MouseEventKind};
    use gtm_tui::tui::nb::NbMsg;
    use gtm_tui::tui::worker::Msg;
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write_pictures(dir.path());
    let project = Project::open(dir.path(), None).unwrap();
    let mut app = cell_screen(&project, 1);
    draw(&mut app, 80, 24);
    let wheel = |kind| {
        NbMsg::Ui(Msg::Input(Event::Mouse(MouseEvent {
            kind,
            column: 10,
            row: 12,
            modifiers: KeyModifiers::NONE,
        })))
    };
    let fx = app.handle(wheel(MouseEventKind::ScrollDown), None);
    assert!(fx.is_empty());
    let s = app.cell.as_ref().unwrap();
    assert_eq!((s.list.selected, s.list.pane.scroll), (1, 3));
    app.handle(wheel(MouseEventKind::ScrollUp), None);
    assert_eq!(app.cell.as_ref().unwrap().list.pane.scroll, 0);
}

#[test]
fn nb_ascii_draws_no_picture_glyphs_on_the_record_pane_or_the_cell_screen() {
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write_pictures(dir.path());
    let project = Project::open(dir.path(), None).unwrap();
    let mut app = NbApp::new("notebooks", Config::defaults(), true, false);
    let mut batch = Vec::new();
    nbhistory::stream(&project, |c, es| {
        batch.push((c, es));
        true
    })
    .unwrap();
    let fx = app.add_commits(batch);
    settle(&mut app, &project, fx);
    let fx = app.built(
        nbhistory::build(&project)
            .map(Arc::new)
            .map_err(|e| e.to_string()),
    );
    settle(&mut app, &project, fx);
    press(&mut app, &project, Action::Down);
    let record = draw(&mut app, 80, 24);
    assert!(record.contains("[png image 8x4,"), "{record}");
    assert!(record.is_ascii(), "{record}");
    press(&mut app, &project, Action::CellHistory);
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let screen = draw(&mut app, w, h);
        assert!(screen.contains("Image 1 - changed - png 8x4"), "{screen}");
        assert!(screen.is_ascii(), "{screen}");
    }
}

#[test]
fn nb_cell_screen_says_when_a_pair_cannot_be_compared() {
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
    // The versions read, the pair's answer not in yet: then it fails.
    let fx = app.action(Action::CellHistory);
    let mut pairs = Vec::new();
    for e in fx {
        if let NbEffect::CellHistory {
            generation,
            number,
            history,
        } = e
        {
            let r = decode::cell_history(&project, &history, number, true).map(Arc::new);
            pairs.extend(app.cell_ready(generation, r));
        }
    }
    assert!(matches!(pairs.as_slice(), [NbEffect::CellPair { .. }]));
    let waiting = draw(&mut app, 80, 24);
    assert!(waiting.contains("comparing…"), "{waiting}");
    let (generation, at) = {
        let s = app.cell.as_ref().unwrap();
        (s.generation, s.wanted.unwrap())
    };
    app.pair_ready(generation, at, Err("not a notebook \u{1b}]0;x\u{7}".into()));
    let failed = draw(&mut app, 80, 24);
    assert!(
        failed.contains("cannot compare these versions: not a notebook ^["),
        "{failed}"
    );
    assert!(!failed.contains('\u{1b}'), "{failed}");
}

#[test]
fn nb_cell_screen_reads_every_pair_of_a_synth_history_with_pictures_and_broken_versions() {
    use gtm_tui::synth::NbRepo;
    let dir = tempfile::tempdir().unwrap();
    NbRepo {
        seed: 18,
        commits: 30,
        notebooks: 2,
        cells: 6,
        stripped: 0.2,
        images: 0.5,
        renames: true,
        broken: true,
        env_files: true,
        old_formats: true,
        ..NbRepo::default()
    }
    .write(dir.path())
    .unwrap();
    let project = Project::open(dir.path(), None).unwrap();
    let (mut app, fx) = loaded(&project, false);
    settle(&mut app, &project, fx);
    let fx = app.built(
        nbhistory::build(&project)
            .map(Arc::new)
            .map_err(|e| e.to_string()),
    );
    settle(&mut app, &project, fx);
    let (mut pictures, mut whys, mut pairs) = (0, 0, 0);
    for row in 0..app.rows.len().min(12) {
        let fx = app.action(Action::Top);
        settle(&mut app, &project, fx);
        for _ in 0..row {
            press(&mut app, &project, Action::Down);
        }
        press(&mut app, &project, Action::CellHistory);
        let Some(n) = app
            .cell
            .as_ref()
            .and_then(|s| s.hist.as_ref())
            .and_then(|h| h.as_ref().ok())
            .map(|h| h.versions.len())
        else {
            press(&mut app, &project, Action::Back);
            continue;
        };
        // Every version against the one before, and the newest against the oldest marked.
        for _ in 0..n {
            let screen = draw(&mut app, 80, 24);
            assert!(!screen.contains('\u{1b}'), "{screen}");
            let s = app.cell.as_ref().unwrap();
            assert!(
                s.current().is_some() || s.current_error().is_some(),
                "{screen}"
            );
            if let Some(p) = s.current() {
                pairs += 1;
                pictures += p.cmp.images.len();
                whys += usize::from(!p.why.is_empty());
            }
            press(&mut app, &project, Action::PrevRun);
        }
        press(&mut app, &project, Action::Mark);
        press(&mut app, &project, Action::Top);
        draw(&mut app, 120, 40);
        press(&mut app, &project, Action::Back);
        assert!(app.cell.is_none());
    }
    assert!(pairs > 10, "{pairs} pairs compared");
    assert!(pictures > 0, "no picture among {pairs} pairs");
    assert!(whys > 0, "no why among {pairs} pairs");
}

#[test]
fn nb_colon_jumps_to_a_hash_or_a_date_and_y_asks_to_copy() {
    let dir = tempfile::tempdir().unwrap();
    let project = synth(dir.path());
    let (mut app, fx) = loaded(&project, false);
    settle(&mut app, &project, fx);
    let last = app.rows.len() - 1;
    let target = app.rows[last].commit.id;
    let typed = |app: &mut NbApp, text: &str| {
        app.key(KeyEvent::new(KeyCode::Char(':'), KeyModifiers::NONE));
        assert!(app.jump.is_some());
        for c in text.chars() {
            app.key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
        app.key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        assert!(app.jump.is_none());
    };
    typed(&mut app, &target.to_string()[..7]);
    assert_eq!(app.selected, last, "{:?}", app.flash);
    // A day: the newest row of it.
    let day = gtm_tui::timefmt::local_day(app.rows[0].commit.time);
    typed(&mut app, &day);
    assert_eq!(app.selected, 0);
    typed(&mut app, "0000000");
    assert!(
        app.flash
            .as_deref()
            .unwrap()
            .contains("no row's commit starts with 0000000")
    );
    // `In [n]`: the next older version where a cell changed with that count, going round.
    let ran = |r: &gtm_tui::tui::nb::NbRow, n: u64| {
        r.entry.as_ref().is_some_and(|e| {
            e.cells
                .iter()
                .any(|c| c.count == Some(n) && (c.changed() || c.rerun))
        })
    };
    let (n, want) = (1..50u64)
        .find_map(|n| Some((n, (1..app.rows.len()).find(|&p| ran(&app.rows[p], n))?)))
        .expect("a version that ran some count");
    typed(&mut app, &format!("In [{n}]"));
    assert_eq!(app.selected, want, "{:?}", app.flash);
    typed(&mut app, "in [99999]");
    assert_eq!(
        app.flash.as_deref(),
        Some("no version shown ran in [99999]")
    );
    assert_eq!(app.selected, want);
    // The jump is on the back stack: Esc returns to the top row it started from.
    app.key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    assert_eq!(app.selected, 0);
    let fx = app.key(KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE));
    assert!(
        fx.iter()
            .any(|e| matches!(e, NbEffect::Copy(h) if *h == app.rows[0].commit.id.to_string())),
        "{fx:?}"
    );
}

/// Three commits of `analysis.ipynb`, the second also adding `plots/figures.ipynb`: an edit,
/// then a re-run.
fn two_notebooks(dir: &std::path::Path) -> Project {
    use serde_json::json;
    let repo = git2::Repository::init(dir).unwrap();
    let intro = nbrepo::markdown("intro", "# Analysis");
    let load =
        |src: &str, n| nbrepo::code("load", src, Some(n), json!([nbrepo::stream("loaded\n")]));
    let show =
        |n, out: &str| nbrepo::code("show", "print(x)", Some(n), json!([nbrepo::stream(out)]));
    let v1 = vec![intro.clone(), load("x = 1", 1), show(2, "1\n")];
    nbrepo::commit(
        &repo,
        &[("analysis.ipynb", Some(nbrepo::notebook(&v1)))],
        "Start",
        0,
    );
    let v2 = vec![intro.clone(), load("x = 2", 3), show(4, "2\n")];
    let plots = vec![nbrepo::code("p1", "import matplotlib", None, json!([]))];
    nbrepo::commit(
        &repo,
        &[
            ("analysis.ipynb", Some(nbrepo::notebook(&v2))),
            ("plots/figures.ipynb", Some(nbrepo::notebook(&plots))),
        ],
        "Larger x, and a plots notebook",
        3600,
    );
    let v3 = vec![intro, load("x = 2", 3), show(5, "2\n")];
    nbrepo::commit(
        &repo,
        &[("analysis.ipynb", Some(nbrepo::notebook(&v3)))],
        "Run again",
        7200,
    );
    Project::open(dir, None).unwrap()
}

fn notebook_screen(app: &NbApp) -> &gtm_tui::tui::nb::atview::NotebookScreen {
    match &app.screen {
        Some(NbScreen::Notebook(s)) => s,
        _ => panic!("the notebook screen is open"),
    }
}

/// The notebook screen's lines that carry the changed-cell marker.
fn marked_lines(screen: &str) -> Vec<String> {
    screen
        .lines()
        .filter(|l| l.starts_with("\"│▌"))
        .map(str::to_string)
        .collect()
}

#[test]
fn nb_notebook_at_a_commit_steps_cycles_notebooks_and_opens_a_cell() {
    let dir = tempfile::tempdir().unwrap();
    let project = two_notebooks(dir.path());
    let (mut app, fx) = loaded(&project, false);
    settle(&mut app, &project, fx);
    built(&mut app, &project);
    // Newest first: the re-run, then the second commit's two notebooks.
    let row = app
        .rows
        .iter()
        .position(|r| {
            r.commit.summary().starts_with("Larger")
                && r.entry.as_ref().is_some_and(|e| e.path == "analysis.ipynb")
        })
        .unwrap();
    for _ in 0..row {
        press(&mut app, &project, Action::Down);
    }
    press(&mut app, &project, Action::Notebook);
    let s = notebook_screen(&app);
    assert_eq!((s.step, s.steps.len(), s.siblings.len()), (1, 3, 2));
    let screen = draw(&mut app, 100, 30);
    assert!(screen.contains("Notebook analysis.ipynb"), "{screen}");
    assert!(screen.contains("step 2/3"), "{screen}");
    assert!(screen.contains("(Tab)"), "{screen}");
    // Every cell is there, the unchanged markdown too; the edit and the new output marked.
    assert!(screen.contains("# Analysis"), "{screen}");
    let marked = marked_lines(&screen);
    assert!(marked.iter().any(|l| l.contains("x = 2")), "{screen}");
    assert!(!marked.iter().any(|l| l.contains("# Analysis")), "{screen}");
    assert!(screen.contains("changed"), "{screen}");

    // ] to the re-run: only the second code cell is marked now.
    press(&mut app, &project, Action::NextRun);
    let screen = draw(&mut app, 100, 30);
    assert!(screen.contains("step 3/3"), "{screen}");
    assert!(screen.contains("re-run"), "{screen}");
    let marked = marked_lines(&screen);
    assert!(marked.iter().any(|l| l.contains("print(x)")), "{screen}");
    assert!(!marked.iter().any(|l| l.contains("x = 2")), "{screen}");
    press(&mut app, &project, Action::NextRun);
    assert_eq!(notebook_screen(&app).step, 2, "no step past the last");

    // [ [ to the first version: everything is new.
    press(&mut app, &project, Action::PrevRun);
    press(&mut app, &project, Action::PrevRun);
    let screen = draw(&mut app, 100, 30);
    assert!(screen.contains("step 1/3"), "{screen}");
    assert!(screen.contains("x = 1"), "{screen}");

    // Tab at the second commit goes to the other notebook it changed.
    press(&mut app, &project, Action::NextRun);
    press(&mut app, &project, Action::FocusNext);
    let s = notebook_screen(&app);
    assert_eq!(s.path, "plots/figures.ipynb");
    let screen = draw(&mut app, 100, 30);
    assert!(screen.contains("import matplotlib"), "{screen}");
    press(&mut app, &project, Action::FocusNext);
    assert_eq!(notebook_screen(&app).path, "analysis.ipynb");
    assert_eq!(notebook_screen(&app).step, 1);

    // The step opens on the first cell it changed; j and k move from there.
    draw(&mut app, 100, 30);
    assert_eq!(notebook_screen(&app).selected_cell(), Some(1));
    press(&mut app, &project, Action::Down);
    assert_eq!(notebook_screen(&app).selected_cell(), Some(2));
    press(&mut app, &project, Action::Up);
    // Enter: that cell's history opens over the screen; Esc comes back.
    assert_eq!(notebook_screen(&app).selected_cell(), Some(1));
    press(&mut app, &project, Action::Open);
    let cell = app.cell.as_ref().expect("the cell history opened");
    assert_eq!(cell.origin.2, 1);
    let screen = draw(&mut app, 100, 30);
    assert!(screen.contains("x = 2"), "{screen}");
    press(&mut app, &project, Action::Back);
    assert!(app.cell.is_none());
    assert!(matches!(app.screen, Some(NbScreen::Notebook(_))));
    press(&mut app, &project, Action::Back);
    assert!(app.screen.is_none());
}

#[test]
fn nb_notebook_at_a_commit_at_80x24_and_120x40() {
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write(dir.path());
    let project = Project::open(dir.path(), None).unwrap();
    let (mut app, fx) = loaded(&project, false);
    settle(&mut app, &project, fx);
    // The edit of analysis.ipynb: a re-run, a new error, a picture.
    press(&mut app, &project, Action::Down);
    press(&mut app, &project, Action::Notebook);
    check("nb_notebook_at_80x24", &draw(&mut app, 80, 24));
    check("nb_notebook_at_120x40", &draw(&mut app, 120, 40));
}

#[test]
fn nb_back_stack_returns_through_the_screens_a_row_was_reached_from() {
    let dir = tempfile::tempdir().unwrap();
    let project = synth(dir.path());
    let (mut app, fx) = loaded(&project, false);
    settle(&mut app, &project, fx);
    built(&mut app, &project);
    press(&mut app, &project, Action::Insights);
    press(&mut app, &project, Action::Open);
    assert!(app.cell.is_some(), "the hot spot's cell opened");
    // Enter on a version: its row on the timeline, the screens put away.
    let before = app.selected;
    press(&mut app, &project, Action::Bottom);
    press(&mut app, &project, Action::Open);
    assert!(
        app.cell.is_none() && app.screen.is_none(),
        "on the timeline"
    );
    let row = app.selected;
    assert_ne!(row, before, "the oldest version's row is another row");
    // Esc: the cell over the insights again, the row it was opened from selected.
    press(&mut app, &project, Action::Back);
    assert!(app.cell.is_some(), "back on the cell");
    assert!(matches!(app.screen, Some(NbScreen::Insights(_))));
    assert_eq!(app.selected, before);
    let shown = draw(&mut app, 100, 30);
    assert!(shown.contains("versions"), "{shown}");
    // Forward again to the row; back and back closes the cell then the insights.
    press(&mut app, &project, Action::GoForward);
    assert!(app.cell.is_none() && app.screen.is_none());
    assert_eq!(app.selected, row);
    press(&mut app, &project, Action::GoBack);
    press(&mut app, &project, Action::GoBack);
    assert!(app.cell.is_none() && matches!(app.screen, Some(NbScreen::Insights(_))));
    press(&mut app, &project, Action::GoBack);
    assert!(app.screen.is_none());
    // Nothing left: Esc on the timeline quits as it always did.
    assert!(matches!(
        app.action(Action::Back).as_slice(),
        [NbEffect::Quit]
    ));
}

/// A repository whose one notebook has a code line and an output longer than any pane, the
/// word `needle` three times in them.
fn long_lines(dir: &std::path::Path) -> Project {
    let repo = git2::Repository::init(dir).unwrap();
    let json = format!(
        "{{{}, \"last\": \"needle at the end\"}}",
        (0..300)
            .map(|i| format!("\"k{i}\": {i}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let cells = [nbrepo::code(
        "c1",
        "# a comment long enough to wrap: the quick brown fox jumps over the lazy dog while the needle waits\nprint(data)",
        Some(1),
        serde_json::json!([nbrepo::stream(&format!("{json}\nthe needle again\n"))]),
    )];
    nbrepo::commit(
        &repo,
        &[("long.ipynb", Some(nbrepo::notebook(&cells)))],
        "Long lines",
        0,
    );
    Project::open(dir, None).unwrap()
}

#[test]
fn nb_long_lines_wrap_or_scroll_sideways_and_search_steps_inside_the_pane() {
    let dir = tempfile::tempdir().unwrap();
    let project = long_lines(dir.path());
    let (mut app, fx) = loaded(&project, false);
    settle(&mut app, &project, fx);
    let wrapped = draw(&mut app, 80, 24);
    assert!(wrapped.contains("  ↪ "), "{wrapped}");
    let texts: Vec<String> = app
        .laid
        .borrow()
        .lines
        .iter()
        .map(|l| l.to_string())
        .collect();
    assert!(
        texts
            .iter()
            .any(|t| t.ends_with("\"last\": \"needle at the end\"}")),
        "nothing is cut off: {texts:#?}"
    );
    assert!(
        texts
            .iter()
            .all(|t| unicode_width::UnicodeWidthStr::width(t.as_str()) <= 78)
    );
    check("nb_record_wrapped_80x24", &wrapped);
    // / finds the row, the pane goes to its first match, n steps through the rest.
    typed(&mut app, &project, "/needle\r");
    assert_eq!(app.pane_match, Some((0, 3)));
    let first = draw(&mut app, 80, 24);
    assert!(first.contains("match 1/3"), "{first}");
    press(&mut app, &project, Action::NextMatch);
    press(&mut app, &project, Action::NextMatch);
    assert_eq!(app.pane_match, Some((2, 3)));
    let third = draw(&mut app, 80, 24);
    assert!(third.contains("the needle again"), "{third}");
    assert!(third.contains("match 3/3"), "{third}");
    // With one row, n past the last match wraps around to the row's first.
    press(&mut app, &project, Action::NextMatch);
    assert_eq!(app.pane_match, Some((0, 3)));
    // w: cut and scrolled sideways half a pane at a time, the title says how far.
    press(&mut app, &project, Action::Open);
    assert_eq!(app.focus, NbFocus::Record);
    press(&mut app, &project, Action::Wrap);
    press(&mut app, &project, Action::Top);
    press(&mut app, &project, Action::Right);
    assert_eq!(app.pane_hscroll, 39);
    let cut = draw(&mut app, 80, 24);
    assert!(cut.contains("cut → col 40/"), "{cut}");
    assert!(!cut.contains('↪'), "{cut}");
    check("nb_record_sideways_80x24", &cut);
    press(&mut app, &project, Action::Left);
    assert_eq!(app.pane_hscroll, 0);
    assert_eq!(app.focus, NbFocus::Record);
}

#[test]
fn nb_cell_screen_p_marks_the_pixels_that_differ() {
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write_pictures(dir.path());
    let project = Project::open(dir.path(), None).unwrap();
    // Red against blue: every pixel differs.
    let mut app = cell_screen(&project, 1);
    press(&mut app, &project, Action::PixelDiff);
    assert!(
        app.flash
            .as_deref()
            .unwrap_or("")
            .starts_with("differing pixels marked")
    );
    let marked = draw(&mut app, 120, 40);
    assert!(
        marked.contains("32 of 32 pixels differ (100.0%) · in 8×4 at 0,0"),
        "{marked}"
    );
    press(&mut app, &project, Action::PixelDiff);
    assert!(!draw(&mut app, 120, 40).contains("pixels differ"));
    // The first version: one picture, nothing to compare it with.
    press(&mut app, &project, Action::PrevRun);
    press(&mut app, &project, Action::PixelDiff);
    assert_eq!(
        app.flash.as_deref(),
        Some("no two pictures differ here to compare pixel by pixel")
    );
    assert!(!app.cell.as_ref().unwrap().list.pane.pixels);
}
