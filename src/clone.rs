//! Collaborators' projects by URL: `gtm-tui URL` mirrors the repository
//! into the cache directory once, reuses the copy after (fetching what is
//! new when the remote answers), and reads it like any other project.
//!
//! The network step runs the system `git`, so a reviewer's URL works the
//! way it does for their own `git clone`: credential helpers, ssh keys and
//! agent, `~/.ssh/config`, proxies and `insteadOf` all apply. Everything
//! after the network step is git2, which is built without TLS or ssh.

use std::ffi::OsString;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

/// Overrides where clones go (tests, or a disk with more room).
pub const CACHE_ENV: &str = "GTM_TUI_CACHE";

#[derive(Debug, thiserror::Error)]
pub enum CloneError {
    #[error("no cache directory on this system: set {CACHE_ENV}")]
    NoCache,
    #[error(
        "cannot read {url}: gtm-tui fetches https, ssh, git, http and file URLs \
         (and user@host:path)"
    )]
    Transport { url: String },
    #[error("cloning {url} needs git, which is not on PATH")]
    NoGit { url: String },
    #[error("cloning {url}: {message}")]
    Clone { url: String, message: String },
    #[error("creating {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What [`fetch_or_clone`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Cloned,
    /// Reused the cached copy and fetched into it.
    Updated,
    /// Reused the cached copy; fetching failed (offline?), why.
    Stale(String),
}

/// The ways of reaching a remote that gtm-tui lets git use. Others are
/// refused: `ext::` runs a command named by the URL, and remote helpers
/// the user did not ask for have no place in reading a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Https,
    Http,
    Ssh,
    Git,
    File,
}

/// Names as git's `GIT_ALLOW_PROTOCOL` spells them (scp-like is `ssh`).
const ALLOWED: [&str; 5] = ["https", "http", "ssh", "git", "file"];

impl Transport {
    /// The transport of a URL, or `None` for one gtm-tui does not fetch.
    pub fn of(url: &str) -> Option<Transport> {
        if let Some((scheme, _)) = url.split_once("://") {
            return match scheme.to_ascii_lowercase().as_str() {
                "https" => Some(Transport::Https),
                "http" => Some(Transport::Http),
                "ssh" | "git+ssh" | "ssh+git" => Some(Transport::Ssh),
                "git" => Some(Transport::Git),
                "file" => Some(Transport::File),
                _ => None,
            };
        }
        scp_like(url).then_some(Transport::Ssh)
    }

    /// Whether the remote proves who it is: over `http://` and `git://`
    /// anyone on the network path can hand over a different history.
    pub fn authenticated(self) -> bool {
        !matches!(self, Transport::Http | Transport::Git)
    }
}

/// `user@host:path`, as git reads it; a host starting with `-` would be
/// an option to ssh.
fn scp_like(arg: &str) -> bool {
    match arg.split_once(':') {
        Some((host, path)) => {
            host.contains('@') && !host.contains('/') && !host.starts_with('-') && !path.is_empty()
        }
        None => false,
    }
}

/// Whether an argument names a remote repository rather than a directory:
/// `scheme://…`, or scp-like `user@host:path` that is not a local path.
pub fn is_url(arg: &str) -> bool {
    if arg.contains("://") {
        return true;
    }
    !Path::new(arg).exists() && scp_like(arg)
}

/// Where clones are kept.
pub fn cache_root() -> Result<PathBuf, CloneError> {
    if let Some(dir) = std::env::var_os(CACHE_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "gtm-tui")
        .map(|d| d.cache_dir().join("clones"))
        .ok_or(CloneError::NoCache)
}

