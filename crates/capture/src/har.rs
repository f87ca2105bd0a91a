//! HAR 1.2 captures, read entry by entry: only the entry being read is held, whatever the
//! size of the capture, and everything but the request's URL and body (responses, timings,
//! headers) is skipped without being kept.

use crate::{Limits, Record, endpoint_of, form_to_json, split_url};
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

#[derive(Deserialize, Default)]
struct Entry {
    #[serde(default)]
    request: Request,
}

#[derive(Deserialize, Default)]
struct Request {
    #[serde(default)]
    url: Option<String>,
    #[serde(default, rename = "postData")]
    post: Option<PostData>,
}

#[derive(Deserialize)]
struct PostData {
    #[serde(default, rename = "mimeType")]
    mime: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    encoding: Option<String>,
}

/// What the reader tracks while the document streams past.
struct State<'a> {
    endpoints: &'a [&'a str],
    limits: Limits,
    on_record: &'a mut dyn FnMut(Record) -> Result<(), String>,
    summary: HarSummary,
    /// `log.entries` was seen: the document is a HAR.
    is_har: bool,
    /// Why the caller stopped the read.
    stopped: Option<String>,
}

impl State<'_> {
    fn entry(&mut self, index: usize, entry: Entry) -> Result<(), String> {
        self.summary.entries += 1;
        let request = entry.request;
        let url = request.url.as_deref().unwrap_or("");
        let (path, query) = split_url(url);
        let Some(endpoint) = path.and_then(|p| endpoint_of(p, self.endpoints)) else {
            self.summary.skipped += 1;
            return Ok(());
        };
        let body = match request.post {
            Some(PostData {
                text: Some(text),
                mime,
                encoding,
            }) if !text.is_empty() => {
                let bytes = if encoding.as_deref() == Some("base64") {
                    decode_body(&text, &self.limits)
                } else {
                    Ok(text.into_bytes())
                };
                let form = mime
                    .unwrap_or_default()
                    .to_ascii_lowercase()
                    .contains("x-www-form-urlencoded");
                bytes.map(|b| if form { form_to_json(&b) } else { b })
            }
            _ if !query.is_empty() => Ok(form_to_json(query.as_bytes())),
            _ => Err("the request has neither a body nor a query string".to_string()),
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
fn decode_body(text: &str, limits: &Limits) -> Result<Vec<u8>, String> {
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
        .map_err(|e| format!("the HAR body is marked base64 but is not: {e}"))?;
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(bytes);
    }
    let mut out = Vec::new();
    let inflate = crate::Inflate::new(&bytes[..], *limits);
    // One byte past the body limit tells that it was passed.
    inflate
        .take(max_body as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("the HAR body is gzip: {e}"))?;
    if out.len() > max_body {
        return Err(format!(
            "the HAR body inflates beyond the body limit of {max_body} bytes"
        ));
    }
    Ok(out)
}

struct Document<'s, 'a>(&'s mut State<'a>);
struct Log<'s, 'a>(&'s mut State<'a>);
struct Entries<'s, 'a>(&'s mut State<'a>);

impl<'de> DeserializeSeed<'de> for Document<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Document<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a HAR document")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "log" {
                map.next_value_seed(Log(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }
    // Any other JSON value is a document that is not a HAR.
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

impl<'de> DeserializeSeed<'de> for Log<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Log<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("the HAR `log` object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "entries" {
                map.next_value_seed(Entries(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
    // A `log` that is not an object: the document is not a HAR.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
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

impl<'de> DeserializeSeed<'de> for Entries<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Entries<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("the HAR `log.entries` list")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.0.is_har = true;
        let mut index = 0;
        while let Some(entry) = seq.next_element::<Entry>()? {
            if let Err(stop) = self.0.entry(index, entry) {
                self.0.stopped = Some(stop);
                return Err(de::Error::custom("stopped"));
            }
            index += 1;
        }
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
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
}

/// Reads a HAR from `reader` entry by entry, handing each entry that goes to one of
/// `endpoints` to `on_record` as soon as it is read; a base64 body is decoded, and inflated
/// when it is gzip (within the gzip limits and [`Limits::max_record_bytes`]). An error from `on_record` stops the read
/// and is returned as it is; a syntax error names its line and column.
pub fn stream_har<R: Read>(
    reader: R,
    endpoints: &[&str],
    limits: &Limits,
    on_record: &mut dyn FnMut(Record) -> Result<(), String>,
) -> Result<HarRead, String> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    run(&mut de, endpoints, limits, on_record)
}

/// [`stream_har`] over bytes held in memory.
pub fn read_har(
    input: &[u8],
    endpoints: &[&str],
    limits: &Limits,
    on_record: &mut dyn FnMut(Record) -> Result<(), String>,
) -> Result<HarRead, String> {
    let mut de = serde_json::Deserializer::from_slice(input);
    run(&mut de, endpoints, limits, on_record)
}

fn run<'de, R: serde_json::de::Read<'de>>(
    de: &mut serde_json::Deserializer<R>,
    endpoints: &[&str],
    limits: &Limits,
    on_record: &mut dyn FnMut(Record) -> Result<(), String>,
) -> Result<HarRead, String> {
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
    let parsed = Document(&mut state)
        .deserialize(&mut *de)
        .and_then(|()| de.end());
    if let Some(stop) = state.stopped {
        return Err(stop);
    }
    match parsed {
        // A read error (a limit, a broken gzip stream) says what it is.
        Err(e) if e.is_io() => Err(strip_position(&e.to_string()).to_string()),
        Err(e) => Err(format!(
            "not valid JSON: {} at line {}, column {}",
            strip_position(&e.to_string()),
            e.line(),
            e.column()
        )),
        Ok(()) if state.is_har => Ok(HarRead::Har(state.summary)),
        Ok(()) => Ok(HarRead::NotHar),
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

    fn collect(input: &[u8]) -> (Result<HarRead, String>, Vec<Record>) {
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
        let e = collect(b"{\"log\":{\"entries\":[{\"request\":\n{]}}")
            .0
            .unwrap_err();
        assert!(e.contains("line 2"), "{e}");
        let mut n = 0;
        let stopped = stream_har(
            &br#"{"log":{"entries":[{"request":{"url":"/api/telemetry/introvox?a=1"}},{"request":{"url":"/api/telemetry/introvox?a=2"}}]}}"#[..],
            EP,
            &Limits::default(),
            &mut |_| {
                n += 1;
                Err("enough".into())
            },
        );
        assert_eq!((stopped, n), (Err("enough".to_string()), 1));
    }
}
