//! Audits one report over and over, for a profiler to split the library's time by phase:
//! `valgrind --tool=callgrind target/release/examples/audit_loop FILE [TIMES]`.

use privaudit_policy::{AuditOptions, Auditor};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(file) = args.next() else {
        eprintln!("usage: audit_loop FILE [TIMES]");
        std::process::exit(2);
    };
    let times: usize = args.next().and_then(|t| t.parse().ok()).unwrap_or(10_000);
    let body = match std::fs::read(&file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{file}: {e}");
            std::process::exit(2);
        }
    };
    // The first record of an NDJSON file, or the whole document.
    let body = body
        .split(|&b| b == b'\n')
        .next()
        .filter(|l| l.starts_with(b"{") && file.ends_with(".ndjson"))
        .map(<[u8]>::to_vec)
        .unwrap_or(body);
    let auditor = Auditor::all().with_options(AuditOptions {
        typed_report: false,
        ..Default::default()
    });
    let mut findings = 0;
    for _ in 0..times {
        findings += std::hint::black_box(auditor.audit(std::hint::black_box(&body)))
            .findings
            .len();
    }
    println!("{times} audits, {findings} findings");
}
