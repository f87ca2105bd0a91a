//! Scan throughput on clean telemetry strings and on strings with hits, in bytes per second.
//!
//! `cargo bench -p privaudit-detect --bench scan`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use privaudit_detect::Scanner;
use std::hint::black_box;

/// Clean values of the kind real reports carry.
const CLEAN: &[&str] = &[
    "32.0.4.1",
    "8.3.14",
    "Europe/Amsterdam",
    "America/Argentina/Buenos_Aires",
    "nginx",
    "x86_64",
    "de_DE",
    "pgsql",
    "Debian GNU/Linux 11 (bullseye)",
    "Linux x86_64 5.10.0-26-amd64",
    "Intel Core i5-8500T CPU @ 2.10GHz",
    "community-scripts/ProxmoxVE",
    "jellyfin",
    "3f1c9a0be2d47715c6e0a8d94b2f6e13a7c5d8e09f1b2a3c4d5e6f708192a3b4",
    "5d3c2a1b-7e6f-4a8b-9c0d-1e2f3a4b5c6d",
    "8kq3xzt1m7fd9rgw5ye4bc6hpo",
    "2026-11-20T03:14:02.551Z",
    "create_post manage_system edit_others_posts",
    "exit_code=100 | APT: Package manager error",
];

/// Values carrying one leak each.
const HITS: &[&str] = &[
    "jan.devries@example.nl",
    "connect to 192.168.1.44:3142 failed",
    "fe80::1ff:fe23:4567:890a%eth0",
    "https://admin:s3cret@repo.example.org/debian",
    "cp /etc/pve/lxc/105.conf /root/backup",
    "token=ghp_R8kD2mQ9vL4xT7pZ1cW6nB3hJ5sF0gY2aEuK",
    "card 4111 1111 1111 1111",
    "call +31 6 12345678",
    "mac 00:1a:2b:3c:4d:5e",
    "nas.fritz.box",
];

fn bench(c: &mut Criterion) {
    let scanner = Scanner::new();
    let mut group = c.benchmark_group("detect/scan");
    for (name, set) in [("clean", CLEAN), ("hits", HITS)] {
        let bytes: usize = set.iter().map(|s| s.len()).sum();
        group.throughput(Throughput::Bytes(bytes as u64));
        // Baseline in the same run: one pass that only looks at each byte, the floor for any
        // scanner; figures are quoted as a ratio to it.
        group.bench_function(format!("{name}/baseline-byte-pass"), |b| {
            b.iter(|| {
                set.iter()
                    .map(|s| {
                        black_box(s)
                            .bytes()
                            .filter(u8::is_ascii_punctuation)
                            .count()
                    })
                    .sum::<usize>()
            })
        });
        group.bench_function(name, |b| {
            let mut out = Vec::with_capacity(16);
            b.iter(|| {
                for s in set {
                    out.clear();
                    scanner.scan(black_box(s), &mut out);
                }
                black_box(out.len())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
