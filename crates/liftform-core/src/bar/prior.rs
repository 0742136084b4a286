//! What the pose says about where the bar is and how big a plate should look (pure).

use crate::recording::{landmark_index as lm, Landmark};

/// Landmarks with less visibility than this are not used for the prior.
const MIN_VISIBILITY: f32 = 0.3;

/// A standard plate's radius over the lifter's "body length" (shoulder→hip + hip→knee +
/// knee→ankle on one side, ≈ 0.77 of standing height for BlazePose's joints): 22.5 cm over
/// ≈ 0.77 · 175 cm, for a plate in the lifter's plane.
pub const PLATE_RADIUS_PER_BODY_LENGTH: f32 = 0.167;
/// The near plate is nearer the camera than the lifter and looks bigger, up to about twice as big
/// with a phone a metre from the plate; a far camera makes it only a little bigger. These bound the
/// plate radius in body lengths, with room for short and tall lifters.
pub const MIN_PLATE_RADIUS_PER_BODY_LENGTH: f32 = 0.11;
pub const MAX_PLATE_RADIUS_PER_BODY_LENGTH: f32 = 0.42;

/// Standing height over body length (shoulder→hip + hip→knee + knee→ankle) for BlazePose's
/// landmarks: calibrated on the rendered 1.78 m figure and typical anthropometry (ankle height
/// ≈ 0.04 H, shoulder ≈ 0.82 H, BlazePose's hip a little above the joint centre).
pub const STANDING_HEIGHT_PER_BODY_LENGTH: f64 = 1.32;

fn usable(l: &Landmark) -> bool {
    l.visibility >= MIN_VISIBILITY && l.x_px.is_finite() && l.y_px.is_finite()
}

fn dist(a: &Landmark, b: &Landmark) -> f32 {
    (a.x_px - b.x_px).hypot(a.y_px - b.y_px)
}

/// Midpoint of the wrists in image px and a confidence (the lower visibility of the two; a single
/// visible wrist is used alone at half its visibility).
pub fn wrists_px(landmarks: &[Landmark]) -> Option<([f32; 2], f32)> {
    if landmarks.len() <= lm::RIGHT_WRIST {
        return None;
    }
    let (l, r) = (&landmarks[lm::LEFT_WRIST], &landmarks[lm::RIGHT_WRIST]);
    let finite = |p: &Landmark| p.x_px.is_finite() && p.y_px.is_finite();
    match (finite(l), finite(r)) {
        (true, true) => {
            Some(([(l.x_px + r.x_px) / 2.0, (l.y_px + r.y_px) / 2.0], l.visibility.min(r.visibility).clamp(0.0, 1.0)))
        }
        (true, false) => Some(([l.x_px, l.y_px], 0.5 * l.visibility.clamp(0.0, 1.0))),
        (false, true) => Some(([r.x_px, r.y_px], 0.5 * r.visibility.clamp(0.0, 1.0))),
        (false, false) => None,
    }
}

/// Shoulder→hip + hip→knee + knee→ankle in px on the better-seen side: a size of the lifter that
/// does not change with posture in a side view (the segments stay in the image plane).
pub fn body_length_px(landmarks: &[Landmark]) -> Option<f32> {
    if landmarks.len() <= lm::RIGHT_ANKLE {
        return None;
    }
    let side = |s: usize, h: usize, k: usize, a: usize| -> Option<(f32, f32)> {
        let (s, h, k, a) = (&landmarks[s], &landmarks[h], &landmarks[k], &landmarks[a]);
        if [s, h, k, a].iter().all(|p| usable(p)) {
            let vis = s.visibility.min(h.visibility).min(k.visibility).min(a.visibility);
            Some((dist(s, h) + dist(h, k) + dist(k, a), vis))
        } else {
            None
        }
    };
    let left = side(lm::LEFT_SHOULDER, lm::LEFT_HIP, lm::LEFT_KNEE, lm::LEFT_ANKLE);
    let right = side(lm::RIGHT_SHOULDER, lm::RIGHT_HIP, lm::RIGHT_KNEE, lm::RIGHT_ANKLE);
    match (left, right) {
        // The longer side is the less foreshortened one; take it when both are well seen.
        (Some(a), Some(b)) => Some(if (a.1 - b.1).abs() < 0.2 {
            a.0.max(b.0)
        } else if a.1 > b.1 {
            a.0
        } else {
            b.0
        }),
        (Some(a), None) => Some(a.0),
        (None, Some(b)) => Some(b.0),
        (None, None) => None,
    }
}

/// A bounded running estimate of the lifter's body length: the 75th percentile of the last
/// frames' values (the longest, least foreshortened views, without single outliers).
#[derive(Debug, Clone, Default)]
pub struct BodySize {
    recent: std::collections::VecDeque<f32>,
    /// The same values in order, kept as they come and go (the tracker asks every frame).
    sorted: Vec<f32>,
}

impl BodySize {
    const KEEP: usize = 240;

    pub fn push(&mut self, body_length_px: f32) {
        if body_length_px.is_finite() && body_length_px > 0.0 {
            if self.recent.len() == Self::KEEP {
                if let Some(old) = self.recent.pop_front() {
                    let at = self.sorted.partition_point(|v| *v < old);
                    self.sorted.remove(at);
                }
            }
            self.recent.push_back(body_length_px);
            let at = self.sorted.partition_point(|v| *v < body_length_px);
            self.sorted.insert(at, body_length_px);
        }
    }

    pub fn estimate_px(&self) -> Option<f32> {
        let n = self.sorted.len();
        (n > 0).then(|| self.sorted[(n * 3 / 4).min(n - 1)])
    }

    pub fn clear(&mut self) {
        self.recent.clear();
        self.sorted.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pose_with(points: &[(usize, f32, f32)]) -> Vec<Landmark> {
        let mut l = vec![Landmark { x_px: f32::NAN, y_px: f32::NAN, z: 0.0, visibility: 0.0, presence: None }; 33];
        for &(i, x, y) in points {
            l[i] = Landmark { x_px: x, y_px: y, z: 0.0, visibility: 0.9, presence: Some(0.9) };
        }
        l
    }

    #[test]
    fn body_length_sums_the_better_side() {
        let l = pose_with(&[
            (lm::LEFT_SHOULDER, 0.0, 0.0),
            (lm::LEFT_HIP, 0.0, 50.0),
            (lm::LEFT_KNEE, 0.0, 90.0),
            (lm::LEFT_ANKLE, 0.0, 130.0),
        ]);
        assert_eq!(body_length_px(&l), Some(130.0));
        assert_eq!(body_length_px(&pose_with(&[])), None);
    }

    #[test]
    fn wrists_midpoint_and_single_wrist() {
        let l = pose_with(&[(lm::LEFT_WRIST, 10.0, 20.0), (lm::RIGHT_WRIST, 30.0, 40.0)]);
        let (p, c) = wrists_px(&l).unwrap();
        assert_eq!(p, [20.0, 30.0]);
        assert!((c - 0.9).abs() < 1e-6);
    }

    #[test]
    fn body_size_is_a_high_percentile() {
        let mut b = BodySize::default();
        for v in [100.0, 90.0, 110.0, 105.0, 300.0, 95.0, 102.0, 101.0] {
            b.push(v);
        }
        let e = b.estimate_px().unwrap();
        assert!((100.0..=110.0).contains(&e), "{e}"); // Old values leave the window: after a long run of 200 px the estimate is 200.
        for _ in 0..BodySize::KEEP {
            b.push(200.0);
        }
        assert_eq!(b.estimate_px(), Some(200.0));
        b.clear();
        assert_eq!(b.estimate_px(), None);
    }
}
