//! Plate finding in a frame: a scaled patch around where the plate should be (OpenCV crops and
//! shrinks it), centre voting on its colour edges for circles and for the ellipses of oblique
//! views ([`super::hough::hough_ellipses`]), each peak refined on the colour edges
//! ([`super::fit`]), with concentric larger circles tried too (a hub ring or an inner plate gives
//! the right centre but a too small radius).

use opencv::core::{Mat, Rect, Size};
use opencv::imgproc;
use opencv::prelude::*;

use super::ellipse::Ellipse;
use super::fit::{refine, SearchBounds};
use super::gradients::Gradients;
use super::hough::hough_ellipses;
use super::support::{support_within, Support};
use crate::error::{Error, Result};

pub(super) fn cv(e: opencv::Error) -> Error {
    Error::OpenCv { context: " (bar tracking)", source: e }
}

/// A part of the frame, scaled, with its colour gradients. Patch px = (image px − origin) · scale
/// with OpenCV's pixel-centre convention (see [`Patch::to_image`]).
pub struct Patch {
    pub grads: Gradients,
    /// The scaled BGR pixels (continuous).
    pub bgr: Mat,
    pub origin_x: f32,
    pub origin_y: f32,
    pub scale: f32,
}

impl Patch {
    /// The part of `frame` inside the image-px rectangle centred at (cx, cy) with half sizes
    /// (hw, hh), scaled by `scale` (≤ 1 shrinks with area averaging). Parts outside the frame are
    /// left out (their edges do not count). `None` when nothing of it is inside the frame.
    pub fn extract(frame: &Mat, cx: f32, cy: f32, hw: f32, hh: f32, scale: f32) -> Result<Option<Patch>> {
        let size = frame.size().map_err(cv)?;
        let x0 = ((cx - hw).floor() as i32).max(0);
        let y0 = ((cy - hh).floor() as i32).max(0);
        let x1 = ((cx + hw).ceil() as i32).min(size.width);
        let y1 = ((cy + hh).ceil() as i32).min(size.height);
        if x1 - x0 < 8 || y1 - y0 < 8 || !cx.is_finite() || !cy.is_finite() {
            return Ok(None);
        }
        let roi = Mat::roi(frame, Rect::new(x0, y0, x1 - x0, y1 - y0)).map_err(cv)?;
        let scale = scale.clamp(0.05, 1.0);
        let mut bgr = Mat::default();
        if scale > 0.999 {
            roi.copy_to(&mut bgr).map_err(cv)?;
        } else {
            imgproc::resize(&roi, &mut bgr, Size::new(0, 0), scale as f64, scale as f64, imgproc::INTER_AREA)
                .map_err(cv)?;
        }
        let scale = if scale > 0.999 { 1.0 } else { scale };
        let (w, h) = (bgr.cols() as usize, bgr.rows() as usize);
        if w < 8 || h < 8 {
            return Ok(None);
        }
        let channels = bgr.channels() as usize;
        let grads = Gradients::from_pixels(w, h, channels, bgr.data_bytes().map_err(cv)?);
        Ok(Some(Patch { grads, bgr, origin_x: x0 as f32, origin_y: y0 as f32, scale }))
    }

    /// The part of `frame` reaching `reach_w`, `reach_h` image px either side of (cx, cy), plus a
    /// 3 patch-px margin, scaled so that `ref_r` image px become `work_r_patch` patch px (never
    /// enlarged): the plate-sized working patches of following and probing.
    pub fn around(
        frame: &Mat,
        cx: f32,
        cy: f32,
        reach_w: f32,
        reach_h: f32,
        ref_r: f32,
        work_r_patch: f32,
    ) -> Result<Option<Patch>> {
        let scale = (work_r_patch / ref_r.max(1.0)).min(1.0);
        let margin = 3.0 / scale;
        Patch::extract(frame, cx, cy, reach_w + margin, reach_h + margin, scale)
    }

    /// Patch px → image px (OpenCV's resize maps pixel centres: x_img = (x_patch + ½)/s − ½).
    pub fn to_image(&self, e: &Ellipse) -> Ellipse {
        let s = self.scale;
        Ellipse {
            cx: (e.cx + 0.5) / s - 0.5 + self.origin_x,
            cy: (e.cy + 0.5) / s - 0.5 + self.origin_y,
            r: e.r / s,
            aspect: e.aspect,
        }
    }

