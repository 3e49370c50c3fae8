//! Snapshots of the main screens through ratatui's TestBackend, hashes and dates masked.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use gtm_tui::repo::Project;
use gtm_tui::synth::Workload;
use gtm_tui::tui::app::{App, Focus};
use gtm_tui::tui::config::Config;
use gtm_tui::tui::keymap::Action;
use gtm_tui::tui::{fit, views};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

/// An app with the whole demo-like history loaded and visible details decoded.
fn loaded_app(dir: &std::path::Path) -> App {
    common::workload(
        dir,
        Workload {
            records: 80,
            seed: 5,
            ..Workload::default()
        },
    );
    let project = Project::open(dir, None).unwrap();
    let mut app = App::new(&project.name, &project.rev, Config::defaults(), false);
    let rows = project.records().unwrap();
    app.add_rows(rows);
    app.walk_done(Ok(Default::default()));
    app
}

/// Decodes what the app asked for, as the worker would.
fn settle(app: &mut App, project: &Project, fx: Vec<gtm_tui::tui::app::Effect>) {
    let store = project.details();
    let mut want: Vec<git2::Oid> = app.current().map(|r| r.commit).into_iter().collect();
    for e in fx {
        if let gtm_tui::tui::app::Effect::Decode(c) = e {
            want.extend(c);
        }
    }
    for c in want {
        let row = app.row(c).unwrap().clone();
        let prepared = gtm_tui::tui::prepare::prepare(project, &store, &row, true);
        app.details_ready(c, prepared);
    }
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
            (r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{4}-\d{2}-\d{2}\b", "[day]"),
            (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4}", "[date]"),
            (r"\d{2}:\d{2} [+-]\d{4}", "[time]"),
            (r"\b\d{2}:\d{2}\b", "[hm]"),
        ],
    }, {
        insta::assert_snapshot!(name, screen);
    });
}

#[test]
fn main_screens_at_80x24_and_120x40() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = loaded_app(dir.path());
    let project = Project::open(dir.path(), None).unwrap();
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        fit(&mut app, Rect::new(0, 0, w, h));
        let fx = app.update(Action::Top);
        settle(&mut app, &project, fx);
        for _ in 0..3 {
            let fx = app.update(Action::Down);
            settle(&mut app, &project, fx);
        }
        let screen = draw(&mut app, w, h);
        assert!(screen.contains("Timeline 4/"));
        check(&format!("timeline_{w}x{h}"), &screen);

        app.update(Action::FocusNext);
        assert_eq!(app.focus, Focus::Detail);
        app.update(Action::Down);
        check(&format!("detail_{w}x{h}"), &draw(&mut app, w, h));
        app.update(Action::Back);

        app.update(Action::Help);
        let help = draw(&mut app, w, h);
        assert!(help.contains("Move down one record"));
        check(&format!("help_{w}x{h}"), &help);
        app.update(Action::Back);

        app.update(Action::Search);
        for c in "console".chars() {
            let key = crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char(c));
            let fx = app.search_input(&key);
            settle(&mut app, &project, fx);
        }
        let search = draw(&mut app, w, h);
        assert!(search.contains("/console"));
        check(&format!("search_{w}x{h}"), &search);
        let esc = crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Esc);
        app.search_input(&esc);

        app.update(Action::Filter);
        let one = crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('3'));
        app.filter_input(&one);
        let filter = draw(&mut app, w, h);
        assert!(filter.contains("Types") && filter.contains("code"));
        check(&format!("filter_{w}x{h}"), &filter);
        app.filter_input(&esc);
        app.update(Action::ClearFilter);
    }
}

#[test]
fn errors_show_in_place() {
    let mut app = App::new("broken", "HEAD", Config::defaults(), false);
    app.walk_done(Err(
        "git error while reading commit 1234567: object not found".into(),
    ));
    let screen = draw(&mut app, 80, 24);
    assert!(screen.contains("object not found"), "{screen}");
}

