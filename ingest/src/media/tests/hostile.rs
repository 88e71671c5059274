//! Image bombs and malformed images (issue #7): headers claiming huge
//! sizes in every format, wrong magic and extensions, TIFF offsets past the
//! end or in a cycle, thousands of pages and frames, a decompression bomb.
//! Each file is generated here; each must give an error or a bounded
//! result, within a time limit, never a panic or an unbounded allocation.

use std::io::Cursor;
use std::path::Path;
use std::time::{Duration, Instant};

use wenyuan_index::model::PageDerivative;
use wenyuan_index::testing::Rng;

use super::*;

/// Longest one hostile file may take to identify, read and derive in a debug build.
const BUDGET: Duration = Duration::from_secs(30);

/// Identifies, reads technical metadata and derives as the pipeline does,
/// within [`BUDGET`]; the technical error wins, as in the pipeline.
fn ingest_like(
    path: &Path,
    options: &DeriveOptions,
) -> (MediaType, Result<Vec<PageDerivative>, MediaError>) {
    let started = Instant::now();
    let media = identified(path);
    let result = technical(path, &media).and_then(|tech| {
        make_derivatives(path, &media, &tech, &path.with_extension("out"), options)
    });
    let elapsed = started.elapsed();
    assert!(elapsed < BUDGET, "{} took {elapsed:?}", path.display());
    if let Err(error) = &result {
        assert!(!error.to_string().is_empty());
        assert!(
            !matches!(error, MediaError::DecoderCrashed(_)),
            "{}: a decoder panicked: {error}",
            path.display()
        );
    }
    (media, result)
}

/// A little-endian TIFF of 8-bit grey pages whose IFDs say what the test wants.
struct TiffPage {
    width: u32,
    height: u32,
    strip_offset: u32,
    strip_bytes: u32,
    /// Where the next IFD is; `None` for the one written after this one (or 0 for the last).
    next: Option<u32>,
}

/// Writes `pages` as IFDs after 8 header bytes and `data`; returns the file.
fn raw_tiff(first_ifd: Option<u32>, data: &[u8], pages: &[TiffPage]) -> Vec<u8> {
    const IFD_BYTES: u32 = 2 + 9 * 12 + 4;
    let data_start = 8u32;
    let ifds_start = data_start + data.len() as u32;
    let mut bytes = b"II*\0".to_vec();
    bytes.extend_from_slice(&first_ifd.unwrap_or(ifds_start).to_le_bytes());
    bytes.extend_from_slice(data);
    for (index, page) in pages.iter().enumerate() {
        let entries: [(u16, u16, u32); 9] = [
            (256, 4, page.width),
            (257, 4, page.height),
            (258, 3, 8),
            (259, 3, 1),
            (262, 3, 1),
            (273, 4, page.strip_offset),
            (277, 3, 1),
            (278, 4, page.height),
            (279, 4, page.strip_bytes),
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
        let next = page.next.unwrap_or(if index + 1 < pages.len() {
            following
        } else {
            0
        });
        bytes.extend_from_slice(&next.to_le_bytes());
    }
    bytes
}

/// One grey page of `width` × `height` whose pixels are `data` at offset 8.
fn grey_page(width: u32, height: u32) -> TiffPage {
    TiffPage {
        width,
        height,
        strip_offset: 8,
        strip_bytes: width.saturating_mul(height),
        next: None,
    }
}

/// A JPEG whose frame header is rewritten to claim `width` × `height`.
fn jpeg_claiming(width: u16, height: u16) -> Vec<u8> {
    let mut bytes = jpeg_bytes(16, 16, None);
    let frame = bytes
        .windows(2)
        .position(|pair| pair == [0xFF, 0xC0])
        .expect("a baseline frame header");
    bytes[frame + 5..frame + 7].copy_from_slice(&height.to_be_bytes());
    bytes[frame + 7..frame + 9].copy_from_slice(&width.to_be_bytes());
    bytes
}

/// A GIF whose logical screen is `width` × `height`, with one 1 × 1 frame.
fn gif_claiming(width: u16, height: u16) -> Vec<u8> {
    let mut bytes = b"GIF89a".to_vec();
    bytes.extend_from_slice(&width.to_le_bytes());
    bytes.extend_from_slice(&height.to_le_bytes());
    bytes.extend_from_slice(&[0x80, 0, 0]); // a global table of two colours
    bytes.extend_from_slice(&[0, 0, 0, 255, 255, 255]);
    bytes.extend_from_slice(&[0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0]); // a 1 × 1 image
    bytes.extend_from_slice(&[2, 2, 0x44, 0x01, 0]); // LZW: clear, 0, end
    bytes.push(0x3B);
    bytes
}

/// A WebP (VP8X) whose canvas is `width` × `height` (up to 2^24 each).
fn webp_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut chunk = vec![0u8; 4];
    chunk.extend_from_slice(&(width - 1).to_le_bytes()[..3]);
    chunk.extend_from_slice(&(height - 1).to_le_bytes()[..3]);
    let mut bytes = b"RIFF".to_vec();
    bytes.extend_from_slice(&(4 + 8 + chunk.len() as u32).to_le_bytes());
    bytes.extend_from_slice(b"WEBPVP8X");
    bytes.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&chunk);
    bytes
}

