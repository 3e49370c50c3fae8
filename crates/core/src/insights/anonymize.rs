//! Pseudonyms for a research export: author names, emails and user names
//! replaced by salted hashes, in the author fields and wherever they appear
//! in text. README ("`export`") lists what is and is not scrubbed.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};

use sha2::{Digest, Sha256};

use crate::activity::{Content, Detail};
use crate::repo::{RecordRow, RecordView};

/// Hex digits of the hash kept in a pseudonym (32 bits: collisions are
/// unlikely among a project's few authors).
const HASH_HEX: usize = 8;

/// Name parts shorter than this are not replaced on their own: two-letter
/// parts ("Li", "Al") would rewrite ordinary words and code.
const MIN_PART: usize = 3;

/// What a piece of identity is; part of what is hashed, so that a name and
/// a user name that happen to be equal get different pseudonyms.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Name,
    Email,
    User,
}

/// Replaces the identities found in a history by pseudonyms.
#[derive(Debug, Clone)]
pub struct Anonymizer {
    salt: String,
    /// What to look for in text (lower-case ASCII folding), longest first,
    /// and what replaces it.
    needles: Vec<(String, String)>,
    /// First bytes of the needles, folded, to skip most positions at once.
    starts: [bool; 256],
}

impl Anonymizer {
    /// An anonymizer for the identities in `rows`: every author name and
    /// email, the user names in those emails (`alice` of
    /// `alice@example.com`) and in workspace branch names
    /// (`gm.workspace-<user>`) that messages mention, and the parts of
    /// names of three letters or more.
    pub fn new<'a, R: RecordView<'a>>(salt: &str, rows: impl IntoIterator<Item = R>) -> Self {
        let rows: Vec<(&'a str, &'a str, &'a str)> = rows
            .into_iter()
            .map(|r| (r.author(), r.email(), r.message()))
            .collect();
        Self::of_identities(salt, &rows)
    }

    /// An anonymizer for the identities of any history: (author name, email, message) of each
    /// commit, found as [`Anonymizer::new`] finds them in records.
    pub fn of_identities(salt: &str, rows: &[(&str, &str, &str)]) -> Self {
        let mut a = Anonymizer {
            salt: salt.to_string(),
            needles: Vec::new(),
            starts: [false; 256],
        };
        let mut found: HashMap<String, String> = HashMap::new();
        let mut add = |needle: &str, replacement: String| {
            let needle = needle.trim();
            if needle.is_empty() {
                return;
            }
            // Matching folds ASCII case only; letters beyond ASCII are
            // also looked for all lower and all upper case.
            let mut forms = vec![needle.to_ascii_lowercase()];
            if !needle.is_ascii() {
                forms.push(needle.to_lowercase());
                forms.push(needle.to_uppercase());
            }
            for form in forms {
                found.entry(form).or_insert_with(|| replacement.clone());
            }
        };
        for &(author, email, message) in rows {
            let email = email.trim();
            if !email.is_empty() {
                add(email, a.email(email));
                if let Some((user, _)) = email.split_once('@') {
                    add(user, a.user(user));
                }
            }
            let name = author.trim();
            if !name.is_empty() {
                add(name, a.name(name));
            }
            for user in workspace_users(message) {
                add(user, a.user(user));
            }
        }
        // Parts of names after whole names, users and emails, so that those
        // keep their own pseudonyms.
        for &(author, _, _) in rows {
            let name = author.trim();
            for part in name.split(|c: char| c.is_whitespace() || c == '.' || c == ',') {
                if part.chars().count() >= MIN_PART {
                    add(part, a.name(name));
                }
            }
        }
        let mut needles: Vec<(String, String)> = found.into_iter().collect();
        needles.sort_by(|x, y| y.0.len().cmp(&x.0.len()).then(x.0.cmp(&y.0)));
        for (n, _) in &needles {
            if let Some(&b) = n.as_bytes().first() {
                for c in [b.to_ascii_lowercase(), b.to_ascii_uppercase()] {
                    if let Some(s) = a.starts.get_mut(usize::from(c)) {
                        *s = true;
                    }
                }
            }
        }
        a.needles = needles;
        a
    }

    /// A salt no one can guess: std seeds every `RandomState` from the
    /// operating system's randomness; the clock and process id are mixed in
    /// for good measure. Never written anywhere.
    pub fn random_salt() -> String {
        let mut h = Sha256::new();
        for _ in 0..2 {
            let mut s = std::collections::hash_map::RandomState::new().build_hasher();
            s.write_u64(0x5eed);
            h.update(s.finish().to_le_bytes());
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        h.update(now.to_le_bytes());
        h.update(std::process::id().to_le_bytes());
        hex(&h.finalize())
    }

    fn hash(&self, kind: Kind, value: &str) -> String {
        let mut h = Sha256::new();
        h.update(self.salt.as_bytes());
        h.update([0]);
        h.update(format!("{kind:?}").as_bytes());
        h.update([0]);
        h.update(value.trim().to_lowercase().as_bytes());
        let mut s = hex(&h.finalize());
        s.truncate(HASH_HEX);
        s
    }

    /// `author-3fa9c2d1`.
    pub fn name(&self, name: &str) -> String {
        format!("author-{}", self.hash(Kind::Name, name))
    }

    /// `3fa9c2d1@anonymous`.
    pub fn email(&self, email: &str) -> String {
        format!("{}@anonymous", self.hash(Kind::Email, email))
    }

    /// `user-3fa9c2d1`.
    pub fn user(&self, user: &str) -> String {
        format!("user-{}", self.hash(Kind::User, user))
    }

    /// `text` with every identity replaced: whole words only (the letters,
    /// digits or `_` around a match must not continue it), ASCII letters in
    /// any case, others as written or all lower or all upper case.
    pub fn text<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let bytes = text.as_bytes();
        let mut out: Option<String> = None;
        let mut copied = 0;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes.get(i).copied().unwrap_or(0);
            let fits = self.starts.get(usize::from(b)).copied().unwrap_or(false)
                && text.is_char_boundary(i)
                && (i == 0 || !is_word_byte(bytes.get(i - 1).copied().unwrap_or(b' ')));
            if fits && let Some((len, with)) = self.match_at(bytes, i) {
                let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
                o.push_str(text.get(copied..i).unwrap_or(""));
                o.push_str(with);
                i += len;
                copied = i;
                continue;
            }
            i += 1;
        }
        match out {
            None => Cow::Borrowed(text),
            Some(mut o) => {
                o.push_str(text.get(copied..).unwrap_or(""));
                Cow::Owned(o)
            }
        }
    }

