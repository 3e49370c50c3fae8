//! Pictures through terminal graphics protocols: which pictures the record
//! pane places, what is written after a frame, and what erases them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use gtm_tui::render::image::{KITTY_DELETE_ALL, Protocol};
use gtm_tui::repo::Project;
use gtm_tui::synth::{DetailSpec, ProjectWriter, RecordSpec, WriterOptions, sample_jpeg};
use gtm_tui::tui::app::{App, Overlay};
use gtm_tui::tui::config::Config;
use gtm_tui::tui::graphics::{Graphics, encode};
use gtm_tui::tui::{fit, views};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// An app on a one-record project whose cell made a plot, details decoded.
fn plot_app(dir: &std::path::Path, protocol: Protocol) -> App {
    let mut w = ProjectWriter::new(WriterOptions::default());
    let mut r = RecordSpec::new(
        2,
        "Executed cell in notebook code/a.ipynb and generated a result",
    );
    r.details = vec![
        DetailSpec::text(2, 1, "image/png", sample_jpeg().to_vec()),
        DetailSpec::text(3, 4, "text/markdown", "```\nplt.plot(x, y)\n```"),
    ];
    w.record(r);
    w.finish(dir).unwrap();
    let project = Project::open(dir, None).unwrap();
    let mut app = App::new(&project.name, &project.rev, Config::defaults(), false);
    app.protocol = protocol;
    app.add_rows(project.records().unwrap());
    app.walk_done(Ok(Default::default()));
    let row = app.current().unwrap().clone();
    let prepared = gtm_tui::tui::prepare::prepare(&project, &project.details(), &row, true);
    app.details_ready(row.commit, prepared);
    app
}

fn frame(app: &mut App, w: u16, h: u16) -> Buffer {
    fit(app, Rect::new(0, 0, w, h));
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| views::render(app, f)).unwrap();
    app.detail_lines = views::detail_len(app);
    t.backend().buffer().clone()
}

/// Runs frames until the picture is encoded (the encoder's work done here).
fn settle(g: &mut Graphics, app: &App, buf: &Buffer) -> Vec<u8> {
    let (plan, jobs) = g.after_frame(views::placements(app, buf.area), buf);
    assert!(plan.is_empty(), "nothing to draw before encoding");
    assert_eq!(jobs.len(), 1, "one picture to encode");
    for job in jobs {
        let seq = encode(&job);
        g.encoded(job.placement.key.clone(), seq);
    }
    let (plan, jobs) = g.after_frame(views::placements(app, buf.area), buf);
    assert!(jobs.is_empty(), "not asked twice");
    plan.bytes
}

#[test]
fn sixel_picture_is_placed_then_erased_from_the_frame() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = plot_app(dir.path(), Protocol::Sixel);
    let buf = frame(&mut app, 120, 50);
    let placed = views::placements(&app, buf.area);
    assert_eq!(placed.len(), 1);
    let area = placed[0].area;
    let detail = views::areas(buf.area, app.split).detail;
    assert!(
        detail.intersection(area) == area,
        "inside the pane: {area:?} in {detail:?}"
    );
    // The half-blocks are underneath, for the time before encoding.
    let under: String = (area.x..area.right())
        .map(|x| buf[(x, area.y + 1)].symbol().to_string())
        .collect();
    assert!(under.contains('▀'), "{under}");

    let mut g = Graphics::new(Protocol::Sixel);
    let bytes = String::from_utf8(settle(&mut g, &app, &buf)).unwrap();
    let at = format!("\x1b[{};{}H\x1bP", area.y + 1, area.x + 1);
    assert!(bytes.starts_with(&at), "cursor moved, sixel started");
    assert!(bytes.ends_with("\x1b\\"));

    // The same frame again writes nothing.
    let (plan, _) = g.after_frame(views::placements(&app, buf.area), &buf);
    assert!(plan.is_empty());

    // A popup hides it: the cells under it are written again.
    app.overlay = Overlay::Help { scroll: 0 };
    let buf = frame(&mut app, 120, 50);
    assert!(views::placements(&app, buf.area).is_empty());
    let (plan, _) = g.after_frame(Vec::new(), &buf);
    assert!(plan.bytes.is_empty());
    assert_eq!(
        plan.cells.len(),
        usize::from(area.width) * usize::from(area.height)
    );
    assert!(
        plan.cells
            .iter()
            .all(|(x, y, _)| area.contains((*x, *y).into()))
    );
}

