//! Bar metrics per rep and per set (pure): bar path in cm, setup offset from mid-foot, horizontal
//! drift during the pull and the lowering, vertical range of motion, concentric and eccentric
//! durations, mean and peak concentric velocity (as velocity-based-training apps report them) and
//! the set's velocity loss.
//!
//! Inputs are plain slices: bar samples `(t_s, x_px, y_px)` in image px (y down) of one source
//! (the tracked plate, or else the wrists), a scale in cm per px, the lifter's facing direction in
//! the image and rep spans `(start_s, end_s)` from the rep segmentation. Everything returned
//! carries its unit in its name. Heights are positive up, horizontal positions positive toward
//! the lifter's toes (the direction the lifter faces).
//!
//! Phase boundaries come from the bar's own vertical velocity: the concentric phase is the run of
//! upward velocity above [`MIN_PHASE_VELOCITY_M_S`] around the rep's fastest upward moment, the
//! eccentric phase the same downward after the top. Mean concentric velocity is the concentric
//! displacement over its duration (the VBT definition), peak concentric velocity the highest
//! smoothed upward velocity.

use serde::{Deserialize, Serialize};

/// Velocity (m/s) that separates moving from still when finding phase boundaries.
pub const MIN_PHASE_VELOCITY_M_S: f64 = 0.05;
/// Half-width (s) of the local linear fit that gives the velocity: ±2 frames at 30 fps.
pub const VELOCITY_HALF_WINDOW_S: f64 = 0.07;
/// How long before liftoff counts as the setup, s.
pub const SETUP_WINDOW_S: f64 = 0.3;
/// A rep needs at least this vertical range to have phases, cm.
pub const MIN_REP_ROM_CM: f64 = 5.0;

/// One bar sample in image px (y down), time in s.
pub type BarPointPx = (f64, f64, f64);

/// The bar path in cm: `x_cm` toward the toes, `y_cm` up, both from the first sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BarPathCm {
    pub t_s: Vec<f64>,
    pub x_cm: Vec<f64>,
    pub y_cm: Vec<f64>,
}

/// Converts px samples to cm: `forward_sign` is +1 when the lifter faces +x (right) in the image,
/// −1 when facing left. Samples out of time order or not finite are dropped.
pub fn bar_path_cm(points: &[BarPointPx], cm_per_px: f64, forward_sign: f64) -> BarPathCm {
    let mut out = BarPathCm {
        t_s: Vec::new(),
        x_cm: Vec::new(),
        y_cm: Vec::new(),
    };
    let Some(&(_, x0, y0)) = points
        .iter()
        .find(|p| p.0.is_finite() && p.1.is_finite() && p.2.is_finite())
    else {
        return out;
    };
    let sign = if forward_sign < 0.0 { -1.0 } else { 1.0 };
    let mut last_t = f64::NEG_INFINITY;
    for &(t, x, y) in points {
        if !(t.is_finite() && x.is_finite() && y.is_finite()) || t <= last_t {
            continue;
        }
        last_t = t;
        out.t_s.push(t);
        out.x_cm.push(sign * (x - x0) * cm_per_px);
        out.y_cm.push(-(y - y0) * cm_per_px);
    }
    out
}

/// Velocity (cm/s) at each sample: the slope of a least-squares line through the samples within
/// ±`half_window_s` (at least the two neighbours).
pub fn velocity_cm_s(t_s: &[f64], v_cm: &[f64], half_window_s: f64) -> Vec<f64> {
    let n = t_s.len().min(v_cm.len());
    let mut out = vec![0.0; n];
    for i in 0..n {
        let (mut lo, mut hi) = (i, i);
        while lo > 0 && t_s[i] - t_s[lo - 1] <= half_window_s + 1e-9 {
            lo -= 1;
        }
        while hi + 1 < n && t_s[hi + 1] - t_s[i] <= half_window_s + 1e-9 {
            hi += 1;
        }
        if lo == hi {
            lo = i.saturating_sub(1);
            hi = (i + 1).min(n.saturating_sub(1));
        }
        let m = (hi - lo + 1) as f64;
        if m < 2.0 {
            continue;
        }
        let tm = t_s[lo..=hi].iter().sum::<f64>() / m;
        let vm = v_cm[lo..=hi].iter().sum::<f64>() / m;
        let (mut num, mut den) = (0.0, 0.0);
        for k in lo..=hi {
            num += (t_s[k] - tm) * (v_cm[k] - vm);
            den += (t_s[k] - tm).powi(2);
        }
        out[i] = if den > 0.0 { num / den } else { 0.0 };
    }
    out
}

