//! The interactive timeline: terminal setup, the event loop, and its parts.

pub mod app;
pub mod cache;
pub mod changes;
pub mod changes_view;
pub mod config;
pub mod diffpane;
pub mod envscreen;
pub mod filter;
pub mod graphics;
pub mod history;
pub mod history_view;
pub mod insights;
pub mod keymap;
pub mod lineedit;
pub mod picker;
pub mod prepare;
pub mod theme;
pub mod views;
pub mod worker;

use std::io::{self, Stdout};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::channel;

use crossterm::event::{
    DisableMouseCapture, EnableMouseCapture, Event, KeyEventKind, MouseButton, MouseEventKind,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;

use self::app::{App, Effect, Focus, Overlay};
use self::config::Config;
use self::graphics::Graphics;
use self::keymap::Action;
use self::worker::{CellJob, Msg, SearchJob, SearchKind, Workers};
use crate::render::image::Protocol;
use crate::repo::{Project, RepoError, WalkMsg};

/// What `gtm-tui [PATH]` was asked for.
#[derive(Debug, Clone, Default)]
pub struct TuiOptions {
    pub path: PathBuf,
    pub rev: Option<String>,
    pub ascii: bool,
    pub theme: Option<String>,
    /// `--images`: how to draw pictures; `None` detects it from the terminal.
    pub images: Option<Protocol>,
}

#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("unknown theme '{0}' (dark or light)")]
    Theme(String),
    #[error("terminal: {0}")]
    Terminal(#[from] io::Error),
}

/// Puts the terminal back however the program ends.
struct TerminalGuard;

impl TerminalGuard {
    fn enter() -> io::Result<Self> {
        enable_raw_mode()?;
        let guard = TerminalGuard;
        take_terminal()?;
        Ok(guard)
    }
}

/// The alternate screen and the mouse, with raw mode already on.
fn take_terminal() -> io::Result<()> {
    execute!(io::stdout(), EnterAlternateScreen, EnableMouseCapture)
}

/// Ctrl-Z: the terminal goes back to the shell, the program stops as a job
/// does, and once continued (`fg`) takes the terminal again and redraws all.
fn suspend(
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    graphics: &mut Graphics,
    app: &App,
) -> io::Result<()> {
    restore_terminal();
    stop_job();
    redraw_all(terminal, graphics, app)
}

/// Raw mode and the alternate screen again (a shell may have reset them
/// while the program was stopped), and a frame drawn whole, not as a
/// difference from one the terminal no longer shows.
fn redraw_all(
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    graphics: &mut Graphics,
    app: &App,
) -> io::Result<()> {
    enable_raw_mode()?;
    take_terminal()?;
    KITTY_PICTURES.store(
        app.protocol == Protocol::Kitty,
        std::sync::atomic::Ordering::SeqCst,
    );
    execute!(
        io::stdout(),
        crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
    )?;
    // A new `Terminal` has nothing drawn to compare with, so its next frame
    // is written whole (`Terminal::clear` would ask the terminal for the
    // cursor, an answer the input thread reads first).
    *terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    terminal.hide_cursor()?;
    graphics.forget_shown();
    Ok(())
}

/// Stops the process group with SIGTSTP as the terminal's Ctrl-Z would
/// (so a `cargo run` or a script around the program stops too, and the
/// shell sees the job stopped); returns once continued. The signal handler
/// that turns SIGTSTP into a message is set aside meanwhile. With no shell
/// to return to (an orphaned process group) the system drops the signal
/// and this returns at once.
#[cfg(unix)]
fn stop_job() {
    // SAFETY: plain libc calls on locals; the saved action is put back
    // exactly as it was, so signal-hook's handler stays installed.
    unsafe {
        let mut default: libc::sigaction = std::mem::zeroed();
        default.sa_sigaction = libc::SIG_DFL;
        libc::sigemptyset(&mut default.sa_mask);
        let mut saved: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(libc::SIGTSTP, &default, &mut saved) != 0 {
            return;
        }
        libc::kill(0, libc::SIGTSTP);
        // Any thread may take a signal sent to the process: the handler
        // comes back only once it has been taken (the stop is over then),
        // or the message handler would catch it instead.
        for _ in 0..2000 {
            let mut pending: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut pending);
            if libc::sigpending(&mut pending) != 0
                || libc::sigismember(&pending, libc::SIGTSTP) != 1
            {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        libc::sigaction(libc::SIGTSTP, &saved, std::ptr::null_mut());
    }
}

#[cfg(not(unix))]
fn stop_job() {}

/// Set when kitty pictures may be on screen: they live in the terminal's
/// memory until deleted, leaving the alternate screen or not.
static KITTY_PICTURES: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Leaves the alternate screen, shows the cursor, ends raw mode. Safe to call twice.
pub fn restore_terminal() {
    if KITTY_PICTURES.swap(false, std::sync::atomic::Ordering::SeqCst) {
        let _ = io::Write::write_all(
            &mut io::stdout(),
            crate::render::image::KITTY_DELETE_ALL.as_bytes(),
        );
    }
    let _ = execute!(
        io::stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = disable_raw_mode();
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // A decoder's panic caught on a worker thread: the TUI goes on.
        if crate::contained::active() {
            return;
        }
        restore_terminal();
        previous(info);
    }));
}

