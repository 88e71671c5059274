//! Ingest end to end: a realistic tree, hostile inputs, idempotence,
//! duplicates, and recovery after `kill -9` (issue #2).

use std::collections::BTreeMap;
use std::time::Duration;

use wenyuan_index::model::{AccessLevel, DcElement, StorageMode};

use crate::util::{self, Sandbox};

/// The tree the issue asks for: colour and grey JPEG/PNG/TIFF (one multi-page),
/// a PDF with a text layer, a page folder, a GBK sheet with Chinese headers, a JSON sidecar.
fn realistic_tree(sandbox: &Sandbox) {
    sandbox.write("scans/photos/kiln.jpg", util::jpeg(2400, 1600, 3));
    sandbox.write("scans/photos/street.png", util::png(640, 480, 9));
    sandbox.write("scans/photos/portrait.png", util::grey_png(500, 700));
    sandbox.write(
        "scans/photos/portrait.json",
        r#"{"title": "老照片：王益街道", "subject": ["街道", "民国"], "date": "民国二十年"}"#,
    );
    for (page, name) in ["0001", "0002", "0010"].iter().enumerate() {
        sandbox.write(
            &format!("scans/chronicle/{name}.tif"),
            util::multipage_tiff_seeded(300, 400, 1, page as u32 + 1),
        );
    }
    sandbox.write("scans/chronicle/0010.txt", "同官县志 卷三 风俗");
    sandbox.write("scans/scroll.tif", util::multipage_tiff(200, 150, 3));
    sandbox.write(
        "scans/report.pdf",
        util::pdf_with_text("Yaozhou kiln excavation report"),
    );
    let sheet = "文件,题名,责任者,主题,描述,日期,材质,机构,藏品集\n\
                 photos/kiln.jpg,耀州窑青釉刻花碗,黄堡窑工,陶瓷；耀州窑;宋代,刻花流畅；釉色青绿,宋,瓷,huangbao-museum,ceramics\n\
                 chronicle,同官县志,佚名,地方志,,清光绪十年,纸,district-library,chronicles\n";
    sandbox.write("scans/metadata.csv", util::gbk(sheet));
    sandbox.write("institutions.toml", util::INSTITUTIONS_TOML);
    let institutions = sandbox.path().join("institutions.toml");
    sandbox
        .wenyuan(&["institutions", "import", institutions.to_str().unwrap()])
        .expect_code(0);
}

fn items_by_title(sandbox: &Sandbox) -> BTreeMap<String, wenyuan_index::model::ItemRecord> {
    let catalog = sandbox.catalog();
    let mut items = BTreeMap::new();
    catalog
        .for_each_item(|record| {
            if record.item.deleted_at.is_none() {
                items.insert(record.item.display_title().to_string(), record);
            }
            Ok(())
        })
        .unwrap();
    items
}

