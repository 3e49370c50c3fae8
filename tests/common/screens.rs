//! Driving the TUI's screens in tests: doing what the worker threads would
//! for the effects the app asks for, and drawing through TestBackend.

use std::sync::Arc;

use gtm_tui::lineage::CachePolicy;
use gtm_tui::repo::Project;
use gtm_tui::tui::app::{App, Effect};
use gtm_tui::tui::keymap::Action;
use gtm_tui::tui::{annotations, changes, envscreen, fit, history, insights, views};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

/// An app with the project's whole history loaded, as after its walk.
pub fn loaded_app(project: &Project) -> App {
    let mut app = App::new(
        &project.name,
        &project.rev,
        gtm_tui::tui::config::Config::defaults(),
        false,
    );
    app.add_rows(project.records().unwrap());
    app.walk_done(Ok(Default::default()));
    app
}

/// Answers the app's requests as the workers would, until none are left.
pub fn settle(app: &mut App, project: &Project, mut fx: Vec<Effect>) {
    let store = project.details();
    while let Some(e) = fx.pop() {
        match e {
            Effect::Lineage {
                notebook,
                generation,
            } => {
                let l = history::notebook_lineage(project, &app.rows, &notebook, &CachePolicy::Off);
                fx.extend(app.lineage_ready(generation, &notebook, Arc::new(l), false));
            }
            Effect::Compare {
                old,
                new,
                generation,
            } => {
                let l = Arc::clone(&app.cell().unwrap().runs.as_ref().unwrap().lineage);
                let view =
                    history::prepare_pair(project, &store, &l, &app.rows, old, new, true).unwrap();
                app.compared(generation, Arc::new(view));
            }
            Effect::ReadChanges { generation } => {
                let commit = app.changes().unwrap().commit;
                let row = app.row(commit).unwrap().clone();
                let result = changes::read_changes(project, &row).map(Arc::new);
                fx.extend(app.changes_ready(generation, result));
            }
            Effect::FileDiff { index, generation } => {
                let Some(Ok(ch)) = app.changes().unwrap().changes.clone() else {
                    panic!("changes first")
                };
                let view = changes::prepare_file(project, &ch, index, true).unwrap();
                app.file_ready(generation, Arc::new(view));
            }
            Effect::ReadEnv {
                at,
                mark,
                generation,
            } => {
                let at = app.row(at).unwrap().clone();
                let mark = mark.map(|m| app.row(m).unwrap().clone());
                let view = envscreen::prepare_env(project, &at, mark.as_deref());
                app.env_ready(generation, Arc::new(view));
            }
            Effect::NotebookAt { generation } => {
                let s = app.notebook_at().unwrap();
                let l = Arc::clone(s.lineage.as_ref().unwrap());
                let view = gtm_tui::tui::nbtime::prepare(
                    project,
                    &store,
                    &l,
                    &app.rows,
                    &s.notebook,
                    &s.steps,
                    s.step,
                    true,
                )
                .unwrap();
                app.notebook_ready(generation, Arc::new(view));
            }
            Effect::Annotate => {
                let notes = annotations::annotate(project, &store, &app.rows, &CachePolicy::Off);
                fx.extend(app.annotations_ready(Arc::new(notes)));
            }
            Effect::ReadInsights { generation } => {
                let data = insights::prepare(project, &app.rows, &CachePolicy::Off);
                app.insights_ready(generation, Arc::new(data));
            }
            _ => {}
        }
    }
}

/// A key's action, and the work it asks for done.
pub fn press(app: &mut App, project: &Project, a: Action) {
    let fx = app.update(a);
    settle(app, project, fx);
}

/// The screen at `w`×`h` as text.
pub fn draw(app: &mut App, w: u16, h: u16) -> String {
    fit(app, Rect::new(0, 0, w, h));
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| views::render(app, f)).unwrap();
    t.backend().to_string()
}

/// A `w`×`h` white PNG with a black `4`×`3` block at `at`: plots that differ in a few pixels.
pub fn block_png(w: u32, h: u32, at: (u32, u32)) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let inside = (at.0..at.0 + 4).contains(&x) && (at.1..at.1 + 3).contains(&y);
        image::Rgb(if inside { [0, 0, 0] } else { [255, 255, 255] })
    });
    let mut bytes = std::io::Cursor::new(Vec::new());
    img.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
    bytes.into_inner()
}

/// One plotting cell run three times with the same code in an activity log: its picture's
/// block moves a little between the first two runs, and the third run prints text only.
pub fn picture_runs(dir: &std::path::Path) -> Project {
    use gtm_tui::synth::{DetailSpec, ProjectWriter, RecordSpec, WriterOptions};
    let mut w = ProjectWriter::new(WriterOptions::default());
    w.set_author("Alice Example", "alice@example.com", 0);
    w.set_time(1_552_000_000);
    let tagged = |mut d: DetailSpec, ex: u32| {
        if let DetailSpec::Object { tags, .. } = &mut d {
            *tags = vec![format!("ex:{ex}")];
        }
        d
    };
    let code = "import matplotlib.pyplot as plt\nplt.plot(x)\nplt.show()";
    for (ex, picture) in [
        (1, Some(block_png(60, 30, (10, 8)))),
        (2, Some(block_png(60, 30, (12, 9)))),
        (3, None),
    ] {
        let mut r = RecordSpec::new(
            2,
            "Executed cell in notebook code/plots.ipynb and generated a result",
        );
        let out = match picture {
            Some(png) => DetailSpec::text(2, 1, "image/png", png),
            None => DetailSpec::text(2, 1, "text/plain", "no figure".to_string()),
        };
        r.details = vec![
            tagged(out, ex),
            tagged(
                DetailSpec::text(3, 4, "text/markdown", format!("```\n{code}\n```")),
                ex,
            ),
        ];
        w.record(r);
        w.advance(90);
    }
    w.finish(dir).unwrap();
    Project::open(dir, None).unwrap()
}
