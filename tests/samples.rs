//! The shipped sample clips (rendered by tools/render, with exact ground truth beside them) through
//! the whole pipeline: decode, pose pass, analysis. Needs no shared data, so it always runs.

use std::path::{Path, PathBuf};

use liftform::analysis::{analyze, AnalysisConfig};
use liftform::pose::model::ModelChoice;
use liftform::pose::{PoseEstimator, PoseOptions};
use liftform::pose_pass::run_pose_pass;
use liftform::recording::Recording;
use liftform::report::{Report, Severity};

/// A finding counts as on time when it overlaps the injected span widened by this much.
const TIME_TOLERANCE_S: f64 = 0.3;

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples").join(name)
}

fn analyse(name: &str) -> (Report, serde_json::Value) {
    let video = sample(&format!("{name}.mp4"));
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sample(&format!("{name}_gt.json"))).unwrap()).unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut estimator = PoseEstimator::new(&ModelChoice::Full, PoseOptions::default()).unwrap();
    let summary = run_pose_pass(&video, out.path(), &mut estimator, |_| {}).unwrap();
    assert_eq!(summary.frames, truth["n_frames"].as_u64().unwrap(), "{name}: frames");
    assert_eq!(summary.frames_with_pose, summary.frames, "{name}: a pose on every frame");
    let report = analyze(&Recording::read(&summary.recording_path).unwrap(), &AnalysisConfig::default());
    (report, truth)
}

#[test]
fn the_clean_sample_has_three_clean_reps() {
    let (report, truth) = analyse("deadlift_clean_3reps");
    assert!(truth["faults"].as_array().unwrap().is_empty());
    assert_eq!(report.reps.len(), 3, "{:?}", report.reps);
    let faults: Vec<_> = report.findings.iter().filter(|f| f.severity != Severity::Info).map(|f| (f.code, f.start_s)).collect();
    assert!(faults.is_empty(), "false findings on the clean set: {faults:?}");
}

/// What the analysis finds of the injected faults today, printed for the record: DL003 (hips
/// rising early) is found on time; DL001, DL004 and DL005 are *not assessed* (the near plate hides
/// the feet at setup; the legs are lost in rep 2); the rounded back (DL002) is not found yet
/// (issue 7: fault sizes that the rules' own measures register). Nothing not injected is found.
#[test]
fn the_faults_sample_shows_the_early_hip_rise_on_time() {
    let (report, truth) = analyse("deadlift_faults_cam15");
    assert_eq!(report.reps.len(), 2, "{:?}", report.reps);
    for fault in truth["faults"].as_array().unwrap() {
        let code = fault["code"].as_str().unwrap();
        let (start, end) = (fault["start_s"].as_f64().unwrap(), fault["end_s"].as_f64().unwrap());
        let on_time = report.findings.iter().any(|f| {
            f.code == code && f.start_s <= end + TIME_TOLERANCE_S && f.end_s >= start - TIME_TOLERANCE_S
        });
        let not_assessed = report.not_assessed.iter().any(|n| n.code == code);
        println!("{code} injected {start:.2}–{end:.2} s: found on time {on_time}, not assessed {not_assessed}");
        if code == "DL003" {
            assert!(on_time, "DL003 not found within {TIME_TOLERANCE_S} s of {start}–{end}: {:?}", report.findings);
        }
    }
    let unexpected: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Info)
        .filter(|f| !truth["faults"].as_array().unwrap().iter().any(|t| t["code"] == f.code))
        .map(|f| (f.code, f.start_s))
        .collect();
    assert!(unexpected.is_empty(), "findings for faults that were not injected: {unexpected:?}");
}
