//! Whole workloads read back with git2 and checked against what the generator says it wrote.

use super::*;
use crate::activity::image::ImageFormat;
use crate::activity::{self, Content, DetailKey, detail};
use crate::synth::writer::{LOG_DIR, Written};
use git2::{Oid, Repository};
use std::collections::BTreeSet;

#[derive(Default, Debug)]
struct Seen {
    families: BTreeSet<String>,
    max_file: u32,
    compressed: usize,
    images: usize,
    base64_images: usize,
    gifs: usize,
    truncated: usize,
    legacy_lines: usize,
    five_field_lines: usize,
    empty_code_records: usize,
    hidden: usize,
    merges: usize,
    record_types: BTreeSet<i64>,
    console: usize,
    multi_cell: usize,
}

fn fsck(dir: &Path) {
    let out = std::process::Command::new("git")
        .args(["fsck", "--full", "--strict", "--no-dangling"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git fsck: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Reads everything back with git2 and checks it against the truth.
fn verify(written: &Written) -> Seen {
    let repo = Repository::open(&written.path).unwrap();
    let mut seen = Seen::default();
    let mut blobs: std::collections::HashMap<(Oid, String), Vec<u8>> = Default::default();
    for rec in &written.records {
        seen.record_types.insert(rec.meta.kind.id());
        let commit = repo.find_commit(rec.activity).unwrap();
        assert_eq!(commit.author().when().seconds(), rec.time);
        let parsed = activity::parse_message(commit.message_raw_bytes()).unwrap();
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_eq!(parsed.to_message(), rec.commit_message);
        assert_eq!(parsed.message, rec.message);
        assert_eq!(parsed.meta, rec.meta);
        assert_eq!(parsed.details.len(), rec.details.len());
        if let Some(auto) = rec.auto {
            assert_eq!(commit.parent_id(0).unwrap(), auto);
            let a = repo.find_commit(auto).unwrap();
            assert_eq!(
                a.message().unwrap(),
                crate::synth::writer::AUTO_COMMIT_MESSAGE
            );
            if rec.meta.kind.id() <= 4 {
                assert_eq!(rec.meta.linked_commit, auto.to_string());
            }
        }
        if rec.message.starts_with("Executed") {
            if rec.details.is_empty() {
                seen.empty_code_records += 1;
            }
            if rec.message.contains(" cells in notebook") {
                seen.multi_cell += 1;
            }
            // The client's order: results first, the executed code last.
            if let Some(last) = rec.details.last() {
                assert_eq!(
                    last.type_id,
                    DetailKind::CodeExecuted.id(),
                    "{}",
                    rec.commit_message
                );
                if rec.message.contains("in notebook") {
                    assert_eq!(
                        rec.details
                            .iter()
                            .any(|d| d.type_id == DetailKind::Result.id()),
                        rec.message.contains("generated")
                    );
                }
            }
            for c in rec.cells() {
                assert!(rec.message.contains(&c.notebook) || c.notebook == "console");
            }
        }
        let tree = commit.tree().unwrap();
        for (d, p) in rec.details.iter().zip(&parsed.details) {
            assert!(p.error.is_none(), "{:?}", p.error);
            assert_eq!(p.to_line(), d.line);
            if p.legacy {
                seen.legacy_lines += 1;
                assert_eq!(d.line.split(',').count(), 4);
            } else {
                seen.five_field_lines += 1;
                assert_eq!(p.action.id(), d.action);
            }
            if !d.show {
                seen.hidden += 1;
            }
            let key = DetailKey::parse(&p.key.to_string()).unwrap();
            assert_eq!(Some(&key), d.key.as_ref());
            seen.families.insert(key.family.clone());
            seen.max_file = seen.max_file.max(key.file_number);
            let path = format!("{LOG_DIR}/{}", key.file_name());
            let blob = blobs
                .entry((rec.activity, path.clone()))
                .or_insert_with(|| {
                    let e = tree.get_path(Path::new(&path)).unwrap();
                    repo.find_blob(e.id()).unwrap().content().to_vec()
                });
            let start = key.offset as usize;
            assert_eq!(&blob[start..start + 20], &key.header());
            let value = detail::value_at(blob, &key).unwrap();
            let decoded = detail::decode_value(value);
            assert!(decoded.errors.is_empty(), "{:?}", decoded.errors);
            assert_eq!(decoded.compressed, d.compressed);
            let total: usize = d.entries.iter().map(|e| e.bytes.len()).sum();
            assert_eq!(d.compressed, total >= 4000);
            if d.compressed {
                seen.compressed += 1;
            }
            assert_eq!(decoded.type_id, Some(d.type_id));
            assert_eq!(decoded.show, Some(d.show));
            if d.legacy {
                assert_eq!(decoded.action_id, None);
                assert!(decoded.tags.is_empty());
            } else {
                assert_eq!(decoded.action_id, Some(d.action));
                assert_eq!(decoded.tags, d.tags);
            }
            assert_eq!(decoded.content.len(), d.entries.len());
            for (c, e) in decoded.content.iter().zip(&d.entries) {
                assert_eq!(c.mime(), e.mime);
                match c {
                    Content::Text { text, .. } => {
                        assert_eq!(text.as_bytes(), &e.bytes[..]);
                        assert!(text.len() <= MAX_RESULT_BYTES);
                        if text.ends_with(TRUNCATED_MARK) {
                            seen.truncated += 1;
                        }
                    }
                    Content::Image { image, .. } => {
                        if image.base64_text {
                            assert_eq!(image.data, STANDARD.decode(&e.bytes).unwrap());
                        } else {
                            assert_eq!(image.data, e.bytes);
                        }
                        if image.format == ImageFormat::Gif {
                            seen.gifs += 1;
                            assert!(image.base64_text);
                        } else {
                            assert_eq!(image.format, ImageFormat::Jpeg);
                            assert!(image.data.starts_with(&[0xFF, 0xD8, 0xFF]));
                            assert_eq!((image.width, image.height), (320, 240));
                            seen.images += 1;
                            if image.base64_text {
                                seen.base64_images += 1;
                            }
                        }
                    }
                    Content::Binary { .. } => panic!("binary content {}", e.mime),
                }
            }
            if d.tags.iter().any(|t| t == "console") {
                seen.console += 1;
            }
            if d.type_id == DetailKind::CodeExecuted.id() {
                let cell = d.cell.as_ref().unwrap();
                assert!(cell.cell > 0);
                let text = decoded.text().unwrap();
                assert!(text.starts_with("```\n") && text.ends_with("```"));
            }
        }
    }
    // Merge commits, reachable from every branch.
    let mut walk = repo.revwalk().unwrap();
    for (_, head) in &written.branches {
        walk.push(*head).unwrap();
    }
    let mut commits = 0;
    for id in walk {
        let c = repo.find_commit(id.unwrap()).unwrap();
        commits += 1;
        assert!(c.parent_count() <= 2);
        if c.parent_count() == 2 {
            seen.merges += 1;
        }
        for p in c.parents() {
            assert!(
                p.time().seconds() <= c.time().seconds(),
                "time goes forward"
            );
        }
    }
    assert_eq!(commits, written.commits);
    fsck(&written.path);
    seen
}

#[test]
fn default_workload_reads_back_exactly() {
    let dir = tempfile::TempDir::new().unwrap();
    let wl = Workload {
        records: 400,
        rotate_bytes: 64 << 10,
        ..Workload::default()
    };
    let written = wl.generate(dir.path()).unwrap();
    assert_eq!(written.records.len(), 400);
    let seen = verify(&written);
    assert_eq!(seen.families.len(), 2, "{seen:?}");
    assert!(seen.max_file >= 1, "rotation produced _1 files: {seen:?}");
    assert!(seen.compressed > 0 && seen.images > 0, "{seen:?}");
    assert!(seen.merges > 0, "{seen:?}");
    assert!(seen.console > 0 && seen.multi_cell > 0, "{seen:?}");
    assert_eq!(seen.legacy_lines, 0);
    for t in [0, 1, 2, 3, 5, 6, 7] {
        assert!(seen.record_types.contains(&t), "record type {t}: {seen:?}");
    }
    // Times strictly increase in writing order.
    for pair in written.records.windows(2) {
        assert!(
            pair[0].time < pair[1].time,
            "{} {} {} -> {} {} {}",
            pair[0].message,
            pair[0].branch,
            pair[0].time,
            pair[1].message,
            pair[1].branch,
            pair[1].time
        );
    }
    // Workspace branches with their own records.
    assert!(
        written
            .records
            .iter()
            .any(|r| r.branch.starts_with("gm.workspace-"))
    );
    assert_eq!(written.head_branch, "master");
    // The work tree is checked out: notebooks are nbformat 4.5 JSON with cell ids.
    let nb = std::fs::read(dir.path().join("code/analysis.ipynb")).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&nb).unwrap();
    assert_eq!(v["nbformat"], 4);
    assert_eq!(v["nbformat_minor"], 5);
    let cells = v["cells"].as_array().unwrap();
    assert!(!cells.is_empty());
    assert!(cells.iter().all(|c| c["id"].is_string()));
    assert!(cells.iter().any(|c| c["execution_count"].is_u64()));
    assert!(dir.path().join(".gigantum/project.yaml").exists());
    assert!(dir.path().join(".gigantum/env/base").is_dir());
    let status = std::process::Command::new("git")
        .args(["status", "--porcelain"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        status.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&status.stdout)
    );
}

#[test]
fn legacy_base64_single_author_bare() {
    let dir = tempfile::TempDir::new().unwrap();
    let wl = Workload {
        records: 250,
        seed: 7,
        authors: vec![Author::new("Carol Data", "carol@example.net", 120)],
        legacy: true,
        labbook_yaml: true,
        base64_images: true,
        cell_ids: false,
        branches: false,
        families: 2,
        image_every: 4,
        notebook_lag: 0.0,
        rotate_bytes: crate::synth::writer::CLIENT_ROTATE_BYTES,
        bare: true,
        ..Workload::default()
    };
    let written = wl.generate(dir.path()).unwrap();
    let seen = verify(&written);
    assert_eq!(seen.five_field_lines, 0);
    assert!(seen.legacy_lines > 0);
    assert!(
        seen.base64_images > 0 && seen.base64_images == seen.images,
        "{seen:?}"
    );
    assert_eq!(seen.families.len(), 2, "one clone after another: {seen:?}");
    assert_eq!(seen.merges, 0);
    assert_eq!(seen.max_file, 0, "8 MB rotation not reached");
    let repo = Repository::open_bare(dir.path()).unwrap();
    let head = repo.head().unwrap().peel_to_tree().unwrap();
    assert!(head.get_path(Path::new(".gigantum/labbook.yaml")).is_ok());
    assert!(head.get_path(Path::new(".gigantum/project.yaml")).is_err());
    let nb = head.get_path(Path::new("code/analysis.ipynb")).unwrap();
    let nb = repo.find_blob(nb.id()).unwrap();
    let v: serde_json::Value = serde_json::from_slice(nb.content()).unwrap();
    assert_eq!(v["nbformat_minor"], 4);
    assert!(
        v["cells"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c.get("id").is_none())
    );
}

#[test]
fn rare_outputs_and_markers_appear() {
    let dir = tempfile::TempDir::new().unwrap();
    let wl = Workload {
        records: 600,
        seed: 3,
        r_console: false,
        notebooks: 1,
        large_every: 3,
        truncated_every: 4,
        image_every: 3,
        rotate_bytes: 256 << 10,
        bare: true,
        ..Workload::default()
    };
    let written = wl.generate(dir.path()).unwrap();
    let seen = verify(&written);
    assert!(seen.truncated > 0, "{seen:?}");
    assert!(seen.gifs > 0, "{seen:?}");
    assert!(seen.empty_code_records > 0, "gtm:ignore: {seen:?}");
    assert_eq!(seen.console, 0);
    // gtm:hide → results not shown; gtm:show → code shown.
    let mut hidden_result = false;
    let mut shown_code = false;
    for r in &written.records {
        for d in &r.details {
            let code = d.type_id == DetailKind::CodeExecuted.id();
            let src = String::from_utf8_lossy(&d.entries[0].bytes).to_string();
            if code && src.contains("# gtm:show") {
                assert!(d.show);
                shown_code = true;
            }
            if code && src.contains("# gtm:hide") {
                assert!(!d.show);
            }
            if d.type_id == DetailKind::Result.id() && !d.show {
                hidden_result = true;
            }
        }
    }
    assert!(hidden_result && shown_code);
}

#[test]
fn tiny_and_odd_workloads() {
    for (records, authors, notebooks, r_console) in [
        (0, 1, 1, true),
        (1, 1, 1, true),
        (30, 0, 0, false),
        (40, 3, 0, true),
    ] {
        let dir = tempfile::TempDir::new().unwrap();
        let wl = Workload {
            records,
            authors: Workload::default()
                .authors
                .into_iter()
                .cycle()
                .take(authors)
                .collect(),
            notebooks,
            r_console,
            bare: true,
            ..Workload::default()
        };
        let written = wl.generate(dir.path()).unwrap();
        assert_eq!(written.records.len(), records);
        if records > 0 {
            verify(&written);
        }
    }
}

#[test]
fn user_names_come_from_emails() {
    assert_eq!(Author::new("X", "x.y-z@q", 0).username(), "xy-z");
}

/// `cargo test --release --lib synth::workload::tests::hundred_thousand -- --ignored --nocapture`
#[test]
#[ignore]
fn hundred_thousand_records() {
    let tmp = tempfile::TempDir::new().unwrap();
    let dir = std::env::var_os("GTM_SYNTH_DIR").map_or(tmp.path().to_path_buf(), Into::into);
    let records = std::env::var("GTM_SYNTH_RECORDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let rotate = std::env::var("GTM_SYNTH_ROTATE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(Workload::default().rotate_bytes);
    let t = std::time::Instant::now();
    let written = Workload {
        records,
        rotate_bytes: rotate,
        ..Workload::default()
    }
    .generate(&dir)
    .unwrap();
    let el = t.elapsed();
    let pack: u64 = std::fs::read_dir(dir.join(".git/objects/pack"))
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    println!(
        "{} records, {} commits, {} objects, pack {} MB, rotate {rotate}: {:.1?}",
        written.records.len(),
        written.commits,
        written.objects,
        pack >> 20,
        el
    );
    assert_eq!(written.records.len(), records);
    if std::env::var_os("GTM_SYNTH_VERIFY").is_some() {
        let t = std::time::Instant::now();
        let seen = verify(&written);
        println!("verified in {:.1?}: {seen:?}", t.elapsed());
    }
    if std::env::var_os("GTM_SYNTH_STATS").is_some() {
        let mut by: BTreeMap<String, (usize, u64)> = BTreeMap::new();
        for r in &written.records {
            for d in &r.details {
                let Some(k) = &d.key else { continue };
                let mime = d.entries.first().map_or("", |e| e.mime.as_str());
                let kind = format!("t{} {mime} c{}", d.type_id, u8::from(d.compressed));
                let e = by.entry(kind).or_default();
                e.0 += 1;
                e.1 += u64::from(k.length) + 20;
            }
        }
        for (k, (n, b)) in by {
            println!("{k:40} {n:8} {b:12} {:8}", b / n as u64);
        }
    }
}

/// Code cells in each notebook of the work tree, as last saved.
fn saved_code_cells(dir: &std::path::Path) -> Vec<usize> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir.join("code")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "ipynb") {
            let nb: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            let cells = nb["cells"].as_array().unwrap();
            out.push(cells.iter().filter(|c| c["cell_type"] == "code").count());
        }
    }
    out
}

