//! The `liftform` command line: parses arguments, runs the library, prints one line per error and
//! maps errors to exit codes (2: bad input, output or setup; 1: internal failure).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use liftform::batch::outputs::folder_names;
use liftform::batch::{run_batch, BatchOptions, BatchOutcome, Progress};
use liftform::error::{input, output, Error};
use liftform::eval::{run_eval, EvalOptions};
use liftform::pipeline::analyze_video;
use liftform_core::analysis::{analyze, AnalysisConfig};
use liftform_core::output::{video_output_dir, write_atomically};
use liftform_core::recording::Recording;
use liftform_core::report::Report;
use liftform_core::rules;
use liftform_render::{RenderOptions, RenderSummary};
use liftform_vision::assets;
use liftform_vision::pose::model::ModelChoice;
use liftform_vision::pose::{PoseEstimator, PoseOptions};
use liftform_vision::pose_pass::{PosePassOptions, PosePassSummary};

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
        #[command(flatten)]
        render: RenderArgs,
        #[command(flatten)]
        measure: MeasureArgs,
        /// Keep the landmark network's raw coordinates (no heatmap refinement).
        #[arg(long, hide = true)]
        no_refine: bool,
        /// Write unfiltered landmarks (no temporal smoothing in the pose pass).
        #[arg(long, hide = true)]
        no_smooth: bool,
    },
    /// Analyse every video in a folder in parallel; writes each video's outputs as `analyze`
    /// does (sub-folders mirrored) plus summary.csv and index.html.
    Batch {
        /// The folder of videos (found by content, not only by extension).
        dir: PathBuf,
        /// Output folder.
        #[arg(short = 'o', long = "out", default_value = "liftform-out")]
        out_dir: PathBuf,
        /// Videos analysed at the same time (default: one per CPU core).
        #[arg(long)]
        jobs: Option<usize>,
        /// Look in sub-folders too.
        #[arg(long)]
        recursive: bool,
        /// Keep videos that already have a complete report (resume an interrupted batch).
        #[arg(long)]
        skip_existing: bool,
        /// Landmark model: `full`, `heavy` or a path to an ONNX file.
        #[arg(long, default_value = "full")]
        model: String,
        /// Thresholds and settings (TOML).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Print nothing but errors.
        #[arg(short, long)]
        quiet: bool,
        #[command(flatten)]
        render: RenderArgs,
        #[command(flatten)]
        measure: MeasureArgs,
    },
    /// Measure the analysis on labelled clips: per rule, required faults found, false findings and
    /// not-assessed; per clip, what was expected and what was found.
    Eval {
        /// The folder of clips the labels name.
        dir: PathBuf,
        /// Labels (JSON): {"clips": {"clip.mp4": {"required": [..], "allowed": [..], "ambiguous": false}}}.
        #[arg(long, value_name = "FILE")]
        labels: PathBuf,
        /// Keep the pose recordings here (DIR/<stem>/poses.jsonl, as `analyze` and `batch` write
        /// them) and reuse those already there; without it they are made afresh in a temporary folder.
        #[arg(long, value_name = "DIR")]
        recordings: Option<PathBuf>,
        /// Print the evaluation as JSON.
        #[arg(long)]
        json: bool,
        /// Landmark model: `full`, `heavy` or a path to an ONNX file.
        #[arg(long, default_value = "full")]
        model: String,
        /// Thresholds and settings (TOML).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Print nothing but the result.
        #[arg(short, long)]
        quiet: bool,
        #[command(flatten)]
        measure: MeasureArgs,
    },
    /// List the form rules with their codes, phases and default thresholds.
    Rules {
        /// Print the rule table as Markdown (the README's table is this output).
        #[arg(long)]
        markdown: bool,
    },
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

/// What the render pass draws (shared by `analyze` and `batch`); each is a second pass over the
/// video, paid for only when asked.
#[derive(clap::Args)]
struct RenderArgs {
    /// Also write DIR/<stem>/annotated.mp4 (H.264) and PNG plots.
    #[arg(long)]
    annotate: bool,
    /// Also write DIR/<stem>/report.html (with the annotated clip it plays, and the plots).
    #[arg(long)]
    html: bool,
    /// Also write a short annotated clip around each finding under DIR/<stem>/clips/.
    #[arg(long)]
    clips: bool,
}

impl RenderArgs {
    fn options(&self) -> RenderOptions {
        RenderOptions { annotate: self.annotate, html: self.html, clips: self.clips }
    }
}

