//! Video decoding with OpenCV: frames stream one at a time (memory does not grow with length),
//! come out upright (rotation metadata applied by us, not by OpenCV 4.6, which turns ±90° the
//! wrong way: see [`upright_turn_cw`]) and carry a presentation timestamp that is always increasing.

use std::io::{Read, Seek, SeekFrom};
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

/// The largest picture we decode: 8K (8192 × 4320) and its portrait form fit. A header that
/// declares more is damaged or hostile, and one such frame would hold hundreds of MB.
pub const MAX_SIDE_PX: u32 = 8192;
pub const MAX_PIXELS: u64 = 40_000_000;

pub struct VideoReader {
    info: VideoInfo,
    capture: VideoCapture,
    next_index: u64,
    last_t_s: Option<f64>,
    stored: Mat,
    finished: bool,
    /// The image format the file's first bytes announce (FFmpeg opens a still image as a
    /// one-frame video; [`VideoReader::check_complete`] refuses it).
    image_kind: Option<&'static str>,
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
        let image_kind = check_declared(path)?;
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
        check_picture_size(path, stored_w, stored_h)?;
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
        Ok(VideoReader {
            info,
            capture,
            next_index: 0,
            last_t_s: None,
            stored: Mat::default(),
            finished: false,
            image_kind,
        })
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
        if let Some(kind) = self.image_kind.filter(|_| self.next_index <= 1) {
            return Err(input(path, format!("is a still image ({kind}), expected a video file")));
        }
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

/// What a file says about itself before the decoder sees it: the image format its first bytes
/// announce, if any (see [`still_image_kind`]), and, for an MP4/MOV, what its header declares. An
/// MP4/MOV that declares no video track, or a picture larger than [`MAX_SIDE_PX`] /
/// [`MAX_PIXELS`], is refused here, since FFmpeg trusts the header's size. Anything else (other
/// containers, an MP4 cut before its `moov` box) is left to the decoder.
pub fn check_declared(path: &Path) -> Result<Option<&'static str>> {
    let unreadable = |e: std::io::Error| input(path, format!("cannot read: {e}"));
    let mut file = std::fs::File::open(path).map_err(|e| input(path, format!("cannot open: {e}")))?;
    let len = file.metadata().map_err(unreadable)?.len();
    let mut head = Vec::with_capacity(32);
    file.by_ref().take(32).read_to_end(&mut head).map_err(unreadable)?;
    let image_kind = still_image_kind(&head);
    let tracks = match iso_tracks(&mut file, len) {
        IsoHeader::Tracks(tracks) => tracks,
        IsoHeader::Missing if image_kind.is_none() => {
            return Err(input(path, "cut short or damaged: its MP4/MOV header (moov box) is missing"))
        }
        IsoHeader::Missing | IsoHeader::Unknown => return Ok(image_kind),
    };
    let videos: Vec<&IsoTrack> = tracks.iter().filter(|t| &t.handler == b"vide").collect();
    if videos.is_empty() {
        let what = if tracks.iter().any(|t| &t.handler == b"soun") { " (audio only)" } else { "" };
        return Err(input(path, format!("has no video track{what}, expected a video file")));
    }
    for t in videos {
        for (w, h) in [t.track_size, t.entry_size].into_iter().flatten() {
            check_picture_size(path, w, h)?;
        }
    }
    Ok(image_kind)
}

fn check_picture_size(path: &Path, width: u32, height: u32) -> Result<()> {
    if width > MAX_SIDE_PX || height > MAX_SIDE_PX || width as u64 * height as u64 > MAX_PIXELS {
        return Err(input(
            path,
            format!(
                "declares a {width}x{height} picture, larger than liftform reads ({MAX_SIDE_PX} px a side, {} MP)",
                MAX_PIXELS / 1_000_000
            ),
        ));
    }
    Ok(())
}

