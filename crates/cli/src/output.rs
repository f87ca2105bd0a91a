//! Output formats: text for people, JSON (a documented, versioned contract), SARIF 2.1.0 for
//! code scanning, JUnit XML for CI dashboards; and baselines.

use privaudit_policy::{Audit, Finding, Severity};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;

/// One audited record.
pub struct Audited {
    pub source: String,
    pub record: usize,
    pub line: Option<usize>,
    pub audit: Audit,
}

/// A record that could not be audited.
pub struct RecordError {
    pub source: String,
    pub record: Option<usize>,
    pub line: Option<usize>,
    pub message: String,
}

/// Everything one run saw.
#[derive(Default)]
pub struct Run {
    pub files: usize,
    pub records: usize,
    pub skipped: usize,
    pub suppressed: usize,
    pub audited: Vec<Audited>,
    pub errors: Vec<RecordError>,
}

impl Run {
    pub fn findings(&self) -> impl Iterator<Item = (&Audited, &Finding)> {
        self.audited
            .iter()
            .flat_map(|a| a.audit.findings.iter().map(move |f| (a, f)))
    }

    /// Records an input that could not be audited.
    pub fn error(
        &mut self,
        source: &str,
        record: Option<usize>,
        line: Option<usize>,
        message: String,
    ) {
        self.errors.push(RecordError {
            source: source.to_string(),
            record,
            line,
            message,
        });
    }

    pub fn apply_baseline(&mut self, baseline: &BTreeSet<String>) {
        for a in &mut self.audited {
            let before = a.audit.findings.len();
            a.audit
                .findings
                .retain(|f| !baseline.contains(&f.fingerprint));
            self.suppressed += before - a.audit.findings.len();
        }
    }

    fn count(&self, s: Severity) -> usize {
        self.findings().filter(|(_, f)| f.severity == s).count()
    }
}

pub fn read_baseline(path: &Path) -> Result<BTreeSet<String>, String> {
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
    Ok(list
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect())
}

pub fn baseline(run: &Run) -> String {
    let fps: BTreeSet<&str> = run
        .findings()
        .map(|(_, f)| f.fingerprint.as_str())
        .collect();
    let mut s = serde_json::to_string_pretty(&json!({"version": 1, "fingerprints": fps}))
        .unwrap_or_default();
    s.push('\n');
    s
}

fn kind_name(a: &Audited) -> (&'static str, &'static str) {
    (
        a.audit.product.unwrap_or(""),
        a.audit.kind.map_or("", |k| k.kind),
    )
}

