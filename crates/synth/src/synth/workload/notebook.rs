//! Notebook cells and their text: templates, rendered source, run outputs, and the notebook JSON Jupyter saves.

use std::fmt::Write as _;

use super::catalogue::{DATASETS, Dataset, col_scale};
use super::rng::{Rng, fnv};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Py {
    Imports,
    Load,
    Head,
    Describe,
    GroupBy,
    ValueCounts,
    Corr,
    Assign,
    Hist,
    Scatter,
    Regress,
    Loop,
    PrintRows,
    PrintAll,
    Animate,
    Plain,
    /// Only in planted retry streaks: a polynomial fit, sometimes wrapped
    /// in try/except to print the traceback.
    Fit,
    /// Code as the user left it after splitting or merging cells: no
    /// template renders it, so an edit is a line typed by hand.
    Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rt {
    Arith,
    Libs,
    Read,
    Summary,
    Head,
    Mean,
    Ggplot,
    Lm,
    Table,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Template {
    Py(Py),
    R(Rt),
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Marker {
    None,
    Ignore,
    Hide,
    Show,
}

#[derive(Debug, Clone)]
pub(crate) enum Out {
    Stream(String),
    Result(String),
    Image(u64),
    Gif,
    /// Text on stderr (a printed traceback): recorded like any stream.
    Stderr(String),
    /// An exception the kernel raised: the notebook shows it, the client
    /// recorded nothing for the run.
    Error {
        ename: String,
        evalue: String,
    },
}

#[derive(Debug, Clone)]
pub(super) struct Cell {
    pub(super) id: u64,
    pub(super) template: Template,
    pub(super) params: [u32; 3],
    pub(super) marker: Marker,
    pub(super) source: String,
    pub(super) count: Option<u32>,
    /// Outputs as kept in the notebook (long texts shortened).
    pub(super) outputs: Vec<Out>,
    /// This cell's JSON in the saved notebook, until it changes.
    pub(super) json: Option<String>,
}

impl Cell {
    pub(super) fn is_code(&self) -> bool {
        self.template != Template::Markdown
    }
}

pub(super) struct Notebook {
    pub(super) path: String,
    pub(super) writer: usize,
    pub(super) dataset: usize,
    pub(super) cells: Vec<Cell>,
    pub(super) kernel: u32,
    /// The kernel state differs from the file on disk.
    pub(super) unsaved: bool,
    /// The cell the user last worked on: re-runs and edits happen around it,
    /// which matters once cells are inserted in the middle.
    pub(super) focus: Option<u64>,
}

impl Notebook {
    pub(super) fn code_cells(&self) -> usize {
        self.cells.iter().filter(|c| c.is_code()).count()
    }

    /// Indices of the code cells, top to bottom.
    pub(super) fn code_indices(&self) -> Vec<usize> {
        (0..self.cells.len())
            .filter(|&i| self.cells[i].is_code())
            .collect()
    }
}

/// Notebook text outputs are kept to this many bytes (keeps notebooks small).
const NOTEBOOK_TEXT_CAP: usize = 2048;

/// Text results longer than this were cut by the client.
pub const MAX_RESULT_BYTES: usize = 64 * 1024;
/// The marker the client put after a cut result (the format's own constant).
pub use crate::activity::detail::TRUNCATED_MARK;

/// Cuts a text result the way the client did: at most 64 kB, ending with `<result truncated>`.
pub fn truncate_result(text: &str) -> String {
    if text.len() <= MAX_RESULT_BYTES {
        return text.to_string();
    }
    let mut cut = MAX_RESULT_BYTES - TRUNCATED_MARK.len() - 1;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}\n{TRUNCATED_MARK}", &text[..cut])
}

pub(super) fn render_source(cell: &Cell, dataset: usize) -> String {
    let ds = &DATASETS[dataset % DATASETS.len()];
    let p = cell.params;
    let num = |i: u32| ds.nums[i as usize % ds.nums.len()];
    let body = match cell.template {
        Template::Markdown => return cell.source.clone(),
        Template::Py(t) => match t {
            Py::Imports => {
                let extra = if p[0].is_multiple_of(2) {
                    "import seaborn as sns\n"
                } else {
                    ""
                };
                format!(
                    "import pandas as pd\nimport numpy as np\nimport matplotlib.pyplot as plt\n{extra}%matplotlib inline"
                )
            }
            Py::Load => {
                if p[0].is_multiple_of(3) {
                    format!(
                        "df = pd.read_csv('../{}', nrows={})\ndf.shape",
                        ds.file,
                        100 * (1 + p[1] % 50)
                    )
                } else {
                    format!("df = pd.read_csv('../{}')\ndf.shape", ds.file)
                }
            }
            Py::Head => format!("df.head({})", 3 + p[0] % 8),
            Py::Describe => {
                if p[0].is_multiple_of(2) {
                    "df.describe()".to_string()
                } else {
                    format!(
                        "df[['{}', '{}']].describe()",
                        num(p[1]),
                        num(p[1] + 1 + p[2] % 3)
                    )
                }
            }
            Py::GroupBy => format!(
                "df.groupby('{}')['{}'].{}()",
                ds.cat,
                num(p[0]),
                ["mean", "sum", "median", "max"][p[1] as usize % 4]
            ),
            Py::ValueCounts => format!(
                "df['{}'].value_counts(normalize={})",
                ds.cat,
                if p[0].is_multiple_of(2) {
                    "False"
                } else {
                    "True"
                }
            ),
            Py::Corr => format!(
                "df.corr(method='{}')",
                ["pearson", "spearman", "kendall"][p[0] as usize % 3]
            ),
            Py::Assign => format!(
                "df['{n}_scaled'] = df['{n}'] / {k}\ndf['{n}_scaled'].mean()",
                n = num(p[0]),
                k = 10 + p[1] % 90
            ),
            Py::Hist => format!(
                "fig, ax = plt.subplots(figsize=({w}, 4))\ndf['{n}'].hist(bins={b}, ax=ax)\nax.set_title('Distribution of {n}')\nplt.show()",
                w = 4 + p[2] % 6,
                n = num(p[0]),
                b = 5 + p[1] % 45
            ),
            Py::Scatter => format!(
                "plt.scatter(df['{a}'], df['{b}'], alpha={al:.1})\nplt.xlabel('{a}')\nplt.ylabel('{b}')\nplt.show()",
                a = num(p[0]),
                b = num(p[0] + 1 + p[1] % 3),
                al = f64::from(1 + p[2] % 9) / 10.0
            ),
            Py::Regress => format!(
                "from sklearn.linear_model import LinearRegression\nX = df[['{a}']]\ny = df['{b}']\nmodel = LinearRegression(fit_intercept={fi}).fit(X, y)\nmodel.score(X, y)",
                a = num(p[0]),
                b = num(p[0] + 1 + p[1] % 3),
                fi = if p[2].is_multiple_of(2) {
                    "True"
                } else {
                    "False"
                }
            ),
            Py::Loop => format!(
                "for i in range({}):\n    print(i, round(np.sqrt(i * {}), 4))",
                5 + p[0] % 20,
                1 + p[1] % 9
            ),
            Py::PrintRows => format!("print(df.head({}).to_string())", 50 + p[0] % 70),
            Py::PrintAll => format!(
                "pd.set_option('display.max_rows', {})\nprint(df.to_string())",
                2000 + p[0]
            ),
            Py::Animate => format!(
                "from IPython.display import Image\nImage(filename='../output/animation_{}.gif')",
                p[0] % 10
            ),
            // Its marker line, if any, is already in the text.
            Py::Text => return cell.source.clone(),
            Py::Plain => format!(
                "threshold = {}\ncolumns = ['{}', '{}']",
                p[0] % 100,
                num(p[1]),
                num(p[2])
            ),
            Py::Fit => {
                let fit = format!(
                    "coef = np.polyfit(df['{}'], df['{}'], deg={})\nprint(coef.round({}))",
                    num(p[0]),
                    ds.nums[0],
                    fit_degree(p),
                    2 + p[2] / 2 % 3
                );
                if p[2].is_multiple_of(2) {
                    let inner = fit.replace('\n', "\n    ");
                    format!("try:\n    {inner}\nexcept Exception:\n    traceback.print_exc()")
                } else {
                    fit
                }
            }
        },
        Template::R(t) => match t {
            Rt::Arith => format!("{} + {}", p[0] % 10, p[1] % 10),
            Rt::Libs => "library(dplyr)\nlibrary(ggplot2)".to_string(),
            Rt::Read => format!("df <- read.csv('{}')\ndim(df)", ds.file),
            Rt::Summary => format!("summary(df${})", num(p[0])),
            Rt::Head => format!("head(df, {})", 3 + p[0] % 8),
            Rt::Mean => format!(
                "mean(df${}, na.rm = {})",
                num(p[0]),
                if p[1].is_multiple_of(2) {
                    "TRUE"
                } else {
                    "FALSE"
                }
            ),
            Rt::Ggplot => format!(
                "ggplot(df, aes(x = {})) +\n  geom_histogram(bins = {}) +\n  theme_minimal()",
                num(p[0]),
                5 + p[1] % 45
            ),
            Rt::Lm => format!(
                "model <- lm({} ~ {}, data = df)\nsummary(model)$r.squared",
                num(p[0]),
                num(p[0] + 1 + p[1] % 3)
            ),
            Rt::Table => format!("table(df${})", ds.cat),
        },
    };
    match cell.marker {
        Marker::None => body,
        Marker::Ignore => format!("# gtm:ignore\n{body}"),
        Marker::Hide => format!("# gtm:hide\n{body}"),
        Marker::Show => format!("# gtm:show\n{body}"),
    }
}

/// The degree of a planted fit's polynomial.
fn fit_degree(p: [u32; 3]) -> u32 {
    1 + p[1] % 5
}

fn df_table(ds: &Dataset, rows: usize, rng: &mut Rng) -> String {
    let mut s = format!("{:>6}", "");
    for c in ds.nums {
        let _ = write!(s, "{c:>14}");
    }
    let _ = writeln!(s, "{:>10}", ds.cat);
    for i in 0..rows {
        let _ = write!(s, "{i:<6}");
        for c in ds.nums {
            let v = col_scale(c) * (0.5 + rng.unit());
            let _ = write!(s, "{v:>14.4}");
        }
        let _ = writeln!(s, "{:>10}", rng.pick(ds.levels));
    }
    s
}

fn describe(ds: &Dataset, rng: &mut Rng) -> String {
    let mut s = format!("{:>6}", "");
    for c in ds.nums {
        let _ = write!(s, "{c:>14}");
    }
    s.push('\n');
    for stat in ["count", "mean", "std", "min", "25%", "50%", "75%", "max"] {
        let _ = write!(s, "{stat:<6}");
        for c in ds.nums {
            let v = if stat == "count" {
                f64::from(ds.rows)
            } else {
                col_scale(c) * (0.2 + rng.unit())
            };
            let _ = write!(s, "{v:>14.6}");
        }
        s.push('\n');
    }
    s
}

fn series(ds: &Dataset, name: &str, rng: &mut Rng, int: bool) -> String {
    let mut s = format!("{}\n", ds.cat);
    for l in ds.levels {
        if int {
            let _ = writeln!(s, "{l:<12}{}", 10 + rng.below(u64::from(ds.rows)));
        } else {
            let _ = writeln!(s, "{l:<12}{:.6}", col_scale(name) * (0.5 + rng.unit()));
        }
    }
    let _ = write!(
        s,
        "Name: {name}, dtype: {}",
        if int { "int64" } else { "float64" }
    );
    s
}

/// Runs a cell: its outputs as the notebook keeps them, and in full (for the details).
pub(super) fn run_outputs(cell: &Cell, dataset: usize, seed: u64) -> (Vec<Out>, Vec<Out>) {
    let ds = &DATASETS[dataset % DATASETS.len()];
    let mut rng = Rng::new(fnv(&cell.source) ^ seed);
    let p = cell.params;
    let num = |i: u32| ds.nums[i as usize % ds.nums.len()];
    let image = || Out::Image(fnv(&cell.source));
    let full: Vec<Out> = match cell.template {
        Template::Markdown => Vec::new(),
        Template::Py(t) => match t {
            Py::Imports | Py::Plain | Py::Text => Vec::new(),
            Py::Load => vec![Out::Result(format!("({}, {})", ds.rows, ds.nums.len() + 1))],
            Py::Head => vec![Out::Result(df_table(ds, 3 + p[0] as usize % 8, &mut rng))],
            Py::Describe => vec![Out::Result(describe(ds, &mut rng))],
            Py::GroupBy => vec![Out::Result(series(ds, num(p[0]), &mut rng, false))],
            Py::ValueCounts => vec![Out::Result(series(
                ds,
                ds.cat,
                &mut rng,
                p[0].is_multiple_of(2),
            ))],
            Py::Corr => {
                let mut s = format!("{:>14}", "");
                for c in ds.nums {
                    let _ = write!(s, "{c:>14}");
                }
                s.push('\n');
                for a in ds.nums {
                    let _ = write!(s, "{a:>14}");
                    for b in ds.nums {
                        let v = if a == b { 1.0 } else { rng.unit() * 2.0 - 1.0 };
                        let _ = write!(s, "{v:>14.6}");
                    }
                    s.push('\n');
                }
                vec![Out::Result(s)]
            }
            Py::Assign => vec![Out::Result(format!("{:.6}", rng.unit() * 50.0))],
            Py::Regress => vec![Out::Result(format!("{:.16}", rng.unit()))],
            Py::Hist | Py::Scatter => vec![image()],
            Py::Loop => {
                let mut s = String::new();
                for i in 0..(5 + p[0] % 20) {
                    let _ = writeln!(s, "{i} {:.4}", f64::from(i * (1 + p[1] % 9)).sqrt());
                }
                vec![Out::Stream(s)]
            }
            Py::PrintRows => vec![Out::Stream(df_table(ds, 50 + p[0] as usize % 70, &mut rng))],
            Py::PrintAll => vec![Out::Stream(df_table(ds, 900 + p[0] as usize, &mut rng))],
            Py::Animate => vec![Out::Gif],
            Py::Fit => {
                let coef: Vec<String> = (0..=fit_degree(p))
                    .map(|_| format!("{:.3}", rng.unit() * 20.0 - 10.0))
                    .collect();
                vec![Out::Stream(format!("[{}]\n", coef.join(" ")))]
            }
        },
        Template::R(t) => match t {
            Rt::Libs => Vec::new(),
            Rt::Arith => vec![Out::Result(format!("[1] {}\n", p[0] % 10 + p[1] % 10))],
            Rt::Read => vec![Out::Result(format!(
                "[1] {}    {}\n",
                ds.rows,
                ds.nums.len() + 1
            ))],
            Rt::Summary => {
                let v: Vec<f64> = (0..6)
                    .map(|i| col_scale(num(p[0])) * (0.2 + 0.2 * f64::from(i)) + rng.unit())
                    .collect();
                vec![Out::Result(format!(
                    "   Min. 1st Qu.  Median    Mean 3rd Qu.    Max. \n{:>7.2} {:>7.2} {:>7.2} {:>7.2} {:>7.2} {:>7.2} \n",
                    v[0], v[1], v[2], v[3], v[4], v[5]
                ))]
            }
            Rt::Head => vec![Out::Result(df_table(ds, 3 + p[0] as usize % 8, &mut rng))],
            Rt::Mean => vec![Out::Result(format!(
                "[1] {:.4}\n",
                col_scale(num(p[0])) * (0.5 + rng.unit())
            ))],
            Rt::Ggplot => vec![image()],
            Rt::Lm => vec![Out::Result(format!("[1] {:.7}\n", rng.unit()))],
            Rt::Table => {
                let mut s = "\n".to_string();
                for l in ds.levels {
                    let _ = write!(s, "{l:>10}");
                }
                s.push('\n');
                for _ in ds.levels {
                    let _ = write!(s, "{:>10}", rng.below(u64::from(ds.rows)));
                }
                s.push('\n');
                vec![Out::Result(s)]
            }
        },
    };
    let kept = full
        .iter()
        .map(|o| match o {
            Out::Stream(t) if t.len() > NOTEBOOK_TEXT_CAP => Out::Stream(shorten(t)),
            Out::Result(t) if t.len() > NOTEBOOK_TEXT_CAP => Out::Result(shorten(t)),
            other => other.clone(),
        })
        .collect();
    (kept, full)
}

/// A template's code as a user first types it, for the notebook-repository
/// writer, which keeps cells of its own and only borrows the text.
pub(crate) fn template_code(t: Py, params: [u32; 3], dataset: usize) -> String {
    render_source(&borrowed_cell(t, params, String::new()), dataset)
}

/// What running a template's cell shows in the notebook. `source` is the
/// cell's text as edited since, which seeds the numbers like a real rerun.
pub(crate) fn template_run(
    t: Py,
    params: [u32; 3],
    dataset: usize,
    source: &str,
    seed: u64,
) -> Vec<Out> {
    run_outputs(&borrowed_cell(t, params, source.to_string()), dataset, seed).0
}

fn borrowed_cell(t: Py, params: [u32; 3], source: String) -> Cell {
    Cell {
        id: 0,
        template: Template::Py(t),
        params,
        marker: Marker::None,
        source,
        count: None,
        outputs: Vec::new(),
        json: None,
    }
}

fn shorten(t: &str) -> String {
    let mut cut = NOTEBOOK_TEXT_CAP;
    while !t.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}\n...", &t[..cut])
}

pub(super) fn lines(text: &str) -> serde_json::Value {
    let parts: Vec<serde_json::Value> = text
        .split_inclusive('\n')
        .map(|l| serde_json::Value::String(l.to_string()))
        .collect();
    serde_json::Value::Array(parts)
}

/// Pretty JSON as Jupyter writes it: one-space indent, sorted keys.
fn pretty(v: &serde_json::Value) -> String {
    let mut out = Vec::with_capacity(1024);
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b" ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    if serde::Serialize::serialize(v, &mut ser).is_err() {
        return v.to_string();
    }
    String::from_utf8(out).unwrap_or_else(|_| v.to_string())
}

