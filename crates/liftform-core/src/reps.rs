//! Reps and phases: the set is cut into reps from the bar's height (plate centre or wrists).
//!
//! The bar height is normalised between its low (5th percentile) and high (95th percentile)
//! levels; a hysteresis state machine (below `low_level` = at the floor, above `high_level` =
//! up) finds every pull from the floor to the top. Each pull is one rep:
//!
//! - **setup**: from the end of the previous rep (or the clip's start, at most `setup_max_s`
//!   back) to liftoff;
//! - **pull**: liftoff (the bar leaves its floor level) → knee pass (bar at knee height) →
//!   lockout start (bar within a small margin of its top level);
//! - **lockout**: the time at the top;
//! - **lowering**: from leaving the top until the bar is back at the floor (or the clip ends).
//!
//! A clip that starts at the top (only the lowering of an earlier rep is seen) does not count
//! that lowering as a rep; a clip that starts mid-pull counts the pull as a rep marked
//! `partial_start` when at least half of the pull is visible. Walking in, bending to the bar and
//! resetting the grip stay below the high level and so are part of the setup.

// NaN-safe comparisons are written `!(x > y)` on purpose: they are true when x is NaN.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use serde::{Deserialize, Serialize};

use crate::kinematics::Signals;
use crate::signal;
use crate::track::BarOrigin;

/// Default: normalised bar height below which the bar is "at the floor".
pub const LOW_LEVEL: f64 = 0.3;
/// Default: normalised bar height above which the bar is "up".
pub const HIGH_LEVEL: f64 = 0.7;
/// Default: the bar must travel at least this share of the lifter's body scale for reps to exist.
pub const MIN_TRAVEL_BODY_FRACTION: f64 = 0.15;
/// Default: the same when the bar is a tracked plate. The plate's centre is measured to a pixel or
/// two, so a pull that starts at the knees (22 cm of travel on jeffjchen_bad) still counts; the
/// wrists wander with the arms (a lockout hold alone moves them 20 cm), so they need more.
pub const MIN_PLATE_TRAVEL_BODY_FRACTION: f64 = 0.12;
/// Default: liftoff/lockout margins as a share of the bar's travel.
pub const LEVEL_MARGIN_FRACTION: f64 = 0.06;
/// Default: the setup phase looks back at most this long before liftoff.
pub const SETUP_MAX_S: f64 = 2.5;
/// The bar's floor level is its median over this long before it starts to rise.
pub const FLOOR_WINDOW_S: f64 = 0.5;
/// Liftoff is moved back to where the bar started rising faster than this.
pub const LIFTOFF_MIN_SPEED_M_S: f64 = 0.02;
/// The lifting motion (for its mean speed) lasts while the bar rises faster than this, m/s:
/// above the velocity estimate's noise at rest, as velocity-based training apps do.
pub const CONCENTRIC_MIN_SPEED_M_S: f64 = 0.05;
/// Window over which the peak lifting speed is held (s): 0.1 s, three frames at 30 fps.
pub const PEAK_VELOCITY_WINDOW_S: f64 = 0.1;
/// Faster than any bar rises in a deadlift (m/s, held over 0.1 s): light pulls peak near 1.5, the
/// kettlebell sets' brisk reps at 2.2. A track that rises faster jumped (the wrists lost behind a
/// plate: 43 cm in 0.1 s on mattiolato_Good_000001), and its speeds are not reported.
pub const MAX_PLAUSIBLE_SPEED_M_S: f64 = 2.5;
/// A first rep whose setup shows for less than this (the clip starts there) has no setup.
pub const MIN_SETUP_S: f64 = 0.25;
/// Default: pulls shorter than this are noise, not reps.
pub const MIN_PULL_S: f64 = 0.2;

/// Rep-finding settings (`[reps]` in the config file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RepConfig {
    pub low_level: f64,
    pub high_level: f64,
    pub min_travel_body_fraction: f64,
    pub min_plate_travel_body_fraction: f64,
    pub level_margin_fraction: f64,
    pub setup_max_s: f64,
    pub min_pull_s: f64,
}

