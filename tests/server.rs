//! The public server under hostile and heavy use (issue #7): slow clients,
//! oversized heads and bodies, long queries, deep pages, tampered cursors,
//! path traversal in every path parameter, writes without a key, security
//! headers, no internal paths — and a server that keeps answering while an
//! ingest writes to the same archive.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::http::{Server, encode, resident_kib};
use crate::util::{self, Sandbox};

fn small_archive() -> Sandbox {
    let sandbox = Sandbox::new();
    for index in 0..6u32 {
        sandbox.write(
            &format!("scans/photos/kiln{index}.jpg"),
            util::jpeg(640, 480, index as u8),
        );
    }
    sandbox.write("scans/scroll.tif", util::multipage_tiff(300, 200, 2));
    sandbox.write(
        "scans/metadata.csv",
        "文件,题名,主题\nphotos/kiln0.jpg,耀州窑青釉刻花碗,陶瓷\nscroll.tif,同官县志,地方志\n",
    );
    sandbox.ingest(&[]).0.expect_code(0);
    sandbox
}

fn item_ids(sandbox: &Sandbox) -> Vec<String> {
    crate::util::hit_ids(&sandbox.search_json(&["", "--limit", "100"]))
}

/// No response may leak where the archive lives or how the code failed.
#[track_caller]
fn assert_nothing_internal(sandbox: &Sandbox, what: &str, body: &str) {
    let root = sandbox.path().to_string_lossy();
    for secret in [
        root.as_ref(),
        "/tmp/",
        "panicked",
        "RUST_BACKTRACE",
        ".rs:",
        "root:x:0:0",
    ] {
        assert!(
            !body.contains(secret),
            "{} shows {secret:?}: {}",
            short(what),
            short(body)
        );
    }
}

/// The start of a long text, for assertion messages.
fn short(text: &str) -> String {
    text.chars().take(300).collect()
}

#[test]
fn a_client_trickling_its_headers_is_cut_off() {
    let sandbox = small_archive();
    let server = Server::start(&sandbox);
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(1)))
        .unwrap();
    let started = Instant::now();
    stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
    let closed_after = loop {
        // One more header line every second, never the blank line that ends the head.
        if stream.write_all(b"X-Slow: still-coming\r\n").is_err() {
            break started.elapsed();
        }
        let mut buffer = [0u8; 512];
        match stream.read(&mut buffer) {
            Ok(_) => break started.elapsed(), // closed (0) or a 408
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(error) if error.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => break started.elapsed(),
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the server kept a trickling client for 30 s"
        );
    };
    assert!(
        closed_after >= Duration::from_secs(8),
        "closed too early: {closed_after:?}"
    );
    // Everyone else is still served.
    assert_eq!(server.get("/healthz").status, 200);
}