/// Bar numbers for one rep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepBarMetrics {
    pub start_s: f64,
    pub end_s: f64,
    /// Liftoff (start of the concentric phase) and lockout (its end), s.
    pub concentric_start_s: Option<f64>,
    pub concentric_end_s: Option<f64>,
    pub eccentric_start_s: Option<f64>,
    pub eccentric_end_s: Option<f64>,
    pub concentric_duration_s: Option<f64>,
    pub eccentric_duration_s: Option<f64>,
    /// Highest minus lowest bar height in the rep, cm.
    pub vertical_rom_cm: f64,
    /// Concentric displacement over its duration, m/s.
    pub mean_concentric_velocity_m_s: Option<f64>,
    pub peak_concentric_velocity_m_s: Option<f64>,
    /// Bar (its midline) minus mid-foot at setup (the last [`SETUP_WINDOW_S`] before liftoff),
    /// positive = bar toward the toes, cm. `None` without a mid-foot.
    pub setup_offset_from_midfoot_cm: Option<f64>,
    /// Largest horizontal distance of the bar from its liftoff position during the pull, either
    /// way (coming back to the thighs at lockout counts), cm; and the largest forward one (toward
    /// the toes, away from the shins: what DL004 is about), cm, ≥ 0.
    pub max_drift_pull_cm: Option<f64>,
    pub max_forward_drift_pull_cm: Option<f64>,
    /// The same during the lowering, from the lockout position.
    pub max_drift_lowering_cm: Option<f64>,
    pub max_forward_drift_lowering_cm: Option<f64>,
    /// Largest horizontal distance from the mid-foot line during pull or lowering, cm (with a mid-foot).
    pub max_offset_from_midfoot_cm: Option<f64>,
    /// Time of the largest forward drift during the pull / the lowering (for findings), s.
    pub max_forward_drift_pull_at_s: Option<f64>,
    pub max_forward_drift_lowering_at_s: Option<f64>,
}

/// What the caller knows besides the samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BarMetricsInput {
    /// cm per px for the bar's motion (the near plate's plane when the plate is tracked).
    pub cm_per_px: f64,
    /// +1 when the lifter faces +x (right) in the image, −1 when facing left.
    pub forward_sign: f64,
    /// Where the mid-foot is: `None` skips the mid-foot measures.
    pub midfoot: Option<Midfoot>,
}

/// The mid-foot line, for the bar's offset from it. The bar samples are the near plate's centre,
/// nearer the camera than the feet: `plate_to_midline_dx_px` moves it to the bar's midpoint in the
/// image (from [`plate_to_midline_offset_px`] with the wrists, or [`plate_x_to_midline_px`] in a
/// true side view; 0 when the samples are the wrists already), and the distance in px between two
/// points in the lifter's plane is turned into cm with the body plane's scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Midfoot {
    /// Mid-foot x in image px (heel–toe midpoints of both feet, averaged over the setup).
    pub x_px: f64,
    pub plate_to_midline_dx_px: f64,
    /// `scale.cm_per_px_body_plane` (equal to the bar's scale when the samples are the wrists).
    pub cm_per_px_body: f64,
}

impl Midfoot {
    /// Bar minus mid-foot, cm, positive toward the toes, for a bar sample at `x_px`.
    fn offset_cm(&self, x_px: f64, sign: f64) -> f64 {
        sign * (x_px + self.plate_to_midline_dx_px - self.x_px) * self.cm_per_px_body
    }
}