/// The still-image format a file's first bytes announce, if any: PNG, JPEG, GIF, BMP, TIFF,
/// WebP, HEIF/AVIF. (An animated GIF or a raw Motion-JPEG stream decodes to many frames and is
/// read as a video.)
pub fn still_image_kind(head: &[u8]) -> Option<&'static str> {
    let is = |offset: usize, magic: &[u8]| head.get(offset..offset + magic.len()) == Some(magic);
    let iso_brand = |brands: &[&[u8; 4]]| is(4, b"ftyp") && brands.iter().any(|b| is(8, &b[..]));
    if is(0, b"\x89PNG\r\n\x1a\n") {
        Some("PNG")
    } else if is(0, &[0xFF, 0xD8, 0xFF]) {
        Some("JPEG")
    } else if is(0, b"GIF87a") || is(0, b"GIF89a") {
        Some("GIF")
    } else if is(0, b"BM") && head.len() >= 26 && is(6, &[0, 0, 0, 0]) {
        Some("BMP")
    } else if is(0, b"II*\0") || is(0, b"MM\0*") {
        Some("TIFF")
    } else if is(0, b"RIFF") && is(8, b"WEBP") {
        Some("WebP")
    } else if iso_brand(&[b"heic", b"heix", b"mif1", b"avif"]) {
        Some("HEIF/AVIF")
    } else {
        None
    }
}

/// One track of an ISO base media file (MP4, MOV), as its header declares it.
#[derive(Debug, Clone, PartialEq, Default)]
struct IsoTrack {
    /// `vide`, `soun`, ... (from `mdia/hdlr`).
    handler: [u8; 4],
    /// Width and height from `tkhd` (integer part of 16.16 fixed point).
    track_size: Option<(u32, u32)>,
    /// Width and height from the first visual sample entry (`stsd`).
    entry_size: Option<(u32, u32)>,
}

/// What the top-level boxes of a file say.
enum IsoHeader {
    /// An MP4/MOV whose `moov` box lists these tracks.
    Tracks(Vec<IsoTrack>),
    /// An MP4/MOV that ends, or whose boxes stop making sense, before any `moov` box.
    Missing,
    /// Not an MP4/MOV, or one we do not read ourselves (a huge `moov`): the decoder decides.
    Unknown,
}

