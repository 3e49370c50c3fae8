//! End to end: the real binary in a pseudo-terminal, keys sent, the screen
//! read back through a terminal emulator, and the terminal restored at the end.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "common/nbrepo.rs"]
mod nbrepo;

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gtm_tui::synth::Workload;
use portable_pty::{CommandBuilder, PtySize, native_pty_system};

struct Session {
    parser: Arc<Mutex<vt100::Parser>>,
    /// Every byte the program wrote, for what the emulator does not keep.
    raw: Arc<Mutex<Vec<u8>>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    tty: Option<std::path::PathBuf>,
    /// The test's own end of the terminal: kept open so the tty's modes can
    /// be read after the program exits; closed to let the reader see EOF.
    slave: Option<Box<dyn portable_pty::SlavePty + Send>>,
    /// Disconnected once the reader thread has read to the end.
    reader_done: std::sync::mpsc::Receiver<()>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Session {
    fn start(
        project: &Path,
        extra: &[&str],
        cols: u16,
        rows: u16,
        env: &[(&str, &str)],
    ) -> Session {
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_gtm-tui"));
        cmd.args(extra);
        cmd.arg(project);
        cmd.env("TERM", "xterm-256color");
        cmd.env("TZ", "UTC");
        cmd.env("GTM_TUI_CONFIG", "/nonexistent/gtm-tui-test.toml");
        cmd.env("GTM_CACHE_DIR", common::test_cache_dir());
        // What the program itself writes is under test, not a pager's screen.
        cmd.env("GTM_PAGER", "");
        for (k, v) in env {
            cmd.env(k, v);
        }
        Session::spawn(cmd, cols, rows)
    }

    /// Runs `cmd` in a new pseudo-terminal of `cols`×`rows`.
    fn spawn(cmd: CommandBuilder, cols: u16, rows: u16) -> Session {
        let pty = native_pty_system();
        let pair = pty
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let child = pair.slave.spawn_command(cmd).unwrap();
        let tty = pair.master.tty_name();
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            std::num::NonZeroU16::new(rows).unwrap(),
            std::num::NonZeroU16::new(cols).unwrap(),
            0,
        )));
        let mut reader = pair.master.try_clone_reader().unwrap();
        let p = Arc::clone(&parser);
        let raw = Arc::new(Mutex::new(Vec::new()));
        let r = Arc::clone(&raw);
        let (done, reader_done) = std::sync::mpsc::channel::<()>();
        std::thread::spawn(move || {
            let _done = done;
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                p.lock().unwrap().process(&buf[..n]);
                r.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        let writer = pair.master.take_writer().unwrap();
        Session {
            parser,
            raw,
            writer,
            child,
            tty,
            slave: Some(pair.slave),
            reader_done,
            _master: pair.master,
        }
    }

    fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            // A frame can reach the terminal in several writes: a screen is
            // taken once it has stopped changing, not half drawn.
            if ok(&s) {
                std::thread::sleep(Duration::from_millis(40));
                if self.screen() == s {
                    return s;
                }
                continue;
            }
            if start.elapsed() > Duration::from_secs(15) {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn raw_contains(&self, what: &str) -> bool {
        let raw = self.raw.lock().unwrap();
        raw.windows(what.len()).any(|w| w == what.as_bytes())
    }

    /// How many bytes the program has written so far.
    fn raw_len(&self) -> usize {
        self.raw.lock().unwrap().len()
    }

    /// How many times `what` was written after the first `mark` bytes.
    fn count_since(&self, mark: usize, what: &str) -> usize {
        let raw = self.raw.lock().unwrap();
        raw[mark..]
            .windows(what.len())
            .filter(|w| *w == what.as_bytes())
            .count()
    }

    fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Waits for the process to end and checks the terminal is back to normal.
    fn finish(mut self) -> portable_pty::ExitStatus {
        let start = Instant::now();
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if start.elapsed() > Duration::from_secs(10) {
                let _ = self.child.kill();
                panic!("did not exit; screen:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        if let Some(tty) = &self.tty {
            let out = std::process::Command::new("stty")
                .arg("-F")
                .arg(tty)
                .arg("-a")
                .output()
                .unwrap();
            let modes = String::from_utf8_lossy(&out.stdout);
            let words: Vec<&str> = modes.split_whitespace().collect();
            assert!(
                words.contains(&"icanon") && words.contains(&"echo"),
                "cooked mode: {modes}"
            );
        }
        self.drain();
        {
            let parser = self.parser.lock().unwrap();
            let screen = parser.screen();
            assert!(!screen.alternate_screen(), "left the alternate screen");
            assert!(!screen.hide_cursor(), "cursor visible again");
        }
        status
    }

    /// Once the program has exited: closes the test's end of the terminal
    /// and waits (10 s at most) for the reader to reach the end, so the
    /// screen and the bytes hold everything the program wrote.
    fn drain(&mut self) {
        drop(self.slave.take());
        match self.reader_done.recv_timeout(Duration::from_secs(10)) {
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                panic!("the output never ended; screen:\n{}", self.screen())
            }
            Ok(()) | Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {}
        }
    }
}

fn project(records: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::workload(
        dir.path(),
        Workload {
            records,
            ..Workload::default()
        },
    );
    dir
}

/// Help at 80×24 does not fit: it says which lines show, scrolls with `j`
/// and `PgDn` to the glyphs and badges, stays open on a key that means
/// nothing there, and closes with `Esc` as its title says. The status bar
/// hints the timeline's keys.
#[test]
fn help_at_80x24_scrolls_and_closes_as_its_title_says() {
    let dir = project(40);
    let mut s = Session::start(dir.path(), &[], 80, 24, &[]);
    let first = s.wait_for("the timeline", |s| {
        s.contains("Timeline 1/") && s.contains("? help")
    });
    assert!(first.contains("/ search · f filter"), "{first}");
    s.send("?");
    let help = s.wait_for("help", |s| s.contains("Help · Esc or ? closes"));
    assert!(help.contains("↓ more · lines 1-22 of"), "{help}");
    assert!(help.contains("Move down one record"), "{help}");
    s.send("j");
    s.wait_for("scrolled a line", |s| s.contains("lines 2-23 of"));
    s.send("\x1b[6~"); // PgDn
    s.send("\x1b[6~");
    s.send("\x1b[6~");
    let end = s.wait_for("the end of help", |s| s.contains(" end · lines "));
    assert!(end.contains("Timeline glyphs and badges"), "{end}");
    assert!(end.contains("badge: 1 hidden detail"), "{end}");
    s.send("x");
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        s.screen().contains("Help · Esc or ? closes"),
        "a key help does not name leaves it open:\n{}",
        s.screen()
    );
    s.send("\x1b");
    let closed = s.wait_for("help closed", |s| {
        !s.contains("Help · Esc or ? closes") && s.contains("Timeline 1/")
    });
    assert!(closed.contains("? help"), "{closed}");
    s.send("q");
    let status = s.finish();
    assert!(status.success());
}

