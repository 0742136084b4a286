//! A coach's folder: every video in it analysed in parallel (one pose model per worker, the CPU
//! threads split between workers), each written as `analyze` writes it (sub-folders mirrored),
//! then one summary. A failing file is listed with its reason and the rest go on.

pub mod discover;
pub mod outputs;
pub mod summary;
pub mod trends;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::error::{output, Error, Result};
use crate::pipeline::{analyze_video, AnalysedVideo};
use liftform_core::analysis::AnalysisConfig;
use liftform_render::{render, RenderOptions};
use liftform_vision::pose::model::ModelChoice;
use liftform_vision::pose::{PoseEstimator, PoseOptions};
use liftform_vision::pose_pass::PosePassOptions;
use summary::{RowStatus, SummaryRow};

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Bars on a terminal: files done with ETA, and one bar per file being worked on.
    Bars,
    /// One line per finished file (when output is not a terminal).
    Lines,
    Quiet,
}

#[derive(Debug, Clone)]
pub struct BatchOptions {
    pub out_dir: PathBuf,
    /// Videos analysed at the same time.
    pub jobs: usize,
    pub recursive: bool,
    /// Keep videos that already have a complete report from an earlier run.
    pub skip_existing: bool,
    pub model: ModelChoice,
    pub config: AnalysisConfig,
    pub progress: Progress,
    /// What the pose pass does besides the pose (bar tracking, plate size).
    pub pose_pass: PosePassOptions,
    /// Annotated clip / HTML page / finding clips per video (a second pass over each video).
    pub render: RenderOptions,
}

pub struct BatchOutcome {
    pub rows: Vec<SummaryRow>,
    pub ignored: Vec<(PathBuf, String)>,
    pub jobs: usize,
    pub threads_per_job: usize,
}

impl BatchOutcome {
    /// The videos with a finished report: analysed in this run or kept from an earlier one.
    pub fn finished(&self) -> usize {
        self.rows.iter().filter(|r| matches!(r.status, RowStatus::Analysed | RowStatus::Existing)).count()
    }

    /// The videos that failed, each with its reason.
    pub fn failed(&self) -> Vec<&SummaryRow> {
        self.rows.iter().filter(|r| r.status == RowStatus::Failed).collect()
    }

    /// The videos an interrupt stopped or kept from starting; a resumed batch
    /// (`--skip-existing`) does them.
    pub fn unfinished(&self) -> Vec<&SummaryRow> {
        self.rows.iter().filter(|r| r.status == RowStatus::Interrupted).collect()
    }

    pub fn interrupted(&self) -> bool {
        self.rows.iter().any(|r| r.status == RowStatus::Interrupted)
    }
}

/// Splits the machine's cores between `jobs` workers: each worker's model runs get the share, at
/// least one thread, so N jobs never ask for more threads than there are cores (plus one decoder
/// thread each, which mostly waits).
pub fn threads_per_job(jobs: usize, cores: usize) -> usize {
    (cores / jobs.max(1)).max(1)
}

fn relative(path: &Path, base: &Path) -> PathBuf {
    path.strip_prefix(base).map(Path::to_path_buf).unwrap_or_else(|_| path.to_path_buf())
}

