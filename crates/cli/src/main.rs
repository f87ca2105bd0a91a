//! The `privaudit` binary; the program is the library's [`privaudit::main`].

// With `--features mimalloc`: faster small blocks, freed across threads, at the price of
// more memory held on very large records (docs/performance.md).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    privaudit::main()
}
