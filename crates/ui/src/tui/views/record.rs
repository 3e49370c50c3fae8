//! The record pane: a record's header and its details (code, outputs,
//! pictures, files, packages), built once per record and width.

use super::*;

/// A picture drawn with a terminal graphics protocol over lines of the
/// record pane (which hold its half-block version underneath).
#[derive(Debug, Clone)]
pub struct Slot {
    /// First line of the pane text it covers.
    pub line: usize,
    pub cols: u16,
    pub rows: u16,
    /// Names the encoded picture: image hash, cell size and protocol.
    pub key: String,
    pub source: ImageSource,
}

/// Where an image's bytes are: content entry `content` of detail `detail`.
#[derive(Debug, Clone)]
pub struct ImageSource {
    pub prepared: Arc<Prepared>,
    pub detail: usize,
    pub content: usize,
}

impl ImageSource {
    pub fn bytes(&self) -> Option<&[u8]> {
        match self
            .prepared
            .details
            .get(self.detail)?
            .content
            .get(self.content)?
        {
            Content::Image { image, .. } => Some(&image.data),
            _ => None,
        }
    }
}

/// What the record pane shows for one record at one width: built once,
/// drawn from until something it depends on changes (a long cell has
/// thousands of styled lines; rebuilding them per key press cost more than
/// the rest of the frame).
pub struct DetailView {
    key: ViewKey,
    pub lines: Vec<Line<'static>>,
    pub slots: Vec<Slot>,
    /// Each line's gutter in spans, for cutting it sideways (see `linewrap::cut`).
    pub gutters: Vec<usize>,
    /// The first line drawn of each line built (they differ where lines wrap).
    pub first: Vec<usize>,
    /// Where the search query is in the text: line, and column when lines are kept whole.
    pub matches: Vec<(usize, usize)>,
    /// Columns of the widest line after its gutter.
    pub widest: usize,
}

/// Everything a [`DetailView`] is built from besides the fixed settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ViewKey {
    commit: git2::Oid,
    width: usize,
    height: usize,
    /// Which preparation of the record's details (none yet: `None`).
    prepared: Option<usize>,
    expanded: bool,
    show_hidden: bool,
    query: String,
    protocol: Protocol,
    wrap: bool,
}

pub(super) fn view_key(
    look: &Look<'_>,
    pane: &RecordPane<'_>,
    commit: git2::Oid,
    width: usize,
) -> ViewKey {
    let prepared = match pane.details.peek(&commit) {
        Some(Details::Ready(p)) => Some(Arc::as_ptr(p) as usize),
        _ => None,
    };
    ViewKey {
        commit,
        width,
        height: pane.height,
        prepared,
        expanded: pane.expanded,
        show_hidden: pane.show_hidden,
        query: pane.query.to_string(),
        protocol: look.protocol,
        wrap: pane.wrap,
    }
}

/// The record pane's view for `row` at `width`, from the app's cache when
/// it is still current (the record is unpacked only to build a new one).
pub fn detail_view(app: &App, row: RowRef, width: usize) -> Arc<DetailView> {
    pane_view(&app.look(), &record_pane(app), row, width)
}

/// What the record pane is drawn from besides the [`Look`]: the selected
/// record, the details decoded so far, how they are shown, and the view
/// last built (reused while still current).
pub struct RecordPane<'a> {
    pub row: Option<RowRef<'a>>,
    pub details: &'a SizedLru<git2::Oid, Details>,
    /// The search query, marked in the text.
    pub query: &'a str,
    /// Long outputs shown whole.
    pub expanded: bool,
    pub show_hidden: bool,
    /// Lines the pane has room for (no picture is taller).
    pub height: usize,
    /// Pictures in 24-bit colour (else the 256 palette).
    pub truecolor: bool,
    pub scroll: usize,
    /// Long lines wrap (else they are cut, and the pane scrolls sideways by `hscroll`).
    pub wrap: bool,
    pub hscroll: usize,
    pub focused: bool,
    pub cache: &'a std::cell::RefCell<Option<Arc<DetailView>>>,
}

