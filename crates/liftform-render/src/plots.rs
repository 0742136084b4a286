//! The PNG plots: the bar path in cm drawn over the frame where the lift starts (OpenCV), the
//! hip/knee/back angles over time with the phases shaded and the findings marked, the bar's
//! vertical speed per rep, and each rep's mean and peak lifting speed with the loss across the set (plotters, bitmap backend, text in DejaVu Sans compiled in: no system
//! font is looked up at run time).

use opencv::core::{Mat, Point, Rect, Scalar, Size};
use opencv::imgproc;
use opencv::prelude::*;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::FontStyle;

use liftform_core::kinematics::ScaleSource;
use liftform_core::report::Severity;
use liftform_core::reps::PhaseKind;

use super::overlay::{phase_name, severity_bgr};
use super::scene::Scene;

/// DejaVu Sans (Bitstream Vera / DejaVu licence: free to embed and redistribute; see
/// `fonts/LICENSE-DejaVu`), shipped in this crate so no system font is needed to build.
static FONT: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
const FAMILY: &str = "sans-serif";

pub const BAR_PATH_FILE: &str = "plot_bar_path.png";
pub const ANGLES_FILE: &str = "plot_angles.png";
pub const VELOCITY_FILE: &str = "plot_velocity.png";
pub const REP_SPEEDS_FILE: &str = "plot_rep_speeds.png";

/// One plot: its file name, a title for the page, and the PNG (or why it could not be drawn).
pub struct Plot {
    pub file: &'static str,
    pub title: String,
    pub png: Result<Vec<u8>, String>,
}

/// Draws every plot. `lift_frame` is the raw frame where the first rep starts (the bar path's
/// background); without it the path is drawn on grey.
pub fn render_all(scene: &Scene, lift_frame: Option<&Mat>) -> Vec<Plot> {
    vec![
        Plot { file: BAR_PATH_FILE, title: "Bar path".into(), png: bar_path(scene, lift_frame) },
        Plot { file: ANGLES_FILE, title: "Hip, knee and back angles".into(), png: angles(scene) },
        Plot { file: VELOCITY_FILE, title: "Bar speed per rep".into(), png: velocity(scene) },
        Plot { file: REP_SPEEDS_FILE, title: "Mean and peak lifting speed per rep".into(), png: rep_speeds(scene) },
    ]
}

fn register_font() -> Result<(), String> {
    static ONCE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let ok = *ONCE.get_or_init(|| plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_ok());
    if ok {
        Ok(())
    } else {
        Err("the embedded font could not be read".into())
    }
}

/// The plots' shared grid: light lines, the axis titles, the project font.
fn draw_mesh<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    x_desc: &str,
    y_desc: &str,
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .label_style((FAMILY, 16))
        .axis_desc_style((FAMILY, 17))
        .light_line_style(RGBColor(235, 235, 235))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()
        .map_err(|e| e.to_string())
}

/// The plots' shared legend: the project font on a light box at `position`.
fn draw_legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    position: SeriesLabelPosition,
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    chart
        .configure_series_labels()
        .position(position)
        .label_font((FAMILY, 16))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(180, 180, 180))
        .draw()
        .map_err(|e| e.to_string())
}

fn rgb_to_png(buf: Vec<u8>, w: u32, h: u32) -> Result<Vec<u8>, String> {
    let img = image::RgbImage::from_raw(w, h, buf).ok_or("plot buffer has the wrong size")?;
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).map_err(|e| e.to_string())?;
    Ok(out.into_inner())
}

fn phase_colour(p: PhaseKind) -> RGBColor {
    match p {
        PhaseKind::Setup => RGBColor(150, 150, 150),
        PhaseKind::Pull => RGBColor(60, 130, 230),
        PhaseKind::Lockout => RGBColor(60, 180, 90),
        PhaseKind::Lowering => RGBColor(160, 90, 200),
    }
}

fn severity_colour(s: Severity) -> RGBColor {
    let [b, g, r] = severity_bgr(s);
    RGBColor(r, g, b)
}

