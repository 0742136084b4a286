//! Stopping cleanly: Ctrl-C (SIGINT), SIGTERM (what `timeout`, systemd and container runtimes
//! send) and SIGHUP all take the same path. The first asks running work to stop at the next frame
//! (so every temporary file is cleaned up, nothing half-written is left, and a batch still writes
//! its summary); a second one exits at once. The flag itself is `liftform_core::cancel`, which
//! decoding and batch check. (ctrlc's `termination` feature adds SIGTERM and SIGHUP.)

use liftform_core::cancel;

/// Installs the handler (once; later calls do nothing).
pub fn install_handler() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            if cancel::request() {
                std::process::exit(130);
            }
            eprintln!("liftform: interrupted, stopping after the current frame (interrupt again to quit at once)");
        });
    });
}
