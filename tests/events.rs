//! Events (issue #17, first part): `wenyuan events import` from TOML and
//! from a GBK sheet with Chinese headers, bad rows as report lines,
//! re-import by id; the public pages, the iCalendar feeds (parsed by
//! Python's `icalendar`, an independent parser) and `/api/v1/events`.

use crate::http::Server;
use crate::util::{self, Sandbox};

fn venues(sandbox: &Sandbox) {
    sandbox.write("institutions.toml", util::INSTITUTIONS_TOML);
    let institutions = sandbox.path().join("institutions.toml");
    sandbox
        .wenyuan(&["institutions", "import", institutions.to_str().unwrap()])
        .expect_code(0);
}

/// Year of the events: next year, so that they are upcoming whenever the test runs.
fn next_year() -> i32 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    1970 + (now / 31_556_952) as i32 + 1
}

const TOML_EVENTS: &str = r#"
[[event]]
id = "2027-001"
institution = "district-library"
title = "耀州窑的故事：少儿讲座"
start = "YEAR-03-06 14:30"
end = "16:00"
place = "二楼报告厅"
category = "讲座"
audience = ["少儿", "亲子"]
fee = "免费"
booking = "电话预约 0919-1234567"
capacity = 60
description = "讲讲黄堡镇的青瓷，做一只小泥碗。"

[[event]]
id = "2027-002"
institution = "huangbao-museum"
title = "社火脸谱展"
start = "YEAR年3月1日"
end = "YEAR年3月31日"
category = "展览"
audience = "老年、残障人士"
status = "已取消"
"#;

