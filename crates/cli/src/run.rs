//! One audit run: reads every source into batches, hands them to the engine and writes
//! what comes back to the chosen sink, then decides the exit code.

use crate::args::{AuditArgs, FailOn};
use crate::inputs::{files, open_input};
use crate::pool::{BATCH_BYTES, BATCH_RECORDS, Batch, Job, Outcomes, Pool, audit_all};
use crate::{output, progress};
use privaudit_capture::Opened;
use privaudit_policy::{AuditOptions, Auditor, Severity};
use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;

/// Reading a stream while counting the raw bytes, for the progress bar.
pub(crate) struct Counting<R> {
    pub(crate) inner: R,
    pub(crate) read: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

pub(crate) struct Run<'a> {
    pub(crate) args: &'a AuditArgs,
    /// Shared with the audit threads.
    pub(crate) auditor: std::sync::Arc<Auditor>,
    /// The audit threads, when there is more than one; else records are audited in place.
    pub(crate) pool: Option<Pool>,
    pub(crate) baseline: std::collections::BTreeSet<String>,
    pub(crate) endpoints: Vec<String>,
    /// Source names by index; shared, so a record costs no copy of its name.
    pub(crate) sources: Vec<std::rc::Rc<str>>,
    pub(crate) summary: output::Summary,
    pub(crate) sink: Box<dyn output::Sink>,
    pub(crate) out: std::io::BufWriter<std::io::StdoutLock<'static>>,
    pub(crate) jobs: usize,
    /// When set, audited records are kept for a corpus analysis instead of being written.
    pub(crate) collected: Option<Vec<Collected>>,
    /// Records queued so far, against `--max-records`.
    pub(crate) queued: usize,
    /// The fingerprint key of this run.
    pub(crate) key: Option<privaudit_policy::FingerprintKey>,
    /// Writing a baseline rather than a report.
    pub(crate) baseline_mode: bool,
    /// Errors met while collecting, written with the records by `emit`.
    pub(crate) deferred: Vec<output::RecordError>,
}

/// A record kept for a corpus analysis.
pub(crate) struct Collected {
    pub(crate) source: usize,
    pub(crate) record: usize,
    pub(crate) line: Option<usize>,
    pub(crate) sample: privaudit_reident::Sample,
}

