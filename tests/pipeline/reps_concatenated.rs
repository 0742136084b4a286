//! Rep counting on real video: a real one-rep clip joined to itself three times with ffmpeg
//! gives three reps through the whole pipeline (decode, pose pass, analysis).

use crate::support;

use liftform_core::analysis::{analyze, AnalysisConfig};
use liftform_core::recording::Recording;
use liftform_vision::pose::model::ModelChoice;
use liftform_vision::pose::{PoseEstimator, PoseOptions};
use liftform_vision::pose_pass::run_pose_pass;

#[test]
#[ignore = "needs ../shared/data"]
fn a_clip_joined_three_times_has_three_reps() {
    let Some(data) = support::shared_data() else { return };
    let tmp = tempfile::tempdir().unwrap();
    for clip in ["bichraix_good014.mp4", "bichraix_bad011.mp4"] {
        let source = data.join("videos").join(clip);
        let list = tmp.path().join("list.txt");
        let line = format!("file '{}'\n", source.display());
        std::fs::write(&list, line.repeat(3)).unwrap();
        let joined = tmp.path().join(format!("three_{clip}"));
        support::ffmpeg(&[
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            list.to_str().unwrap(),
            "-an",
            "-c",
            "copy",
            joined.to_str().unwrap(),
        ]);

        let mut estimator = PoseEstimator::new(&ModelChoice::Full, PoseOptions::default()).unwrap();
        let summary = run_pose_pass(&joined, tmp.path(), &mut estimator, |_| {}).unwrap();
        let report = analyze(&Recording::read(&summary.recording_path).unwrap(), &AnalysisConfig::default());
        let spans: Vec<(f64, f64)> = report.reps.iter().map(|r| (r.start_s, r.end_s)).collect();
        println!("{clip} ×3: {} frames, reps {spans:?}", summary.frames);
        assert_eq!(report.reps.len(), 3, "{clip} joined three times: {spans:?}");
    }
}
