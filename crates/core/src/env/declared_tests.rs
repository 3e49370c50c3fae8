#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

fn read(path: &str, text: &str) -> DeclaredFile {
    read_file(path, text.as_bytes())
}

/// (manager, name, spec, version, group) of each package.
type Row = (String, String, String, Option<String>, Option<String>);

fn rows(f: &DeclaredFile) -> Vec<Row> {
    f.packages
        .iter()
        .map(|p| {
            (
                p.manager.clone(),
                p.name.clone(),
                p.spec.clone(),
                p.version.clone(),
                p.group.clone(),
            )
        })
        .collect()
}

fn names(f: &DeclaredFile) -> Vec<&str> {
    f.packages.iter().map(|p| p.name.as_str()).collect()
}

fn spec_of<'a>(f: &'a DeclaredFile, name: &str) -> &'a Package {
    f.packages
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("{name} in {:?}", names(f)))
}

#[test]
fn requirements_txt_comments_options_markers_extras_continuations() {
    let f = read(
        "requirements.txt",
        "# the app\n\
         numpy==1.24.0  # pinned\n\
         pandas >= 1.3, < 2\n\
         Requests[security,socks]~=2.31\n\
         importlib_metadata; python_version<\"3.8\"\n\
         scikit-learn \\\n    ==1.3.2\n\
         -r base.txt\n\
         --index-url https://example.org/simple\n\
         -e git+https://github.com/o/r.git@v1#egg=mylib\n\
         -e ./local\n\
         https://example.org/x/pkg-1.0.tar.gz#egg=pkg\n\
         flask @ https://example.org/flask.whl\n\
         attrs==23.1 --hash=sha256:abc\n\
         oldstyle (>=1.0)\n",
    );
    assert!(f.errors.is_empty(), "{:?}", f.errors);
    assert_eq!(f.manager, "pip");
    assert_eq!(
        names(&f),
        [
            "numpy",
            "pandas",
            "Requests",
            "importlib_metadata",
            "scikit-learn",
            "mylib",
            "pkg",
            "flask",
            "attrs",
            "oldstyle"
        ]
    );
    assert_eq!(spec_of(&f, "numpy").version.as_deref(), Some("1.24.0"));
    assert_eq!(spec_of(&f, "pandas").spec, ">=1.3,<2");
    assert_eq!(spec_of(&f, "pandas").version, None);
    assert_eq!(spec_of(&f, "Requests").extras, ["security", "socks"]);
    assert_eq!(spec_of(&f, "Requests").spec, "~=2.31");
    assert_eq!(spec_of(&f, "importlib_metadata").spec, "");
    assert_eq!(spec_of(&f, "scikit-learn").spec, "==1.3.2");
    assert!(spec_of(&f, "mylib").spec.starts_with("@ git+https://"));
    assert_eq!(spec_of(&f, "flask").spec, "@ https://example.org/flask.whl");
    assert_eq!(spec_of(&f, "attrs").version.as_deref(), Some("23.1"));
    assert_eq!(spec_of(&f, "oldstyle").spec, ">=1.0");
    assert!(
        f.notes
            .iter()
            .any(|n| n.contains("line 8") && n.contains("base.txt")),
        "{:?}",
        f.notes
    );
    assert!(
        f.notes.iter().any(|n| n.contains("./local")),
        "{:?}",
        f.notes
    );
}

#[test]
fn requirements_bad_lines_are_errors_with_their_line() {
    let f = read("requirements-dev.txt", "ok==1\n==2\nfoo[bar\nbaz 1.0\n");
    assert_eq!(names(&f), ["ok"]);
    assert_eq!(f.errors.len(), 3, "{:?}", f.errors);
    assert!(
        f.errors[0].starts_with("requirements-dev.txt: line 2:"),
        "{:?}",
        f.errors
    );
    assert!(f.errors[1].contains("line 3"));
    assert!(f.errors[2].contains("line 4"));
}

