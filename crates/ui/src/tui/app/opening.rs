//! Reading a project anew (a branch switch, a reload) while the history
//! read before stays on screen: the request, and its answer from the
//! worker that opened the project.

use super::*;

/// A project being opened anew on a worker thread (see `worker::open`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opening {
    /// The load its answer carries; an answer for any other is stale.
    pub load: u64,
    pub rev: String,
    /// The same revision read again (else a switch to `rev`).
    pub reload: bool,
}

impl App {
    /// Asks for `rev` to be read anew (`reload`: the one being read, else
    /// a switch to it), on a worker thread; returns the load number its
    /// answer will carry. The latest request wins: answers to older ones
    /// are dropped by [`App::opened`].
    pub fn begin_open(&mut self, rev: &str, reload: bool) -> u64 {
        let load = self
            .opening
            .as_ref()
            .map_or(self.load, |o| o.load.max(self.load))
            + 1;
        self.opening = Some(Opening {
            load,
            rev: rev.to_string(),
            reload,
        });
        if reload {
            self.note_while_loading("reloading…".into());
        } else {
            self.reading(rev);
        }
        load
    }

    /// The project opened for load `load` (its name and the directories
    /// never saved into), or why not. Returns whether it is the latest
    /// request's answer, whose workers then take over: the history read
    /// before goes, for the new walk's.
    pub fn opened(
        &mut self,
        load: u64,
        result: Result<(String, Vec<std::path::PathBuf>), String>,
    ) -> bool {
        if self.opening.as_ref().map(|o| o.load) != Some(load) {
            return false;
        }
        let Some(o) = self.opening.take() else {
            return false;
        };
        match result {
            Ok((name, dirs)) => {
                self.reset(load);
                self.repo_dirs = dirs;
                if !o.reload {
                    self.reading(&o.rev);
                    self.rev = o.rev;
                    self.project = name;
                }
                true
            }
            Err(err) => {
                // The history read before stays, and nothing is being read.
                self.loading_note = None;
                self.flash = Some(if o.reload {
                    format!("reload failed: {err}")
                } else {
                    format!("cannot read {}: {err}", o.rev)
                });
                false
            }
        }
    }
}
