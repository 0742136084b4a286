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

use crate::recording::{
    landmark_index as lm, BarSource, FrameRecord, Recording, TrunkProfile, DEFAULT_PLATE_DIAMETER_MM,
};
use crate::signal;

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
    pub fn from_recording(rec: &Recording, cfg: &TrackConfig) -> Track {
        let mut warnings = Vec::new();
        let header_fps = rec.header.source.fps;
        // Order frames by index; use the stated time where it is usable.
        let mut order: Vec<usize> = (0..rec.frames.len()).collect();
        order.sort_by_key(|&k| rec.frames[k].i);
        order.dedup_by_key(|k| rec.frames[*k].i);
        let frames: Vec<&FrameRecord> = order.iter().map(|&k| &rec.frames[k]).collect();
        let n = frames.len();
        let (fps, t_s) = frame_times(&frames, header_fps, &mut warnings);

        // Raw landmark access.
        let min_vis = cfg.min_visibility;
        let min_score = cfg.min_pose_score;
        let pose_present: Vec<bool> = frames
            .iter()
            .map(|f| match &f.pose {
                Some(p) => !(p.score < min_score as f32) && p.landmarks.len() > lm::RIGHT_FOOT_INDEX,
                None => false,
            })
            .collect();
        let landmarks = RawLandmarks { frames: &frames, pose_present: &pose_present };
        let raw = |k: usize, idx: usize| landmarks.at(k, idx);

        // Near side: the side whose limb landmarks are seen better; z breaks ties.
        let near_side = near_side_of(&landmarks);
        let far_side = match near_side {
            Side::Left => Side::Right,
            Side::Right => Side::Left,
        };

        // Body scale from raw near-side segment lengths.
        let dist = |a: [f64; 2], b: [f64; 2]| (a[0] - b[0]).hypot(a[1] - b[1]);
        let body_raw: Vec<f64> = (0..n)
            .map(|k| {
                let g = |j: Joint| raw(k, j.landmark(near_side)).0;
                dist(g(Joint::Shoulder), g(Joint::Hip))
                    + dist(g(Joint::Hip), g(Joint::Knee))
                    + dist(g(Joint::Knee), g(Joint::Ankle))
            })
            .collect();
        let body_scale_px = signal::median(&body_raw);
        let body_scale_px = if body_scale_px.is_finite() && body_scale_px > 1.0 { body_scale_px } else { f64::NAN };

        // Raw accepted samples (NaN where missing or below the visibility floor), per side.
        let accepted = |side: Side, j: Joint| -> (Vec<[f64; 2]>, Vec<f64>) {
            let mut pts = vec![[f64::NAN, f64::NAN]; n];
            let mut vis = vec![f64::NAN; n];
            for k in 0..n {
                let (p, v) = raw(k, j.landmark(side));
                vis[k] = v;
                if !(v.is_finite() && v < min_vis) {
                    pts[k] = p;
                }
            }
            (pts, vis)
        };
        let mut near_raw: Vec<(Vec<[f64; 2]>, Vec<f64>)> = JOINTS.iter().map(|&j| accepted(near_side, j)).collect();
        let far_raw: Vec<(Vec<[f64; 2]>, Vec<f64>)> = JOINTS.iter().map(|&j| accepted(far_side, j)).collect();
        let nan2 = [f64::NAN, f64::NAN];

        // Planted feet: the feet do not move during a deadlift. Where the model sees the near foot
        // well it gives its place; where a plate hides it the model guesses (on rendered 15° clips
        // the hidden ankles land up at the bar, 15 % of body height off) or swings the whole leg
        // away. Those frames take the foot's planted place and keep the knee, which the
        // segment-length check below still judges.
        let leg = [Joint::Knee, Joint::Ankle, Joint::Heel, Joint::Toe];
        let mut foot_from_planted = vec![false; n];
        let mut planted_foot_seen_frames = 0usize;
        let mut leg_swaps = 0usize;
        if body_scale_px.is_finite() {
            let tol = cfg.foot_tolerance_body_fraction * body_scale_px;
            let min_seen = ((cfg.planted_foot_min_seen_s * fps).round() as usize).max(3);
            let rule = PlantRule { min_visibility: cfg.planted_foot_min_visibility, tol_px: tol, min_seen };
            if let Some((substituted, seen)) = plant_foot(&mut near_raw, &pose_present, rule) {
                planted_foot_seen_frames = seen;
                foot_from_planted = substituted;
            } else {
                // The near foot is never seen well: a near ankle far from its usual place means the
                // model lost that leg; use the far leg in that frame if it is where it should be.
                let near_ankle = median_point(&near_raw[Joint::Ankle.slot()].0);
                let far_ankle = median_point(&far_raw[Joint::Ankle.slot()].0);
                for k in 0..n {
                    let a = near_raw[Joint::Ankle.slot()].0[k];
                    if !(a[0].is_finite() && dist(a, near_ankle) > tol) {
                        continue;
                    }
                    let fa = far_raw[Joint::Ankle.slot()].0[k];
                    let far_ok = fa[0].is_finite() && dist(fa, far_ankle) <= tol;
                    for j in leg {
                        near_raw[j.slot()].0[k] = if far_ok { far_raw[j.slot()].0[k] } else { nan2 };
                    }
                    leg_swaps += 1;
                }
            }
        }
        let planted_count = foot_from_planted.iter().filter(|b| **b).count();
        if planted_count > 0 {
            warnings.push(format!(
                "the near foot was hidden or lost in {planted_count} frame(s); it was placed where {planted_foot_seen_frames} frame(s) saw it (the feet stay planted in a deadlift)"
            ));
        }
        if leg_swaps > 0 {
            warnings.push(format!(
                "{leg_swaps} frame(s) where the near leg was lost (the ankle left its place) used the far leg or none"
            ));
        }

        // Implausible poses: a rigid segment (shank, thigh, trunk) whose on-screen length is far
        // from its median. BlazePose's hip sometimes collapses onto the knee; such frames drop
        // the near chain and are filled by interpolation or left untrusted.
        let chain = [Joint::Shoulder, Joint::Hip, Joint::Knee, Joint::Ankle];
        let segs = [(Joint::Ankle, Joint::Knee), (Joint::Knee, Joint::Hip), (Joint::Hip, Joint::Shoulder)];
        let seg_len = |near_raw: &Vec<(Vec<[f64; 2]>, Vec<f64>)>, k: usize, a: Joint, b: Joint| {
            dist(near_raw[a.slot()].0[k], near_raw[b.slot()].0[k])
        };
        let seg_medians: Vec<f64> = segs
            .iter()
            .map(|&(a, b)| signal::median(&(0..n).map(|k| seg_len(&near_raw, k, a, b)).collect::<Vec<_>>()))
            .collect();
        let implausible: Vec<bool> = (0..n)
            .map(|k| {
                segs.iter().zip(&seg_medians).any(|(&(a, b), &m)| {
                    let l = seg_len(&near_raw, k, a, b);
                    m.is_finite()
                        && m > 0.0
                        && l.is_finite()
                        && !(l > cfg.min_segment_ratio * m && l < cfg.max_segment_ratio * m)
                })
            })
            .collect();
        let implausible_count = implausible.iter().filter(|b| **b).count();
        if implausible_count > 0 {
            warnings.push(format!(
                "{implausible_count} frame(s) with an implausible pose (a limb or the trunk changed length) were left out"
            ));
            for k in (0..n).filter(|&k| implausible[k]) {
                for j in chain {
                    near_raw[j.slot()].0[k] = nan2;
                }
            }
        }

        let max_gap = (cfg.max_gap_s * fps).round().max(0.0) as usize;
        let jump_half = ((cfg.jump_half_window_s * fps).round() as usize).max(2);
        let jump_min_px =
            if body_scale_px.is_finite() { cfg.jump_min_body_fraction * body_scale_px } else { f64::INFINITY };

        let build = |xs: Vec<f64>, ys: Vec<f64>, vis: Vec<f64>| -> PointTrack {
            let mut xs = xs;
            let mut ys = ys;
            // Jump rejection on both coordinates.
            let ox = signal::hampel_outliers(&xs, jump_half, 4.5, jump_min_px);
            let oy = signal::hampel_outliers(&ys, jump_half, 4.5, jump_min_px);
            for k in 0..xs.len() {
                if ox[k] || oy[k] {
                    xs[k] = f64::NAN;
                    ys[k] = f64::NAN;
                }
            }
            let (fx, filled_x) = signal::fill_short_gaps(&xs, max_gap);
            let (fy, _) = signal::fill_short_gaps(&ys, max_gap);
            let sx = signal::local_quadratic(&t_s, &fx, cfg.smooth_half_window_s);
            let sy = signal::local_quadratic(&t_s, &fy, cfg.smooth_half_window_s);
            PointTrack {
                x_px: sx.value,
                y_px: sy.value,
                vx_px_s: sx.rate_per_s,
                vy_px_s: sy.rate_per_s,
                raw_x_px: xs,
                raw_y_px: ys,
                visibility: vis,
                filled: filled_x,
            }
        };
        let to_track = |(pts, vis): &(Vec<[f64; 2]>, Vec<f64>)| -> PointTrack {
            build(pts.iter().map(|p| p[0]).collect(), pts.iter().map(|p| p[1]).collect(), vis.clone())
        };
        let near_joints: Vec<PointTrack> = near_raw.iter().map(to_track).collect();
        let far_joints: Vec<PointTrack> = far_raw.iter().map(to_track).collect();

        // Facing: toes ahead of heels, and the nose ahead of the ears.
        let (facing, facing_confidence) = facing_of(&landmarks, near_side, body_scale_px, min_vis);

        // Mid-hip / mid-shoulder chord (raw) for the trunk profile.
        let mid = |k: usize, a: usize, b: usize| -> [f64; 2] {
            let (pa, _) = raw(k, a);
            let (pb, _) = raw(k, b);
            [(pa[0] + pb[0]) / 2.0, (pa[1] + pb[1]) / 2.0]
        };
        let mid_hip_raw_px: Vec<[f64; 2]> = (0..n).map(|k| mid(k, lm::LEFT_HIP, lm::RIGHT_HIP)).collect();
        let mid_shoulder_raw_px: Vec<[f64; 2]> =
            (0..n).map(|k| mid(k, lm::LEFT_SHOULDER, lm::RIGHT_SHOULDER)).collect();
        let trunk_profile: Vec<Option<TrunkProfile>> = (0..n)
            .map(|k| if pose_present[k] { frames[k].pose.as_ref().and_then(|p| p.trunk_profile.clone()) } else { None })
            .collect();

        // Bar: plate samples where there are enough, else the wrists.
        let plate_diameter_mm = match rec.header.plate_diameter_mm {
            Some(d) if d.is_finite() && d > 100.0 && d < 1000.0 => d,
            _ => DEFAULT_PLATE_DIAMETER_MM,
        };
        let RecordedBar { plate_x, plate_y, plate_r, wrist_bar_x, wrist_bar_y } =
            RecordedBar::from_frames(&frames, cfg.min_bar_confidence);
        let trusted_pose = pose_present.iter().filter(|b| **b).count().max(1);
        let plate_count = plate_x.iter().filter(|v| v.is_finite()).count();
        // The plate stands for the bar only when its track is trustworthy: one steady radius that
        // agrees with the lifter's size. A track that locked on to a painted ring, a hub or a knee
        // fails that check, and the wrists are the better guess.
        let mut plate_cm_per_px_body_plane = None;
        let mut body_plane_factor = 1.0;
        if plate_count * 2 >= trusted_pose && plate_count >= 3 {
            let scale = plate_scale(rec);
            plate_cm_per_px_body_plane =
                scale.cm_per_px_body_plane.filter(|_| scale.source == crate::bar::scale::ScaleSource::Plate);
            body_plane_factor = scale.body_plane_factor.filter(|f| f.is_finite() && *f >= 1.0).unwrap_or(1.0);
            if plate_cm_per_px_body_plane.is_none() {
                warnings.push("the tracked plate was not trusted, so the bar is taken from the wrists".to_string());
            }
            warnings.extend(scale.notes.iter().map(|n| format!("plate scale: {n}")));
        }
        let (bar, bar_origin, plate_radius_px) = if plate_cm_per_px_body_plane.is_some() {
            let r = signal::median(&plate_r);
            let principal = [rec.header.source.width as f64 / 2.0, rec.header.source.height as f64 / 2.0];
            let wrists: Vec<[f64; 2]> = (0..n)
                .map(|k| {
                    let (a, b) = (near_joints[Joint::Wrist.slot()].raw(k), far_joints[Joint::Wrist.slot()].raw(k));
                    let both = a[0].is_finite() && b[0].is_finite() && dist(a, b) < 0.15 * body_scale_px;
                    if both {
                        [(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0]
                    } else {
                        [f64::NAN; 2]
                    }
                })
                .collect();
            let (xs, ys, note) = plate_to_midline(&plate_x, &plate_y, &wrists, principal, body_plane_factor);
            warnings.extend(note);
            (build(xs, ys, vec![f64::NAN; n]), BarOrigin::Plate, r)
        } else {
            let nw = &near_joints[Joint::Wrist.slot()];
            let fw = &far_joints[Joint::Wrist.slot()];
            let mut xs = vec![f64::NAN; n];
            let mut ys = vec![f64::NAN; n];
            for k in 0..n {
                if wrist_bar_x[k].is_finite() {
                    xs[k] = wrist_bar_x[k];
                    ys[k] = wrist_bar_y[k];
                    continue;
                }
                let (a, b) = ([nw.raw_x_px[k], nw.raw_y_px[k]], [fw.raw_x_px[k], fw.raw_y_px[k]]);
                let both = a[0].is_finite() && b[0].is_finite() && dist(a, b) < 0.15 * body_scale_px;
                if both {
                    xs[k] = (a[0] + b[0]) / 2.0;
                    ys[k] = (a[1] + b[1]) / 2.0;
                } else if a[0].is_finite() {
                    xs[k] = a[0];
                    ys[k] = a[1];
                }
            }
            let any = xs.iter().any(|v| v.is_finite());
            let bar = build(xs, ys, vec![f64::NAN; n]);
            (bar, if any { BarOrigin::Wrists } else { BarOrigin::None }, f64::NAN)
        };

        // Trusted frames: the near chain is known.
        let trusted: Vec<bool> = (0..n)
            .map(|k| {
                let near_ok = chain.iter().all(|j| near_joints[j.slot()].known(k));
                near_ok && (pose_present[k] || near_joints[Joint::Hip.slot()].filled[k])
            })
            .collect();

        if n > 0 && !body_scale_px.is_finite() {
            warnings.push("no frame shows the lifter's shoulder–hip–knee–ankle chain".to_string());
        }
        let track = Track {
            fps,
            t_s,
            frame: frames.iter().map(|f| f.i).collect(),
            near_side,
            facing,
            facing_confidence,
            near_joints,
            far_joints,
            bar,
            bar_origin,
            plate_radius_px,
            plate_cm_per_px_body_plane,
            plate_diameter_mm,
            trunk_profile,
            mid_hip_raw_px,
            mid_shoulder_raw_px,
            pose_present,
            trusted,
            body_scale_px,
            foot_from_planted,
            planted_foot_seen_frames,
            warnings,
        };
        let share = track.trusted_share();
        let mut track = track;
        if n > 0 && share < 0.8 && share > 0.0 {
            track.warnings.push(format!("only {:.0} % of frames show the lifter clearly", share * 100.0));
        }
        track
    }
}

