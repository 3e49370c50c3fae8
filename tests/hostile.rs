//! A project written to take over its reader's terminal: every field that can
//! reach output carries OSC 0 (window title), OSC 8 (hyperlink), OSC 52
//! (clipboard), CSI 2J (clear screen), DCS, BEL, BS, a C1 CSI and bidi
//! overrides. Every command, piped and on a pseudo-terminal, must emit none
//! of them: only the colour sequences gtm-tui writes itself may reach a
//! terminal.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Read;
use std::path::Path;
use std::process::Command;

use gtm_tui::synth::{DetailSpec, Linked, ProjectWriter, RecordSpec, WriterOptions};
use portable_pty::{CommandBuilder, PtySize, native_pty_system};

/// Every sequence the issue names, in one string.
const HOSTILE: &str = concat!(
    "\x1b]0;pwned\x07",
    "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\",
    "\x1b]52;c;aGVsbG8=\x07",
    "\x1b[2J",
    "\x1bP1$qm\x1b\\",
    "\x07\x08",
    "\u{9b}2J",
    "\x1b[?25l",
    // Bidi override and isolate: they reorder what follows on screen.
    "\u{202e}\u{2066}",
    // SGR is what the guard may pass on a colour terminal: not this one,
    // which hides the rest of the screen (conceal) or blinks it.
    "\x1b[8m\x1b[5m",
);

/// The same without `/`, for file names.
fn hostile_name() -> String {
    HOSTILE.replace('/', "_")
}

fn code_record(notebook: &str, ex: u32, code: &str, output: &str) -> RecordSpec {
    let tags = vec![format!("ex:{ex}")];
    let mut r = RecordSpec::new(
        2,
        format!("Executed cell in notebook {notebook} and generated a result {HOSTILE}"),
    );
    r.tags = vec![HOSTILE.to_string()];
    r.details = vec![
        DetailSpec::Object {
            type_id: 2,
            show: true,
            importance: 255,
            action: 1,
            tags: tags.clone(),
            entries: vec![gtm_tui::activity::detail::EntryOut {
                mime: "text/plain".into(),
                bytes: output.as_bytes().to_vec(),
            }],
            compress: None,
            cell: None,
        },
        DetailSpec::Object {
            type_id: 3,
            show: true,
            importance: 255,
            action: 4,
            tags,
            entries: vec![gtm_tui::activity::detail::EntryOut {
                mime: "text/markdown".into(),
                bytes: gtm_tui::activity::detail::fence_code(code).into_bytes(),
            }],
            compress: None,
            cell: None,
        },
    ];
    r
}

struct Hostile {
    code: String,
    saved: String,
    note: String,
    file: String,
    env_old: String,
    env_new: String,
}

fn write_hostile(dir: &Path) -> Hostile {
    let mut w = ProjectWriter::new(WriterOptions::default());
    w.set_author(
        &format!("Mallory {HOSTILE}"),
        &format!("m{HOSTILE}@example.com"),
        0,
    );
    let name = hostile_name();

    let yaml = |v: &str| {
        format!(
            "manager: pip\npackage: \"evil\\x1b]0;pwned\\x07\\x1b[2J\\u009b2J\"\nversion: \"{v}\\x1b]52;c;aGk=\\x07\"\nfrom_base: false\nschema: 1\n"
        )
    };
    w.write_file(
        ".gigantum/env/package_manager/pip_evil.yaml",
        yaml("1.0").as_bytes(),
    );
    let mut env = RecordSpec::new(1, format!("Added 1 pip package(s). {HOSTILE}"));
    env.details = vec![DetailSpec::text(
        0,
        1,
        "text/plain",
        format!("Added pip managed package: evil{HOSTILE} 1.0"),
    )];
    let env_old = w.record(env).activity.to_string();
    w.advance(60);

    let notebook = format!("code/nb{name}.ipynb");
    let mut code = String::new();
    // Runs of one cell minutes apart with small edits: a retry streak for `stuck`.
    for ex in 1..=6u32 {
        let src = format!("x = {ex}  # {HOSTILE}\nprint('{HOSTILE}')");
        let out = format!("\x1b[31mred\x1b[0m {ex} {HOSTILE}\n");
        code = w
            .record(code_record(&notebook, ex, &src, &out))
            .activity
            .to_string();
        w.advance(60);
    }

    let mut note = RecordSpec::new(0, format!("A note {HOSTILE}"));
    note.tags = vec![HOSTILE.to_string()];
    note.linked = Linked::Hash(HOSTILE.to_string());
    note.details = vec![DetailSpec::text(
        7,
        1,
        "text/markdown",
        format!("# Title {HOSTILE}\n\nbody {HOSTILE}\n"),
    )];
    let note = w.record(note).activity.to_string();
    w.advance(60);

    w.write_file(
        &format!("input/data{name}.csv"),
        format!("a,b\n1,{HOSTILE}\n").as_bytes(),
    );
    let mut upload = RecordSpec::new(3, format!("Uploaded 1 new file(s). {HOSTILE}"));
    upload.details = vec![DetailSpec::text(
        1,
        1,
        "text/plain",
        format!("Uploaded new file: input/data{name}.csv"),
    )];
    let file = w.record(upload).activity.to_string();
    w.advance(60);

    // A notebook saved twice, its output types, error names and cells hostile.
    let nb_path = format!("code/saved{name}.ipynb");
    let notebook = |n: u32| {
        serde_json::json!({
            "nbformat": 4, "nbformat_minor": 4, "metadata": {},
            "cells": [{
                "cell_type": "code", "execution_count": n, "metadata": {},
                "source": format!("y = {n}  # {HOSTILE}\n"),
                "outputs": [
                    {"output_type": format!("stream{HOSTILE}"), "name": HOSTILE,
                     "text": format!("out {n} {HOSTILE}\n")},
                    {"output_type": "error", "ename": format!("Err{HOSTILE}"),
                     "evalue": HOSTILE, "traceback": [HOSTILE]}
                ]
            }]
        })
        .to_string()
    };
    let mut saved = String::new();
    for version in 1..=2 {
        w.write_file(&nb_path, notebook(version).as_bytes());
        let mut save = RecordSpec::new(2, "1 modified file(s).");
        save.tags = vec!["save".into()];
        save.details = vec![DetailSpec::text(
            4,
            2,
            "text/plain",
            format!("Modified Code file `{nb_path}`"),
        )];
        saved = w.record(save).activity.to_string();
        w.advance(60);
    }

    w.write_file(
        ".gigantum/env/package_manager/pip_evil.yaml",
        yaml("2.0").as_bytes(),
    );
    let mut env = RecordSpec::new(1, format!("Updated 1 pip package(s) {HOSTILE}"));
    env.details = vec![DetailSpec::text(
        0,
        2,
        "text/plain",
        format!("evil{HOSTILE}"),
    )];
    let env_new = w.record(env).activity.to_string();

    w.finish(dir).unwrap();
    Hostile {
        code,
        saved,
        note,
        file,
        env_old,
        env_new,
    }
}

