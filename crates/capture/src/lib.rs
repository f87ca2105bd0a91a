//! Reads captured telemetry into records: one JSON body per report, with where it came from.
//!
//! # Brief overview
//!
//! A capture is detected by content, with the file name as a hint: gzip (by its magic bytes,
//! decompressed up to [`Limits::max_decompressed_bytes`]); a HAR 1.2 capture (`log.entries`);
//! one JSON report; NDJSON (one report per non-blank line); a list of URLs or query strings
//! (one per line); or a form body. Query strings and form bodies become a flat JSON object of
//! decoded parameters, duplicates kept, so the engine sees every copy.
//!
//! In a HAR, an entry is audited when its request path ends in a known endpoint (hosts are
//! configurable, paths are not); other entries are skipped and counted. Entries keep their
//! index in `log.entries` as the record number.
//!
//! Large inputs need not be held whole: [`NdjsonReader`] streams NDJSON in batches, and
//! [`Inflate`] inflates gzip as it is read, within the size and ratio limits; [`is_ndjson`]
//! tells from a prefix whether a source can be streamed.
//!
//! This crate knows capture formats only: nothing of products' schemas, policies, detectors or
//! output formats. Endpoints are passed in by the caller.

mod har;

pub use har::{HarRead, HarSummary, read_har, stream_har};
use std::io::Read;

/// Input limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest input read, compressed or not (default 256 MiB).
    pub max_input_bytes: u64,
    /// Largest size a gzip input may inflate to (default 256 MiB): a bound against
    /// decompression bombs.
    pub max_decompressed_bytes: u64,
    /// Largest inflation ratio of a gzip input once it passes 1 MiB (default 200:1; telemetry
    /// compresses about 10:1, a bomb about 1000:1).
    pub max_gzip_ratio: u64,
    /// Largest record body (default 4 MiB): an NDJSON line, a single JSON report or a HAR
    /// body past it is refused without being kept (the rest of it is read past); a string
    /// in a JSON source may be at most twice as long.
    pub max_record_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_input_bytes: 256 << 20,
            max_decompressed_bytes: 256 << 20,
            max_gzip_ratio: 200,
            max_record_bytes: 4 << 20,
        }
    }
}

/// The format a capture was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON report.
    Json,
    /// One JSON report per non-blank line.
    Ndjson,
    /// A HAR capture.
    Har,
    /// URLs or query strings, one per line.
    QueryLines,
    /// One form body.
    Form,
}

impl Format {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Ndjson => "ndjson",
            Format::Har => "har",
            Format::QueryLines => "query",
            Format::Form => "form",
        }
    }
}

/// One report found in a capture.
#[derive(Debug, Clone)]
pub struct Record {
    /// 0-based index in its source: NDJSON record, HAR entry, URL-list line.
    pub index: usize,
    /// 1-based line in the (decompressed) source where the record starts, when it has one.
    pub line: Option<usize>,
    /// The endpoint the record was sent to, when the capture says (HAR, URL lists).
    pub endpoint: Option<String>,
    /// The report as JSON bytes.
    pub body: Result<Vec<u8>, String>,
}

/// A capture read into records.
#[derive(Debug, Clone)]
pub struct Capture {
    /// Format detected.
    pub format: Format,
    /// Whether the input was gzip-compressed.
    pub gzip: bool,
    /// Records to audit.
    pub records: Vec<Record>,
    /// HAR entries (or lines) that go to no known endpoint.
    pub skipped: usize,
}

