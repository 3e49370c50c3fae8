//! The loaded history held compactly: a fixed-size head per record and its
//! message and detail lines packed into bytes, read back into a `RecordRow`
//! only when one is needed.
//!
//! The timeline keeps every record of a history for the whole session; as
//! `RecordRow`s (a dozen allocations each, detail keys that repeat the log
//! family's name) that cost about a kilobyte a record. Here a record takes a
//! 40-byte head and, typically, 100 to 150 bytes of packing. What the
//! timeline filters on every keystroke (time, author, type, shown, ran code,
//! message) is read straight from the head and the first packed bytes.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use git2::Oid;

use super::RecordRow;
use super::idtable::{IdTable, bytes_of};
use crate::activity::key::{DetailKey, LineKey};
use crate::activity::kinds::{ActionKind, DetailKind, RecordKind};
use crate::activity::{DetailRef, Record, RecordMeta};
use crate::bytes::{Reader, put_bytes, put_signed, put_var};

/// Rows per chunk at most: a head names its author by a 16-bit number.
const CHUNK_ROWS: usize = 4096;
/// Room made for a new chunk: records, and packed bytes a record.
const BATCH_GUESS: usize = 512;
const BYTES_GUESS: usize = 160;

/// Head flags.
const SHOW: u8 = 1;
const RAN_CODE: u8 = 2;
/// A `kind` of this value: the record's type did not fit a byte and is packed.
const KIND_PACKED: u8 = u8::MAX;

/// Detail flags.
const D_SHOW: u8 = 1;
const D_LEGACY: u8 = 2;
const D_ERROR: u8 = 4;
/// The key is packed as (family, file, offset, length) instead of its text.
const D_KEY: u8 = 8;

/// How `linked_commit` is packed.
const LINK_EMPTY: u8 = 0;
const LINK_HEX: u8 = 1;
const LINK_TEXT: u8 = 2;

#[derive(Debug, Clone, Copy)]
struct Head {
    time: i64,
    commit: [u8; 20],
    /// Where this record's packed bytes start in the chunk.
    at: u32,
    person: u16,
    tz_minutes: i16,
    kind: u8,
    flags: u8,
}

/// Up to `CHUNK_ROWS` records, never changed once built, so that a snapshot
/// of the history handed to a worker thread is a list of shared chunks.
#[derive(Debug)]
struct Chunk {
    heads: Box<[Head]>,
    bytes: Box<[u8]>,
    /// (name, email) of the authors in this chunk.
    people: Box<[(Box<str>, Box<str>)]>,
    /// Log family names and tags, named by number in the packed bytes.
    strings: Box<[Box<str>]>,
}

/// Records in timeline order (newest first), compactly. Cloning copies only
/// the list of chunks.
#[derive(Debug, Clone, Default)]
pub struct Rows {
    chunks: Vec<Arc<Chunk>>,
    /// Position of each chunk's first record.
    starts: Vec<usize>,
    len: usize,
}

impl Rows {
    pub fn new() -> Self {
        Self::default()
    }

