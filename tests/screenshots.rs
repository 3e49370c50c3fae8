//! README's screenshots: the real app's screens on synth projects, drawn through TestBackend
//! and kept as SVG in assets/screenshots/. `UPDATE_SCREENSHOTS=1 cargo test --locked --test
//! screenshots` writes them; without it this test fails when a committed one is stale, so
//! they change with the screens they show.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "common/svg.rs"]
mod svg;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::screens::settle;
use gtm_tui::nbhistory;
use gtm_tui::repo::Project;
use gtm_tui::tui::app::{App, Effect};
use gtm_tui::tui::config::Config;
use gtm_tui::tui::keymap::Action;
use gtm_tui::tui::nb::decode::{self, key_of};
use gtm_tui::tui::nb::{NbApp, NbEffect, NbFocus, view};
use gtm_tui::tui::{fit, views};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// Wide enough for side-by-side diffs (100 columns and up) with room for both sides.
const W: u16 = 120;
const H: u16 = 32;

/// A key's action with the work it asks for done, details of the records shown included.
fn press(app: &mut App, project: &Project, a: Action) {
    let fx = app.update(a);
    let store = project.details();
    let mut rest = Vec::new();
    // The selected record's details are asked for once the selection rests, not by the key.
    let mut want: Vec<git2::Oid> = app.current().map(|r| r.commit).into_iter().collect();
    for e in fx {
        match e {
            Effect::Decode(commits) => want.extend(commits),
            e => rest.push(e),
        }
    }
    for c in want {
        let row = app.row(c).unwrap().clone();
        let prepared = gtm_tui::tui::prepare::prepare(project, &store, &row, true);
        app.details_ready(c, prepared);
    }
    settle(app, project, rest);
}

fn app_buffer(app: &mut App, h: u16) -> Buffer {
    fit(app, Rect::new(0, 0, W, h));
    let mut t = Terminal::new(TestBackend::new(W, h)).unwrap();
    t.draw(|f| views::render(app, f)).unwrap();
    t.backend().buffer().clone()
}

fn nb_buffer(app: &mut NbApp) -> Buffer {
    app.fit(Rect::new(0, 0, W, H));
    let mut t = Terminal::new(TestBackend::new(W, H)).unwrap();
    t.draw(|f| view::render(app, f)).unwrap();
    t.backend().buffer().clone()
}

fn text_of(buf: &Buffer) -> String {
    let mut s = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            s.push_str(buf[(x, y)].symbol());
        }
        s.push('\n');
    }
    s
}

/// The demo project (`gtm-tui demo`) with its history read, as after the walk.
fn demo(dir: &Path) -> (Project, App) {
    gtm_tui::synth::demo::write(dir).unwrap();
    let project = Project::open(dir, None).unwrap();
    let mut app = common::screens::loaded_app(&project);
    // The code lines the timeline shows in place of "Executed cell", as after the app's
    // first moment.
    settle(&mut app, &project, vec![Effect::Annotate]);
    (project, app)
}

/// A notebook repository as JupyterLab users leave one, with the walk read and the cell
/// histories built.
fn notebooks(dir: &Path) -> (Project, NbApp) {
    gtm_tui::synth::NbRepo {
        seed: 3,
        commits: 30,
        notebooks: 2,
        cells: 6,
        env_files: true,
        images: 0.0,
        ..Default::default()
    }
    .write(dir)
    .unwrap();
    let project = Project::open(dir, None).unwrap();
    let mut app = NbApp::new("churn-notebooks", Config::defaults(), false, false);
    let mut batch = Vec::new();
    let stats = nbhistory::stream(&project, |c, es| {
        batch.push((c, es));
        true
    })
    .unwrap();
    let mut fx = app.add_commits(batch);
    app.walk_done(Ok(stats));
    fx.extend(
        app.built(
            nbhistory::build(&project)
                .map(Arc::new)
                .map_err(|e| e.to_string()),
        ),
    );
    nb_settle(&mut app, &project, fx);
    (project, app)
}

/// The decoding worker's part for the notebook screens shown here.
fn nb_settle(app: &mut NbApp, project: &Project, mut fx: Vec<NbEffect>) {
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
                let r = gtm_tui::tui::nb::pair::prepare(project, &history, &hist, at, true)
                    .map(Arc::new);
                app.pair_ready(generation, at, r);
            }
            _ => {}
        }
    }
}

