//! The user's configuration file: key bindings (`[keys]`) and colours
//! (`[theme]`), layered over the built-in defaults.

use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::keymap::Keymap;
use super::theme::Theme;

/// Environment variable naming a config file to use instead of the default
/// location.
pub const CONFIG_ENV: &str = "GTM_TUI_CONFIG";

/// Why a config file could not be used. Every variant names where the
/// problem is, so the message alone is enough to fix the file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but could not be read.
    #[error("{}: cannot read: {source}", .path.display())]
    Read {
        /// The config file.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// The file is not valid TOML.
    #[error("{}:{line}:{column}: {message}", .path.display())]
    Syntax {
        /// The config file.
        path: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column (in characters) of the error.
        column: usize,
        /// The parser's description of the problem.
        message: String,
    },
    /// A well-formed entry whose name or value gtm-tui cannot use.
    #[error("{}{entry}: {message}", location(.path.as_deref(), *.line))]
    Entry {
        /// The config file; `None` when patching from a table that did not
        /// come from a file.
        path: Option<PathBuf>,
        /// 1-based line of the entry, when it could be found.
        line: Option<usize>,
        /// Dotted name of the entry, e.g. `keys.page_down` or
        /// `theme.selected.fg`.
        entry: String,
        /// What is wrong with it.
        message: String,
    },
}

impl ConfigError {
    /// An entry error not yet tied to a file; [`Config::load_from`] fills in
    /// the file and line.
    pub(crate) fn entry(entry: impl Into<String>, message: impl Into<String>) -> ConfigError {
        ConfigError::Entry {
            path: None,
            line: None,
            entry: entry.into(),
            message: message.into(),
        }
    }

    /// The dotted entry name, for entry errors.
    pub fn entry_name(&self) -> Option<&str> {
        match self {
            ConfigError::Entry { entry, .. } => Some(entry),
            _ => None,
        }
    }

    fn in_file(self, path: &Path, text: &str) -> ConfigError {
        match self {
            ConfigError::Entry {
                path: None,
                line,
                entry,
                message,
            } => ConfigError::Entry {
                path: Some(path.to_path_buf()),
                line: line.or_else(|| line_of_entry(text, &entry)),
                entry,
                message,
            },
            other => other,
        }
    }
}

fn location(path: Option<&Path>, line: Option<usize>) -> String {
    match (path, line) {
        (Some(p), Some(l)) => format!("{}:{l}: ", p.display()),
        (Some(p), None) => format!("{}: ", p.display()),
        (None, _) => String::new(),
    }
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

/// Finds the line of a dotted entry by re-parsing with spans; the plain
/// `toml::Table` the patchers work on has already thrown positions away.
fn line_of_entry(text: &str, entry: &str) -> Option<usize> {
    let doc = toml::de::DeTable::parse(text).ok()?;
    let mut table = doc.get_ref();
    let mut span = None;
    for segment in entry.split('.') {
        // Stop at the deepest key that exists: an unknown entry is reported
        // at its parent, which is still the right place to look.
        let Some((key, value)) = table.iter().find(|(k, _)| k.get_ref() == segment) else {
            break;
        };
        span = Some(key.span());
        match value.get_ref().as_table() {
            Some(t) => table = t,
            // Deeper segments name something inside a non-table value (an
            // array element, say); the key we reached is the best answer.
            None => break,
        }
    }
    span.map(|s| line_col(text, s.start).0)
}

/// Everything the TUI reads from the config file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Config {
    /// Key bindings.
    pub keys: Keymap,
    /// Colours and text styles, not yet adapted to the terminal (see
    /// [`Theme::for_depth`]).
    pub theme: Theme,
}

