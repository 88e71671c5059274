//! Page scans of books: local chronicles (woodblock, letterpress), hand-copied
//! genealogies, stencil-duplicated booklets and illustrated old textbooks.

use serde::Deserialize;

use super::canvas::{Canvas, Rgb, Rng, mix, scale};

/// How a book's pages were made, which decides how they are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum BookStyle {
    /// Woodblock print: vertical columns with rules, a frame and a centre strip.
    Woodblock,
    /// Lead type, vertical, without column rules.
    Letterpress,
    /// A hand-copied book: uneven vertical columns and a red seal.
    Manuscript,
    /// A modern textbook: horizontal lines, a heading, pictures, page numbers.
    Textbook,
    /// A stencil-duplicated (油印) booklet: horizontal, faint violet ink.
    Mimeograph,
}

pub(super) fn draw_page(style: BookStyle, page: u32, rng: &mut Rng) -> Canvas {
    let (width, height) = match style {
        BookStyle::Textbook => (960, 1360),
        _ => (1000, 1420),
    };
    let paper: Rgb = match style {
        BookStyle::Woodblock => [222, 204, 164],
        BookStyle::Manuscript => [214, 196, 158],
        BookStyle::Letterpress => [226, 214, 186],
        BookStyle::Textbook => [230, 222, 198],
        BookStyle::Mimeograph => [232, 228, 212],
    };
    let ink: Rgb = match style {
        BookStyle::Mimeograph => [88, 66, 120],
        BookStyle::Manuscript => [34, 28, 26],
        _ => [42, 36, 32],
    };
    let mut canvas = Canvas::new(width, height, paper);
    // Yellowing: browner towards the edges, with a slow blotchy tone over the sheet.
    let (w, h) = (width as f32, height as f32);
    let tone = rng.range(0.0, std::f32::consts::TAU);
    let browned: Rgb = [176, 142, 92];
    // Both terms are products of a column part and a row part, computed once each.
    let columns: Vec<(f32, f32)> = (0..width)
        .map(|x| {
            let fx = x as f32 / w;
            (fx.min(1.0 - fx), (fx * 5.0 + tone).sin())
        })
        .collect();
    let rows: Vec<(f32, f32)> = (0..height)
        .map(|y| {
            let fy = y as f32 / h;
            (fy.min(1.0 - fy), (fy * 4.0 - tone).cos())
        })
        .collect();
    canvas.shade(|x, y| {
        let (column_edge, column_wave) = columns[x as usize];
        let (row_edge, row_wave) = rows[y as usize];
        let edge = column_edge.min(row_edge);
        let edge_brown = (1.0 - edge / 0.08).clamp(0.0, 1.0) * 0.45;
        let blotch = (column_wave * row_wave * 0.5 + 0.5) * 0.12;
        mix(paper, browned, edge_brown + blotch)
    });
    // Foxing: a few rust-brown spots.
    for _ in 0..rng.int(3, 12) {
        let (x, y) = (rng.range(0.0, w), rng.range(0.0, h));
        let radius = rng.range(3.0, 14.0);
        canvas.ellipse(
            x,
            y,
            radius,
            radius * rng.range(0.7, 1.2),
            [150, 104, 60],
            0.25,
        );
    }

    let margin_x = w * 0.1;
    let margin_y = h * 0.08;
    match style {
        BookStyle::Woodblock | BookStyle::Letterpress | BookStyle::Manuscript => {
            let ruled = style == BookStyle::Woodblock;
            let (x0, y0, x1, y1) = (margin_x, margin_y, w - margin_x, h - margin_y);
            if ruled {
                // 四周双边: a thick outer and a thin inner frame.
                for (inset, weight) in [(0.0, 6.0), (12.0, 2.0)] {
                    let (a, b, c, d) = (x0 + inset, y0 + inset, x1 - inset, y1 - inset);
                    canvas.line((a, b), (c, b), weight, ink, 1.0);
                    canvas.line((a, d), (c, d), weight, ink, 1.0);
                    canvas.line((a, b), (a, d), weight, ink, 1.0);
                    canvas.line((c, b), (c, d), weight, ink, 1.0);
                }
                // The centre strip (版心) on the right edge, with a fish-tail mark and a folio number.
                let strip = x1 - 12.0 - w * 0.07;
                canvas.line((strip, y0 + 12.0), (strip, y1 - 12.0), 2.0, ink, 1.0);
                let mid = (strip + x1 - 12.0) / 2.0;
                let fish = y0 + h * 0.22;
                canvas.triangle(
                    [(strip, fish), (x1 - 12.0, fish), (mid, fish + 40.0)],
                    ink,
                    1.0,
                );
                for digit in 0..(1 + page % 3) {
                    canvas.glyph(
                        mid - 15.0,
                        y1 - h * 0.25 + digit as f32 * 36.0,
                        30.0,
                        ink,
                        rng,
                    );
                }
            } else if style == BookStyle::Letterpress {
                canvas.line((x0, y0), (x1, y0), 3.0, ink, 1.0);
                canvas.line((x0, y1), (x1, y1), 3.0, ink, 1.0);
                canvas.glyph(w / 2.0 - 12.0, y1 + 22.0, 24.0, ink, rng);
            }
            let text_right = if ruled { x1 - 12.0 - w * 0.07 } else { x1 };
            let columns = if style == BookStyle::Manuscript {
                8
            } else {
                10
            };
            let column_width = (text_right - x0 - 16.0) / columns as f32;
            let size = column_width * if ruled { 0.66 } else { 0.72 };
            // Right to left, top to bottom, as Chinese books are read.
            for column in 0..columns {
                let cx = text_right - 8.0 - column_width * (column as f32 + 1.0);
                if ruled && column > 0 {
                    canvas.line(
                        (cx + column_width, y0 + 12.0),
                        (cx + column_width, y1 - 12.0),
                        1.5,
                        ink,
                        0.7,
                    );
                }
                let slots = ((y1 - y0 - 30.0) / (size * 1.12)) as i32;
                let filled = if rng.chance(0.15) {
                    rng.int(2, slots)
                } else {
                    slots
                };
                let indent = if page == 1 && column == 0 { 0 } else { 1 };
                for slot in indent.min(filled)..filled {
                    let jitter = if style == BookStyle::Manuscript {
                        rng.range(-4.0, 4.0)
                    } else {
                        0.0
                    };
                    let faded = scale(ink, rng.range(0.9, 1.5));
                    canvas.glyph(
                        cx + (column_width - size) / 2.0 + jitter,
                        y0 + 20.0 + slot as f32 * size * 1.12,
                        size,
                        faded,
                        rng,
                    );
                }
            }
            if style == BookStyle::Manuscript && page == 1 {
                // A red collector's seal, square, with white strokes inside.
                let (sx, sy, side) = (x0 + 30.0, y1 - 200.0, 140.0);
                canvas.rect(
                    sx as i32,
                    sy as i32,
                    (sx + side) as i32,
                    (sy + side) as i32,
                    [176, 40, 36],
                    0.85,
                );
                for quarter in 0..4 {
                    let qx = sx + 12.0 + (quarter % 2) as f32 * 62.0;
                    let qy = sy + 12.0 + (quarter / 2) as f32 * 62.0;
                    canvas.glyph(qx, qy, 54.0, [230, 200, 180], rng);
                }
            }
        }
        BookStyle::Textbook | BookStyle::Mimeograph => {
            let (x0, x1) = (margin_x, w - margin_x);
            let mut y = margin_y;
            let size = if style == BookStyle::Textbook {
                38.0
            } else {
                30.0
            };
            if page == 1 || rng.chance(0.4) {
                // A lesson heading in larger characters.
                let heading = size * 1.6;
                let count = rng.int(3, 7);
                let start = (w - count as f32 * heading * 1.1) / 2.0;
                for index in 0..count {
                    canvas.glyph(start + index as f32 * heading * 1.1, y, heading, ink, rng);
                }
                y += heading * 1.8;
            }
            let picture_at = if style == BookStyle::Textbook {
                rng.int(1, 6)
            } else {
                -1
            };
            let mut line = 0;
            while y < h - margin_y - size * 2.0 {
                if line == picture_at {
                    let picture_height = h * 0.26;
                    draw_textbook_picture(&mut canvas, x0, y, x1 - x0, picture_height, rng);
                    y += picture_height + size;
                } else {
                    let length = if rng.chance(0.2) {
                        rng.range(0.3, 0.8)
                    } else {
                        1.0
                    };
                    let mut x = x0 + if rng.chance(0.2) { size * 2.2 } else { 0.0 };
                    while x < x0 + (x1 - x0) * length - size {
                        let shade = scale(ink, rng.range(0.85, 1.4));
                        canvas.glyph(x, y, size, shade, rng);
                        x += size * 1.1;
                    }
                    y += size * 1.8;
                }
                line += 1;
            }
            // Page number, centred at the foot.
            let digits = 1 + (page >= 10) as i32;
            for digit in 0..digits {
                let x = w / 2.0 - 10.0 * digits as f32 + digit as f32 * 20.0;
                canvas.line(
                    (x + 6.0, h - margin_y * 0.6),
                    (x + 6.0 + (page % 3) as f32 * 3.0, h - margin_y * 0.6 + 24.0),
                    3.0,
                    ink,
                    1.0,
                );
            }
        }
    }
    canvas
}

