//! Benchmark inputs and the parse floor.
//!
//! This crate owns what the speed figures are measured on: a mixed NDJSON capture built from
//! the shipped fixtures (about one record in two carries a leak), adversarial records, and
//! the floor any JSON auditor pays (parse each record into a `serde_json::Value` and touch
//! every string and key). It knows the fixture layout and nothing of the engine, so the
//! floor stays a plain program anyone can rerun.
//!
//! ```
//! let corpus = privaudit_bench::mixed_ndjson(64 << 10);
//! assert!(corpus.len() >= 64 << 10);
//! let floor = privaudit_bench::floor(&corpus);
//! assert_eq!(floor.errors, 0);
//! assert!(floor.records > 10 && floor.strings > floor.records);
//! ```

use serde_json::Value;
use std::path::{Path, PathBuf};

/// The repository's `fixtures/` directory.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// The products whose fixtures feed the corpus.
pub const PRODUCTS: [&str; 5] = [
    "introvox",
    "roomvox",
    "kopano",
    "mattermost",
    "community-scripts",
];

/// One product directory's reports as one-line JSON, with their file names. Line breaks are
/// dropped as they are, not re-serialized, so duplicate members survive.
fn records_in(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    files
        .into_iter()
        .filter(|p| {
            p.extension().is_some_and(|e| e == "json")
                && p.file_name().is_some_and(|n| n != "expected.json")
        })
        .filter_map(|p| {
            let name = p.file_name()?.to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&p).ok()?;
            Some((name, text.replace(['\n', '\r'], "")))
        })
        .collect()
}

/// One-line JSON reports from the fixtures: (clean, leaking).
pub fn fixture_records() -> (Vec<String>, Vec<String>) {
    let mut clean = Vec::new();
    let mut leaks = Vec::new();
    for p in PRODUCTS {
        clean.extend(records_in(&fixtures_dir().join(p)).into_iter().map(|r| r.1));
        leaks.extend(
            records_in(&fixtures_dir().join(p).join("leaks"))
                .into_iter()
                .map(|r| r.1),
        );
    }
    (clean, leaks)
}

/// The path a fixture's report is sent to (the products' `endpoints`), by product and file.
fn endpoint(product: &str, file: &str) -> &'static str {
    match product {
        "introvox" => "/api/telemetry/introvox",
        "roomvox" => "/api/telemetry/roomvox",
        "kopano" => "/api/stats/v1/submit",
        "mattermost" if file.starts_with("security-check") => "/security",
        "mattermost" => "/v1/batch",
        _ => "/telemetry",
    }
}

