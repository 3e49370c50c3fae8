//! The record held in an activity commit's message, parsed and written back.

use serde::{Deserialize, Serialize};

use super::key::LineKey;
use super::kinds::{ActionKind, DetailKind, RecordKind};

pub const START: &str = "_GTM_ACTIVITY_START_";
pub const END: &str = "_GTM_ACTIVITY_END_";
/// Lines of a record message are separated by these four bytes.
pub const SEP: &str = "**\n";

/// The `metadata:` JSON object of a record.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RecordMeta {
    pub kind: RecordKind,
    pub show: bool,
    pub importance: i64,
    pub linked_commit: String,
    pub tags: Vec<String>,
}

/// One detail line: where a detail object is stored and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailRef {
    pub kind: DetailKind,
    pub show: bool,
    pub importance: i64,
    pub key: LineKey,
    pub action: ActionKind,
    /// True for old four-field lines that carry no action.
    pub legacy: bool,
    /// What was wrong with the line itself, if anything.
    pub error: Option<String>,
}

/// A record parsed from a commit message. Problems are collected in `errors`;
/// whatever could be read is still there.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Record {
    pub message: String,
    pub meta: RecordMeta,
    pub details: Vec<DetailRef>,
    pub errors: Vec<String>,
}

#[derive(Deserialize)]
struct RawMeta {
    #[serde(rename = "type")]
    type_id: Option<i64>,
    show: Option<serde_json::Value>,
    importance: Option<i64>,
    linked_commit: Option<String>,
    tags: Option<Vec<String>>,
}

#[derive(Serialize)]
struct WriteMeta<'a> {
    show: bool,
    importance: i64,
    #[serde(rename = "type")]
    type_id: i64,
    linked_commit: &'a str,
    tags: &'a [String],
}

/// True when a commit message is meant to be an activity record.
pub fn is_record(message: &[u8]) -> bool {
    message.starts_with(START.as_bytes())
}

/// Parses a commit message. `None` when the commit is not an activity record
/// (its message does not start with `_GTM_ACTIVITY_START_`).
pub fn parse_message(raw: &[u8]) -> Option<Record> {
    if !is_record(raw) {
        return None;
    }
    let mut rec = Record::default();
    let text = match std::str::from_utf8(raw) {
        Ok(t) => std::borrow::Cow::Borrowed(t),
        Err(e) => {
            rec.errors.push(format!(
                "message is not valid UTF-8 (byte {}); invalid bytes replaced",
                e.valid_up_to()
            ));
            String::from_utf8_lossy(raw)
        }
    };
    // git tools may add a trailing newline; the record itself ends at END.
    let body = text.trim_end_matches(['\n', '\r', ' ']);
    let mut parts = body.split(SEP);
    let first = parts.next().unwrap_or_default();
    if first != START {
        rec.errors
            .push("record start line is not exactly _GTM_ACTIVITY_START_".to_string());
    }
    let mut parts: Vec<&str> = parts.collect();
    let ended = parts.last() == Some(&END);
    if ended {
        parts.pop();
    } else if let Some(last) = parts.last_mut() {
        // Cut right after a separator whose newline was trimmed.
        *last = last.strip_suffix("**").unwrap_or(last);
    }
    let mut lines = parts.into_iter();
    match lines.next() {
        Some(l) if l.starts_with("msg:") => rec.message = l["msg:".len()..].to_string(),
        Some(l) => {
            rec.errors
                .push(format!("expected msg: line, found {:?}", clip(l)));
        }
        None => rec
            .errors
            .push("record breaks off before its msg: line".into()),
    }
    match lines.next() {
        Some(l) if l.starts_with("metadata:") => {
            parse_meta(&l["metadata:".len()..], &mut rec);
        }
        Some(l) => rec
            .errors
            .push(format!("expected metadata: line, found {:?}", clip(l))),
        None => rec
            .errors
            .push("record breaks off before its metadata: line".into()),
    }
    match lines.next() {
        Some("details:") => {}
        Some(l) => rec
            .errors
            .push(format!("expected details: line, found {:?}", clip(l))),
        None => rec
            .errors
            .push("record breaks off before its details: line".into()),
    }
    for (i, line) in lines.enumerate() {
        rec.details.push(parse_detail_line(line, i));
    }
    if !ended {
        rec.errors.push(format!(
            "record breaks off after {} detail line(s): no _GTM_ACTIVITY_END_",
            rec.details.len()
        ));
    }
    Some(rec)
}

fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

fn parse_meta(json: &str, rec: &mut Record) {
    let raw: RawMeta = match serde_json::from_str(json) {
        Ok(m) => m,
        Err(e) => {
            rec.errors.push(format!("bad metadata JSON: {e}"));
            return;
        }
    };
    match raw.type_id {
        Some(t) => {
            rec.meta.kind = RecordKind::from_id(t);
            if !rec.meta.kind.is_known() {
                rec.errors.push(format!("unknown record type {t}"));
            }
        }
        None => {
            rec.meta.kind = RecordKind::Unknown(-1);
            rec.errors.push("metadata has no type".into());
        }
    }
    rec.meta.show = match raw.show {
        None => true,
        Some(serde_json::Value::Bool(b)) => b,
        Some(serde_json::Value::Number(n)) => n.as_i64() != Some(0),
        Some(v) => {
            rec.errors.push(format!("metadata show is not a bool: {v}"));
            true
        }
    };
    rec.meta.importance = raw.importance.unwrap_or(0);
    rec.meta.linked_commit = raw.linked_commit.unwrap_or_default();
    rec.meta.tags = raw.tags.unwrap_or_default();
}

/// Parses `type,show,importance,key[,action]`; `index` only names the line in errors.
pub fn parse_detail_line(line: &str, index: usize) -> DetailRef {
    let fields: Vec<&str> = line.split(',').collect();
    let mut d = DetailRef {
        kind: DetailKind::Unknown(-1),
        show: false,
        importance: 0,
        key: LineKey::default(),
        action: ActionKind::None,
        legacy: fields.len() == 4,
        error: None,
    };
    let mut errs = Vec::new();
    if fields.len() != 4 && fields.len() != 5 {
        d.error = Some(format!(
            "detail line {} has {} fields, expected 4 or 5: {:?}",
            index + 1,
            fields.len(),
            clip(line)
        ));
        return d;
    }
    let num = |s: &str, what: &str, errs: &mut Vec<String>| -> i64 {
        s.trim().parse::<i64>().unwrap_or_else(|_| {
            errs.push(format!("{what} {:?} is not a number", clip(s)));
            -1
        })
    };
    d.kind = DetailKind::from_id(num(fields[0], "type", &mut errs));
    if d.kind.id() >= 0 && !d.kind.is_known() {
        errs.push(format!("unknown detail type {}", d.kind.id()));
    }
    d.show = match fields[1].trim() {
        "1" | "True" | "true" => true,
        "0" | "False" | "false" => false,
        other => {
            errs.push(format!("show {:?} is not 0 or 1", clip(other)));
            false
        }
    };
    d.importance = num(fields[2], "importance", &mut errs).max(0);
    d.key = LineKey::parse(fields[3]);
    if let Some(a) = fields.get(4) {
        d.action = ActionKind::from_id(num(a, "action", &mut errs));
        if d.action.id() >= 0 && !d.action.is_known() {
            errs.push(format!("unknown action {}", d.action.id()));
        }
    }
    if !errs.is_empty() {
        d.error = Some(format!("detail line {}: {}", index + 1, errs.join("; ")));
    }
    d
}

impl DetailRef {
    /// The line as the client wrote it (four fields for legacy lines).
    pub fn to_line(&self) -> String {
        let show = u8::from(self.show);
        if self.legacy {
            format!(
                "{},{},{},{}",
                self.kind.id(),
                show,
                self.importance,
                self.key
            )
        } else {
            format!(
                "{},{},{},{},{}",
                self.kind.id(),
                show,
                self.importance,
                self.key,
                self.action.id()
            )
        }
    }
}