    /// Packs `rows`, in their order.
    pub fn from_rows<'a>(rows: impl IntoIterator<Item = &'a RecordRow>) -> Self {
        let mut all = Rows::new();
        all.extend(rows);
        all
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn clear(&mut self) {
        *self = Rows::default();
    }

    fn push_chunk(&mut self, chunk: Arc<Chunk>) {
        self.starts.push(self.len);
        self.len += chunk.heads.len();
        self.chunks.push(chunk);
    }

    /// Adds records after those already here.
    pub fn extend<'a>(&mut self, rows: impl IntoIterator<Item = &'a RecordRow>) {
        for chunk in pack(rows) {
            self.push_chunk(Arc::new(chunk));
        }
    }

    /// Moves the records of `more` after those already here.
    pub fn append(&mut self, more: Rows) {
        for chunk in more.chunks {
            self.push_chunk(chunk);
        }
    }

    /// Adds records before those already here.
    pub fn prepend<'a>(&mut self, rows: impl IntoIterator<Item = &'a RecordRow>) {
        let mut all = Rows::from_rows(rows);
        all.append(std::mem::take(self));
        *self = all;
    }

    /// The record at position `i`.
    pub fn get(&self, i: usize) -> Option<RowRef<'_>> {
        let c = self.starts.partition_point(|&s| s <= i).checked_sub(1)?;
        let chunk = self.chunks.get(c)?;
        let head = chunk.heads.get(i - self.starts.get(c)?)?;
        Some(RowRef { chunk, head })
    }

    /// Every record, in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = RowRef<'_>> + '_ {
        self.chunks
            .iter()
            .flat_map(|chunk| chunk.heads.iter().map(move |head| RowRef { chunk, head }))
    }

    /// Position of the record of `commit`, by looking at every record (for
    /// worker threads; the timeline keeps a `Positions` index).
    pub fn position(&self, commit: Oid) -> Option<usize> {
        self.iter()
            .position(|r| r.head.commit == *commit.as_bytes())
    }

    /// Bytes held, for the benchmarks' account of memory.
    pub fn heap_bytes(&self) -> usize {
        self.chunks
            .iter()
            .map(|c| {
                std::mem::size_of_val(&*c.heads)
                    + c.bytes.len()
                    + c.people
                        .iter()
                        .map(|(a, b)| a.len() + b.len() + 32)
                        .sum::<usize>()
                    + c.strings.iter().map(|s| s.len() + 16).sum::<usize>()
            })
            .sum::<usize>()
            + self.chunks.capacity() * 8
            + self.starts.capacity() * 8
    }
}

/// The bytes of one head in [`Rows::write_to`]'s layout.
const HEAD_BYTES: usize = 8 + 20 + 4 + 2 + 2 + 1 + 1;

impl Rows {
    /// Appends the chunks as they are, for the walk cache: chunks `v`,
    /// then each: heads `v` and [`HEAD_BYTES`] each (time i64, commit 20
    /// bytes, at u32, person u16, tz i16, kind, flags; little-endian),
    /// packed bytes `s`, people `v` and (name `s`, email `s`) each,
    /// strings `v` and `s` each (`v` a LEB128 varint, `s` its length and
    /// the bytes).
    pub(crate) fn write_to(&self, out: &mut Vec<u8>) {
        put_var(out, self.chunks.len() as u64);
        for c in &self.chunks {
            put_var(out, c.heads.len() as u64);
            out.reserve(c.heads.len() * HEAD_BYTES + c.bytes.len() + 16);
            for h in c.heads.iter() {
                out.extend_from_slice(&h.time.to_le_bytes());
                out.extend_from_slice(&h.commit);
                out.extend_from_slice(&h.at.to_le_bytes());
                out.extend_from_slice(&h.person.to_le_bytes());
                out.extend_from_slice(&h.tz_minutes.to_le_bytes());
                out.push(h.kind);
                out.push(h.flags);
            }
            put_var(out, c.bytes.len() as u64);
            out.extend_from_slice(&c.bytes);
            put_var(out, c.people.len() as u64);
            for (name, email) in c.people.iter() {
                put_bytes(out, name.as_bytes());
                put_bytes(out, email.as_bytes());
            }
            put_var(out, c.strings.len() as u64);
            for s in c.strings.iter() {
                put_bytes(out, s.as_bytes());
            }
        }
    }

