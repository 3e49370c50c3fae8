//! The code cells of a committed Jupyter notebook, as evidence for lineage:
//! each cell's source, execution count and (nbformat ≥ 4.5) id.

use serde::Deserialize;
use serde::de::IgnoredAny;

/// One code cell of a notebook snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NbCell {
    /// nbformat 4.5 cell id, when the notebook has them.
    pub id: Option<String>,
    /// The source, normalised as [`normalize`] does.
    pub source: String,
    pub count: Option<u32>,
}

#[derive(Deserialize)]
struct Doc {
    #[serde(default)]
    cells: Vec<RawCell>,
}

#[derive(Deserialize)]
struct RawCell {
    #[serde(default)]
    cell_type: String,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    source: Source,
    #[serde(default)]
    execution_count: Option<u32>,
    // Outputs can be megabytes of base64 pictures: skipped, not kept.
    #[serde(default)]
    #[allow(dead_code)]
    outputs: IgnoredAny,
}

/// nbformat allows the source as one string or a list of lines.
#[derive(Deserialize, Default)]
#[serde(untagged)]
enum Source {
    One(String),
    Lines(Vec<String>),
    #[default]
    Missing,
}

impl Source {
    fn joined(self) -> String {
        match self {
            Source::One(s) => s,
            Source::Lines(l) => l.concat(),
            Source::Missing => String::new(),
        }
    }
}

/// The code cells of a notebook file, `None` if it is not notebook JSON.
pub fn code_cells(bytes: &[u8]) -> Option<Vec<NbCell>> {
    // Most of a notebook is outputs, which are only stepped over: a scanner
    // does that faster than a deserializer. Anything it does not expect
    // goes to serde, which decides.
    fast::code_cells(bytes).or_else(|| with_serde(bytes))
}

fn with_serde(bytes: &[u8]) -> Option<Vec<NbCell>> {
    let doc: Doc = serde_json::from_slice(bytes).ok()?;
    Some(
        doc.cells
            .into_iter()
            .filter(|c| c.cell_type == "code")
            .map(|c| NbCell {
                id: c.id,
                source: normalize(&c.source.joined()),
                count: c.execution_count,
            })
            .collect(),
    )
}

mod fast {
    //! A scanner for the shape Jupyter writes: an object with a `cells`
    //! array of cell objects. `None` means "not sure", never "not a
    //! notebook".

    use super::{NbCell, normalize};

    struct Scan<'a> {
        b: &'a [u8],
        i: usize,
    }

    pub fn code_cells(bytes: &[u8]) -> Option<Vec<NbCell>> {
        let mut s = Scan { b: bytes, i: 0 };
        let mut cells = None;
        s.open(b'{')?;
        if !s.end(b'}') {
            loop {
                let key = s.key()?;
                if key == b"cells" {
                    if cells.is_some() {
                        return None;
                    }
                    cells = Some(s.cells()?);
                } else {
                    s.skip()?;
                }
                if s.close(b'}')? {
                    break;
                }
            }
        }
        s.ws();
        (s.i == s.b.len()).then_some(cells.unwrap_or_default())
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

        fn cells(&mut self) -> Option<Vec<NbCell>> {
            let mut out = Vec::new();
            self.open(b'[')?;
            if self.end(b']') {
                return Some(out);
            }
            loop {
                if let Some(c) = self.cell()? {
                    out.push(c);
                }
                if self.close(b']')? {
                    return Some(out);
                }
            }
        }

        /// One cell; `Some(None)` for a cell that is not code.
        fn cell(&mut self) -> Option<Option<NbCell>> {
            let (mut kind, mut id, mut source, mut count) = (None, None, None, None);
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
                        b"cell_type" | b"id" | b"source" | b"execution_count" => return None,
                        _ => self.skip()?,
                    }
                    if self.close(b'}')? {
                        break;
                    }
                }
            }
            if kind.as_deref() != Some("code") {
                return Some(None);
            }
            Some(Some(NbCell {
                id: id.flatten(),
                source: normalize(&source.unwrap_or_default()),
                count: count.flatten(),
            }))
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

        fn count(&mut self) -> Option<u32> {
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
}

/// Source text compared the same way everywhere: line endings unified and
/// trailing blank space dropped (the client's fence and the notebook's
/// last line differ there).
pub fn normalize(src: &str) -> String {
    let s = if src.contains('\r') {
        src.replace("\r\n", "\n")
    } else {
        src.to_string()
    };
    s.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sources_counts_and_ids() {
        let nb = br##"{"cells": [
            {"cell_type": "markdown", "source": ["# Title"], "metadata": {}},
            {"cell_type": "code", "id": "a1", "execution_count": 3,
             "source": ["import pandas as pd\n", "x = 1\n"], "outputs": [{"data": {"image/png": "AAAA"}}]},
            {"cell_type": "code", "execution_count": null, "source": "y = 2"}
        ], "nbformat": 4, "nbformat_minor": 5}"##;
        let cells = code_cells(nb).unwrap();
        assert_eq!(cells.len(), 2);
        assert_eq!(cells[0].id.as_deref(), Some("a1"));
        assert_eq!(cells[0].source, "import pandas as pd\nx = 1");
        assert_eq!(cells[0].count, Some(3));
        assert_eq!(cells[1].id, None);
        assert_eq!(cells[1].count, None);
        assert_eq!(cells[1].source, "y = 2");
    }

    #[test]
    fn the_scanner_agrees_with_serde_or_leaves_it_to_serde() {
        let cases: [&[u8]; 12] = [
            b"",
            b"[1,2]",
            b"{\"cells\": 5}",
            b"{}",
            b"{\"cells\": []} x",
            b"{\"cells\": [], \"cells\": []}",
            b"{\"cells\": [{\"cell_type\": \"code\", \"source\": null}]}",
            b"{\"cells\": [{\"cell_type\": \"code\", \"execution_count\": -1}]}",
            b"{\"cells\": [{\"cell_type\": \"code\", \"execution_count\": 1.5}]}",
            b"{\"cells\": [{\"cell_type\": \"code\", \"source\": \"a\x01\"}]}",
            br##" { "a" : [1, {"b": "\"}"}], "cells" : [ { "cell_type" : "code" , "id" : null ,
                 "execution_count" : 7, "outputs": [{"text": ["x\n", "]"]}],
                 "source" : ["a\n", "\u00e9\t\"q\"\\"] } ], "nbformat": 4 } "##,
            br##"{"cells": [{"cell_type": "markdown", "source": "# t"},
                 {"cell_type": "code", "id": "x1", "execution_count": null, "source": "y = 2\r\n"}]}"##,
        ];
        for case in cases {
            let fast = fast::code_cells(case);
            if fast.is_some() {
                assert_eq!(fast, with_serde(case), "{}", String::from_utf8_lossy(case));
            }
            assert_eq!(code_cells(case), with_serde(case));
        }
        let tricky = fast::code_cells(cases[10]).unwrap();
        assert_eq!(tricky[0].source, "a\né\t\"q\"\\");
        assert_eq!(tricky[0].count, Some(7));
    }

    #[test]
    fn not_a_notebook_is_none_never_a_panic() {
        assert!(code_cells(b"").is_none());
        assert!(code_cells(b"[1,2]").is_none());
        assert!(code_cells(b"{\"cells\": 5}").is_none());
        assert_eq!(code_cells(b"{}"), Some(Vec::new()));
    }

    #[test]
    fn normalize_unifies_line_ends_and_trailing_space() {
        assert_eq!(normalize("a\r\nb\n\n  "), "a\nb");
        assert_eq!(normalize("  a"), "  a");
    }
}
