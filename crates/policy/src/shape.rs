//! Walks a report alongside its schema: for every node, the schemas that apply to it (through
//! `$ref`, `allOf`, the matching `anyOf`/`oneOf` branch and `if`/`then`/`else`), its privacy
//! class, and whether the schema declares it.

use crate::json::escape;
use serde_json::Value;

/// What the walk reports.
pub(crate) enum Event<'v> {
    /// A value, with the privacy class that applies to it.
    Value {
        pointer: &'v str,
        value: &'v Value,
        class: Option<&'v str>,
    },
    /// An object key that is data rather than a schema-declared name (a map key or an
    /// undeclared member), with the class the schema gives map keys.
    Key {
        pointer: &'v str,
        key: &'v str,
        class: Option<&'v str>,
    },
    /// A member the schema does not declare.
    Undeclared { pointer: &'v str },
}

/// A compiled view of one report kind's schema.
pub(crate) struct Shape {
    root: Value,
}

/// Which branch of an `anyOf`/`oneOf` was taken at an instance pointer.
pub(crate) type Choices = Vec<(String, String)>;

const MAX_DEPTH: usize = 64;

impl Shape {
    pub(crate) fn new(root: Value) -> Shape {
        Shape { root }
    }

    pub(crate) fn root(&self) -> &Value {
        &self.root
    }

    fn resolve(&self, reference: &str) -> Option<(String, &Value)> {
        let path = reference.strip_prefix('#')?;
        Some((path.to_string(), self.root.pointer(path)?))
    }

    /// The root object's declared member names (for picking a kind by shape).
    pub(crate) fn root_properties(&self) -> Vec<&str> {
        let mut out = Vec::new();
        let mut app = Vec::new();
        self.applicable(
            String::new(),
            &self.root,
            &Value::Object(Default::default()),
            "",
            &mut app,
            &mut Vec::new(),
            0,
        );
        for (_, s) in app {
            if let Some(props) = s.get("properties").and_then(Value::as_object) {
                out.extend(props.keys().map(String::as_str));
            }
        }
        out
    }

