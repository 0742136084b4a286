//! `liftform eval` through the real binary on the repository's own sample clips: the pose pass,
//! the analysis and the score, in text and JSON; a bad labels file fails in one line.

use crate::support;

use std::path::Path;

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples");

#[test]
fn eval_scores_the_samples_against_labels_and_reuses_kept_recordings() {
    let tmp = tempfile::tempdir().unwrap();
    let labels = tmp.path().join("labels.json");
    // The faulty sample's rounded back (rep 4) and early hips (rep 3) are rendered faults; the
    // clean sample must come out clean; a clip that is not there is listed, not fatal.
    std::fs::write(
        &labels,
        r#"{"clips": {
            "deadlift_faults_cam15.mp4": {"required": ["DL002", "DL003"], "allowed": ["DL001", "DL004", "DL005", "DL008"], "reps": 5},
            "deadlift_clean_3reps.mp4": {"required": [], "reps": 3},
            "not_here.mp4": {"required": ["DL001"]}
        }}"#,
    )
    .unwrap();
    let kept = tmp.path().join("recordings");
    let run = |json: bool| {
        let mut cmd = support::liftform();
        cmd.args(["eval", SAMPLES, "--labels"]).arg(&labels).arg("--recordings").arg(&kept).arg("-q");
        if json {
            cmd.arg("--json");
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "eval failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let text = run(false);
    assert!(text.contains("per rule") && text.contains("not_here.mp4") && text.contains("not evaluated"), "{text}");
    assert!(kept.join("deadlift_clean_3reps").join("poses.jsonl").is_file(), "recordings kept");
    let modified =
        std::fs::metadata(kept.join("deadlift_clean_3reps").join("poses.jsonl")).unwrap().modified().unwrap();

    let json: serde_json::Value = serde_json::from_str(&run(true)).unwrap();
    assert_eq!(json["schema"], "liftform.eval/v1");
    let totals = &json["totals"];
    assert_eq!(totals["required"], 2);
    assert_eq!(totals["required_found"], 2, "{json:#}");
    assert_eq!((totals["clean"].as_u64(), totals["clean_without_finding"].as_u64()), (Some(1), Some(1)), "{json:#}");
    assert_eq!(totals["false_findings"], 0, "{json:#}");
    assert_eq!(totals["reps_exact"], 2, "{json:#}");
    assert_eq!(json["missing"][0][0], "not_here.mp4");
    let again = std::fs::metadata(kept.join("deadlift_clean_3reps").join("poses.jsonl")).unwrap().modified().unwrap();
    assert_eq!(modified, again, "the kept recording was reused, not made again");
}

#[test]
fn a_bad_labels_file_is_one_line_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let labels = tmp.path().join("labels.json");
    std::fs::write(&labels, r#"{"clips": {"a.mp4": {"required": ["DL042"]}}}"#).unwrap();
    let out = support::liftform().args(["eval", SAMPLES, "--labels"]).arg(&labels).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("labels.json") && stderr.contains("DL042"), "{stderr}");
    let missing = Path::new(SAMPLES).join("no-such-folder");
    let out = support::liftform().args(["eval"]).arg(&missing).arg("--labels").arg(&labels).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-folder"));
}
