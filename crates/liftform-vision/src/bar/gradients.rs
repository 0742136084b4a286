//! The colour edges of a patch, which plate outlines are fitted to ([`super::support`],
//! [`super::hough`]). Everything works in the patch's own pixels.

/// Sobel gradients of a patch, per pixel the colour channel with the strongest gradient
/// (so a red plate in front of a green wall of the same brightness still has an edge).
#[derive(Debug, Clone)]
pub struct Gradients {
    pub width: usize,
    pub height: usize,
    pub gx: Vec<f32>,
    pub gy: Vec<f32>,
    /// A contrast scale for the patch: the 90th percentile of gradient magnitudes, within 4..16
    /// grey levels per px (a busy background must not make a plate's moderate rim look weak).
    pub contrast: f32,
}

impl Gradients {
    /// From interleaved 8-bit pixels with `channels` channels (1 or 3), row-major, no padding.
    pub fn from_pixels(width: usize, height: usize, channels: usize, pixels: &[u8]) -> Gradients {
        let n = width * height;
        let mut gx = vec![0.0f32; n];
        let mut gy = vec![0.0f32; n];
        if width >= 3 && height >= 3 && pixels.len() >= n * channels {
            let at = |x: usize, y: usize, c: usize| pixels[(y * width + x) * channels + c] as f32;
            for y in 1..height - 1 {
                for x in 1..width - 1 {
                    let mut best = (0.0f32, 0.0f32, -1.0f32);
                    for c in 0..channels {
                        let sx = (at(x + 1, y - 1, c) + 2.0 * at(x + 1, y, c) + at(x + 1, y + 1, c))
                            - (at(x - 1, y - 1, c) + 2.0 * at(x - 1, y, c) + at(x - 1, y + 1, c));
                        let sy = (at(x - 1, y + 1, c) + 2.0 * at(x, y + 1, c) + at(x + 1, y + 1, c))
                            - (at(x - 1, y - 1, c) + 2.0 * at(x, y - 1, c) + at(x + 1, y - 1, c));
                        let m = sx * sx + sy * sy;
                        if m > best.2 {
                            best = (sx, sy, m);
                        }
                    }
                    gx[y * width + x] = best.0 / 8.0;
                    gy[y * width + x] = best.1 / 8.0;
                }
            }
        }
        let contrast = percentile_magnitude(&gx, &gy, 0.9).clamp(4.0, MAX_CONTRAST);
        Gradients { width, height, gx, gy, contrast }
    }

    /// Bilinear gradient at a sub-pixel position; `None` outside the patch's valid interior.
    #[inline]
    pub fn sample(&self, x: f32, y: f32) -> Option<(f32, f32)> {
        if !(x >= 1.0 && y >= 1.0 && x < (self.width as f32 - 2.0) && y < (self.height as f32 - 2.0)) {
            return None;
        }
        let (x0, y0) = (x as usize, y as usize);
        let (fx, fy) = (x - x0 as f32, y - y0 as f32);
        let i = y0 * self.width + x0;
        let w = self.width;
        let lerp = |v: &[f32]| {
            let top = v[i] + (v[i + 1] - v[i]) * fx;
            let bottom = v[i + w] + (v[i + w + 1] - v[i + w]) * fx;
            top + (bottom - top) * fy
        };
        Some((lerp(&self.gx), lerp(&self.gy)))
    }
}

/// An edge of this many grey levels per px (Sobel / 8) counts as fully clear.
const MAX_CONTRAST: f32 = 16.0;

fn percentile_magnitude(gx: &[f32], gy: &[f32], q: f64) -> f32 {
    // A coarse histogram keeps this linear in the patch size.
    const BINS: usize = 256;
    const MAX: f32 = 128.0;
    let mut hist = [0u32; BINS];
    let mut count = 0u32;
    for (a, b) in gx.iter().zip(gy) {
        let m = (a * a + b * b).sqrt();
        if m > 0.0 {
            let bin = ((m / MAX) * BINS as f32).min(BINS as f32 - 1.0) as usize;
            hist[bin] += 1;
            count += 1;
        }
    }
    if count == 0 {
        return 0.0;
    }
    let target = (count as f64 * q) as u32;
    let mut seen = 0;
    for (bin, &h) in hist.iter().enumerate() {
        seen += h;
        if seen >= target {
            return (bin as f32 + 0.5) * MAX / BINS as f32;
        }
    }
    MAX
}
