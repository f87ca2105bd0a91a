//! SARIF 2.1.0 as GitHub code scanning accepts it, written from typed structs.
//!
//! serde_json writes struct members in declaration order, so each struct declares them
//! sorted by name, the order these documents have always had. The frame (`$schema`,
//! `version`, `runs`, and in the run `results`, `tool`, `invocations`) is written by hand so
//! that results can stream ([`PRELUDE`], `finish`).

use super::{Audited, RecordError, Sink, Summary, to_string, to_writer};
use privaudit_policy::{Finding, Severity};
use serde::Serialize;
use std::collections::BTreeSet;
use std::io::{self, Write};
use std::path::Path;

/// GitHub code scanning rejects a run with more results than this.
pub const SARIF_MAX_RESULTS: usize = 25_000;

/// The document up to the first result: hand-written, members in the order SARIF readers
/// show, and the results stream into the open array.
const PRELUDE: &str = "{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n  \"version\": \"2.1.0\",\n  \"runs\": [{\n    \"results\": [";

/// `result.level`, `notification.level` and `reportingConfiguration.level`.
#[derive(Clone, Copy, Serialize)]
#[serde(rename_all = "lowercase")]
enum Level {
    Error,
    Warning,
    Note,
}

impl Level {
    fn of(s: Severity) -> Level {
        match s {
            Severity::High | Severity::Medium => Level::Error,
            Severity::Low => Level::Warning,
            Severity::Info => Level::Note,
        }
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

/// `message` and `multiformatMessageString`: a plain text.
#[derive(Serialize)]
struct Message<'a> {
    text: &'a str,
}

/// One `result`: a finding.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    level: Level,
    locations: [Location<'a>; 1],
    message: Message<'a>,
    partial_fingerprints: PartialFingerprints<'a>,
    properties: ResultProperties<'a>,
    rule_id: &'a str,
}

/// A result's `location`: the source file and line, and the pointer inside the record.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    logical_locations: [LogicalLocation<'a>; 1],
    physical_location: PhysicalLocation<'a>,
}

/// `logicalLocation`: the finding's JSON pointer.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation<'a> {
    fully_qualified_name: &'a str,
    kind: &'static str,
}

/// `physicalLocation`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation<'a> {
    artifact_location: ArtifactLocation<'a>,
    region: Region,
}

/// `artifactLocation`: see [`artifact_uri`].
#[derive(Serialize)]
struct ArtifactLocation<'a> {
    uri: &'a str,
}

/// `region`: the record's line (1 when unknown).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
}

/// `partialFingerprints`: both the finding's fingerprint ("primary…" sorts before "privaudit").
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PartialFingerprints<'a> {
    primary_location_line_hash: &'a str,
    #[serde(rename = "privaudit/v1")]
    privaudit_v1: &'a str,
}

/// A result's property bag.
#[derive(Serialize)]
struct ResultProperties<'a> {
    category: &'static str,
    record: usize,
    severity: &'a str,
}

/// `run.tool`.
#[derive(Serialize)]
struct Tool<'a> {
    driver: ToolComponent<'a>,
}

/// `tool.driver`: privaudit and the rules the results used.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ToolComponent<'a> {
    information_uri: &'static str,
    name: &'static str,
    rules: Vec<ReportingDescriptor<'a>>,
    version: &'static str,
}

/// `reportingDescriptor`: one rule.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor<'a> {
    default_configuration: ReportingConfiguration,
    full_description: Message<'a>,
    help: Message<'a>,
    id: &'a str,
    name: &'a str,
    properties: RuleProperties<'a>,
    short_description: Message<'a>,
}

/// `reportingConfiguration`.
#[derive(Serialize)]
struct ReportingConfiguration {
    level: Level,
}

/// A rule's property bag, as GitHub code scanning reads it.
#[derive(Serialize)]
struct RuleProperties<'a> {
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
    tags: [&'a str; 2],
}

/// `invocation`: whether every input was read, and what was not.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation<'a> {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification<'a>>,
}

/// `notification`: an input error, or results left out.
#[derive(Serialize)]
struct Notification<'a> {
    level: Level,
    message: Message<'a>,
}

/// A notification of `level` saying `text`.
fn note(level: Level, text: &str) -> Notification<'_> {
    Notification {
        level,
        message: Message { text },
    }
}

/// What a rule's descriptor says, looked up once per rule when the run ends.
struct RuleText {
    name: String,
    statement: String,
    help: String,
    severity: Severity,
}

impl RuleText {
    fn of(id: &str) -> RuleText {
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
        RuleText {
            name: id.replace(['/', '-'], "_"),
            help: format!(
                "{statement}\nSource: {source}\nRun `privaudit explain {id}` for details."
            ),
            statement,
            severity,
        }
    }

