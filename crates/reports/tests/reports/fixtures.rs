//! Every shipped fixture parses into its struct and validates against its generated schema;
//! broken variants fail with a message that names the field; the PHP and Go wire quirks parse;
//! and struct → JSON → struct round-trips over generated values.

use privaudit_reports::{Report, ReportKind};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::path::PathBuf;

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// The report kind a fixture file stands for: the longest kind id its name starts with.
fn kind_of(product: &str, stem: &str) -> &'static ReportKind {
    privaudit_reports::product(product)
        .unwrap()
        .kinds
        .iter()
        .filter(|k| stem.starts_with(k.kind))
        .max_by_key(|k| k.kind.len())
        .unwrap_or_else(|| panic!("fixtures/{product}/{stem}.json names no report kind"))
}

/// Every clean JSON fixture: (file, kind, value).
fn clean_fixtures() -> Vec<(String, &'static ReportKind, Value)> {
    let mut out = Vec::new();
    for product in privaudit_reports::catalog() {
        let dir = fixtures_dir().join(product.id);
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        names.sort();
        for path in names {
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).unwrap();
            let value: Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            out.push((
                format!("{}/{stem}.json", product.id),
                kind_of(product.id, &stem),
                value,
            ));
        }
    }
    out
}

/// Compiled once per kind.
fn validator(kind: &ReportKind) -> &'static jsonschema::Validator {
    static CACHE: std::sync::OnceLock<Vec<(String, jsonschema::Validator)>> =
        std::sync::OnceLock::new();
    let all = CACHE.get_or_init(|| {
        privaudit_reports::all_kinds()
            .map(|k| {
                (
                    k.schema_id(),
                    jsonschema::draft202012::new(k.schema().as_value()).unwrap(),
                )
            })
            .collect()
    });
    &all.iter()
        .find(|(id, _)| *id == kind.schema_id())
        .unwrap()
        .1
}

fn parse(kind: &ReportKind, value: &Value) -> Result<Report, String> {
    kind.deserialize(value).map_err(|e| e.to_string())
}

/// Schema errors as `pointer: message`.
fn schema_errors(kind: &ReportKind, value: &Value) -> Vec<String> {
    validator(kind)
        .iter_errors(value)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn every_fixture_parses_and_validates() {
    let fixtures = clean_fixtures();
    for (file, kind, value) in &fixtures {
        if let Err(e) = parse(kind, value) {
            panic!("{file} does not parse as {kind:?}: {e}");
        }
        let errors = schema_errors(kind, value);
        assert!(errors.is_empty(), "{file} fails its schema: {errors:#?}");
    }
    for kind in privaudit_reports::all_kinds() {
        assert!(
            fixtures.iter().any(|(_, k, _)| std::ptr::eq(*k, kind)),
            "no fixture for {kind:?}"
        );
    }
}

/// The first required member of the root object that holds a scalar in `value`.
fn a_required_scalar(kind: &ReportKind, value: &Value) -> Option<String> {
    let schema = kind.schema();
    let required = schema.as_value().get("required")?.as_array()?.clone();
    required
        .iter()
        .filter_map(Value::as_str)
        .find(|name| {
            value
                .get(*name)
                .is_some_and(|v| v.is_string() || v.is_number())
        })
        .map(str::to_string)
}

#[test]
fn broken_reports_fail_naming_the_field() {
    let mut checked = 0;
    for (file, kind, value) in clean_fixtures() {
        let Some(field) = a_required_scalar(kind, &value) else {
            continue;
        };
        checked += 1;
        // Missing required field.
        let mut missing = value.clone();
        missing.as_object_mut().unwrap().remove(&field);
        let err = parse(kind, &missing).expect_err(&format!("{file} without {field}"));
        assert!(err.contains(&field), "{file} without {field}: {err}");
        let errors = schema_errors(kind, &missing);
        assert!(
            errors.iter().any(|e| e.contains(&format!("\"{field}\""))),
            "{file} without {field}: {errors:?}"
        );

        // Wrong type: an object where a scalar belongs.
        let mut wrong = value.clone();
        wrong[&field] = json!({"unexpected": true});
        assert!(parse(kind, &wrong).is_err(), "{file} with object {field}");
        let errors = schema_errors(kind, &wrong);
        assert!(
            errors.iter().any(|e| e.starts_with(&format!("/{field}"))),
            "{file} with object {field}: {errors:?}"
        );

        // Unknown member: never dropped silently.
        let mut extra = value.clone();
        extra["undeclaredMember"] = json!("x");
        let err = parse(kind, &extra).expect_err(&format!("{file} with an unknown member"));
        assert!(err.contains("undeclaredMember"), "{file}: {err}");
        assert!(
            !schema_errors(kind, &extra).is_empty(),
            "{file}: schema accepts an unknown member"
        );
    }
    assert!(
        checked >= 10,
        "only {checked} fixtures had a required scalar to break"
    );
}

fn introvox() -> &'static ReportKind {
    privaudit_reports::find("introvox", "daily-report").unwrap()
}

