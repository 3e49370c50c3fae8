//! What cells say: new code, markdown and raw text, the small and large edits people make, and what a run prints.

use std::fmt::Write as _;

use super::model::{Cell, Kind, Meta, Output};
use super::png::figure_b64;
use crate::synth::workload::{Out, Py, Rng, template_code, template_run};

/// Templates of ordinary analysis cells (no figures).
const ORDINARY: &[Py] = &[
    Py::Head,
    Py::Describe,
    Py::GroupBy,
    Py::ValueCounts,
    Py::Corr,
    Py::Assign,
    Py::Regress,
    Py::Loop,
    Py::Plain,
    Py::GroupBy,
    Py::Head,
];
const PLOTS: &[Py] = &[Py::Hist, Py::Scatter];

const HEADINGS: &[&str] = &[
    "## Load the data",
    "## Clean up",
    "### Missing values",
    "## Distributions",
    "### Outliers",
    "## Correlations",
    "## Model",
    "### Baseline",
    "## Results",
    "## Next steps",
    "### Per group",
    "## Sanity checks",
];
const SENTENCES: &[&str] = &[
    "Rows with missing values are dropped before anything else.",
    "The numbers below are per group, not per row.",
    "TODO: check the outliers in the top 1%.",
    "This matches what we saw last week, roughly.",
    "The scale is very different between columns, so we normalise first.",
    "Looks like a **long tail**; a log scale might help.",
    "See `data/README` for where the file comes from.",
    "Not sure this is right, ask before using the result.",
    "The baseline is the mean of the training set.",
    "Correlation is not causation, but it narrows down what to look at.",
];
const TITLES: &[&str] = &[
    "# Exploratory analysis",
    "# Sales: first look",
    "# Cleaning the raw data",
    "# Model experiments",
    "# Report figures",
    "# Scratch",
];
const RAW: &[&str] = &[
    "---\ntitle: Analysis notes\nauthor: data team\n---",
    "Run `make data` before this notebook.",
    "\\newpage",
];
/// Lines typed into existing code.
const EXTRA_LINES: &[&str] = &[
    "df = df.dropna()",
    "print(df.shape)",
    "# TODO: check this",
    "df.info()",
    "df = df.reset_index(drop=True)",
    "np.random.seed(42)",
    "print(len(df))",
];
/// Word-level fixes people make to working code.
const SWAPS: &[(&str, &str)] = &[
    (".corr(", ".corr(numeric_only=True, "),
    ("mean()", "median()"),
    ("sum()", "mean()"),
    ("head(", "tail("),
    ("normalize=False", "normalize=True"),
    ("fit_intercept=True", "fit_intercept=False"),
    ("plt.show()", "plt.tight_layout()\nplt.show()"),
    ("'pearson'", "'spearman'"),
];

pub(super) fn params(rng: &mut Rng) -> [u32; 3] {
    [
        rng.below(1000) as u32,
        rng.below(1000) as u32,
        rng.below(1000) as u32,
    ]
}

/// Where the data is seen from a notebook at `path`.
fn data_prefix(path: &str) -> String {
    "../".repeat(path.matches('/').count()) + "data/"
}

fn fresh(ident: u64, kind: Kind, source: String) -> Cell {
    Cell {
        ident,
        kind,
        source,
        tpl: None,
        plot: false,
        noisy: false,
        count: None,
        outputs: Vec::new(),
        nbid: None,
        meta: Meta::Plain,
    }
}

pub(super) fn code_cell(
    ident: u64,
    t: Py,
    rng: &mut Rng,
    dataset: usize,
    path: &str,
    plot: bool,
) -> Cell {
    let p = params(rng);
    let source = template_code(t, p, dataset).replace("../input/", &data_prefix(path));
    let mut c = fresh(ident, Kind::Code, source);
    c.tpl = Some((t, p));
    c.plot = plot;
    c.noisy = rng.chance(0.3);
    c.meta = match rng.below(20) {
        0 | 1 => Meta::Tags,
        2 => Meta::Scrolled,
        _ => Meta::Plain,
    };
    c
}

/// A code cell of the ordinary sort, or a figure with chance `images`.
pub(super) fn analysis_cell(
    ident: u64,
    rng: &mut Rng,
    dataset: usize,
    path: &str,
    images: f64,
) -> Cell {
    let plot = rng.chance(images);
    let t = if plot {
        *rng.pick(PLOTS)
    } else {
        *rng.pick(ORDINARY)
    };
    code_cell(ident, t, rng, dataset, path, plot)
}