    fn match_at(&self, bytes: &[u8], i: usize) -> Option<(usize, &str)> {
        let rest = bytes.get(i..)?;
        self.needles.iter().find_map(|(n, with)| {
            let n = n.as_bytes();
            let head = rest.get(..n.len())?;
            let after = rest.get(n.len()).copied();
            (head.eq_ignore_ascii_case(n) && after.is_none_or(|c| !is_word_byte(c)))
                .then_some((n.len(), with.as_str()))
        })
    }

    fn scrub(&self, s: &mut String) {
        if let Cow::Owned(new) = self.text(s) {
            *s = new;
        }
    }

    /// A copy of `row` with its author, email, message, tags and errors
    /// anonymized. Detail keys and commit ids stay as they are.
    pub fn row(&self, row: &RecordRow) -> RecordRow {
        let mut r = row.clone();
        r.author = self.name(&row.author);
        r.email = self.email(&row.email);
        self.scrub(&mut r.record.message);
        for t in &mut r.record.meta.tags {
            self.scrub(t);
        }
        for e in &mut r.record.errors {
            self.scrub(e);
        }
        r
    }

    /// Anonymizes decoded details in place: text content, tags and errors.
    /// Images and binary data are exported as sizes and hashes only, so
    /// nothing of theirs needs scrubbing.
    pub fn details(&self, details: &mut [Detail]) {
        for d in details {
            for c in &mut d.content {
                if let Content::Text { text, .. } = c {
                    self.scrub(text);
                }
            }
            for t in &mut d.tags {
                self.scrub(t);
            }
            for e in &mut d.errors {
                self.scrub(e);
            }
        }
    }
}

/// User names in workspace branch names a message mentions
/// (`Created new branch gm.workspace-bob`).
pub fn workspace_users(message: &str) -> impl Iterator<Item = &str> {
    message
        .match_indices("gm.workspace-")
        .filter_map(|(at, m)| {
            let rest = message.get(at + m.len()..)?;
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_' || c == '.'))
                .unwrap_or(rest.len());
            let user = rest.get(..end)?.trim_end_matches('.');
            (!user.is_empty()).then_some(user)
        })
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::record::Record;

    fn row(name: &str, email: &str, message: &str) -> RecordRow {
        RecordRow {
            commit: git2::Oid::ZERO_SHA1,
            time: 0,
            tz_minutes: 0,
            author: name.into(),
            email: email.into(),
            record: Record {
                message: message.into(),
                ..Record::default()
            },
        }
    }

    #[test]
    fn names_emails_and_users_are_replaced_as_whole_words() {
        let rows = vec![
            row(
                "Alice Example",
                "alice@example.com",
                "Created new branch gm.workspace-alice",
            ),
            row(
                "Bob Chen",
                "bob.chen@example.org",
                "Merged from branch gm.workspace-bobc",
            ),
        ];
        let a = Anonymizer::new("salt", &rows);
        let t = a.text(
            "Alice Example <alice@example.com> told BOB: see /home/alice/x and gm.workspace-bobc; \
             Alicesque and malice stay; Chen's note",
        );
        assert!(!t.contains("Alice Example"), "{t}");
        assert!(!t.contains("alice@"), "{t}");
        assert!(!t.contains("/alice/"), "{t}");
        assert!(!t.contains("bobc"), "{t}");
        assert!(!t.contains("Chen"), "{t}");
        assert!(t.contains("Alicesque") && t.contains("malice"), "{t}");
        // "Bob" is three letters: a name part, replaced too.
        assert!(!t.contains("BOB"), "{t}");
        assert!(t.contains(&a.name("Alice Example")) && t.contains(&a.email("alice@example.com")));
        assert_eq!(a.text("nothing here"), Cow::Borrowed("nothing here"));
        let b = Anonymizer::new("salt", &[row("José Müller", "jm@x.example", "")]);
        let t = b.text("JOSÉ MÜLLER, josé müller, Müller's");
        assert!(
            !t.contains("JOS") && !t.contains("jos") && !t.contains("ller"),
            "{t}"
        );
    }

    #[test]
    fn the_salt_decides_the_pseudonyms() {
        let a = Anonymizer::new("one", &[]);
        let b = Anonymizer::new("one", &[]);
        let c = Anonymizer::new("two", &[]);
        assert_eq!(a.name("Alice"), b.name("Alice"));
        assert_ne!(a.name("Alice"), c.name("Alice"));
        assert_ne!(a.name("alice"), a.user("alice"));
        assert!(a.email("x@y").ends_with("@anonymous"));
        assert_ne!(Anonymizer::random_salt(), Anonymizer::random_salt());
    }

    #[test]
    fn workspace_users_are_found_in_messages() {
        let users: Vec<&str> =
            workspace_users("Merged gm.workspace-bob into master; gm.workspace-a.b-c.").collect();
        assert_eq!(users, ["bob", "a.b-c"]);
    }
}
