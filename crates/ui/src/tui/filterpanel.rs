//! The filter panel both timelines open with `f`: its fields, the keys that move between them
//! and edit them, and its drawing. Each timeline passes the fields that apply to it (record
//! types and hidden records are the activity log's; errors only is the notebooks'), so the
//! panel and its parsing are one code for both.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::filter::{Filter, valid_day};
use super::views::{Look, centered, pane_block, plain};
use crate::activity::kinds::RecordKind;

/// The filter panel: which field is selected and, while typing, the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterEdit {
    pub field: FilterField,
    pub editing: Option<String>,
    pub error: Option<String>,
}

impl FilterEdit {
    /// The panel as it opens, on the first of `fields`.
    pub fn open(fields: &[FilterField]) -> FilterEdit {
        FilterEdit {
            field: fields.first().copied().unwrap_or(FilterField::Path),
            editing: None,
            error: None,
        }
    }
}

/// The fields of the filter panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterField {
    Types,
    Path,
    Author,
    Since,
    Until,
    CodeOnly,
    ShowHidden,
    ErrorsOnly,
}

impl FilterField {
    /// The activity timeline's fields, in the order they are drawn.
    pub const ALL: [FilterField; 7] = [
        FilterField::Types,
        FilterField::Path,
        FilterField::Author,
        FilterField::Since,
        FilterField::Until,
        FilterField::CodeOnly,
        FilterField::ShowHidden,
    ];

    /// The notebook timeline's fields.
    pub const NOTEBOOK: [FilterField; 5] = [
        FilterField::Path,
        FilterField::Author,
        FilterField::Since,
        FilterField::Until,
        FilterField::ErrorsOnly,
    ];

    pub fn label(self) -> &'static str {
        match self {
            FilterField::Types => "Types",
            FilterField::Path => "Path or notebook",
            FilterField::Author => "Author",
            FilterField::Since => "Since (YYYY-MM-DD)",
            FilterField::Until => "Until (YYYY-MM-DD)",
            FilterField::CodeOnly => "Code runs only",
            FilterField::ShowHidden => "Show hidden records",
            FilterField::ErrorsOnly => "Only rows with errors",
        }
    }

    /// Whether the field is typed into (else toggled, or the types' digits).
    pub fn is_text(self) -> bool {
        matches!(
            self,
            FilterField::Path | FilterField::Author | FilterField::Since | FilterField::Until
        )
    }

    fn index_in(self, fields: &[FilterField]) -> usize {
        fields.iter().position(|&f| f == self).unwrap_or(0)
    }

    /// The field below in `fields`, wrapping round.
    pub fn next_in(self, fields: &[FilterField]) -> FilterField {
        let n = fields.len().max(1);
        fields
            .get((self.index_in(fields) + 1) % n)
            .copied()
            .unwrap_or(self)
    }

    /// The field above in `fields`, wrapping round.
    pub fn prev_in(self, fields: &[FilterField]) -> FilterField {
        let n = fields.len().max(1);
        fields
            .get((self.index_in(fields) + n - 1) % n)
            .copied()
            .unwrap_or(self)
    }

    /// The field below among the activity timeline's.
    pub fn next(self) -> FilterField {
        self.next_in(&FilterField::ALL)
    }

    /// The field above among the activity timeline's.
    pub fn prev(self) -> FilterField {
        self.prev_in(&FilterField::ALL)
    }
}

impl Filter {
    /// The text of a text field.
    pub fn text(&self, field: FilterField) -> String {
        match field {
            FilterField::Path => self.path.clone(),
            FilterField::Author => self.author.clone(),
            FilterField::Since => self.since.clone(),
            FilterField::Until => self.until.clone(),
            _ => String::new(),
        }
    }

    /// Sets a text field from what was typed (trimmed); a date that is not one is refused,
    /// saying why.
    pub fn set_text(&mut self, field: FilterField, text: &str) -> Result<(), String> {
        let text = text.trim().to_string();
        if matches!(field, FilterField::Since | FilterField::Until) && !valid_day(&text) {
            return Err(format!("'{text}' is not a date like 2019-03-04"));
        }
        match field {
            FilterField::Path => {
                self.path = text;
                self.path_hits.clear();
            }
            FilterField::Author => self.author = text,
            FilterField::Since => self.since = text,
            FilterField::Until => self.until = text,
            _ => {}
        }
        Ok(())
    }

    /// Flips a yes/no field; false for any other.
    fn toggle(&mut self, field: FilterField) -> bool {
        let flag = match field {
            FilterField::CodeOnly => &mut self.code_only,
            FilterField::ShowHidden => &mut self.show_hidden,
            FilterField::ErrorsOnly => &mut self.errors_only,
            _ => return false,
        };
        *flag = !*flag;
        true
    }
}

/// What a key did in the panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanelKey {
    /// Moved, or typing went on: nothing to read again.
    Nothing,
    Close,
    /// The filter changed in this field.
    Changed(FilterField),
    /// Every filter was cleared.
    Cleared,
    /// A key the panel has no use for (the activity timeline's type digits).
    Other,
}

