//! `wenyuan events import FILE.toml|FILE.xlsx|FILE.csv`: the venues' events.
//!
//! A sheet has one event a row, under Chinese or English headers (编号 id,
//! 场馆/机构 institution, 活动名称/名称 title, 开始时间 start, 结束时间 end,
//! 地点 place, 类别 category, 对象/面向人群 audience, 费用 fee, 预约 booking,
//! 人数上限 capacity, 简介/描述 description, 图片 image, 状态 status), in
//! UTF-8 or GBK, the same conventions as a metadata sheet. A TOML file has
//! one `[[event]]` table an event with the English names as keys. Times are
//! written as people write them — `2026-12-05 14:30`, `2026/12/5 14:30`,
//! `2026年12月5日 14:30`, a date alone for an all-day event, an end as a
//! time alone on the start's day — in the venue's zone. A row that cannot be
//! used is a report line; the others are imported, updating by id.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;
use time::{Date, Month, PrimitiveDateTime, Time, UtcOffset};
use wenyuan_index::catalog::{Catalog, WriteOutcome};
use wenyuan_index::events::{Event, VENUE_UTC_OFFSET_S, event_id_for};
use wenyuan_index::model::split_multi;

use crate::metadata::{RowProblem, read_grid, read_side_file};
use crate::{Error, Result};

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EventsReport {
    /// Events new to the catalogue.
    pub added: u64,
    /// Events whose record changed.
    pub updated: u64,
    /// Events imported again as they were.
    pub unchanged: u64,
    /// Rows that could not be used, each with the reason.
    pub failures: Vec<EventProblem>,
}

/// A row that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventProblem {
    /// The row (sheet row number, or the event's place in a TOML file).
    pub row: usize,
    /// Why, in words for a librarian.
    pub reason: String,
}

/// The fields of an event row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Field {
    Id,
    Institution,
    Title,
    Start,
    End,
    Place,
    Category,
    Audience,
    Fee,
    Booking,
    Capacity,
    Description,
    Image,
    Status,
}

const HEADERS: &[(Field, &[&str])] = &[
    (Field::Id, &["id", "编号", "編號", "活动编号", "活動編號"]),
    (
        Field::Institution,
        &["institution", "venue", "场馆", "場館", "机构", "機構"],
    ),
    (
        Field::Title,
        &[
            "title",
            "name",
            "活动名称",
            "活動名稱",
            "名称",
            "名稱",
            "活动",
            "活動",
        ],
    ),
    (
        Field::Start,
        &[
            "start",
            "starts",
            "开始时间",
            "開始時間",
            "开始",
            "時間",
            "时间",
        ],
    ),
    (
        Field::End,
        &["end", "ends", "结束时间", "結束時間", "结束", "結束"],
    ),
    (
        Field::Place,
        &["place", "location", "地点", "地點", "场地", "場地"],
    ),
    (
        Field::Category,
        &["category", "类别", "類別", "类型", "類型"],
    ),
    (
        Field::Audience,
        &[
            "audience",
            "对象",
            "對象",
            "面向人群",
            "服务对象",
            "服務對象",
        ],
    ),
    (Field::Fee, &["fee", "费用", "費用", "票价", "票價"]),
    (Field::Booking, &["booking", "预约", "預約", "报名", "報名"]),
    (
        Field::Capacity,
        &["capacity", "人数上限", "人數上限", "名额", "名額"],
    ),
    (
        Field::Description,
        &["description", "简介", "簡介", "描述", "说明", "說明"],
    ),
    (Field::Image, &["image", "图片", "圖片"]),
    (Field::Status, &["status", "状态", "狀態"]),
];

fn field_of(header: &str) -> Option<Field> {
    let normalized = header
        .trim()
        .trim_start_matches('\u{feff}')
        .trim()
        .to_lowercase();
    HEADERS
        .iter()
        .find(|(_, names)| names.contains(&normalized.as_str()))
        .map(|(field, _)| *field)
}

