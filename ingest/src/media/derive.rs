//! Thumbnail and web derivatives of image pages.
//!
//! Each page is decoded once, at the smallest size the web derivative needs
//! (JPEG: DCT-domain scaling in jpeg-decoder), resized with
//! `fast_image_resize`, the thumbnail made from the web image, EXIF
//! orientation applied to the small buffers, and both encoded as 4:2:0 JPEG
//! with `jpeg-encoder`. Grey pages stay grey.

use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use fast_image_resize as fir;
use image::DynamicImage;
use wenyuan_index::model::{PageDerivative, TechMetadata};

use super::technical::{describe_jpeg_error, image_error, tiff_error};
use super::{MediaError, MediaKind, MediaType, guard_against_panics};

/// Limits and sizes for [`make_derivatives`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeriveOptions {
    /// Longest side of the thumbnail, in pixels (default 400).
    pub thumbnail_px: u32,
    /// Longest side of the web image, in pixels (default 1600).
    pub web_px: u32,
    /// Refuse pages whose header claims more pixels than this (default 200 000 000).
    pub max_pixels: u64,
    /// Memory a decoder may allocate for one page (default 1 GiB).
    pub max_alloc_bytes: u64,
    /// JPEG quality of the derivatives, 1–100 (default 82).
    pub jpeg_quality: u8,
    /// Make derivatives for at most this many pages of one file (default 2000).
    pub max_pages: u32,
    /// Where files are written before being renamed into place (default: next
    /// to them). The ingest points this at one folder it empties at the start
    /// of every run, so a run killed mid-write leaves nothing behind for good.
    /// It must be on the same filesystem as the output.
    pub temporary_dir: Option<PathBuf>,
}

impl Default for DeriveOptions {
    fn default() -> Self {
        DeriveOptions {
            thumbnail_px: 400,
            web_px: 1600,
            max_pixels: 200_000_000,
            max_alloc_bytes: 1 << 30,
            jpeg_quality: 82,
            max_pages: 2000,
            temporary_dir: None,
        }
    }
}

/// An 8-bit page buffer: grey (1 channel) or RGB (3 channels), rows packed.
struct Raster {
    width: u32,
    height: u32,
    channels: u8,
    pixels: Vec<u8>,
}

/// Makes a thumbnail (longest side `thumbnail_px`) and a web image (longest side
/// `web_px`, never upscaled) as 4:2:0 JPEG for every image page of the file.
///
/// Every page of a multi-page TIFF is derived (up to `max_pages`), the first
/// frame of a GIF, the single image of other formats. EXIF orientation is
/// applied so phone photos stand upright (from `tech` for single-image files,
/// from each page's own tag for TIFF). Writes `<out_dir>/p{page:04}-thumb.jpg`
/// and `<out_dir>/p{page:04}-web.jpg` atomically (temporary name in `out_dir`,
/// then rename), creating `out_dir`. Returns one [`PageDerivative`] per page with
/// the file names (not paths) and the oriented full page size.
///
/// PDFs, audio, video, text, other files and image formats no linked decoder
/// reads (HEIC, PSD …) give `Ok(vec![])`.
pub fn make_derivatives(
    path: &Path,
    media: &MediaType,
    tech: &TechMetadata,
    out_dir: &Path,
    options: &DeriveOptions,
) -> Result<Vec<PageDerivative>, MediaError> {
    if media.kind != MediaKind::Image {
        return Ok(Vec::new());
    }
    guard_against_panics(|| match media.mime.as_str() {
        "image/jpeg" => derive_jpeg(path, tech, out_dir, options).map(|page| vec![page]),
        "image/tiff" => derive_tiff_pages(path, out_dir, options),
        "image/png" | "image/webp" | "image/gif" | "image/bmp" => {
            derive_with_image_crate(path, tech, out_dir, options).map(|page| vec![page])
        }
        _ => Ok(Vec::new()),
    })
}

/// The size fitting `(width, height)` into a `longest_side` box, never larger than the input.
fn fit_within(width: u32, height: u32, longest_side: u32) -> (u32, u32) {
    let longest = width.max(height);
    if longest <= longest_side || longest == 0 {
        return (width.max(1), height.max(1));
    }
    let scale = f64::from(longest_side) / f64::from(longest);
    let scaled = |side: u32| ((f64::from(side) * scale).round() as u32).clamp(1, longest_side);
    (scaled(width), scaled(height))
}

