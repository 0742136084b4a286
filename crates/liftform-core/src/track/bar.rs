//! Where the bar is: the recorded plate when its track is trustworthy (one steady radius that
//! agrees with the lifter's size), brought into the lifter's midline plane; otherwise the wrists.

// NaN-safe comparisons are written `!(x > y)` on purpose: they are true when x is NaN.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use super::raw::distance_px;
use super::smooth::Smoother;
use super::{BarOrigin, PointTrack};
use crate::bar::scale::{estimate_scale, BodyFrame, ScaleEstimate, ScaleInput, ScaleSource};
use crate::recording::{BarSource, FrameRecord, Recording, DEFAULT_PLATE_DIAMETER_MM};
use crate::signal;

/// The bar as the track keeps it.
pub(super) struct ChosenBar {
    pub track: PointTrack,
    pub origin: BarOrigin,
    /// Median plate radius in px when the bar comes from the plate, else NaN.
    pub plate_radius_px: f64,
    pub plate_cm_per_px_body_plane: Option<f64>,
    pub plate_diameter_mm: f64,
    /// The bar's horizontal place comes from the plate alone, not anchored to the hands: seen
    /// at an angle it may sit to one side of the bar's middle.
    pub x_from_plate_alone: bool,
    /// Per frame: the plate was missed here and the hands placed the bar.
    pub from_hands: Vec<bool>,
}

/// The lifter's wrists as tracked (the bar's stand-in, and the plate's sideways reference).
pub(super) struct BodyWrists<'a> {
    pub near: &'a PointTrack,
    pub far: &'a PointTrack,
}