/// The cache folder for a URL: readable, and distinct per URL.
pub fn folder_for(url: &str) -> String {
    let trimmed = url.trim_end_matches('/').trim_end_matches(".git");
    let last = trimmed.rsplit(['/', ':']).next().unwrap_or("project");
    let name: String = last
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(60)
        .collect();
    // SHA-256, cut to 96 bits: stable across runs and releases, and no
    // one can make another URL land in this URL's folder (a 32-bit hash
    // let a stranger's URL be found in a minute). The copy's own origin is
    // checked as well before it is reused.
    use sha2::Digest;
    let digest = sha2::Sha256::digest(url.as_bytes());
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("{name}-{hex}")
}

/// The URL as it may be shown: a password or token in it
/// (`https://user:token@host/…`) is left out.
pub fn shown(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let host_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(host_end);
    match authority.rsplit_once('@') {
        Some((user, host)) => {
            let user = user.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:…@{host}{path}")
        }
        None => url.to_string(),
    }
}

/// Whether the copy in `dir` was cloned from `url` (its `origin` says so).
fn is_copy_of(dir: &Path, url: &str) -> bool {
    git2::Repository::open_bare(dir)
        .and_then(|r| {
            let origin = r.find_remote("origin")?;
            Ok(origin.url_bytes() == url.as_bytes())
        })
        .unwrap_or(false)
}

/// Every branch of the remote as a branch of the copy, so the branch
/// picker and `--rev gm.workspace-…` see them all, and a fetch moves them.
const MIRROR: &str = "+refs/heads/*:refs/heads/*";

/// Variables that point git at a repository (what `git rev-parse
/// --local-env-vars` lists, less the user's configuration, and
/// `GIT_NAMESPACE`): set when gtm-tui runs inside a hook or an alias, they
/// would make git fetch into that repository instead of the cache.
const REPOSITORY_ENV: [&str; 13] = [
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_IMPLICIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_GRAFT_FILE",
    "GIT_SHALLOW_FILE",
    "GIT_NO_REPLACE_OBJECTS",
    "GIT_REPLACE_REF_BASE",
    "GIT_PREFIX",
    "GIT_NAMESPACE",
];

/// The transports of [`ALLOWED`] that the user allows too. git takes
/// `GIT_ALLOW_PROTOCOL` over its `protocol.*.allow` settings, so setting it
/// alone would turn back on a transport the user or an administrator
/// banned: those set to `never` (by name, or all through `protocol.allow`
/// without a setting of their own) are left out, and a `GIT_ALLOW_PROTOCOL`
/// of the user's narrows the list further.
fn allowed_protocols() -> Vec<&'static str> {
    let config = git2::Config::open_default().ok();
    let policy = |key: &str| config.as_ref().and_then(|c| c.get_string(key).ok());
    let default = policy("protocol.allow");
    let theirs = std::env::var("GIT_ALLOW_PROTOCOL").ok();
    ALLOWED
        .into_iter()
        .filter(|p| {
            let own = policy(&format!("protocol.{p}.allow"));
            own.or_else(|| default.clone()).as_deref() != Some("never")
        })
        .filter(|p| {
            theirs
                .as_deref()
                .is_none_or(|t| t.split(':').any(|t| t == *p))
        })
        .collect()
}

/// A `git` command for the network step, run in `cwd`.
///
/// The user's configuration applies (that is the point), with settings
/// after it for this run only: no hooks (`core.hooksPath=/dev/null`: a
/// global hooks directory would otherwise run its reference-transaction
/// hook for every ref the clone writes), no automatic gc or maintenance
/// (they may detach and outlive gtm-tui), and only the transports in
/// [`ALLOWED`] (also for a URL that `insteadOf` rewrote), narrowed further
/// if the user set `GIT_ALLOW_PROTOCOL`.
fn git(cwd: &Path) -> Command {
    let mut c = Command::new("git");
    c.args([
        "-c",
        "core.hooksPath=/dev/null",
        "-c",
        "gc.auto=0",
        "-c",
        "maintenance.auto=false",
    ]);
    for var in REPOSITORY_ENV {
        c.env_remove(var);
    }
    c.env("GIT_ALLOW_PROTOCOL", allowed_protocols().join(":"));
    // A reviewer at a terminal may have a password to type (git and ssh
    // ask on the terminal itself); in a script nobody would answer.
    if !std::io::stdin().is_terminal() {
        c.env("GIT_TERMINAL_PROMPT", "0").stdin(Stdio::null());
    }
    // stdout is the command's output (`gtm-tui export URL > file`).
    c.current_dir(cwd)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

/// `--progress` when someone watches (git's output is echoed live),
/// else `--quiet`: git's text then only serves as the reason of a failure.
fn progress_flag() -> &'static str {
    if std::io::stderr().is_terminal() {
        "--progress"
    } else {
        "--quiet"
    }
}

