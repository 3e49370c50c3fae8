//! Files that are not notebooks: README, a helper script, requirements.txt, environment.yml, pyproject.toml, CSVs under data/.

use std::fmt::Write as _;

use super::git::Git;
use crate::synth::workload::{Rng, sample_csv};
use crate::synth::writer::SynthError;

const README_LINES: &[&str] = &[
    "## Setup\n\n    pip install -r requirements.txt",
    "Notebooks live in `notebooks/` and `analysis/`.",
    "The raw data is in `data/`, do not edit it by hand.",
    "## Results\n\nSee the report notebook.",
    "Outputs are stripped before committing (`nbstripout --install`).",
    "Ask in #data-team if something does not run.",
];

const HELPERS: &[&str] = &[
    "def load(path):\n    return pd.read_csv(path)\n",
    "def clean(df):\n    return df.dropna().reset_index(drop=True)\n",
    "def zscore(s):\n    return (s - s.mean()) / s.std()\n",
    "def save_fig(fig, name):\n    fig.savefig(f'figures/{name}.png', dpi=150)\n",
];

/// Packages pinned in the requirements, with a version that moves on.
const PACKAGES: &[(&str, u32, u32)] = &[
    ("pandas", 1, 3),
    ("numpy", 1, 21),
    ("matplotlib", 3, 4),
    ("seaborn", 0, 11),
    ("scikit-learn", 0, 24),
    ("scipy", 1, 7),
    ("statsmodels", 0, 12),
    ("jupyterlab", 3, 0),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Readme,
    Script,
    Requirements,
    Conda,
    Pyproject,
    Data,
}

pub(super) struct Other {
    readme: Vec<String>,
    helpers: usize,
    /// (package index, minor, patch), in the order they were added.
    pins: Vec<(usize, u32, u32)>,
    version: u32,
    /// Rows of each data file written, by dataset.
    data: [usize; 4],
}

impl Other {
    pub(super) fn new() -> Self {
        Other {
            readme: vec![
                "# Sales analysis".into(),
                "Exploring the sales data and a first model.".into(),
            ],
            helpers: 0,
            pins: vec![(0, 0, 2), (1, 0, 1), (2, 0, 3)],
            version: 1,
            data: [0; 4],
        }
    }

    /// Makes the change; returns the path changed and a commit message for it.
    pub(super) fn change(
        &mut self,
        kind: Kind,
        rng: &mut Rng,
        git: &mut Git,
    ) -> Result<(String, String), SynthError> {
        let (path, text, msg) = match kind {
            Kind::Readme => {
                let line = rng.pick(README_LINES).to_string();
                self.readme.push(line);
                let msg = *rng.pick(&["Update README", "docs", "README: setup notes"]);
                (
                    "README.md".to_string(),
                    self.readme.join("\n\n") + "\n",
                    msg.to_string(),
                )
            }
            Kind::Script => {
                self.helpers += 1;
                let mut s = "import pandas as pd\n".to_string();
                for i in 0..self.helpers {
                    let h = HELPERS[i % HELPERS.len()];
                    // Past the list, the same helpers again under new names.
                    let h = match i / HELPERS.len() {
                        0 => h.to_string(),
                        n => h.replacen('(', &format!("_{n}("), 1),
                    };
                    let _ = write!(s, "\n\n{h}");
                }
                let msg = *rng.pick(&[
                    "add helper",
                    "refactor utils",
                    "move cleaning into utils.py",
                ]);
                ("src/utils.py".to_string(), s, msg.to_string())
            }
            Kind::Requirements | Kind::Conda | Kind::Pyproject => {
                let msg = self.bump(rng);
                let (path, text) = match kind {
                    Kind::Requirements => ("requirements.txt", self.requirements()),
                    Kind::Conda => ("environment.yml", self.conda()),
                    _ => ("pyproject.toml", self.pyproject()),
                };
                (path.to_string(), text, msg)
            }
            Kind::Data => {
                let ds = rng.below(4) as usize;
                let rows = 20 + rng.below(60) as usize;
                let (name, csv) = sample_csv(ds, rows, rng);
                let msg = if self.data[ds] == 0 {
                    format!("Add data/{name}")
                } else {
                    rng.pick(&["update data", "new export of the data", "refresh data"])
                        .to_string()
                };
                self.data[ds] = rows;
                (format!("data/{name}"), csv, msg)
            }
        };
        git.put(&path, text.as_bytes())?;
        Ok((path, msg))
    }

    /// A package added, or one moved to a newer release.
    fn bump(&mut self, rng: &mut Rng) -> String {
        if self.pins.len() < PACKAGES.len() && rng.chance(0.4) {
            let p = self.pins.len();
            self.pins.push((p, 0, 0));
            return format!("add {}", PACKAGES[p].0);
        }
        let k = rng.below(self.pins.len() as u64) as usize;
        let pin = &mut self.pins[k];
        if rng.chance(0.3) {
            pin.1 += 1;
            pin.2 = 0;
        } else {
            pin.2 += 1;
        }
        self.version += 1;
        let name = PACKAGES[pin.0].0;
        rng.pick(&[
            format!("pin {name}"),
            format!("bump {name}"),
            "Update requirements".to_string(),
            "update env".to_string(),
        ])
        .clone()
    }

    fn pinned(&self) -> Vec<(&'static str, String)> {
        let mut v: Vec<(&'static str, String)> = self
            .pins
            .iter()
            .map(|&(p, minor, patch)| {
                let (name, major, base) = PACKAGES[p];
                (name, format!("{major}.{}.{patch}", base + minor))
            })
            .collect();
        v.sort();
        v
    }

    pub(super) fn requirements(&self) -> String {
        self.pinned()
            .iter()
            .map(|(n, v)| format!("{n}=={v}\n"))
            .collect()
    }

    fn conda(&self) -> String {
        let mut s =
            "name: sales-analysis\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.9\n"
                .to_string();
        for (n, v) in self.pinned() {
            let _ = writeln!(s, "  - {n}={v}");
        }
        s
    }

    fn pyproject(&self) -> String {
        let mut s = format!(
            "[project]\nname = \"sales-analysis\"\nversion = \"0.{}.0\"\nrequires-python = \">=3.8\"\ndependencies = [\n",
            self.version
        );
        for (n, v) in self.pinned() {
            let _ = writeln!(s, "    \"{n}>={v}\",");
        }
        s.push_str("]\n");
        s
    }
}
