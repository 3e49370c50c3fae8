//! Measures gtm-tui's hand-written parts against the maintained crates that do the same job
//! (README "Other hand-written parts"): what each gives on ordinary and hostile input, how fast
//! (best of N, as a ratio to ours) and how many crates each would add to the project's tree.
//! `cargo run --release --manifest-path benches/handwritten/Cargo.toml [-- SECTION...]`, with
//! sections wrap, sanitize, truncate, varint, numbers, pep508, time, ansi and deps.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::hint::black_box;
use std::io::Write as _;
use std::process::Command;
use std::str::FromStr as _;
use std::time::Duration;

use ratatui::text::{Line, Span};
use unicode_segmentation::UnicodeSegmentation as _;
use unicode_width::UnicodeWidthStr as _;

/// The cache files' varints, compiled here from the project's own file (the module is private
/// to gtm-core).
#[allow(dead_code)]
#[path = "../../../crates/core/src/bytes.rs"]
mod ours_bytes;

use gtm_core::columns;
use gtm_render::render::{linewrap, numbers, sanitize};

/// `best`, shared with the other benchmarks.
#[path = "../../common/timing.rs"]
mod timing;
use timing::best;

fn main() {
    let only: Vec<String> = std::env::args().skip(1).collect();
    let sections: [(&str, fn()); 9] = [
        ("wrap", wrapping),
        ("sanitize", sanitiser),
        ("truncate", truncating),
        ("varint", varints),
        ("numbers", number_formats),
        ("pep508", requirements),
        ("time", times),
        ("ansi", cell_outputs),
        ("deps", dependencies),
    ];
    for (name, run) in sections {
        if only.is_empty() || only.iter().any(|o| o == name) {
            run();
        }
    }
}

// ------------------------------------------------------------------- helpers

fn speed(what: &str, ours: Duration, theirs: &[(&str, Duration)]) {
    let mut line = format!("  speed {what}: ours {:.2} ms", ours.as_secs_f64() * 1e3);
    for (name, d) in theirs {
        line.push_str(&format!(
            "; {name} {:.2} ms ({:.2}x ours)",
            d.as_secs_f64() * 1e3,
            d.as_secs_f64() / ours.as_secs_f64()
        ));
    }
    println!("{line}");
}

/// Bytes as a Rust-like literal: valid text with `escape_debug` (so a real U+009B shows as
/// `\u{9b}` and our printed marker as `\\u{9b}`), invalid bytes as `\xNN`.
fn shown(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.utf8_chunks() {
        out.extend(chunk.valid().chars().flat_map(char::escape_debug));
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// What is left in `bytes` that a terminal may act on or that reorders what it shows.
fn residue(bytes: &[u8]) -> String {
    let mut found = BTreeSet::new();
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\x1b' => found.insert("ESC"),
                '\n' | '\t' => false,
                '\0'..='\x1f' => found.insert("C0"),
                '\x7f' => found.insert("DEL"),
                '\u{80}'..='\u{9f}' => found.insert("C1"),
                '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => found.insert("BIDI"),
                '\u{200e}' | '\u{200f}' | '\u{061c}' => found.insert("bidi-mark"),
                _ => false,
            };
        }
        if chunk.invalid().iter().any(|b| (0x80..=0x9f).contains(b)) {
            found.insert("8bit-C1");
        } else if !chunk.invalid().is_empty() {
            found.insert("bad-UTF8");
        }
    }
    if found.is_empty() {
        "clean".into()
    } else {
        found.into_iter().collect::<Vec<_>>().join("+")
    }
}

/// Whether cutting `s` into `parts` split a grapheme cluster (an emoji sequence, a letter
/// from its accent).
fn splits_clusters(parts: &[String]) -> bool {
    let whole: String = parts.concat();
    let sum: usize = parts.iter().map(|p| p.graphemes(true).count()).sum();
    sum != whole.graphemes(true).count()
}

// ------------------------------------------------------------------- 1. sanitiser

/// A sanitiser on vte 0.15 as one would write it: printable characters, newline and tab
/// through, everything the parser calls a sequence dropped.
fn vte_clean(bytes: &[u8]) -> Vec<u8> {
    struct Keep(String);
    impl vte::Perform for Keep {
        fn print(&mut self, c: char) {
            self.0.push(c);
        }
        fn execute(&mut self, b: u8) {
            if b == b'\n' || b == b'\t' {
                self.0.push(char::from(b));
            }
        }
    }
    let mut keep = Keep(String::new());
    let mut parser = vte::Parser::new();
    parser.advance(&mut keep, bytes);
    keep.0.into_bytes()
}

