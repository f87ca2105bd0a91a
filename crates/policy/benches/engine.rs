//! Engine latency per report, against parsing the same bodies into a `serde_json::Value` in
//! the same run (the floor any JSON auditor pays). Each case cycles through 256 copies of a
//! fixture with their ids and timestamps varied, as reports from many installations are.
//!
//! `cargo bench -p privaudit-policy --bench engine`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use privaudit_policy::{AuditOptions, Auditor};
use std::hint::black_box;
use std::path::Path;

fn fixture(path: &str) -> Vec<u8> {
    let full = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(path);
    std::fs::read(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

fn bench(c: &mut Criterion) {
    // A collector's setup: compiled once, no typed report wanted.
    let auditor = Auditor::all().with_options(AuditOptions {
        typed_report: false,
        ..Default::default()
    });
    let mut group = c.benchmark_group("engine/report");
    for (name, path) in [
        ("kopano-survey-1.8k-clean", "kopano/survey-8.7.json"),
        (
            "mattermost-batch-1.9k-clean",
            "mattermost/diagnostics-batch-identify.json",
        ),
        (
            "mattermost-batch-10k-clean",
            "mattermost/diagnostics-batch-current.json",
        ),
        (
            "community-scripts-0.9k-leak",
            "community-scripts/leaks/install-report-error-pve-paths.json",
        ),
        (
            "community-scripts-0.8k-clean",
            "community-scripts/install-report-lxc-success.json",
        ),
        ("introvox-0.7k-clean", "introvox/daily-report-1.7.6.json"),
        ("roomvox-0.8k-clean", "roomvox/daily-report-b-exchange.json"),
        // No product fits: audited under the generic policy.
        ("generic-0.5k-clean", "init/fluxboard.ndjson"),
    ] {
        let text = String::from_utf8(fixture(path)).unwrap();
        // An NDJSON capture contributes its first record.
        let body = if path.ends_with(".ndjson") {
            text.lines().next().unwrap_or_default().to_string()
        } else {
            text.replace(['\n', '\r'], "")
        };
        // As a collector sees them: the same report from many installations, each with its
        // own ids and timestamps (so nothing is measured on a body seen just before).
        let bodies: Vec<Vec<u8>> = (0..256)
            .map(|seed| privaudit_bench::vary(&body, seed).into_bytes())
            .collect();
        group.throughput(Throughput::Bytes(body.len() as u64));
        let mut next = 0;
        group.bench_function(format!("{name}/baseline-parse"), |b| {
            b.iter(|| {
                next = (next + 1) % bodies.len();
                serde_json::from_slice::<serde_json::Value>(black_box(&bodies[next])).is_ok()
            })
        });
        group.bench_function(name, |b| {
            b.iter(|| {
                next = (next + 1) % bodies.len();
                auditor.audit(black_box(&bodies[next])).findings.len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
