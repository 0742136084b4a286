//! Bar tracking on the shared clips: the rendered ones against their ground truth (radius jitter,
//! path after a similarity fit), the real ones for plate share and scale, with contact sheets of
//! tracked frames written to /tmp/liftform-bar/ for looking at.
//!
//! Poses come from the pose pass (models needed), or from `LIFTFORM_BAR_POSES=DIR` holding
//! `DIR/<stem>/poses.jsonl` recordings made earlier (faster when iterating).

use crate::support;

use std::path::{Path, PathBuf};

use liftform_core::bar::scale::{estimate_scale, BodyFrame, ScaleInput, ScaleSource};
use liftform_core::output::video_output_dir;
use liftform_core::recording::{BarSample, BarSource, Recording};
use liftform_vision::bar::{BarTracker, BarTrackerOptions};
use liftform_vision::pose::model::ModelChoice;
use liftform_vision::pose::{PoseEstimator, PoseOptions};
use liftform_vision::pose_pass::{run_pose_pass_with, PosePassOptions};
use liftform_vision::video::VideoReader;
use opencv::core::{Mat, Point, Rect, Scalar, Size, Vector};
use opencv::prelude::*;
use opencv::{core, imgcodecs, imgproc};

const SHEET_DIR: &str = "/tmp/liftform-bar";

fn recording_for(clip: &Path, out: &Path, estimator: &mut Option<PoseEstimator>) -> Recording {
    let stem = clip.file_stem().unwrap().to_string_lossy().into_owned();
    if let Some(dir) = std::env::var_os("LIFTFORM_BAR_POSES") {
        let p = PathBuf::from(dir).join(&stem).join("poses.jsonl");
        if p.is_file() {
            return Recording::read(&p).unwrap();
        }
    }
    let est = estimator.get_or_insert_with(|| PoseEstimator::new(&ModelChoice::Full, PoseOptions::default()).unwrap());
    let dir = video_output_dir(out, clip).unwrap();
    let opts = PosePassOptions { track_bar: false, ..PosePassOptions::default() };
    let summary = run_pose_pass_with(clip, &dir, est, &opts, |_| {}).unwrap();
    Recording::read(&summary.recording_path).unwrap()
}

/// Runs the tracker over the clip with the recording's poses; also draws a contact sheet.
fn track(clip: &Path, rec: &Recording, sheet: Option<&Path>) -> Vec<Option<BarSample>> {
    let labels = plate_labels(clip.file_stem().unwrap().to_str().unwrap());
    let mut reader = VideoReader::open(clip).unwrap();
    let mut tracker = BarTracker::new(BarTrackerOptions::default());
    let n = rec.frames.len();
    let picks: Vec<usize> = (0..16).map(|k| (k * (n - 1)) / 15).collect();
    let mut tiles: Vec<Mat> = Vec::new();
    let mut out = Vec::new();
    let mut i = 0usize;
    let mut spent = 0.0f64;
    while let Some(frame) = reader.next_frame().unwrap() {
        let lms = rec.frames.get(i).and_then(|f| f.pose.as_ref()).map(|p| p.landmarks.as_slice());
        let t0 = std::time::Instant::now();
        let bar = tracker.update(&frame.image_bgr, frame.t_s, lms).unwrap();
        spent += t0.elapsed().as_secs_f64();
        if sheet.is_some() && picks.contains(&i) {
            let label = labels.as_ref().and_then(|l| l.iter().find(|l| l.frame == i));
            tiles.push(tile(&frame.image_bgr, bar.as_ref(), lms, label, i));
        }
        out.push(bar);
        i += 1;
    }
    println!(
        "  {}: tracker {:.2} ms/frame, {} detector runs in {} frames, {:?}",
        clip.file_stem().unwrap().to_string_lossy(),
        1000.0 * spent / i.max(1) as f64,
        tracker.stats.detector_runs,
        i,
        tracker.stats
    );
    if let Some(path) = sheet {
        let mut rows = Vec::new();
        for chunk in tiles.chunks(4) {
            let mut v: Vector<Mat> = chunk.iter().cloned().collect();
            while v.len() < 4 {
                v.push(Mat::zeros(300, 300, core::CV_8UC3).unwrap().to_mat().unwrap());
            }
            let mut row = Mat::default();
            core::hconcat(&v, &mut row).unwrap();
            rows.push(row);
        }
        let rows: Vector<Mat> = rows.into_iter().collect();
        let mut all = Mat::default();
        core::vconcat(&rows, &mut all).unwrap();
        imgcodecs::imwrite(path.to_str().unwrap(), &all, &Vector::new()).unwrap();
    }
    out
}

