//! Key bindings as data: what each key does, parsed from and written to the
//! config file, and the source of the help screen.

use std::fmt;
use std::str::FromStr;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::config::ConfigError;

/// Something the user can ask the TUI to do. The app decides what an action
/// means in the current view (e.g. `Quit` versus `Back`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// Leave gtm-tui.
    Quit,
    /// Leave the current view, overlay or input.
    Back,
    /// Back to the place before the last jump or screen (vim's Ctrl-O).
    GoBack,
    /// Forward again to the place gone back from (vim's Ctrl-I).
    GoForward,
    /// Move up one row.
    Up,
    /// Move down one row.
    Down,
    /// Move up one page.
    PageUp,
    /// Move down one page.
    PageDown,
    /// Jump to the first row.
    Top,
    /// Jump to the last row.
    Bottom,
    /// Move left (towards the timeline).
    Left,
    /// Move right (into the details).
    Right,
    /// Focus the next pane.
    FocusNext,
    /// Focus the previous pane.
    FocusPrev,
    /// Open the selected record.
    Open,
    /// Show or hide hidden records and details.
    ToggleHidden,
    /// Start a search.
    Search,
    /// Go to the next search match.
    NextMatch,
    /// Go to the previous search match.
    PrevMatch,
    /// Edit the record filter.
    Filter,
    /// Remove the record filter.
    ClearFilter,
    /// Show the key help.
    Help,
    /// Reload the history from disk.
    Refresh,
    /// Jump to a commit hash or a date, typed at a `:` prompt.
    Jump,
    /// Copy the selected record's commit hash to the clipboard.
    CopyHash,
    /// Switch between side-by-side and stacked panes.
    ToggleLayout,
    /// Expand or fold long outputs.
    ToggleFold,
    /// Wrap long lines of the record pane, or cut them and scroll sideways.
    Wrap,
    /// Open the record's image in the system viewer.
    OpenImage,
    /// Save the record's images to files.
    SaveImage,
    /// Open the history of the selected code record's cell.
    CellHistory,
    /// In a cell's history: the run before.
    PrevRun,
    /// In a cell's history: the run after.
    NextRun,
    /// In a cell's history: mark a run to compare any two.
    Mark,
    /// In a cell's history: unified or side-by-side diff.
    ToggleUnified,
    /// In a cell's history: mark the pixels that differ between two pictures.
    PixelDiff,
    /// What the selected record changed: its files, or its environment.
    Changes,
    /// The environment as of the selected record.
    Environment,
    /// Where people got stuck, and usage figures.
    Insights,
    /// The notebook as it stood at the selected record.
    Notebook,
    /// Pick the branch to read.
    Branches,
    /// Pick an author to show only their records.
    Authors,
}

/// Help-screen sections, in the order they are shown.
pub const GROUPS: [&str; 5] = ["Move", "View", "Cell history", "Search & filter", "General"];

impl Action {
    /// Every action, in help-screen and config-file order (grouped as
    /// [`GROUPS`]).
    pub const ALL: [Action; 42] = [
        Action::Up,
        Action::Down,
        Action::PageUp,
        Action::PageDown,
        Action::Top,
        Action::Bottom,
        Action::Left,
        Action::Right,
        Action::FocusNext,
        Action::FocusPrev,
        Action::Open,
        Action::Back,
        Action::GoBack,
        Action::GoForward,
        Action::ToggleHidden,
        Action::ToggleLayout,
        Action::ToggleFold,
        Action::Wrap,
        Action::OpenImage,
        Action::SaveImage,
        Action::Changes,
        Action::Environment,
        Action::Insights,
        Action::Notebook,
        Action::CellHistory,
        Action::PrevRun,
        Action::NextRun,
        Action::Mark,
        Action::ToggleUnified,
        Action::PixelDiff,
        Action::Search,
        Action::NextMatch,
        Action::PrevMatch,
        Action::Filter,
        Action::ClearFilter,
        Action::Authors,
        Action::Jump,
        Action::CopyHash,
        Action::Branches,
        Action::Help,
        Action::Refresh,
        Action::Quit,
    ];

