//! The file a save leaves: nbformat 4.0–4.5 or 3 JSON, byte for byte as Python's `json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False)` plus a newline.

use serde_json::{Map, Value, json};

use super::IdMode;
use super::model::{Cell, Format, Kind, Meta, Nb, Output};
use super::text::hash;

/// `source`/`text` as Jupyter stores them: lines keeping their "\n", the last without.
fn lines(text: &str) -> Value {
    Value::Array(
        text.split_inclusive('\n')
            .map(|l| Value::String(l.to_string()))
            .collect(),
    )
}

/// Writes `v` as Python's json module would with indent=1 and sorted keys.
/// Our own writer, so that key order never depends on serde_json's features.
fn pretty(v: &Value, depth: usize, out: &mut String) {
    match v {
        Value::Array(items) if !items.is_empty() => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                indent(out, depth + 1);
                pretty(item, depth + 1, out);
            }
            out.push('\n');
            indent(out, depth);
            out.push(']');
        }
        Value::Object(map) if !map.is_empty() => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                indent(out, depth + 1);
                string(k, out);
                out.push_str(": ");
                pretty(&map[k.as_str()], depth + 1, out);
            }
            out.push('\n');
            indent(out, depth);
            out.push('}');
        }
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
        Value::String(s) => string(s, out),
        other => out.push_str(&other.to_string()),
    }
}

fn indent(out: &mut String, depth: usize) {
    out.extend(std::iter::repeat_n(' ', depth));
}

/// A JSON string as Python escapes it with ensure_ascii=False.
fn string(s: &str, out: &mut String) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

pub(super) fn to_bytes(doc: &Value) -> Vec<u8> {
    let mut out = String::with_capacity(16 * 1024);
    pretty(doc, 0, &mut out);
    out.push('\n');
    out.into_bytes()
}

/// The ids this save writes, cell by cell (`None`: the format has none).
pub(super) fn ids(nb: &Nb, mode: IdMode) -> Vec<Option<String>> {
    nb.cells
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if !nb.has_ids() {
                None
            } else if mode == IdMode::Renumber {
                // nbstripout's renumbering: the id names the position.
                Some(i.to_string())
            } else {
                c.nbid.clone()
            }
        })
        .collect()
}

pub(super) fn render(nb: &Nb, mode: IdMode, strip: bool) -> Vec<u8> {
    match nb.format {
        Format::V3 => to_bytes(&v3(nb, strip)),
        Format::V4(minor) => to_bytes(&v4(nb, minor, &ids(nb, mode), strip)),
    }
}

fn cell_meta(c: &Cell, minor: u8) -> Value {
    let mut m = Map::new();
    if c.is_code() && minor <= 2 {
        m.insert("collapsed".into(), json!(false));
    }
    match c.meta {
        Meta::Plain => {}
        Meta::Tags => {
            m.insert("tags".into(), json!([]));
        }
        Meta::Scrolled if c.is_code() => {
            m.insert("scrolled".into(), json!(true));
        }
        Meta::Scrolled => {}
    }
    Value::Object(m)
}

fn output_v4(o: &Output, count: Option<u32>) -> Value {
    match o {
        Output::Stdout(t) => json!({"name": "stdout", "output_type": "stream", "text": lines(t)}),
        Output::Result(t) => json!({
            "data": {"text/plain": lines(t)},
            "execution_count": count,
            "metadata": {},
            "output_type": "execute_result"
        }),
        Output::Image(b64) => json!({
            "data": {"image/png": b64, "text/plain": ["<Figure size 432x288 with 1 Axes>"]},
            "metadata": {"needs_background": "light"},
            "output_type": "display_data"
        }),
        Output::Error {
            ename,
            evalue,
            traceback,
        } => json!({
            "ename": ename,
            "evalue": evalue,
            "output_type": "error",
            "traceback": traceback
        }),
    }
}

