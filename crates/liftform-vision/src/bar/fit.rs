//! Pure edge geometry for plate finding: a colour gradient image of a small patch, the edge
//! support of an axis-aligned ellipse in it, and a local search that refines centre and radius.
//!
//! A plate seen from the side is a circle; seen from an oblique camera it is an ellipse whose
//! vertical semi-axis is the plate's radius (the plate stands upright, the camera is level) and
//! whose horizontal semi-axis is shorter by `aspect = cos(yaw)`. Everything here works in the
//! patch's own pixels (`_patch` space); callers convert to image pixels.

/// Sobel gradients of a patch, per pixel the colour channel with the strongest gradient
/// (so a red plate in front of a green wall of the same brightness still has an edge).
#[derive(Debug, Clone)]
pub struct Gradients {
    pub width: usize,
    pub height: usize,
    pub gx: Vec<f32>,
    pub gy: Vec<f32>,
    /// A contrast scale for the patch: the 90th percentile of gradient magnitudes, within 4..16
    /// grey levels per px (a busy background must not make a plate's moderate rim look weak).
    pub contrast: f32,
}

impl Gradients {
    /// From interleaved 8-bit pixels with `channels` channels (1 or 3), row-major, no padding.
    pub fn from_pixels(width: usize, height: usize, channels: usize, pixels: &[u8]) -> Gradients {
        let n = width * height;
        let mut gx = vec![0.0f32; n];
        let mut gy = vec![0.0f32; n];
        if width >= 3 && height >= 3 && pixels.len() >= n * channels {
            let at = |x: usize, y: usize, c: usize| pixels[(y * width + x) * channels + c] as f32;
            for y in 1..height - 1 {
                for x in 1..width - 1 {
                    let mut best = (0.0f32, 0.0f32, -1.0f32);
                    for c in 0..channels {
                        let sx = (at(x + 1, y - 1, c) + 2.0 * at(x + 1, y, c) + at(x + 1, y + 1, c))
                            - (at(x - 1, y - 1, c) + 2.0 * at(x - 1, y, c) + at(x - 1, y + 1, c));
                        let sy = (at(x - 1, y + 1, c) + 2.0 * at(x, y + 1, c) + at(x + 1, y + 1, c))
                            - (at(x - 1, y - 1, c) + 2.0 * at(x, y - 1, c) + at(x + 1, y - 1, c));
                        let m = sx * sx + sy * sy;
                        if m > best.2 {
                            best = (sx, sy, m);
                        }
                    }
                    gx[y * width + x] = best.0 / 8.0;
                    gy[y * width + x] = best.1 / 8.0;
                }
            }
        }
        let contrast = percentile_magnitude(&gx, &gy, 0.9).clamp(4.0, MAX_CONTRAST);
        Gradients { width, height, gx, gy, contrast }
    }

    /// Bilinear gradient at a sub-pixel position; `None` outside the patch's valid interior.
    #[inline]
    pub fn sample(&self, x: f32, y: f32) -> Option<(f32, f32)> {
        if !(x >= 1.0 && y >= 1.0 && x < (self.width as f32 - 2.0) && y < (self.height as f32 - 2.0)) {
            return None;
        }
        let (x0, y0) = (x as usize, y as usize);
        let (fx, fy) = (x - x0 as f32, y - y0 as f32);
        let i = y0 * self.width + x0;
        let w = self.width;
        let lerp = |v: &[f32]| {
            let top = v[i] + (v[i + 1] - v[i]) * fx;
            let bottom = v[i + w] + (v[i + w + 1] - v[i + w]) * fx;
            top + (bottom - top) * fy
        };
        Some((lerp(&self.gx), lerp(&self.gy)))
    }
}

/// An edge of this many grey levels per px (Sobel / 8) counts as fully clear.
const MAX_CONTRAST: f32 = 16.0;

fn percentile_magnitude(gx: &[f32], gy: &[f32], q: f64) -> f32 {
    // A coarse histogram keeps this linear in the patch size.
    const BINS: usize = 256;
    const MAX: f32 = 128.0;
    let mut hist = [0u32; BINS];
    let mut count = 0u32;
    for (a, b) in gx.iter().zip(gy) {
        let m = (a * a + b * b).sqrt();
        if m > 0.0 {
            let bin = ((m / MAX) * BINS as f32).min(BINS as f32 - 1.0) as usize;
            hist[bin] += 1;
            count += 1;
        }
    }
    if count == 0 {
        return 0.0;
    }
    let target = (count as f64 * q) as u32;
    let mut seen = 0;
    for (bin, &h) in hist.iter().enumerate() {
        seen += h;
        if seen >= target {
            return (bin as f32 + 0.5) * MAX / BINS as f32;
        }
    }
    MAX
}

