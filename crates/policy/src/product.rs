//! Products as data: a directory with a `policy.toml` and one JSON Schema per report kind it
//! names. The shipped products are such directories (`products/<id>/`), built into the
//! binary; a user's product is read from disk in the same format, with no Rust.

use crate::policy::Policy;
use crate::{Error, Report, ReportKind};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Where a product was loaded from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Shipped in the binary, from `products/<id>/`.
    BuiltIn,
    /// A product directory read at run time.
    Directory(PathBuf),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::BuiltIn => f.write_str("built-in"),
            Origin::Directory(dir) => write!(f, "{}", dir.display()),
        }
    }
}

/// One report kind of a product: its ids, title and schema. Kinds are interned for the life
/// of the process (loading the same definition again costs nothing), so audits can name
/// theirs by a `&'static Kind`.
#[derive(Debug)]
#[non_exhaustive]
pub struct Kind {
    /// Product id.
    pub product: &'static str,
    /// Report kind id, unique within the product.
    pub kind: &'static str,
    /// The schema's `title`, or `product/kind`.
    pub title: &'static str,
    /// The schema file's name within the product directory.
    pub file: &'static str,
    /// The draft 2020-12 JSON Schema, with `x-privacy` classes.
    pub schema: Value,
    /// The Rust model of a shipped kind, for typed reports.
    model: Option<&'static ReportKind>,
}

impl PartialEq for Kind {
    fn eq(&self, other: &Kind) -> bool {
        let model = |k: &Kind| k.model.map(|m| (m.product, m.kind));
        (self.product, self.kind, self.title, self.file)
            == (other.product, other.kind, other.title, other.file)
            && model(self) == model(other)
            && self.schema == other.schema
    }
}

impl Kind {
    /// The Rust model, for the shipped kinds that have one.
    pub fn model(&self) -> Option<&'static ReportKind> {
        self.model
    }

    /// Deserializes a report into its Rust model; `None` for a kind without one.
    pub(crate) fn typed<'de, D: serde::Deserializer<'de>>(&self, d: D) -> Option<Report> {
        self.model?.deserialize(d).ok()
    }
}

/// A product: its policy and its report kinds, from a product directory or the binary.
#[derive(Debug, Clone)]
pub struct Product {
    /// The policy, with the product's name, endpoints and kind list.
    pub policy: Policy,
    /// The report kinds, in the policy's order.
    pub kinds: Vec<&'static Kind>,
    /// Where it came from.
    pub origin: Origin,
}

/// The product that audits a record no other product fits.
pub const GENERIC: &str = "generic";

macro_rules! shipped {
    ($id:literal: $($file:literal),+) => {
        (
            $id,
            include_str!(concat!("../../../products/", $id, "/policy.toml")),
            &[$(($file, include_str!(concat!("../../../products/", $id, "/", $file)))),+],
        )
    };
}

/// The shipped product directories: id, policy text, and each schema file with its text.
type Shipped = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

static SHIPPED: &[Shipped] = &[
    shipped!("introvox": "introvox.daily-report.schema.json"),
    shipped!("roomvox":
        "roomvox.daily-report-c.schema.json",
        "roomvox.daily-report-b.schema.json",
        "roomvox.daily-report-a.schema.json"),
    shipped!("kopano": "kopano.survey.schema.json"),
    shipped!("mattermost":
        "mattermost.security-check.schema.json",
        "mattermost.diagnostics-batch.schema.json"),
    shipped!("community-scripts":
        "community-scripts.install-report.schema.json",
        "community-scripts.pve-tool-report.schema.json",
        "community-scripts.addon-report.schema.json"),
    shipped!("generic": "any.schema.json"),
];

impl Product {
    /// The product id.
    pub fn id(&self) -> &str {
        &self.policy.product
    }

    /// The display name.
    pub fn name(&self) -> &str {
        if self.policy.name.is_empty() {
            &self.policy.product
        } else {
            &self.policy.name
        }
    }

    /// Whether this is the generic product, used when no other fits.
    pub fn is_generic(&self) -> bool {
        is_generic(&self.origin, &self.policy.product)
    }

    /// A shipped product by id (`generic` included).
    pub fn builtin(id: &str) -> Option<Product> {
        let (_, policy, files) = SHIPPED.iter().find(|(p, ..)| *p == id)?;
        let read = |name: &str| {
            files
                .iter()
                .find(|(f, _)| *f == name)
                .map(|(_, text)| text.to_string())
                .ok_or_else(|| "not shipped".to_string())
        };
        // The shipped products are checked by the test suite; a broken one is a build defect.
        Some(
            Product::from_parts(Origin::BuiltIn, &format!("products/{id}"), policy, read)
                .unwrap_or_else(|e| panic!("{e}")),
        )
    }

