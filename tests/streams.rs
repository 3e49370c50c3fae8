//! Consecutive stream chunks of one execution as one block in the record pane and `show`,
//! as Jupyter shows them (a C++ kernel's run had one `Out [6]` heading per printed line).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use gtm_tui::repo::Project;
use gtm_tui::synth::{DetailSpec, ProjectWriter, RecordSpec, WriterOptions};
use gtm_tui::tui::views;

/// One record: `In [6]` printed eight chunks (the last two one line between them), then
/// `In [7]` printed one. Details are stored as the client stored them, outputs first.
fn project(dir: &std::path::Path) -> git2::Oid {
    let mut w = ProjectWriter::new(WriterOptions::default());
    w.set_author("Alice Example", "alice@example.com", 0);
    w.set_time(1_552_000_000);
    let tagged = |mut d: DetailSpec, ex: u32| {
        if let DetailSpec::Object { tags, .. } = &mut d {
            *tags = vec![format!("ex:{ex}")];
        }
        d
    };
    let mut r = RecordSpec::new(2, "Executed 2 cells in notebook code/sim.ipynb");
    let mut details: Vec<DetailSpec> = (1..=6)
        .map(|i| {
            tagged(
                DetailSpec::text(2, 1, "text/plain", format!("step {i}\n")),
                6,
            )
        })
        .collect();
    details.push(tagged(
        DetailSpec::text(2, 1, "text/plain", "progress: "),
        6,
    ));
    details.push(tagged(DetailSpec::text(2, 1, "text/plain", "done\n"), 6));
    details.push(tagged(
        DetailSpec::text(
            3,
            4,
            "text/markdown",
            "```\nfor (int i = 1; i <= 6; ++i)\n  std::cout << \"step \" << i << std::endl;\n```",
        ),
        6,
    ));
    details.push(tagged(
        DetailSpec::text(2, 1, "text/plain", "total 21\n"),
        7,
    ));
    details.push(tagged(
        DetailSpec::text(
            3,
            4,
            "text/markdown",
            "```\nstd::cout << \"total \" << 21 << std::endl;\n```",
        ),
        7,
    ));
    r.details = details;
    let ids = w.record(r);
    w.finish(dir).unwrap();
    ids.activity
}

#[test]
fn record_pane_shows_one_block_per_execution() {
    let dir = tempfile::tempdir().unwrap();
    let commit = project(dir.path());
    let project = Project::open(dir.path(), None).unwrap();
    let mut app = common::screens::loaded_app(&project);
    let row = app.row(commit).unwrap().clone();
    let prepared = gtm_tui::tui::prepare::prepare(&project, &project.details(), &row, true);
    app.details_ready(commit, prepared);
    let text: Vec<String> = views::detail_lines(&app, &row, 80)
        .iter()
        .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
        .collect();
    let count = |needle: &str| text.iter().filter(|l| l.contains(needle)).count();
    assert_eq!(count("Out [6]"), 1, "{text:#?}");
    assert_eq!(count("Out [7]"), 1, "{text:#?}");
    let at = |needle: &str| text.iter().position(|l| l.trim_end() == needle);
    let steps: Vec<usize> = (1..=6)
        .map(|i| at(&format!("step {i}")).unwrap_or_else(|| panic!("step {i} in {text:#?}")))
        .collect();
    // One block: the chunks' lines follow each other, as printed.
    assert!(steps.windows(2).all(|w| w[1] == w[0] + 1), "{text:#?}");
    // A chunk without a line end continues on the next chunk's line.
    assert_eq!(at("progress: done"), Some(steps[5] + 1), "{text:#?}");
    // The next execution keeps its own heading and output.
    assert!(at("total 21").is_some(), "{text:#?}");
    // The timeline's badge counts the outputs the pane shows: two, not nine.
    let screen = common::screens::draw(&mut app, 100, 30);
    assert!(screen.contains("⇥2"), "{screen}");
    assert!(!screen.contains("⇥9"), "{screen}");
}

#[test]
fn show_prints_one_heading_for_a_run_of_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let commit = project(dir.path());
    let (code, out, err) =
        common::gtm(&["show", &commit.to_string(), dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("── details 1–8/11: result (2)"), "{out}");
    assert!(out.contains("· 8 stream outputs in one"), "{out}");
    assert_eq!(out.matches("── detail").count(), 4, "{out}");
    assert!(
        out.contains("    step 5\n    step 6\n    progress: done\n"),
        "{out}"
    );
    assert!(!out.contains("blosc"), "{out}");
}
