//! Which lift the clip shows: a conventional, sumo or Romanian deadlift, or not a deadlift at all
//! (a squat, a lunge, a bench press). Judging a squat with deadlift limits gives confident
//! nonsense, so the analysis asks this first and gates the rules on it (see `analysis`).
//!
//! The signs, measured over the whole clip from both sides' keypoints:
//!
//! - every deadlift carries the load down to the knees or below: the hands' lowest point (95th
//!   percentile of "hands below the knees", in trunk lengths) stays well above the knees in a
//!   squat (the bar on the back, or the arms forward), a lunge and a bench press;
//! - a bench press is done lying: the trunk never comes near upright;
//! - a sumo stance puts the ankles far wider than the hips, which a front or oblique view shows
//!   (a side view cannot, so it never says sumo);
//! - a Romanian deadlift lowers from the top with soft knees and stops short of the floor: nearly
//!   straight knees and hands no lower than mid-shin at the bottom of each rep.
//!
//! Trap-bar pulls look like conventional ones to the keypoints (the handles are at the sides, and
//! the bar is not seen), so `trap_bar` is never claimed; the conventional verdict's confidence
//! says so.

use serde::{Deserialize, Serialize};

use crate::kinematics::Signals;
use crate::reps::Rep;
use crate::signal;
use crate::track::{Joint, Track};
use crate::view::{View, ViewKind};

/// Default: a clip whose hands never come within this of the knees (95th percentile of hands
/// below the knees, in trunk lengths; negative = above) is not a deadlift. On the shared clips,
/// deadlifts of every kind read −0.17 or lower down (kettlebell sets: 0.01), squats, lunges and
/// the bench press −0.25 to −0.74.
pub const HANDS_BELOW_KNEE_MIN: f64 = -0.4;
/// Default: a clip whose trunk stays at least this far from vertical throughout (5th
/// percentile, deg) is done lying or bent over: not a deadlift (the bench press reads 91°,
/// deadlifts 0–32°).
pub const LYING_TRUNK_MIN_DEG: f64 = 60.0;
/// Default: in a front or oblique view, ankles at least this many times as far apart as the hips
/// mark a sumo stance (the sumo clip reads 3.4; conventional pulls 0.4–1.5).
pub const SUMO_STANCE_RATIO_MIN: f64 = 2.5;
/// Default: knees at least this straight at the bottom of the reps (deg, 180 = straight) ...
pub const ROMANIAN_KNEE_MIN_DEG: f64 = 150.0;
/// ... with the hands no lower than this below the knees (trunk lengths) mark a Romanian pull.
pub const ROMANIAN_HANDS_BELOW_KNEE_MAX: f64 = 0.3;

/// Lift recognition settings (`[lift]` in the config file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LiftConfig {
    pub hands_below_knee_min: f64,
    pub lying_trunk_min_deg: f64,
    pub sumo_stance_ratio_min: f64,
    pub romanian_knee_min_deg: f64,
    pub romanian_hands_below_knee_max: f64,
}