fn fixture(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixtures_dir().join(path)).unwrap()).unwrap()
}

#[test]
fn wire_quirks_parse() {
    // PHP sends an empty associative array as `[]`, and `avgCapacity` is the integer 0 when
    // no room has a capacity, a float otherwise.
    let kind = kind_of("roomvox", "daily-report-a");
    let empty = fixture("roomvox/daily-report-a-empty.json");
    assert_eq!(empty["roomTypeCounts"], json!([]));
    assert_eq!(empty["avgCapacity"], json!(0));
    parse(kind, &empty).unwrap();
    assert!(schema_errors(kind, &empty).is_empty());
    let full = fixture("roomvox/daily-report-a.json");
    assert!(full["avgCapacity"].is_f64());
    parse(kind, &full).unwrap();
    // A non-empty list is not an empty map.
    let mut v = empty.clone();
    v["roomTypeCounts"] = json!([1]);
    assert!(parse(kind, &v).is_err());
    assert!(!schema_errors(kind, &v).is_empty());

    // Four-part versions; the old name of `languagesWithOverrides`.
    let v = fixture("introvox/daily-report-1.2.0.json");
    assert!(
        v.get("enabledLanguages").is_some(),
        "1.2.0 fixture uses the old name"
    );
    parse(introvox(), &v).unwrap();

    // Kopano: a stat the model does not know stays visible in the typed report.
    let mut v = fixture("kopano/survey-8.7.json");
    v["stats"]["brand_new_stat"] =
        json!({"desc": "A stat from a newer release", "type": "int", "value": 3});
    let kopano = privaudit_reports::find("kopano", "survey").unwrap();
    let report = parse(kopano, &v).unwrap();
    let back = serde_json::to_value(&report).unwrap();
    assert_eq!(back["stats"]["brand_new_stat"]["value"], 3);
}

/// Leaves of `value` that can take other values of their type and still parse: each is probed
/// alone with a substitute.
fn free_leaves(kind: &ReportKind, value: &Value) -> Vec<(String, Value)> {
    fn walk(v: &Value, ptr: String, out: &mut Vec<(String, Value)>) {
        match v {
            Value::Object(m) => m.iter().for_each(|(k, x)| {
                walk(
                    x,
                    format!("{ptr}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                )
            }),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .for_each(|(i, x)| walk(x, format!("{ptr}/{i}"), out)),
            _ => out.push((ptr, v.clone())),
        }
    }
    let mut leaves = Vec::new();
    walk(value, String::new(), &mut leaves);
    leaves
        .into_iter()
        .filter(|(ptr, leaf)| {
            let probe = match leaf {
                Value::String(_) => json!("probe value 7"),
                Value::Number(n) if n.is_u64() => json!(4242),
                Value::Number(_) => json!(3.25),
                _ => return false,
            };
            let mut v = value.clone();
            *v.pointer_mut(ptr).unwrap() = probe;
            parse(kind, &v).is_ok() && schema_errors(kind, &v).is_empty()
        })
        .collect()
}

/// A fixture file, its kind, its value and its free leaves.
type RoundTripInput = (String, &'static ReportKind, Value, Vec<(String, Value)>);

/// Fixtures with their free leaves, computed once for all generated cases.
fn round_trip_inputs() -> &'static [RoundTripInput] {
    static INPUTS: std::sync::OnceLock<Vec<RoundTripInput>> = std::sync::OnceLock::new();
    INPUTS.get_or_init(|| {
        clean_fixtures()
            .into_iter()
            .map(|(file, kind, value)| {
                let leaves = free_leaves(kind, &value);
                (file, kind, value, leaves)
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn struct_json_struct_round_trips(
        pick in any::<prop::sample::Index>(),
        strings in prop::collection::vec("\\PC{1,24}", 64),
        numbers in prop::collection::vec(0u64..86_400, 64),
        floats in prop::collection::vec(0.0f64..1000.0, 64),
    ) {
        let inputs = round_trip_inputs();
        let (file, kind, value, leaves) = &inputs[pick.index(inputs.len())];
        let mut v = value.clone();
        for (i, (ptr, leaf)) in leaves.iter().enumerate() {
            let slot = v.pointer_mut(ptr).unwrap();
            *slot = match leaf {
                Value::String(_) => json!(strings[i % 64]),
                Value::Number(n) if n.is_u64() => json!(numbers[i % 64]),
                _ => json!(floats[i % 64]),
            };
        }
        prop_assume!(schema_errors(kind, &v).is_empty());
        let report = parse(kind, &v).map_err(|e| TestCaseError::fail(format!("{file}: {e}")))?;
        let json = serde_json::to_value(&report).unwrap();
        let again = parse(kind, &json).map_err(|e| TestCaseError::fail(format!("{file} re-parse: {e}")))?;
        prop_assert_eq!(&report, &again, "{}", file);
        let errors = schema_errors(kind, &json);
        prop_assert!(errors.is_empty(), "{file}: serialized report fails its schema: {errors:?}");
    }
}
