//! Syntax highlighting for executed code: syntect grammars and themes turned into ratatui styles.
//!
//! Python, R and Julia use our own lean grammars in `assets/syntaxes/` (syntect's bundled Python
//! and R grammars cost 60 and 170 µs per line, which made long cells slow); C++, Java, Scala,
//! shell, SQL and Markdown (the other kernels real projects use) use syntect's bundled ones. Only foreground colour, bold and italic are kept from the
//! theme: the detail pane paints its own background.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::render::palette::{SYNTAX_THEMES, SyntaxTheme};
use ratatui::style::{Color, Modifier, Style};
use syntect::highlighting::{self, FontStyle, Theme, ThemeSet};
use syntect::parsing::{
    ParseState, Scope, ScopeStack, ScopeStackOp, SyntaxDefinition, SyntaxReference, SyntaxSet,
    SyntaxSetBuilder,
};

/// Our grammars, written for speed on notebook code rather than completeness. syntect's bundled
/// set has no Julia at all.
const OWN_SYNTAXES: [&str; 3] = [
    include_str!("../../../../assets/syntaxes/Python.sublime-syntax"),
    include_str!("../../../../assets/syntaxes/R.sublime-syntax"),
    include_str!("../../../../assets/syntaxes/Julia.sublime-syntax"),
];

/// Lines longer than this (in bytes) are shown unstyled and not fed to the parser: parsing costs
/// about 4 ms per KiB of dense code, so one line of pasted data (a 16 KiB literal took ~70 ms)
/// must not stall a frame. The parser state simply carries over the skipped line.
const MAX_PARSED_LINE: usize = 4 * 1024;

/// Below this many lines highlighting runs on the calling thread: spawning threads costs more
/// than it saves, and the pane's usual request (the first forty lines) is far below it.
const PARALLEL_MIN_LINES: usize = 1_000;

/// At most this many threads share one highlighting job.
const MAX_THREADS: usize = 8;

/// Languages we highlight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// Python (Jupyter's default kernel).
    Python,
    /// R (IRkernel notebooks and RStudio console work).
    R,
    /// Julia.
    Julia,
    /// C++ (the xeus-cling kernels, `xcpp11`/`xcpp14`/`xcpp17`).
    Cpp,
    /// Java (IJava).
    Java,
    /// Scala (almond, spylon).
    Scala,
    /// Bash and other POSIX shells.
    Shell,
    /// SQL.
    Sql,
    /// Markdown.
    Markdown,
    /// No highlighting.
    Plain,
}

impl Lang {
    /// From a notebook kernelspec name/language or `language_info.name` ("python3", "ir", "R",
    /// "julia-1.6", "xcpp17", "C++17", "java", "scala", "almond", "bash", "sql"),
    /// case-insensitive. Unknown names give [`Lang::Plain`].
    pub fn from_kernel(s: &str) -> Lang {
        let k = s.trim().to_ascii_lowercase();
        // xeus-cling writes its language as "C++17" and language_info as "c++", which the
        // leading-word rule below would read as "c".
        if k.starts_with("c++") {
            return Lang::Cpp;
        }
        // Kernelspec names carry versions and flavours ("python3", "julia-1.6", "ir43"), so
        // compare their leading word; a plain prefix test would take "iruby" for R.
        let word = k
            .split(|c: char| !c.is_ascii_alphabetic())
            .next()
            .unwrap_or("");
        match word {
            "python" | "ipython" | "xpython" | "pypy" | "py" => Lang::Python,
            "r" | "ir" => Lang::R,
            "julia" | "jl" => Lang::Julia,
            "xcpp" | "cpp" | "cling" => Lang::Cpp,
            "java" | "ijava" => Lang::Java,
            "scala" | "almond" | "spylon" => Lang::Scala,
            "bash" | "sh" | "zsh" | "ksh" | "dash" | "shell" => Lang::Shell,
            "markdown" | "md" => Lang::Markdown,
            // SQL kernels come in many names ("sql", "xsql", "postgresql", "sqlite").
            _ if k.contains("sql") => Lang::Sql,
            _ => Lang::Plain,
        }
    }