fn tile(
    img: &Mat,
    bar: Option<&BarSample>,
    lms: Option<&[liftform_core::recording::Landmark]>,
    label: Option<&PlateLabel>,
    i: usize,
) -> Mat {
    let mut m = img.clone();
    let label_thick = (m.rows() / 500).max(1);
    if let Some(PlateLabel { plate: Some((cx, cy, r, aspect)), .. }) = label {
        // The hand label, thin red, under the tracker's green circle.
        imgproc::ellipse(
            &mut m,
            Point::new(*cx as i32, *cy as i32),
            Size::new((r * aspect) as i32, *r as i32),
            0.0,
            0.0,
            360.0,
            Scalar::new(0.0, 0.0, 255.0, 0.0),
            label_thick,
            imgproc::LINE_AA,
            0,
        )
        .unwrap();
    }
    let green = Scalar::new(0.0, 255.0, 0.0, 0.0);
    let thick = (m.rows() / 300).max(2);
    if let Some(l) = lms {
        for w in [15usize, 16] {
            let p = Point::new(l[w].x_px as i32, l[w].y_px as i32);
            imgproc::circle(&mut m, p, thick * 2, Scalar::new(255.0, 255.0, 0.0, 0.0), -1, imgproc::LINE_8, 0).unwrap();
        }
    }
    if let Some(b) = bar {
        let c = Point::new(b.x_px as i32, b.y_px as i32);
        match (b.source, b.r_px) {
            (BarSource::Plate, Some(r)) => {
                imgproc::circle(&mut m, c, r as i32, green, thick, imgproc::LINE_AA, 0).unwrap();
                imgproc::circle(&mut m, c, thick * 2, green, -1, imgproc::LINE_8, 0).unwrap();
            }
            _ => {
                let mag = Scalar::new(255.0, 0.0, 255.0, 0.0);
                imgproc::line(
                    &mut m,
                    c - Point::new(15 * thick, 0),
                    c + Point::new(15 * thick, 0),
                    mag,
                    thick,
                    imgproc::LINE_8,
                    0,
                )
                .unwrap();
                imgproc::line(
                    &mut m,
                    c - Point::new(0, 15 * thick),
                    c + Point::new(0, 15 * thick),
                    mag,
                    thick,
                    imgproc::LINE_8,
                    0,
                )
                .unwrap();
            }
        }
    }
    // Square crop around the bar (or the frame's centre), scaled to 300 px.
    let (w, h) = (m.cols(), m.rows());
    let side = w.min(h);
    let cx = bar.map_or(w / 2, |b| b.x_px as i32);
    let x0 = (cx - side / 2).clamp(0, w - side);
    let cy = h / 2;
    let y0 = (cy - side / 2).clamp(0, h - side);
    let roi = Mat::roi(&m, Rect::new(x0, y0, side, side)).unwrap();
    let mut small = Mat::default();
    imgproc::resize(&roi, &mut small, Size::new(300, 300), 0.0, 0.0, imgproc::INTER_AREA).unwrap();
    imgproc::put_text(
        &mut small,
        &format!("{i}"),
        Point::new(5, 20),
        imgproc::FONT_HERSHEY_SIMPLEX,
        0.6,
        Scalar::new(0.0, 255.0, 255.0, 0.0),
        2,
        imgproc::LINE_8,
        false,
    )
    .unwrap();
    small
}

/// A hand label of the near plate in one frame (`tests/data/plate_labels/<stem>.json`, made by
/// looking at the frames; see the README there): centre, rim radius (vertical semi-axis) and
/// aspect in image px, or `None` where the plate cannot be placed (cut to a front view).
#[derive(Debug, Clone)]
struct PlateLabel {
    frame: usize,
    plate: Option<(f64, f64, f64, f64)>,
}

