//! The event loop: messages in, the app updated, its effects carried out, frames drawn.

use std::io::{self, Stdout};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;

use crate::repo::Project;
use crate::tui::app::{App, Effect};
use crate::tui::graphics::Graphics;
use crate::tui::worker::{CellJob, Msg, SearchJob, SearchKind, Workers};

use super::*;

pub(super) fn event_loop(
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    app: &mut App,
    mut workers: Workers,
    rx: &std::sync::mpsc::Receiver<Msg>,
    tx: &std::sync::mpsc::Sender<Msg>,
    opts: &TuiOptions,
) -> Result<(), TuiError> {
    let mut graphics = Graphics::start(app.protocol, tx);
    event_loop_with(terminal, app, &mut workers, &mut graphics, rx, tx, opts)
}

/// The history at `rev` read anew (`reload`: the one being read): the
/// project opened again on a worker thread, whose answer comes as
/// `Msg::Opened` (see [`take_opened`]).
fn restart(
    app: &mut App,
    tx: &std::sync::mpsc::Sender<Msg>,
    opts: &TuiOptions,
    rev: &str,
    reload: bool,
) {
    let load = app.begin_open(rev, reload);
    worker::open(
        opts.path.clone(),
        rev.to_string(),
        load,
        app_syntax(&app.config),
        opts.lineage_cache.clone(),
        tx.clone(),
    );
}

/// The project opened anew: if it answers the latest request, its workers
/// replace the old ones (whose late answers the new load number drops)
/// and the timeline empties for its walk.
pub(super) fn take_opened(app: &mut App, workers: &mut Workers, opened: worker::Opened) {
    let worker::Opened { load, result, .. } = opened;
    match result {
        Ok(r) => {
            if app.opened(load, Ok((r.name, r.repo_dirs))) {
                *workers = r.workers;
            }
        }
        Err(e) => {
            app.opened(load, Err(e));
        }
    }
}

