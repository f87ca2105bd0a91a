//! The JSON output contract: a mirror of every message with unknown members refused, the
//! committed JSON Schema generated from it (`docs/output.schema.json`), and real outputs
//! read through both. A member added to the output without a word here fails the test.
//! Rewrite the schema with `PRIVAUDIT_BLESS=1 cargo test -p privaudit --test cli contract`.

use schemars::JsonSchema;
use serde::Deserialize;

/// The output of `privaudit audit --format json` (and of `reident` and `reverse`), version 1.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "privaudit JSON output, version 1")]
#[allow(dead_code)]
struct Output {
    /// The contract's version.
    #[schemars(range(min = 1, max = 1))]
    version: u32,
    /// Findings in input order: by source, record, then the pointer shown.
    findings: Vec<Finding>,
    /// Records and sources that could not be audited.
    errors: Vec<RecordError>,
    summary: Summary,
}

/// One finding.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Finding {
    /// The input file (`-` for standard input).
    source: String,
    /// 0-based index of the record in its source.
    record: usize,
    /// The product and report kind the record was audited as.
    product: String,
    report: String,
    /// RFC 6901 pointer, data-bearing segments redacted unless evidence is shown.
    pointer: String,
    #[schemars(schema_with = "category")]
    category: String,
    /// The encodings the leak was found under, outermost first (`percent`, `base64`,
    /// `gzip`, `data-uri`, `jwt-claims`); absent when it was found as sent.
    #[serde(default)]
    encoding: Vec<String>,
    severity: Severity,
    /// `product/rule`, the promise the finding breaks.
    rule: String,
    message: String,
    /// Redacted unless `--show-evidence`; empty for findings without a value.
    evidence: String,
    /// 32 hex characters, keyed; what baselines match on.
    #[schemars(regex(pattern = r"^[0-9a-f]{32}$"))]
    fingerprint: String,
}

/// An input that could not be audited.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct RecordError {
    source: String,
    /// The record, or null when the whole source could not be read.
    record: Option<usize>,
    message: String,
}

/// The counts of the run.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Summary {
    files: usize,
    records: usize,
    /// HAR entries and other records passed over as not telemetry.
    skipped: usize,
    /// Findings reported (after the baseline).
    findings: usize,
    /// Findings a baseline suppressed.
    suppressed: usize,
    by_severity: BySeverity,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct BySeverity {
    info: usize,
    low: usize,
    medium: usize,
    high: usize,
}

/// A category's stable name: one of `privaudit_policy::Category::ALL`.
fn category(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let names: Vec<&str> = privaudit_policy::Category::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    schemars::json_schema!({ "type": "string", "enum": names })
}

#[derive(Deserialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum Severity {
    Info,
    Low,
    Medium,
    High,
}

fn schema_path() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/output.schema.json")
}

fn generated() -> String {
    let mut schema = schemars::schema_for!(Output);
    schema.insert("$id".into(), "urn:privaudit:output:json:1".into());
    serde_json::to_string_pretty(&schema).unwrap() + "\n"
}

#[test]
fn the_committed_schema_is_the_mirror() {
    let want = generated();
    if std::env::var_os("PRIVAUDIT_BLESS").is_some() {
        std::fs::write(schema_path(), &want).unwrap();
    }
    let have = std::fs::read_to_string(schema_path()).unwrap_or_default();
    assert!(
        have == want,
        "docs/output.schema.json is stale (regenerate with PRIVAUDIT_BLESS=1 cargo test -p privaudit --test cli contract)"
    );
}

#[test]
fn every_output_message_is_in_the_contract() {
    let schema: serde_json::Value = serde_json::from_str(&generated()).unwrap();
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&schema)
        .unwrap();
    let hostile = super::tmp("contract-broken.ndjson", b"{\"a\": 1}\n{not json}\n");
    let hostile = hostile.to_str().unwrap();
    let runs: [&[&str]; 4] = [
        // Every fixture: findings of every product, and the hostile inputs' errors.
        &["audit", "--format", "json", "."],
        &[
            "audit",
            "--format",
            "json",
            "--show-evidence",
            "introvox",
            hostile,
        ],
        &["reident", "--format", "json", "kopano", "introvox"],
        &[
            "audit",
            "--format",
            "json",
            "introvox/daily-report-1.7.6.json",
        ],
    ];
    let mut seen = (0, 0, std::collections::BTreeSet::new());
    for args in runs {
        let (_, out, err) = super::run(args);
        let value: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}\n{err}"));
        let problems: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(problems.is_empty(), "{args:?}: {problems:?}");
        let output: Output = serde_json::from_value(value)
            .unwrap_or_else(|e| panic!("{args:?}: not in the contract: {e}"));
        seen.0 += output.findings.len();
        seen.1 += output.errors.len();
        seen.2.extend(output.findings.iter().map(|f| f.severity));
    }
    // The runs must have exercised the contract, not only its empty form.
    assert!(
        seen.0 > 100 && seen.1 > 2,
        "{} findings, {} errors",
        seen.0,
        seen.1
    );
    assert_eq!(seen.2.len(), 4, "every severity occurs");
}
