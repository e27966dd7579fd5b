//! The `daiban` binary: a thin shell over `daiban::run`.

/// mimalloc instead of the system allocator: glibc keeps the 19 MiB that each argon2 password
/// hash allocates in per-thread arenas after the first one is freed, so a server that had a
/// few logins held 150 MB more than it used (measured with `bench/load/run.py`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    limit_malloc_arenas();
    daiban::run()
}

/// SQLite is C and allocates through glibc's `malloc`, which gives every thread that allocates
/// an arena of its own (up to eight per core) and keeps what is freed there; sqlx runs each
/// SQLite connection on a thread of its own. Two arenas hold the same work in about 20 MB less
/// (docs/PERFORMANCE.md, "The fifth pass"). glibc reads `MALLOC_ARENA_MAX` once, when the
/// process starts, and `mallopt` would need `unsafe` (forbidden in this workspace), so the
/// binary starts itself again with it set, unless it is set already (a deployment may choose
/// its own value). If that fails it goes on as it is.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn limit_malloc_arenas() {
    use std::os::unix::process::CommandExt;
    const VAR: &str = "MALLOC_ARENA_MAX";
    if std::env::var_os(VAR).is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let mut args = std::env::args_os();
    let mut cmd = std::process::Command::new(exe);
    if let Some(name) = args.next() {
        cmd.arg0(name);
    }
    // Returns only if the process could not be replaced.
    let err = cmd.args(args).env(VAR, "2").exec();
    eprintln!("daiban: running with glibc's default arenas ({err})");
}
