//! A project whose newest record has lines longer than any pane: a long comment in its
//! code, a 5,000-character JSON line and twenty short lines in its output, the word `needle`
//! four times among them; and an older record by another author, days before, with the word
//! once.

use std::path::Path;

use gtm_tui::synth::{DetailSpec, ProjectWriter, RecordSpec, WriterOptions};

/// The commits of the two records, newest first.
pub struct Written {
    pub newest: git2::Oid,
    pub older: git2::Oid,
}

/// The JSON line of the newest record's output: `needle` in its middle and at its end.
pub fn json_line() -> String {
    let items: Vec<String> = (0..400)
        .map(|i| match i {
            200 => "\"key200\": \"needle\"".to_string(),
            399 => "\"key399\": \"needle at the end\"".to_string(),
            i => format!("\"key{i}\": {i}"),
        })
        .collect();
    format!("{{{}}}", items.join(", "))
}

fn code(source: &str) -> DetailSpec {
    DetailSpec::text(3, 4, "text/markdown", format!("```\n{source}\n```"))
}

fn tagged(mut d: DetailSpec, ex: u32) -> DetailSpec {
    if let DetailSpec::Object { tags, .. } = &mut d {
        *tags = vec![format!("ex:{ex}")];
    }
    d
}

pub fn write(dir: &Path) -> Written {
    let mut w = ProjectWriter::new(WriterOptions::default());
    w.set_author("Bob Builder", "bob@example.com", 0);
    w.set_time(1_552_000_000);
    let mut r = RecordSpec::new(2, "Executed cell in notebook code/load.ipynb");
    r.details = vec![
        tagged(
            DetailSpec::text(2, 1, "text/plain", "found the needle\n"),
            3,
        ),
        tagged(code("print('found the needle')"), 3),
    ];
    let older = w.record(r).activity;
    w.set_author("Alice Example", "alice@example.com", 0);
    w.set_time(1_552_000_000 + 4 * 86_400);
    let mut r = RecordSpec::new(2, "Executed cell in notebook code/dump.ipynb");
    let mut out = json_line();
    out.push('\n');
    for i in 1..=20 {
        if i == 18 {
            out.push_str("line 18 has a needle\n");
        } else {
            out.push_str(&format!("line {i}\n"));
        }
    }
    r.details = vec![
        tagged(DetailSpec::text(2, 1, "text/plain", out), 7),
        tagged(
            code(
                "import json\n# a comment long enough to wrap: the quick brown fox jumps over the lazy dog while the needle waits in the haystack for someone to find it at last\nprint(json.dumps(data))",
            ),
            7,
        ),
    ];
    let newest = w.record(r).activity;
    w.finish(dir).unwrap();
    Written { newest, older }
}