/// Reads `input` (its name is a hint only); `endpoints` are the request paths of known
/// report kinds.
pub fn read(
    name: &str,
    input: &[u8],
    endpoints: &[&str],
    limits: &Limits,
) -> Result<Capture, String> {
    if input.len() as u64 > limits.max_input_bytes {
        return Err(format!(
            "input of {} bytes exceeds the limit of {} bytes",
            input.len(),
            limits.max_input_bytes
        ));
    }
    let (data, gzip) = if input.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        // Inflated in steps, so a bomb is stopped at the ratio, not at the size limit.
        let ratio_cap = (input.len() as u64)
            .saturating_mul(limits.max_gzip_ratio)
            .max(1 << 20);
        let cap = limits.max_decompressed_bytes.min(ratio_cap);
        let mut decoder = flate2::read::MultiGzDecoder::new(input).take(cap.saturating_add(1));
        decoder
            .read_to_end(&mut out)
            .map_err(|e| format!("gzip: {e}"))?;
        if out.len() as u64 > cap {
            return Err(if cap < limits.max_decompressed_bytes {
                format!(
                    "gzip input of {} bytes inflates more than {}:1, over the ratio limit (a decompression bomb?)",
                    input.len(),
                    limits.max_gzip_ratio
                )
            } else {
                format!(
                    "gzip input inflates beyond the limit of {} bytes",
                    limits.max_decompressed_bytes
                )
            });
        }
        (out, true)
    } else {
        (input.to_vec(), false)
    };
    let mut capture = detect(name, &data, endpoints, limits)?;
    capture.gzip = gzip;
    Ok(capture)
}

fn detect(name: &str, data: &[u8], endpoints: &[&str], limits: &Limits) -> Result<Capture, String> {
    let text = std::str::from_utf8(data).map_err(|e| format!("not UTF-8 text: {e}"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let trimmed = text.trim();
    let lower = name.to_ascii_lowercase();
    let capture = |format, records| Capture {
        format,
        gzip: false,
        records,
        skipped: 0,
    };
    // Non-blank lines with their 1-based numbers.
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, l.trim()))
        .collect();
    let single = |format, line: Option<usize>, body: &[u8]| {
        capture(
            format,
            vec![Record {
                index: 0,
                line,
                endpoint: None,
                body: Ok(body.to_vec()),
            }],
        )
    };
    let first_line = lines.first().map(|(n, _)| *n);
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        let hinted_ndjson = [".ndjson", ".jsonl"]
            .iter()
            .any(|e| lower.ends_with(e) || lower.contains(&format!("{e}.")));
        if !hinted_ndjson {
            // Told apart without building the document: a HAR's entries are read one by one.
            let mut records = Vec::new();
            match read_har(trimmed.as_bytes(), endpoints, limits, &mut |r| {
                records.push(r);
                Ok(())
            }) {
                Ok(HarRead::Har(summary)) => {
                    return Ok(Capture {
                        format: Format::Har,
                        gzip: false,
                        records,
                        skipped: summary.skipped,
                    });
                }
                Ok(HarRead::NotHar) => {
                    return Ok(single(Format::Json, first_line, trimmed.as_bytes()));
                }
                Ok(HarRead::Broken(_, message)) => return Err(message),
                Err(_) => {}
            }
        }
        // NDJSON, or one JSON document that does not parse (reported as one bad record).
        if hinted_ndjson || lines.len() > 1 && lines.iter().all(|(_, l)| l.starts_with('{')) {
            let records = lines
                .iter()
                .enumerate()
                .map(|(index, (n, l))| Record {
                    index,
                    line: Some(*n),
                    endpoint: None,
                    body: Ok(l.as_bytes().to_vec()),
                })
                .collect();
            return Ok(capture(Format::Ndjson, records));
        }
        return Ok(single(Format::Json, first_line, trimmed.as_bytes()));
    }
    let Some(&(first, only)) = lines.first() else {
        return Err("empty input".into());
    };
    let looks_like_url = |l: &str| l.contains("://") || l.starts_with('/') || l.contains('?');
    if lines.len() == 1 && !looks_like_url(only) && only.contains('=') {
        return Ok(single(
            Format::Form,
            Some(first),
            &form_to_json(only.as_bytes()),
        ));
    }
    let records = lines
        .iter()
        .enumerate()
        .map(|(index, (n, l))| {
            let (path, query) = split_url(l);
            let endpoint = path
                .and_then(|p| endpoint_of(p, endpoints))
                .map(str::to_string);
            let body = if query.is_empty() && path.is_some() {
                Err("the URL has no query string".to_string())
            } else {
                Ok(form_to_json(query.as_bytes()))
            };
            Record {
                index,
                line: Some(*n),
                endpoint,
                body,
            }
        })
        .collect();
    Ok(capture(Format::QueryLines, records))
}

