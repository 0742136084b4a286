//! Track: from a recording's raw keypoints to clean per-frame trajectories of the lifter's near
//! side, in image pixels (`_px`, origin top-left, y down, the recording's upright frame).
//!
//! Steps: order the frames in time; pick the near side (the better-seen hip/knee/ankle/shoulder
//! chain) and the facing direction; reject implausible samples (low visibility, non-finite,
//! Hampel outliers: jumps no body part makes in a frame); fill short gaps by interpolation;
//! smooth with a gap-tolerant Savitzky–Golay filter (local quadratic, which also gives
//! velocities); and mark each frame trusted or not. Nothing here panics on any recording.

// NaN-safe comparisons are written `!(x > y)` on purpose: they are true when x is NaN.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use serde::{Deserialize, Serialize};

use crate::recording::{landmark_index as lm, Recording, TrunkProfile};

mod bar;
mod raw;
mod repair;
mod smooth;

use raw::RawLandmarks;
use smooth::Smoother;

/// Default: landmarks below this visibility are treated as not seen.
pub const MIN_VISIBILITY: f64 = 0.2;
/// Default: frames whose pose score is below this are dropped.
pub const MIN_POSE_SCORE: f64 = 0.3;
/// Default: gaps up to this long are filled by interpolation; longer ones stay untrusted.
pub const MAX_GAP_S: f64 = 0.35;
/// Default: half width of the Savitzky–Golay (local quadratic) smoothing window.
pub const SMOOTH_HALF_WINDOW_S: f64 = 0.1;
/// Default: a sample further than this fraction of the body scale from its neighbours' running
/// median (and beyond 4.5 MADs) is an implausible jump and is dropped.
pub const JUMP_MIN_BODY_FRACTION: f64 = 0.08;
/// Default: half width of the jump-rejection (Hampel) window.
pub const JUMP_HALF_WINDOW_S: f64 = 0.2;
/// Default: a frame whose shank, thigh or trunk is shorter than this share of its median
/// on-screen length (or longer than `MAX_SEGMENT_RATIO`) is an implausible pose.
pub const MIN_SEGMENT_RATIO: f64 = 0.7;
pub const MAX_SEGMENT_RATIO: f64 = 1.5;
/// Default: an ankle further than this share of the body scale from its usual place has been lost.
pub const FOOT_TOLERANCE_BODY_FRACTION: f64 = 0.12;
/// Default: bar samples below this confidence are ignored.
pub const MIN_BAR_CONFIDENCE: f64 = 0.3;
/// Default: foot landmarks (ankle, heel, toe) seen at least this well place the planted feet;
/// below it the model is guessing (a plate in front of the feet reads 0.2–0.45).
pub const PLANTED_FOOT_MIN_VISIBILITY: f64 = 0.5;
/// Default: the planted place needs this much well-seen footage, s.
pub const PLANTED_FOOT_MIN_SEEN_S: f64 = 0.5;

/// Tracking settings (`[track]` in the config file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrackConfig {
    pub min_visibility: f64,
    pub min_pose_score: f64,
    pub max_gap_s: f64,
    pub smooth_half_window_s: f64,
    pub jump_min_body_fraction: f64,
    pub jump_half_window_s: f64,
    pub min_bar_confidence: f64,
    pub min_segment_ratio: f64,
    pub max_segment_ratio: f64,
    pub foot_tolerance_body_fraction: f64,
    pub planted_foot_min_visibility: f64,
    pub planted_foot_min_seen_s: f64,
}

impl Default for TrackConfig {
    fn default() -> Self {
        TrackConfig {
            min_visibility: MIN_VISIBILITY,
            min_pose_score: MIN_POSE_SCORE,
            max_gap_s: MAX_GAP_S,
            smooth_half_window_s: SMOOTH_HALF_WINDOW_S,
            jump_min_body_fraction: JUMP_MIN_BODY_FRACTION,
            jump_half_window_s: JUMP_HALF_WINDOW_S,
            min_bar_confidence: MIN_BAR_CONFIDENCE,
            min_segment_ratio: MIN_SEGMENT_RATIO,
            max_segment_ratio: MAX_SEGMENT_RATIO,
            foot_tolerance_body_fraction: FOOT_TOLERANCE_BODY_FRACTION,
            planted_foot_min_visibility: PLANTED_FOOT_MIN_VISIBILITY,
            planted_foot_min_seen_s: PLANTED_FOOT_MIN_SEEN_S,
        }
    }
}

