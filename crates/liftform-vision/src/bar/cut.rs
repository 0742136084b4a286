//! Noticing cuts between shots: after one the plate is elsewhere, maybe another size, and a track
//! carried over would follow whatever now stands where it was, so the tracker starts afresh.

use opencv::core::{Mat, Size};
use opencv::imgproc;
use opencv::prelude::*;

use super::detect::cv;
use crate::error::Result;

/// Thumbnail size for noticing cuts: coarse enough that motion blurs away.
const THUMB_W: usize = 32;
const THUMB_H: usize = 18;

/// Compares each frame's thumbnail with the last frame's.
#[derive(Default)]
pub(super) struct CutDetector {
    /// The last frame, shrunk to [`THUMB_W`]×[`THUMB_H`] BGR.
    last_thumb: Option<Vec<u8>>,
    /// Scratch images for the thumbnail, reused frame to frame.
    thumb_sampled: Mat,
    thumb_small: Mat,
}

impl CutDetector {
    /// Forgets the last frame: the next one is compared with nothing.
    pub(super) fn reset(&mut self) {
        self.last_thumb = None;
    }

    /// Whether the video cut to another shot between the last frame and `frame_bgr` (never at
    /// the first frame).
    pub(super) fn is_cut_before(&mut self, frame_bgr: &Mat) -> Result<bool> {
        // Point samples on a grid twice as fine, then averaged: a full-frame area average would
        // read every pixel of the frame.
        imgproc::resize(
            frame_bgr,
            &mut self.thumb_sampled,
            Size::new(2 * THUMB_W as i32, 2 * THUMB_H as i32),
            0.0,
            0.0,
            imgproc::INTER_NEAREST,
        )
        .map_err(cv)?;
        imgproc::resize(
            &self.thumb_sampled,
            &mut self.thumb_small,
            Size::new(THUMB_W as i32, THUMB_H as i32),
            0.0,
            0.0,
            imgproc::INTER_AREA,
        )
        .map_err(cv)?;
        let now = self.thumb_small.data_bytes().map_err(cv)?;
        let channels = self.thumb_small.channels() as usize;
        let cut = match &mut self.last_thumb {
            Some(last) => {
                let cut = is_cut(last, now, channels);
                last.clear();
                last.extend_from_slice(now);
                cut
            }
            None => {
                self.last_thumb = Some(now.to_vec());
                false
            }
        };
        Ok(cut)
    }
}

/// A cut between shots: most of the picture changes at once. The share of lit thumbnail cells
/// (black letterbox bars do not count) whose brightest channel moved by more than 20 grey levels;
/// a lifter, even a big plate close to the camera, changes at most ~30 % of them, a cut ~50 %.
pub fn is_cut(last: &[u8], now: &[u8], channels: usize) -> bool {
    if last.len() != now.len() || channels == 0 {
        return false;
    }
    let (mut lit, mut changed) = (0usize, 0usize);
    for (a, b) in last.chunks(channels).zip(now.chunks(channels)) {
        let bright = a.iter().chain(b).any(|&v| v > 16);
        if !bright {
            continue;
        }
        lit += 1;
        let moved = a.iter().zip(b).map(|(&x, &y)| x.abs_diff(y)).max().unwrap_or(0);
        if moved > 20 {
            changed += 1;
        }
    }
    lit > 0 && changed as f32 > 0.4 * lit as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 4×1 BGR thumbnail from four grey levels.
    fn thumb(levels: [u8; 4]) -> Vec<u8> {
        levels.iter().flat_map(|&v| [v, v, v]).collect()
    }

    #[test]
    fn a_cut_is_most_lit_cells_changing() {
        // Black bars (0) never count; of the three lit cells two change a lot: a cut.
        assert!(is_cut(&thumb([0, 100, 100, 100]), &thumb([0, 30, 180, 101]), 3));
        // One of three lit cells changes (a lifter moving): not a cut.
        assert!(!is_cut(&thumb([0, 100, 100, 100]), &thumb([0, 30, 110, 101]), 3));
        // Small changes everywhere (exposure, noise): not a cut.
        assert!(!is_cut(&thumb([90, 100, 100, 100]), &thumb([105, 115, 85, 112]), 3));
        // Nothing lit, or thumbnails of different sizes: nothing to say.
        assert!(!is_cut(&thumb([0, 0, 0, 0]), &thumb([0, 0, 0, 0]), 3));
        assert!(!is_cut(&thumb([0, 0, 0, 0]), &[0, 0, 0], 3));
    }
}
