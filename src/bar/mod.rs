//! Barbell tracking: the near plate's centre (the bar's axis) followed through the video, and the
//! pure parts that turn it into numbers: a robust cm-per-pixel scale from the plate's radius
//! ([`scale`]) and the bar metrics per rep ([`metrics`]).
//!
//! Vision (`detect`, `tracker`) uses OpenCV; `fit`, `prior`, `scale` and `metrics` are plain Rust
//! and are what the analysis half calls.

pub mod detect;
pub mod fit;
pub mod metrics;
pub mod prior;
pub mod scale;
pub mod tracker;

pub use tracker::{BarTracker, BarTrackerOptions, BarTrackerStats};