    /// The snake_case name used in the config file, e.g. `page_down`.
    pub fn name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Back => "back",
            Action::GoBack => "go_back",
            Action::GoForward => "go_forward",
            Action::Up => "up",
            Action::Down => "down",
            Action::PageUp => "page_up",
            Action::PageDown => "page_down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::Left => "left",
            Action::Right => "right",
            Action::FocusNext => "focus_next",
            Action::FocusPrev => "focus_prev",
            Action::Open => "open",
            Action::ToggleHidden => "toggle_hidden",
            Action::Search => "search",
            Action::NextMatch => "next_match",
            Action::PrevMatch => "prev_match",
            Action::Filter => "filter",
            Action::ClearFilter => "clear_filter",
            Action::Help => "help",
            Action::Refresh => "refresh",
            Action::Jump => "jump",
            Action::CopyHash => "copy_hash",
            Action::ToggleLayout => "toggle_layout",
            Action::ToggleFold => "toggle_fold",
            Action::Wrap => "wrap",
            Action::OpenImage => "open_image",
            Action::SaveImage => "save_image",
            Action::CellHistory => "cell_history",
            Action::PrevRun => "previous_run",
            Action::NextRun => "next_run",
            Action::Mark => "mark",
            Action::ToggleUnified => "toggle_unified",
            Action::PixelDiff => "pixel_diff",
            Action::Changes => "changes",
            Action::Environment => "environment",
            Action::Insights => "insights",
            Action::Notebook => "notebook",
            Action::Branches => "branches",
            Action::Authors => "authors",
        }
    }

    /// The action with this config name, exactly as [`Action::name`] spells it.
    pub fn from_name(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == s)
    }

    /// One line for the help screen.
    pub fn describe(self) -> &'static str {
        match self {
            Action::Quit => "Quit",
            Action::Back => "Go back / close the current view",
            Action::GoBack => "Back to before the last jump or screen",
            Action::GoForward => "Forward again to where you went back from",
            Action::Up => "Move up one record",
            Action::Down => "Move down one record",
            Action::PageUp => "Move up one page",
            Action::PageDown => "Move down one page",
            Action::Top => "Jump to the first record",
            Action::Bottom => "Jump to the last record",
            Action::Left => "Move left / to the timeline",
            Action::Right => "Move right / into the details",
            Action::FocusNext => "Focus the next pane",
            Action::FocusPrev => "Focus the previous pane",
            Action::Open => "Open the selected record (or fold)",
            Action::ToggleHidden => "Show or hide hidden records and details",
            Action::Search => "Search: message, code, output, hash, author, date",
            Action::NextMatch => "Next match, in the record first (match i/n)",
            Action::PrevMatch => "Previous match, in the record first",
            Action::Filter => "Filter records",
            Action::ClearFilter => "Clear the filter",
            Action::Help => "Show this help",
            Action::Refresh => "Reload the history",
            Action::Jump => "Jump to a commit hash, a date (2019-04-22 17:00) or In [n]",
            Action::CopyHash => "Copy the record's commit hash (OSC 52)",
            Action::ToggleLayout => "Switch between side-by-side and stacked panes",
            Action::ToggleFold => {
                "Timeline: zo/zc/za open, close, toggle a fold; record: long outputs"
            }
            Action::Wrap => "Wrap long lines, or cut them: h/l scroll sideways",
            Action::OpenImage => "Open the record's image in the system viewer",
            Action::SaveImage => "Save the record's images to the current directory",
            Action::CellHistory => "Every run of the record's cell, with diffs",
            Action::PrevRun => "Previous (older) run of the cell",
            Action::NextRun => "Next (newer) run of the cell",
            Action::Mark => "Mark a run to compare with the selected one",
            Action::ToggleUnified => "Unified or side-by-side diff",
            Action::PixelDiff => "Mark the pixels that differ between two pictures",
            Action::Changes => "What the record changed: files side by side, notebooks by cell",
            Action::Environment => "The environment as of the record: base, packages, snippets",
            Action::Insights => "Where people got stuck (retry streaks) and usage figures",
            Action::Notebook => "The notebook as it stood at this record",
            Action::Branches => "Pick the branch to read (workspace branches first)",
            Action::Authors => "Pick an author: who did what, and only their records",
        }
    }

    /// The help-screen section this action is listed under (one of
    /// [`GROUPS`]).
    pub fn group(self) -> &'static str {
        match self {
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom
            | Action::Left
            | Action::Right
            | Action::FocusNext
            | Action::FocusPrev => GROUPS[0],
            Action::Open
            | Action::Back
            | Action::GoBack
            | Action::GoForward
            | Action::ToggleHidden
            | Action::ToggleLayout
            | Action::ToggleFold
            | Action::Wrap
            | Action::OpenImage
            | Action::SaveImage
            | Action::Changes
            | Action::Environment
            | Action::Insights
            | Action::Notebook => GROUPS[1],
            Action::CellHistory
            | Action::PrevRun
            | Action::NextRun
            | Action::Mark
            | Action::ToggleUnified
            | Action::PixelDiff => GROUPS[2],
            Action::Search
            | Action::NextMatch
            | Action::PrevMatch
            | Action::Filter
            | Action::ClearFilter
            | Action::Authors
            | Action::Jump
            | Action::CopyHash => GROUPS[3],
            Action::Help | Action::Refresh | Action::Quit | Action::Branches => GROUPS[4],
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A key spelling that [`KeyBinding::parse`] does not understand.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyParseError {
    /// The empty string.
    #[error("empty key")]
    Empty,
    /// Not a character, a known key name, or modifiers followed by one.
    #[error(
        "unknown key {0:?}; expected a character or a name like \"down\", \"pagedown\", \"enter\", \"ctrl-d\", \"f1\""
    )]
    Unknown(String),
}

