//! A small YAML reader for the files the Gigantum client wrote under
//! `.gigantum/env/` and for conda's `environment.yml`: block maps and lists
//! (a list may sit at its key's own indentation, as PyYAML writes it),
//! `- key: value` items, plain, quoted and block (`|`, `>`) scalars, also
//! over several lines, one-line flow lists and maps (nested too), `&anchor`
//! and `*alias`, `<<` merge keys, and tags (skipped). Scalars stay text
//! (`2`, `true` and `'18.04'` alike); only `null`, `~` and nothing read as
//! null. Flow collections over several lines are refused.
//!
//! It never panics, and its work is bounded by the text: nesting deeper than
//! [`MAX_DEPTH`] (aliases included) and aliases that would copy more than
//! [`ALIAS_BUDGET`] values are refused. What it cannot read is a
//! [`YamlError`] with the line.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// A parsed YAML value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Yaml {
    Null,
    Str(String),
    List(Vec<Yaml>),
    /// Keys in file order; a repeated key keeps both, and [`Yaml::get`] sees the last.
    Map(Vec<(String, Yaml)>),
}

/// Why a file is not YAML this reader understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct YamlError {
    /// 1-based.
    pub line: usize,
    pub message: String,
}

impl Yaml {
    /// The value of `key` in a map (the last one, as PyYAML keeps).
    pub fn get(&self, key: &str) -> Option<&Yaml> {
        match self {
            Yaml::Map(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The text of a scalar; `None` for null, lists and maps.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Yaml::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// Nesting deeper than this is refused: recursion must stay bounded
/// whatever the file holds (`- - - - …` on one line nests once per dash).
const MAX_DEPTH: usize = 64;

/// How many values all the aliases of one document may copy: a few anchors
/// of a few aliases each would otherwise grow exponentially (a 500-byte file
/// into a billion values). Real environment files copy a handful.
const ALIAS_BUDGET: usize = 100_000;

/// Parses one document.
pub fn parse(text: &str) -> Result<Yaml, YamlError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines: Vec<Cow<'_, str>> = text
        .strip_suffix('\n')
        .unwrap_or(text)
        .split('\n')
        .map(|l| Cow::Borrowed(l.strip_suffix('\r').unwrap_or(l)))
        .collect();
    // A document start marker and directives carry nothing we need.
    for l in lines.iter_mut() {
        let t = l.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if t.starts_with('%') || t == "---" {
            *l = Cow::Borrowed("");
            continue;
        }
        if let Some(rest) = t.strip_prefix("--- ") {
            *l = Cow::Owned(rest.to_string());
        }
        break;
    }
    let mut p = Parser {
        lines,
        pos: 0,
        anchors: HashMap::new(),
        alias_budget: ALIAS_BUDGET,
    };
    p.skip_blank();
    let Some(first) = p.line() else {
        return Ok(Yaml::Null);
    };
    let ind = indent(first);
    let value = p.node(ind, None, 0)?;
    p.skip_blank();
    if p.line().is_some_and(|l| l.trim() != "...") {
        return Err(p.error("text after the end of the document"));
    }
    Ok(value)
}

struct Parser<'a> {
    lines: Vec<Cow<'a, str>>,
    pos: usize,
    /// Only looked up, never iterated, so its order cannot reach an answer.
    anchors: HashMap<String, Yaml>,
    alias_budget: usize,
}

/// Node properties in front of a value, `&anchor` and `!tag` in either order:
/// the anchor's name and the rest. Tags are dropped: every scalar is text.
fn properties(s: &str) -> (Option<&str>, &str) {
    let mut anchor = None;
    let mut rest = s.trim_start();
    while rest.starts_with(['&', '!']) {
        let end = rest.find([' ', '\t']).unwrap_or(rest.len());
        if let Some(name) = rest.get(..end).and_then(|p| p.strip_prefix('&')) {
            anchor = Some(name);
        }
        rest = rest.get(end..).unwrap_or("").trim_start();
    }
    (anchor, rest)
}

/// `*name` as a whole value: the name.
fn alias_name(s: &str) -> Option<&str> {
    if !s.starts_with('*') {
        return None;
    }
    let name = plain(s).strip_prefix('*')?;
    (!name.is_empty() && !name.contains([' ', '\t'])).then_some(name)
}

/// The values in `y` and how deep it nests, counting stops past `limit`.
fn measure(y: &Yaml, limit: usize) -> (usize, usize) {
    let (mut count, mut deepest) = (0, 0);
    let mut todo = vec![(y, 1)];
    while let Some((y, d)) = todo.pop() {
        count += 1;
        deepest = deepest.max(d);
        if count > limit {
            break;
        }
        match y {
            Yaml::List(items) => todo.extend(items.iter().map(|v| (v, d + 1))),
            Yaml::Map(entries) => todo.extend(entries.iter().map(|(_, v)| (v, d + 1))),
            Yaml::Null | Yaml::Str(_) => {}
        }
    }
    (count, deepest)
}

/// A map's `<<` entries replaced by the maps they name: keys of the map
/// itself win, then earlier maps of a `<<` list over later ones (PyYAML).
fn merge_keys(entries: Vec<(String, Yaml)>) -> Vec<(String, Yaml)> {
    if !entries.iter().any(|(k, _)| k == "<<") {
        return entries;
    }
    let (merges, own): (Vec<_>, Vec<_>) = entries.into_iter().partition(|(k, v)| {
        k == "<<"
            && match v {
                Yaml::Map(_) => true,
                Yaml::List(l) => l.iter().all(|m| matches!(m, Yaml::Map(_))),
                _ => false,
            }
    });
    let mut seen: HashSet<String> = own.iter().map(|(k, _)| k.clone()).collect();
    let mut out = Vec::new();
    for (_, v) in merges {
        let sources = match v {
            Yaml::Map(m) => vec![m],
            Yaml::List(l) => l
                .into_iter()
                .filter_map(|m| match m {
                    Yaml::Map(m) => Some(m),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        for (k, v) in sources.into_iter().flatten() {
            if seen.insert(k.clone()) {
                out.push((k, v));
            }
        }
    }
    out.extend(own);
    out
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn blank_or_comment(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

fn is_dash(content: &str) -> bool {
    content == "-" || content.starts_with("- ") || content.starts_with("-\t")
}

/// `key: rest` → (key, rest); `None` when the line is not a mapping entry.
fn split_key(content: &str) -> Option<(String, &str)> {
    if content.starts_with(['[', '{', '#', '|', '>', '&', '*', '!', '@', '`']) {
        return None;
    }
    if let Some(q) = content.chars().next().filter(|c| *c == '"' || *c == '\'') {
        let end = closing_quote(content, q)?;
        let after = content.get(end + 1..)?.trim_start();
        let rest = after.strip_prefix(':')?;
        if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
            return None;
        }
        let key = unquote(content.get(..=end)?, q);
        return Some((key, rest.trim()));
    }
    let bytes = content.as_bytes();
    let at = bytes.iter().enumerate().position(|(i, &b)| {
        b == b':' && matches!(bytes.get(i + 1), None | Some(b' ') | Some(b'\t'))
    })?;
    let key = content.get(..at)?.trim_end();
    if key.is_empty() || key.contains(" #") {
        return None;
    }
    Some((key.to_string(), content.get(at + 1..)?.trim()))
}

/// Byte index of the quote that closes a scalar opened by `q` at index 0.
fn closing_quote(s: &str, q: char) -> Option<usize> {
    let mut chars = s.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        if q == '"' && c == '\\' {
            chars.next();
        } else if c == q {
            if q == '\'' && chars.peek().is_some_and(|&(_, n)| n == '\'') {
                chars.next();
            } else {
                return Some(i);
            }
        }
    }
    None
}

/// The text of a quoted scalar given with both quotes, escapes resolved.
fn unquote(s: &str, q: char) -> String {
    let inner = s
        .strip_prefix(q)
        .and_then(|s| s.strip_suffix(q))
        .unwrap_or(s);
    if q == '\'' {
        return inner.replace("''", "'");
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('x') => push_code(&mut out, &mut chars, 2),
            Some('u') => push_code(&mut out, &mut chars, 4),
            Some('U') => push_code(&mut out, &mut chars, 8),
            Some(c @ ('"' | '\\' | '/' | ' ')) => out.push(c),
            Some(c) => {
                out.push('\\');
                out.push(c);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn push_code(out: &mut String, chars: &mut std::str::Chars<'_>, n: usize) {
    let hex: String = chars.by_ref().take(n).collect();
    match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
        Some(c) => out.push(c),
        None => out.push('\u{fffd}'),
    }
}

/// A plain scalar's text without a trailing ` # comment`.
fn plain(s: &str) -> &str {
    let cut = s
        .char_indices()
        .find(|&(i, c)| c == '#' && i > 0 && s[..i].ends_with([' ', '\t']))
        .map_or(s.len(), |(i, _)| i);
    s[..cut].trim()
}

fn plain_value(s: &str) -> Yaml {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => Yaml::Null,
        _ => Yaml::Str(s.to_string()),
    }
}

/// Splits a one-line flow collection's inside at top-level commas. A quote
/// opens a quoted scalar only where a scalar starts (`it's` is plain text).
fn flow_items(inner: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start, mut quote) = (0i32, 0usize, None::<char>);
    let mut at_start = true;
    let mut escaped = false;
    let mut chars = inner.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if q == '"' && c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
                continue;
            }
            None if c == ' ' || c == '\t' => continue,
            None => {}
        }
        let starts = at_start;
        at_start = false;
        match c {
            '"' | '\'' if starts => quote = Some(c),
            '[' | '{' => {
                depth += 1;
                at_start = true;
            }
            ']' | '}' => depth -= 1,
            ',' => {
                if depth == 0 {
                    out.push(inner[start..i].trim());
                    start = i + 1;
                }
                at_start = true;
            }
            ':' if chars.peek().is_none_or(|&(_, n)| n == ' ' || n == '\t') => at_start = true,
            _ => {}
        }
    }
    let last = inner[start..].trim();
    if !last.is_empty() {
        out.push(last);
    }
    out
}

fn flow_scalar(s: &str) -> Yaml {
    match s.chars().next() {
        Some(q @ ('"' | '\'')) if closing_quote(s, q) == Some(s.len() - 1) => {
            Yaml::Str(unquote(s, q))
        }
        _ => plain_value(s),
    }
}

impl<'a> Parser<'a> {
    fn line(&self) -> Option<&str> {
        self.lines.get(self.pos).map(|l| l.as_ref())
    }

    fn error(&self, message: impl Into<String>) -> YamlError {
        YamlError {
            line: self.pos + 1,
            message: message.into(),
        }
    }

    fn skip_blank(&mut self) {
        while self.line().is_some_and(blank_or_comment) {
            self.pos += 1;
        }
    }

    /// A copy of what `*name` names, refused when it has no anchor before it,
    /// would nest deeper than [`MAX_DEPTH`] at `depth`, or would spend more
    /// than the budget left. The error is on the line just read.
    fn alias(&mut self, name: &str, depth: usize) -> Result<Yaml, YamlError> {
        let Some(node) = self.anchors.get(name) else {
            return Err(
                self.error_before(format!("`*{}` names no anchor before it", shorten(name)))
            );
        };
        let (count, deep) = measure(node, self.alias_budget);
        if depth + deep > MAX_DEPTH + 1 {
            return Err(self.error_before("aliases nested too deeply"));
        }
        if count > self.alias_budget {
            return Err(self.error_before(format!("aliases copy more than {ALIAS_BUDGET} values")));
        }
        self.alias_budget -= count;
        Ok(node.clone())
    }

    fn anchor(&mut self, name: Option<String>, value: &Yaml) {
        if let Some(name) = name {
            self.anchors.insert(name, value.clone());
        }
    }

    /// A one-line flow collection `t` (`[…]` or `{…}`, trimmed), nested ones
    /// inside it read the same way.
    fn flow(&mut self, t: &str, depth: usize) -> Result<Yaml, YamlError> {
        if depth > MAX_DEPTH {
            return Err(self.error_before("nested too deeply"));
        }
        let (open, close) = if t.starts_with('[') {
            ('[', ']')
        } else {
            ('{', '}')
        };
        let Some(inner) = t.strip_prefix(open).and_then(|t| t.strip_suffix(close)) else {
            return Err(self.error_before("a flow collection over several lines"));
        };
        let items = flow_items(inner);
        if open == '[' {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.push(self.flow_value(item, depth + 1)?);
            }
            return Ok(Yaml::List(out));
        }
        let mut entries = Vec::new();
        for item in items {
            let (k, v) = split_key(item).unwrap_or((item.to_string(), ""));
            entries.push((k, self.flow_value(v, depth + 1)?));
        }
        Ok(Yaml::Map(merge_keys(entries)))
    }

    fn flow_value(&mut self, item: &str, depth: usize) -> Result<Yaml, YamlError> {
        let (anchor, rest) = properties(item);
        let value = if let Some(name) = alias_name(rest) {
            self.alias(name, depth)?
        } else if rest.starts_with(['[', '{']) {
            self.flow(rest, depth)?
        } else {
            flow_scalar(rest)
        };
        self.anchor(anchor.map(str::to_string), &value);
        Ok(value)
    }

    /// The node whose first line is the current one, at indentation `ind`.
    /// `parent` is the indentation of the key or dash that holds it:
    /// continuation lines of a scalar must be deeper than that.
    fn node(&mut self, ind: usize, parent: Option<usize>, depth: usize) -> Result<Yaml, YamlError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        let Some(line) = self.line() else {
            return Ok(Yaml::Null);
        };
        if line.trim_start_matches(' ').starts_with('\t') {
            return Err(self.error("a tab in the indentation"));
        }
        let content = line.get(ind..).unwrap_or("").trim_end();
        if is_dash(content) {
            return self.list(ind, depth);
        }
        if split_key(content).is_some() {
            return self.map(ind, depth);
        }
        let (anchor, rest) = properties(content);
        let (anchor, rest) = (anchor.map(str::to_string), rest.to_string());
        self.pos += 1;
        let value = if rest.is_empty() || rest.starts_with('#') {
            // Only properties, as `--- !!map` or `&base` alone: the node follows.
            self.skip_blank();
            match self.line() {
                Some(l) if parent.is_none_or(|p| indent(l) > p) => {
                    let i = indent(l);
                    self.node(i, parent, depth + 1)?
                }
                _ => Yaml::Null,
            }
        } else if let Some(name) = alias_name(&rest) {
            self.alias(name, depth)?
        } else {
            self.scalar(&rest, parent, depth)?
        };
        self.anchor(anchor, &value);
        Ok(value)
    }

