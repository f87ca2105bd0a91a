//! The labelled field values in `fixtures/detect/fields.jsonl`: what a value means depends on
//! the field it is in (words, a national telephone number or a dotted quad where a code
//! belongs), so these cases go through the whole audit of an IntroVox report. Recall per
//! category, and no finding at all for the clean values.

use privaudit_policy::Auditor;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct Case {
    field: String,
    value: String,
    expect: Option<String>,
}

#[test]
fn field_values_are_judged_by_their_field() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures");
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{dir}/introvox/daily-report-1.7.6.json")).unwrap(),
    )
    .unwrap();
    let auditor = Auditor::all();
    let mut recall: BTreeMap<String, [usize; 2]> = BTreeMap::new();
    let mut wrong = Vec::new();
    let text = std::fs::read_to_string(format!("{dir}/detect/fields.jsonl")).unwrap();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: Case = serde_json::from_str(line).unwrap();
        let mut body = report.clone();
        assert!(body.get(&case.field).is_some(), "{} is a field", case.field);
        body[&case.field] = case.value.clone().into();
        let audit = auditor.audit(body.to_string().as_bytes());
        let pointer = format!("/{}", case.field);
        let found: Vec<&str> = audit
            .findings
            .iter()
            .filter(|f| f.pointer == pointer)
            .map(|f| f.category.as_str())
            .collect();
        match &case.expect {
            Some(category) => {
                let row = recall.entry(category.clone()).or_default();
                row[0] += 1;
                if found.contains(&category.as_str()) {
                    row[1] += 1;
                } else {
                    wrong.push(format!(
                        "missed {category} in {pointer} = {:?}: {found:?}",
                        case.value
                    ));
                }
            }
            None if !found.is_empty() => {
                wrong.push(format!(
                    "false positive in {pointer} = {:?}: {found:?}",
                    case.value
                ));
            }
            None => {}
        }
    }
    println!("{:<13} {:>8} {:>7}", "category", "expected", "recall");
    let mut low = Vec::new();
    for (category, [expected, hit]) in &recall {
        let r = *hit as f64 / *expected as f64;
        println!("{category:<13} {expected:>8} {r:>7.3}");
        if r < 0.98 {
            low.push(category.clone());
        }
    }
    for w in &wrong {
        println!("{w}");
    }
    assert!(low.is_empty(), "recall below 0.98 for {low:?}");
    assert!(
        !wrong.iter().any(|w| w.starts_with("false")),
        "false positives"
    );
}
