//! The environment at points of a synth history against what the generator
//! recorded, differences between points, the `env` command (text and JSON),
//! and damaged environment files as errors rather than panics.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;

use common::gtm;
use gtm_tui::activity::detail::code_in_fence;
use gtm_tui::env::{self, EnvDiff, Environment};
use gtm_tui::repo::{Project, RecordRow};
use gtm_tui::synth::{
    DetailSpec, ProjectWriter, RecordSpec, Workload, WriterOptions, Written, WrittenRecord,
};
use proptest::prelude::*;

/// The environment as the generator's records describe it.
#[derive(Debug, Clone, Default, PartialEq)]
struct Truth {
    /// (manager, name) → version.
    packages: BTreeMap<(String, String), String>,
    /// (id, revision, name).
    base: Option<(String, u32, String)>,
    /// name → content.
    snippets: BTreeMap<String, String>,
}

fn text(d: &gtm_tui::synth::WrittenDetail) -> String {
    d.entries
        .first()
        .map(|e| String::from_utf8_lossy(&e.bytes).into_owned())
        .unwrap_or_default()
}

impl Truth {
    /// Applies one record, reading only its message and details (never the tree).
    fn apply(&mut self, r: &WrittenRecord) {
        if r.meta.kind.id() != 1 {
            return;
        }
        let m = &r.message;
        if let Some(rest) = m.strip_prefix("Added base: ") {
            let (id, rev) = rest.rsplit_once(" r").expect("Added base: <id> r<rev>");
            let yaml = text(&r.details[0]);
            let name = code_in_fence(&yaml)
                .lines()
                .find_map(|l| l.strip_prefix("name: "))
                .expect("the base yaml has a name")
                .to_string();
            self.base = Some((id.to_string(), rev.parse().unwrap(), name));
        } else if let Some(name) = m.strip_prefix("Wrote custom Docker snippet ") {
            let body = code_in_fence(&text(&r.details[0])).to_string();
            self.snippets.insert(name.to_string(), body);
        } else {
            for d in &r.details {
                let t = text(d);
                let (verb, rest) = t.split_once(' ').unwrap();
                let (manager, rest) = rest.split_once(" managed package: ").unwrap();
                match verb {
                    "Added" => {
                        let (p, v) = rest.split_once(' ').unwrap();
                        self.packages.insert((manager.into(), p.into()), v.into());
                    }
                    "Update" => {
                        let (p, v) = rest.split_once(' ').unwrap();
                        let v = v.trim_matches('"');
                        let old = self.packages.insert((manager.into(), p.into()), v.into());
                        assert!(old.is_some_and(|o| o != v), "an update changes a version");
                    }
                    "Removed" => {
                        assert!(
                            self.packages
                                .remove(&(manager.into(), rest.into()))
                                .is_some()
                        );
                    }
                    _ => panic!("unknown package detail {t}"),
                }
            }
        }
    }

    /// What `env_at` should have read.
    fn check(&self, env: &Environment, at: &str) {
        assert!(env.errors.is_empty(), "{at}: {:?}", env.errors);
        let got: BTreeMap<(String, String), String> = env
            .packages
            .iter()
            .map(|p| {
                assert!(!p.from_base);
                (
                    (p.manager.clone(), p.name.clone()),
                    p.version.clone().unwrap(),
                )
            })
            .collect();
        assert_eq!(got, self.packages, "packages at {at}");
        let base = env.base.as_ref().map(|b| {
            assert_eq!(b.package_managers, ["pip", "apt"]);
            assert_eq!(b.os.as_deref(), Some("ubuntu 18.04"));
            let img = b.image.as_ref().unwrap();
            assert_eq!(
                (img.namespace.as_str(), img.repository.as_str()),
                ("gigantum", b.id.as_str())
            );
            (b.id.clone(), b.revision.unwrap(), b.name.clone().unwrap())
        });
        assert_eq!(base, self.base, "base at {at}");
        let snippets: BTreeMap<String, String> = env
            .snippets
            .iter()
            .map(|s| {
                assert_eq!(s.description, "Added by hand");
                (s.name.clone(), s.content.clone())
            })
            .collect();
        assert_eq!(snippets, self.snippets, "snippets at {at}");
    }

