use wenyuan_index::model::{AccessLevel, DcElement};

use super::*;

fn write_sidecar(directory: &Path, bytes: &[u8]) -> std::path::PathBuf {
    let path = directory.join("0001.tif.json");
    std::fs::write(&path, bytes).expect("write sidecar");
    path
}

#[test]
fn json_sidecar_with_chinese_and_english_keys() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let json = r#"{
        "题名": "昭陵六骏拓片",
        "creator": ["佚名", "碑林博物馆"],
        "主题": "碑刻；拓片; 唐代",
        "date": 1958,
        "材质": "宣纸",
        "尺寸": [120, 45.5],
        "机构": "beilin",
        "collection": "rubbings",
        "开放级别": "受限",
        "file": "ignored.tif",
        "描述": null
    }"#;
    let path = write_sidecar(directory.path(), json.as_bytes());
    let description = read_json_sidecar(&path).expect("sidecar reads");
    let metadata = &description.metadata;
    assert_eq!(metadata.first(DcElement::Title), Some("昭陵六骏拓片"));
    assert_eq!(metadata.values(DcElement::Creator), ["佚名", "碑林博物馆"]);
    assert_eq!(
        metadata.values(DcElement::Subject),
        ["碑刻", "拓片", "唐代"]
    );
    assert_eq!(metadata.first(DcElement::Date), Some("1958"));
    assert_eq!(metadata.first(DcElement::Description), None);
    assert_eq!(metadata.extra.get("材质").map(Vec::len), Some(1));
    assert_eq!(
        metadata.extra.get("尺寸"),
        Some(&vec!["120".to_string(), "45.5".to_string()])
    );
    assert_eq!(description.institution.as_deref(), Some("beilin"));
    assert_eq!(description.collection.as_deref(), Some("rubbings"));
    assert_eq!(description.access, Some(AccessLevel::Restricted));
    assert_eq!(metadata.extra.len(), 2, "file, access … are not extras");
}

#[test]
fn json_sidecar_in_gbk() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let (bytes, _, _) = encoding_rs::GBK.encode(r#"{"题名": "西安城墙老照片", "地点": "西安"}"#);
    let path = write_sidecar(directory.path(), &bytes);
    let description = read_json_sidecar(&path).expect("sidecar reads");
    assert_eq!(
        description.metadata.first(DcElement::Title),
        Some("西安城墙老照片")
    );
    assert_eq!(
        description.metadata.first(DcElement::Coverage),
        Some("西安")
    );
}

#[test]
fn bad_json_sidecars_are_clear_errors() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let cases: [(&str, &str); 5] = [
        (r#"{"题名": "未闭合"#, "not valid JSON"),
        (r#"["题名"]"#, "the JSON must be an object"),
        (
            r#"{"题名": {"zh": "x"}}"#,
            "field '题名': the value must be text",
        ),
        (
            r#"{"主题": [["a"]]}"#,
            "field '主题': a list may only contain",
        ),
        (
            r#"{"access": "半公开"}"#,
            "access level '半公开' is not known",
        ),
    ];
    for (json, expected) in cases {
        let path = write_sidecar(directory.path(), json.as_bytes());
        let message = read_json_sidecar(&path)
            .expect_err("bad sidecar fails")
            .to_string();
        assert!(message.contains(expected), "{json}: {message}");
        assert!(!message.ends_with('.'), "{message}");
    }
}
