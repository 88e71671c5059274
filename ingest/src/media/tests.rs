//! Tests for the media module; every input is generated here.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use wenyuan_index::model::TechMetadata;

use super::*;

mod hostile;

// ---------- input builders ----------

/// An RGB gradient, so encoders have something non-trivial to compress.
fn rgb_gradient(width: u32, height: u32) -> Vec<u8> {
    let mut pixels = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        for x in 0..width {
            pixels.extend_from_slice(&[
                (x * 255 / width.max(1)) as u8,
                (y * 255 / height.max(1)) as u8,
                ((x + y) % 256) as u8,
            ]);
        }
    }
    pixels
}

/// A JPEG written with jpeg-encoder, optionally with an EXIF APP1 segment
/// (`exif_tiff` is the TIFF-structured body, without the `Exif\0\0` prefix).
fn jpeg_bytes(width: u16, height: u16, exif_tiff: Option<&[u8]>) -> Vec<u8> {
    let mut output = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut output, 85);
    if let Some(exif) = exif_tiff {
        encoder.add_exif_metadata(exif).expect("exif fits");
    }
    encoder
        .encode(
            &rgb_gradient(u32::from(width), u32::from(height)),
            width,
            height,
            jpeg_encoder::ColorType::Rgb,
        )
        .expect("encode jpeg");
    output
}

/// A minimal little-endian TIFF-structured EXIF block: IFD0 with Make, Model,
/// Orientation and a pointer to an EXIF IFD holding DateTimeOriginal.
fn exif_block(orientation: u16) -> Vec<u8> {
    const ASCII: u16 = 2;
    const SHORT: u16 = 3;
    const LONG: u16 = 4;
    let make = b"Huawei\0";
    let model = b"P30 Pro\0";
    let date = b"2019:05:04 10:11:12\0";
    // Layout: header (8) | IFD0: 2 + 4*12 + 4 = 54 | EXIF IFD: 2 + 12 + 4 = 18 | data
    let ifd0_offset: u32 = 8;
    let exif_ifd_offset: u32 = ifd0_offset + 54;
    let data_offset: u32 = exif_ifd_offset + 18;
    let make_offset = data_offset;
    let model_offset = make_offset + make.len() as u32;
    let date_offset = model_offset + model.len() as u32;

    let mut bytes = Vec::new();
    bytes.extend_from_slice(b"II*\0");
    bytes.extend_from_slice(&ifd0_offset.to_le_bytes());
    let entry = |bytes: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: [u8; 4]| {
        bytes.extend_from_slice(&tag.to_le_bytes());
        bytes.extend_from_slice(&kind.to_le_bytes());
        bytes.extend_from_slice(&count.to_le_bytes());
        bytes.extend_from_slice(&value);
    };
    bytes.extend_from_slice(&4u16.to_le_bytes());
    entry(
        &mut bytes,
        0x010F,
        ASCII,
        make.len() as u32,
        make_offset.to_le_bytes(),
    );
    entry(
        &mut bytes,
        0x0110,
        ASCII,
        model.len() as u32,
        model_offset.to_le_bytes(),
    );
    let orientation_bytes = orientation.to_le_bytes();
    entry(
        &mut bytes,
        0x0112,
        SHORT,
        1,
        [orientation_bytes[0], orientation_bytes[1], 0, 0],
    );
    entry(&mut bytes, 0x8769, LONG, 1, exif_ifd_offset.to_le_bytes());
    bytes.extend_from_slice(&0u32.to_le_bytes());
    assert_eq!(bytes.len() as u32, exif_ifd_offset);
    bytes.extend_from_slice(&1u16.to_le_bytes());
    entry(
        &mut bytes,
        0x9003,
        ASCII,
        date.len() as u32,
        date_offset.to_le_bytes(),
    );
    bytes.extend_from_slice(&0u32.to_le_bytes());
    assert_eq!(bytes.len() as u32, data_offset);
    bytes.extend_from_slice(make);
    bytes.extend_from_slice(model);
    bytes.extend_from_slice(date);
    bytes
}

fn png_bytes(image: image::DynamicImage) -> Vec<u8> {
    let mut output = Cursor::new(Vec::new());
    image
        .write_to(&mut output, image::ImageFormat::Png)
        .expect("encode png");
    output.into_inner()
}

