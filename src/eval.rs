//! `liftform eval`: the analysis on every labelled clip of a folder, scored against the labels
//! (`liftform_core::eval`). The pose pass is the costly part, so its recordings can be kept in a
//! folder laid out as `analyze` and `batch` write theirs (`DIR/<stem>/poses.jsonl`): a recording
//! already there is reused, so re-scoring after a threshold change takes seconds, and a folder a
//! batch already filled is scored without decoding anything.

use std::path::{Path, PathBuf};

use liftform_core::analysis::{analyze, AnalysisConfig};
use liftform_core::eval::{evaluate, ClipResult, Evaluation, Labels};
use liftform_core::recording::Recording;
use liftform_vision::pose::model::ModelChoice;
use liftform_vision::pose::{PoseEstimator, PoseOptions};
use liftform_vision::pose_pass::{run_pose_pass_with, PosePassOptions};

use crate::error::{input, output, Error};

pub struct EvalOptions {
    pub labels: PathBuf,
    /// Where recordings are reused from and kept (`<stem>/poses.jsonl`); a temporary folder
    /// when not given.
    pub recordings_dir: Option<PathBuf>,
    pub model: ModelChoice,
    pub pose: PoseOptions,
    pub pose_pass: PosePassOptions,
    pub config: AnalysisConfig,
}

/// Scores every clip the labels name that is in `dir`. A clip that cannot be analysed is listed
/// as not evaluated with the reason; an interruption stops the run.
pub fn run_eval(dir: &Path, options: &EvalOptions, mut on_clip: impl FnMut(&str)) -> Result<Evaluation, Error> {
    if !dir.is_dir() {
        return Err(input(dir, "is not a folder of clips"));
    }
    let labels = Labels::read(&options.labels)?;
    let temporary;
    let recordings_dir = match &options.recordings_dir {
        Some(d) => d.clone(),
        None => {
            temporary = tempfile::tempdir()
                .map_err(|e| output(Path::new("."), format!("cannot make a temporary folder: {e}")))?;
            temporary.path().to_path_buf()
        }
    };
    let mut estimator = None;
    let mut results = Vec::new();
    let mut missing = Vec::new();
    for clip in labels.clips.keys() {
        on_clip(clip);
        let video = dir.join(clip);
        if !video.is_file() {
            missing.push((clip.clone(), format!("{} is not there", video.display())));
            continue;
        }
        match recording_of(&video, &recordings_dir, options, &mut estimator) {
            Ok(recording) => results.push(ClipResult::from_report(clip, &analyze(&recording, &options.config))),
            Err(e) if e.is_interrupted() => return Err(e),
            Err(e) => missing.push((clip.clone(), e.to_string())),
        }
    }
    Ok(evaluate(&labels, &results, missing))
}

/// The clip's recording: the one kept for it when it was made from a file of the same name, else
/// a new pose pass (which loads the models on first use) kept in its place.
fn recording_of(
    video: &Path,
    recordings_dir: &Path,
    options: &EvalOptions,
    estimator: &mut Option<PoseEstimator>,
) -> Result<Recording, Error> {
    let stem = video.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "video".into());
    let dir = recordings_dir.join(&stem);
    let kept = dir.join("poses.jsonl");
    if let Ok(recording) = Recording::read(&kept) {
        if Path::new(&recording.header.source.path).file_name() == video.file_name() {
            return Ok(recording);
        }
    }
    std::fs::create_dir_all(&dir).map_err(|e| output(&dir, format!("cannot create folder: {e}")))?;
    let estimator = match estimator {
        Some(e) => e,
        None => estimator.insert(PoseEstimator::new(&options.model, options.pose)?),
    };
    let pass = run_pose_pass_with(video, &dir, estimator, &options.pose_pass, |_| {})?;
    Ok(Recording::read(&pass.recording_path)?)
}
