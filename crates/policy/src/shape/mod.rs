//! Walks a report alongside its schema: for every node, the schemas that apply to it (through
//! `$ref`, `allOf`, the matching `anyOf`/`oneOf` branch and `if`/`then`/`else`), its privacy
//! class, and whether the schema declares it.
//!
//! The schema is compiled once into an arena of nodes. A node whose applicable set does not
//! depend on the instance (no `anyOf`, `oneOf` or `if` in its `$ref`/`allOf` closure) carries
//! that set merged in advance, so the walk over an ordinary report does no schema lookups and
//! no allocation beyond the pointer buffer. Child sets that depend only on the value's JSON
//! type are resolved once per type; tagged unions in a valid body follow their tag; other
//! instance-dependent sets are merged once into a shared, read-mostly cache.
//!
//! [`compile`] builds the node arena, [`analyse`] works out what can be decided before an
//! instance is seen, [`walk`] visits one instance, and [`fields`] lists what the schema
//! declares, for documentation.

mod analyse;
mod compile;
mod fields;
mod walk;

use crate::tree::{self, Tree};
use analyse::*;
use compile::*;
pub use fields::Field;
use foldhash::HashMap;
use privaudit_reports::Privacy;
use serde_json::Value;
use walk::Walker;

/// What the walk reports.
pub(crate) enum Event<'v> {
    /// A value, with the privacy class that applies to it and the notes beside that class.
    Value {
        pointer: &'v str,
        value: &'v Tree<'v>,
        class: Option<Privacy>,
        notes: Option<&'v Notes>,
    },
    /// An object key that is data rather than a schema-declared name (a map key or an
    /// undeclared member), with the class the schema gives map keys.
    Key {
        pointer: &'v str,
        key: &'v str,
        class: Option<Privacy>,
    },
    /// A member the schema does not declare. `unchecked` when no schema can reach its value:
    /// every schema applying on the way to it is fixed (no branches or conditions), the
    /// object is closed and has no schema for other members.
    Undeclared {
        pointer: &'v str,
        value: &'v Tree<'v>,
        unchecked: bool,
        /// The class the enclosing object gives its keys (`x-privacy-keys`), if any: an
        /// unlisted entry of a map keyed by product-chosen names is still such a name.
        key_class: Option<Privacy>,
    },
    /// The walk steps into a member or item: its (escaped) pointer segment. Every event
    /// until the matching [`Event::Leave`] is at or below it.
    Enter { segment: &'v str },
    /// The walk steps back out.
    Leave,
}

/// What a schema says of a value beside its privacy class (the `x-` annotations next to
/// `x-privacy`), for analyses that look at values across reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Notes {
    /// `x-hash-of`: what the value is documented to be a hash of.
    pub hash_of: Option<String>,
    /// `x-raw-id-of`: the identifier sent raw where the documentation implies a hash.
    pub raw_id_of: Option<String>,
    /// `x-hash-inputs`: how the product derives the hashed input from what it hashes, each
    /// a named derivation (`url-lowercase-trimmed`, `url-as-configured`, `bare-host`).
    pub hash_inputs: Vec<String>,
    /// `x-run-told-by`: for a per-run random id, the pointers of the members that tell one
    /// run from another (the same id in two runs links them).
    pub run_told_by: Vec<String>,
}

impl Notes {
    fn read(obj: &serde_json::Map<String, Value>) -> Option<Box<Notes>> {
        let text = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_string);
        let list = |k: &str| -> Vec<String> {
            obj.get(k)
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(Into::into).collect())
                .unwrap_or_default()
        };
        let notes = Notes {
            hash_of: text("x-hash-of"),
            raw_id_of: text("x-raw-id-of"),
            hash_inputs: list("x-hash-inputs"),
            run_told_by: list("x-run-told-by"),
        };
        (notes != Notes::default()).then(|| Box::new(notes))
    }
}

/// Which branch of an `anyOf`/`oneOf` was taken at an instance pointer.
pub(crate) type Choices = Vec<(String, String)>;

// Deeper than the parser allows (128), so every parsed value is visited.
const MAX_DEPTH: usize = 130;

/// A compiled view of one report kind's schema.
pub(crate) struct Shape {
    root: Value,
    /// The schema uses only keywords the walk models (see [`MODELLED`]).
    modelled: bool,
    nodes: Vec<Node>,
    cache: MergeCache,
    /// What applies where no schema does (inside undeclared members).
    nothing: Merged,
    /// The root schema, as the children of nothing.
    root_children: Children,
}

