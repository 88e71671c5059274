//! The catalogue's write path, reads, tombstones and schema, on a temporary catalogue.

use super::*;
use crate::model::{
    AccessLevel, Collection, DcElement, Institution, InstitutionKind, Item, ItemFile, ItemRecord,
    Metadata, StorageMode, TechMetadata, item_id_for,
};

fn sample_record(source_key: &str, paths: &[&str]) -> ItemRecord {
    let mut metadata = Metadata::default();
    metadata.push(DcElement::Title, ["耀州窑青瓷".to_string()]);
    ItemRecord {
        item: Item {
            id: item_id_for(source_key),
            source_key: source_key.to_string(),
            institution_id: None,
            collection_id: None,
            access: AccessLevel::Public,
            metadata,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        },
        files: paths
            .iter()
            .enumerate()
            .map(|(index, path)| ItemFile {
                seq: index as u32 + 1,
                digest: blake3::hash(path.as_bytes()).to_hex().to_string(),
                size: 10,
                media_type: "image/jpeg".into(),
                source_path: path.to_string(),
                source_mtime_ns: 1,
                storage: StorageMode::Copy,
                tech: TechMetadata::default(),
                derivatives: vec![],
                text: Some("正文".into()),
                ocr_words: vec![],
            })
            .collect(),
    }
}

#[test]
fn writes_reads_and_recognises_unchanged_items() {
    let temp = tempfile::tempdir().unwrap();
    let mut catalog = Catalog::open(&temp.path().join("c.sqlite")).unwrap();
    let record = sample_record("/scans/a.jpg", &["/scans/a.jpg"]);
    let write = ItemWrite {
        record: record.clone(),
        fingerprint: "f1".into(),
    };
    assert_eq!(
        catalog.write_batch(std::slice::from_ref(&write)).unwrap(),
        vec![WriteOutcome::Added]
    );
    assert_eq!(
        catalog.write_batch(std::slice::from_ref(&write)).unwrap(),
        vec![WriteOutcome::Unchanged]
    );
    let changed = ItemWrite {
        record,
        fingerprint: "f2".into(),
    };
    assert_eq!(
        catalog.write_batch(&[changed]).unwrap(),
        vec![WriteOutcome::Updated]
    );
    let read = catalog.item(&item_id_for("/scans/a.jpg")).unwrap().unwrap();
    assert_eq!(
        read.item.metadata.first(DcElement::Title),
        Some("耀州窑青瓷")
    );
    assert_eq!(read.files.len(), 1);
    assert_eq!(read.files[0].text.as_deref(), Some("正文"));
    assert_eq!(catalog.known_files().unwrap()["/scans/a.jpg"].size, 10);
}

#[test]
fn hit_summaries_agree_with_the_full_records() {
    let temp = tempfile::tempdir().unwrap();
    let mut catalog = Catalog::open(&temp.path().join("c.sqlite")).unwrap();
    let page = |page| crate::model::PageDerivative {
        page,
        thumbnail: format!("t{page}.jpg"),
        web: format!("w{page}.jpg"),
        width: 1,
        height: 1,
    };
    let mut writes = Vec::new();
    for n in 0..12 {
        let paths: Vec<String> = (0..n % 4).map(|f| format!("/s/{n}/{f}.jpg")).collect();
        let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
        let mut record = sample_record(&format!("/s/{n}"), &paths);
        record.item.institution_id = (n % 2 == 0).then(|| "museum".to_string());
        record.item.collection_id = (n % 3 == 0).then(|| format!("c{n}"));
        record.item.access = [
            AccessLevel::Public,
            AccessLevel::MetadataOnly,
            AccessLevel::Restricted,
        ][n % 3];
        // Derivatives on some files only, pages from 2 on some.
        for (f, file) in record.files.iter_mut().enumerate() {
            if (n + f) % 2 == 1 {
                file.derivatives = vec![page(1 + (f as u32 % 2)), page(3)];
            }
        }
        writes.push(ItemWrite {
            record,
            fingerprint: "f".into(),
        });
    }
    catalog.write_batch(&writes).unwrap();
    let mut ids: Vec<String> = writes.iter().map(|w| w.record.item.id.clone()).collect();
    ids.push("not-an-item".into());
    let summaries = catalog.hit_summaries(&ids).unwrap();
    assert_eq!(summaries.len(), 12);
    for write in &writes {
        let record = catalog.item(&write.record.item.id).unwrap().unwrap();
        let summary = &summaries[&record.item.id];
        let first_page = record
            .files
            .iter()
            .find_map(|file| file.derivatives.first().map(|d| (file.seq, d.page)));
        assert_eq!(
            summary,
            &HitSummary {
                institution_id: record.item.institution_id.clone(),
                collection_id: record.item.collection_id.clone(),
                access: record.item.access,
                deleted: record.item.deleted_at.is_some(),
                first_page,
            }
        );
    }
    assert!(summaries.values().any(|s| s.first_page.is_some()));
    assert!(summaries.values().any(|s| s.first_page.is_none()));
    assert!(catalog.hit_summaries(&[]).unwrap().is_empty());
}

