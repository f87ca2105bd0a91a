//! HAR 1.2 captures, read entry by entry: only the entry being read is held, whatever the
//! size of the capture, and everything but the request's URL and body (responses, timings,
//! headers) is skipped without being kept.

use crate::{Error, ErrorKind, Limits, Record, endpoint_of, form_to_json, split_url};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::io::Read;

/// How a HAR read ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HarSummary {
    /// Entries in `log.entries`.
    pub entries: usize,
    /// Entries that go to no known endpoint.
    pub skipped: usize,
}

/// One entry, read leniently as the old whole-document reader did: an entry, request, URL or
/// body of an unexpected type counts as missing, never as an error for the whole capture.
/// Only `request` is kept (as a value: its headers and body are what is read); the response,
/// usually the larger half, is skipped unkept.
#[derive(Default)]
struct Entry {
    request: serde_json::Value,
}

impl<'de> Deserialize<'de> for Entry {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Entry, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entry;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a HAR entry")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entry, A::Error> {
                let mut entry = Entry::default();
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    if key == "request" {
                        entry.request = map.next_value()?;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(entry)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Entry, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Entry::default())
            }
            fn visit_bool<E>(self, _: bool) -> Result<Entry, E> {
                Ok(Entry::default())
            }
            fn visit_i64<E>(self, _: i64) -> Result<Entry, E> {
                Ok(Entry::default())
            }
            fn visit_u64<E>(self, _: u64) -> Result<Entry, E> {
                Ok(Entry::default())
            }
            fn visit_f64<E>(self, _: f64) -> Result<Entry, E> {
                Ok(Entry::default())
            }
            fn visit_str<E>(self, _: &str) -> Result<Entry, E> {
                Ok(Entry::default())
            }
            fn visit_unit<E>(self) -> Result<Entry, E> {
                Ok(Entry::default())
            }
        }
        d.deserialize_any(V)
    }
}

/// What the reader tracks while the document streams past.
struct State<'a> {
    endpoints: &'a [&'a str],
    limits: Limits,
    on_record: &'a mut dyn FnMut(Record) -> Result<(), Error>,
    summary: HarSummary,
    /// `log.entries` was seen: the document is a HAR.
    is_har: bool,
    /// Why the caller stopped the read.
    stopped: Option<Error>,
}

impl State<'_> {
    fn entry(&mut self, entry: Entry) -> Result<(), Error> {
        let index = self.summary.entries;
        self.summary.entries += 1;
        let request = &entry.request;
        let url = request["url"].as_str().unwrap_or("");
        let (path, query) = split_url(url);
        let Some(endpoint) = path.and_then(|p| endpoint_of(p, self.endpoints)) else {
            self.summary.skipped += 1;
            return Ok(());
        };
        let post = &request["postData"];
        let body = match post["text"].as_str() {
            Some(text) if !text.is_empty() => {
                let bytes = if post["encoding"].as_str() == Some("base64") {
                    decode_body(text, &self.limits)
                } else {
                    Ok(text.as_bytes().to_vec())
                };
                let form = post["mimeType"]
                    .as_str()
                    .unwrap_or_default()
                    .to_ascii_lowercase()
                    .contains("x-www-form-urlencoded");
                bytes.map(|b| if form { form_to_json(&b) } else { b })
            }
            _ if !query.is_empty() => Ok(form_to_json(query.as_bytes())),
            _ => Err(Error::new(
                ErrorKind::Empty,
                "the request has neither a body nor a query string",
            )),
        };
        (self.on_record)(Record {
            index,
            line: None,
            endpoint: Some(endpoint.to_string()),
            body,
        })
    }
}