/// What [`sanitize::Guard`] writes for `bytes`.
fn guard_bytes(bytes: &[u8], sgr: bool) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut g = sanitize::Guard::new(&mut out, sgr);
        g.write_all(bytes).unwrap();
        g.finish().unwrap();
    }
    out
}

fn hostile_inputs() -> Vec<(&'static str, Vec<u8>)> {
    let s = |name, t: &str| (name, t.as_bytes().to_vec());
    let b = |name, t: &[u8]| (name, t.to_vec());
    vec![
        s("plain text", "hello, world"),
        s("SGR colour", "\x1b[31mred\x1b[0m"),
        s("SGR conceal (8)", "\x1b[8mhidden"),
        s("CSI clear screen", "\x1b[2J\x1b[H"),
        s("CSI hide cursor", "\x1b[?25l"),
        s("OSC 0 title, BEL", "\x1b]0;pwned\x07"),
        s("OSC 52 clipboard, ST", "\x1b]52;c;aGk=\x1b\\"),
        s(
            "OSC 8 hyperlink",
            "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",
        ),
        s("DCS DECRQSS", "\x1bP$qm\x1b\\"),
        s("APC (kitty image)", "\x1b_Ga=d\x1b\\"),
        s("PM and SOS", "\x1b^pm\x1b\\\x1bXsos\x1b\\"),
        s(
            "OSC never ended",
            "\x1b]0;title, then the rest of the message\nand the next line",
        ),
        s("SOS never ended", "\x1bXthe rest of the output"),
        s(
            "CSI, 80 bytes of params",
            &format!("\x1b[{}m after", "1;".repeat(40)),
        ),
        s("ESC c (full reset)", "\x1bc"),
        s("lone ESC at end", "abc\x1b"),
        s("C1 CSI U+009B", "\u{9b}2J"),
        s("C1 OSC U+009D..ST U+009C", "\u{9d}0;pwned\u{9c}"),
        s("C1 NEL U+0085", "a\u{85}b"),
        b("8-bit CSI byte 0x9B", b"\x9b2J"),
        s("BEL", "ding\x07"),
        s("backspace overwrite", "safe\x08\x08\x08\x08evil"),
        s("CR overwrite", "safe\rEVIL"),
        s("NUL and DEL", "a\0b\x7fc"),
        s("tab and newline", "a\tb\nc"),
        s("bidi RLO U+202E", "invoice\u{202e}fdp.exe"),
        s("bidi isolate U+2066..9", "a\u{2067}b\u{2069}c"),
        s("RLM U+200F", "x\u{200f}y"),
        b("invalid UTF-8", b"ok\xff\xfe\xc0\xafend"),
        b("cut C1 lead 0xC2 at end", b"ab\xc2"),
        s("ZWJ emoji, CJK, accent", "👨‍👩‍👧 数据 e\u{301}"),
    ]
}

fn sanitiser() {
    println!("== 2. sanitize.rs vs strip-ansi-escapes 0.2.1 (vte 0.14) and vte 0.15");
    println!(
        "  columns: ours line() on from_utf8_lossy | ours Guard, colour off | ours Guard, colour on | strip_ansi_escapes::strip | vte 0.15 print+\\n\\t"
    );
    println!("  each cell: output, then [what a terminal could still act on]");
    for (name, input) in hostile_inputs() {
        let lossy = String::from_utf8_lossy(&input);
        let outs: [(&str, Vec<u8>); 5] = [
            ("line", sanitize::line(&lossy).into_owned().into_bytes()),
            ("guard", guard_bytes(&input, false)),
            ("guard+sgr", guard_bytes(&input, true)),
            ("strip-ansi", strip_ansi_escapes::strip(&input)),
            ("vte", vte_clean(&input)),
        ];
        println!(
            "  {name}: input \"{}\" [{}]",
            shown(&input),
            residue(&input)
        );
        for (who, out) in &outs {
            println!("      {who:<10} \"{}\" [{}]", shown(out), residue(out));
        }
    }
    // Speed: a megabyte of plain text (the common case) and one with a control every 40 bytes.
    let plain = "the quick brown fox jumps over the lazy dog, 0123456789\n".repeat(18_000);
    let dirty = "some output \x1b[31mred\x1b[0m and a \x07bell, \u{9b}2J tail\n".repeat(20_000);
    for (what, text) in [("1 MB plain", &plain), ("1 MB with escapes", &dirty)] {
        let ours = best(7, || {
            black_box(sanitize::text(black_box(text)));
        });
        let guard_t = best(7, || {
            black_box(guard_bytes(black_box(text.as_bytes()), false));
        });
        let strip = best(7, || {
            black_box(strip_ansi_escapes::strip(black_box(text.as_bytes())));
        });
        let v = best(7, || {
            black_box(vte_clean(black_box(text.as_bytes())));
        });
        speed(
            &format!("{what}, ours text()"),
            ours,
            &[("ours Guard", guard_t), ("strip-ansi", strip), ("vte", v)],
        );
    }
}