impl Default for LiftConfig {
    fn default() -> Self {
        LiftConfig {
            hands_below_knee_min: HANDS_BELOW_KNEE_MIN,
            lying_trunk_min_deg: LYING_TRUNK_MIN_DEG,
            sumo_stance_ratio_min: SUMO_STANCE_RATIO_MIN,
            romanian_knee_min_deg: ROMANIAN_KNEE_MIN_DEG,
            romanian_hands_below_knee_max: ROMANIAN_HANDS_BELOW_KNEE_MAX,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Variant {
    Conventional,
    Sumo,
    TrapBar,
    Romanian,
    Unknown,
}

impl Variant {
    pub fn as_str(self) -> &'static str {
        match self {
            Variant::Conventional => "conventional",
            Variant::Sumo => "sumo",
            Variant::TrapBar => "trap_bar",
            Variant::Romanian => "romanian",
            Variant::Unknown => "unknown",
        }
    }
}

/// The report's `lift`: the variant with a confidence, whether it is a deadlift at all, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lift {
    pub variant: Variant,
    pub confidence: f64,
    /// False when the clip shows another exercise: then no form is judged.
    pub deadlift: bool,
    pub basis: String,
}

impl Lift {
    pub fn unknown(basis: &str) -> Lift {
        Lift { variant: Variant::Unknown, confidence: 0.0, deadlift: true, basis: basis.into() }
    }
}

/// The clip-wide measures the recognition reads.
#[derive(Debug, Clone, Copy)]
struct Signs {
    hands_below_knee_p95: f64,
    trunk_from_vertical_p05_deg: f64,
    stance_ratio: f64,
    bottom_knee_deg: f64,
}

fn signs(track: &Track, signals: &Signals, reps: &[Rep]) -> Signs {
    // both sides' midpoint where both are seen; the near side alone where the far one is hidden
    // (in a side view the far wrist and knee often are, just when the lifter is bent over)
    let mid = |j: Joint, k: usize| {
        let (a, b) = (track.near(j).at(k), track.far(j).at(k));
        if b[0].is_finite() && b[1].is_finite() {
            [(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0]
        } else {
            a
        }
    };
    let mut hands = Vec::new();
    let mut lean = Vec::new();
    let mut stance = Vec::new();
    for k in (0..track.len()).filter(|&k| track.pose_present[k]) {
        let (sh, hip, knee, wrist) =
            (mid(Joint::Shoulder, k), mid(Joint::Hip, k), mid(Joint::Knee, k), mid(Joint::Wrist, k));
        let trunk_px = (sh[0] - hip[0]).hypot(sh[1] - hip[1]);
        if trunk_px.is_nan() || trunk_px <= 1.0 {
            continue;
        }
        // image y grows downwards: positive = hands below the knees
        hands.push((wrist[1] - knee[1]) / trunk_px);
        lean.push((sh[0] - hip[0]).atan2(hip[1] - sh[1]).to_degrees().abs());
        let ankles = (track.near(Joint::Ankle).at(k)[0] - track.far(Joint::Ankle).at(k)[0]).abs();
        let hips = (track.near(Joint::Hip).at(k)[0] - track.far(Joint::Hip).at(k)[0]).abs();
        if hips > 0.05 * trunk_px {
            stance.push(ankles / hips);
        }
    }
    let bottom_knee: Vec<f64> = reps.iter().map(|r| signals.knee_angle_deg[r.liftoff]).collect();
    Signs {
        hands_below_knee_p95: signal::percentile(&hands, 0.95),
        trunk_from_vertical_p05_deg: signal::percentile(&lean, 0.05),
        stance_ratio: signal::median(&stance),
        bottom_knee_deg: signal::median(&bottom_knee),
    }
}

/// Recognises the lift. With no rep there is nothing to recognise (`unknown`, still judged as a
/// deadlift, which with no rep means nothing is judged).
pub fn recognise(track: &Track, signals: &Signals, reps: &[Rep], view: &View, cfg: &LiftConfig) -> Lift {
    if reps.is_empty() {
        return Lift::unknown("no rep was found");
    }
    let s = signs(track, signals, reps);
    // A clip that starts mid-pull never shows the bottom: how low the hands go and how bent the
    // knees are there say nothing (bichraix_good009 and good011 start as the bar leaves the floor).
    let bottom_seen = reps.iter().any(|r| !r.partial_start);
    if s.trunk_from_vertical_p05_deg > cfg.lying_trunk_min_deg {
        return Lift {
            variant: Variant::Unknown,
            confidence: 0.8,
            deadlift: false,
            basis: format!(
                "the trunk never comes near upright (always {:.0}° or more from vertical): lying or bent over throughout",
                s.trunk_from_vertical_p05_deg
            ),
        };
    }
    if bottom_seen && s.hands_below_knee_p95 < cfg.hands_below_knee_min {
        return Lift {
            variant: Variant::Unknown,
            confidence: 0.8,
            deadlift: false,
            basis: format!(
                "the hands never come down to the knees, as they do in every deadlift: at their lowest they stay {:.1} trunk lengths above them (a squat, a lunge or another exercise?)",
                -s.hands_below_knee_p95
            ),
        };
    }
    let front_or_oblique = matches!(view.kind, ViewKind::Front | ViewKind::Oblique);
    if front_or_oblique && s.stance_ratio > cfg.sumo_stance_ratio_min {
        return Lift {
            variant: Variant::Sumo,
            confidence: 0.7,
            deadlift: true,
            basis: format!("the ankles stand {:.1} times as wide as the hips", s.stance_ratio),
        };
    }
    if bottom_seen
        && s.bottom_knee_deg > cfg.romanian_knee_min_deg
        && s.hands_below_knee_p95 < cfg.romanian_hands_below_knee_max
    {
        return Lift {
            variant: Variant::Romanian,
            confidence: 0.6,
            deadlift: true,
            basis: format!(
                "the knees stay nearly straight ({:.0}°) at the bottom and the hands stop short of the floor",
                s.bottom_knee_deg
            ),
        };
    }
    let (confidence, basis) = if !bottom_seen {
        (0.3, "the clip starts mid-pull, so the bottom of the lift is not seen; taken for a conventional pull")
    } else if front_or_oblique {
        (0.7, "a hip-width stance, knees bent at the bottom, the hands down to the bar")
    } else {
        (0.5, "knees bent at the bottom and the hands down to the bar; from the side a sumo stance or a trap bar cannot be told apart")
    };
    Lift { variant: Variant::Conventional, confidence, deadlift: true, basis: basis.into() }
}
