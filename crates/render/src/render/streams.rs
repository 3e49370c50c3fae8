//! Consecutive stream outputs of one execution as one block, as Jupyter shows them.
//!
//! A kernel sends what a cell prints in as many chunks as it flushed (a C++ kernel sends one
//! per `std::endl`), and both histories keep every chunk as an output of its own: the activity
//! log one result detail each, a notebook one `stream` output each when the writer did not
//! join them. Jupyter shows a run of chunks of one stream as one text, so the pane and `show`
//! do too, instead of one header per chunk.

use std::ops::Range;

use crate::activity::kinds::DetailKind;
use crate::activity::{Content, Detail, DetailRef};
use crate::render::text::split_truncated;

/// The runs of outputs shown as one block, in order, covering every index of `keys` once:
/// `keys[i]` is `Some(k)` for an output that may join its neighbours (a stream chunk, `k`
/// saying which execution and stream it belongs to), `None` for one that stands alone (a
/// picture, a result, an error). Consecutive outputs with equal `Some` keys form one run.
pub fn runs<K: PartialEq>(keys: &[Option<K>]) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        let joins = key.is_some()
            && out
                .last()
                .and_then(|r| keys.get(r.start))
                .is_some_and(|first| first == key);
        match out.last_mut() {
            Some(last) if joins => last.end = i + 1,
            _ => out.push(i..i + 1),
        }
    }
    out
}

/// The text of a run of chunks: joined as the kernel wrote them, since each chunk carries its
/// own line ends (a chunk without one continues on the next chunk's line, as in Jupyter).
pub fn join<'a>(chunks: impl IntoIterator<Item = &'a str>) -> String {
    chunks.into_iter().collect()
}

/// A detail's execution tag (`ex:6`), if it has one.
pub fn ex_tag(d: &Detail) -> Option<&str> {
    d.tags
        .iter()
        .map(String::as_str)
        .find(|t| t.starts_with("ex:"))
}

/// What an activity-log detail joins a run of stream chunks by (see [`runs`]), or `None` when
/// it stands alone.
///
/// The activity log has no mark for a stream: the client stored every stdout/stderr chunk,
/// like a result's plain-text form, as a result detail with one `text/plain` entry, tagged
/// with its execution. So a chunk is such a detail with an execution tag; a run of them is
/// one execution's consecutive plain-text outputs with the same shown/hidden flag (a hidden
/// chunk must stay countable as hidden). A detail that failed to decode, or whose text the
/// writer cut at 64 kB, stands alone so that its error or its cut stays where it was.
pub fn activity_key<'a>(line: &DetailRef, d: &'a Detail) -> Option<(&'a str, bool)> {
    if line.kind != DetailKind::Result || !d.errors.is_empty() {
        return None;
    }
    match d.content.as_slice() {
        [Content::Text { mime, text }] if mime == "text/plain" && !split_truncated(text).1 => {
            Some((ex_tag(d)?, line.show))
        }
        _ => None,
    }
}

/// What a notebook output joins a run of stream chunks by (see [`runs`]): its stream's name
/// for a `stream` output with text, `None` for any other output.
pub fn notebook_key(o: &gtm_core::notebook::Output) -> Option<&str> {
    match (o.output_type.as_deref(), &o.text) {
        (Some("stream"), Some(_)) => Some(o.name.as_deref().unwrap_or("")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_keys_in_a_row_merge() {
        let keys = [Some(6), Some(6), Some(6), Some(7), Some(7)];
        assert_eq!(runs(&keys), vec![0..3, 3..5]);
    }

    #[test]
    fn a_standalone_output_breaks_a_run() {
        // stdout, a picture, stdout again: Jupyter shows three blocks.
        let keys = [Some(1), None, Some(1), Some(1)];
        assert_eq!(runs(&keys), vec![0..1, 1..2, 2..4]);
        // Two standalone outputs in a row stay two.
        assert_eq!(runs(&[None::<u8>, None]), vec![0..1, 1..2]);
    }

    #[test]
    fn different_streams_stay_apart() {
        let keys = [
            Some((6, "stdout")),
            Some((6, "stderr")),
            Some((6, "stdout")),
        ];
        assert_eq!(runs(&keys), vec![0..1, 1..2, 2..3]);
    }

    #[test]
    fn runs_cover_every_index_once() {
        let keys = [
            Some(1),
            Some(1),
            None,
            Some(2),
            None,
            None,
            Some(2),
            Some(2),
        ];
        let got = runs(&keys);
        let flat: Vec<usize> = got.iter().flat_map(|r| r.clone()).collect();
        assert_eq!(flat, (0..keys.len()).collect::<Vec<_>>());
        assert!(runs::<u8>(&[]).is_empty());
    }

    /// A detail line of `kind` (shown or not) and a decoded detail tagged `ex:6`.
    fn detail(kind: i64, show: bool, content: Vec<Content>) -> (DetailRef, Detail) {
        let key = "log_fe906ce312aafd63700df8aea2fc3aa6X19nX19sc24AAAAAhwMAAEoAAAA=";
        let line = crate::activity::record::parse_detail_line(
            &format!("{kind},{},255,{key},1", u8::from(show)),
            0,
        );
        let d = Detail {
            tags: vec!["ex:6".into()],
            content,
            ..Detail::default()
        };
        (line, d)
    }

    fn text(mime: &str, t: &str) -> Content {
        Content::Text {
            mime: mime.into(),
            text: t.into(),
        }
    }

    #[test]
    fn plain_text_results_of_one_execution_are_chunks() {
        let (line, d) = detail(2, true, vec![text("text/plain", "1\n")]);
        assert_eq!(activity_key(&line, &d), Some(("ex:6", true)));
        let (hidden, d2) = detail(2, false, vec![text("text/plain", "2\n")]);
        // Shown and hidden chunks never share a block.
        assert_ne!(activity_key(&line, &d), activity_key(&hidden, &d2));
    }

    #[test]
    fn other_details_stand_alone() {
        let cases = [
            // Executed code is not an output.
            detail(3, true, vec![text("text/markdown", "```\nx\n```")]),
            // Markdown, two entries, a binary entry.
            detail(2, true, vec![text("text/markdown", "# a")]),
            detail(
                2,
                true,
                vec![text("text/plain", "a"), text("text/plain", "b")],
            ),
            detail(
                2,
                true,
                vec![Content::Binary {
                    mime: "application/pdf".into(),
                    len: 3,
                }],
            ),
            // Cut by the writer: its cut must stay in place.
            detail(2, true, vec![text("text/plain", "x\n<result truncated>")]),
        ];
        for (line, d) in &cases {
            assert_eq!(activity_key(line, d), None, "{d:?}");
        }
        // No execution tag (console work), or a decoding error.
        let (line, mut d) = detail(2, true, vec![text("text/plain", "1\n")]);
        d.tags = vec!["console".into()];
        assert_eq!(activity_key(&line, &d), None);
        let (line, mut d) = detail(2, true, vec![text("text/plain", "1\n")]);
        d.errors = vec!["blosc: bad header".into()];
        assert_eq!(activity_key(&line, &d), None);
    }

    #[test]
    fn chunks_join_as_written() {
        assert_eq!(join(["a\n", "b\n", "c"]), "a\nb\nc");
        // A chunk without a line end continues on the next one's line.
        assert_eq!(join(["progress: ", "done\n"]), "progress: done\n");
        assert_eq!(join([]), "");
    }
}
