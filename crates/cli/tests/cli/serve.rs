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
        Server::start_url(
            &format!("sqlite://{}", db.display()),
            &db.with_extension("log"),
            extra,
        )
    }

    fn start_url(url: &str, log: &Path, extra: &[&str]) -> Server {
        let log = log.to_path_buf();
        let mut child = Command::new(env!("CARGO_BIN_EXE_privaudit"))
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--no-config",
                "--db",
                url,
            ])
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
        request(&self.addr, method, path, headers, body)
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

/// A test that fails part way must not leave its collector running.
impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// One HTTP/1.1 request to `addr`; the status (0 when nobody answered) and the body.
fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return (0, String::new());
    };
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
        addr,
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    if s.write_all(head.as_bytes())
        .and_then(|()| s.write_all(body))
        .is_err()
    {
        return (0, String::new());
    }
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

/// Every file under `dir` (a PostgreSQL data directory), concatenated.
fn tree_bytes(dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                all.extend(std::fs::read(&p).unwrap_or_default());
            }
        }
    }
    all
}

/// A report id no earlier run has used, so that the first send is new in a store that
/// outlives the test (PostgreSQL).
fn fresh_install_report() -> Vec<u8> {
    let text =
        String::from_utf8(fixture("community-scripts/install-report-lxc-success.json")).unwrap();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let id = format!("5d3c2a1b-7e6f-4a8b-9c0d-{:012x}", nanos % (1 << 48));
    text.replace("5d3c2a1b-7e6f-4a8b-9c0d-1e2f3a4b5c6d", &id)
        .into_bytes()
}

#[test]
fn sqlite_stores_reports_quarantines_leaks_and_keeps_nothing_raw() {
    let db = scratch("e2e");
    let server = Server::start(&db, &["--max-body-bytes", "65536"]);
    end_to_end(server, &format!("sqlite://{}", db.display()), || {
        store_bytes(&db)
    });
}

/// The same on PostgreSQL, where `.ci/run` starts one (`ci/postgres.sh`).
#[test]
fn postgres_stores_reports_quarantines_leaks_and_keeps_nothing_raw() {
    let (Some(url), Ok(data)) = (postgres(), std::env::var("PRIVAUDIT_TEST_POSTGRES_DATA")) else {
        return;
    };
    let log = scratch("pg").with_extension("log");
    let server = Server::start_url(&url, &log, &["--max-body-bytes", "65536"]);
    end_to_end(server, &url, || {
        // Every page on disk in the data files, not only in the write-ahead log, whose
        // segments a checkpoint may be renaming while they are read.
        checkpoint(&url);
        tree_bytes(Path::new(&data))
    });
}