/// Opens the project and runs the timeline until the user quits.
pub fn run(opts: &TuiOptions) -> Result<(), TuiError> {
    let mut config = Config::load()?;
    if let Some(name) = &opts.theme {
        config.theme = theme::Theme::named(name).ok_or_else(|| TuiError::Theme(name.clone()))?;
    }
    config.theme = config.theme.for_depth(theme::ColorDepth::detect());
    let project = Project::open(&opts.path, opts.rev.as_deref())?;
    let (tx, rx) = channel();
    let dark = app_dark(&config);
    let workers = Workers::start(&project, &tx, 0, dark)?;
    let mut app = App::new(&project.name, &project.rev, config, opts.ascii);
    app.protocol = opts.images.unwrap_or_else(Protocol::detect);
    KITTY_PICTURES.store(
        app.protocol == Protocol::Kitty,
        std::sync::atomic::Ordering::SeqCst,
    );
    app.depth = theme::ColorDepth::detect();
    app.truecolor = app.depth == theme::ColorDepth::TrueColor;

    // Read before any handler is set (see `worker::ignored`).
    app.job_control = !worker::ignored(signal_hook::consts::SIGTSTP);

    install_panic_hook();
    let guard = TerminalGuard::enter()?;
    worker::spawn_input(tx.clone());
    worker::spawn_signals(tx.clone())?;
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    terminal.hide_cursor()?;
    let result = event_loop(&mut terminal, &mut app, workers, &rx, &tx, opts);
    drop(terminal);
    drop(guard);
    result
}

