//! File records: uploads and deletions in input/, figures in output/, code files and notebook saves.

use std::fmt::Write as _;

use super::catalogue::{DATASETS, dataset_csv, jpeg_variant};
use super::{MAX_OUTPUTS, Sim, detail, record, tags};
use crate::activity::kinds::{ActionKind, DetailKind, RecordKind};

impl Sim<'_> {
    pub(super) fn upload(&mut self, files: Vec<String>) {
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
                DetailKind::InputData,
                false,
                0,
                ActionKind::Create,
                "text/plain",
                format!("Created new Input Data file `{f}`").into_bytes(),
            ));
        }
        let mut spec = record(
            RecordKind::InputData,
            format!("Uploaded {} new file(s).", files.len()),
        );
        spec.tags = tags(&["save", "upload"]);
        spec.details = details;
        self.write(spec);
    }

    pub(super) fn output_file(&mut self) {
        if !self.uploads.is_empty() && self.rng.chance(0.2) {
            let i = self.rng.below(self.uploads.len() as u64) as usize;
            let f = self.uploads.swap_remove(i);
            self.w.remove_file(&f);
            let mut spec = record(RecordKind::InputData, "1 deleted file(s).");
            spec.tags = tags(&["save"]);
            spec.details.push(detail(
                DetailKind::InputData,
                false,
                0,
                ActionKind::Delete,
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
            ("1 new file(s).", "Created new", ActionKind::Create)
        } else {
            ("1 modified file(s).", "Modified", ActionKind::Edit)
        };
        let mut spec = record(RecordKind::OutputData, message);
        spec.tags = tags(&["save"]);
        spec.details.push(detail(
            DetailKind::OutputData,
            false,
            0,
            action,
            "text/plain",
            format!("{what} Output Data file `{f}`").into_bytes(),
        ));
        self.write(spec);
    }

    pub(super) fn delete_uploads(&mut self) {
        let n = (1 + self.rng.below(3) as usize).min(self.uploads.len());
        let mut details = Vec::new();
        for _ in 0..n {
            let i = self.rng.below(self.uploads.len() as u64) as usize;
            let f = self.uploads.swap_remove(i);
            self.w.remove_file(&f);
            details.push(detail(
                DetailKind::InputData,
                false,
                0,
                ActionKind::Delete,
                "text/plain",
                format!("Deleted Input Data file `{f}`").into_bytes(),
            ));
        }
        let mut spec = record(RecordKind::InputData, format!("{n} deleted file(s)."));
        spec.tags = tags(&["save"]);
        spec.details = details;
        self.write(spec);
    }

    pub(super) fn save_code_file(&mut self) {
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
            (
                "1 new file(s).",
                "Created new Code file",
                ActionKind::Create,
            )
        } else {
            (
                "1 modified file(s).",
                "Modified Code file",
                ActionKind::Edit,
            )
        };
        let mut spec = record(RecordKind::Code, message);
        spec.tags = tags(&["save"]);
        spec.details.push(detail(
            DetailKind::Code,
            false,
            0,
            action,
            "text/plain",
            format!("{what} `{path}`").into_bytes(),
        ));
        self.write(spec);
    }

    pub(super) fn save_notebook(&mut self, slot: usize) {
        let Some(nb) = (0..self.notebooks.len())
            .find(|i| self.notebooks[*i].writer == slot && self.notebooks[*i].unsaved)
        else {
            return self.note();
        };
        self.save(nb);
        let path = self.notebooks[nb].path.clone();
        let mut spec = record(RecordKind::Code, "1 modified file(s).");
        spec.tags = tags(&["save"]);
        spec.details.push(detail(
            DetailKind::Code,
            false,
            0,
            ActionKind::Edit,
            "text/plain",
            format!("Modified Code file `{path}`").into_bytes(),
        ));
        self.write(spec);
    }
}