/// An axis-aligned ellipse: centre, vertical semi-axis `r` (the plate's radius) and
/// `aspect` = horizontal / vertical semi-axis (1 = a circle, a side view).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ellipse {
    pub cx: f32,
    pub cy: f32,
    pub r: f32,
    pub aspect: f32,
}

impl Ellipse {
    pub fn scaled(&self, s: f32) -> Ellipse {
        Ellipse { cx: self.cx * s, cy: self.cy * s, r: self.r * s, aspect: self.aspect }
    }
    pub fn translated(&self, dx: f32, dy: f32) -> Ellipse {
        Ellipse { cx: self.cx + dx, cy: self.cy + dy, ..*self }
    }
}

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
fn arc_share_count(flags: &[bool]) -> usize {
    let mut m = vec![false; flags.len()];
    arc_members(flags, &mut m)
}

/// The narrowest plate outline fitted: a camera 53° off the side. Narrower fits are a hub with
/// the sleeve's end, or a bar seen from the front, where no rule can judge the pull anyway.
pub const MIN_ASPECT: f32 = 0.6;

/// Bounds for the local search, in patch pixels.
#[derive(Debug, Clone, Copy)]
pub struct SearchBounds {
    pub min_r: f32,
    pub max_r: f32,
    /// Largest centre displacement from the start allowed.
    pub max_shift: f32,
    /// Refine the aspect too (detection); tracking keeps the clip's aspect.
    pub fit_aspect: bool,
}

/// Pattern search from `start`: coarse steps halved down to a quarter pixel, maximising
/// `support(..).rank()` within `bounds`. Returns the best ellipse and its support.
pub fn refine(g: &Gradients, start: Ellipse, bounds: SearchBounds) -> (Ellipse, Support) {
    let clamp = |e: Ellipse| -> Ellipse {
        let dx = e.cx - start.cx;
        let dy = e.cy - start.cy;
        let d = (dx * dx + dy * dy).sqrt();
        let (cx, cy) = if d > bounds.max_shift && d > 0.0 {
            (start.cx + dx * bounds.max_shift / d, start.cy + dy * bounds.max_shift / d)
        } else {
            (e.cx, e.cy)
        };
        Ellipse { cx, cy, r: e.r.clamp(bounds.min_r, bounds.max_r), aspect: e.aspect.clamp(MIN_ASPECT, 1.1) }
    };
    let mut best = clamp(start);
    if bounds.fit_aspect {
        // The aspect first, by a scan: a pattern search climbs it too slowly from a poor seed.
        let tol = (best.r * 0.12).max(1.0);
        let mut best_rank = support_within(g, &best, tol).rank();
        for k in 0..=12 {
            let e = clamp(Ellipse { aspect: 0.5 + 0.05 * k as f32, ..best });
            let rank = support_within(g, &e, tol).rank();
            if rank > best_rank + 1e-4 {
                best_rank = rank;
                best = e;
            }
        }
        let _ = best_rank;
    }
    let mut step = (best.r * 0.12).max(1.0);
    while step >= 0.25 {
        // Coarse steps look for edges within a step of the perimeter; fine steps on it exactly.
        let tol = if step >= 1.0 { step } else { 0.0 };
        let mut best_s = support_within(g, &best, tol);
        let mut improved = true;
        let mut rounds = 0;
        while improved && rounds < 12 {
            improved = false;
            rounds += 1;
            let mut moves: Vec<Ellipse> = vec![
                best.translated(step, 0.0),
                best.translated(-step, 0.0),
                best.translated(0.0, step),
                best.translated(0.0, -step),
                Ellipse { r: best.r + step, ..best },
                Ellipse { r: best.r - step, ..best },
            ];
            if bounds.fit_aspect {
                // Move the left/right edges alone (horizontal semi-axis ± step) and the top/bottom
                // edges alone (vertical semi-axis ± step, horizontal kept).
                let a = best.r * best.aspect;
                for ds in [step, -step] {
                    moves.push(Ellipse { aspect: (a + ds) / best.r.max(1.0), ..best });
                    let r = (best.r + ds).max(1.0);
                    moves.push(Ellipse { r, aspect: a / r, ..best });
                }
            }
            for m in moves {
                let m = clamp(m);
                let s = support_within(g, &m, tol);
                if s.rank() > best_s.rank() + 1e-5 {
                    best = m;
                    best_s = s;
                    improved = true;
                }
            }
        }
        step /= 2.0;
    }
    (best, support(g, &best))
}