/// One key with its modifiers, normalised so that equal keys compare equal:
/// shifted characters are stored as the character they produce (`J`, `?`)
/// without SHIFT, Ctrl+letter is stored lowercase, and Shift+Tab is
/// `BackTab`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyBinding {
    /// The key.
    pub code: KeyCode,
    /// Ctrl, Alt, Shift (only for non-character keys), Super.
    pub modifiers: KeyModifiers,
}

/// Named keys: config spelling, display, ASCII display. The first spelling
/// of a code is the one written back out.
const NAMED: &[(&str, KeyCode, &str, &str)] = &[
    ("up", KeyCode::Up, "↑", "Up"),
    ("down", KeyCode::Down, "↓", "Down"),
    ("left", KeyCode::Left, "←", "Left"),
    ("right", KeyCode::Right, "→", "Right"),
    ("pageup", KeyCode::PageUp, "PgUp", "PgUp"),
    ("pgup", KeyCode::PageUp, "", ""),
    ("pagedown", KeyCode::PageDown, "PgDn", "PgDn"),
    ("pgdn", KeyCode::PageDown, "", ""),
    ("pgdown", KeyCode::PageDown, "", ""),
    ("home", KeyCode::Home, "Home", "Home"),
    ("end", KeyCode::End, "End", "End"),
    ("enter", KeyCode::Enter, "Enter", "Enter"),
    ("return", KeyCode::Enter, "", ""),
    ("esc", KeyCode::Esc, "Esc", "Esc"),
    ("escape", KeyCode::Esc, "", ""),
    ("tab", KeyCode::Tab, "Tab", "Tab"),
    // Shown as Shift-Tab because that is what people press; "backtab" is
    // crossterm's name for it.
    ("backtab", KeyCode::BackTab, "Shift-Tab", "Shift-Tab"),
    ("space", KeyCode::Char(' '), "Space", "Space"),
    ("spc", KeyCode::Char(' '), "", ""),
    ("backspace", KeyCode::Backspace, "Backspace", "Backspace"),
    ("bs", KeyCode::Backspace, "", ""),
    ("delete", KeyCode::Delete, "Del", "Del"),
    ("del", KeyCode::Delete, "", ""),
    ("insert", KeyCode::Insert, "Ins", "Ins"),
    ("ins", KeyCode::Insert, "", ""),
    ("capslock", KeyCode::CapsLock, "CapsLock", "CapsLock"),
    (
        "scrolllock",
        KeyCode::ScrollLock,
        "ScrollLock",
        "ScrollLock",
    ),
    ("numlock", KeyCode::NumLock, "NumLock", "NumLock"),
    (
        "printscreen",
        KeyCode::PrintScreen,
        "PrintScreen",
        "PrintScreen",
    ),
    ("pause", KeyCode::Pause, "Pause", "Pause"),
    ("menu", KeyCode::Menu, "Menu", "Menu"),
];