/// Refuses a page whose claimed size is over the pixel limit.
fn check_pixel_limit(width: u32, height: u32, options: &DeriveOptions) -> Result<(), MediaError> {
    let pixels = u64::from(width) * u64::from(height);
    if pixels > options.max_pixels {
        return Err(MediaError::ImageTooLarge {
            width: u64::from(width),
            height: u64::from(height),
            limit_megapixels: options.max_pixels / 1_000_000,
        });
    }
    if width == 0 || height == 0 {
        return Err(MediaError::DamagedImage(format!(
            "the header gives an empty size of {width} × {height} px"
        )));
    }
    Ok(())
}

/// The orientation to apply, when it changes anything.
fn effective_orientation(orientation: Option<u16>) -> Option<u8> {
    orientation
        .and_then(|value| u8::try_from(value).ok())
        .filter(|value| (2..=8).contains(value))
}

/// JPEG: one decode at the DCT scale the web image needs (jpeg-decoder), with
/// a full zune-jpeg decode for files jpeg-decoder refuses (CMYK, 16-bit, odd ones).
fn derive_jpeg(
    path: &Path,
    tech: &TechMetadata,
    out_dir: &Path,
    options: &DeriveOptions,
) -> Result<PageDerivative, MediaError> {
    let bytes = std::fs::read(path)?;
    if bytes.is_empty() {
        return Err(MediaError::Empty);
    }
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes.as_slice()));
    decoder.set_max_decoding_buffer_size(
        usize::try_from(options.max_alloc_bytes).unwrap_or(usize::MAX),
    );
    let header_result = decoder.read_info();
    let info = match (&header_result, decoder.info()) {
        (Ok(()), Some(info)) => info,
        (Err(jpeg_decoder::Error::Unsupported(_)), _) | (Ok(()), None) => {
            let raster = decode_jpeg_with_zune(&bytes, options)?;
            let (width, height) = (raster.width, raster.height);
            return derive_page(raster, width, height, 1, tech.orientation, out_dir, options);
        }
        (Err(error), _) => return Err(MediaError::DamagedImage(describe_jpeg_error(error))),
    };
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    check_pixel_limit(width, height, options)?;
    check_jpeg_data_size(bytes.len(), width, height)?;

    let scaled_raster = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 | jpeg_decoder::PixelFormat::RGB24 => {
            let (web_width, web_height) = fit_within(width, height, options.web_px);
            let requested_width = u16::try_from(web_width).unwrap_or(u16::MAX);
            let requested_height = u16::try_from(web_height).unwrap_or(u16::MAX);
            decoder.scale(requested_width, requested_height).and_then(
                |(scaled_width, scaled_height)| {
                    decoder.decode().map(|pixels| Raster {
                        width: u32::from(scaled_width),
                        height: u32::from(scaled_height),
                        channels: if info.pixel_format == jpeg_decoder::PixelFormat::L8 {
                            1
                        } else {
                            3
                        },
                        pixels,
                    })
                },
            )
        }
        _ => Err(jpeg_decoder::Error::Unsupported(
            jpeg_decoder::UnsupportedFeature::NonIntegerSubsamplingRatio,
        )),
    };
    let raster = match scaled_raster {
        Ok(raster) if raster.pixels.len() >= expected_len(&raster) => raster,
        Ok(_) => {
            return Err(MediaError::DamagedImage(
                "the decoded image is incomplete".into(),
            ));
        }
        Err(jpeg_decoder::Error::Unsupported(_)) => decode_jpeg_with_zune(&bytes, options)?,
        Err(first_error) => {
            // Try the other decoder once before calling the file damaged.
            decode_jpeg_with_zune(&bytes, options)
                .map_err(|_| MediaError::DamagedImage(describe_jpeg_error(&first_error)))?
        }
    };
    derive_page(raster, width, height, 1, tech.orientation, out_dir, options)
}

