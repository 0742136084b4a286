//! The pose pass over one video: decode (on its own thread, a few frames ahead) → BlazePose →
//! `poses.jsonl`, streamed so memory stays flat whatever the video's length.

use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::bar::{BarTracker, BarTrackerOptions, BarTrackerStats};
use crate::error::{output, Error, Result};
use crate::pose::PoseEstimator;
use crate::video::{for_each_frame, Frame, VideoInfo, VideoReader};
use liftform_core::output::AtomicFile;
use liftform_core::recording::PoseSample;
use liftform_core::recording::{
    BarSample, FrameRecord, ModelInfo, RecordingHeader, RecordingWriter, SourceInfo, RECORDING_SCHEMA,
};

/// Frames decoded ahead of the pose model: enough to keep both busy, few enough to keep memory flat.
const DECODE_AHEAD_FRAMES: usize = 4;
/// Frames the pose model may run ahead of bar tracking and writing.
const BAR_AHEAD_FRAMES: usize = 2;

#[derive(Debug, Clone, PartialEq)]
pub struct PosePassSummary {
    pub recording_path: PathBuf,
    pub video: VideoInfo,
    pub frames: u64,
    pub frames_with_pose: u64,
    pub mean_score: f64,
    pub elapsed_s: f64,
    pub detector_runs: u64,
    /// Bar tracking counts (all zero when it was off).
    pub bar: BarTrackerStats,
}

/// What the pass does besides the pose.
#[derive(Debug, Clone, PartialEq)]
pub struct PosePassOptions {
    /// Track the barbell's near plate and fill each frame's `bar` (else `bar` is null). On by
    /// default: the analysis trusts the plate only where its radius is steady and fits the
    /// lifter, and falls back to the wrists frame by frame (the CLI's `--no-bar` turns it off).
    pub track_bar: bool,
    pub bar: BarTrackerOptions,
    /// Written to the recording's header when given (the default plate is 450 mm).
    pub plate_diameter_mm: Option<f64>,
}

impl Default for PosePassOptions {
    fn default() -> Self {
        PosePassOptions { track_bar: true, bar: BarTrackerOptions::default(), plate_diameter_mm: None }
    }
}

impl PosePassSummary {
    pub fn frames_per_s(&self) -> f64 {
        if self.elapsed_s > 0.0 {
            self.frames as f64 / self.elapsed_s
        } else {
            0.0
        }
    }
}

fn header_for(info: &VideoInfo, frames: u64, estimator: &PoseEstimator, options: &PosePassOptions) -> RecordingHeader {
    let models = estimator.models();
    RecordingHeader {
        schema: RECORDING_SCHEMA.into(),
        source: SourceInfo {
            path: info.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            fps: info.fps,
            frames,
            width: info.width,
            height: info.height,
            rotation_deg: info.rotation_deg,
        },
        model: ModelInfo { name: models.name.clone(), sha256: Some(models.landmark_sha256.clone()) },
        plate_diameter_mm: options.plate_diameter_mm,
    }
}

/// Runs the pose pass on `video`, writing `<dir>/poses.jsonl`. `on_frame` is called after each
/// frame with the number done (for progress display). On any error nothing is left behind.
pub fn run_pose_pass(
    video: &Path,
    dir: &Path,
    estimator: &mut PoseEstimator,
    on_frame: impl FnMut(u64),
) -> Result<PosePassSummary> {
    run_pose_pass_with(video, dir, estimator, &PosePassOptions::default(), on_frame)
}