impl Run<'_> {
    /// The loaded products' endpoints, as the capture readers take them.
    fn endpoint_list(&self) -> Vec<&str> {
        self.endpoints.iter().map(String::as_str).collect()
    }

    pub(crate) fn write(
        &mut self,
        f: impl FnOnce(&mut dyn output::Sink, &mut dyn Write) -> std::io::Result<()>,
    ) -> Result<(), String> {
        match f(self.sink.as_mut(), &mut self.out) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => Err(format!("writing the report: {e}")),
            Ok(()) => Ok(()),
        }
    }

    pub(crate) fn error(
        &mut self,
        source: &str,
        record: Option<usize>,
        line: Option<usize>,
        message: String,
    ) -> Result<(), String> {
        self.summary.errors += 1;
        let e = output::RecordError {
            source: source.to_string(),
            record,
            line,
            message,
        };
        // A corpus analysis writes its records at the end; errors wait to keep their place.
        if self.collected.is_some() {
            self.deferred.push(e);
            return Ok(());
        }
        self.write(|sink, out| sink.error(&e, out))
    }

    /// Writes what is queued, then an error about a whole source.
    pub(crate) fn fail(
        &mut self,
        batch: &mut Batch,
        source: &str,
        message: String,
    ) -> Result<(), String> {
        self.flush(batch)?;
        self.error(source, None, None, message)
    }

    /// Audits and writes everything queued, in input order.
    pub(crate) fn flush(&mut self, batch: &mut Batch) -> Result<(), String> {
        if self.pool.is_some() {
            if !batch.jobs.is_empty() {
                self.dispatch(batch)?;
            }
            return self.drain(true);
        }
        let outcomes = audit_all(&self.auditor, self.args.product.as_deref(), &batch.jobs);
        self.write_batch(&batch.jobs, outcomes)?;
        batch.clear();
        Ok(())
    }

    /// Hands a full batch to the audit threads and writes the batches that are back; with
    /// one thread, audits it in place.
    pub(crate) fn dispatch(&mut self, batch: &mut Batch) -> Result<(), String> {
        let Some(pool) = self.pool.as_mut() else {
            return self.flush(batch);
        };
        let (jobs, bytes) = batch.take();
        pool.send(jobs, bytes)?;
        self.drain(false)
    }

    /// Writes the batches that are back, in order: all of them when `all`, else waiting
    /// only while too many are out.
    pub(crate) fn drain(&mut self, all: bool) -> Result<(), String> {
        while let Some(pool) = self.pool.as_mut() {
            let wait = all || pool.full();
            match pool.next(wait)? {
                Some((jobs, outcomes)) => self.write_batch(&jobs, outcomes)?,
                None => break,
            }
        }
        Ok(())
    }

    /// Drops the findings the baseline knows, counts the rest and writes the record.
    pub(crate) fn deliver(
        &mut self,
        source: &str,
        record: usize,
        line: Option<usize>,
        kind: Option<&'static privaudit_policy::Kind>,
        mut findings: Vec<privaudit_policy::Finding>,
    ) -> Result<(), String> {
        let before = findings.len();
        // A baseline being regenerated keeps the entries it already had.
        if !self.baseline_mode {
            findings.retain(|f| !self.baseline.contains(&f.fingerprint));
        }
        self.summary.suppressed += before - findings.len();
        for f in &findings {
            self.summary.by_severity[f.severity as usize] += 1;
        }
        let a = output::Audited {
            source,
            record,
            line,
            product: kind.map(|k| k.product),
            kind: kind.map(|k| k.kind),
            findings: &findings,
        };
        self.write(|sink, out| sink.record(&a, out))
    }

    /// Hands audited records to the sink (or the corpus analysis) in input order.
    pub(crate) fn write_batch(&mut self, jobs: &[Job], outcomes: Outcomes) -> Result<(), String> {
        for (job, outcome) in jobs.iter().zip(outcomes) {
            self.summary.records += 1;
            let source = self.sources[job.source].clone();
            let r = &job.record;
            match outcome {
                Err(message) => self.error(&source, Some(r.index), r.line, message)?,
                Ok(audit) if self.collected.is_some() => {
                    if let (Some(kind), Some(value), Some(c)) =
                        (audit.kind, audit.value, self.collected.as_mut())
                    {
                        c.push(Collected {
                            source: job.source,
                            record: r.index,
                            line: r.line,
                            sample: privaudit_reident::Sample { kind, value },
                        });
                    }
                }
                Ok(audit) => self.deliver(&source, r.index, r.line, audit.kind, audit.findings)?,
            }
        }
        Ok(())
    }

    /// Reads one source, streaming NDJSON, and queues its records.
    pub(crate) fn source(
        &mut self,
        path: &Path,
        batch: &mut Batch,
        progress: &mut progress::Progress,
    ) -> Result<(), String> {
        let source = path.display().to_string();
        let index = self.sources.len();
        self.sources.push(source.as_str().into());
        self.summary.files += 1;
        let counter = std::rc::Rc::new(std::cell::Cell::new(0u64));
        let raw: Box<dyn Read> = if path.as_os_str() == "-" {
            Box::new(std::io::stdin())
        } else {
            match open_input(path) {
                Ok(f) => Box::new(f),
                Err(e) => {
                    return self.fail(batch, &source, e.to_string());
                }
            }
        };
        let limits = self.capture_limits();
        let counted = Counting {
            inner: raw,
            read: counter.clone(),
        };
        let opened = match privaudit_capture::open_source(&source, counted, &limits) {
            Ok(o) => o,
            Err(e) => return self.fail(batch, &source, e.to_string()),
        };
        let mut shown = 0u64;
        let mut advance = |progress: &mut progress::Progress| {
            let now = counter.get();
            progress.advance(now - shown, &source);
            shown = now;
        };
        let bytes = match opened {
            Opened::Ndjson(reader) => {
                let mut ndjson =
                    privaudit_capture::NdjsonReader::new(reader, self.args.max_body_bytes)
                        .max_skip(self.args.max_input_bytes);
                let mut records = Vec::new();
                loop {
                    let room = BATCH_RECORDS.saturating_sub(batch.jobs.len()).max(1);
                    let more = ndjson.next_batch(&mut records, room, BATCH_BYTES);
                    advance(progress);
                    let over = self.take(&mut records);
                    for record in records.drain(..) {
                        batch.push(Job {
                            source: index,
                            record,
                        });
                    }
                    if over {
                        self.flush(batch)?;
                        return self.limit_reached(&source);
                    }
                    match more {
                        // What is queued waits for the next source or the end of the run.
                        Ok(false) => return Ok(()),
                        Ok(true) if batch.full() => self.dispatch(batch)?,
                        Ok(true) => {}
                        Err(e) => return self.fail(batch, &source, format!("reading: {e}")),
                    }
                }
            }
            Opened::Json(reader) => {
                return self.json_source(reader, index, &source, batch, progress, &counter);
            }
            Opened::Text(bytes) => bytes,
        };
        advance(progress);
        let capture = match privaudit_capture::read(&source, &bytes, &self.endpoint_list(), &limits)
        {
            Ok(c) => c,
            Err(message) => {
                return self.fail(batch, &source, message.to_string());
            }
        };
        self.summary.skipped += capture.skipped;
        let mut records = capture.records;
        let over = self.take(&mut records);
        for record in records {
            batch.push(Job {
                source: index,
                record,
            });
            if batch.full() {
                self.dispatch(batch)?;
            }
        }
        if over {
            self.flush(batch)?;
            return self.limit_reached(&source);
        }
        Ok(())
    }

    /// The capture limits of this run.
    pub(crate) fn capture_limits(&self) -> privaudit_capture::Limits {
        privaudit_capture::Limits {
            max_input_bytes: self.args.max_input_bytes,
            max_decompressed_bytes: self.args.max_decompressed_bytes,
            max_gzip_ratio: self.args.max_gzip_ratio,
            max_record_bytes: self.args.max_body_bytes,
        }
    }

    /// Reads a JSON source: a HAR's entries are queued as they are read, so memory holds a
    /// few batches whatever the capture's size; anything else is one report, kept only up
    /// to the body limit.
    pub(crate) fn json_source(
        &mut self,
        reader: impl Read,
        index: usize,
        source: &str,
        batch: &mut Batch,
        progress: &mut progress::Progress,
        counter: &std::cell::Cell<u64>,
    ) -> Result<(), String> {
        let endpoints: Vec<String> = self.endpoints.clone();
        let endpoints: Vec<&str> = endpoints.iter().map(String::as_str).collect();
        let mut shown = 0;
        let limits = self.capture_limits();
        // Set when the run must stop: the record limit, or the audit threads gone.
        let mut limit_hit = false;
        let mut fatal = None;
        let queue = |run: &mut Self, batch: &mut Batch, record| {
            let mut one = vec![record];
            if run.take(&mut one) {
                return false;
            }
            batch.push(Job {
                source: index,
                record: one.pop().expect("one record"),
            });
            true
        };
        let read = privaudit_capture::stream_json(reader, &endpoints, &limits, &mut |record| {
            if !queue(self, batch, record) {
                limit_hit = true;
                return Err(privaudit_capture::Error::new(
                    privaudit_capture::ErrorKind::Stopped,
                    "the record limit is reached",
                ));
            }
            if batch.full()
                && let Err(e) = self.dispatch(batch)
            {
                fatal = Some(e.clone());
                return Err(privaudit_capture::Error::new(
                    privaudit_capture::ErrorKind::Stopped,
                    e,
                ));
            }
            let now = counter.get();
            progress.advance(now - shown, source);
            shown = now;
            Ok(())
        });
        if let Some(e) = fatal {
            return Err(e);
        }
        let records = match read {
            _ if limit_hit => Vec::new(),
            Ok(privaudit_capture::JsonSource::Har(summary, broken)) => {
                self.summary.skipped += summary.skipped;
                return match broken {
                    None => Ok(()),
                    Some(message) => self.fail(batch, source, message.to_string()),
                };
            }
            Ok(privaudit_capture::JsonSource::Single(record)) => vec![record],
            Ok(privaudit_capture::JsonSource::Ndjson(records)) => records,
            Err(message) => return self.fail(batch, source, message.to_string()),
        };
        let all = !limit_hit;
        let mut queued = true;
        for record in records {
            queued = queue(self, batch, record);
            if !queued {
                break;
            }
            if batch.full() {
                self.dispatch(batch)?;
            }
        }
        if all && queued {
            return Ok(());
        }
        self.flush(batch)?;
        self.limit_reached(source)
    }

    /// Counts records against `--max-records`, dropping those beyond; true when it cut.
    pub(crate) fn take(&mut self, records: &mut Vec<privaudit_capture::Record>) -> bool {
        let room = self.args.max_records.saturating_sub(self.queued);
        let over = records.len() > room;
        records.truncate(room);
        self.queued += records.len();
        over
    }

    pub(crate) fn limit_reached(&mut self, source: &str) -> Result<(), String> {
        let message = format!(
            "the record limit of {} is reached; the rest of the input was not read (--max-records)",
            self.args.max_records
        );
        self.error(source, None, None, message)
    }
}