/// Refuses a JPEG whose file is too small to hold the blocks its header
/// claims. A Huffman-coded scan spends at least one bit on every 8 × 8
/// block of its first component (a DC code), so a file of `file_bytes`
/// cannot hold more than `8 × file_bytes` of them; counting 16 × 16 blocks
/// leaves room for a subsampled first component. Without this check a
/// 1 KB file claiming 14 000 × 14 000 px is decoded in full, out of
/// nothing, for many seconds.
fn check_jpeg_data_size(file_bytes: usize, width: u32, height: u32) -> Result<(), MediaError> {
    let least_blocks = u64::from(width.div_ceil(16)) * u64::from(height.div_ceil(16));
    if (file_bytes as u64).saturating_mul(8) < least_blocks {
        return Err(MediaError::DamagedImage(format!(
            "the file ({file_bytes} bytes) is too small to hold the {width} × {height} px its header claims (cut short or forged)"
        )));
    }
    Ok(())
}

/// Bytes a raster's pixel buffer must hold.
fn expected_len(raster: &Raster) -> usize {
    raster.width as usize * raster.height as usize * usize::from(raster.channels)
}

/// Full-size JPEG decode with zune-jpeg, output grey or RGB.
fn decode_jpeg_with_zune(bytes: &[u8], options: &DeriveOptions) -> Result<Raster, MediaError> {
    use zune_jpeg::zune_core::bytestream::ZCursor;
    use zune_jpeg::zune_core::colorspace::ColorSpace;
    use zune_jpeg::zune_core::options::DecoderOptions;

    let damaged =
        |error: zune_jpeg::errors::DecodeErrors| MediaError::DamagedImage(error.to_string());
    let mut probe = zune_jpeg::JpegDecoder::new(ZCursor::new(bytes));
    probe.decode_headers().map_err(damaged)?;
    let info = probe
        .info()
        .ok_or_else(|| MediaError::DamagedImage("the JPEG header cannot be read".into()))?;
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    check_pixel_limit(width, height, options)?;
    check_jpeg_data_size(bytes.len(), width, height)?;
    let is_grey = info.components == 1;
    let out_colorspace = if is_grey {
        ColorSpace::Luma
    } else {
        ColorSpace::RGB
    };
    let channels: u8 = if is_grey { 1 } else { 3 };
    let needed_bytes = u64::from(width) * u64::from(height) * u64::from(channels);
    if needed_bytes > options.max_alloc_bytes {
        return Err(MediaError::MemoryLimit {
            limit_mib: options.max_alloc_bytes >> 20,
        });
    }
    let decoder_options = DecoderOptions::default()
        .set_max_width(usize::from(u16::MAX))
        .set_max_height(usize::from(u16::MAX))
        .jpeg_set_out_colorspace(out_colorspace);
    let mut decoder =
        zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), decoder_options);
    let pixels = decoder.decode().map_err(damaged)?;
    let raster = Raster {
        width,
        height,
        channels,
        pixels,
    };
    if raster.pixels.len() < expected_len(&raster) {
        return Err(MediaError::DamagedImage(
            "the decoded image is incomplete".into(),
        ));
    }
    Ok(raster)
}

/// PNG, WebP, GIF (first frame), BMP through the `image` crate, with limits,
/// after checking the size from the header.
fn derive_with_image_crate(
    path: &Path,
    tech: &TechMetadata,
    out_dir: &Path,
    options: &DeriveOptions,
) -> Result<PageDerivative, MediaError> {
    if std::fs::metadata(path)?.len() == 0 {
        return Err(MediaError::Empty);
    }
    let open_reader = || -> Result<image::ImageReader<BufReader<File>>, MediaError> {
        Ok(image::ImageReader::new(BufReader::new(File::open(path)?)).with_guessed_format()?)
    };
    let (width, height) = open_reader()?
        .into_dimensions()
        .map_err(|error| image_error(error, Some(options.max_alloc_bytes)))?;
    check_pixel_limit(width, height, options)?;

    let mut reader = open_reader()?;
    reader.limits(image_limits(options));
    let to_error = |error| image_error(error, Some(options.max_alloc_bytes));
    let decoder = reader.into_decoder().map_err(to_error)?;
    // The decoded pixels and, unless they already are 8-bit grey or RGB,
    // their conversion live at once: both count against the memory limit
    // (a 40-byte GIF whose screen claims 14 000 × 14 000 px would otherwise
    // take 1.4 GB, and a minute of compositing in a debug build).
    let converted_bytes = match image::ImageDecoder::color_type(&decoder) {
        image::ColorType::L8 | image::ColorType::Rgb8 => 0,
        colour => {
            let channels = if colour.has_color() { 3 } else { 1 };
            u64::from(width) * u64::from(height) * channels
        }
    };
    let needed_bytes = image::ImageDecoder::total_bytes(&decoder).saturating_add(converted_bytes);
    if needed_bytes > options.max_alloc_bytes {
        return Err(MediaError::MemoryLimit {
            limit_mib: options.max_alloc_bytes >> 20,
        });
    }
    let decoded = DynamicImage::from_decoder(decoder).map_err(to_error)?;
    let raster = raster_from_dynamic(decoded);
    derive_page(raster, width, height, 1, tech.orientation, out_dir, options)
}

