//! `wenyuan export --sheet FILE` and `wenyuan apply-sheet FILE`: the batch
//! edit round trip (the work is in `wenyuan_ingest::sheet_edit`).

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;
use wenyuan_index::search::SearchIndex;
use wenyuan_ingest::metadata::read_side_file;
use wenyuan_ingest::sheet_edit::{
    CsvEncoding, ExportFilter, SheetFormat, SheetPlan, apply_plan, export_items, plan_sheet,
    write_sheet,
};

use crate::staff::{actor, follow_index, open_catalog};

/// Writes the selected records to `sheet` (`.xlsx` or `.csv`).
pub fn export(
    data: &Path,
    sheet: &Path,
    filter: &ExportFilter,
    encoding: CsvEncoding,
    english_headers: bool,
) -> anyhow::Result<ExitCode> {
    let format = SheetFormat::for_path(sheet, encoding)?;
    let (data_dir, catalog) = open_catalog(data)?;
    let index = match &filter.query {
        Some(_) => Some(
            SearchIndex::open_or_create(&data_dir.index_dir())
                .context("cannot open the search index")?,
        ),
        None => None,
    };
    let items = export_items(&catalog, index.as_ref(), filter)?;
    let bytes = write_sheet(&items, format, english_headers)?;
    std::fs::write(sheet, bytes)
        .with_context(|| format!("cannot write the sheet {}", sheet.display()))?;
    println!(
        "{} records written to {}; edit it in Excel, then `wenyuan apply-sheet {}`",
        items.len(),
        sheet.display(),
        sheet.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// What `apply-sheet --report` writes.
#[derive(Serialize)]
struct Report<'a> {
    sheet: String,
    dry_run: bool,
    records_changed: usize,
    records_unchanged: usize,
    changes: Vec<ReportRecord<'a>>,
    refused: Vec<ReportProblem<'a>>,
    ignored_columns: &'a [String],
}

#[derive(Serialize)]
struct ReportRecord<'a> {
    row: usize,
    id: &'a str,
    title: &'a str,
    fields: Vec<ReportField<'a>>,
}

#[derive(Serialize)]
struct ReportField<'a> {
    field: &'a str,
    old: &'a str,
    new: &'a str,
}

#[derive(Serialize)]
struct ReportProblem<'a> {
    row: usize,
    reason: &'a str,
}

fn report_of<'a>(sheet: &Path, plan: &'a SheetPlan, dry_run: bool) -> Report<'a> {
    Report {
        sheet: sheet.display().to_string(),
        dry_run,
        records_changed: plan.changes.len(),
        records_unchanged: plan.unchanged,
        changes: plan
            .changes
            .iter()
            .map(|change| ReportRecord {
                row: change.line,
                id: &change.item_id,
                title: &change.title,
                fields: change
                    .fields
                    .iter()
                    .map(|field| ReportField {
                        field: &field.field,
                        old: &field.old,
                        new: &field.new,
                    })
                    .collect(),
            })
            .collect(),
        refused: plan
            .problems
            .iter()
            .map(|problem| ReportProblem {
                row: problem.line,
                reason: &problem.reason,
            })
            .collect(),
        ignored_columns: &plan.ignored_columns,
    }
}

/// Shows what the sheet changes and (unless `dry_run`) applies it. Exit
/// status 1 when rows were refused.
pub fn apply(
    data: &Path,
    sheet: &Path,
    dry_run: bool,
    report_path: Option<&Path>,
    reason: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let (data_dir, mut catalog) = open_catalog(data)?;
    let bytes = read_side_file(sheet)?;
    let plan = plan_sheet(&catalog, sheet, bytes, None)?;
    println!("{}", plan.describe());
    if !dry_run && !plan.changes.is_empty() {
        let applied = apply_plan(&mut catalog, &plan, &actor(), reason)?;
        println!("applied: {} records changed", applied.len());
        drop(catalog);
        follow_index(&data_dir)?;
    } else if dry_run {
        println!("dry run: nothing was changed");
    }
    if let Some(path) = report_path {
        let json = serde_json::to_vec_pretty(&report_of(sheet, &plan, dry_run))?;
        std::fs::write(path, json)
            .with_context(|| format!("cannot write the report to {}", path.display()))?;
    }
    Ok(if plan.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
