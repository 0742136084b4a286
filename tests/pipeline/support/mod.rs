//! Helpers shared by the integration tests: where the shared test data lives, and making clips.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// `../shared/data` beside the project. Tests that need it are `#[ignore = "needs ../shared/data"]`,
/// so a fresh clone reports them as ignored; run with `--include-ignored` where the data is. Then
/// a missing folder is a failure, never a silent pass. (`Option` keeps the callers' shape.)
pub fn shared_data() -> Option<PathBuf> {
    Some(shared_dir("data"))
}

/// `../shared/models` (the reference outputs), as [`shared_data`].
pub fn shared_models() -> Option<PathBuf> {
    Some(shared_dir("models"))
}

fn shared_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared").join(name);
    assert!(dir.is_dir(), "this test needs {} (the shared test data beside the checkout)", dir.display());
    dir
}

/// Runs ffmpeg with the given arguments (quiet, overwrite), panicking with its output on failure.
pub fn ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .output()
        .expect("ffmpeg must be installed (tools/setup.sh installs it)");
    assert!(out.status.success(), "ffmpeg {:?} failed: {}", args, String::from_utf8_lossy(&out.stderr));
}

/// A small H.264 test clip made by ffmpeg's pattern generator.
pub fn make_pattern_clip(path: &Path, width: u32, height: u32, frames: u32, extra: &[&str]) {
    let src = format!("testsrc2=size={width}x{height}:rate=30");
    let frames = frames.to_string();
    let mut args = vec!["-f", "lavfi", "-i", &src, "-frames:v", &frames, "-c:v", "libx264", "-pix_fmt", "yuv420p"];
    args.extend_from_slice(extra);
    let path_str = path.to_str().unwrap();
    args.push(path_str);
    ffmpeg(&args);
}

/// A small H.264 clip of ffmpeg's `testsrc2` (text, colour bars: nothing symmetric) with a white
/// square marker in its top-left corner, so a turned or mirrored frame is easy to tell apart.
pub fn make_marker_clip(path: &Path, width: u32, height: u32, frames: u32, marker: u32) {
    let src =
        format!("testsrc2=size={width}x{height}:rate=30,drawbox=x=0:y=0:w={marker}:h={marker}:color=white:t=fill");
    let frames = frames.to_string();
    let path_str = path.to_str().unwrap();
    ffmpeg(&["-f", "lavfi", "-i", &src, "-frames:v", &frames, "-c:v", "libx264", "-pix_fmt", "yuv420p", path_str]);
}

/// The first frame of `video` as ffmpeg's own command line shows it, written to `png`: ffmpeg
/// applies the container's rotation (display matrix) itself, as a phone's player does.
pub fn ffmpeg_first_frame_png(video: &Path, png: &Path) {
    ffmpeg(&["-i", video.to_str().unwrap(), "-frames:v", "1", png.to_str().unwrap()]);
}

pub fn liftform() -> Command {
    Command::new(env!("CARGO_BIN_EXE_liftform"))
}

/// Runs `command` to the end, as `Command::output` does, but kills it and panics (with what it
/// printed so far) when it takes longer than `limit`: a test of something that used to hang then
/// fails rather than hangs.
pub fn output_within(command: &mut Command, limit: Duration) -> Output {
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("cannot start");
    let read_all = |mut from: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = from.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = read_all(Box::new(child.stdout.take().unwrap()));
    let stderr = read_all(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            let (out, err) = (stdout.join().unwrap_or_default(), stderr.join().unwrap_or_default());
            panic!(
                "{command:?} did not finish within {limit:?} (killed)\nstdout: {}\nstderr: {}",
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&err)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output { status, stdout: stdout.join().unwrap(), stderr: stderr.join().unwrap() }
}

/// A named pipe (FIFO) at `path`, made by the `mkfifo` program.
pub fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo must be installed");
    assert!(status.success(), "mkfifo {} failed", path.display());
}

/// A made-up rounded-back finding at known frames of rep 2, so render tests do not depend on what
/// the rules happen to find on a recording.
pub fn test_finding(first_frame: u64, last_frame: u64, fps: f64) -> liftform_core::report::Finding {
    liftform_core::report::Finding {
        code: "DL002",
        rule: "rounded-back",
        severity: liftform_core::report::Severity::Fault,
        rep: 2,
        start_s: first_frame as f64 / fps,
        end_s: last_frame as f64 / fps,
        frame_start: first_frame,
        frame_end: last_frame,
        measured: 31.0,
        threshold: 20.0,
        unit: "deg",
        message: "the lower back rounds 31° under load (test finding)".into(),
        advice: "brace before the pull (test advice)".into(),
        confidence: 1.0,
    }
}