/// A base64 body (HAR tools mark binary request bodies so), inflated when it is gzip, within
/// the gzip limits and the body limit.
fn decode_body(text: &str, limits: &Limits) -> Result<Vec<u8>, Error> {
    let max_body = limits.max_record_bytes;
    use base64::Engine;
    let cleaned: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    let url_safe = base64::engine::GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    let bytes = engine
        .decode(&cleaned)
        .or_else(|_| url_safe.decode(&cleaned))
        .map_err(|e| {
            Error::new(
                ErrorKind::Encoding,
                format!("the HAR body is marked base64 but is not: {e}"),
            )
        })?;
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        if bytes.len() > max_body {
            return Err(Error::new(
                ErrorKind::Limit,
                format!(
                    "the HAR body of {} bytes exceeds the body limit of {max_body} bytes",
                    bytes.len()
                ),
            ));
        }
        return Ok(bytes);
    }
    let mut out = Vec::new();
    let inflate = crate::Inflate::new(&bytes[..], *limits);
    // One byte past the body limit tells that it was passed.
    inflate
        .take(max_body as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| {
            let e = Error::from(e);
            Error::new(e.kind(), format!("the HAR body is gzip: {e}"))
        })?;
    if out.len() > max_body {
        return Err(Error::new(
            ErrorKind::Limit,
            format!("the HAR body inflates beyond the body limit of {max_body} bytes"),
        ));
    }
    Ok(out)
}

/// The walk down to `log.entries`: `rest` is the path of member names still to follow.
/// Anything off that path, or of another shape, is passed over (the document is then
/// not a HAR, which `State::is_har` tells).
struct Path<'s, 'a> {
    rest: &'static [&'static str],
    state: &'s mut State<'a>,
}

impl<'de> DeserializeSeed<'de> for Path<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Path<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a HAR document")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Some((name, rest)) = self.rest.split_first() else {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(());
        };
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == *name {
                map.next_value_seed(Path {
                    rest,
                    state: &mut *self.state,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if !self.rest.is_empty() {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(());
        }
        self.state.is_har = true;
        while let Some(entry) = seq.next_element::<Entry>()? {
            if let Err(stop) = self.state.entry(entry) {
                self.state.stopped = Some(stop);
                return Err(de::Error::custom("stopped"));
            }
        }
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

/// What a streamed document turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HarRead {
    /// A HAR: its entries were handed on as records.
    Har(HarSummary),
    /// Well-formed JSON without `log.entries`: not a HAR, and no record was handed on.
    NotHar,
    /// A HAR that broke off (truncated, or not JSON past some point): the entries before
    /// the break were handed on; the message says where it broke.
    Broken(HarSummary, Error),
}

/// Reads a HAR from `reader` entry by entry, handing each entry that goes to one of
/// `endpoints` to `on_record` as soon as it is read; a base64 body is decoded, and inflated
/// when it is gzip (within the gzip limits and [`Limits::max_record_bytes`]). An error from `on_record` stops the read
/// and is returned as it is; a syntax error names its line and column.
pub fn stream_har<R: Read>(
    reader: R,
    endpoints: &[&str],
    limits: &Limits,
    on_record: &mut dyn FnMut(Record) -> Result<(), Error>,
) -> Result<HarRead, Error> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    run(&mut de, endpoints, limits, on_record)
}

/// [`stream_har`] over bytes held in memory.
pub fn read_har(
    input: &[u8],
    endpoints: &[&str],
    limits: &Limits,
    on_record: &mut dyn FnMut(Record) -> Result<(), Error>,
) -> Result<HarRead, Error> {
    let mut de = serde_json::Deserializer::from_slice(input);
    run(&mut de, endpoints, limits, on_record)
}

fn run<'de, R: serde_json::de::Read<'de>>(
    de: &mut serde_json::Deserializer<R>,
    endpoints: &[&str],
    limits: &Limits,
    on_record: &mut dyn FnMut(Record) -> Result<(), Error>,
) -> Result<HarRead, Error> {
    let mut state = State {
        endpoints,
        limits: *limits,
        on_record,
        summary: HarSummary {
            entries: 0,
            skipped: 0,
        },
        is_har: false,
        stopped: None,
    };
    let parsed = Path {
        rest: &["log", "entries"],
        state: &mut state,
    }
    .deserialize(&mut *de)
    .and_then(|()| de.end());
    if let Some(stop) = state.stopped {
        return Err(stop);
    }
    let error = match parsed {
        Ok(()) if state.is_har => return Ok(HarRead::Har(state.summary)),
        Ok(()) => return Ok(HarRead::NotHar),
        // A read error (a limit, a broken gzip stream) says what it is.
        Err(e) if e.is_io() => Error::from(std::io::Error::from(e)),
        // Syntax errors name what was expected, never what was found; anything else could
        // quote the input, so only its position is given.
        Err(e) if e.is_syntax() || e.is_eof() => Error::new(
            ErrorKind::Syntax,
            format!(
                "not valid JSON: {} at line {}, column {}",
                strip_position(&e.to_string()),
                e.line(),
                e.column()
            ),
        ),
        Err(e) => Error::new(
            ErrorKind::Syntax,
            format!(
                "not a HAR capture this reader understands at line {}, column {}",
                e.line(),
                e.column()
            ),
        ),
    };
    if state.is_har {
        Ok(HarRead::Broken(state.summary, error))
    } else {
        Err(error)
    }
}

/// serde_json's message without the position it appends (the caller gives it once).
fn strip_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |i| &message[..i])
}

