//! Drawing primitives shared by every kind of sample picture: a seeded
//! generator (so that two runs give the same bytes), RGB colour helpers, a
//! canvas with the few shapes the samples need, and the PNG/JPEG writers.

use std::fs;
use std::io;
use std::path::Path;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, ImageEncoder};

pub(super) fn create_parent(path: &Path) -> io::Result<()> {
    match path.parent() {
        Some(parent) => fs::create_dir_all(parent),
        None => Ok(()),
    }
}

pub(super) fn write_png(path: &Path, canvas: &Canvas) -> io::Result<()> {
    let mut bytes = Vec::new();
    PngEncoder::new(&mut bytes)
        .write_image(
            &canvas.pixels,
            canvas.width,
            canvas.height,
            ExtendedColorType::Rgb8,
        )
        .map_err(io::Error::other)?;
    fs::write(path, bytes)
}

pub(super) fn write_jpeg(path: &Path, canvas: &Canvas) -> io::Result<()> {
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, 85)
        .write_image(
            &canvas.pixels,
            canvas.width,
            canvas.height,
            ExtendedColorType::Rgb8,
        )
        .map_err(io::Error::other)?;
    fs::write(path, bytes)
}

/// FNV-1a of the item's path: a stable seed per item.
pub(super) fn seed_of(key: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash | 1
}

/// xorshift64*: small, fast and the same everywhere.
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn new(seed: u64) -> Rng {
        let mut rng = Rng(seed | 1);
        for _ in 0..4 {
            rng.next();
        }
        rng
    }

    pub(super) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `[0, 1)`.
    pub(super) fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform in `[low, high)`.
    pub(super) fn range(&mut self, low: f32, high: f32) -> f32 {
        low + (high - low) * self.unit()
    }

    /// Uniform integer in `[low, high)`.
    pub(super) fn int(&mut self, low: i32, high: i32) -> i32 {
        if high <= low {
            return low;
        }
        low + (self.next() % (high - low) as u64) as i32
    }

    pub(super) fn chance(&mut self, probability: f32) -> bool {
        self.unit() < probability
    }
}

pub(super) type Rgb = [u8; 3];

/// Paints a run of RGB pixels one colour.
pub(super) fn fill_span(span: &mut [u8], colour: Rgb) {
    if colour[0] == colour[1] && colour[1] == colour[2] {
        span.fill(colour[0]);
        return;
    }
    let pattern = colour.repeat(64);
    for chunk in span.chunks_mut(pattern.len()) {
        chunk.copy_from_slice(&pattern[..chunk.len()]);
    }
}

pub(super) fn mix(a: Rgb, b: Rgb, t: f32) -> Rgb {
    let t = t.clamp(0.0, 1.0);
    [
        (a[0] as f32 + (b[0] as f32 - a[0] as f32) * t) as u8,
        (a[1] as f32 + (b[1] as f32 - a[1] as f32) * t) as u8,
        (a[2] as f32 + (b[2] as f32 - a[2] as f32) * t) as u8,
    ]
}

pub(super) fn scale(c: Rgb, factor: f32) -> Rgb {
    [
        (c[0] as f32 * factor).clamp(0.0, 255.0) as u8,
        (c[1] as f32 * factor).clamp(0.0, 255.0) as u8,
        (c[2] as f32 * factor).clamp(0.0, 255.0) as u8,
    ]
}

/// An RGB picture with the few drawing primitives the samples need.
pub(super) struct Canvas {
    pub(super) width: u32,
    pub(super) height: u32,
    pub(super) pixels: Vec<u8>,
}

impl Canvas {
    pub(super) fn new(width: u32, height: u32, colour: Rgb) -> Canvas {
        let pixels = colour.repeat(width as usize * height as usize);
        Canvas {
            width,
            height,
            pixels,
        }
    }

    /// Fills every pixel from a function of its position.
    pub(super) fn shade(&mut self, mut f: impl FnMut(i32, i32) -> Rgb) {
        let width = self.width as usize;
        for (index, pixel) in self.pixels.chunks_exact_mut(3).enumerate() {
            let colour = f((index % width) as i32, (index / width) as i32);
            pixel.copy_from_slice(&colour);
        }
    }

