//! Benchmark: time to the first frame with records, and keypress → redrawn frame,
//! on a synth project (GTM_BENCH_RECORDS, default 100000).
//!
//! `cargo bench --bench tui`. Frames are drawn into ratatui's TestBackend, so
//! the figures are the app's own work (state update + layout + render), not
//! the terminal emulator's.

mod common;

use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

use common::{median, ms, project};
use gtm_tui::repo::{Project, WalkMsg};
use gtm_tui::tui::app::{App, Effect};
use gtm_tui::tui::config::Config;
use gtm_tui::tui::keymap::Action;
use gtm_tui::tui::worker::{Msg, Workers};
use gtm_tui::tui::{fit, handle, views};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

const W: u16 = 120;
const H: u16 = 40;

fn draw(t: &mut Terminal<TestBackend>, app: &mut App) {
    fit(app, Rect::new(0, 0, W, H));
    t.draw(|f| views::render(app, f)).expect("draw");
}

/// Opens the project as `gtm-tui` does and returns the time to the first frame
/// that shows records, plus the app with the whole history loaded.
fn open(dir: &std::path::Path) -> (Duration, Duration, App, Workers) {
    let start = Instant::now();
    let project = Project::open(dir, None).expect("open");
    let (tx, rx) = channel();
    let workers = Workers::start(&project, &tx, 0, true).expect("workers");
    let mut app = App::new(&project.name, &project.rev, Config::defaults(), false);
    let mut t = Terminal::new(TestBackend::new(W, H)).expect("terminal");
    let mut first = None;
    loop {
        let msg = rx.recv().expect("walk message");
        let done = matches!(msg, Msg::Walk(_, WalkMsg::Done(_)));
        let fx = handle(&mut app, msg, Some(Rect::new(0, 0, W, H)));
        if let Some(rows) = fx.iter().find_map(|e| match e {
            Effect::Decode(c) => Some(gtm_tui::tui::rows_for(&app, c)),
            _ => None,
        }) {
            workers.decode(rows);
        }
        if first.is_none() && !app.rows.is_empty() {
            draw(&mut t, &mut app);
            first = Some(start.elapsed());
        }
        if done {
            break;
        }
    }
    (first.unwrap_or_default(), start.elapsed(), app, workers)
}

fn per_key(app: &mut App, action: Action, n: usize) -> Duration {
    let mut t = Terminal::new(TestBackend::new(W, H)).expect("terminal");
    draw(&mut t, app);
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let s = Instant::now();
        app.update(action);
        draw(&mut t, app);
        times.push(s.elapsed());
    }
    median(times)
}

fn main() {
    let records = common::records();
    let dir = project(records);
    let mut firsts = Vec::new();
    let mut fulls = Vec::new();
    let mut loaded = None;
    for _ in 0..5 {
        let (first, full, app, workers) = open(&dir);
        firsts.push(first);
        fulls.push(full);
        loaded = Some((app, workers));
    }
    let Some((mut app, _workers)) = loaded else {
        return;
    };
    let down = per_key(&mut app, Action::Down, 2000);
    let page = per_key(&mut app, Action::PageDown, 500);
    app.update(Action::Top);
    // A query in many messages: each n steps to the next.
    app.update(Action::Search);
    for c in "console".chars() {
        app.search_input(&crossterm::event::KeyEvent::from(
            crossterm::event::KeyCode::Char(c),
        ));
    }
    app.search_input(&crossterm::event::KeyEvent::from(
        crossterm::event::KeyCode::Enter,
    ));
    assert!(app.hit_count() > 0, "the query matches");
    let step = per_key(&mut app, Action::NextMatch, 500);
    println!("synth project: {records} records, terminal {W}x{H}");
    println!("| measure | median |");
    println!("|---|---|");
    println!(
        "| first frame with records | {:.1} ms |",
        ms(median(firsts))
    );
    println!("| whole history loaded | {:.0} ms |", ms(median(fulls)));
    println!("| j (move) → frame | {:.3} ms |", ms(down));
    println!("| PgDn → frame | {:.3} ms |", ms(page));
    println!("| n (search step) → frame | {:.3} ms |", ms(step));
}
