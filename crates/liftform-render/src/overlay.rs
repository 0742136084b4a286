//! Drawing one frame's overlay with OpenCV imgproc (Hershey fonts: nothing to install): the
//! skeleton with the near side emphasised, the bar's fading trail, the mid-foot line, the live
//! hip/knee/back angles, the rep and phase, and a banner per active finding coloured by severity.

use opencv::core::{self, Mat, Point, Rect, Scalar, Size};
use opencv::imgproc;
use opencv::prelude::*;

use liftform_core::recording::{landmark_index as lm, Landmark};
use liftform_core::report::Severity;
use liftform_core::reps::PhaseKind;
use liftform_core::track::{BarOrigin, Facing, Side};

use super::scene::{Scene, TRAIL_S};

/// Landmarks below this visibility are not drawn.
const MIN_DRAW_VISIBILITY: f32 = 0.3;
/// Banners shown at once (the worst first); more are summarised as "+N more".
pub const MAX_BANNERS: usize = 2;
/// Age buckets of the bar trail, newest first, each drawn with its own opacity.
const TRAIL_BUCKETS: usize = 5;

// Colours (BGR).
const NEAR: Scalar = bgr(40, 200, 255);
const FAR: Scalar = bgr(170, 170, 170);
const JOINT_FILL: Scalar = bgr(255, 255, 255);
const SHADOW: Scalar = bgr(0, 0, 0);
const TEXT: Scalar = bgr(255, 255, 255);
const TRAIL: Scalar = bgr(255, 255, 0);
const BAR: Scalar = bgr(255, 255, 0);
const MIDFOOT: Scalar = bgr(90, 230, 90);

const fn bgr(b: u8, g: u8, r: u8) -> Scalar {
    Scalar::new(b as f64, g as f64, r as f64, 0.0)
}

/// The banner's fill colour for a severity (BGR).
pub fn severity_bgr(s: Severity) -> [u8; 3] {
    match s {
        Severity::Fault => [40, 40, 215],
        Severity::Warning => [0, 160, 245],
        Severity::Info => [200, 120, 30],
    }
}

fn severity_text(s: Severity) -> Scalar {
    match s {
        Severity::Warning => bgr(15, 15, 15),
        _ => TEXT,
    }
}

pub fn phase_name(p: PhaseKind) -> &'static str {
    match p {
        PhaseKind::Setup => "setup",
        PhaseKind::Pull => "pull",
        PhaseKind::Lockout => "lockout",
        PhaseKind::Lowering => "lowering",
    }
}

/// Sizes in px for a frame: everything scales with the frame's shorter side (1.0 at 360 px).
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    pub width: i32,
    pub height: i32,
    pub unit: f64,
}

impl Layout {
    pub fn new(width: u32, height: u32) -> Layout {
        let short = width.min(height).max(1) as f64;
        Layout { width: width as i32, height: height as i32, unit: (short / 360.0).max(0.75) }
    }

    fn px(&self, v: f64) -> i32 {
        (v * self.unit).round().max(1.0) as i32
    }

    fn font_scale(&self) -> f64 {
        0.48 * self.unit
    }

    fn line_h(&self) -> i32 {
        self.px(17.0)
    }

    /// The rectangle of banner `slot` (0 = bottom-most); tests look for the banner's colour here.
    pub fn banner_rect(&self, slot: usize) -> Rect {
        let margin = self.px(6.0);
        let h = 2 * self.line_h() + self.px(8.0);
        let y = self.height - margin - (slot as i32 + 1) * h - slot as i32 * margin;
        Rect::new(margin, y.max(0), (self.width - 2 * margin).max(1), h.min(self.height))
    }
}

type CvResult<T> = opencv::Result<T>;