/// A reader that counts the bytes it passes on.
struct Counted<R> {
    inner: R,
    count: u64,
}

impl<R: std::io::BufRead> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

impl<R: std::io::BufRead> std::io::BufRead for Counted<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        self.count += amt as u64;
        self.inner.consume(amt);
    }
}

/// Inflates a gzip stream as it is read, within [`Limits::max_decompressed_bytes`] and
/// [`Limits::max_gzip_ratio`]: reading past either is an error that names the limit, so a
/// bomb costs no more memory than the reader's buffer.
pub struct Inflate<R: std::io::BufRead> {
    inner: flate2::bufread::MultiGzDecoder<Counted<R>>,
    out: u64,
    limits: Limits,
}

impl<R: std::io::BufRead> Inflate<R> {
    /// Inflates `reader` (which starts with the gzip magic bytes).
    pub fn new(reader: R, limits: Limits) -> Self {
        Inflate {
            inner: flate2::bufread::MultiGzDecoder::new(Counted {
                inner: reader,
                count: 0,
            }),
            out: 0,
            limits,
        }
    }
}

impl<R: std::io::BufRead> Read for Inflate<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.out += n as u64;
        let compressed = self.inner.get_ref().count.max(1);
        if self.out > self.limits.max_decompressed_bytes {
            return Err(std::io::Error::other(format!(
                "gzip input inflates beyond the limit of {} bytes",
                self.limits.max_decompressed_bytes
            )));
        }
        if self.out > 1 << 20 && self.out / compressed > self.limits.max_gzip_ratio {
            return Err(std::io::Error::other(format!(
                "gzip input inflates more than {}:1, over the ratio limit (a decompression bomb?)",
                self.limits.max_gzip_ratio
            )));
        }
        Ok(n)
    }
}

/// Whether a stream that starts with `prefix` can be read as NDJSON record by record
/// ([`NdjsonReader`]) instead of whole: the name says NDJSON, or the first two non-blank
/// lines are each a JSON object (or shaped as one, `{` … `}` on one line). Anything else (one pretty-printed report, a HAR)
/// is read whole with [`read`].
pub fn is_ndjson(name: &str, prefix: &[u8]) -> bool {
    let lower = name.to_ascii_lowercase();
    let lower = lower.strip_suffix(".gz").unwrap_or(&lower);
    if lower.ends_with(".ndjson") || lower.ends_with(".jsonl") {
        return true;
    }
    let prefix = prefix.strip_prefix(b"\xef\xbb\xbf").unwrap_or(prefix);
    let mut lines = prefix
        .split(|&b| b == b'\n')
        .filter(|l| !l.trim_ascii().is_empty());
    // A line that is a whole object, or shaped as one (a broken record among good ones is
    // that record's error, not the file's); a pretty-printed report's first line is `{`.
    let object = |l: Option<&[u8]>| {
        l.is_some_and(|l| {
            let l = l.trim_ascii();
            l.len() >= 2
                && l.starts_with(b"{")
                && (l.ends_with(b"}") || serde_json::from_slice::<serde::de::IgnoredAny>(l).is_ok())
        })
    };
    object(lines.next()) && object(lines.next())
}