enum GitFailure {
    NotFound,
    Failed(String),
}

/// How much of git's stderr is kept for the reason of a failure.
const KEEP_STDERR: usize = 64 * 1024;

/// Runs `cmd` to the end, echoing its stderr to a terminal as it comes,
/// made visible (the remote's `remote:` lines come through it).
fn run(mut cmd: Command) -> Result<(), GitFailure> {
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(GitFailure::NotFound),
        Err(e) => return Err(GitFailure::Failed(format!("running git: {e}"))),
    };
    let live = std::io::stderr().is_terminal();
    let mut text = Vec::new();
    let mut echoed: usize = 0;
    if let Some(mut err) = child.stderr.take() {
        let mut buf = [0u8; 8192];
        loop {
            let n = match err.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            text.extend_from_slice(&buf[..n]);
            // A remote can send `remote:` lines without end: keep the tail,
            // which holds the reason of a failure.
            if text.len() > 2 * KEEP_STDERR {
                let cut = text.len() - KEEP_STDERR;
                text.drain(..cut);
                echoed = echoed.saturating_sub(cut);
            }
            if live {
                // Whole lines only, so a character split between reads
                // is not mangled; progress lines end in `\r`.
                if let Some(end) = text.iter().rposition(|&b| b == b'\n' || b == b'\r') {
                    echo(&text[echoed..=end]);
                    echoed = end + 1;
                }
            }
        }
    }
    if live && echoed < text.len() {
        echo(&text[echoed..]);
    }
    match child.wait() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(GitFailure::Failed(reason(&text, status))),
        Err(e) => Err(GitFailure::Failed(format!("waiting for git: {e}"))),
    }
}

fn echo(bytes: &[u8]) {
    let shown = visible(&String::from_utf8_lossy(bytes), true);
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(shown.as_bytes());
    let _ = err.flush();
}

/// One line saying why git failed: what it printed (as a terminal would
/// have shown it, progress redraws resolved), less its boilerplate.
fn reason(stderr: &[u8], status: ExitStatus) -> String {
    const BOILERPLATE: [&str; 3] = [
        "Cloning into",
        "Please make sure you have the correct access rights",
        "and the repository exists.",
    ];
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text
        .split('\n')
        .filter_map(|l| l.rsplit('\r').map(str::trim).find(|s| !s.is_empty()))
        .filter(|l| !l.starts_with("hint:") && !BOILERPLATE.iter().any(|b| l.starts_with(b)))
        .map(|l| {
            l.strip_prefix("fatal: ")
                .or_else(|| l.strip_prefix("error: "))
                .unwrap_or(l)
        })
        .collect();
    match lines.get(lines.len().saturating_sub(4)..) {
        Some(last) if !last.is_empty() => visible(&last.join("; "), false),
        _ => format!("git exited with {status}"),
    }
}

/// Text from a remote through the one sanitiser (see
/// [`crate::render::sanitize`]), so it cannot move the cursor, retitle the window
/// or hide what came before. `\n` and `\t` stay, and `\r` too when
/// `keep_cr` (git redraws its progress line with it).
fn visible(text: &str, keep_cr: bool) -> String {
    let keep: &[char] = if keep_cr {
        &['\n', '\t', '\r']
    } else {
        &['\n', '\t']
    };
    crate::render::sanitize::keeping(text, keep).into_owned()
}