/// The near plate's centre brought into the lifter's midline plane, where the body points are.
///
/// The plate is nearer the camera than the lifter (by the bar's half length), so it moves more
/// pixels than the bar's middle, and seen at an angle its centre also sits to one side of it (at
/// 15° off the side, ~18 cm behind the lifter's midline in the image). Two steps: positions are
/// scaled toward the image centre by the depth ratio `body_plane_factor` (what a pinhole camera
/// does with a level bar), then moved sideways by the median offset to the wrists' midpoint,
/// which hangs over the bar's middle (the hands grip it either side of the midline). Without
/// frames that show both wrists the sideways step is skipped, and a note says so.
fn plate_to_midline(
    plate_x: &[f64],
    plate_y: &[f64],
    wrists_mid: &[[f64; 2]],
    principal: [f64; 2],
    body_plane_factor: f64,
) -> (Vec<f64>, Vec<f64>, Option<String>) {
    // The sideways step needs this many frames with the plate and both wrists.
    const MIN_WRIST_FRAMES: usize = 10;
    let f = body_plane_factor.max(1.0);
    let xs: Vec<f64> = plate_x.iter().map(|x| principal[0] + (x - principal[0]) / f).collect();
    let ys: Vec<f64> = plate_y.iter().map(|y| principal[1] + (y - principal[1]) / f).collect();
    let offsets: Vec<f64> = xs.iter().zip(wrists_mid).map(|(x, w)| w[0] - x).filter(|d| d.is_finite()).collect();
    if offsets.len() < MIN_WRIST_FRAMES {
        let note = "the bar's middle is placed from the plate alone (the wrists are rarely both seen): in a view at an angle to the side its horizontal position, and DL001's offset, may be off";
        return (xs, ys, Some(note.to_string()));
    }
    let dx = signal::median(&offsets);
    (xs.iter().map(|x| x + dx).collect(), ys, None)
}

