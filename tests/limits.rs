//! The public server's bounds (issue #7), each shown to act on a real
//! `wenyuan serve`: a download the client stopped reading is cut off after
//! the idle timeout, a request whose body trickles in gets a 408 after the
//! request timeout, no more than the connection cap are served at once, and
//! the operator's `--site-config` file is what the site shows.
//!
//! The bounds are those of `web/src/serve.rs` and `web/src/router.rs`
//! (60 s idle, 30 s per request, 512 connections); the two timeouts take a
//! minute and half a minute of wall time, in parallel with the other tests.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::http::Server;
use crate::util::Sandbox;

/// Idle time after which the server closes a connection (`serve::IDLE_TIMEOUT`).
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Longest a request may take (`router::REQUEST_TIMEOUT`).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections served at once (`serve::MAX_CONNECTIONS`).
const MAX_CONNECTIONS: usize = 512;

fn one_item_archive(original: &[u8]) -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.write("scans/tapes/tape01.bin", original);
    sandbox.ingest(&[]).0.expect_code(0);
    sandbox
}

/// Reads until the end of a response head; returns the head and the body bytes read with it.
fn read_head(stream: &mut TcpStream) -> (String, usize) {
    let mut raw = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let read = stream.read(&mut buffer).expect("read the response head");
        assert!(read > 0, "closed before a response head: {raw:?}");
        raw.extend_from_slice(&buffer[..read]);
        if let Some(end) = raw.windows(4).position(|window| window == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..end]).into_owned();
            return (head, raw.len() - end - 4);
        }
    }
}

#[test]
fn a_download_the_client_stopped_reading_is_cut_off_after_the_idle_timeout() {
    // Far more than the socket buffers of both ends hold, so the server's
    // writes stall once the client stops reading.
    let length = 64 * 1024 * 1024;
    let original: Vec<u8> = (0..length).map(|index| (index % 251) as u8).collect();
    let sandbox = one_item_archive(&original);
    let digest = sandbox.catalog().stored_files().unwrap()[0].digest.clone();
    // The accept loop logs the end of each connection at debug level.
    let server = Server::start_with(&sandbox, &[], "info,wenyuan_web::serve=debug");

    let mut stream = TcpStream::connect(server.addr).unwrap();
    let client = stream.local_addr().unwrap();
    write!(
        stream,
        "GET /media/{digest}/original HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let (head, mut received) = read_head(&mut stream);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains(&format!("content-length: {length}")),
        "{head}"
    );

    // Stop reading; the server's writes stall and nothing moves any more.
    let stalled = Instant::now();
    let ended = format!("connection from {client}");
    let cut_after = loop {
        if server.logged().iter().any(|line| line.contains(&ended)) {
            break stalled.elapsed();
        }
        assert!(
            stalled.elapsed() < IDLE_TIMEOUT + Duration::from_secs(30),
            "a stalled download was kept open for {:?}",
            stalled.elapsed()
        );
        std::thread::sleep(Duration::from_millis(250));
    };
    assert!(
        cut_after >= IDLE_TIMEOUT - Duration::from_secs(5),
        "the stalled download was cut after {cut_after:?}, before the idle timeout"
    );
    // What was buffered still arrives, then the connection ends short.
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => received += read,
            Err(error) if error.kind() == ErrorKind::ConnectionReset => break,
            Err(error) => panic!("after the cut: {error}"),
        }
    }
    assert!(
        received < length,
        "the whole download arrived although it was cut ({received} bytes)"
    );
    // Everyone else is still served.
    assert_eq!(server.get("/healthz").status, 200);
}

