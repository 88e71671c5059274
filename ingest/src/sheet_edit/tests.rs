//! The sheet round trip on a temporary catalogue: export, edit as Excel
//! would (GBK CSV, xlsx), preview, apply.

use std::path::Path;

use wenyuan_index::catalog::{Catalog, ItemWrite, Role};
use wenyuan_index::model::{
    AccessLevel, DcElement, Institution, InstitutionKind, Item, ItemRecord, Metadata, item_id_for,
};

use super::*;

fn venue(id: &str) -> Institution {
    wenyuan_index::testing::venue(id, &format!("{id}馆"), InstitutionKind::Library)
}

/// A catalogue with three records of `library` and one of `museum`.
fn catalogue(dir: &Path) -> (Catalog, Vec<String>) {
    let mut catalog = Catalog::open(&dir.join("c.sqlite")).unwrap();
    catalog.upsert_institution(&venue("library")).unwrap();
    catalog.upsert_institution(&venue("museum")).unwrap();
    let mut writes = Vec::new();
    let mut ids = Vec::new();
    for (n, institution) in ["library", "library", "library", "museum"]
        .iter()
        .enumerate()
    {
        let mut metadata = Metadata::default();
        metadata.push(DcElement::Title, [format!("耀州志 卷{n}")]);
        metadata.push(DcElement::Creator, ["王某".to_string(), "李某".to_string()]);
        metadata.push(
            DcElement::Description,
            ["第一段；仍是第一段。".to_string(), "第二段".to_string()],
        );
        metadata.push_extra("材质", ["纸本".to_string()]);
        let source_key = format!("/scans/{n}.jpg");
        let id = item_id_for(&source_key);
        ids.push(id.clone());
        writes.push(ItemWrite {
            record: ItemRecord {
                item: Item {
                    id,
                    source_key,
                    institution_id: Some(institution.to_string()),
                    collection_id: None,
                    access: AccessLevel::Public,
                    metadata,
                    created_at: 0,
                    updated_at: 0,
                    deleted_at: None,
                },
                files: vec![],
            },
            fingerprint: format!("f{n}"),
        });
    }
    catalog.write_batch(&writes).unwrap();
    (catalog, ids)
}

fn export(catalog: &Catalog, format: SheetFormat) -> Vec<u8> {
    let items = export_items(catalog, None, &ExportFilter::default()).unwrap();
    write_sheet(&items, format, false).unwrap()
}

#[test]
fn a_sheet_exported_and_applied_unchanged_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (catalog, _) = catalogue(dir.path());
    for format in [
        SheetFormat::Xlsx,
        SheetFormat::Csv(CsvEncoding::Utf8),
        SheetFormat::Csv(CsvEncoding::Gbk),
    ] {
        let bytes = export(&catalog, format);
        let plan = plan_sheet(&catalog, Path::new("s"), bytes, None).unwrap();
        assert!(plan.changes.is_empty(), "{format:?}: {plan:?}");
        assert_eq!(plan.unchanged, 4, "{format:?}");
        assert!(plan.problems.is_empty(), "{format:?}: {plan:?}");
        assert!(plan.ignored_columns.is_empty(), "{format:?}: {plan:?}");
    }
}

#[test]
fn the_export_has_an_id_column_and_the_headers_ingest_reads() {
    let dir = tempfile::tempdir().unwrap();
    let (catalog, ids) = catalogue(dir.path());
    let bytes = export(&catalog, SheetFormat::Csv(CsvEncoding::Utf8));
    let text = String::from_utf8(bytes).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "\u{feff}id,机构,藏品集,访问级别,题名,责任者,描述,材质"
    );
    let mut sorted = ids.clone();
    sorted.sort();
    let first = lines.next().unwrap();
    assert!(first.starts_with(&format!("{},", sorted[0])), "{first}");
    assert!(first.contains(",,公开,耀州志 卷"), "{first}");
    assert!(text.contains("王某；李某"), "{text}");
    // Every header is one ingest maps to the same field.
    for header in ["机构", "藏品集", "访问级别", "题名", "责任者", "描述"] {
        assert!(
            crate::metadata::ColumnRole::from_header(header)
                .is_some_and(|role| role.is_recognised()),
            "{header}"
        );
    }
}

