//! The `privaudit` command: audits captured telemetry reports and prints findings for people
//! (text) and for CI (JSON, SARIF, JUnit).
//!
//! It owns input walking, output formats, baselines and exit codes; what a finding is belongs
//! to the policy engine, and how a capture is read belongs to the capture crate.

// With `--features mimalloc`: faster small blocks, freed across threads, at the price of
// more memory held on very large records (docs/performance.md).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod output;
mod progress;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use privaudit_policy::{AuditOptions, Auditor, Severity};
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "privaudit",
    version,
    about = "Checks telemetry payloads against what their products promise"
)]
#[command(
    after_help = "Examples:\n  privaudit audit fixtures/\n  privaudit audit --format sarif capture.har > privaudit.sarif\n  privaudit audit --product mattermost urls.txt\n  privaudit explain introvox/no-credentials"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    Text,
    Json,
    Sarif,
    Junit,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, PartialOrd, Ord)]
enum FailOn {
    Info,
    Low,
    Medium,
    High,
}

#[derive(clap::Args)]
struct AuditArgs {
    /// Files, directories (walked) or `-` for standard input.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Audit every record as this product instead of detecting it.
    #[arg(long)]
    product: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: OutputFormat,
    /// Lowest severity that makes the run fail (exit 1); `info` findings never fail a run.
    #[arg(long, value_enum, default_value = "low")]
    fail_on: FailOn,
    /// Suppress findings whose fingerprint is in this baseline file.
    #[arg(long)]
    baseline: Option<PathBuf>,
    /// Print matched values unredacted. Off by default: the audit must not become a leak.
    #[arg(long)]
    show_evidence: bool,
    /// No progress bar (it is drawn on stderr only when stderr is a terminal).
    #[arg(long)]
    no_progress: bool,
    /// Largest report body, in bytes.
    #[arg(long, default_value_t = 4 << 20, help_heading = "Limits")]
    max_body_bytes: usize,
    /// Deepest nesting of arrays and objects in a report (at most 128).
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u8).range(1..=128), help_heading = "Limits")]
    max_depth: u8,
    /// Longest string or key in a report, in bytes.
    #[arg(long, default_value_t = 1 << 20, help_heading = "Limits")]
    max_string_bytes: usize,
    /// Most records read in one run; the run stops with an error beyond.
    #[arg(long, default_value_t = 100_000_000, help_heading = "Limits")]
    max_records: usize,
    /// Largest input read whole (a HAR, a JSON report, a URL list), in bytes. NDJSON is
    /// streamed and not bound by it.
    #[arg(long, default_value_t = 256 << 20, help_heading = "Limits")]
    max_input_bytes: u64,
    /// Largest size a gzip input may inflate to, in bytes.
    #[arg(long, default_value_t = 256 << 20, help_heading = "Limits")]
    max_decompressed_bytes: u64,
    /// Largest gzip inflation ratio (checked past 1 MiB).
    #[arg(long, default_value_t = 200, help_heading = "Limits")]
    max_gzip_ratio: u64,
    /// Most files a run reads, over every directory walked.
    #[arg(long, default_value_t = 1_000_000, help_heading = "Limits")]
    max_files: usize,
    /// Threads auditing records (default: one per core). Output order does not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    jobs: Option<u16>,
}

#[derive(clap::Args)]
struct ReidentArgs {
    #[command(flatten)]
    audit: AuditArgs,
    /// Reports sharing their quasi-identifiers with fewer than this many are listed.
    #[arg(long, default_value_t = 5)]
    min_k: usize,
    /// Fail (medium findings) when more than this share of a product's reports is below
    /// --min-k.
    #[arg(long, default_value_t = 0.2)]
    max_unique_share: f64,
}

