//! Baselines: the fingerprints of accepted findings, so that later runs report only new ones.

use super::{Audited, RecordError, Sink, Summary};
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::{self, Write};
use std::path::Path;

/// Reads a baseline: its fingerprints, and the key they were made with when it keeps one.
pub fn read_baseline(
    path: &Path,
) -> Result<(BTreeSet<String>, Option<privaudit_policy::FingerprintKey>), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let v: Value = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not a privaudit baseline: {e}", path.display()))?;
    let list = v
        .get("fingerprints")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            format!(
                "{}: not a privaudit baseline (no `fingerprints` list)",
                path.display()
            )
        })?;
    let key = match v.get("key") {
        None | Some(Value::Null) => None,
        Some(k) => Some(
            k.as_str()
                .and_then(privaudit_policy::FingerprintKey::from_hex)
                .ok_or_else(|| {
                    format!(
                        "{}: the baseline's `key` is not 64 hex characters",
                        path.display()
                    )
                })?,
        ),
    };
    let set = list
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    Ok((set, key))
}

/// A baseline as written (members in name order, as it has always been written).
#[derive(serde::Serialize)]
struct BaselineFile<'a> {
    fingerprints: &'a BTreeSet<String>,
    key: Option<&'a str>,
    version: u32,
}

/// Collects fingerprints for `privaudit baseline`.
#[derive(Default)]
pub struct Baseline {
    fingerprints: BTreeSet<String>,
    /// The key to store, unless it comes from the environment.
    pub key: Option<String>,
}

impl Sink for Baseline {
    fn record(&mut self, a: &Audited, _: &mut dyn Write) -> io::Result<()> {
        self.fingerprints
            .extend(a.findings.iter().map(|f| f.fingerprint.clone()));
        Ok(())
    }
    fn error(&mut self, _: &RecordError, _: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
    fn finish(&mut self, _: &Summary, out: &mut dyn Write) -> io::Result<()> {
        let doc = BaselineFile {
            fingerprints: &self.fingerprints,
            key: self.key.as_deref(),
            version: 1,
        };
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)
    }
    fn as_baseline(&mut self) -> Option<&mut Baseline> {
        Some(self)
    }
}