/// A key while the panel is open, over `fields`.
pub fn key(
    edit: &mut FilterEdit,
    filter: &mut Filter,
    fields: &[FilterField],
    key: &KeyEvent,
) -> PanelKey {
    if let Some(mut text) = edit.editing.take() {
        match key.code {
            KeyCode::Esc => {}
            KeyCode::Enter => {
                return match filter.set_text(edit.field, &text) {
                    Ok(()) => PanelKey::Changed(edit.field),
                    Err(e) => {
                        edit.error = Some(e);
                        PanelKey::Nothing
                    }
                };
            }
            _ => {
                super::lineedit::edit(&mut text, key);
                edit.editing = Some(text);
            }
        }
        return PanelKey::Nothing;
    }
    edit.error = None;
    match key.code {
        KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('f') => PanelKey::Close,
        KeyCode::Down | KeyCode::Char('j') | KeyCode::Tab => {
            edit.field = edit.field.next_in(fields);
            PanelKey::Nothing
        }
        KeyCode::Up | KeyCode::Char('k') | KeyCode::BackTab => {
            edit.field = edit.field.prev_in(fields);
            PanelKey::Nothing
        }
        KeyCode::Char('F') | KeyCode::Char('x') => {
            *filter = Filter::default();
            PanelKey::Cleared
        }
        KeyCode::Enter | KeyCode::Char(' ') => {
            if filter.toggle(edit.field) {
                PanelKey::Changed(edit.field)
            } else if edit.field.is_text() {
                edit.editing = Some(filter.text(edit.field));
                PanelKey::Nothing
            } else {
                PanelKey::Other
            }
        }
        _ => PanelKey::Other,
    }
}

fn on_off(b: bool) -> String {
    if b { "on".into() } else { "off".into() }
}

/// Draws the panel over `size`: `fields` with their values, the types' legend under the
/// types, a refused entry's reason, and `hint` (the keys).
pub fn render(
    look: &Look<'_>,
    filter: &Filter,
    edit: &FilterEdit,
    fields: &[FilterField],
    hint: &str,
    f: &mut Frame,
    size: Rect,
) {
    let t = look.theme;
    let mut lines = Vec::new();
    for &field in fields {
        let name = field.label();
        let value = match field {
            FilterField::Types => {
                if filter.types.is_empty() {
                    "all".to_string()
                } else {
                    filter
                        .types
                        .iter()
                        .map(|k| k.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            }
            FilterField::CodeOnly => on_off(filter.code_only),
            FilterField::ShowHidden => on_off(filter.show_hidden),
            FilterField::ErrorsOnly => on_off(filter.errors_only),
            f => match &edit.editing {
                Some(text) if edit.field == f => {
                    format!("{text}{}", if look.ascii { "_" } else { "▏" })
                }
                _ => filter.text(f),
            },
        };
        // What was typed is shown as text, never as the terminal's commands.
        let value = crate::render::sanitize::line(&value).into_owned();
        let style = if edit.field == field {
            t.selected
        } else {
            t.text
        };
        lines.push(Line::from(vec![
            Span::styled(format!(" {name:<22}"), style),
            Span::styled(format!(" {value}"), style),
        ]));
        if field == FilterField::Types {
            // The legend in two short lines so it fits at 80 columns.
            for chunk in RecordKind::ALL.chunks(5) {
                let names: Vec<String> = chunk
                    .iter()
                    .map(|k| format!("{} {}", k.id() + 1, k.name()))
                    .collect();
                lines.push(Line::styled(format!("   {}", names.join("  ")), t.dim));
            }
        }
    }
    lines.push(Line::raw(""));
    if let Some(e) = &edit.error {
        lines.push(Line::styled(
            crate::render::sanitize::line(e).into_owned(),
            t.error,
        ));
    }
    lines.push(Line::styled(plain(hint, look.ascii), t.dim));
    let area = centered(size, 78, lines.len() as u16 + 2);
    f.render_widget(Clear, area);
    let p = Paragraph::new(lines)
        .wrap(ratatui::widgets::Wrap { trim: false })
        .block(pane_block(look, " Filter ".into(), true));
    f.render_widget(p, area);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyModifiers;

    fn press(edit: &mut FilterEdit, filter: &mut Filter, keys: &str) -> Vec<PanelKey> {
        keys.chars()
            .map(|c| {
                let code = match c {
                    '\r' => KeyCode::Enter,
                    '\x1b' => KeyCode::Esc,
                    c => KeyCode::Char(c),
                };
                key(
                    edit,
                    filter,
                    &FilterField::NOTEBOOK,
                    &KeyEvent::new(code, KeyModifiers::NONE),
                )
            })
            .collect()
    }

    #[test]
    fn the_notebook_fields_edit_toggle_refuse_and_clear() {
        let mut f = Filter::default();
        let mut e = FilterEdit::open(&FilterField::NOTEBOOK);
        assert_eq!(e.field, FilterField::Path);
        // Up from the first field wraps to the last: errors only, toggled.
        let got = press(&mut e, &mut f, "k\r");
        assert_eq!(
            got.last(),
            Some(&PanelKey::Changed(FilterField::ErrorsOnly))
        );
        assert!(f.errors_only && f.summary() == "errors");
        // Down to the path, typed, kept trimmed.
        let got = press(&mut e, &mut f, "j\r plots \r");
        assert_eq!(got.last(), Some(&PanelKey::Changed(FilterField::Path)));
        assert_eq!(f.path, "plots");
        // A date that is not one stays out, saying why; Esc while typing keeps the old value.
        let got = press(&mut e, &mut f, "jj\rMay\r");
        assert_eq!(got.last(), Some(&PanelKey::Nothing));
        assert!(e.error.as_deref().is_some_and(|m| m.contains("'May'")));
        assert!(f.since.is_empty());
        press(&mut e, &mut f, "\r2024-05-01\x1b");
        assert!(f.since.is_empty() && e.editing.is_none());
        // Types are not the notebooks': j never lands there.
        for _ in 0..10 {
            press(&mut e, &mut f, "j");
            assert!(FilterField::NOTEBOOK.contains(&e.field));
        }
        assert_eq!(press(&mut e, &mut f, "x"), [PanelKey::Cleared]);
        assert!(f.is_empty());
        assert_eq!(press(&mut e, &mut f, "q"), [PanelKey::Close]);
    }
}
