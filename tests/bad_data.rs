//! Every kind of bad data becomes an error on its record or detail, naming what and where;
//! the rest of the history still reads and the commands exit 0.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use gtm_tui::activity::{DetailKey, blosc};
use gtm_tui::repo::Project;
use gtm_tui::synth::{DetailSpec, ProjectWriter, RecordSpec, WriterOptions};

/// Appends header + value at the end of the current log file; returns the key.
fn append_value(w: &mut ProjectWriter, value: &[u8]) -> String {
    let (file, offset) = w.append_raw(&[]);
    let (family, n) = file.rsplit_once('_').unwrap();
    let key = DetailKey {
        family: family.to_string(),
        file_number: n.parse().unwrap(),
        offset,
        length: value.len() as u32,
    };
    let mut bytes = key.header().to_vec();
    bytes.extend_from_slice(value);
    w.append_raw(&bytes);
    key.encode()
}

fn raw_record(msg: &str, lines: &[String]) -> RecordSpec {
    let mut r = RecordSpec::new(2, msg);
    r.details = lines
        .iter()
        .map(|l| DetailSpec::RawLine(l.clone()))
        .collect();
    r
}

struct Case {
    commit: git2::Oid,
    /// Expected in the record's errors (None: record itself fine).
    record_error: Option<&'static str>,
    /// Expected in each detail's errors, in order.
    detail_errors: Vec<&'static str>,
}

#[test]
fn bad_data_is_reported_where_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = ProjectWriter::new(WriterOptions::default());
    let mut cases = Vec::new();

    let good = w.record({
        let mut r = RecordSpec::new(2, "Executed cell in notebook code/a.ipynb");
        r.details = vec![DetailSpec::text(2, 1, "text/plain", "42\n")];
        r
    });
    let good_key = good.keys[0].clone();
    let good_line = format!("2,1,0,{good_key},1");
    cases.push(Case {
        commit: good.activity,
        record_error: None,
        detail_errors: vec![""],
    });

    // Messages that start like a record but are broken.
    let full = format!(
        "_GTM_ACTIVITY_START_**\nmsg:Cut**\nmetadata:{{\"show\":true,\"importance\":0,\"type\":2,\"linked_commit\":\"\",\"tags\":[]}}**\ndetails:**\n{good_line}**\n_GTM_ACTIVITY_END_"
    );
    let cut = &full[..full.find("_GTM_ACTIVITY_END_").unwrap()];
    cases.push(Case {
        commit: w.raw_commit(cut.as_bytes()),
        record_error: Some("breaks off"),
        detail_errors: vec![""],
    });
    let bad_meta = full.replace("\"tags\":[]}", "\"tags\":[}");
    cases.push(Case {
        commit: w.raw_commit(bad_meta.as_bytes()),
        record_error: Some("bad metadata JSON"),
        detail_errors: vec![""],
    });
    let unknown = full.replace("\"type\":2", "\"type\":42");
    cases.push(Case {
        commit: w.raw_commit(unknown.as_bytes()),
        record_error: Some("unknown record type 42"),
        detail_errors: vec![""],
    });
    let mut non_utf8 = full.clone().into_bytes();
    let at = full.find("Cut").unwrap();
    non_utf8[at] = 0xC3;
    non_utf8[at + 1] = 0x28;
    cases.push(Case {
        commit: w.raw_commit(&non_utf8),
        record_error: Some("not valid UTF-8"),
        detail_errors: vec![""],
    });

    // Detail lines whose keys point nowhere good.
    let k = DetailKey::parse(&good_key).unwrap();
    let wrong_len = DetailKey {
        length: k.length + 1,
        ..k.clone()
    }
    .encode();
    let past_end = DetailKey {
        offset: 50_000_000,
        ..k.clone()
    }
    .encode();
    let no_file = DetailKey {
        file_number: 9,
        ..k.clone()
    }
    .encode();
    let other_family = DetailKey {
        family: format!("log_{}", "e".repeat(32)),
        ..k.clone()
    }
    .encode();
    let lines = vec![
        format!("12,1,0,{good_key},1"),
        "2,1,0,log_not_a_key,1".to_string(),
        format!("2,1,0,{wrong_len},1"),
        format!("2,1,0,{past_end},1"),
        format!("2,1,0,{no_file},1"),
        format!("2,1,0,{other_family},1"),
        "2,1,0".to_string(),
    ];
    cases.push(Case {
        commit: w.record(raw_record("Bad keys", &lines)).activity,
        record_error: None,
        detail_errors: vec![
            "unknown detail type 12",
            "bad key",
            "does not match the key: length",
            "past the end",
            "_9 (looked in",
            "is missing",
            "3 fields",
        ],
    });

    // Values that are broken inside the log file.
    let chunk = {
        let mut c = blosc::compress(&vec![b'x'; 5000]);
        let n = c.len();
        for b in &mut c[16..n] {
            *b = !*b;
        }
        STANDARD.encode(c)
    };
    let values: Vec<Vec<u8>> = vec![
        b"\0{not json".to_vec(),
        b"\0{\"t\":2,\"i\":0,\"s\":1,\"d\":{\"text/plain\":\"@@@\"}}".to_vec(),
        format!("\x01{{\"t\":2,\"i\":0,\"s\":1,\"d\":{{\"text/plain\":\"{chunk}\"}}}}")
            .into_bytes(),
        format!(
            "\0{{\"t\":2,\"i\":0,\"s\":1,\"d\":{{\"text/plain\":\"{}\"}}}}",
            STANDARD.encode([0xff, 0xfe, b'a'])
        )
        .into_bytes(),
        format!(
            "\0{{\"t\":2,\"i\":0,\"s\":1,\"d\":{{\"image/png\":\"{}\"}}}}",
            STANDARD.encode(b"\xff\xd8\xff\xe0\x00\x04xx")
        )
        .into_bytes(),
        Vec::new(),
    ];
    let lines: Vec<String> = values
        .iter()
        .map(|v| format!("2,1,0,{},1", append_value(&mut w, v)))
        .collect();
    cases.push(Case {
        commit: w.record(raw_record("Bad values", &lines)).activity,
        record_error: None,
        detail_errors: vec![
            "not valid JSON",
            "text/plain: bad base64",
            "text/plain: Blosc",
            "not valid UTF-8 at byte 0",
            "image/png: jpeg",
            "empty",
        ],
    });

    let last = w.record({
        let mut r = RecordSpec::new(0, "A note after the damage");
        r.details = vec![DetailSpec::text(7, 0, "text/markdown", "# still here")];
        r
    });
    cases.push(Case {
        commit: last.activity,
        record_error: None,
        detail_errors: vec![""],
    });
    w.finish(dir.path()).unwrap();

    let project = Project::open(dir.path(), None).unwrap();
    let store = project.details();
    let rows = project.records().unwrap();
    assert_eq!(rows.len(), cases.len(), "every record is still listed");
    for case in &cases {
        let row = rows.iter().find(|r| r.commit == case.commit).unwrap();
        let errs = row.record.errors.join("; ");
        match case.record_error {
            None => assert!(errs.is_empty(), "{}: {errs}", row.record.message),
            Some(e) => assert!(errs.contains(e), "want {e:?} in {errs:?}"),
        }
        assert_eq!(
            row.record.details.len(),
            case.detail_errors.len(),
            "{}",
            row.record.message
        );
        for (line, want) in row.record.details.iter().zip(&case.detail_errors) {
            let d = store.detail(row.commit, line);
            let errs = d.errors.join("; ");
            if want.is_empty() {
                assert!(errs.is_empty(), "{}: {errs}", line.key);
            } else {
                assert!(errs.contains(want), "want {want:?} in {errs:?}");
            }
        }
    }
    let good_row = rows.iter().find(|r| r.commit == good.activity).unwrap();
    assert_eq!(
        store
            .detail(good_row.commit, &good_row.record.details[0])
            .text(),
        Some("42\n")
    );

    // The commands carry on and exit 0, the errors in their output.
    let path = dir.path().to_str().unwrap();
    let (code, out, err) = common::gtm(&["export", path]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), cases.len());
    assert!(out.contains("unknown detail type 12") && out.contains("text/plain: Blosc"));
    let (code, out, _) = common::gtm(&["log", path]);
    assert_eq!(code, 0);
    // The four broken messages, and "Bad keys" for its broken detail lines.
    assert_eq!(out.lines().filter(|l| l.ends_with("!")).count(), 5, "{out}");
    let (code, out, _) = common::gtm(&["show", &cases[6].commit.to_string(), path]);
    assert_eq!(code, 0);
    assert!(out.contains("error: value is not valid JSON"), "{out}");
    assert!(out.contains("(key log_"), "errors name the key: {out}");
}