impl Shape {
    /// Compiles a schema; refused when it names a privacy class that does not exist.
    pub(crate) fn new(root: Value) -> Result<Shape, String> {
        let mut c = Compiler {
            root: &root,
            nodes: Vec::new(),
            by_path: HashMap::default(),
            unknown_class: None,
            unclassed_notes: None,
        };
        c.node(String::new(), &root);
        if let Some(at) = c.unclassed_notes {
            return Err(format!(
                "`{at}` has x-hash-of, x-raw-id-of, x-hash-inputs or x-run-told-by without an x-privacy class beside them"
            ));
        }
        if let Some((at, name)) = c.unknown_class {
            return Err(format!(
                "`{at}` names the privacy class `{name}`, which is none of: {}",
                Privacy::ALL.map(Privacy::as_str).join(", ")
            ));
        }
        let mut nodes = c.nodes;
        for id in 0..nodes.len() {
            nodes[id].tag = tag_test(&nodes, id);
        }
        for id in 0..nodes.len() {
            nodes[id].by_type = decided_by_type(&nodes, id, 0);
            nodes[id].branch_tags = (0..nodes[id].branches.len())
                .map(|g| union_tag(&nodes, id, &nodes[id].branches[g].1))
                .collect();
        }
        for id in 0..nodes.len() {
            let mut set = Vec::new();
            if static_closure(&nodes, id, &mut set, 0) {
                let merged = merge(&nodes, &set);
                nodes[id].merged = Some(merged);
            }
        }
        for id in 0..nodes.len() {
            nodes[id].resolved = std::array::from_fn(|t| resolved_by_type(&nodes, id, t, 0));
        }
        Ok(Shape {
            modelled: modelled(&root, &root, 0),
            root,
            nodes,
            cache: (0..CACHE_SLOTS).map(|_| Default::default()).collect(),
            nothing: Merged::default(),
            root_children: Children::new(vec![0]),
        })
    }

    pub(crate) fn root(&self) -> &Value {
        &self.root
    }

    /// The root object's declared member names (for picking a kind by shape).
    pub(crate) fn root_properties(&self) -> Vec<&str> {
        let mut app = Vec::new();
        let empty = Tree::Object(&[]);
        self.applicable(0, &empty, false, "", &mut app, &mut None, 0);
        app.iter()
            .flat_map(|&id| self.nodes[id].properties.iter().map(|(k, _)| k.as_str()))
            .collect()
    }

    /// Collects the schema nodes that apply to `inst`, outermost first.
    #[allow(clippy::too_many_arguments)]
    fn applicable(
        &self,
        id: Id,
        inst: &Tree,
        valid: bool,
        ip: &str,
        out: &mut Vec<Id>,
        choices: &mut Option<&mut Choices>,
        depth: usize,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        out.push(id);
        let n = &self.nodes[id];
        // Tag tests of one property in a row look the property up once.
        let mut looked_up: Option<(&str, Option<&Tree>)> = None;
        for &a in &n.always {
            if let (Some((prop, want)), Tree::Object(m)) = (&self.nodes[a].tag, inst)
                && depth < MAX_DEPTH
            {
                let have = match looked_up {
                    Some((p, v)) if p == prop => v,
                    _ => {
                        let v = tree::get(m, prop);
                        looked_up = Some((prop, v));
                        v
                    }
                };
                out.push(a);
                if have.is_some_and(|h| h.same(want))
                    && let Some((_, Some(then), _)) = self.nodes[a].cond
                {
                    self.applicable(then, inst, valid, ip, out, choices, depth + 2);
                }
                continue;
            }
            self.applicable(a, inst, valid, ip, out, choices, depth + 1);
        }
        for ((_, bs), tag) in n.branches.iter().zip(&n.branch_tags) {
            let chosen = match (tag, inst) {
                (Some((prop, lists)), Tree::Object(m)) if valid => tree::get(m, prop)
                    .and_then(|v| lists.iter().position(|l| l.iter().any(|x| v.same(x))))
                    .map(|i| bs[i]),
                _ => bs.iter().copied().find(|&b| self.fits(b, inst, 0)),
            };
            if let Some(b) = chosen {
                if let Some(choices) = choices {
                    choices.push((ip.to_string(), self.nodes[b].path.clone()));
                }
                self.applicable(b, inst, valid, ip, out, choices, depth + 1);
            }
        }
        if let Some((c, then, els)) = n.cond {
            let next = if self.fits(c, inst, 0) { then } else { els };
            if let Some(b) = next {
                self.applicable(b, inst, valid, ip, out, choices, depth + 1);
            }
        }
    }

