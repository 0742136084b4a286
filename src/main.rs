//! The `liftform` command line: parses arguments, runs the library, prints one line per error and
//! maps errors to exit codes (2: bad input, output or setup; 1: internal failure).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use liftform::analysis::{analyze, AnalysisConfig};
use liftform::output::{video_output_dir, write_atomically};
use liftform::pose::model::ModelChoice;
use liftform::pose::{PoseEstimator, PoseOptions};
use liftform::pose_pass::{run_pose_pass, PosePassSummary};
use liftform::recording::Recording;
use liftform::report::Report;
use liftform::{assets, rules, Error};

#[derive(Parser)]
#[command(name = "liftform", version, about = "Deadlift form analysis from a filmed set")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Analyse videos: writes DIR/<video stem>/poses.jsonl and report.json for each, and prints
    /// each set's findings.
    Analyze {
        /// Video files to analyse.
        #[arg(required_unless_present = "from_poses", conflicts_with = "from_poses")]
        videos: Vec<PathBuf>,
        /// Analyse a saved pose recording (poses.jsonl) instead of a video.
        #[arg(long, value_name = "FILE")]
        from_poses: Option<PathBuf>,
        /// Output folder; each video gets a sub-folder named after it.
        #[arg(short = 'o', long = "out", default_value = "liftform-out")]
        out_dir: PathBuf,
        /// Landmark model: `full` (default, fast), `heavy` (more accurate) or a path to an ONNX file.
        #[arg(long, default_value = "full")]
        model: String,
        /// Thresholds and settings (TOML); see `liftform config` for every key and its default.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Print the JSON report to stdout instead of the text summary.
        #[arg(long)]
        json: bool,
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
    /// List the form rules with their codes, phases and default thresholds.
    Rules,
    /// Explain one rule: what it checks, why it matters, how to fix it.
    Explain {
        /// A rule code (DL003) or name (hips-rise-early).
        code: String,
    },
    /// Print every analysis setting with its default, as a TOML file for --config.
    Config,
    /// Show where the models and the ONNX Runtime library are found.
    Paths,
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
        Command::Analyze { videos, from_poses, out_dir, model, config, json, threads, quiet, no_refine, no_smooth } => {
            let config = match &config {
                Some(path) => AnalysisConfig::from_file(path)?,
                None => AnalysisConfig::default(),
            };
            let show = Show { json, quiet };
            if let Some(recording_path) = from_poses {
                return analyze_recording_file(&recording_path, &out_dir, &config, show);
            }
            // Check every input before loading models, so a typo fails in milliseconds.
            for video in &videos {
                check_video_path(video)?;
            }
            let options = PoseOptions { intra_threads: threads, refine_from_heatmap: !no_refine, smooth: !no_smooth };
            let mut estimator = PoseEstimator::new(&ModelChoice::parse(&model), options)?;
            for video in &videos {
                let dir = video_output_dir(&out_dir, video)?;
                let summary = run_pose_pass(video, &dir, &mut estimator, |_| {})?;
                if !quiet && !json {
                    print_pose_summary(&summary);
                }
                let recording = Recording::read(&summary.recording_path)?;
                let report = analyze(&recording, &config);
                write_report(&report, &dir, show)?;
            }
            Ok(())
        }
        Command::Rules => {
            print!("{}", rules::list_text());
            Ok(())
        }
        Command::Explain { code } => match rules::explain(&code) {
            Some(text) => {
                print!("{text}");
                Ok(())
            }
            None => Err(Error::input(Path::new(&code), "no such rule; `liftform rules` lists them")),
        },
        Command::Config => {
            print!("{}", AnalysisConfig::default_toml());
            Ok(())
        }
        Command::Paths => {
            let show = |found: Result<PathBuf, Error>| found.map_or_else(|e| format!("not found ({e})"), |p| p.display().to_string());
            println!("detector model:      {}", show(assets::find_model_file(assets::DETECTOR_MODEL_FILE)));
            println!("landmark model full: {}", show(assets::find_model_file("blazepose_landmark_full.onnx")));
            println!("landmark model heavy: {}", show(assets::find_model_file("blazepose_landmark_heavy.onnx")));
            println!("ONNX Runtime:        {}", show(assets::find_ort_library()));
            Ok(())
        }
    }
}

#[derive(Clone, Copy)]
struct Show {
    json: bool,
    quiet: bool,
}

/// `--from-poses`: the analysis alone, on a saved recording (ours or MediaPipe's). The report goes
/// to `<out>/<name>/report.json`, where name is the recording's folder for `poses.jsonl` files and
/// the file's stem otherwise; the recording itself is never touched.
fn analyze_recording_file(path: &Path, out_dir: &Path, config: &AnalysisConfig, show: Show) -> Result<(), Error> {
    let recording = Recording::read(path)?;
    let name = if path.file_name().is_some_and(|n| n == "poses.jsonl") {
        path.canonicalize().ok().and_then(|p| p.parent().and_then(|d| d.file_name()).map(|n| n.to_owned()))
    } else {
        path.file_stem().map(|s| s.to_owned())
    }
    .unwrap_or_else(|| "recording".into());
    let dir = video_output_dir(out_dir, Path::new(&name))?;
    let report = analyze(&recording, config);
    write_report(&report, &dir, show)
}

fn write_report(report: &Report, dir: &Path, show: Show) -> Result<(), Error> {
    let json = report.to_json();
    write_atomically(&dir.join("report.json"), format!("{json}\n").as_bytes())?;
    if show.json {
        println!("{json}");
    } else if !show.quiet {
        print!("{}", report.to_text());
        println!("  report: {}", dir.join("report.json").display());
    }
    Ok(())
}

fn check_video_path(video: &Path) -> Result<(), Error> {
    let meta = std::fs::metadata(video).map_err(|e| Error::input(video, format!("cannot open: {e}")))?;
    if meta.is_dir() {
        return Err(Error::input(video, "is a directory, expected a video file"));
    }
    Ok(())
}

fn print_pose_summary(s: &PosePassSummary) {
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
