//! Command-line arguments (clap) and dispatch to the commands.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use crate::commands::{self, CommandError, ExportFormat};
use crate::lineage::CachePolicy;
use crate::render::image::Protocol;
use crate::render::palette::Palette;
use crate::repo::{HistorySource, Project, RepoError};

/// Read the history of a notebook project from its git repository: the .ipynb files
/// committed, cell by cell, or a Gigantum project's activity log (every cell run, output,
/// environment and file change).
#[derive(Debug, Parser)]
#[command(name = "gtm-tui", version, subcommand_precedence_over_arg = true)]
pub struct Cli {
    /// Branch, tag or commit to read (default HEAD), e.g. gm.workspace-alice or origin/master.
    #[arg(long, global = true, value_name = "REF")]
    pub rev: Option<String>,

    /// Project directory (the repository is found by walking up from here),
    /// or a git URL: cloned into the cache directory once, fetched after.
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,

    /// Draw only ASCII characters (no glyphs, no rounded borders).
    #[arg(long, global = true)]
    pub ascii: bool,

    /// Colour theme: dark or light (default from the config file, else dark).
    #[arg(long, global = true, value_name = "NAME")]
    pub theme: Option<String>,

    /// Pictures under image outputs: auto detects the terminal's graphics
    /// (kitty, iterm, sixel), else draws Unicode halfblocks; off shows only
    /// their format and size.
    #[arg(long, global = true, value_name = "MODE", default_value = "auto",
          value_parser = ["auto", "kitty", "iterm", "sixel", "halfblocks", "off"])]
    pub images: String,

    /// Build cell lineage from the history alone: the lineage cache
    /// (see README, "Lineage cache") is neither read nor written.
    #[arg(long, global = true)]
    pub no_cache: bool,

    /// Which history to read: auto (a Gigantum project's activity log, else the notebooks
    /// committed to git), gigantum, or notebooks (`.ipynb` files, commit by commit).
    #[arg(long, global = true, value_name = "SOURCE", default_value = "auto",
          value_parser = ["auto", "gigantum", "notebooks"])]
    pub source: String,

    /// With notebooks: also list commits that changed no notebook.
    #[arg(long, global = true)]
    pub all_commits: bool,

    /// When to colour: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE=1
    /// colours a pipe too), always, or never (the timeline too).
    #[arg(long, global = true, value_name = "WHEN", default_value = "auto",
          value_parser = ["auto", "always", "never"])]
    pub color: String,

    /// Write long output (show, diff, files, cell, env, stats) straight to the terminal
    /// instead of through $GTM_PAGER, $PAGER or `less -FRX`.
    #[arg(long, global = true)]
    pub no_pager: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// One line per record, newest first: hash, local time, author, type, message, detail count.
    Log {
        /// Stop after N records.
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        /// One JSON object per line instead of text.
        #[arg(long)]
        json: bool,
        #[arg(value_name = "PATH")]
        path: Option<PathBuf>,
    },
    /// One record with every detail decoded (notebooks in git: one commit, what it did to each
    /// notebook cell by cell).
    Show {
        /// The record's commit (full or abbreviated hash, or any git revision).
        commit: String,
        /// Also write the record's images into this directory (never overwriting).
        #[arg(long, value_name = "DIR")]
        save_images: Option<PathBuf>,
        /// Notebooks in git: only this notebook (its path, or the path's last parts).
        #[arg(long, value_name = "PATH")]
        notebook: Option<String>,
        /// Notebooks in git: every cell of each version, not only the changed ones.
        #[arg(long)]
        all_cells: bool,
        #[arg(value_name = "PATH")]
        path: Option<PathBuf>,
    },
    /// Every run of the cell a code record ran, newest first: time, execution
    /// count, lines added and removed, whether the output changed.
    Cell {
        /// The code record's commit.
        commit: String,
        /// Which execution of the record (its In [N]); default the last.
        #[arg(long, value_name = "N")]
        ex: Option<u32>,
        /// Notebooks in git: which notebook the commit changed (when it changed several).
        #[arg(long, value_name = "PATH")]
        notebook: Option<String>,
        /// Notebooks in git: the cell's position in that version, from 1 (default: the first
        /// cell the commit changed).
        #[arg(long, value_name = "N")]
        index: Option<usize>,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
        #[arg(value_name = "PATH")]
        path: Option<PathBuf>,
    },
    /// A run against the previous run of the same cell: code, text output, images.
    Diff {
        /// The code record's commit.
        commit: String,
        /// Which execution of the record (its In [N]); default the last.
        #[arg(long, value_name = "N")]
        ex: Option<u32>,
        /// Notebooks in git: which notebook the commit changed (when it changed several).
        #[arg(long, value_name = "PATH")]
        notebook: Option<String>,
        /// Notebooks in git: the cell's position in that version, from 1 (default: the first
        /// cell the commit changed).
        #[arg(long, value_name = "N")]
        index: Option<usize>,
        /// One column with -/+ lines instead of side by side (the default below 100 columns).
        #[arg(long)]
        unified: bool,
        /// Compare changed pictures pixel by pixel: how many pixels differ, and where
        /// (activity logs).
        #[arg(long)]
        pixels: bool,
        #[arg(value_name = "PATH")]
        path: Option<PathBuf>,
    },
    /// The files a file record (save, upload, move, input/output data) changed: the list with
    /// sizes, then each file's difference (notebooks cell by cell).
    Files {
        /// The file record's commit.
        commit: String,
        /// The list and a summary of each file's change as one JSON object.
        #[arg(long)]
        json: bool,
        /// One column with -/+ lines instead of side by side (the default below 100 columns).
        #[arg(long)]
        unified: bool,
        #[arg(value_name = "PATH")]
        path: Option<PathBuf>,
    },
    /// The environment at a commit: base, packages by manager, custom Docker
    /// snippets; with --diff, what changed from another commit.
    Env {
        /// A record (its hash) or any revision; default the tip of --rev.
        /// With a single argument, an existing directory or a URL is taken as PATH.
        #[arg(value_name = "COMMIT")]
        commit: Option<String>,
        /// Show the difference from this commit to COMMIT instead.
        #[arg(long, value_name = "OTHER")]
        diff: Option<String>,
        /// JSON instead of text (fields in README).
        #[arg(long)]
        json: bool,
        #[arg(value_name = "PATH")]
        path: Option<PathBuf>,
    },
    /// Write the built-in demo project (generated by synth) into a new temp directory and read it.
    Demo {
        /// Write the demo project here instead (must not exist yet; kept afterwards).
        #[arg(long, value_name = "DIR")]
        into: Option<PathBuf>,
        /// Keep the demo project when gtm-tui ends (it is removed otherwise).
        #[arg(long)]
        keep: bool,
    },
    /// Print the default keys and colours as a config file, and where it goes.
    Config,
    /// Print a completion script for a shell: bash, zsh, fish, powershell or elvish
    /// (e.g. `gtm-tui completions bash > ~/.local/share/bash-completion/completions/gtm-tui`).
    Completions {
        #[arg(value_enum, value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print the manual page in roff (e.g. `gtm-tui man | man -l -`, or save it as
    /// gtm-tui.1 in a man directory).
    Man,
    /// Every record with every detail decoded, as JSON (fields in README).
    Export {
        #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
        format: ExportFormat,
        /// Add `cell` and `run` to code details (cell lineage). The whole
        /// history is read first, so records come out only at the end and
        /// a large project takes several times longer.
        #[arg(long)]
        cells: bool,
        /// Replace author names, emails and user names by salted hashes, in
        /// the author fields and in every text (README says what is scrubbed).
        #[arg(long)]
        anonymize: bool,
        /// The salt for --anonymize: the same salt gives the same pseudonyms.
        /// Default: a new random salt for every export, never shown.
        #[arg(long, value_name = "SALT", requires = "anonymize")]
        salt: Option<String>,
        /// Leave out the content of cell outputs.
        #[arg(long)]
        no_outputs: bool,
        /// Leave out the code of executed cells.
        #[arg(long)]
        no_code: bool,
        #[arg(value_name = "PATH")]
        path: Option<PathBuf>,
    },
    /// Retry streaks, where someone got stuck: a cell run again and again,
    /// minutes apart, with small edits. Most retries first.
    Stuck {
        /// Show the first N streaks.
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        /// One JSON object instead of text (fields in README).
        #[arg(long)]
        json: bool,
        #[arg(value_name = "PATH")]
        path: Option<PathBuf>,
    },
    /// Usage figures: activity per day, record types, time and runs per
    /// notebook, packages over time, most re-run cells, authors.
    Stats {
        /// One JSON object instead of text (fields in README).
        #[arg(long)]
        json: bool,
        #[arg(value_name = "PATH")]
        path: Option<PathBuf>,
    },
}