    fn list(&mut self, ind: usize, depth: usize) -> Result<Yaml, YamlError> {
        let mut items = Vec::new();
        loop {
            self.skip_blank();
            let Some(line) = self.line() else { break };
            let i = indent(line);
            let content = line.get(i..).unwrap_or("").trim_end();
            if i < ind || (i == ind && !is_dash(content)) {
                break;
            }
            if i > ind {
                return Err(self.error("unexpected indentation in a list"));
            }
            let item = content.get(1..).unwrap_or("").trim_start();
            let (anchor, rest) = properties(item);
            let mut anchor = anchor.map(str::to_string);
            let value = if rest.is_empty() || rest.starts_with('#') {
                self.pos += 1;
                self.child(ind, depth)?
            } else if let Some(name) = alias_name(rest) {
                let name = name.to_string();
                self.pos += 1;
                self.alias(&name, depth + 1)?
            } else {
                // The item's text becomes a line of its own at its column:
                // `- pip: null` then reads as a map at that column, whose
                // other keys are the next lines at the same column.
                let mut col = ind + (content.len() - rest.len());
                let mut key_anchor = None;
                if rest.len() != item.len()
                    && let Some((key, _)) = split_key(rest)
                {
                    // `- &a name: x` anchors the key (PyYAML), and the map
                    // starts where the properties do.
                    key_anchor = anchor.take().map(|a| (a, Yaml::Str(key)));
                    col = ind + (content.len() - item.len());
                }
                let rewritten = format!("{}{rest}", " ".repeat(col));
                if let Some((a, key)) = key_anchor {
                    self.anchor(Some(a), &key);
                }
                if let Some(slot) = self.lines.get_mut(self.pos) {
                    *slot = Cow::Owned(rewritten);
                }
                self.node(col, Some(ind), depth + 1)?
            };
            self.anchor(anchor, &value);
            items.push(value);
        }
        Ok(Yaml::List(items))
    }