/// A BMP (BITMAPINFOHEADER, 24-bit) claiming `width` × `height`, with no pixels.
fn bmp_claiming(width: i32, height: i32) -> Vec<u8> {
    let mut bytes = b"BM".to_vec();
    bytes.extend_from_slice(&(54u32).to_le_bytes());
    bytes.extend_from_slice(&[0; 4]);
    bytes.extend_from_slice(&(54u32).to_le_bytes());
    bytes.extend_from_slice(&(40u32).to_le_bytes());
    bytes.extend_from_slice(&width.to_le_bytes());
    bytes.extend_from_slice(&height.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes());
    bytes.extend_from_slice(&24u16.to_le_bytes());
    bytes.extend_from_slice(&[0; 24]);
    bytes
}

/// A grey PNG of `side` × `side` zeros: a few hundred kilobytes that inflate
/// to `side`² bytes.
fn png_bomb(side: u32) -> Vec<u8> {
    let pixels = vec![0u8; side as usize * side as usize];
    let mut bytes = Vec::new();
    let encoder = image::codecs::png::PngEncoder::new_with_quality(
        &mut bytes,
        image::codecs::png::CompressionType::Fast,
        image::codecs::png::FilterType::NoFilter,
    );
    image::ImageEncoder::write_image(encoder, &pixels, side, side, image::ExtendedColorType::L8)
        .expect("encode png");
    bytes
}

/// A GIF of `frames` frames of `side` × `side`, the first frame's blocks repeated.
fn gif_with_frames(side: u32, frames: usize) -> Vec<u8> {
    let mut one = Vec::new();
    {
        let mut encoder = image::codecs::gif::GifEncoder::new(&mut one);
        let frame = image::Frame::new(image::RgbaImage::from_pixel(
            side,
            side,
            image::Rgba([200, 30, 30, 255]),
        ));
        encoder.encode_frame(frame).expect("gif frame");
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

#[test]
fn headers_claiming_huge_sizes_are_refused_quickly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("huge.jpg", jpeg_claiming(65_500, 65_500)),
        ("huge.gif", gif_claiming(65_535, 65_535)),
        ("huge.webp", webp_claiming(16_384, 16_384)),
        ("huge.bmp", bmp_claiming(100_000, -100_000)),
        (
            "huge.tif",
            raw_tiff(None, &[0; 16], &[grey_page(100_000, 100_000)]),
        ),
        (
            "wide.tif",
            raw_tiff(None, &[0; 16], &[grey_page(u32::MAX, 1)]),
        ),
    ];
    for (name, bytes) in cases {
        let path = write_file(dir.path(), name, &bytes);
        let (media, result) = ingest_like(&path, &DeriveOptions::default());
        assert_eq!(media.kind, MediaKind::Image, "{name}: {media:?}");
        let error = result.expect_err(name);
        assert!(
            matches!(
                error,
                MediaError::ImageTooLarge { .. }
                    | MediaError::DamagedImage(_)
                    | MediaError::UnsupportedImage(_)
                    | MediaError::MemoryLimit { .. }
            ),
            "{name}: {error:?}"
        );
    }
}

/// Issue #7: a 40-byte GIF whose screen claims 14 000 × 14 000 px (below
/// the pixel limit) was decoded to a 784 MB canvas and converted to another
/// 588 MB (55 s in a debug build); both buffers now count against the
/// memory limit, so it is refused at once.
#[test]
fn a_gif_screen_larger_than_the_memory_limit_is_refused_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_file(dir.path(), "liar.gif", &gif_claiming(14_000, 14_000));
    let started = Instant::now();
    let (_, result) = ingest_like(&path, &DeriveOptions::default());
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let error = result.expect_err("over the memory limit");
    assert!(matches!(error, MediaError::MemoryLimit { .. }), "{error:?}");
}