/// Reads an events file and writes its events to the catalogue.
/// `institution`: the venue of rows that do not name one.
pub fn import_events(
    catalog: &mut Catalog,
    path: &Path,
    institution: Option<&str>,
) -> Result<EventsReport> {
    let bytes = read_side_file(path).map_err(|error| Error::Usage(error.to_string()))?;
    let is_toml = path
        .extension()
        .and_then(|extension| extension.to_str())
        .is_some_and(|extension| extension.eq_ignore_ascii_case("toml"));
    let rows = if is_toml {
        toml_rows(path, &bytes)?
    } else {
        sheet_rows(path, bytes)?
    };
    let venues: BTreeSet<String> = catalog
        .institutions()?
        .into_iter()
        .map(|venue| venue.id)
        .collect();
    let mut report = EventsReport::default();
    let mut events = Vec::new();
    let mut seen = BTreeMap::new();
    for row in rows {
        let (line, cells) = match row {
            Ok(row) => row,
            Err(problem) => {
                report.failures.push(EventProblem {
                    row: problem.line,
                    reason: problem.reason,
                });
                continue;
            }
        };
        match event_of(&venues, line, &cells, institution) {
            Ok(event) => {
                if let Some(first) = seen.insert(event.id.clone(), line) {
                    report.failures.push(EventProblem {
                        row: line,
                        reason: format!(
                            "row {line} is the same event as row {first} (same venue and 编号); the later row is left out"
                        ),
                    });
                    continue;
                }
                events.push(event);
            }
            Err(reason) => report.failures.push(EventProblem { row: line, reason }),
        }
    }
    for outcome in catalog.upsert_events(&events)? {
        match outcome {
            WriteOutcome::Added => report.added += 1,
            WriteOutcome::Updated => report.updated += 1,
            WriteOutcome::Unchanged => report.unchanged += 1,
        }
    }
    report.failures.sort_by_key(|problem| problem.row);
    Ok(report)
}

type Row = std::result::Result<(usize, BTreeMap<Field, String>), RowProblem>;

fn sheet_rows(path: &Path, bytes: Vec<u8>) -> Result<Vec<Row>> {
    let grid = read_grid(path, bytes).map_err(|error| Error::Usage(error.to_string()))?;
    let fields: Vec<Option<Field>> = grid.header.iter().map(|header| field_of(header)).collect();
    if !fields.contains(&Some(Field::Title)) || !fields.contains(&Some(Field::Start)) {
        return Err(Error::Usage(format!(
            "{}: an events sheet needs at least the columns 活动名称 (title) and 开始时间 (start); its first row reads: {}",
            path.display(),
            grid.header.join(", ")
        )));
    }
    let mut rows: Vec<Row> = grid.problems.into_iter().map(Err).collect();
    for (line, cells) in grid.rows {
        let mut row = BTreeMap::new();
        for (field, cell) in fields.iter().zip(cells) {
            if let Some(field) = field
                && !cell.trim().is_empty()
            {
                row.entry(*field).or_insert(cell);
            }
        }
        rows.push(Ok((line, row)));
    }
    Ok(rows)
}

fn toml_rows(path: &Path, bytes: &[u8]) -> Result<Vec<Row>> {
    let text = crate::metadata::decode_text(bytes);
    let document: toml::Table = toml::from_str(&text)
        .map_err(|error| Error::Usage(format!("{}: not valid TOML: {error}", path.display())))?;
    let Some(toml::Value::Array(tables)) = document.get("event") else {
        return Err(Error::Usage(format!(
            "{}: no [[event]] tables (one per event, keys title, start, institution …)",
            path.display()
        )));
    };
    let mut rows = Vec::new();
    for (index, table) in tables.iter().enumerate() {
        let line = index + 1;
        let Some(table) = table.as_table() else {
            rows.push(Err(RowProblem {
                line,
                reason: format!("event {line} is not a table"),
            }));
            continue;
        };
        let mut row = BTreeMap::new();
        let mut problem = None;
        for (key, value) in table {
            let Some(field) = field_of(key) else {
                problem = Some(format!("event {line}: unknown key '{key}'"));
                break;
            };
            let text = match value {
                toml::Value::String(text) => text.clone(),
                toml::Value::Integer(number) => number.to_string(),
                toml::Value::Datetime(moment) => moment.to_string().replace('T', " "),
                toml::Value::Array(values) => values
                    .iter()
                    .map(|value| {
                        value
                            .as_str()
                            .map_or_else(|| value.to_string(), str::to_string)
                    })
                    .collect::<Vec<_>>()
                    .join("；"),
                other => other.to_string(),
            };
            row.insert(field, text);
        }
        rows.push(match problem {
            Some(reason) => Err(RowProblem { line, reason }),
            None => Ok((line, row)),
        });
    }
    Ok(rows)
}

