//! The interactive timeline: terminal setup, the event loop, and its parts.

pub mod annotations;
pub mod app;
pub mod cache;
pub mod changes;
pub mod changes_view;
pub mod config;
pub mod diffpane;
pub mod envscreen;
pub mod filter;
pub mod filterpanel;
pub mod folds;
pub mod graphics;
pub mod history;
pub mod history_view;
pub mod insights;
pub mod keymap;
pub mod lineedit;
pub mod listpane;
pub mod nb;
pub mod nbtime;
pub mod picker;
pub mod prepare;
pub mod screen;
pub mod theme;
pub mod trail;
pub mod views;
pub mod worker;

mod effects;
mod terminal;

pub use self::effects::save_dir;
use self::effects::*;
pub use self::picker::branch_picker;
pub use self::terminal::restore_terminal;
use self::terminal::*;
use crate::render::palette::SyntaxTheme;

use std::io::{self};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::channel;

use crossterm::event::{Event, KeyEventKind, MouseButton, MouseEventKind};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;

use self::app::{App, Effect, Focus, Overlay};
use self::config::Config;
use self::keymap::Action;
use self::worker::{Msg, SearchKind, Workers};
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
    /// Where the insights and cell screens keep whole-history lineage
    /// between runs (`--no-cache`: nowhere).
    pub lineage_cache: crate::lineage::CachePolicy,
    /// Which history to show; `None`: the one the repository looks like it has.
    pub source: Option<crate::repo::HistorySource>,
    /// `--all-commits`: the notebook timeline shows commits that changed no notebook too.
    pub all_commits: bool,
    /// `--color never`: no colour, as with `NO_COLOR`.
    pub no_color: bool,
}

impl TuiOptions {
    /// How many colours to draw with: none when asked for none, else what the terminal says.
    pub fn depth(&self) -> theme::ColorDepth {
        if self.no_color {
            theme::ColorDepth::None
        } else {
            theme::ColorDepth::detect()
        }
    }
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

/// Opens the project and runs the timeline until the user quits.
pub fn run(opts: &TuiOptions) -> Result<(), TuiError> {
    let mut config = Config::load()?;
    if let Some(name) = &opts.theme {
        config.theme = theme::Theme::named(name).ok_or_else(|| TuiError::Theme(name.clone()))?;
    }
    config.theme = config.theme.for_depth(opts.depth());
    let project = Project::open(&opts.path, opts.rev.as_deref())?;
    let source = opts.source.unwrap_or_else(|| project.likely_source());
    if source == crate::repo::HistorySource::Notebooks {
        return nb::run(opts, project, config);
    }
    let (tx, rx) = channel();
    let syntax = app_syntax(&config);
    let workers = Workers::start(&project, &tx, 0, syntax, opts.lineage_cache.clone())?;
    let mut app = App::new(&project.name, &project.rev, config, opts.ascii);
    app.repo_dirs = repo_dirs(&project);
    app.protocol = opts.images.unwrap_or_else(Protocol::detect);
    KITTY_PICTURES.store(
        app.protocol == Protocol::Kitty,
        std::sync::atomic::Ordering::SeqCst,
    );
    app.depth = opts.depth();
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

/// The theme's colours for code.
pub(super) fn app_syntax(config: &Config) -> SyntaxTheme {
    config.theme.palette.syntax
}

/// Updates the app's idea of pane sizes from the terminal size.
pub fn fit(app: &mut App, size: Rect) {
    let a = views::areas(size, app.split);
    app.screen_height = size.height;
    app.screen_width = size.width;
    app.list_height = a.timeline.height.saturating_sub(2) as usize;
    app.detail_height = a.detail.height.saturating_sub(2) as usize;
    // A smaller timeline, or one laid out anew, must still show the selection.
    app.scroll_into_view();
    let body = Rect::new(0, 0, size.width, a.status.y);
    for screen in &mut app.screens {
        screen.fit(body);
    }
}

/// Test-only switch: a key that makes the TUI panic, so the end-to-end tests
/// can check that a panic restores the terminal.
pub const PANIC_ENV: &str = "GTM_TUI_TEST_PANIC_KEY";

pub(super) fn panic_key() -> Option<char> {
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

pub(super) fn handle_msg(app: &mut App, msg: Msg, size: Option<Rect>) -> Vec<Effect> {
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
            if app.jump.is_some() {
                return app.jump_input(&key);
            }
            if matches!(app.overlay, Overlay::Filter(_)) {
                return app.filter_input(&key);
            }
            if matches!(app.overlay, Overlay::Picker(_)) {
                return app.picker_input(&key);
            }
            if let Some(fx) = app.fold_prefix_input(&key) {
                return fx;
            }
            let action = app.config.keys.action(&key);
            // Help closes with the keys its title names; an unbound key
            // does nothing there.
            if matches!(app.overlay, Overlay::Help { .. }) {
                if let Some(a) = action
                    && (a != Action::Quit || key.code == crossterm::event::KeyCode::Char('q'))
                {
                    return app.update(a);
                }
                if action.is_none() {
                    return Vec::new();
                }
            }
            match action {
                Some(Action::Quit) if key.code == crossterm::event::KeyCode::Char('q') => {
                    // q goes back a level first, like tig: out of the cell
                    // screen or the detail pane, then quits.
                    if !app.screens.is_empty() || app.focus == Focus::Detail {
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
        Msg::NotebookAt { load, .. } if load != app.load => Vec::new(),
        Msg::NotebookAt {
            generation, view, ..
        } => {
            app.notebook_ready(generation, view);
            Vec::new()
        }
        Msg::NewRows { load, .. } | Msg::Rewritten { load } if load != app.load => Vec::new(),
        Msg::NewRows { rows, .. } => app.prepend_rows(rows),
        Msg::Changes { load, .. } | Msg::FileDiff { load, .. } | Msg::Env { load, .. }
            if load != app.load =>
        {
            Vec::new()
        }
        Msg::Insights { load, .. } if load != app.load => Vec::new(),
        Msg::Branches { load, .. } if load != app.load => Vec::new(),
        Msg::Branches { result, .. } => {
            app.branches_ready(result);
            Vec::new()
        }
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
            if let Some(s) = app.cell().filter(|s| s.partial) {
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
            // The timeline's cells and folds come from the whole history.
            fx.push(Effect::Annotate);
            fx
        }
        Msg::Annotations { load, .. } if load != app.load => Vec::new(),
        Msg::Annotations { notes, .. } => app.annotations_ready(notes),
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
        // The event loop gives these to its `Graphics`, and the reopened
        // project's workers to itself (see `effects::take_opened`).
        Msg::Encoded { .. } | Msg::Opened(_) => Vec::new(),
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
