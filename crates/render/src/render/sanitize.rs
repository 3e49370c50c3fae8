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

/// The bidirectional embeddings, overrides and isolates, which reorder the
/// text after them until their pop: a line of code or a file name can read
/// differently from what it is ("Trojan Source"). The marks (U+200E/F,
/// U+061C) only nudge neutral characters and stay, as right-to-left text
/// uses them.
const BIDI: [(char, &str); 9] = [
    ('\u{202a}', "\\u{202a}"),
    ('\u{202b}', "\\u{202b}"),
    ('\u{202c}', "\\u{202c}"),
    ('\u{202d}', "\\u{202d}"),
    ('\u{202e}', "\\u{202e}"),
    ('\u{2066}', "\\u{2066}"),
    ('\u{2067}', "\\u{2067}"),
    ('\u{2068}', "\\u{2068}"),
    ('\u{2069}', "\\u{2069}"),
];

/// The visible stand-in for a control character, or `None` if `c` is not
/// one: caret notation for C0 controls (`^@` … `^_`, so BEL is `^G` and
/// ESC is `^[`) and DEL (`^?`), `\u{80}` … `\u{9f}` for the C1 controls
/// and `\u{202e}` and the like for the bidirectional overrides and
/// isolates. Tab and newline have markers too; callers that lay out text
/// keep those before asking.
pub fn marker(c: char) -> Option<&'static str> {
    match c {
        '\0'..='\x1f' => CARET.get(c as usize).copied(),
        '\x7f' => Some("^?"),
        '\u{80}'..='\u{9f}' => C1.get(c as usize - 0x80).copied(),
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
            BIDI.iter().find(|(b, _)| *b == c).map(|(_, m)| *m)
        }
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
/// terminal may act on: DEL as `\u007f`, the C1 controls as `\u0080` …
/// `\u009f`, and the bidi overrides and isolates (`\u202e`, …), which
/// reorder what a terminal shows. Outside strings JSON is plain ASCII, so
/// every such character found is inside a string, where the escape means
/// the same character.
pub fn escape_json(json: Vec<u8>) -> Vec<u8> {
    // One quick pass decides: most exports hold none of these bytes.
    if !json.iter().any(|&b| b == 0x7f || b == 0xc2 || b == 0xe2) {
        return json;
    }
    let mut out = Vec::with_capacity(json.len() + 32);
    let mut i = 0;
    while let Some(&b) = json.get(i) {
        if let Some(code) = bidi_code(&json, i) {
            i += 2;
            out.extend_from_slice(format!("\\u{code:04x}").as_bytes());
        } else {
            match (b, json.get(i + 1).copied()) {
                (0x7f, _) => out.extend_from_slice(b"\\u007f"),
                (0xc2, Some(n @ 0x80..=0x9f)) => {
                    i += 1;
                    out.extend_from_slice(format!("\\u{:04x}", n).as_bytes());
                }
                _ => out.push(b),
            }
        }
        i += 1;
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
    /// The start of a UTF-8 character the last write ended inside (at most
    /// three bytes), completed by the next.
    partial: Vec<u8>,
    broken_pipe: bool,
}

/// What stands for bytes that are not UTF-8: U+FFFD, as `from_utf8_lossy` writes.
const REPLACEMENT: &[u8] = "\u{fffd}".as_bytes();

impl<W: Write> Guard<W> {
    /// `sgr`: pass colour sequences through (the output is a terminal and
    /// colour is on); else they show as `^[[31m`.
    pub fn new(inner: W, sgr: bool) -> Self {
        Guard {
            inner,
            sgr,
            state: State::Text,
            pending: Vec::new(),
            partial: Vec::new(),
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
        if !self.partial.is_empty() {
            tail.extend_from_slice(REPLACEMENT);
            self.partial.clear();
        }
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
            State::Lead => out.extend_from_slice(REPLACEMENT),
        }
        self.pending.clear();
    }

    /// Valid UTF-8 up to the first byte to look at passes without a copy:
    /// all of it, in the common case. Only UTF-8 passes at all, since a
    /// stray 0x9B byte is a CSI to a terminal that reads 8-bit controls.
    fn write_through(&mut self, buf: &[u8]) -> io::Result<()> {
        let clean = match self.state {
            State::Text => buf
                .iter()
                .position(|&b| SPECIAL[usize::from(b)])
                .unwrap_or(buf.len()),
            _ => 0,
        };
        let clean = match std::str::from_utf8(&buf[..clean]) {
            Ok(_) => clean,
            Err(e) => e.valid_up_to(),
        };
        let clean = find_bidi(&buf[..clean]).unwrap_or(clean);
        let (head, rest) = buf.split_at(clean);
        self.put(head)?;
        if !rest.is_empty() {
            let mut out = Vec::with_capacity(rest.len() + 16);
            self.filter(rest, &mut out);
            self.put(&out)?;
        }
        Ok(())
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
                let at_end = i + run == buf.len();
                if let Some(tail) = utf8_into(&buf[i..i + run], out, at_end) {
                    self.partial.extend_from_slice(tail);
                }
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
                State::Lead if (0xa0..=0xbf).contains(&b) => {
                    out.extend_from_slice(&[0xc2, b]);
                    self.state = State::Text;
                }
                State::Lead => {
                    out.extend_from_slice(REPLACEMENT);
                    self.state = State::Text;
                    i -= 1;
                }
            }
        }
    }
}

