//! Cell lineage: which code executions are runs of the same notebook cell.
//!
//! Gigantum stored no cell id, so runs are tied together here from what the
//! history does hold: the notebook each record names, each execution's
//! source and execution count (`ex:<n>`), and the notebook as committed
//! around each run. The rules are in README ("Cell lineage").

mod align;
pub mod notebook;
mod timeline;

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use git2::Oid;
use serde::Deserialize;
use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};

use self::notebook::{NbCell, code_cells, normalize};
use self::timeline::{Timeline, Vid};
use crate::activity::DetailKey;
use crate::activity::detail::code_in_fence;
use crate::activity::kinds::{DetailKind, RecordKind};
use crate::bounded;
use crate::repo::{DetailStore, Project, RecordRow};

/// A quick hasher for the maps consulted on every run (sources, counts,
/// ids): a viewer's own lookups need no defence against chosen collisions.
#[derive(Default, Clone, Copy)]
pub struct Quick(u64);

impl Quick {
    fn mix(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for Quick {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let mut b = [0u8; 8];
            b.copy_from_slice(w);
            self.mix(u64::from_le_bytes(b));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            if let Some(dst) = b.get_mut(..rest.len()) {
                dst.copy_from_slice(rest);
            }
            self.mix(u64::from_le_bytes(b) ^ ((rest.len() as u64) << 56));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.mix(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.mix(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.mix(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.mix(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) type QuickMap<K, V> = HashMap<K, V, BuildHasherDefault<Quick>>;

/// A source this similar to a live cell's latest source is taken as an
/// edit of it (unless the snapshots show both cells side by side).
pub const SIMILARITY: f32 = 0.6;

/// Steps of exact line diff one [`ratio`] of long sources may take (see
/// [`bounded`]): 2,000 changed lines on the two sides, 10 ms at worst;
/// past it the ratio is the coarse diff's.
const RATIO_STEPS: u64 = 4_000_000;

/// Live cells of a notebook compared by similarity, most recently run first.
const RECENT_CELLS: usize = 32;

/// One execution of code: the details of one record sharing an `ex:<n>` tag
/// (RStudio: `console`).
#[derive(Debug, Clone)]
pub struct Execution {
    pub commit: Oid,
    pub time: i64,
    pub tz_minutes: i32,
    /// The notebook or file the record names; `console` for RStudio's console.
    pub notebook: String,
    /// The execution count, when the client recorded one.
    pub ex: Option<u32>,
    /// The grouping tag: `ex:12`, `console`, or `detail:<i>` when untagged.
    pub tag: String,
    /// The code, normalised (see [`notebook::normalize`]).
    pub source: String,
    /// Indices into the record's details that belong to this execution.
    pub details: Vec<usize>,
    /// Hash of the outputs' content (texts and image hashes), to tell
    /// whether two runs printed the same.
    pub outputs: u64,
    /// Output details (and how many are images).
    pub output_count: usize,
    pub linked_commit: String,
}

/// A cell: its notebook, a stable id and its runs.
#[derive(Debug, Clone)]
pub struct Cell {
    /// `<notebook>#<n>`, n counting cells of that notebook in order of first run.
    pub id: String,
    pub notebook: String,
    /// Indices into [`Lineage::executions`], oldest first.
    pub runs: Vec<usize>,
}

/// Every execution assigned to a cell.
#[derive(Debug, Clone, Default)]
pub struct Lineage {
    /// Oldest first.
    pub executions: Vec<Execution>,
    /// Per execution: index into `cells`.
    pub cell: Vec<usize>,
    /// Per execution: 1 for its cell's first run, counting up.
    pub run: Vec<u32>,
    pub cells: Vec<Cell>,
}

impl Lineage {
    /// The execution of record `commit` with count `ex` (any of the
    /// record's when `None`: the last one).
    pub fn find(&self, commit: Oid, ex: Option<u32>) -> Option<usize> {
        let mut found = None;
        for (i, e) in self.executions.iter().enumerate() {
            if e.commit == commit && (ex.is_none() || e.ex == ex) {
                found = Some(i);
            }
        }
        found
    }

    /// The run of the same cell before execution `i`.
    pub fn previous(&self, i: usize) -> Option<usize> {
        let cell = self.cells.get(*self.cell.get(i)?)?;
        let at = cell.runs.iter().position(|&r| r == i)?;
        cell.runs.get(at.checked_sub(1)?).copied()
    }

    /// The cell of execution `i`.
    pub fn cell_of(&self, i: usize) -> Option<&Cell> {
        self.cells.get(*self.cell.get(i)?)
    }

    /// Cell id and run number for each execution of a record, by tag.
    pub fn of_record(&self, commit: Oid) -> Vec<(&str, &str, u32)> {
        self.executions
            .iter()
            .enumerate()
            .filter(|(_, e)| e.commit == commit)
            .filter_map(|(i, e)| {
                let cell = self.cell_of(i)?;
                Some((e.tag.as_str(), cell.id.as_str(), *self.run.get(i)?))
            })
            .collect()
    }
}

/// The notebook (or file) a code record's message names; `console` for
/// RStudio console work; `None` for records that name nothing.
pub fn notebook_of(message: &str) -> Option<String> {
    if let Some(rest) = message.split_once(" in notebook ").map(|(_, r)| r) {
        let path = rest.split(" and generated").next().unwrap_or(rest).trim();
        return (!path.is_empty()).then(|| path.to_string());
    }
    if message.contains("in console") {
        return Some("console".into());
    }
    message
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| "\"'`()[]{}<>,;:".contains(c)))
        .find(|w| {
            let lower = w.to_ascii_lowercase();
            [".rmd", ".r", ".py", ".ipynb", ".jl"]
                .iter()
                .any(|ext| lower.ends_with(ext))
        })
        .map(str::to_string)
}

/// The tag that groups a run's details.
fn run_tag(t: &str) -> bool {
    t.starts_with("ex:") || t == "console"
}

/// What lineage needs of an output detail, read from its stored value
/// without decoding the entries (base64, Blosc, images).
#[derive(Default)]
struct StoredOutput {
    tag: Option<String>,
    /// Hash of the entries' MIME types and stored text: equal outputs are
    /// stored alike.
    hash: u64,
}

/// One detail of a run, as far as lineage reads it.
enum Part {
    Code(crate::activity::Detail),
    Output(StoredOutput),
}

/// A JSON value that is a string, or anything else skipped.
struct MaybeStr<'a>(Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for MaybeStr<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = MaybeStr<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(MaybeStr(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(MaybeStr(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(MaybeStr(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(MaybeStr(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(MaybeStr(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(MaybeStr(None))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(MaybeStr(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(MaybeStr(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(MaybeStr(None))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// The `d` map's entries in stored order.
struct StoredEntries<'a>(Vec<(Cow<'a, str>, MaybeStr<'a>)>);

impl<'de: 'a, 'a> Deserialize<'de> for StoredEntries<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = StoredEntries<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map of MIME type to stored data")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = a.next_entry::<MaybeStr<'a>, MaybeStr<'a>>()? {
                    let Some(k) = k.0 else { continue };
                    out.push((k, v));
                }
                Ok(StoredEntries(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

#[derive(Deserialize)]
struct StoredValue<'a> {
    #[serde(borrow, default)]
    a: Option<Vec<MaybeStr<'a>>>,
    #[serde(borrow, default)]
    d: Option<StoredEntries<'a>>,
}

/// Tag and entry hash of a stored output value (options byte, then JSON).
fn stored_output(value: &[u8]) -> Option<StoredOutput> {
    let (_, json) = value.split_first()?;
    let v: StoredValue = serde_json::from_slice(json).ok()?;
    let tag =
        v.a.unwrap_or_default()
            .into_iter()
            .filter_map(|t| t.0)
            .find(|t| run_tag(t))
            .map(Cow::into_owned);
    let mut h = DefaultHasher::new();
    for (mime, data) in v.d.map(|e| e.0).unwrap_or_default() {
        (mime.as_ref(), data.0.as_deref()).hash(&mut h);
    }
    Some(StoredOutput {
        tag,
        hash: h.finish(),
    })
}

/// The details of one record sharing a tag, as they are gathered.
struct Group {
    tag: String,
    source: Option<String>,
    details: Vec<usize>,
    hasher: DefaultHasher,
    outputs: usize,
}

/// The executions of one record, ordered by execution count.
pub fn executions_of(row: &RecordRow, store: &DetailStore) -> Vec<Execution> {
    if RecordKind::from_id(row.record.meta.type_id) != Some(RecordKind::Code) {
        return Vec::new();
    }
    let Some(notebook) = notebook_of(&row.record.message) else {
        return Vec::new();
    };
    let mut groups: Vec<Group> = Vec::new();
    for (i, line) in row.record.details.iter().enumerate() {
        let kind = DetailKind::from_id(line.type_id);
        if !matches!(kind, Some(DetailKind::CodeExecuted | DetailKind::Result)) {
            continue;
        }
        // Outputs are only compared, so their stored bytes are hashed
        // as they are; only the code is decoded.
        let part = if kind == Some(DetailKind::CodeExecuted) {
            Part::Code(store.detail(row.commit, line))
        } else {
            let stored = DetailKey::parse(&line.key)
                .ok()
                .and_then(|key| store.with_value(row.commit, &key, stored_output).ok())
                .flatten();
            Part::Output(stored.unwrap_or_default())
        };
        let tag = match &part {
            Part::Code(d) => d.tags.iter().find(|t| run_tag(t)).cloned(),
            Part::Output(o) => o.tag.clone(),
        }
        .unwrap_or_else(|| format!("detail:{i}"));
        let at = match groups.iter().position(|g| g.tag == tag) {
            Some(at) => at,
            None => {
                groups.push(Group {
                    tag: tag.clone(),
                    source: None,
                    details: Vec::new(),
                    hasher: DefaultHasher::new(),
                    outputs: 0,
                });
                groups.len() - 1
            }
        };
        let Some(g) = groups.get_mut(at) else {
            continue;
        };
        g.details.push(i);
        match part {
            Part::Code(d) => {
                let text = d.text().unwrap_or("");
                let code = if d
                    .content
                    .first()
                    .is_some_and(|c| c.mime() == "text/markdown")
                {
                    code_in_fence(text)
                } else {
                    text
                };
                let src = normalize(code);
                g.source = Some(match g.source.take() {
                    // RStudio's console groups several chunks under one tag.
                    Some(prev) => format!("{prev}\n{src}"),
                    None => src,
                });
            }
            Part::Output(o) => {
                g.outputs += 1;
                o.hash.hash(&mut g.hasher);
            }
        }
    }
    let mut out: Vec<Execution> = groups
        .into_iter()
        .filter_map(|g| {
            Some(Execution {
                commit: row.commit,
                time: row.time,
                tz_minutes: row.tz_minutes,
                notebook: notebook.clone(),
                ex: g.tag.strip_prefix("ex:").and_then(|n| n.parse().ok()),
                tag: g.tag,
                source: g.source?,
                details: g.details,
                outputs: g.hasher.finish(),
                output_count: g.outputs,
                linked_commit: row.record.meta.linked_commit.clone(),
            })
        })
        .collect();
    out.sort_by_key(|e| e.ex);
    out
}

/// Where lineage reads notebook snapshots from.
pub trait Snapshots {
    /// The code cells of `notebook` as committed at `commit`.
    fn cells(&mut self, commit: &str, notebook: &str) -> Option<Arc<Vec<NbCell>>>;

    /// The blob id of `notebook` at `commit`, when it can be had without
    /// reading the file: commits holding the same file are then told apart
    /// unread. `None` also when the store cannot say.
    fn blob_id(&mut self, _commit: &str, _notebook: &str) -> Option<Oid> {
        None
    }
}

/// Snapshots read from the project's repository, each blob parsed once.
pub struct RepoSnapshots<'p> {
    project: &'p Project,
    blobs: HashMap<(String, String), Option<Oid>>,
    parsed: HashMap<Oid, Option<Arc<Vec<NbCell>>>>,
}

impl<'p> RepoSnapshots<'p> {
    pub fn new(project: &'p Project) -> Self {
        RepoSnapshots {
            project,
            blobs: HashMap::new(),
            parsed: HashMap::new(),
        }
    }

    fn lookup(&mut self, commit: &str, notebook: &str) -> Option<Oid> {
        if !notebook.ends_with(".ipynb") {
            return None;
        }
        let key = (commit.to_string(), notebook.to_string());
        let project = self.project;
        *self
            .blobs
            .entry(key)
            .or_insert_with(|| project.blob_at(commit, notebook))
    }
}

impl Snapshots for RepoSnapshots<'_> {
    fn cells(&mut self, commit: &str, notebook: &str) -> Option<Arc<Vec<NbCell>>> {
        let blob = self.lookup(commit, notebook)?;
        let project = self.project;
        self.parsed
            .entry(blob)
            .or_insert_with(|| {
                project
                    .blob(blob)
                    .and_then(|b| code_cells(&b))
                    .map(Arc::new)
            })
            .clone()
    }

    fn blob_id(&mut self, commit: &str, notebook: &str) -> Option<Oid> {
        self.lookup(commit, notebook)
    }
}

/// Lineage of the code records among `rows` (newest first, as the walk
/// gives them); `only` keeps one notebook's. Records are decoded, and
/// notebooks assigned, on as many threads as there are cores, each with
/// its own handle on the repository.
pub fn build<'a>(
    project: &Project,
    rows: impl IntoIterator<Item = &'a RecordRow>,
    only: Option<&str>,
) -> Lineage {
    let mut rows: Vec<&RecordRow> = rows
        .into_iter()
        .filter(|r| only.is_none_or(|nb| notebook_of(&r.record.message).as_deref() == Some(nb)))
        .collect();
    rows.reverse();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    let executions = decode(project, &rows, threads);
    let notebooks = by_notebook(&executions);
    let per_notebook = assign_parallel(project, &executions, &notebooks, threads);
    finish(executions, per_notebook)
}

/// Below this many records a second thread costs more than it saves.
const PARALLEL_FROM: usize = 500;

/// The executions of `rows` (oldest first), in order.
fn decode(project: &Project, rows: &[&RecordRow], threads: usize) -> Vec<Execution> {
    let sequential = |rows: &[&RecordRow]| {
        let store = project.details();
        rows.iter()
            .flat_map(|r| executions_of(r, &store))
            .collect::<Vec<_>>()
    };
    if threads < 2 || rows.len() < PARALLEL_FROM {
        return sequential(rows);
    }
    // Contiguous parts: consecutive records share log files, which each
    // thread's store then reads once.
    let part = rows.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = rows
            .chunks(part)
            .map(|chunk| {
                let own = project.reopen().ok();
                (
                    chunk,
                    s.spawn(move || {
                        let own = own?;
                        let store = own.details();
                        Some(
                            chunk
                                .iter()
                                .flat_map(|r| executions_of(r, &store))
                                .collect::<Vec<_>>(),
                        )
                    }),
                )
            })
            .collect();
        let mut out = Vec::new();
        for (chunk, h) in handles {
            match h.join().ok().flatten() {
                Some(v) => out.extend(v),
                None => out.extend(sequential(chunk)),
            }
        }
        out
    })
}