/// How one save differs from Jupyter's plain save.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct SaveAs {
    /// Execution counts and outputs cleared.
    pub strip: bool,
    /// Every id drawn anew from this save's number.
    pub new_ids: Option<u64>,
}

fn cell_value(
    c: &Cell,
    cell_ids: bool,
    save: SaveAs,
    png_b64: &str,
    gif_b64: &str,
) -> serde_json::Value {
    use serde_json::{Value, json};
    let mut m = serde_json::Map::new();
    if cell_ids {
        let id = match save.new_ids {
            Some(n) => fnv(&format!("{}/{n}", c.id)),
            None => fnv(&c.id.to_string()),
        };
        m.insert("id".into(), json!(format!("{:08x}", id as u32)));
    }
    m.insert("metadata".into(), json!({}));
    m.insert("source".into(), lines(&c.source));
    if c.is_code() {
        m.insert("cell_type".into(), json!("code"));
        let count = if save.strip { None } else { c.count };
        m.insert("execution_count".into(), json!(count));
        let kept: &[Out] = if save.strip { &[] } else { &c.outputs };
        let outs: Vec<Value> = kept
            .iter()
            .map(|o| match o {
                Out::Stream(t) => {
                    json!({"name": "stdout", "output_type": "stream", "text": lines(t)})
                }
                Out::Result(t) => json!({
                    "data": {"text/plain": lines(t)},
                    "execution_count": c.count,
                    "metadata": {},
                    "output_type": "execute_result"
                }),
                Out::Image(_) => json!({
                    "data": {"image/png": png_b64, "text/plain": ["<Figure size 432x288 with 1 Axes>"]},
                    "metadata": {"needs_background": "light"},
                    "output_type": "display_data"
                }),
                Out::Gif => json!({
                    "data": {"image/gif": gif_b64, "text/plain": ["<IPython.core.display.Image object>"]},
                    "execution_count": c.count,
                    "metadata": {},
                    "output_type": "execute_result"
                }),
                Out::Stderr(t) => {
                    json!({"name": "stderr", "output_type": "stream", "text": lines(t)})
                }
                Out::Error { ename, evalue } => json!({
                    "ename": ename,
                    "evalue": evalue,
                    "output_type": "error",
                    "traceback": [format!("{ename}: {evalue}")]
                }),
            })
            .collect();
        m.insert("outputs".into(), Value::Array(outs));
    } else {
        m.insert("cell_type".into(), json!("markdown"));
    }
    Value::Object(m)
}

