//! DL007 incomplete-lockout: the rep ends without hips or knees reaching full extension.

use serde::{Deserialize, Serialize};

use super::{
    base_confidence, finding, frames_for, sustained_max, view_gate, Context, Outcome, Rule, RuleInfo, Threshold,
    ViewNeed,
};
use crate::analysis::AnalysisConfig;
use crate::report::Severity;

/// Default: the hip angle (shoulder–hip–knee) must reach at least this at the top (deg).
/// A lockout cut by the clip's end is judged only when at least this much of it is seen (s).
pub const MIN_SEEN_HOLD_S: f64 = 0.4;
pub const MIN_HIP_ANGLE_DEG: f64 = 160.0;
/// Default: the knee angle (hip–knee–ankle) must reach at least this at the top (deg).
pub const MIN_KNEE_ANGLE_DEG: f64 = 160.0;
/// Default: the extension must be held this long to count (s).
pub const MIN_DURATION_S: f64 = 0.1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Dl007Config {
    pub enabled: bool,
    pub min_hip_angle_deg: f64,
    pub min_knee_angle_deg: f64,
    pub min_duration_s: f64,
}

impl Default for Dl007Config {
    fn default() -> Self {
        Dl007Config {
            enabled: true,
            min_hip_angle_deg: MIN_HIP_ANGLE_DEG,
            min_knee_angle_deg: MIN_KNEE_ANGLE_DEG,
            min_duration_s: MIN_DURATION_S,
        }
    }
}

pub static INFO: RuleInfo = RuleInfo {
    code: "DL007",
    name: "incomplete-lockout",
    severity: Severity::Warning,
    phase: "lockout",
    measures: "the most open hip angle (shoulder–hip–knee) and knee angle (hip–knee–ankle) held at the top; the one further below its limit is reported",
    unit: "deg",
    fires_when: "below",
    threshold_key: "min_hip_angle_deg",
    default_threshold: MIN_HIP_ANGLE_DEG,
    thresholds: &[
        Threshold { key: "min_hip_angle_deg", unit: "deg", default: MIN_HIP_ANGLE_DEG, min: 90.0, max: 180.0 },
        Threshold { key: "min_knee_angle_deg", unit: "deg", default: MIN_KNEE_ANGLE_DEG, min: 90.0, max: 180.0 },
        Threshold { key: "min_duration_s", unit: "s", default: MIN_DURATION_S, min: 0.0, max: 5.0 },
    ],
    views: "side",
    what: "Whether each rep finishes standing fully upright, with hips and knees straight, before the bar comes down.",
    why: "A rep that stops with the hips still bent never finishes the hip extension the deadlift trains, and in competition it does not count. Stopping short is also often a sign the weight is too heavy or the glutes are not doing their share.",
    fix: "Finish every rep: drive the hips forward by squeezing the glutes until you stand straight with knees locked, pause for a moment, then lower. Stand tall rather than leaning back.",
};

pub struct IncompleteLockout;

impl Rule for IncompleteLockout {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn enabled(&self, c: &AnalysisConfig) -> bool {
        c.dl007.enabled
    }

    fn check(&self, ctx: &Context) -> Outcome {
        let mut out = Outcome::default();
        let cfg = &ctx.config.dl007;
        let s = ctx.signals;
        let gate = view_gate(ctx.view, ViewNeed::Side);
        let width = frames_for(s, cfg.min_duration_s);
        for rep in ctx.judgeable_reps(&mut out, INFO.code, gate, false) {
            let lo = rep.lockout_start.saturating_sub(frames_for(s, 0.1));
            let hi = rep.lockout_end;
            // A clip cut while the bar has just reached the top may not show the lifter finish
            // standing up (bichraix_good009 ends 0.23 s after the bar's top).
            let held_s = s.t_s[hi] - s.t_s[rep.lockout_start];
            if rep.partial_end && hi + frames_for(s, 0.1) >= s.len() && held_s < MIN_SEEN_HOLD_S {
                out.not_assessed(
                    INFO.code,
                    Some(rep.index),
                    format!(
                        "the clip ends {held_s:.2} s after the bar reaches the top: the lockout may not be finished"
                    ),
                );
                continue;
            }
            if let Some(reason) = super::trust_gate(s, lo, hi, "at the top") {
                out.not_assessed(INFO.code, Some(rep.index), reason);
                continue;
            }
            let masked =
                |v: &[f64]| -> Vec<f64> { (0..s.len()).map(|k| if s.trusted[k] { v[k] } else { f64::NAN }).collect() };
            let hip = masked(&s.hip_angle_deg);
            let knee = masked(&s.knee_angle_deg);
            let (Some((hk, hip_max)), Some((kk, knee_max))) =
                (sustained_max(&hip, lo, hi, width), sustained_max(&knee, lo, hi, width))
            else {
                out.not_assessed(INFO.code, Some(rep.index), "hips or knees are not seen at the top");
                continue;
            };
            out.metric(rep.index, "lockout_hip_angle_deg", hip_max);
            out.metric(rep.index, "lockout_knee_angle_deg", knee_max);
            let hip_short = cfg.min_hip_angle_deg - hip_max;
            let knee_short = cfg.min_knee_angle_deg - knee_max;
            if hip_short > 0.0 || knee_short > 0.0 {
                let (joint, value, limit, at) = if hip_short >= knee_short {
                    ("hips", hip_max, cfg.min_hip_angle_deg, hk)
                } else {
                    ("knees", knee_max, cfg.min_knee_angle_deg, kk)
                };
                let msg =
                    format!("the {joint} open only to {:.0}° at the top; the rep ends before standing straight", value);
                let conf = base_confidence(ctx, lo, hi, false);
                let a = at.saturating_sub(width / 2).max(lo);
                let b = (at + width / 2).min(hi);
                out.findings.push(finding(s, &INFO, INFO.severity, rep.index, a, b, value, limit, msg, conf));
            }
        }
        out.merge_not_assessed(ctx.reps.len());
        out
    }
}