/// Each notebook's cells, the notebooks spread over `threads` threads
/// (largest first, each to the least loaded).
fn assign_parallel(
    project: &Project,
    executions: &[Execution],
    notebooks: &[(&str, Vec<usize>)],
    threads: usize,
) -> Vec<Vec<Cell>> {
    let total: usize = notebooks.iter().map(|n| n.1.len()).sum();
    if threads < 2 || notebooks.len() < 2 || total < PARALLEL_FROM {
        let mut snaps = RepoSnapshots::new(project);
        return notebooks
            .iter()
            .map(|(nb, order)| assign_notebook(nb, executions, order, &mut snaps))
            .collect();
    }
    // Jupyter notebooks cost their saved versions read; other files only
    // their sources compared.
    let weight = |n: usize| {
        notebooks.get(n).map_or(0, |(nb, order)| {
            order.len() * if nb.ends_with(".ipynb") { 4 } else { 1 }
        })
    };
    let mut bins: Vec<(usize, Vec<usize>)> = vec![(0, Vec::new()); threads];
    let mut by_size: Vec<usize> = (0..notebooks.len()).collect();
    by_size.sort_by_key(|&n| std::cmp::Reverse(weight(n)));
    for n in by_size {
        if let Some(bin) = bins.iter_mut().min_by_key(|b| b.0) {
            bin.0 += weight(n);
            bin.1.push(n);
        }
    }
    let mut out: Vec<Option<Vec<Cell>>> = vec![None; notebooks.len()];
    std::thread::scope(|s| {
        let handles: Vec<_> = bins
            .into_iter()
            .filter(|b| !b.1.is_empty())
            .map(|(_, mine)| {
                let own = project.reopen().ok();
                s.spawn(move || {
                    let own = own?;
                    let mut snaps = RepoSnapshots::new(&own);
                    Some(
                        mine.into_iter()
                            .filter_map(|n| {
                                let (nb, order) = notebooks.get(n)?;
                                Some((n, assign_notebook(nb, executions, order, &mut snaps)))
                            })
                            .collect::<Vec<_>>(),
                    )
                })
            })
            .collect();
        for h in handles {
            for (n, cells) in h.join().ok().flatten().unwrap_or_default() {
                if let Some(slot) = out.get_mut(n) {
                    *slot = Some(cells);
                }
            }
        }
    });
    // A thread that could not open the repository leaves its notebooks
    // to this one.
    let mut snaps = RepoSnapshots::new(project);
    out.into_iter()
        .zip(notebooks)
        .map(|(done, (nb, order))| {
            done.unwrap_or_else(|| assign_notebook(nb, executions, order, &mut snaps))
        })
        .collect()
}

