//! `privaudit diff` on real changes between the products' versions, and on a pull request in
//! a git repository.

use super::{fixtures, run, run_in};
use std::path::Path;
use std::process::Command;

fn products() -> std::path::PathBuf {
    fixtures().join("../products")
}

#[test]
fn roomvox_generations_diff() {
    let schema = |g: &str| {
        products()
            .join(format!("roomvox/roomvox.daily-report-{g}.schema.json"))
            .canonicalize()
            .unwrap()
    };
    let dir = products().join("roomvox").canonicalize().unwrap();
    let rel = |g: &str| schema(g).strip_prefix(&dir).unwrap().display().to_string();
    // Generation A to B adds the subscription fields, among them the licence key: a
    // credential, which touches the promise that none is sent.
    let (code, out, err) = run_in(
        &dir,
        &["diff", "--format", "markdown", &rel("a"), &rel("b")],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains("| ⚠️ widens | daily-report-b | `/licenseKey` | field-added"),
        "{out}"
    );
    assert!(out.contains("`roomvox/no-credentials`"), "{out}");
    insta::assert_snapshot!("diff-roomvox-a-b-markdown", out);
    // B to C drops most fields and adds two versions: it widens only by those two.
    let (code, out, _) = run_in(&dir, &["diff", &rel("b"), &rel("c")]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("diff-roomvox-b-c-text", out);
    let (_, json, _) = run_in(&dir, &["diff", "--format", "json", &rel("b"), &rel("c")]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["widens"], true);
    let changes = v["diffs"][0]["changes"].as_array().unwrap();
    let widening: Vec<&str> = changes
        .iter()
        .filter(|c| c["effect"] == "widens")
        .map(|c| c["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(widening, ["/appVersion", "/telemetrySchema"]);
    assert!(
        changes
            .iter()
            .any(|c| c["pointer"] == "/licenseKey" && c["effect"] == "narrows")
    );
    // A version against itself: nothing, exit 0.
    let (code, out, _) = run_in(&dir, &["diff", &rel("c"), &rel("c")]);
    assert_eq!((code, out.contains("no change")), (0, true), "{out}");
}

#[test]
fn introvox_versions_diff_from_drafted_products() {
    // Drafts of IntroVox as 1.2.0 and 1.7.6 send it, inferred by `init` from the fixtures.
    let root = std::env::temp_dir().join(format!("privaudit-diff-iv-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for (name, file) in [
        ("old", "daily-report-1.2.0.json"),
        ("new", "daily-report-1.7.6.json"),
    ] {
        let out = root.join(name);
        let capture = fixtures().join("introvox").join(file);
        let (code, _, err) = run(&[
            "init",
            "--product",
            &format!("introvox-{name}"),
            "--out",
            out.to_str().unwrap(),
            capture.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
    }
    let (code, out, err) = run_in(&root, &["diff", "old", "new"]);
    assert_eq!(code, 1, "{err}");
    insta::assert_snapshot!("diff-introvox-1.2-1.7-text", out);
    for added in [
        "/serverRegion",
        "/totalGroups",
        "/licenseKey",
        "/languagesWithOverrides",
    ] {
        assert!(
            out.contains(&format!("widens   report {added}  field-added")),
            "{added}: {out}"
        );
    }
    let _ = std::fs::remove_dir_all(&root);
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&status.stderr)
    );
}

#[test]
fn a_pull_request_that_opens_an_enum_fails() {
    let repo = std::env::temp_dir().join(format!("privaudit-diff-git-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&repo);
    let product = repo.join("products/acme-notes");
    std::fs::create_dir_all(&product).unwrap();
    for f in ["policy.toml", "weekly.schema.json"] {
        std::fs::copy(
            fixtures().join("products/acme-notes").join(f),
            product.join(f),
        )
        .unwrap();
    }
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-qm", "acme"]);
    git(&repo, &["checkout", "-qb", "feature"]);
    // The pull request: the database becomes free text, and a new open map appears.
    let path = product.join("weekly.schema.json");
    let mut schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    schema["properties"]["database"] =
        serde_json::json!({"type": "string", "x-privacy": "declared-free-text"});
    schema["properties"]["plugins"] = serde_json::json!({"type": "object",
        "x-privacy": "count", "x-privacy-keys": "label",
        "additionalProperties": {"type": "integer"}});
    std::fs::write(&path, serde_json::to_string_pretty(&schema).unwrap()).unwrap();
    // Uncommitted: `main..` compares with the working tree.
    let (code, out, err) = run_in(&repo, &["diff", "--git", "main.."]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("enum-opened") && out.contains("class-changed"),
        "{out}"
    );
    git(&repo, &["commit", "-qam", "free text"]);
    let (code, md, err) = run_in(
        &repo,
        &["diff", "--git", "main...feature", "--format", "markdown"],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        md.starts_with("### Privacy diff\n\n**This change widens"),
        "{md}"
    );
    assert!(
        md.contains("`/database`") && md.contains("`/plugins`"),
        "{md}"
    );
    assert!(md.contains("| `/plugins` | field-added"), "{md}");
    // Free text where an enumeration was touches the promise that covers free text.
    let database = md
        .lines()
        .find(|l| l.contains("`/database` | class-changed"))
        .unwrap_or_else(|| panic!("{md}"));
    assert!(
        database.contains("`acme-notes/nothing-personal`"),
        "{database}"
    );
    // main against itself: nothing widens.
    let (code, out, _) = run_in(&repo, &["diff", "--git", "main...main"]);
    assert_eq!(code, 0, "{out}");
    // Not a range git knows: exit 2 with git's reason.
    let (code, _, err) = run_in(&repo, &["diff", "--git", "nosuch...main"]);
    assert_eq!(code, 2);
    assert!(err.contains("git"), "{err}");
    let _ = std::fs::remove_dir_all(&repo);
}
