//! Hostile input through the whole program, each run bounded in time and in peak memory:
//! every file of `fixtures/hostile/`, and the inputs too large or too odd to commit (a 16 MB
//! body, `/dev/zero`, a 50 000-entry HAR, a FIFO without a writer, a symbolic-link loop),
//! made here. One test per defect the security review found, named after it.

// Peak memory of a child is read with `wait4`, which the standard library does not expose;
// this file is the only place the CLI crate calls into libc.
#![allow(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("privaudit-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// What one bounded run gave.
struct Run {
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
    elapsed: Duration,
    /// Peak resident memory, in KiB.
    peak_kib: i64,
}

impl Run {
    fn out(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

/// Runs privaudit with `args`, killing it past `limit`; panics when it had to be killed.
///
/// The run goes through a second copy of this test binary ([`measure_child`]): a child's
/// peak memory counts the memory of the process it was started from, and this one holds
/// the large inputs the tests make, where the copy holds nothing.
fn bounded(args: &[&str], envs: &[(&str, &str)], limit: Duration) -> Run {
    let n = rand_suffix();
    let (out_path, err_path, result_path) = (
        scratch(&format!("out-{n}")),
        scratch(&format!("err-{n}")),
        scratch(&format!("result-{n}")),
    );
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--ignored",
        "--exact",
        "hostile::measure_child",
        "--nocapture",
        "--quiet",
    ])
    .env("MEASURE_ARGS", serde_json::to_string(args).unwrap())
    .env("MEASURE_ENVS", serde_json::to_string(envs).unwrap())
    .env("MEASURE_LIMIT_MS", limit.as_millis().to_string())
    .env("MEASURE_OUT", &out_path)
    .env("MEASURE_ERR", &err_path)
    .env("MEASURE_RESULT", &result_path)
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    let started = Instant::now();
    let status = cmd.status().unwrap();
    assert!(
        status.success(),
        "measuring privaudit {args:?} failed: {status}"
    );
    let result = std::fs::read_to_string(&result_path).unwrap();
    let (code, peak) = result.trim().split_once(' ').unwrap();
    let code: i32 = code.parse().unwrap();
    assert!(code >= 0, "privaudit {args:?} was killed: {result}");
    Run {
        code,
        stdout: std::fs::read(&out_path).unwrap(),
        stderr: std::fs::read_to_string(&err_path).unwrap(),
        elapsed: started.elapsed(),
        peak_kib: peak.parse().unwrap(),
    }
}

/// Not a test: the entry point [`bounded`] starts a copy of this binary at. It runs
/// privaudit as the `MEASURE_*` variables say, kills it past the time limit, and writes
/// its exit code (negative when killed) and peak resident memory in KiB.
#[test]
#[ignore = "an entry point for bounded(), not a test of its own"]
fn measure_child() {
    let Ok(args) = std::env::var("MEASURE_ARGS") else {
        return;
    };
    let args: Vec<String> = serde_json::from_str(&args).unwrap();
    let envs: Vec<(String, String)> =
        serde_json::from_str(&std::env::var("MEASURE_ENVS").unwrap()).unwrap();
    let limit = Duration::from_millis(std::env::var("MEASURE_LIMIT_MS").unwrap().parse().unwrap());
    let var = |k: &str| PathBuf::from(std::env::var_os(k).unwrap());
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_privaudit"));
    cmd.args(&args)
        .current_dir(fixtures())
        .env("PRIVAUDIT_KEY", "privaudit-test-key")
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(var("MEASURE_OUT")).unwrap())
        .stderr(std::fs::File::create(var("MEASURE_ERR")).unwrap());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    // Reaped below by wait4, which also gives its resource usage.
    #[allow(clippy::zombie_processes)]
    let child = cmd.spawn().unwrap();
    let pid = child.id() as libc::pid_t;
    let started = Instant::now();
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value for wait4 to fill.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let mut killed = false;
    loop {
        // SAFETY: `pid` is our own child, not yet waited for; the pointers are valid.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break;
        }
        assert!(r == 0, "wait4 failed");
        if started.elapsed() > limit {
            // SAFETY: signalling our own child, which has not been reaped.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            killed = true;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let code = if !killed && libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    std::fs::write(var("MEASURE_RESULT"), format!("{code} {}", usage.ru_maxrss)).unwrap();
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    N.fetch_add(1, Ordering::Relaxed).to_string()
}