/// The per-axis median of points (NaNs left out).
fn median_point(pts: &[[f64; 2]]) -> [f64; 2] {
    [
        signal::median(&pts.iter().map(|p| p[0]).collect::<Vec<_>>()),
        signal::median(&pts.iter().map(|p| p[1]).collect::<Vec<_>>()),
    ]
}

/// When a foot landmark counts as seen, and how far from its planted place it may stray.
#[derive(Debug, Clone, Copy)]
struct PlantRule {
    min_visibility: f64,
    tol_px: f64,
    min_seen: usize,
}

/// Plants one side's foot (ankle, heel, toe in `raw`, indexed like [`JOINTS`]): frames where the
/// model does not see it, or sees it away from where it stands (the model swung the whole leg,
/// which it does with high visibility), take its planted place. Returns which frames were
/// replaced and how many frames placed it; `None` (nothing changed) when it cannot be placed.
fn plant_foot(
    raw: &mut [(Vec<[f64; 2]>, Vec<f64>)],
    pose_present: &[bool],
    rule: PlantRule,
) -> Option<(Vec<bool>, usize)> {
    let foot = [Joint::Ankle, Joint::Heel, Joint::Toe];
    let mut places = Vec::with_capacity(foot.len());
    for j in foot {
        places.push(planted_place(&raw[j.slot()], rule.min_visibility, rule.tol_px, rule.min_seen)?);
    }
    let seen = places.iter().map(|p| p.1).min().unwrap_or(0);
    let mut substituted = vec![false; pose_present.len()];
    for (k, &present) in pose_present.iter().enumerate() {
        if !present {
            continue;
        }
        let lost = foot.iter().zip(&places).any(|(&j, (place, _))| {
            let (pt, vis) = (raw[j.slot()].0[k], raw[j.slot()].1[k]);
            !pt[0].is_finite() || vis < rule.min_visibility || (pt[0] - place[0]).hypot(pt[1] - place[1]) > rule.tol_px
        });
        if lost {
            for (&j, (place, _)) in foot.iter().zip(&places) {
                raw[j.slot()].0[k] = *place;
            }
            substituted[k] = true;
        }
    }
    Some((substituted, seen))
}

