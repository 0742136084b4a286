//! Decoding the BlazePose detector's raw outputs: per-anchor boxes and keypoints, scores,
//! weighted non-maximum suppression and letterbox removal. Pure maths, no model types.

use super::anchors::DETECTOR_INPUT_PX;

/// Score threshold of MediaPipe's legacy pose solution (`min_detection_confidence`).
pub const MIN_DETECTION_SCORE: f32 = 0.5;
/// Candidates overlapping the best box by more than this IoU are merged into it.
pub const NMS_IOU_THRESHOLD: f32 = 0.3;
const REGRESSOR_VALUES: usize = 12;

/// A person detection. Coordinates are normalised; before letterbox removal they are in the 224
/// square, after it in the image (multiply by W, H for pixels). Keypoints: 0 mid-hip, 1 full-body
/// size/rotation point, 2 mid-shoulder, 3 upper-body size/rotation point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    pub score: f32,
    /// [xmin, ymin, xmax, ymax]
    pub bbox: [f32; 4],
    pub keypoints: [[f32; 2]; 4],
}

pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Decodes every anchor whose score reaches `min_score`, in anchor order.
/// `regressors` is [anchors × 12] (224-px units relative to the anchor centre), `logits` [anchors].
pub fn decode_candidates(regressors: &[f32], logits: &[f32], anchors: &[[f32; 2]], min_score: f32) -> Vec<Detection> {
    let scale = DETECTOR_INPUT_PX as f32;
    let mut out = Vec::new();
    for (i, (&logit, anchor)) in logits.iter().zip(anchors).enumerate() {
        let score = sigmoid(logit.clamp(-100.0, 100.0));
        if score.is_nan() || score < min_score {
            continue;
        }
        let Some(r) = regressors.get(i * REGRESSOR_VALUES..(i + 1) * REGRESSOR_VALUES) else { break };
        let [ax, ay] = *anchor;
        let (cx, cy) = (r[0] / scale + ax, r[1] / scale + ay);
        let (w, h) = (r[2] / scale, r[3] / scale);
        let mut keypoints = [[0.0; 2]; 4];
        for (k, kp) in keypoints.iter_mut().enumerate() {
            *kp = [r[4 + 2 * k] / scale + ax, r[5 + 2 * k] / scale + ay];
        }
        out.push(Detection { score, bbox: [cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0], keypoints });
    }
    out
}

pub fn iou(a: &[f32; 4], b: &[f32; 4]) -> f32 {
    let ix = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let iy = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = ix * iy;
    let union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
    if union > 0.0 {
        inter / union
    } else {
        0.0
    }
}

/// MediaPipe's weighted NMS: the best remaining candidate absorbs every candidate (itself included)
/// with IoU above the threshold; the merged box and keypoints are their score-weighted mean, the
/// score stays the best one's. Output sorted by score, descending.
pub fn weighted_nms(mut candidates: Vec<Detection>, iou_threshold: f32) -> Vec<Detection> {
    // stable sort: ties keep anchor order, as in the reference
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut merged = Vec::new();
    while let Some(top) = candidates.first().copied() {
        let (group, rest): (Vec<Detection>, Vec<Detection>) =
            candidates.into_iter().partition(|d| iou(&top.bbox, &d.bbox) > iou_threshold);
        let weight_sum: f32 = group.iter().map(|d| d.score).sum();
        let mut out = Detection { score: top.score, bbox: [0.0; 4], keypoints: [[0.0; 2]; 4] };
        if group.is_empty() || weight_sum <= 0.0 {
            // a degenerate top box (zero area) overlaps nothing, not even itself
            out = top;
            candidates = rest.into_iter().filter(|d| d != &top).collect();
            merged.push(out);
            continue;
        }
        for d in &group {
            let w = d.score / weight_sum;
            for j in 0..4 {
                out.bbox[j] += w * d.bbox[j];
                out.keypoints[j][0] += w * d.keypoints[j][0];
                out.keypoints[j][1] += w * d.keypoints[j][1];
            }
        }
        merged.push(out);
        candidates = rest;
    }
    merged
}

/// Letterbox padding per side, in units of the square: `((1 − W/s)/2, (1 − H/s)/2)`, s = max(W, H).
pub fn letterbox_padding(width_px: u32, height_px: u32) -> [f32; 2] {
    let side = width_px.max(height_px) as f32;
    [(1.0 - width_px as f32 / side) / 2.0, (1.0 - height_px as f32 / side) / 2.0]
}