    /// Image px → patch px.
    pub fn from_image(&self, e: &Ellipse) -> Ellipse {
        let s = self.scale;
        Ellipse {
            cx: (e.cx - self.origin_x + 0.5) * s - 0.5,
            cy: (e.cy - self.origin_y + 0.5) * s - 0.5,
            r: e.r * s,
            aspect: e.aspect,
        }
    }
}

/// A plate candidate in image px.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub ellipse: Ellipse,
    pub support: Support,
    /// [`inner_ring_quality`] where measured (the tracker measures the candidates it weighs).
    pub inner_ring: Option<f32>,
}

impl Candidate {
    /// A candidate whose rings have not been measured.
    pub fn new(ellipse: Ellipse, support: Support) -> Candidate {
        Candidate { ellipse, support, inner_ring: None }
    }
}

/// Where to look and for what size, in image px.
#[derive(Debug, Clone, Copy)]
pub struct DetectRequest {
    pub cx: f32,
    pub cy: f32,
    pub half_w: f32,
    pub half_h: f32,
    pub min_r: f32,
    pub max_r: f32,
    /// Ellipse aspects to look for (1 = circle).
    pub aspects: [f32; 2],
}

/// Smallest plate radius, in patch px, the detector works at; sets the patch scale.
const DETECT_MIN_R_PATCH: f32 = 11.0;
/// Hough peaks refined per aspect.
const MAX_REFINED_PER_ASPECT: usize = 6;
/// Of those, how many are also tried at larger concentric radii.
const MAX_CONCENTRIC_CHECKS: usize = 3;

/// Finds plate candidates, best first by edge support. Empty when nothing circular is there.
/// `extra` ellipses (image px, e.g. the tracked plate) are refined and scored in the same patch,
/// wherever they are, so they compare with the new candidates.
pub fn detect(frame: &Mat, req: &DetectRequest, extra: &[Ellipse]) -> Result<Vec<Candidate>> {
    let scale = (DETECT_MIN_R_PATCH / req.min_r.max(1.0)).min(1.0);
    let Some(patch) = Patch::extract(frame, req.cx, req.cy, req.half_w + req.max_r, req.half_h + req.max_r, scale)?
    else {
        return Ok(Vec::new());
    };
    let (min_r, max_r) = (req.min_r * patch.scale, req.max_r * patch.scale);
    // Only centres inside the requested window count.
    let window = |e: &Ellipse| {
        let c = patch.to_image(e);
        (c.cx - req.cx).abs() <= req.half_w && (c.cy - req.cy).abs() <= req.half_h
    };
    let mut seeds: Vec<Ellipse> = extra.iter().map(|e| patch.from_image(e)).collect();
    let mut aspects: Vec<f32> = req.aspects.iter().copied().filter(|a| *a > 0.3 && *a <= 1.0).collect();
    aspects.dedup();
    for &aspect in &aspects {
        for peak in hough_ellipses(&patch.grads, min_r, max_r, aspect, 4 * MAX_REFINED_PER_ASPECT) {
            if window(&peak.ellipse) && seeds.len() < extra.len() + MAX_REFINED_PER_ASPECT * aspects.len() {
                seeds.push(peak.ellipse);
            }
        }
    }

    let bounds =
        SearchBounds { min_r: min_r * 0.9, max_r: max_r * 1.1, max_shift: (0.2 * min_r).max(3.0), fit_aspect: true };
    let mut out: Vec<Candidate> = Vec::new();
    for (k, seed) in seeds.into_iter().enumerate() {
        let (e, s) = refine(&patch.grads, seed, bounds);
        push_unique(&mut out, Candidate::new(patch.to_image(&e), s));
        if k >= MAX_CONCENTRIC_CHECKS {
            continue;
        }
        // Concentric larger circles: a hub or an inner, smaller plate shares the centre.
        for f in [1.15f32, 1.3, 1.5, 1.75, 2.0] {
            let big = Ellipse { r: e.r * f, ..e };
            if big.r > max_r * 1.1 {
                break;
            }
            // Radius held near the start: a strong inner ring must not pull the fit back inside.
            let local = SearchBounds {
                max_shift: e.r * 0.1 + 1.0,
                min_r: big.r * 0.93,
                max_r: (big.r * 1.07).min(bounds.max_r),
                // The same plate seen from the same place: the inner ring's aspect.
                fit_aspect: false,
            };
            let (e2, s2) = refine(&patch.grads, big, local);
            if e2.r > e.r * 1.12 {
                push_unique(&mut out, Candidate::new(patch.to_image(&e2), s2));
            }
        }
    }
    out.sort_by(|a, b| b.support.quality().total_cmp(&a.support.quality()));
    Ok(out)
}