#[test]
fn a_realistic_tree_lands_as_described() {
    let sandbox = Sandbox::new();
    realistic_tree(&sandbox);
    let (run, report) = sandbox.ingest(&[]);
    run.expect_code(0);
    assert_eq!(report["seen"], 8, "{report:#}");
    assert_eq!(report["added"], 8);
    assert_eq!(report["failed"], 0);

    let items = items_by_title(&sandbox);
    let titles: Vec<&str> = items.keys().map(String::as_str).collect();
    assert_eq!(items.len(), 6, "{titles:?}");

    let bowl = &items["耀州窑青釉刻花碗"];
    assert_eq!(bowl.item.institution_id.as_deref(), Some("huangbao-museum"));
    assert_eq!(bowl.item.collection_id.as_deref(), Some("ceramics"));
    assert_eq!(
        bowl.item.metadata.values(DcElement::Subject),
        ["陶瓷", "耀州窑", "宋代"]
    );
    assert_eq!(bowl.item.metadata.values(DcElement::Creator), ["黄堡窑工"]);
    assert_eq!(
        bowl.item.metadata.values(DcElement::Description),
        ["刻花流畅；釉色青绿"],
        "prose is not split"
    );
    assert_eq!(bowl.item.metadata.extra["材质"], ["瓷"]);
    assert_eq!(bowl.files[0].media_type, "image/jpeg");
    assert_eq!(bowl.files[0].tech.width, Some(2400));
    let derivative = &bowl.files[0].derivatives[0];
    assert_eq!((derivative.width, derivative.height), (2400, 1600));
    let thumbnail = image::open(sandbox.data().join(&derivative.thumbnail)).unwrap();
    assert_eq!((thumbnail.width(), thumbnail.height()), (400, 267));
    let web = image::open(sandbox.data().join(&derivative.web)).unwrap();
    assert_eq!(web.width(), 1600);

    let chronicle = &items["同官县志"];
    assert_eq!(
        chronicle.files.len(),
        3,
        "a page folder named by a row is one item"
    );
    let pages: Vec<&str> = chronicle
        .files
        .iter()
        .map(|file| file.source_path.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(pages, ["0001.tif", "0002.tif", "0010.tif"]);
    assert_eq!(
        chronicle.files[2].text.as_deref(),
        Some("同官县志 卷三 风俗")
    );
    assert_eq!(
        chronicle.item.metadata.first(DcElement::Date),
        Some("清光绪十年")
    );

    let portrait = &items["老照片：王益街道"];
    assert_eq!(
        portrait.item.metadata.values(DcElement::Subject),
        ["街道", "民国"]
    );
    assert_eq!(portrait.files[0].derivatives.len(), 1);

    let scroll = &items["scroll"];
    assert_eq!(scroll.files[0].tech.page_count, Some(3));
    assert_eq!(
        scroll.files[0].derivatives.len(),
        3,
        "one thumbnail per TIFF page"
    );

    let report_pdf = &items["report"];
    assert_eq!(report_pdf.files[0].media_type, "application/pdf");
    assert_eq!(report_pdf.files[0].tech.page_count, Some(1));
    assert!(
        report_pdf.files[0]
            .text
            .as_deref()
            .unwrap_or("")
            .contains("Yaozhou kiln")
    );

    assert_eq!(items["street"].item.access, AccessLevel::Public);
    assert_eq!(items["street"].files[0].storage, StorageMode::Copy);
    // Every original is in the content-addressed store.
    for record in items.values() {
        for file in &record.files {
            let stored = sandbox
                .data()
                .join("files")
                .join(&file.digest[0..2])
                .join(&file.digest[2..4])
                .join(&file.digest);
            assert!(stored.is_file(), "{} not preserved", file.source_path);
        }
    }
}

#[test]
fn hostile_inputs_become_report_lines() {
    let sandbox = Sandbox::new();
    let good = util::jpeg(800, 600, 1);
    sandbox.write("scans/good.jpg", &good);
    sandbox.write("scans/truncated.jpg", &good[..good.len() / 3]);
    sandbox.write("scans/empty.jpg", b"");
    sandbox.write("scans/bomb.png", util::png_bomb(100_000, 100_000));
    sandbox.write("scans/mystery.bin", b"\x00\x01\x02 not a known format");
    sandbox.write(
        "scans/metadata.csv",
        "file,title\nmissing.jpg,Ghost\n../../etc/passwd,Escape\ngood.jpg,A good photo\n",
    );
    let (run, report) = sandbox.ingest(&[]);
    run.expect_code(1);
    let failures = report["failures"].as_array().unwrap();
    let reason_for = |needle: &str| -> String {
        failures
            .iter()
            .find(|failure| failure["path"].as_str().unwrap().contains(needle))
            .map(|failure| failure["reason"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no failure for {needle} in {report:#}"))
    };
    assert!(reason_for("empty.jpg").contains("empty"));
    assert!(
        reason_for("bomb.png").contains("100000"),
        "{}",
        reason_for("bomb.png")
    );
    assert!(!reason_for("truncated.jpg").is_empty());
    let rows: Vec<&str> = failures
        .iter()
        .map(|failure| failure["reason"].as_str().unwrap())
        .collect();
    assert!(
        rows.iter()
            .any(|reason| reason.contains("missing.jpg") && reason.contains("does not exist")),
        "{rows:?}"
    );
    assert!(
        rows.iter().any(|reason| reason.contains("outside")),
        "{rows:?}"
    );
    assert_eq!(report["failed"], 5, "{report:#}");

    let items = items_by_title(&sandbox);
    assert!(items.contains_key("A good photo"));
    assert!(
        items.contains_key("mystery"),
        "unknown formats are preserved and catalogued"
    );
    assert_eq!(
        items["mystery"].files[0].media_type,
        "application/octet-stream"
    );
    assert_eq!(items.len(), 2);

    // A second run reports the same failures again and adds nothing.
    let (run, again) = sandbox.ingest(&[]);
    run.expect_code(1);
    assert_eq!(again["failed"], 5);
    assert_eq!(again["added"], 0);
}

/// Issue #7: image bombs and malformed images, each generated here, end as
/// report lines with a reason while the good files around them are
/// ingested, and the run finishes in bounded time.
#[test]
fn image_bombs_and_malformed_images_become_report_lines() {
    let sandbox = Sandbox::new();
    sandbox.write("scans/good.jpg", util::jpeg(320, 240, 5));
    sandbox.write("scans/photo.tif", util::jpeg(300, 200, 6));
    sandbox.write("scans/notes.jpg", "这不是图片 not an image\n");
    sandbox.write("scans/anim.gif", util::animated_gif(64, 5000));
    sandbox.write("scans/bomb.png", util::png_decompression_bomb(6000));
    sandbox.write("scans/huge.jpg", util::jpeg_claiming(65_500, 65_500));
    sandbox.write("scans/huge.png", util::png_bomb(70_000, 70_000));
    sandbox.write("scans/strip.tif", util::raw_tiff(&[None], Some(90_000_000)));
    sandbox.write(
        "scans/cycle.tif",
        util::raw_tiff(&[None, Some(util::raw_tiff_ifd(0))], None),
    );
    sandbox.write("scans/far.tif", util::raw_tiff(&[Some(80_000_000)], None));
    sandbox.write("scans/magic.png", b"\x89PNG\r\n\x1a\n");
    let started = std::time::Instant::now();
    let (run, report) = sandbox.ingest(&[]);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(120),
        "{:?}",
        started.elapsed()
    );
    run.expect_code(1);
    let failures = report["failures"].as_array().unwrap();
    let reason_for = |needle: &str| -> String {
        failures
            .iter()
            .find(|failure| failure["path"].as_str().unwrap().ends_with(needle))
            .map(|failure| failure["reason"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no failure for {needle} in {report:#}"))
    };
    assert!(
        reason_for("huge.jpg").contains("65500 × 65500"),
        "{}",
        reason_for("huge.jpg")
    );
    assert!(
        reason_for("huge.png").contains("70000 × 70000"),
        "{}",
        reason_for("huge.png")
    );
    assert!(
        reason_for("cycle.tif").contains("loops back on itself"),
        "{}",
        reason_for("cycle.tif")
    );
    assert!(
        reason_for("far.tif").contains("page 2 cannot be read: the file ends before"),
        "{}",
        reason_for("far.tif")
    );
    for name in ["strip.tif", "cycle.tif", "far.tif", "magic.png"] {
        let reason = reason_for(name);
        assert!(
            reason.contains("truncated or damaged") || reason.contains("not supported"),
            "{name}: {reason}"
        );
    }
    assert_eq!(report["failed"], 6, "{report:#}");

    let items = items_by_title(&sandbox);
    for good in ["good", "photo", "notes", "anim", "bomb"] {
        assert!(
            items.contains_key(good),
            "{good} missing: {:?}",
            items.keys()
        );
    }
    assert_eq!(items["photo"].files[0].media_type, "image/jpeg");
    assert_eq!(
        items["notes"].files[0].media_type,
        "application/octet-stream"
    );
    assert!(items["notes"].files[0].derivatives.is_empty());
    let anim = &items["anim"].files[0];
    assert_eq!(anim.tech.page_count, Some(5000));
    assert_eq!(anim.derivatives.len(), 1, "only the first frame is derived");
    assert_eq!(items["bomb"].files[0].derivatives[0].width, 6000);
    assert_eq!(items.len(), 5);
}

#[test]
fn an_unreadable_folder_is_a_report_line() {
    let sandbox = Sandbox::new();
    sandbox.write("scans/open/a.png", util::png(50, 50, 1));
    sandbox.write("scans/locked/b.png", util::png(50, 50, 2));
    let locked = sandbox.scans().join("locked");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Root reads every folder, so run the binary as an ordinary user when we are root.
    let running_as_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .unwrap()
        .stdout
        == b"0\n";
    let output = if running_as_root {
        for path in [
            sandbox.path(),
            &sandbox.scans(),
            &sandbox.scans().join("open"),
        ] {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o777)).unwrap();
        }
        std::fs::set_permissions(
            sandbox.scans().join("open/a.png"),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        std::process::Command::new("setpriv")
            .args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                env!("CARGO_BIN_EXE_wenyuan"),
                "ingest",
            ])
            .arg(sandbox.scans())
            .arg("--data")
            .arg(sandbox.data())
            .output()
            .unwrap()
    } else {
        std::process::Command::new(env!("CARGO_BIN_EXE_wenyuan"))
            .arg("ingest")
            .arg(sandbox.scans())
            .arg("--data")
            .arg(sandbox.data())
            .output()
            .unwrap()
    };
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("locked") && stderr.contains("permission denied"),
        "{stderr}"
    );
    assert!(stderr.contains("1 added"), "{stderr}");
}

#[test]
fn rerunning_adds_nothing_and_identical_bytes_are_stored_once() {
    let sandbox = Sandbox::new();
    let photo = util::jpeg(900, 600, 5);
    sandbox.write("scans/a/photo.jpg", &photo);
    sandbox.write("scans/b/copy-of-photo.jpg", &photo);
    sandbox.write("scans/c.png", util::png(100, 80, 3));
    let (run, first) = sandbox.ingest(&[]);
    run.expect_code(0);
    assert_eq!(first["added"], 2, "{first:#}");
    assert_eq!(first["duplicates"], 1);
    let stored_files = util::count_files(&sandbox.data().join("files"), &|_| true);
    assert_eq!(stored_files, 2, "the same bytes are stored once");
    assert_eq!(sandbox.catalog().count_items().unwrap(), 3);

    let (run, second) = sandbox.ingest(&[]);
    run.expect_code(0);
    assert_eq!(second["added"], 0, "{second:#}");
    assert_eq!(second["updated"], 0);
    assert_eq!(second["unchanged"], 3);
    assert_eq!(second["items_unchanged"], 3);
    assert_eq!(second["bytes"], 0, "nothing re-hashed");
    assert_eq!(sandbox.catalog().count_items().unwrap(), 3);

    // A changed file is an update, with the same item id.
    let before = items_by_title(&sandbox)["c"].item.id.clone();
    std::thread::sleep(Duration::from_millis(20));
    sandbox.write("scans/c.png", util::png(100, 80, 4));
    let (run, third) = sandbox.ingest(&[]);
    run.expect_code(0);
    assert_eq!(third["updated"], 1, "{third:#}");
    assert_eq!(items_by_title(&sandbox)["c"].item.id, before);
}

#[test]
fn dry_run_writes_nothing() {
    let sandbox = Sandbox::new();
    sandbox.write("scans/a.png", util::png(60, 40, 1));
    let (run, report) = sandbox.ingest(&["--dry-run"]);
    run.expect_code(0);
    assert_eq!(report["added"], 1);
    assert_eq!(report["dry_run"], true);
    assert!(
        !sandbox.data().exists(),
        "a dry run must not create the data directory"
    );
}

#[test]
fn reference_mode_records_paths_instead_of_copying() {
    let sandbox = Sandbox::new();
    sandbox.write("scans/a.png", util::png(60, 40, 1));
    let (run, _) = sandbox.ingest(&["--mode", "reference"]);
    run.expect_code(0);
    assert_eq!(
        util::count_files(&sandbox.data().join("files"), &|_| true),
        0
    );
    let items = items_by_title(&sandbox);
    assert_eq!(items["a"].files[0].storage, StorageMode::Reference);
    sandbox.wenyuan(&["verify"]).expect_code(0);
}

#[test]
fn unknown_institution_is_an_error_before_any_work() {
    let sandbox = Sandbox::new();
    sandbox.write("scans/a.png", util::png(60, 40, 1));
    let (run, _) = sandbox.ingest(&["--institution", "nowhere"]);
    run.expect_code(2);
    assert!(
        run.stderr().contains("unknown institution 'nowhere'"),
        "{}",
        run.stderr()
    );
    assert!(
        !sandbox
            .data()
            .join("files")
            .read_dir()
            .map(|mut dir| dir.next().is_some())
            .unwrap_or(false)
    );
}

/// A real Excel 97–2003 workbook (BIFF8, written by xlwt; see
/// `tests/fixtures/make_metadata_xls.py`) read as the metadata sheet.
#[test]
fn an_old_excel_workbook_is_a_metadata_sheet() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "scans/metadata.xls",
        include_bytes!("fixtures/metadata.xls").as_slice(),
    );
    sandbox.write("scans/bowl.jpg", util::jpeg(120, 80, 1));
    sandbox.write("scans/chronicle/0001.png", util::png(40, 56, 1));
    sandbox.write("scans/chronicle/0002.png", util::png(40, 56, 2));
    let (run, report) = sandbox.ingest(&[]);
    // The sheet's third row names a file that is not there.
    run.expect_code(1);
    let failures = report["failures"].as_array().expect("failures");
    assert_eq!(failures.len(), 1, "{report:#}");
    let failure = failures[0]["path"].as_str().unwrap();
    assert!(failure.ends_with("metadata.xls row 4"), "{report:#}");
    assert!(
        failures[0]["reason"]
            .as_str()
            .unwrap()
            .contains("missing.jpg"),
        "{report:#}"
    );

    let items = items_by_title(&sandbox);
    let titles: Vec<&str> = items.keys().map(String::as_str).collect();
    assert_eq!(titles, ["同官县志", "耀州窑青釉刻花碗"]);
    let bowl = &items["耀州窑青釉刻花碗"];
    assert_eq!(bowl.item.metadata.first(DcElement::Date), Some("宋"));
    assert_eq!(
        bowl.item.metadata.values(DcElement::Subject),
        ["陶瓷", "耀州窑"]
    );
    assert_eq!(bowl.item.metadata.extra["材质"], ["瓷"]);
    // A number cell reads as Excel shows it, not as 1.0.
    assert_eq!(bowl.item.metadata.extra["件数"], ["1"]);
    let chronicle = &items["同官县志"];
    assert_eq!(chronicle.files.len(), 2, "the row's folder is one item");
    assert_eq!(
        chronicle.item.metadata.first(DcElement::Date),
        Some("清光绪十年")
    );
}