/// The bar: plate samples where there are enough and their scale is trusted, else the wrists.
#[allow(clippy::too_many_arguments)]
pub(super) fn choose_bar(
    rec: &Recording,
    frames: &[&FrameRecord],
    wrists: BodyWrists,
    body_scale_px: f64,
    pose_present: &[bool],
    smoother: &Smoother,
    min_bar_confidence: f64,
    warnings: &mut Vec<String>,
) -> ChosenBar {
    let n = frames.len();
    let plate_diameter_mm = match rec.header.plate_diameter_mm {
        Some(d) if d.is_finite() && d > 100.0 && d < 1000.0 => d,
        _ => DEFAULT_PLATE_DIAMETER_MM,
    };
    let RecordedBar { plate_x, plate_y, plate_r, wrist_bar_x, wrist_bar_y } =
        RecordedBar::from_frames(frames, min_bar_confidence);
    let trusted_pose = pose_present.iter().filter(|b| **b).count().max(1);
    let plate_count = plate_x.iter().filter(|v| v.is_finite()).count();
    // The plate stands for the bar only when its track is trustworthy: one steady radius that
    // agrees with the lifter's size. A track that locked on to a painted ring, a hub or a knee
    // fails that check, and the wrists are the better guess.
    let mut plate_cm_per_px_body_plane = None;
    let mut body_plane_factor = 1.0;
    if plate_count * 2 >= trusted_pose && plate_count >= 3 {
        let scale = plate_scale(rec);
        plate_cm_per_px_body_plane = scale.cm_per_px_body_plane.filter(|_| scale.source == ScaleSource::Plate);
        body_plane_factor = scale.body_plane_factor.filter(|f| f.is_finite() && *f >= 1.0).unwrap_or(1.0);
        warnings.extend(scale.notes.iter().map(|n| format!("plate scale: {n}")));
        if plate_cm_per_px_body_plane.is_none() {
            warnings.push("the tracked plate was not trusted, so the bar is taken from the wrists".to_string());
        }
    }
    // Both wrists count as one grip only when they are close together on screen.
    let grip_px = 0.15 * body_scale_px;
    if plate_cm_per_px_body_plane.is_some() {
        let principal = [rec.header.source.width as f64 / 2.0, rec.header.source.height as f64 / 2.0];
        let wrists_mid: Vec<[f64; 2]> = (0..n)
            .map(|k| {
                let (a, b) = (wrists.near.raw(k), wrists.far.raw(k));
                let both = a[0].is_finite() && b[0].is_finite() && distance_px(a, b) < grip_px;
                if both {
                    [(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0]
                } else {
                    [f64::NAN; 2]
                }
            })
            .collect();
        let (mut xs, mut ys, note) = plate_to_midline(&plate_x, &plate_y, &wrists_mid, principal, body_plane_factor);
        let x_from_plate_alone = note.is_some();
        warnings.extend(note);
        let (hx, hy) = hands_bar_px(&wrist_bar_x, &wrist_bar_y, &wrists, grip_px);
        let from_hands = fill_from_hands(&mut xs, &mut ys, &hx, &hy);
        let filled = from_hands.iter().filter(|b| **b).count();
        if filled > 0 {
            warnings.push(format!("the plate was missed in {filled} frame(s); there the bar is placed from the hands, shifted by their median offset to the plate"));
        }
        return ChosenBar {
            track: smoother.point(xs, ys, vec![f64::NAN; n]),
            origin: BarOrigin::Plate,
            plate_radius_px: signal::median(&plate_r),
            plate_cm_per_px_body_plane,
            plate_diameter_mm,
            x_from_plate_alone,
            from_hands,
        };
    }
    let (xs, ys) = hands_bar_px(&wrist_bar_x, &wrist_bar_y, &wrists, grip_px);
    let any = xs.iter().any(|v| v.is_finite());
    let from_hands = xs.iter().map(|x| x.is_finite()).collect();
    ChosenBar {
        track: smoother.point(xs, ys, vec![f64::NAN; n]),
        origin: if any { BarOrigin::Wrists } else { BarOrigin::None },
        plate_radius_px: f64::NAN,
        plate_cm_per_px_body_plane,
        plate_diameter_mm,
        x_from_plate_alone: false,
        from_hands,
    }
}

/// The bar as the hands place it, per frame (px): the pose pass's own stand-in where it wrote
/// one, else the wrists' midpoint when both are seen close together, else the near wrist.
fn hands_bar_px(wrist_bar_x: &[f64], wrist_bar_y: &[f64], wrists: &BodyWrists, grip_px: f64) -> (Vec<f64>, Vec<f64>) {
    let (nw, fw) = (wrists.near, wrists.far);
    let n = wrist_bar_x.len();
    let mut xs = vec![f64::NAN; n];
    let mut ys = vec![f64::NAN; n];
    for k in 0..n {
        if wrist_bar_x[k].is_finite() {
            xs[k] = wrist_bar_x[k];
            ys[k] = wrist_bar_y[k];
            continue;
        }
        let (a, b) = ([nw.raw_x_px[k], nw.raw_y_px[k]], [fw.raw_x_px[k], fw.raw_y_px[k]]);
        let both = a[0].is_finite() && b[0].is_finite() && distance_px(a, b) < grip_px;
        if both {
            xs[k] = (a[0] + b[0]) / 2.0;
            ys[k] = (a[1] + b[1]) / 2.0;
        } else if a[0].is_finite() {
            xs[k] = a[0];
            ys[k] = a[1];
        }
    }
    (xs, ys)
}

/// Fills the frames where the plate was missed from the hands, shifted by their median offset to
/// the plate over the frames that saw both: with straight arms the hands hang a fixed distance
/// above the bar they grip, so the shift holds through the lift. Without it a plate missed at the
/// floor (behind the near plate's own shadow, a rendered floor) hid the reps' bottoms, and a track
/// that mixed plate and hands unshifted jumped by the hands' height above the bar. Returns, per
/// frame, whether it was filled.
fn fill_from_hands(xs: &mut [f64], ys: &mut [f64], hands_x: &[f64], hands_y: &[f64]) -> Vec<bool> {
    // The shift needs this many frames that saw both.
    const MIN_SHARED_FRAMES: usize = 10;
    let both: Vec<usize> =
        (0..xs.len()).filter(|&k| xs[k].is_finite() && ys[k].is_finite() && hands_x[k].is_finite()).collect();
    let mut filled = vec![false; xs.len()];
    if both.len() < MIN_SHARED_FRAMES {
        return filled;
    }
    let dx = signal::median(&both.iter().map(|&k| xs[k] - hands_x[k]).collect::<Vec<_>>());
    let dy = signal::median(&both.iter().map(|&k| ys[k] - hands_y[k]).collect::<Vec<_>>());
    for k in 0..xs.len() {
        if !(xs[k].is_finite() && ys[k].is_finite()) && hands_x[k].is_finite() && hands_y[k].is_finite() {
            xs[k] = hands_x[k] + dx;
            ys[k] = hands_y[k] + dy;
            filled[k] = true;
        }
    }
    filled
}

/// The near plate's centre brought into the lifter's midline plane, where the body points are.
///
/// The plate is nearer the camera than the lifter (by the bar's half length), so it moves more
/// pixels than the bar's middle, and seen at an angle its centre also sits to one side of it (at
/// 15° off the side, ~18 cm behind the lifter's midline in the image). Two steps: positions are
/// scaled toward the image centre by the depth ratio `body_plane_factor` (what a pinhole camera
/// does with a level bar), then moved sideways by the median offset to the wrists' midpoint,
/// which hangs over the bar's middle (the hands grip it either side of the midline). Without
/// frames that show both wrists the sideways step is skipped, and a note says so.
fn plate_to_midline(
    plate_x: &[f64],
    plate_y: &[f64],
    wrists_mid: &[[f64; 2]],
    principal: [f64; 2],
    body_plane_factor: f64,
) -> (Vec<f64>, Vec<f64>, Option<String>) {
    // The sideways step needs this many frames with the plate and both wrists.
    const MIN_WRIST_FRAMES: usize = 10;
    let f = body_plane_factor.max(1.0);
    let xs: Vec<f64> = plate_x.iter().map(|x| principal[0] + (x - principal[0]) / f).collect();
    let ys: Vec<f64> = plate_y.iter().map(|y| principal[1] + (y - principal[1]) / f).collect();
    let offsets: Vec<f64> = xs.iter().zip(wrists_mid).map(|(x, w)| w[0] - x).filter(|d| d.is_finite()).collect();
    if offsets.len() < MIN_WRIST_FRAMES {
        let note = "the bar's middle is placed from the plate alone (the wrists are rarely both seen): in a view at an angle to the side its horizontal position, and DL001's offset, may be off";
        return (xs, ys, Some(note.to_string()));
    }
    let dx = signal::median(&offsets);
    (xs.iter().map(|x| x + dx).collect(), ys, None)
}

/// The bar as the recording gives it, per frame (NaN where absent or below the confidence floor):
/// the plate's centre and radius, and the wrists' stand-in where the pose pass wrote that instead.
struct RecordedBar {
    plate_x: Vec<f64>,
    plate_y: Vec<f64>,
    plate_r: Vec<f64>,
    wrist_bar_x: Vec<f64>,
    wrist_bar_y: Vec<f64>,
}

impl RecordedBar {
    fn from_frames(frames: &[&FrameRecord], min_bar_confidence: f64) -> RecordedBar {
        let n = frames.len();
        let mut plate_x = vec![f64::NAN; n];
        let mut plate_y = vec![f64::NAN; n];
        let mut plate_r = vec![f64::NAN; n];
        let mut wrist_bar_x = vec![f64::NAN; n];
        let mut wrist_bar_y = vec![f64::NAN; n];
        for (k, f) in frames.iter().enumerate() {
            if let Some(b) = &f.bar {
                let ok = b.x_px.is_finite() && b.y_px.is_finite() && !(b.confidence < min_bar_confidence as f32);
                if ok {
                    match b.source {
                        BarSource::Plate => {
                            plate_x[k] = b.x_px as f64;
                            plate_y[k] = b.y_px as f64;
                            plate_r[k] =
                                b.r_px.map(|r| r as f64).filter(|r| r.is_finite() && *r > 0.0).unwrap_or(f64::NAN);
                        }
                        BarSource::Wrists => {
                            wrist_bar_x[k] = b.x_px as f64;
                            wrist_bar_y[k] = b.y_px as f64;
                        }
                    }
                }
            }
        }
        RecordedBar { plate_x, plate_y, plate_r, wrist_bar_x, wrist_bar_y }
    }
}

/// The plate's scale over the whole clip (`bar::scale`): one reference radius, checked against
/// the lifter's size; `source` stays `none` with the reasons in `notes` when it is not trustworthy.
fn plate_scale(rec: &Recording) -> ScaleEstimate {
    let plate_radii_px = rec
        .frames
        .iter()
        .filter_map(|f| {
            let bar = f.bar.as_ref().filter(|b| b.source == BarSource::Plate)?;
            Some((f.t_s, bar.r_px? as f64, bar.confidence as f64))
        })
        .collect();
    let body =
        rec.frames.iter().filter_map(|f| BodyFrame::from_landmarks(f.t_s, &f.pose.as_ref()?.landmarks)).collect();
    estimate_scale(&ScaleInput {
        plate_radii_px,
        body,
        plate_diameter_mm: rec.header.plate_diameter_mm.unwrap_or(DEFAULT_PLATE_DIAMETER_MM),
        lifter_height_cm: None,
        frame_width_px: rec.header.source.width as f64,
        frame_height_px: rec.header.source.height as f64,
    })
}
