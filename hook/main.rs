//! `privaudit-hook`: the privaudit command under the name pre-commit installs it by. A hook
//! repository's root must be a package for pre-commit's `language: rust` (it runs `cargo
//! install --bins --path .`), and the workspace root is this package.

fn main() -> std::process::ExitCode {
    privaudit::main()
}