    /// From a path's extension: `.py`, `.ipynb` (→ Python unless told otherwise, e.g. by
    /// [`Lang::from_kernel`]), `.R`/`.r`/`.Rmd`, `.jl`, `.cpp`/`.cc`/`.cxx`/`.hpp`, `.java`,
    /// `.scala`, `.sh`, `.sql`, `.md`. Extensions are
    /// case-insensitive; anything else gives [`Lang::Plain`].
    pub fn from_path(p: &str) -> Lang {
        // Only the last component counts: "code.v2/run" has no extension.
        let name = p.rsplit(['/', '\\']).next().unwrap_or(p);
        let Some((stem, ext)) = name.rsplit_once('.') else {
            return Lang::Plain;
        };
        // A dotfile such as ".bashrc" is a name, not an extension.
        if stem.is_empty() {
            return Lang::Plain;
        }
        match ext.to_ascii_lowercase().as_str() {
            "py" | "pyw" | "ipynb" => Lang::Python,
            "r" | "rmd" => Lang::R,
            "jl" => Lang::Julia,
            "cpp" | "cc" | "cxx" | "hpp" => Lang::Cpp,
            "java" => Lang::Java,
            "scala" => Lang::Scala,
            "sh" | "bash" | "zsh" => Lang::Shell,
            "sql" => Lang::Sql,
            "md" | "markdown" => Lang::Markdown,
            _ => Lang::Plain,
        }
    }

    /// Guess for a Gigantum record message: "Executed cell in notebook code/x.ipynb" → Python;
    /// "Executed code in console" (RStudio) → R; mentions of `.R`/`.Rmd` → R; `.jl` → Julia.
    /// Gives [`Lang::Plain`] when nothing hints at a language.
    pub fn from_message(msg: &str) -> Lang {
        // A file named in the message is the strongest hint.
        let named = msg
            .split_whitespace()
            .map(|w| w.trim_matches(|c: char| "\"'`()[]{}<>,;:".contains(c)))
            .map(|w| w.trim_end_matches(['.', '!', '?']))
            .map(Lang::from_path)
            .find(|l| *l != Lang::Plain);
        if let Some(lang) = named {
            return lang;
        }
        let lower = msg.to_ascii_lowercase();
        if lower.contains("console") {
            // Gigantum only records console work from RStudio.
            Lang::R
        } else if lower.contains("notebook") || lower.contains(" cell") {
            // Notebooks without a named file are Jupyter, and most Jupyter kernels are Python.
            Lang::Python
        } else {
            Lang::Plain
        }
    }

    /// The name of the syntect syntax for this language, if it has one.
    fn syntax_name(self) -> Option<&'static str> {
        match self {
            Lang::Python => Some("Python"),
            Lang::R => Some("R"),
            Lang::Julia => Some("Julia"),
            Lang::Cpp => Some("C++"),
            Lang::Java => Some("Java"),
            Lang::Scala => Some("Scala"),
            Lang::Shell => Some("Bourne Again Shell (bash)"),
            Lang::Sql => Some("SQL"),
            Lang::Markdown => Some("Markdown"),
            Lang::Plain => None,
        }
    }

    /// An extension syntect also knows the syntax by, in case a name changes between releases.
    fn syntax_extension(self) -> Option<&'static str> {
        match self {
            Lang::Python => Some("py"),
            Lang::R => Some("R"),
            Lang::Julia => Some("jl"),
            Lang::Cpp => Some("cpp"),
            Lang::Java => Some("java"),
            Lang::Scala => Some("scala"),
            Lang::Shell => Some("sh"),
            Lang::Sql => Some("sql"),
            Lang::Markdown => Some("md"),
            Lang::Plain => None,
        }
    }
}

/// One highlighted line: runs of text, each with its style.
pub type StyledLine = Vec<(Style, String)>;

/// Syntaxes and a theme loaded once (lazily, in a `OnceLock`: loading syntect's dumps and our
/// grammars took 4–15 ms here, plus about 1 ms of regex compilation per language on first use, and must not sit
/// on the first frame's path — see [`Highlighter::prewarm`] and [`Highlighter::try_get`]).
pub struct Highlighter {
    /// syntect's bundled syntaxes.
    bundled: SyntaxSet,
    /// Our Python, R and Julia grammars in a set of their own (those that loaded), `None` if none
    /// did. Adding them to the bundled set instead (`into_builder` + `build`) relinks every
    /// bundled grammar, which measured ~0.45 s against a few ms for a set of three.
    own: Option<SyntaxSet>,
    /// The themes of [`SYNTAX_THEMES`], in its order; `None` for one syntect stopped shipping.
    themes: Vec<Option<Theme>>,
}

