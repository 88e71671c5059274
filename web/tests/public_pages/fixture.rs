//! A small archive built directly with the library: two venues, two
//! collections, public items with real derivative JPEGs (one a three-page
//! book), a `metadata_only` item, a `restricted` item, an item titled
//! `<script>alert(1)</script>`, a withdrawn (tombstoned) item and enough
//! photographs to need a second page of results. Requests go through
//! `router(state)` with `oneshot`.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use tower::ServiceExt;
use wenyuan_index::catalog::ItemWrite;
use wenyuan_index::model::{
    AccessLevel, Collection, DcElement, Institution, InstitutionKind, Item, ItemFile, ItemRecord,
    Metadata, PageDerivative, StorageMode, TechMetadata, item_id_for,
};
use wenyuan_index::search::{IndexDocument, SearchIndex};
use wenyuan_index::store::hash_file;
use wenyuan_index::{Catalog, DataDir, FileStore};
use wenyuan_web::{AppState, SiteConfig, router};

/// Number of filler photographs (type 照片) in the library.
pub const PHOTO_COUNT: usize = 25;
/// Site configuration of the fixture.
pub const ICP_NUMBER: &str = "陕ICP备12345678号-1";
/// Public-security filing number of the fixture.
pub const POLICE_NUMBER: &str = "陕公网安备61020202000123号";
/// Operator of the fixture.
pub const OPERATOR: &str = "王益区文化和旅游局";

/// The restricted item's creator (a restricted item shows its citation only).
pub const RESTRICTED_CREATOR: &str = "密员甲";
/// The restricted item's extra field's value.
pub const RESTRICTED_EXTRA: &str = "密柜九号";
/// The restricted item's file text.
pub const RESTRICTED_TEXT: &str = "密文内页乙";
/// The restricted item's description (set with its record below).
pub const RESTRICTED_DESCRIPTION: &str = "不应出现的描述文字";
/// The metadata-only item's file text (its files are not shown).
pub const METADATA_ONLY_TEXT: &str = "拓文暗语丙";

/// The fixture archive and the state serving it.
pub struct Fixture {
    _temp: tempfile::TempDir,
    /// Serving state.
    pub state: AppState,
    /// The public bowl (one page, original in the store).
    pub bowl_id: String,
    /// Digest of the bowl's original.
    pub bowl_digest: String,
    /// The original bytes of the bowl.
    pub bowl_original: Vec<u8>,
    /// The three-page gazetteer.
    pub book_id: String,
    /// The metadata-only rubbing.
    pub rubbing_id: String,
    /// Digest of the rubbing's file.
    pub rubbing_digest: String,
    /// The restricted archive file.
    pub secret_id: String,
    /// Digest of the restricted original.
    pub secret_digest: String,
    /// The item titled `<script>alert(1)</script>`.
    pub script_id: String,
    /// A withdrawn item.
    pub withdrawn_id: String,
}

/// An HTTP answer, read whole.
pub struct Answer {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body bytes.
    pub bytes: Vec<u8>,
}

impl Answer {
    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// One header as text ("" when absent).
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }
}

impl Fixture {
    /// GET `uri` with extra request headers.
    pub async fn get_with(&self, uri: &str, headers: &[(&str, &str)]) -> Answer {
        let mut request = Request::builder().uri(uri);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = router(self.state.clone())
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec();
        Answer {
            status,
            headers,
            bytes,
        }
    }

    /// GET `uri`.
    pub async fn get(&self, uri: &str) -> Answer {
        self.get_with(uri, &[]).await
    }

    /// GET `uri` and expect 200 with HTML.
    pub async fn page(&self, uri: &str) -> String {
        let answer = self.get(uri).await;
        assert_eq!(answer.status, StatusCode::OK, "{uri}: {}", answer.text());
        assert!(
            answer.header("content-type").starts_with("text/html"),
            "{uri}"
        );
        answer.text()
    }
}

fn institution(id: &str, name_zh: &str, name_en: &str, kind: InstitutionKind) -> Institution {
    Institution {
        id: id.into(),
        name_zh: name_zh.into(),
        name_en: Some(name_en.into()),
        kind,
        address: Some(format!("{name_zh}路 1 号")),
        opening_hours: Some("周二至周日 9:00–17:00".into()),
        services: vec!["借阅".into(), "展览".into()],
        accessibility: Some("无障碍坡道，轮椅借用".into()),
        contact: Some("0919-1234567".into()),
        website: None,
    }
}