/// `image` crate limits from the options.
fn image_limits(options: &DeriveOptions) -> image::Limits {
    let side_limit = u32::try_from(options.max_pixels).unwrap_or(u32::MAX);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(side_limit);
    limits.max_image_height = Some(side_limit);
    limits.max_alloc = Some(options.max_alloc_bytes);
    limits
}

/// Converts any decoded image to 8-bit grey or RGB, compositing alpha on white.
fn raster_from_dynamic(image: DynamicImage) -> Raster {
    let (width, height) = (image.width(), image.height());
    let has_alpha = image.color().has_alpha();
    let (channels, pixels) = match (image.color().has_color(), has_alpha) {
        (false, false) => (1, image.into_luma8().into_raw()),
        (false, true) => (
            1,
            composite_on_white(&image.into_luma_alpha8().into_raw(), 1),
        ),
        (true, false) => (3, image.into_rgb8().into_raw()),
        (true, true) => (3, composite_on_white(&image.into_rgba8().into_raw(), 3)),
    };
    Raster {
        width,
        height,
        channels,
        pixels,
    }
}

/// Drops the alpha channel of interleaved 8-bit samples, blending onto white.
fn composite_on_white(samples_with_alpha: &[u8], colour_channels: usize) -> Vec<u8> {
    let stride = colour_channels + 1;
    let mut output = Vec::with_capacity(samples_with_alpha.len() / stride * colour_channels);
    for pixel in samples_with_alpha.chunks_exact(stride) {
        let alpha = u32::from(pixel[colour_channels]);
        for &sample in &pixel[..colour_channels] {
            let blended = (u32::from(sample) * alpha + 255 * (255 - alpha) + 127) / 255;
            output.push(blended as u8);
        }
    }
    output
}

/// Every page of a TIFF, each decoded with limits through the `tiff` crate.
fn derive_tiff_pages(
    path: &Path,
    out_dir: &Path,
    options: &DeriveOptions,
) -> Result<Vec<PageDerivative>, MediaError> {
    if std::fs::metadata(path)?.len() == 0 {
        return Err(MediaError::Empty);
    }
    let mut limits = tiff::decoder::Limits::default();
    limits.decoding_buffer_size = usize::try_from(options.max_alloc_bytes).unwrap_or(usize::MAX);
    limits.intermediate_buffer_size = limits.decoding_buffer_size;
    let reader = BufReader::new(File::open(path)?);
    let mut decoder = tiff::decoder::Decoder::new(reader)
        .map_err(tiff_error)?
        .with_limits(limits);
    let mut derivatives = Vec::new();
    let mut page: u32 = 1;
    loop {
        if page > options.max_pages {
            tracing::warn!(
                path = %path.display(),
                max_pages = options.max_pages,
                "TIFF has more pages than the derivative limit; later pages have no derivatives"
            );
            break;
        }
        let on_page = |error: MediaError| match error {
            MediaError::DamagedImage(reason) => {
                MediaError::DamagedImage(format!("page {page}: {reason}"))
            }
            MediaError::UnsupportedImage(reason) => {
                MediaError::UnsupportedImage(format!("page {page}: {reason}"))
            }
            other => other,
        };
        let (width, height) = decoder.dimensions().map_err(tiff_error).map_err(on_page)?;
        check_pixel_limit(width, height, options)?;
        let orientation = decoder
            .find_tag_unsigned::<u16>(tiff::tags::Tag::Orientation)
            .ok()
            .flatten();
        let raster = decode_tiff_page(&mut decoder, width, height, options).map_err(on_page)?;
        derivatives.push(derive_page(
            raster,
            width,
            height,
            page,
            orientation,
            out_dir,
            options,
        )?);
        if !decoder.more_images() {
            break;
        }
        decoder
            .next_image()
            .map_err(tiff_error)
            .map_err(|error| match error {
                MediaError::DamagedImage(reason) => {
                    MediaError::DamagedImage(format!("page {}: {reason}", page + 1))
                }
                other => other,
            })?;
        page += 1;
    }
    Ok(derivatives)
}

