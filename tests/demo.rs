//! The built-in demo project has what the README promises a first-time user will see.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;

use gtm_tui::repo::Project;
use gtm_tui::synth::demo;

#[test]
fn the_demo_looks_like_a_real_project() {
    let dir = tempfile::tempdir().unwrap();
    let w = demo::write(dir.path()).unwrap();
    let msgs: Vec<&str> = w.records.iter().map(|r| r.message.as_str()).collect();
    let has = |p: &str| msgs.iter().any(|m| m.contains(p));
    assert!(has(".ipynb"), "Python notebooks");
    assert!(has("Executed code in console"), "R work");
    assert!(has("Added base"), "a base image");
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("Added") && m.contains("package")),
        "a package added"
    );
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("Removed") && m.contains("package")),
        "a package removed"
    );
    assert!(has("Uploaded"), "file uploads");
    assert!(w.records.iter().any(|r| r.meta.kind.id() == 0), "a note");
    assert!(
        w.records.iter().any(|r| r.meta.kind.id() == 5),
        "a milestone"
    );
    let authors: std::collections::HashSet<&str> =
        w.records.iter().map(|r| r.author.as_str()).collect();
    assert!(authors.len() >= 2, "two authors");
    assert!(
        w.branches
            .iter()
            .any(|(b, _)| b.starts_with("gm.workspace-")),
        "a workspace branch"
    );
    let images = w
        .records
        .iter()
        .flat_map(|r| &r.details)
        .flat_map(|d| &d.entries)
        .filter(|e| e.mime.starts_with("image/"))
        .count();
    assert!(images >= 3, "plots");
    let code = |d: &gtm_tui::synth::WrittenDetail| {
        d.entries
            .iter()
            .map(|e| String::from_utf8_lossy(&e.bytes).into_owned())
            .collect::<String>()
    };
    let all_code: Vec<String> = w
        .records
        .iter()
        .flat_map(|r| &r.details)
        .filter(|d| d.type_id == 3)
        .map(code)
        .collect();
    assert!(
        all_code.iter().any(|c| c.contains("# gtm:hide")),
        "a hidden cell"
    );
    assert!(
        w.records
            .iter()
            .any(|r| r.meta.kind.id() == 2 && r.details.is_empty()),
        "an ignored cell (recorded empty)"
    );
    // A cell re-run several times with edits.
    let mut runs: HashMap<_, Vec<String>> = HashMap::new();
    for d in w
        .records
        .iter()
        .flat_map(|r| &r.details)
        .filter(|d| d.type_id == 3)
    {
        if let Some(c) = &d.cell {
            runs.entry(c.clone()).or_default().push(code(d));
        }
    }
    assert!(
        runs.values()
            .any(|v| v.len() >= 3 && v.windows(2).any(|p| p[0] != p[1])),
        "a cell re-run with small edits"
    );
    // The ignored cell says so in `show`.
    let ignored = w
        .records
        .iter()
        .find(|r| r.meta.kind.id() == 2 && r.details.is_empty())
        .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gtm-tui"))
        .args(["show", &ignored.activity.to_string()])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("ignored cell: nothing was recorded"));

    // And it reads without a single error.
    let project = Project::open(dir.path(), None).unwrap();
    let store = project.details();
    for row in project.records().unwrap() {
        assert!(row.record.errors.is_empty());
        for l in &row.record.details {
            assert!(store.detail(row.commit, l).errors.is_empty());
        }
    }
}
