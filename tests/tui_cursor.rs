//! The timeline's selection stays on screen: random keys, searches, filter
//! changes and resizes, each followed by a frame drawn through TestBackend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::OnceLock;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use gtm_tui::repo::{Project, RecordRow};
use gtm_tui::synth::Workload;
use gtm_tui::tui::app::App;
use gtm_tui::tui::config::Config;
use gtm_tui::tui::worker::Msg;
use gtm_tui::tui::{handle, views};
use proptest::prelude::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

/// A few hundred records over several days, written once for all cases.
fn rows() -> &'static Vec<RecordRow> {
    static ROWS: OnceLock<(tempfile::TempDir, Vec<RecordRow>)> = OnceLock::new();
    &ROWS
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            common::workload(
                dir.path(),
                Workload {
                    records: 300,
                    seed: 11,
                    ..Workload::default()
                },
            );
            let project = Project::open(dir.path(), None).unwrap();
            let rows = project.records().unwrap();
            (dir, rows)
        })
        .1
}

#[derive(Debug, Clone)]
enum Step {
    Key(KeyCode),
    Search(&'static str),
    /// Toggle record type `1`–`9` in the filter panel (`0` clears them).
    FilterType(char),
    Resize(u16, u16),
}

fn step() -> impl Strategy<Value = Step> {
    let sizes = prop_oneof![
        Just((80u16, 24u16)),
        Just((120, 40)),
        Just((200, 60)),
        (1u16..30, 1u16..12),
        (20u16..220, 3u16..70),
    ];
    prop_oneof![
        6 => Just(Step::Key(KeyCode::Char('j'))),
        2 => Just(Step::Key(KeyCode::Char('k'))),
        2 => Just(Step::Key(KeyCode::PageDown)),
        1 => Just(Step::Key(KeyCode::PageUp)),
        1 => Just(Step::Key(KeyCode::Char('G'))),
        1 => Just(Step::Key(KeyCode::Char('g'))),
        1 => Just(Step::Key(KeyCode::Char('n'))),
        1 => Just(Step::Key(KeyCode::Char('N'))),
        1 => Just(Step::Key(KeyCode::Char('v'))),
        1 => Just(Step::Key(KeyCode::Char('.'))),
        1 => Just(Step::Key(KeyCode::Char('F'))),
        1 => prop_oneof![
            Just("console"),
            Just("Executed"),
            Just("note"),
            Just("Uploaded"),
            Just("zzz-nothing")
        ]
        .prop_map(Step::Search),
        1 => prop_oneof![Just('0'), Just('1'), Just('2'), Just('3'), Just('5'), Just('9')]
            .prop_map(Step::FilterType),
        2 => sizes.prop_map(|(w, h)| Step::Resize(w, h)),
    ]
}

fn key(app: &mut App, code: KeyCode, size: Rect) {
    let ev = Event::Key(KeyEvent::new(code, KeyModifiers::NONE));
    handle(app, Msg::Input(ev), Some(size));
}

fn apply(app: &mut App, s: &Step, size: &mut Rect) {
    match s {
        Step::Key(code) => key(app, *code, *size),
        Step::Search(q) => {
            key(app, KeyCode::Char('/'), *size);
            for c in q.chars() {
                key(app, KeyCode::Char(c), *size);
            }
            key(app, KeyCode::Enter, *size);
        }
        Step::FilterType(c) => {
            key(app, KeyCode::Char('f'), *size);
            key(app, KeyCode::Char(*c), *size);
            key(app, KeyCode::Esc, *size);
        }
        Step::Resize(w, h) => {
            *size = Rect::new(0, 0, *w, *h);
            handle(app, Msg::Input(Event::Resize(*w, *h)), Some(*size));
        }
    }
}

/// Draws a frame as the event loop does and says whether the selected
/// record is on one of the timeline's lines (`None`: no room or no records).
fn selection_drawn(app: &mut App, size: Rect) -> Option<bool> {
    gtm_tui::tui::fit(app, size);
    let mut t = Terminal::new(TestBackend::new(size.width, size.height)).unwrap();
    t.draw(|f| views::render(app, f)).unwrap();
    let pane = views::areas(size, app.split).timeline;
    // Inside the pane's border.
    let inner = Rect::new(
        pane.x + 1,
        pane.y + 1,
        pane.width.saturating_sub(2),
        pane.height.saturating_sub(2),
    );
    if inner.height == 0 || inner.width == 0 || app.view.is_empty() {
        return None;
    }
    let theme = &app.config.theme;
    let marks = [theme.selected.bg, theme.selected_unfocused.bg];
    let buf = t.backend().buffer();
    let rows = (inner.y..inner.bottom())
        .filter(|&y| marks.contains(&Some(buf[(inner.x, y)].bg)))
        .count();
    Some(rows == 1)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_selected_row_is_always_drawn(steps in proptest::collection::vec(step(), 1..60)) {
        let mut app = App::new("p", "HEAD", Config::defaults(), false);
        let mut size = Rect::new(0, 0, 80, 24);
        gtm_tui::tui::fit(&mut app, size);
        app.add_rows(rows().clone());
        app.walk_done(Ok(Default::default()));
        for (n, s) in steps.iter().enumerate() {
            apply(&mut app, s, &mut size);
            if let Some(drawn) = selection_drawn(&mut app, size) {
                prop_assert!(
                    drawn,
                    "after step {n} ({s:?}) at {}x{}: record {}/{} not drawn (top {})",
                    size.width, size.height, app.selected + 1, app.view.len(), app.top
                );
            }
        }
    }
}

/// The report's case: `j` from the top, at a few common sizes, over records
/// a few to a day (notes only), where day separators take many lines.
#[test]
fn j_from_the_top_keeps_the_selection_drawn() {
    for (w, h) in [(80, 24), (120, 40), (200, 60)] {
        let mut app = App::new("p", "HEAD", Config::defaults(), false);
        let size = Rect::new(0, 0, w, h);
        gtm_tui::tui::fit(&mut app, size);
        app.add_rows(rows().clone());
        app.walk_done(Ok(Default::default()));
        let days: std::collections::HashSet<&str> =
            (0..app.rows.len()).map(|i| app.day(i)).collect();
        assert!(days.len() >= 4, "several days: {}", days.len());
        apply(&mut app, &Step::FilterType('1'), &mut size.clone());
        assert!(app.view.len() > 10, "{} notes", app.view.len());
        for n in 0..app.view.len().min(150) {
            assert_eq!(
                selection_drawn(&mut app, size),
                Some(true),
                "{w}x{h}: after {n} j (top {})",
                app.top
            );
            key(&mut app, KeyCode::Char('j'), size);
        }
    }
}
