//! The verbs, one file each.

pub mod accounts;
pub mod audit;
pub mod batch;
pub mod catalog;
pub mod check;
pub mod config;
pub mod generate;
pub mod id;
pub mod import;
pub mod migrate;
pub mod rights;
pub mod rotate;
pub mod serve;
pub mod subjects;

use std::io::Write;

/// Writes a JSON value and a newline to standard output.
pub fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, value)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// Writes a line to standard output.
pub fn print_line(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.write_all(b"\n")?;
    Ok(())
}

/// Logging to standard error: `XINYONG_LOG` (or `RUST_LOG`) filters, `default` otherwise.
pub fn init_logging(default: &str) {
    let filter = std::env::var("XINYONG_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| default.to_owned());
    use std::io::IsTerminal;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .try_init();
}
