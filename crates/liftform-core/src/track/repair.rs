//! Repairs for the pose model's known mistakes, before smoothing: a near foot hidden behind the
//! plate (or a whole leg swung away) is put back where it stands, and frames whose limbs change
//! length are dropped.

// NaN-safe comparisons are written `!(x > y)` on purpose: they are true when x is NaN.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use super::raw::{distance_px, JointSamples};
use super::{Joint, TrackConfig, CHAIN};
use crate::signal;

/// What planting the near foot did.
pub(super) struct PlantedFeet {
    /// Per frame: the near foot stands at its planted place there.
    pub from_planted: Vec<bool>,
    /// How many frames saw the near foot well enough to place it (0 when it was never placed).
    pub seen_frames: usize,
    /// Frames where the near leg was lost and the far leg (or nothing) stood in.
    pub leg_swaps: usize,
}

impl PlantedFeet {
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        let planted_count = self.from_planted.iter().filter(|b| **b).count();
        if planted_count > 0 {
            warnings.push(format!(
                "the near foot was hidden or lost in {planted_count} frame(s); it was placed where {} frame(s) saw it (the feet stay planted in a deadlift)",
                self.seen_frames
            ));
        }
        if self.leg_swaps > 0 {
            warnings.push(format!(
                "{} frame(s) where the near leg was lost (the ankle left its place) used the far leg or none",
                self.leg_swaps
            ));
        }
        warnings
    }
}

/// Planted feet: the feet do not move during a deadlift. Where the model sees the near foot well
/// it gives its place; where a plate hides it the model guesses (on rendered 15° clips the hidden
/// ankles land up at the bar, 15 % of body height off) or swings the whole leg away. Those frames
/// take the foot's planted place and keep the knee, which [`drop_implausible_poses`] still judges.
/// When the near foot is never seen well, a near ankle far from its usual place means the model
/// lost that leg; that frame uses the far leg if it is where it should be, else nothing.
pub(super) fn plant_near_foot(
    near: &mut [JointSamples],
    far: &[JointSamples],
    pose_present: &[bool],
    body_scale_px: f64,
    fps: f64,
    cfg: &TrackConfig,
) -> PlantedFeet {
    let n = pose_present.len();
    let mut feet = PlantedFeet { from_planted: vec![false; n], seen_frames: 0, leg_swaps: 0 };
    if !body_scale_px.is_finite() {
        return feet;
    }
    let tol = cfg.foot_tolerance_body_fraction * body_scale_px;
    let min_seen = ((cfg.planted_foot_min_seen_s * fps).round() as usize).max(3);
    let rule = PlantRule { min_visibility: cfg.planted_foot_min_visibility, tol_px: tol, min_seen };
    if let Some((substituted, seen)) = plant_foot(near, pose_present, rule) {
        feet.seen_frames = seen;
        feet.from_planted = substituted;
        return feet;
    }
    let leg = [Joint::Knee, Joint::Ankle, Joint::Heel, Joint::Toe];
    let near_ankle = median_point(&near[Joint::Ankle.slot()].points_px);
    let far_ankle = median_point(&far[Joint::Ankle.slot()].points_px);
    for k in 0..n {
        let a = near[Joint::Ankle.slot()].points_px[k];
        if !(a[0].is_finite() && distance_px(a, near_ankle) > tol) {
            continue;
        }
        let fa = far[Joint::Ankle.slot()].points_px[k];
        let far_ok = fa[0].is_finite() && distance_px(fa, far_ankle) <= tol;
        for j in leg {
            near[j.slot()].points_px[k] = if far_ok { far[j.slot()].points_px[k] } else { [f64::NAN, f64::NAN] };
        }
        feet.leg_swaps += 1;
    }
    feet
}

/// Implausible poses: a rigid segment (shank, thigh, trunk) whose on-screen length is far from
/// its median. BlazePose's hip sometimes collapses onto the knee; such frames drop the near chain
/// and are filled by interpolation or left untrusted.
pub(super) fn drop_implausible_poses(near: &mut [JointSamples], cfg: &TrackConfig, warnings: &mut Vec<String>) {
    let n = near.first().map_or(0, |s| s.points_px.len());
    let segs = [(Joint::Ankle, Joint::Knee), (Joint::Knee, Joint::Hip), (Joint::Hip, Joint::Shoulder)];
    let seg_len = |near: &[JointSamples], k: usize, a: Joint, b: Joint| {
        distance_px(near[a.slot()].points_px[k], near[b.slot()].points_px[k])
    };
    let seg_medians: Vec<f64> = segs
        .iter()
        .map(|&(a, b)| signal::median(&(0..n).map(|k| seg_len(near, k, a, b)).collect::<Vec<_>>()))
        .collect();
    let implausible: Vec<bool> = (0..n)
        .map(|k| {
            segs.iter().zip(&seg_medians).any(|(&(a, b), &m)| {
                let l = seg_len(near, k, a, b);
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
            for j in CHAIN {
                near[j.slot()].points_px[k] = [f64::NAN, f64::NAN];
            }
        }
    }
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
fn plant_foot(raw: &mut [JointSamples], pose_present: &[bool], rule: PlantRule) -> Option<(Vec<bool>, usize)> {
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
            let (pt, vis) = (raw[j.slot()].points_px[k], raw[j.slot()].visibility[k]);
            !pt[0].is_finite() || vis < rule.min_visibility || (pt[0] - place[0]).hypot(pt[1] - place[1]) > rule.tol_px
        });
        if lost {
            for (&j, (place, _)) in foot.iter().zip(&places) {
                raw[j.slot()].points_px[k] = *place;
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
    samples: &JointSamples,
    min_visibility: f64,
    tol_px: f64,
    min_seen: usize,
) -> Option<([f64; 2], usize)> {
    // Enough candidate centres for a long clip without an n² cost.
    const MAX_CANDIDATES: usize = 400;
    let (pts, vis) = (&samples.points_px, &samples.visibility);
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