/// Metrics for one rep over `span` = `(start_s, end_s)`; `None` when fewer than 5 samples fall in it.
pub fn rep_bar_metrics(
    points: &[BarPointPx],
    input: &BarMetricsInput,
    span: (f64, f64),
) -> Option<RepBarMetrics> {
    let pts: Vec<BarPointPx> = points
        .iter()
        .copied()
        .filter(|p| {
            p.0 >= span.0 - 1e-9 && p.0 <= span.1 + 1e-9 && p.1.is_finite() && p.2.is_finite()
        })
        .collect();
    if pts.len() < 5 || input.cm_per_px.is_nan() || input.cm_per_px <= 0.0 {
        return None;
    }
    let sign = if input.forward_sign < 0.0 { -1.0 } else { 1.0 };
    let t: Vec<f64> = pts.iter().map(|p| p.0).collect();
    // Absolute cm (not from the first sample) so the mid-foot can be compared.
    let x: Vec<f64> = pts.iter().map(|p| sign * p.1 * input.cm_per_px).collect();
    let h: Vec<f64> = pts.iter().map(|p| -p.2 * input.cm_per_px).collect();
    let v = velocity_cm_s(&t, &h, VELOCITY_HALF_WINDOW_S);
    let n = t.len();

    let top = argmax(&h);
    let floor_before = argmin(&h[..=top]);
    let rom = h[top] - h.iter().cloned().fold(f64::INFINITY, f64::min);
    let mut m = RepBarMetrics {
        start_s: span.0,
        end_s: span.1,
        concentric_start_s: None,
        concentric_end_s: None,
        eccentric_start_s: None,
        eccentric_end_s: None,
        concentric_duration_s: None,
        eccentric_duration_s: None,
        vertical_rom_cm: rom,
        mean_concentric_velocity_m_s: None,
        peak_concentric_velocity_m_s: None,
        setup_offset_from_midfoot_cm: None,
        max_drift_pull_cm: None,
        max_forward_drift_pull_cm: None,
        max_drift_lowering_cm: None,
        max_forward_drift_lowering_cm: None,
        max_offset_from_midfoot_cm: None,
        max_forward_drift_pull_at_s: None,
        max_forward_drift_lowering_at_s: None,
    };
    if rom < MIN_REP_ROM_CM {
        return Some(m);
    }
    let vmin = MIN_PHASE_VELOCITY_M_S * 100.0;

    // Concentric: around the fastest upward moment between the floor and the top.
    let (c0, c1) = if top > floor_before {
        let peak = floor_before + argmax(&v[floor_before..=top]);
        let mut a = peak;
        while a > floor_before && v[a - 1] > vmin {
            a -= 1;
        }
        // The last still sample before the rise (the boundary is between a-1 and a).
        let a = a.saturating_sub(1).max(floor_before);
        let mut b = peak;
        while b < top && v[b + 1] > vmin {
            b += 1;
        }
        let b = (b + 1).min(top);
        (Some(a), Some(b))
    } else {
        (None, None)
    };
    if let (Some(a), Some(b)) = (c0, c1) {
        if t[b] > t[a] {
            m.concentric_start_s = Some(t[a]);
            m.concentric_end_s = Some(t[b]);
            m.concentric_duration_s = Some(t[b] - t[a]);
            m.mean_concentric_velocity_m_s = Some((h[b] - h[a]) / (t[b] - t[a]) / 100.0);
            m.peak_concentric_velocity_m_s =
                Some(v[a..=b].iter().cloned().fold(f64::NEG_INFINITY, f64::max) / 100.0);
            // Drift during the pull, from the liftoff position.
            let (d, d_fwd, at) = drift(&x[a..=b], &t[a..=b], x[a]);
            m.max_drift_pull_cm = Some(d);
            m.max_forward_drift_pull_cm = Some(d_fwd);
            m.max_forward_drift_pull_at_s = Some(at);
            if let Some(mf) = input.midfoot {
                let setup: Vec<f64> = (0..=a)
                    .filter(|&k| t[k] >= t[a] - SETUP_WINDOW_S)
                    .map(|k| mf.offset_cm(pts[k].1, sign))
                    .collect();
                if !setup.is_empty() {
                    m.setup_offset_from_midfoot_cm =
                        Some(setup.iter().sum::<f64>() / setup.len() as f64);
                }
            }
        }
    }
    // Eccentric: around the fastest downward moment after the top.
    if top + 1 < n {
        let low_after = top + argmin(&h[top..]);
        if low_after > top && h[top] - h[low_after] >= MIN_REP_ROM_CM {
            let peak = top + argmin(&v[top..=low_after]);
            let mut a = peak;
            while a > top && v[a - 1] < -vmin {
                a -= 1;
            }
            let a = a.saturating_sub(1).max(top);
            let mut b = peak;
            while b < low_after && v[b + 1] < -vmin {
                b += 1;
            }
            let b = (b + 1).min(low_after);
            if t[b] > t[a] {
                m.eccentric_start_s = Some(t[a]);
                m.eccentric_end_s = Some(t[b]);
                m.eccentric_duration_s = Some(t[b] - t[a]);
                let (d, d_fwd, at) = drift(&x[a..=b], &t[a..=b], x[a]);
                m.max_drift_lowering_cm = Some(d);
                m.max_forward_drift_lowering_cm = Some(d_fwd);
                m.max_forward_drift_lowering_at_s = Some(at);
            }
        }
    }
    if let Some(mf) = input.midfoot {
        let ranges = [
            (m.concentric_start_s, m.concentric_end_s),
            (m.eccentric_start_s, m.eccentric_end_s),
        ];
        let mut worst: Option<f64> = None;
        for (a, b) in ranges.iter().filter_map(|&(a, b)| Some((a?, b?))) {
            for k in (0..n).filter(|&k| t[k] >= a && t[k] <= b) {
                let d = mf.offset_cm(pts[k].1, sign).abs();
                worst = Some(worst.map_or(d, |w| w.max(d)));
            }
        }
        m.max_offset_from_midfoot_cm = worst;
    }
    Some(m)
}