    /// What [`Rows::write_to`] wrote, read from the front of `bytes` (the
    /// rest left there); `None` for anything it could not have written:
    /// a count larger than the bytes left could hold, an empty or
    /// oversized chunk, a head whose bytes or author are not in its
    /// chunk, text that is not UTF-8. Reading a record back checks every
    /// packed byte again, so a file that passes still cannot make a read panic.
    pub(crate) fn read_from(bytes: &mut &[u8]) -> Option<Rows> {
        let mut r = Reader(std::mem::take(bytes));
        let mut rows = Rows::new();
        let n = r.count(1 + HEAD_BYTES)?;
        for _ in 0..n {
            let k = r.count(HEAD_BYTES)?;
            if k == 0 || k > CHUNK_ROWS {
                return None;
            }
            let mut heads = Vec::with_capacity(k);
            for _ in 0..k {
                let h = r.take(HEAD_BYTES)?;
                let (time, h) = h.split_first_chunk::<8>()?;
                let (commit, h) = h.split_first_chunk::<20>()?;
                let (at, h) = h.split_first_chunk::<4>()?;
                let (person, h) = h.split_first_chunk::<2>()?;
                let (tz, h) = h.split_first_chunk::<2>()?;
                let [kind, flags] = *h else {
                    return None;
                };
                heads.push(Head {
                    time: i64::from_le_bytes(*time),
                    commit: *commit,
                    at: u32::from_le_bytes(*at),
                    person: u16::from_le_bytes(*person),
                    tz_minutes: i16::from_le_bytes(*tz),
                    kind,
                    flags,
                });
            }
            let len = r.size()?;
            let packed: Box<[u8]> = r.take(len)?.into();
            let people_n = r.count(2)?;
            if people_n > CHUNK_ROWS {
                return None;
            }
            let mut people = Vec::with_capacity(people_n);
            for _ in 0..people_n {
                let name: Box<str> = r.text()?.into();
                people.push((name, r.text()?.into()));
            }
            let strings_n = r.count(1)?;
            let mut strings = Vec::with_capacity(strings_n);
            for _ in 0..strings_n {
                strings.push(r.text()?.into());
            }
            if heads.iter().any(|h| {
                usize::try_from(h.at).map_or(true, |at| at >= packed.len())
                    || usize::from(h.person) >= people.len()
            }) {
                return None;
            }
            rows.push_chunk(Arc::new(Chunk {
                heads: heads.into_boxed_slice(),
                bytes: packed,
                people: people.into_boxed_slice(),
                strings: strings.into_boxed_slice(),
            }));
        }
        *bytes = r.0;
        Some(rows)
    }
}

/// One record in `Rows`: its head fields directly, the rest unpacked on demand.
#[derive(Debug, Clone, Copy)]
pub struct RowRef<'a> {
    chunk: &'a Chunk,
    head: &'a Head,
}

impl<'a> RowRef<'a> {
    pub fn commit(&self) -> Oid {
        Oid::from_bytes(&self.head.commit).unwrap_or(Oid::ZERO_SHA1)
    }

    /// Commit time, unix seconds.
    pub fn time(&self) -> i64 {
        self.head.time
    }

    pub fn tz_minutes(&self) -> i32 {
        i32::from(self.head.tz_minutes)
    }

