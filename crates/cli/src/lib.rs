//! The `privaudit` command: audits captured telemetry reports and prints findings for people
//! (text) and for CI (JSON, SARIF, JUnit).
//!
//! It owns input walking, output formats, baselines and exit codes; what a finding is belongs
//! to the policy engine, and how a capture is read belongs to the capture crate.
//!
//! The library holds the whole command line so that other binaries (the pre-commit hook
//! package at the repository root) run exactly the same program; it has no other API.

mod args;
mod commands;
mod inputs;
mod load;
mod output;
mod pool;
mod progress;
mod run;

use args::{Cli, Command};
use clap::{CommandFactory, Parser};
use std::io::Write;
use std::process::ExitCode;

/// Runs the command line: parses the arguments, runs the command, and turns its outcome into
/// the exit code (2 with a message on standard error for usage and input errors).
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Audit(args) => commands::audit(&args, false),
        Command::Baseline(args) => commands::audit(&args, true),
        Command::Reident(args) => commands::reident(&args),
        Command::Reverse(args) => commands::reverse(&args),
        Command::Products { products } => commands::products(&products),
        Command::Init(args) => commands::init(&args),
        Command::Schema { product, out } => commands::schema(product.as_deref(), out.as_deref()),
        Command::Explain { rule, products } => commands::explain(&rule, &products),
        Command::Diff(args) => commands::diff(&args),
        Command::Serve(args) => serve(&args),
        Command::Man { out } => man(out.as_deref()),
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

/// The reference collector, over the products loaded as for an audit.
fn serve(args: &args::ServeArgs) -> Result<ExitCode, String> {
    let auditor = load::auditor(&args.products)?.with_options(privaudit_policy::AuditOptions {
        typed_report: false,
        ..Default::default()
    });
    let options = privaudit_serve::Options {
        max_body_bytes: args.max_body_bytes,
        max_inflated_bytes: args.max_inflated_bytes,
        max_in_flight: args.max_in_flight.max(1),
        request_timeout: std::time::Duration::from_millis(args.request_timeout_ms),
        quarantine_raw: args.quarantine_raw,
        header_timeout: std::time::Duration::from_millis(args.header_timeout_ms),
        max_connections: args.max_connections.max(1),
    };
    privaudit_serve::run(auditor, &args.listen, &args.db, options)?;
    Ok(ExitCode::SUCCESS)
}

/// The manual pages, from the clap definitions.
fn man(out: Option<&std::path::Path>) -> Result<ExitCode, String> {
    let cmd = Cli::command();
    let Some(dir) = out else {
        let mut page = Vec::new();
        clap_mangen::Man::new(cmd)
            .render(&mut page)
            .map_err(|e| e.to_string())?;
        emit(&String::from_utf8_lossy(&page))?;
        return Ok(ExitCode::SUCCESS);
    };
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    clap_mangen::generate_to(cmd, dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(ExitCode::SUCCESS)
}

/// Writes to stdout; a closed pipe (`| head`) is a normal end.
pub(crate) fn emit(text: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.to_string()),
        _ => Ok(()),
    }
}