static HIGHLIGHTER: OnceLock<Highlighter> = OnceLock::new();

impl Highlighter {
    /// The shared highlighter, loading syntaxes and themes on first use.
    pub fn get() -> &'static Highlighter {
        HIGHLIGHTER.get_or_init(Highlighter::load)
    }

    /// The shared highlighter if it has finished loading, without waiting: a renderer can show
    /// plain text for a frame instead of blocking on the load.
    pub fn try_get() -> Option<&'static Highlighter> {
        HIGHLIGHTER.get()
    }

    /// Loads the highlighter on a background thread (and compiles the grammars' regexes, which
    /// syntect does lazily on first use), so the first code pane does not pay for it. Cheap to
    /// call more than once; if no thread can be spawned, loading happens on first use instead.
    pub fn prewarm() {
        if HIGHLIGHTER.get().is_some() {
            return;
        }
        let spawned = std::thread::Builder::new()
            .name("highlight-prewarm".into())
            .spawn(|| {
                let h = Highlighter::get();
                for lang in [Lang::Python, Lang::R, Lang::Julia] {
                    let _ = h.highlight(WARM_UP_SNIPPET, lang, true);
                }
            });
        // Nothing to do on failure: `get` will load on first use.
        drop(spawned);
    }

    fn load() -> Highlighter {
        // A broken grammar must not cost the other languages, so each is loaded (and its regexes
        // checked) on its own and skipped on error: Python and R then fall back to the bundled
        // grammars, Julia shows plain.
        let defs: Vec<SyntaxDefinition> = OWN_SYNTAXES
            .iter()
            .filter_map(|src| SyntaxDefinition::load_from_str(src, true, None).ok())
            .collect();
        let own = (!defs.is_empty()).then(|| {
            let mut builder = SyntaxSetBuilder::new();
            for def in defs {
                builder.add(def);
            }
            builder.build()
        });
        let mut themes = ThemeSet::load_defaults().themes;
        let mut theme = |name| {
            themes.remove(name).map(|mut t| {
                quotes_follow_strings(&mut t);
                t
            })
        };
        Highlighter {
            bundled: SyntaxSet::load_defaults_newlines(),
            own,
            themes: SYNTAX_THEMES.iter().map(|&name| theme(name)).collect(),
        }
    }

    /// The loaded syntect theme `syntax` names; `None` if syntect stopped shipping it.
    pub(crate) fn theme(&self, syntax: impl Into<SyntaxTheme>) -> Option<&Theme> {
        let name = syntax.into().name();
        SYNTAX_THEMES
            .iter()
            .position(|n| *n == name)
            .and_then(|i| self.themes.get(i))
            .and_then(Option::as_ref)
    }

    /// Whether `lang` gets real highlighting (false for Plain, and for Julia if our grammar
    /// failed to load).
    pub fn supports(&self, lang: Lang) -> bool {
        self.syntax(lang).is_some()
    }

    /// The syntax for `lang` and the set it must be parsed with: ours for Python, R and Julia,
    /// else (or if ours failed to load) the bundled one; Julia has no bundled grammar.
    fn syntax(&self, lang: Lang) -> Option<(&SyntaxSet, &SyntaxReference)> {
        let name = lang.syntax_name()?;
        if matches!(lang, Lang::Python | Lang::R | Lang::Julia)
            && let Some(set) = &self.own
            && let Some(syntax) = set.find_syntax_by_name(name)
        {
            return Some((set, syntax));
        }
        if lang == Lang::Julia {
            return None;
        }
        let set = &self.bundled;
        let syntax = set.find_syntax_by_name(name).or_else(|| {
            lang.syntax_extension()
                .and_then(|ext| set.find_syntax_by_extension(ext))
        })?;
        Some((set, syntax))
    }

    /// Highlights `code` (many lines) for `lang`: one Vec of (ratatui Style, String) runs per
    /// line, no trailing newline runs, in the colours of the syntax theme `syntax` (`true` and
    /// `false` name the dark and light palettes' themes). Plain/unknown → one unstyled run per
    /// line.
    ///
    /// Lines are split as [`str::lines`] does (a trailing `\r` before `\n` is dropped, everything
    /// else including tabs and control characters is kept), so the runs of line `i` joined give
    /// exactly `code.lines().nth(i)`. Highlighted lines have no empty runs (an empty line has no
    /// runs); text in the theme's default colour gets `Style::default()` so the pane's own
    /// foreground shows through.
    ///
    /// Cost is syntect's parser, linear in the text: in release builds, on one thread, about
    /// 9 µs per line of typical Python, 11 µs for R and 12 µs for Julia with our grammars (the
    /// bundled Python and R grammars took 60 and 140–170 µs). From 1,000 lines on, the work is
    /// shared among the cores, with the same result: 5,000 lines of Python take ~25 ms on two.
    /// Use [`Highlighter::highlight_lines`] for what is on screen, or cache the result, rather
    /// than calling this every frame on a long cell.
    pub fn highlight(
        &self,
        code: &str,
        lang: Lang,
        syntax: impl Into<SyntaxTheme>,
    ) -> Vec<StyledLine> {
        self.highlight_lines(code, lang, syntax, usize::MAX)
    }

    /// Like [`Highlighter::highlight`], but only the first `upto` lines: the pane shows about
    /// forty, and parsing stops there instead of running through a whole long cell (~0.4 ms for
    /// 40 lines of Python). Parsing always starts at the top, since a line's colours depend on
    /// what came before (an open string or comment), so for a pane scrolled to `offset` pass
    /// `offset + height` and skip the first `offset` lines.
    pub fn highlight_lines(
        &self,
        code: &str,
        lang: Lang,
        syntax: impl Into<SyntaxTheme>,
        upto: usize,
    ) -> Vec<StyledLine> {
        let lines: Vec<&str> = code.lines().take(upto).collect();
        let (Some((set, syntax)), Some(theme)) = (self.syntax(lang), self.theme(syntax)) else {
            return lines.into_iter().map(plain_line).collect();
        };
        let job = Job { set, syntax, theme };
        let threads = if lines.len() >= PARALLEL_MIN_LINES {
            std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_THREADS))
        } else {
            1
        };
        let mut out = if threads > 1 {
            job.parallel(&lines, threads)
        } else {
            job.run(&lines, 0, ParseState::new(syntax), ScopeStack::new(), None)
                .lines
        };
        // After a parse error the state is unreliable: the rest goes out plain.
        out.extend(
            lines
                .get(out.len()..)
                .unwrap_or_default()
                .iter()
                .map(|l| plain_line(l)),
        );
        out
    }
}

