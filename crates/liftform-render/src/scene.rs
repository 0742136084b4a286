//! What the overlay shows at each frame, worked out once before the video is read again: the
//! skeleton (the recording's landmarks), the bar (the analysis track: plate centre, else the
//! wrists' midpoint), the mid-foot line, the hip/knee/back angles (the analysis signals), the rep
//! and phase (the report's times) and the findings whose banner is up (the report's frames).
//!
//! This is the adapter between the analysis half and the drawing: it reads the track and signals
//! of the one [`Analysis`] the report came from (nothing is recomputed), so the numbers on screen
//! are the numbers the rules judged.

use liftform_core::analysis::Analysis;
use liftform_core::kinematics::Signals;
use liftform_core::recording::{FrameRecord, Recording};
use liftform_core::report::{Finding, Report};
use liftform_core::reps::PhaseKind;
use liftform_core::signal;
use liftform_core::track::{BarOrigin, Facing, Joint, Side, Track};

/// A banner stays up at least this long so a one-frame finding can still be read.
pub const MIN_BANNER_S: f64 = 0.7;
/// The bar trail shows this much of the past.
pub const TRAIL_S: f64 = 2.0;

/// One finding as shown in the video: `first..=last` frames carry its banner.
#[derive(Debug, Clone, PartialEq)]
pub struct BannerSpan {
    /// Index into `Report::findings`.
    pub finding: usize,
    pub first: u64,
    pub last: u64,
}

/// The frames (inclusive) during which a finding's banner is shown: the finding's own frames,
/// lengthened to at least [`MIN_BANNER_S`].
pub fn banner_frames(f: &Finding, fps: f64) -> (u64, u64) {
    let fps = if fps.is_finite() && fps > 0.0 { fps } else { 30.0 };
    let first = f.frame_start.min(f.frame_end);
    let last = f.frame_end.max(f.frame_start);
    let min_frames = (MIN_BANNER_S * fps).round().max(1.0) as u64;
    (first, last.max(first + min_frames - 1))
}

/// Per-frame quantities the overlay draws.
pub struct Scene<'a> {
    pub recording: &'a Recording,
    pub report: &'a Report,
    pub width: u32,
    pub height: u32,
    pub fps: f64,
    pub near_side: Side,
    pub facing: Facing,
    /// Recording frame index `i` → position in `recording.frames`.
    record_at: Vec<Option<usize>>,
    /// Recording frame index `i` → sample in the track/signals.
    sample_at: Vec<Option<usize>>,
    pub track: &'a Track,
    pub signals: &'a Signals,
    /// Mid-foot (heel–toe midpoint, near side; the median over the clip) in image px.
    pub midfoot_px: Option<[f64; 2]>,
    pub banners: Vec<BannerSpan>,
    /// Per sample: rep number and phase (from the report's times).
    pub rep_phase: Vec<Option<(usize, Option<PhaseKind>)>>,
}