/// The fixtures' reports as `(product, file name, one-line JSON)`: clean ones, then leaking ones.
fn product_records() -> [Vec<(&'static str, String, String)>; 2] {
    let mut pools = [Vec::new(), Vec::new()];
    for p in PRODUCTS {
        for (pool, dir) in pools
            .iter_mut()
            .zip([fixtures_dir().join(p), fixtures_dir().join(p).join("leaks")])
        {
            pool.extend(records_in(&dir).into_iter().map(|(file, r)| (p, file, r)));
        }
    }
    assert!(
        pools.iter().all(|pool| !pool.is_empty()),
        "fixtures not found under {}",
        fixtures_dir().display()
    );
    pools
}

/// A HAR 1.2 capture of at least `bytes` bytes, as a browser or proxy records one: every
/// entry posts a [varied](vary) fixture report to its product's endpoint (clean and leaking
/// reports alternate) and carries headers, timings and a response body, which the audit
/// skips. Entries average about 2.8 KB.
pub fn har(bytes: usize) -> Vec<u8> {
    let [clean, leaks] = product_records().map(|pool| {
        pool.into_iter()
            .map(|(p, file, record)| (endpoint(p, &file), record))
            .collect::<Vec<_>>()
    });
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut out = Vec::with_capacity(bytes + 64 * 1024);
    out.extend_from_slice(
        br#"{"log":{"version":"1.2","creator":{"name":"privaudit-bench","version":"1"},"entries":["#,
    );
    let mut i = 0usize;
    while out.len() < bytes {
        let pool = if i.is_multiple_of(2) { &clean } else { &leaks };
        let (path, record) = &pool[rng.below(pool.len())];
        let body = serde_json::to_string(&vary(record, i as u64)).expect("a string");
        if i > 0 {
            out.push(b',');
        }
        let entry = format!(
            r#"{{"startedDateTime":"2026-11-18T09:02:41.{ms:03}Z","time":41.5,"request":{{"method":"POST","url":"https://telemetry.example.org{path}","httpVersion":"HTTP/1.1","headers":[{{"name":"Content-Type","value":"application/json"}},{{"name":"User-Agent","value":"Nextcloud-Server-Crawler/31.0.2"}}],"queryString":[],"cookies":[],"headersSize":-1,"bodySize":{len},"postData":{{"mimeType":"application/json","text":{body}}}}},"response":{{"status":200,"statusText":"OK","httpVersion":"HTTP/1.1","headers":[{{"name":"Content-Type","value":"application/json"}}],"cookies":[],"content":{{"size":24,"mimeType":"application/json","text":"{{\"status\":\"accepted\"}}"}},"redirectURL":"","headersSize":-1,"bodySize":24}},"cache":{{}},"timings":{{"send":0.2,"wait":40.1,"receive":1.2}}}}"#,
            ms = i % 1000,
            len = body.len(),
        );
        out.extend_from_slice(entry.as_bytes());
        i += 1;
    }
    out.extend_from_slice(b"]}}\n");
    out
}

/// A small deterministic generator (xorshift), so corpora are the same on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// A report as another installation or another run would send it: the ids, digests and
/// timestamps in it get fresh characters of the same kind, while member names, enumerated
/// values, versions and the leaks stay. Without this a corpus built from a few fixtures
/// repeats every value, which no real capture does.
///
/// Varied: JSON strings of 16 or more letters, digits, `-` and `_` with at least two
/// digits and a letter (UUIDs, hex digests, random ids; the first eight characters are
/// kept, so vendor token prefixes survive), and the fraction of a second of RFC 3339
/// timestamps.
pub fn vary(record: &str, seed: u64) -> String {
    let mut rng = Rng(seed | 1);
    let mut b = record.as_bytes().to_vec();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'"' {
            i += 1;
            continue;
        }
        let start = i + 1;
        let Some(len) = b[start..].iter().position(|&c| c == b'"' || c == b'\\') else {
            break;
        };
        let end = start + len;
        if b[end] == b'\\' {
            // Strings with escapes are left alone; skip to the closing quote.
            let mut j = end;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            i = j + 1;
            continue;
        }
        let s = &b[start..end];
        let id_like = s.len() >= 16
            && s.iter()
                .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_')
            && s.iter().filter(|c| c.is_ascii_digit()).count() >= 2
            && s.iter().any(u8::is_ascii_alphabetic);
        // `2026-11-18T09:02:41.067214455Z`: the fraction of a second.
        let fraction = s.len() > 21
            && s[..4].iter().all(u8::is_ascii_digit)
            && s[4] == b'-'
            && s[10] == b'T'
            && s[19] == b'.';
        let from = if id_like {
            Some(start + 8)
        } else if fraction {
            Some(start + 20)
        } else {
            None
        };
        if let Some(from) = from {
            // Each character keeps its kind: a hex digest stays hex.
            for c in &mut b[from..end] {
                *c = match *c {
                    b'0'..=b'9' => b'0' + rng.below(10) as u8,
                    b'a'..=b'f' => b'a' + rng.below(6) as u8,
                    b'g'..=b'z' => b'g' + rng.below(20) as u8,
                    b'A'..=b'F' => b'A' + rng.below(6) as u8,
                    b'G'..=b'Z' => b'G' + rng.below(20) as u8,
                    other => other,
                };
            }
        }
        i = end + 1;
    }
    // ASCII bytes only ever replace ASCII bytes.
    String::from_utf8(b).expect("still UTF-8")
}

/// A mixed NDJSON capture of at least `bytes` bytes: clean and leaking fixture reports
/// alternate, each picked at random from its pool and [varied](vary).
pub fn mixed_ndjson(bytes: usize) -> Vec<u8> {
    mixed_of(bytes, usize::MAX)
}

