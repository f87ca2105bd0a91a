//! Inputs: the files a run reads (directory walks with their bounds) and how each is opened.

use std::path::{Path, PathBuf};

/// How deep a directory walk goes below the directory given.
pub(crate) const MAX_WALK_DEPTH: usize = 32;

/// Which files a directory walk picks up, beyond [`is_capture`].
#[derive(Debug, Clone, Default)]
pub(crate) struct WalkFilter {
    /// Globs a file must match (any of them), relative to the directory walked.
    pub(crate) include: Vec<String>,
    /// Globs no file or directory may match.
    pub(crate) exclude: Vec<String>,
    /// Read `.gitignore`, `.ignore` and `.git/info/exclude` rules as well (the default).
    pub(crate) ignore_files: bool,
}

/// The inputs of a run, in order: each path given, and the capture files under each
/// directory given (sorted by name, hidden entries and what `.gitignore`/`.ignore` files
/// exclude left out, then `filter`'s globs applied; ripgrep's walker, the `ignore` crate).
/// Symbolic links are followed where they stay inside the directory given; a link back to a
/// directory the walk is inside is a loop and is not entered, no directory is entered twice,
/// a link to nothing is passed over, and no file is read twice, however many paths lead to it
/// (files are told apart by device and inode). A walk stops at [`MAX_WALK_DEPTH`] levels and
/// at `max_files` files; only regular files are picked up by a walk (a FIFO, socket or device
/// must be named to be read). A file named on the command line is read whatever the globs.
pub(crate) fn files(
    paths: &[PathBuf],
    max_files: usize,
    filter: &WalkFilter,
) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut add = |p: PathBuf, meta: &std::fs::Metadata, out: &mut Vec<PathBuf>| {
        if seen.insert(file_id(&p, meta)) {
            out.push(p);
        }
        if out.len() > max_files {
            return Err(format!(
                "more than {max_files} input files (--max-files); the walk stopped"
            ));
        }
        Ok(())
    };
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(p.clone());
            continue;
        }
        let meta = std::fs::metadata(p).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => format!("{}: no such file or directory", p.display()),
            _ => format!("{}: {e}", p.display()),
        })?;
        if !meta.is_dir() {
            add(p.clone(), &meta, &mut out)?;
            continue;
        }
        let root = std::fs::canonicalize(p).map_err(|e| format!("{}: {e}", p.display()))?;
        let mut globs = ignore::overrides::OverrideBuilder::new(p);
        for g in &filter.include {
            globs.add(g).map_err(|e| format!("--include {g}: {e}"))?;
        }
        for g in &filter.exclude {
            globs
                .add(&format!("!{g}"))
                .map_err(|e| format!("--exclude {g}: {e}"))?;
        }
        let globs = globs.build().map_err(|e| e.to_string())?;
        // Each directory is entered once: links can make many paths to one directory
        // without any loop (`d0/a` and `d0/b` both to `d1`, and so on down).
        let entered = std::sync::Mutex::new(std::collections::HashSet::new());
        let walk = ignore::WalkBuilder::new(p)
            .follow_links(true)
            .max_depth(Some(MAX_WALK_DEPTH))
            .hidden(true)
            .parents(filter.ignore_files)
            .ignore(filter.ignore_files)
            .git_ignore(filter.ignore_files)
            .git_exclude(filter.ignore_files)
            .git_global(false)
            // A `.gitignore` counts in a checkout without `.git` too (an archive, a CI cache).
            .require_git(false)
            .overrides(globs)
            .sort_by_file_name(|a, b| a.cmp(b))
            .filter_entry(move |e| {
                // A link is followed only where it stays inside the directory given.
                if e.depth() > 0
                    && e.path_is_symlink()
                    && !std::fs::canonicalize(e.path()).is_ok_and(|t| t.starts_with(&root))
                {
                    return false;
                }
                !e.file_type().is_some_and(|t| t.is_dir())
                    || e.metadata().is_ok_and(|m| {
                        entered
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .insert(file_id(e.path(), &m))
                    })
            })
            .build();
        for entry in walk {
            let entry = match entry {
                Ok(e) => e,
                // A loop is left out where it closes, and a link to nothing is passed over;
                // the rest of the walk goes on.
                Err(e)
                    if is_loop(&e)
                        || e.io_error()
                            .is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound) =>
                {
                    continue;
                }
                Err(e) => return Err(e.to_string()),
            };
            if !entry.file_type().is_some_and(|t| t.is_file())
                || !is_capture(&entry.file_name().to_string_lossy())
            {
                continue;
            }
            let meta = entry
                .metadata()
                .map_err(|e| format!("{}: {e}", entry.path().display()))?;
            add(entry.into_path(), &meta, &mut out)?;
        }
    }
    Ok(out)
}

/// Whether a walk error is a symbolic-link loop, however it is wrapped.
fn is_loop(e: &ignore::Error) -> bool {
    match e {
        ignore::Error::Loop { .. } => true,
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => is_loop(err),
        ignore::Error::Partial(errs) => errs.iter().all(is_loop),
        _ => false,
    }
}

/// What tells two paths to one file apart from two files.
#[cfg(unix)]
pub(crate) fn file_id(_: &Path, meta: &std::fs::Metadata) -> (u64, u64, PathBuf) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino(), PathBuf::new())
}

#[cfg(not(unix))]
pub(crate) fn file_id(path: &Path, _: &std::fs::Metadata) -> (u64, u64, PathBuf) {
    (
        0,
        0,
        std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
    )
}

/// File names a directory walk picks up; given explicitly, any file is read.
pub(crate) fn is_capture(name: &str) -> bool {
    let name = name.strip_suffix(".gz").unwrap_or(name);
    [
        ".json", ".ndjson", ".jsonl", ".har", ".txt", ".query", ".form",
    ]
    .iter()
    .any(|e| name.ends_with(e))
        && name != "expected.json"
        // A product directory's schemas describe reports; they are not captures of one.
        && !name.ends_with(".schema.json")
}

/// How long a named FIFO is waited on for a writer before it is given up.
pub(crate) const FIFO_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Opens an input. A named FIFO is opened on a thread of its own and given up after
/// [`FIFO_WAIT`] without a writer, so one idle FIFO cannot hold up the other inputs; once
/// open, it is read like any file, within the same limits. Devices are read like files too
/// (the limits and the binary check refuse `/dev/zero` at once).
pub(crate) fn open_input(path: &Path) -> std::io::Result<std::fs::File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if std::fs::metadata(path)?.file_type().is_fifo() {
            let (opened, wait) = std::sync::mpsc::channel();
            let p = path.to_path_buf();
            // Left blocked in `open` if no writer comes; it ends with the process.
            std::thread::spawn(move || {
                let _ = opened.send(std::fs::File::open(p));
            });
            return wait.recv_timeout(FIFO_WAIT).unwrap_or_else(|_| {
                Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!(
                        "no writer opened this FIFO within {} s; it was skipped",
                        FIFO_WAIT.as_secs()
                    ),
                ))
            });
        }
    }
    std::fs::File::open(path)
}