    /// What `env::diff(self → later)` should say, as (added, removed, changed, base, snippets).
    fn diff_to(&self, later: &Truth) -> Expected {
        let mut e = Expected::default();
        for (k, v) in &later.packages {
            match self.packages.get(k) {
                None => e.added.push(format!("{}:{}:{v}", k.0, k.1)),
                Some(o) if o != v => e.changed.push(format!("{}:{}:{o}:{v}", k.0, k.1)),
                Some(_) => {}
            }
        }
        for k in self.packages.keys() {
            if !later.packages.contains_key(k) {
                e.removed.push(format!("{}:{}", k.0, k.1));
            }
        }
        let ids = |t: &Truth| t.base.as_ref().map(|(id, rev, _)| (id.clone(), *rev));
        if ids(self) != ids(later) {
            e.base = Some((ids(self), ids(later)));
        }
        for (n, c) in &later.snippets {
            match self.snippets.get(n) {
                None => e.snippets.push(format!("+{n}")),
                Some(o) if o != c => e.snippets.push(format!("~{n}")),
                Some(_) => {}
            }
        }
        e
    }
}

type BaseIds = Option<(String, u32)>;

#[derive(Debug, Default, PartialEq)]
struct Expected {
    added: Vec<String>,
    removed: Vec<String>,
    changed: Vec<String>,
    base: Option<(BaseIds, BaseIds)>,
    snippets: Vec<String>,
}

fn seen(d: &EnvDiff) -> Expected {
    let ids = |b: &Option<env::Base>| b.as_ref().map(|b| (b.id.clone(), b.revision.unwrap()));
    let mut snippets: Vec<String> = (d.snippets.added.iter().map(|n| format!("+{n}")))
        .chain(d.snippets.removed.iter().map(|n| format!("-{n}")))
        .chain(d.snippets.changed.iter().map(|n| format!("~{n}")))
        .collect();
    snippets.sort_by(|a, b| a[1..].cmp(&b[1..]));
    Expected {
        added: d
            .added
            .iter()
            .map(|p| format!("{}:{}:{}", p.manager, p.name, p.version.as_deref().unwrap()))
            .collect(),
        removed: d
            .removed
            .iter()
            .map(|p| format!("{}:{}", p.manager, p.name))
            .collect(),
        changed: d
            .changed
            .iter()
            .map(|c| {
                format!(
                    "{}:{}:{}:{}",
                    c.manager,
                    c.name,
                    c.old.as_deref().unwrap(),
                    c.new.as_deref().unwrap()
                )
            })
            .collect(),
        base: d.base.as_ref().map(|b| (ids(&b.old), ids(&b.new))),
        snippets,
    }
}

/// A single-branch history (the generator's package state is one for all
/// branches, so only a linear history replays exactly) with upgrades on.
fn linear(dir: &std::path::Path) -> Written {
    common::workload(
        dir,
        Workload {
            records: 700,
            seed: 11,
            branches: false,
            upgrades: true,
            ..Workload::default()
        },
    )
}

/// The truth after each record, in the order written.
fn replay(written: &Written) -> Vec<Truth> {
    let mut t = Truth::default();
    written
        .records
        .iter()
        .map(|r| {
            t.apply(r);
            t.clone()
        })
        .collect()
}

fn rows_by_commit(project: &Project) -> BTreeMap<git2::Oid, RecordRow> {
    project
        .records()
        .unwrap()
        .into_iter()
        .map(|r| (r.commit, r))
        .collect()
}

