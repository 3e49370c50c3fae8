//! How two runs of a cell compare, in words: an image's description and
//! "why did the output change", shared by `gtm-tui diff` and the cell screen.

use crate::activity::ImageInfo;
use crate::between::Between;
use crate::lineage::Lineage;
use crate::repo::short_id;
use crate::timefmt;

/// An image's format, size in pixels and bytes; `none` when missing.
pub fn describe_image(i: Option<&ImageInfo>) -> String {
    i.map_or("none".to_string(), |i| {
        format!(
            "{} {}×{}, {}",
            i.format.name(),
            i.width,
            i.height,
            crate::render::numbers::human_bytes(i.data.len() as u64)
        )
    })
}

/// "Why did the output change?" as lines of text: what ran or changed
/// between two runs with the same code.
pub fn why_lines(l: &Lineage, b: &Between) -> Vec<String> {
    let mut out =
        vec!["── why did the output change? The code is the same; between the runs:".to_string()];
    if b.is_empty() {
        out.push(
            "   nothing else was recorded: the kernel's state (variables, random numbers, the clock) or files outside the project may differ"
                .into(),
        );
    }
    if b.restarts > 0 {
        out.push(format!(
            "   the kernel restarted{}: variables computed before were gone",
            if b.restarts == 1 {
                String::new()
            } else {
                format!(" {} times", b.restarts)
            }
        ));
    }
    if !b.other_runs.is_empty() {
        out.push(format!(
            "   {} other cell run{} in this notebook:",
            b.other_runs.len(),
            if b.other_runs.len() == 1 { "" } else { "s" }
        ));
        for &i in b.other_runs.iter().take(WHY_MAX) {
            let Some(e) = l.executions.get(i) else {
                continue;
            };
            let cell = l.cell_of(i).map_or("?", |c| c.id.as_str());
            let first = crate::columns::gist(&e.source);
            out.push(format!(
                "     {}  {:<6} {cell}  {}",
                timefmt::local_minutes(e.time),
                e.ex.map_or("-".to_string(), |n| format!("[{n}]")),
                crate::columns::truncate(first, 60)
            ));
        }
        if b.other_runs.len() > WHY_MAX {
            out.push(format!("     … and {} more", b.other_runs.len() - WHY_MAX));
        }
    }
    for (what, list) in [
        ("environment change", &b.environment),
        ("file change", &b.files),
    ] {
        if list.is_empty() {
            continue;
        }
        out.push(format!(
            "   {} {what}{}:",
            list.len(),
            if list.len() == 1 { "" } else { "s" }
        ));
        for c in list.iter().take(WHY_MAX) {
            out.push(format!(
                "     {}  {}  {}",
                timefmt::local_minutes(c.time),
                short_id(c.commit),
                c.message
            ));
        }
        if list.len() > WHY_MAX {
            out.push(format!("     … and {} more", list.len() - WHY_MAX));
        }
    }
    if !b.complete {
        out.push("   (the earlier run's record was not found; the list may be short)".into());
    }
    out
}

/// Entries listed per kind in [`why_lines`].
const WHY_MAX: usize = 12;