/// The lifter's side (BlazePose's odd indices are the subject's left).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Left,
    Right,
}

/// The screen direction the lifter faces (toes point that way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Facing {
    Left,
    Right,
    Unknown,
}

impl Side {
    pub fn other(self) -> Side {
        match self {
            Side::Left => Side::Right,
            Side::Right => Side::Left,
        }
    }
}

impl Facing {
    /// +1 when facing right (image x grows forward), −1 when facing left, 0 when unknown.
    pub fn sign(self) -> f64 {
        match self {
            Facing::Right => 1.0,
            Facing::Left => -1.0,
            Facing::Unknown => 0.0,
        }
    }
}

/// The joints the analysis follows, on one side of the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joint {
    Ear,
    Shoulder,
    Elbow,
    Wrist,
    Hip,
    Knee,
    Ankle,
    Heel,
    Toe,
}

pub const JOINTS: [Joint; 9] = [
    Joint::Ear,
    Joint::Shoulder,
    Joint::Elbow,
    Joint::Wrist,
    Joint::Hip,
    Joint::Knee,
    Joint::Ankle,
    Joint::Heel,
    Joint::Toe,
];

impl Joint {
    pub fn landmark(self, side: Side) -> usize {
        let (l, r) = match self {
            Joint::Ear => (lm::LEFT_EAR, lm::RIGHT_EAR),
            Joint::Shoulder => (lm::LEFT_SHOULDER, lm::RIGHT_SHOULDER),
            Joint::Elbow => (lm::LEFT_ELBOW, lm::RIGHT_ELBOW),
            Joint::Wrist => (lm::LEFT_WRIST, lm::RIGHT_WRIST),
            Joint::Hip => (lm::LEFT_HIP, lm::RIGHT_HIP),
            Joint::Knee => (lm::LEFT_KNEE, lm::RIGHT_KNEE),
            Joint::Ankle => (lm::LEFT_ANKLE, lm::RIGHT_ANKLE),
            Joint::Heel => (lm::LEFT_HEEL, lm::RIGHT_HEEL),
            Joint::Toe => (lm::LEFT_FOOT_INDEX, lm::RIGHT_FOOT_INDEX),
        };
        match side {
            Side::Left => l,
            Side::Right => r,
        }
    }

    fn slot(self) -> usize {
        JOINTS.iter().position(|j| *j == self).unwrap_or(0)
    }
}

/// One point followed over time, in image px. NaN = unknown at that frame.
#[derive(Debug, Clone, Default)]
pub struct PointTrack {
    /// Smoothed position.
    pub x_px: Vec<f64>,
    pub y_px: Vec<f64>,
    /// Smoothed velocity (image px per second).
    pub vx_px_s: Vec<f64>,
    pub vy_px_s: Vec<f64>,
    /// Raw position as accepted (NaN where missing or rejected), before filling and smoothing.
    pub raw_x_px: Vec<f64>,
    pub raw_y_px: Vec<f64>,
    /// The raw landmark visibility (NaN where no pose).
    pub visibility: Vec<f64>,
    /// Frames whose value was interpolated over a short gap.
    pub filled: Vec<bool>,
}

impl PointTrack {
    pub fn at(&self, k: usize) -> [f64; 2] {
        [self.x_px.get(k).copied().unwrap_or(f64::NAN), self.y_px.get(k).copied().unwrap_or(f64::NAN)]
    }

    /// The measured sample (after rejection, before gap filling and smoothing).
    pub fn raw(&self, k: usize) -> [f64; 2] {
        [self.raw_x_px.get(k).copied().unwrap_or(f64::NAN), self.raw_y_px.get(k).copied().unwrap_or(f64::NAN)]
    }

    pub fn known(&self, k: usize) -> bool {
        let p = self.at(k);
        p[0].is_finite() && p[1].is_finite()
    }