// ------------------------------------------------------------------- 2. line wrap

fn ours_wrap(s: &str, width: usize) -> Vec<String> {
    linewrap::wrap(
        &Line::raw(s.to_string()),
        0,
        width,
        &Span::raw(linewrap::MARKER),
    )
    .into_iter()
    .map(|(l, _)| l.spans.iter().map(|s| s.content.as_ref()).collect())
    .collect()
}

fn textwrap_wrap(s: &str, width: usize) -> Vec<String> {
    let opts = textwrap::Options::new(width).subsequent_indent(linewrap::MARKER);
    textwrap::wrap(s, opts)
        .into_iter()
        .map(|c| c.into_owned())
        .collect()
}

fn wrapping() {
    println!("== 1. linewrap.rs vs textwrap 0.16.4 (marker \"↪ \" as subsequent_indent)");
    let cases: Vec<(&str, String, usize)> = vec![
        (
            "words",
            "the quick brown fox jumps over the lazy dog".into(),
            12,
        ),
        (
            "code indent",
            "        return alpha + beta + gamma".into(),
            16,
        ),
        ("hyphens", "state-of-the-art well-known things".into(), 12),
        ("long word", "x".repeat(25), 10),
        ("runs of spaces", "a    b    c    d    e    f".into(), 7),
        ("CJK", "日本語日本語日本語".into(), 11),
        ("ZWJ emoji", "👨‍👩‍👧‍👦".repeat(5), 7),
        ("combining", "e\u{301}".repeat(20), 7),
        ("VS16 emoji", "\u{2764}\u{fe0f}".repeat(8), 7),
        ("flags", "🇩🇪🇫🇷🇯🇵🇩🇪🇫🇷🇯🇵".into(), 7),
        ("too narrow", "hello world".into(), 2),
    ];
    for (name, s, w) in &cases {
        println!("  {name} (width {w}): \"{}\"", shown(s.as_bytes()));
        for (who, parts) in [
            ("ours", ours_wrap(s, *w)),
            ("textwrap", textwrap_wrap(s, *w)),
        ] {
            let widest = parts.iter().map(|p| p.width()).max().unwrap_or(0);
            let body: String = parts
                .iter()
                .map(|p| p.trim_start_matches(linewrap::MARKER))
                .collect();
            let lost = body.chars().filter(|c| !c.is_whitespace()).count()
                != s.chars().filter(|c| !c.is_whitespace()).count();
            let mut flags = Vec::new();
            if widest > *w {
                flags.push(format!("OVERFLOW widest {widest}"));
            }
            let bodies: Vec<String> = parts
                .iter()
                .map(|p| p.trim_start_matches(linewrap::MARKER).to_string())
                .collect();
            if splits_clusters(&bodies) {
                flags.push("splits a cluster".into());
            }
            if lost {
                flags.push("text lost".into());
            }
            if body != *s {
                flags.push("whitespace changed".into());
            }
            let flags = if flags.is_empty() {
                "ok".to_string()
            } else {
                flags.join(", ")
            };
            println!(
                "      {who:<9} {:?} [{flags}]",
                parts
                    .iter()
                    .map(|p| shown(p.as_bytes()))
                    .collect::<Vec<_>>()
            );
        }
    }
    let json = format!(
        "{{{}}}",
        (0..400)
            .map(|i| format!("\"key{i}\": {i}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let prose =
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod. ".repeat(80);
    for (what, text) in [
        ("5 KB JSON line at 80", &json),
        ("6 KB prose at 80", &prose),
    ] {
        let ours = best(20, || {
            black_box(ours_wrap(black_box(text), 80));
        });
        let tw = best(20, || {
            black_box(textwrap_wrap(black_box(text), 80));
        });
        speed(what, ours, &[("textwrap", tw)]);
    }
}

// ------------------------------------------------------------------- 3. truncate

/// The same job done with unicode-truncate: cut to one column less, then the mark.
fn ut_truncate(s: &str, width: usize) -> String {
    use unicode_truncate::UnicodeTruncateStr as _;
    if s.width() <= width {
        return s.to_string();
    }
    let (head, _) = s.unicode_truncate(width.saturating_sub(1));
    format!("{head}…")
}

fn truncating() {
    println!("== 3. columns.rs truncate vs unicode-truncate 2.0.1 (+ our `…`)");
    let cases: Vec<(&str, &str)> = vec![
        ("ascii", "Alice Example"),
        ("CJK", "数据分析师的项目"),
        ("ZWJ family", "👨‍👩‍👧‍👦👨‍👩‍👧‍👦 family"),
        ("flags", "🇩🇪🇫🇷🇯🇵 flags"),
        ("combining", "cafe\u{301} cre\u{300}me bru\u{302}le\u{301}e"),
        (
            "VS16 emoji",
            "\u{2764}\u{fe0f}\u{2764}\u{fe0f}\u{2764}\u{fe0f} love",
        ),
    ];
    for (name, s) in &cases {
        println!(
            "  {name}: \"{}\" (width {})",
            shown(s.as_bytes()),
            s.width()
        );
        for w in [0, 1, 3, 4, 5, 7] {
            let ours = columns::truncate(s, w);
            let theirs = ut_truncate(s, w);
            let mark = |t: &str| {
                let mut f = Vec::new();
                if t.width() > w {
                    f.push(format!("width {}", t.width()));
                }
                let head = t.trim_end_matches('…');
                if head
                    .graphemes(true)
                    .next_back()
                    .is_some_and(|g| !s.graphemes(true).any(|sg| sg == g) && !head.is_empty())
                {
                    f.push("cut a cluster".into());
                }
                if f.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", f.join(", "))
                }
            };
            let same = if ours == theirs { "same" } else { "DIFFERS" };
            println!(
                "      w={w}: ours \"{}\"{} | unicode-truncate \"{}\"{} | {same}",
                shown(ours.as_bytes()),
                mark(&ours),
                shown(theirs.as_bytes()),
                mark(&theirs)
            );
        }
    }
    let names: Vec<String> = (0..10_000)
        .map(|i| format!("Author Name Number {i} 数据分析 👩‍🔬"))
        .collect();
    let ours = best(20, || {
        for n in &names {
            black_box(columns::truncate(black_box(n), 16));
        }
    });
    let theirs = best(20, || {
        for n in &names {
            black_box(ut_truncate(black_box(n), 16));
        }
    });
    speed(
        "10k names to 16 columns",
        ours,
        &[("unicode-truncate", theirs)],
    );
}

// ------------------------------------------------------------------- 4. varints

fn varints() {
    use integer_encoding::VarInt as _;
    println!("== 4. bytes.rs LEB128 vs leb128 0.2.7 and integer-encoding 4.1.0");
    let unsigned = [0u64, 1, 127, 128, 300, 1 << 32, u64::MAX];
    let mut same = true;
    for v in unsigned {
        let mut ours = Vec::new();
        ours_bytes::put_var(&mut ours, v);
        let mut lb = Vec::new();
        leb128::write::unsigned(&mut lb, v).unwrap();
        let ie = v.encode_var_vec();
        same &= ours == lb && ours == ie;
    }
    println!("  unsigned encodings byte-identical in all three: {same}");
    for v in [0i64, -1, 1, -64, 64, i64::MIN, i64::MAX] {
        let mut ours = Vec::new();
        ours_bytes::put_signed(&mut ours, v);
        let mut lb = Vec::new();
        leb128::write::signed(&mut lb, v).unwrap();
        let ie = v.encode_var_vec();
        println!(
            "  signed {v}: ours {ours:02x?} | leb128 (SLEB128) {lb:02x?} | integer-encoding {ie:02x?}{}",
            if ours == ie { "" } else { " DIFFERS" }
        );
    }
    let mut ten_max = vec![0xffu8; 9];
    ten_max.push(0x01);
    let mut overflow = vec![0xffu8; 9];
    overflow.push(0x7f);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("cut after a continuation", vec![0x80]),
        ("overlong zero 80 00", vec![0x80, 0x00]),
        ("u64::MAX, 10 bytes", ten_max),
        ("10th byte 0x7f: 69 bits", overflow),
        ("11 continuation bytes", vec![0x80; 11]),
    ];
    for (name, bytes) in &cases {
        let ours = ours_bytes::Reader(bytes).var();
        let lb = leb128::read::unsigned(&mut bytes.as_slice()).map_err(|e| e.to_string());
        let ie = u64::decode_var(bytes);
        println!("  decode {name}: ours {ours:?} | leb128 {lb:?} | integer-encoding {ie:?}");
    }
    let values: Vec<u64> = (0..1_000_000u64)
        .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (i % 64))
        .collect();
    let ours_enc = best(7, || {
        let mut out = Vec::with_capacity(values.len() * 5);
        for &v in &values {
            ours_bytes::put_var(&mut out, v);
        }
        black_box(out);
    });
    let lb_enc = best(7, || {
        let mut out = Vec::with_capacity(values.len() * 5);
        for &v in &values {
            leb128::write::unsigned(&mut out, v).unwrap();
        }
        black_box(out);
    });
    let ie_enc = best(7, || {
        let mut out = Vec::with_capacity(values.len() * 5);
        let mut buf = [0u8; 10];
        for &v in &values {
            let n = v.encode_var(&mut buf);
            out.extend_from_slice(&buf[..n]);
        }
        black_box(out);
    });
    speed(
        "encode 1M u64",
        ours_enc,
        &[("leb128", lb_enc), ("integer-encoding", ie_enc)],
    );
    let mut encoded = Vec::new();
    for &v in &values {
        ours_bytes::put_var(&mut encoded, v);
    }
    let ours_dec = best(7, || {
        let mut r = ours_bytes::Reader(&encoded);
        let mut sum = 0u64;
        while let Some(v) = r.var() {
            sum = sum.wrapping_add(v);
        }
        black_box(sum);
    });
    let lb_dec = best(7, || {
        let mut r = encoded.as_slice();
        let mut sum = 0u64;
        while let Ok(v) = leb128::read::unsigned(&mut r) {
            sum = sum.wrapping_add(v);
        }
        black_box(sum);
    });
    let ie_dec = best(7, || {
        let mut r = encoded.as_slice();
        let mut sum = 0u64;
        while let Some((v, n)) = u64::decode_var(r) {
            sum = sum.wrapping_add(v);
            r = &r[n..];
        }
        black_box(sum);
    });
    speed(
        "decode 1M u64",
        ours_dec,
        &[("leb128", lb_dec), ("integer-encoding", ie_dec)],
    );
}

