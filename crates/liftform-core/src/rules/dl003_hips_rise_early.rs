//! DL003 hips-rise-early: the hips come up faster than the shoulders off the floor, so the back
//! angle flattens before the bar passes the knees ("stripper pull").
//!
//! Baseline: the lifter's own set position (the lowest hip in the last second before liftoff,
//! liftoff taken from the bar's height). Measure: how much further the hips rise than the
//! shoulders between the set position and the moment the bar passes the knees ("hip lead", cm),
//! which is the vertical part of the back angle flattening. The flattening in degrees is
//! reported alongside; on the shared clips the lead separated better, because a lifter who
//! starts with a nearly horizontal back shows little angle change for a large hip rise.

use serde::{Deserialize, Serialize};

use super::{
    base_confidence, finding, frames_for, set_position, sustained_max, view_gate, Context, Outcome, Rule, RuleInfo,
    Threshold, ViewNeed,
};
use crate::analysis::AnalysisConfig;
use crate::report::Severity;
use crate::view::ViewKind;

/// Default: largest acceptable hip lead (hips rising more than the shoulders) from the set
/// position to knee pass (cm).
pub const MAX_HIP_LEAD_CM: f64 = 9.0;
/// Default: the set position is looked for in this window before liftoff (s).
pub const SET_WINDOW_S: f64 = 1.0;
/// Default: the flattening must last this long (s).
pub const MIN_DURATION_S: f64 = 0.1;
/// Default: a clip that starts after the setup is still judged from its first frame when it
/// shows at least this much of the pull below the knees (s). The rise before the first frame is
/// not seen, so the lead can only be under-measured: a finding stands, a pass is partial.
pub const MIN_SEEN_BELOW_KNEE_S: f64 = 0.2;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Dl003Config {
    pub enabled: bool,
    pub max_hip_lead_cm: f64,
    pub set_window_s: f64,
    pub min_duration_s: f64,
    pub min_seen_below_knee_s: f64,
}

impl Default for Dl003Config {
    fn default() -> Self {
        Dl003Config {
            enabled: true,
            max_hip_lead_cm: MAX_HIP_LEAD_CM,
            set_window_s: SET_WINDOW_S,
            min_duration_s: MIN_DURATION_S,
            min_seen_below_knee_s: MIN_SEEN_BELOW_KNEE_S,
        }
    }
}

pub static INFO: RuleInfo = RuleInfo {
    code: "DL003",
    name: "hips-rise-early",
    severity: Severity::Fault,
    phase: "set position → liftoff → knee pass",
    measures: "how much further the hips rise than the shoulders (so the back flattens) between the set position and the bar passing the knees",
    unit: "cm",
    fires_when: "above",
    threshold_key: "max_hip_lead_cm",
    default_threshold: MAX_HIP_LEAD_CM,
    thresholds: &[
        Threshold { key: "max_hip_lead_cm", unit: "cm", default: MAX_HIP_LEAD_CM, min: 0.0, max: 100.0 },
        Threshold { key: "set_window_s", unit: "s", default: SET_WINDOW_S, min: 0.0, max: 10.0 },
        Threshold { key: "min_duration_s", unit: "s", default: MIN_DURATION_S, min: 0.0, max: 5.0 },
        Threshold { key: "min_seen_below_knee_s", unit: "s", default: MIN_SEEN_BELOW_KNEE_S, min: 0.0, max: 5.0 },
    ],
    views: "side, or at an angle up to about 45° (the rises are heights, which the camera's angle does not foreshorten: on the three synchronised side and oblique kettlebell sets the hip lead agreed within 0.6 cm per rep on average)",
    what: "Whether hips and shoulders rise together off the floor. If the hips shoot up first, the legs straighten while the bar is still low and the back tips towards horizontal before the bar reaches the knees.",
    why: "Straightening the legs early hands the whole lift to the back: the bar is pulled with a long, nearly horizontal torso, which loads the lower back and hamstrings hard and often ends with the back rounding.",
    fix: "Push the floor away with the legs as the bar breaks from the floor, keeping the chest up so shoulders and hips rise at the same rate. Take the slack out of the bar and brace before the pull; if the hips still fly up, start a little higher or lighten the load.",
};

pub struct HipsRiseEarly;

impl Rule for HipsRiseEarly {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn enabled(&self, c: &AnalysisConfig) -> bool {
        c.dl003.enabled
    }