/// Modifier spellings accepted before `-` or `+`.
const MODIFIERS: &[(&str, KeyModifiers)] = &[
    ("ctrl", KeyModifiers::CONTROL),
    ("control", KeyModifiers::CONTROL),
    ("alt", KeyModifiers::ALT),
    // Terminals send Meta as Alt (an ESC prefix), so treat them as one.
    ("meta", KeyModifiers::ALT),
    ("shift", KeyModifiers::SHIFT),
    ("super", KeyModifiers::SUPER),
];

/// Brings an event or a parsed binding to the one form both are compared
/// in. Terminals disagree on whether a shifted character also reports
/// SHIFT, and legacy terminals cannot tell Ctrl-Shift-x from Ctrl-x at all,
/// so those distinctions are dropped.
fn normalize(code: KeyCode, mut modifiers: KeyModifiers) -> (KeyCode, KeyModifiers) {
    let code = match code {
        KeyCode::Char(c) => {
            let shifted = modifiers.contains(KeyModifiers::SHIFT);
            modifiers.remove(KeyModifiers::SHIFT);
            if modifiers.contains(KeyModifiers::CONTROL) && c.is_ascii_alphabetic() {
                KeyCode::Char(c.to_ascii_lowercase())
            } else if shifted {
                KeyCode::Char(shift_char(c))
            } else {
                KeyCode::Char(c)
            }
        }
        KeyCode::Tab if modifiers.contains(KeyModifiers::SHIFT) => {
            modifiers.remove(KeyModifiers::SHIFT);
            KeyCode::BackTab
        }
        KeyCode::BackTab => {
            modifiers.remove(KeyModifiers::SHIFT);
            KeyCode::BackTab
        }
        other => other,
    };
    (code, modifiers)
}