#[test]
fn a_written_item_stays_pending_for_the_index_until_cleared() {
    // The mark is committed with the item, so a run killed before its
    // index commit leaves it for the next run to catch up.
    let temp = tempfile::tempdir().unwrap();
    let mut catalog = Catalog::open(&temp.path().join("c.sqlite")).unwrap();
    let write = ItemWrite {
        record: sample_record("/scans/a.jpg", &["/scans/a.jpg"]),
        fingerprint: "f1".into(),
    };
    catalog.write_batch(std::slice::from_ref(&write)).unwrap();
    let id = item_id_for("/scans/a.jpg");
    assert_eq!(catalog.index_pending().unwrap(), vec![id.clone()]);
    catalog.clear_index_pending(Some(&[id])).unwrap();
    assert!(catalog.index_pending().unwrap().is_empty());
    // An unchanged write leaves nothing to index.
    catalog.write_batch(&[write]).unwrap();
    assert!(catalog.index_pending().unwrap().is_empty());
}

#[test]
fn a_file_moving_into_a_book_tombstones_its_old_item() {
    let temp = tempfile::tempdir().unwrap();
    let mut catalog = Catalog::open(&temp.path().join("c.sqlite")).unwrap();
    let single = sample_record("/s/book/0001.tif", &["/s/book/0001.tif"]);
    catalog
        .write_batch(&[ItemWrite {
            record: single,
            fingerprint: "a".into(),
        }])
        .unwrap();
    let book = sample_record("/s/book", &["/s/book/0001.tif", "/s/book/0002.tif"]);
    catalog
        .write_batch(&[ItemWrite {
            record: book,
            fingerprint: "b".into(),
        }])
        .unwrap();
    assert_eq!(catalog.count_items().unwrap(), 1);
    assert_eq!(catalog.count_files().unwrap(), 2);
    let old = catalog
        .item(&item_id_for("/s/book/0001.tif"))
        .unwrap()
        .unwrap();
    assert!(old.item.deleted_at.is_some());
}

