//! Events (活动) the venues hold: lectures, exhibitions, performances,
//! training, reading and science sessions. Stored in the catalogue beside
//! the holdings ([`crate::catalog::Catalog::upsert_events`]).
//!
//! Times are instants (Unix seconds) with the offset of the venue's zone,
//! so that a page shows them as the venue's people read them. Every venue
//! is in Asia/Shanghai (UTC+8, no daylight saving) for now.

use serde::{Deserialize, Serialize};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// The zone of every venue: Asia/Shanghai.
pub const VENUE_ZONE: &str = "Asia/Shanghai";
/// Its offset from UTC, seconds (UTC+8 all year).
pub const VENUE_UTC_OFFSET_S: i32 = 8 * 3600;

/// One event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Stable id (see [`event_id_for`]).
    pub id: String,
    /// The venue holding it.
    pub institution_id: String,
    /// The venue's own number for it (编号), as written.
    #[serde(default)]
    pub source_id: Option<String>,
    /// 活动名称.
    pub title: String,
    /// Start, Unix seconds (for an all-day event: the day's midnight in the venue's zone).
    pub starts_at: i64,
    /// End, Unix seconds (an all-day event: the midnight after its last day).
    #[serde(default)]
    pub ends_at: Option<i64>,
    /// True when only dates were given.
    #[serde(default)]
    pub all_day: bool,
    /// 地点.
    #[serde(default)]
    pub place: Option<String>,
    /// 类别 (讲座, 展览, 演出, 培训, 阅读, 科普, 体育 …).
    #[serde(default)]
    pub category: Option<String>,
    /// 对象: who it is for (少儿, 老年, 残障人士, 进城务工人员 …).
    #[serde(default)]
    pub audiences: Vec<String>,
    /// 费用 as written (免费, 20 元 …).
    #[serde(default)]
    pub fee: Option<String>,
    /// 预约: how to book, as written.
    #[serde(default)]
    pub booking: Option<String>,
    /// 人数上限.
    #[serde(default)]
    pub capacity: Option<u32>,
    /// 简介.
    #[serde(default)]
    pub description: Option<String>,
    /// 图片 as written (not shown yet).
    #[serde(default)]
    pub image: Option<String>,
    /// True when the venue called it off (kept, shown as cancelled).
    #[serde(default)]
    pub cancelled: bool,
    /// Unix seconds of the first import.
    #[serde(default)]
    pub created_at: i64,
    /// Unix seconds of the last change.
    #[serde(default)]
    pub updated_at: i64,
}

impl Event {
    /// The start in the venue's zone.
    pub fn local_start(&self) -> OffsetDateTime {
        local(self.starts_at)
    }

    /// The end in the venue's zone.
    pub fn local_end(&self) -> Option<OffsetDateTime> {
        self.ends_at.map(local)
    }

    /// When, as people write it: `2026年12月5日 周六 14:30–16:00`, or in
    /// English `Sat 5 Dec 2026, 14:30–16:00`.
    pub fn when(&self, english: bool) -> String {
        let start = self.local_start();
        // An all-day event's end is the midnight after its last day.
        let end = self.local_end().map(|end| {
            if self.all_day {
                end - time::Duration::days(1)
            } else {
                end
            }
        });
        let day = |moment: OffsetDateTime, with_year: bool| {
            let weekday = moment.weekday().number_days_from_monday() as usize;
            if english {
                const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
                const MONTHS: [&str; 12] = [
                    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                    "Dec",
                ];
                let month = MONTHS[usize::from(u8::from(moment.month())) - 1];
                if with_year {
                    format!(
                        "{} {} {month} {}",
                        DAYS[weekday],
                        moment.day(),
                        moment.year()
                    )
                } else {
                    format!("{} {} {month}", DAYS[weekday], moment.day())
                }
            } else {
                const DAYS: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
                let month = u8::from(moment.month());
                if with_year {
                    format!(
                        "{}年{month}月{}日 {}",
                        moment.year(),
                        moment.day(),
                        DAYS[weekday]
                    )
                } else {
                    format!("{month}月{}日 {}", moment.day(), DAYS[weekday])
                }
            }
        };
        let clock = |moment: OffsetDateTime| format!("{:02}:{:02}", moment.hour(), moment.minute());
        let separator = if english { ", " } else { " " };
        match (self.all_day, end) {
            (true, Some(end)) if end.date() != start.date() => {
                format!(
                    "{} – {}",
                    day(start, true),
                    day(end, end.year() != start.year())
                )
            }
            (true, _) => day(start, true),
            (false, None) => format!("{}{separator}{}", day(start, true), clock(start)),
            (false, Some(end)) if end.date() == start.date() => format!(
                "{}{separator}{}–{}",
                day(start, true),
                clock(start),
                clock(end)
            ),
            (false, Some(end)) => format!(
                "{}{separator}{} – {}{separator}{}",
                day(start, true),
                clock(start),
                day(end, end.year() != start.year()),
                clock(end)
            ),
        }
    }

