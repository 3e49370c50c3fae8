//! The TUI state machine driven directly: filters, path search, reload bookkeeping.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use crossterm::event::{KeyCode, KeyEvent};
use gtm_tui::lineage::CachePolicy;
use gtm_tui::repo::Project;
use gtm_tui::synth::Workload;
use gtm_tui::tui::app::{App, Effect};
use gtm_tui::tui::config::Config;
use gtm_tui::tui::keymap::Action;
use gtm_tui::tui::worker::details_contain;

fn key(c: KeyCode) -> KeyEvent {
    KeyEvent::from(c)
}

#[test]
fn the_path_filter_finds_file_records_by_their_details() {
    let dir = tempfile::tempdir().unwrap();
    common::workload(
        dir.path(),
        Workload {
            records: 200,
            ..Workload::default()
        },
    );
    let project = Project::open(dir.path(), None).unwrap();
    let mut app = common::screens::loaded_app(&project);
    let total = app.view.len();

    // f, down to "Path or notebook", Enter, type input/, Enter.
    app.update(Action::Filter);
    app.filter_input(&key(KeyCode::Down));
    app.filter_input(&key(KeyCode::Enter));
    for c in "input/".chars() {
        app.filter_input(&key(KeyCode::Char(c)));
    }
    let fx = app.filter_input(&key(KeyCode::Enter));
    let (path, generation) = fx
        .iter()
        .find_map(|e| match e {
            Effect::PathSearch { path, generation } => Some((path.clone(), *generation)),
            _ => None,
        })
        .expect("a path search is asked for");
    assert_eq!(path, "input/");
    let by_message = app.view.len();
    assert!(by_message < total);

    // What the search worker would find.
    let store = project.details();
    let hits: Vec<git2::Oid> = app
        .rows
        .iter()
        .filter(|r| details_contain(&store.record_details(&r.to_row()), &path))
        .map(|r| r.commit())
        .collect();
    assert!(!hits.is_empty());
    app.path_hits(generation, hits);
    assert!(
        app.view.len() > by_message,
        "records found by their details join the view"
    );
    let uploads = app
        .view
        .iter()
        .filter(|&&i| app.rows.get(i).unwrap().message().starts_with("Uploaded"))
        .count();
    assert!(uploads > 0, "upload records name no path in their message");
    assert!(
        app.view.windows(2).all(|w| w[0] < w[1]),
        "view stays in history order"
    );
    // Stale results are ignored.
    let before = app.view.len();
    app.path_hits(
        generation - 1,
        app.rows.iter().map(|r| r.commit()).collect(),
    );
    assert_eq!(app.view.len(), before);

    app.update(Action::ClearFilter);
    assert_eq!(app.view.len(), total);
}

#[test]
fn hidden_toggle_and_reload_keep_things_consistent() {
    let dir = tempfile::tempdir().unwrap();
    common::workload(
        dir.path(),
        Workload {
            records: 120,
            ..Workload::default()
        },
    );
    let project = Project::open(dir.path(), None).unwrap();
    let mut app = App::new(&project.name, &project.rev, Config::defaults(), false);
    let rows = project.records().unwrap();
    let hidden = rows.iter().filter(|r| !r.record.meta.show).count();
    app.add_rows(rows.clone());
    let shown = app.view.len();
    assert_eq!(shown + hidden, rows.len());
    app.update(Action::ToggleHidden);
    assert_eq!(app.view.len(), rows.len(), "'.' shows hidden records");
    app.update(Action::ToggleHidden);
    assert_eq!(app.view.len(), shown);

    for _ in 0..5 {
        app.update(Action::Down);
    }
    let selected = app.current().unwrap().commit;
    let fx = app.update(Action::Refresh);
    assert!(fx.contains(&Effect::Reload));
    app.reset(1);
    assert!(app.rows.is_empty() && app.loading);
    app.add_rows(rows);
    assert_eq!(
        app.current().unwrap().commit,
        selected,
        "selection survives a reload"
    );
}

#[test]
fn long_cells_show_at_once_and_get_their_colours_in_a_second_pass() {
    use gtm_tui::synth::{DetailSpec, ProjectWriter, RecordSpec, WriterOptions};
    use gtm_tui::tui::prepare::{Body, QUICK_LINES, prepare_upto};
    let dir = tempfile::tempdir().unwrap();
    let code: String = (0..1000)
        .map(|i| format!("x_{i} = compute({i}, 'label')  # step\n"))
        .collect();
    let mut w = ProjectWriter::new(WriterOptions::default());
    let mut r = RecordSpec::new(2, "Executed cell in notebook code/a.ipynb");
    r.details = vec![DetailSpec::text(
        3,
        4,
        "text/markdown",
        format!("```\n{code}```"),
    )];
    w.record(r);
    w.finish(dir.path()).unwrap();
    let project = Project::open(dir.path(), None).unwrap();
    let row = project.records().unwrap().remove(0);
    let store = project.details();
    let code_lines = |bodies: &[Vec<Body>]| -> Vec<usize> {
        match bodies.first().and_then(|b| b.first()) {
            Some(Body::Code(lines)) => lines.iter().map(Vec::len).collect(),
            other => panic!("not code: {other:?}"),
        }
    };

    let (quick, partial) = prepare_upto(&project, &store, &row, true, QUICK_LINES);
    assert!(partial);
    let runs = code_lines(&quick.bodies);
    assert_eq!(runs.len(), 1000, "every line is there at once");
    assert!(runs[..QUICK_LINES].iter().all(|&n| n > 2), "coloured");
    assert!(runs[QUICK_LINES..].iter().all(|&n| n == 1), "plain for now");

    let full = quick.finish();
    assert!(code_lines(&full.bodies).iter().all(|&n| n > 2));
    let (whole, partial) = prepare_upto(&project, &store, &row, true, usize::MAX);
    assert!(!partial);
    assert_eq!(format!("{:?}", whole.bodies), format!("{:?}", full.bodies));
}

#[test]
fn records_committed_while_open_go_on_top_and_keep_the_selection() {
    let dir = tempfile::tempdir().unwrap();
    common::workload(
        dir.path(),
        Workload {
            records: 120,
            ..Workload::default()
        },
    );
    let project = Project::open(dir.path(), None).unwrap();
    let mut rows = project.records().unwrap();
    let later = rows.drain(..4).collect::<Vec<_>>();
    let mut app = App::new(&project.name, &project.rev, Config::defaults(), false);
    app.list_height = 20;
    app.add_rows(rows);
    app.walk_done(Ok(Default::default()));
    for _ in 0..30 {
        app.update(Action::Down);
    }
    let selected = app.current().unwrap().commit;
    let (top, len) = (app.top, app.view.len());
    let shown = later.iter().filter(|r| r.record.meta.show).count();
    app.prepend_rows(later.clone());
    assert_eq!(app.current().unwrap().commit, selected);
    assert_eq!(app.view.len(), len + shown);
    assert_eq!(app.new_records, shown);
    assert_eq!(app.top, top + shown, "scrolled down: the screen stays put");
    assert_eq!(
        app.rows.get(0).unwrap().commit(),
        later[0].commit,
        "newest first"
    );
    assert!(
        (0..app.rows.len()).all(|i| app.position(app.rows.get(i).unwrap().commit()) == Some(i)),
        "index rebuilt"
    );
    app.update(Action::Top);
    assert_eq!(app.new_records, 0, "seen once at the top");
}

