//! Colours and text styles as data: built-in dark and light themes, the
//! `[theme]` config section, and adapting a theme to what the terminal can
//! show.

use crate::activity::kinds::RecordKind;
use crate::render::palette::{
    Palette, SYNTAX_THEMES, SyntaxTheme, nearest_16, nearest_256, xterm_rgb,
};
use ratatui::style::{Color, Modifier, Style};

use super::config::ConfigError;

/// How many colours the terminal can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColorDepth {
    /// No colour at all (`NO_COLOR`, dumb terminals): only bold, reversed
    /// and friends.
    None,
    /// The 16 named ANSI colours.
    Ansi16,
    /// The xterm 256-colour palette.
    Ansi256,
    /// 24-bit RGB.
    TrueColor,
}

impl ColorDepth {
    /// Reads the environment: `NO_COLOR` set and non-empty → `None`;
    /// `TERM=dumb` → `None`; `COLORTERM` of `truecolor` or `24bit` →
    /// `TrueColor`; `TERM` containing `256color` → `Ansi256`; anything else
    /// → `Ansi16`.
    pub fn detect() -> ColorDepth {
        let var = |name: &str| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned());
        ColorDepth::from_vars(
            var("NO_COLOR").as_deref(),
            var("COLORTERM").as_deref(),
            var("TERM").as_deref(),
        )
    }

    /// [`ColorDepth::detect`] over given values of `NO_COLOR`, `COLORTERM`
    /// and `TERM`.
    pub fn from_vars(
        no_color: Option<&str>,
        colorterm: Option<&str>,
        term: Option<&str>,
    ) -> ColorDepth {
        if no_color.is_some_and(|v| !v.is_empty()) {
            return ColorDepth::None;
        }
        // Checked before COLORTERM: a dumb terminal (an editor's shell
        // buffer, say) often inherits COLORTERM from the terminal that
        // started the editor, and cannot show colour whatever that says.
        if term == Some("dumb") {
            return ColorDepth::None;
        }
        if colorterm
            .is_some_and(|c| c.eq_ignore_ascii_case("truecolor") || c.eq_ignore_ascii_case("24bit"))
        {
            return ColorDepth::TrueColor;
        }
        if term.is_some_and(|t| t.contains("256color")) {
            return ColorDepth::Ansi256;
        }
        ColorDepth::Ansi16
    }
}

/// Number of record types with their own style (see
/// [`RECORD_TYPE_NAMES`]).
pub const RECORD_TYPES: usize = 9;

/// Record type names by type id, as used under `[theme.record_types]`.
pub const RECORD_TYPE_NAMES: [&str; RECORD_TYPES] = crate::activity::kinds::RECORD_NAMES;

/// Every colour and style the TUI draws with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    /// The built-in theme this one started from (`dark` or `light`).
    pub name: String,
    /// Body text.
    pub text: Style,
    /// Secondary text: times, counts, placeholders.
    pub dim: Style,
    /// Pane titles and headings.
    pub title: Style,
    /// Borders of unfocused panes.
    pub border: Style,
    /// Border of the focused pane.
    pub border_focused: Style,
    /// The selected row in the focused pane.
    pub selected: Style,
    /// The selected row when its pane is not focused.
    pub selected_unfocused: Style,
    /// The rule between days in the timeline.
    pub day_separator: Style,
    /// The status bar.
    pub status: Style,
    /// Highlights in the status bar, and keys on the help screen.
    pub status_key: Style,
    /// Search matches.
    pub search_match: Style,
    /// Errors.
    pub error: Style,
    /// Warnings and transient messages.
    pub warning: Style,
    /// Counts and markers next to records (results, images).
    pub badge: Style,
    /// Hidden records and details.
    pub hidden: Style,
    /// Record type markers, indexed by record type id (see
    /// [`RECORD_TYPE_NAMES`]).
    pub record_types: [Style; RECORD_TYPES],
    /// Author name colours; each author always gets the same one.
    pub authors: Vec<Color>,
    /// Source code in details.
    pub code: Style,
    /// Cell output in details.
    pub output: Style,
    /// Line numbers beside code.
    pub line_number: Style,
    /// Diff colours and the syntax theme, shared with the command line's output.
    pub palette: Palette,
}

