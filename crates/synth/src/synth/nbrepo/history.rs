//! The history: who commits when, what each commit does (new notebooks, work on one to three, renames, a deletion and re-add, broken saves, other files), and the truth recorded as it goes.

use std::collections::BTreeSet;
use std::path::Path;

use super::broken::{self, Broken};
use super::git::Git;
use super::model::{Format, IdStyle, Nb};
use super::ops::{self, Tools};
use super::other::{self, Other};
use super::render;
use super::{IdMode, NbRepo, NbTruth, TruthCommit, TruthVersion};
use crate::synth::writer::SynthError;

/// 2021-03-01 09:00 UTC: where every history starts.
const START: i64 = 1_614_589_200;

const AUTHORS: &[(&str, &str, i32)] = &[
    ("Maria López", "maria.lopez@example.com", 60),
    ("Sam Okafor", "sam@okafor.dev", 0),
    ("Priya Natarajan", "priya.n@example.org", 330),
    ("Tom Becker", "tbecker@uni-example.de", 120),
];

/// Where notebooks are created, in a seeded order; more get numbered names.
const PATHS: &[&str] = &[
    "notebooks/01-explore.ipynb",
    "eda.ipynb",
    "analysis/eda/distributions.ipynb",
    "notebooks/02-cleaning.ipynb",
    "model.ipynb",
    "Untitled.ipynb",
    "analysis/eda/correlations.ipynb",
    "notebooks/03-features.ipynb",
    "report.ipynb",
    "analysis/baseline.ipynb",
    "Untitled1.ipynb",
    "notebooks/04-model.ipynb",
];

const PYTHONS: &[&str] = &["3.8.10", "3.9.7", "3.10.12", "3.7.6"];

const GITIGNORE: &str = ".ipynb_checkpoints/\n__pycache__/\n.DS_Store\n.env\n";

/// The work of one commit, before it is written.
#[derive(Default)]
struct Pending {
    versions: Vec<TruthVersion>,
    other: Vec<String>,
    /// Candidate messages, the first wins.
    messages: Vec<String>,
}

struct Gen<'a> {
    cfg: &'a NbRepo,
    git: Git,
    t: Tools,
    nbs: Vec<Nb>,
    other: Other,
    truth: NbTruth,
    time: i64,
    author: usize,
    /// Commit at which each notebook is created.
    create_at: Vec<usize>,
    paths: Vec<String>,
    used_paths: BTreeSet<String>,
    /// Commits from which a rename, the deletion and the re-add are due.
    renames_at: Vec<usize>,
    delete_at: Option<usize>,
    readd_at: Option<usize>,
    deleted: Option<String>,
    /// Commits from which a broken save is due, and how many were made.
    broken_at: Vec<usize>,
    broken_made: usize,
    focus: Option<usize>,
    /// This commit is a JupyterLab 3.0 one (ids regenerated on save).
    churn: bool,
    strip: bool,
}

pub(super) fn write(cfg: &NbRepo, dir: &Path) -> Result<NbTruth, SynthError> {
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        return Err(SynthError::NotEmpty(dir.display().to_string()));
    }
    std::fs::create_dir_all(dir)?;
    let mut g = Gen::new(cfg, Git::init(dir)?);
    for ci in 0..cfg.commits {
        g.commit(ci)?;
    }
    g.git.checkout()?;
    Ok(g.truth)
}

fn at(commits: usize, share: f64) -> usize {
    ((commits as f64 * share) as usize).max(1)
}