#[test]
fn branch_and_author_pickers() {
    use gtm_tui::synth::Author;
    use gtm_tui::tui::app::Overlay;
    use gtm_tui::tui::branch_picker;
    let dir = tempfile::tempdir().unwrap();
    common::workload(
        dir.path(),
        Workload {
            records: 150,
            branches: true,
            authors: vec![
                Author::new("Alice Example", "alice@example.com", 0),
                Author::new("Bob Chen", "bob@example.org", 60),
            ],
            ..Workload::default()
        },
    );
    let project = Project::open(dir.path(), None).unwrap();
    let list = project.branches().unwrap();
    assert!(list.len() >= 2, "{list:?}");
    assert!(list[0].is_workspace(), "workspace branches first: {list:?}");
    let first_other = list.iter().position(|b| !b.is_workspace()).unwrap();
    assert!(list[first_other..].iter().all(|b| !b.is_workspace()));

    let mut app = common::screens::loaded_app(&project);
    let fx = app.update(Action::Branches);
    assert_eq!(fx, vec![Effect::ListBranches]);
    let head = project.head_branch().unwrap();
    app.overlay = Overlay::Picker(branch_picker(&list, &head));
    // The branch being read is preselected; Enter on another switches.
    let Overlay::Picker(p) = &app.overlay else {
        unreachable!()
    };
    assert_eq!(p.visible()[p.selected].value, head);
    let other = list.iter().find(|b| b.name != head).unwrap().name.clone();
    app.picker_input(&key(KeyCode::Char('/')));
    for c in other.chars() {
        app.picker_input(&key(KeyCode::Char(c)));
    }
    // Enter while narrowing chooses the first match.
    let fx = app.picker_input(&key(KeyCode::Enter));
    assert_eq!(fx, vec![Effect::SwitchRev(other.clone())]);
    assert_eq!(app.overlay, Overlay::None);
    let switched = Project::open(dir.path(), Some(&other)).unwrap();
    assert!(!switched.records().unwrap().is_empty());

    // Authors: who did what; choosing one filters to their records.
    let total = app.view.len();
    app.update(Action::Authors);
    let Overlay::Picker(p) = &app.overlay else {
        panic!("author picker open")
    };
    let labels: Vec<&str> = p.items.iter().map(|i| i.label.as_str()).collect();
    assert_eq!(labels[0], "everyone");
    assert!(
        labels.iter().any(|l| l.contains("bob@example.org")),
        "{labels:?}"
    );
    assert!(p.items[1].detail.contains("code"), "{:?}", p.items[1]);
    let bob = p
        .items
        .iter()
        .position(|i| i.value == "bob@example.org")
        .unwrap();
    for _ in 0..bob {
        app.picker_input(&key(KeyCode::Down));
    }
    app.picker_input(&key(KeyCode::Enter));
    assert!(app.view.len() < total);
    assert!(
        app.view
            .iter()
            .all(|&i| app.rows.get(i).unwrap().email() == "bob@example.org")
    );
    app.update(Action::ClearFilter);
    assert_eq!(app.view.len(), total);
}

/// One message through the event loop's handler at `size`, and what the
/// workers would do for the effects it asks for (decoding included).
fn send(
    app: &mut App,
    project: &Project,
    size: ratatui::layout::Rect,
    msg: gtm_tui::tui::worker::Msg,
) {
    let store = project.details();
    let mut fx = gtm_tui::tui::handle(app, msg, Some(size));
    while !fx.is_empty() {
        let mut rest = Vec::new();
        for e in fx {
            match e {
                Effect::Decode(commits) => {
                    for c in commits {
                        let row = app.row(c).unwrap();
                        let prepared = gtm_tui::tui::prepare::prepare(project, &store, &row, true);
                        // As the loop does: a worker's answer is a message too.
                        rest.extend(gtm_tui::tui::handle(
                            app,
                            gtm_tui::tui::worker::Msg::Details(app.load, c, prepared),
                            Some(size),
                        ));
                    }
                }
                other => common::screens::settle(app, project, vec![other]),
            }
        }
        fx = rest;
    }
}

fn press_key(app: &mut App, project: &Project, size: ratatui::layout::Rect, c: KeyCode) {
    let ev = crossterm::event::Event::Key(key(c));
    send(app, project, size, gtm_tui::tui::worker::Msg::Input(ev));
}

/// Every record the timeline draws, and the selected one, has its details.
fn all_drawn_decoded(app: &App) -> Result<(), String> {
    use gtm_tui::tui::app::Details;
    use gtm_tui::tui::views::{TimelineLine, timeline_lines};
    let mut commits: Vec<git2::Oid> = timeline_lines(app, app.list_height)
        .into_iter()
        .filter_map(|l| match l {
            TimelineLine::Record(pos) => app
                .view
                .get(pos)
                .map(|&i| app.rows.get(i).unwrap().commit()),
            TimelineLine::Day(_) => None,
        })
        .collect();
    commits.extend(app.current_commit());
    for c in commits {
        if !matches!(app.details.peek(&c), Some(Details::Ready(_))) {
            return Err(format!("{c} is drawn but not decoded"));
        }
    }
    Ok(())
}

#[test]
fn rows_brought_into_view_are_decoded_without_another_key() {
    let dir = tempfile::tempdir().unwrap();
    common::workload(
        dir.path(),
        Workload {
            records: 200,
            streaks: 3,
            ..Workload::default()
        },
    );
    let project = Project::open(dir.path(), None).unwrap();
    let mut app = App::new(&project.name, &project.rev, Config::defaults(), false);
    let size = ratatui::layout::Rect::new(0, 0, 80, 24);
    gtm_tui::tui::fit(&mut app, size);
    let rows = project.records().unwrap();
    let (first, rest) = rows.split_at(3);
    // The walk's batches: a few rows, then the rest, then the end.
    for batch in [first.to_vec(), rest.to_vec()] {
        let msg = gtm_tui::tui::worker::Msg::Walk(app.load, gtm_tui::repo::WalkMsg::Rows(batch));
        send(&mut app, &project, size, msg);
    }
    all_drawn_decoded(&app).expect("after loading");

    // The insights screen, Enter on a streak opens its cell, Esc back to the list, Esc back
    // to the timeline.
    press_key(&mut app, &project, size, KeyCode::Char('i'));
    press_key(&mut app, &project, size, KeyCode::Enter);
    assert!(app.cell().is_some(), "the streak's cell opened");
    press_key(&mut app, &project, size, KeyCode::Esc);
    assert!(app.cell().is_none());
    assert!(app.insights().is_some());
    press_key(&mut app, &project, size, KeyCode::Esc);
    assert!(app.screens.is_empty());
    all_drawn_decoded(&app).expect("back from the cell screen");

    // v lays the panes side by side: a taller timeline, more rows.
    let before = app.list_height;
    press_key(&mut app, &project, size, KeyCode::Char('v'));
    assert!(app.list_height > before, "{} → {}", before, app.list_height);
    all_drawn_decoded(&app).expect("after v");
}