#[test]
fn env_at_every_record_is_what_the_generator_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let written = linear(dir.path());
    let truths = replay(&written);
    let project = Project::open(dir.path(), None).unwrap();
    let rows = rows_by_commit(&project);
    let count = |p: &str| {
        written
            .records
            .iter()
            .filter(|r| r.message.starts_with(p))
            .count()
    };
    let (updates, removals, adds, bases, snippets) = (
        count("Updated 1 "),
        count("Removed "),
        count("Added ") - count("Added base"),
        count("Added base"),
        count("Wrote custom Docker snippet"),
    );
    assert!(
        updates >= 3 && removals >= 2 && adds >= 5 && bases >= 2 && snippets >= 2,
        "the workload should change packages every way: {updates} updates, {removals} removals, {adds} adds, {bases} bases, {snippets} snippets"
    );

    let mut before = Truth::default();
    let mut summaries = 0;
    for (r, truth) in written.records.iter().zip(&truths) {
        let at = format!("{} ({})", r.activity, r.message);
        let env = env::env_at(&project, r.activity).unwrap();
        truth.check(&env, &at);
        let row = &rows[&r.activity];
        assert_eq!(env::env_of_record(&project, row).unwrap(), env);
        if r.meta.kind.id() == 1 {
            // What the record changed, from its linked commit against that commit's parent.
            let change = env::record_change(&project, row).unwrap();
            assert_eq!(seen(&change), before.diff_to(truth), "change of {at}");
            let summary = env::record_summary(&project, row).unwrap();
            assert_eq!(summary, change.summary());
            if let Some(rest) = r.message.strip_prefix("Updated 1 ") {
                let manager = rest.split(' ').next().unwrap();
                let c = &change.changed[0];
                assert_eq!(
                    summary,
                    format!(
                        "{manager}: {} {} → {}",
                        c.name,
                        c.old.as_deref().unwrap(),
                        c.new.as_deref().unwrap()
                    )
                );
            }
            if r.message.starts_with("Removed ") {
                assert!(summary.contains(": -"), "{summary}");
            }
            summaries += 1;
        } else {
            assert_eq!(env::record_summary(&project, row), None);
        }
        before = truth.clone();
    }
    assert!(summaries >= 15);
    // Before the base was added there is no environment at all.
    let first = env::env_at(&project, written.records[0].activity).unwrap();
    assert!(first.is_empty() && first.errors.is_empty());
}

#[test]
fn diff_between_two_points() {
    let dir = tempfile::tempdir().unwrap();
    let written = linear(dir.path());
    let truths = replay(&written);
    let project = Project::open(dir.path(), None).unwrap();
    let n = written.records.len();
    for (a, b) in [(n / 5, n / 2), (n / 2, n - 1), (1, n - 1), (n - 1, n / 3)] {
        let old = env::env_at(&project, written.records[a].activity).unwrap();
        let new = env::env_at(&project, written.records[b].activity).unwrap();
        let d = env::diff(&old, &new);
        assert_eq!(seen(&d), truths[a].diff_to(&truths[b]), "{a} → {b}");
        assert!(!d.is_empty());
        // Backwards, additions and removals swap.
        let back = env::diff(&new, &old);
        assert_eq!(back.added, d.removed);
        assert_eq!(back.removed, d.added);
        assert_eq!(back.changed.len(), d.changed.len());
    }
    let end = env::env_at(&project, written.records[n - 1].activity).unwrap();
    assert!(env::diff(&end, &end).is_empty());
}

#[test]
fn every_environment_of_a_branchy_history_reads_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let written = common::workload(
        dir.path(),
        Workload {
            records: 300,
            upgrades: true,
            ..Workload::default()
        },
    );
    let project = Project::open(dir.path(), None).unwrap();
    for r in &written.records {
        let env = env::env_at(&project, r.activity).unwrap();
        assert!(env.errors.is_empty(), "{:?}", env.errors);
    }
    for (_, head) in &written.branches {
        let env = env::env_at(&project, *head).unwrap();
        assert!(env.base.is_some());
    }
}