/// What running the arguments can fail with: a command, or the TUI. The
/// binary's edge is the one place that knows both.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Command(#[from] CommandError),
    #[error(transparent)]
    Tui(#[from] crate::tui::TuiError),
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Command(CommandError::Io(e))
    }
}

impl CliError {
    /// A problem with what the user asked for (path, ref, records): exit code 2.
    /// The repository holds neither kind of history: said, and not a failure (exit 0).
    pub fn is_no_history(&self) -> bool {
        matches!(
            self,
            CliError::Command(CommandError::Repo(RepoError::NoHistory { .. }))
        )
    }

    pub fn is_usage(&self) -> bool {
        match self {
            CliError::Command(e) => e.is_usage(),
            CliError::Tui(e) => matches!(e, crate::tui::TuiError::Repo(_)),
        }
    }

    /// The reader went away (`| head`): not a failure worth reporting.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, CliError::Command(e) if e.is_broken_pipe())
    }
}

/// Overrides the user's cache directory for the lineage cache (which goes
/// in its `lineage` folder).
pub const CACHE_DIR_ENV: &str = "GTM_CACHE_DIR";

/// Where whole-history lineage is cached: nowhere with `--no-cache`, else
/// `$GTM_CACHE_DIR/lineage`, else the platform's cache directory for
/// gtm-tui (`~/.cache/gtm-tui/lineage` on Linux), else nowhere.
pub fn lineage_cache(cli: &Cli) -> CachePolicy {
    if cli.no_cache {
        return CachePolicy::Off;
    }
    let root = match std::env::var_os(CACHE_DIR_ENV).filter(|v| !v.is_empty()) {
        Some(dir) => Some(PathBuf::from(dir)),
        None => {
            directories::ProjectDirs::from("", "", "gtm-tui").map(|d| d.cache_dir().to_path_buf())
        }
    };
    root.map_or(CachePolicy::Off, |r| CachePolicy::Dir(r.join("lineage")))
}

