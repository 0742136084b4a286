//! Video decoding with OpenCV: frames stream one at a time (memory does not grow with length),
//! come out upright (rotation metadata applied by us, not by OpenCV 4.6, which turns ±90° the
//! wrong way: see [`upright_turn_cw`]) and carry a presentation timestamp that is always increasing.

use std::path::{Path, PathBuf};

use opencv::core::{self, Mat};
use opencv::prelude::*;
use opencv::videoio::{self, VideoCapture};

use crate::error::{input, Error, Result};

/// A decoded frame, upright, BGR 8-bit.
pub struct Frame {
    pub index: u64,
    pub t_s: f64,
    pub image_bgr: Mat,
}

/// What the container says about the video, with width/height already upright.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoInfo {
    pub path: PathBuf,
    /// Average frame rate reported by the container.
    pub fps: f64,
    /// Frame count claimed by the container (the decoded count can be lower).
    pub frames_claimed: u64,
    pub width: u32,
    pub height: u32,
    /// Clockwise rotation applied to the stored frames to make them upright.
    pub rotation_deg: i32,
}

/// A decoded-frame count below this share of the container's claim means the file is cut short.
/// Real files with edit lists decode ~86 % of the claim; a file cut in half decodes far less.
const MIN_DECODED_SHARE: f64 = 0.7;

pub struct VideoReader {
    info: VideoInfo,
    capture: VideoCapture,
    next_index: u64,
    last_t_s: Option<f64>,
    stored: Mat,
    finished: bool,
}

impl VideoReader {
    /// Opens a video file. Fails with a one-line error naming the file when it is missing, not a
    /// regular file, empty, or not a video OpenCV can decode.
    pub fn open(path: &Path) -> Result<VideoReader> {
        quiet_decoder_logs();
        let meta = std::fs::metadata(path).map_err(|e| input(path, format!("cannot open: {e}")))?;
        if meta.is_dir() {
            return Err(input(path, "is a directory, expected a video file"));
        }
        if meta.len() == 0 {
            return Err(input(path, "is empty (0 bytes), expected a video file"));
        }
        let not_video = || input(path, "not a readable video (OpenCV/FFmpeg could not open it)");
        let mut capture = VideoCapture::from_file(path.as_os_str(), videoio::CAP_FFMPEG).map_err(|_| not_video())?;
        if !capture.is_opened().unwrap_or(false) {
            return Err(not_video());
        }
        // We rotate ourselves: OpenCV 4.6's automatic rotation turns ±90° the wrong way.
        let _ = capture.set(videoio::CAP_PROP_ORIENTATION_AUTO, 0.0);
        let prop = |c: &VideoCapture, p: i32| c.get(p).unwrap_or(0.0);
        let opencv_version = (core::get_version_major(), core::get_version_minor());
        let rotation_deg = upright_turn_cw(prop(&capture, videoio::CAP_PROP_ORIENTATION_META), opencv_version);
        let stored_w = prop(&capture, videoio::CAP_PROP_FRAME_WIDTH).max(0.0) as u32;
        let stored_h = prop(&capture, videoio::CAP_PROP_FRAME_HEIGHT).max(0.0) as u32;
        if stored_w == 0 || stored_h == 0 {
            return Err(not_video());
        }
        let (width, height) = if rotation_deg % 180 == 0 { (stored_w, stored_h) } else { (stored_h, stored_w) };
        let fps = prop(&capture, videoio::CAP_PROP_FPS);
        let info = VideoInfo {
            path: path.to_path_buf(),
            fps: if fps.is_finite() && fps > 0.0 { fps } else { 30.0 },
            frames_claimed: prop(&capture, videoio::CAP_PROP_FRAME_COUNT).max(0.0) as u64,
            width,
            height,
            rotation_deg,
        };
        Ok(VideoReader { info, capture, next_index: 0, last_t_s: None, stored: Mat::default(), finished: false })
    }

    pub fn info(&self) -> &VideoInfo {
        &self.info
    }

