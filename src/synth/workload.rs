//! `Workload`: realistic, seeded data-science sessions (Jupyter notebooks, RStudio console, environment and file changes, notes, milestones, workspace branches and merges) written through `ProjectWriter`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::writer::{
    CellRef, DEFAULT_BRANCH, DetailSpec, Linked, PlantedStreak, ProjectWriter, RecordSpec,
    SynthError, WriterOptions, Written,
};
use crate::activity::detail::{EntryOut, fence_code};

/// A small seeded PRNG (SplitMix64): fast, reproducible, good enough for test data.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..hi` (`lo` when the range is empty).
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            lo
        } else {
            lo + self.below(hi.abs_diff(lo)) as i64
        }
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// True about once in `n` calls (never when `n` is 0).
    pub fn one_in(&mut self, n: u32) -> bool {
        n > 0 && self.below(u64::from(n)) == 0
    }

    /// A uniformly chosen element. `items` must not be empty.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// 32 lowercase hex digits (an md5-like id or uuid).
    pub fn hex32(&mut self) -> String {
        format!("{:016x}{:016x}", self.next_u64(), self.next_u64())
    }
}

/// A user of the project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub name: String,
    pub email: String,
    /// Minutes east of UTC.
    pub tz_minutes: i32,
}

impl Author {
    pub fn new(name: &str, email: &str, tz_minutes: i32) -> Self {
        Author {
            name: name.into(),
            email: email.into(),
            tz_minutes,
        }
    }

    /// The user name in `gm.workspace-<user>`: the email's local part.
    pub fn username(&self) -> String {
        let local = self.email.split('@').next().unwrap_or_default();
        let user: String = local
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        if user.is_empty() { "user".into() } else { user }
    }
}

/// A small real JPEG (the client re-encoded every image output as JPEG).
pub fn sample_jpeg() -> &'static [u8] {
    include_bytes!("../../assets/plot.jpg")
}

/// A valid 1×1 GIF.
pub const TINY_GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";

/// Text results longer than this were cut by the client.
pub const MAX_RESULT_BYTES: usize = 64 * 1024;
/// What a cut text result ends with.
pub const TRUNCATED_MARK: &str = "<result truncated>";

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

/// What to generate. `Workload::default()` is a small two-person project
/// with everything switched on; change the fields you care about.
#[derive(Debug, Clone)]
pub struct Workload {
    pub name: String,
    /// Activity records to write (every record counts: code, environment, notes, branch…).
    pub records: usize,
    pub seed: u64,
    /// At least one; the first owns the project and works on `master`.
    pub authors: Vec<Author>,
    /// Python notebooks to start with (more are opened when one grows long).
    /// 0: no Jupyter work.
    pub notebooks: usize,
    /// RStudio console work (`Executed code in console`).
    pub r_console: bool,
    /// Old format: four-field detail lines, values without `a`/`n`.
    pub legacy: bool,
    /// The old `.gigantum/labbook.yaml` instead of `project.yaml`.
    pub labbook_yaml: bool,
    /// Store images as base64 text of the JPEG (older projects) rather than raw bytes.
    pub base64_images: bool,
    /// nbformat 4.5 notebooks with cell `id`s (else 4.4 without).
    pub cell_ids: bool,
    /// Other authors work on `gm.workspace-<user>` branches and merge into
    /// `master`; with one author, some of their sessions go to a workspace branch.
    pub branches: bool,
    /// Chance that a workspace session ends with a merge into `master`.
    pub merge_probability: f64,
    /// Log file rotation size. The client rotated at 8 MB
    /// ([`CLIENT_ROTATE_BYTES`](super::writer::CLIENT_ROTATE_BYTES)); the
    /// default 256 kB keeps large workloads fast (every activity commit
    /// stores the whole current log file, and the log directory's tree grows
    /// with the number of files: 256 kB balances the two) and makes `_1`,
    /// `_2`… files appear within a few hundred records.
    pub rotate_bytes: u64,
    /// Checkout families (`log_<32 hex>`); raised to the number of
    /// (author, branch) writers when smaller. A writer with several
    /// families switches to its next one partway through (a fresh clone).
    pub families: usize,
    /// About one new cell in N is a plot (an image result). 0: never.
    pub image_every: u32,
    /// About one new cell in N prints a large output (> 4000 bytes, compressed). 0: never.
    pub large_every: u32,
    /// About one large-output cell in N prints more than 64 kB (truncated). 0: never.
    pub truncated_every: u32,
    /// Chance that the notebook on disk is not saved after a run, so the
    /// auto-commit holds an older version (Jupyter autosaves now and then).
    pub notebook_lag: f64,
    pub bare: bool,
    /// Unix time of the first commit.
    pub start_time: i64,
    /// Some package changes re-version an installed package (the client's
    /// "update"). Off by default: turning it on draws extra random numbers, so
    /// every workload written before it existed keeps its exact history.
    pub upgrades: bool,
    /// Retry streaks to plant, spread evenly over the history: a new cell
    /// in a notebook run 4–10 times within minutes, each time after a small
    /// edit, with an output every time; some attempts print a traceback,
    /// others raise an error the client never recorded (only the execution
    /// count moves on). Their extent is in [`Written::streaks`]. 0 (the
    /// default) plants none and draws no random numbers for them, so every
    /// workload written before this existed keeps its exact history.
    /// Needs Jupyter notebooks (`notebooks` > 0).
    pub streaks: usize,
}

impl Default for Workload {
    fn default() -> Self {
        Workload {
            name: "customer-analysis".into(),
            records: 200,
            seed: 42,
            authors: vec![
                Author::new("Alice Example", "alice@example.com", -300),
                Author::new("Bob Chen", "bob@example.org", 60),
            ],
            notebooks: 2,
            r_console: true,
            legacy: false,
            labbook_yaml: false,
            base64_images: false,
            cell_ids: true,
            branches: true,
            merge_probability: 0.8,
            rotate_bytes: 256 << 10,
            families: 2,
            image_every: 20,
            large_every: 30,
            truncated_every: 40,
            notebook_lag: 0.3,
            bare: false,
            start_time: 1_551_708_000, // 2019-03-04 14:00 UTC (9:00 in New York)
            upgrades: false,
            streaks: 0,
        }
    }
}

impl Workload {
    /// Writes the project into `dir` (created if needed) and returns the truth about it.
    pub fn generate(&self, dir: &Path) -> Result<Written, SynthError> {
        let mut sim = Sim::new(self);
        sim.run();
        let planted = std::mem::take(&mut sim.planted);
        let mut written = sim.w.finish(dir)?;
        written.streaks = planted;
        Ok(written)
    }
}

// ---------------------------------------------------------------- data

struct Dataset {
    file: &'static str,
    nums: &'static [&'static str],
    cat: &'static str,
    levels: &'static [&'static str],
    rows: u32,
}

const DATASETS: &[Dataset] = &[
    Dataset {
        file: "input/sales.csv",
        nums: &["units", "price", "revenue", "discount"],
        cat: "region",
        levels: &["north", "south", "east", "west"],
        rows: 5120,
    },
    Dataset {
        file: "input/iris.csv",
        nums: &["sepal_length", "sepal_width", "petal_length", "petal_width"],
        cat: "species",
        levels: &["setosa", "versicolor", "virginica"],
        rows: 150,
    },
    Dataset {
        file: "input/weather.csv",
        nums: &["temp", "humidity", "wind", "pressure"],
        cat: "station",
        levels: &["KBOS", "KJFK", "KSFO", "KORD", "KSEA"],
        rows: 8760,
    },
    Dataset {
        file: "input/survey.csv",
        nums: &["age", "income", "score", "hours"],
        cat: "country",
        levels: &["US", "DE", "IN", "BR", "JP", "NG"],
        rows: 2400,
    },
];

const NOTEBOOK_STEMS: &[&str] = &[
    "analysis",
    "explore-data",
    "model",
    "plots",
    "cleaning",
    "report",
];

const PIP: &[(&str, &str)] = &[
    ("pandas", "1.1.5"),
    ("numpy", "1.19.5"),
    ("matplotlib", "3.3.4"),
    ("seaborn", "0.11.1"),
    ("scikit-learn", "0.24.1"),
    ("scipy", "1.6.0"),
    ("statsmodels", "0.12.2"),
    ("plotly", "4.14.3"),
    ("requests", "2.25.1"),
    ("tqdm", "4.56.0"),
    ("xgboost", "1.3.3"),
    ("nltk", "3.5"),
];
const APT: &[(&str, &str)] = &[
    ("r-cran-stm", "1.3.6-1cran1.1804.0"),
    ("libxml2-dev", "2.9.4+dfsg1-6.1ubuntu1.3"),
    ("graphviz", "2.40.1-2"),
    ("r-cran-tidytext", "0.2.6-1cran1.1804.0"),
    ("libgdal-dev", "2.2.3+dfsg-2"),
    ("htop", "2.1.0-3"),
];
const CONDA: &[(&str, &str)] = &[
    ("pytorch", "1.7.1"),
    ("networkx", "2.5"),
    ("bokeh", "2.2.3"),
];

const BASES: &[(&str, &str)] = &[
    ("python3-data-science", "Python 3 Data Science Quickstart"),
    ("r-tidyverse", "R Tidyverse in Jupyterlab"),
    ("python3-minimal", "Python 3 Minimal"),
];

const NOTE_TITLES: &[&str] = &[
    "Outliers in the raw data",
    "Tried a log transform",
    "Meeting notes: next steps",
    "Data quality issues",
    "Why the model overfits",
    "Ideas for features",
    "Summary of results so far",
    "TODO before the review",
];
const NOTE_TAGS: &[&str] = &[
    "exploration",
    "idea",
    "todo",
    "results",
    "data-quality",
    "meeting",
];
const MILESTONES: &[&str] = &[
    "baseline model",
    "cleaned dataset",
    "first draft of figures",
    "results for review",
    "final report",
];

// ---------------------------------------------------------------- cells

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Py {
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
}