/// The view of `row` at `width`, from the pane's cache when still current.
pub(super) fn pane_view(
    look: &Look<'_>,
    pane: &RecordPane<'_>,
    row: RowRef,
    width: usize,
) -> Arc<DetailView> {
    let key = view_key(look, pane, row.commit(), width);
    if let Some(v) = pane.cache.borrow().as_ref()
        && v.key == key
    {
        return Arc::clone(v);
    }
    let mut sink = Sink::default();
    build_detail(look, pane, &row.to_row(), width, &mut sink);
    let how = linewrap::Layout {
        width,
        wrap: pane.wrap,
        marker: Span::styled(continuation_marker(look.ascii), look.theme.dim),
        query: pane.query,
        hit: look.theme.search_match,
    };
    let gutter = |i: usize| {
        if sink.pictures.binary_search(&i).is_ok() {
            // All gutter: kept whole.
            usize::MAX
        } else {
            usize::from(sink.gutters.binary_search(&i).is_ok())
        }
    };
    let laid = linewrap::lay_out(std::mem::take(&mut sink.lines), gutter, &how);
    let mut slots = sink.slots;
    for s in &mut slots {
        s.line = laid.first.get(s.line).copied().unwrap_or(s.line);
    }
    let view = Arc::new(DetailView {
        key,
        lines: laid.lines,
        slots,
        gutters: laid.gutters,
        first: laid.first,
        matches: laid.matches,
        widest: laid.widest,
    });
    *pane.cache.borrow_mut() = Some(Arc::clone(&view));
    view
}

/// The lines of the detail pane for a record (header, then its details).
pub fn detail_lines(app: &App, row: &RecordRow, width: usize) -> Vec<Line<'static>> {
    let mut sink = Sink::default();
    build_detail(&app.look(), &record_pane(app), row, width, &mut sink);
    sink.lines
}

#[derive(Default)]
pub(super) struct Sink {
    lines: Vec<Line<'static>>,
    slots: Vec<Slot>,
    /// The lines that begin with a gutter (a line number), in order.
    gutters: Vec<usize>,
    /// The lines of pictures, in order: never wrapped nor moved sideways (the picture
    /// drawn over them by a graphics protocol stays where it is).
    pictures: Vec<usize>,
}

impl Sink {
    fn push_picture(&mut self, lines: Vec<Line<'static>>) {
        for l in lines {
            self.pictures.push(self.lines.len());
            self.lines.push(l);
        }
    }
}

impl std::ops::Deref for Sink {
    type Target = Vec<Line<'static>>;
    fn deref(&self) -> &Self::Target {
        &self.lines
    }
}

impl std::ops::DerefMut for Sink {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.lines
    }
}

