//! SSD anchors of the BlazePose detector (MediaPipe's SsdAnchorsCalculator with the
//! `pose_detection_cpu` settings): strides [8, 16, 32, 32, 32] on a 224×224 input, two anchors per
//! layer and cell, fixed anchor size (w = h = 1, so only centres matter).

pub const DETECTOR_INPUT_PX: usize = 224;
pub const ANCHOR_COUNT: usize = 2254;
const STRIDES: [usize; 5] = [8, 16, 32, 32, 32];

/// Anchor centres, normalised to the 224 square. Order: grid group (layers of equal stride share
/// one grid), then row y, then column x, then anchor within the cell.
pub fn ssd_anchor_centres() -> Vec<[f32; 2]> {
    let mut centres = Vec::with_capacity(ANCHOR_COUNT);
    let mut layer = 0;
    while layer < STRIDES.len() {
        let stride = STRIDES[layer];
        let same_stride_layers = STRIDES[layer..].iter().take_while(|&&s| s == stride).count();
        // aspect ratio 1.0 plus the interpolated scale: two anchors per layer
        let anchors_per_cell = 2 * same_stride_layers;
        let grid = DETECTOR_INPUT_PX.div_ceil(stride);
        for y in 0..grid {
            for x in 0..grid {
                let centre = [(x as f32 + 0.5) / grid as f32, (y as f32 + 0.5) / grid as f32];
                centres.extend(std::iter::repeat_n(centre, anchors_per_cell));
            }
        }
        layer += same_stride_layers;
    }
    centres
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_count_and_order_match_mediapipe() {
        let a = ssd_anchor_centres();
        assert_eq!(a.len(), ANCHOR_COUNT);
        // stride 8: 28×28 grid, 2 per cell
        assert_eq!(a[0], [0.5 / 28.0, 0.5 / 28.0]);
        assert_eq!(a[1], a[0]);
        assert_eq!(a[2], [1.5 / 28.0, 0.5 / 28.0]);
        assert_eq!(a[56], [0.5 / 28.0, 1.5 / 28.0]);
        assert_eq!(a[1567], [27.5 / 28.0, 27.5 / 28.0]);
        // stride 16: 14×14, 2 per cell
        assert_eq!(a[1568], [0.5 / 14.0, 0.5 / 14.0]);
        assert_eq!(a[1959], [13.5 / 14.0, 13.5 / 14.0]);
        // stride 32 (three layers): 7×7, 6 per cell
        assert_eq!(a[1960], [0.5 / 7.0, 0.5 / 7.0]);
        assert_eq!(a[1965], a[1960]);
        assert_eq!(a[1966], [1.5 / 7.0, 0.5 / 7.0]);
        assert_eq!(a[2253], [6.5 / 7.0, 6.5 / 7.0]);
        // golden file: anchor 587 is centred at (0.482143, 0.375)
        assert!((a[587][0] - 0.482143).abs() < 1e-6 && (a[587][1] - 0.375).abs() < 1e-6);
    }
}