const PY_ORDINARY: &[Py] = &[
    Py::Head,
    Py::Describe,
    Py::GroupBy,
    Py::ValueCounts,
    Py::Corr,
    Py::Assign,
    Py::Regress,
    Py::Loop,
    Py::Plain,
    Py::Head,
    Py::GroupBy,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rt {
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

const R_ORDINARY: &[Rt] = &[
    Rt::Arith,
    Rt::Summary,
    Rt::Head,
    Rt::Mean,
    Rt::Lm,
    Rt::Table,
    Rt::Mean,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Template {
    Py(Py),
    R(Rt),
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    None,
    Ignore,
    Hide,
    Show,
}

#[derive(Debug, Clone)]
enum Out {
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
struct Cell {
    id: u64,
    template: Template,
    params: [u32; 3],
    marker: Marker,
    source: String,
    count: Option<u32>,
    /// Outputs as kept in the notebook (long texts shortened).
    outputs: Vec<Out>,
    /// This cell's JSON in the saved notebook, until it changes.
    json: Option<String>,
}

impl Cell {
    fn is_code(&self) -> bool {
        self.template != Template::Markdown
    }
}

struct Notebook {
    path: String,
    writer: usize,
    dataset: usize,
    cells: Vec<Cell>,
    kernel: u32,
    /// The kernel state differs from the file on disk.
    unsaved: bool,
    /// The cell the user last worked on: re-runs and edits happen around it,
    /// which matters once cells are inserted in the middle.
    focus: Option<u64>,
}

impl Notebook {
    fn code_cells(&self) -> usize {
        self.cells.iter().filter(|c| c.is_code()).count()
    }

    /// Indices of the code cells, top to bottom.
    fn code_indices(&self) -> Vec<usize> {
        (0..self.cells.len())
            .filter(|&i| self.cells[i].is_code())
            .collect()
    }
}

/// Who writes where: an author on a branch, with their checkout families.
struct WriterSlot {
    author: usize,
    branch: String,
    families: Vec<usize>,
    console: Vec<Cell>,
    last_sync: Option<git2::Oid>,
}

struct Sim<'a> {
    cfg: &'a Workload,
    w: ProjectWriter,
    rng: Rng,
    left: usize,
    total: usize,
    slots: Vec<WriterSlot>,
    notebooks: Vec<Notebook>,
    next_cell: u64,
    packages: BTreeMap<(String, String), String>,
    base: (usize, u32),
    snippets: Vec<String>,
    uploads: Vec<String>,
    outputs_written: usize,
    upload_seq: usize,
    /// Bumped by uploads and package changes: outputs depend on the data and
    /// the packages as well as the code, so a re-run after either can print
    /// something new.
    world: u64,
    utils_version: usize,
    png_b64: String,
    gif_b64: String,
    /// Retry streaks planted so far (`Workload::streaks`).
    planted: Vec<PlantedStreak>,
    /// Outputs the next run uses instead of the template's (planted streaks).
    forced: Option<Vec<Out>>,
    /// Planted streaks begun, including any the end of the history cut short.
    streaks_begun: usize,
}

/// Code cells in a notebook before the user opens another one (or tidies up).
const MAX_CELLS: usize = 20;
/// Notebooks one writer keeps; after that, long notebooks lose old cells.
const MAX_NOTEBOOKS: usize = 6;
/// Uploaded files kept in input/; after that, uploads give way to deletions.
const MAX_UPLOADS: usize = 60;
/// Figure files in output/ (later figures overwrite earlier ones).
const MAX_OUTPUTS: usize = 25;
/// Cells one "Run all" record executes at most.
const MAX_RUN_ALL: usize = 40;
/// Chance that a new cell is inserted between existing cells rather than appended.
const INSERT_CHANCE: f64 = 0.3;
/// Notebook text outputs are kept to this many bytes (keeps notebooks small).
const NOTEBOOK_TEXT_CAP: usize = 2048;

impl<'a> Sim<'a> {
    fn new(cfg: &'a Workload) -> Self {
        let authors = if cfg.authors.is_empty() {
            vec![Author::new("Alice Example", "alice@example.com", -300)]
        } else {
            cfg.authors.clone()
        };
        let mut slots: Vec<(usize, String)> = vec![(0, DEFAULT_BRANCH.to_string())];
        for (i, a) in authors.iter().enumerate().skip(1) {
            let branch = if cfg.branches {
                format!("gm.workspace-{}", a.username())
            } else {
                DEFAULT_BRANCH.to_string()
            };
            slots.push((i, branch));
        }
        if cfg.branches && authors.len() == 1 {
            slots.push((0, format!("gm.workspace-{}", authors[0].username())));
        }
        let families = cfg.families.max(slots.len());
        let n_slots = slots.len();
        let slots: Vec<WriterSlot> = slots
            .into_iter()
            .enumerate()
            .map(|(i, (author, branch))| WriterSlot {
                author,
                branch,
                families: (0..families).filter(|f| f % n_slots == i).collect(),
                console: Vec::new(),
                last_sync: None,
            })
            .collect();
        let opts = WriterOptions {
            name: cfg.name.clone(),
            description: "Exploring the data and building a first model".into(),
            owner: authors[0].username(),
            labbook_yaml: cfg.labbook_yaml,
            legacy: cfg.legacy,
            rotate_bytes: cfg.rotate_bytes,
            families,
            seed: cfg.seed,
            bare: cfg.bare,
            skeleton: true,
            start_time: cfg.start_time,
            ..WriterOptions::default()
        };
        let mut w = ProjectWriter::new(opts);
        let a = &authors[0];
        w.set_author(&a.name, &a.email, a.tz_minutes);
        let mut sim = Sim {
            cfg,
            w,
            rng: Rng::new(cfg.seed),
            left: cfg.records,
            total: cfg.records.max(1),
            slots,
            notebooks: Vec::new(),
            next_cell: 1,
            packages: BTreeMap::new(),
            base: (0, 1),
            snippets: Vec::new(),
            uploads: Vec::new(),
            outputs_written: 0,
            upload_seq: 0,
            world: 0,
            utils_version: 0,
            png_b64: STANDARD.encode(tiny_png()),
            gif_b64: STANDARD.encode(TINY_GIF),
            planted: Vec::new(),
            forced: None,
            streaks_begun: 0,
        };
        for i in 0..cfg.notebooks {
            let writer = i % sim.slots.len();
            sim.open_notebook(writer, i);
        }
        sim
    }

    fn author(&self, slot: usize) -> Author {
        let i = self.slots[slot].author;
        self.cfg
            .authors
            .get(i)
            .cloned()
            .unwrap_or_else(|| Author::new("Alice Example", "alice@example.com", -300))
    }

    fn open_notebook(&mut self, writer: usize, index: usize) -> usize {
        let stem = NOTEBOOK_STEMS[index % NOTEBOOK_STEMS.len()];
        let mut path = if index < NOTEBOOK_STEMS.len() {
            format!("code/{stem}.ipynb")
        } else {
            format!("code/{stem}-{}.ipynb", index / NOTEBOOK_STEMS.len() + 1)
        };
        if self.notebooks.iter().any(|n| n.path == path) {
            path = format!("code/{stem}-{}.ipynb", self.notebooks.len() + 1);
        }
        self.notebooks.push(Notebook {
            path,
            writer,
            dataset: index % DATASETS.len(),
            cells: Vec::new(),
            kernel: 0,
            unsaved: false,
            focus: None,
        });
        self.notebooks.len() - 1
    }

    // ------------------------------------------------------------ driver

    fn run(&mut self) {
        self.create_project();
        while self.left > 0 {
            self.session();
            self.next_session();
        }
    }

    fn write(&mut self, spec: RecordSpec) {
        if self.left == 0 {
            return;
        }
        self.left -= 1;
        self.w.record(spec);
    }

    fn create_project(&mut self) {
        let fam = self.family_for(0);
        self.w.use_family(fam);
        let name = self.cfg.name.clone();
        let mut spec = RecordSpec::new(7, format!("Created new Project: {name}"));
        spec.details.push(detail(
            6,
            true,
            255,
            1,
            "text/markdown",
            format!("Created new Project `{name}`").into_bytes(),
        ));
        self.write(spec);
        self.w.advance(self.rng.range(20, 90));
        let base = if self.cfg.notebooks == 0 && self.cfg.r_console {
            1
        } else {
            0
        };
        self.base = (base, 1 + self.rng.below(3) as u32);
        self.write_base(None);
        self.w.advance(self.rng.range(30, 300));
        let mut files: Vec<&'static str> = Vec::new();
        for nb in &self.notebooks {
            files.push(DATASETS[nb.dataset].file);
        }
        if self.cfg.r_console || files.is_empty() {
            files.push(DATASETS[0].file);
        }
        files.sort_unstable();
        files.dedup();
        let files: Vec<String> = files.into_iter().map(String::from).collect();
        self.upload(files);
        // The datasets the notebooks read stay; later uploads may be deleted.
        self.uploads.clear();
    }

    fn family_for(&self, slot: usize) -> usize {
        let fams = &self.slots[slot].families;
        let done = self.total - self.left;
        let k = (done * fams.len() / self.total).min(fams.len().saturating_sub(1));
        fams.get(k).copied().unwrap_or(0)
    }

    fn session(&mut self) {
        let slot = if self.slots.len() == 1 || self.rng.chance(0.5) {
            0
        } else {
            1 + self.rng.below(self.slots.len() as u64 - 1) as usize
        };
        let author = self.author(slot);
        self.w
            .set_author(&author.name, &author.email, author.tz_minutes);
        let branch = self.slots[slot].branch.clone();
        if branch != DEFAULT_BRANCH {
            if !self.w.has_branch(&branch) {
                self.w.checkout(DEFAULT_BRANCH);
                self.w.branch(&branch);
                self.w.checkout(&branch);
                self.slots[slot].last_sync = self.w.head_of(DEFAULT_BRANCH);
                let fam = self.family_for(slot);
                self.w.use_family(fam);
                let mut spec = RecordSpec::new(6, format!("Created new branch {branch}"));
                spec.details.push(detail(
                    6,
                    true,
                    0,
                    1,
                    "text/plain",
                    format!("Created new branch {branch}").into_bytes(),
                ));
                self.write(spec);
                self.w.advance(self.rng.range(10, 60));
            } else {
                self.w.checkout(&branch);
                let master = self.w.head_of(DEFAULT_BRANCH);
                if master != self.slots[slot].last_sync {
                    self.w.merge(
                        DEFAULT_BRANCH,
                        &format!("Merged {DEFAULT_BRANCH} into {branch}"),
                    );
                    self.slots[slot].last_sync = master;
                    self.w.advance(self.rng.range(5, 60));
                }
            }
        } else {
            self.w.checkout(DEFAULT_BRANCH);
        }
        let fam = self.family_for(slot);
        self.w.use_family(fam);
        for nb in self.notebooks.iter_mut().filter(|n| n.writer == slot) {
            if self.rng.chance(0.7) {
                nb.kernel = 0;
            }
        }
        // Big projects have longer sessions, so that they still span a few years.
        let scale = 1 + (self.total / 25_000) as i64;
        let steps = self.rng.range(5, 40) * scale;
        for _ in 0..steps {
            if self.left == 0 {
                break;
            }
            self.step(slot);
        }
        if branch != DEFAULT_BRANCH && self.rng.chance(self.cfg.merge_probability) {
            self.w.advance(self.rng.range(60, 600));
            self.w.checkout(DEFAULT_BRANCH);
            let merge = self
                .w
                .merge(&branch, &format!("Merged {branch} into {DEFAULT_BRANCH}"));
            if self.left > 0 && self.rng.chance(0.6) {
                // Records on master go to master's checkout family.
                let fam = self.family_for(0);
                self.w.use_family(fam);
                let mut spec = RecordSpec::new(6, format!("Merged from branch {branch}"));
                spec.linked = Linked::Hash(merge.to_string());
                spec.details.push(detail(
                    6,
                    true,
                    0,
                    2,
                    "text/plain",
                    format!("Merged from branch {branch}").into_bytes(),
                ));
                self.w.advance(1);
                self.write(spec);
            }
        }
    }

    fn next_session(&mut self) {
        if self.rng.chance(0.35) {
            self.w.advance(self.rng.range(3600, 4 * 3600));
            return;
        }
        // Next working day, 8:30–10:30 local time of the project owner.
        let tz = i64::from(self.author(0).tz_minutes) * 60;
        let local = self.w.now() + tz;
        let mut day = local.div_euclid(86_400) + 1 + self.rng.below(2) as i64;
        // 1970-01-01 was a Thursday: weekday 0 = Monday.
        while (day + 3).rem_euclid(7) >= 5 && !self.rng.chance(0.1) {
            day += 1;
        }
        let start = day * 86_400 + 8 * 3600 + 1800 + self.rng.range(0, 7200) - tz;
        self.w.set_time(start.max(self.w.now() + 60));
    }

    fn step(&mut self, slot: usize) {
        // Time passes between actions: seconds to minutes.
        let secs = self.rng.range(8, 240);
        self.w.advance(secs);
        if self.streak_due() {
            return self.plant_streak(slot);
        }
        let can_code = self.cfg.notebooks > 0 || self.cfg.r_console;
        let r = self.rng.below(1000);
        match r {
            _ if r < 780 && can_code => self.code_step(slot),
            _ if r < 780 => self.note(),
            780..=829 => {
                self.world += 1;
                self.env_packages()
            }
            830..=859 => self.save_code_file(),
            860..=884 if self.uploads.len() >= MAX_UPLOADS => self.delete_uploads(),
            860..=884 => {
                let n = 1 + self.rng.below(4) as usize;
                let files = (0..n)
                    .map(|_| {
                        let d = self.rng.pick(DATASETS);
                        let stem = d.file.trim_start_matches("input/").trim_end_matches(".csv");
                        self.upload_seq += 1;
                        format!("input/{stem}_{}.csv", self.upload_seq)
                    })
                    .collect();
                self.world += 1;
                self.upload(files)
            }
            885..=899 => self.output_file(),
            900..=939 => self.note(),
            940..=949 => self.milestone(),
            950..=957 => self.dataset(),
            958..=965 => self.readme(),
            966..=969 => {
                self.base.1 += 1;
                let old = self.base;
                self.write_base(Some(old));
            }
            970..=975 => self.docker_snippet(),
            _ => self.save_notebook(slot),
        }
    }

    // ------------------------------------------------------------ code

    fn code_step(&mut self, slot: usize) {
        let use_r = self.cfg.r_console && (self.cfg.notebooks == 0 || self.rng.chance(0.25));
        if use_r {
            return self.console_step(slot);
        }
        let mine: Vec<usize> = (0..self.notebooks.len())
            .filter(|i| self.notebooks[*i].writer == slot)
            .collect();
        let nb = match mine.last() {
            None => {
                let index = self.notebooks.len();
                self.open_notebook(slot, index)
            }
            Some(&last) if mine.len() == 1 || self.rng.chance(0.7) => last,
            Some(_) => *self.rng.pick(&mine),
        };
        let code = self.notebooks[nb].code_cells();
        // Per mille of notebook code steps. Copies, duplicates and "Run all"
        // are rare but each defeats a naive matching of executions to cells.
        let action = self.rng.below(1000);
        if code < 2 || action < 400 {
            let nb = if code < MAX_CELLS {
                nb
            } else if mine.len() < MAX_NOTEBOOKS {
                let index = self.notebooks.len();
                self.open_notebook(slot, index)
            } else {
                self.drop_old_cell(nb);
                nb
            };
            let at = if self.rng.chance(INSERT_CHANCE) {
                self.insert_position(nb)
            } else {
                None
            };
            let idx = self.new_cell(nb, at);
            self.run_cells(nb, &[idx]);
        } else if action < 450 {
            let idx = self.copy_cell(nb);
            self.edit_cell(nb, idx);
            self.run_cells(nb, &[idx]);
        } else if action < 470 {
            let idx = self.copy_cell(nb);
            self.run_cells(nb, &[idx]);
        } else if action < 490 {
            self.run_all(nb);
        } else if action < 690 {
            let idx = self.recent_code_cell(nb);
            self.w.advance(self.rng.range(0, 30));
            self.run_cells(nb, &[idx]);
        } else if action < 920 {
            let idx = self.recent_code_cell(nb);
            self.edit_cell(nb, idx);
            self.run_cells(nb, &[idx]);
        } else {
            let code_idx = self.notebooks[nb].code_indices();
            let n = (2 + self.rng.below(4) as usize).min(code_idx.len());
            let start = self.rng.below((code_idx.len() - n + 1) as u64) as usize;
            self.run_cells(nb, &code_idx[start..start + n]);
        }
    }

    /// "Run all" (sometimes after a kernel restart): every code cell, top to
    /// bottom, in one record.
    fn run_all(&mut self, nb: usize) {
        if self.rng.chance(0.5) {
            self.notebooks[nb].kernel = 0;
        }
        let mut code_idx = self.notebooks[nb].code_indices();
        code_idx.truncate(MAX_RUN_ALL);
        self.w.advance(self.rng.range(5, 60));
        self.run_cells(nb, &code_idx);
    }

    /// Copies a code cell near the one the user works on and pastes it right
    /// below the original (Jupyter gives the paste a new id); returns the
    /// copy's index. The copy has not run yet.
    fn copy_cell(&mut self, nb: usize) -> usize {
        if self.notebooks[nb].code_cells() >= MAX_CELLS {
            self.drop_old_cell(nb);
        }
        let orig = self.recent_code_cell(nb);
        let id = self.cell_id();
        let mut copy = self.notebooks[nb].cells[orig].clone();
        copy.id = id;
        copy.count = None;
        copy.outputs = Vec::new();
        copy.json = None;
        self.notebooks[nb].cells.insert(orig + 1, copy);
        orig + 1
    }

    /// Where to insert a new cell between existing ones: above a code cell
    /// after the setup (imports, loading), and above its markdown heading so
    /// that the heading stays with its cell. `None` when there is no such place.
    fn insert_position(&mut self, nb: usize) -> Option<usize> {
        let code_idx = self.notebooks[nb].code_indices();
        if code_idx.len() < 3 {
            return None;
        }
        let k = 2 + self.rng.below(code_idx.len() as u64 - 2) as usize;
        let pos = code_idx[k];
        let cells = &self.notebooks[nb].cells;
        Some(if pos > 0 && !cells[pos - 1].is_code() {
            pos - 1
        } else {
            pos
        })
    }

    /// The user tidies a long notebook: the oldest cell after the setup
    /// (imports, loading) goes, with a markdown cell right before it.
    fn drop_old_cell(&mut self, nb: usize) {
        let cells = &mut self.notebooks[nb].cells;
        let Some(victim) = cells
            .iter()
            .enumerate()
            .filter(|(_, c)| c.is_code())
            .nth(2)
            .map(|(i, _)| i)
        else {
            return;
        };
        cells.remove(victim);
        if victim > 0 && !cells[victim - 1].is_code() {
            cells.remove(victim - 1);
        }
    }

    /// A code cell at or a little above the one the user last worked on
    /// (the last cell when that one is gone).
    fn recent_code_cell(&mut self, nb: usize) -> usize {
        let notebook = &self.notebooks[nb];
        let code = notebook.code_indices();
        let mut top = code.len() - 1;
        if let Some(focus) = notebook.focus
            && let Some(k) = code.iter().position(|&i| notebook.cells[i].id == focus)
        {
            top = k;
        }
        let mut back = 0;
        while back < top && self.rng.chance(0.45) {
            back += 1;
        }
        code[top - back]
    }

    fn params(&mut self) -> [u32; 3] {
        [
            self.rng.next_u64() as u32 % 1000,
            self.rng.next_u64() as u32 % 1000,
            self.rng.next_u64() as u32 % 1000,
        ]
    }

    /// Adds a code cell (sometimes with a markdown heading) at `at`, or at the
    /// end; returns its index.
    fn new_cell(&mut self, nb: usize, at: Option<usize>) -> usize {
        let mut at = at.unwrap_or(self.notebooks[nb].cells.len());
        let code = self.notebooks[nb].code_cells();
        let t = if code == 0 {
            Py::Imports
        } else if code == 1 {
            Py::Load
        } else if self.rng.one_in(self.cfg.image_every) {
            if self.rng.one_in(12) {
                Py::Animate
            } else if self.rng.chance(0.5) {
                Py::Hist
            } else {
                Py::Scatter
            }
        } else if self.rng.one_in(self.cfg.large_every) {
            if self.rng.one_in(self.cfg.truncated_every) {
                Py::PrintAll
            } else {
                Py::PrintRows
            }
        } else {
            *self.rng.pick(PY_ORDINARY)
        };
        let marker = match self.rng.below(1000) {
            0..=14 if code >= 2 => Marker::Ignore,
            15..=44 if code >= 2 => Marker::Hide,
            45..=64 if code >= 2 => Marker::Show,
            _ => Marker::None,
        };
        if code >= 2 && self.rng.chance(0.1) {
            let id = self.cell_id();
            let params = self.params();
            let title = *self.rng.pick(NOTE_TITLES);
            self.notebooks[nb].cells.insert(
                at,
                Cell {
                    id,
                    template: Template::Markdown,
                    params,
                    marker: Marker::None,
                    source: format!("## {title}"),
                    count: None,
                    outputs: Vec::new(),
                    json: None,
                },
            );
            at += 1;
        }
        let id = self.cell_id();
        let params = self.params();
        let mut cell = Cell {
            id,
            template: Template::Py(t),
            params,
            marker,
            source: String::new(),
            count: None,
            outputs: Vec::new(),
            json: None,
        };
        cell.source = render_source(&cell, self.notebooks[nb].dataset);
        self.notebooks[nb].cells.insert(at, cell);
        at
    }

    fn cell_id(&mut self) -> u64 {
        self.next_cell += 1;
        self.next_cell - 1
    }

    fn edit_cell(&mut self, nb: usize, idx: usize) {
        let which = self.rng.below(3) as usize;
        let bump = 1 + self.rng.below(7) as u32;
        let ds = self.notebooks[nb].dataset;
        let cell = &mut self.notebooks[nb].cells[idx];
        let before = cell.source.clone();
        cell.params[which] = (cell.params[which] + bump) % 1000;
        cell.source = render_source(cell, ds);
        cell.json = None;
        if cell.source == before {
            // Templates that ignore this parameter: a small edit by hand.
            cell.source.push_str("\n# checked");
        }
    }

    /// Runs cells in the kernel and writes their record.
    fn run_cells(&mut self, nb: usize, cells: &[usize]) {
        let mut details = Vec::new();
        let mut results = 0;
        let path = self.notebooks[nb].path.clone();
        for &idx in cells {
            let ds = self.notebooks[nb].dataset;
            self.notebooks[nb].kernel += 1;
            let count = self.notebooks[nb].kernel;
            let cell = &self.notebooks[nb].cells[idx];
            let (outs, full) = match self.forced.take() {
                Some(forced) => (forced.clone(), forced),
                None => run_outputs(cell, ds, self.cfg.seed ^ self.world.wrapping_mul(WORLD_MIX)),
            };
            let cell_ref = CellRef {
                notebook: path.clone(),
                cell: cell.id,
            };
            let marker = cell.marker;
            let source = cell.source.clone();
            let cell = &mut self.notebooks[nb].cells[idx];
            cell.count = Some(count);
            cell.outputs = outs;
            cell.json = None;
            if marker == Marker::Ignore {
                continue;
            }
            let tags = vec![format!("ex:{count}")];
            for out in &full {
                results += 1;
                details.push(DetailSpec::Object {
                    type_id: 2,
                    show: marker != Marker::Hide,
                    importance: 255,
                    action: 1,
                    tags: tags.clone(),
                    entries: self.result_entries(out),
                    compress: None,
                    cell: Some(cell_ref.clone()),
                });
            }
            details.push(DetailSpec::Object {
                type_id: 3,
                show: marker == Marker::Show,
                importance: 255,
                action: 4,
                tags,
                entries: vec![EntryOut {
                    mime: "text/markdown".into(),
                    bytes: fence_code(&source).into_bytes(),
                }],
                compress: None,
                cell: Some(cell_ref),
            });
        }
        self.notebooks[nb].unsaved = true;
        self.notebooks[nb].focus = cells.last().map(|&i| self.notebooks[nb].cells[i].id);
        if !self.rng.chance(self.cfg.notebook_lag) {
            self.save(nb);
        }
        let mut message = if cells.len() == 1 {
            format!("Executed cell in notebook {path}")
        } else {
            format!("Executed {} cells in notebook {path}", cells.len())
        };
        match results {
            0 => {}
            1 => message.push_str(" and generated a result"),
            n => {
                let _ = write!(message, " and generated {n} results");
            }
        }
        let mut spec = RecordSpec::new(2, message);
        spec.details = client_order(details);
        self.write(spec);
    }

    fn result_entries(&self, out: &Out) -> Vec<EntryOut> {
        match out {
            Out::Stream(t) | Out::Result(t) | Out::Stderr(t) => vec![EntryOut {
                mime: "text/plain".into(),
                bytes: truncate_result(t).into_bytes(),
            }],
            Out::Image(tag) => {
                let jpeg = jpeg_variant(*tag);
                let bytes = if self.cfg.base64_images {
                    STANDARD.encode(&jpeg).into_bytes()
                } else {
                    jpeg
                };
                vec![EntryOut {
                    mime: "image/png".into(),
                    bytes,
                }]
            }
            Out::Gif => vec![EntryOut {
                mime: "image/gif".into(),
                bytes: self.gif_b64.clone().into_bytes(),
            }],
            Out::Error { .. } => Vec::new(),
        }
    }

    fn save(&mut self, nb: usize) {
        let json = notebook_json(
            &mut self.notebooks[nb],
            self.cfg.cell_ids,
            &self.png_b64,
            &self.gif_b64,
        );
        let path = self.notebooks[nb].path.clone();
        self.w.write_file(&path, &json);
        self.notebooks[nb].unsaved = false;
    }

    fn console_step(&mut self, slot: usize) {
        let chunks = if self.rng.chance(0.2) {
            2 + self.rng.below(2) as usize
        } else {
            1
        };
        let mut details = Vec::new();
        for _ in 0..chunks {
            let len = self.slots[slot].console.len();
            let action = self.rng.below(100);
            let idx = if len < 2 || action < 50 {
                let t = if len == 0 {
                    Rt::Libs
                } else if len == 1 {
                    Rt::Read
                } else if self.rng.one_in(self.cfg.image_every) {
                    Rt::Ggplot
                } else {
                    *self.rng.pick(R_ORDINARY)
                };
                let id = self.cell_id();
                let params = self.params();
                let mut cell = Cell {
                    id,
                    template: Template::R(t),
                    params,
                    marker: Marker::None,
                    source: String::new(),
                    count: None,
                    outputs: Vec::new(),
                    json: None,
                };
                cell.source = render_source(&cell, 0);
                self.slots[slot].console.push(cell);
                len
            } else {
                let back = self.rng.below(len.min(4) as u64) as usize;
                let idx = len - 1 - back;
                if action >= 75 {
                    let which = self.rng.below(3) as usize;
                    let bump = 1 + self.rng.below(7) as u32;
                    let cell = &mut self.slots[slot].console[idx];
                    let before = cell.source.clone();
                    cell.params[which] = (cell.params[which] + bump) % 1000;
                    cell.source = render_source(cell, 0);
                    if cell.source == before {
                        cell.source.push_str("\n# again");
                    }
                }
                idx
            };
            let cell = &self.slots[slot].console[idx];
            let (_, full) =
                run_outputs(cell, 0, self.cfg.seed ^ self.world.wrapping_mul(WORLD_MIX));
            let cell_ref = CellRef {
                notebook: "console".into(),
                cell: cell.id,
            };
            let tags = vec!["console".to_string()];
            let source = cell.source.clone();
            for out in &full {
                details.push(DetailSpec::Object {
                    type_id: 2,
                    show: true,
                    importance: 155,
                    action: 1,
                    tags: tags.clone(),
                    entries: self.result_entries(out),
                    compress: None,
                    cell: Some(cell_ref.clone()),
                });
            }
            details.push(DetailSpec::Object {
                type_id: 3,
                show: false,
                importance: 254,
                action: 4,
                tags,
                entries: vec![EntryOut {
                    mime: "text/markdown".into(),
                    bytes: fence_code(&format!("{source}\n")).into_bytes(),
                }],
                compress: None,
                cell: Some(cell_ref),
            });
        }
        let mut spec = RecordSpec::new(2, "Executed code in console");
        spec.details = client_order(details);
        self.write(spec);
    }

    // ------------------------------------------------------------ planted streaks

    /// Whether a planted retry streak is due now: they are spread evenly
    /// over the records. Draws no random numbers.
    fn streak_due(&self) -> bool {
        let n = self.cfg.streaks;
        if n == 0 || self.cfg.notebooks == 0 || self.streaks_begun >= n {
            return false;
        }
        // Room for the longest streak and the cells it needs first.
        if self.left < 16 {
            return false;
        }
        let done = self.total - self.left;
        done * (n + 1) >= (self.streaks_begun + 1) * self.total
    }

    /// A user stuck on one cell: a new cell fitting a curve, run 4–10 times
    /// a few seconds to two minutes apart, edited a little before each run.
    /// When the fit is wrapped in try/except, the early runs print a
    /// traceback (recorded as output); otherwise some attempts raise, and
    /// the client, which dropped runs that raised, recorded nothing for
    /// them: only their execution counts are missing from the history.
    fn plant_streak(&mut self, slot: usize) {
        self.streaks_begun += 1;
        let nb = match (0..self.notebooks.len())
            .rev()
            .find(|i| self.notebooks[*i].writer == slot)
        {
            Some(nb) => nb,
            None => {
                let index = self.notebooks.len();
                self.open_notebook(slot, index)
            }
        };
        // The fit needs the imports and the data loaded first.
        while self.notebooks[nb].code_cells() < 2 && self.left > 12 {
            let idx = self.new_cell(nb, None);
            self.run_cells(nb, &[idx]);
            self.w.advance(self.rng.range(8, 60));
        }
        if self.notebooks[nb].code_cells() >= MAX_CELLS {
            self.drop_old_cell(nb);
        }
        let runs = 4 + self.rng.below(7) as usize;
        let wrapped = self.rng.chance(0.5);
        // Attempts in order: `Some(error)` is a recorded run (with a
        // traceback when `error`), `None` one that raised unrecorded.
        let mut attempts: Vec<Option<bool>> = vec![Some(false); runs];
        if wrapped {
            let failing = 1 + self.rng.below(runs as u64 - 1) as usize;
            for a in attempts.iter_mut().take(failing) {
                *a = Some(true);
            }
        } else {
            for _ in 0..1 + self.rng.below(3) {
                let at = 1 + self.rng.below(attempts.len() as u64 - 1) as usize;
                attempts.insert(at, None);
            }
        }
        let mut params = self.params();
        // An even third parameter wraps the fit in try/except; edits never touch it.
        params[2] = params[2] - params[2] % 2 + u32::from(!wrapped);
        let id = self.cell_id();
        let mut cell = Cell {
            id,
            template: Template::Py(Py::Fit),
            params,
            marker: Marker::None,
            source: String::new(),
            count: None,
            outputs: Vec::new(),
            json: None,
        };
        cell.source = render_source(&cell, self.notebooks[nb].dataset);
        self.notebooks[nb].cells.push(cell);
        let idx = self.notebooks[nb].cells.len() - 1;
        let mut truth = PlantedStreak {
            cell: CellRef {
                notebook: self.notebooks[nb].path.clone(),
                cell: id,
            },
            runs: Vec::new(),
            unrecorded: 0,
            errors: 0,
            first: 0,
            last: 0,
        };
        for (k, attempt) in attempts.into_iter().enumerate() {
            if k > 0 {
                self.w.advance(self.rng.range(10, 120));
                self.edit_fit(nb, idx);
            }
            let Some(error) = attempt else {
                self.raise_in(nb, idx);
                truth.unrecorded += 1;
                continue;
            };
            if self.left == 0 {
                break;
            }
            if error {
                let count = self.notebooks[nb].kernel + 1;
                let text = self.traceback(nb, idx, count);
                self.forced = Some(vec![Out::Stderr(text)]);
                truth.errors += 1;
            }
            self.run_cells(nb, &[idx]);
            let (Some(rec), Some(count)) =
                (self.w.records().last(), self.notebooks[nb].cells[idx].count)
            else {
                break;
            };
            if truth.runs.is_empty() {
                truth.first = rec.time;
            }
            truth.last = rec.time;
            truth.runs.push((rec.activity, format!("ex:{count}")));
        }
        self.forced = None;
        if truth.runs.len() >= 4 {
            self.planted.push(truth);
        }
    }

    /// A small edit of a planted fit: another column or degree.
    fn edit_fit(&mut self, nb: usize, idx: usize) {
        let which = self.rng.below(2) as usize;
        let bump = 1 + self.rng.below(3) as u32;
        let ds = self.notebooks[nb].dataset;
        let cell = &mut self.notebooks[nb].cells[idx];
        let before = cell.source.clone();
        cell.params[which] = (cell.params[which] + bump) % 1000;
        cell.source = render_source(cell, ds);
        cell.json = None;
        if cell.source == before {
            cell.source.push_str("\n# retry");
        }
    }

    /// The cell raises in the kernel: the notebook shows the error, its
    /// count is used up, and no record is written.
    fn raise_in(&mut self, nb: usize, idx: usize) {
        let (ename, evalue) = self.fit_error(nb, idx);
        let notebook = &mut self.notebooks[nb];
        notebook.kernel += 1;
        let count = notebook.kernel;
        let cell = &mut notebook.cells[idx];
        cell.count = Some(count);
        cell.outputs = vec![Out::Error { ename, evalue }];
        cell.json = None;
        notebook.unsaved = true;
        notebook.focus = Some(notebook.cells[idx].id);
        if !self.rng.chance(self.cfg.notebook_lag) {
            self.save(nb);
        }
    }

    /// An exception a planted fit might raise.
    fn fit_error(&mut self, nb: usize, idx: usize) -> (String, String) {
        let ds = &DATASETS[self.notebooks[nb].dataset % DATASETS.len()];
        let p = self.notebooks[nb].cells[idx].params;
        match self.rng.below(3) {
            0 => (
                "KeyError".into(),
                format!("'{}_'", ds.nums[p[0] as usize % ds.nums.len()]),
            ),
            1 => (
                "LinAlgError".into(),
                "SVD did not converge in Linear Least Squares".into(),
            ),
            _ => ("TypeError".into(), "expected 1D vector for x".into()),
        }
    }

    /// The traceback `traceback.print_exc()` prints for a planted fit.
    fn traceback(&mut self, nb: usize, idx: usize, count: u32) -> String {
        let (ename, evalue) = self.fit_error(nb, idx);
        let line = self.notebooks[nb].cells[idx]
            .source
            .lines()
            .find(|l| l.contains("polyfit"))
            .unwrap_or_default()
            .trim()
            .to_string();
        let qualified = if ename == "LinAlgError" {
            "numpy.linalg.LinAlgError".to_string()
        } else {
            ename
        };
        format!(
            "Traceback (most recent call last):\n  File \"<ipython-input-{count}-{:012x}>\", line 2, in <module>\n    {line}\n  File \"/usr/local/lib/python3.7/site-packages/numpy/lib/polynomial.py\", line 629, in polyfit\n    c, resids, rank, s = lstsq(lhs, rhs, rcond)\n{qualified}: {evalue}\n",
            self.rng.next_u64() >> 16
        )
    }

    // ------------------------------------------------------------ other records

    fn write_base(&mut self, old: Option<(usize, u32)>) {
        let (b, rev) = self.base;
        let (id, name) = BASES[b % BASES.len()];
        if let Some((ob, orev)) = old {
            let (oid, _) = BASES[ob % BASES.len()];
            let _ = orev;
            self.w
                .remove_file(&format!(".gigantum/env/base/{oid}.yaml"));
        }
        let yaml = format!(
            "id: {id}\nname: {name}\nrevision: {rev}\nschema: 1\nos_class: ubuntu\nos_release: '18.04'\nimage:\n  namespace: gigantum\n  repository: {id}\n  tag: {}\npackage_managers:\n- pip\n- apt\n",
            &self.rng.hex32()[..10]
        );
        self.w
            .write_file(&format!(".gigantum/env/base/{id}.yaml"), yaml.as_bytes());
        let mut spec = RecordSpec::new(1, format!("Added base: {id} r{rev}"));
        spec.tags = tags(&["environment", "base"]);
        spec.details.push(detail(
            0,
            true,
            0,
            if old.is_some() { 2 } else { 1 },
            "text/markdown",
            fence_code(yaml.trim_end()).into_bytes(),
        ));
        self.write(spec);
    }

    fn env_packages(&mut self) {
        let manager = match self.rng.below(10) {
            0..=5 => "pip",
            6..=8 => "apt",
            _ => "conda3",
        };
        let pool = match manager {
            "pip" => PIP,
            "apt" => APT,
            _ => CONDA,
        };
        let installed: Vec<&(&str, &str)> = pool
            .iter()
            .filter(|(p, _)| {
                self.packages
                    .contains_key(&(manager.to_string(), p.to_string()))
            })
            .collect();
        // Only drawn with `upgrades` on, so the random stream of older workloads is untouched.
        if self.cfg.upgrades && !installed.is_empty() && self.rng.chance(0.3) {
            let pick = self.rng.below(installed.len() as u64) as usize;
            if let Some(&&(p, _)) = installed.get(pick) {
                return self.upgrade_package(manager, p);
            }
        }
        let remove =
            !installed.is_empty() && (installed.len() == pool.len() || self.rng.chance(0.2));
        let mut details = Vec::new();
        if remove {
            let n = (1 + self.rng.below(2) as usize).min(installed.len());
            let start = self.rng.below((installed.len() - n + 1) as u64) as usize;
            for (p, _) in &installed[start..start + n] {
                self.packages.remove(&(manager.to_string(), p.to_string()));
                self.w
                    .remove_file(&format!(".gigantum/env/package_manager/{manager}_{p}.yaml"));
                details.push(detail(
                    0,
                    false,
                    0,
                    3,
                    "text/plain",
                    format!("Removed {manager} managed package: {p}").into_bytes(),
                ));
            }
            let mut spec = RecordSpec::new(1, format!("Removed {n} {manager} managed package(s)"));
            spec.tags = tags(&["environment", "package_manager", manager]);
            spec.details = details;
            self.write(spec);
        } else {
            let free: Vec<&(&str, &str)> = pool
                .iter()
                .filter(|(p, _)| {
                    !self
                        .packages
                        .contains_key(&(manager.to_string(), p.to_string()))
                })
                .collect();
            let n = (1 + self.rng.below(3) as usize).min(free.len());
            for &&(p, v) in free.iter().take(n) {
                self.packages
                    .insert((manager.to_string(), p.to_string()), v.to_string());
                let yaml = format!(
                    "manager: {manager}\npackage: {p}\nversion: {v}\nfrom_base: false\nschema: 1\n"
                );
                self.w.write_file(
                    &format!(".gigantum/env/package_manager/{manager}_{p}.yaml"),
                    yaml.as_bytes(),
                );
                details.push(detail(
                    0,
                    false,
                    0,
                    1,
                    "text/plain",
                    format!("Added {manager} managed package: {p} {v}").into_bytes(),
                ));
            }
            let mut spec = RecordSpec::new(1, format!("Added {n} {manager} package(s)."));
            spec.tags = tags(&["environment", "package_manager", manager]);
            spec.details = details;
            self.write(spec);
        }
    }

    /// A new version of an installed package. What the client did for an
    /// update (gtmcore's `ComponentManager.add_packages` with `force`): the
    /// package's yaml rewritten with the new version, one edit detail
    /// `Update <manager> managed package: <name> "<version>"` (the client
    /// quoted the version there) and the message `Updated 1 <manager>
    /// package(s)`. The yaml keeps this generator's layout, the one its adds write.
    fn upgrade_package(&mut self, manager: &str, package: &str) {
        let key = (manager.to_string(), package.to_string());
        let Some(old) = self.packages.get(&key).cloned() else {
            return;
        };
        let version = bump_version(&old, &mut self.rng);
        let yaml = format!(
            "manager: {manager}\npackage: {package}\nversion: {version}\nfrom_base: false\nschema: 1\n"
        );
        self.w.write_file(
            &format!(".gigantum/env/package_manager/{manager}_{package}.yaml"),
            yaml.as_bytes(),
        );
        self.packages.insert(key, version.clone());
        let mut spec = RecordSpec::new(1, format!("Updated 1 {manager} package(s)"));
        spec.tags = tags(&["environment", "package_manager", manager]);
        spec.details.push(detail(
            0,
            false,
            0,
            2,
            "text/plain",
            format!("Update {manager} managed package: {package} \"{version}\"").into_bytes(),
        ));
        self.write(spec);
    }

    fn docker_snippet(&mut self) {
        let name = *self.rng.pick(&[
            "install-tools",
            "jupyter-extensions",
            "locale-setup",
            "fonts",
        ]);
        let pkg = *self
            .rng
            .pick(&["curl", "vim", "git-lfs", "fonts-dejavu", "locales"]);
        let body = format!("RUN apt-get update && apt-get install -y {pkg}");
        let existed = self.snippets.iter().any(|s| s == name);
        if !existed {
            self.snippets.push(name.to_string());
        }
        let yaml = format!(
            "name: {name}\ndescription: Added by hand\ntimestamp: {}\ncontent: |\n  {body}\n",
            self.w.now()
        );
        self.w.write_file(
            &format!(".gigantum/env/custom/{name}.yaml"),
            yaml.as_bytes(),
        );
        let mut spec = RecordSpec::new(1, format!("Wrote custom Docker snippet {name}"));
        spec.tags = tags(&["environment", "docker"]);
        spec.details.push(detail(
            0,
            false,
            0,
            if existed { 2 } else { 1 },
            "text/markdown",
            fence_code(&body).into_bytes(),
        ));
        self.write(spec);
    }

    fn upload(&mut self, files: Vec<String>) {
        let mut details = Vec::new();
        for f in &files {
            let ds = DATASETS
                .iter()
                .find(|d| {
                    let stem = d.file.trim_end_matches(".csv");
                    f.starts_with(stem)
                })
                .unwrap_or(&DATASETS[0]);
            let csv = dataset_csv(ds, (ds.rows as usize).min(300), &mut self.rng);
            self.w.write_file(f, csv.as_bytes());
            self.uploads.push(f.clone());
            details.push(detail(
                5,
                false,
                0,
                1,
                "text/plain",
                format!("Created new Input Data file `{f}`").into_bytes(),
            ));
        }
        let mut spec = RecordSpec::new(3, format!("Uploaded {} new file(s).", files.len()));
        spec.tags = tags(&["save", "upload"]);
        spec.details = details;
        self.write(spec);
    }

    fn output_file(&mut self) {
        if !self.uploads.is_empty() && self.rng.chance(0.2) {
            let i = self.rng.below(self.uploads.len() as u64) as usize;
            let f = self.uploads.swap_remove(i);
            self.w.remove_file(&f);
            let mut spec = RecordSpec::new(3, "1 deleted file(s).");
            spec.tags = tags(&["save"]);
            spec.details.push(detail(
                5,
                false,
                0,
                3,
                "text/plain",
                format!("Deleted Input Data file `{f}`").into_bytes(),
            ));
            return self.write(spec);
        }
        self.outputs_written += 1;
        let f = format!("output/figure_{}.jpg", self.outputs_written % MAX_OUTPUTS);
        let new = self.w.file(&f).is_none();
        self.w
            .write_file(&f, &jpeg_variant(self.outputs_written as u64));
        let (message, what, action) = if new {
            ("1 new file(s).", "Created new", 1)
        } else {
            ("1 modified file(s).", "Modified", 2)
        };
        let mut spec = RecordSpec::new(4, message);
        spec.tags = tags(&["save"]);
        spec.details.push(detail(
            1,
            false,
            0,
            action,
            "text/plain",
            format!("{what} Output Data file `{f}`").into_bytes(),
        ));
        self.write(spec);
    }

    fn delete_uploads(&mut self) {
        let n = (1 + self.rng.below(3) as usize).min(self.uploads.len());
        let mut details = Vec::new();
        for _ in 0..n {
            let i = self.rng.below(self.uploads.len() as u64) as usize;
            let f = self.uploads.swap_remove(i);
            self.w.remove_file(&f);
            details.push(detail(
                5,
                false,
                0,
                3,
                "text/plain",
                format!("Deleted Input Data file `{f}`").into_bytes(),
            ));
        }
        let mut spec = RecordSpec::new(3, format!("{n} deleted file(s)."));
        spec.tags = tags(&["save"]);
        spec.details = details;
        self.write(spec);
    }

    fn save_code_file(&mut self) {
        let path = if self.cfg.notebooks == 0 {
            "code/helpers.R"
        } else {
            "code/utils.py"
        };
        self.utils_version += 1;
        let mut text = String::new();
        for i in 0..self.utils_version {
            if path.ends_with(".R") {
                let _ = write!(
                    text,
                    "helper_{i} <- function(x) {{\n  x * {}\n}}\n\n",
                    i + 2
                );
            } else {
                let _ = write!(text, "def helper_{i}(x):\n    return x * {}\n\n\n", i + 2);
            }
        }
        let new = self.w.file(path).is_none();
        self.w.write_file(path, text.as_bytes());
        let (message, what, action) = if new {
            ("1 new file(s).", "Created new Code file", 1)
        } else {
            ("1 modified file(s).", "Modified Code file", 2)
        };
        let mut spec = RecordSpec::new(2, message);
        spec.tags = tags(&["save"]);
        spec.details.push(detail(
            4,
            false,
            0,
            action,
            "text/plain",
            format!("{what} `{path}`").into_bytes(),
        ));
        self.write(spec);
    }

    fn save_notebook(&mut self, slot: usize) {
        let Some(nb) = (0..self.notebooks.len())
            .find(|i| self.notebooks[*i].writer == slot && self.notebooks[*i].unsaved)
        else {
            return self.note();
        };
        self.save(nb);
        let path = self.notebooks[nb].path.clone();
        let mut spec = RecordSpec::new(2, "1 modified file(s).");
        spec.tags = tags(&["save"]);
        spec.details.push(detail(
            4,
            false,
            0,
            2,
            "text/plain",
            format!("Modified Code file `{path}`").into_bytes(),
        ));
        self.write(spec);
    }

    fn note(&mut self) {
        let title = *self.rng.pick(NOTE_TITLES);
        let mut spec = RecordSpec::new(0, title);
        let n = self.rng.below(3) as usize;
        let mut t: Vec<String> = Vec::new();
        for _ in 0..n {
            let tag = (*self.rng.pick(NOTE_TAGS)).to_string();
            if !t.contains(&tag) {
                t.push(tag);
            }
        }
        spec.tags = t;
        spec.linked = if self.rng.chance(0.8) {
            Linked::Uuid
        } else {
            Linked::Empty
        };
        let body = format!(
            "# {title}\n\nLooked at `{}` again today. {}\n\n- check the {} column\n- rerun the plots with {} bins\n",
            self.rng.pick(DATASETS).file,
            self.rng.pick(&[
                "Numbers look plausible.",
                "Something is off with the units.",
                "The trend holds after cleaning.",
                "Need more data for the smaller groups.",
            ]),
            self.rng.pick(DATASETS).cat,
            10 + self.rng.below(40)
        );
        spec.details
            .push(detail(7, true, 255, 1, "text/markdown", body.into_bytes()));
        self.write(spec);
    }

    fn milestone(&mut self) {
        let name = *self.rng.pick(MILESTONES);
        let mut spec = RecordSpec::new(5, format!("Milestone: {name}"));
        spec.details.push(detail(
            7,
            true,
            255,
            1,
            "text/markdown",
            format!("Reached **{name}**.\n\nEverything needed to reproduce it is committed.")
                .into_bytes(),
        ));
        self.write(spec);
    }

    fn dataset(&mut self) {
        let owner = self.author(0).username();
        let name = *self.rng.pick(&[
            "census-2010",
            "sales-raw",
            "weather-stations",
            "survey-wave-2",
        ]);
        let rev = &self.rng.hex32()[..8];
        let mut spec = RecordSpec::new(8, format!("Linked Dataset {owner}/{name} to project"));
        spec.tags = tags(&["dataset"]);
        spec.details.push(detail(
            8,
            true,
            0,
            1,
            "text/markdown",
            format!("Linked Dataset `{owner}/{name}` at revision `{rev}`").into_bytes(),
        ));
        self.write(spec);
    }

    fn readme(&mut self) {
        let text = format!(
            "# {}\n\nAnalysis of {} datasets. Start with `code/analysis.ipynb`.\n\nUpdated {} times.\n",
            self.cfg.name,
            DATASETS.len(),
            1 + self.rng.below(20)
        );
        self.w.write_file("README.md", text.as_bytes());
        let mut spec = RecordSpec::new(7, "Updated project README");
        spec.tags = tags(&["readme"]);
        spec.details
            .push(detail(6, false, 0, 2, "text/markdown", text.into_bytes()));
        self.write(spec);
    }
}

fn tags(t: &[&str]) -> Vec<String> {
    t.iter().map(|s| s.to_string()).collect()
}

fn detail(
    type_id: i64,
    show: bool,
    importance: i64,
    action: i64,
    mime: &str,
    bytes: Vec<u8>,
) -> DetailSpec {
    DetailSpec::Object {
        type_id,
        show,
        importance,
        action,
        tags: Vec::new(),
        entries: vec![EntryOut {
            mime: mime.to_string(),
            bytes,
        }],
        compress: None,
        cell: None,
    }
}

/// The client's order of details in a record (and in the log): shown first,
/// then by importance, both descending, otherwise as created (results before
/// their code).
fn client_order(mut details: Vec<DetailSpec>) -> Vec<DetailSpec> {
    let key = |d: &DetailSpec| match d {
        DetailSpec::Object {
            show, importance, ..
        } => (!*show, -*importance),
        DetailSpec::RawLine(_) => (true, 0),
    };
    details.sort_by_key(key);
    details
}

/// The next version of `v`: the last number of its leading dotted part goes
/// up by one, or now and then the one before it (the last reset to 0);
/// anything after that part (`-2`, `+dfsg1`, `-1cran1.1804.0`) stays.
fn bump_version(v: &str, rng: &mut Rng) -> String {
    let cut = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    let (head, tail) = v.split_at(cut);
    let mut parts: Vec<u64> = head.split('.').map_while(|p| p.parse().ok()).collect();
    let minor = parts.len() >= 2 && rng.chance(0.3);
    if minor {
        let n = parts.len();
        if let Some(p) = parts.get_mut(n - 2) {
            *p += 1;
        }
        if let Some(p) = parts.last_mut() {
            *p = 0;
        }
    } else if let Some(p) = parts.last_mut() {
        *p += 1;
    } else {
        return format!("{v}.1");
    }
    let head: Vec<String> = parts.iter().map(u64::to_string).collect();
    format!("{}{tail}", head.join("."))
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The sample JPEG with a comment segment naming `tag`, so different plots have different bytes.
pub fn jpeg_variant(tag: u64) -> Vec<u8> {
    let jpeg = sample_jpeg();
    let comment = format!("gtm-tui synth plot {tag:016x}");
    let len = (comment.len() + 2) as u16;
    let mut out = Vec::with_capacity(jpeg.len() + comment.len() + 4);
    out.extend_from_slice(&jpeg[..2]);
    out.extend_from_slice(&[0xFF, 0xFE]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(comment.as_bytes());
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// A tiny valid PNG (what the notebook itself holds for a plot).
fn tiny_png() -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    }
    let (w, h) = (8u32, 6u32);
    let mut raw = Vec::new();
    for y in 0..h {
        raw.push(0);
        for x in 0..w {
            raw.extend_from_slice(&[(x * 32) as u8, (y * 40) as u8, 200]);
        }
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    let idat = match z.write_all(&raw) {
        Ok(()) => z.finish().unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &idat);
    chunk(&mut png, b"IEND", &[]);
    png
}

fn render_source(cell: &Cell, dataset: usize) -> String {
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

fn col_scale(col: &str) -> f64 {
    1.0 + (fnv(col) % 900) as f64
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

fn dataset_csv(ds: &Dataset, rows: usize, rng: &mut Rng) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{},{}", ds.nums.join(","), ds.cat);
    for _ in 0..rows {
        for c in ds.nums {
            let _ = write!(s, "{:.3},", col_scale(c) * (0.5 + rng.unit()));
        }
        let _ = writeln!(s, "{}", rng.pick(ds.levels));
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

/// Spreads [`Sim::world`] over the seed's bits.
const WORLD_MIX: u64 = 0x9E37_79B9_7F4A_7C15;

/// Runs a cell: its outputs as the notebook keeps them, and in full (for the details).
fn run_outputs(cell: &Cell, dataset: usize, seed: u64) -> (Vec<Out>, Vec<Out>) {
    let ds = &DATASETS[dataset % DATASETS.len()];
    let mut rng = Rng::new(fnv(&cell.source) ^ seed);
    let p = cell.params;
    let num = |i: u32| ds.nums[i as usize % ds.nums.len()];
    let image = || Out::Image(fnv(&cell.source));
    let full: Vec<Out> = match cell.template {
        Template::Markdown => Vec::new(),
        Template::Py(t) => match t {
            Py::Imports | Py::Plain => Vec::new(),
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

fn shorten(t: &str) -> String {
    let mut cut = NOTEBOOK_TEXT_CAP;
    while !t.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}\n...", &t[..cut])
}

fn lines(text: &str) -> serde_json::Value {
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

fn cell_value(c: &Cell, cell_ids: bool, png_b64: &str, gif_b64: &str) -> serde_json::Value {
    use serde_json::{Value, json};
    let mut m = serde_json::Map::new();
    if cell_ids {
        m.insert(
            "id".into(),
            json!(format!("{:08x}", fnv(&c.id.to_string()) as u32)),
        );
    }
    m.insert("metadata".into(), json!({}));
    m.insert("source".into(), lines(&c.source));
    if c.is_code() {
        m.insert("cell_type".into(), json!("code"));
        m.insert("execution_count".into(), json!(c.count));
        let outs: Vec<Value> = c
            .outputs
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
fn notebook_json(nb: &mut Notebook, cell_ids: bool, png_b64: &str, gif_b64: &str) -> Vec<u8> {
    let mut out = String::with_capacity(8192);
    out.push_str("{\n \"cells\": [");
    for (i, c) in nb.cells.iter_mut().enumerate() {
        out.push_str(if i == 0 { "\n" } else { ",\n" });
        if c.json.is_none() {
            // The cell sits two levels deep: indent its lines by two spaces.
            let mut f = String::new();
            for (n, line) in pretty(&cell_value(c, cell_ids, png_b64, gif_b64))
                .lines()
                .enumerate()
            {
                if n > 0 {
                    f.push('\n');
                }
                f.push_str("  ");
                f.push_str(line);
            }
            c.json = Some(f);
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
    use crate::activity::image::ImageFormat;
    use crate::activity::{self, Content, DetailKey, detail};
    use crate::synth::writer::{LOG_DIR, Written, WrittenDetail};
    use git2::{Oid, Repository};
    use std::collections::BTreeSet;

    #[derive(Default, Debug)]
    struct Seen {
        families: BTreeSet<String>,
        max_file: u32,
        compressed: usize,
        images: usize,
        base64_images: usize,
        gifs: usize,
        truncated: usize,
        legacy_lines: usize,
        five_field_lines: usize,
        empty_code_records: usize,
        hidden: usize,
        merges: usize,
        record_types: BTreeSet<i64>,
        console: usize,
        multi_cell: usize,
    }

    fn fsck(dir: &Path) {
        let out = std::process::Command::new("git")
            .args(["fsck", "--full", "--strict", "--no-dangling"])
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git fsck: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Reads everything back with git2 and checks it against the truth.
    fn verify(written: &Written) -> Seen {
        let repo = Repository::open(&written.path).unwrap();
        let mut seen = Seen::default();
        let mut blobs: std::collections::HashMap<(Oid, String), Vec<u8>> = Default::default();
        for rec in &written.records {
            seen.record_types.insert(rec.meta.type_id);
            let commit = repo.find_commit(rec.activity).unwrap();
            assert_eq!(commit.author().when().seconds(), rec.time);
            let parsed = activity::parse_message(commit.message_raw_bytes()).unwrap();
            assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
            assert_eq!(parsed.to_message(), rec.commit_message);
            assert_eq!(parsed.message, rec.message);
            assert_eq!(parsed.meta, rec.meta);
            assert_eq!(parsed.details.len(), rec.details.len());
            if let Some(auto) = rec.auto {
                assert_eq!(commit.parent_id(0).unwrap(), auto);
                let a = repo.find_commit(auto).unwrap();
                assert_eq!(
                    a.message().unwrap(),
                    crate::synth::writer::AUTO_COMMIT_MESSAGE
                );
                if rec.meta.type_id <= 4 {
                    assert_eq!(rec.meta.linked_commit, auto.to_string());
                }
            }
            if rec.message.starts_with("Executed") {
                if rec.details.is_empty() {
                    seen.empty_code_records += 1;
                }
                if rec.message.contains(" cells in notebook") {
                    seen.multi_cell += 1;
                }
                // The client's order: results first, the executed code last.
                if let Some(last) = rec.details.last() {
                    assert_eq!(last.type_id, 3, "{}", rec.commit_message);
                    if rec.message.contains("in notebook") {
                        assert_eq!(
                            rec.details.iter().any(|d| d.type_id == 2),
                            rec.message.contains("generated")
                        );
                    }
                }
                for c in rec.cells() {
                    assert!(rec.message.contains(&c.notebook) || c.notebook == "console");
                }
            }
            let tree = commit.tree().unwrap();
            for (d, p) in rec.details.iter().zip(&parsed.details) {
                assert!(p.error.is_none(), "{:?}", p.error);
                assert_eq!(p.to_line(), d.line);
                if p.legacy {
                    seen.legacy_lines += 1;
                    assert_eq!(d.line.split(',').count(), 4);
                } else {
                    seen.five_field_lines += 1;
                    assert_eq!(p.action_id, d.action);
                }
                if !d.show {
                    seen.hidden += 1;
                }
                let key = DetailKey::parse(&p.key).unwrap();
                assert_eq!(Some(&key), d.key.as_ref());
                seen.families.insert(key.family.clone());
                seen.max_file = seen.max_file.max(key.file_number);
                let path = format!("{LOG_DIR}/{}", key.file_name());
                let blob = blobs
                    .entry((rec.activity, path.clone()))
                    .or_insert_with(|| {
                        let e = tree.get_path(Path::new(&path)).unwrap();
                        repo.find_blob(e.id()).unwrap().content().to_vec()
                    });
                let start = key.offset as usize;
                assert_eq!(&blob[start..start + 20], &key.header());
                let value = detail::value_at(blob, &key).unwrap();
                let decoded = detail::decode_value(value);
                assert!(decoded.errors.is_empty(), "{:?}", decoded.errors);
                assert_eq!(decoded.compressed, d.compressed);
                let total: usize = d.entries.iter().map(|e| e.bytes.len()).sum();
                assert_eq!(d.compressed, total >= 4000);
                if d.compressed {
                    seen.compressed += 1;
                }
                assert_eq!(decoded.type_id, Some(d.type_id));
                assert_eq!(decoded.show, Some(d.show));
                if d.legacy {
                    assert_eq!(decoded.action_id, None);
                    assert!(decoded.tags.is_empty());
                } else {
                    assert_eq!(decoded.action_id, Some(d.action));
                    assert_eq!(decoded.tags, d.tags);
                }
                assert_eq!(decoded.content.len(), d.entries.len());
                for (c, e) in decoded.content.iter().zip(&d.entries) {
                    assert_eq!(c.mime(), e.mime);
                    match c {
                        Content::Text { text, .. } => {
                            assert_eq!(text.as_bytes(), &e.bytes[..]);
                            assert!(text.len() <= MAX_RESULT_BYTES);
                            if text.ends_with(TRUNCATED_MARK) {
                                seen.truncated += 1;
                            }
                        }
                        Content::Image { image, .. } => {
                            if image.base64_text {
                                assert_eq!(image.data, STANDARD.decode(&e.bytes).unwrap());
                            } else {
                                assert_eq!(image.data, e.bytes);
                            }
                            if image.format == ImageFormat::Gif {
                                seen.gifs += 1;
                                assert!(image.base64_text);
                            } else {
                                assert_eq!(image.format, ImageFormat::Jpeg);
                                assert!(image.data.starts_with(&[0xFF, 0xD8, 0xFF]));
                                assert_eq!((image.width, image.height), (320, 240));
                                seen.images += 1;
                                if image.base64_text {
                                    seen.base64_images += 1;
                                }
                            }
                        }
                        Content::Binary { .. } => panic!("binary content {}", e.mime),
                    }
                }
                if d.tags.iter().any(|t| t == "console") {
                    seen.console += 1;
                }
                if d.type_id == 3 {
                    let cell = d.cell.as_ref().unwrap();
                    assert!(cell.cell > 0);
                    let text = decoded.text().unwrap();
                    assert!(text.starts_with("```\n") && text.ends_with("```"));
                }
            }
        }
        // Merge commits, reachable from every branch.
        let mut walk = repo.revwalk().unwrap();
        for (_, head) in &written.branches {
            walk.push(*head).unwrap();
        }
        let mut commits = 0;
        for id in walk {
            let c = repo.find_commit(id.unwrap()).unwrap();
            commits += 1;
            assert!(c.parent_count() <= 2);
            if c.parent_count() == 2 {
                seen.merges += 1;
            }
            for p in c.parents() {
                assert!(
                    p.time().seconds() <= c.time().seconds(),
                    "time goes forward"
                );
            }
        }
        assert_eq!(commits, written.commits);
        fsck(&written.path);
        seen
    }

    #[test]
    fn default_workload_reads_back_exactly() {
        let dir = tempfile::TempDir::new().unwrap();
        let wl = Workload {
            records: 400,
            rotate_bytes: 64 << 10,
            ..Workload::default()
        };
        let written = wl.generate(dir.path()).unwrap();
        assert_eq!(written.records.len(), 400);
        let seen = verify(&written);
        assert_eq!(seen.families.len(), 2, "{seen:?}");
        assert!(seen.max_file >= 1, "rotation produced _1 files: {seen:?}");
        assert!(seen.compressed > 0 && seen.images > 0, "{seen:?}");
        assert!(seen.merges > 0, "{seen:?}");
        assert!(seen.console > 0 && seen.multi_cell > 0, "{seen:?}");
        assert_eq!(seen.legacy_lines, 0);
        for t in [0, 1, 2, 3, 5, 6, 7] {
            assert!(seen.record_types.contains(&t), "record type {t}: {seen:?}");
        }
        // Times strictly increase in writing order.
        for pair in written.records.windows(2) {
            assert!(
                pair[0].time < pair[1].time,
                "{} {} {} -> {} {} {}",
                pair[0].message,
                pair[0].branch,
                pair[0].time,
                pair[1].message,
                pair[1].branch,
                pair[1].time
            );
        }
        // Workspace branches with their own records.
        assert!(
            written
                .records
                .iter()
                .any(|r| r.branch.starts_with("gm.workspace-"))
        );
        assert_eq!(written.head_branch, "master");
        // The work tree is checked out: notebooks are nbformat 4.5 JSON with cell ids.
        let nb = std::fs::read(dir.path().join("code/analysis.ipynb")).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&nb).unwrap();
        assert_eq!(v["nbformat"], 4);
        assert_eq!(v["nbformat_minor"], 5);
        let cells = v["cells"].as_array().unwrap();
        assert!(!cells.is_empty());
        assert!(cells.iter().all(|c| c["id"].is_string()));
        assert!(cells.iter().any(|c| c["execution_count"].is_u64()));
        assert!(dir.path().join(".gigantum/project.yaml").exists());
        assert!(dir.path().join(".gigantum/env/base").is_dir());
        let status = std::process::Command::new("git")
            .args(["status", "--porcelain"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            status.stdout.is_empty(),
            "{}",
            String::from_utf8_lossy(&status.stdout)
        );
    }

    #[test]
    fn legacy_base64_single_author_bare() {
        let dir = tempfile::TempDir::new().unwrap();
        let wl = Workload {
            records: 250,
            seed: 7,
            authors: vec![Author::new("Carol Data", "carol@example.net", 120)],
            legacy: true,
            labbook_yaml: true,
            base64_images: true,
            cell_ids: false,
            branches: false,
            families: 2,
            image_every: 4,
            notebook_lag: 0.0,
            rotate_bytes: crate::synth::writer::CLIENT_ROTATE_BYTES,
            bare: true,
            ..Workload::default()
        };
        let written = wl.generate(dir.path()).unwrap();
        let seen = verify(&written);
        assert_eq!(seen.five_field_lines, 0);
        assert!(seen.legacy_lines > 0);
        assert!(
            seen.base64_images > 0 && seen.base64_images == seen.images,
            "{seen:?}"
        );
        assert_eq!(seen.families.len(), 2, "one clone after another: {seen:?}");
        assert_eq!(seen.merges, 0);
        assert_eq!(seen.max_file, 0, "8 MB rotation not reached");
        let repo = Repository::open_bare(dir.path()).unwrap();
        let head = repo.head().unwrap().peel_to_tree().unwrap();
        assert!(head.get_path(Path::new(".gigantum/labbook.yaml")).is_ok());
        assert!(head.get_path(Path::new(".gigantum/project.yaml")).is_err());
        let nb = head.get_path(Path::new("code/analysis.ipynb")).unwrap();
        let nb = repo.find_blob(nb.id()).unwrap();
        let v: serde_json::Value = serde_json::from_slice(nb.content()).unwrap();
        assert_eq!(v["nbformat_minor"], 4);
        assert!(
            v["cells"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c.get("id").is_none())
        );
    }

    #[test]
    fn rare_outputs_and_markers_appear() {
        let dir = tempfile::TempDir::new().unwrap();
        let wl = Workload {
            records: 600,
            seed: 3,
            r_console: false,
            notebooks: 1,
            large_every: 3,
            truncated_every: 4,
            image_every: 3,
            rotate_bytes: 256 << 10,
            bare: true,
            ..Workload::default()
        };
        let written = wl.generate(dir.path()).unwrap();
        let seen = verify(&written);
        assert!(seen.truncated > 0, "{seen:?}");
        assert!(seen.gifs > 0, "{seen:?}");
        assert!(seen.empty_code_records > 0, "gtm:ignore: {seen:?}");
        assert_eq!(seen.console, 0);
        // gtm:hide → results not shown; gtm:show → code shown.
        let mut hidden_result = false;
        let mut shown_code = false;
        for r in &written.records {
            for d in &r.details {
                let code = d.type_id == 3;
                let src = String::from_utf8_lossy(&d.entries[0].bytes).to_string();
                if code && src.contains("# gtm:show") {
                    assert!(d.show);
                    shown_code = true;
                }
                if code && src.contains("# gtm:hide") {
                    assert!(!d.show);
                }
                if d.type_id == 2 && !d.show {
                    hidden_result = true;
                }
            }
        }
        assert!(hidden_result && shown_code);
    }

    /// A cell of a notebook as saved in a commit.
    struct SavedCell {
        /// The true cell id, recovered from the nbformat 4.5 `id`.
        id: u64,
        code: bool,
        /// Fenced like the executed code in a detail, to compare the two.
        fenced: String,
        count: Option<u64>,
    }

    fn saved_cells(
        repo: &Repository,
        commit: Oid,
        path: &str,
        ids: &std::collections::HashMap<String, u64>,
    ) -> Option<Vec<SavedCell>> {
        let tree = repo.find_commit(commit).unwrap().tree().unwrap();
        let entry = tree.get_path(Path::new(path)).ok()?;
        let blob = repo.find_blob(entry.id()).unwrap();
        let v: serde_json::Value = serde_json::from_slice(blob.content()).unwrap();
        let cells = v["cells"].as_array().unwrap();
        Some(
            cells
                .iter()
                .map(|c| {
                    let source: String = c["source"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|l| l.as_str().unwrap())
                        .collect();
                    SavedCell {
                        id: ids[c["id"].as_str().unwrap()],
                        code: c["cell_type"] == "code",
                        fenced: fence_code(&source),
                        count: c["execution_count"].as_u64(),
                    }
                })
                .collect(),
        )
    }

    /// Different, but at most a third of the longer text edited away.
    fn similar_text(a: &str, b: &str) -> bool {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.iter().enumerate() {
            let mut diag = row[0];
            row[0] = i + 1;
            for (j, cb) in b.iter().enumerate() {
                let next = (diag + usize::from(ca != cb))
                    .min(row[j] + 1)
                    .min(row[j + 1] + 1);
                diag = row[j + 1];
                row[j + 1] = next;
            }
        }
        let distance = row[b.len()];
        distance > 0 && distance * 3 <= a.len().max(b.len())
    }

    /// How often each situation that defeats naive cell matching shows up,
    /// judged from the records and the notebooks saved with them.
    #[derive(Default, Debug)]
    struct Lineage {
        /// A new cell, pasted right below a live cell whose source differs a little.
        copies: usize,
        /// A new cell, pasted right below a live cell with the very same source.
        duplicates: usize,
        /// Duplicated pairs where one of the two ran again later.
        duplicate_reruns: usize,
        /// A new cell above older cells, unlike the cell above it.
        insertions: usize,
        /// A record running every code cell of the saved notebook in order.
        run_all: usize,
        /// Cells one run-all record executed, at most.
        run_all_max: usize,
    }

    fn lineage_situations(written: &Written) -> Lineage {
        let repo = Repository::open(&written.path).unwrap();
        // Markdown cells take ids too: look a little past the last executed one.
        let max = written
            .records
            .iter()
            .flat_map(|r| r.cells())
            .map(|c| c.cell)
            .max()
            .unwrap_or(0);
        let ids: std::collections::HashMap<String, u64> = (1..=max + 500)
            .map(|i| (format!("{:08x}", fnv(&i.to_string()) as u32), i))
            .collect();
        let mut found = Lineage::default();
        let mut last_source: std::collections::HashMap<u64, String> = Default::default();
        let mut pairs: Vec<(u64, u64, bool)> = Vec::new();
        for rec in &written.records {
            let code: Vec<&WrittenDetail> = rec
                .details
                .iter()
                .filter(|d| {
                    d.type_id == 3 && d.cell.as_ref().is_some_and(|c| c.notebook != "console")
                })
                .collect();
            let Some(first) = code.first() else { continue };
            let path = &first.cell.as_ref().unwrap().notebook;
            let saved = saved_cells(&repo, rec.activity, path, &ids);
            let ran: Vec<u64> = code.iter().map(|d| d.cell.as_ref().unwrap().cell).collect();
            for pair in &mut pairs {
                if ran.contains(&pair.0) || ran.contains(&pair.1) {
                    pair.2 = true;
                }
            }
            let n: usize = rec
                .message
                .strip_prefix("Executed ")
                .and_then(|m| m.split_once(" cells in notebook "))
                .and_then(|(n, _)| n.parse().ok())
                .unwrap_or(1);
            if n > 5 {
                // Range runs take at most five cells: this is "Run all".
                found.run_all_max = found.run_all_max.max(n);
                // Details are in the client's order (shown ones first): the
                // execution counts give the order the cells ran in.
                let mut runs: Vec<(u64, u64)> = code
                    .iter()
                    .zip(&ran)
                    .map(|(d, id)| {
                        let ex = d.tags[0].strip_prefix("ex:").unwrap().parse().unwrap();
                        (ex, *id)
                    })
                    .collect();
                runs.sort_unstable();
                assert!(runs.windows(2).all(|w| w[0].0 < w[1].0), "{runs:?}");
                if let Some(saved) = &saved {
                    let live: Vec<(u64, u64)> = saved
                        .iter()
                        .filter(|c| c.code && !c.fenced.starts_with("```\n# gtm:ignore"))
                        .map(|c| (c.count.unwrap(), c.id))
                        .collect();
                    let all = saved.iter().filter(|c| c.code).count();
                    if all == n && live == runs {
                        found.run_all += 1;
                    }
                }
            }
            if let ([d], [id], Some(saved)) = (&code[..], &ran[..], &saved)
                && !last_source.contains_key(id)
                && let Some(pos) = saved.iter().position(|c| c.id == *id)
                && let Some(above) = saved[..pos].iter().rev().find(|c| c.code)
            {
                let src = String::from_utf8(d.entries[0].bytes.clone()).unwrap();
                assert_eq!(saved[pos].fenced, src);
                let older_below = saved[pos + 1..].iter().any(|c| c.code && c.id < *id);
                let original = last_source.get(&above.id) == Some(&above.fenced);
                if original && saved[pos - 1].id == above.id && above.fenced == src {
                    found.duplicates += 1;
                    pairs.push((above.id, *id, false));
                } else if original
                    && saved[pos - 1].id == above.id
                    && similar_text(&above.fenced, &src)
                {
                    found.copies += 1;
                } else if older_below && !similar_text(&above.fenced, &src) && above.fenced != src {
                    found.insertions += 1;
                }
            }
            for (d, id) in code.iter().zip(&ran) {
                last_source.insert(*id, String::from_utf8(d.entries[0].bytes.clone()).unwrap());
            }
        }
        found.duplicate_reruns = pairs.iter().filter(|p| p.2).count();
        found
    }

    #[test]
    fn copies_duplicates_insertions_and_run_all_appear() {
        let dir = tempfile::TempDir::new().unwrap();
        let written = Workload {
            records: 400,
            bare: true,
            ..Workload::default()
        }
        .generate(dir.path())
        .unwrap();
        let found = lineage_situations(&written);
        assert!(found.copies > 0, "{found:?}");
        assert!(found.duplicates > 0, "{found:?}");
        assert!(found.duplicate_reruns > 0, "{found:?}");
        assert!(found.insertions > 0, "{found:?}");
        assert!(found.run_all > 0, "{found:?}");
        assert!(found.run_all_max <= MAX_RUN_ALL, "{found:?}");
        // Identical source, different true cells.
        let mut by_source: std::collections::HashMap<Vec<u8>, BTreeSet<u64>> = Default::default();
        for d in written.records.iter().flat_map(|r| &r.details) {
            if let (3, Some(c)) = (d.type_id, &d.cell) {
                by_source
                    .entry(d.entries[0].bytes.clone())
                    .or_default()
                    .insert(c.cell);
            }
        }
        assert!(by_source.values().any(|ids| ids.len() > 1));
    }

    #[test]
    fn the_demo_has_every_lineage_situation() {
        let dir = tempfile::TempDir::new().unwrap();
        let written = Workload {
            bare: true,
            ..crate::synth::demo::workload()
        }
        .generate(dir.path())
        .unwrap();
        let found = lineage_situations(&written);
        assert!(
            found.copies > 0
                && found.duplicates > 0
                && found.duplicate_reruns > 0
                && found.insertions > 0
                && found.run_all > 0,
            "{found:?}"
        );
    }

    #[test]
    fn cells_keep_their_identity_over_reruns_and_edits() {
        let dir = tempfile::TempDir::new().unwrap();
        let written = Workload {
            records: 300,
            bare: true,
            ..Workload::default()
        }
        .generate(dir.path())
        .unwrap();
        let mut sources: std::collections::HashMap<u64, BTreeSet<String>> = Default::default();
        let mut runs: std::collections::HashMap<u64, usize> = Default::default();
        for r in &written.records {
            for d in r.details.iter().filter(|d| d.type_id == 3) {
                let cell = d.cell.as_ref().unwrap().cell;
                *runs.entry(cell).or_default() += 1;
                let src = String::from_utf8(d.entries[0].bytes.clone()).unwrap();
                sources.entry(cell).or_default().insert(src);
            }
        }
        assert!(runs.values().any(|n| *n > 2), "cells are re-run");
        assert!(sources.values().any(|s| s.len() > 1), "cells are edited");
        // Same seed, same project.
        let dir2 = tempfile::TempDir::new().unwrap();
        let again = Workload {
            records: 300,
            bare: true,
            ..Workload::default()
        }
        .generate(dir2.path())
        .unwrap();
        assert_eq!(again.head, written.head);
    }

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
            let empty = notebook_json(&mut nb, cell_ids, "UE5H", "R0lG");
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
            let fast = notebook_json(&mut nb, cell_ids, "UE5H", "R0lG");
            let cells: Vec<serde_json::Value> = nb
                .cells
                .iter()
                .map(|c| cell_value(c, cell_ids, "UE5H", "R0lG"))
                .collect();
            doc["cells"] = serde_json::Value::Array(cells);
            let slow = pretty(&doc) + "\n";
            assert_eq!(String::from_utf8(fast.clone()).unwrap(), slow);
            assert_eq!(
                notebook_json(&mut nb, cell_ids, "UE5H", "R0lG"),
                fast,
                "cached"
            );
        }
    }

    #[test]
    fn tiny_and_odd_workloads() {
        for (records, authors, notebooks, r_console) in [
            (0, 1, 1, true),
            (1, 1, 1, true),
            (30, 0, 0, false),
            (40, 3, 0, true),
        ] {
            let dir = tempfile::TempDir::new().unwrap();
            let wl = Workload {
                records,
                authors: Workload::default()
                    .authors
                    .into_iter()
                    .cycle()
                    .take(authors)
                    .collect(),
                notebooks,
                r_console,
                bare: true,
                ..Workload::default()
            };
            let written = wl.generate(dir.path()).unwrap();
            assert_eq!(written.records.len(), records);
            if records > 0 {
                verify(&written);
            }
        }
    }

    #[test]
    fn prng_and_helpers() {
        let mut r = Rng::new(1);
        let mut s = Rng::new(1);
        assert_eq!(r.next_u64(), s.next_u64());
        for _ in 0..1000 {
            assert!(r.below(7) < 7);
            let x = r.range(-3, 4);
            assert!((-3..4).contains(&x));
            let u = r.unit();
            assert!((0.0..1.0).contains(&u));
        }
        assert_eq!(r.below(0), 0);
        assert_eq!(r.range(5, 5), 5);
        assert_eq!(r.hex32().len(), 32);
        let long = "é".repeat(40_000);
        let cut = truncate_result(&long);
        assert!(cut.len() <= MAX_RESULT_BYTES && cut.ends_with(TRUNCATED_MARK));
        assert_eq!(truncate_result("short"), "short");
        let png = tiny_png();
        assert_eq!(
            crate::activity::image::dimensions(&png, ImageFormat::Png),
            Ok((8, 6))
        );
        let j = jpeg_variant(9);
        assert_eq!(crate::activity::image::sniff(&j), Some(ImageFormat::Jpeg));
        assert_eq!(
            crate::activity::image::sniff(TINY_GIF),
            Some(ImageFormat::Gif)
        );
        assert_eq!(Author::new("X", "x.y-z@q", 0).username(), "xy-z");
    }

    #[test]
    fn versions_go_up_and_keep_their_suffix() {
        let mut rng = Rng::new(1);
        for _ in 0..50 {
            let v = bump_version("1.3.6-1cran1.1804.0", &mut rng);
            assert!(
                v == "1.3.7-1cran1.1804.0" || v == "1.4.0-1cran1.1804.0",
                "{v}"
            );
            let v = bump_version("3.5", &mut rng);
            assert!(v == "3.6" || v == "4.0", "{v}");
            assert_eq!(bump_version("7", &mut rng), "8");
            assert_eq!(bump_version("latest", &mut rng), "latest.1");
        }
    }

    /// `cargo test --release --lib synth::workload::tests::hundred_thousand -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn hundred_thousand_records() {
        let tmp = tempfile::TempDir::new().unwrap();
        let dir = std::env::var_os("GTM_SYNTH_DIR").map_or(tmp.path().to_path_buf(), Into::into);
        let records = std::env::var("GTM_SYNTH_RECORDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(100_000);
        let rotate = std::env::var("GTM_SYNTH_ROTATE")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(Workload::default().rotate_bytes);
        let t = std::time::Instant::now();
        let written = Workload {
            records,
            rotate_bytes: rotate,
            ..Workload::default()
        }
        .generate(&dir)
        .unwrap();
        let el = t.elapsed();
        let pack: u64 = std::fs::read_dir(dir.join(".git/objects/pack"))
            .unwrap()
            .map(|e| e.unwrap().metadata().unwrap().len())
            .sum();
        println!(
            "{} records, {} commits, {} objects, pack {} MB, rotate {rotate}: {:.1?}",
            written.records.len(),
            written.commits,
            written.objects,
            pack >> 20,
            el
        );
        assert_eq!(written.records.len(), records);
        if std::env::var_os("GTM_SYNTH_VERIFY").is_some() {
            let t = std::time::Instant::now();
            let seen = verify(&written);
            println!("verified in {:.1?}: {seen:?}", t.elapsed());
        }
        if std::env::var_os("GTM_SYNTH_STATS").is_some() {
            let mut by: BTreeMap<String, (usize, u64)> = BTreeMap::new();
            for r in &written.records {
                for d in &r.details {
                    let Some(k) = &d.key else { continue };
                    let mime = d.entries.first().map_or("", |e| e.mime.as_str());
                    let kind = format!("t{} {mime} c{}", d.type_id, u8::from(d.compressed));
                    let e = by.entry(kind).or_default();
                    e.0 += 1;
                    e.1 += u64::from(k.length) + 20;
                }
            }
            for (k, (n, b)) in by {
                println!("{k:40} {n:8} {b:12} {:8}", b / n as u64);
            }
        }
    }
}
