//! Frame-to-frame plate following: detection near the lifter's hands when there is no track,
//! then a local edge search around the constant-velocity prediction every frame, a periodic
//! probe outward for the plate's rim (we may follow the hub or a painted ring), a periodic check
//! for a better candidate near the hands, a fresh start at cuts between shots, and the wrists as
//! the fallback when no plate is seen.

use opencv::core::{Mat, Size};
use opencv::imgproc;
use opencv::prelude::*;

use super::detect::{cv, detect, follow, inner_ring_quality_at, outer_rim, Candidate, DetectRequest};
use super::fit::Ellipse;
use crate::error::Result;
use liftform_core::bar::prior::{
    body_length_px, wrists_px, BodySize, MAX_PLATE_RADIUS_PER_BODY_LENGTH, MIN_PLATE_RADIUS_PER_BODY_LENGTH,
    PLATE_RADIUS_PER_BODY_LENGTH,
};
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

#[derive(Debug, Clone)]
struct Track {
    e: Ellipse,
    vx: f32,
    vy: f32,
    t_s: f64,
    misses: u32,
    since_verify: u32,
    /// The plate's radius at detection: the radius may move ±8 % around it (a plate does not
    /// change size in a lift; letting it follow itself would slide onto an inner ring).
    ref_r: f32,
    /// Plate centre − wrists, in plate radii, averaged: the bar is in the hands, so this hardly
    /// changes; a track that leaves the hands has lost the plate.
    hand_offset: Option<[f32; 2]>,
    /// Frames in a row the hands disagreed.
    hand_misses: u32,
    /// The plate's rim radius over the followed circle's (≥ 1): what is followed may be a sharper
    /// ring concentric with the rim (see [`outer_rim`]): the median of `rim_ratios`, the last
    /// probes' ratios.
    rim_ratio: f32,
    rim_ratios: Vec<f32>,
    /// The rim's aspect, from the last probe that found it.
    rim_aspect: Option<f32>,
    /// Frames since the rim was last probed for.
    since_rim_probe: u32,
    /// The lifter's body length (px) when the track was chosen or last verified: the plate's
    /// expected size came from it.
    body_px_at_check: f32,
    /// Frames the plate was seen in, and the sum of its quality over them.
    seen_frames: u32,
    seen_quality_sum: f32,
}

pub struct BarTracker {
    opts: BarTrackerOptions,
    body: BodySize,
    track: Option<Track>,
    frames_since_search: u32,
    /// The last frame, shrunk to [`THUMB_W`]×[`THUMB_H`] BGR, to notice cuts between shots.
    last_thumb: Option<Vec<u8>>,
    /// Scratch images for the thumbnail, reused frame to frame.
    thumb_sampled: Mat,
    thumb_small: Mat,
    pub stats: BarTrackerStats,
}

impl BarTracker {
    pub fn new(opts: BarTrackerOptions) -> BarTracker {
        BarTracker {
            opts,
            body: BodySize::default(),
            track: None,
            frames_since_search: u32::MAX / 2,
            last_thumb: None,
            thumb_sampled: Mat::default(),
            thumb_small: Mat::default(),
            stats: Default::default(),
        }
    }

    pub fn reset(&mut self) {
        self.body.clear();
        self.track = None;
        self.frames_since_search = u32::MAX / 2;
        self.last_thumb = None;
        self.stats = Default::default();
    }