    /// A cheap structural match on the keywords that tell branches apart: `type`, `const`,
    /// `enum`, `required` and the same on present properties.
    fn fits(&self, id: Id, inst: &Tree, depth: usize) -> bool {
        if depth > 16 {
            return true;
        }
        let n = &self.nodes[id];
        if !n.admits_type(inst) {
            return false;
        }
        if n.konst.as_ref().is_some_and(|c| !inst.same(c)) {
            return false;
        }
        if n.enumeration
            .as_ref()
            .is_some_and(|e| !e.iter().any(|x| inst.same(x)))
        {
            return false;
        }
        if let Tree::Object(m) = inst {
            if !n.required.iter().all(|k| tree::get(m, k).is_some()) {
                return false;
            }
            for (k, ps) in &n.properties {
                if let Some(v) = tree::get(m, k)
                    && !self.fits(*ps, v, depth + 1)
                {
                    return false;
                }
            }
        }
        n.always.iter().all(|&a| self.fits(a, inst, depth + 1))
            && n.branches
                .iter()
                .all(|(_, bs)| bs.iter().any(|&b| self.fits(b, inst, depth + 1)))
    }

    /// Walks `inst`, calling `visit` for every node. `valid` says the instance passed
    /// validation against the schema, which lets tagged unions be resolved by their tag.
    /// Branch choices are recorded only when asked for (to explain schema errors), since
    /// most reports have none to explain.
    pub(crate) fn walk(
        &self,
        inst: &Tree,
        valid: bool,
        record_choices: bool,
        visit: &mut dyn FnMut(Event<'_>),
    ) -> Choices {
        let mut choices = Vec::new();
        let mut walker = Walker {
            shape: self,
            // Room for ordinary pointers and applicable sets, so neither grows step by step.
            pointer: String::with_capacity(256),
            visit,
            valid,
            choices: record_choices.then_some(&mut choices),
            scratch: Vec::with_capacity(64),
        };
        walker.node(&self.root_children, inst, None, 0, self.modelled);
        choices
    }
}

impl Shape {
    /// The merge of an applicable set, from the cache when it was met before; merged into
    /// `fresh` when the cache has no room for it.
    fn merged<'s>(&'s self, app: &[Id], fresh: &'s mut Option<Merged>) -> &'s Merged {
        use std::hash::BuildHasher;
        let hash = foldhash::fast::FixedState::default().hash_one(app) as usize;
        for probe in 0..CACHE_PROBES {
            let slot = &self.cache[hash.wrapping_add(probe) % CACHE_SLOTS];
            if let Some((set, m)) = slot.get() {
                if set == app {
                    return m;
                }
                continue;
            }
            // Another thread may claim the slot first, for this set or another.
            let (set, m) = slot.get_or_init(|| (app.to_vec(), merge(&self.nodes, app)));
            if set == app {
                return m;
            }
        }
        fresh.insert(merge(&self.nodes, app))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::push_index;
    use std::path::Path;

    /// Every event of a walk, as text. `general`: with branch choices recorded, which turns
    /// off the shortcuts that resolve branches in advance or skip them (a wrapper whose
    /// branches the value's type tells apart is still resolved by type, on both paths).
    fn events(shape: &Shape, v: &Value, valid: bool, general: bool) -> Vec<String> {
        let mut out = Vec::new();
        let arena = bumpalo::Bump::new();
        shape.walk(&Tree::from_value(v, &arena), valid, general, &mut |e| {
            out.push(match e {
                Event::Value { pointer, class, .. } => {
                    format!("value {pointer} {:?}", class.map(Privacy::as_str))
                }
                Event::Key { pointer, class, .. } => {
                    format!("key {pointer} {:?}", class.map(Privacy::as_str))
                }
                Event::Undeclared {
                    pointer, unchecked, ..
                } => format!("undeclared {pointer} {unchecked}"),
                Event::Enter { segment } => format!("enter {segment}"),
                Event::Leave => "leave".to_string(),
            })
        });
        out
    }

    #[test]
    fn indices_are_written_in_decimal() {
        for i in [0, 7, 10, 99, 4096, usize::MAX] {
            let mut s = String::from("/a/");
            push_index(&mut s, i);
            assert_eq!(s, format!("/a/{i}"));
        }
    }

    /// The body with the value at the `n`-th node (in walk order) replaced; `None` past the end.
    fn replaced(v: &Value, n: &mut usize, with: &Value) -> Option<Value> {
        if *n == 0 {
            return Some(with.clone());
        }
        *n -= 1;
        let mut v = v.clone();
        match &mut v {
            Value::Object(m) => {
                for child in m.values_mut() {
                    if let Some(r) = replaced(child, n, with) {
                        *child = r;
                        return Some(v);
                    }
                }
                None
            }
            Value::Array(a) => {
                for child in a.iter_mut() {
                    if let Some(r) = replaced(child, n, with) {
                        *child = r;
                        return Some(v);
                    }
                }
                None
            }
            _ => None,
        }
    }

    /// The product's fixtures (clean and leaking) that parse, with their paths.
    fn fixture_bodies(product: &str) -> Vec<(std::path::PathBuf, Value)> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures")
            .join(product);
        [dir.clone(), dir.join("leaks")]
            .into_iter()
            .filter_map(|d| std::fs::read_dir(d).ok())
            .flatten()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .filter_map(|p| {
                let body = serde_json::from_slice(&std::fs::read(&p).ok()?).ok()?;
                Some((p, body))
            })
            .collect()
    }

