//! DL004 bar-drift: the bar leaves its straight path and swings forward, away from the legs,
//! during the pull or the lowering.

use serde::{Deserialize, Serialize};

use super::{
    bar_gate, base_confidence, finding, frames_for, run_around, scale_gate, sustained_max, view_gate, Context, Outcome,
    Rule, RuleInfo, Threshold, ViewNeed,
};
use crate::analysis::AnalysisConfig;
use crate::report::Severity;
use crate::signal;

/// Default: largest acceptable forward swing of the bar from where it left the floor (cm).
pub const MAX_DRIFT_CM: f64 = 6.0;
/// Default: extra allowance when the bar is taken from the wrists, which move about the bar
/// and are harder to track than a plate (cm). On the shared clips the wrist keypoints of clean
/// pulls wandered up to ~11 cm forward (hands hidden by the plate).
pub const WRIST_MARGIN_CM: f64 = 6.0;
/// Default: the drift must last this long (s).
pub const MIN_DURATION_S: f64 = 0.15;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Dl004Config {
    pub enabled: bool,
    pub max_drift_cm: f64,
    pub wrist_margin_cm: f64,
    pub min_duration_s: f64,
}

impl Default for Dl004Config {
    fn default() -> Self {
        Dl004Config {
            enabled: true,
            max_drift_cm: MAX_DRIFT_CM,
            wrist_margin_cm: WRIST_MARGIN_CM,
            min_duration_s: MIN_DURATION_S,
        }
    }
}

pub static INFO: RuleInfo = RuleInfo {
    code: "DL004",
    name: "bar-drift",
    severity: Severity::Warning,
    phase: "pull and lowering (lowering only with a tracked plate)",
    measures: "largest forward distance of the bar from the vertical line it left the floor on",
    unit: "cm",
    fires_when: "above",
    threshold_key: "max_drift_cm",
    default_threshold: MAX_DRIFT_CM,
    thresholds: &[
        Threshold { key: "max_drift_cm", unit: "cm", default: MAX_DRIFT_CM, min: 0.0, max: 100.0 },
        Threshold { key: "wrist_margin_cm", unit: "cm", default: WRIST_MARGIN_CM, min: 0.0, max: 50.0 },
        Threshold { key: "min_duration_s", unit: "s", default: MIN_DURATION_S, min: 0.0, max: 5.0 },
    ],
    views: "side",
    what: "Whether the bar travels in a straight vertical line over the mid-foot, or swings forward away from the shins and thighs on the way up or down.",
    why: "Every centimetre the bar moves away from the legs lengthens the lever the back has to hold. A drifting bar makes the lift harder, shifts the lifter's balance towards the toes and pulls the back out of position.",
    fix: "Keep the bar in contact with your legs the whole way: think of dragging it up the shins and thighs. Engage the lats (imagine squeezing oranges in your armpits) so the arms stay close; on the way down, push the hips back first and let the bar slide down the thighs before the knees bend.",
};

pub struct BarDrift;

impl Rule for BarDrift {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn enabled(&self, c: &AnalysisConfig) -> bool {
        c.dl004.enabled
    }

    fn check(&self, ctx: &Context) -> Outcome {
        let mut out = Outcome::default();
        let cfg = &ctx.config.dl004;
        let s = ctx.signals;
        let gate = view_gate(ctx.view, ViewNeed::Side).or_else(|| scale_gate(s)).or_else(|| bar_gate(s));
        let width = frames_for(s, cfg.min_duration_s);
        for rep in ctx.judgeable_reps(&mut out, INFO.code, gate, false) {
            let half = frames_for(s, 0.1);
            let lo = rep.liftoff.saturating_sub(half);
            let hi = (rep.liftoff + half).min(rep.lockout_start.max(rep.liftoff));
            let x0 = signal::median(
                &(lo..=hi).map(|k| if s.trusted[k] { s.bar_x_cm[k] } else { f64::NAN }).collect::<Vec<_>>(),
            );
            if !x0.is_finite() {
                out.not_assessed(INFO.code, Some(rep.index), "the bar is not seen at liftoff");
                continue;
            }
            // The lockout hold is not a swing: standing tall, the bar rests against the thighs a few
            // cm ahead of where it left the floor (bichraix_good008 held it there for 6 s).
            let held = |k: usize| k > rep.lockout_start && k < rep.lockout_end;
            let drift: Vec<f64> =
                (0..s.len()).map(|k| if s.trusted[k] && !held(k) { s.bar_x_cm[k] - x0 } else { f64::NAN }).collect();
            // The wrists swing about the bar on the way down (hands, elbows): the lowering is
            // judged only with a tracked plate, and the wrists get a margin.
            let wrists = super::bar_from_hands(s, rep.liftoff, rep.end());
            let end = if wrists { rep.lockout_start } else { rep.end() };
            let limit = cfg.max_drift_cm + if wrists { cfg.wrist_margin_cm } else { 0.0 };
            if let Some(reason) = super::trust_gate(s, rep.liftoff, end, "during the pull") {
                out.not_assessed(INFO.code, Some(rep.index), reason);
                continue;
            }
            let Some((at, peak)) = sustained_max(&drift, rep.liftoff, end, width) else {
                out.not_assessed(INFO.code, Some(rep.index), "the bar is not seen during the pull");
                continue;
            };
            out.metric(rep.index, "bar_drift_cm", peak.max(0.0));
            if peak > limit {
                let (a, b) = run_around(&drift, at, rep.liftoff, end, limit);
                let phase = if at <= rep.lockout_start { "on the way up" } else { "on the way down" };
                let src = if wrists { " (bar taken from the wrists)" } else { "" };
                let msg = format!("the bar swings {:.1} cm forward of its starting line {phase}{src}", peak);
                let conf = base_confidence(ctx, a, b, true);
                out.findings.push(finding(s, &INFO, INFO.severity, rep.index, a, b, peak, limit, msg, conf));
            }
        }
        out.merge_not_assessed(ctx.reps.len());
        out
    }
}
