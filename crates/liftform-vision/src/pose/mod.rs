//! The BlazePose pose pass: detector → rotated ROI → landmark network → landmarks in the image,
//! then frame-to-frame tracking of the ROI from the auxiliary alignment landmarks (33/34), with the
//! detector run again only when tracking is lost, and the same lifter kept throughout.

pub mod anchors;
pub mod detection;
pub mod lifter;
pub mod model;
pub mod preprocess;
pub mod refine;
pub mod roi;
pub mod smoothing;
pub mod trunk;

use opencv::core::Mat;
use opencv::prelude::*;

use crate::error::Result;
use detection::{
    letterbox_padding, remove_letterbox, sigmoid, weighted_nms, Detection, MIN_DETECTION_SCORE, NMS_IOU_THRESHOLD,
};
use lifter::{choose_lifter, is_plausible_step, LifterMemory, PersonCandidate};
use liftform_core::recording::{Landmark, PoseSample, LANDMARK_COUNT};
use model::{LandmarkOutput, ModelChoice, PoseModels};
use preprocess::Preprocessor;
use roi::{Roi, LANDMARK_INPUT_PX};
use smoothing::{LandmarkSmoother, LANDMARK_SMOOTHING};

/// How the pose pass treats the networks' raw output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PoseOptions {
    /// ONNX Runtime threads per network run.
    pub intra_threads: usize,
    /// Move landmarks to their heatmap peaks (MediaPipe does; the single-image reference does not).
    pub refine_from_heatmap: bool,
    /// Temporal One-Euro filtering of the reported landmarks, with MediaPipe's settings.
    pub smooth: bool,
}

impl Default for PoseOptions {
    fn default() -> Self {
        PoseOptions { intra_threads: 1, refine_from_heatmap: true, smooth: true }
    }
}

/// MediaPipe treats the pose as present when the landmark network's flag exceeds this.
pub const MIN_POSE_FLAG: f32 = 0.5;
/// For this many frames after losing the lifter (a plate or a passer-by in front) we retry the
/// crop where they were last seen. (Accepting weaker detections as well was tried: it locked on
/// to plates and never let go.)
const COAST_FRAMES: u32 = 30;
const HIP_CENTRE_AUX: usize = 33;
const BODY_POINT_AUX: usize = 34;

/// The landmark network's result on one ROI, mapped to the image.
#[derive(Debug, Clone)]
pub struct RoiResult {
    pub pose_flag: f32,
    /// 39 × [x_px, y_px, z_px, visibility, presence] in image pixels (33..38 auxiliary).
    pub landmarks_px: Vec<[f32; 5]>,
    pub roi: Roi,
}

impl RoiResult {
    fn point(&self, i: usize) -> [f32; 2] {
        [self.landmarks_px[i][0], self.landmarks_px[i][1]]
    }

    /// The ROI for the next frame, from the alignment landmarks.
    pub fn next_roi(&self) -> Roi {
        Roi::from_alignment_points(self.point(HIP_CENTRE_AUX), self.point(BODY_POINT_AUX))
    }

    fn lifter_position(&self) -> ([f32; 2], f32) {
        let (hip, body) = (self.point(HIP_CENTRE_AUX), self.point(BODY_POINT_AUX));
        (hip, (body[0] - hip[0]).hypot(body[1] - hip[1]))
    }
}

/// Counters for the summary and the benchmark.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PoseStats {
    pub detector_runs: u64,
    pub landmark_runs: u64,
}

/// Streams frames through BlazePose, one lifter, tracking between frames. One per worker thread.
pub struct PoseEstimator {
    models: PoseModels,
    pre: Preprocessor,
    raw: LandmarkOutput,
    tracked_roi: Option<Roi>,
    /// The crop of the last frame where the lifter was found, for coasting through occlusions.
    last_good_roi: Option<Roi>,
    memory: Option<LifterMemory>,
    options: PoseOptions,
    landmark_smoother: LandmarkSmoother,
    pub stats: PoseStats,
}

impl PoseEstimator {
    pub fn new(choice: &ModelChoice, options: PoseOptions) -> Result<PoseEstimator> {
        Ok(PoseEstimator {
            models: PoseModels::load(choice, options.intra_threads)?,
            pre: Preprocessor::default(),
            raw: LandmarkOutput::default(),
            tracked_roi: None,
            last_good_roi: None,
            memory: None,
            options,
            landmark_smoother: LandmarkSmoother::new(LANDMARK_SMOOTHING),
            stats: PoseStats::default(),
        })
    }

    pub fn models(&self) -> &PoseModels {
        &self.models
    }

    /// Forgets the tracked lifter (a new video).
    pub fn reset(&mut self) {
        self.tracked_roi = None;
        self.last_good_roi = None;
        self.memory = None;
        self.landmark_smoother.reset();
    }

    /// Runs the detector on the whole frame: people in normalised image coordinates, best first.
    pub fn detect_people(&mut self, frame_bgr: &Mat) -> Result<Vec<Detection>> {
        let size = frame_bgr.size()?;
        let padding = letterbox_padding(size.width as u32, size.height as u32);
        let input = self.pre.detector_tensor(frame_bgr)?;
        self.stats.detector_runs += 1;
        let candidates = self.models.detect_candidates(input, MIN_DETECTION_SCORE)?;
        Ok(weighted_nms(candidates, NMS_IOU_THRESHOLD).iter().map(|d| remove_letterbox(d, padding)).collect())
    }

