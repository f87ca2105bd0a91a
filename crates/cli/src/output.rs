//! Output formats: text for people, JSON (a documented, versioned contract), SARIF 2.1.0 for
//! code scanning, JUnit XML for CI dashboards; and baselines.
//!
//! Every format is written as records arrive, so memory does not grow with the number of
//! records or findings; only JUnit holds one source file's test cases (its suite header
//! carries their counts), and JSON holds the error list (bounded by the record count).

use privaudit_policy::{Finding, Severity};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::io::{self, Write};
use std::path::Path;

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

/// Reads a baseline: its fingerprints, and the key they were made with when it keeps one.
pub fn read_baseline(
    path: &Path,
) -> Result<(BTreeSet<String>, Option<privaudit_policy::FingerprintKey>), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let v: Value = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not a privaudit baseline: {e}", path.display()))?;
    let list = v
        .get("fingerprints")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            format!(
                "{}: not a privaudit baseline (no `fingerprints` list)",
                path.display()
            )
        })?;
    let key = match v.get("key") {
        None | Some(Value::Null) => None,
        Some(k) => Some(
            k.as_str()
                .and_then(privaudit_policy::FingerprintKey::from_hex)
                .ok_or_else(|| {
                    format!(
                        "{}: the baseline's `key` is not 64 hex characters",
                        path.display()
                    )
                })?,
        ),
    };
    let set = list
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    Ok((set, key))
}

/// Collects fingerprints for `privaudit baseline`.
#[derive(Default)]
pub struct Baseline {
    fingerprints: BTreeSet<String>,
    /// The key to store, unless it comes from the environment.
    pub key: Option<String>,
}

impl Sink for Baseline {
    fn record(&mut self, a: &Audited, _: &mut dyn Write) -> io::Result<()> {
        self.fingerprints
            .extend(a.findings.iter().map(|f| f.fingerprint.clone()));
        Ok(())
    }
    fn error(&mut self, _: &RecordError, _: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
    fn finish(&mut self, _: &Summary, out: &mut dyn Write) -> io::Result<()> {
        let doc = json!({"version": 1, "key": self.key, "fingerprints": self.fingerprints});
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)
    }
    fn as_baseline(&mut self) -> Option<&mut Baseline> {
        Some(self)
    }
}

fn kind_name(a: &Audited) -> (&'static str, &'static str) {
    (a.product.unwrap_or(""), a.kind.unwrap_or(""))
}

/// One finding of the JSON contract, written from borrowed fields: a capture with many
/// findings would otherwise build and free a map of copies for each. Members in name order,
/// the bytes earlier releases wrote (docs/output.md leaves the order out of the contract).
#[derive(serde::Serialize)]
struct JsonFinding<'a> {
    category: &'a str,
    evidence: &'a str,
    fingerprint: &'a str,
    message: &'a str,
    pointer: &'a str,
    product: &'a str,
    record: usize,
    report: &'a str,
    rule: &'a str,
    severity: &'a str,
    source: &'a str,
}

/// One error of the JSON contract, members in name order as for findings.
#[derive(serde::Serialize)]
struct JsonError<'a> {
    message: &'a str,
    record: Option<usize>,
    source: &'a str,
}

/// The JSON contract, version 1 (docs/output.md).
#[derive(Default)]
pub struct Json {
    findings: usize,
    /// Written after the findings, so kept until the end.
    errors: Deferred,
}

impl Json {
    fn start(&self, out: &mut dyn Write) -> io::Result<()> {
        if self.findings == 0 {
            write!(out, "{{\n  \"version\": 1,\n  \"findings\": [")?;
        }
        Ok(())
    }
}

