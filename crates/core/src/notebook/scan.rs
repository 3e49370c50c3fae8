//! A scanner for the shape Jupyter writes: an object with a `cells` array of cell objects.
//! Most of a notebook is outputs, which are only stepped over here, faster than a deserializer
//! builds them. `None` means "not sure", never "not a notebook": anything the scanner does not
//! expect (a duplicate key, an escaped key, a non-string id, a count that is not a plain
//! integer, no `cells` list) goes to serde, which decides.

use super::{Cell, CellKind, Notebook};

struct Scan<'a> {
    b: &'a [u8],
    i: usize,
}

/// The notebook, its cells' outputs left out (`cells`: with the cells, else version and kernel
/// only).
pub fn read(bytes: &[u8], cells: bool) -> Option<Notebook> {
    let mut s = Scan { b: bytes, i: 0 };
    let mut nb = Notebook::default();
    let (mut seen_cells, mut seen_meta, mut seen_major, mut seen_minor) =
        (false, false, false, false);
    s.open(b'{')?;
    if !s.end(b'}') {
        loop {
            let key = s.key()?;
            let seen = match key {
                b"cells" => &mut seen_cells,
                b"metadata" => &mut seen_meta,
                b"nbformat" => &mut seen_major,
                b"nbformat_minor" => &mut seen_minor,
                _ => {
                    s.skip()?;
                    if s.close(b'}')? {
                        break;
                    }
                    continue;
                }
            };
            if std::mem::replace(seen, true) {
                return None;
            }
            match key {
                b"cells" if cells => nb.cells = s.cells()?,
                b"metadata" => s.metadata(&mut nb)?,
                b"nbformat" => nb.nbformat = Some(s.count()?),
                b"nbformat_minor" => nb.nbformat_minor = Some(s.count()?),
                _ => s.skip()?,
            }
            if s.close(b'}')? {
                break;
            }
        }
    }
    s.ws();
    (seen_cells && s.i == s.b.len()).then_some(nb)
}

/// Where the first quote, backslash or control byte is: eight bytes at
/// a time (outputs are long strings of base64 and text).
fn special(b: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_in = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let mut at = 0;
    while let Some(chunk) = b.get(at..at + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let x = u64::from_le_bytes(w);
        // Bytes below 0x20 are exactly those whose top three bits are 0.
        let hit = zero_in(x ^ (ONES * u64::from(b'"')))
            | zero_in(x ^ (ONES * u64::from(b'\\')))
            | zero_in(x & (ONES * 0xe0));
        if hit != 0 {
            break;
        }
        at += 8;
    }
    let rest = b.get(at..)?;
    rest.iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .map(|p| at + p)
}

/// A JSON string's text from its raw bytes. The escapes Jupyter writes
/// are decoded here; `\\u` ones are left to serde.
fn unescape(raw: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while let Some(&c) = raw.get(i) {
        if c != b'\\' {
            out.push(c);
            i += 1;
            continue;
        }
        out.push(match raw.get(i + 1)? {
            b'n' => b'\n',
            b't' => b'\t',
            b'r' => b'\r',
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 0x08,
            b'f' => 0x0c,
            _ => {
                let mut quoted = Vec::with_capacity(raw.len() + 2);
                quoted.push(b'"');
                quoted.extend_from_slice(raw);
                quoted.push(b'"');
                return serde_json::from_slice(&quoted).ok();
            }
        });
        i += 2;
    }
    String::from_utf8(out).ok()
}

impl<'a> Scan<'a> {
    fn ws(&mut self) {
        while let Some(c) = self.b.get(self.i) {
            if !matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
                break;
            }
            self.i += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.b.get(self.i).copied()
    }

    fn open(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }

    /// Right after an opening bracket: whether it closes at once.
    fn end(&mut self, c: u8) -> bool {
        let at = self.peek() == Some(c);
        if at {
            self.i += 1;
        }
        at
    }

    /// After a member: `true` at the closing
    /// bracket (consumed), `false` after a comma (consumed).
    fn close(&mut self, c: u8) -> Option<bool> {
        match self.peek()? {
            x if x == c => {
                self.i += 1;
                Some(true)
            }
            b',' => {
                self.i += 1;
                Some(false)
            }
            _ => None,
        }
    }

    /// The raw bytes of a string (escapes kept), the cursor after it.
    fn raw_string(&mut self) -> Option<(&'a [u8], bool)> {
        self.open(b'"')?;
        let start = self.i;
        let mut escaped = false;
        loop {
            self.i += special(self.b.get(self.i..)?)?;
            match self.b.get(self.i)? {
                b'"' => {
                    let raw = self.b.get(start..self.i)?;
                    self.i += 1;
                    return Some((raw, escaped));
                }
                b'\\' => {
                    escaped = true;
                    self.i += 2;
                }
                _ => return None,
            }
        }
    }

    fn string(&mut self) -> Option<String> {
        let (raw, escaped) = self.raw_string()?;
        if escaped {
            unescape(raw)
        } else {
            std::str::from_utf8(raw).ok().map(str::to_string)
        }
    }