// ------------------------------------------------------------------- 5. numbers

fn number_formats() {
    use num_format::{Locale, ToFormattedString as _};
    println!("== 5. numbers.rs vs num-format 0.4.4, humansize 2.1.3, bytesize 2.7.0");
    for n in [0usize, 999, 1000, 1_234_567, usize::MAX] {
        let ours = numbers::thousands(n);
        let theirs = n.to_formatted_string(&Locale::en);
        println!(
            "  thousands {n}: ours {ours} | num-format {theirs}{}",
            if ours == theirs { "" } else { " DIFFERS" }
        );
    }
    for n in [
        0u64,
        1,
        1023,
        1024,
        1025,
        1536,
        1_048_575,
        1_048_576,
        1_572_864,
        10 << 30,
        u64::MAX,
    ] {
        println!(
            "  size {n}: ours \"{}\" | humansize BINARY \"{}\" | humansize WINDOWS \"{}\" | bytesize \"{}\"",
            numbers::human_bytes(n),
            humansize::format_size(n, humansize::BINARY),
            humansize::format_size(n, humansize::WINDOWS),
            bytesize::ByteSize(n)
        );
    }
    let ns: Vec<usize> = (0..200_000).map(|i| i * 7919).collect();
    let ours = best(10, || {
        for &n in &ns {
            black_box(numbers::thousands(black_box(n)));
        }
    });
    let theirs = best(10, || {
        for &n in &ns {
            black_box(n.to_formatted_string(&Locale::en));
        }
    });
    speed("200k thousands()", ours, &[("num-format", theirs)]);
    let sizes: Vec<u64> = (0..200_000u64).map(|i| i * 104_729).collect();
    let ours = best(10, || {
        for &n in &sizes {
            black_box(numbers::human_bytes(black_box(n)));
        }
    });
    let hs = best(10, || {
        for &n in &sizes {
            black_box(humansize::format_size(black_box(n), humansize::WINDOWS));
        }
    });
    let bs = best(10, || {
        for &n in &sizes {
            black_box(bytesize::ByteSize(black_box(n)).to_string());
        }
    });
    speed(
        "200k human_bytes()",
        ours,
        &[("humansize", hs), ("bytesize", bs)],
    );
}

