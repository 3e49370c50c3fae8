//! The editing keys every one-line prompt shares (the search prompt, the
//! filter panel's text fields, a picker's query), as readline has them.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The character a key types, if it types one. Windows reports AltGr as
/// Ctrl+Alt, so a printable character with both is typed as it is (an `@`
/// or `\` on many European keyboards); Ctrl or Alt alone types nothing.
pub fn typed(key: &KeyEvent) -> Option<char> {
    let KeyCode::Char(c) = key.code else {
        return None;
    };
    let m = key.modifiers;
    let ctrl = m.contains(KeyModifiers::CONTROL);
    let alt = m.contains(KeyModifiers::ALT);
    (!c.is_control() && ctrl == alt).then_some(c)
}

/// Whether `key` is AltGr and a character (see [`typed`]).
pub fn is_altgr(key: &KeyEvent) -> bool {
    key.modifiers
        .contains(KeyModifiers::CONTROL | KeyModifiers::ALT)
        && typed(key).is_some()
}

/// Whether the prompt, not the Esc-then-key reading of Alt, takes `key`.
pub fn takes_alt(key: &KeyEvent) -> bool {
    key.code == KeyCode::Backspace || is_altgr(key)
}

/// Applies `key` to `text` when it edits it: a typed character, Backspace,
/// Alt+Backspace (the word before: letters and digits, as readline's
/// backward-kill-word), Ctrl-W (back to a space, as unix-word-rubout),
/// Ctrl-U (everything). False for any other key.
pub fn edit(text: &mut String, key: &KeyEvent) -> bool {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Backspace if key.modifiers.contains(KeyModifiers::ALT) => {
            rub_out(text, |c| !c.is_alphanumeric())
        }
        KeyCode::Backspace => {
            text.pop();
        }
        KeyCode::Char('w') if ctrl && !is_altgr(key) => rub_out(text, char::is_whitespace),
        KeyCode::Char('u') if ctrl && !is_altgr(key) => text.clear(),
        _ => match typed(key) {
            Some(c) => text.push(c),
            None => return false,
        },
    }
    true
}

/// Drops the separators (`sep`) at the end, then the word before them.
fn rub_out(text: &mut String, sep: impl Fn(char) -> bool) {
    let kept = text.trim_end_matches(&sep).len();
    text.truncate(kept);
    let kept = text.trim_end_matches(|c| !sep(c)).len();
    text.truncate(kept);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    #[test]
    fn words_as_readline_deletes_them() {
        let alt_bs = key(KeyCode::Backspace, KeyModifiers::ALT);
        let ctrl_w = key(KeyCode::Char('w'), KeyModifiers::CONTROL);
        for (start, k, want) in [
            ("load data.csv", &alt_bs, "load data."),
            ("load data.", &alt_bs, "load "),
            ("load  ", &alt_bs, ""),
            ("", &alt_bs, ""),
            ("café crème", &alt_bs, "café "),
            ("load data.csv", &ctrl_w, "load "),
            ("load data.csv  ", &ctrl_w, "load "),
            ("x", &ctrl_w, ""),
        ] {
            let mut t = start.to_string();
            assert!(edit(&mut t, k));
            assert_eq!(t, want, "{start:?} {k:?}");
        }
    }

    #[test]
    fn altgr_types_and_ctrl_or_alt_alone_do_not() {
        let both = KeyModifiers::CONTROL | KeyModifiers::ALT;
        assert_eq!(typed(&key(KeyCode::Char('@'), both)), Some('@'));
        assert_eq!(typed(&key(KeyCode::Char('w'), both)), Some('w'));
        assert_eq!(
            typed(&key(KeyCode::Char('A'), KeyModifiers::SHIFT)),
            Some('A')
        );
        assert_eq!(typed(&key(KeyCode::Char('a'), KeyModifiers::CONTROL)), None);
        assert_eq!(typed(&key(KeyCode::Char('a'), KeyModifiers::ALT)), None);
        let mut t = String::from("ab");
        assert!(
            edit(&mut t, &key(KeyCode::Char('w'), both)),
            "AltGr+w types w"
        );
        assert_eq!(t, "abw");
        assert!(!edit(&mut t, &key(KeyCode::Left, KeyModifiers::NONE)));
    }
}
