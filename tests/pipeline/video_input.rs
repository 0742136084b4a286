//! Video input: phone-style rotation metadata, frame counts and timestamps, on clips made here
//! with ffmpeg.

use crate::support;

use liftform_vision::video::VideoReader;
use opencv::core::Mat;
use opencv::prelude::*;

fn frames_of(path: &std::path::Path) -> (liftform_vision::video::VideoInfo, Vec<(f64, Mat)>) {
    let mut reader = VideoReader::open(path).unwrap();
    let mut frames = Vec::new();
    while let Some(f) = reader.next_frame().unwrap() {
        frames.push((f.t_s, f.image_bgr));
    }
    reader.check_complete().unwrap();
    (reader.info().clone(), frames)
}

fn mean_abs_difference(a: &Mat, b: &Mat) -> f64 {
    let (a, b) = (a.data_bytes().unwrap(), b.data_bytes().unwrap());
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (*x as f64 - *y as f64).abs()).sum::<f64>() / a.len() as f64
}

/// A portrait clip stored the way phones store it: landscape pixels plus a rotation tag.
/// Each quarter turn must come out upright (matching the original), with width and height swapped
/// back where needed.
#[test]
fn phone_rotation_metadata_gives_upright_frames_of_the_right_size() {
    let dir = tempfile::tempdir().unwrap();
    let upright = dir.path().join("upright.mp4");
    support::make_pattern_clip(&upright, 180, 320, 12, &[]);
    let (upright_info, upright_frames) = frames_of(&upright);
    assert_eq!((upright_info.width, upright_info.height, upright_info.rotation_deg), (180, 320, 0));

    // (ffmpeg filter that turns the picture as a phone sensor would store it, tag that undoes it)
    for (store_filter, tag, expect_size) in
        [("transpose=2", "90", (180, 320)), ("transpose=1", "270", (180, 320)), ("hflip,vflip", "180", (180, 320))]
    {
        let stored = dir.path().join(format!("stored_{tag}.mp4"));
        let tagged = dir.path().join(format!("phone_{tag}.mp4"));
        let (u, s, t) = (upright.to_str().unwrap(), stored.to_str().unwrap(), tagged.to_str().unwrap());
        support::ffmpeg(&["-i", u, "-vf", store_filter, "-c:v", "libx264", "-pix_fmt", "yuv420p", s]);
        support::ffmpeg(&["-i", s, "-c", "copy", "-metadata:s:v:0", &format!("rotate={tag}"), t]);

        let (info, frames) = frames_of(&tagged);
        assert_eq!((info.width, info.height), expect_size, "rotate={tag}: size");
        assert_eq!(info.rotation_deg.to_string(), tag, "rotate={tag}: rotation read");
        assert_eq!(frames.len(), upright_frames.len(), "rotate={tag}: frame count");
        let size = frames[0].1.size().unwrap();
        assert_eq!((size.width as u32, size.height as u32), expect_size, "rotate={tag}: decoded frame size");
        let diff = mean_abs_difference(&frames[5].1, &upright_frames[5].1);
        assert!(diff < 6.0, "rotate={tag}: frame differs from the upright original by {diff:.1} grey levels");
    }
}

#[test]
fn timestamps_increase_and_follow_the_frame_rate() {
    let dir = tempfile::tempdir().unwrap();
    // B-frames (x264 default) make OpenCV report 0 for the last frames
    let clip = dir.path().join("bframes.mp4");
    support::make_pattern_clip(&clip, 64, 48, 45, &["-bf", "3"]);
    let (info, frames) = frames_of(&clip);
    assert_eq!(frames.len(), 45);
    assert!((info.fps - 30.0).abs() < 0.01);
    for (i, pair) in frames.windows(2).enumerate() {
        let step = pair[1].0 - pair[0].0;
        assert!((step - 1.0 / 30.0).abs() < 1e-3, "frame {i}→{}: step {step}", i + 1);
    }
    assert!((frames[44].0 - 44.0 / 30.0).abs() < 1e-3, "last timestamp {}", frames[44].0);
}