#[test]
fn events_import_from_toml_and_a_gbk_sheet_and_show_on_every_face() {
    let sandbox = Sandbox::new();
    venues(&sandbox);
    let year = next_year();
    let toml = sandbox.write(
        "events.toml",
        TOML_EVENTS.replace("YEAR", &year.to_string()),
    );
    let run = sandbox.wenyuan(&["events", "import", toml.to_str().unwrap()]);
    run.expect_code(0);
    assert!(
        run.stdout()
            .contains("2 added, 0 updated, 0 unchanged, 0 rows refused"),
        "{}",
        run.stdout()
    );

    // A sheet as Excel on Chinese Windows saves it: GBK, Chinese headers; a
    // time nobody can read and an unknown venue are report lines.
    let sheet = format!(
        "编号,场馆,活动名称,开始时间,结束时间,地点,类别,面向人群,费用,预约,人数上限,简介\n\
         K-7,district-library,秦腔折子戏专场,{year}/4/18 19:30,21:00,文化馆剧场,演出,老年,免费,无需预约,300,易俗社青年演员\n\
         K-8,district-library,科普大篷车进村,下周六,,,科普,少儿,,,,\n\
         K-9,atlantis,诗词朗诵会,{year}-05-01 10:00,,,阅读,,,,,\n"
    );
    let csv = sandbox.write("events.csv", util::gbk(&sheet));
    let report = sandbox.path().join("events-report.json");
    let run = sandbox.wenyuan(&[
        "events",
        "import",
        csv.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);
    assert_eq!(run.code(), 1, "{} {}", run.stdout(), run.stderr());
    assert!(
        run.stdout()
            .contains("1 added, 0 updated, 0 unchanged, 2 rows refused"),
        "{}",
        run.stdout()
    );
    assert!(
        run.stderr()
            .contains("row 3: the start '下周六' is not a time"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("row 4: unknown venue 'atlantis'"),
        "{}",
        run.stderr()
    );
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(json["failures"].as_array().unwrap().len(), 2);

    // Re-import: the row with 编号 K-7 updates its event, nothing is added.
    let renamed = sheet.replace("秦腔折子戏专场", "秦腔经典折子戏专场");
    let csv = sandbox.write("events.csv", util::gbk(&renamed));
    let run = sandbox.wenyuan(&["events", "import", csv.to_str().unwrap()]);
    assert!(
        run.stdout().contains("0 added, 1 updated, 0 unchanged"),
        "{}",
        run.stdout()
    );
    let list = sandbox.wenyuan(&["events", "list", "--all", "--json"]);
    list.expect_code(0);
    let events: serde_json::Value = serde_json::from_str(&list.stdout()).unwrap();
    let events = events.as_array().unwrap();
    assert_eq!(events.len(), 3);
    let opera = events
        .iter()
        .find(|event| event["source_id"] == "K-7")
        .unwrap();
    assert_eq!(opera["title"], "秦腔经典折子戏专场");
    let opera_id = opera["id"].as_str().unwrap().to_string();
    let upcoming = sandbox.wenyuan(&["events", "list"]);
    assert!(
        upcoming.stdout().contains("周六 14:30–16:00"),
        "{}",
        upcoming.stdout()
    );
    assert!(
        !upcoming.stdout().contains("社火脸谱展"),
        "a cancelled event is not upcoming"
    );

    let server = Server::start(&sandbox);
    let page = server.get("/events");
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("耀州窑的故事：少儿讲座"), "{html}");
    assert!(html.contains(&format!("{year}年3月6日")), "{html}");
    assert!(
        html.contains("已取消"),
        "the cancelled exhibition is shown as cancelled"
    );
    let lectures = server.get(&format!("/events?category={}", crate::http::encode("演出")));
    assert!(lectures.text().contains("秦腔经典折子戏专场"));
    assert!(!lectures.text().contains("耀州窑的故事"));
    let for_children = server.get(&format!("/events?audience={}", crate::http::encode("少儿")));
    assert!(for_children.text().contains("耀州窑的故事"));
    assert!(!for_children.text().contains("秦腔"));
    let april = server.get(&format!("/events?month={year}-04"));
    assert!(april.text().contains("秦腔"));
    assert!(!april.text().contains("耀州窑的故事"));
    let one = server.get(&format!("/events/{opera_id}"));
    assert_eq!(one.status, 200);
    assert!(one.text().contains("文化馆剧场") && one.text().contains("300"));
    assert_eq!(server.get("/events/enotanevent0").status, 404);
    let venue = server.get("/institutions/district-library");
    assert!(
        venue.text().contains("秦腔经典折子戏专场"),
        "the venue page lists its events"
    );
    assert!(
        server.get("/").text().contains("耀州窑的故事"),
        "the home page shows the next events"
    );

    // The feeds: their raw lines, then as an independent parser reads them.
    let feed = server.get("/events.ics");
    assert_eq!(feed.status, 200);
    assert!(
        feed.header("content-type")
            .unwrap()
            .starts_with("text/calendar")
    );
    let text = feed.text();
    assert!(
        text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"),
        "{text}"
    );
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 3);
    assert!(
        text.contains(&format!("DTSTART:{year}0306T063000Z")),
        "{text}"
    );
    assert!(text.contains("STATUS:CANCELLED"));
    let venue_feed = server
        .get("/institutions/district-library/events.ics")
        .text();
    assert_eq!(venue_feed.matches("BEGIN:VEVENT").count(), 2);
    let single = server.get(&format!("/events/{opera_id}.ics")).text();
    assert_eq!(single.matches("BEGIN:VEVENT").count(), 1);
    assert!(
        single.contains(&format!("UID:{opera_id}@127.0.0.1\r\n")),
        "the UID is stable"
    );
    assert_eq!(server.get("/institutions/atlantis/events.ics").status, 404);
    if let Some(parsed) = icalendar_events(&text) {
        assert_eq!(parsed.len(), 3, "{parsed:#?}");
        let lecture = parsed
            .iter()
            .find(|event| event["summary"] == "耀州窑的故事：少儿讲座")
            .unwrap();
        // 14:30 in Shanghai is 06:30 UTC.
        assert_eq!(lecture["start"], format!("{year}-03-06T06:30:00+00:00"));
        assert_eq!(lecture["end"], format!("{year}-03-06T08:00:00+00:00"));
        let exhibition = parsed
            .iter()
            .find(|event| event["summary"] == "社火脸谱展")
            .unwrap();
        assert_eq!(exhibition["status"], "CANCELLED");
        assert_eq!(exhibition["start"], format!("{year}-03-01"));
        assert_eq!(
            exhibition["end"],
            format!("{year}-04-01"),
            "an all-day end is the day after"
        );
        assert_eq!(icalendar_events(&venue_feed).unwrap().len(), 2);
        let single = icalendar_events(&single).unwrap();
        assert_eq!(single[0]["uid"], format!("{opera_id}@127.0.0.1"));
    }

    // The API, with its filters and paging.
    let api = server.get("/api/v1/events?per_page=2").json();
    assert_eq!(api["total"], 3, "{api:#}");
    assert_eq!(api["events"].as_array().unwrap().len(), 2);
    let first = &api["events"][0];
    assert_eq!(first["timezone"], "Asia/Shanghai");
    assert!(first["start"].as_str().unwrap().ends_with('Z'));
    let cancelled = server
        .get("/api/v1/events?institution=huangbao-museum")
        .json();
    assert_eq!(cancelled["events"][0]["status"], "cancelled");
    assert_eq!(server.get("/api/v1/events?month=13").status, 400);
    assert_eq!(server.get("/api/v1/events?sort=x").status, 400);
    assert_eq!(
        server.get(&format!("/api/v1/events/{opera_id}")).json()["title"],
        "秦腔经典折子戏专场"
    );
    assert_eq!(server.get("/api/v1/events/enotanevent0").status, 404);
    let openapi = server.get("/api/v1/openapi.json").json();
    assert!(openapi["paths"]["/api/v1/events"].is_object());
}

/// The VEVENTs of a calendar as Python's `icalendar` reads them: summary,
/// start and end (ISO), status and UID. In CI (`CI` set, `.ci/run` installs
/// it) a missing parser fails the test; on a developer's machine without it
/// the checks of the raw lines stand alone and a line says so.
fn icalendar_events(text: &str) -> Option<Vec<serde_json::Value>> {
    let available = std::process::Command::new("python3")
        .args(["-c", "import icalendar"])
        .output()
        .is_ok_and(|output| output.status.success());
    if !available {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but python3 cannot import icalendar (pip install icalendar)"
        );
        util::tell("NOT RUN: the icalendar parser (pip install icalendar) is not installed");
        return None;
    }
    let script = r#"
import json, sys, icalendar
calendar = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
out = []
for event in calendar.walk("VEVENT"):
    end = event.get("dtend")
    out.append({
        "summary": str(event.get("summary")),
        "start": event.decoded("dtstart").isoformat(),
        "end": event.decoded("dtend").isoformat() if end is not None else None,
        "status": str(event.get("status")),
        "uid": str(event.get("uid")),
    })
print(json.dumps(out, ensure_ascii=False))
"#;
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "icalendar could not read the feed: {}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(serde_json::from_slice::<Vec<serde_json::Value>>(&output.stdout).unwrap())
}
