//! Helpers of the pack tests: git's own checks of a written pack and small test data.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use git2::Oid;

/// Runs `git fsck --full --strict` on a bare repository and fails on any problem.
pub(super) fn assert_fsck_clean(path: &Path) {
    let out = Command::new("git")
        .arg("--git-dir")
        .arg(path)
        .args(["fsck", "--full", "--strict", "--no-progress"])
        .output()
        .expect("run git fsck");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "git fsck failed:\n{stdout}\n{stderr}");
    for line in stderr.lines().chain(stdout.lines()) {
        assert!(
            !(line.starts_with("error")
                || line.starts_with("warning")
                || line.starts_with("fatal")),
            "git fsck complained: {line}\n{stdout}\n{stderr}"
        );
    }
}

/// How `git verify-pack -v` lists an object.
#[derive(Debug)]
pub(super) struct Packed {
    /// Bytes of its entry in the pack.
    pub(super) stored: u64,
    /// Its delta base, if it is stored as a delta.
    pub(super) base: Option<Oid>,
}

/// Every object in the repository's packs, per `git verify-pack -v`.
pub(super) fn packed_objects(path: &Path) -> HashMap<Oid, Packed> {
    let mut objects = HashMap::new();
    for idx in pack_files(path)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "idx"))
    {
        let out = Command::new("git")
            .arg("--git-dir")
            .arg(path)
            .args(["verify-pack", "-v"])
            .arg(&idx)
            .output()
            .expect("run git verify-pack");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.first().is_some_and(|f| f.len() == 40) {
                let packed = Packed {
                    stored: fields[3].parse().unwrap(),
                    base: fields.get(6).map(|b| Oid::from_str(b).unwrap()),
                };
                objects.insert(Oid::from_str(fields[0]).unwrap(), packed);
            }
        }
    }
    objects
}

/// The longest delta chain in the repository's packs, per `git verify-pack -v`.
pub(super) fn max_chain_length(path: &Path) -> usize {
    let mut max = 0;
    for entry in std::fs::read_dir(path.join("objects/pack")).expect("pack dir") {
        let idx = entry.expect("dir entry").path();
        if idx.extension().is_some_and(|e| e == "idx") {
            let out = Command::new("git")
                .arg("--git-dir")
                .arg(path)
                .arg("verify-pack")
                .arg("-v")
                .arg(&idx)
                .output()
                .expect("run git verify-pack");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            for line in String::from_utf8_lossy(&out.stdout).lines() {
                if let Some(rest) = line.strip_prefix("chain length = ") {
                    let n: usize = rest.split(':').next().unwrap().trim().parse().unwrap();
                    max = max.max(n);
                }
            }
        }
    }
    max
}

pub(super) fn pack_files(path: &Path) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(path.join("objects/pack"))
        .expect("pack dir")
        .map(|e| e.expect("dir entry").path())
        .collect();
    files.sort();
    files
}

/// Deterministic pseudo-random bytes (incompressible enough to exercise big entries).
pub(super) fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}
