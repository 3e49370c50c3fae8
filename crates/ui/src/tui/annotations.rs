//! The timeline's annotations, worked out on the screens' worker thread:
//! the whole history's lineage (through the lineage cache, so a warm start
//! is cheap) gives each code run its cell and changed line, the outputs say
//! which printed an error, and each save's details name the files saved.

use std::collections::HashMap;

use git2::Oid;

use crate::activity::Content;
use crate::insights::annotate::{Annotation, annotate_runs, named_file};
use crate::insights::stuck::{StuckParams, execution_error, streaks};
use crate::lineage::{self, CachePolicy};
use crate::repo::{DetailStore, Project, Rows};

/// Every code run's and save's annotation among `rows`, by commit.
pub fn annotate(
    project: &Project,
    store: &DetailStore,
    rows: &Rows,
    cache: &CachePolicy,
) -> HashMap<Oid, Annotation> {
    let lineage = lineage::build_cached(project, rows.iter(), None, cache);
    let streaks = streaks(&lineage, &StuckParams::default());
    let at: HashMap<Oid, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.commit(), i))
        .collect();
    let runs = annotate_runs(&lineage, &streaks, |i| {
        let Some(e) = lineage.executions.get(i) else {
            return false;
        };
        at.get(&e.commit)
            .and_then(|&p| rows.get(p))
            .is_some_and(|row| execution_error(e, row, store))
    });
    let mut out: HashMap<Oid, Annotation> = runs
        .into_iter()
        .map(|(c, n)| (c, Annotation::Run(n)))
        .collect();
    for row in rows.iter().filter(|r| super::folds::is_save(*r)) {
        let files: Vec<String> = row
            .details()
            .filter_map(|line| {
                let d = store.detail(row.commit(), &line);
                d.content.iter().find_map(|c| match c {
                    Content::Text { text, .. } => named_file(text).map(str::to_string),
                    _ => None,
                })
            })
            .collect();
        if !files.is_empty() {
            out.insert(row.commit(), Annotation::Save(files));
        }
    }
    out
}