#[test]
fn a_restored_item_keeps_its_creation_time_and_its_file_paths_have_an_owner() {
    let temp = tempfile::tempdir().unwrap();
    let mut catalog = Catalog::open(&temp.path().join("c.sqlite")).unwrap();
    let mut restored = sample_record("/scans/old.jpg", &["/scans/old.jpg"]);
    restored.item.created_at = 1_000;
    let fresh = sample_record("/scans/new.jpg", &["/scans/new.jpg"]);
    catalog
        .write_batch(&[
            ItemWrite {
                record: restored.clone(),
                fingerprint: "a".into(),
            },
            ItemWrite {
                record: fresh.clone(),
                fingerprint: "b".into(),
            },
        ])
        .unwrap();
    let read = catalog.item(&restored.item.id).unwrap().unwrap();
    assert_eq!(read.item.created_at, 1_000);
    assert!(read.item.updated_at > 1_000);
    let read = catalog.item(&fresh.item.id).unwrap().unwrap();
    assert!(read.item.created_at > 1_000, "0 means now");
    assert_eq!(
        catalog.item_holding_source_path("/scans/old.jpg").unwrap(),
        Some(restored.item.id.clone())
    );
    assert_eq!(
        catalog.item_holding_source_path("/elsewhere").unwrap(),
        None
    );
    assert_eq!(catalog.live_items(None, None).unwrap().len(), 2);
    assert!(catalog.live_items(Some("museum"), None).unwrap().is_empty());
    assert_eq!(
        catalog.file_totals_by_item().unwrap()[&fresh.item.id],
        (1, 10)
    );
}

#[test]
fn collections_need_their_institution() {
    let temp = tempfile::tempdir().unwrap();
    let mut catalog = Catalog::open(&temp.path().join("c.sqlite")).unwrap();
    let collection = Collection {
        id: "ceramics".into(),
        institution_id: "museum".into(),
        name_zh: "陶瓷".into(),
        name_en: None,
        description: None,
    };
    assert!(
        catalog
            .upsert_collection(&collection)
            .unwrap_err()
            .is_user_error()
    );
    catalog
        .upsert_institution(&Institution {
            id: "museum".into(),
            name_zh: "博物馆".into(),
            name_en: None,
            kind: InstitutionKind::Museum,
            address: None,
            opening_hours: None,
            services: vec![],
            accessibility: None,
            contact: None,
            website: None,
        })
        .unwrap();
    catalog.upsert_collection(&collection).unwrap();
    assert_eq!(catalog.collections().unwrap().len(), 1);
    assert!(
        catalog
            .upsert_institution(&Institution {
                id: "Bad Id".into(),
                ..catalog.institution("museum").unwrap().unwrap()
            })
            .is_err()
    );
}

#[test]
fn reopening_keeps_the_schema_version() {
    let temp = tempfile::tempdir().unwrap();
    let path = temp.path().join("c.sqlite");
    drop(Catalog::open(&path).unwrap());
    let catalog = Catalog::open(&path).unwrap();
    assert_eq!(catalog.schema_version().unwrap(), SCHEMA_VERSION);
}

