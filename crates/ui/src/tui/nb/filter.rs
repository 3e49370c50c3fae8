//! Narrowing the notebook timeline: the filter panel (`f`, the activity timeline's panel over
//! the fields that apply to notebooks), `F` clearing it, the authors picker (`a`), and what
//! `/` searches in a row. The rows shown (`NbApp::rows`) are the rows read (`Narrow::all`) that
//! pass the filter, so everything that reads `rows` sees the filtered timeline.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use git2::Oid;
use ratatui::Frame;
use ratatui::layout::Rect;

use super::{NbApp, NbEffect, NbRow};
use crate::render::sanitize;
use crate::timefmt;
use crate::tui::filter::{Filter, contains_ci};
use crate::tui::filterpanel::{self, FilterEdit, FilterField, PanelKey};
use crate::tui::keymap::Action;
use crate::tui::lineedit;
use crate::tui::picker::{Item, PickKind, Picked, Picker};
use crate::tui::views::Look;

/// The keys the panel's last line names.
const HINT: &str = "j/k move · Enter edit or toggle · x clear · Esc close";

/// The filter, the rows it narrows, and the panel or picker open over the timeline.
#[derive(Debug, Clone, Default)]
pub struct Narrow {
    /// Every row read, newest first; `NbApp::rows` holds those passing `filter`.
    pub all: Vec<NbRow>,
    pub filter: Filter,
    /// The filter panel, while open.
    pub panel: Option<FilterEdit>,
    /// The authors or branches picker, while open.
    pub picker: Option<Picker>,
}

impl NbRow {
    /// A version that cannot be read, or that brought a new error (the row's `✗`).
    pub fn bad(&self) -> bool {
        self.entry
            .as_ref()
            .is_some_and(|e| e.error.is_some() || e.summary.new_errors > 0)
    }

    /// What identifies the row across reads of the history: the commit and the notebook.
    pub fn id(&self) -> (Oid, Option<&str>) {
        (
            self.commit.id,
            self.entry.as_deref().map(|e| e.path.as_str()),
        )
    }
}

/// The filters in the order they are tried when saying which one left no row.
const STEPS: [FilterField; 5] = FilterField::NOTEBOOK;

/// Does `row` pass `filter`'s `field` alone?
fn passes_field(filter: &Filter, field: FilterField, row: &NbRow) -> bool {
    let day = || timefmt::local_day(row.commit.time);
    match field {
        FilterField::Path => {
            filter.path.is_empty()
                || row.entry.as_ref().is_some_and(|e| {
                    contains_ci(&e.path, &filter.path)
                        || e.old_path
                            .as_deref()
                            .is_some_and(|p| contains_ci(p, &filter.path))
                })
        }
        FilterField::Author => {
            filter.author.is_empty()
                || contains_ci(&row.commit.author, &filter.author)
                || contains_ci(&row.commit.email, &filter.author)
        }
        FilterField::Since => filter.since.is_empty() || day() >= filter.since,
        FilterField::Until => filter.until.is_empty() || day() <= filter.until,
        FilterField::ErrorsOnly => !filter.errors_only || row.bad(),
        _ => true,
    }
}

/// Does `row` pass every filter?
pub fn passes(filter: &Filter, row: &NbRow) -> bool {
    STEPS.iter().all(|&f| passes_field(filter, f, row))
}

/// The filter that left no row, in words (`author:bob`): the first, in the panel's order,
/// after which none of `all` passes.
pub fn emptied_by(filter: &Filter, all: &[NbRow]) -> Option<String> {
    let mut left: Vec<&NbRow> = all.iter().collect();
    for &field in &STEPS {
        left.retain(|r| passes_field(filter, field, r));
        if left.is_empty() {
            let mut only = Filter::default();
            match field {
                FilterField::ErrorsOnly => only.errors_only = true,
                f => {
                    let _ = only.set_text(f, &filter.text(f));
                }
            }
            return Some(only.summary());
        }
    }
    None
}

