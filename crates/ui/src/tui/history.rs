//! The cell history screen: one cell's runs, newest first, and the diff of
//! the selected run against the one before it (or against a marked run).

use crate::render::palette::SyntaxTheme;
use std::sync::Arc;

use git2::Oid;

use super::app::Effect;
use super::diffpane::PaneFocus;
use super::keymap::Action;
use super::listpane::{ListKey, ListPane, Order};
use super::screen::Outcome;
use crate::compare::{Comparison, compare};
use crate::diff::diff_text;
use crate::lineage::{self, Lineage};
use crate::render::highlight::{Highlighter, Lang, StyledLine};
use crate::render::image::{Picture, PixelDiff, decode, pixel_diff};
use crate::repo::{DetailStore, Project, RecordRow, Rows};

/// A run as listed: what changed against the run before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunStat {
    /// Index into the lineage's executions.
    pub exec: usize,
    /// Lines added and removed against the previous run; `None` for the first run.
    pub lines: Option<(usize, usize)>,
    /// Whether the output differs from the previous run's; `None` for the first run.
    pub output_changed: Option<bool>,
}

/// A notebook's lineage with the runs of the cell the screen was opened on.
#[derive(Debug, Clone)]
pub struct CellRuns {
    pub lineage: Arc<Lineage>,
    /// Index into `lineage.cells`.
    pub cell: usize,
    /// The cell's runs, oldest first.
    pub runs: Vec<RunStat>,
    /// The execution the screen was opened on.
    pub origin: usize,
}

/// A picture decoded for drawing, or why it could not be.
pub type Decoded = Option<Result<Picture, String>>;

/// The n-th picture of the old and of the new run, decoded for drawing, and the two compared
/// pixel by pixel when both are there and differ.
#[derive(Debug, Clone)]
pub struct PicturePair {
    pub old: Decoded,
    pub new: Decoded,
    /// `None` when there are not two different pictures to compare; an error when one of them
    /// could not be read for the comparison.
    pub pixels: Option<Result<PixelDiff, String>>,
}

impl PicturePair {
    /// Whether two pictures of this pair were compared (or tried to be).
    pub fn has_pixels(&self) -> bool {
        self.pixels.is_some()
    }
}

/// Two runs prepared for drawing: compared, highlighted, pictures decoded.
pub struct PairView {
    pub cmp: Comparison,
    pub lang: Lang,
    pub old_hl: Vec<StyledLine>,
    pub new_hl: Vec<StyledLine>,
    /// Per image pair: the old and new pictures.
    pub pictures: Vec<PicturePair>,
}

impl std::fmt::Debug for PairView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PairView")
            .field("old", &self.cmp.old)
            .field("new", &self.cmp.new)
            .finish_non_exhaustive()
    }
}

/// The screen's state.
pub struct CellScreen {
    pub notebook: String,
    /// The record and execution count it was opened on.
    pub origin: Oid,
    pub origin_ex: Option<u32>,
    /// Set once the lineage has been read.
    pub runs: Option<CellRuns>,
    /// Why the runs could not be shown.
    pub error: Option<String>,
    /// The lineage was built while the history was still loading.
    pub partial: bool,
    /// The runs (newest first) over the diff of the selected pair.
    pub list: ListPane,
    /// A marked execution: the diff compares it with the selected run.
    pub mark: Option<usize>,
    /// The run to mark once the lineage is read (record, `In [n]`): a retry
    /// streak opens on its first attempt against its last.
    pub mark_on: Option<(Oid, Option<u32>)>,
    /// The pair last asked for (old, new), and the one on screen.
    pub wanted: Option<(usize, usize)>,
    pub shown: Option<Arc<PairView>>,
    /// Which request is current: older answers are dropped.
    pub generation: u64,
}

impl CellScreen {
    pub fn new(notebook: String, origin: Oid, origin_ex: Option<u32>, generation: u64) -> Self {
        CellScreen {
            notebook,
            origin,
            origin_ex,
            runs: None,
            error: None,
            partial: false,
            list: ListPane::default(),
            mark: None,
            mark_on: None,
            wanted: None,
            shown: None,
            generation,
        }
    }