#[test]
fn reloading_and_reading_notes_clear_once_the_history_is_read() {
    let dir = tempfile::tempdir().unwrap();
    common::workload(
        dir.path(),
        Workload {
            records: 30,
            ..Workload::default()
        },
    );
    let project = Project::open(dir.path(), None).unwrap();
    let mut app = App::new(&project.name, &project.rev, Config::defaults(), false);
    let size = ratatui::layout::Rect::new(0, 0, 80, 24);
    let rows = project.records().unwrap();
    let walk = |app: &mut App, rows: &[gtm_tui::repo::RecordRow]| {
        let load = app.load;
        send(
            app,
            &project,
            size,
            gtm_tui::tui::worker::Msg::Walk(load, gtm_tui::repo::WalkMsg::Rows(rows.to_vec())),
        );
        send(
            app,
            &project,
            size,
            gtm_tui::tui::worker::Msg::Walk(
                load,
                gtm_tui::repo::WalkMsg::Done(Ok(Default::default())),
            ),
        );
    };
    walk(&mut app, &rows);
    app.reset(1);
    assert_eq!(app.flash.as_deref(), Some("reloading…"));
    walk(&mut app, &rows);
    assert_eq!(app.flash, None, "the reload is done");

    app.reset(2);
    app.reading("gm.workspace-bob");
    assert_eq!(app.flash.as_deref(), Some("reading gm.workspace-bob"));
    walk(&mut app, &rows);
    assert_eq!(app.flash, None, "the branch is read");

    // A note the user caused meanwhile stays.
    app.reset(3);
    app.flash = Some("no images in this record".into());
    walk(&mut app, &rows);
    assert_eq!(app.flash.as_deref(), Some("no images in this record"));
}

/// Alt+key as terminals send Esc followed at once by a key.
fn alt(c: char) -> crossterm::event::Event {
    crossterm::event::Event::Key(KeyEvent::new(
        KeyCode::Char(c),
        crossterm::event::KeyModifiers::ALT,
    ))
}

#[test]
fn esc_then_a_key_at_once_is_esc_and_the_key_unless_alt_key_is_bound() {
    use gtm_tui::tui::app::{Focus, Overlay};
    use gtm_tui::tui::worker::Msg;
    let dir = tempfile::tempdir().unwrap();
    common::workload(
        dir.path(),
        Workload {
            records: 40,
            ..Workload::default()
        },
    );
    let project = Project::open(dir.path(), None).unwrap();
    let size = ratatui::layout::Rect::new(0, 0, 100, 30);
    let fresh = |config: Config| {
        let mut app = App::new(&project.name, &project.rev, config, false);
        app.add_rows(project.records().unwrap());
        app.walk_done(Ok(Default::default()));
        app
    };
    let mut app = fresh(Config::defaults());

    // The search prompt: Esc closes it, then j moves down.
    press_key(&mut app, &project, size, KeyCode::Char('/'));
    press_key(&mut app, &project, size, KeyCode::Char('z'));
    let at = app.selected;
    send(&mut app, &project, size, Msg::Input(alt('j')));
    assert_eq!(app.search.typing, None, "the prompt closed");
    assert_eq!(app.search.query, "", "Esc cleared the search");
    assert_eq!(app.selected, at + 1, "then j moved down");

    // The filter panel.
    press_key(&mut app, &project, size, KeyCode::Char('f'));
    assert!(matches!(app.overlay, Overlay::Filter(_)));
    send(&mut app, &project, size, Msg::Input(alt('j')));
    assert_eq!(app.overlay, Overlay::None, "the panel closed");
    assert_eq!(app.selected, at + 2);

    // The record pane: back to the timeline, then down.
    press_key(&mut app, &project, size, KeyCode::Tab);
    assert_eq!(app.focus, Focus::Detail);
    send(&mut app, &project, size, Msg::Input(alt('j')));
    assert_eq!(app.focus, Focus::Timeline);
    assert_eq!(app.selected, at + 3);

    // A bound Alt+key keeps its binding.
    let mut config = Config::defaults();
    let table: toml::Table = toml::from_str("up = [\"k\", \"alt-j\"]").unwrap();
    config.keys.patch(&table).unwrap();
    let mut app = fresh(config);
    press_key(&mut app, &project, size, KeyCode::Char('j'));
    press_key(&mut app, &project, size, KeyCode::Char('j'));
    press_key(&mut app, &project, size, KeyCode::Tab);
    press_key(&mut app, &project, size, KeyCode::Tab);
    send(&mut app, &project, size, Msg::Input(alt('j')));
    assert_eq!(app.selected, 1, "alt-j is up here");
}

#[test]
fn the_record_pane_keeps_to_the_terminals_colours() {
    use gtm_tui::synth::{DetailSpec, ProjectWriter, RecordSpec, WriterOptions, sample_jpeg};
    use gtm_tui::tui::theme::ColorDepth;
    use ratatui::style::Color;
    let dir = tempfile::tempdir().unwrap();
    let mut w = ProjectWriter::new(WriterOptions::default());
    let mut r = RecordSpec::new(2, "Executed cell in notebook code/a.ipynb");
    r.details = vec![
        DetailSpec::text(
            3,
            4,
            "text/markdown",
            "```\nimport numpy as np\nx = np.linspace(0, 1, 50)  # grid\nprint(f\"{x.mean():.2f}\")\n```",
        ),
        DetailSpec::text(
            1,
            1,
            "text/plain",
            "\x1b[38;2;250;10;10mred\x1b[0m and \x1b[48;2;0;90;200mblue\x1b[0m",
        ),
        DetailSpec::text(2, 1, "image/png", sample_jpeg().to_vec()),
    ];
    w.record(r);
    w.finish(dir.path()).unwrap();
    let project = Project::open(dir.path(), None).unwrap();
    let store = project.details();
    let rgb_cells = |depth: ColorDepth| {
        let mut config = Config::defaults();
        config.theme = config.theme.for_depth(depth);
        let mut app = App::new(&project.name, &project.rev, config, false);
        app.depth = depth;
        app.truecolor = depth == ColorDepth::TrueColor;
        app.add_rows(project.records().unwrap());
        app.walk_done(Ok(Default::default()));
        let row = app.current().unwrap();
        let prepared = gtm_tui::tui::prepare::prepare(&project, &store, &row, true);
        app.details_ready(row.commit, prepared);
        gtm_tui::tui::fit(&mut app, ratatui::layout::Rect::new(0, 0, 140, 50));
        let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(140, 50)).unwrap();
        t.draw(|f| gtm_tui::tui::views::render(&app, f)).unwrap();
        let screen = t.backend().to_string();
        assert!(
            screen.contains("linspace") && screen.contains("red"),
            "{screen}"
        );
        t.backend()
            .buffer()
            .content()
            .iter()
            .filter(|c| matches!(c.fg, Color::Rgb(..)) || matches!(c.bg, Color::Rgb(..)))
            .count()
    };
    assert!(
        rgb_cells(ColorDepth::TrueColor) > 0,
        "code colours in 24 bits"
    );
    assert_eq!(rgb_cells(ColorDepth::Ansi256), 0, "256 colours");
    assert_eq!(rgb_cells(ColorDepth::Ansi16), 0, "16 colours");
    assert_eq!(rgb_cells(ColorDepth::None), 0, "no colour");
}

