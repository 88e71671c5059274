//! A real `wenyuan serve` process and a deliberately plain HTTP/1.1 client
//! over a TCP socket, so tests can also send what no well-behaved client
//! would: trickled headers, oversized heads, raw paths.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::util::Sandbox;

/// `wenyuan serve` on a free loopback port; stopped when dropped.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    /// Everything the server logged to stderr so far is sent here.
    pub log: mpsc::Receiver<String>,
}

impl Server {
    pub fn start(sandbox: &Sandbox) -> Server {
        Server::start_with(sandbox, &[], "info")
    }

    /// `wenyuan serve` with more flags and its own `RUST_LOG`.
    pub fn start_with(sandbox: &Sandbox, flags: &[&str], rust_log: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wenyuan"))
            .arg("serve")
            .arg("--data")
            .arg(sandbox.data())
            .arg("--addr")
            .arg("127.0.0.1:0")
            .args(flags)
            .env("RUST_LOG", rust_log)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start wenyuan serve");
        let stderr = child.stderr.take().unwrap();
        let (sender, log) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut seen = Vec::new();
        loop {
            let Ok(line) = log.recv_timeout(Duration::from_secs(60)) else {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the server did not start: {seen:#?}");
            };
            if let Some(rest) = line.split("serving on http://").nth(1) {
                let addr = rest.split('/').next().unwrap().parse().unwrap();
                return Server { child, addr, log };
            }
            seen.push(line);
        }
    }

    /// Lines the server logged since the last call.
    pub fn logged(&self) -> Vec<String> {
        self.log.try_iter().collect()
    }

    pub fn get(&self, path: &str) -> Response {
        self.get_with(path, &[])
    }

    pub fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Response {
        let mut head = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.addr
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        self.send(head.as_bytes())
    }

    /// Sends raw bytes on a new connection and reads the response to the end.
    pub fn send(&self, bytes: &[u8]) -> Response {
        let mut stream = TcpStream::connect(self.addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        stream.write_all(bytes).expect("send");
        let mut raw = Vec::new();
        // A server that answers early (413, 431) may close before reading everything.
        let _ = stream.read_to_end(&mut raw);
        Response::parse(&raw).unwrap_or_else(|| {
            panic!(
                "no HTTP response to {:?}: {:?}",
                String::from_utf8_lossy(&bytes[..bytes.len().min(200)]),
                String::from_utf8_lossy(&raw)
            )
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A parsed response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    fn parse(raw: &[u8]) -> Option<Response> {
        let end = raw.windows(4).position(|window| window == b"\r\n\r\n")?;
        let head = std::str::from_utf8(&raw[..end]).ok()?;
        let mut lines = head.split("\r\n");
        let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
        let headers: Vec<(String, String)> = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
            .collect();
        let mut body = raw[end + 4..].to_vec();
        let chunked = headers
            .iter()
            .any(|(name, value)| name == "transfer-encoding" && value.contains("chunked"));
        if chunked {
            body = dechunk(&body)?;
        }
        Some(Response {
            status,
            headers,
            body,
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|error| panic!("not JSON ({error}): {}", self.text()))
    }
}

fn dechunk(mut bytes: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = bytes.windows(2).position(|window| window == b"\r\n")?;
        let size_text = std::str::from_utf8(&bytes[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        bytes = &bytes[line_end + 2..];
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(bytes.get(..size)?);
        bytes = bytes.get(size + 2..)?;
    }
}

/// Percent-encodes everything but unreserved characters (for query values).
pub fn encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Resident memory of a process, in KiB (Linux). Panics when it cannot be
/// read: a memory bound checked against 0 would pass without measuring.
pub fn resident_kib(pid: u32) -> u64 {
    let status_path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&status_path)
        .unwrap_or_else(|error| panic!("cannot measure memory: {status_path}: {error}"));
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("cannot measure memory: no VmRSS line in {status_path}"));
    assert!(
        kib > 0,
        "cannot measure memory: {status_path} says VmRSS is 0"
    );
    kib
}
