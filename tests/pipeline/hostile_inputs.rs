//! Hostile inputs through the real binary: a corpus of files that are not usable videos (empty,
//! cut short, random bytes, text, still images, audio only, headers declaring huge pictures, a
//! folder) built here with ffmpeg, plus malformed recordings and configs. Each must fail with exit
//! code 2 and one stderr line naming the file: no panic, no file left under the output folder and
//! the input unchanged. The video reader is also fuzzed in-process on damaged copies of a clip.

use crate::support;

use std::path::{Path, PathBuf};

use liftform_vision::video::VideoReader;
use opencv::prelude::*;
use proptest::prelude::*;

/// What a file or folder holds, to check that nothing touched it.
#[derive(Debug, PartialEq)]
enum Snapshot {
    File(Vec<u8>),
    Dir(Vec<std::ffi::OsString>),
}

fn snapshot(path: &Path) -> Snapshot {
    if path.is_dir() {
        let mut names: Vec<_> = std::fs::read_dir(path).unwrap().map(|e| e.unwrap().file_name()).collect();
        names.sort();
        Snapshot::Dir(names)
    } else {
        Snapshot::File(std::fs::read(path).unwrap())
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return vec![] };
    entries
        .flat_map(|e| {
            let p = e.unwrap().path();
            if p.is_dir() {
                files_under(&p)
            } else {
                vec![p]
            }
        })
        .collect()
}

/// Runs `liftform ARGS` and checks a clean refusal: exit code 2, exactly one stderr line that
/// contains every string of `names`, no panic, no file under `out` and `input` unchanged.
/// Returns the line.
fn assert_refused(args: &[&str], input: &Path, names: &[&str], out: &Path) -> String {
    let before = snapshot(input);
    let output = support::liftform().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{args:?}: panicked: {stderr}");
    assert_eq!(output.status.code(), Some(2), "{args:?}: exit code; stderr: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: expected one line, got: {stderr}");
    assert!(!stderr.trim_end().chars().any(char::is_control), "{args:?}: control characters: {stderr:?}");
    for name in names {
        assert!(stderr.contains(name), "{args:?}: the error should name {name}: {stderr}");
    }
    let left = files_under(out);
    assert!(left.is_empty(), "{args:?}: left files behind: {left:?}");
    assert_eq!(snapshot(input), before, "{args:?}: the input changed");
    stderr.trim_end().to_string()
}

/// Patches the big-endian width and height of every visual sample entry of type `entry` (and of
/// every `tkhd`) in an MP4's bytes. The decoder's own size (H.264 SPS, JPEG SOF) is left alone.
fn patch_declared_size(bytes: &mut [u8], entry: &[u8; 4], width: u16, height: u16) -> usize {
    let mut patched = 0;
    for at in 4..bytes.len().saturating_sub(96) {
        let size = u32::from_be_bytes(bytes[at - 4..at].try_into().unwrap()) as usize;
        if &bytes[at..at + 4] == entry && size >= 86 {
            // after the type: reserved 6, data reference index 2, predefined 16, then w, h
            bytes[at + 28..at + 30].copy_from_slice(&width.to_be_bytes());
            bytes[at + 30..at + 32].copy_from_slice(&height.to_be_bytes());
            patched += 1;
        } else if &bytes[at..at + 4] == b"tkhd" && size >= 92 {
            let off = at + 4 + if bytes[at + 4] == 1 { 88 } else { 76 };
            bytes[off..off + 4].copy_from_slice(&((width as u32) << 16).to_be_bytes());
            bytes[off + 4..off + 8].copy_from_slice(&((height as u32) << 16).to_be_bytes());
            patched += 1;
        }
    }
    patched
}

/// Patches the size in every JPEG start-of-frame (SOF0) marker: what the decoder itself reads.
fn patch_jpeg_frames(bytes: &mut [u8], width: u16, height: u16) -> usize {
    let mut patched = 0;
    for at in 0..bytes.len().saturating_sub(9) {
        if bytes[at] == 0xFF && bytes[at + 1] == 0xC0 && bytes[at + 4] == 8 {
            bytes[at + 5..at + 7].copy_from_slice(&height.to_be_bytes());
            bytes[at + 7..at + 9].copy_from_slice(&width.to_be_bytes());
            patched += 1;
        }
    }
    patched
}

/// Deterministic bytes (splitmix64).
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed;
    (0..len)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) as u8
        })
        .collect()
}