/// (largest |x − ref|, largest (x − ref) toward the toes (≥ 0), time of the latter).
fn drift(x: &[f64], t: &[f64], reference: f64) -> (f64, f64, f64) {
    let mut best = (0.0f64, 0.0f64, t.first().copied().unwrap_or(0.0));
    for (xi, ti) in x.iter().zip(t) {
        let d = xi - reference;
        best.0 = best.0.max(d.abs());
        if d > best.1 {
            best.1 = d;
            best.2 = *ti;
        }
    }
    best
}

fn argmax(v: &[f64]) -> usize {
    v.iter()
        .enumerate()
        .fold(0, |b, (i, x)| if *x > v[b] { i } else { b })
}

fn argmin(v: &[f64]) -> usize {
    v.iter()
        .enumerate()
        .fold(0, |b, (i, x)| if *x < v[b] { i } else { b })
}

/// Bar numbers over the set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetBarMetrics {
    pub reps: Vec<RepBarMetrics>,
    /// The best (highest) mean concentric velocity and its rep index (0-based).
    pub best_mean_concentric_velocity_m_s: Option<f64>,
    pub best_rep: Option<usize>,
    /// Per rep: (best − this) / best · 100.
    pub velocity_loss_pct_per_rep: Vec<Option<f64>>,
    /// (best − last rep) / best · 100: the usual "velocity loss" of a set.
    pub velocity_loss_pct: Option<f64>,
    /// (best − slowest rep after the best) / best · 100.
    pub max_velocity_loss_pct: Option<f64>,
}

/// Metrics for every rep span and the set's velocity loss.
pub fn set_bar_metrics(
    points: &[BarPointPx],
    input: &BarMetricsInput,
    spans: &[(f64, f64)],
) -> SetBarMetrics {
    let reps: Vec<RepBarMetrics> = spans
        .iter()
        .filter_map(|&s| rep_bar_metrics(points, input, s))
        .collect();
    let mcv: Vec<Option<f64>> = reps
        .iter()
        .map(|r| r.mean_concentric_velocity_m_s)
        .collect();
    velocity_loss(reps, &mcv)
}