impl<'a> Gen<'a> {
    fn new(cfg: &'a NbRepo, git: Git) -> Self {
        let mut t = Tools::new(cfg.seed ^ 0x6e62_7265_706f, f64::from(cfg.images));
        t.figure_px = cfg.figure_px;
        let mut paths: Vec<String> = PATHS.iter().map(|p| p.to_string()).collect();
        for i in (1..paths.len()).rev() {
            let j = t.rng.below(i as u64 + 1) as usize;
            paths.swap(i, j);
        }
        // Notebooks arrive over the first two thirds of the history.
        let span = cfg.commits as f64 * 0.66;
        let mut create_at: Vec<usize> = (0..cfg.notebooks)
            .map(|k| {
                if k == 0 {
                    0
                } else {
                    let base = k as f64 * span / cfg.notebooks as f64;
                    (base + t.rng.unit() * span / cfg.notebooks as f64 * 0.5) as usize
                }
            })
            .collect();
        create_at.sort_unstable();
        let (renames_at, delete_at, readd_at) = if cfg.renames && cfg.commits >= 8 {
            let mut r = vec![
                at(cfg.commits, 0.2),
                at(cfg.commits, 0.5),
                at(cfg.commits, 0.8),
            ];
            for _ in 1..cfg.commits / 400 {
                r.push(at(cfg.commits, t.rng.unit()));
            }
            r.sort_unstable();
            (r, Some(at(cfg.commits, 0.35)), Some(at(cfg.commits, 0.7)))
        } else {
            (Vec::new(), None, None)
        };
        let broken_at = if cfg.broken {
            let mut b: Vec<usize> = [0.25, 0.45, 0.65, 0.85]
                .iter()
                .map(|&s| at(cfg.commits, s))
                .collect();
            for _ in 0..cfg.commits / 300 {
                b.push(at(cfg.commits, t.rng.unit()));
            }
            b.sort_unstable();
            b
        } else {
            Vec::new()
        };
        Gen {
            cfg,
            git,
            t,
            nbs: Vec::new(),
            other: Other::new(),
            truth: NbTruth::default(),
            time: START,
            author: 0,
            create_at,
            paths,
            used_paths: BTreeSet::new(),
            renames_at,
            delete_at,
            readd_at,
            deleted: None,
            broken_at,
            broken_made: 0,
            focus: None,
            churn: false,
            strip: false,
        }
    }

    fn commit(&mut self, ci: usize) -> Result<(), SynthError> {
        let rng = &mut self.t.rng;
        if ci > 0 {
            self.time += match rng.below(100) {
                0..=59 => rng.range(3 * 60, 90 * 60),
                60..=84 => rng.range(2 * 3600, 12 * 3600),
                _ => rng.range(86_400, 6 * 86_400),
            };
            if rng.chance(0.3) {
                self.author = rng.below(AUTHORS.len() as u64) as usize;
            }
        }
        self.strip = rng.chance(f64::from(self.cfg.stripped));
        self.churn = self.cfg.ids == IdMode::Churn && rng.chance(1.0 / 3.0);
        let mut p = Pending::default();
        if ci == 0 {
            self.git.put(".gitignore", GITIGNORE.as_bytes())?;
            p.other.push(".gitignore".into());
            let (path, _) =
                self.other
                    .change(other::Kind::Readme, &mut self.t.rng, &mut self.git)?;
            p.other.push(path);
            if self.cfg.env_files {
                let req = self.other.requirements();
                self.git.put("requirements.txt", req.as_bytes())?;
                p.other.push("requirements.txt".into());
            }
            p.messages.push("Initial commit".into());
        }
        while self.nbs.len() < self.cfg.notebooks && self.create_at[self.nbs.len()] <= ci {
            let path = self.next_path();
            self.create(path, &mut p)?;
        }
        if p.versions.is_empty() && ci > 0 {
            self.step(ci, &mut p)?;
        }
        if p.versions.is_empty() && p.other.is_empty() {
            let (path, msg) =
                self.other
                    .change(other::Kind::Readme, &mut self.t.rng, &mut self.git)?;
            p.other.push(path);
            p.messages.push(msg);
        }
        self.finish(p)
    }

