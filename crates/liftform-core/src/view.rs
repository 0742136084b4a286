//! View: which way the camera looks at the lifter, from the keypoints' geometry alone.
//!
//! The lifter's left–right axis (shoulder to shoulder, hip to hip) is horizontal and
//! perpendicular to the plane the deadlift moves in. Its on-screen length relative to the trunk
//! (hip–shoulder) length grows from about 0 in a true side view to about 0.7–0.8 in a front
//! view, whatever the lifter's posture. The median of that ratio over trusted frames gives the
//! view; the spread of the ratio and the facing confidence give the confidence.

use serde::{Deserialize, Serialize};

use crate::signal;
use crate::track::{Facing, Joint, Track};

/// Default: at or below this left–right separation (fraction of trunk length) the view is a side view.
pub const SIDE_MAX_SEPARATION: f64 = 0.32;
/// Default: above this separation the view is a front (or back) view; in between it is oblique.
pub const FRONT_MIN_SEPARATION: f64 = 0.75;
/// Default: fewer trusted frames than this share leaves the view unknown.
pub const MIN_TRUSTED_SHARE: f64 = 0.2;

/// View settings (`[view]` in the config file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ViewConfig {
    pub side_max_separation: f64,
    pub front_min_separation: f64,
    pub min_trusted_share: f64,
    /// Skip the classifier and assume this view (`side`, `oblique`, `front`); for footage the
    /// classifier gets wrong.
    pub force: Option<ViewKind>,
}

impl Default for ViewConfig {
    fn default() -> Self {
        ViewConfig {
            side_max_separation: SIDE_MAX_SEPARATION,
            front_min_separation: FRONT_MIN_SEPARATION,
            min_trusted_share: MIN_TRUSTED_SHARE,
            force: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ViewKind {
    Side,
    Oblique,
    Front,
    Unknown,
}

impl ViewKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ViewKind::Side => "side",
            ViewKind::Oblique => "oblique",
            ViewKind::Front => "front",
            ViewKind::Unknown => "unknown",
        }
    }
}

/// The classified view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct View {
    pub kind: ViewKind,
    pub facing: Facing,
    pub confidence: f64,
    /// Median left–right separation over trunk length (the measured quantity).
    pub separation_ratio: f64,
}

/// Classifies the view of a track. Never panics.
pub fn classify(track: &Track, cfg: &ViewConfig) -> View {
    let n = track.len();
    let mut ratios = Vec::new();
    for k in 0..n {
        if !track.trusted[k] {
            continue;
        }
        let d = |a: [f64; 2], b: [f64; 2]| (a[0] - b[0]).hypot(a[1] - b[1]);
        let sh_n = track.near(Joint::Shoulder).at(k);
        let sh_f = track.far(Joint::Shoulder).at(k);
        let hip_n = track.near(Joint::Hip).at(k);
        let hip_f = track.far(Joint::Hip).at(k);
        let trunk = (d(sh_n, hip_n) + d(sh_f, hip_f)) / 2.0;
        let sep = (d(sh_n, sh_f) + d(hip_n, hip_f)) / 2.0;
        let r = sep / trunk;
        if r.is_finite() && trunk > 1.0 {
            ratios.push(r);
        }
    }
    let share = if n == 0 { 0.0 } else { ratios.len() as f64 / n as f64 };
    let ratio = signal::median(&ratios);
    if let Some(kind) = cfg.force {
        return View { kind, facing: track.facing, confidence: 1.0, separation_ratio: ratio };
    }
    if share < cfg.min_trusted_share || !ratio.is_finite() {
        return View { kind: ViewKind::Unknown, facing: track.facing, confidence: 0.0, separation_ratio: ratio };
    }
    let kind = if ratio <= cfg.side_max_separation {
        ViewKind::Side
    } else if ratio < cfg.front_min_separation {
        ViewKind::Oblique
    } else {
        ViewKind::Front
    };
    // Confidence: how far the median sits from the nearest class boundary compared with the
    // ratio's spread, times how sure the facing is (a side view needs a facing).
    let spread = (signal::percentile(&ratios, 0.75) - signal::percentile(&ratios, 0.25)).max(0.02);
    let margin = match kind {
        ViewKind::Side => cfg.side_max_separation - ratio,
        ViewKind::Oblique => (ratio - cfg.side_max_separation).min(cfg.front_min_separation - ratio),
        _ => ratio - cfg.front_min_separation,
    };
    let sep_conf = (0.5 + margin / (2.0 * spread)).clamp(0.05, 1.0);
    let facing_conf = match (kind, track.facing) {
        (ViewKind::Front, _) => 1.0,
        (_, Facing::Unknown) => 0.3,
        _ => track.facing_confidence.clamp(0.0, 1.0),
    };
    let confidence = ((sep_conf * facing_conf * share.min(1.0).sqrt()) * 100.0).round() / 100.0;
    let kind = if kind != ViewKind::Front && track.facing == Facing::Unknown { ViewKind::Unknown } else { kind };
    View { kind, facing: track.facing, confidence, separation_ratio: ratio }
}