fn end_to_end(server: Server, store_url: &str, store_bytes: impl Fn() -> Vec<u8>) {
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
    let install = fresh_install_report();
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
    let bytes = store_bytes();
    let hash = "ec3dd09065938cc1462b35b330dae1152c196ea6062d6d73cc4015426debd88b";
    // The files hold the accepted report, so they were read, and the absence of the leak
    // checked below means something.
    assert!(
        contains(&bytes, hash),
        "the store's files were not read ({} bytes)",
        bytes.len()
    );
    let bodies = query_url(
        store_url,
        "SELECT body FROM reports WHERE product = 'introvox'",
    );
    assert!(
        bodies.iter().any(|b| b.contains(hash)),
        "the accepted report is in the store"
    );
    let quarantined = query_url(
        store_url,
        "SELECT findings FROM quarantine WHERE product = 'introvox'",
    );
    assert!(
        quarantined
            .iter()
            .any(|f| f.contains("introvox/no-personal-data"))
    );
    assert!(quarantined.iter().all(|f| !f.contains(leak)));
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

/// Runs `sql` on the SQLite store at `db` and returns the first column of every row.
fn query(db: &Path, sql: &'static str) -> Vec<String> {
    query_url(&format!("sqlite://{}", db.display()), sql)
}

/// The PostgreSQL server `.ci/run` starts (`ci/postgres.sh`), if there is one.
fn postgres() -> Option<String> {
    let url = std::env::var("PRIVAUDIT_TEST_POSTGRES").ok();
    if url.is_none() {
        eprintln!("PRIVAUDIT_TEST_POSTGRES is not set: no PostgreSQL run (.ci/run sets it)");
    }
    url
}

/// A runtime for looking into a store from a test.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Writes every dirty page of the PostgreSQL server at `url` to its data files.
fn checkpoint(url: &str) {
    let rt = runtime();
    rt.block_on(async {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query("CHECKPOINT").execute(&pool).await.unwrap();
        pool.close().await;
    });
}

/// Runs `sql` on the store at `url` (SQLite or PostgreSQL); the first column of every row.
fn query_url(url: &str, sql: &'static str) -> Vec<String> {
    let rt = runtime();
    rt.block_on(async {
        let rows: Vec<(String,)> = if url.starts_with("sqlite://") {
            let pool = sqlx::SqlitePool::connect(url).await.unwrap();
            let rows = sqlx::query_as(sql).fetch_all(&pool).await.unwrap();
            pool.close().await;
            rows
        } else {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            let rows = sqlx::query_as(sql).fetch_all(&pool).await.unwrap();
            pool.close().await;
            rows
        };
        rows.into_iter().map(|r| r.0).collect()
    })
}

/// An install report with its own report id.
fn install_report(n: usize) -> (String, Vec<u8>) {
    let id = format!("00000000-0000-4000-8000-{n:012}");
    let text = String::from_utf8(fixture("community-scripts/install-report-lxc-success.json"))
        .unwrap()
        .replace("5d3c2a1b-7e6f-4a8b-9c0d-1e2f3a4b5c6d", &id);
    (id, text.into_bytes())
}

#[test]
fn a_locked_store_answers_503_and_acknowledges_nothing() {
    let db = scratch("locked");
    let server = Server::start(&db, &[]);
    assert_eq!(server.post("/telemetry", &install_report(1).1).0, 201);
    // Another writer holds the database: the collector waits its busy timeout, then refuses.
    let rt = runtime();
    let url = format!("sqlite://{}", db.display());
    let (mut lock, pool) = rt.block_on(async {
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        let mut c = pool.acquire().await.unwrap();
        sqlx::query("BEGIN EXCLUSIVE")
            .execute(&mut *c)
            .await
            .unwrap();
        (c, pool)
    });
    let (code, body) = server.post("/telemetry", &install_report(2).1);
    assert_eq!(code, 503, "{body}");
    rt.block_on(async {
        sqlx::query("ROLLBACK").execute(&mut *lock).await.unwrap();
        drop(lock);
        pool.close().await;
    });
    let ids = query(&db, "SELECT report_id FROM reports");
    assert_eq!(
        ids,
        [install_report(1).0],
        "the refused report was not stored"
    );
    // Once the lock is gone, the client's retry is stored.
    assert_eq!(server.post("/telemetry", &install_report(2).1).0, 201);
    let (code, log) = server.stop();
    assert_eq!(code, 0, "{log}");
    assert!(log.contains("not acknowledged"), "{log}");
}

/// On PostgreSQL: another session holds the table locked; the collector's insert gives up at
/// its lock timeout and the report is answered 503, not stored.
#[test]
fn a_locked_postgres_table_answers_503_and_acknowledges_nothing() {
    let Some(url) = postgres() else {
        return;
    };
    let server = Server::start_url(&url, &scratch("pg-locked").with_extension("log"), &[]);
    let rt = runtime();
    let (mut lock, pool) = rt.block_on(async {
        let pool = sqlx::PgPool::connect(&url).await.unwrap();
        let mut c = pool.acquire().await.unwrap();
        sqlx::query("BEGIN").execute(&mut *c).await.unwrap();
        sqlx::query("LOCK TABLE reports IN ACCESS EXCLUSIVE MODE")
            .execute(&mut *c)
            .await
            .unwrap();
        (c, pool)
    });
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let (id, body) = install_report(run as usize);
    let (code, answer) = server.post("/telemetry", &body);
    assert_eq!(code, 503, "{answer}");
    rt.block_on(async {
        sqlx::query("ROLLBACK").execute(&mut *lock).await.unwrap();
        drop(lock);
        pool.close().await;
    });
    let stored = query_url(
        &url,
        "SELECT report_id FROM reports WHERE report_id IS NOT NULL",
    );
    assert!(!stored.contains(&id), "the refused report was stored");
    assert_eq!(
        server.post("/telemetry", &body).0,
        201,
        "the retry is stored"
    );
    let (code, log) = server.stop();
    assert_eq!(code, 0, "{log}");
}

/// On PostgreSQL: the collector's role may no longer write the table (an unwritable store);
/// reports are answered 503 and nothing is acknowledged, then stored once it may again.
#[test]
fn an_unwritable_postgres_store_answers_503() {
    let Some(url) = postgres() else {
        return;
    };
    let admin = |sql: &'static str| {
        let rt = runtime();
        rt.block_on(async {
            let pool = sqlx::PgPool::connect(&url).await.unwrap();
            sqlx::raw_sql(sql).execute(&pool).await.unwrap();
            pool.close().await;
        });
    };
    // A role of the collector's own, which owns nothing: what it may do is granted.
    admin(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'privaudit_writer') \
         THEN CREATE ROLE privaudit_writer LOGIN; END IF; END $$; \
         CREATE TABLE IF NOT EXISTS privaudit_meta (schema_version BIGINT NOT NULL); \
         GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO privaudit_writer; \
         GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO privaudit_writer; \
         GRANT CREATE ON SCHEMA public TO privaudit_writer",
    );
    let writer = url.replacen("postgres://postgres@", "postgres://privaudit_writer@", 1);
    let server = Server::start_url(
        &writer,
        &scratch("pg-unwritable").with_extension("log"),
        &[],
    );
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let (_, body) = install_report(run as usize + 7);
    admin("REVOKE INSERT ON reports FROM privaudit_writer");
    let (code, answer) = server.post("/telemetry", &body);
    assert_eq!(code, 503, "{answer}");
    admin("GRANT INSERT ON reports TO privaudit_writer");
    assert_eq!(
        server.post("/telemetry", &body).0,
        201,
        "stored once it may write"
    );
    let (code, log) = server.stop();
    assert_eq!(code, 0, "{log}");
    assert!(log.contains("not acknowledged"), "{log}");
}

