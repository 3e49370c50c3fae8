//! The one sanitiser for text from repositories: control characters become
//! visible markers before anything reaches a terminal, stdout or stderr.
//!
//! A history is written by strangers. A commit message, an author name, a
//! file name or a cell output can carry escape sequences that set the
//! window title (OSC 0), write the clipboard (OSC 52), clear the screen or
//! hide the cursor. Every path out of the program goes through this module:
//! [`marker`] is the notation the TUI draws; [`line`] and [`text`] clean a
//! field before it is formatted; [`Guard`] wraps stdout and stderr and lets
//! through only the SGR colour sequences gtm-tui writes itself (and only
//! when colour is on), so a field that was not cleaned still cannot drive
//! the terminal; [`escape_json`] escapes what serde_json leaves raw (DEL and
//! the C1 controls, which some terminals act on).

use std::borrow::Cow;
use std::io::{self, Write};

/// Caret notation for the C0 controls, indexed by code point.
const CARET: [&str; 32] = [
    "^@", "^A", "^B", "^C", "^D", "^E", "^F", "^G", "^H", "^I", "^J", "^K", "^L", "^M", "^N", "^O",
    "^P", "^Q", "^R", "^S", "^T", "^U", "^V", "^W", "^X", "^Y", "^Z", "^[", "^\\", "^]", "^^",
    "^_",
];

/// The C1 controls have no common caret form; Rust's escape notation names
/// the code point, so `\u{9b}` (a one-byte CSI) reads as what it is.
const C1: [&str; 32] = [
    "\\u{80}", "\\u{81}", "\\u{82}", "\\u{83}", "\\u{84}", "\\u{85}", "\\u{86}", "\\u{87}",
    "\\u{88}", "\\u{89}", "\\u{8a}", "\\u{8b}", "\\u{8c}", "\\u{8d}", "\\u{8e}", "\\u{8f}",
    "\\u{90}", "\\u{91}", "\\u{92}", "\\u{93}", "\\u{94}", "\\u{95}", "\\u{96}", "\\u{97}",
    "\\u{98}", "\\u{99}", "\\u{9a}", "\\u{9b}", "\\u{9c}", "\\u{9d}", "\\u{9e}", "\\u{9f}",
];

/// The visible stand-in for a control character, or `None` if `c` is not
/// one: caret notation for C0 controls (`^@` … `^_`, so BEL is `^G` and
/// ESC is `^[`) and DEL (`^?`), `\u{80}` … `\u{9f}` for the C1 controls.
/// Tab and newline have markers too; callers that lay out text keep those
/// before asking.
pub fn marker(c: char) -> Option<&'static str> {
    match c {
        '\0'..='\x1f' => CARET.get(c as usize).copied(),
        '\x7f' => Some("^?"),
        '\u{80}'..='\u{9f}' => C1.get(c as usize - 0x80).copied(),
        _ => None,
    }
}

fn is_control(c: char) -> bool {
    marker(c).is_some()
}

/// A one-line field (message, author, tag, file or package name): every
/// control character, newline and tab included, becomes its marker.
pub fn line(s: &str) -> Cow<'_, str> {
    clean_with(s, is_control)
}

/// Multi-line text (code, notes): newlines and tabs stay, every other
/// control character becomes its marker.
pub fn text(s: &str) -> Cow<'_, str> {
    clean_with(s, |c| c != '\n' && c != '\t' && is_control(c))
}

/// Text with every control character but those in `keep` shown as its
/// marker: git's progress on a terminal keeps `\r`, which redraws its line.
pub fn keeping<'a>(s: &'a str, keep: &[char]) -> Cow<'a, str> {
    clean_with(s, |c| !keep.contains(&c) && is_control(c))
}