/// A cell still in play while assigning, with what the next run is compared to.
struct Live {
    source: String,
    /// Byte counts of `source`, for [`quick_bound`].
    hist: Box<[u32; 256]>,
    /// Its virtual id in the notebook's saved versions, once one showed it.
    vid: Option<Vid>,
    /// Its latest run (index into the executions).
    last: usize,
}

/// A notebook's cells while assigning, indexed for the questions asked of
/// them on every execution.
#[derive(Default)]
struct LiveSet {
    cells: Vec<Live>,
    /// Indices into `cells`, most recently run first; only as many as are
    /// compared by similarity.
    recent: Vec<usize>,
    /// Indices into `cells` by their current source.
    by_source: QuickMap<String, Vec<usize>>,
    by_vid: QuickMap<Vid, usize>,
}

impl LiveSet {
    fn add(&mut self, source: &str, last: usize) -> usize {
        let k = self.cells.len();
        self.by_source
            .entry(source.to_string())
            .or_default()
            .push(k);
        self.cells.push(Live {
            source: source.to_string(),
            hist: histogram(source),
            vid: None,
            last,
        });
        self.touch(k);
        k
    }

    /// Cell `k` ran: first in `recent`.
    fn touch(&mut self, k: usize) {
        if let Some(p) = self.recent.iter().position(|&x| x == k) {
            self.recent.remove(p);
        }
        self.recent.insert(0, k);
        self.recent.truncate(RECENT_CELLS);
    }

