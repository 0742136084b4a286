//! `liftform batch` through the real binary on a folder of real clips in sub-folders plus broken
//! files: reports for the good ones, the bad ones listed with reasons, a summary that agrees with
//! the per-video reports, a non-zero exit; and an interrupted batch resumed with --skip-existing.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const GOOD: [(&str, &str); 3] = [
    ("videos/bichraix_good014.mp4", "alice/bichraix_good014.mp4"),
    ("videos/bichraix_bad011.mp4", "alice/2024/bichraix_bad011.mp4"),
    ("synthetic/deadlift_faults_cam15deg.mp4", "bob/faults.mp4"),
];

fn make_folder(data: &Path, root: &Path) {
    for (from, to) in GOOD {
        let dest = root.join(to);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(data.join(from), dest).unwrap();
    }
    let bytes = std::fs::read(data.join("videos/bichraix_bad012.mp4")).unwrap();
    std::fs::write(root.join("bob/corrupt.mp4"), &bytes[..bytes.len() / 3]).unwrap();
    std::fs::write(root.join("empty.mp4"), b"").unwrap();
    std::fs::write(root.join("notes.mp4"), "not a video\n").unwrap();
    std::fs::write(root.join("readme.txt"), "ignored\n").unwrap();
}

fn batch(root: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    support::liftform()
        .args(["batch", root.to_str().unwrap(), "-o", out.to_str().unwrap(), "--recursive", "--jobs", "2"])
        .args(extra)
        .output()
        .unwrap()
}

fn csv_rows(out: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(out.join("summary.csv"))
        .unwrap()
        .lines()
        .map(|l| l.split(',').map(String::from).collect())
        .collect()
}

