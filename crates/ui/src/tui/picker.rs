//! A list to choose from over the timeline: branches to read, or authors
//! to filter by. Typing after `/` narrows the list.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::filter::contains_ci;
use super::views::{Look, centered, pane_block, plain};
use crate::columns::truncate_mark;
use crate::render::sanitize;

/// What the picker chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickKind {
    Branch,
    Author,
}

/// One entry: what choosing it means, and how it is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The branch name or author email; empty for "everyone".
    pub value: String,
    pub label: String,
    pub detail: String,
    /// The branch being read, or the author filtered by.
    pub current: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picker {
    pub kind: PickKind,
    pub items: Vec<Item>,
    /// Position among the items that pass the query.
    pub selected: usize,
    pub query: String,
    /// Typing into the query.
    pub typing: bool,
}

/// What a key did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Picked {
    Nothing,
    Close,
    Chose(String),
}

impl Picker {
    pub fn new(kind: PickKind, items: Vec<Item>) -> Picker {
        let selected = items.iter().position(|i| i.current).unwrap_or(0);
        Picker {
            kind,
            items,
            selected,
            query: String::new(),
            typing: false,
        }
    }

    /// Items passing the query, in order.
    pub fn visible(&self) -> Vec<&Item> {
        self.items
            .iter()
            .filter(|i| {
                self.query.is_empty()
                    || contains_ci(&i.label, &self.query)
                    || contains_ci(&i.detail, &self.query)
            })
            .collect()
    }

    pub fn key(&mut self, key: &KeyEvent) -> Picked {
        let n = self.visible().len();
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if self.typing {
            match key.code {
                KeyCode::Esc => {
                    self.typing = false;
                    self.query.clear();
                }
                KeyCode::Enter => self.typing = false,
                KeyCode::Up | KeyCode::Down => self.typing = false,
                KeyCode::Char('c') if ctrl && !super::lineedit::is_altgr(key) => {
                    return Picked::Close;
                }
                _ => {
                    if super::lineedit::edit(&mut self.query, key) {
                        self.selected = 0;
                    }
                }
            }
            if self.typing || key.code != KeyCode::Enter {
                return Picked::Nothing;
            }
        }
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => return Picked::Close,
            KeyCode::Char('c') if ctrl => return Picked::Close,
            KeyCode::Char('/') => {
                self.typing = true;
            }
            KeyCode::Down | KeyCode::Char('j') | KeyCode::Tab => {
                self.selected = (self.selected + 1).min(n.saturating_sub(1));
            }
            KeyCode::Char('n') if ctrl => {
                self.selected = (self.selected + 1).min(n.saturating_sub(1));
            }
            KeyCode::Up | KeyCode::Char('k') | KeyCode::BackTab => {
                self.selected = self.selected.saturating_sub(1);
            }
            KeyCode::Char('p') if ctrl => self.selected = self.selected.saturating_sub(1),
            KeyCode::Home | KeyCode::Char('g') => self.selected = 0,
            KeyCode::End | KeyCode::Char('G') => self.selected = n.saturating_sub(1),
            KeyCode::Enter | KeyCode::Char(' ') => {
                if let Some(item) = self.visible().get(self.selected) {
                    return Picked::Chose(item.value.clone());
                }
            }
            _ => {}
        }
        Picked::Nothing
    }
}

pub fn render(look: &Look<'_>, p: &Picker, f: &mut Frame, size: Rect) {
    let t = &look.theme;
    let visible = p.visible();
    let w = size.width.saturating_sub(4).clamp(20, 96);
    let room = usize::from(size.height.saturating_sub(8)).max(3);
    let h = u16::try_from(visible.len().min(room) + 4).unwrap_or(8);
    let area = centered(size, w, h);
    f.render_widget(Clear, area);
    let title = match p.kind {
        PickKind::Branch => " Branches: Enter reads one ",
        PickKind::Author => " Authors: Enter shows only theirs ",
    };
    let block = pane_block(look, title.into(), true);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let width = usize::from(inner.width);
    let label_w = visible
        .iter()
        .map(|i| unicode_width::UnicodeWidthStr::width(sanitize::line(&i.label).as_ref()))
        .max()
        .unwrap_or(10)
        .min(width / 2);
    let top = p.selected.saturating_sub(room.saturating_sub(1));
    let mut lines: Vec<Line> = Vec::new();
    for (k, item) in visible.iter().enumerate().skip(top).take(room) {
        let mark = if item.current {
            if look.ascii { "* " } else { "● " }
        } else {
            "  "
        };
        // Branch and author names come from the repository: shown as text, never as the
        // terminal's commands.
        let label = truncate_mark(&sanitize::line(&item.label), label_w, look.ascii);
        let pad = label_w.saturating_sub(unicode_width::UnicodeWidthStr::width(label.as_str()));
        let rest = width.saturating_sub(label_w + 4);
        let mut line = Line::from(vec![
            Span::styled(mark, t.warning),
            Span::styled(format!("{label}{}  ", " ".repeat(pad)), t.text),
            Span::styled(
                truncate_mark(
                    &plain(&sanitize::line(&item.detail), look.ascii),
                    rest,
                    look.ascii,
                ),
                t.dim,
            ),
        ]);
        if k == p.selected {
            line = line.style(t.selected);
        }
        lines.push(line);
    }
    if visible.is_empty() {
        lines.push(Line::styled(" nothing matches", t.dim));
    }
    lines.push(Line::raw(""));
    let hint = if p.typing {
        format!("/{}{}", p.query, if look.ascii { "_" } else { "▏" })
    } else if p.query.is_empty() {
        "j/k move · / narrow · Enter choose · Esc close".to_string()
    } else {
        format!("/{}  · Esc close", p.query)
    };
    lines.push(Line::styled(plain(&hint, look.ascii), t.dim));
    f.render_widget(Paragraph::new(lines), inner);
}

/// The branch picker's entries, the branch being read marked: name, when and by whom the branch last moved.
pub fn branch_picker(list: &[crate::repo::BranchInfo], current: &str) -> Picker {
    let items = list
        .iter()
        .map(|b| Item {
            value: b.name.clone(),
            label: b.name.clone(),
            detail: format!(
                "{}{} · {}{}",
                if b.is_workspace() {
                    "workspace · "
                } else {
                    ""
                },
                crate::timefmt::local_minutes(b.time),
                b.author,
                if b.remote { " · remote" } else { "" }
            ),
            current: b.name == current,
        })
        .collect();
    Picker::new(PickKind::Branch, items)
}

/// The branch picker for what listing the branches gave, the branch being read marked (`rev`,
/// or the checked-out branch `head` when `rev` is `HEAD`); else what to say instead. Both
/// timelines' `b`.
pub fn branch_choice(
    result: Result<(Vec<crate::repo::BranchInfo>, Option<String>), String>,
    rev: &str,
) -> Result<Picker, String> {
    match result {
        Ok((list, _)) if list.is_empty() => {
            Err("no branches: the history is read from a detached commit".into())
        }
        Ok((list, head)) => {
            let current = match head {
                Some(h) if rev == "HEAD" => h,
                _ => rev.to_string(),
            };
            Ok(branch_picker(&list, &current))
        }
        Err(err) => Err(format!("cannot list branches: {err}")),
    }
}
