//! JSON sources: a HAR streamed entry by entry, or one report kept up to the body limit.

use crate::ndjson::ndjson_lines;
use crate::{Error, ErrorKind, HarRead, HarSummary, Limits, Record, stream_har};
use std::io::Read;

/// What [`stream_json`] read.
#[derive(Debug)]
pub enum JsonSource {
    /// A HAR, whose records were handed on as they were read; with the reason when it broke
    /// off after some entries (those before the break were handed on).
    Har(HarSummary, Option<Error>),
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
    on_record: &mut dyn FnMut(Record) -> Result<(), Error>,
) -> Result<JsonSource, Error> {
    let mut kept = Kept {
        kept: Vec::new(),
        cap: limits.max_record_bytes,
        over: false,
        total: 0,
        limit: limits.max_input_bytes,
    };
    // Handed to serde_json by value: its byte-at-a-time reads then take std's fast path for a
    // `BufReader`, which a `&mut BufReader` does not get (a third of a HAR read's time).
    let mut tee = std::io::BufReader::with_capacity(
        64 << 10,
        StringCap {
            inner: Tee {
                inner: reader,
                kept: &mut kept,
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
        if tee.fill_buf()?.starts_with(b"\xef\xbb\xbf") {
            tee.consume(3);
        }
    }
    let read = stream_har(tee, endpoints, limits, on_record);
    let tee = kept;
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
        _ if tee.total > tee.limit => Err(Error::new(
            ErrorKind::Limit,
            format!(
                "input of more than {} bytes exceeds the input limit",
                tee.limit
            ),
        )),
        Err(_) if !tee.over && ndjson_lines(text).is_some() => {
            Ok(JsonSource::Ndjson(ndjson_lines(text).unwrap_or_default()))
        }
        // Not a HAR, or not JSON at all: one report, whose errors the engine explains.
        Ok(HarRead::NotHar) | Err(_) if !tee.over => Ok(JsonSource::Single(single())),
        Ok(HarRead::NotHar) => Err(Error::new(
            ErrorKind::Limit,
            format!(
                "a JSON report of more than {} bytes exceeds the body limit; it was not kept",
                tee.cap
            ),
        )),
        Err(e) if e.to_string().contains("trailing characters") => Err(Error::new(
            e.kind(),
            format!(
                "{e}: more than one JSON document, and over the body limit; if this is NDJSON, name it .ndjson"
            ),
        )),
        Err(e) => Err(e),
    }
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
                return Err(crate::Error::limit_io(format!(
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
struct Tee<'k, R> {
    inner: R,
    kept: &'k mut Kept,
}

/// What a [`Tee`] kept and counted, read once the stream is done.
struct Kept {
    kept: Vec<u8>,
    cap: usize,
    over: bool,
    total: u64,
    limit: u64,
}

impl<R: Read> Read for Tee<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let this = &mut *self.kept;
        this.total += n as u64;
        if this.total > this.limit {
            return Err(crate::Error::limit_io(format!(
                "input of more than {} bytes exceeds the input limit",
                this.limit
            )));
        }
        if !this.over {
            if this.kept.len() + n > this.cap {
                this.over = true;
                this.kept = Vec::new();
            } else {
                this.kept.extend_from_slice(&buf[..n]);
            }
        }
        Ok(n)
    }
}
