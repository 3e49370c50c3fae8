//! Markdown (notes, file-change and package details) as styled terminal
//! lines wrapped to a width.
//!
//! Gigantum stores activity details as small markdown documents: one-line
//! messages with code spans (``Modified Code file `code/x.ipynb` ``), user
//! notes with headings, lists and links, and yaml in fenced blocks. The text
//! comes from repositories, so every control character is replaced by a
//! visible marker ([`control_marker`]) before it can reach the terminal.

use std::borrow::Cow;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use ratatui::style::{Modifier, Style};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::text::control_marker;

/// One output line: styled runs.
type Line = Vec<(Style, String)>;

/// Columns between tab stops inside code blocks (code is usually indented
/// by 4, and 8 would push it off narrow panes).
const CODE_TAB_STOP: usize = 4;

/// Indentation of code blocks, to set them off from the text around them.
const CODE_INDENT: &str = "  ";

/// Styles for the parts of rendered markdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MdStyles {
    /// Ordinary text; everything else is laid over it.
    pub text: Style,
    /// Heading text.
    pub heading: Style,
    /// `*emphasis*` (italic).
    pub emphasis: Style,
    /// `**strong**`.
    pub strong: Style,
    /// Inline code spans and code blocks.
    pub code: Style,
    /// Link text and its url.
    pub link: Style,
    /// Block-quote gutter and text.
    pub quote: Style,
    /// Horizontal rules, the `#`s of headings and table separators.
    pub rule: Style,
    /// List bullets, numbers and task boxes.
    pub bullet: Style,
}

impl Default for MdStyles {
    /// Colourless styles that still tell the parts apart: for tests and
    /// terminals without colour.
    fn default() -> MdStyles {
        MdStyles {
            text: Style::default(),
            heading: Style::default().add_modifier(Modifier::BOLD),
            emphasis: Style::default().add_modifier(Modifier::ITALIC),
            strong: Style::default().add_modifier(Modifier::BOLD),
            code: Style::default().add_modifier(Modifier::REVERSED),
            link: Style::default().add_modifier(Modifier::UNDERLINED),
            quote: Style::default().add_modifier(Modifier::DIM),
            rule: Style::default().add_modifier(Modifier::DIM),
            bullet: Style::default(),
        }
    }
}

/// Markdown as terminal lines, wrapped at `width` columns.
///
/// - Headings start with their level as `#`s in the rule style, then the
///   text in the heading style.
/// - Emphasis, strong, strikethrough and inline code spans are styled.
/// - Bullet and numbered lists are indented, nested lists further; bullets
///   are `•`/`◦`/`▪` by depth (`-`/`*`/`+` when `ascii`); task items show
///   `[x] ` or `[ ] `.
/// - Fenced and indented code blocks are kept verbatim (tabs expanded to
///   4-column stops), indented by two columns and **not** wrapped: their
///   lines may be wider than `width`.
/// - Links show as `text (url)` when the text differs from the url;
///   images as `[image] alt (url)`.
/// - Block quotes get a `│ ` gutter (`| ` when `ascii`).
/// - Horizontal rules fill the width with `─` (`-`).
/// - Tables are rows of cells joined by ` | `, the header row strong and
///   underlined by a rule.
/// - Raw HTML is shown as text.
/// - Blocks are separated by one blank line; tight lists have none between
///   items.
///
/// Everything else wraps at spaces, keeping words whole where they fit and
/// breaking longer ones; no line is wider than `width` (by unicode width)
/// except code blocks, and a double-width character when `width` is 1. A
/// `width` of 0 is taken as 1. When list and quote prefixes would leave
/// less than half the width (or under 2 columns) for text, they are cut.
/// Empty input gives no lines.
pub fn render_markdown(md: &str, width: usize, styles: &MdStyles, ascii: bool) -> Vec<Line> {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut renderer = Renderer::new(width.max(1), styles, ascii);
    for event in Parser::new_ext(md, options) {
        renderer.event(event);
    }
    renderer.finish()
}

/// A block that prefixes the lines inside it.
#[derive(Debug)]
enum Container {
    /// A block quote: a gutter on every line.
    Quote,
    /// A list item: its marker on its first line, as many spaces after.
    Item {
        marker: String,
        width: usize,
        shown: bool,
    },
}

/// An open list.
#[derive(Debug)]
struct List {
    /// The number of the next item of a numbered list.
    next: Option<u64>,
    /// Items hold paragraphs, so blank lines separate them.
    loose: bool,
}

