//! liftform's analysis half: from a [`recording::Recording`] (pose and bar per frame) to a
//! [`report::Report`] (reps, phases, findings with codes), with [`analysis::analyze`] as the entry
//! point. Pure Rust with no native dependency: the compiler keeps OpenCV and ONNX Runtime out.

pub mod analysis;
pub mod bar;
pub mod cancel;
pub mod error;
pub mod eval;
pub mod kinematics;
pub mod lift;
pub mod output;
pub mod recording;
pub mod rep_bar;
pub mod report;
pub mod reps;
pub mod rules;
pub mod signal;
pub mod track;
pub mod view;

pub use error::{Error, Result};