    /// The shipped products, `generic` last.
    pub fn builtins() -> Vec<Product> {
        SHIPPED
            .iter()
            .filter_map(|(id, ..)| Product::builtin(id))
            .collect()
    }

    /// Reads a product directory: `policy.toml` and the schema of every kind it names.
    /// Errors name the file, the line where one is known, and the reason.
    pub fn load(dir: &Path) -> Result<Product, Error> {
        let label = dir.display().to_string();
        let policy_path = dir.join("policy.toml");
        let policy = std::fs::read_to_string(&policy_path).map_err(|e| {
            Error::policy(
                policy_path.display().to_string(),
                format!("{e} (a product directory holds policy.toml and the schemas it names)"),
            )
        })?;
        let read = |name: &str| std::fs::read_to_string(dir.join(name)).map_err(|e| e.to_string());
        Product::from_parts(Origin::Directory(dir.to_path_buf()), &label, &policy, read)
    }

    /// A product from its policy text and a reader of the files it names; `label` names the
    /// directory in errors.
    pub fn from_parts(
        origin: Origin,
        label: &str,
        policy_text: &str,
        read: impl Fn(&str) -> Result<String, String>,
    ) -> Result<Product, Error> {
        let policy_file = format!("{label}/policy.toml");
        let policy = Policy::from_toml(&policy_file, policy_text)?;
        if policy.product == GENERIC && origin != Origin::BuiltIn {
            return Err(Error::policy(
                policy_file,
                "the product id `generic` is reserved for records no product fits",
            ));
        }
        let mut kinds = Vec::new();
        for entry in &policy.kind {
            let file = format!("{label}/{}", entry.schema);
            let text = read(&entry.schema).map_err(|e| Error::policy(&file, e))?;
            let schema = check_schema(&policy.product, &entry.id, &text)
                .map_err(|e| Error::policy(&file, e))?;
            let title = schema.get("title").and_then(Value::as_str).map_or_else(
                || format!("{}/{}", policy.product, entry.id),
                str::to_string,
            );
            let model = match origin {
                Origin::BuiltIn => privaudit_reports::find(&policy.product, &entry.id),
                Origin::Directory(_) => None,
            };
            kinds.push(intern(Kind {
                product: intern_str(&policy.product),
                kind: intern_str(&entry.id),
                title: intern_str(&title),
                file: intern_str(&entry.schema),
                schema,
                model,
            }));
        }
        Ok(Product {
            policy,
            kinds,
            origin,
        })
    }
}

/// Whether the product of this origin and id is the shipped generic one (a directory may
/// not take its id).
pub(crate) fn is_generic(origin: &Origin, id: &str) -> bool {
    *origin == Origin::BuiltIn && id == GENERIC
}

/// Parses a schema file and checks what the engine relies on: an object, draft 2020-12,
/// ids that agree with the policy, and a privacy class for every field.
fn check_schema(product: &str, kind: &str, text: &str) -> Result<Value, String> {
    let schema: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let obj = schema
        .as_object()
        .ok_or("a report schema is a JSON object")?;
    if let Some(draft) = obj.get("$schema")
        && draft != "https://json-schema.org/draft/2020-12/schema"
    {
        return Err(format!(
            "line {}: `$schema` is {draft}; report schemas are draft 2020-12",
            line_of(text, "\"$schema\"")
        ));
    }
    for (key, want) in [("x-product", product), ("x-report-kind", kind)] {
        if let Some(got) = obj.get(key)
            && got != want
        {
            return Err(format!(
                "line {}: `{key}` is {got}, but the policy names `{want}`",
                line_of(text, &format!("\"{key}\""))
            ));
        }
    }
    let mut unclassed = Vec::new();
    unclassified(&schema, "", false, &mut unclassed);
    if let Some(field) = unclassed.first() {
        let name = field.rsplit('/').next().unwrap_or_default();
        return Err(format!(
            "line {}: field `{field}` has no `x-privacy` class (of its own or of an enclosing field){}",
            line_of(text, &format!("\"{name}\":")),
            if unclassed.len() > 1 {
                format!(", nor have {} more", unclassed.len() - 1)
            } else {
                String::new()
            }
        ));
    }
    Ok(schema)
}

