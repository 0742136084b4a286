//! Rendering: the annotated clip, per-finding clips, plots and the HTML page of one analysis.
//!
//! A separate pass after the analysis: it reads the video again and takes the recording and the
//! [`Analysis`] made of it (report, track, signals), so no model runs twice, nothing is
//! recomputed, and `analyze`
//! without `--annotate`/`--html`/`--clips` never pays for it. Frames stream through one at a time
//! (decoded on their own thread a few frames ahead, drawn, encoded, dropped): memory stays flat
//! whatever the video's length. Every file is written under a temporary name and renamed at the
//! end, so a failure or Ctrl-C leaves nothing half-written.
//!
//! Outputs in the video's folder:
//! - `annotated.mp4` (`--annotate`, and `--html`, whose page plays it): H.264, the input's frame
//!   count, rate, size and (upright) orientation, with the overlay of [`overlay::draw`];
//! - `clips/NN_CODE_repR.mp4` (`--clips`): a few seconds around each finding, annotated;
//! - `plot_bar_path.png`, `plot_angles.png`, `plot_velocity.png`, `plot_rep_speeds.png` (any of the flags);
//! - `report.html` (`--html`): one page, images inline, the video referenced as `annotated.mp4`.

pub mod error;
pub mod html;
pub mod overlay;
pub mod plots;
pub mod scene;
pub mod writer;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use opencv::core::{Mat, Vector};
use opencv::imgcodecs;
use opencv::prelude::*;

use crate::error::{input, output, Error, Result};
use liftform_core::analysis::Analysis;
use liftform_core::output::write_atomically;
use liftform_core::recording::Recording;
use liftform_vision::video::{for_each_frame, VideoReader};

pub use scene::{banner_frames, Scene};
pub use writer::{Codec, VideoFileWriter, ENCODER_VAR};

/// Frames decoded ahead of the drawing.
const DECODE_AHEAD_FRAMES: usize = 4;
/// A finding's clip starts this long before it and ends this long after it.
pub const CLIP_MARGIN_S: f64 = 1.5;
/// A finding longer than this is clipped to its first part.
pub const CLIP_MAX_FINDING_S: f64 = 5.0;
/// Keyframe thumbnails (longer side, px).
const THUMB_MAX_SIDE: i32 = 640;

pub const ANNOTATED_FILE: &str = "annotated.mp4";
pub const HTML_FILE: &str = "report.html";
pub const CLIPS_DIR: &str = "clips";

/// Which outputs to render.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// `annotated.mp4`.
    pub annotate: bool,
    /// `report.html` (implies the annotated clip, which the page plays).
    pub html: bool,
    /// A short annotated clip per finding under `clips/`.
    pub clips: bool,
}

impl RenderOptions {
    pub fn any(&self) -> bool {
        self.annotate || self.html || self.clips
    }
}

/// What a render pass wrote.
#[derive(Debug, Clone, Default)]
pub struct RenderSummary {
    pub annotated: Option<PathBuf>,
    pub html: Option<PathBuf>,
    pub plots: Vec<PathBuf>,
    pub clips: Vec<PathBuf>,
    /// Frames read and drawn.
    pub frames: u64,
    /// Seconds spent in the video pass (decode + draw + encode).
    pub video_pass_s: f64,
    /// Seconds for everything.
    pub elapsed_s: f64,
    /// The codec of the written videos (None when none was written).
    pub codec: Option<Codec>,
    pub warnings: Vec<String>,
}

impl RenderSummary {
    /// Frames per second of the video pass.
    pub fn frames_per_s(&self) -> f64 {
        if self.video_pass_s > 0.0 {
            self.frames as f64 / self.video_pass_s
        } else {
            0.0
        }
    }
}

/// A rendered keyframe of a finding: JPEG bytes of the annotated frame.
#[derive(Debug, Clone)]
pub struct Keyframe {
    pub frame: u64,
    pub jpeg: Vec<u8>,
}

/// Renders the outputs `options` asks for into `dir` (which must exist), from the recording and
/// the analysis made of it (the angles and bar drawn are the analysis's own).
pub fn render(
    video: &Path,
    recording: &Recording,
    analysis: &Analysis,
    dir: &Path,
    options: &RenderOptions,
) -> Result<RenderSummary> {
    let report = &analysis.report;
    let start = Instant::now();
    let mut summary = RenderSummary::default();
    if !options.any() {
        return Ok(summary);
    }
    let scene = Scene::new(recording, analysis);
    let pass = video_pass(video, &scene, dir, options, &mut summary)?;
    summary.video_pass_s = start.elapsed().as_secs_f64();

    let plots = plots::render_all(&scene, pass.lift_frame.as_ref());
    let mut plot_images = Vec::new();
    for plot in plots {
        match plot.png {
            Ok(png) => {
                let path = dir.join(plot.file);
                write_atomically(&path, &png)?;
                summary.plots.push(path);
                plot_images.push((plot.title, png));
            }
            Err(why) => summary.warnings.push(format!("{}: not drawn: {why}", plot.file)),
        }
    }
    if options.html {
        let page = html::page(&html::PageInput {
            report,
            scene: &scene,
            video_file: summary.annotated.as_ref().map(|_| ANNOTATED_FILE),
            keyframes: &pass.keyframes,
            plots: &plot_images,
        });
        let path = dir.join(HTML_FILE);
        write_atomically(&path, page.as_bytes())?;
        summary.html = Some(path);
    }
    summary.elapsed_s = start.elapsed().as_secs_f64();
    Ok(summary)
}

struct PassOutput {
    /// Finding index → its keyframe.
    keyframes: BTreeMap<usize, Keyframe>,
    /// The raw frame where the first rep starts (background of the bar-path plot).
    lift_frame: Option<Mat>,
}