/// One highlighting request: a grammar, the set it must be parsed with, and a theme.
#[derive(Clone, Copy)]
struct Job<'a> {
    set: &'a SyntaxSet,
    syntax: &'a SyntaxReference,
    theme: &'a Theme,
}

/// A run of the parser over consecutive lines, from some start line on.
struct Run {
    /// One entry per line parsed; after a parse error the failing line is the last, plain.
    lines: Vec<StyledLine>,
    /// Whether the run stopped at a cut in the base state (see [`Job::run`]).
    at_base: bool,
}

/// Where a thread's share of the lines may start: a line beginning at column 0 with a
/// non-space character is almost never inside a string or comment, so the parser is then
/// usually back in its base state and a thread starting there from scratch gets it right.
fn may_cut_before(line: &str) -> bool {
    line.chars().next().is_some_and(|c| !c.is_whitespace())
}

/// Up to `parts - 1` line indices where threads start, ascending, each at a line
/// [`may_cut_before`] accepts, about evenly spaced.
fn cut_points(lines: &[&str], parts: usize) -> Vec<usize> {
    let n = lines.len();
    let mut cuts: Vec<usize> = Vec::new();
    for k in 1..parts {
        let from = (n * k / parts).max(cuts.last().map_or(1, |c| c + 1));
        let to = n * (k + 1) / parts;
        let found = lines
            .iter()
            .enumerate()
            .take(to)
            .skip(from)
            .find(|(_, l)| may_cut_before(l));
        if let Some((i, _)) = found {
            cuts.push(i);
        }
    }
    cuts
}

