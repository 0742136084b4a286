//! One video, end to end: the pose pass writes `poses.jsonl`, the analysis reads it back and
//! `report.json` is written beside it. Used by `analyze` and by `batch`; what it returns is what
//! the render pass draws from.

use std::path::Path;

use crate::error::Result;
use liftform_core::analysis::{analyze_in_full, Analysis, AnalysisConfig};
use liftform_core::output::write_atomically;
use liftform_core::recording::Recording;
use liftform_vision::pose::PoseEstimator;
use liftform_vision::pose_pass::{run_pose_pass_with, PosePassOptions, PosePassSummary};

/// One analysed video: what the pose pass did, the recording it wrote, and the analysis of it.
pub struct AnalysedVideo {
    pub pose_pass: PosePassSummary,
    pub recording: Recording,
    pub analysis: Analysis,
}

/// Analyses `video` into `dir` (which must exist); `on_frame` sees the frames done.
pub fn analyze_video(
    video: &Path,
    dir: &Path,
    estimator: &mut PoseEstimator,
    pass: &PosePassOptions,
    config: &AnalysisConfig,
    on_frame: impl FnMut(u64),
) -> Result<AnalysedVideo> {
    let pose_pass = run_pose_pass_with(video, dir, estimator, pass, on_frame)?;
    let recording = Recording::read(&pose_pass.recording_path)?;
    let analysis = analyze_in_full(&recording, config);
    write_atomically(&dir.join("report.json"), format!("{}\n", analysis.report.to_json()).as_bytes())?;
    Ok(AnalysedVideo { pose_pass, recording, analysis })
}
