//! How well an ellipse lies on the edges of a patch: the score the local search climbs and the
//! rim quality that decides whether a plate is seen.

use super::ellipse::Ellipse;
use super::gradients::Gradients;

/// How well an ellipse lies on edges of the patch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Support {
    /// Mean over the in-patch perimeter samples of a direction-weighted, softly bounded edge
    /// strength: 0 (no edge), about 1 for clear edges all round, up to 4 for very strong ones.
    pub score: f32,
    /// Share of the perimeter that lies inside the patch (a plate leaving the frame has less).
    pub in_patch: f32,
    /// Share of perimeter samples with a clear edge along the normal (|g·n| > contrast/2 and
    /// direction within ~35° of the normal).
    pub coverage: f32,
    /// Share of perimeter samples on clear arcs: runs of at least [`MIN_ARC_SAMPLES`] clear
    /// samples in a row. A plate's rim is long arcs; clutter a circle happens to cross is not.
    pub arcs: f32,
    /// The same per eighth of the perimeter (0 = right, going down), NaN where no sample of it
    /// lies in the patch.
    pub sectors: [f32; SECTORS],
}

/// Perimeter sectors for [`Support::sectors`].
pub const SECTORS: usize = 8;

impl Default for Support {
    fn default() -> Self {
        Support { score: 0.0, in_patch: 0.0, coverage: 0.0, arcs: 0.0, sectors: [f32::NAN; SECTORS] }
    }
}

/// Consecutive clear perimeter samples (~2 px apart) that make an arc.
pub const MIN_ARC_SAMPLES: usize = 4;

impl Support {
    /// One number for ranking fits of one plate: edge support, discounted when less than half of
    /// the outline was in the patch.
    pub fn rank(&self) -> f32 {
        self.score * self.in_patch.min(0.5) / 0.5
    }

    /// How much this looks like a plate's rim, for choosing and accepting: the share of the
    /// perimeter on clear arcs, discounted when over 40 % of it is outside the patch.
    /// The arcs must go round: the mean over the seen sectors after dropping the best two, so a
    /// circle that only touches two straight edges (a floor line above, a shadow below) scores low.
    pub fn quality(&self) -> f32 {
        let mut seen = [0.0f32; SECTORS];
        let mut n = 0;
        for q in self.sectors.iter().copied().filter(|q| q.is_finite()) {
            seen[n] = q;
            n += 1;
        }
        if n < 3 {
            return 0.0;
        }
        let kept = &mut seen[..n];
        kept.sort_by(f32::total_cmp);
        self.discounted_mean(&kept[..n - 2])
    }

    /// [`Support::quality`] from the sectors whose edges run along a motion (dx, dy): a fast
    /// bar smears the plate's edges across the motion (the top and bottom of a plate going up)
    /// while those along it stay sharp. The mean over the seen sectors whose normal is within
    /// 45° of square to the motion, discounted as `quality` is.
    pub fn quality_along_motion(&self, dx: f32, dy: f32) -> f32 {
        let len = dx.hypot(dy);
        if len <= 0.0 {
            return self.quality();
        }
        let (mx, my) = (dx / len, dy / len);
        let mut along = [0.0f32; SECTORS];
        let mut n = 0;
        for (k, &q) in self.sectors.iter().enumerate() {
            let mid = (k as f32 + 0.5) * std::f32::consts::TAU / SECTORS as f32;
            let (s, c) = mid.sin_cos();
            if q.is_finite() && (c * mx + s * my).abs() <= std::f32::consts::FRAC_1_SQRT_2 {
                along[n] = q;
                n += 1;
            }
        }
        if n < 2 {
            return 0.0;
        }
        self.discounted_mean(&along[..n])
    }

    /// The mean of sector shares, discounted when over 40 % of the outline is outside the patch.
    fn discounted_mean(&self, sectors: &[f32]) -> f32 {
        let mean = sectors.iter().sum::<f32>() / sectors.len() as f32;
        mean * self.in_patch.min(0.6) / 0.6
    }
}

/// Number of perimeter samples for an ellipse of radius `r` px: about one every 2 px.
pub fn sample_count(r: f32) -> usize {
    ((std::f32::consts::TAU * r / 2.0) as usize).clamp(32, 160)
}