/// The history to read in `project`: what `--source` says, else the likely one.
pub fn source_of(cli: &Cli, project: &Project) -> HistorySource {
    match cli.source.as_str() {
        "gigantum" => HistorySource::Gigantum,
        "notebooks" => HistorySource::Notebooks,
        _ => project.likely_source(),
    }
}

fn open(path: Option<&Path>, rev: Option<&str>) -> Result<Project, CommandError> {
    let path = local(path.unwrap_or(Path::new(".")))?;
    Ok(Project::open(&path, rev)?)
}

/// A directory to read: the argument, or the cached copy of a URL.
fn local(path: &Path) -> Result<PathBuf, CommandError> {
    crate::clone::local(path).map_err(|e| CommandError::Usage(e.to_string()))
}

/// Whether the commands colour their output (see [`colour_for`]). The binary's output guard
/// lets colour sequences through only then.
pub fn colour(cli: &Cli) -> bool {
    use std::io::IsTerminal;
    let var = |name: &str| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned());
    colour_for(
        &cli.color,
        var("NO_COLOR").as_deref(),
        var("CLICOLOR_FORCE").as_deref(),
        std::io::stdout().is_terminal(),
    )
}

/// `--color always` and `never` say it; `auto` colours a terminal unless `NO_COLOR` is set
/// (non-empty), and anything when `CLICOLOR_FORCE` is set (non-empty, not `0`), as ripgrep,
/// git and the CLICOLOR convention have it. `NO_COLOR` wins over `CLICOLOR_FORCE`.
pub fn colour_for(when: &str, no_color: Option<&str>, force: Option<&str>, terminal: bool) -> bool {
    let set = |v: Option<&str>| v.is_some_and(|v| !v.is_empty());
    match when {
        "always" => true,
        "never" => false,
        _ if set(no_color) => false,
        _ if set(force) && force != Some("0") => true,
        _ => terminal,
    }
}

