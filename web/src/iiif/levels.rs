//! Decoded images kept in memory, so that a viewer's dozens of tile
//! requests against one large scan decode it once, not once per tile.
//!
//! Each page has up to three sources, smallest first: the 400-pixel
//! thumbnail, the 1600-pixel web derivative and the original. A request is
//! answered from the smallest source that still has enough pixels for it,
//! so overviews and small tiles never touch the original at all; the
//! original is decoded (and EXIF-oriented) once and then kept in a
//! least-recently-used cache bounded in bytes. Two requests for a level not
//! yet decoded wait for one decode rather than doing it twice.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex, OnceLock};

use image::{DynamicImage, ImageDecoder, ImageReader};

/// Bytes of decoded pixels kept in memory.
pub const CACHE_BUDGET_BYTES: usize = 768 * 1024 * 1024;
/// Largest decode we attempt (a 16 000 × 16 000 RGB scan is 768 MB).
const MAX_DECODE_BYTES: u64 = 2 * 1024 * 1024 * 1024;

type Cell = Arc<OnceLock<Result<Arc<DynamicImage>, String>>>;

/// A byte-bounded LRU of decoded images, keyed by file path.
pub struct LevelCache {
    budget: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    cells: HashMap<PathBuf, Cell>,
    sizes: HashMap<PathBuf, usize>,
    order: VecDeque<PathBuf>,
    used: usize,
}

/// The process-wide cache (paths are content-addressed or per data directory).
pub static LEVELS: LazyLock<LevelCache> = LazyLock::new(|| LevelCache::new(CACHE_BUDGET_BYTES));

impl LevelCache {
    /// A cache that keeps about `budget` bytes of pixels.
    pub fn new(budget: usize) -> Self {
        LevelCache {
            budget,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// The decoded image at `path`, decoding it if it is not cached.
    pub fn get(&self, path: &PathBuf) -> Result<Arc<DynamicImage>, String> {
        let cell = {
            let mut inner = self.inner.lock().expect("level cache");
            let cell = inner.cells.entry(path.clone()).or_default().clone();
            inner.order.retain(|known| known != path);
            inner.order.push_back(path.clone());
            cell
        };
        let result = cell.get_or_init(|| decode(path).map(Arc::new)).clone();
        let mut inner = self.inner.lock().expect("level cache");
        match &result {
            Ok(image) if !inner.sizes.contains_key(path) && inner.cells.contains_key(path) => {
                let bytes = image.as_bytes().len();
                inner.sizes.insert(path.clone(), bytes);
                inner.used += bytes;
                while inner.used > self.budget && inner.order.len() > 1 {
                    let Some(oldest) = inner.order.pop_front() else {
                        break;
                    };
                    if oldest == *path {
                        inner.order.push_back(oldest);
                        continue;
                    }
                    inner.cells.remove(&oldest);
                    if let Some(freed) = inner.sizes.remove(&oldest) {
                        inner.used -= freed;
                    }
                }
            }
            Err(_) => {
                // A failed decode is not remembered: the file may come back.
                inner.cells.remove(path);
                inner.order.retain(|known| known != path);
            }
            Ok(_) => {}
        }
        result
    }

    /// Bytes of pixels held now.
    pub fn used_bytes(&self) -> usize {
        self.inner.lock().expect("level cache").used
    }
}

/// Decodes an image file, applies its EXIF orientation and keeps 8 bits per channel.
pub fn decode(path: &PathBuf) -> Result<DynamicImage, String> {
    let describe = |error: &dyn std::fmt::Display| format!("{}: {error}", path.display());
    let mut reader = ImageReader::open(path)
        .map_err(|error| describe(&error))?
        .with_guessed_format()
        .map_err(|error| describe(&error))?;
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|error| describe(&error))?;
    let orientation = decoder.orientation().map_err(|error| describe(&error))?;
    let mut decoded = DynamicImage::from_decoder(decoder).map_err(|error| describe(&error))?;
    decoded.apply_orientation(orientation);
    Ok(match decoded {
        DynamicImage::ImageLuma8(_) | DynamicImage::ImageRgb8(_) => decoded,
        DynamicImage::ImageLumaA8(_)
        | DynamicImage::ImageLuma16(_)
        | DynamicImage::ImageLumaA16(_) => DynamicImage::ImageLuma8(decoded.to_luma8()),
        other => DynamicImage::ImageRgb8(other.to_rgb8()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_keeps_to_its_budget_and_decodes_once() {
        let temp = tempfile::tempdir().unwrap();
        let mut paths = Vec::new();
        for index in 0..3 {
            let path = temp.path().join(format!("{index}.png"));
            image::RgbImage::new(100, 100).save(&path).unwrap();
            paths.push(path);
        }
        let cache = LevelCache::new(2 * 100 * 100 * 3);
        let first = cache.get(&paths[0]).unwrap();
        let again = cache.get(&paths[0]).unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        cache.get(&paths[1]).unwrap();
        cache.get(&paths[2]).unwrap();
        assert!(cache.used_bytes() <= 2 * 100 * 100 * 3);
        let reloaded = cache.get(&paths[0]).unwrap();
        assert!(
            !Arc::ptr_eq(&first, &reloaded),
            "the oldest level was evicted"
        );
        assert!(cache.get(&temp.path().join("missing.png")).is_err());
    }
}