    /// What follows a `key:` or `-` with nothing after it: a deeper block,
    /// else null.
    fn child(&mut self, ind: usize, depth: usize) -> Result<Yaml, YamlError> {
        self.skip_blank();
        match self.line() {
            Some(l) if indent(l) > ind => {
                let i = indent(l);
                self.node(i, Some(ind), depth + 1)
            }
            _ => Ok(Yaml::Null),
        }
    }

    fn map(&mut self, ind: usize, depth: usize) -> Result<Yaml, YamlError> {
        let mut entries = Vec::new();
        loop {
            self.skip_blank();
            let Some(line) = self.line() else { break };
            let i = indent(line);
            if i < ind {
                break;
            }
            if i > ind {
                return Err(self.error("unexpected indentation"));
            }
            let content = line.get(i..).unwrap_or("").trim_end();
            let Some((key, rest)) = split_key(content) else {
                return Err(self.error(if is_dash(content) {
                    "a list item where a `key:` was expected".to_string()
                } else {
                    format!("expected `key: value`, found `{}`", shorten(content))
                }));
            };
            let (anchor, rest) = properties(rest);
            let (anchor, rest) = (anchor.map(str::to_string), rest.to_string());
            self.pos += 1;
            let value = if rest.is_empty() || rest.starts_with('#') {
                self.skip_blank();
                match self.line() {
                    // PyYAML writes a list at its key's own indentation.
                    Some(l)
                        if indent(l) == ind && is_dash(l.get(ind..).unwrap_or("").trim_end()) =>
                    {
                        self.list(ind, depth + 1)?
                    }
                    _ => self.child(ind, depth)?,
                }
            } else if let Some(name) = alias_name(&rest) {
                self.alias(name, depth + 1)?
            } else {
                self.scalar(&rest, Some(ind), depth + 1)?
            };
            self.anchor(anchor, &value);
            entries.push((key, value));
        }
        Ok(Yaml::Map(merge_keys(entries)))
    }

