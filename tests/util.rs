//! Helpers for the end-to-end tests: temporary trees, generated images and
//! documents, and a runner for the real binary.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use wenyuan_index::Catalog;

/// A temporary folder with a data directory and a source tree.
pub struct Sandbox {
    pub temp: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Self {
        Sandbox {
            temp: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.temp.path()
    }

    pub fn data(&self) -> PathBuf {
        self.temp.path().join("data")
    }

    pub fn scans(&self) -> PathBuf {
        self.temp.path().join("scans")
    }

    /// Writes a file under the sandbox, creating folders.
    pub fn write(&self, relative: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.temp.path().join(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, bytes).unwrap();
        path
    }

    /// Runs `wenyuan ARGS…` with the sandbox's data directory.
    pub fn wenyuan(&self, args: &[&str]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_wenyuan"))
            .args(args)
            .env("WENYUAN_DATA", self.data())
            .env_remove("RUST_LOG")
            .output()
            .expect("run wenyuan");
        Run { output }
    }

    /// `wenyuan ingest scans --report report.json`, returning the parsed report.
    pub fn ingest(&self, extra: &[&str]) -> (Run, serde_json::Value) {
        let report_path = self.path().join("report.json");
        let _ = fs::remove_file(&report_path);
        let scans = self.scans();
        let mut args = vec![
            "ingest",
            scans.to_str().unwrap(),
            "--report",
            report_path.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let run = self.wenyuan(&args);
        let report = fs::read(&report_path)
            .map(|bytes| serde_json::from_slice(&bytes).expect("report is JSON"))
            .unwrap_or(serde_json::Value::Null);
        (run, report)
    }

    /// Builds the demo archive in the sandbox's data directory (without serving it).
    pub fn demo(&self) {
        let data = self.data();
        self.wenyuan(&["demo", "--no-serve", "--data", data.to_str().unwrap()])
            .expect_code(0);
    }

    /// `wenyuan search ARGS… --json`, parsed.
    pub fn search_json(&self, args: &[&str]) -> serde_json::Value {
        let mut full = vec!["search"];
        full.extend_from_slice(args);
        full.push("--json");
        let run = self.wenyuan(&full);
        run.expect_code(0);
        serde_json::from_str(&run.stdout()).expect("search --json prints JSON")
    }

    pub fn catalog(&self) -> Catalog {
        Catalog::open_read_only(&self.data().join("catalog.sqlite")).expect("catalogue")
    }
}

/// The ids of the hits of a `search --json` answer, in order.
pub fn hit_ids(results: &serde_json::Value) -> Vec<String> {
    results["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["id"].as_str().unwrap().to_string())
        .collect()
}

/// The output of one run of the binary.
pub struct Run {
    pub output: Output,
}

impl Run {
    pub fn code(&self) -> i32 {
        self.output.status.code().unwrap_or(-1)
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code(),
            code,
            "exit code; stderr:\n{}\nstdout:\n{}",
            self.stderr(),
            self.stdout()
        );
        self
    }
}

/// A colour JPEG with a gradient, so it compresses like a photo.
pub fn jpeg(width: u32, height: u32, seed: u8) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([
            (x * 255 / width) as u8 ^ seed,
            (y * 255 / height) as u8,
            seed.wrapping_mul(7),
        ])
    });
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 85)
        .encode_image(&image)
        .unwrap();
    bytes
}

/// A grey PNG.
pub fn grey_png(width: u32, height: u32) -> Vec<u8> {
    let image =
        image::GrayImage::from_fn(width, height, |x, y| image::Luma([((x + y) % 256) as u8]));
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    bytes
}

/// A colour PNG.
pub fn png(width: u32, height: u32, seed: u8) -> Vec<u8> {
    let image =
        image::RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, seed]));
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    bytes
}

/// A TIFF with `pages` grey pages.
pub fn multipage_tiff(width: u32, height: u32, pages: u32) -> Vec<u8> {
    multipage_tiff_seeded(width, height, pages, 0)
}