impl Default for Theme {
    fn default() -> Self {
        Theme::dark()
    }
}

/// Style fields configurable by name, with the comment written above each
/// in the config file.
const STYLE_FIELDS: [(&str, &str); 18] = [
    ("text", "Body text."),
    ("dim", "Secondary text: times, counts, placeholders."),
    ("title", "Pane titles and headings."),
    ("border", "Borders of unfocused panes."),
    ("border_focused", "Border of the focused pane."),
    ("selected", "The selected row in the focused pane."),
    (
        "selected_unfocused",
        "The selected row when its pane is not focused.",
    ),
    ("day_separator", "The rule between days in the timeline."),
    ("status", "The status bar."),
    (
        "status_key",
        "Highlights in the status bar, and keys on the help screen.",
    ),
    ("search_match", "Search matches."),
    ("error", "Errors."),
    ("warning", "Warnings and transient messages."),
    ("badge", "Counts and markers next to records."),
    ("hidden", "Hidden records and details."),
    ("code", "Source code in details."),
    ("output", "Cell output in details."),
    ("line_number", "Line numbers beside code."),
];

const fn rgb(hex: u32) -> Color {
    Color::Rgb((hex >> 16) as u8, (hex >> 8) as u8, hex as u8)
}

const fn fg(hex: u32) -> Style {
    Style::new().fg(rgb(hex))
}

/// Named colours as written in the config file, by ratatui's names: `gray`
/// is ANSI 7 and `white` ANSI 15.
const COLOR_NAMES: [(&str, Color); 16] = [
    ("black", Color::Black),
    ("red", Color::Red),
    ("green", Color::Green),
    ("yellow", Color::Yellow),
    ("blue", Color::Blue),
    ("magenta", Color::Magenta),
    ("cyan", Color::Cyan),
    ("gray", Color::Gray),
    ("dark_gray", Color::DarkGray),
    ("light_red", Color::LightRed),
    ("light_green", Color::LightGreen),
    ("light_yellow", Color::LightYellow),
    ("light_blue", Color::LightBlue),
    ("light_magenta", Color::LightMagenta),
    ("light_cyan", Color::LightCyan),
    ("white", Color::White),
];

const MODIFIERS: [(&str, Modifier); 9] = [
    ("bold", Modifier::BOLD),
    ("dim", Modifier::DIM),
    ("italic", Modifier::ITALIC),
    ("underlined", Modifier::UNDERLINED),
    ("slow_blink", Modifier::SLOW_BLINK),
    ("rapid_blink", Modifier::RAPID_BLINK),
    ("reversed", Modifier::REVERSED),
    ("hidden", Modifier::HIDDEN),
    ("crossed_out", Modifier::CROSSED_OUT),
];

/// Alternative spellings people reach for.
const MODIFIER_ALIASES: [(&str, Modifier); 3] = [
    ("underline", Modifier::UNDERLINED),
    ("reverse", Modifier::REVERSED),
    ("strikethrough", Modifier::CROSSED_OUT),
];