    /// A scalar starting with `first` (already consumed); further lines
    /// deeper than `parent` continue it.
    fn scalar(
        &mut self,
        first: &str,
        parent: Option<usize>,
        depth: usize,
    ) -> Result<Yaml, YamlError> {
        let deeper = |l: &str| parent.is_none_or(|p| indent(l) > p);
        match first.chars().next() {
            Some('|' | '>') => self.block(first, parent),
            Some(q @ ('"' | '\'')) => {
                let start = self.pos;
                let mut text = first.to_string();
                loop {
                    if let Some(end) = closing_quote(&text, q) {
                        let after = text.get(end + 1..).unwrap_or("").trim();
                        if !(after.is_empty() || after.starts_with('#')) {
                            return Err(YamlError {
                                line: start,
                                message: "text after a quoted value".into(),
                            });
                        }
                        return Ok(Yaml::Str(unquote(&text[..=end], q)));
                    }
                    let Some(next) = self.line().filter(|l| l.trim().is_empty() || deeper(l))
                    else {
                        return Err(YamlError {
                            line: start,
                            message: "a quoted value is not closed".into(),
                        });
                    };
                    let next = next.trim().to_string();
                    self.pos += 1;
                    // Line folding: a break is a space, an empty line a newline;
                    // in double quotes a trailing backslash joins the lines.
                    if next.is_empty() {
                        text.push('\n');
                    } else if q == '"' && text.ends_with('\\') && !text.ends_with("\\\\") {
                        text.pop();
                        text.push_str(&next);
                    } else if text.ends_with('\n') {
                        text.push_str(&next);
                    } else {
                        text.push(' ');
                        text.push_str(&next);
                    }
                }
            }
            Some('[') | Some('{') => self.flow(plain(first), depth),
            _ => {
                let mut text = plain(first).to_string();
                let mut newlines = 0;
                while let Some(l) = self.line() {
                    if l.trim().is_empty() {
                        newlines += 1;
                        self.pos += 1;
                        continue;
                    }
                    if !deeper(l) || l.trim_start().starts_with('#') {
                        break;
                    }
                    // `key: value` cannot continue a plain value: it is a
                    // map indented too far.
                    if split_key(l.trim_start()).is_some() {
                        return Err(self.error("unexpected indentation"));
                    }
                    let more = plain(l).to_string();
                    if newlines > 0 {
                        text.push_str(&"\n".repeat(newlines));
                    } else {
                        text.push(' ');
                    }
                    text.push_str(&more);
                    newlines = 0;
                    self.pos += 1;
                }
                // Blank lines after the scalar belong to nobody; step back over them.
                self.pos -= newlines;
                Ok(plain_value(&text))
            }
        }
    }

