//! The collector-facing API: errors, limits, product selection, redaction, and no panic on any
//! input.

use privaudit_policy::{AuditOptions, Auditor, Category, Error, ErrorKind, Limits, Verdict};
use proptest::prelude::*;

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../../fixtures/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn syntax_errors_name_line_and_column() {
    let audit = Auditor::all().audit(b"{\n  \"totalUsers\": 3,\n  oops\n}");
    match audit.error {
        Some(Error::Syntax { line, column, .. }) => assert_eq!((line, column), (3, 3)),
        other => panic!("{other:?}"),
    }
    assert_eq!(audit.verdict(), Verdict::Rejected);
}

#[test]
fn bodies_over_the_limit_are_refused() {
    let auditor = Auditor::all().with_options(AuditOptions {
        limits: Limits {
            max_body_bytes: 64,
            ..Limits::default()
        },
        ..Default::default()
    });
    let audit = auditor.audit(&fixture("introvox/daily-report-1.7.6.json"));
    assert!(
        matches!(audit.error, Some(Error::TooLarge { limit: 64, .. })),
        "{:?}",
        audit.error
    );
}

#[test]
fn the_product_is_detected_by_shape() {
    let auditor = Auditor::all();
    for (path, product, kind) in [
        (
            "introvox/daily-report-1.7.6.json",
            "introvox",
            "daily-report",
        ),
        (
            "roomvox/daily-report-b-b2.json",
            "roomvox",
            "daily-report-b",
        ),
        ("kopano/survey-8.7.json", "kopano", "survey"),
        (
            "mattermost/security-check.json",
            "mattermost",
            "security-check",
        ),
        (
            "mattermost/diagnostics-batch-v8.json",
            "mattermost",
            "diagnostics-batch",
        ),
        (
            "community-scripts/pve-tool-report.json",
            "community-scripts",
            "pve-tool-report",
        ),
    ] {
        let audit = auditor.audit(&fixture(path));
        assert_eq!(
            (audit.product, audit.kind.map(|k| k.kind)),
            (Some(product), Some(kind)),
            "{path}"
        );
    }
    // A record no product fits is audited under the generic policy, not refused.
    let audit = auditor.audit(br#"{"hello": "world", "mail": "jan@example.org"}"#);
    assert_eq!(audit.error, None);
    assert_eq!(
        (audit.product, audit.kind.map(|k| k.kind)),
        (Some("generic"), Some("any"))
    );
    assert_eq!(audit.findings.len(), 1, "{:?}", audit.findings);
    assert_eq!(audit.findings[0].rule, "generic/no-personal-data");
    // Forced into a product it shares nothing with, it matches no kind.
    let audit = auditor.audit_as("introvox", br#"{"hello": "world"}"#);
    assert!(
        matches!(audit.error, Some(Error::NoMatch { .. })),
        "{:?}",
        audit.error
    );
    assert_eq!(audit.error.map(|e| e.kind()), Some(ErrorKind::NoMatch));
    let unknown = Auditor::for_product("nextcloud-news").unwrap_err();
    assert_eq!(unknown.kind(), ErrorKind::UnknownProduct);
    assert_eq!(unknown.to_string(), "nextcloud-news: unknown product");
    // Forcing the product: a kopano survey is no IntroVox report.
    let audit = auditor.audit_as("introvox", &fixture("kopano/survey-8.7.json"));
    assert!(audit.error.is_some());
}

#[test]
fn raw_evidence_only_on_request() {
    let body = fixture("introvox/leaks/daily-report-email-server-region.json");
    let raw = String::from_utf8_lossy(&body);
    let start = raw.find("\"serverRegion\":\"").unwrap() + 16;
    let email = &raw[start..raw[start..].find('"').unwrap() + start];
    let key = Some(privaudit_policy::FingerprintKey([3; 32]));
    let redacted = Auditor::for_product("introvox")
        .unwrap()
        .with_options(AuditOptions {
            fingerprint_key: key,
            ..Default::default()
        })
        .audit(&body);
    for f in &redacted.findings {
        assert!(f.evidence.raw.is_none());
        assert!(!format!("{} {} {}", f.message, f.evidence.shown(), f.fingerprint).contains(email));
    }
    let shown = Auditor::for_product("introvox")
        .unwrap()
        .with_options(AuditOptions {
            show_evidence: true,
            fingerprint_key: key,
            ..Default::default()
        })
        .audit(&body);
    assert_eq!(shown.findings[0].evidence.shown(), email);
    assert_eq!(
        shown.findings[0].fingerprint, redacted.findings[0].fingerprint,
        "fingerprint does not depend on display"
    );
}

#[test]
fn fingerprints_are_keyed() {
    let body = fixture("introvox/leaks/daily-report-email-server-region.json");
    let with = |key| {
        Auditor::for_product("introvox")
            .unwrap()
            .with_options(AuditOptions {
                fingerprint_key: Some(privaudit_policy::FingerprintKey(key)),
                ..Default::default()
            })
            .audit(&body)
            .findings[0]
            .fingerprint
            .clone()
    };
    assert_eq!(with([1; 32]), with([1; 32]), "stable under one key");
    assert_ne!(
        with([1; 32]),
        with([2; 32]),
        "another key, another fingerprint"
    );
    // Without a key, two auditors agree (runs and machines match up with no set-up) ...
    let a = Auditor::for_product("introvox").unwrap().audit(&body);
    let b = Auditor::for_product("introvox").unwrap().audit(&body);
    assert_eq!(a.findings[0].fingerprint, b.findings[0].fingerprint);
    assert_ne!(a.findings[0].fingerprint, with([1; 32]));
    // ... and the fingerprint does not follow the value: another address that redacts
    // alike gives the same one, so a dictionary of addresses has nothing to test against.
    let raw = String::from_utf8_lossy(&body);
    let start = raw.find("\"serverRegion\":\"").unwrap() + 16;
    let email = &raw[start..raw[start..].find('"').unwrap() + start];
    let (user, domain) = email.split_once('@').unwrap();
    let other = format!("{}zz@{}", &user[..1], domain);
    assert_ne!(other, email);
    let c = Auditor::for_product("introvox")
        .unwrap()
        .audit(raw.replace(email, &other).as_bytes());
    assert_eq!(
        c.findings[0].evidence.redacted,
        a.findings[0].evidence.redacted
    );
    assert_eq!(c.findings[0].fingerprint, a.findings[0].fingerprint);
    // With a key, it does follow the value.
    let keyed = |body: &[u8]| {
        Auditor::for_product("introvox")
            .unwrap()
            .with_options(AuditOptions {
                fingerprint_key: Some(privaudit_policy::FingerprintKey([1; 32])),
                ..Default::default()
            })
            .audit(body)
            .findings[0]
            .fingerprint
            .clone()
    };
    assert_ne!(keyed(raw.replace(email, &other).as_bytes()), keyed(&body));
}

#[test]
fn location_ids_ignore_keys_and_tags() {
    let body = String::from_utf8(fixture("introvox/daily-report-1.7.6.json"))
        .unwrap()
        .replace(r#""en":"#, r#""jan@example.nl":"#);
    let audit = |key: Option<[u8; 32]>| {
        Auditor::for_product("introvox")
            .unwrap()
            .with_options(AuditOptions {
                fingerprint_key: key.map(privaudit_policy::FingerprintKey),
                ..Default::default()
            })
            .audit(body.as_bytes())
            .findings
    };
    let (none, one, two) = (audit(None), audit(Some([1; 32])), audit(Some([2; 32])));
    let f = none
        .iter()
        .position(|f| f.pointer.contains("j***@***.nl"))
        .expect("the key is found");
    assert!(
        !none[f].pointer.contains(" #"),
        "no tag without a key: {}",
        none[f].pointer
    );
    assert!(
        one[f].pointer.contains(" #"),
        "a tag with one: {}",
        one[f].pointer
    );
    assert_ne!(one[f].pointer, two[f].pointer);
    assert_eq!(privaudit_policy::untagged(&one[f].pointer), none[f].pointer);
    let scope = ["introvox", "daily-report"];
    let ids: Vec<String> = [&none[f], &one[f], &two[f]]
        .iter()
        .map(|f| privaudit_policy::location_id(&scope, f))
        .collect();
    assert!(
        ids.iter().all(|id| id == &ids[0] && id.len() == 32),
        "{ids:?}"
    );
    // Another place, or another rule, is another identity.
    let other = none
        .iter()
        .find(|g| g.pointer != none[f].pointer || g.rule != none[f].rule);
    if let Some(g) = other {
        assert_ne!(privaudit_policy::location_id(&scope, g), ids[0]);
    }
    assert_ne!(
        privaudit_policy::location_id(&["introvox", "other"], &none[f]),
        ids[0]
    );
}

#[test]
fn an_auditor_is_shared_across_threads() {
    let auditor = std::sync::Arc::new(Auditor::all());
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let a = auditor.clone();
            std::thread::spawn(move || {
                a.audit(&fixture("mattermost/diagnostics-batch-current.json"))
                    .verdict()
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), Verdict::Clean);
    }
}

fn auditor() -> &'static Auditor {
    static A: std::sync::OnceLock<Auditor> = std::sync::OnceLock::new();
    A.get_or_init(Auditor::all)
}

/// Mutations of real reports: the engine's hardest inputs are near-valid ones.
fn mutated() -> impl Strategy<Value = Vec<u8>> {
    let files = vec![
        "introvox/daily-report-1.7.6.json",
        "roomvox/daily-report-a-empty.json",
        "kopano/survey-8.7.json",
        "mattermost/diagnostics-batch-current.json",
        "community-scripts/install-report-lxc-failed.json",
    ];
    (
        prop::sample::select(files),
        any::<prop::sample::Index>(),
        prop::collection::vec(any::<u8>(), 0..8),
        0..3usize,
    )
        .prop_map(|(f, at, bytes, op)| {
            let mut body = fixture(f);
            let i = at.index(body.len() + 1);
            match op {
                0 => body.splice(i..i, bytes).for_each(drop),
                1 => body.truncate(i),
                _ => {
                    let end = (i + bytes.len()).min(body.len());
                    body.splice(i..end, bytes).for_each(drop);
                }
            }
            body
        })
}

/// Arbitrary JSON values, with keys drawn partly from real report members so that the walk
/// goes deep into the schemas, not only into the undeclared-member path.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let key = prop_oneof![
        "[a-zA-Z_@./:~ ]{0,12}",
        Just("instanceHash".to_string()),
        Just("stats".to_string()),
        Just("batch".to_string()),
        Just("properties".to_string()),
        Just("value".to_string()),
        Just("event".to_string()),
        Just("totalSteps".to_string()),
        Just("error".to_string()),
    ];
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(Into::into),
        any::<f64>().prop_map(
            |f| serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, Into::into)
        ),
        "\\PC{0,40}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(6, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(serde_json::Value::Array),
            prop::collection::vec((key.clone(), inner), 0..8)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn no_json_value_makes_the_engine_panic(v in json_value()) {
        let body = serde_json::to_vec(&v).unwrap();
        let audit = auditor().audit(&body);
        for f in &audit.findings {
            prop_assert!(f.pointer.is_empty() || f.pointer.starts_with('/'));
        }
    }

    #[test]
    fn no_bytes_make_the_engine_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = auditor().audit(&body);
    }

    #[test]
    fn no_mutated_report_makes_the_engine_panic(body in mutated()) {
        let audit = auditor().audit(&body);
        for f in &audit.findings {
            prop_assert!(f.pointer.is_empty() || f.pointer.starts_with('/'));
        }
    }
}