#[test]
fn open_move_search_filter_help_quit() {
    let dir = project(150);
    let mut s = Session::start(dir.path(), &[], 100, 30, &[]);
    let first = s.wait_for("the timeline", |s| {
        s.contains("Timeline 1/") && s.contains("? help")
    });
    assert!(first.contains("customer-analysis"), "{first}");
    assert!(first.contains("HEAD"));

    s.send("j");
    s.wait_for("selection moves", |s| s.contains("Timeline 2/"));
    s.send("G");
    let bottom = s.wait_for("end of history", |s| {
        s.lines().any(|l| {
            l.contains("Timeline") && l.contains(" 150/150") || l.contains("Created new Project")
        })
    });
    assert!(bottom.contains("Created new Project"), "{bottom}");
    s.send("g");
    s.wait_for("back at the top", |s| s.contains("Timeline 1/"));

    // Search: typed incrementally, n steps.
    s.send("/console");
    let screen = s.wait_for("search prompt", |s| {
        s.contains("/console") && s.contains("match")
    });
    assert!(screen.contains("Executed code in console"), "{screen}");
    s.send("\r");
    s.send("n");
    s.wait_for("status shows the query", |s| s.contains("/console "));

    // Filter: notes only.
    s.send("\x1b"); // clear the search
    s.wait_for("search cleared", |s| !s.contains("/console"));
    s.send("f");
    s.wait_for("filter panel", |s| {
        s.contains(" Filter ") && s.contains("Types")
    });
    s.send("1");
    s.wait_for("type chosen", |s| s.contains("Types                  note"));
    s.send("\x1b");
    let filtered = s.wait_for("filtered timeline", |s| {
        s.contains("filter: note") && !s.contains(" Filter ")
    });
    assert!(!filtered.contains("Executed cell"), "{filtered}");
    s.send("F");
    s.wait_for("filter cleared", |s| !s.contains("filter: note"));

    // Help lists keys from the keymap.
    s.send("?");
    let help = s.wait_for("help", |s| s.contains("Help"));
    assert!(help.contains("Move down"), "{help}");
    s.send("\x1b");
    s.wait_for("help closed", |s| !s.contains("Help · Esc or ? closes"));

    // Into the detail pane and back, then quit.
    s.send("\t");
    s.wait_for("detail focused", |s| s.contains("Record"));
    s.send("q");
    s.send("q");
    let status = s.finish();
    assert!(status.success());
}

#[test]
fn small_terminal_no_color_ascii_and_sigterm() {
    let dir = project(40);
    let mut s = Session::start(dir.path(), &["--ascii"], 80, 24, &[("NO_COLOR", "1")]);
    let screen = s.wait_for("timeline", |s| s.contains("Timeline 1/"));
    assert!(screen.is_ascii(), "only ASCII with --ascii:\n{screen}");
    s.send("j");
    s.wait_for("moved", |s| s.contains("Timeline 2/"));
    // SIGTERM restores the terminal too.
    let pid = s.child.process_id().unwrap();
    std::process::Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status()
        .unwrap();
    s.finish();
}

#[test]
fn resize_then_ctrl_c_quits_cleanly() {
    let dir = project(20);
    let mut s = Session::start(dir.path(), &[], 120, 40, &[]);
    let wide = s.wait_for("timeline", |s| s.contains("Timeline 1/"));
    // Side by side when wide: the record pane's title is on the first line.
    assert!(wide.lines().next().unwrap().contains("Record"), "{wide}");
    s._master
        .resize(PtySize {
            rows: 24,
            cols: 80,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    s.parser.lock().unwrap().screen_mut().set_size(
        std::num::NonZeroU16::new(24).unwrap(),
        std::num::NonZeroU16::new(80).unwrap(),
    );
    let narrow = s.wait_for("stacked panes after resize", |s| {
        let first = s.lines().next().unwrap_or("");
        first.contains("Timeline") && !first.contains("Record") && s.contains("Record")
    });
    assert!(narrow.lines().all(|l| l.chars().count() <= 80));
    s.send("\x03");
    assert!(s.finish().success());
}

#[test]
fn a_panic_restores_the_terminal() {
    let dir = project(20);
    let mut s = Session::start(dir.path(), &[], 100, 30, &[("GTM_TUI_TEST_PANIC_KEY", "%")]);
    s.wait_for("timeline", |s| s.contains("Timeline 1/"));
    s.send("%");
    // Said on the restored screen, through the sanitiser, as a bug.
    s.wait_for("the panic message", |t| {
        t.contains("internal error, please report it: panic requested")
    });
    let status = s.finish();
    assert!(!status.success(), "a panic is a failure exit");
}

#[test]
fn kitty_pictures_are_sent_and_deleted_on_quit() {
    use gtm_tui::synth::{DetailSpec, ProjectWriter, RecordSpec, WriterOptions, sample_jpeg};
    let dir = tempfile::tempdir().unwrap();
    let mut w = ProjectWriter::new(WriterOptions::default());
    let mut r = RecordSpec::new(
        2,
        "Executed cell in notebook code/a.ipynb and generated a result",
    );
    r.details = vec![
        DetailSpec::text(2, 1, "image/png", sample_jpeg().to_vec()),
        DetailSpec::text(3, 4, "text/markdown", "```\nplt.plot(x, y)\n```"),
    ];
    w.record(r);
    w.finish(dir.path()).unwrap();
    let mut s = Session::start(dir.path(), &["--images", "kitty"], 140, 60, &[]);
    s.wait_for("the picture's line", |t| t.contains("[jpeg image 320"));
    let start = Instant::now();
    while !s.raw_contains("\x1b_Ga=T,f=100") {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "no kitty picture sent"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let raw = Arc::clone(&s.raw);
    s.send("q");
    assert!(s.finish().success());
    let raw = String::from_utf8_lossy(&raw.lock().unwrap()).into_owned();
    let sent = raw.find("\x1b_Ga=T").unwrap_or(usize::MAX);
    let deleted = raw.rfind(gtm_tui::render::image::KITTY_DELETE_ALL);
    assert!(
        deleted.is_some_and(|d| d > sent),
        "pictures deleted before leaving"
    );
}

#[test]
fn cell_history_opens_and_steps_through_runs() {
    let dir = project(300);
    let repo = gtm_tui::repo::Project::open(dir.path(), None).unwrap();
    let rows = repo.records().unwrap();
    let l = gtm_tui::lineage::build(&repo, &rows, None);
    // The newest run of a notebook cell with at least three runs.
    let cell = l
        .cells
        .iter()
        .filter(|c| c.notebook.ends_with(".ipynb") && c.runs.len() >= 3)
        .max_by_key(|c| c.runs.last().copied())
        .expect("a cell run three times");
    let n = cell.runs.len();
    let last = l.executions[*cell.runs.last().unwrap()].commit.to_string();
    // Start the timeline at that record, so it is the one selected.
    let mut s = Session::start(dir.path(), &["--rev", &last], 100, 30, &[]);
    s.wait_for("the timeline", |t| t.contains("Timeline 1/"));
    s.send("c");
    let screen = s.wait_for("the cell's runs", |t| {
        t.contains(&format!("{n} runs")) && t.contains(&format!("run {} → run {n}", n - 1))
    });
    assert!(screen.contains(&format!("▶  run {n:>3}")), "{screen}");
    s.send("[");
    s.wait_for("the run before", |t| {
        t.contains(&format!("run {} → run {}", n - 2, n - 1))
    });
    s.send("]");
    s.wait_for("back to the newest", |t| {
        t.contains(&format!("run {} → run {n}", n - 1))
    });
    // Mark the newest, go to the oldest: the pair is (1, n).
    s.send("mG");
    s.wait_for("marked pair", |t| {
        t.contains(&format!("run 1 → run {n} (marked)"))
    });
    s.send("u");
    // 100 columns start side by side; u turns that to unified.
    s.wait_for("unified toggled", |t| t.contains("unified diff"));
    s.send("\x1b");
    s.wait_for("back on the timeline", |t| t.contains("Timeline 1/"));
    s.send("q");
    assert!(s.finish().success());
}

/// Commits a note record on top of the checked-out branch, as the client
/// would while the user keeps working.
fn commit_note(dir: &Path, message: &str) {
    common::push_record(dir, message, ("Carol Live", "carol@example.com"));
}

#[test]
fn a_commit_made_while_open_shows_up_on_top() {
    let dir = project(60);
    let mut s = Session::start(dir.path(), &[], 100, 30, &[]);
    s.wait_for("the timeline", |t| t.contains("Timeline 1/60"));
    s.send("jj");
    s.wait_for("third record selected", |t| t.contains("Timeline 3/60"));
    commit_note(dir.path(), "Still working on the churn model");
    let start = Instant::now();
    let screen = s.wait_for("the new record", |t| {
        t.contains("Still working on the churn model")
    });
    assert!(
        start.elapsed() < Duration::from_millis(2500),
        "appeared after {:?}",
        start.elapsed()
    );
    // The same record stays selected, now fourth of 61.
    assert!(screen.contains("Timeline 4/61"), "{screen}");
    assert!(screen.contains("1 new record"), "{screen}");
    s.send("g");
    s.wait_for("indicator cleared at the top", |t| {
        t.contains("Timeline 1/61") && !t.contains("new record")
    });
    s.send("q");
    assert!(s.finish().success());
}

#[test]
fn switching_to_a_workspace_branch_without_restarting() {
    use gtm_tui::synth::Author;
    let dir = tempfile::tempdir().unwrap();
    common::workload(
        dir.path(),
        Workload {
            records: 80,
            branches: true,
            authors: vec![
                Author::new("Alice Example", "alice@example.com", 0),
                Author::new("Bob Chen", "bob@example.org", 60),
            ],
            ..Workload::default()
        },
    );
    let mut s = Session::start(dir.path(), &[], 100, 30, &[]);
    s.wait_for("the timeline", |t| {
        t.contains("Timeline 1/") && t.contains(" HEAD ")
    });
    s.send("b");
    let picker = s.wait_for("branch picker", |t| t.contains("Branches"));
    assert!(picker.contains("gm.workspace-"), "{picker}");
    s.send("/workspace\r");
    s.wait_for("reading the workspace branch", |t| {
        t.lines()
            .last()
            .is_some_and(|l| l.contains("gm.workspace-"))
            && !t.contains("Branches")
    });
    s.send("q");
    assert!(s.finish().success());
}

/// Every file under `dir` (work tree and `.git`) with its size and hash.
fn fingerprint(dir: &Path) -> std::collections::BTreeMap<std::path::PathBuf, (u64, String)> {
    use sha2::{Digest, Sha256};
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap_or_default();
                let hash = format!("{:x}", Sha256::digest(&bytes));
                out.insert(
                    path.strip_prefix(dir).unwrap().to_path_buf(),
                    (meta.len(), hash),
                );
            }
        }
    }
    out
}