    /// A `|` or `>` block scalar: its header was `header`, its lines follow.
    fn block(&mut self, header: &str, parent: Option<usize>) -> Result<Yaml, YamlError> {
        let h = plain(header);
        let folded = h.starts_with('>');
        let mut keep = false;
        let mut strip = false;
        let mut explicit = None;
        for c in h.chars().skip(1) {
            match c {
                '-' => strip = true,
                '+' => keep = true,
                '1'..='9' => explicit = c.to_digit(10).map(|d| d as usize),
                _ => {
                    return Err(self.error_before(format!("a block scalar header `{h}`")));
                }
            }
        }
        let base = parent.map_or(0, |p| p + 1);
        let mut block_ind = explicit.map(|d| parent.map_or(0, |p| p) + d);
        let mut lines: Vec<String> = Vec::new();
        while let Some(l) = self.line() {
            if l.trim().is_empty() {
                lines.push(String::new());
                self.pos += 1;
                continue;
            }
            let i = indent(l);
            let want = *block_ind.get_or_insert(i.max(base));
            if i < want || i < base {
                break;
            }
            lines.push(l.get(want..).unwrap_or("").to_string());
            self.pos += 1;
        }
        let trailing = lines.iter().rev().take_while(|l| l.is_empty()).count();
        lines.truncate(lines.len() - trailing);
        // Blank lines after the block that are not part of it belong to nobody.
        let mut body = if folded {
            let mut out = String::new();
            let mut prev_blank = true;
            for l in &lines {
                if l.is_empty() {
                    out.push('\n');
                    prev_blank = true;
                } else {
                    if !prev_blank {
                        out.push(' ');
                    }
                    out.push_str(l);
                    prev_blank = false;
                }
            }
            out
        } else {
            lines.join("\n")
        };
        if !body.is_empty() && !strip {
            body.push('\n');
            if keep {
                body.push_str(&"\n".repeat(trailing));
            }
        }
        Ok(Yaml::Str(body))
    }

