//! Which products a run knows: the shipped ones, the directories a `privaudit.toml` lists
//! (found in the working directory or a parent, or named by `--config`), and those given
//! by `--products`. Everything is loaded and compiled before anything is audited; a broken
//! directory stops the run with its file, line and reason.

use privaudit_policy::{Auditor, Product};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The options that choose products.
#[derive(clap::Args, Clone, Default)]
pub(crate) struct ProductArgs {
    /// Add a product directory (policy.toml and its schemas). Repeatable.
    #[arg(long = "products", value_name = "DIR")]
    pub(crate) products: Vec<PathBuf>,
    /// Read this configuration file instead of looking for `privaudit.toml` in the working
    /// directory and its parents.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Read no configuration file.
    #[arg(long, conflicts_with = "config")]
    pub(crate) no_config: bool,
}

/// `privaudit.toml`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    /// Product directories, relative to the file.
    #[serde(default)]
    products: Vec<PathBuf>,
}

/// The file name looked for.
pub(crate) const CONFIG_FILE: &str = "privaudit.toml";

/// The configuration file that applies: `--config`, or the nearest `privaudit.toml` from
/// the working directory up.
fn config_path(args: &ProductArgs) -> Option<PathBuf> {
    if args.no_config {
        return None;
    }
    if let Some(c) = &args.config {
        return Some(c.clone());
    }
    let mut dir = std::env::current_dir().ok()?;
    loop {
        let candidate = dir.join(CONFIG_FILE);
        if candidate.is_file() {
            return Some(candidate);
        }
        if !dir.pop() {
            return None;
        }
    }
}

/// The product directories to load, with where each was named.
fn directories(args: &ProductArgs) -> Result<Vec<PathBuf>, String> {
    let mut dirs = Vec::new();
    if let Some(path) = config_path(args) {
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let config: Config =
            toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        dirs.extend(config.products.iter().map(|d| base.join(d)));
    }
    dirs.extend(args.products.iter().cloned());
    Ok(dirs)
}

/// Every product the run knows: shipped first, then the loaded directories.
pub(crate) fn products(args: &ProductArgs) -> Result<Vec<Product>, String> {
    let mut products = Product::builtins();
    for dir in directories(args)? {
        products.push(Product::load(&dir).map_err(|e| e.to_string())?);
    }
    Ok(products)
}

/// An auditor over every product the run knows.
pub(crate) fn auditor(args: &ProductArgs) -> Result<Auditor, String> {
    Auditor::with_products(products(args)?).map_err(|e| e.to_string())
}