#[test]
fn save_dir_prefers_the_current_directory_then_downloads_then_home() {
    use gtm_tui::tui::save_dir;
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap();
    let mk = |p: &str| {
        let d = root.join(p);
        std::fs::create_dir_all(&d).unwrap();
        d
    };
    let (project, git, sub) = (mk("project"), mk("project/.git"), mk("project/code"));
    let (downloads, home, outside) = (mk("dl"), mk("home"), mk("elsewhere"));
    let repo = [git.clone(), project.clone()];
    let pick = |cwd: &std::path::Path, dl: Option<&std::path::Path>| {
        save_dir(
            &repo,
            &[
                Some(cwd.to_path_buf()),
                dl.map(|d| d.to_path_buf()),
                Some(home.clone()),
            ],
        )
    };
    assert_eq!(pick(&outside, Some(&downloads)), Some(outside.clone()));
    assert_eq!(pick(&project, Some(&downloads)), Some(downloads.clone()));
    assert_eq!(pick(&sub, Some(&downloads)), Some(downloads.clone()));
    assert_eq!(pick(&git, None), Some(home.clone()));
    // A download directory that does not exist is passed over.
    assert_eq!(pick(&sub, Some(&root.join("missing"))), Some(home.clone()));
    // A link into the project is inside it.
    #[cfg(unix)]
    {
        let link = root.join("link");
        std::os::unix::fs::symlink(&project, &link).unwrap();
        assert_eq!(pick(&link, None), Some(home.clone()));
    }
    assert_eq!(
        save_dir(
            std::slice::from_ref(&root),
            &[Some(sub.clone()), Some(home.clone())]
        ),
        None
    );
}

/// A control character in a message or an author's name is drawn as the
/// command line prints it (`^[`, `^G`, `\u{9b}`), not dropped without a
/// trace: one sanitiser for every way out.
#[test]
fn control_characters_show_as_the_sanitisers_markers() {
    use gtm_tui::synth::{ProjectWriter, RecordSpec, WriterOptions};
    let dir = tempfile::tempdir().unwrap();
    let mut w = ProjectWriter::new(WriterOptions::default());
    w.set_author("Eve\x1b[2J", "eve@example.com", 0);
    w.record(RecordSpec::new(0, "note \x1b]0;t\x07 \u{9b}x"));
    w.finish(dir.path()).unwrap();
    let project = Project::open(dir.path(), None).unwrap();
    let mut app = common::screens::loaded_app(&project);
    let screen = common::screens::draw(&mut app, 120, 20);
    assert!(screen.contains("note ^[]0;t^G \\u{9b}x"), "{screen}");
    assert!(screen.contains("Eve^[[2J"), "{screen}");
}

fn with(c: KeyCode, m: crossterm::event::KeyModifiers) -> crossterm::event::Event {
    crossterm::event::Event::Key(KeyEvent::new(c, m))
}

#[test]
fn prompts_delete_the_word_before_and_type_altgr_characters() {
    use crossterm::event::KeyModifiers as M;
    use gtm_tui::tui::app::Overlay;
    use gtm_tui::tui::picker::{Item, PickKind, Picker};
    use gtm_tui::tui::worker::Msg;
    let dir = tempfile::tempdir().unwrap();
    common::workload(
        dir.path(),
        Workload {
            records: 20,
            ..Workload::default()
        },
    );
    let project = Project::open(dir.path(), None).unwrap();
    let size = ratatui::layout::Rect::new(0, 0, 100, 30);
    let mut app = common::screens::loaded_app(&project);
    let typed = |app: &mut App, s: &str| {
        for c in s.chars() {
            send(
                app,
                &project,
                size,
                Msg::Input(with(KeyCode::Char(c), M::NONE)),
            );
        }
    };
    let alt_bs = || Msg::Input(with(KeyCode::Backspace, M::ALT));
    let ctrl_w = || Msg::Input(with(KeyCode::Char('w'), M::CONTROL));
    // Windows sends AltGr+q (an @ on a German keyboard) as Ctrl+Alt+@.
    let altgr = |c| Msg::Input(with(KeyCode::Char(c), M::CONTROL | M::ALT));

    // The search prompt: readline's Alt+Backspace stops at punctuation,
    // Ctrl-W at spaces; the prompt stays open.
    press_key(&mut app, &project, size, KeyCode::Char('/'));
    typed(&mut app, "load data.csv");
    send(&mut app, &project, size, alt_bs());
    assert_eq!(app.search.typing.as_deref(), Some("load data."));
    send(&mut app, &project, size, ctrl_w());
    assert_eq!(app.search.typing.as_deref(), Some("load "));
    send(&mut app, &project, size, altgr('@'));
    assert_eq!(app.search.typing.as_deref(), Some("load @"));
    assert_eq!(app.search.query, "load @");
    press_key(&mut app, &project, size, KeyCode::Esc);

    // The filter panel's text fields.
    press_key(&mut app, &project, size, KeyCode::Char('f'));
    press_key(&mut app, &project, size, KeyCode::Down);
    press_key(&mut app, &project, size, KeyCode::Enter);
    typed(&mut app, "input/raw data");
    send(&mut app, &project, size, alt_bs());
    send(&mut app, &project, size, altgr('~'));
    match &app.overlay {
        Overlay::Filter(edit) => assert_eq!(edit.editing.as_deref(), Some("input/raw ~")),
        other => panic!("the panel closed: {other:?}"),
    }
    send(&mut app, &project, size, ctrl_w());
    match &app.overlay {
        Overlay::Filter(edit) => assert_eq!(edit.editing.as_deref(), Some("input/raw ")),
        other => panic!("the panel closed: {other:?}"),
    }
    press_key(&mut app, &project, size, KeyCode::Esc);
    press_key(&mut app, &project, size, KeyCode::Esc);
    assert_eq!(app.overlay, Overlay::None);

    // A picker's query.
    let item = |v: &str| Item {
        value: v.into(),
        label: v.into(),
        detail: String::new(),
        current: false,
    };
    app.overlay = Overlay::Picker(Picker::new(
        PickKind::Branch,
        vec![item("master"), item("gm.workspace-bob")],
    ));
    press_key(&mut app, &project, size, KeyCode::Char('/'));
    typed(&mut app, "gm.work");
    send(&mut app, &project, size, alt_bs());
    send(&mut app, &project, size, altgr('\\'));
    match &app.overlay {
        Overlay::Picker(p) => assert_eq!((p.query.as_str(), p.typing), ("gm.\\", true)),
        other => panic!("the picker closed: {other:?}"),
    }
}

#[test]
fn ctrl_z_says_why_when_the_shell_ignores_job_control() {
    use gtm_tui::tui::worker::Msg;
    let dir = tempfile::tempdir().unwrap();
    common::workload(
        dir.path(),
        Workload {
            records: 5,
            ..Workload::default()
        },
    );
    let project = Project::open(dir.path(), None).unwrap();
    let size = ratatui::layout::Rect::new(0, 0, 100, 30);
    let mut app = common::screens::loaded_app(&project);
    let ctrl_z = || {
        Msg::Input(with(
            KeyCode::Char('z'),
            crossterm::event::KeyModifiers::CONTROL,
        ))
    };
    let fx = gtm_tui::tui::handle(&mut app, ctrl_z(), Some(size));
    assert!(fx.contains(&Effect::Suspend));

    app.job_control = false;
    let fx = gtm_tui::tui::handle(&mut app, ctrl_z(), Some(size));
    assert!(!fx.contains(&Effect::Suspend), "{fx:?}");
    assert_eq!(
        app.flash.as_deref(),
        Some("cannot suspend: the shell ignores job control")
    );
}