impl Theme {
    /// For dark terminals: soft, Tokyo Night-like accents on the terminal's
    /// own background and foreground.
    pub fn dark() -> Theme {
        let bar = rgb(0x24283b);
        Theme {
            name: "dark".into(),
            // Text keeps the terminal's own foreground, which the user has
            // already chosen to be readable on their background.
            text: Style::new(),
            dim: fg(0x7f849c),
            title: fg(0x7aa2f7).add_modifier(Modifier::BOLD),
            border: fg(0x4a5068),
            border_focused: fg(0x7aa2f7),
            selected: Style::new().bg(rgb(0x2e3c64)).add_modifier(Modifier::BOLD),
            selected_unfocused: Style::new().bg(rgb(0x343a4f)),
            day_separator: fg(0xe0af68),
            status: fg(0xc0caf5).bg(bar),
            status_key: fg(0x7aa2f7).bg(bar).add_modifier(Modifier::BOLD),
            search_match: fg(0x1a1b26).bg(rgb(0xe0af68)).add_modifier(Modifier::BOLD),
            error: fg(0xf7768e).add_modifier(Modifier::BOLD),
            warning: fg(0xe0af68),
            badge: fg(0xbb9af7),
            hidden: fg(0x737aa2).add_modifier(Modifier::ITALIC),
            record_types: [
                fg(0xe0af68),                              // note
                fg(0x7dcfff),                              // environment
                fg(0x7aa2f7),                              // code
                fg(0x9ece6a),                              // input_data
                fg(0x73daca),                              // output_data
                fg(0xff9e64).add_modifier(Modifier::BOLD), // milestone
                fg(0xbb9af7),                              // branch
                fg(0xc0caf5),                              // labbook
                fg(0x2ac3de),                              // dataset
            ],
            authors: vec![
                rgb(0x7aa2f7),
                rgb(0x9ece6a),
                rgb(0xe0af68),
                rgb(0xbb9af7),
                rgb(0x7dcfff),
                rgb(0xff9e64),
                rgb(0xf7768e),
                rgb(0x73daca),
            ],
            code: fg(0xa9b1d6),
            output: fg(0x9aa5ce),
            line_number: fg(0x636a8a),
            palette: Palette::dark(),
        }
    }

    /// For light terminals: GitHub-like, darker and more saturated accents.
    pub fn light() -> Theme {
        let bar = rgb(0xe1e6eb);
        Theme {
            name: "light".into(),
            text: Style::new(),
            dim: fg(0x6e7781),
            title: fg(0x0969da).add_modifier(Modifier::BOLD),
            border: fg(0x848d97),
            border_focused: fg(0x0969da),
            selected: Style::new().bg(rgb(0xcce4ff)).add_modifier(Modifier::BOLD),
            selected_unfocused: Style::new().bg(rgb(0xe6e9ed)),
            day_separator: fg(0x9a6700),
            status: fg(0x24292f).bg(bar),
            status_key: fg(0x0969da).bg(bar).add_modifier(Modifier::BOLD),
            search_match: fg(0x24292f).bg(rgb(0xffd33d)).add_modifier(Modifier::BOLD),
            error: fg(0xcf222e).add_modifier(Modifier::BOLD),
            warning: fg(0x9a6700),
            badge: fg(0x7c4dd8),
            hidden: fg(0x8c959f).add_modifier(Modifier::ITALIC),
            record_types: [
                fg(0x9a6700),                              // note
                fg(0x1b7c83),                              // environment
                fg(0x0969da),                              // code
                fg(0x1a7f37),                              // input_data
                fg(0x116329),                              // output_data
                fg(0xbc4c00).add_modifier(Modifier::BOLD), // milestone
                fg(0x7c4dd8),                              // branch
                fg(0x57606a),                              // labbook
                fg(0x0a3069),                              // dataset
            ],
            authors: vec![
                rgb(0x0969da),
                rgb(0x1a7f37),
                rgb(0x9a6700),
                rgb(0x7c4dd8),
                rgb(0x1b7c83),
                rgb(0xbc4c00),
                rgb(0xcf222e),
                rgb(0xbf3989),
            ],
            code: fg(0x0a3069),
            output: fg(0x57606a),
            line_number: fg(0x8c959f),
            palette: Palette::light(),
        }
    }

    /// A built-in theme by name: `dark` or `light`.
    pub fn named(name: &str) -> Option<Theme> {
        match name {
            "dark" => Some(Theme::dark()),
            "light" => Some(Theme::light()),
            _ => None,
        }
    }

