//! Our YAML reader against PyYAML on documents PyYAML wrote: block and
//! flow style, quoting, line wrapping and the anchors and aliases it makes
//! for shared values (`tests/data/pyyaml-corpus.py` writes the corpus).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use gtm_tui::env::yaml::{self, Yaml};
use serde_json::Value;

/// Our model as the corpus writes PyYAML's: maps as `{"map": [[k, v], …]}`.
fn as_json(y: &Yaml) -> Value {
    match y {
        Yaml::Null => Value::Null,
        Yaml::Str(s) => Value::String(s.clone()),
        Yaml::List(items) => Value::Array(items.iter().map(as_json).collect()),
        Yaml::Map(entries) => {
            let pairs = entries
                .iter()
                .map(|(k, v)| Value::Array(vec![Value::String(k.clone()), as_json(v)]))
                .collect();
            serde_json::json!({ "map": Value::Array(pairs) })
        }
    }
}

#[test]
fn reads_what_pyyaml_wrote_as_pyyaml_reads_it() {
    let corpus: Value =
        serde_json::from_str(include_str!("data/pyyaml-corpus.json")).expect("the corpus");
    let docs = corpus["docs"].as_array().expect("docs");
    assert!(docs.len() >= 100);
    let mut aliases = 0;
    for (i, doc) in docs.iter().enumerate() {
        let text = doc["yaml"].as_str().expect("yaml");
        aliases += text.matches(" *id").count();
        let ours = yaml::parse(text).unwrap_or_else(|e| panic!("document {i}: {e}\n{text}"));
        assert_eq!(as_json(&ours), doc["pyyaml"], "document {i}:\n{text}");
    }
    assert!(aliases > 50, "the corpus exercises aliases ({aliases})");
}