    fn set_vid(&mut self, k: usize, vid: Vid) {
        let Some(l) = self.cells.get_mut(k) else {
            return;
        };
        if let Some(old) = l.vid.replace(vid)
            && old != vid
            && self.by_vid.get(&old) == Some(&k)
        {
            self.by_vid.remove(&old);
        }
        self.by_vid.insert(vid, k);
    }

    /// Cell `k` ran execution `e` (index `i`).
    fn ran(&mut self, k: usize, e: &Execution, i: usize) {
        let Some(l) = self.cells.get_mut(k) else {
            return;
        };
        if l.source != e.source {
            if let Some(v) = self.by_source.get_mut(&l.source) {
                v.retain(|&x| x != k);
            }
            self.by_source.entry(e.source.clone()).or_default().push(k);
            l.source = e.source.clone();
            l.hist = histogram(&e.source);
        }
        l.last = i;
        self.touch(k);
    }

    /// The cells `source` may be a run of: those whose latest source is the
    /// same (most recently run first), then those whose latest source is
    /// similar (most similar first, among the most recently run).
    fn candidates(&self, source: &str) -> Vec<usize> {
        let mut out: Vec<usize> = self.by_source.get(source).cloned().unwrap_or_default();
        out.sort_by_key(|&k| std::cmp::Reverse(self.cells.get(k).map_or(0, |l| l.last)));
        // Comparing byte counts bounds the ratio from above and spares most
        // pairs the diff.
        let hist = histogram(source);
        let mut similar: Vec<(f32, usize)> = self
            .recent
            .iter()
            .take(RECENT_CELLS)
            .filter_map(|&k| {
                let l = self.cells.get(k)?;
                if l.source == source
                    || quick_bound(&l.hist, l.source.len(), &hist, source.len()) < SIMILARITY
                {
                    return None;
                }
                let r = ratio(&l.source, source);
                (r >= SIMILARITY).then_some((r, k))
            })
            .collect();
        // Stable: equal scores keep the recent-first order.
        similar.sort_by(|a, b| b.0.total_cmp(&a.0));
        out.extend(similar.into_iter().map(|(_, k)| k));
        out
    }
}