fn write_jpeg(path: &Path, width: u32, height: u32, shade: u8) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([shade, (x % 256) as u8, (y % 256) as u8])
    });
    image.save(path).unwrap();
}

/// Writes `pages` derivative pairs for `digest_hex` and returns their records.
fn derivatives(data_dir: &DataDir, digest_hex: &str, pages: u32) -> Vec<PageDerivative> {
    (1..=pages)
        .map(|page| {
            let thumbnail = format!("p{page:04}-thumb.jpg");
            let web = format!("p{page:04}-web.jpg");
            write_jpeg(
                &data_dir.derivatives_for(digest_hex).join(&thumbnail),
                40,
                30,
                page as u8 * 40,
            );
            write_jpeg(
                &data_dir.derivatives_for(digest_hex).join(&web),
                160,
                120,
                page as u8 * 40,
            );
            PageDerivative {
                page,
                thumbnail: format!("derivatives/{digest_hex}/{thumbnail}"),
                web: format!("derivatives/{digest_hex}/{web}"),
                width: 160,
                height: 120,
            }
        })
        .collect()
}

/// Stores an original in the content-addressed store and returns its digest.
fn store_original(data_dir: &DataDir, scratch: &Path, name: &str, bytes: &[u8]) -> String {
    let source = scratch.join(name);
    std::fs::write(&source, bytes).unwrap();
    let (digest, _) = hash_file(&source).unwrap();
    let target = FileStore::new(data_dir.files_dir()).path_for(&digest);
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::copy(&source, &target).unwrap();
    digest.to_hex()
}

struct ItemSpec<'a> {
    source_key: String,
    institution_id: &'a str,
    collection_id: Option<&'a str>,
    access: AccessLevel,
    dc: Vec<(DcElement, &'a str)>,
    extra: Vec<(&'a str, &'a str)>,
    digest: String,
    media_type: &'a str,
    size: u64,
    derivatives: Vec<PageDerivative>,
}

fn record(spec: ItemSpec<'_>) -> ItemRecord {
    let mut metadata = Metadata::default();
    for (element, value) in &spec.dc {
        metadata.push(*element, [value.to_string()]);
    }
    for (name, value) in &spec.extra {
        metadata.push_extra(name, [value.to_string()]);
    }
    ItemRecord {
        item: Item {
            id: item_id_for(&spec.source_key),
            source_key: spec.source_key.clone(),
            institution_id: Some(spec.institution_id.into()),
            collection_id: spec.collection_id.map(str::to_string),
            access: spec.access,
            metadata,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        },
        files: vec![ItemFile {
            seq: 1,
            digest: spec.digest,
            size: spec.size,
            media_type: spec.media_type.into(),
            source_path: format!("/scans/{}", spec.source_key),
            source_mtime_ns: 1,
            storage: StorageMode::Copy,
            tech: TechMetadata::default(),
            derivatives: spec.derivatives,
            text: None,
            ocr_words: vec![],
        }],
    }
}

fn fake_digest(n: usize) -> String {
    format!("{n:064x}")
}

