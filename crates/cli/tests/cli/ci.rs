//! What a CI pipeline leans on: walking a repository as git sees it, colour control, the
//! manual pages, and the integration files (pre-commit hook, GitHub Action, GitLab template,
//! Dockerfile) doing what they say.

use super::{fixtures, run_in};
use std::path::{Path, PathBuf};

fn repo_root() -> PathBuf {
    fixtures().join("..").canonicalize().unwrap()
}

/// The files a JSON audit of `args` read, relative to `dir`.
fn sources(dir: &Path, args: &[&str]) -> Vec<String> {
    let mut all = vec!["audit", "--format", "json", "--no-config"];
    all.extend_from_slice(args);
    let (code, out, err) = run_in(dir, &all);
    assert!(code <= 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mut files: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            f["source"]
                .as_str()
                .unwrap()
                .trim_start_matches("./")
                .to_string()
        })
        .collect();
    files.sort();
    files.dedup();
    files
}

#[test]
fn a_repository_is_walked_as_git_sees_it() {
    let dir = std::env::temp_dir().join(format!("privaudit-walk-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let leak = fixtures().join("introvox/leaks/daily-report-email-key.json");
    for f in [
        "a.json",
        "ignored/b.json",
        "sub/c.ndjson",
        "sub/old/d.json",
        "target/e.json",
    ] {
        let path = dir.join(f);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::copy(&leak, &path).unwrap();
    }
    // Not captures: never opened by a walk.
    std::fs::write(dir.join("notes.md"), "jan@example.nl").unwrap();
    std::fs::write(dir.join(".gitignore"), "ignored/\n/target\n").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("..", dir.join("sub/loop")).unwrap();
    let all = ["a.json", "sub/c.ndjson", "sub/old/d.json"];
    assert_eq!(sources(&dir, &["."]), all);
    let mut with_ignored = vec![
        "a.json",
        "ignored/b.json",
        "sub/c.ndjson",
        "sub/old/d.json",
        "target/e.json",
    ];
    with_ignored.sort();
    assert_eq!(sources(&dir, &["--no-ignore", "."]), with_ignored);
    assert_eq!(
        sources(&dir, &["--include", "sub/**", "."]),
        ["sub/c.ndjson", "sub/old/d.json"]
    );
    assert_eq!(
        sources(&dir, &["--exclude", "**/old/**", "."]),
        ["a.json", "sub/c.ndjson"]
    );
    assert_eq!(
        sources(&dir, &["--include", "*.ndjson", "--include", "a.json", "."]),
        ["a.json", "sub/c.ndjson"]
    );
    // A file named on the command line is read whatever the rules say.
    assert_eq!(
        sources(&dir, &["--exclude", "*.json", "ignored/b.json"]),
        ["ignored/b.json"]
    );
    // A bad glob is a usage error that names it.
    let (code, _, err) = run_in(&dir, &["audit", "--include", "a[", "."]);
    assert_eq!(code, 2);
    assert!(err.contains("--include a["), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let file = "introvox/leaks/daily-report-email-key.json";
    let text = |args: &[&str], no_color: Option<&str>| {
        let mut cmd = assert_cmd::Command::cargo_bin("privaudit").unwrap();
        cmd.current_dir(fixtures())
            .args(["audit"])
            .args(args)
            .arg(file);
        match no_color {
            Some(v) => cmd.env("NO_COLOR", v),
            None => cmd.env_remove("NO_COLOR"),
        };
        String::from_utf8(cmd.output().unwrap().stdout).unwrap()
    };
    assert!(text(&["--color", "always"], None).contains("\u{1b}["));
    assert!(
        text(&["--color", "always"], Some("1")).contains("\u{1b}["),
        "the flag wins"
    );
    assert!(!text(&["--color", "never"], None).contains("\u{1b}["));
    // Not a terminal: auto means none, whatever NO_COLOR says.
    assert!(!text(&[], Some("")).contains("\u{1b}["));
    assert!(!text(&[], None).contains("\u{1b}["));
}

#[test]
fn manual_pages_and_help_come_from_the_definitions() {
    let dir = std::env::temp_dir().join(format!("privaudit-man-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (code, _, err) = run_in(&fixtures(), &["man", "--out", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    for page in [
        "privaudit.1",
        "privaudit-audit.1",
        "privaudit-diff.1",
        "privaudit-init.1",
    ] {
        let text = std::fs::read_to_string(dir.join(page)).unwrap();
        assert!(text.contains(".TH privaudit"), "{page}");
    }
    let audit = std::fs::read_to_string(dir.join("privaudit-audit.1")).unwrap();
    for want in ["PRIVAUDIT_KEY", "NO_COLOR", "\\-\\-exclude", "\\-\\-color"] {
        assert!(audit.contains(want), "{want}");
    }
    let (_, page, _) = run_in(&fixtures(), &["man"]);
    assert!(page.contains(".TH privaudit 1"));
    let (_, help, _) = run_in(&fixtures(), &["audit", "--help"]);
    for want in [
        "Examples:",
        "Environment:",
        "PRIVAUDIT_KEY",
        "NO_COLOR",
        "Exit codes:",
    ] {
        assert!(help.contains(want), "{want}: {help}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo_root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The value of `key: value` on a line of a YAML file (quotes dropped).
fn yaml_value(text: &str, key: &str) -> String {
    text.lines()
        .find_map(|l| {
            l.trim_start()
                .trim_start_matches("- ")
                .strip_prefix(&format!("{key}:"))
        })
        .unwrap_or_else(|| panic!("no {key}"))
        .trim()
        .trim_matches('\'')
        .to_string()
}

/// Runs a shell command line in the fixtures with the built privaudit first on PATH.
fn shell(line: &str, envs: &[(&str, &str)]) -> std::process::Output {
    let bin = Path::new(env!("CARGO_BIN_EXE_privaudit")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    std::process::Command::new("sh")
        .args(["-c", line])
        .current_dir(fixtures())
        .env("PATH", path)
        .env_remove("PRIVAUDIT_KEY")
        .envs(envs.iter().copied())
        .output()
        .unwrap()
}

#[test]
fn the_pre_commit_hook_builds_and_audits_changed_captures() {
    let hooks = read(".pre-commit-hooks.yaml");
    assert_eq!(yaml_value(&hooks, "language"), "rust");
    let entry = yaml_value(&hooks, "entry");
    let (program, args) = entry.split_once(' ').unwrap();
    // pre-commit runs `cargo install --bins --path .`: the root package must build the entry.
    let root: toml::Table = toml::from_str(&read("Cargo.toml")).unwrap();
    let bins = root["bin"].as_array().unwrap();
    assert!(
        bins.iter().any(|b| b["name"].as_str() == Some(program)),
        "{program}"
    );
    assert!(
        repo_root()
            .join(bins[0]["path"].as_str().unwrap())
            .is_file()
    );
    // The files it is given: captures, never schemas or package manifests.
    let files = regex::Regex::new(&yaml_value(&hooks, "files")).unwrap();
    let exclude = regex::Regex::new(&yaml_value(&hooks, "exclude")).unwrap();
    let picked = |p: &str| files.is_match(p) && !exclude.is_match(p);
    for p in [
        "a.json",
        "captures/b.har",
        "c.ndjson.gz",
        "d.jsonl",
        "e.query",
    ] {
        assert!(picked(p), "{p}");
    }
    for p in [
        "products/x/x.report.schema.json",
        "package.json",
        "web/package-lock.json",
        "src/main.rs",
    ] {
        assert!(!picked(p), "{p}");
    }
    // The entry, as pre-commit runs it with the changed files.
    let run = |files: &str| {
        shell(&format!("privaudit {args} {files}"), &[])
            .status
            .code()
    };
    assert_eq!(
        run("introvox/daily-report-1.7.6.json kopano/survey-8.7.json"),
        Some(0)
    );
    assert_eq!(
        run("introvox/daily-report-1.7.6.json introvox/leaks/daily-report-email-key.json"),
        Some(1)
    );
}

#[test]
fn the_github_action_audits_uploads_and_fails() {
    let action = read("action.yml");
    assert!(action.contains("using: composite"));
    assert!(action.contains("cargo install --locked --path \"$GITHUB_ACTION_PATH/crates/cli\""));
    assert!(repo_root().join("crates/cli/Cargo.toml").is_file());
    assert!(action.contains("github/codeql-action/upload-sarif@v3"));
    assert!(action.contains("sh \"$GITHUB_ACTION_PATH/ci/action-run.sh\""));
    let script = repo_root().join("ci/action-run.sh");
    let dir = std::env::temp_dir().join(format!("privaudit-action-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (sarif, outputs) = (dir.join("out.sarif"), dir.join("github-output"));
    let _ = std::fs::remove_file(&outputs);
    for (paths, code) in [
        ("introvox/daily-report-1.7.6.json", "0"),
        ("introvox/leaks kopano", "1"),
    ] {
        let out = shell(
            &format!("sh {}", script.display()),
            &[
                ("PRIVAUDIT_PATHS", paths),
                ("PRIVAUDIT_SARIF", sarif.to_str().unwrap()),
                ("GITHUB_OUTPUT", outputs.to_str().unwrap()),
            ],
        );
        assert!(out.status.success(), "the step itself never fails: {out:?}");
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
        assert_eq!(doc["version"], "2.1.0");
        let written = std::fs::read_to_string(&outputs).unwrap();
        assert_eq!(
            written.lines().last(),
            Some(format!("exit-code={code}").as_str())
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_gitlab_template_reports_junit() {
    let template = read("ci/gitlab/privaudit.gitlab-ci.yml");
    assert!(template.contains("junit: privaudit-junit.xml"));
    let line = template
        .lines()
        .find_map(|l| l.trim().strip_prefix("- privaudit audit"))
        .expect("the audit line");
    let dir = std::env::temp_dir().join(format!("privaudit-gitlab-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let junit = dir.join("privaudit-junit.xml");
    let line =
        format!("privaudit audit{}", line).replace("privaudit-junit.xml", junit.to_str().unwrap());
    let out = shell(
        &line,
        &[
            (
                "PRIVAUDIT_PATHS",
                "introvox/leaks/daily-report-email-key.json",
            ),
            ("PRIVAUDIT_FAIL_ON", "low"),
            ("PRIVAUDIT_ARGS", ""),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("file=\"introvox/leaks/daily-report-email-key.json\""),
        "{xml}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// No container engine runs on the CI machine, so the Dockerfile is checked for what it must
/// hold; `docker build .` builds it where one does.
#[test]
fn the_image_is_multi_stage_small_and_not_root() {
    let docker = read("Dockerfile");
    let stages: Vec<&str> = docker.lines().filter(|l| l.starts_with("FROM ")).collect();
    assert!(stages.len() >= 2, "multi-stage: {stages:?}");
    assert!(stages[0].contains(" AS build"));
    assert!(
        stages.last().unwrap().contains("-slim"),
        "a slim final image"
    );
    let last = docker.rsplit("\nFROM ").next().unwrap();
    let user = last
        .lines()
        .find_map(|l| l.strip_prefix("USER "))
        .expect("a USER");
    assert!(!["root", "0", "0:0"].contains(&user.trim()), "{user}");
    assert!(docker.contains("cargo build --locked --release -p privaudit"));
    assert!(last.contains("ENTRYPOINT [\"privaudit\"]"));
    assert!(read(".dockerignore").lines().any(|l| l.trim() == "target/"));
}

#[test]
fn licences_and_a_small_release_build() {
    let root: toml::Table = toml::from_str(&read("Cargo.toml")).unwrap();
    let package = root["workspace"]["package"].as_table().unwrap();
    assert_eq!(package["license"].as_str(), Some("MIT OR Apache-2.0"));
    assert!(read("LICENSE-MIT").contains("Permission is hereby granted"));
    assert!(read("LICENSE-APACHE").contains("Apache License"));
    // `cargo install` builds the release profile: no debug info in what it installs.
    let release = root["profile"]["release"].as_table().unwrap();
    assert_eq!(release["strip"].as_str(), Some("debuginfo"));
    assert!(
        release
            .get("debug")
            .is_none_or(|d| d.as_integer() == Some(0))
    );
}
