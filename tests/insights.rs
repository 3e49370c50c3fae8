//! Insights against the generator's truth: retry streaks found against
//! those planted, usage figures against counts made here from the records
//! written, the anonymized export, and the `stuck` and `stats` commands.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use common::gtm;
use git2::Oid;
use gtm_tui::insights::find_streaks;
use gtm_tui::insights::stats::{self, Stats};
use gtm_tui::insights::stuck::{Streak, StuckParams};
use gtm_tui::lineage::{self, Lineage};
use gtm_tui::repo::Project;
use gtm_tui::synth::{
    DetailSpec, PlantedStreak, ProjectWriter, RecordSpec, Workload, WriterOptions, Written,
    WrittenRecord,
};
use unicode_width::UnicodeWidthStr;

/// The runs of a found streak, as the truth names them.
fn runs_of(s: &Streak, l: &Lineage) -> HashSet<(Oid, String)> {
    s.executions
        .iter()
        .filter_map(|&i| l.executions.get(i))
        .map(|e| (e.commit, e.tag.clone()))
        .collect()
}

/// Pairs found streaks with planted ones: a pair when at least half of
/// each one's runs are in the other, each planted streak used once.
fn matches<'w>(
    found: &[Streak],
    l: &Lineage,
    planted: &'w [PlantedStreak],
) -> Vec<(usize, Option<&'w PlantedStreak>)> {
    let mut used = vec![false; planted.len()];
    let mut out = Vec::new();
    for (k, s) in found.iter().enumerate() {
        let runs = runs_of(s, l);
        let hit = planted.iter().enumerate().find(|(j, p)| {
            let common = p.runs.iter().filter(|r| runs.contains(*r)).count();
            !used[*j] && 2 * common >= p.runs.len() && 2 * common >= runs.len()
        });
        if let Some((j, p)) = hit {
            used[j] = true;
            out.push((k, Some(p)));
        } else {
            out.push((k, None));
        }
    }
    out
}

fn found_in(dir: &Path) -> (Lineage, Vec<Streak>) {
    let project = Project::open(dir, None).unwrap();
    let rows = project.records().unwrap();
    let l = lineage::build(&project, &rows, None);
    let found = find_streaks(&project, &rows, &l, &StuckParams::default());
    (l, found)
}

#[test]
fn planted_retry_streaks_are_found() {
    for seed in [1u64, 8] {
        for cell_ids in [true, false] {
            let dir = tempfile::tempdir().unwrap();
            let w = common::workload(
                dir.path(),
                Workload {
                    records: 1500,
                    seed,
                    cell_ids,
                    notebooks: 3,
                    streaks: 20,
                    ..Workload::default()
                },
            );
            assert!(w.streaks.len() >= 18, "planted {}", w.streaks.len());
            assert!(w.streaks.iter().all(|p| (4..=10).contains(&p.runs.len())));
            assert!(w.streaks.iter().any(|p| p.errors > 0));
            assert!(w.streaks.iter().any(|p| p.unrecorded > 0));
            let (l, found) = found_in(dir.path());
            let pairs = matches(&found, &l, &w.streaks);
            let right = pairs.iter().filter(|(_, p)| p.is_some()).count();
            let precision = right as f64 / found.len().max(1) as f64;
            let recall = right as f64 / w.streaks.len() as f64;
            println!(
                "seed {seed}, cell ids {cell_ids}: {} found, {} planted, precision {precision:.3}, recall {recall:.3}",
                found.len(),
                w.streaks.len()
            );
            assert!(
                precision >= 0.9 && recall >= 0.9,
                "seed {seed}, cell ids {cell_ids}: precision {precision:.3}, recall {recall:.3}"
            );
            // Where the runs are exactly the planted ones, so are the
            // unrecorded attempts and the errors.
            let mut exact = 0;
            for (k, p) in &pairs {
                let (s, Some(p)) = (&found[*k], p) else {
                    continue;
                };
                if runs_of(s, &l) == p.runs.iter().cloned().collect() {
                    exact += 1;
                    assert_eq!((s.unrecorded, s.errors), (p.unrecorded, p.errors), "{s:?}");
                    assert_eq!((s.first, s.last), (p.first, p.last));
                    assert_eq!(s.retries, p.runs.len() - 1 + p.unrecorded);
                }
            }
            // The rest took in a neighbouring ordinary run, or lost one to
            // the lineage.
            assert!(exact * 4 >= right * 3, "{exact} of {right} exact");
            // Ranked: most retries first, then the longest.
            assert!(
                found
                    .windows(2)
                    .all(|w| { (w[0].retries, w[0].span()) >= (w[1].retries, w[1].span()) })
            );
        }
    }
}