/// The corpus: (file, what its error must say besides its name).
fn build_corpus(d: &Path) -> Vec<(PathBuf, String)> {
    let path = |name: &str| d.join(name);
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let mut corpus: Vec<(PathBuf, String)> = Vec::new();
    let mut add = |file: PathBuf, says: &str| corpus.push((file, says.to_string()));

    std::fs::write(path("zero_bytes.mp4"), b"").unwrap();
    add(path("zero_bytes.mp4"), "empty");

    // a real clip, moov at the end: its first 16 KB have no header at all
    let clip = path("source_clip.mp4");
    support::make_pattern_clip(&clip, 320, 240, 60, &[]);
    let bytes = std::fs::read(&clip).unwrap();
    std::fs::write(path("first_16k.mp4"), &bytes[..16 * 1024]).unwrap();
    add(path("first_16k.mp4"), "header (moov box) is missing");
    // moov in front: the header promises 60 frames, the data stops after a third of the file
    let faststart = path("source_faststart.mp4");
    support::make_pattern_clip(&faststart, 320, 240, 60, &["-movflags", "+faststart"]);
    let bytes = std::fs::read(&faststart).unwrap();
    std::fs::write(path("cut_faststart.mp4"), &bytes[..bytes.len() / 3]).unwrap();
    add(path("cut_faststart.mp4"), "truncated");

    std::fs::write(path("random_bytes.mp4"), noise(64 * 1024, 15)).unwrap();
    add(path("random_bytes.mp4"), "not a readable video");
    std::fs::write(path("text.mp4"), "liftform analyze: this is not a video\n".repeat(200)).unwrap();
    add(path("text.mp4"), "not a readable video");

    // still images, under their own name and as .mp4
    for (ext, kind) in [("png", "PNG"), ("jpg", "JPEG"), ("gif", "GIF"), ("bmp", "BMP")] {
        let still = path(&format!("still.{ext}"));
        support::ffmpeg(&["-f", "lavfi", "-i", "testsrc2=size=320x240", "-frames:v", "1", &s(&still)]);
        let renamed = path(&format!("still_{ext}.mp4"));
        std::fs::copy(&still, &renamed).unwrap();
        let says = format!("still image ({kind})");
        add(still, &says);
        add(renamed, &says);
    }

    // audio only
    for name in ["audio_only.m4a", "audio_only.mp4"] {
        support::ffmpeg(&["-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:a", "aac", &s(&path(name))]);
        add(path(name), "no video track");
    }

    // headers declaring huge pictures: an H.264 clip whose avc1 entry and tkhd say 65535x65535
    // (the stream itself is 320x240), ...
    let mut bytes = std::fs::read(&clip).unwrap();
    assert!(patch_declared_size(&mut bytes, b"avc1", 65535, 65535) >= 2);
    std::fs::write(path("huge_avc1.mp4"), &bytes).unwrap();
    add(path("huge_avc1.mp4"), "65535x65535");
    // ... a Motion-JPEG clip whose container and every frame say 16000x16000, ...
    let mjpeg = path("source_mjpeg.mp4");
    support::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=16x16:rate=30",
        "-frames:v",
        "10",
        "-c:v",
        "mjpeg",
        "-pix_fmt",
        "yuvj420p",
        &s(&mjpeg),
    ]);
    let mut bytes = std::fs::read(&mjpeg).unwrap();
    assert!(patch_declared_size(&mut bytes, b"jpeg", 16000, 16000) >= 2);
    assert_eq!(patch_jpeg_frames(&mut bytes, 16000, 16000), 10);
    std::fs::write(path("huge_mjpeg.mp4"), &bytes).unwrap();
    add(path("huge_mjpeg.mp4"), "16000x16000");
    // ... and one whose container says 16x16 but whose frames say 60000x60000
    let mut bytes = std::fs::read(&mjpeg).unwrap();
    assert_eq!(patch_jpeg_frames(&mut bytes, 60000, 60000), 10);
    std::fs::write(path("huge_frames_only.mp4"), &bytes).unwrap();
    add(path("huge_frames_only.mp4"), "no frame could be decoded");

    std::fs::create_dir(path("folder.mp4")).unwrap();
    add(path("folder.mp4"), "is a directory");
    corpus
}

#[test]
fn hostile_videos_are_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = build_corpus(dir.path());
    let mut report = Vec::new();
    for (k, (file, says)) in corpus.iter().enumerate() {
        let out = dir.path().join(format!("out_{k}"));
        let name = file.file_name().unwrap().to_str().unwrap();
        let args = ["analyze", file.to_str().unwrap(), "-o", out.to_str().unwrap()];
        let line = assert_refused(&args, file, &[name, says], &out);
        report.push(line);
    }
    // the corpus and each refusal, for the log (`--nocapture`)
    for line in &report {
        println!("{line}");
    }
}