/// Files whose headers claim a size below the pixel limit but hold almost
/// no data: an error or a bounded page, in time.
#[test]
fn headers_claiming_more_than_their_data_are_errors_or_bounded_pages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("liar.png", png_claiming(14_000, 14_000)),
        (
            "liar.tif",
            raw_tiff(None, &[0; 16], &[grey_page(14_000, 14_000)]),
        ),
    ];
    for (name, bytes) in cases {
        let path = write_file(dir.path(), name, &bytes);
        let (_, result) = ingest_like(&path, &DeriveOptions::default());
        if let Ok(pages) = result {
            assert_eq!(pages.len(), 1, "{name}");
        }
    }
}

/// Issue #7: a 1 KB JPEG whose header claims 14 000 × 14 000 px was decoded
/// in full out of nothing (17 s in a debug build); it is refused at once.
#[test]
fn a_jpeg_too_small_for_its_claimed_size_is_refused_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bytes = jpeg_claiming(14_000, 14_000);
    assert!(bytes.len() < 2048);
    let path = write_file(dir.path(), "liar.jpg", &bytes);
    let started = Instant::now();
    let (_, result) = ingest_like(&path, &DeriveOptions::default());
    assert!(started.elapsed() < Duration::from_secs(2));
    let error = result.expect_err("too small for its size");
    assert!(
        error
            .to_string()
            .contains("too small to hold the 14000 × 14000 px"),
        "{error}"
    );
    // A real photograph of the same kind is well above the bound.
    let real = jpeg_bytes(640, 480, None);
    let path = write_file(dir.path(), "real.jpg", &real);
    assert_eq!(
        derive(&path, &dir.path().join("real"))
            .expect("derives")
            .len(),
        1
    );
}

#[test]
fn wrong_extensions_and_wrong_magic() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A JPEG named .tif is derived as the JPEG it is.
    let path = write_file(dir.path(), "photo.tif", &jpeg_bytes(64, 48, None));
    let (media, result) = ingest_like(&path, &DeriveOptions::default());
    assert_eq!(media.mime, "image/jpeg");
    assert_eq!(result.expect("a JPEG is a JPEG").len(), 1);
    // Text named .jpg is no image: preserved as is, no derivatives.
    let path = write_file(
        dir.path(),
        "notes.jpg",
        "这不是图片 not an image\n".as_bytes(),
    );
    let (media, result) = ingest_like(&path, &DeriveOptions::default());
    assert_eq!(media.kind, MediaKind::Other);
    assert!(result.expect("nothing to derive").is_empty());
    // Right magic, nothing after it.
    for (name, magic) in [
        ("magic.png", b"\x89PNG\r\n\x1a\n".as_slice()),
        ("magic.gif", b"GIF89a"),
        ("magic.tif", b"II*\0"),
        ("magic.jpg", b"\xFF\xD8\xFF\xE0"),
        ("magic.webp", b"RIFF\x10\0\0\0WEBPVP8 "),
        ("magic.bmp", b"BM\0\0\0\0\0\0\0\0"),
    ] {
        let path = write_file(dir.path(), name, magic);
        let (media, result) = ingest_like(&path, &DeriveOptions::default());
        if media.kind == MediaKind::Image {
            assert!(result.is_err(), "{name}: {result:?}");
        }
    }
}

#[test]
fn tiff_offsets_past_the_end_or_in_a_cycle_are_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pixels = [128u8; 64 * 64];
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "strip-past-end.tif",
            raw_tiff(
                None,
                &pixels,
                &[TiffPage {
                    strip_offset: 10_000_000,
                    ..grey_page(64, 64)
                }],
            ),
        ),
        (
            "strip-too-long.tif",
            raw_tiff(
                None,
                &pixels,
                &[TiffPage {
                    strip_bytes: u32::MAX,
                    ..grey_page(64, 64)
                }],
            ),
        ),
        (
            "ifd-past-end.tif",
            raw_tiff(Some(u32::MAX - 3), &pixels, &[grey_page(64, 64)]),
        ),
        (
            "next-ifd-past-end.tif",
            raw_tiff(
                None,
                &pixels,
                &[TiffPage {
                    next: Some(50_000_000),
                    ..grey_page(64, 64)
                }],
            ),
        ),
        (
            "ifd-cycle.tif",
            raw_tiff(
                None,
                &pixels,
                &[
                    grey_page(64, 64),
                    TiffPage {
                        next: Some(8 + pixels.len() as u32),
                        ..grey_page(64, 64)
                    },
                ],
            ),
        ),
        (
            "ifd-self-loop.tif",
            raw_tiff(
                None,
                &pixels,
                &[TiffPage {
                    next: Some(8 + pixels.len() as u32),
                    ..grey_page(64, 64)
                }],
            ),
        ),
    ];
    for (name, bytes) in cases {
        let path = write_file(dir.path(), name, &bytes);
        let (media, result) = ingest_like(&path, &DeriveOptions::default());
        assert_eq!(media.mime, "image/tiff", "{name}");
        assert!(result.is_err(), "{name}: {result:?}");
    }
}

