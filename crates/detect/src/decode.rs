//! Decoded layers: the text a string carries under an encoding (percent-encoding, base64 and
//! base64url, gzip inside base64, `data:` URIs, the claims of a JWT), for the same detectors
//! to scan. A leak wrapped once or twice is still a leak, and its category is what the
//! decoded text holds, not "a random-looking token".
//!
//! Bounded: at most [`MAX_DEPTH`] layers deep, [`MAX_LAYERS`] layers per string, strings up
//! to [`MAX_INPUT`] bytes, and [`MAX_OUTPUT`] bytes per decoded layer (gzip is inflated no
//! further). A string with nothing that looks encoded costs one pass over its bytes.

use base64::Engine;
use std::io::Read;
use std::ops::Range;

/// How deep layers go (`%2540`: two percent layers; base64 of gzip of text: two).
pub const MAX_DEPTH: usize = 3;
/// How many layers one string yields at most.
pub const MAX_LAYERS: usize = 8;
/// Longer strings are not decoded.
pub const MAX_INPUT: usize = 256 << 10;
/// A decoded layer is cut off here.
pub const MAX_OUTPUT: usize = 64 << 10;
/// Base64 shorter than this (9 bytes) is left alone: short tokens decode to anything.
pub const MIN_BASE64: usize = 12;

/// An encoding a layer was unwrapped from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Encoding {
    /// `%40`, `%2540`.
    Percent,
    /// Standard or URL-safe base64, padded or not.
    Base64,
    /// gzip, inside base64.
    Gzip,
    /// The payload of a `data:` URI.
    DataUri,
    /// The claims (payload segment) of a JSON Web Token.
    JwtClaims,
}

impl Encoding {
    /// The stable name, as findings show it.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Percent => "percent",
            Encoding::Base64 => "base64",
            Encoding::Gzip => "gzip",
            Encoding::DataUri => "data-uri",
            Encoding::JwtClaims => "jwt-claims",
        }
    }
}

/// Text found under one or more encodings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    /// The encodings unwrapped, outermost first.
    pub encodings: Vec<Encoding>,
    /// Where in the original string the encoded part lies.
    pub span: Range<usize>,
    /// The decoded text.
    pub text: String,
}

/// Byte classes for [`may_be_encoded`]: upper-case, lower-case, other base64 characters.
const B64_UPPER: u8 = 1;
const B64_LOWER: u8 = 2;
const B64_OTHER: u8 = 4;
const B64_CLASS: [u8; 256] = crate::detectors::byte_classes(
    0,
    (B64_UPPER, B64_LOWER, B64_OTHER),
    &[(b"+/-_=", B64_OTHER)],
);

/// Whether `text` may hold an encoded layer; when not, [`layers`] finds none. One pass of
/// a table lookup per byte.
pub fn may_be_encoded(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() < 3 || b.len() > MAX_INPUT {
        return false;
    }
    if memchr::memchr(b'%', b).is_some() || b.starts_with(b"data:") {
        return true;
    }
    // A run of base64 characters long enough to decode, in both cases (a JWT's `eyJ` parts
    // are such runs too).
    let (mut run, mut seen) = (0usize, 0u8);
    for &c in b {
        let class = B64_CLASS[c as usize];
        if class == 0 {
            (run, seen) = (0, 0);
            continue;
        }
        run += 1;
        seen |= class;
        if run >= MIN_BASE64 && seen & (B64_UPPER | B64_LOWER) == B64_UPPER | B64_LOWER {
            return true;
        }
    }
    false
}

/// Every layer of `text`, outermost first; empty for a string that holds none. At most
/// [`MAX_OUTPUT`] times [`MAX_LAYERS`] bytes are decoded.
pub fn layers(text: &str) -> Vec<Layer> {
    layers_within(text, &mut (MAX_OUTPUT * MAX_LAYERS))
}

