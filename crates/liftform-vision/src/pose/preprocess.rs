//! Turning a BGR frame into the two networks' input tensors with OpenCV's `warp_affine`, exactly as
//! the reference pipeline does (bilinear, no anti-aliasing, uint8 rounding before normalisation):
//! small differences here move weak detections by tens of pixels.

use opencv::core::{Mat, Scalar, Size, BORDER_CONSTANT, BORDER_REPLICATE};
use opencv::imgproc::{warp_affine, INTER_LINEAR, WARP_INVERSE_MAP};
use opencv::prelude::*;

use super::anchors::DETECTOR_INPUT_PX;
use super::roi::{letterbox_image_to_square, Roi, LANDMARK_INPUT_PX};
use crate::error::Result;

/// Reusable buffers so a frame costs no allocation.
#[derive(Default)]
pub struct Preprocessor {
    warped_bgr: Mat,
    pub detector_input: Vec<f32>,
    pub landmark_input: Vec<f32>,
}

/// The affine matrix as 32-bit floats, as the reference pipeline passes it: OpenCV quantises the
/// sampling positions, so even the last bits of the matrix can move a pixel's weights.
fn affine_mat(m: &[[f64; 3]; 2]) -> Result<Mat> {
    let single = m.map(|row| row.map(|v| v as f32));
    Ok(Mat::from_slice_2d(&single)?)
}

/// Writes an 8-bit BGR image into an NHWC RGB float tensor as `value * scale + offset`.
fn bgr_to_rgb_tensor(bgr: &Mat, scale: f32, offset: f32, out: &mut Vec<f32>) -> Result<()> {
    let bytes = bgr.data_bytes()?;
    out.clear();
    out.reserve(bytes.len());
    for px in bytes.chunks_exact(3) {
        out.extend_from_slice(&[
            px[2] as f32 * scale + offset,
            px[1] as f32 * scale + offset,
            px[0] as f32 * scale + offset,
        ]);
    }
    Ok(())
}

impl Preprocessor {
    /// Letterboxes the whole frame into the detector's 224 square, values in [−1, 1].
    pub fn detector_tensor(&mut self, frame_bgr: &Mat) -> Result<&[f32]> {
        let size = frame_bgr.size()?;
        let m = affine_mat(&letterbox_image_to_square(size.width as u32, size.height as u32, DETECTOR_INPUT_PX))?;
        let side = DETECTOR_INPUT_PX as i32;
        warp_affine(
            frame_bgr,
            &mut self.warped_bgr,
            &m,
            Size::new(side, side),
            INTER_LINEAR,
            BORDER_CONSTANT,
            Scalar::all(0.0),
        )?;
        bgr_to_rgb_tensor(&self.warped_bgr, 1.0 / 127.5, -1.0, &mut self.detector_input)?;
        Ok(&self.detector_input)
    }

    /// Crops the rotated ROI into the landmark network's 256 square, values in [0, 1].
    pub fn landmark_tensor(&mut self, frame_bgr: &Mat, roi: &Roi) -> Result<&[f32]> {
        let m = affine_mat(&roi.crop_to_image())?;
        let side = LANDMARK_INPUT_PX as i32;
        warp_affine(
            frame_bgr,
            &mut self.warped_bgr,
            &m,
            Size::new(side, side),
            INTER_LINEAR | WARP_INVERSE_MAP,
            BORDER_REPLICATE,
            Scalar::all(0.0),
        )?;
        bgr_to_rgb_tensor(&self.warped_bgr, 1.0 / 255.0, 0.0, &mut self.landmark_input)?;
        Ok(&self.landmark_input)
    }
}
