//! NDJSON: one report per non-blank line, streamed in batches.

use crate::Record;

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

/// Two or more non-blank lines that each start with `{`, as NDJSON records; `None` otherwise.
pub(crate) fn ndjson_lines(text: &[u8]) -> Option<Vec<Record>> {
    let lines: Vec<(usize, &[u8])> = text
        .split(|&b| b == b'\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_ascii()))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    (lines.len() > 1 && lines.iter().all(|(_, l)| l.starts_with(b"{")))
        .then(|| line_records(lines.into_iter()))
}

/// One record per line, numbered in order, each with its 1-based line number.
pub(crate) fn line_records<'a>(lines: impl Iterator<Item = (usize, &'a [u8])>) -> Vec<Record> {
    lines
        .enumerate()
        .map(|(index, (n, l))| Record {
            index,
            line: Some(n),
            endpoint: None,
            body: Ok(l.to_vec()),
        })
        .collect()
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
    ) -> Result<bool, crate::Error> {
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
                Err(crate::Error::new(
                    crate::ErrorKind::Limit,
                    format!(
                        "record of more than {} bytes exceeds the record limit",
                        self.max_record
                    ),
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
                return Err(crate::Error::limit_io(format!(
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