#[test]
fn nothing_in_the_repository_changes() {
    let dir = project(200);
    let before = fingerprint(dir.path());
    let p = dir.path().to_str().unwrap();
    let rows = gtm_tui::repo::Project::open(dir.path(), None)
        .unwrap()
        .records()
        .unwrap();
    let code = rows
        .iter()
        .find(|r| r.record.message.contains("in notebook"))
        .unwrap()
        .commit
        .to_string();
    let file = rows
        .iter()
        .find(|r| gtm_tui::files::is_file_record(&r.record))
        .unwrap()
        .commit
        .to_string();
    for args in [
        vec!["log", p],
        vec!["show", &code, p],
        vec!["export", "--cells", p],
        vec!["cell", &code, p],
        vec!["diff", &code, p],
        vec!["files", &file, p],
        vec!["env", p],
    ] {
        let (status, _, err) = common::gtm(&args);
        assert!(status == 0 || status == 2, "{args:?}: {err}");
    }
    // A session that opens every screen.
    let mut s = Session::start(dir.path(), &[], 100, 30, &[]);
    s.wait_for("the timeline", |t| t.contains("Timeline 1/"));
    for keys in [
        "/notebook\r",
        "c",
        "[",
        "\x1b",
        "e",
        "\x1b",
        "b",
        "\x1b",
        "a",
        "\x1b",
        "jjjd",
        "\x1b",
        "r",
    ] {
        s.send(keys);
        std::thread::sleep(Duration::from_millis(150));
    }
    s.send("q");
    s.send("q");
    assert!(s.finish().success());
    let after = fingerprint(dir.path());
    let changed: Vec<_> = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(v))
        .map(|(k, _)| k)
        .collect();
    let gone: Vec<_> = before.keys().filter(|k| !after.contains_key(*k)).collect();
    assert!(
        changed.is_empty() && gone.is_empty(),
        "changed {changed:?}, gone {gone:?}"
    );
    assert_eq!(before.len(), after.len());
}

/// The process `parent` started, and its state letter from /proc (`T`: stopped).
fn child_state(parent: u32) -> Option<(u32, char)> {
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // pid (comm) state ppid …: comm may hold spaces, so split after ')'.
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
            continue;
        };
        let mut fields = rest.split_whitespace();
        let state = fields.next().and_then(|s| s.chars().next());
        let ppid = fields.next().and_then(|p| p.parse::<u32>().ok());
        if ppid == Some(parent) {
            return state.map(|s| (pid, s));
        }
    }
    None
}