    /// Fills every row with one colour from a function of the row.
    pub(super) fn shade_rows(&mut self, mut f: impl FnMut(i32) -> Rgb) {
        let stride = self.width as usize * 3;
        for (y, row) in self.pixels.chunks_exact_mut(stride).enumerate() {
            fill_span(row, f(y as i32));
        }
    }

    pub(super) fn w(&self) -> i32 {
        self.width as i32
    }

    pub(super) fn h(&self) -> i32 {
        self.height as i32
    }

    pub(super) fn get(&self, x: i32, y: i32) -> Rgb {
        let index = (y as usize * self.width as usize + x as usize) * 3;
        [
            self.pixels[index],
            self.pixels[index + 1],
            self.pixels[index + 2],
        ]
    }

    pub(super) fn blend(&mut self, x: i32, y: i32, colour: Rgb, alpha: f32) {
        if x < 0 || y < 0 || x >= self.w() || y >= self.h() {
            return;
        }
        let index = (y as usize * self.width as usize + x as usize) * 3;
        let old = [
            self.pixels[index],
            self.pixels[index + 1],
            self.pixels[index + 2],
        ];
        let new = if alpha >= 1.0 {
            colour
        } else {
            mix(old, colour, alpha)
        };
        self.pixels[index..index + 3].copy_from_slice(&new);
    }

    pub(super) fn rect(&mut self, x0: i32, y0: i32, x1: i32, y1: i32, colour: Rgb, alpha: f32) {
        let (x0, x1) = (x0.max(0), x1.min(self.w()));
        if x0 >= x1 {
            return;
        }
        if alpha >= 1.0 {
            let stride = self.width as usize * 3;
            for y in y0.max(0)..y1.min(self.h()) {
                let start = y as usize * stride;
                fill_span(
                    &mut self.pixels[start + x0 as usize * 3..start + x1 as usize * 3],
                    colour,
                );
            }
            return;
        }
        for y in y0.max(0)..y1.min(self.h()) {
            for x in x0.max(0)..x1.min(self.w()) {
                self.blend(x, y, colour, alpha);
            }
        }
    }

    pub(super) fn ellipse(&mut self, cx: f32, cy: f32, rx: f32, ry: f32, colour: Rgb, alpha: f32) {
        let (rx, ry) = (rx.max(0.5), ry.max(0.5));
        for y in (cy - ry) as i32..=(cy + ry) as i32 {
            let dy = (y as f32 - cy) / ry;
            if dy.abs() > 1.0 {
                continue;
            }
            let half = rx * (1.0 - dy * dy).sqrt();
            self.rect(
                (cx - half) as i32,
                y,
                (cx + half) as i32 + 1,
                y + 1,
                colour,
                alpha,
            );
        }
    }

    /// A soft round glow: alpha falls off from the centre.
    pub(super) fn glow(&mut self, cx: f32, cy: f32, radius: f32, colour: Rgb, strength: f32) {
        for y in (cy - radius) as i32..=(cy + radius) as i32 {
            for x in (cx - radius) as i32..=(cx + radius) as i32 {
                let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt() / radius;
                if d < 1.0 {
                    self.blend(x, y, colour, strength * (1.0 - d) * (1.0 - d));
                }
            }
        }
    }

    pub(super) fn line(
        &mut self,
        from: (f32, f32),
        to: (f32, f32),
        width: f32,
        colour: Rgb,
        alpha: f32,
    ) {
        let (dx, dy) = (to.0 - from.0, to.1 - from.1);
        let half = (width / 2.0).max(0.5);
        let steps = dx.abs().max(dy.abs()).max(1.0) as i32;
        // One cross-section per step: a vertical span for flat lines, a horizontal one for steep lines.
        let flat = dx.abs() >= dy.abs();
        for step in 0..=steps {
            let t = step as f32 / steps as f32;
            let x = from.0 + dx * t;
            let y = from.1 + dy * t;
            if flat {
                self.rect(
                    x as i32,
                    (y - half) as i32,
                    x as i32 + 1,
                    (y + half) as i32 + 1,
                    colour,
                    alpha,
                );
            } else {
                self.rect(
                    (x - half) as i32,
                    y as i32,
                    (x + half) as i32 + 1,
                    y as i32 + 1,
                    colour,
                    alpha,
                );
            }
        }
    }