#[test]
fn ordinary_work_is_rarely_a_streak() {
    for seed in [5u64, 8] {
        let dir = tempfile::tempdir().unwrap();
        let w = common::workload(
            dir.path(),
            Workload {
                records: 1500,
                seed,
                notebooks: 3,
                ..Workload::default()
            },
        );
        assert!(w.streaks.is_empty());
        let (_, found) = found_in(dir.path());
        assert!(found.len() <= 1, "seed {seed}: {found:?}");
    }
}

/// The records reachable from the head, as the history walk sees them.
fn reachable(w: &Written) -> Vec<&WrittenRecord> {
    let repo = git2::Repository::open(&w.path).unwrap();
    let mut walk = repo.revwalk().unwrap();
    walk.push(w.head.unwrap()).unwrap();
    let seen: HashSet<Oid> = walk.map(Result::unwrap).collect();
    w.records
        .iter()
        .filter(|r| seen.contains(&r.activity))
        .collect()
}

fn day(time: i64, tz_minutes: i32) -> String {
    chrono::DateTime::from_timestamp(time + i64::from(tz_minutes) * 60, 0)
        .unwrap()
        .format("%Y-%m-%d")
        .to_string()
}

#[test]
fn stats_match_counts_from_the_records() {
    let dir = tempfile::tempdir().unwrap();
    let w = common::workload(
        dir.path(),
        Workload {
            records: 700,
            seed: 9,
            upgrades: true,
            ..Workload::default()
        },
    );
    let project = Project::open(dir.path(), None).unwrap();
    let rows = project.records().unwrap();
    let l = lineage::build(&project, &rows, None);
    let s: Stats = stats::stats(&rows, &l);
    let recs = reachable(&w);
    assert!(
        recs.len() > 300 && recs.len() <= w.records.len(),
        "{}",
        recs.len()
    );
    assert_eq!(s.records, recs.len());
    assert_eq!(s.first, recs.iter().map(|r| r.time).min());
    assert_eq!(s.last, recs.iter().map(|r| r.time).max());

    let mut per_day: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_type: BTreeMap<i64, usize> = BTreeMap::new();
    let mut authors: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut packages: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    let mut notebook_times: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let mut runs: BTreeMap<String, HashSet<(Oid, String)>> = BTreeMap::new();
    for r in &recs {
        let d = day(r.time, r.tz_minutes);
        *per_day.entry(d.clone()).or_default() += 1;
        *by_type.entry(r.meta.kind.id()).or_default() += 1;
        *authors
            .entry((r.author.clone(), r.email.clone()))
            .or_default() += 1;
        if r.meta.kind.id() == 1 && r.message.contains("package") {
            let mut words = r.message.split_whitespace();
            let verb = words.next().unwrap();
            let n: usize = words.next().unwrap().parse().unwrap();
            let p = packages.entry(d).or_default();
            match verb {
                "Added" => p.0 += n,
                "Removed" => p.1 += n,
                "Updated" => p.2 += n,
                other => panic!("{other}"),
            }
        }
        if r.meta.kind.id() == 2 && r.meta.tags.is_empty() {
            let nb = match r.message.split_once(" in notebook ") {
                Some((_, rest)) => rest.split(" and generated").next().unwrap().to_string(),
                None => {
                    assert_eq!(r.message, "Executed code in console");
                    "console".to_string()
                }
            };
            notebook_times.entry(nb).or_default().push(r.time);
        }
        for d in &r.details {
            if let (Some(cell), Some(tag)) = (&d.cell, d.tags.first()) {
                runs.entry(cell.notebook.clone())
                    .or_default()
                    .insert((r.activity, tag.clone()));
            }
        }
    }
    let got_days: BTreeMap<String, usize> = s
        .per_day
        .iter()
        .map(|d| (d.day.clone(), d.records))
        .collect();
    assert_eq!(got_days, per_day);
    let got_types: BTreeMap<i64, usize> =
        s.by_type.iter().map(|t| (t.type_id, t.records)).collect();
    assert_eq!(got_types, by_type);
    assert!(s.by_type.windows(2).all(|w| w[0].records >= w[1].records));
    let got_authors: BTreeMap<(String, String), usize> = s
        .authors
        .iter()
        .map(|a| ((a.name.clone(), a.email.clone()), a.records))
        .collect();
    assert_eq!(got_authors, authors);
    let got_packages: BTreeMap<String, (usize, usize, usize)> = s
        .packages
        .iter()
        .map(|p| (p.day.clone(), (p.added, p.removed, p.updated)))
        .collect();
    assert_eq!(got_packages, packages);
    assert!(packages.values().any(|p| p.2 > 0), "an upgrade happened");

    assert_eq!(s.per_notebook.len(), notebook_times.len());
    for n in &s.per_notebook {
        let mut times = notebook_times[&n.notebook].clone();
        times.sort_unstable();
        let spent: i64 = times
            .windows(2)
            .map(|w| w[1] - w[0])
            .filter(|&g| g <= 30 * 60)
            .sum();
        assert_eq!(
            (n.records, n.time_spent),
            (times.len(), spent),
            "{}",
            n.notebook
        );
        assert_eq!(
            n.runs,
            runs.get(&n.notebook).map_or(0, HashSet::len),
            "{}",
            n.notebook
        );
        let cells = l.cells.iter().filter(|c| c.notebook == n.notebook).count();
        assert_eq!(n.cells, cells);
    }
    assert!(
        s.per_notebook
            .windows(2)
            .all(|w| w[0].time_spent >= w[1].time_spent)
    );

    let mut by_runs: Vec<usize> = l.cells.iter().map(|c| c.runs.len()).collect();
    by_runs.sort_unstable_by(|a, b| b.cmp(a));
    let top: Vec<usize> = s.most_rerun.iter().map(|c| c.runs).collect();
    assert_eq!(top, by_runs[..top.len()]);
    assert_eq!(top.len(), 10);
}