#[derive(clap::Args)]
struct ReverseArgs {
    #[command(flatten)]
    audit: AuditArgs,
    /// Candidate URLs, host names or addresses, one per line.
    #[arg(long)]
    candidates: Option<PathBuf>,
    /// Also try every address of this range (`10.0.0.0/8`; `0.0.0.0/0` is the whole IPv4
    /// space). Repeatable.
    #[arg(long)]
    ipv4: Vec<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Audit captured reports (JSON, NDJSON, HAR, URL or query lists, form bodies, gzip).
    #[command(
        after_help = "Exit codes: 0 nothing at or above --fail-on, 1 findings, 2 usage or input error."
    )]
    Audit(AuditArgs),
    /// Print a baseline of today's findings (fingerprints only) for `audit --baseline`.
    Baseline(AuditArgs),
    /// Re-identification over a corpus: linkable and raw identifiers, k-anonymity.
    #[command(
        after_help = "Examples:\n  privaudit reident fixtures/introvox fixtures/roomvox\n  privaudit reident --min-k 10 --max-unique-share 0.05 --format sarif reports.ndjson"
    )]
    Reident(ReidentArgs),
    /// Reverse hashed fields (instance URL hashes) from candidate inputs.
    #[command(
        after_help = "Examples:\n  privaudit reverse --product introvox --candidates urls.txt reports.ndjson\n  privaudit reverse --product roomvox --ipv4 192.168.0.0/16 --ipv4 10.0.0.0/8 capture.har"
    )]
    Reverse(ReverseArgs),
    /// List products, report kinds and endpoints.
    Products,
    /// Print the JSON Schemas, or write them into a directory.
    Schema {
        /// Only this product.
        #[arg(long)]
        product: Option<String>,
        /// Write `<product>.<kind>.schema.json` files here instead of printing.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Explain a rule: the promise, its source and what it forbids.
    Explain {
        /// Rule id, e.g. `introvox/no-credentials`.
        rule: String,
    },
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  privaudit completions bash > ~/.local/share/bash-completion/completions/privaudit\n  privaudit completions zsh > ~/.zfunc/_privaudit\n  privaudit completions fish > ~/.config/fish/completions/privaudit.fish"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Audit(args) => audit(&args, false),
        Command::Baseline(args) => audit(&args, true),
        Command::Reident(args) => reident(&args),
        Command::Reverse(args) => reverse(&args),
        Command::Products => products(),
        Command::Schema { product, out } => schema(product.as_deref(), out.as_deref()),
        Command::Explain { rule } => explain(&rule),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "privaudit", &mut out);
            emit(&String::from_utf8_lossy(&out)).map(|()| ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("privaudit: {}", output::printable(&message));
            ExitCode::from(2)
        }
    }
}

/// Writes to stdout; a closed pipe (`| head`) is a normal end.
fn emit(text: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.to_string()),
        _ => Ok(()),
    }
}

/// How deep a directory walk goes below the directory given.
const MAX_WALK_DEPTH: usize = 32;

/// The inputs of a run, in order: each path given, and the capture files under each
/// directory given (sorted by name, hidden entries left out). Symbolic links are followed
/// where they stay inside the directory given; a link back to a directory the walk is
/// inside is a loop and is not entered, no directory is entered twice, a link to nothing is
/// passed over, and no
/// file is read twice, however many paths lead to it (files are told apart by device and
/// inode). A walk stops at [`MAX_WALK_DEPTH`] levels and at `max_files` files; only regular
/// files are picked up by a walk (a FIFO, socket or device must be named to be read).
fn files(paths: &[PathBuf], max_files: usize) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut add = |p: PathBuf, meta: &std::fs::Metadata, out: &mut Vec<PathBuf>| {
        if seen.insert(file_id(&p, meta)) {
            out.push(p);
        }
        if out.len() > max_files {
            return Err(format!(
                "more than {max_files} input files (--max-files); the walk stopped"
            ));
        }
        Ok(())
    };
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(p.clone());
            continue;
        }
        let meta = std::fs::metadata(p).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => format!("{}: no such file or directory", p.display()),
            _ => format!("{}: {e}", p.display()),
        })?;
        if !meta.is_dir() {
            add(p.clone(), &meta, &mut out)?;
            continue;
        }
        let root = std::fs::canonicalize(p).map_err(|e| format!("{}: {e}", p.display()))?;
        // A link is followed only where it stays inside the directory given.
        let inside = |e: &walkdir::DirEntry| {
            !e.path_is_symlink()
                || std::fs::canonicalize(e.path()).is_ok_and(|t| t.starts_with(&root))
        };
        // Each directory is entered once: links can make many paths to one directory
        // without any loop (`d0/a` and `d0/b` both to `d1`, and so on down).
        let mut entered = std::collections::HashSet::new();
        let hidden = |name: &std::ffi::OsStr| name.to_string_lossy().starts_with('.');
        let walk = walkdir::WalkDir::new(p)
            .follow_links(true)
            .max_depth(MAX_WALK_DEPTH)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                if e.depth() > 0 && (hidden(e.file_name()) || !inside(e)) {
                    return false;
                }
                !e.file_type().is_dir()
                    || e.metadata()
                        .is_ok_and(|m| entered.insert(file_id(e.path(), &m)))
            });
        for entry in walk {
            let entry = match entry {
                Ok(e) => e,
                // A loop is left out where it closes; the rest of the walk goes on.
                Err(e) if e.loop_ancestor().is_some() => continue,
                // So is a link to nothing, and anything hidden.
                Err(e)
                    if e.io_error()
                        .is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound)
                        || e.path().and_then(Path::file_name).is_some_and(hidden) =>
                {
                    continue;
                }
                Err(e) => {
                    let at = e.path().unwrap_or(p).display().to_string();
                    let why = e
                        .io_error()
                        .map_or_else(|| e.to_string(), ToString::to_string);
                    return Err(format!("{at}: {why}"));
                }
            };
            if !entry.file_type().is_file() || !is_capture(&entry.file_name().to_string_lossy()) {
                continue;
            }
            let meta = entry
                .metadata()
                .map_err(|e| format!("{}: {e}", entry.path().display()))?;
            add(entry.into_path(), &meta, &mut out)?;
        }
    }
    Ok(out)
}