/// Whether `/` finds `query` in a row: the start of its hash, its local time, its author
/// (as the activity timeline's search, `names_commit`), its email, or its line.
pub fn search_hit(row: &NbRow, query: &str, ascii: bool) -> bool {
    use crate::tui::filter::{contains_ci, names_commit};
    let c = &row.commit;
    names_commit(query, c.id, &c.author, &timefmt::local_minutes(c.time))
        || contains_ci(&c.email, query)
        || contains_ci(&super::view::row_text(row, ascii), query)
}

impl NbApp {
    /// Rows as read, newest first, appended under those there: kept, and shown if they pass.
    pub(super) fn take_row(&mut self, row: NbRow) {
        if passes(&self.narrow.filter, &row) {
            self.rows.push(row.clone());
        }
        self.narrow.all.push(row);
    }

    /// The rows shown, anew from the rows read; the selection stays on its row, or else goes
    /// to the next older row shown.
    pub fn refilter(&mut self) -> Vec<NbEffect> {
        let at = self.current().and_then(|cur| {
            let id = cur.id();
            self.narrow.all.iter().position(|r| r.id() == id)
        });
        let mut rows = Vec::new();
        let mut selected = None;
        for (i, r) in self.narrow.all.iter().enumerate() {
            if passes(&self.narrow.filter, r) {
                if selected.is_none() && at.is_some_and(|a| i >= a) {
                    selected = Some(rows.len());
                }
                rows.push(r.clone());
            }
        }
        let last = rows.len().saturating_sub(1);
        self.rows = rows;
        // Past the end: the oldest row; nothing was selected (the filter had left none): the
        // newest.
        let to = selected.unwrap_or(if at.is_some() { last } else { 0 });
        if to != self.selected {
            self.pane_scroll = 0;
        }
        self.selected = to;
        self.fit_offset();
        self.wanted()
    }

    /// Keeps the selection on screen after the rows changed under it.
    pub(super) fn fit_offset(&mut self) {
        let max = self.rows.len().saturating_sub(self.list_height);
        self.offset = self.offset.min(max);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + self.list_height {
            self.offset = self.selected + 1 - self.list_height;
        }
    }

    /// Why the timeline is empty when the filter emptied it: which filter, and how to undo it.
    pub fn empty_note(&self) -> Option<String> {
        if !self.rows.is_empty() || self.narrow.all.is_empty() || self.narrow.filter.is_empty() {
            return None;
        }
        let what = emptied_by(&self.narrow.filter, &self.narrow.all)
            .unwrap_or_else(|| self.narrow.filter.summary());
        Some(format!(
            "no row passes the filter: {} leaves none (F clears)",
            sanitize::line(&what)
        ))
    }

    /// `f`, `F` and `a`, from either pane.
    pub(super) fn filter_action(&mut self, action: Action) -> Option<Vec<NbEffect>> {
        match action {
            Action::Filter => {
                self.narrow.panel = Some(FilterEdit::open(&FilterField::NOTEBOOK));
                Some(Vec::new())
            }
            Action::ClearFilter => {
                self.narrow.filter = Filter::default();
                self.flash = Some("filters cleared".into());
                Some(self.refilter())
            }
            Action::Authors => {
                self.open_authors();
                Some(Vec::new())
            }
            _ => None,
        }
    }