#[test]
fn names_normalise_as_pip_does() {
    assert_eq!(normalize_name("pip", "Scikit_Learn"), "scikit-learn");
    assert_eq!(normalize_name("pip", "zope.interface"), "zope-interface");
    assert_eq!(normalize_name("pip", "a__-.b"), "a-b");
    assert_eq!(normalize_name("conda", "PyYAML"), "pyyaml");
    assert_eq!(normalize_name("r", "Rcpp"), "Rcpp");
}

#[test]
fn environment_yml_conda_and_nested_pip() {
    let f = read(
        "env/environment.yml",
        "name: demo\n\
         channels:\n  - conda-forge\n  - defaults\n\
         dependencies:\n\
         \x20 - python=3.10\n\
         \x20 - numpy==1.26.4\n\
         \x20 - scipy>=1.11\n\
         \x20 - conda-forge::pandas=2.1.0=py310_0\n\
         \x20 - matplotlib\n\
         \x20 - pip\n\
         \x20 - pip:\n\
         \x20   - flask==2.0.1\n\
         \x20   - -r extra.txt\n",
    );
    assert!(f.errors.is_empty(), "{:?}", f.errors);
    assert_eq!(f.manager, "conda");
    let r = rows(&f);
    assert_eq!(
        r[0],
        ("conda".into(), "python".into(), "=3.10".into(), None, None)
    );
    assert_eq!(r[1].3.as_deref(), Some("1.26.4"));
    assert_eq!(r[2].2, ">=1.11");
    assert_eq!(r[3].1, "pandas");
    assert_eq!(r[3].3.as_deref(), Some("2.1.0"));
    assert_eq!(
        r.last().unwrap(),
        &(
            "pip".into(),
            "flask".into(),
            "==2.0.1".into(),
            Some("2.0.1".into()),
            None
        )
    );
    assert_eq!(f.packages.len(), 7);
    assert!(
        f.notes.iter().any(|n| n.contains("extra.txt")),
        "{:?}",
        f.notes
    );
}

#[test]
fn environment_yml_with_tabs_or_nonsense_is_an_error_not_a_panic() {
    let f = read("environment.yml", "dependencies:\n\t- numpy\n");
    assert!(f.packages.is_empty());
    assert_eq!(f.errors.len(), 1);
    assert!(
        f.errors[0].starts_with("environment.yml: line 2:"),
        "{:?}",
        f.errors
    );
    let f = read("environment.yaml", "- just\n- a list\n");
    assert!(f.errors[0].contains("not a map"), "{:?}", f.errors);
    let f = read("environment.yml", "dependencies: numpy\n");
    assert!(f.errors[0].contains("line 1") && f.errors[0].contains("not a list"));
    let f = read("environment.yml", "dependencies:\n  - \"[bad\"\n  - ok\n");
    assert_eq!(names(&f), ["ok"]);
    assert!(f.errors[0].contains("line 2"), "{:?}", f.errors);
}

#[test]
fn pyproject_pep621_and_poetry() {
    let f = read(
        "pyproject.toml",
        r#"
[project]
name = "x"
dependencies = ["numpy>=1.24", "pandas[excel]==2.1.0", "tomli; python_version<'3.11'"]
[project.optional-dependencies]
test = ["pytest>=7"]
"#,
    );
    assert!(f.errors.is_empty(), "{:?}", f.errors);
    assert_eq!(f.manager, "pip");
    assert_eq!(names(&f), ["numpy", "pandas", "tomli", "pytest"]);
    assert_eq!(spec_of(&f, "pandas").version.as_deref(), Some("2.1.0"));
    assert_eq!(spec_of(&f, "pytest").group.as_deref(), Some("test"));

    let f = read(
        "sub/pyproject.toml",
        r#"
[tool.poetry]
name = "x"
[tool.poetry.dependencies]
python = "^3.10"
requests = "^2.31"
numpy = "1.26.4"
rich = { version = ">=13", extras = ["jupyter"] }
mylib = { git = "https://example.org/mylib.git", tag = "v1" }
any = "*"
[tool.poetry.group.dev.dependencies]
black = "23.1.0"
[tool.poetry.dev-dependencies]
mypy = "^1"
"#,
    );
    assert!(f.errors.is_empty(), "{:?}", f.errors);
    assert_eq!(f.manager, "poetry");
    assert!(!names(&f).contains(&"python"));
    assert_eq!(spec_of(&f, "requests").spec, "^2.31");
    assert_eq!(spec_of(&f, "requests").version, None);
    assert_eq!(spec_of(&f, "numpy").version.as_deref(), Some("1.26.4"));
    assert_eq!(spec_of(&f, "rich").extras, ["jupyter"]);
    assert_eq!(
        spec_of(&f, "mylib").spec,
        "@git:https://example.org/mylib.git@v1"
    );
    assert_eq!(spec_of(&f, "any").spec, "");
    assert_eq!(spec_of(&f, "black").group.as_deref(), Some("dev"));
    assert_eq!(spec_of(&f, "mypy").group.as_deref(), Some("dev"));
}

