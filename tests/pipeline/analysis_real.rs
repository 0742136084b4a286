//! Real clips: the analysis on the shared clips' recordings against `../shared/data/labels.json`.
//!
//! Two sets of recordings: our own pose pass run here on every clip in `../shared/data/videos/`
//! (the whole pipeline; they carry the mask-based back outline; `LIFTFORM_EVAL_POSES=DIR` reuses
//! saved `<stem>.jsonl` files instead), and MediaPipe's in `../shared/data/mediapipe_ref/`.
//! The test fails if the share of required codes found, or the share of clean clips with no
//! fault, drops below the floors recorded here. Skipped (with a message) when the data is absent.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use liftform_core::analysis::{analyze, AnalysisConfig};
use liftform_core::recording::Recording;
use liftform_core::report::Severity;

const SHARED_DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data");

/// Recordings of the real clips by our own pose pass: from `LIFTFORM_EVAL_POSES` when set, else
/// made now into a temporary folder (kept alive by the returned guard).
fn own_poses() -> Option<(PathBuf, Option<tempfile::TempDir>)> {
    if let Some(dir) = std::env::var_os("LIFTFORM_EVAL_POSES") {
        return Some((PathBuf::from(dir), None));
    }
    let videos = Path::new(SHARED_DATA).join("videos");
    let entries = std::fs::read_dir(&videos).unwrap_or_else(|e| panic!("{}: {e}", videos.display()));
    let tmp = tempfile::tempdir().unwrap();
    let mut estimator = liftform_vision::pose::PoseEstimator::new(
        &liftform_vision::pose::model::ModelChoice::Full,
        liftform_vision::pose::PoseOptions::default(),
    )
    .expect("models load");
    for entry in entries {
        let clip = entry.unwrap().path();
        if clip.extension().is_none_or(|e| e != "mp4") {
            continue;
        }
        let stem = clip.file_stem().unwrap().to_string_lossy().into_owned();
        let work = tmp.path().join("work").join(&stem);
        std::fs::create_dir_all(&work).unwrap();
        let summary =
            liftform_vision::pose_pass::run_pose_pass(&clip, &work, &mut estimator, |_| {}).expect("pose pass");
        std::fs::rename(summary.recording_path, tmp.path().join(format!("{stem}.jsonl"))).unwrap();
    }
    Some((tmp.path().to_path_buf(), Some(tmp)))
}

/// Floors for the MediaPipe recordings (no back outline: DL002 is *not assessed* there, so the
/// two clips that require it cannot count). Measured 3/5 required and 3/4 clean clips without a
/// finding (bichraix_good004: DL004 on MediaPipe's wrists, 14.7 cm against 12): at most one clean
/// clip may show a finding, as before the label disagreement below took one clip out of the
/// clean set.
const MIN_REQUIRED_SHARE_MEDIAPIPE: f64 = 0.6;
const MIN_CLEAN_SHARE_MEDIAPIPE: f64 = 0.75;
/// Floors for our own pose pass's recordings (with the back outline). Measured 4/5 required and
/// 4/4 clean (bichraix_bad007's rounded upper back is the miss).
const MIN_REQUIRED_SHARE_OWN: f64 = 0.8;
const MIN_CLEAN_SHARE_OWN: f64 = 1.0;

/// Where we judge the frames differently from labels.json: (clip, code, why). The code becomes
/// allowed there (neither required nor counted as a false finding), and a clip labelled clean
/// with such a code no longer counts as clean.
const LABEL_DISAGREEMENTS: &[(&str, &str, &str)] = &[(
    "mattiolato_Good_000001",
    "DL001",
    "at setup the near plate's hub and the near wrist stand over the toes of the shoe the lockout frames show (the plate hides the feet at setup): the bar is ~10-13 cm in front of the mid-foot",
)];

struct ClipResult {
    stem: String,
    source: &'static str,
    found: BTreeSet<String>,
    required: Vec<String>,
    allowed: Vec<String>,
    ambiguous: bool,
    /// A code was added to `allowed` by [`LABEL_DISAGREEMENTS`].
    disputed: bool,
    view: String,
    summary: String,
}

fn recording_for(stem: &str, own_dir: Option<&Path>) -> Option<(PathBuf, &'static str)> {
    if let Some(own) = own_dir.map(|d| d.join(format!("{stem}.jsonl"))).filter(|p| p.is_file()) {
        return Some((own, "own"));
    }
    let mp = Path::new(SHARED_DATA).join("mediapipe_ref").join(format!("{stem}.jsonl"));
    mp.is_file().then_some((mp, "mediapipe"))
}

