//! Collaborators' projects by URL over the network transports a reviewer
//! uses: git's own daemon and http-backend serve a synth project on
//! 127.0.0.1, and ssh is stood in for by `GIT_SSH_COMMAND`, so each test
//! exercises the user's git setup the way a real remote would.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg(unix)]

mod common;
#[path = "common/nbrepo.rs"]
mod nbrepo;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::OwnedFd;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use gtm_tui::synth::Workload;

/// A listener on 127.0.0.1 that hands each connection, one at a time, to
/// `serve` (which runs git and waits for it). Dropping it stops the loop and
/// joins it, so no child outlives the test.
struct Server {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    fn start(serve: impl Fn(TcpStream) + Send + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if flag.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(conn) = conn {
                    serve(conn);
                }
            }
        });
        Server {
            port,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the blocking accept so the loop sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A git program from git's exec path, or a failure that says what is
/// missing (a test must not pass by skipping).
fn require(program: &str) {
    let out = Command::new("git").arg("--exec-path").output().unwrap();
    let exec = PathBuf::from(String::from_utf8(out.stdout).unwrap().trim());
    assert!(
        exec.join(program).exists(),
        "{program} is not installed in {} (it ships with git)",
        exec.display()
    );
}

/// Server-side git runs with a config of its own, not the machine's.
fn server_git(home: &Path) -> Command {
    let mut c = Command::new("git");
    c.env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("GIT_CONFIG_GLOBAL");
    c
}

/// `git daemon` as inetd would run it: this connection on stdin and stdout.
fn git_daemon(base: PathBuf, home: PathBuf) -> Server {
    require("git-daemon");
    Server::start(move |conn| {
        let out = conn.try_clone().unwrap();
        let _ = server_git(&home)
            .arg("daemon")
            .arg("--inetd")
            .arg("--export-all")
            .arg("--timeout=30")
            .arg(format!("--base-path={}", base.display()))
            .stdin(Stdio::from(OwnedFd::from(conn)))
            .stdout(Stdio::from(OwnedFd::from(out)))
            .stderr(Stdio::null())
            .status();
    })
}

/// A minimal HTTP/1.1 server running `git http-backend` as CGI for each
/// request. With `auth`, requests without that Basic credential get 401,
/// so a client only gets in through the user's credential helper.
fn http_backend(base: PathBuf, home: PathBuf, auth: Option<&'static str>) -> Server {
    require("git-http-backend");
    Server::start(move |conn| http_request(conn, &base, &home, auth))
}

fn http_request(conn: TcpStream, base: &Path, home: &Path, auth: Option<&str>) {
    let mut out = conn.try_clone().unwrap();
    let mut reader = BufReader::new(conn);
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).unwrap();
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    if let Some(want) = auth
        && headers.get("authorization").map(String::as_str) != Some(want)
    {
        let _ = out.write_all(
            b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"test\"\r\n\
              Content-Length: 0\r\nConnection: close\r\n\r\n",
        );
        return;
    }
    if headers.get("expect").is_some_and(|e| e == "100-continue") {
        out.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").unwrap();
    }
    let mut body = Vec::new();
    if headers
        .get("transfer-encoding")
        .is_some_and(|t| t == "chunked")
    {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).unwrap();
            let n = usize::from_str_radix(size.trim(), 16).unwrap();
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk).unwrap();
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    } else if let Some(n) = headers.get("content-length") {
        body.resize(n.parse().unwrap(), 0);
        reader.read_exact(&mut body).unwrap();
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let header = |k: &str| headers.get(k).cloned().unwrap_or_default();
    let mut child = server_git(home)
        .arg("http-backend")
        .env("GIT_PROJECT_ROOT", base)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("REQUEST_METHOD", method)
        .env("PATH_INFO", path)
        .env("QUERY_STRING", query)
        .env("CONTENT_TYPE", header("content-type"))
        .env("CONTENT_LENGTH", body.len().to_string())
        .env("HTTP_CONTENT_ENCODING", header("content-encoding"))
        .env("GIT_PROTOCOL", header("git-protocol"))
        .env("REMOTE_ADDR", "127.0.0.1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(&body);
    });
    let mut cgi = Vec::new();
    child.stdout.take().unwrap().read_to_end(&mut cgi).unwrap();
    let _ = feeder.join();
    let _ = child.wait();
    let split = cgi
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, i + 4))
        .or_else(|| {
            cgi.windows(2)
                .position(|w| w == b"\n\n")
                .map(|i| (i, i + 2))
        })
        .unwrap();
    let head = String::from_utf8_lossy(&cgi[..split.0]).into_owned();
    let mut status = "200 OK".to_string();
    let mut response = String::new();
    for h in head.lines() {
        match h.strip_prefix("Status:") {
            Some(s) => status = s.trim().to_string(),
            None => response.push_str(&format!("{h}\r\n")),
        }
    }
    let _ = out
        .write_all(format!("HTTP/1.1 {status}\r\n{response}Connection: close\r\n\r\n").as_bytes());
    let _ = out.write_all(&cgi[split.1..]);
}

