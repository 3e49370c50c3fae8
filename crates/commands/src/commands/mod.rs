//! The non-interactive commands, one module each, writing to any `Write`
//! over the model and the presentation layer ([`crate::render`]); they know
//! nothing of the TUI. Their shared error and the walk that streams records.

pub mod cell;
pub mod env;
pub mod export;
pub mod files;
pub mod insights;
pub mod log;
pub mod nbcell;
pub mod nbenv;
pub mod nbshow;
pub mod notebooks;
pub mod show;

pub use export::{ExportFormat, ExportOptions, export, export_with};
pub use log::log;
pub use show::show;

use std::io;

use crate::repo::{Project, RecordRow, RepoError, WalkStats};

/// What a command can fail with: the repository, or the output stream.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error("writing output: {0}")]
    Io(#[from] io::Error),
    /// The request makes no sense for this data (not a code record, …).
    #[error("{0}")]
    Usage(String),
}

impl CommandError {
    /// A problem with what the user asked for (path, ref, records): exit code 2.
    pub fn is_usage(&self) -> bool {
        matches!(self, CommandError::Repo(_) | CommandError::Usage(_))
    }

    /// The reader went away (`| head`): not a failure worth reporting.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, CommandError::Io(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

/// Runs a walk that writes as it goes; the first write error stops the walk.
fn walk_writing(
    project: &Project,
    mut each: impl FnMut(&RecordRow) -> io::Result<bool>,
) -> Result<usize, CommandError> {
    let mut failure = None;
    let stats = project.walk(|row| match each(&row) {
        Ok(more) => more,
        Err(e) => {
            failure = Some(e);
            false
        }
    })?;
    if let Some(e) = failure {
        return Err(e.into());
    }
    finish_walk(project, stats)
}

/// After a walk: no records is an error; an incomplete history is said on stderr.
fn finish_walk(project: &Project, stats: WalkStats) -> Result<usize, CommandError> {
    if stats.records == 0 {
        return Err(RepoError::NoRecords {
            rev: project.rev.clone(),
            path: project.path.clone(),
        }
        .into());
    }
    warn_incomplete(&stats);
    Ok(stats.records)
}

/// Says on stderr when a walk could not read the whole history, for every
/// command that reads it (`log`, `export`, `stats`, `stuck`, `cell`, `diff`).
pub fn warn_incomplete(stats: &WalkStats) {
    if let Some(why) = &stats.incomplete {
        crate::render::sanitize::warn(format_args!(
            "history is incomplete ({why}); showing what could be read"
        ));
    }
}