fn event_of(
    venues: &BTreeSet<String>,
    line: usize,
    row: &BTreeMap<Field, String>,
    default_institution: Option<&str>,
) -> std::result::Result<Event, String> {
    let text = |field: Field| {
        row.get(&field)
            .map(|value| value.trim().to_string())
            .filter(|value| !value.is_empty())
    };
    let Some(title) = text(Field::Title) else {
        return Err(format!("row {line} has no 活动名称 (title)"));
    };
    let Some(institution_id) = text(Field::Institution).or(default_institution.map(str::to_string))
    else {
        return Err(format!(
            "row {line} names no venue (场馆); add the column or give --institution"
        ));
    };
    if !venues.contains(&institution_id) {
        return Err(format!(
            "row {line}: unknown venue '{institution_id}' (see `wenyuan institutions list`)"
        ));
    }
    let Some(start_text) = text(Field::Start) else {
        return Err(format!("row {line} has no 开始时间 (start)"));
    };
    let start = parse_local(&start_text, None).ok_or_else(|| {
        format!("row {line}: the start '{start_text}' is not a time like 2026-12-05 14:30")
    })?;
    let end = match text(Field::End) {
        None => None,
        Some(end_text) => Some(parse_local(&end_text, Some(start.date())).ok_or_else(|| {
            format!("row {line}: the end '{end_text}' is not a time like 2026-12-05 16:00 or 16:00")
        })?),
    };
    let all_day = start.all_day && end.as_ref().is_none_or(|end| end.all_day);
    let starts_at = start.unix();
    let ends_at = match &end {
        // An all-day event ends at the midnight after its last day.
        Some(end) if all_day => Some(end.unix() + 86_400),
        Some(end) => Some(end.unix()),
        None if all_day => Some(starts_at + 86_400),
        None => None,
    };
    if let Some(ends_at) = ends_at
        && ends_at < starts_at
    {
        return Err(format!("row {line}: the event ends before it starts"));
    }
    let capacity = match text(Field::Capacity) {
        None => None,
        Some(number) => Some(
            number
                .trim_end_matches(['人', '名'])
                .trim()
                .parse::<u32>()
                .map_err(|_| format!("row {line}: 人数上限 '{number}' is not a number"))?,
        ),
    };
    let cancelled = match text(Field::Status).as_deref() {
        None => false,
        Some(status) => match status.to_lowercase().as_str() {
            "cancelled" | "canceled" | "取消" | "已取消" | "停办" => true,
            "scheduled" | "confirmed" | "正常" | "举办" | "舉辦" => false,
            other => {
                return Err(format!(
                    "row {line}: 状态 '{other}' is not known (leave it empty, or write 已取消 / cancelled)"
                ));
            }
        },
    };
    let source_id = text(Field::Id);
    Ok(Event {
        id: event_id_for(&institution_id, source_id.as_deref(), &title, starts_at),
        institution_id,
        source_id,
        title,
        starts_at,
        ends_at,
        all_day,
        place: text(Field::Place),
        category: text(Field::Category),
        audiences: text(Field::Audience)
            .map(|audiences| split_multi(&audiences.replace(['、', ','], "；")))
            .unwrap_or_default(),
        fee: text(Field::Fee),
        booking: text(Field::Booking),
        capacity,
        description: text(Field::Description),
        image: text(Field::Image),
        cancelled,
        created_at: 0,
        updated_at: 0,
    })
}