/// Maps a detection from the letterboxed square to normalised image coordinates.
pub fn remove_letterbox(d: &Detection, padding: [f32; 2]) -> Detection {
    let [px, py] = padding;
    let (sx, sy) = (1.0 - 2.0 * px, 1.0 - 2.0 * py);
    let fx = |x: f32| (x - px) / sx;
    let fy = |y: f32| (y - py) / sy;
    Detection {
        score: d.score,
        bbox: [fx(d.bbox[0]), fy(d.bbox[1]), fx(d.bbox[2]), fy(d.bbox[3])],
        keypoints: d.keypoints.map(|[x, y]| [fx(x), fy(y)]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pose::anchors::ssd_anchor_centres;

    #[test]
    fn decoding_adds_anchor_centre_and_scales_by_224() {
        let anchors = ssd_anchor_centres();
        let mut regressors = vec![0.0f32; anchors.len() * 12];
        let mut logits = vec![-10.0f32; anchors.len()];
        let i = 587;
        logits[i] = 2.0;
        regressors[i * 12..(i + 1) * 12]
            .copy_from_slice(&[22.4, -11.2, 44.8, 22.4, 0.0, 0.0, 224.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
        let d = decode_candidates(&regressors, &logits, &anchors, 0.5);
        assert_eq!(d.len(), 1);
        let [ax, ay] = anchors[i];
        assert!((d[0].score - sigmoid(2.0)).abs() < 1e-6);
        let (cx, cy) = (ax + 0.1, ay - 0.05);
        let expect = [cx - 0.1, cy - 0.05, cx + 0.1, cy + 0.05];
        for (got, want) in d[0].bbox.iter().zip(expect) {
            assert!((got - want).abs() < 1e-6);
        }
        assert!((d[0].keypoints[1][0] - (ax + 1.0)).abs() < 1e-6);
        assert_eq!(d[0].keypoints[0], [ax, ay]);
    }

    #[test]
    fn huge_logits_do_not_produce_nan() {
        let anchors = [[0.5, 0.5]];
        let d = decode_candidates(&[0.0; 12], &[f32::INFINITY], &anchors, 0.5);
        assert_eq!(d.len(), 1);
        assert!((d[0].score - 1.0).abs() < 1e-6);
        assert!(decode_candidates(&[0.0; 12], &[f32::NAN], &anchors, 0.5).is_empty());
    }

    fn det(score: f32, x: f32) -> Detection {
        Detection { score, bbox: [x, 0.0, x + 1.0, 1.0], keypoints: [[x, 0.0]; 4] }
    }

    #[test]
    fn weighted_nms_merges_overlaps_by_score_and_keeps_separate_people() {
        let out = weighted_nms(vec![det(0.6, 0.2), det(0.9, 0.0), det(0.8, 5.0)], 0.3);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].score, 0.9);
        // score-weighted mean of x = 0 (0.9) and x = 0.2 (0.6)
        let expect_x = (0.9 * 0.0 + 0.6 * 0.2) / 1.5;
        assert!((out[0].bbox[0] - expect_x).abs() < 1e-6);
        assert!((out[0].keypoints[2][0] - expect_x).abs() < 1e-6);
        assert_eq!(out[1], det(0.8, 5.0));
        assert!(weighted_nms(vec![], 0.3).is_empty());
    }

    #[test]
    fn iou_of_disjoint_identical_and_degenerate_boxes() {
        let a = [0.0, 0.0, 1.0, 1.0];
        assert_eq!(iou(&a, &a), 1.0);
        assert_eq!(iou(&a, &[2.0, 2.0, 3.0, 3.0]), 0.0);
        assert!((iou(&a, &[0.5, 0.0, 1.5, 1.0]) - 1.0 / 3.0).abs() < 1e-6);
        assert_eq!(iou(&[0.0; 4], &[0.0; 4]), 0.0);
        // a zero-area top candidate still terminates
        assert_eq!(
            weighted_nms(vec![Detection { score: 0.9, bbox: [0.0; 4], keypoints: [[0.0; 2]; 4] }], 0.3).len(),
            1
        );
    }

    #[test]
    fn letterbox_removal_inverts_the_padding() {
        let pad = letterbox_padding(1280, 720);
        assert_eq!(pad[0], 0.0);
        assert!((pad[1] - 0.21875).abs() < 1e-6);
        // a point at the top edge of the active picture maps to y = 0
        let d = Detection { score: 1.0, bbox: [0.0, 0.21875, 1.0, 0.78125], keypoints: [[0.5, 0.5]; 4] };
        let r = remove_letterbox(&d, pad);
        assert!(r.bbox[1].abs() < 1e-6 && (r.bbox[3] - 1.0).abs() < 1e-6);
        assert!((r.keypoints[0][1] - 0.5).abs() < 1e-6);
    }
}