/// The edge support of `e` in `g`.
pub fn support(g: &Gradients, e: &Ellipse) -> Support {
    support_within(g, e, 0.0)
}

/// The edge support of `e` where each perimeter sample may take the best of the points `tol` px
/// inside and outside along the normal: a wider basin for coarse search steps.
pub fn support_within(g: &Gradients, e: &Ellipse, tol: f32) -> Support {
    support_sampled(g, e, tol, sample_count(e.r))
}

/// [`support_within`] with `n` perimeter samples (fewer for a coarse search).
pub fn support_sampled(g: &Gradients, e: &Ellipse, tol: f32, n: usize) -> Support {
    let n = n.clamp(8, 160);
    let a = e.r * e.aspect;
    let b = e.r;
    if a <= 1.0 || b <= 1.0 {
        return Support::default();
    }
    let t = g.contrast;
    let mut sum = 0.0f32;
    let mut inside = 0usize;
    let mut clear = 0usize;
    // Clear flags around the perimeter (outside-patch samples break arcs).
    let mut flags = [false; 160];
    let mut seen = [false; 160];
    for k in 0..n {
        let th = k as f32 * std::f32::consts::TAU / n as f32;
        let (s, c) = th.sin_cos();
        let (x, y) = (e.cx + a * c, e.cy + b * s);
        // Normal of the ellipse at this point: gradient of (x/a)² + (y/b)².
        let (nx, ny) = (c / a, s / b);
        let nl = (nx * nx + ny * ny).sqrt();
        let (nx, ny) = (nx / nl, ny / nl);
        let Some((gx, gy)) = g.sample(x, y) else {
            continue;
        };
        inside += 1;
        seen[k] = true;
        let score_at = |gx: f32, gy: f32| {
            let gn = (gx * nx + gy * ny).abs();
            let gm = (gx * gx + gy * gy).sqrt() + 1e-3;
            // Nearly linear in the edge strength (so the best fit sits on the edge's centre, not
            // anywhere on a saturated blurred edge), bounded for very strong edges.
            (gn / gm * gn / (gn + 4.0 * t), gn, gn / gm)
        };
        let mut best = score_at(gx, gy);
        if tol > 0.0 {
            for o in [-tol, tol] {
                if let Some((gx, gy)) = g.sample(x + o * nx, y + o * ny) {
                    let v = score_at(gx, gy);
                    if v.0 > best.0 {
                        best = v;
                    }
                }
            }
        }
        sum += best.0;
        if best.1 > 0.5 * t && best.2 > 0.82 {
            clear += 1;
            flags[k] = true;
        }
    }
    let mut in_arc = [false; 160];
    let arc_samples = arc_members(&flags[..n], &mut in_arc[..n]);
    let mut sector_counts = [(0usize, 0usize); SECTORS];
    for k in 0..n {
        if !seen[k] {
            continue;
        }
        let sct = (k * SECTORS / n).min(SECTORS - 1);
        sector_counts[sct].0 += 1;
        if in_arc[k] {
            sector_counts[sct].1 += 1;
        }
    }
    let sectors = sector_counts.map(|(all, arc)| if all == 0 { f32::NAN } else { arc as f32 / all as f32 });
    if inside == 0 {
        return Support { sectors: [f32::NAN; SECTORS], ..Support::default() };
    }
    Support {
        // gn/(gn+4t) is ~0.2-0.3 on clear edges of contrast ~t..2t: rescale so those score ~1.
        // Not clamped: stronger edges keep scoring higher, so fits stay peaked on the edge.
        score: 4.0 * sum / inside as f32,
        in_patch: inside as f32 / n as f32,
        coverage: clear as f32 / inside as f32,
        arcs: arc_samples as f32 / inside as f32,
        sectors,
    }
}

