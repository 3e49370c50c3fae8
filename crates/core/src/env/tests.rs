//! Tests of `env`.

use super::*;

fn file(path: &str, text: &str) -> (String, Vec<u8>) {
    (format!("{ENV_DIR}/{path}"), text.as_bytes().to_vec())
}

fn pkg(m: &str, n: &str, v: &str) -> (String, Vec<u8>) {
    file(
        &format!("package_manager/{m}_{n}.yaml"),
        &format!("manager: {m}\npackage: {n}\nversion: {v}\nfrom_base: false\nschema: 1\n"),
    )
}

#[test]
fn reads_base_packages_and_snippets() {
    let env = Environment::from_files([
        file(
            "base/python3-minimal.yaml",
            "id: python3-minimal\nname: Python 3 Minimal\nrevision: 3\nos_class: ubuntu\nos_release: '18.04'\nimage:\n  namespace: gigantum\n  repository: python3-minimal\n  tag: abc\npackage_managers:\n- pip\n- apt\n",
        ),
        pkg("pip", "pandas", "1.1.5"),
        pkg("apt", "htop", "2.1.0-3"),
        file(
            "package_manager/pip_numpy.yaml",
            "# Generated on: 2019-01-01\nmanager: \"pip\"\npackage: \"numpy\"\nversion: latest\nfrom_base: true\nschema: 1",
        ),
        file(
            "custom/tools.yaml",
            "name: tools\ndescription: Added by hand\ntimestamp: 1\ncontent: |\n  RUN apt-get install -y curl\n",
        ),
        file(
            "docker/more.yaml",
            "content:\n- RUN a\n- RUN b\ndescription: ''\nname: more\ntimestamp_utc: '2020-01-01T00:00:00'\n",
        ),
        file("entrypoint.sh", "#!/bin/bash\n"),
        file("package_manager/.gitkeep", ""),
    ]);
    assert!(env.errors.is_empty(), "{:?}", env.errors);
    let b = env.base.as_ref().unwrap();
    assert_eq!(
        (
            b.id.as_str(),
            b.name.as_deref(),
            b.revision,
            b.os.as_deref()
        ),
        (
            "python3-minimal",
            Some("Python 3 Minimal"),
            Some(3),
            Some("ubuntu 18.04")
        )
    );
    assert_eq!(b.package_managers, ["pip", "apt"]);
    assert_eq!(b.image.as_ref().map(|i| i.tag.as_str()), Some("abc"));
    let names: Vec<_> = env
        .packages
        .iter()
        .map(|p| {
            format!(
                "{}:{}:{}:{}",
                p.manager,
                p.name,
                p.version.as_deref().unwrap_or("-"),
                p.from_base
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            "apt:htop:2.1.0-3:false",
            "pip:numpy:latest:true",
            "pip:pandas:1.1.5:false"
        ]
    );
    assert_eq!(env.snippets.len(), 2);
    assert_eq!(env.snippets[0].name, "more");
    assert_eq!(env.snippets[0].content, "RUN a\nRUN b");
    assert_eq!(env.snippets[1].content, "RUN apt-get install -y curl");
    assert_eq!(env.snippets[1].description, "Added by hand");
}

#[test]
fn bad_files_are_errors_naming_them() {
    let env = Environment::from_files([
        pkg("pip", "pandas", "1.1.5"),
        file(
            "package_manager/pip_bad.yaml",
            "manager: pip\n  version: [\n",
        ),
        file("package_manager/notes.txt", "hello"),
        file("package_manager/weird.yaml", "version: 1\n"),
        file(
            "package_manager/pip_flag.yaml",
            "manager: pip\npackage: flag\nfrom_base: maybe\n",
        ),
        file("base/a.yaml", "- just\n- a list\n"),
        file("base/b.yaml", "id: b\nrevision: three\n"),
        (
            "{ENV_DIR}/custom/x.yaml".replace("{ENV_DIR}", ENV_DIR),
            vec![0xff, 0xfe],
        ),
    ]);
    assert_eq!(env.packages.len(), 1);
    assert!(env.base.is_none());
    let all = env.errors.join("\n");
    for needle in [
        "package_manager/pip_bad.yaml: line 2",
        "package_manager/notes.txt: not a .yaml file",
        "package_manager/weird.yaml: no `manager` and `package`",
        "pip_flag.yaml: `from_base` is not true or false",
        "base/a.yaml: not a map",
        "base/b.yaml: `revision` is not a number",
        "custom/x.yaml: not UTF-8",
    ] {
        assert!(all.contains(needle), "{needle} not in\n{all}");
    }
}

#[test]
fn diff_and_summary() {
    let base = |rev: u32| {
        file(
            "base/b.yaml",
            &format!("id: python3-minimal\nname: P\nrevision: {rev}\n"),
        )
    };
    let old = Environment::from_files([
        base(3),
        pkg("pip", "numpy", "1.19.5"),
        pkg("pip", "scipy", "1.6.0"),
        file("custom/a.yaml", "name: a\ncontent: |\n  RUN x\n"),
        file("custom/b.yaml", "name: b\ncontent: |\n  RUN y\n"),
    ]);
    let new = Environment::from_files([
        base(4),
        pkg("pip", "pandas", "0.24.2"),
        pkg("pip", "scipy", "1.6.1"),
        pkg("apt", "htop", "2.1.0-3"),
        file("custom/a.yaml", "name: a\ncontent: |\n  RUN z\n"),
        file("custom/c.yaml", "name: c\ncontent: |\n  RUN y\n"),
    ]);
    let d = diff(&old, &new);
    assert_eq!(
        d.summary(),
        "apt: +htop 2.1.0-3; pip: +pandas 0.24.2, -numpy, scipy 1.6.0 → 1.6.1; base r3 → r4; docker: +c, -b, ~a"
    );
    assert!(d.summary_ascii().contains("scipy 1.6.0 -> 1.6.1"));
    assert!(diff(&new, &new).is_empty());
    assert_eq!(diff(&new, &new).summary(), "no environment change");
    let none = Environment::default();
    assert_eq!(
        diff(&none, &old)
            .base
            .and_then(|b| b.new)
            .map(|b| b.id)
            .as_deref(),
        Some("python3-minimal")
    );
    assert!(diff(&none, &new).summary().starts_with("apt: +htop"));
    assert!(
        diff(&none, &new)
            .summary()
            .contains("base +python3-minimal r4")
    );
}