/// Declared fields outside `$defs` with no privacy class, own or inherited. A field that
/// refers to or composes other schemas takes its class there.
fn unclassified(node: &Value, path: &str, inherited: bool, out: &mut Vec<String>) {
    let Some(obj) = node.as_object() else { return };
    let classed = inherited || obj.contains_key("x-privacy");
    for (key, child) in obj {
        match (key.as_str(), child) {
            ("$defs" | "definitions" | "enum" | "const" | "examples" | "default", _) => {}
            ("properties", Value::Object(props)) => {
                for (name, field) in props {
                    let at = format!("{path}/properties/{name}");
                    let composed = ["x-privacy", "$ref", "properties", "allOf", "anyOf", "oneOf"]
                        .iter()
                        .any(|k| field.get(k).is_some());
                    if !classed && field.is_object() && !composed {
                        out.push(at.clone());
                    }
                    unclassified(field, &at, classed, out);
                }
            }
            (_, Value::Object(_)) => unclassified(child, &format!("{path}/{key}"), classed, out),
            (_, Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    unclassified(item, &format!("{path}/{key}/{i}"), classed, out);
                }
            }
            _ => {}
        }
    }
}

/// The 1-based line of the first occurrence of `needle` in `text`, or 1.
pub(crate) fn line_of(text: &str, needle: &str) -> usize {
    text.find(needle).map_or(1, |at| {
        text[..at].bytes().filter(|&b| b == b'\n').count() + 1
    })
}

static KINDS: Mutex<Vec<&'static Kind>> = Mutex::new(Vec::new());
static STRINGS: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());

/// The copy of `value` in `pool`, or `value` itself, leaked, the first time.
fn interned<T: ?Sized + PartialEq>(pool: &Mutex<Vec<&'static T>>, value: Box<T>) -> &'static T {
    let mut pool = pool.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(x) = pool.iter().find(|x| ***x == *value) {
        return x;
    }
    let x: &'static T = Box::leak(value);
    pool.push(x);
    x
}

fn intern(kind: Kind) -> &'static Kind {
    interned(&KINDS, Box::new(kind))
}

fn intern_str(s: &str) -> &'static str {
    interned(&STRINGS, s.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_directory_is_built_in_whole() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../products");
        let mut dirs: Vec<String> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        dirs.sort();
        let mut shipped: Vec<String> = SHIPPED.iter().map(|(id, ..)| id.to_string()).collect();
        shipped.sort();
        assert_eq!(dirs, shipped, "products/ and the built-in table disagree");
        for (id, _, files) in SHIPPED {
            let mut on_disk: Vec<String> = std::fs::read_dir(root.join(id))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n != "policy.toml")
                .collect();
            on_disk.sort();
            let mut built: Vec<String> = files.iter().map(|(f, _)| f.to_string()).collect();
            built.sort();
            assert_eq!(on_disk, built, "{id}");
            // The built-in load is the directory load (`generic` is reserved to the binary).
            if *id == GENERIC {
                continue;
            }
            let from_disk = Product::load(&root.join(id)).unwrap();
            let builtin = Product::builtin(id).unwrap();
            assert_eq!(from_disk.kinds.len(), builtin.kinds.len());
            for (a, b) in from_disk.kinds.iter().zip(&builtin.kinds) {
                assert_eq!(a.schema, b.schema);
                assert!(b.model.is_some() || *id == GENERIC, "{id}/{}", b.kind);
            }
        }
    }

    #[test]
    fn every_model_has_its_kind_in_a_shipped_policy() {
        for model in privaudit_reports::all_kinds() {
            let product = Product::builtin(model.product).expect("a directory per product");
            assert!(
                product.kinds.iter().any(|k| k.kind == model.kind),
                "{model:?} is not named by products/{}/policy.toml",
                model.product
            );
        }
    }

    #[test]
    fn interned_kinds_are_shared() {
        let a = Product::builtin("introvox").unwrap();
        let b = Product::builtin("introvox").unwrap();
        assert!(std::ptr::eq(a.kinds[0], b.kinds[0]));
    }

    #[test]
    fn a_field_without_class_is_named() {
        let text = "{\n  \"type\": \"object\",\n  \"properties\": {\n    \"n\": {\"type\": \"integer\", \"x-privacy\": \"count\"},\n    \"note\": {\"type\": \"string\"}\n  }\n}";
        let e = check_schema("p", "k", text).unwrap_err();
        assert!(
            e.contains("line 5") && e.contains("/properties/note"),
            "{e}"
        );
        let inherited = "{\"x-privacy\": \"config\", \"properties\": {\"a\": {}}}";
        assert!(check_schema("p", "k", inherited).is_ok());
        let wrong = "{\"x-product\": \"other\"}";
        assert!(
            check_schema("p", "k", wrong)
                .unwrap_err()
                .contains("x-product")
        );
    }
}
