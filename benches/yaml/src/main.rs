//! Our YAML reader (gtm-core `env::yaml`) against yaml-rust2 0.13 and
//! saphyr 0.3, on the same documents in one run: what each reads from the
//! files the Gigantum client and conda write (and from YAML they do not),
//! what each does with hostile input (run in a child process with a 2 MiB
//! thread stack, 4 GB of address space and 30 s, so a crash is reported, not
//! suffered), and how fast each reads a project's environment files.
//! README: "YAML: yaml-rust2, saphyr or our own".
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;
use std::time::{Duration, Instant};

use gtm_core::env::yaml::{self as ours, Yaml};

#[path = "../../common/timing.rs"]
mod timing;
use timing::best;

/// The stack our worker threads get (Rust's default for spawned threads).
const STACK: usize = 2 << 20;

#[derive(Clone, Copy, PartialEq)]
enum Which {
    Ours,
    YamlRust2,
    Saphyr,
}

const ALL: [Which; 3] = [Which::Ours, Which::YamlRust2, Which::Saphyr];

impl Which {
    fn name(self) -> &'static str {
        match self {
            Which::Ours => "ours",
            Which::YamlRust2 => "yaml-rust2",
            Which::Saphyr => "saphyr",
        }
    }
    fn from_name(s: &str) -> Which {
        ALL.into_iter()
            .find(|w| w.name() == s)
            .expect("a parser name")
    }
}

/// Reads one document into our model, so that the three can be compared:
/// scalars as the text written (that is what we show), null for `~`,
/// `null` and nothing. Err is the 1-based line and the message.
fn read(which: Which, text: &str) -> Result<Yaml, (usize, String)> {
    match which {
        Which::Ours => ours::parse(text).map_err(|e| (e.line, e.message)),
        Which::YamlRust2 => {
            let docs = yaml_rust2::YamlLoader::load_from_str(text)
                .map_err(|e| (e.marker().line(), e.info().to_string()))?;
            Ok(docs.first().map_or(Yaml::Null, from_rust2))
        }
        Which::Saphyr => {
            let mut parser = saphyr_parser::Parser::new_from_str(text);
            let mut loader = saphyr::YamlLoader::<saphyr::Yaml>::default();
            // Scalars as written (as we keep them), and PyYAML's last-key-wins.
            loader.early_parse(false);
            loader.allow_duplicate_keys(true);
            let err = |e: saphyr::ScanError| (e.marker().line(), e.info().to_string());
            parser.load(&mut loader, true).map_err(err)?;
            if let Some(e) = loader.error() {
                return Err(err(e.clone()));
            }
            let docs = loader.into_documents();
            Ok(docs.first().map_or(Yaml::Null, from_saphyr))
        }
    }
}

fn from_rust2(y: &yaml_rust2::Yaml) -> Yaml {
    use yaml_rust2::Yaml as Y;
    match y {
        Y::Null => Yaml::Null,
        Y::Real(s) | Y::String(s) => Yaml::Str(s.clone()),
        Y::Integer(i) => Yaml::Str(i.to_string()),
        Y::Boolean(b) => Yaml::Str(b.to_string()),
        Y::Array(v) => Yaml::List(v.iter().map(from_rust2).collect()),
        Y::Hash(h) => Yaml::Map(
            h.iter()
                .map(|(k, v)| (key_text(&from_rust2(k)), from_rust2(v)))
                .collect(),
        ),
        Y::Alias(_) | Y::BadValue => Yaml::Str("<bad value>".into()),
    }
}

fn from_saphyr(y: &saphyr::Yaml) -> Yaml {
    use saphyr::{Scalar, ScalarStyle, Yaml as Y};
    match y {
        Y::Representation(text, style, _) => {
            let null = *style == ScalarStyle::Plain
                && matches!(text.as_ref(), "" | "~" | "null" | "Null" | "NULL");
            if null {
                Yaml::Null
            } else {
                Yaml::Str(text.to_string())
            }
        }
        Y::Value(Scalar::Null) => Yaml::Null,
        Y::Value(Scalar::String(s)) => Yaml::Str(s.to_string()),
        Y::Value(Scalar::Boolean(b)) => Yaml::Str(b.to_string()),
        Y::Value(Scalar::Integer(i)) => Yaml::Str(i.to_string()),
        Y::Value(Scalar::FloatingPoint(f)) => Yaml::Str(f.to_string()),
        Y::Sequence(v) => Yaml::List(v.iter().map(from_saphyr).collect()),
        Y::Mapping(m) => Yaml::Map(
            m.iter()
                .map(|(k, v)| (key_text(&from_saphyr(k)), from_saphyr(v)))
                .collect(),
        ),
        Y::Tagged(_, inner) => from_saphyr(inner),
        Y::Alias(_) | Y::BadValue => Yaml::Str("<bad value>".into()),
    }
}

