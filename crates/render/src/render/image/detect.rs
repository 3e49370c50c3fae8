//! Which image protocol the terminal takes, from the environment, and the
//! terminal's cell size in pixels.

use super::Protocol;

/// A terminal cell in pixels when the terminal does not say: the usual
/// 1:2 shape, which is also what the half-blocks assume.
const FALLBACK_CELL: (u32, u32) = (10, 20);

impl Protocol {
    /// [`Protocol::detect_from`] over the process environment.
    pub fn detect() -> Protocol {
        Protocol::detect_from(|name| {
            std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
        })
    }

    /// Detects the protocol from environment variables (read through
    /// `get`) without querying the terminal, first match wins:
    ///
    /// 1. `NO_COLOR` set and non-empty, or `TERM=dumb` → `Off`;
    /// 2. inside tmux (`TMUX`) or GNU screen (`TERM=screen*`/`tmux*`) →
    ///    `Halfblocks`;
    /// 3. `KITTY_WINDOW_ID`, `TERM=xterm-kitty`, or Ghostty → `Kitty`;
    /// 4. `TERM_PROGRAM` of `iTerm.app` or `WezTerm` → `Iterm`;
    /// 5. `TERM` containing `sixel`, or foot, mlterm, contour, mintty, yaft
    ///    → `Sixel`;
    /// 6. anything else → `Halfblocks`.
    pub fn detect_from(get: impl Fn(&str) -> Option<String>) -> Protocol {
        // An empty variable counts as unset, as NO_COLOR's convention has it.
        let var = |name: &str| get(name).filter(|v| !v.is_empty());
        let term = var("TERM").unwrap_or_default();
        let program = var("TERM_PROGRAM").unwrap_or_default();

        if var("NO_COLOR").is_some() || term == "dumb" {
            return Protocol::Off;
        }
        // Before the terminal checks: tmux and screen keep the outer
        // terminal's variables (KITTY_WINDOW_ID, TERM_PROGRAM, …) but
        // neither forwards graphics reliably, and what does get through
        // is not erased when tmux redraws its panes.
        if var("TMUX").is_some() || term.starts_with("screen") || term.starts_with("tmux") {
            return Protocol::Halfblocks;
        }
        if var("KITTY_WINDOW_ID").is_some()
            || term == "xterm-kitty"
            || term == "xterm-ghostty"
            || program == "ghostty"
        {
            return Protocol::Kitty;
        }
        if program == "iTerm.app" || program == "WezTerm" {
            return Protocol::Iterm;
        }
        let sixel_terms = ["foot", "mlterm", "contour", "yaft"];
        let sixel_programs = ["foot", "mlterm", "contour", "mintty"];
        if term.contains("sixel")
            || sixel_terms.iter().any(|t| term.starts_with(t))
            || sixel_programs.contains(&program.as_str())
        {
            return Protocol::Sixel;
        }
        Protocol::Halfblocks
    }
}

/// The terminal's cell size in pixels, from the tty's window size when it
/// reports pixels (many do not), else [`FALLBACK_CELL`].
pub fn cell_pixels() -> (u32, u32) {
    match crossterm::terminal::window_size() {
        Ok(ws)
            if ws.columns > 0 && ws.rows > 0 && ws.width >= ws.columns && ws.height >= ws.rows =>
        {
            (
                u32::from(ws.width / ws.columns),
                u32::from(ws.height / ws.rows),
            )
        }
        _ => FALLBACK_CELL,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::image::test_util::env;

    #[test]
    fn detects_protocols_from_the_environment() {
        use Protocol::*;
        let cases: &[(&[(&str, &str)], Protocol)] = &[
            (&[("TERM", "xterm-kitty")], Kitty),
            (
                &[("KITTY_WINDOW_ID", "1"), ("TERM", "xterm-256color")],
                Kitty,
            ),
            (&[("TERM_PROGRAM", "ghostty")], Kitty),
            (&[("TERM_PROGRAM", "iTerm.app")], Iterm),
            (
                &[("TERM_PROGRAM", "WezTerm"), ("TERM", "xterm-256color")],
                Iterm,
            ),
            (&[("TERM", "foot")], Sixel),
            (&[("TERM", "foot-extra")], Sixel),
            (&[("TERM", "mlterm")], Sixel),
            (&[("TERM", "xterm-sixel")], Sixel),
            (&[("TERM_PROGRAM", "mintty")], Sixel),
            (
                &[("TERM", "xterm-kitty"), ("TMUX", "/tmp/tmux-0/default,1,0")],
                Halfblocks,
            ),
            (
                &[("TERM", "screen-256color"), ("TERM_PROGRAM", "iTerm.app")],
                Halfblocks,
            ),
            (&[("TERM", "xterm-kitty"), ("NO_COLOR", "1")], Off),
            (&[("TERM", "xterm-kitty"), ("NO_COLOR", "")], Kitty),
            (&[("TERM", "dumb"), ("KITTY_WINDOW_ID", "3")], Off),
            (&[("TERM", "xterm-256color")], Halfblocks),
            (&[], Halfblocks),
        ];
        for (vars, want) in cases {
            assert_eq!(Protocol::detect_from(env(vars)), *want, "{vars:?}");
        }
    }
}
