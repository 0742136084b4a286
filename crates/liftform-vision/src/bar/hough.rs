//! Centre voting for plate outlines anywhere in a patch: the seeds that detection refines.

use super::ellipse::Ellipse;
use super::gradients::Gradients;

/// A peak of [`hough_ellipses`]: an ellipse and its share of perimeter votes (roughly 0..1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HoughPeak {
    pub ellipse: Ellipse,
    pub votes: f32,
}

/// Below this share of its perimeter inside the patch, an ellipse's votes are not scaled up
/// further (a short arc is too weak a hint of a whole plate).
const MIN_SCORED_ARC_SHARE: f32 = 0.6;

/// The share of a circle's (or, along one axis, an ellipse's) perimeter beyond either end of
/// [0, len] along one axis, its centre at `c` and its semi-axis along it `semi` (ellipses are
/// treated as circles in the axis's scaled space; both ends counted).
fn arc_share_beyond(c: f32, len: f32, semi: f32) -> f32 {
    let beyond = |d: f32| {
        if d >= semi {
            0.0
        } else {
            (d / semi).clamp(-1.0, 1.0).acos() / std::f32::consts::PI
        }
    };
    // Sample positions run from 1 to len − 2 (see [`Gradients::sample`]).
    beyond(c - 1.0) + beyond(len - 2.0 - c)
}

/// Ratio between successive radius bins of [`hough_ellipses`].
const HOUGH_RADIUS_STEP: f32 = 1.06;

