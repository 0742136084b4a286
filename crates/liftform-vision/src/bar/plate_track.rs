//! The state of one followed plate between frames: where it is and how it moves, how well it has
//! been seen, where it sits in the lifter's hands, and the rim found around the followed circle.
//! Plain Rust: the tracker does the looking (OpenCV) and tells the track what it saw.

use super::ellipse::Ellipse;

/// Largest change, in plate radii, of the plate centre's offset from the wrists before it counts
/// as the hands disagreeing (the pose's wrists are noisy when a plate hides them).
const MAX_HAND_OFFSET_CHANGE: f32 = 1.0;
/// Frames in a row the hands may disagree before the track is dropped.
const MAX_HAND_MISSES: u32 = 6;
/// Frames seen, and their mean quality, that make a track established.
const ESTABLISHED_FRAMES: u32 = 30;
const ESTABLISHED_MEAN_QUALITY: f32 = 0.45;
/// Rim : followed-circle ratios kept for their median.
const RIM_RATIOS_KEPT: usize = 5;
/// Frame gaps longer than this are predicted as this long: after a longer gap the plate's last
/// motion says little about where it is.
const MAX_PREDICTION_DT_S: f32 = 0.25;

#[derive(Debug, Clone)]
pub(super) struct PlateTrack {
    /// The followed circle, in image px.
    pub(super) circle: Ellipse,
    vx_px_s: f32,
    vy_px_s: f32,
    /// The time of the frame the track was last brought to.
    t_s: f64,
    /// Frames in a row the plate was not seen (and its predicted place taken instead).
    pub(super) missed_frames: u32,
    pub(super) frames_since_verify: u32,
    /// The plate's radius at detection: the radius may move ±8 % around it (a plate does not
    /// change size in a lift; letting it follow itself would slide onto an inner ring).
    pub(super) ref_r_px: f32,
    /// Plate centre − wrists, in plate radii, averaged: the bar is in the hands, so this hardly
    /// changes; a track that leaves the hands has lost the plate.
    hand_offset: Option<[f32; 2]>,
    /// Frames in a row the hands disagreed.
    hand_misses: u32,
    /// The plate's rim radius over the followed circle's (≥ 1): what is followed may be a sharper
    /// ring concentric with the rim (see [`super::detect::outer_rim`]): the median of
    /// `rim_ratios`, the last probes' ratios.
    rim_ratio: f32,
    rim_ratios: Vec<f32>,
    /// The rim's aspect, from the last probe that found it.
    rim_aspect: Option<f32>,
    pub(super) frames_since_rim_probe: u32,
    /// The lifter's body length (px) when the track was chosen or last verified: the plate's
    /// expected size came from it.
    pub(super) body_px_at_check: f32,
    /// Frames the plate was seen in, and the sum of its quality over them.
    seen_frames: u32,
    seen_quality_sum: f32,
}

/// Where the plate should be in a new frame if it kept its motion.
#[derive(Debug, Clone, Copy)]
pub(super) struct Prediction {
    /// Time since the track's last frame, capped at [`MAX_PREDICTION_DT_S`].
    pub(super) dt_s: f32,
    pub(super) circle: Ellipse,
    /// How far the plate is expected to have moved since the track's last frame.
    pub(super) shift_px: f32,
    /// The velocity it was predicted with.
    pub(super) vx_px_s: f32,
    pub(super) vy_px_s: f32,
}

impl PlateTrack {
    pub(super) fn new(circle: Ellipse, t_s: f64, body_px: f32) -> PlateTrack {
        PlateTrack {
            circle,
            vx_px_s: 0.0,
            vy_px_s: 0.0,
            t_s,
            missed_frames: 0,
            frames_since_verify: 0,
            ref_r_px: circle.r,
            hand_offset: None,
            hand_misses: 0,
            rim_ratio: 1.0,
            rim_ratios: Vec::new(),
            rim_aspect: None,
            frames_since_rim_probe: 0,
            body_px_at_check: body_px,
            seen_frames: 0,
            seen_quality_sum: 0.0,
        }
    }

    /// The plate's place at `t_s` at constant velocity.
    pub(super) fn predict(&self, t_s: f64) -> Prediction {
        let dt_s = ((t_s - self.t_s) as f32).clamp(0.0, MAX_PREDICTION_DT_S);
        let circle = self.circle.translated(self.vx_px_s * dt_s, self.vy_px_s * dt_s);
        let shift_px = (self.vx_px_s * self.vx_px_s + self.vy_px_s * self.vy_px_s).sqrt() * dt_s;
        Prediction { dt_s, circle, shift_px, vx_px_s: self.vx_px_s, vy_px_s: self.vy_px_s }
    }