/// [`layers`], decoding no more than `budget` bytes and taking them off it: a caller that
/// decodes many strings (one report's) bounds the whole, so that many small gzip bombs cost
/// no more than one.
pub fn layers_within(text: &str, budget: &mut usize) -> Vec<Layer> {
    let mut out = Vec::new();
    if *budget == 0 || !may_be_encoded(text) {
        return out;
    }
    unwrap(text, 0..text.len(), &[], &mut out, budget);
    out
}

fn unwrap(
    text: &str,
    span: Range<usize>,
    outer: &[Encoding],
    out: &mut Vec<Layer>,
    budget: &mut usize,
) {
    if outer.len() >= MAX_DEPTH || out.len() >= MAX_LAYERS || *budget == 0 {
        return;
    }
    let mut found = Vec::new();
    if text.contains('%')
        && let Some(decoded) = percent(text)
    {
        found.push((vec![Encoding::Percent], span.clone(), decoded));
    }
    if let Some(rest) = text.strip_prefix("data:")
        && let Some((head, payload)) = rest.split_once(',')
    {
        let start = span.start + text.len() - payload.len();
        let decoded = if head.ends_with(";base64") {
            base64_text(payload)
        } else {
            percent(payload).or_else(|| Some(payload.to_string()))
        };
        if let Some(d) = decoded {
            found.push((vec![Encoding::DataUri], start..span.end, d));
        }
    } else {
        for (at, token) in tokens(text) {
            // Decoding stops once it could yield nothing more.
            if out.len() + found.len() >= MAX_LAYERS || *budget == 0 {
                break;
            }
            let token_span = span.start + at..span.start + at + token.len();
            if let Some(claims) = jwt_claims(token) {
                found.push((vec![Encoding::JwtClaims], token_span, claims));
            } else if let Some((encodings, d)) = base64_layer(token, *budget) {
                *budget = budget.saturating_sub(d.len());
                found.push((encodings, token_span, d));
            }
        }
    }
    for (added, at, decoded) in found {
        if out.len() >= MAX_LAYERS {
            return;
        }
        if added[0] != Encoding::Base64 {
            *budget = budget.saturating_sub(decoded.len());
        }
        let encodings = [outer, &added].concat();
        out.push(Layer {
            encodings: encodings.clone(),
            span: at.clone(),
            text: decoded.clone(),
        });
        unwrap(&decoded, at, &encodings, out, budget);
    }
}

/// The pieces of `text` that may be encoded on their own: split at white space, quotes,
/// brackets and separators, and a `key=` in front of a value taken off.
fn tokens(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let b = text.as_bytes();
    let mut start = 0;
    let mut pieces = Vec::new();
    for (i, &c) in b.iter().chain(std::iter::once(&b' ')).enumerate() {
        if c.is_ascii_whitespace() || b"\"'<>()[]{},;&|".contains(&c) {
            if i > start {
                pieces.push((start, &text[start..i]));
            }
            start = i + 1;
        }
    }
    pieces.into_iter().filter_map(|(at, piece)| {
        // `key=value` and `key:value`: the value; trailing `=` is base64 padding.
        let cut = piece
            .trim_end_matches('=')
            .find(['=', ':'])
            .map_or(0, |i| i + 1);
        let piece = &piece[cut..];
        (piece.len() >= MIN_BASE64).then_some((at + cut, piece))
    })
}

fn is_base64(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'-' | b'_' | b'=')
}

/// Percent-decoded text, when decoding changes it and gives UTF-8.
fn percent(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let escapes = b
        .windows(3)
        .any(|w| w[0] == b'%' && w[1].is_ascii_hexdigit() && w[2].is_ascii_hexdigit());
    if !escapes {
        return None;
    }
    let decoded: Vec<u8> = percent_encoding::percent_decode(b)
        .take(MAX_OUTPUT)
        .collect();
    String::from_utf8(decoded).ok()
}

/// Base64 decoded, standard or URL-safe, padded or not; `None` when it is not base64.
pub fn base64(token: &[u8]) -> Option<Vec<u8>> {
    const FORGIVING: base64::engine::GeneralPurposeConfig =
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true);
    const STANDARD: base64::engine::GeneralPurpose =
        base64::engine::GeneralPurpose::new(&base64::alphabet::STANDARD, FORGIVING);
    const URL_SAFE: base64::engine::GeneralPurpose =
        base64::engine::GeneralPurpose::new(&base64::alphabet::URL_SAFE, FORGIVING);
    STANDARD
        .decode(token)
        .or_else(|_| URL_SAFE.decode(token))
        .ok()
}

