//! Barbell tracking: the near plate's centre (the bar's axis) followed through the video, and a
//! robust cm-per-pixel scale from the plate's radius ([`liftform_core::bar::scale`]). The bar's
//! numbers per rep come from the analysis (`track` brings the plate to the lifter's midline,
//! `rep_bar` and `reps` measure it).
//!
//! Vision (`detect`, `cut`, `tracker`) uses OpenCV. The edge geometry is plain Rust: `gradients`
//! (a patch's colour edges), `ellipse` (the plate's outline), `support` (how well an outline lies
//! on the edges), `fit` (local search), `hough` (centre voting); so are the choice of the near
//! plate (`choose`) and a followed plate's state (`plate_track`). The body-size prior and the
//! plate scale live in `liftform_core::bar`, where the analysis half calls them.

pub mod choose;
pub mod cut;
pub mod detect;
pub mod ellipse;
pub mod fit;
pub mod gradients;
pub mod hough;
mod plate_track;
pub mod support;
pub mod tracker;

pub use tracker::{BarTracker, BarTrackerOptions, BarTrackerStats};