/// Where the fingerprint key comes from: the baseline that is compared against (baselines
/// written by earlier releases keep one), else `PRIVAUDIT_KEY`, else none: identities are
/// then made from what findings show, the same on every run and machine.
pub(crate) fn fingerprint_key(
    baseline_key: Option<privaudit_policy::FingerprintKey>,
) -> Option<privaudit_policy::FingerprintKey> {
    baseline_key.or_else(|| match std::env::var("PRIVAUDIT_KEY") {
        Ok(secret) if !secret.is_empty() => {
            Some(privaudit_policy::FingerprintKey::from_secret(&secret))
        }
        _ => None,
    })
}

/// Whether the text format is coloured: on a terminal, unless `NO_COLOR` is set to
/// something (no-color.org: present and not empty; an empty value does not count).
pub(crate) fn colour(terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    terminal && no_color.is_none_or(|v| v.is_empty())
}

/// Reads every path into `run`: audited records go to its sink, or are collected.
pub(crate) fn start<'a>(
    args: &'a AuditArgs,
    sink: Box<dyn output::Sink>,
    collect: bool,
) -> Result<Run<'a>, String> {
    let (baseline, baseline_key) = match &args.baseline {
        Some(path) => output::read_baseline(path)?,
        None => Default::default(),
    };
    let from_baseline = baseline_key.is_some();
    let key = fingerprint_key(baseline_key);
    let mut sink = sink;
    let baseline_mode = sink.as_baseline().is_some();
    if let Some(b) = sink.as_baseline() {
        // A key that came with the baseline compared against goes on with it; a key from
        // the environment stays there.
        b.key = key.filter(|_| from_baseline).map(|k| k.to_hex());
    }
    let auditor = crate::load::auditor(&args.products)?;
    if let Some(p) = &args.product
        && !auditor.policies().any(|policy| &policy.product == p)
    {
        return Err(format!("unknown product `{p}` (see `privaudit products`)"));
    }
    let auditor = auditor.with_options(AuditOptions {
        show_evidence: args.show_evidence,
        typed_report: false,
        limits: privaudit_policy::Limits {
            max_body_bytes: args.max_body_bytes,
            max_depth: usize::from(args.max_depth),
            max_string_bytes: args.max_string_bytes,
        },
        fingerprint_key: key,
        // A corpus analysis reads the parsed reports again.
        keep_value: collect,
    });
    let filter = crate::inputs::WalkFilter {
        include: args.include.clone(),
        exclude: args.exclude.clone(),
        ignore_files: !args.no_ignore,
    };
    let files = files(&args.paths, args.max_files, &filter)?;
    let total = files
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    let mut progress = progress::Progress::new(total, !args.no_progress);
    let jobs = args.jobs.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        usize::from,
    );
    let auditor = std::sync::Arc::new(auditor);
    let mut run = Run {
        args,
        auditor: auditor.clone(),
        pool: (jobs > 1).then(|| Pool::new(jobs, auditor.clone(), args.product.as_deref())),
        baseline,
        endpoints: auditor.endpoints().map(str::to_string).collect(),
        sources: Vec::new(),
        summary: output::Summary::default(),
        sink,
        out: std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock()),
        jobs,
        collected: collect.then(Vec::new),
        queued: 0,
        key,
        baseline_mode,
        deferred: Vec::new(),
    };
    let mut batch = Batch::default();
    for (i, path) in files.iter().enumerate() {
        if run.queued >= args.max_records {
            run.flush(&mut batch)?;
            run.limit_reached(&files[i].display().to_string())?;
            break;
        }
        run.source(path, &mut batch, &mut progress)?;
    }
    run.flush(&mut batch)?;
    progress.finish();
    Ok(run)
}

