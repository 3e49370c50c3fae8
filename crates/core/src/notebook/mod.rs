//! A Jupyter notebook (`.ipynb`) read once into a typed value: its nbformat version, kernel and
//! cells. Pure: no git, no terminal. Lineage, the notebook diff and the record pane's language
//! all read notebooks here.
//!
//! nbformat 4 (cells at the top, 4.5 cell ids) and nbformat 3 (cells in `worksheets`, code in
//! `input`, counts in `prompt_number`, `heading` cells) are read into the same shape. Reading
//! is lenient where Jupyter's own savers differ (JupyterLab, nbstripout, jupytext: missing
//! counts, outputs or ids, sources as one string or a list of lines) and strict only where a
//! file is not a notebook at all.

mod scan;
pub mod similarity;

pub use similarity::{Source, head_lines, ratio, similarity};

use serde::Serialize;
use serde_json::{Map, Value};

/// What to read of a notebook. Outputs are most of a notebook's bytes (base64 pictures, long
/// tables), so only the diff asks for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parts {
    /// Version and kernel only; the cells are not looked at.
    Metadata,
    /// Version, kernel and every cell without its outputs (left empty): a scanner steps over
    /// the outputs without building them.
    Sources,
    /// Everything, outputs included.
    All,
}

/// Why bytes are not a notebook. The texts are those the notebook diff shows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotebookError {
    #[error("not JSON: {0}")]
    NotJson(String),
    #[error("not a JSON object")]
    NotAnObject,
    #[error("`cells` is not a list")]
    CellsNotAList,
    #[error("cells in `worksheets` (nbformat 3) but `nbformat` is not 3")]
    WorksheetsWithoutVersion,
    #[error("`worksheets` is not a list of objects with a `cells` list")]
    BadWorksheets,
    #[error("no `cells` list")]
    NoCells,
    /// Counted from 1, across worksheets.
    #[error("cell {0} is not an object")]
    CellNotAnObject(usize),
    #[error("cell {0}: bad `source`")]
    BadSource(usize),
}

/// A cell's `cell_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CellKind {
    Code,
    /// Also nbformat 3's `heading` cells, as nbformat's own upgrade makes them.
    Markdown,
    Raw,
    /// Any other `cell_type`, or none (shown and exported as "other", as before).
    #[serde(rename = "other")]
    Unknown,
}

impl CellKind {
    fn parse(s: &str) -> CellKind {
        match s {
            "code" => CellKind::Code,
            "markdown" | "heading" => CellKind::Markdown,
            "raw" => CellKind::Raw,
            _ => CellKind::Unknown,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            CellKind::Code => "code",
            CellKind::Markdown => "markdown",
            CellKind::Raw => "raw",
            CellKind::Unknown => "other",
        }
    }
}

/// One output of a code cell, as far as comparing outputs needs it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Output {
    /// `output_type` ("stream", "execute_result", "display_data", "error"; nbformat 3's
    /// "pyout" and "pyerr" as their nbformat 4 names); `None` when missing.
    pub output_type: Option<String>,
    /// A stream's text.
    pub text: Option<String>,
    /// A stream's name ("stdout", "stderr"; nbformat 3 calls the key `stream`): consecutive
    /// chunks of one stream show as one block.
    pub name: Option<String>,
    /// An error's name and value.
    pub ename: Option<String>,
    pub evalue: Option<String>,
    /// An error's traceback: its lines joined, or the JSON text of anything else.
    pub traceback: Option<String>,
    /// MIME type → content (a multiline string joined, anything else as JSON text), sorted by
    /// MIME type so that neither the file's key order nor the JSON map's decides.
    pub data: Vec<(String, String)>,
}

impl Output {
    /// An output as nbformat 4 writes it.
    pub fn from_json(out: &Value) -> Output {
        output(out, false)
    }
}

/// One cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub kind: CellKind,
    /// nbformat 4.5 id; `None` when missing, empty or not a string.
    pub id: Option<String>,
    /// The source as saved (joined when a list of lines), not normalised.
    pub source: String,
    /// `In [n]`; `None` when missing, null or not a non-negative integer.
    pub execution_count: Option<u64>,
    /// Empty unless read with [`Parts::All`].
    pub outputs: Vec<Output>,
    /// A fingerprint of the outputs as stored, read with any [`Parts`] that reads cells: equal
    /// digests, equal outputs. 0 when there are none. The scanner hashes the outputs' bytes and
    /// the full reader their JSON value, so compare digests of one notebook's versions only as
    /// both were read (a version that needs the full reader shows its outputs as changed).
    pub outputs_digest: u64,
    /// An output is an error (a traceback), read with any [`Parts`] that reads cells.
    pub has_error: bool,
}