    pub fn author(&self) -> &'a str {
        self.person().0
    }

    pub fn email(&self) -> &'a str {
        self.person().1
    }

    fn person(&self) -> (&'a str, &'a str) {
        self.chunk
            .people
            .get(usize::from(self.head.person))
            .map_or(("", ""), |(a, e)| (a, e))
    }

    /// The client's `show` flag.
    pub fn show(&self) -> bool {
        self.head.flags & SHOW != 0
    }

    /// Whether any detail is executed code.
    pub fn ran_code(&self) -> bool {
        self.head.flags & RAN_CODE != 0
    }

    /// The record type.
    pub fn kind(&self) -> RecordKind {
        if self.head.kind != KIND_PACKED {
            return RecordKind::from_id(i64::from(self.head.kind));
        }
        let mut r = self.reader();
        RecordKind::from_id(r.text().and_then(|_| r.signed()).unwrap_or(-1))
    }

    pub fn message(&self) -> &'a str {
        self.reader().text().unwrap_or("")
    }

    /// `metadata.linked_commit`.
    pub fn linked_commit(&self) -> Cow<'a, str> {
        self.at_link()
            .and_then(|mut r| read_link(&mut r))
            .unwrap_or(Cow::Borrowed(""))
    }

    /// `metadata.tags`.
    pub fn tags(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        let me = *self;
        let mut r = self.at_tags();
        let n = r.as_mut().and_then(Reader::size).unwrap_or(0);
        (0..n).map_while(move |_| me.string(r.as_mut()?.size()?))
    }

    /// The detail lines, unpacked one at a time.
    pub fn details(&self) -> impl Iterator<Item = DetailRef> + use<'a> {
        let me = *self;
        let mut r = self.at_tags().and_then(|mut r| {
            for _ in 0..r.size()? {
                r.size()?;
            }
            Some(r)
        });
        let n = r.as_mut().and_then(Reader::size).unwrap_or(0);
        (0..n).map_while(move |_| me.unpack_detail(r.as_mut()?))
    }

    /// A reader past the message, the type and the importance.
    fn at_link(&self) -> Option<Reader<'a>> {
        let mut r = self.reader();
        r.text()?;
        if self.head.kind == KIND_PACKED {
            r.signed()?;
        }
        r.signed()?;
        Some(r)
    }

    /// A reader past the linked commit, at the tags.
    fn at_tags(&self) -> Option<Reader<'a>> {
        let mut r = self.at_link()?;
        read_link(&mut r)?;
        Some(r)
    }

    fn reader(&self) -> Reader<'a> {
        let at = usize::try_from(self.head.at).unwrap_or(usize::MAX);
        Reader(self.chunk.bytes.get(at..).unwrap_or(&[]))
    }

    /// The whole record, unpacked.
    pub fn record(&self) -> Record {
        let mut r = self.reader();
        self.unpack(&mut r).unwrap_or_else(|| Record {
            message: self.message().to_string(),
            errors: vec!["the record's copy in memory could not be read back".into()],
            ..Record::default()
        })
    }

    fn unpack(&self, r: &mut Reader<'a>) -> Option<Record> {
        let message = r.text()?.to_string();
        let kind = RecordKind::from_id(if self.head.kind == KIND_PACKED {
            r.signed()?
        } else {
            i64::from(self.head.kind)
        });
        let importance = r.signed()?;
        let linked_commit = read_link(r)?.into_owned();
        let tags = (0..r.size()?)
            .map(|_| self.string(r.size()?).map(str::to_string))
            .collect::<Option<Vec<_>>>()?;
        let details = (0..r.size()?)
            .map(|_| self.unpack_detail(r))
            .collect::<Option<Vec<_>>>()?;
        let errors = (0..r.size()?)
            .map(|_| r.text().map(str::to_string))
            .collect::<Option<Vec<_>>>()?;
        Some(Record {
            message,
            meta: RecordMeta {
                kind,
                show: self.show(),
                importance,
                linked_commit,
                tags,
            },
            details,
            errors,
        })
    }

    fn unpack_detail(&self, r: &mut Reader<'a>) -> Option<DetailRef> {
        let flags = r.byte()?;
        let kind = DetailKind::from_id(r.signed()?);
        let importance = r.signed()?;
        let action = ActionKind::from_id(r.signed()?);
        let key = if flags & D_KEY != 0 {
            let family = self.string(r.size()?)?.to_string();
            let word = |r: &mut Reader| r.var().and_then(|v| u32::try_from(v).ok());
            LineKey::Parsed(DetailKey {
                family,
                file_number: word(r)?,
                offset: word(r)?,
                length: word(r)?,
            })
        } else {
            // Only keys that did not parse are kept as text: read again
            // for the reason.
            LineKey::parse(r.text()?)
        };
        let error = if flags & D_ERROR != 0 {
            Some(r.text()?.to_string())
        } else {
            None
        };
        Some(DetailRef {
            kind,
            show: flags & D_SHOW != 0,
            importance,
            key,
            action,
            legacy: flags & D_LEGACY != 0,
            error,
        })
    }

    fn string(&self, n: usize) -> Option<&'a str> {
        self.chunk.strings.get(n).map(|s| &**s)
    }

    /// The record as a `RecordRow` of its own.
    pub fn to_row(&self) -> RecordRow {
        RecordRow {
            commit: self.commit(),
            time: self.time(),
            tz_minutes: self.tz_minutes(),
            author: self.author().to_string(),
            email: self.email().to_string(),
            record: self.record(),
        }
    }

    pub fn to_arc(&self) -> Arc<RecordRow> {
        Arc::new(self.to_row())
    }
}