/// A TIFF with `pages` RGB pages of 300 × 200 px.
fn multipage_tiff_bytes(pages: u32) -> Vec<u8> {
    let mut output = Cursor::new(Vec::new());
    {
        let mut encoder = tiff::encoder::TiffEncoder::new(&mut output).expect("tiff encoder");
        for _ in 0..pages {
            encoder
                .write_image::<tiff::encoder::colortype::RGB8>(300, 200, &rgb_gradient(300, 200))
                .expect("write tiff page");
        }
    }
    output.into_inner()
}

/// A PDF with one page per entry of `page_texts`, in Helvetica.
fn pdf_bytes(page_texts: &[&str]) -> Vec<u8> {
    use lopdf::content::{Content, Operation};
    use lopdf::{Document, Object, Stream, dictionary};

    let mut document = Document::with_version("1.5");
    let pages_id = document.new_object_id();
    let font_id = document.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let resources_id = document.add_object(dictionary! {
        "Font" => dictionary! { "F1" => font_id },
    });
    let mut kids = Vec::new();
    for text in page_texts {
        let content = Content {
            operations: vec![
                Operation::new("BT", vec![]),
                Operation::new("Tf", vec!["F1".into(), 24.into()]),
                Operation::new("Td", vec![72.into(), 700.into()]),
                Operation::new("Tj", vec![Object::string_literal(*text)]),
                Operation::new("ET", vec![]),
            ],
        };
        let content_id = document.add_object(Stream::new(
            dictionary! {},
            content.encode().expect("encode content"),
        ));
        let page_id = document.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "Contents" => content_id,
        });
        kids.push(page_id.into());
    }
    let page_count = kids.len() as i64;
    document.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => kids,
            "Count" => page_count,
            "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog_id = document.add_object(dictionary! {
        "Type" => "Catalog",
        "Pages" => pages_id,
    });
    document.trailer.set("Root", catalog_id);
    let mut output = Vec::new();
    document.save_to(&mut output).expect("save pdf");
    output
}

/// CRC-32 (IEEE), as PNG chunks need.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(output: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    output.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut checked = kind.to_vec();
    checked.extend_from_slice(data);
    output.extend_from_slice(&checked);
    output.extend_from_slice(&crc32(&checked).to_be_bytes());
}

/// A PNG whose IHDR claims `width` × `height` RGB pixels, with a token IDAT.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut output = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]);
    png_chunk(&mut output, b"IHDR", &header);
    png_chunk(
        &mut output,
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    png_chunk(&mut output, b"IEND", &[]);
    output
}

fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write input");
    path
}

fn head_of(path: &Path) -> Vec<u8> {
    let bytes = std::fs::read(path).expect("read input");
    bytes[..bytes.len().min(8192)].to_vec()
}

fn identified(path: &Path) -> MediaType {
    identify(path, &head_of(path))
}

/// Identifies, reads technical metadata and derives, as the pipeline does.
fn derive(
    path: &Path,
    out_dir: &Path,
) -> Result<Vec<wenyuan_index::model::PageDerivative>, MediaError> {
    let media = identified(path);
    let tech = technical(path, &media).unwrap_or_default();
    make_derivatives(path, &media, &tech, out_dir, &DeriveOptions::default())
}

fn jpeg_size(path: &Path) -> (u32, u32) {
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(std::fs::read(path).expect("read")));
    decoder.read_info().expect("derivative is a valid jpeg");
    let info = decoder.info().expect("info");
    (u32::from(info.width), u32::from(info.height))
}

fn jpeg_components(path: &Path) -> jpeg_decoder::PixelFormat {
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(std::fs::read(path).expect("read")));
    decoder.read_info().expect("valid jpeg");
    decoder.info().expect("info").pixel_format
}

fn assert_near(actual: u32, expected: u32, what: &str) {
    assert!(
        actual.abs_diff(expected) <= 1,
        "{what}: got {actual}, expected about {expected}"
    );
}

// ---------- identify ----------

