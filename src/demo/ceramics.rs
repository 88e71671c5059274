//! Yaozhou kiln (耀州窑) ceramics photographed on a studio backdrop: a
//! vessel's silhouette from its shape, its glaze's colours, carved decoration,
//! and a view of the foot from below.

use serde::Deserialize;

use super::canvas::{Canvas, Rgb, Rng, mix, scale};

/// The vessel's form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Shape {
    Meiping,
    Yuhuchun,
    Bowl,
    Plate,
    Ewer,
    Jar,
    Cup,
    Sherd,
    Saggar,
}

/// The vessel's glaze.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Glaze {
    Celadon,
    MoonWhite,
    Ginger,
    Black,
    Sancai,
    Unglazed,
}

/// Half-width of a vessel at `t` (0 = mouth, 1 = foot), relative to its widest point.
fn profile(shape: Shape, t: f32) -> f32 {
    let smooth = |x: f32| {
        let x = x.clamp(0.0, 1.0);
        x * x * (3.0 - 2.0 * x)
    };
    match shape {
        Shape::Meiping => {
            if t < 0.06 {
                0.2
            } else if t < 0.24 {
                0.2 + 0.8 * smooth((t - 0.06) / 0.18).sqrt()
            } else {
                1.0 - 0.48 * ((t - 0.24) / 0.76).powf(1.4)
            }
        }
        Shape::Yuhuchun => {
            if t < 0.05 {
                0.34 - t * 2.0
            } else if t < 0.35 {
                0.2 + 0.05 * ((t - 0.05) / 0.3)
            } else if t < 0.75 {
                0.25 + 0.75 * smooth((t - 0.35) / 0.4)
            } else {
                1.0 - 0.45 * smooth((t - 0.75) / 0.25)
            }
        }
        Shape::Bowl | Shape::Cup | Shape::Sherd => 0.34 + 0.66 * (1.0 - t * t).sqrt(),
        Shape::Plate => 0.5 + 0.5 * (1.0 - t * t * t).sqrt(),
        Shape::Jar | Shape::Ewer => {
            if t < 0.1 {
                0.48
            } else {
                0.5 + 0.5 * (std::f32::consts::PI * (t - 0.1) / 0.9).sin().powf(0.7)
            }
        }
        Shape::Saggar => 1.0 - 0.06 * t,
    }
}

/// Height-to-width of the vessel's silhouette.
fn aspect(shape: Shape) -> f32 {
    match shape {
        Shape::Meiping => 1.9,
        Shape::Yuhuchun => 1.7,
        Shape::Bowl | Shape::Sherd => 0.42,
        Shape::Cup => 0.5,
        Shape::Plate => 0.18,
        Shape::Jar => 1.0,
        Shape::Ewer => 1.25,
        Shape::Saggar => 0.5,
    }
}

fn glaze_colours(glaze: Glaze) -> (Rgb, Rgb) {
    // (the glaze, the glaze where it pools thick)
    match glaze {
        Glaze::Celadon => ([128, 148, 92], [62, 92, 52]),
        Glaze::MoonWhite => ([200, 212, 206], [160, 182, 180]),
        Glaze::Ginger => ([194, 152, 74], [136, 96, 40]),
        Glaze::Black => ([40, 34, 30], [92, 54, 30]),
        Glaze::Sancai => ([214, 196, 150], [70, 120, 60]),
        Glaze::Unglazed => ([150, 132, 112], [96, 82, 70]),
    }
}

