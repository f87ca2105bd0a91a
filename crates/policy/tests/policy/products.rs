//! Per product: every shipped fixture is clean, and every leaking variant produces exactly the
//! findings listed in its `leaks/expected.json` (and the reviewed snapshot of their details).

use privaudit_policy::{AuditOptions, Auditor, Severity, Verdict};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

#[derive(Deserialize)]
struct Expected {
    pointer: String,
    category: String,
}

fn json_files(dir: &PathBuf) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json") && !p.ends_with("expected.json"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_clean_fixture_is_clean() {
    let mut dirty = Vec::new();
    for product in privaudit_reports::catalog() {
        let auditor = Auditor::for_product(product.id).unwrap();
        for path in json_files(&fixtures().join(product.id)) {
            let audit = auditor.audit(&std::fs::read(&path).unwrap());
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            let kind = audit.kind.map(|k| k.kind).unwrap_or("none");
            assert!(stem.starts_with(kind), "{}: picked {kind}", path.display());
            // Contradictions every report of a client carries are shown at info; nothing more.
            if !matches!(
                audit.verdict(),
                Verdict::Clean | Verdict::Findings(Severity::Info)
            ) {
                dirty.push(format!(
                    "{}: {:?} {:#?}",
                    path.display(),
                    audit.error,
                    audit.findings
                ));
            }
        }
    }
    assert!(dirty.is_empty(), "{}", dirty.join("\n"));
}

#[test]
fn leaks_produce_exactly_the_expected_findings() {
    let mut wrong = Vec::new();
    let mut snapshots = Vec::new();
    for product in privaudit_reports::catalog() {
        // A fixed key, so that the tags of redacted pointers are the same from run to run;
        // the expected pointers are the raw ones, which only an audit with evidence shows.
        let options = AuditOptions {
            show_evidence: false,
            fingerprint_key: Some(privaudit_policy::FingerprintKey([1; 32])),
            ..Default::default()
        };
        let auditor = Auditor::for_product(product.id)
            .unwrap()
            .with_options(options);
        let raw_auditor = Auditor::for_product(product.id)
            .unwrap()
            .with_options(AuditOptions {
                show_evidence: true,
                ..options
            });
        let dir = fixtures().join(product.id).join("leaks");
        let expected: BTreeMap<String, Vec<Expected>> =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap())
                .unwrap();
        let files = json_files(&dir);
        assert_eq!(
            files.len(),
            expected.len(),
            "{}: every leak file has an entry",
            product.id
        );
        let mut snapshot = Vec::new();
        for path in files {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let audit = auditor.audit(&std::fs::read(&path).unwrap());
            assert!(audit.error.is_none(), "{name}: {:?}", audit.error);
            let kind = audit.kind.unwrap().kind;
            assert!(name.starts_with(kind), "{name}: picked {kind}");
            let want: BTreeSet<(String, String)> = expected[&name]
                .iter()
                .map(|e| (e.pointer.clone(), e.category.clone()))
                .collect();
            // Info findings are contradictions every report carries; they are in the snapshot.
            let raw = raw_auditor.audit(&std::fs::read(&path).unwrap());
            let have: BTreeSet<(String, String)> = raw
                .findings
                .iter()
                .filter(|f| f.severity > Severity::Info)
                .map(|f| (f.shown_pointer().to_string(), f.category.to_string()))
                .collect();
            // Redacted, the pointers hold no member name that carries the leak.
            for (f, r) in audit.findings.iter().zip(&raw.findings) {
                assert_eq!(f.pointer, r.pointer, "{name}: the same pointer either way");
                assert_eq!(
                    f.fingerprint, r.fingerprint,
                    "{name}: and the same fingerprint"
                );
                if let Some(raw) = &r.raw_pointer {
                    for (shown, sent) in f.pointer.split('/').zip(raw.split('/')) {
                        assert!(
                            shown == sent || !shown.contains(sent),
                            "{name}: {} holds {sent}",
                            f.pointer
                        );
                    }
                }
            }
            if want != have {
                wrong.push(format!(
                    "{}/{name}:\n  missing {:?}\n  extra   {:?}",
                    product.id,
                    want.difference(&have).collect::<Vec<_>>(),
                    have.difference(&want).collect::<Vec<_>>()
                ));
            }
            for f in &audit.findings {
                snapshot.push(format!(
                    "{name} {} {} {} {} [{}] {:?}\n    {}",
                    f.pointer,
                    f.category,
                    f.severity,
                    f.rule,
                    f.evidence.shown(),
                    f.span
                        .as_ref()
                        .map_or(String::new(), |s| format!("{}..{}", s.start, s.end)),
                    f.message
                ));
            }
        }
        snapshots.push((product.id, snapshot.join("\n")));
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    for (product, snapshot) in snapshots {
        insta::assert_snapshot!(format!("leaks-{product}"), snapshot);
    }
}
