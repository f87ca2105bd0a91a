//! Drafts a product directory from captured reports of a product privaudit does not know.
//!
//! # Brief overview
//!
//! [`Draft::infer`] reads parsed reports and writes what a reviewer would otherwise type by
//! hand: a draft 2020-12 JSON Schema with every observed member, its JSON type, the members
//! every report had as `required`, an inferred privacy class (`x-privacy`) per field, and the
//! observed values of fields that look enumerated; and a `policy.toml` with the promises
//! every anonymous report makes (no personal data, no network identifiers, no credentials, no
//! free text, no undeclared members). Every inference that is a guess says so in a
//! `$comment` beside it, for the reviewer to confirm or correct.
//!
//! This crate knows JSON values, the privacy classes of `privaudit-reports` and the policy
//! file format. It knows nothing of captures (the caller parses them), of detectors, or of
//! the engine that later audits against the draft.
//!
//! ```
//! use serde_json::json;
//! let reports = [
//!     json!({"version": "2.4.1", "users": 12, "db": "postgres"}),
//!     json!({"version": "2.5.0", "users": 3, "db": "sqlite"}),
//! ];
//! let draft = privaudit_scaffold::Draft::infer("acme", "report", &reports, &[]);
//! let users = &draft.schema["properties"]["users"];
//! assert_eq!(users["x-privacy"], "count");
//! assert_eq!(draft.schema["properties"]["version"]["x-privacy"], "version");
//! assert!(draft.policy.contains("product = \"acme\""));
//! ```
#![deny(missing_docs)]

mod infer;

use serde_json::{Value, json};

/// A draft product directory: the schema of one report kind and the policy.
#[derive(Debug, Clone)]
pub struct Draft {
    /// Product id.
    pub product: String,
    /// Report kind id.
    pub kind: String,
    /// The schema, to be written as `<kind>.schema.json`.
    pub schema: Value,
    /// The policy, to be written as `policy.toml`.
    pub policy: String,
}

impl Draft {
    /// Infers a draft from `reports` (each one parsed report of the kind) and the request
    /// paths they were sent to.
    pub fn infer(product: &str, kind: &str, reports: &[Value], endpoints: &[String]) -> Draft {
        let mut root = infer::Node::default();
        for r in reports {
            root.observe(r, "");
        }
        let mut schema = root.schema();
        let obj = schema
            .as_object_mut()
            .expect("a node's schema is an object");
        obj.insert(
            "$schema".into(),
            json!("https://json-schema.org/draft/2020-12/schema"),
        );
        obj.insert(
            "$id".into(),
            json!(format!("urn:privaudit:schema:{product}:{kind}")),
        );
        obj.insert("title".into(), json!(format!("{product} {kind} (draft)")));
        obj.insert(
            "description".into(),
            json!(format!(
                "Drafted by `privaudit init` from {} report(s); every `$comment` marks a guess to review.",
                reports.len()
            )),
        );
        obj.insert("x-product".into(), json!(product));
        obj.insert("x-report-kind".into(), json!(kind));
        Draft {
            product: product.into(),
            kind: kind.into(),
            policy: policy(product, kind, reports.len(), endpoints),
            schema,
        }
    }

    /// The schema file's name in the directory.
    pub fn schema_file(&self) -> String {
        format!("{}.schema.json", self.kind)
    }
}

/// The standard promises, for the reviewer to hold against the product's documentation.
fn policy(product: &str, kind: &str, reports: usize, endpoints: &[String]) -> String {
    let endpoints: Vec<String> = endpoints.iter().map(|e| format!("{e:?}")).collect();
    let rules: [(&str, &str, &str, &str); 6] = [
        (
            "no-personal-data",
            "The report holds no personal data: no e-mail addresses, telephone numbers, payment cards, bank accounts, file paths or account identifiers.",
            r#""email", "phone_number", "payment_card", "iban", "file_path", "identifier""#,
            "high",
        ),
        (
            "no-network-identifiers",
            "The report names no network identifier: no IP or MAC addresses, host names or URLs.",
            r#""ip_address", "hostname", "mac_address", "url""#,
            "high",
        ),
        (
            "no-credentials",
            "The report holds no passwords, tokens or keys.",
            r#""credential""#,
            "high",
        ),
        (
            "no-free-text",
            "The report holds no text a person wrote: only counts, versions, codes and flags.",
            r#""free_text""#,
            "medium",
        ),
        (
            "declared-fields-only",
            "The report holds the fields of its schema and nothing else.",
            r#""undeclared_field""#,
            "medium",
        ),
        (
            "well-formed-report",
            "Each field appears once and has the type and form of its schema.",
            r#""duplicate_key", "schema_violation""#,
            "low",
        ),
    ];
    let mut out = format!(
        "# Drafted by `privaudit init` from {reports} report(s). Review every line: the promises\n\
         # below are the ones any anonymous usage report makes, not yet this product's own.\n\
         product = \"{product}\"\n\
         name = \"{product}\"\n\
         summary = \"Draft: what {product} sends, in one sentence.\"\n\
         # Request paths the reports were posted to (from the capture), for HAR matching.\n\
         endpoints = [{}]\n\n\
         [[kind]]\n\
         id = \"{kind}\"\n\
         schema = \"{kind}.schema.json\"\n\n\
         [[source]]\n\
         id = \"draft\"\n\
         title = \"Draft: the product's telemetry documentation\"\n\
         location = \"to be filled in by the reviewer\"\n",
        endpoints.join(", ")
    );
    for (id, statement, forbids, severity) in rules {
        out.push_str(&format!(
            "\n[[rule]]\nid = \"{product}/{id}\"\nstatement = \"{statement}\"\nsource = \"draft\"\nsection = \"to be filled in\"\nforbids = [{forbids}]\nseverity = \"{severity}\"\n# A standard promise until the documentation confirms it.\nderived = true\n"
        ));
    }
    out
}
