//! End to end: every input format, every output format, exit codes, baselines, and no raw
//! evidence unless asked for.

mod ci;
mod contract;
mod diff;
mod hostile;
mod products;
mod sarif;
mod serve;
mod worst_case;

use assert_cmd::Command;
use std::io::Write;
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

fn run(args: &[&str]) -> (i32, String, String) {
    run_in(&fixtures(), args)
}

/// Runs the binary in `dir` (where `privaudit.toml` discovery starts).
fn run_in(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("privaudit")
        .unwrap()
        .current_dir(dir)
        // Fingerprints are keyed; a fixed key keeps the snapshots stable.
        .env("PRIVAUDIT_KEY", "privaudit-test-key")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn json(args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["audit", "--format", "json"];
    all.extend_from_slice(args);
    let (code, out, err) = run(&all);
    (
        code,
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}")),
    )
}

fn tmp(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("privaudit-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
    path
}

#[test]
fn clean_fixtures_pass_and_leaks_fail() {
    let (code, v) = json(&[
        "introvox/daily-report-1.7.6.json",
        "mattermost/diagnostics-batch-current.json",
    ]);
    assert_eq!(
        (code, v["summary"]["findings"].as_u64()),
        (0, Some(0)),
        "{v}"
    );
    let (code, v) = json(&["introvox/leaks/daily-report-email-server-region.json"]);
    assert_eq!(code, 1);
    let f = &v["findings"][0];
    assert_eq!(
        (
            f["pointer"].as_str(),
            f["category"].as_str(),
            f["product"].as_str(),
            f["report"].as_str()
        ),
        (
            Some("/serverRegion"),
            Some("email"),
            Some("introvox"),
            Some("daily-report")
        )
    );
    assert_eq!(f["record"], 0);
    assert_eq!(v["version"], 1);
}

#[test]
fn exit_codes() {
    assert_eq!(run(&["audit", "no/such/file.json"]).0, 2);
    assert_eq!(run(&["audit", "--product", "nope", "introvox"]).0, 2);
    assert_eq!(
        run(&[
            "audit",
            "--fail-on",
            "high",
            "introvox/leaks/daily-report-wrong-type.json"
        ])
        .0,
        0,
        "low finding under --fail-on high"
    );
    // info findings never fail a run.
    assert_eq!(
        run(&["audit", "--fail-on", "info", "kopano/survey-8.7.json"]).0,
        0
    );
    let bad = tmp("bad.json", b"{\"totalUsers\": 3,\n oops}");
    let (code, v) = json(&[bad.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("line 2"),
        "{v}"
    );
}

#[test]
fn ndjson_har_query_form_and_gzip() {
    let lines = [
        std::fs::read_to_string(fixtures().join("introvox/daily-report-1.5.0.json")).unwrap(),
        String::new(),
        std::fs::read_to_string(fixtures().join("introvox/leaks/daily-report-email-key.json"))
            .unwrap(),
        "{broken".to_string(),
    ]
    .map(|l| l.replace('\n', ""));
    let nd = tmp("reports.ndjson", lines.join("\n").as_bytes());
    let (code, v) = json(&[nd.to_str().unwrap()]);
    assert_eq!(code, 2, "the broken record is an input error");
    assert_eq!(v["summary"]["records"], 3);
    assert_eq!(
        v["findings"][0]["record"], 1,
        "records count non-blank lines"
    );
    assert_eq!(v["errors"][0]["record"], 2);

    let body = serde_json::to_string(
        &std::fs::read_to_string(
            fixtures().join("introvox/leaks/daily-report-url-web-server.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let har = format!(
        r#"{{"log":{{"version":"1.2","creator":{{"name":"t","version":"1"}},"entries":[
        {{"request":{{"method":"GET","url":"https://nc.example/apps/files/","headers":[]}}}},
        {{"request":{{"method":"POST","url":"https://lic.example/api/telemetry/introvox","postData":{{"mimeType":"application/json","text":{body}}}}}}},
        {{"request":{{"method":"GET","url":"https://updates.example/security?id=abc&id=def&uc=1"}}}}]}}}}"#
    );
    let har = tmp("capture.har", har.as_bytes());
    let (_, v) = json(&[har.to_str().unwrap()]);
    assert_eq!(
        (
            v["summary"]["skipped"].as_u64(),
            v["summary"]["records"].as_u64()
        ),
        (Some(1), Some(2)),
        "{v}"
    );
    let recs: Vec<(u64, &str)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["record"].as_u64().unwrap(),
                f["category"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(recs.contains(&(1, "url")), "{recs:?}");
    assert!(recs.contains(&(2, "duplicate_key")), "{recs:?}");

    let (code, v) = json(&["mattermost/security-check.txt"]);
    assert_eq!(
        (code, v["summary"]["records"].as_u64()),
        (0, Some(3)),
        "{v}"
    );

    let form = tmp(
        "body.form",
        b"id=abcdefghijklmnopqrstuvwxyz&v=10.5.1&ts=postgres&uc=jan%40example.nl",
    );
    let (_, v) = json(&["--product", "mattermost", form.to_str().unwrap()]);
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["pointer"] == "/uc" && f["category"] == "email"),
        "{v}"
    );

    let mut enc = flate2_gz(
        &std::fs::read(fixtures().join("roomvox/leaks/daily-report-b-email-key.json")).unwrap(),
    );
    let gz = tmp("report.json.gz", &std::mem::take(&mut enc));
    let (code, v) = json(&[gz.to_str().unwrap()]);
    assert_eq!(
        (code, v["findings"][0]["category"].as_str()),
        (1, Some("email"))
    );
}

