//! The trunk's outline from the landmark model's person mask: for samples along the chord from
//! mid-hip to mid-shoulder, the distance to the silhouette's edge on both sides (see
//! `recording::TrunkProfile` for the exact definition). A rounded back bulges away from the chord
//! mid-way; a straight hip–shoulder line cannot see that. Pure maths on the mask array.

use super::roi::{Roi, LANDMARK_INPUT_PX};
use liftform_core::recording::landmark_index as lm;
use liftform_core::recording::TrunkProfile;

/// Samples along the chord: t = 0, 0.1, …, 1.
pub const TRUNK_SAMPLES: usize = 11;
/// March step along the normal, in crop pixels.
const STEP_CROP_PX: f32 = 0.5;

/// Bilinear sample of a 256×256 logit mask at crop coordinates; `None` outside the crop.
fn sample_mask(mask_logits: &[f32], u: f32, v: f32) -> Option<f32> {
    let n = LANDMARK_INPUT_PX;
    if !(u >= 0.0 && v >= 0.0 && u <= (n - 1) as f32 && v <= (n - 1) as f32) {
        return None;
    }
    let (x0, y0) = (u.floor() as usize, v.floor() as usize);
    let (x1, y1) = ((x0 + 1).min(n - 1), (y0 + 1).min(n - 1));
    let (fx, fy) = (u - x0 as f32, v - y0 as f32);
    let at = |x: usize, y: usize| mask_logits.get(y * n + x).copied();
    let top = at(x0, y0)? * (1.0 - fx) + at(x1, y0)? * fx;
    let bottom = at(x0, y1)? * (1.0 - fx) + at(x1, y1)? * fx;
    Some(top * (1.0 - fy) + bottom * fy)
}

/// Distance (crop px) from `start` along `dir` (unit) to where the mask logit crosses 0, searched
/// up to `max_crop_px`. `None` if the start is outside the person or no edge is found in range.
fn distance_to_edge(mask_logits: &[f32], start: [f32; 2], dir: [f32; 2], max_crop_px: f32) -> Option<f32> {
    let mut prev_logit = sample_mask(mask_logits, start[0], start[1])?;
    if prev_logit < 0.0 {
        return None;
    }
    let mut s = 0.0;
    while s < max_crop_px {
        let next = s + STEP_CROP_PX;
        let logit = sample_mask(mask_logits, start[0] + dir[0] * next, start[1] + dir[1] * next)?;
        if logit < 0.0 {
            // linear interpolation of the zero crossing between the two samples
            let frac = prev_logit / (prev_logit - logit);
            return Some(s + frac * STEP_CROP_PX);
        }
        prev_logit = logit;
        s = next;
    }
    None
}