/// Draws the overlay of frame `i` onto `img` (the upright BGR frame).
pub fn draw(img: &mut Mat, scene: &Scene, i: u64) -> CvResult<()> {
    let size = img.size()?;
    let layout = Layout::new(size.width as u32, size.height as u32);
    let sample = scene.sample(i);
    draw_midfoot(img, scene, &layout)?;
    if let Some(k) = sample {
        draw_trail(img, scene, &layout, k)?;
    }
    if let Some(record) = scene.record(i) {
        if let Some(pose) = &record.pose {
            draw_skeleton(img, &pose.landmarks, scene.near_side, &layout)?;
            if let Some(k) = sample {
                draw_joint_angles(img, scene, &pose.landmarks, &layout, k)?;
            }
        }
    }
    if let Some(k) = sample {
        draw_bar(img, scene, &layout, i, k)?;
    }
    draw_panel(img, scene, &layout, sample)?;
    draw_banners(img, scene, &layout, i)?;
    Ok(())
}

fn pt(p: [f64; 2]) -> Point {
    Point::new(p[0].round() as i32, p[1].round() as i32)
}

fn landmark_point(lms: &[Landmark], idx: usize) -> Option<Point> {
    let l = lms.get(idx)?;
    let seen = !l.visibility.is_finite() || l.visibility >= MIN_DRAW_VISIBILITY;
    (seen && l.x_px.is_finite() && l.y_px.is_finite() && l.x_px.abs() < 1e5 && l.y_px.abs() < 1e5)
        .then(|| Point::new(l.x_px.round() as i32, l.y_px.round() as i32))
}

fn side_chain(side: Side) -> [(usize, usize); 9] {
    let (sh, el, wr, hip, kn, an, he, toe, ear) = match side {
        Side::Left => (
            lm::LEFT_SHOULDER,
            lm::LEFT_ELBOW,
            lm::LEFT_WRIST,
            lm::LEFT_HIP,
            lm::LEFT_KNEE,
            lm::LEFT_ANKLE,
            lm::LEFT_HEEL,
            lm::LEFT_FOOT_INDEX,
            lm::LEFT_EAR,
        ),
        Side::Right => (
            lm::RIGHT_SHOULDER,
            lm::RIGHT_ELBOW,
            lm::RIGHT_WRIST,
            lm::RIGHT_HIP,
            lm::RIGHT_KNEE,
            lm::RIGHT_ANKLE,
            lm::RIGHT_HEEL,
            lm::RIGHT_FOOT_INDEX,
            lm::RIGHT_EAR,
        ),
    };
    [(ear, sh), (sh, el), (el, wr), (sh, hip), (hip, kn), (kn, an), (an, he), (he, toe), (an, toe)]
}

fn other(side: Side) -> Side {
    match side {
        Side::Left => Side::Right,
        Side::Right => Side::Left,
    }
}

fn draw_skeleton(img: &mut Mat, lms: &[Landmark], near: Side, layout: &Layout) -> CvResult<()> {
    let aa = imgproc::LINE_AA;
    let seg = |img: &mut Mat, a: usize, b: usize, color: Scalar, thick: i32| -> CvResult<()> {
        if let (Some(p), Some(q)) = (landmark_point(lms, a), landmark_point(lms, b)) {
            imgproc::line(img, p, q, color, thick, aa, 0)?;
        }
        Ok(())
    };
    let thin = layout.px(1.2);
    for (a, b) in side_chain(other(near)) {
        seg(img, a, b, FAR, thin)?;
    }
    seg(img, lm::LEFT_SHOULDER, lm::RIGHT_SHOULDER, FAR, thin)?;
    seg(img, lm::LEFT_HIP, lm::RIGHT_HIP, FAR, thin)?;
    let thick = layout.px(3.0);
    for (a, b) in side_chain(near) {
        seg(img, a, b, SHADOW, thick + layout.px(1.5))?;
    }
    for (a, b) in side_chain(near) {
        seg(img, a, b, NEAR, thick)?;
    }
    let r = layout.px(3.2);
    let mut joints: Vec<usize> = side_chain(near).iter().flat_map(|(a, b)| [*a, *b]).collect();
    joints.sort_unstable();
    joints.dedup();
    for j in joints {
        if let Some(p) = landmark_point(lms, j) {
            imgproc::circle(img, p, r, JOINT_FILL, -1, aa, 0)?;
            imgproc::circle(img, p, r, SHADOW, layout.px(1.0), aa, 0)?;
        }
    }
    Ok(())
}