/// Adds `c` unless a near-identical candidate is there already (keeps the better of the two).
fn push_unique(out: &mut Vec<Candidate>, c: Candidate) {
    for o in out.iter_mut() {
        let d = (o.ellipse.cx - c.ellipse.cx).hypot(o.ellipse.cy - c.ellipse.cy);
        if d < 0.15 * c.ellipse.r && (o.ellipse.r - c.ellipse.r).abs() < 0.1 * c.ellipse.r {
            if c.support.quality() > o.support.quality() {
                *o = c;
            }
            return;
        }
    }
    out.push(c);
}

/// Refines a known plate in a new frame: a grid search of centres within `max_shift_px` of
/// `predicted` at its radius, then a fine pattern search of centre and radius, at a scale where the plate's
/// radius is about `work_r_patch` px. Radii stay within [`min_r_px`, `max_r_px`]. With
/// `fit_aspect` only a local refinement runs, of the aspect too (calibrating a fresh detection).
pub fn follow(
    frame: &Mat,
    predicted: Ellipse,
    max_shift_px: f32,
    min_r_px: f32,
    max_r_px: f32,
    work_r_patch: f32,
    fit_aspect: bool,
) -> Result<Option<Candidate>> {
    let Some(patch) = Patch::around(
        frame,
        predicted.cx,
        predicted.cy,
        predicted.r * predicted.aspect * 1.06 + max_shift_px,
        predicted.r * 1.06 + max_shift_px,
        predicted.r,
        work_r_patch,
    )?
    else {
        return Ok(None);
    };
    let start = patch.from_image(&predicted);
    let shift = max_shift_px * patch.scale;
    let step = (shift / 6.0).clamp(1.5, 3.0);
    let bounds = SearchBounds {
        min_r: min_r_px * patch.scale,
        max_r: max_r_px * patch.scale,
        max_shift: shift + 2.0,
        fit_aspect: false,
    };
    let (e, s) = if fit_aspect {
        // Calibration right after a detection (which fits on a coarser patch): the aspect too.
        refine(&patch.grads, start, SearchBounds { fit_aspect: true, ..bounds })
    } else {
        super::fit::search(&patch.grads, start, &[1.0], step, bounds)
    };
    Ok(Some(Candidate::new(patch.to_image(&e), s)))
}

/// Step between the radii [`outer_rim`] tries (3 %).
const RIM_PROBE_STEP: f32 = 1.03;
/// The smallest rim : ring ratio [`outer_rim`] looks for: closer rings are the same edge.
const RIM_PROBE_MIN_RATIO: f32 = 1.12;