/// Where a planted foot landmark stands: the densest cluster (within `tol_px`, weighted by
/// visibility) of the samples seen at least `min_visibility`, and how many samples it holds.
/// `None` with fewer than `min_seen` such samples, or when the cluster holds under half of the
/// well-seen weight (the foot moved about, or the model's confident guesses outweigh it).
fn planted_place(
    samples: &(Vec<[f64; 2]>, Vec<f64>),
    min_visibility: f64,
    tol_px: f64,
    min_seen: usize,
) -> Option<([f64; 2], usize)> {
    // Enough candidate centres for a long clip without an n² cost.
    const MAX_CANDIDATES: usize = 400;
    let (pts, vis) = samples;
    let seen: Vec<([f64; 2], f64)> = pts
        .iter()
        .zip(vis)
        .filter(|(p, v)| p[0].is_finite() && p[1].is_finite() && **v >= min_visibility)
        .map(|(p, v)| (*p, v.min(1.0)))
        .collect();
    if seen.len() < min_seen {
        return None;
    }
    let near = |c: [f64; 2]| seen.iter().filter(move |(p, _)| (p[0] - c[0]).hypot(p[1] - c[1]) <= tol_px);
    let step = seen.len().div_ceil(MAX_CANDIDATES);
    let (centre, weight) = seen
        .iter()
        .step_by(step)
        .map(|(c, _)| (*c, near(*c).map(|(_, v)| v).sum::<f64>()))
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    let total: f64 = seen.iter().map(|(_, v)| v).sum();
    let cluster: Vec<[f64; 2]> = near(centre).map(|(p, _)| *p).collect();
    if cluster.len() < min_seen || weight < 0.5 * total {
        return None;
    }
    Some((median_point(&cluster), cluster.len()))
}

