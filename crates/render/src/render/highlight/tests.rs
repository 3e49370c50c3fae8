//! Tests of `highlight`.

use super::*;
use std::time::Instant;

const ALL: [Lang; 10] = [
    Lang::Python,
    Lang::R,
    Lang::Julia,
    Lang::Cpp,
    Lang::Java,
    Lang::Scala,
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

/// The kernels real projects use beside Python, R and Julia: in each, a keyword is styled
/// apart from the plain identifier beside it, on dark and light backgrounds alike.
#[test]
fn other_kernels_style_keywords() {
    for (lang, code, keyword, ident) in [
        (
            Lang::Cpp,
            "for (int i = 0; i < n; ++i) { total += i; }",
            "for",
            "total",
        ),
        (
            Lang::Java,
            "public class Main { int count = 0; }",
            "class",
            "count",
        ),
        (
            Lang::Scala,
            "val total = items.map(x => x * 2)",
            "val",
            "total",
        ),
        (Lang::Shell, "if true; then echo done; fi", "then", "done"),
        (
            Lang::Sql,
            "SELECT name FROM people WHERE age > 3",
            "SELECT",
            "name",
        ),
    ] {
        for dark in [true, false] {
            let runs = one_line(code, lang, dark);
            let kw = style_of(code, &runs, keyword, 0);
            let plain = style_of(code, &runs, ident, 0);
            assert_ne!(kw, Style::default(), "{lang:?} dark={dark} {runs:?}");
            assert_ne!(kw, plain, "{lang:?} dark={dark} {runs:?}");
        }
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
        // The kernelspecs of xeus-cling, IJava and almond, by name, language and
        // language_info.name.
        ("xcpp11", Lang::Cpp),
        ("xcpp14", Lang::Cpp),
        ("xcpp17", Lang::Cpp),
        ("C++17", Lang::Cpp),
        ("c++", Lang::Cpp),
        ("java", Lang::Java),
        ("Java", Lang::Java),
        ("scala", Lang::Scala),
        ("scala212", Lang::Scala),
        ("almond", Lang::Scala),
        ("Scala", Lang::Scala),
        ("c", Lang::Plain),
        ("javascript", Lang::Plain),
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
        ("src/main.cpp", Lang::Cpp),
        ("Main.java", Lang::Java),
        ("App.scala", Lang::Scala),
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
    fn any_text_round_trips(code in "(?s).{0,300}", pick in 0usize..ALL.len(), dark: bool) {
        let lang = ALL[pick];
        let lines = Highlighter::get().highlight(&code, lang, dark);
        let got: Vec<String> = lines.iter().map(joined).collect();
        let expected: Vec<&str> = code.lines().collect();
        proptest::prop_assert_eq!(got, expected);
    }

    /// Cut points anywhere, strings and comments open across them: threads must not change
    /// a single style.
    #[test]
    fn threaded_matches_sequential(
        lines in proptest::collection::vec(proptest::sample::select(vec![
            "x = 1", "\"\"\"", "'''", "a \"\"\" b", "text", "  indented", "#= c", "=#",
            "s <- \"open", "close\" # c", "f'{", "}'", "", "def f(x):", "r\"(", ")\"",
            "y <- 'q", "\\", "`x", "@m(1)", "f\"\"\"{a", "}\"\"\"",
        ]), 0..120),
        threads in 2usize..6,
        pick in 0usize..3,
        dark: bool,
    ) {
        let lang = [Lang::Python, Lang::R, Lang::Julia][pick];
        let code = lines.join("\n");
        let want = sequential(&code, lang, dark);
        let got = threaded(&code, lang, dark, threads);
        proptest::prop_assert!(got == want);
    }

    /// Code-like soup reaches far more grammar states than arbitrary Unicode does.
    #[test]
    fn code_soup_round_trips(
        code in r#"[a-z0-9 \t\r\n"'`#=$(){}<>:@.,;|&%*+/\\\[\]-]{0,400}"#,
        pick in 0usize..ALL.len(),
    ) {
        let lang = ALL[pick];
        let lines = Highlighter::get().highlight(&code, lang, true);
        let got: Vec<String> = lines.iter().map(joined).collect();
        let expected: Vec<&str> = code.lines().collect();
        proptest::prop_assert_eq!(got, expected);
    }
}

#[test]
fn own_grammars_serve_python_r_julia() {
    for src in OWN_SYNTAXES {
        // A grammar that fails here would silently fall back to the bundled one.
        if let Err(e) = SyntaxDefinition::load_from_str(src, true, None) {
            panic!("{e}: {}", src.lines().nth(9).unwrap_or_default());
        }
    }
    let h = Highlighter::get();
    let own = h.own.as_ref().expect("our grammars loaded");
    assert_eq!(own.syntaxes().len(), OWN_SYNTAXES.len());
    for lang in [Lang::Python, Lang::R, Lang::Julia] {
        let (set, _) = h.syntax(lang).expect("a syntax");
        assert!(std::ptr::eq(set, own), "{lang:?} is not ours");
    }
    for lang in [Lang::Shell, Lang::Sql, Lang::Markdown] {
        let (set, _) = h.syntax(lang).expect("a syntax");
        assert!(std::ptr::eq(set, &h.bundled), "{lang:?} is not bundled");
    }
}

#[test]
fn python_grammar_styles_notebook_code() {
    let code = "@cache\ndef load(n=0x1F):  # c\n    return f\"{n}\\t\" + 'a' if n else None";
    let l: Vec<&str> = code.lines().collect();
    for dark in [true, false] {
        let lines = Highlighter::get().highlight(code, Lang::Python, dark);
        assert_eq!(lines.len(), 3);
        let decorator = style_of(l[0], &lines[0], "cache", 0);
        let def = style_of(l[1], &lines[1], "def", 0);
        let name = style_of(l[1], &lines[1], "load", 0);
        let number = style_of(l[1], &lines[1], "0x1F", 2);
        let comment = style_of(l[1], &lines[1], "# c", 2);
        let keyword = style_of(l[2], &lines[2], "return", 0);
        let string = style_of(l[2], &lines[2], "'a'", 1);
        let f_string = style_of(l[2], &lines[2], "f\"", 1);
        let escape = style_of(l[2], &lines[2], "\\t", 0);
        let constant = style_of(l[2], &lines[2], "None", 0);
        let all = [
            decorator, def, name, number, comment, keyword, string, escape, constant,
        ];
        for s in all {
            assert_ne!(s, Style::default(), "dark={dark} {lines:?}");
        }
        let distinct = [keyword, string, comment, number, name];
        for (i, a) in distinct.iter().enumerate() {
            for b in distinct.iter().skip(i + 1) {
                assert_ne!(a, b, "dark={dark} {lines:?}");
            }
        }
        assert_eq!(f_string, string);
        assert_ne!(escape, string);
        // Code inside an f-string's braces is code, and plain names stay plain.
        assert_eq!(style_of(l[2], &lines[2], "{n}", 1), Style::default());
        assert_eq!(style_of(l[2], &lines[2], "if n", 3), Style::default());
    }
}

#[test]
fn r_grammar_styles_notebook_code() {
    let code = "f <- function(x) paste0(\"v\", my_fn(x) * 2L, TRUE)  # c";
    for dark in [true, false] {
        let runs = one_line(code, Lang::R, dark);
        let name = style_of(code, &runs, "f <-", 0);
        let arrow = style_of(code, &runs, "<-", 0);
        let function = style_of(code, &runs, "function", 0);
        let builtin = style_of(code, &runs, "paste0", 0);
        let call = style_of(code, &runs, "my_fn", 0);
        let string = style_of(code, &runs, "\"v\"", 1);
        let number = style_of(code, &runs, "2L", 0);
        let constant = style_of(code, &runs, "TRUE", 0);
        let comment = style_of(code, &runs, "# c", 2);
        for s in [name, function, builtin, string, number, constant, comment] {
            assert_ne!(s, Style::default(), "dark={dark} {runs:?}");
        }
        let distinct = [function, builtin, string, number, comment];
        for (i, a) in distinct.iter().enumerate() {
            for b in distinct.iter().skip(i + 1) {
                assert_ne!(a, b, "dark={dark} {runs:?}");
            }
        }
        // base16-ocean.dark leaves operators in the text colour, and InspiredGitHub calls
        // of user functions; each theme colours the other.
        if dark {
            assert_ne!(call, Style::default(), "{runs:?}");
        } else {
            assert_ne!(arrow, Style::default(), "{runs:?}");
        }
        assert_eq!(style_of(code, &runs, "(x)", 1), Style::default());
    }
    // Backtick names hide what is inside them, and R strings run across lines.
    let code = "`a # b` <- \"x\ny\" # c";
    let lines = Highlighter::get().highlight(code, Lang::R, true);
    let l: Vec<&str> = code.lines().collect();
    assert_ne!(
        style_of(l[0], &lines[0], "# b", 0),
        style_of(l[1], &lines[1], "# c", 0)
    );
    assert_eq!(
        style_of(l[1], &lines[1], "y", 0),
        style_of(l[0], &lines[0], "x", 0)
    );
}

/// A job for `lang` with the shared highlighter's grammar and theme.
fn job(lang: Lang, dark: bool) -> Job<'static> {
    let h = Highlighter::get();
    let (set, syntax) = h.syntax(lang).expect("a syntax");
    let theme = h.theme(dark);
    Job {
        set,
        syntax,
        theme: theme.expect("theme"),
    }
}

/// One pass on this thread: what the threaded path must reproduce exactly.
fn sequential(code: &str, lang: Lang, dark: bool) -> Vec<StyledLine> {
    let job = job(lang, dark);
    let lines: Vec<&str> = code.lines().collect();
    let start = ParseState::new(job.syntax);
    let mut out = job.run(&lines, 0, start, ScopeStack::new(), None).lines;
    let rest = lines.get(out.len()..).unwrap_or_default();
    out.extend(rest.iter().map(|l| plain_line(l)));
    out
}

/// The threaded path on `threads` threads, whatever the line count and machine.
fn threaded(code: &str, lang: Lang, dark: bool, threads: usize) -> Vec<StyledLine> {
    let lines: Vec<&str> = code.lines().collect();
    job(lang, dark).parallel(&lines, threads)
}

/// Python and R with strings that run across many column-0 lines, so that cut points land
/// inside them, and one string left open at the end.
fn tricky_cell(n: usize) -> String {
    let mut out = Vec::new();
    for i in 0..n {
        out.push(match i % 97 {
            0 => "s = \"\"\"opens a docstring".to_owned(),
            1..=40 => format!("col0 text {i} 'not code' # nor comment"),
            41 => "ends here\"\"\" + f'{x}'  # c".to_owned(),
            50 => "t <- \"R string".to_owned(),
            51..=60 => format!("line {i} of it"),
            61 => "end\" ; u <- r\"(raw".to_owned(),
            62..=70 => format!("raw {i}"),
            71 => ")\" # done".to_owned(),
            _ => format!("x{i} = f(y, {i}) # {i}"),
        });
    }
    out.push("z = '''never closed".to_owned());
    out.extend((0..50).map(|i| format!("still string {i}")));
    out.join("\n")
}

#[test]
fn threaded_highlighting_equals_sequential() {
    let h = Highlighter::get();
    let cell = tricky_cell(3_000);
    let julia = "#= open\n".to_owned() + &"x = 1\n".repeat(2_000) + "=# y = \"s\"\n";
    let python = python_cell(3_000);
    for (code, lang) in [
        (&cell, Lang::Python),
        (&cell, Lang::R),
        (&julia, Lang::Julia),
        (&python, Lang::Python),
    ] {
        for dark in [true, false] {
            let want = sequential(code, lang, dark);
            assert_eq!(want.len(), code.lines().count());
            for threads in [2, 3, 4, 7] {
                let got = threaded(code, lang, dark, threads);
                assert!(got == want, "{lang:?} dark={dark} threads={threads}");
            }
            // And through the public entry point, threaded on a multi-core machine.
            assert!(
                h.highlight(code, lang, dark) == want,
                "{lang:?} dark={dark}"
            );
        }
    }
    // The strings really do cross the cuts: col-0 text there is string-coloured.
    let lines = h.highlight(&cell, Lang::Python, true);
    let text: Vec<&str> = cell.lines().collect();
    for at in [1_000 / 97 * 97 + 20, 1_500 / 97 * 97 + 20] {
        let col0 = style_of(text[at], &lines[at], "col0", 0);
        assert_eq!(col0, style_of(text[at], &lines[at], "'not", 0));
        assert_eq!(col0, style_of(text[at], &lines[at], "# nor", 0));
        assert_ne!(col0, Style::default());
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
        let theme = h.theme(dark);
        let theme = theme.expect("theme");
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
    // One thread, to give the per-line cost of each grammar.
    let sequential = |code: &str, lang: Lang| {
        let Some((set, syntax)) = h.syntax(lang) else {
            return "no grammar".to_owned();
        };
        let Some(theme) = h.theme(true) else {
            return "no theme".to_owned();
        };
        let job = Job { set, syntax, theme };
        let lines: Vec<&str> = code.lines().collect();
        let mut best = std::time::Duration::MAX;
        for _ in 0..5 {
            let t = Instant::now();
            let run = job.run(&lines, 0, ParseState::new(syntax), ScopeStack::new(), None);
            best = best.min(t.elapsed());
            assert_eq!(run.lines.len(), lines.len());
        }
        let per_line = best.as_secs_f64() * 1e6 / lines.len().max(1) as f64;
        format!("one thread {best:.2?} ({per_line:.1} µs/line)")
    };
    let cell = python_cell(5_000);
    println!("Python 5000 lines: {}", sequential(&cell, Lang::Python));
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
        let one = sequential(code, lang);
        println!("{name} {} lines, dark: {all}; {one}", code.lines().count());
    }
    let huge = "x = \"".to_owned() + &"a(b[c{".repeat(200_000);
    let t = Instant::now();
    let _ = h.highlight(&huge, Lang::Python, true);
    println!(
        "1.2 MB single line (over the cap, shown plain): {:?}",
        t.elapsed()
    );
    let near_cap = "x = [".to_owned() + &"f(a, 'b', 1.5), ".repeat(MAX_PARSED_LINE / 16 - 1) + "]";
    let t = Instant::now();
    let _ = h.highlight(&near_cap, Lang::Python, true);
    println!(
        "{} B single line (parsed): {:?}",
        near_cap.len(),
        t.elapsed()
    );
}

#[test]
fn the_syntax_theme_chosen_colours_the_code() {
    use crate::render::palette::SyntaxTheme;
    let h = Highlighter::get();
    let code = "def f(x):\n    return 'a' + str(x)  # note";
    let ocean = h.highlight(code, Lang::Python, SyntaxTheme::DARK);
    let solarized = h.highlight(
        code,
        Lang::Python,
        SyntaxTheme::named("Solarized (dark)").unwrap(),
    );
    assert_eq!(
        ocean,
        h.highlight(code, Lang::Python, true),
        "true names the dark palette's"
    );
    assert_ne!(ocean, solarized, "another theme, other colours");
    for name in crate::render::palette::SYNTAX_THEMES {
        assert!(
            h.theme(SyntaxTheme::named(name).unwrap()).is_some(),
            "{name} ships"
        );
    }
}
