//! Technical metadata read from file headers: pixel size, EXIF fields, page
//! and frame counts. Nothing here decodes pixels.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek};
use std::path::Path;

use tiff::tags::Tag as TiffTag;
use wenyuan_index::model::TechMetadata;

use super::{MediaError, MediaKind, MediaType, guard_against_panics};

/// EXIF tag number of DateTimeOriginal, which lives in the EXIF sub-directory.
const EXIF_DATE_TIME_ORIGINAL: u16 = 0x9003;

/// Stop counting TIFF pages or GIF frames beyond this many (a bound against
/// hostile files; real files are far below it).
const MAX_COUNTED_PAGES: u32 = 100_000;

/// Reads technical metadata from the headers of a file, never decoding pixels.
///
/// Images: pixel size and, where present, EXIF DateTimeOriginal, camera make and
/// model and orientation (JPEG, TIFF, PNG, WebP). TIFF: page count (IFDs). GIF:
/// frame count. PDF: page count. Other kinds get empty metadata. A damaged
/// file returns `Err`.
pub fn technical(path: &Path, media: &MediaType) -> Result<TechMetadata, MediaError> {
    guard_against_panics(|| technical_unguarded(path, media))
}

fn technical_unguarded(path: &Path, media: &MediaType) -> Result<TechMetadata, MediaError> {
    match media.kind {
        MediaKind::Image => {
            if std::fs::metadata(path)?.len() == 0 {
                return Err(MediaError::Empty);
            }
            match media.mime.as_str() {
                "image/jpeg" => jpeg_technical(path),
                "image/tiff" => tiff_technical(path),
                "image/gif" => gif_technical(path),
                _ => generic_image_technical(path),
            }
        }
        MediaKind::Pdf => {
            let page_count = super::pdf::pdf_page_count(path)?;
            Ok(TechMetadata {
                page_count: Some(page_count),
                ..TechMetadata::default()
            })
        }
        MediaKind::Text | MediaKind::Audio | MediaKind::Video | MediaKind::Other => {
            Ok(TechMetadata::default())
        }
    }
}

/// JPEG: size from the frame header (jpeg-decoder stops before the scan data),
/// EXIF from the APP1 segment.
fn jpeg_technical(path: &Path) -> Result<TechMetadata, MediaError> {
    let mut decoder = jpeg_decoder::Decoder::new(BufReader::new(File::open(path)?));
    let mut tech = TechMetadata::default();
    match decoder.read_info() {
        Ok(()) => {
            if let Some(info) = decoder.info() {
                tech.width = Some(u32::from(info.width));
                tech.height = Some(u32::from(info.height));
            }
            if let Some(exif_bytes) = decoder.exif_data() {
                apply_exif_from_tiff_bytes(&mut tech, exif_bytes.to_vec());
            }
        }
        Err(jpeg_decoder::Error::Unsupported(_)) => {
            // jpeg-decoder refuses some variants (arithmetic coding …); zune-jpeg
            // reads their headers.
            let bytes = std::fs::read(path)?;
            let mut zune = zune_jpeg::JpegDecoder::new(
                zune_jpeg::zune_core::bytestream::ZCursor::new(bytes.as_slice()),
            );
            zune.decode_headers()
                .map_err(|error| MediaError::DamagedImage(error.to_string()))?;
            if let Some(info) = zune.info() {
                tech.width = Some(u32::from(info.width));
                tech.height = Some(u32::from(info.height));
            }
            if let Some(exif_bytes) = zune.exif() {
                let tiff_bytes = exif_bytes
                    .strip_prefix(b"Exif\0\0".as_slice())
                    .unwrap_or(exif_bytes.as_slice());
                apply_exif_from_tiff_bytes(&mut tech, tiff_bytes.to_vec());
            }
        }
        Err(error) => return Err(MediaError::DamagedImage(describe_jpeg_error(&error))),
    }
    check_jpeg_complete(path)?;
    Ok(tech)
}

