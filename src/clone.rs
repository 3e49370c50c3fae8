//! Collaborators' projects by URL: `gtm-tui URL` mirrors the repository
//! into the cache directory once, reuses the copy after (fetching what is
//! new when the remote answers), and reads it like any other project.

use std::path::{Path, PathBuf};

/// Overrides where clones go (tests, or a disk with more room).
pub const CACHE_ENV: &str = "GTM_TUI_CACHE";

#[derive(Debug, thiserror::Error)]
pub enum CloneError {
    #[error("no cache directory on this system: set {CACHE_ENV}")]
    NoCache,
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

/// Whether an argument names a remote repository rather than a directory:
/// `scheme://…`, or scp-like `user@host:path` that is not a local path.
pub fn is_url(arg: &str) -> bool {
    if arg.contains("://") {
        return true;
    }
    if Path::new(arg).exists() {
        return false;
    }
    match arg.split_once(':') {
        Some((host, path)) => host.contains('@') && !host.contains('/') && !path.is_empty(),
        None => false,
    }
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
    // FNV-1a: stable across runs and Rust releases, unlike std's hasher.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in url.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{name}-{:08x}", h as u32)
}

/// Every branch of the remote as a branch of the copy, so the branch
/// picker and `--rev gm.workspace-…` see them all, and a fetch moves them.
const MIRROR: &str = "+refs/heads/*:refs/heads/*";

/// The local copy of `url` under `root`, cloned if new, else fetched.
pub fn fetch_or_clone(url: &str, root: &Path) -> Result<(PathBuf, Outcome), CloneError> {
    let dir = root.join(folder_for(url));
    if let Ok(repo) = git2::Repository::open_bare(&dir) {
        let fetched = repo
            .find_remote("origin")
            .and_then(|mut r| r.fetch(&[MIRROR], None, None));
        return Ok(match fetched {
            Ok(()) => (dir, Outcome::Updated),
            Err(e) => (dir, Outcome::Stale(e.message().to_string())),
        });
    }
    std::fs::create_dir_all(root).map_err(|source| CloneError::Io {
        path: root.to_path_buf(),
        source,
    })?;
    // Clone into a temporary name first: an interrupted clone must not
    // leave a half copy that the next run would take as the project.
    let partial = root.join(format!(".{}.partial", folder_for(url)));
    let _ = std::fs::remove_dir_all(&partial);
    let mut builder = git2::build::RepoBuilder::new();
    builder.bare(true);
    builder.remote_create(|repo, name, url| repo.remote_with_fetch(name, url, MIRROR));
    let cloned = builder.clone(url, &partial).map_err(|e| CloneError::Clone {
        url: url.to_string(),
        message: e.message().to_string(),
    });
    if let Err(e) = cloned {
        let _ = std::fs::remove_dir_all(&partial);
        return Err(e);
    }
    std::fs::rename(&partial, &dir).map_err(|source| CloneError::Io {
        path: dir.clone(),
        source,
    })?;
    Ok((dir, Outcome::Cloned))
}

/// `arg` as a local directory: itself, or for a URL the cached copy
/// (saying on stderr what was done, since the first clone takes a while).
pub fn local(arg: &Path) -> Result<PathBuf, CloneError> {
    let Some(text) = arg.to_str().filter(|s| is_url(s)) else {
        return Ok(arg.to_path_buf());
    };
    let root = cache_root()?;
    eprintln!("gtm-tui: reading {text} (copy kept in {})", root.display());
    let (dir, outcome) = fetch_or_clone(text, &root)?;
    if let Outcome::Stale(why) = outcome {
        eprintln!("gtm-tui: could not fetch, showing the copy from before: {why}");
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
