//! Products as data: a hand-written product directory loaded by flag and by `privaudit.toml`,
//! broken ones refused, the generic audit of records no product fits, and `init` drafts that
//! audit their own capture clean and catch what is planted in it.

use super::{fixtures, json, run, run_in, tmp};
use std::path::PathBuf;

fn acme() -> PathBuf {
    fixtures().join("products/acme-notes")
}

/// A fresh empty directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("privaudit-products-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn findings(out: &str) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"));
    v["findings"].as_array().unwrap().clone()
}

#[test]
fn a_hand_written_product_loads_by_flag_and_by_config() {
    let dir = acme().display().to_string();
    let clean = acme().join("clean.ndjson").display().to_string();
    let leaky = acme().join("leaky.ndjson").display().to_string();
    let (code, v) = json(&["--products", &dir, &clean]);
    assert_eq!(
        (code, v["summary"]["findings"].as_u64()),
        (0, Some(0)),
        "{v}"
    );
    let (code, v) = json(&["--products", &dir, &leaky]);
    assert_eq!(code, 1, "{v}");
    let got: Vec<(String, String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["product"].as_str().unwrap().to_string(),
                f["category"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        got.contains(&(
            "acme-notes".into(),
            "email".into(),
            "acme-notes/nothing-personal".into()
        )),
        "{got:?}"
    );
    assert!(
        got.contains(&(
            "acme-notes".into(),
            "hostname".into(),
            "acme-notes/no-addresses".into()
        )),
        "{got:?}"
    );
    assert!(got.iter().any(|g| g.1 == "undeclared_field"), "{got:?}");

    // A HAR entry is matched by the loaded product's endpoint; others are skipped.
    let leak = std::fs::read_to_string(acme().join("leaky.ndjson")).unwrap();
    let body = leak.lines().next().unwrap();
    let har = serde_json::json!({"log": {"version": "1.2", "entries": [
        {"request": {"method": "POST", "url": "https://usage.acme.example/v2/usage",
            "postData": {"mimeType": "application/json", "text": body}}},
        {"request": {"method": "POST", "url": "https://cdn.example/other",
            "postData": {"mimeType": "application/json", "text": body}}}
    ]}});
    let har = tmp("acme.har", har.to_string().as_bytes());
    let (code, v) = json(&["--products", &dir, har.to_str().unwrap()]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["summary"]["records"].as_u64(), Some(1), "{v}");
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["product"] == "acme-notes"),
        "{v}"
    );

    // Without the product, the same records are nobody's: the generic policy still finds
    // the leaks, and says no product matched.
    let (code, v) = json(&[&leaky]);
    assert_eq!(code, 1);
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["product"] == "generic"),
        "{v}"
    );

    // The nearest privaudit.toml, from a subdirectory of where it is.
    let root = scratch("config");
    std::fs::write(
        root.join("privaudit.toml"),
        format!("products = [{:?}]\n", acme().display().to_string()),
    )
    .unwrap();
    let sub = root.join("a/b");
    std::fs::create_dir_all(&sub).unwrap();
    let (code, out, err) = run_in(&sub, &["audit", "--format", "json", &leaky]);
    assert_eq!(code, 1, "{err}");
    assert!(
        findings(&out).iter().any(|f| f["product"] == "acme-notes"),
        "{out}"
    );
    let (code, out, _) = run_in(&sub, &["products"]);
    assert_eq!(code, 0);
    assert!(out.contains("acme-notes  Acme Notes"), "{out}");
    assert!(
        out.contains(&format!("from: {}", acme().display())),
        "{out}"
    );
    assert!(
        out.contains("introvox") && out.contains("from: built-in"),
        "{out}"
    );
    let (code, out, _) = run_in(&sub, &["explain", "acme-notes/no-secrets"]);
    assert_eq!(code, 0);
    assert!(out.contains("No passwords or API keys."), "{out}");
    // --no-config ignores it; --config names another.
    let (_, out, _) = run_in(&sub, &["audit", "--no-config", "--format", "json", &leaky]);
    assert!(findings(&out).iter().all(|f| f["product"] == "generic"));
    let other = scratch("other-config").join("elsewhere.toml");
    std::fs::write(&other, "products = []\n").unwrap();
    let (_, out, _) = run_in(
        &sub,
        &[
            "audit",
            "--config",
            other.to_str().unwrap(),
            "--format",
            "json",
            &leaky,
        ],
    );
    assert!(findings(&out).iter().all(|f| f["product"] == "generic"));
}