#[test]
fn identifies_by_content_even_with_a_wrong_extension() {
    let dir = tempfile::tempdir().expect("tempdir");
    let jpeg = write_file(dir.path(), "photo.png", &jpeg_bytes(16, 16, None));
    let png = write_file(
        dir.path(),
        "scan.jpg",
        &png_bytes(image::DynamicImage::new_rgb8(8, 8)),
    );
    let tiff = write_file(dir.path(), "page.txt", &multipage_tiff_bytes(1));
    let pdf = write_file(dir.path(), "book.dat", &pdf_bytes(&["hello"]));
    assert_eq!(
        identified(&jpeg),
        MediaType::new("image/jpeg", MediaKind::Image)
    );
    assert_eq!(
        identified(&png),
        MediaType::new("image/png", MediaKind::Image)
    );
    assert_eq!(
        identified(&tiff),
        MediaType::new("image/tiff", MediaKind::Image)
    );
    assert_eq!(
        identified(&pdf),
        MediaType::new("application/pdf", MediaKind::Pdf)
    );
}

#[test]
fn identifies_plain_text_in_utf8_and_gb18030_and_unknown_content() {
    let dir = tempfile::tempdir().expect("tempdir");
    let utf8 = write_file(
        dir.path(),
        "说明.txt",
        "北京市文化馆藏品说明\n第二行".as_bytes(),
    );
    let (gbk, _, _) = encoding_rs::GB18030.encode("题名,责任者\n老照片,张三\n");
    let gb18030 = write_file(dir.path(), "metadata.CSV", &gbk);
    assert!(
        std::str::from_utf8(&gbk).is_err(),
        "test input must not be UTF-8"
    );
    let text = MediaType::new("text/plain", MediaKind::Text);
    assert_eq!(identified(&utf8), text);
    assert_eq!(identified(&gb18030), text);

    let unknown = MediaType::new("application/octet-stream", MediaKind::Other);
    let binary = write_file(
        dir.path(),
        "notes.txt",
        &[0x00, 0x01, 0xFE, 0x02, 0x00, 0x9F],
    );
    assert_eq!(identified(&binary), unknown);
    let text_with_other_extension = write_file(dir.path(), "data.bin", b"just words");
    assert_eq!(identified(&text_with_other_extension), unknown);
    // A JPEG named .txt is still a JPEG.
    let jpeg_named_txt = write_file(dir.path(), "x.txt", &jpeg_bytes(8, 8, None));
    assert_eq!(identified(&jpeg_named_txt).kind, MediaKind::Image);
}

#[test]
fn text_cut_mid_character_at_the_head_boundary_is_still_text() {
    let mut text = "文".repeat(2731).into_bytes(); // 8193 bytes
    text.truncate(8192); // ends inside a character
    assert_eq!(
        identify(Path::new("a.txt"), &text),
        MediaType::new("text/plain", MediaKind::Text)
    );
}

// ---------- technical ----------

#[test]
fn technical_metadata_of_a_jpeg_with_exif() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_file(
        dir.path(),
        "p.jpg",
        &jpeg_bytes(64, 48, Some(&exif_block(6))),
    );
    let tech = technical(&path, &identified(&path)).expect("technical");
    assert_eq!(
        tech,
        TechMetadata {
            width: Some(64),
            height: Some(48),
            exif_datetime: Some("2019:05:04 10:11:12".into()),
            camera_make: Some("Huawei".into()),
            camera_model: Some("P30 Pro".into()),
            orientation: Some(6),
            ..TechMetadata::default()
        }
    );
}

#[test]
fn technical_metadata_of_a_plain_jpeg_and_orientation_one_is_omitted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_file(
        dir.path(),
        "p.jpg",
        &jpeg_bytes(30, 20, Some(&exif_block(1))),
    );
    let tech = technical(&path, &identified(&path)).expect("technical");
    assert_eq!((tech.width, tech.height), (Some(30), Some(20)));
    assert_eq!(tech.orientation, None);
    assert_eq!(tech.page_count, None);
}

#[test]
fn technical_metadata_counts_tiff_pages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_file(dir.path(), "book.tif", &multipage_tiff_bytes(3));
    let tech = technical(&path, &identified(&path)).expect("technical");
    assert_eq!(tech.page_count, Some(3));
    assert_eq!((tech.width, tech.height), (Some(300), Some(200)));
}

