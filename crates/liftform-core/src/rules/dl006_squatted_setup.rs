//! DL006 squatted-setup: hips set too low (at or below the knees), knees pushed far forward, so
//! the bar has to travel around the knees.

// NaN-safe comparisons are written `!(x > y)` on purpose: they are true when x is NaN.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use serde::{Deserialize, Serialize};

use super::{
    base_confidence, finding, frames_for, sustained_max, view_gate, Context, Outcome, Rule, RuleInfo, Threshold,
    ViewNeed,
};
use crate::analysis::AnalysisConfig;
use crate::report::Severity;

/// Default: the thigh (knee→hip) should rise at least this much above horizontal at setup (deg).
pub const MIN_THIGH_ANGLE_DEG: f64 = 10.0;
/// Default: ... and the shins lean forward more than this (knees pushed over the bar) (deg).
pub const MIN_SHANK_FORWARD_DEG: f64 = 25.0;
/// Default: in a hinge the trunk leans further forward than the shins; a trunk leaning less than
/// this many degrees more than the shins (torso as upright as the shins: the squat pattern) is a
/// squatted setup even with the hips above the knees. Hinges on the shared side views read
/// -12 to -48 (trunk minus shank, negated here: shank minus trunk); a knee-dominant set reads
/// +11 to +31.
pub const MIN_TRUNK_OVER_SHANK_DEG: f64 = 0.0;
/// Default: the setup is judged over this last stretch before liftoff, at its deepest (s).
pub const SET_WINDOW_S: f64 = 1.0;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Dl006Config {
    pub enabled: bool,
    pub min_thigh_angle_deg: f64,
    pub min_shank_forward_deg: f64,
    pub min_trunk_over_shank_deg: f64,
    pub set_window_s: f64,
}

impl Default for Dl006Config {
    fn default() -> Self {
        Dl006Config {
            enabled: true,
            min_thigh_angle_deg: MIN_THIGH_ANGLE_DEG,
            min_shank_forward_deg: MIN_SHANK_FORWARD_DEG,
            min_trunk_over_shank_deg: MIN_TRUNK_OVER_SHANK_DEG,
            set_window_s: SET_WINDOW_S,
        }
    }
}

pub static INFO: RuleInfo = RuleInfo {
    code: "DL006",
    name: "squatted-setup",
    severity: Severity::Warning,
    phase: "setup (set position before liftoff)",
    measures: "angle of the thigh (knee→hip) above horizontal at the set position (low = hips at knee height); fires only when the shins also lean forward more than min_shank_forward_deg; also fires, with the shins that far forward, when the trunk leans less than min_trunk_over_shank_deg more than the shins (the squat pattern), or when the shins push the bar, held against them, past DL001's limit ahead of the mid-foot (then the measured value is the shank's lean against min_shank_forward_deg)",
    unit: "deg",
    fires_when: "below",
    threshold_key: "min_thigh_angle_deg",
    default_threshold: MIN_THIGH_ANGLE_DEG,
    thresholds: &[
        Threshold { key: "min_thigh_angle_deg", unit: "deg", default: MIN_THIGH_ANGLE_DEG, min: -90.0, max: 90.0 },
        Threshold { key: "min_shank_forward_deg", unit: "deg", default: MIN_SHANK_FORWARD_DEG, min: 0.0, max: 90.0 },
        Threshold {
            key: "min_trunk_over_shank_deg",
            unit: "deg",
            default: MIN_TRUNK_OVER_SHANK_DEG,
            min: -90.0,
            max: 90.0,
        },
        Threshold { key: "set_window_s", unit: "s", default: SET_WINDOW_S, min: 0.0, max: 10.0 },
    ],
    views: "side",
    what: "Whether the start position is a hip hinge (hips above the knees, shins close to vertical) or a squat (hips dropped to knee height, knees far forward over the bar).",
    why: "With the knees pushed forward the bar cannot go straight up: it has to swing around them, and the hips shoot up first anyway once the bar breaks the floor. The deadlift is a hinge; starting it like a squat wastes the legs' position and pulls the bar off its line.",
    fix: "Set the hips higher: bar over mid-foot, shins touching the bar and close to vertical, hips pushed back until you feel the hamstrings load. The hips sit between the knees and the shoulders, not down at the knees.",
};

pub struct SquattedSetup;

impl Rule for SquattedSetup {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn enabled(&self, c: &AnalysisConfig) -> bool {
        c.dl006.enabled
    }

