//! Bar tracking inside the pose pass: `poses.jsonl` gets a `bar` per frame (the near plate, or
//! the wrists as a fallback, said so in `source`), the header keeps the plate diameter, and
//! turning tracking off leaves `bar` null. Needs the models and ../shared/data.

use crate::support;

use liftform_core::output::video_output_dir;
use liftform_core::recording::{BarSource, Recording};
use liftform_vision::pose::model::ModelChoice;
use liftform_vision::pose::{PoseEstimator, PoseOptions};
use liftform_vision::pose_pass::{run_pose_pass_with, PosePassOptions};

#[test]
#[ignore = "needs ../shared/data"]
fn pose_pass_writes_the_bar_on_rendered_and_real_clips() {
    let Some(data) = support::shared_data() else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let mut estimator = PoseEstimator::new(&ModelChoice::Full, PoseOptions::default()).unwrap();
    // (clip, least share of frames with the plate)
    let clips = [
        ("synthetic/deadlift_clean_cam15deg.mp4", 0.95),
        ("videos/mattiolato_Bad_000002.mp4", 0.80),
        ("videos/bichraix_bad011.mp4", 0.80),
    ];
    for (clip, min_plate_share) in clips {
        let path = data.join(clip);
        let dir = video_output_dir(out.path(), &path).unwrap();
        let options = PosePassOptions { track_bar: true, plate_diameter_mm: Some(450.0), ..PosePassOptions::default() };
        let summary = run_pose_pass_with(&path, &dir, &mut estimator, &options, |_| {}).unwrap();
        let rec = Recording::read(&summary.recording_path).unwrap();
        assert_eq!(rec.header.plate_diameter_mm, Some(450.0));
        let plate = rec.frames.iter().filter(|f| f.bar.as_ref().is_some_and(|b| b.source == BarSource::Plate)).count();
        let wrists =
            rec.frames.iter().filter(|f| f.bar.as_ref().is_some_and(|b| b.source == BarSource::Wrists)).count();
        let share = plate as f64 / rec.frames.len() as f64;
        println!(
            "{clip}: plate {:.1} %, wrists {:.1} %, {:.1} frames/s, {:?}",
            100.0 * share,
            100.0 * wrists as f64 / rec.frames.len() as f64,
            summary.frames_per_s(),
            summary.bar
        );
        assert_eq!(summary.bar.plate_frames as usize, plate);
        assert!(share >= min_plate_share, "{clip}: plate on {:.1} % of frames", 100.0 * share);
        for f in &rec.frames {
            if let Some(b) = &f.bar {
                assert!(b.x_px.is_finite() && b.y_px.is_finite() && (0.0..=1.0).contains(&b.confidence));
                assert_eq!(b.r_px.is_some(), b.source == BarSource::Plate);
            }
        }
    }
    // Tracking off: bar stays null.
    let path = data.join("synthetic/deadlift_clean_cam0deg.mp4");
    let dir = video_output_dir(out.path(), &path).unwrap();
    let options = PosePassOptions { track_bar: false, ..PosePassOptions::default() };
    let summary = run_pose_pass_with(&path, &dir, &mut estimator, &options, |_| {}).unwrap();
    let rec = Recording::read(&summary.recording_path).unwrap();
    assert!(rec.frames.iter().all(|f| f.bar.is_none()));
    assert_eq!(rec.header.plate_diameter_mm, None);
}

/// The report's bar numbers from a tracked plate, against the rendered clip's ground truth: the
/// plate is brought to the lifter's midline (it is 0.68 m nearer the camera, and at 15° off the
/// side it shows ~18 cm behind the bar's middle), and its motion is scaled in its own plane.
#[test]
#[ignore = "needs ../shared/data"]
fn report_from_the_tracked_plate_matches_the_rendered_truth() {
    let Some(data) = support::shared_data() else {
        return;
    };
    let clip = data.join("synthetic/deadlift_faults_cam15deg.mp4");
    let truth: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(data.join("synthetic/deadlift_faults_cam15deg_gt.json")).unwrap(),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut estimator = PoseEstimator::new(&ModelChoice::Full, PoseOptions::default()).unwrap();
    let options = PosePassOptions { track_bar: true, ..PosePassOptions::default() };
    let summary = run_pose_pass_with(&clip, out.path(), &mut estimator, &options, |_| {}).unwrap();
    let rec = Recording::read(&summary.recording_path).unwrap();
    let report = liftform_core::analysis::analyze(&rec, &liftform_core::analysis::AnalysisConfig::default());
    assert_eq!(report.scale.source, liftform_core::kinematics::ScaleSource::Plate, "{:?}", report.warnings);
    assert_eq!(report.reps.len(), 2);
    let frames = truth["frames"].as_array().unwrap();
    let at = |t: f64| &frames[((t * 30.0).round() as usize).min(frames.len() - 1)];
    let bar = |f: &serde_json::Value, axis: usize| f["world"]["bar"][axis].as_f64().unwrap() * 100.0;
    for rep in &report.reps {
        let pull = rep.phases.iter().find(|p| p.kind == liftform_core::reps::PhaseKind::Pull).unwrap();
        let offset_true = at(pull.start_s)["metrics"]["bar_x_minus_midfoot_m"].as_f64().unwrap() * 100.0;
        let in_pull: Vec<&serde_json::Value> =
            frames.iter().filter(|f| (pull.start_s..=pull.end_s).contains(&f["t"].as_f64().unwrap())).collect();
        let x0 = bar(at(pull.start_s), 0);
        let drift_true = in_pull.iter().map(|f| bar(f, 0) - x0).fold(0.0, f64::max);
        let heights: Vec<f64> = frames
            .iter()
            .filter(|f| (rep.start_s..=rep.end_s).contains(&f["t"].as_f64().unwrap()))
            .map(|f| bar(f, 2))
            .collect();
        let rom_true =
            heights.iter().cloned().fold(f64::MIN, f64::max) - heights.iter().cloned().fold(f64::MAX, f64::min);
        let m = &rep.metrics;
        println!(
            "rep {}: setup offset {:.1} cm (truth {offset_true:.1}), pull drift {:.1} (truth {drift_true:.1}), ROM {:.1} (truth {rom_true:.1}), mean speed {:.2} m/s",
            rep.index, m["setup_bar_offset_cm"], m["pull_max_drift_cm"], m["vertical_rom_cm"], m["mean_concentric_velocity_m_s"]
        );
        // BlazePose's wrists (which place the bar's middle sideways) sit ~1.5 cm ahead of the
        // true wrists and its near heel ~5 cm behind: measured +2.5 and +3.0 cm.
        assert!((m["setup_bar_offset_cm"] - offset_true).abs() < 4.0, "rep {} setup offset", rep.index);
        assert!((m["pull_max_drift_cm"] - drift_true).abs() < 2.0, "rep {} drift", rep.index);
        assert!((m["vertical_rom_cm"] - rom_true).abs() < 3.0, "rep {} ROM", rep.index);
    }
    let dl001: Vec<usize> = report.findings.iter().filter(|f| f.code == "DL001").map(|f| f.rep).collect();
    assert_eq!(dl001, vec![1], "DL001 on the rep set up 9 cm forward only");
}