fn nb_press(app: &mut NbApp, project: &Project, a: Action) {
    let fx = app.action(a);
    nb_settle(app, project, fx);
}

/// Every screenshot: file name, alt text, the screen.
fn shots() -> Vec<(&'static str, &'static str, Buffer)> {
    let mut out = Vec::new();

    let dir = tempfile::tempdir().unwrap();
    let (project, mut app) = demo(dir.path());
    for _ in 0..6 {
        press(&mut app, &project, Action::Down);
    }
    out.push((
        "timeline.svg",
        "The timeline of the demo project: records by day on the left, the selected run's code and output on the right",
        app_buffer(&mut app, H),
    ));

    press(&mut app, &project, Action::Insights);
    out.push((
        "insights.svg",
        "The insights screen: cells run again and again with small changes, ranked",
        // Two stuck points in the demo: the rest of a tall screen would be empty.
        app_buffer(&mut app, 12),
    ));

    // Enter on the first stuck point opens that cell's history.
    press(&mut app, &project, Action::FocusNext);
    press(&mut app, &project, Action::FocusNext);
    press(&mut app, &project, Action::Open);
    out.push((
        "cell-diff.svg",
        "A cell's history: its runs listed, and the code and output of two runs side by side",
        app_buffer(&mut app, H),
    ));

    let dir = tempfile::tempdir().unwrap();
    let (project, mut app) = notebooks(dir.path());
    // A commit whose run ended in an error.
    for _ in 0..7 {
        nb_press(&mut app, &project, Action::Down);
    }
    assert_eq!(app.focus, NbFocus::Timeline);
    out.push((
        "notebooks.svg",
        "A plain git repository of notebooks: commits on the left, the cells one commit changed on the right",
        nb_buffer(&mut app),
    ));
    out
}

fn screenshots_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/screenshots")
}

#[test]
fn readme_screenshots_are_current() {
    // Times on screen are local: fixed here so every machine draws the same picture. This
    // test binary has no other test, so nothing reads the zone before this line.
    unsafe { std::env::set_var("TZ", "UTC") };
    let update = std::env::var_os("UPDATE_SCREENSHOTS").is_some_and(|v| !v.is_empty());
    let dir = screenshots_dir();
    let mut stale = Vec::new();
    if update {
        std::fs::create_dir_all(&dir).unwrap();
    }
    for (name, alt, buf) in shots() {
        let svg = svg::render(&buf, alt);
        let path = dir.join(name);
        if std::env::var_os("SCREENSHOT_TEXT").is_some() {
            std::fs::write(path.with_extension("txt"), text_of(&buf)).unwrap();
        }
        if update {
            std::fs::write(&path, &svg).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(svg.as_str()) {
            stale.push(name);
        }
    }
    assert!(
        stale.is_empty(),
        "README screenshots {stale:?} differ from the screens they show; \
         write them again with `UPDATE_SCREENSHOTS=1 cargo test --locked --test screenshots`"
    );
}

#[test]
fn svg_keeps_the_grid_reverses_and_escapes() {
    use ratatui::style::{Color, Modifier, Style};
    let mut buf = Buffer::empty(Rect::new(0, 0, 8, 1));
    buf.set_string(0, 0, "<a&b", Style::new().add_modifier(Modifier::REVERSED));
    buf.set_string(4, 0, "漢x", Style::new().fg(Color::Indexed(196)));
    let out = svg::render(&buf, "t\"est");
    assert!(out.contains(">&lt;a&amp;b</text>"), "{out}");
    assert!(out.contains("<title>t&quot;est</title>"), "{out}");
    // Reversed: the terminal's background as the text colour, its foreground behind it.
    assert!(
        out.contains("fill=\"#1a1b26\" textLength=\"33.6\""),
        "{out}"
    );
    assert!(
        out.contains("width=\"33.6\" height=\"17.0\" fill=\"#c0caf5\""),
        "{out}"
    );
    // The wide character takes two cells: the run is three columns wide, in xterm's 196.
    assert!(
        out.contains("x=\"45.6\" y=\"24.8\" fill=\"#ff0000\" textLength=\"25.2\""),
        "{out}"
    );
}