/// What [`stream_json`] read.
#[derive(Debug)]
pub enum JsonSource {
    /// A HAR, whose records were handed on as they were read; with the reason when it broke
    /// off after some entries (those before the break were handed on).
    Har(HarSummary, Option<String>),
    /// One JSON report (or a document that does not parse, for the engine to report with its
    /// position), at most [`Limits::max_record_bytes`] long.
    Single(Record),
    /// Lines that each start with `{` but do not make one document: NDJSON after all (its
    /// first lines were too long, or broken, for [`is_ndjson`] to tell).
    Ndjson(Vec<Record>),
}

/// Reads a source that starts with `{` or `[`: a HAR streams its entries to `on_record`;
/// anything else is one report. Memory stays near [`Limits::max_record_bytes`] whatever the
/// size of the source: a report is kept only up to that limit (past it, the rest is read
/// but not kept, then refused), no JSON string or member name may pass twice that limit
/// (serde_json holds each one whole while reading it), and the whole source is refused
/// past [`Limits::max_input_bytes`].
pub fn stream_json<R: Read>(
    reader: R,
    endpoints: &[&str],
    limits: &Limits,
    on_record: &mut dyn FnMut(Record) -> Result<(), String>,
) -> Result<JsonSource, String> {
    let mut tee = std::io::BufReader::with_capacity(
        64 << 10,
        StringCap {
            inner: Tee {
                inner: reader,
                kept: Vec::new(),
                cap: limits.max_record_bytes,
                over: false,
                total: 0,
                limit: limits.max_input_bytes,
            },
            max: limits
                .max_record_bytes
                .saturating_mul(2)
                .saturating_add(1 << 10),
            in_string: false,
            escaped: false,
            len: 0,
        },
    );
    // serde_json refuses a byte-order mark; the kept copy still has it, and `single` drops it.
    {
        use std::io::BufRead;
        if tee
            .fill_buf()
            .map_err(|e| e.to_string())?
            .starts_with(b"\xef\xbb\xbf")
        {
            tee.consume(3);
        }
    }
    let read = stream_har(&mut tee, endpoints, limits, on_record);
    let tee = tee.into_inner().inner;
    let text = tee.kept.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&tee.kept);
    let single = || {
        let lead = text.len() - text.trim_ascii_start().len();
        let line = 1 + text[..lead].iter().filter(|&&b| b == b'\n').count();
        Record {
            index: 0,
            line: Some(line),
            endpoint: None,
            body: Ok(text.trim_ascii().to_vec()),
        }
    };
    match read {
        Ok(HarRead::Har(summary)) => Ok(JsonSource::Har(summary, None)),
        Ok(HarRead::Broken(summary, message)) => Ok(JsonSource::Har(summary, Some(message))),
        _ if tee.total > tee.limit => Err(format!(
            "input of more than {} bytes exceeds the input limit",
            tee.limit
        )),
        Err(_) if !tee.over && ndjson_lines(text).is_some() => {
            Ok(JsonSource::Ndjson(ndjson_lines(text).unwrap_or_default()))
        }
        // Not a HAR, or not JSON at all: one report, whose errors the engine explains.
        Ok(HarRead::NotHar) | Err(_) if !tee.over => Ok(JsonSource::Single(single())),
        Ok(HarRead::NotHar) => Err(format!(
            "a JSON report of more than {} bytes exceeds the body limit; it was not kept",
            tee.cap
        )),
        Err(e) if e.contains("trailing characters") => Err(format!(
            "{e}: more than one JSON document, and over the body limit; if this is NDJSON, name it .ndjson"
        )),
        Err(e) => Err(e),
    }
}

/// Two or more non-blank lines that each start with `{`, as NDJSON records; `None` otherwise.
fn ndjson_lines(text: &[u8]) -> Option<Vec<Record>> {
    let lines: Vec<(usize, &[u8])> = text
        .split(|&b| b == b'\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_ascii()))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    (lines.len() > 1 && lines.iter().all(|(_, l)| l.starts_with(b"{"))).then(|| {
        lines
            .iter()
            .enumerate()
            .map(|(index, (n, l))| Record {
                index,
                line: Some(*n),
                endpoint: None,
                body: Ok(l.to_vec()),
            })
            .collect()
    })
}