fn plate_labels(stem: &str) -> Option<Vec<PlateLabel>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/plate_labels").join(format!("{stem}.json"));
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).unwrap();
    let frames = v["frames"].as_array().unwrap();
    Some(
        frames
            .iter()
            .map(|f| PlateLabel {
                frame: f["frame"].as_u64().unwrap() as usize,
                plate: f["visible"].as_bool().unwrap().then(|| {
                    (
                        f["cx"].as_f64().unwrap(),
                        f["cy"].as_f64().unwrap(),
                        f["r"].as_f64().unwrap(),
                        f["aspect"].as_f64().unwrap_or(1.0),
                    )
                }),
            })
            .collect(),
    )
}

/// How the tracker did on the labelled frames of one clip.
#[derive(Debug, Clone, Copy, Default)]
struct LabelScore {
    frames: usize,
    /// A plate circle centred on the labelled plate (within [`AXIS_TOLERANCE`] of its radius),
    /// or no plate circle where the label says none can be seen.
    on_axis: usize,
    /// As `on_axis`, and the radius within [`RIM_TOLERANCE`] of the labelled rim's.
    on_rim: usize,
}

/// Centre distance, in labelled radii, within which a circle is on the plate's axis.
const AXIS_TOLERANCE: f64 = 0.2;
/// Relative radius error within which a circle is on the plate's rim.
const RIM_TOLERANCE: f64 = 0.1;

fn score_against_labels(labels: &[PlateLabel], bars: &[Option<BarSample>]) -> LabelScore {
    let mut s = LabelScore::default();
    for l in labels {
        s.frames += 1;
        let plate = bars.get(l.frame).and_then(|b| b.as_ref()).filter(|b| b.source == BarSource::Plate);
        match (l.plate, plate) {
            (None, None) => {
                s.on_axis += 1;
                s.on_rim += 1;
            }
            (Some((cx, cy, r, _)), Some(b)) => {
                let d = (b.x_px as f64 - cx).hypot(b.y_px as f64 - cy) / r;
                if d <= AXIS_TOLERANCE {
                    s.on_axis += 1;
                    if b.r_px.is_some_and(|br| (br as f64 / r - 1.0).abs() <= RIM_TOLERANCE) {
                        s.on_rim += 1;
                    }
                }
            }
            _ => {}
        }
    }
    s
}

fn stats(v: &[f64]) -> (f64, f64) {
    let m = v.iter().sum::<f64>() / v.len() as f64;
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64;
    (m, var.sqrt())
}

/// Least-squares similarity (scale, rotation, translation) from `a` onto `b`; returns the
/// residual distances.
fn similarity_residuals(a: &[[f64; 2]], b: &[[f64; 2]]) -> Vec<f64> {
    let n = a.len() as f64;
    let ma = a.iter().fold([0.0, 0.0], |s, p| [s[0] + p[0] / n, s[1] + p[1] / n]);
    let mb = b.iter().fold([0.0, 0.0], |s, p| [s[0] + p[0] / n, s[1] + p[1] / n]);
    let (mut sxx, mut sxy, mut va) = (0.0, 0.0, 0.0);
    for (p, q) in a.iter().zip(b) {
        let (x, y) = (p[0] - ma[0], p[1] - ma[1]);
        let (u, v) = (q[0] - mb[0], q[1] - mb[1]);
        sxx += x * u + y * v; // cos part
        sxy += x * v - y * u; // sin part
        va += x * x + y * y;
    }
    let (c, s) = (sxx / va, sxy / va);
    a.iter()
        .zip(b)
        .map(|(p, q)| {
            let (x, y) = (p[0] - ma[0], p[1] - ma[1]);
            let fx = c * x - s * y + mb[0];
            let fy = s * x + c * y + mb[1];
            (fx - q[0]).hypot(fy - q[1])
        })
        .collect()
}

fn scale_input(rec: &Recording, bars: &[Option<BarSample>]) -> ScaleInput {
    let radii: Vec<(f64, f64, f64)> = rec
        .frames
        .iter()
        .zip(bars)
        .filter_map(|(f, b)| {
            let b = b.as_ref()?;
            if b.source != BarSource::Plate {
                return None;
            }
            Some((f.t_s, b.r_px? as f64, b.confidence as f64))
        })
        .collect();
    let body: Vec<BodyFrame> =
        rec.frames.iter().filter_map(|f| BodyFrame::from_landmarks(f.t_s, &f.pose.as_ref()?.landmarks)).collect();
    ScaleInput {
        plate_radii_px: radii,
        body,
        plate_diameter_mm: 450.0,
        lifter_height_cm: None,
        frame_width_px: rec.header.source.width as f64,
        frame_height_px: rec.header.source.height as f64,
    }
}