impl Sink for Json {
    fn record(&mut self, a: &Audited, out: &mut dyn Write) -> io::Result<()> {
        let (product, report) = kind_name(a);
        for f in a.findings {
            self.start(out)?;
            let row = JsonFinding {
                category: f.category.as_str(),
                evidence: f.evidence.shown(),
                fingerprint: &f.fingerprint,
                message: &f.message,
                pointer: f.shown_pointer(),
                product,
                record: a.record,
                report,
                rule: &f.rule,
                severity: f.severity.as_str(),
                source: a.source,
            };
            let sep = if self.findings == 0 { "" } else { "," };
            write!(out, "{sep}\n    ")?;
            to_writer(&mut *out, &row)?;
            self.findings += 1;
        }
        Ok(())
    }
    fn error(&mut self, e: &RecordError, _: &mut dyn Write) -> io::Result<()> {
        let sep = if self.errors.is_empty() { "" } else { "," };
        write!(self.errors, "{sep}\n    ")?;
        let row = JsonError {
            message: &e.message,
            record: e.record,
            source: &e.source,
        };
        to_writer(&mut self.errors, &row)?;
        Ok(())
    }
    fn finish(&mut self, s: &Summary, out: &mut dyn Write) -> io::Result<()> {
        if self.findings == 0 {
            write!(out, "{{\n  \"version\": 1,\n  \"findings\": []")?;
        } else {
            write!(out, "\n  ]")?;
        }
        write!(out, ",\n  \"errors\": [")?;
        let close = if self.errors.is_empty() { "]" } else { "\n  ]" };
        self.errors.drain_into(out)?;
        let summary = json!({
            "files": s.files, "records": s.records, "skipped": s.skipped,
            "findings": s.findings(), "suppressed": s.suppressed,
            "by_severity": {
                "info": s.count(Severity::Info), "low": s.count(Severity::Low),
                "medium": s.count(Severity::Medium), "high": s.count(Severity::High),
            },
        });
        writeln!(
            out,
            "{close},\n  \"summary\": {}\n}}",
            serde_json::to_string(&summary)?
        )
    }
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

/// Text for people, grouped by source and record. Everything that comes from a payload or a
/// file name goes through [`printable`].
pub struct Text {
    pub colour: bool,
}

impl Text {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    fn evidence(&self, f: &Finding) -> String {
        let marked = printable(&f.evidence.marked);
        match (marked.as_ref(), printable(f.evidence.shown()).as_ref()) {
            (_, "") => String::new(),
            ("", shown) => format!(" [{}]", self.paint("1", shown)),
            (marked, _) => {
                // The match inside its value, highlighted on a terminal.
                let close = '⟧'.len_utf8();
                let marked = match (marked.find('⟦'), marked.rfind('⟧')) {
                    (Some(a), Some(b)) if self.colour => format!(
                        "{}{}{}",
                        &marked[..a],
                        self.paint("1;4", &marked[a..b + close]),
                        &marked[b + close..]
                    ),
                    _ => marked.to_string(),
                };
                format!(" [{marked}]")
            }
        }
    }
}

impl Sink for Text {
    fn record(&mut self, a: &Audited, out: &mut dyn Write) -> io::Result<()> {
        if a.findings.is_empty() {
            return Ok(());
        }
        let (product, report) = kind_name(a);
        let head = format!(
            "{} record {} ({product}/{report})",
            printable(a.source),
            a.record
        );
        writeln!(out, "{}", self.paint("1", &head))?;
        for f in a.findings {
            let sev = match f.severity {
                Severity::High => self.paint("31;1", "high"),
                Severity::Medium => self.paint("33", "medium"),
                Severity::Low => self.paint("36", "low"),
                Severity::Info => self.paint("2", "info"),
            };
            let evidence = self.evidence(f);
            writeln!(
                out,
                "  {sev:<6} {} {}{evidence}",
                printable(f.shown_pointer()),
                f.category
            )?;
            writeln!(
                out,
                "         {}: {}",
                printable(&f.rule),
                printable(&f.message)
            )?;
        }
        Ok(())
    }
    fn error(&mut self, e: &RecordError, out: &mut dyn Write) -> io::Result<()> {
        let at = e.record.map_or(String::new(), |r| format!(" record {r}"));
        let at = e.line.map_or(at.clone(), |l| format!("{at} (line {l})"));
        let text = format!(
            "error: {}{at}: {}",
            printable(&e.source),
            printable(&e.message)
        );
        writeln!(out, "{}", self.paint("31", &text))
    }
    fn finish(&mut self, s: &Summary, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "{} files, {} records ({} skipped), {} findings (high {}, medium {}, low {}, info {}), {} suppressed by baseline, {} errors",
            s.files,
            s.records,
            s.skipped,
            s.findings(),
            s.count(Severity::High),
            s.count(Severity::Medium),
            s.count(Severity::Low),
            s.count(Severity::Info),
            s.suppressed,
            s.errors
        )
    }
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::High | Severity::Medium => "error",
        Severity::Low => "warning",
        Severity::Info => "note",
    }
}

/// GitHub code scanning's `security-severity` scale (0.1–10.0).
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// GitHub code scanning rejects a run with more results than this.
pub const SARIF_MAX_RESULTS: usize = 25_000;

