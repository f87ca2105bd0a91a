//! Opening a source: gzip is inflated as a stream, and the first bytes of the text decide how
//! the rest is read (NDJSON streamed, a JSON document streamed, a text capture read whole).

use crate::{Error, ErrorKind, Inflate, Limits, is_ndjson};
use std::io::{BufRead, Read};

/// A source, opened: what it holds, and a reader from its first (inflated) byte.
pub enum Opened<'a> {
    /// One report per line: read it with [`crate::NdjsonReader`].
    Ndjson(Box<dyn BufRead + 'a>),
    /// A JSON document (a HAR or one report): read it with [`crate::stream_json`].
    Json(Box<dyn BufRead + 'a>),
    /// A text capture (URL or query lists, a form body), read whole within
    /// [`Limits::max_input_bytes`]: give it to [`crate::read`].
    Text(Vec<u8>),
}

/// Opens the source `name` read from `raw`. Errors name what is wrong, never quote the input:
/// a broken gzip stream, a limit, binary data where text was expected.
pub fn open_source<'a>(
    name: &str,
    raw: impl Read + 'a,
    limits: &Limits,
) -> Result<Opened<'a>, Error> {
    let mut buffered = std::io::BufReader::with_capacity(256 << 10, raw);
    let gzip = buffered.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    let mut text: Box<dyn Read + 'a> = if gzip {
        Box::new(Inflate::new(buffered, *limits))
    } else {
        Box::new(buffered)
    };
    let prefix = sniff(&mut text)?;
    let kind = if is_ndjson(name, &prefix) {
        Some(true)
    } else if let Some(b'{' | b'[') = first_byte(&prefix) {
        Some(false)
    } else {
        None
    };
    // A text capture holds neither NUL bytes nor broken UTF-8; binary input (`/dev/zero`,
    // an image) is refused before it is read further.
    if kind.is_none()
        && let Some(why) = binary(&prefix)
    {
        return Err(Error::new(
            ErrorKind::NotACapture,
            format!("not a capture: {why}"),
        ));
    }
    let reader =
        std::io::BufReader::with_capacity(256 << 10, std::io::Cursor::new(prefix).chain(text));
    Ok(match kind {
        Some(true) => Opened::Ndjson(Box::new(reader)),
        Some(false) => Opened::Json(Box::new(reader)),
        None => {
            let mut bytes = Vec::new();
            reader
                .take(limits.max_input_bytes.saturating_add(1))
                .read_to_end(&mut bytes)?;
            Opened::Text(bytes)
        }
    })
}

/// Reads the start of a source: up to 256 KiB, or less once two non-blank lines are in.
fn sniff(r: &mut dyn Read) -> std::io::Result<Vec<u8>> {
    let mut prefix = Vec::new();
    let mut chunk = [0u8; 16 << 10];
    while prefix.len() < 256 << 10 {
        let n = match r.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            break;
        }
        prefix.extend_from_slice(&chunk[..n]);
        let lines = prefix
            .split(|&b| b == b'\n')
            .filter(|l| !l.trim_ascii().is_empty())
            .count();
        if lines > 2 {
            break;
        }
    }
    Ok(prefix)
}

/// The first byte of a text after a byte-order mark and white space.
fn first_byte(prefix: &[u8]) -> Option<u8> {
    let text = prefix.strip_prefix(b"\xef\xbb\xbf").unwrap_or(prefix);
    text.iter().copied().find(|b| !b.is_ascii_whitespace())
}

/// Why a source's first bytes cannot start a text capture, if they cannot.
fn binary(prefix: &[u8]) -> Option<String> {
    if let Some(at) = prefix.iter().position(|&b| b == 0) {
        return Some(format!("a NUL byte at offset {at}"));
    }
    match std::str::from_utf8(prefix) {
        // A character cut at the end of the prefix is not an error.
        Err(e) if e.error_len().is_some() => {
            Some(format!("not UTF-8 text (byte {})", e.valid_up_to()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_prefixes_are_told_from_text() {
        assert_eq!(binary(b"a=1&b=2\n"), None);
        assert_eq!(binary("caf\u{e9}".as_bytes()), None);
        // A character cut at the end of the sniffed prefix is not broken text.
        assert_eq!(binary(&"\u{e9}".as_bytes()[..1]), None);
        assert!(binary(b"\0\0\0").unwrap().contains("offset 0"));
        assert!(binary(b"ab\xff\xfecd").unwrap().contains("byte 2"));
        assert_eq!(first_byte(b"\xef\xbb\xbf \r\n{"), Some(b'{'));
    }

    #[test]
    fn sources_open_by_their_first_bytes() {
        let open = |name, bytes: &'static [u8]| open_source(name, bytes, &Limits::default());
        assert!(matches!(
            open("a", b"{\"a\":1}\n{\"b\":2}\n"),
            Ok(Opened::Ndjson(_))
        ));
        assert!(matches!(
            open("a", b"\n  {\"log\": {}}"),
            Ok(Opened::Json(_))
        ));
        assert!(matches!(open("a", b"/x?a=1\n"), Ok(Opened::Text(t)) if t == b"/x?a=1\n"));
        assert!(
            matches!(open("a", b"\0\0"), Err(e) if e.kind() == ErrorKind::NotACapture && e.to_string().contains("not a capture"))
        );
        // Gzip is inflated before the first bytes are judged.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, b"{\"a\": 1}").unwrap();
        let gz = gz.finish().unwrap();
        let mut reader = match open_source("a", &gz[..], &Limits::default()) {
            Ok(Opened::Json(r)) => r,
            _ => panic!("a gzip JSON source"),
        };
        let mut text = String::new();
        reader.read_to_string(&mut text).unwrap();
        assert_eq!(text, "{\"a\": 1}");
    }
}
