//! Frame-to-frame plate following: detection near the lifter's hands when there is no track,
//! then a local edge search around the constant-velocity prediction every frame, a periodic
//! probe outward for the plate's rim (we may follow the hub or a painted ring), a periodic check
//! for a better candidate near the hands, a fresh start at cuts between shots, and the wrists as
//! the fallback when no plate is seen.

use opencv::core::Mat;

use super::choose::{choose_near_plate, request_near_hands, selection_score, RING_QUALITY_CREDIT};
use super::cut::CutDetector;
use super::detect::{detect, follow, inner_ring_quality_at, outer_rim, Candidate};
use super::ellipse::Ellipse;
use super::plate_track::{PlateTrack, Prediction};
use crate::error::Result;
use liftform_core::bar::prior::{body_length_px, wrists_px, BodySize, MAX_PLATE_RADIUS_PER_BODY_LENGTH};
use liftform_core::recording::{BarSample, BarSource, Landmark};

/// Tunables of the tracker, with the defaults used by the pose pass.
#[derive(Debug, Clone, PartialEq)]
pub struct BarTrackerOptions {
    /// Plate radius in patch px while following (precision vs cost).
    pub work_radius_px: f32,
    /// A followed plate needs at least this share of its rim on clear arcs to count as seen.
    pub min_follow_quality: f32,
    /// A detection needs at least this share of its rim on clear arcs.
    pub min_detect_quality: f32,
    /// Frames a lost plate is coasted on its predicted path before it is searched for afresh.
    pub max_coast_frames: u32,
    /// Every this many frames the plate is looked for afresh near the hands, and the track moves
    /// to a clearly better candidate.
    pub verify_every_frames: u32,
    /// While searching, detection runs at most every this many frames (it is the dear part).
    pub search_every_frames: u32,
    /// Write the wrists' midpoint (`source: wrists`) where no plate is seen.
    pub wrist_fallback: bool,
}

impl Default for BarTrackerOptions {
    fn default() -> Self {
        BarTrackerOptions {
            work_radius_px: 30.0,
            min_follow_quality: 0.25,
            min_detect_quality: 0.45,
            max_coast_frames: 8,
            verify_every_frames: 30,
            search_every_frames: 2,
            wrist_fallback: true,
        }
    }
}

/// Counts over a clip, for the pass summary and the report's warnings.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BarTrackerStats {
    pub frames: u64,
    pub plate_frames: u64,
    pub wrist_frames: u64,
    pub detector_runs: u64,
    pub detections: u64,
    pub switches: u64,
    /// Tracks dropped because the plate left the lifter's hands.
    pub hand_losses: u64,
    /// Rim probes that found a rim outside the followed circle.
    pub rim_probes_found: u64,
    /// Cuts between shots noticed (the track starts afresh after each).
    pub cuts: u64,
}

pub struct BarTracker {
    opts: BarTrackerOptions,
    body: BodySize,
    track: Option<PlateTrack>,
    frames_since_search: u32,
    cuts: CutDetector,
    pub stats: BarTrackerStats,
}

/// The plate fitted near its predicted place, seen clearly enough to follow.
struct Sighting {
    circle: Ellipse,
    /// The share of its rim on clear arcs.
    rim_quality: f32,
    /// The quality it was judged by: the rim's, or for a fast plate at least that of the edges
    /// along its motion.
    judged_quality: f32,
}

impl BarTracker {
    pub fn new(opts: BarTrackerOptions) -> BarTracker {
        BarTracker {
            opts,
            body: BodySize::default(),
            track: None,
            frames_since_search: u32::MAX / 2,
            cuts: CutDetector::default(),
            stats: Default::default(),
        }
    }

    pub fn reset(&mut self) {
        self.body.clear();
        self.track = None;
        self.frames_since_search = u32::MAX / 2;
        self.cuts.reset();
        self.stats = Default::default();
    }

    /// Forgets the plate and the lifter's size when the video cuts to another shot: the plate
    /// is elsewhere, maybe another size, and a track carried over would follow whatever now
    /// stands where it was.
    fn notice_cut(&mut self, frame_bgr: &Mat) -> Result<()> {
        if self.cuts.is_cut_before(frame_bgr)? {
            self.stats.cuts += 1;
            self.track = None;
            self.body.clear();
        }
        Ok(())
    }