/// A JPEG cut short (an interrupted copy, a failing card) still decodes to a
/// partly grey picture without any decoder error, so look for the end-of-image
/// marker after the start of the scan data. Data appended after the image
/// (motion photos) is fine: the marker is still there.
fn check_jpeg_complete(path: &Path) -> Result<(), MediaError> {
    let bytes = std::fs::read(path)?;
    let start_of_scan = bytes.windows(2).position(|pair| pair == [0xFF, 0xDA]);
    let end_of_image = bytes.windows(2).rposition(|pair| pair == [0xFF, 0xD9]);
    match (start_of_scan, end_of_image) {
        (Some(scan), Some(end)) if end > scan => Ok(()),
        _ => Err(MediaError::DamagedImage(
            "the file ends before the end of the image (an interrupted copy?)".into(),
        )),
    }
}

/// Librarian-readable text for a jpeg-decoder error.
pub(super) fn describe_jpeg_error(error: &jpeg_decoder::Error) -> String {
    match error {
        jpeg_decoder::Error::Io(io_error) if io_error.kind() == io::ErrorKind::UnexpectedEof => {
            "the file ends before the image data does".to_string()
        }
        other => other.to_string(),
    }
}

/// TIFF: size of the first page, page count by walking the IFD chain, EXIF-like
/// tags from the first IFD and DateTimeOriginal from its EXIF sub-directory.
fn tiff_technical(path: &Path) -> Result<TechMetadata, MediaError> {
    let reader = BufReader::new(File::open(path)?);
    let mut decoder = tiff::decoder::Decoder::new(reader).map_err(tiff_error)?;
    let (width, height) = decoder.dimensions().map_err(tiff_error)?;
    let mut tech = TechMetadata {
        width: Some(width),
        height: Some(height),
        ..TechMetadata::default()
    };
    tech.camera_make = tiff_ascii_tag(&mut decoder, TiffTag::Make);
    tech.camera_model = tiff_ascii_tag(&mut decoder, TiffTag::Model);
    tech.orientation = decoder
        .find_tag_unsigned::<u16>(TiffTag::Orientation)
        .ok()
        .flatten()
        .filter(|orientation| (2..=8).contains(orientation));
    tech.exif_datetime = tiff_exif_date_time_original(&mut decoder);

    let mut page_count: u32 = 1;
    while decoder.more_images() && page_count < MAX_COUNTED_PAGES {
        decoder.next_image().map_err(|error| {
            let reason = match tiff_error(error) {
                MediaError::DamagedImage(reason) | MediaError::UnsupportedImage(reason) => reason,
                other => other.to_string(),
            };
            MediaError::DamagedImage(format!("page {} cannot be read: {reason}", page_count + 1))
        })?;
        page_count += 1;
    }
    tech.page_count = Some(page_count);
    Ok(tech)
}

/// An ASCII tag of the current TIFF directory, trimmed, when present and non-empty.
fn tiff_ascii_tag<R: Read + Seek>(
    decoder: &mut tiff::decoder::Decoder<R>,
    tag: TiffTag,
) -> Option<String> {
    let value = decoder.find_tag(tag).ok().flatten()?;
    clean_ascii(&value.into_string().ok()?)
}

/// DateTimeOriginal from the EXIF sub-directory of the current TIFF directory.
fn tiff_exif_date_time_original<R: Read + Seek>(
    decoder: &mut tiff::decoder::Decoder<R>,
) -> Option<String> {
    let pointer = decoder
        .find_tag(TiffTag::ExifDirectory)
        .ok()
        .flatten()?
        .into_ifd_pointer()
        .ok()?;
    let directory = decoder.read_directory(pointer).ok()?;
    let mut exif_tags = decoder.read_directory_tags(&directory);
    let value = exif_tags
        .find_tag(TiffTag::from_u16_exhaustive(EXIF_DATE_TIME_ORIGINAL))
        .ok()
        .flatten()?;
    clean_ascii(&value.into_string().ok()?)
}