fn v4(nb: &Nb, minor: u8, ids: &[Option<String>], strip: bool) -> Value {
    let cells: Vec<Value> = nb
        .cells
        .iter()
        .zip(ids)
        .map(|(c, id)| {
            let mut m = Map::new();
            if let Some(id) = id {
                m.insert("id".into(), json!(id));
            }
            m.insert("metadata".into(), cell_meta(c, minor));
            m.insert("source".into(), lines(&c.source));
            let kind = match c.kind {
                Kind::Code => "code",
                Kind::Markdown => "markdown",
                Kind::Raw => "raw",
            };
            m.insert("cell_type".into(), json!(kind));
            if c.is_code() {
                let count = if strip { None } else { c.count };
                m.insert("execution_count".into(), json!(count));
                let outs: Vec<Value> = if strip {
                    Vec::new()
                } else {
                    c.outputs.iter().map(|o| output_v4(o, c.count)).collect()
                };
                m.insert("outputs".into(), Value::Array(outs));
            }
            Value::Object(m)
        })
        .collect();
    let metadata = if nb.colab {
        let name = nb.path.rsplit('/').next().unwrap_or(&nb.path);
        json!({
            "colab": {"name": name, "provenance": []},
            "kernelspec": {"display_name": "Python 3", "name": "python3"},
            "language_info": {"name": "python"}
        })
    } else {
        let display = if minor >= 5 {
            "Python 3 (ipykernel)"
        } else {
            "Python 3"
        };
        json!({
            "kernelspec": {"display_name": display, "language": "python", "name": "python3"},
            "language_info": {
                "codemirror_mode": {"name": "ipython", "version": 3},
                "file_extension": ".py",
                "mimetype": "text/x-python",
                "name": "python",
                "nbconvert_exporter": "python",
                "pygments_lexer": "ipython3",
                "version": nb.python
            }
        })
    };
    json!({"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": minor})
}

fn output_v3(o: &Output, count: Option<u32>) -> Value {
    match o {
        Output::Stdout(t) => json!({"output_type": "stream", "stream": "stdout", "text": lines(t)}),
        Output::Result(t) => json!({
            "metadata": {},
            "output_type": "pyout",
            "prompt_number": count,
            "text": lines(t)
        }),
        Output::Image(b64) => json!({
            "metadata": {},
            "output_type": "display_data",
            "png": b64,
            "text": ["<matplotlib.figure.Figure at 0x10b0c4a90>"]
        }),
        Output::Error {
            ename,
            evalue,
            traceback,
        } => json!({
            "ename": ename,
            "evalue": evalue,
            "output_type": "pyerr",
            "traceback": traceback
        }),
    }
}

fn v3(nb: &Nb, strip: bool) -> Value {
    let cells: Vec<Value> = nb
        .cells
        .iter()
        .map(|c| match c.kind {
            Kind::Code => {
                let mut m = Map::new();
                m.insert("cell_type".into(), json!("code"));
                m.insert("collapsed".into(), json!(false));
                m.insert("input".into(), lines(&c.source));
                m.insert("language".into(), json!("python"));
                m.insert("metadata".into(), json!({}));
                let outs: Vec<Value> = if strip {
                    Vec::new()
                } else {
                    c.outputs.iter().map(|o| output_v3(o, c.count)).collect()
                };
                m.insert("outputs".into(), Value::Array(outs));
                // IPython 2 left the prompt out of a cell that never ran.
                if let (Some(n), false) = (c.count, strip) {
                    m.insert("prompt_number".into(), json!(n));
                }
                Value::Object(m)
            }
            Kind::Markdown => {
                json!({"cell_type": "markdown", "metadata": {}, "source": lines(&c.source)})
            }
            Kind::Raw => json!({"cell_type": "raw", "metadata": {}, "source": lines(&c.source)}),
        })
        .collect();
    let sheet = json!({"cells": cells, "metadata": {}});
    // IPython 2 signed the content; any stable digest looks the same to a reader.
    let body = to_bytes(&sheet);
    let text = String::from_utf8_lossy(&body);
    let sig: String = (0..4u64)
        .map(|k| format!("{:016x}", hash(&text) ^ nb.salt.rotate_left(k as u32 * 16)))
        .collect();
    json!({
        "metadata": {"name": "", "signature": format!("sha256:{sig}")},
        "nbformat": 3,
        "nbformat_minor": 0,
        "worksheets": [sheet]
    })
}
