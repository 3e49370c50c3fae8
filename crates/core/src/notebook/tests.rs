use super::*;

fn sources(nb: &Notebook) -> Vec<(CellKind, &str)> {
    nb.cells
        .iter()
        .map(|c| (c.kind, c.source.as_str()))
        .collect()
}

/// What JupyterLab writes for nbformat 4.5: ids, a kernelspec, outputs.
const V45: &[u8] = br##"{
 "cells": [
  {"cell_type": "markdown", "id": "m1", "metadata": {}, "source": ["# Title\n", "text"]},
  {"cell_type": "code", "execution_count": 3, "id": "c1", "metadata": {},
   "outputs": [
    {"name": "stdout", "output_type": "stream", "text": ["1\n", "2\n"]},
    {"data": {"text/plain": ["<Figure>"], "image/png": "AAAA"}, "metadata": {}, "output_type": "display_data"},
    {"ename": "NameError", "evalue": "x", "output_type": "error", "traceback": ["a", "b"]}
   ],
   "source": "import pandas as pd\r\nx = 1\n"},
  {"cell_type": "raw", "id": "", "metadata": {}, "source": []},
  {"cell_type": "code", "execution_count": null, "id": "c2", "metadata": {}, "outputs": [], "source": ""}
 ],
 "metadata": {
  "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
  "language_info": {"name": "python", "version": "3.8.0"}
 },
 "nbformat": 4,
 "nbformat_minor": 5
}"##;

#[test]
fn reads_nbformat_4_5_with_ids_kernel_and_outputs() {
    let nb = read(V45, Parts::All).unwrap();
    assert_eq!((nb.nbformat, nb.nbformat_minor), (Some(4), Some(5)));
    assert_eq!(nb.language(), Some("python"));
    assert_eq!(nb.kernel_name.as_deref(), Some("python3"));
    assert_eq!(
        sources(&nb),
        vec![
            (CellKind::Markdown, "# Title\ntext"),
            (CellKind::Code, "import pandas as pd\r\nx = 1\n"),
            (CellKind::Raw, ""),
            (CellKind::Code, ""),
        ]
    );
    let ids: Vec<Option<&str>> = nb.cells.iter().map(|c| c.id.as_deref()).collect();
    assert_eq!(ids, vec![Some("m1"), Some("c1"), None, Some("c2")]);
    let counts: Vec<Option<u64>> = nb.cells.iter().map(|c| c.execution_count).collect();
    assert_eq!(counts, vec![None, Some(3), None, None]);
    let outs = &nb.cells[1].outputs;
    assert_eq!(outs.len(), 3);
    assert_eq!(outs[0].text.as_deref(), Some("1\n2\n"));
    assert_eq!(
        outs[1].data,
        vec![
            ("image/png".to_string(), "AAAA".to_string()),
            ("text/plain".to_string(), "<Figure>".to_string()),
        ]
    );
    assert_eq!(outs[2].output_type.as_deref(), Some("error"));
    assert_eq!(outs[2].ename.as_deref(), Some("NameError"));
    assert_eq!(outs[2].traceback.as_deref(), Some("a\nb"));
    // Without outputs, the same notebook otherwise, by the scanner.
    let lean = read(V45, Parts::Sources).unwrap();
    assert_eq!(lean, scan::read(V45, true).unwrap());
    assert!(lean.cells.iter().all(|c| c.outputs.is_empty()));
    let mut full = nb.clone();
    // The scanner's digest is of the outputs' bytes, serde's of their value.
    assert!(full.cells.iter().zip(&lean.cells).all(|(f, l)| {
        (f.outputs_digest == 0) == (l.outputs_digest == 0) && f.has_error == l.has_error
    }));
    assert!(lean.cells.iter().any(|c| c.has_error));
    full.cells.iter_mut().for_each(|c| {
        c.outputs.clear();
        c.outputs_digest = 0;
    });
    let mut lean = lean;
    lean.cells.iter_mut().for_each(|c| c.outputs_digest = 0);
    assert_eq!(lean, full);
    let meta = read(V45, Parts::Metadata).unwrap();
    assert!(meta.cells.is_empty());
    assert_eq!(meta.language(), Some("python"));
}

