//! DL005 lockout-hyperextension: leaning back and over-arching the lower back at the top.
//!
//! Measure: at lockout, the lean of the hip→shoulder line behind vertical plus, where the
//! recording has the mask-based back outline, the arch (concave bend) of the back's outline.
//! The trunk line alone barely separates clean from over-arched lockouts, so without the
//! outline the rule still runs on the lean but says it is keypoints only.

use serde::{Deserialize, Serialize};

use super::{
    base_confidence, finding, frames_for, run_around, sustained_max, view_gate, Context, Outcome, Rule, RuleInfo,
    Threshold, ViewNeed,
};
use crate::analysis::AnalysisConfig;
use crate::report::Severity;
use crate::signal;

/// Default: largest acceptable lean-back + added arch at lockout (deg). Clean lockouts read up to
/// ~34° on this measure (real clip mattiolato_Good_000001: 29°; the rendered clean reps: 28–33°):
/// the outline at the top mixes buttocks, arms and plate. No clip we have shows a real
/// over-arch, so the limit sits above every clean reading; the rule is not yet validated.
pub const MAX_EXTENSION_DEG: f64 = 40.0;
/// Default: the extension must last this long (s): a held lean-back, not arms or hands
/// crossing the outline for a moment.
pub const MIN_DURATION_S: f64 = 0.3;
/// Default: without a back outline, only a lean back beyond this is reported (deg); smaller
/// leans are *not assessed*, since the trunk line alone barely separates clean from over-arched
/// lockouts (and a tilted camera shifts it).
pub const KEYPOINT_ONLY_MAX_LEAN_DEG: f64 = 30.0;
/// The lifter counts as upright once the trunk is within this of vertical (deg).
pub const UPRIGHT_TRUNK_DEG: f64 = 15.0;
/// Default: share of lockout frames that need a back outline to use the arch.
pub const MIN_PROFILE_SHARE: f64 = 0.5;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Dl005Config {
    pub enabled: bool,
    pub max_extension_deg: f64,
    pub min_duration_s: f64,
    pub min_profile_share: f64,
    pub keypoint_only_max_lean_deg: f64,
}

impl Default for Dl005Config {
    fn default() -> Self {
        Dl005Config {
            enabled: true,
            max_extension_deg: MAX_EXTENSION_DEG,
            min_duration_s: MIN_DURATION_S,
            min_profile_share: MIN_PROFILE_SHARE,
            keypoint_only_max_lean_deg: KEYPOINT_ONLY_MAX_LEAN_DEG,
        }
    }
}

pub static INFO: RuleInfo = RuleInfo {
    code: "DL005",
    name: "lockout-hyperextension",
    severity: Severity::Warning,
    phase: "lockout",
    measures: "lean of the trunk behind vertical plus how much the back's outline arches beyond its shape when the lifter first came upright",
    unit: "deg",
    fires_when: "above",
    threshold_key: "max_extension_deg",
    default_threshold: MAX_EXTENSION_DEG,
    thresholds: &[
        Threshold { key: "max_extension_deg", unit: "deg", default: MAX_EXTENSION_DEG, min: 0.0, max: 90.0 },
        Threshold { key: "min_duration_s", unit: "s", default: MIN_DURATION_S, min: 0.0, max: 5.0 },
        Threshold { key: "min_profile_share", unit: "ratio", default: MIN_PROFILE_SHARE, min: 0.0, max: 1.0 },
        Threshold { key: "keypoint_only_max_lean_deg", unit: "deg", default: KEYPOINT_ONLY_MAX_LEAN_DEG, min: 0.0, max: 90.0 },
    ],
    views: "side",
    what: "Whether the lift finishes standing tall, or the lifter keeps going past upright: leaning back with the lower back arched and the ribs flared.",
    why: "The lift is complete when hips and knees are straight. Leaning back adds nothing but squeezes the joints at the back of the lower spine under the full load; over-arching is as much a loss of a neutral spine as rounding is.",
    fix: "Finish with the glutes, not the lower back: squeeze them and bring the hips through until you stand straight, ribs down and abs tight, then stop. Think 'stand tall', not 'lean back'.",
};

pub struct LockoutHyperextension;

impl Rule for LockoutHyperextension {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn enabled(&self, c: &AnalysisConfig) -> bool {
        c.dl005.enabled
    }

    fn check(&self, ctx: &Context) -> Outcome {
        let mut out = Outcome::default();
        let cfg = &ctx.config.dl005;
        let s = ctx.signals;
        let gate = view_gate(ctx.view, ViewNeed::Side);
        let width = frames_for(s, cfg.min_duration_s);
        for rep in ctx.judgeable_reps(&mut out, INFO.code, gate, false) {
            let (lo, hi) = (rep.lockout_start, rep.lockout_end);
            if let Some(reason) = super::trust_gate(s, lo, hi, "at the top") {
                out.not_assessed(INFO.code, Some(rep.index), reason);
                continue;
            }
            let with_arch = (lo..=hi).filter(|&k| s.back_arch_deg[k].is_finite()).count();
            let use_arch = (with_arch as f64) >= cfg.min_profile_share * (hi - lo + 1) as f64;
            // The back's arch when the lifter first comes upright is their own standing shape
            // (lordosis, buttocks); over-arching is what the back adds after that.
            let first_upright = (lo.saturating_sub(frames_for(s, 0.3))..=hi)
                .find(|&k| s.trusted[k] && s.trunk_from_vertical_deg[k] <= UPRIGHT_TRUNK_DEG)
                .unwrap_or(lo);
            let arch_ref =
                signal::median(&s.back_arch_deg[first_upright..=(first_upright + 2).min(hi.max(first_upright))]);
            let use_arch = use_arch && arch_ref.is_finite();
            let ext: Vec<f64> = (0..s.len())
                .map(|k| {
                    if !s.trusted[k] {
                        return f64::NAN;
                    }
                    let lean_back = -s.trunk_from_vertical_deg[k];
                    if use_arch {
                        lean_back + (s.back_arch_deg[k] - arch_ref)
                    } else {
                        lean_back
                    }
                })
                .collect();
            let Some((at, peak)) = sustained_max(&ext, lo, hi, width) else {
                out.not_assessed(INFO.code, Some(rep.index), "the trunk is not seen at lockout");
                continue;
            };
            out.metric(rep.index, "lockout_extension_deg", peak);
            let limit = if use_arch { cfg.max_extension_deg } else { cfg.keypoint_only_max_lean_deg };
            if !use_arch && peak <= limit {
                out.not_assessed(
                    INFO.code,
                    Some(rep.index),
                    format!(
                        "no back outline (segmentation mask) at the top; the trunk lean alone ({:.0}° back) cannot show an over-arched lower back",
                        peak
                    ),
                );
                continue;
            }
            if peak > limit {
                let (a, b) = run_around(&ext, at, lo, hi, limit);
                let lean = -s.trunk_from_vertical_deg[at];
                let mut conf = base_confidence(ctx, a, b, false);
                let msg = if use_arch {
                    format!(
                        "at the top you lean back {:.0}° and arch the lower back {:.0}° more than when you came upright",
                        lean,
                        s.back_arch_deg[at] - arch_ref
                    )
                } else {
                    conf *= 0.6;
                    format!(
                        "at the top you lean back {:.0}° behind vertical (keypoints only: the back's arch is not measured)",
                        lean
                    )
                };
                out.findings.push(finding(s, &INFO, INFO.severity, rep.index, a, b, peak, limit, msg, conf));
            }
        }
        out.merge_not_assessed(ctx.reps.len());
        out
    }
}
