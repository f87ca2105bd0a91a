//! Audits one telemetry report against its product's schema and privacy policy.
//!
//! # Brief overview
//!
//! This crate owns products as data (a directory of `policy.toml`, with promises as rules,
//! per-field allowances and declared exceptions, and one JSON Schema per report kind; the
//! shipped ones are `products/<id>/`, built in, and [`Product::load`] reads a user's) and the
//! engine that applies them. A record no product fits is audited under the generic policy
//! (`products/generic/`). Given the raw bytes of
//! one report, an [`Auditor`]:
//!
//! 1. parses the body into a tree that borrows its strings from it, recording duplicate
//!    object keys (serde_json keeps the last copy, other parsers the first, so a duplicate is
//!    a smuggling channel);
//! 2. picks the report kind by shape and validates against its generated JSON Schema
//!    (compiled once);
//! 3. walks the report alongside the schema, reporting members the schema does not declare,
//!    and runs the detectors over every string value and every data-bearing object key, gated
//!    by the field's privacy class (`x-privacy`) and the policy's allowances;
//! 4. reports declared exceptions at their lower severity, since they still contradict a
//!    promise.
//!
//! Findings carry a JSON pointer (member names that are data, such as map keys, redacted),
//! category, severity, rule, message, redacted evidence (the
//! raw value only with [`AuditOptions::show_evidence`]) and a fingerprint: a keyed hash
//! ([`FingerprintKey`]) that holds no raw value and cannot be checked against guesses
//! without the key. Limits on body size, nesting and string length ([`Limits`]) refuse
//! hostile bodies with an error that names the limit and the byte position. The crate knows
//! the report models (for typed reports of the shipped kinds) and the detectors; it knows
//! nothing of capture formats (HAR, NDJSON, query strings) or output formats.
//!
//! # For collectors
//!
//! Build the auditor once and share it across threads; each audit is independent. Each
//! thread remembers up to 4096 short strings (64 bytes at most) the detectors found nothing
//! in, so repeated member names and values are not scanned twice, and keeps the arena its
//! parsed bodies live in (up to 1 MiB between audits; a larger body's arena is freed).
//!
//! ```
//! use privaudit_policy::{Auditor, Category, Detected, Verdict};
//!
//! let auditor = Auditor::for_product("introvox").unwrap();
//! let clean = br#"{"instanceHash":"e074cb38f98e37e39002a2c787a6af29293876e137437c05e0f68c7020ac4fb8",
//!   "totalUsers":58,"activeUsers30d":31,"introvoxVersion":"1.2.0","nextcloudVersion":"30.0.2.2",
//!   "phpVersion":"8.2.24","totalSteps":{"en":6},"enabledLanguages":["en"],"wizardEnabled":true,
//!   "wizardStartedCount":41,"wizardCompletedCount":29,"wizardSkippedCount":9,
//!   "usersStartedWizard":41,"usersCompletedWizard":29}"#;
//! let audit = auditor.audit(clean);
//! assert_eq!(audit.verdict(), Verdict::Clean);
//! assert!(audit.report.is_some(), "typed access to a clean report");
//!
//! let leaky = String::from_utf8_lossy(clean).replace(r#""en":6"#, r#""jan@example.nl":6"#);
//! let audit = auditor.audit(leaky.as_bytes());
//! let f = &audit.findings[0];
//! assert_eq!(f.category, Category::Detected(Detected::Email));
//! assert_eq!(f.evidence.shown(), "j***@***.nl");
//! // The key is the leak, so the pointer carries it redacted (with a keyed tag when a
//! // fingerprint key is set).
//! assert_eq!(f.pointer, "/totalSteps/<j***@***.nl>");
//! assert_eq!(f.raw_pointer, None, "raw only with show_evidence");
//! assert!(matches!(audit.verdict(), Verdict::Findings(_)));
//! ```
#![deny(missing_docs)]

mod category;
mod engine;
mod error;
mod finding;
mod json;
mod leaves;
mod names;
mod pointer;
mod policy;
mod product;
mod redact;
mod shape;
mod tree;

