//! The binary's integration tests, one binary: the real model, real video decode and real files,
//! from the pose pass through rendering to the CLI and batch. Tests that need the shared clips
//! (`../shared/data`) are `#[ignore = "needs ../shared/data"]`; `--include-ignored` runs them.

mod support;

mod analysis_real;
mod bar_clips;
mod bar_pose_pass;
mod batch;
mod cli_errors;
mod eval_cli;
mod golden;
mod hostile_inputs;
mod pose_clips;
mod render_clip;
mod render_html_chromium;
mod reps_concatenated;
mod samples;
mod video_input;