fn is_temporary(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n.to_string_lossy().ends_with(".tmp"))
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
#[ignore = "needs ../shared/data"]
fn a_folder_with_good_and_bad_files() {
    let Some(data) = support::shared_data() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let (root, out) = (tmp.path().join("clients"), tmp.path().join("out"));
    make_folder(&data, &root);
    let output = batch(&root, &out, &["-q"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "some files failed: {stderr}");

    let rows = csv_rows(&out);
    let header = &rows[0];
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(rows.len(), 1 + 6, "three good videos and three bad ones: {rows:?}");
    for (_, rel) in GOOD {
        let row = rows.iter().find(|r| r[0] == rel).unwrap_or_else(|| panic!("no row for {rel}"));
        assert_eq!(row[col("status")], "analysed");
        let rel = Path::new(rel);
        let dir = out.join(rel.parent().unwrap()).join(rel.file_stem().unwrap());
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
        assert!(dir.join("poses.jsonl").is_file());
        // the row says what the report says
        assert_eq!(row[col("reps")], report["reps"].as_array().unwrap().len().to_string());
        for code in ["DL001", "DL002", "DL003", "DL004", "DL005"] {
            let n = report["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["code"] == code && f["severity"] != "info")
                .count();
            assert_eq!(row[col(code)], n.to_string(), "{rel:?} {code}");
        }
    }
    for bad in ["bob/corrupt.mp4", "empty.mp4", "notes.mp4"] {
        let row = rows.iter().find(|r| r[0] == bad).unwrap_or_else(|| panic!("no row for {bad}"));
        assert_eq!(row[col("status")], "failed", "{bad}");
        assert!(stderr.contains(bad), "{bad} should be listed at the end: {stderr}");
        assert!(!out.join(bad).with_extension("").exists(), "{bad}: no output folder left");
    }
    assert!(!rows.iter().any(|r| r[0] == "readme.txt"));
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(index.contains("href=\"alice/2024/bichraix_bad011/report.json\""));
    assert!(!files_under(&out).iter().any(|p| is_temporary(p)));
}

#[test]
#[ignore = "needs ../shared/data"]
fn an_interrupted_batch_resumes_where_it_stopped() {
    let Some(data) = support::shared_data() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("clients");
    make_folder(&data, &root);
    for bad in ["bob/corrupt.mp4", "empty.mp4", "notes.mp4"] {
        std::fs::remove_file(root.join(bad)).unwrap();
    }

    // the reference: one uninterrupted run
    let whole = tmp.path().join("whole");
    assert!(batch(&root, &whole, &["-q"]).status.success());

    // interrupted with Ctrl-C once the first report exists (one job, so the rest are pending)
    let resumed = tmp.path().join("resumed");
    let mut child = support::liftform()
        .args(["batch", root.to_str().unwrap(), "-o", resumed.to_str().unwrap(), "--recursive", "--jobs", "1", "-q"])
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let first_report = loop {
        let reports: Vec<PathBuf> = files_under(&resumed).into_iter().filter(|p| p.ends_with("report.json")).collect();
        if let Some(r) = reports.first() {
            break r.clone();
        }
        assert!(Instant::now() < deadline, "no report appeared");
        std::thread::sleep(Duration::from_millis(50));
    };
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let code = child.wait().unwrap().code();
    assert_eq!(code, Some(130), "an interrupted batch exits with 130");
    let left = files_under(&resumed);
    assert!(!left.iter().any(|p| is_temporary(p)), "temporary files left: {left:?}");
    for poses in left.iter().filter(|p| p.ends_with("poses.jsonl")) {
        assert!(poses.with_file_name("report.json").is_file(), "a recording without its report: {poses:?}");
    }
    let finished_before = left.iter().filter(|p| p.ends_with("report.json")).count();
    assert!(finished_before < GOOD.len(), "the interrupt came too late to test anything");
    let first_mtime = std::fs::metadata(&first_report).unwrap().modified().unwrap();

    // resumed: finished videos are kept, not redone; the summary matches the uninterrupted run
    let output = batch(&root, &resumed, &["--skip-existing"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(
        std::fs::metadata(&first_report).unwrap().modified().unwrap(),
        first_mtime,
        "a finished video was redone"
    );
    let (a, b) = (csv_rows(&whole), csv_rows(&resumed));
    let status_col = a[0].iter().position(|h| h == "status").unwrap();
    let without_status = |rows: &[Vec<String>]| -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| r.iter().enumerate().filter(|(i, _)| *i != status_col).map(|(_, v)| v.clone()).collect())
            .collect()
    };
    assert_eq!(without_status(&a), without_status(&b));
    let existing = b.iter().filter(|r| r[status_col] == "existing").count();
    assert_eq!(existing, finished_before, "every finished video is kept as it was");
}

// Folders of tiny clips made here with ffmpeg (no shared data needed): discovery, output folders,
// --skip-existing and interruption.

/// A tiny test-pattern clip of `frames` frames (no lifter in it: analysed in a fraction of a second).
fn tiny_clip(path: &Path, frames: u32) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    support::make_pattern_clip(path, 64, 48, frames, &[]);
}

/// `liftform batch ROOT -o OUT EXTRA…`, failed after two minutes rather than left hanging.
fn batch_within(root: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut command = support::liftform();
    command.args(["batch", root.to_str().unwrap(), "-o", out.to_str().unwrap()]).args(extra);
    support::output_within(&mut command, Duration::from_secs(120))
}

/// The summary's rows as (video, status, report link), from a batch that must have succeeded.
fn summary_of(output: &std::process::Output, out: &Path) -> Vec<(String, String, String)> {
    assert!(
        output.status.success(),
        "batch failed ({:?}): {}{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let rows = csv_rows(out);
    let col = |name: &str| rows[0].iter().position(|h| h == name).unwrap();
    rows[1..].iter().map(|r| (r[0].clone(), r[col("status")].clone(), r[col("report")].clone())).collect()
}

/// The videos of the rows, sorted.
fn videos_of(rows: &[(String, String, String)]) -> Vec<&str> {
    let mut videos: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    videos.sort();
    videos
}

#[cfg(unix)]
fn symlink(target: &str, link: &Path) {
    std::os::unix::fs::symlink(target, link).unwrap();
}

/// Issue 15, defect 3: a link to a folder above it made `--recursive` walk the loop 40 levels deep
/// and analyse the same videos again at each level. Each file is analysed once, under the first
/// path found (the shallowest), and each folder is looked into once.
#[cfg(unix)]
#[test]
fn links_are_followed_once_and_never_in_a_loop() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, out) = (tmp.path().join("clients"), tmp.path().join("out"));
    tiny_clip(&root.join("a.mp4"), 3);
    tiny_clip(&root.join("sub/b.mp4"), 3);
    tiny_clip(&tmp.path().join("elsewhere/c.mp4"), 3);
    symlink("..", &root.join("sub/loop")); // back to clients/
    symlink("a.mp4", &root.join("alias.mp4")); // a second name for a.mp4
    symlink("../elsewhere", &root.join("linked")); // a folder outside, reached twice
    symlink("../elsewhere", &root.join("linked-again"));

    let output = batch_within(&root, &out, &["--recursive", "--jobs", "2"]);
    let rows = summary_of(&output, &out);
    assert_eq!(videos_of(&rows), ["a.mp4", "linked/c.mp4", "sub/b.mp4"], "each video once: {rows:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    for skipped in ["alias.mp4", "linked-again", "sub/loop"] {
        assert!(stdout.contains(&format!("{}: ", root.join(skipped).display())), "{skipped} listed: {stdout}");
    }
    assert!(!out.join("sub/loop").exists());
}