#[test]
fn technical_metadata_counts_gif_frames() {
    use image::codecs::gif::GifEncoder;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bytes = Vec::new();
    {
        let mut encoder = GifEncoder::new(&mut bytes);
        for shade in [0u8, 120, 250] {
            let frame = image::Frame::new(image::RgbaImage::from_pixel(
                20,
                10,
                image::Rgba([shade, 0, 0, 255]),
            ));
            encoder.encode_frame(frame).expect("gif frame");
        }
    }
    let path = write_file(dir.path(), "a.gif", &bytes);
    let tech = technical(&path, &identified(&path)).expect("technical");
    assert_eq!(tech.page_count, Some(3));
    assert_eq!((tech.width, tech.height), (Some(20), Some(10)));
    let pages = derive(&path, &dir.path().join("out")).expect("derive gif");
    assert_eq!(pages.len(), 1, "only the first frame gets derivatives");
}

#[test]
fn pdf_page_count_and_text_layer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_file(
        dir.path(),
        "book.pdf",
        &pdf_bytes(&["Hello wenyuan", "Second page", "Third page"]),
    );
    let media = identified(&path);
    let tech = technical(&path, &media).expect("technical");
    assert_eq!(tech.page_count, Some(3));
    let text = pdf_text(&path).expect("pdf text").expect("has text");
    let pages: Vec<&str> = text.split("\n\x0c\n").map(str::trim).collect();
    assert_eq!(pages, ["Hello wenyuan", "Second page", "Third page"]);
    assert_eq!(
        make_derivatives(
            &path,
            &media,
            &tech,
            &dir.path().join("out"),
            &DeriveOptions::default()
        )
        .expect("pdf derivatives"),
        vec![]
    );
}

#[test]
fn pdf_without_text_gives_none_and_garbage_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let blank = write_file(dir.path(), "scan.pdf", &pdf_bytes(&["", ""]));
    assert_eq!(pdf_text(&blank).expect("blank pdf"), None);
    let broken = write_file(
        dir.path(),
        "broken.pdf",
        b"%PDF-1.4\nthis is not a pdf at all",
    );
    let error = pdf_text(&broken).expect_err("garbage pdf");
    assert!(error.to_string().starts_with("not a valid PDF"), "{error}");
    let media = MediaType::new("application/pdf", MediaKind::Pdf);
    assert!(technical(&broken, &media).is_err());
}

#[test]
fn technical_metadata_of_a_truncated_tiff_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bytes = multipage_tiff_bytes(3);
    // Keep the header, point into nowhere: cut well before the IFDs at the end.
    let path = write_file(dir.path(), "cut.tif", &bytes[..bytes.len() / 3]);
    let media = MediaType::new("image/tiff", MediaKind::Image);
    assert!(technical(&path, &media).is_err());
}

// ---------- derivatives ----------

#[test]
fn a_large_jpeg_gives_a_1600_web_image_and_a_400_thumbnail() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_file(dir.path(), "big.jpg", &jpeg_bytes(3000, 2000, None));
    let out_dir = dir.path().join("derived").join("abc");
    let pages = derive(&path, &out_dir).expect("derive");
    assert_eq!(pages.len(), 1);
    let page = &pages[0];
    assert_eq!(page.page, 1);
    assert_eq!((page.width, page.height), (3000, 2000));
    assert_eq!(page.web, "p0001-web.jpg");
    assert_eq!(page.thumbnail, "p0001-thumb.jpg");
    let (web_width, web_height) = jpeg_size(&out_dir.join(&page.web));
    assert_eq!(web_width, 1600);
    assert_near(web_height, 1067, "web height");
    let (thumb_width, thumb_height) = jpeg_size(&out_dir.join(&page.thumbnail));
    assert_eq!(thumb_width, 400);
    assert_near(thumb_height, 267, "thumbnail height");
    let leftovers: Vec<_> = std::fs::read_dir(&out_dir)
        .expect("out dir")
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn a_small_png_is_not_upscaled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let image = image::DynamicImage::ImageRgb8(
        image::RgbImage::from_raw(300, 200, rgb_gradient(300, 200)).expect("buffer"),
    );
    let path = write_file(dir.path(), "small.png", &png_bytes(image));
    let out_dir = dir.path().join("out");
    let pages = derive(&path, &out_dir).expect("derive");
    assert_eq!(pages.len(), 1);
    assert_eq!(jpeg_size(&out_dir.join(&pages[0].web)), (300, 200));
    assert_eq!(jpeg_size(&out_dir.join(&pages[0].thumbnail)), (300, 200));
    assert_eq!((pages[0].width, pages[0].height), (300, 200));
}

