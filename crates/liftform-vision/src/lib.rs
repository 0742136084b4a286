//! liftform's vision half: a video file in, a [`liftform_core::recording::Recording`] out.
//! [`video`] decodes frames (OpenCV, rotation honoured), [`pose`] runs BlazePose (ONNX Runtime),
//! [`bar`] follows the barbell's near plate, and [`pose_pass`] runs the three over one video and
//! writes `poses.jsonl`. Nothing of OpenCV or ort leaves this crate's public types except the
//! frames themselves (`opencv::core::Mat`), which only the renderer reads.

pub mod assets;
pub mod bar;
pub mod error;
pub mod pose;
pub mod pose_pass;
pub mod video;

pub use error::{Error, Result};
