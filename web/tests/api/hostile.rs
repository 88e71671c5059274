//! Hostile requests against the real router (issue #7, "Hostile input
//! (fuzzed)"): property tests that send generated IIIF image URLs, OAI-PMH
//! argument lists (repeated, missing, bad dates, tampered resumption
//! tokens) and search URLs through `oneshot` to the API test fixture.
//!
//! Properties: no request is answered with a 5xx; an IIIF image is served
//! exactly when its parameters make a plan, at the plan's size, otherwise
//! refused with a 4xx; every OAI-PMH answer is well-formed XML holding
//! either the verb's element or protocol errors with their codes; the search
//! page always renders, and the search API (with a key, so never rate
//! limited) answers hits or a 400 — most cases reaching the search, counted
//! and asserted, so the fuzz tests searches and not only parameter checks.
//! CI runs
//! the case counts below; `WENYUAN_FUZZ_SCALE=20` runs twenty times as
//! many. Failing inputs proptest finds are kept in
//! `web/proptest-regressions/` and replayed first on every run.

use std::sync::LazyLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::FileFailurePersistence;
use quick_xml::events::Event;
use wenyuan_web::iiif::image::Plan;

use super::*;

/// Cases per property in CI, multiplied by `WENYUAN_FUZZ_SCALE`.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: wenyuan_index::testing::fuzz_cases(cases),
        // Beside the other crates' files (an integration test has no `src` to mirror).
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/tests/api/hostile.txt",
        ))),
        ..ProptestConfig::default()
    }
}

/// One archive for every case: building it costs more than the requests.
static FIXTURE: LazyLock<Fixture> = LazyLock::new(fixture);

/// Sends `request` to the shared fixture's router on `runtime`.
fn respond(runtime: &tokio::runtime::Runtime, request: Request<Body>) -> Answer {
    runtime.block_on(send(&FIXTURE.app, request))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Percent-encodes everything but unreserved characters and `keep`.
fn encode(text: &str, keep: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric()
            || b"-._~".contains(&byte)
            || keep.as_bytes().contains(&byte)
        {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn query_string(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name, ""), encode(value, "")))
        .collect::<Vec<_>>()
        .join("&")
}

fn assert_not_ours(answer: &Answer, what: &str) -> Result<(), TestCaseError> {
    prop_assert!(
        !answer.status.is_server_error(),
        "{what}: {} {}",
        answer.status,
        String::from_utf8_lossy(&answer.body)
    );
    Ok(())
}

// ---------- IIIF ----------

/// The fixture's images as (identifier, width, height).
fn known_images() -> Vec<(String, u32, u32)> {
    vec![
        (format!("{}~1~1", bowl_id()), 640, 480),
        ("67352ccc-d1b0-11e1-89ae-279075081939".to_string(), 300, 200),
    ]
}

/// Segments sent as they are, for the path tricks of a URL.
const RAW_SEGMENTS: &[&str] = &[
    "..",
    ".",
    "%2e%2e",
    "%2E%2E%2F",
    "..%2F..%2Fcatalog.sqlite",
    "%00",
    "%ff",
    "%",
    "%zz",
    "~",
    "~1~1",
    "a~0~1",
    "a~1~4294967296",
    "%E5%90%8D",
];

const WHOLE: &[&str] = &[
    "0",
    "1",
    "7",
    "99",
    "100",
    "300",
    "480",
    "640",
    "1000",
    "4294967295",
    "4294967296",
    "-1",
    "",
    "01",
    "1.5",
];
const PERCENT: &[&str] = &[
    "0", "1", "50", "99.5", "100", "150", ".5", "5.", "..", "NaN", "inf", "1e3", "0.0001",
];

