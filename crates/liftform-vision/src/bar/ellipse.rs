//! The plate's outline. A plate seen from the side is a circle; seen from an oblique camera it is
//! an ellipse whose vertical semi-axis is the plate's radius (the plate stands upright, the camera
//! is level) and whose horizontal semi-axis is shorter by `aspect = cos(yaw)`. The edge fitting
//! works in the patch's own pixels (`_patch` space); callers convert to image pixels.

/// An axis-aligned ellipse: centre, vertical semi-axis `r` (the plate's radius) and
/// `aspect` = horizontal / vertical semi-axis (1 = a circle, a side view).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ellipse {
    pub cx: f32,
    pub cy: f32,
    pub r: f32,
    pub aspect: f32,
}

impl Ellipse {
    pub fn scaled(&self, s: f32) -> Ellipse {
        Ellipse { cx: self.cx * s, cy: self.cy * s, r: self.r * s, aspect: self.aspect }
    }
    pub fn translated(&self, dx: f32, dy: f32) -> Ellipse {
        Ellipse { cx: self.cx + dx, cy: self.cy + dy, ..*self }
    }
}

/// A synthetic grey patch with a filled ellipse (value `inside` on `outside`), anti-aliased: the
/// fitting tests' stand-in for a plate.
#[cfg(test)]
pub(crate) fn disc_patch(w: usize, h: usize, e: Ellipse, inside: u8, outside: u8) -> Vec<u8> {
    let mut px = vec![0u8; w * h];
    for y in 0..h {
        for x in 0..w {
            // 4×4 supersampling
            let mut cover = 0.0;
            for sy in 0..4 {
                for sx in 0..4 {
                    let fx = x as f32 + (sx as f32 + 0.5) / 4.0 - 0.5;
                    let fy = y as f32 + (sy as f32 + 0.5) / 4.0 - 0.5;
                    let u = (fx - e.cx) / (e.r * e.aspect);
                    let v = (fy - e.cy) / e.r;
                    if u * u + v * v <= 1.0 {
                        cover += 1.0 / 16.0;
                    }
                }
            }
            px[y * w + x] = (outside as f32 + (inside as f32 - outside as f32) * cover).round() as u8;
        }
    }
    px
}