pub fn run_batch(dir: &Path, options: &BatchOptions) -> Result<BatchOutcome> {
    let found = discover::discover(dir, options.recursive, Some(&options.out_dir))?;
    let video_dirs = outputs::output_dirs(&options.out_dir, &found.videos);
    std::fs::create_dir_all(&options.out_dir)
        .map_err(|e| output(&options.out_dir, format!("cannot create output folder: {e}")))?;
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let jobs = options.jobs.max(1).min(found.videos.len().max(1));
    let threads = threads_per_job(jobs, cores);
    let pose_options = PoseOptions { intra_threads: threads, ..PoseOptions::default() };
    // One model per worker, made on demand; the first is made now so a setup problem (missing
    // model, no runtime) stops the batch before anything starts.
    let estimators = Mutex::new(vec![PoseEstimator::new(&options.model, pose_options)?]);
    let codes: Vec<&str> = liftform_core::rules::all_rules().iter().map(|r| r.code).collect();
    let ui = ProgressUi::new(options.progress, found.videos.len());

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| Error::Workers(format!("cannot start workers: {e}")))?;
    let rows: Vec<SummaryRow> = pool.install(|| {
        found
            .videos
            .par_iter()
            .zip(&video_dirs)
            .map(|(video, out)| {
                let name = video.relative.display().to_string();
                // the page when there is one (it links the rest), else the JSON
                let page = if options.render.html || out.join("report.html").is_file() {
                    "report.html"
                } else {
                    "report.json"
                };
                let link = relative(&out.join(page), &options.out_dir).display().to_string();
                let out = out.as_path();
                let row = if liftform_core::cancel::requested() {
                    SummaryRow::failed(
                        name.clone(),
                        RowStatus::Interrupted,
                        "interrupted before it started".into(),
                        &codes,
                    )
                } else if let Some(existing) =
                    options.skip_existing.then(|| finished_report(out, &video.relative, &options.render)).flatten()
                {
                    SummaryRow::from_report(name.clone(), RowStatus::Existing, &existing, link, &codes)
                } else {
                    let bar = ui.start(&name);
                    let result = outputs::check_output_dir(out, &found.root, &options.out_dir)
                        .and_then(|()| outputs::forget_finished(out))
                        .and_then(|()| analyse_one(&video.path, out, &estimators, options, pose_options, &bar))
                        .and_then(|report| render_one(&video.path, out, report, &options.render))
                        .and_then(|(report, files)| {
                            outputs::mark_finished(out, &video.relative, &options.render, &files).map(|()| report)
                        });
                    bar.finish_and_clear();
                    match result {
                        Ok(report) => SummaryRow::from_report(name.clone(), RowStatus::Analysed, &report, link, &codes),
                        Err(e) if e.is_interrupted() => SummaryRow::failed(
                            name.clone(),
                            RowStatus::Interrupted,
                            "interrupted before it finished".into(),
                            &codes,
                        ),
                        Err(e) => SummaryRow::failed(name.clone(), RowStatus::Failed, e.to_string(), &codes),
                    }
                };
                ui.finished(&row);
                row
            })
            .collect()
    });
    ui.done();
    let title = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| dir.display().to_string());
    summary::write_summary(&options.out_dir, &rows, &codes, &title)?;
    trends::write_trends(&options.out_dir, &rows, &found.root, &codes, &title)?;
    Ok(BatchOutcome { rows, ignored: found.ignored, jobs, threads_per_job: threads })
}

/// The report of a video finished by an earlier run with every output `render` asks for now.
fn finished_report(video_out: &Path, video: &Path, render: &RenderOptions) -> Option<serde_json::Value> {
    if !outputs::is_finished(video_out, video, render) {
        return None;
    }
    let text = std::fs::read_to_string(video_out.join("report.json")).ok()?;
    serde_json::from_str(&text).ok()
}

fn analyse_one(
    video: &Path,
    out: &Path,
    estimators: &Mutex<Vec<PoseEstimator>>,
    options: &BatchOptions,
    pose_options: PoseOptions,
    bar: &ProgressBar,
) -> Result<(serde_json::Value, AnalysedVideo)> {
    let taken = estimators.lock().map_err(|_| Error::Workers("a worker panicked".into()))?.pop();
    let mut estimator = match taken {
        Some(e) => e,
        None => PoseEstimator::new(&options.model, pose_options)?,
    };
    let created_dir = !out.exists();
    std::fs::create_dir_all(out).map_err(|e| output(out, format!("cannot create output folder: {e}")))?;
    let result =
        analyze_video(video, out, &mut estimator, &options.pose_pass, &options.config, |n| bar.set_position(n));
    if let Ok(mut pool) = estimators.lock() {
        pool.push(estimator);
    }
    match result {
        Ok(analysed) => {
            let value =
                serde_json::to_value(&analysed.analysis.report).map_err(|e| Error::Workers(format!("report: {e}")))?;
            Ok((value, analysed))
        }
        Err(e) => {
            if created_dir {
                let _ = std::fs::remove_dir(out); // only if empty: nothing the user had is touched
            }
            Err(e)
        }
    }
}