fn wait_state(parent: u32, want: char) -> u32 {
    let start = Instant::now();
    loop {
        if let Some((pid, s)) = child_state(parent)
            && s == want
        {
            return pid;
        }
        if start.elapsed() > Duration::from_secs(15) {
            panic!(
                "gtm-tui never reached state {want}: {:?}",
                child_state(parent)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn ctrl_z_suspends_to_the_shell_and_fg_redraws_everything() {
    let dir = project(40);
    // An interactive shell with job control, as a user would have.
    let mut cmd = CommandBuilder::new("bash");
    cmd.args(["--norc", "--noprofile", "-i"]);
    cmd.env("TERM", "xterm-256color");
    cmd.env("TZ", "UTC");
    cmd.env("PS1", "shell$ ");
    cmd.env("GTM_TUI_CONFIG", "/nonexistent/gtm-tui-test.toml");
    let mut s = Session::spawn(cmd, 100, 30);
    let bash = s.child.process_id().unwrap();
    s.wait_for("the prompt", |s| s.contains("shell$"));
    s.send(&format!(
        "{} {}\r",
        env!("CARGO_BIN_EXE_gtm-tui"),
        dir.path().display()
    ));
    s.wait_for("the timeline", |s| {
        s.contains("Timeline 1/") && s.contains("? help")
    });
    s.send("j");
    s.wait_for("moved", |s| s.contains("Timeline 2/"));

    // Ctrl-Z: the shell's screen and prompt are back, the program stopped.
    s.send("\x1a");
    let shell = s.wait_for("the shell after Ctrl-Z", |s| s.contains("Stopped"));
    assert!(!shell.contains("Timeline 2/"), "{shell}");
    {
        let parser = s.parser.lock().unwrap();
        assert!(
            !parser.screen().alternate_screen(),
            "left the alternate screen"
        );
        assert!(!parser.screen().hide_cursor(), "cursor shown");
    }
    wait_state(bash, 'T');

    // fg: everything drawn again, where it was, once (the continue that
    // ends a suspend does not draw it all a second time).
    let mark = s.raw_len();
    s.send("fg\r");
    s.wait_for("the timeline after fg", |s| {
        s.contains("Timeline 2/") && s.contains("? help") && s.contains("Record")
    });
    assert!(s.parser.lock().unwrap().screen().alternate_screen());
    wait_state(bash, 'S');
    // A key after the SIGCONT: the loop has seen that message by then.
    s.send("j");
    s.wait_for("moved after fg", |s| s.contains("Timeline 3/"));
    assert_eq!(s.count_since(mark, "\x1b[2J"), 1, "one whole redraw per fg");

    // A SIGTSTP from elsewhere suspends the same way.
    let pid = wait_state(bash, 'S');
    std::process::Command::new("kill")
        .arg("-TSTP")
        .arg(pid.to_string())
        .status()
        .unwrap();
    s.wait_for("the shell after SIGTSTP", |s| {
        s.contains("Stopped") && !s.contains("Timeline 2/")
    });
    wait_state(bash, 'T');
    let mark = s.raw_len();
    s.send("fg\r");
    s.wait_for("the timeline after the second fg", |s| {
        s.contains("Timeline 3/")
    });
    s.send("k");
    s.wait_for("moved after the second fg", |s| s.contains("Timeline 2/"));
    assert_eq!(s.count_since(mark, "\x1b[2J"), 1, "one whole redraw per fg");

    s.send("q");
    s.wait_for("the shell after q", |s| {
        !s.contains("Timeline 2/") && s.contains("shell$")
    });
    s.send("exit\r");
    let start = Instant::now();
    while s.child.try_wait().unwrap().is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "bash did not exit"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn sigquit_restores_the_terminal() {
    let dir = project(20);
    let s = Session::start(dir.path(), &[], 100, 30, &[]);
    s.wait_for("timeline", |s| s.contains("Timeline 1/"));
    let pid = s.child.process_id().unwrap();
    std::process::Command::new("kill")
        .arg("-QUIT")
        .arg(pid.to_string())
        .status()
        .unwrap();
    s.finish();
}

#[test]
fn a_dumb_or_unknown_terminal_gets_the_plain_log() {
    let dir = project(20);
    for term in [None, Some("dumb"), Some("")] {
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_gtm-tui"));
        cmd.arg(dir.path());
        cmd.env("TZ", "UTC");
        cmd.env("GTM_TUI_CONFIG", "/nonexistent/gtm-tui-test.toml");
        match term {
            Some(t) => cmd.env("TERM", t),
            None => cmd.env_remove("TERM"),
        }
        let mut s = Session::spawn(cmd, 100, 30);
        let start = Instant::now();
        let status = loop {
            if let Some(st) = s.child.try_wait().unwrap() {
                break st;
            }
            if start.elapsed() > Duration::from_secs(10) {
                let _ = s.child.kill();
                panic!("TERM={term:?}: still running; screen:\n{}", s.screen());
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(status.success(), "TERM={term:?}");
        s.drain();
        let screen = s.screen();
        assert!(
            screen.contains("Created new Project"),
            "TERM={term:?}:\n{screen}"
        );
        assert!(!screen.contains("Timeline"), "TERM={term:?}:\n{screen}");
        assert!(
            !s.raw_contains("\x1b[?1049h"),
            "TERM={term:?}: no alternate screen"
        );
    }
}

/// A project whose only record has a picture; `s` is pressed in a session
/// started in `cwd` with `home` as the home directory. Returns the screen.
fn save_from(project: &Path, cwd: &Path, home: &Path) -> String {
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_gtm-tui"));
    cmd.arg(project);
    cmd.cwd(cwd);
    cmd.env("TERM", "xterm-256color");
    cmd.env("TZ", "UTC");
    cmd.env("HOME", home);
    cmd.env("XDG_CONFIG_HOME", home.join(".config"));
    cmd.env("GTM_TUI_CONFIG", "/nonexistent/gtm-tui-test.toml");
    let mut s = Session::spawn(cmd, 200, 40);
    s.wait_for("the picture's line", |t| t.contains("[jpeg image 320"));
    s.send("s");
    let screen = s.wait_for("saved", |t| t.contains("saved "));
    s.send("q");
    assert!(s.finish().success());
    screen
}

fn picture_project() -> tempfile::TempDir {
    use gtm_tui::synth::{DetailSpec, ProjectWriter, RecordSpec, WriterOptions, sample_jpeg};
    let dir = tempfile::tempdir().unwrap();
    let mut w = ProjectWriter::new(WriterOptions::default());
    let mut r = RecordSpec::new(
        2,
        "Executed cell in notebook code/a.ipynb and generated a result",
    );
    r.details = vec![DetailSpec::text(2, 1, "image/png", sample_jpeg().to_vec())];
    w.record(r);
    w.finish(dir.path()).unwrap();
    dir
}

fn jpegs(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
        .collect();
    v.sort();
    v
}

#[test]
fn s_saves_pictures_outside_the_project() {
    let project = picture_project();
    let home = tempfile::tempdir().unwrap();
    let before = fingerprint(project.path());

    // Started inside the project (its folder, or one below): into home.
    let inside = project.path().join("code");
    std::fs::create_dir_all(&inside).ok();
    for cwd in [project.path(), inside.as_path()] {
        let screen = save_from(project.path(), cwd, home.path());
        let saved = jpegs(home.path());
        assert_eq!(saved.len(), 1, "{screen}");
        let shown = saved[0].canonicalize().unwrap();
        assert!(
            screen.contains(&shown.display().to_string()),
            "the full path is shown: {screen}"
        );
        std::fs::remove_file(&saved[0]).unwrap();
    }
    let after = fingerprint(project.path());
    assert_eq!(before, after, "nothing written into the project");

    // Started elsewhere: into the current directory, said where.
    let elsewhere = tempfile::tempdir().unwrap();
    let screen = save_from(project.path(), elsewhere.path(), home.path());
    let saved = jpegs(elsewhere.path());
    assert_eq!(saved.len(), 1, "{screen}");
    assert!(
        screen.contains(&saved[0].canonicalize().unwrap().display().to_string()),
        "{screen}"
    );
    assert!(jpegs(home.path()).is_empty());
}

/// gtm-tui on `dir` run by `sh` after `trap '' SIGNAL`, as `nohup` or a
/// shell without job control leaves it.
fn started_ignoring(signal: &str, dir: &Path) -> Session {
    let mut cmd = CommandBuilder::new("sh");
    cmd.arg("-c");
    cmd.arg(format!("trap '' {signal}; exec \"$0\" \"$1\""));
    cmd.arg(env!("CARGO_BIN_EXE_gtm-tui"));
    cmd.arg(dir);
    cmd.env("TERM", "xterm-256color");
    cmd.env("TZ", "UTC");
    cmd.env("GTM_TUI_CONFIG", "/nonexistent/gtm-tui-test.toml");
    Session::spawn(cmd, 100, 30)
}

/// Whether `pid` ignores and whether it catches signal number `sig`, from
/// the masks in /proc.
fn disposition(pid: u32, sig: u32) -> (bool, bool) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let mask = |name: &str| {
        let line = status.lines().find(|l| l.starts_with(name)).unwrap();
        let hex = line.split_whitespace().nth(1).unwrap();
        u64::from_str_radix(hex, 16).unwrap() & (1 << (sig - 1)) != 0
    };
    (mask("SigIgn:"), mask("SigCgt:"))
}

fn kill(signal: &str, pid: u32) {
    let status = std::process::Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn a_sigquit_ignored_at_start_stays_ignored() {
    let dir = project(20);
    let mut s = started_ignoring("QUIT", dir.path());
    s.wait_for("the timeline", |t| t.contains("Timeline 1/"));
    let pid = s.child.process_id().unwrap();
    assert_eq!(disposition(pid, 3), (true, false), "SIGQUIT left ignored");
    kill("QUIT", pid);
    // Two keys handled after the signal: it did nothing.
    s.send("j");
    s.wait_for("moved", |t| t.contains("Timeline 2/"));
    s.send("j");
    s.wait_for("moved again", |t| t.contains("Timeline 3/"));
    assert!(s.child.try_wait().unwrap().is_none(), "still running");
    s.send("q");
    assert!(s.finish().success());
}

#[test]
fn ctrl_z_without_job_control_says_so_and_keeps_running() {
    let dir = project(20);
    let mut s = started_ignoring("TSTP", dir.path());
    s.wait_for("the timeline", |t| t.contains("Timeline 1/"));
    let pid = s.child.process_id().unwrap();
    assert_eq!(disposition(pid, 20), (true, false), "SIGTSTP left ignored");
    s.send("\x1a");
    s.wait_for("the reason", |t| {
        t.contains("cannot suspend: the shell ignores job control") && t.contains("Timeline 1/")
    });
    kill("TSTP", pid);
    s.send("j");
    s.wait_for("moved", |t| t.contains("Timeline 2/"));
    s.send("j");
    s.wait_for("moved again", |t| t.contains("Timeline 3/"));
    assert!(s.parser.lock().unwrap().screen().alternate_screen());
    assert_eq!(child_state_of(pid), Some('S'), "not stopped");
    s.send("q");
    assert!(s.finish().success());
}

/// The state letter of process `pid` from /proc (`T`: stopped).
fn child_state_of(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = stat.rsplit_once(')')?.1;
    rest.split_whitespace().next()?.chars().next()
}

#[test]
fn notebook_repository_opens_the_notebook_timeline() {
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write(dir.path());
    let mut s = Session::start(dir.path(), &[], 80, 24, &[]);
    let first = s.wait_for("the notebook timeline", |s| {
        s.contains("Timeline 1/3") && s.contains("? help")
    });
    assert!(first.contains("plots/figures.ipynb"), "{first}");
    assert!(first.contains("analysis.ipynb"), "{first}");
    s.send("j");
    let moved = s.wait_for("the edit selected, its cells read", |s| {
        s.contains("Timeline 2/3") && s.contains("x = 2")
    });
    assert!(moved.contains("Try a larger x"), "{moved}");
    s.send("\r");
    s.send("?");
    let help = s.wait_for("help", |s| s.contains(" Keys "));
    assert!(help.contains("Every version of the cell"), "{help}");
    s.send("q");
    s.wait_for("help closed", |s| !s.contains(" Keys "));
    // q leaves the record pane, then quits.
    s.send("q");
    std::thread::sleep(Duration::from_millis(100));
    s.send("q");
    assert!(s.finish().success());
}

#[test]
fn notebook_insights_and_environment_screens() {
    let dir = tempfile::tempdir().unwrap();
    gtm_tui::synth::NbRepo {
        seed: 1,
        commits: 20,
        notebooks: 1,
        cells: 4,
        env_files: true,
        images: 0.0,
        ..Default::default()
    }
    .write(dir.path())
    .unwrap();
    let project = gtm_tui::repo::Project::open(dir.path(), None).unwrap();
    let history = gtm_tui::nbhistory::build(&project).unwrap();
    let env: Vec<String> = history
        .commits
        .iter()
        .filter(|c| !c.env_files.is_empty())
        .map(|c| gtm_tui::repo::short_id(c.id))
        .collect();
    let tip = gtm_tui::repo::short_id(project.tip);
    let mut s = Session::start(dir.path(), &[], 100, 30, &[]);
    s.wait_for("the timeline", |s| s.contains("Timeline 1/15"));
    s.send("i");
    let stuck = s.wait_for("the stuck tab", |s| {
        s.contains("[Stuck]") && s.contains("1 hot spot ")
    });
    assert!(stuck.contains("3 revisions"), "{stuck}");
    s.send("\t");
    let usage = s.wait_for("the usage tab", |s| {
        s.contains("[Usage]") && s.contains("20 commits")
    });
    assert!(usage.contains("Most revised cells"), "{usage}");
    s.send("q");
    s.wait_for("the timeline again", |s| !s.contains("[Usage]"));
    s.send("e");
    s.wait_for("the environment at the tip", |s| {
        s.contains(&format!("Environment as of {tip}")) && s.contains("environment file")
    });
    // `[` to the newest change older than the tip, `]` back to the next newer one.
    let older = usize::from(env.first() == Some(&tip));
    s.send("[");
    let at = s.wait_for("an older change", |s| {
        s.contains(&format!("Environment as of {}", env[older]))
    });
    assert!(at.contains("this commit changed"), "{at}");
    s.send("]");
    if older == 0 {
        s.wait_for("no newer change", |s| {
            s.contains("no later commit changed an environment file")
        });
    } else {
        s.wait_for("the newer change", |s| {
            s.contains(&format!("Environment as of {}", env[0]))
        });
    }
    s.send("\x1b");
    s.wait_for("the timeline after Esc", |s| s.contains("Timeline 1/15"));
    s.send("q");
    assert!(s.finish().success());
}

#[test]
fn notebook_timeline_in_ascii_without_colour_and_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write(dir.path());
    let mut s = Session::start(
        dir.path(),
        &["--ascii", "--all-commits"],
        80,
        24,
        &[("NO_COLOR", "1")],
    );
    let screen = s.wait_for("timeline", |s| s.contains("Timeline 1/4"));
    assert!(screen.is_ascii(), "only ASCII with --ascii:\n{screen}");
    assert!(screen.contains("Describe the data"), "{screen}");
    s.send("\x03");
    assert!(s.finish().success());
}

#[test]
fn notebook_timeline_ctrl_z_suspends_and_fg_redraws() {
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write(dir.path());
    let mut cmd = CommandBuilder::new("bash");
    cmd.args(["--norc", "--noprofile", "-i"]);
    cmd.env("TERM", "xterm-256color");
    cmd.env("TZ", "UTC");
    cmd.env("PS1", "shell$ ");
    cmd.env("GTM_TUI_CONFIG", "/nonexistent/gtm-tui-test.toml");
    let mut s = Session::spawn(cmd, 100, 30);
    let bash = s.child.process_id().unwrap();
    s.wait_for("the prompt", |s| s.contains("shell$"));
    s.send(&format!(
        "{} {}\r",
        env!("CARGO_BIN_EXE_gtm-tui"),
        dir.path().display()
    ));
    s.wait_for("the timeline", |s| s.contains("Timeline 1/3"));
    s.send("j");
    s.wait_for("moved", |s| s.contains("Timeline 2/3"));
    s.send("\x1a");
    let shell = s.wait_for("the shell after Ctrl-Z", |s| s.contains("Stopped"));
    assert!(!shell.contains("Timeline 2/3"), "{shell}");
    assert!(!s.parser.lock().unwrap().screen().alternate_screen());
    wait_state(bash, 'T');
    s.send("fg\r");
    s.wait_for("the timeline after fg", |s| {
        s.contains("Timeline 2/3") && s.contains("x = 2")
    });
    wait_state(bash, 'S');
    s.send("j");
    s.wait_for("moved after fg", |s| s.contains("Timeline 3/3"));
    s.send("q");
    s.wait_for("the shell after q", |s| {
        !s.contains("Timeline 3/3") && s.contains("shell$")
    });
    s.send("exit\r");
    let start = Instant::now();
    while s.child.try_wait().unwrap().is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "bash did not exit"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn notebook_timeline_a_panic_restores_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write(dir.path());
    let mut s = Session::start(dir.path(), &[], 80, 24, &[("GTM_TUI_TEST_PANIC_KEY", "%")]);
    s.wait_for("timeline", |s| s.contains("Timeline 1/3"));
    s.send("%");
    s.wait_for("the panic message", |t| {
        t.contains("internal error, please report it: panic requested")
    });
    assert!(!s.finish().success(), "a panic is a failure exit");
}

/// git in `dir` as a user runs it, with a fixed author and none of the machine's settings.
fn git_in(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=Lin Live",
            "-c",
            "user.email=lin@example.org",
        ])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "core.hooksPath=/dev/null",
        ])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn notebook_timeline_live_update_puts_a_new_commit_on_top_and_a_reset_reads_again() {
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write(dir.path());
    let mut s = Session::start(dir.path(), &[], 100, 30, &[]);
    s.wait_for("the notebook timeline", |t| t.contains("Timeline 1/3"));
    s.send("j");
    s.wait_for("the edit selected", |t| {
        t.contains("Timeline 2/3") && t.contains("x = 2")
    });
    let cells = [nbrepo::code(
        "l",
        "print('saved while open')",
        Some(1),
        serde_json::json!([]),
    )];
    std::fs::write(dir.path().join("live.ipynb"), nbrepo::notebook(&cells)).unwrap();
    git_in(dir.path(), &["add", "live.ipynb"]);
    git_in(dir.path(), &["commit", "-q", "-m", "Work saved while open"]);
    let start = Instant::now();
    let screen = s.wait_for("the new row on top", |t| {
        t.contains("live.ipynb") && t.contains("▲ 1 new")
    });
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "appeared after {:?}",
        start.elapsed()
    );
    // The same row stays selected, now third of four.
    assert!(screen.contains("Timeline 3/4"), "{screen}");
    assert!(screen.contains("x = 2"), "{screen}");
    s.send("g");
    s.wait_for("the indicator gone at the top", |t| {
        t.contains("Timeline 1/4") && !t.contains("▲")
    });
    // Back on the figures notebook, then the new commit is undone: the ref no longer holds
    // what was read, so it is read again, the same row selected.
    s.send("j");
    s.wait_for("the figures row", |t| t.contains("Timeline 2/4"));
    git_in(dir.path(), &["reset", "-q", "--hard", "HEAD~1"]);
    let screen = s.wait_for("the history read again", |t| {
        t.contains("Timeline 1/3") && !t.contains("live.ipynb") && !t.contains("reloading")
    });
    assert!(screen.contains("import matplotlib"), "{screen}");
    s.send("q");
    assert!(s.finish().success());
}

#[test]
fn notebook_timeline_b_reads_another_branch_in_place() {
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write(dir.path());
    git_in(dir.path(), &["branch", "first-try", "HEAD~3"]);
    let mut s = Session::start(dir.path(), &[], 100, 30, &[]);
    s.wait_for("the notebook timeline", |t| t.contains("Timeline 1/3"));
    s.send("b");
    let picker = s.wait_for("the branches", |t| t.contains("Branches"));
    assert!(picker.contains("first-try"), "{picker}");
    s.send("/first\r");
    let screen = s.wait_for("the branch read", |t| {
        t.contains("Timeline 1/1")
            && !t.contains("Branches")
            && t.lines().last().is_some_and(|l| l.contains("first-try"))
    });
    assert!(screen.contains("Start the analysis"), "{screen}");
    // r reads it again, still that branch.
    s.send("r");
    s.wait_for("read again", |t| {
        t.contains("Timeline 1/1") && !t.contains("reloading")
    });
    s.send("q");
    assert!(s.finish().success());
}

#[test]
fn notebook_repository_by_file_url_opens_the_notebook_timeline() {
    let served = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let repo = served.path().join("notebooks");
    nbrepo::write(&repo);
    let url = format!("file://{}", repo.display());
    let mut s = Session::start(
        Path::new(&url),
        &[],
        100,
        30,
        &[("GTM_TUI_CACHE", cache.path().to_str().unwrap())],
    );
    // The copy is a bare mirror: no work tree, and still the notebooks' history.
    let screen = s.wait_for("the notebook timeline from the copy", |t| {
        t.contains("Timeline 1/3") && t.contains("import matplotlib")
    });
    assert!(screen.contains("plots/figures.ipynb"), "{screen}");
    s.send("f");
    s.wait_for("the filter panel", |t| t.contains("Only rows with errors"));
    s.send("q");
    s.send("q");
    assert!(s.finish().success());
    assert_eq!(std::fs::read_dir(cache.path()).unwrap().count(), 1);
}

#[test]
fn notebook_cell_screen_steps_versions_and_switches_to_side_by_side() {
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write(dir.path());
    let mut s = Session::start(dir.path(), &[], 80, 24, &[]);
    s.wait_for("the notebook timeline", |s| s.contains("Timeline 1/3"));
    s.send("j");
    s.wait_for("the edit selected", |s| s.contains("Timeline 2/3"));
    s.send("c");
    let screen = s.wait_for("the cell screen, its pair compared", |s| {
        s.contains("Cell 2 of analysis.ipynb") && s.contains("code +2 -1")
    });
    // Unified at 80 columns: the old and new lines are not side by side.
    let both = |s: &str| {
        s.lines()
            .any(|l| l.contains("x = 1") && l.contains("x = 2"))
    };
    assert!(!both(&screen), "{screen}");
    s.send("[");
    s.wait_for("the first version", |s| s.contains("first version"));
    s.send("u");
    s.wait_for("the note", |s| s.contains("side-by-side diff"));
    s.send("]");
    let sbs = s.wait_for("the newer version side by side", |s| {
        s.contains("code +2 -1") && both(s)
    });
    assert!(sbs.contains("y = math.sqrt(x)"), "{sbs}");
    // Keys faster than the worker: the last pair asked for is the one shown.
    s.send("][[][");
    s.wait_for("the older version after five keys", |s| {
        s.contains("first version") && !s.contains("code +2 -1")
    });
    s.send("]");
    s.wait_for("the newer version again", |s| {
        s.contains("code +2 -1") && both(s)
    });
    // Esc back to the timeline, q quits.
    s.send("\x1b");
    s.wait_for("the timeline again", |s| s.contains("Timeline 2/3"));
    s.send("q");
    assert!(s.finish().success());
}

#[test]
fn t_shows_the_notebook_at_a_record_and_brackets_step_through_time() {
    let dir = tempfile::tempdir().unwrap();
    common::nbtime::history(dir.path());
    let mut s = Session::start(dir.path(), &[], 100, 30, &[]);
    s.wait_for("the timeline", |t| t.contains("Timeline 1/"));
    s.send("t");
    // The newest record re-ran B: the notebook after the save, B marked as re-run.
    let now = s.wait_for("the notebook at the newest record", |t| {
        t.contains("step 6/6") && t.contains("df.describe()")
    });
    assert!(now.contains("Notebook code/churn.ipynb"), "{now}");
    assert!(now.contains("re-run"), "{now}");
    assert!(!now.contains("junk_cell_to_delete"), "{now}");
    s.send("[");
    let before = s.wait_for("the step before", |t| t.contains("step 5/6"));
    assert!(before.contains(" new"), "{before}");
    s.send("]");
    s.wait_for("back to the newest step", |t| {
        t.contains("step 6/6") && t.contains("re-run")
    });
    s.send("\x1b");
    s.wait_for("back on the timeline", |t| t.contains("Timeline 1/"));
    s.send("q");
    assert!(s.finish().success());
}

#[test]
fn notebook_timeline_t_shows_the_committed_notebook_and_steps() {
    let dir = tempfile::tempdir().unwrap();
    nbrepo::write(dir.path());
    let mut s = Session::start(dir.path(), &[], 100, 30, &[]);
    s.wait_for("the notebook timeline", |t| t.contains("Timeline 1/3"));
    s.send("j");
    s.wait_for("the edit selected", |t| t.contains("Timeline 2/3"));
    s.send("t");
    let at = s.wait_for("the notebook at the edit", |t| {
        t.contains("step 2/2") && t.contains("y = math.sqrt(x)")
    });
    assert!(at.contains("# Analysis"), "{at}");
    assert!(at.contains("changed"), "{at}");
    s.send("[");
    let first = s.wait_for("the first version", |t| t.contains("step 1/2"));
    assert!(first.contains("x = 1"), "{first}");
    s.send("]");
    s.wait_for("the edit again", |t| {
        t.contains("step 2/2") && t.contains("y = math.sqrt(x)")
    });
    s.send("\x1b");
    s.wait_for("back on the timeline", |t| t.contains("Timeline 2/3"));
    s.send("q");
    assert!(s.finish().success());
}

/// The back stack as a user meets it: insights → a streak's cell → Enter on a run (its
/// record on the timeline) → Esc back to the cell → Esc to the streak list → Esc to the
/// timeline; Alt-→ forward again, and a `:` jump undone with Ctrl-O.
#[test]
fn esc_walks_back_from_a_record_to_the_streak_list_and_alt_right_forward() {
    let dir = tempfile::tempdir().unwrap();
    common::workload(
        dir.path(),
        Workload {
            records: 200,
            streaks: 3,
            ..Workload::default()
        },
    );
    let mut s = Session::start(dir.path(), &[], 100, 30, &[]);
    s.wait_for("the timeline", |t| t.contains("Timeline 1/"));
    s.send("i");
    s.wait_for("the streak list", |t| t.contains("retry streak"));
    s.send("\r");
    s.wait_for("the streak's cell", |t| t.contains("╭ Cell "));
    s.send("j");
    s.send("\r");
    let timeline = s.wait_for("the run's record", |t| {
        t.contains("Timeline ") && t.contains("back to cell history")
    });
    assert!(!timeline.contains("╭ Cell "), "{timeline}");
    s.send("\x1b");
    s.wait_for("the cell again", |t| t.contains("╭ Cell "));
    s.send("\x1b");
    s.wait_for("the streak list again", |t| {
        t.contains("retry streak") && !t.contains("╭ Cell ")
    });
    s.send("\x1b");
    s.wait_for("the timeline again", |t| {
        t.contains("Timeline ") && !t.contains("retry streak")
    });
    s.send("\x1b[1;3C"); // Alt-→
    s.wait_for("the streak list reopened", |t| t.contains("retry streak"));
    s.send("\x1b");
    std::thread::sleep(Duration::from_millis(100));
    s.send("g");
    s.wait_for("the top", |t| t.contains("Timeline 1/"));
    let repo = gtm_tui::repo::Project::open(dir.path(), None).unwrap();
    let far = repo.records().unwrap()[120].commit.to_string();
    s.send(&format!(":{}", &far[..8]));
    s.wait_for("the prompt", |t| t.contains(&far[..8]));
    s.send("\r");
    s.wait_for("jumped off the top", |t| !t.contains("Timeline 1/"));
    s.send("\x0f"); // Ctrl-O
    s.wait_for("back at the top", |t| t.contains("Timeline 1/"));
    s.send("q");
    assert!(s.finish().success());
}

/// `/` finds the word inside the record pane of the real binary: the pane scrolls to it and
/// the status bar counts the record's matches; `n` steps to the last one, further down.
#[test]
fn search_scrolls_the_record_pane_to_the_match() {
    let dir = tempfile::tempdir().unwrap();
    common::longlines::write(dir.path());
    let mut s = Session::start(dir.path(), &[], 100, 30, &[]);
    s.wait_for("the record pane", |s| {
        s.contains("Timeline 1/2") && s.contains("1 │ import json")
    });
    s.send("/needle");
    s.send("\r");
    let found = s.wait_for("the first match", |s| s.contains("match 1/4"));
    assert!(found.contains("while the needle"), "{found}");
    s.send("n");
    s.send("n");
    s.send("n");
    let last = s.wait_for("the last match", |s| s.contains("match 4/4"));
    assert!(last.contains("line 18 has a needle"), "{last}");
    assert!(
        !last.contains("1 │ import json"),
        "the pane scrolled down:\n{last}"
    );
    s.send("q");
    assert!(s.finish().success());
}

/// Runs of one cell fold into one line once the history is annotated;
/// Enter opens the fold, `zc` closes it again.
#[test]
fn enter_opens_a_folded_streak_and_zc_closes_it() {
    let dir = tempfile::tempdir().unwrap();
    common::workload(
        dir.path(),
        Workload {
            records: 260,
            seed: 11,
            notebooks: 2,
            streaks: 3,
            ..Workload::default()
        },
    );
    let repo = gtm_tui::repo::Project::open(dir.path(), None).unwrap();
    let mut app = common::screens::loaded_app(&repo);
    common::screens::settle(&mut app, &repo, vec![gtm_tui::tui::app::Effect::Annotate]);
    let fold = app
        .folds
        .folds
        .iter()
        .find(|f| f.streak && f.saves == 0)
        .expect("a folded streak")
        .clone();
    let head = app.rows.get(fold.head).unwrap().commit().to_string();
    // Start the timeline at the streak's newest run, so its fold is on top.
    let mut s = Session::start(dir.path(), &["--rev", &head], 100, 30, &[]);
    let runs = format!("×{}", fold.runs);
    s.wait_for("the folded streak", |t| {
        t.contains(&runs) && t.contains('⊞')
    });
    s.send("\r");
    let screen = s.wait_for("the opened fold", |t| t.contains('⊟'));
    let members = screen.lines().filter(|l| l.contains("▶ │ ")).count();
    assert!(members >= 1, "its runs are listed under it: {screen}");
    s.send("zc");
    s.wait_for("folded again", |t| t.contains(&runs) && !t.contains('⊟'));
    s.send("q");
    assert!(s.finish().success());
}

/// `--color never` draws the timeline without a colour, as `NO_COLOR` does; without it the
/// same terminal gets colours.
#[test]
fn color_never_draws_no_colour() {
    let dir = project(40);
    // A colour set by SGR 38 (foreground) or 48 (background), in any form.
    let colours = |s: &Session| {
        s.raw_contains("\x1b[38;") || s.raw_contains("[38;5;") || s.raw_contains(";38;")
    };
    let mut plain = Session::start(dir.path(), &["--color", "never"], 80, 24, &[]);
    plain.wait_for("timeline", |t| t.contains("Timeline 1/"));
    plain.send("j");
    plain.wait_for("moved", |t| t.contains("Timeline 2/"));
    assert!(!colours(&plain), "--color never sent a colour");
    plain.send("q");
    assert!(plain.finish().success());
    let mut coloured = Session::start(dir.path(), &[], 80, 24, &[]);
    coloured.wait_for("timeline", |t| t.contains("Timeline 1/"));
    assert!(colours(&coloured), "the default draws colours");
    coloured.send("q");
    assert!(coloured.finish().success());
}

/// On a terminal `show` goes through the pager (`$GTM_PAGER` here, a script that keeps what
/// it is given), `--no-pager` writes to the terminal itself; through a pipe there is none.
#[test]
fn long_output_goes_through_the_pager_on_a_terminal_only() {
    let dir = project(40);
    let repo = gtm_tui::repo::Project::open(dir.path(), None).unwrap();
    let hash = repo.records().unwrap()[0].commit.to_string();
    let kept = dir.path().join("paged.txt");
    let pager = format!("cat > '{}'", kept.display());
    let env = [("GTM_PAGER", pager.as_str())];
    let s = Session::start(dir.path(), &["show", &hash], 100, 30, &env);
    assert!(s.finish().success());
    let paged = std::fs::read_to_string(&kept).expect("the pager ran");
    assert!(paged.contains(&format!("commit   {hash}")), "{paged}");
    std::fs::remove_file(&kept).unwrap();

    let s = Session::start(dir.path(), &["--no-pager", "show", &hash], 100, 30, &env);
    s.wait_for("show on the terminal", |t| t.contains("detail "));
    assert!(s.raw_contains("commit   "));
    assert!(s.finish().success());
    assert!(!kept.exists(), "--no-pager ran the pager");

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gtm-tui"))
        .args(["show", &hash])
        .arg(dir.path())
        .env("GTM_PAGER", &pager)
        .env("GTM_CACHE_DIR", common::test_cache_dir())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("commit   "));
    assert!(!kept.exists(), "a pipe got a pager");
}

/// Ctrl-C while the pager shows the output is the pager's (less uses it to stop a search),
/// as in git: gtm-tui stays until the pager ends, then exits as usual; it does not die and
/// leave the pager holding the terminal with half the output.
#[test]
fn ctrl_c_while_paging_is_left_to_the_pager() {
    let dir = project(40);
    let repo = gtm_tui::repo::Project::open(dir.path(), None).unwrap();
    let hash = repo.records().unwrap()[0].commit.to_string();
    let kept = dir.path().join("paged.txt");
    let k = kept.display().to_string();
    // A pager that, like less, lives through Ctrl-C: it notes the signal and waits to be told
    // to quit.
    let pager = format!(
        "trap 'echo int >> \"{k}.int\"' INT; cat > '{k}'; : > '{k}.ready'; \
         while [ ! -e '{k}.quit' ]; do sleep 0.05; done"
    );
    let env = [("GTM_PAGER", pager.as_str())];
    let mut s = Session::start(dir.path(), &["show", &hash], 100, 30, &env);
    let until = |path: &str| {
        let start = Instant::now();
        while !Path::new(path).exists() {
            assert!(start.elapsed() < Duration::from_secs(15), "no {path}");
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    until(&format!("{k}.ready"));
    s.send("\x03");
    until(&format!("{k}.int"));
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        s.child.try_wait().unwrap().is_none(),
        "Ctrl-C ended gtm-tui while its pager ran"
    );
    std::fs::write(format!("{k}.quit"), "").unwrap();
    assert!(s.finish().success());
    let paged = std::fs::read_to_string(&kept).unwrap();
    assert!(paged.contains(&format!("commit   {hash}")), "{paged}");
}