/// Copies the hand-written product into a scratch directory, with `edit` applied to one file.
fn broken(name: &str, file: &str, edit: impl Fn(&str) -> String) -> PathBuf {
    let dir = scratch(name);
    for f in ["policy.toml", "weekly.schema.json"] {
        let text = std::fs::read_to_string(acme().join(f)).unwrap();
        let text = if f == file { edit(&text) } else { text };
        std::fs::write(dir.join(f), text).unwrap();
    }
    dir
}

#[test]
fn a_broken_product_directory_is_refused_with_file_line_and_reason() {
    let clean = acme().join("clean.ndjson").display().to_string();
    let cases: Vec<(PathBuf, &str, &str)> = vec![
        (
            broken("unknown-source", "policy.toml", |t| {
                t.replacen("source = \"privacy-page\"", "source = \"privacy-pgae\"", 1)
            }),
            "policy.toml: line 17: rule `acme-notes/nothing-personal` cites unknown source `privacy-pgae`",
            "",
        ),
        (
            broken("bad-toml", "policy.toml", |t| {
                t.replacen("severity = \"high\"", "severity = \"severe\"", 1)
            }),
            "policy.toml",
            "line 22",
        ),
        (
            broken("no-class", "weekly.schema.json", |t| {
                t.replacen(", \"x-privacy\": \"count\" }", " }", 1)
            }),
            "weekly.schema.json: line 9: field `/properties/notes` has no `x-privacy` class",
            "",
        ),
        (
            broken("not-json", "weekly.schema.json", |t| {
                t.replacen("\"notes\":", "\"notes\"", 1)
            }),
            "weekly.schema.json: not JSON",
            "line 9",
        ),
        (
            broken("missing-schema", "policy.toml", |t| {
                t.replacen("weekly.schema.json", "daily.schema.json", 1)
            }),
            "daily.schema.json",
            "No such file",
        ),
        (
            broken("bad-pattern", "weekly.schema.json", |t| {
                t.replacen("^[0-9a-f]{32}$", "^[0-9a-f]{32$", 1)
            }),
            "weekly.schema.json: schema does not compile",
            "",
        ),
        (
            broken("reserved", "policy.toml", |t| {
                t.replace("acme-notes", "generic")
            }),
            "the product id `generic` is reserved",
            "",
        ),
    ];
    for (dir, want, also) in cases {
        let (code, out, err) = run(&["audit", "--products", dir.to_str().unwrap(), &clean]);
        assert_eq!(code, 2, "{dir:?}: {err}");
        assert!(
            out.is_empty(),
            "nothing is audited with a broken product: {out}"
        );
        assert!(err.contains(&dir.display().to_string()), "{err}");
        assert!(
            err.contains(want) && err.contains(also),
            "want {want:?} and {also:?} in: {err}"
        );
    }
    // The same product twice is refused too.
    let dir = acme().display().to_string();
    let (code, _, err) = run(&["products", "--products", &dir, "--products", &dir]);
    assert_eq!(code, 2);
    assert!(
        err.contains("product `acme-notes` is already loaded"),
        "{err}"
    );
}