/// SARIF 2.1.0 as GitHub code scanning accepts it: results stream first, the rules they
/// used follow in `tool.driver`.
#[derive(Default)]
pub struct Sarif {
    results: usize,
    left_out: usize,
    rules: BTreeSet<String>,
    /// Input errors, reported as tool notifications (the first hundred).
    errors: Vec<Value>,
    error_count: usize,
    /// The last source written and its artifact URI, which takes file system calls.
    artifact: Option<(String, String)>,
}

/// A source as a SARIF artifact URI: relative to the working directory where it can be (code
/// scanning resolves relative URIs against the repository root), else a `file://` URI.
fn artifact_uri(source: &str) -> String {
    if source == "-" {
        return "stdin".into();
    }
    let path = Path::new(source);
    if path.is_absolute() {
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if let Some(rel) = std::env::current_dir()
            .and_then(std::fs::canonicalize)
            .ok()
            .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        {
            return rel.to_string_lossy().replace('\\', "/");
        }
        return format!("file://{}", path.to_string_lossy().replace(' ', "%20"));
    }
    source.trim_start_matches("./").replace('\\', "/")
}

impl Sink for Sarif {
    fn record(&mut self, a: &Audited, out: &mut dyn Write) -> io::Result<()> {
        for f in a.findings {
            if self.results >= SARIF_MAX_RESULTS {
                self.left_out += 1;
                continue;
            }
            if self.results == 0 {
                write!(
                    out,
                    "{{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n  \"version\": \"2.1.0\",\n  \"runs\": [{{\n    \"results\": ["
                )?;
            }
            if !self.rules.contains(&f.rule) {
                self.rules.insert(f.rule.clone());
            }
            if self.artifact.as_ref().is_none_or(|(s, _)| s != a.source) {
                self.artifact = Some((a.source.to_string(), artifact_uri(a.source)));
            }
            let uri = self.artifact.as_ref().map_or("", |(_, uri)| uri.as_str());
            let line = a.line.unwrap_or(1).max(1);
            let result = json!({
                "ruleId": f.rule,
                "level": level(f.severity),
                "message": {"text": format!("{} at {} (record {}): {} [{}]", f.category, f.shown_pointer(), a.record, f.message, f.evidence.shown())},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri},
                        "region": {"startLine": line},
                    },
                    "logicalLocations": [{"fullyQualifiedName": f.shown_pointer(), "kind": "member"}],
                }],
                "partialFingerprints": {"privaudit/v1": f.fingerprint, "primaryLocationLineHash": f.fingerprint},
                "properties": {"category": f.category, "severity": f.severity.as_str(), "record": a.record},
            });
            let sep = if self.results == 0 { "" } else { "," };
            write!(out, "{sep}\n      ")?;
            to_writer(&mut *out, &result)?;
            self.results += 1;
        }
        Ok(())
    }
    fn error(&mut self, e: &RecordError, _: &mut dyn Write) -> io::Result<()> {
        self.error_count += 1;
        if self.errors.len() < 100 {
            let at = e.record.map_or(String::new(), |r| format!(" record {r}"));
            self.errors.push(json!({"level": "error", "message": {"text": format!("{}{at}: {}", e.source, e.message)}}));
        }
        Ok(())
    }
    fn finish(&mut self, _: &Summary, out: &mut dyn Write) -> io::Result<()> {
        if self.results == 0 {
            write!(
                out,
                "{{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n  \"version\": \"2.1.0\",\n  \"runs\": [{{\n    \"results\": []"
            )?;
        } else {
            write!(out, "\n    ]")?;
        }
        let rules: Vec<Value> = self.rules.iter().map(|id| sarif_rule(id)).collect();
        let tool = json!({"driver": {
            "name": "privaudit", "version": env!("CARGO_PKG_VERSION"),
            "informationUri": "https://github.com/privaudit/privaudit", "rules": rules,
        }});
        let mut notes = Vec::new();
        if self.left_out > 0 {
            notes.push(json!({"level": "warning", "message": {"text": format!(
                "{} results beyond the first {SARIF_MAX_RESULTS} were left out: GitHub code scanning refuses larger runs; use --format json for all of them",
                self.left_out
            )}}));
        }
        notes.extend(self.errors.iter().cloned());
        if self.error_count > self.errors.len() {
            notes.push(json!({"level": "error", "message": {"text": format!(
                "{} more input errors; use --format json for all of them",
                self.error_count - self.errors.len()
            )}}));
        }
        let invocation = json!({
            "executionSuccessful": self.error_count == 0,
            "toolExecutionNotifications": notes,
        });
        writeln!(
            out,
            ",\n    \"tool\": {},\n    \"invocations\": [{}]\n  }}]\n}}",
            to_string(&tool)?,
            to_string(&invocation)?
        )
    }
}

