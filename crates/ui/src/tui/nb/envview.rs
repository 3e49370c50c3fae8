//! The notebook timeline's environment screen (`e`): what the ordinary environment files
//! declare at a commit, per file and manager, what that commit changed, and the difference from
//! a marked point; `[`/`]` step through the commits that changed an environment file. Read on
//! the decoding worker; the lines are the `env` command's ([`crate::render::nbenv`]).

use std::sync::Arc;

use git2::Oid;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::{NbApp, NbEffect, NbScreen};
use crate::env::declared::{Declared, DeclaredDiff, diff};
use crate::env::files::declared_at;
use crate::nbhistory::NbCommit;
use crate::render::nbenv::{self, EnvLine, EnvTone};
use crate::render::sanitize;
use crate::repo::{Project, short_id};
use crate::timefmt;
use crate::tui::diffpane::{DiffPane, key_of};
use crate::tui::keymap::Action;
use crate::tui::theme::Theme;
use crate::tui::views::{Look, plain};

/// What the worker reads for the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvRequest {
    pub generation: u64,
    pub at: Oid,
    /// The commit's first parent, when the commit changed an environment file: what it changed
    /// is the difference from there (`None` and `changed`: a root commit, from nothing).
    pub parent: Option<Oid>,
    pub changed: bool,
    pub mark: Option<Oid>,
}

/// The environment at a commit, read.
#[derive(Debug)]
pub struct EnvView {
    pub at: Oid,
    pub mark: Option<Oid>,
    pub declared: Result<Declared, String>,
    /// What the commit changed, when it changed an environment file.
    pub changed: Option<Result<DeclaredDiff, String>>,
    /// The difference from the marked point to `at`.
    pub against: Option<Result<DeclaredDiff, String>>,
}

/// Where the commit shown sits, for `[`/`]`: a timeline row, or one of the commits that
/// changed an environment file ([`NbApp::env_commits`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvPos {
    Row(usize),
    Env(usize),
}

pub struct EnvScreen {
    pub at: Arc<NbCommit>,
    pub pos: EnvPos,
    pub mark: Option<Arc<NbCommit>>,
    pub shown: Option<Arc<EnvView>>,
    pub pane: DiffPane,
    pub generation: u64,
}

impl EnvScreen {
    fn request(&self) -> EnvRequest {
        let changed = !self.at.env_files.is_empty();
        EnvRequest {
            generation: self.generation,
            at: self.at.id,
            parent: changed.then(|| self.at.parents.first().copied()).flatten(),
            changed,
            mark: self
                .mark
                .as_ref()
                .map(|m| m.id)
                .filter(|m| *m != self.at.id),
        }
    }

    /// Whether `view` answers what the screen asks now.
    fn current(&self) -> Option<&Arc<EnvView>> {
        let want = self.request();
        self.shown
            .as_ref()
            .filter(|v| v.at == want.at && v.mark == want.mark)
    }
}

/// Reads what `req` asks (worker thread).
pub fn prepare(project: &Project, req: &EnvRequest) -> EnvView {
    let read = |c: Oid| declared_at(project, c).map_err(|e| e.to_string());
    let declared = read(req.at);
    let from = |old: Result<Declared, String>| match (&old, &declared) {
        (Ok(o), Ok(n)) => Ok(diff(o, n)),
        (Err(e), _) | (_, Err(e)) => Err(e.clone()),
    };
    let changed = req.changed.then(|| match req.parent {
        Some(p) => from(read(p)),
        None => from(Ok(Declared::default())),
    });
    let against = req.mark.map(|m| from(read(m)));
    EnvView {
        at: req.at,
        mark: req.mark,
        declared,
        changed,
        against,
    }
}