/// The pager to send the output through, as git chooses one: for the commands whose output
/// runs long, on a terminal only, unless `--no-pager`: `$GTM_PAGER`, else `$PAGER`, else
/// `less -FRX` (quits at once on a screenful, keeps colours, leaves the text on screen).
/// Empty or `cat` means none.
pub fn pager(cli: &Cli) -> Option<String> {
    use std::io::IsTerminal;
    let long = matches!(
        cli.command,
        Some(
            Command::Show { .. }
                | Command::Diff { .. }
                | Command::Files { .. }
                | Command::Cell { .. }
                | Command::Env { .. }
                | Command::Stats { .. }
        )
    );
    if !long || cli.no_pager || !std::io::stdout().is_terminal() {
        return None;
    }
    let var = |name: &str| std::env::var(name).ok();
    let (gtm, pager) = (var("GTM_PAGER"), var("PAGER"));
    // The default only where there is a `less` to run: output is never lost to a
    // pager that is not there.
    if gtm.is_none() && pager.is_none() && !on_path("less") {
        return None;
    }
    pager_for(gtm, pager)
}

/// Whether `$PATH` holds a program `name`.
fn on_path(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(name).is_file()))
}

/// [`pager`]'s choice from the two variables.
pub fn pager_for(gtm: Option<String>, pager: Option<String>) -> Option<String> {
    let cmd = gtm.or(pager).unwrap_or_else(|| "less -FRX".to_string());
    let cmd = cmd.trim();
    (!cmd.is_empty() && cmd != "cat").then(|| cmd.to_string())
}

/// Whether the command the arguments name writes colour, so the output
/// guard should let colour sequences through: only `show`, `diff` and
/// `files` colour, and only under [`colour`]. Everywhere else an SGR
/// sequence from the repository shows as text.
pub fn writes_colour(cli: &Cli) -> bool {
    matches!(
        cli.command,
        Some(Command::Show { .. } | Command::Diff { .. } | Command::Files { .. })
    ) && colour(cli)
}

/// Colour (see [`colour`]) and the width to draw diffs at: the terminal's,
/// else `$COLUMNS`, else 120.
fn terminal_look(cli: &Cli) -> (bool, u16) {
    (colour(cli), output_width(120))
}

/// The diff and code colours for coloured output, as the TUI draws them: the built-in theme
/// `--theme` names, else the config file's `[theme]` (a broken file is said as the TUI says
/// it). Only read when colour is on, so `NO_COLOR` and pipes never depend on the file.
fn palette(cli: &Cli, color: bool) -> Result<Palette, CliError> {
    palette_of(
        color,
        cli.theme.as_deref(),
        crate::tui::config::Config::load,
    )
}

fn palette_of(
    color: bool,
    theme: Option<&str>,
    load: impl FnOnce() -> Result<crate::tui::config::Config, crate::tui::config::ConfigError>,
) -> Result<Palette, CliError> {
    if !color {
        return Ok(Palette::dark());
    }
    if let Some(name) = theme {
        return crate::tui::theme::Theme::named(name)
            .map(|t| t.palette)
            .ok_or_else(|| crate::tui::TuiError::Theme(name.to_string()).into());
    }
    let config = load().map_err(crate::tui::TuiError::from)?;
    Ok(config.theme.palette)
}

/// Columns to lay output out in: the terminal's, else `$COLUMNS`, else
/// `default`.
fn output_width(default: u16) -> u16 {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() {
        crossterm::terminal::size().map_or(default, |(w, _)| w)
    } else {
        std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(default)
    }
}

/// How `stuck` and `stats` print: the terminal's width (else `$COLUMNS`,
/// else 80), so the text fits an ordinary terminal.
fn insight_look(cli: &Cli, json: bool) -> crate::render::insights::InsightLook {
    crate::render::insights::InsightLook {
        json,
        ascii: cli.ascii,
        width: usize::from(output_width(80)),
    }
}

/// A fresh directory under the system temp dir for the demo project.
fn demo_dir() -> PathBuf {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    std::env::temp_dir().join(format!("gtm-tui-demo-{}-{stamp}", std::process::id()))
}