#[test]
fn reads_nbformat_4_0_and_stripped_saves() {
    // nbformat 4.0 has no ids; nbstripout leaves counts null and outputs empty; jupytext
    // saves may have neither key, and a language only in language_info.
    let nb = br#"{"cells": [
        {"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [], "source": ["a = 1"]},
        {"cell_type": "code", "metadata": {}, "source": "b = 2"},
        {"cell_type": "markdown", "source": "note"}
    ], "metadata": {"language_info": {"name": "R"}}, "nbformat": 4, "nbformat_minor": 0}"#;
    for parts in [Parts::Sources, Parts::All] {
        let n = read(nb, parts).unwrap();
        assert_eq!(n.nbformat_minor, Some(0));
        assert_eq!(n.language(), Some("R"));
        assert!(
            n.cells
                .iter()
                .all(|c| c.id.is_none() && c.execution_count.is_none())
        );
        assert!(n.cells.iter().all(|c| c.outputs.is_empty()));
        assert_eq!(
            sources(&n),
            vec![
                (CellKind::Code, "a = 1"),
                (CellKind::Code, "b = 2"),
                (CellKind::Markdown, "note")
            ]
        );
    }
}

/// What IPython 2 wrote: nbformat 3, one worksheet.
const V3: &[u8] = br##"{
 "metadata": {"name": "", "signature": "sha256:0"},
 "nbformat": 3,
 "nbformat_minor": 0,
 "worksheets": [
  {"cells": [
    {"cell_type": "heading", "level": 2, "metadata": {}, "source": ["Load"]},
    {"cell_type": "code", "collapsed": false, "input": ["x = 1\n", "print(x)"], "language": "python",
     "metadata": {}, "outputs": [
       {"output_type": "stream", "stream": "stdout", "text": ["1\n"]},
       {"output_type": "pyout", "prompt_number": 2, "metadata": {}, "text": ["2"], "png": "AAAA"},
       {"output_type": "pyerr", "ename": "ValueError", "evalue": "bad", "traceback": ["t"]}
     ], "prompt_number": 2},
    {"cell_type": "markdown", "metadata": {}, "source": "Some *text*"},
    {"cell_type": "raw", "metadata": {}, "source": "raw"}
  ], "metadata": {}}
 ]
}"##;

#[test]
fn reads_nbformat_3_worksheets() {
    for parts in [Parts::Sources, Parts::All] {
        let nb = read(V3, parts).unwrap();
        assert_eq!(nb.nbformat, Some(3));
        assert_eq!(nb.language(), Some("python"));
        assert_eq!(
            sources(&nb),
            vec![
                (CellKind::Markdown, "## Load"),
                (CellKind::Code, "x = 1\nprint(x)"),
                (CellKind::Markdown, "Some *text*"),
                (CellKind::Raw, "raw"),
            ]
        );
        assert_eq!(nb.cells[1].execution_count, Some(2));
        assert!(nb.cells.iter().all(|c| c.id.is_none()));
    }
    let nb = read(V3, Parts::All).unwrap();
    let outs = &nb.cells[1].outputs;
    let types: Vec<Option<&str>> = outs.iter().map(|o| o.output_type.as_deref()).collect();
    assert_eq!(
        types,
        vec![Some("stream"), Some("execute_result"), Some("error")]
    );
    assert_eq!(outs[0].text.as_deref(), Some("1\n"));
    assert_eq!(outs[1].text, None);
    assert_eq!(
        outs[1].data,
        vec![
            ("image/png".to_string(), "AAAA".to_string()),
            ("text/plain".to_string(), "2".to_string()),
        ]
    );
    assert_eq!(outs[2].ename.as_deref(), Some("ValueError"));
    assert_eq!(
        read(V3, Parts::Metadata).unwrap().language(),
        Some("python")
    );
}

