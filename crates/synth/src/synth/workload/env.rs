//! Environment records: the base image, package installs, removals and upgrades, and custom Docker snippets.

use super::catalogue::{APT, BASES, CONDA, PIP};
use super::rng::Rng;
use super::{Sim, detail, record, tags};
use crate::activity::detail::fence_code;
use crate::activity::kinds::{ActionKind, DetailKind, RecordKind};

impl Sim<'_> {
    pub(super) fn write_base(&mut self, old: Option<(usize, u32)>) {
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
        let mut spec = record(RecordKind::Environment, format!("Added base: {id} r{rev}"));
        spec.tags = tags(&["environment", "base"]);
        spec.details.push(detail(
            DetailKind::Environment,
            true,
            0,
            if old.is_some() {
                ActionKind::Edit
            } else {
                ActionKind::Create
            },
            "text/markdown",
            fence_code(yaml.trim_end()).into_bytes(),
        ));
        self.write(spec);
    }

    pub(super) fn env_packages(&mut self) {
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
                    DetailKind::Environment,
                    false,
                    0,
                    ActionKind::Delete,
                    "text/plain",
                    format!("Removed {manager} managed package: {p}").into_bytes(),
                ));
            }
            let mut spec = record(
                RecordKind::Environment,
                format!("Removed {n} {manager} managed package(s)"),
            );
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
                    DetailKind::Environment,
                    false,
                    0,
                    ActionKind::Create,
                    "text/plain",
                    format!("Added {manager} managed package: {p} {v}").into_bytes(),
                ));
            }
            let mut spec = record(
                RecordKind::Environment,
                format!("Added {n} {manager} package(s)."),
            );
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
        let mut spec = record(
            RecordKind::Environment,
            format!("Updated 1 {manager} package(s)"),
        );
        spec.tags = tags(&["environment", "package_manager", manager]);
        spec.details.push(detail(
            DetailKind::Environment,
            false,
            0,
            ActionKind::Edit,
            "text/plain",
            format!("Update {manager} managed package: {package} \"{version}\"").into_bytes(),
        ));
        self.write(spec);
    }

    pub(super) fn docker_snippet(&mut self) {
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
        let mut spec = record(
            RecordKind::Environment,
            format!("Wrote custom Docker snippet {name}"),
        );
        spec.tags = tags(&["environment", "docker"]);
        spec.details.push(detail(
            DetailKind::Environment,
            false,
            0,
            if existed {
                ActionKind::Edit
            } else {
                ActionKind::Create
            },
            "text/markdown",
            fence_code(&body).into_bytes(),
        ));
        self.write(spec);
    }
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
