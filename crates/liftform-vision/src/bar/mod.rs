//! Barbell tracking: the near plate's centre (the bar's axis) followed through the video, and a
//! robust cm-per-pixel scale from the plate's radius ([`scale`]). The bar's numbers per rep come
//! from the analysis (`track` brings the plate to the lifter's midline, `rep_bar` and `reps`
//! measure it).
//!
//! Vision (`detect`, `tracker`) uses OpenCV; `fit` is plain Rust; the body-size prior and
//! the plate scale live in `liftform_core::bar`, where the analysis half calls them.

pub mod detect;
pub mod fit;
pub mod tracker;

pub use tracker::{BarTracker, BarTrackerOptions, BarTrackerStats};