/// The packed `linked_commit`.
fn read_link<'a>(r: &mut Reader<'a>) -> Option<Cow<'a, str>> {
    Some(match r.byte()? {
        LINK_EMPTY => Cow::Borrowed(""),
        LINK_HEX => {
            let n = r.size()?;
            Cow::Owned(r.take(n)?.iter().map(|b| format!("{b:02x}")).collect())
        }
        _ => Cow::Borrowed(r.text()?),
    })
}

/// Packs records into chunks.
fn pack<'a>(rows: impl IntoIterator<Item = &'a RecordRow>) -> Vec<Chunk> {
    let mut p = Packer::default();
    for row in rows {
        p.push(row);
    }
    p.finish()
}

/// Packs records one at a time as they are read, so that a walk never
/// holds a batch of them unpacked.
#[derive(Default)]
pub struct Packer {
    done: Vec<Chunk>,
    building: Builder,
    count: usize,
}

impl Packer {
    pub fn push(&mut self, row: &RecordRow) {
        if self.building.heads.is_empty() {
            // Room for a walk's batch at the typical size, so the chunk is
            // not grown by copying (and shrunk to fit when finished).
            self.building.heads.reserve(BATCH_GUESS);
            self.building.bytes.reserve(BATCH_GUESS * BYTES_GUESS);
        }
        let b = &self.building;
        // A head holds a 32-bit offset; a new chunk starts at 0.
        if b.heads.len() == CHUNK_ROWS || u32::try_from(b.bytes.len()).is_err() {
            let full = std::mem::take(&mut self.building).finish();
            self.done.push(full);
        }
        self.building.push(row);
        self.count += 1;
    }

    /// Records packed since the last `take`.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The records packed so far, leaving the packer empty.
    pub fn take(&mut self) -> Rows {
        let mut rows = Rows::new();
        for chunk in std::mem::take(self).finish() {
            rows.push_chunk(Arc::new(chunk));
        }
        rows
    }

    fn finish(mut self) -> Vec<Chunk> {
        if !self.building.heads.is_empty() {
            self.done.push(self.building.finish());
        }
        self.done
    }
}

#[derive(Default)]
struct Builder {
    heads: Vec<Head>,
    bytes: Vec<u8>,
    people: Vec<(Box<str>, Box<str>)>,
    person_ids: HashMap<(String, String), u16>,
    strings: Vec<Box<str>>,
    string_ids: HashMap<String, usize>,
}

impl Builder {
    fn finish(self) -> Chunk {
        Chunk {
            heads: self.heads.into_boxed_slice(),
            bytes: self.bytes.into_boxed_slice(),
            people: self.people.into_boxed_slice(),
            strings: self.strings.into_boxed_slice(),
        }
    }

    fn person(&mut self, name: &str, email: &str) -> u16 {
        let key = (name.to_string(), email.to_string());
        if let Some(&id) = self.person_ids.get(&key) {
            return id;
        }
        // At most CHUNK_ROWS people, which fits 16 bits.
        let id = u16::try_from(self.people.len()).unwrap_or(u16::MAX);
        self.people.push((name.into(), email.into()));
        self.person_ids.insert(key, id);
        id
    }

    fn string(&mut self, s: &str) -> usize {
        if let Some(&id) = self.string_ids.get(s) {
            return id;
        }
        let id = self.strings.len();
        self.strings.push(s.into());
        self.string_ids.insert(s.to_string(), id);
        id
    }