/// The local copy of `url` under `root`, cloned if new, else fetched.
pub fn fetch_or_clone(url: &str, root: &Path) -> Result<(PathBuf, Outcome), CloneError> {
    if Transport::of(url).is_none() {
        return Err(CloneError::Transport { url: shown(url) });
    }
    let dir = root.join(folder_for(url));
    if is_copy_of(&dir, url) {
        let mut git_dir = OsString::from("--git-dir=");
        git_dir.push(&dir);
        let mut cmd = git(&dir);
        cmd.arg(git_dir)
            .args(["fetch", progress_flag(), "origin", MIRROR]);
        return Ok(match run(cmd) {
            Ok(()) => (dir, Outcome::Updated),
            Err(GitFailure::NotFound) => (dir, Outcome::Stale("git is not on PATH".into())),
            Err(GitFailure::Failed(why)) => (dir, Outcome::Stale(why)),
        });
    }
    std::fs::create_dir_all(root).map_err(|source| CloneError::Io {
        path: root.to_path_buf(),
        source,
    })?;
    // Clone into a temporary name first: an interrupted clone must not
    // leave a half copy that the next run would take as the project.
    // The process id keeps two gtm-tui cloning the same URL at once from
    // removing each other's partial copy.
    let partial = root.join(format!(
        ".{}.{}.partial",
        folder_for(url),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&partial);
    let failed = |message: String| {
        let _ = std::fs::remove_dir_all(&partial);
        CloneError::Clone {
            url: shown(url),
            message,
        }
    };
    // Bare, so nothing is checked out; an empty template, so the user's
    // `init.templateDir` puts no hooks in the copy; and the copy keeps
    // `core.hooksPath=/dev/null` for whoever runs git in it later.
    let mut cmd = git(root);
    cmd.args([
        "clone",
        "--bare",
        "--template=",
        "--config",
        "core.hooksPath=/dev/null",
        progress_flag(),
        "--",
        url,
    ])
    .arg(&partial);
    match run(cmd) {
        Ok(()) => {}
        Err(GitFailure::NotFound) => {
            let _ = std::fs::remove_dir_all(&partial);
            return Err(CloneError::NoGit { url: shown(url) });
        }
        Err(GitFailure::Failed(why)) => return Err(failed(why)),
    }
    // A bare clone records no fetch refspec (and `--config` would add a
    // second, conflicting one for the clone itself): set the mirror's now.
    git2::Repository::open_bare(&partial)
        .and_then(|r| r.config()?.set_str("remote.origin.fetch", MIRROR))
        .map_err(|e| failed(e.message().to_string()))?;
    // A folder of that name that is not this URL's copy (planted, or from
    // an older naming) gives way to the new clone.
    if dir.exists() && !is_copy_of(&dir, url) {
        std::fs::remove_dir_all(&dir).map_err(|source| CloneError::Io {
            path: dir.clone(),
            source,
        })?;
    }
    if let Err(source) = std::fs::rename(&partial, &dir) {
        let _ = std::fs::remove_dir_all(&partial);
        // Another gtm-tui finished the same clone first: use its copy.
        if !is_copy_of(&dir, url) {
            return Err(CloneError::Io {
                path: dir.clone(),
                source,
            });
        }
    }
    Ok((dir, Outcome::Cloned))
}

/// `arg` as a local directory: itself, or for a URL the cached copy
/// (saying on stderr what was done, since the first clone takes a while).
pub fn local(arg: &Path) -> Result<PathBuf, CloneError> {
    let Some(text) = arg.to_str().filter(|s| is_url(s)) else {
        return Ok(arg.to_path_buf());
    };
    let root = cache_root()?;
    if Transport::of(text).is_some_and(|t| !t.authenticated()) {
        crate::render::sanitize::warn(format_args!(
            "warning: {} is an unauthenticated transport: \
             anyone on the network path could change the history you read",
            shown(text)
        ));
    }
    crate::render::sanitize::warn(format_args!(
        "reading {} (copy kept in {})",
        shown(text),
        root.display()
    ));
    let (dir, outcome) = fetch_or_clone(text, &root)?;
    if let Outcome::Stale(why) = outcome {
        crate::render::sanitize::warn(format_args!(
            "could not fetch, showing the copy from before: {why}"
        ));
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_paths() {
        assert!(is_url("https://github.com/alice/churn.git"));
        assert!(is_url("file:///tmp/x"));
        assert!(is_url("git@github.com:alice/churn.git"));
        assert!(!is_url("."));
        assert!(!is_url("projects/churn"));
        assert!(!is_url("C"));
        assert!(!is_url("ext::sh -c id"), "a helper address is not a URL");
        assert!(!is_url("-oProxyCommand=x@host:y"));
    }

    #[test]
    fn transports() {
        use Transport::*;
        for (url, t) in [
            ("https://github.com/alice/churn.git", Some(Https)),
            ("HTTP://host/churn", Some(Http)),
            ("ssh://git@host:2222/alice/churn", Some(Ssh)),
            ("git+ssh://host/churn", Some(Ssh)),
            ("git@github.com:alice/churn.git", Some(Ssh)),
            ("git://host/churn", Some(Git)),
            ("file:///srv/churn", Some(File)),
            ("ext::sh -c id", None),
            ("fd::3", None),
            ("gopher://host/churn", None),
            ("persistent-https://host/churn", None),
        ] {
            assert_eq!(Transport::of(url), t, "{url}");
        }
        assert!(!Http.authenticated() && !Git.authenticated());
        assert!(Https.authenticated() && Ssh.authenticated() && File.authenticated());
    }

    #[test]
    fn remote_text_is_made_visible() {
        assert_eq!(
            visible("remote: \u{1b}]0;pwned\u{7}hi\u{7f}\u{9b}2J\tok\r\n", false),
            "remote: ^[]0;pwned^Ghi^?\\u{9b}2J\tok^M\n"
        );
        assert_eq!(visible("50%\r51%\r", true), "50%\r51%\r");
    }

    #[cfg(unix)]
    #[test]
    fn one_line_reason() {
        use std::os::unix::process::ExitStatusExt;
        let status = ExitStatus::from_raw(128 << 8);
        let stderr = b"Cloning into bare repository 'x'...\n\
            ssh: connect to host h port 22: Connection refused\r\n\
            fatal: Could not read from remote repository.\n\n\
            Please make sure you have the correct access rights\n\
            and the repository exists.\n";
        assert_eq!(
            reason(stderr, status),
            "ssh: connect to host h port 22: Connection refused; \
             Could not read from remote repository."
        );
        assert_eq!(
            reason(
                b"Receiving 1%\rReceiving 2%\rfatal: early EOF\x1b[31m\n",
                status
            ),
            "early EOF^[[31m"
        );
        assert!(reason(b"", status).starts_with("git exited with"));
    }

    #[test]
    fn secrets_in_urls_are_not_shown() {
        assert_eq!(
            shown("https://alice:tok@host.example/a/b.git"),
            "https://alice:…@host.example/a/b.git"
        );
        assert_eq!(shown("https://host/a@b"), "https://host/a@b");
        assert_eq!(shown("git@host:x/y.git"), "git@host:x/y.git");
    }

    #[test]
    fn folders_are_readable_and_distinct() {
        let a = folder_for("https://github.com/alice/churn.git");
        let b = folder_for("https://github.com/bob/churn.git");
        assert!(a.starts_with("churn-"), "{a}");
        assert_ne!(a, b);
        assert_eq!(a, folder_for("https://github.com/alice/churn.git"));
        assert!(
            folder_for("git@host:x/../../etc")
                .chars()
                .all(|c| c != '/' && c != '.')
        );
    }
}
