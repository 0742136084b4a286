//! Local search for a plate's outline on a patch's edges: refining centre, radius and aspect
//! from a start ([`refine`]), and a coarse grid search for a plate that moved further than that
//! climbs ([`search`]).

use super::ellipse::Ellipse;
use super::gradients::Gradients;
use super::support::{sample_count, support, support_sampled, support_within, Support};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bar::ellipse::disc_patch;

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
}
