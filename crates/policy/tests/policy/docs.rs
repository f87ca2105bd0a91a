//! The fields tables in `docs/products/<product>.md` are generated from the schemas, read by
//! the schema walk the audit uses; a test fails when they drift. Rewrite them with
//! `PRIVAUDIT_BLESS=1 cargo test -p privaudit-policy --test policy docs`.

const BEGIN: &str = "<!-- fields:begin -->";
const END: &str = "<!-- fields:end -->";

fn table(product: &privaudit_policy::Product) -> String {
    let cell = |s: &str| s.replace('|', "\\|");
    let mut out = String::from("\n");
    for &kind in &product.kinds {
        let shape = privaudit_policy::KindShape::new(kind).expect("shipped schemas compile");
        out.push_str(&format!(
            "### `{}`: {}\n\n| field | type | class | description |\n| --- | --- | --- | --- |\n",
            kind.kind, kind.title
        ));
        for f in shape.fields() {
            out.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                f.pointer,
                cell(&f.types),
                f.class.map_or("", |c| c.as_str()),
                cell(&f.description)
            ));
        }
        out.push('\n');
    }
    out.push_str("Generated from the report models (`x-privacy` classes; `*{class}` marks map keys and their class; `(event `x`)` marks the fields a condition on `event` brings in).\n\n");
    out
}

#[test]
fn fields_tables_match_the_models() {
    let bless = std::env::var_os("PRIVAUDIT_BLESS").is_some();
    let mut stale = Vec::new();
    for product in privaudit_policy::Product::builtins()
        .iter()
        .filter(|p| !p.is_generic())
    {
        let path = format!(
            "{}/../../docs/products/{}.md",
            env!("CARGO_MANIFEST_DIR"),
            product.id()
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
        "stale fields tables (regenerate with PRIVAUDIT_BLESS=1 cargo test -p privaudit-policy --test policy docs): {stale:?}"
    );
}