/// How lengths are measured: the plate, the lifter's height (shared by `analyze` and `batch`).
#[derive(clap::Args)]
struct MeasureArgs {
    /// Skip tracking the barbell's near plate: the bar is taken from the wrists and lengths from
    /// the lifter's height (faster). By default the plate is tracked, and trusted for the bar and
    /// the cm scale only where its radius is steady and fits the lifter's size.
    #[arg(long)]
    no_bar: bool,
    /// The default since bar tracking is on unless `--no-bar` is given; kept so that older
    /// scripts still run.
    #[arg(long, hide = true, conflicts_with = "no_bar")]
    track_bar: bool,
    /// Plate diameter in mm, for plates other than the standard 450 mm.
    #[arg(long, value_name = "MM", default_value_t = 450.0)]
    plate_diameter: f64,
    /// The lifter's height in cm: turns body-relative lengths into centimetres when no plate
    /// scale can be trusted (otherwise 175 cm is assumed and the report says so).
    #[arg(long, value_name = "CM")]
    height: Option<f64>,
}

impl MeasureArgs {
    /// Each number within a range a lifter and a plate can have; one line naming the flag,
    /// the value and the range otherwise.
    fn check(&self) -> Result<(), Error> {
        check_number("--plate-diameter", self.plate_diameter, 100.0, 1000.0, "mm")?;
        match self.height {
            Some(height_cm) => check_number("--height", height_cm, 100.0, 250.0, "cm"),
            None => Ok(()),
        }
    }

    fn apply(&self, config: &mut AnalysisConfig) {
        if let Some(height_cm) = self.height {
            config.kinematics.lifter_height_cm = height_cm;
        }
    }

