//! The render pass: the annotated clip decoded back (frame count, size, rate; overlay present on
//! every frame; a finding's banner on exactly the frames of its span), per-finding clips, the
//! HTML page's self-containment, no partial file on failure, and the CLI flags.
//!
//! Uses the shared synthetic clip with MediaPipe's recording of it (no model needed); the CLI test
//! runs the whole pipeline with the models. Marked ignored: they need the shared data (`--include-ignored` runs them).

use crate::support;

use std::path::{Path, PathBuf};

use liftform_core::analysis::{analyze_in_full, Analysis, AnalysisConfig};
use liftform_core::recording::{landmark_index as lm, Recording};
use liftform_core::report::Severity;
use liftform_core::track::Side;
use liftform_render::overlay::{severity_bgr, Layout};
use liftform_render::{clip_file_name, render, RenderOptions, Scene, VideoFileWriter};
use liftform_vision::video::VideoReader;
use opencv::core::{Mat, Rect, Scalar, CV_8UC3};
use opencv::prelude::*;

const CLIP: &str = "synthetic/deadlift_faults_cam15deg.mp4";
const RECORDING: &str = "mediapipe_ref/deadlift_faults_cam15deg.jsonl";
/// The finding added to the report: its frames are known whatever the rules find.
const KNOWN_FIRST: u64 = 100;
const KNOWN_LAST: u64 = 130;

fn inputs() -> Option<(PathBuf, Recording)> {
    let data = support::shared_data()?;
    let (video, rec) = (data.join(CLIP), data.join(RECORDING));
    for p in [&video, &rec] {
        assert!(p.is_file(), "{} not found", p.display());
    }
    let recording = Recording::read(&rec).expect("the shared recording reads");
    Some((video, recording))
}

fn report_with_known_finding(recording: &Recording) -> Analysis {
    let mut analysis = analyze_in_full(recording, &AnalysisConfig::default());
    let report = &mut analysis.report;
    let fps = recording.header.source.fps;
    report.findings.push(support::test_finding(KNOWN_FIRST, KNOWN_LAST, fps));
    analysis
}

fn bgr_at(m: &Mat, x: i32, y: i32) -> [u8; 3] {
    let v = m.at_2d::<opencv::core::Vec3b>(y, x).expect("pixel inside the frame");
    [v[0], v[1], v[2]]
}

fn near(a: [u8; 3], b: [u8; 3], tol: i32) -> bool {
    (0..3).all(|c| (a[c] as i32 - b[c] as i32).abs() <= tol)
}

/// Share of pixels in `rect` that show a banner colour in `annotated` but not in `original`.
fn banner_share(annotated: &Mat, original: &Mat, rect: Rect) -> f64 {
    let colours = [Severity::Fault, Severity::Warning, Severity::Info].map(severity_bgr);
    let (mut hit, mut all) = (0usize, 0usize);
    for y in (rect.y..rect.y + rect.height).step_by(2) {
        for x in (rect.x..rect.x + rect.width).step_by(2) {
            let (a, o) = (bgr_at(annotated, x, y), bgr_at(original, x, y));
            if colours.iter().any(|c| near(a, *c, 45) && !near(o, *c, 45)) {
                hit += 1;
            }
            all += 1;
        }
    }
    hit as f64 / all.max(1) as f64
}

fn mean_abs_diff(a: &Mat, b: &Mat, rect: Rect) -> f64 {
    let mut sum = 0u64;
    let mut n = 0u64;
    for y in rect.y..rect.y + rect.height {
        for x in rect.x..rect.x + rect.width {
            let (p, q) = (bgr_at(a, x, y), bgr_at(b, x, y));
            sum += (0..3).map(|c| (p[c] as i32 - q[c] as i32).unsigned_abs() as u64).sum::<u64>();
            n += 3;
        }
    }
    sum as f64 / n.max(1) as f64
}