/// The last record whose truth holds at least one package of two managers and a snippet.
fn rich_point(written: &Written, truths: &[Truth]) -> usize {
    (0..truths.len())
        .rev()
        .find(|&i| {
            let t = &truths[i];
            let managers: std::collections::BTreeSet<_> = t.packages.keys().map(|k| &k.0).collect();
            managers.len() >= 2 && !t.snippets.is_empty() && written.records[i].meta.kind.id() == 1
        })
        .expect("a point with packages of two managers and a snippet")
}

#[test]
fn env_command_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let written = linear(dir.path());
    let truths = replay(&written);
    let p = dir.path().to_str().unwrap();
    let i = rich_point(&written, &truths);
    let r = &written.records[i];
    let t = &truths[i];
    let short = &r.activity.to_string()[..7];

    let (code, out, err) = gtm(&["env", short, p]);
    assert_eq!(code, 0, "{err}");
    let first = out.lines().next().unwrap();
    assert!(
        first.starts_with(&format!("environment at {short}")) && first.ends_with(&r.message),
        "{first}"
    );
    let (id, rev, name) = t.base.as_ref().unwrap();
    assert!(
        out.contains(&format!("base      {name} ({id}) r{rev}")),
        "{out}"
    );
    assert!(
        out.contains(&format!("packages  {}", t.packages.len())),
        "{out}"
    );
    // Grouped by manager, managers in order, each package with its version.
    let mut last_manager_at = 0;
    for ((manager, name), version) in &t.packages {
        let m = out.find(&format!("\n  {manager}\n")).unwrap();
        assert!(m >= last_manager_at);
        last_manager_at = m;
        let line = out[m..]
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("{name} under {manager} in\n{out}"));
        assert!(line.trim_end().ends_with(version), "{line}");
    }
    for (name, content) in &t.snippets {
        assert!(
            out.contains(&format!("  {name}  Added by hand\n    {content}\n")),
            "{out}"
        );
    }
    assert!(!out.contains("error:"));

    let (code, out, _) = gtm(&["env", short, "--json", p]);
    assert_eq!(code, 0);
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["commit"], r.activity.to_string());
    assert_eq!(j["record"], r.message.as_str());
    assert_eq!(j["base"]["id"], id.as_str());
    assert_eq!(j["base"]["revision"], *rev);
    assert_eq!(j["base"]["image"]["namespace"], "gigantum");
    let packages: BTreeMap<(String, String), String> = j["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            assert_eq!(p["from_base"], false);
            (
                (
                    p["manager"].as_str().unwrap().to_string(),
                    p["name"].as_str().unwrap().to_string(),
                ),
                p["version"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(&packages, &t.packages);
    assert_eq!(j["snippets"].as_array().unwrap().len(), t.snippets.len());
    assert_eq!(j["errors"], serde_json::json!([]));

    // --diff OTHER: OTHER → COMMIT.
    let a = i / 2;
    let other = written.records[a].activity.to_string();
    let (code, out, _) = gtm(&["env", short, "--diff", &other, "--json", p]);
    assert_eq!(code, 0);
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["from"], other);
    assert_eq!(j["to"], r.activity.to_string());
    let exp = truths[a].diff_to(t);
    assert_eq!(j["added"].as_array().unwrap().len(), exp.added.len());
    assert_eq!(j["removed"].as_array().unwrap().len(), exp.removed.len());
    assert_eq!(j["changed"].as_array().unwrap().len(), exp.changed.len());
    assert!(j["summary"].as_str().unwrap().len() > 3);
    let (code, text, _) = gtm(&["env", short, "--diff", &other, p]);
    assert_eq!(code, 0);
    assert!(
        text.starts_with(&format!("environment {} → {short}\n", &other[..7])),
        "{text}"
    );
    match &exp.base {
        Some((Some((oid, orev)), Some((nid, nrev)))) if oid == nid => assert!(
            text.contains(&format!("base      {oid} r{orev} → r{nrev}\n")),
            "{text}"
        ),
        None => assert!(text.contains("base      unchanged\n"), "{text}"),
        _ => {}
    }
    for added in &exp.added {
        let name = added.split(':').nth(1).unwrap();
        assert!(
            text.lines()
                .any(|l| l.trim_start().starts_with(&format!("+ {name} "))),
            "{name} in\n{text}"
        );
    }
    for changed in &exp.changed {
        let f: Vec<&str> = changed.split(':').collect();
        assert!(
            text.contains(&format!("{}  {} → {}", f[1], f[2], f[3]))
                || text.contains(&format!(" {} → {}", f[2], f[3])),
            "{changed} in\n{text}"
        );
    }
    let (_, ascii, _) = gtm(&["env", short, "--diff", &other, "--ascii", p]);
    assert!(ascii.is_ascii() && ascii.contains(" -> "), "{ascii}");
    let (_, same, _) = gtm(&["env", short, "--diff", short, p]);
    assert!(same.ends_with("\nno differences\n"), "{same}");

    // No COMMIT: the tip of the ref; a single argument that is a directory is PATH.
    let (code, head, _) = gtm(&["env", p]);
    assert_eq!(code, 0);
    let last = written.records.last().unwrap();
    assert!(
        head.starts_with(&format!(
            "environment at {}",
            &last.activity.to_string()[..7]
        )),
        "{head}"
    );
    let (_, via_rev, _) = gtm(&["env", "--rev", short, p]);
    let (_, direct, _) = gtm(&["env", short, p]);
    assert_eq!(via_rev, direct);
    // Any revision works, records or not.
    let (code, out, _) = gtm(&["env", "HEAD~1", p]);
    assert_eq!(code, 0);
    assert!(out.starts_with("environment at "));

    // A commit before the base: nothing there.
    let first = &written.records[0].activity.to_string()[..10];
    let (code, out, _) = gtm(&["env", first, p]);
    assert_eq!(code, 0);
    assert!(out.contains("nothing under .gigantum/env/"), "{out}");

    let (code, out, err) = gtm(&["env", "no-such-commit", p]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.contains("no-such-commit"), "{err}");
    let (code, _, err) = gtm(&["env", short, "--diff", "nope", p]);
    assert_eq!(code, 2);
    assert!(err.contains("nope"), "{err}");
}

#[test]
fn damaged_environment_files_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = ProjectWriter::new(WriterOptions::default());
    w.write_file(
        ".gigantum/env/base/python3-minimal.yaml",
        b"id: python3-minimal\nname: Python 3 Minimal\nrevision: 2\n",
    );
    w.write_file(
        ".gigantum/env/package_manager/pip_pandas.yaml",
        b"manager: pip\npackage: pandas\nversion: 1.1.5\nfrom_base: false\nschema: 1\n",
    );
    let mut spec = RecordSpec::new(1, "Added 1 pip package(s).");
    spec.details = vec![DetailSpec::text(
        0,
        1,
        "text/plain",
        "Added pip managed package: pandas 1.1.5",
    )];
    let good = w.record(spec);

    w.write_file(
        ".gigantum/env/package_manager/pip_broken.yaml",
        b"manager: pip\n  package: broken\nversion: [1,\n",
    );
    w.write_file(
        ".gigantum/env/package_manager/pip_binary.yaml",
        &[0xff, 0x00, 0xfe],
    );
    w.write_file(
        ".gigantum/env/custom/snip.yaml",
        b"name: snip\ncontent: \"never closed\n",
    );
    w.write_file(
        ".gigantum/env/base/second.yaml",
        b"id: second\nrevision: x\n",
    );
    w.write_file(".gigantum/env/package_manager/README", b"not yaml");
    w.write_file(".gigantum/env/package_manager/.gitkeep", b"");
    w.write_file(".gigantum/env/entrypoint.sh", b"#!/bin/bash\n");
    let mut spec = RecordSpec::new(1, "Added 1 pip package(s).");
    spec.details = vec![DetailSpec::text(
        0,
        1,
        "text/plain",
        "Added pip managed package: broken",
    )];
    let bad = w.record(spec);
    w.finish(dir.path()).unwrap();

    let project = Project::open(dir.path(), None).unwrap();
    let env = env::env_at(&project, bad.activity).unwrap();
    assert_eq!(env.packages.len(), 1, "{:?}", env.packages);
    assert_eq!(env.packages[0].name, "pandas");
    assert_eq!(
        env.base.as_ref().map(|b| b.id.as_str()),
        Some("python3-minimal")
    );
    let all = env.errors.join("\n");
    for needle in [
        ".gigantum/env/package_manager/pip_broken.yaml: line 2",
        ".gigantum/env/package_manager/pip_binary.yaml: not UTF-8",
        ".gigantum/env/custom/snip.yaml: line 2: a quoted value is not closed",
        ".gigantum/env/base/second.yaml: `revision` is not a number",
        ".gigantum/env/package_manager/README: not a .yaml file",
    ] {
        assert!(all.contains(needle), "{needle} not in\n{all}");
    }
    assert_eq!(env.errors.len(), 5, "{all}");

    // The record's change still reads: only what could be read counts.
    let row = project.record(&bad.activity.to_string()).unwrap();
    assert_eq!(
        env::record_summary(&project, &row).as_deref(),
        Some("no environment change")
    );
    // Beside its message (`Added 1 pip package(s).`) the timeline and the record pane say
    // nothing rather than contradict it.
    assert_eq!(env::record_change_summary(&project, &row), None);
    let row = project.record(&good.activity.to_string()).unwrap();
    assert_eq!(
        env::record_summary(&project, &row).as_deref(),
        Some("pip: +pandas 1.1.5; base +python3-minimal r2")
    );
    assert_eq!(
        env::record_change_summary(&project, &row),
        env::record_summary(&project, &row)
    );

    let p = dir.path().to_str().unwrap();
    let (code, out, _) = gtm(&["env", p]);
    assert_eq!(code, 0);
    assert!(out.contains("    pandas  1.1.5\n"), "{out}");
    assert!(
        out.contains("error: .gigantum/env/package_manager/pip_broken.yaml: line 2"),
        "{out}"
    );
    let (code, out, _) = gtm(&["env", "--json", p]);
    assert_eq!(code, 0);
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["errors"].as_array().unwrap().len(), 5);
    let good_hash = good.activity.to_string();
    let (code, out, _) = gtm(&["env", "--diff", &good_hash, "--json", p]);
    assert_eq!(code, 0);
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["summary"], "no environment change");
    assert!(
        j["errors"][0]
            .as_str()
            .unwrap()
            .starts_with(&format!("at {}: ", &bad.activity.to_string()[..7]))
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn yaml_reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = env::yaml::parse(&text);
        let _ = Environment::from_files([
            (".gigantum/env/package_manager/pip_x.yaml".to_string(), bytes.clone()),
            (".gigantum/env/base/b.yaml".to_string(), bytes.clone()),
            (".gigantum/env/custom/c.yaml".to_string(), bytes),
        ]);
    }

    #[test]
    fn yaml_like_text_never_panics(lines in proptest::collection::vec(
        "( {0,6})(- |#|)([a-z_]{0,6})(: |:|)(\\||>-|'|\"|\\[|\\{|[a-z0-9 .:#\\\\-]{0,12})( *)",
        0..12,
    )) {
        let text = lines.join("\n");
        let _ = env::yaml::parse(&text);
        let _ = Environment::from_files([(
            ".gigantum/env/base/b.yaml".to_string(),
            text.into_bytes(),
        )]);
    }
}