/// What tells two paths to one file apart from two files.
#[cfg(unix)]
fn file_id(_: &Path, meta: &std::fs::Metadata) -> (u64, u64, PathBuf) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino(), PathBuf::new())
}

#[cfg(not(unix))]
fn file_id(path: &Path, _: &std::fs::Metadata) -> (u64, u64, PathBuf) {
    (
        0,
        0,
        std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
    )
}

/// File names a directory walk picks up; given explicitly, any file is read.
fn is_capture(name: &str) -> bool {
    let name = name.strip_suffix(".gz").unwrap_or(name);
    [
        ".json", ".ndjson", ".jsonl", ".har", ".txt", ".query", ".form",
    ]
    .iter()
    .any(|e| name.ends_with(e))
        && name != "expected.json"
}

/// A record waiting for the engine, with the index of its source.
struct Job {
    source: usize,
    record: privaudit_capture::Record,
}

/// Records are audited in batches of this many records or bytes: small, so that the threads
/// share the work evenly and the first and last batches keep nobody waiting long.
const BATCH_RECORDS: usize = 64;
const BATCH_BYTES: usize = 512 << 10;

/// Records waiting for the engine, with the bytes of their bodies kept as they come.
#[derive(Default)]
struct Batch {
    jobs: Vec<Job>,
    bytes: usize,
}

impl Batch {
    fn push(&mut self, job: Job) {
        self.bytes += job.record.body.as_ref().map_or(0, Vec::len);
        self.jobs.push(job);
    }

    /// Ready for the engine: enough records or enough bytes of bodies.
    fn full(&self) -> bool {
        self.jobs.len() >= BATCH_RECORDS || self.bytes >= BATCH_BYTES
    }

    /// Empties the batch; it keeps its room for the next one.
    fn clear(&mut self) {
        self.jobs.clear();
        self.bytes = 0;
    }

    /// The batch's records and body bytes, leaving it empty with room for the next one.
    fn take(&mut self) -> (Vec<Job>, usize) {
        let jobs = std::mem::replace(&mut self.jobs, Vec::with_capacity(BATCH_RECORDS));
        (jobs, std::mem::take(&mut self.bytes))
    }
}

/// Reads the start of a source: up to 256 KiB, or less once two non-blank lines are in.
fn sniff(r: &mut dyn Read) -> std::io::Result<Vec<u8>> {
    let mut prefix = Vec::new();
    let mut chunk = [0u8; 16 << 10];
    while prefix.len() < 256 << 10 {
        let n = match r.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            break;
        }
        prefix.extend_from_slice(&chunk[..n]);
        let lines = prefix
            .split(|&b| b == b'\n')
            .filter(|l| !l.trim_ascii().is_empty())
            .count();
        if lines > 2 {
            break;
        }
    }
    Ok(prefix)
}

/// How long a named FIFO is waited on for a writer before it is given up.
const FIFO_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Opens an input. A named FIFO is opened on a thread of its own and given up after
/// [`FIFO_WAIT`] without a writer, so one idle FIFO cannot hold up the other inputs; once
/// open, it is read like any file, within the same limits. Devices are read like files too
/// (the limits and the binary check refuse `/dev/zero` at once).
fn open_input(path: &Path) -> std::io::Result<std::fs::File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if std::fs::metadata(path)?.file_type().is_fifo() {
            let (opened, wait) = std::sync::mpsc::channel();
            let p = path.to_path_buf();
            // Left blocked in `open` if no writer comes; it ends with the process.
            std::thread::spawn(move || {
                let _ = opened.send(std::fs::File::open(p));
            });
            return wait.recv_timeout(FIFO_WAIT).unwrap_or_else(|_| {
                Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!(
                        "no writer opened this FIFO within {} s; it was skipped",
                        FIFO_WAIT.as_secs()
                    ),
                ))
            });
        }
    }
    std::fs::File::open(path)
}