#[test]
fn cut_off_toml_is_an_error_with_a_line() {
    let f = read(
        "pyproject.toml",
        "[project]\nname = \"x\"\ndependencies = [\"numpy\",\n",
    );
    assert!(f.packages.is_empty());
    assert_eq!(f.errors.len(), 1);
    assert!(
        f.errors[0].starts_with("pyproject.toml: line "),
        "{:?}",
        f.errors
    );
    assert!(f.errors[0].contains("not TOML"), "{:?}", f.errors);
    let f = read("pyproject.toml", "[project]\ndependencies = \"numpy\"\n");
    assert!(f.errors[0].contains("not a list"), "{:?}", f.errors);
    let f = read("Pipfile", "[packages\nx = 1");
    assert!(f.errors[0].contains("line 1"), "{:?}", f.errors);
}

#[test]
fn pipfile_and_its_lock() {
    let f = read(
        "Pipfile",
        "[[source]]\nurl = \"https://pypi.org/simple\"\n\
         [packages]\nrequests = \"*\"\nnumpy = \"==1.26.4\"\ndjango = {version = \">=4\", extras = [\"bcrypt\"]}\n\
         [dev-packages]\npytest = \">=7\"\n[requires]\npython_version = \"3.11\"\n",
    );
    assert!(f.errors.is_empty(), "{:?}", f.errors);
    assert_eq!(f.manager, "pipenv");
    assert_eq!(names(&f), ["django", "numpy", "requests", "pytest"]);
    assert_eq!(spec_of(&f, "numpy").version.as_deref(), Some("1.26.4"));
    assert_eq!(spec_of(&f, "requests").spec, "");
    assert_eq!(spec_of(&f, "pytest").group.as_deref(), Some("dev"));

    let f = read(
        "Pipfile.lock",
        r#"{"_meta": {"hash": {}}, "default": {"numpy": {"hashes": [], "version": "==1.26.4"},
            "mylib": {"git": "https://example.org/m.git", "ref": "abc"}},
            "develop": {"pytest": {"version": "==7.4.0"}}}"#,
    );
    assert!(f.errors.is_empty(), "{:?}", f.errors);
    assert_eq!(spec_of(&f, "numpy").version.as_deref(), Some("1.26.4"));
    assert_eq!(spec_of(&f, "mylib").version, None);
    assert_eq!(spec_of(&f, "pytest").group.as_deref(), Some("dev"));
    let f = read("Pipfile.lock", "{\"default\": {\"numpy\": ");
    assert!(
        f.errors[0].starts_with("Pipfile.lock: line 1: not JSON"),
        "{:?}",
        f.errors
    );
    let f = read("Pipfile.lock", "[1, 2]");
    assert!(f.errors[0].contains("not a JSON object"));
}

#[test]
fn poetry_lock_versions() {
    let f = read(
        "poetry.lock",
        "[[package]]\nname = \"numpy\"\nversion = \"1.26.4\"\n\n\
         [[package]]\nname = \"pytest\"\nversion = \"7.4.0\"\ncategory = \"dev\"\n\n\
         [[package]]\nversion = \"1\"\n\n[metadata]\nlock-version = \"2.0\"\n",
    );
    assert_eq!(
        rows(&f)[0],
        (
            "poetry".into(),
            "numpy".into(),
            "1.26.4".into(),
            Some("1.26.4".into()),
            None
        )
    );
    assert_eq!(spec_of(&f, "pytest").group.as_deref(), Some("dev"));
    assert_eq!(f.errors.len(), 1);
    assert!(f.errors[0].contains("no name"));
}

