//! DL002 rounded-back: the back bends (flexes) under load beyond the lifter's own neutral.
//!
//! Primary measure: the back outline from the landmark model's segmentation mask
//! (`pose.trunk_profile`), read as the bend angle of the back's outline against the
//! mid-hip→mid-shoulder chord (see `kinematics::back_bend_deg`), minus the same bend when the
//! lifter stands tall (their neutral). Without a back outline (e.g. MediaPipe's recordings) the
//! rule says *not assessed*: on the shared clips the keypoint proxy (shortening of the
//! hip–shoulder distance against standing) was as large on clean lifts as on rounded ones, so it
//! is only reported as a metric, and as a low-confidence warning when `use_keypoint_proxy` is on.

use serde::{Deserialize, Serialize};

use super::{
    base_confidence, finding, frames_for, run_around, set_position, sustained_max, upright_frames, view_gate, Context,
    Outcome, Rule, RuleInfo, Threshold, ViewNeed,
};
use crate::analysis::AnalysisConfig;
use crate::report::Severity;
use crate::signal;
use crate::view::ViewKind;

/// Default: largest acceptable back bend beyond the lifter's neutral (degrees).
pub const MAX_FLEXION_DEG: f64 = 13.0;
/// Default: the bend must last this long to count (s); shorter bumps are arms, hands or the
/// plate crossing the outline.
pub const MIN_DURATION_S: f64 = 0.25;
/// Default: the back is judged only while bent over at least this far (trunk from vertical,
/// deg): standing outlines carry the buttocks, the lordosis and the arms and are no measure of
/// spinal flexion.
pub const MIN_TRUNK_LEAN_DEG: f64 = 30.0;
/// Default: the lifter's own neutral is their least-bent loaded, bent-over posture (20th
/// percentile), kept within 0..this many degrees: a lifter rounded throughout has no neutral
/// moment to compare with, and a noisy concave outline must not make every bend look large.
/// On our pose pass's outlines of the shared clips, neutral backs bent over read 0–6°.
pub const NEUTRAL_CAP_DEG: f64 = 3.0;
/// Default (proxy): largest acceptable shortening of the hip–shoulder distance (percent).
pub const PROXY_MAX_CHORD_SHORTENING_PCT: f64 = 12.0;
/// Default: share of frames that need a back outline for the mask-based measure.
pub const MIN_PROFILE_SHARE: f64 = 0.5;
/// Default: in an oblique view the outline is judged only up to this left–right separation of
/// the shoulders and hips (over trunk length; 0.32 is where the side view ends). Beyond it, about
/// 30° or more off the side, a back's 2D outline shows its width as much as its curve: on the
/// shared clips, clean Romanian pulls filmed at about 35–40° read a 15° "rounding" (separation
/// 0.46), while the moderate obliques that still judge well read up to 0.40 in the simulator.
pub const MAX_OBLIQUE_SEPARATION: f64 = 0.40;
/// Standing tall: trunk within this of vertical, hips and knees at least this open.
pub const UPRIGHT_MAX_TRUNK_DEG: f64 = 25.0;
pub const UPRIGHT_MIN_JOINT_DEG: f64 = 150.0;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Dl002Config {
    pub enabled: bool,
    pub max_flexion_deg: f64,
    pub min_duration_s: f64,
    pub min_trunk_lean_deg: f64,
    pub neutral_cap_deg: f64,
    pub proxy_max_chord_shortening_pct: f64,
    pub min_profile_share: f64,
    pub max_oblique_separation: f64,
    /// Without a back outline, report the keypoint proxy as a low-confidence warning (off by
    /// default: on the shared clips it fired on clean lifts as often as on rounded ones).
    pub use_keypoint_proxy: bool,
}

impl Default for Dl002Config {
    fn default() -> Self {
        Dl002Config {
            enabled: true,
            max_flexion_deg: MAX_FLEXION_DEG,
            min_duration_s: MIN_DURATION_S,
            min_trunk_lean_deg: MIN_TRUNK_LEAN_DEG,
            neutral_cap_deg: NEUTRAL_CAP_DEG,
            proxy_max_chord_shortening_pct: PROXY_MAX_CHORD_SHORTENING_PCT,
            min_profile_share: MIN_PROFILE_SHARE,
            max_oblique_separation: MAX_OBLIQUE_SEPARATION,
            use_keypoint_proxy: false,
        }
    }
}