/// The first byte of a text after a byte-order mark and white space.
fn first_byte(prefix: &[u8]) -> Option<u8> {
    let text = prefix.strip_prefix(b"\xef\xbb\xbf").unwrap_or(prefix);
    text.iter().copied().find(|b| !b.is_ascii_whitespace())
}

/// Why a source's first bytes cannot start a text capture, if they cannot.
fn binary(prefix: &[u8]) -> Option<String> {
    if let Some(at) = prefix.iter().position(|&b| b == 0) {
        return Some(format!("a NUL byte at offset {at}"));
    }
    match std::str::from_utf8(prefix) {
        // A character cut at the end of the prefix is not an error.
        Err(e) if e.error_len().is_some() => {
            Some(format!("not UTF-8 text (byte {})", e.valid_up_to()))
        }
        _ => None,
    }
}

/// Reading a stream while counting the raw bytes, for the progress bar.
struct Counting<R> {
    inner: R,
    read: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

/// Audit threads that live for the whole run, so each keeps its warm buffers and its memory
/// of clean strings. Batches go out numbered, come back in any order and are handed on in
/// input order.
struct Pool {
    /// Taken when the pool is dropped, which closes the queue.
    work: Option<std::sync::mpsc::SyncSender<(u64, Vec<Job>)>>,
    done: std::sync::mpsc::Receiver<(u64, Vec<Job>, Outcomes)>,
    handles: Vec<std::thread::JoinHandle<()>>,
    /// The number of the next batch to hand on; those after it are out.
    next: u64,
    /// Batches that came back ahead of their turn.
    early: std::collections::BTreeMap<u64, (Vec<Job>, Outcomes)>,
    /// The body bytes of each batch out, in the order sent.
    sizes: std::collections::VecDeque<usize>,
}

/// Batches out per audit thread at most: enough to keep every thread busy while the
/// writer catches up.
const IN_FLIGHT_PER_THREAD: usize = 4;
/// Body bytes out at most, beyond one batch per thread: so that memory grows with the
/// largest record and the thread count, never with the file.
const IN_FLIGHT_BYTES: usize = 8 << 20;

/// Returned when the audit threads are gone while batches are still out.
const POOL_GONE: &str = "internal error: the audit threads stopped";

impl Pool {
    fn new(threads: usize, auditor: std::sync::Arc<Auditor>, forced: Option<&str>) -> Pool {
        // Room for every batch that may be out, so sending never waits on the threads.
        let (work, queue) =
            std::sync::mpsc::sync_channel::<(u64, Vec<Job>)>(threads * IN_FLIGHT_PER_THREAD + 1);
        let queue = std::sync::Arc::new(std::sync::Mutex::new(queue));
        let (finished, done) = std::sync::mpsc::channel();
        let forced: Option<std::sync::Arc<str>> = forced.map(Into::into);
        let handles = (0..threads)
            .map(|_| {
                let queue = queue.clone();
                let finished = finished.clone();
                let auditor = auditor.clone();
                let forced = forced.clone();
                std::thread::spawn(move || {
                    loop {
                        // The lock is let go before the batch is audited.
                        let next = queue
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .recv();
                        let Ok((n, jobs)) = next else { break };
                        let outcomes = audit_all(&auditor, forced.as_deref(), &jobs);
                        if finished.send((n, jobs, outcomes)).is_err() {
                            break;
                        }
                    }
                })
            })
            .collect();
        Pool {
            work: Some(work),
            done,
            handles,
            next: 0,
            early: Default::default(),
            sizes: Default::default(),
        }
    }

    fn send(&mut self, jobs: Vec<Job>, bytes: usize) -> Result<(), String> {
        let work = self.work.as_ref().ok_or(POOL_GONE)?;
        let n = self.next + self.sizes.len() as u64;
        work.send((n, jobs)).map_err(|_| POOL_GONE.to_string())?;
        self.sizes.push_back(bytes);
        Ok(())
    }

