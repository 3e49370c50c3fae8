//! One way to read a record whether it is unpacked (`&RecordRow`) or still
//! packed in the timeline's `Rows` (`RowRef`), so that work over a whole
//! history reads the rows where they are instead of unpacking every one.

use std::borrow::Cow;

use git2::Oid;

use super::{RecordRow, RowRef};
use crate::activity::{DetailRef, RecordKind};

/// What the model reads of a record. Implemented by cheap handles (`Copy`)
/// that borrow the record for `'a`, so that what they give out (author,
/// message, tags) can be kept while the handle is not.
pub trait RecordView<'a>: Copy + 'a {
    fn commit(self) -> Oid;
    /// Commit time, unix seconds.
    fn time(self) -> i64;
    /// The author's offset from UTC in minutes.
    fn tz_minutes(self) -> i32;
    fn author(self) -> &'a str;
    fn email(self) -> &'a str;
    fn message(self) -> &'a str;
    fn kind(self) -> RecordKind;
    /// The client's `show` flag.
    fn show(self) -> bool;
    fn linked_commit(self) -> Cow<'a, str>;
    fn tags(self) -> impl Iterator<Item = &'a str> + 'a;
    /// The detail lines, in order (unpacked one at a time from `Rows`).
    fn details(self) -> impl Iterator<Item = Cow<'a, DetailRef>> + 'a;
    /// Detail line `i`.
    fn detail(self, i: usize) -> Option<Cow<'a, DetailRef>> {
        self.details().nth(i)
    }
    /// The record as a `RecordRow` of its own.
    fn to_row(self) -> RecordRow;
}

impl<'a> RecordView<'a> for &'a RecordRow {
    fn commit(self) -> Oid {
        self.commit
    }
    fn time(self) -> i64 {
        self.time
    }
    fn tz_minutes(self) -> i32 {
        self.tz_minutes
    }
    fn author(self) -> &'a str {
        &self.author
    }
    fn email(self) -> &'a str {
        &self.email
    }
    fn message(self) -> &'a str {
        &self.record.message
    }
    fn kind(self) -> RecordKind {
        self.record.meta.kind
    }
    fn show(self) -> bool {
        self.record.meta.show
    }
    fn linked_commit(self) -> Cow<'a, str> {
        Cow::Borrowed(&self.record.meta.linked_commit)
    }
    fn tags(self) -> impl Iterator<Item = &'a str> + 'a {
        self.record.meta.tags.iter().map(String::as_str)
    }
    fn details(self) -> impl Iterator<Item = Cow<'a, DetailRef>> + 'a {
        self.record.details.iter().map(Cow::Borrowed)
    }
    fn detail(self, i: usize) -> Option<Cow<'a, DetailRef>> {
        self.record.details.get(i).map(Cow::Borrowed)
    }
    fn to_row(self) -> RecordRow {
        self.clone()
    }
}

impl<'a> RecordView<'a> for RowRef<'a> {
    fn commit(self) -> Oid {
        RowRef::commit(&self)
    }
    fn time(self) -> i64 {
        RowRef::time(&self)
    }
    fn tz_minutes(self) -> i32 {
        RowRef::tz_minutes(&self)
    }
    fn author(self) -> &'a str {
        RowRef::author(&self)
    }
    fn email(self) -> &'a str {
        RowRef::email(&self)
    }
    fn message(self) -> &'a str {
        RowRef::message(&self)
    }
    fn kind(self) -> RecordKind {
        RowRef::kind(&self)
    }
    fn show(self) -> bool {
        RowRef::show(&self)
    }
    fn linked_commit(self) -> Cow<'a, str> {
        RowRef::linked_commit(&self)
    }
    fn tags(self) -> impl Iterator<Item = &'a str> + 'a {
        RowRef::tags(&self)
    }
    fn details(self) -> impl Iterator<Item = Cow<'a, DetailRef>> + 'a {
        RowRef::details(&self).map(Cow::Owned)
    }
    fn to_row(self) -> RecordRow {
        RowRef::to_row(&self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::parse_message;
    use crate::repo::Rows;

    /// Everything the view gives, written out to compare.
    fn seen<'a>(r: impl RecordView<'a>) -> String {
        let details: Vec<DetailRef> = r.details().map(Cow::into_owned).collect();
        format!(
            "{} {} {} {} {} {} {:?} {} {} {:?} {details:?}",
            r.commit(),
            r.time(),
            r.tz_minutes(),
            r.author(),
            r.email(),
            r.message(),
            r.kind(),
            r.show(),
            r.linked_commit(),
            r.tags().collect::<Vec<_>>(),
        )
    }

    #[test]
    fn packed_and_unpacked_records_read_alike() {
        let key = "log_0123456789abcdef0123456789abcdefX19nX19sc24BAAAAFAAAAAkAAAA=";
        let messages = [
            format!(
                "_GTM_ACTIVITY_START_**\nmsg:Executed cell in notebook a.ipynb**\nmetadata:{{\"show\":false,\"importance\":3,\"type\":2,\"linked_commit\":\"9f0e3c1b2a4d5e6f708192a3b4c5d6e7f8091a2b\",\"tags\":[\"ex:1\",\"ünï\"]}}**\ndetails:**\n3,1,0,{key},4**\n2,0,10,log_short,1**\n11,x,1,{key}**\n_GTM_ACTIVITY_END_"
            ),
            "_GTM_ACTIVITY_START_**\nmsg:odd**\nmetadata:{\"type\":300,\"linked_commit\":\"not hex\"}**\ndetails:**\n_GTM_ACTIVITY_END_".to_string(),
            "_GTM_ACTIVITY_START_**\nmsg:broken**\nmetadata:{nope**\n".to_string(),
        ];
        let rows: Vec<RecordRow> = messages
            .iter()
            .enumerate()
            .map(|(n, m)| RecordRow {
                commit: Oid::from_bytes(&[n as u8 + 1; 20]).unwrap(),
                time: 1_550_000_000 + n as i64,
                tz_minutes: 120,
                author: format!("user{n}"),
                email: format!("user{n}@example.org"),
                record: parse_message(m.as_bytes()).unwrap(),
            })
            .collect();
        let packed = Rows::from_rows(&rows);
        for (row, r) in rows.iter().zip(packed.iter()) {
            assert_eq!(seen(row), seen(r));
            assert_eq!(r.detail(1), row.detail(1));
            assert_eq!(r.detail(9), None);
            assert_eq!(RecordView::to_row(r), *row);
        }
    }
}