    /// One commit's work after the notebooks due were created.
    fn step(&mut self, ci: usize, p: &mut Pending) -> Result<(), SynthError> {
        let alive: Vec<usize> = (0..self.nbs.len()).filter(|&k| self.nbs[k].alive).collect();
        let steady: Vec<usize> = alive
            .iter()
            .copied()
            .filter(|&k| !self.nbs[k].last_broken)
            .collect();
        if self.delete_at.is_some_and(|d| d <= ci) && steady.len() >= 2 {
            self.delete_at = None;
            let k = *self.t.rng.pick(&steady);
            return self.delete(k, p);
        }
        if self.readd_at.is_some_and(|r| r <= ci)
            && self.delete_at.is_none()
            && let Some(path) = self.deleted.take()
        {
            self.readd_at = None;
            p.messages.push(format!(
                "Re-add {}",
                path.rsplit('/').next().unwrap_or(&path)
            ));
            return self.create(path, p);
        }
        if self.renames_at.first().is_some_and(|&r| r <= ci) && !steady.is_empty() {
            self.renames_at.remove(0);
            let k = *self.t.rng.pick(&steady);
            return self.rename(k, p);
        }
        let only_other = if self.cfg.env_files { 0.2 } else { 0.12 };
        if alive.is_empty() || self.t.rng.chance(only_other) {
            let kind = self.other_kind();
            let (path, msg) = self.other.change(kind, &mut self.t.rng, &mut self.git)?;
            p.other.push(path);
            p.messages.push(msg);
            return Ok(());
        }
        let n = match self.t.rng.below(100) {
            0..=69 => 1,
            70..=91 => 2,
            _ => 3,
        }
        .min(alive.len());
        let mut chosen = Vec::new();
        if let Some(f) = self.focus.filter(|f| alive.contains(f))
            && self.t.rng.chance(0.6)
        {
            chosen.push(f);
        }
        while chosen.len() < n {
            let k = *self.t.rng.pick(&alive);
            if !chosen.contains(&k) {
                chosen.push(k);
            }
        }
        for &k in &chosen {
            self.save(ci, k, p)?;
        }
        self.focus = chosen.first().copied();
        if self.cfg.env_files && self.t.rng.chance(0.1) {
            let kind = self.other_kind();
            let (path, _) = self.other.change(kind, &mut self.t.rng, &mut self.git)?;
            p.other.push(path);
        }
        Ok(())
    }

    fn other_kind(&mut self) -> other::Kind {
        use other::Kind as K;
        let kinds: &[K] = if self.cfg.env_files {
            &[
                K::Readme,
                K::Script,
                K::Requirements,
                K::Requirements,
                K::Conda,
                K::Pyproject,
                K::Data,
                K::Data,
            ]
        } else {
            &[K::Readme, K::Readme, K::Script]
        };
        *self.t.rng.pick(kinds)
    }

    fn next_path(&mut self) -> String {
        let fresh = self
            .paths
            .iter()
            .find(|p| !self.used_paths.contains(*p))
            .cloned();
        fresh.unwrap_or_else(|| {
            let mut n = self.used_paths.len();
            loop {
                let p = format!("notebooks/scratch-{n}.ipynb");
                if !self.used_paths.contains(&p) {
                    return p;
                }
                n += 1;
            }
        })
    }

    fn initial_format(&mut self) -> (Format, bool) {
        let mut r = self.t.rng.below(100);
        // With old formats on, the oldest notebook is nbformat 3 and the next
        // one 4.x without ids, so that every history has both.
        if self.cfg.old_formats && self.nbs.len() < 2 {
            r = if self.nbs.is_empty() { 0 } else { 25 };
        }
        match (self.cfg.ids, self.cfg.old_formats) {
            (IdMode::None, old) => match r {
                0..=24 if old => (Format::V3, false),
                0..=29 => (Format::V4(0), true),
                30..=39 => (Format::V4(2), false),
                _ => (Format::V4(4), false),
            },
            (_, true) => match r {
                0..=19 => (Format::V3, false),
                20..=29 => (Format::V4(0), true),
                30..=44 => (Format::V4(self.t.rng.below(5) as u8), false),
                _ => (Format::V4(5), false),
            },
            (_, false) => (Format::V4(5), false),
        }
    }