fn clean_with(s: &str, mark: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(&mark) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match marker(c).filter(|_| mark(c)) {
            Some(m) => out.push_str(m),
            None => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Escapes, inside JSON text, the characters serde_json writes raw but a
/// terminal may act on: DEL as `\u007f` and the C1 controls as `\u0080` …
/// `\u009f`. Outside strings JSON is plain ASCII, so every such character
/// found is inside a string, where the escape means the same character.
pub fn escape_json(json: Vec<u8>) -> Vec<u8> {
    // One quick pass decides: most exports hold neither byte.
    if !json.iter().any(|&b| b == 0x7f || b == 0xc2) {
        return json;
    }
    let mut out = Vec::with_capacity(json.len() + 32);
    let mut bytes = json.iter().copied().peekable();
    while let Some(b) = bytes.next() {
        match (b, bytes.peek().copied()) {
            (0x7f, _) => out.extend_from_slice(b"\\u007f"),
            (0xc2, Some(n @ 0x80..=0x9f)) => {
                bytes.next();
                out.extend_from_slice(format!("\\u{:04x}", n).as_bytes());
            }
            _ => out.push(b),
        }
    }
    out
}

/// `value` as compact JSON with [`escape_json`] applied.
pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> io::Result<Vec<u8>> {
    serde_json::to_vec(value)
        .map(escape_json)
        .map_err(io::Error::other)
}

/// `value` as indented JSON with [`escape_json`] applied.
pub fn json_pretty<T: serde::Serialize + ?Sized>(value: &T) -> io::Result<Vec<u8>> {
    serde_json::to_vec_pretty(value)
        .map(escape_json)
        .map_err(io::Error::other)
}

/// Whether an SGR parameter string only sets what gtm-tui itself sets:
/// colours (8, 16, 256 and 24-bit), bold, dim, italic, underline, reverse,
/// crossed-out and their resets. Concealed (8) and blinking (5, 6) text,
/// fonts and the rest are refused: on a colour terminal a repository's
/// `ESC [ 8 m` would otherwise hide everything after it.
fn sgr_allowed(params: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(params) else {
        return false;
    };
    let fields: Vec<&str> = text.split(';').collect();
    let number = |f: &str| -> Option<u32> {
        let first = f.split(':').next().unwrap_or("");
        if first.is_empty() {
            Some(0)
        } else {
            first.parse().ok()
        }
    };
    let mut i = 0;
    while let Some(field) = fields.get(i) {
        let Some(v) = number(field) else {
            return false;
        };
        i += 1;
        match v {
            0..=4 | 7 | 9 | 21..=24 | 27 | 29 | 30..=37 | 39..=47 | 49 | 90..=97 | 100..=107 => {}
            // Extended colours: `38:5:n` in one field, or `38;5;n` / `38;2;r;g;b`.
            38 | 48 | 58 if field.contains(':') => {}
            38 | 48 | 58 => match fields.get(i).and_then(|f| number(f)) {
                Some(5) => i += 2,
                Some(2) => i += 4,
                _ => return false,
            },
            _ => return false,
        }
    }
    i <= fields.len()
}

/// Longest SGR parameter string passed through; real ones are a few bytes.
const MAX_SGR: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Text,
    /// After ESC.
    Esc,
    /// After `ESC [`, collecting parameter bytes in `pending`.
    Csi,
    /// After 0xC2, the lead byte of U+0080 … U+00BF.
    Lead,
}

/// A writer that lets through text, newlines, tabs and — when `sgr` is on —
/// `ESC [ digits ; : m` colour sequences, and writes every other control
/// character as its [`marker`]. A sequence split over several writes is
/// held until it is complete, so `write!(out, "\x1b[{}m", n)` works.
///
/// It also remembers whether the reader went away, however the error was
/// wrapped on its way up (serde_json turns it into its own kind), so a
/// command under `| head` can end quietly.
pub struct Guard<W: Write> {
    inner: W,
    sgr: bool,
    state: State,
    pending: Vec<u8>,
    broken_pipe: bool,
}

impl<W: Write> Guard<W> {
    /// `sgr`: pass colour sequences through (the output is a terminal and
    /// colour is on); else they show as `^[[31m`.
    pub fn new(inner: W, sgr: bool) -> Self {
        Guard {
            inner,
            sgr,
            state: State::Text,
            pending: Vec::new(),
            broken_pipe: false,
        }
    }

    /// Whether a write or flush failed because the reader closed the pipe.
    pub fn broken_pipe(&self) -> bool {
        self.broken_pipe
    }

    /// Writes out a sequence left incomplete at the end (as visible text)
    /// and flushes.
    pub fn finish(&mut self) -> io::Result<()> {
        let mut tail = Vec::new();
        self.flush_pending(&mut tail);
        self.state = State::Text;
        self.put(&tail)?;
        self.flush()
    }

    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        let written = self.inner.write_all(bytes);
        self.noticed(written)
    }

    /// `result`, remembering a closed pipe.
    fn noticed(&mut self, result: io::Result<()>) -> io::Result<()> {
        if result
            .as_ref()
            .is_err_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
        {
            self.broken_pipe = true;
        }
        result
    }

    /// An incomplete sequence, made visible.
    fn flush_pending(&mut self, out: &mut Vec<u8>) {
        match self.state {
            State::Text => {}
            State::Esc => out.extend_from_slice(b"^["),
            State::Csi => {
                out.extend_from_slice(b"^[[");
                out.append(&mut self.pending);
            }
            State::Lead => out.push(0xc2),
        }
        self.pending.clear();
    }

    /// Cleans `buf` into `out`.
    fn filter(&mut self, buf: &[u8], out: &mut Vec<u8>) {
        let special = |b: u8| SPECIAL[usize::from(b)];
        let mut i = 0;
        while i < buf.len() {
            if self.state == State::Text {
                let run = buf[i..]
                    .iter()
                    .position(|&b| special(b))
                    .unwrap_or(buf.len() - i);
                out.extend_from_slice(&buf[i..i + run]);
                i += run;
                if i >= buf.len() {
                    break;
                }
            }
            let b = buf[i];
            i += 1;
            match self.state {
                State::Text => match b {
                    0x1b => self.state = State::Esc,
                    0xc2 => self.state = State::Lead,
                    _ => out.extend_from_slice(marker(char::from(b)).unwrap_or("?").as_bytes()),
                },
                State::Esc if b == b'[' => self.state = State::Csi,
                State::Esc => {
                    out.extend_from_slice(b"^[");
                    self.state = State::Text;
                    i -= 1;
                }
                State::Csi
                    if (b.is_ascii_digit() || b == b';' || b == b':')
                        && self.pending.len() < MAX_SGR =>
                {
                    self.pending.push(b);
                }
                State::Csi if b == b'm' && self.sgr && sgr_allowed(&self.pending) => {
                    out.extend_from_slice(b"\x1b[");
                    out.append(&mut self.pending);
                    out.push(b'm');
                    self.state = State::Text;
                }
                State::Csi => {
                    self.flush_pending(out);
                    self.state = State::Text;
                    i -= 1;
                }
                State::Lead if (0x80..=0x9f).contains(&b) => {
                    out.extend_from_slice(marker(char::from(b)).unwrap_or("?").as_bytes());
                    self.state = State::Text;
                }
                State::Lead => {
                    out.push(0xc2);
                    self.state = State::Text;
                    i -= 1;
                }
            }
        }
    }
}

