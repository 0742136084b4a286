//! Writing H.264 MP4 files, under a temporary name renamed into place on success: a failed or
//! interrupted render leaves no partial video behind (the convention of
//! [`liftform_core::output::AtomicFile`]).
//!
//! Two encoders, both libx264:
//! - **ffmpeg** (used when an `ffmpeg` with libx264 is on `PATH`): raw BGR frames are piped to an
//!   `ffmpeg` process encoding with `-preset veryfast -crf 23` and `+faststart` (the index at the
//!   front, so a browser can start playing before it has the whole file). The encoder runs in its
//!   own process beside our decode and drawing threads.
//! - **OpenCV** (`VideoWriter`, fourcc `avc1`): needs nothing else, but OpenCV 4.6 opens x264 with
//!   its defaults (preset `medium`; it does not pass `OPENCV_FFMPEG_WRITER_OPTIONS` to the codec)
//!   which, measured on 2 cores at 1080p, encodes at about 13–18 frames/s against ~35 for
//!   `veryfast`, and it writes the index at the end.
//!
//! `LIFTFORM_VIDEO_ENCODER=opencv` or `=ffmpeg` forces one.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;

use opencv::core::{Mat, Size};
use opencv::prelude::*;
use opencv::videoio::{self, VideoWriter};

use crate::error::{output, Error, Result};

pub const ENCODER_VAR: &str = "LIFTFORM_VIDEO_ENCODER";

/// The codec and encoder actually used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// H.264 by an `ffmpeg` process (veryfast, CRF 23, faststart).
    H264Ffmpeg,
    /// H.264 by OpenCV's VideoWriter (x264 defaults).
    H264OpenCv,
    /// MPEG-4 Part 2: OpenCV's fallback when it has no H.264 encoder (browsers will not play it).
    Mpeg4,
}

impl Codec {
    pub fn is_h264(self) -> bool {
        matches!(self, Codec::H264Ffmpeg | Codec::H264OpenCv)
    }

    pub fn describe(self) -> &'static str {
        match self {
            Codec::H264Ffmpeg => "H.264 (ffmpeg, libx264 veryfast)",
            Codec::H264OpenCv => "H.264 (OpenCV, libx264)",
            Codec::Mpeg4 => "MPEG-4 Part 2 (OpenCV; browsers will not play it)",
        }
    }
}

enum Backend {
    OpenCv(VideoWriter),
    Ffmpeg { child: Child, stdin: Option<ChildStdin>, stderr: File },
}

/// An MP4 being written. Dropped without [`VideoFileWriter::commit`], the temporary file is removed.
pub struct VideoFileWriter {
    final_path: PathBuf,
    temp_path: PathBuf,
    backend: Option<Backend>,
    size: Size,
    frames: u64,
    codec: Codec,
}

/// Whether an `ffmpeg` with libx264 can be run (checked once per process).
fn ffmpeg_available() -> bool {
    static FOUND: OnceLock<bool> = OnceLock::new();
    *FOUND.get_or_init(|| {
        Command::new("ffmpeg")
            .args(["-hide_banner", "-loglevel", "error", "-h", "encoder=libx264"])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .map(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).contains("libx264"))
            .unwrap_or(false)
    })
}

impl VideoFileWriter {
    /// Opens `final_path` (an `.mp4`) for `width`×`height` BGR frames at `fps`.
    pub fn create(final_path: &Path, fps: f64, width: u32, height: u32) -> Result<VideoFileWriter> {
        if width == 0 || height == 0 {
            return Err(output(final_path, format!("cannot write a {width}x{height} video")));
        }
        let fps = if fps.is_finite() && fps > 0.0 { fps } else { 30.0 };
        let choice = std::env::var(ENCODER_VAR).unwrap_or_default().to_ascii_lowercase();
        let use_ffmpeg = match choice.as_str() {
            "opencv" => false,
            "ffmpeg" => {
                if !ffmpeg_available() {
                    return Err(Error::EncoderMissing(format!(
                        "{ENCODER_VAR}=ffmpeg but no ffmpeg with libx264 was found on PATH"
                    )));
                }
                true
            }
            _ => ffmpeg_available(),
        };
        if use_ffmpeg {
            Self::create_ffmpeg(final_path, fps, width, height)
        } else {
            Self::create_opencv(final_path, fps, width, height)
        }
    }