/// The selected record's decoded images, with a file name stem for each.
fn current_images(app: &App) -> Vec<(String, Vec<u8>)> {
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
fn save_images(app: &App, dir: &Path, moved: bool) -> String {
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
fn save_outside(app: &App, opts: &TuiOptions) -> String {
    let repo = match Project::open(&opts.path, Some(&app.rev)) {
        Ok(p) => {
            let r = p.repo();
            let mut dirs = vec![r.path().to_path_buf(), p.path.clone()];
            dirs.extend(r.workdir().map(Path::to_path_buf));
            dirs
        }
        Err(e) => return format!("cannot save: {e}"),
    };
    let user = directories::UserDirs::new();
    let cwd = std::env::current_dir().ok();
    let candidates = [
        cwd.clone(),
        user.as_ref()
            .and_then(|u| u.download_dir())
            .map(Path::to_path_buf),
        user.as_ref().map(|u| u.home_dir().to_path_buf()),
    ];
    match save_dir(&repo, &candidates) {
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
fn open_image(app: &App) -> String {
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

/// Code colours for a dark background unless the theme is the light one.
fn app_dark(config: &Config) -> bool {
    config.theme.name != "light"
}

/// Updates the app's idea of pane sizes from the terminal size.
pub fn fit(app: &mut App, size: Rect) {
    let a = views::areas(size, app.split);
    app.list_height = a.timeline.height.saturating_sub(2) as usize;
    app.detail_height = a.detail.height.saturating_sub(2) as usize;
    // A smaller timeline, or one laid out anew, must still show the selection.
    app.scroll_into_view();
    if let Some(screen) = app.env.as_mut() {
        screen.pane.height = a.status.y.saturating_sub(2) as usize;
    }
    if let Some(screen) = app.insights.as_mut() {
        screen.pane.height = a.status.y.saturating_sub(2) as usize;
    }
    if let Some(screen) = app.changes.as_mut() {
        let body = Rect::new(0, 0, size.width, a.status.y);
        screen.pane.height = history_view::cell_areas(body, screen.file_count().max(1))
            .diff
            .height
            .saturating_sub(2) as usize;
    }
    if let Some(screen) = app.cell.as_mut() {
        let runs = screen.runs.as_ref().map_or(0, |r| r.runs.len());
        let body = Rect::new(0, 0, size.width, a.status.y);
        screen.pane.height = history_view::cell_areas(body, runs)
            .diff
            .height
            .saturating_sub(2) as usize;
    }
}

fn event_loop(
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

fn event_loop_with(
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
                    Effect::SaveImages => app.flash = Some(save_outside(app, opts)),
                    Effect::OpenImage => app.flash = Some(open_image(app)),
                    Effect::ListBranches => match Project::open(&opts.path, Some(&app.rev))
                        .and_then(|p| Ok((p.branches()?, p.head_branch())))
                    {
                        Ok((list, _)) if list.is_empty() => {
                            app.flash = Some(
                                "no branches: the history is read from a detached commit".into(),
                            )
                        }
                        Ok((list, head)) => {
                            let current = match head {
                                Some(h) if app.rev == "HEAD" => h,
                                _ => app.rev.clone(),
                            };
                            app.overlay = Overlay::Picker(branch_picker(&list, &current));
                        }
                        Err(err) => app.flash = Some(format!("cannot list branches: {err}")),
                    },
                    Effect::SwitchRev(rev) => match Project::open(&opts.path, Some(&rev)) {
                        Ok(project) => {
                            let load = app.load + 1;
                            match Workers::start(&project, tx, load, app_dark(&app.config)) {
                                Ok(w) => {
                                    *workers = w;
                                    app.reset(load);
                                    app.reading(&rev);
                                    app.rev = rev;
                                    app.project = project.name.clone();
                                }
                                Err(err) => app.flash = Some(format!("cannot read {rev}: {err}")),
                            }
                        }
                        Err(err) => app.flash = Some(format!("cannot read {rev}: {err}")),
                    },
                    Effect::Reload => match Project::open(&opts.path, Some(&app.rev)) {
                        Ok(project) => {
                            let load = app.load + 1;
                            match Workers::start(&project, tx, load, app_dark(&app.config)) {
                                Ok(w) => {
                                    *workers = w;
                                    app.reset(load);
                                }
                                Err(err) => app.flash = Some(format!("reload failed: {err}")),
                            }
                        }
                        Err(err) => app.flash = Some(format!("reload failed: {err}")),
                    },
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
                    Effect::ReadInsights { generation } => workers.cells(CellJob::Insights {
                        rows: app.rows.clone(),
                        generation,
                    }),
                    Effect::ReadChanges { generation } => {
                        let row = app.changes.as_ref().and_then(|s| app.row(s.commit));
                        if let Some(row) = row {
                            workers.cells(CellJob::Changes { row, generation });
                        }
                    }
                    Effect::FileDiff { index, generation } => {
                        if let Some(Some(Ok(changes))) =
                            app.changes.as_ref().map(|s| s.changes.clone())
                        {
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
                            .cell
                            .as_ref()
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
                        only: Some(app.view.clone()),
                    }),
                }
            }
        }
    }
}

/// The branch picker's entries: name, when and by whom the branch last moved.
pub fn branch_picker(list: &[crate::repo::BranchInfo], current: &str) -> picker::Picker {
    let items = list
        .iter()
        .map(|b| picker::Item {
            value: b.name.clone(),
            label: b.name.clone(),
            detail: format!(
                "{}{} · {}{}",
                if b.is_workspace() {
                    "workspace · "
                } else {
                    ""
                },
                crate::timefmt::local_minutes(b.time),
                b.author,
                if b.remote { " · remote" } else { "" }
            ),
            current: b.name == current,
        })
        .collect();
    picker::Picker::new(picker::PickKind::Branch, items)
}

/// Test-only switch: a key that makes the TUI panic, so the end-to-end tests
/// can check that a panic restores the terminal.
pub const PANIC_ENV: &str = "GTM_TUI_TEST_PANIC_KEY";

fn panic_key() -> Option<char> {
    static KEY: std::sync::OnceLock<Option<char>> = std::sync::OnceLock::new();
    *KEY.get_or_init(|| std::env::var(PANIC_ENV).ok().and_then(|v| v.chars().next()))
}

/// One message → state change → effects. Shared by the loop and the tests.
/// Whatever the message changed (a screen closed, the layout, new rows, a
/// smaller terminal), records that came into view are asked for here, so
/// they decode without waiting for another key.
pub fn handle(app: &mut App, msg: Msg, size: Option<Rect>) -> Vec<Effect> {
    // A decoded record changes nothing about which are in view; asking
    // again after one could go round for ever if the records in view did
    // not fit the details cache together.
    let decoded = matches!(msg, Msg::Details(..) | Msg::Encoded { .. });
    let mut fx = handle_msg(app, msg, size);
    if decoded || fx.contains(&Effect::Quit) {
        return fx;
    }
    if let Some(size) = size {
        fit(app, size);
    }
    fx.extend(app.visible_decodes());
    fx
}

fn handle_msg(app: &mut App, msg: Msg, size: Option<Rect>) -> Vec<Effect> {
    match msg {
        Msg::Input(Event::Key(key)) => {
            if key.kind == KeyEventKind::Release {
                return Vec::new();
            }
            if let crossterm::event::KeyCode::Char(c) = key.code
                && panic_key() == Some(c)
            {
                // The one panic on purpose: the end-to-end tests prove the
                // terminal comes back from one.
                #[allow(clippy::panic)]
                {
                    panic!("panic requested by {PANIC_ENV} for the terminal-restore tests");
                }
            }
            // AltGr on Windows comes as Ctrl+Alt and a character: it is
            // that character, typed (in a prompt even when bound).
            let mut key = key;
            if lineedit::is_altgr(&key)
                && (app.in_prompt() || app.config.keys.action(&key).is_none())
            {
                key.modifiers.remove(
                    crossterm::event::KeyModifiers::CONTROL | crossterm::event::KeyModifiers::ALT,
                );
            }
            // Raw mode turns off the terminal's own Ctrl-Z: it arrives as a
            // key, and suspends wherever it is pressed, as in a shell
            // (unless the key map gives it to something else).
            if key.code == crossterm::event::KeyCode::Char('z')
                && key
                    .modifiers
                    .contains(crossterm::event::KeyModifiers::CONTROL)
                && app.config.keys.action(&key).is_none()
            {
                // Started with SIGTSTP ignored (no job control, as under
                // `nohup` or `&` in a plain `sh`): stopping could leave the
                // program with nobody to continue it, so it stays, as vim does.
                if !app.job_control {
                    app.flash = Some("cannot suspend: the shell ignores job control".into());
                    return Vec::new();
                }
                return vec![Effect::Suspend];
            }
            // Esc then a key at once reaches us as Alt+key: unless that is
            // bound, it is the two keys (leaving the search prompt, a
            // panel or the record pane, then the key).
            // Alt+Backspace in a prompt deletes a word, as in readline.
            if key.modifiers.contains(crossterm::event::KeyModifiers::ALT)
                && app.config.keys.action(&key).is_none()
                && !(app.in_prompt() && lineedit::takes_alt(&key))
            {
                let esc = crossterm::event::KeyEvent {
                    code: crossterm::event::KeyCode::Esc,
                    modifiers: crossterm::event::KeyModifiers::NONE,
                    ..key
                };
                let mut fx = handle_msg(app, Msg::Input(Event::Key(esc)), size);
                if fx.contains(&Effect::Quit) {
                    return fx;
                }
                let mut plain = key;
                plain.modifiers.remove(crossterm::event::KeyModifiers::ALT);
                fx.extend(handle_msg(app, Msg::Input(Event::Key(plain)), size));
                return fx;
            }
            if app.search.typing.is_some() {
                return app.search_input(&key);
            }
            if matches!(app.overlay, Overlay::Filter(_)) {
                return app.filter_input(&key);
            }
            if matches!(app.overlay, Overlay::Picker(_)) {
                return app.picker_input(&key);
            }
            let action = app.config.keys.action(&key);
            if action.is_none() && matches!(app.overlay, Overlay::Help { .. }) {
                app.overlay = Overlay::None;
                return Vec::new();
            }
            match action {
                Some(Action::Quit) if key.code == crossterm::event::KeyCode::Char('q') => {
                    // q goes back a level first, like tig: out of the cell
                    // screen or the detail pane, then quits.
                    if app.cell.is_some()
                        || app.changes.is_some()
                        || app.env.is_some()
                        || app.insights.is_some()
                        || app.focus == Focus::Detail
                    {
                        app.update(Action::Back)
                    } else {
                        app.update(Action::Quit)
                    }
                }
                Some(Action::Quit) => vec![Effect::Quit],
                Some(a) => app.update(a),
                None => Vec::new(),
            }
        }
        Msg::Input(Event::Mouse(m)) => {
            let Some(size) = size else { return Vec::new() };
            let a = views::areas(size, app.split);
            let inside = |r: Rect| {
                m.column >= r.x && m.column < r.right() && m.row >= r.y && m.row < r.bottom()
            };
            match m.kind {
                MouseEventKind::ScrollDown => app.wheel(true, inside(a.detail)),
                MouseEventKind::ScrollUp => app.wheel(false, inside(a.detail)),
                MouseEventKind::Down(MouseButton::Left) if inside(a.timeline) => {
                    let line = m.row.saturating_sub(a.timeline.y + 1) as usize;
                    let lines = views::timeline_lines(app, app.list_height);
                    match lines.get(line) {
                        Some(views::TimelineLine::Record(pos)) => app.click_record(*pos),
                        _ => Vec::new(),
                    }
                }
                MouseEventKind::Down(MouseButton::Left) if inside(a.detail) => {
                    if app.current_ref().is_some() {
                        app.focus = Focus::Detail;
                    }
                    Vec::new()
                }
                _ => Vec::new(),
            }
        }
        Msg::Input(Event::Resize(w, h)) => {
            fit(app, Rect::new(0, 0, w, h));
            app.visible_decodes()
        }
        Msg::Input(_) => Vec::new(),
        Msg::Walk(load, _) | Msg::Details(load, ..) if load != app.load => Vec::new(),
        Msg::Lineage { load, .. } | Msg::Compared { load, .. } if load != app.load => Vec::new(),
        Msg::NewRows { load, .. } | Msg::Rewritten { load } if load != app.load => Vec::new(),
        Msg::NewRows { rows, .. } => app.prepend_rows(rows),
        Msg::Changes { load, .. } | Msg::FileDiff { load, .. } | Msg::Env { load, .. }
            if load != app.load =>
        {
            Vec::new()
        }
        Msg::Insights { load, .. } if load != app.load => Vec::new(),
        Msg::Insights {
            generation, data, ..
        } => {
            app.insights_ready(generation, data);
            Vec::new()
        }
        Msg::Env {
            generation, view, ..
        } => {
            app.env_ready(generation, view);
            Vec::new()
        }
        Msg::Changes {
            generation, result, ..
        } => app.changes_ready(generation, result),
        Msg::FileDiff {
            generation, view, ..
        } => {
            app.file_ready(generation, view);
            Vec::new()
        }
        Msg::Rewritten { .. } => vec![Effect::Reload],
        Msg::Lineage {
            generation,
            notebook,
            lineage,
            partial,
            ..
        } => app.lineage_ready(generation, &notebook, lineage, partial),
        Msg::Compared {
            generation, view, ..
        } => {
            app.compared(generation, view);
            Vec::new()
        }
        Msg::Walk(_, WalkMsg::Rows(rows)) => app.add_rows(rows),
        Msg::Walk(_, WalkMsg::Packed(rows)) => app.add_packed(rows),
        Msg::Walk(_, WalkMsg::Done(result)) => {
            app.walk_done(result.map_err(|e| e.to_string()));
            // Searches started while loading saw only part of the history.
            let mut fx = Vec::new();
            if !app.search.query.is_empty() {
                app.search.generation += 1;
                app.search.running = true;
                fx.push(Effect::Search {
                    query: app.search.query.clone(),
                    generation: app.search.generation,
                });
            }
            // A cell screen opened while loading saw only part of the history.
            if let Some(s) = app.cell.as_ref().filter(|s| s.partial) {
                fx.push(Effect::Lineage {
                    notebook: s.notebook.clone(),
                    generation: s.generation,
                });
            }
            if !app.filter.path.is_empty() {
                app.path_generation += 1;
                fx.push(Effect::PathSearch {
                    path: app.filter.path.clone(),
                    generation: app.path_generation,
                });
            }
            fx
        }
        Msg::Details(_, commit, details) => {
            app.details_ready(commit, details);
            Vec::new()
        }
        Msg::SearchHits {
            kind: SearchKind::Query,
            generation,
            hits,
            done,
        } => app.search_hits(generation, hits, done),
        Msg::SearchHits {
            kind: SearchKind::Path,
            generation,
            hits,
            ..
        } => app.path_hits(generation, hits),
        Msg::Signal(signal_hook::consts::SIGTSTP) => vec![Effect::Suspend],
        Msg::Signal(signal_hook::consts::SIGCONT) => vec![Effect::Redraw],
        Msg::Signal(_) => vec![Effect::Quit],
        // The event loop gives these to its `Graphics`.
        Msg::Encoded { .. } => Vec::new(),
        Msg::InputGone(e) => {
            app.load_error = Some(format!("terminal input failed: {e}"));
            vec![Effect::Quit]
        }
    }
}

/// Rows for a decode request, found by commit.
pub fn rows_for(app: &App, commits: &[git2::Oid]) -> Vec<Arc<crate::repo::RecordRow>> {
    commits.iter().filter_map(|c| app.row(*c)).collect()
}
