//! The gtm-tui binary: parse arguments, run, map failures to exit codes.

use std::io::{self, BufWriter};
use std::process::ExitCode;

use clap::Parser;
use gtm_tui::cli::{self, Cli};
use gtm_tui::render::sanitize::{self, Guard};

fn main() -> ExitCode {
    // Before anything else, so the TUI's and the decoders' hooks chain to it.
    std::panic::set_hook(Box::new(sanitize::panic_hook));
    let args = Cli::parse();
    let stdout = io::stdout();
    // Long output goes through a pager on a terminal, as git's does; one that does not
    // start leaves the output on the terminal.
    let mut pager = cli::pager(&args).and_then(|cmd| {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(&cmd)
            .stdin(std::process::Stdio::piped())
            .spawn()
            .ok()
    });
    // Ctrl-C while paging is the pager's (less stops a search with it), as in git: stay
    // until the pager ends rather than die and leave it holding the terminal. A handler,
    // not an ignored signal, so the commands' own children keep the default.
    #[cfg(unix)]
    if pager.is_some() {
        let seen = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let _ = signal_hook::flag::register(signal_hook::consts::SIGINT, seen);
    }
    let sink: Box<dyn io::Write> = match pager.as_mut().and_then(|p| p.stdin.take()) {
        Some(stdin) => Box::new(stdin),
        None => Box::new(stdout.lock()),
    };
    // Every byte the commands write passes the sanitiser: only our own
    // colour sequences, and only on a colour terminal, reach the reader.
    let mut out = Guard::new(
        BufWriter::with_capacity(64 * 1024, sink),
        cli::writes_colour(&args),
    );
    let result = cli::run(&args, &mut out);
    let finished = out.finish();
    let broken_pipe = out.broken_pipe();
    // The pager reads to the end of its input and the user quits it: wait for that.
    drop(out);
    if let Some(mut p) = pager {
        let _ = p.wait();
    }
    // The reader went away (`| head`): git ends quietly with 0, and so do
    // we, whichever error the closed pipe surfaced as.
    if broken_pipe {
        return ExitCode::SUCCESS;
    }
    match result {
        Ok(()) => match finished {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                sanitize::warn(format_args!("writing output: {e}"));
                ExitCode::FAILURE
            }
        },
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) if e.is_no_history() => {
            sanitize::warn(&e);
            ExitCode::SUCCESS
        }
        Err(e) if e.is_usage() => {
            sanitize::warn(&e);
            ExitCode::from(2)
        }
        Err(e) => {
            sanitize::warn(format_args!("{:#}", anyhow::Error::from(e)));
            ExitCode::FAILURE
        }
    }
}