/// The clip's frame rate and each frame's time: the stated times where they increase, else frame
/// index / fps (with a warning); the header's fps where usable, else one estimated from the times.
fn frame_times(frames: &[&FrameRecord], header_fps: f64, warnings: &mut Vec<String>) -> (f64, Vec<f64>) {
    let n = frames.len();
    let mut t_s: Vec<f64> = frames.iter().map(|f| f.t_s).collect();
    let increasing = t_s.iter().all(|t| t.is_finite()) && t_s.windows(2).all(|w| w[1] > w[0]);
    let fps = if header_fps.is_finite() && header_fps > 0.5 && header_fps < 1000.0 {
        header_fps
    } else if increasing && n >= 2 {
        let span = t_s[n - 1] - t_s[0];
        let est = (n - 1) as f64 / span;
        if est.is_finite() && est > 0.5 && est < 1000.0 {
            est
        } else {
            30.0
        }
    } else {
        30.0
    };
    if !increasing {
        if n > 1 {
            warnings.push("frame times were missing or out of order; using frame index / fps".to_string());
        }
        t_s = frames.iter().map(|f| f.i as f64 / fps).collect();
    }
    if !(header_fps.is_finite() && header_fps > 0.5) && n > 0 {
        warnings.push(format!("recording fps is unusable; assuming {fps:.1}"));
    }
    (fps, t_s)
}

