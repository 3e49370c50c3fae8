//! Project records beyond code and files: notes, milestones, linked datasets and the README.

use super::catalogue::{DATASETS, MILESTONES, NOTE_TAGS, NOTE_TITLES};
use super::{Sim, detail, record, tags};
use crate::activity::kinds::{ActionKind, DetailKind, RecordKind};
use crate::synth::writer::Linked;

impl Sim<'_> {
    pub(super) fn note(&mut self) {
        let title = *self.rng.pick(NOTE_TITLES);
        let mut spec = record(RecordKind::Note, title);
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
        spec.details.push(detail(
            DetailKind::Note,
            true,
            255,
            ActionKind::Create,
            "text/markdown",
            body.into_bytes(),
        ));
        self.write(spec);
    }

    pub(super) fn milestone(&mut self) {
        let name = *self.rng.pick(MILESTONES);
        let mut spec = record(RecordKind::Milestone, format!("Milestone: {name}"));
        spec.details.push(detail(
            DetailKind::Note,
            true,
            255,
            ActionKind::Create,
            "text/markdown",
            format!("Reached **{name}**.\n\nEverything needed to reproduce it is committed.")
                .into_bytes(),
        ));
        self.write(spec);
    }

    pub(super) fn dataset(&mut self) {
        let owner = self.author(0).username();
        let name = *self.rng.pick(&[
            "census-2010",
            "sales-raw",
            "weather-stations",
            "survey-wave-2",
        ]);
        let rev = &self.rng.hex32()[..8];
        let mut spec = record(
            RecordKind::Dataset,
            format!("Linked Dataset {owner}/{name} to project"),
        );
        spec.tags = tags(&["dataset"]);
        spec.details.push(detail(
            DetailKind::Dataset,
            true,
            0,
            ActionKind::Create,
            "text/markdown",
            format!("Linked Dataset `{owner}/{name}` at revision `{rev}`").into_bytes(),
        ));
        self.write(spec);
    }

    pub(super) fn readme(&mut self) {
        let text = format!(
            "# {}\n\nAnalysis of {} datasets. Start with `code/analysis.ipynb`.\n\nUpdated {} times.\n",
            self.cfg.name,
            DATASETS.len(),
            1 + self.rng.below(20)
        );
        self.w.write_file("README.md", text.as_bytes());
        let mut spec = record(RecordKind::Labbook, "Updated project README");
        spec.tags = tags(&["readme"]);
        spec.details.push(detail(
            DetailKind::Labbook,
            false,
            0,
            ActionKind::Edit,
            "text/markdown",
            text.into_bytes(),
        ));
        self.write(spec);
    }
}