    fn pose_pass(&self) -> PosePassOptions {
        PosePassOptions {
            track_bar: !self.no_bar,
            plate_diameter_mm: Some(self.plate_diameter),
            ..PosePassOptions::default()
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    liftform::interrupt::install_handler();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("liftform: error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// `liftform batch`: the exit code says whether anything failed or the batch was interrupted.
#[allow(clippy::too_many_arguments)]
fn batch(
    dir: PathBuf,
    out_dir: PathBuf,
    jobs: Option<usize>,
    recursive: bool,
    skip_existing: bool,
    model: String,
    config: Option<PathBuf>,
    quiet: bool,
    render: RenderArgs,
    measure: MeasureArgs,
) -> Result<ExitCode, Error> {
    measure.check()?;
    if let Some(jobs) = jobs {
        check_count("--jobs", jobs, 1, 256)?;
    }
    let mut config = load_config(config.as_deref())?;
    measure.apply(&mut config);
    let progress = if quiet {
        Progress::Quiet
    } else if std::io::stderr().is_terminal() {
        Progress::Bars
    } else {
        Progress::Lines
    };
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let options = BatchOptions {
        out_dir: out_dir.clone(),
        jobs: jobs.unwrap_or(cores),
        recursive,
        skip_existing,
        model: ModelChoice::parse(&model),
        config,
        progress,
        pose_pass: measure.pose_pass(),
        render: render.options(),
    };
    let outcome = run_batch(&dir, &options)?;
    Ok(report_batch(&outcome, &out_dir, quiet))
}

fn check_number(flag: &str, value: f64, min: f64, max: f64, unit: &str) -> Result<(), Error> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        let shown = rules::config_number(value);
        Err(input(
            Path::new(flag),
            format!("{shown} is outside its valid range {min} to {max} {unit}").trim_end().to_string(),
        ))
    }
}

fn check_count(flag: &str, value: usize, min: usize, max: usize) -> Result<(), Error> {
    check_number(flag, value as f64, min as f64, max as f64, "")
}

fn load_config(path: Option<&Path>) -> Result<AnalysisConfig, Error> {
    Ok(path.map_or_else(|| Ok(AnalysisConfig::default()), AnalysisConfig::from_file)?)
}

/// The end of a batch: ignored files, failures with reasons, where the summary is; the exit code
/// says whether anything failed (2) or the batch was interrupted (130).
fn report_batch(outcome: &BatchOutcome, out_dir: &Path, quiet: bool) -> ExitCode {
    let failed = outcome.failed();
    if !quiet {
        for (path, why) in &outcome.ignored {
            println!("ignored {}: {why}", path.display());
        }
        let done = outcome.finished();
        println!(
            "{done} of {} videos analysed ({} jobs × {} threads); summary: {}",
            outcome.rows.len(),
            outcome.jobs,
            outcome.threads_per_job,
            out_dir.join("index.html").display()
        );
    }
    for row in &failed {
        eprintln!("liftform: failed: {}: {}", row.video, row.reason);
    }
    for row in outcome.unfinished() {
        eprintln!("liftform: not finished: {}: {}", row.video, row.reason);
    }
    if outcome.interrupted() {
        ExitCode::from(130)
    } else if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}

fn run(cli: Cli) -> Result<ExitCode, Error> {
    let done: Result<(), Error> = match cli.command {
        Command::Analyze {
            videos,
            from_poses,
            out_dir,
            model,
            config,
            json,
            threads,
            quiet,
            render,
            measure,
            no_refine,
            no_smooth,
        } => {
            let mut config = load_config(config.as_deref())?;
            measure.apply(&mut config);
            let show = Show { json, quiet };
            let render_options = render.options();
            if let Some(recording_path) = from_poses {
                if render_options.any() {
                    return Err(input(
                        &recording_path,
                        "--annotate, --html and --clips need the video: run `liftform analyze VIDEO`",
                    ));
                }
                return analyze_recording_file(&recording_path, &out_dir, &config, show).map(|()| ExitCode::SUCCESS);
            }
            measure.check()?;
            check_count("--threads", threads, 1, 64)?;
            let run = AnalyzeRun {
                out_dir: &out_dir,
                model: &model,
                pose: PoseOptions { intra_threads: threads, refine_from_heatmap: !no_refine, smooth: !no_smooth },
                measure: &measure,
                config: &config,
                show,
                render: &render_options,
            };
            return analyze_videos(&videos, &run);
        }
        Command::Rules { markdown } => {
            print!("{}", if markdown { rules::markdown_table() } else { rules::list_text() });
            Ok(())
        }
        Command::Explain { code } => match rules::explain(&code) {
            Some(text) => {
                print!("{text}");
                Ok(())
            }
            None => Err(input(Path::new(&code), "no such rule; `liftform rules` lists them")),
        },
        Command::Config => {
            print!("{}", AnalysisConfig::default_toml());
            Ok(())
        }
        Command::Batch { dir, out_dir, jobs, recursive, skip_existing, model, config, quiet, render, measure } => {
            return batch(dir, out_dir, jobs, recursive, skip_existing, model, config, quiet, render, measure)
        }
        Command::Eval { dir, labels, recordings, json, model, config, quiet, measure } => {
            measure.check()?;
            let mut config = load_config(config.as_deref())?;
            measure.apply(&mut config);
            let options = EvalOptions {
                labels,
                recordings_dir: recordings,
                model: ModelChoice::parse(&model),
                pose: PoseOptions::default(),
                pose_pass: measure.pose_pass(),
                config,
            };
            let evaluation = run_eval(&dir, &options, |clip| {
                if !quiet {
                    eprintln!("eval: {clip}");
                }
            })?;
            print!("{}", if json { evaluation.to_json() + "\n" } else { evaluation.to_text() });
            Ok(())
        }
        Command::Paths => {
            let show = |found: Result<PathBuf, liftform_vision::Error>| {
                found.map_or_else(|e| format!("not found ({e})"), |p| p.display().to_string())
            };
            println!("detector model:      {}", show(assets::find_model_file(assets::DETECTOR_MODEL_FILE)));
            println!("landmark model full: {}", show(assets::find_model_file("blazepose_landmark_full.onnx")));
            println!("landmark model heavy: {}", show(assets::find_model_file("blazepose_landmark_heavy.onnx")));
            println!("ONNX Runtime:        {}", show(assets::find_ort_library()));
            Ok(())
        }
    };
    done.map(|()| ExitCode::SUCCESS)
}

/// What one `liftform analyze` run applies to each of its videos.
struct AnalyzeRun<'a> {
    out_dir: &'a Path,
    model: &'a str,
    pose: PoseOptions,
    measure: &'a MeasureArgs,
    config: &'a AnalysisConfig,
    show: Show,
    render: &'a RenderOptions,
}

/// `liftform analyze VIDEO...`: each video in turn. A video that fails is reported in one line and
/// the rest go on (an interruption stops them all); the exit code is the first failure's. Each
/// video's folder is decided before anything runs (see `output_dirs`); a folder this run created,
/// the output folder included, is removed again when it is left empty.
fn analyze_videos(videos: &[PathBuf], run: &AnalyzeRun) -> Result<ExitCode, Error> {
    let out_existed = run.out_dir.exists();
    let result = analyze_each(videos, run);
    if !out_existed {
        let _ = std::fs::remove_dir(run.out_dir); // only if nothing was written: no empty folder left
    }
    result
}

fn analyze_each(videos: &[PathBuf], run: &AnalyzeRun) -> Result<ExitCode, Error> {
    // Check every input before loading models, so a typo fails in milliseconds; with one video
    // (or none readable) the first problem is the answer, else each is reported and the rest go on.
    let mut checked: Vec<Result<(), Error>> = videos.iter().map(|v| check_video_path(v)).collect();
    let single = videos.len() == 1;
    if single || checked.iter().all(Result::is_err) {
        if let Some(i) = checked.iter().position(Result::is_err) {
            return checked.swap_remove(i).map(|()| ExitCode::SUCCESS);
        }
    }
    let mut first_failure: Option<Error> = None;
    let mut estimator = None;
    for ((video, dir), check) in videos.iter().zip(output_dirs(run.out_dir, videos)).zip(checked) {
        if let Err(e) = check {
            eprintln!("liftform: error: {e}");
            first_failure.get_or_insert(e);
            continue;
        }
        let estimator = match &mut estimator {
            Some(e) => e,
            None => estimator.insert(PoseEstimator::new(&ModelChoice::parse(run.model), run.pose)?),
        };
        let created = !dir.exists();
        if let Err(e) = analyze_one(video, &dir, estimator, run) {
            if created {
                let _ = std::fs::remove_dir(&dir); // only if empty: never anything the user had
            }
            if e.is_interrupted() || single {
                return Err(e);
            }
            eprintln!("liftform: error: {e}");
            first_failure.get_or_insert(e);
        }
    }
    match first_failure {
        Some(e) => Ok(ExitCode::from(e.exit_code())),
        None => Ok(ExitCode::SUCCESS),
    }
}

fn analyze_one(video: &Path, dir: &Path, estimator: &mut PoseEstimator, run: &AnalyzeRun) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(|e| output(dir, format!("cannot create output folder: {e}")))?;
    refuse_input_inside(video, dir)?;
    let analysed = analyze_video(video, dir, estimator, &run.measure.pose_pass(), run.config, |_| {})?;
    let show = run.show;
    if !show.quiet && !show.json {
        print_pose_summary(&analysed.pose_pass);
    }
    show_report(&analysed.analysis.report, dir, show);
    // Rendering: a separate pass over the video, only when asked for.
    if run.render.any() {
        let rendered = liftform_render::render(video, &analysed.recording, &analysed.analysis, dir, run.render)?;
        if !show.quiet && !show.json {
            print_render_summary(&rendered);
        }
    }
    Ok(())
}

