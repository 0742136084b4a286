//! Cancellation: one process-wide flag that long work (decoding, batch) checks between frames, so
//! an interrupted run stops at a frame boundary and every temporary file is cleaned up. The
//! binary sets it from its signal handler; tests and embedding programs may set it themselves.

use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Whether a stop was asked for.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}

/// Asks running work to stop. Returns whether a stop had already been asked for (a second
/// Ctrl-C quits at once).
pub fn request() -> bool {
    REQUESTED.swap(true, Ordering::SeqCst)
}
