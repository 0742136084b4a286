//! The rotated square region of interest that the landmark model sees, built from two alignment
//! points (MediaPipe's AlignmentPointsRectsCalculator + RectTransformation), the affine maps between
//! crop and image, and the mapping of landmarks back to image pixels. Pure maths.

use std::f32::consts::PI;

pub const LANDMARK_INPUT_PX: usize = 256;
/// MediaPipe enlarges the alignment box by 25 % so the whole body fits.
const ROI_SCALE: f32 = 1.25;

/// A rotated square in image pixels. `rotation_rad` turns the crop's axes into the image's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Roi {
    pub centre_px: [f32; 2],
    pub side_px: f32,
    pub rotation_rad: f32,
}

impl Roi {
    /// From the hip centre (`p0`) and the body's size/rotation point (`p1`), both in image px.
    /// The body axis p0→p1 is turned to point straight up (target angle 90°, y flipped).
    pub fn from_alignment_points(p0_px: [f32; 2], p1_px: [f32; 2]) -> Roi {
        let (dx, dy) = (p1_px[0] - p0_px[0], p1_px[1] - p0_px[1]);
        let size = 2.0 * dx.hypot(dy);
        let rotation = PI / 2.0 - (-dy).atan2(dx);
        Roi { centre_px: p0_px, side_px: ROI_SCALE * size, rotation_rad: normalise_angle(rotation) }
    }

    /// 2×3 affine map from crop pixels (u, v in 0..256) to image pixels, row-major; use it with
    /// `WARP_INVERSE_MAP`. Crop pixel 0 lands exactly on the rectangle's corner.
    pub fn crop_to_image(&self) -> [[f64; 3]; 2] {
        let (s, c) = (self.rotation_rad as f64).sin_cos();
        let side = self.side_px as f64;
        let k = side / LANDMARK_INPUT_PX as f64;
        let [cx, cy] = [self.centre_px[0] as f64, self.centre_px[1] as f64];
        [[c * k, -s * k, cx - 0.5 * side * (c - s)], [s * k, c * k, cy - 0.5 * side * (s + c)]]
    }

    /// Maps a point in crop pixels (0..256) to image pixels.
    pub fn point_in_image(&self, point_in_crop_px: [f32; 2]) -> [f32; 2] {
        let (s, c) = self.rotation_rad.sin_cos();
        let u = point_in_crop_px[0] / LANDMARK_INPUT_PX as f32 - 0.5;
        let v = point_in_crop_px[1] / LANDMARK_INPUT_PX as f32 - 0.5;
        [(c * u - s * v) * self.side_px + self.centre_px[0], (s * u + c * v) * self.side_px + self.centre_px[1]]
    }

    /// Crop pixels per image pixel.
    pub fn crop_px_per_image_px(&self) -> f32 {
        LANDMARK_INPUT_PX as f32 / self.side_px
    }

    /// Maps an image point into crop pixels (inverse of `point_in_image`).
    pub fn point_in_crop(&self, point_in_image_px: [f32; 2]) -> [f32; 2] {
        let (s, c) = self.rotation_rad.sin_cos();
        let dx = (point_in_image_px[0] - self.centre_px[0]) / self.side_px;
        let dy = (point_in_image_px[1] - self.centre_px[1]) / self.side_px;
        let (u, v) = (c * dx + s * dy, -s * dx + c * dy);
        [(u + 0.5) * LANDMARK_INPUT_PX as f32, (v + 0.5) * LANDMARK_INPUT_PX as f32]
    }
}

/// Normalises an angle to [−π, π).
pub fn normalise_angle(angle_rad: f32) -> f32 {
    angle_rad - 2.0 * PI * ((angle_rad + PI) / (2.0 * PI)).floor()
}

/// 2×3 affine map from image pixels to the 224 letterboxed detector square: the image is scaled to
/// fit and centred, with black borders. Used with `warp_affine` directly (no inverse flag).
pub fn letterbox_image_to_square(width_px: u32, height_px: u32, square_px: usize) -> [[f64; 3]; 2] {
    let side = width_px.max(height_px) as f64;
    let scale = square_px as f64 / side;
    [[scale, 0.0, (side - width_px as f64) / 2.0 * scale], [0.0, scale, (side - height_px as f64) / 2.0 * scale]]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roi_from_golden_detection_matches_reference() {
        // roboflow_barbell_pull_start_side.full.json: detector keypoints 0 and 1, and the ROI
        let roi = Roi::from_alignment_points([94.344, 208.74], [258.066, 159.458]);
        assert!((roi.side_px - 427.447).abs() < 0.01, "{}", roi.side_px);
        assert!((roi.rotation_rad - 1.278414).abs() < 1e-5, "{}", roi.rotation_rad);
        assert_eq!(roi.centre_px, [94.344, 208.74]);
    }

    #[test]
    fn upright_body_has_zero_rotation_and_side_is_2_5_times_the_radius() {
        let roi = Roi::from_alignment_points([100.0, 200.0], [100.0, 100.0]);
        assert!(roi.rotation_rad.abs() < 1e-6);
        assert!((roi.side_px - 250.0).abs() < 1e-4);
        // body lying to the right: rotation +90°
        let lying = Roi::from_alignment_points([100.0, 200.0], [200.0, 200.0]);
        assert!((lying.rotation_rad - PI / 2.0).abs() < 1e-6);
    }

    #[test]
    fn angles_normalise_into_half_open_range() {
        assert!((normalise_angle(PI) + PI).abs() < 1e-6);
        assert!((normalise_angle(3.0 * PI / 2.0) + PI / 2.0).abs() < 1e-5);
        assert!((normalise_angle(-PI) + PI).abs() < 1e-6);
        assert!((normalise_angle(0.25) - 0.25).abs() < 1e-7);
    }

    #[test]
    fn crop_mapping_agrees_with_the_affine_matrix_and_inverts() {
        let roi = Roi { centre_px: [320.0, 240.0], side_px: 300.0, rotation_rad: 0.53 };
        let m = roi.crop_to_image();
        for &(u, v) in &[(0.0f32, 0.0f32), (256.0, 0.0), (128.0, 128.0), (10.0, 200.0)] {
            let p = roi.point_in_image([u, v]);
            let (u64_, v64) = (u as f64, v as f64);
            let q = [m[0][0] * u64_ + m[0][1] * v64 + m[0][2], m[1][0] * u64_ + m[1][1] * v64 + m[1][2]];
            assert!((p[0] as f64 - q[0]).abs() < 1e-3 && (p[1] as f64 - q[1]).abs() < 1e-3);
            let back = roi.point_in_crop(p);
            assert!((back[0] - u).abs() < 1e-3 && (back[1] - v).abs() < 1e-3);
        }
        // crop centre is the ROI centre
        assert_eq!(roi.point_in_image([128.0, 128.0]), [320.0, 240.0]);
    }

    #[test]
    fn letterbox_centres_a_landscape_image() {
        let m = letterbox_image_to_square(1280, 720, 224);
        let scale = 224.0 / 1280.0;
        assert!((m[0][0] - scale).abs() < 1e-12 && m[0][2] == 0.0);
        assert!((m[1][2] - 280.0 * scale).abs() < 1e-9);
    }
}