/// Whether `$TERM` names a terminal that can draw the timeline: on unix,
/// unset, empty and `dumb` (Emacs shells, some CI consoles) cannot.
/// Windows consoles never set `TERM`, so there it says nothing.
fn capable_term(term: Option<&std::ffi::OsStr>, unix: bool) -> bool {
    !unix || term.is_some_and(|t| !t.is_empty() && t != "dumb")
}

/// The timeline on a terminal; the plain log when output goes to a pipe or
/// file, or the terminal cannot draw it.
fn interactive(cli: &Cli, path: PathBuf, out: &mut impl Write) -> Result<(), CliError> {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal()
        && std::io::stdin().is_terminal()
        && capable_term(std::env::var_os("TERM").as_deref(), cfg!(unix))
    {
        // A project that does not open is left to the TUI, which says why as it always has.
        let source = open(Some(&path), cli.rev.as_deref())
            .ok()
            .map(|p| source_of(cli, &p));
        let opts = crate::tui::TuiOptions {
            path,
            rev: cli.rev.clone(),
            ascii: cli.ascii,
            theme: cli.theme.clone(),
            images: Protocol::parse(&cli.images).ok().flatten(),
            lineage_cache: lineage_cache(cli),
            source,
            all_commits: cli.all_commits,
            no_color: cli.color == "never",
        };
        crate::tui::run(&opts)?;
    } else {
        let project = open(Some(&path), cli.rev.as_deref())?;
        match source_of(cli, &project) {
            HistorySource::Gigantum => {
                commands::log(&project, None, false, out)?;
            }
            HistorySource::Notebooks => {
                let look = commands::notebooks::NbLogLook {
                    json: false,
                    ascii: cli.ascii,
                    all_commits: cli.all_commits,
                };
                commands::notebooks::log(&project, None, look, out)?;
            }
        }
    }
    Ok(())
}