/// The render pass of one analysed video, when asked for (reads the video again). Returns the
/// report and every file written for the video.
fn render_one(
    video: &Path,
    out: &Path,
    (report, analysed): (serde_json::Value, AnalysedVideo),
    options: &RenderOptions,
) -> Result<(serde_json::Value, Vec<PathBuf>)> {
    let mut files = vec![analysed.pose_pass.recording_path.clone(), out.join("report.json")];
    if options.any() {
        let made = render(video, &analysed.recording, &analysed.analysis, out, options)?;
        files.extend(made.annotated.into_iter().chain(made.html).chain(made.plots).chain(made.clips));
    }
    Ok((report, files))
}

/// Progress display shared by the workers.
struct ProgressUi {
    mode: Progress,
    multi: MultiProgress,
    overall: ProgressBar,
    total: usize,
    done: Mutex<usize>,
}

impl ProgressUi {
    fn new(mode: Progress, total: usize) -> ProgressUi {
        let multi = MultiProgress::with_draw_target(if mode == Progress::Bars {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        });
        let overall = multi.add(ProgressBar::new(total as u64));
        overall.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} videos, {elapsed} elapsed, ETA {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        overall.enable_steady_tick(Duration::from_millis(500));
        ProgressUi { mode, multi, overall, total, done: Mutex::new(0) }
    }

    fn start(&self, name: &str) -> ProgressBar {
        let bar = self.multi.insert_before(&self.overall, ProgressBar::new_spinner());
        bar.set_style(
            ProgressStyle::with_template("  {spinner} {msg}: {pos} frames")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(name.to_string());
        bar
    }

    fn finished(&self, row: &SummaryRow) {
        self.overall.inc(1);
        let n = {
            let mut done = self.done.lock().unwrap_or_else(|e| e.into_inner());
            *done += 1;
            *done
        };
        let line = match row.status {
            RowStatus::Failed | RowStatus::Interrupted => {
                format!("[{n}/{}] {} {}: {}", self.total, row.status.as_str(), row.video, row.reason)
            }
            _ => format!(
                "[{n}/{}] {} {} ({} reps, {})",
                self.total,
                row.status.as_str(),
                row.video,
                row.reps.unwrap_or(0),
                row.worst_severity
            ),
        };
        match self.mode {
            Progress::Bars => self.multi.suspend(|| println!("{line}")),
            Progress::Lines => println!("{line}"),
            Progress::Quiet => {}
        }
    }

    fn done(&self) {
        self.overall.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_finished_videos_count_as_done() {
        let codes = ["DL001"];
        let report = serde_json::json!({"reps": [], "findings": []});
        let row = |status| match status {
            RowStatus::Analysed | RowStatus::Existing => {
                SummaryRow::from_report("v.mp4".into(), status, &report, "v/report.json".into(), &codes)
            }
            _ => SummaryRow::failed("v.mp4".into(), status, "why".into(), &codes),
        };
        let statuses = [
            RowStatus::Analysed,
            RowStatus::Existing,
            RowStatus::Failed,
            RowStatus::Interrupted,
            RowStatus::Interrupted,
        ];
        let outcome =
            BatchOutcome { rows: statuses.map(row).to_vec(), ignored: Vec::new(), jobs: 1, threads_per_job: 1 };
        assert_eq!(outcome.finished(), 2);
        assert_eq!(outcome.failed().len(), 1);
        assert_eq!(outcome.unfinished().len(), 2);
        assert_eq!(outcome.rows.len() - outcome.failed().len() - outcome.unfinished().len(), outcome.finished());
        assert!(outcome.interrupted());
    }

    #[test]
    fn threads_are_split_between_jobs_without_oversubscribing() {
        assert_eq!(threads_per_job(1, 2), 2);
        assert_eq!(threads_per_job(2, 2), 1);
        assert_eq!(threads_per_job(4, 2), 1);
        assert_eq!(threads_per_job(2, 16), 8);
        assert_eq!(threads_per_job(0, 4), 4);
    }
}