    fn check(&self, ctx: &Context) -> Outcome {
        let mut out = Outcome::default();
        let cfg = &ctx.config.dl006;
        let s = ctx.signals;
        let gate = view_gate(ctx.view, ViewNeed::Side);
        for rep in ctx.judgeable_reps(&mut out, INFO.code, gate, true) {
            // the deepest the hips sit in the last stretch of the setup (held for 0.1 s)
            let hi = rep.liftoff;
            let lo = hi.saturating_sub(frames_for(s, cfg.set_window_s)).max(rep.setup_start.unwrap_or(0));
            if let Some(reason) = super::trust_gate(s, lo, hi, "at the set position") {
                out.not_assessed(INFO.code, Some(rep.index), reason);
                continue;
            }
            let neg_thigh: Vec<f64> =
                (0..s.len()).map(|k| if s.trusted[k] { -s.thigh_above_horizontal_deg[k] } else { f64::NAN }).collect();
            let Some((at, neg)) = sustained_max(&neg_thigh, lo, hi, frames_for(s, 0.1)).filter(|x| x.1.is_finite())
            else {
                out.not_assessed(INFO.code, Some(rep.index), "hips and knees are not seen at the set position");
                continue;
            };
            let thigh = -neg;
            let half = frames_for(s, 0.05);
            let (lo, hi) = (at.saturating_sub(half).max(lo), (at + half).min(hi));
            let shank = super::trusted_median(s, lo, hi, |k| s.shank_from_vertical_deg[k]);
            out.metric(rep.index, "setup_thigh_angle_deg", thigh);
            out.metric(rep.index, "setup_shank_angle_deg", shank);
            let trunk = super::trusted_median(s, lo, hi, |k| s.trunk_from_vertical_deg[k]);
            out.metric(rep.index, "setup_trunk_angle_deg", trunk);
            out.metric(rep.index, "setup_trunk_over_shank_deg", trunk - shank);
            // Hips at knee height *and* knees pushed forward (a hinge with long femurs can have low
            // hips but keeps the shins near vertical); or, with the knees that far forward, a trunk
            // as upright as the shins: a squat whatever the hips' height (a kettlebell between the
            // feet invites it).
            let knees_forward = !(shank <= cfg.min_shank_forward_deg);
            let hips_low = thigh < cfg.min_thigh_angle_deg;
            let squat_pattern = shank.is_finite() && trunk - shank < cfg.min_trunk_over_shank_deg;
            // The bar held against shins pushed so far forward that it stands over the toes:
            // DL001 leaves a bar at the shins alone, the knees are the cause.
            let bar_offset_cm = super::setup_bar_offset_cm(s, lo, hi);
            let shin_gap_cm = super::bar_to_shin_gap_cm(s, lo, hi);
            let bar_pushed_over_toes = s.midfoot_from_foot
                && bar_offset_cm > super::midfoot_offset_limit_cm(ctx, lo, hi)
                && shin_gap_cm <= ctx.config.dl001.min_shin_gap_cm;
            if knees_forward && (hips_low || squat_pattern || bar_pushed_over_toes) {
                let knees = if shank.is_finite() {
                    format!(", shins {:.0}° forward of vertical", shank)
                } else {
                    String::new()
                };
                let (msg, value, limit) = if hips_low && thigh < 0.0 {
                    (
                        format!("the hips start {:.0}° below knee level{knees}: a squat, not a hinge", -thigh),
                        thigh,
                        cfg.min_thigh_angle_deg,
                    )
                } else if hips_low {
                    (
                        format!("the hips start only {:.0}° above knee level{knees}", thigh),
                        thigh,
                        cfg.min_thigh_angle_deg,
                    )
                } else if squat_pattern {
                    (
                        format!(
                            "the trunk ({trunk:.0}° from vertical) is as upright as the shins ({shank:.0}°): the knees drive the start, a squat, not a hinge"
                        ),
                        trunk - shank,
                        cfg.min_trunk_over_shank_deg,
                    )
                } else {
                    (
                        format!(
                            "the shins lean {shank:.0}° forward and push the bar {bar_offset_cm:.0} cm ahead of the mid-foot, over the toes"
                        ),
                        shank,
                        cfg.min_shank_forward_deg,
                    )
                };
                let conf = base_confidence(ctx, lo, hi, false);
                out.findings.push(finding(s, &INFO, INFO.severity, rep.index, lo, hi, value, limit, msg, conf));
            }
        }
        out.merge_not_assessed(ctx.reps.len());
        out
    }
}
