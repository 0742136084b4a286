//! Pixels to centimetres, once per clip (pure).
//!
//! The plate is the ruler: a standard bumper is 450 mm across (`--plate-diameter` for others), so
//! one reference radius over the whole clip gives cm per px **in the near plate's plane**. It is
//! a robust, confidence-weighted median of the tracked radii, and it is rejected when
//! - the radii disagree among themselves (too few within ±8 % of the median: the tracker jumped
//!   between the plate and a hub ring, an inner plate or another plate), or
//! - the radius disagrees with the lifter's size (a plate radius must be 0.11–0.42 of the body
//!   length, and the lifter height it implies must be 140–205 cm).
//!
//! **Two planes.** The near plate is nearer the camera than the lifter's midline by about
//! [`PLATE_OFFSET_FROM_MIDLINE_M`], so it looks bigger than a plate at the lifter would:
//! - the bar's own motion (path, drift, range of motion, velocity) is the plate centre's motion,
//!   which happens in the plate's plane: those use `cm_per_px_plate_plane` as is;
//! - body measures (heights, segment lengths, the lifter's height) happen in the midline plane,
//!   farther away: `cm_per_px_body_plane = cm_per_px_plate_plane · D / (D − d)`, with `d` the plate's
//!   offset and `D` the camera's distance to the midline, estimated from the plate's apparent size
//!   and a phone-like focal length (about 0.85 of the frame's long side). A wrong focal-length
//!   guess by ±30 % moves the body scale by about ±5 % at 3–4 m; the note says so.
//!
//! Without a trustworthy plate, a lifter height (`--height`) gives the body-plane scale (and the
//! plate plane's through the same factor); without either the scale is `None` and measures stay
//! in body-relative units (the report's `scale.source` is `none`).

use serde::{Deserialize, Serialize};

use super::prior::{body_length_px, STANDING_HEIGHT_PER_BODY_LENGTH};
use crate::recording::Landmark;

/// Distance along the bar from its midpoint to the near plate's face we see (a 2.2 m bar has its
/// collars 0.655 m out; the first bumper's centre sits a few cm further).
pub const PLATE_OFFSET_FROM_MIDLINE_M: f64 = 0.70;
/// Radii within this relative distance of the reference count as agreeing. The true radius
/// changes by up to ±5 % within a clip (hand-labelled real clips: the plate comes nearer the
/// camera as the bar rises or turns); a hub ring or an inner plate is 20 % smaller or more.
pub const RADIUS_INLIER_TOLERANCE: f64 = 0.08;
/// Share of (confidence-weighted) radii that must agree for the scale to be trusted.
pub const MIN_RADIUS_INLIER_SHARE: f64 = 0.70;
/// Robust relative spread (1.4826 · MAD / median) above which the radii are too noisy (the real
/// ±5 % perspective change alone gives up to about 4 %).
pub const MAX_RADIUS_SPREAD: f64 = 0.08;
/// Fewest plate frames for a plate scale.
pub const MIN_PLATE_FRAMES: usize = 10;
/// Plate radius / body length bounds (see `prior`): a hub ring or a small inner plate falls below.
pub const MIN_RADIUS_PER_BODY_LENGTH: f64 = 0.11;
pub const MAX_RADIUS_PER_BODY_LENGTH: f64 = 0.42;
/// Plausible adult lifter heights, cm.
pub const MIN_LIFTER_HEIGHT_CM: f64 = 140.0;
/// Taller lifters exist, but a plate scale implying more is far more often a wrong radius (a
/// painted ring, an inner plate) than a 2.1 m lifter.
pub const MAX_LIFTER_HEIGHT_CM: f64 = 205.0;
/// Assumed focal length in px per px of the frame's long side (a phone's main camera, ~65–70°).
pub const FOCAL_PER_LONG_SIDE: f64 = 0.85;

/// Where lengths in cm come from: the report's `scale.source` (one type for the whole crate).
pub use crate::kinematics::ScaleSource;

