//! What a project's history says about how its people worked, read from
//! the history alone (no telemetry): where they got stuck ([`stuck`]), what
//! they did and used ([`stats`]), and a research export that keeps who they
//! are out of it ([`anonymize`]). The `stuck` and `stats` commands that
//! print them live in gtm-commands.

pub mod annotate;
pub mod anonymize;
pub mod stats;
pub mod stuck;

pub use anonymize::Anonymizer;
pub use stats::{Stats, stats};
pub use stuck::{Streak, StuckParams, streaks};

use crate::lineage::Lineage;
use crate::repo::{Project, RecordView};

/// The streaks of a project, errors counted, ranked. `rows` are those the
/// lineage was built from (`&RecordRow`s or packed `RowRef`s).
pub fn find_streaks<'a, R: RecordView<'a>>(
    project: &Project,
    rows: impl IntoIterator<Item = R>,
    lineage: &Lineage,
    params: &StuckParams,
) -> Vec<Streak> {
    let mut found = streaks(lineage, params);
    stuck::count_errors(&mut found, lineage, rows, &project.details());
    found
}