/// Runs what the arguments ask for, writing to `out`.
pub fn run(cli: &Cli, out: &mut impl Write) -> Result<(), CliError> {
    let rev = cli.rev.as_deref();
    // Global flags may come before a command, so a path there parses too;
    // it would be silently ignored for the command's own (default ".").
    if let (Some(p), Some(_)) = (&cli.path, &cli.command) {
        return Err(CommandError::Usage(format!(
            "the path goes after the command: gtm-tui COMMAND {}",
            p.display()
        ))
        .into());
    }
    match &cli.command {
        None => {
            let path = local(cli.path.as_deref().unwrap_or(Path::new(".")))?;
            interactive(cli, path, out)?;
        }
        Some(Command::Completions { shell }) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(*shell, &mut cmd, "gtm-tui", out);
        }
        Some(Command::Man) => {
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(out)?;
            out.write_all(man_keys().as_bytes())?;
        }
        Some(Command::Config) => {
            match crate::tui::config::Config::path() {
                Some(p) => writeln!(out, "# config file: {}", p.display())?,
                None => writeln!(out, "# no config directory on this system")?,
            }
            writeln!(
                out,
                "# copy what you want to change there; the rest keeps its default\n"
            )?;
            out.write_all(crate::tui::config::Config::defaults_toml().as_bytes())?;
        }
        Some(Command::Log { limit, json, path }) => {
            let project = open(path.as_deref(), rev)?;
            match source_of(cli, &project) {
                HistorySource::Gigantum => {
                    commands::log(&project, *limit, *json, out)?;
                }
                HistorySource::Notebooks => {
                    let look = commands::notebooks::NbLogLook {
                        json: *json,
                        ascii: cli.ascii,
                        all_commits: cli.all_commits,
                    };
                    commands::notebooks::log(&project, *limit, look, out)?;
                }
            }
        }
        Some(Command::Show {
            commit,
            save_images,
            notebook,
            all_cells,
            path,
        }) => {
            let project = open(path.as_deref(), rev)?;
            if let Some(dir) = save_images {
                std::fs::create_dir_all(dir)?;
            }
            if source_of(cli, &project) == HistorySource::Notebooks {
                let (color, width) = terminal_look(cli);
                let opts = commands::nbshow::NbShowOptions {
                    notebook: notebook.as_deref(),
                    save_images: save_images.as_deref(),
                    all_cells: *all_cells,
                    look: crate::commands::cell::DiffLook {
                        unified: true,
                        color,
                        width,
                        palette: palette(cli, color)?,
                        pixels: false,
                    },
                };
                commands::nbshow::show(&project, commit, opts, out)?;
                return Ok(());
            }
            if notebook.is_some() || *all_cells {
                return Err(CommandError::Usage(
                    "--notebook and --all-cells are for notebooks in git (--source notebooks)"
                        .into(),
                )
                .into());
            }
            commands::show(&project, commit, save_images.as_deref(), colour(cli), out)?;
        }
        Some(Command::Cell {
            commit,
            ex,
            notebook,
            index,
            json,
            path,
        }) => {
            let project = open(path.as_deref(), rev)?;
            if source_of(cli, &project) == HistorySource::Notebooks {
                let spec = commands::nbcell::CellSpec {
                    commit,
                    notebook: notebook.as_deref(),
                    index: *index,
                };
                commands::nbcell::cell(&project, spec, *json, out)?;
                return Ok(());
            }
            crate::commands::cell::cell(&project, commit, *ex, *json, &lineage_cache(cli), out)?;
        }
        Some(Command::Diff {
            commit,
            ex,
            notebook,
            index,
            unified,
            pixels,
            path,
        }) => {
            let project = open(path.as_deref(), rev)?;
            let (color, width) = terminal_look(cli);
            let palette = palette(cli, color)?;
            if source_of(cli, &project) == HistorySource::Notebooks {
                if *pixels {
                    return Err(CommandError::Usage(
                        "--pixels is for activity logs; notebooks in git: see the cell screen's p"
                            .into(),
                    )
                    .into());
                }
                let spec = commands::nbcell::CellSpec {
                    commit,
                    notebook: notebook.as_deref(),
                    index: *index,
                };
                let look = crate::commands::cell::DiffLook {
                    unified: *unified,
                    color,
                    width,
                    palette,
                    pixels: false,
                };
                commands::nbcell::diff(&project, spec, look, out)?;
                return Ok(());
            }
            let look = crate::commands::cell::DiffLook {
                unified: *unified,
                color,
                width,
                palette,
                pixels: *pixels,
            };
            crate::commands::cell::diff(&project, commit, *ex, look, &lineage_cache(cli), out)?;
        }
        Some(Command::Files {
            commit,
            json,
            unified,
            path,
        }) => {
            let project = open(path.as_deref(), rev)?;
            let (color, width) = terminal_look(cli);
            let look = crate::commands::files::FilesLook {
                unified: *unified,
                color,
                width,
                palette: palette(cli, color)?,
            };
            if source_of(cli, &project) == HistorySource::Notebooks {
                commands::nbshow::files(&project, commit, *json, look, out)?;
                return Ok(());
            }
            crate::commands::files::files(&project, commit, *json, look, out)?;
        }
        Some(Command::Env {
            commit,
            diff,
            json,
            path,
        }) => {
            // `env DIR` means the project in DIR, not a commit named DIR.
            let (commit, path) = match (commit, path) {
                (Some(c), None) if Path::new(c).is_dir() || crate::clone::is_url(c) => {
                    (None, Some(PathBuf::from(c)))
                }
                (c, p) => (c.clone(), p.clone()),
            };
            // A lone argument naming a file is neither a project nor (unless the project here
            // has a revision of that name) a commit: say so rather than blame the directory.
            let file = match (&commit, &path) {
                (Some(c), None) if Path::new(c).is_file() => Some(c.clone()),
                _ => None,
            };
            let named_file = |e: CommandError| {
                let about_file = match (&file, &e) {
                    (Some(_), CommandError::Repo(RepoError::NotARepository { .. })) => true,
                    (Some(f), CommandError::Repo(RepoError::UnknownRev { rev, .. })) => rev == f,
                    _ => false,
                };
                match &file {
                    Some(f) if about_file => CommandError::Usage(format!(
                        "{f} is a file, not a project directory or a revision"
                    )),
                    _ => e,
                }
            };
            let project = open(path.as_deref(), rev).map_err(named_file)?;
            let look = crate::commands::env::EnvLook {
                json: *json,
                ascii: cli.ascii,
            };
            match source_of(cli, &project) {
                HistorySource::Gigantum => crate::commands::env::env(
                    &project,
                    commit.as_deref(),
                    diff.as_deref(),
                    look,
                    out,
                ),
                HistorySource::Notebooks => crate::commands::nbenv::env(
                    &project,
                    commit.as_deref(),
                    diff.as_deref(),
                    look,
                    out,
                ),
            }
            .map_err(named_file)?;
        }
        Some(Command::Demo { into, keep }) => {
            let dir = match into {
                Some(d) => d.clone(),
                None => demo_dir(),
            };
            if dir.exists() {
                return Err(CommandError::Io(std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    format!(
                        "{} already exists; the demo writes a new directory",
                        dir.display()
                    ),
                ))
                .into());
            }
            crate::synth::demo::write(&dir).map_err(|e| {
                CommandError::Io(std::io::Error::other(format!(
                    "writing the demo project to {}: {e}",
                    dir.display()
                )))
            })?;
            // A directory the user named is theirs; the one chosen here goes at the end.
            let keep = *keep || into.is_some();
            if keep {
                crate::render::sanitize::warn(format_args!(
                    "demo project written to {}\n         try: gtm-tui show <hash> {}",
                    dir.display(),
                    dir.display()
                ));
            } else {
                crate::render::sanitize::warn(format_args!(
                    "demo project written to {} (removed on exit; --keep keeps it)",
                    dir.display()
                ));
            }
            let shown = interactive(cli, dir.clone(), out);
            if !keep && let Err(e) = std::fs::remove_dir_all(&dir) {
                crate::render::sanitize::warn(format_args!(
                    "could not remove the demo project {}: {e}",
                    dir.display()
                ));
            }
            shown?;
        }
        Some(Command::Export {
            format,
            cells,
            anonymize,
            salt,
            no_outputs,
            no_code,
            path,
        }) => {
            let project = open(path.as_deref(), rev)?;
            if source_of(cli, &project) == HistorySource::Notebooks {
                let opts = commands::notebooks::NbExportOptions {
                    cells: *cells,
                    no_outputs: *no_outputs,
                    no_code: *no_code,
                    array: *format == ExportFormat::Json,
                    anonymize: anonymize.then(|| {
                        salt.clone()
                            .unwrap_or_else(crate::insights::Anonymizer::random_salt)
                    }),
                };
                commands::notebooks::export(&project, opts, out)?;
                return Ok(());
            }
            let opts = commands::ExportOptions {
                format: *format,
                cells: *cells,
                anonymize: anonymize.then(|| {
                    salt.clone()
                        .unwrap_or_else(crate::insights::Anonymizer::random_salt)
                }),
                no_outputs: *no_outputs,
                no_code: *no_code,
                lineage_cache: lineage_cache(cli),
            };
            commands::export_with(&project, &opts, out)?;
        }
        Some(Command::Stuck { limit, json, path }) => {
            let project = open(path.as_deref(), rev)?;
            if source_of(cli, &project) == HistorySource::Notebooks {
                let look = commands::notebooks::NbInsightLook {
                    json: *json,
                    ascii: cli.ascii,
                };
                commands::notebooks::stuck(&project, *limit, look, out)?;
                return Ok(());
            }
            let look = insight_look(cli, *json);
            crate::commands::insights::stuck(&project, *limit, look, &lineage_cache(cli), out)?;
        }
        Some(Command::Stats { json, path }) => {
            let project = open(path.as_deref(), rev)?;
            if source_of(cli, &project) == HistorySource::Notebooks {
                let look = commands::notebooks::NbInsightLook {
                    json: *json,
                    ascii: cli.ascii,
                };
                commands::notebooks::stats(&project, look, out)?;
                return Ok(());
            }
            let look = insight_look(cli, *json);
            crate::commands::insights::stats_command(&project, look, &lineage_cache(cli), out)?;
        }
    }
    Ok(())
}

