//! The notebook at a point in time (`t`): every cell of the selected
//! record's notebook as it stood then, rebuilt from the runs and the last
//! save ([`crate::lineage::at`]), the cells changed since the step before
//! marked; `[`/`]` step through the records that ran its cells, Enter opens
//! a cell's history.

use std::sync::Arc;

use git2::Oid;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::app::Effect;
use super::diffpane::{DiffPane, adapt_lines, key_of};
use super::keymap::Action;
use super::screen::{Loaded, Outcome};
use super::views::Look;
use crate::compare::printed;
use crate::lineage::Lineage;
use crate::lineage::at::{AtCell, Mark, Save, mark, rebuild};
use crate::lineage::notebook::code_cells;
use crate::render::highlight::{Highlighter, Lang, StyledLine};
use crate::render::notebooks::plural;
use crate::render::sanitize;
use crate::render::text::render_output;
use crate::repo::{DetailStore, Project, RecordRow, Rows};
use crate::timefmt;

/// Output lines shown per cell: the screen is for seeing the notebook, the
/// record pane for reading a long log.
const OUTPUT_LINES: usize = 12;

/// One cell as the screen shows it.
#[derive(Debug, Clone)]
pub struct ShownCell {
    /// `#3 In [14]`, or `saved, not run` for a cell the log never ran.
    pub label: String,
    pub mark: Mark,
    pub code: Vec<StyledLine>,
    pub output: Vec<StyledLine>,
    /// The pictures it drew: format, width, height.
    pub images: Vec<(&'static str, u32, u32)>,
    /// The record and `In [n]` of its newest run by then.
    pub run: Option<(Oid, Option<u32>)>,
}

impl ShownCell {
    /// Lines the cell takes on screen: its heading, code, output, pictures
    /// and a blank line (lines are cut at the pane's edge, never wrapped).
    pub fn height(&self) -> usize {
        2 + self.code.len().max(1) + self.output.len() + self.images.len()
    }
}

/// The notebook at one step, read on a worker.
#[derive(Debug, Clone)]
pub struct NbAtView {
    pub step: usize,
    pub at: Oid,
    pub cells: Vec<ShownCell>,
    /// Whether a save of the notebook was found at or before the step.
    pub saved: bool,
}

impl NbAtView {
    /// The line each cell's heading is on.
    pub fn starts(&self) -> Vec<usize> {
        let mut at = 0;
        self.cells
            .iter()
            .map(|c| {
                let here = at;
                at += c.height();
                here
            })
            .collect()
    }
}

pub struct NotebookScreen {
    pub notebook: String,
    /// The record it was opened on.
    pub origin: Oid,
    pub lineage: Option<Arc<Lineage>>,
    /// The records that ran the notebook's cells, oldest first.
    pub steps: Vec<Oid>,
    pub step: usize,
    pub error: Option<String>,
    /// The lineage was built while the history was still loading.
    pub partial: bool,
    pub shown: Option<Arc<NbAtView>>,
    /// The cell selected (j/k), an index into the shown cells.
    pub selected: usize,
    pub pane: DiffPane,
    pub generation: u64,
}

impl NotebookScreen {
    pub fn new(notebook: String, origin: Oid, generation: u64) -> Self {
        NotebookScreen {
            notebook,
            origin,
            lineage: None,
            steps: Vec::new(),
            step: 0,
            error: None,
            partial: false,
            shown: None,
            selected: 0,
            pane: DiffPane {
                height: 10,
                ..DiffPane::default()
            },
            generation,
        }
    }

    /// The step on screen, if its answer is in.
    pub fn current(&self) -> Option<&Arc<NbAtView>> {
        self.shown.as_ref().filter(|v| v.step == self.step)
    }

    fn read(&self) -> Vec<Effect> {
        vec![Effect::NotebookAt {
            generation: self.generation,
        }]
    }

