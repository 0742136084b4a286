//! The pose recording (`liftform.recording/v1`, JSON Lines): the contract between the vision half
//! (video → pose → bar) and the analysis half (track → rules → report).
//!
//! Line 1 is a [`RecordingHeader`]; every further line is one decoded frame ([`FrameRecord`]).
//! Coordinates are pixels of the upright (rotation-corrected) frame, origin top-left, y down.
//! This module has no OpenCV or ONNX Runtime types: the analysis half reads it alone.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

pub const RECORDING_SCHEMA: &str = "liftform.recording/v1";
pub const LANDMARK_COUNT: usize = 33;
/// A standard bumper plate is 450 mm across.
pub const DEFAULT_PLATE_DIAMETER_MM: f64 = 450.0;

/// BlazePose landmark indices used by the analysis (odd = subject's left, even = right).
pub mod landmark_index {
    pub const NOSE: usize = 0;
    pub const LEFT_EAR: usize = 7;
    pub const RIGHT_EAR: usize = 8;
    pub const LEFT_SHOULDER: usize = 11;
    pub const RIGHT_SHOULDER: usize = 12;
    pub const LEFT_ELBOW: usize = 13;
    pub const RIGHT_ELBOW: usize = 14;
    pub const LEFT_WRIST: usize = 15;
    pub const RIGHT_WRIST: usize = 16;
    pub const LEFT_HIP: usize = 23;
    pub const RIGHT_HIP: usize = 24;
    pub const LEFT_KNEE: usize = 25;
    pub const RIGHT_KNEE: usize = 26;
    pub const LEFT_ANKLE: usize = 27;
    pub const RIGHT_ANKLE: usize = 28;
    pub const LEFT_HEEL: usize = 29;
    pub const RIGHT_HEEL: usize = 30;
    pub const LEFT_FOOT_INDEX: usize = 31;
    pub const RIGHT_FOOT_INDEX: usize = 32;
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceInfo {
    pub path: String,
    #[serde(deserialize_with = "nan_if_null")]
    pub fps: f64,
    /// Frames actually decoded (not the container's claim).
    pub frames: u64,
    pub width: u32,
    pub height: u32,
    #[serde(default)]
    pub rotation_deg: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    pub name: String,
    /// sha256 of the landmark model file; MediaPipe's own recordings write null.
    #[serde(default)]
    pub sha256: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordingHeader {
    pub schema: String,
    pub source: SourceInfo,
    pub model: ModelInfo,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plate_diameter_mm: Option<f64>,
}

/// One keypoint: `[x_px, y_px, z, visibility, presence]` on disk. `z` is relative depth on the
/// x pixel scale (hips ≈ 0, smaller = nearer the camera). `presence` is null in MediaPipe's files.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Landmark {
    pub x_px: f32,
    pub y_px: f32,
    pub z: f32,
    pub visibility: f32,
    pub presence: Option<f32>,
}

impl Serialize for Landmark {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        (round3(self.x_px), round3(self.y_px), round3(self.z), round5(self.visibility), self.presence.map(round5))
            .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Landmark {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let v: Vec<Option<f32>> = Vec::deserialize(d)?;
        if !(4..=5).contains(&v.len()) {
            return Err(serde::de::Error::custom(format!(
                "a landmark has {} values, expected 4 or 5 ([x_px, y_px, z, visibility, presence])",
                v.len()
            )));
        }
        let num = |i: usize| v[i].unwrap_or(f32::NAN);
        Ok(Landmark {
            x_px: num(0),
            y_px: num(1),
            z: num(2),
            visibility: num(3),
            presence: v.get(4).copied().flatten(),
        })
    }
}

/// Reads a number that the writer may have written as `null` (serde_json writes NaN and the
/// infinities so): `null` comes back as NaN, "unknown" as everywhere else.
fn nan_if_null<'de, D: Deserializer<'de>, T: Deserialize<'de> + NotANumber>(d: D) -> std::result::Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or(T::NAN))
}

/// [`nan_if_null`] for each number of a list.
fn nans_if_null<'de, D: Deserializer<'de>, T: Deserialize<'de> + NotANumber>(
    d: D,
) -> std::result::Result<Vec<T>, D::Error> {
    Ok(Vec::<Option<T>>::deserialize(d)?.into_iter().map(|v| v.unwrap_or(T::NAN)).collect())
}