/// Inline content waiting to be wrapped.
#[derive(Debug)]
enum Frag {
    Text(Style, String),
    /// A hard line break.
    Break,
}

struct Renderer<'a> {
    styles: &'a MdStyles,
    width: usize,
    ascii: bool,
    out: Vec<Line>,
    containers: Vec<Container>,
    lists: Vec<List>,
    inline: Vec<Frag>,
    /// Inline styles of the open elements, innermost last.
    style_stack: Vec<Style>,
    /// Open links and images: destination and where their text starts in
    /// `inline`.
    links: Vec<(String, usize)>,
    /// The text of the code block being read.
    code: Option<String>,
    in_html_block: bool,
    /// A block ended: the next block starts after a blank line.
    pending_blank: bool,
    /// The last line written is blank (never two in a row).
    last_blank: bool,
    /// Cells seen so far in the current table row.
    table_cell: usize,
}

impl<'a> Renderer<'a> {
    fn new(width: usize, styles: &'a MdStyles, ascii: bool) -> Renderer<'a> {
        Renderer {
            styles,
            width,
            ascii,
            out: Vec::new(),
            containers: Vec::new(),
            lists: Vec::new(),
            inline: Vec::new(),
            style_stack: Vec::new(),
            links: Vec::new(),
            code: None,
            in_html_block: false,
            pending_blank: false,
            last_blank: false,
            table_cell: 0,
        }
    }

    fn style(&self) -> Style {
        self.style_stack.last().copied().unwrap_or(self.styles.text)
    }

    fn push_style(&mut self, patch: Style) {
        let style = self.style().patch(patch);
        self.style_stack.push(style);
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => {
                if let Some(code) = &mut self.code {
                    code.push_str(&text);
                } else {
                    self.push_text(self.style(), &text);
                }
            }
            Event::Code(text) => {
                let style = self.style().patch(self.styles.code);
                self.push_text(style, &text);
            }
            Event::Html(html) if self.in_html_block => {
                // Block HTML comes a line at a time, newline included: keep
                // its lines as they are.
                let mut pieces = html.split('\n').peekable();
                while let Some(piece) = pieces.next() {
                    self.push_text(self.style(), piece);
                    if pieces.peek().is_some() {
                        self.inline.push(Frag::Break);
                    }
                }
            }
            Event::Html(html) | Event::InlineHtml(html) => self.push_text(self.style(), &html),
            Event::InlineMath(text) | Event::DisplayMath(text) => {
                self.push_text(self.style(), &text);
            }
            Event::FootnoteReference(name) => {
                self.push_text(self.style(), &format!("[^{name}]"));
            }
            Event::SoftBreak => self.push_text(self.style(), " "),
            Event::HardBreak => self.inline.push(Frag::Break),
            Event::Rule => {
                self.start_block();
                let (ch, style) = (if self.ascii { "-" } else { "\u{2500}" }, self.styles.rule);
                let line = vec![(style, ch.repeat(self.avail()))];
                self.emit(line);
                self.pending_blank = true;
            }
            Event::TaskListMarker(done) => {
                let mark = if done { "[x] " } else { "[ ] " };
                self.inline
                    .push(Frag::Text(self.styles.bullet, mark.to_string()));
            }
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph => {
                if matches!(self.containers.last(), Some(Container::Item { .. }))
                    && let Some(list) = self.lists.last_mut()
                {
                    list.loose = true;
                }
                self.start_block();
            }
            Tag::Heading { level, .. } => {
                self.start_block();
                let hashes = "#".repeat(level as usize);
                self.inline
                    .push(Frag::Text(self.styles.rule, format!("{hashes} ")));
                self.push_style(self.styles.heading);
            }
            Tag::BlockQuote(_) => {
                self.start_block();
                self.containers.push(Container::Quote);
                self.push_style(self.styles.quote);
            }
            Tag::CodeBlock(_) => {
                self.start_block();
                self.code = Some(String::new());
            }
            Tag::HtmlBlock => {
                self.start_block();
                self.in_html_block = true;
            }
            Tag::List(first) => {
                self.start_block();
                self.lists.push(List {
                    next: first,
                    loose: false,
                });
            }
            Tag::Item => {
                self.flush_inline();
                let depth = self.lists.len().saturating_sub(1);
                let marker = match self.lists.last_mut() {
                    Some(List { next: Some(n), .. }) => {
                        let marker = format!("{n}. ");
                        *n = n.saturating_add(1);
                        marker
                    }
                    _ => {
                        let bullets: [&str; 3] = if self.ascii {
                            ["-", "*", "+"]
                        } else {
                            ["\u{2022}", "\u{25e6}", "\u{25aa}"]
                        };
                        let bullet = bullets.get(depth % bullets.len()).copied().unwrap_or("-");
                        format!("{bullet} ")
                    }
                };
                let width = marker.width();
                self.containers.push(Container::Item {
                    marker,
                    width,
                    shown: false,
                });
            }
            Tag::Table(_) => self.start_block(),
            Tag::TableHead => {
                self.table_cell = 0;
                self.push_style(self.styles.strong);
            }
            Tag::TableRow => self.table_cell = 0,
            Tag::TableCell => {
                if self.table_cell > 0 {
                    self.inline
                        .push(Frag::Text(self.styles.rule, " | ".to_string()));
                }
                self.table_cell += 1;
            }
            Tag::Emphasis => self.push_style(self.styles.emphasis),
            Tag::Strong => self.push_style(self.styles.strong),
            Tag::Strikethrough => {
                self.push_style(Style::default().add_modifier(Modifier::CROSSED_OUT))
            }
            Tag::Link { dest_url, .. } => self.start_link(dest_url.to_string()),
            Tag::Image { dest_url, .. } => {
                let style = self.style().patch(self.styles.link);
                self.push_text(style, "[image] ");
                self.start_link(dest_url.to_string());
            }
            // Footnote definitions, definition lists, super/subscript and
            // metadata blocks are not enabled in the parser options.
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph | TagEnd::Table => self.end_block(),
            TagEnd::Heading(_) => {
                self.style_stack.pop();
                self.end_block();
            }
            TagEnd::BlockQuote(_) => {
                self.flush_inline();
                self.containers.pop();
                self.style_stack.pop();
                self.pending_blank = true;
            }
            TagEnd::CodeBlock => {
                let code = self.code.take().unwrap_or_default();
                let body = code.strip_suffix('\n').unwrap_or(&code);
                if !body.is_empty() {
                    let style = self.style().patch(self.styles.code);
                    for line in body.split('\n') {
                        let text = format!("{CODE_INDENT}{}", code_line(line));
                        self.emit(vec![(style, text)]);
                    }
                }
                self.pending_blank = true;
            }
            TagEnd::HtmlBlock => {
                self.in_html_block = false;
                self.end_block();
            }
            TagEnd::List(_) => {
                self.flush_inline();
                self.lists.pop();
                // A nested list ends inside its item: a blank line follows
                // only if the outer list is loose.
                self.pending_blank = self.lists.last().is_none_or(|l| l.loose);
            }
            TagEnd::Item => {
                self.flush_inline();
                if matches!(
                    self.containers.last(),
                    Some(Container::Item { shown: false, .. })
                ) {
                    // An empty item still shows its marker.
                    self.emit(Vec::new());
                }
                self.containers.pop();
            }
            TagEnd::TableHead => {
                self.style_stack.pop();
                let head_width: usize = self
                    .inline
                    .iter()
                    .map(|f| match f {
                        Frag::Text(_, t) => t.width(),
                        Frag::Break => 0,
                    })
                    .sum();
                self.flush_inline();
                let ch = if self.ascii { "-" } else { "\u{2500}" };
                let line = vec![(self.styles.rule, ch.repeat(head_width.min(self.avail())))];
                self.emit(line);
            }
            TagEnd::TableRow => self.flush_inline(),
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough => {
                self.style_stack.pop();
            }
            TagEnd::Link | TagEnd::Image => {
                self.style_stack.pop();
                if let Some((dest, start)) = self.links.pop() {
                    let text: String = self
                        .inline
                        .get(start..)
                        .unwrap_or(&[])
                        .iter()
                        .filter_map(|f| match f {
                            Frag::Text(_, t) => Some(t.as_str()),
                            Frag::Break => None,
                        })
                        .collect();
                    let same = text == dest || dest.strip_prefix("mailto:") == Some(text.as_str());
                    if !dest.is_empty() && !same {
                        let style = self.style().patch(self.styles.link);
                        self.push_text(style, &format!(" ({dest})"));
                    }
                }
            }
            _ => {}
        }
    }