    /// The notebook's lineage arrived: the steps, and the one to show.
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
        let keep = self.steps.get(self.step).copied().unwrap_or(self.origin);
        self.partial = partial;
        self.steps = steps_of(&lineage);
        self.lineage = Some(lineage);
        match self.steps.iter().position(|&c| c == keep) {
            Some(i) => {
                self.step = i;
                self.error = None;
                self.read()
            }
            None => {
                self.error = Some(if partial {
                    "this record is not in the history read so far".into()
                } else {
                    "this record ran no cell of the notebook".into()
                });
                Vec::new()
            }
        }
    }

    /// A step arrived; shown if it is the one on screen.
    pub fn ready(&mut self, generation: u64, view: Arc<NbAtView>) {
        if self.generation != generation || view.step != self.step {
            return;
        }
        // Each step opens on the first cell it changed, so stepping shows what moved.
        let first_changed = view.cells.iter().position(|c| c.mark != Mark::Same);
        self.selected = first_changed
            .unwrap_or(self.selected)
            .min(view.cells.len().saturating_sub(1));
        self.pane.reset();
        self.shown = Some(view);
        self.pane.scroll = 0;
        self.show_selected();
    }

    /// Scrolls so the selected cell's heading is in view.
    fn show_selected(&mut self) {
        let Some(start) = self
            .current()
            .and_then(|v| v.starts().get(self.selected).copied())
        else {
            return;
        };
        let height = self.pane.height.max(1);
        if start < self.pane.scroll || start >= self.pane.scroll + height {
            self.pane.scroll = start;
        }
    }

    /// A key on the screen.
    pub fn update(&mut self, action: Action) -> Outcome {
        match action {
            Action::Back | Action::Quit | Action::Notebook => Outcome::Close,
            Action::PrevRun | Action::NextRun => {
                let older = action == Action::PrevRun;
                let to = if older {
                    self.step.checked_sub(1)
                } else {
                    Some(self.step + 1).filter(|&s| s < self.steps.len())
                };
                match to {
                    Some(s) => {
                        self.step = s;
                        Outcome::Stay(self.read())
                    }
                    None => Outcome::Flash(
                        if older {
                            "the first record that ran this notebook".into()
                        } else {
                            "the last record that ran this notebook".into()
                        },
                        Vec::new(),
                    ),
                }
            }
            Action::Down | Action::Up => {
                let n = self.current().map_or(0, |v| v.cells.len());
                self.selected = if action == Action::Down {
                    (self.selected + 1).min(n.saturating_sub(1))
                } else {
                    self.selected.saturating_sub(1)
                };
                self.show_selected();
                Outcome::nothing()
            }
            Action::Open | Action::CellHistory => {
                let run = self
                    .current()
                    .and_then(|v| v.cells.get(self.selected))
                    .map(|c| c.run);
                match run {
                    Some(Some((commit, ex))) => Outcome::OpenCell(commit, ex, None),
                    Some(None) => Outcome::Flash(
                        "this cell was saved but never run in the log: no history".into(),
                        Vec::new(),
                    ),
                    None => Outcome::nothing(),
                }
            }
            a => {
                self.pane.scroll_key(a);
                Outcome::nothing()
            }
        }
    }
}

/// The records that ran the lineage's cells, oldest first, each once.
pub fn steps_of(l: &Lineage) -> Vec<Oid> {
    let mut out: Vec<Oid> = Vec::new();
    for e in &l.executions {
        if out.last() != Some(&e.commit) {
            out.push(e.commit);
        }
    }
    out
}

/// How many of the lineage's executions ran by record `commit` (it included).
fn upto(l: &Lineage, commit: Oid) -> usize {
    l.executions
        .iter()
        .rposition(|e| e.commit == commit)
        .map_or(0, |i| i + 1)
}

/// The notebook's last save by the first `upto` executions: the notebook in
/// the tree of the newest one's record, and the first execution whose record
/// already held that save.
fn save_at(project: &Project, l: &Lineage, notebook: &str, upto: usize) -> Option<Save> {
    let mut blobs: std::collections::HashMap<Oid, Option<Oid>> = Default::default();
    let mut blob = |i: usize| -> Option<Oid> {
        let e = l.executions.get(i)?;
        *blobs
            .entry(e.commit)
            .or_insert_with(|| project.blob_at(&e.commit.to_string(), notebook))
    };
    let last = upto.checked_sub(1)?;
    let id = blob(last)?;
    let sources = code_cells(&project.blob(id)?)?
        .into_iter()
        .map(|c| c.source)
        .collect();
    let mut before = last;
    while let Some(j) = before.checked_sub(1) {
        if blob(j) != Some(id) {
            break;
        }
        before = j;
    }
    Some(Save { before, sources })
}