/// A local time as read from a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LocalTime {
    at: PrimitiveDateTime,
    /// Only a date was written.
    all_day: bool,
}

impl LocalTime {
    fn date(&self) -> Date {
        self.at.date()
    }

    fn unix(&self) -> i64 {
        let offset = UtcOffset::from_whole_seconds(VENUE_UTC_OFFSET_S).expect("UTC+8");
        self.at.assume_offset(offset).unix_timestamp()
    }
}

/// Reads `2026-12-05 14:30`, `2026/12/5 14:30`, `2026.12.5`, `2026年12月5日 14:30`
/// (seconds optional, `T` or a space between), a date alone, or — given
/// `day` — a time alone on that day.
fn parse_local(text: &str, day: Option<Date>) -> Option<LocalTime> {
    let normalized = text
        .trim()
        .replace(['年', '月', '/', '.'], "-")
        .replace('日', " ")
        .replace('：', ":")
        .replace('T', " ")
        .replace("  ", " ");
    let normalized = normalized.trim();
    let (date_part, time_part) = match normalized.split_once(' ') {
        Some((date, time)) => (Some(date), Some(time.trim())),
        None if normalized.contains(':') => (None, Some(normalized)),
        None => (Some(normalized), None),
    };
    let date = match date_part {
        Some(date) => {
            let mut parts = date.split('-').map(|part| part.trim().parse::<u32>().ok());
            let (year, month, day_of_month) = (parts.next()??, parts.next()??, parts.next()??);
            if parts.next().is_some() {
                return None;
            }
            Date::from_calendar_date(
                i32::try_from(year).ok()?,
                Month::try_from(u8::try_from(month).ok()?).ok()?,
                u8::try_from(day_of_month).ok()?,
            )
            .ok()?
        }
        None => day?,
    };
    let time = match time_part {
        None => {
            return Some(LocalTime {
                at: PrimitiveDateTime::new(date, Time::MIDNIGHT),
                all_day: true,
            });
        }
        Some(time) => {
            let mut parts = time.split(':').map(|part| part.trim().parse::<u8>().ok());
            let hour = parts.next()??;
            let minute = parts.next().unwrap_or(Some(0))?;
            let second = parts.next().unwrap_or(Some(0))?;
            Time::from_hms(hour, minute, second).ok()?
        }
    };
    Some(LocalTime {
        at: PrimitiveDateTime::new(date, time),
        all_day: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> ((i32, u8, u8, u8), bool) {
        let parsed = parse_local(
            text,
            Date::from_calendar_date(2026, Month::December, 5).ok(),
        )
        .unwrap_or_else(|| panic!("{text}"));
        let at = parsed.at;
        (
            (at.year(), u8::from(at.month()), at.day(), at.hour()),
            parsed.all_day,
        )
    }

    #[test]
    fn times_read_as_people_write_them() {
        for text in [
            "2026-12-05 14:30",
            "2026/12/5 14:30",
            "2026年12月5日 14:30",
            "2026年12月5日14:30",
            "2026-12-05T14:30:00",
            "2026.12.5 14：30",
            "14:30",
        ] {
            assert_eq!(at(text), ((2026, 12, 5, 14), false), "{text}");
            let parsed = parse_local(
                text,
                Date::from_calendar_date(2026, Month::December, 5).ok(),
            );
            assert_eq!(parsed.unwrap().at.minute(), 30, "{text}");
        }
        assert_eq!(at("2026年12月5日"), ((2026, 12, 5, 0), true));
        for bad in ["下周六", "2026-13-01 10:00", "2026-12-05 25:00", "12/5", ""] {
            assert!(parse_local(bad, None).is_none(), "{bad}");
        }
    }

    #[test]
    fn the_start_is_an_instant_in_the_venue_zone() {
        let start = parse_local("2026-12-05 14:30", None).unwrap();
        // 06:30 UTC.
        assert_eq!(start.unix() % 86_400, 6 * 3600 + 1800);
    }
}