    /// The execution of the selected run.
    pub fn selected_exec(&self) -> Option<usize> {
        let runs = &self.runs.as_ref()?.runs;
        let at = runs.len().checked_sub(1)?.checked_sub(self.list.selected)?;
        runs.get(at).map(|r| r.exec)
    }

    /// The record of the selected run.
    pub fn selected_commit(&self) -> Option<git2::Oid> {
        let i = self.selected_exec()?;
        Some(self.runs.as_ref()?.lineage.executions.get(i)?.commit)
    }

    /// Takes the lineage: finds the cell, selects the run opened on, and
    /// says which pair to compare.
    pub fn set_lineage(&mut self, lineage: Arc<Lineage>, partial: bool) -> Option<(usize, usize)> {
        self.partial = partial;
        let keep = self.selected_exec().and_then(|i| {
            let e = self.runs.as_ref()?.lineage.executions.get(i)?;
            Some((e.commit, e.ex))
        });
        let kept_mark = self.mark.and_then(|i| {
            let e = self.runs.as_ref()?.lineage.executions.get(i)?;
            Some((e.commit, e.ex))
        });
        let Some(origin) = lineage.find(self.origin, self.origin_ex) else {
            self.error = Some(if partial {
                "this run is not in the history read so far".into()
            } else {
                "this record recorded no code".into()
            });
            return None;
        };
        let Some(cell) = lineage.cell.get(origin).copied() else {
            self.error = Some("the run has no cell".into());
            return None;
        };
        self.error = None;
        let runs = run_stats(&lineage, cell);
        // After a reload, stay on the run that was selected.
        let want = keep
            .and_then(|(c, ex)| lineage.find(c, ex))
            .unwrap_or(origin);
        let pos = runs.iter().rposition(|r| r.exec == want).unwrap_or(0);
        self.list.selected = runs.len().saturating_sub(1).saturating_sub(pos);
        // Indices of an older lineage mean nothing in this one.
        self.wanted = None;
        self.shown = None;
        // A run to mark, if it is one of this cell's and not the one selected.
        let selected = runs.get(pos).map(|r| r.exec);
        // The marked run stays marked through a reload; a run to mark on opening is marked
        // once it is read, and after that the user's marking is what counts.
        self.mark = kept_mark
            .or(self.mark_on)
            .and_then(|(c, ex)| lineage.find(c, ex))
            .filter(|m| runs.iter().any(|r| r.exec == *m) && Some(*m) != selected);
        if self.mark.is_some() {
            self.mark_on = None;
        }
        self.runs = Some(CellRuns {
            lineage,
            cell,
            runs,
            origin,
        });
        self.pair()
    }

    /// The pair to show: the marked run against the selected one, else the
    /// selected run against the run before it (itself, for the first run).
    pub fn pair(&self) -> Option<(usize, usize)> {
        let runs = &self.runs.as_ref()?.runs;
        let new = self.selected_exec()?;
        if let Some(m) = self.mark.filter(|&m| m != new) {
            return Some((m.min(new), m.max(new)));
        }
        let at = runs.iter().position(|r| r.exec == new)?;
        let old = at
            .checked_sub(1)
            .and_then(|p| runs.get(p))
            .map_or(new, |r| r.exec);
        Some((old, new))
    }

    fn run_count(&self) -> usize {
        self.runs.as_ref().map_or(0, |r| r.runs.len())
    }

    /// Asks for a comparison unless it is the one already wanted.
    pub fn compare(&mut self, pair: Option<(usize, usize)>) -> Vec<Effect> {
        let Some((old, new)) = pair else {
            return Vec::new();
        };
        if self.wanted == Some((old, new)) {
            return Vec::new();
        }
        self.wanted = Some((old, new));
        vec![Effect::Compare {
            old,
            new,
            generation: self.generation,
        }]
    }