#[test]
fn setup_py_read_as_text() {
    let f = read(
        "setup.py",
        "from setuptools import setup\n\
         setup(\n    name='x',\n    install_requires=[\n        'numpy>=1.20',  # fast\n\
         \x20       \"pandas==2.0.1\",\n        'tomli; python_version < \"3.11\"',\n    ],\n\
         \x20   extras_require={'test': ['pytest']},\n)\n",
    );
    assert!(f.errors.is_empty(), "{:?}", f.errors);
    assert_eq!(f.manager, "setuptools");
    assert_eq!(names(&f), ["numpy", "pandas", "tomli"]);
    assert_eq!(spec_of(&f, "pandas").version.as_deref(), Some("2.0.1"));

    let f = read("setup.py", "setup(install_requires=REQS)\n");
    assert!(f.packages.is_empty());
    assert!(f.notes[0].contains("not a literal list"), "{:?}", f.notes);
    let f = read("setup.py", "setup(install_requires=['numpy', get()])\n");
    assert_eq!(names(&f), ["numpy"]);
    assert!(f.notes[0].contains("more than plain strings"));
    let f = read("setup.py", "setup(install_requires=['numpy',\n");
    assert_eq!(names(&f), ["numpy"]);
    assert!(f.errors[0].contains("not closed"), "{:?}", f.errors);
    let f = read("setup.py", "print('no dependencies here')\n");
    assert!(f.packages.is_empty() && f.errors.is_empty());
}

#[test]
fn setup_cfg_install_requires_and_extras() {
    let f = read(
        "setup.cfg",
        "[metadata]\nname = x\n\n[options]\npackages = find:\ninstall_requires =\n    numpy>=1.20\n\
         \x20   requests==2.31.0\n    # a comment\n    tomli; python_version<\"3.11\"\n\
         python_requires = >=3.8\n\n[options.extras_require]\ntest =\n    pytest>=7\n",
    );
    assert!(f.errors.is_empty(), "{:?}", f.errors);
    assert_eq!(names(&f), ["numpy", "requests", "tomli", "pytest"]);
    assert_eq!(spec_of(&f, "requests").version.as_deref(), Some("2.31.0"));
    assert_eq!(spec_of(&f, "pytest").group.as_deref(), Some("test"));
    let f = read(
        "setup.cfg",
        "[options]\ninstall_requires = file: requirements.txt\n",
    );
    assert!(f.packages.is_empty());
    assert!(f.notes[0].contains("not followed"));
}

#[test]
fn renv_lock_and_description() {
    let f = read(
        "renv.lock",
        r#"{"R": {"Version": "4.3.1"}, "Packages": {
            "dplyr": {"Package": "dplyr", "Version": "1.1.3", "Source": "Repository"},
            "Rcpp": {"Package": "Rcpp", "Version": "1.0.11"}}}"#,
    );
    assert!(f.errors.is_empty(), "{:?}", f.errors);
    assert_eq!(f.manager, "renv");
    assert_eq!(
        rows(&f)[0],
        (
            "renv".into(),
            "Rcpp".into(),
            "1.0.11".into(),
            Some("1.0.11".into()),
            None
        )
    );
    let f = read("renv.lock", r#"{"Packages": [1]}"#);
    assert!(f.errors[0].contains("not an object"));

    let f = read(
        "pkg/DESCRIPTION",
        "Package: mypkg\nVersion: 0.1\nDepends: R (>= 3.5.0), methods\n\
         Imports:\n    dplyr (>= 1.0.0),\n    ggplot2,\n    data.table\n\
         Suggests: testthat (>= 3.0.0)\nLicense: MIT\n",
    );
    assert!(f.errors.is_empty(), "{:?}", f.errors);
    assert_eq!(f.manager, "r");
    assert_eq!(
        names(&f),
        ["methods", "dplyr", "ggplot2", "data.table", "testthat"]
    );
    assert_eq!(spec_of(&f, "dplyr").spec, ">=1.0.0");
    assert_eq!(spec_of(&f, "testthat").group.as_deref(), Some("Suggests"));
    let f = read("DESCRIPTION", "Imports: dplyr (>= 1.0\nnonsense line\n");
    assert_eq!(f.errors.len(), 2, "{:?}", f.errors);
    assert!(f.errors[0].contains("line 2"));
    assert!(f.errors[1].contains("line 1"));
}