/// A hand-written project whose texts name its people: a note, a code
/// output, a branch, a tag.
fn talkative(dir: &Path) {
    let mut w = ProjectWriter::new(WriterOptions::default());
    w.set_author("Dana Okafor", "dana.okafor@uni.example", 60);
    let mut note = RecordSpec::new(0, "Notes from the call with Lee Marsh");
    note.tags = vec!["dana.okafor".into()];
    note.details = vec![DetailSpec::text(
        7,
        1,
        "text/markdown",
        "Dana Okafor and LEE MARSH agreed; mail lee@lab.example or \
         dana.okafor@uni.example. Okafor's data lives in /home/dana.okafor/data.",
    )];
    w.record(note);
    w.advance(60);
    w.set_author("Lee Marsh", "lee@lab.example", -300);
    let mut branch = RecordSpec::new(6, "Created new branch gm.workspace-lee");
    branch.details = vec![DetailSpec::text(
        6,
        1,
        "text/plain",
        "Created new branch gm.workspace-lee",
    )];
    w.record(branch);
    w.advance(60);
    let mut run = RecordSpec::new(2, "Executed cell in notebook code/a.ipynb");
    run.details = vec![
        DetailSpec::text(2, 1, "text/plain", "saved to /home/lee/out.csv by Lee"),
        DetailSpec::text(3, 4, "text/markdown", "```\nprint('hi Dana')\n```"),
    ];
    w.record(run);
    w.finish(dir).unwrap();
}