#[test]
fn malformed_notebooks_say_why_and_odd_fields_are_none() {
    use NotebookError::*;
    for (bytes, why) in [
        (&b"{not json"[..], None),
        (b"[1,2]", Some(NotAnObject)),
        (b"{\"cells\": 3}", Some(CellsNotAList)),
        (b"{\"worksheets\": []}", Some(WorksheetsWithoutVersion)),
        (b"{\"nbformat\": 3, \"worksheets\": 1}", Some(BadWorksheets)),
        (b"{\"nbformat\": 4}", Some(NoCells)),
        (b"{\"cells\": [5]}", Some(CellNotAnObject(1))),
        (b"{\"cells\": [{}, {\"source\": 5}]}", Some(BadSource(2))),
    ] {
        for parts in [Parts::Sources, Parts::All] {
            let e = read(bytes, parts).unwrap_err();
            match &why {
                Some(w) => assert_eq!(&e, w),
                None => assert!(matches!(e, NotJson(_))),
            }
        }
    }
    assert!(WorksheetsWithoutVersion.to_string().contains("nbformat 3"));
    assert_eq!(read(b" \n", Parts::All).unwrap(), Notebook::default());
    // Ids that are not non-empty strings and counts that are not counts are no id, no count.
    let odd = br#"{"cells": [{"cell_type": 7, "id": 3, "execution_count": -1, "source": null},
        {"cell_type": "code", "id": "", "execution_count": 1.5}], "metadata": {"kernelspec": "x"}}"#;
    let nb = read(odd, Parts::Sources).unwrap();
    assert_eq!(nb.cells.len(), 2);
    assert_eq!(nb.cells[0].kind, CellKind::Unknown);
    assert!(
        nb.cells
            .iter()
            .all(|c| c.id.is_none() && c.execution_count.is_none())
    );
    assert_eq!(nb.language(), None);
    // The kernel is read even where the cells are not.
    let lang = br#"{"cells": 5, "metadata": {"kernelspec": {"name": "ir"}}}"#;
    assert_eq!(read(lang, Parts::Metadata).unwrap().language(), Some("ir"));
}

#[test]
fn the_scanner_agrees_with_serde_or_leaves_it_to_serde() {
    let cases: [&[u8]; 16] = [
        b"",
        b"[1,2]",
        b"{\"cells\": 5}",
        b"{}",
        b"{\"cells\": []} x",
        b"{\"cells\": [], \"cells\": []}",
        b"{\"cells\": [{\"cell_type\": \"code\", \"source\": null}]}",
        b"{\"cells\": [{\"cell_type\": \"code\", \"execution_count\": -1}]}",
        b"{\"cells\": [{\"cell_type\": \"code\", \"execution_count\": 1.5}]}",
        b"{\"cells\": [{\"cell_type\": \"code\", \"source\": \"a\x01\"}]}",
        br##" { "a" : [1, {"b": "\"}"}], "cells" : [ { "cell_type" : "code" , "id" : null ,
             "execution_count" : 7, "outputs": [{"text": ["x\n", "]"]}],
             "source" : ["a\n", "\u00e9\t\"q\"\\"] } ], "nbformat": 4 } "##,
        br##"{"cells": [{"cell_type": "markdown", "source": "# t"},
             {"cell_type": "code", "id": "x1", "execution_count": null, "source": "y = 2\r\n"}]}"##,
        br#"{"cells": [], "metadata": {"kernelspec": {"name": "a", "name": "b"}}}"#,
        br#"{"cells": [], "metadata": {"kernelspec": {"language": 3, "name": "julia"}, "language_info": []}}"#,
        br#"{"cells": [], "nbformat": "4", "nbformat_minor": 4.0}"#,
        br#"{"cells": [{"id": "", "cell_type": "heading"}], "metadata": null, "nbformat": 4}"#,
    ];
    for case in cases {
        for (parts, cells) in [(Parts::Sources, true), (Parts::Metadata, false)] {
            let fast = scan::read(case, cells);
            // Digests are compared within one reader only (see `Cell::outputs_digest`).
            let plain = |nb: Option<Notebook>| {
                nb.map(|mut nb| {
                    nb.cells.iter_mut().for_each(|c| c.outputs_digest = 0);
                    nb
                })
            };
            let slow = with_serde(case, parts);
            if let Some(f) = plain(fast) {
                assert_eq!(
                    Some(f),
                    plain(slow.clone().ok()),
                    "{}",
                    String::from_utf8_lossy(case)
                );
            }
            assert_eq!(plain(read(case, parts).ok()), plain(slow.ok()));
        }
    }
    let tricky = scan::read(cases[10], true).unwrap();
    assert_eq!(tricky.cells[0].source, "a\né\t\"q\"\\");
    assert_eq!(tricky.cells[0].execution_count, Some(7));
    assert_eq!(
        scan::read(cases[13], true).unwrap().language(),
        Some("julia")
    );
}

#[test]
fn cut_off_notebooks_never_panic() {
    for whole in [V45, V3] {
        for cut in 0..whole.len() {
            for parts in [Parts::Metadata, Parts::Sources, Parts::All] {
                let _ = read(&whole[..cut], parts);
            }
        }
    }
}

#[test]
fn normalize_unifies_line_ends_and_trailing_space() {
    assert_eq!(normalize("a\r\nb\n\n  "), "a\nb");
    assert_eq!(normalize("  a"), "  a");
}