pub static INFO: RuleInfo = RuleInfo {
    code: "DL002",
    name: "rounded-back",
    severity: Severity::Fault,
    phase: "set position, pull and lowering",
    measures: "bend of the back's outline (from the segmentation mask) while bent over, beyond the lifter's own least-bent loaded posture (capped at a neutral back's bend)",
    unit: "deg",
    fires_when: "above",
    threshold_key: "max_flexion_deg",
    default_threshold: MAX_FLEXION_DEG,
    thresholds: &[
        Threshold { key: "max_flexion_deg", unit: "deg", default: MAX_FLEXION_DEG, min: 0.0, max: 90.0 },
        Threshold { key: "min_duration_s", unit: "s", default: MIN_DURATION_S, min: 0.0, max: 5.0 },
        Threshold { key: "min_trunk_lean_deg", unit: "deg", default: MIN_TRUNK_LEAN_DEG, min: 0.0, max: 90.0 },
        Threshold { key: "neutral_cap_deg", unit: "deg", default: NEUTRAL_CAP_DEG, min: 0.0, max: 45.0 },
        Threshold { key: "proxy_max_chord_shortening_pct", unit: "%", default: PROXY_MAX_CHORD_SHORTENING_PCT, min: 0.0, max: 100.0 },
        Threshold { key: "min_profile_share", unit: "ratio", default: MIN_PROFILE_SHARE, min: 0.0, max: 1.0 },
        Threshold { key: "max_oblique_separation", unit: "ratio", default: MAX_OBLIQUE_SEPARATION, min: 0.0, max: 2.0 },
    ],
    views: "side; moderate oblique (up to about 30° off the side) with the shoulder end of the outline left out",
    what: "Whether the spine keeps its own neutral shape while the bar is loaded, or bows forward between the hips and the shoulders. It reads the curve of the back's outline, not just the line from hip to shoulder, and compares it with how the same lifter's back looks when standing tall.",
    why: "A neutral spine spreads the load over the hips and legs. When the back rounds under a heavy bar, the discs are squeezed at the front and the muscles along the spine are stretched while they work; this is the most common source of a sore or injured lower back after deadlifts.",
    fix: "Before the bar moves, brace: a big breath into the belly and sides, tighten as if about to be punched, and set the lats. Push the hips back rather than folding the chest down. If the back still rounds, the weight is too heavy for now: drop it and rebuild with clean reps.",
};

const NO_OUTLINE: &str =
    "no back outline (segmentation mask) in this recording; keypoints alone cannot tell a rounded back from a neutral one";

pub struct RoundedBack;

impl Rule for RoundedBack {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn enabled(&self, c: &AnalysisConfig) -> bool {
        c.dl002.enabled
    }

