//! Throughput and memory of the pose pass: `cargo bench --bench pipeline`.
//!
//! Reports, on a 1080p H.264 clip: decode fps, pose fps (models only, frames already decoded),
//! end-to-end fps of `run_pose_pass` (decode on its own thread + pose + writing poses.jsonl), for
//! 1 and 2 ONNX Runtime threads (without bar tracking, the default), and with bar tracking; then the peak resident memory of the `liftform` binary on the
//! clip looped to 10 minutes (LIFTFORM_BENCH_LOOP_MIN changes the length, 0 skips it).
//! The clip is LIFTFORM_BENCH_CLIP, else ../shared/data/videos/mattiolato_Bad_000002.mp4.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use liftform_core::output::video_output_dir;
use liftform_vision::pose::model::ModelChoice;
use liftform_vision::pose::{PoseEstimator, PoseOptions};
use liftform_vision::pose_pass::{run_pose_pass_with, PosePassOptions};
use liftform_vision::video::VideoReader;

mod support;

const POSE_ONLY_FRAMES: usize = 40;

fn bench_clip() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("LIFTFORM_BENCH_CLIP") {
        return Some(PathBuf::from(p));
    }
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/videos/mattiolato_Bad_000002.mp4");
    shared.is_file().then_some(shared)
}

fn decode_fps(clip: &Path) -> (f64, u64) {
    let start = Instant::now();
    let mut reader = VideoReader::open(clip).unwrap();
    while reader.next_frame().unwrap().is_some() {}
    (reader.decoded() as f64 / start.elapsed().as_secs_f64(), reader.decoded())
}

fn pose_only_fps(clip: &Path, threads: usize) -> f64 {
    let mut reader = VideoReader::open(clip).unwrap();
    let mut frames = Vec::new();
    while let Some(f) = reader.next_frame().unwrap() {
        frames.push(f);
        if frames.len() == POSE_ONLY_FRAMES {
            break;
        }
    }
    let options = PoseOptions { intra_threads: threads, ..PoseOptions::default() };
    let mut estimator = PoseEstimator::new(&ModelChoice::Full, options).unwrap();
    estimator.estimate(&frames[0].image_bgr, 0.0).unwrap(); // warm-up
    let start = Instant::now();
    for f in &frames {
        estimator.estimate(&f.image_bgr, f.t_s + 1.0).unwrap();
    }
    frames.len() as f64 / start.elapsed().as_secs_f64()
}

fn end_to_end_fps(clip: &Path, threads: usize, model: ModelChoice) -> f64 {
    end_to_end_fps_with(clip, threads, model, false)
}

/// End-to-end fps of the pose pass, with or without bar tracking.
fn end_to_end_fps_with(clip: &Path, threads: usize, model: ModelChoice, track_bar: bool) -> f64 {
    let out = tempfile::tempdir().unwrap();
    let options = PoseOptions { intra_threads: threads, ..PoseOptions::default() };
    let mut estimator = PoseEstimator::new(&model, options).unwrap();
    let dir = video_output_dir(out.path(), clip).unwrap();
    let pass = PosePassOptions { track_bar, ..PosePassOptions::default() };
    let summary = run_pose_pass_with(clip, &dir, &mut estimator, &pass, |_| {}).unwrap();
    summary.frames_per_s()
}

