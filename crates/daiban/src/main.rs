//! The `daiban` binary: a thin shell over `daiban::run`.

/// mimalloc instead of the system allocator: glibc keeps the 19 MiB that each argon2 password
/// hash allocates in per-thread arenas after the first one is freed, so a server that had a
/// few logins held 150 MB more than it used (measured with `bench/load/run.py`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    daiban::run()
}
