//! The fields tables in `docs/products/<product>.md` are generated from the schemas; a test
//! fails when they drift. Rewrite them with `PRIVAUDIT_BLESS=1 cargo test -p privaudit-reports --test docs`.

use serde_json::Value;

const BEGIN: &str = "<!-- fields:begin -->";
const END: &str = "<!-- fields:end -->";

struct Walker<'a> {
    root: &'a Value,
    rows: Vec<[String; 4]>,
}

impl Walker<'_> {
    fn resolve<'v>(&'v self, s: &'v Value) -> &'v Value {
        match s
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
        {
            Some(p) => self.root.pointer(p).map_or(s, |t| self.resolve(t)),
            None => s,
        }
    }

    fn type_of(&self, s: &Value) -> String {
        let s2 = self.resolve(s);
        if let Some(branches) = s2
            .get("anyOf")
            .or_else(|| s2.get("oneOf"))
            .and_then(Value::as_array)
        {
            let names: Vec<String> = branches.iter().map(|b| self.type_of(b)).collect();
            return names.join(" or ");
        }
        if let Some(e) = s2.get("enum").and_then(Value::as_array) {
            return format!(
                "one of {}",
                e.iter()
                    .map(|v| format!("`{v}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        if let Some(c) = s2.get("const") {
            return format!("`{c}`");
        }
        match s2.get("type") {
            Some(Value::String(t)) => t.clone(),
            Some(Value::Array(ts)) => ts
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" or "),
            _ => "any".into(),
        }
    }

    fn field(&mut self, pointer: &str, s: &Value, inherited: &str, depth: usize) {
        if depth > 12 {
            return;
        }
        let class = s
            .get("x-privacy")
            .and_then(Value::as_str)
            .or_else(|| self.resolve(s).get("x-privacy").and_then(Value::as_str))
            .unwrap_or(inherited)
            .to_string();
        let description = s
            .get("description")
            .or_else(|| self.resolve(s).get("description"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .replace('\n', " ")
            .replace('|', "\\|");
        if !pointer.is_empty() {
            self.rows.push([
                format!("`{pointer}`"),
                self.type_of(s).replace('|', "\\|"),
                class.clone(),
                description,
            ]);
        }
        let target = self.resolve(s).clone();
        let mut parts = vec![target.clone()];
        for kw in ["anyOf", "oneOf", "allOf"] {
            for b in target
                .get(kw)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                parts.push(self.resolve(b).clone());
                if let Some(then) = b.get("then") {
                    let event = b
                        .pointer("/if/properties/event/const")
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    if let Some(props) = then.pointer("/properties/properties") {
                        self.field(
                            &format!("{pointer}/properties (event `{event}`)"),
                            props,
                            &class,
                            depth + 1,
                        );
                    }
                }
            }
        }
        for part in parts {
            if let Some(props) = part.get("properties").and_then(Value::as_object) {
                for (k, v) in props {
                    self.field(&format!("{pointer}/{k}"), v, &class, depth + 1);
                }
            }
            if let Some(ap) = part.get("additionalProperties").filter(|a| a.is_object()) {
                let keys = part
                    .get("x-privacy-keys")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let label = if keys.is_empty() {
                    "*".to_string()
                } else {
                    format!("*{{{keys}}}")
                };
                self.field(&format!("{pointer}/{label}"), ap, &class, depth + 1);
            }
            if let Some(items) = part.get("items").filter(|a| a.is_object()) {
                self.field(&format!("{pointer}/*"), items, &class, depth + 1);
            }
        }
    }
}

fn table(product: &privaudit_reports::Product) -> String {
    let mut out = String::from("\n");
    for kind in product.kinds {
        let schema = kind.schema().to_value();
        let mut w = Walker {
            root: &schema,
            rows: Vec::new(),
        };
        w.field("", &schema, "", 0);
        w.rows.dedup();
        out.push_str(&format!(
            "### `{}`: {}\n\n| field | type | class | description |\n| --- | --- | --- | --- |\n",
            kind.kind, kind.title
        ));
        for [p, t, c, d] in &w.rows {
            out.push_str(&format!("| {p} | {t} | {c} | {d} |\n"));
        }
        out.push('\n');
    }
    out.push_str("Generated from the report models (`x-privacy` classes; `*{class}` marks map keys and their class).\n\n");
    out
}

#[test]
fn fields_tables_match_the_models() {
    let bless = std::env::var_os("PRIVAUDIT_BLESS").is_some();
    let mut stale = Vec::new();
    for product in privaudit_reports::catalog() {
        let path = format!(
            "{}/../../docs/products/{}.md",
            env!("CARGO_MANIFEST_DIR"),
            product.id
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let (start, end) = (
            text.find(BEGIN).expect("begin marker"),
            text.find(END).expect("end marker"),
        );
        let want = format!(
            "{}{BEGIN}{}{}",
            &text[..start],
            table(product),
            &text[end..]
        );
        if want != text {
            if bless {
                std::fs::write(&path, want).unwrap();
            } else {
                stale.push(path);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale fields tables (regenerate with PRIVAUDIT_BLESS=1 cargo test -p privaudit-reports --test docs): {stale:?}"
    );
}