    /// Too much is out: the next batch is waited for before more are read.
    fn full(&self) -> bool {
        let (out, threads) = (self.sizes.len(), self.handles.len());
        out > threads * IN_FLIGHT_PER_THREAD
            || (out > threads && self.sizes.iter().sum::<usize>() > IN_FLIGHT_BYTES)
    }

    /// The next batch in input order, once it is back: waits for it when `wait`.
    fn next(&mut self, wait: bool) -> Result<Option<(Vec<Job>, Outcomes)>, String> {
        while !self.sizes.is_empty() {
            if let Some(ready) = self.early.remove(&self.next) {
                self.next += 1;
                self.sizes.pop_front();
                return Ok(Some(ready));
            }
            let (n, jobs, outcomes) = match self.done.try_recv() {
                Ok(back) => back,
                Err(std::sync::mpsc::TryRecvError::Empty) if !wait => return Ok(None),
                Err(std::sync::mpsc::TryRecvError::Empty) => {
                    self.done.recv().map_err(|_| POOL_GONE.to_string())?
                }
                Err(std::sync::mpsc::TryRecvError::Disconnected) => return Err(POOL_GONE.into()),
            };
            self.early.insert(n, (jobs, outcomes));
        }
        Ok(None)
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // Closing the queue ends each thread once the batches it holds are done.
        self.work = None;
        for t in self.handles.drain(..) {
            let _ = t.join();
        }
    }
}

type Outcomes = Vec<Result<privaudit_policy::Audit, String>>;

/// The outcome of a record whose audit failed inside the engine.
const AUDIT_FAILED: &str = "internal error: the audit of this record failed";

struct Audit<'a> {
    args: &'a AuditArgs,
    /// Shared with the audit threads.
    auditor: std::sync::Arc<Auditor>,
    /// The audit threads, when there is more than one; else records are audited in place.
    pool: Option<Pool>,
    baseline: std::collections::BTreeSet<String>,
    endpoints: Vec<&'static str>,
    /// Source names by index; shared, so a record costs no copy of its name.
    sources: Vec<std::rc::Rc<str>>,
    summary: output::Summary,
    sink: Box<dyn output::Sink>,
    out: std::io::BufWriter<std::io::StdoutLock<'static>>,
    jobs: usize,
    /// When set, audited records are kept for a corpus analysis instead of being written.
    collected: Option<Vec<Collected>>,
    /// Records queued so far, against `--max-records`.
    queued: usize,
    /// The fingerprint key of this run.
    key: privaudit_policy::FingerprintKey,
    /// Writing a baseline rather than a report.
    baseline_mode: bool,
    /// Errors met while collecting, written with the records by `emit`.
    deferred: Vec<output::RecordError>,
}

/// A record kept for a corpus analysis.
struct Collected {
    source: usize,
    record: usize,
    line: Option<usize>,
    sample: privaudit_reident::Sample,
}