#[cfg(test)]
mod tests {
    use super::*;

    const EP: &[&str] = &["/api/telemetry/introvox"];

    fn collect(input: &[u8]) -> (Result<HarRead, Error>, Vec<Record>) {
        let mut records = Vec::new();
        let r = stream_har(input, EP, &Limits::default(), &mut |r| {
            records.push(r);
            Ok(())
        });
        (r, records)
    }

    #[test]
    fn base64_gzip_bodies_are_inflated() {
        use base64::Engine;
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(br#"{"totalUsers":3}"#).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(enc.finish().unwrap());
        let har = format!(
            r#"{{"log":{{"entries":[{{"request":{{"url":"https://x.example/api/telemetry/introvox","postData":{{"mimeType":"application/json","encoding":"base64","text":"{b64}"}}}},"response":{{"content":{{"text":"ignored"}}}}}}]}}}}"#
        );
        let (r, records) = collect(har.as_bytes());
        assert_eq!(
            r.unwrap(),
            HarRead::Har(HarSummary {
                entries: 1,
                skipped: 0
            })
        );
        assert_eq!(records[0].body.as_deref().unwrap(), br#"{"totalUsers":3}"#);
    }

    #[test]
    fn other_documents_and_errors() {
        assert_eq!(
            collect(br#"{"totalUsers":3,"log":{"a":1}}"#).0,
            Ok(HarRead::NotHar)
        );
        assert_eq!(collect(b"[1,2]").0, Ok(HarRead::NotHar));
        // Broken inside the entries: a HAR that broke off, with where.
        match collect(b"{\"log\":{\"entries\":[{\"request\":\n{]}}").0 {
            Ok(HarRead::Broken(_, e)) => {
                assert_eq!(e.kind(), ErrorKind::Syntax);
                assert!(e.to_string().contains("line 2"), "{e}");
            }
            other => panic!("{other:?}"),
        }
        // Broken before: not JSON, said where.
        let e = collect(b"{\"log\": tru").0.unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
        // Entries of the wrong shape are skipped, not fatal.
        let (r, records) = collect(
            br#"{"log":{"entries":[null,{"request":null},{"request":{"url":5}},"x",{"request":{"url":"/api/telemetry/introvox?a=1","postData":{"text":7}}}]}}"#,
        );
        assert_eq!(
            r.unwrap(),
            HarRead::Har(HarSummary {
                entries: 5,
                skipped: 4
            })
        );
        assert_eq!(records[0].index, 4);
        let mut n = 0;
        let stopped = stream_har(
            &br#"{"log":{"entries":[{"request":{"url":"/api/telemetry/introvox?a=1"}},{"request":{"url":"/api/telemetry/introvox?a=2"}}]}}"#[..],
            EP,
            &Limits::default(),
            &mut |_| {
                n += 1;
                Err(Error::new(ErrorKind::Stopped, "enough"))
            },
        );
        assert_eq!(
            (stopped, n),
            (Err(Error::new(ErrorKind::Stopped, "enough")), 1)
        );
    }
}
