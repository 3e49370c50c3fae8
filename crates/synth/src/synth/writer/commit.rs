//! Commits of the current work tree: into the pack, or loose when the message is not UTF-8.

use git2::{ObjectType, Oid};

use super::ProjectWriter;

impl ProjectWriter {
    /// A commit of the current files (staged changes included) with any
    /// message bytes. A message that is not UTF-8 is written as a loose
    /// object (the pack writer takes `&str`).
    pub fn raw_commit(&mut self, message: &[u8]) -> Oid {
        let id = self.commit_work(message, None);
        self.raw_commits.push(id);
        id
    }

    /// Writes the current tree and a commit on the current branch.
    pub(super) fn commit_work(&mut self, message: &[u8], second_parent: Option<Oid>) -> Oid {
        let Some(branch) = self.branches.get_mut(&self.current) else {
            return Oid::ZERO_SHA1;
        };
        let tree = branch.work.write(&mut self.pack);
        let mut parents: Vec<Oid> = branch.head.into_iter().collect();
        parents.extend(second_parent);
        let sig = (
            self.author.0.as_str(),
            self.author.1.as_str(),
            self.now,
            self.author.2,
        );
        let id = match std::str::from_utf8(message) {
            Ok(m) => self.pack.commit(tree, &parents, sig, sig, m),
            Err(_) => {
                let body = commit_body(tree, &parents, sig, message);
                match Oid::hash_object(ObjectType::Commit, &body) {
                    Ok(id) => {
                        self.loose.push(body);
                        id
                    }
                    Err(e) => {
                        if self.error.is_none() {
                            self.error = Some(e.into());
                        }
                        Oid::ZERO_SHA1
                    }
                }
            }
        };
        branch.head = Some(id);
        branch.dirty = false;
        self.commits += 1;
        id
    }
}

/// A commit object's bytes, as git writes them, with any message bytes.
fn commit_body(tree: Oid, parents: &[Oid], sig: (&str, &str, i64, i32), message: &[u8]) -> Vec<u8> {
    let (name, email, secs, offset) = sig;
    let sign = if offset < 0 { '-' } else { '+' };
    let abs = offset.unsigned_abs();
    let who = format!(
        "{name} <{email}> {secs} {sign}{:02}{:02}",
        abs / 60,
        abs % 60
    );
    let mut s = format!("tree {tree}\n");
    for p in parents {
        s.push_str(&format!("parent {p}\n"));
    }
    s.push_str(&format!("author {who}\ncommitter {who}\n\n"));
    let mut body = s.into_bytes();
    body.extend_from_slice(message);
    body
}
