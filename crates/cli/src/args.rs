//! The command line: subcommands, their arguments and defaults.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "privaudit",
    version,
    about = "Checks telemetry payloads against what their products promise"
)]
#[command(
    after_help = "Examples:\n  privaudit audit fixtures/\n  privaudit audit --format sarif capture.har > privaudit.sarif\n  privaudit audit --product mattermost urls.txt\n  privaudit explain introvox/no-credentials"
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum OutputFormat {
    Text,
    Json,
    Sarif,
    Junit,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, Debug)]
pub(crate) enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set to something.
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum FailOn {
    Info,
    Low,
    Medium,
    High,
}

#[derive(clap::Args)]
pub(crate) struct AuditArgs {
    /// Files, directories (walked) or `-` for standard input.
    #[arg(required = true)]
    pub(crate) paths: Vec<PathBuf>,
    /// Audit every record as this product instead of detecting it (`generic`: the generic
    /// policy, no product's promises).
    #[arg(long)]
    pub(crate) product: Option<String>,
    #[command(flatten)]
    pub(crate) products: crate::load::ProductArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub(crate) format: OutputFormat,
    /// Lowest severity that makes the run fail (exit 1); `info` findings never fail a run.
    #[arg(long, value_enum, default_value = "low")]
    pub(crate) fail_on: FailOn,
    /// Suppress findings whose fingerprint is in this baseline file.
    #[arg(long)]
    pub(crate) baseline: Option<PathBuf>,
    /// Print matched values unredacted. Off by default: the audit must not become a leak.
    #[arg(long)]
    pub(crate) show_evidence: bool,
    /// No progress bar (it is drawn on stderr only when stderr is a terminal).
    #[arg(long)]
    pub(crate) no_progress: bool,
    /// Colour in the text format.
    #[arg(long, value_enum, default_value = "auto")]
    pub(crate) color: ColorChoice,
    /// In directories walked, only files matching this glob (relative to the directory;
    /// repeatable, any may match). Files named on the command line are always read.
    #[arg(long, value_name = "GLOB", help_heading = "Directory walks")]
    pub(crate) include: Vec<String>,
    /// In directories walked, skip files and directories matching this glob (repeatable).
    #[arg(long, value_name = "GLOB", help_heading = "Directory walks")]
    pub(crate) exclude: Vec<String>,
    /// Read files that `.gitignore`, `.ignore` or `.git/info/exclude` rules leave out.
    #[arg(long, help_heading = "Directory walks")]
    pub(crate) no_ignore: bool,
    /// Largest report body, in bytes.
    #[arg(long, default_value_t = 4 << 20, help_heading = "Limits")]
    pub(crate) max_body_bytes: usize,
    /// Deepest nesting of arrays and objects in a report (at most 128).
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u8).range(1..=128), help_heading = "Limits")]
    pub(crate) max_depth: u8,
    /// Longest string or key in a report, in bytes.
    #[arg(long, default_value_t = 1 << 20, help_heading = "Limits")]
    pub(crate) max_string_bytes: usize,
    /// Most records read in one run; the run stops with an error beyond.
    #[arg(long, default_value_t = 100_000_000, help_heading = "Limits")]
    pub(crate) max_records: usize,
    /// Largest input read whole (a HAR, a JSON report, a URL list), in bytes. NDJSON is
    /// streamed and not bound by it.
    #[arg(long, default_value_t = 256 << 20, help_heading = "Limits")]
    pub(crate) max_input_bytes: u64,
    /// Largest size a gzip input may inflate to, in bytes.
    #[arg(long, default_value_t = 256 << 20, help_heading = "Limits")]
    pub(crate) max_decompressed_bytes: u64,
    /// Largest gzip inflation ratio (checked past 1 MiB).
    #[arg(long, default_value_t = 200, help_heading = "Limits")]
    pub(crate) max_gzip_ratio: u64,
    /// Most files a run reads, over every directory walked.
    #[arg(long, default_value_t = 1_000_000, help_heading = "Limits")]
    pub(crate) max_files: usize,
    /// Threads auditing records (default: one per core). Output order does not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub(crate) jobs: Option<u16>,
}