#[test]
fn notebooks_grow_to_max_cells() {
    for max_cells in [MAX_CELLS, 40] {
        let dir = tempfile::TempDir::new().unwrap();
        let wl = Workload {
            records: 1500,
            branches: false,
            max_cells,
            ..Workload::default()
        };
        wl.generate(dir.path()).unwrap();
        let sizes = saved_code_cells(dir.path());
        let most = sizes.iter().copied().max().unwrap_or(0);
        assert!(
            most > max_cells * 3 / 4 && most <= max_cells + 1,
            "max_cells {max_cells}: notebooks of {sizes:?} code cells"
        );
    }
}

/// Every version of `path` in the history of HEAD, newest first, as JSON.
fn versions(dir: &std::path::Path, path: &str) -> Vec<serde_json::Value> {
    let repo = Repository::open(dir).unwrap();
    let mut walk = repo.revwalk().unwrap();
    walk.push_head().unwrap();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for oid in walk {
        let tree = repo.find_commit(oid.unwrap()).unwrap().tree().unwrap();
        let Ok(entry) = tree.get_path(std::path::Path::new(path)) else {
            continue;
        };
        if seen.insert(entry.id()) {
            let blob = repo.find_blob(entry.id()).unwrap();
            out.push(serde_json::from_slice(blob.content()).unwrap());
        }
    }
    out
}