    /// Decodes the next frame; `Ok(None)` at the end of the stream.
    pub fn next_frame(&mut self) -> Result<Option<Frame>> {
        if self.finished {
            return Ok(None);
        }
        let got = self.capture.read(&mut self.stored).unwrap_or(false);
        if !got || self.stored.empty() {
            self.finished = true;
            return Ok(None);
        }
        let reported_ms = self.capture.get(videoio::CAP_PROP_POS_MSEC).unwrap_or(f64::NAN);
        let t_s = next_timestamp_s(self.last_t_s, reported_ms / 1000.0, self.info.fps);
        self.last_t_s = Some(t_s);
        let image_bgr = rotate_upright(&self.stored, self.info.rotation_deg).map_err(|e| Error::Rotate {
            path: self.info.path.clone(),
            frame: self.next_index,
            source: e,
        })?;
        let frame = Frame { index: self.next_index, t_s, image_bgr };
        self.next_index += 1;
        Ok(Some(frame))
    }

    /// Frames decoded so far.
    pub fn decoded(&self) -> u64 {
        self.next_index
    }

    /// After the last frame: fails when the stream ended far short of what the container promised
    /// (a truncated or damaged file) or held no frame at all.
    pub fn check_complete(&self) -> Result<()> {
        let path = &self.info.path;
        if self.next_index == 0 {
            return Err(input(path, "no frame could be decoded (empty, damaged or not a video)"));
        }
        let claimed = self.info.frames_claimed;
        if claimed > 0 && (self.next_index as f64) < MIN_DECODED_SHARE * claimed as f64 {
            return Err(input(
                path,
                format!(
                    "truncated or damaged: decoded {} of the {} frames the file declares",
                    self.next_index, claimed
                ),
            ));
        }
        Ok(())
    }
}

impl Iterator for VideoReader {
    type Item = Result<Frame>;
    fn next(&mut self) -> Option<Result<Frame>> {
        self.next_frame().transpose()
    }
}

/// Decodes `reader` on a thread of its own, up to `ahead` frames in advance (memory stays flat),
/// and hands each frame to `consume` on the calling thread, in order. Stops at the end of the
/// video, at the first error (decoding or `consume`'s), or when Ctrl-C was pressed
/// ([`liftform_core::Error::Interrupted`]). Returns the reader, for [`VideoReader::check_complete`].
/// `consume` may fail with its caller's own error type, which holds ours.
pub fn for_each_frame<E: From<Error>>(
    reader: VideoReader,
    ahead: usize,
    mut consume: impl FnMut(Frame) -> Result<(), E>,
) -> Result<VideoReader, E> {
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Result<Frame>>(ahead);
    std::thread::scope(|scope| {
        let decoder = scope.spawn(move || {
            let mut reader = reader;
            loop {
                let next = reader.next_frame().transpose();
                let last = !matches!(next, Some(Ok(_)));
                if let Some(item) = next {
                    if sender.send(item).is_err() {
                        break;
                    }
                }
                if last {
                    break;
                }
            }
            reader
        });
        let mut outcome = Ok(());
        for frame in receiver.iter() {
            if liftform_core::cancel::requested() {
                outcome = Err(Error::from(liftform_core::Error::Interrupted).into());
                break;
            }
            if let Err(e) = frame.map_err(E::from).and_then(&mut consume) {
                outcome = Err(e);
                break;
            }
        }
        // Dropping the receiver stops the decoder at its next frame.
        drop(receiver);
        let reader = decoder.join().map_err(|_| Error::Thread("the decoder thread panicked"))?;
        outcome.map(|_| reader)
    })
}

/// FFmpeg prints its own complaints ("moov atom not found") straight to stderr; we report every
/// problem once, in our own words, so its log is silenced unless the user asked for it.
fn quiet_decoder_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("OPENCV_FFMPEG_LOGLEVEL").is_none() {
            // AV_LOG_QUIET; read by OpenCV when its FFmpeg backend starts
            std::env::set_var("OPENCV_FFMPEG_LOGLEVEL", "-8");
        }
        if std::env::var_os("OPENCV_LOG_LEVEL").is_none() {
            std::env::set_var("OPENCV_LOG_LEVEL", "ERROR");
        }
    });
}

