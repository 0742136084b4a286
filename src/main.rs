//! The `liftform` command line: parses arguments, runs the library, prints one line per error and
//! maps errors to exit codes (2: bad input, output or setup; 1: internal failure).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use liftform::output::video_output_dir;
use liftform::pose::model::ModelChoice;
use liftform::pose::{PoseEstimator, PoseOptions};
use liftform::pose_pass::{run_pose_pass, PosePassSummary};
use liftform::Error;

#[derive(Parser)]
#[command(name = "liftform", version, about = "Deadlift form analysis from a filmed set")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Analyse videos: writes DIR/<video stem>/poses.jsonl for each.
    Analyze {
        /// Video files to analyse.
        #[arg(required = true)]
        videos: Vec<PathBuf>,
        /// Output folder; each video gets a sub-folder named after it.
        #[arg(short = 'o', long = "out", default_value = "liftform-out")]
        out_dir: PathBuf,
        /// Landmark model: `full` (default, fast), `heavy` (more accurate) or a path to an ONNX file.
        #[arg(long, default_value = "full")]
        model: String,
        /// ONNX Runtime threads per model run (decoding runs on its own thread beside them).
        #[arg(long, default_value_t = 2)]
        threads: usize,
        /// Print nothing but errors.
        #[arg(short, long)]
        quiet: bool,
        /// Keep the landmark network's raw coordinates (no heatmap refinement).
        #[arg(long, hide = true)]
        no_refine: bool,
        /// Write unfiltered landmarks (no temporal smoothing in the pose pass).
        #[arg(long, hide = true)]
        no_smooth: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("liftform: error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Analyze { videos, out_dir, model, threads, quiet, no_refine, no_smooth } => {
            // Check every input before loading models, so a typo fails in milliseconds.
            for video in &videos {
                check_video_path(video)?;
            }
            let mut estimator = PoseEstimator::new(&ModelChoice::parse(&model), PoseOptions { intra_threads: threads, refine_from_heatmap: !no_refine, smooth: !no_smooth })?;
            for video in &videos {
                let dir = video_output_dir(&out_dir, video)?;
                let summary = run_pose_pass(video, &dir, &mut estimator, |_| {})?;
                if !quiet {
                    print_summary(&summary);
                }
            }
            Ok(())
        }
    }
}

fn check_video_path(video: &Path) -> Result<(), Error> {
    let meta = std::fs::metadata(video).map_err(|e| Error::input(video, format!("cannot open: {e}")))?;
    if meta.is_dir() {
        return Err(Error::input(video, "is a directory, expected a video file"));
    }
    Ok(())
}

fn print_summary(s: &PosePassSummary) {
    let v = &s.video;
    let share = if s.frames > 0 { 100.0 * s.frames_with_pose as f64 / s.frames as f64 } else { 0.0 };
    println!("{}", v.path.display());
    println!(
        "  video: {}x{} at {:.2} fps, {} frames decoded{}",
        v.width,
        v.height,
        v.fps,
        s.frames,
        if v.rotation_deg != 0 { format!(", rotated {}°", v.rotation_deg) } else { String::new() }
    );
    println!("  pose:  {} of {} frames ({share:.1} %), mean score {:.3}", s.frames_with_pose, s.frames, s.mean_score);
    println!("  time:  {:.2} s, {:.1} frames/s ({} detector runs)", s.elapsed_s, s.frames_per_s(), s.detector_runs);
    println!("  wrote: {}", s.recording_path.display());
}