/// Assigns executions (oldest first) to cells.
pub fn assign(executions: Vec<Execution>, snaps: &mut dyn Snapshots) -> Lineage {
    let notebooks = by_notebook(&executions);
    let per_notebook: Vec<Vec<Cell>> = notebooks
        .iter()
        .map(|(notebook, order)| assign_notebook(notebook, &executions, order, snaps))
        .collect();
    finish(executions, per_notebook)
}

/// The executions of each notebook (indices, oldest first), notebooks by name.
fn by_notebook(executions: &[Execution]) -> Vec<(&str, Vec<usize>)> {
    let mut by: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, e) in executions.iter().enumerate() {
        by.entry(e.notebook.as_str()).or_default().push(i);
    }
    let mut notebooks: Vec<(&str, Vec<usize>)> = by.into_iter().collect();
    notebooks.sort();
    notebooks
}

/// One notebook's cells (cells never cross notebooks), in order of first run.
fn assign_notebook(
    notebook: &str,
    executions: &[Execution],
    order: &[usize],
    snaps: &mut dyn Snapshots,
) -> Vec<Cell> {
    let mut a = Assigner {
        notebook,
        executions,
        order,
        cells: Vec::new(),
        cell_at: vec![usize::MAX; order.len()],
        live: LiveSet::default(),
    };
    a.run(snaps);
    a.cells
}

/// The lineage from every notebook's cells (notebooks by name).
fn finish(executions: Vec<Execution>, per_notebook: Vec<Vec<Cell>>) -> Lineage {
    let cells: Vec<Cell> = per_notebook.into_iter().flatten().collect();
    let mut cell_of = vec![usize::MAX; executions.len()];
    let mut run = vec![0u32; executions.len()];
    for (n, c) in cells.iter().enumerate() {
        for (k, &r) in c.runs.iter().enumerate() {
            if let Some(slot) = cell_of.get_mut(r) {
                *slot = n;
            }
            if let Some(slot) = run.get_mut(r) {
                *slot = u32::try_from(k + 1).unwrap_or(u32::MAX);
            }
        }
    }
    Lineage {
        executions,
        cell: cell_of,
        run,
        cells,
    }
}

/// The assignment of one notebook's executions.
struct Assigner<'a> {
    notebook: &'a str,
    executions: &'a [Execution],
    /// The notebook's executions, oldest first.
    order: &'a [usize],
    /// The notebook's cells, each one the live cell of the same index.
    cells: Vec<Cell>,
    /// Per position in `order`: its cell, once placed.
    cell_at: Vec<usize>,
    live: LiveSet,
}