/// Whether `word` occurs in `text` as a whole word, any case.
fn has_word(text: &str, word: &str) -> bool {
    let text = text.to_lowercase();
    let word = word.to_lowercase();
    text.match_indices(&word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

#[test]
fn anonymized_export_names_no_one() {
    let synth = tempfile::tempdir().unwrap();
    let w = common::workload(
        synth.path(),
        Workload {
            records: 150,
            ..Workload::default()
        },
    );
    let hand = tempfile::tempdir().unwrap();
    talkative(hand.path());
    let cases = [
        (
            synth.path(),
            w.records
                .iter()
                .flat_map(|r| [r.author.clone(), r.email.clone()])
                .collect::<HashSet<_>>(),
            vec!["alice", "bob", "Example", "Chen"],
        ),
        (
            hand.path(),
            [
                "Dana Okafor",
                "dana.okafor@uni.example",
                "Lee Marsh",
                "lee@lab.example",
            ]
            .map(String::from)
            .into(),
            vec!["dana", "okafor", "dana.okafor", "lee", "marsh"],
        ),
    ];
    for (dir, identities, words) in cases {
        let p = dir.to_str().unwrap();
        let (code, plain, _) = gtm(&["export", p]);
        assert_eq!(code, 0);
        for id in &identities {
            assert!(plain.contains(id.as_str()), "the plain export names {id}");
        }
        let (code, out, err) = gtm(&["export", "--anonymize", "--cells", p]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(out.lines().count(), plain.lines().count());
        let lower = out.to_lowercase();
        for id in &identities {
            assert!(
                !lower.contains(&id.to_lowercase()),
                "{id} in the anonymized export"
            );
        }
        for word in &words {
            assert!(!has_word(&out, word), "{word} in the anonymized export");
        }
        for line in out.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let name = v["author"]["name"].as_str().unwrap();
            let email = v["author"]["email"].as_str().unwrap();
            assert!(name.starts_with("author-") && name.len() == 15, "{name}");
            assert!(
                email.ends_with("@anonymous") && email.len() == 18,
                "{email}"
            );
        }
    }
    let p = hand.path().to_str().unwrap();
    let (_, out, _) = gtm(&["export", "--anonymize", p]);
    assert!(out.contains("gm.workspace-user-"), "{out}");
    assert!(out.contains("/home/user-"), "{out}");

    // The same salt gives the same pseudonyms; no salt, new ones each time.
    let salted = |salt: &str| gtm(&["export", "--anonymize", "--salt", salt, p]).1;
    assert_eq!(salted("pepper"), salted("pepper"));
    assert_ne!(salted("pepper"), salted("paprika"));
    let authors = |out: &str| -> Vec<String> {
        out.lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                v["author"].to_string()
            })
            .collect()
    };
    let (a, b) = (
        gtm(&["export", "--anonymize", p]).1,
        gtm(&["export", "--anonymize", p]).1,
    );
    assert!(
        authors(&a).iter().zip(authors(&b)).all(|(x, y)| *x != y),
        "fresh salts"
    );
    // Two records of one author share one pseudonym.
    let one = authors(&salted("pepper"));
    assert_eq!(one[0], one[1]);
    assert_ne!(one[0], one[2]);

    let (code, _, err) = gtm(&["export", "--salt", "x", p]);
    assert_eq!(code, 2, "--salt needs --anonymize: {err}");
}

