//! NaN-aware numeric helpers for per-frame series: medians and percentiles that skip unknown
//! samples, outlier rejection (Hampel), short-gap interpolation and a gap-tolerant
//! Savitzky–Golay style smoother (a local quadratic fitted by least squares to the known samples
//! inside a centred window), which also gives the first derivative.
//!
//! Convention for every per-frame series in the analysis: `f64::NAN` means "unknown at this frame".
//! Nothing here panics on NaN, infinities, empty input or a single sample.

// NaN-safe comparisons are written `!(x > y)` on purpose: they are true when x is NaN.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

/// The finite values of a series.
pub fn finite(values: &[f64]) -> Vec<f64> {
    values.iter().copied().filter(|v| v.is_finite()).collect()
}

/// Percentile `q` in `[0, 1]` of the finite values (linear interpolation); NaN when there are none.
pub fn percentile(values: &[f64], q: f64) -> f64 {
    let mut v = finite(values);
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let q = if q.is_finite() { q.clamp(0.0, 1.0) } else { 0.5 };
    let pos = q * (v.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let frac = pos - lo as f64;
    v[lo] * (1.0 - frac) + v[hi.min(v.len() - 1)] * frac
}

/// Median of the finite values; NaN when there are none.
pub fn median(values: &[f64]) -> f64 {
    percentile(values, 0.5)
}

/// Mean of the finite values; NaN when there are none.
pub fn mean(values: &[f64]) -> f64 {
    let v = finite(values);
    if v.is_empty() {
        f64::NAN
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// Largest finite value with its index; `None` when there is none.
pub fn argmax(values: &[f64]) -> Option<(usize, f64)> {
    values.iter().copied().enumerate().filter(|(_, v)| v.is_finite()).fold(
        None,
        |best: Option<(usize, f64)>, (i, v)| match best {
            Some((_, b)) if b >= v => best,
            _ => Some((i, v)),
        },
    )
}

/// Smallest finite value with its index; `None` when there is none.
pub fn argmin(values: &[f64]) -> Option<(usize, f64)> {
    let neg: Vec<f64> = values.iter().map(|v| -v).collect();
    argmax(&neg).map(|(i, v)| (i, -v))
}

/// The `k`-th largest finite value within `values` (k = 0 is the maximum): a maximum that a single
/// stray sample cannot set. Falls back to the smallest value when fewer than `k + 1` exist.
pub fn robust_max(values: &[f64], k: usize) -> f64 {
    let mut v = finite(values);
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| b.total_cmp(a));
    v[k.min(v.len() - 1)]
}

/// Centred running median over `half` samples either side (NaN samples skipped).
pub fn running_median(values: &[f64], half: usize) -> Vec<f64> {
    (0..values.len())
        .map(|i| {
            let lo = i.saturating_sub(half);
            let hi = (i + half + 1).min(values.len());
            median(&values[lo..hi])
        })
        .collect()
}

/// Hampel filter: marks as outliers (returns `true`) the samples that differ from the running
/// median by more than `k_mad` scaled MADs *and* by more than `min_abs` (so a perfectly still
/// series does not turn its noise floor into outliers).
pub fn hampel_outliers(values: &[f64], half: usize, k_mad: f64, min_abs: f64) -> Vec<bool> {
    let n = values.len();
    let med = running_median(values, half);
    (0..n)
        .map(|i| {
            let v = values[i];
            if !v.is_finite() || !med[i].is_finite() {
                return false;
            }
            let lo = i.saturating_sub(half);
            let hi = (i + half + 1).min(n);
            let dev: Vec<f64> = values[lo..hi].iter().map(|x| (x - med[i]).abs()).collect();
            let mad = 1.4826 * median(&dev);
            let limit = (k_mad * mad).max(min_abs);
            (v - med[i]).abs() > limit
        })
        .collect()
}

/// Fills runs of NaN no longer than `max_gap` samples by linear interpolation between the known
/// neighbours on both sides; leading/trailing gaps and longer gaps stay NaN. Returns the filled
/// series and a mask of the samples that were filled.
pub fn fill_short_gaps(values: &[f64], max_gap: usize) -> (Vec<f64>, Vec<bool>) {
    let mut out = values.to_vec();
    let mut filled = vec![false; values.len()];
    let mut i = 0;
    while i < values.len() {
        if values[i].is_finite() {
            i += 1;
            continue;
        }
        let start = i;
        while i < values.len() && !values[i].is_finite() {
            i += 1;
        }
        let end = i; // first finite after the gap, or len
        let gap = end - start;
        if start > 0 && end < values.len() && gap <= max_gap {
            let a = values[start - 1];
            let b = values[end];
            for (k, j) in (start..end).enumerate() {
                let frac = (k + 1) as f64 / (gap + 1) as f64;
                out[j] = a + (b - a) * frac;
                filled[j] = true;
            }
        }
    }
    (out, filled)
}

/// Result of [`local_quadratic`]: smoothed value and first derivative per sample (per second).
#[derive(Debug, Clone)]
pub struct Smoothed {
    pub value: Vec<f64>,
    pub rate_per_s: Vec<f64>,
}

/// Savitzky–Golay style smoothing that tolerates gaps and uneven time stamps: at each sample a
/// quadratic in time is fitted by least squares to the finite samples within `half_window_s`
/// seconds either side, and its value and slope at that time are returned. Where fewer than
/// four samples are known nearby, a straight line is used; with fewer than two the sample stays
/// NaN. Samples that are NaN on input stay NaN on output (the smoother does not invent data).
pub fn local_quadratic(t_s: &[f64], values: &[f64], half_window_s: f64) -> Smoothed {
    let n = values.len().min(t_s.len());
    let mut value = vec![f64::NAN; n];
    let mut rate = vec![f64::NAN; n];
    let half = if half_window_s.is_finite() && half_window_s > 0.0 { half_window_s } else { 0.1 };
    let mut lo = 0usize;
    let mut hi = 0usize;
    for i in 0..n {
        if !values[i].is_finite() || !t_s[i].is_finite() {
            continue;
        }
        let t0 = t_s[i];
        while lo < n && !(t_s[lo] >= t0 - half) {
            lo += 1;
        }
        if hi < lo {
            hi = lo;
        }
        while hi < n && t_s[hi] <= t0 + half {
            hi += 1;
        }
        let lo_i = lo.min(i);
        let hi_i = hi.max(i + 1);
        // weighted (tricube) least squares in u = (t - t0) / half
        let mut s = [0.0f64; 5]; // sums of w*u^k, k = 0..4
        let mut b = [0.0f64; 3]; // sums of w*u^k*y
        let mut count = 0usize;
        for j in lo_i..hi_i {
            let (tj, yj) = (t_s[j], values[j]);
            if !tj.is_finite() || !yj.is_finite() {
                continue;
            }
            let u = (tj - t0) / half;
            let a = 1.0 - u.abs().powi(3);
            let w = if a > 0.0 { a * a * a } else { 0.0 };
            let w = w.max(1e-6);
            let mut uk = 1.0;
            for (k, sk) in s.iter_mut().enumerate() {
                *sk += w * uk;
                if k < 3 {
                    b[k] += w * uk * yj;
                }
                uk *= u;
            }
            count += 1;
        }
        if count >= 4 {
            // solve the 3x3 normal equations
            let m = [[s[0], s[1], s[2]], [s[1], s[2], s[3]], [s[2], s[3], s[4]]];
            if let Some(c) = solve3(m, b) {
                value[i] = c[0];
                rate[i] = c[1] / half;
                continue;
            }
        }
        if count >= 2 {
            let det = s[0] * s[2] - s[1] * s[1];
            if det.abs() > 1e-12 {
                let c0 = (b[0] * s[2] - b[1] * s[1]) / det;
                let c1 = (s[0] * b[1] - s[1] * b[0]) / det;
                value[i] = c0;
                rate[i] = c1 / half;
                continue;
            }
        }
        value[i] = values[i];
    }
    Smoothed { value, rate_per_s: rate }
}

fn solve3(m: [[f64; 3]; 3], b: [f64; 3]) -> Option<[f64; 3]> {
    let det = |m: &[[f64; 3]; 3]| {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    };
    let d = det(&m);
    if !d.is_finite() || d.abs() < 1e-12 {
        return None;
    }
    let mut out = [0.0; 3];
    for (col, o) in out.iter_mut().enumerate() {
        let mut mc = m;
        for row in 0..3 {
            mc[row][col] = b[row];
        }
        *o = det(&mc) / d;
    }
    if out.iter().all(|v| v.is_finite()) {
        Some(out)
    } else {
        None
    }
}

/// Time derivative by central differences over known neighbours (NaN where unknown).
pub fn derivative(t_s: &[f64], values: &[f64]) -> Vec<f64> {
    let n = values.len().min(t_s.len());
    (0..n)
        .map(|i| {
            let a = if i > 0 { i - 1 } else { i };
            let b = if i + 1 < n { i + 1 } else { i };
            let dt = t_s[b] - t_s[a];
            if b > a && dt > 0.0 {
                (values[b] - values[a]) / dt
            } else {
                f64::NAN
            }
        })
        .collect()
}

/// Wraps an angle in degrees into `(-180, 180]`.
pub fn wrap_deg(a: f64) -> f64 {
    if !a.is_finite() {
        return f64::NAN;
    }
    let mut x = a % 360.0;
    if x <= -180.0 {
        x += 360.0;
    } else if x > 180.0 {
        x -= 360.0;
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_skip_nan_and_handle_empty() {
        assert!(median(&[]).is_nan());
        assert!(median(&[f64::NAN]).is_nan());
        assert_eq!(median(&[3.0, f64::NAN, 1.0, 2.0]), 2.0);
        assert_eq!(percentile(&[0.0, 10.0], 0.25), 2.5);
        assert_eq!(robust_max(&[1.0, 9.0, 3.0, f64::NAN], 1), 3.0);
        assert_eq!(argmax(&[f64::NAN, 2.0, 5.0, 1.0]), Some((2, 5.0)));
        assert_eq!(argmin(&[f64::NAN, 2.0, 5.0, 1.0]), Some((3, 1.0)));
    }

    #[test]
    fn gaps_are_filled_only_when_short_and_inside() {
        let v = [f64::NAN, 1.0, f64::NAN, f64::NAN, 4.0, f64::NAN, f64::NAN, f64::NAN, 8.0, f64::NAN];
        let (out, filled) = fill_short_gaps(&v, 2);
        assert!(out[0].is_nan());
        assert_eq!(out[2], 2.0);
        assert_eq!(out[3], 3.0);
        assert!(out[5].is_nan());
        assert!(out[9].is_nan());
        assert_eq!(filled, vec![false, false, true, true, false, false, false, false, false, false]);
    }

    #[test]
    fn local_quadratic_reproduces_a_parabola_and_its_slope() {
        let t: Vec<f64> = (0..30).map(|i| i as f64 / 30.0).collect();
        let y: Vec<f64> = t.iter().map(|t| 2.0 * t * t - t + 3.0).collect();
        let s = local_quadratic(&t, &y, 0.15);
        for i in 0..30 {
            assert!((s.value[i] - y[i]).abs() < 1e-6);
            assert!((s.rate_per_s[i] - (4.0 * t[i] - 1.0)).abs() < 1e-5, "{i}: {}", s.rate_per_s[i]);
        }
    }

    #[test]
    fn hampel_finds_a_spike() {
        let mut y: Vec<f64> = (0..20).map(|i| (i as f64 * 0.3).sin()).collect();
        y[10] = 50.0;
        let o = hampel_outliers(&y, 3, 4.0, 0.5);
        assert!(o[10]);
        assert_eq!(o.iter().filter(|b| **b).count(), 1);
    }

    #[test]
    fn wrap() {
        assert_eq!(wrap_deg(190.0), -170.0);
        assert_eq!(wrap_deg(-180.0), 180.0);
        assert!(wrap_deg(f64::NAN).is_nan());
    }
}