/// The branches are listed by a worker, not on the UI thread: the answer
/// opens the picker, a stale one (from before a reload) is dropped, and a
/// failure is said.
#[test]
fn the_branch_list_arrives_as_a_message() {
    use gtm_tui::tui::app::Overlay;
    use gtm_tui::tui::worker::Msg;
    let dir = tempfile::tempdir().unwrap();
    common::workload(
        dir.path(),
        Workload {
            records: 60,
            ..Workload::default()
        },
    );
    let project = Project::open(dir.path(), None).unwrap();
    let list = project.branches().unwrap();
    let head = project.head_branch();
    let mut app = common::screens::loaded_app(&project);

    let stale = Msg::Branches {
        load: app.load + 1,
        result: Ok((list.clone(), head.clone())),
    };
    gtm_tui::tui::handle(&mut app, stale, None);
    assert_eq!(app.overlay, Overlay::None);

    let msg = Msg::Branches {
        load: app.load,
        result: Ok((list.clone(), head.clone())),
    };
    gtm_tui::tui::handle(&mut app, msg, None);
    let Overlay::Picker(p) = &app.overlay else {
        panic!("no picker: {:?}", app.overlay)
    };
    assert_eq!(p.visible()[p.selected].value, head.unwrap());

    app.overlay = Overlay::None;
    let failed = Msg::Branches {
        load: app.load,
        result: Err("refs unreadable".into()),
    };
    gtm_tui::tui::handle(&mut app, failed, None);
    assert_eq!(
        app.flash.as_deref(),
        Some("cannot list branches: refs unreadable")
    );
}

/// A branch switch or a reload opens the project on a worker thread, not
/// the UI thread: its answer comes before any record of its walk, only the
/// latest request's answer is taken, and a failure leaves the history that
/// was read before on screen.
#[test]
fn the_project_is_opened_again_by_a_worker() {
    use gtm_tui::tui::worker::{self, Msg};
    use std::sync::mpsc::{Receiver, channel};
    let dir = tempfile::tempdir().unwrap();
    common::workload(
        dir.path(),
        Workload {
            records: 40,
            ..Workload::default()
        },
    );
    let project = Project::open(dir.path(), None).unwrap();
    let branch = project.branches().unwrap()[0].name.clone();
    let mut app = common::screens::loaded_app(&project);
    let before = app.rows.len();
    let size = ratatui::layout::Rect::new(0, 0, 80, 24);
    // Everything one open sends, until its walk is done (or it failed).
    let answers = |rx: &Receiver<Msg>, load: u64| {
        let mut got = Vec::new();
        loop {
            let m = rx
                .recv_timeout(std::time::Duration::from_secs(120))
                .expect("the open answers");
            let last = match &m {
                Msg::Opened(o) => o.load == load && o.result.is_err(),
                Msg::Walk(l, gtm_tui::repo::WalkMsg::Done(_)) => *l == load,
                _ => false,
            };
            got.push(m);
            if last {
                return got;
            }
        }
    };

    let first = app.begin_open(&app.rev.clone(), true);
    assert_eq!(app.flash.as_deref(), Some("reloading…"));
    let second = app.begin_open(&branch, false);
    assert!(second > first);
    assert_eq!(
        app.flash.as_deref(),
        Some(format!("reading {branch}").as_str())
    );
    assert_eq!(
        app.rows.len(),
        before,
        "the old history stays while opening"
    );

    let (tx, rx) = channel();
    worker::open(
        dir.path().to_path_buf(),
        "HEAD".into(),
        first,
        true,
        CachePolicy::Off,
        tx.clone(),
    );
    let msgs = answers(&rx, first);
    let Some(Msg::Opened(stale)) = msgs.into_iter().next() else {
        panic!("the answer comes before the walk's records")
    };
    let r = stale.result.unwrap();
    assert!(!app.opened(first, Ok((r.name, r.repo_dirs))), "stale");
    assert_eq!((app.rows.len(), app.rev.as_str()), (before, "HEAD"));

    worker::open(
        dir.path().to_path_buf(),
        branch.clone(),
        second,
        true,
        CachePolicy::Off,
        tx.clone(),
    );
    let mut msgs = answers(&rx, second).into_iter();
    let Some(Msg::Opened(fresh)) = msgs.next() else {
        panic!("the answer comes before the walk's records")
    };
    let r = fresh.result.unwrap();
    assert!(app.opened(second, Ok((r.name, r.repo_dirs))));
    assert_eq!((app.load, app.rev.as_str()), (second, branch.as_str()));
    assert!(app.rows.is_empty() && app.opening.is_none());
    for m in msgs {
        send(&mut app, &project, size, m);
    }
    assert!(!app.rows.is_empty() && !app.loading);
    let read = app.rows.len();

    let third = app.begin_open("no-such-branch", false);
    worker::open(
        dir.path().to_path_buf(),
        "no-such-branch".into(),
        third,
        true,
        CachePolicy::Off,
        tx,
    );
    let Some(Msg::Opened(failed)) = answers(&rx, third).into_iter().next() else {
        panic!("an answer")
    };
    assert!(!app.opened(third, failed.result.map(|r| (r.name, r.repo_dirs))));
    assert!(
        app.flash
            .as_deref()
            .unwrap()
            .starts_with("cannot read no-such-branch: "),
        "{:?}",
        app.flash
    );
    assert_eq!((app.rows.len(), app.rev.as_str()), (read, branch.as_str()));
    assert!(app.opening.is_none());
}

#[test]
fn colon_jumps_to_a_hash_or_a_date_and_y_asks_to_copy_the_hash() {
    let dir = tempfile::tempdir().unwrap();
    common::workload(
        dir.path(),
        Workload {
            records: 120,
            seed: 3,
            ..Workload::default()
        },
    );
    let project = Project::open(dir.path(), None).unwrap();
    let mut app = common::screens::loaded_app(&project);
    let size = ratatui::layout::Rect::new(0, 0, 100, 30);
    let type_text = |app: &mut App, text: &str| {
        press_key(app, &project, size, KeyCode::Char(':'));
        assert!(app.jump.is_some());
        for c in text.chars() {
            press_key(app, &project, size, KeyCode::Char(c));
        }
        press_key(app, &project, size, KeyCode::Enter);
        assert!(app.jump.is_none());
    };
    // A hash prefix selects its record.
    let target = app.view.len() - 5;
    let row = app.rows.get(app.view[target]).unwrap();
    let (commit, time) = (row.commit(), row.time());
    type_text(&mut app, &commit.to_string()[..8]);
    assert_eq!(app.selected, target, "{:?}", app.flash);
    // A day selects the newest record of that day (the timeline is newest first).
    press_key(&mut app, &project, size, KeyCode::Char('g'));
    let day = gtm_tui::timefmt::local_day(time);
    type_text(&mut app, &day);
    let picked = app.rows.get(app.view[app.selected]).unwrap();
    assert_eq!(gtm_tui::timefmt::local_day(picked.time()), day);
    assert!(
        app.selected == 0 || {
            let newer = app.rows.get(app.view[app.selected - 1]).unwrap();
            gtm_tui::timefmt::local_day(newer.time()) != day
        }
    );
    // Nonsense and unknown hashes say so and leave the selection.
    let before = app.selected;
    type_text(&mut app, "next tuesday");
    assert!(
        app.flash
            .as_deref()
            .unwrap()
            .contains("neither a commit hash")
    );
    type_text(&mut app, "deadbeef");
    assert!(
        app.flash
            .as_deref()
            .unwrap()
            .contains("no record's commit starts with deadbeef")
    );
    assert_eq!(app.selected, before);
    // Esc leaves the prompt without jumping.
    press_key(&mut app, &project, size, KeyCode::Char(':'));
    press_key(&mut app, &project, size, KeyCode::Char('1'));
    press_key(&mut app, &project, size, KeyCode::Esc);
    assert!(app.jump.is_none());
    assert_eq!(app.selected, before);
    // `y` asks the loop to copy the selected record's full hash.
    let selected = app.rows.get(app.view[app.selected]).unwrap().commit();
    let fx = app.update(Action::CopyHash);
    assert_eq!(fx, vec![Effect::Copy(selected.to_string())]);
}