    /// Opens a link or image: its text starts in a fragment of its own, so
    /// that its end can tell the text from what came before even when the
    /// styles are the same.
    fn start_link(&mut self, dest: String) {
        self.push_style(self.styles.link);
        self.links.push((dest, self.inline.len()));
        self.inline.push(Frag::Text(self.style(), String::new()));
    }

    /// Adds inline text, with whitespace controls made spaces and other
    /// controls made markers.
    fn push_text(&mut self, style: Style, text: &str) {
        if text.is_empty() {
            return;
        }
        let mut clean = String::with_capacity(text.len());
        for c in text.chars() {
            match c {
                '\t' | '\n' | '\r' => clean.push(' '),
                _ => match control_marker(c) {
                    Some(marker) => clean.push_str(marker),
                    None => clean.push(c),
                },
            }
        }
        match self.inline.last_mut() {
            Some(Frag::Text(s, t)) if *s == style => t.push_str(&clean),
            _ => self.inline.push(Frag::Text(style, clean)),
        }
    }

    /// Before a block: out with pending inline text, and a blank line if a
    /// block came before.
    fn start_block(&mut self) {
        self.flush_inline();
        if self.pending_blank && !self.out.is_empty() && !self.last_blank {
            let blank = self.prefix(true);
            self.out.push(blank);
            self.last_blank = true;
        }
        self.pending_blank = false;
    }