/// The plate's outer rim around a followed circle: the outermost circle sharing its centre, up to
/// `max_r_px`, whose edge is clear all round (quality ≥ `min_quality`). Painted rings, a bumper's
/// metal insert and the hub share the rim's centre and often have far sharper edges than a dark
/// rim on a dark wall, so detection and following may lock onto them; the plate's size is its
/// rim. `None` when no such circle is there (the followed circle is then taken as the rim).
pub fn outer_rim(
    frame: &Mat,
    inner: Ellipse,
    max_r_px: f32,
    work_r_patch: f32,
    min_quality: f32,
) -> Result<Option<Candidate>> {
    if max_r_px < inner.r * RIM_PROBE_MIN_RATIO || inner.r < 1.0 {
        return Ok(None);
    }
    let Some(patch) = Patch::around(
        frame,
        inner.cx,
        inner.cy,
        max_r_px * inner.aspect * 1.08,
        max_r_px * 1.08,
        inner.r,
        work_r_patch,
    )?
    else {
        return Ok(None);
    };
    let start = patch.from_image(&inner);
    // The rim's shape: the followed circle's, or round when that fit is skewed (a hub with the
    // sleeve's end can fit a narrow ellipse).
    let mut aspects = vec![start.aspect];
    if (start.aspect - 1.0).abs() > 0.1 {
        aspects.push(1.0);
    }
    // Quality along the radius with the centre held (rings are concentric with the rim): the
    // clear local maxima, outermost first.
    let mut peaks: Vec<Ellipse> = Vec::new();
    for aspect in aspects {
        let mut profile: Vec<(Ellipse, f32)> = Vec::new();
        // From one step inside the smallest ratio, so that a peak there is a true maximum and
        // not the tail of the followed circle's own (blurred, or polygonal) edge.
        let mut f = RIM_PROBE_MIN_RATIO / RIM_PROBE_STEP;
        while start.r * f <= max_r_px * patch.scale {
            let e = Ellipse { r: start.r * f, aspect, ..start };
            profile.push((e, support_within(&patch.grads, &e, 1.0).quality()));
            f *= RIM_PROBE_STEP;
        }
        for i in 1..profile.len() {
            let q = profile[i].1;
            if q >= min_quality && q > profile[i - 1].1 && (i + 1 == profile.len() || q >= profile[i + 1].1) {
                peaks.push(profile[i].0);
            }
        }
    }
    peaks.sort_by(|a, b| b.r.total_cmp(&a.r));
    for peak in peaks {
        let inner_limit = start.r * RIM_PROBE_MIN_RATIO;
        let bounds = SearchBounds {
            min_r: (peak.r / RIM_PROBE_STEP).max(inner_limit),
            max_r: peak.r * RIM_PROBE_STEP,
            max_shift: 0.04 * peak.r + 1.0,
            fit_aspect: false,
        };
        let (e, s) = refine(&patch.grads, peak, bounds);
        // A fit that slid back against the inner limit is the followed circle's own edge.
        if s.quality() >= min_quality && e.r > inner_limit * 1.005 {
            return Ok(Some(Candidate::new(patch.to_image(&e), s)));
        }
    }
    Ok(None)
}

/// Inner rings from this share of the radius to [`INNER_RING_MAX_RATIO`]: a plate's hub flange,
/// painted rings, a bumper's insert, a smaller plate stacked outside.
const INNER_RING_MIN_RATIO: f32 = 0.2;
const INNER_RING_MAX_RATIO: f32 = 0.88;
/// Step between the ring radii tried (6 %: with ±1 px of tolerance the rings at a working
/// radius of 30 px are covered without gaps).
const INNER_RING_STEP: f32 = 1.06;

/// How clearly a ring concentric with `e` shows inside it (the best quality over radii from
/// 0.2 to 0.88 of its radius, centre held), in patch px. Plates have such rings round the bar;
/// a knee, a hand or a circle fitted across two plates' edges has none at its centre.
pub fn inner_ring_quality(grads: &Gradients, e: &Ellipse) -> f32 {
    let mut best = 0.0f32;
    let mut f = INNER_RING_MIN_RATIO;
    while f <= INNER_RING_MAX_RATIO {
        let ring = Ellipse { r: e.r * f, ..*e };
        if ring.r >= 3.0 {
            best = best.max(support_within(grads, &ring, 1.0).quality());
        }
        f *= INNER_RING_STEP;
    }
    best
}

/// [`inner_ring_quality`] of an image-px ellipse, on a patch of its own where its radius is
/// `work_r_patch` px.
pub fn inner_ring_quality_at(frame: &Mat, e: &Ellipse, work_r_patch: f32) -> Result<f32> {
    let Some(patch) = Patch::around(frame, e.cx, e.cy, e.r * e.aspect, e.r, e.r, work_r_patch)? else {
        return Ok(0.0);
    };
    Ok(inner_ring_quality(&patch.grads, &patch.from_image(e)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bar::ellipse::disc_patch;

    #[test]
    fn rings_at_the_centre_are_found_and_an_offset_circle_has_none() {
        let plate = Ellipse { cx: 60.0, cy: 60.0, r: 40.0, aspect: 1.0 };
        let hub = Ellipse { r: 16.0, ..plate };
        let (w, h) = (120usize, 120usize);
        let outer = disc_patch(w, h, plate, 60, 180);
        let inner = disc_patch(w, h, hub, 220, 180);
        let px: Vec<u8> = outer.iter().zip(&inner).map(|(&o, &i)| if i != 180 { i } else { o }).collect();
        let g = Gradients::from_pixels(w, h, 1, &px);
        assert!(inner_ring_quality(&g, &plate) > 0.8);
        // The same size a quarter of a radius off: no ring shares its centre.
        let off = Ellipse { cx: 70.0, ..plate };
        assert!(inner_ring_quality(&g, &off) < 0.4);
    }
}
