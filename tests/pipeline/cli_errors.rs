//! Bad input through the real binary: each case gets one line on stderr naming the file, exit code
//! 2, no panic, and no partial poses.jsonl left behind.

use crate::support;

use std::path::Path;

fn assert_clean_failure(args: &[&str], names: &str, out_dir: &Path) {
    let output = support::liftform().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{args:?}: exit code; stderr: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: expected one line, got: {stderr}");
    assert!(stderr.contains(names), "{args:?}: error should name {names}: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?}: panicked: {stderr}");
    // nothing at all: no file, and no empty folder either
    let leftovers = walk(out_dir);
    assert!(leftovers.is_empty(), "{args:?}: left files or folders behind: {leftovers:?}");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return vec![] };
    entries
        .flat_map(|e| {
            let p = e.unwrap().path();
            let mut v = walk(&p);
            v.push(p);
            v
        })
        .collect()
}

#[test]
fn bad_inputs_fail_with_one_line_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = d.join("out");
    let out_s = out.to_str().unwrap();

    let missing = d.join("missing.mp4");
    let empty = d.join("empty.mp4");
    std::fs::write(&empty, b"").unwrap();
    let text = d.join("notes.mp4");
    std::fs::write(&text, "this is not a video\n".repeat(100)).unwrap();
    let folder = d.join("a_folder.mp4");
    std::fs::create_dir(&folder).unwrap();

    // moov atom in front: the file opens, and the decoder runs out of data halfway
    let whole = d.join("whole.mp4");
    support::make_pattern_clip(&whole, 320, 240, 90, &["-movflags", "+faststart"]);
    let bytes = std::fs::read(&whole).unwrap();
    let truncated = d.join("truncated.mp4");
    std::fs::write(&truncated, &bytes[..bytes.len() * 2 / 5]).unwrap();
    // moov atom at the end (the default): cutting it off leaves an unreadable file
    let whole_tail = d.join("whole_tail.mp4");
    support::make_pattern_clip(&whole_tail, 320, 240, 90, &[]);
    let bytes = std::fs::read(&whole_tail).unwrap();
    let truncated_tail = d.join("truncated_tail.mp4");
    std::fs::write(&truncated_tail, &bytes[..bytes.len() / 2]).unwrap();

    for (path, name) in [
        (&missing, "missing.mp4"),
        (&empty, "empty.mp4"),
        (&text, "notes.mp4"),
        (&folder, "a_folder.mp4"),
        (&truncated, "truncated.mp4"),
        (&truncated_tail, "truncated_tail.mp4"),
    ] {
        assert_clean_failure(&["analyze", path.to_str().unwrap(), "-o", out_s], name, &out);
    }

    // an output folder that cannot be created: its parent is a file
    let blocker = d.join("blocker");
    std::fs::write(&blocker, b"a file, not a folder").unwrap();
    let unwritable = blocker.join("out");
    assert_clean_failure(&["analyze", whole.to_str().unwrap(), "-o", unwritable.to_str().unwrap()], "blocker", &out);
    // ... and one that exists but may not be written to (only meaningful when not root)
    let read_only = d.join("read_only");
    std::fs::create_dir(&read_only).unwrap();
    let mut perms = std::fs::metadata(&read_only).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o555);
    std::fs::set_permissions(&read_only, perms).unwrap();
    let probe = read_only.join("probe");
    if std::fs::write(&probe, b"x").is_err() {
        assert_clean_failure(
            &["analyze", whole.to_str().unwrap(), "-o", read_only.to_str().unwrap()],
            "read_only",
            &read_only,
        );
    } else {
        std::fs::remove_file(&probe).unwrap();
        println!("skipped: running as root, a read-only folder is still writable");
    }
    // the input files are untouched
    assert!(!std::fs::read(&whole).unwrap().is_empty());
    assert!(empty.exists() && text.exists() && folder.is_dir());
}

#[test]
fn a_missing_or_wrong_model_says_which_file() {
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("pattern.mp4");
    support::make_pattern_clip(&clip, 64, 48, 2, &[]);
    let out = dir.path().join("out");
    let not_a_model = dir.path().join("model.onnx");
    std::fs::write(&not_a_model, "not a network").unwrap();
    let missing = dir.path().join("nowhere.onnx");
    for (model, name) in [(&not_a_model, "model.onnx"), (&missing, "nowhere.onnx")] {
        let args = ["analyze", clip.to_str().unwrap(), "--model", model.to_str().unwrap(), "-o", out.to_str().unwrap()];
        assert_clean_failure(&args, name, &out);
    }
}

/// An install under a prefix finds its own models and runtime, before the source tree's.
#[test]
fn an_installed_binary_finds_its_models_and_runtime() {
    let prefix = tempfile::tempdir().unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    let status = std::process::Command::new(format!("{root}/tools/install.sh"))
        .arg(prefix.path())
        .env("LIFTFORM_BIN", env!("CARGO_BIN_EXE_liftform"))
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let output = std::process::Command::new(prefix.path().join("bin/liftform")).arg("paths").output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let prefix_str = prefix.path().canonicalize().unwrap().display().to_string();
    assert_eq!(text.lines().count(), 4, "{text}");
    for line in text.lines() {
        assert!(line.contains(&prefix_str), "not from the install prefix: {line}");
    }
}

