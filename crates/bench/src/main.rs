//! `privaudit-bench gen OUT [MB] [KIND]` writes a benchmark corpus, `gen-har OUT [MB]` the
//! same reports as a HAR capture; `privaudit-bench floor
//! FILE` runs the parse floor over an NDJSON file and prints its throughput.

use privaudit_bench::{
    Adversarial, adversarial_ndjson, collector_posts, floor, har, load, mixed_ndjson, small_ndjson,
};
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["gen", out, rest @ ..] => {
            let mb: usize = rest.first().and_then(|m| m.parse().ok()).unwrap_or(50);
            let bytes = match rest.get(1) {
                None | Some(&"mixed") => mixed_ndjson(mb << 20),
                Some(&"small") => small_ndjson(mb << 20),
                Some(name) => match Adversarial::ALL.iter().find(|k| k.name() == *name) {
                    Some(&k) => adversarial_ndjson(k, mb << 20),
                    None => return usage(),
                },
            };
            if let Err(e) = std::fs::write(out, &bytes) {
                eprintln!("{out}: {e}");
                return ExitCode::from(2);
            }
            ExitCode::SUCCESS
        }
        ["gen-har", out, rest @ ..] => {
            let mb: usize = rest.first().and_then(|m| m.parse().ok()).unwrap_or(50);
            if let Err(e) = std::fs::write(out, har(mb << 20)) {
                eprintln!("{out}: {e}");
                return ExitCode::from(2);
            }
            ExitCode::SUCCESS
        }
        ["load", addr, rest @ ..] => {
            let count: usize = rest.first().and_then(|m| m.parse().ok()).unwrap_or(20_000);
            let connections: usize = rest.get(1).and_then(|m| m.parse().ok()).unwrap_or(32);
            let posts = collector_posts(count);
            // The floor first: the same traffic to a path the collector refuses at once.
            for (label, path) in [("floor (404 path)", Some("/none")), ("reports", None)] {
                let r = load(addr, &posts, connections, path);
                println!(
                    "{label}: {} requests over {connections} connections in {:.2} s: {:.0}/s, p50 {:.2} ms, p99 {:.2} ms, statuses {:?}, failed {}",
                    r.latencies.len(),
                    r.elapsed.as_secs_f64(),
                    r.throughput(),
                    r.quantile(0.5).as_secs_f64() * 1e3,
                    r.quantile(0.99).as_secs_f64() * 1e3,
                    r.statuses,
                    r.failed
                );
            }
            ExitCode::SUCCESS
        }
        ["floor", file] => {
            let bytes = match std::fs::read(file) {
                Ok(b) => b,
                Err(e) => {
                    eprintln!("{file}: {e}");
                    return ExitCode::from(2);
                }
            };
            let start = Instant::now();
            let c = floor(&bytes);
            let secs = start.elapsed().as_secs_f64();
            println!(
                "{} records, {} strings and keys, {:.3} s, {:.1} MB/s",
                c.records,
                c.strings,
                secs,
                bytes.len() as f64 / secs / 1e6
            );
            ExitCode::SUCCESS
        }
        _ => usage(),
    }
}

fn usage() -> ExitCode {
    let kinds: Vec<&str> = Adversarial::ALL.iter().map(|k| k.name()).collect();
    eprintln!(
        "usage: privaudit-bench gen OUT [MB] [mixed|small|{}]\n       privaudit-bench gen-har OUT [MB]\n       privaudit-bench floor FILE\n       privaudit-bench load HOST:PORT [REPORTS] [CONNECTIONS]",
        kinds.join("|")
    );
    ExitCode::from(2)
}