    /// Share of frames with a known (measured or filled) position.
    pub fn coverage(&self) -> f64 {
        if self.x_px.is_empty() {
            return 0.0;
        }
        (0..self.x_px.len()).filter(|&k| self.known(k)).count() as f64 / self.x_px.len() as f64
    }
}

/// Where the bar position came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BarOrigin {
    /// The recording's bar samples from plate tracking.
    Plate,
    /// The wrists' midpoint (or the near wrist alone where the far one is not seen).
    Wrists,
    /// No usable bar estimate.
    None,
}

/// The cleaned trajectories of one recording.
#[derive(Debug, Clone)]
pub struct Track {
    pub fps: f64,
    pub t_s: Vec<f64>,
    /// The recording's frame index (`i`) of each sample.
    pub frame: Vec<u64>,
    pub near_side: Side,
    pub facing: Facing,
    pub facing_confidence: f64,
    /// Near-side joints, indexed like [`JOINTS`] (use [`Track::near`]).
    near_joints: Vec<PointTrack>,
    far_joints: Vec<PointTrack>,
    pub bar: PointTrack,
    pub bar_origin: BarOrigin,
    /// The bar's horizontal place comes from the plate alone (no frames with both hands to
    /// anchor it to the bar's middle).
    pub bar_x_from_plate_alone: bool,
    /// Per frame: the bar was placed from the hands here (always, when the bar is the wrists).
    pub bar_from_hands: Vec<bool>,
    /// Median plate radius in px when the bar comes from plates.
    pub plate_radius_px: f64,
    /// cm per px in the lifter's plane from the plate's known diameter, when the plate scale is
    /// trustworthy (one steady radius that agrees with the lifter's size); see `bar::scale`.
    pub plate_cm_per_px_body_plane: Option<f64>,
    pub plate_diameter_mm: f64,
    /// Per frame: the mask-based trunk outline, if the pose pass wrote one.
    pub trunk_profile: Vec<Option<TrunkProfile>>,
    /// Per frame: raw mid-hip and mid-shoulder (both sides averaged): the chord the trunk
    /// profile is measured from.
    pub mid_hip_raw_px: Vec<[f64; 2]>,
    pub mid_shoulder_raw_px: Vec<[f64; 2]>,
    /// Per frame: a pose was present with an acceptable score.
    pub pose_present: Vec<bool>,
    /// Per frame: the near-side shoulder/hip/knee/ankle chain is known (measured or short-filled).
    pub trusted: Vec<bool>,
    /// Median near-side shoulder–hip + hip–knee + knee–ankle length in px (NaN if unknown).
    pub body_scale_px: f64,
    /// Per frame: the near foot (ankle, heel, toe) was hidden or lost there and stands at its
    /// planted place instead (see [`PLANTED_FOOT_MIN_VISIBILITY`]).
    pub foot_from_planted: Vec<bool>,
    /// How many frames saw the near foot well enough to place it (0 when it was never placed).
    pub planted_foot_seen_frames: usize,
    pub warnings: Vec<String>,
}

impl Track {
    pub fn len(&self) -> usize {
        self.t_s.len()
    }

    pub fn is_empty(&self) -> bool {
        self.t_s.is_empty()
    }

    pub fn near(&self, j: Joint) -> &PointTrack {
        &self.near_joints[j.slot()]
    }

    pub fn far(&self, j: Joint) -> &PointTrack {
        &self.far_joints[j.slot()]
    }

    /// Share of frames that are trusted.
    pub fn trusted_share(&self) -> f64 {
        if self.trusted.is_empty() {
            0.0
        } else {
            self.trusted.iter().filter(|b| **b).count() as f64 / self.trusted.len() as f64
        }
    }