fn key_text(k: &Yaml) -> String {
    match k {
        Yaml::Str(s) => s.clone(),
        Yaml::Null => String::new(),
        other => show(other),
    }
}

/// A compact, comparable text: `~`, `'text'`, `[a, b]`, `{k: v}`. A repeated
/// key shows once, with the value [`Yaml::get`] gives (PyYAML's choice).
fn show(y: &Yaml) -> String {
    match y {
        Yaml::Null => "~".into(),
        Yaml::Str(s) => format!("'{}'", s.replace('\'', "''").replace('\n', "\\n")),
        Yaml::List(v) => format!("[{}]", v.iter().map(show).collect::<Vec<_>>().join(", ")),
        Yaml::Map(entries) => {
            let mut keys: Vec<&str> = Vec::new();
            for (k, _) in entries {
                if !keys.contains(&k.as_str()) {
                    keys.push(k);
                }
            }
            let parts: Vec<String> = keys
                .iter()
                .map(|k| format!("{k}: {}", show(y.get(k).unwrap_or(&Yaml::Null))))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

/// Documents with what a reader of environment files should get: scalars as
/// the text written, `Err(line)` where the file is broken.
fn cases() -> Vec<(&'static str, &'static str, Result<&'static str, usize>)> {
    vec![
        (
            "base as PyYAML writes it",
            "id: python3-minimal\nimage:\n  namespace: gigantum\n  tag: 9c03f48955-2021-04-05\nos_release: '18.04'\npackage_managers:\n- pip: null\n- apt:\n  - vim\n  - zip\nrevision: 12\nurl: null\n",
            Ok(
                "{id: 'python3-minimal', image: {namespace: 'gigantum', tag: '9c03f48955-2021-04-05'}, os_release: '18.04', package_managers: [{pip: ~}, {apt: ['vim', 'zip']}], revision: '12', url: ~}",
            ),
        ),
        (
            "package file: comment, CRLF, no last newline",
            "# Generated on: 2019-03-04 10:11:12.123\r\nmanager: \"pip\"\r\npackage: \"pandas\"\r\nversion: \"0.24.2\"\r\nfrom_base: false\r\nschema: 1",
            Ok(
                "{manager: 'pip', package: 'pandas', version: '0.24.2', from_base: 'false', schema: '1'}",
            ),
        ),
        (
            "unquoted versions keep their text",
            "os_release: 18.10\ncuda: 10.10\nversion: 1.0\nbuild: 010\nflag: True\nhex: 0x1A\n",
            Ok(
                "{os_release: '18.10', cuda: '10.10', version: '1.0', build: '010', flag: 'True', hex: '0x1A'}",
            ),
        ),
        (
            "conda environment.yml with a pip list",
            "name: ds\nchannels:\n  - conda-forge\n  - defaults\ndependencies:\n  - python=3.10\n  - numpy>=1.26\n  - pip\n  - pip:\n    - requests==2.31.0\n    - -e .\nprefix: /opt/conda/envs/ds\n",
            Ok(
                "{name: 'ds', channels: ['conda-forge', 'defaults'], dependencies: ['python=3.10', 'numpy>=1.26', 'pip', {pip: ['requests==2.31.0', '-e .']}], prefix: '/opt/conda/envs/ds'}",
            ),
        ),
        (
            "block scalars | >- |+",
            "content: |\n  RUN apt-get update\n\n    indented\n  last\ndescription: >-\n  one\n  two\n\n  three\nkeep: |+\n  a\n\n",
            Ok(
                "{content: 'RUN apt-get update\\n\\n  indented\\nlast\\n', description: 'one two\\nthree', keep: 'a\\n\\n'}",
            ),
        ),
        (
            "wrapped plain scalar, flow, comments",
            "---\ndescription: A long description that PyYAML\n  wrapped at eighty columns\ntags: [a, 'b c', \"d\"]\nempty: {}\nurl: http://x.org:8080/a#b # a comment\nnothing:\n",
            Ok(
                "{description: 'A long description that PyYAML wrapped at eighty columns', tags: ['a', 'b c', 'd'], empty: {}, url: 'http://x.org:8080/a#b', nothing: ~}",
            ),
        ),
        (
            "quoted escapes and a BOM",
            "\u{feff}s: \"tab\\there \\u00e9\"\nq: 'it''s'\n",
            Ok("{s: 'tab\there é', q: 'it''s'}"),
        ),
        (
            "anchor and alias on a map",
            "base: &b\n  python: '3.10'\nother: *b\n",
            Ok("{base: {python: '3.10'}, other: {python: '3.10'}}"),
        ),
        (
            "anchor and alias on a list item",
            "dependencies:\n  - &py python=3.10\n  - *py\n",
            Ok("{dependencies: ['python=3.10', 'python=3.10']}"),
        ),
        ("a tag", "version: !!str 1.10\n", Ok("{version: '1.10'}")),
        (
            "a repeated key (PyYAML keeps the last)",
            "a: 1\nb: 2\na: 3\n",
            Ok("{a: '3', b: '2'}"),
        ),
        (
            "flow collections inside flow",
            "m: {a: [1, 2], b: {c: d}}\n",
            Ok("{m: {a: ['1', '2'], b: {c: 'd'}}}"),
        ),
        (
            "a flow list over lines",
            "deps: [a,\n  b]\n",
            Ok("{deps: ['a', 'b']}"),
        ),
        ("an empty document", "# nothing here\n", Ok("~")),
        (
            "broken: indented key",
            "manager: pip\n  version: 1\n",
            Err(2),
        ),
        (
            "broken: not yaml",
            "manager: pip\nthis is not yaml\n",
            Err(2),
        ),
        ("broken: open quote", "a: 'open\nb: 2\n", Err(1)),
        ("broken: tab indentation", "a:\n\t- x\n", Err(2)),
        ("broken: list then map", "- a\nb: c\n", Err(2)),
    ]
}

fn correctness() {
    println!("## What each reads\n");
    println!("| document | ours | yaml-rust2 | saphyr |");
    println!("|---|---|---|---|");
    let mut right = [0usize; 3];
    let all = cases();
    for (name, text, want) in &all {
        let mut row = format!("| {name} |");
        for (i, w) in ALL.into_iter().enumerate() {
            let got = read(w, text);
            let mark = match (&got, want) {
                (Ok(y), Ok(want)) if show(y) == *want => {
                    right[i] += 1;
                    "right".to_string()
                }
                (Ok(y), Ok(_)) => format!("wrong: `{}`", show(y)),
                (Err((line, _)), Err(want)) if line == want => {
                    right[i] += 1;
                    format!("error, line {line}")
                }
                (Err((line, msg)), Err(_)) => format!("error, line {line} ({msg})"),
                (Err((line, msg)), Ok(_)) => format!("error, line {line}: {msg}"),
                (Ok(y), Err(_)) => format!("read as `{}`", show(y)),
            };
            row.push_str(&format!(" {mark} |"));
        }
        println!("{row}");
    }
    println!(
        "| **right** | {}/{n} | {}/{n} | {}/{n} |\n",
        right[0],
        right[1],
        right[2],
        n = all.len()
    );
}

fn hostile(case: &str) -> String {
    match case {
        "deep block list, 10,000 levels" => "- ".repeat(10_000) + "x\n",
        "deep flow list" => "[".repeat(100_000) + &"]".repeat(100_000),
        "deep flow map" => "{a: ".repeat(50_000) + "x" + &"}".repeat(50_000),
        "deep block map" => {
            let mut s = String::new();
            for i in 0..1500 {
                s.push_str(&" ".repeat(i));
                s.push_str("a:\n");
            }
            s
        }
        "alias bomb, 9 levels of 9" => alias_bomb(9),
        "alias bomb, 6 levels of 9" => alias_bomb(6),
        "16 MB scalar" => format!("k: {}\n", "x".repeat(16 << 20)),
        "200,000 keys" => (0..200_000).map(|i| format!("k{i}: v{i}\n")).collect(),
        other => panic!("no hostile case {other}"),
    }
}

/// `levels` anchors, each a list of nine aliases of the one before: 9^levels
/// values if every alias is copied.
fn alias_bomb(levels: usize) -> String {
    let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
    for i in 1..=levels {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        s.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    s
}

const HOSTILE: [&str; 8] = [
    "deep block list, 10,000 levels",
    "deep flow list",
    "deep flow map",
    "deep block map",
    "alias bomb, 6 levels of 9",
    "alias bomb, 9 levels of 9",
    "16 MB scalar",
    "200,000 keys",
];

/// In the child: read the case on a thread with our workers' stack, drop
/// the result there too (a deep tree's drop recurses), and say what happened.
fn hostile_child(which: &str, case: &str) {
    let text = hostile(case);
    if which == "saphyr-parser" {
        return events_child(text);
    }
    let which = Which::from_name(which);
    let t = Instant::now();
    let said = std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || match which {
            // Only parse and drop here: converting a deep tree would
            // measure our converter.
            Which::Ours => ours::parse(&text).map(drop).map_err(|e| e.to_string()),
            Which::YamlRust2 => yaml_rust2::YamlLoader::load_from_str(&text)
                .map(drop)
                .map_err(|e| e.to_string()),
            Which::Saphyr => {
                use saphyr::LoadableYamlNode;
                saphyr::Yaml::load_from_str(&text)
                    .map(drop)
                    .map_err(|e| e.to_string())
            }
        })
        .expect("a thread")
        .join()
        .expect("the parser thread");
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
        })
        .unwrap_or_default();
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    match said {
        Ok(()) => println!("read, {ms:.0} ms, peak {peak}"),
        Err(e) => {
            let e: String = e.chars().take(60).collect();
            println!("refused ({e}), {ms:.0} ms, peak {peak}")
        }
    }
}

/// saphyr-parser's events alone, counted and dropped: whether a crash is
/// the parser's or the tree's.
fn events_child(text: String) {
    struct Count(usize);
    impl<'i> saphyr_parser::EventReceiver<'i> for Count {
        fn on_event(&mut self, _: saphyr_parser::Event<'i>) {
            self.0 += 1;
        }
    }
    let t = Instant::now();
    let (n, ok) = std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || {
            let mut c = Count(0);
            let r = saphyr_parser::Parser::new_from_str(&text).load(&mut c, true);
            (c.0, r.is_ok())
        })
        .expect("a thread")
        .join()
        .expect("the parser thread");
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    let how = if ok { "read" } else { "refused" };
    println!("{how}, {n} events, {ms:.0} ms");
}

