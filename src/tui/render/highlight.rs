//! Syntax highlighting for executed code: syntect grammars and themes turned into ratatui styles.
//!
//! Python, R, shell, SQL and Markdown use syntect's bundled grammars; Julia uses our own compact
//! grammar in `assets/syntaxes/Julia.sublime-syntax`. Only foreground colour, bold and italic are
//! kept from the theme: the detail pane paints its own background.

use std::collections::HashMap;
use std::sync::OnceLock;

use ratatui::style::{Color, Modifier, Style};
use syntect::highlighting::{self, FontStyle, Theme, ThemeSet};
use syntect::parsing::{
    ParseState, Scope, ScopeStack, ScopeStackOp, SyntaxDefinition, SyntaxReference, SyntaxSet,
    SyntaxSetBuilder,
};

/// Our Julia grammar; syntect's bundled set has none.
const JULIA_SYNTAX: &str = include_str!("../../../assets/syntaxes/Julia.sublime-syntax");

/// Theme used when the pane background is dark.
const DARK_THEME: &str = "base16-ocean.dark";
/// Theme used when the pane background is light.
const LIGHT_THEME: &str = "InspiredGitHub";

/// Lines longer than this (in bytes) are shown unstyled and not fed to the parser: parsing costs
/// about 4 ms per KiB of dense code, so one line of pasted data (a 16 KiB literal took ~70 ms)
/// must not stall a frame. The parser state simply carries over the skipped line.
const MAX_PARSED_LINE: usize = 4 * 1024;

/// Languages we highlight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// Python (Jupyter's default kernel).
    Python,
    /// R (IRkernel notebooks and RStudio console work).
    R,
    /// Julia.
    Julia,
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
    /// From a notebook kernelspec name/language ("python3", "ir", "R", "julia-1.6", "bash", "sql"),
    /// case-insensitive. Unknown names give [`Lang::Plain`].
    pub fn from_kernel(s: &str) -> Lang {
        let k = s.trim().to_ascii_lowercase();
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
            "bash" | "sh" | "zsh" | "ksh" | "dash" | "shell" => Lang::Shell,
            "markdown" | "md" => Lang::Markdown,
            // SQL kernels come in many names ("sql", "xsql", "postgresql", "sqlite").
            _ if k.contains("sql") => Lang::Sql,
            _ => Lang::Plain,
        }
    }

    /// From a path's extension: `.py`, `.ipynb` (→ Python unless told otherwise, e.g. by
    /// [`Lang::from_kernel`]), `.R`/`.r`/`.Rmd`, `.jl`, `.sh`, `.sql`, `.md`. Extensions are
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
/// grammar took 3–15 ms here, plus 1–10 ms of regex compilation on first use, and must not sit
/// on the first frame's path — see [`Highlighter::prewarm`] and [`Highlighter::try_get`]).
pub struct Highlighter {
    /// syntect's bundled syntaxes.
    bundled: SyntaxSet,
    /// Our Julia grammar in a set of its own, `None` if it failed to load. Adding it to the
    /// bundled set instead (`into_builder` + `build`) relinks every bundled grammar, which
    /// measured ~0.45 s against ~10 ms for a set of one.
    julia: Option<SyntaxSet>,
    /// Theme for dark backgrounds; `None` only if syntect stopped shipping it.
    dark: Option<Theme>,
    /// Theme for light backgrounds.
    light: Option<Theme>,
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
        // A broken grammar must not cost the other languages: Julia then shows plain.
        let julia = SyntaxDefinition::load_from_str(JULIA_SYNTAX, true, None)
            .ok()
            .map(|def| {
                let mut builder = SyntaxSetBuilder::new();
                builder.add(def);
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
            julia,
            dark: theme(DARK_THEME),
            light: theme(LIGHT_THEME),
        }
    }

