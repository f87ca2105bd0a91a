//! Text for people.

use super::{Audited, RecordError, Sink, Summary, kind_name, printable};
use privaudit_policy::{Finding, Severity};
use std::io::{self, Write};

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