/// Computes the trunk profile from raw landmark-model outputs: `landmarks_in_crop` is the model's
/// 39×5 output (x, y in crop px), `mask_logits` its 256×256 segmentation. Distances come back in
/// image pixels.
pub fn trunk_profile(mask_logits: &[f32], landmarks_in_crop: &[f32], roi: &Roi) -> Option<TrunkProfile> {
    let point =
        |i: usize| -> Option<[f32; 2]> { Some([*landmarks_in_crop.get(i * 5)?, *landmarks_in_crop.get(i * 5 + 1)?]) };
    let mid = |a: [f32; 2], b: [f32; 2]| [(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0];
    let hip = mid(point(lm::LEFT_HIP)?, point(lm::RIGHT_HIP)?);
    let shoulder = mid(point(lm::LEFT_SHOULDER)?, point(lm::RIGHT_SHOULDER)?);
    let (dx, dy) = (shoulder[0] - hip[0], shoulder[1] - hip[1]);
    let chord = dx.hypot(dy);
    if !(chord.is_finite() && chord > 1.0) {
        return None;
    }
    // The crop is a rotation + uniform scale of the image, so normals and their sense carry over.
    let normal = [dy / chord, -dx / chord];
    let image_px_per_crop_px = 1.0 / roi.crop_px_per_image_px();
    let mut profile = TrunkProfile { t: Vec::new(), pos_px: Vec::new(), neg_px: Vec::new() };
    for k in 0..TRUNK_SAMPLES {
        let t = k as f32 / (TRUNK_SAMPLES - 1) as f32;
        let start = [hip[0] + t * dx, hip[1] + t * dy];
        let side = |sign: f32| {
            distance_to_edge(mask_logits, start, [sign * normal[0], sign * normal[1]], chord)
                .map(|d| (d * image_px_per_crop_px * 10.0).round() / 10.0)
        };
        profile.t.push(t);
        profile.pos_px.push(side(1.0));
        profile.neg_px.push(side(-1.0));
    }
    Some(profile)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A mask of a filled axis-aligned rectangle (logit +10 inside, −10 outside).
    fn rect_mask(x0: usize, x1: usize, y0: usize, y1: usize) -> Vec<f32> {
        let n = LANDMARK_INPUT_PX;
        let mut m = vec![-10.0; n * n];
        for y in y0..=y1 {
            for x in x0..=x1 {
                m[y * n + x] = 10.0;
            }
        }
        m
    }

    fn landmarks_with_trunk(hip: [f32; 2], shoulder: [f32; 2]) -> Vec<f32> {
        let mut l = vec![0.0; 39 * 5];
        for (i, p) in
            [(lm::LEFT_HIP, hip), (lm::RIGHT_HIP, hip), (lm::LEFT_SHOULDER, shoulder), (lm::RIGHT_SHOULDER, shoulder)]
        {
            l[i * 5] = p[0];
            l[i * 5 + 1] = p[1];
        }
        l
    }

    #[test]
    fn upright_box_trunk_gives_constant_distances_on_both_sides() {
        // trunk 100..140 wide, chord vertical at x = 120 from y = 200 (hip) to y = 100 (shoulder)
        let mask = rect_mask(100, 140, 80, 220);
        let roi = Roi { centre_px: [500.0, 500.0], side_px: 512.0, rotation_rad: 0.0 }; // 2 image px per crop px
        let p = trunk_profile(&mask, &landmarks_with_trunk([120.0, 200.0], [120.0, 100.0]), &roi).unwrap();
        assert_eq!(p.t.len(), TRUNK_SAMPLES);
        // chord points up (dx=0, dy=-100): n = (dy, -dx)/|d| = (-1, 0): pos looks left (x = 100 edge)
        for (pos, neg) in p.pos_px.iter().zip(&p.neg_px) {
            let (pos, neg) = (pos.unwrap(), neg.unwrap());
            assert!((pos - 2.0 * 20.5).abs() < 1.5, "pos {pos}");
            assert!((neg - 2.0 * 20.5).abs() < 1.5, "neg {neg}");
        }
    }

    #[test]
    fn a_bulge_on_one_side_shows_mid_chord() {
        let mut mask = rect_mask(100, 140, 80, 220);
        let n = LANDMARK_INPUT_PX;
        for y in 130..=170 {
            for x in 85..100 {
                mask[y * n + x] = 10.0;
            }
        }
        let roi = Roi { centre_px: [0.0, 0.0], side_px: 256.0, rotation_rad: 0.3 };
        let p = trunk_profile(&mask, &landmarks_with_trunk([120.0, 200.0], [120.0, 100.0]), &roi).unwrap();
        let mid = p.pos_px[5].unwrap();
        let end = p.pos_px[0].unwrap();
        assert!(mid - end > 12.0, "mid {mid} end {end}");
        assert!((p.neg_px[5].unwrap() - p.neg_px[0].unwrap()).abs() < 1.0);
    }

    #[test]
    fn degenerate_inputs_give_none() {
        let mask = rect_mask(0, 10, 0, 10);
        let roi = Roi { centre_px: [0.0, 0.0], side_px: 256.0, rotation_rad: 0.0 };
        assert!(trunk_profile(&mask, &landmarks_with_trunk([5.0, 5.0], [5.0, 5.0]), &roi).is_none());
        assert!(trunk_profile(&mask, &[0.0; 3], &roi).is_none());
        // start outside the person: no distances, but no panic
        let p = trunk_profile(&mask, &landmarks_with_trunk([200.0, 200.0], [200.0, 100.0]), &roi).unwrap();
        assert!(p.pos_px.iter().all(Option::is_none));
    }
}
