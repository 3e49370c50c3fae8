//! Saving image bytes to a file and opening a file in the system viewer.

use std::fs::OpenOptions;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::decode::not_an_image;
use crate::activity::image::sniff;

/// A file name stem that stays inside the target directory: path
/// separators and control characters become `_`, leading dots go (no
/// hidden files, no `..`), and an empty result becomes `image`.
fn safe_stem(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c == ':' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .take(120)
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    if trimmed.is_empty() {
        "image".to_string()
    } else {
        trimmed.to_string()
    }
}

/// Writes image bytes to `dir/<name>.<ext>` with the extension from the
/// sniffed format (jpg/png/gif/bmp), never overwriting an existing file
/// (`name-1.ext`, `name-2.ext`, …); returns the path.
///
/// `name` is made safe for a file name first (see the source). Bytes that
/// are not a recognised image are refused with `InvalidData`. Files are
/// created with `create_new`, so a file appearing meanwhile is not
/// clobbered either; a failed write removes its partial file.
pub fn save(bytes: &[u8], dir: &Path, name: &str) -> io::Result<PathBuf> {
    let format = sniff(bytes).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}; not saved", not_an_image(bytes)),
        )
    })?;
    let ext = format.extension();
    let stem = safe_stem(name);
    for n in 0..10_000u32 {
        let file = if n == 0 {
            format!("{stem}.{ext}")
        } else {
            format!("{stem}-{n}.{ext}")
        };
        let path = dir.join(file);
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(mut f) => {
                if let Err(e) = f.write_all(bytes).and_then(|()| f.flush()) {
                    let _ = std::fs::remove_file(&path);
                    return Err(e);
                }
                return Ok(path);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!(
            "{stem}.{ext} and 9999 numbered variants already exist in {}",
            dir.display()
        ),
    ))
}

/// Which program opens files, or why none can.
fn viewer_program(
    macos: bool,
    get: impl Fn(&str) -> Option<String>,
) -> Result<&'static str, String> {
    if macos {
        return Ok("open");
    }
    let set = |name: &str| get(name).is_some_and(|v| !v.is_empty());
    if set("DISPLAY") || set("WAYLAND_DISPLAY") {
        Ok("xdg-open")
    } else {
        Err("no display: use s to save the image instead".to_string())
    }
}

/// Opens a file in the system viewer when a display is available
/// (`DISPLAY` or `WAYLAND_DISPLAY` set, or macOS): `xdg-open` / `open`,
/// spawned detached (own process group, stdio null, reaped by a
/// background thread) so it neither writes over the TUI nor gets the
/// TUI's Ctrl-C. Errors are messages for the status line, such as
/// `"no display: use s to save the image instead"`.
pub fn open_in_viewer(path: &Path) -> Result<(), String> {
    let program = viewer_program(cfg!(target_os = "macos"), |name| {
        std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
    })?;
    if !path.is_file() {
        return Err(format!("{}: no such file", path.display()));
    }
    let mut cmd = Command::new(program);
    cmd.arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt as _;
        cmd.process_group(0);
    }
    let mut child = cmd.spawn().map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            format!("{program} not found: use s to save the image instead")
        } else {
            format!("{program}: {e}")
        }
    })?;
    // Waited for so it leaves no zombie; if no thread can be started the
    // child is merely reaped when the TUI exits.
    let _ = std::thread::Builder::new()
        .name("image-viewer".to_string())
        .spawn(move || child.wait());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::image::test_util::{asset, encode, env, red_over_blue};
    use ::image::ImageFormat;

    #[test]
    fn save_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let jpg = asset("plot.jpg");
        let a = save(&jpg, dir.path(), "plot").unwrap();
        let b = save(&asset("hist.jpg"), dir.path(), "plot").unwrap();
        let c = save(&jpg, dir.path(), "plot").unwrap();
        assert_eq!(a, dir.path().join("plot.jpg"));
        assert_eq!(b, dir.path().join("plot-1.jpg"));
        assert_eq!(c, dir.path().join("plot-2.jpg"));
        assert_eq!(std::fs::read(&a).unwrap(), jpg);
        assert_eq!(std::fs::read(&b).unwrap(), asset("hist.jpg"));
        let png = encode(&red_over_blue(), ImageFormat::Png);
        let d = save(&png, dir.path(), "../../etc/x").unwrap();
        assert_eq!(d.parent(), Some(dir.path()));
        assert_eq!(d.extension().and_then(|e| e.to_str()), Some("png"));
        assert_eq!(
            save(&png, dir.path(), "").unwrap(),
            dir.path().join("image.png")
        );
        let e = save(b"hello", dir.path(), "text").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert!(!dir.path().join("text").exists());
    }

    #[test]
    fn viewer_needs_a_display() {
        let e = viewer_program(false, env(&[])).unwrap_err();
        assert_eq!(e, "no display: use s to save the image instead");
        assert!(viewer_program(false, env(&[("DISPLAY", "")])).is_err());
        assert_eq!(
            viewer_program(false, env(&[("DISPLAY", ":0")])),
            Ok("xdg-open")
        );
        assert_eq!(
            viewer_program(false, env(&[("WAYLAND_DISPLAY", "wayland-0")])),
            Ok("xdg-open")
        );
        assert_eq!(viewer_program(true, env(&[])), Ok("open"));
    }
}