#[test]
fn a_tiff_of_thousands_of_pages_is_counted_and_derived_up_to_the_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pages: Vec<TiffPage> = (0..3000).map(|_| grey_page(4, 4)).collect();
    let path = write_file(dir.path(), "many.tif", &raw_tiff(None, &[99; 16], &pages));
    let media = identified(&path);
    let tech = technical(&path, &media).expect("the pages are readable");
    assert_eq!(tech.page_count, Some(3000));
    let options = DeriveOptions {
        max_pages: 40,
        ..DeriveOptions::default()
    };
    let (_, result) = ingest_like(&path, &options);
    assert_eq!(result.expect("derivatives").len(), 40);
}

#[test]
fn an_animated_gif_of_5000_frames_derives_its_first_frame_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_file(dir.path(), "anim.gif", &gif_with_frames(64, 5000));
    let media = identified(&path);
    let tech = technical(&path, &media).expect("frames are counted");
    assert_eq!(tech.page_count, Some(5000));
    let (_, result) = ingest_like(&path, &DeriveOptions::default());
    let pages = result.expect("the first frame derives");
    assert_eq!(pages.len(), 1);
    assert_eq!((pages[0].width, pages[0].height), (64, 64));
}

#[test]
fn a_decompression_bomb_is_decoded_within_the_memory_limit_or_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let side = 6000;
    let bytes = png_bomb(side);
    assert!(
        bytes.len() < 1 << 20,
        "{} bytes inflate to 36 MB",
        bytes.len()
    );
    let path = write_file(dir.path(), "bomb.png", &bytes);
    // Below the memory limit: decoded once, derived at web size.
    let (_, result) = ingest_like(&path, &DeriveOptions::default());
    let pages = result.expect("36 MB of pixels are allowed");
    assert_eq!((pages[0].width, pages[0].height), (side, side));
    // A limit below what the pixels need: refused before decoding.
    let tight = DeriveOptions {
        max_alloc_bytes: 16 << 20,
        ..DeriveOptions::default()
    };
    let (_, result) = ingest_like(&path, &tight);
    let error = result.expect_err("over the memory limit");
    assert!(matches!(error, MediaError::MemoryLimit { .. }), "{error:?}");
}

#[test]
fn damaged_copies_of_every_format_never_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut originals: Vec<(&str, Vec<u8>)> = vec![
        ("a.jpg", jpeg_bytes(40, 30, Some(&exif_block(6)))),
        ("a.tif", multipage_tiff_bytes(2)),
        ("a.gif", gif_with_frames(8, 3)),
    ];
    for (name, format) in [
        ("a.png", image::ImageFormat::Png),
        ("a.webp", image::ImageFormat::WebP),
        ("a.bmp", image::ImageFormat::Bmp),
    ] {
        let mut bytes = Cursor::new(Vec::new());
        image::DynamicImage::ImageRgb8(
            image::RgbImage::from_raw(40, 30, rgb_gradient(40, 30)).expect("pixels"),
        )
        .write_to(&mut bytes, format)
        .expect("encode");
        originals.push((name, bytes.into_inner()));
    }
    // A small deterministic generator: every run damages the same bytes.
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut next = move || rng.next();
    for (name, original) in &originals {
        for round in 0..60 {
            let mut bytes = original.clone();
            match round % 3 {
                0 => bytes.truncate((next() as usize) % bytes.len()),
                1 => {
                    for _ in 0..1 + next() % 8 {
                        let at = (next() as usize) % bytes.len();
                        bytes[at] = next() as u8;
                    }
                }
                _ => {
                    // Keep the magic, scramble a header-sized window after it.
                    let at = 4 + (next() as usize) % 60.min(bytes.len() - 4);
                    for byte in bytes.iter_mut().skip(at).take(8) {
                        *byte = next() as u8;
                    }
                }
            }
            let path = write_file(dir.path(), name, &bytes);
            let _ = ingest_like(&path, &DeriveOptions::default());
        }
    }
}
