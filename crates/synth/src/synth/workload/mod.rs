//! `Workload`: realistic, seeded data-science sessions (Jupyter notebooks, RStudio console, environment and file changes, notes, milestones, workspace branches and merges) written through `ProjectWriter`.
//!
//! Here: the settings and the session driver. Each kind of record is written
//! by its own part (`code`, `streaks`, `env`, `files`, `notes`), drawing on
//! `catalogue`, with notebook text from `notebook` and random numbers from `rng`.

mod catalogue;
mod code;
mod env;
mod files;
mod notebook;
mod notes;
mod rng;
mod streaks;

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

pub use catalogue::{TINY_GIF, jpeg_variant, sample_jpeg};
pub(crate) use catalogue::{rgb_png, sample_csv};
pub use notebook::{MAX_RESULT_BYTES, TRUNCATED_MARK, truncate_result};
pub(crate) use notebook::{Out, Py, template_code, template_run};
pub use rng::Rng;

use super::writer::{
    DEFAULT_BRANCH, DetailSpec, Linked, PlantedStreak, ProjectWriter, RecordSpec, SynthError,
    WriterOptions, Written,
};
use crate::activity::detail::EntryOut;
use crate::activity::kinds::{ActionKind, DetailKind, RecordKind};
use catalogue::{DATASETS, NOTEBOOK_STEMS, tiny_png};
use notebook::{Cell, Notebook};

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
    /// Code cells a notebook grows to before work moves to a new notebook
    /// (or, with enough notebooks open, an old cell is deleted). 20 by
    /// default; it draws no random numbers, so a workload that leaves it
    /// keeps its exact history.
    pub max_cells: usize,
    /// Chance that a save of a notebook has its execution counts and outputs
    /// cleared, as "Clear all outputs" before saving or nbstripout leave it.
    /// 0 (the default) draws no random numbers.
    pub strip_saves: f64,
    /// Every save gives every cell a new id, as JupyterLab 3.0 did (needs
    /// `cell_ids`). The truth in [`Written`] keeps the cells' real identity.
    pub regenerate_ids: bool,
    /// Chance that a notebook code step reshapes a cell instead: rewrites
    /// most of it (another template), splits it in two (the top half keeps
    /// its identity) or merges it with the next code cell (the upper one
    /// lives on), then runs the result. 0 (the default) draws no random
    /// numbers.
    pub reshapes: f64,
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
            max_cells: MAX_CELLS,
            strip_saves: 0.0,
            regenerate_ids: false,
            reshapes: 0.0,
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
    /// Notebook saves so far (salts regenerated ids).
    saves: u64,
}

/// The default of [`Workload::max_cells`].
pub const MAX_CELLS: usize = 20;
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
            saves: 0,
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
        let mut spec = record(RecordKind::Labbook, format!("Created new Project: {name}"));
        spec.details.push(detail(
            DetailKind::Labbook,
            true,
            255,
            ActionKind::Create,
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
                let mut spec = record(RecordKind::Branch, format!("Created new branch {branch}"));
                spec.details.push(detail(
                    DetailKind::Labbook,
                    true,
                    0,
                    ActionKind::Create,
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
                let mut spec = record(RecordKind::Branch, format!("Merged from branch {branch}"));
                spec.linked = Linked::Hash(merge.to_string());
                spec.details.push(detail(
                    DetailKind::Labbook,
                    true,
                    0,
                    ActionKind::Edit,
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
}

fn tags(t: &[&str]) -> Vec<String> {
    t.iter().map(|s| s.to_string()).collect()
}

/// A record of `kind` (the writer takes the kind's stored number).
fn record(kind: RecordKind, message: impl Into<String>) -> RecordSpec {
    RecordSpec::new(kind.id(), message)
}

/// A detail of `kind` with one entry and no tags.
fn detail(
    kind: DetailKind,
    show: bool,
    importance: i64,
    action: ActionKind,
    mime: &str,
    bytes: Vec<u8>,
) -> DetailSpec {
    DetailSpec::Object {
        type_id: kind.id(),
        show,
        importance,
        action: action.id(),
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

/// Spreads [`Sim::world`] over the seed's bits.
const WORLD_MIX: u64 = 0x9E37_79B9_7F4A_7C15;

#[cfg(test)]
mod tests;