#[test]
fn a_killed_collector_loses_no_acknowledged_report_and_stores_none_twice() {
    let db = scratch("killed");
    let url = format!("sqlite://{}", db.display());
    killed_under_load(&url, &db.with_extension("log"));
}

/// The same on PostgreSQL, where `.ci/run` starts one.
#[test]
fn a_killed_collector_on_postgres_loses_nothing_acknowledged() {
    let Some(url) = postgres() else {
        return;
    };
    killed_under_load(&url, &scratch("pg-killed").with_extension("log"));
}

/// Four clients send 600 reports with their own ids; the collector is killed once 150 are
/// acknowledged, restarted, and sent everything again.
fn killed_under_load(url: &str, log: &Path) {
    let total = 600;
    // Ids of this run only, so that a store that outlives the test counts this run's rows.
    let run = format!(
        "{:08x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let report = |n: usize| {
        let (id, body) = install_report(n);
        let fresh = id.replacen("00000000", &run, 1);
        (
            fresh.clone(),
            String::from_utf8(body)
                .unwrap()
                .replace(&id, &fresh)
                .into_bytes(),
        )
    };
    let stored = || -> Vec<String> {
        query_url(
            url,
            "SELECT report_id FROM reports WHERE report_id IS NOT NULL",
        )
        .into_iter()
        .filter(|id| id.starts_with(&run))
        .collect()
    };
    let server = Server::start_url(url, log, &[]);
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let addr = server.addr.clone();
    let clients: Vec<_> = (0..4)
        .map(|t| {
            let acked = acked.clone();
            let addr = addr.clone();
            let posts: Vec<(String, Vec<u8>)> = (t..total).step_by(4).map(report).collect();
            std::thread::spawn(move || {
                for (id, body) in posts {
                    let (code, _) = request(
                        &addr,
                        "POST",
                        "/telemetry",
                        &[("Content-Type", "application/json")],
                        &body,
                    );
                    if code == 201 {
                        acked.lock().unwrap().push(id);
                    } else if code == 0 {
                        break;
                    }
                }
            })
        })
        .collect();
    while acked.lock().unwrap().len() < 150 {
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut server = server;
    Command::new("kill")
        .args(["-KILL", &server.child.id().to_string()])
        .status()
        .unwrap();
    let _ = server.child.wait();
    drop(server);
    for c in clients {
        c.join().unwrap();
    }
    let acked: Vec<String> = acked.lock().unwrap().clone();
    let after_kill = stored();
    for id in &acked {
        assert!(
            after_kill.contains(id),
            "acknowledged {id} is not in the store"
        );
    }
    // Restarted, every client sends everything again: nothing is stored twice.
    let server = Server::start_url(url, log, &[]);
    for n in 0..total {
        let (code, body) = server.post("/telemetry", &report(n).1);
        assert!(code == 201 || code == 200, "{code} {body}");
    }
    let (code, log) = server.stop();
    assert_eq!(code, 0, "{log}");
    let all = stored();
    let distinct: std::collections::BTreeSet<&String> = all.iter().collect();
    assert_eq!((all.len(), distinct.len()), (total, total));
    eprintln!(
        "{} acknowledged before the kill, {} stored",
        acked.len(),
        after_kill.len()
    );
}

#[test]
fn slow_and_oversized_clients_are_cut_off_without_holding_up_others() {
    let db = scratch("slow");
    let server = Server::start(
        &db,
        &[
            "--header-timeout-ms",
            "400",
            "--max-body-bytes",
            "65536",
            "--request-timeout-ms",
            "600",
        ],
    );
    // Slowloris: connections that start a request and never finish its headers.
    let slow: Vec<TcpStream> = (0..8)
        .map(|_| {
            let mut s = TcpStream::connect(&server.addr).unwrap();
            s.write_all(b"POST /ingest/introvox HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                .unwrap();
            s
        })
        .collect();
    // Meanwhile, others are answered at once.
    let clean = fixture("introvox/daily-report-1.7.6.json");
    let started = Instant::now();
    for _ in 0..5 {
        assert_eq!(server.post("/api/telemetry/introvox", &clean).0, 201);
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // An oversized body is refused, and the next client is still served.
    assert_eq!(server.post("/ingest/introvox", &vec![b' '; 200_000]).0, 413);
    assert_eq!(server.post("/api/telemetry/introvox", &clean).0, 201);
    // A body that never arrives is answered 408 once the request timeout passes.
    let mut dribble = TcpStream::connect(&server.addr).unwrap();
    dribble
        .write_all(b"POST /ingest/introvox HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"a\"")
        .unwrap();
    dribble
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut answer = [0u8; 12];
    dribble.read_exact(&mut answer).unwrap();
    assert_eq!(&answer, b"HTTP/1.1 408");
    // The slow ones are cut off once the header timeout passes.
    std::thread::sleep(Duration::from_millis(800));
    for mut s in slow {
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut buf = Vec::new();
        let n = s.read_to_end(&mut buf);
        assert!(
            n.is_ok()
                || n.as_ref()
                    .is_err_and(|e| e.kind() == std::io::ErrorKind::ConnectionReset),
            "the slow connection is closed, not left open: {n:?}"
        );
    }
    let (code, log) = server.stop();
    assert_eq!(code, 0, "{log}");
}

#[test]
fn connections_beyond_the_limit_are_closed_and_the_rest_served() {
    let db = scratch("conns");
    let server = Server::start(
        &db,
        &["--max-connections", "4", "--header-timeout-ms", "2000"],
    );
    let held: Vec<TcpStream> = (0..4)
        .map(|_| TcpStream::connect(&server.addr).unwrap())
        .collect();
    // Give the server time to take them.
    std::thread::sleep(Duration::from_millis(200));
    let (code, _) = server.post(
        "/api/telemetry/introvox",
        &fixture("introvox/daily-report-1.7.6.json"),
    );
    assert_eq!(code, 0, "a fifth connection is closed at once");
    drop(held);
    std::thread::sleep(Duration::from_millis(200));
    let (code, _) = server.post(
        "/api/telemetry/introvox",
        &fixture("introvox/daily-report-1.7.6.json"),
    );
    assert_eq!(code, 201, "freed slots serve again");
    let (_, metrics) = server.request("GET", "/metrics", &[], b"");
    assert!(metrics.contains("reason=\"connections\""), "{metrics}");
    let (code, log) = server.stop();
    assert_eq!(code, 0, "{log}");
}