    fn descriptor<'a>(&'a self, id: &'a str) -> ReportingDescriptor<'a> {
        let category = id.split('/').next_back().unwrap_or(id);
        ReportingDescriptor {
            default_configuration: ReportingConfiguration {
                level: Level::of(self.severity),
            },
            full_description: Message {
                text: &self.statement,
            },
            help: Message { text: &self.help },
            id,
            name: &self.name,
            properties: RuleProperties {
                security_severity: security_severity(self.severity),
                tags: ["privacy", category],
            },
            short_description: Message { text: id },
        }
    }
}

/// SARIF 2.1.0 as GitHub code scanning accepts it: results stream first, the rules they
/// used follow in `tool.driver`.
#[derive(Default)]
pub struct Sarif {
    results: usize,
    left_out: usize,
    rules: BTreeSet<String>,
    /// The texts of input errors, reported as tool notifications (the first hundred).
    errors: Vec<String>,
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

/// The result for finding `f` of record `a`, found in the artifact at `uri`.
fn result<'a>(a: &Audited, f: &'a Finding, uri: &'a str, text: &'a str) -> SarifResult<'a> {
    SarifResult {
        level: Level::of(f.severity),
        locations: [Location {
            logical_locations: [LogicalLocation {
                fully_qualified_name: f.shown_pointer(),
                kind: "member",
            }],
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation { uri },
                region: Region {
                    start_line: a.line.unwrap_or(1).max(1),
                },
            },
        }],
        message: Message { text },
        partial_fingerprints: PartialFingerprints {
            primary_location_line_hash: &f.fingerprint,
            privaudit_v1: &f.fingerprint,
        },
        properties: ResultProperties {
            category: f.category.as_str(),
            record: a.record,
            severity: f.severity.as_str(),
        },
        rule_id: &f.rule,
    }
}

impl Sink for Sarif {
    fn record(&mut self, a: &Audited, out: &mut dyn Write) -> io::Result<()> {
        for f in a.findings {
            if self.results >= SARIF_MAX_RESULTS {
                self.left_out += 1;
                continue;
            }
            if self.results == 0 {
                out.write_all(PRELUDE.as_bytes())?;
            }
            if !self.rules.contains(&f.rule) {
                self.rules.insert(f.rule.clone());
            }
            if self.artifact.as_ref().is_none_or(|(s, _)| s != a.source) {
                self.artifact = Some((a.source.to_string(), artifact_uri(a.source)));
            }
            let uri = self.artifact.as_ref().map_or("", |(_, uri)| uri.as_str());
            let text = format!(
                "{} at {} (record {}): {} [{}]",
                f.category,
                f.shown_pointer(),
                a.record,
                f.message,
                f.evidence.shown()
            );
            let sep = if self.results == 0 { "" } else { "," };
            write!(out, "{sep}\n      ")?;
            to_writer(&mut *out, &result(a, f, uri, &text))?;
            self.results += 1;
        }
        Ok(())
    }

    fn error(&mut self, e: &RecordError, _: &mut dyn Write) -> io::Result<()> {
        self.error_count += 1;
        if self.errors.len() < 100 {
            let at = e.record.map_or(String::new(), |r| format!(" record {r}"));
            self.errors.push(format!("{}{at}: {}", e.source, e.message));
        }
        Ok(())
    }

    fn finish(&mut self, _: &Summary, out: &mut dyn Write) -> io::Result<()> {
        if self.results == 0 {
            write!(out, "{PRELUDE}]")?;
        } else {
            write!(out, "\n    ]")?;
        }
        let texts: Vec<(&str, RuleText)> = self
            .rules
            .iter()
            .map(|id| (id.as_str(), RuleText::of(id)))
            .collect();
        let tool = Tool {
            driver: ToolComponent {
                information_uri: "https://github.com/privaudit/privaudit",
                name: "privaudit",
                rules: texts.iter().map(|(id, t)| t.descriptor(id)).collect(),
                version: env!("CARGO_PKG_VERSION"),
            },
        };
        let left_out = (self.left_out > 0).then(|| {
            format!(
                "{} results beyond the first {SARIF_MAX_RESULTS} were left out: GitHub code scanning refuses larger runs; use --format json for all of them",
                self.left_out
            )
        });
        let more = (self.error_count > self.errors.len()).then(|| {
            format!(
                "{} more input errors; use --format json for all of them",
                self.error_count - self.errors.len()
            )
        });
        let notes = left_out
            .iter()
            .map(|t| note(Level::Warning, t))
            .chain(self.errors.iter().map(|t| note(Level::Error, t)))
            .chain(more.iter().map(|t| note(Level::Error, t)))
            .collect();
        let invocation = Invocation {
            execution_successful: self.error_count == 0,
            tool_execution_notifications: notes,
        };
        writeln!(
            out,
            ",\n    \"tool\": {},\n    \"invocations\": [{}]\n  }}]\n}}",
            to_string(&tool)?,
            to_string(&invocation)?
        )
    }
}