    fn push(&mut self, row: &RecordRow) {
        let r = &row.record;
        let at = u32::try_from(self.bytes.len()).unwrap_or(u32::MAX);
        let kind = u8::try_from(r.meta.kind.id())
            .ok()
            .filter(|&k| k != KIND_PACKED)
            .unwrap_or(KIND_PACKED);
        let ran_code = r.details.iter().any(|d| d.kind == DetailKind::CodeExecuted);
        let person = self.person(&row.author, &row.email);
        self.heads.push(Head {
            time: row.time,
            commit: bytes_of(row.commit),
            at,
            person,
            // git writes offsets of at most ±99:99; anything wider is not a zone.
            tz_minutes: i16::try_from(row.tz_minutes).unwrap_or(0),
            kind,
            flags: if r.meta.show { SHOW } else { 0 } | if ran_code { RAN_CODE } else { 0 },
        });
        let out = &mut self.bytes;
        put_bytes(out, r.message.as_bytes());
        if kind == KIND_PACKED {
            put_signed(out, r.meta.kind.id());
        }
        put_signed(out, r.meta.importance);
        let link = &r.meta.linked_commit;
        if link.is_empty() {
            out.push(LINK_EMPTY);
        } else if link.len().is_multiple_of(2)
            && link.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            out.push(LINK_HEX);
            put_var(out, (link.len() / 2) as u64);
            out.extend(
                link.as_bytes()
                    .chunks_exact(2)
                    .map(|p| p.iter().fold(0, |acc, &b| acc << 4 | nibble(b))),
            );
        } else {
            out.push(LINK_TEXT);
            put_bytes(out, link.as_bytes());
        }
        put_var(&mut self.bytes, r.meta.tags.len() as u64);
        for t in &r.meta.tags {
            let id = self.string(t);
            put_var(&mut self.bytes, id as u64);
        }
        put_var(&mut self.bytes, r.details.len() as u64);
        for d in &r.details {
            let packed = matches!(d.key, LineKey::Parsed(_));
            let flags = if d.show { D_SHOW } else { 0 }
                | if d.legacy { D_LEGACY } else { 0 }
                | if d.error.is_some() { D_ERROR } else { 0 }
                | if packed { D_KEY } else { 0 };
            self.bytes.push(flags);
            put_signed(&mut self.bytes, d.kind.id());
            put_signed(&mut self.bytes, d.importance);
            put_signed(&mut self.bytes, d.action.id());
            match &d.key {
                LineKey::Parsed(key) => {
                    let id = self.string(&key.family);
                    put_var(&mut self.bytes, id as u64);
                    for w in [key.file_number, key.offset, key.length] {
                        put_var(&mut self.bytes, u64::from(w));
                    }
                }
                LineKey::Raw { text, .. } => put_bytes(&mut self.bytes, text.as_bytes()),
            }
            if let Some(e) = &d.error {
                put_bytes(&mut self.bytes, e.as_bytes());
            }
        }
        put_var(&mut self.bytes, r.errors.len() as u64);
        for e in &r.errors {
            put_bytes(&mut self.bytes, e.as_bytes());
        }
    }
}

fn nibble(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        _ => b - b'a' + 10,
    }
}

/// Position by commit for the timeline: a table of 32-bit positions, a few
/// bytes a record where a map from id to position took about fifty.
#[derive(Debug, Clone, Default)]
pub struct Positions {
    table: IdTable,
}

impl Positions {
    /// An index of every record in `rows`.
    pub fn of(rows: &Rows) -> Self {
        let mut p = Positions::default();
        for i in 0..rows.len() {
            p.insert(rows, i);
        }
        p
    }

    pub fn clear(&mut self) {
        *self = Positions::default();
    }

    /// Adds position `i` of `rows`.
    pub fn insert(&mut self, rows: &Rows, i: usize) {
        if let Some(r) = rows.get(i) {
            self.table
                .insert(&r.head.commit, i, &|k| rows.get(k).map(|r| r.head.commit));
        }
    }

    /// The position of `commit` in `rows`.
    pub fn get(&self, rows: &Rows, commit: Oid) -> Option<usize> {
        self.table
            .find(&bytes_of(commit), &|k| rows.get(k).map(|r| r.head.commit))
    }