/// Splits a series at unknown values into runs of finite points.
fn runs(xs: &[f64], ys: &[f64]) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut cur = Vec::new();
    for (x, y) in xs.iter().zip(ys) {
        if x.is_finite() && y.is_finite() {
            cur.push((*x, *y));
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

const PLOT_W: u32 = 1200;
const PLOT_H: u32 = 560;

fn angles(scene: &Scene) -> Result<Vec<u8>, String> {
    register_font()?;
    let s = &scene.signals;
    let t = &s.t_s;
    if t.is_empty() {
        return Err("the recording has no frames".into());
    }
    let back: Vec<f64> = (0..s.len()).map(|k| scene.back_deg(k)).collect();
    let series = [
        ("hip", &s.hip_angle_deg[..], RGBColor(235, 140, 20)),
        ("knee", &s.knee_angle_deg[..], RGBColor(40, 110, 220)),
        ("back (above horizontal)", &back[..], RGBColor(30, 160, 70)),
    ];
    if series.iter().all(|(_, v, _)| v.iter().all(|x| !x.is_finite())) {
        return Err("no frame shows the lifter clearly enough".into());
    }
    let (t0, t1) = (t[0], t[t.len() - 1].max(t[0] + 0.1));
    let (y0, y1) = (0.0, 200.0);
    let mut buf = vec![255u8; (PLOT_W * PLOT_H * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (PLOT_W, PLOT_H)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .caption("Hip, knee and back angles (phases shaded, findings on top)", (FAMILY, 24))
            .margin(14)
            .x_label_area_size(48)
            .y_label_area_size(60)
            .build_cartesian_2d(t0..t1, y0..y1)
            .map_err(|e| e.to_string())?;
        for rep in &scene.report.reps {
            for p in &rep.phases {
                let c = phase_colour(p.kind);
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(p.start_s, y0), (p.end_s, 172.0)],
                        c.mix(0.12).filled(),
                    )))
                    .map_err(|e| e.to_string())?;
                let label = phase_name(p.kind);
                let mid = (p.start_s + p.end_s) / 2.0;
                if p.end_s - p.start_s > (t1 - t0) * 0.045 {
                    chart
                        .draw_series(std::iter::once(Text::new(
                            label.to_string(),
                            (mid, 8.0),
                            (FAMILY, 15).into_font().color(&c).pos(plotters::style::text_anchor::Pos::new(
                                plotters::style::text_anchor::HPos::Center,
                                plotters::style::text_anchor::VPos::Bottom,
                            )),
                        )))
                        .map_err(|e| e.to_string())?;
                }
            }
        }
        draw_mesh(&mut chart, "time (s)", "degrees")?;
        for (name, values, colour) in series {
            let mut first = true;
            for run in runs(t, values) {
                let drawn = chart
                    .draw_series(LineSeries::new(
                        run.into_iter().map(|(x, y)| (x, y.clamp(y0, y1))),
                        colour.stroke_width(3),
                    ))
                    .map_err(|e| e.to_string())?;
                if first {
                    drawn
                        .label(name)
                        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], colour.stroke_width(3)));
                    first = false;
                }
            }
        }
        // Findings: a band per finding along the top, labelled with its code.
        for (n, f) in scene.report.findings.iter().enumerate() {
            let c = severity_colour(f.severity);
            let lane = (n % 2) as f64;
            let (ya, yb) = (176.0 + lane * 12.0, 186.0 + lane * 12.0);
            let end = f.end_s.max(f.start_s + (t1 - t0) * 0.006);
            chart
                .draw_series(std::iter::once(Rectangle::new([(f.start_s, ya), (end, yb)], c.filled())))
                .map_err(|e| e.to_string())?;
            chart
                .draw_series(std::iter::once(Rectangle::new([(f.start_s, y0), (end, ya)], c.mix(0.10).filled())))
                .map_err(|e| e.to_string())?;
            chart
                .draw_series(std::iter::once(Text::new(
                    f.code.to_string(),
                    (end, yb),
                    (FAMILY, 14).into_font().color(&c),
                )))
                .map_err(|e| e.to_string())?;
        }
        draw_legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        root.present().map_err(|e| e.to_string())?;
    }
    rgb_to_png(buf, PLOT_W, PLOT_H)
}