fn hostility() {
    let exe = std::env::current_exe().expect("our own path");
    println!("## Hostile input (child process: 2 MiB stack, 4 GB address space, 30 s)\n");
    println!("| input | bytes | ours | yaml-rust2 | saphyr | saphyr-parser events only |");
    println!("|---|---|---|---|---|---|");
    for case in HOSTILE {
        let mut row = format!("| {case} | {} |", hostile(case).len());
        for w in ["ours", "yaml-rust2", "saphyr", "saphyr-parser"] {
            let out = Command::new("sh")
                .arg("-c")
                .arg("ulimit -v 4000000; exec timeout 30 \"$0\" hostile \"$1\" \"$2\"")
                .arg(&exe)
                .arg(w)
                .arg(case)
                .output()
                .expect("sh");
            let stdout = String::from_utf8_lossy(&out.stdout).trim().to_string();
            let stderr = String::from_utf8_lossy(&out.stderr);
            let cell = if out.status.success() {
                stdout
            } else if out.status.code() == Some(124) {
                "still running at 30 s".to_string()
            } else if stderr.contains("overflow") {
                "**crashed: stack overflow**".to_string()
            } else if stderr.contains("memory allocation") || stderr.contains("capacity") {
                "**crashed: out of memory (4 GB)**".to_string()
            } else {
                format!("**crashed** ({})", out.status)
            };
            row.push_str(&format!(" {cell} |"));
        }
        println!("{row}");
    }
    println!();
}