fn sarif_rule(id: &str) -> Value {
    let (statement, severity, source) = match privaudit_policy::explain(id) {
        Some((policy, rule)) => {
            let src = policy
                .source
                .iter()
                .find(|s| s.id == rule.source)
                .map_or(String::new(), |s| {
                    format!("{}, section \"{}\"", s.title, rule.section)
                });
            (rule.statement, rule.severity, src)
        }
        None => (
            format!("privaudit rule {id}"),
            Severity::Medium,
            String::new(),
        ),
    };
    let category = id.split('/').next_back().unwrap_or(id);
    json!({
        "id": id, "name": id.replace(['/', '-'], "_"),
        "shortDescription": {"text": id},
        "fullDescription": {"text": statement},
        "help": {"text": format!("{statement}\nSource: {source}\nRun `privaudit explain {id}` for details.")},
        "defaultConfiguration": {"level": level(severity)},
        "properties": {"tags": ["privacy", category], "security-severity": security_severity(severity)},
    })
}

/// Text for an XML attribute or element: what a terminal must not see is escaped as in the
/// text format (XML 1.0 cannot hold most controls anyway), newlines and tabs kept.
fn xml(s: &str) -> String {
    let mut kept = String::with_capacity(s.len());
    for c in s.chars() {
        if (unprintable(c) && !matches!(c, '\n' | '\t')) || matches!(c, '\u{fffe}' | '\u{ffff}') {
            kept.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            kept.push(c);
        }
    }
    kept.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// JUnit XML: a suite per source file, a case per record.
#[derive(Default)]
pub struct Junit {
    started: bool,
    source: Option<String>,
    /// The current suite's cases, written once its counts are known.
    cases: Deferred,
    tests: usize,
    failures: usize,
    errors: usize,
}

impl Junit {
    fn switch(&mut self, source: &str, out: &mut dyn Write) -> io::Result<()> {
        if !self.started {
            self.started = true;
            write!(
                out,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"privaudit\">\n"
            )?;
        }
        if self.source.as_deref() != Some(source) {
            self.flush(out)?;
            self.source = Some(source.to_string());
        }
        Ok(())
    }

    fn flush(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if let Some(source) = self.source.take() {
            writeln!(
                out,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\">",
                xml(&source),
                self.tests,
                self.failures,
                self.errors,
            )?;
            self.cases.drain_into(out)?;
            writeln!(out, "  </testsuite>")?;
        }
        (self.tests, self.failures, self.errors) = (0, 0, 0);
        Ok(())
    }
}

impl Sink for Junit {
    fn record(&mut self, a: &Audited, out: &mut dyn Write) -> io::Result<()> {
        self.switch(a.source, out)?;
        self.tests += 1;
        let (product, report) = kind_name(a);
        write!(
            self.cases,
            "    <testcase classname=\"{product}.{report}\" name=\"record {}\">",
            a.record
        )?;
        if a.findings.iter().any(|f| f.severity >= Severity::Low) {
            self.failures += 1;
            let body: Vec<String> = a
                .findings
                .iter()
                .map(|f| {
                    format!(
                        "{} {} {} {} [{}]",
                        f.severity,
                        f.shown_pointer(),
                        f.category,
                        f.rule,
                        f.evidence.shown()
                    )
                })
                .collect();
            write!(
                self.cases,
                "\n      <failure message=\"{} findings\" type=\"privacy\">{}</failure>\n    ",
                a.findings.len(),
                xml(&body.join("\n"))
            )?;
        }
        writeln!(self.cases, "</testcase>")?;
        Ok(())
    }
    fn error(&mut self, e: &RecordError, out: &mut dyn Write) -> io::Result<()> {
        self.switch(&e.source, out)?;
        self.tests += 1;
        self.errors += 1;
        writeln!(
            self.cases,
            "    <testcase classname=\"input\" name=\"record {}\"><error message=\"{}\"/></testcase>",
            e.record.map_or("-".into(), |r| r.to_string()),
            xml(&e.message)
        )?;
        Ok(())
    }
    fn finish(&mut self, _: &Summary, out: &mut dyn Write) -> io::Result<()> {
        if !self.started {
            write!(
                out,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"privaudit\">\n"
            )?;
        }
        self.flush(out)?;
        writeln!(out, "</testsuites>")
    }
}
