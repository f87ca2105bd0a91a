//! `privaudit explain`: what a rule checks and why.

use crate::emit;
use std::process::ExitCode;

pub(crate) fn explain(rule: &str) -> Result<ExitCode, String> {
    let (policy, rule) =
        privaudit_policy::explain(rule).ok_or_else(|| format!("unknown rule `{rule}`"))?;
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
