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
        if v.len() < 4 {
            return Err(serde::de::Error::custom(format!("a landmark needs at least 4 values, got {}", v.len())));
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
    pub t: Vec<f32>,
    pub pos_px: Vec<Option<f32>>,
    pub neg_px: Vec<Option<f32>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoseSample {
    /// The landmark model's pose flag (probability that a person is in the ROI).
    pub score: f32,
    pub landmarks: Vec<Landmark>,
    /// Metric 3D keypoints (metres, hip-centred) from the landmark model: view-independent angles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
    pub x_px: f32,
    pub y_px: f32,
    #[serde(default)]
    pub r_px: Option<f32>,
    pub confidence: f32,
    pub source: BarSource,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameRecord {
    pub i: u64,
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
    /// Reads a `liftform.recording/v1` JSON Lines file. Errors name the file and the line.
    pub fn read(path: &Path) -> Result<Recording> {
        let file = File::open(path).map_err(|e| Error::input(path, format!("cannot open: {e}")))?;
        let mut lines = BufReader::new(file).lines();
        let first = match lines.next() {
            Some(line) => line.map_err(|e| Error::input(path, format!("cannot read: {e}")))?,
            None => return Err(Error::input(path, "empty file, expected a liftform.recording/v1 header")),
        };
        let header: RecordingHeader = serde_json::from_str(&first)
            .map_err(|e| Error::input(path, format!("line 1 is not a recording header: {e}")))?;
        if header.schema != RECORDING_SCHEMA {
            return Err(Error::input(path, format!("schema is {:?}, expected {RECORDING_SCHEMA:?}", header.schema)));
        }
        let mut frames = Vec::new();
        for (n, line) in lines.enumerate() {
            let line = line.map_err(|e| Error::input(path, format!("cannot read: {e}")))?;
            if line.trim().is_empty() {
                continue;
            }
            let frame: FrameRecord =
                serde_json::from_str(&line).map_err(|e| Error::input(path, format!("line {}: {e}", n + 2)))?;
            frames.push(frame);
        }
        Ok(Recording { header, frames })
    }
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
    fn reading_names_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.jsonl");
        std::fs::write(&path, "{\"schema\":\"other\"}\n").unwrap();
        let msg = Recording::read(&path).unwrap_err().to_string();
        assert!(msg.contains("bad.jsonl"), "{msg}");
    }
}
