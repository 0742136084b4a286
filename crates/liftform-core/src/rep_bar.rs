//! Per-rep bar measures for the report, independent of the rules: the bar path in cm and how far
//! the bar drifts forward in the pull and in the lowering.
//!
//! Positions come from [`Signals`]: `bar_x_cm` is measured from the lifter's mid-foot (toward the
//! toes positive) and `bar_y_cm` up from the mid-foot's height, in the scale the signals carry
//! (the plate's, or the lifter's height). Drift is the bar's forward distance from the vertical
//! line through where it left the floor, the line a bar-path app draws.

use serde::Serialize;

use crate::kinematics::Signals;
use crate::report::round_to as round;
use crate::reps::Rep;
use crate::signal;

/// Half-width of the window around liftoff that places the starting line, s.
const LIFTOFF_HALF_WINDOW_S: f64 = 0.1;

/// The bar's path through one rep: one point per trusted frame.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BarPathReport {
    pub t_s: Vec<f64>,
    /// Horizontal position from the mid-foot, toward the toes positive.
    pub x_cm: Vec<f64>,
    /// Height above the mid-foot's level (about the floor).
    pub y_cm: Vec<f64>,
}

/// Bar measures of one rep.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RepBarMeasures {
    pub path: BarPathReport,
    /// Largest forward drift from the liftoff line while the bar goes up (cm, ≥ 0).
    pub pull_max_drift_cm: Option<f64>,
    /// The same while the bar goes down (cm, ≥ 0); `None` when the clip ends before the floor.
    pub lowering_max_drift_cm: Option<f64>,
}

pub fn rep_bar_measures(s: &Signals, rep: &Rep) -> RepBarMeasures {
    let seen = |k: usize| s.trusted[k] && s.bar_x_cm[k].is_finite() && s.bar_y_cm[k].is_finite();
    let mut path = BarPathReport::default();
    for k in (rep.start()..=rep.end().min(s.len().saturating_sub(1))).filter(|&k| seen(k)) {
        path.t_s.push(round(s.t_s[k], 3));
        path.x_cm.push(round(s.bar_x_cm[k], 1));
        path.y_cm.push(round(s.bar_y_cm[k], 1));
    }
    let half = ((LIFTOFF_HALF_WINDOW_S / s.frame_dt_s()).round() as usize).max(1);
    let lo = rep.liftoff.saturating_sub(half);
    let hi = (rep.liftoff + half).min(rep.lockout_start.max(rep.liftoff));
    let start_line =
        signal::median(&(lo..=hi).map(|k| if seen(k) { s.bar_x_cm[k] } else { f64::NAN }).collect::<Vec<_>>());
    let max_drift = |a: usize, b: usize| -> Option<f64> {
        let d = (a..=b.min(s.len().saturating_sub(1)))
            .filter(|&k| seen(k))
            .map(|k| s.bar_x_cm[k] - start_line)
            .fold(f64::NAN, f64::max);
        d.is_finite().then(|| round(d.max(0.0), 1))
    };
    let usable = start_line.is_finite() && !rep.partial_start;
    RepBarMeasures {
        path,
        pull_max_drift_cm: if usable { max_drift(rep.liftoff, rep.lockout_start) } else { None },
        lowering_max_drift_cm: match rep.lowering_end {
            Some(end) if usable && !rep.partial_end => max_drift(rep.lockout_end, end),
            _ => None,
        },
    }
}