/// The TUI's default keys as a roff section for the manual page, from the key map itself so
/// the page never tells other keys than the program takes.
fn man_keys() -> String {
    use crate::tui::keymap::{Action, Keymap};
    // roff: a backslash and a leading dot or quote mean something; a minus is a hyphen
    // unless escaped.
    let esc = |t: &str| {
        let t = t.replace('\\', "\\e").replace('-', "\\-");
        match t.chars().next() {
            Some('.' | '\'') => format!("\\&{t}"),
            _ => t,
        }
    };
    let keys = Keymap::defaults();
    let mut page = String::from(
        ".SH KEYS\nIn the timeline (the config file can change them: gtm\\-tui config prints it):\n",
    );
    for a in Action::ALL {
        let names: Vec<String> = keys.keys_for(a).iter().map(|k| k.display()).collect();
        if names.is_empty() {
            continue;
        }
        page.push_str(&format!(
            ".TP\n\\fB{}\\fR\n{}\n",
            esc(&names.join(", ")),
            esc(a.describe())
        ));
    }
    page
}

#[cfg(test)]
mod tests {
    use super::capable_term;

    #[test]
    fn the_pager_is_gtm_pager_then_pager_then_less() {
        use super::pager_for;
        let s = |v: &str| Some(v.to_string());
        assert_eq!(pager_for(None, None).as_deref(), Some("less -FRX"));
        assert_eq!(pager_for(None, s("most")).as_deref(), Some("most"));
        assert_eq!(pager_for(s("bat -p"), s("most")).as_deref(), Some("bat -p"));
        assert_eq!(pager_for(s(""), s("most")), None, "empty: none");
        assert_eq!(pager_for(None, s(" cat ")), None);
    }
    use std::ffi::OsStr;

