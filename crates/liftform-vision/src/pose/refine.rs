//! MediaPipe's landmark refinement from the landmark network's heatmaps: each landmark moves to the
//! confidence-weighted mean position of a 7×7 window of its own heatmap channel around it, when
//! the heatmap is confident there (max ≥ 0.5). Pure maths.

use super::detection::sigmoid;
use super::roi::LANDMARK_INPUT_PX;

pub const HEATMAP_PX: usize = 64;
pub const HEATMAP_CHANNELS: usize = 39;
const KERNEL_PX: usize = 7;
const MIN_CONFIDENCE_TO_REFINE: f32 = 0.5;

/// Refines x, y of the 39×5 raw landmarks (crop px) in place from a 64×64×39 HWC heatmap of logits.
pub fn refine_from_heatmap(landmarks_in_crop: &mut [f32], heatmap_logits: &[f32]) {
    if heatmap_logits.len() != HEATMAP_PX * HEATMAP_PX * HEATMAP_CHANNELS {
        return;
    }
    let crop = LANDMARK_INPUT_PX as f32;
    let size = HEATMAP_PX as i64;
    let half = (KERNEL_PX as i64 - 1) / 2;
    for (channel, lm) in landmarks_in_crop.chunks_exact_mut(5).take(HEATMAP_CHANNELS).enumerate() {
        let (x_norm, y_norm) = (lm[0] / crop, lm[1] / crop);
        if !(x_norm.is_finite() && y_norm.is_finite()) {
            continue;
        }
        // truncation toward zero, as the reference's integer conversion does
        let (col, row) = ((x_norm * HEATMAP_PX as f32) as i64, (y_norm * HEATMAP_PX as f32) as i64);
        if col < 0 || col >= size || row < 0 || row >= size {
            continue;
        }
        let (mut sum, mut weighted_col, mut weighted_row, mut max_confidence) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
        for r in (row - half).max(0)..(row + half + 1).min(size) {
            for c in (col - half).max(0)..(col + half + 1).min(size) {
                let index = (r as usize * HEATMAP_PX + c as usize) * HEATMAP_CHANNELS + channel;
                let confidence = sigmoid(heatmap_logits[index]);
                sum += confidence;
                max_confidence = max_confidence.max(confidence);
                weighted_col += c as f32 * confidence;
                weighted_row += r as f32 * confidence;
            }
        }
        if max_confidence >= MIN_CONFIDENCE_TO_REFINE && sum > 0.0 {
            lm[0] = weighted_col / HEATMAP_PX as f32 / sum * crop;
            lm[1] = weighted_row / HEATMAP_PX as f32 / sum * crop;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_confident_peak_pulls_the_landmark_and_a_weak_one_does_not() {
        let mut heatmap = vec![-20.0f32; HEATMAP_PX * HEATMAP_PX * HEATMAP_CHANNELS];
        // channel 0: confident peak at cell (col 10, row 20)
        heatmap[(20 * HEATMAP_PX + 10) * HEATMAP_CHANNELS] = 20.0;
        // channel 1: weak everywhere
        let mut lms = vec![0.0f32; 39 * 5];
        lms[0] = 11.5 * 4.0; // crop px: cell 11
        lms[1] = 21.5 * 4.0;
        lms[5] = 100.0;
        lms[6] = 100.0;
        refine_from_heatmap(&mut lms, &heatmap);
        assert!((lms[0] - 40.0).abs() < 0.01 && (lms[1] - 80.0).abs() < 0.01, "{:?}", &lms[..2]);
        assert_eq!((lms[5], lms[6]), (100.0, 100.0));
    }

    #[test]
    fn landmarks_outside_the_crop_or_wrong_sizes_are_left_alone() {
        let heatmap = vec![20.0f32; HEATMAP_PX * HEATMAP_PX * HEATMAP_CHANNELS];
        let mut lms = vec![-5.0f32; 39 * 5];
        refine_from_heatmap(&mut lms, &heatmap);
        assert!(lms.iter().all(|&v| v == -5.0));
        refine_from_heatmap(&mut lms, &[0.0; 3]);
    }
}