/// Copies the UTF-8 in `run` to `out`, each byte that is not part of a whole
/// character as U+FFFD. A character cut off at the end is returned to be
/// completed by the next write when `at_end` (else it was cut by a control
/// and is replaced).
fn utf8_into<'a>(mut run: &'a [u8], out: &mut Vec<u8>, at_end: bool) -> Option<&'a [u8]> {
    loop {
        match std::str::from_utf8(run) {
            Ok(_) => {
                push_marking_bidi(run, out);
                return None;
            }
            Err(e) => {
                let (good, bad) = run.split_at(e.valid_up_to());
                push_marking_bidi(good, out);
                match e.error_len() {
                    Some(n) => {
                        out.extend_from_slice(REPLACEMENT);
                        run = bad.get(n..).unwrap_or_default();
                    }
                    None if at_end => return Some(bad),
                    None => {
                        out.extend_from_slice(REPLACEMENT);
                        return None;
                    }
                }
            }
        }
    }
}

/// The code point of the bidi override or isolate at byte `i` of UTF-8 `b`,
/// if one is there (U+202A … U+202E are E2 80 AA … AE, U+2066 … U+2069 are
/// E2 81 A6 … A9).
fn bidi_code(b: &[u8], i: usize) -> Option<u32> {
    match (b.get(i), b.get(i + 1), b.get(i + 2)) {
        (Some(0xe2), Some(0x80), Some(&n @ 0xaa..=0xae)) => Some(0x2000 + u32::from(n) - 0x80),
        (Some(0xe2), Some(0x81), Some(&n @ 0xa6..=0xa9)) => Some(0x2040 + u32::from(n) - 0x80),
        _ => None,
    }
}

/// The marker of the bidi override or isolate at byte `i` of UTF-8 `b`.
fn bidi_at(b: &[u8], i: usize) -> Option<&'static str> {
    bidi_code(b, i).and_then(char::from_u32).and_then(marker)
}

/// Byte index of the first bidi override or isolate in UTF-8 `b`.
fn find_bidi(b: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = b.get(from..)?.iter().position(|&x| x == 0xe2) {
        if bidi_code(b, from + at).is_some() {
            return Some(from + at);
        }
        from += at + 1;
    }
    None
}

/// Copies valid UTF-8 `good` to `out` with its bidi overrides and isolates as markers.
fn push_marking_bidi(good: &[u8], out: &mut Vec<u8>) {
    let mut rest = good;
    while let Some(i) = find_bidi(rest) {
        let (before, after) = rest.split_at(i);
        out.extend_from_slice(before);
        out.extend_from_slice(bidi_at(rest, i).unwrap_or("?").as_bytes());
        rest = after.get(3..).unwrap_or_default();
    }
    out.extend_from_slice(rest);
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
        if !self.partial.is_empty() {
            let mut joined = std::mem::take(&mut self.partial);
            joined.extend_from_slice(buf);
            self.write_through(&joined)?;
        } else {
            self.write_through(buf)?;
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
    fn guard_marks_bidi_overrides() {
        let text = "a\u{202e}b\u{2069}c \u{2026}\u{200f}";
        assert_eq!(
            guarded(&[text.as_bytes()], false),
            "a\\u{202e}b\\u{2069}c \u{2026}\u{200f}"
        );
        let split: Vec<&[u8]> = text.as_bytes().chunks(1).collect();
        assert_eq!(
            guarded(&split, false),
            "a\\u{202e}b\\u{2069}c \u{2026}\u{200f}"
        );
        assert_eq!(guarded(&[b"\x1b[m\xe2\x80\xae"], true), "\x1b[m\\u{202e}");
    }

    #[test]
    fn guard_passes_only_utf8() {
        // A lone 0x9B is a one-byte CSI to a terminal that reads 8-bit controls.
        assert_eq!(guarded(&[b"a\x9b2Jb"], false), "a\u{fffd}2Jb");
        assert_eq!(
            guarded(&[b"\xff\xfe\xc0\xaf!"], false),
            "\u{fffd}\u{fffd}\u{fffd}\u{fffd}!"
        );
        // 0xC2 that leads nothing, and one cut off at the end.
        assert_eq!(guarded(&[b"\xc2A", b"\xc2"], false), "\u{fffd}A\u{fffd}");
        // A character cut off by a control, or by the end.
        assert_eq!(guarded(&[b"\xe2\x82\x1b[m"], false), "\u{fffd}^[[m");
        assert_eq!(guarded(&[b"ok\xe2\x82"], false), "ok\u{fffd}");
        // Characters split over writes, as a copy in blocks splits them, pass whole.
        let euro = "€ and 😀".as_bytes();
        for cut in 0..euro.len() {
            let (a, b) = euro.split_at(cut);
            assert_eq!(guarded(&[a, b], false), "€ and 😀", "cut at {cut}");
        }
        let split: Vec<&[u8]> = "x€é😀\u{9b}".as_bytes().chunks(1).collect();
        assert_eq!(guarded(&split, false), "x€é😀\\u{9b}");
    }

    #[test]
    fn bidi_overrides_are_marked() {
        assert_eq!(line("a\u{202e}cod\u{2066}b"), "a\\u{202e}cod\\u{2066}b");
        assert_eq!(text("x\u{2069}\n"), "x\\u{2069}\n");
        // Right-to-left marks stay: right-to-left text uses them.
        assert_eq!(line("\u{5e9}\u{200f}1"), "\u{5e9}\u{200f}1");
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
        let v = serde_json::json!({"m": "\u{202e}x\u{2066}\u{2069}\u{2026}\u{200f}"});
        let s = String::from_utf8(json(&v).unwrap()).unwrap();
        assert_eq!(s, "{\"m\":\"\\u202ex\\u2066\\u2069\u{2026}\u{200f}\"}");
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