/// The tracks of an MP4/MOV file, read from its `moov` box.
fn iso_tracks<F: Read + Seek>(file: &mut F, len: u64) -> IsoHeader {
    const TOP_LEVEL: [&[u8; 4]; 8] = [b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip", b"uuid", b"pnot"];
    /// A moov box is a few MB even for long clips; more is not a header we want to read.
    const MAX_MOOV_BYTES: u64 = 64 << 20;
    let mut pos = 0u64;
    for n in 0..10_000 {
        let mut header = [0u8; 8];
        if pos + 8 > len || file.seek(SeekFrom::Start(pos)).is_err() || file.read_exact(&mut header).is_err() {
            return if n == 0 { IsoHeader::Unknown } else { IsoHeader::Missing };
        }
        let kind = [header[4], header[5], header[6], header[7]];
        if n == 0 && !TOP_LEVEL.contains(&&kind) {
            return IsoHeader::Unknown;
        }
        let (size, header_len) = match u32::from_be_bytes([header[0], header[1], header[2], header[3]]) {
            0 => (len - pos, 8),
            1 => {
                let mut big = [0u8; 8];
                if file.read_exact(&mut big).is_err() {
                    return IsoHeader::Missing;
                }
                (u64::from_be_bytes(big), 16)
            }
            s => (s as u64, 8),
        };
        if size < header_len || pos.checked_add(size).is_none_or(|end| end > len) {
            return IsoHeader::Missing;
        }
        if &kind == b"moov" {
            let body_len = size - header_len;
            if body_len > MAX_MOOV_BYTES {
                return IsoHeader::Unknown;
            }
            let mut body = vec![0u8; body_len as usize];
            if file.seek(SeekFrom::Start(pos + header_len)).is_err() || file.read_exact(&mut body).is_err() {
                return IsoHeader::Missing;
            }
            return IsoHeader::Tracks(
                children(&body).filter(|(k, _)| k == b"trak").map(|(_, t)| iso_track(t)).collect(),
            );
        }
        pos += size;
    }
    IsoHeader::Unknown
}

fn iso_track(trak: &[u8]) -> IsoTrack {
    let mut track = IsoTrack::default();
    let be32 = |b: &[u8], at: usize| b.get(at..at + 4).map(|x| u32::from_be_bytes([x[0], x[1], x[2], x[3]]));
    let be16 = |b: &[u8], at: usize| b.get(at..at + 2).map(|x| u16::from_be_bytes([x[0], x[1]]) as u32);
    if let Some(tkhd) = child(trak, b"tkhd") {
        let at = if tkhd.first() == Some(&1) { 88 } else { 76 };
        if let (Some(w), Some(h)) = (be32(tkhd, at), be32(tkhd, at + 4)) {
            track.track_size = Some((w >> 16, h >> 16));
        }
    }
    let Some(mdia) = child(trak, b"mdia") else { return track };
    if let Some(handler) = child(mdia, b"hdlr").and_then(|h| h.get(8..12)) {
        track.handler.copy_from_slice(handler);
    }
    let stsd = child(mdia, b"minf").and_then(|m| child(m, b"stbl")).and_then(|s| child(s, b"stsd"));
    // stsd: version/flags, entry count, then the entries (boxes); a visual entry's width and
    // height follow 24 bytes of reserved and predefined fields.
    if let Some((_, entry)) = stsd.and_then(|s| s.get(8..)).and_then(|entries| children(entries).next()) {
        if &track.handler == b"vide" {
            if let (Some(w), Some(h)) = (be16(entry, 24), be16(entry, 26)) {
                track.entry_size = Some((w, h));
            }
        }
    }
    track
}

/// The body of the first child box of `data` of type `kind`.
fn child<'a>(data: &'a [u8], kind: &[u8; 4]) -> Option<&'a [u8]> {
    children(data).find(|(k, _)| k == kind).map(|(_, body)| body)
}