/// The bytes [`Guard`] looks at: C0 controls but newline and tab, DEL, and
/// 0xC2 (the lead byte of the C1 controls in UTF-8). A table, since the
/// guard sees every byte of an export.
const SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = b != 0x0a && b != 0x09;
        b += 1;
    }
    t[0x7f] = true;
    t[0xc2] = true;
    t
};

impl<W: Write> Write for Guard<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Text up to the first byte to look at passes without a copy: all
        // of it, in the common case.
        let clean = match self.state {
            State::Text => buf
                .iter()
                .position(|&b| SPECIAL[usize::from(b)])
                .unwrap_or(buf.len()),
            _ => 0,
        };
        let (head, rest) = buf.split_at(clean);
        self.put(head)?;
        if !rest.is_empty() {
            let mut out = Vec::with_capacity(rest.len() + 16);
            self.filter(rest, &mut out);
            self.put(&out)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let flushed = self.inner.flush();
        self.noticed(flushed)
    }
}

/// Writes one message to stderr through a [`Guard`] (colour off), prefixed
/// with `gtm-tui: `. A closed stderr is ignored: there is nowhere left to
/// say anything, and `eprintln!` would panic.
pub fn warn(message: impl std::fmt::Display) {
    let stderr = io::stderr();
    let mut guard = Guard::new(stderr.lock(), false);
    let _ = writeln!(guard, "gtm-tui: {message}");
    let _ = guard.finish();
}

/// The panic hook of the binary: the message says it is a bug, and goes
/// through [`warn`] like every other line on stderr, since a panic's text
/// may quote repository data (std's slicing panics quote the string).
/// `RUST_BACKTRACE` works as usual.
pub fn panic_hook(info: &std::panic::PanicHookInfo<'_>) {
    warn(panic_message(info.payload(), info.location()));
    let trace = std::backtrace::Backtrace::capture();
    if trace.status() == std::backtrace::BacktraceStatus::Captured {
        warn(trace);
    }
}