/// The recording's landmarks as the track first reads them: frames in index order, and whether
/// each has a usable pose.
struct RawLandmarks<'a> {
    frames: &'a [&'a FrameRecord],
    pose_present: &'a [bool],
}

impl RawLandmarks<'_> {
    /// Landmark `idx` of frame `k`: its position (NaN when missing or absurd) and visibility.
    fn at(&self, k: usize, idx: usize) -> ([f64; 2], f64) {
        let nan = ([f64::NAN, f64::NAN], f64::NAN);
        if !self.pose_present[k] {
            return nan;
        }
        let Some(p) = &self.frames[k].pose else { return nan };
        let Some(l) = p.landmarks.get(idx) else { return nan };
        let vis = if l.visibility.is_finite() { l.visibility as f64 } else { 1.0 };
        let (x, y) = (l.x_px as f64, l.y_px as f64);
        if !(x.is_finite() && y.is_finite()) || x.abs() > 1e6 || y.abs() > 1e6 {
            return ([f64::NAN, f64::NAN], vis);
        }
        ([x, y], vis)
    }
}

/// The side nearer the camera: the one whose limb landmarks are seen better; depth (z) breaks ties.
fn near_side_of(raw: &RawLandmarks) -> Side {
    let side_score = |side: Side| -> f64 {
        let mut sum = 0.0;
        let mut count = 0usize;
        let mut z_votes = 0.0;
        for k in 0..raw.frames.len() {
            if !raw.pose_present[k] {
                continue;
            }
            for j in [
                Joint::Knee,
                Joint::Ankle,
                Joint::Heel,
                Joint::Toe,
                Joint::Wrist,
                Joint::Elbow,
                Joint::Hip,
                Joint::Shoulder,
            ] {
                let (_, v) = raw.at(k, j.landmark(side));
                if v.is_finite() {
                    sum += v.clamp(0.0, 1.0);
                    count += 1;
                }
            }
            if let Some(p) = &raw.frames[k].pose {
                let z = |i: usize| p.landmarks.get(i).map(|l| l.z as f64).unwrap_or(f64::NAN);
                let other = match side {
                    Side::Left => Side::Right,
                    Side::Right => Side::Left,
                };
                let mine = z(Joint::Hip.landmark(side)) + z(Joint::Shoulder.landmark(side));
                let theirs = z(Joint::Hip.landmark(other)) + z(Joint::Shoulder.landmark(other));
                if mine.is_finite() && theirs.is_finite() && mine < theirs {
                    z_votes += 1.0;
                }
            }
        }
        let frames_with_pose = raw.pose_present.iter().filter(|b| **b).count().max(1) as f64;
        if count == 0 {
            0.0
        } else {
            sum / count as f64 + 0.05 * z_votes / frames_with_pose
        }
    };
    if side_score(Side::Left) > side_score(Side::Right) {
        Side::Left
    } else {
        Side::Right
    }
}