#[test]
fn a_request_whose_body_trickles_in_gets_a_408_after_the_request_timeout() {
    let sandbox = one_item_archive(b"a recording");
    let server = Server::start(&sandbox);
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(1)))
        .unwrap();
    // The head arrives at once, so the header-read timeout is satisfied;
    // then one byte of the body a second, so the connection is never idle.
    stream
        .write_all(
            b"POST /oai HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
              Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\n\
              verb=Identify&x=",
        )
        .unwrap();
    let started = Instant::now();
    let mut raw = Vec::new();
    let answered_after = loop {
        let mut buffer = [0u8; 4096];
        match stream.read(&mut buffer) {
            Ok(0) => break started.elapsed(),
            Ok(read) => {
                raw.extend_from_slice(&buffer[..read]);
                if raw.windows(4).any(|window| window == b"\r\n\r\n") {
                    break started.elapsed();
                }
            }
            Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(error) => panic!("after {:?}: {error}", started.elapsed()),
        }
        assert!(
            started.elapsed() < REQUEST_TIMEOUT + Duration::from_secs(30),
            "a trickling request ran for {:?}",
            started.elapsed()
        );
        stream
            .write_all(b"a")
            .expect("the server still reads the body");
    };
    let head = String::from_utf8_lossy(&raw);
    assert!(
        head.starts_with("HTTP/1.1 408"),
        "after {answered_after:?}: {head}"
    );
    assert!(
        answered_after >= REQUEST_TIMEOUT - Duration::from_secs(2),
        "answered after {answered_after:?}, before the request timeout"
    );
    assert_eq!(server.get("/healthz").status, 200);
}

#[test]
fn no_more_than_the_connection_cap_are_served_at_once() {
    let sandbox = one_item_archive(b"a recording");
    let server = Server::start(&sandbox);
    // Every slot taken by a client that has begun a request and not finished
    // its head (each is held until the 10 s header-read timeout).
    let started = Instant::now();
    let mut held: Vec<TcpStream> = (0..MAX_CONNECTIONS)
        .map(|_| {
            let mut stream = TcpStream::connect(server.addr).expect("connect");
            stream.write_all(b"GET /healthz HTTP/1.1\r\n").unwrap();
            stream
        })
        .collect();
    // One connection more: the kernel accepts it, the server does not serve it.
    let mut waiting = TcpStream::connect(server.addr).unwrap();
    waiting
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    waiting
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let mut buffer = [0u8; 1024];
    match waiting.read(&mut buffer) {
        Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
        other => panic!(
            "connection {} was served while {MAX_CONNECTIONS} were open: {:?}",
            MAX_CONNECTIONS + 1,
            other.map(|read| String::from_utf8_lossy(&buffer[..read]).into_owned())
        ),
    }
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "too slow to tell the cap from the header-read timeout: {:?}",
        started.elapsed()
    );
    // One slot freed: the waiting connection is served.
    drop(held.pop());
    waiting
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut answer = Vec::new();
    let _ = waiting.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "after a slot was freed: {answer:?}"
    );
    drop(held);
}

const SITE_CONFIG: &str = r#"
site_name_zh = "铜川市王益区数字文化馆"
site_name_en = "Wangyi District Digital Culture"
operator = "王益区文化和旅游局"
contact = "电话 0919-7654321"
icp_number = "陕ICP备20261202号-1"
police_number = "陕公网安备61020202000123号"
public_url = "https://wenhua.example.gov.cn/"
"#;

#[test]
fn the_site_config_file_is_what_the_site_shows() {
    let sandbox = one_item_archive(b"a recording");
    let config = sandbox.write("site.toml", SITE_CONFIG);
    let server = Server::start_with(
        &sandbox,
        &["--site-config", config.to_str().unwrap()],
        "info",
    );
    let home = server.get("/").text();
    for shown in [
        "铜川市王益区数字文化馆",
        "王益区文化和旅游局",
        "电话 0919-7654321",
        "陕ICP备20261202号-1",
        "陕公网安备61020202000123号",
    ] {
        assert!(home.contains(shown), "the home page lacks {shown}: {home}");
    }
    assert!(
        !home.contains("文渊 · 公共数字文化平台"),
        "the default name: {home}"
    );
    // Partners' links use the configured public address, without its trailing slash.
    let identify = server.get("/oai?verb=Identify").text();
    assert!(
        identify.contains("<baseURL>https://wenhua.example.gov.cn/oai</baseURL>"),
        "{identify}"
    );
}

#[test]
fn a_broken_site_config_file_stops_the_server_before_it_listens() {
    let sandbox = one_item_archive(b"a recording");
    let config = sandbox.write("site.toml", "site_name_zh = [unclosed");
    let mut child = Command::new(env!("CARGO_BIN_EXE_wenyuan"))
        .args(["serve", "--addr", "127.0.0.1:0", "--site-config"])
        .arg(&config)
        .arg("--data")
        .arg(sandbox.data())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server started although its site configuration is broken");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("site.toml") && stderr.contains("not a valid site configuration"),
        "{stderr}"
    );
}
