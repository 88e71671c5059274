//! The sample archive: its sheets read cleanly and name files that exist,
//! its venues cover every sheet, its pictures decode, and two runs agree.

use super::*;
use std::sync::OnceLock;
use wenyuan_ingest::metadata::read_sheet;

/// One archive shared by the tests that only read it.
fn shared() -> &'static (tempfile::TempDir, SampleArchive) {
    static ARCHIVE: OnceLock<(tempfile::TempDir, SampleArchive)> = OnceLock::new();
    ARCHIVE.get_or_init(|| {
        let directory = tempfile::tempdir().expect("temporary directory");
        let started = std::time::Instant::now();
        let archive = write_sample_archive(directory.path()).expect("sample archive");
        eprintln!(
            "sample archive written in {:?}: {archive:?}",
            started.elapsed()
        );
        (directory, archive)
    })
}

fn sheets(scans: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = walkdir::WalkDir::new(scans)
        .into_iter()
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.file_name() == "metadata.csv")
        .map(|entry| entry.into_path())
        .collect();
    found.sort();
    found
}

fn all_files(root: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.file_type().is_file())
        .map(|entry| entry.path().strip_prefix(root).unwrap().to_path_buf())
        .collect();
    found.sort();
    found
}

#[test]
fn demo_writes_a_tree_of_sheets_and_images() {
    let (directory, archive) = shared();
    assert_eq!(archive.scans_dir, directory.path().join("scans"));
    assert!(archive.institutions_toml.is_file());
    assert!(
        (40..=50).contains(&archive.items),
        "{} items",
        archive.items
    );
    let images = all_files(&archive.scans_dir)
        .into_iter()
        .filter(|path| {
            matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("png" | "jpg")
            )
        })
        .count();
    assert_eq!(images, archive.files);
    let ocr = archive
        .scans_dir
        .join("少儿图书馆/地方志/同官县志_民国本/0001.txt");
    assert!(fs::read_to_string(ocr).unwrap().contains("耀州窑"));
    // Images decode and are of the promised size.
    for (path, longest) in [
        ("少儿图书馆/地方志/同官縣誌_乾隆本/0001.png", 1420),
        (
            "耀州窑陶瓷陈列馆/YZ-0001_青釉刻花牡丹纹梅瓶/03_底足.jpg",
            1250,
        ),
        ("黄堡镇综合文化站/老照片/黄堡老街.jpg", 1280),
    ] {
        let picture = image::open(archive.scans_dir.join(path)).expect(path);
        assert_eq!(picture.width().max(picture.height()), longest, "{path}");
    }
}

#[test]
fn demo_sheets_parse_cleanly_and_name_existing_files() {
    let (_directory, archive) = shared();
    let paths = sheets(&archive.scans_dir);
    assert_eq!(paths.len(), 6);
    let mut rows = 0;
    use std::collections::BTreeSet;
    let mut access = BTreeSet::new();
    for path in &paths {
        let sheet = read_sheet(path).expect("sheet reads");
        assert_eq!(sheet.problems, vec![], "{}", path.display());
        for row in &sheet.rows {
            let file = row.file.as_deref().expect("file column");
            let target = path.parent().unwrap().join(file);
            assert!(target.exists(), "{} names missing {file}", path.display());
            assert!(
                row.metadata
                    .first(wenyuan_index::model::DcElement::Title)
                    .is_some()
            );
            assert!(row.institution.is_some() && row.collection.is_some());
            access.insert(row.access.expect("access column").as_str());
        }
        rows += sheet.rows.len();
    }
    assert_eq!(rows, archive.items);
    assert_eq!(
        access.into_iter().collect::<Vec<_>>(),
        vec!["metadata_only", "public", "restricted"]
    );
    // The station's sheet is GBK, as Excel on Chinese Windows saves it, and still reads.
    let gbk = archive.scans_dir.join("黄堡镇综合文化站/metadata.csv");
    assert!(std::str::from_utf8(&fs::read(&gbk).unwrap()).is_err());
    let sheet = read_sheet(&gbk).unwrap();
    assert_eq!(
        sheet.rows[0]
            .metadata
            .first(wenyuan_index::model::DcElement::Title),
        Some("黄堡老街")
    );
}

#[test]
fn demo_institutions_cover_every_sheet() {
    let (_directory, archive) = shared();
    let toml = fs::read_to_string(&archive.institutions_toml).unwrap();
    for path in sheets(&archive.scans_dir) {
        for row in read_sheet(&path).unwrap().rows {
            let institution = row.institution.unwrap();
            let collection = row.collection.unwrap();
            let start = toml
                .find(&format!("id = \"{institution}\""))
                .unwrap_or_else(|| panic!("{institution} missing from the TOML"));
            let end = toml[start + 1..]
                .find("[[institution]]")
                .map_or(toml.len(), |offset| start + 1 + offset);
            assert!(
                toml[start..end].contains(&format!("id = \"{collection}\"")),
                "collection {collection} missing under {institution}"
            );
        }
    }
}

#[test]
fn demo_is_deterministic() {
    let (_directory, first) = shared();
    let other = tempfile::tempdir().expect("temporary directory");
    let second = write_sample_archive(other.path()).expect("sample archive");
    let first_root = first.scans_dir.parent().unwrap();
    let files = all_files(first_root);
    assert_eq!(files, all_files(other.path()));
    for file in &files {
        let a = blake3::hash(&fs::read(first_root.join(file)).unwrap());
        let b = blake3::hash(&fs::read(other.path().join(file)).unwrap());
        assert_eq!(a, b, "{} differs between runs", file.display());
    }
    assert_eq!((first.items, first.files), (second.items, second.files));
}