/// [`base64`] into `out`, without allocating; the number of bytes written.
pub fn base64_into(token: &[u8], out: &mut [u8]) -> Option<usize> {
    const FORGIVING: base64::engine::GeneralPurposeConfig =
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true);
    let url_safe = token.iter().any(|&c| c == b'-' || c == b'_');
    let alphabet = if url_safe {
        &base64::alphabet::URL_SAFE
    } else {
        &base64::alphabet::STANDARD
    };
    base64::engine::GeneralPurpose::new(alphabet, FORGIVING)
        .decode_slice(token, out)
        .ok()
}

/// Base64 that decodes to readable text.
fn base64_text(token: &str) -> Option<String> {
    let bytes = base64(token.as_bytes())?;
    readable(bytes)
}

/// A base64 token's layer: readable text, or gzip that inflates to readable text.
fn base64_layer(token: &str, budget: usize) -> Option<(Vec<Encoding>, String)> {
    let b = token.as_bytes();
    let body = token.trim_end_matches('=');
    // Hex digests and UUIDs are valid base64 too; they are not encodings of anything.
    if !b.iter().all(|&c| is_base64(c))
        || body.bytes().all(|c| c.is_ascii_hexdigit() || c == b'-')
        || !body.bytes().any(|c| c.is_ascii_uppercase())
        || !body.bytes().any(|c| c.is_ascii_lowercase())
    {
        return None;
    }
    let bytes = base64(b)?;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut inflated = Vec::new();
        flate2::read::MultiGzDecoder::new(&bytes[..])
            .take(MAX_OUTPUT.min(budget) as u64)
            .read_to_end(&mut inflated)
            .ok()?;
        return readable(inflated).map(|t| (vec![Encoding::Base64, Encoding::Gzip], t));
    }
    readable(bytes).map(|t| (vec![Encoding::Base64], t))
}

/// The claims of a JWT (`eyJ…` header, payload, signature): its decoded payload.
fn jwt_claims(token: &str) -> Option<String> {
    let mut parts = token.split('.');
    let (header, payload) = (parts.next()?, parts.next()?);
    if !header.starts_with("eyJ") || !payload.starts_with("eyJ") || parts.count() > 1 {
        return None;
    }
    base64_text(payload).filter(|t| t.starts_with('{'))
}