/// Text with a dark outline, readable on any background. `org` is the baseline's left end.
fn outlined_text(img: &mut Mat, text: &str, org: Point, scale: f64, color: Scalar, layout: &Layout) -> CvResult<()> {
    let t = layout.px(1.0).max(1);
    imgproc::put_text(
        img,
        text,
        org,
        imgproc::FONT_HERSHEY_SIMPLEX,
        scale,
        SHADOW,
        t + layout.px(2.0),
        imgproc::LINE_AA,
        false,
    )?;
    imgproc::put_text(img, text, org, imgproc::FONT_HERSHEY_SIMPLEX, scale, color, t, imgproc::LINE_AA, false)
}

fn text_width(text: &str, scale: f64, thickness: i32) -> i32 {
    let mut base = 0;
    imgproc::get_text_size(text, imgproc::FONT_HERSHEY_SIMPLEX, scale, thickness, &mut base)
        .map(|s| s.width)
        .unwrap_or(0)
}

fn fmt_deg(v: f64) -> Option<String> {
    v.is_finite().then(|| format!("{:.0}", v))
}

/// A degree sign after text that ends at `end_x` (Hershey fonts have none).
fn degree_mark(img: &mut Mat, end_x: i32, baseline_y: i32, scale: f64, color: Scalar, layout: &Layout) -> CvResult<()> {
    let r = ((scale * 4.0).round() as i32).max(2);
    let c = Point::new(end_x + r + layout.px(1.0), baseline_y - (scale * 18.0).round() as i32);
    imgproc::circle(img, c, r, SHADOW, layout.px(2.0) + 1, imgproc::LINE_AA, 0)?;
    imgproc::circle(img, c, r, color, layout.px(1.0), imgproc::LINE_AA, 0)
}

fn draw_joint_angles(img: &mut Mat, scene: &Scene, lms: &[Landmark], layout: &Layout, k: usize) -> CvResult<()> {
    let (hip, knee) = match scene.near_side {
        Side::Left => (lm::LEFT_HIP, lm::LEFT_KNEE),
        Side::Right => (lm::RIGHT_HIP, lm::RIGHT_KNEE),
    };
    // Labels go behind the hip and in front of the knee, away from the body.
    let back = if scene.facing == Facing::Left { 1 } else { -1 };
    let scale = layout.font_scale() * 0.9;
    for (idx, value, dir) in [(hip, scene.hip_deg(k), back), (knee, scene.knee_deg(k), -back)] {
        let (Some(p), Some(text)) = (landmark_point(lms, idx), fmt_deg(value)) else { continue };
        let w = text_width(&text, scale, layout.px(1.0));
        let gap = layout.px(9.0);
        let x = if dir > 0 { p.x + gap } else { p.x - gap - w - layout.px(8.0) };
        let org = Point::new(x, p.y + layout.px(4.0));
        outlined_text(img, &text, org, scale, NEAR, layout)?;
        degree_mark(img, x + w, org.y, scale, NEAR, layout)?;
    }
    Ok(())
}

fn draw_midfoot(img: &mut Mat, scene: &Scene, layout: &Layout) -> CvResult<()> {
    let Some(mf) = scene.midfoot_px else { return Ok(()) };
    let x = mf[0].round() as i32;
    if x < 0 || x >= layout.width {
        return Ok(());
    }
    let bottom = ((mf[1] + 6.0 * layout.unit).round() as i32).clamp(0, layout.height - 1);
    let (dash, gap) = (layout.px(10.0), layout.px(6.0));
    let thick = layout.px(1.5);
    let mut y = 0;
    while y < bottom {
        let y2 = (y + dash).min(bottom);
        imgproc::line(img, Point::new(x, y), Point::new(x, y2), MIDFOOT, thick, imgproc::LINE_AA, 0)?;
        y = y2 + gap;
    }
    let scale = layout.font_scale() * 0.75;
    // Near the top, where the body rarely is (the panel sits top-left; keep clear of it).
    let label_y = layout.px(14.0) + if x < layout.px(130.0) { layout.line_h() * 4 + layout.px(12.0) } else { 0 };
    outlined_text(img, "mid-foot", Point::new(x + layout.px(4.0), label_y), scale, MIDFOOT, layout)
}