/// Refuses a JSON string (a value or a member name) longer than `max` bytes as written, so
/// that serde_json, which holds each string whole while it reads it, cannot be made to hold
/// one of any size.
struct StringCap<R> {
    inner: R,
    max: usize,
    in_string: bool,
    escaped: bool,
    len: usize,
}

impl<R: Read> Read for StringCap<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut rest = &buf[..n];
        while !rest.is_empty() {
            if !self.in_string {
                match memchr::memchr(b'"', rest) {
                    Some(i) => {
                        self.in_string = true;
                        self.len = 0;
                        rest = &rest[i + 1..];
                    }
                    None => break,
                }
                continue;
            }
            if self.escaped {
                self.escaped = false;
                self.len += 1;
                rest = &rest[1..];
                continue;
            }
            match memchr::memchr2(b'"', b'\\', rest) {
                Some(i) => {
                    self.len += i;
                    if rest[i] == b'"' {
                        self.in_string = false;
                    } else {
                        self.escaped = true;
                        self.len += 1;
                    }
                    rest = &rest[i + 1..];
                }
                None => {
                    self.len += rest.len();
                    rest = &[];
                }
            }
            if self.len > self.max {
                return Err(std::io::Error::other(format!(
                    "a string of more than {} bytes (twice the body limit) in a JSON source",
                    self.max
                )));
            }
        }
        Ok(n)
    }
}

/// Passes a source on while keeping its first `cap` bytes (for a report that turns out not
/// to be a HAR), and refuses to read past `limit`.
struct Tee<R> {
    inner: R,
    kept: Vec<u8>,
    cap: usize,
    over: bool,
    total: u64,
    limit: u64,
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.total += n as u64;
        if self.total > self.limit {
            return Err(std::io::Error::other(format!(
                "input of more than {} bytes exceeds the input limit",
                self.limit
            )));
        }
        if !self.over {
            if self.kept.len() + n > self.cap {
                self.over = true;
                self.kept = Vec::new();
            } else {
                self.kept.extend_from_slice(&buf[..n]);
            }
        }
        Ok(n)
    }
}

/// Reads NDJSON from a stream in batches: memory holds one batch, never the whole input.
/// A line longer than the record limit becomes an error record and is skipped unread.
pub struct NdjsonReader<R> {
    reader: R,
    index: usize,
    line: usize,
    max_record: usize,
    max_skip: u64,
}

impl<R: std::io::BufRead> NdjsonReader<R> {
    /// A reader whose records may be at most `max_record` bytes long.
    pub fn new(reader: R, max_record: usize) -> Self {
        NdjsonReader {
            reader,
            index: 0,
            line: 0,
            max_record,
            max_skip: 256 << 20,
        }
    }

    /// How far an over-long line is read past (default 256 MiB): a stream with no line end
    /// (`/dev/zero` named `.ndjson`) is an error there, not an endless read.
    pub fn max_skip(mut self, bytes: u64) -> Self {
        self.max_skip = bytes;
        self
    }

