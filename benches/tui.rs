//! Benchmark: time to the first frame with records, and keypress → redrawn frame,
//! on a synth project (GTM_BENCH_RECORDS, default 100000).
//!
//! `cargo bench --bench tui`. Frames are drawn into ratatui's TestBackend, so
//! the figures are the app's own work (state update + layout + render), not
//! the terminal emulator's.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::tui::{H, W, draw, open};
use common::{median, ms, project};
use gtm_tui::tui::app::App;
use gtm_tui::tui::keymap::Action;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

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
