//! Photographs: intangible-heritage scenes (kilns, throwing, 社火, opera,
//! paper-cutting), streets, rivers, groups, exhibits, and old sepia prints.

use serde::Deserialize;

use super::canvas::{Canvas, Rgb, Rng, mix, scale};

/// What a photograph shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Scene {
    Kiln,
    Throwing,
    Shehuo,
    Opera,
    Papercut,
    Street,
    River,
    Group,
    Excavation,
    Hall,
    Mine,
}

fn sky_and_ground(canvas: &mut Canvas, horizon: f32, sky: (Rgb, Rgb), ground: (Rgb, Rgb)) {
    let h = canvas.h() as f32;
    canvas.shade_rows(|y| {
        let y = y as f32;
        if y < horizon {
            mix(sky.0, sky.1, y / horizon)
        } else {
            mix(ground.0, ground.1, (y - horizon) / (h - horizon))
        }
    });
}

const COSTUMES: &[Rgb] = &[
    [200, 40, 40],
    [240, 190, 50],
    [60, 120, 190],
    [40, 150, 90],
    [220, 110, 160],
    [250, 240, 230],
];

pub(super) fn draw_scene(scene: Scene, rng: &mut Rng) -> Canvas {
    let (width, height) = (1280, 880);
    let (w, h) = (width as f32, height as f32);
    let mut canvas = Canvas::new(width, height, [0, 0, 0]);
    let skin: Rgb = [214, 170, 136];
    match scene {
        Scene::Kiln => {
            sky_and_ground(
                &mut canvas,
                h * 0.7,
                ([40, 30, 26], [70, 52, 40]),
                ([90, 70, 54], [60, 46, 36]),
            );
            // A 馒头窑 (mantou kiln): a brick dome with a glowing fire mouth.
            let (cx, base) = (w * 0.48, h * 0.78);
            canvas.ellipse(cx, base, w * 0.3, h * 0.5, [150, 84, 56], 1.0);
            canvas.rect(
                0,
                base as i32,
                width as i32,
                height as i32,
                [80, 62, 48],
                1.0,
            );
            for row in 0..14 {
                let y = base - row as f32 * h * 0.034;
                canvas.line(
                    (cx - w * 0.3, y),
                    (cx + w * 0.3, y),
                    2.0,
                    [110, 60, 40],
                    0.6,
                );
            }
            canvas.ellipse(cx, base - h * 0.1, w * 0.07, h * 0.12, [255, 150, 40], 1.0);
            canvas.glow(cx, base - h * 0.1, w * 0.22, [255, 170, 60], 0.7);
            canvas.figure(w * 0.78, h * 0.92, h * 0.55, [60, 64, 80], skin);
        }
        Scene::Throwing => {
            sky_and_ground(
                &mut canvas,
                h * 0.55,
                ([120, 104, 90], [150, 132, 112]),
                ([110, 90, 72], [84, 68, 54]),
            );
            // Shelves of drying pots.
            for shelf in 0..3 {
                let y = h * 0.14 + shelf as f32 * h * 0.13;
                canvas.rect(
                    0,
                    y as i32,
                    width as i32,
                    (y + 10.0) as i32,
                    [90, 70, 52],
                    1.0,
                );
                let mut x = 30.0 + rng.range(0.0, 40.0);
                while x < w - 60.0 {
                    let size = rng.range(24.0, 44.0);
                    canvas.ellipse(x, y - size * 0.9, size * 0.7, size, [186, 160, 130], 1.0);
                    x += size * 2.0;
                }
            }
            // The wheel, the clay and the potter's hands.
            let (cx, cy) = (w * 0.5, h * 0.72);
            canvas.ellipse(cx, cy, w * 0.22, h * 0.06, [70, 60, 54], 1.0);
            canvas.ellipse(cx, cy - 6.0, w * 0.2, h * 0.05, [120, 100, 84], 1.0);
            canvas.rect(
                (cx - w * 0.06) as i32,
                (cy - h * 0.26) as i32,
                (cx + w * 0.06) as i32,
                (cy - 8.0) as i32,
                [170, 130, 96],
                1.0,
            );
            canvas.ellipse(cx, cy - h * 0.26, w * 0.06, h * 0.02, [140, 104, 76], 1.0);
            canvas.ellipse(cx - w * 0.08, cy - h * 0.15, w * 0.05, h * 0.04, skin, 1.0);
            canvas.ellipse(cx + w * 0.08, cy - h * 0.13, w * 0.05, h * 0.04, skin, 1.0);
        }
        Scene::Shehuo => {
            sky_and_ground(
                &mut canvas,
                h * 0.62,
                ([150, 180, 214], [214, 222, 230]),
                ([150, 140, 128], [120, 110, 100]),
            );
            // Houses behind, then a crowd, then performers on poles (芯子) in bright costume.
            let mut x = 0.0;
            while x < w {
                let width = rng.range(120.0, 220.0);
                canvas.rect(
                    x as i32,
                    (h * 0.42) as i32,
                    (x + width - 8.0) as i32,
                    (h * 0.62) as i32,
                    [170, 160, 150],
                    1.0,
                );
                canvas.triangle(
                    [
                        (x - 10.0, h * 0.42),
                        (x + width, h * 0.42),
                        (x + width / 2.0, h * 0.34),
                    ],
                    [90, 90, 96],
                    1.0,
                );
                x += width;
            }
            for pole in 0..4 {
                let px = w * (0.18 + pole as f32 * 0.22);
                canvas.rect(
                    (px - 4.0) as i32,
                    (h * 0.3) as i32,
                    (px + 4.0) as i32,
                    (h * 0.75) as i32,
                    [120, 80, 50],
                    1.0,
                );
                let costume = COSTUMES[rng.int(0, COSTUMES.len() as i32) as usize];
                canvas.figure(px, h * 0.32, h * 0.2, costume, skin);
                canvas.rect(
                    (px + 10.0) as i32,
                    (h * 0.08) as i32,
                    (px + 60.0) as i32,
                    (h * 0.14) as i32,
                    [214, 30, 30],
                    1.0,
                );
            }
            // The crowd, drawn from the back to the front.
            let mut crowd: Vec<(f32, f32, f32, Rgb)> = (0..60)
                .map(|_| {
                    let x = rng.range(0.0, w);
                    let depth = rng.range(0.0, 1.0);
                    let costume = scale(COSTUMES[rng.int(0, COSTUMES.len() as i32) as usize], 0.7);
                    (x, h + depth * 60.0, h * (0.3 + 0.12 * depth), costume)
                })
                .collect();
            crowd.sort_by(|a, b| a.1.total_cmp(&b.1));
            for (x, y, height, costume) in crowd {
                canvas.figure(x, y, height, costume, skin);
            }
        }
        Scene::Opera => {
            sky_and_ground(
                &mut canvas,
                h * 0.7,
                ([16, 12, 14], [36, 24, 24]),
                ([110, 72, 44], [70, 46, 30]),
            );
            // Red curtain, side wings, spotlights and two costumed players.
            canvas.rect(0, 0, width as i32, (h * 0.12) as i32, [150, 20, 26], 1.0);
            for fold in 0..24 {
                let x = fold as f32 * w / 24.0;
                canvas.line((x, 0.0), (x, h * 0.12), 6.0, [110, 14, 20], 1.0);
            }
            canvas.rect(0, 0, (w * 0.08) as i32, height as i32, [130, 18, 24], 1.0);
            canvas.rect(
                (w * 0.92) as i32,
                0,
                width as i32,
                height as i32,
                [130, 18, 24],
                1.0,
            );
            for (spot, colour) in [(0.38, [255, 240, 200]), (0.62, [255, 230, 190])] {
                canvas.glow(w * spot, h * 0.62, h * 0.42, colour, 0.35);
            }
            for (index, x) in [0.38, 0.62].into_iter().enumerate() {
                let robe = COSTUMES[(index * 2 + rng.int(0, 2) as usize) % COSTUMES.len()];
                canvas.figure(w * x, h * 0.86, h * 0.58, robe, [240, 210, 200]);
                // Headdress with pheasant feathers.
                let head = h * 0.86 - h * 0.58 + h * 0.1;
                canvas.line(
                    (w * x, head),
                    (w * x - 80.0, head - 140.0),
                    5.0,
                    [230, 200, 90],
                    1.0,
                );
                canvas.line(
                    (w * x, head),
                    (w * x + 80.0, head - 150.0),
                    5.0,
                    [230, 200, 90],
                    1.0,
                );
            }
        }
        Scene::Papercut => {
            sky_and_ground(
                &mut canvas,
                h * 0.5,
                ([226, 218, 204], [220, 210, 196]),
                ([220, 210, 196], [204, 194, 180]),
            );
            // A round paper-cut (团花): one wedge drawn, mirrored eight times.
            let (cx, cy, radius) = (w / 2.0, h / 2.0, h * 0.42);
            canvas.ellipse(cx + 10.0, cy + 12.0, radius, radius, [150, 140, 130], 0.4);
            let holes: Vec<(f32, f32, f32)> = (0..10)
                .map(|_| {
                    (
                        rng.range(0.15, 0.92),
                        rng.range(0.05, 0.7),
                        rng.range(0.03, 0.09),
                    )
                })
                .collect();
            let wedge = std::f32::consts::PI / 8.0;
            for y in (cy - radius) as i32..=(cy + radius) as i32 {
                for x in (cx - radius) as i32..=(cx + radius) as i32 {
                    let (dx, dy) = ((x as f32 - cx) / radius, (y as f32 - cy) / radius);
                    let r = (dx * dx + dy * dy).sqrt();
                    if r > 1.0 {
                        continue;
                    }
                    // Fold the angle into one wedge, reflecting alternate ones.
                    let angle = dy.atan2(dx).rem_euclid(2.0 * wedge);
                    let a = if angle > wedge {
                        2.0 * wedge - angle
                    } else {
                        angle
                    } / wedge;
                    let cut = holes.iter().any(|&(hr, ha, size)| {
                        let (px, py) = (r - hr, (a - ha) * r * 0.4);
                        px * px + py * py < size * size
                    }) || (r > 0.9 && (r * 60.0).sin() > 0.6)
                        || (r - 0.5).abs() < 0.012;
                    if !cut {
                        canvas.blend(x, y, [196, 24, 32], 1.0);
                    }
                }
            }
        }
        Scene::Street => {
            sky_and_ground(
                &mut canvas,
                h * 0.5,
                ([196, 200, 204], [226, 226, 222]),
                ([170, 160, 146], [130, 120, 108]),
            );
            // Two rows of shop fronts receding to a vanishing point.
            let vanishing = (w * 0.5, h * 0.5);
            for side in [-1.0f32, 1.0] {
                for shop in 0..6 {
                    let near = 1.0 - shop as f32 / 7.0;
                    let x = vanishing.0 + side * w * 0.5 * near;
                    let next = vanishing.0 + side * w * 0.5 * (near - 1.0 / 7.0);
                    let height = h * 0.45 * near;
                    let (left, right) = if side < 0.0 { (x, next) } else { (next, x) };
                    canvas.rect(
                        left as i32,
                        (vanishing.1 - height * 0.6) as i32,
                        right as i32,
                        (vanishing.1 + height * 0.55) as i32,
                        scale([150, 140, 128], 0.7 + 0.3 * near),
                        1.0,
                    );
                    canvas.rect(
                        (left + 6.0) as i32,
                        (vanishing.1 - height * 0.1) as i32,
                        (right - 6.0) as i32,
                        (vanishing.1 + height * 0.5) as i32,
                        [60, 52, 46],
                        1.0,
                    );
                }
            }
            for _ in 0..9 {
                let depth = rng.range(0.3, 1.0);
                canvas.figure(
                    w * 0.5 + rng.range(-0.25, 0.25) * w * depth,
                    h * 0.5 + h * 0.45 * depth,
                    h * 0.5 * depth,
                    [70, 70, 80],
                    skin,
                );
            }
        }
        Scene::River => {
            sky_and_ground(
                &mut canvas,
                h * 0.45,
                ([180, 196, 210], [220, 224, 224]),
                ([120, 130, 100], [100, 110, 84]),
            );
            let phase = rng.range(0.0, 6.0);
            for x in 0..width as i32 {
                let fx = x as f32 / w;
                let ridge = h * (0.3 + 0.08 * (fx * 5.0 + phase).sin() + 0.04 * (fx * 13.0).cos());
                for y in ridge as i32..(h * 0.45) as i32 + 2 {
                    canvas.blend(x, y, [110, 118, 100], 1.0);
                }
                let bank = h * (0.62 + 0.05 * (fx * 3.0 + phase).sin());
                for y in bank as i32..(bank + h * 0.12) as i32 {
                    canvas.blend(x, y, [170, 186, 190], 1.0);
                }
            }
            for _ in 0..12 {
                let x = rng.range(0.0, w);
                let y = h * rng.range(0.5, 0.6);
                canvas.rect(
                    x as i32 - 3,
                    y as i32 - 80,
                    x as i32 + 3,
                    y as i32,
                    [70, 60, 50],
                    1.0,
                );
                canvas.ellipse(x, y - 100.0, 40.0, 50.0, [70, 96, 64], 1.0);
            }
        }
        Scene::Group | Scene::Excavation => {
            if scene == Scene::Group {
                sky_and_ground(
                    &mut canvas,
                    h * 0.6,
                    ([170, 168, 160], [190, 186, 176]),
                    ([150, 144, 132], [120, 114, 104]),
                );
                // A building with a banner, then three rows of people.
                canvas.rect(
                    (w * 0.1) as i32,
                    (h * 0.12) as i32,
                    (w * 0.9) as i32,
                    (h * 0.6) as i32,
                    [140, 136, 130],
                    1.0,
                );
                canvas.rect(
                    (w * 0.25) as i32,
                    (h * 0.16) as i32,
                    (w * 0.75) as i32,
                    (h * 0.24) as i32,
                    [90, 40, 40],
                    1.0,
                );
                for index in 0..8 {
                    canvas.glyph(
                        w * 0.27 + index as f32 * 75.0,
                        h * 0.17,
                        60.0,
                        [240, 230, 220],
                        rng,
                    );
                }
                // Back row first, so the front rows stand in front of it.
                for row in (0..3).rev() {
                    let count = 9 + row;
                    let y = h * (0.95 - row as f32 * 0.1);
                    for person in 0..count {
                        let x = w * 0.12 + (person as f32 + 0.5) * w * 0.76 / count as f32;
                        let clothes = if rng.chance(0.5) {
                            [60, 70, 90]
                        } else {
                            [110, 110, 104]
                        };
                        canvas.figure(x, y, h * 0.34, clothes, skin);
                    }
                }
            } else {
                sky_and_ground(
                    &mut canvas,
                    h * 0.35,
                    ([200, 204, 206], [226, 226, 222]),
                    ([176, 150, 118], [150, 124, 96]),
                );
                // Trenches with exposed kiln walls, people with shovels.
                for trench in 0..3 {
                    let x = w * (0.1 + trench as f32 * 0.3);
                    let y = h * (0.5 + trench as f32 * 0.1);
                    canvas.rect(
                        x as i32,
                        y as i32,
                        (x + w * 0.22) as i32,
                        (y + h * 0.14) as i32,
                        [110, 86, 66],
                        1.0,
                    );
                    canvas.ellipse(
                        x + w * 0.11,
                        y + h * 0.07,
                        w * 0.06,
                        h * 0.05,
                        [150, 90, 60],
                        1.0,
                    );
                }
                for _ in 0..6 {
                    let x = rng.range(0.05, 0.95) * w;
                    let y = h * rng.range(0.5, 0.95);
                    canvas.figure(x, y, h * 0.3, [80, 80, 76], skin);
                    canvas.line(
                        (x + 20.0, y - h * 0.2),
                        (x + 40.0, y),
                        4.0,
                        [60, 50, 40],
                        1.0,
                    );
                }
            }
        }
        Scene::Hall => {
            sky_and_ground(
                &mut canvas,
                h * 0.62,
                ([30, 36, 60], [50, 60, 90]),
                ([120, 124, 130], [80, 84, 90]),
            );
            for _ in 0..200 {
                let (x, y) = (rng.range(0.0, w), rng.range(0.0, h * 0.55));
                canvas.rect(
                    x as i32,
                    y as i32,
                    x as i32 + 2,
                    y as i32 + 2,
                    [240, 240, 255],
                    1.0,
                );
            }
            // A big planet model with a ring, display cases and visitors.
            let (px, py, pr) = (w * 0.62, h * 0.36, h * 0.24);
            canvas.ellipse(px, py, pr * 1.8, pr * 0.3, [200, 180, 140], 0.8);
            canvas.ellipse(px, py, pr, pr, [210, 150, 90], 1.0);
            canvas.glow(px - pr * 0.3, py - pr * 0.3, pr * 0.8, [255, 230, 190], 0.5);
            for case in 0..4 {
                let x = w * (0.05 + case as f32 * 0.24);
                canvas.rect(
                    x as i32,
                    (h * 0.7) as i32,
                    (x + w * 0.16) as i32,
                    (h * 0.85) as i32,
                    [200, 210, 220],
                    0.8,
                );
                canvas.rect(
                    x as i32,
                    (h * 0.85) as i32,
                    (x + w * 0.16) as i32,
                    (h * 0.98) as i32,
                    [60, 64, 70],
                    1.0,
                );
            }
            for _ in 0..5 {
                let x = rng.range(0.05, 0.95) * w;
                let clothes = COSTUMES[rng.int(0, COSTUMES.len() as i32) as usize];
                canvas.figure(
                    x,
                    h * rng.range(0.9, 1.0),
                    h * rng.range(0.25, 0.4),
                    clothes,
                    skin,
                );
            }
        }
        Scene::Mine => {
            canvas.shade(|x, y| {
                let (fx, fy) = (x as f32 / w - 0.5, y as f32 / h - 0.55);
                let d = (fx * fx + fy * fy).sqrt();
                scale([70, 64, 58], 1.1 - d * 1.4)
            });
            // A tunnel arch with timber supports, rails and lamps.
            for support in 0..5 {
                let depth = 1.0 - support as f32 * 0.17;
                let (half, top) = (w * 0.4 * depth, h * (0.55 - 0.45 * depth));
                let bottom = h * (0.55 + 0.42 * depth);
                let timber = scale([130, 96, 60], 0.5 + 0.5 * depth);
                let thickness = 26.0 * depth;
                canvas.line(
                    (w / 2.0 - half, top),
                    (w / 2.0 - half, bottom),
                    thickness,
                    timber,
                    1.0,
                );
                canvas.line(
                    (w / 2.0 + half, top),
                    (w / 2.0 + half, bottom),
                    thickness,
                    timber,
                    1.0,
                );
                canvas.line(
                    (w / 2.0 - half, top),
                    (w / 2.0 + half, top),
                    thickness,
                    timber,
                    1.0,
                );
                canvas.glow(
                    w / 2.0,
                    top + 30.0 * depth,
                    60.0 * depth,
                    [255, 230, 150],
                    0.8,
                );
            }
            for rail in [-1.0f32, 1.0] {
                canvas.line(
                    (w / 2.0 + rail * w * 0.25, h),
                    (w / 2.0 + rail * w * 0.03, h * 0.6),
                    8.0,
                    [150, 150, 150],
                    1.0,
                );
            }
            canvas.figure(w * 0.3, h * 0.95, h * 0.5, [40, 50, 70], skin);
            canvas.ellipse(w * 0.3, h * 0.52, 40.0, 18.0, [240, 200, 40], 1.0);
            canvas.glow(w * 0.3 + 30.0, h * 0.52, 120.0, [255, 240, 190], 0.6);
        }
    }
    canvas
}