    fn create(&mut self, path: String, p: &mut Pending) -> Result<(), SynthError> {
        self.used_paths.insert(path.clone());
        let (format, colab) = self.initial_format();
        let rng = &mut self.t.rng;
        let mut nb = Nb {
            path: path.clone(),
            cells: Vec::new(),
            format,
            id_style: if rng.chance(0.7) {
                IdStyle::Uuid
            } else {
                IdStyle::Hex8
            },
            colab,
            python: PYTHONS[rng.below(PYTHONS.len() as u64) as usize],
            dataset: rng.below(4) as usize,
            counter: 0,
            last_time: self.time,
            last_bytes: Vec::new(),
            last_broken: false,
            alive: true,
            salt: rng.next_u64(),
        };
        let mut ops_done = Vec::new();
        ops::new_notebook(&mut nb, &mut self.t, self.cfg.cells, &mut ops_done);
        if self.strip {
            ops::strip(&mut nb);
            ops_done.push("strip".into());
        }
        ops::assign_ids(&mut nb, &mut self.t);
        let bytes = render::render(&nb, self.cfg.ids, self.strip);
        self.git.put(&path, &bytes)?;
        nb.last_bytes = bytes;
        let stem = path
            .rsplit('/')
            .next()
            .unwrap_or(&path)
            .trim_end_matches(".ipynb");
        let msg = self
            .t
            .rng
            .pick(&[
                format!("Add {stem} notebook"),
                format!("{stem}: first pass"),
                "new notebook".to_string(),
                format!("start {stem}"),
            ])
            .clone();
        p.messages.push(msg);
        p.versions.push(TruthVersion {
            path,
            old_path: None,
            deleted: false,
            broken: None,
            cells: nb.cells.iter().map(|c| c.ident).collect(),
            ids_regenerated: false,
            ops: ops_done,
        });
        self.focus = Some(self.nbs.len());
        self.nbs.push(nb);
        Ok(())
    }

    fn delete(&mut self, k: usize, p: &mut Pending) -> Result<(), SynthError> {
        let nb = &mut self.nbs[k];
        nb.alive = false;
        self.git.remove(&nb.path);
        self.deleted = Some(nb.path.clone());
        let name = nb.path.rsplit('/').next().unwrap_or(&nb.path).to_string();
        p.messages.push(
            self.t
                .rng
                .pick(&[format!("Remove {name}"), "delete old notebook".to_string()])
                .clone(),
        );
        p.versions.push(TruthVersion {
            path: nb.path.clone(),
            old_path: None,
            deleted: true,
            broken: None,
            cells: Vec::new(),
            ids_regenerated: false,
            ops: vec!["delete notebook".into()],
        });
        Ok(())
    }