/// The character Shift turns `c` into, when that is unambiguous (letters).
fn shift_char(c: char) -> char {
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

impl KeyBinding {
    /// A binding for `code` with `modifiers`, normalised (see
    /// [`KeyBinding`]).
    pub fn new(code: KeyCode, modifiers: KeyModifiers) -> KeyBinding {
        let (code, modifiers) = normalize(code, modifiers);
        KeyBinding { code, modifiers }
    }

    /// Parses a key as written in the config file: a single character
    /// (`j`, `J`, `?`, `/`, `[`), a name (`down`, `pagedown`/`pgdn`,
    /// `home`, `end`, `enter`, `esc`, `tab`, `backtab`, `space`, `f1`…),
    /// optionally after modifiers (`ctrl-`, `alt-`, `shift-`, `super-`, or
    /// with `+`). Names and modifiers are case-insensitive; single
    /// characters are not (`G` is not `g`). Accepts everything
    /// [`KeyBinding::display`] and [`KeyBinding::display_ascii`] produce.
    pub fn parse(s: &str) -> Result<KeyBinding, KeyParseError> {
        if s.is_empty() {
            return Err(KeyParseError::Empty);
        }
        let unknown = || KeyParseError::Unknown(s.to_string());
        let mut rest = s;
        let mut modifiers = KeyModifiers::NONE;
        // A modifier needs a key after it, which keeps "-", "+" and
        // "ctrl--" (Ctrl and the minus key) working.
        while let Some(i) = rest
            .find(['-', '+'])
            .filter(|&i| i > 0 && i + 1 < rest.len())
        {
            let prefix = rest[..i].to_ascii_lowercase();
            let Some(&(_, m)) = MODIFIERS.iter().find(|(name, _)| *name == prefix) else {
                break;
            };
            modifiers |= m;
            rest = &rest[i + 1..];
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => match NAMED.iter().find(|(_, _, shown, _)| *shown == rest) {
                // The arrows display as single characters; read them back.
                Some(&(_, code, _, _)) => code,
                None if c.is_control() => return Err(unknown()),
                None => KeyCode::Char(c),
            },
            _ => named_key(rest).ok_or_else(unknown)?,
        };
        Ok(KeyBinding::new(code, modifiers))
    }

    /// How the key is shown to the user: `j`, `G`, `↓`, `PgDn`, `Ctrl-C`,
    /// `Alt-x`, `Shift-Tab`, `Space`, `F1`.
    pub fn display(&self) -> String {
        self.show(false)
    }

    /// Like [`KeyBinding::display`] but plain ASCII for terminals without
    /// Unicode: `Down` instead of `↓`.
    pub fn display_ascii(&self) -> String {
        self.show(true)
    }

    fn show(&self, ascii: bool) -> String {
        let mut out = String::new();
        for (m, label) in [
            (KeyModifiers::CONTROL, "Ctrl-"),
            (KeyModifiers::ALT, "Alt-"),
            (KeyModifiers::SUPER, "Super-"),
            (KeyModifiers::SHIFT, "Shift-"),
        ] {
            if self.modifiers.contains(m) {
                out.push_str(label);
            }
        }
        match self.code {
            KeyCode::Char(' ') => out.push_str("Space"),
            // Ctrl letters are stored lowercase but conventionally shown
            // uppercase; parsing lowercases them again.
            KeyCode::Char(c) if self.modifiers.contains(KeyModifiers::CONTROL) => {
                out.push(c.to_ascii_uppercase())
            }
            KeyCode::Char(c) => out.push(c),
            KeyCode::F(n) => out.push_str(&format!("F{n}")),
            code => match NAMED
                .iter()
                .find(|(_, c, shown, _)| *c == code && !shown.is_empty())
            {
                Some((_, _, shown, plain)) => out.push_str(if ascii { plain } else { shown }),
                None => out.push_str(&format!("{code:?}")),
            },
        }
        out
    }

    /// The canonical config-file spelling: lowercase names and modifiers
    /// (`ctrl-d`, `pagedown`, `backtab`, `space`), characters as they are.
    pub fn config_string(&self) -> String {
        let mut out = String::new();
        for (m, label) in [
            (KeyModifiers::CONTROL, "ctrl-"),
            (KeyModifiers::ALT, "alt-"),
            (KeyModifiers::SUPER, "super-"),
            (KeyModifiers::SHIFT, "shift-"),
        ] {
            if self.modifiers.contains(m) {
                out.push_str(label);
            }
        }
        match self.code {
            KeyCode::Char(' ') => out.push_str("space"),
            KeyCode::Char(c) => out.push(c),
            KeyCode::F(n) => out.push_str(&format!("f{n}")),
            code => match NAMED.iter().find(|(_, c, _, _)| *c == code) {
                Some((name, ..)) => out.push_str(name),
                None => out.push_str(&format!("{code:?}").to_ascii_lowercase()),
            },
        }
        out
    }

    /// Whether this key event is this binding. Key presses and repeats
    /// match; releases never do, so terminals reporting both do not fire an
    /// action twice.
    pub fn matches(&self, ev: &KeyEvent) -> bool {
        if ev.kind == KeyEventKind::Release {
            return false;
        }
        normalize(ev.code, ev.modifiers) == normalize(self.code, self.modifiers)
    }
}

fn named_key(name: &str) -> Option<KeyCode> {
    let name: String = name
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .collect::<String>()
        .to_ascii_lowercase();
    if let Some(n) = name.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
        return (1..=24).contains(&n).then_some(KeyCode::F(n));
    }
    NAMED
        .iter()
        .find(|(spelling, ..)| *spelling == name)
        .map(|&(_, code, _, _)| code)
}