    #[test]
    fn term_decides_on_unix_only() {
        let t = |s: &'static str| Some(OsStr::new(s));
        for (term, unix, want) in [
            (None, true, false),
            (t(""), true, false),
            (t("dumb"), true, false),
            (t("xterm-256color"), true, true),
            (t("linux"), true, true),
            // Windows: no TERM in a console, and the TUI starts anyway.
            (None, false, true),
            (t(""), false, true),
            (t("dumb"), false, true),
            (t("xterm-256color"), false, true),
        ] {
            assert_eq!(capable_term(term, unix), want, "{term:?} unix={unix}");
        }
    }
}

#[cfg(test)]
mod palette_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::palette_of;
    use crate::commands::cell::DiffLook;
    use crate::diff::diff_text;
    use crate::render::highlight::Lang;
    use crate::render::palette::Palette;
    use crate::tui::config::Config;
    use ratatui::style::{Color, Style};

    fn config_with(toml: &str) -> Config {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, toml).unwrap();
        Config::load_from(&path).unwrap()
    }

    #[test]
    fn the_command_line_colours_diffs_from_the_config_files_theme() {
        let config = config_with("[theme]\ndiff_added = { fg = 201, bg = 53 }\n");
        let palette = palette_of(true, None, || Ok(config)).unwrap();
        assert_eq!(
            palette.added,
            Style::new().fg(Color::Indexed(201)).bg(Color::Indexed(53))
        );
        let look = DiffLook {
            unified: true,
            color: true,
            width: 80,
            palette,
            pixels: false,
        };
        let (old, new) = ("x = 1\n", "x = 1\ny = 2\n");
        let out = look.render(&diff_text(old, new), old, new, Some(Lang::Python));
        assert!(
            out.contains("48;5;53"),
            "the added line's background: {out:?}"
        );
        assert!(out.contains("38;5;201"), "its marker: {out:?}");
        // The built-in palette does not use them.
        let plain = DiffLook {
            palette: Palette::dark(),
            ..look
        }
        .render(&diff_text(old, new), old, new, Some(Lang::Python));
        assert!(!plain.contains("48;5;53"), "{plain:?}");
    }

    #[test]
    fn no_colour_never_reads_the_file_and_theme_names_a_base() {
        let unread = || -> Result<Config, crate::tui::config::ConfigError> {
            panic!("the config file is read only for colour")
        };
        assert_eq!(palette_of(false, None, unread).unwrap(), Palette::dark());
        assert_eq!(
            palette_of(true, Some("light"), unread).unwrap(),
            Palette::light()
        );
        assert!(palette_of(true, Some("sepia"), unread).is_err());
        let look = DiffLook {
            unified: true,
            color: false,
            width: 80,
            palette: palette_of(false, None, unread).unwrap(),
            pixels: false,
        };
        let out = look.render(&diff_text("a\n", "b\n"), "a\n", "b\n", None);
        assert!(!out.contains('\u{1b}'), "{out:?}");
    }
}