    /// The plate was seen at `circle`, `dt_s` after the track's last frame, with a rim of
    /// `rim_quality`. The velocity is smoothed: a fit jitters by a fraction of a pixel, which
    /// over a frame's time is a large speed.
    pub(super) fn see(&mut self, circle: Ellipse, dt_s: f32, rim_quality: f32) {
        if dt_s > 0.0 {
            let (vx, vy) = ((circle.cx - self.circle.cx) / dt_s, (circle.cy - self.circle.cy) / dt_s);
            self.vx_px_s = 0.6 * vx + 0.4 * self.vx_px_s;
            self.vy_px_s = 0.6 * vy + 0.4 * self.vy_px_s;
        }
        self.circle = circle;
        self.missed_frames = 0;
        self.seen_frames += 1;
        self.seen_quality_sum += rim_quality;
    }

    /// The plate was not seen: take its predicted place and slow down, so that the longer it is
    /// unseen, the less its last motion carries it.
    pub(super) fn coast(&mut self, predicted: Ellipse) {
        self.circle = predicted;
        self.vx_px_s *= 0.5;
        self.vy_px_s *= 0.5;
        self.missed_frames += 1;
    }

    /// Brings the track's clock and frame counters to the frame at `t_s`.
    pub(super) fn end_frame(&mut self, t_s: f64) {
        self.t_s = t_s;
        self.frames_since_verify += 1;
        self.frames_since_rim_probe += 1;
    }

    /// Notes where the seen plate sits relative to the wrists; false once the hands have
    /// disagreed for more than [`MAX_HAND_MISSES`] frames in a row (the hands went elsewhere:
    /// this is not the lifter's plate, or the track slid off it).
    pub(super) fn hands_still_hold(&mut self, wrists_px: [f32; 2]) -> bool {
        let off = [(self.circle.cx - wrists_px[0]) / self.circle.r, (self.circle.cy - wrists_px[1]) / self.circle.r];
        match self.hand_offset {
            None => self.hand_offset = Some(off),
            Some(h) => {
                if (off[0] - h[0]).abs() > MAX_HAND_OFFSET_CHANGE || (off[1] - h[1]).abs() > MAX_HAND_OFFSET_CHANGE {
                    self.hand_misses += 1;
                } else {
                    self.hand_misses = 0;
                    self.hand_offset = Some([0.9 * h[0] + 0.1 * off[0], 0.9 * h[1] + 0.1 * off[1]]);
                }
            }
        }
        self.hand_misses <= MAX_HAND_MISSES
    }

    /// The plate as reported: the followed circle's centre with the rim's radius and shape.
    pub(super) fn rim(&self) -> Ellipse {
        Ellipse {
            r: self.circle.r * self.rim_ratio,
            aspect: self.rim_aspect.unwrap_or(self.circle.aspect),
            ..self.circle
        }
    }

    /// Followed for a second or more with a fair edge and the hands agreeing (a track that leaves
    /// the hands is dropped).
    pub(super) fn is_established(&self) -> bool {
        self.seen_frames >= ESTABLISHED_FRAMES
            && self.seen_quality_sum >= ESTABLISHED_MEAN_QUALITY * self.seen_frames as f32
    }

    /// A probe found the plate's rim around the followed circle, `ratio` times its radius, of
    /// shape `aspect`. The reported radius takes the median ratio of the last probes, so one odd
    /// find does not move it.
    pub(super) fn found_rim(&mut self, ratio: f32, aspect: f32) {
        if self.rim_ratios.len() == RIM_RATIOS_KEPT {
            self.rim_ratios.remove(0);
        }
        self.rim_ratios.push(ratio);
        let mut sorted = self.rim_ratios.clone();
        sorted.sort_by(f32::total_cmp);
        self.rim_ratio = sorted[sorted.len() / 2];
        self.rim_aspect = Some(aspect);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plate_at(cx: f32, cy: f32) -> Ellipse {
        Ellipse { cx, cy, r: 20.0, aspect: 1.0 }
    }

    #[test]
    fn a_plate_leaving_the_hands_is_lost_after_a_few_frames() {
        let mut tr = PlateTrack::new(plate_at(100.0, 120.0), 0.0, 400.0);
        let wrists = [100.0, 100.0];
        assert!(tr.hands_still_hold(wrists));
        // The hands move two radii down and the plate stays: tolerated for a few frames.
        let moved = [100.0, 140.0];
        for _ in 0..MAX_HAND_MISSES {
            assert!(tr.hands_still_hold(moved));
        }
        assert!(!tr.hands_still_hold(moved));
    }

    #[test]
    fn the_prediction_carries_the_smoothed_motion() {
        let mut tr = PlateTrack::new(plate_at(100.0, 100.0), 0.0, 400.0);
        tr.see(plate_at(100.0, 90.0), 0.1, 0.8);
        tr.end_frame(0.1);
        let p = tr.predict(0.2);
        // 0.6 of the measured 100 px/s upward, for 0.1 s.
        assert!((p.circle.cy - 84.0).abs() < 1e-4, "{p:?}");
        assert!((p.shift_px - 6.0).abs() < 1e-4, "{p:?}");
        // A long gap is capped: a stall says nothing about where the plate went.
        assert_eq!(tr.predict(10.0).dt_s, MAX_PREDICTION_DT_S);
    }
}