#[test]
fn no_outputs_and_no_code_leave_content_out() {
    let dir = tempfile::tempdir().unwrap();
    common::workload(
        dir.path(),
        Workload {
            records: 80,
            ..Workload::default()
        },
    );
    let p = dir.path().to_str().unwrap();
    let details = |args: &[&str]| -> Vec<serde_json::Value> {
        let (code, out, err) = gtm(args);
        assert_eq!(code, 0, "{err}");
        out.lines()
            .flat_map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                v["details"].as_array().unwrap().clone()
            })
            .collect()
    };
    let full = details(&["export", p]);
    let of = |ds: &[serde_json::Value], kind: &str| -> Vec<serde_json::Value> {
        ds.iter().filter(|d| d["type"] == kind).cloned().collect()
    };
    assert!(
        of(&full, "result")
            .iter()
            .all(|d| !d["content"].as_array().unwrap().is_empty())
    );
    assert!(full.iter().all(|d| d.get("content_dropped").is_none()));
    for (flag, dropped, kept) in [
        ("--no-outputs", "result", "code_executed"),
        ("--no-code", "code_executed", "result"),
    ] {
        let ds = details(&["export", flag, p]);
        assert_eq!(ds.len(), full.len());
        let gone = of(&ds, dropped);
        assert!(!gone.is_empty());
        for d in gone {
            assert_eq!(d["content"], serde_json::json!([]), "{flag}");
            assert_eq!(d["content_dropped"], true);
        }
        assert_eq!(of(&ds, kept), of(&full, kept), "{flag}");
        assert_eq!(of(&ds, "note"), of(&full, "note"));
    }
    let both = details(&["export", "--no-outputs", "--no-code", "--anonymize", p]);
    assert!(
        both.iter()
            .filter(|d| d["type"] == "result" || d["type"] == "code_executed")
            .all(|d| d["content"] == serde_json::json!([]))
    );
}