    /// A filled triangle (half-plane test over its bounding box).
    pub(super) fn triangle(&mut self, points: [(f32, f32); 3], colour: Rgb, alpha: f32) {
        let [a, b, c] = points;
        let edge = |p: (f32, f32), q: (f32, f32), x: f32, y: f32| {
            (q.0 - p.0) * (y - p.1) - (q.1 - p.1) * (x - p.0)
        };
        let min_x = a.0.min(b.0).min(c.0) as i32;
        let max_x = a.0.max(b.0).max(c.0) as i32;
        let min_y = a.1.min(b.1).min(c.1) as i32;
        let max_y = a.1.max(b.1).max(c.1) as i32;
        for y in min_y.max(0)..=max_y.min(self.h() - 1) {
            for x in min_x.max(0)..=max_x.min(self.w() - 1) {
                let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
                let e0 = edge(a, b, px, py);
                let e1 = edge(b, c, px, py);
                let e2 = edge(c, a, px, py);
                if (e0 >= 0.0 && e1 >= 0.0 && e2 >= 0.0) || (e0 <= 0.0 && e1 <= 0.0 && e2 <= 0.0) {
                    self.blend(x, y, colour, alpha);
                }
            }
        }
    }

    /// A made-up Han character: three to six strokes in a square cell.
    pub(super) fn glyph(&mut self, x: f32, y: f32, size: f32, colour: Rgb, rng: &mut Rng) {
        let weight = (size * 0.09).max(1.5);
        let strokes = rng.int(3, 7);
        for _ in 0..strokes {
            let kind = rng.int(0, 10);
            let a = rng.range(0.08, 0.5);
            let b = rng.range(0.5, 0.92);
            let at = rng.range(0.1, 0.9);
            let (from, to) = match kind {
                0..=3 => ((a, at), (b, at + rng.range(-0.03, 0.01))),
                4..=6 => ((at, a), (at, b)),
                7 => ((at, a), (at - rng.range(0.15, 0.35), b)),
                8 => ((at, a), (at + rng.range(0.15, 0.35), b)),
                _ => ((at, at), (at + 0.06, at + 0.08)),
            };
            self.line(
                (x + from.0 * size, y + from.1 * size),
                (x + to.0 * size, y + to.1 * size),
                weight,
                colour,
                1.0,
            );
        }
    }

    /// A little person: head, body and legs, standing with feet at `(x, y)`.
    pub(super) fn figure(&mut self, x: f32, y: f32, height: f32, clothes: Rgb, skin: Rgb) {
        let head = height * 0.13;
        let shoulders = height * 0.16;
        let body_top = y - height + head * 2.0;
        let hips = y - height * 0.42;
        self.triangle(
            [
                (x - shoulders, body_top),
                (x + shoulders, body_top),
                (x + shoulders * 1.2, hips),
            ],
            clothes,
            1.0,
        );
        self.triangle(
            [
                (x - shoulders, body_top),
                (x + shoulders * 1.2, hips),
                (x - shoulders * 1.2, hips),
            ],
            clothes,
            1.0,
        );
        let legs = scale(clothes, 0.55);
        self.rect(
            (x - shoulders * 0.8) as i32,
            hips as i32,
            (x - shoulders * 0.1) as i32,
            y as i32,
            legs,
            1.0,
        );
        self.rect(
            (x + shoulders * 0.1) as i32,
            hips as i32,
            (x + shoulders * 0.8) as i32,
            y as i32,
            legs,
            1.0,
        );
        self.ellipse(x, body_top - head * 0.9, head * 0.8, head, skin, 1.0);
        self.ellipse(
            x,
            body_top - head * 1.6,
            head * 0.8,
            head * 0.4,
            [30, 26, 24],
            1.0,
        );
    }
}
