//! Our BlazePose pipeline against the reference outputs in ../shared/models/golden/: same images,
//! same models, single-image mode (detector on the whole image, the best detection's ROI, the
//! landmark network once, no refinement or smoothing). Given the reference's ROI, every landmark
//! must agree within 2 px; from our own detection, the median landmark must.

use crate::support;

use liftform_vision::pose::model::ModelChoice;
use liftform_vision::pose::roi::Roi;
use liftform_vision::pose::{PoseEstimator, PoseOptions};
use opencv::imgcodecs::{imread, IMREAD_COLOR};
use opencv::prelude::*;
use serde_json::Value;

const MAX_LANDMARK_ERROR_PX: f64 = 2.0;

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

#[test]
#[ignore = "needs ../shared/data"]
fn landmarks_match_the_reference_pipeline_within_2_px() {
    let (Some(models), Some(data)) = (support::shared_models(), support::shared_data()) else { return };
    let single_image = PoseOptions { intra_threads: 1, refine_from_heatmap: false, smooth: false };
    let mut checked = 0;
    for (model_name, choice) in [("full", ModelChoice::Full), ("heavy", ModelChoice::Heavy)] {
        let mut estimator = PoseEstimator::new(&choice, single_image).expect("models load");
        for entry in std::fs::read_dir(models.join("golden")).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if !name.ends_with(&format!(".{model_name}.json")) {
                continue;
            }
            let golden: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let image_path = data.join("images").join(golden["image"].as_str().unwrap());
            let image = imread(image_path.to_str().unwrap(), IMREAD_COLOR).unwrap();
            assert!(!image.empty(), "{} did not load", image_path.display());
            let (w, h) = (image.cols() as f32, image.rows() as f32);

            let people = estimator.detect_people(&image).unwrap();
            let best = people.first().unwrap_or_else(|| panic!("{name}: no detection"));
            assert_eq!(people.len(), golden["detections"].as_array().unwrap().len(), "{name}: detections after NMS");
            assert!((best.score as f64 - f(&golden["detector_score"])).abs() < 2e-3, "{name}: detector score");
            let roi = Roi::from_alignment_points(
                [best.keypoints[0][0] * w, best.keypoints[0][1] * h],
                [best.keypoints[1][0] * w, best.keypoints[1][1] * h],
            );
            let g_roi = &golden["roi"];
            assert!((roi.side_px as f64 - f(&g_roi["side_px"])).abs() < 1.0, "{name}: roi side {}", roi.side_px);
            let g_centre = g_roi["center_px"].as_array().unwrap();
            let centre_error =
                (roi.centre_px[0] as f64 - f(&g_centre[0])).hypot(roi.centre_px[1] as f64 - f(&g_centre[1]));
            assert!(centre_error < 1.0, "{name}: roi centre off by {centre_error:.2} px");
            assert!((roi.rotation_rad as f64 - f(&g_roi["rotation_rad"])).abs() < 5e-3, "{name}: roi rotation");

            let g_landmarks = golden["landmarks"].as_array().unwrap();
            let error_px = |ours: &[f32; 5], theirs: &Value| {
                let t = theirs.as_array().unwrap();
                (ours[0] as f64 - f(&t[0])).hypot(ours[1] as f64 - f(&t[1]))
            };

            // 1. The landmark stage alone, on the reference's own ROI: crop, network and mapping.
            let golden_roi = Roi {
                centre_px: [f(&g_centre[0]) as f32, f(&g_centre[1]) as f32],
                side_px: f(&g_roi["side_px"]) as f32,
                rotation_rad: f(&g_roi["rotation_rad"]) as f32,
            };
            let result = estimator.landmarks_in_roi(&image, &golden_roi).unwrap();
            assert!((result.pose_flag as f64 - f(&golden["pose_flag"])).abs() < 1e-3, "{name}: pose flag");
            // Points the network cannot see (visibility < 0.5, e.g. legs below a portrait's frame)
            // are extrapolated and move with the last bits of the crop's resampling.
            let worst_stage = result
                .landmarks_px
                .iter()
                .zip(g_landmarks)
                .filter(|(_, t)| f(&t.as_array().unwrap()[3]) >= 0.5)
                .map(|(o, t)| error_px(o, t))
                .fold(0.0, f64::max);
            for (ours, theirs) in result.landmarks_px.iter().zip(g_landmarks) {
                let visibility = f(&theirs.as_array().unwrap()[3]);
                assert!((ours[3] as f64 - visibility).abs() < 0.05, "{name}: visibility {} vs {visibility}", ours[3]);
            }

            // 2. The whole pipeline from our own detection. OpenCV 4.6's warp (Debian) and the
            // reference's OpenCV 5.0 differ in the last bits, which moves the detection by a tenth
            // of a pixel; the network itself is very sensitive on some photos (on yolov5_bus a
            // 0.5 px larger crop moves the feet by 19 px in the Python reference too), so here the
            // median over all landmarks must agree, and the worst is reported.
            let result = estimator.landmarks_in_roi(&image, &roi).unwrap();
            let mut errors: Vec<f64> =
                result.landmarks_px.iter().zip(g_landmarks).map(|(o, t)| error_px(o, t)).collect();
            errors.sort_by(f64::total_cmp);
            let (median, worst) = (errors[errors.len() / 2], errors[errors.len() - 1]);
            println!("{name}: landmark stage worst (visible) {worst_stage:.3} px; end to end median {median:.3} px, worst {worst:.3} px");
            assert!(worst_stage <= MAX_LANDMARK_ERROR_PX, "{name}: landmark stage worst error {worst_stage:.2} px");
            assert!(median <= MAX_LANDMARK_ERROR_PX, "{name}: end-to-end median error {median:.2} px");
            checked += 1;
        }
    }
    assert_eq!(checked, 8, "expected 4 images × 2 models of golden files");
}
