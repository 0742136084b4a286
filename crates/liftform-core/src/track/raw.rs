//! The recording's landmarks as the track first reads them: frames in time, which frames have a
//! usable pose, the near side, the body's size, each joint's accepted samples, the facing and
//! the trunk chord. Nothing here smooths or repairs.

// NaN-safe comparisons are written `!(x > y)` on purpose: they are true when x is NaN.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use super::{Facing, Joint, Side, JOINTS};
use crate::recording::{landmark_index as lm, FrameRecord, Recording, TrunkProfile};
use crate::signal;

/// The recording's frames ordered by index, each index once (the first of duplicates kept).
pub(super) fn frames_in_order(rec: &Recording) -> Vec<&FrameRecord> {
    let mut order: Vec<usize> = (0..rec.frames.len()).collect();
    order.sort_by_key(|&k| rec.frames[k].i);
    order.dedup_by_key(|k| rec.frames[*k].i);
    order.iter().map(|&k| &rec.frames[k]).collect()
}

/// The clip's frame rate and each frame's time: the stated times where they increase, else frame
/// index / fps (with a warning); the header's fps where usable, else one estimated from the times.
pub(super) fn frame_times(frames: &[&FrameRecord], header_fps: f64, warnings: &mut Vec<String>) -> (f64, Vec<f64>) {
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

/// Per frame: a pose with an acceptable score and the full set of landmarks up to the toes.
pub(super) fn pose_presence(frames: &[&FrameRecord], min_pose_score: f64) -> Vec<bool> {
    frames
        .iter()
        .map(|f| match &f.pose {
            Some(p) => !(p.score < min_pose_score as f32) && p.landmarks.len() > lm::RIGHT_FOOT_INDEX,
            None => false,
        })
        .collect()
}

/// The recording's landmarks as the track first reads them: frames in index order, and whether
/// each has a usable pose.
pub(super) struct RawLandmarks<'a> {
    pub frames: &'a [&'a FrameRecord],
    pub pose_present: &'a [bool],
}

impl RawLandmarks<'_> {
    /// Landmark `idx` of frame `k`: its position (NaN when missing or absurd) and visibility.
    pub fn at(&self, k: usize, idx: usize) -> ([f64; 2], f64) {
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
pub(super) fn near_side_of(raw: &RawLandmarks) -> Side {
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
                let other = side.other();
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

/// The body's size on screen: the median over frames of the near side's shoulder–hip, hip–knee
/// and knee–ankle lengths added (NaN when no frame shows them).
pub(super) fn body_scale_px(raw: &RawLandmarks, near_side: Side) -> f64 {
    let body_raw: Vec<f64> = (0..raw.frames.len())
        .map(|k| {
            let g = |j: Joint| raw.at(k, j.landmark(near_side)).0;
            distance_px(g(Joint::Shoulder), g(Joint::Hip))
                + distance_px(g(Joint::Hip), g(Joint::Knee))
                + distance_px(g(Joint::Knee), g(Joint::Ankle))
        })
        .collect();
    let body_scale_px = signal::median(&body_raw);
    if body_scale_px.is_finite() && body_scale_px > 1.0 {
        body_scale_px
    } else {
        f64::NAN
    }
}

pub(super) fn distance_px(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

/// One joint's samples as accepted: its position per frame (NaN where missing or seen below the
/// visibility floor) and the model's visibility (NaN where no pose).
#[derive(Debug, Clone)]
pub(super) struct JointSamples {
    pub points_px: Vec<[f64; 2]>,
    pub visibility: Vec<f64>,
}

/// Every joint of one side ([`JOINTS`] order) as accepted.
pub(super) fn accepted_joints(raw: &RawLandmarks, side: Side, min_visibility: f64) -> Vec<JointSamples> {
    let n = raw.frames.len();
    JOINTS
        .iter()
        .map(|&j| {
            let mut points_px = vec![[f64::NAN, f64::NAN]; n];
            let mut visibility = vec![f64::NAN; n];
            for k in 0..n {
                let (p, v) = raw.at(k, j.landmark(side));
                visibility[k] = v;
                if !(v.is_finite() && v < min_visibility) {
                    points_px[k] = p;
                }
            }
            JointSamples { points_px, visibility }
        })
        .collect()
}

/// Which way the lifter faces, and how sure: each frame votes with its toes ahead of its heels
/// (the far foot at half weight) and its nose ahead of its ears.
pub(super) fn facing_of(raw: &RawLandmarks, near_side: Side, body_scale_px: f64, min_vis: f64) -> (Facing, f64) {
    let far_side = near_side.other();
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

/// Per frame: the raw mid-hip and mid-shoulder (both sides averaged), the chord the trunk
/// outline is measured from, and the outline itself where the pose pass wrote one.
pub(super) struct TrunkChord {
    pub mid_hip_px: Vec<[f64; 2]>,
    pub mid_shoulder_px: Vec<[f64; 2]>,
    pub profile: Vec<Option<TrunkProfile>>,
}

impl TrunkChord {
    pub fn of(raw: &RawLandmarks) -> TrunkChord {
        let n = raw.frames.len();
        let mid = |k: usize, a: usize, b: usize| -> [f64; 2] {
            let (pa, _) = raw.at(k, a);
            let (pb, _) = raw.at(k, b);
            [(pa[0] + pb[0]) / 2.0, (pa[1] + pb[1]) / 2.0]
        };
        TrunkChord {
            mid_hip_px: (0..n).map(|k| mid(k, lm::LEFT_HIP, lm::RIGHT_HIP)).collect(),
            mid_shoulder_px: (0..n).map(|k| mid(k, lm::LEFT_SHOULDER, lm::RIGHT_SHOULDER)).collect(),
            profile: (0..n)
                .map(|k| {
                    if raw.pose_present[k] {
                        raw.frames[k].pose.as_ref().and_then(|p| p.trunk_profile.clone())
                    } else {
                        None
                    }
                })
                .collect(),
        }
    }
}