/// Two writers never work on one data directory at once: while another
/// process holds the write lock, every writing command is refused with
/// exit status 2, says why, and changes nothing.
#[test]
fn a_second_writer_is_refused_with_a_clear_message() {
    let sandbox = Sandbox::new();
    sandbox.write("scans/a.png", util::png(50, 50, 1));
    sandbox.ingest(&[]).0.expect_code(0);
    sandbox.write("scans/b.png", util::png(50, 50, 2));
    let institutions = sandbox.write("institutions.toml", util::INSTITUTIONS_TOML);

    let data_dir = wenyuan_index::DataDir::open_existing(sandbox.data()).unwrap();
    let lock = data_dir.lock_for_writing().expect("the first writer");
    let (ingest, _) = sandbox.ingest(&[]);
    let reindex = sandbox.wenyuan(&["reindex"]);
    let import = sandbox.wenyuan(&["institutions", "import", institutions.to_str().unwrap()]);
    for (what, run) in [
        ("ingest", &ingest),
        ("reindex", &reindex),
        ("import", &import),
    ] {
        let message = run.stderr();
        assert_eq!(run.code(), 2, "{what}: {message}");
        assert!(
            message.contains("another wenyuan process is writing to")
                && message.contains(&*sandbox.data().to_string_lossy())
                && message.contains("wait for it to finish"),
            "{what}: {message}"
        );
        assert!(!message.contains("panicked"), "{what}: {message}");
    }
    assert_eq!(sandbox.catalog().count_items().unwrap(), 1);
    assert!(sandbox.catalog().institutions().unwrap().is_empty());

    // Once the first writer is done, the same command goes through.
    drop(lock);
    sandbox.ingest(&[]).0.expect_code(0);
    assert_eq!(sandbox.catalog().count_items().unwrap(), 2);
}
