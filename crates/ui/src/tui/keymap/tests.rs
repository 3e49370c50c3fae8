//! Tests of `keymap.rs`, kept apart so the code file stays short.

use super::*;
use crossterm::event::KeyEventState;
use std::collections::HashSet;

fn key(s: &str) -> KeyBinding {
    KeyBinding::parse(s).unwrap()
}

fn ev(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, modifiers)
}

fn table(text: &str) -> toml::Table {
    text.parse().unwrap()
}

#[test]
fn action_names_round_trip() {
    let names: HashSet<&str> = Action::ALL.iter().map(|a| a.name()).collect();
    assert_eq!(names.len(), Action::ALL.len());
    for a in Action::ALL {
        assert_eq!(Action::from_name(a.name()), Some(a));
        assert!(GROUPS.contains(&a.group()));
        assert!(!a.describe().is_empty());
    }
    assert_eq!(Action::PageDown.name(), "page_down");
    assert_eq!(Action::NextMatch.name(), "next_match");
    assert_eq!(Action::from_name("PageDown"), None);
    // ALL covers every variant once (Ord is declaration order).
    let mut sorted = Action::ALL.to_vec();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 42);
    assert_eq!(sorted.first(), Some(&Action::Quit));
    assert_eq!(sorted.last(), Some(&Action::Authors));
}

#[test]
fn parses_characters_names_and_modifiers() {
    let cases = [
        ("j", KeyCode::Char('j'), KeyModifiers::NONE),
        ("J", KeyCode::Char('J'), KeyModifiers::NONE),
        ("shift-j", KeyCode::Char('J'), KeyModifiers::NONE),
        ("down", KeyCode::Down, KeyModifiers::NONE),
        ("Down", KeyCode::Down, KeyModifiers::NONE),
        ("↓", KeyCode::Down, KeyModifiers::NONE),
        ("pagedown", KeyCode::PageDown, KeyModifiers::NONE),
        ("pgdn", KeyCode::PageDown, KeyModifiers::NONE),
        ("page_down", KeyCode::PageDown, KeyModifiers::NONE),
        ("PgUp", KeyCode::PageUp, KeyModifiers::NONE),
        ("home", KeyCode::Home, KeyModifiers::NONE),
        ("end", KeyCode::End, KeyModifiers::NONE),
        ("enter", KeyCode::Enter, KeyModifiers::NONE),
        ("esc", KeyCode::Esc, KeyModifiers::NONE),
        ("tab", KeyCode::Tab, KeyModifiers::NONE),
        ("backtab", KeyCode::BackTab, KeyModifiers::NONE),
        ("shift-tab", KeyCode::BackTab, KeyModifiers::NONE),
        ("space", KeyCode::Char(' '), KeyModifiers::NONE),
        (" ", KeyCode::Char(' '), KeyModifiers::NONE),
        ("ctrl-c", KeyCode::Char('c'), KeyModifiers::CONTROL),
        ("Ctrl-C", KeyCode::Char('c'), KeyModifiers::CONTROL),
        ("ctrl+d", KeyCode::Char('d'), KeyModifiers::CONTROL),
        ("alt-x", KeyCode::Char('x'), KeyModifiers::ALT),
        ("alt-X", KeyCode::Char('X'), KeyModifiers::ALT),
        (
            "ctrl-alt-x",
            KeyCode::Char('x'),
            KeyModifiers::CONTROL | KeyModifiers::ALT,
        ),
        ("shift-up", KeyCode::Up, KeyModifiers::SHIFT),
        ("f1", KeyCode::F(1), KeyModifiers::NONE),
        ("F12", KeyCode::F(12), KeyModifiers::NONE),
        ("?", KeyCode::Char('?'), KeyModifiers::NONE),
        ("/", KeyCode::Char('/'), KeyModifiers::NONE),
        ("[", KeyCode::Char('['), KeyModifiers::NONE),
        ("-", KeyCode::Char('-'), KeyModifiers::NONE),
        ("+", KeyCode::Char('+'), KeyModifiers::NONE),
        ("ctrl--", KeyCode::Char('-'), KeyModifiers::CONTROL),
        ("c", KeyCode::Char('c'), KeyModifiers::NONE),
        ("é", KeyCode::Char('é'), KeyModifiers::NONE),
    ];
    for (s, code, modifiers) in cases {
        assert_eq!(key(s), KeyBinding { code, modifiers }, "{s:?}");
    }
}

#[test]
fn rejects_bad_keys() {
    assert_eq!(KeyBinding::parse(""), Err(KeyParseError::Empty));
    for s in ["pgdwn", "ctrl-", "hyper-x", "f0", "f99", "\t", "ctrl-nope"] {
        let err = KeyBinding::parse(s).unwrap_err();
        assert_eq!(err, KeyParseError::Unknown(s.to_string()));
        assert!(err.to_string().contains(&format!("{s:?}")));
    }
}

