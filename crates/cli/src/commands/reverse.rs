//! `privaudit reverse`: what a report's pseudonymous ids give away to whoever holds them.

use crate::args::{OutputFormat, ReverseArgs};
use crate::commands::sink_for;
use crate::run::{finish, start};
use std::process::ExitCode;

pub(crate) fn reverse(args: &ReverseArgs) -> Result<ExitCode, String> {
    let Some(product) = args.audit.product.as_deref() else {
        return Err("`reverse` needs --product (introvox or roomvox)".into());
    };
    if args.candidates.is_none() && args.ipv4.is_empty() {
        return Err("give --candidates FILE, --ipv4 CIDR, or both".into());
    }
    let candidates: Vec<String> = match &args.candidates {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .lines()
            .map(str::to_string)
            .collect(),
        None => Vec::new(),
    };
    let ranges = args
        .ipv4
        .iter()
        .map(|c| {
            privaudit_reident::reverse::parse_cidr(c)
                .ok_or_else(|| format!("--ipv4 {c}: not an IPv4 address or CIDR range"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut run = start(&args.audit, sink_for(&args.audit, false), true)?;
    let threads = run.jobs;
    let samples = run.take_samples();
    let reversal = privaudit_reident::hash_targets(&samples);
    if reversal.targets.is_empty() && !samples.is_empty() {
        eprintln!(
            "privaudit: no hashed fields in these {product} reports (kopano sends its machine id and server GUID raw; see `privaudit reident`)"
        );
    }
    let mut outcome = privaudit_reident::reverse::reverse_candidates(
        &reversal.derivations,
        &reversal.targets,
        &candidates,
        threads,
    );
    if !ranges.is_empty() {
        let more = privaudit_reident::reverse::reverse_ipv4(
            &reversal.derivations,
            &reversal.targets,
            &ranges,
            threads,
        );
        for mut h in more.hits {
            if !outcome.hits.iter().any(|o| o.target == h.target) {
                h.guess += outcome.guesses;
                outcome.hits.push(h);
            }
        }
        outcome.guesses += more.guesses;
        outcome.elapsed += more.elapsed;
    }
    let located = privaudit_reident::reverse(
        &samples,
        &reversal,
        &outcome,
        privaudit_reident::Options {
            show_evidence: args.audit.show_evidence,
            key: run.key,
        },
    );
    run.emit(located)?;
    let secs = outcome.elapsed.as_secs_f64();
    let trailer = if matches!(args.audit.format, OutputFormat::Text) {
        format!(
            "reversed {} of {} hashes with {} guesses in {:.2} s ({:.1} million guesses per second on {threads} threads)\n",
            outcome.hits.len(),
            reversal.targets.len(),
            outcome.guesses,
            secs,
            outcome.guesses as f64 / secs.max(1e-9) / 1e6
        )
    } else {
        String::new()
    };
    finish(run, &trailer)
}