    /// A key on the screen.
    pub fn update(&mut self, action: Action) -> Outcome {
        match (action, self.list.focus) {
            (Action::Back | Action::Quit | Action::CellHistory, _) => return Outcome::Close,
            (Action::Open, PaneFocus::List) => {
                return match self.selected_commit() {
                    Some(c) => Outcome::GoTo(c),
                    None => Outcome::nothing(),
                };
            }
            (Action::Mark, _) => {
                let sel = self.selected_exec();
                self.mark = if self.mark == sel { None } else { sel };
                self.list.pane.scroll = 0;
                let fx = self.compare(self.pair());
                return Outcome::Flash(
                    if self.mark.is_some() {
                        "run marked: pick another run to compare with it (m again unmarks)"
                    } else {
                        "mark removed: comparing with the previous run"
                    }
                    .into(),
                    fx,
                );
            }
            (Action::PixelDiff, _) => {
                let pictures = self.shown.as_ref().map_or(&[][..], |v| &v.pictures[..]);
                return pixel_key(&mut self.list, pictures);
            }
            _ => {}
        }
        match self.list.key(action, self.run_count(), Order::NextIsUp) {
            ListKey::Selected => Outcome::Stay(self.compare(self.pair())),
            ListKey::Unified(now) => Outcome::Flash(unified_note(now), Vec::new()),
            ListKey::Whole(now) => Outcome::Flash(whole_note(now), Vec::new()),
            ListKey::Done | ListKey::Ignored => Outcome::nothing(),
        }
    }

    /// The notebook's lineage arrived for request `generation`: the runs,
    /// and the comparison to ask for.
    pub fn lineage_ready(
        &mut self,
        generation: u64,
        notebook: &str,
        lineage: Arc<Lineage>,
        partial: bool,
    ) -> Vec<Effect> {
        if self.generation != generation || self.notebook != notebook {
            return Vec::new();
        }
        let pair = self.set_lineage(lineage, partial);
        self.compare(pair)
    }

    /// A comparison arrived; shown if it is the one last asked for.
    pub fn compared(&mut self, generation: u64, view: Arc<PairView>) {
        if self.generation == generation && self.wanted == Some((view.cmp.old, view.cmp.new)) {
            self.list.pane.reset();
            self.shown = Some(view);
        }
    }
}

/// `p` on a cell screen: the pixel view on or off, or why there is none. Off always works, so
/// moving to a pair without pictures never strands the view on.
pub fn pixel_key(list: &mut ListPane, pictures: &[PicturePair]) -> Outcome {
    if !list.pane.pixels && !any_pixels(pictures) {
        return Outcome::Flash(NO_PIXELS.into(), Vec::new());
    }
    Outcome::Flash(pixels_note(list.pane.toggle_pixels()), Vec::new())
}

/// What the status line says after `z` on a diff.
pub fn whole_note(whole: bool) -> String {
    if whole {
        "whole texts (z folds unchanged stretches)"
    } else {
        "unchanged stretches folded (z shows them whole)"
    }
    .into()
}

/// What the status bar says after `u`.
pub fn unified_note(now: bool) -> String {
    if now {
        "unified diff"
    } else {
        "side-by-side diff"
    }
    .into()
}

/// Each run of `cell` against the run before it.
pub fn run_stats(l: &Lineage, cell: usize) -> Vec<RunStat> {
    let Some(c) = l.cells.get(cell) else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(c.runs.len());
    let mut prev: Option<&lineage::Execution> = None;
    for &i in &c.runs {
        let Some(e) = l.executions.get(i) else {
            continue;
        };
        let (lines, output_changed) = match prev {
            None => (None, None),
            Some(p) if p.source == e.source => (Some((0, 0)), Some(p.outputs != e.outputs)),
            Some(p) => {
                let d = diff_text(&p.source, &e.source);
                (
                    Some((d.stats.added, d.stats.removed)),
                    Some(p.outputs != e.outputs),
                )
            }
        };
        out.push(RunStat {
            exec: i,
            lines,
            output_changed,
        });
        prev = Some(e);
    }
    out
}