#[test]
fn a_real_jpeg_is_drawn_in_half_blocks_and_a_broken_one_says_why() {
    use gtm_tui::synth::{DetailSpec, ProjectWriter, RecordSpec, WriterOptions, sample_jpeg};
    let dir = tempfile::tempdir().unwrap();
    let mut w = ProjectWriter::new(WriterOptions::default());
    let image_record = |bytes: Vec<u8>, msg: &str| {
        let mut r = RecordSpec::new(2, msg);
        r.details = vec![
            DetailSpec::text(2, 1, "image/png", bytes),
            DetailSpec::text(3, 4, "text/markdown", "```\nplt.plot(x, y)\n```"),
        ];
        r
    };
    let mut broken = sample_jpeg()[..3000].to_vec();
    broken.extend_from_slice(&[0u8; 64]);
    w.record(image_record(
        broken,
        "Executed cell in notebook code/b.ipynb and generated a result",
    ));
    w.record(image_record(
        sample_jpeg().to_vec(),
        "Executed cell in notebook code/a.ipynb and generated a result",
    ));
    w.finish(dir.path()).unwrap();

    let project = Project::open(dir.path(), None).unwrap();
    let mut app = App::new(&project.name, &project.rev, Config::defaults(), false);
    app.add_rows(project.records().unwrap());
    app.walk_done(Ok(Default::default()));
    settle(&mut app, &project, Vec::new());
    let screen = draw(&mut app, 80, 40);
    assert!(screen.contains("[jpeg image 320×240"), "{screen}");
    assert!(
        screen.matches('▀').count() > 400,
        "half-blocks drawn:\n{screen}"
    );
    check("image_80x40", &screen);

    let fx = app.update(Action::Down);
    settle(&mut app, &project, fx);
    let screen = draw(&mut app, 80, 40);
    assert!(screen.contains("error: image: jpeg"), "{screen}");
    // Once decoded, a code record's line names its notebook and code.
    let broken_row = screen
        .lines()
        .find(|l| l.contains("b.ipynb ▸ plt.plot(x, y)"))
        .unwrap();
    assert!(
        broken_row.contains(" !"),
        "the timeline flags it: {broken_row}"
    );
}

/// A key through the event loop's handler, as the terminal sends it.
fn key(app: &mut App, code: crossterm::event::KeyCode, w: u16, h: u16) {
    let msg = gtm_tui::tui::worker::Msg::Input(crossterm::event::Event::Key(
        crossterm::event::KeyEvent::from(code),
    ));
    gtm_tui::tui::handle(app, msg, Some(Rect::new(0, 0, w, h)));
}

/// Help does not fit 80×24 (nor 120×40): it scrolls, says which lines show,
/// ends on the glyphs and badges, and closes with the keys its title names,
/// not with any other.
#[test]
fn help_scrolls_to_the_glyphs_and_closes_as_its_title_says() {
    use crossterm::event::KeyCode;
    use gtm_tui::tui::app::Overlay;
    let dir = tempfile::tempdir().unwrap();
    let mut app = loaded_app(dir.path());
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        draw(&mut app, w, h);
        key(&mut app, KeyCode::Char('?'), w, h);
        let top = draw(&mut app, w, h);
        assert!(top.contains("Help · Esc or ? closes"), "{top}");
        assert!(top.contains("↓ more · lines 1-"), "{top}");
        // A key that means nothing here leaves help open.
        key(&mut app, KeyCode::Char('x'), w, h);
        key(&mut app, KeyCode::Char('j'), w, h);
        assert_eq!(app.overlay, Overlay::Help { scroll: 1 });
        let one = draw(&mut app, w, h);
        assert!(one.contains("↓ more · lines 2-"), "{one}");
        // Past the end it stays at the end.
        for _ in 0..20 {
            key(&mut app, KeyCode::PageDown, w, h);
        }
        let end = draw(&mut app, w, h);
        assert!(end.contains(" end · lines "), "{end}");
        for glyph in ["▶", "◆", "⚙", "⇥2", "▣1", "◌1", "hidden detail"] {
            assert!(end.contains(glyph), "{glyph} explained:\n{end}");
        }
        check(&format!("help_end_{w}x{h}"), &end);
        key(&mut app, KeyCode::Char('k'), w, h);
        let Overlay::Help { scroll } = app.overlay else {
            panic!("help still open");
        };
        assert!(scroll > 0);
        key(&mut app, KeyCode::Esc, w, h);
        assert_eq!(app.overlay, Overlay::None);
        key(&mut app, KeyCode::Char('?'), w, h);
        key(&mut app, KeyCode::Char('?'), w, h);
        assert_eq!(app.overlay, Overlay::None, "? closes it too");
    }

    // With --ascii the glyphs are explained as they are drawn.
    let mut app = App::new("p", "HEAD", Config::defaults(), true);
    app.walk_done(Ok(Default::default()));
    app.update(Action::Help);
    app.update(Action::Bottom);
    let end = draw(&mut app, 80, 24);
    assert!(end.contains("Help - Esc or ? closes"), "{end}");
    for glyph in ["o2 ", "img1", "h1 ", " > ", " P "] {
        assert!(end.contains(glyph), "{glyph} explained:\n{end}");
    }
    check("help_ascii_end_80x24", &end);
}