/// GIF: logical screen size and the number of frames, counted by walking the
/// block structure without decompressing anything.
fn gif_technical(path: &Path) -> Result<TechMetadata, MediaError> {
    let mut reader = BufReader::new(File::open(path)?);
    let (width, height, frame_count) = read_gif_structure(&mut reader)?;
    Ok(TechMetadata {
        width: Some(width),
        height: Some(height),
        page_count: Some(frame_count),
        ..TechMetadata::default()
    })
}

/// Walks a GIF's blocks; returns (width, height, frame count).
fn read_gif_structure<R: BufRead>(reader: &mut R) -> Result<(u32, u32, u32), MediaError> {
    let damaged = |what: &str| MediaError::DamagedImage(format!("GIF {what}"));
    let mut header = [0u8; 13];
    reader
        .read_exact(&mut header)
        .map_err(|_| damaged("header is cut short"))?;
    if &header[..6] != b"GIF87a" && &header[..6] != b"GIF89a" {
        return Err(damaged("signature is missing"));
    }
    let width = u32::from(u16::from_le_bytes([header[6], header[7]]));
    let height = u32::from(u16::from_le_bytes([header[8], header[9]]));
    let flags = header[10];
    if flags & 0x80 != 0 {
        skip_exact(reader, 3 * (1u64 << ((flags & 0x07) + 1)))
            .map_err(|_| damaged("colour table is cut short"))?;
    }
    let mut frame_count: u32 = 0;
    loop {
        let mut introducer = [0u8; 1];
        if reader.read_exact(&mut introducer).is_err() {
            break; // no trailer: tolerated when frames were found
        }
        match introducer[0] {
            0x21 => {
                let mut label = [0u8; 1];
                if reader.read_exact(&mut label).is_err() || skip_sub_blocks(reader).is_err() {
                    break;
                }
            }
            0x2C => {
                let mut descriptor = [0u8; 9];
                if reader.read_exact(&mut descriptor).is_err() {
                    break;
                }
                let local_flags = descriptor[8];
                if local_flags & 0x80 != 0
                    && skip_exact(reader, 3 * (1u64 << ((local_flags & 0x07) + 1))).is_err()
                {
                    break;
                }
                let mut minimum_code_size = [0u8; 1];
                if reader.read_exact(&mut minimum_code_size).is_err() {
                    break;
                }
                frame_count += 1;
                if skip_sub_blocks(reader).is_err() || frame_count >= MAX_COUNTED_PAGES {
                    break;
                }
            }
            // 0x3B is the trailer; anything else is garbage after the image.
            _ => break,
        }
    }
    if frame_count == 0 {
        return Err(damaged("has no image frame"));
    }
    Ok((width, height, frame_count))
}

/// Skips exactly `count` bytes or fails with `UnexpectedEof`.
fn skip_exact<R: Read>(reader: &mut R, count: u64) -> io::Result<()> {
    let skipped = io::copy(&mut reader.by_ref().take(count), &mut io::sink())?;
    if skipped == count {
        Ok(())
    } else {
        Err(io::ErrorKind::UnexpectedEof.into())
    }
}

/// Skips a chain of GIF data sub-blocks up to and including the zero-length terminator.
fn skip_sub_blocks<R: Read>(reader: &mut R) -> io::Result<()> {
    loop {
        let mut length = [0u8; 1];
        reader.read_exact(&mut length)?;
        if length[0] == 0 {
            return Ok(());
        }
        skip_exact(reader, u64::from(length[0]))?;
    }
}