/// Decodes the current TIFF page to 8-bit grey or RGB.
fn decode_tiff_page<R: Read + Seek>(
    decoder: &mut tiff::decoder::Decoder<R>,
    width: u32,
    height: u32,
    options: &DeriveOptions,
) -> Result<Raster, MediaError> {
    use tiff::ColorType;
    use tiff::decoder::DecodingResult;

    let colour_type = decoder.colortype().map_err(tiff_error)?;
    let samples_per_pixel: u64 = match colour_type {
        ColorType::Gray(_) => 1,
        ColorType::GrayA(_) | ColorType::Multiband { num_samples: 2, .. } => 2,
        ColorType::RGB(_) => 3,
        _ => 4,
    };
    let bytes_per_sample: u64 = if colour_type.bit_depth() > 8 { 2 } else { 1 };
    let needed_bytes = u64::from(width) * u64::from(height) * samples_per_pixel * bytes_per_sample;
    if needed_bytes > options.max_alloc_bytes {
        return Err(MediaError::MemoryLimit {
            limit_mib: options.max_alloc_bytes >> 20,
        });
    }
    let pixel_count = width as usize * height as usize;
    let unsupported = || MediaError::UnsupportedImage(format!("TIFF colour type {colour_type:?}"));
    let short = || MediaError::DamagedImage("the page has fewer pixels than it claims".into());
    let colormap = if matches!(colour_type, ColorType::Palette(8)) {
        Some(
            decoder
                .get_tag_u16_vec(tiff::tags::Tag::ColorMap)
                .map_err(tiff_error)?,
        )
    } else {
        None
    };
    let decoded = decoder.read_image().map_err(tiff_error)?;

    let dynamic = match (colour_type, decoded) {
        (ColorType::Gray(1), DecodingResult::U8(packed)) => {
            let row_bytes = (width as usize).div_ceil(8);
            if packed.len() < row_bytes * height as usize {
                return Err(short());
            }
            let mut grey = Vec::with_capacity(pixel_count);
            for row in packed.chunks_exact(row_bytes).take(height as usize) {
                for x in 0..width as usize {
                    let bit = (row[x / 8] >> (7 - (x % 8))) & 1;
                    grey.push(if bit == 1 { 255 } else { 0 });
                }
            }
            return Ok(Raster {
                width,
                height,
                channels: 1,
                pixels: grey,
            });
        }
        (ColorType::Gray(8), DecodingResult::U8(samples)) => {
            image::GrayImage::from_raw(width, height, samples).map(DynamicImage::ImageLuma8)
        }
        (ColorType::Gray(16), DecodingResult::U16(samples)) => {
            image::ImageBuffer::from_raw(width, height, samples).map(DynamicImage::ImageLuma16)
        }
        (
            ColorType::GrayA(8)
            | ColorType::Multiband {
                bit_depth: 8,
                num_samples: 2,
            },
            DecodingResult::U8(samples),
        ) => image::GrayAlphaImage::from_raw(width, height, samples).map(DynamicImage::ImageLumaA8),
        (
            ColorType::GrayA(16)
            | ColorType::Multiband {
                bit_depth: 16,
                num_samples: 2,
            },
            DecodingResult::U16(samples),
        ) => image::ImageBuffer::from_raw(width, height, samples).map(DynamicImage::ImageLumaA16),
        (ColorType::RGB(8), DecodingResult::U8(samples)) => {
            image::RgbImage::from_raw(width, height, samples).map(DynamicImage::ImageRgb8)
        }
        (ColorType::RGB(16), DecodingResult::U16(samples)) => {
            image::ImageBuffer::from_raw(width, height, samples).map(DynamicImage::ImageRgb16)
        }
        (ColorType::RGBA(8), DecodingResult::U8(samples)) => {
            image::RgbaImage::from_raw(width, height, samples).map(DynamicImage::ImageRgba8)
        }
        (ColorType::RGBA(16), DecodingResult::U16(samples)) => {
            image::ImageBuffer::from_raw(width, height, samples).map(DynamicImage::ImageRgba16)
        }
        (ColorType::CMYK(8), DecodingResult::U8(samples)) => {
            if samples.len() < pixel_count * 4 {
                return Err(short());
            }
            let rgb = samples
                .chunks_exact(4)
                .flat_map(|cmyk| {
                    let black = 255 - u32::from(cmyk[3]);
                    [0, 1, 2].map(|channel| ((255 - u32::from(cmyk[channel])) * black / 255) as u8)
                })
                .collect();
            image::RgbImage::from_raw(width, height, rgb).map(DynamicImage::ImageRgb8)
        }
        (ColorType::Palette(8), DecodingResult::U8(indices)) => {
            let map = colormap.unwrap_or_default();
            if map.len() < 3 * 256 {
                return Err(MediaError::DamagedImage(
                    "the colour palette is missing".into(),
                ));
            }
            let rgb = indices
                .iter()
                .flat_map(|&index| {
                    let index = usize::from(index);
                    [0, 256, 512].map(|plane| (map[plane + index] >> 8) as u8)
                })
                .collect();
            image::RgbImage::from_raw(width, height, rgb).map(DynamicImage::ImageRgb8)
        }
        _ => return Err(unsupported()),
    };
    dynamic.map(raster_from_dynamic).ok_or_else(short)
}