/// A notebook as read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Notebook {
    pub nbformat: Option<u64>,
    pub nbformat_minor: Option<u64>,
    /// `metadata.kernelspec.language`.
    pub kernel_language: Option<String>,
    /// `metadata.kernelspec.name`.
    pub kernel_name: Option<String>,
    /// `metadata.language_info.name`; in nbformat 3, the first code cell's `language`.
    pub language_info: Option<String>,
    /// Empty when read with [`Parts::Metadata`].
    pub cells: Vec<Cell>,
}

impl Notebook {
    /// The kernel's language: the kernelspec's language, else its name, else the language
    /// info's name.
    pub fn language(&self) -> Option<&str> {
        [
            &self.kernel_language,
            &self.kernel_name,
            &self.language_info,
        ]
        .into_iter()
        .find_map(|s| s.as_deref())
    }
}

/// Reads a notebook. Blank bytes are an empty notebook (a file created but never saved by
/// Jupyter).
pub fn read(bytes: &[u8], parts: Parts) -> Result<Notebook, NotebookError> {
    if parts != Parts::All
        && let Some(nb) = scan::read(bytes, parts == Parts::Sources)
    {
        return Ok(nb);
    }
    with_serde(bytes, parts)
}

/// Source text compared the same way everywhere: line endings unified and trailing blank space
/// dropped (a client's fence, another system's save and the notebook's last line differ there).
pub fn normalize(src: &str) -> String {
    let s = if src.contains('\r') {
        src.replace("\r\n", "\n")
    } else {
        src.to_string()
    };
    s.trim_end().to_string()
}

/// The reader that decides: everything the scanner is not sure of comes here.
fn with_serde(bytes: &[u8], parts: Parts) -> Result<Notebook, NotebookError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Notebook::default());
    }
    let doc: Value =
        serde_json::from_slice(bytes).map_err(|e| NotebookError::NotJson(e.to_string()))?;
    let Value::Object(doc) = doc else {
        return Err(NotebookError::NotAnObject);
    };
    let meta = doc.get("metadata");
    let spec = meta.and_then(|m| m.get("kernelspec"));
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    let mut nb = Notebook {
        nbformat: doc.get("nbformat").and_then(Value::as_u64),
        nbformat_minor: doc.get("nbformat_minor").and_then(Value::as_u64),
        kernel_language: text(spec.and_then(|k| k.get("language"))),
        kernel_name: text(spec.and_then(|k| k.get("name"))),
        language_info: text(meta.and_then(|m| m.get("language_info")?.get("name"))),
        cells: Vec::new(),
    };
    let v3 = !doc.contains_key("cells");
    let cells: Result<Vec<&Value>, NotebookError> = match doc.get("cells") {
        Some(Value::Array(c)) => Ok(c.iter().collect()),
        Some(_) => Err(NotebookError::CellsNotAList),
        None if doc.contains_key("worksheets") => {
            if nb.nbformat == Some(3) {
                worksheet_cells(&doc)
            } else {
                Err(NotebookError::WorksheetsWithoutVersion)
            }
        }
        None => Err(NotebookError::NoCells),
    };
    if let (true, None, Ok(cells)) = (v3, &nb.language_info, &cells) {
        nb.language_info = cells
            .iter()
            .filter(|c| c.get("cell_type").and_then(Value::as_str) == Some("code"))
            .find_map(|c| text(c.get("language")));
    }
    // The kernel is read even from a notebook whose cells are not.
    if parts == Parts::Metadata {
        return Ok(nb);
    }
    nb.cells = cells?
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let Value::Object(c) = c else {
                return Err(NotebookError::CellNotAnObject(i + 1));
            };
            cell(c, v3, parts == Parts::All).ok_or(NotebookError::BadSource(i + 1))
        })
        .collect::<Result<_, _>>()?;
    Ok(nb)
}

/// nbformat 3: the cells of every worksheet, in order (Jupyter only ever wrote one).
fn worksheet_cells(doc: &Map<String, Value>) -> Result<Vec<&Value>, NotebookError> {
    let Some(Value::Array(sheets)) = doc.get("worksheets") else {
        return Err(NotebookError::BadWorksheets);
    };
    let mut out = Vec::new();
    for sheet in sheets {
        match sheet.get("cells") {
            Some(Value::Array(c)) => out.extend(c),
            _ => return Err(NotebookError::BadWorksheets),
        }
    }
    Ok(out)
}