    /// `git mv`, half the time with a small edit in the same commit.
    fn rename(&mut self, k: usize, p: &mut Pending) -> Result<(), SynthError> {
        let old = self.nbs[k].path.clone();
        let (dir, name) = match old.rsplit_once('/') {
            Some((d, n)) => (d.to_string(), n.to_string()),
            None => (String::new(), old.clone()),
        };
        let stem = name.trim_end_matches(".ipynb");
        let in_dir = |n: &str| {
            if dir.is_empty() {
                n.to_string()
            } else {
                format!("{dir}/{n}")
            }
        };
        let mut targets = vec![
            format!("notebooks/{name}"),
            format!("analysis/eda/{name}"),
            name.clone(),
            format!("archive/{name}"),
            in_dir(&format!("{stem}-v2.ipynb")),
            in_dir(&format!("old-{name}")),
        ];
        if stem.starts_with("Untitled") {
            targets.insert(0, in_dir("sales-eda.ipynb"));
        }
        targets.retain(|t| *t != old && !self.used_paths.contains(t) && !self.git.has(t));
        let Some(new) = targets.first().cloned() else {
            return self.save(usize::MAX, k, p);
        };
        let new = if targets.len() > 1 && self.t.rng.chance(0.5) {
            targets[1].clone()
        } else {
            new
        };
        self.used_paths.insert(new.clone());
        let mut ops_done = vec!["rename".to_string()];
        self.nbs[k].path = new.clone();
        if self.t.rng.chance(0.5) {
            self.git.rename(&old, &new);
        } else {
            let nb = &mut self.nbs[k];
            ops::small_edit(nb, &mut self.t, &mut ops_done);
            ops::assign_ids(nb, &mut self.t);
            let bytes = render::render(nb, self.cfg.ids, false);
            self.git.remove(&old);
            self.git.put(&new, &bytes)?;
            nb.last_bytes = bytes;
            nb.last_time = self.time;
        }
        let new_name = new.rsplit('/').next().unwrap_or(&new);
        let msg = if new_name == name {
            match new.rsplit_once('/') {
                Some((d, _)) => format!("Move {name} to {d}/"),
                None => format!("Move {name} to the top level"),
            }
        } else {
            format!("Rename {name} to {new_name}")
        };
        p.messages.push(msg);
        p.versions.push(TruthVersion {
            path: new,
            old_path: Some(old),
            deleted: false,
            broken: None,
            cells: self.nbs[k].cells.iter().map(|c| c.ident).collect(),
            ids_regenerated: false,
            ops: ops_done,
        });
        Ok(())
    }

    /// Whether this save of notebook `k` is to be a broken one.
    fn broken_due(&mut self, ci: usize, k: usize) -> Option<Broken> {
        let nb = &self.nbs[k];
        if nb.last_broken || nb.last_bytes.is_empty() || ci == usize::MAX {
            return None;
        }
        let due = self.broken_at.first().is_some_and(|&b| b <= ci);
        if !due {
            return None;
        }
        self.broken_at.remove(0);
        let kind = Broken::ALL[self.broken_made % Broken::ALL.len()];
        self.broken_made += 1;
        Some(kind)
    }

    /// A working session on notebook `k` and its save.
    fn save(&mut self, ci: usize, k: usize, p: &mut Pending) -> Result<(), SynthError> {
        let broken = if self.cfg.broken {
            self.broken_due(ci, k)
        } else {
            None
        };
        let (mode, strip, cells) = (self.cfg.ids, self.strip, self.cfg.cells);
        let time = self.time;
        let nb = &mut self.nbs[k];
        let was_broken = nb.last_broken;
        let keep = broken.map(|_| nb.clone());
        let regen = self.churn && broken.is_none();
        let mut done = Vec::new();
        ops::session(nb, &mut self.t, time, &mut done);
        if regen {
            ops::quiet(nb, &mut self.t, &mut done);
        } else {
            let n = 1 + self.t.rng.below(4) as usize;
            ops::work(nb, &mut self.t, n, cells, &mut done);
        }
        let old_format = match nb.format {
            Format::V3 => true,
            Format::V4(m) => m < 5 && mode != IdMode::None,
        };
        if old_format && broken.is_none() && self.t.rng.chance(0.15) {
            nb.format = Format::V4(if mode == IdMode::None { 4 } else { 5 });
            nb.colab = false;
            done.push("upgrade".into());
        }
        let regen = regen && nb.has_ids();
        if regen {
            ops::regenerate_ids(nb, &mut self.t);
            done.push("regenerate ids".into());
        }
        if strip {
            ops::strip(nb);
            done.push("strip".into());
        }
        ops::assign_ids(nb, &mut self.t);
        let mut bytes = render::render(nb, mode, strip);
        // A save that changes nothing is no commit: keep working until it does.
        for _ in 0..4 {
            if bytes != nb.last_bytes {
                break;
            }
            ops::small_edit(nb, &mut self.t, &mut done);
            if strip {
                ops::strip(nb);
            }
            ops::assign_ids(nb, &mut self.t);
            bytes = render::render(nb, mode, strip);
        }
        if bytes == nb.last_bytes {
            return Ok(());
        }
        let mut version = TruthVersion {
            path: nb.path.clone(),
            old_path: None,
            deleted: false,
            broken: None,
            cells: nb.cells.iter().map(|c| c.ident).collect(),
            ids_regenerated: regen,
            ops: done,
        };
        if let (Some(kind), Some(keep)) = (broken, keep) {
            bytes = broken::make(kind, &bytes, &keep.last_bytes, &mut self.t.rng);
            *nb = keep;
            nb.last_broken = true;
            version.broken = Some(kind.name().into());
            version.cells.clear();
            version.ops = vec![kind.name().into()];
            p.messages.push(self.broken_message(kind));
        } else {
            nb.last_broken = false;
        }
        let nb = &mut self.nbs[k];
        self.git.put(&nb.path, &bytes)?;
        nb.last_bytes = bytes;
        nb.last_time = time;
        let msg = self.work_message(&version, was_broken);
        p.messages.push(msg);
        p.versions.push(version);
        Ok(())
    }