/// The child boxes in `data` as (type, body); stops at the first malformed one.
fn children(data: &[u8]) -> impl Iterator<Item = ([u8; 4], &[u8])> {
    let mut rest = data;
    std::iter::from_fn(move || {
        let size = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
        let kind: [u8; 4] = rest.get(4..8)?.try_into().ok()?;
        let (body, consumed) = match size {
            0 => (rest.get(8..)?, rest.len()),
            1 => {
                let big = u64::from_be_bytes(rest.get(8..16)?.try_into().ok()?);
                let size = usize::try_from(big).ok().filter(|&s| s >= 16)?;
                (rest.get(16..size)?, size)
            }
            s if s >= 8 => (rest.get(8..s)?, s),
            _ => return None,
        };
        rest = &rest[consumed..];
        Some((kind, body))
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

    fn iso_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        [&((body.len() + 8) as u32).to_be_bytes()[..], kind, body].concat()
    }

    /// ftyp, a moov with one track of `handler` declaring `w`x`h`, and an mdat.
    fn iso_file(handler: &[u8; 4], w: u16, h: u16) -> Vec<u8> {
        let mut tkhd = vec![0u8; 84];
        tkhd[76..80].copy_from_slice(&((w as u32) << 16).to_be_bytes());
        tkhd[80..84].copy_from_slice(&((h as u32) << 16).to_be_bytes());
        let hdlr = [&[0u8; 8][..], handler, &[0u8; 13]].concat();
        let mut entry = vec![0u8; 78];
        entry[24..26].copy_from_slice(&w.to_be_bytes());
        entry[26..28].copy_from_slice(&h.to_be_bytes());
        let stsd = [&[0u8, 0, 0, 0, 0, 0, 0, 1][..], &iso_box(b"avc1", &entry)].concat();
        let stbl = iso_box(b"stbl", &iso_box(b"stsd", &stsd));
        let mdia = [iso_box(b"hdlr", &hdlr), iso_box(b"minf", &stbl)].concat();
        let trak = [iso_box(b"tkhd", &tkhd), iso_box(b"mdia", &mdia)].concat();
        [iso_box(b"ftyp", b"isom\0\0\0\0isom"), iso_box(b"moov", &iso_box(b"trak", &trak)), iso_box(b"mdat", &[7; 64])]
            .concat()
    }

    fn tracks_of(bytes: &[u8]) -> Option<Vec<IsoTrack>> {
        let len = bytes.len() as u64;
        match iso_tracks(&mut std::io::Cursor::new(bytes), len) {
            IsoHeader::Tracks(tracks) => Some(tracks),
            IsoHeader::Missing => Some(Vec::new()),
            IsoHeader::Unknown => None,
        }
    }

    #[test]
    fn mp4_headers_declare_tracks_and_picture_sizes() {
        let tracks = tracks_of(&iso_file(b"vide", 1920, 1080)).unwrap();
        assert_eq!(
            tracks,
            [IsoTrack { handler: *b"vide", track_size: Some((1920, 1080)), entry_size: Some((1920, 1080)) }]
        );
        assert_eq!(tracks_of(&iso_file(b"soun", 0, 0)).unwrap()[0].handler, *b"soun");
        // cut before the moov box: missing; not an MP4 at all: unknown
        let file = iso_file(b"vide", 64, 48);
        assert_eq!(tracks_of(&file[..30]), Some(Vec::new()));
        assert_eq!(tracks_of(b"not an mp4 file at all"), None);
        assert!(check_picture_size(Path::new("a.mp4"), 7680, 4320).is_ok());
        assert!(check_picture_size(Path::new("a.mp4"), 4320, 7680).is_ok());
        assert!(check_picture_size(Path::new("a.mp4"), 8193, 16).is_err());
        assert!(check_picture_size(Path::new("a.mp4"), 8000, 8000).is_err());
    }

    #[test]
    fn still_images_are_known_by_their_first_bytes() {
        assert_eq!(still_image_kind(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some("PNG"));
        assert_eq!(still_image_kind(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), Some("JPEG"));
        assert_eq!(still_image_kind(b"GIF89a\x10\0\x10\0"), Some("GIF"));
        assert_eq!(still_image_kind(b"RIFF\0\0\0\0WEBPVP8 "), Some("WebP"));
        assert_eq!(still_image_kind(b"\0\0\0\x18ftypheic\0\0\0\0"), Some("HEIF/AVIF"));
        assert_eq!(still_image_kind(&iso_file(b"vide", 64, 48)), None);
        assert_eq!(still_image_kind(b"RIFF\0\0\0\0AVI LIST"), None);
        assert_eq!(still_image_kind(b""), None);
    }

    /// The box reader on damaged headers (bytes changed, cut, sizes made huge or tiny): it
    /// answers, and never panics or reads past the data.
    #[test]
    fn the_box_reader_survives_damaged_headers() {
        let base = iso_file(b"vide", 640, 480);
        let mut state = 15u64;
        let mut next = move || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        for _ in 0..20_000 {
            let mut bytes = base.clone();
            for _ in 0..1 + next() % 6 {
                let at = (next() % bytes.len() as u64) as usize;
                match next() % 4 {
                    0 => bytes[at] ^= (next() % 255 + 1) as u8,
                    1 => bytes[at] = [0, 1, 0xFF, 8][(next() % 4) as usize],
                    2 => bytes.truncate(at),
                    _ => bytes[at..].iter_mut().take(4).for_each(|b| *b = 0xFF),
                }
                if bytes.is_empty() {
                    break;
                }
            }
            let _ = tracks_of(&bytes);
            let _ = still_image_kind(&bytes);
        }
    }

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