impl<'a> Scene<'a> {
    pub fn new(recording: &'a Recording, analysis: &'a Analysis) -> Scene<'a> {
        let (track, signals, report) = (&analysis.track, &analysis.signals, &analysis.report);
        let max_i = recording.frames.iter().map(|f| f.i).max().map_or(0, |m| m as usize + 1);
        let max_i = max_i.min(50_000_000); // a corrupt index cannot make us allocate the world
        let mut record_at = vec![None; max_i];
        for (pos, f) in recording.frames.iter().enumerate() {
            if let Some(slot) = record_at.get_mut(f.i as usize) {
                slot.get_or_insert(pos);
            }
        }
        let mut sample_at = vec![None; max_i];
        for (k, i) in track.frame.iter().enumerate() {
            if let Some(slot) = sample_at.get_mut(*i as usize) {
                *slot = Some(k);
            }
        }
        let fps = if recording.header.source.fps.is_finite() && recording.header.source.fps > 0.0 {
            recording.header.source.fps
        } else {
            30.0
        };
        let mut banners: Vec<BannerSpan> = report
            .findings
            .iter()
            .enumerate()
            .map(|(n, f)| {
                let (first, last) = banner_frames(f, fps);
                BannerSpan { finding: n, first, last }
            })
            .collect();
        // The worst first, then by time: when several are up, the worst is at the top.
        banners.sort_by(|a, b| {
            let (fa, fb) = (&report.findings[a.finding], &report.findings[b.finding]);
            fa.severity.cmp(&fb.severity).then(a.first.cmp(&b.first))
        });
        let rep_phase = signals.t_s.iter().map(|t| rep_phase_at(report, *t)).collect();
        let midfoot_px = midfoot_px(track);
        Scene {
            recording,
            report,
            width: recording.header.source.width,
            height: recording.header.source.height,
            fps,
            near_side: track.near_side,
            facing: track.facing,
            record_at,
            sample_at,
            track,
            signals,
            midfoot_px,
            banners,
            rep_phase,
        }
    }

    /// The recorded frame `i`, if any.
    pub fn record(&self, i: u64) -> Option<&'a FrameRecord> {
        let pos = (*self.record_at.get(i as usize)?)?;
        self.recording.frames.get(pos)
    }

    /// The track/signals sample of frame `i`, if any.
    pub fn sample(&self, i: u64) -> Option<usize> {
        *self.sample_at.get(i as usize)?
    }

    /// The findings (indices into the report) whose banner is up at frame `i`, worst first.
    pub fn active_findings(&self, i: u64) -> Vec<usize> {
        self.banners.iter().filter(|b| b.first <= i && i <= b.last).map(|b| b.finding).collect()
    }

    /// The smoothed bar position at sample `k` (plate centre, else the wrists' midpoint).
    pub fn bar_px(&self, k: usize) -> Option<[f64; 2]> {
        self.track.bar.known(k).then(|| self.track.bar.at(k))
    }

    /// The plate radius at frame `i` when the recording has a plate there.
    pub fn plate_radius_px(&self, i: u64) -> Option<f64> {
        let bar = self.record(i)?.bar.as_ref()?;
        let r = bar.r_px? as f64;
        (r.is_finite() && r > 1.0).then_some(r)
    }

    pub fn bar_origin(&self) -> BarOrigin {
        self.track.bar_origin
    }

    /// Hip angle (shoulder–hip–knee, 180 = straight) at sample `k`.
    pub fn hip_deg(&self, k: usize) -> f64 {
        self.signals.hip_angle_deg.get(k).copied().unwrap_or(f64::NAN)
    }

    /// Knee angle (hip–knee–ankle, 180 = straight) at sample `k`.
    pub fn knee_deg(&self, k: usize) -> f64 {
        self.signals.knee_angle_deg.get(k).copied().unwrap_or(f64::NAN)
    }

    /// Back angle: the hip→shoulder line above horizontal (90 = upright, 0 = flat), as coaches
    /// read it from the side.
    pub fn back_deg(&self, k: usize) -> f64 {
        back_angle_deg(self.signals.trunk_from_vertical_deg.get(k).copied().unwrap_or(f64::NAN))
    }

    /// Frame index nearest to time `t_s` (the recording's clock).
    pub fn frame_at_time(&self, t_s: f64) -> u64 {
        let t = &self.signals.t_s;
        if t.is_empty() || !t_s.is_finite() {
            return (t_s.max(0.0) * self.fps).round() as u64;
        }
        let k = t.partition_point(|v| *v < t_s);
        let k = if k == 0 {
            0
        } else if k >= t.len() {
            t.len() - 1
        } else if (t[k] - t_s).abs() < (t_s - t[k - 1]).abs() {
            k
        } else {
            k - 1
        };
        self.signals.frame[k]
    }
}

/// Trunk angle from vertical → angle above horizontal.
pub fn back_angle_deg(trunk_from_vertical_deg: f64) -> f64 {
    90.0 - trunk_from_vertical_deg
}

fn rep_phase_at(report: &Report, t: f64) -> Option<(usize, Option<PhaseKind>)> {
    const EPS: f64 = 1e-3;
    let rep = report.reps.iter().find(|r| r.start_s - EPS <= t && t <= r.end_s + EPS)?;
    // Phases share their boundary frame: the later phase wins.
    let phase = rep.phases.iter().rev().find(|p| p.start_s - EPS <= t && t <= p.end_s + EPS).map(|p| p.kind);
    Some((rep.index, phase))
}

fn midfoot_px(track: &Track) -> Option<[f64; 2]> {
    let heel = track.near(Joint::Heel);
    let toe = track.near(Joint::Toe);
    let ankle = track.near(Joint::Ankle);
    let n = track.len();
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for k in 0..n {
        if heel.known(k) && toe.known(k) {
            let (h, t) = (heel.at(k), toe.at(k));
            xs.push((h[0] + t[0]) / 2.0);
            ys.push((h[1] + t[1]) / 2.0);
        }
    }
    if xs.len() * 3 >= track.trusted.iter().filter(|b| **b).count().max(1) {
        let p = [signal::median(&xs), signal::median(&ys)];
        return (p[0].is_finite() && p[1].is_finite()).then_some(p);
    }
    // Feet not seen: a typical foot's mid-foot sits ~6 % of the body scale ahead of the ankle.
    let ax: Vec<f64> = (0..n).filter(|&k| ankle.known(k)).map(|k| ankle.at(k)[0]).collect();
    let ay: Vec<f64> = (0..n).filter(|&k| ankle.known(k)).map(|k| ankle.at(k)[1]).collect();
    let b = if track.body_scale_px.is_finite() { track.body_scale_px } else { 0.0 };
    let p = [signal::median(&ax) + 0.06 * b * track.facing.sign(), signal::median(&ay) + 0.04 * b];
    (p[0].is_finite() && p[1].is_finite()).then_some(p)
}