/// Builds the archive and opens the state.
pub fn fixture() -> Fixture {
    let temp = tempfile::tempdir().unwrap();
    let data_dir = DataDir::create(temp.path().join("data")).unwrap();
    let scratch: PathBuf = temp.path().join("scratch");
    std::fs::create_dir_all(&scratch).unwrap();
    let mut catalog = Catalog::open(&data_dir.catalog_path()).unwrap();

    let library = institution(
        "shaoer-library",
        "少儿图书馆",
        "Children's Library",
        InstitutionKind::Library,
    );
    let museum = institution(
        "city-museum",
        "区博物馆",
        "District Museum",
        InstitutionKind::Museum,
    );
    catalog.upsert_institution(&library).unwrap();
    catalog.upsert_institution(&museum).unwrap();
    let ceramics = Collection {
        id: "ceramics".into(),
        institution_id: "city-museum".into(),
        name_zh: "陶瓷专题".into(),
        name_en: Some("Ceramics".into()),
        description: Some("耀州窑瓷器".into()),
    };
    let local_records = Collection {
        id: "local-records".into(),
        institution_id: "shaoer-library".into(),
        name_zh: "地方文献".into(),
        name_en: Some("Local records".into()),
        description: None,
    };
    catalog.upsert_collection(&ceramics).unwrap();
    catalog.upsert_collection(&local_records).unwrap();

    let bowl_original = b"\xff\xd8\xff original bowl scan bytes".to_vec();
    let bowl_digest = store_original(&data_dir, &scratch, "bowl.jpg", &bowl_original);
    let secret_digest = store_original(&data_dir, &scratch, "secret.jpg", b"secret archive bytes");
    let book_digest = fake_digest(1);
    let rubbing_digest = fake_digest(2);
    let script_digest = fake_digest(3);

    let mut records = vec![
        record(ItemSpec {
            source_key: "museum/bowl.jpg".into(),
            institution_id: "city-museum",
            collection_id: Some("ceramics"),
            access: AccessLevel::Public,
            dc: vec![
                (DcElement::Title, "耀州窑青瓷碗"),
                (DcElement::Creator, "耀州窑"),
                (DcElement::Type, "器物"),
                (DcElement::Date, "1085"),
                (DcElement::Subject, "陶瓷"),
                (DcElement::Coverage, "黄堡镇"),
                (DcElement::Description, "北宋耀州窑青瓷刻花碗，釉色青绿。"),
                (DcElement::Rights, "区博物馆藏，仅供研究"),
            ],
            extra: vec![("材质", "瓷"), ("尺寸", "口径 18 厘米")],
            digest: bowl_digest.clone(),
            media_type: "image/jpeg",
            size: bowl_original.len() as u64,
            derivatives: derivatives(&data_dir, &bowl_digest, 1),
        }),
        record(ItemSpec {
            source_key: "library/gazetteer".into(),
            institution_id: "shaoer-library",
            collection_id: Some("local-records"),
            access: AccessLevel::Public,
            dc: vec![
                (DcElement::Title, "王益区志"),
                (DcElement::Type, "图书"),
                (DcElement::Date, "1995"),
                (DcElement::Subject, "地方志"),
                (DcElement::Description, "记述王益区自然、政治、经济、文化。"),
            ],
            extra: vec![],
            digest: book_digest.clone(),
            media_type: "application/pdf",
            size: 123_456,
            derivatives: derivatives(&data_dir, &book_digest, 3),
        }),
        record(ItemSpec {
            source_key: "museum/rubbing.jpg".into(),
            institution_id: "city-museum",
            collection_id: None,
            access: AccessLevel::MetadataOnly,
            dc: vec![
                (DcElement::Title, "青铜鼎拓片"),
                (DcElement::Type, "拓片"),
                (DcElement::Description, "仅公开目录的拓片。"),
            ],
            extra: vec![],
            digest: rubbing_digest.clone(),
            media_type: "image/jpeg",
            size: 1000,
            derivatives: derivatives(&data_dir, &rubbing_digest, 1),
        }),
        record(ItemSpec {
            source_key: "library/secret.jpg".into(),
            institution_id: "shaoer-library",
            collection_id: None,
            access: AccessLevel::Restricted,
            dc: vec![
                (DcElement::Title, "内部档案"),
                (DcElement::Type, "档案"),
                (DcElement::Description, RESTRICTED_DESCRIPTION),
            ],
            extra: vec![],
            digest: secret_digest.clone(),
            media_type: "image/jpeg",
            size: 20,
            derivatives: derivatives(&data_dir, &secret_digest, 1),
        }),
        record(ItemSpec {
            source_key: "library/script.jpg".into(),
            institution_id: "shaoer-library",
            collection_id: None,
            access: AccessLevel::Public,
            dc: vec![
                (DcElement::Title, "<script>alert(1)</script>"),
                (DcElement::Type, "测试"),
                (DcElement::Description, "<b>bold</b> script 描述"),
            ],
            extra: vec![("备注<i>", "<img src=x onerror=alert(2)>")],
            digest: script_digest.clone(),
            media_type: "image/jpeg",
            size: 10,
            derivatives: derivatives(&data_dir, &script_digest, 1),
        }),
        record(ItemSpec {
            source_key: "library/withdrawn.jpg".into(),
            institution_id: "shaoer-library",
            collection_id: None,
            access: AccessLevel::Public,
            dc: vec![(DcElement::Title, "已撤回的照片")],
            extra: vec![],
            digest: fake_digest(4),
            media_type: "image/jpeg",
            size: 10,
            derivatives: vec![],
        }),
    ];
    for index in 0..PHOTO_COUNT {
        let title = format!("老照片 第{index}张");
        let year = format!("{}", 1950 + index);
        let mut photo = record(ItemSpec {
            source_key: format!("library/photos/{index:03}.jpg"),
            institution_id: "shaoer-library",
            collection_id: Some("local-records"),
            access: AccessLevel::Public,
            dc: vec![(DcElement::Type, "照片"), (DcElement::Date, &year)],
            extra: vec![],
            digest: fake_digest(100 + index),
            media_type: "image/jpeg",
            size: 10,
            derivatives: derivatives(&data_dir, &fake_digest(100 + index), 1),
        });
        photo.item.metadata.push(DcElement::Title, [title]);
        records.push(photo);
    }
    // What the public must never see: the restricted item's creator, extra
    // field and file text, the metadata-only item's file text.
    for record in &mut records {
        match record.item.access {
            AccessLevel::Restricted => {
                let metadata = &mut record.item.metadata;
                metadata.push(DcElement::Creator, [RESTRICTED_CREATOR.to_string()]);
                metadata.push_extra("柜号", [RESTRICTED_EXTRA.to_string()]);
                record.files[0].text = Some(RESTRICTED_TEXT.to_string());
            }
            AccessLevel::MetadataOnly => {
                record.files[0].text = Some(METADATA_ONLY_TEXT.to_string());
            }
            AccessLevel::Public => {}
        }
    }
    let writes: Vec<ItemWrite> = records
        .iter()
        .map(|record| ItemWrite {
            record: record.clone(),
            fingerprint: record.item.id.clone(),
        })
        .collect();
    catalog.write_batch(&writes).unwrap();
    let withdrawn_id = item_id_for("library/withdrawn.jpg");
    assert!(catalog.tombstone_item(&withdrawn_id).unwrap());

    let search_index = SearchIndex::open_or_create(&data_dir.index_dir()).unwrap();
    let mut writer = search_index.writer().unwrap();
    for record in &records {
        if record.item.id == withdrawn_id {
            continue;
        }
        let institution = [&library, &museum]
            .into_iter()
            .find(|venue| Some(&venue.id) == record.item.institution_id.as_ref());
        let collection_name = [&ceramics, &local_records]
            .into_iter()
            .find(|collection| Some(&collection.id) == record.item.collection_id.as_ref())
            .map(|collection| collection.name_zh.as_str());
        let thumbnail = record
            .files
            .first()
            .and_then(|file| file.derivatives.first())
            .map(|derivative| derivative.thumbnail.as_str());
        writer
            .upsert(&IndexDocument {
                record,
                institution,
                collection_name,
                thumbnail,
            })
            .unwrap();
    }
    writer.commit().unwrap();
    drop(writer);
    drop(search_index);
    drop(catalog);

    let config = SiteConfig {
        operator: OPERATOR.into(),
        contact: "0919-0000000".into(),
        icp_number: ICP_NUMBER.into(),
        police_number: POLICE_NUMBER.into(),
        public_url: "https://wenhua.example.gov.cn".into(),
        ..SiteConfig::default()
    };
    let state = AppState::open(data_dir, config).unwrap();
    Fixture {
        _temp: temp,
        state,
        bowl_id: item_id_for("museum/bowl.jpg"),
        bowl_digest,
        bowl_original,
        book_id: item_id_for("library/gazetteer"),
        rubbing_id: item_id_for("museum/rubbing.jpg"),
        rubbing_digest,
        secret_id: item_id_for("library/secret.jpg"),
        secret_digest,
        script_id: item_id_for("library/script.jpg"),
        withdrawn_id,
    }
}
