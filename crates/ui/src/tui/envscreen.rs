//! The environment screen: the whole environment as of a record (base,
//! packages by manager, custom Docker snippets), what that record changed,
//! and the difference from a marked point; `[`/`]` step through the
//! environment records.

use std::collections::BTreeMap;
use std::sync::Arc;

use git2::Oid;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::app::Effect;
use super::diffpane::{DiffPane, key_of};
use super::keymap::Action;
use super::screen::{Loaded, Outcome};
use super::views::{Look, plain};
use crate::activity::kinds::RecordKind;
use crate::env::{EnvDiff, Environment, diff, env_of_record, record_change};
use crate::repo::{Project, RecordRow, RowRef, short_id};
use crate::timefmt;

/// An environment read for the screen (on the worker thread).
#[derive(Debug)]
pub struct EnvView {
    pub at: Oid,
    pub env: Result<Environment, String>,
    /// What the record itself changed, for an environment record.
    pub changed: Option<EnvDiff>,
    /// The marked point and the difference from it to `at`.
    pub against: Option<(Oid, Result<EnvDiff, String>)>,
}

pub struct EnvScreen {
    /// The record whose environment is shown.
    pub at: Oid,
    pub mark: Option<Oid>,
    pub wanted: (Oid, Option<Oid>),
    pub shown: Option<Arc<EnvView>>,
    pub pane: DiffPane,
    pub generation: u64,
}

impl EnvScreen {
    pub fn new(at: Oid, generation: u64) -> Self {
        EnvScreen {
            at,
            mark: None,
            wanted: (at, None),
            shown: None,
            pane: DiffPane {
                height: 10,
                ..DiffPane::default()
            },
            generation,
        }
    }

    /// Asks for the environment at `at` (and the difference from the mark).
    fn read(&mut self) -> Vec<Effect> {
        self.wanted = (self.at, self.mark.filter(|m| *m != self.at));
        self.pane.scroll = 0;
        vec![Effect::ReadEnv {
            at: self.at,
            mark: self.wanted.1,
            generation: self.generation,
        }]
    }

    /// A key on the screen; `[`/`]` look for the next environment record
    /// in `loaded`.
    pub fn update(&mut self, action: Action, loaded: Loaded<'_>) -> Outcome {
        match action {
            Action::Back | Action::Quit | Action::Environment => Outcome::Close,
            Action::PrevRun | Action::NextRun => {
                let older = action == Action::PrevRun;
                match env_neighbour(loaded, self.at, older) {
                    Some(next) => {
                        self.at = next;
                        Outcome::Stay(self.read())
                    }
                    None => Outcome::Flash(
                        if older {
                            "no earlier environment record".into()
                        } else {
                            "no later environment record".into()
                        },
                        Vec::new(),
                    ),
                }
            }
            Action::Open => Outcome::GoTo(self.at),
            Action::Mark => {
                self.mark = if self.mark == Some(self.at) {
                    None
                } else {
                    Some(self.at)
                };
                if self.mark.is_some() {
                    Outcome::Flash(
                        "point marked: step with [ ] to compare another with it (m unmarks)".into(),
                        self.read(),
                    )
                } else {
                    Outcome::Stay(self.read())
                }
            }
            a => {
                self.pane.scroll_key(a);
                Outcome::nothing()
            }
        }
    }

    /// An environment arrived; shown if it is the one last asked for.
    pub fn env_ready(&mut self, generation: u64, view: Arc<EnvView>) {
        if self.generation == generation
            && self.wanted == (view.at, view.against.as_ref().map(|a| a.0))
        {
            self.pane.reset();
            self.shown = Some(view);
        }
    }
}

/// The environment record before (older) or after `at`, in history order.
fn env_neighbour(loaded: Loaded<'_>, at: Oid, older: bool) -> Option<Oid> {
    let i = loaded.position(at)?;
    let is_env = |r: &RowRef| r.kind() == RecordKind::Environment;
    if older {
        loaded
            .rows
            .iter()
            .skip(i + 1)
            .find(is_env)
            .map(|r| r.commit())
    } else {
        (0..i)
            .rev()
            .filter_map(|k| loaded.rows.get(k))
            .find(is_env)
            .map(|r| r.commit())
    }
}