pub use category::Category;
pub use error::{Error, ErrorKind};
pub use finding::{
    Draft, Evidence, Finding, FindingBuilder, FingerprintKey, fingerprint, location_id,
};
pub use leaves::{KindShape, Leaf};
pub use pointer::untagged;
pub use policy::{Exception, FieldRule, KindEntry, Policy, Rule, Severity, Source, is_id};
/// The categories detectors find, held by [`Category::Detected`].
pub use privaudit_detect::Category as Detected;
pub use privaudit_reports::{Report, ReportKind};
pub use product::{GENERIC, Kind, Origin, Product};
pub use shape::{Field, Notes};

/// The redacted form of `text` found as `category` (`j***@***.de`, `https://***`), as every
/// output format shows it unless raw evidence is asked for.
pub fn redact(category: Category, text: &str) -> String {
    redact::redact(category, text)
}

use engine::CompiledProduct;
use privaudit_detect::Scanner;
use std::fmt;

/// Input limits. A body over a limit is refused with an error naming the limit, not
/// truncated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest body audited, in bytes (default 4 MiB).
    pub max_body_bytes: usize,
    /// Deepest nesting of arrays and objects (default 64; the parser stops at 128 whatever
    /// is set). Real reports nest fewer than ten levels.
    pub max_depth: usize,
    /// Longest string or key, in bytes (default 1 MiB).
    pub max_string_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 4 << 20,
            max_depth: 64,
            max_string_bytes: 1 << 20,
        }
    }
}

/// Options of an audit.
#[derive(Debug, Clone, Copy)]
pub struct AuditOptions {
    /// Keep the raw matched text in [`Evidence::raw`]. Off by default: the auditor must not
    /// become a leak.
    pub show_evidence: bool,
    /// Deserialize a report without findings into [`Audit::report`] (on by default). Callers
    /// that only want findings turn it off and save deserializing the body a second time.
    pub typed_report: bool,
    /// Input limits.
    pub limits: Limits,
    /// The key fingerprints and pointer tags are made with. `None` (the default): no key, so
    /// fingerprints are made only from what a finding shows and are the same on every run
    /// and machine, and redacted pointer segments carry no tag. A key makes fingerprints
    /// change with the leaked value and tells apart two names that redact alike, and nobody
    /// without it can test a guess against them ([`Finding::fingerprint`]).
    pub fingerprint_key: Option<FingerprintKey>,
    /// Keep the parsed body in [`Audit::value`] (off by default), for callers that analyse
    /// reports further and need not parse them again.
    pub keep_value: bool,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            show_evidence: false,
            typed_report: true,
            limits: Limits::default(),
            fingerprint_key: None,
            keep_value: false,
        }
    }
}

/// The outcome of one audit.
#[derive(Debug, Clone)]
pub struct Audit {
    /// The product the report belongs to.
    pub product: Option<&'static str>,
    /// The report kind picked by shape.
    pub kind: Option<&'static Kind>,
    /// Findings, ordered by pointer and category.
    pub findings: Vec<Finding>,
    /// The typed report, when the audit found nothing above `info` (and
    /// [`AuditOptions::typed_report`] is on).
    pub report: Option<Report>,
    /// Why the body could not be audited.
    pub error: Option<Error>,
    /// The parsed body, when [`AuditOptions::keep_value`] is on and the body parsed.
    pub value: Option<serde_json::Value>,
}

/// A summary of an [`Audit`], for a collector's accept/reject decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing found.
    Clean,
    /// Findings, with the highest severity among them.
    Findings(Severity),
    /// The body could not be audited.
    Rejected,
}

impl Audit {
    fn failed(error: Error) -> Audit {
        Audit {
            product: None,
            kind: None,
            findings: Vec::new(),
            report: None,
            error: Some(error),
            value: None,
        }
    }

    /// The verdict.
    pub fn verdict(&self) -> Verdict {
        if self.error.is_some() {
            return Verdict::Rejected;
        }
        match self.findings.iter().map(|f| f.severity).max() {
            None => Verdict::Clean,
            Some(s) => Verdict::Findings(s),
        }
    }
}

/// Compiled policies and schemas for one product or all; cheap to share across threads.
pub struct Auditor {
    products: Vec<CompiledProduct>,
    index: engine::KindIndex,
    scanner: Scanner,
    options: AuditOptions,
}

impl fmt::Debug for Auditor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self
            .products
            .iter()
            .map(|p| p.policy.product.as_str())
            .collect();
        f.debug_struct("Auditor").field("products", &ids).finish()
    }
}

