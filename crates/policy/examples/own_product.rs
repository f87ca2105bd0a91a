//! How a product team guards its own telemetry: the report struct derives its JSON Schema
//! with a privacy class on every field, the schema and a policy are written into a product
//! directory (`cargo run -p privaudit-policy --example own_product -- DIR`), and the unit
//! tests below check payloads with the same engine the CLI runs, on every `cargo test`.

use privaudit_policy::{Auditor, Product, Verdict};
use schemars::JsonSchema;
use serde::Serialize;

/// The weekly usage report of a fictional product, as its client builds it.
#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("x-privacy" = "enum"))]
struct Usage {
    /// Random id of the installation, kept across reports.
    #[schemars(extend("x-privacy" = "pseudonymous-id"))]
    installation: String,
    /// Product version.
    #[schemars(extend("x-privacy" = "version"))]
    version: String,
    /// Accounts on the instance.
    #[schemars(extend("x-privacy" = "count"))]
    users: u32,
    /// Database backend.
    #[schemars(extend("x-privacy" = "enum"))]
    database: Database,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Database {
    Sqlite,
    Postgres,
}

const POLICY: &str = r#"product = "own-product"
summary = "A weekly object of counts and versions."
endpoints = ["/usage"]

[[kind]]
id = "usage"
schema = "usage.schema.json"

[[source]]
id = "docs"
title = "Our telemetry page"
location = "docs/telemetry.md"

[[rule]]
id = "own-product/nothing-personal"
statement = "No personal data, no addresses, no secrets, no text."
source = "docs"
section = "Not collected"
forbids = ["email", "phone_number", "payment_card", "iban", "file_path", "identifier", "free_text", "ip_address", "hostname", "mac_address", "url", "credential"]
severity = "high"
derived = false

[[rule]]
id = "own-product/as-documented"
statement = "Only the documented fields, each once."
source = "docs"
section = "Collected"
forbids = ["undeclared_field", "duplicate_key", "schema_violation"]
severity = "medium"
derived = true
"#;

/// The schema of the report, draft 2020-12, as the engine reads it.
fn schema() -> serde_json::Value {
    let schema = schemars::generate::SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<Usage>();
    schema.to_value()
}

/// Writes the product directory: the policy and the generated schema.
fn write_product(dir: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("policy.toml"), POLICY)?;
    let text = serde_json::to_string_pretty(&schema()).expect("a schema serializes");
    std::fs::write(dir.join("usage.schema.json"), text + "\n")
}

/// A report as the client builds it.
fn sample() -> Usage {
    Usage {
        installation: "b7e23ec29af22b0b4e41da31e868d572".into(),
        version: "2.4.1".into(),
        users: 14,
        database: Database::Postgres,
    }
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "own-product".into());
    let dir = std::path::Path::new(&dir);
    write_product(dir).expect("the directory can be written");
    // What was written is what the CLI will load with `--products DIR`.
    let product = Product::load(dir).unwrap_or_else(|e| panic!("{e}"));
    let auditor = Auditor::with_products(vec![product]).unwrap_or_else(|e| panic!("{e}"));
    for database in [Database::Sqlite, Database::Postgres] {
        let report = Usage {
            database,
            ..sample()
        };
        let body = serde_json::to_vec(&report).expect("a report serializes");
        assert_eq!(auditor.audit(&body).verdict(), Verdict::Clean);
    }
    println!(
        "wrote {0}/policy.toml and {0}/usage.schema.json; a sample report audits clean",
        dir.display()
    );
}

/// The product straight from the struct, without touching the disk.
#[cfg(test)]
fn in_memory() -> Product {
    let schema = serde_json::to_string(&schema()).unwrap();
    Product::from_parts(
        privaudit_policy::Origin::Directory("own-product".into()),
        "own-product",
        POLICY,
        |_| Ok(schema.clone()),
    )
    .unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auditor() -> Auditor {
        Auditor::with_products(vec![in_memory()]).unwrap()
    }

    #[test]
    fn what_the_client_sends_is_clean() {
        let body = serde_json::to_vec(&sample()).unwrap();
        let audit = auditor().audit(&body);
        assert_eq!(audit.verdict(), Verdict::Clean, "{:?}", audit.findings);
    }

    #[test]
    fn a_leak_in_a_field_fails_the_build() {
        let report = Usage {
            installation: "admin@example.org".into(),
            database: Database::Sqlite,
            ..sample()
        };
        let audit = auditor().audit(&serde_json::to_vec(&report).unwrap());
        assert!(matches!(audit.verdict(), Verdict::Findings(_)));
        assert_eq!(audit.findings[0].category.as_str(), "email");
    }

    #[test]
    fn the_written_directory_loads() {
        let dir = std::env::temp_dir().join(format!("own-product-{}", std::process::id()));
        write_product(&dir).unwrap();
        let product = Product::load(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(product.kinds[0].kind, "usage");
    }
}