fn evaluate(own_dir: Option<&Path>) -> Option<Vec<ClipResult>> {
    let labels_path = Path::new(SHARED_DATA).join("labels.json");
    let text = std::fs::read_to_string(&labels_path).unwrap_or_else(|e| panic!("{}: {e}", labels_path.display()));
    let labels: serde_json::Value = serde_json::from_str(&text).expect("labels.json parses");
    let clips = labels["clips"].as_object().expect("labels.json has clips");
    let config = AnalysisConfig::default();
    let mut out = Vec::new();
    for (name, l) in clips {
        let stem = name.trim_end_matches(".mp4").to_string();
        let Some((path, source)) = recording_for(&stem, own_dir) else {
            eprintln!("skipped clip {stem}: no recording found");
            continue;
        };
        let rec = Recording::read(&path).expect("recording reads");
        let report = analyze(&rec, &config);
        let found: BTreeSet<String> =
            report.findings.iter().filter(|f| f.severity != Severity::Info).map(|f| f.code.to_string()).collect();
        let strs = |v: &serde_json::Value| -> Vec<String> {
            v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(String::from)).collect()).unwrap_or_default()
        };
        let summary = report
            .findings
            .iter()
            .map(|f| format!("{}@{:.1}s={}{}", f.code, f.start_s, f.measured, f.unit))
            .collect::<Vec<_>>()
            .join(" ");
        let mut allowed = strs(&l["allowed"]);
        let mut disputed = false;
        for (clip, code, why) in LABEL_DISAGREEMENTS.iter().filter(|d| d.0 == stem) {
            println!("label disagreement on {clip}: {code} allowed ({why})");
            allowed.push(code.to_string());
            disputed = true;
        }
        out.push(ClipResult {
            stem,
            source,
            found,
            required: strs(&l["required"]),
            allowed,
            disputed,
            ambiguous: l["ambiguous"].as_bool().unwrap_or(false),
            view: format!(
                "{}/{} ({} reps)",
                report.view.kind.as_str(),
                l["view"].as_str().unwrap_or("?"),
                report.reps.len()
            ),
            summary,
        });
    }
    Some(out)
}

/// (share of required codes found, share of clean clips with no fault or warning, false positives)
fn score(results: &[ClipResult]) -> (f64, f64, usize) {
    let mut req_total = 0;
    let mut req_found = 0;
    let mut clean_total = 0;
    let mut clean_ok = 0;
    let mut false_pos = 0;
    println!(
        "{:<26} {:<9} {:<26} {:<14} {:<14} {:<14} notes",
        "clip", "poses", "view (ours/label)", "required", "allowed", "found"
    );
    for r in results {
        let unexpected: Vec<&String> =
            r.found.iter().filter(|c| !r.required.contains(c) && !r.allowed.contains(c)).collect();
        if !r.ambiguous {
            req_total += r.required.len();
            req_found += r.required.iter().filter(|c| r.found.contains(*c)).count();
            if r.required.is_empty() && !r.disputed {
                clean_total += 1;
                if r.found.is_empty() {
                    clean_ok += 1;
                }
            }
            false_pos += unexpected.len();
        }
        println!(
            "{:<26} {:<9} {:<26} {:<14} {:<14} {:<14} {}{}",
            r.stem,
            r.source,
            r.view,
            r.required.join(","),
            r.allowed.join(","),
            r.found.iter().cloned().collect::<Vec<_>>().join(","),
            if r.ambiguous { "(ambiguous) " } else { "" },
            r.summary
        );
    }
    let req_share = if req_total == 0 { 1.0 } else { req_found as f64 / req_total as f64 };
    let clean_share = if clean_total == 0 { 1.0 } else { clean_ok as f64 / clean_total as f64 };
    println!(
        "required codes found: {req_found}/{req_total} = {req_share:.2}; clean clips with no finding: {clean_ok}/{clean_total} = {clean_share:.2}; unexpected codes on non-ambiguous clips: {false_pos}"
    );
    (req_share, clean_share, false_pos)
}

#[test]
#[ignore = "needs ../shared/data"]
fn mediapipe_reference_recordings_meet_the_floors() {
    let Some(results) = evaluate(None) else { return };
    assert!(!results.is_empty(), "no MediaPipe recordings found");
    let (req, clean, _) = score(&results);
    assert!(req >= MIN_REQUIRED_SHARE_MEDIAPIPE, "share of required codes found dropped: {req:.2}");
    assert!(clean >= MIN_CLEAN_SHARE_MEDIAPIPE, "share of clean clips without findings dropped: {clean:.2}");
}

#[test]
#[ignore = "needs ../shared/data"]
fn own_pose_recordings_meet_the_floors() {
    let Some((dir, _guard)) = own_poses() else { return };
    let Some(results) = evaluate(Some(&dir)) else { return };
    let own: Vec<ClipResult> = results.into_iter().filter(|r| r.source == "own").collect();
    assert!(!own.is_empty(), "no recordings of the labelled clips in {}", dir.display());
    let (req, clean, _) = score(&own);
    assert!(req >= MIN_REQUIRED_SHARE_OWN, "share of required codes found dropped: {req:.2}");
    assert!(clean >= MIN_CLEAN_SHARE_OWN, "share of clean clips without findings dropped: {clean:.2}");
}
