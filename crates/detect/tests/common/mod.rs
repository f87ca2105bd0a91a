//! The labelled corpus files in `fixtures/detect/`, one JSON case per line.
// Each test binary reads only the fields it needs.
#![allow(dead_code)]

use serde::Deserialize;

#[derive(Deserialize)]
pub struct Case {
    pub text: String,
    pub expect: Vec<Expected>,
    #[serde(default)]
    pub note: Option<String>,
    /// For `encoded.jsonl`: the encodings the expected values lie under, outermost first.
    #[serde(default)]
    pub encoding: Vec<String>,
}

#[derive(Deserialize)]
pub struct Expected {
    pub category: String,
    pub value: String,
}

pub fn load(name: &str) -> Vec<Case> {
    let path = format!(
        "{}/../../fixtures/detect/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("{name} line {}: {e}", i + 1))
        })
        .collect()
}