    /// Appends up to `max_records` records, or fewer once `max_bytes` of bodies are read;
    /// returns false at the end of the input.
    pub fn next_batch(
        &mut self,
        out: &mut Vec<Record>,
        max_records: usize,
        max_bytes: usize,
    ) -> std::io::Result<bool> {
        let mut bytes = 0;
        while out.len() < max_records && bytes < max_bytes {
            let mut buf = Vec::new();
            let (read, over) = self.read_line(&mut buf)?;
            if read == 0 {
                return Ok(false);
            }
            self.line += 1;
            if self.line == 1 && buf.starts_with(b"\xef\xbb\xbf") {
                buf.drain(..3);
            }
            let body = if over {
                Err(format!(
                    "record of more than {} bytes exceeds the record limit",
                    self.max_record
                ))
            } else {
                // Trimmed in place: CRLF and indented lines cost no copy.
                buf.truncate(buf.trim_ascii_end().len());
                let lead = buf.len() - buf.trim_ascii_start().len();
                buf.drain(..lead);
                if buf.is_empty() {
                    continue;
                }
                Ok(buf)
            };
            bytes += body.as_ref().map_or(0, Vec::len);
            out.push(Record {
                index: self.index,
                line: Some(self.line),
                endpoint: None,
                body,
            });
            self.index += 1;
        }
        Ok(true)
    }

    /// Reads one line into `buf` (without its `\n`), keeping at most `max_record` bytes;
    /// returns the bytes consumed and whether the line was longer.
    fn read_line(&mut self, buf: &mut Vec<u8>) -> std::io::Result<(usize, bool)> {
        let mut consumed = 0;
        let mut over = false;
        loop {
            let chunk = match self.reader.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                return Ok((consumed, over));
            }
            let (take, done) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (i, true),
                None => (chunk.len(), false),
            };
            if !over && buf.len() + take <= self.max_record {
                buf.extend_from_slice(&chunk[..take]);
            } else if !over {
                over = true;
                buf.clear();
            }
            let used = take + usize::from(done);
            self.reader.consume(used);
            consumed += used;
            if over && consumed as u64 > self.max_skip {
                return Err(std::io::Error::other(format!(
                    "a line of more than {} bytes has no end; the rest was not read",
                    self.max_skip
                )));
            }
            if done {
                return Ok((consumed, over));
            }
        }
    }
}

/// Splits a URL, a path with a query, or a bare query string into (path, query).
fn split_url(l: &str) -> (Option<&str>, &str) {
    let l = l.split('#').next().unwrap_or(l);
    match l.split_once('?') {
        Some((before, query)) => {
            let path = match before.find("://") {
                Some(i) => before[i + 3..]
                    .find('/')
                    .map_or("/", |j| &before[i + 3 + j..]),
                None => before,
            };
            (Some(path), query)
        }
        None if l.contains("://") || l.starts_with('/') => (Some(l), ""),
        None => (None, l),
    }
}

/// The known endpoint a request path ends in.
fn endpoint_of<'a>(path: &str, endpoints: &[&'a str]) -> Option<&'a str> {
    let path = path.trim_end_matches('/');
    endpoints
        .iter()
        .copied()
        .filter(|e| path.ends_with(e.trim_end_matches('/')))
        .max_by_key(|e| e.len())
}