pub(super) fn build_detail(
    look: &Look<'_>,
    pane: &RecordPane<'_>,
    row: &RecordRow,
    width: usize,
    out: &mut Sink,
) {
    let t = look.theme;
    let r = &row.record;
    let q = pane.query;
    let kind = r.meta.kind.known_name().unwrap_or("unknown");
    let mut head = vec![Span::styled(
        format!("{} {kind}  ", glyph(r.meta.kind, look.ascii)),
        t.record_type(r.meta.kind).add_modifier(Modifier::BOLD),
    )];
    head.extend(highlight(
        &sanitize::line(&r.message),
        q,
        t.title,
        t.search_match,
    ));
    out.push(Line::from(head));
    // Authors, dates and hashes are searched too: the marks show where (see `linewrap::mark`).
    out.push(Line::from(vec![
        Span::styled(
            format!(
                "{} <{}>",
                sanitize::line(&row.author),
                sanitize::line(&row.email)
            ),
            Style::default().fg(t.author_color(&row.author)),
        ),
        Span::styled(
            format!("  {}", timefmt::local_full(row.time, row.tz_minutes)),
            t.dim,
        ),
    ]));
    let mut facts = format!("commit {}", short_id(row.commit));
    if !r.meta.linked_commit.is_empty() {
        facts.push_str(&format!(
            "  linked {}",
            truncate_mark(&sanitize::line(&r.meta.linked_commit), 12, look.ascii)
        ));
    }
    if !r.meta.tags.is_empty() {
        facts.push_str(&format!(
            "  tags {}",
            sanitize::line(&r.meta.tags.join(", "))
        ));
    }
    if !r.meta.show {
        facts.push_str("  (hidden record)");
    }
    out.push(Line::styled(facts, t.dim));
    if let Some(Details::Ready(prep)) = pane.details.peek(&row.commit)
        && let Some(sum) = &prep.env_summary
    {
        out.push(Line::from(vec![
            Span::styled("changed  ", t.dim),
            Span::styled(plain(sum, look.ascii), t.badge),
        ]));
    }
    for e in &r.errors {
        out.push(Line::styled(format!("error: {e}"), t.error));
    }
    if r.details.is_empty() && r.meta.kind == RecordKind::Code {
        out.push(Line::raw(""));
        out.push(Line::styled(
            "ignored cell: nothing was recorded (its code had # gtm:ignore)",
            t.hidden,
        ));
        return;
    }
    let prep = match pane.details.peek(&row.commit) {
        Some(Details::Ready(p)) => Arc::clone(p),
        _ => {
            out.push(Line::raw(""));
            out.push(Line::styled(plain("decoding details…", look.ascii), t.dim));
            return;
        }
    };
    let mut hidden = 0;
    for idx in order_details(&r.details, &prep.details) {
        let (Some(line), Some(d)) = (r.details.get(idx), prep.details.get(idx)) else {
            continue;
        };
        let code = line.kind == DetailKind::CodeExecuted;
        if !line.show && !code && !pane.show_hidden {
            // Every chunk of a hidden stream counts: the pane says how many details it hides.
            hidden += 1;
            continue;
        }
        let stream = prep.streams.get(idx).unwrap_or(&Stream::Alone);
        if matches!(stream, Stream::Member) {
            // Drawn in its run's block, under the first chunk's heading.
            continue;
        }
        out.push(Line::raw(""));
        out.push(detail_heading(look, line, d));
        for e in &d.errors {
            out.push(Line::styled(format!("error: {e}"), t.error));
        }
        let bodies = match stream {
            Stream::Head { body, .. } => std::slice::from_ref(body),
            _ => prep.bodies.get(idx).map(Vec::as_slice).unwrap_or(&[]),
        };
        for (j, (c, body)) in d.content.iter().zip(bodies).enumerate() {
            let source = ImageSource {
                prepared: Arc::clone(&prep),
                detail: idx,
                content: j,
            };
            push_body(look, pane, out, c, body, width, source);
        }
    }
    if hidden > 0 {
        out.push(Line::raw(""));
        let key = look
            .keys
            .keys_for(crate::tui::keymap::Action::ToggleHidden)
            .first()
            .map(|k| k.display())
            .unwrap_or_else(|| ".".into());
        out.push(Line::styled(
            format!("{hidden} hidden detail(s): press {key} to show"),
            t.hidden,
        ));
    }
}

/// Turns styled runs into a line, or, when the search query is in it, the
/// plain text with the matches marked (search wins over syntax colour).
/// The runs' colours (24-bit from the highlighter and from outputs' escape
/// codes) are brought down to `depth`, as the theme's already are.
pub(super) fn runs_line(
    runs: &[(Style, String)],
    (base, depth): (Style, ColorDepth),
    q: &str,
    hit: Style,
    prefix: Vec<Span<'static>>,
) -> Line<'static> {
    let mut spans = prefix;
    let text: String = runs.iter().map(|(_, s)| s.as_str()).collect();
    if !q.is_empty() && crate::tui::filter::contains_ci(&text, q) {
        spans.extend(highlight(&expand_tabs(&text), q, base, hit));
    } else {
        spans.extend(runs.iter().map(|(st, s)| {
            let st = if depth == ColorDepth::TrueColor {
                *st
            } else {
                adapt_style(*st, depth)
            };
            Span::styled(expand_tabs(s), base.patch(st))
        }));
    }
    Line::from(spans)
}