/// Found by `cargo fuzz run detail`: a run-length stream whose size is
/// `i32::MIN` made blusc negate it, a panic where overflow is checked
/// (caught, but the panic hook had already run). It is an error on the
/// entry now, found before blusc is called.
#[test]
fn blosc_run_of_size_i32_min_is_an_error() {
    // Blosc 1 header: version 2, blosclz, flags "one stream per block",
    // typesize 8; 8 bytes in one block of 8; 25 bytes in all. The block
    // starts at 20 with one stream: size i32::MIN, then its token byte.
    let mut chunk = vec![2, 1, 0x10, 8];
    for word in [8u32, 8, 25, 20] {
        chunk.extend_from_slice(&word.to_le_bytes());
    }
    chunk.extend_from_slice(&i32::MIN.to_le_bytes());
    chunk.push(1);
    let err = blosc::decompress(&chunk).unwrap_err();
    assert_eq!(
        err,
        blosc::BloscError::Corrupt("block 0 has a stream of size -2147483648".into())
    );

    // Through the detail decoder, as a log file would hold it.
    let value = format!(
        "\u{1}{{\"t\":2,\"d\":{{\"text/plain\":\"{}\"}}}}",
        STANDARD.encode(&chunk)
    );
    let d = gtm_tui::activity::detail::decode_value(value.as_bytes());
    assert_eq!(
        d.errors,
        ["text/plain: Blosc chunk does not decompress: block 0 has a stream of size -2147483648"]
    );
}