/// The content decides, not the name: a real clip named `.png` (or `.txt`) is analysed.
#[test]
fn a_video_under_a_wrong_extension_is_still_a_video() {
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("clip.mp4");
    support::make_pattern_clip(&clip, 160, 120, 10, &[]);
    for name in ["clip_named.png", "clip_named.txt"] {
        let renamed = dir.path().join(name);
        std::fs::copy(&clip, &renamed).unwrap();
        let out = dir.path().join(format!("out_{name}"));
        let output = support::liftform()
            .args(["analyze", renamed.to_str().unwrap(), "-o", out.to_str().unwrap(), "-q"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{name}: {}", String::from_utf8_lossy(&output.stderr));
        assert!(out.join("clip_named/report.json").is_file(), "{name}: no report");
    }
}

/// A still image that decodes is refused by the reader itself too (the CLI is not the only user).
#[test]
fn the_reader_refuses_a_still_image_after_its_one_frame() {
    let dir = tempfile::tempdir().unwrap();
    let still = dir.path().join("frame.png");
    support::ffmpeg(&["-f", "lavfi", "-i", "testsrc2=size=64x48", "-frames:v", "1", still.to_str().unwrap()]);
    let mut reader = VideoReader::open(&still).unwrap();
    while reader.next_frame().unwrap().is_some() {}
    let msg = reader.check_complete().unwrap_err().to_string();
    assert!(msg.contains("frame.png") && msg.contains("still image (PNG)"), "{msg}");
    // an animated GIF is many frames: a video
    let gif = dir.path().join("moving.gif");
    support::ffmpeg(&["-f", "lavfi", "-i", "testsrc2=size=64x48:rate=10", "-frames:v", "8", gif.to_str().unwrap()]);
    let mut reader = VideoReader::open(&gif).unwrap();
    while reader.next_frame().unwrap().is_some() {}
    reader.check_complete().unwrap();
}

/// `--from-poses` with malformed recordings, and `--config` with bad values: one line naming the
/// file (and the line or the key), nothing written.
#[test]
fn malformed_recordings_and_configs_are_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = d.join("out");
    let header = r#"{"schema":"liftform.recording/v1","source":{"path":"a.mp4","fps":30.0,"frames":2,"width":64,"height":48},"model":{"name":"m"}}"#;
    let frame = |i: u32, landmarks: &str| {
        format!(r#"{{"i":{i},"t_s":{}.0,"pose":{{"score":0.9,"landmarks":[{landmarks}]}},"bar":null}}"#, i / 30)
    };
    let lm = |n: usize| vec!["[10.0,20.0,0.0,0.9,0.99]"; n].join(",");
    let good = frame(0, &lm(33));
    let cases = [
        ("short_list.jsonl", format!("{header}\n{good}\n{}\n", frame(1, &lm(17))), "line 3"),
        ("long_list.jsonl", format!("{header}\n{}\n{good}\n", frame(1, &lm(34))), "line 2"),
        ("empty_list.jsonl", format!("{header}\n{good}\n{good}\n{}\n", frame(2, "")), "line 4"),
        (
            "word_in_list.jsonl",
            format!("{header}\n{good}\n{}\n", frame(1, &format!("{},[\"ten\",20,0,0.9,0.9]", lm(32)))),
            "line 3",
        ),
        ("narrow_landmark.jsonl", format!("{header}\n{}\n", frame(1, &format!("{},[1,2]", lm(32)))), "line 2"),
        ("nan_literal.jsonl", format!("{header}\n{}\n", frame(1, &lm(33)).replace("0.99]", "NaN]")), "line 2"),
        ("cut_line.jsonl", format!("{header}\n{good}\n{}", &good[..good.len() / 2]), "line 3"),
        ("binary.jsonl", format!("{header}\n{good}\n\u{0}\u{1}\u{2}\n"), "line 3"),
        ("no_header.jsonl", format!("{good}\n"), "line 1"),
        ("empty.jsonl", String::new(), "empty"),
    ];
    for (name, text, says) in cases {
        let path = d.join(name);
        std::fs::write(&path, text).unwrap();
        assert_refused(
            &["analyze", "--from-poses", path.to_str().unwrap(), "-o", out.to_str().unwrap()],
            &path,
            &[name, says],
            &out,
        );
    }
    // a directory given as a recording
    let folder = d.join("poses_dir.jsonl");
    std::fs::create_dir(&folder).unwrap();
    assert_refused(
        &["analyze", "--from-poses", folder.to_str().unwrap(), "-o", out.to_str().unwrap()],
        &folder,
        &["poses_dir.jsonl"],
        &out,
    );

    // configs: a good recording with a bad config
    let recording = d.join("good.jsonl");
    std::fs::write(&recording, format!("{header}\n{good}\n")).unwrap();
    let configs = [
        ("visibility.toml", "[track]\nmin_visibility = 7\n", "track.min_visibility"),
        ("height.toml", "[kinematics]\nlifter_height_cm = -175\n", "kinematics.lifter_height_cm"),
        ("window.toml", "[track]\nsmooth_half_window_s = 1e300\n", "track.smooth_half_window_s"),
        ("threshold.toml", "[dl002]\nmax_flexion_deg = nan\n", "dl002.max_flexion_deg"),
        ("type.toml", "[dl001]\nenabled = \"yes\"\n", "enabled"),
        ("unknown.toml", "[dl001]\nmax_offset = 3\n", "max_offset"),
        ("control.toml", "[dl001]\nmax_\u{7}offset_cm = 3\n", "config"),
        ("binary.toml", "\u{0}\u{1}\u{2}\u{3}", "config"),
    ];
    for (name, text, says) in configs {
        let path = d.join(name);
        std::fs::write(&path, text).unwrap();
        let args = [
            "analyze",
            "--from-poses",
            recording.to_str().unwrap(),
            "--config",
            path.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ];
        assert_refused(&args, &path, &[name, says], &out);
    }
}

/// `PROPTEST_CASES` unless set: 48 cases.
fn cases() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

/// A small clip with its header in front, shared by the cases.
fn small_clip() -> &'static [u8] {
    static CLIP: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    CLIP.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let clip = dir.path().join("small.mp4");
        support::make_pattern_clip(&clip, 64, 48, 12, &["-movflags", "+faststart"]);
        std::fs::read(&clip).unwrap()
    })
}