#[test]
#[ignore = "needs ../shared/data"]
fn rendered_clips_radius_jitter_and_path_against_ground_truth() {
    let Some(data) = support::shared_data() else {
        return;
    };
    std::fs::create_dir_all(SHEET_DIR).unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut estimator = None;
    let mut failures = Vec::new();
    for stem in ["deadlift_clean_cam0deg", "deadlift_clean_cam15deg", "deadlift_faults_cam15deg"] {
        let clip = data.join("synthetic").join(format!("{stem}.mp4"));
        let gt: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(data.join("synthetic").join(format!("{stem}_gt.json"))).unwrap(),
        )
        .unwrap();
        let rec = recording_for(&clip, out.path(), &mut estimator);
        let sheet = PathBuf::from(SHEET_DIR).join(format!("{stem}.png"));
        let bars = track(&clip, &rec, Some(&sheet));
        let mut radii = Vec::new();
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for (k, b) in bars.iter().enumerate() {
            let Some(b) = b.as_ref().filter(|b| b.source == BarSource::Plate) else {
                continue;
            };
            radii.push(b.r_px.unwrap() as f64);
            let g = &gt["frames"][k]["px"]["bar"];
            ours.push([b.x_px as f64, b.y_px as f64]);
            theirs.push([g[0].as_f64().unwrap(), g[1].as_f64().unwrap()]);
        }
        let share = radii.len() as f64 / bars.len() as f64;
        let (rm, rs) = stats(&radii);
        let res = similarity_residuals(&ours, &theirs);
        let diameter = 2.0 * rm;
        let (res_mean, _) = stats(&res);
        let res_max = res.iter().cloned().fold(0.0, f64::max);
        let mut sorted = res.clone();
        sorted.sort_by(f64::total_cmp);
        let res_p95 = sorted[(sorted.len() * 95 / 100).min(sorted.len() - 1)];
        let scale = estimate_scale(&scale_input(&rec, &bars));
        println!(
            "{stem:<26} plate {:5.1} %  radius {rm:6.2} px, jitter {:4.2} %  path vs GT after similarity: mean {:4.2} %, p95 {:4.2} %, max {:4.2} % of plate diameter  scale {:?}",
            100.0 * share,
            100.0 * rs / rm,
            100.0 * res_mean / diameter,
            100.0 * res_p95 / diameter,
            100.0 * res_max / diameter,
            scale
        );
        if share < 0.95 {
            failures.push(format!("{stem}: plate on {:.1} % of frames", 100.0 * share));
        }
        if rs / rm > 0.03 {
            failures.push(format!("{stem}: radius jitter {:.2} %", 100.0 * rs / rm));
        }
        if res_p95 / diameter > 0.03 {
            failures.push(format!("{stem}: path p95 {:.2} % of plate diameter", 100.0 * res_p95 / diameter));
        }
        if scale.source != ScaleSource::Plate {
            failures.push(format!("{stem}: no plate scale: {:?}", scale.notes));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("; "));
}

