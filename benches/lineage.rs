//! Benchmark: cell lineage over a synth project (whole history, and one
//! notebook as the `cell`/`diff` commands build it). `cargo bench --bench lineage`.

mod common;

use std::time::Instant;

use gtm_tui::lineage;
use gtm_tui::repo::Project;

fn main() {
    let records = common::records();
    let dir = common::project(records);
    let project = Project::open(&dir, None).expect("project");
    let t = Instant::now();
    let rows = project.records().expect("records");
    let walk = t.elapsed();
    let t = Instant::now();
    let all = lineage::build(&project, &rows, None);
    let whole = t.elapsed();
    let one = all
        .executions
        .first()
        .map(|e| e.notebook.clone())
        .unwrap_or_default();
    let t = Instant::now();
    let single = lineage::build(&project, &rows, Some(&one));
    let notebook = t.elapsed();
    println!("| measure ({records} records) | time |");
    println!("|---|---|");
    println!("| walk (rows only) | {:.2} s |", walk.as_secs_f64());
    println!(
        "| lineage, whole history: {} executions, {} cells | {:.2} s |",
        all.executions.len(),
        all.cells.len(),
        whole.as_secs_f64()
    );
    println!(
        "| lineage, one notebook ({one}): {} executions | {:.2} s |",
        single.executions.len(),
        notebook.as_secs_f64()
    );
}
