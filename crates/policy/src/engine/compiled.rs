//! A product compiled once: its policy's field rules and pointer patterns, and per report
//! kind the validators, the schema walker and the declared member names.

use crate::policy::{PointerPatterns, Policy};
use crate::product::{Kind, Origin, Product};
use crate::shape::Shape;
use crate::tree::Borrowed;
use serde_json::Value;

/// One report kind, compiled: validators and schema walker.
pub(crate) struct CompiledKind {
    pub(crate) kind: &'static Kind,
    /// Product and kind, which scope its findings' fingerprints.
    pub(super) scope: [&'static str; 2],
    /// Decides validity on the parsed tree.
    pub(super) validator: jsonschema::Validator<Borrowed>,
    /// Lists the errors of an invalid body, on a `serde_json::Value` built from the tree:
    /// each error holds its instance, which the tree would copy error by error (a root error
    /// copies the whole body), and the value lends. Compiled when first needed.
    pub(super) explainer: std::sync::OnceLock<Result<jsonschema::Validator, String>>,
    pub(super) shape: Shape,
    pub(super) required: Vec<String>,
    /// Every member name the schema declares, shown raw in pointers.
    pub(super) declared: foldhash::HashSet<String>,
}

/// A validator of a report schema for instances in representation `F`: draft 2020-12, with
/// patterns as Rust regular expressions.
pub(crate) fn validator<F: jsonschema::json::Json>(
    schema: &Value,
) -> Result<jsonschema::Validator<F>, jsonschema::ValidationError<'static>> {
    jsonschema::options_for::<F>()
        .with_draft(jsonschema::Draft::Draft202012)
        .with_pattern_options(jsonschema::PatternOptions::regex())
        .build(schema)
}

/// A field rule with its pattern compiled and its allowances as a category mask.
pub(super) struct CompiledField {
    pub(super) rule: crate::policy::FieldRule,
    pub(super) pattern: Option<regex::Regex>,
    pub(super) allow: u32,
}

/// One product, compiled.
pub(crate) struct CompiledProduct {
    pub(crate) policy: Policy,
    pub(crate) origin: Origin,
    pub(crate) kinds: Vec<CompiledKind>,
    pub(super) fields: Vec<CompiledField>,
    /// The field rules' pointer patterns, then the exceptions'.
    pub(super) patterns: PointerPatterns,
}

impl CompiledProduct {
    pub(crate) fn new(product: Product) -> Result<CompiledProduct, String> {
        let Product {
            policy,
            kinds: defs,
            origin,
        } = product;
        let mut kinds = Vec::new();
        for kind in defs {
            let schema = &kind.schema;
            let validator = validator::<Borrowed>(schema)
                .map_err(|e| format!("{}: schema does not compile: {e}", kind.file))?;
            let declared = crate::pointer::declared_names(schema);
            let shape = Shape::new(schema.clone()).map_err(|e| format!("{}: {e}", kind.file))?;

            let mut required: Vec<String> = shape
                .root()
                .get("required")
                .and_then(Value::as_array)
                .map(|r| {
                    r.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            // Counted against the body's (unique) member names.
            required.sort();
            required.dedup();
            kinds.push(CompiledKind {
                kind,
                scope: [kind.product, kind.kind],
                validator,
                explainer: std::sync::OnceLock::new(),
                shape,
                required,
                declared,
            });
        }
        let fields = policy
            .field
            .iter()
            .map(|f| {
                let pattern = f
                    .pattern
                    .as_deref()
                    .map(regex::Regex::new)
                    .transpose()
                    .map_err(|e| e.to_string())?;
                let allow = f.allow.iter().fold(0, |m, c| m | c.bit());
                Ok(CompiledField {
                    rule: f.clone(),
                    pattern,
                    allow,
                })
            })
            .collect::<Result<_, String>>()?;
        let patterns = PointerPatterns::new(
            policy
                .field
                .iter()
                .map(|f| f.pointer.as_str())
                .chain(policy.exception.iter().map(|e| e.pointer.as_str())),
        )?;
        Ok(CompiledProduct {
            policy,
            origin,
            kinds,
            fields,
            patterns,
        })
    }
}