    /// The bar in this frame: the near plate's centre when it is seen, else (optionally) the
    /// wrists' midpoint, else `None`. `landmarks` are this frame's pose, if any.
    pub fn update(&mut self, frame_bgr: &Mat, t_s: f64, landmarks: Option<&[Landmark]>) -> Result<Option<BarSample>> {
        self.stats.frames += 1;
        self.notice_cut(frame_bgr)?;
        let wrists = landmarks.and_then(wrists_px);
        if let Some(len) = landmarks.and_then(body_length_px) {
            self.body.push(len);
        }
        let plate = match self.track.is_some() {
            true => self.follow(frame_bgr, t_s, wrists.map(|w| w.0))?,
            false => self.search(frame_bgr, t_s, wrists.map(|w| w.0))?,
        };
        if let Some((e, conf)) = plate {
            self.stats.plate_frames += 1;
            return Ok(Some(BarSample {
                x_px: e.cx,
                y_px: e.cy,
                r_px: Some(e.r),
                confidence: conf.clamp(0.0, 1.0),
                source: BarSource::Plate,
            }));
        }
        if self.opts.wrist_fallback {
            if let Some((p, vis)) = wrists {
                self.stats.wrist_frames += 1;
                return Ok(Some(BarSample {
                    x_px: p[0],
                    y_px: p[1],
                    r_px: None,
                    // The wrists are a few cm above the bar and move with the grip: never confident.
                    confidence: (0.4 * vis).clamp(0.0, 0.4),
                    source: BarSource::Wrists,
                }));
            }
        }
        Ok(None)
    }

    /// The followed plate in this frame, with the quality it was judged by; `None` when it was
    /// not seen (the track coasts on its prediction for a while) or the track was dropped.
    fn follow(&mut self, frame: &Mat, t_s: f64, wrists: Option<[f32; 2]>) -> Result<Option<(Ellipse, f32)>> {
        let Some(mut tr) = self.track.take() else {
            return Ok(None);
        };
        let prediction = tr.predict(t_s);
        let mut quality = match self.refit(frame, &tr, &prediction)? {
            Some(seen) => {
                tr.see(seen.circle, prediction.dt_s, seen.rim_quality);
                Some(seen.judged_quality)
            }
            None => {
                tr.coast(prediction.circle);
                None
            }
        };
        tr.end_frame(t_s);
        // The hands are asked only about a plate that was seen: a coasting track's place is a
        // guess.
        if let (Some(w), Some(_)) = (wrists, quality) {
            if !tr.hands_still_hold(w) {
                self.stats.hand_losses += 1;
                return Ok(None);
            }
        }
        if quality.is_some() && tr.frames_since_rim_probe >= RIM_PROBE_EVERY_FRAMES {
            self.probe_rim(frame, &mut tr)?;
        }
        if let Some(switched_quality) = self.verify(frame, t_s, wrists, &mut tr)? {
            quality = Some(switched_quality);
        }
        let out = quality.map(|q| (tr.rim(), q));
        if tr.missed_frames <= self.opts.max_coast_frames {
            self.track = Some(tr);
        }
        Ok(out)
    }

    /// The plate fitted around its predicted place, at the radius it had at detection, if its
    /// edges are clear enough to follow.
    fn refit(&self, frame: &Mat, tr: &PlateTrack, prediction: &Prediction) -> Result<Option<Sighting>> {
        let max_shift_px = 0.18 * tr.circle.r + 0.5 * prediction.shift_px + 2.0;
        let found = follow(
            frame,
            prediction.circle,
            max_shift_px,
            0.92 * tr.ref_r_px,
            1.08 * tr.ref_r_px,
            self.opts.work_radius_px,
            false,
        )?;
        // A fast bar blurs the plate's edges across its motion: judge it by the edges along it.
        let blurred = prediction.shift_px > MOTION_BLUR_SHIFT * tr.circle.r;
        let sighting = found
            .map(|c| {
                let rim_quality = c.support.quality();
                let judged_quality = match blurred {
                    true => rim_quality.max(c.support.quality_along_motion(prediction.vx_px_s, prediction.vy_px_s)),
                    false => rim_quality,
                };
                Sighting { circle: c.ellipse, rim_quality, judged_quality }
            })
            .filter(|s| s.judged_quality >= self.opts.min_follow_quality);
        Ok(sighting)
    }