/// Largest picture decoded for the screen: a half-block picture needs
/// two pixels per cell row and one per column.
pub const PICTURE_MAX: u32 = 640;

/// The pictures of a comparison decoded for the screen, pair by pair (on a worker thread:
/// decoding a plot takes milliseconds). The notebook timeline's cell screen decodes its own
/// with this too.
pub fn pictures_of(cmp: &Comparison) -> Vec<PicturePair> {
    let pic = |i: Option<&crate::activity::ImageInfo>| {
        i.map(|i| decode(&i.data, PICTURE_MAX, PICTURE_MAX))
    };
    cmp.images
        .iter()
        .map(|p| PicturePair {
            old: pic(p.old.as_ref()),
            new: pic(p.new.as_ref()),
            pixels: match (&p.old, &p.new) {
                (Some(o), Some(n)) if !p.identical() => {
                    Some(pixel_diff(&o.data, &n.data).map(|d| d.shrink_mask(PICTURE_MAX)))
                }
                _ => None,
            },
        })
        .collect()
}

/// Whether any pair of pictures on screen can be compared pixel by pixel (`p`).
pub fn any_pixels(pictures: &[PicturePair]) -> bool {
    pictures.iter().any(PicturePair::has_pixels)
}

/// What the status line says after `p`.
pub fn pixels_note(on: bool) -> String {
    if on {
        "differing pixels marked (p shows the pictures side by side)"
    } else {
        "pictures side by side (p marks the pixels that differ)"
    }
    .into()
}

/// What the status line says after `p` where no two pictures differ.
pub const NO_PIXELS: &str = "no two pictures differ here to compare pixel by pixel";

/// Compares two runs and prepares them for drawing (on a worker thread).
pub fn prepare_pair(
    project: &Project,
    store: &DetailStore,
    lineage: &Lineage,
    rows: &Rows,
    old: usize,
    new: usize,
    syntax: impl Into<SyntaxTheme>,
) -> Option<PairView> {
    let syntax: SyntaxTheme = syntax.into();
    let rows = rows_between(rows, lineage, old, new);
    let cmp = compare(store, lineage, &rows, old, new)?;
    let lang = lineage
        .executions
        .get(cmp.new)
        .and_then(|e| rows.iter().find(|r| r.commit == e.commit))
        .map_or(Lang::Plain, |r| super::prepare::language(project, r));
    let h = Highlighter::get();
    let source = |i: usize| {
        lineage
            .executions
            .get(i)
            .map_or(String::new(), |e| e.source.clone())
    };
    let old_hl = h.highlight(&source(cmp.old), lang, syntax);
    let new_hl = h.highlight(&source(cmp.new), lang, syntax);
    let pictures = pictures_of(&cmp);
    Some(PairView {
        cmp,
        lang,
        old_hl,
        new_hl,
        pictures,
    })
}

/// The records from one run's to the other's (newest first), unpacked:
/// all a comparison reads.
fn rows_between(rows: &Rows, lineage: &Lineage, a: usize, b: usize) -> Vec<RecordRow> {
    let at = |i: usize| {
        lineage
            .executions
            .get(i)
            .and_then(|e| rows.position(e.commit))
    };
    let (Some(x), Some(y)) = (at(a), at(b)) else {
        return Vec::new();
    };
    (x.min(y)..=x.max(y))
        .filter_map(|i| rows.get(i).map(|r| r.to_row()))
        .collect()
}

/// The lineage of one notebook, from the rows loaded so far (newest first),
/// through the lineage cache `cache` names.
pub fn notebook_lineage(
    project: &Project,
    rows: &Rows,
    notebook: &str,
    cache: &lineage::CachePolicy,
) -> Lineage {
    // Read where they are packed; `build` keeps the notebook's own.
    lineage::build_cached(project, rows.iter(), Some(notebook), cache)
}