/// Draws `draw` onto a copy of `rect` and blends it back with opacity `alpha`.
fn blended(img: &mut Mat, rect: Rect, alpha: f64, draw: impl FnOnce(&mut Mat, Point) -> CvResult<()>) -> CvResult<()> {
    let full = Rect::new(0, 0, img.cols(), img.rows());
    let rect = rect & full;
    if rect.width <= 0 || rect.height <= 0 {
        return Ok(());
    }
    let mut roi = img.roi_mut(rect)?;
    let mut canvas = roi.try_clone()?;
    draw(&mut canvas, Point::new(-rect.x, -rect.y))?;
    let mut mixed = Mat::default();
    core::add_weighted(&canvas, alpha, &roi, 1.0 - alpha, 0.0, &mut mixed, -1)?;
    mixed.copy_to(&mut roi)
}

fn draw_trail(img: &mut Mat, scene: &Scene, layout: &Layout, k: usize) -> CvResult<()> {
    let t = &scene.signals.t_s;
    let Some(&now) = t.get(k) else { return Ok(()) };
    let mut buckets: Vec<Vec<(Point, Point)>> = vec![Vec::new(); TRAIL_BUCKETS];
    let mut j = k;
    while j > 0 {
        let age = now - t[j];
        if age.is_nan() || age > TRAIL_S {
            break;
        }
        if let (Some(a), Some(b)) = (scene.bar_px(j - 1), scene.bar_px(j)) {
            let bucket = ((age / TRAIL_S) * TRAIL_BUCKETS as f64).floor() as usize;
            buckets[bucket.min(TRAIL_BUCKETS - 1)].push((pt(a), pt(b)));
        }
        j -= 1;
    }
    for (n, segs) in buckets.iter().enumerate().rev() {
        if segs.is_empty() {
            continue;
        }
        let alpha = 1.0 - n as f64 / TRAIL_BUCKETS as f64;
        let thick = layout.px(3.5 - 2.0 * n as f64 / TRAIL_BUCKETS as f64);
        let pad = thick + 2;
        let (mut x0, mut y0, mut x1, mut y1) = (i32::MAX, i32::MAX, i32::MIN, i32::MIN);
        for (a, b) in segs {
            x0 = x0.min(a.x.min(b.x));
            y0 = y0.min(a.y.min(b.y));
            x1 = x1.max(a.x.max(b.x));
            y1 = y1.max(a.y.max(b.y));
        }
        let rect = Rect::new(x0 - pad, y0 - pad, x1 - x0 + 2 * pad + 1, y1 - y0 + 2 * pad + 1);
        blended(img, rect, alpha, |canvas, off| {
            for (a, b) in segs {
                let (a, b) = (Point::new(a.x + off.x, a.y + off.y), Point::new(b.x + off.x, b.y + off.y));
                imgproc::line(canvas, a, b, TRAIL, thick, imgproc::LINE_AA, 0)?;
            }
            Ok(())
        })?;
    }
    Ok(())
}