#[test]
fn dockerfile_images_and_installs() {
    let f = read(
        "docker/Dockerfile",
        "# syntax=docker/dockerfile:1\n\
         FROM --platform=linux/amd64 python:3.11-slim AS build\n\
         RUN apt-get update && apt-get install -y --no-install-recommends \\\n\
         \x20   git \\\n    libpq-dev=15.4-1 \\\n    && rm -rf /var/lib/apt/lists/*\n\
         RUN pip install --no-cache-dir numpy==1.26.4 'pandas>=2' -r requirements.txt\n\
         RUN python -m pip install -U scipy\n\
         RUN conda install -y -c conda-forge xarray=2023.1\n\
         FROM build\n\
         FROM jupyter/scipy-notebook:2023-10-20\n\
         RUN [\"pip\", \"install\", \"rich\"]\n",
    );
    assert!(f.errors.is_empty(), "{:?}", f.errors);
    assert_eq!(f.manager, "docker");
    assert_eq!(
        f.base_images,
        ["python:3.11-slim", "jupyter/scipy-notebook:2023-10-20"]
    );
    let r = rows(&f);
    let got: Vec<(&str, &str, &str)> = r
        .iter()
        .map(|(m, n, s, _, _)| (m.as_str(), n.as_str(), s.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("apt", "git", ""),
            ("apt", "libpq-dev", "=15.4-1"),
            ("pip", "numpy", "==1.26.4"),
            ("pip", "pandas", ">=2"),
            ("pip", "scipy", ""),
            ("conda", "xarray", "=2023.1"),
            ("pip", "rich", ""),
        ]
    );
    assert_eq!(spec_of(&f, "libpq-dev").version.as_deref(), Some("15.4-1"));
    assert!(f.notes.iter().any(|n| n.contains("requirements.txt")));
    let f = read("Dockerfile", "FROM\n");
    assert!(f.errors[0].contains("line 1"));
}

#[test]
fn binary_garbage_and_huge_files_are_errors() {
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    for name in [
        "requirements.txt",
        "environment.yml",
        "pyproject.toml",
        "Pipfile",
        "Pipfile.lock",
        "poetry.lock",
        "setup.py",
        "setup.cfg",
        "renv.lock",
        "DESCRIPTION",
        "Dockerfile",
    ] {
        let f = read_file(name, &garbage);
        assert!(f.packages.is_empty(), "{name}");
        assert_eq!(f.errors.len(), 1, "{name}: {:?}", f.errors);
        assert!(f.errors[0].starts_with(name), "{:?}", f.errors);
        // Valid UTF-8 with NULs and controls.
        let f = read_file(name, b"\0\x01\x02numpy\x1b[31m\0");
        assert!(f.errors[0].contains("NUL"), "{name}");
        // Control characters alone: errors or nothing, never a panic.
        let _ = read_file(name, "\x1b]0;title\x07\r\n\u{9b}x\n".as_bytes());
    }
    let big = vec![b'a'; 5 << 20];
    let f = read_file("requirements.txt", &big);
    assert!(f.packages.is_empty());
    assert!(f.errors[0].contains("more than the 4 MB"), "{:?}", f.errors);
}

#[test]
fn many_bad_lines_keep_a_bounded_number_of_errors() {
    let text = "!bad\n".repeat(500);
    let f = read("requirements.txt", &text);
    assert_eq!(f.errors.len(), MAX_ERRORS + 1);
    assert!(f.errors.last().unwrap().contains("450 more errors"));
}