#[test]
fn edits_are_history_entries_and_each_undoes_exactly() {
    let temp = tempfile::tempdir().unwrap();
    let mut catalog = Catalog::open(&temp.path().join("c.sqlite")).unwrap();
    let record = sample_record("/scans/a.jpg", &["/scans/a.jpg"]);
    let id = record.item.id.clone();
    let write = ItemWrite {
        record: record.clone(),
        fingerprint: "f1".into(),
    };
    catalog.write_batch(std::slice::from_ref(&write)).unwrap();
    catalog.clear_index_pending(None).unwrap();

    let mut metadata = record.item.metadata.clone();
    metadata
        .dc
        .insert(DcElement::Title, vec!["耀州窑青瓷碗".into()]);
    metadata.push(
        DcElement::Subject,
        ["耀州窑".to_string(), "青瓷".to_string()],
    );
    let edit = ItemEdit {
        metadata: metadata.clone(),
        access: AccessLevel::MetadataOnly,
    };
    let entries = catalog
        .edit_item(&id, &edit, "librarian", "edit", None)
        .unwrap();
    let fields: Vec<&str> = entries.iter().map(|entry| entry.field.as_str()).collect();
    assert_eq!(fields, ["access", "subject", "title"]);
    assert_eq!(catalog.index_pending().unwrap(), vec![id.clone()]);
    assert!(
        catalog
            .edit_item(&id, &edit, "librarian", "edit", None)
            .unwrap()
            .is_empty()
    );
    let stored = catalog.item(&id).unwrap().unwrap();
    assert_eq!(stored.item.metadata, metadata);
    assert_eq!(stored.item.access, AccessLevel::MetadataOnly);

    // Undo the title: the exact old value, as a new entry.
    let title = entries.iter().find(|entry| entry.field == "title").unwrap();
    let undone = catalog.undo(title.id, "librarian").unwrap();
    assert_eq!(undone[0].undoes, Some(title.id));
    let stored = catalog.item(&id).unwrap().unwrap();
    assert_eq!(
        stored.item.metadata.values(DcElement::Title),
        ["耀州窑青瓷"]
    );
    assert_eq!(
        stored.item.metadata.values(DcElement::Subject),
        ["耀州窑", "青瓷"]
    );
    // Undoing the undo puts the edit back.
    catalog.undo(undone[0].id, "librarian").unwrap();
    let stored = catalog.item(&id).unwrap().unwrap();
    assert_eq!(
        stored.item.metadata.values(DcElement::Title),
        ["耀州窑青瓷碗"]
    );
    assert_eq!(catalog.history_of(&id).unwrap().len(), 5);

    // Withdraw keeps the files; re-ingest does not bring it back; restore does.
    let deleted = |catalog: &Catalog| {
        catalog
            .item(&id)
            .unwrap()
            .unwrap()
            .item
            .deleted_at
            .is_some()
    };
    let withdrawn = catalog
        .withdraw_item(&id, "版权投诉", "librarian")
        .unwrap()
        .unwrap();
    assert_eq!(catalog.withdrawal(&id).unwrap().unwrap().1, "版权投诉");
    assert_eq!(catalog.item(&id).unwrap().unwrap().files.len(), 1);
    assert!(deleted(&catalog));
    let mut changed = write.clone();
    changed.fingerprint = "f2".into();
    catalog.write_batch(std::slice::from_ref(&write)).unwrap();
    catalog.write_batch(&[changed]).unwrap();
    assert!(deleted(&catalog));
    catalog.undo(withdrawn.id, "librarian").unwrap();
    assert!(catalog.withdrawal(&id).unwrap().is_none());
    assert!(!deleted(&catalog));
    assert!(catalog.withdraw_item(&id, " ", "librarian").is_err());
}

#[test]
fn staff_sign_in_locks_after_failures_and_disabling_ends_sessions() {
    let temp = tempfile::tempdir().unwrap();
    let mut catalog = Catalog::open(&temp.path().join("c.sqlite")).unwrap();
    assert!(
        catalog
            .add_staff("wang", Role::Editor, None, "long enough pw")
            .is_err()
    );
    assert!(catalog.add_staff("li", Role::Admin, None, "short").is_err());
    catalog
        .add_staff("li", Role::Admin, None, "correct horse battery")
        .unwrap();
    let now = 1_000_000;
    let (token, session) = catalog
        .sign_in("li", "correct horse battery", now)
        .unwrap()
        .unwrap();
    assert_eq!(session.member.role, Role::Admin);
    assert_eq!(
        catalog.staff_session(&token, now + 1).unwrap(),
        Some(session)
    );
    assert_eq!(catalog.staff_session("forged", now).unwrap(), None);
    assert_eq!(
        catalog
            .sign_in("nobody", "correct horse battery", now)
            .unwrap(),
        Err(SignInRefusal::Wrong)
    );
    for _ in 0..4 {
        assert_eq!(
            catalog.sign_in("li", "wrong", now).unwrap(),
            Err(SignInRefusal::Wrong)
        );
    }
    let locked = catalog.sign_in("li", "wrong", now).unwrap();
    assert!(matches!(locked, Err(SignInRefusal::Locked(_))));
    // Locked: the right password is refused too, until the lock ends.
    assert!(matches!(
        catalog
            .sign_in("li", "correct horse battery", now + 60)
            .unwrap(),
        Err(SignInRefusal::Locked(_))
    ));
    assert!(
        catalog
            .sign_in("li", "correct horse battery", now + staff::LOCK_SECONDS + 1)
            .unwrap()
            .is_ok()
    );
    // The open session ends when the account is disabled.
    catalog.set_staff_disabled("li", true).unwrap();
    assert_eq!(catalog.staff_session(&token, now + 2).unwrap(), None);
    assert_eq!(
        catalog
            .sign_in("li", "correct horse battery", now + staff::LOCK_SECONDS + 2)
            .unwrap(),
        Err(SignInRefusal::Wrong)
    );
    // Sessions expire.
    catalog.set_staff_disabled("li", false).unwrap();
    let later = now + 10 * staff::LOCK_SECONDS;
    let (token, _) = catalog
        .sign_in("li", "correct horse battery", later)
        .unwrap()
        .unwrap();
    assert!(
        catalog
            .staff_session(&token, later + staff::SESSION_SECONDS)
            .unwrap()
            .is_none()
    );
}

