//! Peer suites: the recognizer cases of Presidio and the rule examples of gitleaks, run over
//! our detectors. Pass rates are printed per category; the email, IP, URL, card and credential
//! positives must all pass, and every other case we do not pass is listed with its reason.

use privaudit_detect::{Category, Match, Scanner};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct PresidioCase {
    line: u32,
    source: String,
    category: String,
    text: String,
    expected: Vec<[usize; 2]>,
    #[serde(default)]
    config: Option<serde_json::Value>,
    #[serde(default)]
    low_confidence: bool,
}

#[derive(Deserialize)]
struct GitleaksCase {
    line: u32,
    source: String,
    rule: String,
    text: String,
    expect_found: bool,
    #[serde(default)]
    positive_for_other_rules: Option<Vec<String>>,
    #[serde(default)]
    note: Option<String>,
}

fn read(name: &str) -> String {
    let path = format!("{}/../../fixtures/peers/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn overlaps(a: &std::ops::Range<usize>, b: &[usize; 2]) -> bool {
    a.start < b[1] && b[0] < a.end
}

/// Matches a caller would see for a field whose class lets the detector decide: the default
/// threshold, plus low-confidence IPs, which the engine reports in fields that hold no versions.
fn visible(scanner: &Scanner, text: &str, category: Category) -> Vec<Match> {
    scanner
        .scan_vec(text)
        .into_iter()
        .filter(|m| m.category == category && (m.is_default() || category == Category::IpAddress))
        .collect()
}

/// Cases we knowingly do not pass, by a reason that says why. Returns `None` when a failure
/// on this case is a regression.
fn known_gap(category: &str, positive: bool, case: &PresidioCase) -> Option<&'static str> {
    match category {
        "crypto" => Some("crypto wallet addresses are not a privaudit category"),
        "phone_number" if case.config.is_some() && !positive => {
            Some("single-region negative: not a number of that country, valid elsewhere")
        }
        "phone_number" if positive => {
            Some("region-limited or national format without a country code or telephone context")
        }
        "phone_number" => Some("national-format number read as telephone"),
        "iban" if !positive => Some("IBAN negative that passes mod-97 or country length"),
        "iban" => Some("IBAN split or formatted beyond the grouping we accept"),
        "ip_address" if case.low_confidence => {
            Some("bare unspecified address `::`, optional upstream")
        }
        "url" if !positive && case.text.contains("://") => {
            Some("a scheme with a single-label host is still a URL to us (an intranet address)")
        }
        "url" if !positive => {
            Some("ends in a delegated top-level domain (.microsoft): a host name to us")
        }
        _ => None,
    }
}

#[test]
fn presidio_recognizer_cases() {
    let scanner = Scanner::new();
    let cases: Vec<PresidioCase> =
        serde_json::from_str(&read("presidio-recognizer-cases.json")).unwrap();
    assert!(cases.len() > 500, "suite is complete");
    // category -> (cases, passed)
    let mut rate: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut gaps: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut regressions = Vec::new();
    for case in &cases {
        let positive = !case.expected.is_empty();
        let passed = match Category::parse(&case.category) {
            // A category we do not have passes its negatives trivially.
            None => !positive,
            Some(category) => {
                let mut found = visible(&scanner, &case.text, category);
                if category == Category::Url {
                    // Presidio counts a bare domain as a URL; we report it as a host name.
                    found.extend(visible(&scanner, &case.text, Category::Hostname));
                }
                if positive {
                    case.expected.iter().all(|span| {
                        case.low_confidence || found.iter().any(|m| overlaps(&m.span, span))
                    })
                } else {
                    found.is_empty()
                }
            }
        };
        let row = rate.entry(case.category.clone()).or_default();
        row.0 += 1;
        if passed {
            row.1 += 1;
            continue;
        }
        let line = format!(
            "{}:{} {:?}",
            case.source.rsplit('/').next().unwrap(),
            case.line,
            case.text
        );
        match known_gap(&case.category, positive, case) {
            Some(reason) => gaps.entry(reason).or_default().push(line),
            None => regressions.push(line),
        }
    }
    println!("Presidio recognizer cases, pass rate per category:");
    for (category, (n, ok)) in &rate {
        println!(
            "  {category:<13} {ok:>4}/{n:<4} {:.3}",
            *ok as f64 / *n as f64
        );
    }
    for (reason, lines) in &gaps {
        println!("not passed ({}): {reason}", lines.len());
        for l in lines {
            println!("    {l}");
        }
    }
    assert!(
        regressions.is_empty(),
        "cases that must pass:\n{}",
        regressions.join("\n")
    );
}

#[test]
fn gitleaks_rule_cases() {
    let scanner = Scanner::new();
    let cases: Vec<GitleaksCase> = serde_json::from_str(&read("gitleaks-rule-cases.json")).unwrap();
    assert!(cases.len() > 400, "suite is complete");
    let mut rate: BTreeMap<String, [usize; 4]> = BTreeMap::new();
    let mut missed = Vec::new();
    let mut soft = Vec::new();
    let mut flagged = Vec::new();
    for case in &cases {
        let found = !visible(&scanner, &case.text, Category::Credential).is_empty();
        let family = case
            .source
            .rsplit('/')
            .next()
            .unwrap()
            .trim_end_matches(".go")
            .to_string();
        let row = rate.entry(family).or_default();
        let line = format!(
            "{}:{} [{}] {:?}",
            case.source.rsplit('/').next().unwrap(),
            case.line,
            case.rule,
            case.text
        );
        if case.expect_found {
            row[0] += 1;
            if found {
                row[1] += 1;
            } else if case.rule == "gcp-service-account" && !case.text.contains("PRIVATE KEY") {
                // The `"type": "service_account"` marker names a key file but holds no secret;
                // the key inside such a file is found as a private key.
                soft.push(format!("{line} (marker only, no secret in the text)"));
            } else {
                missed.push(line);
            }
        } else if case.positive_for_other_rules.is_some() {
            continue;
        } else {
            row[2] += 1;
            if !found {
                row[3] += 1;
            } else if case.note.is_some() {
                soft.push(line);
            } else {
                flagged.push(line);
            }
        }
    }
    println!("gitleaks rule cases per file: positives found, negatives left alone");
    for (family, [p, pf, n, nf]) in &rate {
        println!("  {family:<16} {pf:>3}/{p:<3}  {nf:>3}/{n:<3}");
    }
    println!(
        "soft cases ({}): published examples, other-rule values, or markers without a secret",
        soft.len()
    );
    for l in &soft {
        println!("    {l}");
    }
    println!(
        "negatives reported ({}): context that gitleaks' allowlists or stop words clear",
        flagged.len()
    );
    for l in &flagged {
        println!("    {l}");
    }
    assert!(
        missed.is_empty(),
        "credential positives missed:\n{}",
        missed.join("\n")
    );
}