/// What must never reach the reader. `sgr`: colour sequences are allowed
/// (a terminal with colour on); everything else that starts with ESC, and
/// BEL, BS and the C1 CSI, is not.
fn assert_clean(what: &str, bytes: &[u8], sgr: bool) {
    let text = String::from_utf8_lossy(bytes);
    for (bad, name) in [
        ("\x07", "BEL"),
        ("\x08", "BS"),
        ("\u{9b}", "C1 CSI"),
        ("\x1b]", "OSC"),
        ("\x1bP", "DCS"),
        ("\x1b[2J", "CSI 2J"),
        ("\x1b[?25l", "hide cursor"),
        ("\x1b[8m", "SGR conceal"),
        ("\x1b[5m", "SGR blink"),
        ("\u{202e}", "bidi override"),
        ("\u{2066}", "bidi isolate"),
    ] {
        assert!(
            !text.contains(bad),
            "{what}: {name} reached the output:\n{text}"
        );
    }
    assert!(
        !bytes.contains(&0x9b),
        "{what}: a raw 0x9b byte reached the output"
    );
    // Every ESC left must start an SGR sequence, and only where colour is on.
    let mut rest = text.as_ref();
    while let Some(at) = rest.find('\x1b') {
        let seq = &rest[at + 1..];
        assert!(sgr, "{what}: ESC in output without colour:\n{text}");
        let params = seq.strip_prefix('[').unwrap_or_else(|| {
            panic!(
                "{what}: ESC not followed by [: {:?}",
                &seq[..seq.len().min(10)]
            )
        });
        let end = params
            .find(|c: char| !(c.is_ascii_digit() || c == ';' || c == ':'))
            .unwrap_or(params.len());
        assert_eq!(
            params[end..].chars().next(),
            Some('m'),
            "{what}: a non-SGR CSI: {:?}",
            &params[..params.len().min(12)]
        );
        rest = &params[end..];
    }
}

fn commands(h: &Hostile) -> Vec<Vec<String>> {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    vec![
        s(&["log"]),
        s(&["log", "--json"]),
        s(&["show", &h.code]),
        s(&["show", &h.file]),
        s(&["show", &h.env_old]),
        s(&["show", &h.note]),
        s(&["export"]),
        s(&["export", "--cells"]),
        s(&["export", "--format", "json"]),
        s(&["cell", &h.code]),
        s(&["cell", &h.code, "--json"]),
        s(&["diff", &h.code]),
        s(&["diff", &h.code, "--unified"]),
        s(&["files", &h.file]),
        s(&["files", &h.file, "--json"]),
        s(&["files", &h.saved]),
        s(&["files", &h.saved, "--unified"]),
        s(&["files", &h.saved, "--json"]),
        s(&["show", &h.saved]),
        s(&["env"]),
        s(&["env", "--json"]),
        s(&["env", &h.env_new, "--diff", &h.env_old]),
        s(&["env", &h.env_new, "--diff", &h.env_old, "--json"]),
        s(&["stuck"]),
        s(&["stuck", "--json"]),
        s(&["stats"]),
        s(&["stats", "--json"]),
        // Errors that quote what the user or the repository gave.
        s(&["show", HOSTILE]),
        s(&["--rev", HOSTILE, "log"]),
        s(&["files", &h.code]),
    ]
}