/// Each video's output folder, `<out>/<stem>`, by the rule batch uses
/// (`liftform::batch::outputs::folder_names`): when videos of one run share a stem, each keeps its
/// extension (`dup.mp4/`, `dup.mov/`), and a name still shared is numbered (`set1.mp4-2/`), so no
/// video's outputs overwrite another's.
fn output_dirs(out_dir: &Path, videos: &[PathBuf]) -> Vec<PathBuf> {
    let names: Vec<&std::ffi::OsStr> =
        videos.iter().map(|v| v.file_name().unwrap_or(std::ffi::OsStr::new("video"))).collect();
    folder_names(&names, &Default::default()).into_iter().map(|name| out_dir.join(name)).collect()
}

/// Every output goes inside the video's folder, so a video inside that folder (an earlier run's
/// annotated.mp4 given back as input) could be overwritten by its own outputs: refused.
fn refuse_input_inside(video: &Path, dir: &Path) -> Result<(), Error> {
    let (Ok(video_c), Ok(dir_c)) = (video.canonicalize(), dir.canonicalize()) else { return Ok(()) };
    if video_c.starts_with(&dir_c) {
        return Err(input(
            video,
            format!(
                "is inside its own output folder {}; its outputs could overwrite it: choose another -o",
                dir.display()
            ),
        ));
    }
    Ok(())
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
    write_atomically(&dir.join("report.json"), format!("{}\n", report.to_json()).as_bytes())?;
    show_report(&report, &dir, show);
    Ok(())
}

fn show_report(report: &Report, dir: &Path, show: Show) {
    if show.json {
        println!("{}", report.to_json());
    } else if !show.quiet {
        print!("{}", report.to_text());
        println!("  report: {}", dir.join("report.json").display());
    }
}

fn check_video_path(video: &Path) -> Result<(), Error> {
    let meta = std::fs::metadata(video).map_err(|e| input(video, format!("cannot open: {e}")))?;
    if meta.is_dir() {
        return Err(input(video, "is a directory, expected a video file"));
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

fn print_render_summary(r: &RenderSummary) {
    println!("  render: {} frames in {:.1} s ({:.1} frames/s)", r.frames, r.video_pass_s, r.frames_per_s());
    for path in r.annotated.iter().chain(r.html.iter()).chain(r.plots.iter()).chain(r.clips.iter()) {
        println!("  wrote: {}", path.display());
    }
    for w in &r.warnings {
        println!("  note: {w}");
    }
}