/// A minimal gzip writer (stored blocks) so the test needs no compression crate.
fn flate2_gz(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    for (i, chunk) in data.chunks(65535).enumerate() {
        let last = (i + 1) * 65535 >= data.len();
        out.push(u8::from(last));
        let len = chunk.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    let crc = crc32(data);
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn no_raw_evidence_in_any_format_unless_asked() {
    let file = "community-scripts/leaks/install-report-error-curl-token.json";
    let raw = std::fs::read_to_string(fixtures().join(file)).unwrap();
    let token_start = raw.find("ghp_").unwrap();
    let token: String = raw[token_start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    for format in ["text", "json", "sarif", "junit"] {
        let (code, out, _) = run(&["audit", "--format", format, file]);
        assert_eq!(code, 1);
        assert!(!out.contains(&token), "{format} leaks the token");
        let (_, shown, _) = run(&["audit", "--format", format, "--show-evidence", file]);
        assert!(shown.contains(&token), "{format} --show-evidence shows it");
    }
    // The text format marks the match inside the value; around it only the shape shows.
    let (_, out, _) = run(&["audit", file]);
    let marked = out
        .lines()
        .find(|l| l.contains('⟦'))
        .expect("a marked value");
    assert!(marked.contains("⟦ghp_***⟧"), "{marked}");
    assert!(
        !marked.contains("curl"),
        "surrounding words are reduced to their shape"
    );
    let (_, out, _) = run(&["audit", "--show-evidence", file]);
    let marked = out.lines().find(|l| l.contains('⟦')).unwrap();
    assert!(marked.contains(&format!("⟦{token}⟧")), "{marked}");
}

#[test]
fn formats_are_stable() {
    let files = [
        "introvox/leaks/daily-report-email-key.json",
        "mattermost/leaks/diagnostics-batch-wrong-type.json",
        "kopano/survey-8.7.json",
        "community-scripts/leaks/install-report-error-pve-paths.json",
    ];
    for format in ["text", "json", "sarif", "junit"] {
        let mut args = vec!["audit", "--format", format];
        args.extend_from_slice(&files);
        let (_, out, _) = run(&args);
        insta::assert_snapshot!(format!("format-{format}"), out);
    }
}

#[test]
fn sarif_is_2_1_0_with_rules_and_locations() {
    let (_, out, _) = run(&[
        "audit",
        "--format",
        "sarif",
        "introvox/leaks/daily-report-email-key.json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run0 = &v["runs"][0];
    assert!(
        run0["tool"]["driver"]["rules"][0]["help"]["text"]
            .as_str()
            .unwrap()
            .contains("Source:")
    );
    let loc = &run0["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"],
        "introvox/leaks/daily-report-email-key.json"
    );
    assert_eq!(loc["region"]["startLine"], 1);
}

/// What GitHub code scanning requires of an upload beyond the SARIF schema (its "SARIF
/// support" reference): non-empty rule texts, a message and a location with a relative URI
/// and a line on every result, string fingerprints, levels and security severities in range,
/// and at most 25 000 results per run.
#[test]
fn sarif_meets_github_code_scanning_requirements() {
    let (_, out, _) = run(&[
        "audit",
        "--format",
        "sarif",
        "introvox",
        "roomvox",
        "kopano",
        "mattermost",
        "community-scripts",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let text = |v: &serde_json::Value| v.as_str().is_some_and(|s| !s.trim().is_empty());
    assert!(text(&v["$schema"]) && v["version"] == "2.1.0");
    let runs = v["runs"].as_array().unwrap();
    assert!(!runs.is_empty() && runs.len() <= 20);
    for r in runs {
        let driver = &r["tool"]["driver"];
        assert!(text(&driver["name"]));
        let rules = driver["rules"].as_array().unwrap();
        let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
        for rule in rules {
            for field in ["shortDescription", "fullDescription", "help"] {
                assert!(text(&rule[field]["text"]), "{field} of {}", rule["id"]);
            }
            assert!(rule["name"].as_str().unwrap().len() <= 255);
            assert!(rule["fullDescription"]["text"].as_str().unwrap().len() <= 1024);
            let sev: f64 = rule["properties"]["security-severity"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!(sev > 0.0 && sev <= 10.0);
            assert!(rule["properties"]["tags"].as_array().unwrap().len() <= 20);
        }
        let results = r["results"].as_array().unwrap();
        assert!(!results.is_empty() && results.len() <= 25_000);
        for res in results {
            assert!(ids.contains(&res["ruleId"].as_str().unwrap()));
            assert!(text(&res["message"]["text"]));
            assert!(["note", "warning", "error"].contains(&res["level"].as_str().unwrap()));
            let locations = res["locations"].as_array().unwrap();
            assert!(!locations.is_empty() && locations.len() <= 10);
            let phys = &locations[0]["physicalLocation"];
            let uri = phys["artifactLocation"]["uri"].as_str().unwrap();
            assert!(!uri.is_empty() && !uri.starts_with('/') && !uri.contains("://"));
            assert!(phys["region"]["startLine"].as_u64().unwrap() >= 1);
            let fps = res["partialFingerprints"].as_object().unwrap();
            assert!(fps.values().all(&text) && fps.contains_key("primaryLocationLineHash"));
        }
    }
}

#[test]
fn baseline_suppresses_known_findings() {
    let file = "roomvox/leaks/daily-report-b-hostname-web-server.json";
    let (code, out, _) = run(&["baseline", file]);
    assert_eq!(code, 0);
    let base = tmp("baseline.json", out.as_bytes());
    let (code, v) = json(&["--baseline", base.to_str().unwrap(), file]);
    assert_eq!(
        (
            code,
            v["summary"]["findings"].as_u64(),
            v["summary"]["suppressed"].as_u64()
        ),
        (0, Some(0), Some(1)),
        "{v}"
    );
}

#[test]
fn products_schema_explain() {
    let (code, out, _) = run(&["products"]);
    assert_eq!(code, 0);
    assert!(out.contains("/api/stats/v1/submit") && out.contains("daily-report-c"));
    let (code, out, _) = run(&["schema", "--product", "kopano"]);
    assert_eq!(code, 0);
    assert!(out.contains("urn:privaudit:schema:kopano:survey"));
    let (code, out, _) = run(&["explain", "introvox/no-credentials"]);
    assert_eq!(code, 0);
    assert!(out.contains("forbids:  credential") && out.contains("exception at /licenseKey"));
    assert_eq!(run(&["explain", "introvox/nothing"]).0, 2);
    // Detectors: one entry from the registry, the list, and an unknown name.
    let (code, out, _) = run(&["explain", "iban"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("iban (detector, category iban)"), "{out}");
    assert!(
        out.contains("mod-97") && out.contains("confidence:\n  High"),
        "{out}"
    );
    assert!(out.lines().all(|l| l.len() <= 90), "{out}");
    let (code, out, _) = run(&["explain", "detectors"]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), privaudit_detect::DETECTORS.len());
    assert!(
        out.lines()
            .any(|l| l.starts_with("github-token") && l.ends_with("credential"))
    );
    let (code, _, err) = run(&["explain", "ipv5"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown rule or detector `ipv5`"), "{err}");
}

#[test]
fn completions_and_help() {
    let (code, out, _) = run(&["completions", "bash"]);
    assert_eq!(code, 0);
    for word in [
        "_privaudit",
        "audit",
        "--fail-on",
        "--show-evidence",
        "sarif",
    ] {
        assert!(out.contains(word), "bash completion lacks {word}");
    }
    let (code, out, _) = run(&["completions", "zsh"]);
    assert!(code == 0 && out.starts_with("#compdef privaudit"), "{out}");
    assert_eq!(
        run(&["completions", "tcsh"]).0,
        2,
        "unknown shell is a usage error"
    );
    let (_, out, _) = run(&["--help"]);
    assert!(out.contains("Examples:"));
}

#[test]
fn stderr_is_silent_when_not_a_terminal() {
    // The progress bar is drawn only on a terminal; a piped run writes nothing to stderr.
    let (code, _, err) = run(&["audit", "--format", "json", "introvox", "roomvox", "kopano"]);
    assert_eq!((code, err.as_str()), (1, ""));
}

#[test]
fn reverse_recovers_instance_urls_from_candidates() {
    let args = [
        "reverse",
        "--product",
        "introvox",
        "--candidates",
        "reident/candidates.txt",
        "--format",
        "json",
        "introvox/daily-report-1.7.6.json",
        "introvox/daily-report-1.2.0.json",
    ];
    let (code, out, _) = run(&args);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(code, 1);
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2, "{v}");
    for f in findings {
        assert_eq!(
            (f["pointer"].as_str(), f["category"].as_str()),
            (Some("/instanceHash"), Some("url"))
        );
        assert_eq!(f["evidence"], "https://***");
    }
    assert!(
        !out.contains("example.nl") && !out.contains("example.de"),
        "no raw URL without --show-evidence"
    );
    let mut shown = args.to_vec();
    shown.insert(1, "--show-evidence");
    let (_, out, _) = run(&shown);
    assert!(
        out.contains("https://cloud.example.nl") && out.contains("https://nextcloud.example.de")
    );
    // A whole address range, and a product without hashes is a usage question, not a crash.
    let (code, out, _) = run(&[
        "reverse",
        "--product",
        "roomvox",
        "--ipv4",
        "10.9.8.0/24",
        "roomvox/daily-report-c.json",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("reversed 0 of 1 hashes with 768 guesses"),
        "{out}"
    );
    assert_eq!(run(&["reverse", "introvox"]).0, 2, "--product is required");
}

#[test]
fn reident_lists_linkable_and_raw_identifiers_and_uniqueness() {
    let (code, v) = {
        let (code, out, err) = run(&[
            "reident",
            "--format",
            "json",
            "--min-k",
            "2",
            "--max-unique-share",
            "1",
            "kopano/survey-8.7.json",
            "kopano/survey-8.6.90.json",
            "mattermost/security-check.json",
            "mattermost/diagnostics-batch-current.json",
        ]);
        (
            code,
            serde_json::from_str::<serde_json::Value>(&out)
                .unwrap_or_else(|e| panic!("{e}: {out} {err}")),
        )
    };
    let findings = v["findings"].as_array().unwrap();
    let has = |pointer: &str, severity: &str| {
        findings.iter().any(|f| {
            f["pointer"] == pointer && f["severity"] == severity && f["category"] == "identifier"
        })
    };
    assert!(
        has("/stats/machine_id/value", "medium"),
        "raw machine id: {v}"
    );
    assert!(
        has("/stats/server_guid/value", "medium"),
        "raw server GUID: {v}"
    );
    // The security check's id is the diagnostics userId: one id across two channels.
    assert!(
        findings.iter().any(|f| f["severity"] == "low"
            && f["message"]
                .as_str()
                .unwrap()
                .contains("crosses report channels")),
        "{v}"
    );
    assert_eq!(code, 1);
    let (code, out, _) = run(&[
        "reident",
        "--min-k",
        "1",
        "introvox/daily-report-1.2.0.json",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("introvox: 1 reports"), "{out}");
}

#[test]
fn hostile_inputs_are_errors_that_name_the_place_and_echo_nothing() {
    let secret = "hunter2-Zq8vT3pL";
    let lines = [
        // The bash-built reports' real failure modes: an unescaped quote, a bare unit.
        format!(
            r#"{{"random_id":"a","type":"lxc","nsapp":"x","status":"failed","error":"cannot find "{secret}" here"}}"#
        ),
        r#"{"random_id":"a","type":"lxc","nsapp":"x","status":"installing","ram_size": 32G}"#
            .to_string(),
        format!(r#"{{"random_id":"a","error":"{secret}"#),
        r#"{"a": "\ud800"}"#.to_string(),
        format!("{}{}", "[".repeat(100_000), secret),
        format!(r#"{{"random_id":"{}"}}"#, "x".repeat(300)),
    ];
    let file = tmp(
        "hostile.ndjson",
        (lines.join("\r\n") + "\n\u{0}\n").as_bytes(),
    );
    let (code, v) = json(&["--max-string-bytes", "200", file.to_str().unwrap()]);
    assert_eq!(code, 2, "{v}");
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 7, "every bad record is reported: {v}");
    for (i, e) in errors.iter().enumerate() {
        assert_eq!(e["record"], i, "{e}");
        let m = e["message"].as_str().unwrap();
        assert!(m.contains("byte ") || m.contains("limit"), "{m}");
        assert!(!m.contains(secret), "an error echoes the input: {m}");
    }
    assert!(
        errors[4]["message"]
            .as_str()
            .unwrap()
            .contains("depth limit")
    );
    assert!(
        errors[5]["message"]
            .as_str()
            .unwrap()
            .contains("string limit of 200 bytes")
    );
    for format in ["text", "sarif", "junit"] {
        let (_, out, err) = run(&["audit", "--format", format, file.to_str().unwrap()]);
        assert!(
            !out.contains(secret) && !err.contains(secret),
            "{format} echoes the input"
        );
    }
    // A gzip bomb stops at the ratio limit, with the limit named.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&vec![b' '; 64 << 20]).unwrap();
    let bomb = tmp("bomb.json.gz", &gz.finish().unwrap());
    let (code, v) = json(&[bomb.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("ratio limit"),
        "{v}"
    );
    // The record limit stops the run, says so, and keeps what was read.
    let many = tmp("many.ndjson", "{\"a\":}\n".repeat(10).as_bytes());
    let (code, v) = json(&["--max-records", "4", many.to_str().unwrap()]);
    assert_eq!(
        (code, v["summary"]["records"].as_u64()),
        (2, Some(4)),
        "{v}"
    );
    assert!(
        v["errors"][4]["message"]
            .as_str()
            .unwrap()
            .contains("--max-records"),
        "{v}"
    );
    // An empty file is an input error, not a silent pass.
    let empty = tmp("empty.json", b"");
    assert_eq!(json(&[empty.to_str().unwrap()]).0, 2);
}

#[test]
fn keyless_runs_agree_and_old_baselines_keep_their_key() {
    let file = "roomvox/leaks/daily-report-b-hostname-web-server.json";
    let keyless = |args: &[&str]| {
        let out = Command::cargo_bin("privaudit")
            .unwrap()
            .current_dir(fixtures())
            .env_remove("PRIVAUDIT_KEY")
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8(out.stdout).unwrap(),
        )
    };
    // A baseline written without a key stores none, and a later keyless run matches it.
    let (code, base) = keyless(&["baseline", file]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&base).unwrap();
    assert!(v.get("key").is_none_or(|k| k.is_null()), "{v}");
    let suppressed = |base: &str| {
        let path = tmp("keyless-baseline.json", base.as_bytes());
        let (code, out) = keyless(&[
            "audit",
            "--format",
            "json",
            "--baseline",
            path.to_str().unwrap(),
            file,
        ]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        (code, v["summary"]["suppressed"].as_u64())
    };
    assert_eq!(suppressed(&base), (0, Some(1)));
    // A baseline from an earlier release keeps its own key, and later runs use it.
    let keyed = Command::cargo_bin("privaudit")
        .unwrap()
        .current_dir(fixtures())
        .env("PRIVAUDIT_KEY", "some old key")
        .args(["baseline", file])
        .output()
        .unwrap();
    let mut old: serde_json::Value = serde_json::from_slice(&keyed.stdout).unwrap();
    old["key"] = privaudit_policy::FingerprintKey::from_secret("some old key")
        .to_hex()
        .into();
    assert_eq!(suppressed(&old.to_string()), (0, Some(1)));
    // Two keyless runs give the same bytes, in every format.
    for format in ["json", "sarif", "junit", "text"] {
        let (_, a) = keyless(&["audit", "--format", format, file]);
        let (_, b) = keyless(&["audit", "--format", format, file]);
        assert_eq!(a, b, "{format}");
    }
}

#[test]
fn gzip_ndjson_streams_and_limits_span_files() {
    let report =
        std::fs::read_to_string(fixtures().join("introvox/daily-report-1.7.6.json")).unwrap();
    let line = report.replace(['\n', '\r'], "");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(format!("\u{feff}{line}\r\n{line}\n").as_bytes())
        .unwrap();
    let file = tmp("two.ndjson.gz", &gz.finish().unwrap());
    let (code, v) = json(&[file.to_str().unwrap()]);
    assert_eq!(
        (code, v["summary"]["records"].as_u64()),
        (0, Some(2)),
        "{v}"
    );
    // The record limit reached exactly at the end of one file still stops the run, loudly.
    let (code, v) = json(&[
        "--max-records",
        "2",
        file.to_str().unwrap(),
        "introvox/daily-report-1.2.0.json",
    ]);
    assert_eq!(
        (code, v["summary"]["records"].as_u64()),
        (2, Some(2)),
        "{v}"
    );
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("--max-records"),
        "{v}"
    );
    // SARIF: an absolute path outside the working directory becomes a file URI, and input
    // errors are tool notifications that mark the run unsuccessful.
    let bad = tmp("bad-for-sarif.json", b"{\"totalUsers\": oops}");
    let (_, out, _) = run(&[
        "audit",
        "--format",
        "sarif",
        bad.to_str().unwrap(),
        "introvox/leaks/daily-report-email-key.json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let inv = &v["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    assert!(
        inv["toolExecutionNotifications"][0]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("not valid JSON")
    );
    let (_, out, _) = run(&[
        "audit",
        "--format",
        "sarif",
        fixtures()
            .join("introvox/leaks/daily-report-email-key.json")
            .to_str()
            .unwrap(),
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "introvox/leaks/daily-report-email-key.json",
        "relative to the working directory"
    );
}

#[test]
fn a_regenerated_baseline_keeps_its_entries() {
    let file = "roomvox/leaks/daily-report-b-hostname-web-server.json";
    let (_, first, _) = run(&["baseline", file]);
    let old = tmp("old-baseline.json", first.as_bytes());
    let (code, again, _) = run(&["baseline", "--baseline", old.to_str().unwrap(), file]);
    assert_eq!(code, 0);
    let fps =
        |t: &str| serde_json::from_str::<serde_json::Value>(t).unwrap()["fingerprints"].clone();
    assert_eq!(fps(&first), fps(&again));
    assert!(!fps(&again).as_array().unwrap().is_empty());
}

#[test]
fn output_is_the_same_whatever_the_thread_count() {
    // Many batches in two files, with bad records among them and a broken gzip file between
    // the two, so that batches come back from the threads in any order while the next are
    // read, and an error about a whole source has to wait for the records before it.
    let compact = |path: &str| {
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(fixtures().join(path)).unwrap()).unwrap();
        serde_json::to_string(&v).unwrap()
    };
    let clean = compact("introvox/daily-report-1.2.0.json");
    let leaky = compact("introvox/leaks/daily-report-email-key.json");
    let mut files = Vec::new();
    for (name, records) in [("threads-a.ndjson", 9000), ("threads-b.ndjson", 300)] {
        let mut text = String::new();
        for i in 0..records {
            let line = match i % 1000 {
                999 => "{\"instanceHash\": ",
                n if n % 2 == 0 => &clean,
                _ => &leaky,
            };
            text.push_str(line);
            text.push('\n');
        }
        files.push(tmp(name, text.as_bytes()).display().to_string());
    }
    let broken = tmp("threads-broken.ndjson.gz", b"\x1f\x8bnot gzip");
    files.insert(1, broken.display().to_string());
    for format in ["json", "text"] {
        let outputs: Vec<_> = ["1", "3"]
            .iter()
            .map(|jobs| {
                let mut args = vec!["audit", "--format", format, "--jobs", jobs];
                args.extend(files.iter().map(String::as_str));
                run(&args)
            })
            .collect();
        assert_eq!(outputs[0].0, 2, "bad records make the run exit 2");
        assert_eq!(outputs[0], outputs[1], "{format}");
        if format == "json" {
            let v: serde_json::Value = serde_json::from_str(&outputs[0].1).unwrap();
            assert_eq!(v["summary"]["records"], 9300);
            let errors = v["errors"].as_array().unwrap();
            let records: Vec<_> = errors.iter().map(|e| e["record"].as_u64()).collect();
            let mut expected: Vec<_> = (0..9).map(|k| Some(999 + 1000 * k)).collect();
            expected.push(None);
            assert_eq!(records, expected, "errors in input order");
            assert!(
                errors[9]["source"]
                    .as_str()
                    .unwrap()
                    .ends_with("broken.ndjson.gz")
            );
            let findings = v["findings"].as_array().unwrap();
            assert!(findings.len() >= 4000, "{} findings", findings.len());
        }
    }
}

#[test]
fn output_that_waits_is_written_whole_beyond_memory() {
    // JSON lists errors after the findings and JUnit counts a suite before its cases, so
    // both hold output back; past 4 MiB it waits in a temporary file. 40 000 refused
    // records make about 6 MB of it.
    let records = 40_000;
    let file = tmp(
        "many-errors.ndjson",
        "{\"a\":}\n".repeat(records).as_bytes(),
    );
    let file = file.display().to_string();
    let (code, json, _) = run(&["audit", "--format", "json", &file]);
    assert_eq!(code, 2);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), records);
    assert_eq!(errors[records - 1]["record"], records - 1);
    let (code, junit, _) = run(&["audit", "--format", "junit", &file]);
    assert_eq!(code, 2);
    assert!(junit.contains(&format!("tests=\"{records}\"")));
    assert_eq!(junit.matches("<testcase ").count(), records);
    assert!(junit.trim_end().ends_with("</testsuites>"));
}