/// A project whose saves the client hid, as Gigantum does: two code runs
/// shown, five saves hidden.
fn hidden_project(dir: &std::path::Path, shown: usize, hidden: usize) -> App {
    use gtm_tui::synth::{DetailSpec, ProjectWriter, RecordSpec, WriterOptions};
    let mut w = ProjectWriter::new(WriterOptions::default());
    for i in 0..hidden {
        let mut r = RecordSpec::new(7, "1 modified file(s).");
        r.show = false;
        r.tags = vec!["save".into()];
        r.details = vec![DetailSpec::text(
            7,
            1,
            "text/markdown",
            format!("code/n{i}.ipynb"),
        )];
        w.record(r);
    }
    for i in 0..shown {
        let mut r = RecordSpec::new(
            2,
            format!("Executed cell in notebook code/a{i}.ipynb and generated a result"),
        );
        r.details = vec![DetailSpec::text(3, 4, "text/markdown", "```\nx = 1\n```")];
        w.record(r);
    }
    w.finish(dir).unwrap();
    let project = Project::open(dir, None).unwrap();
    let mut app = App::new(&project.name, &project.rev, Config::defaults(), false);
    app.add_rows(project.records().unwrap());
    app.walk_done(Ok(Default::default()));
    settle(&mut app, &project, Vec::new());
    app
}

/// The status bar says how many records show, of how many, how many are
/// hidden and the key that shows them; a timeline a filter or the hiding
/// emptied says which.
#[test]
fn the_status_bar_counts_what_is_hidden_and_an_empty_timeline_says_why() {
    use crossterm::event::{KeyCode, KeyEvent};
    let dir = tempfile::tempdir().unwrap();
    let mut app = hidden_project(dir.path(), 2, 5);
    assert_eq!((app.view.len(), app.hidden), (2, 5));
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let screen = draw(&mut app, w, h);
        assert!(
            screen.contains("1/2 shown · 5 hidden saves · . shows"),
            "{screen}"
        );
        check(&format!("hidden_{w}x{h}"), &screen);
    }

    // Only the saves, which are all hidden: the timeline says so.
    app.update(Action::Filter);
    app.filter_input(&KeyEvent::from(KeyCode::Char('8')));
    app.filter_input(&KeyEvent::from(KeyCode::Esc));
    assert!(app.view.is_empty());
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let screen = draw(&mut app, w, h);
        assert!(
            screen.contains("no shown record matches the filter labbook"),
            "{screen}"
        );
        assert!(
            screen.contains("5 hidden saves match it · . shows them"),
            "{screen}"
        );
        check(&format!("emptied_by_filter_{w}x{h}"), &screen);
    }
    app.update(Action::ToggleHidden);
    assert_eq!((app.view.len(), app.hidden), (5, 0));
    let screen = draw(&mut app, 80, 24);
    assert!(screen.contains("1/5 shown of 7"), "{screen}");
    assert!(!screen.contains("hidden ·"), "{screen}");

    // Nothing but hidden records.
    let dir = tempfile::tempdir().unwrap();
    let mut app = hidden_project(dir.path(), 0, 3);
    let screen = draw(&mut app, 80, 24);
    assert!(
        screen.contains("all 3 records are hidden saves · . shows them"),
        "{screen}"
    );
    assert!(screen.contains("0/0 shown · 3 hidden saves"), "{screen}");
    check("emptied_by_hiding_80x24", &screen);

    // Records that arrive while the timeline is open are counted too,
    // and a reload starts the count again.
    let project = Project::open(dir.path(), None).unwrap();
    let rows = project.records().unwrap();
    let mut app = App::new(&project.name, &project.rev, Config::defaults(), false);
    app.add_rows(rows[1..].to_vec());
    assert_eq!(app.hidden, 2);
    app.prepend_rows(rows[..1].to_vec());
    assert_eq!((app.view.len(), app.hidden), (0, 3));
    app.reset(1);
    assert_eq!(app.hidden, 0);
}

/// The record pane on lines longer than it: wrapped at words with `↪` (code keeps its line
/// numbers, continuations a blank gutter), and with `w` cut and scrolled sideways, the title
/// saying how far.
#[test]
fn long_lines_wrapped_and_sideways_at_80x24_and_120x40() {
    for (w, h) in [(80, 24), (120, 40)] {
        let dir = tempfile::tempdir().unwrap();
        common::longlines::write(dir.path());
        let project = Project::open(dir.path(), None).unwrap();
        let mut app = App::new(&project.name, &project.rev, Config::defaults(), false);
        app.add_rows(project.records().unwrap());
        app.walk_done(Ok(Default::default()));
        fit(&mut app, Rect::new(0, 0, w, h));
        let fx = app.visible_decodes();
        settle(&mut app, &project, fx);
        app.focus = Focus::Detail;
        check(&format!("record_wrapped_{w}x{h}"), &draw(&mut app, w, h));
        app.update(Action::Wrap);
        app.update(Action::Right);
        app.update(Action::Down);
        check(&format!("record_sideways_{w}x{h}"), &draw(&mut app, w, h));
    }
}

