//! `privaudit products`: the built-in products and their report kinds.

use crate::emit;
use std::process::ExitCode;

pub(crate) fn products() -> Result<ExitCode, String> {
    let mut out = String::new();
    for p in privaudit_reports::catalog() {
        out.push_str(&format!(
            "{}  {}\n  endpoints: {}\n",
            p.id,
            p.name,
            p.endpoints.join(", ")
        ));
        for k in p.kinds {
            out.push_str(&format!("  {:<20} {}\n", k.kind, k.title));
        }
    }
    emit(&out)?;
    Ok(ExitCode::SUCCESS)
}
