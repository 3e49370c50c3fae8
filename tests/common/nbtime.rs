//! A small activity history of one notebook written by hand for the
//! notebook-at-a-time screen: three cells run, a save that drops the third,
//! an edit, a new cell and a re-run after it.

use std::path::Path;

use gtm_tui::repo::Project;
use gtm_tui::synth::{DetailSpec, ProjectWriter, RecordSpec, WriterOptions};

pub const NOTEBOOK: &str = "code/churn.ipynb";

pub const A: &str = "import pandas as pd";
pub const B: &str = "df = pd.read_csv('churn.csv')\ndf.shape";
pub const B2: &str = "df = pd.read_csv('churn.csv', nrows=10)\ndf.shape";
pub const C: &str = "junk_cell_to_delete()";
pub const D: &str = "df.describe()";

fn notebook(cells: &[&str]) -> String {
    let cells: Vec<String> = cells
        .iter()
        .map(|src| {
            format!(
                r#"{{"cell_type": "code", "execution_count": null, "metadata": {{}}, "outputs": [], "source": {}}}"#,
                serde_json::to_string(src).unwrap()
            )
        })
        .collect();
    format!(
        r#"{{"cells": [{}], "metadata": {{"kernelspec": {{"name": "python3", "language": "python"}}}}, "nbformat": 4, "nbformat_minor": 4}}"#,
        cells.join(", ")
    )
}

/// Writes the history into `dir`; records, oldest first: a package added, run A, run B,
/// run C, (save [A, B]) run B edited, run D, run B again.
pub fn history(dir: &Path) -> Project {
    let mut w = ProjectWriter::new(WriterOptions::default());
    w.set_author("Alice Example", "alice@example.com", 0);
    w.set_time(1_552_000_000);
    let tagged = |mut d: DetailSpec, ex: u32| {
        if let DetailSpec::Object { tags, .. } = &mut d {
            *tags = vec![format!("ex:{ex}")];
        }
        d
    };
    let run = |w: &mut ProjectWriter, ex: u32, code: &str, out: &str| {
        let mut r = RecordSpec::new(
            2,
            format!("Executed cell in notebook {NOTEBOOK} and generated a result"),
        );
        r.details = vec![tagged(
            DetailSpec::text(3, 4, "text/markdown", format!("```\n{code}\n```")),
            ex,
        )];
        if !out.is_empty() {
            r.details.push(tagged(
                DetailSpec::text(2, 1, "text/plain", out.to_string()),
                ex,
            ));
        }
        w.record(r);
        w.advance(90);
    };
    let mut env = RecordSpec::new(1, "Added 1 pip package(s).");
    env.details = vec![DetailSpec::text(
        0,
        1,
        "text/plain",
        "Added pip managed package: pandas 1.2.2",
    )];
    w.record(env);
    w.advance(60);
    w.write_file(NOTEBOOK, notebook(&[]).as_bytes());
    run(&mut w, 1, A, "");
    run(&mut w, 2, B, "(5000, 12)");
    run(
        &mut w,
        3,
        C,
        "NameError: name 'junk_cell_to_delete' is not defined",
    );
    w.write_file(NOTEBOOK, notebook(&[A, B]).as_bytes());
    run(&mut w, 4, B2, "(10, 12)");
    run(&mut w, 5, D, "       tenure\ncount  10");
    run(&mut w, 6, B2, "(10, 12)");
    w.finish(dir).unwrap();
    Project::open(dir, None).unwrap()
}
