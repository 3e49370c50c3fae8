//! A notebook history's figures and hot spots as text: `gtm-tui stats` and `stuck` over
//! notebooks in git print these lines, and the notebook TUI's insights screen shows them.

use gtm_core::nbhistory::insights::{CellGist, HOT_GAP_SECS, HOT_MIN_REVISIONS, HotSpot, NbStats};
use gtm_core::repo::short_id;
use gtm_core::timefmt;

use super::insights::{Glyphs, InsightLook, day_lines};
use super::sanitize;

/// A cell's name on screen and in the commands: `c` and its number.
pub use gtm_core::nbhistory::cell_name;

/// A gist as shown: the commit's short hash and the first line, sanitised, at most 50 columns.
pub fn gist_text(g: &CellGist) -> (String, String) {
    (
        g.commit.map(short_id).unwrap_or_default(),
        gtm_core::columns::truncate(&sanitize::line(&g.first_line), 50),
    )
}

/// The text form of [`NbStats`]; `gist` gives a cell's gist at an entry.
pub fn stats_text(s: &NbStats, gist: &dyn Fn(usize, u32) -> CellGist, look: InsightLook) -> String {
    let g = Glyphs::new(look.ascii);
    let mut o = String::new();
    let mut line = |text: String| {
        o.push_str(&text);
        o.push('\n');
    };
    line(format!(
        "{} commits, {} changing notebooks; {} notebook versions ({} unreadable)",
        s.commits, s.notebook_commits, s.versions, s.unreadable_versions
    ));
    if let Some((span, days)) = day_lines(
        &s.per_day,
        "Commits",
        "commits",
        look.width.clamp(40, 100),
        &g,
    ) {
        line(span);
        line(String::new());
        for l in days {
            line(l);
        }
    }
    line("\nAuthors".into());
    for (who, n) in &s.authors {
        line(format!("  {:>6}  {}", n, sanitize::line(who)));
    }
    // The path gives up columns to fit; the counts take 40.
    let name_w = look.width.saturating_sub(42).clamp(16, 40);
    line(String::new());
    line(format!(
        "  {:<name_w$} {:>8} {:>7} {:>7} {:>7} {:>6}",
        "Notebooks", "versions", "authors", "+cells", "-cells", "edits"
    ));
    for nb in &s.notebooks {
        line(format!(
            "  {:<name_w$} {:>8} {:>7} {:>7} {:>7} {:>6}",
            gtm_core::columns::truncate(&sanitize::line(&nb.path), name_w),
            nb.versions,
            nb.authors,
            nb.cells_added,
            nb.cells_removed,
            nb.cells_edited
        ));
    }
    for (title, list) in [
        ("Most revised cells", &s.most_revised),
        ("Outputs changed while the code did not", &s.output_only),
    ] {
        if list.is_empty() {
            continue;
        }
        line(format!("\n{title}"));
        let times = if look.ascii { "x" } else { "×" };
        for c in list {
            let (hash, first) = gist_text(&gist(c.entry, c.cell));
            line(format!(
                "  {:>4}{times}  {} {}  {}  {}",
                c.count,
                sanitize::line(&c.notebook),
                cell_name(c.cell).unwrap_or_default(),
                hash,
                first
            ));
        }
    }
    o
}

/// What `stuck` says when no cell is a hot spot.
pub fn no_hot_spots() -> String {
    format!(
        "no hot spots: no cell was revised in {HOT_MIN_REVISIONS} or more consecutive commits of \
         its notebook within {} hours of each other",
        HOT_GAP_SECS / 3600
    )
}

/// A hot spot's line: notebook and cell, revisions, when, and its newest version's gist.
pub fn hot_spot_line(s: &HotSpot, newest: &CellGist) -> String {
    let (hash, first) = gist_text(newest);
    format!(
        "{} {}  {} revisions  {} – {}  last {}  {}",
        sanitize::line(&s.notebook),
        cell_name(s.cell).unwrap_or_default(),
        s.entries.len(),
        timefmt::local_minutes(s.first),
        timefmt::local_minutes(s.last),
        hash,
        first
    )
}