/// PNG, WebP, BMP and other formats the `image` crate knows: size from the
/// header, EXIF where the container has it.
fn generic_image_technical(path: &Path) -> Result<TechMetadata, MediaError> {
    let reader =
        image::ImageReader::new(BufReader::new(File::open(path)?)).with_guessed_format()?;
    if reader.format().is_none() {
        // An image type no linked decoder reads (HEIC, PSD …): nothing to say.
        return Ok(TechMetadata::default());
    }
    let (width, height) = reader
        .into_dimensions()
        .map_err(|error| image_error(error, None))?;
    let mut tech = TechMetadata {
        width: Some(width),
        height: Some(height),
        ..TechMetadata::default()
    };
    let mut container = BufReader::new(File::open(path)?);
    if let Ok(exif) = exif::Reader::new().read_from_container(&mut container) {
        apply_exif(&mut tech, &exif);
    }
    Ok(tech)
}

/// Parses TIFF-structured EXIF bytes and copies the interesting fields; bad EXIF is ignored.
fn apply_exif_from_tiff_bytes(tech: &mut TechMetadata, tiff_bytes: Vec<u8>) {
    if let Ok(exif) = exif::Reader::new().read_raw(tiff_bytes) {
        apply_exif(tech, &exif);
    }
}

/// Copies DateTimeOriginal, make, model and orientation from parsed EXIF.
fn apply_exif(tech: &mut TechMetadata, exif: &exif::Exif) {
    let ascii_field = |tag: exif::Tag| -> Option<String> {
        let field = exif.get_field(tag, exif::In::PRIMARY)?;
        match &field.value {
            exif::Value::Ascii(parts) => clean_ascii(&String::from_utf8_lossy(parts.first()?)),
            _ => None,
        }
    };
    tech.exif_datetime = ascii_field(exif::Tag::DateTimeOriginal).or(tech.exif_datetime.take());
    tech.camera_make = ascii_field(exif::Tag::Make).or(tech.camera_make.take());
    tech.camera_model = ascii_field(exif::Tag::Model).or(tech.camera_model.take());
    if let Some(orientation) = exif
        .get_field(exif::Tag::Orientation, exif::In::PRIMARY)
        .and_then(|field| field.value.get_uint(0))
        .and_then(|value| u16::try_from(value).ok())
    {
        tech.orientation = (2..=8).contains(&orientation).then_some(orientation);
    }
}

/// Trims NULs and spaces; `None` when nothing is left.
fn clean_ascii(text: &str) -> Option<String> {
    let trimmed = text.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

/// Maps a `tiff` crate error to a librarian-readable [`MediaError`].
pub(super) fn tiff_error(error: tiff::TiffError) -> MediaError {
    match error {
        tiff::TiffError::IoError(io_error) if io_error.kind() == io::ErrorKind::UnexpectedEof => {
            MediaError::DamagedImage("the file ends before the image data does".to_string())
        }
        tiff::TiffError::UnsupportedError(unsupported) => {
            MediaError::UnsupportedImage(format!("TIFF: {unsupported}"))
        }
        tiff::TiffError::FormatError(tiff::TiffFormatError::CycleInOffsets) => {
            MediaError::DamagedImage(
                "its list of pages loops back on itself (a damaged or forged file)".to_string(),
            )
        }
        other => MediaError::DamagedImage(other.to_string()),
    }
}

/// Maps an `image` crate error to a librarian-readable [`MediaError`].
pub(super) fn image_error(error: image::ImageError, memory_limit_bytes: Option<u64>) -> MediaError {
    match error {
        image::ImageError::Limits(_) => MediaError::MemoryLimit {
            limit_mib: memory_limit_bytes.unwrap_or(512 << 20) >> 20,
        },
        image::ImageError::Unsupported(unsupported) => {
            MediaError::UnsupportedImage(unsupported.to_string())
        }
        image::ImageError::IoError(io_error) if io_error.kind() == io::ErrorKind::UnexpectedEof => {
            MediaError::DamagedImage("the file ends before the image data does".to_string())
        }
        other => MediaError::DamagedImage(other.to_string()),
    }
}