    /// Forgets the plate and the lifter's size when the video cuts to another shot: the plate
    /// is elsewhere, maybe another size, and a track carried over would follow whatever now
    /// stands where it was.
    fn notice_cut(&mut self, frame_bgr: &Mat) -> Result<()> {
        // Point samples on a grid twice as fine, then averaged: a full-frame area average would
        // read every pixel of the frame.
        imgproc::resize(
            frame_bgr,
            &mut self.thumb_sampled,
            Size::new(2 * THUMB_W as i32, 2 * THUMB_H as i32),
            0.0,
            0.0,
            imgproc::INTER_NEAREST,
        )
        .map_err(cv)?;
        imgproc::resize(
            &self.thumb_sampled,
            &mut self.thumb_small,
            Size::new(THUMB_W as i32, THUMB_H as i32),
            0.0,
            0.0,
            imgproc::INTER_AREA,
        )
        .map_err(cv)?;
        let now = self.thumb_small.data_bytes().map_err(cv)?;
        let channels = self.thumb_small.channels() as usize;
        match &mut self.last_thumb {
            Some(last) => {
                if is_cut(last, now, channels) {
                    self.stats.cuts += 1;
                    self.track = None;
                    self.body.clear();
                }
                last.clear();
                last.extend_from_slice(now);
            }
            None => self.last_thumb = Some(now.to_vec()),
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

    fn follow(&mut self, frame: &Mat, t_s: f64, wrists: Option<[f32; 2]>) -> Result<Option<(Ellipse, f32)>> {
        let Some(mut tr) = self.track.take() else {
            return Ok(None);
        };
        let dt = ((t_s - tr.t_s) as f32).clamp(0.0, 0.25);
        let pred = tr.e.translated(tr.vx * dt, tr.vy * dt);
        let speed = (tr.vx * tr.vx + tr.vy * tr.vy).sqrt() * dt;
        let max_shift = 0.18 * tr.e.r + 0.5 * speed + 2.0;
        let found = follow(frame, pred, max_shift, 0.92 * tr.ref_r, 1.08 * tr.ref_r, self.opts.work_radius_px, false)?;
        // A fast bar blurs the plate's edges across its motion: judge it by the edges along it.
        let blurred = speed > MOTION_BLUR_SHIFT * tr.e.r;
        // (candidate, its rim quality, the quality it is judged by)
        let seen = found
            .map(|c| {
                let q = c.support.quality();
                let judged = match blurred {
                    true => q.max(c.support.quality_along_motion(tr.vx, tr.vy)),
                    false => q,
                };
                (c, q, judged)
            })
            .filter(|(_, _, judged)| *judged >= self.opts.min_follow_quality);
        let mut quality = None;
        match seen {
            Some((c, rim_quality, judged)) => {
                if dt > 0.0 {
                    let (vx, vy) = ((c.ellipse.cx - tr.e.cx) / dt, (c.ellipse.cy - tr.e.cy) / dt);
                    tr.vx = 0.6 * vx + 0.4 * tr.vx;
                    tr.vy = 0.6 * vy + 0.4 * tr.vy;
                }
                tr.e = c.ellipse;
                tr.misses = 0;
                quality = Some(judged);
                tr.seen_frames += 1;
                tr.seen_quality_sum += rim_quality;
            }
            None => {
                tr.e = pred;
                tr.vx *= 0.5;
                tr.vy *= 0.5;
                tr.misses += 1;
            }
        }
        tr.t_s = t_s;
        tr.since_verify += 1;
        tr.since_rim_probe += 1;
        if let (Some(w), Some(_)) = (wrists, quality) {
            let off = [(tr.e.cx - w[0]) / tr.e.r, (tr.e.cy - w[1]) / tr.e.r];
            match tr.hand_offset {
                None => tr.hand_offset = Some(off),
                Some(h) => {
                    if (off[0] - h[0]).abs() > MAX_HAND_OFFSET_CHANGE || (off[1] - h[1]).abs() > MAX_HAND_OFFSET_CHANGE
                    {
                        tr.hand_misses += 1;
                    } else {
                        tr.hand_misses = 0;
                        tr.hand_offset = Some([0.9 * h[0] + 0.1 * off[0], 0.9 * h[1] + 0.1 * off[1]]);
                    }
                }
            }
            if tr.hand_misses > MAX_HAND_MISSES {
                // The hands went elsewhere: this is not the lifter's plate (or we slid off it).
                self.stats.hand_losses += 1;
                return Ok(None);
            }
        }
        if quality.is_some() && tr.since_rim_probe >= RIM_PROBE_EVERY_FRAMES {
            self.probe_rim(frame, &mut tr)?;
        }
        let body_now = self.body.estimate_px();
        // The lifter's size early in a clip comes from a crouched setup, often with the knees
        // out towards the camera: it may be a third short, so the first plate was chosen with
        // too small a size in mind. Look again as soon as the estimate has grown.
        let body_grew = body_now.is_some_and(|now| now > BODY_GROWTH_RECHECK * tr.body_px_at_check);
        if tr.since_verify >= self.opts.verify_every_frames || body_grew {
            if let (Some(w), Some(body)) = (wrists, body_now) {
                tr.since_verify = 0;
                tr.body_px_at_check = body;
                // Look again around the hands, scoring the tracked circle in the same patch:
                // switch when something clearly more plate-like is there (the start may have
                // caught the far plate, or a round shape on the lifter).
                // The view does not change within a clip: only the tracked plate's aspect.
                let rim = tr.rim();
                // The followed circle's aspect, and a side view's circle when that is far from
                // round: what is followed may not be the plate (a knee fits a narrow ellipse),
                // and then its shape says nothing about the view.
                let round = if (rim.aspect - 1.0).abs() > 0.1 { 1.0 } else { rim.aspect };
                let (cands, r_e) = self.detect_near_hands(frame, w, body, &[tr.e, rim], [rim.aspect, round])?;
                let ours = |c: &Candidate| same_circle(&c.ellipse, &tr.e) || same_circle(&c.ellipse, &rim);
                let current =
                    cands.iter().filter(|c| ours(c)).map(|c| selection_score(c, w, r_e)).fold(0.0f32, f32::max);
                let chosen = choose_near_plate(&cands, w, r_e, self.opts.min_detect_quality);
                if let Some(best) = chosen {
                    let (b, e) = (&best.ellipse, &tr.e);
                    // A circle sharing our centre is a ring of the same plate (the rim is probed
                    // for separately): never a reason to move.
                    let concentric = (b.cx - e.cx).hypot(b.cy - e.cy) < 0.15 * b.r.max(e.r);
                    // A plate followed well for a while is the plate: its size is known, and
                    // something much smaller is a knee, a hand or a ring, not a better plate.
                    let shrinks = tr.is_established() && best.ellipse.r < MIN_SWITCH_RADIUS_RATIO * rim.r;
                    let switch = !ours(&best)
                        && !concentric
                        && !shrinks
                        && selection_score(&best, w, r_e) > SWITCH_MARGIN * current;
                    if switch {
                        self.stats.switches += 1;
                        let best = self.calibrate(frame, best)?;
                        tr = Track::new(best.ellipse, t_s, body);
                        self.probe_rim(frame, &mut tr)?;
                        quality = Some(best.support.quality());
                    }
                }
            }
        }
        let out = quality.map(|q| (tr.rim(), q));
        if tr.misses <= self.opts.max_coast_frames {
            self.track = Some(tr);
        }
        Ok(out)
    }

    /// Looks for the plate's rim around the followed circle and notes its ratio.
    fn probe_rim(&mut self, frame: &Mat, tr: &mut Track) -> Result<()> {
        tr.since_rim_probe = 0;
        let Some(body) = self.body.estimate_px() else {
            return Ok(());
        };
        let max_r = MAX_PLATE_RADIUS_PER_BODY_LENGTH * body;
        if let Some(rim) = outer_rim(frame, tr.e, max_r, self.opts.work_radius_px, MIN_RIM_QUALITY)? {
            self.stats.rim_probes_found += 1;
            tr.push_rim_ratio(rim.ellipse.r / tr.e.r);
            tr.rim_aspect = Some(rim.ellipse.aspect);
        }
        Ok(())
    }

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
        let mut tr = Track::new(best.ellipse, t_s, body);
        self.probe_rim(frame, &mut tr)?;
        let out = (tr.rim(), best.support.quality());
        self.track = Some(tr);
        Ok(Some(out))
    }
}

/// Thumbnail size for noticing cuts: coarse enough that motion blurs away.
const THUMB_W: usize = 32;
const THUMB_H: usize = 18;

/// A cut between shots: most of the picture changes at once. The share of lit thumbnail cells
/// (black letterbox bars do not count) whose brightest channel moved by more than 20 grey levels;
/// a lifter, even a big plate close to the camera, changes at most ~30 % of them, a cut ~50 %.
pub fn is_cut(last: &[u8], now: &[u8], channels: usize) -> bool {
    if last.len() != now.len() || channels == 0 {
        return false;
    }
    let (mut lit, mut changed) = (0usize, 0usize);
    for (a, b) in last.chunks(channels).zip(now.chunks(channels)) {
        let bright = a.iter().chain(b).any(|&v| v > 16);
        if !bright {
            continue;
        }
        lit += 1;
        let moved = a.iter().zip(b).map(|(&x, &y)| x.abs_diff(y)).max().unwrap_or(0);
        if moved > 20 {
            changed += 1;
        }
    }
    lit > 0 && changed as f32 > 0.4 * lit as f32
}

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

/// Largest change, in plate radii, of the plate centre's offset from the wrists before it counts
/// as the hands disagreeing (the pose's wrists are noisy when a plate hides them).
const MAX_HAND_OFFSET_CHANGE: f32 = 1.0;
/// Frames in a row the hands may disagree before the track is dropped.
const MAX_HAND_MISSES: u32 = 6;

/// A track is verified early when the lifter's body-length estimate has grown by this factor
/// since the track was chosen or last verified.
const BODY_GROWTH_RECHECK: f32 = 1.15;
/// A plate moving more than this share of its radius per frame is judged by the edges along
/// its motion (see [`Support::quality_along_motion`]).
const MOTION_BLUR_SHIFT: f32 = 0.08;
/// Frames seen, and their mean quality, that make a track established.
const ESTABLISHED_FRAMES: u32 = 30;
const ESTABLISHED_MEAN_QUALITY: f32 = 0.45;
/// An established track does not move to a circle smaller than this share of its rim.
const MIN_SWITCH_RADIUS_RATIO: f32 = 0.75;
/// A candidate must beat the tracked circle's score by this factor to replace it.
const SWITCH_MARGIN: f32 = 1.3;
/// The rim is looked for around the followed circle every this many frames.
const RIM_PROBE_EVERY_FRAMES: u32 = 10;
/// Rim : followed-circle ratios kept for their median.
const RIM_RATIOS_KEPT: usize = 5;
/// A rim needs this share of its outline on clear arcs.
const MIN_RIM_QUALITY: f32 = 0.4;

impl Track {
    fn new(e: Ellipse, t_s: f64, body_px: f32) -> Track {
        Track {
            e,
            vx: 0.0,
            vy: 0.0,
            t_s,
            misses: 0,
            since_verify: 0,
            ref_r: e.r,
            hand_offset: None,
            hand_misses: 0,
            rim_ratio: 1.0,
            rim_ratios: Vec::new(),
            rim_aspect: None,
            since_rim_probe: 0,
            body_px_at_check: body_px,
            seen_frames: 0,
            seen_quality_sum: 0.0,
        }
    }