fn velocity_loss(reps: Vec<RepBarMetrics>, mcv: &[Option<f64>]) -> SetBarMetrics {
    let best = mcv
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.filter(|v| v.is_finite() && *v > 0.0).map(|v| (i, v)))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    let loss = |v: f64, b: f64| (b - v) / b * 100.0;
    let per_rep: Vec<Option<f64>> = mcv.iter().map(|v| Some(loss((*v)?, best?.1))).collect();
    let last = mcv.iter().rev().find_map(|v| *v);
    let max_after = best.and_then(|(bi, b)| {
        mcv.iter()
            .skip(bi)
            .filter_map(|v| *v)
            .map(|v| loss(v, b))
            .fold(None, |acc: Option<f64>, l| {
                Some(acc.map_or(l, |a| a.max(l)))
            })
    });
    SetBarMetrics {
        best_mean_concentric_velocity_m_s: best.map(|b| b.1),
        best_rep: best.map(|b| b.0),
        velocity_loss_pct_per_rep: per_rep,
        velocity_loss_pct: match (best, last) {
            (Some((_, b)), Some(l)) if mcv.len() > 1 => Some(loss(l, b)),
            _ => None,
        },
        max_velocity_loss_pct: if mcv.len() > 1 { max_after } else { None },
        reps,
    }
}

/// The near plate's centre brought to the lifter's midline plane in the image, for comparing with
/// body points (the mid-foot): in a side view the bar's axis points at the camera, so the plate
/// centre and the bar's midpoint lie on one line through the principal point, the plate farther
/// out by `body_plane_factor` (see `scale`). `principal_x_px` is the image centre unless known.
/// Oblique views break the assumption (the bar's axis then also runs sideways): there, use
/// [`plate_to_midline_offset_px`] from the wrists.
pub fn plate_x_to_midline_px(plate_x_px: f64, principal_x_px: f64, body_plane_factor: f64) -> f64 {
    principal_x_px + (plate_x_px - principal_x_px) / body_plane_factor.max(1.0)
}