    /// Builds the track from a recording. Never panics; an empty or useless recording gives an
    /// empty or all-untrusted track with warnings.
    ///
    /// The stages, in order: frames in time ([`raw`]); near side and body size; the accepted
    /// samples of each joint; the model's known mistakes repaired ([`repair`]: hidden feet put
    /// back where they stand, implausible poses dropped); every joint smoothed ([`smooth`]); the
    /// facing; the trunk chord; the bar ([`bar`]: the plate when it is trusted, else the wrists);
    /// and which frames are trusted.
    pub fn from_recording(rec: &Recording, cfg: &TrackConfig) -> Track {
        let mut warnings = Vec::new();
        let frames = raw::frames_in_order(rec);
        let n = frames.len();
        let (fps, t_s) = raw::frame_times(&frames, rec.header.source.fps, &mut warnings);
        let pose_present = raw::pose_presence(&frames, cfg.min_pose_score);
        let landmarks = RawLandmarks { frames: &frames, pose_present: &pose_present };

        let near_side = raw::near_side_of(&landmarks);
        let body_scale_px = raw::body_scale_px(&landmarks, near_side);
        let mut near_raw = raw::accepted_joints(&landmarks, near_side, cfg.min_visibility);
        let far_raw = raw::accepted_joints(&landmarks, near_side.other(), cfg.min_visibility);

        let feet = repair::plant_near_foot(&mut near_raw, &far_raw, &pose_present, body_scale_px, fps, cfg);
        warnings.extend(feet.warnings());
        repair::drop_implausible_poses(&mut near_raw, cfg, &mut warnings);

        let smoother = Smoother::new(&t_s, fps, body_scale_px, cfg);
        let near_joints: Vec<PointTrack> = near_raw.iter().map(|s| smoother.joint(s)).collect();
        let far_joints: Vec<PointTrack> = far_raw.iter().map(|s| smoother.joint(s)).collect();

        let (facing, facing_confidence) = raw::facing_of(&landmarks, near_side, body_scale_px, cfg.min_visibility);
        let trunk = raw::TrunkChord::of(&landmarks);

        let bar = bar::choose_bar(
            rec,
            &frames,
            bar::BodyWrists { near: &near_joints[Joint::Wrist.slot()], far: &far_joints[Joint::Wrist.slot()] },
            body_scale_px,
            &pose_present,
            &smoother,
            cfg.min_bar_confidence,
            &mut warnings,
        );
        let trusted = trusted_frames(&near_joints, &pose_present);

        if n > 0 && !body_scale_px.is_finite() {
            warnings.push("no frame shows the lifter's shoulder–hip–knee–ankle chain".to_string());
        }
        let mut track = Track {
            fps,
            t_s,
            frame: frames.iter().map(|f| f.i).collect(),
            near_side,
            facing,
            facing_confidence,
            near_joints,
            far_joints,
            bar: bar.track,
            bar_origin: bar.origin,
            bar_x_from_plate_alone: bar.x_from_plate_alone,
            bar_from_hands: bar.from_hands,
            plate_radius_px: bar.plate_radius_px,
            plate_cm_per_px_body_plane: bar.plate_cm_per_px_body_plane,
            plate_diameter_mm: bar.plate_diameter_mm,
            trunk_profile: trunk.profile,
            mid_hip_raw_px: trunk.mid_hip_px,
            mid_shoulder_raw_px: trunk.mid_shoulder_px,
            pose_present,
            trusted,
            body_scale_px,
            foot_from_planted: feet.from_planted,
            planted_foot_seen_frames: feet.seen_frames,
            warnings,
        };
        let share = track.trusted_share();
        if n > 0 && share < 0.8 && share > 0.0 {
            track.warnings.push(format!("only {:.0} % of frames show the lifter clearly", share * 100.0));
        }
        track
    }
}

/// The near-side shoulder, hip, knee and ankle: a frame is trusted where all four are known
/// (measured, or filled over a short gap in a frame that had a pose or whose hip was filled).
const CHAIN: [Joint; 4] = [Joint::Shoulder, Joint::Hip, Joint::Knee, Joint::Ankle];

/// Per frame: the near chain is known, and the frame had a pose or its hip was filled.
fn trusted_frames(near_joints: &[PointTrack], pose_present: &[bool]) -> Vec<bool> {
    (0..pose_present.len())
        .map(|k| {
            let near_ok = CHAIN.iter().all(|j| near_joints[j.slot()].known(k));
            near_ok && (pose_present[k] || near_joints[Joint::Hip.slot()].filled[k])
        })
        .collect()
}
