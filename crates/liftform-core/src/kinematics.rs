//! Kinematics: angles, distances and velocities from a [`Track`], with units in their names.
//!
//! Coordinate space "body" (`_x_cm`, `_y_cm`): centimetres in the image plane, x pointing the
//! way the lifter faces (forward), y up, origin at the lifter's mid-foot (heel–toe midpoint,
//! median over the clip). Centimetres come from the plate (its known diameter) where the bar is
//! tracked by its plate, else from the lifter's own body size against an assumed stature
//! (`lifter_height_cm`, 175 cm unless configured): lengths are then proportional to the lifter,
//! which is what the rules need, and are labelled as estimated.
//!
//! Every per-frame series uses `NaN` for "unknown at this frame".

// NaN-safe comparisons are written `!(x > y)` on purpose: they are true when x is NaN.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use serde::{Deserialize, Serialize};

use crate::recording::TrunkProfile;
use crate::signal;
use crate::track::{BarOrigin, Facing, Joint, Track};

/// Default stature assumed when there is no plate to scale by.
pub const LIFTER_HEIGHT_CM: f64 = 175.0;
/// Shank + thigh + trunk (ankle–knee–hip–shoulder) as a share of stature (anthropometric tables).
pub const BODY_SCALE_PER_HEIGHT: f64 = 0.78;
/// Default: the back outline is read between these fractions of the hip→shoulder chord
/// (below 0.2 the buttocks bulge out, above 0.8 the outline turns into the shoulders and neck;
/// neither is the spine — seen on our pose pass's outlines of the shared clips).
pub const BACK_T_LOW: f64 = 0.2;
pub const BACK_T_HIGH: f64 = 0.8;
/// Default upper end in oblique views, where the shoulder and trapezius enter the outline.
pub const BACK_T_HIGH_OBLIQUE: f64 = 0.7;

/// Kinematics settings (`[kinematics]` in the config file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KinematicsConfig {
    pub lifter_height_cm: f64,
    pub back_t_low: f64,
    pub back_t_high: f64,
    pub back_t_high_oblique: f64,
}

