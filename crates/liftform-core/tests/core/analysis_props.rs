//! Property tests: the analysis never panics and always returns a well-formed report, whatever
//! the recording: random values, NaN and infinities, empty, one frame, out-of-order times,
//! broken trunk profiles, simulated sets with heavy dropouts.

use crate::common;

use common::sim::{simulate, SimConfig};
use liftform_core::analysis::{analyze, AnalysisConfig};
use liftform_core::recording::{
    BarSample, BarSource, FrameRecord, Landmark, ModelInfo, PoseSample, Recording, RecordingHeader, SourceInfo,
    TrunkProfile, RECORDING_SCHEMA,
};
use liftform_core::report::Report;
use proptest::prelude::*;

fn header(fps: f64) -> RecordingHeader {
    RecordingHeader {
        schema: RECORDING_SCHEMA.into(),
        source: SourceInfo { path: "prop.mp4".into(), fps, frames: 0, width: 640, height: 480, rotation_deg: 0 },
        model: ModelInfo { name: "prop".into(), sha256: None },
        plate_diameter_mm: None,
    }
}

fn check(report: &Report) {
    assert!(
        report.warnings.iter().all(|w| !w.starts_with("internal error")),
        "the analysis panicked: {:?}",
        report.warnings
    );
    let json = serde_json::to_string(report).expect("serialises");
    assert!(json.contains("liftform.report/v1"));
    let _ = report.to_text();
    for f in &report.findings {
        assert!(f.frame_start <= f.frame_end, "{f:?}");
        assert!(report.reps.iter().any(|r| r.index == f.rep), "finding on a missing rep: {f:?}");
    }
}

fn any_f32() -> impl Strategy<Value = f32> {
    prop_oneof![
        6 => -100.0f32..2000.0,
        1 => Just(f32::NAN),
        1 => Just(f32::INFINITY),
        1 => Just(f32::NEG_INFINITY),
        1 => Just(0.0f32),
        1 => Just(1e30f32),
    ]
}

fn landmark() -> impl Strategy<Value = Landmark> {
    (any_f32(), any_f32(), any_f32(), prop_oneof![0.0f32..1.0, Just(f32::NAN)], proptest::option::of(0.0f32..1.0))
        .prop_map(|(x, y, z, v, p)| Landmark { x_px: x, y_px: y, z, visibility: v, presence: p })
}

fn profile() -> impl Strategy<Value = TrunkProfile> {
    (
        proptest::collection::vec(any_f32(), 0..13),
        proptest::collection::vec(proptest::option::of(any_f32()), 0..13),
        proptest::collection::vec(proptest::option::of(any_f32()), 0..13),
    )
        .prop_map(|(t, pos_px, neg_px)| TrunkProfile { t, pos_px, neg_px })
}

fn frame() -> impl Strategy<Value = FrameRecord> {
    (
        0u64..200,
        prop_oneof![0.0f64..10.0, Just(f64::NAN)],
        proptest::option::of((
            0.0f32..1.0,
            proptest::collection::vec(landmark(), 0..40),
            proptest::option::of(profile()),
        )),
        proptest::option::of((any_f32(), any_f32(), proptest::option::of(any_f32()), 0.0f32..1.0, any::<bool>())),
    )
        .prop_map(|(i, t_s, pose, bar)| FrameRecord {
            i,
            t_s,
            pose: pose.map(|(score, landmarks, trunk_profile)| PoseSample {
                score,
                landmarks,
                world_landmarks: None,
                trunk_profile,
            }),
            bar: bar.map(|(x, y, r, c, plate)| BarSample {
                x_px: x,
                y_px: y,
                r_px: r,
                confidence: c,
                source: if plate { BarSource::Plate } else { BarSource::Wrists },
            }),
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn random_recordings_never_panic(
        fps in prop_oneof![Just(30.0f64), Just(0.0), Just(f64::NAN), Just(-5.0), 1.0f64..240.0],
        frames in proptest::collection::vec(frame(), 0..80),
    ) {
        let rec = Recording { header: header(fps), frames };
        check(&analyze(&rec, &AnalysisConfig::default()));
    }

    #[test]
    fn simulated_sets_with_heavy_damage_never_panic(
        seed in 0u64..10_000,
        reps in 1usize..5,
        drop in 0.0f64..0.6,
        nan in 0.0f64..0.3,
        noise in 0.0f64..20.0,
        facing_right in any::<bool>(),
        yaw in 0.0f64..90.0,
        start_at in 0.0f64..3.0,
        with_profile in any::<bool>(),
        with_plate in any::<bool>(),
    ) {
        let cfg = SimConfig {
            seed, reps, drop_share: drop, nan_share: nan, noise_px: noise, facing_right, yaw_deg: yaw,
            start_at_s: start_at, with_profile, with_plate, ..SimConfig::default()
        };
        let out = simulate(&cfg);
        let report = analyze(&out.recording, &AnalysisConfig::default());
        check(&report);
        prop_assert!(report.reps.len() <= reps + 1);
    }
}

#[test]
fn empty_recording() {
    let rec = Recording { header: header(30.0), frames: vec![] };
    let report = analyze(&rec, &AnalysisConfig::default());
    check(&report);
    assert!(report.reps.is_empty());
    assert!(report.warnings.iter().any(|w| w.contains("no frames")));
    // every rule says why it could not judge
    assert_eq!(report.not_assessed.len(), 8);
}

#[test]
fn one_frame_recording() {
    let out = simulate(&SimConfig::default());
    let mut rec = out.recording.clone();
    rec.frames.truncate(1);
    let report = analyze(&rec, &AnalysisConfig::default());
    check(&report);
    assert!(report.reps.is_empty());
}

#[test]
fn nan_filled_recording() {
    let out = simulate(&SimConfig { reps: 2, ..SimConfig::default() });
    let mut rec = out.recording.clone();
    for f in &mut rec.frames {
        f.t_s = f64::NAN;
        if let Some(p) = &mut f.pose {
            for l in &mut p.landmarks {
                *l = Landmark { x_px: f32::NAN, y_px: f32::NAN, z: f32::NAN, visibility: f32::NAN, presence: None };
            }
            if let Some(tp) = &mut p.trunk_profile {
                tp.pos_px.iter_mut().for_each(|v| *v = Some(f32::NAN));
            }
        }
    }
    let report = analyze(&rec, &AnalysisConfig::default());
    check(&report);
    assert!(report.reps.is_empty());
    assert!(report.findings.is_empty());
}

#[test]
fn all_poses_missing() {
    let out = simulate(&SimConfig { reps: 2, ..SimConfig::default() });
    let mut rec = out.recording.clone();
    rec.frames.iter_mut().for_each(|f| f.pose = None);
    let report = analyze(&rec, &AnalysisConfig::default());
    check(&report);
    assert!(report.findings.is_empty());
    assert!(!report.warnings.is_empty());
}