    fn check(&self, ctx: &Context) -> Outcome {
        let mut out = Outcome::default();
        let cfg = &ctx.config.dl003;
        let s = ctx.signals;
        // Heights, unlike horizontal distances and angles on screen, read the same from the side
        // and from an angle: the rule judges oblique views too.
        let gate = view_gate(ctx.view, ViewNeed::SideOrOblique);
        for rep in ctx.judgeable_reps(&mut out, INFO.code, gate, false) {
            // A clip that starts after the setup: judged from its first frame (liftoff is the
            // first frame seen) when that still shows the bar below the knees for a while.
            let from_first_frame = rep.setup_start.is_none();
            if from_first_frame {
                let seen_below_knee = rep.knee_pass.map_or(0, |k| k.saturating_sub(rep.liftoff));
                if seen_below_knee < frames_for(s, cfg.min_seen_below_knee_s).max(1) {
                    out.not_assessed(
                        INFO.code,
                        Some(rep.index),
                        "the clip starts after the setup of this rep, with the bar already at the knees",
                    );
                    continue;
                }
            }
            let set = set_position(s, rep, cfg.set_window_s);
            let base = s.trunk_from_vertical_deg[set];
            // end: knee pass, else 40 % of the way up
            let end = rep.knee_pass.unwrap_or_else(|| {
                let level = rep.bar_floor_y_cm + 0.4 * (rep.bar_top_y_cm - rep.bar_floor_y_cm);
                (rep.liftoff..=rep.lockout_start).find(|&k| s.bar_y_cm[k] >= level).unwrap_or(rep.lockout_start)
            });
            if !base.is_finite() || end <= set {
                out.not_assessed(INFO.code, Some(rep.index), "the trunk is not seen at the set position");
                continue;
            }
            if let Some(reason) = super::trust_gate(s, set, end, "between setup and knee height") {
                out.not_assessed(INFO.code, Some(rep.index), reason);
                continue;
            }
            let flat: Vec<f64> = (0..s.len())
                .map(|k| if s.trusted[k] { s.trunk_from_vertical_deg[k] - base } else { f64::NAN })
                .collect();
            let lead: Vec<f64> = (0..s.len())
                .map(|k| {
                    if s.trusted[k] {
                        (s.hip_y_cm[k] - s.hip_y_cm[set]) - (s.shoulder_y_cm[k] - s.shoulder_y_cm[set])
                    } else {
                        f64::NAN
                    }
                })
                .collect();
            let width = frames_for(s, cfg.min_duration_s);
            let Some((at, peak)) = sustained_max(&lead, set, end, width).filter(|x| x.1.is_finite()) else {
                out.not_assessed(INFO.code, Some(rep.index), "the trunk is not seen between setup and knee height");
                continue;
            };
            out.metric(rep.index, "hip_lead_to_knee_cm", peak);
            if let Some((_, f)) = sustained_max(&flat, set, end, width) {
                out.metric(rep.index, "back_flattening_to_knee_deg", f);
            }
            if peak > cfg.max_hip_lead_cm {
                // onset: last sample before the peak where the lead was still small
                let mut a = at;
                while a > set && lead[a - 1].is_finite() && lead[a - 1] > 0.25 * peak {
                    a -= 1;
                }
                let hip_rise = s.hip_y_cm[at] - s.hip_y_cm[set];
                let sh_rise = s.shoulder_y_cm[at] - s.shoulder_y_cm[set];
                let when = if at <= rep.liftoff {
                    "before the bar left the floor"
                } else {
                    "before the bar reached the knees"
                };
                let shoulders = if sh_rise < 0.5 {
                    format!("while the shoulders dropped {:.0} cm", -sh_rise)
                } else {
                    format!("but the shoulders only {:.0} cm", sh_rise)
                };
                // Seen at an angle the back's angle on screen is foreshortened; the rises are not.
                let mut msg = if ctx.view.kind == ViewKind::Oblique {
                    format!("the hips rose {hip_rise:.0} cm {shoulders} {when} (seen at an angle: heights only)")
                } else {
                    format!(
                        "the hips rose {:.0} cm {shoulders} {when}; the back flattened {:.0}°",
                        hip_rise,
                        flat.get(at).copied().unwrap_or(f64::NAN)
                    )
                };
                if from_first_frame {
                    msg.push_str(" (measured from the clip's first frame: any rise before it is not seen)");
                }
                let conf = base_confidence(ctx, a, at, true);
                out.findings.push(finding(
                    s,
                    &INFO,
                    INFO.severity,
                    rep.index,
                    a,
                    at,
                    peak,
                    cfg.max_hip_lead_cm,
                    msg,
                    conf,
                ));
            }
        }
        out.merge_not_assessed(ctx.reps.len());
        out
    }
}