fn velocity(scene: &Scene) -> Result<Vec<u8>, String> {
    register_font()?;
    let s = &scene.signals;
    if !s.scale.cm_per_px.is_finite() {
        return Err("no length scale, so no bar speed".into());
    }
    if scene.report.reps.is_empty() {
        return Err("no rep was found".into());
    }
    let palette = [
        RGBColor(40, 110, 220),
        RGBColor(235, 140, 20),
        RGBColor(30, 160, 70),
        RGBColor(200, 50, 60),
        RGBColor(140, 80, 200),
    ];
    type Line = (String, Vec<(f64, f64)>, RGBColor);
    let mut lines: Vec<Line> = Vec::new();
    for (n, rep) in scene.report.reps.iter().enumerate() {
        // From liftoff (the pull's start) to the rep's end.
        let from_s = rep.phases.iter().find(|p| p.kind == PhaseKind::Pull).map(|p| p.start_s).unwrap_or(rep.start_s);
        let pts: Vec<(f64, f64)> = (0..s.len())
            .filter(|&k| s.t_s[k] >= from_s - 0.3 && s.t_s[k] <= rep.end_s && s.bar_vy_m_s[k].is_finite())
            .map(|k| (s.t_s[k] - from_s, s.bar_vy_m_s[k]))
            .collect();
        if pts.len() < 2 {
            continue;
        }
        let mean = rep.metrics.get("mean_concentric_velocity_m_s").filter(|v| v.is_finite());
        let label = match mean {
            Some(v) => format!("rep {} (mean lift speed {:.2} m/s)", rep.index, v),
            None => format!("rep {}", rep.index),
        };
        lines.push((label, pts, palette[n % palette.len()]));
    }
    if lines.is_empty() {
        return Err("the bar was not followed through any rep".into());
    }
    let x0 = lines.iter().flat_map(|l| l.1.iter().map(|p| p.0)).fold(f64::INFINITY, f64::min);
    let x1 = lines.iter().flat_map(|l| l.1.iter().map(|p| p.0)).fold(f64::NEG_INFINITY, f64::max).max(x0 + 0.1);
    let vmax = lines.iter().flat_map(|l| l.1.iter().map(|p| p.1.abs())).fold(0.3, f64::max);
    let y1 = (vmax * 1.15 * 10.0).ceil() / 10.0;
    let scale_note = match s.scale.source {
        ScaleSource::Plate => "scale from the plate",
        ScaleSource::Height => "scale estimated from body size",
        ScaleSource::None => "no scale",
    };
    let mut buf = vec![255u8; (PLOT_W * PLOT_H * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (PLOT_W, PLOT_H)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("Bar vertical speed per rep (up positive; {scale_note})"), (FAMILY, 24))
            .margin(14)
            .x_label_area_size(48)
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1, -y1..y1)
            .map_err(|e| e.to_string())?;
        draw_mesh(&mut chart, "time from liftoff (s)", "m/s")?;
        chart
            .draw_series(LineSeries::new([(x0, 0.0), (x1, 0.0)], RGBColor(120, 120, 120).stroke_width(1)))
            .map_err(|e| e.to_string())?;
        for (label, pts, colour) in lines {
            chart
                .draw_series(LineSeries::new(pts, colour.stroke_width(3)))
                .map_err(|e| e.to_string())?
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], colour.stroke_width(3)));
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        root.present().map_err(|e| e.to_string())?;
    }
    rgb_to_png(buf, PLOT_W, PLOT_H)
}

