//! A panic caught by `contained::catch` (a decoder failing on hostile bytes)
//! reaches no panic hook, so it neither prints nor disturbs the TUI's
//! screen; any other panic still does.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[test]
fn caught_panics_stay_quiet() {
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    // The TUI installs its hook before any decoding happens.
    std::panic::set_hook(Box::new(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    }));
    let caught = gtm_tui::contained::catch(|| -> u32 { panic!("hostile bytes") });
    assert!(caught.is_err());
    assert_eq!(seen.load(Ordering::SeqCst), 0, "the hook stayed quiet");
    assert!(!gtm_tui::contained::active());
    assert_eq!(gtm_tui::contained::catch(|| 7).ok(), Some(7));
    let other = std::panic::catch_unwind(|| panic!("a real bug"));
    assert!(other.is_err());
    assert_eq!(
        seen.load(Ordering::SeqCst),
        1,
        "other panics reach the hook"
    );
}