// ------------------------------------------------------------------- 6. requirements

fn ours_req(line: &str) -> String {
    let f = gtm_core::env::declared::read_file("requirements.txt", line.as_bytes());
    let mut parts: Vec<String> = f
        .packages
        .iter()
        .map(|p| {
            let extras = if p.extras.is_empty() {
                String::new()
            } else {
                format!("[{}]", p.extras.join(","))
            };
            let pin = p
                .version
                .as_deref()
                .map_or(String::new(), |v| format!(" pin={v}"));
            format!("{}{extras} `{}`{pin}", p.name, p.spec)
        })
        .collect();
    parts.extend(f.notes.iter().map(|n| format!("note: {n}")));
    parts.extend(
        f.errors
            .iter()
            .map(|e| format!("ERROR: {}", e.trim_start_matches("requirements.txt: "))),
    );
    if parts.is_empty() {
        "(nothing)".into()
    } else {
        parts.join("; ")
    }
}

fn pep508_req(line: &str) -> String {
    match pep508_rs::Requirement::<pep508_rs::VerbatimUrl>::from_str(line) {
        Ok(r) => {
            let extras = if r.extras.is_empty() {
                String::new()
            } else {
                let e: Vec<String> = r.extras.iter().map(ToString::to_string).collect();
                format!("[{}]", e.join(","))
            };
            let v = r
                .version_or_url
                .as_ref()
                .map_or(String::new(), |v| v.to_string());
            let marker = r
                .marker
                .try_to_string()
                .map_or(String::new(), |m| format!(" ; {m}"));
            format!("{}{extras} `{v}`{marker}", r.name)
        }
        Err(e) => {
            let msg = e.to_string();
            format!("ERROR: {}", msg.lines().next().unwrap_or(""))
        }
    }
}