    /// Adapts colours to the terminal: `TrueColor` keeps RGB; `Ansi256`
    /// maps RGB to the nearest xterm-256 index; `Ansi16` maps to the
    /// nearest of the 16 named colours, judged by hue and lightness so soft
    /// colours keep their hue; `None` drops every colour but keeps
    /// modifiers (bold/reversed/underline) so selection stays visible.
    ///
    /// Wherever a background colour is lost — dropped for `None`, or
    /// flattened into black or white for `Ansi16`, which would melt into
    /// the terminal's own background — the style gets REVERSED
    /// instead, so selections, the status bar and search matches still
    /// stand out.
    pub fn for_depth(mut self, depth: ColorDepth) -> Theme {
        if depth == ColorDepth::TrueColor {
            return self;
        }
        self.map_styles(|s| adapt_style(s, depth));
        for c in &mut self.authors {
            *c = adapt_color(*c, depth).0.unwrap_or(Color::Reset);
        }
        self
    }

    /// The colour for an author's name: a stable hash of the name into
    /// [`Theme::authors`], the same on every run and machine.
    pub fn author_color(&self, author: &str) -> Color {
        if self.authors.is_empty() {
            return Color::Reset;
        }
        // FNV-1a: std's hasher is randomly seeded per process and may
        // change between Rust releases, which would reshuffle colours.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for b in author.bytes() {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        let len = self.authors.len() as u64;
        self.authors
            .get((hash % len) as usize)
            .copied()
            .unwrap_or(Color::Reset)
    }

    /// The style for a record type (`metadata.type`); unknown types get
    /// [`Theme::text`].
    pub fn record_type(&self, kind: RecordKind) -> Style {
        if !kind.is_known() {
            return self.text;
        }
        usize::try_from(kind.id())
            .ok()
            .and_then(|i| self.record_types.get(i))
            .copied()
            .unwrap_or(self.text)
    }

    /// The configurable styles by config name, in [`STYLE_FIELDS`] order.
    fn named_styles_mut(&mut self) -> [(&'static str, &mut Style); 18] {
        [
            ("text", &mut self.text),
            ("dim", &mut self.dim),
            ("title", &mut self.title),
            ("border", &mut self.border),
            ("border_focused", &mut self.border_focused),
            ("selected", &mut self.selected),
            ("selected_unfocused", &mut self.selected_unfocused),
            ("day_separator", &mut self.day_separator),
            ("status", &mut self.status),
            ("status_key", &mut self.status_key),
            ("search_match", &mut self.search_match),
            ("error", &mut self.error),
            ("warning", &mut self.warning),
            ("badge", &mut self.badge),
            ("hidden", &mut self.hidden),
            ("code", &mut self.code),
            ("output", &mut self.output),
            ("line_number", &mut self.line_number),
        ]
    }

    fn style_mut(&mut self, name: &str) -> Option<&mut Style> {
        if name.starts_with("diff_") {
            return self
                .palette
                .styles_mut()
                .into_iter()
                .find(|(n, _, _)| *n == name)
                .map(|(_, _, s)| s);
        }
        self.named_styles_mut()
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| s)
    }

    /// Replaces every style, named and per record type, by `f` of it.
    fn map_styles(&mut self, mut f: impl FnMut(Style) -> Style) {
        for (_, style) in self.named_styles_mut() {
            *style = f(*style);
        }
        // The palette is left as it is: the diff panes bring it down to the terminal's
        // colours themselves (see `diffpane::diff_styles`), as the command line does.
        for style in &mut self.record_types {
            *style = f(*style);
        }
    }

