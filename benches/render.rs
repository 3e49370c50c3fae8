//! Benchmark: highlighting a 5,000-line cell (whole and the first screenful),
//! and rendering a large ANSI text output. `cargo bench --bench render`.
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
    println!(
        "| render a {:.1} MB ANSI output (200,000 lines) | {:.1} ms |",
        output.len() as f64 / 1e6,
        ansi.as_secs_f64() * 1e3
    );
}