impl FromStr for KeyBinding {
    type Err = KeyParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        KeyBinding::parse(s)
    }
}

impl fmt::Display for KeyBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

/// Which action each key triggers. No key is bound to two actions; an
/// action may have several keys, or none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    /// Ordered by [`Action::ALL`], then by the order keys were given, so
    /// the first key of an action is the one to show in hints, and maps
    /// built from the same bindings compare equal.
    bindings: Vec<(KeyBinding, Action)>,
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap::defaults()
    }
}

fn default_keys(a: Action) -> &'static [&'static str] {
    match a {
        Action::Up => &["k", "up"],
        Action::Down => &["j", "down"],
        Action::PageUp => &["pageup", "ctrl-b", "ctrl-u"],
        Action::PageDown => &["pagedown", "ctrl-f", "ctrl-d", "space"],
        Action::Top => &["g", "home"],
        Action::Bottom => &["G", "end"],
        Action::Left => &["h", "left"],
        Action::Right => &["l", "right"],
        Action::FocusNext => &["tab"],
        Action::FocusPrev => &["backtab"],
        Action::Open => &["enter"],
        Action::Back => &["esc"],
        // Ctrl-I is Tab to most terminals (the same byte), so Alt-arrows, as in a
        // browser, go both ways everywhere.
        Action::GoBack => &["ctrl-o", "alt-left"],
        Action::GoForward => &["ctrl-i", "alt-right"],
        Action::ToggleHidden => &["."],
        Action::ToggleLayout => &["v"],
        Action::ToggleFold => &["z"],
        Action::Wrap => &["w"],
        Action::OpenImage => &["o"],
        Action::SaveImage => &["s"],
        Action::CellHistory => &["c"],
        Action::PrevRun => &["["],
        Action::NextRun => &["]"],
        Action::Mark => &["m"],
        Action::ToggleUnified => &["u"],
        Action::PixelDiff => &["p"],
        Action::Changes => &["d"],
        Action::Environment => &["e"],
        Action::Insights => &["i"],
        Action::Notebook => &["t"],
        Action::Branches => &["b"],
        Action::Authors => &["a"],
        Action::Search => &["/"],
        Action::NextMatch => &["n"],
        Action::PrevMatch => &["N"],
        Action::Filter => &["f"],
        Action::ClearFilter => &["F"],
        Action::Help => &["?"],
        Action::Refresh => &["r"],
        Action::Jump => &[":"],
        Action::CopyHash => &["y"],
        Action::Quit => &["q", "ctrl-c"],
    }
}

impl Keymap {
    /// Vim keys plus arrows and the usual paging keys.
    pub fn defaults() -> Keymap {
        let bindings = Action::ALL
            .into_iter()
            .flat_map(|a| {
                default_keys(a)
                    .iter()
                    // The default spellings are fixed and covered by tests;
                    // skipping rather than panicking keeps this infallible.
                    .filter_map(move |k| KeyBinding::parse(k).ok().map(|k| (k, a)))
            })
            .collect();
        Keymap { bindings }
    }

    /// Every binding, grouped by action in [`Action::ALL`] order.
    pub fn bindings(&self) -> &[(KeyBinding, Action)] {
        &self.bindings
    }

    /// The action for a key event, if any. Releases map to nothing.
    pub fn action(&self, ev: &KeyEvent) -> Option<Action> {
        self.bindings
            .iter()
            .find(|(k, _)| k.matches(ev))
            .map(|&(_, a)| a)
    }

    /// The keys bound to `a`, first (the one to show in hints) first.
    pub fn keys_for(&self, a: Action) -> Vec<&KeyBinding> {
        self.bindings
            .iter()
            .filter(|(_, b)| *b == a)
            .map(|(k, _)| k)
            .collect()
    }