/// The median horizontal offset (px) from the plate's centre to the wrists' midpoint over frames
/// with both: the hands hold the bar either side of the lifter's midline, so `plate_x + offset`
/// is the bar's midline x in any view, up to the pose's wrist error (averaged over the clip).
pub fn plate_to_midline_offset_px(pairs: &[(f64, f64)]) -> Option<f64> {
    let mut d: Vec<f64> = pairs
        .iter()
        .map(|(plate, wrists)| wrists - plate)
        .filter(|v| v.is_finite())
        .collect();
    if d.is_empty() {
        return None;
    }
    d.sort_by(f64::total_cmp);
    Some(d[d.len() / 2])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A rep: `rom_cm` up with a half-cosine over `up_s` starting at `t0`, a `hold_s` lockout,
    /// then down over `down_s`; x drifts by `drift_cm`·sin during the pull. At `fps`, with
    /// `cm_per_px`, facing right (x toward the toes = +x).
    #[allow(clippy::too_many_arguments)]
    fn simulate(
        fps: f64,
        cm_per_px: f64,
        t0: f64,
        up_s: f64,
        hold_s: f64,
        down_s: f64,
        rom_cm: f64,
        drift_cm: f64,
    ) -> Vec<BarPointPx> {
        let total = t0 + up_s + hold_s + down_s + 0.5;
        let n = (total * fps) as usize;
        (0..n)
            .map(|i| {
                let t = i as f64 / fps;
                let (h, x) = if t < t0 {
                    (0.0, 0.0)
                } else if t < t0 + up_s {
                    let p = (t - t0) / up_s;
                    (
                        rom_cm * (1.0 - (std::f64::consts::PI * p).cos()) / 2.0,
                        drift_cm * (std::f64::consts::PI * p).sin(),
                    )
                } else if t < t0 + up_s + hold_s {
                    (rom_cm, 0.0)
                } else if t < t0 + up_s + hold_s + down_s {
                    let p = (t - t0 - up_s - hold_s) / down_s;
                    (rom_cm * (1.0 + (std::f64::consts::PI * p).cos()) / 2.0, 0.0)
                } else {
                    (0.0, 0.0)
                };
                (t, 500.0 + x / cm_per_px, 800.0 - h / cm_per_px)
            })
            .collect()
    }

    fn input(cm_per_px: f64) -> BarMetricsInput {
        let midfoot = Midfoot {
            x_px: 500.0 - 3.0 / cm_per_px,
            plate_to_midline_dx_px: 0.0,
            cm_per_px_body: cm_per_px,
        };
        BarMetricsInput {
            cm_per_px,
            forward_sign: 1.0,
            midfoot: Some(midfoot),
        }
    }

    #[test]
    fn velocity_of_a_line_is_its_slope() {
        let t: Vec<f64> = (0..30).map(|i| i as f64 / 30.0).collect();
        let y: Vec<f64> = t.iter().map(|t| 3.0 + 50.0 * t).collect();
        for v in velocity_cm_s(&t, &y, 0.07) {
            assert!((v - 50.0).abs() < 1e-9);
        }
    }

    #[test]
    fn known_motion_gives_known_velocity_durations_and_rom() {
        // 50 cm in 1.0 s: mean concentric velocity 0.50 m/s, peak π/2 · 0.5 = 0.785 m/s.
        let pts = simulate(30.0, 0.2, 0.5, 1.0, 0.5, 1.5, 50.0, 0.0);
        let m = rep_bar_metrics(&pts, &input(0.2), (0.0, 4.0)).unwrap();
        assert!((m.vertical_rom_cm - 50.0).abs() < 0.5, "{m:?}");
        let mcv = m.mean_concentric_velocity_m_s.unwrap();
        assert!((mcv - 0.50).abs() < 0.03, "{mcv}");
        let pcv = m.peak_concentric_velocity_m_s.unwrap();
        assert!((pcv - 0.785).abs() < 0.03, "{pcv}");
        assert!(
            (m.concentric_duration_s.unwrap() - 1.0).abs() < 0.1,
            "{m:?}"
        );
        assert!(
            (m.eccentric_duration_s.unwrap() - 1.5).abs() < 0.15,
            "{m:?}"
        );
        assert!((m.concentric_start_s.unwrap() - 0.5).abs() < 0.07, "{m:?}");
        // bar 3 cm in front of the mid-foot at setup
        assert!(
            (m.setup_offset_from_midfoot_cm.unwrap() - 3.0).abs() < 1e-6,
            "{m:?}"
        );
        assert!(m.max_drift_pull_cm.unwrap() < 0.01);
    }

    #[test]
    fn velocity_holds_at_other_rates_and_noise() {
        // 60 fps, 0.35 m/s over 45 cm, 1 px noise at 0.1 cm/px
        let mut pts = simulate(60.0, 0.1, 0.3, 45.0 / 35.0, 0.3, 1.0, 45.0, 0.0);
        let mut seed = 12345u64;
        for p in pts.iter_mut() {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = ((seed >> 33) as f64 / (1u64 << 31) as f64) - 0.5;
            p.2 += u * 2.0;
        }
        let m = rep_bar_metrics(&pts, &input(0.1), (0.0, 4.0)).unwrap();
        let mcv = m.mean_concentric_velocity_m_s.unwrap();
        assert!((mcv - 0.35).abs() < 0.03, "{mcv} {m:?}");
    }

    #[test]
    fn drift_forward_during_the_pull_is_measured_with_its_time() {
        let pts = simulate(30.0, 0.2, 0.5, 1.0, 0.5, 1.0, 50.0, 6.0);
        let m = rep_bar_metrics(&pts, &input(0.2), (0.0, 3.5)).unwrap();
        let d = m.max_drift_pull_cm.unwrap();
        assert!((d - 6.0).abs() < 0.3, "{m:?}");
        assert!((m.max_forward_drift_pull_cm.unwrap() - 6.0).abs() < 0.3);
        assert!((m.max_forward_drift_pull_at_s.unwrap() - 1.0).abs() < 0.07);
        assert!(m.max_drift_lowering_cm.unwrap() < 0.3);
        // mid-foot 3 cm behind the start: the worst offset is 3 + 6
        assert!(
            (m.max_offset_from_midfoot_cm.unwrap() - 9.0).abs() < 0.3,
            "{m:?}"
        );
    }

    #[test]
    fn facing_left_flips_forward() {
        let mut pts = simulate(30.0, 0.2, 0.5, 1.0, 0.5, 1.0, 50.0, 6.0);
        for p in pts.iter_mut() {
            p.1 = 1000.0 - p.1; // mirror
        }
        let inp = BarMetricsInput {
            cm_per_px: 0.2,
            forward_sign: -1.0,
            midfoot: None,
        };
        let m = rep_bar_metrics(&pts, &inp, (0.0, 3.5)).unwrap();
        assert!(
            (m.max_forward_drift_pull_cm.unwrap() - 6.0).abs() < 0.3,
            "{m:?}"
        );
        let path = bar_path_cm(&pts, 0.2, -1.0);
        let k = path
            .t_s
            .iter()
            .position(|t| (*t - 1.0).abs() < 1e-9)
            .unwrap();
        assert!((path.x_cm[k] - 6.0).abs() < 0.01 && (path.y_cm[k] - 25.0).abs() < 0.01);
    }

    #[test]
    fn set_velocity_loss_from_the_best_rep() {
        let mut pts = Vec::new();
        let mut spans = Vec::new();
        for (k, up_s) in [1.0, 0.9, 1.1, 1.25].iter().enumerate() {
            let off = k as f64 * 4.0;
            pts.extend(
                simulate(30.0, 0.2, 0.5, *up_s, 0.5, 1.0, 50.0, 0.0)
                    .into_iter()
                    .map(|p| (p.0 + off, p.1, p.2)),
            );
            spans.push((off, off + 3.9));
        }
        let set = set_bar_metrics(&pts, &input(0.2), &spans);
        assert_eq!(set.reps.len(), 4);
        assert_eq!(set.best_rep, Some(1));
        // best 0.5/0.9 = 0.556, last 0.5/1.25 = 0.4: loss 28 %
        let loss = set.velocity_loss_pct.unwrap();
        assert!((loss - 28.0).abs() < 3.0, "{loss}");
        assert!((set.max_velocity_loss_pct.unwrap() - loss).abs() < 1e-9);
        assert!(set.velocity_loss_pct_per_rep[1].unwrap().abs() < 1e-9);
    }

    #[test]
    fn too_few_samples_or_no_motion() {
        assert!(rep_bar_metrics(&[(0.0, 1.0, 1.0)], &input(0.2), (0.0, 1.0)).is_none());
        let still: Vec<BarPointPx> = (0..30).map(|i| (i as f64 / 30.0, 100.0, 100.0)).collect();
        let m = rep_bar_metrics(&still, &input(0.2), (0.0, 1.0)).unwrap();
        assert!(m.mean_concentric_velocity_m_s.is_none() && m.vertical_rom_cm < 1e-9);
    }

    #[test]
    fn midfoot_offset_uses_the_midline_shift_and_body_scale() {
        let pts = simulate(30.0, 0.2, 0.5, 1.0, 0.5, 1.0, 50.0, 0.0);
        // the bar's midline is 20 px left of the plate centre; the mid-foot 30 px left of that; body 0.25 cm/px
        let mf = Midfoot {
            x_px: 500.0 - 20.0 - 30.0,
            plate_to_midline_dx_px: -20.0,
            cm_per_px_body: 0.25,
        };
        let inp = BarMetricsInput {
            cm_per_px: 0.2,
            forward_sign: 1.0,
            midfoot: Some(mf),
        };
        let m = rep_bar_metrics(&pts, &inp, (0.0, 3.5)).unwrap();
        assert!(
            (m.setup_offset_from_midfoot_cm.unwrap() - 7.5).abs() < 1e-9,
            "{m:?}"
        );
    }

    #[test]
    fn midline_helpers() {
        assert!((plate_x_to_midline_px(420.0, 320.0, 1.25) - 400.0).abs() < 1e-9);
        assert_eq!(
            plate_to_midline_offset_px(&[(10.0, 15.0), (10.0, 30.0), (10.0, 14.0)]),
            Some(5.0)
        );
        assert_eq!(plate_to_midline_offset_px(&[]), None);
    }
}