/// Everything after the cells: notebook metadata and format version.
fn notebook_tail(cell_ids: bool) -> serde_json::Value {
    serde_json::json!({
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {
                "codemirror_mode": {"name": "ipython", "version": 3},
                "file_extension": ".py",
                "mimetype": "text/x-python",
                "name": "python",
                "nbconvert_exporter": "python",
                "pygments_lexer": "ipython3",
                "version": "3.7.6"
            }
        },
        "nbformat": 4,
        "nbformat_minor": if cell_ids { 5 } else { 4 }
    })
}

/// The notebook as Jupyter saves it (nbformat 4 JSON, one-space indent,
/// sorted keys), assembled from each cell's cached JSON.
pub(super) fn notebook_json(
    nb: &mut Notebook,
    cell_ids: bool,
    save: SaveAs,
    png_b64: &str,
    gif_b64: &str,
) -> Vec<u8> {
    // The cell sits two levels deep: indent its lines by two spaces.
    let render = |c: &Cell| {
        let mut f = String::new();
        for (n, line) in pretty(&cell_value(c, cell_ids, save, png_b64, gif_b64))
            .lines()
            .enumerate()
        {
            if n > 0 {
                f.push('\n');
            }
            f.push_str("  ");
            f.push_str(line);
        }
        f
    };
    let mut out = String::with_capacity(8192);
    out.push_str("{\n \"cells\": [");
    for (i, c) in nb.cells.iter_mut().enumerate() {
        out.push_str(if i == 0 { "\n" } else { ",\n" });
        if save != SaveAs::default() {
            // Only a plain save's cells are cached: the next plain save reuses them.
            out.push_str(&render(c));
            continue;
        }
        if c.json.is_none() {
            c.json = Some(render(c));
        }
        out.push_str(c.json.as_deref().unwrap_or_default());
    }
    out.push_str(if nb.cells.is_empty() {
        "],\n"
    } else {
        "\n ],\n"
    });
    let tail = pretty(&notebook_tail(cell_ids));
    out.push_str(tail.strip_prefix("{\n").unwrap_or(&tail));
    out.push('\n');
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notebook_json_is_what_a_full_serialization_gives() {
        let mut nb = Notebook {
            path: "code/x.ipynb".into(),
            writer: 0,
            dataset: 1,
            cells: Vec::new(),
            kernel: 0,
            unsaved: false,
            focus: None,
        };
        for cell_ids in [true, false] {
            nb.cells.clear();
            let empty = notebook_json(&mut nb, cell_ids, SaveAs::default(), "UE5H", "R0lG");
            let mut doc = notebook_tail(cell_ids);
            doc["cells"] = serde_json::json!([]);
            assert_eq!(String::from_utf8(empty).unwrap(), pretty(&doc) + "\n");
            for (i, t) in [
                Template::Py(Py::Head),
                Template::Markdown,
                Template::Py(Py::Hist),
                Template::Py(Py::Loop),
                Template::Py(Py::Animate),
                Template::Py(Py::Imports),
            ]
            .into_iter()
            .enumerate()
            {
                let mut c = Cell {
                    id: i as u64 + 1,
                    template: t,
                    params: [i as u32, 2, 3],
                    marker: Marker::None,
                    source: "## A \"title\"\nwith two lines".into(),
                    count: (i % 2 == 0).then_some(i as u32),
                    outputs: Vec::new(),
                    json: None,
                };
                c.source = render_source(&c, 1);
                c.outputs = run_outputs(&c, 1, 5).0;
                nb.cells.push(c);
            }
            let fast = notebook_json(&mut nb, cell_ids, SaveAs::default(), "UE5H", "R0lG");
            let cells: Vec<serde_json::Value> = nb
                .cells
                .iter()
                .map(|c| cell_value(c, cell_ids, SaveAs::default(), "UE5H", "R0lG"))
                .collect();
            doc["cells"] = serde_json::Value::Array(cells);
            let slow = pretty(&doc) + "\n";
            assert_eq!(String::from_utf8(fast.clone()).unwrap(), slow);
            assert_eq!(
                notebook_json(&mut nb, cell_ids, SaveAs::default(), "UE5H", "R0lG"),
                fast,
                "cached"
            );
        }
    }

    #[test]
    fn results_are_cut_like_the_client_did() {
        let long = "é".repeat(40_000);
        let cut = truncate_result(&long);
        assert!(cut.len() <= MAX_RESULT_BYTES && cut.ends_with(TRUNCATED_MARK));
        assert_eq!(truncate_result("short"), "short");
    }
}