/// The notebook at `step` (an index into `steps`), marked against the
/// step before; read on a worker thread.
#[allow(clippy::too_many_arguments)]
pub fn prepare(
    project: &Project,
    store: &DetailStore,
    lineage: &Lineage,
    rows: &Rows,
    notebook: &str,
    steps: &[Oid],
    step: usize,
    syntax: impl Into<crate::render::palette::SyntaxTheme>,
) -> Option<NbAtView> {
    let syntax = syntax.into();
    let at = *steps.get(step)?;
    let cells_at = |commit: Oid| {
        let n = upto(lineage, commit);
        let save = save_at(project, lineage, notebook, n);
        (rebuild(lineage, save.as_ref(), n), save.is_some())
    };
    let (mut now, saved) = cells_at(at);
    let before = step
        .checked_sub(1)
        .and_then(|s| steps.get(s))
        .map(|&c| cells_at(c).0);
    mark(before.as_deref(), &mut now);
    // The records read from: the step's and each cell's newest run's, found in one pass
    // over the history (a long one has hundreds of thousands of records).
    let mut wanted: std::collections::HashSet<Oid> = now
        .iter()
        .filter_map(|c| lineage.executions.get(c.exec?).map(|e| e.commit))
        .collect();
    wanted.insert(at);
    let records: std::collections::HashMap<Oid, RecordRow> = rows
        .iter()
        .filter(|r| wanted.contains(&r.commit()))
        .map(|r| (r.commit(), r.to_row()))
        .collect();
    let lang = records
        .get(&at)
        .map_or(Lang::Plain, |r| super::prepare::language(project, r));
    let cells = now
        .iter()
        .map(|c| shown(store, lineage, &records, c, lang, syntax))
        .collect();
    Some(NbAtView {
        step,
        at,
        cells,
        saved,
    })
}

fn shown(
    store: &DetailStore,
    l: &Lineage,
    records: &std::collections::HashMap<Oid, RecordRow>,
    c: &AtCell,
    lang: Lang,
    syntax: crate::render::palette::SyntaxTheme,
) -> ShownCell {
    let number = c
        .cell
        .and_then(|i| l.cells.get(i))
        .and_then(|cell| cell.id.rsplit('#').next())
        .map(|n| format!("#{n}"));
    let exec = c.exec.and_then(|i| l.executions.get(i));
    let label = match (number, exec) {
        (Some(n), Some(e)) => match e.ex {
            Some(ex) => format!("{n} In [{ex}]"),
            None => n,
        },
        _ => "saved, not run in the log".into(),
    };
    let code = Highlighter::get().highlight(&sanitize::text(&c.source), lang, syntax);
    let mut output = Vec::new();
    let mut images = Vec::new();
    if let Some(e) = exec
        && let Some(row) = records.get(&e.commit)
    {
        let p = printed(store, row, e);
        if !p.text.trim().is_empty() {
            output = render_output(&sanitize::text(&p.text), Style::default());
            if output.len() > OUTPUT_LINES {
                let more = output.len() - OUTPUT_LINES;
                output.truncate(OUTPUT_LINES);
                output.push(vec![(
                    Style::default(),
                    format!(
                        "… {} (Enter shows the cell's runs)",
                        plural(more, "more line")
                    ),
                )]);
            }
        }
        images = p
            .images
            .iter()
            .map(|i| (i.format.name(), i.width, i.height))
            .collect();
        for err in &p.errors {
            output.push(vec![(Style::default(), sanitize::line(err).into_owned())]);
        }
    }
    ShownCell {
        label,
        mark: c.mark,
        code,
        output,
        images,
        run: exec.map(|e| (e.commit, e.ex)),
    }
}

