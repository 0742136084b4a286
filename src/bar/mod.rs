//! Barbell tracking: the near plate's centre (the bar's axis) followed through the video, and a
//! robust cm-per-pixel scale from the plate's radius ([`scale`]). The bar's numbers per rep come
//! from the analysis (`track` brings the plate to the lifter's midline, `rep_bar` and `reps`
//! measure it).
//!
//! Vision (`detect`, `tracker`) uses OpenCV; `fit`, `prior` and `scale` are plain Rust, and
//! `scale` is what the analysis half calls.

pub mod detect;
pub mod fit;
pub mod prior;
pub mod scale;
pub mod tracker;

pub use tracker::{BarTracker, BarTrackerOptions, BarTrackerStats};