/// An environment as the client leaves it: a base (its icon a long base64
/// line, as real ones are), package files, a Docker snippet; and a conda
/// export of a large environment.
fn speed_corpora() -> Vec<(&'static str, Vec<String>)> {
    let mut env = vec![format!(
        "description: A minimal Base with Python 3.7 and JupyterLab\ndevelopment_tools:\n- jupyterlab\n- notebook\nicon: data:image/png;base64,{}\nid: python3-minimal\nimage:\n  namespace: gigantum\n  repository: python3-minimal\n  server: hub.docker.com\n  tag: 9c03f48955-2021-04-05\nlanguages:\n- python3\nlicense: MIT\nname: Python3 Minimal\nos_class: ubuntu\nos_release: '18.04'\npackage_managers:\n- pip: null\n- conda3: null\n- apt:\n  - vim\n  - zip\nreadme: \"A minimal Base with Python 3.7 and a recent version of JupyterLab\\n\\nThe\\\n  \\ following JupyterLab widgets are configured:\\n  - @jupyterlab/toc\\n  - nbresuse\\\n  \\ to display memory usage in the status bar\\n\"\nrevision: 12\nschema: 1\ntags:\n- ubuntu\nurl: null\n",
        "iVBORw0KGgoAAAANSUhEUgAA".repeat(400)
    )];
    for i in 0..40 {
        env.push(format!(
            "# Generated on: 2019-03-04 10:11:{:02}.123\nmanager: pip\npackage: package-{i}\nversion: 1.{i}.0\nfrom_base: false\nschema: 1\n",
            i % 60
        ));
    }
    env.push("name: tools\ndescription: more tools\ncontent: |\n  RUN apt-get update && \\\n      apt-get install -y graphviz\n  RUN pip install dot\n".into());
    let mut conda =
        String::from("name: big\nchannels:\n  - conda-forge\n  - defaults\ndependencies:\n");
    for i in 0..600 {
        conda.push_str(&format!(
            "  - package-{i}=1.{}.{}=py310h{i:06x}_0\n",
            i % 30,
            i % 7
        ));
    }
    conda.push_str("  - pip:\n");
    for i in 0..150 {
        conda.push_str(&format!("    - pypi-package-{i}==2.{i}.1\n"));
    }
    conda.push_str("prefix: /opt/conda/envs/big\n");
    vec![
        ("project env files (42 files)", env),
        ("conda export, 750 packages", vec![conda]),
    ]
}