    /// Whether `lang` gets real highlighting (false for Plain, and for Julia if our grammar
    /// failed to load).
    pub fn supports(&self, lang: Lang) -> bool {
        self.syntax(lang).is_some()
    }

    /// The syntax for `lang` and the set it must be parsed with.
    fn syntax(&self, lang: Lang) -> Option<(&SyntaxSet, &SyntaxReference)> {
        let set = if lang == Lang::Julia {
            self.julia.as_ref()?
        } else {
            &self.bundled
        };
        let name = lang.syntax_name()?;
        let syntax = set.find_syntax_by_name(name).or_else(|| {
            lang.syntax_extension()
                .and_then(|ext| set.find_syntax_by_extension(ext))
        })?;
        Some((set, syntax))
    }

    /// Highlights `code` (many lines) for `lang`: one Vec of (ratatui Style, String) runs per
    /// line, no trailing newline runs. `dark` picks colours that read on a dark background (else
    /// light). Plain/unknown → one unstyled run per line.
    ///
    /// Lines are split as [`str::lines`] does (a trailing `\r` before `\n` is dropped, everything
    /// else including tabs and control characters is kept), so the runs of line `i` joined give
    /// exactly `code.lines().nth(i)`. Highlighted lines have no empty runs (an empty line has no
    /// runs); text in the theme's default colour gets `Style::default()` so the pane's own
    /// foreground shows through.
    ///
    /// Cost is syntect's parser, linear in the text: in release builds about 60 µs per line of
    /// typical Python (0.3 s for 5,000 lines), 170 µs for R, 16 µs for our Julia grammar. Use
    /// [`Highlighter::highlight_lines`] for what is on screen, or cache the result, rather than
    /// calling this every frame on a long cell.
    pub fn highlight(&self, code: &str, lang: Lang, dark: bool) -> Vec<StyledLine> {
        self.highlight_lines(code, lang, dark, usize::MAX)
    }