/// A line drawing in a textbook: a frame, a sun, hills and a house or a tree.
fn draw_textbook_picture(canvas: &mut Canvas, x: f32, y: f32, w: f32, h: f32, rng: &mut Rng) {
    let ink: Rgb = [60, 52, 46];
    let tint: Rgb = [196, 120, 90];
    canvas.rect(
        x as i32,
        y as i32,
        (x + w) as i32,
        (y + h) as i32,
        [236, 228, 206],
        0.6,
    );
    for (a, b) in [
        ((x, y), (x + w, y)),
        ((x, y + h), (x + w, y + h)),
        ((x, y), (x, y + h)),
        ((x + w, y), (x + w, y + h)),
    ] {
        canvas.line(a, b, 3.0, ink, 1.0);
    }
    canvas.ellipse(x + w * 0.8, y + h * 0.25, h * 0.1, h * 0.1, tint, 0.8);
    let ground = y + h * 0.75;
    let mut previous = (x, ground);
    let phase = rng.range(0.0, 6.0);
    for step in 1..=40 {
        let px = x + w * step as f32 / 40.0;
        let py = ground - h * 0.25 * ((step as f32 * 0.3 + phase).sin() * 0.5 + 0.5);
        canvas.line(previous, (px, py), 2.5, ink, 1.0);
        previous = (px, py);
    }
    let house = x + w * rng.range(0.15, 0.5);
    canvas.rect(
        house as i32,
        (ground - h * 0.25) as i32,
        (house + w * 0.16) as i32,
        ground as i32,
        [200, 180, 150],
        1.0,
    );
    canvas.triangle(
        [
            (house - w * 0.02, ground - h * 0.25),
            (house + w * 0.18, ground - h * 0.25),
            (house + w * 0.08, ground - h * 0.42),
        ],
        tint,
        0.9,
    );
    canvas.figure(
        house + w * 0.3,
        ground + h * 0.18,
        h * 0.4,
        [70, 90, 140],
        [230, 190, 160],
    );
}