/// The lines of one content entry.
pub(super) fn push_body(
    look: &Look<'_>,
    pane: &RecordPane<'_>,
    out: &mut Sink,
    c: &Content,
    body: &Body,
    width: usize,
    source: ImageSource,
) {
    let t = look.theme;
    let q = pane.query;
    match body {
        Body::Code(lines) => {
            let w = lines.len().max(1).to_string().len();
            let bar = if look.ascii { "|" } else { "│" };
            for (i, runs) in lines.iter().enumerate() {
                let prefix = vec![Span::styled(format!("{:>w$} {bar} ", i + 1), t.line_number)];
                out.gutters.push(out.lines.len());
                out.push(runs_line(
                    runs,
                    (t.code, look.depth),
                    q,
                    t.search_match,
                    prefix,
                ));
            }
        }
        Body::Output { lines, truncated } => {
            let key = key_label(look.keys, crate::tui::keymap::Action::ToggleFold, "z");
            let (shown, summary) = fold_view(lines, pane.expanded, &key, t.dim);
            for runs in shown.iter().chain(&summary) {
                out.push(runs_line(
                    runs,
                    (t.output, look.depth),
                    q,
                    t.search_match,
                    Vec::new(),
                ));
            }
            if *truncated {
                out.push(Line::styled(
                    plain(
                        "⋯ <result truncated>: Gigantum kept only the first 64 kB",
                        look.ascii,
                    ),
                    t.warning,
                ));
            }
        }
        Body::Markdown(md) => {
            let styles = MdStyles {
                text: t.text,
                heading: t.title,
                emphasis: t.text.add_modifier(Modifier::ITALIC),
                strong: t.text.add_modifier(Modifier::BOLD),
                code: t.code,
                link: t.badge,
                quote: t.dim,
                rule: t.dim,
                bullet: t.badge,
            };
            for runs in render_markdown(md, width.max(10), &styles, look.ascii) {
                out.push(runs_line(
                    &runs,
                    (t.text, look.depth),
                    q,
                    t.search_match,
                    Vec::new(),
                ));
            }
        }
        Body::Image(result) => {
            if let Content::Image { image, .. } = c {
                out.push(Line::styled(
                    format!(
                        "[{} image {}{}{}, {}]",
                        image.format.name(),
                        image.width,
                        if look.ascii { "x" } else { "×" },
                        image.height,
                        human_bytes(image.data.len() as u64)
                    ),
                    t.badge,
                ));
            }
            match result {
                Ok(p) => {
                    let cols = u16::try_from(width.min(64)).unwrap_or(64);
                    // No taller than the pane, so that it can be seen whole.
                    let room = u16::try_from(pane.height).unwrap_or(u16::MAX);
                    let rows = (cols / 3).min(room).max(4);
                    match look.protocol {
                        Protocol::Off => {}
                        Protocol::Halfblocks => {
                            out.push_picture(halfblocks(p, cols, rows, !pane.truecolor));
                        }
                        proto @ (Protocol::Kitty | Protocol::Iterm | Protocol::Sixel) => {
                            // The half-blocks stay underneath: they show while the
                            // picture is being encoded or only partly scrolled in.
                            let (w, h) = fit_cells(p, proto, cols, rows);
                            let mut base = halfblocks(p, w, h, !pane.truecolor);
                            base.resize(usize::from(h), Line::raw(""));
                            if let Content::Image { image, .. } = c {
                                out.slots.push(Slot {
                                    line: out.lines.len(),
                                    cols: w,
                                    rows: h,
                                    key: format!("{}@{w}x{h}:{}", image.sha256, proto.name()),
                                    source,
                                });
                            }
                            out.push_picture(base);
                        }
                    }
                }
                Err(e) => out.push(Line::styled(format!("error: image: {e}"), t.error)),
            }
        }
        Body::Other => {
            if let Content::Binary { mime, len } = c {
                out.push(Line::styled(
                    format!("[{mime}: {}]", human_bytes(*len as u64)),
                    t.dim,
                ));
            }
        }
    }
}

pub(super) fn detail_heading(look: &Look<'_>, line: &DetailRef, d: &Detail) -> Line<'static> {
    let t = look.theme;
    let ex = d
        .tags
        .iter()
        .find_map(|t| t.strip_prefix("ex:"))
        .map(str::to_string);
    let label = match (line.kind, ex) {
        (DetailKind::CodeExecuted, Some(n)) => format!("In [{n}]"),
        (DetailKind::CodeExecuted, None) => "Code".into(),
        (DetailKind::Result, Some(n)) => format!("Out [{n}]"),
        (DetailKind::Result, None) => "Output".into(),
        (DetailKind::Unknown(n), _) => format!("detail type {n}"),
        (k, _) => k.name().replace('_', " "),
    };
    let rule = if look.ascii { "-" } else { "─" };
    let mut s = format!("{rule}{rule} {label}");
    if !line.show && line.kind != DetailKind::CodeExecuted {
        s.push_str(" (hidden)");
    }
    s.push(' ');
    Line::styled(s, t.title)
}

pub(super) fn expand_tabs(s: &str) -> String {
    if s.contains('\t') {
        s.replace('\t', "    ")
    } else {
        s.to_string()
    }
}

/// What begins a wrapped line's continuation.
pub fn continuation_marker(ascii: bool) -> &'static str {
    if ascii {
        linewrap::MARKER_ASCII
    } else {
        linewrap::MARKER
    }
}