#[derive(clap::Args)]
pub(crate) struct ReidentArgs {
    #[command(flatten)]
    pub(crate) audit: AuditArgs,
    /// Reports sharing their quasi-identifiers with fewer than this many are listed.
    #[arg(long, default_value_t = 5)]
    pub(crate) min_k: usize,
    /// Fail (medium findings) when more than this share of a product's reports is below
    /// --min-k.
    #[arg(long, default_value_t = 0.2)]
    pub(crate) max_unique_share: f64,
}

#[derive(clap::Args)]
pub(crate) struct ReverseArgs {
    #[command(flatten)]
    pub(crate) audit: AuditArgs,
    /// Candidate URLs, host names or addresses, one per line.
    #[arg(long)]
    pub(crate) candidates: Option<PathBuf>,
    /// Also try every address of this range (`10.0.0.0/8`; `0.0.0.0/0` is the whole IPv4
    /// space). Repeatable.
    #[arg(long)]
    pub(crate) ipv4: Vec<String>,
}

#[derive(clap::Args)]
pub(crate) struct InitArgs {
    /// Id of the new product (lower-case letters, digits and `-`).
    #[arg(long)]
    pub(crate) product: String,
    /// The product directory to write; it must not exist or be empty.
    #[arg(long)]
    pub(crate) out: PathBuf,
    /// Report kind id of the schema.
    #[arg(long, default_value = "report")]
    pub(crate) kind: String,
    /// Request path the product posts to: only HAR entries and URLs sent there are read,
    /// and the policy lists it. Repeatable; without it every entry is read.
    #[arg(long, value_name = "PATH")]
    pub(crate) endpoint: Vec<String>,
    /// Captures of the product's reports (JSON, NDJSON, HAR, query lists, gzip).
    #[arg(required = true)]
    pub(crate) paths: Vec<PathBuf>,
}

#[derive(clap::Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on (port 0: any free port, logged at start).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub(crate) listen: String,
    /// The store: `sqlite://FILE` (created when missing) or `postgres://USER@HOST/DB`.
    #[arg(long, default_value = "sqlite://privaudit.db")]
    pub(crate) db: String,
    #[command(flatten)]
    pub(crate) products: crate::load::ProductArgs,
    /// Also store a quarantined report's raw body. Off by default: the store must not become
    /// the leak it guards against.
    #[arg(long)]
    pub(crate) quarantine_raw: bool,
    /// Largest request body as sent, in bytes.
    #[arg(long, default_value_t = 1 << 20)]
    pub(crate) max_body_bytes: usize,
    /// Largest body once a gzip request body is inflated, in bytes.
    #[arg(long, default_value_t = 4 << 20)]
    pub(crate) max_inflated_bytes: usize,
    /// Requests audited at once; beyond it, 503 with Retry-After.
    #[arg(long, default_value_t = 256)]
    pub(crate) max_in_flight: usize,
    /// Longest time to answer one request, in milliseconds.
    #[arg(long, default_value_t = 10_000)]
    pub(crate) request_timeout_ms: u64,
    /// Longest time a client may take to send a request's headers, in milliseconds.
    #[arg(long, default_value_t = 5_000)]
    pub(crate) header_timeout_ms: u64,
    /// Open connections at most; one beyond is closed at once.
    #[arg(long, default_value_t = 1024)]
    pub(crate) max_connections: usize,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum DiffFormat {
    Text,
    Json,
    /// GitHub-flavoured Markdown, for a pull-request comment.
    Markdown,
}

#[derive(clap::Args)]
pub(crate) struct DiffArgs {
    /// The old and the new version: two schema files or two product directories; with
    /// `--git`, the product directories or schema files to compare (default `products`).
    pub(crate) paths: Vec<PathBuf>,
    /// Compare the paths at two git revisions: `OLD..NEW`, or `OLD...NEW` (from where NEW
    /// branched off OLD, as a pull request compares). An empty NEW is the working tree.
    #[arg(long, value_name = "RANGE")]
    pub(crate) git: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub(crate) format: DiffFormat,
}