#[test]
fn records_no_product_fits_get_the_generic_audit() {
    let unknown = tmp(
        "unknown-product.json",
        br#"{"app":"fluxboard","build":"3.2.1","stats":{"users":14},
            "admin":"ops@fluxboard-customer.example.org","server":{"addr":"203.0.113.9"},
            "sync_token":"ghp_abcdefghijklmnopqrstuvwxyzABCDEF1234"}"#,
    );
    let (code, v) = json(&[unknown.to_str().unwrap()]);
    assert_eq!(code, 1, "{v}");
    let mut got: Vec<(&str, &str, &str)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(
                (f["product"].as_str(), f["report"].as_str()),
                (Some("generic"), Some("any"))
            );
            assert!(
                f["message"]
                    .as_str()
                    .unwrap()
                    .contains("No product matched"),
                "{f}"
            );
            (
                f["pointer"].as_str().unwrap(),
                f["category"].as_str().unwrap(),
                f["rule"].as_str().unwrap(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("/admin", "email", "generic/no-personal-data"),
            (
                "/server/addr",
                "ip_address",
                "generic/no-network-identifiers"
            ),
            ("/sync_token", "credential", "generic/no-secrets"),
        ]
    );
    // A package.json shares `version` and `name` with reports and is none of them.
    let package = tmp(
        "package.json",
        br#"{"name":"widget","version":"1.4.2","description":"Charts for dashboards",
            "license":"MIT","main":"index.js","scripts":{"build":"tsc","test":"jest"},
            "keywords":["charts"],"dependencies":{"left-pad":"^1.3.0"},
            "devDependencies":{"typescript":"^5.6.0"},"engines":{"node":">=18"}}"#,
    );
    let (code, v) = json(&[package.to_str().unwrap()]);
    assert_eq!(
        (code, v["summary"]["findings"].as_u64()),
        (0, Some(0)),
        "{v}"
    );
    let (code, out, _) = run(&["audit", package.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(
        out.contains("(generic/any)") || out.contains("0 findings"),
        "{out}"
    );
    // Forced: a shipped report audited under the generic policy only.
    let report = fixtures().join("introvox/daily-report-1.7.6.json");
    let (_, v) = json(&["--product", "generic", report.to_str().unwrap()]);
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["product"] == "generic"),
        "{v}"
    );
}

#[test]
fn init_drafts_a_product_that_audits_its_own_capture_clean_and_catches_plants() {
    let capture = fixtures().join("init/fluxboard.ndjson");
    let out = scratch("init").join("fluxboard");
    let out_s = out.display().to_string();
    let (code, _, err) = run(&[
        "init",
        "--product",
        "fluxboard",
        "--out",
        &out_s,
        capture.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.schema.json")).unwrap())
            .unwrap();
    let class = |field: &str| {
        schema["properties"][field]["x-privacy"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(class("users"), "count");
    assert_eq!(class("version"), "version");
    assert_eq!(class("instance"), "pseudonymous-id");
    assert_eq!(class("report_id"), "random-id");
    assert_eq!(class("sent_at"), "timestamp");
    assert_eq!(class("db"), "enum");
    assert_eq!(
        schema["properties"]["db"]["enum"],
        serde_json::json!(["mysql", "pgsql", "sqlite"])
    );
    assert!(
        schema["properties"]["db"]["$comment"]
            .as_str()
            .unwrap()
            .starts_with("guess:")
    );
    assert_eq!(
        schema["properties"]["room_types"]["additionalProperties"],
        false
    );
    let policy = std::fs::read_to_string(out.join("policy.toml")).unwrap();
    assert!(
        policy.contains("fluxboard/no-personal-data") && policy.contains("fluxboard/no-free-text")
    );
    // It will not write over a directory that has files.
    let (code, _, err) = run(&[
        "init",
        "--product",
        "fluxboard",
        "--out",
        &out_s,
        capture.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("not empty"), "{err}");

    let (code, v) = json(&["--products", &out_s, capture.to_str().unwrap()]);
    assert_eq!(
        (code, v["summary"]["findings"].as_u64()),
        (0, Some(0)),
        "{v}"
    );
    assert_eq!(v["summary"]["records"].as_u64(), Some(12));

    // One planted leak per record, each in a different field.
    let first: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&capture)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    let plants = [
        ("os", "jan.jansen@example.org", "email"),
        ("webserver", "192.168.10.20", "ip_address"),
        ("timezone", "db01.corp.example.com", "hostname"),
        (
            "instance",
            "ghp_abcdefghijklmnopqrstuvwxyzABCDEF1234",
            "credential",
        ),
        ("language", "https://intranet.example.com/", "url"),
    ];
    let mut lines = String::new();
    for (field, value, _) in plants {
        let mut r = first.clone();
        r[field] = serde_json::json!(value);
        lines.push_str(&format!("{r}\n"));
    }
    let planted = tmp("fluxboard-planted.ndjson", lines.as_bytes());
    let (code, v) = json(&["--products", &out_s, planted.to_str().unwrap()]);
    assert_eq!(code, 1);
    for (i, (field, _, category)) in plants.iter().enumerate() {
        assert!(
            v["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["record"] == i
                    && f["product"] == "fluxboard"
                    && f["pointer"] == format!("/{field}")
                    && f["category"] == *category),
            "{category} in /{field} not found: {v}"
        );
    }
}