    fn end_block(&mut self) {
        self.flush_inline();
        self.pending_blank = true;
    }

    fn flush_inline(&mut self) {
        if self.inline.is_empty() {
            return;
        }
        let frags = std::mem::take(&mut self.inline);
        for line in wrap(frags, self.avail()) {
            self.emit(line);
        }
    }

    /// Width of the prefix before text lines, after cutting.
    fn prefix_width(&self) -> usize {
        let full: usize = self
            .containers
            .iter()
            .map(|c| match c {
                Container::Quote => 2,
                Container::Item { width, .. } => *width,
            })
            .sum();
        full.min(self.prefix_cap())
    }

    /// The widest prefix allowed: half the width, leaving at least 2
    /// columns of text where the width has them.
    fn prefix_cap(&self) -> usize {
        (self.width / 2).min(self.width.saturating_sub(2))
    }

    /// Columns left for text.
    fn avail(&self) -> usize {
        self.width.saturating_sub(self.prefix_width()).max(1)
    }

    /// The gutters and list indentation for the next line. A content line
    /// shows the markers of items not yet shown; a blank line shows only
    /// gutters, without trailing spaces.
    fn prefix(&mut self, blank: bool) -> Line {
        let cap = self.prefix_cap();
        let gutter = if self.ascii { "| " } else { "\u{2502} " };
        let mut runs: Line = Vec::new();
        let mut used = 0;
        // Every container is visited so that item markers past the cap
        // still count as shown, but text stops at the cap: a hostile
        // thousand-deep nesting costs a loop, not a thousand strings.
        for container in &mut self.containers {
            let (style, piece) = match container {
                Container::Quote => (self.styles.quote, Cow::Borrowed(gutter)),
                Container::Item {
                    marker,
                    width,
                    shown,
                } => {
                    if blank || *shown {
                        let spaces = (*width).min(cap.saturating_sub(used));
                        (self.styles.text, Cow::Owned(" ".repeat(spaces)))
                    } else {
                        *shown = true;
                        (self.styles.bullet, Cow::Borrowed(marker.as_str()))
                    }
                }
            };
            if used < cap {
                for c in piece.chars() {
                    let w = c.width().unwrap_or(0);
                    if used + w > cap {
                        used = cap;
                        break;
                    }
                    used += w;
                    let mut buf = [0u8; 4];
                    push_run(&mut runs, style, c.encode_utf8(&mut buf));
                }
            }
        }
        if blank {
            while let Some((_, text)) = runs.last_mut() {
                let kept = text.trim_end_matches(' ').len();
                text.truncate(kept);
                if !text.is_empty() {
                    break;
                }
                runs.pop();
            }
        }
        runs
    }

    /// Writes a line of content after its prefix.
    fn emit(&mut self, content: Line) {
        let mut line = self.prefix(false);
        if content.is_empty() {
            // An empty item's marker alone: no trailing space.
            if let Some((_, text)) = line.last_mut() {
                let kept = text.trim_end_matches(' ').len();
                text.truncate(kept);
            }
        }
        for (style, text) in content {
            push_run(&mut line, style, &text);
        }
        self.out.push(line);
        self.last_blank = false;
    }