    /// Picks the lifter among detections and runs the landmark network on them.
    fn pose_from_detections(&mut self, frame_bgr: &Mat, people: &[Detection]) -> Result<Option<RoiResult>> {
        let size = frame_bgr.size()?;
        let (w, h) = (size.width as f32, size.height as f32);
        let in_pixels = |p: [f32; 2]| [p[0] * w, p[1] * h];
        let candidates: Vec<PersonCandidate> = people
            .iter()
            .map(|d| {
                let (hip, body) = (in_pixels(d.keypoints[0]), in_pixels(d.keypoints[1]));
                PersonCandidate {
                    hip_px: hip,
                    body_radius_px: (body[0] - hip[0]).hypot(body[1] - hip[1]),
                    score: d.score,
                }
            })
            .collect();
        let Some(i) = choose_lifter(&candidates, [size.width as u32, size.height as u32], self.memory.as_ref()) else {
            return Ok(None);
        };
        let roi = Roi::from_alignment_points(in_pixels(people[i].keypoints[0]), in_pixels(people[i].keypoints[1]));
        let result = self.landmarks_in_roi(frame_bgr, &roi)?;
        Ok((result.pose_flag >= MIN_POSE_FLAG).then_some(result))
    }

    /// Runs the landmark network on one ROI of the frame.
    pub fn landmarks_in_roi(&mut self, frame_bgr: &Mat, roi: &Roi) -> Result<RoiResult> {
        let input = self.pre.landmark_tensor(frame_bgr, roi)?;
        self.models.landmarks(input, &mut self.raw)?;
        self.stats.landmark_runs += 1;
        if self.options.refine_from_heatmap {
            refine::refine_from_heatmap(&mut self.raw.landmarks, &self.raw.heatmap_logits);
        }
        let side = roi.side_px;
        let landmarks_px = self
            .raw
            .landmarks
            .chunks_exact(5)
            .map(|a| {
                let [x, y] = roi.point_in_image([a[0], a[1]]);
                [x, y, a[2] / LANDMARK_INPUT_PX as f32 * side, sigmoid(a[3]), sigmoid(a[4])]
            })
            .collect();
        Ok(RoiResult { pose_flag: self.raw.pose_flag, landmarks_px, roi: *roi })
    }

    /// The pose of the lifter in this frame (at `t_s` seconds), or `None` when no lifter is found.
    pub fn estimate(&mut self, frame_bgr: &Mat, t_s: f64) -> Result<Option<PoseSample>> {
        if let Some(roi) = self.tracked_roi.take() {
            let result = self.landmarks_in_roi(frame_bgr, &roi)?;
            if result.pose_flag >= MIN_POSE_FLAG && self.is_same_lifter(&result) {
                return Ok(Some(self.accept(result, t_s)));
            }
        }
        let people = self.detect_people(frame_bgr)?;
        if let Some(result) = self.pose_from_detections(frame_bgr, &people)? {
            return Ok(Some(self.accept(result, t_s)));
        }
        // Coast: the lifter rarely vanishes; try where they last were before giving up.
        let recently_seen = self.memory.is_some_and(|m| m.frames_since_seen <= COAST_FRAMES);
        if let Some(roi) = self.last_good_roi.filter(|_| recently_seen) {
            let result = self.landmarks_in_roi(frame_bgr, &roi)?;
            if result.pose_flag >= MIN_POSE_FLAG && self.is_same_lifter(&result) {
                return Ok(Some(self.accept(result, t_s)));
            }
        }
        if let Some(mem) = self.memory.as_mut() {
            mem.frames_since_seen += 1;
        }
        self.landmark_smoother.reset();
        Ok(None)
    }

    fn is_same_lifter(&self, result: &RoiResult) -> bool {
        let (hip, radius) = result.lifter_position();
        self.memory.as_ref().is_none_or(|mem| is_plausible_step(mem, hip, radius))
    }

    fn accept(&mut self, mut result: RoiResult, t_s: f64) -> PoseSample {
        let (hip_px, body_radius_px) = result.lifter_position();
        self.memory = Some(LifterMemory { hip_px, body_radius_px, frames_since_seen: 0 });
        self.last_good_roi = Some(result.roi);
        if self.options.smooth {
            // Only the reported landmarks are filtered: the crop follows the raw alignment points.
            // (Smoothing those as MediaPipe's graph does lagged the crop behind fast pulls here and
            // doubled the distance to MediaPipe's own output on the shared clips.)
            self.landmark_smoother.apply(t_s, &mut result.landmarks_px[..LANDMARK_COUNT]);
        }
        self.tracked_roi = Some(result.next_roi());
        let landmarks = result.landmarks_px[..LANDMARK_COUNT]
            .iter()
            .map(|a| Landmark { x_px: a[0], y_px: a[1], z: a[2], visibility: a[3], presence: Some(a[4]) })
            .collect();
        // The network gives world landmarks in the crop's own axes, which turn with the body (the
        // crop follows the hip→shoulder line): turned back by the crop's rotation, as MediaPipe's
        // graph does, they are in the camera's axes, so "down" is down in the image.
        let (sin, cos) = result.roi.rotation_rad.sin_cos();
        let world = self
            .raw
            .world
            .chunks_exact(3)
            .take(LANDMARK_COUNT)
            .map(|w| [cos * w[0] - sin * w[1], sin * w[0] + cos * w[1], w[2]])
            .map(|w| w.map(|v| (v * 1e4).round() / 1e4))
            .collect();
        PoseSample {
            score: (result.pose_flag * 1e5).round() / 1e5,
            landmarks,
            world_landmarks: Some(world),
            trunk_profile: trunk::trunk_profile(&self.raw.segmentation_logits, &self.raw.landmarks, &result.roi),
        }
    }
}
