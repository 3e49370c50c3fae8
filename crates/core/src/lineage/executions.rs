//! Executions read out of code records: each run's source, count, outputs and time.

use super::*;

/// What lineage needs of an output detail, read from its stored value
/// without decoding the entries (base64, Blosc, images).
#[derive(Default)]
pub(super) struct StoredOutput {
    tag: Option<String>,
    /// Hash of the entries' MIME types and stored text: equal outputs are
    /// stored alike.
    hash: u64,
}

/// One detail of a run, as far as lineage reads it.
pub(super) enum Part {
    Code(crate::activity::Detail),
    Output(StoredOutput),
}

/// Tag and entry hash of a stored output value, read by
/// [`crate::activity::detail::stored_value`] without decoding its entries.
pub(super) fn stored_output(value: &[u8]) -> Option<StoredOutput> {
    let v = crate::activity::detail::stored_value(value)?;
    let tag = v.tags.into_iter().find(|t| run_tag(t)).map(Cow::into_owned);
    let mut h = DefaultHasher::new();
    for (mime, data) in &v.entries {
        (mime.as_ref(), data.as_deref()).hash(&mut h);
    }
    Some(StoredOutput {
        tag,
        hash: h.finish(),
    })
}

/// The details of one record sharing a tag, as they are gathered.
pub(super) struct Group {
    tag: String,
    source: Option<String>,
    details: Vec<usize>,
    hasher: DefaultHasher,
    outputs: usize,
}

/// The executions of one record, ordered by execution count.
pub fn executions_of<'a>(row: impl RecordView<'a>, store: &DetailStore) -> Vec<Execution> {
    if row.kind() != RecordKind::Code {
        return Vec::new();
    }
    let Some(notebook) = notebook_of(row.message()) else {
        return Vec::new();
    };
    let commit = row.commit();
    let mut groups: Vec<Group> = Vec::new();
    for (i, line) in row.details().enumerate() {
        let kind = line.kind;
        if !matches!(kind, DetailKind::CodeExecuted | DetailKind::Result) {
            continue;
        }
        // Outputs are only compared, so their stored bytes are hashed
        // as they are; only the code is decoded.
        let part = if kind == DetailKind::CodeExecuted {
            Part::Code(store.detail(commit, &line))
        } else {
            let stored = line
                .key
                .parsed()
                .ok()
                .and_then(|key| store.with_value(commit, key, stored_output).ok())
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
    let linked_commit = row.linked_commit();
    let mut out: Vec<Execution> = groups
        .into_iter()
        .filter_map(|g| {
            Some(Execution {
                commit,
                time: row.time(),
                tz_minutes: row.tz_minutes(),
                notebook: notebook.clone(),
                ex: g.tag.strip_prefix("ex:").and_then(|n| n.parse().ok()),
                tag: g.tag,
                source: g.source?,
                details: g.details,
                outputs: g.hasher.finish(),
                output_count: g.outputs,
                linked_commit: linked_commit.to_string(),
            })
        })
        .collect();
    out.sort_by_key(|e| e.ex);
    out
}

/// The executions of `rows` (oldest first), in order.
pub(super) fn decode<'a, R: RecordView<'a> + Sync>(
    project: &Project,
    rows: &[R],
    threads: usize,
) -> Vec<Execution> {
    let sequential = |rows: &[R]| {
        let store = project.details();
        rows.iter()
            .flat_map(|&r| executions_of(r, &store))
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
                                .flat_map(|&r| executions_of(r, &store))
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
