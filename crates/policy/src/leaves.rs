//! The scalar values of a parsed report with what its schema says of each, found by the
//! walk the engine audits with: for analyses across reports (linkage, k-anonymity, hash
//! reversal) that must read a report exactly as the audit did.

use crate::Kind;
use crate::shape::{Event, Notes, Shape};
use crate::tree::Tree;
use privaudit_detect::Scanner;
use privaudit_reports::Privacy;
use serde_json::Value;

/// One scalar of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Leaf {
    /// RFC 6901 pointer.
    pub pointer: String,
    /// The privacy class that applies (a value without one of its own takes its member's).
    pub class: Option<Privacy>,
    /// The annotations beside that class.
    pub notes: Option<Notes>,
    /// The value as text: strings as they are, other scalars as JSON.
    pub value: String,
    /// Reached through declared member names and array items only, not through a map's
    /// data keys or an undeclared member.
    pub named: bool,
}

/// A report kind's schema compiled for reading its leaves; build once, use for every report.
pub struct KindShape {
    kind: &'static Kind,
    shape: Shape,
    /// Every member name the schema declares, shown raw in pointers.
    declared: foldhash::HashSet<String>,
    scanner: Scanner,
}

impl KindShape {
    /// Compiles the schema of `kind`.
    pub fn new(kind: &'static Kind) -> Result<KindShape, crate::Error> {
        let shape = Shape::new(kind.schema.clone()).map_err(|message| {
            crate::Error::policy(
                format!("the schema of {}/{}", kind.product, kind.kind),
                message,
            )
        })?;
        Ok(KindShape {
            kind,
            declared: crate::pointer::declared_names(shape.root()),
            shape,
            scanner: Scanner::new(),
        })
    }

    /// `pointer` (into a report of this kind) with its data-bearing segments redacted as in
    /// [`crate::Finding::pointer`], tagged under `key` if any; `None` when no segment needs it.
    pub fn redact_pointer(
        &self,
        pointer: &str,
        key: Option<&crate::FingerprintKey>,
    ) -> Option<String> {
        crate::pointer::PointerRedactor::new(&self.declared, &self.scanner)
            .redact(pointer, key, None)
    }

    /// The kind.
    pub fn kind(&self) -> &'static Kind {
        self.kind
    }

    /// Every field the schema declares, as the walk reads the schema (conditions and every
    /// branch included), for documentation.
    pub fn fields(&self) -> Vec<crate::Field> {
        self.shape.fields()
    }

    /// The leaves of `report`, in document order.
    pub fn leaves(&self, report: &Value) -> Vec<Leaf> {
        let arena = bumpalo::Bump::new();
        let tree = Tree::from_value(report, &arena);
        let mut out = Vec::new();
        // Per depth of the walk, whether the step there was a declared name or an index.
        let mut steps: Vec<bool> = Vec::new();
        let mut unnamed = 0usize;
        // Reports that were audited may still break their schema, so no branch is taken on
        // the strength of validity.
        self.shape.walk(&tree, false, false, &mut |e| match e {
            Event::Enter { .. } => steps.push(true),
            Event::Key { .. } | Event::Undeclared { .. } => {
                if let Some(last) = steps.last_mut()
                    && *last
                {
                    *last = false;
                    unnamed += 1;
                }
            }
            Event::Leave => {
                if steps.pop() == Some(false) {
                    unnamed -= 1;
                }
            }
            Event::Value {
                pointer,
                value,
                class,
                notes,
            } => {
                let value = match value {
                    Tree::Object(_) | Tree::Array(_) => return,
                    Tree::String(s) => s.to_string(),
                    other => other.to_value().to_string(),
                };
                out.push(Leaf {
                    pointer: pointer.to_string(),
                    class,
                    notes: notes.cloned(),
                    value,
                    named: unnamed == 0,
                });
            }
        });
        out
    }
}
