//! DL006 squatted-setup: hips set too low (at or below the knees), knees pushed far forward, so
//! the bar has to travel around the knees.

use serde::{Deserialize, Serialize};

use super::{base_confidence, finding, frames_for, set_position, view_gate, Context, Outcome, Rule, RuleInfo, ViewNeed};
use crate::analysis::AnalysisConfig;
use crate::report::Severity;
use crate::signal;

/// Default: the thigh (knee→hip) should rise at least this much above horizontal at setup (deg).
pub const MIN_THIGH_ANGLE_DEG: f64 = 10.0;
/// Default: the set position is looked for in this window before liftoff (s).
pub const SET_WINDOW_S: f64 = 1.0;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Dl006Config {
    pub enabled: bool,
    pub min_thigh_angle_deg: f64,
    pub set_window_s: f64,
}

impl Default for Dl006Config {
    fn default() -> Self {
        Dl006Config { enabled: true, min_thigh_angle_deg: MIN_THIGH_ANGLE_DEG, set_window_s: SET_WINDOW_S }
    }
}

pub static INFO: RuleInfo = RuleInfo {
    code: "DL006",
    name: "squatted-setup",
    severity: Severity::Warning,
    phase: "setup (set position before liftoff)",
    measures: "angle of the thigh (knee→hip) above horizontal at the set position; low = hips at knee height",
    unit: "deg",
    fires_when: "below",
    threshold_key: "min_thigh_angle_deg",
    default_threshold: MIN_THIGH_ANGLE_DEG,
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
        for rep in ctx.reps {
            if let Some(reason) = &gate {
                out.not_assessed(INFO.code, Some(rep.index), reason.clone());
                continue;
            }
            if rep.setup_start.is_none() {
                out.not_assessed(INFO.code, Some(rep.index), "the clip starts after the setup of this rep");
                continue;
            }
            let set = set_position(s, rep, cfg.set_window_s);
            let half = frames_for(s, 0.05);
            let lo = set.saturating_sub(half).max(rep.setup_start.unwrap_or(0));
            let hi = (set + half).min(rep.liftoff);
            let thigh = signal::median(&(lo..=hi).map(|k| if s.trusted[k] { s.thigh_above_horizontal_deg[k] } else { f64::NAN }).collect::<Vec<_>>());
            if !thigh.is_finite() {
                out.not_assessed(INFO.code, Some(rep.index), "hips and knees are not seen at the set position");
                continue;
            }
            out.metric(rep.index, "setup_thigh_angle_deg", thigh);
            let shank = s.shank_from_vertical_deg[set];
            out.metric(rep.index, "setup_shank_angle_deg", shank);
            if thigh < cfg.min_thigh_angle_deg {
                let knees = if shank.is_finite() { format!(", shins {:.0}° forward of vertical", shank) } else { String::new() };
                let msg = if thigh < 0.0 {
                    format!("the hips start {:.0}° below knee level{knees}: a squat, not a hinge", -thigh)
                } else {
                    format!("the hips start only {:.0}° above knee level{knees}", thigh)
                };
                let conf = base_confidence(ctx, lo, hi, false);
                out.findings.push(finding(s, &INFO, INFO.severity, rep.index, lo, hi, thigh, cfg.min_thigh_angle_deg, msg, conf));
            }
        }
        out.merge_not_assessed(ctx.reps.len());
        out
    }
}