/// The CSV as Excel on Chinese Windows saves it after an edit: GBK, no BOM.
fn as_excel_gbk(text: &str) -> Vec<u8> {
    let text = text.trim_start_matches('\u{feff}');
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

#[test]
fn a_gbk_csv_edited_in_excel_previews_and_applies_row_by_row() {
    let dir = tempfile::tempdir().unwrap();
    let (mut catalog, ids) = catalogue(dir.path());
    let exported =
        String::from_utf8(export(&catalog, SheetFormat::Csv(CsvEncoding::Utf8))).unwrap();
    let mut rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(exported.trim_start_matches('\u{feff}').as_bytes())
        .records()
        .map(|record| record.unwrap().iter().map(str::to_string).collect())
        .collect();
    // Columns: id, 机构, 藏品集, 访问级别, 题名, 责任者, 描述, 材质.
    // Rows 2–4 are the library's, row 5 the museum's (ordered so here).
    let museum = rows.iter().position(|row| row[1] == "museum").unwrap();
    let museum_row = rows.remove(museum);
    rows.push(museum_row);
    // Row 2: a new title; row 3: access and a second creator removed; row 4:
    // an emptied title (refused); row 5 (the museum's) a new title (refused
    // for a library editor); row 6 an unknown id; row 7 row 2 again.
    rows[1][4] = rows[1][4].replacen("耀州志 卷", "耀州志（校正） 卷", 1);
    rows[2][3] = "受限".into();
    rows[2][5] = "王某".into();
    rows[3][4] = String::new();
    rows[4][4] = rows[4][4].replacen("耀州志 卷", "耀州县志 卷", 1);
    let mut unknown = rows[1].clone();
    unknown[0] = "nosuchitem".into();
    rows.push(unknown);
    rows.push(rows[1].clone());
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in &rows {
        writer.write_record(row).unwrap();
    }
    let text = String::from_utf8(writer.into_inner().unwrap()).unwrap();
    let sheet = as_excel_gbk(&text);

    let editor = catalog
        .add_staff(
            "lib-editor",
            Role::Editor,
            Some("library"),
            "a long password 1",
        )
        .unwrap();
    let plan = plan_sheet(
        &catalog,
        Path::new("edited.csv"),
        sheet.clone(),
        Some(&editor),
    )
    .unwrap();
    let reasons: Vec<&str> = plan.problems.iter().map(|p| p.reason.as_str()).collect();
    assert_eq!(plan.changes.len(), 2, "{}", plan.describe());
    assert_eq!(reasons.len(), 4, "{reasons:?}");
    assert!(
        reasons[0].starts_with("row 4:") && reasons[0].contains("no title"),
        "{reasons:?}"
    );
    assert!(
        reasons[1].starts_with("row 5:") && reasons[1].contains("may not edit"),
        "{reasons:?}"
    );
    assert!(reasons[2].contains("unknown id nosuchitem"), "{reasons:?}");
    assert!(
        reasons[3].starts_with("row 7:") && reasons[3].contains("earlier row"),
        "{reasons:?}"
    );
    let described = plan.describe();
    assert!(described.contains("题名 title: 耀州志 卷"), "{described}");
    assert!(described.contains("→ 耀州志（校正） 卷"), "{described}");
    assert!(
        described.contains("访问级别 access: public → restricted"),
        "{described}"
    );
    assert!(
        described.contains("责任者 creator: 王某 | 李某 → 王某"),
        "{described}"
    );

    let applied = apply_plan(&mut catalog, &plan, "lib-editor", None).unwrap();
    assert_eq!(applied.len(), 2);
    let edited_row = &plan.changes[0];
    let stored = catalog.item(&edited_row.item_id).unwrap().unwrap().item;
    assert!(stored.display_title().starts_with("耀州志（校正） 卷"));
    assert_eq!(
        stored.metadata.values(DcElement::Description).len(),
        2,
        "untouched prose kept as it was"
    );
    let history = catalog.history_of(&edited_row.item_id).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].action, "sheet");
    assert_eq!(history[0].actor, "lib-editor");
    // The museum's record and the refused rows did not change.
    assert!(catalog.history_of(&ids[3]).unwrap().is_empty());
    assert_eq!(
        ids.iter()
            .filter(|id| !catalog.history_of(id).unwrap().is_empty())
            .count(),
        2
    );

    // The same sheet again: only what is still different (nothing) is shown.
    let again = plan_sheet(&catalog, Path::new("edited.csv"), sheet, Some(&editor)).unwrap();
    assert!(again.changes.is_empty(), "{}", again.describe());
}

#[test]
fn an_xlsx_with_only_id_and_title_edits_titles_only() {
    let dir = tempfile::tempdir().unwrap();
    let (mut catalog, ids) = catalogue(dir.path());
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "ID").unwrap();
    sheet.write_string(0, 1, "题名").unwrap();
    sheet.write_string(0, 2, "备注（不导入）").unwrap();
    for (row, id) in ids.iter().enumerate() {
        let row = row as u32 + 1;
        sheet.write_string(row, 0, id).unwrap();
        sheet.write_string(row, 1, format!("新题名 {row}")).unwrap();
    }
    let bytes = workbook.save_to_buffer().unwrap();
    let plan = plan_sheet(&catalog, Path::new("titles.xlsx"), bytes, None).unwrap();
    assert_eq!(plan.changes.len(), 4);
    assert_eq!(
        plan.ignored_columns,
        Vec::<String>::new(),
        "an unknown header is an extra field, not ignored"
    );
    // 备注（不导入） is read as an extra field, as ingest would: empty cells add nothing.
    assert!(
        plan.changes
            .iter()
            .all(|change| change.fields.len() == 1 && change.fields[0].field == "title")
    );
    apply_plan(&mut catalog, &plan, "cli:test", None).unwrap();
    let stored = catalog.item(&ids[0]).unwrap().unwrap().item;
    assert_eq!(stored.display_title(), "新题名 1");
    assert_eq!(stored.metadata.values(DcElement::Creator).len(), 2);
}

#[test]
fn a_sheet_without_an_id_column_is_refused_as_a_whole() {
    let dir = tempfile::tempdir().unwrap();
    let (catalog, _) = catalogue(dir.path());
    let error = plan_sheet(&catalog, Path::new("x.csv"), "题名\n新\n".into(), None).unwrap_err();
    assert!(error.to_string().contains("no id column"), "{error}");
}

#[test]
fn a_row_naming_another_or_an_unknown_venue_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (catalog, ids) = catalogue(dir.path());
    let sheet = format!(
        "id,机构,题名\n{},atlantis,甲\n{},museum,乙\n",
        ids[0], ids[1]
    );
    let plan = plan_sheet(&catalog, Path::new("x.csv"), sheet.into_bytes(), None).unwrap();
    assert!(plan.changes.is_empty());
    assert!(
        plan.problems[0].reason.contains("unknown venue atlantis"),
        "{plan:?}"
    );
    assert!(
        plan.problems[1].reason.contains("not done by sheet"),
        "{plan:?}"
    );
}