#[test]
fn g_in_the_record_pane_shows_the_last_full_screen() {
    let dir = tempfile::tempdir().unwrap();
    common::workload(
        dir.path(),
        Workload {
            records: 80,
            seed: 5,
            ..Workload::default()
        },
    );
    let project = Project::open(dir.path(), None).unwrap();
    let mut app = common::screens::loaded_app(&project);
    let size = ratatui::layout::Rect::new(0, 0, 80, 16);
    gtm_tui::tui::fit(&mut app, size);
    // A record longer than the pane.
    let mut found = false;
    for _ in 0..app.view.len() {
        press_key(&mut app, &project, size, KeyCode::Char('j'));
        common::screens::draw(&mut app, 80, 16);
        app.detail_lines = gtm_tui::tui::views::detail_len(&app);
        if app.detail_lines > app.detail_height + 5 {
            found = true;
            break;
        }
    }
    assert!(found, "no record longer than the pane");
    press_key(&mut app, &project, size, KeyCode::Enter);
    press_key(&mut app, &project, size, KeyCode::Char('G'));
    common::screens::draw(&mut app, 80, 16);
    assert_eq!(app.detail_scroll + app.detail_height, app.detail_lines);
    // Scrolling on may still go past the end, to read the last lines at the top.
    press_key(&mut app, &project, size, KeyCode::Char('j'));
    assert_eq!(app.detail_scroll + app.detail_height, app.detail_lines + 1);
}

/// The words beside the notebook screen's cells: (first code line, mark).
fn notebook_cells(app: &App) -> Vec<(String, &'static str)> {
    let s = app.notebook_at().expect("the notebook screen is open");
    let v = s.current().expect("its step is read");
    v.cells
        .iter()
        .map(|c| {
            let code: String = c
                .code
                .first()
                .map(|l| l.iter().map(|(_, t)| t.as_str()).collect())
                .unwrap_or_default();
            (code, c.mark.word())
        })
        .collect()
}

#[test]
fn the_notebook_at_a_record_steps_through_time_and_opens_a_cells_history() {
    use common::nbtime::{A, B, B2, C, D};
    let first = |s: &str| s.lines().next().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let project = common::nbtime::history(dir.path());
    let mut app = common::screens::loaded_app(&project);
    // Newest first: the record of In [4] (B edited, after the save) is the third.
    app.click_record(2);
    common::screens::press(&mut app, &project, Action::Notebook);
    let s = app.notebook_at().unwrap();
    assert_eq!((s.step, s.steps.len()), (3, 6));
    // The save dropped C; B shows its edit, marked.
    assert_eq!(
        notebook_cells(&app),
        vec![(first(A), ""), (first(B2), "changed")]
    );
    let screen = common::screens::draw(&mut app, 100, 30);
    assert!(screen.contains("Notebook code/churn.ipynb"), "{screen}");
    assert!(screen.contains("step 4/6"), "{screen}");
    assert!(screen.contains("(10, 12)"), "{screen}");

    common::screens::press(&mut app, &project, Action::NextRun);
    assert_eq!(
        notebook_cells(&app),
        vec![(first(A), ""), (first(B2), ""), (first(D), "new")]
    );
    common::screens::press(&mut app, &project, Action::NextRun);
    assert_eq!(
        notebook_cells(&app),
        vec![(first(A), ""), (first(B2), "re-run"), (first(D), "")]
    );
    let screen = common::screens::draw(&mut app, 100, 30);
    assert!(screen.contains("step 6/6"), "{screen}");
    app.ascii = true;
    let ascii = common::screens::draw(&mut app, 80, 24);
    assert!(ascii.is_ascii(), "{ascii}");
    app.ascii = false;
    // Past the last step it says so and stays.
    common::screens::press(&mut app, &project, Action::NextRun);
    assert_eq!(app.notebook_at().unwrap().step, 5);
    for _ in 0..3 {
        common::screens::press(&mut app, &project, Action::PrevRun);
    }
    // Before the save: every cell run so far, C new.
    assert_eq!(
        notebook_cells(&app),
        vec![(first(A), ""), (first(B), ""), (first(C), "new")]
    );

    // Each step selects the first cell it changed: C here. Up to B, Enter opens B's history
    // over the screen; Esc comes back to it.
    assert_eq!(app.notebook_at().unwrap().selected, 2);
    common::screens::press(&mut app, &project, Action::Up);
    assert_eq!(app.notebook_at().unwrap().selected, 1);
    common::screens::press(&mut app, &project, Action::Open);
    let cell = app.cell().expect("the cell history opened");
    let runs = cell.runs.as_ref().unwrap();
    assert_eq!(runs.runs.len(), 3, "B ran three times");
    common::screens::press(&mut app, &project, Action::Back);
    assert!(app.cell().is_none());
    assert_eq!(app.notebook_at().unwrap().step, 2);
    common::screens::press(&mut app, &project, Action::Back);
    assert!(app.notebook_at().is_none());
}

#[test]
fn the_notebook_key_on_a_record_that_ran_no_notebook_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let project = common::nbtime::history(dir.path());
    let mut app = common::screens::loaded_app(&project);
    // The oldest record is the project's creation, not a run.
    app.click_record(app.view.len() - 1);
    common::screens::press(&mut app, &project, Action::Notebook);
    assert!(app.notebook_at().is_none());
    assert!(app.flash.as_deref().unwrap_or("").contains("code record"));
}

