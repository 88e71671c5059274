//! Culture-hall posters: a palette, colour blocks, a headline and lines of
//! text in glyph strokes.

use super::canvas::{Canvas, Rgb, Rng, scale};

const PALETTES: &[[Rgb; 4]] = &[
    // background, block, accent, text
    [
        [196, 30, 36],
        [244, 190, 40],
        [120, 16, 20],
        [255, 244, 220],
    ],
    [
        [60, 104, 84],
        [200, 216, 180],
        [28, 52, 44],
        [250, 248, 236],
    ],
    [
        [248, 236, 210],
        [234, 120, 60],
        [60, 110, 170],
        [40, 40, 48],
    ],
    [[36, 30, 40], [190, 40, 44], [236, 180, 60], [250, 240, 230]],
    [
        [70, 150, 200],
        [250, 210, 70],
        [240, 110, 120],
        [255, 255, 255],
    ],
    [[230, 220, 196], [180, 36, 40], [40, 90, 120], [30, 30, 30]],
    [
        [20, 40, 90],
        [40, 190, 220],
        [250, 140, 30],
        [240, 248, 255],
    ],
    [
        [240, 244, 248],
        [30, 120, 200],
        [120, 200, 90],
        [20, 40, 70],
    ],
];

pub(super) fn draw_poster(palette: u32, rng: &mut Rng) -> Canvas {
    let [background, block, accent, text] = PALETTES[palette as usize % PALETTES.len()];
    let (width, height) = (900, 1260);
    let (w, h) = (width as f32, height as f32);
    let mut canvas = Canvas::new(width, height, background);
    canvas.shade_rows(|y| scale(background, 1.0 - 0.12 * y as f32 / h));
    // Big geometric shapes.
    canvas.ellipse(
        w * rng.range(0.55, 0.8),
        h * rng.range(0.2, 0.35),
        w * 0.32,
        w * 0.32,
        block,
        0.9,
    );
    canvas.triangle(
        [
            (0.0, h * 0.7),
            (w * rng.range(0.4, 0.7), h * 0.45),
            (w, h * 0.75),
        ],
        accent,
        0.85,
    );
    for stripe in 0..rng.int(2, 5) {
        let y = h * 0.08 + stripe as f32 * 26.0;
        canvas.rect(0, y as i32, (w * 0.4) as i32, (y + 12.0) as i32, block, 0.9);
    }
    for _ in 0..rng.int(4, 10) {
        let r = rng.range(8.0, 30.0);
        canvas.ellipse(rng.range(0.0, w), rng.range(0.0, h * 0.6), r, r, text, 0.5);
    }
    // The title on a colour bar, two lines of big characters.
    let bar_top = h * 0.52;
    canvas.rect(
        0,
        bar_top as i32,
        width as i32,
        (bar_top + h * 0.2) as i32,
        accent,
        0.92,
    );
    let size = w * 0.1;
    for line in 0..2 {
        let count = rng.int(4, 8);
        let start = w * 0.08;
        for index in 0..count {
            canvas.glyph(
                start + index as f32 * size * 1.12,
                bar_top + h * 0.025 + line as f32 * size * 1.25,
                size,
                text,
                rng,
            );
        }
    }
    // Date, place and organiser in small print.
    let small = w * 0.035;
    for line in 0..4 {
        let y = h * 0.78 + line as f32 * small * 1.7;
        let count = rng.int(8, 20);
        for index in 0..count {
            canvas.glyph(w * 0.08 + index as f32 * small * 1.1, y, small, text, rng);
        }
    }
    // A QR-code-like square in the corner.
    let (qx, qy, cell) = (w * 0.78, h * 0.85, 12.0);
    canvas.rect(
        qx as i32 - 8,
        qy as i32 - 8,
        (qx + cell * 12.0) as i32 + 8,
        (qy + cell * 12.0) as i32 + 8,
        [255, 255, 255],
        1.0,
    );
    for row in 0..12 {
        for column in 0..12 {
            let finder = (!(3..=8).contains(&row) && column < 3) || (row < 3 && column > 8);
            if finder || rng.chance(0.45) {
                let (x, y) = (qx + column as f32 * cell, qy + row as f32 * cell);
                canvas.rect(
                    x as i32,
                    y as i32,
                    (x + cell) as i32,
                    (y + cell) as i32,
                    [20, 20, 20],
                    1.0,
                );
            }
        }
    }
    canvas
}
