//! The whole pose pass on the real clips in ../shared/data/videos and the rendered ones in
//! ../shared/data/synthetic, against MediaPipe's own pipeline on the same clips
//! (../shared/data/mediapipe_ref): how often a pose is found, and how far our keypoints are from
//! MediaPipe's, per joint, as a fraction of the torso length.

use crate::support;

use std::collections::BTreeMap;
use std::path::Path;

use liftform_core::output::video_output_dir;
use liftform_core::recording::{landmark_index as lm, Landmark, Recording};
use liftform_vision::pose::model::ModelChoice;
use liftform_vision::pose::{PoseEstimator, PoseOptions};
use liftform_vision::pose_pass::run_pose_pass;

/// The bar: median distance over shoulders, hips, knees and ankles, in torso lengths.
const MAX_CORE_MEDIAN_TORSO: f64 = 0.10;
/// No single clip may be far off either (the hard ones: a plate hiding the body).
const MAX_CLIP_CORE_MEDIAN_TORSO: f64 = 0.15;
const MIN_POSE_SHARE_SIDE_VIEWS: f64 = 0.90;
/// mattiolato_Bad_000001: the near plate hides knees and hips for a second and the head leaves the
/// frame; MediaPipe itself finds a pose on 72.5 % of its frames.
const MIN_POSE_SHARE_ANY_CLIP: f64 = 0.80;

const JOINTS: [(&str, [usize; 2]); 7] = [
    ("shoulder", [lm::LEFT_SHOULDER, lm::RIGHT_SHOULDER]),
    ("hip", [lm::LEFT_HIP, lm::RIGHT_HIP]),
    ("knee", [lm::LEFT_KNEE, lm::RIGHT_KNEE]),
    ("ankle", [lm::LEFT_ANKLE, lm::RIGHT_ANKLE]),
    ("wrist", [lm::LEFT_WRIST, lm::RIGHT_WRIST]),
    ("heel", [lm::LEFT_HEEL, lm::RIGHT_HEEL]),
    ("toe", [lm::LEFT_FOOT_INDEX, lm::RIGHT_FOOT_INDEX]),
];
const CORE_JOINTS: [&str; 4] = ["shoulder", "hip", "knee", "ankle"];

fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn midpoint(l: &[Landmark], a: usize, b: usize) -> [f64; 2] {
    [(l[a].x_px as f64 + l[b].x_px as f64) / 2.0, (l[a].y_px as f64 + l[b].y_px as f64) / 2.0]
}

/// Per-joint distances (torso lengths) between two recordings of the same clip, frame by frame.
fn joint_distances(ours: &Recording, theirs: &Recording) -> BTreeMap<&'static str, Vec<f64>> {
    let mut out: BTreeMap<&str, Vec<f64>> = JOINTS.iter().map(|(name, _)| (*name, Vec::new())).collect();
    for (a, b) in ours.frames.iter().zip(&theirs.frames) {
        let (Some(a), Some(b)) = (&a.pose, &b.pose) else { continue };
        let (ref_l, our_l) = (&b.landmarks, &a.landmarks);
        let shoulder = midpoint(ref_l, lm::LEFT_SHOULDER, lm::RIGHT_SHOULDER);
        let hip = midpoint(ref_l, lm::LEFT_HIP, lm::RIGHT_HIP);
        let torso = (shoulder[0] - hip[0]).hypot(shoulder[1] - hip[1]);
        if torso < 1.0 {
            continue;
        }
        for (name, indices) in JOINTS {
            for i in indices {
                let d =
                    (our_l[i].x_px as f64 - ref_l[i].x_px as f64).hypot(our_l[i].y_px as f64 - ref_l[i].y_px as f64);
                out.get_mut(name).unwrap().push(d / torso);
            }
        }
    }
    out
}

#[test]
#[ignore = "needs ../shared/data"]
fn pose_pass_on_real_and_rendered_clips_matches_mediapipe() {
    let Some(data) = support::shared_data() else { return };
    let labels: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("labels.json")).unwrap()).unwrap();
    let mut clips: Vec<_> = ["videos", "synthetic"]
        .iter()
        .flat_map(|sub| std::fs::read_dir(data.join(sub)).unwrap().map(|e| e.unwrap().path()))
        .filter(|p| p.extension().is_some_and(|e| e == "mp4"))
        .collect();
    clips.sort();
    assert!(clips.len() >= 12, "expected the shared clips, found {}", clips.len());

    let out = tempfile::tempdir().unwrap();
    let mut estimator = PoseEstimator::new(&ModelChoice::Full, PoseOptions::default()).unwrap();
    let mut pooled_core = Vec::new();
    let mut side_frames = (0u64, 0u64);
    let mut failures = Vec::new();
    println!("{:<28} {:>6} {:>7}  {:>6}  per joint (median torso lengths)", "clip", "frames", "pose %", "core");
    for clip in &clips {
        let name = clip.file_name().unwrap().to_string_lossy().into_owned();
        let stem = clip.file_stem().unwrap().to_string_lossy().into_owned();
        let dir = video_output_dir(out.path(), clip).unwrap();
        let summary = run_pose_pass(clip, &dir, &mut estimator, |_| {}).unwrap();
        let share = summary.frames_with_pose as f64 / summary.frames as f64;
        let is_side = labels["clips"][&name]["view"].as_str().is_none_or(|v| v == "side");
        if is_side {
            side_frames.0 += summary.frames_with_pose;
            side_frames.1 += summary.frames;
        }
        if share < MIN_POSE_SHARE_ANY_CLIP {
            failures.push(format!("{name}: pose on {:.1} % of frames", 100.0 * share));
        }

        let reference_path = data.join("mediapipe_ref").join(format!("{stem}.jsonl"));
        let ours = Recording::read(&summary.recording_path).unwrap();
        assert_eq!(ours.frames.len() as u64, summary.frames);
        let mut distances = if Path::new(&reference_path).is_file() {
            let theirs = Recording::read(&reference_path).unwrap();
            assert_eq!(ours.frames.len(), theirs.frames.len(), "{name}: decoded frame count differs from MediaPipe's");
            joint_distances(&ours, &theirs)
        } else {
            BTreeMap::new()
        };
        let mut core: Vec<f64> =
            CORE_JOINTS.iter().flat_map(|j| distances.get(j).cloned().unwrap_or_default()).collect();
        pooled_core.extend_from_slice(&core);
        let core_median = median(&mut core);
        if core_median > MAX_CLIP_CORE_MEDIAN_TORSO {
            failures.push(format!("{name}: core joints {core_median:.3} torso lengths from MediaPipe"));
        }
        let per_joint: Vec<String> =
            JOINTS.iter().map(|(j, _)| format!("{j} {:.3}", median(distances.get_mut(j).unwrap()))).collect();
        println!(
            "{stem:<28} {:>6} {:>6.1}%  {core_median:>6.3}  {}",
            summary.frames,
            100.0 * share,
            per_joint.join(" ")
        );
    }
    let pooled = median(&mut pooled_core);
    let side_share = side_frames.0 as f64 / side_frames.1 as f64;
    println!(
        "all clips: core median {pooled:.3} torso lengths; side views: pose on {:.1} % of frames",
        100.0 * side_share
    );
    assert!(failures.is_empty(), "{}", failures.join("; "));
    assert!(pooled <= MAX_CORE_MEDIAN_TORSO, "core median {pooled:.3} > {MAX_CORE_MEDIAN_TORSO}");
    assert!(side_share >= MIN_POSE_SHARE_SIDE_VIEWS, "side views: pose on {:.1} % of frames", 100.0 * side_share);
}