#[test]
#[ignore = "needs ../shared/data"]
fn real_clips_plate_share_and_scale() {
    let Some(data) = support::shared_data() else {
        return;
    };
    std::fs::create_dir_all(SHEET_DIR).unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut estimator = None;
    let mut clips: Vec<PathBuf> = std::fs::read_dir(data.join("videos"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "mp4"))
        .collect();
    clips.sort();
    // `LIFTFORM_BAR_ONLY=stem` runs one clip (when iterating on the tracker).
    if let Ok(only) = std::env::var("LIFTFORM_BAR_ONLY") {
        clips.retain(|c| c.file_stem().is_some_and(|s| s.to_string_lossy() == only));
    }
    let mut with_scale = 0;
    let (mut all, mut clean) = (LabelScore::default(), LabelScore::default());
    for clip in &clips {
        let stem = clip.file_stem().unwrap().to_string_lossy().into_owned();
        let rec = recording_for(clip, out.path(), &mut estimator);
        let sheet = PathBuf::from(SHEET_DIR).join(format!("{stem}.png"));
        let bars = track(clip, &rec, Some(&sheet));
        let plate = bars.iter().flatten().filter(|b| b.source == BarSource::Plate).count();
        let wrists = bars.iter().flatten().filter(|b| b.source == BarSource::Wrists).count();
        let radii: Vec<f64> = bars.iter().flatten().filter_map(|b| b.r_px.map(|r| r as f64)).collect();
        let (rm, rs) = if radii.is_empty() { (f64::NAN, f64::NAN) } else { stats(&radii) };
        let scale = estimate_scale(&scale_input(&rec, &bars));
        if scale.source == ScaleSource::Plate {
            with_scale += 1;
        }
        let csv: String = bars
            .iter()
            .enumerate()
            .map(|(i, b)| match b {
                Some(b) => format!(
                    "{i},{:.2},{:.2},{:.2},{:.3},{:?}\n",
                    b.x_px,
                    b.y_px,
                    b.r_px.unwrap_or(f32::NAN),
                    b.confidence,
                    b.source
                ),
                None => format!("{i},,,,,\n"),
            })
            .collect();
        std::fs::write(PathBuf::from(SHEET_DIR).join(format!("{stem}.csv")), csv).unwrap();
        if let Some(labels) = plate_labels(&stem) {
            let s = score_against_labels(&labels, &bars);
            println!(
                "{stem:<24} hand labels: {} frames, on the plate's axis {}, on its rim {}",
                s.frames, s.on_axis, s.on_rim
            );
            for total in [&mut all].into_iter().chain(CLEAN_SIDE_VIEWS.contains(&stem.as_str()).then_some(&mut clean)) {
                total.frames += s.frames;
                total.on_axis += s.on_axis;
                total.on_rim += s.on_rim;
            }
        }
        println!(
            "{stem:<24} frames {:4}  plate {:5.1} %  wrists {:5.1} %  radius {rm:6.1} ± {:4.1} %  scale {:?} {:.4} cm/px, height {:?} cm  {:?}",
            bars.len(),
            100.0 * plate as f64 / bars.len() as f64,
            100.0 * wrists as f64 / bars.len() as f64,
            100.0 * rs / rm,
            scale.source,
            scale.cm_per_px_plate_plane.unwrap_or(f64::NAN),
            scale.lifter_height_cm.map(|h| h.round()),
            scale.notes
        );
    }
    println!("clips with a trustworthy plate scale: {with_scale} of {}", clips.len());
    let pct = |n: usize, d: usize| 100.0 * n as f64 / d.max(1) as f64;
    for (name, t) in [("all clips", all), ("clean side views", clean)] {
        println!(
            "hand-labelled frames, {name}: {}, circle on the plate's axis {:.0} %, on its rim {:.0} %",
            t.frames,
            pct(t.on_axis, t.frames),
            pct(t.on_rim, t.frames)
        );
    }
    // The issue's target on clean side views (90 %), and floors a little under what the tracker
    // does now over all 192 frames (95 % on the axis, 76 % on the rim) to catch regressions.
    if clips.len() == 12 {
        assert!(all.frames == 192 && clean.frames == 128, "hand labels cover 16 frames of each of the 12 clips");
        assert!(pct(clean.on_axis, clean.frames) >= 90.0, "clean side views, on the plate's axis: {clean:?}");
        assert!(pct(all.on_axis, all.frames) >= 90.0, "on the plate's axis: {all:?}");
        assert!(pct(all.on_rim, all.frames) >= 70.0, "on the plate's rim: {all:?}");
    }
}

/// Side views in one shot with the near plate free of burned-in graphics (the issue's "clean side
/// views"); the others are oblique or front-ish (bichraix_good001, _good004, _bad005, with the
/// plate cut by the frame at the floor), cut between shots (good001) or drawn over (good018).
const CLEAN_SIDE_VIEWS: [&str; 8] = [
    "bichraix_bad007",
    "bichraix_bad010",
    "bichraix_bad011",
    "bichraix_bad012",
    "bichraix_good014",
    "mattiolato_Bad_000001",
    "mattiolato_Bad_000002",
    "mattiolato_Good_000001",
];

