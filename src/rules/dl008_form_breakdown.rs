//! DL008 form-breakdown: set level. The bar slows down markedly over the set (fatigue), or the
//! back rounds more and more from rep to rep.

use serde::{Deserialize, Serialize};

use super::{base_confidence, finding, scale_gate, set_position, sustained_max, upright_frames, Context, Outcome, Rule, RuleInfo};
use crate::analysis::AnalysisConfig;
use crate::report::Severity;
use crate::signal;

/// Default: largest acceptable loss of mean bar speed against the set's best early rep (percent).
pub const MAX_VELOCITY_LOSS_PCT: f64 = 30.0;
/// Default: largest acceptable growth of the back's peak bend from the first rep (deg).
pub const MAX_FLEXION_GROWTH_DEG: f64 = 10.0;
/// Default: fewest full reps for a set-level judgement.
pub const MIN_REPS: usize = 3;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Dl008Config {
    pub enabled: bool,
    pub max_velocity_loss_pct: f64,
    pub max_flexion_growth_deg: f64,
    pub min_reps: usize,
}

impl Default for Dl008Config {
    fn default() -> Self {
        Dl008Config {
            enabled: true,
            max_velocity_loss_pct: MAX_VELOCITY_LOSS_PCT,
            max_flexion_growth_deg: MAX_FLEXION_GROWTH_DEG,
            min_reps: MIN_REPS,
        }
    }
}

pub static INFO: RuleInfo = RuleInfo {
    code: "DL008",
    name: "form-breakdown",
    severity: Severity::Warning,
    phase: "whole set (rep against rep)",
    measures: "loss of mean concentric bar speed against the faster of the first two reps (and, with a back outline, growth of the back's peak bend)",
    unit: "%",
    fires_when: "above",
    threshold_key: "max_velocity_loss_pct",
    default_threshold: MAX_VELOCITY_LOSS_PCT,
    views: "any (needs at least 3 full reps)",
    what: "Whether the set holds up to the last rep: the bar's speed off the floor, and the shape of the back, compared rep by rep with the first reps of the set.",
    why: "Form rarely fails on the first rep. As the muscles tire, the bar slows down and the body finds the easiest way up, which often means the back takes over from the hips. A large slowdown means the set went close to failure, where breakdowns and injuries happen.",
    fix: "End the set while the reps are still fast and clean: leave a rep or two in reserve, rest longer between sets, and add load in small steps (a few percent per week) instead of grinding out the last reps.",
};

pub struct FormBreakdown;

impl Rule for FormBreakdown {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn enabled(&self, c: &AnalysisConfig) -> bool {
        c.dl008.enabled
    }

    fn check(&self, ctx: &Context) -> Outcome {
        let mut out = Outcome::default();
        let cfg = &ctx.config.dl008;
        let s = ctx.signals;
        let full: Vec<&crate::reps::Rep> = ctx.reps.iter().filter(|r| !r.partial_start).collect();
        if full.len() < cfg.min_reps.max(2) {
            out.not_assessed(INFO.code, None, format!("a set-level judgement needs at least {} full reps; this clip has {}", cfg.min_reps.max(2), full.len()));
            return out;
        }
        if let Some(reason) = scale_gate(s) {
            out.not_assessed(INFO.code, None, reason);
            return out;
        }
        let v: Vec<f64> = full.iter().map(|r| r.mean_concentric_velocity_m_s(s)).collect();
        let v_ref = v.iter().take(2).copied().filter(|x| x.is_finite()).fold(f64::NAN, f64::max);
        if v_ref.is_finite() && v_ref > 0.0 {
            let mut fired = false;
            for (r, vk) in full.iter().zip(&v).skip(1) {
                let loss = 100.0 * (1.0 - vk / v_ref);
                out.metric(r.index, "velocity_loss_pct", loss);
                if !fired && loss > cfg.max_velocity_loss_pct {
                    fired = true;
                    let msg = format!("rep {} rises {:.0} % slower than the set's best early rep ({:.2} vs {:.2} m/s)", r.index, loss, vk, v_ref);
                    let conf = base_confidence(ctx, r.liftoff, r.lockout_start, true);
                    out.findings.push(finding(s, &INFO, INFO.severity, r.index, r.liftoff, r.lockout_start, loss, cfg.max_velocity_loss_pct, msg, conf));
                }
            }
        } else {
            out.not_assessed(INFO.code, None, "the bar's speed could not be measured on the first reps");
        }
        // Back bend growth, where the mask outline exists.
        if s.back_profile_share >= 0.5 {
            let upright = upright_frames(s, 25.0, 150.0);
            let neutral = signal::median(&upright.iter().map(|&k| s.back_flex_deg[k]).collect::<Vec<_>>());
            let peaks: Vec<f64> = full
                .iter()
                .map(|r| {
                    let rel: Vec<f64> = s.back_flex_deg.iter().map(|f| f - neutral).collect();
                    sustained_max(&rel, set_position(s, r, 1.0), r.end(), 3).map(|x| x.1).unwrap_or(f64::NAN)
                })
                .collect();
            if let Some(first) = peaks.first().copied().filter(|x| x.is_finite()) {
                for (r, p) in full.iter().zip(&peaks).skip(1) {
                    let growth = p - first;
                    if growth > cfg.max_flexion_growth_deg {
                        let msg = format!("the back rounds {:.0}° more on rep {} than on rep 1", growth, r.index);
                        let conf = base_confidence(ctx, r.liftoff, r.end(), false);
                        let mut f = finding(s, &INFO, INFO.severity, r.index, r.liftoff, r.end(), growth, cfg.max_flexion_growth_deg, msg, conf);
                        f.unit = "deg";
                        out.findings.push(f);
                        break;
                    }
                }
            }
        }
        out
    }
}
