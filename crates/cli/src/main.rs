//! The `privaudit` command: audits captured telemetry reports and prints findings for people
//! (text) and for CI (JSON, SARIF, JUnit).
//!
//! It owns input walking, output formats, baselines and exit codes; what a finding is belongs
//! to the policy engine, and how a capture is read belongs to the capture crate.

mod output;
mod progress;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use privaudit_policy::{AuditOptions, Auditor, Severity};
use std::io::{Read, Write};
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
            eprintln!("privaudit: {message}");
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

fn files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(p.clone());
        } else if p.is_dir() {
            walk(p, &mut out)?;
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(format!("{}: no such file or directory", p.display()));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        if p.is_dir() {
            walk(&p, out)?;
        } else if is_capture(&name) {
            out.push(p);
        }
    }
    Ok(())
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

fn audit(args: &AuditArgs, baseline_mode: bool) -> Result<ExitCode, String> {
    let auditor = match &args.product {
        Some(p) => Auditor::for_product(p)
            .map_err(|_| format!("unknown product `{p}` (see `privaudit products`)"))?,
        None => Auditor::all(),
    };
    let auditor = auditor.with_options(AuditOptions {
        show_evidence: args.show_evidence,
        ..Default::default()
    });
    let baseline = match &args.baseline {
        Some(path) => output::read_baseline(path)?,
        None => Default::default(),
    };
    let endpoints: Vec<&str> = privaudit_reports::catalog()
        .iter()
        .flat_map(|p| p.endpoints.iter().copied())
        .collect();
    let mut run = output::Run::default();
    let files = files(&args.paths)?;
    let total = files
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    let mut progress = progress::Progress::new(total, !args.no_progress);
    for path in files {
        let source = path.display().to_string();
        let bytes = if path.as_os_str() == "-" {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| format!("stdin: {e}"))?;
            buf
        } else {
            std::fs::read(&path).map_err(|e| format!("{source}: {e}"))?
        };
        run.files += 1;
        let capture =
            match privaudit_capture::read(&source, &bytes, &endpoints, &Default::default()) {
                Ok(c) => c,
                Err(message) => {
                    run.error(&source, None, None, message);
                    continue;
                }
            };
        run.skipped += capture.skipped;
        // Records carry no byte offsets; each counts for an even share of its file.
        let share = bytes.len() as u64 / capture.records.len().max(1) as u64;
        progress.advance(
            bytes.len() as u64 - share * capture.records.len() as u64,
            &source,
        );
        for record in capture.records {
            run.records += 1;
            progress.advance(share, &source);
            let body = match record.body {
                Ok(b) => b,
                Err(message) => {
                    run.error(&source, Some(record.index), record.line, message);
                    continue;
                }
            };
            // The endpoint names the product when the capture knows it and none is forced.
            let product = args.product.clone().or_else(|| {
                let ep = record.endpoint.as_deref()?;
                privaudit_reports::catalog()
                    .iter()
                    .find(|p| p.endpoints.contains(&ep))
                    .map(|p| p.id.to_string())
            });
            let result = match &product {
                Some(p) => auditor.audit_as(p, &body),
                None => auditor.audit(&body),
            };
            if let Some(error) = &result.error {
                let message = match error {
                    privaudit_policy::AuditError::Syntax {
                        message,
                        line,
                        column,
                    } => {
                        let line = record.line.map_or(*line, |l| l + line - 1);
                        format!("not valid JSON: {message} at line {line}, column {column}")
                    }
                    other => other.to_string(),
                };
                run.error(&source, Some(record.index), record.line, message);
                continue;
            }
            run.audited.push(output::Audited {
                source: source.clone(),
                record: record.index,
                line: record.line,
                audit: result,
            });
        }
    }
    progress.finish();
    run.apply_baseline(&baseline);
    if baseline_mode {
        emit(&output::baseline(&run))?;
        return Ok(if run.errors.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(2)
        });
    }
    let text = match args.format {
        OutputFormat::Text => output::text(
            &run,
            std::io::IsTerminal::is_terminal(&std::io::stdout())
                && std::env::var_os("NO_COLOR").is_none(),
        ),
        OutputFormat::Json => output::json(&run),
        OutputFormat::Sarif => output::sarif(&run),
        OutputFormat::Junit => output::junit(&run),
    };
    emit(&text)?;
    let threshold = match args.fail_on {
        FailOn::Info | FailOn::Low => Severity::Low,
        FailOn::Medium => Severity::Medium,
        FailOn::High => Severity::High,
    };
    if !run.errors.is_empty() {
        return Ok(ExitCode::from(2));
    }
    Ok(if run.findings().any(|(_, f)| f.severity >= threshold) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
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
        rule.forbids.join(", "),
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
