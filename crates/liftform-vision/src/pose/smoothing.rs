//! MediaPipe's temporal filtering of pose landmarks: a One-Euro filter per coordinate whose speed
//! term is measured in units of the body's size (so it behaves the same near or far from the
//! camera), and a low-pass filter on visibility, with MediaPipe's settings for pose output.

use std::f64::consts::PI;

/// One-Euro settings (cut-offs in Hz, beta per unit of normalised speed).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OneEuroSettings {
    pub min_cutoff_hz: f64,
    pub beta: f64,
    pub derivative_cutoff_hz: f64,
}

/// MediaPipe pose landmarks (pose_landmark_filtering): still ≈ 0.02 EMA weight, fast ≈ 0.8.
pub const LANDMARK_SMOOTHING: OneEuroSettings =
    OneEuroSettings { min_cutoff_hz: 0.1, beta: 40.0, derivative_cutoff_hz: 1.0 };
/// Weight of a new visibility value in its low-pass filter.
pub const VISIBILITY_ALPHA: f32 = 0.1;
const DEFAULT_RATE_HZ: f64 = 30.0;

#[derive(Debug, Clone, Copy, Default)]
struct LowPass {
    raw: Option<f64>,
    smoothed: f64,
}

impl LowPass {
    fn apply(&mut self, value: f64, alpha: f64) -> f64 {
        self.smoothed = if self.raw.is_some() { alpha * value + (1.0 - alpha) * self.smoothed } else { value };
        self.raw = Some(value);
        self.smoothed
    }
}

#[derive(Debug, Clone, Copy)]
struct OneEuro {
    settings: OneEuroSettings,
    rate_hz: f64,
    last_t_s: Option<f64>,
    value: LowPass,
    speed: LowPass,
}

fn alpha(cutoff_hz: f64, rate_hz: f64) -> f64 {
    let tau = 1.0 / (2.0 * PI * cutoff_hz);
    1.0 / (1.0 + tau * rate_hz)
}

impl OneEuro {
    fn new(settings: OneEuroSettings) -> Self {
        OneEuro {
            settings,
            rate_hz: DEFAULT_RATE_HZ,
            last_t_s: None,
            value: LowPass::default(),
            speed: LowPass::default(),
        }
    }

    /// `value_scale` turns the value's change into body-size units (1 / object size).
    fn apply(&mut self, t_s: f64, value_scale: f64, value: f64) -> f64 {
        if let Some(last) = self.last_t_s {
            if t_s <= last {
                return value;
            }
            self.rate_hz = 1.0 / (t_s - last);
        }
        self.last_t_s = Some(t_s);
        let speed = self.value.raw.map_or(0.0, |prev| (value - prev) * value_scale * self.rate_hz);
        let smoothed_speed = self.speed.apply(speed, alpha(self.settings.derivative_cutoff_hz, self.rate_hz));
        let cutoff = self.settings.min_cutoff_hz + self.settings.beta * smoothed_speed.abs();
        self.value.apply(value, alpha(cutoff, self.rate_hz))
    }
}

/// Filters a set of points (x_px, y_px, z_px) and their visibilities over time.
#[derive(Debug, Clone)]
pub struct LandmarkSmoother {
    settings: OneEuroSettings,
    filters: Vec<[OneEuro; 3]>,
    visibility: Vec<LowPass>,
}

impl LandmarkSmoother {
    pub fn new(settings: OneEuroSettings) -> Self {
        LandmarkSmoother { settings, filters: Vec::new(), visibility: Vec::new() }
    }

    /// Forgets the past (the person was lost).
    pub fn reset(&mut self) {
        self.filters.clear();
        self.visibility.clear();
    }

    /// Smooths `points` in place: each entry is [x_px, y_px, z_px, visibility, presence].
    pub fn apply(&mut self, t_s: f64, points: &mut [[f32; 5]]) {
        if self.filters.len() != points.len() {
            self.filters = vec![[OneEuro::new(self.settings); 3]; points.len()];
            self.visibility = vec![LowPass::default(); points.len()];
        }
        // object scale: mean of the bounding box's width and height
        let (mut min, mut max) = ([f32::INFINITY; 2], [f32::NEG_INFINITY; 2]);
        for p in points.iter() {
            for k in 0..2 {
                min[k] = min[k].min(p[k]);
                max[k] = max[k].max(p[k]);
            }
        }
        let object_scale = ((max[0] - min[0]) + (max[1] - min[1])) as f64 / 2.0;
        if !(object_scale.is_finite() && object_scale > 1e-6) {
            return;
        }
        let value_scale = 1.0 / object_scale;
        for ((p, filters), vis) in points.iter_mut().zip(&mut self.filters).zip(&mut self.visibility) {
            for k in 0..3 {
                p[k] = filters[k].apply(t_s, value_scale, p[k] as f64) as f32;
            }
            p[3] = vis.apply(p[3] as f64, VISIBILITY_ALPHA as f64) as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn still_points_stay_put_and_noise_is_damped() {
        let mut s = LandmarkSmoother::new(LANDMARK_SMOOTHING);
        let mut out = Vec::new();
        for i in 0..60 {
            let jitter = if i % 2 == 0 { 2.0 } else { -2.0 };
            let mut pts = [[100.0 + jitter, 200.0, 0.0, 1.0, 1.0], [300.0, 400.0, 0.0, 1.0, 1.0]];
            s.apply(i as f64 / 30.0, &mut pts);
            out.push(pts[0][0]);
        }
        let late = &out[30..];
        let spread =
            late.iter().cloned().fold(f32::NEG_INFINITY, f32::max) - late.iter().cloned().fold(f32::INFINITY, f32::min);
        assert!(spread < 1.0, "jitter of ±2 px should shrink, spread {spread}");
    }

    #[test]
    fn fast_motion_is_followed_closely() {
        let mut s = LandmarkSmoother::new(LANDMARK_SMOOTHING);
        let mut last = 0.0;
        for i in 0..30 {
            // moves 10 px per frame on a 200 px object: fast
            let x = 100.0 + 10.0 * i as f32;
            let mut pts = [[x, 200.0, 0.0, 1.0, 1.0], [x + 200.0, 400.0, 0.0, 1.0, 1.0]];
            s.apply(i as f64 / 30.0, &mut pts);
            last = x - pts[0][0];
        }
        assert!(last.abs() < 10.0, "lag {last} px");
    }

    #[test]
    fn repeated_timestamps_pass_values_through() {
        let mut s = LandmarkSmoother::new(LANDMARK_SMOOTHING);
        let mut a = [[0.0, 0.0, 0.0, 1.0, 1.0], [10.0, 10.0, 0.0, 1.0, 1.0]];
        s.apply(1.0, &mut a);
        let mut b = [[5.0, 5.0, 0.0, 1.0, 1.0], [15.0, 15.0, 0.0, 1.0, 1.0]];
        s.apply(1.0, &mut b);
        assert_eq!(b[0][0], 5.0);
    }
}