/// A TIFF with `pages` grey pages whose pixels depend on `seed`.
pub fn multipage_tiff_seeded(width: u32, height: u32, pages: u32, seed: u32) -> Vec<u8> {
    let mut bytes = std::io::Cursor::new(Vec::new());
    {
        let mut encoder = tiff::encoder::TiffEncoder::new(&mut bytes).unwrap();
        for page in 0..pages {
            let pixels: Vec<u8> = (0..width * height)
                .map(|index| ((index % width + page * 40 + seed * 7) % 256) as u8)
                .collect();
            encoder
                .write_image::<tiff::encoder::colortype::Gray8>(width, height, &pixels)
                .unwrap();
        }
    }
    bytes.into_inner()
}

/// A one-page PDF whose text layer says `text` (ASCII).
pub fn pdf_with_text(text: &str) -> Vec<u8> {
    use lopdf::content::{Content, Operation};
    use lopdf::{Document, Object, Stream, dictionary};
    let mut document = Document::with_version("1.5");
    let pages_id = document.new_object_id();
    let font_id = document.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let resources_id =
        document.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id } });
    let content = Content {
        operations: vec![
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 24.into()]),
            Operation::new("Td", vec![100.into(), 600.into()]),
            Operation::new("Tj", vec![Object::string_literal(text)]),
            Operation::new("ET", vec![]),
        ],
    };
    let content_id = document.add_object(Stream::new(dictionary! {}, content.encode().unwrap()));
    let page_id = document.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
    });
    document.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1,
            "Resources" => resources_id, "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog_id = document.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    document.trailer.set("Root", catalog_id);
    let mut bytes = Vec::new();
    document.save_to(&mut bytes).unwrap();
    bytes
}

/// Encodes text as GBK, as Excel on Chinese Windows saves CSV.
pub fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable, "text has characters GBK cannot hold");
    bytes.into_owned()
}

/// A PNG header that claims `width` × `height` pixels, with valid CRCs and no image data.
pub fn png_bomb(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        bytes.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        bytes.extend_from_slice(&body);
        bytes.extend_from_slice(&crc32(&body).to_be_bytes());
    };
    let mut header = Vec::new();
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(b"IHDR", &header);
    chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(b"IEND", &[]);
    bytes
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// The institutions file used by several tests.
pub const INSTITUTIONS_TOML: &str = r#"
[[institution]]
id = "district-library"
name_zh = "王益区图书馆"
name_en = "Wangyi District Library"
kind = "library"
address = "铜川市王益区红旗街"
opening_hours = "周二至周日 9:00–17:00"
services = ["借阅", "古籍阅览"]
accessibility = "无障碍坡道，轮椅可借"

[[institution.collection]]
id = "chronicles"
name_zh = "地方志"

[[institution]]
id = "huangbao-museum"
name_zh = "黄堡镇综合文化站"
kind = "cultural_station"

[[institution.collection]]
id = "ceramics"
name_zh = "耀州窑陶瓷"
"#;

/// A JPEG whose frame header is rewritten to claim `width` × `height`.
pub fn jpeg_claiming(width: u16, height: u16) -> Vec<u8> {
    let mut bytes = jpeg(16, 16, 3);
    let frame = bytes
        .windows(2)
        .position(|pair| pair == [0xFF, 0xC0])
        .expect("a baseline frame header");
    bytes[frame + 5..frame + 7].copy_from_slice(&height.to_be_bytes());
    bytes[frame + 7..frame + 9].copy_from_slice(&width.to_be_bytes());
    bytes
}