    /// True when it is over at `now` (Unix seconds).
    pub fn is_past(&self, now: i64) -> bool {
        self.ends_at.unwrap_or(self.starts_at) < now
    }
}

/// An instant in the venues' zone.
pub fn local(unix: i64) -> OffsetDateTime {
    let offset = UtcOffset::from_whole_seconds(VENUE_UTC_OFFSET_S).expect("UTC+8 is an offset");
    OffsetDateTime::from_unix_timestamp(unix)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset)
}

/// The instants a month `YYYY-MM` begins and ends in the venues' zone.
pub fn month_range(month: &str) -> Option<(i64, i64)> {
    let (year, number) = month.trim().split_once('-')?;
    let year: i32 = year.parse().ok()?;
    let number: u8 = number.parse().ok()?;
    let first = Date::from_calendar_date(year, Month::try_from(number).ok()?, 1).ok()?;
    let next = if number == 12 {
        Date::from_calendar_date(year + 1, Month::January, 1).ok()?
    } else {
        Date::from_calendar_date(year, Month::try_from(number + 1).ok()?, 1).ok()?
    };
    let offset = UtcOffset::from_whole_seconds(VENUE_UTC_OFFSET_S).ok()?;
    let at = |date: Date| {
        PrimitiveDateTime::new(date, Time::MIDNIGHT)
            .assume_offset(offset)
            .unix_timestamp()
    };
    Some((at(first), at(next)))
}

/// The id of an event: `e` and twelve letters, from its venue and number
/// (编号) when it has one, else from its venue, title and start — the same
/// row imported again is the same event.
pub fn event_id_for(
    institution_id: &str,
    source_id: Option<&str>,
    title: &str,
    start: i64,
) -> String {
    let key = match source_id {
        Some(number) => format!("{institution_id}\u{0}{number}"),
        None => format!("{institution_id}\u{0}{title}\u{0}{start}"),
    };
    let mut id = crate::model::item_id_for(&key);
    id.replace_range(..1, "e");
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_follow_the_number() {
        let by_number = event_id_for("library", Some("2026-01"), "讲座", 1);
        assert_eq!(
            by_number,
            event_id_for("library", Some("2026-01"), "改名的讲座", 2)
        );
        assert_ne!(
            by_number,
            event_id_for("museum", Some("2026-01"), "讲座", 1)
        );
        assert!(by_number.starts_with('e') && by_number.len() == 13);
        assert_ne!(
            event_id_for("library", None, "讲座", 1),
            event_id_for("library", None, "讲座", 2)
        );
    }

    #[test]
    fn times_read_as_people_write_them() {
        let mut event = Event {
            id: "e1".into(),
            institution_id: "library".into(),
            source_id: None,
            title: "讲座".into(),
            starts_at: 1_796_452_200,
            ends_at: Some(1_796_452_200 + 90 * 60),
            all_day: false,
            place: None,
            category: None,
            audiences: vec![],
            fee: None,
            booking: None,
            capacity: None,
            description: None,
            image: None,
            cancelled: false,
            created_at: 0,
            updated_at: 0,
        };
        assert_eq!(event.when(false), "2026年12月5日 周六 14:30–16:00");
        assert_eq!(event.when(true), "Sat 5 Dec 2026, 14:30–16:00");
        event.all_day = true;
        event.starts_at = 1_796_400_000; // 2026-12-05 00:00 in Shanghai
        event.ends_at = Some(1_796_400_000 + 3 * 86_400);
        assert_eq!(event.when(false), "2026年12月5日 周六 – 12月7日 周一");
        event.ends_at = Some(1_796_400_000 + 86_400);
        assert_eq!(event.when(true), "Sat 5 Dec 2026");
    }

    #[test]
    fn a_month_is_its_days_in_the_venue_zone() {
        let (from, until) = month_range("2026-12").unwrap();
        // 2026-12-01 00:00 in Shanghai is 2026-11-30 16:00 UTC.
        assert_eq!(from, 1_796_054_400);
        assert_eq!(until, 1_798_732_800);
        assert!(month_range("2026-13").is_none());
        assert!(month_range("十二月").is_none());
    }

    #[test]
    fn local_time_is_utc_plus_eight() {
        // 2026-12-05 14:30 in Shanghai is 06:30 UTC.
        let moment = local(1_796_452_200);
        assert_eq!((moment.hour(), moment.minute()), (14, 30));
    }
}
