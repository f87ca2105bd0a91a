//! The worst case stays a small multiple of ordinary telemetry: every adversarial corpus of
//! the benchmark, audited end to end, against the mixed corpus of the same size in the same
//! test. Not a measurement (that is `benches/throughput.rs`): the bound is generous, so only
//! a detector whose work per byte stops being a small constant trips it.

use privaudit_bench::{Adversarial, adversarial_ndjson, mixed_ndjson};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The documented bound is 3x in a release build; the margin absorbs a debug build and a
/// busy machine. The card check's old worst case ran at 4.4-10x.
const BOUND: f64 = 4.0;
const SIZE: usize = 1 << 20;

/// The best of three wall times of one audit, a run of nothing subtracted.
fn cost(file: &Path, start_up: Duration) -> Duration {
    (0..3)
        .map(|_| {
            let started = Instant::now();
            let status = Command::new(env!("CARGO_BIN_EXE_privaudit"))
                .args(["audit", "--format", "json", "--jobs", "1", "--no-progress"])
                .arg(file)
                .env("PRIVAUDIT_KEY", "privaudit-test-key")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .unwrap();
            assert!(status.code().is_some_and(|c| c <= 1), "{file:?}: {status}");
            started.elapsed()
        })
        .min()
        .unwrap()
        .saturating_sub(start_up)
}

#[test]
fn adversarial_input_costs_a_small_multiple_of_telemetry() {
    let empty = super::tmp("worst-empty.ndjson", b"{}\n");
    let start_up = cost(&empty, Duration::ZERO);
    let ordinary = cost(
        &super::tmp("worst-mixed.ndjson", &mixed_ndjson(SIZE)),
        start_up,
    );
    let mut report = Vec::new();
    for kind in Adversarial::ALL {
        let file = super::tmp(
            &format!("worst-{}.ndjson", kind.name()),
            &adversarial_ndjson(kind, SIZE),
        );
        let ratio = cost(&file, start_up).as_secs_f64() / ordinary.as_secs_f64();
        report.push(format!("{}: {ratio:.2}x", kind.name()));
        assert!(
            ratio < BOUND,
            "{} audits at {ratio:.1}x ordinary telemetry (bound {BOUND}x; {})",
            kind.name(),
            report.join(", ")
        );
    }
    eprintln!(
        "against {ordinary:?} of ordinary telemetry: {}",
        report.join(", ")
    );
}