/// A home directory, a cache and a served folder for one test.
struct Setup {
    home: tempfile::TempDir,
    cache: tempfile::TempDir,
    served: tempfile::TempDir,
    server_home: tempfile::TempDir,
}

impl Setup {
    /// `proj` under the served folder: a synth project.
    fn new() -> Setup {
        let s = Setup {
            home: tempfile::tempdir().unwrap(),
            cache: tempfile::tempdir().unwrap(),
            served: tempfile::tempdir().unwrap(),
            server_home: tempfile::tempdir().unwrap(),
        };
        common::workload(
            &s.project(),
            Workload {
                records: 30,
                ..Workload::default()
            },
        );
        s
    }

    fn project(&self) -> PathBuf {
        self.served.path().join("proj")
    }

    fn base(&self) -> PathBuf {
        self.served.path().to_path_buf()
    }

    /// The binary with this test's home and cache and nothing of the
    /// machine's git setup; `envs` add the user's setup under test.
    fn gtm(&self, args: &[&str], envs: &[(&str, &str)]) -> (i32, String, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_gtm-tui"))
            .args(args)
            .env("TZ", "UTC")
            .env("HOME", self.home.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env(gtm_tui::clone::CACHE_ENV, self.cache.path())
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("GIT_CONFIG_GLOBAL")
            .env_remove("GIT_SSH_COMMAND")
            .env_remove("GIT_SSH")
            .env_remove("GIT_ASKPASS")
            .env_remove("GIT_ALLOW_PROTOCOL")
            .envs(envs.iter().copied())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// What `log` prints for the served project read in place.
    fn local_log(&self) -> String {
        let (code, out, err) = common::gtm(&["log", self.project().to_str().unwrap()]);
        assert_eq!(code, 0, "{err}");
        out
    }

    fn copies(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.cache.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

fn push_record(project: &Path, message: &str) {
    common::push_record(project, message, ("Alice Example", "alice@example.com"));
}

#[test]
fn git_daemon_clone_reuse_fetch_and_offline_fallback() {
    let s = Setup::new();
    let server = git_daemon(s.base(), s.server_home.path().to_path_buf());
    let url = format!("git://127.0.0.1:{}/proj", server.port);

    let (code, first, err) = s.gtm(&["log", &url], &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(first, s.local_log(), "the copy reads like the original");
    assert!(
        err.contains("warning") && err.contains("unauthenticated"),
        "git:// is unauthenticated: {err}"
    );
    assert_eq!(s.copies().len(), 1, "one folder, no partial left");

    // Reused: the same folder, fetched into.
    let (dir, outcome) = gtm_tui::clone::fetch_or_clone(&url, s.cache.path()).unwrap();
    assert_eq!(outcome, gtm_tui::clone::Outcome::Updated);
    assert_eq!(dir, s.cache.path().join(&s.copies()[0]));

    push_record(&s.project(), "Pushed later");
    let (code, second, err) = s.gtm(&["log", &url], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("could not fetch"), "{err}");
    assert_eq!(second.lines().count(), first.lines().count() + 1);
    assert!(second.lines().next().unwrap().contains("Pushed later"));
    assert_eq!(second, s.local_log());
    assert_eq!(s.copies().len(), 1);

    // The remote gone: the copy from before, a warning, exit 0.
    drop(server);
    let (code, offline, err) = s.gtm(&["log", &url], &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(offline, second);
    assert!(err.contains("could not fetch"), "{err}");
    let (_, outcome) = gtm_tui::clone::fetch_or_clone(&url, s.cache.path()).unwrap();
    assert!(
        matches!(&outcome, gtm_tui::clone::Outcome::Stale(why) if !why.is_empty()),
        "{outcome:?}"
    );
}

#[test]
fn http_backend_clone_warns_and_fetches() {
    let s = Setup::new();
    let server = http_backend(s.base(), s.server_home.path().to_path_buf(), None);
    let url = format!("http://127.0.0.1:{}/proj", server.port);
    let (code, first, err) = s.gtm(&["log", &url], &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(first, s.local_log());
    assert!(err.contains("unauthenticated"), "{err}");

    push_record(&s.project(), "Pushed over http");
    let (code, second, err) = s.gtm(&["log", &url], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(second.lines().next().unwrap().contains("Pushed over http"));
}

/// The README's `https://` example: the URL is the user's to resolve, here
/// through `insteadOf` to the test server and a credential helper that
/// answers its password challenge, both from the user's own git config.
#[test]
fn https_urls_use_the_users_insteadof_and_credential_helper() {
    let s = Setup::new();
    let server = http_backend(
        s.base(),
        s.server_home.path().to_path_buf(),
        Some("Basic YWxpY2U6c2VjcmV0"),
    );
    std::fs::write(
        s.home.path().join(".gitconfig"),
        format!(
            "[url \"http://127.0.0.1:{}/\"]\n\tinsteadOf = https://reviewer.example/\n\
             [credential]\n\thelper = \"!f() {{ echo username=alice; echo password=secret; }}; f\"\n",
            server.port
        ),
    )
    .unwrap();
    let url = "https://reviewer.example/proj";
    let (code, out, err) = s.gtm(&["log", url], &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, s.local_log());
    assert!(!err.contains("unauthenticated"), "{err}");

    // Without the helper the server refuses, and git must not wait for a
    // password nobody can type (stdin is not a terminal).
    std::fs::write(
        s.home.path().join(".gitconfig"),
        format!(
            "[url \"http://127.0.0.1:{}/\"]\n\tinsteadOf = https://reviewer.example/\n",
            server.port
        ),
    )
    .unwrap();
    std::fs::remove_dir_all(s.cache.path().join(&s.copies()[0])).unwrap();
    let (code, _, err) = s.gtm(&["log", url], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("cloning https://reviewer.example/proj"),
        "{err}"
    );
    assert!(s.copies().is_empty(), "the failed clone left nothing");
}

/// `ssh://` and `git@host:path` go through the user's ssh (here a stand-in
/// named by `GIT_SSH_COMMAND` that runs the remote command locally).
#[test]
fn ssh_urls_go_through_the_users_ssh() {
    let s = Setup::new();
    let log = s.home.path().join("ssh.log");
    let ssh = s.server_home.path().join("fake-ssh");
    std::fs::write(
        &ssh,
        format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\nfor last; do :; done\ncd '{}' && exec sh -c \"$last\"\n",
            log.display(),
            s.base().display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&ssh, std::fs::Permissions::from_mode(0o755)).unwrap();
    let envs = [
        ("GIT_SSH_COMMAND", ssh.to_str().unwrap()),
        ("GIT_SSH_VARIANT", "ssh"),
    ];
    let expected = s.local_log();
    let full = format!("ssh://git@reviewer.example{}", s.project().display());
    for url in [full.as_str(), "git@reviewer.example:proj"] {
        let (code, out, err) = s.gtm(&["log", url], &envs);
        assert_eq!(code, 0, "{url}: {err}");
        assert_eq!(out, expected, "{url}");
        assert!(!err.contains("unauthenticated"), "{err}");
    }
    let calls = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        calls.matches("git@reviewer.example").count(),
        2,
        "one ssh call per clone: {calls}"
    );
    assert_eq!(s.copies().len(), 2);
}

/// The user's global hooks (`core.hooksPath`, `init.templateDir`) run for
/// their own clones, never for gtm-tui's; and gtm-tui's clone and fetch
/// write nothing outside the cache directory.
#[test]
fn cloning_runs_no_hooks_and_writes_only_the_cache() {
    let s = Setup::new();
    let marker = s.server_home.path().join("hook-ran");
    let hook = format!("#!/bin/sh\necho \"$0\" >> '{}'\n", marker.display());
    for dir in ["hooks", "template/hooks"] {
        let d = s.home.path().join(dir);
        std::fs::create_dir_all(&d).unwrap();
        let h = d.join("reference-transaction");
        std::fs::write(&h, &hook).unwrap();
        std::fs::set_permissions(&h, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::write(
        s.home.path().join(".gitconfig"),
        format!(
            "[core]\n\thooksPath = {0}/hooks\n[init]\n\ttemplateDir = {0}/template\n",
            s.home.path().display()
        ),
    )
    .unwrap();
    let url = format!("file://{}", s.project().display());

    // The same setup does run hooks for a plain git clone.
    let control = s.server_home.path().join("control.git");
    let status = Command::new("git")
        .args(["clone", "--quiet", "--bare", &url])
        .arg(&control)
        .env("HOME", s.home.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("GIT_CONFIG_GLOBAL")
        .status()
        .unwrap();
    assert!(status.success());
    assert!(marker.exists(), "the control clone ran the user's hook");
    std::fs::remove_file(&marker).unwrap();

    let before = common::snapshot(s.home.path());
    let (code, _, err) = s.gtm(&["log", &url], &[]);
    assert_eq!(code, 0, "{err}");
    push_record(&s.project(), "Fetched with hooks around");
    let (code, out, err) = s.gtm(&["log", &url], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines()
            .next()
            .unwrap()
            .contains("Fetched with hooks around")
    );
    assert!(
        !marker.exists(),
        "a hook ran: {:?}",
        std::fs::read_to_string(&marker)
    );
    assert_eq!(common::snapshot(s.home.path()), before, "HOME unchanged");

    let copies = s.copies();
    assert_eq!(copies.len(), 1, "{copies:?}");
    let copy = s.cache.path().join(&copies[0]);
    assert!(
        !copy.join("hooks").exists(),
        "no hooks copied from a template"
    );
    let config = git2::Repository::open_bare(&copy)
        .unwrap()
        .config()
        .unwrap();
    assert_eq!(
        config.get_string("core.hooksPath").unwrap(),
        "/dev/null",
        "git run in the copy later runs no hooks either"
    );
}

/// Only https, http, ssh, git and file: `ext::` runs a command of the
/// URL's choosing, and an unknown scheme gets a sentence, not git's error.
#[test]
fn other_transports_are_refused() {
    let s = Setup::new();
    let marker = s.server_home.path().join("ext-ran");
    let ext = format!("ext::sh -c touch% {}", marker.display());
    let err = gtm_tui::clone::fetch_or_clone(&ext, s.cache.path()).unwrap_err();
    assert!(err.to_string().contains("https, ssh"), "{err}");
    assert!(!marker.exists());
    let (code, _, err) = s.gtm(&["log", "gopher://reviewer.example/proj"], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("gopher") && err.contains("https, ssh"),
        "{err}"
    );
    assert!(s.copies().is_empty());
}

/// An https URL that the user's `insteadOf` rewrites to `ext::` (which runs
/// a command) is refused by git under gtm-tui's list of transports, even
/// with `protocol.ext.allow=always` in the user's configuration.
#[test]
fn insteadof_cannot_turn_a_url_into_a_command() {
    let s = Setup::new();
    let marker = s.server_home.path().join("ext-ran");
    std::fs::write(
        s.home.path().join(".gitconfig"),
        format!(
            "[protocol \"ext\"]\n\tallow = always\n[url \"ext::sh -c touch% {}% \"]\n\tinsteadOf = https://evil.example/\n",
            marker.display()
        ),
    )
    .unwrap();
    let (code, _, err) = s.gtm(&["log", "https://evil.example/proj"], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(!marker.exists(), "the ext:: command ran");
    assert!(s.copies().is_empty(), "{:?}", s.copies());
}

/// Without git on PATH a URL cannot be fetched: say so.
#[test]
fn missing_git_is_named() {
    let s = Setup::new();
    let empty = tempfile::tempdir().unwrap();
    let url = format!("file://{}", s.project().display());
    let (code, _, err) = s.gtm(&["log", &url], &[("PATH", empty.path().to_str().unwrap())]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("git") && err.contains("PATH"), "{err}");
}

/// Run from a hook or an alias, gtm-tui inherits variables that point git
/// at that repository; the clone and the fetch must still go to the cache.
#[test]
fn an_outer_repositorys_git_variables_are_ignored() {
    let s = Setup::new();
    let outer = s.server_home.path().join("outer");
    std::fs::create_dir_all(outer.join("objects")).unwrap();
    let url = format!("file://{}", s.project().display());
    let objects = outer.join("objects");
    let envs = [
        ("GIT_DIR", outer.to_str().unwrap()),
        ("GIT_OBJECT_DIRECTORY", objects.to_str().unwrap()),
    ];
    for _ in 0..2 {
        let (code, out, err) = s.gtm(&["log", &url], &envs);
        assert_eq!(code, 0, "{err}");
        assert_eq!(out, s.local_log());
        push_record(&s.project(), "One more");
    }
    assert_eq!(
        common::snapshot(&outer).len(),
        1,
        "{:?}",
        common::snapshot(&outer)
    );
}

/// A folder in the cache that holds another URL's copy (a hash collision, or
/// a copy planted by someone who can write the cache) is never read as this
/// URL's project: it is cloned anew.
#[test]
fn a_copy_of_another_url_is_not_reused() {
    let s = Setup::new();
    let server = git_daemon(s.base(), s.server_home.path().to_path_buf());
    let url = format!("git://127.0.0.1:{}/proj", server.port);
    // A planted copy under the folder this URL maps to, from elsewhere.
    let other = tempfile::tempdir().unwrap();
    common::workload(
        other.path(),
        Workload {
            records: 5,
            seed: 99,
            ..Workload::default()
        },
    );
    let planted = s.cache.path().join(gtm_tui::clone::folder_for(&url));
    let status = Command::new("git")
        .args(["clone", "--bare", "-q"])
        .arg(other.path())
        .arg(&planted)
        .status()
        .unwrap();
    assert!(status.success());
    let (code, out, err) = s.gtm(&["log", &url], &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        s.local_log(),
        "the URL's own history, not the planted one"
    );
}

/// `protocol.<name>.allow=never` in the user's git configuration still
/// holds: gtm-tui lets git use fewer transports, never more.
#[test]
fn the_users_protocol_bans_hold() {
    let s = Setup::new();
    let server = git_daemon(s.base(), s.server_home.path().to_path_buf());
    let url = format!("git://127.0.0.1:{}/proj", server.port);
    std::fs::write(
        s.home.path().join(".gitconfig"),
        "[protocol \"git\"]\n\tallow = never\n",
    )
    .unwrap();
    let (code, out, err) = s.gtm(&["log", &url], &[]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("not allowed"), "{err}");
    assert!(
        s.copies().is_empty(),
        "nothing left behind: {:?}",
        s.copies()
    );
}

/// A token in the URL (`https://user:token@host/…`) is not repeated on the
/// screen.
#[test]
fn credentials_in_a_url_are_not_echoed() {
    let s = Setup::new();
    let server = http_backend(s.base(), s.server_home.path().to_path_buf(), None);
    let url = format!("http://alice:s3cr3t-token@127.0.0.1:{}/proj", server.port);
    let (code, _, err) = s.gtm(&["log", &url], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("s3cr3t"), "{err}");
    assert!(
        err.contains("127.0.0.1"),
        "the rest of the URL is said: {err}"
    );
    drop(server);
    let (_, _, err) = s.gtm(&["log", &url], &[]);
    assert!(
        err.contains("could not fetch") && !err.contains("s3cr3t"),
        "{err}"
    );
}

#[test]
fn a_notebook_repository_by_url_reads_as_notebooks() {
    let s = Setup::new();
    let local = s.base().join("notebooks");
    nbrepo::write(&local);
    let server = git_daemon(s.base(), s.server_home.path().to_path_buf());
    let url = format!("git://127.0.0.1:{}/notebooks", server.port);
    // The copy is a bare mirror: the source is told from its tree at the ref, as in place.
    let (code, copy, err) = s.gtm(&["log", &url], &[]);
    assert_eq!(code, 0, "{err}");
    let (code, here, err) = common::gtm(&["log", local.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(copy, here);
    assert!(copy.contains("plots/figures.ipynb"), "{copy}");
    let (code, stats, err) = s.gtm(&["stats", &url], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(stats.contains("analysis.ipynb"), "{stats}");
}
