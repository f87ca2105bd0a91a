//! `privaudit explain`: what a rule checks and why, or what a detector finds and how sure it
//! is.

use crate::emit;
use std::process::ExitCode;

/// Explains a rule (`product/rule`), a detector kind (`ipv4`), or lists the detectors.
pub(crate) fn explain(name: &str, products: &crate::load::ProductArgs) -> Result<ExitCode, String> {
    if name == "detectors" {
        let mut out = String::new();
        for d in privaudit_detect::DETECTORS {
            out.push_str(&format!("{:<22} {}\n", d.kind, d.category));
        }
        emit(&out)?;
        return Ok(ExitCode::SUCCESS);
    }
    if !name.contains('/') {
        let d = privaudit_detect::detector(name).ok_or_else(|| {
            format!("unknown rule or detector `{name}` (see `privaudit explain detectors`)")
        })?;
        let out = format!(
            "{} (detector, category {})\n\n{}\n\nconfidence:\n{}\n",
            d.kind,
            d.category,
            wrap(d.doc, "  "),
            wrap(d.confidence, "  ")
        );
        emit(&out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let auditor = crate::load::auditor(products)?;
    let (policy, rule) = auditor
        .explain(name)
        .ok_or_else(|| format!("unknown rule `{name}`"))?;
    let source = policy.source.iter().find(|s| s.id == rule.source);
    let mut out = format!("{}\n\n  {}\n\n", rule.id, rule.statement);
    if let Some(s) = source {
        out.push_str(&format!(
            "source:   {} ({}), section \"{}\"\n",
            s.title, s.location, rule.section
        ));
    }
    out.push_str(&format!(
        "forbids:  {}\nseverity: {}\n",
        rule.forbids
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        rule.severity
    ));
    if rule.derived {
        out.push_str(
            "note:     derived from what the document announces, not an explicit promise\n",
        );
    }
    for e in policy.exception.iter().filter(|e| e.rule == rule.id) {
        out.push_str(&format!(
            "exception at {} ({}): {}\n",
            e.pointer, e.severity, e.justification
        ));
    }
    emit(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// `text` wrapped at 90 columns, each line indented.
fn wrap(text: &str, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::from(indent);
    for word in text.split_whitespace() {
        if line.len() > indent.len() && line.len() + 1 + word.len() > 90 {
            out.push_str(&line);
            out.push('\n');
            line = String::from(indent);
        }
        if line.len() > indent.len() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out
}
