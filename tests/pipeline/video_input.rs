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

fn read_png(path: &std::path::Path) -> Mat {
    let image = opencv::imgcodecs::imread(path.to_str().unwrap(), opencv::imgcodecs::IMREAD_COLOR).unwrap();
    assert!(!image.empty(), "could not read {}", path.display());
    image
}

fn size_of(image: &Mat) -> (u32, u32) {
    let size = image.size().unwrap();
    (size.width as u32, size.height as u32)
}

/// The corners of `image` whose 16×16 patch (4 px in from the edges) is white: where the marker of
/// [`support::make_marker_clip`] ended up. `testsrc2`'s own corners are coloured, never white.
fn white_corners(image: &Mat) -> Vec<&'static str> {
    let (w, h) = size_of(image);
    let (w, h) = (w as i32, h as i32);
    let corners =
        [("top-left", 4, 4), ("top-right", w - 20, 4), ("bottom-left", 4, h - 20), ("bottom-right", w - 20, h - 20)];
    corners
        .into_iter()
        .filter(|&(_, x, y)| {
            let patch = Mat::roi(image, opencv::core::Rect::new(x, y, 16, 16)).unwrap();
            let mean = opencv::core::mean_def(&patch).unwrap();
            (0..3).all(|c| mean[c] > 200.0)
        })
        .map(|(name, _, _)| name)
        .collect()
}

/// A portrait clip stored the way phones store it: the sensor's pixels turned sideways (or upside
/// down), plus a rotation in the display matrix that turns them upright on playback. Each quarter
/// turn must come out exactly as ffmpeg's own autorotated decode shows it (ffmpeg applies the
/// display matrix as phone players do), which is the upright original: same size, same pixels,
/// the marker in the top-left corner.
///
/// Which way ffmpeg's `rotate` tag turns has changed between ffmpeg versions, so the test assumes
/// no sign: for each tag it takes the stored picture (turned a quarter clockwise, a quarter
/// counter-clockwise, or half) whose autorotated decode by ffmpeg is the upright original. A clip
/// built the inverse way (which ffmpeg shows upside down) cannot pass.
#[test]
fn phone_rotation_gives_the_frames_ffmpeg_autorotation_shows() {
    let dir = tempfile::tempdir().unwrap();
    let upright = dir.path().join("upright.mp4");
    support::make_marker_clip(&upright, 180, 320, 12, 48);
    let upright_png = dir.path().join("upright.png");
    support::ffmpeg_first_frame_png(&upright, &upright_png);
    let original = read_png(&upright_png);
    let (upright_info, upright_frames) = frames_of(&upright);
    assert_eq!((upright_info.width, upright_info.height, upright_info.rotation_deg), (180, 320, 0));
    assert_eq!(white_corners(&original), ["top-left"], "ffmpeg's decode of the upright clip");
    assert_eq!(white_corners(&upright_frames[0].1), ["top-left"], "our decode of the upright clip");

    // (ffmpeg filter that turns the upright picture into the stored one, clockwise degrees that
    // turn the stored picture back upright)
    let stores = [("transpose=1", 270), ("transpose=2", 90), ("hflip,vflip", 180)];
    for tag in ["90", "180", "270"] {
        let mut phone_style = None;
        for (store_filter, undo_cw_deg) in stores {
            let name = format!("{}_{tag}", store_filter.replace([',', '='], "_"));
            let stored = dir.path().join(format!("stored_{name}.mp4"));
            let tagged = dir.path().join(format!("phone_{name}.mp4"));
            let truth_png = dir.path().join(format!("truth_{name}.png"));
            let (u, s, t) = (upright.to_str().unwrap(), stored.to_str().unwrap(), tagged.to_str().unwrap());
            support::ffmpeg(&["-i", u, "-vf", store_filter, "-c:v", "libx264", "-pix_fmt", "yuv420p", s]);
            support::ffmpeg(&["-i", s, "-c", "copy", "-metadata:s:v:0", &format!("rotate={tag}"), t]);
            support::ffmpeg_first_frame_png(&tagged, &truth_png);
            let truth = read_png(&truth_png);
            if size_of(&truth) == (180, 320) && mean_abs_difference(&truth, &original) < 6.0 {
                phone_style = Some((tagged, truth, store_filter, undo_cw_deg));
                break;
            }
        }
        let (tagged, truth, store_filter, undo_cw_deg) = phone_style
            .unwrap_or_else(|| panic!("rotate={tag}: no stored picture that ffmpeg's autorotation shows upright"));
        let what = format!("rotate={tag} on pixels stored with {store_filter}");
        assert_eq!(white_corners(&truth), ["top-left"], "{what}: ffmpeg's autorotated decode");

        let (info, frames) = frames_of(&tagged);
        assert_eq!((info.width, info.height), (180, 320), "{what}: size");
        assert_eq!(frames.len(), upright_frames.len(), "{what}: frame count");
        let ours = &frames[0].1;
        assert_eq!(size_of(ours), (180, 320), "{what}: decoded frame size");
        assert_eq!(white_corners(ours), ["top-left"], "{what}: marker corner in our first frame");
        let diff = mean_abs_difference(ours, &truth);
        assert!(diff < 6.0, "{what}: our first frame differs from ffmpeg's autorotated one by {diff:.1} grey levels");
        let diff = mean_abs_difference(&frames[5].1, &upright_frames[5].1);
        assert!(diff < 6.0, "{what}: frame 5 differs from the upright original by {diff:.1} grey levels");
        assert_eq!(info.rotation_deg, undo_cw_deg, "{what}: clockwise turn that makes the stored frames upright");
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
