//! One video, end to end: the pose pass writes `poses.jsonl`, the analysis reads it back and
//! `report.json` is written beside it. Used by `analyze` and by `batch`.

use std::path::Path;

use crate::error::Result;
use liftform_core::analysis::{analyze, AnalysisConfig};
use liftform_core::output::write_atomically;
use liftform_core::recording::Recording;
use liftform_core::report::Report;
use liftform_vision::pose::PoseEstimator;
use liftform_vision::pose_pass::{run_pose_pass_with, PosePassOptions, PosePassSummary};

/// Analyses `video` into `dir` (which must exist); `on_frame` sees the frames done.
pub fn analyze_video(
    video: &Path,
    dir: &Path,
    estimator: &mut PoseEstimator,
    pass: &PosePassOptions,
    config: &AnalysisConfig,
    on_frame: impl FnMut(u64),
) -> Result<(PosePassSummary, Report)> {
    let summary = run_pose_pass_with(video, dir, estimator, pass, on_frame)?;
    let recording = Recording::read(&summary.recording_path)?;
    let report = analyze(&recording, config);
    write_atomically(&dir.join("report.json"), format!("{}\n", report.to_json()).as_bytes())?;
    Ok((summary, report))
}
