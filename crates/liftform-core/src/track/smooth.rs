//! Raw samples to a smooth trajectory: jumps no body part makes in a frame are dropped (Hampel),
//! short gaps are filled by interpolation, and a gap-tolerant Savitzky–Golay filter (local
//! quadratic) smooths the position and gives the velocity.

use super::raw::JointSamples;
use super::{PointTrack, TrackConfig};
use crate::signal;

/// The smoothing settings of one recording, in frames and pixels.
pub(super) struct Smoother<'a> {
    t_s: &'a [f64],
    max_gap_frames: usize,
    jump_half_window_frames: usize,
    jump_min_px: f64,
    smooth_half_window_s: f64,
}

impl<'a> Smoother<'a> {
    pub fn new(t_s: &'a [f64], fps: f64, body_scale_px: f64, cfg: &TrackConfig) -> Smoother<'a> {
        Smoother {
            t_s,
            max_gap_frames: (cfg.max_gap_s * fps).round().max(0.0) as usize,
            jump_half_window_frames: ((cfg.jump_half_window_s * fps).round() as usize).max(2),
            jump_min_px: if body_scale_px.is_finite() {
                cfg.jump_min_body_fraction * body_scale_px
            } else {
                f64::INFINITY
            },
            smooth_half_window_s: cfg.smooth_half_window_s,
        }
    }

    /// One joint's accepted samples, smoothed.
    pub fn joint(&self, samples: &JointSamples) -> PointTrack {
        let xs = samples.points_px.iter().map(|p| p[0]).collect();
        let ys = samples.points_px.iter().map(|p| p[1]).collect();
        self.point(xs, ys, samples.visibility.clone())
    }

    /// A point's raw coordinates (NaN where unknown), smoothed; `visibility` is kept as given.
    pub fn point(&self, mut xs: Vec<f64>, mut ys: Vec<f64>, visibility: Vec<f64>) -> PointTrack {
        // Jump rejection on both coordinates.
        let ox = signal::hampel_outliers(&xs, self.jump_half_window_frames, 4.5, self.jump_min_px);
        let oy = signal::hampel_outliers(&ys, self.jump_half_window_frames, 4.5, self.jump_min_px);
        for k in 0..xs.len() {
            if ox[k] || oy[k] {
                xs[k] = f64::NAN;
                ys[k] = f64::NAN;
            }
        }
        let (fx, filled_x) = signal::fill_short_gaps(&xs, self.max_gap_frames);
        let (fy, _) = signal::fill_short_gaps(&ys, self.max_gap_frames);
        let sx = signal::local_quadratic(self.t_s, &fx, self.smooth_half_window_s);
        let sy = signal::local_quadratic(self.t_s, &fy, self.smooth_half_window_s);
        PointTrack {
            x_px: sx.value,
            y_px: sy.value,
            vx_px_s: sx.rate_per_s,
            vy_px_s: sy.rate_per_s,
            raw_x_px: xs,
            raw_y_px: ys,
            visibility,
            filled: filled_x,
        }
    }
}
