//! The reference collector under load: batches of reports (one in two a leak) posted over 32
//! keep-alive connections to `privaudit serve` on a fresh SQLite file, against the same
//! traffic to a path the collector refuses at once (the HTTP floor), in the same run.
//!
//! `cargo bench -p privaudit --bench collector` (batches of 2 000). For throughput and
//! latency quantiles over a bounded run, `privaudit-bench load HOST:PORT 20000 32` against a
//! running collector (docs/collector.md). Under `cargo test --benches` each case runs once
//! on a small batch.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use privaudit_bench::{collector_posts, load};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn bench(c: &mut Criterion) {
    let bench_mode = std::env::args().any(|a| a == "--bench");
    let count = if bench_mode { 2_000 } else { 64 };
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("collector-bench");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("serve.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_privaudit"))
        .args(["serve", "--listen", "127.0.0.1:0", "--no-config", "--db"])
        .arg(format!("sqlite://{}", dir.join("bench.db").display()))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let addr = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if let Some(at) = text.find("listening on ") {
            break text[at + 13..]
                .split_whitespace()
                .next()
                .unwrap()
                .to_string();
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no collector: {text}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let posts = collector_posts(count);
    let mut group = c.benchmark_group("collector");
    group
        .sample_size(10)
        .throughput(Throughput::Elements(count as u64));
    group.bench_function("floor-404/32-connections", |b| {
        b.iter(|| {
            let r = load(&addr, &posts, 32, Some("/none"));
            assert_eq!(r.failed, 0);
        })
    });
    group.bench_function("sqlite/32-connections", |b| {
        b.iter(|| {
            let r = load(&addr, &posts, 32, None);
            assert_eq!(r.failed, 0, "{:?}", r.statuses);
        })
    });
    group.finish();
    let _ = child.kill();
    let _ = child.wait();
}

criterion_group!(benches, bench);
criterion_main!(benches);