fn panic_message(
    payload: &(dyn std::any::Any + Send),
    location: Option<&std::panic::Location<'_>>,
) -> String {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into());
    let at = location.map_or(String::new(), |l| format!(" at {}:{}", l.file(), l.line()));
    format!("internal error, please report it: {what}{at}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guarded(input: &[&[u8]], sgr: bool) -> String {
        let mut g = Guard::new(Vec::new(), sgr);
        for part in input {
            g.write_all(part).unwrap();
        }
        g.finish().unwrap();
        String::from_utf8(g.inner).unwrap()
    }

    #[test]
    fn panic_messages_are_cleaned() {
        let payload: Box<dyn std::any::Any + Send> = Box::new(String::from("bad \x1b]0;t\x07"));
        let msg = panic_message(payload.as_ref(), None);
        let mut g = Guard::new(Vec::new(), false);
        writeln!(g, "gtm-tui: {msg}").unwrap();
        g.finish().unwrap();
        let shown = String::from_utf8(g.inner).unwrap();
        assert_eq!(
            shown,
            "gtm-tui: internal error, please report it: bad ^[]0;t^G\n"
        );
    }

    #[test]
    fn markers() {
        assert_eq!(marker('a'), None);
        assert_eq!(marker('\x1b'), Some("^["));
        assert_eq!(marker('\x07'), Some("^G"));
        assert_eq!(marker('\x7f'), Some("^?"));
        assert_eq!(marker('\u{9b}'), Some("\\u{9b}"));
        assert_eq!(marker('\u{a0}'), None);
    }

    #[test]
    fn fields() {
        assert_eq!(line("a\nb\tc\x1b]0;x\x07"), "a^Jb^Ic^[]0;x^G");
        assert_eq!(text("a\nb\tc\u{9b}2J"), "a\nb\tc\\u{9b}2J");
        assert!(matches!(text("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn guard_keeps_colours_only_when_asked() {
        let s = b"\x1b[1;31mred\x1b[0m";
        assert_eq!(guarded(&[s], true), "\x1b[1;31mred\x1b[0m");
        assert_eq!(guarded(&[s], false), "^[[1;31mred^[[0m");
    }

    #[test]
    fn guard_marks_every_other_sequence() {
        let hostile: &[u8] =
            b"\x1b]0;title\x07\x1b]52;c;aGk=\x1b\\\x1b[2J\x1bP1$q\x1b\\\x08\xc2\x9b2J\x1b[?25l\r";
        let out = guarded(&[hostile], true);
        assert!(!out.contains('\x1b'), "{out:?}");
        assert!(!out.contains('\u{9b}'), "{out:?}");
        assert!(!out.contains('\x07') && !out.contains('\x08') && !out.contains('\r'));
        assert_eq!(
            out,
            "^[]0;title^G^[]52;c;aGk=^[\\^[[2J^[P1$q^[\\^H\\u{9b}2J^[[?25l^M"
        );
    }

    #[test]
    fn guard_holds_split_sequences() {
        assert_eq!(
            guarded(&[b"a\x1b", b"[3", b"2m", b"b\xc2", b"\x9bc"], true),
            "a\x1b[32mb\\u{9b}c"
        );
        // Left incomplete at the end: shown, not dropped.
        assert_eq!(guarded(&[b"x\x1b[12"], true), "x^[[12");
        // Non-control characters that share the lead byte pass.
        assert_eq!(guarded(&["\u{a0}é".as_bytes()], false), "\u{a0}é");
    }

    #[test]
    fn guard_passes_only_the_colours_we_write() {
        for ok in [
            "\x1b[0m",
            "\x1b[m",
            "\x1b[1;31m",
            "\x1b[38;5;103m",
            "\x1b[48;2;10;20;30m",
            "\x1b[38:5:12m",
            "\x1b[22;39;49m",
        ] {
            assert_eq!(guarded(&[ok.as_bytes()], true), ok);
        }
        for bad in ["\x1b[8m", "\x1b[5m", "\x1b[1;8m", "\x1b[38;5m", "\x1b[12m"] {
            let out = guarded(&[bad.as_bytes()], true);
            assert!(!out.contains('\x1b'), "{bad:?} passed: {out:?}");
        }
    }

    #[test]
    fn guard_caps_endless_parameters() {
        let mut long = b"\x1b[".to_vec();
        long.extend(std::iter::repeat_n(b'1', 1000));
        long.push(b'm');
        let out = guarded(&[&long], true);
        assert!(!out.contains('\x1b'));
    }

    #[test]
    fn json_escapes_c1_and_del() {
        let v = serde_json::json!({"m": "a\u{9b}b\u{7f}c\u{85}\u{a0}\x1b"});
        let s = String::from_utf8(json(&v).unwrap()).unwrap();
        assert_eq!(
            s,
            r#"{"m":"a\u009bb\u007fc\u0085 \u001b"}"#.replace(' ', "\u{a0}")
        );
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn broken_pipe_is_remembered() {
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut g = Guard::new(Closed, false);
        assert!(g.write_all(b"x").is_err());
        assert!(g.broken_pipe());
    }
}
