//! Hash reversal speed: SHA-256 guesses per second over an IPv4 range, with one thread and
//! with every core, against plain SHA-256 of the same inputs in the same run.
//!
//! `cargo bench -p privaudit-reident --bench reverse`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use privaudit_reident::reverse::{Derivation, Target, parse_cidr, reverse_ipv4};
use sha2::{Digest, Sha256};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    // A /16: 65 536 addresses, three forms each for RoomVox.
    let range = parse_cidr("10.20.0.0/16").unwrap();
    let targets = vec![Target {
        sample: 0,
        pointer: "/instanceHash".into(),
        digest: Sha256::digest(b"https://10.20.255.254").into(),
    }];
    let guesses = 65_536u64 * 3;
    let mut group = c.benchmark_group("reident/reverse-ipv4");
    group
        .throughput(Throughput::Elements(guesses))
        .sample_size(10);
    group.bench_function("baseline-sha256-only", |b| {
        b.iter(|| {
            let mut acc = 0u8;
            for ip in range.0..=range.1 {
                for prefix in ["https://", "http://", ""] {
                    let s = format!("{prefix}{}", std::net::Ipv4Addr::from(ip));
                    acc ^= Sha256::digest(s.as_bytes())[0];
                }
            }
            black_box(acc)
        })
    });
    for threads in [1, 2] {
        group.bench_function(format!("threads-{threads}"), |b| {
            b.iter(|| {
                let out = reverse_ipv4(
                    &[Derivation::UrlLowercaseTrimmed, Derivation::BareHost],
                    &targets,
                    &[range],
                    threads,
                );
                assert_eq!(out.hits.len(), 1);
                out.guesses
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