fn requirements() {
    println!("== 6. env/declared.rs requirement lines vs pep508_rs 0.9.2");
    let lines = [
        "numpy",
        "numpy==1.26.4",
        "Foo_Bar.baz >= 1.0 , < 2",
        "requests[security, socks]>=2.8.1,<3",
        "pandas (>=1.0)",
        "torch==2.1.*",
        "pip===23.0-custom",
        "attrs~=23.1",
        "scipy==1.11; python_version >= \"3.9\"",
        "scipy==1.11; python_version >>> \"3.9\"",
        "scipy==1.11; os_name == 'nt' and (",
        "pkg @ https://example.com/pkg-1.0-py3-none-any.whl",
        "pkg @ https://example.com/a;b.whl ; sys_platform == 'linux'",
        "numpy==1.26.4 --hash=sha256:0123abcd",
        "numpy>=1.2  # a comment",
        "-e git+https://github.com/org/proj.git#egg=proj",
        "-r other.txt",
        "./local/path",
        "name>=",
        "=bad",
        "name[extra",
        "name==1.0 extra words",
        "name==not a version!",
        "_private",
        "名前==1.0",
        "ok==1.0\x1b]0;pwned\x07",
        "numpy==1.2==3",
    ];
    for l in lines {
        println!("  \"{}\"", shown(l.as_bytes()));
        println!("      ours    {}", shown(ours_req(l).as_bytes()));
        println!("      pep508  {}", shown(pep508_req(l).as_bytes()));
    }
    let file: String = (0..10_000)
        .map(|i| match i % 4 {
            0 => format!("package-{i}=={}.{}.{}\n", i % 7, i % 11, i % 13),
            1 => format!("pkg_{i}[extra1,extra2]>=1.{i},<2\n"),
            2 => format!("lib{i}~=3.{i} ; python_version >= \"3.8\"\n"),
            _ => format!("tool{i}\n"),
        })
        .collect();
    let ours = best(10, || {
        let f = gtm_core::env::declared::read_file("requirements.txt", black_box(file.as_bytes()));
        assert_eq!(f.packages.len(), 10_000);
        black_box(f);
    });
    let theirs = best(10, || {
        let mut n = 0;
        for l in black_box(&file).lines() {
            if pep508_rs::Requirement::<pep508_rs::VerbatimUrl>::from_str(l).is_ok() {
                n += 1;
            }
        }
        assert_eq!(n, 10_000);
    });
    speed(
        "10k-line requirements.txt (ours: whole file reader; pep508_rs: per line)",
        ours,
        &[("pep508_rs", theirs)],
    );
}