/// [`nan_if_null`] for each coordinate of the world landmarks.
fn world_nans_if_null<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<Vec<[f32; 3]>>, D::Error> {
    let points = Option::<Vec<[Option<f32>; 3]>>::deserialize(d)?;
    Ok(points.map(|points| points.into_iter().map(|p| p.map(|c| c.unwrap_or(f32::NAN))).collect()))
}

trait NotANumber {
    const NAN: Self;
}

impl NotANumber for f32 {
    const NAN: f32 = f32::NAN;
}

impl NotANumber for f64 {
    const NAN: f64 = f64::NAN;
}

/// The trunk's outline from the landmark model's segmentation mask, sampled along the chord from
/// mid-hip to mid-shoulder. At each sample `t` (0 = mid-hip, 1 = mid-shoulder) the distance in image
/// px from the chord to the silhouette's edge is measured along the chord's two normals:
/// `pos` along `n = (dy, -dx)/|d|`, `neg` along `-n`, where `(dx, dy)` = mid-shoulder − mid-hip.
/// In image coordinates (y down) `n` is the chord turned 90° counter-clockwise on screen: for a
/// lifter facing right, `pos` is the back side; for one facing left, `neg` is. A rounded back shows
/// as a bulge of the back-side distances mid-chord compared with the lifter's own neutral.
/// `None` where the edge was not found within one chord length.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrunkProfile {
    #[serde(deserialize_with = "nans_if_null")]
    pub t: Vec<f32>,
    pub pos_px: Vec<Option<f32>>,
    pub neg_px: Vec<Option<f32>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoseSample {
    /// The landmark model's pose flag (probability that a person is in the ROI).
    #[serde(deserialize_with = "nan_if_null")]
    pub score: f32,
    pub landmarks: Vec<Landmark>,
    /// Metric 3D keypoints (metres, hip-centred) from the landmark model: view-independent angles.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "world_nans_if_null")]
    pub world_landmarks: Option<Vec<[f32; 3]>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trunk_profile: Option<TrunkProfile>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BarSource {
    /// The near plate's centre: the bar's axis.
    Plate,
    /// Fallback: the midpoint of the wrists.
    Wrists,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BarSample {
    #[serde(deserialize_with = "nan_if_null")]
    pub x_px: f32,
    #[serde(deserialize_with = "nan_if_null")]
    pub y_px: f32,
    #[serde(default)]
    pub r_px: Option<f32>,
    #[serde(deserialize_with = "nan_if_null")]
    pub confidence: f32,
    pub source: BarSource,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameRecord {
    pub i: u64,
    #[serde(deserialize_with = "nan_if_null")]
    pub t_s: f64,
    pub pose: Option<PoseSample>,
    pub bar: Option<BarSample>,
}

/// A whole recording in memory (analysis needs random access; one frame is ~2 kB).
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    pub header: RecordingHeader,
    pub frames: Vec<FrameRecord>,
}

impl Recording {
    /// Reads a `liftform.recording/v1` JSON Lines file. Errors are one line naming the file and,
    /// for a bad frame, its line: text that is not JSON or not UTF-8, a missing or mistyped field,
    /// a pose without exactly [`LANDMARK_COUNT`] landmarks, a landmark that is not 4 or 5 numbers
    /// (null for unknown), a trunk profile whose lists differ in length. A number written as
    /// `null` (how NaN is written) reads as NaN.
    pub fn read(path: &Path) -> Result<Recording> {
        let file = File::open(path).map_err(|e| Error::input(path, format!("cannot open: {e}")))?;
        let mut reader = BufReader::new(file);
        let mut header: Option<RecordingHeader> = None;
        let mut frames = Vec::new();
        let mut buf = Vec::new();
        for line_no in 1usize.. {
            buf.clear();
            let n = reader.read_until(b'\n', &mut buf).map_err(|e| Error::input(path, format!("cannot read: {e}")))?;
            if n == 0 {
                break;
            }
            let line = std::str::from_utf8(&buf).map_err(|e| {
                Error::input(path, format!("line {line_no}: not UTF-8 text (byte {} of the line)", e.valid_up_to() + 1))
            })?;
            if header.is_none() {
                let parsed: RecordingHeader = serde_json::from_str(line).map_err(|e| {
                    Error::input(path, format!("line 1 is not a recording header ({})", json_error(&e)))
                })?;
                if parsed.schema != RECORDING_SCHEMA {
                    return Err(Error::input(
                        path,
                        format!(
                            "schema is {}, expected {RECORDING_SCHEMA:?}",
                            one_line(&format!("{:?}", parsed.schema))
                        ),
                    ));
                }
                header = Some(parsed);
                continue;
            }
            if line.trim().is_empty() {
                continue;
            }
            let frame: FrameRecord = serde_json::from_str(line)
                .map_err(|e| Error::input(path, format!("line {line_no}, {}", json_error(&e))))?;
            check_frame(&frame).map_err(|msg| Error::input(path, format!("line {line_no}: {msg}")))?;
            frames.push(frame);
        }
        match header {
            Some(header) => Ok(Recording { header, frames }),
            None => Err(Error::input(path, "empty file, expected a liftform.recording/v1 header")),
        }
    }
}

/// What serde_json cannot see: the number of landmarks, and trunk profile lists of one length.
fn check_frame(frame: &FrameRecord) -> std::result::Result<(), String> {
    let Some(pose) = &frame.pose else { return Ok(()) };
    if pose.landmarks.len() != LANDMARK_COUNT {
        return Err(format!("the pose has {} landmarks, expected {LANDMARK_COUNT}", pose.landmarks.len()));
    }
    if let Some(world) = &pose.world_landmarks {
        if world.len() != LANDMARK_COUNT {
            return Err(format!("the pose has {} world landmarks, expected {LANDMARK_COUNT}", world.len()));
        }
    }
    if let Some(p) = &pose.trunk_profile {
        if p.pos_px.len() != p.t.len() || p.neg_px.len() != p.t.len() {
            return Err(format!(
                "the trunk profile's lists differ in length (t {}, pos_px {}, neg_px {})",
                p.t.len(),
                p.pos_px.len(),
                p.neg_px.len()
            ));
        }
    }
    Ok(())
}

/// serde_json's message as "column C: what" on one line (its own "at line 1 column C" is always
/// line 1, since it parses one line at a time).
fn json_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let text = text.strip_suffix(&format!(" at line {} column {}", e.line(), e.column())).unwrap_or(&text);
    format!("column {}: {}", e.column(), one_line(text))
}

/// Keeps an error message to one printable line of reasonable length: control characters (a
/// newline inside a JSON string, say) are escaped and a long message is cut.
fn one_line(text: &str) -> String {
    const MAX_CHARS: usize = 300;
    let mut out = String::new();
    for (n, c) in text.chars().enumerate() {
        if n == MAX_CHARS {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Streams a recording to any writer, one line per frame, so memory does not grow with the video.
pub struct RecordingWriter<W: Write> {
    out: W,
}

impl<W: Write> RecordingWriter<W> {
    pub fn new(mut out: W, header: &RecordingHeader) -> std::io::Result<Self> {
        serde_json::to_writer(&mut out, header)?;
        out.write_all(b"\n")?;
        Ok(RecordingWriter { out })
    }

    pub fn write_frame(&mut self, frame: &FrameRecord) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.out, frame)?;
        self.out.write_all(b"\n")
    }

    pub fn finish(mut self) -> std::io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

fn round3(v: f32) -> f32 {
    (v * 1000.0).round() / 1000.0
}

fn round5(v: f32) -> f32 {
    (v * 100000.0).round() / 100000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn landmark_round_trips_and_accepts_null_presence() {
        let lm = Landmark { x_px: 1.5, y_px: 2.25, z: -3.0, visibility: 0.5, presence: Some(0.25) };
        let text = serde_json::to_string(&lm).unwrap();
        assert_eq!(text, "[1.5,2.25,-3.0,0.5,0.25]");
        let back: Landmark = serde_json::from_str(&text).unwrap();
        assert_eq!(back, lm);
        let mp: Landmark = serde_json::from_str("[1,2,3,0.9,null]").unwrap();
        assert_eq!(mp.presence, None);
        assert!(serde_json::from_str::<Landmark>("[1,2]").is_err());
    }

    #[test]
    fn writer_output_reads_back() {
        let header = RecordingHeader {
            schema: RECORDING_SCHEMA.into(),
            source: SourceInfo { path: "a.mp4".into(), fps: 30.0, frames: 2, width: 64, height: 48, rotation_deg: 90 },
            model: ModelInfo { name: "blazepose-full".into(), sha256: Some("ab".into()) },
            plate_diameter_mm: None,
        };
        let lm = Landmark { x_px: 1.0, y_px: 2.0, z: 0.0, visibility: 1.0, presence: Some(1.0) };
        let frames = vec![
            FrameRecord {
                i: 0,
                t_s: 0.0,
                pose: Some(PoseSample {
                    score: 0.9,
                    landmarks: vec![lm; 33],
                    world_landmarks: None,
                    trunk_profile: None,
                }),
                bar: None,
            },
            FrameRecord { i: 1, t_s: 0.033, pose: None, bar: None },
        ];
        let mut w = RecordingWriter::new(Vec::new(), &header).unwrap();
        for f in &frames {
            w.write_frame(f).unwrap();
        }
        let bytes = w.finish().unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.lines().nth(2).unwrap().contains("\"pose\":null,\"bar\":null"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("poses.jsonl");
        std::fs::write(&path, text).unwrap();
        let rec = Recording::read(&path).unwrap();
        assert_eq!(rec.header, header);
        assert_eq!(rec.frames, frames);
    }

    #[test]
    fn malformed_frames_are_refused_naming_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("poses.jsonl");
        let header = r#"{"schema":"liftform.recording/v1","source":{"path":"a.mp4","fps":30.0,"frames":1,"width":64,"height":48},"model":{"name":"m"}}"#;
        let pose = |landmarks: &str| {
            format!(r#"{{"i":0,"t_s":0.0,"pose":{{"score":0.9,"landmarks":[{landmarks}]}},"bar":null}}"#)
        };
        let good = vec!["[1,2,3,0.9,null]"; LANDMARK_COUNT].join(",");
        let short = vec!["[1,2,3,0.9]"; 32].join(",");
        let wide = format!("{},[1,2,3,0.9,1,7]", vec!["[1,2,3,0.9]"; 32].join(","));
        let word = format!("{},[1,\"two\",3,0.9]", vec!["[1,2,3,0.9]"; 32].join(","));
        for (line, expect) in [
            (pose(&short), "line 3: the pose has 32 landmarks, expected 33"),
            (pose(&wide), "line 3, column"),
            (pose(&word), "line 3, column"),
            (
                r#"{"i":0,"t_s":0.0,"pose":null,"bar":{"x_px":1,"y_px":2,"confidence":1,"source":"pl\nate"}}"#.into(),
                "pl\\nate",
            ),
        ] {
            std::fs::write(&path, format!("{header}\n{}\n{line}\n", pose(&good))).unwrap();
            let msg = Recording::read(&path).unwrap_err().to_string();
            assert!(msg.contains("poses.jsonl") && msg.contains(expect), "{msg}");
            assert!(!msg.contains('\n'), "{msg}");
        }
        // not UTF-8: the line is named
        std::fs::write(&path, [format!("{header}\n").as_bytes(), b"\xff\n"].concat()).unwrap();
        let msg = Recording::read(&path).unwrap_err().to_string();
        assert!(msg.contains("line 2: not UTF-8"), "{msg}");
        // NaN and infinities are written as null and read back as NaN
        let frame = FrameRecord { i: 0, t_s: f64::NAN, pose: None, bar: None };
        let mut w =
            RecordingWriter::new(Vec::new(), &serde_json::from_str::<RecordingHeader>(header).unwrap()).unwrap();
        w.write_frame(&frame).unwrap();
        std::fs::write(&path, w.finish().unwrap()).unwrap();
        assert!(Recording::read(&path).unwrap().frames[0].t_s.is_nan());
    }

    #[test]
    fn reading_names_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.jsonl");
        std::fs::write(&path, "{\"schema\":\"other\"}\n").unwrap();
        let msg = Recording::read(&path).unwrap_err().to_string();
        assert!(msg.contains("bad.jsonl"), "{msg}");
    }
}