    /// Like [`Highlighter::highlight`], but only the first `upto` lines: the pane shows about
    /// forty, and parsing stops there instead of running through a whole long cell (~2 ms for
    /// 40 lines of Python). Parsing always starts at the top, since a line's colours depend on
    /// what came before (an open string or comment), so for a pane scrolled to `offset` pass
    /// `offset + height` and skip the first `offset` lines.
    pub fn highlight_lines(
        &self,
        code: &str,
        lang: Lang,
        dark: bool,
        upto: usize,
    ) -> Vec<StyledLine> {
        let mut lines = code.lines().take(upto);
        let theme = if dark { &self.dark } else { &self.light };
        let (Some((set, syntax)), Some(theme)) = (self.syntax(lang), theme.as_ref()) else {
            return lines.map(plain_line).collect();
        };
        let mut painter = Painter::new(theme);
        let mut parser = ParseState::new(syntax);
        let mut stack = ScopeStack::new();
        let mut out = Vec::new();
        // The bundled grammars expect each line to end in '\n'; one buffer serves every line.
        let mut buf = String::new();
        for line in lines.by_ref() {
            if line.len() > MAX_PARSED_LINE {
                out.push(plain_line(line));
                continue;
            }
            buf.clear();
            buf.push_str(line);
            buf.push('\n');
            let runs = parser
                .parse_line(&buf, set)
                .ok()
                .and_then(|ops| painter.paint(&buf, line.len(), &ops, &mut stack));
            match runs {
                Some(runs) => out.push(runs),
                None => {
                    // The parse state is unreliable after an error; the rest goes out plain.
                    out.push(plain_line(line));
                    break;
                }
            }
        }
        out.extend(lines.map(plain_line));
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
mod tests {
    use super::*;
    use std::time::Instant;

    const ALL: [Lang; 7] = [
        Lang::Python,
        Lang::R,
        Lang::Julia,
        Lang::Shell,
        Lang::Sql,
        Lang::Markdown,
        Lang::Plain,
    ];

    /// The style of the run covering byte `at` of a highlighted line.
    fn style_at(runs: &StyledLine, at: usize) -> Style {
        let mut start = 0;
        for (style, text) in runs {
            if at < start + text.len() {
                return *style;
            }
            start += text.len();
        }
        panic!("byte {at} is past the end of the line");
    }

    /// The style at the first occurrence of `needle` (plus `skip` bytes) in `line`.
    fn style_of(line: &str, runs: &StyledLine, needle: &str, skip: usize) -> Style {
        let at = line.find(needle).expect("needle in line") + skip;
        style_at(runs, at)
    }

    fn one_line(code: &str, lang: Lang, dark: bool) -> StyledLine {
        let mut lines = Highlighter::get().highlight(code, lang, dark);
        assert_eq!(lines.len(), 1);
        lines.remove(0)
    }

    fn joined(runs: &StyledLine) -> String {
        runs.iter().map(|(_, t)| t.as_str()).collect()
    }

    #[test]
    fn python_keyword_string_comment_differ() {
        let code = r#"def f(x): return "s"  # c"#;
        for dark in [true, false] {
            let runs = one_line(code, Lang::Python, dark);
            let kw = style_of(code, &runs, "return", 0);
            let def = style_of(code, &runs, "def", 0);
            let string = style_of(code, &runs, "\"s\"", 1);
            let comment = style_of(code, &runs, "# c", 2);
            for s in [kw, def, string, comment] {
                assert_ne!(s, Style::default(), "dark={dark} {runs:?}");
            }
            assert!(
                kw != string && string != comment && kw != comment,
                "{runs:?}"
            );
            // Quotes take their string's colour.
            assert_eq!(style_of(code, &runs, "\"s\"", 0), string, "{runs:?}");
        }
    }

    #[test]
    fn r_function_and_string_styled() {
        let code = r#"x <- function(a) { "s" }"#;
        for dark in [true, false] {
            let runs = one_line(code, Lang::R, dark);
            let kw = style_of(code, &runs, "function", 0);
            let string = style_of(code, &runs, "\"s\"", 1);
            assert_ne!(kw, Style::default(), "{runs:?}");
            assert_ne!(string, Style::default(), "{runs:?}");
            assert_ne!(kw, string);
        }
    }

    #[test]
    fn julia_grammar_loads_and_styles() {
        let h = Highlighter::get();
        assert!(h.supports(Lang::Julia), "Julia grammar failed to load");
        let code = r#"function f(x::Int) "s" end"#;
        for dark in [true, false] {
            let runs = one_line(code, Lang::Julia, dark);
            let function = style_of(code, &runs, "function", 0);
            let end = style_of(code, &runs, "end", 0);
            let string = style_of(code, &runs, "\"s\"", 1);
            let ty = style_of(code, &runs, "Int", 0);
            for s in [function, end, string, ty] {
                assert_ne!(s, Style::default(), "dark={dark} {runs:?}");
            }
            assert_ne!(function, string);
            assert_ne!(end, string);
        }
    }

    #[test]
    fn julia_comments_strings_macros() {
        let code = "#= block #= nested =# still =# x = 1\n\
                    @time y = \"\"\"a\n$(f(1)) b\"\"\" # tail";
        let lines = Highlighter::get().highlight(code, Lang::Julia, true);
        assert_eq!(lines.len(), 3);
        let l0 = code.lines().next().unwrap_or_default();
        let comment = style_of(l0, &lines[0], "still", 0);
        assert_ne!(comment, Style::default());
        // Nested block comments end only at the outer `=#`.
        assert_eq!(style_of(l0, &lines[0], "x =", 0), Style::default());
        let l1 = code.lines().nth(1).unwrap_or_default();
        assert_ne!(style_of(l1, &lines[1], "@time", 0), Style::default());
        // The triple-quoted string spans lines; the interpolation inside is code.
        let l2 = code.lines().nth(2).unwrap_or_default();
        assert_eq!(
            style_of(l2, &lines[2], "b\"\"\"", 0),
            style_of(l1, &lines[1], "\"\"\"a", 3)
        );
        assert_ne!(
            style_of(l2, &lines[2], "f(", 0),
            style_of(l2, &lines[2], "b\"\"\"", 0)
        );
        let comment_tail = style_of(l2, &lines[2], "# tail", 2);
        assert_eq!(comment_tail, comment);
    }

    #[test]
    fn julia_numbers_chars_symbols() {
        let code = "z = 0x1F + 2.5e3im; c = 'a'; A'; s = :sym; r = 1:n";
        let runs = one_line(code, Lang::Julia, true);
        assert_ne!(style_of(code, &runs, "0x1F", 0), Style::default());
        assert_ne!(style_of(code, &runs, "2.5e3im", 0), Style::default());
        assert_ne!(style_of(code, &runs, "'a'", 1), Style::default());
        assert_ne!(style_of(code, &runs, ":sym", 1), Style::default());
        // `A'` is the adjoint, so what follows is not a char literal.
        assert_eq!(style_of(code, &runs, "; s", 2), Style::default());
        // `1:n` is a range, not a symbol.
        assert_eq!(style_of(code, &runs, ":n", 1), Style::default());
    }

    #[test]
    fn default_syntaxes_present() {
        let h = Highlighter::get();
        for lang in ALL {
            assert_eq!(h.supports(lang), lang != Lang::Plain, "{lang:?}");
        }
        for lang in [Lang::Shell, Lang::Sql, Lang::Markdown] {
            let code = match lang {
                Lang::Shell => "echo \"hi\" # c",
                Lang::Sql => "SELECT 'a' FROM t -- c",
                _ => "# Title\n*em* `code`",
            };
            let lines = h.highlight(code, lang, true);
            assert!(
                lines.iter().flatten().any(|(s, _)| *s != Style::default()),
                "{lang:?}: {lines:?}"
            );
        }
    }

    #[test]
    fn lang_from_kernel() {
        for (k, l) in [
            ("python3", Lang::Python),
            ("Python", Lang::Python),
            ("ir", Lang::R),
            ("R", Lang::R),
            ("julia-1.6", Lang::Julia),
            ("python3.8", Lang::Python),
            ("ir43", Lang::R),
            ("iruby", Lang::Plain),
            ("xsql", Lang::Sql),
            ("Julia", Lang::Julia),
            ("bash", Lang::Shell),
            ("sql", Lang::Sql),
            ("SQL", Lang::Sql),
            ("markdown", Lang::Markdown),
            ("scala", Lang::Plain),
            ("", Lang::Plain),
        ] {
            assert_eq!(Lang::from_kernel(k), l, "{k}");
        }
    }

    #[test]
    fn lang_from_path() {
        for (p, l) in [
            ("code/x.py", Lang::Python),
            ("code/x.ipynb", Lang::Python),
            ("code/a.R", Lang::R),
            ("a.r", Lang::R),
            ("code/report.Rmd", Lang::R),
            ("src/m.jl", Lang::Julia),
            ("run.sh", Lang::Shell),
            ("q.SQL", Lang::Sql),
            ("README.md", Lang::Markdown),
            ("C:\\work\\x.py", Lang::Python),
            ("code.v2/run", Lang::Plain),
            (".bashrc", Lang::Plain),
            ("Makefile", Lang::Plain),
            ("data.csv", Lang::Plain),
            ("", Lang::Plain),
        ] {
            assert_eq!(Lang::from_path(p), l, "{p}");
        }
    }

    #[test]
    fn lang_from_message() {
        for (m, l) in [
            ("Executed cell in notebook code/x.ipynb", Lang::Python),
            ("Executed 3 cells in notebook code/x.ipynb", Lang::Python),
            ("Executed code in console", Lang::R),
            ("Executed chunk in code/report.Rmd", Lang::R),
            ("Ran code/analysis.R.", Lang::R),
            ("Executed cell in notebook code/model.jl", Lang::Julia),
            ("Executed cell in notebook (\"code/model.jl\")", Lang::Julia),
            ("Executed cell in notebook", Lang::Python),
            ("Created project", Lang::Plain),
            ("", Lang::Plain),
        ] {
            assert_eq!(Lang::from_message(m), l, "{m}");
        }
    }

    #[test]
    fn runs_join_to_input_lines() {
        let code = "\tdef f(x):\n\t\treturn \"é\\t\"  # ünïcode 🎉\r\n\n  x <- c(1,\t2)\n\
                    function g() \"\"\"\n\tdoc\"\"\" end\n```\n\u{1b}[31m\0\u{7f}\rz\n";
        let expected: Vec<&str> = code.lines().collect();
        for lang in ALL {
            for dark in [true, false] {
                let lines = Highlighter::get().highlight(code, lang, dark);
                let got: Vec<String> = lines.iter().map(joined).collect();
                assert_eq!(got, expected, "{lang:?} dark={dark}");
                if lang != Lang::Plain {
                    assert!(lines.iter().flatten().all(|(_, t)| !t.is_empty()));
                }
            }
        }
    }

    #[test]
    fn plain_is_unstyled_one_run_per_line() {
        let code = "def f(): pass\n\n\t# x";
        let lines = Highlighter::get().highlight(code, Lang::Plain, true);
        assert_eq!(lines.len(), 3);
        for (line, text) in lines.iter().zip(code.lines()) {
            assert_eq!(line, &vec![(Style::default(), text.to_owned())]);
        }
    }

    #[test]
    fn empty_input_gives_no_lines() {
        for lang in ALL {
            assert!(Highlighter::get().highlight("", lang, true).is_empty());
            assert!(Highlighter::get().highlight("", lang, false).is_empty());
        }
        // A lone newline is one empty line.
        assert_eq!(
            Highlighter::get().highlight("\n", Lang::Python, true).len(),
            1
        );
    }

    #[test]
    fn no_background_ever() {
        let code = "def f(x): return \"s\"  # c\nx <- 1\nfunction f() end";
        for lang in ALL {
            for dark in [true, false] {
                for (style, _) in Highlighter::get()
                    .highlight(code, lang, dark)
                    .iter()
                    .flatten()
                {
                    assert_eq!(style.bg, None);
                    assert!(
                        style
                            .add_modifier
                            .difference(Modifier::BOLD | Modifier::ITALIC)
                            .is_empty()
                    );
                }
            }
        }
    }

    #[test]
    fn highlight_lines_stops_early_and_agrees() {
        let code = "x = 1\n".repeat(100) + "y = \"s\"\n";
        let h = Highlighter::get();
        let all = h.highlight(&code, Lang::Python, true);
        let first = h.highlight_lines(&code, Lang::Python, true, 40);
        assert_eq!(first.len(), 40);
        assert_eq!(first[..], all[..40]);
        assert!(h.highlight_lines(&code, Lang::Python, true, 0).is_empty());
        assert_eq!(h.highlight_lines(&code, Lang::Plain, true, 3).len(), 3);
    }

    #[test]
    fn weird_input_does_not_panic() {
        let h = Highlighter::get();
        let huge = "x = \"".to_owned() + &"a(b[c{".repeat(20_000) + "\n" + "y = 1";
        let long_ok = "s = '".to_owned() + &"z".repeat(MAX_PARSED_LINE - 10) + "'";
        let inputs = [
            huge.as_str(),
            long_ok.as_str(),
            "def def def ((((\n\"\"\"unterminated\n'''",
            "#= never closed\n#= #=",
            "\0\u{1}\u{1b}[0m\u{7f}\u{85}\u{2028}\u{feff}\r\r\n\t",
            "$(((((\"$(\"$(",
            "```{r}\nx <- 1\n```",
            "\\",
            "'",
            "\u{10ffff}",
            // Heredoc and raw-string ends are regexes built from the text itself.
            "cat <<'E(O[F'\nx $y\nE(O[F\necho \"${a:-(}\"",
            "x <- r\"---(a)\"b)---\"\ny <- 1",
            r#"f"{x!r:>{w}}" rb'\\' u'''"#,
            "SELECT 'it''s' FROM \"t\" WHERE a = $$x$$ -- c",
        ];
        for code in inputs {
            for lang in ALL {
                for dark in [true, false] {
                    let lines = h.highlight(code, lang, dark);
                    let got: Vec<String> = lines.iter().map(joined).collect();
                    let expected: Vec<&str> = code.lines().collect();
                    assert_eq!(got, expected, "{lang:?}");
                }
            }
        }
    }

    #[test]
    fn prewarm_then_try_get() {
        Highlighter::prewarm();
        let h = Highlighter::get();
        assert!(Highlighter::try_get().is_some_and(|t| std::ptr::eq(t, h)));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        fn any_text_round_trips(code in "(?s).{0,300}", pick in 0usize..7, dark: bool) {
            let lang = ALL[pick];
            let lines = Highlighter::get().highlight(&code, lang, dark);
            let got: Vec<String> = lines.iter().map(joined).collect();
            let expected: Vec<&str> = code.lines().collect();
            proptest::prop_assert_eq!(got, expected);
        }

        /// Code-like soup reaches far more grammar states than arbitrary Unicode does.
        #[test]
        fn code_soup_round_trips(
            code in r#"[a-z0-9 \t\r\n"'`#=$(){}<>:@.,;|&%*+/\\\[\]-]{0,400}"#,
            pick in 0usize..7,
        ) {
            let lang = ALL[pick];
            let lines = Highlighter::get().highlight(&code, lang, true);
            let got: Vec<String> = lines.iter().map(joined).collect();
            let expected: Vec<&str> = code.lines().collect();
            proptest::prop_assert_eq!(got, expected);
        }
    }

    /// Our cached painter must agree with syntect's own line highlighter.
    #[test]
    fn painter_matches_syntect_highlight_lines() {
        let h = Highlighter::get();
        let code = python_cell(60) + "\nx <- function(a) { 'b' } # c\n";
        for (lang, dark) in [(Lang::Python, true), (Lang::Python, false), (Lang::R, true)] {
            let ours = h.highlight(&code, lang, dark);
            let Some((set, syntax)) = h.syntax(lang) else {
                panic!("no syntax for {lang:?}");
            };
            let theme = if dark { &h.dark } else { &h.light };
            let theme = theme.as_ref().expect("theme");
            let mut easy = syntect::easy::HighlightLines::new(syntax, theme);
            for (line, got) in code.lines().zip(&ours) {
                let with_newline = format!("{line}\n");
                let regions = easy
                    .highlight_line(&with_newline, set)
                    .expect("syntect parses");
                // Per byte, so differences in run boundaries do not matter.
                let want: Vec<Style> = regions
                    .iter()
                    .flat_map(|(st, t)| {
                        let st = to_style(*st, theme.settings.foreground);
                        t.bytes().map(move |_| st)
                    })
                    .take(line.len())
                    .collect();
                let have: Vec<Style> = got
                    .iter()
                    .flat_map(|(st, t)| t.bytes().map(move |_| *st))
                    .collect();
                assert_eq!(have, want, "{lang:?} dark={dark}: {line}");
            }
        }
    }

    /// A realistic notebook cell of `n` lines.
    fn python_cell(n: usize) -> String {
        const BLOCK: &str = r#"import numpy as np  # arrays
from collections import defaultdict

@dataclass(frozen=True)
class Point:
    """A point in the plane.

    Used by the plotting helpers below.
    """
    x: float = 0.0
    y: float = 1e-3

    def norm(self, p: int = 2) -> float:
        return (abs(self.x) ** p + abs(self.y) ** p) ** (1 / p)

def load(path, *, sep=",", skip=0x10):
    counts = defaultdict(int)
    with open(path, encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i < skip or not line.strip():
                continue
            key, _, value = line.partition(sep)
            counts[key] += int(value or 0)  # tally
    print(f"loaded {len(counts)} keys from {path!r}: {counts}")
    return {k: v / 2.5 for k, v in counts.items() if v > 3}
"#;
        BLOCK.lines().cycle().take(n).collect::<Vec<_>>().join("\n")
    }

    /// CPU time this thread has used, in ns (Linux; 0 elsewhere).
    fn thread_cpu_ns() -> u64 {
        std::fs::read_to_string("/proc/thread-self/schedstat")
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    }

    /// Timing of the 5,000-line Python goal; run with
    /// `cargo test --release -- --ignored --nocapture highlight_timing`.
    #[test]
    #[ignore]
    fn highlight_timing() {
        let t = Instant::now();
        let h = Highlighter::get();
        println!("load: {:?}", t.elapsed());
        let t = Instant::now();
        let _ = h.highlight("def f(x): return 1", Lang::Python, true);
        println!("first Python line (regex compile): {:?}", t.elapsed());
        let t = Instant::now();
        let _ = h.highlight("function f(x) end", Lang::Julia, true);
        println!("first Julia line (regex compile): {:?}", t.elapsed());

        // Best wall clock of ten runs, and this thread's mean CPU time: on a busy machine the
        // wall clock mostly measures the other processes.
        let best_of = |code: &str, lang: Lang, dark: bool, upto: usize| {
            let mut best = std::time::Duration::MAX;
            let cpu = thread_cpu_ns();
            for _ in 0..10 {
                let t = Instant::now();
                let lines = h.highlight_lines(code, lang, dark, upto);
                best = best.min(t.elapsed());
                assert_eq!(lines.len(), code.lines().count().min(upto));
            }
            let cpu = thread_cpu_ns().saturating_sub(cpu) as f64 / 10.0 / 1e6;
            format!("best wall {best:.2?}, mean cpu {cpu:.2}ms")
        };
        let cell = python_cell(5_000);
        for dark in [true, false] {
            let all = best_of(&cell, Lang::Python, dark, usize::MAX);
            let first = best_of(&cell, Lang::Python, dark, 40);
            println!("Python 5000 lines, dark={dark}: all: {all}; first 40: {first}");
        }
        let r_cell = "fit <- lm(y ~ x, data = df)  # model\nsummary(fit)\n\
                      f <- function(a, b = 2) { paste0(\"v\", a * b) }\n"
            .repeat(5_000 / 3);
        let jl_cell = "@time function f(x::Int, s = \"a$x\")  # c\n    return x^2 + 0x1F\nend\n"
            .repeat(5_000 / 3);
        for (name, code, lang) in [("R", &r_cell, Lang::R), ("Julia", &jl_cell, Lang::Julia)] {
            let all = best_of(code, lang, true, usize::MAX);
            println!("{name} {} lines, dark: {all}", code.lines().count());
        }
        let huge = "x = \"".to_owned() + &"a(b[c{".repeat(200_000);
        let t = Instant::now();
        let _ = h.highlight(&huge, Lang::Python, true);
        println!(
            "1.2 MB single line (over the cap, shown plain): {:?}",
            t.elapsed()
        );
        let near_cap =
            "x = [".to_owned() + &"f(a, 'b', 1.5), ".repeat(MAX_PARSED_LINE / 16 - 1) + "]";
        let t = Instant::now();
        let _ = h.highlight(&near_cap, Lang::Python, true);
        println!(
            "{} B single line (parsed): {:?}",
            near_cap.len(),
            t.elapsed()
        );
    }
}
