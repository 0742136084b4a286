//! DL008 form-breakdown: set level. The bar slows down markedly over the set (fatigue), or the
//! back rounds more and more from rep to rep.

use serde::{Deserialize, Serialize};

use super::{
    base_confidence, finding, scale_gate, set_position, sustained_max, upright_frames, Context, Outcome, Rule,
    RuleInfo, Threshold,
};
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
    measures: "loss of mean concentric bar speed against the faster of the first two reps, lasting to the last rep (and, with a back outline, growth of the back's peak bend against rep 1, lasting to the last rep)",
    unit: "%",
    fires_when: "above",
    threshold_key: "max_velocity_loss_pct",
    default_threshold: MAX_VELOCITY_LOSS_PCT,
    thresholds: &[
        Threshold { key: "max_velocity_loss_pct", unit: "%", default: MAX_VELOCITY_LOSS_PCT, min: 0.0, max: 100.0 },
        Threshold { key: "max_flexion_growth_deg", unit: "deg", default: MAX_FLEXION_GROWTH_DEG, min: 0.0, max: 90.0 },
        Threshold { key: "min_reps", unit: "reps", default: MIN_REPS as f64, min: 2.0, max: 50.0 },
    ],
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
            out.not_assessed(
                INFO.code,
                None,
                format!(
                    "a set-level judgement needs at least {} full reps; this clip has {}",
                    cfg.min_reps.max(2),
                    full.len()
                ),
            );
            return out;
        }
        if let Some(reason) = scale_gate(s) {
            out.not_assessed(INFO.code, None, reason);
            return out;
        }
        let v: Vec<f64> = full.iter().map(|r| r.mean_concentric_velocity_m_s(s)).collect();
        let v_ref = v.iter().take(2).copied().filter(|x| x.is_finite()).fold(f64::NAN, f64::max);
        if v_ref.is_finite() && v_ref > 0.0 {
            let loss: Vec<f64> = v.iter().map(|vk| 100.0 * (1.0 - vk / v_ref)).collect();
            for (r, l) in full.iter().zip(&loss).skip(1) {
                out.metric(r.index, "velocity_loss_pct", *l);
            }
            // a breakdown persists: the first rep from which every later rep stays over the limit
            if let Some(i) = first_of_persistent_run(&loss, cfg.max_velocity_loss_pct) {
                let r = full[i];
                let msg = format!(
                    "from rep {} on the bar rises {:.0} % slower than the set's best early rep ({:.2} vs {:.2} m/s)",
                    r.index, loss[i], v[i], v_ref
                );
                let conf = base_confidence(ctx, r.liftoff, r.lockout_start, true);
                out.findings.push(finding(
                    s,
                    &INFO,
                    INFO.severity,
                    r.index,
                    r.liftoff,
                    r.lockout_start,
                    loss[i],
                    cfg.max_velocity_loss_pct,
                    msg,
                    conf,
                ));
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
                    // Only while bent over, as DL002 reads the back: a standing outline carries the
                    // buttocks, the arms and any lean back, and is no measure of rounding.
                    let min_lean = ctx.config.dl002.min_trunk_lean_deg;
                    let rel: Vec<f64> = (0..s.len())
                        .map(|k| {
                            if s.trunk_from_vertical_deg[k] >= min_lean {
                                s.back_flex_deg[k] - neutral
                            } else {
                                f64::NAN
                            }
                        })
                        .collect();
                    sustained_max(&rel, set_position(s, r, 1.0), r.end(), 3).map(|x| x.1).unwrap_or(f64::NAN)
                })
                .collect();
            if let Some(first) = peaks.first().copied().filter(|x| x.is_finite()) {
                let growth: Vec<f64> = peaks.iter().map(|p| p - first).collect();
                if let Some(i) = first_of_persistent_run(&growth, cfg.max_flexion_growth_deg) {
                    let r = full[i];
                    let msg = format!("from rep {} on the back rounds {:.0}° more than on rep 1", r.index, growth[i]);
                    let conf = base_confidence(ctx, r.liftoff, r.end(), false);
                    let mut f = finding(
                        s,
                        &INFO,
                        INFO.severity,
                        r.index,
                        r.liftoff,
                        r.end(),
                        growth[i],
                        cfg.max_flexion_growth_deg,
                        msg,
                        conf,
                    );
                    f.unit = "deg";
                    out.findings.push(f);
                }
            }
        }
        out
    }
}

/// Index of the first value (after the first) from which every value to the end exceeds `limit`.
fn first_of_persistent_run(values: &[f64], limit: f64) -> Option<usize> {
    let mut start = None;
    for (i, v) in values.iter().enumerate().skip(1) {
        if v.is_finite() && *v > limit {
            start.get_or_insert(i);
        } else {
            start = None;
        }
    }
    start
}

#[cfg(test)]
mod tests {
    use super::first_of_persistent_run;

    #[test]
    fn only_a_breakdown_that_lasts_to_the_end_counts() {
        assert_eq!(first_of_persistent_run(&[0.0, 5.0, 40.0, 45.0], 30.0), Some(2));
        assert_eq!(first_of_persistent_run(&[0.0, 40.0, 5.0, 10.0], 30.0), None);
        assert_eq!(first_of_persistent_run(&[0.0, 40.0, f64::NAN], 30.0), None);
        assert_eq!(first_of_persistent_run(&[50.0], 30.0), None);
    }
}