/// Which way the lifter faces, and how sure: each frame votes with its toes ahead of its heels
/// (the far foot at half weight) and its nose ahead of its ears.
fn facing_of(raw: &RawLandmarks, near_side: Side, body_scale_px: f64, min_vis: f64) -> (Facing, f64) {
    let far_side = match near_side {
        Side::Left => Side::Right,
        Side::Right => Side::Left,
    };
    let mut votes = 0.0;
    let mut voters = 0.0;
    let min_dx = if body_scale_px.is_finite() { 0.02 * body_scale_px } else { 1.0 };
    for k in (0..raw.frames.len()).filter(|&k| raw.pose_present[k]) {
        let mut frame_vote = 0.0;
        let mut frame_voters = 0.0;
        for side in [near_side, far_side] {
            let (heel, vh) = raw.at(k, Joint::Heel.landmark(side));
            let (toe, vt) = raw.at(k, Joint::Toe.landmark(side));
            let w = if side == near_side { 1.0 } else { 0.5 };
            let dx = toe[0] - heel[0];
            if dx.is_finite() && dx.abs() > min_dx && !(vh < min_vis) && !(vt < min_vis) {
                frame_vote += w * dx.signum();
                frame_voters += w;
            }
        }
        let (nose, _) = raw.at(k, lm::NOSE);
        let (el, _) = raw.at(k, lm::LEFT_EAR);
        let (er, _) = raw.at(k, lm::RIGHT_EAR);
        let dx = nose[0] - (el[0] + er[0]) / 2.0;
        if dx.is_finite() && dx.abs() > min_dx {
            frame_vote += dx.signum();
            frame_voters += 1.0;
        }
        if frame_voters > 0.0 {
            votes += frame_vote / frame_voters;
            voters += 1.0;
        }
    }
    let facing_ratio = if voters > 0.0 { votes / voters } else { 0.0 };
    if facing_ratio > 0.3 {
        (Facing::Right, facing_ratio.min(1.0))
    } else if facing_ratio < -0.3 {
        (Facing::Left, (-facing_ratio).min(1.0))
    } else {
        (Facing::Unknown, 1.0 - facing_ratio.abs())
    }
}