/// The lifter's size in one frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BodyFrame {
    pub t_s: f64,
    /// Shoulder→hip + hip→knee + knee→ankle, px (see [`body_length_px`]).
    pub body_length_px: f64,
}

impl BodyFrame {
    pub fn from_landmarks(t_s: f64, landmarks: &[Landmark]) -> Option<BodyFrame> {
        body_length_px(landmarks).map(|l| BodyFrame { t_s, body_length_px: l as f64 })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScaleInput {
    /// `(t_s, radius_px, confidence)` of frames where the near plate was tracked (source `plate`).
    pub plate_radii_px: Vec<(f64, f64, f64)>,
    pub body: Vec<BodyFrame>,
    pub plate_diameter_mm: f64,
    /// The lifter's height when given (`--height`).
    pub lifter_height_cm: Option<f64>,
    pub frame_width_px: f64,
    pub frame_height_px: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScaleEstimate {
    pub source: ScaleSource,
    /// cm per px in the near plate's plane: for the bar's own motion.
    pub cm_per_px_plate_plane: Option<f64>,
    /// cm per px in the lifter's midline plane: for body measures.
    pub cm_per_px_body_plane: Option<f64>,
    /// `cm_per_px_body_plane / cm_per_px_plate_plane` (≥ 1).
    pub body_plane_factor: Option<f64>,
    /// The one reference plate radius for the clip.
    pub reference_radius_px: Option<f64>,
    /// 1.4826 · MAD / median of the plate radii.
    pub radius_spread: Option<f64>,
    /// Weighted share of plate radii within ±6 % of the reference.
    pub radius_inlier_share: Option<f64>,
    /// Estimated camera distance to the lifter's midline, m.
    pub camera_distance_m: Option<f64>,
    /// The lifter's body length (75th percentile over frames), px.
    pub body_length_px: Option<f64>,
    /// The lifter's standing height implied by the scale (or the given one), cm.
    pub lifter_height_cm: Option<f64>,
    /// 0..1: how far to trust the scale.
    pub confidence: f64,
    /// Why a plate scale was not used, or caveats; for the report's warnings.
    pub notes: Vec<String>,
}

/// Weighted median of `(value, weight)` pairs; `None` when empty or all weights are zero.
pub fn weighted_median(values: &[(f64, f64)]) -> Option<f64> {
    let mut v: Vec<(f64, f64)> =
        values.iter().copied().filter(|(x, w)| x.is_finite() && w.is_finite() && *w > 0.0).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = v.iter().map(|p| p.1).sum();
    let mut acc = 0.0;
    for (x, w) in &v {
        acc += w;
        if acc >= total / 2.0 {
            return Some(*x);
        }
    }
    v.last().map(|p| p.0)
}

/// The body-plane / plate-plane factor `D / (D − d)` given the plate radius in px, and the
/// camera distance `D` (m) it implies with the assumed focal length.
pub fn body_plane_factor(radius_px: f64, plate_radius_m: f64, focal_px: f64) -> (f64, f64) {
    let d = PLATE_OFFSET_FROM_MIDLINE_M;
    let to_plate = focal_px * plate_radius_m / radius_px.max(1e-6);
    // A camera inside 1.2 m of the plate is not a usable film; keep the factor sane.
    let to_plate = to_plate.max(1.2);
    let distance = to_plate + d;
    ((distance / to_plate).clamp(1.0, 1.6), distance)
}

fn percentile(mut v: Vec<f64>, q: f64) -> Option<f64> {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[((v.len() - 1) as f64 * q).round() as usize])
}

/// The tracked radii agree among themselves (what the plate checks ask before the lifter's size).
fn radii_steady(inlier_share: f64, spread: f64) -> bool {
    inlier_share >= MIN_RADIUS_INLIER_SHARE && spread <= MAX_RADIUS_SPREAD
}

/// One scale for the clip: the plate if it can be trusted, else the given height, else none.
pub fn estimate_scale(input: &ScaleInput) -> ScaleEstimate {
    let mut notes = Vec::new();
    let body_len = percentile(input.body.iter().map(|b| b.body_length_px).collect(), 0.75);
    let plate_radius_m = input.plate_diameter_mm / 2000.0;
    let focal_px = FOCAL_PER_LONG_SIDE * input.frame_width_px.max(input.frame_height_px);
    let mut out = ScaleEstimate {
        source: ScaleSource::None,
        cm_per_px_plate_plane: None,
        cm_per_px_body_plane: None,
        body_plane_factor: None,
        reference_radius_px: None,
        radius_spread: None,
        radius_inlier_share: None,
        camera_distance_m: None,
        body_length_px: body_len,
        lifter_height_cm: None,
        confidence: 0.0,
        notes: Vec::new(),
    };

    // 1. The plate.
    let radii: Vec<(f64, f64)> = input
        .plate_radii_px
        .iter()
        .filter(|(_, r, c)| r.is_finite() && *r > 0.0 && c.is_finite() && *c > 0.0)
        .map(|&(_, r, c)| (r, c))
        .collect();
    if radii.len() < MIN_PLATE_FRAMES {
        notes.push(format!("plate seen in {} frames, fewer than {MIN_PLATE_FRAMES}", radii.len()));
    } else if let Some(reference) = weighted_median(&radii) {
        let deviations: Vec<(f64, f64)> = radii.iter().map(|&(r, c)| ((r - reference).abs(), c)).collect();
        let spread = 1.4826 * weighted_median(&deviations).unwrap_or(0.0) / reference;
        let total: f64 = radii.iter().map(|p| p.1).sum();
        let inliers: f64 = radii
            .iter()
            .filter(|(r, _)| (r - reference).abs() <= RADIUS_INLIER_TOLERANCE * reference)
            .map(|p| p.1)
            .sum();
        let inlier_share = inliers / total;
        // Refine the reference on the inliers only (a hub-ring stretch does not pull it).
        let inlier_radii: Vec<(f64, f64)> = radii
            .iter()
            .copied()
            .filter(|(r, _)| (r - reference).abs() <= RADIUS_INLIER_TOLERANCE * reference)
            .collect();
        let reference = weighted_median(&inlier_radii).unwrap_or(reference);
        out.reference_radius_px = Some(reference);
        out.radius_spread = Some(spread);
        out.radius_inlier_share = Some(inlier_share);
        let (factor, distance) = body_plane_factor(reference, plate_radius_m, focal_px);
        let cm_plate = input.plate_diameter_mm / 10.0 / (2.0 * reference);
        let cm_body = cm_plate * factor;
        let height = body_len.map(|b| b * STANDING_HEIGHT_PER_BODY_LENGTH * cm_body);
        let ratio = body_len.map(|b| reference / b);
        let mut ok = true;
        if inlier_share < MIN_RADIUS_INLIER_SHARE {
            ok = false;
            notes.push(format!(
                "plate radius jumps: only {:.0} % of tracked radii within ±{:.0} % of {reference:.1} px",
                100.0 * inlier_share,
                100.0 * RADIUS_INLIER_TOLERANCE
            ));
        }
        if spread > MAX_RADIUS_SPREAD {
            ok = false;
            notes.push(format!("plate radius too noisy: spread {:.1} %", 100.0 * spread));
        }
        match (ratio, height) {
            (Some(ratio), Some(h)) => {
                if !(MIN_RADIUS_PER_BODY_LENGTH..=MAX_RADIUS_PER_BODY_LENGTH).contains(&ratio) {
                    ok = false;
                    notes.push(format!(
                        "plate radius {reference:.1} px is {ratio:.2} of the lifter's body length, outside {MIN_RADIUS_PER_BODY_LENGTH}–{MAX_RADIUS_PER_BODY_LENGTH} (a hub or inner plate?)"
                    ));
                } else if !(MIN_LIFTER_HEIGHT_CM..=MAX_LIFTER_HEIGHT_CM).contains(&h) {
                    ok = false;
                    notes.push(format!("the plate scale makes the lifter {h:.0} cm tall: implausible"));
                    // A steady radius is most likely the rim of a plate of another size (15 kg
                    // grip plates, iron plates): the user can say which.
                    if radii_steady(inlier_share, spread) {
                        notes.push(format!(
                            "the plate's radius is steady: if the plates are not {:.0} mm across, give --plate-diameter",
                            input.plate_diameter_mm
                        ));
                    }
                }
            }
            _ => notes.push("no body size to check the plate radius against".into()),
        }
        if ok {
            let agreement = (1.0 - spread / MAX_RADIUS_SPREAD).clamp(0.0, 1.0);
            let mean_conf = total / radii.len() as f64;
            out.source = ScaleSource::Plate;
            out.cm_per_px_plate_plane = Some(cm_plate);
            out.cm_per_px_body_plane = Some(cm_body);
            out.body_plane_factor = Some(factor);
            out.camera_distance_m = Some(distance);
            out.lifter_height_cm = height;
            out.confidence = (0.5 + 0.5 * agreement) * inlier_share.min(1.0) * mean_conf.clamp(0.3, 1.0);
            if input.lifter_height_cm.is_some() {
                notes.push("plate scale used; the given height only as a check".into());
                if let (Some(given), Some(h)) = (input.lifter_height_cm, height) {
                    if (h - given).abs() > 0.12 * given {
                        notes.push(format!(
                            "the plate scale makes the lifter {h:.0} cm, the given height is {given:.0} cm"
                        ));
                    }
                }
            }
            notes.push(format!(
                "body measures scaled to the lifter's plane: ×{factor:.2} from the plate's plane (camera ≈ {distance:.1} m, assumed focal length)"
            ));
            out.notes = notes;
            return out;
        }
    }

    // 2. The lifter's height.
    if let (Some(h), Some(b)) = (input.lifter_height_cm, body_len) {
        if h > 0.0 && b > 0.0 {
            let cm_body = h / (STANDING_HEIGHT_PER_BODY_LENGTH * b);
            let distance = focal_px * cm_body / 100.0;
            let factor = if distance > PLATE_OFFSET_FROM_MIDLINE_M + 1.2 {
                distance / (distance - PLATE_OFFSET_FROM_MIDLINE_M)
            } else {
                1.6
            };
            out.source = ScaleSource::Height;
            out.cm_per_px_body_plane = Some(cm_body);
            out.cm_per_px_plate_plane = Some(cm_body / factor);
            out.body_plane_factor = Some(factor);
            out.camera_distance_m = Some(distance);
            out.lifter_height_cm = Some(h);
            out.confidence = 0.5;
            notes.push(format!("scale from the given height {h:.0} cm and the lifter's body length in the video"));
            out.notes = notes;
            return out;
        }
    }
    notes.push("no trustworthy scale: measures stay in body-relative units".into());
    out.notes = notes;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(radii: &[f64], body: f64) -> ScaleInput {
        ScaleInput {
            plate_radii_px: radii.iter().enumerate().map(|(i, &r)| (i as f64 / 30.0, r, 0.8)).collect(),
            body: (0..50).map(|i| BodyFrame { t_s: i as f64 / 30.0, body_length_px: body }).collect(),
            plate_diameter_mm: 450.0,
            lifter_height_cm: None,
            frame_width_px: 1920.0,
            frame_height_px: 1080.0,
        }
    }

    #[test]
    fn weighted_median_basics() {
        assert_eq!(weighted_median(&[]), None);
        assert_eq!(weighted_median(&[(1.0, 1.0), (2.0, 1.0), (10.0, 1.0)]), Some(2.0));
        assert_eq!(weighted_median(&[(1.0, 1.0), (2.0, 1.0), (10.0, 5.0)]), Some(10.0));
    }

    #[test]
    fn steady_plate_gives_plate_scale_and_plausible_height() {
        // 1080p, body length 560 px; plate radius 110 px → 0.2045 cm/px in the plate plane.
        let radii: Vec<f64> = (0..100).map(|i| 110.0 + ((i % 7) as f64 - 3.0) * 0.5).collect();
        let s = estimate_scale(&input(&radii, 560.0));
        assert_eq!(s.source, ScaleSource::Plate, "{:?}", s.notes);
        let cm = s.cm_per_px_plate_plane.unwrap();
        assert!((cm - 45.0 / 220.0).abs() < 0.002, "{cm}");
        assert!(s.body_plane_factor.unwrap() > 1.0);
        let h = s.lifter_height_cm.unwrap();
        assert!((140.0..215.0).contains(&h), "{h}");
    }

    #[test]
    fn a_steady_plate_of_another_size_asks_for_its_diameter() {
        // The radius of the steady plate above on a lifter a quarter shorter in the image: a
        // 450 mm plate would make the lifter far too tall, so the plate is likely smaller.
        let s = estimate_scale(&input(&vec![110.0; 80], 760.0));
        assert_eq!(s.source, ScaleSource::None);
        assert!(s.notes.iter().any(|n| n.contains("implausible")), "{:?}", s.notes);
        assert!(s.notes.iter().any(|n| n.contains("--plate-diameter")), "{:?}", s.notes);
        // A jumping radius is not a plate of another size: no such advice.
        let mut jumping = vec![110.0; 40];
        jumping.extend(vec![60.0; 40]);
        let s = estimate_scale(&input(&jumping, 760.0));
        assert!(!s.notes.iter().any(|n| n.contains("--plate-diameter")), "{:?}", s.notes);
    }

    #[test]
    fn hub_ring_radius_is_rejected_against_body_size() {
        let radii = vec![30.0; 80];
        let s = estimate_scale(&input(&radii, 560.0));
        assert_eq!(s.source, ScaleSource::None);
        assert!(s.notes.iter().any(|n| n.contains("hub")), "{:?}", s.notes);
    }

    #[test]
    fn jumping_radius_is_rejected() {
        let mut radii = vec![110.0; 50];
        radii.extend(vec![70.0; 45]);
        let s = estimate_scale(&input(&radii, 560.0));
        assert_eq!(s.source, ScaleSource::None, "{s:?}");
        assert!(s.notes.iter().any(|n| n.contains("jumps")), "{:?}", s.notes);
    }

    #[test]
    fn a_short_stretch_on_the_hub_does_not_move_the_reference() {
        let mut radii = vec![110.0; 90];
        radii.extend(vec![40.0; 10]);
        let s = estimate_scale(&input(&radii, 560.0));
        assert_eq!(s.source, ScaleSource::Plate);
        assert!((s.reference_radius_px.unwrap() - 110.0).abs() < 1e-9);
    }

    #[test]
    fn height_fallback_and_none() {
        let mut i = input(&[], 560.0);
        let s = estimate_scale(&i);
        assert_eq!(s.source, ScaleSource::None);
        assert!(s.cm_per_px_body_plane.is_none());
        i.lifter_height_cm = Some(180.0);
        let s = estimate_scale(&i);
        assert_eq!(s.source, ScaleSource::Height);
        let cm = s.cm_per_px_body_plane.unwrap();
        assert!((cm * 560.0 * STANDING_HEIGHT_PER_BODY_LENGTH - 180.0).abs() < 1e-6);
        assert!(s.cm_per_px_plate_plane.unwrap() < cm);
    }

    #[test]
    fn body_plane_factor_follows_distance() {
        // plate 0.225 m at 150 px with f = 1000 px → 1.5 m to the plate, 2.2 m to the midline.
        let (f, d) = body_plane_factor(150.0, 0.225, 1000.0);
        assert!((d - 2.2).abs() < 1e-9 && (f - 2.2 / 1.5).abs() < 1e-9);
        let (far, _) = body_plane_factor(30.0, 0.225, 1000.0);
        assert!(far < f && far > 1.0);
    }
}