    /// The plate as reported: the followed circle's centre with the rim's radius and shape.
    fn rim(&self) -> Ellipse {
        Ellipse { r: self.e.r * self.rim_ratio, aspect: self.rim_aspect.unwrap_or(self.e.aspect), ..self.e }
    }

    /// Followed for a second or more with a fair edge and the hands agreeing (a track that leaves
    /// the hands is dropped).
    fn is_established(&self) -> bool {
        self.seen_frames >= ESTABLISHED_FRAMES
            && self.seen_quality_sum >= ESTABLISHED_MEAN_QUALITY * self.seen_frames as f32
    }

    fn push_rim_ratio(&mut self, ratio: f32) {
        if self.rim_ratios.len() == RIM_RATIOS_KEPT {
            self.rim_ratios.remove(0);
        }
        self.rim_ratios.push(ratio);
        let mut sorted = self.rim_ratios.clone();
        sorted.sort_by(f32::total_cmp);
        self.rim_ratio = sorted[sorted.len() / 2];
    }
}

/// Two ellipses that are the same plate outline (centre within 20 % of the radius, radius within 12 %).
fn same_circle(a: &Ellipse, b: &Ellipse) -> bool {
    (a.cx - b.cx).hypot(a.cy - b.cy) < 0.2 * a.r.max(b.r) && (a.r / b.r - 1.0).abs() < 0.12
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
const RING_QUALITY_CREDIT: f32 = 0.1;

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

    /// A 4×1 BGR thumbnail from four grey levels.
    fn thumb(levels: [u8; 4]) -> Vec<u8> {
        levels.iter().flat_map(|&v| [v, v, v]).collect()
    }

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

    #[test]
    fn a_cut_is_most_lit_cells_changing() {
        // Black bars (0) never count; of the three lit cells two change a lot: a cut.
        assert!(is_cut(&thumb([0, 100, 100, 100]), &thumb([0, 30, 180, 101]), 3));
        // One of three lit cells changes (a lifter moving): not a cut.
        assert!(!is_cut(&thumb([0, 100, 100, 100]), &thumb([0, 30, 110, 101]), 3));
        // Small changes everywhere (exposure, noise): not a cut.
        assert!(!is_cut(&thumb([90, 100, 100, 100]), &thumb([105, 115, 85, 112]), 3));
        // Nothing lit, or thumbnails of different sizes: nothing to say.
        assert!(!is_cut(&thumb([0, 0, 0, 0]), &thumb([0, 0, 0, 0]), 3));
        assert!(!is_cut(&thumb([0, 0, 0, 0]), &[0, 0, 0], 3));
    }
}