#[test]
fn stripped_saves_and_regenerated_ids() {
    let dir = tempfile::TempDir::new().unwrap();
    let wl = Workload {
        records: 400,
        branches: false,
        r_console: false,
        cell_ids: true,
        strip_saves: 1.0,
        regenerate_ids: true,
        ..Workload::default()
    };
    let written = wl.generate(dir.path()).unwrap();
    let path = cells_by_notebook(&written).into_keys().next().unwrap();
    let all = versions(dir.path(), &path);
    assert!(all.len() > 5, "{} versions of {path}", all.len());
    let ids = |v: &serde_json::Value| -> BTreeSet<String> {
        v["cells"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["id"].as_str().map(str::to_string))
            .collect()
    };
    for v in &all {
        for c in v["cells"].as_array().unwrap() {
            if c["cell_type"] == "code" {
                assert!(c["execution_count"].is_null(), "{c}");
                assert_eq!(c["outputs"], serde_json::json!([]), "{c}");
            }
        }
    }
    for pair in all.windows(2) {
        let (a, b) = (ids(&pair[0]), ids(&pair[1]));
        assert!(
            !a.is_empty() && a.is_disjoint(&b),
            "ids kept across saves: {a:?} {b:?}"
        );
    }
}

/// Nothing switched on, nothing drawn: the default history is unchanged by
/// the options existing (stripping off, ids kept, counts and outputs saved).
#[test]
fn plain_saves_keep_counts_outputs_and_ids() {
    let dir = tempfile::TempDir::new().unwrap();
    let wl = Workload {
        records: 300,
        branches: false,
        r_console: false,
        cell_ids: true,
        ..Workload::default()
    };
    let written = wl.generate(dir.path()).unwrap();
    let path = cells_by_notebook(&written).into_keys().next().unwrap();
    let all = versions(dir.path(), &path);
    let code: Vec<&serde_json::Value> = all
        .iter()
        .flat_map(|v| v["cells"].as_array().unwrap())
        .filter(|c| c["cell_type"] == "code")
        .collect();
    assert!(code.iter().any(|c| c["execution_count"].is_u64()));
    assert!(
        code.iter()
            .any(|c| !c["outputs"].as_array().unwrap().is_empty())
    );
    // Ids of every cell of every version, fewer than the code cells saved.
    let ids: BTreeSet<&str> = all
        .iter()
        .flat_map(|v| v["cells"].as_array().unwrap())
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert!(ids.len() < code.len(), "ids are kept across saves");
}

/// The notebooks a workload's code ran in, each with the cells that ran there.
fn cells_by_notebook(written: &Written) -> std::collections::BTreeMap<String, BTreeSet<u64>> {
    let mut out: std::collections::BTreeMap<String, BTreeSet<u64>> = Default::default();
    for d in written.records.iter().flat_map(|r| &r.details) {
        if let Some(c) = d.cell.as_ref().filter(|c| c.notebook != "console") {
            out.entry(c.notebook.clone()).or_default().insert(c.cell);
        }
    }
    out
}