impl Audit<'_> {
    fn write(
        &mut self,
        f: impl FnOnce(&mut dyn output::Sink, &mut dyn Write) -> std::io::Result<()>,
    ) -> Result<(), String> {
        match f(self.sink.as_mut(), &mut self.out) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => Err(format!("writing the report: {e}")),
            Ok(()) => Ok(()),
        }
    }

    fn error(
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
    fn fail(&mut self, batch: &mut Batch, source: &str, message: String) -> Result<(), String> {
        self.flush(batch)?;
        self.error(source, None, None, message)
    }

    /// Audits and writes everything queued, in input order.
    fn flush(&mut self, batch: &mut Batch) -> Result<(), String> {
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
    fn dispatch(&mut self, batch: &mut Batch) -> Result<(), String> {
        let Some(pool) = self.pool.as_mut() else {
            return self.flush(batch);
        };
        let (jobs, bytes) = batch.take();
        pool.send(jobs, bytes)?;
        self.drain(false)
    }

    /// Writes the batches that are back, in order: all of them when `all`, else waiting
    /// only while too many are out.
    fn drain(&mut self, all: bool) -> Result<(), String> {
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
    fn deliver(
        &mut self,
        source: &str,
        record: usize,
        line: Option<usize>,
        mut audit: privaudit_policy::Audit,
    ) -> Result<(), String> {
        let before = audit.findings.len();
        // A baseline being regenerated keeps the entries it already had.
        if !self.baseline_mode {
            audit
                .findings
                .retain(|f| !self.baseline.contains(&f.fingerprint));
        }
        self.summary.suppressed += before - audit.findings.len();
        for f in &audit.findings {
            self.summary.by_severity[f.severity as usize] += 1;
        }
        let a = output::Audited {
            source,
            record,
            line,
            audit: &audit,
        };
        self.write(|sink, out| sink.record(&a, out))
    }

    /// Hands audited records to the sink (or the corpus analysis) in input order.
    fn write_batch(&mut self, jobs: &[Job], outcomes: Outcomes) -> Result<(), String> {
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
                Ok(audit) => self.deliver(&source, r.index, r.line, audit)?,
            }
        }
        Ok(())
    }

    /// Reads one source, streaming NDJSON, and queues its records.
    fn source(
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
        let mut buffered = std::io::BufReader::with_capacity(
            256 << 10,
            Counting {
                inner: raw,
                read: counter.clone(),
            },
        );
        // Gzip is inflated as a stream, within its limits; then a prefix of the text decides
        // between streaming NDJSON and reading the source whole.
        let gzip = match buffered.fill_buf() {
            Ok(b) => b.starts_with(&[0x1f, 0x8b]),
            Err(e) => {
                return self.fail(batch, &source, e.to_string());
            }
        };
        let mut text: Box<dyn Read> = if gzip {
            Box::new(privaudit_capture::Inflate::new(buffered, limits))
        } else {
            Box::new(buffered)
        };
        let prefix = match sniff(&mut text) {
            Ok(p) => p,
            Err(e) => {
                return self.fail(batch, &source, e.to_string());
            }
        };
        let reader = std::io::BufReader::with_capacity(
            256 << 10,
            std::io::Cursor::new(prefix.clone()).chain(text),
        );
        let mut shown = 0u64;
        let mut advance = |progress: &mut progress::Progress| {
            let now = counter.get();
            progress.advance(now - shown, &source);
            shown = now;
        };
        if privaudit_capture::is_ndjson(&source, &prefix) {
            let mut ndjson = privaudit_capture::NdjsonReader::new(reader, self.args.max_body_bytes)
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
        if let Some(b'{' | b'[') = first_byte(&prefix) {
            return self.json_source(reader, index, &source, batch, progress, &counter);
        }
        // A text capture (URL lists, form bodies) holds neither NUL bytes nor broken UTF-8;
        // binary input (`/dev/zero`, an image) is refused before it is read further.
        if let Some(why) = binary(&prefix) {
            return self.fail(batch, &source, format!("not a capture: {why}"));
        }
        let mut bytes = Vec::new();
        if let Err(e) = reader
            .take(limits.max_input_bytes.saturating_add(1))
            .read_to_end(&mut bytes)
        {
            return self.fail(batch, &source, e.to_string());
        }
        advance(progress);
        let capture = match privaudit_capture::read(&source, &bytes, &self.endpoints, &limits) {
            Ok(c) => c,
            Err(message) => {
                return self.fail(batch, &source, message);
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
    fn capture_limits(&self) -> privaudit_capture::Limits {
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
    fn json_source(
        &mut self,
        reader: impl Read,
        index: usize,
        source: &str,
        batch: &mut Batch,
        progress: &mut progress::Progress,
        counter: &std::cell::Cell<u64>,
    ) -> Result<(), String> {
        let endpoints = self.endpoints.clone();
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
                return Err("the record limit is reached".into());
            }
            if batch.full()
                && let Err(e) = self.dispatch(batch)
            {
                fatal = Some(e.clone());
                return Err(e);
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
                    Some(message) => self.fail(batch, source, message),
                };
            }
            Ok(privaudit_capture::JsonSource::Single(record)) => vec![record],
            Ok(privaudit_capture::JsonSource::Ndjson(records)) => records,
            Err(message) => return self.fail(batch, source, message),
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
    fn take(&mut self, records: &mut Vec<privaudit_capture::Record>) -> bool {
        let room = self.args.max_records.saturating_sub(self.queued);
        let over = records.len() > room;
        records.truncate(room);
        self.queued += records.len();
        over
    }

    fn limit_reached(&mut self, source: &str) -> Result<(), String> {
        let message = format!(
            "the record limit of {} is reached; the rest of the input was not read (--max-records)",
            self.args.max_records
        );
        self.error(source, None, None, message)
    }
}

/// Audits a batch in order. A panic in the engine fails its record, not the run.
fn audit_all(auditor: &Auditor, forced: Option<&str>, batch: &[Job]) -> Outcomes {
    batch
        .iter()
        .map(|j| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                audit_one(auditor, forced, j)
            }))
            .unwrap_or_else(|_| Err(AUDIT_FAILED.into()))
        })
        .collect()
}

