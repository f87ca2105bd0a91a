//! JUnit XML for CI dashboards, written from typed structs through quick-xml's `Writer`.
//!
//! Values are escaped by [`xml`] (controls written as `\u{…}`, as in the text format) and
//! handed to quick-xml as escaped already; the whitespace between elements is written as
//! text, so the layout is exactly the one this format has always had.

use super::{Audited, Deferred, RecordError, Sink, Summary, kind_name, unprintable};
use privaudit_policy::Severity;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use std::io::{self, Write};

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

/// A start (or empty) tag with attributes whose values are already escaped by [`xml`].
fn tag<'a>(name: &'a str, attributes: &[(&str, &str)]) -> BytesStart<'a> {
    let mut tag = BytesStart::new(name);
    for (key, escaped) in attributes {
        // A pair of byte slices is stored as it is; a pair of `str`s would be escaped again.
        tag.push_attribute((key.as_bytes(), escaped.as_bytes()));
    }
    tag
}

/// Writes whitespace (or other text with nothing to escape) between elements.
fn space<W: Write>(w: &mut Writer<W>, s: &'static str) -> io::Result<()> {
    w.write_event(Event::Text(BytesText::from_escaped(s)))
}

fn end<W: Write>(w: &mut Writer<W>, name: &'static str) -> io::Result<()> {
    w.write_event(Event::End(BytesEnd::new(name)))
}

/// `<testsuites>`, with the XML declaration before it.
struct Report<'a> {
    name: &'a str,
}

/// The one report a run writes.
const REPORT: Report<'static> = Report { name: "privaudit" };

impl Report<'_> {
    fn write_start<W: Write>(&self, w: &mut Writer<W>) -> io::Result<()> {
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        space(w, "\n")?;
        let name = xml(self.name);
        w.write_event(Event::Start(tag("testsuites", &[("name", name.as_str())])))?;
        space(w, "\n")
    }

    fn write_end<W: Write>(&self, w: &mut Writer<W>) -> io::Result<()> {
        end(w, "testsuites")?;
        space(w, "\n")
    }
}

/// `<testsuite>`: one source file and its counts, which come before its cases.
struct Suite<'a> {
    name: &'a str,
    tests: usize,
    failures: usize,
    errors: usize,
}

impl Suite<'_> {
    fn write_start<W: Write>(&self, w: &mut Writer<W>) -> io::Result<()> {
        let name = xml(self.name);
        let (tests, failures, errors) = (
            self.tests.to_string(),
            self.failures.to_string(),
            self.errors.to_string(),
        );
        space(w, "  ")?;
        w.write_event(Event::Start(tag(
            "testsuite",
            &[
                ("name", name.as_str()),
                ("tests", tests.as_str()),
                ("failures", failures.as_str()),
                ("errors", errors.as_str()),
            ],
        )))?;
        space(w, "\n")
    }

    fn write_end<W: Write>(&self, w: &mut Writer<W>) -> io::Result<()> {
        space(w, "  ")?;
        end(w, "testsuite")?;
        space(w, "\n")
    }
}

/// `<testcase>`: one record, or one input error.
struct Case<'a> {
    /// `product.report`, or `input` for an input error.
    classname: &'a str,
    /// The record's number; none when the whole source could not be read.
    record: Option<usize>,
    /// The source file and the record's line in it, for CI systems that link a case to the
    /// file (GitLab reads `file` and `line`).
    file: &'a str,
    line: Option<usize>,
    status: Status<'a>,
}

/// What a case holds.
enum Status<'a> {
    /// No finding at low severity or above: an empty case.
    Passed,
    /// `<failure>`, on a line of its own: how many findings, and one line for each.
    Failure { findings: usize, text: &'a str },
    /// `<error/>`, inline: why the record could not be audited.
    Error { message: &'a str },
}

impl Case<'_> {
    fn write<W: Write>(&self, w: &mut Writer<W>) -> io::Result<()> {
        let classname = xml(self.classname);
        let name = match self.record {
            Some(r) => format!("record {r}"),
            None => "record -".to_string(),
        };
        let file = xml(self.file);
        let line = self.line.map(|l| l.to_string());
        let mut attrs = vec![
            ("classname", classname.as_str()),
            ("name", name.as_str()),
            ("file", file.as_str()),
        ];
        if let Some(line) = &line {
            attrs.push(("line", line.as_str()));
        }
        space(w, "    ")?;
        w.write_event(Event::Start(tag("testcase", &attrs)))?;
        match self.status {
            Status::Passed => {}
            Status::Failure { findings, text } => {
                let message = format!("{findings} findings");
                space(w, "\n      ")?;
                w.write_event(Event::Start(tag(
                    "failure",
                    &[("message", message.as_str()), ("type", "privacy")],
                )))?;
                w.write_event(Event::Text(BytesText::from_escaped(xml(text))))?;
                end(w, "failure")?;
                space(w, "\n    ")?;
            }
            Status::Error { message } => {
                let message = xml(message);
                w.write_event(Event::Empty(tag("error", &[("message", message.as_str())])))?;
            }
        }
        end(w, "testcase")?;
        space(w, "\n")
    }
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
            REPORT.write_start(&mut Writer::new(&mut *out))?;
        }
        if self.source.as_deref() != Some(source) {
            self.flush(out)?;
            self.source = Some(source.to_string());
        }
        Ok(())
    }

    fn flush(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if let Some(source) = self.source.take() {
            let suite = Suite {
                name: &source,
                tests: self.tests,
                failures: self.failures,
                errors: self.errors,
            };
            suite.write_start(&mut Writer::new(&mut *out))?;
            self.cases.drain_into(out)?;
            suite.write_end(&mut Writer::new(&mut *out))?;
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
        let classname = format!("{product}.{report}");
        let failed = a.findings.iter().any(|f| f.severity >= Severity::Low);
        let text = if failed {
            let lines: Vec<String> = a
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
            lines.join("\n")
        } else {
            String::new()
        };
        let status = if failed {
            self.failures += 1;
            Status::Failure {
                findings: a.findings.len(),
                text: &text,
            }
        } else {
            Status::Passed
        };
        let case = Case {
            classname: &classname,
            record: Some(a.record),
            file: a.source,
            line: a.line,
            status,
        };
        case.write(&mut Writer::new(&mut self.cases))
    }

    fn error(&mut self, e: &RecordError, out: &mut dyn Write) -> io::Result<()> {
        self.switch(&e.source, out)?;
        self.tests += 1;
        self.errors += 1;
        let case = Case {
            classname: "input",
            record: e.record,
            file: &e.source,
            line: e.line,
            status: Status::Error {
                message: &e.message,
            },
        };
        case.write(&mut Writer::new(&mut self.cases))
    }

    fn finish(&mut self, _: &Summary, out: &mut dyn Write) -> io::Result<()> {
        if !self.started {
            REPORT.write_start(&mut Writer::new(&mut *out))?;
        }
        self.flush(out)?;
        REPORT.write_end(&mut Writer::new(out))
    }
}
