//! The annotated leaves of a report: every scalar with its pointer and what the report model
//! says of it (privacy class, "hash of", "raw id of"), found by walking the report alongside
//! its generated schema.

use serde_json::Value;

/// One scalar of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaf {
    /// RFC 6901 pointer.
    pub pointer: String,
    /// `x-privacy`, inherited from the enclosing member when the leaf has none.
    pub class: Option<String>,
    /// `x-hash-of`: what the value is documented to be a hash of.
    pub hash_of: Option<String>,
    /// `x-raw-id-of`: the identifier sent raw where the documentation implies a hash.
    pub raw_id_of: Option<String>,
    /// The value as text (strings as they are, other scalars as JSON).
    pub value: String,
    /// Reached through declared member names and array items only, not through a map's
    /// data keys.
    pub named: bool,
}

#[derive(Clone, Default)]
struct Ann {
    class: Option<String>,
    hash_of: Option<String>,
    raw_id_of: Option<String>,
}

const MAX_DEPTH: usize = 48;

/// The leaves of `inst`, a report of the kind whose schema is `schema`.
pub fn leaves(schema: &Value, inst: &Value) -> Vec<Leaf> {
    let mut out = Vec::new();
    let mut pointer = String::new();
    walk(
        schema,
        &[schema],
        inst,
        &mut pointer,
        true,
        Ann::default(),
        &mut out,
        0,
    );
    out
}

/// The schemas that apply to `inst`: through `$ref`, `allOf`, and the `anyOf`/`oneOf`
/// branches whose `type` admits it.
fn applicable<'s>(root: &'s Value, s: &'s Value, inst: &Value, out: &mut Vec<&'s Value>, d: usize) {
    if d > 16 || !s.is_object() {
        return;
    }
    out.push(s);
    if let Some(t) = s
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
        .and_then(|p| root.pointer(p))
    {
        applicable(root, t, inst, out, d + 1);
    }
    if let Some(all) = s.get("allOf").and_then(Value::as_array) {
        for b in all {
            applicable(root, b, inst, out, d + 1);
        }
    }
    for kw in ["anyOf", "oneOf"] {
        for b in s.get(kw).and_then(Value::as_array).into_iter().flatten() {
            if admits(root, b, inst, 0) {
                applicable(root, b, inst, out, d + 1);
            }
        }
    }
}

fn admits(root: &Value, s: &Value, inst: &Value, d: usize) -> bool {
    if d > 8 {
        return true;
    }
    if let Some(t) = s
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
        .and_then(|p| root.pointer(p))
    {
        return admits(root, t, inst, d + 1);
    }
    let ok = |t: &str| privaudit_policy::json_type_is(t, inst);
    match s.get("type") {
        Some(Value::String(t)) => ok(t),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).any(ok),
        _ => true,
    }
}

#[allow(clippy::too_many_arguments)]
fn walk(
    root: &Value,
    schemas: &[&Value],
    inst: &Value,
    pointer: &mut String,
    named: bool,
    inherited: Ann,
    out: &mut Vec<Leaf>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let mut app = Vec::new();
    for s in schemas {
        applicable(root, s, inst, &mut app, 0);
    }
    let text = |k: &str| {
        app.iter()
            .find_map(|s| s.get(k).and_then(Value::as_str))
            .map(str::to_string)
    };
    let own = Ann {
        class: text("x-privacy"),
        hash_of: text("x-hash-of"),
        raw_id_of: text("x-raw-id-of"),
    };
    // A leaf without a class of its own takes its member's (a stat's `value`).
    let ann = if own.class.is_some() { own } else { inherited };
    let len = pointer.len();
    match inst {
        Value::Object(members) => {
            for (k, v) in members {
                pointer.push('/');
                pointer.push_str(&k.replace('~', "~0").replace('/', "~1"));
                let mut child = Vec::new();
                for s in &app {
                    if let Some(p) = s.get("properties").and_then(|p| p.get(k)) {
                        child.push(p);
                    }
                }
                let is_named = !child.is_empty();
                if !is_named {
                    for s in &app {
                        if let Some(a) = s.get("additionalProperties").filter(|a| a.is_object()) {
                            child.push(a);
                        }
                    }
                }
                walk(
                    root,
                    &child,
                    v,
                    pointer,
                    named && is_named,
                    ann.clone(),
                    out,
                    depth + 1,
                );
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            let item: Vec<&Value> = app.iter().filter_map(|s| s.get("items")).collect();
            for (i, v) in items.iter().enumerate() {
                pointer.push_str(&format!("/{i}"));
                walk(root, &item, v, pointer, named, ann.clone(), out, depth + 1);
                pointer.truncate(len);
            }
        }
        scalar => out.push(Leaf {
            pointer: pointer.clone(),
            class: ann.class,
            hash_of: ann.hash_of,
            raw_id_of: ann.raw_id_of,
            value: match scalar {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            },
            named,
        }),
    }
}