#[test]
fn a_grey_png_stays_grey_and_alpha_is_composited() {
    let dir = tempfile::tempdir().expect("tempdir");
    let grey = image::GrayImage::from_fn(900, 600, |x, y| image::Luma([((x + y) % 256) as u8]));
    let path = write_file(dir.path(), "grey.png", &png_bytes(grey.into()));
    let out_dir = dir.path().join("grey");
    let pages = derive(&path, &out_dir).expect("derive grey");
    assert_eq!(jpeg_size(&out_dir.join(&pages[0].web)), (900, 600));
    assert_eq!(jpeg_size(&out_dir.join(&pages[0].thumbnail)), (400, 267));
    assert_eq!(
        jpeg_components(&out_dir.join(&pages[0].web)),
        jpeg_decoder::PixelFormat::L8
    );

    // Fully transparent black must come out white, not black.
    let transparent = image::RgbaImage::from_pixel(50, 50, image::Rgba([0, 0, 0, 0]));
    let path = write_file(dir.path(), "alpha.png", &png_bytes(transparent.into()));
    let out_dir = dir.path().join("alpha");
    let pages = derive(&path, &out_dir).expect("derive alpha");
    let web = image::open(out_dir.join(&pages[0].web))
        .expect("open web")
        .into_rgb8();
    let centre = web.get_pixel(25, 25).0;
    assert!(centre.iter().all(|&channel| channel > 240), "{centre:?}");
}

#[test]
fn a_three_page_tiff_gives_three_page_derivatives() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_file(dir.path(), "book.tif", &multipage_tiff_bytes(3));
    let out_dir = dir.path().join("out");
    let pages = derive(&path, &out_dir).expect("derive tiff");
    let numbers: Vec<u32> = pages.iter().map(|page| page.page).collect();
    assert_eq!(numbers, [1, 2, 3]);
    for page in &pages {
        assert_eq!(page.web, format!("p{:04}-web.jpg", page.page));
        assert_eq!(jpeg_size(&out_dir.join(&page.web)), (300, 200));
        assert!(out_dir.join(&page.thumbnail).is_file());
    }
}

#[test]
fn max_pages_bounds_tiff_derivatives() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_file(dir.path(), "book.tif", &multipage_tiff_bytes(3));
    let media = identified(&path);
    let options = DeriveOptions {
        max_pages: 2,
        ..DeriveOptions::default()
    };
    let pages = make_derivatives(
        &path,
        &media,
        &TechMetadata::default(),
        dir.path(),
        &options,
    )
    .expect("derive");
    assert_eq!(pages.len(), 2);
}

#[test]
fn exif_orientation_six_stands_the_photo_upright() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Landscape pixels, left half dark, right half light; orientation 6 means
    // "rotate 90° clockwise to display", so the light half must end up at the bottom.
    let (width, height) = (2400u16, 1200u16);
    let mut pixels = Vec::with_capacity(usize::from(width) * usize::from(height) * 3);
    for _y in 0..height {
        for x in 0..width {
            let value = if x < width / 2 { 20 } else { 235 };
            pixels.extend_from_slice(&[value, value, value]);
        }
    }
    let mut bytes = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut bytes, 85);
    encoder.add_exif_metadata(&exif_block(6)).expect("exif");
    encoder
        .encode(&pixels, width, height, jpeg_encoder::ColorType::Rgb)
        .expect("encode");
    let path = write_file(dir.path(), "phone.jpg", &bytes);
    let out_dir = dir.path().join("out");
    let pages = derive(&path, &out_dir).expect("derive");
    assert_eq!((pages[0].width, pages[0].height), (1200, 2400));
    assert_eq!(jpeg_size(&out_dir.join(&pages[0].web)), (800, 1600));
    assert_eq!(jpeg_size(&out_dir.join(&pages[0].thumbnail)), (200, 400));
    let web = image::open(out_dir.join(&pages[0].web))
        .expect("open")
        .into_luma8();
    assert!(web.get_pixel(400, 200).0[0] < 60, "top should be dark");
    assert!(
        web.get_pixel(400, 1400).0[0] > 200,
        "bottom should be light"
    );
}