    fn finish(mut self) -> Vec<Line> {
        self.flush_inline();
        while self
            .out
            .last()
            .is_some_and(|l| l.iter().all(|(_, t)| t.trim().is_empty()))
        {
            self.out.pop();
        }
        self.out
    }
}

/// Appends a run, merging it into the last one if the style is the same.
fn push_run(line: &mut Line, style: Style, text: &str) {
    if text.is_empty() {
        return;
    }
    match line.last_mut() {
        Some((s, t)) if *s == style => t.push_str(text),
        _ => line.push((style, text.to_string())),
    }
}

/// A code block line: tabs expanded, a CRLF's `\r` dropped, other controls
/// made markers.
fn code_line(line: &str) -> String {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let mut out = String::with_capacity(line.len());
    let mut col = 0;
    for c in line.chars() {
        if c == '\t' {
            let spaces = CODE_TAB_STOP - col % CODE_TAB_STOP;
            out.extend(std::iter::repeat_n(' ', spaces));
            col += spaces;
        } else if let Some(marker) = control_marker(c) {
            out.push_str(marker);
            col += marker.width();
        } else {
            out.push(c);
            col += c.width().unwrap_or(0);
        }
    }
    out
}

/// Greedy word wrap of inline fragments to `avail` columns. Words are runs
/// of non-spaces and may span styles (`**out**liers`); a word wider than a
/// line is broken between characters. Spaces at the start of a wrapped line
/// are dropped.
fn wrap(frags: Vec<Frag>, avail: usize) -> Vec<Line> {
    let mut w = Wrapper {
        avail,
        lines: Vec::new(),
        line: Line::new(),
        line_w: 0,
        space: Line::new(),
        space_w: 0,
        word: Line::new(),
        word_w: 0,
    };
    for frag in frags {
        match frag {
            Frag::Break => {
                w.end_word();
                w.space.clear();
                w.space_w = 0;
                w.new_line();
            }
            Frag::Text(style, text) => {
                let mut rest = text.as_str();
                while let Some(first) = rest.chars().next() {
                    let is_space = first == ' ';
                    let end = rest
                        .char_indices()
                        .find(|&(_, c)| (c == ' ') != is_space)
                        .map_or(rest.len(), |(i, _)| i);
                    let (piece, tail) = rest.split_at(end);
                    rest = tail;
                    if is_space {
                        w.end_word();
                        push_run(&mut w.space, style, piece);
                        w.space_w += piece.width();
                    } else {
                        push_run(&mut w.word, style, piece);
                        w.word_w += piece.width();
                    }
                }
            }
        }
    }
    w.end_word();
    if !w.line.is_empty() {
        w.new_line();
    }
    w.lines
}

struct Wrapper {
    avail: usize,
    lines: Vec<Line>,
    line: Line,
    line_w: usize,
    /// Spaces waiting between the line and the next word.
    space: Line,
    space_w: usize,
    word: Line,
    word_w: usize,
}

impl Wrapper {
    fn new_line(&mut self) {
        self.lines.push(std::mem::take(&mut self.line));
        self.line_w = 0;
    }

    fn end_word(&mut self) {
        if self.word.is_empty() {
            return;
        }
        let word = std::mem::take(&mut self.word);
        let space = std::mem::take(&mut self.space);
        let word_w = std::mem::replace(&mut self.word_w, 0);
        let space_w = std::mem::replace(&mut self.space_w, 0);
        if self.line_w > 0 && self.line_w + space_w + word_w <= self.avail {
            for (style, text) in space.into_iter().chain(word) {
                push_run(&mut self.line, style, &text);
            }
            self.line_w += space_w + word_w;
            return;
        }
        if self.line_w > 0 {
            self.new_line();
        }
        if word_w <= self.avail {
            for (style, text) in word {
                push_run(&mut self.line, style, &text);
            }
            self.line_w = word_w;
            return;
        }
        // Too long for any line: break it wherever the line is full.
        for (style, text) in word {
            for c in text.chars() {
                let cw = c.width().unwrap_or(0);
                if self.line_w > 0 && self.line_w + cw > self.avail {
                    self.new_line();
                }
                let mut buf = [0u8; 4];
                push_run(&mut self.line, style, c.encode_utf8(&mut buf));
                self.line_w += cw;
            }
        }
    }
}

#[cfg(test)]
mod tests;
