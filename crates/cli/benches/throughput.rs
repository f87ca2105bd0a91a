//! End to end: `privaudit audit --format json` on a mixed NDJSON capture (one record in two
//! leaks) against the parse floor measured in the same run, with one thread and with two,
//! as one file and as a directory of 64; and the adversarial corpora against ordinary
//! telemetry.
//!
//! `cargo bench -p privaudit --bench throughput` (16 MiB corpora; `PRIVAUDIT_BENCH_MB` to
//! change). Under `cargo test --benches` each case runs once on a small corpus, as a smoke
//! check that the harness works.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use privaudit_bench::{Adversarial, adversarial_ndjson, floor, mixed_ndjson};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

fn corpus_bytes() -> usize {
    let bench_mode = std::env::args().any(|a| a == "--bench");
    let mb = std::env::var("PRIVAUDIT_BENCH_MB")
        .ok()
        .and_then(|m| m.parse().ok())
        .unwrap_or(16);
    if bench_mode { mb << 20 } else { 256 << 10 }
}

fn write(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// One run of the real binary, output discarded; findings exit 1 and refused records 2,
/// both expected here.
fn cli(file: &Path, jobs: &str) {
    let status = Command::new(env!("CARGO_BIN_EXE_privaudit"))
        .args(["audit", "--format", "json", "--no-progress", "--jobs", jobs])
        .arg(file)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(matches!(status.code(), Some(0..=2)), "{status}");
}

fn bench(c: &mut Criterion) {
    let size = corpus_bytes();
    let mixed = mixed_ndjson(size);
    let mixed_file = write("mixed.ndjson", &mixed);
    let mut group = c.benchmark_group("cli/throughput");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .throughput(Throughput::Bytes(mixed.len() as u64));
    // The floor: parse each record into a Value and touch every string and key.
    group.bench_function("mixed/baseline-parse-floor", |b| b.iter(|| floor(&mixed)));
    group.bench_function("mixed/jobs-1", |b| b.iter(|| cli(&mixed_file, "1")));
    group.bench_function("mixed/jobs-2", |b| b.iter(|| cli(&mixed_file, "2")));
    // The same records as a directory of 64 captures.
    let files = Path::new(env!("CARGO_TARGET_TMPDIR")).join("mixed-files");
    let _ = std::fs::remove_dir_all(&files);
    std::fs::create_dir_all(&files).unwrap();
    let lines: Vec<&[u8]> = mixed.split_inclusive(|&b| b == b'\n').collect();
    for (i, part) in lines.chunks(lines.len().div_ceil(64)).enumerate() {
        std::fs::write(files.join(format!("part-{i:02}.ndjson")), part.concat()).unwrap();
    }
    group.bench_function("mixed-64-files/jobs-1", |b| b.iter(|| cli(&files, "1")));
    group.bench_function("mixed-64-files/jobs-2", |b| b.iter(|| cli(&files, "2")));
    // Each adversarial corpus at a quarter and at the full size: equal MB/s means time
    // linear in input size.
    for kind in Adversarial::ALL {
        for (label, bytes) in [("quarter", size / 4), ("full", size)] {
            let bytes = adversarial_ndjson(kind, bytes);
            let file = write(&format!("{}-{label}.ndjson", kind.name()), &bytes);
            group.throughput(Throughput::Bytes(bytes.len() as u64));
            group.bench_function(format!("adversarial/{}/{label}/jobs-1", kind.name()), |b| {
                b.iter(|| cli(&file, "1"))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