fn draw_bar(img: &mut Mat, scene: &Scene, layout: &Layout, i: u64, k: usize) -> CvResult<()> {
    let Some(p) = scene.bar_px(k) else { return Ok(()) };
    let c = pt(p);
    if let Some(r) = scene.plate_radius_px(i) {
        imgproc::circle(img, c, r.round() as i32, SHADOW, layout.px(3.0), imgproc::LINE_AA, 0)?;
        imgproc::circle(img, c, r.round() as i32, BAR, layout.px(1.5), imgproc::LINE_AA, 0)?;
    }
    let r = layout.px(4.5);
    imgproc::circle(img, c, r + layout.px(1.0), SHADOW, -1, imgproc::LINE_AA, 0)?;
    imgproc::circle(img, c, r, BAR, -1, imgproc::LINE_AA, 0)?;
    if scene.bar_origin() == BarOrigin::Wrists {
        let scale = layout.font_scale() * 0.7;
        outlined_text(img, "bar (wrists)", Point::new(c.x + r + layout.px(4.0), c.y - r), scale, BAR, layout)?;
    }
    Ok(())
}

fn draw_panel(img: &mut Mat, scene: &Scene, layout: &Layout, sample: Option<usize>) -> CvResult<()> {
    let title = match sample.and_then(|k| scene.rep_phase.get(k).copied().flatten()) {
        Some((rep, Some(phase))) => format!("REP {rep}  {}", phase_name(phase).to_uppercase()),
        Some((rep, None)) => format!("REP {rep}"),
        None => "between reps".to_string(),
    };
    let angles: Vec<(&str, Option<String>)> = match sample {
        Some(k) => vec![
            ("hip", fmt_deg(scene.hip_deg(k))),
            ("knee", fmt_deg(scene.knee_deg(k))),
            ("back", fmt_deg(scene.back_deg(k))),
        ],
        None => vec![("hip", None), ("knee", None), ("back", None)],
    };
    let scale = layout.font_scale();
    let lh = layout.line_h();
    let pad = layout.px(6.0);
    let thick = layout.px(1.0);
    let label_w = text_width("knee ", scale, thick);
    let value_w = text_width("000", scale, thick) + layout.px(10.0);
    let width = (text_width(&title, scale, thick + 1).max(label_w + value_w)) + 2 * pad;
    let rect = Rect::new(pad, pad, width, lh * 4 + pad);
    blended(img, rect, 0.6, |canvas, off| {
        imgproc::rectangle(
            canvas,
            Rect::new(rect.x + off.x, rect.y + off.y, rect.width, rect.height),
            SHADOW,
            -1,
            imgproc::LINE_8,
            0,
        )
    })?;
    let x = rect.x + pad;
    let mut y = rect.y + lh;
    imgproc::put_text(
        img,
        &title,
        Point::new(x, y),
        imgproc::FONT_HERSHEY_SIMPLEX,
        scale,
        TEXT,
        thick + 1,
        imgproc::LINE_AA,
        false,
    )?;
    for (name, value) in angles {
        y += lh;
        imgproc::put_text(
            img,
            name,
            Point::new(x, y),
            imgproc::FONT_HERSHEY_SIMPLEX,
            scale,
            FAR,
            thick,
            imgproc::LINE_AA,
            false,
        )?;
        let v = value.unwrap_or_else(|| "--".into());
        imgproc::put_text(
            img,
            &v,
            Point::new(x + label_w, y),
            imgproc::FONT_HERSHEY_SIMPLEX,
            scale,
            NEAR,
            thick,
            imgproc::LINE_AA,
            false,
        )?;
        if v != "--" {
            degree_mark(img, x + label_w + text_width(&v, scale, thick), y, scale, NEAR, layout)?;
        }
    }
    Ok(())
}

