//! Benchmark: highlighting a 5,000-line cell (whole and the first screenful),
//! the same for the kernels highlighted with syntect's bundled grammars (C++,
//! Java, Scala), and rendering a large ANSI text output. `cargo bench --bench render`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::best;

use gtm_tui::render::highlight::{Highlighter, Lang};
use gtm_tui::render::text::render_output;
use ratatui::style::Style;

fn main() {
    let cell: String = (0..5000)
        .map(|i| match i % 5 {
            0 => format!("def step_{i}(df, k={i}):"),
            1 => format!("    x = df['price'] * {i} + 0.5  # scale"),
            2 => "    return x.rolling(7).mean()".to_string(),
            3 => format!("print(f\"step {i}: {{step_{}(df)}}\")", i - 3),
            _ => String::new(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let h = Highlighter::get();
    h.highlight("x = 1", Lang::Python, true);
    let whole = best(5, || {
        h.highlight(&cell, Lang::Python, true);
    });
    let first = best(20, || {
        h.highlight_lines(&cell, Lang::Python, true, 40);
    });
    // The bundled grammars are not the lean ones of `assets/syntaxes/`: what a
    // 5,000-line cell costs in each says whether they are fast enough.
    let others: Vec<(&str, f64)> = [
        (Lang::Cpp, "C++"),
        (Lang::Java, "Java"),
        (Lang::Scala, "Scala"),
    ]
    .into_iter()
    .map(|(lang, name)| {
        let cell: String = (0..5000)
            .map(|i| match (lang, i % 4) {
                (Lang::Cpp, 0) => format!("double step_{i}(const std::vector<double>& v) {{"),
                (Lang::Cpp, 1) => format!("  return v[{i} % v.size()] * 0.5; // scale"),
                (Lang::Java, 0) => format!("public static double step{i}(double[] v) {{"),
                (Lang::Java, 1) => format!("  return v[{i} % v.length] * 0.5; // scale"),
                (_, 0) => format!("def step{i}(v: Seq[Double]): Double = {{"),
                (_, 1) => format!("  v({i} % v.size) * 0.5 // scale"),
                (_, 2) => "}".to_string(),
                _ => String::new(),
            })
            .collect::<Vec<_>>()
            .join("\n");
        h.highlight("x", lang, true);
        let t = best(3, || {
            h.highlight(&cell, lang, true);
        });
        (name, t.as_secs_f64() * 1e3)
    })
    .collect();
    let output: String = (0..200_000)
        .map(|i| format!("\x1b[32mINFO\x1b[0m step {i} loss=0.{i:05}\r{i}%\n"))
        .collect();
    let ansi = best(3, || {
        render_output(&output, Style::default());
    });
    println!("| measure | best of runs |");
    println!("|---|---|");
    println!(
        "| highlight 5,000-line Python cell | {:.1} ms |",
        whole.as_secs_f64() * 1e3
    );
    println!(
        "| highlight its first 40 lines | {:.2} ms |",
        first.as_secs_f64() * 1e3
    );
    for (name, ms) in others {
        println!("| highlight a 5,000-line {name} cell | {ms:.1} ms |");
    }
    println!(
        "| render a {:.1} MB ANSI output (200,000 lines) | {:.1} ms |",
        output.len() as f64 / 1e6,
        ansi.as_secs_f64() * 1e3
    );
}