#[test]
#[ignore = "needs ../shared/data"]
fn annotated_clip_matches_the_input_and_shows_banners_only_inside_findings() {
    let Some((video, recording)) = inputs() else { return };
    let analysis = report_with_known_finding(&recording);
    let report = &analysis.report;
    let dir = tempfile::tempdir().unwrap();
    let options = RenderOptions { annotate: true, html: false, clips: true };
    let summary = render(&video, &recording, &analysis, dir.path(), &options).expect("render");
    let annotated = summary.annotated.clone().expect("annotated.mp4 written");
    assert_eq!(annotated, dir.path().join("annotated.mp4"));
    assert!(summary.codec.is_some_and(|c| c.is_h264()), "H.264 expected, got {:?}", summary.codec);
    println!("render: {} frames at {:.1} frames/s ({:?})", summary.frames, summary.frames_per_s(), summary.codec);

    let scene = Scene::new(&recording, &analysis);
    let mut original = VideoReader::open(&video).unwrap();
    let mut drawn = VideoReader::open(&annotated).unwrap();
    let (oi, di) = (original.info().clone(), drawn.info().clone());
    assert_eq!((di.width, di.height), (oi.width, oi.height), "same size");
    assert!((di.fps - oi.fps).abs() < 0.01, "same rate: {} vs {}", di.fps, oi.fps);
    let layout = Layout::new(oi.width, oi.height);
    let banner = layout.banner_rect(0);
    let unit = layout.unit;
    let panel = Rect::new((8.0 * unit) as i32, (8.0 * unit) as i32, (60.0 * unit) as i32, (40.0 * unit) as i32);
    let hip_index = if scene.near_side == Side::Left { lm::LEFT_HIP } else { lm::RIGHT_HIP };
    let near_colour = [40u8, 200, 255];
    let (mut frames, mut inside, mut outside, mut skeleton_checked, mut skeleton_seen) = (0u64, 0, 0, 0, 0);
    loop {
        let (o, d) = (original.next_frame().unwrap(), drawn.next_frame().unwrap());
        let (o, d) = match (o, d) {
            (Some(o), Some(d)) => (o, d),
            (None, None) => break,
            (o, d) => {
                panic!("frame counts differ at frame {frames}: original {} annotated {}", o.is_some(), d.is_some())
            }
        };
        let i = o.index;
        let share = banner_share(&d.image_bgr, &o.image_bgr, banner);
        let expected = !scene.active_findings(i).is_empty();
        if expected {
            inside += 1;
            assert!(
                share > 0.5,
                "frame {i}: a finding is active but only {:.0} % of the banner area shows it",
                share * 100.0
            );
        } else {
            outside += 1;
            assert!(
                share < 0.03,
                "frame {i}: no finding is active but {:.1} % of the banner area looks like a banner",
                share * 100.0
            );
        }
        if (KNOWN_FIRST..=KNOWN_LAST).contains(&i) {
            assert!(share > 0.5, "frame {i} is inside the known finding");
        }
        assert!(mean_abs_diff(&d.image_bgr, &o.image_bgr, panel) > 15.0, "frame {i}: the rep/angle panel is missing");
        // The near-side skeleton: its colour around the near hip.
        if let Some(l) = scene.record(i).and_then(|r| r.pose.as_ref()).and_then(|p| p.landmarks.get(hip_index)) {
            if l.visibility > 0.5 {
                skeleton_checked += 1;
                let (cx, cy) = (l.x_px.round() as i32, l.y_px.round() as i32);
                let r = (12.0 * unit) as i32;
                let mut count = 0;
                for y in (cy - r).max(0)..(cy + r).min(oi.height as i32) {
                    for x in (cx - r).max(0)..(cx + r).min(oi.width as i32) {
                        if near(bgr_at(&d.image_bgr, x, y), near_colour, 50) {
                            count += 1;
                        }
                    }
                }
                if count >= 10 {
                    skeleton_seen += 1;
                }
            }
        }
        frames += 1;
    }
    assert_eq!(frames, recording.frames.len() as u64, "same frame count as the recording");
    assert!(inside >= (KNOWN_LAST - KNOWN_FIRST + 1) as usize && outside > 30, "inside {inside}, outside {outside}");
    assert!(
        skeleton_checked > 100 && skeleton_seen * 10 >= skeleton_checked * 9,
        "skeleton seen at the hip on {skeleton_seen} of {skeleton_checked} frames"
    );

    // One clip per finding; the known one spans its frames plus the margins.
    assert_eq!(summary.clips.len(), report.findings.len());
    let n = report.findings.len() - 1;
    let clip = dir.path().join("clips").join(clip_file_name(n, &report.findings[n]));
    let mut reader = VideoReader::open(&clip).unwrap();
    let margin = (liftform_render::CLIP_MARGIN_S * oi.fps).round() as u64;
    while reader.next_frame().unwrap().is_some() {}
    assert_eq!(reader.decoded(), KNOWN_LAST - KNOWN_FIRST + 1 + 2 * margin);

    // Plots, and nothing half-written.
    assert!(summary.plots.len() >= 2, "plots: {:?} warnings {:?}", summary.plots, summary.warnings);
    for p in &summary.plots {
        assert!(std::fs::read(p).unwrap().starts_with(b"\x89PNG"), "{} is a PNG", p.display());
    }
    let leftovers: Vec<_> = walk(dir.path())
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().contains(".tmp")))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
#[ignore = "needs ../shared/data"]
fn html_page_is_self_contained_and_links_findings_to_the_video() {
    let Some((video, recording)) = inputs() else { return };
    let analysis = report_with_known_finding(&recording);
    let report = &analysis.report;
    let dir = tempfile::tempdir().unwrap();
    let options = RenderOptions { annotate: false, html: true, clips: false };
    let summary = render(&video, &recording, &analysis, dir.path(), &options).unwrap();
    assert!(summary.annotated.is_some(), "--html writes the clip the page plays");
    let page = std::fs::read_to_string(summary.html.as_ref().unwrap()).unwrap();
    assert!(page.contains("<video id=\"video\" src=\"annotated.mp4\""));
    assert!(page.contains("conventional deadlift (confidence"), "the page names the lift");
    for external in ["src=\"http", "href=\"http", "url(http", "@import", "<link "] {
        assert!(!page.contains(external), "the page must work offline: found {external}");
    }
    // Every finding: a timeline marker, a keyframe thumbnail, its measured value and advice.
    assert_eq!(page.matches("class=\"mark ").count(), report.findings.len());
    assert_eq!(page.matches("data:image/jpeg;base64,").count(), report.findings.len());
    assert_eq!(page.matches("data:image/png;base64,iVBORw0KGgo").count(), summary.plots.len());
    for f in &report.findings {
        assert!(page.contains(f.code) && page.contains(&liftform_render::html::esc(&f.advice)));
    }
    let known_t = format!("data-t=\"{:.4}\"", (KNOWN_FIRST as f64 + 0.25) / recording.header.source.fps);
    assert!(page.contains(&known_t), "the known finding seeks to its first frame ({known_t})");
    assert!(page.contains("name=\"viewport\""), "mobile viewport");
}

