//! The `daiban` binary: a thin shell over `daiban::run`.

fn main() -> std::process::ExitCode {
    daiban::run()
}