/// The [mixed](mixed_ndjson) capture made only of reports of at most 1.2 KB (about 0.8 KB on
/// average, no Mattermost batch of events), where per-record costs weigh most.
pub fn small_ndjson(bytes: usize) -> Vec<u8> {
    mixed_of(bytes, 1200)
}

fn mixed_of(bytes: usize, longest: usize) -> Vec<u8> {
    let (mut clean, mut leaks) = fixture_records();
    clean.retain(|r| r.len() <= longest);
    leaks.retain(|r| r.len() <= longest);
    assert!(
        !clean.is_empty() && !leaks.is_empty(),
        "fixtures not found under {}",
        fixtures_dir().display()
    );
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut out = Vec::with_capacity(bytes + 64 * 1024);
    let mut i = 0usize;
    while out.len() < bytes {
        let pool = if i.is_multiple_of(2) { &clean } else { &leaks };
        let record = &pool[rng.below(pool.len())];
        out.extend_from_slice(vary(record, i as u64).as_bytes());
        out.push(b'\n');
        i += 1;
    }
    out
}

/// Inputs built to hurt a scanner or parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adversarial {
    /// Digits and dots without end (`1.2.3.4.5…`): IP, version, phone and card paths.
    DigitDotSoup,
    /// Runs of `@` and near-emails (`a@b@c@…`).
    AtRuns,
    /// Arrays nested as deep as the parser allows, many times over.
    DeepNesting,
    /// Very many one-character strings.
    TinyStrings,
    /// Single digits separated by single spaces (`1 2 3 …`), once the card check's worst case.
    SpacedDigits,
    /// Groups of four digits separated by spaces, the shape of card numbers.
    DigitGroups,
    /// Letter labels joined by dots without end (`a.bc.d.ef…`): host name and e-mail paths.
    DotRuns,
    /// Hex pairs joined by colons (`3f:a0:…`): MAC and IPv6 paths.
    ColonHex,
    /// One unbroken run of hex digits: digest, entropy and secret paths.
    HexRun,
    /// URL schemes over and over (`http://https://…`): URL and host paths.
    UrlPrefixes,
    /// Path and query separators (`/a/-_/..\\?=&`): file path, URL and query paths.
    Separators,
    /// Base64 and percent-escapes that decode to more of the same: the decoded-layer paths.
    Encoded,
    /// Sign-led digit groups (`+1 (2) 3-4 …`): telephone number paths.
    PhoneRuns,
}

impl Adversarial {
    /// Every kind.
    pub const ALL: [Adversarial; 13] = [
        Adversarial::DigitDotSoup,
        Adversarial::AtRuns,
        Adversarial::DeepNesting,
        Adversarial::TinyStrings,
        Adversarial::SpacedDigits,
        Adversarial::DigitGroups,
        Adversarial::DotRuns,
        Adversarial::ColonHex,
        Adversarial::HexRun,
        Adversarial::UrlPrefixes,
        Adversarial::Separators,
        Adversarial::Encoded,
        Adversarial::PhoneRuns,
    ];

    /// A short name for bench ids.
    pub fn name(self) -> &'static str {
        match self {
            Adversarial::DigitDotSoup => "digit-dot-soup",
            Adversarial::AtRuns => "at-runs",
            Adversarial::DeepNesting => "deep-nesting",
            Adversarial::TinyStrings => "tiny-strings",
            Adversarial::SpacedDigits => "spaced-digits",
            Adversarial::DigitGroups => "digit-groups",
            Adversarial::DotRuns => "dot-runs",
            Adversarial::ColonHex => "colon-hex",
            Adversarial::HexRun => "hex-run",
            Adversarial::UrlPrefixes => "url-prefixes",
            Adversarial::Separators => "separators",
            Adversarial::Encoded => "encoded",
            Adversarial::PhoneRuns => "phone-runs",
        }
    }
}