pub(super) fn event_loop_with(
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    app: &mut App,
    workers: &mut Workers,
    graphics: &mut Graphics,
    rx: &std::sync::mpsc::Receiver<Msg>,
    tx: &std::sync::mpsc::Sender<Msg>,
    opts: &TuiOptions,
) -> Result<(), TuiError> {
    // The SIGCONT count the screen was last drawn whole after: a SIGCONT
    // message asks for a redraw only when a continue came since.
    let mut drawn_for = worker::continued();
    loop {
        let size = terminal.size()?;
        fit(app, Rect::new(0, 0, size.width, size.height));
        let frame = terminal.draw(|f| views::render(app, f))?;
        let (plan, _) = graphics.after_frame(views::placements(app, frame.area), frame.buffer);
        app.detail_lines = views::detail_len(app);
        if !plan.is_empty() {
            let backend = terminal.backend_mut();
            ratatui::backend::Backend::draw(
                backend,
                plan.cells.iter().map(|(x, y, c)| (*x, *y, c)),
            )?;
            io::Write::write_all(backend, &plan.bytes)?;
            io::Write::flush(backend)?;
        }
        let Ok(first) = rx.recv() else {
            return Ok(());
        };
        // Handle everything already waiting before drawing again.
        let mut msgs = vec![first];
        while let Ok(m) = rx.try_recv() {
            msgs.push(m);
            if msgs.len() > 256 {
                break;
            }
        }
        for msg in msgs {
            if let Msg::Encoded { key, result } = msg {
                graphics.encoded(key, result);
                continue;
            }
            let msg = match msg {
                Msg::Opened(opened) => {
                    take_opened(app, workers, *opened);
                    continue;
                }
                msg => msg,
            };
            let effects = handle(
                app,
                msg,
                terminal
                    .size()
                    .ok()
                    .map(|s| Rect::new(0, 0, s.width, s.height)),
            );
            for e in effects {
                match e {
                    Effect::Quit => return Ok(()),
                    Effect::Suspend => {
                        suspend(terminal, graphics, app)?;
                        drawn_for = worker::continued();
                    }
                    // The continue that ended a suspend is drawn already.
                    Effect::Redraw if worker::continued() == drawn_for => {}
                    Effect::Redraw => {
                        redraw_all(terminal, graphics, app)?;
                        drawn_for = worker::continued();
                    }
                    Effect::SaveImages => app.flash = Some(save_outside(app)),
                    Effect::Copy(text) => app.flash = Some(super::terminal::copy(&text)),
                    Effect::OpenImage => app.flash = Some(open_image(app)),
                    // Listing branches reads every ref: off the UI thread.
                    Effect::ListBranches => workers.cells(CellJob::Branches),
                    // Opening a project reads its refs and config: off the UI thread.
                    Effect::SwitchRev(rev) => restart(app, tx, opts, &rev, false),
                    Effect::Reload => {
                        let rev = app.rev.clone();
                        restart(app, tx, opts, &rev, true);
                    }
                    Effect::Decode(commits) => {
                        workers.decode(rows_for(app, &commits));
                    }
                    Effect::Lineage {
                        notebook,
                        generation,
                    } => workers.cells(CellJob::Lineage {
                        notebook,
                        rows: app.rows.clone(),
                        partial: app.loading,
                        generation,
                    }),
                    Effect::NotebookAt { generation } => {
                        if let Some(s) = app.notebook_at()
                            && let Some(lineage) = s.lineage.clone()
                        {
                            workers.cells(CellJob::NotebookAt {
                                lineage,
                                rows: app.rows.clone(),
                                notebook: s.notebook.clone(),
                                steps: s.steps.clone(),
                                step: s.step,
                                generation,
                            });
                        }
                    }
                    Effect::ReadEnv {
                        at,
                        mark,
                        generation,
                    } => {
                        if let Some(at) = app.row(at) {
                            let mark = mark.and_then(|m| app.row(m));
                            workers.cells(CellJob::Env {
                                at,
                                mark,
                                generation,
                            });
                        }
                    }
                    // A history still loading would annotate only its newest records.
                    Effect::Annotate if !app.loading && !app.rows.is_empty() => {
                        workers.annotate(app.rows.clone())
                    }
                    Effect::Annotate => {}
                    Effect::ReadInsights { generation } => workers.cells(CellJob::Insights {
                        rows: app.rows.clone(),
                        partial: app.loading,
                        generation,
                    }),
                    Effect::ReadChanges { generation } => {
                        let row = app.changes().and_then(|s| app.row(s.commit));
                        if let Some(row) = row {
                            workers.cells(CellJob::Changes { row, generation });
                        }
                    }
                    Effect::FileDiff { index, generation } => {
                        if let Some(Some(Ok(changes))) = app.changes().map(|s| s.changes.clone()) {
                            workers.cells(CellJob::File {
                                changes,
                                index,
                                generation,
                            });
                        }
                    }
                    Effect::Compare {
                        old,
                        new,
                        generation,
                    } => {
                        if let Some(lineage) = app
                            .cell()
                            .and_then(|s| s.runs.as_ref())
                            .map(|r| Arc::clone(&r.lineage))
                        {
                            workers.cells(CellJob::Compare {
                                lineage,
                                rows: app.rows.clone(),
                                old,
                                new,
                                generation,
                            });
                        }
                    }
                    Effect::PathSearch { path, generation } => workers.search(SearchJob {
                        kind: SearchKind::Path,
                        query: path,
                        generation,
                        rows: app.rows.clone(),
                        only: None,
                    }),
                    Effect::Search { query, generation } => workers.search(SearchJob {
                        kind: SearchKind::Query,
                        query,
                        generation,
                        rows: app.rows.clone(),
                        only: Some(app.shown.clone()),
                    }),
                }
            }
        }
    }
}

