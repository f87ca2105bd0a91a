//! `privaudit schema`: the JSON Schemas of the report kinds.

use crate::emit;
use std::path::Path;
use std::process::ExitCode;

pub(crate) fn schema(product: Option<&str>, out: Option<&Path>) -> Result<ExitCode, String> {
    if let Some(p) = product {
        privaudit_reports::product(p)
            .ok_or_else(|| format!("unknown product `{p}` (see `privaudit products`)"))?;
    }
    let mut printed = Vec::new();
    for kind in privaudit_reports::all_kinds().filter(|k| product.is_none_or(|p| k.product == p)) {
        let text = serde_json::to_string_pretty(&kind.schema()).map_err(|e| e.to_string())? + "\n";
        match out {
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                let path = dir.join(kind.schema_file_name());
                std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
            }
            None => printed.push(text),
        }
    }
    if out.is_none() {
        emit(&printed.join(""))?;
    }
    Ok(ExitCode::SUCCESS)
}
