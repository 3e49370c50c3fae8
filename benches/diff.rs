//! Benchmark: diffing two 5,000-line runs of a Python cell that differ in 50 places, and
//! rendering the diff side by side at 160 columns. `cargo bench --bench diff`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{best, ms};

use gtm_tui::diff::diff_text;
use gtm_tui::render::diff::{DiffStyles, side_by_side, unified};
use gtm_tui::render::highlight::{Highlighter, Lang};

fn line(i: usize) -> String {
    match i % 5 {
        0 => format!("def step_{i}(df, k={i}):"),
        1 => format!("    x = df['price'] * {i} + 0.5  # scale"),
        2 => "    return x.rolling(7).mean()".to_string(),
        3 => format!("print(f\"step {i}: {{step_{}(df)}}\")", i.saturating_sub(3)),
        _ => String::new(),
    }
}

fn main() {
    let old: String = (0..5000).map(|i| line(i) + "\n").collect();
    // Every 100th line changes: mostly an edited word, some lines inserted or deleted.
    let new: String = (0..5000)
        .map(|i| match (i % 100, i / 100 % 5) {
            (1, 0..=2) => line(i).replace("price", "cost") + "\n",
            (1, 3) => format!("{}\n    x = x.clip(0, None)\n", line(i)),
            (1, _) => String::new(),
            _ => line(i) + "\n",
        })
        .collect();
    let d = diff_text(&old, &new);
    let st = DiffStyles::dark();
    let h = Highlighter::get();
    let old_hl = h.highlight(&old, Lang::Python, true);
    let new_hl = h.highlight(&new, Lang::Python, true);

    let model = best(20, || {
        diff_text(&old, &new);
    });
    let plain = best(10, || {
        side_by_side(&d, None, None, 160, None, &st, false);
    });
    let highlighted = best(10, || {
        side_by_side(&d, Some(&old_hl), Some(&new_hl), 160, None, &st, false);
    });
    let folded = best(20, || {
        side_by_side(&d, Some(&old_hl), Some(&new_hl), 160, Some(3), &st, false);
    });
    let uni = best(10, || {
        unified(&d, Some(&old_hl), Some(&new_hl), 160, None, &st, false);
    });
    let total = best(10, || {
        let d = diff_text(&old, &new);
        side_by_side(&d, None, None, 160, None, &st, false);
    });
    // Nothing in common: over the line budget, so one replace block (see src/bounded.rs).
    let bad_old: String = (0..20_000).map(|i| format!("a{i} = {}\n", i * 7)).collect();
    let bad_new: String = (0..20_000).map(|i| format!("b{} = {i}\n", i * 3)).collect();
    let mut coarse = false;
    let worst = best(3, || {
        coarse = diff_text(&bad_old, &bad_new).coarse;
    });
    let rows = side_by_side(&d, None, None, 160, None, &st, false).len();
    println!(
        "5,000-line runs, {} rows, +{} -{}, {} changed rows, {rows} screen lines at 160 columns",
        d.rows.len(),
        d.stats.added,
        d.stats.removed,
        d.rows
            .iter()
            .filter(|r| r.kind == gtm_tui::diff::RowKind::Change)
            .count()
    );
    println!();
    println!("| measure | best of runs |");
    println!("|---|---|");
    println!(
        "| diff model (lines + word emphasis) | {:.2} ms |",
        ms(model)
    );
    println!("| side by side, plain, every row | {:.2} ms |", ms(plain));
    println!(
        "| side by side, pre-highlighted, every row | {:.2} ms |",
        ms(highlighted)
    );
    println!(
        "| side by side, pre-highlighted, 3 lines of context | {:.2} ms |",
        ms(folded)
    );
    println!(
        "| unified, pre-highlighted, every row | {:.2} ms |",
        ms(uni)
    );
    println!("| model + side by side, plain | {:.2} ms |", ms(total));
    println!(
        "| model, 20,000 lines all different (coarse: {coarse}) | {:.1} ms |",
        ms(worst)
    );
}