/// Each rep's mean lifting (concentric) speed as a bar and its peak as a tick, with the speed
/// lost against the set's best rep written above: what velocity-based training apps show.
fn rep_speeds(scene: &Scene) -> Result<Vec<u8>, String> {
    register_font()?;
    let reps: Vec<(usize, f64, Option<f64>, Option<f64>)> = scene
        .report
        .reps
        .iter()
        .filter_map(|r| {
            let mean = *r.metrics.get("mean_concentric_velocity_m_s").filter(|v| v.is_finite())?;
            let peak = r.metrics.get("peak_concentric_velocity_m_s").copied().filter(|v| v.is_finite());
            let loss = r.metrics.get("velocity_loss_pct").copied().filter(|v| v.is_finite());
            Some((r.index, mean, peak, loss))
        })
        .collect();
    if reps.is_empty() {
        return Err("no rep with a measured lifting speed".into());
    }
    let top = reps.iter().map(|r| r.2.unwrap_or(r.1).max(r.1)).fold(0.3, f64::max);
    let y1 = (top * 1.25 * 10.0).ceil() / 10.0;
    let (x0, x1) = (0.4, reps.iter().map(|r| r.0).max().unwrap_or(1) as f64 + 0.6);
    let mut buf = vec![255u8; (PLOT_W * PLOT_H * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (PLOT_W, PLOT_H)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let loss =
            scene.report.bar.velocity_loss_pct.map(|l| format!("; loss over the set {l:.0} %")).unwrap_or_default();
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("Lifting speed per rep{loss}"), (FAMILY, 24))
            .margin(14)
            .x_label_area_size(48)
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1, 0.0..y1)
            .map_err(|e| e.to_string())?;
        // one label per rep, at whole numbers only
        let rep_label = |x: &f64| if (x - x.round()).abs() < 1e-6 { format!("{:.0}", x) } else { String::new() };
        chart
            .configure_mesh()
            .x_desc("rep")
            .y_desc("m/s")
            .x_labels(((x1 - x0) * 2.0).round() as usize + 1)
            .x_label_formatter(&rep_label)
            .disable_x_mesh()
            .label_style((FAMILY, 16))
            .axis_desc_style((FAMILY, 17))
            .light_line_style(RGBColor(235, 235, 235))
            .bold_line_style(RGBColor(215, 215, 215))
            .draw()
            .map_err(|e| e.to_string())?;
        let blue = RGBColor(40, 110, 220);
        let orange = RGBColor(235, 140, 20);
        chart
            .draw_series(reps.iter().map(|r| {
                let x = r.0 as f64;
                Rectangle::new([(x - 0.3, 0.0), (x + 0.3, r.1)], blue.mix(0.8).filled())
            }))
            .map_err(|e| e.to_string())?
            .label("mean lifting speed")
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 18, y + 6)], blue.mix(0.8).filled()));
        chart
            .draw_series(reps.iter().filter_map(|r| {
                let (x, peak) = (r.0 as f64, r.2?);
                Some(PathElement::new(vec![(x - 0.3, peak), (x + 0.3, peak)], orange.stroke_width(4)))
            }))
            .map_err(|e| e.to_string())?
            .label("peak speed")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], orange.stroke_width(4)));
        chart
            .draw_series(reps.iter().map(|r| {
                let text = match r.3 {
                    Some(l) if l > 0.5 => format!("{:.2} (−{l:.0} %)", r.1),
                    _ => format!("{:.2}", r.1),
                };
                Text::new(text, (r.0 as f64 - 0.28, r.2.unwrap_or(r.1).max(r.1) + 0.04 * y1), (FAMILY, 15))
            }))
            .map_err(|e| e.to_string())?;
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        root.present().map_err(|e| e.to_string())?;
    }
    rgb_to_png(buf, PLOT_W, PLOT_H)
}