/// The timeline once the annotations are in: code lines naming their
/// cell, a streak folded to one line, then opened.
#[test]
fn annotated_timeline_with_a_folded_and_an_opened_streak() {
    use gtm_tui::tui::app::FoldMark;
    let dir = tempfile::tempdir().unwrap();
    common::workload(
        dir.path(),
        Workload {
            records: 260,
            seed: 11,
            notebooks: 2,
            streaks: 3,
            ..Workload::default()
        },
    );
    let project = Project::open(dir.path(), None).unwrap();
    let mut app = App::new(&project.name, &project.rev, Config::defaults(), false);
    app.add_rows(project.records().unwrap());
    app.walk_done(Ok(Default::default()));
    let notes = gtm_tui::tui::annotations::annotate(
        &project,
        &project.details(),
        &app.rows,
        &gtm_tui::lineage::CachePolicy::Off,
    );
    let fx = app.annotations_ready(std::sync::Arc::new(notes));
    settle(&mut app, &project, fx);
    let pos = (0..app.view.len())
        .find(|&p| app.fold_mark(p) == FoldMark::Closed && app.fold_at(p).unwrap().streak)
        .expect("a folded streak");
    for _ in 0..pos {
        app.update(Action::Down);
    }
    let runs = app.fold_at(pos).unwrap().runs;
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let fx = app.update(Action::Top);
        settle(&mut app, &project, fx);
        for _ in 0..pos {
            let fx = app.update(Action::Down);
            settle(&mut app, &project, fx);
        }
        let screen = draw(&mut app, w, h);
        assert!(screen.contains(&format!("×{runs} ↻")), "{screen}");
        check(&format!("folded_streak_{w}x{h}"), &screen);
        let fx = app.update(Action::Open);
        settle(&mut app, &project, fx);
        let screen = draw(&mut app, w, h);
        assert!(screen.contains('⊟'), "{screen}");
        check(&format!("opened_streak_{w}x{h}"), &screen);
        app.update(Action::ToggleFold);
        app.fold_prefix_input(&crossterm::event::KeyEvent::from(
            crossterm::event::KeyCode::Char('c'),
        ));
    }
}

#[test]
fn the_pixel_view_marks_what_changed_at_80x24_and_120x40() {
    use common::screens::{draw as draw_screen, press};
    use gtm_tui::render::image::CHANGED;
    use ratatui::style::Color;
    let dir = tempfile::tempdir().unwrap();
    let project = common::screens::picture_runs(dir.path());
    let mut app = common::screens::loaded_app(&project);
    // The second run of the plot against the first.
    let rows = project.records().unwrap();
    let commit = gtm_tui::lineage::build(&project, &rows, None)
        .executions
        .iter()
        .find(|e| e.ex == Some(2))
        .map(|e| e.commit)
        .unwrap();
    let second = app
        .view
        .iter()
        .position(|&i| app.rows.get(i).unwrap().commit() == commit)
        .unwrap();
    app.click_record(second);
    press(&mut app, &project, Action::CellHistory);
    press(&mut app, &project, Action::PixelDiff);
    let wide = draw_screen(&mut app, 120, 40);
    assert!(
        wide.contains("16 of 1,800 pixels differ (0.9%) · in 6×4 at 10,8"),
        "{wide}"
    );
    let [r, g, b] = CHANGED;
    let marked = |c: Color| {
        c == Color::Rgb(r, g, b)
            || c == Color::Indexed(gtm_tui::render::palette::nearest_256((r, g, b)))
    };
    fit(&mut app, Rect::new(0, 0, 120, 40));
    let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
    t.draw(|f| views::render(&app, f)).unwrap();
    let cells = t
        .backend()
        .buffer()
        .content()
        .iter()
        .filter(|c| marked(c.fg) || marked(c.bg))
        .count();
    assert!(
        cells > 0,
        "the changed pixels are drawn in the marking colour"
    );
    check("pixel_diff_120x40", &wide);
    // At 80 columns the pane scrolls down to the picture.
    draw_screen(&mut app, 80, 24);
    press(&mut app, &project, Action::FocusNext);
    press(&mut app, &project, Action::Bottom);
    let narrow = draw_screen(&mut app, 80, 24);
    assert!(narrow.contains("pixels differ"), "{narrow}");
    check("pixel_diff_80x24", &narrow);
}
