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