    fn check(&self, ctx: &Context) -> Outcome {
        let mut out = Outcome::default();
        let cfg = &ctx.config.dl002;
        let s = ctx.signals;
        let use_mask = s.back_profile_share >= cfg.min_profile_share;
        let need = if use_mask { ViewNeed::SideOrOblique } else { ViewNeed::Side };
        let steep_oblique =
            ctx.view.kind == ViewKind::Oblique && ctx.view.separation_ratio > cfg.max_oblique_separation;
        let gate = if !use_mask && !cfg.use_keypoint_proxy {
            Some(NO_OUTLINE.to_string())
        } else if steep_oblique {
            Some(format!(
                "the camera is well off the side (left–right separation {:.2} of trunk length, above {:.2}): the back's outline shows its width as much as its curve",
                ctx.view.separation_ratio, cfg.max_oblique_separation
            ))
        } else {
            view_gate(ctx.view, need)
        };
        let width = frames_for(s, cfg.min_duration_s);
        let upright = upright_frames(s, UPRIGHT_MAX_TRUNK_DEG, UPRIGHT_MIN_JOINT_DEG);

        // The lifter's neutral: their least-bent loaded, bent-over moments, capped.
        let loaded: Vec<(usize, usize, usize)> = ctx
            .reps
            .iter()
            .map(|r| (r.index, r.lead_in_lowering.map(|l| l.0).unwrap_or_else(|| set_position(s, r, 1.0)), r.end()))
            .collect();
        let bent = |k: usize| s.trusted[k] && s.trunk_from_vertical_deg[k] >= cfg.min_trunk_lean_deg;
        let bent_flex: Vec<f64> = loaded
            .iter()
            .flat_map(|&(_, a, b)| (a..=b.min(s.len() - 1)).filter(|&k| bent(k)).map(|k| s.back_flex_deg[k]))
            .collect();
        let own = signal::percentile(&bent_flex, 0.2);
        let neutral_flex =
            if own.is_finite() { own.clamp(0.0, cfg.neutral_cap_deg.max(0.0)) } else { cfg.neutral_cap_deg };
        let standing_chord = signal::median(&upright.iter().map(|&k| s.trunk_chord_cm[k]).collect::<Vec<_>>());

        for &(rep, lo, hi) in &loaded {
            if let Some(reason) = &gate {
                out.not_assessed(INFO.code, Some(rep), reason.clone());
                continue;
            }
            if let Some(reason) = super::trust_gate(s, lo, hi, "during this rep") {
                out.not_assessed(INFO.code, Some(rep), reason);
                continue;
            }
            if use_mask {
                let rel: Vec<f64> =
                    (0..s.len()).map(|k| if bent(k) { s.back_flex_deg[k] - neutral_flex } else { f64::NAN }).collect();
                let Some((at, peak)) = sustained_max(&rel, lo, hi, width) else {
                    out.not_assessed(
                        INFO.code,
                        Some(rep),
                        "the back outline is missing (or the lifter never bends over) during this rep",
                    );
                    continue;
                };
                out.metric(rep, "back_flexion_peak_deg", peak);
                if peak > cfg.max_flexion_deg {
                    let (a, b) = run_around(&rel, at, lo, hi, cfg.max_flexion_deg);
                    let mut conf = base_confidence(ctx, a, b, false);
                    let mut msg = format!("the back rounds {:.0}° beyond your neutral back shape", peak);
                    if ctx.view.kind == ViewKind::Oblique {
                        conf *= 0.8;
                        msg.push_str(" (oblique view: upper back left out)");
                    }
                    if own.is_finite() && own > cfg.neutral_cap_deg {
                        msg.push_str(" (no neutral moment in this set: compared with a neutral back's shape)");
                    }
                    // Support from keypoints: a shortened trunk chord at the same time.
                    let chord_ratio = s.trunk_chord_cm.get(at).copied().unwrap_or(f64::NAN) / standing_chord;
                    if chord_ratio.is_finite() && chord_ratio < 0.95 {
                        conf = (conf * 1.1).min(1.0);
                    }
                    out.findings.push(finding(
                        s,
                        &INFO,
                        INFO.severity,
                        rep,
                        a,
                        b,
                        peak,
                        cfg.max_flexion_deg,
                        msg,
                        conf,
                    ));
                }
            } else {
                let short: Vec<f64> = (0..s.len())
                    .map(|k| if s.trusted[k] { 100.0 * (1.0 - s.trunk_chord_cm[k] / standing_chord) } else { f64::NAN })
                    .collect();
                let measured = sustained_max(&short, lo, hi, width).filter(|x| x.1.is_finite());
                if let Some((_, peak)) = measured {
                    out.metric(rep, "trunk_chord_shortening_pct", peak);
                }
                match measured {
                    Some((at, peak)) if cfg.use_keypoint_proxy && peak > cfg.proxy_max_chord_shortening_pct => {
                        let (a, b) = run_around(&short, at, lo, hi, cfg.proxy_max_chord_shortening_pct);
                        let conf = 0.4 * base_confidence(ctx, a, b, false);
                        let msg = format!(
                            "the hip–shoulder distance shrinks {:.0} % against standing, a sign of a rounding back (keypoint proxy: no back outline in this recording, low confidence)",
                            peak
                        );
                        let mut f = finding(
                            s,
                            &INFO,
                            Severity::Warning,
                            rep,
                            a,
                            b,
                            peak,
                            cfg.proxy_max_chord_shortening_pct,
                            msg,
                            conf,
                        );
                        f.unit = "%";
                        out.findings.push(f);
                    }
                    _ => out.not_assessed(INFO.code, Some(rep), NO_OUTLINE),
                }
            }
        }
        out.merge_not_assessed(ctx.reps.len());
        out
    }
}