/// `LIFTFORM_EXPLORE=1 LIFTFORM_BAR_DEBUG=clip_stem:frame cargo test --test pipeline debug_detect -- --ignored --nocapture`
#[test]
#[ignore = "debugging printout, not a check: run with LIFTFORM_EXPLORE=1 -- --ignored --nocapture"]
fn debug_detect() {
    if std::env::var_os("LIFTFORM_EXPLORE").is_none() {
        return;
    }
    use liftform_core::bar::prior::*;
    use liftform_vision::bar::choose::{location_weight, request_near_hands};
    use liftform_vision::bar::detect::detect;
    let Some(data) = support::shared_data() else {
        return;
    };
    let spec = std::env::var("LIFTFORM_BAR_DEBUG").unwrap();
    let (stem, k) = spec.split_once(':').unwrap();
    let k: usize = k.parse().unwrap();
    let clip =
        ["videos", "synthetic"].iter().map(|d| data.join(d).join(format!("{stem}.mp4"))).find(|p| p.is_file()).unwrap();
    let rec =
        Recording::read(&PathBuf::from(std::env::var("LIFTFORM_BAR_POSES").unwrap()).join(stem).join("poses.jsonl"))
            .unwrap();
    let mut body = BodySize::default();
    for f in &rec.frames {
        if let Some(p) = &f.pose {
            if let Some(l) = body_length_px(&p.landmarks) {
                body.push(l);
            }
        }
    }
    let mut reader = VideoReader::open(&clip).unwrap();
    let mut frame = None;
    for _ in 0..=k {
        frame = reader.next_frame().unwrap();
    }
    let frame = frame.unwrap();
    let lms = &rec.frames[k].pose.as_ref().unwrap().landmarks;
    let (w, _) = wrists_px(lms).unwrap();
    // `LIFTFORM_BAR_BODY=px` sets the lifter's size (the tracker's estimate early in a clip).
    let b = std::env::var("LIFTFORM_BAR_BODY")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| body.estimate_px().unwrap());
    // The tracker's own request, as its search makes it.
    let (req, r_e) = request_near_hands(w, b, [1.0, 0.72]);
    println!("wrists {w:?} body {b} req {req:?}");
    {
        use liftform_vision::bar::detect::Patch;
        use liftform_vision::bar::{ellipse::Ellipse, hough::hough_ellipses, support::support};
        let scale = (11.0 / req.min_r).min(1.0);
        let patch =
            Patch::extract(&frame.image_bgr, req.cx, req.cy, req.half_w + req.max_r, req.half_h + req.max_r, scale)
                .unwrap()
                .unwrap();
        println!("patch {}x{} contrast {}", patch.grads.width, patch.grads.height, patch.grads.contrast);
        for p in hough_ellipses(&patch.grads, req.min_r * patch.scale, req.max_r * patch.scale, 1.0, 40) {
            let e = patch.to_image(&p.ellipse);
            println!("h ({:7.1},{:7.1}) r {:6.1} votes {:.3}", e.cx, e.cy, e.r, p.votes);
        }
        if let Ok(t) = std::env::var("LIFTFORM_BAR_TRUTH") {
            let v: Vec<f32> = t.split(',').map(|x| x.parse().unwrap()).collect();
            let e =
                patch.from_image(&Ellipse { cx: v[0], cy: v[1], r: v[2], aspect: v.get(3).copied().unwrap_or(1.0) });
            println!("truth support {:?}", support(&patch.grads, &e));
        }
    }
    let t = std::time::Instant::now();
    let cands = detect(&frame.image_bgr, &req, &[]).unwrap();
    println!("{} candidates in {:?}", cands.len(), t.elapsed());
    let mut img = frame.image_bgr.clone();
    for c in cands.iter().take(40) {
        let e = c.ellipse;
        println!(
            "c ({:7.1},{:7.1}) r {:6.1} a {:.2} rank {:.3} cov {:.2} arcs {:.2} in {:.2} loc {:.2}",
            e.cx,
            e.cy,
            e.r,
            e.aspect,
            c.support.rank(),
            c.support.coverage,
            c.support.arcs,
            c.support.in_patch,
            location_weight(&e, w, r_e)
        );
        imgproc::ellipse(
            &mut img,
            Point::new(e.cx as i32, e.cy as i32),
            Size::new((e.r * e.aspect) as i32, e.r as i32),
            0.0,
            0.0,
            360.0,
            Scalar::new(0.0, 255.0 * c.support.rank() as f64, 255.0, 0.0),
            1,
            imgproc::LINE_AA,
            0,
        )
        .unwrap();
    }
    imgcodecs::imwrite(format!("{SHEET_DIR}/debug_{stem}_{k}.png"), &img, &Vector::<i32>::new()).unwrap();
}
