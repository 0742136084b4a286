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
    let leftovers: Vec<_> = walk(out_dir).into_iter().filter(|p| p.is_file()).collect();
    assert!(leftovers.is_empty(), "{args:?}: left files behind: {leftovers:?}");
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
