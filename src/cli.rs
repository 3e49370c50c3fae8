//! Command-line arguments (clap) and dispatch to the commands.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use crate::commands::{self, CommandError, ExportFormat};
use crate::repo::Project;

/// Read the activity history of a Gigantum project: every cell run, output,
/// environment and file change, from the project's git repository.
#[derive(Debug, Parser)]
#[command(name = "gtm-tui", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// Branch, tag or commit to read (default HEAD), e.g. gm.workspace-alice or origin/master.
    #[arg(long, global = true, value_name = "REF")]
    pub rev: Option<String>,

    /// Project directory; the repository is found by walking up from here.
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// One line per record, newest first: hash, local time, author, type, message, detail count.
    Log {
        /// Stop after N records.
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        /// One JSON object per line instead of text.
        #[arg(long)]
        json: bool,
        #[arg(value_name = "PATH")]
        path: Option<PathBuf>,
    },
    /// One record with every detail decoded.
    Show {
        /// The record's commit (full or abbreviated hash, or any git revision).
        commit: String,
        #[arg(value_name = "PATH")]
        path: Option<PathBuf>,
    },
    /// Every record with every detail decoded, as JSON (fields in README).
    Export {
        #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
        format: ExportFormat,
        #[arg(value_name = "PATH")]
        path: Option<PathBuf>,
    },
}

fn open(path: Option<&Path>, rev: Option<&str>) -> Result<Project, CommandError> {
    let path = path.unwrap_or(Path::new("."));
    Ok(Project::open(path, rev)?)
}

/// Runs what the arguments ask for, writing to `out`.
pub fn run(cli: &Cli, out: &mut impl Write) -> Result<(), CommandError> {
    let rev = cli.rev.as_deref();
    match &cli.command {
        None => {
            let project = open(cli.path.as_deref(), rev)?;
            commands::log(&project, None, false, out)?;
        }
        Some(Command::Log { limit, json, path }) => {
            let project = open(path.as_deref(), rev)?;
            commands::log(&project, *limit, *json, out)?;
        }
        Some(Command::Show { commit, path }) => {
            let project = open(path.as_deref(), rev)?;
            commands::show(&project, commit, out)?;
        }
        Some(Command::Export { format, path }) => {
            let project = open(path.as_deref(), rev)?;
            commands::export(&project, *format, out)?;
        }
    }
    Ok(())
}