impl Config {
    /// The default config file: `config.toml` in the platform's config
    /// directory for gtm-tui (e.g. `~/.config/gtm-tui/config.toml`). `None`
    /// when the platform has no home directory.
    pub fn path() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "gtm-tui")
            .map(|dirs| dirs.config_dir().join("config.toml"))
    }

    /// The file [`Config::load`] reads: `$GTM_TUI_CONFIG` when set and
    /// non-empty, else [`Config::path`].
    pub fn active_path() -> Option<PathBuf> {
        resolve_path(std::env::var_os(CONFIG_ENV), Self::path)
    }

    /// The built-in key bindings and the dark theme.
    pub fn defaults() -> Config {
        Config {
            keys: Keymap::defaults(),
            theme: Theme::dark(),
        }
    }

    /// Loads [`Config::active_path`]. A missing file is not an error (most
    /// people never write one): it yields the defaults, as does a platform
    /// without a config directory.
    pub fn load() -> Result<Config, ConfigError> {
        load_optional(Self::active_path().as_deref())
    }

    /// Loads one file, which must exist, and applies it over the defaults.
    pub fn load_from(path: &Path) -> Result<Config, ConfigError> {
        let text = fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml(&text, path)
    }

    fn from_toml(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let doc: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
            ConfigError::Syntax {
                path: path.to_path_buf(),
                line,
                column,
                message: e.message().trim_end().to_string(),
            }
        })?;
        let mut config = Config::defaults();
        config.apply(&doc).map_err(|e| e.in_file(path, text))?;
        Ok(config)
    }

    fn apply(&mut self, doc: &toml::Table) -> Result<(), ConfigError> {
        for (name, value) in doc {
            let table = value.as_table();
            match (name.as_str(), table) {
                ("keys", Some(t)) => self.keys.patch(t)?,
                ("theme", Some(t)) => self.theme.patch(t)?,
                ("keys" | "theme", None) => {
                    return Err(ConfigError::entry(
                        name.as_str(),
                        format!("expected a table ([{name}]), found {}", value.type_str()),
                    ));
                }
                // An unknown section is most likely a typo (`[key]`), and
                // silently ignoring it would leave the user wondering why
                // nothing changed.
                _ => {
                    return Err(ConfigError::entry(
                        name.as_str(),
                        "unknown section; expected [keys] or [theme]",
                    ));
                }
            }
        }
        Ok(())
    }

    /// A complete config file spelling out every default, with comments;
    /// what `gtm-tui config` prints. [`Config::load_from`] reads it back to
    /// exactly [`Config::defaults`]. The same on every machine.
    pub fn defaults_toml() -> String {
        let defaults = Config::defaults();
        let mut out = String::new();
        out.push_str("# gtm-tui configuration.\n");
        out.push_str("#\n");
        // No path here: the text must be the same on every machine (it is
        // compared in tests and pasted into bug reports).
        out.push_str("# Save as config.toml in the gtm-tui config directory (on Linux\n");
        out.push_str(&format!(
            "# ~/.config/gtm-tui/config.toml), or point ${CONFIG_ENV} at it.\n"
        ));
        out.push_str("# Every entry is optional: anything left out keeps its default, so a\n");
        out.push_str("# file holding only the lines you change is enough.\n");
        out.push('\n');
        out.push_str(&defaults.keys.to_toml());
        out.push('\n');
        out.push_str(&defaults.theme.to_toml());
        out
    }
}

/// The env override wins when set and non-empty; `default` is only
/// consulted otherwise, since it may touch the filesystem.
fn resolve_path(
    env_override: Option<OsString>,
    default: impl FnOnce() -> Option<PathBuf>,
) -> Option<PathBuf> {
    match env_override {
        Some(p) if !p.is_empty() => Some(PathBuf::from(p)),
        _ => default(),
    }
}