/// An old print: sepia, vignette, grain, a scratch or two and a white border.
pub(super) fn age_photograph(canvas: &Canvas, rng: &mut Rng) -> Canvas {
    let (w, h) = (canvas.w(), canvas.h());
    let border = 40;
    let mut out = Canvas::new(canvas.width, canvas.height, [236, 230, 214]);
    let fade = rng.range(0.0, 0.15);
    let mut grain = Rng::new(rng.next());
    let scratches: Vec<i32> = (0..rng.int(1, 4))
        .map(|_| rng.int(border, w - border))
        .collect();
    for y in border..h - border {
        for x in border..w - border {
            let [r, g, b] = canvas.get(x, y);
            let luminance = 0.299 * r as f32 + 0.587 * g as f32 + 0.114 * b as f32;
            let (fx, fy) = (x as f32 / w as f32 - 0.5, y as f32 / h as f32 - 0.5);
            let vignette = 1.0 - (fx * fx + fy * fy) * 0.9;
            let noise = (grain.unit() - 0.5) * 26.0;
            let mut value = ((luminance * vignette + noise) / 255.0).clamp(0.0, 1.0);
            value = value * (1.0 - fade) + fade * 0.8;
            if scratches.iter().any(|&s| (x - s).abs() < 1) {
                value = (value + 0.25).min(1.0);
            }
            let sepia = [
                (value * 240.0 + 12.0).min(255.0) as u8,
                (value * 212.0 + 10.0).min(255.0) as u8,
                (value * 170.0 + 8.0).min(255.0) as u8,
            ];
            out.blend(x, y, sepia, 1.0);
        }
    }
    out
}