    /// The body with `member` added to the `n`-th object (in walk order); `None` past the end.
    fn inserted(v: &Value, n: &mut usize, member: &Value) -> Option<Value> {
        let mut v = v.clone();
        if let Value::Object(m) = &mut v {
            if *n == 0 {
                m.insert("zz-undeclared".into(), member.clone());
                return Some(v);
            }
            *n -= 1;
        }
        let children: Vec<&mut Value> = match &mut v {
            Value::Object(m) => m.values_mut().collect(),
            Value::Array(a) => a.iter_mut().collect(),
            _ => return None,
        };
        for child in children {
            if let Some(r) = inserted(child, n, member) {
                *child = r;
                return Some(v);
            }
        }
        None
    }

    #[test]
    fn only_modelled_schemas_leave_members_out() {
        let ok = serde_json::json!({
            "$id": "urn:x", "type": "object", "additionalProperties": false,
            "properties": {"a": {"$ref": "#/$defs/A"}, "b": {"enum": ["x", 1, null]}},
            "$defs": {"A": {"anyOf": [{"type": "string", "maxLength": 3}, {"const": 2}]}}
        });
        assert!(modelled(&ok, &ok, 0));
        for (k, v) in [
            ("uniqueItems", serde_json::json!(true)),
            ("patternProperties", serde_json::json!({"^x": {}})),
            ("not", serde_json::json!({})),
            ("const", serde_json::json!({"a": 1})),
            ("enum", serde_json::json!([[1]])),
            ("$ref", serde_json::json!("urn:x#/$defs/A")),
            ("$ref", serde_json::json!("#/$defs/Missing")),
            ("$ref", serde_json::json!("#/%24defs/A")),
        ] {
            let mut bad = ok.clone();
            bad["properties"]["c"] = serde_json::json!({ k: v });
            assert!(!modelled(&bad, &bad, 0), "{k}: {v}");
        }
        let mut nested_id = ok.clone();
        nested_id["$defs"]["A"]["$id"] = serde_json::json!("urn:y");
        assert!(!modelled(&nested_id, &nested_id, 0));
    }