pub(super) fn markdown_cell(ident: u64, rng: &mut Rng) -> Cell {
    let source = match rng.below(10) {
        0..=4 => rng.pick(HEADINGS).to_string(),
        5..=7 => format!("{}\n\n{}", rng.pick(HEADINGS), rng.pick(SENTENCES)),
        _ => format!("- {}\n- {}", rng.pick(SENTENCES), rng.pick(SENTENCES)),
    };
    fresh(ident, Kind::Markdown, source)
}

pub(super) fn title_cell(ident: u64, rng: &mut Rng) -> Cell {
    let source = if rng.chance(0.5) {
        format!("{}\n\n{}", rng.pick(TITLES), rng.pick(SENTENCES))
    } else {
        rng.pick(TITLES).to_string()
    };
    fresh(ident, Kind::Markdown, source)
}

pub(super) fn raw_cell(ident: u64, rng: &mut Rng) -> Cell {
    fresh(ident, Kind::Raw, rng.pick(RAW).to_string())
}

/// A typo fixed, a number changed, a line added, removed or commented out.
/// Always changes the text.
pub(super) fn tweak_code(source: &str, rng: &mut Rng) -> String {
    for _ in 0..4 {
        let out = match rng.below(10) {
            0..=2 => change_number(source, rng),
            3..=5 => {
                let mut lines: Vec<&str> = source.lines().collect();
                let at = rng.below(lines.len() as u64 + 1) as usize;
                lines.insert(at, *rng.pick(EXTRA_LINES));
                Some(lines.join("\n"))
            }
            6 | 7 => {
                let (from, to) = *rng.pick(SWAPS);
                source.contains(from).then(|| source.replacen(from, to, 1))
            }
            8 => {
                let lines: Vec<&str> = source.lines().collect();
                (lines.len() >= 3).then(|| {
                    let gone = rng.below(lines.len() as u64) as usize;
                    let kept: Vec<&str> = (0..lines.len())
                        .filter(|&i| i != gone)
                        .map(|i| lines[i])
                        .collect();
                    kept.join("\n")
                })
            }
            _ => {
                let lines: Vec<&str> = source.lines().collect();
                (lines.len() >= 2).then(|| {
                    let at = rng.below(lines.len() as u64) as usize;
                    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
                    out[at] = format!("# {}", out[at]);
                    out.join("\n")
                })
            }
        };
        if let Some(out) = out.filter(|o| o != source) {
            return out;
        }
    }
    format!("{source}\n{}", rng.pick(EXTRA_LINES))
}

fn change_number(source: &str, rng: &mut Rng) -> Option<String> {
    let bytes = source.as_bytes();
    let starts: Vec<usize> = (0..bytes.len())
        .filter(|&i| bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()))
        .collect();
    if starts.is_empty() {
        return None;
    }
    let s = *rng.pick(&starts);
    let e = (s..bytes.len())
        .find(|&i| !bytes[i].is_ascii_digit())
        .unwrap_or(bytes.len());
    let old: u64 = source[s..e].parse().ok()?;
    let new = old + 1 + rng.below(20);
    Some(format!("{}{new}{}", &source[..s], &source[e..]))
}

/// Most of a cell rewritten: another template's code under the same first
/// line half the time (people keep the comment or the `fig, ax` line).
pub(super) fn rewrite_code(cell: &mut Cell, rng: &mut Rng, dataset: usize, path: &str) {
    let t = if cell.plot {
        *rng.pick(PLOTS)
    } else {
        *rng.pick(ORDINARY)
    };
    let p = params(rng);
    let body = template_code(t, p, dataset).replace("../input/", &data_prefix(path));
    let first = cell.source.lines().next().unwrap_or_default().to_string();
    let mut source = if rng.chance(0.5) && !body.starts_with(&first) {
        format!("{first}\n{body}")
    } else {
        body
    };
    if source == cell.source {
        source.push_str("\n# rewritten");
    }
    cell.source = source;
    cell.tpl = Some((t, p));
}

pub(super) fn tweak_markdown(source: &str, rng: &mut Rng) -> String {
    let out = match rng.below(4) {
        0 => format!("{source}\n\n{}", rng.pick(SENTENCES)),
        1 => format!("{source}\n- {}", rng.pick(SENTENCES)),
        2 if source.contains("the ") => source.replacen("the ", "the whole ", 1),
        _ => match source.split_once('\n') {
            Some((head, rest)) => format!("{head} (draft)\n{rest}"),
            None => format!("{source} (draft)"),
        },
    };
    if out == source {
        format!("{source}.")
    } else {
        out
    }
}

