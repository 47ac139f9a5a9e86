//! `xinyong`: the platform's one binary. Each verb lives in `commands/`.

mod commands;
mod config;
mod wiring;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::commands::{
    accounts, audit, batch, catalog, check, config as config_command, generate, id, import, migrate, rights, rotate,
    serve, subjects,
};

/// glibc's malloc took a fifth of the CPU of a credit check under load,
/// most of it SQLite's page cache being refilled (bench/RESULTS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Xinyong 公共信用信息共享服务平台
#[derive(Debug, Parser)]
#[command(name = "xinyong", version, about = "Xinyong 公共信用信息共享服务平台", long_about = None)]
struct Cli {
    #[command(flatten)]
    global: config::GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the platform: the website and the API.
    Serve(serve::Args),
    /// Import a department's file of 行政许可 or 行政处罚 records.
    Import(import::Args),
    /// Look at batches: their reports and rejected rows.
    #[command(subcommand)]
    Batch(batch::Command),
    /// The subject registry: name conflicts awaiting review.
    #[command(subcommand)]
    Subjects(subjects::Command),
    /// Check unified social credit codes and citizen ID numbers.
    #[command(subcommand)]
    Id(id::Command),
    /// Generate realistic synthetic data files.
    Gen(generate::Args),
    /// The catalogue of record types and its versions.
    #[command(subcommand)]
    Catalog(catalog::Command),
    /// Apply database migrations (also done at every start).
    Migrate,
    /// Configuration: print a commented example.
    #[command(subcommand)]
    Config(config_command::Command),
    /// Departments (数据提供单位).
    #[command(subcommand)]
    Dept(accounts::DeptCommand),
    /// Accounts and their roles.
    #[command(subcommand)]
    User(accounts::UserCommand),
    /// Administrators.
    #[command(subcommand)]
    Admin(accounts::AdminCommand),
    /// API keys of system clients.
    #[command(subcommand)]
    Key(accounts::KeyCommand),
    /// Check a subject in a business matter (逢办必查): the lists and
    /// records that matter and the reward and punishment measures that apply.
    Check(check::Args),
    /// The audit log: verify its hash chain, export it, keep checkpoints.
    #[command(subcommand)]
    Audit(audit::Command),
    /// The working-day calendar: the years loaded, deadlines in working days.
    #[command(subcommand)]
    Calendar(rights::CalendarCommand),
    /// Credit repair applications (信用修复), their deadlines, and the
    /// credit office's check of them.
    #[command(subcommand)]
    Repairs(rights::RepairCommand),
    /// Objections (异议), their deadlines, and the credit office's
    /// acceptance or refusal.
    #[command(subcommand)]
    Objections(rights::ObjectionCommand),
    /// Credit commitments (信用承诺) made to the public, and the credit
    /// office's findings on them.
    #[command(subcommand)]
    Commitments(rights::CommitmentCommand),
    /// Re-encrypt every sealed value (identities, records, rejected rows,
    /// kept uploads) under a new key and retire the old key file.
    RotateKey,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => return fail(&anyhow::Error::from(error)),
    };
    let result = runtime.block_on(async {
        let result = match cli.command {
            Command::Serve(args) => serve::run(&cli.global, args).await,
            Command::Import(args) => import::run(&cli.global, args).await,
            Command::Batch(command) => batch::run(&cli.global, command).await,
            Command::Subjects(command) => subjects::run(&cli.global, command).await,
            Command::Id(command) => id::run(&cli.global, command),
            Command::Gen(args) => generate::run(args),
            Command::Catalog(command) => catalog::run(&cli.global, command).await,
            Command::Migrate => migrate::run(&cli.global).await,
            Command::Config(command) => config_command::run(&cli.global, command),
            Command::Dept(command) => accounts::dept(&cli.global, command).await,
            Command::User(command) => accounts::user(&cli.global, command).await,
            Command::Admin(command) => accounts::admin(&cli.global, command).await,
            Command::Key(command) => accounts::key(&cli.global, command).await,
            Command::Check(args) => check::run(&cli.global, args).await,
            Command::Audit(command) => audit::run(&cli.global, command).await,
            Command::Calendar(command) => rights::calendar(&cli.global, command).await,
            Command::Repairs(command) => rights::repairs(&cli.global, command).await,
            Command::Objections(command) => rights::objections(&cli.global, command).await,
            Command::Commitments(command) => rights::commitments(&cli.global, command).await,
            Command::RotateKey => rotate::run(&cli.global).await,
        };
        wiring::close_spools().await;
        result
    });
    match result {
        Ok(code) => code,
        Err(error) => fail(&error),
    }
}

#[expect(clippy::print_stderr, reason = "the binary reports its failure on stderr")]
fn fail(error: &anyhow::Error) -> ExitCode {
    // A reader that stopped reading (`xinyong … | head`) is not a failure to report.
    let broken_pipe = error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    });
    if broken_pipe {
        return ExitCode::from(141);
    }
    eprintln!("错误：{}", failure_text(error));
    ExitCode::FAILURE
}

/// The error and its causes, joined, in Chinese where the operating system
/// speaks English: an I/O error is named by its kind. A cause that repeats
/// the text before it (an error that shows its source) is left out.
fn failure_text(error: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in error.chain() {
        let text = match cause.downcast_ref::<std::io::Error>() {
            Some(io) => io_text(io),
            None => cause.to_string(),
        };
        if !parts.last().is_some_and(|last| last.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join("：")
}

fn io_text(error: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::NotFound => "文件或目录不存在".into(),
        ErrorKind::PermissionDenied => "没有访问权限".into(),
        ErrorKind::AlreadyExists => "文件已存在".into(),
        ErrorKind::IsADirectory => "这是一个目录，不是文件".into(),
        ErrorKind::NotADirectory => "路径中有一段不是目录".into(),
        ErrorKind::StorageFull => "磁盘空间已满".into(),
        ErrorKind::ReadOnlyFilesystem => "文件系统只读".into(),
        _ => format!("读写失败（{error}）"),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn io_causes_are_told_in_chinese_once() {
        let io = std::io::Error::from(std::io::ErrorKind::NotFound);
        let error = anyhow::Error::new(io).context("无法写出 /nonexistent/x.csv");
        assert_eq!(
            super::failure_text(&error),
            "无法写出 /nonexistent/x.csv：文件或目录不存在"
        );
    }

    #[test]
    fn the_command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