#[test]
fn a_good_clip_writes_a_complete_recording_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("pattern.mp4");
    support::make_pattern_clip(&clip, 320, 240, 20, &[]);
    let out = dir.path().join("out");
    let output =
        support::liftform().args(["analyze", clip.to_str().unwrap(), "-o", out.to_str().unwrap()]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("20 frames decoded"), "{stdout}");
    let recording = liftform_core::recording::Recording::read(&out.join("pattern/poses.jsonl")).unwrap();
    assert_eq!(recording.header.source.frames, 20);
    assert_eq!(recording.frames.len(), 20);
    assert_eq!((recording.header.source.width, recording.header.source.height), (320, 240));
    assert_eq!(recording.header.model.name, "blazepose-full");
    assert_eq!(recording.header.model.sha256.as_deref().map(str::len), Some(64));
    // the recording and the report, and no temporary file, are left in the output folder
    let mut names: Vec<_> = std::fs::read_dir(out.join("pattern")).unwrap().map(|e| e.unwrap().file_name()).collect();
    names.sort();
    assert_eq!(names, ["poses.jsonl", "report.json"].map(std::ffi::OsString::from));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("pattern/report.json")).unwrap()).unwrap();
    assert_eq!(report["schema"], "liftform.report/v1");
}

const CLEAN_SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/deadlift_clean_3reps.mp4");

fn sha(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

#[test]
fn numbers_out_of_range_are_one_line_naming_the_flag_value_and_range() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out_s = out.to_str().unwrap();
    for (flag, value, names) in [
        ("--height", "1e308", "1e308 is outside its valid range 100 to 250 cm"),
        ("--height", "-170", "-170"),
        ("--plate-diameter", "0", "--plate-diameter"),
        ("--threads", "0", "--threads"),
    ] {
        let arg = format!("{flag}={value}"); // `=`: a negative value is not taken for a flag
        assert_clean_failure(&["analyze", CLEAN_SAMPLE, "-o", out_s, &arg], names, &out);
    }
    assert_clean_failure(&["batch", dir.path().to_str().unwrap(), "-o", out_s, "--jobs", "100000"], "--jobs", &out);
    let config = dir.path().join("neg.toml");
    std::fs::write(&config, "[kinematics]\nlifter_height_cm = -5\n").unwrap();
    assert_clean_failure(
        &["analyze", CLEAN_SAMPLE, "-o", out_s, "--config", config.to_str().unwrap()],
        "kinematics.lifter_height_cm",
        &out,
    );
}

/// `analyze DIR/annotated/annotated.mp4 -o DIR`: the video's own output folder holds it, so its
/// outputs could overwrite it. Refused, and the file is untouched.
#[test]
fn an_output_never_lands_on_its_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let inside = out.join("annotated");
    std::fs::create_dir_all(&inside).unwrap();
    let video = inside.join("annotated.mp4");
    std::fs::copy(CLEAN_SAMPLE, &video).unwrap();
    let before = sha(&video);
    let output = support::liftform()
        .args(["analyze", video.to_str().unwrap(), "-o", out.to_str().unwrap(), "--annotate"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("annotated.mp4") && stderr.contains("own output folder"), "{stderr}");
    assert_eq!(sha(&video), before, "the input was modified");
    assert_eq!(walk(&inside), vec![video.clone()], "something was written beside the input");
}

/// Several videos: a bad one is reported in a line and the rest are analysed; two with one stem
/// get folders of their own; the exit code says something failed.
#[test]
fn several_videos_go_on_past_a_bad_one_and_never_share_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    std::fs::copy(CLEAN_SAMPLE, a.join("set1.mp4")).unwrap();
    std::fs::copy(CLEAN_SAMPLE, b.join("set1.mp4")).unwrap();
    let broken = dir.path().join("broken.mp4");
    std::fs::write(&broken, "not a video").unwrap();
    let out = dir.path().join("out");
    let output = support::liftform()
        .args(["analyze", a.join("set1.mp4").to_str().unwrap(), broken.to_str().unwrap()])
        .arg(b.join("set1.mp4"))
        .args(["-o", out.to_str().unwrap(), "-q"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("broken.mp4"), "{stderr}");
    // the batch rule: a shared stem keeps its extension, a name still shared is numbered
    for name in ["set1.mp4", "set1.mp4-2"] {
        assert!(out.join(name).join("report.json").is_file(), "{name}: {:?}", walk(&out));
    }
    assert!(!out.join("broken").exists(), "the failed video left a folder");
}

/// SIGTERM (what `timeout` and container runtimes send) ends a run like Ctrl-C: exit 130, no
/// temporary or partial file, no empty folder.
#[test]
fn sigterm_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let video = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/deadlift_faults_cam15.mp4");
    let mut child = support::liftform().args(["analyze", video, "-o", out.to_str().unwrap(), "-q"]).spawn().unwrap();
    // wait until the pose pass is writing (its temporary recording exists), then terminate
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while walk(&out).iter().all(|p| !p.is_file()) {
        assert!(std::time::Instant::now() < deadline, "the pose pass never started writing");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let status = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    assert_eq!(child.wait().unwrap().code(), Some(130));
    assert!(walk(&out).is_empty() || !out.exists(), "left behind: {:?}", walk(&out));
}

#[test]
fn an_environment_override_that_points_nowhere_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    for var in ["LIFTFORM_MODELS_DIR", "LIFTFORM_ORT_LIB"] {
        let nowhere = dir.path().join("nowhere");
        let output = support::liftform()
            .args(["analyze", CLEAN_SAMPLE, "-o", out.to_str().unwrap()])
            .env(var, &nowhere)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{var}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{var}: {stderr}");
        assert!(stderr.contains(var) && stderr.contains("nowhere"), "{var}: {stderr}");
        assert!(!out.exists() || walk(&out).is_empty());
    }
}