    fn broken_message(&mut self, kind: Broken) -> String {
        let pool: &[&str] = match kind {
            Broken::Conflict => &[
                "Merge branch 'main' of github.com:team/sales-analysis",
                "merge",
            ],
            Broken::Truncated => &["save", "WIP"],
            Broken::Lfs => &["Track notebooks with git lfs", "lfs"],
        };
        self.t.rng.pick(pool).to_string()
    }

    fn work_message(&mut self, v: &TruthVersion, was_broken: bool) -> String {
        let rng = &mut self.t.rng;
        if was_broken && v.broken.is_none() {
            return rng
                .pick(&[
                    "fix broken notebook",
                    "Fix merge conflict",
                    "restore notebook",
                ])
                .to_string();
        }
        if rng.chance(0.15) {
            return rng
                .pick(&["WIP", "wip", "update", ".", "changes"])
                .to_string();
        }
        let first = v
            .ops
            .iter()
            .map(|o| o.split(' ').next().unwrap_or_default())
            .find(|o| *o != "rerun")
            .unwrap_or("rerun");
        let pool: &[&str] = match first {
            _ if v.ids_regenerated => &["save", "minor", "update notebook"],
            _ if v.ops.iter().any(|o| o == "strip") => {
                &["Clear outputs", "strip outputs", "nbstripout"]
            }
            "edit" => &[
                "fix plot",
                "tweak parameters",
                "fix typo",
                "small fixes",
                "Add numeric_only=True to corr()",
                "update analysis",
                "try median instead of mean",
            ],
            "rewrite" => &["rewrite model cell", "redo the plot", "new approach"],
            "insert" | "copy" => &[
                "more EDA",
                "add histogram",
                "new plots",
                "add notes",
                "explore outliers",
            ],
            "delete" => &["remove dead code", "clean up"],
            "move" | "split" | "merge" => &[
                "reorganise cells",
                "tidy up notebook",
                "split long cell",
                "merge cells",
            ],
            "run-all" | "restart-run-all" => &["Re-run all cells", "rerun after data update"],
            "upgrade" => &["open in new jupyter", "update notebook format"],
            _ => &["rerun", "re-run notebook", "update outputs"],
        };
        rng.pick(pool).to_string()
    }

    fn finish(&mut self, mut p: Pending) -> Result<(), SynthError> {
        let (name, email, tz) = AUTHORS[self.author];
        let message = format!("{}\n", p.messages.first().map_or("update", String::as_str));
        let (oid, parents) = self.git.commit(name, email, self.time, tz, &message)?;
        p.other.sort();
        p.other.dedup();
        self.truth.commits.push(TruthCommit {
            commit: oid.to_string(),
            parents: parents.iter().map(|o| o.to_string()).collect(),
            time: self.time,
            author: format!("{name} <{email}>"),
            message,
            notebooks: p.versions,
            other_files: p.other,
        });
        Ok(())
    }
}
