//! The committed schemas in the shipped product directories (`products/<id>/`) are exactly
//! what the structs generate.
//!
//! Rewrite them with `PRIVAUDIT_BLESS=1 cargo test -p privaudit-reports --test reports schemas`.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn schemas_dir(product: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../products")
        .join(product)
}

fn rendered(kind: &privaudit_reports::ReportKind) -> String {
    let mut text = serde_json::to_string_pretty(&kind.schema()).unwrap();
    text.push('\n');
    text
}

#[test]
fn committed_schemas_match_the_structs() {
    let bless = std::env::var_os("PRIVAUDIT_BLESS").is_some();
    let mut stale = Vec::new();
    for kind in privaudit_reports::all_kinds() {
        let path = schemas_dir(kind.product).join(kind.schema_file_name());
        let want = rendered(kind);
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        if have != want {
            if bless {
                std::fs::write(&path, &want).unwrap();
            } else {
                stale.push(path.display().to_string());
            }
        }
    }
    // No stray files: every schema in a modelled product's directory belongs to a kind.
    let known: Vec<String> = privaudit_reports::all_kinds()
        .map(|k| k.schema_file_name())
        .collect();
    for product in privaudit_reports::catalog() {
        for entry in std::fs::read_dir(schemas_dir(product.id)).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            assert!(
                name == "policy.toml" || known.contains(&name),
                "products/{}/{name} belongs to no report kind",
                product.id
            );
        }
    }
    assert!(
        stale.is_empty(),
        "stale schemas (regenerate with PRIVAUDIT_BLESS=1 cargo test -p privaudit-reports --test reports schemas): {stale:?}"
    );
}

#[test]
fn schemas_are_2020_12_with_id_title_and_compile() {
    for kind in privaudit_reports::all_kinds() {
        let schema = kind.schema();
        let value = schema.as_value();
        assert_eq!(
            value["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{kind:?}"
        );
        assert_eq!(value["$id"], kind.schema_id().as_str());
        assert_eq!(value["title"], kind.title);
        jsonschema::validator_for(value)
            .unwrap_or_else(|e| panic!("{kind:?} does not compile: {e}"));
    }
}

/// Walks a schema and lists every field as `pointer pattern -> class`, following `$ref`,
/// combinators and open maps (`*` for any key or index).
fn classes(root: &Value) -> BTreeMap<String, String> {
    fn walk(
        root: &Value,
        node: &Value,
        pointer: String,
        class: Option<String>,
        depth: usize,
        out: &mut BTreeMap<String, String>,
    ) {
        if depth > 40 {
            return;
        }
        let class = node["x-privacy"].as_str().map(str::to_owned).or(class);
        if let Some(r) = node["$ref"].as_str() {
            // A recursive type (any JSON value) is listed once, not unrolled.
            if pointer.matches("/*").count() > 3 && r.ends_with("AnyValue") {
                return;
            }
            let target = root
                .pointer(r.trim_start_matches('#'))
                .expect("dangling $ref");
            walk(root, target, pointer.clone(), class.clone(), depth + 1, out);
        }
        for key in ["anyOf", "oneOf", "allOf"] {
            for sub in node[key].as_array().into_iter().flatten() {
                walk(root, sub, pointer.clone(), class.clone(), depth + 1, out);
            }
        }
        for key in ["then", "else"] {
            if node.get(key).is_some() {
                walk(
                    root,
                    &node[key],
                    pointer.clone(),
                    class.clone(),
                    depth + 1,
                    out,
                );
            }
        }
        let mut leaf = true;
        if let Some(props) = node["properties"].as_object() {
            leaf = false;
            for (name, sub) in props {
                let child = format!("{pointer}/{}", name.replace('~', "~0").replace('/', "~1"));
                walk(root, sub, child, class.clone(), depth + 1, out);
            }
        }
        if node["additionalProperties"].is_object() {
            leaf = false;
            walk(
                root,
                &node["additionalProperties"],
                format!("{pointer}/*"),
                class.clone(),
                depth + 1,
                out,
            );
        }
        if node["items"].is_object() {
            leaf = false;
            walk(
                root,
                &node["items"],
                format!("{pointer}/*"),
                class.clone(),
                depth + 1,
                out,
            );
        }
        let typed =
            node.get("type").is_some() || node.get("const").is_some() || node.get("enum").is_some();
        if leaf && typed && !pointer.is_empty() {
            let entry = out.entry(pointer).or_default();
            let class = class.unwrap_or_else(|| "MISSING".into());
            if !entry.split(" | ").any(|c| c == class) {
                if !entry.is_empty() {
                    entry.push_str(" | ");
                }
                entry.push_str(&class);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, String::new(), None, 0, &mut out);
    out
}

#[test]
fn every_field_has_a_privacy_class() {
    for kind in privaudit_reports::all_kinds() {
        let schema = kind.schema();
        let table = classes(schema.as_value());
        assert!(!table.is_empty(), "{kind:?}");
        for (pointer, class) in &table {
            assert!(
                !class.contains("MISSING"),
                "{kind:?} {pointer} has no x-privacy class"
            );
            for c in class.split(" | ") {
                assert!(
                    privaudit_reports::Privacy::parse(c).is_some(),
                    "{kind:?} {pointer}: unknown class {c}"
                );
            }
        }
        insta::assert_yaml_snapshot!(format!("classes-{}-{}", kind.product, kind.kind), table);
    }
}

#[test]
fn every_declared_property_has_a_description() {
    fn check(node: &Value, at: &str, kind: &str) {
        if let Some(props) = node["properties"].as_object() {
            for (name, sub) in props {
                let tag_or_const = sub.get("const").is_some();
                assert!(
                    sub.get("description").is_some() || tag_or_const,
                    "{kind}: property {at}/{name} has no description"
                );
                check(sub, &format!("{at}/{name}"), kind);
            }
        }
        for (_, sub) in node["$defs"].as_object().into_iter().flatten() {
            check(sub, at, kind);
        }
    }
    for kind in privaudit_reports::all_kinds() {
        let schema = kind.schema();
        check(schema.as_value(), "", &format!("{kind:?}"));
    }
}