/// What a pane's title says in sideways mode: that lines are cut, and how far the pane is
/// scrolled (`cut → col 41/5000`: the first column shown, of the widest line's).
pub fn sideways_note(hscroll: usize, widest: usize, ascii: bool) -> String {
    plain(
        &format!("cut → col {}/{}", hscroll + 1, widest.max(1)),
        ascii,
    )
}

pub(super) fn render_detail(look: &Look<'_>, pane: &RecordPane<'_>, f: &mut Frame, area: Rect) {
    let width = usize::from(pane_block(look, String::new(), false).inner(area).width);
    let view = pane.row.map(|row| pane_view(look, pane, row, width));
    let title = match &view {
        Some(v) if !pane.wrap => plain(
            &format!(
                " Record · {} ",
                sideways_note(pane.hscroll, v.widest, look.ascii)
            ),
            look.ascii,
        ),
        _ => " Record ".into(),
    };
    let block = pane_block(look, title, pane.focused);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(view) = view else {
        return;
    };
    let total = view.lines.len();
    let scroll = pane.scroll.min(total.saturating_sub(1));
    let shown = view
        .lines
        .iter()
        .enumerate()
        .skip(scroll)
        .take(inner.height as usize)
        .map(|(i, l)| match pane.wrap {
            true => l.clone(),
            false => {
                let g = view.gutters.get(i).copied().unwrap_or(0);
                linewrap::cut(l, g, pane.hscroll, width)
            }
        })
        .collect::<Vec<_>>();
    f.render_widget(Paragraph::new(shown), inner);
    if total > inner.height as usize && inner.height > 0 {
        line_corner(look, f, area, scroll + inner.height as usize, total);
    }
}

/// A picture to draw with the terminal's graphics protocol, and where.
#[derive(Debug, Clone)]
pub struct Placement {
    pub key: String,
    pub area: Rect,
    pub source: ImageSource,
}

/// The record pane's inner area (inside its border) on a screen of `size`.
pub(super) fn detail_inner(app: &App, size: Rect) -> Rect {
    pane_block(&app.look(), String::new(), false).inner(areas(size, app.split).detail)
}

/// The pictures the last frame left room for that are wholly on screen
/// (a picture half scrolled out keeps its half-blocks). None while a popup
/// covers the screen. Reads the view cached by the last [`render`].
pub fn placements(app: &App, size: Rect) -> Vec<Placement> {
    if !matches!(
        app.protocol,
        Protocol::Kitty | Protocol::Iterm | Protocol::Sixel
    ) || !matches!(app.overlay, Overlay::None)
        || !app.screens.is_empty()
    {
        return Vec::new();
    }
    let Some(commit) = app.current_commit() else {
        return Vec::new();
    };
    let inner = detail_inner(app, size);
    let pane = record_pane(app);
    let cache = pane.cache.borrow();
    let Some(view) = cache.as_ref() else {
        return Vec::new();
    };
    if view.key != view_key(&app.look(), &pane, commit, inner.width as usize) {
        return Vec::new();
    }
    let scroll = app.detail_scroll.min(view.lines.len().saturating_sub(1));
    let height = inner.height as usize;
    view.slots
        .iter()
        .filter(|s| {
            s.line >= scroll
                && s.line + usize::from(s.rows) <= scroll + height
                && s.cols <= inner.width
        })
        .filter_map(|s| {
            let y = inner.y.checked_add(u16::try_from(s.line - scroll).ok()?)?;
            Some(Placement {
                key: s.key.clone(),
                area: Rect::new(inner.x, y, s.cols, s.rows),
                source: s.source.clone(),
            })
        })
        .collect()
}

/// The record pane's view of the selected record as the screen last fitted would draw it
/// (built now if it is not the one cached), and the pane's width: what the keys that scroll
/// to a match or sideways go by.
pub fn current_view(app: &App) -> Option<(Arc<DetailView>, usize)> {
    let row = app.current_ref()?;
    let size = Rect::new(0, 0, app.screen_width, app.screen_height);
    let width = usize::from(detail_inner(app, size).width);
    Some((detail_view(app, row, width), width))
}

/// Lines of the record pane's text as last drawn for the selected record.
pub fn detail_len(app: &App) -> usize {
    app.detail_view
        .borrow()
        .as_ref()
        .filter(|v| app.current_commit() == Some(v.key.commit))
        .map_or(0, |v| v.lines.len())
}
