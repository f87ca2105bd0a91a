//! The labelled corpus in `fixtures/detect/`: recall per category over the positives, and no
//! finding at the default threshold on the look-alikes.

use privaudit_detect::{Category, Scanner};
use std::collections::BTreeMap;

use crate::common::load;

fn overlaps(a: &std::ops::Range<usize>, b: &std::ops::Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

#[test]
fn recall_and_precision_on_the_positives() {
    let scanner = Scanner::new();
    // category -> (expected, found, reported, reported and expected)
    let mut stats: BTreeMap<&'static str, [usize; 4]> = BTreeMap::new();
    let mut misses = Vec::new();
    for case in load("positives.jsonl") {
        let found: Vec<_> = scanner
            .scan_vec(&case.text)
            .into_iter()
            .filter(|m| m.is_default())
            .collect();
        let mut spans = Vec::new();
        for e in &case.expect {
            let category = Category::parse(&e.category)
                .unwrap_or_else(|| panic!("unknown category {}", e.category));
            let start = case.text.find(&e.value).expect("value is a substring");
            let span = start..start + e.value.len();
            let hit = found
                .iter()
                .any(|m| m.category == category && overlaps(&m.span, &span));
            let row = stats.entry(category.as_str()).or_default();
            row[0] += 1;
            if hit {
                row[1] += 1;
            } else {
                misses.push(format!(
                    "{:<13} {:?} in {:?}",
                    category.as_str(),
                    e.value,
                    case.text
                ));
            }
            spans.push((category, span));
        }
        for m in &found {
            let row = stats.entry(m.category.as_str()).or_default();
            row[2] += 1;
            if spans
                .iter()
                .any(|(c, s)| *c == m.category && overlaps(&m.span, s))
            {
                row[3] += 1;
            }
        }
    }
    println!(
        "{:<13} {:>8} {:>7} {:>9}",
        "category", "expected", "recall", "precision"
    );
    let mut failing = Vec::new();
    for (category, [expected, found, reported, correct]) in &stats {
        let recall = if *expected == 0 {
            1.0
        } else {
            *found as f64 / *expected as f64
        };
        let precision = if *reported == 0 {
            1.0
        } else {
            *correct as f64 / *reported as f64
        };
        println!("{category:<13} {expected:>8} {recall:>7.3} {precision:>9.3}");
        if recall < 0.98 {
            failing.push(*category);
        }
    }
    for m in &misses {
        println!("missed: {m}");
    }
    assert!(failing.is_empty(), "recall below 0.98 for {failing:?}");
}

/// The leaks of `encoded.jsonl`, found in a decoded layer under the encodings labelled, with
/// their category; recall per encoding.
#[test]
fn encoded_leaks_are_found_in_their_layers() {
    let scanner = Scanner::new();
    let mut by_encoding: BTreeMap<String, [usize; 2]> = BTreeMap::new();
    let mut misses = Vec::new();
    for case in load("encoded.jsonl") {
        let layers = privaudit_detect::decode::layers(&case.text);
        for e in &case.expect {
            let category = Category::parse(&e.category).expect("a category");
            let hit = layers.iter().any(|l| {
                let names: Vec<&str> = l.encodings.iter().map(|x| x.as_str()).collect();
                names == case.encoding
                    && scanner.scan_vec(&l.text).iter().any(|m| {
                        m.is_default()
                            && m.category == category
                            && l.text[m.span.clone()].contains(e.value.as_str())
                    })
            });
            let row = by_encoding.entry(case.encoding.join("+")).or_default();
            row[0] += 1;
            row[1] += usize::from(hit);
            if !hit {
                misses.push(format!("{} {:?} in {:?}", e.category, e.value, case.text));
            }
        }
    }
    let mut failing = Vec::new();
    println!("{:<16} {:>8} {:>7}", "encoding", "expected", "recall");
    for (encoding, [expected, found]) in &by_encoding {
        let recall = *found as f64 / *expected as f64;
        println!("{encoding:<16} {expected:>8} {recall:>7.3}");
        if recall < 0.98 {
            failing.push(encoding.clone());
        }
    }
    for m in &misses {
        println!("missed: {m}");
    }
    assert!(failing.is_empty(), "recall below 0.98 under {failing:?}");
}

#[test]
fn no_look_alike_is_flagged() {
    let scanner = Scanner::new();
    let mut flagged = Vec::new();
    for case in load("lookalikes.jsonl") {
        assert!(
            case.expect.is_empty(),
            "look-alikes expect nothing: {:?}",
            case.text
        );
        // Nor in anything decoded from them.
        let texts = std::iter::once(case.text.clone()).chain(
            privaudit_detect::decode::layers(&case.text)
                .into_iter()
                .map(|l| l.text),
        );
        for (text, m) in texts
            .flat_map(|t| {
                scanner
                    .scan_vec(&t)
                    .into_iter()
                    .map(move |m| (t.clone(), m))
            })
            .filter(|(_, m)| m.is_default())
        {
            flagged.push(format!(
                "{} {:?} ({}) in {:?} {}",
                m.category,
                &text[m.span.clone()],
                m.kind,
                case.text,
                case.note.as_deref().unwrap_or("")
            ));
        }
    }
    for f in &flagged {
        println!("false positive: {f}");
    }
    assert!(
        flagged.is_empty(),
        "{} false positives on look-alikes",
        flagged.len()
    );
}
