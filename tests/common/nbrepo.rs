//! A small plain-git repository of notebooks for the notebook TUI's tests: fixed authors and
//! times, so hashes and screens do not change between runs.

// Each test file uses some of these helpers.
#![allow(dead_code)]

use std::path::Path;

use serde_json::{Value, json};

/// A code cell: id, source, execution count, outputs.
pub fn code(id: &str, source: &str, count: Option<u64>, outputs: Value) -> Value {
    json!({"cell_type": "code", "id": id, "metadata": {}, "source": source,
        "execution_count": count, "outputs": outputs})
}

pub fn markdown(id: &str, source: &str) -> Value {
    json!({"cell_type": "markdown", "id": id, "metadata": {}, "source": source})
}

pub fn stream(text: &str) -> Value {
    json!({"output_type": "stream", "name": "stdout", "text": text})
}

pub fn notebook(cells: &[Value]) -> Vec<u8> {
    let nb = json!({"cells": cells, "nbformat": 4, "nbformat_minor": 5, "metadata": {
        "kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}}});
    serde_json::to_vec_pretty(&nb).unwrap()
}

/// One commit: files written (`None`: removed), message, seconds after the first commit.
pub fn commit(repo: &git2::Repository, files: &[(&str, Option<Vec<u8>>)], message: &str, at: i64) {
    let root = repo.workdir().unwrap().to_path_buf();
    let mut index = repo.index().unwrap();
    for (path, content) in files {
        let full = root.join(path);
        match content {
            Some(c) => {
                std::fs::create_dir_all(full.parent().unwrap()).unwrap();
                std::fs::write(&full, c).unwrap();
                index.add_path(Path::new(path)).unwrap();
            }
            None => {
                std::fs::remove_file(&full).unwrap();
                index.remove_path(Path::new(path)).unwrap();
            }
        }
    }
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let time = git2::Time::new(1_700_000_000 + at, 0);
    let who = if at % 2 == 0 {
        git2::Signature::new("Ada Lovelace", "ada@example.org", &time).unwrap()
    } else {
        git2::Signature::new("Grace Hopper", "grace@example.org", &time).unwrap()
    };
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    repo.commit(Some("HEAD"), &who, &who, message, &tree, &parents)
        .unwrap();
}

/// Four commits: a notebook added, a data file, the notebook edited and re-run with a new
/// error and a picture, a second notebook.
pub fn write(dir: &Path) {
    let repo = git2::Repository::init(dir).unwrap();
    let intro = markdown("intro", "# Analysis\nHow the numbers move.");
    let first = vec![
        intro.clone(),
        code(
            "load",
            "import math\nx = 1",
            Some(1),
            json!([stream("loaded\n")]),
        ),
        code("show", "print(x)", Some(2), json!([stream("1\n")])),
    ];
    commit(
        &repo,
        &[("analysis.ipynb", Some(notebook(&first)))],
        "Start the analysis",
        0,
    );
    commit(
        &repo,
        &[(
            "data/readme.txt",
            Some(b"where the data comes from\n".to_vec()),
        )],
        "Describe the data",
        3600,
    );
    let error = json!({"output_type": "error", "ename": "ZeroDivisionError",
        "evalue": "division by zero",
        "traceback": ["\u{1b}[0;31mZeroDivisionError\u{1b}[0m: division by zero"]});
    let picture = json!({"output_type": "display_data", "metadata": {},
        "data": {"image/png": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
            "text/plain": "<Figure size 640x480>"}});
    let second = vec![
        intro,
        code(
            "load",
            "import math\nx = 2\ny = math.sqrt(x)",
            Some(3),
            json!([stream("loaded\n")]),
        ),
        code("show", "print(x)", Some(4), json!([stream("2\n")])),
        code("ratio", "x / 0", Some(5), json!([error])),
        code("plot", "plot(x, y)", Some(6), json!([picture])),
    ];
    commit(
        &repo,
        &[("analysis.ipynb", Some(notebook(&second)))],
        "Try a larger x\n\nThe ratio fails for now.",
        7201,
    );
    let plots = vec![code("p1", "import matplotlib", None, json!([]))];
    commit(
        &repo,
        &[("plots/figures.ipynb", Some(notebook(&plots)))],
        "Add a notebook for figures",
        10800,
    );
}

/// One commit whose message, author, path, source and outputs carry escape sequences.
pub fn write_hostile(dir: &Path) {
    let repo = git2::Repository::init(dir).unwrap();
    let cells = vec![
        markdown("m", "# \u{1b}]0;owned\u{7}title"),
        code(
            "c",
            "print('\u{1b}[2J')\u{9b}31m",
            Some(1),
            json!([stream("\u{1b}]52;c;aGk=\u{7}clipboard\n"),
                {"output_type": "error", "ename": "E\u{1b}[8m", "evalue": "v\u{7}",
                 "traceback": ["\u{1b}]0;x\u{7}tb"]}]),
        ),
    ];
    commit(
        &repo,
        &[
            ("evil\u{1b}[31m.ipynb", Some(notebook(&cells))),
            (
                "requirements.txt",
                Some(
                    "pan\u{1b}]0;t\u{7}das==1.\u{1b}[2J0\nnumpy>=1\u{9b}\n"
                        .as_bytes()
                        .to_vec(),
                ),
            ),
            (
                "environment.yml",
                Some(b"name: x\ndependencies:\n  - sci\x1b[8mpy=1.\x07\n".to_vec()),
            ),
        ],
        "message \u{1b}]0;title\u{7} here",
        0,
    );
}

/// A `w`×`h` PNG of one colour, as base64 the way a notebook keeps it.
pub fn png_base64(w: u32, h: u32, rgb: [u8; 3]) -> String {
    use base64::Engine as _;
    let img = image::RgbImage::from_pixel(w, h, image::Rgb(rgb));
    let mut bytes = std::io::Cursor::new(Vec::new());
    img.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
    base64::engine::general_purpose::STANDARD.encode(bytes.into_inner())
}

fn picture_output(base64: &str) -> Value {
    json!([{"output_type": "display_data", "metadata": {},
        "data": {"image/png": base64, "text/plain": "<Figure size 640x480>"}}])
}

/// Four commits around one plotting cell whose code never changes: drawn red; then the
/// environment and a data file change; then the same code draws blue (and a note is added);
/// then the picture is saved broken. For the cell screen's pictures and "why".
pub fn write_pictures(dir: &Path) {
    let repo = git2::Repository::init(dir).unwrap();
    let load = code(
        "load",
        "import random\nx = random.random()",
        Some(1),
        json!([]),
    );
    let plot = |count: u64, picture: &str| {
        code(
            "plot",
            "plot(x)\nshow()",
            Some(count),
            picture_output(picture),
        )
    };
    let red = png_base64(8, 4, [220, 40, 40]);
    let blue = png_base64(8, 4, [40, 40, 220]);
    commit(
        &repo,
        &[(
            "plots.ipynb",
            Some(notebook(&[load.clone(), plot(2, &red)])),
        )],
        "Plot x",
        0,
    );
    commit(
        &repo,
        &[
            ("requirements.txt", Some(b"matplotlib==3.8\n".to_vec())),
            ("data/values.csv", Some(b"x\n1\n".to_vec())),
        ],
        "Pin matplotlib, add the values",
        3600,
    );
    let note = markdown("note", "Blue now.");
    commit(
        &repo,
        &[(
            "plots.ipynb",
            Some(notebook(&[load.clone(), plot(3, &blue), note.clone()])),
        )],
        "Plot again",
        7201,
    );
    commit(
        &repo,
        &[(
            "plots.ipynb",
            Some(notebook(&[load, plot(4, "iVBORw0KGgo%%%%"), note])),
        )],
        "Save a broken picture",
        10800,
    );
}