#[test]
fn stuck_and_stats_commands() {
    let dir = tempfile::tempdir().unwrap();
    let w = common::workload(
        dir.path(),
        Workload {
            records: 400,
            seed: 3,
            streaks: 3,
            ..Workload::default()
        },
    );
    let p = dir.path().to_str().unwrap();
    let fits = |out: &str| {
        for l in out.lines() {
            assert!(l.width() <= 80, "{} columns: {l}", l.width());
        }
    };

    let (code, out, err) = gtm(&["stuck", p]);
    assert_eq!(code, 0, "{err}");
    fits(&out);
    assert!(out.contains("retry streak"), "{out}");
    assert!(out.contains("most retries first"), "{out}");
    assert!(out.contains(&format!(" {}. ", w.streaks.len())), "{out}");
    assert!(
        w.streaks.iter().any(|planted| {
            let last = planted.runs.last().unwrap().0.to_string();
            out.contains(&format!("gtm-tui cell {}", &last[..7]))
        }),
        "{out}"
    );

    let (code, json, _) = gtm(&["stuck", "--json", p]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let streaks = v["streaks"].as_array().unwrap();
    assert_eq!(v["total"].as_u64().unwrap() as usize, streaks.len());
    assert!(streaks.len() >= w.streaks.len());
    let first = &streaks[0];
    assert_eq!(first["rank"], 1);
    assert_eq!(
        first["executions"].as_array().unwrap().len() as u64,
        first["runs"].as_u64().unwrap()
    );
    assert_eq!(v["rules"]["min_runs"], 4);

    // The commits named open the cell's history.
    let last = first["last_commit"].as_str().unwrap();
    let (code, cell, err) = gtm(&["cell", last, p]);
    assert_eq!(code, 0, "{err}");
    assert!(cell.contains(first["cell"].as_str().unwrap()), "{cell}");

    let (code, one, _) = gtm(&["stuck", "--limit", "1", p]);
    assert_eq!(code, 0);
    assert!(one.contains(" 1. ") && !one.contains(" 2. "), "{one}");
    assert!(one.contains("the first 1 shown"), "{one}");

    let (code, out, err) = gtm(&["stats", p]);
    assert_eq!(code, 0, "{err}");
    fits(&out);
    for heading in [
        "Activity",
        "Record types",
        "Notebooks",
        "Packages",
        "Most re-run cells",
        "Authors",
    ] {
        assert!(out.contains(heading), "{heading}: {out}");
    }
    assert!(out.contains('█') || out.contains('▁'), "{out}");
    assert!(out.contains("Alice Example <alice@example.com>"), "{out}");
    let (_, ascii, _) = gtm(&["stats", "--ascii", p]);
    assert!(ascii.is_ascii(), "{ascii}");
    let (_, ascii, _) = gtm(&["stuck", "--ascii", p]);
    assert!(ascii.is_ascii(), "{ascii}");

    let (code, json, _) = gtm(&["stats", "--json", p]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let (_, log, _) = gtm(&["log", p]);
    assert_eq!(v["records"].as_u64().unwrap() as usize, log.lines().count());
    let per_day: u64 = v["per_day"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["records"].as_u64().unwrap())
        .sum();
    assert_eq!(per_day as usize, log.lines().count());
    assert!(v["first"].as_str().unwrap().ends_with('Z'));
    for key in [
        "by_type",
        "per_notebook",
        "packages",
        "most_rerun",
        "authors",
    ] {
        assert!(v[key].is_array(), "{key}");
    }

    let empty = tempfile::tempdir().unwrap();
    for cmd in ["stuck", "stats"] {
        let (code, _, err) = gtm(&[cmd, empty.path().to_str().unwrap()]);
        assert_eq!(code, 2, "{cmd}: {err}");
    }
    // A history without streaks says so.
    let quiet = tempfile::tempdir().unwrap();
    common::workload(
        quiet.path(),
        Workload {
            records: 40,
            ..Workload::default()
        },
    );
    let (code, out, _) = gtm(&["stuck", quiet.path().to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(out.starts_with("No retry streaks"), "{out}");
}

/// The insights read from the packed rows, in place, are those read from
/// the records unpacked: lineage, streaks with their errors, figures.
#[test]
fn packed_rows_give_the_same_insights_as_unpacked_records() {
    let dir = tempfile::tempdir().unwrap();
    common::workload(
        dir.path(),
        Workload {
            records: 900,
            seed: 8,
            notebooks: 3,
            streaks: 8,
            upgrades: true,
            ..Workload::default()
        },
    );
    let project = Project::open(dir.path(), None).unwrap();
    let rows = project.records().unwrap();
    let (packed, _) = project.packed_records_with_stats().unwrap();
    assert_eq!(packed.len(), rows.len());
    let runs = |l: &Lineage| -> Vec<(Oid, String, String, u64, usize, String)> {
        l.executions
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let cell = l.cell_of(i).map_or(String::new(), |c| c.id.clone());
                (
                    e.commit,
                    e.tag.clone(),
                    e.source.clone(),
                    e.outputs,
                    e.details.len(),
                    cell,
                )
            })
            .collect()
    };
    let l = lineage::build(&project, &rows, None);
    let lp = lineage::build(&project, packed.iter(), None);
    assert!(l.executions.len() > 300, "{}", l.executions.len());
    assert_eq!(runs(&lp), runs(&l));
    let params = StuckParams::default();
    let found = find_streaks(&project, &rows, &l, &params);
    assert!(!found.is_empty());
    assert_eq!(find_streaks(&project, packed.iter(), &lp, &params), found);
    assert_eq!(stats::stats(packed.iter(), &lp), stats::stats(&rows, &l));
    let nb = l.executions[0].notebook.clone();
    let one = lineage::build(&project, packed.iter(), Some(&nb));
    assert_eq!(
        runs(&one),
        runs(&lineage::build(&project, &rows, Some(&nb)))
    );
}
