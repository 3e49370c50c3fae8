//! Where lineage reads the notebook as committed around a run.

use super::*;

/// Where lineage reads notebook snapshots from.
pub trait Snapshots {
    /// The code cells of `notebook` as committed at `commit`.
    fn cells(&mut self, commit: &str, notebook: &str) -> Option<Arc<Vec<NbCell>>>;

    /// The blob id of `notebook` at `commit`, when it can be had without
    /// reading the file: commits holding the same file are then told apart
    /// unread. `None` also when the store cannot say.
    fn blob_id(&mut self, _commit: &str, _notebook: &str) -> Option<Oid> {
        None
    }
}

/// Snapshots read from the project's repository, each blob parsed once.
pub struct RepoSnapshots<'p> {
    project: &'p Project,
    blobs: HashMap<(String, String), Option<Oid>>,
    parsed: HashMap<Oid, Option<Arc<Vec<NbCell>>>>,
}

impl<'p> RepoSnapshots<'p> {
    pub fn new(project: &'p Project) -> Self {
        RepoSnapshots {
            project,
            blobs: HashMap::new(),
            parsed: HashMap::new(),
        }
    }

    fn lookup(&mut self, commit: &str, notebook: &str) -> Option<Oid> {
        if !notebook.ends_with(".ipynb") {
            return None;
        }
        let key = (commit.to_string(), notebook.to_string());
        let project = self.project;
        *self
            .blobs
            .entry(key)
            .or_insert_with(|| project.blob_at(commit, notebook))
    }
}

impl Snapshots for RepoSnapshots<'_> {
    fn cells(&mut self, commit: &str, notebook: &str) -> Option<Arc<Vec<NbCell>>> {
        let blob = self.lookup(commit, notebook)?;
        let project = self.project;
        self.parsed
            .entry(blob)
            .or_insert_with(|| {
                project
                    .blob(blob)
                    .and_then(|b| code_cells(&b))
                    .map(Arc::new)
            })
            .clone()
    }

    fn blob_id(&mut self, commit: &str, notebook: &str) -> Option<Oid> {
        self.lookup(commit, notebook)
    }
}
