//! Fitting text into a number of terminal columns.

use unicode_truncate::UnicodeTruncateStr;
use unicode_width::UnicodeWidthStr;

/// Cuts a string to `width` columns, marking the cut with `…`.
pub fn truncate(s: &str, width: usize) -> String {
    truncate_mark(s, width, false)
}

/// Cuts a string to `width` columns, marking the cut with `…` or, in ASCII mode, `~`.
/// Whole grapheme clusters are kept or dropped (unicode-truncate, which
/// ratatui lays text out with), so an emoji sequence is never cut in two
/// and `❤️` counts the two columns it takes.
pub fn truncate_mark(s: &str, width: usize, ascii: bool) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    let (kept, _) = s.unicode_truncate(width.saturating_sub(1));
    let mut out = kept.to_string();
    out.push(if ascii { '~' } else { '…' });
    out
}

/// The line of a cell's source that says most about it, to stand for the
/// cell in a list: the first one that is not blank, a comment, or a bare
/// block opener like `try:` (else the first non-blank line).
pub fn gist(source: &str) -> &str {
    let lines = || source.lines().map(str::trim).filter(|l| !l.is_empty());
    lines()
        .find(|l| {
            // `try:`, `else:`, `finally:` open a block and say nothing.
            let opener = l.ends_with(':') && !l.contains(' ');
            !l.starts_with('#') && !opener
        })
        .or_else(|| lines().next())
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gist_of_a_cell() {
        assert_eq!(
            gist("try:\n    coef = fit(x)\nexcept E:\n    pass"),
            "coef = fit(x)"
        );
        assert_eq!(gist("# load\n\ndf = read()"), "df = read()");
        assert_eq!(gist("# only a comment"), "# only a comment");
        assert_eq!(gist(""), "");
    }

    #[test]
    fn cuts_by_columns_not_chars() {
        assert_eq!(truncate("Alice Example", 20), "Alice Example");
        assert_eq!(truncate("Alice Example", 6), "Alice…");
        // Wide characters take two columns each.
        assert_eq!(truncate("数据分析师", 6), "数据…");
        assert_eq!(truncate_mark("abcdef", 4, true), "abc~");
        assert_eq!(truncate("", 0), "");
        // Grapheme clusters stay whole and count what they take.
        assert_eq!(
            truncate("❤\u{fe0f}❤\u{fe0f}❤\u{fe0f} love", 3),
            "❤\u{fe0f}…"
        );
        let family = "👨\u{200d}👩\u{200d}👧";
        assert_eq!(
            truncate(&format!("{family}{family}"), 3),
            format!("{family}…")
        );
        assert_eq!(truncate("🇩🇪🇫🇷", 3), "🇩🇪…");
        for w in 0..12 {
            let cut = truncate("❤\u{fe0f}a👨\u{200d}👩\u{200d}👧🇩🇪数据 é", w);
            assert!(cut.width() <= w.max(1), "{w}: {cut:?}");
        }
    }
}