/// Decoded `application/x-www-form-urlencoded` pairs as a JSON object, duplicates kept (the
/// engine reports them).
pub fn form_to_json(query: &[u8]) -> Vec<u8> {
    let mut out = String::from("{");
    for (i, (k, v)) in form_urlencoded::parse(query).enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&serde_json::Value::from(k.as_ref()).to_string());
        out.push(':');
        out.push_str(&serde_json::Value::from(v.as_ref()).to_string());
    }
    out.push('}');
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ndjson_streams_in_batches_with_limits() {
        let input = b"\xef\xbb\xbf{\"a\":1}\r\n\n{\"b\":2}\n{\"c\":\"xxxxxxxxxxxxxxxxxxxxxxxx\"}\n{\"d\":4}";
        let mut r = NdjsonReader::new(std::io::BufReader::with_capacity(4, &input[..]), 16);
        let mut batch = Vec::new();
        assert!(r.next_batch(&mut batch, 2, usize::MAX).unwrap());
        assert_eq!(batch.len(), 2);
        assert_eq!(batch[0].body.as_deref().unwrap(), b"{\"a\":1}");
        assert_eq!((batch[1].index, batch[1].line), (1, Some(3)));
        batch.clear();
        assert!(!r.next_batch(&mut batch, 10, usize::MAX).unwrap());
        assert_eq!(batch.len(), 2);
        assert!(batch[0].body.as_ref().unwrap_err().contains("16 bytes"));
        assert_eq!((batch[1].index, batch[1].line), (3, Some(5)));
        assert_eq!(batch[1].body.as_deref().unwrap(), b"{\"d\":4}");
        assert!(is_ndjson("x.log", b"{\"a\":1}\n\n{\"b\":2}\n{\"c"));
        assert!(is_ndjson("x.jsonl.gz", b"{"));
        assert!(!is_ndjson("x.json", b"{\n  \"a\": 1\n}\n"));
        assert!(!is_ndjson("x.har", b"{\"log\":{\"entries\":[]}}"));
    }

    const EP: &[&str] = &["/api/telemetry/introvox", "/security", "/v1/batch"];

    #[test]
    fn query_strings_become_objects_with_duplicates_kept() {
        let c = read(
            "x.txt",
            b"https://h.example/security?id=a%2Fb&v=1+2&id=c\n\n/security?uc=3\n",
            EP,
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(c.format, Format::QueryLines);
        assert_eq!(c.records.len(), 2);
        assert_eq!(
            String::from_utf8(c.records[0].body.clone().unwrap()).unwrap(),
            r#"{"id":"a/b","v":"1 2","id":"c"}"#
        );
        assert_eq!(
            (c.records[1].line, c.records[1].endpoint.as_deref()),
            (Some(3), Some("/security"))
        );
    }

    #[test]
    fn ndjson_and_json_and_form() {
        let c = read(
            "a.ndjson",
            b"{\"a\":1}\n\n{\"b\":2}\n",
            EP,
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(
            (
                c.format,
                c.records.len(),
                c.records[1].index,
                c.records[1].line
            ),
            (Format::Ndjson, 2, 1, Some(3))
        );
        let c = read("a.json", b"{\n \"a\": 1\n}\n", EP, &Limits::default()).unwrap();
        assert_eq!((c.format, c.records.len()), (Format::Json, 1));
        let c = read("body", b"a=1&b=x%40y", EP, &Limits::default()).unwrap();
        assert_eq!(c.format, Format::Form);
        assert_eq!(
            c.records[0].body.as_deref().unwrap(),
            br#"{"a":"1","b":"x@y"}"#
        );
    }

    #[test]
    fn gzip_is_bounded() {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(&vec![b' '; 10_000]).unwrap();
        enc.write_all(b"{\"a\":1}").unwrap();
        let gz = enc.finish().unwrap();
        let ok = read("x.json.gz", &gz, EP, &Limits::default()).unwrap();
        assert!(ok.gzip);
        let limits = Limits {
            max_decompressed_bytes: 1000,
            ..Limits::default()
        };
        assert!(
            read("x.json.gz", &gz, EP, &limits)
                .unwrap_err()
                .contains("limit")
        );
    }

    #[test]
    fn har_entries_keep_their_index_and_unknown_ones_are_skipped() {
        let har = br#"{"log":{"version":"1.2","entries":[
            {"request":{"method":"GET","url":"https://cdn.example/app.js"}},
            {"request":{"method":"POST","url":"https://x.example/api/telemetry/introvox","postData":{"mimeType":"application/json","text":"{\"a\":1}"}}},
            {"request":{"method":"GET","url":"https://y.example/security?id=1&id=2"}}]}}"#;
        let c = read("c.har", har, EP, &Limits::default()).unwrap();
        assert_eq!((c.format, c.skipped), (Format::Har, 1));
        assert_eq!(
            c.records.iter().map(|r| r.index).collect::<Vec<_>>(),
            [1, 2]
        );
        assert_eq!(
            c.records[1].body.as_deref().unwrap(),
            br#"{"id":"1","id":"2"}"#
        );
    }
}
