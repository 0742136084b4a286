//! liftform: watches a filmed barbell deadlift set and says, with timestamps, where the form broke down.
//!
//! The vision half (`video`, `pose`) turns a video into a [`recording::Recording`]; the analysis half
//! (everything from `recording` on) never touches OpenCV or ONNX Runtime types.

pub mod error;
pub mod recording;

pub use error::{Error, Result};
pub mod analysis;
pub mod assets;
pub mod bar;
pub mod batch;
pub mod interrupt;
pub mod kinematics;
pub mod output;
pub mod pipeline;
pub mod pose;
pub mod pose_pass;
pub mod render;
pub mod rep_bar;
pub mod report;
pub mod reps;
pub mod rules;
pub mod signal;
pub mod track;
pub mod video;
pub mod view;