#[test]
fn hostile_requests_get_a_clean_refusal() {
    let sandbox = small_archive();
    let server = Server::start(&sandbox);
    let ids = item_ids(&sandbox);
    let item = &ids[0];

    // Oversized head, very long query string, oversized body.
    let big_header = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: {}\r\n\r\n",
        "a".repeat(100_000)
    );
    assert_eq!(server.send(big_header.as_bytes()).status, 431);
    let long_query = format!("/search?q={}", "明".repeat(20_000));
    let refused = server.get(&long_query);
    assert!(
        matches!(refused.status, 414 | 431),
        "a 60 KB query string: {}",
        refused.status
    );
    // Long but within the head limit: the page answers, the API refuses
    // with its documented JSON error (queries are capped at 500 characters).
    let long = encode(&"耀州窑".repeat(800));
    let page = server.get(&format!("/search?q={long}"));
    assert_eq!(page.status, 200, "a 2 400-character query on the page");
    let api = server.get(&format!("/api/v1/search?q={long}"));
    assert_eq!(api.status, 400, "a 2 400-character query on the API");
    assert_eq!(api.json()["error"]["code"], "bad_request");
    let body = vec![b'x'; 1_000_000];
    let mut post = format!(
        "POST /oai HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    post.extend_from_slice(&body);
    assert_eq!(server.send(&post).status, 413);

    // Deep pages and tampered cursors.
    for (path, allowed) in [
        ("/search?q=&page=100000", &[200, 400][..]),
        ("/search?q=&page=18446744073709551616", &[200, 400]),
        ("/search?q=&page=-1", &[200, 400]),
        ("/api/v1/search?page=100000&per_page=100", &[200, 400]),
        ("/api/v1/search?page=99999999999999999999", &[400]),
        ("/api/v1/search?per_page=100000", &[200, 400]),
        ("/api/v1/search?cursor=garbage", &[400]),
        ("/api/v1/search?cursor=eyJzY29yZSI6Im5hbiJ9", &[400]),
        ("/api/v1/search?cursor=%00%FF%FE", &[400]),
        ("/oai?verb=ListRecords&resumptionToken=garbage", &[200]),
        ("/oai?verb=ListRecords&resumptionToken=%00%00%00", &[200]),
    ] {
        let response = server.get(path);
        assert!(
            allowed.contains(&response.status),
            "{path}: {} {}",
            response.status,
            short(&response.text())
        );
        assert_nothing_internal(&sandbox, path, &response.text());
    }
    let token = server.get("/oai?verb=ListRecords&resumptionToken=garbage");
    assert!(
        token.text().contains("badResumptionToken"),
        "{}",
        token.text()
    );

    // Path traversal in every path parameter.
    let traversals = [
        "..%2F..%2F..%2Fetc%2Fpasswd",
        "..%2f..%2fcatalog.sqlite",
        "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "..%5C..%5Cwindows",
        "%00",
    ];
    for traversal in traversals {
        for path in [
            format!("/items/{traversal}"),
            format!("/institutions/{traversal}"),
            format!("/media/{traversal}/p0001-web.jpg"),
            format!("/media/{traversal}/{traversal}"),
            format!("/static/{traversal}"),
            format!("/api/v1/items/{traversal}"),
            format!("/api/v1/institutions/{traversal}"),
            format!("/iiif/3/{traversal}/info.json"),
            format!("/iiif/3/{traversal}"),
            format!("/iiif/3/{item}~1~1/full/max/0/{traversal}"),
            format!("/iiif/3/{item}~1~1/{traversal}/max/0/default.jpg"),
            format!("/iiif/3/manifests/{traversal}"),
            format!("/iiif/3/collections/{traversal}"),
            format!("/iiif/3/collections/{traversal}/{traversal}"),
        ] {
            let response = server.get(&path);
            assert!(
                (400..500).contains(&response.status),
                "{path}: {} {}",
                response.status,
                short(&response.text())
            );
            assert_nothing_internal(&sandbox, &path, &response.text());
        }
    }
    let raw = server.send(
        b"GET /static/../../../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!((400..500).contains(&raw.status), "raw ../: {}", raw.status);
    assert_nothing_internal(&sandbox, "raw ../", &raw.text());

    // Nothing changes the archive over HTTP without a key: there is no write
    // route, and every write method is refused everywhere.
    let items_before = sandbox.catalog().count_items().unwrap();
    for method in ["PUT", "DELETE", "PATCH", "POST"] {
        for path in [
            format!("/items/{item}"),
            format!("/api/v1/items/{item}"),
            "/api/v1/search".to_string(),
            format!("/iiif/3/{item}~1~1/info.json"),
        ] {
            let request = format!(
                "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{{}}"
            );
            let response = server.send(request.as_bytes());
            assert!(
                matches!(response.status, 404 | 405),
                "{method} {path}: {}",
                response.status
            );
        }
    }
    assert_eq!(sandbox.catalog().count_items().unwrap(), items_before);

    // The server is still healthy after all of that.
    assert_eq!(server.get("/healthz").status, 200);
    for line in server.logged() {
        assert!(!line.contains("panicked"), "server log: {line}");
    }
}

#[test]
fn every_html_page_has_the_security_headers_and_no_internal_details() {
    let sandbox = small_archive();
    let server = Server::start(&sandbox);
    let ids = item_ids(&sandbox);
    // A derivative that vanished from the disk must not tell where it was.
    let record = sandbox.catalog().item(&ids[0]).unwrap().unwrap();
    let web = &record.files[0].derivatives[0].web;
    std::fs::remove_file(sandbox.data().join(web)).unwrap();
    let digest = web.split('/').nth(1).unwrap();
    let media = server.get(&format!("/media/{digest}/p0001-web.jpg"));
    assert!(media.status >= 400, "missing derivative: {}", media.status);
    assert_nothing_internal(&sandbox, "missing derivative", &media.text());
    let iiif = server.get(&format!("/iiif/3/{}~1~1/full/max/0/default.jpg", ids[0]));
    assert_nothing_internal(&sandbox, "IIIF over a missing derivative", &iiif.text());

    let mut pages = vec![
        "/".to_string(),
        "/search?q=耀州窑".to_string(),
        "/search?q=%22".to_string(),
        "/institutions".to_string(),
        "/no-such-page".to_string(),
        "/items/wnotanitem000".to_string(),
        "/institutions/nowhere".to_string(),
        "/search?q=&lang=en".to_string(),
    ];
    pages.extend(ids.iter().map(|id| format!("/items/{id}")));
    for path in pages {
        let path = path.replace("耀州窑", &encode("耀州窑"));
        let response = server.get(&path);
        assert!(
            response
                .header("content-type")
                .is_some_and(|value| value.starts_with("text/html")),
            "{path} is HTML"
        );
        let policy = response.header("content-security-policy").unwrap_or("");
        assert!(
            policy.contains("frame-ancestors 'none'") && policy.contains("script-src 'self'"),
            "{path}: CSP {policy:?}"
        );
        assert_eq!(
            response.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert!(response.header("referrer-policy").is_some(), "{path}");
        assert!(response.header("x-frame-options").is_some(), "{path}");
        assert_nothing_internal(&sandbox, &path, &response.text());
    }
}

#[test]
fn the_server_keeps_answering_while_an_ingest_writes() {
    let sandbox = small_archive();
    let first_items = sandbox.catalog().count_items().unwrap();
    let key = sandbox.wenyuan(&["keys", "create", "load-test"]);
    key.expect_code(0);
    let key = key.stdout().trim().to_string();
    let server = Server::start(&sandbox);
    let probe = item_ids(&sandbox)[0].clone();

    // A second delivery arrives while the public searches.
    for index in 0..120u32 {
        sandbox.write(
            &format!("more/box{}/photo{index:03}.jpg", index % 5),
            util::jpeg(400, 300, index as u8),
        );
    }
    let more = sandbox.path().join("more");
    let mut ingest = std::process::Command::new(env!("CARGO_BIN_EXE_wenyuan"))
        .arg("ingest")
        .arg(&more)
        .arg("--data")
        .arg(sandbox.data())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();

    let memory_before = resident_kib(server.pid());
    let mut totals = Vec::new();
    let mut requests = 0;
    let started = Instant::now();
    let mut ingest_done = None;
    loop {
        let search = server.get_with("/api/v1/search?q=&per_page=1", &[("X-Api-Key", &key)]);
        assert_eq!(
            search.status,
            200,
            "search during ingest: {}",
            search.text()
        );
        totals.push(search.json()["total"].as_u64().unwrap());
        for path in [
            format!("/items/{probe}"),
            "/search?q=photo".to_string(),
            format!("/iiif/3/{probe}~1~1/info.json"),
            "/oai?verb=ListIdentifiers&metadataPrefix=oai_dc".to_string(),
        ] {
            let response = server.get(&path);
            assert_eq!(
                response.status,
                200,
                "{path} during ingest: {}",
                response.text()
            );
        }
        requests += 5;
        if ingest_done.is_none()
            && let Some(status) = ingest.try_wait().unwrap()
        {
            assert!(status.success(), "the ingest failed");
            ingest_done = Some(Instant::now());
        }
        let final_items = sandbox.catalog().count_items().unwrap();
        if let Some(done) = ingest_done {
            // The index reader reloads shortly after the last commit.
            if *totals.last().unwrap() == final_items {
                break;
            }
            assert!(
                done.elapsed() < Duration::from_secs(20),
                "new items never appeared: {totals:?}, catalogue {final_items}"
            );
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "ingest took too long"
        );
    }
    assert!(
        totals.windows(2).all(|pair| pair[0] <= pair[1]),
        "readers saw the archive shrink: {totals:?}"
    );
    assert!(totals[0] >= first_items);
    assert!(*totals.last().unwrap() > first_items);
    let memory_after = resident_kib(server.pid());
    assert!(
        memory_after < memory_before + 200 * 1024,
        "server memory grew from {memory_before} KiB to {memory_after} KiB over {requests} requests"
    );
}