#[test]
fn a_picture_scrolled_partly_out_keeps_its_half_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = plot_app(dir.path(), Protocol::Iterm);
    let buf = frame(&mut app, 80, 24);
    let before = views::placements(&app, buf.area);
    // At 80x24 the stacked pane is short: the picture does not fit whole.
    let pane = views::areas(buf.area, app.split).detail;
    if let Some(p) = before.first() {
        assert!(pane.intersection(p.area) == p.area);
    }
    app.detail_scroll = 5;
    let buf = frame(&mut app, 80, 24);
    for p in views::placements(&app, buf.area) {
        assert!(pane.intersection(p.area) == p.area, "whole or not at all");
    }
    // Wide and tall: placed whole, and scrolling one line moves it up one.
    app.detail_scroll = 0;
    let buf = frame(&mut app, 140, 60);
    let p0 = views::placements(&app, buf.area);
    assert_eq!(p0.len(), 1);
    app.detail_scroll = 1;
    let buf = frame(&mut app, 140, 60);
    let p1 = views::placements(&app, buf.area);
    assert_eq!(p1.len(), 1);
    assert_eq!(p1[0].area.y + 1, p0[0].area.y);
    assert_eq!(p1[0].key, p0[0].key);
}

#[test]
fn kitty_pictures_are_deleted_not_overdrawn() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = plot_app(dir.path(), Protocol::Kitty);
    let buf = frame(&mut app, 120, 50);
    let mut g = Graphics::new(Protocol::Kitty);
    let bytes = String::from_utf8(settle(&mut g, &app, &buf)).unwrap();
    assert!(bytes.contains("\x1b_Ga=T"), "transmit and show");
    assert!(!bytes.contains(KITTY_DELETE_ALL), "nothing to delete yet");

    app.overlay = Overlay::Help { scroll: 0 };
    let buf = frame(&mut app, 120, 50);
    let (plan, _) = g.after_frame(views::placements(&app, buf.area), &buf);
    assert!(plan.cells.is_empty(), "kitty pictures are not in the cells");
    assert_eq!(plan.bytes, KITTY_DELETE_ALL.as_bytes());
}

#[test]
fn halfblocks_and_off_place_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for proto in [Protocol::Halfblocks, Protocol::Off] {
        let mut app = plot_app(dir.path().join(proto.name()).as_path(), proto);
        let buf = frame(&mut app, 120, 50);
        assert!(views::placements(&app, buf.area).is_empty());
        let screen: String = buf.content().iter().map(|c| c.symbol()).collect();
        assert_eq!(screen.contains('▀'), proto == Protocol::Halfblocks);
        assert!(screen.contains("[jpeg image 320×240"));
        let mut g = Graphics::new(proto);
        let (plan, jobs) = g.after_frame(Vec::new(), &buf);
        assert!(plan.is_empty() && jobs.is_empty());
    }
}

#[test]
fn a_picture_that_cannot_be_encoded_keeps_its_half_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = plot_app(dir.path(), Protocol::Sixel);
    let buf = frame(&mut app, 120, 50);
    let mut g = Graphics::new(Protocol::Sixel);
    let (_, jobs) = g.after_frame(views::placements(&app, buf.area), &buf);
    for job in jobs {
        g.encoded(job.placement.key.clone(), Err("broken".into()));
    }
    let (plan, jobs) = g.after_frame(views::placements(&app, buf.area), &buf);
    assert!(plan.is_empty() && jobs.is_empty(), "not retried, not drawn");
}
