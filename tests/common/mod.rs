//! Shared helpers for integration tests: synth projects in temp dirs and the binary.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

pub mod screens;

use gtm_tui::synth::{Workload, Written};

pub fn workload(dir: &Path, w: Workload) -> Written {
    w.generate(dir).expect("synth writes the project")
}

/// Runs the real binary with args; returns (exit code, stdout, stderr).
pub fn gtm(args: &[&str]) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(env!("CARGO_BIN_EXE_gtm-tui"))
        .args(args)
        .env("TZ", "UTC")
        .output()
        .expect("binary runs");
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}
