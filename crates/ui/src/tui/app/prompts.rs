//! The filter panel and the pickers: their fields, their keys.

use crate::activity::kinds::RecordKind;

use super::*;

impl App {
    /// Keys while the filter panel is open: the shared panel's (see `filterpanel::key`),
    /// and the record types' digits.
    pub fn filter_input(&mut self, key: &crossterm::event::KeyEvent) -> Vec<Effect> {
        use crate::tui::filterpanel::{self, PanelKey};
        use crossterm::event::KeyCode;
        let Overlay::Filter(mut edit) = std::mem::replace(&mut self.overlay, Overlay::None) else {
            return Vec::new();
        };
        let mut fx = Vec::new();
        match filterpanel::key(&mut edit, &mut self.filter, &FilterField::ALL, key) {
            PanelKey::Close => return self.visible_decodes(),
            PanelKey::Nothing => {}
            PanelKey::Cleared => self.refilter(),
            PanelKey::Changed(field) => {
                if field == FilterField::Path {
                    // Hits of the detail search for the old path are gone with it.
                    self.path_generation += 1;
                    if !self.filter.path.is_empty() {
                        fx.push(Effect::PathSearch {
                            path: self.filter.path.clone(),
                            generation: self.path_generation,
                        });
                    }
                }
                self.refilter();
            }
            PanelKey::Other => match key.code {
                KeyCode::Char(c @ '1'..='9') if edit.field == FilterField::Types => {
                    if let Some(&k) = RecordKind::ALL.get(usize::from(c as u8 - b'1')) {
                        if !self.filter.types.remove(&k) {
                            self.filter.types.insert(k);
                        }
                        self.refilter();
                    }
                }
                KeyCode::Char('0') if edit.field == FilterField::Types => {
                    self.filter.types.clear();
                    self.refilter();
                }
                _ => {}
            },
        }
        self.overlay = Overlay::Filter(edit);
        let mut out = self.visible_decodes();
        out.extend(fx);
        out
    }

    /// The text of a text field of the filter panel.
    pub fn filter_text(&self, field: FilterField) -> String {
        self.filter.text(field)
    }

    /// The author picker: everyone who recorded something, with what they
    /// did, most active first.
    pub(super) fn open_authors(&mut self) {
        use crate::tui::picker::{Item, PickKind, Picker};
        // Counted as the view would show each author's: every filter and
        // the hiding apply but the author filter itself.
        let mut others = self.filter.clone();
        others.author = String::new();
        let mut by: Vec<(String, String, usize, [usize; 9])> = Vec::new();
        let mut shown = 0;
        for (i, r) in self.rows.iter().enumerate() {
            let counted = others.matches(r, self.day(i));
            let at = match by.iter().position(|(_, e, ..)| *e == r.email()) {
                Some(at) => at,
                None => {
                    by.push((r.author().to_string(), r.email().to_string(), 0, [0; 9]));
                    by.len() - 1
                }
            };
            if !counted {
                continue;
            }
            shown += 1;
            if let Some(entry) = by.get_mut(at) {
                entry.2 += 1;
                if let Some(c) = usize::try_from(r.kind().id())
                    .ok()
                    .and_then(|t| entry.3.get_mut(t))
                {
                    *c += 1;
                }
            }
        }
        by.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        let mut items = vec![Item {
            value: String::new(),
            label: "everyone".into(),
            detail: if shown == self.rows.len() {
                format!("{shown} records")
            } else {
                format!("{shown} records shown of {}", self.rows.len())
            },
            current: self.filter.author.is_empty(),
        }];
        for (name, email, n, kinds) in by {
            let what: Vec<String> = RecordKind::ALL
                .iter()
                .filter_map(|k| {
                    let c = *kinds.get(usize::try_from(k.id()).ok()?)?;
                    (c > 0).then(|| format!("{c} {}", k.name()))
                })
                .collect();
            items.push(Item {
                current: !self.filter.author.is_empty() && self.filter.author == email,
                value: email.clone(),
                label: format!("{name} <{email}>"),
                detail: if n == 0 {
                    "none shown (filtered or hidden)".into()
                } else {
                    format!("{n} shown: {}", what.join(", "))
                },
            });
        }
        self.overlay = Overlay::Picker(Picker::new(PickKind::Author, items));
    }

    /// Keys while a picker is open.
    pub fn picker_input(&mut self, key: &crossterm::event::KeyEvent) -> Vec<Effect> {
        use crate::tui::picker::{PickKind, Picked};
        let Overlay::Picker(p) = &mut self.overlay else {
            return Vec::new();
        };
        let kind = p.kind;
        match p.key(key) {
            Picked::Nothing => Vec::new(),
            Picked::Close => {
                self.overlay = Overlay::None;
                Vec::new()
            }
            Picked::Chose(value) => {
                self.overlay = Overlay::None;
                match kind {
                    PickKind::Branch if value == self.rev => Vec::new(),
                    PickKind::Branch => vec![Effect::SwitchRev(value)],
                    PickKind::Author => {
                        self.filter.author = value;
                        self.refilter();
                        self.flash = Some(if self.filter.author.is_empty() {
                            "showing everyone's records".into()
                        } else {
                            format!("only {}'s records (F clears)", self.filter.author)
                        });
                        self.visible_decodes()
                    }
                }
            }
        }
    }
}
