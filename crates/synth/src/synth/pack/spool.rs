//! The files a pack goes through: the spool of entries in the temp directory, temporary names in the pack directory, and the pack file itself.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

use sha1::{Digest, Sha1};

use super::PACK_HEADER_LEN;

/// Writes the pack: the header, the `len` entry bytes read from `spool`, and the
/// SHA-1 of all that. Returns the SHA-1 (which also names the pack).
pub(super) fn write_pack(
    spool: &mut File,
    count: u32,
    len: u64,
    out: &mut File,
) -> io::Result<[u8; 20]> {
    let mut hasher = Sha1::new();
    let mut header = [0u8; PACK_HEADER_LEN as usize];
    header[..4].copy_from_slice(b"PACK");
    header[4..8].copy_from_slice(&2u32.to_be_bytes());
    header[8..].copy_from_slice(&count.to_be_bytes());
    hasher.update(header);
    out.write_all(&header)?;

    let mut buf = vec![0u8; 1 << 20];
    let mut copied = 0u64;
    loop {
        let n = match spool.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n])?;
        copied += n as u64;
    }
    if copied != len {
        // The recorded offsets would not match the pack.
        return Err(io::Error::other(format!(
            "pack spool holds {copied} bytes, {len} were written"
        )));
    }
    let checksum: [u8; 20] = hasher.finalize().into();
    out.write_all(&checksum)?;
    Ok(checksum)
}

/// A file in the pack directory under a temporary name (`tmp_pack_*`/`tmp_idx_*`,
/// which `git prune` cleans up if left behind); removed on drop unless persisted.
pub(super) struct TempFile {
    pub(super) file: Option<File>,
    pub(super) path: Option<PathBuf>,
}

impl TempFile {
    pub(super) fn create(dir: &Path, prefix: &str) -> io::Result<Self> {
        let path = dir.join(unique_name(prefix));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        Ok(TempFile {
            file: Some(file),
            path: Some(path),
        })
    }

    pub(super) fn file(&mut self) -> io::Result<&mut File> {
        self.file
            .as_mut()
            .ok_or_else(|| io::Error::other("temporary pack file already closed"))
    }

    /// Syncs the data, makes the file read-only (as git does) and renames it to
    /// `target`, unless `target` exists already: files there are named by their
    /// content's checksum, so it is kept and the temporary file removed.
    pub(super) fn persist(mut self, target: &Path) -> io::Result<()> {
        let file = self
            .file
            .take()
            .ok_or_else(|| io::Error::other("temporary pack file already closed"))?;
        if target.try_exists()? {
            return Ok(());
        }
        file.sync_all()?;
        let mut permissions = file.metadata()?.permissions();
        permissions.set_readonly(true);
        file.set_permissions(permissions)?;
        drop(file);
        if let Some(path) = &self.path {
            std::fs::rename(path, target)?;
            self.path = None;
        }
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        self.file = None;
        if let Some(path) = self.path.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Counter making temp file names unique within the process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// `<prefix><pid>-<counter>-<nanoseconds>`: unique among this process's files and
/// unlikely to collide with another's (files are created with `create_new` anyway).
fn unique_name(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{prefix}{}-{}-{nanos}",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, AtomicOrdering::Relaxed),
    )
}

/// The pack entries, buffered into a temporary file created on first use.
#[derive(Default)]
pub(super) struct Spool {
    pub(super) file: Option<BufWriter<File>>,
    /// Path to remove on drop (on Unix the file is unlinked right after creation).
    pub(super) path: Option<PathBuf>,
    /// Bytes written so far.
    pub(super) len: u64,
}

impl Spool {
    /// Offset of the next entry from the start of the pack.
    pub(super) fn position(&self) -> u64 {
        PACK_HEADER_LEN + self.len
    }

    pub(super) fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.file.is_none() {
            self.file = Some(BufWriter::with_capacity(1 << 20, self.create()?));
        }
        if let Some(file) = self.file.as_mut() {
            file.write_all(bytes)?;
        }
        self.len += bytes.len() as u64;
        Ok(())
    }

    pub(super) fn create(&mut self) -> io::Result<File> {
        let path = std::env::temp_dir().join(format!("{}.tmp", unique_name("gtm-tui-pack-")));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)?;
        // On Unix the open handle keeps the data alive, so nothing is left behind
        // even on a crash; elsewhere the file is removed on drop.
        let unlinked = cfg!(unix) && std::fs::remove_file(&path).is_ok();
        if !unlinked {
            self.path = Some(path);
        }
        Ok(file)
    }

    /// Flushes and returns the file positioned at its start.
    pub(super) fn rewind(&mut self) -> io::Result<File> {
        let writer = self
            .file
            .take()
            .ok_or_else(|| io::Error::other("pack spool was never written"))?;
        let mut file = writer.into_inner().map_err(|e| e.into_error())?;
        file.seek(SeekFrom::Start(0))?;
        Ok(file)
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        self.file = None;
        if let Some(path) = self.path.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}