    /// Bytes held, for the benchmarks' account of memory.
    pub fn heap_bytes(&self) -> usize {
        self.table.heap_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::parse_message;

    fn row(n: u8, message: &str) -> RecordRow {
        RecordRow {
            commit: Oid::from_bytes(&[n; 20]).unwrap(),
            time: 1_550_000_000 + i64::from(n),
            tz_minutes: -300,
            author: format!("user{}", n % 3),
            email: format!("user{}@example.org", n % 3),
            record: parse_message(message.as_bytes()).unwrap(),
        }
    }

    const KEY: &str = "log_0123456789abcdef0123456789abcdefX19nX19sc24BAAAAFAAAAAkAAAA=";

    fn message(type_id: i64, link: &str, lines: &str) -> String {
        format!(
            "_GTM_ACTIVITY_START_**\nmsg:Executed cell in notebook code/a.ipynb**\nmetadata:{{\"show\":true,\"importance\":255,\"type\":{type_id},\"linked_commit\":\"{link}\",\"tags\":[\"save\",\"ünï\"]}}**\ndetails:**\n{lines}_GTM_ACTIVITY_END_"
        )
    }

    #[test]
    fn records_read_back_exactly() {
        let odd = [
            message(
                2,
                "9f0e3c1b2a4d5e6f708192a3b4c5d6e7f8091a2b",
                &format!("3,1,0,{KEY},4**\n2,0,10,{KEY},0**\n"),
            ),
            message(300, "ABC not hex", "3,0,0,log_short,4**\n1,1,1,x**\n"),
            message(-7, "", &format!("x,1,0,{KEY},1**\n")),
            message(
                0,
                "abc",
                "5,1,0,log_0123456789abcdef0123456789abcdefX19nX19sc24BAAAAFAAAAAkAAAB=,1**\n",
            ),
            "_GTM_ACTIVITY_START_**\nmsg:broken**\nmetadata:{nope**\n".to_string(),
        ];
        let rows: Vec<RecordRow> = odd
            .iter()
            .enumerate()
            .map(|(n, m)| row(n as u8, m))
            .collect();
        let packed = Rows::from_rows(&rows);
        assert_eq!(packed.len(), rows.len());
        for (i, want) in rows.iter().enumerate() {
            let got = packed.get(i).unwrap();
            assert_eq!(&got.to_row(), want, "record {i}");
            assert_eq!(got.message(), want.record.message);
            assert_eq!(got.kind(), want.record.meta.kind);
            assert_eq!(got.show(), want.record.meta.show);
            assert_eq!((got.author(), got.email()), (&*want.author, &*want.email));
        }
        assert!(packed.get(0).unwrap().ran_code() && !packed.get(3).unwrap().ran_code());
        assert!(packed.get(rows.len()).is_none());
        // The canonical key is packed; one with a changed padding bit is kept as text.
        assert!(matches!(LineKey::parse(KEY), LineKey::Parsed(_)));
        assert!(matches!(
            LineKey::parse(&KEY.replace("AAAA=", "AAAB=")),
            LineKey::Raw { .. }
        ));
    }

    #[test]
    fn chunks_prepend_and_find_positions() {
        let lines = format!("3,1,0,{KEY},4**\n");
        let rows: Vec<RecordRow> = (0..=250u8)
            .map(|n| row(n, &message(2, "", &lines)))
            .collect();
        let (newer, older) = rows.split_at(100);
        let mut packed = Rows::new();
        // Small batches, as the walk sends them.
        for part in older.chunks(7) {
            packed.extend(part);
        }
        packed.prepend(newer);
        assert_eq!(packed.len(), rows.len());
        let commits: Vec<Oid> = packed.iter().map(|r| r.commit()).collect();
        let want: Vec<Oid> = rows.iter().map(|r| r.commit).collect();
        assert_eq!(commits, want);
        assert_eq!(packed.iter().next_back().unwrap().commit(), want[250]);
        let mut positions = Positions::default();
        for i in 0..packed.len() {
            positions.insert(&packed, i);
        }
        let built = Positions::of(&packed);
        for (i, c) in want.iter().enumerate() {
            assert_eq!(positions.get(&packed, *c), Some(i));
            assert_eq!(built.get(&packed, *c), Some(i));
            assert_eq!(packed.position(*c), Some(i));
        }
        assert_eq!(
            positions.get(&packed, Oid::from_bytes(&[255; 20]).unwrap()),
            None
        );
        // A big batch is split into chunks of at most CHUNK_ROWS.
        let many: Vec<RecordRow> = (0..CHUNK_ROWS + 3)
            .map(|n| row((n % 251) as u8, &message(2, "", &lines)))
            .collect();
        let big = Rows::from_rows(&many);
        assert_eq!(big.chunks.len(), 2);
        assert_eq!(
            big.get(CHUNK_ROWS + 2).unwrap().to_row(),
            many[CHUNK_ROWS + 2]
        );
    }
}