#[test]
fn a_reingest_keeps_staff_edits_unless_the_folder_changed_that_value() {
    let temp = tempfile::tempdir().unwrap();
    let mut catalog = Catalog::open(&temp.path().join("c.sqlite")).unwrap();
    let mut record = sample_record("/scans/a.jpg", &["/scans/a.jpg"]);
    record
        .item
        .metadata
        .push(DcElement::Date, ["1958".to_string()]);
    let id = record.item.id.clone();
    let write = |record: &ItemRecord, fingerprint: &str| ItemWrite {
        record: record.clone(),
        fingerprint: fingerprint.into(),
    };
    catalog.write_batch(&[write(&record, "f1")]).unwrap();
    // A librarian corrects the title and the date on the web.
    let mut edited = catalog.item(&id).unwrap().unwrap().item.metadata;
    edited
        .dc
        .insert(DcElement::Title, vec!["耀州窑青瓷碗".into()]);
    edited.dc.insert(DcElement::Date, vec!["1959".into()]);
    let edit = ItemEdit {
        metadata: edited,
        access: AccessLevel::Public,
    };
    catalog
        .edit_item(&id, &edit, "editor", "edit", None)
        .unwrap();

    // The folder changes (a file's bytes, say) but not its sheet: both edits stay.
    let report = catalog
        .write_batch_reporting(&[write(&record, "f2")])
        .unwrap();
    assert_eq!(report.outcomes, vec![WriteOutcome::Updated]);
    assert_eq!(report.edits_kept.len(), 2, "{report:?}");
    assert!(report.edits_replaced.is_empty());
    let stored = catalog.item(&id).unwrap().unwrap().item.metadata;
    assert_eq!(stored.first(DcElement::Title), Some("耀州窑青瓷碗"));
    assert_eq!(stored.first(DcElement::Date), Some("1959"));

    // The sheet's own date changes: the sheet wins for the date only, and says so.
    let mut resheeted = record.clone();
    resheeted
        .item
        .metadata
        .dc
        .insert(DcElement::Date, vec!["1960".into()]);
    let report = catalog
        .write_batch_reporting(&[write(&resheeted, "f3")])
        .unwrap();
    assert_eq!(
        report.edits_replaced,
        vec![EditedField {
            item_id: id.clone(),
            field: "date".into()
        }]
    );
    assert_eq!(report.edits_kept.len(), 1);
    let stored = catalog.item(&id).unwrap().unwrap().item.metadata;
    assert_eq!(stored.first(DcElement::Title), Some("耀州窑青瓷碗"));
    assert_eq!(stored.first(DcElement::Date), Some("1960"));

    // Again with the same sheet: nothing more to report, the title edit still kept.
    let report = catalog
        .write_batch_reporting(&[write(&resheeted, "f4")])
        .unwrap();
    assert!(report.edits_replaced.is_empty());
    let stored = catalog.item(&id).unwrap().unwrap().item;
    assert_eq!(
        stored.metadata.first(DcElement::Title),
        Some("耀州窑青瓷碗")
    );
    assert_eq!(stored.metadata.first(DcElement::Date), Some("1960"));
}