proptest! {
    #![proptest_config(cases())]

    /// Damaged copies of a clip (bytes changed, cut, spliced): the reader opens and decodes them
    /// or refuses in one line naming the file; it never panics and never changes the file.
    #[test]
    fn video_reader_survives_damaged_clips(
        flips in proptest::collection::vec((0.0f64..1.0, 1u8..=255), 0..12),
        header_flips in proptest::collection::vec((0usize..1024, 1u8..=255), 0..6),
        cut in prop_oneof![Just(1.0f64), 0.0f64..1.0],
        splice in proptest::option::of((0.0f64..1.0, 0.0f64..1.0)),
    ) {
        let mut bytes = small_clip().to_vec();
        let n = bytes.len();
        for (at, mask) in flips {
            bytes[((n as f64 * at) as usize).min(n - 1)] ^= mask;
        }
        for (at, mask) in header_flips {
            bytes[at % n] ^= mask;
        }
        if let Some((a, b)) = splice {
            let (a, b) = ((n as f64 * a) as usize, (n as f64 * b) as usize);
            let (lo, hi) = (a.min(b), a.max(b));
            let chunk = bytes[lo..hi].to_vec();
            bytes.extend_from_slice(&chunk);
        }
        bytes.truncate((bytes.len() as f64 * cut) as usize);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("damaged.mp4");
        std::fs::write(&path, &bytes).unwrap();
        let result = VideoReader::open(&path).and_then(|mut reader| {
            let mut frames = 0;
            while let Some(frame) = reader.next_frame()? {
                let size = frame.image_bgr.size().unwrap();
                assert!(size.width > 0 && size.height > 0);
                frames += 1;
                assert!(frames < 1000, "endless stream");
            }
            reader.check_complete()
        });
        if let Err(e) = result {
            let msg = e.to_string();
            prop_assert!(msg.contains("damaged.mp4") && !msg.chars().any(char::is_control), "{}", msg);
            prop_assert_eq!(e.exit_code(), 2, "{}", msg);
        }
        prop_assert_eq!(std::fs::read(&path).unwrap(), bytes);
    }
}

/// Every real clip of the shared data passes the header checks: they refuse no genuine video.
#[test]
#[ignore = "needs ../shared/data"]
fn real_clips_pass_the_header_checks() {
    let data = support::shared_data().unwrap();
    let mut clips = Vec::new();
    let mut dirs = vec![data];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("mp4") || e.eq_ignore_ascii_case("mov")) {
                clips.push(path);
            }
        }
    }
    assert!(clips.len() >= 10, "found only {} clips", clips.len());
    for clip in &clips {
        let declared = liftform_vision::video::check_declared(clip);
        assert!(matches!(declared, Ok(None)), "{}: {declared:?}", clip.display());
        VideoReader::open(clip).unwrap_or_else(|e| panic!("{e}"));
    }
}