/// NDJSON of at least `bytes` bytes: community-scripts install reports whose free-form
/// `error` field (or, for nesting, an undeclared member) carries the adversarial content,
/// about 64 KiB per record.
pub fn adversarial_ndjson(kind: Adversarial, bytes: usize) -> Vec<u8> {
    const RECORD: usize = 64 * 1024;
    let head = r#"{"random_id":"5d3c2a1b-7e6f-4a8b-9c0d-1e2f3a4b5c6d","type":"lxc","nsapp":"jellyfin","status":"failed","exit_code":1,"#;
    let payload = match kind {
        Adversarial::DigitDotSoup => {
            let soup: String = (0..RECORD / 2)
                .map(|i| {
                    if i % 2 == 0 {
                        char::from(b'0' + (i % 10) as u8)
                    } else {
                        '.'
                    }
                })
                .collect();
            format!(r#""error":"{soup}""#)
        }
        Adversarial::AtRuns => {
            let at: String = (0..RECORD / 2)
                .map(|i| if i % 3 == 2 { 'a' } else { '@' })
                .collect();
            format!(r#""error":"{at}""#)
        }
        Adversarial::DeepNesting => {
            // 60 levels (plus the record's own two) stays under the default depth limit of
            // 64, so the nesting is walked, not refused; repeated to fill the record.
            let one = format!("{}{}", "[".repeat(60), "]".repeat(60));
            let many = vec![one; RECORD / 120].join(",");
            format!(r#""nested":[{many}]"#)
        }
        Adversarial::TinyStrings => {
            let tiny = vec![r#""a""#; RECORD / 4].join(",");
            format!(r#""tiny":[{tiny}]"#)
        }
        Adversarial::SpacedDigits | Adversarial::DigitGroups => {
            let width = if kind == Adversarial::SpacedDigits {
                1
            } else {
                4
            };
            // Digits that vary, so no run is all one digit (which the checks skip early).
            let digits = (0..RECORD / (width + 1) / 2)
                .map(|i| {
                    (0..width)
                        .map(|j| char::from(b'0' + ((i * 7 + j * 3) % 10) as u8))
                        .collect::<String>()
                })
                .collect::<Vec<_>>()
                .join(" ");
            format!(r#""error":"{digits}""#)
        }
        Adversarial::DotRuns => {
            let labels = ["a", "bc", "d", "ef", "ghi", "com", "io"];
            format!(r#""error":"{}""#, cycle(&labels, ".", RECORD / 2))
        }
        Adversarial::ColonHex => {
            let pairs: Vec<String> = (0..256).map(|i| format!("{:02x}", i * 37 % 256)).collect();
            let pairs: Vec<&str> = pairs.iter().map(String::as_str).collect();
            format!(r#""error":"{}""#, cycle(&pairs, ":", RECORD / 2))
        }
        Adversarial::HexRun => {
            let hex: String = (0..RECORD / 2)
                .map(|i| char::from(b"0123456789abcdef"[(i * 7 + i / 16) % 16]))
                .collect();
            format!(r#""error":"{hex}""#)
        }
        Adversarial::UrlPrefixes => {
            let parts = ["http://", "https://", "ftp://", "http://a", "//", "www."];
            format!(r#""error":"{}""#, cycle(&parts, "", RECORD / 2))
        }
        Adversarial::Separators => {
            let parts = [
                "/a", "/", "-_", "/..", "\\\\x", "?a=", "&b=", "#", "~/", ":",
            ];
            format!(r#""error":"{}""#, cycle(&parts, "", RECORD / 2))
        }
        Adversarial::Encoded => {
            // Base64 of base64 of …, then percent-escaped: every layer decodes to the next.
            let parts = [
                "YUdWc2JH",
                "%32%35%34%31",
                "ZGF0YQ",
                "%25%32",
                "==",
                "QUFBQ",
            ];
            format!(r#""error":"{}""#, cycle(&parts, "", RECORD / 2))
        }
        Adversarial::PhoneRuns => {
            let parts = ["+1", "(2)", "34-5", "+49", "0", "(0)", "12", "345-67"];
            format!(r#""error":"{}""#, cycle(&parts, " ", RECORD / 2))
        }
    };
    let record = format!("{head}{payload}}}\n");
    let mut out = Vec::with_capacity(bytes + record.len());
    while out.len() < bytes {
        out.extend_from_slice(record.as_bytes());
    }
    out
}

/// `parts` repeated in turn, joined by `sep`, to at least `len` bytes.
fn cycle(parts: &[&str], sep: &str, len: usize) -> String {
    let mut out = String::with_capacity(len + 16);
    let mut i = 0;
    while out.len() < len {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(parts[i % parts.len()]);
        i += 1;
    }
    out
}

/// One report for a collector: the path it is posted to and its body.
pub type Post = (String, Vec<u8>);

/// Reports as their clients post them to a collector: every fixture (clean and leaking, one
/// in two a leak) to `/ingest/<product>`, [varied](vary), `count` in all.
pub fn collector_posts(count: usize) -> Vec<Post> {
    let [clean, leaks] = product_records().map(|pool| {
        pool.into_iter()
            .map(|(p, _, record)| (p, record))
            .collect::<Vec<_>>()
    });
    let mut rng = Rng(0x5851_f42d_4c95_7f2d);
    (0..count)
        .map(|i| {
            let pool = if i.is_multiple_of(2) { &clean } else { &leaks };
            let (product, record) = &pool[rng.below(pool.len())];
            (
                format!("/ingest/{product}"),
                vary(record, i as u64 + 1).into_bytes(),
            )
        })
        .collect()
}

/// What a load run measured.
#[derive(Debug, Clone)]
pub struct LoadReport {
    /// Requests answered, by status.
    pub statuses: std::collections::BTreeMap<u16, usize>,
    /// Requests that got no answer (connection refused or closed).
    pub failed: usize,
    /// Wall time of the whole run.
    pub elapsed: std::time::Duration,
    /// Per-request latencies, sorted.
    pub latencies: Vec<std::time::Duration>,
}

impl LoadReport {
    /// The latency below which `q` (0–1) of the requests were answered.
    pub fn quantile(&self, q: f64) -> std::time::Duration {
        if self.latencies.is_empty() {
            return std::time::Duration::ZERO;
        }
        let i = ((self.latencies.len() as f64 - 1.0) * q).round() as usize;
        self.latencies[i]
    }

    /// Answered requests per second.
    pub fn throughput(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }
}

/// Posts `posts` to the collector at `addr` over `connections` keep-alive HTTP/1.1
/// connections (each sends its share one request at a time), bounded by the count given.
/// With `path`, every post goes there instead (a floor: the same traffic to a path the
/// collector refuses at once).
pub fn load(addr: &str, posts: &[Post], connections: usize, path: Option<&str>) -> LoadReport {
    use std::io::{BufRead, BufReader, Read, Write};
    let started = std::time::Instant::now();
    let chunks: Vec<&[Post]> = posts
        .chunks(posts.len().div_ceil(connections.max(1)))
        .collect();
    let results: Vec<(Vec<(u16, std::time::Duration)>, usize)> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|chunk| {
                s.spawn(move || {
                    let mut out = Vec::with_capacity(chunk.len());
                    let mut failed = 0;
                    let mut conn: Option<BufReader<std::net::TcpStream>> = None;
                    for (p, body) in chunk.iter() {
                        let target = path.unwrap_or(p);
                        let t = std::time::Instant::now();
                        let mut attempt = || -> std::io::Result<u16> {
                            if conn.is_none() {
                                let s = std::net::TcpStream::connect(addr)?;
                                s.set_nodelay(true)?;
                                conn = Some(BufReader::new(s));
                            }
                            let c = conn.as_mut().expect("connected");
                            let head = format!(
                                "POST {target} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                                body.len()
                            );
                            c.get_mut().write_all(head.as_bytes())?;
                            c.get_mut().write_all(body)?;
                            let mut line = String::new();
                            c.read_line(&mut line)?;
                            let status: u16 = line
                                .split_whitespace()
                                .nth(1)
                                .and_then(|s| s.parse().ok())
                                .ok_or(std::io::ErrorKind::InvalidData)?;
                            let mut length = 0usize;
                            loop {
                                line.clear();
                                c.read_line(&mut line)?;
                                if line == "\r\n" || line.is_empty() {
                                    break;
                                }
                                if let Some((k, v)) = line.split_once(':')
                                    && k.eq_ignore_ascii_case("content-length")
                                {
                                    length = v.trim().parse().unwrap_or(0);
                                }
                            }
                            let mut rest = vec![0; length];
                            c.read_exact(&mut rest)?;
                            Ok(status)
                        };
                        match attempt() {
                            Ok(status) => out.push((status, t.elapsed())),
                            Err(_) => {
                                conn = None;
                                failed += 1;
                            }
                        }
                    }
                    (out, failed)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a load thread"))
            .collect()
    });
    let elapsed = started.elapsed();
    let mut statuses = std::collections::BTreeMap::new();
    let mut latencies = Vec::new();
    let mut failed = 0;
    for (out, f) in results {
        failed += f;
        for (status, d) in out {
            *statuses.entry(status).or_insert(0) += 1;
            latencies.push(d);
        }
    }
    latencies.sort();
    LoadReport {
        statuses,
        failed,
        elapsed,
        latencies,
    }
}

/// What the floor saw.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FloorCount {
    /// Records parsed.
    pub records: usize,
    /// Parse errors.
    pub errors: usize,
    /// Strings and keys touched.
    pub strings: usize,
    /// Their total length, so the visit cannot be optimised away.
    pub bytes: usize,
}

/// The parse floor: each non-blank line parsed into a `Value`, every string and key touched.
pub fn floor(ndjson: &[u8]) -> FloorCount {
    fn visit(v: &Value, c: &mut FloorCount) {
        match v {
            Value::String(s) => {
                c.strings += 1;
                c.bytes += s.len();
            }
            Value::Array(a) => a.iter().for_each(|x| visit(x, c)),
            Value::Object(m) => {
                for (k, x) in m {
                    c.strings += 1;
                    c.bytes += k.len();
                    visit(x, c);
                }
            }
            _ => {}
        }
    }
    let mut c = FloorCount::default();
    for line in ndjson.split(|&b| b == b'\n') {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Value>(line) {
            Ok(v) => {
                c.records += 1;
                visit(&v, &mut c);
            }
            Err(_) => c.errors += 1,
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collector_posts_go_to_their_products() {
        let posts = collector_posts(40);
        assert_eq!(posts.len(), 40);
        for (path, body) in &posts {
            let product = path.strip_prefix("/ingest/").unwrap();
            assert!(PRODUCTS.contains(&product), "{path}");
            assert!(serde_json::from_slice::<Value>(body).is_ok(), "{path}");
        }
    }

    #[test]
    fn vary_changes_ids_and_keeps_the_rest() {
        let record = r#"{"messageId":"3e0d0fe4-0cb2-4807-8579-da3dd8edc400","sentAt":"2026-11-18T09:02:41.067214455Z","event":"activity","version":"10.11.3","token":"ghp_R8kD2mQ9vL4xT7pZ1cW6nB3hJ5sF0gY2aEuK","note":"a \"quoted\" 0123456789abcdef0123"}"#;
        let varied = vary(record, 7);
        let a: Value = serde_json::from_str(record).unwrap();
        let b: Value = serde_json::from_str(&varied).unwrap();
        assert_ne!(a["messageId"], b["messageId"]);
        assert_eq!(
            a["messageId"].as_str().unwrap()[..8],
            b["messageId"].as_str().unwrap()[..8]
        );
        assert_eq!(b["messageId"].as_str().unwrap().len(), 36);
        assert_ne!(a["sentAt"], b["sentAt"]);
        assert!(
            b["sentAt"]
                .as_str()
                .unwrap()
                .starts_with("2026-11-18T09:02:41.")
        );
        assert!(b["token"].as_str().unwrap().starts_with("ghp_R8kD"));
        for same in ["event", "version", "note"] {
            assert_eq!(a[same], b[same], "{same}");
        }
        assert_ne!(vary(record, 8), varied, "another seed, other ids");
    }

    #[test]
    fn corpora_are_what_they_claim() {
        let mixed = mixed_ndjson(200_000);
        let c = floor(&mixed);
        assert_eq!(c.errors, 0);
        assert!(mixed.len() >= 200_000 && c.records > 10 && c.strings > c.records);
        for kind in Adversarial::ALL {
            let a = adversarial_ndjson(kind, 100_000);
            let c = floor(&a);
            assert_eq!((c.errors, c.records), (0, a.len() / (a.len() / c.records)));
        }
    }
}