    fn error_before(&self, message: impl Into<String>) -> YamlError {
        YamlError {
            line: self.pos,
            message: message.into(),
        }
    }
}

fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Yaml {
        Yaml::Str(v.into())
    }

    #[test]
    fn maps_lists_and_nesting() {
        let y = "id: python3-minimal\nname: Python 3 Minimal\nrevision: 4\nos_release: '18.04'\nimage:\n  namespace: gigantum\n  repository: python3-minimal\n  tag: 9c03f48955-2021-04-05\npackage_managers:\n- pip\n- apt\n";
        let v = parse(y).unwrap();
        assert_eq!(v.get("id"), Some(&s("python3-minimal")));
        assert_eq!(v.get("os_release"), Some(&s("18.04")));
        assert_eq!(
            v.get("image").and_then(|i| i.get("tag")),
            Some(&s("9c03f48955-2021-04-05"))
        );
        assert_eq!(
            v.get("package_managers"),
            Some(&Yaml::List(vec![s("pip"), s("apt")]))
        );
    }

    #[test]
    fn what_pyyaml_writes_for_a_real_base() {
        // From a real base (revision 12 of python3-minimal), icon shortened.
        let y = "description: A minimal Base with Python 3.7 and JupyterLab\ndevelopment_tools:\n- jupyterlab\n- notebook\nicon: data:image/png;base64,iVBORw0KGgo=\nid: python3-minimal\nimage:\n  namespace: gigantum\n  repository: python3-minimal\n  server: hub.docker.com\n  tag: 9c03f48955-2021-04-05\nlanguages:\n- python3\nlicense: MIT\nname: Python3 Minimal\nos_class: ubuntu\nos_release: '18.04'\npackage_managers:\n- pip: null\n- conda3: null\n- apt:\n  - vim\n  - zip\nreadme: \"A minimal Base with Python 3.7 and a recent version of JupyterLab\\n\\nThe\\\n  \\ following JupyterLab widgets are configured:\\n  - @jupyterlab/toc\\n  - nbresuse\\\n  \\ to display memory usage in the status bar\\n\"\nrevision: 12\nschema: 1\ntags:\n- ubuntu\nurl: null\n";
        let v = parse(y).unwrap();
        assert_eq!(v.get("revision"), Some(&s("12")));
        assert_eq!(v.get("url"), Some(&Yaml::Null));
        let pm = v.get("package_managers").unwrap();
        assert_eq!(
            pm,
            &Yaml::List(vec![
                Yaml::Map(vec![("pip".into(), Yaml::Null)]),
                Yaml::Map(vec![("conda3".into(), Yaml::Null)]),
                Yaml::Map(vec![("apt".into(), Yaml::List(vec![s("vim"), s("zip")]))]),
            ])
        );
        assert_eq!(
            v.get("readme").and_then(Yaml::as_str),
            Some(
                "A minimal Base with Python 3.7 and a recent version of JupyterLab\n\nThe following JupyterLab widgets are configured:\n  - @jupyterlab/toc\n  - nbresuse to display memory usage in the status bar\n"
            )
        );
    }

    #[test]
    fn the_clients_package_file() {
        // No newline at the end; quoted values; a comment first; CRLF (os.linesep on Windows).
        let y = "# Generated on: 2019-03-04 10:11:12.123\r\nmanager: \"pip\"\r\npackage: \"pandas\"\r\nversion: \"0.24.2\"\r\nfrom_base: false\r\nschema: 1";
        let v = parse(y).unwrap();
        assert_eq!(v.get("package"), Some(&s("pandas")));
        assert_eq!(v.get("version"), Some(&s("0.24.2")));
        assert_eq!(v.get("from_base"), Some(&s("false")));
        assert_eq!(v.get("schema"), Some(&s("1")));
    }

    #[test]
    fn block_scalars() {
        let y = "name: x\ncontent: |\n  RUN apt-get update\n\n    indented\n  last\ndescription: >-\n  one\n  two\n\n  three\nkeep: |+\n  a\n\n";
        let v = parse(y).unwrap();
        assert_eq!(
            v.get("content").and_then(Yaml::as_str),
            Some("RUN apt-get update\n\n  indented\nlast\n")
        );
        assert_eq!(
            v.get("description").and_then(Yaml::as_str),
            Some("one two\nthree")
        );
        assert_eq!(v.get("keep").and_then(Yaml::as_str), Some("a\n\n"));
        let list = parse("content:\n- RUN a\n- 'RUN b: c'\n").unwrap();
        assert_eq!(
            list.get("content"),
            Some(&Yaml::List(vec![s("RUN a"), s("RUN b: c")]))
        );
    }

    #[test]
    fn plain_scalars_over_lines_flow_and_comments() {
        let y = "---\ndescription: A long description that PyYAML\n  wrapped at eighty columns\ntags: [a, 'b c', \"d\"]\nempty: {}\nurl: http://x.org/a#b # a comment\nnothing:\n";
        let v = parse(y).unwrap();
        assert_eq!(
            v.get("description").and_then(Yaml::as_str),
            Some("A long description that PyYAML wrapped at eighty columns")
        );
        assert_eq!(
            v.get("tags"),
            Some(&Yaml::List(vec![s("a"), s("b c"), s("d")]))
        );
        assert_eq!(v.get("empty"), Some(&Yaml::Map(vec![])));
        assert_eq!(v.get("url"), Some(&s("http://x.org/a#b")));
        assert_eq!(v.get("nothing"), Some(&Yaml::Null));
        assert_eq!(parse("").unwrap(), Yaml::Null);
        assert_eq!(parse("# only a comment\n").unwrap(), Yaml::Null);
    }

    #[test]
    fn anchors_aliases_merges_and_tags() {
        let y = "base: &b\n  python: '3.10'\n  pip: 23.1\nother: *b\ndependencies:\n  - &py python=3.10\n  - *py\n  - [*py, &np numpy, *np]\nversion: !!str 1.10\ntagged: !custom &t {a: [1, {b: c}]}\nagain: *t\n";
        let v = parse(y).unwrap();
        let base = Yaml::Map(vec![
            ("python".into(), s("3.10")),
            ("pip".into(), s("23.1")),
        ]);
        assert_eq!(v.get("other"), Some(&base));
        assert_eq!(
            v.get("dependencies"),
            Some(&Yaml::List(vec![
                s("python=3.10"),
                s("python=3.10"),
                Yaml::List(vec![s("python=3.10"), s("numpy"), s("numpy")]),
            ]))
        );
        assert_eq!(v.get("version"), Some(&s("1.10")));
        let tagged = Yaml::Map(vec![(
            "a".into(),
            Yaml::List(vec![s("1"), Yaml::Map(vec![("b".into(), s("c"))])]),
        )]);
        assert_eq!(v.get("tagged"), Some(&tagged));
        assert_eq!(v.get("again"), Some(&tagged));

        // The map's own keys win over merged ones, earlier merges over later.
        let m =
            parse("a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  <<: [*a, *b]\n  x: 3\n").unwrap();
        assert_eq!(
            m.get("c"),
            Some(&Yaml::Map(vec![
                ("y".into(), s("1")),
                ("z".into(), s("2")),
                ("x".into(), s("3")),
            ]))
        );
        // An anchor on a list item that is a map, and on a document.
        let l = parse("--- &doc\n- &first\n  name: a\n  size: 1\n- *first\n").unwrap();
        let first = Yaml::Map(vec![("name".into(), s("a")), ("size".into(), s("1"))]);
        assert_eq!(l, Yaml::List(vec![first.clone(), first.clone()]));
        // On a `- key: value` line the anchor is the key's, as PyYAML reads it.
        let k = parse("- &k name: a\n  size: 1\n- *k\n").unwrap();
        assert_eq!(k, Yaml::List(vec![first, s("name")]));
    }

    #[test]
    fn aliases_are_bounded() {
        let e = parse("a: 1\nb: *nothing\n").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        assert!(e.message.contains("no anchor"), "{e}");
        // Nine anchors of nine aliases: 9^9 values if copied without a budget.
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for i in 1..=9 {
            let refs = vec![format!("*a{}", i - 1); 9].join(", ");
            bomb.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let e = parse(&bomb).unwrap_err();
        assert!(e.message.contains("more than"), "{e}");
        assert!(e.line <= 7, "refused where the budget ran out: {e}");
        // Aliases cannot build nesting deeper than the text may.
        let mut deep = String::from("a0: &a0 x\n");
        for i in 1..200 {
            deep.push_str(&format!("a{i}: &a{i} [*a{}]\n", i - 1));
        }
        assert!(parse(&deep).unwrap_err().message.contains("deeply"));
        let flow = "k: ".to_string() + &"[".repeat(10_000) + &"]".repeat(10_000);
        assert!(parse(&flow).unwrap_err().message.contains("deeply"));
    }

    #[test]
    fn broken_files_are_errors_with_their_line() {
        for (y, line) in [
            ("manager: pip\n  version: 1\n", 2),
            ("manager: pip\nthis is not yaml\n", 2),
            ("a: 'open\nb: 2\n", 1),
            ("a: [1, 2\n", 1),
            ("a:\n\t- x\n", 2),
            ("- a\nb: c\n", 2),
            ("a: 1\n- b\n", 2),
        ] {
            let e = parse(y).unwrap_err();
            assert_eq!(e.line, line, "{y:?}: {e}");
        }
        let deep = "- ".repeat(500) + "x";
        assert!(parse(&deep).unwrap_err().message.contains("deeply"));
    }
}