const FORMATS: [&str; 4] = ["text", "json", "sarif", "junit"];
/// Generous for a debug build on a busy two-core machine; a loop or a hang is far beyond.
const TIME: Duration = Duration::from_secs(60);
/// Peak resident memory any hostile input may cost beyond an ordinary run's, in KiB.
const MEMORY_KIB: i64 = 48 << 10;

/// The peak resident memory of auditing one small report (the program, its compiled
/// schemas and threads), which the bounds come on top of.
fn base_kib() -> i64 {
    static BASE: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    *BASE
        .get_or_init(|| bounded(&["audit", "introvox/daily-report-1.2.0.json"], &[], TIME).peak_kib)
}

/// Asserts that a run stayed within `extra_kib` of an ordinary run's memory.
fn assert_memory(run: &Run, extra_kib: i64, what: &str) {
    let base = base_kib();
    assert!(
        run.peak_kib < base + extra_kib,
        "{what}: peak {} KiB, more than {extra_kib} KiB over an ordinary run's {base} KiB",
        run.peak_kib
    );
}

#[test]
fn raw_keys_in_pointers() {
    let file = "hostile/cli/key-leaks.json";
    let planted = [
        "jan@example.nl",
        "piet.devries@example.org",
        "Ask Piet at the front desk",
        "nc01.gemeente-voorbeeld.nl",
        "ghp_R8x2Kq7LmN4pT9vW3yZ6bC1dF5gH0jS2uA8e",
        // A user name: no detector reads it as anything, yet it is data.
        "jdevries",
    ];
    for format in FORMATS {
        let run = bounded(&["audit", "--format", format, file], &[], TIME);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        let out = run.out();
        for p in planted {
            assert!(!out.contains(p), "{format} carries {p}:\n{out}");
        }
        assert!(
            out.contains("j***@***.nl #") && out.contains("8 characters #"),
            "{format} shows tagged keys:\n{out}"
        );
        let shown = bounded(
            &["audit", "--format", format, "--show-evidence", file],
            &[],
            TIME,
        );
        for p in planted {
            assert!(
                shown.out().contains(p),
                "{format} --show-evidence shows {p}"
            );
        }
    }
    // Two keys are told apart, and the same run of the same input tags them the same way.
    let json = |extra: &[&str]| {
        let mut args = vec!["audit", "--format", "json"];
        args.extend_from_slice(extra);
        args.push(file);
        serde_json::from_slice::<serde_json::Value>(&bounded(&args, &[], TIME).stdout).unwrap()
    };
    let (plain, shown) = (json(&[]), json(&["--show-evidence"]));
    let pointers: Vec<&str> = plain["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["pointer"].as_str().unwrap())
        .collect();
    let key_pointers: std::collections::BTreeSet<&str> = pointers
        .iter()
        .copied()
        .filter(|p| p.starts_with("/totalSteps/"))
        .collect();
    assert_eq!(key_pointers.len(), 4, "{pointers:?}");
    assert_eq!(
        json(&[])["findings"],
        plain["findings"],
        "stable within a key"
    );
    // Fingerprints do not depend on whether evidence is shown, nor on the raw key.
    let prints = |v: &serde_json::Value| -> Vec<String> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["fingerprint"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(prints(&plain), prints(&shown));
    // A baseline holds fingerprints only.
    let baseline = bounded(&["baseline", file], &[], TIME).out();
    for p in planted {
        assert!(!baseline.contains(p), "the baseline carries {p}");
    }
    // The library: no public field holds the key unless evidence is asked for.
    let body = std::fs::read(fixtures().join(file)).unwrap();
    let audit = privaudit_policy::Auditor::all().audit(&body);
    for f in &audit.findings {
        let fields = format!(
            "{} {:?} {} {} {:?}",
            f.pointer, f.raw_pointer, f.message, f.fingerprint, f.evidence
        );
        for p in planted {
            assert!(!fields.contains(p), "Finding carries {p}: {fields}");
        }
    }
}

/// What `control-characters.json` plants: C0 (ESC, BEL), a bidi override, a C1 CSI, a
/// zero-width space and a tag character.
const PLANTED: [char; 6] = [
    '\u{1b}',
    '\u{7}',
    '\u{202e}',
    '\u{9b}',
    '\u{200b}',
    '\u{e0041}',
];

#[test]
fn terminal_injection() {
    let file = "hostile/cli/control-characters.json";
    for evidence in [false, true] {
        let mut args = vec!["audit", "--format", "text"];
        if evidence {
            args.push("--show-evidence");
        }
        args.push(file);
        let run = bounded(&args, &[], TIME);
        assert_eq!(run.code, 1, "{}", run.stderr);
        let out = run.out();
        for c in PLANTED {
            assert!(!out.contains(c), "{c:?} reaches the terminal:\n{out}");
        }
        if evidence {
            for shown in [
                "\\u{1b}]0;owned\\u{7}",
                "\\u{202e}",
                "\\u{9b}31m",
                "\\u{200b}",
                "\\u{e0041}",
            ] {
                assert!(out.contains(shown), "{shown} is shown escaped:\n{out}");
            }
        }
    }
    // JUnit is XML 1.0, which cannot hold most controls; JSON and SARIF escape them too.
    for format in ["junit", "json", "sarif"] {
        let out = bounded(
            &["audit", "--format", format, "--show-evidence", file],
            &[],
            TIME,
        )
        .out();
        for c in PLANTED {
            assert!(!out.contains(c), "{format} holds {c:?}:\n{out}");
        }
    }
    // A file name is printed the same way.
    let odd = scratch("odd\u{1b}[2J.json");
    std::fs::write(&odd, b"{\"totalSteps\":").unwrap();
    let run = bounded(&["audit", odd.to_str().unwrap()], &[], TIME);
    assert_eq!(run.code, 2);
    assert!(!run.out().contains('\u{1b}') && run.out().contains("odd\\u{1b}[2J"));
}

#[test]
fn symlink_loops() {
    let root = scratch("walk");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::copy(
        fixtures().join("introvox/leaks/daily-report-email-key.json"),
        root.join("a.json"),
    )
    .unwrap();
    std::os::unix::fs::symlink("..", root.join("sub/up")).unwrap();
    std::os::unix::fs::symlink("../..", root.join("sub/up2")).unwrap();
    std::os::unix::fs::symlink("../a.json", root.join("sub/again.json")).unwrap();
    // No loop, but 2^30 paths: each level links twice to the next.
    for d in 0..30 {
        let dir = root.join(format!("sub/chain/d{d}"));
        std::fs::create_dir_all(&dir).unwrap();
        for l in ["a", "b"] {
            std::os::unix::fs::symlink(format!("../d{}", d + 1), dir.join(l)).unwrap();
        }
    }
    std::fs::create_dir_all(root.join("sub/chain/d30")).unwrap();
    std::fs::copy(root.join("a.json"), root.join("sub/chain/d30/deep.json")).unwrap();
    // A link to nothing, plain and hidden.
    std::os::unix::fs::symlink("nowhere.json", root.join("sub/dangling.json")).unwrap();
    std::os::unix::fs::symlink("nowhere.json", root.join("sub/.#lock.json")).unwrap();
    let run = bounded(
        &["audit", "--format", "json", root.to_str().unwrap()],
        &[],
        Duration::from_secs(20),
    );
    let v: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(v["summary"]["files"], 2, "each file once: {v}");
    assert!(run.elapsed < Duration::from_secs(10), "{:?}", run.elapsed);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_memory(&run, MEMORY_KIB, "symlink loop");
    // The same file named twice is read once, too.
    let a = root.join("a.json");
    let run = bounded(
        &[
            "audit",
            "--format",
            "json",
            a.to_str().unwrap(),
            root.join("sub/again.json").to_str().unwrap(),
        ],
        &[],
        TIME,
    );
    let v: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(v["summary"]["files"], 1, "{v}");
}

#[test]
fn reading_before_limiting() {
    // A 16 MB body of a million keys: refused at the body limit, never built.
    let big = scratch("big.json");
    let mut body = String::from("{");
    for i in 0..1_000_000 {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&format!("\"k{i:07}\":{i}"));
    }
    body.push('}');
    std::fs::write(&big, &body).unwrap();
    let run = bounded(
        &["audit", "--format", "json", big.to_str().unwrap()],
        &[],
        TIME,
    );
    assert_eq!(run.code, 2);
    assert!(run.out().contains("body limit"), "{}", run.out());
    // The body limit is 4 MiB: what is kept of the body, and no more.
    assert_memory(&run, 12 << 10, "16 MB body");
    // /dev/zero is refused from its first bytes.
    let run = bounded(&["audit", "/dev/zero"], &[], Duration::from_secs(20));
    assert_eq!(run.code, 2);
    assert!(run.out().contains("NUL byte"), "{}", run.out());
    assert_memory(&run, 4 << 10, "/dev/zero");
    // A HAR whose 50 000 entries are all audited streams through the audit threads.
    let report = std::fs::read_to_string(fixtures().join("introvox/daily-report-1.2.0.json"))
        .unwrap()
        .replace(['\n', ' '], "");
    let entry = serde_json::json!({
        "request": {"method": "POST", "url": "https://t.example/api/telemetry/introvox",
            "postData": {"mimeType": "application/json", "text": report}},
        "response": {"status": 200, "content": {"text": "x".repeat(300)}},
    })
    .to_string();
    let har = scratch("many.har");
    let mut text = String::from("{\"log\":{\"version\":\"1.2\",\"entries\":[");
    for i in 0..50_000 {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&entry);
    }
    text.push_str("]}}");
    std::fs::write(&har, &text).unwrap();
    for jobs in ["1", "2"] {
        let run = bounded(&["audit", "--jobs", jobs, har.to_str().unwrap()], &[], TIME);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(run.out().contains("50000 records"), "{}", run.out());
        let what = format!("{} MB HAR, --jobs {jobs}", text.len() >> 20);
        assert_memory(&run, MEMORY_KIB, &what);
    }
    // One huge string, as a HAR body or as a member name, is refused where it passes twice
    // the body limit, not held whole.
    let huge = "A".repeat(16 << 20);
    let body_har = scratch("huge-body.har");
    std::fs::write(
        &body_har,
        format!(
            r#"{{"log":{{"entries":[{{"request":{{"url":"https://t.example/api/telemetry/introvox","postData":{{"mimeType":"application/json","text":"{huge}"}}}}}}]}}}}"#
        ),
    )
    .unwrap();
    let huge_key = scratch("huge-key.json");
    std::fs::write(&huge_key, format!(r#"{{"{huge}":1}}"#)).unwrap();
    drop(huge);
    for (file, what) in [(&body_har, "16 MB HAR body"), (&huge_key, "16 MB key")] {
        let run = bounded(
            &["audit", "--format", "json", file.to_str().unwrap()],
            &[],
            TIME,
        );
        assert_eq!(run.code, 2, "{what}: {}", run.out());
        assert!(
            run.out().contains("twice the body limit"),
            "{what}: {}",
            run.out()
        );
        assert!(
            !run.out().contains("AAAA"),
            "{what}: the error echoes the input"
        );
        assert_memory(&run, 20 << 10, what);
    }
    // A FIFO with no writer holds up neither the run nor the other inputs.
    let fifo = scratch("no-writer.fifo");
    let _ = std::fs::remove_file(&fifo);
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let run = bounded(
        &[
            "audit",
            "--format",
            "json",
            fifo.to_str().unwrap(),
            "introvox/daily-report-1.2.0.json",
        ],
        &[],
        Duration::from_secs(30),
    );
    let v: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(v["summary"]["records"], 1, "{v}");
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("FIFO"));
    assert!(run.elapsed < Duration::from_secs(20));
}

#[test]
fn har_base64_gzip_bodies_are_decoded() {
    let run = bounded(
        &[
            "audit",
            "--format",
            "json",
            "hostile/cli/har-base64-gzip.har",
        ],
        &[],
        TIME,
    );
    let v: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(run.code, 1, "{v}");
    assert_eq!(v["findings"][0]["category"], "email", "{v}");
    assert_eq!(v["errors"].as_array().unwrap().len(), 0, "{v}");
}

/// Every committed hostile input, in every format: audited or refused, never a hang, a
/// crash or a memory blow-up.
#[test]
fn every_hostile_fixture_is_bounded() {
    let mut seen = 0;
    for dir in ["hostile/capture", "hostile/engine", "hostile/cli"] {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(fixtures().join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect();
        paths.sort();
        for path in paths {
            let rel = Path::new(dir).join(path.file_name().unwrap());
            for format in FORMATS {
                let run = bounded(
                    &["audit", "--format", format, rel.to_str().unwrap()],
                    &[],
                    TIME,
                );
                assert!(
                    matches!(run.code, 0..=2),
                    "{}: exit {}",
                    rel.display(),
                    run.code
                );
                assert_memory(&run, MEMORY_KIB, &format!("{} ({format})", rel.display()));
                if format == "json" {
                    serde_json::from_slice::<serde_json::Value>(&run.stdout).unwrap_or_else(|e| {
                        panic!("{}: the JSON output does not parse: {e}", rel.display())
                    });
                }
            }
            seen += 1;
        }
    }
    assert!(seen > 60, "the hostile corpus is there ({seen} files)");
}