    fn key(&mut self) -> Option<&'a [u8]> {
        let (raw, escaped) = self.raw_string()?;
        if escaped {
            return None;
        }
        self.open(b':')?;
        Some(raw)
    }

    /// Steps over any value, checking only its brackets and strings.
    fn skip(&mut self) -> Option<()> {
        let mut depth = 0usize;
        loop {
            match self.peek()? {
                b'"' => {
                    self.raw_string()?;
                }
                b'{' | b'[' => {
                    depth += 1;
                    self.i += 1;
                }
                b'}' | b']' => {
                    depth = depth.checked_sub(1)?;
                    self.i += 1;
                }
                b',' | b':' if depth > 0 => self.i += 1,
                _ => {
                    let at = self.b.get(self.i..)?.iter().position(|c| {
                        matches!(c, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t')
                    });
                    let end = at.map_or(self.b.len(), |a| self.i + a);
                    if end == self.i {
                        return None;
                    }
                    self.i = end;
                }
            }
            if depth == 0 {
                return Some(());
            }
        }
    }

    fn cells(&mut self) -> Option<Vec<Cell>> {
        let mut out = Vec::new();
        self.open(b'[')?;
        if self.end(b']') {
            return Some(out);
        }
        loop {
            out.push(self.cell()?);
            if self.close(b']')? {
                return Some(out);
            }
        }
    }

    fn cell(&mut self) -> Option<Cell> {
        let (mut kind, mut id, mut source, mut count) = (None, None, None, None);
        let mut outputs: Option<(u64, bool)> = None;
        self.open(b'{')?;
        if !self.end(b'}') {
            loop {
                let key = self.key()?;
                match key {
                    b"cell_type" if kind.is_none() => kind = Some(self.string()?),
                    b"id" if id.is_none() => id = Some(self.null_or(Self::string)?),
                    b"source" if source.is_none() => source = Some(self.source()?),
                    b"execution_count" if count.is_none() => {
                        count = Some(self.null_or(Self::count)?);
                    }
                    b"outputs" if outputs.is_none() => outputs = Some(self.outputs()?),
                    b"cell_type" | b"id" | b"source" | b"execution_count" | b"outputs" => {
                        return None;
                    }
                    _ => self.skip()?,
                }
                if self.close(b'}')? {
                    break;
                }
            }
        }
        Some(Cell {
            kind: CellKind::parse(kind.as_deref().unwrap_or("")),
            id: id.flatten().filter(|s| !s.is_empty()),
            source: source.unwrap_or_default(),
            execution_count: count.flatten(),
            outputs: Vec::new(),
            outputs_digest: outputs.map_or(0, |o| o.0),
            has_error: outputs.is_some_and(|o| o.1),
        })
    }

    /// Steps over a cell's `outputs`: a digest of their bytes (0 for none) and whether one is
    /// an error, found by its `ename` key (a key, so never inside a string's escaped text).
    fn outputs(&mut self) -> Option<(u64, bool)> {
        self.ws();
        let start = self.i;
        if self.peek()? == b'[' {
            self.i += 1;
            if self.end(b']') {
                return Some((0, false));
            }
            self.i = start;
        }
        self.skip()?;
        let raw = self.b.get(start..self.i)?;
        let error = raw
            .windows(7)
            .enumerate()
            .any(|(k, w)| w == b"\"ename\"" && (k == 0 || raw.get(k - 1) != Some(&b'\\')));
        Some((super::digest(raw), error))
    }

    /// `metadata`: the kernelspec's language and name, the language info's name.
    fn metadata(&mut self, nb: &mut Notebook) -> Option<()> {
        if self.peek()? != b'{' {
            return self.skip();
        }
        let (mut spec, mut info) = (false, false);
        self.open(b'{')?;
        if self.end(b'}') {
            return Some(());
        }
        loop {
            match self.key()? {
                b"kernelspec" if !spec => {
                    spec = true;
                    let [language, name] = self.strings([b"language", b"name"])?;
                    (nb.kernel_language, nb.kernel_name) = (language, name);
                }
                b"language_info" if !info => {
                    info = true;
                    let [name] = self.strings([b"name"])?;
                    nb.language_info = name;
                }
                b"kernelspec" | b"language_info" => return None,
                _ => self.skip()?,
            }
            if self.close(b'}')? {
                return Some(());
            }
        }
    }

    /// The string members `keys` of an object (`None` each for one missing or not a string);
    /// anything but an object is stepped over.
    fn strings<const N: usize>(&mut self, keys: [&[u8]; N]) -> Option<[Option<String>; N]> {
        let mut out: [Option<String>; N] = std::array::from_fn(|_| None);
        let mut seen = [false; N];
        if self.peek()? != b'{' {
            self.skip()?;
            return Some(out);
        }
        self.open(b'{')?;
        if self.end(b'}') {
            return Some(out);
        }
        loop {
            let key = self.key()?;
            match keys.iter().position(|k| *k == key) {
                Some(k) => {
                    if std::mem::replace(seen.get_mut(k)?, true) {
                        return None;
                    }
                    if self.peek()? == b'"' {
                        *out.get_mut(k)? = Some(self.string()?);
                    } else {
                        self.skip()?;
                    }
                }
                None => self.skip()?,
            }
            if self.close(b'}')? {
                return Some(out);
            }
        }
    }

    fn null_or<T>(&mut self, f: fn(&mut Self) -> Option<T>) -> Option<Option<T>> {
        self.ws();
        if self.b.get(self.i..)?.starts_with(b"null") {
            self.i += 4;
            Some(None)
        } else {
            f(self).map(Some)
        }
    }

    fn count(&mut self) -> Option<u64> {
        self.ws();
        let digits = self
            .b
            .get(self.i..)?
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        let text = std::str::from_utf8(self.b.get(self.i..self.i + digits)?).ok()?;
        // Only plain integers; anything else is serde's to judge.
        if digits == 0 || (digits > 1 && text.starts_with('0')) {
            return None;
        }
        self.i += digits;
        if matches!(self.b.get(self.i), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        text.parse().ok()
    }

    fn source(&mut self) -> Option<String> {
        if self.peek()? == b'"' {
            return self.string();
        }
        let mut out = String::new();
        self.open(b'[')?;
        if self.end(b']') {
            return Some(out);
        }
        loop {
            out.push_str(&self.string()?);
            if self.close(b']')? {
                return Some(out);
            }
        }
    }
}