/// Text that a person or a program wrote: UTF-8, no control characters but white space,
/// a third or more letters and digits. Random bytes almost never pass.
fn readable(mut bytes: Vec<u8>) -> Option<String> {
    bytes.truncate(MAX_OUTPUT);
    let text = String::from_utf8(bytes).ok()?;
    let mut letters = 0;
    for c in text.chars() {
        if c.is_control() && !matches!(c, '\n' | '\r' | '\t') {
            return None;
        }
        letters += usize::from(c.is_alphanumeric());
    }
    (letters * 3 >= text.chars().count()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(l: &Layer) -> Vec<&'static str> {
        l.encodings.iter().map(|e| e.as_str()).collect()
    }

    #[test]
    fn each_encoding_is_unwrapped() {
        let one = |s: &str| {
            let ls = layers(s);
            assert!(!ls.is_empty(), "{s}: no layer");
            ls
        };
        let l = one("jan%40example.com");
        assert_eq!(
            (names(&l[0]), l[0].text.as_str()),
            (vec!["percent"], "jan@example.com")
        );
        let l = one("jan%2540example.com");
        assert_eq!(l.last().unwrap().text, "jan@example.com");
        assert_eq!(names(l.last().unwrap()), ["percent", "percent"]);
        let l = one("am9obkBleGFtcGxlLmNvbQ==");
        assert_eq!(
            (names(&l[0]), l[0].text.as_str()),
            (vec!["base64"], "john@example.com")
        );
        // URL-safe, unpadded, after a key.
        let l = one("state=eyJ1c2VyIjoiamFuQGV4YW1wbGUubmwifQ");
        assert_eq!(l[0].text, r#"{"user":"jan@example.nl"}"#);
        assert_eq!(l[0].span, 6..40);
        let l = one("data:text/plain;base64,amFuQGV4YW1wbGUubmw=");
        assert_eq!(
            (names(&l[0]), l[0].text.as_str()),
            (vec!["data-uri"], "jan@example.nl")
        );
        let l = one("eyJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6ImphbkBleGFtcGxlLm5sIn0.c2lnbmF0dXJl");
        assert_eq!(names(&l[0]), ["jwt-claims"]);
        assert_eq!(l[0].text, r#"{"email":"jan@example.nl"}"#);
        // gzip inside base64.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, b"contact jan@example.nl").unwrap();
        let blob = base64::engine::general_purpose::STANDARD.encode(gz.finish().unwrap());
        assert!(blob.starts_with("H4sI"));
        let l = one(&blob);
        assert_eq!(
            (names(&l[0]), l[0].text.as_str()),
            (vec!["base64", "gzip"], "contact jan@example.nl")
        );
    }

    #[test]
    fn base64_decodes_into_a_buffer() {
        let mut buf = [0u8; 64];
        let n = base64_into(b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9", &mut buf).unwrap();
        assert_eq!(&buf[..n], br#"{"alg":"HS256","typ":"JWT"}"#);
        assert!(base64_into(b"a*b", &mut buf).is_none());
        assert!(
            base64_into(b"dXNlcjpwYXNz", &mut [0u8; 4]).is_none(),
            "too small a buffer"
        );
    }

    #[test]
    fn clean_values_hold_no_layer() {
        for s in [
            "8.6.82.110",
            "Europe/Amsterdam",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "550e8400-e29b-41d4-a716-446655440000",
            "ExperimentalEnableAuthenticationTransfer",
            "create_private_channel manage_system",
            "100%",
            "x86_64",
            // Random bytes in base64: not text.
            "q83vEjRWeJq8ZmJqZRtRa0b0PM4Nw+2hYmJz",
        ] {
            assert_eq!(layers(s), [], "{s}");
        }
    }

    #[test]
    fn many_small_bombs_cost_one_budget() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&b"jan@example.nl ".repeat(8 << 10)).unwrap();
        let bomb = base64::engine::general_purpose::STANDARD.encode(gz.finish().unwrap());
        assert!(
            bomb.len() < 2 << 10,
            "a small token inflating to {} KiB",
            120
        );
        // One string of many bombs: eight layers at most, each cut at the output limit.
        let many = vec![bomb.as_str(); 200].join(" ");
        let ls = layers(&many);
        assert!(ls.len() <= MAX_LAYERS);
        assert!(ls.iter().all(|l| l.text.len() <= MAX_OUTPUT));
        // Many strings under one budget: once it is spent, nothing more is decoded.
        let mut budget = 3 * MAX_OUTPUT;
        let decoded: usize = (0..50)
            .map(|_| {
                layers_within(&bomb, &mut budget)
                    .iter()
                    .map(|l| l.text.len())
                    .sum::<usize>()
            })
            .sum();
        assert!(decoded <= 3 * MAX_OUTPUT, "{decoded}");
        assert_eq!(budget, 0);
    }

    #[test]
    fn layers_are_bounded() {
        // Percent-encoded five times: three layers deep at most.
        let mut s = "jan@example.nl".to_string();
        for _ in 0..5 {
            s = s.replace('%', "%25").replace('@', "%40");
        }
        assert!(layers(&s).iter().all(|l| l.encodings.len() <= MAX_DEPTH));
        let many = "am9obkBleGFtcGxlLmNvbQ== ".repeat(40);
        assert!(layers(&many).len() <= MAX_LAYERS);
        assert!(layers(&"%41".repeat(MAX_INPUT)).is_empty());
    }
}
