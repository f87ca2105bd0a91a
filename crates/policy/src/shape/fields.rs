//! The declared fields of a schema, for documentation: every member, item and map entry the
//! schema describes, with its type, class and description, read from the compiled nodes with
//! the rules the walk applies (`$ref`, `allOf`, every `anyOf`/`oneOf` branch, and the `then`
//! and `else` of a condition, labelled with the tag they depend on).

use super::Shape;
use super::compile::{Id, Node};
use privaudit_reports::Privacy;
use serde_json::Value;

/// One documented field.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Field {
    /// The field's pointer pattern: `*` for any item or map entry (`*{class}` when the map's
    /// keys have a class), and `(event `x`)` after a member its condition refines.
    pub pointer: String,
    /// The JSON types or values it admits, as text (`string or null`, `one of `a`, `b``).
    pub types: String,
    /// Its privacy class, its member's when it has none of its own.
    pub class: Option<Privacy>,
    /// The schema's description, on one line.
    pub description: String,
}

// Deeper than any report model; a recursive schema is listed once, not unrolled.
const MAX_DEPTH: usize = 24;

impl Shape {
    /// Every field the schema declares, depth first in declaration order.
    pub(crate) fn fields(&self) -> Vec<Field> {
        let mut lister = Lister {
            shape: self,
            open: Vec::new(),
            out: Vec::new(),
        };
        self.closure(0, &mut lister.open);
        // The root's class is its members' when they have none (a struct-level class).
        let class = lister.open.iter().find_map(|&n| self.nodes[n].class);
        lister.list(0, "", class, 0);
        lister.out.dedup();
        lister.out
    }

    /// `id` and the nodes that always apply with it (`$ref`, `allOf`), once each.
    fn closure(&self, id: Id, out: &mut Vec<Id>) {
        if out.contains(&id) || out.len() > 256 {
            return;
        }
        out.push(id);
        for &a in &self.nodes[id].always {
            self.closure(a, out);
        }
    }

    /// The schemas that may describe members of a value of `id`, each with the label its
    /// members get (empty, or the condition that brings them in).
    fn parts(&self, id: Id, label: &str, out: &mut Vec<(Id, String)>, depth: usize) {
        let mut closure = Vec::new();
        self.closure(id, &mut closure);
        for &n in &closure {
            if depth > 8 || out.iter().any(|(o, l)| *o == n && l == label) {
                continue;
            }
            out.push((n, label.to_string()));
            let node = &self.nodes[n];
            for (_, branch) in &node.branches {
                for &b in branch {
                    self.parts(b, label, out, depth + 1);
                }
            }
            if let Some((_, then, otherwise)) = node.cond {
                let when = match &node.tag {
                    Some((p, v)) => format!("{label} ({p} `{}`)", text(v)),
                    None => format!("{label} (when its condition holds)"),
                };
                if let Some(t) = then {
                    self.parts(t, &when, out, depth + 1);
                }
                if let Some(e) = otherwise {
                    self.parts(e, &format!("{label} (otherwise)"), out, depth + 1);
                }
            }
        }
    }

    /// What a node admits, as text.
    fn type_of(&self, id: Id, depth: usize) -> String {
        let n = &self.nodes[id];
        if depth > 8 {
            return "any".into();
        }
        if let Some((_, branches)) = n.branches.first() {
            let mut names: Vec<String> = Vec::new();
            for &b in branches {
                let t = self.type_of(b, depth + 1);
                if !names.contains(&t) {
                    names.push(t);
                }
            }
            return names.join(" or ");
        }
        if let Some(values) = &n.enumeration {
            let values: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
            return format!("one of {}", values.join(", "));
        }
        if let Some(v) = &n.konst {
            return format!("`{v}`");
        }
        if let Some(types) = &n.types {
            return types.join(" or ");
        }
        match n.always.first() {
            Some(&target) => self.type_of(target, depth + 1),
            None => "any".into(),
        }
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The state of one listing: the schemas open on the way down, and the fields so far.
struct Lister<'s> {
    shape: &'s Shape,
    open: Vec<Id>,
    out: Vec<Field>,
}

impl Lister<'_> {
    fn list(&mut self, id: Id, pointer: &str, class: Option<Privacy>, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let shape = self.shape;
        let mut parts = Vec::new();
        shape.parts(id, "", &mut parts, 0);
        for (n, label) in parts {
            let node = &shape.nodes[n];
            for (name, child) in &node.properties {
                self.child(*child, &format!("{pointer}{label}/{name}"), class, depth);
            }
            if let Some(child) = node.additional {
                let keys = node
                    .key_class
                    .map_or(String::new(), |k| format!("{{{}}}", k.as_str()));
                self.child(child, &format!("{pointer}{label}/*{keys}"), class, depth);
            }
            if let Some(child) = node.items {
                self.child(child, &format!("{pointer}{label}/*"), class, depth);
            }
        }
    }

    fn child(&mut self, id: Id, pointer: &str, inherited: Option<Privacy>, depth: usize) {
        let shape = self.shape;
        let mut closure = Vec::new();
        shape.closure(id, &mut closure);
        let first = |f: &dyn Fn(&Node) -> Option<&str>| -> Option<String> {
            closure
                .iter()
                .find_map(|&n| f(&shape.nodes[n]))
                .map(str::to_string)
        };
        let class = closure
            .iter()
            .find_map(|&n| shape.nodes[n].class)
            .or(inherited);
        let description = first(&|n| n.description.as_deref()).unwrap_or_default();
        self.out.push(Field {
            pointer: pointer.to_string(),
            types: shape.type_of(id, 0),
            class,
            description: description.split_whitespace().collect::<Vec<_>>().join(" "),
        });
        // A schema met again below itself (an any-value) is listed once.
        if closure.iter().any(|n| self.open.contains(n)) {
            return;
        }
        let at = self.open.len();
        self.open.extend_from_slice(&closure);
        self.list(id, pointer, class, depth + 1);
        self.open.truncate(at);
    }
}