fn audit_one(
    auditor: &Auditor,
    forced: Option<&str>,
    job: &Job,
) -> Result<privaudit_policy::Audit, String> {
    let record = &job.record;
    let body = record.body.as_ref().map_err(Clone::clone)?;
    // The endpoint names the product when the capture knows it and none is forced.
    let product = forced.or_else(|| {
        let ep = record.endpoint.as_deref()?;
        privaudit_reports::catalog()
            .iter()
            .find(|p| p.endpoints.contains(&ep))
            .map(|p| p.id)
    });
    let result = match product {
        Some(p) => auditor.audit_as(p, body),
        None => auditor.audit(body),
    };
    match &result.error {
        None => Ok(result),
        Some(privaudit_policy::AuditError::Syntax {
            message,
            line,
            column,
            byte,
        }) => {
            let line = record.line.map_or(*line, |l| l + line - 1);
            Err(format!(
                "not valid JSON: {message} at line {line}, column {column} (byte {byte} of the record)"
            ))
        }
        Some(other) => Err(other.to_string()),
    }
}

/// Where the fingerprint key comes from: the baseline that is compared against, else
/// `PRIVAUDIT_KEY`, else a random key for this run only.
fn fingerprint_key(
    baseline_key: Option<privaudit_policy::FingerprintKey>,
) -> (privaudit_policy::FingerprintKey, KeySource) {
    if let Some(k) = baseline_key {
        return (k, KeySource::Baseline);
    }
    match std::env::var("PRIVAUDIT_KEY") {
        Ok(secret) if !secret.is_empty() => (
            privaudit_policy::FingerprintKey::from_secret(&secret),
            KeySource::Environment,
        ),
        _ => (
            privaudit_policy::FingerprintKey::random(),
            KeySource::Random,
        ),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum KeySource {
    Baseline,
    Environment,
    Random,
}

fn sink_for(args: &AuditArgs, baseline_mode: bool) -> Box<dyn output::Sink> {
    if baseline_mode {
        return Box::<output::Baseline>::default();
    }
    match args.format {
        OutputFormat::Text => Box::new(output::Text {
            colour: colour(
                std::io::IsTerminal::is_terminal(&std::io::stdout()),
                std::env::var_os("NO_COLOR").as_deref(),
            ),
        }),
        OutputFormat::Json => Box::<output::Json>::default(),
        OutputFormat::Sarif => Box::<output::Sarif>::default(),
        OutputFormat::Junit => Box::<output::Junit>::default(),
    }
}

/// Whether the text format is coloured: on a terminal, unless `NO_COLOR` is set to
/// something (no-color.org: present and not empty; an empty value does not count).
fn colour(terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    terminal && no_color.is_none_or(|v| v.is_empty())
}

/// Reads every path into `run`: audited records go to its sink, or are collected.
fn start<'a>(
    args: &'a AuditArgs,
    sink: Box<dyn output::Sink>,
    collect: bool,
) -> Result<Audit<'a>, String> {
    let (baseline, baseline_key) = match &args.baseline {
        Some(path) => output::read_baseline(path)?,
        None => Default::default(),
    };
    let (key, source) = fingerprint_key(baseline_key);
    let mut sink = sink;
    let baseline_mode = sink.as_baseline().is_some();
    if let Some(b) = sink.as_baseline() {
        // A baseline keeps a random key so that later runs can match it; a key from the
        // environment stays there.
        b.key = (source != KeySource::Environment).then(|| key.to_hex());
    }
    let auditor = match &args.product {
        Some(p) => Auditor::for_product(p)
            .map_err(|_| format!("unknown product `{p}` (see `privaudit products`)"))?,
        None => Auditor::all(),
    };
    let auditor = auditor.with_options(AuditOptions {
        show_evidence: args.show_evidence,
        typed_report: false,
        limits: privaudit_policy::Limits {
            max_body_bytes: args.max_body_bytes,
            max_depth: usize::from(args.max_depth),
            max_string_bytes: args.max_string_bytes,
        },
        fingerprint_key: Some(key),
        // A corpus analysis reads the parsed reports again.
        keep_value: collect,
    });
    let files = files(&args.paths, args.max_files)?;
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
    let mut run = Audit {
        args,
        auditor: auditor.clone(),
        pool: (jobs > 1).then(|| Pool::new(jobs, auditor.clone(), args.product.as_deref())),
        baseline,
        endpoints: privaudit_reports::catalog()
            .iter()
            .flat_map(|p| p.endpoints.iter().copied())
            .collect(),
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
fn finish(mut run: Audit, trailer: &str) -> Result<ExitCode, String> {
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

fn audit(args: &AuditArgs, baseline_mode: bool) -> Result<ExitCode, String> {
    let run = start(args, sink_for(args, baseline_mode), false)?;
    finish(run, "")
}

impl Audit<'_> {
    /// The collected reports for an analysis; the record list keeps their kinds.
    fn take_samples(&mut self) -> Vec<privaudit_reident::Sample> {
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
    fn emit(&mut self, located: Vec<privaudit_reident::Located>) -> Result<(), String> {
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
            let audit = privaudit_policy::Audit {
                product: Some(c.sample.kind.product),
                kind: Some(c.sample.kind),
                findings,
                report: None,
                error: None,
                value: None,
            };
            let source = self.sources[c.source].clone();
            self.deliver(&source, c.record, c.line, audit)?;
        }
        for (_, e) in errors {
            self.write(|sink, out| sink.error(&e, out))?;
        }
        Ok(())
    }
}

fn reident(args: &ReidentArgs) -> Result<ExitCode, String> {
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

fn reverse(args: &ReverseArgs) -> Result<ExitCode, String> {
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
        product,
        &reversal.targets,
        &candidates,
        threads,
    );
    if !ranges.is_empty() {
        let more =
            privaudit_reident::reverse::reverse_ipv4(product, &reversal.targets, &ranges, threads);
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

fn products() -> Result<ExitCode, String> {
    let mut out = String::new();
    for p in privaudit_reports::catalog() {
        out.push_str(&format!(
            "{}  {}\n  endpoints: {}\n",
            p.id,
            p.name,
            p.endpoints.join(", ")
        ));
        for k in p.kinds {
            out.push_str(&format!("  {:<20} {}\n", k.kind, k.title));
        }
    }
    emit(&out)?;
    Ok(ExitCode::SUCCESS)
}

fn schema(product: Option<&str>, out: Option<&Path>) -> Result<ExitCode, String> {
    if let Some(p) = product {
        privaudit_reports::product(p)
            .ok_or_else(|| format!("unknown product `{p}` (see `privaudit products`)"))?;
    }
    let mut printed = Vec::new();
    for kind in privaudit_reports::all_kinds().filter(|k| product.is_none_or(|p| k.product == p)) {
        let text = serde_json::to_string_pretty(&kind.schema()).map_err(|e| e.to_string())? + "\n";
        match out {
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                let path = dir.join(kind.schema_file_name());
                std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
            }
            None => printed.push(text),
        }
    }
    if out.is_none() {
        emit(&printed.join(""))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn explain(rule: &str) -> Result<ExitCode, String> {
    let (policy, rule) =
        privaudit_policy::explain(rule).ok_or_else(|| format!("unknown rule `{rule}`"))?;
    let source = policy.source.iter().find(|s| s.id == rule.source);
    let mut out = format!("{}\n\n  {}\n\n", rule.id, rule.statement);
    if let Some(s) = source {
        out.push_str(&format!(
            "source:   {} ({}), section \"{}\"\n",
            s.title, s.location, rule.section
        ));
    }
    out.push_str(&format!(
        "forbids:  {}\nseverity: {}\n",
        rule.forbids
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        rule.severity
    ));
    if rule.derived {
        out.push_str(
            "note:     derived from what the document announces, not an explicit promise\n",
        );
    }
    for e in policy.exception.iter().filter(|e| e.rule == rule.id) {
        out.push_str(&format!(
            "exception at {} ({}): {}\n",
            e.pointer, e.severity, e.justification
        ));
    }
    emit(&out)?;
    Ok(ExitCode::SUCCESS)
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

    #[test]
    fn binary_prefixes_are_told_from_text() {
        assert_eq!(binary(b"a=1&b=2\n"), None);
        assert_eq!(binary("caf\u{e9}".as_bytes()), None);
        // A character cut at the end of the sniffed prefix is not broken text.
        assert_eq!(binary(&"\u{e9}".as_bytes()[..1]), None);
        assert!(binary(b"\0\0\0").unwrap().contains("offset 0"));
        assert!(binary(b"ab\xff\xfecd").unwrap().contains("byte 2"));
        assert_eq!(first_byte(b"\xef\xbb\xbf \r\n{"), Some(b'{'));
    }
}