    /// Every [`BarTrackerOptions::verify_every_frames`], or sooner when the lifter has grown,
    /// looks for the plate afresh near the hands and moves the track to a clearly better
    /// candidate. Returns the new plate's quality when the track moved.
    fn verify(&mut self, frame: &Mat, t_s: f64, wrists: Option<[f32; 2]>, tr: &mut PlateTrack) -> Result<Option<f32>> {
        let body_now = self.body.estimate_px();
        // The lifter's size early in a clip comes from a crouched setup, often with the knees
        // out towards the camera: it may be a third short, so the first plate was chosen with
        // too small a size in mind. Look again as soon as the estimate has grown.
        let body_grew = body_now.is_some_and(|now| now > BODY_GROWTH_RECHECK * tr.body_px_at_check);
        let due = tr.frames_since_verify >= self.opts.verify_every_frames || body_grew;
        if !due {
            return Ok(None);
        }
        let (Some(w), Some(body)) = (wrists, body_now) else {
            return Ok(None);
        };
        tr.frames_since_verify = 0;
        tr.body_px_at_check = body;
        let Some(better) = self.better_plate_near_hands(frame, w, body, tr)? else {
            return Ok(None);
        };
        self.stats.switches += 1;
        let better = self.calibrate(frame, better)?;
        *tr = PlateTrack::new(better.ellipse, t_s, body);
        self.probe_rim(frame, tr)?;
        Ok(Some(better.support.quality()))
    }

    /// A candidate near the hands clearly more plate-like than the followed one, if any: the
    /// start may have caught the far plate, or a round shape on the lifter. The followed circle
    /// is scored in the same patch, so the two compare fairly.
    fn better_plate_near_hands(
        &mut self,
        frame: &Mat,
        wrists: [f32; 2],
        body_px: f32,
        tr: &PlateTrack,
    ) -> Result<Option<Candidate>> {
        // The view does not change within a clip: only the tracked plate's aspect.
        let rim = tr.rim();
        // The followed circle's aspect, and a side view's circle when that is far from
        // round: what is followed may not be the plate (a knee fits a narrow ellipse),
        // and then its shape says nothing about the view.
        let round = if (rim.aspect - 1.0).abs() > 0.1 { 1.0 } else { rim.aspect };
        let (cands, r_e) = self.detect_near_hands(frame, wrists, body_px, &[tr.circle, rim], [rim.aspect, round])?;
        let ours = |c: &Candidate| same_circle(&c.ellipse, &tr.circle) || same_circle(&c.ellipse, &rim);
        let current = cands.iter().filter(|c| ours(c)).map(|c| selection_score(c, wrists, r_e)).fold(0.0f32, f32::max);
        let Some(best) = choose_near_plate(&cands, wrists, r_e, self.opts.min_detect_quality) else {
            return Ok(None);
        };
        let (b, e) = (&best.ellipse, &tr.circle);
        // A circle sharing our centre is a ring of the same plate (the rim is probed
        // for separately): never a reason to move.
        let concentric = (b.cx - e.cx).hypot(b.cy - e.cy) < 0.15 * b.r.max(e.r);
        // A plate followed well for a while is the plate: its size is known, and
        // something much smaller is a knee, a hand or a ring, not a better plate.
        let shrinks = tr.is_established() && best.ellipse.r < MIN_SWITCH_RADIUS_RATIO * rim.r;
        let switch =
            !ours(&best) && !concentric && !shrinks && selection_score(&best, wrists, r_e) > SWITCH_MARGIN * current;
        Ok(switch.then_some(best))
    }

    /// Looks for the plate's rim around the followed circle and notes its ratio.
    fn probe_rim(&mut self, frame: &Mat, tr: &mut PlateTrack) -> Result<()> {
        tr.frames_since_rim_probe = 0;
        let Some(body) = self.body.estimate_px() else {
            return Ok(());
        };
        let max_r = MAX_PLATE_RADIUS_PER_BODY_LENGTH * body;
        if let Some(rim) = outer_rim(frame, tr.circle, max_r, self.opts.work_radius_px, MIN_RIM_QUALITY)? {
            self.stats.rim_probes_found += 1;
            tr.found_rim(rim.ellipse.r / tr.circle.r, rim.ellipse.aspect);
        }
        Ok(())
    }