#[test]
fn the_parsed_body_is_kept_only_when_asked() {
    let body = fixture("mattermost/diagnostics-batch-identify.json");
    let parsed: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(Auditor::all().audit(&body).value.is_none());
    let kept = Auditor::all()
        .with_options(AuditOptions {
            keep_value: true,
            ..Default::default()
        })
        .audit(&body);
    assert_eq!(kept.value.as_ref(), Some(&parsed));
    let broken = Auditor::all()
        .with_options(AuditOptions {
            keep_value: true,
            ..Default::default()
        })
        .audit(b"{\"a\": ");
    assert!(broken.value.is_none() && broken.error.is_some());
}

/// Every fixture under `fixtures/`, recursively.
fn all_fixture_bodies() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut dirs = vec![std::path::PathBuf::from(format!(
        "{}/../../fixtures",
        env!("CARGO_MANIFEST_DIR")
    ))];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().map(Result::unwrap) {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|x| x == "json") {
                out.push((path.display().to_string(), std::fs::read(&path).unwrap()));
            }
        }
    }
    out
}

/// The typed report is read from the body, and equals the one read from a parsed value;
/// with duplicate members, from the last copy of each, as the audit sees them.
#[test]
fn typed_reports_match_the_audited_body() {
    let mut typed = 0;
    for (path, body) in all_fixture_bodies() {
        let audit = auditor().audit(&body);
        let Some(report) = audit.report else { continue };
        let kind = audit.kind.unwrap();
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            Some(&report),
            kind.model().unwrap().deserialize(&value).ok().as_ref(),
            "{path}"
        );
        typed += 1;
    }
    assert!(typed >= 10, "only {typed} typed reports");

    // A duplicate member is a finding above info, so no typed report; told apart from the
    // clean body by that finding alone.
    let body = fixture("kopano/survey-8.7.json");
    let text = String::from_utf8(body).unwrap();
    let doubled = text.replacen('{', "{\"version\": \"x\", ", 1);
    let audit = auditor().audit(doubled.as_bytes());
    assert!(
        audit
            .findings
            .iter()
            .any(|f| f.category == Category::DuplicateKey),
        "{:?}",
        audit.findings
    );
    assert!(audit.report.is_none());

    // Where a policy keeps duplicates at info, the typed report is read from the last copy
    // of each member, as the audit saw the body.
    let mut product = privaudit_policy::Product::builtin("kopano").unwrap();
    for rule in &mut product.policy.rule {
        if rule.forbids.contains(&Category::DuplicateKey) {
            rule.severity = privaudit_policy::Severity::Info;
        }
    }
    let lenient = Auditor::with_products(vec![product]).unwrap();
    let clean: serde_json::Value = serde_json::from_str(&text).unwrap();
    let audit = lenient.audit(doubled.as_bytes());
    assert!(
        audit
            .findings
            .iter()
            .all(|f| f.severity == privaudit_policy::Severity::Info),
        "{:?}",
        audit.findings
    );
    let kind = audit.kind.unwrap();
    assert_eq!(audit.report, kind.model().unwrap().deserialize(&clean).ok());
    assert!(audit.report.is_some());
}

