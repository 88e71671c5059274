//! Inputs and our side of the hashing and derivative rows of the benchmark
//! suite (see `bench/README.md`; run through `bench/run`, which also runs
//! the references and measures every process the same way).
//!
//! Subcommands:
//!
//! - `photos <out-dir> <count> <width> <height> <seed>`: writes
//!   `photo-NNNN.jpg`, photo-like pictures (soft gradients, blurred shapes,
//!   several octaves of texture and sensor grain; no EXIF) as baseline JPEG
//!   q90 4:2:0, each from its own seed.
//! - `scans <out-dir> <count> <width> <height> <seed>`: writes
//!   `scan-NNNN.tif`, uncompressed 8-bit RGB TIFFs of paper with ink-like
//!   strokes and grain.
//! - `hash <list-file>`: hashes every file named in the list (one path a
//!   line) with `wenyuan_index::store::hash_file`, the function the store
//!   stage uses, on this one thread.
//! - `derive <list-file> <out-dir>`: for every file, what the pipeline's
//!   extract step does for an image: read the head, `identify`,
//!   `technical`, then `make_derivatives` (1600 px web image + 400 px
//!   thumbnail, written as JPEG) into `<out-dir>/NNNN/`, one file after
//!   another from this one thread.
//!
//! Each prints one JSON object. Timing is done by the caller (wall time and
//! the child's CPU time from `wait4`), so ours and the reference tools are
//! measured identically; `seconds` here is only a cross-check.

use std::fs;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::json;
use wenyuan_index::store::hash_file;
use wenyuan_ingest::media::{DeriveOptions, identify, make_derivatives, technical};

/// The allocator of the `wenyuan` binary (src/main.rs), so the code measured
/// here allocates as `wenyuan ingest` allocates.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

type Fail = Box<dyn std::error::Error>;

fn main() -> Result<(), Fail> {
    // `cargo bench` passes `--bench`; ignore flags.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["photos", out, count, width, height, seed] => write_pictures(
            Path::new(out),
            count.parse()?,
            width.parse()?,
            height.parse()?,
            seed.parse()?,
            Picture::Photo,
        ),
        ["scans", out, count, width, height, seed] => write_pictures(
            Path::new(out),
            count.parse()?,
            width.parse()?,
            height.parse()?,
            seed.parse()?,
            Picture::Scan,
        ),
        ["hash", list] => hash(&read_list(Path::new(list))?),
        ["derive", list, out] => derive(&read_list(Path::new(list))?, Path::new(out)),
        _ => {
            eprintln!(
                "usage: media photos|scans <out-dir> <count> <width> <height> <seed>\n\
                 \x20      media hash <list-file>\n\
                 \x20      media derive <list-file> <out-dir>\n\
                 (normally run through bench/run)"
            );
            Ok(())
        }
    }
}

fn read_list(path: &Path) -> Result<Vec<PathBuf>, Fail> {
    Ok(fs::read_to_string(path)?
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(PathBuf::from)
        .collect())
}

fn hash(files: &[PathBuf]) -> Result<(), Fail> {
    let started = Instant::now();
    let mut bytes = 0u64;
    let mut digests = Vec::with_capacity(files.len());
    for file in files {
        let (digest, length) = hash_file(file)?;
        bytes += length;
        digests.push(digest.to_hex());
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{}",
        json!({"files": files.len(), "bytes": bytes, "seconds": seconds, "first_digest": digests.first()})
    );
    Ok(())
}

fn derive(files: &[PathBuf], out: &Path) -> Result<(), Fail> {
    let options = DeriveOptions::default();
    let started = Instant::now();
    let mut pages = 0usize;
    for (n, file) in files.iter().enumerate() {
        let mut head = Vec::with_capacity(8192);
        fs::File::open(file)?.take(8192).read_to_end(&mut head)?;
        let media = identify(file, &head);
        let tech = technical(file, &media)?;
        let out_dir = out.join(format!("{n:04}"));
        pages += make_derivatives(file, &media, &tech, &out_dir, &options)?.len();
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{}",
        json!({"files": files.len(), "pages": pages, "seconds": seconds,
               "web_px": options.web_px, "thumbnail_px": options.thumbnail_px,
               "jpeg_quality": options.jpeg_quality})
    );
    Ok(())
}