/// The bar as the recording gives it, per frame (NaN where absent or below the confidence floor):
/// the plate's centre and radius, and the wrists' stand-in where the pose pass wrote that instead.
struct RecordedBar {
    plate_x: Vec<f64>,
    plate_y: Vec<f64>,
    plate_r: Vec<f64>,
    wrist_bar_x: Vec<f64>,
    wrist_bar_y: Vec<f64>,
}

impl RecordedBar {
    fn from_frames(frames: &[&FrameRecord], min_bar_confidence: f64) -> RecordedBar {
        let n = frames.len();
        let mut plate_x = vec![f64::NAN; n];
        let mut plate_y = vec![f64::NAN; n];
        let mut plate_r = vec![f64::NAN; n];
        let mut wrist_bar_x = vec![f64::NAN; n];
        let mut wrist_bar_y = vec![f64::NAN; n];
        for (k, f) in frames.iter().enumerate() {
            if let Some(b) = &f.bar {
                let ok = b.x_px.is_finite() && b.y_px.is_finite() && !(b.confidence < min_bar_confidence as f32);
                if ok {
                    match b.source {
                        BarSource::Plate => {
                            plate_x[k] = b.x_px as f64;
                            plate_y[k] = b.y_px as f64;
                            plate_r[k] =
                                b.r_px.map(|r| r as f64).filter(|r| r.is_finite() && *r > 0.0).unwrap_or(f64::NAN);
                        }
                        BarSource::Wrists => {
                            wrist_bar_x[k] = b.x_px as f64;
                            wrist_bar_y[k] = b.y_px as f64;
                        }
                    }
                }
            }
        }
        RecordedBar { plate_x, plate_y, plate_r, wrist_bar_x, wrist_bar_y }
    }
}

/// The plate's scale over the whole clip (`bar::scale`): one reference radius, checked against
/// the lifter's size; `source` stays `none` with the reasons in `notes` when it is not trustworthy.
fn plate_scale(rec: &Recording) -> crate::bar::scale::ScaleEstimate {
    use crate::bar::scale::{estimate_scale, BodyFrame, ScaleInput};
    use crate::recording::{BarSource, DEFAULT_PLATE_DIAMETER_MM};
    let plate_radii_px = rec
        .frames
        .iter()
        .filter_map(|f| {
            let bar = f.bar.as_ref().filter(|b| b.source == BarSource::Plate)?;
            Some((f.t_s, bar.r_px? as f64, bar.confidence as f64))
        })
        .collect();
    let body =
        rec.frames.iter().filter_map(|f| BodyFrame::from_landmarks(f.t_s, &f.pose.as_ref()?.landmarks)).collect();
    estimate_scale(&ScaleInput {
        plate_radii_px,
        body,
        plate_diameter_mm: rec.header.plate_diameter_mm.unwrap_or(DEFAULT_PLATE_DIAMETER_MM),
        lifter_height_cm: None,
        frame_width_px: rec.header.source.width as f64,
        frame_height_px: rec.header.source.height as f64,
    })
}
