//! SARIF as GitHub code scanning takes it: valid against the official SARIF 2.1.0 schema
//! (vendored in `sarif/`), within the upload's rules, without raw values, and the same bytes on
//! every run with no key set.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

/// A working directory holding captures under awkward names, a leak in a key, and a broken
/// record, as a repository might.
fn workspace() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("privaudit-sarif-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("captures/week 1")).unwrap();
    let fixtures = super::fixtures();
    for (from, to) in [
        (
            "introvox/leaks/daily-report-email-key.json",
            "captures/week 1/intro #1 é.json",
        ),
        ("hostile/cli/key-leaks.json", "captures/keys%20.json"),
        (
            "community-scripts/leaks/install-report-error-pve-paths.json",
            "captures/cs.json",
        ),
        ("kopano/survey-8.7.json", "captures/kopano.json"),
    ] {
        std::fs::copy(fixtures.join(from), dir.join(to)).unwrap();
    }
    std::fs::write(dir.join("captures/broken.ndjson"), "{\"a\":\n").unwrap();
    dir
}

fn sarif(dir: &Path) -> (i32, String) {
    let out = Command::cargo_bin("privaudit")
        .unwrap()
        .current_dir(dir)
        .env_remove("PRIVAUDIT_KEY")
        .args(["audit", "--format", "sarif", "captures"])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
    )
}

#[test]
fn sarif_is_valid_and_fit_for_code_scanning() {
    let dir = workspace();
    let (code, text) = sarif(&dir);
    assert_eq!(code, 2, "an input error is reported: {text}");
    let doc: Value = serde_json::from_str(&text).unwrap();

    // The official schema.
    let schema: Value =
        serde_json::from_str(include_str!("sarif/sarif-schema-2.1.0.json")).unwrap();
    let validator = jsonschema::draft4::new(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    // GitHub's upload rules.
    assert_eq!(doc["version"], "2.1.0");
    let run = &doc["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "privaudit");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(driver["informationUri"], env!("CARGO_PKG_REPOSITORY"));
    assert!(
        driver["informationUri"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(ids, unique, "rule ids are sorted and unique");
    for rule in rules {
        let tags: Vec<&str> = rule["properties"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert!(tags.contains(&"security"), "{rule}");
        assert!(tags.len() <= 20);
        let severity: f64 = rule["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..=10.0).contains(&severity));
        assert!(!rule["help"]["text"].as_str().unwrap().is_empty());
    }
    let results = run["results"].as_array().unwrap();
    assert!(
        results.len() >= 4 && results.len() <= 25_000,
        "{}",
        results.len()
    );
    let mut uris = std::collections::BTreeSet::new();
    for r in results {
        assert!(ids.contains(&r["ruleId"].as_str().unwrap()), "{r}");
        assert!(!r["message"]["text"].as_str().unwrap().is_empty());
        let location = &r["locations"][0]["physicalLocation"];
        let uri = location["artifactLocation"]["uri"].as_str().unwrap();
        // A relative URI reference, percent-encoded, inside the working directory.
        assert!(
            !uri.contains(':') && !uri.starts_with('/') && !uri.contains(".."),
            "{uri}"
        );
        assert!(
            uri.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=@/%".contains(&b)),
            "{uri}"
        );
        uris.insert(uri.to_string());
        assert!(location["region"]["startLine"].as_u64().unwrap() >= 1);
        let hash = r["partialFingerprints"]["primaryLocationLineHash"]
            .as_str()
            .unwrap();
        assert!(hash.len() == 32 && hash.bytes().all(|b| b.is_ascii_hexdigit()));
    }
    assert!(
        uris.contains("captures/week%201/intro%20%231%20%C3%A9.json"),
        "{uris:?}"
    );
    assert!(uris.contains("captures/keys%2520.json"), "{uris:?}");
    // The broken record is a notification, and the run says it was not all read.
    let invocation = &run["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert!(
        invocation["toolExecutionNotifications"][0]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("broken.ndjson")
    );

    // Nothing raw in messages or logical locations, or anywhere else.
    for planted in [
        "jan@example.nl",
        "piet.devries@example.org",
        "nc01.gemeente-voorbeeld.nl",
        "ghp_R8x2Kq7LmN4pT9vW3yZ6bC1dF5gH0jS2uA8e",
        "jdevries",
    ] {
        assert!(!text.contains(planted), "SARIF carries {planted}");
    }

    // Two runs, same bytes.
    assert_eq!(sarif(&dir).1, text);
    let _ = std::fs::remove_dir_all(&dir);
}
