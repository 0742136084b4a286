//! Choosing the lifter among detected people and keeping to that person: the lifter is large,
//! central and stays where the bar is; someone walking past is neither where the lifter was nor
//! the same size. Pure maths on detection keypoints.

/// A detected person in image pixels: the hip centre and the body radius (hip centre to the
/// full-body alignment point, about half the body's height).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PersonCandidate {
    pub hip_px: [f32; 2],
    pub body_radius_px: f32,
    pub score: f32,
}

/// Where the lifter was last seen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LifterMemory {
    pub hip_px: [f32; 2],
    pub body_radius_px: f32,
    pub frames_since_seen: u32,
}

/// After this many frames without the lifter we stop insisting on the old position (a new set,
/// a moved camera) and choose afresh.
pub const FORGET_AFTER_FRAMES: u32 = 150;
/// A re-found lifter may have moved this many body radii while lost, plus a little per frame.
const MAX_REACQUIRE_DISTANCE_RADII: f32 = 1.0;
const REACQUIRE_GROWTH_RADII_PER_FRAME: f32 = 0.02;
/// Between consecutive tracked frames the hip centre moves far less than this.
pub const MAX_TRACKED_STEP_RADII: f32 = 0.6;
/// A person of a very different apparent size is someone else (nearer or further away).
const SIZE_RATIO_RANGE: (f32, f32) = (0.6, 1.6);

fn distance(a: [f32; 2], b: [f32; 2]) -> f32 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

/// Picks the lifter among the candidates. With a recent memory only a person near the lifter's
/// last position and of similar size qualifies (else `None`: better no pose than someone else's).
/// Without one, the best is large, central and confidently detected.
pub fn choose_lifter(
    candidates: &[PersonCandidate],
    image_size_px: [u32; 2],
    memory: Option<&LifterMemory>,
) -> Option<usize> {
    if let Some(mem) = memory.filter(|m| m.frames_since_seen <= FORGET_AFTER_FRAMES && m.body_radius_px > 0.0) {
        let reach = mem.body_radius_px
            * (MAX_REACQUIRE_DISTANCE_RADII + REACQUIRE_GROWTH_RADII_PER_FRAME * mem.frames_since_seen as f32);
        return candidates
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                let ratio = c.body_radius_px / mem.body_radius_px;
                ratio >= SIZE_RATIO_RANGE.0 && ratio <= SIZE_RATIO_RANGE.1 && distance(c.hip_px, mem.hip_px) <= reach
            })
            .min_by(|(_, a), (_, b)| distance(a.hip_px, mem.hip_px).total_cmp(&distance(b.hip_px, mem.hip_px)))
            .map(|(i, _)| i);
    }
    let [w, h] = [image_size_px[0] as f32, image_size_px[1] as f32];
    let centre = [w / 2.0, h / 2.0];
    let half_diagonal = 0.5 * w.hypot(h);
    let merit = |c: &PersonCandidate| {
        let size = c.body_radius_px / w.max(h);
        let centrality = 1.0 - 0.5 * (distance(c.hip_px, centre) / half_diagonal).min(1.0);
        c.score * size * centrality
    };
    candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| c.body_radius_px.is_finite() && c.hip_px.iter().all(|v| v.is_finite()))
        .max_by(|(_, a), (_, b)| merit(a).total_cmp(&merit(b)))
        .map(|(i, _)| i)
}

/// Whether a tracked frame's hip centre is a believable step from where the lifter was.
pub fn is_plausible_step(memory: &LifterMemory, hip_px: [f32; 2], body_radius_px: f32) -> bool {
    let ratio = body_radius_px / memory.body_radius_px;
    distance(hip_px, memory.hip_px) <= MAX_TRACKED_STEP_RADII * memory.body_radius_px
        && ratio >= SIZE_RATIO_RANGE.0
        && ratio <= SIZE_RATIO_RANGE.1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(x: f32, y: f32, r: f32, score: f32) -> PersonCandidate {
        PersonCandidate { hip_px: [x, y], body_radius_px: r, score }
    }

    #[test]
    fn fresh_choice_prefers_the_large_central_person() {
        let lifter = person(960.0, 600.0, 300.0, 0.8);
        let small_background = person(300.0, 500.0, 90.0, 0.95);
        assert_eq!(choose_lifter(&[small_background, lifter], [1920, 1080], None), Some(1));
        assert_eq!(choose_lifter(&[], [1920, 1080], None), None);
    }

    #[test]
    fn with_memory_a_passer_by_is_never_chosen() {
        let mem = LifterMemory { hip_px: [960.0, 600.0], body_radius_px: 300.0, frames_since_seen: 1 };
        // a bigger, more confident person walking past close to the camera, far from the lifter
        let passer = person(400.0, 560.0, 420.0, 0.99);
        assert_eq!(choose_lifter(&[passer], [1920, 1080], Some(&mem)), None);
        let lifter = person(990.0, 610.0, 290.0, 0.6);
        assert_eq!(choose_lifter(&[passer, lifter], [1920, 1080], Some(&mem)), Some(1));
        // long gone: choose afresh
        let stale = LifterMemory { frames_since_seen: FORGET_AFTER_FRAMES + 1, ..mem };
        assert_eq!(choose_lifter(&[passer], [1920, 1080], Some(&stale)), Some(0));
    }

    #[test]
    fn tracked_steps_that_jump_are_implausible() {
        let mem = LifterMemory { hip_px: [100.0, 100.0], body_radius_px: 100.0, frames_since_seen: 0 };
        assert!(is_plausible_step(&mem, [120.0, 110.0], 105.0));
        assert!(!is_plausible_step(&mem, [200.0, 100.0], 100.0));
        assert!(!is_plausible_step(&mem, [100.0, 100.0], 200.0));
    }
}
