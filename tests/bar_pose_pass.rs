//! Bar tracking inside the pose pass: `poses.jsonl` gets a `bar` per frame (the near plate, or
//! the wrists as a fallback, said so in `source`), the header keeps the plate diameter, and
//! turning tracking off leaves `bar` null. Needs the models and ../shared/data.

mod support;

use liftform::output::video_output_dir;
use liftform::pose::model::ModelChoice;
use liftform::pose::{PoseEstimator, PoseOptions};
use liftform::pose_pass::{run_pose_pass_with, PosePassOptions};
use liftform::recording::{BarSource, Recording};

#[test]
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
        let options = PosePassOptions {
            track_bar: true,
            plate_diameter_mm: Some(450.0),
            ..PosePassOptions::default()
        };
        let summary = run_pose_pass_with(&path, &dir, &mut estimator, &options, |_| {}).unwrap();
        let rec = Recording::read(&summary.recording_path).unwrap();
        assert_eq!(rec.header.plate_diameter_mm, Some(450.0));
        let plate = rec
            .frames
            .iter()
            .filter(|f| f.bar.as_ref().is_some_and(|b| b.source == BarSource::Plate))
            .count();
        let wrists = rec
            .frames
            .iter()
            .filter(|f| {
                f.bar
                    .as_ref()
                    .is_some_and(|b| b.source == BarSource::Wrists)
            })
            .count();
        let share = plate as f64 / rec.frames.len() as f64;
        println!(
            "{clip}: plate {:.1} %, wrists {:.1} %, {:.1} frames/s, {:?}",
            100.0 * share,
            100.0 * wrists as f64 / rec.frames.len() as f64,
            summary.frames_per_s(),
            summary.bar
        );
        assert_eq!(summary.bar.plate_frames as usize, plate);
        assert!(
            share >= min_plate_share,
            "{clip}: plate on {:.1} % of frames",
            100.0 * share
        );
        for f in &rec.frames {
            if let Some(b) = &f.bar {
                assert!(
                    b.x_px.is_finite() && b.y_px.is_finite() && (0.0..=1.0).contains(&b.confidence)
                );
                assert_eq!(b.r_px.is_some(), b.source == BarSource::Plate);
            }
        }
    }
    // Tracking off: bar stays null.
    let path = data.join("synthetic/deadlift_clean_cam0deg.mp4");
    let dir = video_output_dir(out.path(), &path).unwrap();
    let options = PosePassOptions {
        track_bar: false,
        ..PosePassOptions::default()
    };
    let summary = run_pose_pass_with(&path, &dir, &mut estimator, &options, |_| {}).unwrap();
    let rec = Recording::read(&summary.recording_path).unwrap();
    assert!(rec.frames.iter().all(|f| f.bar.is_none()));
    assert_eq!(rec.header.plate_diameter_mm, None);
}