#[test]
fn esc_and_ctrl_o_go_back_through_the_places_left_and_ctrl_i_forward() {
    use crossterm::event::KeyModifiers;
    let dir = tempfile::tempdir().unwrap();
    common::workload(
        dir.path(),
        Workload {
            records: 200,
            streaks: 3,
            ..Workload::default()
        },
    );
    let project = Project::open(dir.path(), None).unwrap();
    let mut app = common::screens::loaded_app(&project);
    let size = ratatui::layout::Rect::new(0, 0, 100, 30);
    let mods = |app: &mut App, c: KeyCode, m: KeyModifiers| {
        send(
            app,
            &project,
            size,
            gtm_tui::tui::worker::Msg::Input(with(c, m)),
        );
    };
    // insights → a streak's cell → Enter on a run: the timeline, on that run's record.
    press_key(&mut app, &project, size, KeyCode::Char('i'));
    press_key(&mut app, &project, size, KeyCode::Enter);
    let run = app.cell().and_then(|c| c.selected_commit());
    assert!(run.is_some(), "the streak's cell opened on a run");
    // Opening the cell selected the streak's record under it; move off it in the list.
    press_key(&mut app, &project, size, KeyCode::Char('j'));
    let run = app.cell().and_then(|c| c.selected_commit());
    let under = app.current_commit();
    assert_ne!(run, under);
    press_key(&mut app, &project, size, KeyCode::Enter);
    assert!(app.screens.is_empty(), "on the timeline");
    assert_eq!(app.current_commit(), run);
    // Esc: back to the cell, then to the streak list, then the timeline where it started.
    press_key(&mut app, &project, size, KeyCode::Esc);
    assert!(app.cell().is_some(), "back on the cell screen");
    assert_eq!(
        app.current_commit(),
        under,
        "its record selected under it again"
    );
    press_key(&mut app, &project, size, KeyCode::Esc);
    assert!(app.cell().is_none() && app.insights().is_some());
    press_key(&mut app, &project, size, KeyCode::Esc);
    assert!(app.screens.is_empty());
    // Ctrl-I is Tab to a terminal; Alt-→ goes forward: the insights, the cell, the record.
    mods(&mut app, KeyCode::Right, KeyModifiers::ALT);
    assert!(app.insights().is_some() && app.cell().is_none());
    mods(&mut app, KeyCode::Right, KeyModifiers::ALT);
    assert!(app.cell().is_some());
    mods(&mut app, KeyCode::Right, KeyModifiers::ALT);
    assert!(app.screens.is_empty());
    assert_eq!(app.current_commit(), run);
    mods(&mut app, KeyCode::Right, KeyModifiers::ALT);
    assert_eq!(app.flash.as_deref(), Some("nothing to go forward to"));
    // Ctrl-O goes back as Esc does, and from anywhere: here, to the cell screen.
    mods(&mut app, KeyCode::Char('o'), KeyModifiers::CONTROL);
    assert!(app.cell().is_some());
    press_key(&mut app, &project, size, KeyCode::Esc);
    press_key(&mut app, &project, size, KeyCode::Esc);
    assert!(app.screens.is_empty());

    // A `:` jump leaves a place too: Esc comes back to the record it started from.
    press_key(&mut app, &project, size, KeyCode::Char('g'));
    let top = app.current_commit();
    let far = app.rows.get(app.view[app.view.len() - 3]).unwrap().commit();
    press_key(&mut app, &project, size, KeyCode::Char(':'));
    for c in far.to_string()[..10].chars() {
        press_key(&mut app, &project, size, KeyCode::Char(c));
    }
    press_key(&mut app, &project, size, KeyCode::Enter);
    assert_eq!(app.current_commit(), Some(far));
    let hints = gtm_tui::tui::views::status_state(&app).hints;
    assert!(
        hints
            .first()
            .is_some_and(|h| h.contains("back to where you jumped from")),
        "{hints:?}"
    );
    press_key(&mut app, &project, size, KeyCode::Esc);
    assert_eq!(app.current_commit(), top);
    mods(&mut app, KeyCode::Char('i'), KeyModifiers::CONTROL);
    assert_eq!(
        app.current_commit(),
        Some(far),
        "Ctrl-I where the terminal tells it"
    );
}

/// The long-lines project loaded at `size`, the selected record's details decoded.
fn long_lines_app(dir: &std::path::Path, size: ratatui::layout::Rect) -> (App, Project) {
    common::longlines::write(dir);
    let project = Project::open(dir, None).unwrap();
    let mut app = common::screens::loaded_app(&project);
    gtm_tui::tui::fit(&mut app, size);
    {
        // Both records' details, as the worker would decode them once in view.
        let store = project.details();
        let commits: Vec<git2::Oid> = app.rows.iter().map(|r| r.commit()).collect();
        for c in commits {
            let row = app.row(c).unwrap();
            let prepared = gtm_tui::tui::prepare::prepare(&project, &store, &row, true);
            app.details_ready(c, prepared);
        }
    }
    (app, project)
}

/// Types `text` (`\r` is Enter), then answers the search as its worker would.
fn search_for(app: &mut App, project: &Project, size: ratatui::layout::Rect, text: &str) {
    for c in text.chars() {
        let code = if c == '\r' {
            KeyCode::Enter
        } else {
            KeyCode::Char(c)
        };
        press_key(app, project, size, code);
    }
    let store = project.details();
    let query = app.search.query.clone();
    let hits: Vec<git2::Oid> = app
        .rows
        .iter()
        .filter(|r| details_contain(&store.record_details(&r.to_row()), &query))
        .map(|r| r.commit())
        .collect();
    let generation = app.search.generation;
    let fx = app.search_hits(generation, hits, true);
    common::screens::settle(app, project, fx);
}

fn line_text(l: &ratatui::text::Line<'_>) -> String {
    l.spans.iter().map(|s| s.content.as_ref()).collect()
}

#[test]
fn long_lines_wrap_at_words_with_a_marker_and_g_shows_the_last_full_screen() {
    use unicode_width::UnicodeWidthStr;
    let dir = tempfile::tempdir().unwrap();
    let size = ratatui::layout::Rect::new(0, 0, 80, 24);
    let (mut app, project) = long_lines_app(dir.path(), size);
    let screen = common::screens::draw(&mut app, 80, 24);
    assert!(screen.contains("↪ "), "{screen}");
    let (view, width) = gtm_tui::tui::views::current_view(&app).unwrap();
    let texts: Vec<String> = view.lines.iter().map(line_text).collect();
    assert!(texts.iter().all(|t| t.width() <= width), "{texts:#?}");
    // The comment wraps after a word; its continuation has a blank gutter, then the marker.
    let at = texts
        .iter()
        .position(|t| t.starts_with("2 │ # a comment"))
        .unwrap_or_else(|| panic!("{texts:#?}"));
    assert!(
        texts[at].ends_with(' '),
        "broken after a space: {:?}",
        texts[at]
    );
    let print = texts
        .iter()
        .position(|t| t.starts_with("3 │ print"))
        .unwrap_or_else(|| panic!("{texts:#?}"));
    assert!(print > at + 1, "{texts:#?}");
    for t in &texts[at + 1..print] {
        assert!(t.starts_with("    ↪ "), "{t:?}");
    }
    // Nothing of the 5,000-character line is lost: its end is there.
    let json = texts
        .iter()
        .position(|t| t.starts_with("{\"key0\""))
        .unwrap_or_else(|| panic!("{texts:#?}"));
    let mut joined = texts[json].clone();
    for t in texts[json + 1..].iter().take_while(|t| t.starts_with("↪ ")) {
        joined.push_str(t.trim_start_matches("↪ "));
    }
    let bare = |s: &str| s.split_whitespace().collect::<String>();
    assert_eq!(bare(&joined), bare(&common::longlines::json_line()));
    // G: the last full screen of the wrapped lines.
    press_key(&mut app, &project, size, KeyCode::Enter);
    press_key(&mut app, &project, size, KeyCode::Char('G'));
    common::screens::draw(&mut app, 80, 24);
    app.detail_lines = gtm_tui::tui::views::detail_len(&app);
    assert_eq!(app.detail_lines, view.lines.len());
    assert_eq!(app.detail_scroll + app.detail_height, app.detail_lines);
    let end = common::screens::draw(&mut app, 80, 24);
    let last = texts.last().unwrap().trim();
    assert!(end.contains(last), "{last:?} not in\n{end}");
}