pub(super) fn draw_ceramic(
    shape: Shape,
    glaze: Glaze,
    view: u32,
    foot_view: bool,
    rng: &mut Rng,
) -> Canvas {
    let tall = aspect(shape) >= 1.0;
    let (width, height) = if tall { (1000, 1250) } else { (1300, 960) };
    let mut canvas = Canvas::new(width, height, [220, 220, 218]);
    let (w, h) = (width as f32, height as f32);
    // A neutral studio sweep: darker at the top, a soft pool of light in the middle.
    let falloff: Vec<f32> = (0..width)
        .map(|x| {
            let fx = x as f32 / w - 0.5;
            0.12 * fx * fx
        })
        .collect();
    canvas.shade(|x, y| {
        let light = 0.78 + 0.18 * y as f32 / h - falloff[x as usize];
        scale([232, 231, 228], light.min(1.05))
    });
    let (base, pooled) = glaze_colours(glaze);
    let foot_colour: Rgb = if glaze == Glaze::Sancai {
        [226, 206, 178]
    } else {
        [198, 170, 132]
    };

    if foot_view {
        // Seen from below: the glazed outer wall, the unglazed foot ring and the base.
        let (cx, cy) = (w / 2.0, h / 2.0);
        let radius = h.min(w) * 0.36;
        canvas.ellipse(cx + 14.0, cy + 18.0, radius, radius, [150, 150, 148], 0.35);
        canvas.ellipse(cx, cy, radius, radius, pooled, 1.0);
        canvas.ellipse(
            cx - radius * 0.1,
            cy - radius * 0.1,
            radius * 0.85,
            radius * 0.85,
            base,
            0.6,
        );
        canvas.ellipse(cx, cy, radius * 0.42, radius * 0.42, foot_colour, 1.0);
        canvas.ellipse(
            cx,
            cy,
            radius * 0.34,
            radius * 0.34,
            scale(foot_colour, 0.9),
            1.0,
        );
        for _ in 0..14 {
            // Iron-red firing blush on the exposed body.
            let angle = rng.range(0.0, std::f32::consts::TAU);
            let distance = rng.range(0.0, radius * 0.4);
            canvas.ellipse(
                cx + angle.cos() * distance,
                cy + angle.sin() * distance,
                rng.range(4.0, 18.0),
                rng.range(4.0, 14.0),
                [170, 92, 52],
                0.35,
            );
        }
        return canvas;
    }

    let max_half = if tall { w * 0.3 } else { w * 0.33 };
    let object_height = (max_half * 2.0 * aspect(shape)).min(h * 0.78);
    let top = (h - object_height) / 2.0 - h * 0.03;
    let bottom = top + object_height;
    let cx = w / 2.0 + rng.range(-10.0, 10.0);
    let phase = view as f32 * 1.3 + rng.range(0.0, 1.0);
    let pattern_lines = match shape {
        Shape::Plate | Shape::Cup => 3.0,
        _ => 5.0,
    };
    // The shadow on the sweep.
    canvas.ellipse(
        cx + 30.0,
        bottom,
        max_half * profile(shape, 1.0) * 1.5,
        max_half * 0.12,
        [120, 120, 118],
        0.35,
    );
    let sancai_phase = rng.range(0.0, 6.0);
    for y in top as i32..bottom as i32 {
        let t = (y as f32 - top) / object_height;
        let half = max_half * profile(shape, t);
        let jag = 0.2 + 0.25 * ((t * 19.0).sin() + (t * 7.0).cos()) * 0.5;
        let decorated = matches!(glaze, Glaze::Celadon | Glaze::MoonWhite);
        let band = (0.28..0.78).contains(&t);
        let fence = (t - 0.28).abs() < 0.004 || (t - 0.78).abs() < 0.004;
        let petals = t > 0.82 && t < 0.95;
        let decorated = decorated && (band || fence || petals);
        let highlight_row = (t - 0.35).powi(2) / 0.05;
        for x in (cx - half) as i32..=(cx + half) as i32 {
            let u = ((x as f32 - cx) / half).clamp(-1.0, 1.0);
            if shape == Shape::Sherd && u > jag {
                continue; // the broken-off part
            }
            let facing = (1.0 - u * u).sqrt();
            let light = 0.5 + 0.42 * facing - 0.12 * u;
            let mut colour = if t > 0.96 && shape != Shape::Plate {
                foot_colour
            } else if glaze == Glaze::Sancai {
                let splash = ((u * 4.0 + sancai_phase).sin() + (t * 9.0 - u * 3.0).cos()) * 0.5;
                if splash > 0.35 {
                    [70, 124, 66]
                } else if splash < -0.3 {
                    [198, 146, 60]
                } else {
                    base
                }
            } else {
                // Glaze runs down and pools thicker above the foot.
                mix(base, pooled, (t - 0.55).max(0.0) * 0.9)
            };
            // Carved decoration: scrolls in a band, fenced by incised lines; petals below.
            let carved = decorated
                && (fence || {
                    let angle = u.asin() + phase;
                    if band {
                        let scroll = (angle * pattern_lines + t * 14.0).sin()
                            * (angle * 2.0 - t * 6.0).cos();
                        scroll.abs() < 0.1
                    } else {
                        let local = (angle * 4.0).rem_euclid(1.0);
                        petals && ((local - 0.5).abs() * 2.0 - (t - 0.82) / 0.13).abs() < 0.06
                    }
                });
            if carved {
                colour = mix(colour, pooled, 0.75);
            }
            let mut shaded = scale(colour, light + 0.25);
            // The studio light's reflection.
            let exponent = (u + 0.45).powi(2) / 0.006 + highlight_row;
            if glaze != Glaze::Unglazed && exponent < 6.0 {
                let highlight = (-exponent).exp();
                shaded = mix(shaded, [250, 250, 246], highlight * 0.8);
            }
            canvas.blend(x, y, shaded, 1.0);
        }
    }
    // The open mouth of a bowl, cup, plate or saggar: its inside seen from slightly above.
    if matches!(
        shape,
        Shape::Bowl | Shape::Cup | Shape::Plate | Shape::Sherd | Shape::Saggar
    ) {
        let rim = max_half * profile(shape, 0.0);
        let depth = rim * 0.16;
        let inside = if glaze == Glaze::Unglazed {
            scale(base, 0.7)
        } else {
            scale(mix(base, pooled, 0.3), 0.92)
        };
        let limit = if shape == Shape::Sherd {
            cx + rim * 0.2
        } else {
            f32::MAX
        };
        for y in (top - depth) as i32..=(top + depth) as i32 {
            let dy = (y as f32 - top) / depth;
            if dy.abs() > 1.0 {
                continue;
            }
            let half = rim * (1.0 - dy * dy).sqrt();
            for x in (cx - half) as i32..=((cx + half).min(limit)) as i32 {
                let u = (x as f32 - cx) / rim;
                canvas.blend(x, y, scale(inside, 0.9 + 0.2 * u), 1.0);
            }
        }
    }
    if shape == Shape::Ewer {
        // A spout on the shoulder and a strap handle.
        let shoulder = top + object_height * 0.3;
        let spout_colour = scale(base, 0.85);
        canvas.line(
            (cx + max_half * 0.8, shoulder),
            (cx + max_half * 1.35, shoulder - object_height * 0.28),
            max_half * 0.14,
            spout_colour,
            1.0,
        );
        for step in 0..60 {
            let a = step as f32 / 59.0 * std::f32::consts::PI;
            let x = cx - max_half * 0.9 - a.sin() * max_half * 0.35;
            let y = top + object_height * (0.08 + 0.3 * (1.0 - a.cos()) / 2.0);
            canvas.ellipse(x, y, max_half * 0.06, max_half * 0.06, spout_colour, 1.0);
        }
    }
    canvas
}