#[test]
fn display_forms() {
    let cases = [
        ("j", "j", "j"),
        ("G", "G", "G"),
        ("down", "↓", "Down"),
        ("up", "↑", "Up"),
        ("left", "←", "Left"),
        ("right", "→", "Right"),
        ("pgdn", "PgDn", "PgDn"),
        ("pageup", "PgUp", "PgUp"),
        ("ctrl-c", "Ctrl-C", "Ctrl-C"),
        ("alt-x", "Alt-x", "Alt-x"),
        ("backtab", "Shift-Tab", "Shift-Tab"),
        ("space", "Space", "Space"),
        ("f1", "F1", "F1"),
        ("shift-down", "Shift-↓", "Shift-Down"),
        ("enter", "Enter", "Enter"),
        ("esc", "Esc", "Esc"),
    ];
    for (s, shown, ascii) in cases {
        assert_eq!(key(s).display(), shown, "{s:?}");
        assert_eq!(key(s).display_ascii(), ascii, "{s:?}");
        assert_eq!(key(s).to_string(), shown, "{s:?}");
    }
}

#[test]
fn display_and_config_strings_parse_back() {
    let mut all: Vec<KeyBinding> = Keymap::defaults()
        .bindings()
        .iter()
        .map(|(k, _)| *k)
        .collect();
    for s in [
        "alt-X",
        "ctrl--",
        "shift-up",
        "f24",
        "delete",
        "insert",
        "backspace",
        "ctrl-alt-x",
        "-",
        "+",
        "é",
        "super-k",
        "\"",
        "\\",
    ] {
        all.push(key(s));
    }
    for k in all {
        assert_eq!(key(&k.display()), k, "display {:?}", k.display());
        assert_eq!(key(&k.display_ascii()), k, "ascii {:?}", k.display_ascii());
        assert_eq!(key(&k.config_string()), k, "config {:?}", k.config_string());
        assert!(k.display_ascii().is_ascii() || !k.config_string().is_ascii());
    }
}

#[test]
fn defaults_bind_every_action_and_no_key_twice() {
    let map = Keymap::defaults();
    for a in Action::ALL {
        assert!(!map.keys_for(a).is_empty(), "{a} unbound");
        assert_eq!(map.keys_for(a).len(), default_keys(a).len(), "{a}");
    }
    let mut seen = HashSet::new();
    for (k, a) in map.bindings() {
        assert!(
            seen.insert(*k),
            "{} bound twice (again to {a})",
            k.display()
        );
    }
}

#[test]
fn actions_for_key_events() {
    let map = Keymap::defaults();
    let none = KeyModifiers::NONE;
    let shift = KeyModifiers::SHIFT;
    let ctrl = KeyModifiers::CONTROL;
    let cases = [
        (ev(KeyCode::Char('j'), none), Some(Action::Down)),
        (ev(KeyCode::Down, none), Some(Action::Down)),
        (ev(KeyCode::Char('k'), none), Some(Action::Up)),
        (ev(KeyCode::Char('G'), none), Some(Action::Bottom)),
        (ev(KeyCode::Char('G'), shift), Some(Action::Bottom)),
        // Some keyboard protocols report the base key plus SHIFT.
        (ev(KeyCode::Char('g'), shift), Some(Action::Bottom)),
        (ev(KeyCode::Char('g'), none), Some(Action::Top)),
        (ev(KeyCode::Char('N'), shift), Some(Action::PrevMatch)),
        (ev(KeyCode::Char('?'), shift), Some(Action::Help)),
        (ev(KeyCode::Char('?'), none), Some(Action::Help)),
        (ev(KeyCode::Char('c'), ctrl), Some(Action::Quit)),
        (ev(KeyCode::Char('C'), ctrl | shift), Some(Action::Quit)),
        (ev(KeyCode::Char('c'), none), Some(Action::CellHistory)),
        (ev(KeyCode::Char('['), none), Some(Action::PrevRun)),
        (ev(KeyCode::Char('x'), none), None),
        (ev(KeyCode::Char('d'), ctrl), Some(Action::PageDown)),
        (ev(KeyCode::Char('f'), ctrl), Some(Action::PageDown)),
        (ev(KeyCode::Char('f'), none), Some(Action::Filter)),
        (ev(KeyCode::Char('F'), shift), Some(Action::ClearFilter)),
        (ev(KeyCode::Char(' '), none), Some(Action::PageDown)),
        (ev(KeyCode::BackTab, shift), Some(Action::FocusPrev)),
        (ev(KeyCode::Tab, shift), Some(Action::FocusPrev)),
        (ev(KeyCode::Tab, none), Some(Action::FocusNext)),
        (ev(KeyCode::Esc, none), Some(Action::Back)),
        (ev(KeyCode::Char('q'), none), Some(Action::Quit)),
        (ev(KeyCode::Char('j'), KeyModifiers::ALT), None),
        (ev(KeyCode::Down, shift), None),
        (ev(KeyCode::F(5), none), None),
    ];
    for (e, want) in cases {
        assert_eq!(map.action(&e), want, "{e:?}");
    }
}

