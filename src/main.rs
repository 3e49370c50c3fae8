//! The gtm-tui binary: parse arguments, run, map failures to exit codes.

use std::io::{self, BufWriter};
use std::process::ExitCode;

use clap::Parser;
use gtm_tui::cli::{self, Cli};

fn main() -> ExitCode {
    let args = Cli::parse();
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(64 * 1024, stdout.lock());
    match cli::run(&args, &mut out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) if e.is_usage() => {
            let _ = io::Write::flush(&mut out);
            eprintln!("gtm-tui: {e}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("gtm-tui: {:#}", anyhow::Error::from(e));
            ExitCode::FAILURE
        }
    }
}