/// Issue 15, defect 4: a named pipe in the folder blocked the batch for ever (opened to sniff its
/// content, or decoded when named like a video). Only regular files (or links to them) are read.
#[cfg(unix)]
#[test]
fn named_pipes_are_never_opened() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, out) = (tmp.path().join("clients"), tmp.path().join("out"));
    tiny_clip(&root.join("a.mp4"), 3);
    tiny_clip(&tmp.path().join("elsewhere/real.mp4"), 3);
    support::mkfifo(&root.join("pipe.mp4"));
    support::mkfifo(&root.join("pipe"));
    symlink("pipe", &root.join("pipe-link.mov"));
    symlink("../elsewhere/real.mp4", &root.join("real-link.mp4")); // a link to a regular file is fine

    let output = batch_within(&root, &out, &[]);
    let rows = summary_of(&output, &out);
    assert_eq!(videos_of(&rows), ["a.mp4", "real-link.mp4"], "{rows:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    for pipe in ["pipe", "pipe.mp4", "pipe-link.mov"] {
        assert!(
            stdout.contains(&format!("ignored {}: not a regular file", root.join(pipe).display())),
            "{pipe} listed as ignored: {stdout}"
        );
    }
}

/// Issue 15, defect 5: `dup.mp4` and `dup.mov` both wrote to `dup/`, the second overwriting the
/// first (and a `set1.mp4` beside a mirrored `set1/` folder shared it with that folder's videos).
/// Each input gets its own folder, by a rule that gives the same folders on the next run.
#[test]
fn inputs_with_the_same_stem_get_their_own_output_folders() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, out) = (tmp.path().join("clients"), tmp.path().join("out"));
    let clips = [("dup.mp4", 4), ("dup.mov", 6), ("set1.mp4", 8), ("set1/x.mp4", 10)];
    for (name, frames) in clips {
        tiny_clip(&root.join(name), frames);
    }
    let rows = summary_of(&batch_within(&root, &out, &["--recursive"]), &out);
    assert_eq!(videos_of(&rows), ["dup.mov", "dup.mp4", "set1.mp4", "set1/x.mp4"]);
    let links: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.2.as_str()).collect();
    assert_eq!(links.len(), rows.len(), "one output folder per video: {rows:?}");
    for (name, frames) in clips {
        let row = rows.iter().find(|r| r.0 == name).unwrap();
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join(&row.2)).unwrap()).unwrap();
        assert_eq!(report["source"]["frames"], frames, "{name}'s report is its own: {}", row.2);
    }
    // the documented rule: a stem shared with another input (or a mirrored folder) keeps the extension
    for (name, dir) in
        [("dup.mp4", "dup.mp4"), ("dup.mov", "dup.mov"), ("set1.mp4", "set1.mp4"), ("set1/x.mp4", "set1/x")]
    {
        assert_eq!(rows.iter().find(|r| r.0 == name).unwrap().2, format!("{dir}/report.json"));
    }
    // stable: the next run finds every one of them finished
    let again = summary_of(&batch_within(&root, &out, &["--recursive", "--skip-existing"]), &out);
    assert!(again.iter().all(|r| r.1 == "existing"), "{again:?}");
}

/// Issue 15, defect 6: `--skip-existing` kept any video with a `report.json`, even one whose render
/// was interrupted (its page linking files never written). A video counts as finished only when
/// everything the current options ask for was written.
#[test]
fn skip_existing_redoes_a_video_missing_an_output_it_asks_for() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, out) = (tmp.path().join("clients"), tmp.path().join("out"));
    tiny_clip(&root.join("a.mp4"), 4);
    let status = |extra: &[&str]| summary_of(&batch_within(&root, &out, extra), &out)[0].1.clone();

    assert_eq!(status(&["--html"]), "analysed");
    assert_eq!(status(&["--html", "--skip-existing"]), "existing", "a complete video is kept");
    std::fs::remove_file(out.join("a/annotated.mp4")).unwrap(); // as if the render had been cut short
    assert_eq!(status(&["--html", "--skip-existing"]), "analysed", "its page plays annotated.mp4");
    assert!(out.join("a/annotated.mp4").is_file());
    assert_eq!(status(&["--html", "--clips", "--skip-existing"]), "analysed", "clips were not asked for before");
    assert_eq!(status(&["--skip-existing"]), "existing", "asking for less keeps it");
    std::fs::remove_file(out.join("a/poses.jsonl")).unwrap();
    assert_eq!(status(&["--skip-existing"]), "analysed", "the recording is always asked for");
}