/// Centre voting for axis-aligned ellipses of one `aspect` and vertical semi-axes in
/// [`min_r`, `max_r`]: every edge pixel votes, along its gradient (both ways), for the centres at
/// each radius; votes are normalised by the perimeter, so a full, clean rim scores about 1 whatever
/// its size. Returns up to `max_peaks` local maxima, best first.
pub fn hough_ellipses(g: &Gradients, min_r: f32, max_r: f32, aspect: f32, max_peaks: usize) -> Vec<HoughPeak> {
    let (w, h) = (g.width, g.height);
    if w < 8 || h < 8 || min_r.is_nan() || max_r.is_nan() || min_r <= 1.0 || max_r <= min_r {
        return Vec::new();
    }
    let mut radii = Vec::new();
    let mut r = min_r;
    while r <= max_r * 1.001 {
        radii.push(r);
        r *= HOUGH_RADIUS_STEP;
    }
    let nr = radii.len();
    let mut acc = vec![0.0f32; w * h * nr];
    let threshold = 0.35 * g.contrast;
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let i = y * w + x;
            let (gx, gy) = (g.gx[i], g.gy[i]);
            let m = (gx * gx + gy * gy).sqrt();
            if m < threshold {
                continue;
            }
            let weight = (m / g.contrast).min(1.0);
            // Direction to the centre in the space where the ellipse is a circle (x' = x/aspect).
            let (ux, uy) = (aspect * gx, gy);
            let ul = (ux * ux + uy * uy).sqrt();
            let (ux, uy) = (ux / ul, uy / ul);
            for (ri, &rho) in radii.iter().enumerate() {
                for sign in [-1.0f32, 1.0] {
                    let cx = x as f32 + sign * aspect * rho * ux;
                    let cy = y as f32 + sign * rho * uy;
                    if cx < 0.0 || cy < 0.0 {
                        continue;
                    }
                    let (cxi, cyi) = (cx.round() as usize, cy.round() as usize);
                    if cxi < w && cyi < h {
                        acc[(ri * h + cyi) * w + cxi] += weight;
                    }
                }
            }
        }
    }
    // 3×3 box sum per radius (direction noise scatters a rim's votes by a pixel or two), normalised
    // by the perimeter inside the patch (edges are ~2 px wide after Sobel: two votes per rim
    // pixel): a plate cut by the frame's edge scores by the part of its rim that can be seen.
    let mut score = vec![0.0f32; w * h * nr];
    let mut rows = vec![0.0f32; w * h];
    let mut outside_x = vec![0.0f32; w];
    let mut outside_y = vec![0.0f32; h];
    for ri in 0..nr {
        let a = radii[ri] * aspect;
        let b = radii[ri];
        let perimeter = std::f32::consts::PI * (3.0 * (a + b) - ((3.0 * a + b) * (a + 3.0 * b)).sqrt());
        let norm = 1.0 / (2.0 * perimeter);
        for (x, o) in outside_x.iter_mut().enumerate() {
            *o = arc_share_beyond(x as f32, w as f32, a);
        }
        for (y, o) in outside_y.iter_mut().enumerate() {
            *o = arc_share_beyond(y as f32, h as f32, b);
        }
        let plane = &acc[ri * h * w..(ri + 1) * h * w];
        // Separable 3×3 box: horizontal sums, then vertical.
        for y in 0..h {
            for x in 1..w - 1 {
                let i = y * w + x;
                rows[i] = plane[i - 1] + plane[i] + plane[i + 1];
            }
        }
        let out = &mut score[ri * h * w..(ri + 1) * h * w];
        for (y, &beyond_y) in outside_y.iter().enumerate().take(h - 1).skip(1) {
            for (x, &beyond_x) in outside_x.iter().enumerate().take(w - 1).skip(1) {
                let i = y * w + x;
                let inside = (1.0 - beyond_x - beyond_y).max(MIN_SCORED_ARC_SHARE);
                out[i] = (rows[i - w] + rows[i] + rows[i + w]) * norm / inside;
            }
        }
    }
    let mut peaks: Vec<HoughPeak> = Vec::new();
    for ri in 0..nr {
        for y in 2..h - 2 {
            for x in 2..w - 2 {
                let v = score[(ri * h + y) * w + x];
                if v < 0.15 {
                    continue;
                }
                let mut is_max = true;
                'n: for dr in -1i32..=1 {
                    let rj = ri as i32 + dr;
                    if rj < 0 || rj >= nr as i32 {
                        continue;
                    }
                    for dy in -2i32..=2 {
                        for dx in -2i32..=2 {
                            if dr == 0 && dx == 0 && dy == 0 {
                                continue;
                            }
                            let j = ((rj as usize * h) + (y as i32 + dy) as usize) * w + (x as i32 + dx) as usize;
                            if score[j] > v {
                                is_max = false;
                                break 'n;
                            }
                        }
                    }
                }
                if is_max {
                    peaks.push(HoughPeak {
                        ellipse: Ellipse { cx: x as f32, cy: y as f32, r: radii[ri], aspect },
                        votes: v,
                    });
                }
            }
        }
    }
    peaks.sort_by(|a, b| b.votes.total_cmp(&a.votes));
    // Keep distinct peaks only (a rim also peaks weakly at neighbouring radii and places).
    let mut out: Vec<HoughPeak> = Vec::new();
    for p in peaks {
        let dup = out.iter().any(|o| {
            (o.ellipse.cx - p.ellipse.cx).hypot(o.ellipse.cy - p.ellipse.cy) < 0.2 * p.ellipse.r
                && (o.ellipse.r / p.ellipse.r - 1.0).abs() < 0.15
        });
        if !dup {
            out.push(p);
            if out.len() == max_peaks {
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bar::ellipse::disc_patch;

    #[test]
    fn hough_finds_the_disc_among_clutter() {
        let truth = Ellipse { cx: 70.0, cy: 50.0, r: 25.0, aspect: 0.8 };
        let mut px = disc_patch(140, 100, truth, 40, 170);
        // clutter: stripes
        for y in 0..100 {
            for x in 0..20 {
                px[y * 140 + x] = if (x / 4) % 2 == 0 { 255 } else { 0 };
            }
        }
        let g = Gradients::from_pixels(140, 100, 1, &px);
        let peaks = hough_ellipses(&g, 10.0, 40.0, 0.8, 5);
        let p = peaks[0].ellipse;
        assert!((p.cx - truth.cx).abs() <= 1.5 && (p.cy - truth.cy).abs() <= 1.5, "{peaks:?}");
        assert!((p.r / truth.r - 1.0).abs() < 0.07, "{peaks:?}");
        assert!(peaks[0].votes > 0.5, "{peaks:?}");
    }

    #[test]
    fn hough_scores_a_plate_cut_by_the_patch_edge_by_its_visible_rim() {
        // A disc whose lower 40 % is below the patch (a plate on the floor at the frame's
        // bottom): its votes are a share of the rim that can be seen, so about 1, not 0.6.
        let plate = Ellipse { cx: 60.0, cy: 90.0, r: 35.0, aspect: 1.0 };
        let (w, h) = (130usize, 111usize);
        let g = Gradients::from_pixels(w, h, 1, &disc_patch(w, h, plate, 30, 160));
        let peaks = hough_ellipses(&g, 12.0, 45.0, 1.0, 5);
        let p = peaks[0];
        assert!((p.ellipse.cx - plate.cx).abs() <= 2.0 && (p.ellipse.cy - plate.cy).abs() <= 2.0, "{peaks:?}");
        assert!((p.ellipse.r / plate.r - 1.0).abs() < 0.07, "{peaks:?}");
        assert!(p.votes > 0.8, "{peaks:?}");
        // The share beyond the patch: none in the middle, half with the centre on the edge.
        assert_eq!(arc_share_beyond(50.0, 100.0, 20.0), 0.0);
        assert!((arc_share_beyond(98.0, 100.0, 20.0) - 0.5).abs() < 1e-4);
    }
}