struct ClipJob {
    path: PathBuf,
    first: u64,
    last: u64,
    writer: Option<VideoFileWriter>,
}

fn video_pass(
    video: &Path,
    scene: &Scene,
    dir: &Path,
    options: &RenderOptions,
    summary: &mut RenderSummary,
) -> Result<PassOutput> {
    let reader = VideoReader::open(video)?;
    let info = reader.info().clone();
    if (info.width, info.height) != (scene.width, scene.height) {
        return Err(input(
            video,
            format!(
                "is {}x{} but the recording was made from a {}x{} video; render the video the recording came from",
                info.width, info.height, scene.width, scene.height
            ),
        ));
    }
    let mut annotated = if options.annotate || options.html {
        Some(VideoFileWriter::create(&dir.join(ANNOTATED_FILE), info.fps, info.width, info.height)?)
    } else {
        None
    };
    summary.codec = annotated.as_ref().map(|w| w.codec());

    // Keyframe of each finding: the middle of its span.
    let mut wanted: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    if options.html {
        for (n, f) in scene.report.findings.iter().enumerate() {
            let (a, b) = (f.frame_start.min(f.frame_end), f.frame_end.max(f.frame_start));
            wanted.entry(a + (b - a) / 2).or_default().push(n);
        }
    }
    let lift_index = scene.report.reps.first().map(|r| scene.frame_at_time(r.start_s)).unwrap_or(0);
    let mut clips: Vec<ClipJob> = if options.clips { clip_jobs(scene, dir, info.fps) } else { Vec::new() };
    if !clips.is_empty() {
        let clip_dir = dir.join(CLIPS_DIR);
        std::fs::create_dir_all(&clip_dir).map_err(|e| output(&clip_dir, format!("cannot create folder: {e}")))?;
    }

    let mut out = PassOutput { keyframes: BTreeMap::new(), lift_frame: None };
    let mut frames = 0u64;
    let reader = for_each_frame(reader, DECODE_AHEAD_FRAMES, |frame| -> Result<()> {
        let i = frame.index;
        let mut image = frame.image_bgr;
        if i == lift_index || (out.lift_frame.is_none() && i > lift_index) {
            out.lift_frame = Some(image.try_clone()?);
        }
        overlay::draw(&mut image, scene, i).map_err(|source| Error::Draw {
            video: video.to_path_buf(),
            frame: i,
            source,
        })?;
        if let Some(w) = annotated.as_mut() {
            w.write(&image)?;
        }
        if let Some(findings) = wanted.get(&i) {
            let jpeg = encode_jpeg(&overlay::thumbnail(&image, THUMB_MAX_SIDE)?)?;
            for n in findings {
                out.keyframes.insert(*n, Keyframe { frame: i, jpeg: jpeg.clone() });
            }
        }
        for job in clips.iter_mut() {
            if i >= job.first && i <= job.last {
                if job.writer.is_none() {
                    job.writer = Some(VideoFileWriter::create(&job.path, info.fps, info.width, info.height)?);
                }
                if let Some(w) = job.writer.as_mut() {
                    w.write(&image)?;
                }
                if i == job.last {
                    if let Some(w) = job.writer.take() {
                        summary.clips.push(w.commit()?);
                    }
                }
            }
        }
        frames += 1;
        Ok(())
    })?;
    reader.check_complete()?;
    // Clips cut short by the end of the video.
    for job in clips.iter_mut() {
        if let Some(w) = job.writer.take() {
            summary.clips.push(w.commit()?);
        }
    }
    if let Some(w) = annotated.take() {
        if !w.codec().is_h264() {
            summary.warnings.push("no H.264 encoder (no ffmpeg with libx264, and OpenCV has none): the clip is MPEG-4 and will not play in browsers".into());
        }
        summary.annotated = Some(w.commit()?);
    }
    summary.frames = frames;
    Ok(out)
}

fn clip_jobs(scene: &Scene, dir: &Path, fps: f64) -> Vec<ClipJob> {
    let fps = if fps.is_finite() && fps > 0.0 { fps } else { 30.0 };
    let margin = (CLIP_MARGIN_S * fps).round() as u64;
    let max_len = (CLIP_MAX_FINDING_S * fps).round() as u64;
    scene
        .report
        .findings
        .iter()
        .enumerate()
        .map(|(n, f)| {
            let (a, b) = banner_frames(f, fps);
            let b = b.min(a + max_len);
            ClipJob {
                path: dir.join(CLIPS_DIR).join(clip_file_name(n, f)),
                first: a.saturating_sub(margin),
                last: b + margin,
                writer: None,
            }
        })
        .collect()
}

/// `clips/` file name of finding `n` (0-based): `01_DL003_rep1.mp4`.
pub fn clip_file_name(n: usize, f: &liftform_core::report::Finding) -> String {
    format!("{:02}_{}_rep{}.mp4", n + 1, f.code, f.rep)
}

fn encode_jpeg(img: &Mat) -> Result<Vec<u8>> {
    let mut buf = Vector::<u8>::new();
    let params = Vector::<i32>::from_slice(&[imgcodecs::IMWRITE_JPEG_QUALITY, 82]);
    imgcodecs::imencode(".jpg", img, &mut buf, &params)?;
    Ok(buf.to_vec())
}

/// PNG bytes of a BGR image.
pub fn encode_png(img: &Mat) -> Result<Vec<u8>> {
    let mut buf = Vector::<u8>::new();
    imgcodecs::imencode(".png", img, &mut buf, &Vector::new())?;
    Ok(buf.to_vec())
}
