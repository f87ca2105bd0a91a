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

/// `partialFingerprints` ("primary…" sorts before "privaudit"). Code scanning tracks an alert
/// by `primaryLocationLineHash`: here the finding's place (product, kind, pointer without keyed
/// tags, category, rule; [`privaudit_policy::location_id`]), the same on every run and
/// machine, with or without a key. `privaudit/v1` is the finding's own fingerprint, which
/// changes with the leaked value when a key is set.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PartialFingerprints<'a> {
    primary_location_line_hash: String,
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
    /// `security` first: code scanning reads `security-severity` only on rules tagged so.
    tags: [&'a str; 3],
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
                tags: ["security", "privacy", category],
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

/// A source as a SARIF artifact URI: a percent-encoded URI relative to the working directory
/// where the file lies under it (code scanning resolves relative URIs against the repository
/// root), else a `file://` URI of its absolute path.
fn artifact_uri(source: &str) -> String {
    if source == "-" {
        return "stdin".into();
    }
    let path = Path::new(source);
    let cwd = std::env::current_dir().and_then(std::fs::canonicalize).ok();
    let full = std::fs::canonicalize(path).ok();
    if let (Some(cwd), Some(full)) = (&cwd, &full) {
        return match full.strip_prefix(cwd) {
            Ok(rel) => uri_path(&rel.to_string_lossy()),
            Err(_) => format!("file://{}", uri_path(&full.to_string_lossy())),
        };
    }
    // Not a file on this machine (it went away): as given, relative where it was.
    let given = source.trim_start_matches("./");
    match path.is_absolute() {
        true => format!("file://{}", uri_path(given)),
        false => uri_path(given),
    }
}

/// A path as the path of a URI (RFC 3986): `/` separates segments, and every byte but the
/// unreserved characters, sub-delimiters, `:` and `@` is percent-encoded.
fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
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
            primary_location_line_hash: privaudit_policy::location_id(
                &[a.product.unwrap_or(""), a.kind.unwrap_or("")],
                f,
            ),
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
                information_uri: env!("CARGO_PKG_REPOSITORY"),
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