    fn temp_path(final_path: &Path) -> PathBuf {
        let name = final_path.file_stem().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "video".into());
        // The container is chosen from the extension, so the temporary name keeps `.mp4`.
        final_path.with_file_name(format!(".{name}.{}.tmp.mp4", std::process::id()))
    }

    fn create_ffmpeg(final_path: &Path, fps: f64, width: u32, height: u32) -> Result<VideoFileWriter> {
        let temp_path = Self::temp_path(final_path);
        let stderr = tempfile::tempfile().map_err(|e| output(final_path, format!("cannot write: {e}")))?;
        let mut cmd = Command::new("ffmpeg");
        cmd.args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24"])
            .args(["-s", &format!("{width}x{height}"), "-r", &fps_rational(fps), "-i", "-", "-an"]);
        if width % 2 == 1 || height % 2 == 1 {
            // 4:2:0 needs even sizes: one black column/row is added.
            cmd.args(["-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2"]);
        }
        cmd.args(["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p"])
            .args(["-movflags", "+faststart", "-f", "mp4"])
            .arg(&temp_path)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::from(stderr.try_clone().map_err(|e| output(final_path, format!("cannot write: {e}")))?))
            // Its own process group: Ctrl-C reaches us, and we stop the encoder ourselves.
            .process_group(0);
        let mut child = cmd.spawn().map_err(|e| Error::EncoderMissing(format!("cannot start ffmpeg: {e}")))?;
        let stdin = child.stdin.take();
        Ok(VideoFileWriter {
            final_path: final_path.to_path_buf(),
            temp_path,
            backend: Some(Backend::Ffmpeg { child, stdin, stderr }),
            size: Size::new(width as i32, height as i32),
            frames: 0,
            codec: Codec::H264Ffmpeg,
        })
    }

    fn create_opencv(final_path: &Path, fps: f64, width: u32, height: u32) -> Result<VideoFileWriter> {
        let temp_path = Self::temp_path(final_path);
        let size = Size::new(width as i32, height as i32);
        let mut last_error = String::new();
        for (codec, chars) in [(Codec::H264OpenCv, ['a', 'v', 'c', '1']), (Codec::Mpeg4, ['m', 'p', '4', 'v'])] {
            let fourcc = VideoWriter::fourcc(chars[0], chars[1], chars[2], chars[3])?;
            match VideoWriter::new_with_backend(&temp_path, videoio::CAP_FFMPEG, fourcc, fps, size, true) {
                Ok(w) if w.is_opened().unwrap_or(false) => {
                    return Ok(VideoFileWriter {
                        final_path: final_path.to_path_buf(),
                        temp_path,
                        backend: Some(Backend::OpenCv(w)),
                        size,
                        frames: 0,
                        codec,
                    });
                }
                Ok(_) => last_error = "OpenCV's FFmpeg backend could not open an MP4 writer".into(),
                Err(e) => last_error = e.to_string(),
            }
            let _ = std::fs::remove_file(&temp_path);
        }
        Err(output(final_path, format!("cannot write video: {last_error}")))
    }

    pub fn codec(&self) -> Codec {
        self.codec
    }

    pub fn frames(&self) -> u64 {
        self.frames
    }

    pub fn path(&self) -> &Path {
        &self.final_path
    }

    /// Appends one BGR frame of the size given at creation.
    pub fn write(&mut self, frame_bgr: &Mat) -> Result<()> {
        let size = frame_bgr.size()?;
        if size != self.size || frame_bgr.typ() != opencv::core::CV_8UC3 {
            return Err(Error::FrameMismatch {
                path: self.final_path.clone(),
                frame: self.frames,
                width: size.width,
                height: size.height,
                typ: frame_bgr.typ(),
                video_width: self.size.width,
                video_height: self.size.height,
            });
        }
        let final_path = self.final_path.clone();
        match self.backend.as_mut() {
            Some(Backend::OpenCv(w)) => {
                w.write(frame_bgr).map_err(|e| output(&final_path, format!("cannot write frame: {e}")))?;
            }
            Some(Backend::Ffmpeg { stdin: Some(stdin), .. }) => {
                let written = if frame_bgr.is_continuous() {
                    stdin.write_all(frame_bgr.data_bytes()?)
                } else {
                    let copy = frame_bgr.try_clone()?;
                    stdin.write_all(copy.data_bytes()?)
                };
                if let Err(e) = written {
                    let why = self.ffmpeg_error().unwrap_or_else(|| e.to_string());
                    return Err(output(&final_path, format!("the encoder (ffmpeg) stopped: {why}")));
                }
            }
            _ => return Err(Error::WriterClosed("writer already closed")),
        }
        self.frames += 1;
        Ok(())
    }

    /// ffmpeg's own message, once it has exited.
    fn ffmpeg_error(&mut self) -> Option<String> {
        let Some(Backend::Ffmpeg { child, stdin, stderr }) = self.backend.as_mut() else { return None };
        drop(stdin.take());
        let _ = child.wait();
        let mut text = String::new();
        stderr.seek(SeekFrom::Start(0)).ok()?;
        stderr.read_to_string(&mut text).ok()?;
        let line = text.lines().rev().find(|l| !l.trim().is_empty())?.trim().to_string();
        Some(line)
    }

    /// Finishes the file (the encoder flushes, the index is written) and moves it into place.
    pub fn commit(mut self) -> Result<PathBuf> {
        let fail = |path: &Path, msg: String| output(path, msg);
        match self.backend.take() {
            Some(Backend::OpenCv(mut w)) => {
                w.release().map_err(|e| fail(&self.final_path, format!("cannot finish video: {e}")))?;
            }
            Some(Backend::Ffmpeg { mut child, stdin, mut stderr }) => {
                drop(stdin);
                let status =
                    child.wait().map_err(|e| fail(&self.final_path, format!("the encoder (ffmpeg) failed: {e}")))?;
                if !status.success() {
                    let mut text = String::new();
                    let _ = stderr.seek(SeekFrom::Start(0));
                    let _ = stderr.read_to_string(&mut text);
                    let _ = std::fs::remove_file(&self.temp_path);
                    let why =
                        text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("no message").trim().to_string();
                    return Err(fail(&self.final_path, format!("the encoder (ffmpeg) failed ({status}): {why}")));
                }
            }
            None => return Err(Error::WriterClosed("commit is called once")),
        }
        let ok = std::fs::metadata(&self.temp_path).map(|m| m.len() > 0).unwrap_or(false);
        if !ok || self.frames == 0 {
            let _ = std::fs::remove_file(&self.temp_path);
            return Err(fail(&self.final_path, "the encoder wrote nothing".into()));
        }
        std::fs::rename(&self.temp_path, &self.final_path)
            .map_err(|e| fail(&self.final_path, format!("cannot write: {e}")))?;
        Ok(self.final_path.clone())
    }
}

