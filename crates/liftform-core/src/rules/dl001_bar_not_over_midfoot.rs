//! DL001 bar-not-over-midfoot: at setup, the bar's horizontal offset from the mid-foot.

use serde::{Deserialize, Serialize};

use super::{
    bar_gate, base_confidence, finding, frames_for, scale_gate, view_gate, Context, Outcome, Rule, RuleInfo, Threshold,
    ViewNeed,
};
use crate::analysis::AnalysisConfig;
use crate::report::Severity;
use crate::signal;

/// Default: largest acceptable offset of the bar from the mid-foot at setup (cm).
pub const MAX_OFFSET_CM: f64 = 6.0;
/// Default: extra allowance when the bar is taken from the wrists (cm): the wrist sits above the
/// bar, not on its axis, and is tracked less well than a plate.
pub const WRIST_MARGIN_CM: f64 = 2.0;
/// Default: the rule is not assessed when the mid-foot estimate moves more than this during
/// the setup (10th–90th percentile range, cm): the feet are then not really seen.
pub const MAX_MIDFOOT_WANDER_CM: f64 = 10.0;
/// Default: below this median visibility of the near heel/toe at setup the feet count as hidden
/// (MediaPipe's own threshold for a visible landmark).
pub const MIN_FOOT_VISIBILITY: f64 = 0.5;
/// Default: the setup is judged over this last stretch before liftoff (s).
pub const SETUP_WINDOW_S: f64 = 0.3;
/// Default: a bar this close to the shins (cm in front of the ankle–knee line at the bar's
/// height) is against the legs, so a large offset from the mid-foot comes from the knees being
/// pushed forward (DL006's squatted setup) or from a misplaced foot, not from a bar set out in
/// front. A bar at the shins reads 1–7 cm on the clean side views of `videos/` (wrists or plate
/// hub in front of the shin bone); the required DL001 there reads 19 cm.
pub const MIN_SHIN_GAP_CM: f64 = 9.0;
/// Default: where the bar's place comes from the plate alone (no frames show both hands to tie
/// it to the bar's middle), the near wrist must agree with it within this (cm), or the rule
/// abstains: at an angle to the side the plate sits off the bar's middle. On bichraix_bad007
/// the plate alone read 11.6 cm forward and the hands -1.2 cm.
pub const MAX_PLATE_HANDS_DISAGREEMENT_CM: f64 = 6.0;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Dl001Config {
    pub enabled: bool,
    pub max_offset_cm: f64,
    pub wrist_margin_cm: f64,
    pub max_midfoot_wander_cm: f64,
    pub min_foot_visibility: f64,
    pub setup_window_s: f64,
    pub min_shin_gap_cm: f64,
    pub max_plate_hands_disagreement_cm: f64,
}

impl Default for Dl001Config {
    fn default() -> Self {
        Dl001Config {
            enabled: true,
            max_offset_cm: MAX_OFFSET_CM,
            wrist_margin_cm: WRIST_MARGIN_CM,
            max_midfoot_wander_cm: MAX_MIDFOOT_WANDER_CM,
            min_foot_visibility: MIN_FOOT_VISIBILITY,
            setup_window_s: SETUP_WINDOW_S,
            min_shin_gap_cm: MIN_SHIN_GAP_CM,
            max_plate_hands_disagreement_cm: MAX_PLATE_HANDS_DISAGREEMENT_CM,
        }
    }
}

pub static INFO: RuleInfo = RuleInfo {
    code: "DL001",
    name: "bar-not-over-midfoot",
    severity: Severity::Fault,
    phase: "setup (just before liftoff)",
    measures: "horizontal distance of the bar from the mid-foot (heel–toe midpoint), forward positive; a forward bar counts only when it also stands clear of the shins",
    unit: "cm",
    fires_when: "above (in size)",
    threshold_key: "max_offset_cm",
    default_threshold: MAX_OFFSET_CM,
    thresholds: &[
        Threshold { key: "max_offset_cm", unit: "cm", default: MAX_OFFSET_CM, min: 0.0, max: 50.0 },
        Threshold { key: "wrist_margin_cm", unit: "cm", default: WRIST_MARGIN_CM, min: 0.0, max: 30.0 },
        Threshold { key: "max_midfoot_wander_cm", unit: "cm", default: MAX_MIDFOOT_WANDER_CM, min: 0.0, max: 100.0 },
        Threshold { key: "min_foot_visibility", unit: "ratio", default: MIN_FOOT_VISIBILITY, min: 0.0, max: 1.0 },
        Threshold { key: "setup_window_s", unit: "s", default: SETUP_WINDOW_S, min: 0.0, max: 10.0 },
        Threshold { key: "min_shin_gap_cm", unit: "cm", default: MIN_SHIN_GAP_CM, min: 0.0, max: 50.0 },
        Threshold {
            key: "max_plate_hands_disagreement_cm",
            unit: "cm",
            default: MAX_PLATE_HANDS_DISAGREEMENT_CM,
            min: 0.0,
            max: 100.0,
        },
    ],
    views: "side",
    what: "Where the bar sits over the foot in the moment before it leaves the floor. Seen from the side, the bar should hang straight above the middle of the foot, touching or nearly touching the shins.",
    why: "The body balances over the mid-foot. A bar set out in front acts on a longer lever: the hips tend to shoot up, the bar swings forward off the floor, and the lower back takes load the hips and legs should carry. Think of lifting a weight held at the end of a broom handle instead of at your hands.",
    fix: "Walk in until the bar is over the middle of your foot, bend until your shins touch it, then keep it there: chest up, lats tight to pin the bar to your legs, and pull it up along your shins.",
};

pub struct BarNotOverMidfoot;

impl Rule for BarNotOverMidfoot {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn enabled(&self, c: &AnalysisConfig) -> bool {
        c.dl001.enabled
    }

