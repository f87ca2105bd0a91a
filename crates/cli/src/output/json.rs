//! The JSON contract, version 1 (docs/output.md), streamed as records arrive.

use super::{Audited, Deferred, RecordError, Sink, Summary, kind_name, to_writer};
use privaudit_policy::Severity;
use std::io::{self, Write};

/// One finding of the JSON contract, written from borrowed fields: a capture with many
/// findings would otherwise build and free a map of copies for each. Members in name order,
/// the bytes earlier releases wrote (docs/output.md leaves the order out of the contract).
#[derive(serde::Serialize)]
struct JsonFinding<'a> {
    category: &'a str,
    /// Only for a leak found under an encoding.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    encoding: Vec<&'static str>,
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

/// The summary of the JSON contract, members in name order as for findings.
#[derive(serde::Serialize)]
struct JsonSummary {
    by_severity: BySeverity,
    files: usize,
    findings: usize,
    records: usize,
    skipped: usize,
    suppressed: usize,
}

#[derive(serde::Serialize)]
struct BySeverity {
    high: usize,
    info: usize,
    low: usize,
    medium: usize,
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
                encoding: f.encoding.iter().map(|e| e.as_str()).collect(),
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
        let summary = JsonSummary {
            by_severity: BySeverity {
                high: s.count(Severity::High),
                info: s.count(Severity::Info),
                low: s.count(Severity::Low),
                medium: s.count(Severity::Medium),
            },
            files: s.files,
            findings: s.findings(),
            records: s.records,
            skipped: s.skipped,
            suppressed: s.suppressed,
        };
        writeln!(
            out,
            "{close},\n  \"summary\": {}\n}}",
            serde_json::to_string(&summary)?
        )
    }
}