/// Reads the environment at `at` (and the difference from `mark`).
pub fn prepare_env(project: &Project, at: &RecordRow, mark: Option<&RecordRow>) -> EnvView {
    let env = env_of_record(project, at).map_err(|e| e.to_string());
    let changed = crate::env::record_summary(project, at)
        .is_some()
        .then(|| record_change(project, at).ok())
        .flatten();
    let against = mark.filter(|m| m.commit != at.commit).map(|m| {
        let d = match (&env, env_of_record(project, m)) {
            (Ok(now), Ok(then)) => Ok(diff(&then, now)),
            (Err(e), _) => Err(e.clone()),
            (_, Err(e)) => Err(e.to_string()),
        };
        (m.commit, d)
    });
    EnvView {
        at: at.commit,
        env,
        changed,
        against,
    }
}

/// Draws the screen; the records it names are looked up in `loaded`.
pub fn render(look: &Look<'_>, screen: &EnvScreen, loaded: Loaded<'_>, f: &mut Frame, body: Rect) {
    let title = match loaded.row(screen.at) {
        Some(r) => format!(
            " Environment as of {} · {} · {} ",
            short_id(r.commit()),
            timefmt::local_minutes(r.time()),
            r.message()
        ),
        None => " Environment ".into(),
    };
    let current = screen
        .shown
        .as_ref()
        .filter(|v| (v.at, v.against.as_ref().map(|a| a.0)) == screen.wanted);
    let Some(view) = current else {
        screen
            .pane
            .render(look, f, body, &title, true, " reading .gigantum/env…", None);
        return;
    };
    // Package names, versions, snippets and errors come from the project's files: every span
    // goes through the one sanitiser before it is drawn.
    let build = |width: u16, _unified: bool| clean_lines(env_lines(look, view, loaded, width));
    screen.pane.render(
        look,
        f,
        body,
        &title,
        true,
        "",
        Some((key_of(view, 2), &build)),
    );
}

