//! Records and their detail objects: appending to the current family's log file, rotating it when full, and raw bytes for broken data.

use crate::activity::detail::encode_value;
use crate::activity::key::{DetailKey, HEADER_LEN, LineKey};
use crate::activity::kinds::{ActionKind, DetailKind, RecordKind};
use crate::activity::record::{DetailRef, END, Record, RecordMeta, SEP};

use super::{
    AUTO_COMMIT_MESSAGE, COMPRESS_THRESHOLD, DetailSpec, LOG_DIR, Linked, ProjectWriter, RecordIds,
    RecordSpec, SynthError, WrittenDetail, WrittenRecord,
};

impl ProjectWriter {
    /// Writes a record: first, if any files are staged, an auto-commit of
    /// them (at the current time, then the clock moves on one second); then
    /// the detail objects are appended to the current family's log file
    /// (rotating it when it would grow past `rotate_bytes`) and the activity
    /// commit is made, its parent the auto-commit (or the previous head).
    pub fn record(&mut self, spec: RecordSpec) -> RecordIds {
        let auto = if self.has_staged() {
            let id = self.commit_work(AUTO_COMMIT_MESSAGE.as_bytes(), None);
            self.now += 1;
            Some(id)
        } else {
            None
        };
        let linked_commit = match spec.linked {
            Linked::AutoCommit => auto
                .or_else(|| self.head())
                .map(|id| id.to_string())
                .unwrap_or_default(),
            Linked::Uuid => self.rng.hex32(),
            Linked::Empty => String::new(),
            Linked::Hash(h) => h,
        };
        let legacy = self.legacy;
        let mut details = Vec::with_capacity(spec.details.len());
        let mut keys = Vec::new();
        for d in spec.details {
            match d {
                DetailSpec::Object {
                    type_id,
                    show,
                    importance,
                    action,
                    tags,
                    entries,
                    compress,
                    cell,
                } => {
                    let total: usize = entries.iter().map(|e| e.bytes.len()).sum();
                    let compressed = compress.unwrap_or(total >= COMPRESS_THRESHOLD);
                    let value = encode_value(
                        type_id,
                        importance,
                        show,
                        &entries,
                        (!legacy).then_some(tags.as_slice()),
                        (!legacy).then_some(action),
                        compressed,
                    );
                    let key = self.append_detail(&value);
                    let line = DetailRef {
                        kind: DetailKind::from_id(type_id),
                        show,
                        importance,
                        key: LineKey::Parsed(key.clone()),
                        action: ActionKind::from_id(if legacy { 0 } else { action }),
                        legacy,
                        error: None,
                    }
                    .to_line();
                    keys.push(key.encode());
                    details.push(WrittenDetail {
                        line,
                        key: Some(key),
                        type_id,
                        show,
                        importance,
                        action,
                        tags,
                        entries,
                        compressed,
                        legacy,
                        cell,
                    });
                }
                DetailSpec::RawLine(line) => details.push(WrittenDetail {
                    line,
                    key: None,
                    type_id: -1,
                    show: false,
                    importance: 0,
                    action: 0,
                    tags: Vec::new(),
                    entries: Vec::new(),
                    compressed: false,
                    legacy,
                    cell: None,
                }),
            }
        }
        let meta = RecordMeta {
            kind: RecordKind::from_id(spec.type_id),
            show: spec.show,
            importance: spec.importance,
            linked_commit,
            tags: spec.tags,
        };
        let head = Record {
            message: spec.message,
            meta,
            details: Vec::new(),
            errors: Vec::new(),
        };
        let mut commit_message = head.to_message();
        commit_message.truncate(commit_message.len() - END.len());
        for d in &details {
            commit_message.push_str(&d.line);
            commit_message.push_str(SEP);
        }
        commit_message.push_str(END);
        let activity = self.commit_work(commit_message.as_bytes(), None);
        self.records.push(WrittenRecord {
            activity,
            auto,
            branch: self.current.clone(),
            author: self.author.0.clone(),
            email: self.author.1.clone(),
            time: self.now,
            tz_minutes: self.author.2,
            message: head.message,
            meta: head.meta,
            commit_message,
            details,
        });
        RecordIds {
            auto,
            activity,
            keys,
        }
    }

    /// Appends `header + value` to the current family's log file, rotating first if needed.
    fn append_detail(&mut self, value: &[u8]) -> DetailKey {
        let family = self.families[self.family].clone();
        let rotate = usize::try_from(self.opts.rotate_bytes.clamp(1, u64::from(u32::MAX)))
            .unwrap_or(usize::MAX);
        let total = HEADER_LEN + value.len();
        let branch = self.branches.entry(self.current.clone()).or_default();
        let mut n = branch.tip(&family);
        let mut path = log_path(&family, n);
        let len = match branch.work.file(&path) {
            None => Some(0),
            Some(f) => f.len(),
        };
        let offset = match len {
            Some(len) if len == 0 || len + total <= rotate => len,
            _ => {
                // The current file is full (or its content is gone): freeze it, start the next.
                if let Some(f) = branch.work.file_mut(&path, None) {
                    f.blob(&mut self.pack);
                    f.data = None;
                }
                n += 1;
                path = log_path(&family, n);
                branch.log_tip.insert(family.clone(), n);
                0
            }
        };
        let key = DetailKey {
            family,
            file_number: n,
            offset: u32::try_from(offset).unwrap_or(u32::MAX),
            length: u32::try_from(value.len()).unwrap_or(u32::MAX),
        };
        match branch.work.file_mut(&path, Some(true)) {
            Some(f) => {
                f.append(&key.header());
                f.append(value);
                branch.dirty = true;
            }
            None => self.fail(SynthError::BadPath(path)),
        }
        key
    }

    /// Appends raw bytes to the current family's current log file (no
    /// header, no rotation), staged for the next commit. Returns the file
    /// name `log_<32 hex>_<N>` and the offset the bytes start at.
    pub fn append_raw(&mut self, bytes: &[u8]) -> (String, u32) {
        let family = self.families[self.family].clone();
        let branch = self.branches.entry(self.current.clone()).or_default();
        let n = branch.tip(&family);
        let name = format!("{family}_{n}");
        let path = format!("{LOG_DIR}/{name}");
        match branch.work.file_mut(&path, Some(true)) {
            Some(f) => {
                let offset = f.len().unwrap_or(0);
                f.append(bytes);
                branch.dirty = true;
                (name, u32::try_from(offset).unwrap_or(u32::MAX))
            }
            None => {
                self.fail(SynthError::BadPath(path));
                (name, 0)
            }
        }
    }
}

fn log_path(family: &str, n: u32) -> String {
    format!("{LOG_DIR}/{family}_{n}")
}