impl Assigner<'_> {
    fn run(&mut self, snaps: &mut dyn Snapshots) {
        if !self.notebook.ends_with(".ipynb") {
            for (pos, &i) in self.order.iter().enumerate() {
                let Some(e) = self.executions.get(i) else {
                    continue;
                };
                let at = self.live.candidates(&e.source).first().copied();
                self.place(pos, at, None);
            }
            return;
        }
        let mut tl = Timeline::new(self.notebook, self.executions, self.order);
        // Runs no save shows, each with the first save after it: placed
        // once every run that save could show is.
        let mut pending: Vec<(usize, usize)> = Vec::new();
        for r in 0..tl.len() {
            let positions = tl.positions(r);
            let cands: Vec<Vec<usize>> = positions
                .clone()
                .map(|pos| {
                    let e = self.order.get(pos).and_then(|&i| self.executions.get(i));
                    e.map(|e| self.live.candidates(&e.source))
                        .unwrap_or_default()
                })
                .collect();
            // A run that could only start a new cell needs no evidence;
            // the saved notebook is read only when there is a choice.
            let after = if cands.iter().any(|c| !c.is_empty()) || positions.len() > 1 {
                tl.after(r, snaps)
            } else {
                None
            };
            for (p, vid) in tl.take_fresh() {
                self.learn(p, vid);
            }
            for (pos, cands) in positions.zip(cands) {
                let shown = tl.shown.get(pos).copied().flatten();
                if shown.is_none()
                    && let Some(a) = after
                {
                    pending.push((pos, a));
                    continue;
                }
                let at = self.choose(&cands, shown);
                self.place(pos, at, shown);
            }
            let mut due = Vec::new();
            pending.retain(|&(pos, a)| {
                let ready = tl.chain.get(a).is_none_or(|s| s.record <= r);
                if ready {
                    due.push((pos, a));
                }
                !ready
            });
            for (pos, a) in due.into_iter().rev() {
                self.settle(pos, a, &tl);
            }
        }
        for (pos, a) in std::mem::take(&mut pending).into_iter().rev() {
            self.settle(pos, a, &tl);
        }
    }

    /// A saved version shows run `pos` (already assigned) under `vid`: its
    /// cell, if that is still the cell's latest run, is known by it now.
    fn learn(&mut self, pos: usize, vid: Vid) {
        let (Some(&i), Some(&k)) = (self.order.get(pos), self.cell_at.get(pos)) else {
            return;
        };
        if self.live.cells.get(k).is_some_and(|l| l.last == i) {
            self.live.set_vid(k, vid);
        }
    }

    /// Which live cell a run belongs to, `None` for a new cell, from the
    /// virtual id of the saved cell that shows it (if one does) and the
    /// candidates its source gives.
    fn choose(&self, cands: &[usize], vid: Option<Vid>) -> Option<usize> {
        let live = &self.live;
        let Some(vid) = vid else {
            return cands.first().copied();
        };
        if let Some(&k) = live.by_vid.get(&vid) {
            return Some(k);
        }
        // Shown under an id no cell has yet: a cell never shown before (a
        // known cell shows under its own id, or was deleted).
        cands
            .iter()
            .copied()
            .find(|&k| live.cells.get(k).is_some_and(|l| l.vid.is_none()))
    }

    /// Places run `pos`, which the save `snap` (the first after it) does
    /// not show: its cell ran again before that save. Of the cells with a
    /// run between the two, the one whose next run is most like this one
    /// gets it (then the one whose run before is most like it); none of
    /// them when no next run is similar enough.
    fn settle(&mut self, pos: usize, snap: usize, tl: &Timeline) {
        let Some(&i) = self.order.get(pos) else {
            return;
        };
        let Some(e) = self.executions.get(i) else {
            return;
        };
        let end = tl
            .chain
            .get(snap)
            .map_or(pos + 1, |s| tl.positions(s.record).end);
        let cell_at = |q: usize| self.cell_at.get(q).copied().filter(|&c| c != usize::MAX);
        let source_at = |q: usize| {
            self.order
                .get(q)
                .and_then(|&j| self.executions.get(j))
                .map_or("", |x| x.source.as_str())
        };
        // One record runs a cell once: cells of its other runs are out.
        let mut seen: std::collections::HashSet<usize> = tl
            .positions(tl.record_of(pos))
            .filter(|&q| q != pos)
            .filter_map(cell_at)
            .collect();
        let mut best: Option<((f32, f32), usize)> = None;
        for q in pos + 1..end {
            let Some(cell) = cell_at(q) else { continue };
            if !seen.insert(cell) {
                continue;
            }
            let next = ratio(source_at(q), &e.source);
            let before = self.cells.get(cell).and_then(|c| {
                let at = c.runs.partition_point(|&r| r < i);
                c.runs.get(at.checked_sub(1)?).copied()
            });
            let before = before
                .and_then(|b| self.executions.get(b))
                .map_or(0.0, |b| ratio(&b.source, &e.source));
            if next.max(before) < SIMILARITY {
                continue;
            }
            let key = (next.max(before), next);
            // Ties go to the later next run: runs of one record follow the
            // notebook top to bottom, and so do those of a later "run all".
            if best.is_none_or(|b| key >= b.0) {
                best = Some((key, cell));
            }
        }
        match best {
            Some((_, cell)) => {
                if let Some(c) = self.cell_at.get_mut(pos) {
                    *c = cell;
                }
                if let Some(c) = self.cells.get_mut(cell) {
                    let at = c.runs.partition_point(|&r| r < i);
                    c.runs.insert(at, i);
                }
            }
            None => self.place(pos, None, None),
        }
    }

    /// A new live cell whose first run is `pos`.
    fn new_cell(&mut self, pos: usize) -> usize {
        let i = self.order.get(pos).copied().unwrap_or(usize::MAX);
        let source = self.executions.get(i).map_or("", |e| e.source.as_str());
        let n = self.cells.len() + 1;
        self.cells.push(Cell {
            id: format!("{}#{n}", self.notebook),
            notebook: self.notebook.to_string(),
            runs: Vec::new(),
        });
        self.live.add(source, i)
    }

    /// Run `pos` goes to live cell `at` (a new one when `None`).
    fn place(&mut self, pos: usize, at: Option<usize>, vid: Option<Vid>) {
        let Some(&i) = self.order.get(pos) else {
            return;
        };
        let Some(e) = self.executions.get(i) else {
            return;
        };
        let at = match at {
            Some(at) => at,
            None => self.new_cell(pos),
        };
        self.live.ran(at, e, i);
        if let Some(vid) = vid {
            self.live.set_vid(at, vid);
        }
        if let Some(c) = self.cell_at.get_mut(pos) {
            *c = at;
        }
        if let Some(c) = self.cells.get_mut(at) {
            c.runs.push(i);
        }
    }
}

/// How often each byte occurs in a source.
fn histogram(s: &str) -> Box<[u32; 256]> {
    let mut h = Box::new([0u32; 256]);
    for &b in s.as_bytes() {
        if let Some(c) = h.get_mut(usize::from(b)) {
            *c = c.saturating_add(1);
        }
    }
    h
}

/// An upper bound of [`ratio`] from byte counts alone: no alignment can
/// match more bytes than both texts hold.
fn quick_bound(a: &[u32; 256], la: usize, b: &[u32; 256], lb: usize) -> f32 {
    if la + lb == 0 {
        return 1.0;
    }
    // u32 lanes so that this vectorises; the sum is at most the shorter length.
    let common = a
        .iter()
        .zip(b)
        .fold(0u32, |s, (x, y)| s.wrapping_add(*x.min(y)));
    2.0 * common as f32 / (la + lb) as f32
}

