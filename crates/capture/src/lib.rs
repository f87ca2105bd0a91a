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
//!
//! Errors are one type, [`Error`], whose [`Error::kind`] tells a limit from broken input or
//! a failed read; its message never quotes the input.
//!
//! ```
//! use privaudit_capture::{ErrorKind, Format, Limits, read};
//!
//! let urls = b"https://telemetry.example.org/api/ping?users=3&lang=de\n";
//! let capture = read("urls.txt", urls, &["/api/ping"], &Limits::default()).unwrap();
//! assert_eq!(capture.format, Format::QueryLines);
//! let record = &capture.records[0];
//! assert_eq!(record.endpoint.as_deref(), Some("/api/ping"));
//! assert_eq!(record.body.as_deref().unwrap(), br#"{"users":"3","lang":"de"}"#);
//!
//! let empty = read("empty.txt", b"", &[], &Limits::default()).unwrap_err();
//! assert_eq!(empty.kind(), ErrorKind::Empty);
//! ```

mod error;
mod gzip;
mod har;
mod json;
mod ndjson;
mod query;
mod source;

pub use error::{Error, ErrorKind};
pub use gzip::Inflate;
pub use har::{HarRead, HarSummary, read_har, stream_har};
pub use json::{JsonSource, stream_json};
pub use ndjson::{NdjsonReader, is_ndjson};
pub use query::form_to_json;
use query::{endpoint_of, split_url};
pub use source::{Opened, open_source};
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
    pub body: Result<Vec<u8>, Error>,
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
) -> Result<Capture, Error> {
    if input.len() as u64 > limits.max_input_bytes {
        return Err(Error::new(
            ErrorKind::Limit,
            format!(
                "input of {} bytes exceeds the limit of {} bytes",
                input.len(),
                limits.max_input_bytes
            ),
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
        decoder.read_to_end(&mut out).map_err(|e| {
            let e = Error::from(e);
            Error::new(e.kind(), format!("gzip: {e}"))
        })?;
        if out.len() as u64 > cap {
            return Err(Error::new(
                ErrorKind::Limit,
                if cap < limits.max_decompressed_bytes {
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
                },
            ));
        }
        (out, true)
    } else {
        (input.to_vec(), false)
    };
    let mut capture = detect(name, &data, endpoints, limits)?;
    capture.gzip = gzip;
    Ok(capture)
}

fn detect(name: &str, data: &[u8], endpoints: &[&str], limits: &Limits) -> Result<Capture, Error> {
    let text = std::str::from_utf8(data)
        .map_err(|e| Error::new(ErrorKind::NotACapture, format!("not UTF-8 text: {e}")))?;
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
            let records = ndjson::line_records(lines.iter().map(|(n, l)| (*n, l.as_bytes())));
            return Ok(capture(Format::Ndjson, records));
        }
        return Ok(single(Format::Json, first_line, trimmed.as_bytes()));
    }
    let Some(&(first, only)) = lines.first() else {
        return Err(Error::new(ErrorKind::Empty, "empty input"));
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
                Err(Error::new(ErrorKind::Empty, "the URL has no query string"))
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
        let e = batch[0].body.as_ref().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Limit);
        assert!(e.to_string().contains("16 bytes"), "{e}");
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
        let e = read("x.json.gz", &gz, EP, &limits).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Limit);
        assert!(e.to_string().contains("limit"), "{e}");
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