/// Writes the summary and decides the exit code.
pub(crate) fn finish(mut run: Run, trailer: &str) -> Result<ExitCode, String> {
    let summary = std::mem::take(&mut run.summary);
    run.write(|sink, out| sink.finish(&summary, out))?;
    if !trailer.is_empty() {
        run.write(|_, out| out.write_all(trailer.as_bytes()))?;
    }
    if let Err(e) = run.out.flush()
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(format!("writing the report: {e}"));
    }
    if summary.errors > 0 {
        return Ok(ExitCode::from(2));
    }
    if run.baseline_mode {
        return Ok(ExitCode::SUCCESS);
    }
    let threshold = match run.args.fail_on {
        FailOn::Info | FailOn::Low => Severity::Low,
        FailOn::Medium => Severity::Medium,
        FailOn::High => Severity::High,
    };
    Ok(if summary.any_at_or_above(threshold) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_counts_only_when_not_empty() {
        let os = |s: &'static str| Some(std::ffi::OsStr::new(s));
        assert!(colour(true, None));
        assert!(colour(true, os("")), "an empty NO_COLOR does not count");
        assert!(!colour(true, os("1")));
        assert!(!colour(true, os("0")), "any non-empty value counts");
        assert!(!colour(false, None), "never colour what is not a terminal");
    }
}