    fn check(&self, ctx: &Context) -> Outcome {
        let mut out = Outcome::default();
        let cfg = &ctx.config.dl001;
        let s = ctx.signals;
        let gate =
            view_gate(ctx.view, ViewNeed::Side).or_else(|| scale_gate(s)).or_else(|| bar_gate(s)).or_else(|| {
                (!s.midfoot_from_foot)
                    .then(|| "the heels and toes are not seen (plates or framing hide the feet)".to_string())
            });
        for rep in ctx.judgeable_reps(&mut out, INFO.code, gate, true) {
            let hi = rep.liftoff;
            let lo = hi.saturating_sub(frames_for(s, cfg.setup_window_s)).max(rep.setup_start.unwrap_or(0));
            if let Some(reason) = super::trust_gate(s, lo, hi, "at setup") {
                out.not_assessed(INFO.code, Some(rep.index), reason);
                continue;
            }
            // Where the pose model says it does not see the near foot (a plate in front of it, plates
            // on blocks), its own mid-foot is a guess: on mattiolato_Good_000001 (visibility 0.45) it
            // landed ~20 cm off. The clips whose feet show read 0.59–0.87. A hidden foot that the
            // track placed where other frames saw it (the feet stay planted) is usable.
            // A foot hidden all through the setup (a plate in front of it) stands at its planted
            // place; one that flickers between seen and lost is not tracked well enough to judge.
            let visibility = signal::median(&s.foot_visibility[lo..=hi]);
            let planted_share =
                s.foot_from_planted[lo..=hi].iter().filter(|b| **b).count() as f64 / (hi + 1 - lo) as f64;
            let planted = planted_share >= 0.9;
            out.metric(rep.index, "setup_foot_visibility", visibility);
            if planted_share > 0.1 && !planted {
                out.not_assessed(
                    INFO.code,
                    Some(rep.index),
                    format!(
                        "the near foot flickers between seen and lost at setup ({:.0} % of frames lost)",
                        100.0 * planted_share
                    ),
                );
                continue;
            }
            if visibility.is_finite() && visibility < cfg.min_foot_visibility && !planted {
                out.not_assessed(
                    INFO.code,
                    Some(rep.index),
                    format!("the near foot is hidden at setup (visibility {visibility:.2}) and never seen well enough to place it"),
                );
                continue;
            }
            // The feet do not move during a setup: if the estimated mid-foot wanders, the feet are
            // not really seen (often hidden by the plate) and the offset would be a guess.
            let setup_from = rep.setup_start.unwrap_or(lo);
            let mf_setup: Vec<f64> =
                (setup_from..=hi).map(|k| if s.trusted[k] { s.midfoot_x_cm[k] } else { f64::NAN }).collect();
            let wander = signal::percentile(&mf_setup, 0.9) - signal::percentile(&mf_setup, 0.1);
            out.metric(rep.index, "setup_midfoot_wander_cm", wander);
            if wander.is_finite() && wander > cfg.max_midfoot_wander_cm {
                out.not_assessed(
                    INFO.code,
                    Some(rep.index),
                    format!("the feet are not tracked steadily at setup (the mid-foot estimate wanders {wander:.0} cm; plates often hide the feet)"),
                );
                continue;
            }
            let offset = super::setup_bar_offset_cm(s, lo, hi);
            if !offset.is_finite() {
                out.not_assessed(INFO.code, Some(rep.index), "the bar or the feet are not seen at setup");
                continue;
            }
            out.metric(rep.index, "setup_bar_offset_cm", offset);
            if s.bar_x_from_plate_alone {
                let hands = super::trusted_median(s, lo, hi, |k| s.near_wrist_x_cm[k] - s.midfoot_x_cm[k]);
                out.metric(rep.index, "setup_hands_offset_cm", hands);
                let agree = (offset - hands).abs() <= cfg.max_plate_hands_disagreement_cm;
                if !agree {
                    out.not_assessed(
                        INFO.code,
                        Some(rep.index),
                        format!(
                            "the plate puts the bar {offset:.0} cm from the mid-foot and the hands {hands:.0} cm: the view is at an angle and the plate alone cannot place the bar's middle"
                        ),
                    );
                    continue;
                }
            }
            let gap = super::bar_to_shin_gap_cm(s, lo, hi);
            out.metric(rep.index, "setup_bar_shin_gap_cm", gap);
            let wrists = super::bar_from_hands(s, lo, hi);
            let limit = super::midfoot_offset_limit_cm(ctx, lo, hi);
            // A bar forward of the mid-foot but against the shins is not a bar set out in front:
            // the knees pushed it there (judged by DL006), or the foot is misplaced (hidden feet).
            // Behind the mid-foot the shins cannot tell, so only the offset counts there.
            let off_the_legs = offset < 0.0 || !gap.is_finite() || gap > cfg.min_shin_gap_cm;
            if offset.abs() > limit && off_the_legs {
                let where_ = if offset > 0.0 { "in front of" } else { "behind" };
                let src = if wrists { " (bar taken from the wrists)" } else { "" };
                let feet =
                    if planted { "; the feet were hidden at setup and placed where other frames saw them" } else { "" };
                let shins = if offset > 0.0 && gap.is_finite() {
                    format!(", {gap:.0} cm clear of the shins")
                } else {
                    String::new()
                };
                let msg = format!("at setup the bar is {:.1} cm {where_} the mid-foot{shins}{src}{feet}", offset.abs());
                let conf = base_confidence(ctx, lo, hi, true);
                out.findings.push(finding(s, &INFO, INFO.severity, rep.index, lo, hi, offset.abs(), limit, msg, conf));
            }
        }
        out.merge_not_assessed(ctx.reps.len());
        out
    }
}
