//! Which candidate is the lifter's near plate: where to look for it around the hands, how each
//! candidate scores (a clear rim, near the hands, big), and the choice among them.

use super::detect::{Candidate, DetectRequest};
use super::ellipse::Ellipse;
use liftform_core::bar::prior::{
    MAX_PLATE_RADIUS_PER_BODY_LENGTH, MIN_PLATE_RADIUS_PER_BODY_LENGTH, PLATE_RADIUS_PER_BODY_LENGTH,
};

/// Where and for what size the detector looks, from the wrists and the lifter's body length (px),
/// and the plate radius expected in the lifter's plane: the plate's centre is below the wrists,
/// far more to either side in an oblique view.
pub fn request_near_hands(wrists: [f32; 2], body_px: f32, aspects: [f32; 2]) -> (DetectRequest, f32) {
    let r_e = PLATE_RADIUS_PER_BODY_LENGTH * body_px;
    let req = DetectRequest {
        cx: wrists[0],
        cy: wrists[1] + 0.6 * r_e,
        half_w: 3.5 * r_e,
        half_h: 2.0 * r_e,
        min_r: MIN_PLATE_RADIUS_PER_BODY_LENGTH * body_px,
        max_r: MAX_PLATE_RADIUS_PER_BODY_LENGTH * body_px,
        aspects,
    };
    (req, r_e)
}

/// The plate's centre below the wrists, in plate radii, most likely (the hand labels' median).
const HAND_TO_PLATE_DY: f32 = 0.85;

/// The near plate's score: a clear rim (quality), near the hands, and big (see [`choose_near_plate`]).
pub fn selection_score(c: &Candidate, wrists: [f32; 2], expected_r: f32) -> f32 {
    let loc = location_weight(&c.ellipse, wrists, expected_r);
    if loc < 0.25 {
        return 0.0;
    }
    // Rings round the bar at the centre: a plate has them, a knee or a circle across two
    // plates' edges has not.
    let rings = c.inner_ring.map_or(1.0, |q| 0.5 + q);
    c.support.quality() * (c.ellipse.r / expected_r).sqrt() * (0.5 + 0.5 * loc) * rings
}

/// How well a candidate's place fits the hands: the bar is in the hands, so in a side view the
/// plate's centre is at the wrists' x and a little below them (further below when a plate hides
/// the wrists and the pose guesses them high, or when the camera is above the bar: the near
/// plate then looks lower); an oblique view moves it sideways along the bar, so x is allowed
/// far more room than y. Distances are in plate radii, at least `expected_r`: a small circle may
/// be the hub or a ring of a plate whose rim reaches the hands.
pub fn location_weight(e: &Ellipse, wrists: [f32; 2], expected_r: f32) -> f32 {
    let r = e.r.max(expected_r);
    let dx = (e.cx - wrists[0]) / r;
    let dy = (e.cy - wrists[1]) / r;
    // On the hand labels the rim's centre lies 0.35–1.5 radii below the wrists (5th–95th
    // percentile, median 0.85); above the wrists it is rare (−0.2 at most), so a circle well
    // above the hands (the hips, the belly) is far less likely than one far below them.
    let dy_sigma = if dy < HAND_TO_PLATE_DY { 0.7 } else { 1.0 };
    (-0.5 * (dx / 2.0).powi(2)).exp() * (-0.5 * ((dy - HAND_TO_PLATE_DY) / dy_sigma).powi(2)).exp()
}

/// The rim quality a candidate needs: less when clear rings show at its centre (two pieces of
/// evidence for a plate; a blurred rim of a plate on the move may fall short alone).
fn required_quality(c: &Candidate, min_quality: f32) -> f32 {
    min_quality - RING_QUALITY_CREDIT * c.inner_ring.unwrap_or(0.0)
}

/// Rim quality a candidate's clear rings at its centre may stand in for (at ring quality 1).
pub(super) const RING_QUALITY_CREDIT: f32 = 0.1;

/// The near plate among candidates: a clear rim (quality), near the hands, and big: the near
/// plate looks bigger than the far one, and a hub ring or an inner plate is smaller still.
/// `expected_r` is the plate radius the lifter's size suggests for a plate in the lifter's plane.
/// When a larger circle shares the winner's centre and has a fair rim too, that is the plate's
/// outer rim and the winner an inner ring (a painted ring, a smaller plate, the hub): take it.
pub fn choose_near_plate(
    cands: &[Candidate],
    wrists: [f32; 2],
    expected_r: f32,
    min_quality: f32,
) -> Option<Candidate> {
    let best = cands
        .iter()
        .filter(|c| c.support.quality() >= required_quality(c, min_quality))
        .map(|c| (selection_score(c, wrists, expected_r), c))
        .filter(|(s, _)| *s > 0.0)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| *c)?;
    let outer = cands
        .iter()
        .filter(|c| {
            let d = (c.ellipse.cx - best.ellipse.cx).hypot(c.ellipse.cy - best.ellipse.cy);
            c.ellipse.r > 1.1 * best.ellipse.r
                && d < 0.12 * c.ellipse.r
                && c.support.quality() >= (0.8 * min_quality).max(0.5 * best.support.quality())
        })
        .max_by(|a, b| a.ellipse.r.total_cmp(&b.ellipse.r))
        .copied();
    Some(outer.unwrap_or(best))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plate_above_the_hands_is_less_likely_than_one_as_far_below() {
        let wrists = [100.0, 100.0];
        let at = |dy_r: f32| {
            let e = Ellipse { cx: 100.0, cy: 100.0 + dy_r * 50.0, r: 50.0, aspect: 1.0 };
            location_weight(&e, wrists, 50.0)
        };
        assert!((at(HAND_TO_PLATE_DY) - 1.0).abs() < 1e-6);
        // A radius either side of the most likely place: below is likelier than above.
        assert!(at(HAND_TO_PLATE_DY + 1.0) > at(HAND_TO_PLATE_DY - 1.0) + 0.2);
        // Well above the hands (the hips): ruled out.
        assert!(at(-1.0) < 0.25);
    }

    #[test]
    fn rings_at_the_centre_lower_the_rim_quality_needed() {
        let c = |inner_ring| Candidate {
            ellipse: Ellipse { cx: 0.0, cy: 0.0, r: 10.0, aspect: 1.0 },
            support: Default::default(),
            inner_ring,
        };
        assert_eq!(required_quality(&c(None), 0.45), 0.45);
        assert!(required_quality(&c(Some(0.9)), 0.45) < 0.37);
    }
}