/// The bar path of each rep over the frame where the lift starts, cropped around the path, with
/// a centimetre grid from the mid-foot line (forward positive) and the bar's starting height.
fn bar_path(scene: &Scene, lift_frame: Option<&Mat>) -> Result<Vec<u8>, String> {
    let cv = |e: opencv::Error| e.to_string();
    let palette: [Scalar; 5] = [
        Scalar::new(0.0, 230.0, 255.0, 0.0),
        Scalar::new(255.0, 160.0, 60.0, 0.0),
        Scalar::new(120.0, 90.0, 255.0, 0.0),
        Scalar::new(90.0, 230.0, 90.0, 0.0),
        Scalar::new(255.0, 90.0, 220.0, 0.0),
    ];
    // Per rep: its bar positions in image px.
    let mut paths: Vec<(usize, Vec<[f64; 2]>)> = Vec::new();
    for rep in &scene.report.reps {
        let (a, b) = (scene.frame_at_time(rep.start_s), scene.frame_at_time(rep.end_s));
        let pts: Vec<[f64; 2]> = (a..=b).filter_map(|i| scene.sample(i).and_then(|k| scene.bar_px(k))).collect();
        if pts.len() >= 2 {
            paths.push((rep.index, pts));
        }
    }
    if paths.is_empty() {
        // No rep: the whole clip's path, if any.
        let pts: Vec<[f64; 2]> = (0..scene.signals.len()).filter_map(|k| scene.bar_px(k)).collect();
        if pts.len() < 2 {
            return Err("the bar was not followed".into());
        }
        paths.push((0, pts));
    }
    let (w, h) = (scene.width as i32, scene.height as i32);
    let mut background = match lift_frame {
        Some(m) if m.cols() == w && m.rows() == h => m.try_clone().map_err(cv)?,
        _ => {
            Mat::new_rows_cols_with_default(h.max(1), w.max(1), opencv::core::CV_8UC3, Scalar::all(90.0)).map_err(cv)?
        }
    };
    // Crop: the path's box, the mid-foot, and a margin.
    let mut xs: Vec<f64> = paths.iter().flat_map(|p| p.1.iter().map(|q| q[0])).collect();
    let mut ys: Vec<f64> = paths.iter().flat_map(|p| p.1.iter().map(|q| q[1])).collect();
    if let Some(mf) = scene.midfoot_px {
        xs.push(mf[0]);
        ys.push(mf[1]);
    }
    let (minx, maxx) =
        (xs.iter().cloned().fold(f64::INFINITY, f64::min), xs.iter().cloned().fold(f64::NEG_INFINITY, f64::max));
    let (miny, maxy) =
        (ys.iter().cloned().fold(f64::INFINITY, f64::min), ys.iter().cloned().fold(f64::NEG_INFINITY, f64::max));
    let short = w.min(h) as f64;
    let margin = ((maxy - miny).max(maxx - minx) * 0.35).max(short * 0.12);
    let mut x0 = (minx - margin).floor().max(0.0) as i32;
    let mut x1 = (maxx + margin).ceil().min(w as f64) as i32;
    let y0 = (miny - margin).floor().max(0.0) as i32;
    let y1 = (maxy + margin * 0.6).ceil().min(h as f64) as i32;
    // Not narrower than 0.6 × its height (room for the labels).
    let min_w = ((y1 - y0) as f64 * 0.6) as i32;
    if x1 - x0 < min_w {
        let grow = (min_w - (x1 - x0)) / 2;
        x0 = (x0 - grow).max(0);
        x1 = (x1 + grow).min(w);
    }
    if x1 - x0 < 8 || y1 - y0 < 8 {
        return Err("the bar path is too small to draw".into());
    }
    let crop = Rect::new(x0, y0, x1 - x0, y1 - y0);
    let zoom = 820.0 / crop.height as f64;
    let out_size = Size::new(((crop.width as f64 * zoom).round() as i32).max(1), 820);
    let mut img = Mat::default();
    {
        let roi = background.roi_mut(crop).map_err(cv)?;
        imgproc::resize(&roi, &mut img, out_size, 0.0, 0.0, imgproc::INTER_LINEAR).map_err(cv)?;
    }
    // Dim the picture so the path stands out.
    let mut dim = Mat::default();
    img.convert_to(&mut dim, -1, 0.55, 0.0).map_err(cv)?;
    img = dim;
    drop(background);
    let to_img = |p: [f64; 2]| {
        Point::new(((p[0] - x0 as f64) * zoom).round() as i32, ((p[1] - y0 as f64) * zoom).round() as i32)
    };
    let aa = imgproc::LINE_AA;
    let font = imgproc::FONT_HERSHEY_SIMPLEX;
    let white = Scalar::new(255.0, 255.0, 255.0, 0.0);
    let grid = Scalar::new(200.0, 200.0, 200.0, 0.0);
    let green = Scalar::new(90.0, 230.0, 90.0, 0.0);
    let (iw, ih) = (img.cols(), img.rows());

    // The centimetre grid.
    let cm_per_px = scene.signals.scale.cm_per_px;
    // 0 cm: the bar's lowest point (on the floor at the start of a full rep).
    let start_y = paths.iter().flat_map(|p| p.1.iter().map(|q| q[1])).fold(f64::NEG_INFINITY, f64::max);
    let fsign = scene.facing.sign();
    if cm_per_px.is_finite() && cm_per_px > 0.0 {
        let px_per_10cm = 10.0 / cm_per_px * zoom;
        if px_per_10cm > 12.0 {
            if let Some(mf) = scene.midfoot_px {
                let base = to_img(mf).x as f64;
                let n_lo = (-(base) / px_per_10cm).floor() as i32;
                let n_hi = ((iw as f64 - base) / px_per_10cm).ceil() as i32;
                for n in n_lo..=n_hi {
                    let x = (base + n as f64 * px_per_10cm).round() as i32;
                    if n != 0 && x > 0 && x < iw {
                        imgproc::line(&mut img, Point::new(x, 0), Point::new(x, ih), grid, 1, aa, 0).map_err(cv)?;
                        let cm = (n as f64 * 10.0 * if fsign == 0.0 { 1.0 } else { fsign }).round() as i32;
                        let label = if cm > 0 { format!("+{cm}") } else { format!("{cm}") };
                        imgproc::put_text(&mut img, &label, Point::new(x + 4, ih - 10), font, 0.5, grid, 1, aa, false)
                            .map_err(cv)?;
                    }
                }
            }
            if start_y.is_finite() {
                let base = to_img([0.0, start_y]).y as f64;
                let n_hi = (base / px_per_10cm).ceil() as i32;
                for n in 0..=n_hi {
                    let y = (base - n as f64 * px_per_10cm).round() as i32;
                    if y > 0 && y < ih {
                        imgproc::line(&mut img, Point::new(0, y), Point::new(iw, y), grid, 1, aa, 0).map_err(cv)?;
                        imgproc::put_text(
                            &mut img,
                            &format!("{} cm", n * 10),
                            Point::new(6, y - 5),
                            font,
                            0.5,
                            grid,
                            1,
                            aa,
                            false,
                        )
                        .map_err(cv)?;
                    }
                }
            }
        }
    }
    // The mid-foot line.
    if let Some(mf) = scene.midfoot_px {
        let x = to_img(mf).x;
        imgproc::line(&mut img, Point::new(x, 0), Point::new(x, ih), green, 2, aa, 0).map_err(cv)?;
        imgproc::put_text(&mut img, "mid-foot", Point::new(x + 6, ih - 36), font, 0.6, green, 2, aa, false)
            .map_err(cv)?;
    }
    // The paths, with their largest distance from the mid-foot line.
    let mut legend: Vec<(String, Scalar)> = Vec::new();
    for (n, (rep, pts)) in paths.iter().enumerate() {
        let c = palette[n % palette.len()];
        let poly: Vec<Point> = pts.iter().map(|p| to_img(*p)).collect();
        for pair in poly.windows(2) {
            imgproc::line(&mut img, pair[0], pair[1], Scalar::all(0.0), 6, aa, 0).map_err(cv)?;
        }
        for pair in poly.windows(2) {
            imgproc::line(&mut img, pair[0], pair[1], c, 3, aa, 0).map_err(cv)?;
        }
        imgproc::circle(&mut img, poly[0], 7, c, -1, aa, 0).map_err(cv)?;
        let mut label = if *rep > 0 { format!("rep {rep}") } else { "bar".to_string() };
        if let (Some(mf), true) = (scene.midfoot_px, cm_per_px.is_finite()) {
            let ahead = pts.iter().map(|p| (p[0] - mf[0]) * fsign * cm_per_px).fold(f64::NEG_INFINITY, f64::max);
            let behind = pts.iter().map(|p| (p[0] - mf[0]) * fsign * cm_per_px).fold(f64::INFINITY, f64::min);
            if ahead.is_finite() && fsign != 0.0 {
                label.push_str(&format!(": {:+.0} to {:+.0} cm from mid-foot", behind, ahead));
            }
        }
        legend.push((label, c));
    }
    let title = match scene.signals.scale.source {
        ScaleSource::Plate => "Bar path, cm (scale from the plate)",
        ScaleSource::Height => "Bar path, cm (scale estimated from body size)",
        ScaleSource::None => "Bar path (no length scale)",
    };
    let band_h = 30 + 26 * legend.len() as i32;
    let band = Rect::new(0, 0, iw, band_h.min(ih));
    {
        let mut roi = img.roi_mut(band).map_err(cv)?;
        let mut darker = Mat::default();
        roi.convert_to(&mut darker, -1, 0.35, 0.0).map_err(cv)?;
        darker.copy_to(&mut roi).map_err(cv)?;
    }
    imgproc::put_text(&mut img, title, Point::new(10, 22), font, 0.6, white, 1, aa, false).map_err(cv)?;
    for (n, (label, c)) in legend.iter().enumerate() {
        let y = 48 + 26 * n as i32;
        imgproc::line(&mut img, Point::new(12, y - 6), Point::new(40, y - 6), *c, 3, aa, 0).map_err(cv)?;
        imgproc::put_text(&mut img, label, Point::new(48, y), font, 0.55, white, 1, aa, false).map_err(cv)?;
    }
    super::encode_png(&img).map_err(|e| e.to_string())
}