#[test]
fn a_truncated_jpeg_is_an_error_or_a_partial_image_but_never_a_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bytes = jpeg_bytes(800, 600, None);
    for cut in [bytes.len() / 2, 200, 20, 3] {
        let path = write_file(dir.path(), "cut.jpg", &bytes[..cut]);
        let media = MediaType::new("image/jpeg", MediaKind::Image);
        let _ = technical(&path, &media);
        let result = make_derivatives(
            &path,
            &media,
            &TechMetadata::default(),
            &dir.path().join("out"),
            &DeriveOptions::default(),
        );
        if cut < 300 {
            assert!(result.is_err(), "a {cut}-byte JPEG has no image data");
        }
        if let Err(error) = result {
            assert!(!error.to_string().is_empty());
        }
    }
}

#[test]
fn a_png_claiming_100000_by_100000_is_refused_quickly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_file(dir.path(), "bomb.png", &png_claiming(100_000, 100_000));
    let media = identified(&path);
    assert_eq!(media.mime, "image/png");
    let tech = technical(&path, &media).expect("the header itself is readable");
    assert_eq!((tech.width, tech.height), (Some(100_000), Some(100_000)));
    let started = Instant::now();
    let error = make_derivatives(
        &path,
        &media,
        &tech,
        &dir.path().join("out"),
        &DeriveOptions::default(),
    )
    .expect_err("must refuse");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        matches!(error, MediaError::ImageTooLarge { .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "the image claims 100000 × 100000 px, more than the 200 megapixel limit"
    );
    assert!(!dir.path().join("out").join("p0001-web.jpg").exists());
}

#[test]
fn a_zero_byte_file_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_file(dir.path(), "empty.jpg", b"");
    assert_eq!(identified(&path).kind, MediaKind::Other);
    for mime in ["image/jpeg", "image/png", "image/tiff", "image/gif"] {
        let media = MediaType::new(mime, MediaKind::Image);
        assert!(technical(&path, &media).is_err(), "{mime} technical");
        let result = make_derivatives(
            &path,
            &media,
            &TechMetadata::default(),
            &dir.path().join("out"),
            &DeriveOptions::default(),
        );
        assert!(
            matches!(result, Err(MediaError::Empty)),
            "{mime}: {result:?}"
        );
    }
    let pdf = MediaType::new("application/pdf", MediaKind::Pdf);
    assert!(technical(&path, &pdf).is_err());
}

#[test]
fn non_images_have_no_derivatives() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_file(dir.path(), "a.txt", b"hello");
    let media = identified(&path);
    assert_eq!(
        technical(&path, &media).expect("tech"),
        TechMetadata::default()
    );
    let pages = make_derivatives(
        &path,
        &media,
        &TechMetadata::default(),
        dir.path(),
        &DeriveOptions::default(),
    )
    .expect("derive");
    assert!(pages.is_empty());
}

/// Speed check by hand: `cargo test --release -p wenyuan-ingest --lib media -- --ignored --nocapture`.
#[test]
#[ignore]
fn time_derivatives_of_a_4000_by_3000_jpeg() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_file(dir.path(), "big.jpg", &jpeg_bytes(4000, 3000, None));
    let media = identified(&path);
    let tech = technical(&path, &media).expect("tech");
    let runs = 5;
    let started = Instant::now();
    for run in 0..runs {
        make_derivatives(
            &path,
            &media,
            &tech,
            &dir.path().join(format!("o{run}")),
            &DeriveOptions::default(),
        )
        .expect("derive");
    }
    eprintln!(
        "make_derivatives on 4000×3000 JPEG: {:.1} ms per file",
        started.elapsed().as_secs_f64() * 1000.0 / f64::from(runs)
    );
}