/// One segment of an image URL: generated text, encoded, or a raw trick.
#[derive(Debug, Clone)]
enum Segment {
    Text(String),
    Raw(&'static str),
}

impl Segment {
    fn url(&self) -> String {
        match self {
            Segment::Text(text) => encode(text, ",:!^"),
            Segment::Raw(raw) => raw.to_string(),
        }
    }
}

fn segment(text: impl Strategy<Value = String>) -> impl Strategy<Value = Segment> {
    prop_oneof![
        12 => text.prop_map(Segment::Text),
        1 => select(RAW_SEGMENTS).prop_map(Segment::Raw),
        1 => "\\PC{0,8}".prop_map(Segment::Text),
    ]
}

fn identifier() -> impl Strategy<Value = Segment> {
    let known: Vec<String> = known_images().into_iter().map(|(id, _, _)| id).collect();
    segment(prop_oneof![
        8 => select(known),
        1 => Just(format!("{}~1~2", bowl_id())),
        1 => Just(format!("{}~1~1", restricted_id())),
        1 => "[a-z0-9~]{0,20}",
    ])
}

fn region() -> impl Strategy<Value = Segment> {
    segment(prop_oneof![
        2 => Just("full".to_string()),
        1 => Just("square".to_string()),
        4 => (select(WHOLE), select(WHOLE), select(WHOLE), select(WHOLE))
            .prop_map(|(x, y, w, h)| format!("{x},{y},{w},{h}")),
        3 => (select(PERCENT), select(PERCENT), select(PERCENT), select(PERCENT))
            .prop_map(|(x, y, w, h)| format!("pct:{x},{y},{w},{h}")),
    ])
}

fn size() -> impl Strategy<Value = Segment> {
    // Small sizes mostly, so that renders stay cheap; the limits have their own unit test.
    let small = || select(&["1", "10", "64", "100", "0", "", "-1", "4294967296", "99"][..]);
    let body = prop_oneof![
        Just("max".to_string()),
        small().prop_map(|w| format!("{w},")),
        small().prop_map(|h| format!(",{h}")),
        (small(), small()).prop_map(|(w, h)| format!("{w},{h}")),
        (small(), small()).prop_map(|(w, h)| format!("!{w},{h}")),
        select(&["1", "10", "50", "100", "150", "NaN", "inf", ".5"][..])
            .prop_map(|n| format!("pct:{n}")),
    ];
    segment((prop::bool::weighted(0.2), body).prop_map(|(up, body)| {
        if up && body != "max" {
            format!("^{body}")
        } else {
            body
        }
    }))
}

fn rotation() -> impl Strategy<Value = Segment> {
    segment(
        select(
            &[
                "0", "90", "180", "270", "360", "!0", "!90", "-90", "45", "!", "",
            ][..],
        )
        .prop_map(str::to_string),
    )
}

fn quality_format() -> impl Strategy<Value = Segment> {
    segment(
        select(
            &[
                "default.png",
                "color.png",
                "gray.png",
                "bitonal.png",
                "default.jpg",
                "gray.webp",
                "default.tif",
                "default",
                "default.png.jpg",
                ".png",
            ][..],
        )
        .prop_map(str::to_string),
    )
}

proptest! {
    #![proptest_config(config(400))]

    /// An image URL is served exactly when its parameters make a plan, at
    /// the plan's size; otherwise it is refused with a 4xx.
    #[test]
    fn image_urls_are_served_as_planned_or_refused(
        identifier in identifier(),
        region in region(),
        size in size(),
        rotation in rotation(),
        quality_format in quality_format(),
    ) {
        let uri = format!(
            "/iiif/3/{}/{}/{}/{}/{}",
            identifier.url(), region.url(), size.url(), rotation.url(), quality_format.url()
        );
        let Ok(request) = Request::get(&uri).body(Body::empty()) else {
            return Ok(());
        };
        let runtime = runtime();
        let answer = respond(&runtime, request);
        assert_not_ours(&answer, &uri)?;
        let texts = [&identifier, &region, &size, &rotation, &quality_format].map(|segment| match segment {
            Segment::Text(text) => Some(text.clone()),
            Segment::Raw(_) => None,
        });
        let [Some(id), Some(region), Some(size), Some(rotation), Some(quality_format)] = texts else {
            return Ok(());
        };
        if [&id, &region, &size, &rotation, &quality_format].iter().any(|text| text.is_empty()) {
            // An empty segment is a bad parameter, or (last) matches no route.
            prop_assert!(answer.status.is_client_error(), "{uri}: {}", answer.status);
            return Ok(());
        }
        let Some((_, width, height)) = known_images().into_iter().find(|(known, _, _)| *known == id) else {
            prop_assert!(answer.status.is_client_error(), "{uri}: {}", answer.status);
            return Ok(());
        };
        match Plan::new(width, height, &region, &size, &rotation, &quality_format) {
            Ok(plan) => {
                prop_assert_eq!(answer.status, StatusCode::OK, "{}", uri);
                let image = image::load_from_memory(&answer.body)
                    .map_err(|error| TestCaseError::fail(format!("{uri}: {error}")))?;
                let expected = if plan.rotation.degrees % 180 == 90 {
                    (plan.size.1, plan.size.0)
                } else {
                    plan.size
                };
                prop_assert_eq!((image.width(), image.height()), expected, "{}", uri);
            }
            Err(_) => prop_assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", uri),
        }
    }
}

// ---------- OAI-PMH ----------

/// The protocol's eight error codes.
const OAI_CODES: &[&str] = &[
    "badArgument",
    "badResumptionToken",
    "badVerb",
    "cannotDisseminateFormat",
    "idDoesNotExist",
    "noRecordsMatch",
    "noMetadataFormats",
    "noSetHierarchy",
];

const VERBS: &[&str] = &[
    "Identify",
    "ListMetadataFormats",
    "ListSets",
    "ListIdentifiers",
    "ListRecords",
    "GetRecord",
    "identify",
    "",
    "ListRecords ",
];

const DATES: &[&str] = &[
    "2020-01-01",
    "1970-01-01",
    "9999-12-31",
    "0000-01-01",
    "-001-01-01",
    "2020-02-30",
    "2020-01-01T00:00:00Z",
    "2020-01-01T23:59:60Z",
    "2020-01-01T00:00:00",
    "2020-1-1",
    "",
    "yesterday",
    "+10000-01-01",
    "２０２０-01-01",
];

const SETS: &[&str] = &[
    "inst:museum",
    "inst:library",
    "inst:museum:coll:ceramics",
    "inst:nowhere",
    "inst:",
    "museum",
    "inst:museum:coll:",
    "inst:Bad Id",
    "inst:museum:coll:ceramics:extra",
];

/// A resumption token: mostly one we could have made, with each field
/// sometimes pushed to an edge (numbers past i64/u64, a foreign set).
fn token() -> impl Strategy<Value = String> {
    let number = || {
        prop_oneof![
            6 => Just(""),
            1 => select(
                &[
                    "0",
                    "-1",
                    "1700000000",
                    "9223372036854775807",
                    "-9223372036854775808",
                    "9223372036854775808",
                    "x",
                ][..],
            ),
        ]
    };
    let after = prop_oneof![
        4 => Just(("", "")),
        1 => Just(("-9223372036854775808", "w0000000000000")),
        1 => Just(("9223372036854775807", "\u{0}")),
        1 => Just(("0", "")),
        1 => Just(("", "a\nb")),
    ];
    let cursor = prop_oneof![
        2 => Just("0"),
        2 => Just("50"),
        2 => Just("18446744073709551615"),
        1 => Just("18446744073709551600"),
        1 => Just("18446744073709551616"),
        1 => Just("-1"),
        1 => Just(""),
    ];
    let plain = (
        prop_oneof![8 => Just("v1"), 1 => Just("v2"), 1 => Just("")],
        prop_oneof![8 => Just("oai_dc"), 1 => Just(""), 1 => Just("mods")],
        prop_oneof![4 => Just(""), 2 => select(SETS)],
        number(),
        number(),
        after,
        cursor,
    )
        .prop_map(
            |(version, prefix, set, from, until, (updated, id), cursor)| {
                [version, prefix, set, from, until, updated, id, cursor].join("\n")
            },
        );
    prop_oneof![
        6 => plain.prop_map(|plain| URL_SAFE_NO_PAD.encode(plain)),
        1 => "[A-Za-z0-9_=+/-]{0,40}",
        1 => "\\PC{0,20}",
    ]
}

fn oai_value(name: &'static str) -> BoxedStrategy<String> {
    match name {
        "verb" => select(VERBS).prop_map(str::to_string).boxed(),
        "metadataPrefix" => select(&["oai_dc", "mods", "", "OAI_DC"][..])
            .prop_map(str::to_string)
            .boxed(),
        "identifier" => prop_oneof![
            Just(format!("oai:archive.test:{}", bowl_id())),
            Just(format!("oai:archive.test:{}", deleted_id())),
            Just("oai:archive.test:".to_string()),
            Just("oai:other.host:x".to_string()),
            "\\PC{0,20}",
        ]
        .boxed(),
        "from" | "until" => select(DATES).prop_map(str::to_string).boxed(),
        "set" => select(SETS).prop_map(str::to_string).boxed(),
        "resumptionToken" => token().boxed(),
        _ => "\\PC{0,10}".boxed(),
    }
}

/// An argument list: a verb (or none, or two) and any arguments, repeated at times.
fn oai_pairs() -> impl Strategy<Value = Vec<(String, String)>> {
    let name = select(
        &[
            "verb",
            "verb",
            "metadataPrefix",
            "metadataPrefix",
            "identifier",
            "from",
            "until",
            "set",
            "resumptionToken",
            "resumptionToken",
            "Verb",
            "",
            "x",
        ][..],
    );
    let pair =
        name.prop_flat_map(|name| oai_value(name).prop_map(move |value| (name.to_string(), value)));
    prop::collection::vec(pair, 0..6)
}

/// The answer is well-formed XML: the verb's element or errors with known codes.
fn check_oai(answer: &Answer, what: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(
        answer.status,
        StatusCode::OK,
        "{}: {}",
        what,
        String::from_utf8_lossy(&answer.body)
    );
    prop_assert!(
        answer
            .header("content-type")
            .is_some_and(|value| value.starts_with("text/xml"))
    );
    let text = String::from_utf8(answer.body.clone())
        .map_err(|_| TestCaseError::fail(format!("{what}: the answer is not UTF-8")))?;
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut depth = 0usize;
    let mut root = None;
    let mut codes = Vec::new();
    let mut verb_elements = Vec::new();
    let mut request_attributes = None;
    loop {
        match reader.read_event() {
            Ok(Event::Start(element)) => {
                let name = element.name().as_ref().to_string();
                if depth == 0 {
                    root = Some(name.clone());
                } else if depth == 1 {
                    if name == "error" {
                        let code = element
                            .try_get_attribute("code")
                            .ok()
                            .flatten()
                            .map(|attribute| attribute.value.to_string());
                        codes.push(code.unwrap_or_default());
                    } else if name == "request" {
                        request_attributes = Some(element.attributes().count());
                    } else if name != "responseDate" {
                        verb_elements.push(name.clone());
                    }
                }
                depth += 1;
            }
            Ok(Event::End(_)) => depth -= 1,
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(error) => prop_assert!(false, "{what}: not well-formed XML ({error}): {text}"),
        }
    }
    prop_assert_eq!(root.as_deref(), Some("OAI-PMH"));
    if codes.is_empty() {
        prop_assert_eq!(verb_elements.len(), 1, "{}: {}", what, text);
    } else {
        prop_assert!(verb_elements.is_empty(), "{what}: {text}");
        for code in &codes {
            prop_assert!(OAI_CODES.contains(&code.as_str()), "{what}: code {code}");
            if code == "badVerb" || code == "badArgument" {
                prop_assert_eq!(request_attributes, Some(0), "{}: {}", what, text);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(800))]

    /// Any argument list, over GET and POST: an answer or protocol errors, never a 5xx.
    #[test]
    fn oai_arguments_get_an_answer_or_a_protocol_error(
        pairs in oai_pairs(),
        post in any::<bool>(),
    ) {
        let query = query_string(&pairs);
        let request = if post {
            Request::post("/oai")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(query.clone()))
        } else {
            Request::get(format!("/oai?{query}")).body(Body::empty())
        };
        let request = request.expect("an encoded query makes a valid request");
        let runtime = runtime();
        let answer = respond(&runtime, request);
        check_oai(&answer, &query)?;
    }

    /// A tampered resumption token is a protocol error or a page, never a 5xx.
    #[test]
    fn tampered_resumption_tokens_are_refused_or_followed(
        token in token(),
        verb in select(&["ListRecords", "ListIdentifiers", "ListSets"][..]),
    ) {
        let query = query_string(&[
            ("verb".to_string(), verb.to_string()),
            ("resumptionToken".to_string(), token),
        ]);
        let runtime = runtime();
        let answer = respond(&runtime, Request::get(format!("/oai?{query}")).body(Body::empty()).unwrap());
        check_oai(&answer, &query)?;
    }
}

// ---------- search ----------

/// An API key of the shared fixture, so that the search fuzz is never
/// rate limited: without one, every answer after the first burst is a 429
/// and the search itself is no longer reached.
static FUZZ_KEY: LazyLock<String> = LazyLock::new(|| {
    Catalog::open(&FIXTURE.data_dir.catalog_path())
        .unwrap()
        .create_api_key("search fuzz")
        .unwrap()
});

/// A number for `page` or `per_page`: mostly one the API takes, at times
/// out of range or not a number.
fn count_text() -> impl Strategy<Value = String> {
    prop_oneof![
        30 => (1..=60u32).prop_map(|count| count.to_string()),
        1 => "[0-9]{0,25}",
        1 => "\\PC{0,5}",
    ]
}

/// The parameters of one search: the query, and how the page and the API
/// spell a filter, a sort and a page.
#[derive(Debug, Clone)]
struct SearchCase {
    query: String,
    filter: String,
    page_sort: String,
    api_sort: String,
    page: String,
    per_page: String,
}

fn search_case() -> impl Strategy<Value = SearchCase> {
    let text_facets: Vec<&'static str> = wenyuan_index::search::schema::FACET_NAMES
        .iter()
        .copied()
        .filter(|name| *name != "year")
        .collect();
    let filter = prop_oneof![
        16 => (select(text_facets), "\\PC{1,12}").prop_map(|(name, value)| format!("{name}:{value}")),
        2 => (0..2100i32, 0..300i32).prop_map(|(from, span)| format!("year:{from}-{}", from + span)),
        1 => "(institution|type|year|access|nothing):\\PC{0,12}",
        1 => Just("year:-9223372036854775808-9223372036854775807".to_string()),
    ];
    let api_sort = prop_oneof![
        30 => select(&["relevance", "date_asc", "date_desc", "title", "recent"][..]).prop_map(str::to_string),
        1 => "\\PC{0,5}",
    ];
    (
        prop_oneof!["\\PC{0,40}", "[()\"“”「」:+\\-! a-z年代1950]{0,30}"],
        filter,
        prop_oneof![
            select(&["relevance", "date", "title", "x"][..]).prop_map(str::to_string),
            "\\PC{0,5}"
        ],
        api_sort,
        count_text(),
        count_text(),
    )
        .prop_map(
            |(query, filter, page_sort, api_sort, page, per_page)| SearchCase {
                query,
                filter,
                page_sort,
                api_sort,
                page,
                per_page,
            },
        )
}

/// The search page and the search API take any query, filter, sort and
/// page: the page always renders, the API answers with hits or a 400, never
/// a 5xx — and most of the API's cases really reach the search (200), so
/// the property is about searches, not about the parameter checks.
#[test]
fn search_urls_never_fail_on_our_side() {
    let cases = wenyuan_index::testing::fuzz_cases(400);
    let mut runner = proptest::test_runner::TestRunner::new(config(400));
    let runtime = runtime();
    let key = FUZZ_KEY.clone();
    let statuses = std::sync::Mutex::new(std::collections::BTreeMap::<u16, u32>::new());
    let outcome = runner.run(&search_case(), |case| {
        let page_query = query_string(&[
            ("q".to_string(), case.query.clone()),
            ("f".to_string(), case.filter.clone()),
            ("sort".to_string(), case.page_sort.clone()),
            ("page".to_string(), case.page.clone()),
        ]);
        let uri = format!("/search?{page_query}");
        let answer = respond(&runtime, Request::get(&uri).body(Body::empty()).unwrap());
        assert_not_ours(&answer, &uri)?;
        prop_assert_eq!(answer.status, StatusCode::OK, "{}", uri);

        let api_query = query_string(&[
            ("q".to_string(), case.query),
            ("filter".to_string(), case.filter),
            ("sort".to_string(), case.api_sort),
            ("page".to_string(), case.page),
            ("per_page".to_string(), case.per_page),
        ]);
        let uri = format!("/api/v1/search?{api_query}");
        let request = Request::get(&uri)
            .header("x-api-key", &key)
            .body(Body::empty())
            .unwrap();
        let answer = respond(&runtime, request);
        assert_not_ours(&answer, &uri)?;
        *statuses
            .lock()
            .unwrap()
            .entry(answer.status.as_u16())
            .or_default() += 1;
        match answer.status {
            StatusCode::OK => {
                let body: serde_json::Value = serde_json::from_slice(&answer.body)
                    .map_err(|error| TestCaseError::fail(format!("{uri}: not JSON: {error}")))?;
                prop_assert!(body["total"].is_u64(), "{}: {}", uri, body);
            }
            StatusCode::BAD_REQUEST => {}
            other => prop_assert!(
                false,
                "{uri}: {other} {}",
                String::from_utf8_lossy(&answer.body)
            ),
        }
        Ok(())
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
    let statuses = statuses.into_inner().unwrap();
    let sent: u32 = statuses.values().sum();
    let searched = statuses.get(&200).copied().unwrap_or(0);
    eprintln!("search fuzz: {sent} API requests, answers by status {statuses:?}");
    assert!(sent >= cases, "only {sent} of {cases} cases ran");
    assert!(
        searched * 10 >= sent * 6,
        "only {searched} of {sent} API cases reached the search (answers by status {statuses:?})"
    );
}