/// Issue 15, defect 9: an interrupted batch counted the videos it never finished as analysed
/// ("3 of 3 videos analysed" after one).
#[cfg(unix)]
#[test]
fn an_interrupted_batch_counts_only_the_videos_it_finished() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, out) = (tmp.path().join("clients"), tmp.path().join("out"));
    tiny_clip(&root.join("a.mp4"), 3);
    for long in ["b.mp4", "c.mp4"] {
        support::make_pattern_clip(&root.join(long), 320, 240, 300, &[]); // seconds each
    }
    let mut child = support::liftform()
        .args(["batch", root.to_str().unwrap(), "-o", out.to_str().unwrap(), "--jobs", "1"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !out.join("a/report.json").is_file() {
        assert!(Instant::now() < deadline, "a.mp4 was not analysed");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap().success());
    let waited = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if waited.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("the batch did not stop after Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(130), "{stdout}");
    assert!(!out.join("b/report.json").exists(), "the interrupt came too late to test anything: {stdout}");
    assert!(stdout.contains("1 of 3 videos analysed"), "only a.mp4 was finished: {stdout}");
}

/// Issue 15, defect 10: with `-o` inside the input folder, outputs must never come back as
/// inputs: not the output folder itself (also when reached through a link), not the output
/// folder of an earlier run with another `-o`, and an output folder that holds the input folder
/// is refused before anything is written.
#[cfg(unix)]
#[test]
fn outputs_are_never_read_back_as_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("clients");
    tiny_clip(&root.join("a.mp4"), 4);
    let args = ["--recursive", "--annotate", "--clips"];
    let reports = root.join("reports");
    let first = summary_of(&batch_within(&root, &reports, &args), &reports);
    assert_eq!(videos_of(&first), ["a.mp4"]);
    assert!(reports.join("a/annotated.mp4").is_file());
    symlink("reports/a", &root.join("shortcut")); // a link into the output folder

    let again = summary_of(&batch_within(&root, &reports, &args), &reports);
    assert_eq!(videos_of(&again), ["a.mp4"], "the same -o again");
    let other = root.join("reports-2");
    let rows = summary_of(&batch_within(&root, &other, &args), &other);
    assert_eq!(videos_of(&rows), ["a.mp4"], "another -o, the first run's outputs still in the folder");

    for out in [root.clone(), tmp.path().to_path_buf()] {
        let output = batch_within(&root, &out, &args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "-o {}: {stderr}", out.display());
        assert!(stderr.contains("output folder"), "{stderr}");
        assert!(!out.join("a").exists() && !out.join("summary.csv").exists(), "nothing written");
    }
}

/// A coach's folder, `ATHLETE/DATE-anything.mp4`: trends.csv has one row per athlete and session
/// (a session being one athlete's videos of one date), and trends.html a section per athlete.
#[test]
fn a_coachs_folder_gives_one_trend_row_per_athlete_and_session() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("clients");
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/deadlift_clean_3reps.mp4");
    let videos = [
        "anna/2026-01-10-pulls.mp4",
        "anna/2026-02-14 heavy.mp4",
        "ben/20260110.mp4",
        "ben/2026_03_01_set2.mp4",
        "ben/2026_03_01_set1.mp4",
        "cleo/2026-01-20.mp4",
        "cleo/2026-02-20.mp4",
        "loose.mp4",
    ];
    for v in videos {
        let path = root.join(v);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::copy(sample, &path).unwrap();
    }
    let out = tmp.path().join("out");
    let output = batch(&root, &out, &["-q"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let csv = std::fs::read_to_string(out.join("trends.csv")).unwrap();
    let rows: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    let header = &rows[0];
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("no column {name}"));
    let sessions: Vec<(&str, &str)> = rows[1..].iter().map(|r| (r[col("athlete")], r[col("date")])).collect();
    assert_eq!(
        sessions,
        [
            ("anna", "2026-01-10"),
            ("anna", "2026-02-14"),
            ("ben", "2026-01-10"),
            ("ben", "2026-03-01"),
            ("cleo", "2026-01-20"),
            ("cleo", "2026-02-20")
        ],
        "{csv}"
    );
    let ben_march = &rows[4];
    assert_eq!((ben_march[col("videos")], ben_march[col("reps")]), ("2", "6"), "two sets of three reps: {csv}");
    for r in &rows[1..] {
        let speed: f64 = r[col("mean_bar_speed_m_s")].parse().unwrap();
        assert!(speed > 0.1 && speed < 2.0, "{csv}");
        assert!(header.contains(&"DL001_per_rep"));
    }
    let html = std::fs::read_to_string(out.join("trends.html")).unwrap();
    for athlete in ["anna", "ben", "cleo"] {
        assert!(html.contains(&format!("<h2>{athlete}</h2>")), "{athlete}");
    }
    assert!(html.contains("<svg") && !html.contains("loose"), "charts, and no athlete for a loose video");
}

/// Without athlete folders there are no trends: other layouts work as before.
#[test]
fn a_flat_folder_writes_no_trends() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("flat");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/deadlift_clean_3reps.mp4"), root.join("a.mp4"))
        .unwrap();
    let out = tmp.path().join("out");
    assert!(batch(&root, &out, &["-q"]).status.success());
    assert!(out.join("summary.csv").is_file() && !out.join("trends.csv").exists());
}