    /// Candidates around the hands, `extra` circles scored in the same patch among them, and the
    /// plate radius expected in the lifter's plane.
    fn detect_near_hands(
        &mut self,
        frame: &Mat,
        w: [f32; 2],
        body: f32,
        extra: &[Ellipse],
        aspects: [f32; 2],
    ) -> Result<(Vec<Candidate>, f32)> {
        let (req, r_e) = request_near_hands(w, body, aspects);
        self.stats.detector_runs += 1;
        let mut cands = detect(frame, &req, extra)?;
        // Rings are measured only where they can make a difference: a candidate that could be
        // chosen with the most credit they give.
        let floor = self.opts.min_detect_quality - RING_QUALITY_CREDIT;
        for c in cands.iter_mut() {
            if c.support.quality() >= floor && selection_score(c, w, r_e) > 0.0 {
                c.inner_ring = Some(inner_ring_quality_at(frame, &c.ellipse, self.opts.work_radius_px)?);
            }
        }
        Ok((cands, r_e))
    }

    /// Centre, radius and aspect of a fresh detection at the tracking resolution.
    fn calibrate(&mut self, frame: &Mat, c: Candidate) -> Result<Candidate> {
        let e = c.ellipse;
        Ok(match follow(frame, e, 0.1 * e.r, 0.85 * e.r, 1.15 * e.r, self.opts.work_radius_px, true)? {
            Some(f) if f.support.quality() >= 0.8 * c.support.quality() => f,
            _ => c,
        })
    }

    fn search(&mut self, frame: &Mat, t_s: f64, wrists: Option<[f32; 2]>) -> Result<Option<(Ellipse, f32)>> {
        self.frames_since_search = self.frames_since_search.saturating_add(1);
        let (Some(w), Some(body)) = (wrists, self.body.estimate_px()) else {
            return Ok(None);
        };
        if self.frames_since_search < self.opts.search_every_frames {
            return Ok(None);
        }
        self.frames_since_search = 0;
        // A side view shows the plate as a circle, an oblique one as an ellipse.
        let (cands, r_e) = self.detect_near_hands(frame, w, body, &[], [1.0, 0.72])?;
        let Some(best) = choose_near_plate(&cands, w, r_e, self.opts.min_detect_quality) else {
            return Ok(None);
        };
        let best = self.calibrate(frame, best)?;
        self.stats.detections += 1;
        let mut tr = PlateTrack::new(best.ellipse, t_s, body);
        self.probe_rim(frame, &mut tr)?;
        let out = (tr.rim(), best.support.quality());
        self.track = Some(tr);
        Ok(Some(out))
    }
}

/// Two ellipses that are the same plate outline (centre within 20 % of the radius, radius within 12 %).
fn same_circle(a: &Ellipse, b: &Ellipse) -> bool {
    (a.cx - b.cx).hypot(a.cy - b.cy) < 0.2 * a.r.max(b.r) && (a.r / b.r - 1.0).abs() < 0.12
}

/// A track is verified early when the lifter's body-length estimate has grown by this factor
/// since the track was chosen or last verified.
const BODY_GROWTH_RECHECK: f32 = 1.15;
/// A plate moving more than this share of its radius per frame is judged by the edges along
/// its motion (see [`super::support::Support::quality_along_motion`]).
const MOTION_BLUR_SHIFT: f32 = 0.08;
/// An established track does not move to a circle smaller than this share of its rim.
const MIN_SWITCH_RADIUS_RATIO: f32 = 0.75;
/// A candidate must beat the tracked circle's score by this factor to replace it.
const SWITCH_MARGIN: f32 = 1.3;
/// The rim is looked for around the followed circle every this many frames.
const RIM_PROBE_EVERY_FRAMES: u32 = 10;
/// A rim needs this share of its outline on clear arcs.
const MIN_RIM_QUALITY: f32 = 0.4;
