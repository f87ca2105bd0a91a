//! The reference collector end to end, on loopback: the real binary over a real SQLite file,
//! driven by plain HTTP/1.1 requests.

use super::fixtures;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `privaudit serve` and where it listens.
struct Server {
    child: Child,
    addr: String,
    log: PathBuf,
}

impl Server {
    fn start(db: &Path, extra: &[&str]) -> Server {
        let log = db.with_extension("log");
        let mut child = Command::new(env!("CARGO_BIN_EXE_privaudit"))
            .args(["serve", "--listen", "127.0.0.1:0", "--no-config", "--db"])
            .arg(format!("sqlite://{}", db.display()))
            .args(extra)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let started = Instant::now();
        loop {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if let Some(at) = text.find("listening on ") {
                let addr = text[at + 13..]
                    .split_whitespace()
                    .next()
                    .unwrap()
                    .to_string();
                return Server { child, addr, log };
            }
            if started.elapsed() > Duration::from_secs(30) || child.try_wait().unwrap().is_some() {
                let _ = child.kill();
                panic!("the collector did not start: {text}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// One request; the status and the body of the answer.
    fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, String) {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(body).unwrap();
        let mut answer = Vec::new();
        let _ = s.read_to_end(&mut answer);
        let text = String::from_utf8_lossy(&answer).to_string();
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let body = text
            .split_once("\r\n\r\n")
            .map_or("", |(_, b)| b)
            .to_string();
        (status, body)
    }

    fn post(&self, path: &str, body: &[u8]) -> (u16, String) {
        self.request("POST", path, &[("Content-Type", "application/json")], body)
    }

    /// SIGTERM, then the exit status once requests in flight are done.
    fn stop(mut self) -> (i32, String) {
        unsafe_free_kill(self.child.id());
        let started = Instant::now();
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "no exit after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        (
            status.code().unwrap_or(-1),
            std::fs::read_to_string(&self.log).unwrap(),
        )
    }
}

/// SIGTERM through the `kill` command, so the test needs no unsafe code.
fn unsafe_free_kill(pid: u32) {
    let ok = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(fixtures().join(path)).unwrap()
}

/// Every byte the store holds on disk (the file and its write-ahead log).
fn store_bytes(db: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", db.display()));
        all.extend(std::fs::read(p).unwrap_or_default());
    }
    all
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("privaudit-serve-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("collector.db")
}

#[test]
fn reports_are_stored_leaks_quarantined_and_nothing_raw_is_kept() {
    let db = scratch("e2e");
    let server = Server::start(&db, &["--max-body-bytes", "65536"]);
    let leak = "jan@example.nl";
    let leaky = fixture("introvox/leaks/daily-report-email-key.json");
    assert!(contains(&leaky, leak));

    let (code, body) = server.post(
        "/api/telemetry/introvox",
        &fixture("introvox/daily-report-1.7.6.json"),
    );
    assert_eq!((code, body.contains("\"accepted\"")), (201, true), "{body}");
    let (code, body) = server.post("/api/telemetry/introvox", &leaky);
    assert_eq!(
        code, 202,
        "a leak is answered 2xx, so it is not sent again: {body}"
    );
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["verdict"], "quarantined");
    assert_eq!(v["findings"][0]["rule"], "introvox/no-personal-data");
    assert!(!body.contains(leak), "{body}");
    // The generic endpoint, a gzip body, and a report sent twice.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&fixture("kopano/survey-8.7.json")).unwrap();
    let (code, body) = server.request(
        "POST",
        "/ingest/kopano",
        &[
            ("Content-Type", "application/json"),
            ("Content-Encoding", "gzip"),
        ],
        &gz.finish().unwrap(),
    );
    assert_eq!(code, 201, "{body}");
    let install = fixture("community-scripts/install-report-lxc-success.json");
    assert_eq!(server.post("/telemetry", &install).0, 201);
    let (code, body) = server.post("/telemetry", &install);
    assert_eq!(
        (code, body.contains("\"duplicate\":true")),
        (200, true),
        "{body}"
    );
    // The security check's GET query string.
    let url = std::fs::read_to_string(fixtures().join("mattermost/security-check.txt")).unwrap();
    let query = url.lines().next().unwrap().split_once('?').unwrap().1;
    assert_eq!(
        server
            .request("GET", &format!("/security?{query}"), &[], b"")
            .0,
        201
    );
    // Refusals, each with its reason.
    assert_eq!(server.post("/ingest/introvox", b"{").0, 400);
    assert_eq!(
        server
            .request(
                "POST",
                "/ingest/introvox",
                &[("Content-Type", "text/plain")],
                b"{}"
            )
            .0,
        415
    );
    assert_eq!(server.post("/ingest/introvox", &vec![b' '; 70_000]).0, 413);
    assert_eq!(server.post("/ingest/nosuch", b"{}").0, 404);
    assert_eq!(server.post("/elsewhere", b"{}").0, 404);
    // Health and metrics.
    assert_eq!(server.request("GET", "/healthz", &[], b"").0, 200);
    let (_, metrics) = server.request("GET", "/metrics", &[], b"");
    for line in [
        "privaudit_accepted_total{product=\"introvox\"} 1",
        "privaudit_accepted_total{product=\"community-scripts\"} 2",
        "privaudit_quarantined_total{product=\"introvox\",rule=\"introvox/no-personal-data\"} 1",
        "privaudit_rejected_total{product=\"introvox\",reason=\"content-type\"} 1",
    ] {
        assert!(metrics.contains(line), "{line}\n{metrics}");
    }
    assert!(metrics.contains("privaudit_request_seconds_count"));
    let (code, log) = server.stop();
    assert_eq!(code, 0, "a clean stop on SIGTERM: {log}");
    assert!(
        log.contains("quarantined") && log.contains("stopped"),
        "{log}"
    );
    // Stored: the clean report's values and the finding; never the leak, in the store or
    // in the logs.
    let bytes = store_bytes(&db);
    let hash = "ec3dd09065938cc1462b35b330dae1152c196ea6062d6d73cc4015426debd88b";
    assert!(
        contains(&bytes, hash),
        "the accepted report is in the store"
    );
    assert!(contains(&bytes, "introvox/no-personal-data"));
    assert!(!contains(&bytes, leak), "the store holds the raw leak");
    assert!(!log.contains(leak), "the log holds the raw leak");
}

#[test]
fn the_raw_body_is_kept_only_when_asked() {
    let db = scratch("raw");
    let server = Server::start(&db, &["--quarantine-raw"]);
    let leaky = fixture("introvox/leaks/daily-report-email-key.json");
    assert_eq!(server.post("/api/telemetry/introvox", &leaky).0, 202);
    let (code, log) = server.stop();
    assert_eq!(code, 0, "{log}");
    assert!(contains(&store_bytes(&db), "jan@example.nl"));
    assert!(!log.contains("jan@example.nl"));
}

#[test]
fn a_bad_store_is_refused_at_start() {
    let out = Command::new(env!("CARGO_BIN_EXE_privaudit"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--no-config",
            "--db",
            "mysql://x/y",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--db") && !err.contains("mysql://x/y"),
        "{err}"
    );
}