#[test]
fn an_address_counts_by_what_the_field_holds() {
    let report: serde_json::Value =
        serde_json::from_slice(&fixture("introvox/daily-report-1.7.6.json")).unwrap();
    let auditor = Auditor::all();
    let ip = |field: &str, value: &str| {
        let mut body = report.clone();
        body[field] = value.into();
        auditor
            .audit(body.to_string().as_bytes())
            .findings
            .iter()
            .any(|f| f.category == Category::Detected(privaudit_policy::Detected::IpAddress))
    };
    // A web server's product token (environment) holds no private address, nor one named
    // as an address...
    assert!(ip("webServer", "nginx 192.168.1.20"));
    assert!(ip("webServer", "Apache, host 198.51.100.23"));
    // ...but a bare public dotted quad there may be a version.
    assert!(!ip("webServer", "Apache 5.4.0.150"));
    // An OS family is one of a few names: any dotted quad in it is an address.
    assert!(ip("osFamily", "Linux 5.4.0.150"));
}

#[test]
fn words_in_a_code_field_are_free_text() {
    let clean = String::from_utf8(fixture("introvox/daily-report-1.7.6.json")).unwrap();
    let auditor = Auditor::all();
    let categories = |field: &str, was: &str, value: &str| {
        let body = clean.replacen(
            &format!("\"{field}\":\"{was}\""),
            &format!("\"{field}\":\"{value}\""),
            1,
        );
        assert_ne!(body, clean, "{field} is {was} in the fixture");
        let audit = auditor.audit(body.as_bytes());
        audit
            .findings
            .iter()
            .filter(|f| f.pointer == format!("/{field}"))
            .map(|f| f.category.as_str())
            .collect::<Vec<_>>()
    };
    for note in [
        "ask Piet",
        "zie Karin",
        "Hiroshi Tanaka",
        "数据库在二楼",
        "Сервер в подвале",
    ] {
        assert_eq!(
            categories("serverRegion", "NL", note),
            ["free_text"],
            "{note}"
        );
        assert_eq!(
            categories("databaseType", "pgsql", note),
            ["free_text"],
            "{note}"
        );
    }
    // A code the schema does not know stays a schema violation.
    assert_eq!(
        categories("serverRegion", "NL", "nl_NL"),
        ["schema_violation"]
    );
}

#[test]
fn a_national_telephone_number_counts_in_a_code_field() {
    let clean = String::from_utf8(fixture("introvox/daily-report-1.7.6.json")).unwrap();
    let auditor = Auditor::all();
    let phone = |field: &str, was: &str, value: &str| {
        let body = clean.replacen(
            &format!("\"{field}\":\"{was}\""),
            &format!("\"{field}\":\"{value}\""),
            1,
        );
        assert_ne!(body, clean, "{field} is {was} in the fixture");
        auditor
            .audit(body.as_bytes())
            .findings
            .iter()
            .any(|f| f.category == Category::Detected(privaudit_policy::Detected::PhoneNumber))
    };
    // Dutch and Swedish numbers as written at home, where a region or a database type belongs.
    for n in ["06-18087333", "020 045 2025", "070-178 79 73"] {
        assert!(phone("serverRegion", "NL", n), "{n}");
        assert!(phone("databaseType", "pgsql", n), "{n}");
    }
}