fn clean_lines(lines: Vec<Line<'static>>) -> Vec<Line<'static>> {
    lines
        .into_iter()
        .map(|mut l| {
            for span in &mut l.spans {
                if let std::borrow::Cow::Owned(clean) = crate::render::sanitize::line(&span.content)
                {
                    span.content = clean.into();
                }
            }
            l
        })
        .collect()
}

fn env_lines(
    look: &Look<'_>,
    view: &EnvView,
    loaded: Loaded<'_>,
    _width: u16,
) -> Vec<Line<'static>> {
    let t = look.theme;
    let ascii = look.ascii;
    let arrow = if ascii { "->" } else { "→" };
    let summary = |d: &EnvDiff| {
        if ascii {
            d.summary_ascii()
        } else {
            d.summary()
        }
    };
    let heading = |s: &str| Line::from(Span::styled(plain(s, ascii), t.title));
    let mut out = Vec::new();
    if let Some(d) = &view.changed {
        out.push(Line::from(vec![
            Span::styled("this record changed  ", t.dim),
            Span::styled(summary(d), t.badge),
        ]));
    }
    let mut diff_of: Option<&EnvDiff> = None;
    if let Some((mark, d)) = &view.against {
        let when = loaded
            .row(*mark)
            .map_or(String::new(), |r| timefmt::local_minutes(r.time()));
        match d {
            Ok(d) => {
                out.push(Line::from(vec![
                    Span::styled(
                        format!("since the marked point {} ({when})  ", short_id(*mark)),
                        t.dim,
                    ),
                    Span::styled(summary(d), t.warning),
                ]));
                diff_of = Some(d);
            }
            Err(e) => out.push(Line::styled(format!("marked point: {e}"), t.error)),
        }
    }
    if !out.is_empty() {
        out.push(Line::raw(""));
    }
    let env = match &view.env {
        Ok(e) => e,
        Err(e) => {
            out.push(Line::styled(
                format!("cannot read the environment: {e}"),
                t.error,
            ));
            return out;
        }
    };
    if env.is_empty() {
        out.push(Line::styled(
            "no environment recorded at this point (.gigantum/env/ is empty)",
            t.dim,
        ));
    }
    if let Some(b) = &env.base {
        let mut text = b.name.clone().unwrap_or_else(|| b.id.clone());
        if let Some(r) = b.revision {
            text.push_str(&format!(" r{r}"));
        }
        if let Some(i) = &b.image {
            text.push_str(&format!(" · {}/{}:{}", i.namespace, i.repository, i.tag));
        }
        if let Some(os) = &b.os {
            text.push_str(&format!(" · {os}"));
        }
        out.push(Line::from(vec![
            Span::styled("Base  ", t.title),
            Span::styled(text, t.text),
        ]));
        if let Some(bc) = diff_of.and_then(|d| d.base.as_ref())
            && let Some(old) = &bc.old
        {
            out.push(Line::styled(
                format!(
                    "      was {}{}",
                    old.name.clone().unwrap_or_else(|| old.id.clone()),
                    old.revision.map_or(String::new(), |r| format!(" r{r}"))
                ),
                t.dim,
            ));
        }
        out.push(Line::raw(""));
    }
    let mut by_manager: BTreeMap<&str, Vec<&crate::env::Package>> = BTreeMap::new();
    for p in &env.packages {
        by_manager.entry(p.manager.as_str()).or_default().push(p);
    }
    let name_w = env
        .packages
        .iter()
        .map(|p| p.name.len())
        .max()
        .unwrap_or(8)
        .min(40);
    for (manager, pkgs) in &by_manager {
        out.push(heading(&format!("{manager} ({})", pkgs.len())));
        for p in pkgs {
            let version = p.version.clone().unwrap_or_else(|| "-".into());
            let added = diff_of.is_some_and(|d| {
                d.added
                    .iter()
                    .any(|a| a.manager == p.manager && a.name == p.name)
            });
            let changed = diff_of.and_then(|d| {
                d.changed
                    .iter()
                    .find(|c| c.manager == p.manager && c.name == p.name)
            });
            let (mark, style) = if added {
                ("+ ", t.badge)
            } else if changed.is_some() {
                ("~ ", t.warning)
            } else {
                ("  ", t.text)
            };
            let mut spans = vec![
                Span::styled(mark, style),
                Span::styled(format!("{:<name_w$}  ", p.name), style),
                Span::styled(version, style),
            ];
            if let Some(c) = changed {
                spans.push(Span::styled(
                    format!("  (was {} {arrow} now)", c.old.as_deref().unwrap_or("?")),
                    t.dim,
                ));
            }
            if p.from_base {
                spans.push(Span::styled("  from the base", t.dim));
            }
            out.push(Line::from(spans));
        }
        out.push(Line::raw(""));
    }
    if let Some(d) = diff_of
        && !d.removed.is_empty()
    {
        out.push(heading("removed since the marked point"));
        for p in &d.removed {
            out.push(Line::styled(
                format!(
                    "- {} {}{}",
                    p.manager,
                    p.name,
                    p.version
                        .as_deref()
                        .map_or(String::new(), |v| format!(" {v}"))
                ),
                t.error,
            ));
        }
        out.push(Line::raw(""));
    }
    if !env.snippets.is_empty() {
        out.push(heading(&format!("Custom Docker ({})", env.snippets.len())));
        for s in &env.snippets {
            out.push(Line::styled(format!("  {}", s.name), t.text));
            for l in s.content.lines() {
                out.push(Line::styled(format!("      {l}"), t.code));
            }
        }
        out.push(Line::raw(""));
    }
    for e in &env.errors {
        out.push(Line::styled(format!("error: {e}"), t.error));
    }
    out
}