/// A little-endian TIFF of 8-bit grey 8 × 8 pages, one per entry of `next`:
/// each page's next-IFD offset (`None`: the IFD written after it, 0 after
/// the last), its strip at `strip_offset` (`None`: the pixels in the file).
pub fn raw_tiff(next: &[Option<u32>], strip_offset: Option<u32>) -> Vec<u8> {
    const IFD_BYTES: u32 = 2 + 9 * 12 + 4;
    let pixels = [120u8; 64];
    let ifds_start = 8 + pixels.len() as u32;
    let mut bytes = b"II*\0".to_vec();
    bytes.extend_from_slice(&ifds_start.to_le_bytes());
    bytes.extend_from_slice(&pixels);
    for (index, next_ifd) in next.iter().enumerate() {
        let entries: [(u16, u16, u32); 9] = [
            (256, 4, 8),
            (257, 4, 8),
            (258, 3, 8),
            (259, 3, 1),
            (262, 3, 1),
            (273, 4, strip_offset.unwrap_or(8)),
            (277, 3, 1),
            (278, 4, 8),
            (279, 4, 64),
        ];
        bytes.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        for (tag, kind, value) in entries {
            bytes.extend_from_slice(&tag.to_le_bytes());
            bytes.extend_from_slice(&kind.to_le_bytes());
            bytes.extend_from_slice(&1u32.to_le_bytes());
            if kind == 3 {
                bytes.extend_from_slice(&(value as u16).to_le_bytes());
                bytes.extend_from_slice(&[0, 0]);
            } else {
                bytes.extend_from_slice(&value.to_le_bytes());
            }
        }
        let following = ifds_start + (index as u32 + 1) * IFD_BYTES;
        let default_next = if index + 1 < next.len() { following } else { 0 };
        bytes.extend_from_slice(&next_ifd.unwrap_or(default_next).to_le_bytes());
    }
    bytes
}

/// The IFD offset of page `index` in a [`raw_tiff`].
pub fn raw_tiff_ifd(index: u32) -> u32 {
    8 + 64 + index * (2 + 9 * 12 + 4)
}

/// An animated GIF of `frames` frames of `side` × `side`.
pub fn animated_gif(side: u32, frames: usize) -> Vec<u8> {
    let mut one = Vec::new();
    {
        let mut encoder = image::codecs::gif::GifEncoder::new(&mut one);
        let frame = image::Frame::new(image::RgbaImage::from_pixel(
            side,
            side,
            image::Rgba([30, 90, 200, 255]),
        ));
        encoder.encode_frame(frame).unwrap();
    }
    let table = if one[10] & 0x80 != 0 {
        3 << ((one[10] & 0x07) + 1)
    } else {
        0
    };
    let body_start = 13 + table;
    let body = one[body_start..one.len() - 1].to_vec();
    let mut bytes = one[..body_start].to_vec();
    for _ in 0..frames {
        bytes.extend_from_slice(&body);
    }
    bytes.push(0x3B);
    bytes
}

/// A grey PNG of `side` × `side` zeros: small on disk, `side`² bytes decoded.
pub fn png_decompression_bomb(side: u32) -> Vec<u8> {
    let pixels = vec![0u8; side as usize * side as usize];
    let mut bytes = Vec::new();
    let encoder = image::codecs::png::PngEncoder::new_with_quality(
        &mut bytes,
        image::codecs::png::CompressionType::Fast,
        image::codecs::png::FilterType::NoFilter,
    );
    image::ImageEncoder::write_image(encoder, &pixels, side, side, image::ExtendedColorType::L8)
        .unwrap();
    bytes
}

/// Files under `folder` (recursively) for which `keep` is true; 0 when it does not exist.
pub fn count_files(folder: &Path, keep: &dyn Fn(&Path) -> bool) -> usize {
    let Ok(entries) = fs::read_dir(folder) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| {
            let path = entry.path();
            if path.is_dir() {
                count_files(&path, keep)
            } else {
                usize::from(keep(&path))
            }
        })
        .sum()
}

/// True when the tests run as root (CI does): root reads every file and may
/// mount, so tests that need either decide by this.
pub fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .expect("run id -u")
        .stdout
        == b"0\n"
}

/// Writes a line to the real stderr, past libtest's capture (which hides
/// `eprintln!` of a passing test): for what a run must not hide, such as a
/// check that did not run.
pub fn tell(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}