impl Job<'_> {
    /// The parser state after an empty first line: where a thread starting mid-cell begins, and
    /// what the state must be at its start for that to equal sequential parsing.
    fn base(&self) -> Option<(ParseState, ScopeStack)> {
        let mut parser = ParseState::new(self.syntax);
        let mut stack = ScopeStack::new();
        for (_, op) in parser.parse_line("\n", self.set).ok()? {
            stack.apply(&op).ok()?;
        }
        Some((parser, stack))
    }

    /// Highlights `lines` from index `from` on, starting in `parser`/`stack`. With `stop` (the
    /// cut points and the base state) it stops at the first cut after `from` where the state is
    /// the base one, since the thread that started there has done the rest; it runs on while the
    /// state differs (a string left open across the cut), as that thread started wrongly.
    fn run(
        &self,
        lines: &[&str],
        from: usize,
        mut parser: ParseState,
        mut stack: ScopeStack,
        stop: Option<(&[usize], &(ParseState, ScopeStack))>,
    ) -> Run {
        let mut painter = Painter::new(self.theme);
        let mut out = Vec::with_capacity(lines.len().saturating_sub(from));
        let mut cuts = stop
            .map(|(cuts, _)| cuts)
            .unwrap_or_default()
            .iter()
            .copied()
            .filter(|&c| c > from)
            .peekable();
        // The grammars expect each line to end in '\n'; one buffer serves every line.
        let mut buf = String::new();
        for (i, line) in lines.iter().enumerate().skip(from) {
            if cuts.next_if_eq(&i).is_some()
                && let Some((_, (base_parser, base_stack))) = stop
                && parser == *base_parser
                && stack == *base_stack
            {
                return Run {
                    lines: out,
                    at_base: true,
                };
            }
            if line.len() > MAX_PARSED_LINE {
                out.push(plain_line(line));
                continue;
            }
            buf.clear();
            buf.push_str(line);
            buf.push('\n');
            let runs = parser
                .parse_line(&buf, self.set)
                .ok()
                .and_then(|ops| painter.paint(&buf, line.len(), &ops, &mut stack));
            match runs {
                Some(runs) => out.push(runs),
                None => {
                    out.push(plain_line(line));
                    break;
                }
            }
        }
        Run {
            lines: out,
            at_base: false,
        }
    }

    /// Highlights `lines` on up to `threads` threads, with exactly the result of one sequential
    /// pass: each thread starts at a cut in the base state, and its work is used only if the
    /// run before it reached that cut in the base state too (else that run carries on itself).
    fn parallel(&self, lines: &[&str], threads: usize) -> Vec<StyledLine> {
        let sequential = || {
            self.run(
                lines,
                0,
                ParseState::new(self.syntax),
                ScopeStack::new(),
                None,
            )
        };
        let cuts = cut_points(lines, threads);
        // Parser state holds oniguruma regions, which may not cross threads, so each thread
        // derives the base state itself and only styled lines come back.
        let Some(base) = self.base().filter(|_| !cuts.is_empty()) else {
            return sequential().lines;
        };
        let from_cut = |at: usize, base: &(ParseState, ScopeStack)| {
            self.run(
                lines,
                at,
                base.0.clone(),
                base.1.clone(),
                Some((&cuts, base)),
            )
        };
        let (first, mut rest) = std::thread::scope(|s| {
            let handles: Vec<_> = cuts
                .iter()
                .map(|&at| {
                    let handle = std::thread::Builder::new()
                        .name("highlight".into())
                        .spawn_scoped(s, move || self.base().map(|b| from_cut(at, &b)));
                    (at, handle.ok())
                })
                .collect();
            let first = self.run(
                lines,
                0,
                ParseState::new(self.syntax),
                ScopeStack::new(),
                Some((&cuts, &base)),
            );
            // A thread that could not start, failed or panicked leaves its share to us.
            let rest: Vec<(usize, Option<Run>)> = handles
                .into_iter()
                .map(|(at, h)| (at, h.and_then(|h| h.join().ok().flatten())))
                .collect();
            (first, rest)
        });
        let mut out = first.lines;
        let mut at_base = first.at_base;
        while at_base {
            let at = out.len();
            let run = rest
                .iter_mut()
                .find(|(cut, _)| *cut == at)
                .and_then(|(_, run)| run.take())
                .unwrap_or_else(|| from_cut(at, &base));
            out.extend(run.lines);
            at_base = run.at_base;
        }
        out
    }
}