fn main() {
    // `cargo bench` passes --bench; nothing else is taken.
    let Some(clip) = bench_clip() else {
        println!("skipped: no bench clip (set LIFTFORM_BENCH_CLIP or provide ../shared/data)");
        return;
    };
    let info = VideoReader::open(&clip).unwrap().info().clone();
    println!("clip: {} ({}x{}, {:.2} fps)", clip.display(), info.width, info.height, info.fps);
    let (fps, frames) = decode_fps(&clip);
    println!("decode:                 {fps:7.1} frames/s ({frames} frames)");
    for threads in [1, 2] {
        println!("pose only, {threads} thread(s):  {:7.1} frames/s", pose_only_fps(&clip, threads));
    }
    for threads in [1, 2] {
        println!("end to end, full, {threads} thr: {:7.1} frames/s", end_to_end_fps(&clip, threads, ModelChoice::Full));
    }
    println!("end to end, heavy, 2 thr: {:6.1} frames/s", end_to_end_fps(&clip, 2, ModelChoice::Heavy));
    // Bar tracking's cost (issue 4: at most 20 %): the same pass with and without it, five times
    // each in alternation so a busy machine affects both alike; the best of each (on a 2-core
    // machine single runs of either spread by ±15 %).
    let (mut with_bar, mut without_bar) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        without_bar.push(end_to_end_fps_with(&clip, 2, ModelChoice::Full, false));
        with_bar.push(end_to_end_fps_with(&clip, 2, ModelChoice::Full, true));
    }
    let best = |v: &[f64]| v.iter().copied().fold(0.0f64, f64::max);
    let (with_best, without_best) = (best(&with_bar), best(&without_bar));
    println!(
        "bar tracking, full, 2 thr: {with_best:6.1} frames/s with, {without_best:6.1} without ({:+.1} % time; runs with {:.0?}, without {:.0?})",
        100.0 * (without_best / with_best - 1.0),
        with_bar,
        without_bar
    );

    render_bench(&clip);

    let minutes: f64 = std::env::var("LIFTFORM_BENCH_LOOP_MIN").ok().and_then(|v| v.parse().ok()).unwrap_or(10.0);
    if minutes <= 0.0 {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let looped = work.path().join("looped.mp4");
    let loops = ((minutes * 60.0 * info.fps) / frames as f64).ceil() as u64;
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y", "-stream_loop", &loops.to_string(), "-i"])
        .arg(&clip)
        .args(["-t", &(minutes * 60.0).to_string(), "-an", "-c", "copy"])
        .arg(&looped)
        .status()
        .unwrap();
    assert!(status.success(), "ffmpeg could not loop the clip");
    let mut command = Command::new(env!("CARGO_BIN_EXE_liftform"));
    command.args(["analyze", "-q", "--threads", "2", "-o"]).arg(work.path().join("out")).arg(&looped);
    let (peak_mb, seconds, ok) = support::peak_rss_mb(command);
    assert!(ok, "liftform failed on the looped clip");
    let short = {
        let mut c = Command::new(env!("CARGO_BIN_EXE_liftform"));
        c.args(["analyze", "-q", "--threads", "2", "-o"]).arg(work.path().join("out_short")).arg(&clip);
        support::peak_rss_mb(c).0
    };
    println!("peak memory: {peak_mb:.0} MB on {minutes} min looped ({seconds:.0} s), {short:.0} MB on the {frames}-frame clip");
}

// --- Render pass (issue 5): annotated clip / HTML page, frames per second ------------------------
// The recording comes from one pose pass (full model); the render pass then reads the video again,
// draws the overlay and encodes H.264 — with the ffmpeg encoder (the default where ffmpeg is
// installed) and with OpenCV's own VideoWriter (the fallback), then with everything --html adds.

fn render_bench(clip: &Path) {
    use liftform_core::analysis::{analyze_in_full, AnalysisConfig};
    use liftform_core::recording::Recording;
    use liftform_render::{render, RenderOptions, ENCODER_VAR};

    let work = tempfile::tempdir().unwrap();
    let dir = video_output_dir(work.path(), clip).unwrap();
    let mut estimator = PoseEstimator::new(&ModelChoice::Full, PoseOptions::default()).unwrap();
    let summary = liftform_vision::pose_pass::run_pose_pass(clip, &dir, &mut estimator, |_| {}).unwrap();
    drop(estimator);
    let recording = Recording::read(&summary.recording_path).unwrap();
    let config = AnalysisConfig::default();
    let analysis = analyze_in_full(&recording, &config);
    let runs: [(&str, &str, RenderOptions); 3] = [
        ("render --annotate, ffmpeg:", "ffmpeg", RenderOptions { annotate: true, ..RenderOptions::default() }),
        ("render --annotate, OpenCV:", "opencv", RenderOptions { annotate: true, ..RenderOptions::default() }),
        ("render --html (all):     ", "", RenderOptions { html: true, ..RenderOptions::default() }),
    ];
    let previous = std::env::var_os(ENCODER_VAR);
    for (label, encoder, options) in runs {
        if !encoder.is_empty() {
            std::env::set_var(ENCODER_VAR, encoder);
        } else if let Some(p) = &previous {
            std::env::set_var(ENCODER_VAR, p);
        } else {
            std::env::remove_var(ENCODER_VAR);
        }
        match render(clip, &recording, &analysis, &dir, &options) {
            Ok(r) => println!(
                "{label} {:7.1} frames/s ({} frames, video pass {:.2} s, all {:.2} s, {:?})",
                r.frames_per_s(),
                r.frames,
                r.video_pass_s,
                r.elapsed_s,
                r.codec
            ),
            Err(e) => println!("{label} skipped: {e}"),
        }
    }
}