// ------------------------------------------------------------------- 8. cell outputs

/// A line's runs as text, a run's colour and attributes as `{Red BOLD}` before it.
fn runs_shown(runs: &[(ratatui::style::Style, String)]) -> String {
    runs.iter()
        .map(|(st, t)| {
            let mut tag = Vec::new();
            if let Some(c) = st.fg {
                tag.push(c.to_string());
            }
            if !st.add_modifier.is_empty() {
                tag.push(format!("{:?}", st.add_modifier));
            }
            let t = shown(t.as_bytes());
            if tag.is_empty() {
                t
            } else {
                format!("{{{}}}{t}", tag.join(" "))
            }
        })
        .collect()
}

fn ours_output(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    gtm_render::render::text::render_output(&text, ratatui::style::Style::default())
        .iter()
        .map(|l| runs_shown(l))
        .collect()
}

fn ansi_to_tui_output(bytes: &[u8]) -> Result<Vec<String>, String> {
    use ansi_to_tui::IntoText as _;
    let text = bytes.into_text().map_err(|e| e.to_string())?;
    Ok(text
        .lines
        .iter()
        .map(|l| {
            let runs: Vec<(ratatui::style::Style, String)> = l
                .spans
                .iter()
                .map(|s| (s.style, s.content.to_string()))
                .collect();
            runs_shown(&runs)
        })
        .collect())
}

fn cell_outputs() {
    println!("== 8. text.rs render_output (cell outputs as a tiny terminal) vs ansi-to-tui 8.0.1");
    println!(
        "  each line: text, a run's colour and attributes as {{Red BOLD}} before it; [what is left]"
    );
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "16 colours",
            b"\x1b[31mred\x1b[0m plain \x1b[1;32mbold green\x1b[0m".to_vec(),
        ),
        (
            "256 and truecolour",
            b"\x1b[38;5;208mo\x1b[38;2;10;20;30mt\x1b[0m".to_vec(),
        ),
        ("colon sub-params", b"\x1b[38:5:208mo\x1b[0m".to_vec()),
        ("progress bar with CR", b"10%\r50%\r100%\ndone".to_vec()),
        (
            "CR then erase line",
            b"working...\r\x1b[2Kfinished".to_vec(),
        ),
        ("backspace", b"ab\x08c".to_vec()),
        ("tab stops", b"a\tbc\td".to_vec()),
        ("cursor movement", b"x\x1b[2Ay\x1b[10;10Hz".to_vec()),
        ("OSC title, BEL", b"\x1b]0;pwned\x07after".to_vec()),
        (
            "OSC never ended",
            b"\x1b]0;title\nnext line\nlast line".to_vec(),
        ),
        ("conceal", b"\x1b[8msecret\x1b[0m".to_vec()),
        ("BEL, NUL, DEL", b"a\x07b\x00c\x7fd".to_vec()),
        ("C1 CSI U+009B", "\u{9b}2Jx".as_bytes().to_vec()),
        ("bidi RLO", "a\u{202e}b".as_bytes().to_vec()),
        ("invalid UTF-8", b"ok\xff\xfeend".to_vec()),
    ];
    for (name, input) in &cases {
        println!("  {name}: \"{}\"", shown(input));
        let ours = ours_output(input);
        // `shown` escaped the lines above; what is left is checked on the raw text.
        let ours_raw: String = gtm_render::render::text::render_output(
            &String::from_utf8_lossy(input),
            ratatui::style::Style::default(),
        )
        .iter()
        .flat_map(|l| l.iter().map(|(_, t)| t.clone()))
        .collect();
        println!(
            "      ours        {ours:?} [{}]",
            residue(ours_raw.as_bytes())
        );
        match ansi_to_tui_output(input) {
            Ok(theirs) => {
                use ansi_to_tui::IntoText as _;
                let raw: String = input
                    .into_text()
                    .map(|t| {
                        t.lines
                            .iter()
                            .flat_map(|l| l.spans.iter().map(|s| s.content.to_string()))
                            .collect()
                    })
                    .unwrap_or_default();
                println!("      ansi-to-tui {theirs:?} [{}]", residue(raw.as_bytes()));
            }
            Err(e) => println!("      ansi-to-tui ERROR {e}"),
        }
    }
    let mut output = String::new();
    for i in 0..20_000 {
        output.push_str(&format!(
            "\x1b[32mepoch {i}\x1b[0m loss=\x1b[1;31m0.{i}\x1b[0m\r\x1b[2K{i}% [=====>    ]\n"
        ));
    }
    let ours = best(7, || {
        black_box(gtm_render::render::text::render_output(
            black_box(&output),
            ratatui::style::Style::default(),
        ));
    });
    let theirs = best(7, || {
        use ansi_to_tui::IntoText as _;
        black_box(black_box(output.as_bytes()).into_text().unwrap());
    });
    speed(
        &format!("{} KB of coloured progress output", output.len() / 1024),
        ours,
        &[("ansi-to-tui", theirs)],
    );
}

