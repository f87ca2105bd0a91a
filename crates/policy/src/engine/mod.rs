//! The audit of one body: parse, pick the kind, validate, walk, detect, apply the policy.
//!
//! [`compiled`] holds what is built once per product, [`select`] picks a body's report
//! kind, [`run`] walks one body and collects its findings, and [`schema_errors`] turns the
//! validator's errors into findings a reviewer can act on.

mod compiled;
mod run;
mod schema_errors;
mod select;

pub(crate) use compiled::CompiledProduct;
#[cfg(test)]
pub(crate) use compiled::validator;
pub(crate) use select::KindIndex;

use crate::json::{self, ParseError};
use crate::policy::Severity;
use crate::tree::Tree;
use crate::{Audit, AuditOptions, Error};
use privaudit_detect::Scanner;
use run::Run;

/// Parses, picks the kind, and audits.
pub(crate) fn audit(
    products: &[CompiledProduct],
    index: &KindIndex,
    only: Option<usize>,
    scanner: &Scanner,
    options: &AuditOptions,
    body: &[u8],
) -> Audit {
    let limits = &options.limits;
    if body.len() > limits.max_body_bytes {
        return Audit::failed(Error::TooLarge {
            size: body.len(),
            limit: limits.max_body_bytes,
        });
    }
    let parse_limits = json::ParseLimits {
        max_depth: limits.max_depth,
        max_string: limits.max_string_bytes,
    };
    ARENA.with_borrow_mut(|arena| {
        let audit = match json::parse(body, arena, parse_limits) {
            Ok((value, dups)) => {
                audit_tree(products, index, only, scanner, body, &value, &dups, options)
            }
            Err(ParseError {
                message,
                line,
                column,
                byte,
            }) => Audit::failed(Error::Syntax {
                message,
                line,
                column,
                byte,
            }),
        };
        // The next body reuses the memory, unless a large one left much of it behind.
        if arena.allocated_bytes() > ARENA_KEPT_BYTES {
            *arena = bumpalo::Bump::new();
        } else {
            arena.reset();
        }
        audit
    })
}

/// How much arena memory a thread keeps between bodies.
const ARENA_KEPT_BYTES: usize = 1 << 20;

thread_local! {
    /// Where this thread's parsed bodies live while they are audited.
    static ARENA: std::cell::RefCell<bumpalo::Bump> = Default::default();
}

#[allow(clippy::too_many_arguments)]
fn audit_tree(
    products: &[CompiledProduct],
    index: &KindIndex,
    only: Option<usize>,
    scanner: &Scanner,
    body: &[u8],
    value: &Tree,
    dups: &[String],
    options: &AuditOptions,
) -> Audit {
    // A record no product fits is audited under the generic product, when loaded.
    let best = select::best(products, index, only, value).or_else(|| {
        let g = index.generic.filter(|g| only.is_none_or(|o| o == *g))?;
        let product = &products[g];
        let kind = product.kinds.first()?;
        let score = if kind.validator.is_valid(value) {
            i64::MAX
        } else {
            0
        };
        Some((score, product, kind))
    });
    let Some((score, product, kind)) = best else {
        let names: Vec<&str> = products
            .iter()
            .enumerate()
            .filter(|(i, _)| only.is_none_or(|o| o == *i))
            .map(|(_, p)| p.policy.product.as_str())
            .collect();
        return Audit::failed(Error::NoMatch {
            products: names.join(", "),
        });
    };
    let mut run = Run::new(product, kind, scanner, options);
    run.duplicates(dups);
    let choices = run.walk(value, score == i64::MAX);
    // `fit` already validated: a perfect score means no schema errors to collect.
    if score != i64::MAX {
        run.schema_errors(value, &choices);
    }
    let findings = run.finish();
    let kept = options.keep_value.then(|| value.to_value());
    let report = if options.typed_report && findings.iter().all(|f| f.severity == Severity::Info) {
        // From the body itself, unless duplicates make it differ from the tree.
        match &kept {
            _ if kind.kind.model().is_none() => None,
            _ if dups.is_empty() => kind
                .kind
                .typed(&mut serde_json::Deserializer::from_slice(body)),
            Some(v) => kind.kind.typed(v),
            None => kind.kind.typed(value.to_value()),
        }
    } else {
        None
    };
    Audit {
        product: Some(kind.kind.product),
        kind: Some(kind.kind),
        findings,
        report,
        error: None,
        value: kept,
    }
}