    /// Undeclared members the walk calls unchecked can be left out of the body the
    /// validator explains: the errors (pointers, schema paths, masked messages) stay the
    /// same, on every fixture with an undeclared member added to any one of its objects.
    #[test]
    fn unchecked_members_do_not_change_schema_errors() {
        let member = serde_json::json!({"deep": [[["x", {"y": 1, "z": [null]}]]], "n": 7});
        let (mut bodies, mut pruned) = (0, 0);
        for kind in privaudit_reports::all_kinds() {
            let shape = Shape::new(kind.schema().to_value()).unwrap();
            assert!(
                shape.modelled,
                "{kind:?} uses a keyword the walk does not model"
            );
            let validator =
                crate::engine::validator::<jsonschema::json::SerdeJson>(&kind.schema().to_value())
                    .unwrap();
            let errors = |v: &Value| {
                validator
                    .iter_errors(v)
                    .map(|e| format!("{} {} {}", e.instance_path(), e.schema_path(), e.masked()))
                    .collect::<Vec<_>>()
            };
            for (file, body) in fixture_bodies(kind.product) {
                for i in 0.. {
                    let Some(v) = inserted(&body, &mut { i }, &member) else {
                        break;
                    };
                    let arena = bumpalo::Bump::new();
                    let t = Tree::from_value(&v, &arena);
                    let mut unchecked = Vec::new();
                    shape.walk(&t, false, true, &mut |e| {
                        if let Event::Undeclared {
                            value,
                            unchecked: true,
                            ..
                        } = e
                        {
                            unchecked.push(std::ptr::from_ref(value) as usize);
                        }
                    });
                    unchecked.sort_unstable();
                    pruned += usize::from(!unchecked.is_empty());
                    assert_eq!(
                        errors(&t.to_value_without(&unchecked)),
                        errors(&v),
                        "{} object {i}",
                        file.display()
                    );
                    bodies += 1;
                }
            }
        }
        assert!(bodies > 500, "only {bodies} bodies");
        assert!(pruned > 100, "only {pruned} bodies had unchecked members");
    }

    /// The shortcuts (per-type resolution of child sets and wrappers, tag tests, unions chosen
    /// by their tag in valid bodies, a scalar's class from its outermost schema) change how
    /// fast the
    /// applicable schemas are found, never which: a walk with them gives the same events as
    /// the general path, on every fixture and on each with any one node given another type
    /// or another tag. On the same bodies, validating the parsed tree gives the verdict and
    /// the errors that validating a `serde_json::Value` does.
    #[test]
    fn shortcuts_agree_with_the_general_path() {
        let (mut bodies, mut valid_bodies, mut tagged_unions) = (0, 0, 0);
        for kind in privaudit_reports::all_kinds() {
            let fast = Shape::new(kind.schema().to_value()).unwrap();
            let mut general = Shape::new(kind.schema().to_value()).unwrap();
            for n in &mut general.nodes {
                n.tag = None;
                n.by_type = false;
                n.resolved = [None; 7];
                n.branch_tags.iter_mut().for_each(|t| *t = None);
            }
            let validator =
                crate::engine::validator::<jsonschema::json::SerdeJson>(&kind.schema().to_value())
                    .unwrap();
            let on_tree =
                crate::engine::validator::<tree::Borrowed>(&kind.schema().to_value()).unwrap();
            assert!(fast.nodes.iter().any(|n| n.by_type), "{kind:?}");
            tagged_unions += fast
                .nodes
                .iter()
                .filter(|n| n.branch_tags.iter().any(Option::is_some))
                .count();
            for (file, body) in fixture_bodies(kind.product) {
                let others = [
                    Value::Null,
                    Value::from(7),
                    Value::from(0.5),
                    Value::from("server"),
                    Value::from("identify"),
                    Value::Array(vec![Value::from("x")]),
                    serde_json::json!({"event": "activity", "type": "track"}),
                ];
                let mut variants = vec![body.clone()];
                for i in (0..).step_by(3) {
                    let Some(v) = replaced(&body, &mut { i }, &others[i % others.len()]) else {
                        break;
                    };
                    variants.push(v);
                }
                for v in &variants {
                    let valid = validator.is_valid(v);
                    valid_bodies += usize::from(valid);
                    // The parsed tree validates as the value does, error for error.
                    let arena = bumpalo::Bump::new();
                    let t = Tree::from_value(v, &arena);
                    assert_eq!(on_tree.is_valid(&t), valid, "{}", file.display());
                    let errors = |it: jsonschema::ErrorIterator<'_>| {
                        it.map(|e| format!("{} {} {}", e.instance_path(), e.schema_path(), e))
                            .collect::<Vec<_>>()
                    };
                    assert_eq!(
                        errors(on_tree.iter_errors(&t)),
                        errors(validator.iter_errors(v)),
                        "{}",
                        file.display()
                    );
                    assert_eq!(
                        events(&fast, v, valid, false),
                        events(&general, v, false, true),
                        "{}",
                        file.display()
                    );
                }
                bodies += variants.len();
            }
        }
        assert!(bodies > 1000, "only {bodies} bodies walked");
        assert!(
            valid_bodies > 100,
            "only {valid_bodies} valid bodies walked"
        );
        assert!(tagged_unions > 0, "no tagged union recognised");
    }
}