/// Turns parser output into styled runs, remembering the style of every scope stack it has seen:
/// resolving a stack against a theme walks all of the theme's rules, while the same few hundred
/// stacks recur on every line (syntect's own `HighlightLines` resolves every push anew, which
/// added ~0.1 s per 5,000 Python lines with InspiredGitHub's long rule list; this adds ~0.03 s).
struct Painter<'t> {
    theme: highlighting::Highlighter<'t>,
    default_fg: Option<highlighting::Color>,
    styles: HashMap<Vec<Scope>, Style>,
}

impl<'t> Painter<'t> {
    fn new(theme: &'t Theme) -> Self {
        Painter {
            theme: highlighting::Highlighter::new(theme),
            default_fg: theme.settings.foreground,
            styles: HashMap::new(),
        }
    }

    fn style(&mut self, stack: &ScopeStack) -> Style {
        let scopes = stack.as_slice();
        if let Some(style) = self.styles.get(scopes) {
            return *style;
        }
        let style = to_style(self.theme.style_for_stack(scopes), self.default_fg);
        self.styles.insert(scopes.to_vec(), style);
        style
    }

    /// Styles one line: `buf` is the line plus the '\n' the parser saw, `len` the line's own
    /// length, `ops` the parser's scope changes (byte offsets into `buf`). `None` when the ops do
    /// not fit the text or the stack, which only a parser bug would cause.
    fn paint(
        &mut self,
        buf: &str,
        len: usize,
        ops: &[(usize, ScopeStackOp)],
        stack: &mut ScopeStack,
    ) -> Option<StyledLine> {
        let mut runs = Vec::new();
        let mut style = self.style(stack);
        let mut pos = 0;
        for (at, op) in ops {
            let at = (*at).min(len);
            if at > pos {
                push_run(&mut runs, style, buf.get(pos..at)?);
                pos = at;
            }
            stack.apply(op).ok()?;
            style = self.style(stack);
        }
        if len > pos {
            push_run(&mut runs, style, buf.get(pos..len)?);
        }
        Some(runs)
    }
}

/// Appends a run, merging it into the previous one when the style is the same (themes often give
/// neighbouring scopes one colour).
fn push_run(runs: &mut StyledLine, style: Style, text: &str) {
    match runs.last_mut() {
        Some((last, s)) if *last == style => s.push_str(text),
        _ => runs.push((style, text.to_owned())),
    }
}

/// Exercises the common grammar paths so their regexes are compiled before they are needed.
const WARM_UP_SNIPPET: &str = "import os  # c\n@time function f(x::Int, s=\"a$x\") end\n\
def g(a, *b): return f'{a}' + 0x1F\nx <- function(a) { 'b' }\n";

/// Drops theme rules aimed at string quotes alone: base16-ocean.dark paints them in the default
/// colour, so `"s"` would show a green `s` between grey quotes. Without the rule the quotes take
/// their string's colour, which reads better in a narrow pane.
fn quotes_follow_strings(theme: &mut Theme) {
    let Ok(quote) = Scope::new("punctuation.definition.string") else {
        return;
    };
    for item in &mut theme.scopes {
        item.scope
            .selectors
            .retain(|sel| sel.path.as_slice() != [quote]);
    }
    theme.scopes.retain(|item| !item.scope.selectors.is_empty());
}

/// One unstyled run holding the whole line.
fn plain_line(line: &str) -> StyledLine {
    vec![(Style::default(), line.to_owned())]
}

/// Maps a syntect style to ratatui: foreground colour (unless it is the theme's default, so the
/// pane's colour shows), bold and italic. Backgrounds and underlines are dropped on purpose.
fn to_style(style: highlighting::Style, default_fg: Option<highlighting::Color>) -> Style {
    let mut out = Style::default();
    let fg = style.foreground;
    if Some(fg) != default_fg && fg.a > 0 {
        out = out.fg(Color::Rgb(fg.r, fg.g, fg.b));
    }
    if style.font_style.contains(FontStyle::BOLD) {
        out = out.add_modifier(Modifier::BOLD);
    }
    if style.font_style.contains(FontStyle::ITALIC) {
        out = out.add_modifier(Modifier::ITALIC);
    }
    out
}

#[cfg(test)]
mod tests;