/// Exhaustive coarse search of centres on a grid around `start` (±`max_shift`, step `step`) and
/// radii `r_factors`·start.r, then [`refine`] from the best few. For frame-to-frame tracking,
/// where the plate may have moved further than a pattern search would climb.
pub fn search(g: &Gradients, start: Ellipse, r_factors: &[f32], step: f32, bounds: SearchBounds) -> (Ellipse, Support) {
    let mut scored: Vec<(f32, Ellipse)> = Vec::new();
    let reach = (bounds.max_shift / step).floor() as i32;
    // The grid looks at a third of the perimeter samples, within half a step of the outline.
    let coarse_n = sample_count(start.r) / 3;
    for &f in r_factors {
        let r = (start.r * f).clamp(bounds.min_r, bounds.max_r);
        for j in -reach..=reach {
            for i in -reach..=reach {
                let (dx, dy) = (i as f32 * step, j as f32 * step);
                if dx * dx + dy * dy > bounds.max_shift * bounds.max_shift {
                    continue;
                }
                let e = Ellipse { cx: start.cx + dx, cy: start.cy + dy, r, aspect: start.aspect };
                let s = support_sampled(g, &e, step / 2.0, coarse_n);
                scored.push((s.rank(), e));
            }
        }
    }
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut best: Option<(Ellipse, Support)> = None;
    for (_, e) in scored.into_iter().take(2) {
        let local = SearchBounds { max_shift: step * 2.0, ..bounds };
        let (e, s) = refine(g, e, local);
        if best.is_none_or(|(_, bs)| s.rank() > bs.rank()) {
            best = Some((e, s));
        }
    }
    best.unwrap_or((start, Support::default()))
}

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
pub(crate) mod tests {
    use super::*;

    /// A synthetic grey patch with a filled ellipse (value `inside` on `outside`), anti-aliased.
    pub(crate) fn disc_patch(w: usize, h: usize, e: Ellipse, inside: u8, outside: u8) -> Vec<u8> {
        let mut px = vec![0u8; w * h];
        for y in 0..h {
            for x in 0..w {
                // 4×4 supersampling
                let mut cover = 0.0;
                for sy in 0..4 {
                    for sx in 0..4 {
                        let fx = x as f32 + (sx as f32 + 0.5) / 4.0 - 0.5;
                        let fy = y as f32 + (sy as f32 + 0.5) / 4.0 - 0.5;
                        let u = (fx - e.cx) / (e.r * e.aspect);
                        let v = (fy - e.cy) / e.r;
                        if u * u + v * v <= 1.0 {
                            cover += 1.0 / 16.0;
                        }
                    }
                }
                px[y * w + x] = (outside as f32 + (inside as f32 - outside as f32) * cover).round() as u8;
            }
        }
        px
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
    fn refine_recovers_centre_and_radius_to_a_fraction_of_a_pixel() {
        let truth = Ellipse { cx: 61.3, cy: 52.6, r: 28.8, aspect: 0.9 };
        let g = Gradients::from_pixels(120, 110, 1, &disc_patch(120, 110, truth, 220, 30));
        let start = Ellipse { cx: 60.0, cy: 54.0, r: 27.5, aspect: 0.95 };
        let bounds = SearchBounds { min_r: 10.0, max_r: 50.0, max_shift: 10.0, fit_aspect: true };
        let (e, s) = refine(&g, start, bounds);
        assert!((e.cx - truth.cx).abs() < 0.4 && (e.cy - truth.cy).abs() < 0.4, "{e:?}");
        assert!((e.r - truth.r).abs() < 0.4, "{e:?}");
        assert!((e.aspect - truth.aspect).abs() < 0.03, "{e:?}");
        assert!(s.score > 0.8 && s.quality() > 0.9, "{s:?}");
    }

    #[test]
    fn search_follows_a_large_move_and_half_a_plate_out_of_the_patch() {
        let truth = Ellipse { cx: 95.0, cy: 40.0, r: 30.0, aspect: 1.0 };
        let g = Gradients::from_pixels(110, 100, 1, &disc_patch(110, 100, truth, 30, 180));
        let start = Ellipse { cx: 82.0, cy: 50.0, r: 30.0, aspect: 1.0 };
        let bounds = SearchBounds { min_r: 20.0, max_r: 40.0, max_shift: 20.0, fit_aspect: false };
        let (e, s) = search(&g, start, &[0.95, 1.0, 1.05], 2.0, bounds);
        assert!((e.cx - truth.cx).abs() < 0.5 && (e.cy - truth.cy).abs() < 0.5, "{e:?}");
        assert!(s.in_patch < 0.9 && s.quality() > 0.7, "{s:?}");
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