impl Default for RepConfig {
    fn default() -> Self {
        RepConfig {
            low_level: LOW_LEVEL,
            high_level: HIGH_LEVEL,
            min_travel_body_fraction: MIN_TRAVEL_BODY_FRACTION,
            min_plate_travel_body_fraction: MIN_PLATE_TRAVEL_BODY_FRACTION,
            level_margin_fraction: LEVEL_MARGIN_FRACTION,
            setup_max_s: SETUP_MAX_S,
            min_pull_s: MIN_PULL_S,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PhaseKind {
    Setup,
    Pull,
    Lockout,
    Lowering,
}

/// A phase as an inclusive range of sample indices into [`Signals`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Phase {
    pub kind: PhaseKind,
    pub start: usize,
    pub end: usize,
}

/// One rep; all fields are sample indices into [`Signals`] (inclusive).
#[derive(Debug, Clone, PartialEq)]
pub struct Rep {
    /// 1-based.
    pub index: usize,
    pub setup_start: Option<usize>,
    pub liftoff: usize,
    pub knee_pass: Option<usize>,
    pub lockout_start: usize,
    pub lockout_end: usize,
    pub lowering_end: Option<usize>,
    /// A clip that starts at the top shows the bar coming down before the first rep's setup:
    /// that lowering (start, end) belongs to the first rep (a set filmed from the top down).
    pub lead_in_lowering: Option<(usize, usize)>,
    /// The clip began after the setup: liftoff is the first frame seen.
    pub partial_start: bool,
    /// The clip ended before the bar was back on the floor.
    pub partial_end: bool,
    pub bar_floor_y_cm: f64,
    pub bar_top_y_cm: f64,
}

impl Rep {
    pub fn start(&self) -> usize {
        self.lead_in_lowering.map(|l| l.0).or(self.setup_start).unwrap_or(self.liftoff)
    }

    pub fn end(&self) -> usize {
        self.lowering_end.unwrap_or(self.lockout_end)
    }

    pub fn phases(&self) -> Vec<Phase> {
        let mut v = Vec::new();
        if let Some((a, b)) = self.lead_in_lowering {
            v.push(Phase { kind: PhaseKind::Lowering, start: a, end: b });
        }
        if let Some(s) = self.setup_start {
            v.push(Phase { kind: PhaseKind::Setup, start: s, end: self.liftoff });
        }
        v.push(Phase { kind: PhaseKind::Pull, start: self.liftoff, end: self.lockout_start });
        v.push(Phase { kind: PhaseKind::Lockout, start: self.lockout_start, end: self.lockout_end });
        if let Some(e) = self.lowering_end {
            if e > self.lockout_end {
                v.push(Phase { kind: PhaseKind::Lowering, start: self.lockout_end, end: e });
            }
        }
        v
    }

    /// The lifting motion's first and last frames: from liftoff back, and from the lockout's
    /// start on, while the bar rises faster than [`CONCENTRIC_MIN_SPEED_M_S`] (liftoff itself
    /// sits a little above the floor so that the rules' setup windows hold still, and the
    /// lockout level a margin below the top).
    fn concentric_frames(&self, s: &Signals) -> (usize, usize) {
        let rising = |k: usize| s.bar_vy_m_s.get(k).is_some_and(|v| v.is_finite() && *v > CONCENTRIC_MIN_SPEED_M_S);
        let earliest = self.setup_start.unwrap_or(self.liftoff.saturating_sub(30));
        let mut a = self.liftoff;
        while a > earliest && rising(a - 1) {
            a -= 1;
        }
        let mut b = self.lockout_start;
        while b < self.lockout_end && rising(b + 1) {
            b += 1;
        }
        (a, b)
    }

    /// Mean upward bar speed over the lifting motion (m/s): rise over time, the velocity-based
    /// training definition. The motion's ends are placed between frames where the speed crosses
    /// [`CONCENTRIC_MIN_SPEED_M_S`]: at 30 fps a whole frame at either end is ~3 % of a
    /// one-second pull's mean speed.
    ///
    /// NaN when the bar's track jumps during the pull (a rise faster than
    /// [`MAX_PLAUSIBLE_SPEED_M_S`] held over 0.1 s): no barbell moves like that, so the track, not
    /// the bar, moved, and a speed from it would be invented.
    pub fn mean_concentric_velocity_m_s(&self, s: &Signals) -> f64 {
        if self.track_jumps(s) {
            return f64::NAN;
        }
        let (a, b) = self.concentric_frames(s);
        if b <= a || b >= s.len() {
            return f64::NAN;
        }
        // Where the speed crosses the threshold between `moving` and its neighbour `still`.
        let edge = |moving: usize, still: Option<usize>| -> (f64, f64) {
            let here = (s.t_s[moving], s.bar_y_cm[moving]);
            let Some(still) = still.filter(|&k| k < s.len()) else { return here };
            let (v_in, v_out) = (s.bar_vy_m_s[moving], s.bar_vy_m_s[still]);
            let f = (v_in - CONCENTRIC_MIN_SPEED_M_S) / (v_in - v_out);
            if !(f.is_finite() && (0.0..=1.0).contains(&f) && s.bar_y_cm[still].is_finite()) {
                return here;
            }
            (here.0 + f * (s.t_s[still] - here.0), here.1 + f * (s.bar_y_cm[still] - here.1))
        };
        let (t0, y0) = edge(a, a.checked_sub(1));
        let (t1, y1) = edge(b, Some(b + 1));
        let dt = t1 - t0;
        if dt > 0.0 {
            (y1 - y0) / dt / 100.0
        } else {
            f64::NAN
        }
    }

    /// Highest upward bar speed held over [`PEAK_VELOCITY_WINDOW_S`] between liftoff and lockout
    /// (m/s). A frame-to-frame derivative of a tracked point jitters: at 30 fps one pixel of
    /// noise is ~0.1 m/s, and the wrists jerk at lockout, so single-frame peaks of 2+ m/s came
    /// out of pulls whose mean was 0.8. Velocity-based training devices filter the same way.
    pub fn peak_concentric_velocity_m_s(&self, s: &Signals) -> f64 {
        let peak = self.fastest_rise_m_s(s);
        if peak > MAX_PLAUSIBLE_SPEED_M_S {
            f64::NAN
        } else {
            peak
        }
    }

    /// The bar's track rises faster than any barbell during this rep's pull (see
    /// [`MAX_PLAUSIBLE_SPEED_M_S`]).
    pub fn track_jumps(&self, s: &Signals) -> bool {
        self.fastest_rise_m_s(s) > MAX_PLAUSIBLE_SPEED_M_S
    }

    fn fastest_rise_m_s(&self, s: &Signals) -> f64 {
        let (a, b) = (self.liftoff, self.lockout_start.min(s.len().saturating_sub(1)));
        let mut best = f64::NAN;
        for i in a..=b {
            // the first sample at least a window later
            let Some(j) = (i + 1..=b).find(|&j| s.t_s[j] - s.t_s[i] >= PEAK_VELOCITY_WINDOW_S - 1e-9) else {
                break;
            };
            let v = (s.bar_y_cm[j] - s.bar_y_cm[i]) / (s.t_s[j] - s.t_s[i]) / 100.0;
            if v.is_finite() && !(v <= best) {
                best = v;
            }
        }
        best
    }
}

/// Result of rep finding: reps plus notes on what was odd.
#[derive(Debug, Clone, Default)]
pub struct RepSegmentation {
    pub reps: Vec<Rep>,
    pub warnings: Vec<String>,
}

/// Finds the reps in a set. Never panics.
pub fn find_reps(s: &Signals, cfg: &RepConfig) -> RepSegmentation {
    let mut out = RepSegmentation::default();
    let n = s.len();
    if n < 3 {
        return out;
    }
    let y: Vec<f64> = (0..n).map(|k| if s.trusted[k] { s.bar_y_cm[k] } else { f64::NAN }).collect();
    let known = y.iter().filter(|v| v.is_finite()).count();
    if known < 5 {
        out.warnings.push("the bar (or the wrists) is not seen long enough to find reps".into());
        return out;
    }
    let lo = signal::percentile(&y, 0.05);
    let hi = signal::percentile(&y, 0.95);
    let travel = hi - lo;
    let fraction = if s.bar_origin == BarOrigin::Plate {
        cfg.min_plate_travel_body_fraction
    } else {
        cfg.min_travel_body_fraction
    };
    let min_travel = fraction * s.body_scale_cm;
    if !(travel.is_finite() && travel > 0.0) || (min_travel.is_finite() && travel < min_travel) {
        out.warnings.push(format!(
            "the bar travels only {:.0} cm; no deadlift reps found",
            if travel.is_finite() { travel } else { 0.0 }
        ));
        return out;
    }
    let yn: Vec<f64> = y.iter().map(|v| (v - lo) / travel).collect();
    let (low, high) = (cfg.low_level.min(cfg.high_level), cfg.high_level.max(cfg.low_level));

    // Hysteresis states: Some(false) = floor, Some(true) = up.
    #[derive(Clone, Copy, PartialEq)]
    enum St {
        Low,
        High,
    }
    let mut segments: Vec<(St, usize, usize)> = Vec::new(); // (state, first, last) decided frames
    let mut cur: Option<St> = None;
    for (k, v) in yn.iter().enumerate() {
        if !v.is_finite() {
            continue;
        }
        let st = if *v < low {
            Some(St::Low)
        } else if *v > high {
            Some(St::High)
        } else {
            None
        };
        match (st, cur) {
            (Some(x), Some(c)) if x == c => {
                if let Some(last) = segments.last_mut() {
                    last.2 = k;
                }
            }
            (Some(x), _) => {
                segments.push((x, k, k));
                cur = Some(x);
            }
            (None, _) => {}
        }
    }
    let margin = (cfg.level_margin_fraction * travel).max(1.0);
    let first_known = yn.iter().position(|v| v.is_finite()).unwrap_or(0);
    let last_known = yn.iter().rposition(|v| v.is_finite()).unwrap_or(n - 1);
    let dt = s.frame_dt_s();
    let setup_max = (cfg.setup_max_s / dt).round().max(1.0) as usize;
    let floor_window = (FLOOR_WINDOW_S / dt).round().max(1.0) as usize;

    let mut prev_end: Option<usize> = None;
    for (si, seg) in segments.iter().enumerate() {
        if seg.0 != St::High {
            continue;
        }
        let b = seg.1; // first frame up
        let low_before = if si > 0 && segments[si - 1].0 == St::Low { Some(segments[si - 1]) } else { None };
        let (liftoff, floor, partial_start) = match low_before {
            Some(lseg) => {
                // the floor level right before the pull (earlier grip adjustments do not count)
                let rest_end = (lseg.1..=lseg.2).rev().find(|&k| yn[k] < 0.4 * low).unwrap_or(lseg.2);
                let recent = rest_end.saturating_sub(floor_window).max(lseg.1);
                let floor = signal::median(&y[recent..=rest_end]);
                // last frame before b at floor level
                let mut lift = lseg.2;
                for k in (lseg.1..b).rev() {
                    if y[k].is_finite() && y[k] <= floor + margin {
                        lift = k;
                        break;
                    }
                }
                // back to the motion's onset: while the bar still rises and is above the floor
                while lift > lseg.1 {
                    let v = s.bar_vy_m_s[lift - 1];
                    if v.is_finite()
                        && v > LIFTOFF_MIN_SPEED_M_S
                        && y[lift - 1].is_finite()
                        && y[lift - 1] > floor + 0.2 * margin
                    {
                        lift -= 1;
                    } else {
                        break;
                    }
                }
                (lift, floor, false)
            }
            None => {
                // no floor seen before this high segment: a clip that starts mid-pull or at the top
                if si != 0 || !(yn[first_known] < 0.5) || b <= first_known {
                    continue;
                }
                (first_known, y[first_known], true)
            }
        };
        // the high segment and the next low segment
        let seg_end = seg.2;
        let top = signal::percentile(&y[b..=seg_end], 0.9);
        let lockout_start = (liftoff..=seg_end).find(|&k| y[k].is_finite() && y[k] >= top - margin).unwrap_or(b);
        let lockout_end =
            (lockout_start..=seg_end).rev().find(|&k| y[k].is_finite() && y[k] >= top - margin).unwrap_or(seg_end);
        let next_low = segments.get(si + 1).filter(|x| x.0 == St::Low).copied();
        let (lowering_end, partial_end) = match next_low {
            Some(nl) => {
                let next_floor = signal::percentile(&y[nl.1..=nl.2], 0.3);
                let e = (lockout_end..=nl.2).find(|&k| y[k].is_finite() && y[k] <= next_floor + margin).unwrap_or(nl.1);
                (Some(e), false)
            }
            None => (if last_known > lockout_end { Some(last_known) } else { None }, true),
        };
        if (s.t_s[lockout_start.max(liftoff)] - s.t_s[liftoff]) < cfg.min_pull_s && !partial_start {
            out.warnings.push(format!(
                "ignored a {:.2} s bar rise at {:.1} s: too short for a pull",
                s.t_s[lockout_start] - s.t_s[liftoff],
                s.t_s[liftoff]
            ));
            continue;
        }
        let mut partial_start = partial_start;
        let setup_start = if partial_start {
            None
        } else {
            // the setup starts once the bar is down (after a lowering, or after bending to it)
            let down = low_before
                .map(|l| (l.1..=liftoff).find(|&k| y[k].is_finite() && y[k] <= floor + margin).unwrap_or(l.1))
                .unwrap_or(first_known);
            let earliest = liftoff.saturating_sub(setup_max).max(down);
            let from = match prev_end {
                Some(e) => e.max(earliest),
                None => earliest.max(first_known),
            };
            // a clip that begins just before (or at) liftoff shows no setup
            if prev_end.is_none() && from <= first_known && s.t_s[liftoff] - s.t_s[from] < MIN_SETUP_S {
                partial_start = true;
                None
            } else {
                (from < liftoff).then_some(from)
            }
        };
        let knee_pass = (liftoff..=lockout_start).find(|&k| {
            let (by, ky) = (s.bar_y_cm[k], s.knee_y_cm[k]);
            by.is_finite() && ky.is_finite() && by >= ky
        });
        // a clip that starts at the top: the first lowering belongs to the first rep
        let lead_in_lowering = match (out.reps.is_empty(), si >= 2, low_before) {
            (true, true, Some(lseg)) if segments[si - 2].0 == St::High && si == 2 => {
                let h = segments[0];
                let top0 = signal::percentile(&y[h.1..=h.2], 0.9);
                let a = (h.1..=h.2).rev().find(|&k| y[k].is_finite() && y[k] >= top0 - margin).unwrap_or(h.2);
                let b = (lseg.1..=liftoff).find(|&k| y[k].is_finite() && y[k] <= floor + margin).unwrap_or(lseg.1);
                (b > a).then_some((a, b))
            }
            _ => None,
        };
        let rep = Rep {
            lead_in_lowering,
            index: out.reps.len() + 1,
            setup_start,
            liftoff,
            knee_pass,
            lockout_start: lockout_start.max(liftoff),
            lockout_end: lockout_end.max(lockout_start),
            lowering_end,
            partial_start,
            partial_end,
            bar_floor_y_cm: floor,
            bar_top_y_cm: top,
        };
        prev_end = Some(rep.end());
        out.reps.push(rep);
    }
    if out.reps.is_empty() && segments.iter().any(|s| s.0 == St::High) && segments.iter().any(|s| s.0 == St::Low) {
        out.warnings.push("the bar moved but no full pull from the floor to the top was seen".into());
    }
    out
}