/// Draws the screen; the step's record is looked up in `loaded`.
pub fn render(
    look: &Look<'_>,
    screen: &NotebookScreen,
    loaded: Loaded<'_>,
    f: &mut Frame,
    body: Rect,
) {
    let at = screen
        .steps
        .get(screen.step)
        .copied()
        .unwrap_or(screen.origin);
    let when = loaded
        .row(at)
        .map_or(String::new(), |r| timefmt::local_minutes(r.time()));
    let title = format!(
        " Notebook {} at {when} · step {}/{}{} ",
        sanitize::line(&screen.notebook),
        screen.step + 1,
        screen.steps.len().max(1),
        if screen.partial {
            " · of the history read so far"
        } else {
            ""
        }
    );
    if let Some(e) = &screen.error {
        let msg = format!(" {e}");
        screen.pane.render(look, f, body, &title, true, &msg, None);
        return;
    }
    let Some(view) = screen.current() else {
        let waiting = if screen.lineage.is_none() {
            " tying the notebook's runs into cells…"
        } else {
            " rebuilding the notebook…"
        };
        screen
            .pane
            .render(look, f, body, &title, true, waiting, None);
        return;
    };
    let build = |_w: u16, _unified: bool| lines(look, view, screen.selected);
    screen.pane.render(
        look,
        f,
        body,
        &title,
        true,
        "",
        Some((key_of(view, screen.selected as u64), &build)),
    );
}

/// The notebook's lines: a gutter marks changed cells, the selected cell's
/// heading stands out.
fn lines(look: &Look<'_>, view: &NbAtView, selected: usize) -> Vec<Line<'static>> {
    let t = look.theme;
    let (bar, rule, by) = if look.ascii {
        ("|", "|", "x")
    } else {
        ("▌", "│", "×")
    };
    let mut out = Vec::new();
    if view.cells.is_empty() {
        out.push(Line::styled(" no cell had run by this record", t.dim));
    }
    let changed = view.cells.iter().filter(|c| c.mark != Mark::Same).count();
    for (i, c) in view.cells.iter().enumerate() {
        let marked = c.mark != Mark::Same;
        let gutter = || {
            if marked {
                Span::styled(bar, t.warning)
            } else {
                Span::raw(" ")
            }
        };
        let head_style = if i == selected { t.selected } else { t.title };
        let pointer = if i == selected { ">" } else { " " };
        let mut head = vec![
            gutter(),
            Span::styled(format!("{pointer}{} ", c.label), head_style),
        ];
        if marked {
            head.push(Span::styled(c.mark.word(), t.badge));
        }
        out.push(Line::from(head));
        let code = adapt_lines(&c.code, look.depth);
        if code.is_empty() {
            out.push(Line::from(vec![gutter(), Span::styled("  (empty)", t.dim)]));
        }
        for l in code {
            let mut spans = vec![gutter(), Span::raw("  ")];
            spans.extend(l.into_iter().map(|(s, text)| Span::styled(text, s)));
            out.push(Line::from(spans));
        }
        for l in adapt_lines(&c.output, look.depth) {
            let mut spans = vec![gutter(), Span::styled(format!("  {rule} "), t.dim)];
            spans.extend(
                l.into_iter()
                    .map(|(s, text)| Span::styled(text, t.output.patch(s))),
            );
            out.push(Line::from(spans));
        }
        for (format, w, h) in &c.images {
            out.push(Line::from(vec![
                gutter(),
                Span::styled(format!("  {rule} [picture {format} {w}{by}{h}]"), t.badge),
            ]));
        }
        out.push(Line::raw(""));
    }
    let order = if view.saved {
        "in the last save's order, then runs since"
    } else {
        "no save: in the order first run"
    };
    out.push(Line::styled(
        format!(
            " {} · {changed} changed since the step before · {order}",
            plural(view.cells.len(), "cell"),
        ),
        t.dim,
    ));
    if look.ascii {
        for l in &mut out {
            for s in &mut l.spans {
                s.content = super::views::plain(&s.content, true).into();
            }
        }
    }
    out
}