/// The selected record's decoded images, with a file name stem for each.
pub(super) fn current_images(app: &App) -> Vec<(String, Vec<u8>)> {
    let Some(commit) = app.current_commit() else {
        return Vec::new();
    };
    let Some(app::Details::Ready(prep)) = app.details.peek(&commit) else {
        return Vec::new();
    };
    let short = crate::repo::short_id(commit);
    let mut out = Vec::new();
    for d in &prep.details {
        for c in &d.content {
            if let crate::activity::Content::Image { image, .. } = c {
                out.push((format!("gtm-{short}-{}", out.len() + 1), image.data.clone()));
            }
        }
    }
    out
}

/// Saves the selected record's images into `dir`; says what happened.
/// `moved` says the current directory was passed over.
pub(super) fn save_images(app: &App, dir: &Path, moved: bool) -> String {
    let images = current_images(app);
    if images.is_empty() {
        return "no images in this record".into();
    }
    let mut saved = Vec::new();
    for (stem, bytes) in &images {
        match crate::render::image::save(bytes, dir, stem) {
            Ok(p) => saved.push(p.display().to_string()),
            Err(e) => return format!("could not save {stem}: {e}"),
        }
    }
    let note = if moved {
        " (not in the current directory: it is inside the project)"
    } else {
        ""
    };
    format!("saved {}{note}", saved.join(", "))
}

/// Where `s` saves pictures: the first of `candidates` (the current
/// directory, the user's downloads, home) that is an existing directory
/// outside every one of `repo` (the work tree and the git directory), so
/// that gtm-tui never writes into the repository it reads. Compared and
/// returned as canonical paths, so a symlink into the project counts as
/// inside and the status line shows the real place.
pub fn save_dir(repo: &[PathBuf], candidates: &[Option<PathBuf>]) -> Option<PathBuf> {
    let repo: Vec<PathBuf> = repo
        .iter()
        .filter_map(|r| std::fs::canonicalize(r).ok())
        .collect();
    candidates
        .iter()
        .flatten()
        .filter_map(|c| std::fs::canonicalize(c).ok())
        .filter(|c| c.is_dir())
        .find(|c| !repo.iter().any(|r| c.starts_with(r)))
}

/// `s`: the pictures of the selected record saved outside the project.
/// The directories `s` must not write into: the git directory, the
/// project directory and the work tree.
pub(super) fn repo_dirs(project: &Project) -> Vec<PathBuf> {
    let r = project.repo();
    let mut dirs = vec![r.path().to_path_buf(), project.path.clone()];
    dirs.extend(r.workdir().map(Path::to_path_buf));
    dirs
}

pub(super) fn save_outside(app: &App) -> String {
    let repo = &app.repo_dirs;
    // Not knowing where the project is, nowhere is known to be outside it.
    if repo.is_empty() {
        return "not saved: the project's directories are not known".into();
    }
    let user = directories::UserDirs::new();
    let cwd = std::env::current_dir().ok();
    let candidates = [
        cwd.clone(),
        user.as_ref()
            .and_then(|u| u.download_dir())
            .map(Path::to_path_buf),
        user.as_ref().map(|u| u.home_dir().to_path_buf()),
    ];
    match save_dir(repo, &candidates) {
        Some(dir) => {
            let moved = cwd.and_then(|c| std::fs::canonicalize(c).ok()) != Some(dir.clone());
            save_images(app, &dir, moved)
        }
        None => {
            "not saved: the current directory, downloads and home are all inside the project".into()
        }
    }
}

/// Opens the selected record's first image in the system viewer.
pub(super) fn open_image(app: &App) -> String {
    let Some((stem, bytes)) = current_images(app).into_iter().next() else {
        return "no images in this record".into();
    };
    let dir = std::env::temp_dir().join("gtm-tui-images");
    if let Err(e) = std::fs::create_dir_all(&dir) {
        return format!("could not write the image: {e}");
    }
    match crate::render::image::save(&bytes, &dir, &stem) {
        Ok(p) => match crate::render::image::open_in_viewer(&p) {
            Ok(()) => format!("opened {}", p.display()),
            Err(e) => e,
        },
        Err(e) => format!("could not write the image: {e}"),
    }
}
