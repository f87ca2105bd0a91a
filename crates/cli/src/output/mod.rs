//! Output formats: text for people, JSON (a documented, versioned contract), SARIF 2.1.0 for
//! code scanning, JUnit XML for CI dashboards; and baselines.
//!
//! Every format is written as records arrive, so memory does not grow with the number of
//! records or findings; only JUnit holds one source file's test cases (its suite header
//! carries their counts), and JSON holds the error list (bounded by the record count).

mod baseline;
mod json;
mod junit;
mod sarif;
mod text;

pub use baseline::{Baseline, read_baseline};
pub use json::Json;
pub use junit::Junit;
pub use sarif::Sarif;
pub use text::Text;

use privaudit_policy::{Finding, Severity};
use std::io::{self, Write};

/// Output that has to wait (JSON errors follow the findings; a JUnit suite's counts come
/// before its cases): held in memory up to [`DEFERRED_IN_MEMORY`], then in an anonymous
/// temporary file, so memory stays flat however many records are waiting.
#[derive(Default)]
struct Deferred {
    memory: Vec<u8>,
    file: Option<std::fs::File>,
}

const DEFERRED_IN_MEMORY: usize = 4 << 20;

impl Deferred {
    fn is_empty(&self) -> bool {
        self.memory.is_empty() && self.file.is_none()
    }

    /// Writes everything held to `out`, and starts empty again.
    fn drain_into(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if let Some(mut file) = self.file.take() {
            use std::io::Seek;
            file.seek(io::SeekFrom::Start(0))?;
            io::copy(&mut file, out)?;
        }
        out.write_all(&self.memory)?;
        self.memory.clear();
        Ok(())
    }
}

impl Write for Deferred {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.memory.extend_from_slice(buf);
        if self.memory.len() > DEFERRED_IN_MEMORY {
            let file = match &mut self.file {
                Some(f) => f,
                None => self.file.insert(tempfile::tempfile()?),
            };
            file.write_all(&self.memory)?;
            self.memory.clear();
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// One audited record, as a sink sees it.
pub struct Audited<'a> {
    pub source: &'a str,
    pub record: usize,
    pub line: Option<usize>,
    /// The product and report kind the record was audited as.
    pub product: Option<&'static str>,
    pub kind: Option<&'static str>,
    pub findings: &'a [Finding],
}

/// A record (or a whole source) that could not be audited.
pub struct RecordError {
    pub source: String,
    pub record: Option<usize>,
    pub line: Option<usize>,
    pub message: String,
}

/// The counts of a run.
#[derive(Default)]
pub struct Summary {
    pub files: usize,
    pub records: usize,
    pub skipped: usize,
    pub suppressed: usize,
    pub errors: usize,
    /// Findings by severity: info, low, medium, high.
    pub by_severity: [usize; 4],
}

impl Summary {
    pub fn findings(&self) -> usize {
        self.by_severity.iter().sum()
    }

    pub fn count(&self, s: Severity) -> usize {
        self.by_severity[s as usize]
    }

    /// Whether a finding at or above `threshold` was reported.
    pub fn any_at_or_above(&self, threshold: Severity) -> bool {
        [
            Severity::Info,
            Severity::Low,
            Severity::Medium,
            Severity::High,
        ]
        .iter()
        .any(|&s| s >= threshold && self.count(s) > 0)
    }
}

/// Where records go as they are audited.
pub trait Sink {
    fn record(&mut self, a: &Audited, out: &mut dyn Write) -> io::Result<()>;
    fn error(&mut self, e: &RecordError, out: &mut dyn Write) -> io::Result<()>;
    fn finish(&mut self, s: &Summary, out: &mut dyn Write) -> io::Result<()>;
    /// The baseline collector, when this sink is one.
    fn as_baseline(&mut self) -> Option<&mut Baseline> {
        None
    }
}

fn kind_name(a: &Audited) -> (&'static str, &'static str) {
    (a.product.unwrap_or(""), a.kind.unwrap_or(""))
}

/// Whether a character must not reach a terminal as it is: C0 and C1 controls (escape
/// sequences start there), bidirectional overrides and isolates (they reorder what a reviewer
/// reads), and invisible formatting characters (zero-width spaces and joiners, line and
/// paragraph separators, the byte-order mark, tag characters).
fn unprintable(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{ad}' | '\u{34f}' | '\u{61c}'
        | '\u{115f}' | '\u{1160}' | '\u{17b4}' | '\u{17b5}' | '\u{180b}'..='\u{180f}'
        | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{206f}'
        | '\u{3164}' | '\u{feff}' | '\u{ffa0}' | '\u{fff0}'..='\u{fffb}'
        | '\u{1d173}'..='\u{1d17a}' | '\u{e0000}'..='\u{e0fff}')
}

/// `s` as the text format prints it: every [`unprintable`] character written as `\u{…}`, so
/// a reviewer sees what is there and a payload never drives the terminal.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    // Printable ASCII, nearly everything printed, is told by its bytes alone.
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) || !s.chars().any(unprintable) {
        return s.into();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unprintable(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out.into()
}

/// serde_json's compact form, with every [`unprintable`] character that serde_json leaves
/// as it is (C1 controls, DEL, bidirectional and invisible formatting characters) written as
/// a `\u` escape: the same JSON to a parser, and nothing that drives a terminal when the
/// output is shown.
struct Escaping;

impl serde_json::ser::Formatter for Escaping {
    fn write_string_fragment<W: ?Sized + Write>(&mut self, w: &mut W, s: &str) -> io::Result<()> {
        if s.bytes().all(|b| b < 0x7f) {
            return w.write_all(s.as_bytes());
        }
        let mut start = 0;
        for (i, c) in s.char_indices() {
            if unprintable(c) {
                w.write_all(&s.as_bytes()[start..i])?;
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(w, "\\u{unit:04x}")?;
                }
                start = i + c.len_utf8();
            }
        }
        w.write_all(&s.as_bytes()[start..])
    }
}

fn to_writer<W: Write, T: serde::Serialize + ?Sized>(w: W, value: &T) -> io::Result<()> {
    value
        .serialize(&mut serde_json::Serializer::with_formatter(w, Escaping))
        .map_err(io::Error::other)
}

fn to_string<T: serde::Serialize + ?Sized>(value: &T) -> io::Result<String> {
    let mut out = Vec::new();
    to_writer(&mut out, value)?;
    String::from_utf8(out).map_err(io::Error::other)
}
