//! Snapshot tests (insta) of the JSON and text reports for a few simulated recordings, and for
//! one MediaPipe recording of a real clip when the shared data is present.

use crate::common;

use common::sim::{simulate, Fault, FaultKind, SimConfig};
use liftform_core::analysis::{analyze, AnalysisConfig};

fn report_for(cfg: &SimConfig) -> liftform_core::report::Report {
    analyze(&simulate(cfg).recording, &AnalysisConfig::default())
}

#[test]
fn clean_two_reps() {
    let r = report_for(&SimConfig { reps: 2, seed: 3, ..SimConfig::default() });
    insta::assert_json_snapshot!("clean_two_reps_json", r);
    insta::assert_snapshot!("clean_two_reps_text", r.to_text());
}

#[test]
fn faulty_set_facing_left() {
    let cfg = SimConfig {
        reps: 3,
        seed: 5,
        facing_right: false,
        with_plate: true,
        faults: vec![
            Fault { kind: FaultKind::BarForwardAtSetup { cm: 10.0 }, rep: 1 },
            Fault { kind: FaultKind::RoundedBack { deg: 35.0 }, rep: 2 },
            Fault { kind: FaultKind::HipsRiseEarly { share: 1.0 }, rep: 3 },
            Fault { kind: FaultKind::Hyperextension { lean_deg: 20.0, arch_deg: 35.0 }, rep: 3 },
        ],
        ..SimConfig::default()
    };
    let r = report_for(&cfg);
    insta::assert_json_snapshot!("faulty_set_facing_left_json", r);
    insta::assert_snapshot!("faulty_set_facing_left_text", r.to_text());
}

#[test]
fn oblique_without_outline() {
    let r = report_for(&SimConfig { yaw_deg: 50.0, with_profile: false, seed: 8, ..SimConfig::default() });
    insta::assert_json_snapshot!("oblique_without_outline_json", r);
    insta::assert_snapshot!("oblique_without_outline_text", r.to_text());
}

#[test]
#[ignore = "needs ../shared/data"]
fn mediapipe_real_clip() {
    let path = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/mediapipe_ref/bichraix_bad012.jsonl"
    ));
    let rec = liftform_core::recording::Recording::read(path).expect("reads");
    let r = analyze(&rec, &AnalysisConfig::default());
    insta::assert_snapshot!("mediapipe_bad012_text", r.to_text());
}

#[test]
fn rules_listing_and_explain() {
    insta::assert_snapshot!("rules_list", liftform_core::rules::list_text());
    insta::assert_snapshot!("explain_dl003", liftform_core::rules::explain("DL003").unwrap_or_default());
}