/// Small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Roughly normal, mean 0, standard deviation 1 (sum of four uniforms).
    fn grain(&mut self) -> f32 {
        let value = self.next();
        let sum: u32 = (0..4).map(|i| ((value >> (16 * i)) & 0xffff) as u32).sum();
        (sum as f32 / 65535.0 - 2.0) * 1.732
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Picture {
    Photo,
    Scan,
}

/// A lattice of random values interpolated smoothly: one octave of texture.
struct ValueNoise {
    cell: f32,
    columns: usize,
    values: Vec<f32>,
}

impl ValueNoise {
    fn new(rng: &mut Rng, width: u32, height: u32, cell: f32) -> Self {
        let columns = (width as f32 / cell) as usize + 2;
        let rows = (height as f32 / cell) as usize + 2;
        let values = (0..columns * rows)
            .map(|_| rng.unit() * 2.0 - 1.0)
            .collect();
        ValueNoise {
            cell,
            columns,
            values,
        }
    }

    fn at(&self, x: f32, y: f32) -> f32 {
        let (fx, fy) = (x / self.cell, y / self.cell);
        let (ix, iy) = (fx as usize, fy as usize);
        let smooth = |t: f32| t * t * (3.0 - 2.0 * t);
        let (tx, ty) = (smooth(fx - ix as f32), smooth(fy - iy as f32));
        let value = |cx: usize, cy: usize| self.values[cy * self.columns + cx];
        let top = value(ix, iy) * (1.0 - tx) + value(ix + 1, iy) * tx;
        let bottom = value(ix, iy + 1) * (1.0 - tx) + value(ix + 1, iy + 1) * tx;
        top * (1.0 - ty) + bottom * ty
    }
}

/// A soft-edged disc of colour (a photo's objects) or a dark stroke (a scan's ink).
struct Blob {
    x: f32,
    y: f32,
    radius: f32,
    colour: [f32; 3],
    opacity: f32,
}

fn picture(width: u32, height: u32, seed: u64, kind: Picture) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let (w, h) = (width as f32, height as f32);
    let octaves: Vec<(ValueNoise, f32)> = [
        (w / 4.0, 40.0),
        (160.0, 22.0),
        (40.0, 12.0),
        (9.0, 8.0),
        (3.0, 6.0),
    ]
    .into_iter()
    .map(|(cell, amplitude)| {
        (
            ValueNoise::new(&mut rng, width, height, cell.max(2.0)),
            amplitude,
        )
    })
    .collect();
    let tint = ValueNoise::new(&mut rng, width, height, w / 6.0);
    let sky = [
        rng.unit() * 120.0 + 80.0,
        rng.unit() * 120.0 + 80.0,
        rng.unit() * 80.0 + 150.0,
    ];
    let ground = [
        rng.unit() * 110.0 + 40.0,
        rng.unit() * 100.0 + 50.0,
        rng.unit() * 60.0 + 20.0,
    ];
    let horizon = h * (0.35 + rng.unit() * 0.3);
    let blob_count = if kind == Picture::Photo { 60 } else { 400 };
    let blobs: Vec<Blob> = (0..blob_count)
        .map(|_| Blob {
            x: rng.unit() * w,
            y: rng.unit() * h,
            radius: if kind == Picture::Photo {
                w * (0.01 + rng.unit() * 0.08)
            } else {
                3.0 + rng.unit() * 12.0
            },
            colour: if kind == Picture::Photo {
                [rng.unit() * 255.0, rng.unit() * 255.0, rng.unit() * 255.0]
            } else {
                [30.0, 25.0, 20.0]
            },
            opacity: 0.5 + rng.unit() * 0.5,
        })
        .collect();
    // Bucket blobs by row band so each pixel looks at a few only.
    let band = 64.0f32;
    let bands = (h / band) as usize + 1;
    let mut by_band: Vec<Vec<usize>> = vec![Vec::new(); bands];
    for (index, blob) in blobs.iter().enumerate() {
        let first = ((blob.y - blob.radius * 1.2).max(0.0) / band) as usize;
        let last = (((blob.y + blob.radius * 1.2) / band) as usize).min(bands - 1);
        for list in &mut by_band[first..=last] {
            list.push(index);
        }
    }
    let paper = [232.0, 222.0, 196.0];
    let grain_sigma = if kind == Picture::Photo { 7.5 } else { 2.5 };
    let mut pixels = Vec::with_capacity(width as usize * height as usize * 3);
    for py in 0..height {
        let y = py as f32;
        let nearby = &by_band[(y / band) as usize];
        for px in 0..width {
            let x = px as f32;
            let texture: f32 = octaves
                .iter()
                .map(|(noise, amplitude)| noise.at(x, y) * amplitude)
                .sum();
            let mut rgb = match kind {
                Picture::Photo => {
                    let t = ((y - horizon) / (h * 0.08)).tanh() * 0.5 + 0.5;
                    let warmth = tint.at(x, y) * 25.0;
                    [
                        sky[0] * (1.0 - t) + ground[0] * t + warmth,
                        sky[1] * (1.0 - t) + ground[1] * t,
                        sky[2] * (1.0 - t) + ground[2] * t - warmth,
                    ]
                }
                Picture::Scan => {
                    let stain = tint.at(x, y) * 12.0;
                    [paper[0] + stain, paper[1] + stain, paper[2] + stain * 1.5]
                }
            };
            for &index in nearby {
                let blob = &blobs[index];
                let distance = ((x - blob.x).powi(2) + (y - blob.y).powi(2)).sqrt();
                let edge = ((blob.radius - distance) / (blob.radius * 0.15 + 1.0)).clamp(0.0, 1.0);
                if edge > 0.0 {
                    let alpha = edge * blob.opacity;
                    for (value, colour) in rgb.iter_mut().zip(blob.colour) {
                        *value = *value * (1.0 - alpha) + colour * alpha;
                    }
                }
            }
            let texture_scale = if kind == Picture::Photo { 1.0 } else { 0.25 };
            for (channel, value) in rgb.iter().enumerate() {
                let chroma_grain = if channel == 1 { 0.0 } else { rng.grain() * 0.8 };
                let sample =
                    value + texture * texture_scale + rng.grain() * grain_sigma + chroma_grain;
                pixels.push(sample.round().clamp(0.0, 255.0) as u8);
            }
        }
    }
    pixels
}