/// How alike two sources are, 0 to 1 (`similar`'s ratio: characters for
/// short sources, lines for long ones).
pub fn ratio(a: &str, b: &str) -> f32 {
    if a == b {
        return 1.0;
    }
    let (la, lb) = (a.len(), b.len());
    if la + lb == 0 {
        return 1.0;
    }
    // The ratio can be no higher than this; most pairs stop here.
    let bound = 2.0 * la.min(lb) as f32 / (la + lb) as f32;
    if bound < SIMILARITY {
        return 0.0;
    }
    if la + lb > 6000 {
        // Long sources by lines, within a budget of steps rather than a
        // deadline: a pathological pair must not hold up the history, nor
        // may the machine's load change which runs are tied together.
        bounded::line_ratio(a, b, &mut bounded::Budget::new(RATIO_STEPS))
    } else {
        // Bytes rather than chars: the same for code (mostly ASCII). The
        // ratio is that of a shortest edit script (what Myers' diff finds):
        // twice the longest common subsequence over both lengths.
        2.0 * bounded::lcs_len(a.as_bytes(), b.as_bytes()) as f32 / (la + lb) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bounded::lcs_len;

    const NB: &str = "code/nb.ipynb";

    /// The notebook as committed at each linked commit.
    #[derive(Default)]
    struct Fake(HashMap<String, Arc<Vec<NbCell>>>);

    impl Fake {
        fn save(&mut self, commit: &str, cells: &[(&str, Option<u32>)]) {
            let cells = cells
                .iter()
                .map(|(source, count)| NbCell {
                    id: None,
                    source: (*source).to_string(),
                    count: *count,
                })
                .collect();
            self.0.insert(commit.to_string(), Arc::new(cells));
        }
    }

    impl Snapshots for Fake {
        fn cells(&mut self, commit: &str, notebook: &str) -> Option<Arc<Vec<NbCell>>> {
            (notebook == NB)
                .then(|| self.0.get(commit).cloned())
                .flatten()
        }
    }

    /// Runs of records 1, 2, 3…: (record, count, source, linked commit).
    fn runs(list: &[(u8, u32, &str, &str)]) -> Vec<Execution> {
        list.iter()
            .map(|&(record, ex, source, linked)| Execution {
                commit: Oid::from_bytes(&[record; 20]).unwrap(),
                time: i64::from(record),
                tz_minutes: 0,
                notebook: NB.into(),
                ex: Some(ex),
                tag: format!("ex:{ex}"),
                source: source.into(),
                details: Vec::new(),
                outputs: 0,
                output_count: 0,
                linked_commit: linked.into(),
            })
            .collect()
    }

    /// For each run, the index of the run before it in the same cell.
    fn previous(l: &Lineage) -> Vec<Option<usize>> {
        (0..l.executions.len()).map(|i| l.previous(i)).collect()
    }

    #[test]
    fn a_copied_and_edited_cell_is_a_new_cell() {
        let mut s = Fake::default();
        s.save("c1", &[("x = 1", Some(1))]);
        s.save("c2", &[("x = 1", Some(1)), ("df.head(5)", Some(2))]);
        // The copy is pasted below, edited and run; then the original runs.
        s.save(
            "c3",
            &[
                ("x = 1", Some(1)),
                ("df.head(5)", Some(2)),
                ("df.head(6)", Some(3)),
            ],
        );
        s.save(
            "c4",
            &[
                ("x = 1", Some(1)),
                ("df.head(5)", Some(4)),
                ("df.head(6)", Some(3)),
            ],
        );
        let l = assign(
            runs(&[
                (1, 1, "x = 1", "c1"),
                (2, 2, "df.head(5)", "c2"),
                (3, 3, "df.head(6)", "c3"),
                (4, 4, "df.head(5)", "c4"),
            ]),
            &mut s,
        );
        assert_eq!(previous(&l), vec![None, None, None, Some(1)]);
        assert_eq!(l.cells.len(), 3);
    }

    #[test]
    fn an_edit_in_place_stays_with_its_cell_even_when_inserted_cells_look_alike() {
        let mut s = Fake::default();
        s.save("c1", &[("a = 1", Some(1)), ("df.head(5)", Some(2))]);
        // A new cell, much like the second, inserted above it.
        s.save(
            "c2",
            &[
                ("a = 1", Some(1)),
                ("df.head(6)", Some(3)),
                ("df.head(5)", Some(2)),
            ],
        );
        // The second is edited and run.
        s.save(
            "c3",
            &[
                ("a = 1", Some(1)),
                ("df.head(6)", Some(3)),
                ("df.head(7)", Some(4)),
            ],
        );
        let l = assign(
            runs(&[
                (1, 1, "a = 1", "c1"),
                (1, 2, "df.head(5)", "c1"),
                (2, 3, "df.head(6)", "c2"),
                (3, 4, "df.head(7)", "c3"),
            ]),
            &mut s,
        );
        assert_eq!(previous(&l), vec![None, None, None, Some(1)]);
    }

    #[test]
    fn run_all_after_a_restart_keeps_every_cell() {
        let mut s = Fake::default();
        s.save(
            "c1",
            &[("a = 1", Some(1)), ("b = 2", Some(2)), ("c = 3", Some(3))],
        );
        s.save(
            "c2",
            &[("a = 1", Some(1)), ("b = 2", Some(2)), ("c = 3", Some(4))],
        );
        // Restart and run all: the counts start over, the first two repeat.
        s.save(
            "c3",
            &[("a = 1", Some(1)), ("b = 2", Some(2)), ("c = 3", Some(3))],
        );
        let l = assign(
            runs(&[
                (1, 1, "a = 1", "c1"),
                (1, 2, "b = 2", "c1"),
                (1, 3, "c = 3", "c1"),
                (2, 4, "c = 3", "c2"),
                (3, 1, "a = 1", "c3"),
                (3, 2, "b = 2", "c3"),
                (3, 3, "c = 3", "c3"),
            ]),
            &mut s,
        );
        assert_eq!(
            previous(&l),
            vec![None, None, None, Some(2), Some(0), Some(1), Some(3)]
        );
    }

    #[test]
    fn two_cells_with_the_same_source_are_told_apart() {
        let mut s = Fake::default();
        s.save("c1", &[("df.describe()", Some(1))]);
        // Copied without an edit and the copy run.
        s.save(
            "c2",
            &[("df.describe()", Some(1)), ("df.describe()", Some(2))],
        );
        // The original runs again, then the copy.
        s.save(
            "c3",
            &[("df.describe()", Some(3)), ("df.describe()", Some(2))],
        );
        s.save(
            "c4",
            &[("df.describe()", Some(3)), ("df.describe()", Some(4))],
        );
        let l = assign(
            runs(&[
                (1, 1, "df.describe()", "c1"),
                (2, 2, "df.describe()", "c2"),
                (3, 3, "df.describe()", "c3"),
                (4, 4, "df.describe()", "c4"),
            ]),
            &mut s,
        );
        assert_eq!(previous(&l), vec![None, None, Some(0), Some(1)]);
    }

    #[test]
    fn a_lagging_save_and_an_overwritten_run() {
        let mut s = Fake::default();
        s.save("c1", &[("x = 1", Some(1))]);
        // Record 2 was not saved: its commit holds the notebook of record 1.
        // Record 3 copied the cell and edited the copy; the save after it
        // shows both, and record 4 re-ran the copy before any save, so
        // record 3's run of it is shown nowhere.
        s.save("c4", &[("x = 2", Some(2)), ("x = 12", Some(4))]);
        let l = assign(
            runs(&[
                (1, 1, "x = 1", "c1"),
                (2, 2, "x = 2", "c1"),
                (3, 3, "x = 12", "c1"),
                (4, 4, "x = 12", "c4"),
            ]),
            &mut s,
        );
        assert_eq!(previous(&l), vec![None, Some(0), None, Some(2)]);
    }

    #[test]
    fn cell_ids_tell_a_copy_from_its_original() {
        let mut s = Fake::default();
        let cell = |id: &str, source: &str, count| NbCell {
            id: Some(id.into()),
            source: source.into(),
            count: Some(count),
        };
        s.0.insert("c1".into(), Arc::new(vec![cell("a", "print(1)", 1)]));
        // Copied without an edit (a new id) and the copy run; then the
        // original edited and run.
        s.0.insert(
            "c2".into(),
            Arc::new(vec![cell("a", "print(1)", 1), cell("b", "print(1)", 2)]),
        );
        s.0.insert(
            "c3".into(),
            Arc::new(vec![cell("a", "print(10)", 3), cell("b", "print(1)", 2)]),
        );
        let l = assign(
            runs(&[
                (1, 1, "print(1)", "c1"),
                (2, 2, "print(1)", "c2"),
                (3, 3, "print(10)", "c3"),
            ]),
            &mut s,
        );
        assert_eq!(previous(&l), vec![None, None, Some(0)]);
    }

    #[test]
    fn without_snapshots_runs_go_by_source() {
        let mut none = Fake::default();
        let mut e = runs(&[
            (1, 1, "x <- 1", ""),
            (2, 2, "plot(x)", ""),
            (3, 3, "x <- 2", ""),
        ]);
        for r in &mut e {
            r.notebook = "console".into();
        }
        let l = assign(e, &mut none);
        assert_eq!(previous(&l), vec![None, None, Some(0)]);
        assert_eq!(l.cells.first().map(|c| c.id.as_str()), Some("console#1"));
    }

    #[test]
    fn notebook_names_from_messages() {
        assert_eq!(
            notebook_of("Executed cell in notebook code/a b.ipynb and generated 2 results")
                .as_deref(),
            Some("code/a b.ipynb")
        );
        assert_eq!(
            notebook_of("Executed 3 cells in notebook code/x.ipynb").as_deref(),
            Some("code/x.ipynb")
        );
        assert_eq!(
            notebook_of("Executed code in console").as_deref(),
            Some("console")
        );
        assert_eq!(
            notebook_of("Executed chunk in code/report.Rmd").as_deref(),
            Some("code/report.Rmd")
        );
        assert_eq!(notebook_of("Added 2 pip packages"), None);
    }

    #[test]
    fn lcs_matches_a_shortest_edit_script() {
        // A fixed pseudo-random mix of short and long, alike and unlike strings.
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..400 {
            let len = (next() % 300) as usize;
            let a: Vec<u8> = (0..len)
                .map(|_| b"abcde\n ()"[(next() % 9) as usize])
                .collect();
            let mut b = a.clone();
            for _ in 0..(next() % 20) {
                let at = (next() as usize) % (b.len() + 1);
                if next() % 2 == 0 && at < b.len() {
                    b.remove(at);
                } else {
                    b.insert(at, b"xyz("[(next() % 4) as usize]);
                }
            }
            let ops = similar::capture_diff_slices(similar::Algorithm::Myers, &a, &b);
            let same: usize = ops
                .iter()
                .filter_map(|o| match o {
                    similar::DiffOp::Equal { len, .. } => Some(*len),
                    _ => None,
                })
                .sum();
            assert_eq!(lcs_len(&a, &b), same, "{a:?} {b:?}");
        }
        assert_eq!(lcs_len(b"", b"abc"), 0);
        assert_eq!(lcs_len(b"abc", b"abc"), 3);
    }

    #[test]
    fn ratio_is_one_for_equal_and_low_for_unrelated() {
        assert_eq!(ratio("x = 1", "x = 1"), 1.0);
        assert!(ratio("df.plot(bins=20)", "df.plot(bins=25)") > 0.8);
        assert!(ratio("import numpy as np", "z") < SIMILARITY);
    }
}
