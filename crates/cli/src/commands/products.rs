//! `privaudit products`: the products a run knows, their report kinds and endpoints, and
//! where each came from.

use crate::emit;
use crate::load::ProductArgs;
use std::process::ExitCode;

pub(crate) fn products(args: &ProductArgs) -> Result<ExitCode, String> {
    let auditor = crate::load::auditor(args)?;
    let mut out = String::new();
    for (policy, kinds, origin) in auditor.products() {
        let name = if policy.name.is_empty() {
            &policy.product
        } else {
            &policy.name
        };
        out.push_str(&format!("{}  {}\n  from: {origin}\n", policy.product, name));
        if policy.endpoints.is_empty() {
            out.push_str("  endpoints: none\n");
        } else {
            out.push_str(&format!("  endpoints: {}\n", policy.endpoints.join(", ")));
        }
        for k in kinds {
            out.push_str(&format!("  {:<20} {}\n", k.kind, k.title));
        }
    }
    emit(&out)?;
    Ok(ExitCode::SUCCESS)
}