/// The clockwise turn (0/90/180/270) that makes the stored frames upright, from OpenCV's
/// `CAP_PROP_ORIENTATION_META` reading `meta_deg` in OpenCV `major.minor`.
///
/// The container's display matrix holds the turn a player applies; FFmpeg's
/// `av_display_rotation_get` reads it counter-clockwise. OpenCV 4.6 reports that angle as it is
/// (a phone's usual portrait clip, which a player turns 90° clockwise, reads 270), while its own
/// auto-rotation, OpenCV 4.5 and the releases after 4.6 treat the property as clockwise (OpenCV
/// issue 22088, fixed upstream by negating the angle). Taking 4.6's reading as clockwise turned
/// every ±90° clip upside down. Checked for 90, 180 and 270 against `ffmpeg -i clip.mp4 frame.png`
/// (FFmpeg autorotates as a phone shows the clip) with FFmpeg 5.1 and OpenCV 4.6, in
/// `tests/pipeline/video_input.rs`.
pub fn upright_turn_cw(meta_deg: f64, opencv_version: (i32, i32)) -> i32 {
    let turn = normalise_rotation(meta_deg);
    if opencv_version == (4, 6) {
        (360 - turn) % 360
    } else {
        turn
    }
}

/// Maps an orientation reading in degrees to one of 0/90/180/270, the same way round.
pub fn normalise_rotation(meta_deg: f64) -> i32 {
    if !meta_deg.is_finite() {
        return 0;
    }
    let quarter_turns = (meta_deg / 90.0).round() as i64;
    (quarter_turns.rem_euclid(4) * 90) as i32
}

/// The timestamp of the next frame. Uses the container's presentation time when it moves forward
/// (variable frame rate stays right); otherwise (B-frame files report 0 for their last frames,
/// some report nothing) steps one average frame interval from the previous frame.
pub fn next_timestamp_s(previous_t_s: Option<f64>, reported_t_s: f64, fps: f64) -> f64 {
    let step_s = 1.0 / fps;
    match previous_t_s {
        None => {
            if reported_t_s.is_finite() && reported_t_s >= 0.0 {
                reported_t_s
            } else {
                0.0
            }
        }
        Some(prev) if reported_t_s.is_finite() && reported_t_s > prev + 0.1 * step_s => reported_t_s,
        Some(prev) => prev + step_s,
    }
}

/// Rotates a stored frame clockwise by `rotation_deg` (0/90/180/270).
pub fn rotate_upright(stored: &Mat, rotation_deg: i32) -> opencv::Result<Mat> {
    let code = match rotation_deg {
        90 => core::ROTATE_90_CLOCKWISE,
        180 => core::ROTATE_180,
        270 => core::ROTATE_90_COUNTERCLOCKWISE,
        _ => return stored.try_clone(),
    };
    let mut upright = Mat::default();
    core::rotate(stored, &mut upright, code)?;
    Ok(upright)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_is_normalised_to_quarter_turns() {
        assert_eq!(normalise_rotation(0.0), 0);
        assert_eq!(normalise_rotation(90.0), 90);
        assert_eq!(normalise_rotation(-90.0), 270);
        assert_eq!(normalise_rotation(270.0), 270);
        assert_eq!(normalise_rotation(450.0), 90);
        assert_eq!(normalise_rotation(f64::NAN), 0);
    }

    #[test]
    fn opencv_4_6_reports_the_turn_counter_clockwise() {
        // OpenCV 4.6: the display matrix's counter-clockwise angle; we turn the other way.
        assert_eq!(upright_turn_cw(90.0, (4, 6)), 270);
        assert_eq!(upright_turn_cw(270.0, (4, 6)), 90);
        assert_eq!(upright_turn_cw(-90.0, (4, 6)), 90);
        assert_eq!(upright_turn_cw(180.0, (4, 6)), 180);
        assert_eq!(upright_turn_cw(0.0, (4, 6)), 0);
        // other versions report the clockwise turn itself
        assert_eq!(upright_turn_cw(90.0, (4, 7)), 90);
        assert_eq!(upright_turn_cw(270.0, (4, 10)), 270);
        assert_eq!(upright_turn_cw(90.0, (4, 5)), 90);
    }

    #[test]
    fn timestamps_follow_the_container_and_never_go_back() {
        assert_eq!(next_timestamp_s(None, 0.0, 30.0), 0.0);
        // variable frame rate: a longer gap is kept
        assert!((next_timestamp_s(Some(1.0), 1.1, 30.0) - 1.1).abs() < 1e-12);
        // B-frame tail reports 0: extrapolate one frame
        assert!((next_timestamp_s(Some(2.0), 0.0, 25.0) - 2.04).abs() < 1e-12);
        // NaN: extrapolate
        assert!((next_timestamp_s(Some(2.0), f64::NAN, 25.0) - 2.04).abs() < 1e-12);
    }
}