fn speed() {
    println!("## Speed (best of 9 runs of 200 reads; ratio to ours)\n");
    println!("| files | KB | ours | yaml-rust2 | saphyr |");
    println!("|---|---|---|---|---|");
    for (name, files) in speed_corpora() {
        for w in ALL {
            for f in &files {
                assert!(read(w, f).is_ok(), "{} cannot read {name}", w.name());
            }
        }
        let kb = files.iter().map(String::len).sum::<usize>() as f64 / 1024.0;
        let times: Vec<Duration> = ALL
            .into_iter()
            .map(|w| {
                best(9, || {
                    for _ in 0..200 {
                        for f in &files {
                            std::hint::black_box(read(w, std::hint::black_box(f)).is_ok());
                        }
                    }
                })
            })
            .collect();
        let per = |d: Duration| d.as_secs_f64() * 1e6 / 200.0;
        let base = per(times[0]);
        let cells: Vec<String> = times
            .iter()
            .map(|&d| format!("{:.0} µs ({:.2}×)", per(d), per(d) / base))
            .collect();
        println!("| {name} | {kb:.0} | {} |", cells.join(" | "));
    }
    println!();
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("show") {
        // One document per file, each shown on a line, for a differential
        // check against another reader.
        for path in &args[1..] {
            let text = std::fs::read_to_string(path).expect("a UTF-8 file");
            match read(Which::Ours, &text) {
                Ok(y) => println!("{}", show(&y)),
                Err((line, msg)) => println!("error, line {line}: {msg}"),
            }
        }
        return;
    }
    if args.first().map(String::as_str) == Some("hostile") {
        hostile_child(&args[1], &args[2]);
        return;
    }
    correctness();
    speed();
    hostility();
}