    /// Applies a `[theme]` table. `base = "dark"|"light"` starts over from
    /// that theme (whatever its position in the table); then each style
    /// field (`selected = { fg = "#ffffff", bg = "blue", bold = true }`, or
    /// just a colour for the foreground) replaces that style, `authors =
    /// [...]` replaces the palette, and `[theme.record_types]` styles
    /// record types by name. Colours are names (`blue`, `light_red`,
    /// `dark_gray`, `default`), `#rrggbb`, or 0-255 palette indexes.
    /// Nothing changes on error.
    pub fn patch(&mut self, table: &toml::Table) -> Result<(), ConfigError> {
        let mut theme = self.clone();
        if let Some(base) = table.get("base") {
            let name = base.as_str().ok_or_else(|| {
                ConfigError::entry(
                    "theme.base",
                    format!("expected a string, found {}", base.type_str()),
                )
            })?;
            theme = Theme::named(name).ok_or_else(|| {
                ConfigError::entry(
                    "theme.base",
                    format!("unknown theme {name:?}; expected \"dark\" or \"light\""),
                )
            })?;
        }
        for (key, value) in table {
            let entry = format!("theme.{key}");
            match key.as_str() {
                "base" => {}
                "syntax" => {
                    let name = value.as_str().ok_or_else(|| {
                        ConfigError::entry(
                            &entry,
                            format!("expected a theme name, found {}", value.type_str()),
                        )
                    })?;
                    theme.palette.syntax = SyntaxTheme::named(name).ok_or_else(|| {
                        ConfigError::entry(
                            &entry,
                            format!(
                                "unknown syntax theme {name:?}; expected one of: {}",
                                SYNTAX_THEMES.join(", ")
                            ),
                        )
                    })?;
                }
                "authors" => {
                    let items = value.as_array().ok_or_else(|| {
                        ConfigError::entry(
                            &entry,
                            format!("expected a list of colours, found {}", value.type_str()),
                        )
                    })?;
                    if items.is_empty() {
                        return Err(ConfigError::entry(&entry, "needs at least one colour"));
                    }
                    theme.authors = items
                        .iter()
                        .map(|v| parse_color(v).map_err(|m| ConfigError::entry(&entry, m)))
                        .collect::<Result<_, _>>()?;
                }
                "record_types" => {
                    let types = value.as_table().ok_or_else(|| {
                        ConfigError::entry(
                            &entry,
                            format!(
                                "expected a table of record types, found {}",
                                value.type_str()
                            ),
                        )
                    })?;
                    for (name, v) in types {
                        let entry = format!("{entry}.{name}");
                        let i = RECORD_TYPE_NAMES
                            .iter()
                            .position(|n| n == name)
                            .ok_or_else(|| {
                                ConfigError::entry(
                                    &entry,
                                    format!(
                                        "unknown record type {name:?}; expected one of: {}",
                                        RECORD_TYPE_NAMES.join(", ")
                                    ),
                                )
                            })?;
                        let style = parse_style(&entry, v)?;
                        if let Some(slot) = theme.record_types.get_mut(i) {
                            *slot = style;
                        }
                    }
                }
                name => {
                    let style = parse_style(&entry, value)?;
                    let slot = theme.style_mut(name).ok_or_else(|| {
                        let mut palette = Palette::dark();
                        let names: Vec<&str> = STYLE_FIELDS
                            .iter()
                            .map(|(n, _)| *n)
                            .chain(palette.styles_mut().iter().map(|(n, _, _)| *n))
                            .collect();
                        ConfigError::entry(
                            &entry,
                            format!(
                                "unknown theme entry {name:?}; expected base, syntax, authors, record_types or one of: {}",
                                names.join(", ")
                            ),
                        )
                    })?;
                    *slot = style;
                }
            }
        }
        *self = theme;
        Ok(())
    }