    /// Collects the schemas that apply to `inst`, outermost first.
    #[allow(clippy::too_many_arguments)]
    fn applicable<'s>(
        &'s self,
        path: String,
        s: &'s Value,
        inst: &Value,
        ip: &str,
        out: &mut Vec<(String, &'s Value)>,
        choices: &mut Choices,
        depth: usize,
    ) {
        if depth > MAX_DEPTH || !s.is_object() {
            return;
        }
        out.push((path.clone(), s));
        if let Some((p, target)) = s
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| self.resolve(r))
        {
            self.applicable(p, target, inst, ip, out, choices, depth + 1);
        }
        if let Some(all) = s.get("allOf").and_then(Value::as_array) {
            for (i, b) in all.iter().enumerate() {
                self.applicable(
                    format!("{path}/allOf/{i}"),
                    b,
                    inst,
                    ip,
                    out,
                    choices,
                    depth + 1,
                );
            }
        }
        for kw in ["anyOf", "oneOf"] {
            if let Some(branches) = s.get(kw).and_then(Value::as_array)
                && let Some((i, b)) = branches
                    .iter()
                    .enumerate()
                    .find(|(_, b)| self.quick_match(b, inst, 0))
            {
                let p = format!("{path}/{kw}/{i}");
                choices.push((ip.to_string(), p.clone()));
                self.applicable(p, b, inst, ip, out, choices, depth + 1);
            }
        }
        if let Some(cond) = s.get("if") {
            let next = if self.quick_match(cond, inst, 0) {
                "then"
            } else {
                "else"
            };
            if let Some(b) = s.get(next) {
                self.applicable(
                    format!("{path}/{next}"),
                    b,
                    inst,
                    ip,
                    out,
                    choices,
                    depth + 1,
                );
            }
        }
    }

    /// A cheap structural match on the keywords that tell branches apart: `type`, `const`,
    /// `enum`, `required` and the same on present properties.
    fn quick_match(&self, s: &Value, inst: &Value, depth: usize) -> bool {
        if depth > 16 {
            return true;
        }
        if let Some((_, target)) = s
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| self.resolve(r))
            && !self.quick_match(target, inst, depth + 1)
        {
            return false;
        }
        if let Some(t) = s.get("type") {
            let ok = |name: &str| match name {
                "null" => inst.is_null(),
                "boolean" => inst.is_boolean(),
                "integer" => inst.is_i64() || inst.is_u64(),
                "number" => inst.is_number(),
                "string" => inst.is_string(),
                "array" => inst.is_array(),
                "object" => inst.is_object(),
                _ => true,
            };
            let matched = match t {
                Value::String(name) => ok(name),
                Value::Array(names) => names.iter().filter_map(Value::as_str).any(ok),
                _ => true,
            };
            if !matched {
                return false;
            }
        }
        if let Some(c) = s.get("const")
            && c != inst
        {
            return false;
        }
        if let Some(e) = s.get("enum").and_then(Value::as_array)
            && !e.contains(inst)
        {
            return false;
        }
        if let Value::Object(m) = inst {
            if let Some(req) = s.get("required").and_then(Value::as_array)
                && !req
                    .iter()
                    .filter_map(Value::as_str)
                    .all(|k| m.contains_key(k))
            {
                return false;
            }
            if let Some(props) = s.get("properties").and_then(Value::as_object) {
                for (k, ps) in props {
                    if let Some(v) = m.get(k)
                        && !self.quick_match(ps, v, depth + 1)
                    {
                        return false;
                    }
                }
            }
        }
        if let Some(all) = s.get("allOf").and_then(Value::as_array)
            && !all.iter().all(|b| self.quick_match(b, inst, depth + 1))
        {
            return false;
        }
        for kw in ["anyOf", "oneOf"] {
            if let Some(any) = s.get(kw).and_then(Value::as_array)
                && !any.iter().any(|b| self.quick_match(b, inst, depth + 1))
            {
                return false;
            }
        }
        true
    }

    /// Walks `inst`, calling `visit` for every node; returns the branch choices made.
    pub(crate) fn walk<'v>(&'v self, inst: &'v Value, visit: &mut dyn FnMut(Event<'_>)) -> Choices {
        let mut choices = Vec::new();
        self.node(
            vec![(String::new(), &self.root)],
            inst,
            String::new(),
            None,
            visit,
            &mut choices,
            0,
        );
        choices
    }

    #[allow(clippy::too_many_arguments)]
    fn node<'s>(
        &'s self,
        schemas: Vec<(String, &'s Value)>,
        inst: &Value,
        pointer: String,
        inherited: Option<&'s str>,
        visit: &mut dyn FnMut(Event<'_>),
        choices: &mut Choices,
        depth: usize,
    ) {
        let mut app = Vec::new();
        for (p, s) in schemas {
            self.applicable(p, s, inst, &pointer, &mut app, choices, 0);
        }
        let class = app
            .iter()
            .find_map(|(_, s)| s.get("x-privacy").and_then(Value::as_str))
            .or(inherited);
        visit(Event::Value {
            pointer: &pointer,
            value: inst,
            class,
        });
        if depth > MAX_DEPTH {
            return;
        }
        match inst {
            Value::Object(members) => {
                let key_class = app
                    .iter()
                    .find_map(|(_, s)| s.get("x-privacy-keys").and_then(Value::as_str));
                let closed = app
                    .iter()
                    .any(|(_, s)| s.get("additionalProperties") == Some(&Value::Bool(false)));
                let unlisted = app
                    .iter()
                    .any(|(_, s)| s.get("x-report-unlisted") == Some(&Value::Bool(true)));
                for (k, v) in members {
                    let child_pointer = format!("{pointer}/{}", escape(k));
                    let mut child = Vec::new();
                    for (p, s) in &app {
                        if let Some(ps) = s.get("properties").and_then(|x| x.get(k)) {
                            child.push((format!("{p}/properties/{}", escape(k)), ps));
                        }
                    }
                    let named = !child.is_empty();
                    if !named {
                        for (p, s) in &app {
                            if let Some(ap) =
                                s.get("additionalProperties").filter(|x| x.is_object())
                            {
                                child.push((format!("{p}/additionalProperties"), ap));
                            }
                        }
                    }
                    let undeclared = !named && (closed || unlisted);
                    if undeclared {
                        visit(Event::Undeclared {
                            pointer: &child_pointer,
                        });
                    }
                    if !named {
                        let class = if undeclared { None } else { key_class };
                        visit(Event::Key {
                            pointer: &child_pointer,
                            key: k,
                            class,
                        });
                    }
                    let inherit = if undeclared { None } else { class };
                    self.node(child, v, child_pointer, inherit, visit, choices, depth + 1);
                }
            }
            Value::Array(items) => {
                let item_schemas: Vec<_> = app
                    .iter()
                    .filter_map(|(p, s)| {
                        s.get("items")
                            .filter(|x| x.is_object())
                            .map(|i| (format!("{p}/items"), i))
                    })
                    .collect();
                for (i, v) in items.iter().enumerate() {
                    self.node(
                        item_schemas.clone(),
                        v,
                        format!("{pointer}/{i}"),
                        class,
                        visit,
                        choices,
                        depth + 1,
                    );
                }
            }
            _ => {}
        }
    }
}
