//! `privaudit diff`: the privacy diff between two versions of a product, from files or from
//! two git revisions, as text, JSON or Markdown.

use crate::args::{DiffArgs, DiffFormat};
use crate::emit;
use privaudit_diff::{Diff, Effect, Side, compare};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

pub(crate) fn diff(args: &DiffArgs) -> Result<ExitCode, String> {
    let pairs = match &args.git {
        Some(range) => git_pairs(range, &args.paths)?,
        None => match args.paths.as_slice() {
            [old, new] => vec![(side_from_disk(old)?, side_from_disk(new)?)],
            _ => return Err("diff takes two paths (OLD NEW), or --git RANGE [PATH...]".into()),
        },
    };
    let diffs: Vec<Diff> = pairs.iter().map(|(o, n)| compare(o, n)).collect();
    let text = match args.format {
        DiffFormat::Text => text(&diffs),
        DiffFormat::Json => {
            let widens = diffs.iter().any(Diff::widens);
            let doc = serde_json::json!({"version": 1, "widens": widens, "diffs": diffs});
            format!(
                "{}\n",
                serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?
            )
        }
        DiffFormat::Markdown => markdown(&diffs),
    };
    // Schemas are input too: nothing in them may drive the terminal.
    let text: Vec<_> = text.lines().map(crate::output::printable).collect();
    emit(&(text.join("\n") + "\n"))?;
    Ok(if diffs.iter().any(Diff::widens) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// A schema file, or a product directory (its policy gives the promises).
fn side_from_disk(path: &Path) -> Result<Side, String> {
    let label = path.display().to_string();
    if path.is_dir() {
        return Side::directory(&label, |f| std::fs::read_to_string(path.join(f)).ok());
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("{label}: {e}"))?;
    let schema: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{label}: not a JSON Schema: {e}"))?;
    let mut side = Side::schema(&label, schema);
    // The promises of the product the schema belongs to, when it sits in its directory.
    if let Some(dir) = path.parent().filter(|d| d.join("policy.toml").is_file()) {
        side.policy = Side::directory("", |f| std::fs::read_to_string(dir.join(f)).ok())
            .ok()
            .and_then(|s| s.policy);
    }
    Ok(side)
}

/// `OLD..NEW` or `OLD...NEW` into the two revisions to read (an empty NEW: the working tree).
fn revisions(range: &str) -> Result<(String, Option<String>), String> {
    let (old, new, merge_base) = if let Some((o, n)) = range.split_once("...") {
        (o, n, true)
    } else if let Some((o, n)) = range.split_once("..") {
        (o, n, false)
    } else {
        (range, "", false)
    };
    let new = (!new.is_empty()).then(|| new.to_string());
    let old = if old.is_empty() { "HEAD" } else { old };
    let old = if merge_base {
        git(&["merge-base", old, new.as_deref().unwrap_or("HEAD")])?
            .trim()
            .to_string()
    } else {
        old.to_string()
    };
    Ok((old, new))
}

fn git(args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .args(args)
        .output()
        .map_err(|e| format!("git {}: {e}", args.join(" ")))?;
    if !out.status.success() {
        return Err(format!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| e.to_string())
}

/// The product directories (and lone schema files) under `paths` at either revision, each
/// compared with itself at the other.
fn git_pairs(range: &str, paths: &[PathBuf]) -> Result<Vec<(Side, Side)>, String> {
    let (old, new) = revisions(range)?;
    let paths: Vec<String> = if paths.is_empty() {
        vec!["products".into()]
    } else {
        paths.iter().map(|p| p.display().to_string()).collect()
    };
    let prefix = git(&["rev-parse", "--show-prefix"])?.trim().to_string();
    let mut files = std::collections::BTreeSet::new();
    let rooted: Vec<String> = paths.iter().map(|p| format!("{prefix}{p}")).collect();
    for rev in [Some(old.as_str()), new.as_deref()] {
        // Paths from the repository root, at the revision or in the working tree.
        let mut args: Vec<&str> = match rev {
            Some(rev) => vec!["ls-tree", "-r", "--name-only", "--full-tree", rev, "--"],
            None => vec!["ls-files", "--full-name", "--"],
        };
        match rev {
            Some(_) => args.extend(rooted.iter().map(String::as_str)),
            None => args.extend(paths.iter().map(String::as_str)),
        }
        files.extend(git(&args)?.lines().map(str::to_string));
    }
    // Paths from the repository root; read relative to it.
    let root = git(&["rev-parse", "--show-toplevel"])?.trim().to_string();
    let dirs: std::collections::BTreeSet<String> = files
        .iter()
        .filter_map(|f| f.strip_suffix("/policy.toml").map(str::to_string))
        .collect();
    let lone: Vec<&String> = files
        .iter()
        .filter(|f| {
            f.ends_with(".schema.json") && !dirs.iter().any(|d| f.starts_with(&format!("{d}/")))
        })
        .collect();
    // A file (from the repository root) at `rev`, or in the working tree; `None` when absent.
    let at = |rev: Option<&str>, path: &str| -> Option<String> {
        match rev {
            Some(rev) => git(&["show", &format!("{rev}:{path}")]).ok(),
            None => std::fs::read_to_string(Path::new(&root).join(path)).ok(),
        }
    };
    let label = |rev: Option<&str>, path: &str| format!("{}:{path}", rev.unwrap_or("worktree"));
    let side = |rev: Option<&str>, dir: &str| -> Result<Side, String> {
        if at(rev, &format!("{dir}/policy.toml")).is_none() {
            // Not there at this revision: a product added or removed.
            return Ok(Side {
                label: label(rev, dir),
                kinds: Vec::new(),
                policy: None,
            });
        }
        Side::directory(&label(rev, dir), |f| at(rev, &format!("{dir}/{f}")))
    };
    let mut pairs = Vec::new();
    for dir in &dirs {
        pairs.push((side(Some(&old), dir)?, side(new.as_deref(), dir)?));
    }
    for file in lone {
        let schema = |rev: Option<&str>| -> Result<Side, String> {
            let schema = match at(rev, file) {
                Some(t) => {
                    serde_json::from_str(&t).map_err(|e| format!("{}: {e}", label(rev, file)))?
                }
                None => serde_json::json!(false),
            };
            Ok(Side::schema(&label(rev, file), schema))
        };
        pairs.push((schema(Some(&old))?, schema(new.as_deref())?));
    }
    Ok(pairs)
}

fn totals(diffs: &[Diff]) -> String {
    let n = |e| diffs.iter().map(|d| d.count(e)).sum::<usize>();
    format!(
        "{} widen, {} narrow, {} neutral",
        n(Effect::Widens),
        n(Effect::Narrows),
        n(Effect::Neutral)
    )
}

fn text(diffs: &[Diff]) -> String {
    let mut out = String::new();
    for d in diffs {
        out.push_str(&format!("{} → {}\n", d.old, d.new));
        if d.changes.is_empty() {
            out.push_str("  no change to what may be sent\n");
        }
        for c in &d.changes {
            let at = if c.pointer.is_empty() {
                "(report)"
            } else {
                &c.pointer
            };
            out.push_str(&format!(
                "  {:<8} {} {}  {}: {}\n",
                c.effect.as_str(),
                c.kind,
                at,
                c.change,
                c.detail
            ));
            if !c.promises.is_empty() {
                out.push_str(&format!("           touches {}\n", c.promises.join(", ")));
            }
        }
    }
    out.push_str(&format!("{}\n", totals(diffs)));
    out
}

/// A table cell: no line breaks, no pipes.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn markdown(diffs: &[Diff]) -> String {
    let widens = diffs.iter().any(Diff::widens);
    let mut out = String::from("### Privacy diff\n\n");
    out.push_str(if widens {
        "**This change widens what the product may send.**"
    } else {
        "This change does not widen what the product may send."
    });
    out.push_str(&format!(" ({})\n", totals(diffs)));
    for d in diffs.iter().filter(|d| !d.changes.is_empty()) {
        out.push_str(&format!("\n`{}` → `{}`\n\n", cell(&d.old), cell(&d.new)));
        out.push_str("| effect | kind | field | change | promises touched |\n| --- | --- | --- | --- | --- |\n");
        for c in &d.changes {
            let mark = match c.effect {
                Effect::Widens => "⚠️ widens",
                Effect::Narrows => "narrows",
                Effect::Neutral => "neutral",
            };
            let at = if c.pointer.is_empty() {
                "(report)".to_string()
            } else {
                format!("`{}`", cell(&c.pointer))
            };
            let promises: Vec<String> = c.promises.iter().map(|p| format!("`{p}`")).collect();
            out.push_str(&format!(
                "| {mark} | {} | {at} | {}: {} | {} |\n",
                cell(&c.kind),
                c.change,
                cell(&c.detail),
                promises.join(", ")
            ));
        }
    }
    out
}