    /// The `[theme]` section spelling out every style, with comments.
    pub fn to_toml(&self) -> String {
        let mut out = String::from(
            "# Colours: a name (black, red, green, yellow, blue, magenta, cyan,\n\
             # gray, dark_gray, light_red, ..., white, default), \"#rrggbb\", or a\n\
             # 0-255 palette index. A style is { fg = ..., bg = ..., bold = true,\n\
             # dim, italic, underlined, reversed, crossed_out, ... }, or just a\n\
             # colour for the text. Set NO_COLOR to turn colour off.\n\
             [theme]\n\
             # Start from a built-in theme, \"dark\" or \"light\"; the entries below\n\
             # override it.\n",
        );
        out.push_str(&format!("base = {}\n", toml_string(&self.name)));
        let mut copy = self.clone();
        for ((name, style), (_, describe)) in copy.named_styles_mut().into_iter().zip(STYLE_FIELDS)
        {
            out.push_str(&format!("# {describe}\n{name} = {}\n", style_toml(*style)));
        }
        for (name, describe, style) in copy.palette.styles_mut() {
            out.push_str(&format!("# {describe}\n{name} = {}\n", style_toml(*style)));
        }
        out.push_str(&format!(
            "# Colours for code: one of {}.\nsyntax = {}\n",
            SYNTAX_THEMES.join(", "),
            toml_string(self.palette.syntax.name())
        ));
        let authors: Vec<String> = self.authors.iter().map(|c| color_toml(*c)).collect();
        out.push_str("# Author names cycle through these colours.\n");
        out.push_str(&format!("authors = [{}]\n", authors.join(", ")));
        out.push_str("\n# Record type markers.\n[theme.record_types]\n");
        for (name, style) in RECORD_TYPE_NAMES.iter().zip(&self.record_types) {
            out.push_str(&format!("{name} = {}\n", style_toml(*style)));
        }
        out
    }
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn color_toml(c: Color) -> String {
    match c {
        Color::Rgb(r, g, b) => format!("\"#{r:02x}{g:02x}{b:02x}\""),
        Color::Indexed(i) => i.to_string(),
        Color::Reset => "\"default\"".into(),
        named => COLOR_NAMES
            .iter()
            .find(|(_, c)| *c == named)
            .map_or_else(|| "\"default\"".into(), |(n, _)| format!("\"{n}\"")),
    }
}

fn style_toml(style: Style) -> String {
    let mut parts = Vec::new();
    if let Some(c) = style.fg {
        parts.push(format!("fg = {}", color_toml(c)));
    }
    if let Some(c) = style.bg {
        parts.push(format!("bg = {}", color_toml(c)));
    }
    for (name, m) in MODIFIERS {
        if style.add_modifier.contains(m) {
            parts.push(format!("{name} = true"));
        }
    }
    if parts.is_empty() {
        "{}".into()
    } else {
        format!("{{ {} }}", parts.join(", "))
    }
}

fn parse_color(v: &toml::Value) -> Result<Color, String> {
    match v {
        toml::Value::Integer(i) => u8::try_from(*i)
            .map(Color::Indexed)
            .map_err(|_| format!("palette index {i} is out of range 0-255")),
        toml::Value::String(s) => parse_color_str(s).ok_or_else(|| {
            format!("unknown colour {s:?}; expected a name like \"blue\" or \"light_red\", \"#rrggbb\", or 0-255")
        }),
        other => Err(format!("expected a colour, found {}", other.type_str())),
    }
}

fn parse_color_str(s: &str) -> Option<Color> {
    if let Some(hex) = s.strip_prefix('#') {
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let n = u32::from_str_radix(hex, 16).ok()?;
        return Some(rgb(n));
    }
    if let Ok(i) = s.parse::<u8>() {
        return Some(Color::Indexed(i));
    }
    let key: String = s
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .collect::<String>()
        .to_ascii_lowercase()
        .replace("grey", "gray");
    if key == "default" || key == "reset" {
        return Some(Color::Reset);
    }
    COLOR_NAMES
        .iter()
        .find(|(n, _)| n.replace('_', "") == key)
        .map(|&(_, c)| c)
}

fn parse_style(entry: &str, v: &toml::Value) -> Result<Style, ConfigError> {
    let table = match v {
        toml::Value::Table(t) => t,
        toml::Value::String(_) | toml::Value::Integer(_) => {
            let c = parse_color(v).map_err(|m| ConfigError::entry(entry, m))?;
            return Ok(Style::new().fg(c));
        }
        other => {
            return Err(ConfigError::entry(
                entry,
                format!(
                    "expected a style table or a colour, found {}",
                    other.type_str()
                ),
            ));
        }
    };
    let mut style = Style::new();
    for (key, value) in table {
        let entry = format!("{entry}.{key}");
        match key.as_str() {
            "fg" => style.fg = Some(parse_color(value).map_err(|m| ConfigError::entry(&entry, m))?),
            "bg" => style.bg = Some(parse_color(value).map_err(|m| ConfigError::entry(&entry, m))?),
            name => {
                let m = MODIFIERS
                    .iter()
                    .chain(&MODIFIER_ALIASES)
                    .find(|(n, _)| *n == name)
                    .map(|&(_, m)| m)
                    .ok_or_else(|| {
                        let names: Vec<&str> = MODIFIERS.iter().map(|(n, _)| *n).collect();
                        ConfigError::entry(
                            &entry,
                            format!(
                                "unknown style key {name:?}; expected fg, bg, {}",
                                names.join(", ")
                            ),
                        )
                    })?;
                let on = value.as_bool().ok_or_else(|| {
                    ConfigError::entry(
                        &entry,
                        format!("expected true or false, found {}", value.type_str()),
                    )
                })?;
                if on {
                    style = style.add_modifier(m);
                }
            }
        }
    }
    Ok(style)
}

/// A colour adapted to `depth`, and whether it had to be approximated
/// (rather than kept, or translated exactly).
fn adapt_color(c: Color, depth: ColorDepth) -> (Option<Color>, bool) {
    match (depth, c) {
        (ColorDepth::TrueColor, c) => (Some(c), false),
        (ColorDepth::None, _) => (None, false),
        (ColorDepth::Ansi256, Color::Rgb(r, g, b)) => {
            (Some(Color::Indexed(nearest_256((r, g, b)))), true)
        }
        (ColorDepth::Ansi256, c) => (Some(c), false),
        (ColorDepth::Ansi16, Color::Rgb(r, g, b)) => (Some(nearest_16((r, g, b))), true),
        (ColorDepth::Ansi16, Color::Indexed(i)) if i < 16 => (Some(ansi16(i)), false),
        (ColorDepth::Ansi16, Color::Indexed(i)) => (Some(nearest_16(xterm_rgb(i))), true),
        (ColorDepth::Ansi16, c) => (Some(c), false),
    }
}

/// A style with its colours brought down to what the terminal shows.
pub fn adapt_style(style: Style, depth: ColorDepth) -> Style {
    let had_bg = style.bg.is_some_and(|c| c != Color::Reset);
    let fg = style.fg.and_then(|c| adapt_color(c, depth).0);
    let (mut bg, approximated) = match style.bg {
        Some(c) => adapt_color(c, depth),
        None => (None, false),
    };
    let bg_lost = match depth {
        ColorDepth::None => had_bg,
        ColorDepth::Ansi16 => approximated && matches!(bg, Some(Color::Black | Color::White)),
        _ => false,
    };
    let mut add_modifier = style.add_modifier;
    if bg_lost {
        bg = None;
        add_modifier |= Modifier::REVERSED;
    }
    // Built fresh so an underline colour (which themes never set) is
    // dropped too rather than passed through unadapted.
    Style {
        fg,
        bg,
        add_modifier,
        sub_modifier: style.sub_modifier,
        ..Style::new()
    }
}

fn ansi16(i: u8) -> Color {
    COLOR_NAMES
        .get(usize::from(i))
        .map_or(Color::Reset, |&(_, c)| c)
}

#[cfg(test)]
mod tests;