    /// Applies a `[keys]` table: `action_name = "key"` or
    /// `action_name = ["key", "key2"]` replaces that action's keys (`[]`
    /// unbinds it). A key taken by an action the table does not mention
    /// moves to the new action, so `filter = "n"` just works; two entries
    /// claiming the same key is an error. Nothing changes on error.
    pub fn patch(&mut self, table: &toml::Table) -> Result<(), ConfigError> {
        let mut new: Vec<(Action, Vec<KeyBinding>)> = Vec::new();
        for (name, value) in table {
            let entry = format!("keys.{name}");
            let action = Action::from_name(name).ok_or_else(|| {
                ConfigError::entry(
                    &entry,
                    format!(
                        "unknown action {name:?}; expected one of: {}",
                        Action::ALL.map(Action::name).join(", ")
                    ),
                )
            })?;
            let spellings: Vec<&toml::Value> = match value {
                toml::Value::Array(items) => items.iter().collect(),
                single => vec![single],
            };
            let mut keys = Vec::new();
            for v in spellings {
                let s = v.as_str().ok_or_else(|| {
                    ConfigError::entry(
                        &entry,
                        format!(
                            "expected a key string or a list of them, found {}",
                            v.type_str()
                        ),
                    )
                })?;
                let key =
                    KeyBinding::parse(s).map_err(|e| ConfigError::entry(&entry, e.to_string()))?;
                if let Some((other, _)) =
                    new.iter().find(|(a, ks)| *a != action && ks.contains(&key))
                {
                    // Both actions named: the reader fixes one of two
                    // lines, and needs to know which two.
                    return Err(ConfigError::entry(
                        &entry,
                        format!(
                            "key {:?} is given both to {} and to {}; a key does one thing, give one of them another key",
                            s,
                            other.name(),
                            action.name()
                        ),
                    ));
                }
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
            new.push((action, keys));
        }
        let claimed: Vec<KeyBinding> = new.iter().flat_map(|(_, ks)| ks.iter().copied()).collect();
        let mut bindings = Vec::with_capacity(self.bindings.len());
        for a in Action::ALL {
            match new.iter().find(|(b, _)| *b == a) {
                Some((_, keys)) => bindings.extend(keys.iter().map(|&k| (k, a))),
                None => bindings.extend(
                    self.bindings
                        .iter()
                        .filter(|(k, b)| *b == a && !claimed.contains(k))
                        .copied(),
                ),
            }
        }
        self.bindings = bindings;
        Ok(())
    }

    /// The `[keys]` section listing every action, each with a comment from
    /// [`Action::describe`].
    pub fn to_toml(&self) -> String {
        let mut out = String::from(
            "# Key bindings: action = \"key\" or [\"key\", ...]; [] unbinds.\n\
             # Keys: a character (j, G, ?, /), a name (up, down, left, right,\n\
             # pageup, pagedown, home, end, enter, esc, tab, backtab, space,\n\
             # backspace, delete, insert, f1..f24), optionally after ctrl-,\n\
             # alt- or shift-.\n\
             [keys]\n",
        );
        for a in Action::ALL {
            let keys: Vec<String> = self
                .keys_for(a)
                .iter()
                .map(|k| toml::Value::String(k.config_string()).to_string())
                .collect();
            let value = match keys.as_slice() {
                [one] => one.clone(),
                many => format!("[{}]", many.join(", ")),
            };
            out.push_str(&format!("# {}\n{} = {value}\n", a.describe(), a.name()));
        }
        out
    }

    /// Rows for the help screen, generated from the bindings: (group, keys
    /// joined with ", ", description), grouped in [`GROUPS`] order and
    /// [`Action::ALL`] order within a group. Unbound actions are left out.
    pub fn help_rows(&self, ascii: bool) -> Vec<(&'static str, String, &'static str)> {
        let mut rows = Vec::new();
        for group in GROUPS {
            for a in Action::ALL.into_iter().filter(|a| a.group() == group) {
                let keys: Vec<String> = self
                    .keys_for(a)
                    .iter()
                    .map(|k| {
                        if ascii {
                            k.display_ascii()
                        } else {
                            k.display()
                        }
                    })
                    .collect();
                if !keys.is_empty() {
                    rows.push((group, keys.join(", "), a.describe()));
                }
            }
        }
        rows
    }
}

#[cfg(test)]
mod tests;