const ERRORS: &[(&str, &str)] = &[
    ("KeyError", "'price_usd'"),
    ("NameError", "name 'sns' is not defined"),
    ("ValueError", "could not convert string to float: 'n/a'"),
    (
        "TypeError",
        "unsupported operand type(s) for /: 'str' and 'int'",
    ),
    ("FileNotFoundError", "[Errno 2] No such file or directory"),
];

/// The traceback IPython prints, ANSI colours and all.
fn traceback(ename: &str, evalue: &str, source: &str, count: u32, rng: &mut Rng) -> Vec<String> {
    let first = source.lines().next().unwrap_or_default();
    let mut frame = format!(
        "\u{1b}[0;32m<ipython-input-{count}-{:012x}>\u{1b}[0m in \u{1b}[0;36m<module>\u{1b}[0;34m\u{1b}[0m\n",
        rng.next_u64() >> 16
    );
    let _ = write!(
        frame,
        "\u{1b}[0;32m----> 1\u{1b}[0;31m {first}\u{1b}[0m\n\u{1b}[0m"
    );
    vec![
        "\u{1b}[0;31m---------------------------------------------------------------------------\u{1b}[0m".to_string(),
        format!("\u{1b}[0;31m{ename}\u{1b}[0m                                  Traceback (most recent call last)"),
        frame,
        format!("\u{1b}[0;31m{ename}\u{1b}[0m: {evalue}"),
    ]
}

/// Runs the cell: its count becomes `count` and its outputs what the code
/// prints. `run` tells one run of the same code from another, for noisy cells.
pub(super) fn run(
    cell: &mut Cell,
    count: u32,
    dataset: usize,
    run: u64,
    figure_px: (u32, u32),
    rng: &mut Rng,
) {
    cell.count = Some(count);
    let seed = if cell.noisy { run } else { 0 };
    let mut outs = match cell.tpl {
        Some((t, p)) => template_run(t, p, dataset, &cell.source, seed)
            .into_iter()
            .filter_map(|o| match o {
                Out::Stream(s) => Some(Output::Stdout(s)),
                Out::Result(s) => Some(Output::Result(s)),
                _ => None,
            })
            .collect(),
        None => free_outputs(&cell.source, seed),
    };
    // A line typed below the template's expression hides its value.
    if !shows_value(&cell.source) {
        outs.retain(|o| !matches!(o, Output::Result(_)));
    }
    if cell.plot {
        outs.push(Output::Image(figure_b64(
            hash(&cell.source) ^ seed,
            figure_px,
        )));
    }
    // Setup cells that fail are fixed before anything is saved; later ones
    // stay broken until their next run.
    let setup = matches!(cell.tpl, Some((Py::Imports | Py::Load, _)));
    if !setup && rng.chance(0.04) {
        let (ename, evalue) = *rng.pick(ERRORS);
        outs.retain(|o| matches!(o, Output::Stdout(_)));
        outs.push(Output::Error {
            ename: ename.to_string(),
            evalue: evalue.to_string(),
            traceback: traceback(ename, evalue, &cell.source, count, rng),
        });
    }
    cell.outputs = outs;
}

/// Outputs of code that follows no template: prints print, a bare last
/// expression shows its value.
fn free_outputs(source: &str, seed: u64) -> Vec<Output> {
    let mut r = Rng::new(hash(source) ^ seed);
    let mut outs = Vec::new();
    let prints = source
        .lines()
        .filter(|l| l.trim_start().starts_with("print("))
        .count();
    if prints > 0 {
        let mut s = String::new();
        for _ in 0..prints {
            let _ = writeln!(s, "{}", r.below(10_000));
        }
        outs.push(Output::Stdout(s));
    }
    if shows_value(source) {
        outs.push(Output::Result(format!("{:.6}", r.unit() * 100.0)));
    }
    outs
}

/// Whether IPython shows the value of the cell's last line: a bare
/// expression, not an assignment, import, magic, comment or call for effect.
fn shows_value(source: &str) -> bool {
    let last = source.lines().last().unwrap_or_default();
    !last.is_empty()
        && !last.starts_with('#')
        && !last.starts_with(' ')
        && !last.contains(" = ")
        && !last.starts_with("import ")
        && !last.starts_with("from ")
        && !last.starts_with('%')
        && !last.starts_with("print(")
        && !last.starts_with("plt.")
        && !last.starts_with("np.random.seed(")
        && !last.ends_with(".info()")
}

/// FNV-1a: stable across runs and platforms.
pub(super) fn hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