#[test]
fn the_diff_per_manager_and_file() {
    let old = Declared::from_files([
        (
            "requirements.txt".to_string(),
            b"numpy==1.24.0\nsix==1.16\nScikit_Learn>=1.2\n".to_vec(),
        ),
        (
            "setup.cfg".to_string(),
            b"[options]\ninstall_requires = a\n".to_vec(),
        ),
    ]);
    let new = Declared::from_files([
        (
            "requirements.txt".to_string(),
            b"numpy==1.26.4\nscikit-learn>=1.2\nscipy>=1.10\n".to_vec(),
        ),
        ("Dockerfile".to_string(), b"FROM python:3.11\n".to_vec()),
    ]);
    let d = diff(&old, &new);
    assert_eq!(d.files_added, ["Dockerfile"]);
    assert_eq!(d.files_removed, ["setup.cfg"]);
    let added: Vec<&str> = d.added.iter().map(|p| p.name.as_str()).collect();
    let removed: Vec<&str> = d.removed.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(added, ["scipy"]);
    assert_eq!(removed, ["six", "a"]);
    assert_eq!(d.changed.len(), 1);
    let c = &d.changed[0];
    assert_eq!(
        (c.name.as_str(), c.old_spec.as_str(), c.new_spec.as_str()),
        ("numpy", "==1.24.0", "==1.26.4")
    );
    assert_eq!(c.new_version.as_deref(), Some("1.26.4"));
    assert_eq!(
        d.summary(),
        "packages: 1 added, 2 removed, 1 changed; files: 1 added, 1 removed"
    );
    assert!(diff(&new, &new).is_empty());
    assert_eq!(diff(&new, &new).summary(), "no differences");
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["changed"][0]["old_spec"], "==1.24.0");
    assert_eq!(json["added"][0]["file"], "requirements.txt");
}

#[test]
fn unknown_names_are_not_read() {
    assert!(format_of("notes.txt").is_none());
    assert!(format_of("a/b/Requirements-Dev.TXT").is_some());
    assert!(format_of("description").is_none());
    let f = read_file("notes.txt", b"x");
    assert_eq!(f.errors.len(), 1);
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = "[".repeat(200_000);
    for (name, text) in [
        ("pyproject.toml", format!("x = {deep}")),
        ("Pipfile", format!("[packages]\nx = {deep}")),
        ("poetry.lock", format!("package = {deep}")),
        ("Pipfile.lock", deep.clone()),
        ("renv.lock", format!("{{\"Packages\": {deep}")),
        (
            "environment.yml",
            format!("dependencies:\n  - {}x", "- ".repeat(100_000)),
        ),
        ("Dockerfile", format!("RUN {deep}")),
        ("setup.py", format!("install_requires={deep}")),
    ] {
        let f = read(name, &text);
        assert!(f.packages.is_empty(), "{name}");
        // Errors, or (setup.py) a note that the list holds more than strings.
        assert!(
            !f.errors.is_empty() || !f.notes.is_empty() || name == "Dockerfile",
            "{name}"
        );
    }
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    const NAMES: [&str; 11] = [
        "requirements.txt",
        "environment.yml",
        "pyproject.toml",
        "Pipfile",
        "Pipfile.lock",
        "poetry.lock",
        "setup.py",
        "setup.cfg",
        "renv.lock",
        "DESCRIPTION",
        "Dockerfile",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn on_any_text(
            text in "([a-zA-Z0-9_.\\-=<>~!^*@#;:,\\[\\]{}()'\"\\\\/ \t\n]|é|\u{1b}|\r){0,300}",
            which in 0..NAMES.len(),
        ) {
            let name = NAMES[which];
            let f = read_file(name, text.as_bytes());
            prop_assert_eq!(f.path.as_str(), name);
            for e in &f.errors {
                prop_assert!(e.starts_with(name));
            }
        }

        #[test]
        fn on_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..300), which in 0..NAMES.len()) {
            let _ = read_file(NAMES[which], &bytes);
        }
    }
}
