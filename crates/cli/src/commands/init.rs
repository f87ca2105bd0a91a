//! `privaudit init`: a draft product directory from captured reports.

use crate::args::InitArgs;
use std::process::ExitCode;

pub(crate) fn init(args: &InitArgs) -> Result<ExitCode, String> {
    for (flag, id) in [("--product", &args.product), ("--kind", &args.kind)] {
        if !privaudit_policy::is_id(id) {
            return Err(format!(
                "{flag} `{id}`: use lower-case letters, digits and `-`"
            ));
        }
    }
    if args.out.exists()
        && std::fs::read_dir(&args.out)
            .map_err(|e| format!("{}: {e}", args.out.display()))?
            .next()
            .is_some()
    {
        return Err(format!(
            "{}: exists and is not empty; init writes a new product directory",
            args.out.display()
        ));
    }
    let endpoints: Vec<&str> = if args.endpoint.is_empty() {
        vec!["/"]
    } else {
        args.endpoint.iter().map(String::as_str).collect()
    };
    let limits = privaudit_capture::Limits::default();
    let mut reports = Vec::new();
    for path in crate::inputs::files(
        &args.paths,
        1_000_000,
        &crate::inputs::WalkFilter {
            ignore_files: true,
            ..Default::default()
        },
    )? {
        let name = path.display().to_string();
        let bytes = std::fs::read(&path).map_err(|e| format!("{name}: {e}"))?;
        let capture = privaudit_capture::read(&name, &bytes, &endpoints, &limits)
            .map_err(|e| format!("{name}: {e}"))?;
        for record in capture.records {
            let at = match record.line {
                Some(line) => format!("{name}: line {line}"),
                None => format!("{name}: record {}", record.index + 1),
            };
            let body = record.body.map_err(|e| format!("{at}: {e}"))?;
            let value: serde_json::Value =
                serde_json::from_slice(&body).map_err(|e| format!("{at}: not JSON: {e}"))?;
            reports.push(value);
        }
    }
    if reports.is_empty() {
        return Err("the captures hold no report".into());
    }
    let draft =
        privaudit_scaffold::Draft::infer(&args.product, &args.kind, &reports, &args.endpoint);
    std::fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let schema_path = args.out.join(draft.schema_file());
    let schema = serde_json::to_string_pretty(&draft.schema).map_err(|e| e.to_string())? + "\n";
    std::fs::write(&schema_path, schema).map_err(|e| format!("{}: {e}", schema_path.display()))?;
    let policy_path = args.out.join("policy.toml");
    std::fs::write(&policy_path, &draft.policy)
        .map_err(|e| format!("{}: {e}", policy_path.display()))?;
    // What was written must load, or the draft is of no use.
    privaudit_policy::Product::load(&args.out)
        .map_err(|e| format!("the draft does not load: {e}"))?;
    eprintln!(
        "wrote {} and {} from {} report(s); review every `$comment: guess`, then run\n  privaudit audit --products {} CAPTURE",
        policy_path.display(),
        schema_path.display(),
        reports.len(),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