fn load_optional(path: Option<&Path>) -> Result<Config, ConfigError> {
    let Some(path) = path else {
        return Ok(Config::defaults());
    };
    // Read and match on NotFound rather than checking `exists()` first, so
    // a file vanishing in between cannot turn into a confusing error.
    match fs::read_to_string(path) {
        Ok(text) => Config::from_toml(&text, path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Config::defaults()),
        Err(source) => Err(ConfigError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::keymap::{Action, KeyBinding};
    use ratatui::style::{Color, Modifier, Style};

    fn write(dir: &tempfile::TempDir, text: &str) -> PathBuf {
        let path = dir.path().join("config.toml");
        fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn defaults_toml_loads_back_to_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, &Config::defaults_toml());
        let loaded = Config::load_from(&path).unwrap();
        let defaults = Config::defaults();
        assert_eq!(loaded.keys, defaults.keys);
        assert_eq!(loaded.theme, defaults.theme);
        assert_eq!(loaded, defaults);
    }

    #[test]
    fn defaults_toml_is_commented() {
        let text = Config::defaults_toml();
        assert!(text.starts_with("# gtm-tui configuration."));
        assert!(text.contains("[keys]"));
        assert!(text.contains("[theme]"));
        assert!(text.contains("# Move down one record\n"));
    }

    #[test]
    fn env_override_wins_over_default_path() {
        let default = || Some(PathBuf::from("/nowhere/config.toml"));
        assert_eq!(
            resolve_path(Some(OsString::from("/tmp/x.toml")), default),
            Some(PathBuf::from("/tmp/x.toml"))
        );
        assert_eq!(
            resolve_path(Some(OsString::new()), default),
            Some(PathBuf::from("/nowhere/config.toml"))
        );
        assert_eq!(
            resolve_path(None, default),
            Some(PathBuf::from("/nowhere/config.toml"))
        );
        assert_eq!(resolve_path(None, || None), None);
    }

    /// Goes through the real environment variable. Setting it in this
    /// process would race with other threads reading the C environment
    /// (libgit2 does), so the test binary re-runs itself with the variable
    /// set from the start and runs [`env_child`] there.
    #[test]
    fn gtm_tui_config_env_var_is_loaded() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "[keys]\nquit = \"x\"\n");
        let module = module_path!();
        let module = module.split_once("::").map_or(module, |(_, rest)| rest);
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([&format!("{module}::env_child"), "--exact", "--ignored"])
            .env(CONFIG_ENV, &path)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stdout}\n{stderr}");
        assert!(stdout.contains("1 passed"), "child ran no test:\n{stdout}");
    }

    #[test]
    #[ignore = "run by gtm_tui_config_env_var_is_loaded with GTM_TUI_CONFIG set"]
    fn env_child() {
        let Some(path) = std::env::var_os(CONFIG_ENV) else {
            return;
        };
        assert_eq!(Config::active_path(), Some(PathBuf::from(path)));
        let keys = Config::load().unwrap().keys;
        let x = KeyBinding::parse("x").unwrap();
        assert_eq!(keys.keys_for(Action::Quit), vec![&x]);
    }

    #[test]
    fn missing_file_gives_defaults_via_load_but_error_via_load_from() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("absent.toml");
        assert_eq!(load_optional(Some(&path)).unwrap(), Config::defaults());
        assert_eq!(load_optional(None).unwrap(), Config::defaults());
        let err = Config::load_from(&path).unwrap_err();
        assert!(matches!(err, ConfigError::Read { .. }));
        assert!(err.to_string().contains("absent.toml"), "{err}");
    }

    #[test]
    fn file_patches_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            &dir,
            r##"
[keys]
down = ["j", "ctrl-n"]
help = "f1"