#[test]
#[ignore = "needs ../shared/data"]
fn a_failed_render_leaves_no_file() {
    let Some((video, mut recording)) = inputs() else { return };
    let analysis = report_with_known_finding(&recording);
    recording.header.source.width += 2; // not the video this recording came from
    let dir = tempfile::tempdir().unwrap();
    let options = RenderOptions { annotate: true, html: true, clips: true };
    let err = render(&video, &recording, &analysis, dir.path(), &options).unwrap_err();
    assert!(err.to_string().contains("recording"), "{err}");
    assert!(walk(dir.path()).is_empty(), "left: {:?}", walk(dir.path()));

    // A writer dropped before commit removes its file; a committed one is complete.
    let frame = Mat::new_rows_cols_with_default(48, 64, CV_8UC3, Scalar::new(10.0, 200.0, 30.0, 0.0)).unwrap();
    let path = dir.path().join("x.mp4");
    {
        let mut w = VideoFileWriter::create(&path, 30.0, 64, 48).unwrap();
        for _ in 0..5 {
            w.write(&frame).unwrap();
        }
    }
    assert!(walk(dir.path()).is_empty(), "left: {:?}", walk(dir.path()));
    let mut w = VideoFileWriter::create(&path, 30.0, 64, 48).unwrap();
    for _ in 0..7 {
        w.write(&frame).unwrap();
    }
    assert!(w.write(&Mat::new_rows_cols_with_default(10, 10, CV_8UC3, Scalar::all(0.0)).unwrap()).is_err());
    w.commit().unwrap();
    let mut r = VideoReader::open(&path).unwrap();
    while r.next_frame().unwrap().is_some() {}
    assert_eq!(r.decoded(), 7);
}

#[test]
#[ignore = "needs ../shared/data"]
fn cli_renders_only_when_asked() {
    let Some(data) = support::shared_data() else { return };
    let video = data.join(CLIP);
    assert!(video.is_file(), "{} not found", video.display());
    let out = tempfile::tempdir().unwrap();
    let status = support::liftform().args(["analyze", "-q", "-o"]).arg(out.path()).arg(&video).status().unwrap();
    assert!(status.success());
    let dir = out.path().join("deadlift_faults_cam15deg");
    assert!(dir.join("report.json").is_file());
    assert!(!dir.join("annotated.mp4").exists() && !dir.join("report.html").exists(), "no render without the flags");

    let status = support::liftform()
        .args(["analyze", "-q", "--html", "--clips", "-o"])
        .arg(out.path())
        .arg(&video)
        .status()
        .unwrap();
    assert!(status.success());
    for f in ["annotated.mp4", "report.html", "plot_angles.png", "plot_rep_speeds.png"] {
        assert!(dir.join(f).is_file(), "{f} written");
    }

    // --from-poses has no video to draw on: a clear error.
    let o = support::liftform()
        .args(["analyze", "--html", "-o"])
        .arg(out.path())
        .arg("--from-poses")
        .arg(dir.join("poses.jsonl"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("need the video"));
}