impl NbApp {
    /// `e`: the environment at the selected row's commit.
    pub(super) fn open_env(&mut self) -> Vec<NbEffect> {
        let Some(row) = self.current() else {
            self.flash = Some("no commit here".into());
            return Vec::new();
        };
        let at = Arc::clone(&row.commit);
        // A row's place among all rows read, not among those a filter shows.
        let row = self
            .narrow
            .all
            .iter()
            .position(|r| r.id() == row.id())
            .unwrap_or(self.selected);
        let pos = match self.env_commits.iter().position(|(_, c)| c.id == at.id) {
            Some(k) => EnvPos::Env(k),
            None => EnvPos::Row(row),
        };
        self.generation += 1;
        let screen = EnvScreen {
            at,
            pos,
            mark: None,
            shown: None,
            pane: DiffPane {
                height: self.pane_height.max(self.list_height),
                ..DiffPane::default()
            },
            generation: self.generation,
        };
        let req = screen.request();
        self.screen = Some(NbScreen::Env(screen));
        vec![NbEffect::Env(req)]
    }

    /// The commit that changed an environment file before (older) or after the one shown.
    fn env_neighbour(&self, pos: EnvPos, older: bool) -> Option<usize> {
        let n = self.env_commits.len();
        match pos {
            EnvPos::Env(k) if older => (k + 1 < n).then_some(k + 1),
            EnvPos::Env(k) => k.checked_sub(1),
            // A row's commit changed no environment file: the environment commits walked
            // before its rows are newer than it, the others older.
            EnvPos::Row(r) => {
                let newer = self.env_commits.partition_point(|(before, _)| *before <= r);
                if older {
                    (newer < n).then_some(newer)
                } else {
                    newer.checked_sub(1)
                }
            }
        }
    }

    /// A key on the environment screen.
    pub(super) fn env_action(&mut self, action: Action) -> Vec<NbEffect> {
        let Some(NbScreen::Env(s)) = &self.screen else {
            return Vec::new();
        };
        let pos = s.pos;
        match action {
            Action::Back | Action::Quit | Action::Environment | Action::Left => {
                self.screen = None;
                Vec::new()
            }
            Action::PrevRun | Action::NextRun => {
                let older = action == Action::PrevRun;
                let next = self
                    .env_neighbour(pos, older)
                    .and_then(|k| Some((k, Arc::clone(&self.env_commits.get(k)?.1))));
                let Some((k, commit)) = next else {
                    self.flash = Some(
                        if older {
                            "no earlier commit changed an environment file"
                        } else {
                            "no later commit changed an environment file"
                        }
                        .into(),
                    );
                    return Vec::new();
                };
                let Some(NbScreen::Env(s)) = &mut self.screen else {
                    return Vec::new();
                };
                s.at = commit;
                s.pos = EnvPos::Env(k);
                s.pane.scroll = 0;
                vec![NbEffect::Env(s.request())]
            }
            Action::Mark => {
                let Some(NbScreen::Env(s)) = &mut self.screen else {
                    return Vec::new();
                };
                let marked = s.mark.as_ref().is_some_and(|m| m.id == s.at.id);
                s.mark = if marked {
                    None
                } else {
                    Some(Arc::clone(&s.at))
                };
                // Marking the commit shown compares it with nothing: a view read against an
                // older mark no longer answers.
                let fx = if s.current().is_none() {
                    vec![NbEffect::Env(s.request())]
                } else {
                    Vec::new()
                };
                if !marked {
                    self.flash = Some(
                        "point marked: step with [ ] to compare another with it (m unmarks)".into(),
                    );
                }
                fx
            }
            Action::Help => {
                self.help = true;
                Vec::new()
            }
            a => {
                if let Some(NbScreen::Env(s)) = &mut self.screen {
                    s.pane.scroll_key(a);
                }
                Vec::new()
            }
        }
    }

    /// An environment arrived: kept if it is for the screen open now.
    pub fn env_ready(&mut self, generation: u64, view: Arc<EnvView>) {
        if let Some(NbScreen::Env(s)) = &mut self.screen
            && s.generation == generation
        {
            s.pane.reset();
            s.shown = Some(view);
        }
    }
}

fn style(t: &Theme, tone: EnvTone) -> Style {
    match tone {
        EnvTone::Heading => t.title,
        EnvTone::Text => t.text,
        EnvTone::Dim => t.dim,
        EnvTone::Added => t.badge,
        EnvTone::Removed | EnvTone::Error => t.error,
        EnvTone::Changed => t.warning,
    }
}