fn write_pictures(
    out: &Path,
    count: usize,
    width: u32,
    height: u32,
    seed: u64,
    kind: Picture,
) -> Result<(), Fail> {
    fs::create_dir_all(out)?;
    let mut sizes = Vec::new();
    for n in 0..count {
        let pixels = picture(width, height, seed.wrapping_add(n as u64 * 7919), kind);
        let (name, bytes) = match kind {
            Picture::Photo => {
                let mut bytes = Vec::new();
                let mut encoder = jpeg_encoder::Encoder::new(&mut bytes, 90);
                encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
                encoder.encode(
                    &pixels,
                    u16::try_from(width)?,
                    u16::try_from(height)?,
                    jpeg_encoder::ColorType::Rgb,
                )?;
                (format!("photo-{n:04}.jpg"), bytes)
            }
            Picture::Scan => {
                let mut bytes = std::io::Cursor::new(Vec::new());
                tiff::encoder::TiffEncoder::new(&mut bytes)?
                    .write_image::<tiff::encoder::colortype::RGB8>(width, height, &pixels)?;
                (format!("scan-{n:04}.tif"), bytes.into_inner())
            }
        };
        let mut file = BufWriter::new(fs::File::create(out.join(&name))?);
        file.write_all(&bytes)?;
        file.flush()?;
        sizes.push(bytes.len());
    }
    println!(
        "{}",
        json!({"files": count, "width": width, "height": height, "bytes": sizes})
    );
    Ok(())
}