/// The frame rate as ffmpeg reads it: `30`, `30000/1001`, else thousandths (`29940/1000`).
pub fn fps_rational(fps: f64) -> String {
    let whole = fps.round();
    if (fps - whole).abs() < 1e-3 {
        return format!("{}", whole as i64);
    }
    let ntsc = (fps * 1001.0 / 1000.0).round();
    if (fps - ntsc * 1000.0 / 1001.0).abs() < 1e-3 {
        return format!("{}/1001", (ntsc as i64) * 1000);
    }
    format!("{}/1000", (fps * 1000.0).round() as i64)
}

impl Drop for VideoFileWriter {
    fn drop(&mut self) {
        match self.backend.take() {
            Some(Backend::OpenCv(mut w)) => {
                let _ = w.release();
            }
            Some(Backend::Ffmpeg { mut child, stdin, .. }) => {
                drop(stdin);
                let _ = child.kill();
                let _ = child.wait();
            }
            None => return,
        }
        let _ = std::fs::remove_file(&self.temp_path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_rates_as_ffmpeg_reads_them() {
        assert_eq!(fps_rational(30.0), "30");
        assert_eq!(fps_rational(29.97002997), "30000/1001");
        assert_eq!(fps_rational(23.976), "24000/1001");
        assert_eq!(fps_rational(29.94), "29940/1000");
    }
}