const AUDIT_HELP: &str = "\
Examples:
  privaudit audit .                                    walk a repository (honours .gitignore)
  privaudit audit --include 'captures/**' --exclude '**/old/**' .
  privaudit audit --format sarif capture.har > privaudit.sarif
  privaudit audit --format junit --fail-on medium reports.ndjson.gz > junit.xml
  privaudit audit --baseline privaudit-baseline.json captures/
  curl -s https://example.org/report.json | privaudit audit -

Environment:
  PRIVAUDIT_KEY   key for fingerprints and pointer tags (keep it secret; without it
                  identities are stable but made only of what findings show)
  NO_COLOR        when set and not empty, no colour (unless --color always)

Exit codes: 0 nothing at or above --fail-on, 1 findings, 2 usage or input error.";

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Audit captured reports (JSON, NDJSON, HAR, URL or query lists, form bodies, gzip).
    #[command(after_help = AUDIT_HELP)]
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
    /// List products, report kinds, endpoints and where each product came from.
    Products {
        #[command(flatten)]
        products: crate::load::ProductArgs,
    },
    /// Write a draft product directory (schema and policy) from captured reports.
    #[command(
        after_help = "Every inferred privacy class and enumeration is marked as a guess in the schema (`$comment`); review them, then audit with `--products DIR`.\n\nExample:\n  privaudit init --product acme --out products/acme capture.har\n  privaudit audit --products products/acme capture.har"
    )]
    Init(InitArgs),
    /// Print the JSON Schemas of the built-in models, or write them into a directory.
    Schema {
        /// Only this product.
        #[arg(long)]
        product: Option<String>,
        /// Write `<product>.<kind>.schema.json` files here instead of printing.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Explain a rule (the promise, its source and what it forbids) or a detector (what it
    /// finds, how it confirms it, and at what confidence); `detectors` lists the detectors.
    Explain {
        /// Rule id (`introvox/no-credentials`), detector kind (`ipv4`), or `detectors`.
        rule: String,
        #[command(flatten)]
        products: crate::load::ProductArgs,
    },
    /// What a change to a product's schemas changes about what it may send: fields, classes,
    /// enumerations, patterns, lengths and open maps, each rated and tied to the promises it
    /// touches.
    #[command(
        after_help = "Exit codes: 0 nothing widens, 1 a change widens what may be sent, 2 usage or input error.\n\nExamples:\n  privaudit diff products/roomvox/roomvox.daily-report-b.schema.json products/roomvox/roomvox.daily-report-c.schema.json\n  privaudit diff old/acme products/acme\n  privaudit diff --git main...HEAD --format markdown > privacy-diff.md"
    )]
    Diff(DiffArgs),
    /// Run the reference collector: receive reports over HTTP, audit each, store clean ones
    /// and quarantine leaks (SQLite or PostgreSQL).
    #[command(
        after_help = "Examples:\n  privaudit serve --listen 127.0.0.1:8080 --db sqlite://privaudit.db\n  curl -H 'Content-Type: application/json' --data @fixtures/introvox/daily-report-1.7.6.json http://127.0.0.1:8080/api/telemetry/introvox\n\nAnswers: 201 accepted (200 when already stored), 202 quarantined with the findings, 4xx malformed, too large or of the wrong type, 503 with Retry-After when overloaded or the store fails."
    )]
    Serve(ServeArgs),
    /// Write the manual pages (roff), generated from these definitions: `privaudit.1` and one
    /// `privaudit-<command>.1` per command.
    #[command(
        after_help = "Examples:\n  privaudit man --out /usr/local/share/man/man1\n  privaudit man | man -l -"
    )]
    Man {
        /// Write the pages into this directory; without it, print `privaudit.1`.
        #[arg(long)]
        out: Option<PathBuf>,
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