/// Resizes one decoded page to the web and thumbnail sizes, orients and writes them.
///
/// `original_width`/`original_height` are the page's full size before
/// orientation; `raster` may be smaller (DCT-scaled) but not smaller than the
/// web size needs.
fn derive_page(
    raster: Raster,
    original_width: u32,
    original_height: u32,
    page: u32,
    orientation: Option<u16>,
    out_dir: &Path,
    options: &DeriveOptions,
) -> Result<PageDerivative, MediaError> {
    let (web_width, web_height) = fit_within(original_width, original_height, options.web_px);
    let (thumb_width, thumb_height) = {
        let (width, height) = fit_within(original_width, original_height, options.thumbnail_px);
        (width.min(web_width), height.min(web_height))
    };
    let mut resizer = fir::Resizer::new();
    let web = resize_raster(&mut resizer, raster, web_width, web_height)?;
    let thumbnail = resize_raster_ref(&mut resizer, &web, thumb_width, thumb_height)?;

    let orientation = effective_orientation(orientation);
    let web = apply_orientation(web, orientation);
    let thumbnail = apply_orientation(thumbnail, orientation);

    std::fs::create_dir_all(out_dir).map_err(|source| MediaError::WriteDerivative {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let thumbnail_name = format!("p{page:04}-thumb.jpg");
    let web_name = format!("p{page:04}-web.jpg");
    let temporary_dir = options.temporary_dir.as_deref();
    write_atomically(
        &out_dir.join(&web_name),
        &encode_jpeg(&web, options.jpeg_quality)?,
        temporary_dir,
    )?;
    write_atomically(
        &out_dir.join(&thumbnail_name),
        &encode_jpeg(&thumbnail, options.jpeg_quality)?,
        temporary_dir,
    )?;

    let swaps_sides = matches!(orientation, Some(5..=8));
    let (width, height) = if swaps_sides {
        (original_height, original_width)
    } else {
        (original_width, original_height)
    };
    Ok(PageDerivative {
        page,
        thumbnail: thumbnail_name,
        web: web_name,
        width,
        height,
    })
}

/// The resampling filter; CatmullRom is close to Lanczos3 in quality and cheaper.
fn resize_options() -> fir::ResizeOptions {
    fir::ResizeOptions::new().resize_alg(fir::ResizeAlg::Convolution(fir::FilterType::CatmullRom))
}

fn pixel_type(channels: u8) -> fir::PixelType {
    if channels == 1 {
        fir::PixelType::U8
    } else {
        fir::PixelType::U8x3
    }
}

/// Resizes an owned raster, returning it unchanged when it already has the size.
fn resize_raster(
    resizer: &mut fir::Resizer,
    raster: Raster,
    width: u32,
    height: u32,
) -> Result<Raster, MediaError> {
    if raster.width == width && raster.height == height {
        return Ok(raster);
    }
    resize_raster_ref(resizer, &raster, width, height)
}

/// Resizes a borrowed raster into a new one.
fn resize_raster_ref(
    resizer: &mut fir::Resizer,
    raster: &Raster,
    width: u32,
    height: u32,
) -> Result<Raster, MediaError> {
    let internal = |what: String| MediaError::DamagedImage(format!("resizing failed: {what}"));
    let source = fir::images::ImageRef::new(
        raster.width,
        raster.height,
        &raster.pixels,
        pixel_type(raster.channels),
    )
    .map_err(|error| internal(error.to_string()))?;
    let mut destination = fir::images::Image::new(width, height, pixel_type(raster.channels));
    resizer
        .resize(&source, &mut destination, &resize_options())
        .map_err(|error| internal(error.to_string()))?;
    Ok(Raster {
        width,
        height,
        channels: raster.channels,
        pixels: destination.into_vec(),
    })
}

/// Applies an EXIF orientation (2–8) to a small raster.
fn apply_orientation(raster: Raster, orientation: Option<u8>) -> Raster {
    let Some(orientation) = orientation.and_then(image::metadata::Orientation::from_exif) else {
        return raster;
    };
    let (width, height, channels) = (raster.width, raster.height, raster.channels);
    let dynamic = if channels == 1 {
        image::GrayImage::from_raw(width, height, raster.pixels).map(DynamicImage::ImageLuma8)
    } else {
        image::RgbImage::from_raw(width, height, raster.pixels).map(DynamicImage::ImageRgb8)
    };
    let Some(mut dynamic) = dynamic else {
        // Unreachable for rasters built here (sizes always match); keep an empty page.
        return Raster {
            width,
            height,
            channels,
            pixels: vec![255; width as usize * height as usize * usize::from(channels)],
        };
    };
    dynamic.apply_orientation(orientation);
    let (width, height) = (dynamic.width(), dynamic.height());
    let pixels = if channels == 1 {
        dynamic.into_luma8().into_raw()
    } else {
        dynamic.into_rgb8().into_raw()
    };
    Raster {
        width,
        height,
        channels,
        pixels,
    }
}

/// Encodes a raster as baseline JPEG, 4:2:0 for colour.
fn encode_jpeg(raster: &Raster, quality: u8) -> Result<Vec<u8>, MediaError> {
    let mut output = Vec::with_capacity(raster.pixels.len() / 8);
    let mut encoder = jpeg_encoder::Encoder::new(&mut output, quality.clamp(1, 100));
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
    let colour_type = if raster.channels == 1 {
        jpeg_encoder::ColorType::Luma
    } else {
        jpeg_encoder::ColorType::Rgb
    };
    let too_big = || MediaError::DamagedImage("the derivative is larger than JPEG allows".into());
    let width = u16::try_from(raster.width).map_err(|_| too_big())?;
    let height = u16::try_from(raster.height).map_err(|_| too_big())?;
    encoder
        .encode(&raster.pixels, width, height, colour_type)
        .map_err(|error| {
            MediaError::DamagedImage(format!("encoding the derivative failed: {error}"))
        })?;
    Ok(output)
}

/// Writes `bytes` to a temporary file in `temporary_dir` (or next to
/// `destination`), then renames it into place.
fn write_atomically(
    destination: &Path,
    bytes: &[u8],
    temporary_dir: Option<&Path>,
) -> Result<(), MediaError> {
    static TEMPORARY_COUNTER: AtomicU64 = AtomicU64::new(0);
    let file_name = destination
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary_name = format!(
        ".{file_name}.{}.{}.tmp",
        std::process::id(),
        TEMPORARY_COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let temporary_path: PathBuf = match temporary_dir {
        Some(folder) => folder.join(temporary_name),
        None => destination.with_file_name(temporary_name),
    };
    let write_error = |source| MediaError::WriteDerivative {
        path: destination.to_path_buf(),
        source,
    };
    let result = File::create(&temporary_path)
        .and_then(|mut file| file.write_all(bytes))
        .and_then(|()| std::fs::rename(&temporary_path, destination));
    if let Err(source) = result {
        let _ = std::fs::remove_file(&temporary_path);
        return Err(write_error(source));
    }
    Ok(())
}