    /// A key for the panel or the picker, when one is open.
    pub(super) fn overlay_key(&mut self, key: &KeyEvent) -> Option<Vec<NbEffect>> {
        if self.narrow.panel.is_none() && self.narrow.picker.is_none() {
            return None;
        }
        // Esc followed at once by a key arrives as Alt and that key: it is the two keys
        // (closing the panel or the picker, then the key), as in the activity timeline;
        // Alt-Backspace in a field deletes a word.
        let typing = self
            .narrow
            .panel
            .as_ref()
            .is_some_and(|e| e.editing.is_some())
            || self.narrow.picker.as_ref().is_some_and(|p| p.typing);
        if key.modifiers.contains(KeyModifiers::ALT)
            && self.config.keys.action(key).is_none()
            && !(typing && lineedit::takes_alt(key))
        {
            let esc = KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE);
            let mut fx = self.overlay_key(&esc).unwrap_or_default();
            let mut plain = *key;
            plain.modifiers.remove(KeyModifiers::ALT);
            fx.extend(self.key(plain));
            return Some(fx);
        }
        if let Some(mut edit) = self.narrow.panel.take() {
            let fx = match filterpanel::key(&mut edit, &mut self.narrow.filter, &STEPS, key) {
                PanelKey::Close => return Some(self.wanted()),
                PanelKey::Changed(_) | PanelKey::Cleared => self.refilter(),
                PanelKey::Nothing | PanelKey::Other => Vec::new(),
            };
            self.narrow.panel = Some(edit);
            return Some(fx);
        }
        let picker = self.narrow.picker.as_mut()?;
        let kind = picker.kind;
        Some(match picker.key(key) {
            Picked::Nothing => Vec::new(),
            Picked::Close => {
                self.narrow.picker = None;
                Vec::new()
            }
            Picked::Chose(value) => {
                self.narrow.picker = None;
                match kind {
                    PickKind::Author => self.only_author(value),
                    PickKind::Branch => self.switch_to(value),
                }
            }
        })
    }

    /// The authors picker: everyone who committed to a notebook, most rows first, with how
    /// many versions in how many commits.
    fn open_authors(&mut self) {
        // (name, email, versions, commits), in the order first met, then sorted: the order
        // depends on the rows only.
        let mut by: Vec<(String, String, usize, usize)> = Vec::new();
        let mut last: Option<Oid> = None;
        for r in self.narrow.all.iter().filter(|r| r.entry.is_some()) {
            let c = &r.commit;
            let at = match by.iter().position(|(_, e, ..)| *e == c.email) {
                Some(at) => at,
                None => {
                    by.push((c.author.clone(), c.email.clone(), 0, 0));
                    by.len() - 1
                }
            };
            if let Some(entry) = by.get_mut(at) {
                entry.2 += 1;
                // A commit's rows come together.
                if last != Some(c.id) {
                    entry.3 += 1;
                }
            }
            last = Some(c.id);
        }
        by.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.1.cmp(&b.1)));
        let versions: usize = by.iter().map(|a| a.2).sum();
        let mut items = vec![Item {
            value: String::new(),
            label: "everyone".into(),
            detail: format!("{versions} versions"),
            current: self.narrow.filter.author.is_empty(),
        }];
        for (name, email, n, commits) in by {
            items.push(Item {
                current: !self.narrow.filter.author.is_empty()
                    && self.narrow.filter.author == email,
                label: format!("{name} <{email}>"),
                detail: format!(
                    "{n} version{} in {commits} commit{}",
                    if n == 1 { "" } else { "s" },
                    if commits == 1 { "" } else { "s" }
                ),
                value: email,
            });
        }
        self.narrow.picker = Some(Picker::new(PickKind::Author, items));
    }

    fn only_author(&mut self, email: String) -> Vec<NbEffect> {
        self.narrow.filter.author = email;
        let fx = self.refilter();
        self.flash = Some(if self.narrow.filter.author.is_empty() {
            "showing everyone's rows".into()
        } else {
            format!(
                "only {}'s rows (F clears)",
                sanitize::line(&self.narrow.filter.author)
            )
        });
        fx
    }
}

/// The panel or the picker, over the screen.
pub fn render_overlays(app: &NbApp, look: &Look<'_>, f: &mut Frame, size: Rect) {
    if let Some(edit) = &app.narrow.panel {
        filterpanel::render(look, &app.narrow.filter, edit, &STEPS, HINT, f, size);
    }
    if let Some(p) = &app.narrow.picker {
        crate::tui::picker::render(look, p, f, size);
    }
}
