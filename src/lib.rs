//! The `liftform` command line's library half: one video end to end ([`pipeline`]), a coach's
//! folder ([`batch`]), stopping cleanly on a signal ([`interrupt`]) and the error type that
//! gathers the crates' own ([`error`]). The analysis is `liftform_core`, the video and model work
//! `liftform_vision`, the pictures and pages `liftform_render`.

pub mod batch;
pub mod error;
pub mod eval;
pub mod interrupt;
pub mod pipeline;

pub use error::{Error, Result};