impl Auditor {
    /// An auditor for one shipped product.
    pub fn for_product(product: &str) -> Result<Auditor, Error> {
        let product = Product::builtin(product).ok_or_else(|| Error::UnknownProduct {
            product: product.into(),
        })?;
        Auditor::with_products(vec![product])
    }

    /// An auditor for every shipped product; the product is picked by shape, and a record
    /// no product fits is audited under the generic policy.
    pub fn all() -> Auditor {
        Auditor::with_products(Product::builtins()).expect("shipped products compile")
    }

    /// An auditor for the given products. Two products with one id are refused; so is a
    /// product whose schemas or patterns do not compile. Nothing is half-loaded.
    pub fn with_products(products: Vec<Product>) -> Result<Auditor, Error> {
        let mut compiled: Vec<CompiledProduct> = Vec::new();
        for product in products {
            let origin = match &product.origin {
                Origin::BuiltIn => format!("products/{}", product.id()),
                Origin::Directory(d) => d.display().to_string(),
            };
            if let Some(other) = compiled.iter().find(|c| c.policy.product == product.id()) {
                return Err(Error::policy(
                    origin,
                    format!(
                        "product `{}` is already loaded ({})",
                        product.id(),
                        other.origin
                    ),
                ));
            }
            compiled.push(
                CompiledProduct::new(product).map_err(|message| Error::policy(origin, message))?,
            );
        }
        Ok(Auditor {
            index: engine::KindIndex::new(&compiled),
            products: compiled,
            scanner: Scanner::new(),
            options: AuditOptions::default(),
        })
    }

    /// Sets the options.
    pub fn with_options(mut self, options: AuditOptions) -> Auditor {
        let key = options.fingerprint_key.or(self.options.fingerprint_key);
        self.options = options;
        self.options.fingerprint_key = key;
        self
    }

    /// The policies, in product order.
    pub fn policies(&self) -> impl Iterator<Item = &Policy> {
        self.products.iter().map(|p| &p.policy)
    }

    /// The products: policy, kinds and origin, in the order they were given.
    pub fn products(&self) -> impl Iterator<Item = (&Policy, Vec<&'static Kind>, &Origin)> {
        self.products.iter().map(|p| {
            (
                &p.policy,
                p.kinds.iter().map(|k| k.kind).collect(),
                &p.origin,
            )
        })
    }

    /// The product whose client posts to request path `endpoint`, if a loaded one does.
    pub fn product_for_endpoint(&self, endpoint: &str) -> Option<&str> {
        self.products
            .iter()
            .find(|p| p.policy.endpoints.iter().any(|e| e == endpoint))
            .map(|p| p.policy.product.as_str())
    }

    /// Every loaded product's endpoints.
    pub fn endpoints(&self) -> impl Iterator<Item = &str> {
        self.products
            .iter()
            .flat_map(|p| p.policy.endpoints.iter().map(String::as_str))
    }

    /// Looks up a rule of a loaded product by id (`introvox/no-urls-or-domain-names`).
    pub fn explain(&self, rule_id: &str) -> Option<(&Policy, &Rule)> {
        let product = rule_id.split('/').next()?;
        let p = self.products.iter().find(|p| p.policy.product == product)?;
        Some((&p.policy, p.policy.rule(rule_id)?))
    }

    /// Audits one body. Never panics; malformed input yields [`Audit::error`].
    pub fn audit(&self, body: &[u8]) -> Audit {
        engine::audit(
            &self.products,
            &self.index,
            None,
            &self.scanner,
            &self.options,
            body,
        )
    }

    /// Audits one body as a given product only (for callers who know the endpoint).
    pub fn audit_as(&self, product: &str, body: &[u8]) -> Audit {
        match self
            .products
            .iter()
            .position(|p| p.policy.product == product)
        {
            Some(i) => engine::audit(
                &self.products,
                &self.index,
                Some(i),
                &self.scanner,
                &self.options,
                body,
            ),
            None => Audit::failed(Error::NoMatch {
                products: product.to_string(),
            }),
        }
    }
}

/// Looks up a rule of any shipped policy by id (`introvox/no-urls-or-domain-names`).
pub fn explain(rule_id: &str) -> Option<(Policy, Rule)> {
    let product = rule_id.split('/').next()?;
    let policy = Product::builtin(product)?.policy;
    let rule = policy.rule(rule_id)?.clone();
    Some((policy, rule))
}