/// One cell; `None` when its source is not a string or a list of strings.
fn cell(c: &Map<String, Value>, v3: bool, outputs: bool) -> Option<Cell> {
    let cell_type = c.get("cell_type").and_then(Value::as_str).unwrap_or("");
    let kind = CellKind::parse(cell_type);
    let code = kind == CellKind::Code;
    let (source_key, count_key) = match (v3, code) {
        (true, true) => ("input", "prompt_number"),
        _ => ("source", "execution_count"),
    };
    let mut source = match c.get(source_key) {
        None | Some(Value::Null) => String::new(),
        Some(v) => multiline(v)?,
    };
    if v3 && cell_type == "heading" {
        // As nbformat's v3 → v4 upgrade writes a heading.
        let level = c
            .get("level")
            .and_then(Value::as_u64)
            .unwrap_or(1)
            .clamp(1, 6);
        source = format!("{} {source}", "#".repeat(level as usize));
    }
    Some(Cell {
        kind,
        id: c
            .get("id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        source,
        execution_count: c.get(count_key).and_then(Value::as_u64),
        outputs: match c.get("outputs") {
            Some(Value::Array(o)) if outputs => o.iter().map(|o| output(o, v3)).collect(),
            _ => Vec::new(),
        },
        outputs_digest: match c.get("outputs") {
            Some(Value::Array(o)) if !o.is_empty() => {
                digest(&serde_json::to_vec(o).unwrap_or_default())
            }
            _ => 0,
        },
        has_error: match c.get("outputs") {
            Some(Value::Array(o)) => o.iter().any(|o| {
                matches!(
                    o.get("output_type").and_then(Value::as_str),
                    Some("error" | "pyerr")
                )
            }),
            _ => false,
        },
    })
}

/// A fixed-key hash of bytes, never 0 (0 says "no outputs").
pub(crate) fn digest(bytes: &[u8]) -> u64 {
    use std::hash::{DefaultHasher, Hasher};
    let mut h = DefaultHasher::new();
    h.write(bytes);
    h.finish().max(1)
}

/// nbformat 3 kept an output's data at its top level under short names.
const V3_MIME: [(&str, &str); 8] = [
    ("text", "text/plain"),
    ("html", "text/html"),
    ("latex", "text/latex"),
    ("svg", "image/svg+xml"),
    ("png", "image/png"),
    ("jpeg", "image/jpeg"),
    ("json", "application/json"),
    ("javascript", "application/javascript"),
];

fn output(out: &Value, v3: bool) -> Output {
    let s = |key: &str| out.get(key).and_then(Value::as_str).map(str::to_string);
    let content = |v: &Value| multiline(v).unwrap_or_else(|| v.to_string());
    let mut output_type = s("output_type");
    let mut data: Vec<(String, String)> = match out.get("data") {
        Some(Value::Object(d)) => d.iter().map(|(k, v)| (k.clone(), content(v))).collect(),
        _ => Vec::new(),
    };
    let mut text = out.get("text").and_then(multiline);
    if v3 {
        output_type = output_type.map(|t| match t.as_str() {
            "pyout" => "execute_result".to_string(),
            "pyerr" => "error".to_string(),
            _ => t,
        });
        if output_type.as_deref() != Some("stream") {
            // A result's `text` is its text/plain data.
            text = None;
            for (short, mime) in V3_MIME {
                if let Some(v) = out.get(short) {
                    data.push((mime.to_string(), content(v)));
                }
            }
        }
    }
    data.sort();
    Output {
        output_type,
        text,
        name: s("name").or_else(|| s("stream")),
        ename: s("ename"),
        evalue: s("evalue"),
        traceback: out.get("traceback").map(|t| {
            let lines: Option<Vec<&str>> = t
                .as_array()
                .and_then(|l| l.iter().map(Value::as_str).collect());
            lines.map_or_else(|| t.to_string(), |l| l.join("\n"))
        }),
        data,
    }
}

/// nbformat's multiline string: one string, or a list of strings to concatenate.
fn multiline(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Array(parts) => parts
            .iter()
            .map(|p| p.as_str())
            .collect::<Option<Vec<&str>>>()
            .map(|p| p.concat()),
        _ => None,
    }
}

#[cfg(test)]
mod tests;

/// A picture in an output's rich data, decoded from its base64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputImage {
    /// The MIME key it was stored under (the format is sniffed from the bytes, not this).
    pub mime: String,
    /// The decoded bytes, or why the base64 could not be decoded.
    pub bytes: Result<Vec<u8>, String>,
}

impl Output {
    /// The output's raster pictures (SVG is text, left out), in MIME order. Decoding is
    /// done here, on demand, because most readers of a version never look at its pictures.
    pub fn images(&self) -> Vec<OutputImage> {
        use base64::Engine;
        self.data
            .iter()
            .filter(|(m, _)| m.starts_with("image/") && m != "image/svg+xml")
            .map(|(mime, content)| {
                // nbformat splits base64 across lines; the engine wants it whole.
                let clean: Vec<u8> = content
                    .bytes()
                    .filter(|b| !b.is_ascii_whitespace())
                    .collect();
                OutputImage {
                    mime: mime.clone(),
                    bytes: base64::engine::general_purpose::STANDARD
                        .decode(&clean)
                        .map_err(|e| format!("{mime} is not valid base64: {e}")),
                }
            })
            .collect()
    }
}