pub fn json(run: &Run) -> String {
    let findings: Vec<Value> = run
        .findings()
        .map(|(a, f)| {
            let (product, report) = kind_name(a);
            json!({
                "source": a.source, "record": a.record, "product": product, "report": report,
                "pointer": f.pointer, "category": f.category, "severity": f.severity.as_str(),
                "rule": f.rule, "message": f.message, "evidence": f.evidence.shown(),
                "fingerprint": f.fingerprint,
            })
        })
        .collect();
    let errors: Vec<Value> = run
        .errors
        .iter()
        .map(|e| json!({"source": e.source, "record": e.record, "message": e.message}))
        .collect();
    let doc = json!({
        "version": 1,
        "summary": {
            "files": run.files, "records": run.records, "skipped": run.skipped,
            "findings": findings.len(), "suppressed": run.suppressed,
            "by_severity": {
                "info": run.count(Severity::Info), "low": run.count(Severity::Low),
                "medium": run.count(Severity::Medium), "high": run.count(Severity::High),
            },
        },
        "findings": findings,
        "errors": errors,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

pub fn text(run: &Run, colour: bool) -> String {
    let paint = |code: &str, s: &str| {
        if colour {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    for a in &run.audited {
        if a.audit.findings.is_empty() {
            continue;
        }
        let (product, report) = kind_name(a);
        out.push_str(&paint(
            "1",
            &format!("{} record {} ({product}/{report})\n", a.source, a.record),
        ));
        for f in &a.audit.findings {
            let sev = match f.severity {
                Severity::High => paint("31;1", "high"),
                Severity::Medium => paint("33", "medium"),
                Severity::Low => paint("36", "low"),
                Severity::Info => paint("2", "info"),
            };
            let evidence = match (f.evidence.marked.as_str(), f.evidence.shown()) {
                (_, "") => String::new(),
                ("", shown) => format!(" [{}]", paint("1", shown)),
                (marked, _) => {
                    // The match inside its value, highlighted on a terminal.
                    let marked = match (marked.find('⟦'), marked.rfind('⟧')) {
                        (Some(a), Some(b)) if colour => format!(
                            "{}{}{}",
                            &marked[..a],
                            paint("1;4", &marked[a..b + '⟧'.len_utf8()]),
                            &marked[b + '⟧'.len_utf8()..]
                        ),
                        _ => marked.to_string(),
                    };
                    format!(" [{marked}]")
                }
            };
            out.push_str(&format!(
                "  {sev:<6} {} {}{evidence}\n",
                f.pointer, f.category
            ));
            out.push_str(&format!("         {}: {}\n", f.rule, f.message));
        }
    }
    for e in &run.errors {
        let at = e.record.map_or(String::new(), |r| format!(" record {r}"));
        let at = e.line.map_or(at.clone(), |l| format!("{at} (line {l})"));
        out.push_str(&paint(
            "31",
            &format!("error: {}{at}: {}\n", e.source, e.message),
        ));
    }
    out.push_str(&format!(
        "{} files, {} records ({} skipped), {} findings (high {}, medium {}, low {}, info {}), {} suppressed by baseline, {} errors\n",
        run.files,
        run.records,
        run.skipped,
        run.findings().count(),
        run.count(Severity::High),
        run.count(Severity::Medium),
        run.count(Severity::Low),
        run.count(Severity::Info),
        run.suppressed,
        run.errors.len()
    ));
    out
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::High | Severity::Medium => "error",
        Severity::Low => "warning",
        Severity::Info => "note",
    }
}

pub fn sarif(run: &Run) -> String {
    let rule_ids: BTreeSet<&str> = run.findings().map(|(_, f)| f.rule.as_str()).collect();
    let rules: Vec<Value> = rule_ids
        .iter()
        .map(|id| {
            let (statement, severity, source) = match privaudit_policy::explain(id) {
                Some((policy, rule)) => {
                    let src = policy.source.iter().find(|s| s.id == rule.source).map_or(String::new(), |s| format!("{}, section \"{}\"", s.title, rule.section));
                    (rule.statement, rule.severity, src)
                }
                None => (String::new(), Severity::Medium, String::new()),
            };
            json!({
                "id": id, "name": id.replace(['/', '-'], "_"),
                "shortDescription": {"text": id},
                "fullDescription": {"text": statement},
                "help": {"text": format!("{statement}\nSource: {source}\nRun `privaudit explain {id}` for details.")},
                "defaultConfiguration": {"level": level(severity)},
            })
        })
        .collect();
    let results: Vec<Value> = run
        .findings()
        .map(|(a, f)| {
            let mut region = json!({});
            if let Some(line) = a.line {
                region = json!({"startLine": line});
            }
            let mut physical = json!({"artifactLocation": {"uri": a.source.trim_start_matches("./")}});
            if a.line.is_some() {
                physical["region"] = region;
            }
            json!({
                "ruleId": f.rule,
                "level": level(f.severity),
                "message": {"text": format!("{} at {} (record {}): {} [{}]", f.category, f.pointer, a.record, f.message, f.evidence.shown())},
                "locations": [{
                    "physicalLocation": physical,
                    "logicalLocations": [{"fullyQualifiedName": f.pointer, "kind": "member"}],
                }],
                "partialFingerprints": {"privaudit/v1": f.fingerprint},
                "properties": {"category": f.category, "severity": f.severity.as_str(), "record": a.record},
            })
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "privaudit", "version": env!("CARGO_PKG_VERSION"), "informationUri": "https://github.com/privaudit/privaudit", "rules": rules}},
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

fn xml(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect::<String>()
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn junit(run: &Run) -> String {
    let failing = |a: &Audited| a.audit.findings.iter().any(|f| f.severity >= Severity::Low);
    let mut sources: Vec<&str> = run
        .audited
        .iter()
        .map(|a| a.source.as_str())
        .chain(run.errors.iter().map(|e| e.source.as_str()))
        .collect();
    sources.dedup();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let total = run.audited.len() + run.errors.len();
    let failures = run.audited.iter().filter(|a| failing(a)).count();
    out.push_str(&format!(
        "<testsuites name=\"privaudit\" tests=\"{total}\" failures=\"{failures}\" errors=\"{}\">\n",
        run.errors.len()
    ));
    for source in sources {
        let cases: Vec<&Audited> = run.audited.iter().filter(|a| a.source == source).collect();
        let errs: Vec<&RecordError> = run.errors.iter().filter(|e| e.source == source).collect();
        let f = cases.iter().filter(|a| failing(a)).count();
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{f}\" errors=\"{}\">\n",
            xml(source),
            cases.len() + errs.len(),
            errs.len()
        ));
        for a in cases {
            let (product, report) = kind_name(a);
            out.push_str(&format!(
                "    <testcase classname=\"{product}.{report}\" name=\"record {}\">",
                a.record
            ));
            if failing(a) {
                let body: Vec<String> = a
                    .audit
                    .findings
                    .iter()
                    .map(|f| {
                        format!(
                            "{} {} {} {} [{}]",
                            f.severity,
                            f.pointer,
                            f.category,
                            f.rule,
                            f.evidence.shown()
                        )
                    })
                    .collect();
                out.push_str(&format!(
                    "\n      <failure message=\"{} findings\" type=\"privacy\">{}</failure>\n    ",
                    a.audit.findings.len(),
                    xml(&body.join("\n"))
                ));
            }
            out.push_str("</testcase>\n");
        }
        for e in errs {
            out.push_str(&format!("    <testcase classname=\"input\" name=\"record {}\"><error message=\"{}\"/></testcase>\n", e.record.map_or("-".into(), |r| r.to_string()), xml(&e.message)));
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