#[test]
fn no_command_emits_a_control_sequence_when_piped() {
    let dir = tempfile::tempdir().unwrap();
    let h = write_hostile(dir.path());
    let p = dir.path().to_str().unwrap();
    let mut failed = Vec::new();
    for args in commands(&h) {
        let out = Command::new(env!("CARGO_BIN_EXE_gtm-tui"))
            .args(&args)
            .arg(p)
            .env("TZ", "UTC")
            .env("GTM_CACHE_DIR", common::test_cache_dir())
            .output()
            .unwrap();
        let what = format!("{args:?} piped");
        assert_clean(&format!("{what} stdout"), &out.stdout, false);
        assert_clean(&format!("{what} stderr"), &out.stderr, false);
        if !out.status.success() {
            failed.push(args[0].clone());
        }
        // JSON stays JSON, with C1 and DEL escaped rather than raw.
        if args.iter().any(|a| a == "--json") && out.status.success() {
            let text = String::from_utf8(out.stdout.clone()).unwrap();
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                if args[0] == "log" {
                    serde_json::from_str::<serde_json::Value>(line)
                        .unwrap_or_else(|e| panic!("{what}: {e}: {line}"));
                }
            }
            if args[0] != "log" {
                serde_json::from_str::<serde_json::Value>(&text)
                    .unwrap_or_else(|e| panic!("{what}: {e}"));
            }
            assert!(text.contains("\\u009b"), "{what}: C1 not escaped:\n{text}");
        }
    }
    // The hostile fields were really there to be shown: every command ran
    // but the three that are errors on purpose.
    assert_eq!(failed, ["show", "--rev", "files"], "failed: {failed:?}");

    // The escapes are shown, not dropped: a reader sees that something was there.
    let (_, out, _) = common::gtm(&["show", &h.code, p]);
    assert!(out.contains("^[]0;pwned^G"), "{out}");
    assert!(out.contains("\\u{9b}2J"), "{out}");
}

/// Runs the binary in a pseudo-terminal and returns every byte it wrote.
fn on_pty(args: &[String], project: &str, env: &[(&str, &str)]) -> Vec<u8> {
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 40,
            cols: 120,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_gtm-tui"));
    cmd.args(args);
    cmd.arg(project);
    cmd.env("TERM", "xterm-256color");
    cmd.env("TZ", "UTC");
    cmd.env("GTM_CACHE_DIR", common::test_cache_dir());
    cmd.env_remove("NO_COLOR");
    // What the program itself writes is under test, not a pager's screen.
    cmd.env("GTM_PAGER", "");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let reading = std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            all.extend_from_slice(&buf[..n]);
        }
        all
    });
    child.wait().unwrap();
    drop(pair.master);
    reading.join().unwrap()
}

#[test]
fn no_command_emits_a_control_sequence_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let h = write_hostile(dir.path());
    let p = dir.path().to_str().unwrap();
    let mut coloured = false;
    for args in commands(&h) {
        let bytes = on_pty(&args, p, &[]);
        assert_clean(&format!("{args:?} on a terminal"), &bytes, true);
        coloured |= bytes.windows(2).any(|w| w == b"\x1b[");
    }
    // Our own colours still reach the terminal.
    assert!(coloured, "no command wrote colour on a terminal");
    // With NO_COLOR nothing starts with ESC at all.
    for args in commands(&h)
        .iter()
        .filter(|a| a[0] == "diff" || a[0] == "show")
    {
        let bytes = on_pty(args, p, &[("NO_COLOR", "1")]);
        assert_clean(&format!("{args:?} with NO_COLOR"), &bytes, false);
    }
}

/// `gtm-tui export | head` and the like: the reader closes the pipe before
/// (or while) the command writes. Every command ends quietly with 0, as git
/// does, whichever layer the closed pipe surfaced in.
#[test]
fn a_closed_pipe_ends_every_command_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let h = write_hostile(dir.path());
    let p = dir.path().to_str().unwrap();
    for args in commands(&h)
        .into_iter()
        .filter(|a| !a.contains(&HOSTILE.to_string()))
    {
        if args[0] == "files" && args[1] == h.code {
            continue; // an error on purpose: exit 2 whatever the pipe does
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_gtm-tui"))
            .args(&args)
            .arg(p)
            .env("GTM_CACHE_DIR", common::test_cache_dir())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Closed before the first byte is read: every write fails.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stderr.is_empty(),
            "{args:?} said: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