fn styled(look: &Look<'_>, lines: Vec<EnvLine>) -> Vec<Line<'static>> {
    lines
        .into_iter()
        .map(|l| Line::styled(plain(&l.text, look.ascii), style(look.theme, l.tone)))
        .collect()
}

/// Draws the screen in `body`.
/// Lines of one span wider than the pane broken at spaces, the rest indented: the screen's
/// sentences (what was looked for, errors) are read whole, never cut at the edge.
fn wrap_long(lines: Vec<Line<'static>>, width: u16) -> Vec<Line<'static>> {
    use unicode_width::UnicodeWidthStr;
    let width = usize::from(width.max(20));
    let mut out = Vec::with_capacity(lines.len());
    for l in lines {
        if l.spans.len() != 1 || l.width() <= width {
            out.push(l);
            continue;
        }
        let style = l.spans[0].style;
        let text = l.spans[0].content.as_ref();
        let body = text.trim_start_matches(' ');
        let indent = " ".repeat(text.len() - body.len());
        let mut cur = indent.clone();
        let mut fresh = true;
        for word in body.split(' ') {
            if !fresh && cur.width() + 1 + word.width() > width {
                out.push(Line::styled(
                    std::mem::replace(&mut cur, format!("{indent}  ")),
                    style,
                ));
            } else if !fresh {
                cur.push(' ');
            }
            cur.push_str(word);
            fresh = false;
        }
        out.push(Line::styled(cur, style));
    }
    out
}

pub fn render(look: &Look<'_>, s: &EnvScreen, f: &mut Frame, body: Rect) {
    let title = format!(
        " Environment as of {} · {} · {} ",
        short_id(s.at.id),
        timefmt::local_minutes(s.at.time),
        sanitize::line(s.at.summary())
    );
    let Some(view) = s.current() else {
        s.pane.render(
            look,
            f,
            body,
            &title,
            true,
            " reading the environment files…",
            None,
        );
        return;
    };
    let build = |width: u16, _unified: bool| wrap_long(env_lines(look, s, view), width);
    s.pane.render(
        look,
        f,
        body,
        &title,
        true,
        "",
        Some((key_of(view, 5), &build)),
    );
}

fn env_lines(look: &Look<'_>, s: &EnvScreen, view: &EnvView) -> Vec<Line<'static>> {
    let t = look.theme;
    let mut out = Vec::new();
    // A difference in one line (where from, and its summary), then what it was, package by
    // package, as `env --diff` prints it.
    let mut difference = |label: String, d: &Result<DeclaredDiff, String>| {
        match d {
            Ok(d) => {
                out.push(Line::from(vec![
                    Span::styled(plain(&label, look.ascii), t.dim),
                    Span::styled(d.summary(), t.badge),
                ]));
                if !d.is_empty() {
                    // Its first lines are a blank and the summary, said above.
                    out.extend(
                        styled(look, nbenv::diff_lines(d, look.ascii))
                            .into_iter()
                            .skip(2),
                    );
                }
            }
            Err(e) => out.push(Line::styled(
                format!("{label}{}", sanitize::line(e)),
                t.error,
            )),
        }
        out.push(Line::raw(""));
    };
    if let Some(d) = &view.changed {
        let files =
            s.at.env_files
                .iter()
                .map(|f| sanitize::line(f).into_owned())
                .collect::<Vec<_>>()
                .join(", ");
        difference(format!("this commit changed {files}  "), d);
    }
    if let (Some(d), Some(m)) = (&view.against, &s.mark) {
        difference(
            format!(
                "since the marked point {} ({})  ",
                short_id(m.id),
                timefmt::local_minutes(m.time)
            ),
            d,
        );
    }
    if view.changed.is_none() && view.declared.as_ref().is_ok_and(|d| !d.is_empty()) {
        out.push(Line::styled(
            "this commit changed no environment file ([ and ] step to those that did)",
            t.dim,
        ));
        out.push(Line::raw(""));
    }
    match &view.declared {
        Ok(d) => {
            // The first line is a blank, to set the declarations off from what came before;
            // a difference above ends with one already.
            out.extend(styled(look, nbenv::declared_lines(d)).into_iter().skip(1));
        }
        Err(e) => out.push(Line::styled(
            format!("cannot read the environment files: {}", sanitize::line(e)),
            t.error,
        )),
    }
    out
}