impl Record {
    /// The commit message the client would write for this record.
    pub fn to_message(&self) -> String {
        let meta = WriteMeta {
            show: self.meta.show,
            importance: self.meta.importance,
            type_id: self.meta.kind.id(),
            linked_commit: &self.meta.linked_commit,
            tags: &self.meta.tags,
        };
        let meta = serde_json::to_string(&meta).unwrap_or_else(|_| "{}".to_string());
        let mut out = String::new();
        for part in [
            START,
            &format!("msg:{}", self.message),
            &format!("metadata:{meta}"),
            "details:",
        ] {
            out.push_str(part);
            out.push_str(SEP);
        }
        for d in &self.details {
            out.push_str(&d.to_line());
            out.push_str(SEP);
        }
        out.push_str(END);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REAL: &str = "_GTM_ACTIVITY_START_**\nmsg:Executed code in console**\nmetadata:{\"show\":true,\"importance\":0,\"type\":2,\"linked_commit\":\"a113c06576bc07c8e3c0c521286eb7339aba34d2\",\"tags\":[]}**\ndetails:**\n2,1,155,log_fe906ce312aafd63700df8aea2fc3aa6X19nX19sc24AAAAAhwMAAEoAAAA=,1**\n3,0,254,log_fe906ce312aafd63700df8aea2fc3aa6X19nX19sc24AAAAA5QMAAFkAAAA=,4**\n_GTM_ACTIVITY_END_";

    #[test]
    fn parses_a_real_record_and_writes_it_back_identically() {
        let r = parse_message(REAL.as_bytes()).unwrap();
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert_eq!(r.message, "Executed code in console");
        assert_eq!(r.meta.kind, RecordKind::Code);
        assert!(r.meta.show);
        assert_eq!(
            r.meta.linked_commit,
            "a113c06576bc07c8e3c0c521286eb7339aba34d2"
        );
        assert_eq!(r.details.len(), 2);
        assert_eq!(r.details[0].kind, DetailKind::Result);
        assert!(r.details[0].show);
        assert_eq!(r.details[0].importance, 155);
        assert_eq!(r.details[1].action, ActionKind::Execute);
        assert!(!r.details[1].legacy);
        assert_eq!(r.to_message(), REAL);
    }

    #[test]
    fn unknown_kinds_are_kept_as_stored() {
        let odd = REAL
            .replace("\"type\":2", "\"type\":42")
            .replace("\n2,1,155,", "\n11,1,155,")
            .replace("=,4**", "=,9**");
        let r = parse_message(odd.as_bytes()).unwrap();
        assert_eq!(r.meta.kind, RecordKind::Unknown(42));
        assert_eq!(r.details[0].kind, DetailKind::Unknown(11));
        assert_eq!(r.details[1].action, ActionKind::Unknown(9));
        assert_eq!(r.to_message(), odd);
    }

    #[test]
    fn other_commits_are_not_records() {
        assert!(parse_message(b"Auto-commit from activity monitoring").is_none());
        assert!(parse_message(b"").is_none());
    }

    #[test]
    fn trailing_newline_is_tolerated() {
        let r = parse_message(format!("{REAL}\n").as_bytes()).unwrap();
        assert!(r.errors.is_empty());
    }

    #[test]
    fn legacy_four_field_lines_mean_action_none() {
        let d = parse_detail_line("3,0,254,log_x", 0);
        assert!(d.legacy);
        assert_eq!(d.action, ActionKind::None);
        assert!(d.error.is_none());
        assert_eq!(d.to_line(), "3,0,254,log_x");
    }

    #[test]
    fn broken_records_keep_what_they_have() {
        let cut = &REAL[..REAL.find("3,0,254").unwrap()];
        let r = parse_message(cut.as_bytes()).unwrap();
        assert_eq!(r.details.len(), 1, "the complete line is kept");
        assert!(
            r.errors.iter().any(|e| e.contains("breaks off")),
            "{:?}",
            r.errors
        );

        let bad = REAL.replace("\"type\":2", "\"type\":2,");
        let r = parse_message(bad.as_bytes()).unwrap();
        assert!(r.errors.iter().any(|e| e.starts_with("bad metadata JSON")));
        assert_eq!(r.details.len(), 2);

        let unknown = REAL.replace("\"type\":2", "\"type\":42");
        let r = parse_message(unknown.as_bytes()).unwrap();
        assert!(r.errors.iter().any(|e| e == "unknown record type 42"));

        let bad_detail = REAL.replace("\n2,1,155,", "\n11,x,155,");
        let r = parse_message(bad_detail.as_bytes()).unwrap();
        let e = r.details[0].error.as_deref().unwrap();
        assert!(
            e.contains("unknown detail type 11") && e.contains("show \"x\""),
            "{e}"
        );

        let r = parse_message(b"_GTM_ACTIVITY_START_").unwrap();
        assert!(!r.errors.is_empty());

        let mut raw = REAL.as_bytes().to_vec();
        raw[30] = 0xff;
        let r = parse_message(&raw).unwrap();
        assert!(r.errors.iter().any(|e| e.contains("UTF-8")));
    }
}