[theme]
base = "light"
selected = { fg = "#ffffff", bg = "blue", bold = true }
"##,
        );
        let c = Config::load_from(&path).unwrap();
        let down: Vec<String> = c
            .keys
            .keys_for(Action::Down)
            .iter()
            .map(|k| k.display())
            .collect();
        assert_eq!(down, ["j", "Ctrl-N"]);
        assert_eq!(
            c.keys.keys_for(Action::Up),
            Keymap::defaults().keys_for(Action::Up)
        );
        assert_eq!(c.theme.name, "light");
        assert_eq!(c.theme.selected.fg, Some(Color::Rgb(255, 255, 255)));
        assert_eq!(c.theme.selected.bg, Some(Color::Blue));
        assert!(c.theme.selected.add_modifier.contains(Modifier::BOLD));
        assert_eq!(c.theme.title, Theme::light().title);
    }

    #[test]
    fn syntax_errors_name_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "[keys]\nquit = \"q\"\ndown = [\"j\"\n");
        let err = Config::load_from(&path).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, ConfigError::Syntax { .. }), "{msg}");
        assert!(msg.contains("config.toml:"), "{msg}");
    }

    #[test]
    fn entry_errors_name_file_line_and_entry() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "[keys]\nquit = \"q\"\n\npage_dwn = \"x\"\n");
        let err = Config::load_from(&path).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("config.toml:4: keys.page_dwn:"), "{msg}");

        let path = write(&dir, "[theme]\ntext = { fg = \"#12345\" }\n");
        let msg = Config::load_from(&path).unwrap_err().to_string();
        assert!(msg.contains("config.toml:2: theme.text.fg:"), "{msg}");
        assert!(msg.contains("#12345"), "{msg}");
    }

    #[test]
    fn diff_colours_and_the_syntax_theme_come_from_the_file() {
        use crate::render::palette::{Palette, SyntaxTheme};
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            &dir,
            "[theme]\nbase = \"light\"\ndiff_added = { fg = \"blue\", bg = 22 }\nsyntax = \"Solarized (light)\"\n",
        );
        let c = Config::load_from(&path).unwrap();
        let p = c.theme.palette;
        assert_eq!(p.added, Style::new().fg(Color::Blue).bg(Color::Indexed(22)));
        assert_eq!(
            p.removed,
            Palette::light().removed,
            "the rest from the base"
        );
        assert_eq!(p.syntax, SyntaxTheme::named("Solarized (light)").unwrap());

        let path = write(
            &dir,
            "[theme]\n\ndiff_removed_word = { bg = \"crimson\" }\n",
        );
        let msg = Config::load_from(&path).unwrap_err().to_string();
        assert!(
            msg.contains("config.toml:3: theme.diff_removed_word.bg:"),
            "{msg}"
        );
        assert!(msg.contains("crimson"), "{msg}");
        let path = write(&dir, "[theme]\nsyntax = \"monokai\"\n");
        let msg = Config::load_from(&path).unwrap_err().to_string();
        assert!(msg.contains("config.toml:2: theme.syntax:"), "{msg}");
        assert!(msg.contains("InspiredGitHub"), "names the choices: {msg}");
    }

    /// Two actions given one key in the file is an error like any other
    /// entry error: the file, the line, the key and both actions, so the
    /// reader knows which two lines to choose between.
    #[test]
    fn key_conflicts_name_the_key_and_both_actions() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "[keys]\nup = \"x\"\ndown = [\"j\", \"x\"]\n");
        let err = Config::load_from(&path).unwrap_err();
        assert_eq!(err.entry_name(), Some("keys.up"));
        let msg = err.to_string();
        assert!(msg.contains("config.toml:2: keys.up: "), "{msg}");
        assert!(
            msg.contains("key \"x\" is given both to down and to up"),
            "{msg}"
        );

        // The same key spelled two ways is still one key.
        let path = write(&dir, "[keys]\nsearch = \"ctrl-x\"\nfilter = \"Ctrl-X\"\n");
        let msg = Config::load_from(&path).unwrap_err().to_string();
        assert!(msg.contains("config.toml:2: keys.search: "), "{msg}");
        assert!(msg.contains("both to filter and to search"), "{msg}");

        // Not conflicts: one action listing a key twice, and a key taken
        // from an action the file does not mention (it moves).
        let path = write(
            &dir,
            "[keys]\npage_down = [\"pgdn\", \"pagedown\"]\nfilter = \"n\"\n",
        );
        let c = Config::load_from(&path).unwrap();
        assert_eq!(c.keys.keys_for(Action::PageDown).len(), 1);
        let n = KeyBinding::parse("n").unwrap();
        assert_eq!(c.keys.keys_for(Action::Filter), vec![&n]);
    }

    #[test]
    fn unknown_sections_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "[key]\nquit = \"q\"\n");
        let err = Config::load_from(&path).unwrap_err();
        assert_eq!(err.entry_name(), Some("key"));
        assert!(err.to_string().contains("unknown section"), "{err}");

        let path = write(&dir, "keys = 3\n");
        let err = Config::load_from(&path).unwrap_err();
        assert!(err.to_string().contains("expected a table"), "{err}");
    }

    #[test]
    fn default_path_is_config_toml_under_gtm_tui() {
        if let Some(p) = Config::path() {
            assert!(p.ends_with("config.toml"));
            assert!(p.to_string_lossy().contains("gtm-tui"));
        }
    }

    #[test]
    fn line_col_counts_chars() {
        assert_eq!(line_col("ab\ncé d", 7), (2, 4));
        assert_eq!(line_col("", 5), (1, 1));
    }
}