/// [`run_pose_pass`] with options (bar tracking on or off, the plate's diameter).
pub fn run_pose_pass_with(
    video: &Path,
    dir: &Path,
    estimator: &mut PoseEstimator,
    options: &PosePassOptions,
    mut on_frame: impl FnMut(u64),
) -> Result<PosePassSummary> {
    let start = Instant::now();
    let reader = VideoReader::open(video)?;
    let info = reader.info().clone();
    let recording_path = dir.join("poses.jsonl");
    let mut file = AtomicFile::create(&recording_path)?;
    estimator.reset();
    let stats_before = estimator.stats;

    // The header states the decoded frame count, known only at the end: frame lines go to an
    // anonymous temporary file (gone by itself on any exit) and follow the header at the end.
    let write_error = |e: std::io::Error| output(&recording_path, format!("cannot write: {e}"));
    let body = BufWriter::new(tempfile::tempfile_in(dir).map_err(write_error)?);
    let mut frames_with_pose = 0u64;
    let mut score_sum = 0.0f64;

    // Three stages, each on its own thread: decode (a few frames ahead) → pose → bar tracking and
    // writing. The bar tracker needs each frame's pose (wrists, body size), so it runs one stage
    // behind the pose model and its cost overlaps the next frame's pose instead of adding to it.
    let (to_writer, from_pose) = std::sync::mpsc::sync_channel::<(Frame, Option<PoseSample>)>(BAR_AHEAD_FRAMES);
    let bar_tracker = options.track_bar.then(|| BarTracker::new(options.bar.clone()));
    let (reader, written) = std::thread::scope(|scope| {
        let writer = scope.spawn(move || -> Result<(u64, Option<BarTracker>, BufWriter<std::fs::File>)> {
            let (mut tracker, mut body, mut frames) = (bar_tracker, body, 0u64);
            for (frame, pose) in from_pose {
                let bar = match tracker.as_mut() {
                    Some(tracker) => {
                        let landmarks = pose.as_ref().map(|p| p.landmarks.as_slice());
                        tracker.update(&frame.image_bgr, frame.t_s, landmarks)?.map(round_bar)
                    }
                    None => None,
                };
                let record = FrameRecord { i: frame.index, t_s: (frame.t_s * 1e4).round() / 1e4, pose, bar };
                serde_json::to_writer(&mut body, &record).map_err(std::io::Error::from).map_err(write_error)?;
                body.write_all(b"\n").map_err(write_error)?;
                frames += 1;
            }
            Ok((frames, tracker, body))
        });
        let mut posed = 0u64;
        let read: Result<VideoReader> = for_each_frame(reader, DECODE_AHEAD_FRAMES, |frame| {
            let pose = estimator.estimate(&frame.image_bgr, frame.t_s)?;
            if let Some(p) = &pose {
                frames_with_pose += 1;
                score_sum += p.score as f64;
            }
            posed += 1;
            // A closed channel means the writer stopped on an error, reported below.
            to_writer.send((frame, pose)).map_err(|_| Error::Thread("the writer stopped"))?;
            on_frame(posed);
            Ok(())
        });
        drop(to_writer);
        let written = writer.join().map_err(|_| Error::Thread("the bar tracking / writing thread panicked"));
        (read, written)
    });
    // The writer's own error (a full disk, an OpenCV failure) explains a stopped pose stage.
    let (frames, bar_tracker, body) = written??;
    let reader = reader?;
    reader.check_complete()?;

    let header = header_for(&info, frames, estimator, options);
    let mut body = body.into_inner().map_err(|e| write_error(e.into_error()))?;
    body.seek(SeekFrom::Start(0)).map_err(write_error)?;
    RecordingWriter::new(file.writer(), &header).map_err(write_error)?;
    std::io::copy(&mut body, file.writer()).map_err(write_error)?;
    let recording_path = file.commit()?;
    Ok(PosePassSummary {
        recording_path,
        video: info,
        frames,
        frames_with_pose,
        mean_score: if frames_with_pose > 0 { score_sum / frames_with_pose as f64 } else { 0.0 },
        elapsed_s: start.elapsed().as_secs_f64(),
        detector_runs: estimator.stats.detector_runs - stats_before.detector_runs,
        bar: bar_tracker.map(|t| t.stats).unwrap_or_default(),
    })
}

/// Bar numbers to 0.01 px and 0.001 confidence: keeps poses.jsonl small.
fn round_bar(mut b: BarSample) -> BarSample {
    let r2 = |v: f32| (v * 100.0).round() / 100.0;
    b.x_px = r2(b.x_px);
    b.y_px = r2(b.y_px);
    b.r_px = b.r_px.map(r2);
    b.confidence = (b.confidence * 1000.0).round() / 1000.0;
    b
}