/// Marks in `members` the flags that lie in runs of at least [`MIN_ARC_SAMPLES`] (the perimeter
/// wraps around) and returns how many there are.
fn arc_members(flags: &[bool], members: &mut [bool]) -> usize {
    let n = flags.len();
    if n == 0 {
        return 0;
    }
    if flags.iter().all(|f| *f) {
        members.iter_mut().for_each(|m| *m = true);
        return n;
    }
    // Start right after a gap so no run is cut by the wrap.
    let start = (0..n).find(|&i| !flags[i]).map_or(0, |i| i + 1);
    let (mut total, mut run) = (0usize, 0usize);
    for k in 0..=n {
        let on = k < n && flags[(start + k) % n];
        if on {
            run += 1;
        } else {
            if run >= MIN_ARC_SAMPLES {
                total += run;
                for j in k - run..k {
                    members[(start + j) % n] = true;
                }
            }
            run = 0;
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bar::ellipse::disc_patch;

    fn arc_share_count(flags: &[bool]) -> usize {
        let mut m = vec![false; flags.len()];
        arc_members(flags, &mut m)
    }

    #[test]
    fn support_peaks_on_the_true_circle() {
        let truth = Ellipse { cx: 60.3, cy: 55.7, r: 30.4, aspect: 1.0 };
        let g = Gradients::from_pixels(120, 110, 1, &disc_patch(120, 110, truth, 40, 200));
        let on = support(&g, &truth);
        let off = support(&g, &Ellipse { r: 25.0, ..truth });
        assert!(on.score > 0.8 && on.coverage > 0.9 && on.arcs > 0.9, "{on:?}");
        assert!(off.score < 0.2 * on.score, "{off:?}");
    }

    #[test]
    fn arcs_need_runs() {
        let mut f = vec![false; 20];
        for i in [0, 1, 18, 19, 5, 9, 10, 11] {
            f[i] = true;
        }
        // 18,19,0,1 is a wrapped run of 4; 9..11 is only 3; 5 alone
        assert_eq!(arc_share_count(&f), 4);
        assert_eq!(arc_share_count(&[true; 7]), 7);
    }

    #[test]
    fn a_blurred_plate_is_judged_by_the_edges_along_its_motion() {
        let truth = Ellipse { cx: 70.0, cy: 60.0, r: 30.0, aspect: 1.0 };
        let (w, h) = (140usize, 120usize);
        let sharp = disc_patch(w, h, truth, 40, 200);
        // Vertical motion blur over 25 px: the top and bottom edges smear, the sides do not.
        let mut px = vec![0u8; w * h];
        for y in 0..h {
            for x in 0..w {
                let (mut sum, mut n) = (0u32, 0u32);
                for d in -12i32..=12 {
                    let yy = y as i32 + d;
                    if (0..h as i32).contains(&yy) {
                        sum += sharp[yy as usize * w + x] as u32;
                        n += 1;
                    }
                }
                px[y * w + x] = (sum / n) as u8;
            }
        }
        // Sharp clutter elsewhere (the background is not blurred) sets the patch's contrast.
        for y in 0..h {
            for x in 0..24 {
                px[y * w + x] = if (x / 4) % 2 == 0 { 255 } else { 0 };
            }
        }
        let g = Gradients::from_pixels(w, h, 1, &px);
        let s = support(&g, &truth);
        let along = s.quality_along_motion(0.0, -1.0);
        let across = s.quality_along_motion(1.0, 0.0);
        assert!(along > 0.8, "{s:?}");
        assert!(along > s.quality() + 0.2, "{s:?}");
        assert!(across < s.quality(), "{s:?}");
    }

    #[test]
    fn colour_edges_count_when_brightness_is_equal() {
        // red disc on a green background of similar grey level: gray would see almost nothing
        let (w, h) = (80usize, 80usize);
        let truth = Ellipse { cx: 40.0, cy: 40.0, r: 20.0, aspect: 1.0 };
        let mask = disc_patch(w, h, truth, 255, 0);
        let mut bgr = vec![0u8; w * h * 3];
        for i in 0..w * h {
            let m = mask[i] as f32 / 255.0;
            bgr[i * 3] = 20;
            bgr[i * 3 + 1] = (150.0 * (1.0 - m)) as u8;
            bgr[i * 3 + 2] = (200.0 * m) as u8;
        }
        let g = Gradients::from_pixels(w, h, 3, &bgr);
        assert!(support(&g, &truth).score > 0.8);
    }
}
