//! Ctrl-C handling: the first interrupt asks running work to stop at the next frame (so every
//! temporary file is cleaned up and nothing half-written is left); a second one exits at once.
//! The flag itself is `liftform_core::cancel`, which decoding and batch check.

use liftform_core::cancel;

/// Installs the handler (once; later calls do nothing).
pub fn install_handler() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            if cancel::request() {
                std::process::exit(130);
            }
            eprintln!("liftform: interrupted, stopping after the current frame (Ctrl-C again to quit at once)");
        });
    });
}