#[test]
fn w_cuts_long_lines_and_h_l_scroll_them_sideways_by_half_a_pane() {
    use gtm_tui::tui::app::Focus;
    let dir = tempfile::tempdir().unwrap();
    let size = ratatui::layout::Rect::new(0, 0, 80, 24);
    let (mut app, project) = long_lines_app(dir.path(), size);
    common::screens::draw(&mut app, 80, 24);
    press_key(&mut app, &project, size, KeyCode::Enter);
    press_key(&mut app, &project, size, KeyCode::Char('w'));
    assert!(!app.wrap);
    let cut = common::screens::draw(&mut app, 80, 24);
    assert!(cut.contains("long lines cut: h/l scroll sideways"), "{cut}");
    assert!(cut.contains("Record · cut → col 1/"), "{cut}");
    assert!(!cut.contains('↪'), "{cut}");
    assert!(cut.contains("{\"key0\": 0, \"key1\": 1"), "{cut}");
    // Half the pane's 78 columns to the right, and the focus stays in the pane.
    press_key(&mut app, &project, size, KeyCode::Char('l'));
    assert_eq!(app.detail_hscroll, 39);
    assert_eq!(app.focus, Focus::Detail);
    let right = common::screens::draw(&mut app, 80, 24);
    assert!(right.contains("cut → col 40/"), "{right}");
    assert!(!right.contains("{\"key0\""), "{right}");
    // The line numbers stay where they are.
    assert!(right.contains("1 │ "), "{right}");
    press_key(&mut app, &project, size, KeyCode::Char('h'));
    press_key(&mut app, &project, size, KeyCode::Char('h'));
    assert_eq!(app.detail_hscroll, 0);
    assert_eq!(app.focus, Focus::Detail);
    // No further right than the widest line has columns.
    for _ in 0..500 {
        press_key(&mut app, &project, size, KeyCode::Right);
    }
    let (view, _) = gtm_tui::tui::views::current_view(&app).unwrap();
    assert!(app.detail_hscroll < view.widest);
    assert!(app.detail_hscroll + 39 >= view.widest);
    // w again wraps, and h moves to the timeline as before.
    press_key(&mut app, &project, size, KeyCode::Char('w'));
    assert!(app.wrap);
    assert_eq!(app.detail_hscroll, 0);
    press_key(&mut app, &project, size, KeyCode::Char('h'));
    assert_eq!(app.focus, Focus::Timeline);
}

#[test]
fn slash_scrolls_the_pane_to_the_match_and_n_steps_through_it_then_on() {
    let dir = tempfile::tempdir().unwrap();
    let size = ratatui::layout::Rect::new(0, 0, 80, 24);
    let (mut app, project) = long_lines_app(dir.path(), size);
    common::screens::draw(&mut app, 80, 24);
    search_for(&mut app, &project, size, "/needle\r");
    assert_eq!(app.selected, 0, "the newest record matches");
    let on_screen = |app: &mut App, at: usize| {
        let (view, _) = gtm_tui::tui::views::current_view(app).unwrap();
        let (line, _) = view.matches[at];
        assert!(
            app.detail_scroll <= line && line < app.detail_scroll + app.detail_height,
            "match {at} at line {line}, pane from {}",
            app.detail_scroll
        );
        let screen = common::screens::draw(app, 80, 24);
        assert!(screen.contains("needle"), "{screen}");
        screen
    };
    assert_eq!(app.pane_match(), Some((0, 4)));
    let first = on_screen(&mut app, 0);
    assert!(first.contains("match 1/4"), "{first}");
    press_key(&mut app, &project, size, KeyCode::Char('n'));
    assert_eq!(app.pane_match(), Some((1, 4)));
    let scroll_at_2 = app.detail_scroll;
    on_screen(&mut app, 1);
    press_key(&mut app, &project, size, KeyCode::Char('n'));
    press_key(&mut app, &project, size, KeyCode::Char('n'));
    assert_eq!(app.pane_match(), Some((3, 4)));
    let last = on_screen(&mut app, 3);
    assert!(last.contains("line 18 has a needle"), "{last}");
    assert!(
        app.detail_scroll > scroll_at_2,
        "the pane went down to the last match"
    );
    // Past the record's last match: the next matching record, at its first.
    press_key(&mut app, &project, size, KeyCode::Char('n'));
    assert_eq!(app.selected, 1);
    assert_eq!(app.pane_match(), Some((0, 2)));
    let older = on_screen(&mut app, 0);
    assert!(older.contains("match 1/2"), "{older}");
    // N goes back: this record's first match is the first, so to the newer record's last.
    press_key(&mut app, &project, size, KeyCode::Char('N'));
    assert_eq!(app.selected, 0);
    assert_eq!(app.pane_match(), Some((3, 4)));
    on_screen(&mut app, 3);
    // Sideways, the pane goes to the match's column too.
    press_key(&mut app, &project, size, KeyCode::Char('w'));
    press_key(&mut app, &project, size, KeyCode::Char('N'));
    assert_eq!(app.pane_match(), Some((2, 4)));
    assert!(app.detail_hscroll > 4000, "{}", app.detail_hscroll);
    let cut = common::screens::draw(&mut app, 80, 24);
    assert!(cut.contains("needle at the end"), "{cut}");
}

#[test]
fn the_search_finds_hashes_authors_and_days() {
    let dir = tempfile::tempdir().unwrap();
    let size = ratatui::layout::Rect::new(0, 0, 80, 24);
    let (mut app, project) = long_lines_app(dir.path(), size);
    let older = app.rows.get(1).unwrap().commit();
    let hash = older.to_string();
    search_for(&mut app, &project, size, &format!("/{}\r", &hash[..7]));
    assert_eq!(
        app.current_commit(),
        Some(older),
        "by the start of its hash"
    );
    // The middle of a hash is no hash.
    press_key(&mut app, &project, size, KeyCode::Char('g'));
    search_for(&mut app, &project, size, &format!("/{}\r", &hash[10..17]));
    assert_eq!(app.selected, 0, "{}", app.search.query);
    search_for(&mut app, &project, size, "/bob builder\r");
    assert_eq!(app.current_commit(), Some(older), "by author");
    // The pane marks the author where it names them.
    assert_eq!(app.pane_match(), Some((0, 1)));
    press_key(&mut app, &project, size, KeyCode::Char('g'));
    let day = app.day(1).to_string();
    assert_ne!(day, app.day(0));
    search_for(&mut app, &project, size, &format!("/{day}\r"));
    assert_eq!(
        app.current_commit(),
        Some(older),
        "by its day, as the timeline shows it"
    );
}