#[test]
fn releases_are_ignored_and_repeats_match() {
    let map = Keymap::defaults();
    let mut e = KeyEvent::new_with_kind_and_state(
        KeyCode::Char('j'),
        KeyModifiers::NONE,
        KeyEventKind::Release,
        KeyEventState::NONE,
    );
    assert_eq!(map.action(&e), None);
    e.kind = KeyEventKind::Repeat;
    assert_eq!(map.action(&e), Some(Action::Down));
}

#[test]
fn patch_replaces_keys() {
    let mut map = Keymap::defaults();
    map.patch(&table(
        "down = [\"ctrl-n\", \"s\"]\nhelp = \"f1\"\nquit = []",
    ))
    .unwrap();
    assert_eq!(map.keys_for(Action::Down), vec![&key("ctrl-n"), &key("s")]);
    assert_eq!(map.keys_for(Action::Help), vec![&key("f1")]);
    assert!(map.keys_for(Action::Quit).is_empty());
    assert_eq!(
        map.action(&ev(KeyCode::Char('j'), KeyModifiers::NONE)),
        None
    );
    assert_eq!(
        map.action(&ev(KeyCode::Char('?'), KeyModifiers::NONE)),
        None
    );
    assert_eq!(
        map.keys_for(Action::Up),
        Keymap::defaults().keys_for(Action::Up)
    );
    assert!(!map.help_rows(false).iter().any(|(_, _, d)| *d == "Quit"));
}

#[test]
fn patch_moves_a_taken_key() {
    let mut map = Keymap::defaults();
    map.patch(&table("filter = \"n\"")).unwrap();
    assert_eq!(
        map.action(&ev(KeyCode::Char('n'), KeyModifiers::NONE)),
        Some(Action::Filter)
    );
    assert!(map.keys_for(Action::NextMatch).is_empty());
    // Swapping two keys in one table works too.
    let mut map = Keymap::defaults();
    map.patch(&table("filter = \"n\"\nnext_match = \"f\""))
        .unwrap();
    assert_eq!(map.keys_for(Action::NextMatch), vec![&key("f")]);
    assert_eq!(map.keys_for(Action::Filter), vec![&key("n")]);
}

#[test]
fn patch_rejects_unknown_names_and_bad_keys() {
    let cases = [
        ("page_dwn = \"x\"", "keys.page_dwn", "page_dwn"),
        ("down = \"pgdwn\"", "keys.down", "pgdwn"),
        ("down = [\"j\", 3]", "keys.down", "integer"),
        ("down = \"x\"\nup = \"x\"", "keys.up", "down"),
    ];
    for (text, entry, mention) in cases {
        let mut map = Keymap::defaults();
        let err = map.patch(&table(text)).unwrap_err();
        assert_eq!(err.entry_name(), Some(entry), "{text}");
        let msg = err.to_string();
        assert!(msg.starts_with(&format!("{entry}: ")), "{msg}");
        assert!(msg.contains(mention), "{msg}");
        assert_eq!(map, Keymap::defaults(), "a failed patch changed the map");
    }
}

#[test]
fn patching_with_to_toml_is_identity() {
    let map = Keymap::defaults();
    let doc = table(&map.to_toml());
    let keys = doc["keys"].as_table().unwrap();
    assert_eq!(keys.len(), Action::ALL.len());
    let mut patched = Keymap::defaults();
    patched.patch(keys).unwrap();
    assert_eq!(patched, map);

    let mut custom = Keymap::defaults();
    custom
        .patch(&table("help = [\"\\\"\", \"\\\\\"]\nquit = []"))
        .unwrap();
    let mut again = Keymap::defaults();
    again
        .patch(table(&custom.to_toml())["keys"].as_table().unwrap())
        .unwrap();
    assert_eq!(again, custom);
}

#[test]
fn help_rows_follow_the_keymap() {
    let rows = Keymap::defaults().help_rows(false);
    assert_eq!(rows.len(), Action::ALL.len());
    let groups: Vec<&str> = rows.iter().map(|r| r.0).collect();
    let mut order: Vec<&str> = groups.clone();
    order.dedup();
    assert_eq!(order, GROUPS);
    assert_eq!(rows[0], ("Move", "k, ↑".to_string(), "Move up one record"));
    assert!(rows.contains(&(
        "Move",
        "PgDn, Ctrl-F, Ctrl-D, Space".to_string(),
        "Move down one page"
    )));
    let ascii = Keymap::defaults().help_rows(true);
    assert_eq!(ascii[1].1, "j, Down");
    assert!(ascii.iter().all(|(_, k, _)| k.is_ascii()));
}
