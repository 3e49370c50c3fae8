//! The terminal: taken and given back (quit, panic, signals, Ctrl-Z), redrawn whole.

use std::io::{self, Stdout};

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use crate::render::image::Protocol;
use crate::tui::app::App;
use crate::tui::graphics::Graphics;

/// Puts the terminal back however the program ends.
pub(super) struct TerminalGuard;

impl TerminalGuard {
    pub(super) fn enter() -> io::Result<Self> {
        enable_raw_mode()?;
        let guard = TerminalGuard;
        take_terminal()?;
        Ok(guard)
    }
}

/// The alternate screen and the mouse, with raw mode already on.
pub(super) fn take_terminal() -> io::Result<()> {
    execute!(io::stdout(), EnterAlternateScreen, EnableMouseCapture)
}

/// Ctrl-Z: the terminal goes back to the shell, the program stops as a job
/// does, and once continued (`fg`) takes the terminal again and redraws all.
pub(super) fn suspend(
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
pub(super) fn redraw_all(
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
pub(super) fn stop_job() {
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

pub(super) fn install_panic_hook() {
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

#[cfg(not(unix))]
pub(super) fn stop_job() {}

/// Set when kitty pictures may be on screen: they live in the terminal's
/// memory until deleted, leaving the alternate screen or not.
pub(super) static KITTY_PICTURES: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// Asks the terminal to put `text` on the clipboard with OSC 52, and says what was done. A
/// program cannot learn whether the terminal honoured it (many ask the user, some refuse), so
/// the message says so; where no terminal can take it (`TERM` unset or `dumb`, output not a
/// terminal) nothing is sent.
pub fn copy(text: &str) -> String {
    use base64::Engine;
    use std::io::{IsTerminal, Write};
    // A status line is short: a hash is named by its first seven digits.
    let named: String = if text.len() > 12 {
        format!("{}…", text.chars().take(7).collect::<String>())
    } else {
        text.to_string()
    };
    let term = std::env::var("TERM").unwrap_or_default();
    if term.is_empty() || term == "dumb" || !io::stdout().is_terminal() {
        return format!("could not copy {named}: this terminal takes no clipboard requests");
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    let mut out = io::stdout();
    let sent = write!(out, "\x1b]52;c;{encoded}\x07").and_then(|()| out.flush());
    match sent {
        Ok(()) => format!(
            "copied {named} (OSC 52: a terminal that does not allow clipboard writes ignores it)"
        ),
        Err(e) => format!("could not copy {named}: {e}"),
    }
}
