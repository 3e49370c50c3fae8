//! Panics that are caught where they happen (a young decoder on hostile
//! bytes) and must not reach the terminal: no message on stderr, and the
//! TUI's hook leaves the screen alone.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

thread_local! {
    static CATCHING: Cell<usize> = const { Cell::new(0) };
}

static QUIET_HOOK: Once = Once::new();

/// Runs `f`; a panic in it becomes `Err` on this thread, silently.
pub fn catch<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
    QUIET_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !active() {
                previous(info);
            }
        }));
    });
    CATCHING.with(|c| c.set(c.get() + 1));
    let result = catch_unwind(AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(c.get().saturating_sub(1)));
    result
}

/// True while this thread runs inside `catch`: a panic now is expected
/// and handled, so hooks should stay quiet.
pub fn active() -> bool {
    CATCHING.with(|c| c.get() > 0)
}
