//! Two versions of a cell prepared for the cell screen, on the worker thread: both read with
//! their outputs, compared by the core function `gtm-tui diff` uses, highlighted, pictures
//! decoded, and why the output changed when the code did not. Reading outputs is the slow
//! part (a plot is kilobytes of base64), so it happens here, for the pair asked for only.

use crate::compare::Comparison;
use crate::nbhistory::{NbHistory, between};
use crate::notebook::{Cell, Parts};
use crate::render::highlight::StyledLine;
use crate::render::notebooks::why_lines;
use crate::render::palette::SyntaxTheme;
use crate::repo::Project;
use crate::tui::history::{PicturePair, pictures_of};

use super::decode::{CellHist, CellVersion, clean, highlight};
use crate::nbhistory::read_version;

/// A pair of versions ready to draw.
#[derive(Debug)]
pub struct NbPair {
    /// Positions in the versions list (newest first): the older, the newer; the same for a
    /// cell's first version.
    pub at: (usize, usize),
    pub cmp: Comparison,
    pub old_hl: Vec<StyledLine>,
    pub new_hl: Vec<StyledLine>,
    pub pictures: Vec<PicturePair>,
    /// "Why did the output change?", as `gtm-tui diff` prints it; empty unless the code is
    /// the same and the output is not.
    pub why: Vec<String>,
}

impl NbPair {
    pub fn first(&self) -> bool {
        self.at.0 == self.at.1
    }
}

/// A version's cell, read whole, with the language its notebook says.
fn read_cell(
    project: &Project,
    history: &NbHistory,
    v: &CellVersion,
) -> Result<(Cell, crate::render::highlight::Lang), String> {
    let blob = history
        .entries
        .get(v.entry)
        .and_then(|e| e.blob)
        .ok_or("this version has no notebook to read")?;
    let nb = read_version(project, blob, Parts::All)?;
    let lang = crate::render::notebooks::kernel_lang(&nb);
    let cell = nb
        .cells
        .into_iter()
        .nth(v.index)
        .ok_or_else(|| format!("the notebook has no cell {} here", v.index + 1))?;
    Ok((cell, lang))
}

/// Compares the versions at positions `at` (older, newer) of `hist`.
pub fn prepare(
    project: &Project,
    history: &NbHistory,
    hist: &CellHist,
    at: (usize, usize),
    syntax: impl Into<SyntaxTheme>,
) -> Result<NbPair, String> {
    let syntax: SyntaxTheme = syntax.into();
    let version = |i: usize| hist.versions.get(i).ok_or("no such version");
    let (ov, nv) = (version(at.0)?, version(at.1)?);
    let (new, lang) = read_cell(project, history, nv)?;
    let old = if at.0 == at.1 {
        new.clone()
    } else {
        read_cell(project, history, ov)?.0
    };
    let cmp = between::compare_cells(&old, &new, at, &clean);
    let why = if at.0 != at.1 && cmp.code.stats.identical && cmp.output_changed {
        between::between(history, nv.entry, ov.entry, hist.number)
            .map(|b| why_lines(&b))
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    Ok(NbPair {
        at,
        old_hl: highlight(&clean(&old.source), old.kind, lang, syntax),
        new_hl: highlight(&clean(&new.source), new.kind, lang, syntax),
        pictures: pictures_of(&cmp),
        cmp,
        why,
    })
}
