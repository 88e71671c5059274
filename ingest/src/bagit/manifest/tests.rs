use super::*;

#[test]
fn paths_encode_and_decode_the_three_escapes_only() {
    let original = "data/50%\r\nb.png";
    assert_eq!(encode_path(original), "data/50%25%0D%0Ab.png");
    assert_eq!(decode_path(&encode_path(original)), original);
    assert_eq!(decode_path("data/a%2Fb%0a%zz%"), "data/a%2Fb\n%zz%");
}

#[test]
fn unsafe_paths_are_named() {
    for path in [
        "../../etc/passwd",
        "data/../../x",
        "/etc/passwd",
        "data//x",
        "data/./x",
        "data\\..\\x",
        "",
    ] {
        assert!(check_bag_path(path).is_err(), "{path}");
    }
    assert!(check_bag_path("data/王益 区/50% a.jpg").is_ok());
}

#[test]
fn manifests_parse_with_spaces_in_paths_and_crlf() {
    let checksum = "a".repeat(64);
    let text = format!("{checksum}  data/a b.jpg\r\n\n{checksum} data/50%25.png\n");
    let entries = parse_manifest(&text, Some(Algorithm::Sha256)).unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].path, "data/a b.jpg");
    assert_eq!(entries[1].path, "data/50%.png");
    assert_eq!(entries[1].line, 3);
    let bad = parse_manifest(&format!("{checksum}  ../../etc/passwd\n"), None).unwrap_err();
    assert!(
        bad.contains("line 1") && bad.contains("outside the bag"),
        "{bad}"
    );
    assert!(parse_manifest("abc  data/x\n", Some(Algorithm::Sha256)).is_err());
    assert!(parse_manifest(&checksum, None).is_err());
}

#[test]
fn a_written_manifest_reads_back() {
    let mut entries = BTreeMap::new();
    entries.insert("data/x\ny%.txt".to_string(), "b".repeat(64));
    let parsed = parse_manifest(&format_manifest(&entries), Some(Algorithm::Sha256)).unwrap();
    assert_eq!(parsed[0].path, "data/x\ny%.txt");
}

#[test]
fn tag_files_fold_continuations_and_flatten_values() {
    let parsed =
        parse_tag_file("\u{feff}BagIt-Version: 1.0\r\nExternal-Description: one\n  two\n").unwrap();
    assert_eq!(tag_value(&parsed, "bagit-version"), Some("1.0"));
    assert_eq!(tag_value(&parsed, "External-Description"), Some("one two"));
    assert!(parse_tag_file("no colon here\n").is_err());
    assert_eq!(
        format_tag_file(&[("Source-Organization", "王益区\n图书馆".into())]),
        "Source-Organization: 王益区 图书馆\n"
    );
}

#[test]
fn hashes_match_known_values() {
    let mut copy = Vec::new();
    let checksums = hash_copy(
        &mut &b"abc"[..],
        Some(&mut copy),
        &[Algorithm::Sha256, Algorithm::Sha512],
    )
    .unwrap();
    assert_eq!(copy, b"abc");
    assert_eq!(checksums.size, 3);
    assert_eq!(
        checksums.sha[&Algorithm::Sha256],
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert!(checksums.sha[&Algorithm::Sha512].starts_with("ddaf35a193617aba"));
    assert_eq!(
        checksums.blake3.to_hex(),
        blake3::hash(b"abc").to_hex().as_str()
    );
}