fn draw_banners(img: &mut Mat, scene: &Scene, layout: &Layout, i: u64) -> CvResult<()> {
    let active = scene.active_findings(i);
    let shown = active.len().min(MAX_BANNERS);
    for (slot, &n) in active.iter().take(shown).enumerate() {
        let f = &scene.report.findings[n];
        let rect = layout.banner_rect(shown - 1 - slot);
        let [b, g, r] = severity_bgr(f.severity);
        imgproc::rectangle(img, rect, bgr(b, g, r), -1, imgproc::LINE_8, 0)?;
        let color = severity_text(f.severity);
        let scale = layout.font_scale();
        let thick = layout.px(1.0);
        let pad = layout.px(8.0);
        let max_w = rect.width - 2 * pad;
        let more = if slot + 1 == shown && active.len() > shown {
            format!("   +{} more", active.len() - shown)
        } else {
            String::new()
        };
        let head = format!("{}  {} {}  rep {}{}", f.severity.as_str().to_uppercase(), f.code, f.rule, f.rep, more);
        let lh = layout.line_h();
        let org1 = Point::new(rect.x + pad, rect.y + layout.px(4.0) + lh - layout.px(4.0));
        imgproc::put_text(
            img,
            &fit(&ascii(&head), scale, thick + 1, max_w),
            org1,
            imgproc::FONT_HERSHEY_SIMPLEX,
            scale,
            color,
            thick + 1,
            imgproc::LINE_AA,
            false,
        )?;
        let org2 = Point::new(org1.x, org1.y + lh);
        imgproc::put_text(
            img,
            &fit(&ascii(&f.message), scale, thick, max_w),
            org2,
            imgproc::FONT_HERSHEY_SIMPLEX,
            scale,
            color,
            thick,
            imgproc::LINE_AA,
            false,
        )?;
    }
    Ok(())
}

/// Cuts `text` at a word so it fits `max_w` px, with "..." when cut.
fn fit(text: &str, scale: f64, thickness: i32, max_w: i32) -> String {
    if text_width(text, scale, thickness) <= max_w {
        return text.to_string();
    }
    let words: Vec<&str> = text.split(' ').collect();
    for n in (1..words.len()).rev() {
        let candidate = format!("{}...", words[..n].join(" ").trim_end_matches([',', ';', ':', '.']));
        if text_width(&candidate, scale, thickness) <= max_w {
            return candidate;
        }
    }
    let mut s: String = text.chars().collect();
    while !s.is_empty() && text_width(&format!("{s}..."), scale, thickness) > max_w {
        s.pop();
    }
    format!("{s}...")
}

/// Hershey fonts draw ASCII only: common symbols are spelled out, anything else dropped.
pub fn ascii(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '°' => out.push_str(" deg"),
            '–' | '—' | '−' => out.push('-'),
            '×' => out.push('x'),
            '≥' => out.push_str(">="),
            '≤' => out.push_str("<="),
            '→' => out.push_str("->"),
            '‘' | '’' => out.push('\''),
            '“' | '”' => out.push('"'),
            '…' => out.push_str("..."),
            '·' => out.push('-'),
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            c if c.is_whitespace() => out.push(' '),
            _ => {}
        }
    }
    out
}

/// A copy of `img` scaled so its longer side is `max_side` px (never enlarged).
pub fn thumbnail(img: &Mat, max_side: i32) -> CvResult<Mat> {
    let (w, h) = (img.cols(), img.rows());
    let long = w.max(h).max(1);
    if long <= max_side {
        return img.try_clone();
    }
    let f = max_side as f64 / long as f64;
    let size = Size::new(((w as f64 * f).round() as i32).max(1), ((h as f64 * f).round() as i32).max(1));
    let mut out = Mat::default();
    imgproc::resize(img, &mut out, size, 0.0, 0.0, imgproc::INTER_AREA)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_spells_out_symbols() {
        assert_eq!(ascii("back 35° – hips×2 → “ok”"), "back 35 deg - hipsx2 -> \"ok\"");
        assert_eq!(ascii("naïve"), "nave");
    }

    #[test]
    fn banners_stack_from_the_bottom_inside_the_frame() {
        let l = Layout::new(1920, 1080);
        let (a, b) = (l.banner_rect(0), l.banner_rect(1));
        assert!(a.y + a.height < 1080 && a.x >= 0 && a.x + a.width <= 1920);
        assert!(b.y + b.height <= a.y);
        let small = Layout::new(640, 360);
        assert!(small.banner_rect(0).height < a.height);
    }
}