// ------------------------------------------------------------------- 7. time

fn times() {
    use chrono::{DateTime, SecondsFormat, Utc};
    println!("== 7. timefmt.rs: built on chrono 0.4 already; our RFC 3339 against chrono's own");
    for secs in [0i64, 1_556_712_000, -1, 253_402_300_799, i64::MAX] {
        let ours = gtm_core::timefmt::rfc3339_utc(secs);
        let chrono = DateTime::<Utc>::from_timestamp(secs, 0)
            .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
            .unwrap_or_else(|| "(none)".into());
        println!(
            "  {secs}: ours {ours} | chrono to_rfc3339_opts {chrono}{}",
            if ours == chrono { "" } else { " DIFFERS" }
        );
    }
}

// ------------------------------------------------------------------- deps

/// The packages (`name vX.Y.Z`) in `cargo tree` of `manifest`, normal dependencies only.
fn tree(manifest: &str, package: Option<&str>) -> Option<BTreeSet<String>> {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.args([
        "tree",
        "--offline",
        "-e",
        "normal",
        "--prefix",
        "none",
        "--manifest-path",
    ])
    .arg(manifest);
    match package {
        Some(p) => cmd.args(["-p", p]),
        None => cmd.arg("--workspace"),
    };
    let out = cmd.output().ok()?;
    if !out.status.success() {
        eprintln!(
            "cargo tree failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let mut w = l.split_whitespace();
                Some(format!("{} {}", w.next()?, w.next()?))
            })
            .collect(),
    )
}

fn dependencies() {
    println!("== dependency cost: cargo tree -e normal, against gtm-tui's own tree");
    let here = env!("CARGO_MANIFEST_DIR");
    let project_manifest = format!("{here}/../../Cargo.toml");
    let bench_manifest = format!("{here}/Cargo.toml");
    let Some(project) = tree(&project_manifest, None) else {
        println!("  not measured: cargo tree of the project failed");
        return;
    };
    let names: BTreeSet<&str> = project
        .iter()
        .filter_map(|p| p.split_whitespace().next())
        .collect();
    println!("  gtm-tui's workspace: {} packages", project.len());
    for krate in [
        "textwrap",
        "strip-ansi-escapes",
        "vte@0.15.0",
        "unicode-truncate",
        "leb128",
        "integer-encoding",
        "num-format",
        "humansize",
        "bytesize",
        "pep508_rs",
        "ansi-to-tui",
    ] {
        let Some(t) = tree(&bench_manifest, Some(krate)) else {
            println!("  {krate}: not measured");
            continue;
        };
        let new: Vec<&String> = t.iter().filter(|p| !project.contains(*p)).collect();
        let new_names = new
            .iter()
            .filter(|p| {
                p.split_whitespace()
                    .next()
                    .is_some_and(|n| !names.contains(n))
            })
            .count();
        println!(
            "  {krate}: {} packages in its tree, {} not in ours ({} by name, the rest other versions): {}",
            t.len(),
            new.len(),
            new_names,
            new.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}
