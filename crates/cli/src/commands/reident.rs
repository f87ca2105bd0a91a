//! `privaudit reident`: a corpus analysis of re-identification risk.

use crate::args::{OutputFormat, ReidentArgs};
use crate::commands::sink_for;
use crate::output;
use crate::run::{Run, finish, start};
use std::process::ExitCode;

impl Run<'_> {
    /// The collected reports for an analysis; the record list keeps their kinds.
    pub(crate) fn take_samples(&mut self) -> Vec<privaudit_reident::Sample> {
        self.collected
            .iter_mut()
            .flatten()
            .map(|c| privaudit_reident::Sample {
                kind: c.sample.kind,
                value: std::mem::take(&mut c.sample.value),
            })
            .collect()
    }

    /// Writes corpus findings record by record, every collected record once.
    pub(crate) fn emit(&mut self, located: Vec<privaudit_reident::Located>) -> Result<(), String> {
        let collected = self.collected.take().unwrap_or_default();
        let mut by_sample: Vec<Vec<privaudit_policy::Finding>> = vec![Vec::new(); collected.len()];
        for l in located {
            if let Some(v) = by_sample.get_mut(l.sample) {
                v.push(l.finding);
            }
        }
        // Records and errors go out in source order, so each source is written once.
        let deferred: Vec<(Option<usize>, output::RecordError)> =
            std::mem::take(&mut self.deferred)
                .into_iter()
                .map(|e| (self.sources.iter().position(|s| **s == *e.source), e))
                .collect();
        let mut errors = deferred.into_iter().peekable();
        for (c, findings) in collected.iter().zip(by_sample) {
            while let Some((_, e)) =
                errors.next_if(|(rank, e)| (*rank, e.record) < (Some(c.source), Some(c.record)))
            {
                self.write(|sink, out| sink.error(&e, out))?;
            }
            let source = self.sources[c.source].clone();
            self.deliver(&source, c.record, c.line, Some(c.sample.kind), findings)?;
        }
        for (_, e) in errors {
            self.write(|sink, out| sink.error(&e, out))?;
        }
        Ok(())
    }
}

pub(crate) fn reident(args: &ReidentArgs) -> Result<ExitCode, String> {
    if !(0.0..=1.0).contains(&args.max_unique_share) {
        return Err("--max-unique-share is a fraction between 0 and 1".into());
    }
    let mut run = start(&args.audit, sink_for(&args.audit, false), true)?;
    let samples = run.take_samples();
    let show = privaudit_reident::Options {
        show_evidence: args.audit.show_evidence,
        key: run.key,
    };
    let mut located = privaudit_reident::linkage(&samples, show);
    let (unique, stats) =
        privaudit_reident::uniqueness_findings(&samples, args.min_k, args.max_unique_share, show);
    located.extend(unique);
    run.emit(located)?;
    let mut trailer = String::new();
    if matches!(args.audit.format, OutputFormat::Text) {
        for (product, u) in &stats {
            trailer.push_str(&format!(
                "{product}: {} reports, {} quasi-identifier fields, {} combinations, {} unique, {:.0}% below k = {} (limit {:.0}%)\n",
                u.reports,
                u.fields.len(),
                u.combinations,
                u.unique,
                u.share_below(args.min_k) * 100.0,
                args.min_k,
                args.max_unique_share * 100.0
            ));
            if !u.singled_out_by.is_empty() {
                let top: Vec<String> = u
                    .singled_out_by
                    .iter()
                    .take(5)
                    .map(|(f, n)| format!("{f} ({n})"))
                    .collect();
                trailer.push_str(&format!(
                    "  fields that single reports out: {}\n",
                    top.join(", ")
                ));
            }
        }
    }
    finish(run, &trailer)
}