impl Default for KinematicsConfig {
    fn default() -> Self {
        KinematicsConfig {
            lifter_height_cm: LIFTER_HEIGHT_CM,
            back_t_low: BACK_T_LOW,
            back_t_high: BACK_T_HIGH,
            back_t_high_oblique: BACK_T_HIGH_OBLIQUE,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScaleSource {
    Plate,
    Height,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Scale {
    /// NaN when `source` is `none`.
    pub cm_per_px: f64,
    pub source: ScaleSource,
}

/// All per-frame signals the rep finder and the rules read.
#[derive(Debug, Clone)]
pub struct Signals {
    pub t_s: Vec<f64>,
    pub frame: Vec<u64>,
    pub trusted: Vec<bool>,
    pub scale: Scale,
    pub facing: Facing,
    pub bar_origin: BarOrigin,
    /// Lifter's shank + thigh + trunk length in cm (the body-size unit).
    pub body_scale_cm: f64,
    // Body-space positions (cm).
    pub shoulder_x_cm: Vec<f64>,
    pub shoulder_y_cm: Vec<f64>,
    pub hip_x_cm: Vec<f64>,
    pub hip_y_cm: Vec<f64>,
    pub knee_x_cm: Vec<f64>,
    pub knee_y_cm: Vec<f64>,
    pub ankle_x_cm: Vec<f64>,
    pub ankle_y_cm: Vec<f64>,
    pub ear_x_cm: Vec<f64>,
    pub ear_y_cm: Vec<f64>,
    /// Mid-foot (heel–toe midpoint) per frame; the feet rarely move, see `midfoot_x_cm_median`.
    pub midfoot_x_cm: Vec<f64>,
    /// True when heel and toe were seen; false when mid-foot was estimated from the ankle.
    pub midfoot_from_foot: bool,
    /// Per frame: the pose model's visibility of the near heel and toe (the lower of the two;
    /// NaN without a pose). Low when a plate or the framing hides the feet.
    pub foot_visibility: Vec<f64>,
    /// Per frame: the near foot stands at its planted place, learnt from the frames that saw it
    /// (`Track::foot_from_planted`), because the model did not see it here.
    pub foot_from_planted: Vec<bool>,
    pub bar_x_cm: Vec<f64>,
    pub bar_y_cm: Vec<f64>,
    /// See `Track::bar_x_from_plate_alone`.
    pub bar_x_from_plate_alone: bool,
    /// See `Track::bar_from_hands`.
    pub bar_from_hands: Vec<bool>,
    /// The near wrist's horizontal place (cm): the hands' own say on where the bar is, to check
    /// a bar placed from the plate alone against.
    pub near_wrist_x_cm: Vec<f64>,
    /// Bar velocity (m/s), up and forward positive.
    pub bar_vy_m_s: Vec<f64>,
    pub bar_vx_m_s: Vec<f64>,
    pub hip_vy_m_s: Vec<f64>,
    pub shoulder_vy_m_s: Vec<f64>,
    // Angles (degrees).
    /// Shoulder–hip–knee, 180 = straight, < 180 flexed, > 180 hyperextended.
    pub hip_angle_deg: Vec<f64>,
    /// Hip–knee–ankle, 180 = straight.
    pub knee_angle_deg: Vec<f64>,
    /// Hip→shoulder line from vertical: 0 upright, 90 horizontal, negative = leaning back.
    pub trunk_from_vertical_deg: Vec<f64>,
    /// Knee→hip line above horizontal: negative = hips below the knees.
    pub thigh_above_horizontal_deg: Vec<f64>,
    /// Ankle→knee line from vertical: positive = knees forward.
    pub shank_from_vertical_deg: Vec<f64>,
    /// Shoulder→ear line against the hip→shoulder line: positive = head dropped forward/down,
    /// negative = neck extended (shoulder–hip–ear alignment).
    pub head_forward_deg: Vec<f64>,
    /// Near-side hip–shoulder distance (cm): shortens when the spine flexes.
    pub trunk_chord_cm: Vec<f64>,
    /// From the mask outline: bend of the back at its most convex point (positive = rounded)
    /// and at its most concave point (positive = arched). NaN without a trunk profile.
    pub back_flex_deg: Vec<f64>,
    pub back_arch_deg: Vec<f64>,
    /// Share of trusted frames with a usable mask-based back outline.
    pub back_profile_share: f64,
}

impl Signals {
    pub fn len(&self) -> usize {
        self.t_s.len()
    }

    pub fn is_empty(&self) -> bool {
        self.t_s.is_empty()
    }

    /// Seconds between frames (from the median frame step, 1/30 if unknown).
    pub fn frame_dt_s(&self) -> f64 {
        let d: Vec<f64> = self.t_s.windows(2).map(|w| w[1] - w[0]).collect();
        let m = signal::median(&d);
        if m.is_finite() && m > 0.0 {
            m
        } else {
            1.0 / 30.0
        }
    }

    /// Mid-foot x over the given frames (median).
    pub fn midfoot_x_over(&self, frames: std::ops::Range<usize>) -> f64 {
        let r = frames.start.min(self.len())..frames.end.min(self.len());
        let m = signal::median(&self.midfoot_x_cm[r]);
        if m.is_finite() {
            m
        } else {
            signal::median(&self.midfoot_x_cm)
        }
    }
}

fn angle_deg(v: [f64; 2]) -> f64 {
    v[1].atan2(v[0]).to_degrees()
}

fn positive_mod_360(a: f64) -> f64 {
    if !a.is_finite() {
        return f64::NAN;
    }
    let r = a % 360.0;
    if r < 0.0 {
        r + 360.0
    } else {
        r
    }
}

/// The back's bend from one trunk profile: (flex_deg, arch_deg). `back_is_pos` selects the
/// normal that points to the back. `chord_px` is the mid-hip→mid-shoulder length.
pub fn back_bend_deg(profile: &TrunkProfile, back_is_pos: bool, chord_px: f64, t_low: f64, t_high: f64) -> (f64, f64) {
    let nan = (f64::NAN, f64::NAN);
    if !(chord_px.is_finite() && chord_px > 1.0) {
        return nan;
    }
    let side = if back_is_pos { &profile.pos_px } else { &profile.neg_px };
    let pts: Vec<[f64; 2]> = profile
        .t
        .iter()
        .zip(side.iter())
        .filter_map(|(t, d)| {
            let t = *t as f64;
            let d = (*d)? as f64;
            (t.is_finite() && d.is_finite() && t >= t_low - 1e-6 && t <= t_high + 1e-6 && d >= 0.0)
                .then_some([t * chord_px, d])
        })
        .collect();
    if pts.len() < 5 {
        return nan;
    }
    let (a, b) = (pts[0], pts[pts.len() - 1]);
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len = dx.hypot(dy);
    if !(len > 1e-6) {
        return nan;
    }
    // signed distance from the baseline, positive outward (larger d): normal (-dy, dx)/len
    // has a positive second component when dx > 0, i.e. points outward.
    let h: Vec<f64> = pts.iter().map(|p| ((p[0] - a[0]) * -dy + (p[1] - a[1]) * dx) / len).collect();
    let interior = &h[1..h.len() - 1];
    let kmax = signal::argmax(interior).map(|(i, _)| i + 1);
    let kmin = signal::argmin(interior).map(|(i, _)| i + 1);
    let fit_slope = |ps: &[[f64; 2]]| -> f64 {
        let n = ps.len() as f64;
        let mx = ps.iter().map(|p| p[0]).sum::<f64>() / n;
        let my = ps.iter().map(|p| p[1]).sum::<f64>() / n;
        let sxx: f64 = ps.iter().map(|p| (p[0] - mx).powi(2)).sum();
        let sxy: f64 = ps.iter().map(|p| (p[0] - mx) * (p[1] - my)).sum();
        if sxx > 1e-9 {
            sxy / sxx
        } else {
            f64::NAN
        }
    };
    let bend_at = |k: usize| -> f64 {
        let lower = fit_slope(&pts[..=k]);
        let upper = fit_slope(&pts[k..]);
        (lower.atan() - upper.atan()).to_degrees()
    };
    let flex = kmax.map(bend_at).unwrap_or(f64::NAN);
    let arch = kmin.map(|k| -bend_at(k)).unwrap_or(f64::NAN);
    (flex, arch)
}

fn track_dt(track: &Track) -> f64 {
    if track.fps.is_finite() && track.fps > 0.0 {
        1.0 / track.fps
    } else {
        1.0 / 30.0
    }
}

/// Computes all signals. `oblique` narrows the back outline window (see [`BACK_T_HIGH_OBLIQUE`]).
pub fn compute(track: &Track, cfg: &KinematicsConfig, oblique: bool) -> Signals {
    let n = track.len();
    let scale = if let Some(cm_per_px) = track.plate_cm_per_px_body_plane {
        Scale { cm_per_px, source: ScaleSource::Plate }
    } else if track.body_scale_px.is_finite() && cfg.lifter_height_cm.is_finite() && cfg.lifter_height_cm > 50.0 {
        Scale {
            cm_per_px: cfg.lifter_height_cm * BODY_SCALE_PER_HEIGHT / track.body_scale_px,
            source: ScaleSource::Height,
        }
    } else {
        Scale { cm_per_px: f64::NAN, source: ScaleSource::None }
    };
    let s = scale.cm_per_px;
    let fsign = if track.facing == Facing::Left { -1.0 } else { 1.0 };

    // Mid-foot per frame in px: heel–toe midpoint, else ankle + the median ankle→mid-foot offset.
    let heel = track.near(Joint::Heel);
    let toe = track.near(Joint::Toe);
    let ankle = track.near(Joint::Ankle);
    let mut mf_px: Vec<[f64; 2]> = (0..n)
        .map(|k| {
            let (h, t) = (heel.at(k), toe.at(k));
            [(h[0] + t[0]) / 2.0, (h[1] + t[1]) / 2.0]
        })
        .collect();
    let known_mf = mf_px.iter().filter(|p| p[0].is_finite()).count();
    let midfoot_from_foot = known_mf * 3 >= track.trusted.iter().filter(|b| **b).count().max(1);
    let off_x: Vec<f64> = (0..n).map(|k| mf_px[k][0] - ankle.at(k)[0]).collect();
    let off_y: Vec<f64> = (0..n).map(|k| mf_px[k][1] - ankle.at(k)[1]).collect();
    let (mut ox, mut oy) = (signal::median(&off_x), signal::median(&off_y));
    if !ox.is_finite() || !midfoot_from_foot {
        // a typical foot: mid-foot sits ~6 % of body scale ahead of the ankle, ~4 % lower
        let b = if track.body_scale_px.is_finite() { track.body_scale_px } else { 0.0 };
        ox = 0.06 * b * fsign;
        oy = 0.04 * b;
    }
    for (k, p) in mf_px.iter_mut().enumerate() {
        if !p[0].is_finite() || !midfoot_from_foot {
            let a = ankle.at(k);
            *p = [a[0] + ox, a[1] + oy];
        }
    }
    let origin = [
        signal::median(&mf_px.iter().map(|p| p[0]).collect::<Vec<_>>()),
        signal::median(&mf_px.iter().map(|p| p[1]).collect::<Vec<_>>()),
    ];
    let bx = |x: f64| (x - origin[0]) * fsign * s;
    let by = |y: f64| (origin[1] - y) * s;
    let series = |j: Joint| -> (Vec<f64>, Vec<f64>) {
        let p = track.near(j);
        ((0..n).map(|k| bx(p.at(k)[0])).collect(), (0..n).map(|k| by(p.at(k)[1])).collect())
    };
    let (shoulder_x_cm, shoulder_y_cm) = series(Joint::Shoulder);
    let (hip_x_cm, hip_y_cm) = series(Joint::Hip);
    let (knee_x_cm, knee_y_cm) = series(Joint::Knee);
    let (ankle_x_cm, ankle_y_cm) = series(Joint::Ankle);
    let (ear_x_cm, ear_y_cm) = series(Joint::Ear);
    let midfoot_x_cm: Vec<f64> = mf_px.iter().map(|p| bx(p[0])).collect();
    let bar_x_cm: Vec<f64> = (0..n).map(|k| bx(track.bar.at(k)[0])).collect();
    let bar_y_cm: Vec<f64> = (0..n).map(|k| by(track.bar.at(k)[1])).collect();
    let near_wrist_x_cm: Vec<f64> = (0..n).map(|k| bx(track.near(Joint::Wrist).at(k)[0])).collect();
    let to_m_s = |v_px_s: f64, sign: f64| v_px_s * sign * s / 100.0;
    let bar_vy_m_s: Vec<f64> = track.bar.vy_px_s.iter().map(|v| to_m_s(*v, -1.0)).collect();
    let bar_vx_m_s: Vec<f64> = track.bar.vx_px_s.iter().map(|v| to_m_s(*v, fsign)).collect();
    let hip_vy_m_s: Vec<f64> = track.near(Joint::Hip).vy_px_s.iter().map(|v| to_m_s(*v, -1.0)).collect();
    let shoulder_vy_m_s: Vec<f64> = track.near(Joint::Shoulder).vy_px_s.iter().map(|v| to_m_s(*v, -1.0)).collect();

    // Angles in a body frame that does not need the scale (px with the facing sign applied).
    let body_px = |j: Joint, k: usize| -> [f64; 2] {
        let p = track.near(j).at(k);
        [p[0] * fsign, -p[1]]
    };
    let sub = |a: [f64; 2], b: [f64; 2]| [a[0] - b[0], a[1] - b[1]];
    let mut hip_angle_deg = vec![f64::NAN; n];
    let mut knee_angle_deg = vec![f64::NAN; n];
    let mut trunk_from_vertical_deg = vec![f64::NAN; n];
    let mut thigh_above_horizontal_deg = vec![f64::NAN; n];
    let mut shank_from_vertical_deg = vec![f64::NAN; n];
    let mut head_forward_deg = vec![f64::NAN; n];
    let mut trunk_chord_cm = vec![f64::NAN; n];
    for k in 0..n {
        let (sh, hp, kn, an, ear) = (
            body_px(Joint::Shoulder, k),
            body_px(Joint::Hip, k),
            body_px(Joint::Knee, k),
            body_px(Joint::Ankle, k),
            body_px(Joint::Ear, k),
        );
        let u = sub(sh, hp); // trunk
        let v = sub(kn, hp); // thigh, from the hip
        hip_angle_deg[k] = positive_mod_360(angle_deg(u) - angle_deg(v));
        let sv = sub(an, kn);
        let tv = sub(hp, kn);
        knee_angle_deg[k] = positive_mod_360(angle_deg(sv) - angle_deg(tv));
        trunk_from_vertical_deg[k] = u[0].atan2(u[1]).to_degrees();
        thigh_above_horizontal_deg[k] = tv[1].atan2(tv[0].abs()).to_degrees();
        shank_from_vertical_deg[k] = (kn[0] - an[0]).atan2(kn[1] - an[1]).to_degrees();
        let w = sub(ear, sh);
        let cross = u[0] * w[1] - u[1] * w[0];
        let dot = u[0] * w[0] + u[1] * w[1];
        head_forward_deg[k] = -cross.atan2(dot).to_degrees();
        trunk_chord_cm[k] = u[0].hypot(u[1]) * s;
        if !u[0].is_finite() {
            trunk_chord_cm[k] = f64::NAN;
        }
    }

    // Mask-based back outline.
    let t_high = if oblique { cfg.back_t_high_oblique } else { cfg.back_t_high };
    let mut flex = vec![f64::NAN; n];
    let mut arch = vec![f64::NAN; n];
    if track.facing != Facing::Unknown {
        let back_is_pos = track.facing == Facing::Right;
        for k in 0..n {
            let Some(p) = &track.trunk_profile[k] else { continue };
            let (h, sh) = (track.mid_hip_raw_px[k], track.mid_shoulder_raw_px[k]);
            let chord = (sh[0] - h[0]).hypot(sh[1] - h[1]);
            let (f, a) = back_bend_deg(p, back_is_pos, chord, cfg.back_t_low, t_high);
            flex[k] = f;
            arch[k] = a;
        }
    }
    let profile_frames = (0..n).filter(|&k| track.trusted[k] && flex[k].is_finite()).count();
    let trusted_frames = track.trusted.iter().filter(|b| **b).count();
    let back_profile_share = if trusted_frames == 0 { 0.0 } else { profile_frames as f64 / trusted_frames as f64 };
    let max_gap = ((0.2 / track_dt(track)).round() as usize).max(1);
    let smooth_bend = |v: &[f64]| -> Vec<f64> {
        let (v, _) = signal::fill_short_gaps(v, max_gap);
        let v = &v[..];
        let med = signal::running_median(v, 2);
        let med: Vec<f64> = med.iter().zip(v).map(|(m, raw)| if raw.is_finite() { *m } else { f64::NAN }).collect();
        signal::local_quadratic(&track.t_s, &med, 0.08).value
    };
    let back_flex_deg = smooth_bend(&flex);
    let back_arch_deg = smooth_bend(&arch);

    Signals {
        t_s: track.t_s.clone(),
        frame: track.frame.clone(),
        trusted: track.trusted.clone(),
        scale,
        facing: track.facing,
        bar_origin: track.bar_origin,
        body_scale_cm: track.body_scale_px * s,
        shoulder_x_cm,
        shoulder_y_cm,
        hip_x_cm,
        hip_y_cm,
        knee_x_cm,
        knee_y_cm,
        ankle_x_cm,
        ankle_y_cm,
        ear_x_cm,
        ear_y_cm,
        midfoot_x_cm,
        midfoot_from_foot,
        foot_visibility: (0..n).map(|k| heel.visibility[k].min(toe.visibility[k])).collect(),
        foot_from_planted: track.foot_from_planted.clone(),
        bar_x_cm,
        bar_y_cm,
        bar_x_from_plate_alone: track.bar_x_from_plate_alone,
        bar_from_hands: track.bar_from_hands.clone(),
        near_wrist_x_cm,
        bar_vy_m_s,
        bar_vx_m_s,
        hip_vy_m_s,
        shoulder_vy_m_s,
        hip_angle_deg,
        knee_angle_deg,
        trunk_from_vertical_deg,
        thigh_above_horizontal_deg,
        shank_from_vertical_deg,
        head_forward_deg,
        trunk_chord_cm,
        back_flex_deg,
        back_arch_deg,
        back_profile_share,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(d: &[f32]) -> TrunkProfile {
        let n = d.len();
        TrunkProfile {
            t: (0..n).map(|k| k as f32 / (n - 1) as f32).collect(),
            pos_px: d.iter().map(|v| Some(*v)).collect(),
            neg_px: vec![Some(10.0); n],
        }
    }

    #[test]
    fn flat_back_has_no_bend() {
        let p = profile(&[20.0; 11]);
        let (f, a) = back_bend_deg(&p, true, 100.0, 0.1, 0.9);
        assert!(f.abs() < 1e-6 && a.abs() < 1e-6, "{f} {a}");
    }

    #[test]
    fn a_kinked_outline_reads_its_kink_angle() {
        // outline rises with slope tan(10°) to t = 0.5 then falls with the same slope: 20° bend
        let c = 100.0f64;
        let d: Vec<f32> = (0..11)
            .map(|k| {
                let x = k as f64 / 10.0 * c;
                let h = (x.min(c - x)) * 10f64.to_radians().tan();
                (20.0 + h) as f32
            })
            .collect();
        let (f, a) = back_bend_deg(&profile(&d), true, c, 0.1, 0.9);
        assert!((f - 20.0).abs() < 0.5, "flex {f}");
        assert!(a < 1.0, "arch {a}");
        // the same outline seen from the other side (neg) is flat
        let (f2, _) = back_bend_deg(&profile(&d), false, c, 0.1, 0.9);
        assert!(f2.abs() < 1e-6);
    }

    #[test]
    fn missing_samples_give_nan() {
        let mut p = profile(&[20.0; 11]);
        for v in p.pos_px.iter_mut().take(8) {
            *v = None;
        }
        assert!(back_bend_deg(&p, true, 100.0, 0.1, 0.9).0.is_nan());
        assert!(back_bend_deg(&profile(&[20.0; 11]), true, f64::NAN, 0.1, 0.9).0.is_nan());
    }
}
