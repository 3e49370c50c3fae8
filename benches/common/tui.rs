//! Opening a project the way the `gtm-tui` event loop does, with frames drawn
//! into ratatui's TestBackend (shared by the tui and scale benchmarks).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use gtm_tui::lineage::CachePolicy;
use gtm_tui::repo::{Project, WalkMsg};
use gtm_tui::tui::app::{App, Effect};
use gtm_tui::tui::config::Config;
use gtm_tui::tui::worker::{Msg, Workers};
use gtm_tui::tui::{fit, handle, views};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

pub const W: u16 = 120;
pub const H: u16 = 40;

pub fn draw(t: &mut Terminal<TestBackend>, app: &mut App) {
    fit(app, Rect::new(0, 0, W, H));
    t.draw(|f| views::render(app, f)).expect("draw");
}

/// Opens the project as `gtm-tui` does and returns the time to the first frame
/// that shows records and the time to the whole history loaded, with the app
/// (holding that history) and its workers.
pub fn open(dir: &Path) -> (Duration, Duration, App, Workers) {
    let (first, full, app, workers, _) = open_with(dir, true);
    (first, full, app, workers)
}

/// `open`, with the first screen's details decoded meanwhile or not, and the
/// channel the workers answer on.
pub fn open_with(dir: &Path, decode: bool) -> (Duration, Duration, App, Workers, Receiver<Msg>) {
    let start = Instant::now();
    let project = Project::open(dir, None).expect("open");
    let (tx, rx) = channel();
    let workers = Workers::start(&project, &tx, 0, true, CachePolicy::Off).expect("workers");
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
        }) && decode
        {
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
    (first.unwrap_or_default(), start.elapsed(), app, workers, rx)
}
